// OCSP for the engine (cswy_ocsp.h): requests built and responses judged as nginx's ngx_event_openssl_stapling.c
// does; the HTTP exchange with the responder runs on the worker's event loop, in Swift.
#include "cswy_ocsp.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

// MARK: shared steps

static int request_der(X509 *cert, X509 *issuer, unsigned char *out, int max) {
    if (!cert || !issuer) return -1;
    OCSP_CERTID *id = OCSP_cert_to_id(NULL, cert, issuer);
    if (!id) return -1;
    OCSP_REQUEST *req = OCSP_REQUEST_new();
    if (!req) { OCSP_CERTID_free(id); return -1; }
    if (!OCSP_request_add0_id(req, id)) { OCSP_CERTID_free(id); OCSP_REQUEST_free(req); return -1; }
    int n = i2d_OCSP_REQUEST(req, NULL);
    if (n <= 0 || n > max) { OCSP_REQUEST_free(req); return -1; }
    unsigned char *p = out;
    n = i2d_OCSP_REQUEST(req, &p);
    OCSP_REQUEST_free(req);
    return n;
}

static int aia_url(X509 *cert, char *out, int max) {
    STACK_OF(OPENSSL_STRING) *aia = X509_get1_ocsp(cert);
    if (!aia) return 0;
    int n = 0;
    const char *url = sk_OPENSSL_STRING_value(aia, 0);
    if (url) {
        n = (int)strlen(url);
        if (n > max) n = 0; else memcpy(out, url, n);
    }
    X509_email_free(aia);
    return n;
}

static long epoch(const ASN1_GENERALIZEDTIME *t) {
    struct tm tm;
    if (ASN1_TIME_to_tm(t, &tm) != 1) return -2;
    return (long)timegm(&tm);
}

// ngx_ssl_ocsp_verify: a successful basic response, signed by whom the store (and `chain`, trusted as well
// with OCSP_TRUSTOTHER) allows, that holds the certificate's status and is current (5 minutes' leeway).
static int judge(SSL_CTX *ctx, STACK_OF(X509) *chain, X509 *cert, X509 *issuer, unsigned long flags,
                 const unsigned char *der, long len, int *status, long *next_update) {
    int rc = CSWY_OCSP_FAILURE;
    const unsigned char *p = der;
    OCSP_BASICRESP *basic = NULL;
    OCSP_CERTID *id = NULL;
    OCSP_RESPONSE *response = d2i_OCSP_RESPONSE(NULL, &p, len);
    if (!response) return CSWY_OCSP_BAD_DER;
    int n = OCSP_response_status(response);
    if (n != OCSP_RESPONSE_STATUS_SUCCESSFUL) { *status = n; rc = CSWY_OCSP_NOT_SUCCESSFUL; goto done; }
    basic = OCSP_response_get1_basic(response);
    if (!basic) { rc = CSWY_OCSP_NO_BASIC; goto done; }
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    if (!store) goto done;
    if (OCSP_basic_verify(basic, chain, store, flags) != 1) { rc = CSWY_OCSP_NOT_VERIFIED; goto done; }
    id = OCSP_cert_to_id(NULL, cert, issuer);
    if (!id) goto done;
    ASN1_GENERALIZEDTIME *this_update = NULL, *next = NULL;
    if (OCSP_resp_find_status(basic, id, status, NULL, NULL, &this_update, &next) != 1) {
        rc = CSWY_OCSP_NO_STATUS; goto done;
    }
    if (OCSP_check_validity(this_update, next, 300, -1) != 1) { rc = CSWY_OCSP_NOT_VALID; goto done; }
    *next_update = -1;
    if (next) {
        *next_update = epoch(next);
        if (*next_update == -2) { rc = CSWY_OCSP_NOT_VALID; goto done; }
    }
    rc = 0;
done:
    OCSP_CERTID_free(id);
    OCSP_BASICRESP_free(basic);
    OCSP_RESPONSE_free(response);
    return rc;
}

// MARK: client certificates

int cswy_ocsp_peer_chain(void *s, void **chain, int *count) {
    SSL *ssl = s;
    *chain = NULL;
    *count = 0;
    if (SSL_get_verify_result(ssl) != X509_V_OK) return 0;
    X509 *cert = SSL_get1_peer_certificate(ssl);
    if (!cert) return 0;
    STACK_OF(X509) *certs = SSL_get0_verified_chain(ssl);
    if (certs) {
        certs = X509_chain_up_ref(certs);
    } else {
        // A resumed session keeps the certificate, not the chain verified then: build it again, as nginx does.
        X509_STORE_CTX *store_ctx = X509_STORE_CTX_new();
        X509_STORE *store = SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl));
        if (store_ctx && store && X509_STORE_CTX_init(store_ctx, store, cert, SSL_get_peer_cert_chain(ssl)) == 1
            && X509_verify_cert(store_ctx) > 0) {
            certs = X509_STORE_CTX_get1_chain(store_ctx);
        }
        X509_STORE_CTX_free(store_ctx);
    }
    X509_free(cert);
    if (!certs) return -1;
    *chain = certs;
    *count = sk_X509_num(certs);
    return 1;
}

