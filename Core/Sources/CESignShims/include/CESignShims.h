// Real functions for the OpenSSL macros and typed-stack helpers that Swift cannot import.
// Nothing here adds behaviour; each function forwards to OpenSSL.
#ifndef ESIGN_SHIMS_H
#define ESIGN_SHIMS_H
#include <stddef.h>

typedef struct bio_st BIO;
typedef struct x509_st X509;
typedef struct stack_st_X509 STACK_OF_X509;

/// BIO_get_mem_data: pointer to and length of a memory BIO's contents.
long esign_BIO_get_mem_data(BIO *bio, char **data);
/// Frees memory that OpenSSL allocated (OPENSSL_free).
void esign_OPENSSL_free(void *ptr);
/// HTTP request headers for OSSL_HTTP_transfer: a STACK_OF(CONF_VALUE) built one header at a time
/// (NULL to start), and freed with its names and values.
struct stack_st_CONF_VALUE;
int esign_http_header_add(struct stack_st_CONF_VALUE **headers, const char *name, const char *value);
void esign_http_headers_free(struct stack_st_CONF_VALUE *headers);
/// sk_X509_new_null / push / num / value / pop_free(X509_free).
struct stack_st_X509 *esign_sk_X509_new_null(void);
int esign_sk_X509_push(struct stack_st_X509 *sk, X509 *cert);
int esign_sk_X509_num(const struct stack_st_X509 *sk);
X509 *esign_sk_X509_value(const struct stack_st_X509 *sk, int i);
void esign_sk_X509_pop_free(struct stack_st_X509 *sk);
/// sk_X509_free: frees the stack but not the certificates it holds.
void esign_sk_X509_free(struct stack_st_X509 *sk);
/// Adds an X.509v3 extension given in openssl.cnf syntax ("critical,CA:TRUE"),
/// with the issuer set so that authorityKeyIdentifier can be derived. Returns 1 on success.
int esign_X509_add_ext_conf(X509 *cert, X509 *issuer, int nid, const char *value);
/// sk_DIST_POINT_pop_free(points, DIST_POINT_free).
void esign_sk_DIST_POINT_pop_free(void *points);
#include "ExternalKey.h"
#include "HTTPTLS.h"
#endif
