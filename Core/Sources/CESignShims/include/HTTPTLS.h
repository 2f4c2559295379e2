// OpenSSL's HTTP client with TLS for https:// URLs (see HTTPTLS.c).
#ifndef ESIGN_HTTPTLS_H
#define ESIGN_HTTPTLS_H
#include <stddef.h>

typedef struct bio_st BIO;
struct stack_st_CONF_VALUE;

/// OSSL_HTTP_transfer, with a verified TLS connection when `use_tls`; the response BIO or NULL
/// (OpenSSL's error queue says why).
BIO *esign_http_transfer(const char *host, const char *port, const char *path, int use_tls,
                         const struct stack_st_CONF_VALUE *headers, const char *content_type, BIO *request,
                         const char *expected_type, int expect_asn1, size_t max_response, int timeout);
#endif
