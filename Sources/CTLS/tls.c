// OpenSSL for the engine: SSL on the socket itself (a socket BIO on switchyard's own non-blocking descriptors
// and event loop, as nginx does), so a TLS read or write is one SSL_read/SSL_write with no extra copy.
#include "cswy_tls.h"

#include <errno.h>
#include <string.h>
#include <stdio.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <openssl/rand.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/ocsp.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

// MARK: errors

int cswy_tls_error(char *buf, int len, int sys_errno) {
    int n = 0;
    buf[0] = 0;
    unsigned long e;
    const char *data;
    int flags;
    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        if (n == 0) n = snprintf(buf, len, "SSL:");
        if (n >= len - 1) continue;
        buf[n++] = ' ';
        buf[n] = 0;
        ERR_error_string_n(e, buf + n, len - n);
        n += (int)strlen(buf + n);
        if (data && *data && (flags & ERR_TXT_STRING) && n < len - 2) {
            n += snprintf(buf + n, len - n, ":%s", data);
        }
        if (n >= len) n = len - 1;
    }
    if (n == 0 && sys_errno != 0) n = snprintf(buf, len, "%d: %s", sys_errno, strerror(sys_errno));
    if (n >= len) n = len - 1;
    return n;
}

// MARK: contexts

static int ticket_index = -1;
static int ring_index = -1;
static int session_ctx_index = -1;
static int staple_index = -1;
static void make_indexes(void);

void *cswy_tls_ctx_new(int server) {
    make_indexes();
    SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    if (!ctx) return NULL;
    // nginx's options: no compression, no client-initiated renegotiation, an EOF without close_notify is
    // an ordinary end of stream; partial writes so a full socket leaves the rest to the caller's buffer.
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF
                             | SSL_OP_SINGLE_DH_USE | SSL_OP_SINGLE_ECDH_USE);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER
                          | SSL_MODE_RELEASE_BUFFERS | SSL_MODE_NO_AUTO_CHAIN);
    // nginx's read-ahead: one read(2) takes a whole flight of records, not a 5-byte header and then its body.
    // Readers must then drain OpenSSL's buffer too (cswy_tls_has_pending): no readiness event announces it.
    SSL_CTX_set_read_ahead(ctx, 1);
    // nginx's defaults: TLSv1.2 TLSv1.3, HIGH:!aNULL:!MD5.
    cswy_tls_ctx_protocols(ctx, CSWY_TLS_V1_2 | CSWY_TLS_V1_3);
    SSL_CTX_set_cipher_list(ctx, "HIGH:!aNULL:!MD5");
    if (!server) SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    return ctx;
}

void cswy_tls_ctx_free(void *ctx) { SSL_CTX_free(ctx); }

int cswy_tls_ctx_protocols(void *ctx, int mask) {
    long no = SSL_OP_NO_SSLv3;
    if (!(mask & CSWY_TLS_V1)) no |= SSL_OP_NO_TLSv1;
    if (!(mask & CSWY_TLS_V1_1)) no |= SSL_OP_NO_TLSv1_1;
    if (!(mask & CSWY_TLS_V1_2)) no |= SSL_OP_NO_TLSv1_2;
    if (!(mask & CSWY_TLS_V1_3)) no |= SSL_OP_NO_TLSv1_3;
    SSL_CTX_clear_options(ctx, SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 | SSL_OP_NO_TLSv1_2 | SSL_OP_NO_TLSv1_3);
    SSL_CTX_set_options(ctx, no);
    // OpenSSL 3's default security level refuses TLSv1 and TLSv1.1: naming them asks for them.
    if (mask & (CSWY_TLS_V1 | CSWY_TLS_V1_1)) SSL_CTX_set_security_level(ctx, 0);
    return 0;
}

int cswy_tls_ctx_ciphers(void *ctx, const char *list) {
    return SSL_CTX_set_cipher_list(ctx, list) == 1 ? 0 : -1;
}

void cswy_tls_ctx_prefer_server_ciphers(void *ctx, int on) {
    if (on) SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    else SSL_CTX_clear_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
}

int cswy_tls_ctx_curves(void *ctx, const char *list) {
    return SSL_CTX_set1_groups_list(ctx, list) == 1 ? 0 : -1;
}

