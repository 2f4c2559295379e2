// OpenSSL 3 still routes signing with a "foreign" RSA or EC key (one with its own RSA_METHOD or
// EC_KEY_METHOD) through that method; this is how PKCS#11 engines work. These methods are
// deprecated in favour of providers, which would take far more code for the same two callbacks.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "ExternalKey.h"
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

struct external {
    void *context;
    esign_external_sign_fn sign;
    esign_external_release_fn release;
};

static CRYPTO_ONCE once = CRYPTO_ONCE_STATIC_INIT;
static int rsa_index = -1, ec_index = -1;
static RSA_METHOD *rsa_method = NULL;
static EC_KEY_METHOD *ec_method = NULL;

static void free_external(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp) {
    (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
    struct external *ext = ptr;
    if (ext == NULL) return;
    if (ext->release != NULL) ext->release(ext->context);
    OPENSSL_free(ext);
}

static int rsa_sign(int type, const unsigned char *m, unsigned int m_length, unsigned char *sigret,
                    unsigned int *siglen, const RSA *rsa) {
    struct external *ext = RSA_get_ex_data(rsa, rsa_index);
    if (ext == NULL) return 0;
    size_t length = (size_t)RSA_size(rsa);
    if (ext->sign(ext->context, type, m, m_length, sigret, &length) != 1) return 0;
    *siglen = (unsigned int)length;
    return 1;
}

static int ec_sign(int type, const unsigned char *dgst, int dlen, unsigned char *sig, unsigned int *siglen,
                   const BIGNUM *kinv, const BIGNUM *r, EC_KEY *eckey) {
    (void)kinv; (void)r;
    struct external *ext = EC_KEY_get_ex_data(eckey, ec_index);
    if (ext == NULL || dlen < 0) return 0;
    size_t length = (size_t)ECDSA_size(eckey);
    if (ext->sign(ext->context, type, dgst, (size_t)dlen, sig, &length) != 1) return 0;
    *siglen = (unsigned int)length;
    return 1;
}

static ECDSA_SIG *ec_sign_sig(const unsigned char *dgst, int dgst_len, const BIGNUM *kinv, const BIGNUM *r,
                              EC_KEY *eckey) {
    (void)kinv; (void)r;
    struct external *ext = EC_KEY_get_ex_data(eckey, ec_index);
    unsigned char der[160];
    size_t length = sizeof der;
    if (ext == NULL || dgst_len < 0) return NULL;
    if (ext->sign(ext->context, NID_undef, dgst, (size_t)dgst_len, der, &length) != 1) return NULL;
    const unsigned char *p = der;
    return d2i_ECDSA_SIG(NULL, &p, (long)length);
}

static void setup(void) {
    rsa_index = RSA_get_ex_new_index(0, NULL, NULL, NULL, free_external);
    ec_index = EC_KEY_get_ex_new_index(0, NULL, NULL, NULL, free_external);
    rsa_method = RSA_meth_dup(RSA_PKCS1_OpenSSL());
    if (rsa_method != NULL) {
        RSA_meth_set1_name(rsa_method, "esign external key");
        RSA_meth_set_sign(rsa_method, rsa_sign);
    }
    ec_method = EC_KEY_METHOD_new(EC_KEY_OpenSSL());
    if (ec_method != NULL) {
        int (*default_setup)(EC_KEY *, BN_CTX *, BIGNUM **, BIGNUM **) = NULL;
        EC_KEY_METHOD_get_sign(ec_method, NULL, &default_setup, NULL);
        EC_KEY_METHOD_set_sign(ec_method, ec_sign, default_setup, ec_sign_sig);
    }
}

static RSA *external_rsa(const EVP_PKEY *public_key) {
    BIGNUM *n = NULL, *e = NULL;
    if (!EVP_PKEY_get_bn_param(public_key, OSSL_PKEY_PARAM_RSA_N, &n)
        || !EVP_PKEY_get_bn_param(public_key, OSSL_PKEY_PARAM_RSA_E, &e)) {
        BN_free(n);
        BN_free(e);
        return NULL;
    }
    RSA *rsa = RSA_new();
    if (rsa == NULL || !RSA_set0_key(rsa, n, e, NULL)) {
        RSA_free(rsa);
        BN_free(n);
        BN_free(e);
        return NULL;
    }
    if (!RSA_set_method(rsa, rsa_method)) {
        RSA_free(rsa);
        return NULL;
    }
    return rsa;
}

static EC_KEY *external_ec(const EVP_PKEY *public_key) {
    char group[80];
    size_t group_length = 0;
    unsigned char point[200];
    size_t point_length = 0;
    if (!EVP_PKEY_get_utf8_string_param(public_key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &group_length)
        || !EVP_PKEY_get_octet_string_param(public_key, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &point_length))
        return NULL;
    int nid = OBJ_txt2nid(group);
    if (nid == NID_undef) nid = EC_curve_nist2nid(group);
    EC_KEY *ec = nid == NID_undef ? NULL : EC_KEY_new_by_curve_name(nid);
    if (ec == NULL) return NULL;
    if (!EC_KEY_oct2key(ec, point, point_length, NULL) || !EC_KEY_set_method(ec, ec_method)) {
        EC_KEY_free(ec);
        return NULL;
    }
    return ec;
}

EVP_PKEY *esign_external_key_new(
    const EVP_PKEY *public_key, void *context, esign_external_sign_fn sign, esign_external_release_fn release) {
    struct external *ext = NULL;
    EVP_PKEY *pkey = NULL;
    if (!CRYPTO_THREAD_run_once(&once, setup) || rsa_method == NULL || ec_method == NULL) goto fail;
    ext = OPENSSL_zalloc(sizeof *ext);
    pkey = EVP_PKEY_new();
    if (ext == NULL || pkey == NULL) goto fail;
    ext->context = context;
    ext->sign = sign;
    ext->release = release;
    switch (EVP_PKEY_get_base_id(public_key)) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS: {  // a key restricted to PSS signs as plain RSA here: esign pads
        RSA *rsa = external_rsa(public_key);
        if (rsa == NULL) goto fail;
        if (!RSA_set_ex_data(rsa, rsa_index, ext)) {
            RSA_free(rsa);
            goto fail;
        }
        ext = NULL;  // the RSA key owns it now and releases it when freed
        if (!EVP_PKEY_assign(pkey, EVP_PKEY_RSA, rsa)) {
            RSA_free(rsa);
            EVP_PKEY_free(pkey);
            return NULL;
        }
        return pkey;
    }
    case EVP_PKEY_EC: {
        EC_KEY *ec = external_ec(public_key);
        if (ec == NULL) goto fail;
        if (!EC_KEY_set_ex_data(ec, ec_index, ext)) {
            EC_KEY_free(ec);
            goto fail;
        }
        ext = NULL;
        if (!EVP_PKEY_assign(pkey, EVP_PKEY_EC, ec)) {
            EC_KEY_free(ec);
            EVP_PKEY_free(pkey);
            return NULL;
        }
        return pkey;
    }
    default:
        ERR_raise_data(ERR_LIB_EVP, EVP_R_UNSUPPORTED_ALGORITHM, "only RSA and EC keys can sign externally");
        break;
    }
fail:
    if (ext != NULL) OPENSSL_free(ext);
    if (release != NULL) release(context);
    EVP_PKEY_free(pkey);
    return NULL;
}
