#include "CESignShims.h"
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

long esign_BIO_get_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }
void esign_OPENSSL_free(void *ptr) { OPENSSL_free(ptr); }
int esign_http_header_add(struct stack_st_CONF_VALUE **headers, const char *name, const char *value) {
    return X509V3_add_value(name, value, headers);
}
void esign_http_headers_free(struct stack_st_CONF_VALUE *headers) {
    sk_CONF_VALUE_pop_free(headers, X509V3_conf_free);
}
struct stack_st_X509 *esign_sk_X509_new_null(void) { return sk_X509_new_null(); }
int esign_sk_X509_push(struct stack_st_X509 *sk, X509 *cert) { return sk_X509_push(sk, cert); }
int esign_sk_X509_num(const struct stack_st_X509 *sk) { return sk_X509_num(sk); }
X509 *esign_sk_X509_value(const struct stack_st_X509 *sk, int i) { return sk_X509_value(sk, i); }
void esign_sk_X509_pop_free(struct stack_st_X509 *sk) { sk_X509_pop_free(sk, X509_free); }
void esign_sk_X509_free(struct stack_st_X509 *sk) { sk_X509_free(sk); }

int esign_X509_add_ext_conf(X509 *cert, X509 *issuer, int nid, const char *value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (ext == NULL) return 0;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

void esign_sk_DIST_POINT_pop_free(void *points) {
    sk_DIST_POINT_pop_free((STACK_OF(DIST_POINT) *)points, DIST_POINT_free);
}