int cswy_tls_ctx_conf_command(void *ctx, const char *name, const char *value, const char *path, int *used_path) {
    SSL_CONF_CTX *cctx = SSL_CONF_CTX_new();
    if (!cctx) return -1;
    // nginx's flags: server and client commands both (proxy_ssl_conf_command configures a client context).
    SSL_CONF_CTX_set_flags(cctx, SSL_CONF_FLAG_FILE | SSL_CONF_FLAG_SERVER | SSL_CONF_FLAG_CLIENT
                                 | SSL_CONF_FLAG_CERTIFICATE | SSL_CONF_FLAG_SHOW_ERRORS);
    SSL_CONF_CTX_set_ssl_ctx(cctx, ctx);
    int type = SSL_CONF_cmd_value_type(cctx, name);
    *used_path = type == SSL_CONF_TYPE_FILE || type == SSL_CONF_TYPE_DIR;
    int rc = SSL_CONF_cmd(cctx, name, *used_path ? path : value);
    SSL_CONF_CTX_finish(cctx);
    SSL_CONF_CTX_free(cctx);
    return rc > 0 ? 0 : -1;
}

static int password_callback(char *buf, int size, int rwflag, void *u) {
    (void)rwflag;
    const char *pw = u;
    if (!pw) return 0;
    int n = (int)strlen(pw);
    if (n > size) n = size;
    memcpy(buf, pw, n);
    return n;
}

// A certificate or key named by a path, or given inline after nginx's "data:" prefix.
static BIO *source_bio(const char *source) {
    if (strncmp(source, "data:", 5) == 0) return BIO_new_mem_buf(source + 5, -1);
    return BIO_new_file(source, "r");
}

// One certificate (with its chain) and its key into a context (ctx) or a connection (ssl): the same steps
// at load and, for ssl_certificate with variables, at each handshake.
static int load_pair(SSL_CTX *ctx, SSL *ssl, const char *cert, const char *key, const char *passwords, int count,
                     int *what) {
    *what = 4;
    BIO *bio = source_bio(cert);
    if (!bio) return -1;
    *what = 1;
    X509 *x = PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL);
    if (!x) { BIO_free(bio); return -1; }
    if ((ctx ? SSL_CTX_use_certificate(ctx, x) : SSL_use_certificate(ssl, x)) != 1) { X509_free(x); BIO_free(bio); return -1; }
    X509_free(x);
    // The rest of the file is the chain, kept with this certificate (RSA and ECDSA each have their own).
    if (ctx) SSL_CTX_clear_chain_certs(ctx); else SSL_clear_chain_certs(ssl);
    X509 *ca;
    while ((ca = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if ((ctx ? SSL_CTX_add0_chain_cert(ctx, ca) : SSL_add0_chain_cert(ssl, ca)) != 1) {
            X509_free(ca); BIO_free(bio); return -1;
        }
    }
    unsigned long last = ERR_peek_last_error();
    if (ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE) ERR_clear_error();
    BIO_free(bio);
    if (ERR_peek_error() != 0) return -1;

    *what = 2;
    EVP_PKEY *pkey = NULL;
    const char *pw = count > 0 ? passwords : NULL;
    for (int i = 0;; i++) {
        *what = 5;
        bio = source_bio(key);
        if (!bio) return -1;
        *what = 2;
        pkey = PEM_read_bio_PrivateKey(bio, NULL, password_callback, (void *)pw);
        BIO_free(bio);
        if (pkey || i + 1 >= count) break;
        ERR_clear_error();
        pw += strlen(pw) + 1;
    }
    if (!pkey) return -1;
    *what = 3;
    int rc = ctx ? SSL_CTX_use_PrivateKey(ctx, pkey) : SSL_use_PrivateKey(ssl, pkey);
    EVP_PKEY_free(pkey);
    return rc == 1 ? 0 : -1;
}

int cswy_tls_ctx_certificate(void *ctx, const char *cert, const char *key, const char *passwords, int count,
                             int *what) {
    return load_pair(ctx, NULL, cert, key, passwords, count, what);
}

int cswy_tls_use_certificate(void *ssl, const char *cert, const char *key, const char *passwords, int count,
                             int *what) {
    ERR_clear_error();
    return load_pair(NULL, ssl, cert, key, passwords, count, what);
}