void cswy_ocsp_chain_free(void *chain) { sk_X509_pop_free(chain, X509_free); }

int cswy_ocsp_chain_request(void *chain, int index, unsigned char *out, int max) {
    STACK_OF(X509) *certs = chain;
    if (index < 0 || index + 1 >= sk_X509_num(certs)) return -1;
    return request_der(sk_X509_value(certs, index), sk_X509_value(certs, index + 1), out, max);
}

int cswy_ocsp_chain_aia(void *chain, int index, char *out, int max) {
    STACK_OF(X509) *certs = chain;
    if (index < 0 || index >= sk_X509_num(certs)) return 0;
    return aia_url(sk_X509_value(certs, index), out, max);
}

int cswy_ocsp_chain_check(void *ctx, void *chain, int index, const unsigned char *der, long len, int *status,
                          long *next_update) {
    STACK_OF(X509) *certs = chain;
    if (index < 0 || index + 1 >= sk_X509_num(certs)) return CSWY_OCSP_FAILURE;
    return judge(ctx, certs, sk_X509_value(certs, index), sk_X509_value(certs, index + 1), 0, der, len, status,
                 next_update);
}

// MARK: stapling

// One certificate of a context and its fetched response, shared by every worker thread that handshakes with
// the context (hence the lock). `refresh`: when the next fetch may start; `loading`: when a handshake took the
// fetch on (0: none under way). A handshake that failed after taking it never fetches: five minutes later
// another may take it.
typedef struct {
    X509 *cert;
    X509 *issuer;
    STACK_OF(X509) *chain;
    int verify;
    pthread_mutex_t lock;
    unsigned char *der;
    long len;
    time_t valid;
    time_t refresh;
    time_t loading;
} staple_entry;

#define STAPLE_MAX 8
typedef struct {
    int count;
    staple_entry entries[STAPLE_MAX];
} staple_set;

static int set_index = -1;
static int due_index = -1;

static void set_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp) {
    (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
    staple_set *set = ptr;
    if (!set) return;
    for (int i = 0; i < set->count; i++) {
        staple_entry *e = &set->entries[i];
        X509_free(e->cert);
        X509_free(e->issuer);
        if (e->chain) sk_X509_pop_free(e->chain, X509_free);
        OPENSSL_free(e->der);
        pthread_mutex_destroy(&e->lock);
    }
    OPENSSL_free(set);
}

static void make_indexes_once(void) {
    set_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, set_free);
    due_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

static void make_indexes(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, make_indexes_once);
}

// The client asked for the status: the certificate's response while it is valid; a refresh that is due is
// noted on the connection for its owner to start once the handshake is done (the first client gets no staple).
static int status_callback(SSL *ssl, void *arg) {
    (void)arg;
    staple_set *set = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), set_index);
    X509 *cert = SSL_get_certificate(ssl);
    if (!set || !cert) return SSL_TLSEXT_ERR_NOACK;
    int rc = SSL_TLSEXT_ERR_NOACK;
    time_t now = time(NULL);
    for (int i = 0; i < set->count; i++) {
        staple_entry *e = &set->entries[i];
        if (e->cert != cert && X509_cmp(e->cert, cert) != 0) continue;
        pthread_mutex_lock(&e->lock);
        if (e->der && e->valid > now) {
            unsigned char *copy = OPENSSL_memdup(e->der, e->len);
            if (copy && SSL_set_tlsext_status_ocsp_resp(ssl, copy, e->len) == 1) rc = SSL_TLSEXT_ERR_OK;
            else OPENSSL_free(copy);
        }
        if (e->refresh <= now && (e->loading == 0 || e->loading + 300 <= now)) {
            e->loading = now;
            SSL_set_ex_data(ssl, due_index, (void *)(intptr_t)(i + 1));
        }
        pthread_mutex_unlock(&e->lock);
        break;
    }
    return rc;
}

int cswy_ocsp_ctx_trust(void *ctx, const char *path) {
    if (SSL_CTX_load_verify_locations(ctx, path, NULL) != 1) return -1;
    ERR_clear_error();
    return 0;
}

static int subject_text(X509 *cert, char *out, int max) {
    char *line = X509_NAME_oneline(X509_get_subject_name(cert), NULL, 0);
    if (!line) return 0;
    int n = (int)strlen(line);
    if (n > max) n = max;
    memcpy(out, line, n);
    OPENSSL_free(line);
    return n;
}

// The certificate `index` (in OpenSSL's order of key types) made current, and its chain; NULL past the last.
static X509 *nth_certificate(SSL_CTX *ctx, int index, STACK_OF(X509) **chain) {
    if (SSL_CTX_set_current_cert(ctx, SSL_CERT_SET_FIRST) != 1) { ERR_clear_error(); return NULL; }
    for (int i = 0; i < index; i++) {
        if (SSL_CTX_set_current_cert(ctx, SSL_CERT_SET_NEXT) != 1) { ERR_clear_error(); return NULL; }
    }
    *chain = NULL;
    SSL_CTX_get0_chain_certs(ctx, chain);
    return SSL_CTX_get0_certificate(ctx);
}

