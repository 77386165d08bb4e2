// OCSP with OpenSSL's OCSP_* calls behind plain C types (as cswy_tls.h): a client certificate's chain checked
// with its responders (ssl_ocsp), and the responses fetched for a server's own certificates (ssl_stapling).
// The HTTP exchange with the responder is the caller's; these only build requests and judge answers.
#ifndef CSWY_OCSP_H
#define CSWY_OCSP_H

/// A certificate's status in a response (V_OCSP_CERTSTATUS_*).
enum { CSWY_OCSP_GOOD = 0, CSWY_OCSP_REVOKED = 1, CSWY_OCSP_UNKNOWN = 2 };
/// Why a response was refused (cswy_ocsp_check's result below 0); the OpenSSL errors stay queued.
enum {
    CSWY_OCSP_BAD_DER = -1, CSWY_OCSP_NOT_SUCCESSFUL = -2, CSWY_OCSP_NO_BASIC = -3, CSWY_OCSP_NOT_VERIFIED = -4,
    CSWY_OCSP_NO_STATUS = -5, CSWY_OCSP_NOT_VALID = -6, CSWY_OCSP_FAILURE = -7
};

/// The client certificate's verified chain, leaf first (rebuilt from the context's store when OpenSSL kept none,
/// as after a resumption): 1 with `*chain` (freed with cswy_ocsp_chain_free) and its length, 0 when there is
/// nothing to check (no certificate, or it did not verify), -1 on an error (queued).
int cswy_ocsp_peer_chain(void *ssl, void **chain, int *count);
void cswy_ocsp_chain_free(void *chain);
/// The DER OCSP request for the chain's certificate `index` (its issuer is `index + 1`): its length, or -1.
int cswy_ocsp_chain_request(void *chain, int index, unsigned char *out, int max);
/// The OCSP responder URL in the certificate's Authority Information Access: its length, 0 when none.
int cswy_ocsp_chain_aia(void *chain, int index, char *out, int max);
/// Judges a DER response for the chain's certificate `index`, verified against the context's store with the
/// chain's certificates (nginx's ngx_ssl_ocsp_verify): 0 with the status and nextUpdate (seconds since the epoch,
/// -1 when absent), else a CSWY_OCSP_* refusal (`*status` holds the response status for NOT_SUCCESSFUL).
int cswy_ocsp_chain_check(void *ctx, void *chain, int index, const unsigned char *der, long len, int *status,
                          long *next_update);

/// ssl_stapling for the context's certificate `index` (in OpenSSL's order of key types): 0 when prepared, with
/// its AIA responder URL in `aia` (length in `*aia_len`, 0 when none); 1 when there is no such certificate; 2
/// when its issuer is neither in its chain nor in the context's store; -1 on an error. Its subject (one-line
/// form) goes to `subject` either way. `verify`: ssl_stapling_verify (the response's signer checked).
int cswy_ocsp_staple_add(void *ctx, int index, int verify, char *aia, int max, int *aia_len, char *subject,
                         int subject_max, int *subject_len);
/// Loads ssl_trusted_certificate into the context's store without asking clients for certificates.
int cswy_ocsp_ctx_trust(void *ctx, const char *path);
/// After a handshake whose client asked for the status: the stapled certificate whose response is due for a
/// refresh (marked as being fetched), or -1.
int cswy_ocsp_staple_due(void *ssl);
/// The DER OCSP request for the context's stapled certificate `index`: its length, or -1.
int cswy_ocsp_staple_request(void *ctx, int index, unsigned char *out, int max);
/// A fetched response for certificate `index`: judged as cswy_ocsp_chain_check does, stapled from now on when
/// its status is good (0), else the refusal, or CSWY_OCSP_REVOKED / CSWY_OCSP_UNKNOWN as a positive status
/// in `*status` with result CSWY_OCSP_FAILURE. Either way the next refresh is scheduled as nginx's.
int cswy_ocsp_staple_store(void *ctx, int index, const unsigned char *der, long len, long now, int *status);
/// The fetch failed: the next one may start in five minutes (the current response, if valid, stays).
void cswy_ocsp_staple_failed(void *ctx, int index, long now);

#endif