// OpenSSL asks for the certificates once the ClientHello (and SNI) is known: the connection's owner loads them.
// The loader is the context's callback argument, not a global: a reload builds contexts on the master thread
// while workers run handshakes, and a global rewritten then was a data race (ThreadSanitizer, tls.c).
static int cert_callback(SSL *ssl, void *arg) {
    cswy_tls_cert_loader load = (cswy_tls_cert_loader)arg;
    void *app = SSL_get_app_data(ssl);
    if (!app || !load) return 1;
    return load(app) == 0 ? 1 : 0;
}

void cswy_tls_ctx_cert_loader(void *ctx, cswy_tls_cert_loader load) {
    SSL_CTX_set_cert_cb((SSL_CTX *)ctx, cert_callback, (void *)load);
}

int cswy_tls_ctx_dhparam(void *ctx, const char *path) {
    BIO *bio = BIO_new_file(path, "r");
    if (!bio) return -1;
    EVP_PKEY *dh = PEM_read_bio_Parameters(bio, NULL);
    BIO_free(bio);
    if (!dh) return -1;
    if (SSL_CTX_set0_tmp_dh_pkey(ctx, dh) != 1) { EVP_PKEY_free(dh); return -1; }
    return 0;
}

void cswy_tls_ctx_session_cache(void *ctx, int mode, long size, long timeout_seconds,
                                const unsigned char *id_context, int id_len) {
    SSL_CTX_set_timeout(ctx, timeout_seconds);
    if (mode == CSWY_TLS_CACHE_OFF) { SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF); return; }
    if (id_len > SSL_MAX_SID_CTX_LENGTH) id_len = SSL_MAX_SID_CTX_LENGTH;
    SSL_CTX_set_session_id_context(ctx, id_context, id_len);
    if (mode == CSWY_TLS_CACHE_NONE) {
        // Resumption is offered but nothing is stored (nginx's "none", kept for clients that need the offer).
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_AUTO_CLEAR
                                            | SSL_SESS_CACHE_NO_INTERNAL);
        SSL_CTX_sess_set_cache_size(ctx, 1);
        return;
    }
    // OpenSSL's internal store is one locked table per context: every worker thread shares it.
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(ctx, size);
}

void cswy_tls_ctx_tickets(void *ctx, int on) {
    if (on) SSL_CTX_clear_options(ctx, SSL_OP_NO_TICKET);
    else SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
}

typedef struct {
    int count;
    int size;
    unsigned char keys[];
} ticket_keys;

static void ticket_keys_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp) {
    (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
    if (ptr) OPENSSL_clear_free(ptr, sizeof(ticket_keys) + ((ticket_keys *)ptr)->count * ((ticket_keys *)ptr)->size);
}

// nginx's rotating keys for a shared session cache with no key files: the current key encrypts, the previous
// one still decrypts, the next one waits. Shared by every context naming the same cache (all worker threads).
typedef struct {
    pthread_mutex_t lock;
    int refs;
    time_t expire[3];
    unsigned char keys[3][80];   // the 80-byte file format: name, HMAC key, AES-256 key
} ticket_ring;

void *cswy_tls_ticket_ring_new(void) {
    ticket_ring *r = OPENSSL_zalloc(sizeof(ticket_ring));
    if (!r) return NULL;
    pthread_mutex_init(&r->lock, NULL);
    r->refs = 1;
    return r;
}

void cswy_tls_ticket_ring_free(void *ring) {
    ticket_ring *r = ring;
    if (!r) return;
    pthread_mutex_lock(&r->lock);
    int left = --r->refs;
    pthread_mutex_unlock(&r->lock);
    if (left > 0) return;
    pthread_mutex_destroy(&r->lock);
    OPENSSL_clear_free(r, sizeof(ticket_ring));
}

static void ring_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp) {
    (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
    cswy_tls_ticket_ring_free(ptr);
}

// ngx_ssl_rotate_ticket_keys: the current key's expiry follows its last use by the session timeout; once the
// previous key has expired, the current one becomes the previous and the next one the current. Copies the
// current and previous keys to `out` (0 or -1).
int cswy_tls_ticket_ring_rotate(void *ring, long now, long timeout, unsigned char out[160]) {
    ticket_ring *r = ring;
    time_t expire = now + timeout;
    int rc = 0;
    pthread_mutex_lock(&r->lock);
    if (r->expire[0] == 0) {
        if (RAND_bytes(r->keys[0], 80) != 1) { rc = -1; goto done; }
        r->expire[0] = expire;
        // the next key starts as the current one: the first rotation below makes both previous and current it
        memcpy(r->keys[2], r->keys[0], 80);
    }
    if (r->expire[1] < now) {
        memcpy(r->keys[1], r->keys[0], 80);
        r->expire[1] = r->expire[0];
        memcpy(r->keys[0], r->keys[2], 80);
        if (RAND_bytes(r->keys[2], 80) != 1) { rc = -1; goto done; }
        r->expire[2] = 0;
    }
    r->expire[0] = expire;
    memcpy(out, r->keys[0], 160);
done:
    pthread_mutex_unlock(&r->lock);
    return rc;
}

static int ticket_callback(SSL *ssl, unsigned char name[16], unsigned char *iv, EVP_CIPHER_CTX *ectx,
                           EVP_MAC_CTX *hctx, int enc);

int cswy_tls_ctx_ticket_ring(void *ctx, void *ring) {
    ticket_ring *r = ring;
    pthread_mutex_lock(&r->lock);
    r->refs++;
    pthread_mutex_unlock(&r->lock);
    if (SSL_CTX_set_ex_data(ctx, ring_index, r) != 1) { cswy_tls_ticket_ring_free(r); return -1; }
    return SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_callback) == 1 ? 0 : -1;
}