int cswy_ocsp_staple_add(void *c, int index, int verify, char *aia, int max, int *aia_len, char *subject,
                         int subject_max, int *subject_len) {
    SSL_CTX *ctx = c;
    make_indexes();
    *aia_len = 0;
    *subject_len = 0;
    if (index >= STAPLE_MAX) return 1;
    // The current certificate moves while they are walked: put back the one loaded last, as it was.
    X509 *current = SSL_CTX_get0_certificate(ctx);
    STACK_OF(X509) *chain = NULL;
    X509 *cert = nth_certificate(ctx, index, &chain);
    if (current) SSL_CTX_select_current_cert(ctx, current);
    ERR_clear_error();
    if (!cert) return 1;
    *subject_len = subject_text(cert, subject, subject_max);
    X509 *issuer = NULL;
    for (int i = 0; i < sk_X509_num(chain); i++) {
        X509 *candidate = sk_X509_value(chain, i);
        if (X509_check_issued(candidate, cert) == X509_V_OK) { issuer = candidate; X509_up_ref(issuer); break; }
    }
    if (!issuer) {
        X509_STORE_CTX *store_ctx = X509_STORE_CTX_new();
        X509_STORE *store = SSL_CTX_get_cert_store(ctx);
        if (store_ctx && store && X509_STORE_CTX_init(store_ctx, store, NULL, NULL) == 1) {
            if (X509_STORE_CTX_get1_issuer(&issuer, store_ctx, cert) <= 0) issuer = NULL;
        }
        X509_STORE_CTX_free(store_ctx);
        ERR_clear_error();
    }
    if (!issuer) return 2;
    staple_set *set = SSL_CTX_get_ex_data(ctx, set_index);
    if (!set) {
        set = OPENSSL_zalloc(sizeof(staple_set));
        if (!set) { X509_free(issuer); return -1; }
        if (SSL_CTX_set_ex_data(ctx, set_index, set) != 1) { OPENSSL_free(set); X509_free(issuer); return -1; }
        SSL_CTX_set_tlsext_status_cb(ctx, status_callback);
    }
    staple_entry *e = &set->entries[set->count];
    memset(e, 0, sizeof *e);
    X509_up_ref(cert);
    e->cert = cert;
    e->issuer = issuer;
    e->chain = chain ? X509_chain_up_ref(chain) : NULL;
    e->verify = verify;
    pthread_mutex_init(&e->lock, NULL);
    set->count++;
    *aia_len = aia_url(cert, aia, max);
    return 0;
}

int cswy_ocsp_staple_due(void *ssl) {
    if (due_index < 0) return -1;
    intptr_t marked = (intptr_t)SSL_get_ex_data(ssl, due_index);
    if (marked == 0) return -1;
    SSL_set_ex_data(ssl, due_index, NULL);
    return (int)marked - 1;
}

static staple_entry *entry(void *ctx, int index) {
    staple_set *set = SSL_CTX_get_ex_data(ctx, set_index);
    if (!set || index < 0 || index >= set->count) return NULL;
    return &set->entries[index];
}

int cswy_ocsp_staple_request(void *ctx, int index, unsigned char *out, int max) {
    staple_entry *e = entry(ctx, index);
    return e ? request_der(e->cert, e->issuer, out, max) : -1;
}

int cswy_ocsp_staple_store(void *ctx, int index, const unsigned char *der, long len, long now, int *status) {
    staple_entry *e = entry(ctx, index);
    if (!e) return CSWY_OCSP_FAILURE;
    long next = -1;
    int rc = judge(ctx, e->chain, e->cert, e->issuer, e->verify ? OCSP_TRUSTOTHER : OCSP_NOVERIFY, der, len,
                   status, &next);
    if (rc == 0 && *status != V_OCSP_CERTSTATUS_GOOD) rc = CSWY_OCSP_FAILURE;
    unsigned char *copy = rc == 0 ? OPENSSL_memdup(der, len) : NULL;
    pthread_mutex_lock(&e->lock);
    e->loading = 0;
    if (copy) {
        OPENSSL_free(e->der);
        e->der = copy;
        e->len = len;
        e->valid = next < 0 ? (time_t)INT64_MAX : (time_t)next;
        // nginx: before the response expires, but not earlier than in 5 minutes, and at least hourly
        time_t refresh = e->valid - 300 < now + 3600 ? e->valid - 300 : now + 3600;
        e->refresh = refresh > now + 300 ? refresh : now + 300;
    } else {
        e->refresh = now + 300;
    }
    pthread_mutex_unlock(&e->lock);
    if (rc == 0 && !copy) return CSWY_OCSP_FAILURE;
    return rc;
}

void cswy_ocsp_staple_failed(void *ctx, int index, long now) {
    staple_entry *e = entry(ctx, index);
    if (!e) return;
    pthread_mutex_lock(&e->lock);
    e->loading = 0;
    e->refresh = now + 300;
    pthread_mutex_unlock(&e->lock);
}
