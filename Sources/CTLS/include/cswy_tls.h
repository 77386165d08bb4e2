// OpenSSL behind prototypes that use only plain C types (contexts and connections are opaque pointers). Like
// CSystem's header it includes no system or OpenSSL header: those would clash with SwiftGlibc in a Clang
// module. tls.c includes the real headers. Strings are NUL-terminated; errors are read with cswy_tls_error.
#ifndef CSWY_TLS_H
#define CSWY_TLS_H

/// Results of handshake, read and write besides a byte count: the socket must become readable or writable
/// first, the peer ended the stream, or an error (its text with cswy_tls_error).
enum { CSWY_TLS_OK = 0, CSWY_TLS_ERROR = -1, CSWY_TLS_WANT_READ = -2, CSWY_TLS_WANT_WRITE = -3, CSWY_TLS_EOF = -4 };
/// ssl_protocols as a bit set.
enum { CSWY_TLS_V1 = 1, CSWY_TLS_V1_1 = 2, CSWY_TLS_V1_2 = 4, CSWY_TLS_V1_3 = 8 };
/// ssl_session_cache: off, none (resumption offered, nothing stored: nginx's default), an internal store.
enum { CSWY_TLS_CACHE_OFF = 0, CSWY_TLS_CACHE_NONE = 1, CSWY_TLS_CACHE_ON = 2 };
/// ssl_verify_client.
enum { CSWY_TLS_VERIFY_OFF = 0, CSWY_TLS_VERIFY_ON = 1, CSWY_TLS_VERIFY_OPTIONAL = 2, CSWY_TLS_VERIFY_OPTIONAL_NO_CA = 3 };

/// The last OpenSSL errors of this thread as nginx prints them (`SSL: error:…`), the queue cleared; with
/// `sys_errno` != 0 and no queued error, the system error instead. Returns the text's length.
int cswy_tls_error(char *buf, int len, int sys_errno);

// MARK: contexts (SSL_CTX), built on the master thread, shared read-only by the workers.
void *cswy_tls_ctx_new(int server);
void cswy_tls_ctx_free(void *ctx);
/// Each returns 0, or -1 with the errors queued; `what` (if given) receives the failing call's name.
int cswy_tls_ctx_protocols(void *ctx, int mask);
int cswy_tls_ctx_ciphers(void *ctx, const char *list);
void cswy_tls_ctx_prefer_server_ciphers(void *ctx, int on);
int cswy_tls_ctx_curves(void *ctx, const char *list);
/* SSL_CONF_cmd with `path` (the value resolved against the configuration's directory) when OpenSSL says the
   command takes a file or directory, else `value`, as nginx's ngx_ssl_conf_commands; *used_path says which. */
int cswy_tls_ctx_conf_command(void *ctx, const char *name, const char *value, const char *path, int *used_path);
/// A certificate (with its chain) and its key; `passwords` holds `count` NUL-terminated strings back to back,
/// tried in turn for an encrypted key. `what` names the step that failed (1 certificate, 2 key, 3 pairing,
/// 4 and 5 opening the certificate or the key file).
/// Either file may be given inline as nginx's `data:` followed by the PEM text.
int cswy_tls_ctx_certificate(void *ctx, const char *cert, const char *key, const char *passwords, int count, int *what);
/// ssl_certificate with variables: `load(app)` is called during each handshake, after SNI, and returns 0 once it
/// gave the connection its certificates (cswy_tls_use_certificate), else the handshake fails.
typedef int (*cswy_tls_cert_loader)(void *app);
void cswy_tls_ctx_cert_loader(void *ctx, cswy_tls_cert_loader load);
int cswy_tls_ctx_dhparam(void *ctx, const char *path);
void cswy_tls_ctx_session_cache(void *ctx, int mode, long size, long timeout_seconds,
                                const unsigned char *id_context, int id_len);
void cswy_tls_ctx_tickets(void *ctx, int on);
/// Ticket keys, 48 or 80 bytes each (nginx's file format), the first encrypts; 0 or -1.
int cswy_tls_ctx_ticket_keys(void *ctx, const unsigned char *keys, int count, int size);
/// nginx's rotating ticket keys of a shared session cache (no key files): a ring every context naming that
/// cache shares (each context holds a reference; the creator frees its own).
void *cswy_tls_ticket_ring_new(void);
void cswy_tls_ticket_ring_free(void *ring);
int cswy_tls_ctx_ticket_ring(void *ctx, void *ring);
/// One rotation step at `now` (seconds) with the session timeout: the current and previous keys into `out`.
int cswy_tls_ticket_ring_rotate(void *ring, long now, long timeout, unsigned char out[160]);
/// ssl_stapling_file: a DER OCSP response sent to clients that ask for the status (-1 when it does not parse).
int cswy_tls_ctx_staple(void *ctx, const unsigned char *der, long len);
/// ALPN on a server context: http/1.1 (also 1.0, 0.9) when the client offers it.
void cswy_tls_ctx_alpn_http1(void *ctx);
/// Client certificates: the mode, CA file for verification (and the names sent), trusted file, depth, CRL.
int cswy_tls_ctx_verify_client(void *ctx, int mode, const char *client_ca, const char *trusted, int depth,
                               int *what);