// nginx's key files: 16 bytes of name, then HMAC and AES keys of 16 (48-byte file, AES-128) or 32 bytes
// (80-byte file, AES-256); HMAC-SHA256 either way. The first key encrypts, every key decrypts. The keys are
// those of the connection's first context (the listening address's default server), not of the one SNI chose:
// OpenSSL looks for the session before SNI is known, as nginx's session_ctx.
static int ticket_crypt(SSL *ssl, unsigned char name[16], unsigned char *iv, EVP_CIPHER_CTX *ectx,
                        EVP_MAC_CTX *hctx, int enc, const unsigned char *keys, int count, int size) {
    int half = size == 48 ? 16 : 32;
    const EVP_CIPHER *cipher = half == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
    const unsigned char *key = NULL;
    int i = 0;
    if (enc) {
        key = keys;
        memcpy(name, key, 16);
        if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(cipher)) != 1) return -1;
        if (EVP_EncryptInit_ex(ectx, cipher, NULL, key + 16 + half, iv) != 1) return -1;
    } else {
        for (i = 0; i < count; i++) {
            if (memcmp(name, keys + i * size, 16) == 0) { key = keys + i * size; break; }
        }
        if (!key) return 0;
        if (EVP_DecryptInit_ex(ectx, cipher, NULL, key + 16 + half, iv) != 1) return -1;
    }
    OSSL_PARAM params[3];
    params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, (void *)(key + 16), half);
    params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0);
    params[2] = OSSL_PARAM_construct_end();
    if (EVP_MAC_CTX_set_params(hctx, params) != 1) return -1;
    if (enc) return 1;
    // 2: a new ticket is issued, as nginx asks for TLSv1.3 and for a ticket made with an older key
    return SSL_version(ssl) == TLS1_3_VERSION || i != 0 ? 2 : 1;
}

static int ticket_callback(SSL *ssl, unsigned char name[16], unsigned char *iv, EVP_CIPHER_CTX *ectx,
                           EVP_MAC_CTX *hctx, int enc) {
    SSL_CTX *sctx = SSL_get_ex_data(ssl, session_ctx_index);
    if (!sctx) sctx = SSL_get_SSL_CTX(ssl);
    ticket_keys *tk = SSL_CTX_get_ex_data(sctx, ticket_index);
    if (tk) return ticket_crypt(ssl, name, iv, ectx, hctx, enc, tk->keys, tk->count, tk->size);
    ticket_ring *ring = SSL_CTX_get_ex_data(sctx, ring_index);
    if (!ring) return -1;
    // The ring's two keys copied out under its lock, and wiped from the stack on every way out.
    unsigned char rotated[160];
    int rc = cswy_tls_ticket_ring_rotate(ring, (long)time(NULL), SSL_CTX_get_timeout(sctx), rotated) != 0 ? -1
        : ticket_crypt(ssl, name, iv, ectx, hctx, enc, rotated, 2, 80);
    OPENSSL_cleanse(rotated, sizeof rotated);
    return rc;
}

