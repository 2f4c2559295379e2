// A private key whose signing happens elsewhere (a PKCS#11 token, a remote signing service),
// presented to OpenSSL as an ordinary EVP_PKEY, so that everything that signs through OpenSSL
// (CMS signer infos, the TSA's TS_RESP_CTX) works with it unchanged.
#ifndef ESIGN_EXTERNAL_KEY_H
#define ESIGN_EXTERNAL_KEY_H
#include <stddef.h>

typedef struct evp_pkey_st EVP_PKEY;

/// Signs `digest` (the hash named by `digest_nid`): for RSA, writes the PKCS#1 v1.5 signature;
/// for ECDSA, the DER ECDSA-Sig-Value. `signature_length` holds the room on entry and the length
/// written on return. Returns 1 on success, 0 on failure.
typedef int (*esign_external_sign_fn)(
    void *context, int digest_nid, const unsigned char *digest, size_t digest_length,
    unsigned char *signature, size_t *signature_length);
/// Called once when the key is freed, to release `context`.
typedef void (*esign_external_release_fn)(void *context);

/// A new RSA or EC EVP_PKEY with the public half of `public_key` whose signing calls `sign`.
/// NULL for other key types or on failure (OpenSSL's error queue says why). `release` is called
/// on `context` when the key is freed, or at once when NULL is returned.
EVP_PKEY *esign_external_key_new(
    const EVP_PKEY *public_key, void *context, esign_external_sign_fn sign, esign_external_release_fn release);
#endif
