// A PKCS#11 module for tests: it forwards every call to a real module (SoftHSM) and injects the
// faults a real token shows but SoftHSM cannot: a locked PIN, a token pulled out in the middle of
// a batch, a token that allows one session at a time. Set by environment variables:
//   ESIGN_FAULT_MODULE        the real module (required)
//   ESIGN_FAULT_TOKEN_FLAGS   flags OR-ed into C_GetTokenInfo's (e.g. 0x40000 = CKF_USER_PIN_LOCKED)
//   ESIGN_FAULT_SIGN_LIMIT    after this many signatures the token is gone: C_Sign returns
//                             CKR_DEVICE_REMOVED, C_OpenSession CKR_TOKEN_NOT_PRESENT
//   ESIGN_FAULT_MAX_SESSIONS  C_OpenSession returns CKR_SESSION_COUNT beyond this many open sessions
//   ESIGN_FAULT_HIDE_MECHANISM mechanisms left out of C_GetMechanismList, comma-separated (e.g. 0x1 =
//                             CKM_RSA_PKCS), as a token that offers only CKM_SHA256_RSA_PKCS and friends
//   ESIGN_FAULT_LOG           file to which each C_Login, C_SignInit (with its mechanism) and C_Sign
//                             is appended, a line each
// Built by the tests with `cc -shared -fPIC`.
#include <dlfcn.h>
#include <p11-kit/pkcs11.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

static CK_FUNCTION_LIST real_copy, wrapped;
static CK_FUNCTION_LIST_PTR real = NULL;
static atomic_long signatures = 0, sessions = 0;

static long setting(const char *name, long fallback) {
    const char *value = getenv(name);
    return value == NULL ? fallback : strtol(value, NULL, 0);
}

static void note(const char *line) {
    const char *path = getenv("ESIGN_FAULT_LOG");
    if (path == NULL) return;
    FILE *f = fopen(path, "a");
    if (f == NULL) return;
    fprintf(f, "%s\n", line);
    fclose(f);
}

static int removed(void) {
    long limit = setting("ESIGN_FAULT_SIGN_LIMIT", -1);
    return limit >= 0 && atomic_load(&signatures) >= limit;
}

static CK_RV wrapped_get_token_info(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info) {
    CK_RV rv = real->C_GetTokenInfo(slot, info);
    if (rv == CKR_OK) info->flags |= (CK_FLAGS)setting("ESIGN_FAULT_TOKEN_FLAGS", 0);
    return rv;
}

static CK_RV wrapped_open_session(CK_SLOT_ID slot, CK_FLAGS flags, void *app, CK_NOTIFY notify,
                                  CK_SESSION_HANDLE_PTR session) {
    if (removed()) return CKR_TOKEN_NOT_PRESENT;
    long limit = setting("ESIGN_FAULT_MAX_SESSIONS", -1);
    if (limit >= 0 && atomic_load(&sessions) >= limit) return CKR_SESSION_COUNT;
    CK_RV rv = real->C_OpenSession(slot, flags, app, notify, session);
    if (rv == CKR_OK) atomic_fetch_add(&sessions, 1);
    return rv;
}

static CK_RV wrapped_close_session(CK_SESSION_HANDLE session) {
    CK_RV rv = real->C_CloseSession(session);
    if (rv == CKR_OK) atomic_fetch_sub(&sessions, 1);
    return rv;
}

static CK_RV wrapped_login(CK_SESSION_HANDLE session, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG length) {
    CK_RV rv = real->C_Login(session, user, pin, length);
    char line[64];
    snprintf(line, sizeof line, "C_Login rv=0x%lx", (unsigned long)rv);
    note(line);
    return rv;
}

/// Whether ESIGN_FAULT_HIDE_MECHANISM lists `mechanism`.
static int hidden_mechanism(CK_MECHANISM_TYPE mechanism) {
    const char *value = getenv("ESIGN_FAULT_HIDE_MECHANISM");
    while (value != NULL && *value != '\0') {
        char *end = NULL;
        long listed = strtol(value, &end, 0);
        if (end == value) return 0;
        if ((CK_MECHANISM_TYPE)listed == mechanism) return 1;
        value = *end == ',' ? end + 1 : end;
    }
    return 0;
}

static CK_RV wrapped_get_mechanism_list(CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count) {
    CK_ULONG room = list == NULL ? 0 : *count;
    CK_MECHANISM_TYPE all[512];
    CK_ULONG n = sizeof all / sizeof all[0];
    CK_RV rv = real->C_GetMechanismList(slot, all, &n);
    if (rv != CKR_OK) return rv;
    CK_ULONG kept = 0;
    for (CK_ULONG i = 0; i < n; i++) {
        if (hidden_mechanism(all[i])) continue;
        if (list != NULL && kept < room) list[kept] = all[i];
        kept++;
    }
    *count = kept;
    return list != NULL && kept > room ? CKR_BUFFER_TOO_SMALL : CKR_OK;
}

static CK_RV wrapped_sign_init(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key) {
    char line[64];
    snprintf(line, sizeof line, "C_SignInit mechanism=0x%lx", mechanism == NULL ? 0UL : (unsigned long)mechanism->mechanism);
    note(line);
    return real->C_SignInit(session, mechanism, key);
}

static CK_RV wrapped_sign(CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG length, CK_BYTE_PTR signature,
                          CK_ULONG_PTR signature_length) {
    if (removed()) return CKR_DEVICE_REMOVED;
    CK_RV rv = real->C_Sign(session, data, length, signature, signature_length);
    if (rv == CKR_OK && signature != NULL) {
        atomic_fetch_add(&signatures, 1);
        note("C_Sign");
    }
    return rv;
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list) {
    if (real == NULL) {
        const char *path = getenv("ESIGN_FAULT_MODULE");
        void *handle = path == NULL ? NULL : dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (handle == NULL) return CKR_GENERAL_ERROR;
        CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR) = (CK_RV (*)(CK_FUNCTION_LIST_PTR_PTR))dlsym(handle, "C_GetFunctionList");
        CK_FUNCTION_LIST_PTR list_real = NULL;
        if (get == NULL || get(&list_real) != CKR_OK || list_real == NULL) return CKR_GENERAL_ERROR;
        real_copy = *list_real;
        real = &real_copy;
        wrapped = real_copy;
        wrapped.C_GetTokenInfo = wrapped_get_token_info;
        wrapped.C_OpenSession = wrapped_open_session;
        wrapped.C_CloseSession = wrapped_close_session;
        wrapped.C_Login = wrapped_login;
        wrapped.C_Sign = wrapped_sign;
        wrapped.C_SignInit = wrapped_sign_init;
        wrapped.C_GetMechanismList = wrapped_get_mechanism_list;
    }
    *list = &wrapped;
    return CKR_OK;
}