int cswy_tls_ctx_ticket_keys(void *ctx, const unsigned char *keys, int count, int size) {
    ticket_keys *tk = OPENSSL_malloc(sizeof(ticket_keys) + (size_t)count * size);
    if (!tk) return -1;
    tk->count = count;
    tk->size = size;
    memcpy(tk->keys, keys, (size_t)count * size);
    if (SSL_CTX_set_ex_data(ctx, ticket_index, tk) != 1) { OPENSSL_free(tk); return -1; }
    return SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_callback) == 1 ? 0 : -1;
}

typedef struct {
    long len;
    unsigned char der[];
} staple;

static void staple_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp) {
    (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
    OPENSSL_free(ptr);
}

// The client asked for the certificate's status: the context's response (the one SNI chose), a copy OpenSSL frees.
static int status_callback(SSL *ssl, void *arg) {
    (void)arg;
    staple *st = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), staple_index);
    if (!st) return SSL_TLSEXT_ERR_NOACK;
    unsigned char *copy = OPENSSL_memdup(st->der, st->len);
    if (!copy) return SSL_TLSEXT_ERR_NOACK;
    if (SSL_set_tlsext_status_ocsp_resp(ssl, copy, st->len) != 1) { OPENSSL_free(copy); return SSL_TLSEXT_ERR_NOACK; }
    return SSL_TLSEXT_ERR_OK;
}

int cswy_tls_ctx_staple(void *ctx, const unsigned char *der, long len) {
    const unsigned char *p = der;
    OCSP_RESPONSE *response = d2i_OCSP_RESPONSE(NULL, &p, len);
    if (!response) return -1;
    OCSP_RESPONSE_free(response);
    staple *st = OPENSSL_malloc(sizeof(staple) + (size_t)len);
    if (!st) return -1;
    st->len = len;
    memcpy(st->der, der, (size_t)len);
    if (SSL_CTX_set_ex_data(ctx, staple_index, st) != 1) { OPENSSL_free(st); return -1; }
    SSL_CTX_set_tlsext_status_cb(ctx, status_callback);
    return 0;
}

// Indexes are process-wide: made once, before the first context (on the master thread, before any worker runs).
static void make_indexes_once(void) {
    ticket_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, ticket_keys_free);
    ring_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, ring_free);
    session_ctx_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    staple_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, staple_free);
}

static void make_indexes(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, make_indexes_once);
}

static const unsigned char http1_protocols[] = "\x08http/1.1\x08http/1.0\x08http/0.9";

static int alpn_callback(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
                         unsigned int inlen, void *arg) {
    (void)ssl; (void)arg;
    if (SSL_select_next_proto((unsigned char **)out, outlen, http1_protocols, sizeof(http1_protocols) - 1, in,
                              inlen) != OPENSSL_NPN_NEGOTIATED) {
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    return SSL_TLSEXT_ERR_OK;
}

void cswy_tls_ctx_alpn_http1(void *ctx) { SSL_CTX_set_alpn_select_cb(ctx, alpn_callback, NULL); }

// Verification errors are judged after the handshake (nginx's 495/496 pages, optional_no_ca): the handshake
// itself goes on whatever the chain's verdict.
static int verify_accept_all(int ok, X509_STORE_CTX *store) { (void)ok; (void)store; return 1; }

int cswy_tls_ctx_verify_client(void *ctx, int mode, const char *client_ca, const char *trusted, int depth,
                               int *what) {
    if (mode == CSWY_TLS_VERIFY_OFF) return 0;
    int flags = SSL_VERIFY_PEER;
    SSL_CTX_set_verify(ctx, flags, verify_accept_all);
    SSL_CTX_set_verify_depth(ctx, depth);
    if (client_ca && *client_ca) {
        *what = 1;
        if (SSL_CTX_load_verify_locations(ctx, client_ca, NULL) != 1) return -1;
        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(client_ca);
        if (!names) return -1;
        SSL_CTX_set_client_CA_list(ctx, names);
    }
    if (trusted && *trusted) {
        *what = 2;
        if (SSL_CTX_load_verify_locations(ctx, trusted, NULL) != 1) return -1;
    }
    ERR_clear_error();
    return 0;
}

int cswy_tls_ctx_crl(void *ctx, const char *path) {
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    X509_LOOKUP *lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file());
    if (!lookup || X509_LOOKUP_load_file(lookup, path, X509_FILETYPE_PEM) != 1) return -1;
    X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
    return 0;
}

