// HTTPS for OpenSSL's HTTP client (OSSL_HTTP_transfer): its connection BIO gets a TLS BIO on top,
// as OpenSSL's own apps do (apps/lib/apps.c, app_http_tls_cb). The server's certificate is verified
// against the default trust store (SSL_CERT_FILE / SSL_CERT_DIR honoured) and its name against the
// URL's host.
#include "HTTPTLS.h"
#include <openssl/err.h>
#include <openssl/http.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

static BIO *esign_tls_update(BIO *bio, void *arg, int connect, int detail) {
    SSL_CTX *ctx = (SSL_CTX *)arg;
    if (connect) {
        const char *host = X509_VERIFY_PARAM_get0_host(SSL_CTX_get0_param(ctx), 0);  // NULL for an address
        BIO *sbio = BIO_new(BIO_f_ssl());
        SSL *ssl = SSL_new(ctx);
        if (sbio == NULL || ssl == NULL) {
            BIO_free(sbio);
            SSL_free(ssl);
            return NULL;
        }
        if (host != NULL) SSL_set_tlsext_host_name(ssl, host);
        SSL_set_connect_state(ssl);
        BIO_set_ssl(sbio, ssl, BIO_CLOSE);
        return BIO_push(sbio, bio);
    }
    (void)detail;
    (void)ERR_set_mark();
    BIO_ssl_shutdown(bio);
    BIO *inner = BIO_pop(bio);
    BIO_free(bio);
    (void)ERR_pop_to_mark();
    return inner;
}

BIO *esign_http_transfer(const char *host, const char *port, const char *path, int use_tls,
                         const struct stack_st_CONF_VALUE *headers, const char *content_type, BIO *request,
                         const char *expected_type, int expect_asn1, size_t max_response, int timeout) {
    SSL_CTX *ctx = NULL;
    if (use_tls) {
        ctx = SSL_CTX_new(TLS_client_method());
        if (ctx == NULL) return NULL;
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        // The name checked: an address literal against the certificate's IP addresses, else the host name.
        X509_VERIFY_PARAM *param = SSL_CTX_get0_param(ctx);
        int named = X509_VERIFY_PARAM_set1_ip_asc(param, host) == 1 || X509_VERIFY_PARAM_set1_host(param, host, 0) == 1;
        if (SSL_CTX_set_default_verify_paths(ctx) != 1 || !named) {
            SSL_CTX_free(ctx);
            return NULL;
        }
    }
    BIO *response = OSSL_HTTP_transfer(
        NULL, host, port, path, use_tls, NULL, NULL, NULL, NULL, use_tls ? esign_tls_update : NULL, ctx, 0,
        headers, content_type, request, expected_type, expect_asn1, max_response, timeout, 0);
    SSL_CTX_free(ctx);
    return response;
}