int cswy_tls_ctx_crl(void *ctx, const char *path);
/// A client context's trusted CAs and depth (proxy_ssl_trusted_certificate, proxy_ssl_verify_depth).
int cswy_tls_ctx_trusted(void *ctx, const char *path, int depth);

/// Server name indication: `resolve(app, name, len, &ctx)` (name NULL when the client sent none) returns 0 and
/// may set the context of the server that name selects, or 1 to refuse the handshake (ssl_reject_handshake).
typedef int (*cswy_tls_sni_resolver)(void *app, const char *name, long len, void **ctx);
void cswy_tls_ctx_sni(void *ctx, cswy_tls_sni_resolver resolve);

// MARK: connections (SSL), one per socket, on one worker thread.
/// A TLS endpoint on `fd` (server or client side), with `app` handed to the SNI resolver.
void *cswy_tls_new(void *ctx, int fd, int server, void *app);
void cswy_tls_free(void *ssl);
/// What the SNI resolver receives as `app`.
void cswy_tls_set_app(void *ssl, void *app);
/// A certificate and key for this connection only, as cswy_tls_ctx_certificate does for a context.
int cswy_tls_use_certificate(void *ssl, const char *cert, const char *key, const char *passwords, int count, int *what);
/// Client side: the SNI name to send and the name the certificate must match (NULL: none).
int cswy_tls_set_host_name(void *ssl, const char *name);
/// Client side: resume this session (from cswy_tls_get_session); takes no ownership.
void cswy_tls_set_session(void *ssl, void *session);
/// The session to resume later (a reference the caller frees with cswy_tls_session_free), or NULL.
void *cswy_tls_get_session(void *ssl);
void cswy_tls_session_free(void *session);
/// CSWY_TLS_OK when done, else WANT_READ / WANT_WRITE / ERROR / EOF.
int cswy_tls_handshake(void *ssl);
/// Bytes moved (> 0), or WANT_READ / WANT_WRITE / EOF / ERROR (errno kept for a system error).
long cswy_tls_read(void *ssl, void *buf, long len);
/// Writes record by record until all of `len` is written or the socket is full: the bytes written, or a
/// negative result when none were. After WANT_WRITE the same bytes must be offered again.
long cswy_tls_write(void *ssl, const void *buf, long len);
/// Decrypted bytes waiting inside the connection (a record read in part).
int cswy_tls_pending(void *ssl);
/// 1 when OpenSSL holds bytes not yet returned: decrypted, or read ahead from the socket and not yet processed.
int cswy_tls_has_pending(void *ssl);
/// Sends close_notify once, without waiting for the peer's.
void cswy_tls_shutdown(void *ssl);

// MARK: what the variables show
const char *cswy_tls_protocol(void *ssl);
const char *cswy_tls_cipher(void *ssl);
const char *cswy_tls_server_name(void *ssl);
const char *cswy_tls_alpn(void *ssl, int *len);
int cswy_tls_session_reused(void *ssl);
/// The session id's bytes into `out` (at most `max`): the count.
int cswy_tls_session_id(void *ssl, unsigned char *out, int max);
/// The peer certificate's verification result (X509_V_OK = 0) and its text; -1 when no certificate came.
long cswy_tls_verify_result(void *ssl, const char **text);
/// Whether the peer certificate matches `host` (DNS names, else the common name, as nginx checks).
int cswy_tls_check_host(void *ssl, const char *host);
/// The client certificate's subject / issuer in RFC 2253 form, or its PEM; the length written (0: none).
int cswy_tls_peer_subject(void *ssl, int issuer, char *out, int max);
int cswy_tls_peer_pem(void *ssl, char *out, int max);
/// The peer certificate's serial in hex / SHA-1 fingerprint in hex; the length written.
int cswy_tls_peer_serial(void *ssl, char *out, int max);
int cswy_tls_peer_fingerprint(void *ssl, char *out, int max);
/// More of the client certificate and hello: 0 subject and 1 issuer in the legacy one-line form, 2 notBefore,
/// 3 notAfter (nginx's "%b %e %T %Y GMT"), 4 days remaining, 5 the client's cipher list joined by ':',
/// 6 the key exchange's group, 7 the groups the client offered joined by ':' (nginx's names, 0x… if unknown).
int cswy_tls_peer_extra(void *ssl, int kind, char *out, int max);
/// "OpenSSL 3.0.x …" of the library in use.
const char *cswy_tls_library_version(void);

// OCSP: client certificates checked with their responders, and stapled responses.
#include "cswy_ocsp.h"

#endif