int cswy_tls_ctx_trusted(void *ctx, const char *path, int depth) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_accept_all);
    SSL_CTX_set_verify_depth(ctx, depth);
    if (path && *path && SSL_CTX_load_verify_locations(ctx, path, NULL) != 1) return -1;
    ERR_clear_error();
    return 0;
}

// The resolver is the context's callback argument, set before the context reaches a worker (see cert_callback).
static int sni_callback(SSL *ssl, int *alert, void *arg) {
    cswy_tls_sni_resolver resolve = (cswy_tls_sni_resolver)arg;
    void *app = SSL_get_app_data(ssl);
    if (!app || !resolve) return SSL_TLSEXT_ERR_OK;
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    void *chosen = NULL;
    if (resolve(app, name, name ? (long)strlen(name) : 0, &chosen) != 0) {
        *alert = SSL_AD_UNRECOGNIZED_NAME;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    SSL_CTX *ctx = chosen;
    if (ctx && ctx != SSL_get_SSL_CTX(ssl)) {
        // SSL_set_SSL_CTX swaps the certificates only: the rest of the chosen server's settings follow by hand.
        SSL_set_SSL_CTX(ssl, ctx);
        SSL_set_verify(ssl, SSL_CTX_get_verify_mode(ctx), SSL_CTX_get_verify_callback(ctx));
        SSL_set_verify_depth(ssl, SSL_CTX_get_verify_depth(ctx));
        SSL_clear_options(ssl, SSL_get_options(ssl) & ~SSL_CTX_get_options(ctx));
        SSL_set_options(ssl, SSL_CTX_get_options(ctx));
    }
    return SSL_TLSEXT_ERR_OK;
}

void cswy_tls_ctx_sni(void *ctx, cswy_tls_sni_resolver resolve) {
    SSL_CTX_set_tlsext_servername_arg((SSL_CTX *)ctx, (void *)resolve);
    SSL_CTX_set_tlsext_servername_callback((SSL_CTX *)ctx, sni_callback);
}

// MARK: connections

void *cswy_tls_new(void *ctx, int fd, int server, void *app) {
    SSL *ssl = SSL_new(ctx);
    if (!ssl) return NULL;
    if (SSL_set_fd(ssl, fd) != 1) { SSL_free(ssl); return NULL; }
    if (server) SSL_set_accept_state(ssl); else SSL_set_connect_state(ssl);
    SSL_set_app_data(ssl, app);
    // The first context, whose ticket keys stay the connection's after SNI switches contexts.
    if (server) SSL_set_ex_data(ssl, session_ctx_index, ctx);
    return ssl;
}

void cswy_tls_free(void *ssl) { SSL_free(ssl); }

void cswy_tls_set_app(void *ssl, void *app) { SSL_set_app_data((SSL *)ssl, app); }

int cswy_tls_set_host_name(void *ssl, const char *name) {
    return SSL_set_tlsext_host_name((SSL *)ssl, name) == 1 ? 0 : -1;
}

void cswy_tls_set_session(void *ssl, void *session) { SSL_set_session(ssl, session); }
void *cswy_tls_get_session(void *ssl) { return SSL_get1_session(ssl); }
void cswy_tls_session_free(void *session) { SSL_SESSION_free(session); }

static int outcome(SSL *ssl, int rc) {
    switch (SSL_get_error(ssl, rc)) {
    case SSL_ERROR_WANT_READ: return CSWY_TLS_WANT_READ;
    case SSL_ERROR_WANT_WRITE: return CSWY_TLS_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN: return CSWY_TLS_EOF;
    case SSL_ERROR_SYSCALL:
        if (ERR_peek_error() == 0 && errno == 0) return CSWY_TLS_EOF;
        return CSWY_TLS_ERROR;
    default: return CSWY_TLS_ERROR;
    }
}

int cswy_tls_handshake(void *ssl) {
    ERR_clear_error();
    errno = 0;
    int rc = SSL_do_handshake(ssl);
    if (rc == 1) return CSWY_TLS_OK;
    return outcome(ssl, rc);
}

long cswy_tls_read(void *ssl, void *buf, long len) {
    ERR_clear_error();
    errno = 0;
    int rc = SSL_read(ssl, buf, len > 0x7fffffff ? 0x7fffffff : (int)len);
    if (rc > 0) return rc;
    return outcome(ssl, rc);
}

long cswy_tls_write(void *ssl, const void *buf, long len) {
    long done = 0;
    while (done < len) {
        ERR_clear_error();
        errno = 0;
        long want = len - done;
        int rc = SSL_write(ssl, (const char *)buf + done, want > 0x40000000 ? 0x40000000 : (int)want);
        if (rc > 0) { done += rc; continue; }
        int r = outcome(ssl, rc);
        return done > 0 ? done : r;   // an error after some bytes shows at the next call
    }
    return done;
}

int cswy_tls_pending(void *ssl) { return SSL_pending(ssl); }

int cswy_tls_has_pending(void *ssl) { return SSL_has_pending(ssl); }

void cswy_tls_shutdown(void *ssl) {
    if (!SSL_is_init_finished((SSL *)ssl)) return;
    ERR_clear_error();
    SSL_set_quiet_shutdown(ssl, 0);
    SSL_shutdown(ssl);
    ERR_clear_error();
}

// MARK: variables

const char *cswy_tls_protocol(void *ssl) { return SSL_get_version(ssl); }

const char *cswy_tls_cipher(void *ssl) { return SSL_get_cipher_name((SSL *)ssl); }

const char *cswy_tls_server_name(void *ssl) { return SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name); }

