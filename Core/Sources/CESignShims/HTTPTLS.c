// OpenSSL's HTTP client (OSSL_HTTP_transfer) over a connection esign makes, and HTTPS: the connection
// BIO gets a TLS BIO on top, as OpenSSL's own apps do (apps/lib/apps.c, app_http_tls_cb). The
// server's certificate is verified against the default trust store (SSL_CERT_FILE / SSL_CERT_DIR
// honoured) and its name against the URL's host.
#include "HTTPTLS.h"
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/http.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

// A TCP connection to host:port made within `timeout` seconds, as a non-blocking socket BIO that
// OpenSSL's HTTP client then uses (and the caller frees). OpenSSL's own connect retries a refused
// connection until its timeout, so a responder or TSA that is down would cost the whole timeout
// (10 s) for every request; connected here, a refusal fails at once. On failure the reason is on
// OpenSSL's error queue and NULL is returned.
static BIO *esign_connect(const char *host, const char *port, int timeout) {
    struct addrinfo hints = {0};
    struct addrinfo *list = NULL;
    hints.ai_socktype = SOCK_STREAM;
    int status = getaddrinfo(host, port, &hints, &list);
    if (status != 0) {
        ERR_raise_data(ERR_LIB_BIO, BIO_R_CONNECT_ERROR, "cannot resolve %s: %s", host, gai_strerror(status));
        return NULL;
    }
    int failure = ETIMEDOUT;
    int connected = -1;
    for (struct addrinfo *a = list; a != NULL && connected < 0; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            failure = errno;
            continue;
        }
        int error = connect(fd, a->ai_addr, a->ai_addrlen) == 0 ? 0 : errno;
        if (error == EINPROGRESS) {
            struct pollfd watch = {.fd = fd, .events = POLLOUT};
            int ready = poll(&watch, 1, timeout > 0 ? timeout * 1000 : -1);
            socklen_t length = sizeof error;
            if (ready != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
                error = ready == 0 ? ETIMEDOUT : errno;
            }
        }
        if (error == 0) {
            connected = fd;
        } else {
            failure = error;
            close(fd);
        }
    }
    freeaddrinfo(list);
    if (connected < 0) {
        ERR_raise_data(ERR_LIB_BIO, BIO_R_CONNECT_ERROR, "cannot connect to %s:%s: %s", host, port, strerror(failure));
        return NULL;
    }
    BIO *bio = BIO_new_socket(connected, BIO_CLOSE);
    if (bio == NULL) {
        close(connected);
        return NULL;
    }
    (void)BIO_set_nbio(bio, 1);
    return bio;
}

// `bio` with a TLS client BIO on top: SNI and the certificate checks of `ctx`; NULL on failure.
static BIO *esign_tls_push(BIO *bio, SSL_CTX *ctx) {
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

// The connection callback OpenSSL's HTTP client calls when it connects itself (through a proxy).
static BIO *esign_tls_update(BIO *bio, void *arg, int connect, int detail) {
    if (connect) return esign_tls_push(bio, (SSL_CTX *)arg);
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
    // Without a proxy esign connects to the server itself (with one, OpenSSL connects to the proxy).
    BIO *connection = NULL;
    const char *service = port != NULL ? port : (use_tls ? "443" : "80");
    if (OSSL_HTTP_adapt_proxy(NULL, NULL, host, use_tls) == NULL) {
        time_t start = time(NULL);
        connection = esign_connect(host, service, timeout);
        if (connection == NULL) return NULL;
        if (timeout > 0) {
            int spent = (int)(time(NULL) - start);
            timeout = spent < timeout ? timeout - spent : 1;
        }
    }
    SSL_CTX *ctx = NULL;
    if (use_tls) {
        ctx = SSL_CTX_new(TLS_client_method());
        if (ctx == NULL) {
            BIO_free(connection);
            return NULL;
        }
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        // The name checked: an address literal against the certificate's IP addresses, else the host name.
        X509_VERIFY_PARAM *param = SSL_CTX_get0_param(ctx);
        int named = X509_VERIFY_PARAM_set1_ip_asc(param, host) == 1 || X509_VERIFY_PARAM_set1_host(param, host, 0) == 1;
        if (SSL_CTX_set_default_verify_paths(ctx) != 1 || !named) {
            SSL_CTX_free(ctx);
            BIO_free(connection);
            return NULL;
        }
    }
    BIO *response;
    if (connection != NULL) {
        // Connected here: OpenSSL's client is given the connection (TLS on top) for both directions,
        // so it does not connect again, and is not asked for TLS itself (it would want a callback).
        // The response holds its own reference when it reads from the connection.
        BIO *chain = use_tls ? esign_tls_push(connection, ctx) : connection;
        if (chain == NULL) {
            BIO_free(connection);
            SSL_CTX_free(ctx);
            return NULL;
        }
        response = OSSL_HTTP_transfer(
            NULL, host, service, path, 0, NULL, NULL, chain, chain, NULL, NULL, 0, headers, content_type, request,
            expected_type, expect_asn1, max_response, timeout, 0);
        BIO_free_all(chain);
    } else {
        response = OSSL_HTTP_transfer(
            NULL, host, port, path, use_tls, NULL, NULL, NULL, NULL, use_tls ? esign_tls_update : NULL, ctx, 0,
            headers, content_type, request, expected_type, expect_asn1, max_response, timeout, 0);
    }
    SSL_CTX_free(ctx);
    return response;
}
