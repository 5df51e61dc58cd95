/*
 * Server-side RTSP authentication for recorders connecting to the proxy:
 * HTTP Digest (RFC 2617, algorithm MD5, with or without qop=auth) as
 * ffmpeg, GStreamer and live555 clients speak it, and Basic only when
 * enabled.
 *
 * Nonces are stateless: hex(issue time || HMAC-SHA256(secret, issue time ||
 * realm) truncated to 128 bits), so the proxy keeps no per-client table.
 * A nonce older than AUTH_NONCE_LIFETIME whose digest is otherwise right is
 * reported as ERR_AUTH_STALE: answer with a stale challenge and clients
 * retry without asking for the password again. Because nothing is
 * remembered, a captured request can be replayed (for the same method and
 * URI) until its nonce expires; nc is not tracked.
 *
 * Only HA1 = md5(user:realm:password) is kept per user, in sodium_malloc
 * memory together with the nonce secret; Basic credentials are checked by
 * hashing them the same way, so plaintext passwords are never stored.
 *
 * Not thread-safe: the event loop thread owns an auth object.
 */
#ifndef CAMVEIL_AUTH_H
#define CAMVEIL_AUTH_H

#include <stddef.h>
#include <time.h>

#define AUTH_REALM_MAX 127	/* bytes, without the NUL */
#define AUTH_NAME_MAX 64	/* user names, bytes, without the NUL */
#define AUTH_PASSWORD_MAX 256
#define AUTH_USERS_MAX 1024
#define AUTH_HEADER_MAX 4096	/* longer Authorization values are refused */
#define AUTH_URI_MAX 2048	/* the Digest uri field */
#define AUTH_NONCE_LIFETIME 300	/* seconds before a nonce is stale */
#define AUTH_CHALLENGE_MAX 512	/* enough for auth_challenge's output */

struct auth;

/*
 * A new authenticator with no users and a fresh random nonce secret.
 * realm: 1..AUTH_REALM_MAX printable ASCII bytes without '"' or '\'
 * (copied). allow_basic: also accept Basic credentials (cleartext on the
 * wire; only for clients that cannot do Digest).
 * Returns 0, ERR_INVAL (bad realm), ERR_NOMEM, or ERR_IO if libsodium
 * cannot initialise (no randomness).
 */
int auth_create(const char *realm, int allow_basic, struct auth **out);

/* Wipe and free everything; sets *a to NULL. NULL and *a == NULL are fine. */
void auth_free(struct auth **a);

/*
 * Keep nonces issued by from valid in a (copies its secret), so clients
 * in the middle of a session are not refused after a config reload that
 * builds a new auth object. Nonces only stay valid if the realm is the same.
 */
void auth_inherit_nonces(struct auth *a, const struct auth *from);

/*
 * Add a user. name: 1..AUTH_NAME_MAX bytes without control characters,
 * ':' (Basic could not carry it), '"' or '\'. If is_ha1, password is
 * md5(name:realm:password) as 32 hex digits (either case) and the realm
 * must be the one given to auth_create; otherwise it is the password
 * itself, 1..AUTH_PASSWORD_MAX bytes. Both are copied; the caller should
 * wipe its own copy.
 * Returns 0, ERR_INVAL (bad name or password, duplicate name, more than
 * AUTH_USERS_MAX users) or ERR_NOMEM.
 */
int auth_add_user(struct auth *a, const char *name, const char *password,
    int is_ha1);

/* 1 if at least one user was added, so requests must authenticate. */
int auth_enabled(const struct auth *a);

/*
 * The headers of a 401 reply, each ending in "\r\n":
 *   WWW-Authenticate: Digest realm="R", nonce="N", algorithm=MD5, qop="auth"
 * with ", stale=true" appended if stale (reply to ERR_AUTH_STALE), then
 *   WWW-Authenticate: Basic realm="R"
 * if Basic is allowed. now is time(NULL) (a parameter so tests can travel
 * in time). out always ends up NUL-terminated (empty on error).
 * Returns 0, or ERR_INVAL if cap is too small (AUTH_CHALLENGE_MAX is enough).
 */
int auth_challenge(const struct auth *a, time_t now, int stale, char *out,
    size_t cap);

/*
 * Check the value of a request's Authorization header (NULL if it had
 * none). method and uri are the request line's (the uri as sent, e.g.
 * "rtsp://host:8554/cam1" or "/cam1"); the Digest uri field must equal it,
 * or equal it once "scheme://host:port" is removed from whichever of the
 * two has it. allowed: NULL-terminated list of the user names that may
 * use this resource, or NULL for every user. now: time(NULL).
 * user (may be NULL) receives the authenticated name; it is emptied on
 * entry, and usize must then be more than AUTH_NAME_MAX.
 * Returns
 *   0               authenticated and allowed: user is set;
 *   ERR_AUTH_STALE  right user and password, allowed, but the nonce has
 *                   expired: user is set (a session layer may accept this
 *                   for a session that user already holds), otherwise
 *                   reply 401 with auth_challenge(..., stale = 1, ...);
 *   ERR_AUTH        anything else: header missing, unparsable or too long,
 *                   unknown user, wrong password, user not allowed, forged
 *                   nonce, wrong realm, method or uri, Basic when not
 *                   allowed, no users configured.
 */
int auth_check(const struct auth *a, time_t now, const char *method,
    const char *uri, const char *authorization, const char *const *allowed,
    char *user, size_t usize);

/*
 * The Digest computations, exposed for tests and tools. Outputs are 32
 * lowercase hex digits plus NUL.
 * ha1 = md5(user:realm:password).
 * response = md5(ha1:nonce:nc:cnonce:qop:md5(method:uri)) if qop is not
 * NULL, else md5(ha1:nonce:md5(method:uri)) (RFC 2069); nc and cnonce are
 * only read when qop is set.
 * Return 0, or ERR_INVAL if the inputs together are longer than
 * AUTH_HEADER_MAX bytes (out is then empty).
 */
int auth_digest_ha1(const char *user, const char *realm, const char *password,
    char out[33]);
int auth_digest_response(const char *ha1, const char *nonce, const char *nc,
    const char *cnonce, const char *qop, const char *method, const char *uri,
    char out[33]);

#endif