const char *cswy_tls_alpn(void *ssl, int *len) {
    const unsigned char *p = NULL;
    unsigned int n = 0;
    SSL_get0_alpn_selected(ssl, &p, &n);
    *len = (int)n;
    return (const char *)p;
}

int cswy_tls_session_reused(void *ssl) { return SSL_session_reused(ssl); }

int cswy_tls_session_id(void *ssl, unsigned char *out, int max) {
    SSL_SESSION *s = SSL_get0_session(ssl);
    if (!s) return 0;
    unsigned int n = 0;
    const unsigned char *id = SSL_SESSION_get_id(s, &n);
    if ((int)n > max) n = max;
    memcpy(out, id, n);
    return (int)n;
}

long cswy_tls_verify_result(void *ssl, const char **text) {
    X509 *cert = SSL_get1_peer_certificate(ssl);
    if (!cert) { *text = NULL; return -1; }
    X509_free(cert);
    long rc = SSL_get_verify_result(ssl);
    *text = X509_verify_cert_error_string(rc);
    return rc;
}

int cswy_tls_check_host(void *ssl, const char *host) {
    X509 *cert = SSL_get1_peer_certificate(ssl);
    if (!cert) return 0;
    int ok = X509_check_host(cert, host, strlen(host), 0, NULL) == 1;
    X509_free(cert);
    return ok;
}

static int bio_text(BIO *bio, char *out, int max) {
    char *p = NULL;
    long n = BIO_get_mem_data(bio, &p);
    if (n > max) n = max;
    if (n > 0) memcpy(out, p, n);
    BIO_free(bio);
    return n > 0 ? (int)n : 0;
}

int cswy_tls_peer_subject(void *ssl, int issuer, char *out, int max) {
    X509 *cert = SSL_get1_peer_certificate(ssl);
    if (!cert) return 0;
    BIO *bio = BIO_new(BIO_s_mem());
    X509_NAME_print_ex(bio, issuer ? X509_get_issuer_name(cert) : X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
    X509_free(cert);
    return bio_text(bio, out, max);
}

int cswy_tls_peer_pem(void *ssl, char *out, int max) {
    X509 *cert = SSL_get1_peer_certificate(ssl);
    if (!cert) return 0;
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, cert);
    X509_free(cert);
    return bio_text(bio, out, max);
}

int cswy_tls_peer_serial(void *ssl, char *out, int max) {
    X509 *cert = SSL_get1_peer_certificate(ssl);
    if (!cert) return 0;
    BIO *bio = BIO_new(BIO_s_mem());
    i2a_ASN1_INTEGER(bio, X509_get_serialNumber(cert));
    X509_free(cert);
    return bio_text(bio, out, max);
}

int cswy_tls_peer_fingerprint(void *ssl, char *out, int max) {
    X509 *cert = SSL_get1_peer_certificate(ssl);
    if (!cert) return 0;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    int ok = X509_digest(cert, EVP_sha1(), md, &n);
    X509_free(cert);
    if (!ok) return 0;
    int w = 0;
    for (unsigned int i = 0; i < n && w + 2 <= max; i++) {
        static const char hex[] = "0123456789abcdef";
        out[w++] = hex[md[i] >> 4];
        out[w++] = hex[md[i] & 15];
    }
    return w;
}

/* A group's name as nginx prints it: OpenSSL's short name, or 0x and its code for one OpenSSL does not know. */
static int group_name(int nid, char *out, int max) {
    if (nid & TLSEXT_nid_unknown) return snprintf(out, max, "0x%04x", nid & 0xffff);
    const char *name = OBJ_nid2sn(nid);
    return snprintf(out, max, "%s", name ? name : "");
}

int cswy_tls_peer_extra(void *ssl, int kind, char *out, int max) {
    if (kind == 6) {   /* $ssl_curve: the group the key exchange used */
        int nid = SSL_get_negotiated_group(ssl);
        if (nid == NID_undef) return 0;
        int n = group_name(nid, out, max);
        return n < 0 || n >= max ? 0 : n;
    }
    if (kind == 7) {   /* $ssl_curves: the groups the client offered, in its order */
        int count = SSL_get1_curves(ssl, NULL);
        if (count <= 0) return 0;
        int *groups = OPENSSL_malloc(count * sizeof(int));
        if (!groups) return 0;
        count = SSL_get1_curves(ssl, groups);
        int w = 0;
        for (int i = 0; i < count; i++) {
            char name[64];
            int n = group_name(groups[i], name, sizeof name);
            if (n <= 0 || n >= (int)sizeof name) continue;
            if (w + (w ? 1 : 0) + n >= max) break;
            if (w) out[w++] = ':';
            memcpy(out + w, name, n);
            w += n;
        }
        OPENSSL_free(groups);
        return w;
    }
    if (kind == 5) {
        STACK_OF(SSL_CIPHER) *list = SSL_get_client_ciphers(ssl);
        int w = 0;
        for (int i = 0; list && i < sk_SSL_CIPHER_num(list); i++) {
            const char *name = SSL_CIPHER_get_name(sk_SSL_CIPHER_value(list, i));
            int n = snprintf(out + w, max - w, "%s%s", w ? ":" : "", name);
            if (n < 0 || w + n >= max) break;
            w += n;
        }
        return w;
    }
    X509 *cert = SSL_get1_peer_certificate(ssl);
    if (!cert) return 0;
    int n = 0;
    if (kind == 0 || kind == 1) {
        char *line = X509_NAME_oneline(kind == 0 ? X509_get_subject_name(cert) : X509_get_issuer_name(cert), NULL, 0);
        if (line) { n = snprintf(out, max, "%s", line); OPENSSL_free(line); }
    } else if (kind == 2 || kind == 3) {
        BIO *bio = BIO_new(BIO_s_mem());
        ASN1_TIME_print(bio, kind == 2 ? X509_get0_notBefore(cert) : X509_get0_notAfter(cert));
        n = bio_text(bio, out, max);
    } else if (kind == 4) {
        int days = 0, secs = 0;
        if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(cert)) == 1) {
            if (days < 0 || (days == 0 && secs < 0)) days = 0;
            n = snprintf(out, max, "%d", days);
        }
    }
    X509_free(cert);
    if (n >= max) n = max - 1;
    return n < 0 ? 0 : n;
}

const char *cswy_tls_library_version(void) { return OpenSSL_version(OPENSSL_VERSION); }
