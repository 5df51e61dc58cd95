/*
 * Authentication of recorders by the RTSP server. The proxy publishes
 * anonymized video, but it is still video of a site, so recorders prove
 * who they are. Digest because every RTSP client speaks it and it never
 * sends the password; MD5 because the protocol fixes it (libavutil's:
 * libsodium has none); everything else - the nonce secret and MAC,
 * comparisons, secret memory - is libsodium.
 *
 * The Authorization value comes straight from the network (and from the
 * fuzzer): it is read in one pass, bounded by AUTH_HEADER_MAX, into
 * fixed-size fields, and anything unexpected is ERR_AUTH. Every refusal
 * looks the same to the client; the reason goes to the debug log.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/md5.h>
#include <sodium.h>

#include "../util/err.h"
#include "../util/log.h"
#include "auth.h"

#define SECRET_BYTES crypto_auth_hmacsha256_KEYBYTES
#define MAC_BYTES 16			/* HMAC-SHA256 truncated to 128 bits */
#define NONCE_BIN (8 + MAC_BYTES)	/* big-endian issue time, MAC */
#define NONCE_HEX (2 * NONCE_BIN)
#define HASH_HEX 32			/* an MD5 in hex */
#define CLOCK_SKEW 60	/* seconds a nonce may come from the future */

struct auth_user {
	char name[AUTH_NAME_MAX + 1];
	char ha1[HASH_HEX + 1];		/* lowercase hex */
};

struct auth {
	char realm[AUTH_REALM_MAX + 1];
	int allow_basic;
	unsigned char *secret;		/* sodium_malloc, SECRET_BYTES */
	struct auth_user *users;	/* sodium_malloc, cap entries */
	int nusers, cap;
};

/* Fields of a Digest Authorization we use; sizes include the NUL. */
struct digest {
	char username[AUTH_NAME_MAX + 1];
	char realm[AUTH_REALM_MAX + 1];
	char nonce[NONCE_HEX + 1];
	char uri[AUTH_URI_MAX + 1];
	char response[HASH_HEX + 1];
	char algorithm[16];
	char qop[16];
	char nc[17];
	char cnonce[129];
};

static const struct digest_field {
	const char *name;
	size_t off, size;
	int required;
} digest_fields[] = {
#define F(n, req) { #n, offsetof(struct digest, n), sizeof(((struct digest *)0)->n), req }
	F(username, 1), F(realm, 1), F(nonce, 1), F(uri, 1), F(response, 1),
	F(algorithm, 0), F(qop, 0), F(nc, 0), F(cnonce, 0),
#undef F
};

/* Stands in for an unknown user's HA1 so that refusing costs the same. */
static const char dummy_ha1[HASH_HEX + 1] = "00000000000000000000000000000000";

/* ---- characters (ASCII only, whatever the locale) ---------------------- */

static int
is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static int
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* RFC 7230 tchar: what names and unquoted tokens are made of. */
static int
is_tchar(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

static unsigned char
to_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* 1 if the n bytes at a equal the NUL-terminated b, ignoring ASCII case. */
static int
case_eq(const char *a, size_t n, const char *b)
{
	if (strlen(b) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (to_lower(a[i]) != to_lower(b[i]))
			return 0;
	return 1;
}

/* 1 if s is exactly n hex digits. */
static int
all_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && is_hex(s[i]); i++)
		;
	return i == n && s[n] == '\0';
}

static const char *
skip_ows(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static int
refuse(const char *why)
{
	log_debug("auth: refused: %s", why);
	return ERR_AUTH;
}

/* ---- digest computations ------------------------------------------------ */

/* out = hex(md5(parts joined by ':')); the joined text is wiped. */
static int
md5_hex(char out[HASH_HEX + 1], const char *const *parts, int n)
{
	unsigned char buf[AUTH_HEADER_MAX], sum[16];
	size_t len = 0;
	int ret = 0;

	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		size_t l = strlen(parts[i]);

		if (l + (i > 0) > sizeof buf - len) {
			ret = ERR_INVAL;
			goto out;
		}
		if (i > 0)
			buf[len++] = ':';
		memcpy(buf + len, parts[i], l);
		len += l;
	}
	av_md5_sum(sum, buf, len);
	sodium_bin2hex(out, HASH_HEX + 1, sum, sizeof sum);
out:
	sodium_memzero(buf, len);
	sodium_memzero(sum, sizeof sum);
	return ret;
}

int
auth_digest_ha1(const char *user, const char *realm, const char *password,
    char out[33])
{
	const char *parts[] = { user, realm, password };

	return md5_hex(out, parts, 3);
}

int
auth_digest_response(const char *ha1, const char *nonce, const char *nc,
    const char *cnonce, const char *qop, const char *method, const char *uri,
    char out[33])
{
	const char *a2[] = { method, uri };
	char ha2[HASH_HEX + 1];
	int ret;

	out[0] = '\0';
	ret = md5_hex(ha2, a2, 2);
	if (ret < 0)
		return ret;
	if (qop != NULL) {
		const char *parts[] = { ha1, nonce, nc, cnonce, qop, ha2 };

		return md5_hex(out, parts, 6);
	} else {
		const char *parts[] = { ha1, nonce, ha2 };

		return md5_hex(out, parts, 3);
	}
}

/* ---- nonces ------------------------------------------------------------- */

/* The MAC binding an issue time (8 bytes, big-endian) to this realm. */
static void
nonce_mac(const struct auth *a, const unsigned char t[8],
    unsigned char mac[MAC_BYTES])
{
	crypto_auth_hmacsha256_state st;
	unsigned char full[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256_init(&st, a->secret, SECRET_BYTES);
	crypto_auth_hmacsha256_update(&st, t, 8);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)a->realm,
	    strlen(a->realm));
	crypto_auth_hmacsha256_final(&st, full);
	memcpy(mac, full, MAC_BYTES);
	sodium_memzero(&st, sizeof st);
	sodium_memzero(full, sizeof full);
}

static void
nonce_make(const struct auth *a, time_t now, char out[NONCE_HEX + 1])
{
	unsigned char bin[NONCE_BIN];
	uint64_t t = (uint64_t)now;

	for (int i = 7; i >= 0; i--, t >>= 8)
		bin[i] = t & 0xff;
	nonce_mac(a, bin, bin + 8);
	sodium_bin2hex(out, NONCE_HEX + 1, bin, sizeof bin);
}

/* Check that we issued nonce; its issue time goes to *issued. */
static int
nonce_open(const struct auth *a, const char *nonce, int64_t *issued)
{
	unsigned char bin[NONCE_BIN], mac[MAC_BYTES];
	size_t binlen;
	uint64_t t = 0;
	int ok;

	if (!all_hex(nonce, NONCE_HEX) ||
	    sodium_hex2bin(bin, sizeof bin, nonce, NONCE_HEX, NULL, &binlen, NULL) != 0 ||
	    binlen != sizeof bin)
		return ERR_AUTH;
	nonce_mac(a, bin, mac);
	ok = sodium_memcmp(mac, bin + 8, MAC_BYTES) == 0;
	if (!ok)
		return ERR_AUTH;
	for (int i = 0; i < 8; i++)
		t = t << 8 | bin[i];
	*issued = (int64_t)t;
	return 0;
}

/* ---- users -------------------------------------------------------------- */

static int
find_user(const struct auth *a, const char *name)
{
	for (int i = 0; i < a->nusers; i++)
		if (strcmp(a->users[i].name, name) == 0)
			return i;
	return -1;
}

static int
is_allowed(const char *const *allowed, const char *name)
{
	if (allowed == NULL)
		return 1;
	for (; *allowed != NULL; allowed++)
		if (strcmp(*allowed, name) == 0)
			return 1;
	return 0;
}

static int
valid_name(const char *name)
{
	size_t n = strnlen(name, AUTH_NAME_MAX + 1);

	if (n == 0 || n > AUTH_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = name[i];

		if (is_ctl(c) || c == ':' || c == '"' || c == '\\')
			return 0;
	}
	return 1;
}

/* ---- URIs --------------------------------------------------------------- */

/* What follows "scheme://authority" in u ("" if nothing), NULL if u has none. */
static const char *
uri_path(const char *u)
{
	const char *p = u;

	if (!is_alpha(*p))
		return NULL;
	while (is_alpha(*p) || is_digit(*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	if (strncmp(p, "://", 3) != 0)
		return NULL;
	p += 3;
	return p + strcspn(p, "/?#");
}

static int
path_eq(const char *a, const char *b)
{
	if (*a == '\0')
		a = "/";
	if (*b == '\0')
		b = "/";
	return strcmp(a, b) == 0;
}

/*
 * Whether the Digest uri names the request's resource. Clients differ:
 * most repeat the request URI, some send only the path of an absolute one
 * (or the reverse). Two absolute URIs must be identical.
 */
static int
uri_match(const char *req, const char *dig)
{
	const char *rp, *dp;

	if (strcmp(req, dig) == 0)
		return 1;
	rp = uri_path(req);
	dp = uri_path(dig);
	if (rp != NULL && dp == NULL)
		return path_eq(rp, dig);
	if (rp == NULL && dp != NULL)
		return path_eq(req, dp);
	return 0;
}

/* ---- parsing ------------------------------------------------------------ */

/*
 * Parse auth-params (RFC 7235: name=token or name="quoted string",
 * separated by commas, any order, optional whitespace) into d. Known
 * fields may appear once and must fit; unknown ones are skipped.
 */
static int
parse_params(const char *s, struct digest *d)
{
	unsigned seen = 0;

	memset(d, 0, sizeof *d);
	for (;;) {
		const struct digest_field *f = NULL;
		const char *name;
		char *dst = NULL;
		size_t nlen, len = 0;

		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (*s == '\0')
			break;
		for (name = s; is_tchar(*s); s++)
			;
		nlen = (size_t)(s - name);
		if (nlen == 0)
			return refuse("bad parameter name");
		s = skip_ows(s);
		if (*s != '=')
			return refuse("parameter without value");
		s = skip_ows(s + 1);

		for (size_t i = 0; i < sizeof digest_fields / sizeof digest_fields[0]; i++)
			if (case_eq(name, nlen, digest_fields[i].name))
				f = &digest_fields[i];
		if (f != NULL) {
			unsigned bit = 1u << (f - digest_fields);

			if (seen & bit)
				return refuse("repeated parameter");
			seen |= bit;
			dst = (char *)d + f->off;
		}

		if (*s == '"') {
			for (s++; *s != '"'; s++) {
				unsigned char c = *s;

				if (c == '\\')
					c = *++s;
				if (c == '\0')
					return refuse("unterminated quoted string");
				if (is_ctl(c) && c != '\t')
					return refuse("control character");
				if (dst != NULL) {
					if (len + 1 >= f->size)
						return refuse("parameter too long");
					dst[len++] = c;
				}
			}
			s++;
		} else {
			for (; (unsigned char)*s > ' ' && *s != 0x7f && *s != '"' &&
			    *s != ','; s++) {
				if (dst != NULL) {
					if (len + 1 >= f->size)
						return refuse("parameter too long");
					dst[len++] = *s;
				}
			}
			if (dst != NULL && len == 0)
				return refuse("empty token");
		}
		s = skip_ows(s);
		if (*s != ',' && *s != '\0')
			return refuse("junk after parameter");
	}
	for (size_t i = 0; i < sizeof digest_fields / sizeof digest_fields[0]; i++)
		if (digest_fields[i].required && ((char *)d)[digest_fields[i].off] == '\0')
			return refuse("missing parameter");
	return 0;
}

/* ---- checks ------------------------------------------------------------- */

static void
set_user(char *user, size_t usize, const char *name)
{
	if (user != NULL)
		snprintf(user, usize, "%s", name);
}

static int
check_digest(const struct auth *a, time_t now, const char *method,
    const char *uri, const char *params, const char *const *allowed,
    char *user, size_t usize)
{
	struct digest d;
	char want[HASH_HEX + 1];
	const char *ha1;
	int64_t issued, age;
	int idx, ret, ok;

	ret = parse_params(params, &d);
	if (ret < 0)
		return ret;
	if (d.algorithm[0] != '\0' && !case_eq(d.algorithm, strlen(d.algorithm), "MD5"))
		return refuse("algorithm is not MD5");
	if (d.qop[0] != '\0') {
		if (!case_eq(d.qop, strlen(d.qop), "auth"))
			return refuse("qop is not auth");
		if (d.cnonce[0] == '\0' || d.nc[0] == '\0' ||
		    !all_hex(d.nc, strlen(d.nc)))
			return refuse("qop without nc or cnonce");
	}
	if (strcmp(d.realm, a->realm) != 0)
		return refuse("wrong realm");
	if (!uri_match(uri, d.uri))
		return refuse("uri is not the request's");
	if (nonce_open(a, d.nonce, &issued) < 0)
		return refuse("nonce not ours");
	if (!all_hex(d.response, HASH_HEX))
		return refuse("response is not an MD5");
	for (char *p = d.response; *p != '\0'; p++)
		*p = (char)to_lower((unsigned char)*p);

	idx = find_user(a, d.username);
	ha1 = idx >= 0 ? a->users[idx].ha1 : dummy_ha1;
	ret = auth_digest_response(ha1, d.nonce, d.nc, d.cnonce,
	    d.qop[0] != '\0' ? d.qop : NULL, method, d.uri, want);
	ok = ret == 0 && sodium_memcmp(want, d.response, HASH_HEX) == 0;
	sodium_memzero(want, sizeof want);
	if (idx < 0)
		return refuse("unknown user");
	if (!ok)
		return refuse("wrong digest");
	if (!is_allowed(allowed, d.username)) {
		log_debug("auth: user %s may not use %s", d.username, uri);
		return ERR_AUTH;
	}
	set_user(user, usize, d.username);
	age = (int64_t)now - issued;
	if (age > AUTH_NONCE_LIFETIME || age < -CLOCK_SKEW)
		return ERR_AUTH_STALE;
	return 0;
}

static int
check_basic(const struct auth *a, const char *b64, const char *const *allowed,
    char *user, size_t usize)
{
	/* name ':' password, then room to notice a longer one */
	unsigned char bin[AUTH_NAME_MAX + 1 + AUTH_PASSWORD_MAX + 1];
	char name[AUTH_NAME_MAX + 1], password[AUTH_PASSWORD_MAX + 1];
	char ha1[HASH_HEX + 1];
	const unsigned char *colon;
	size_t n, binlen = 0, nlen;
	int idx, ok, ret = ERR_AUTH;

	name[0] = password[0] = '\0';
	for (n = 0; is_alpha(b64[n]) || is_digit(b64[n]) || b64[n] == '+' ||
	    b64[n] == '/'; n++)
		;
	while (b64[n] == '=')
		n++;
	if (*skip_ows(b64 + n) != '\0') {
		refuse("bad Basic credentials");
		goto out;
	}
	if (sodium_base642bin(bin, sizeof bin, b64, n, NULL, &binlen, NULL,
	    n % 4 == 0 ? sodium_base64_VARIANT_ORIGINAL :
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0 ||
	    memchr(bin, '\0', binlen) != NULL ||
	    (colon = memchr(bin, ':', binlen)) == NULL) {
		refuse("bad Basic credentials");
		goto out;
	}
	nlen = (size_t)(colon - bin);
	if (nlen == 0 || nlen > AUTH_NAME_MAX || binlen - nlen - 1 == 0 ||
	    binlen - nlen - 1 > AUTH_PASSWORD_MAX) {
		refuse("bad Basic credentials");
		goto out;
	}
	memcpy(name, bin, nlen);
	name[nlen] = '\0';
	memcpy(password, colon + 1, binlen - nlen - 1);
	password[binlen - nlen - 1] = '\0';

	idx = find_user(a, name);
	ok = auth_digest_ha1(name, a->realm, password, ha1) == 0 &&
	    sodium_memcmp(ha1, idx >= 0 ? a->users[idx].ha1 : dummy_ha1,
	    HASH_HEX) == 0;
	if (idx < 0)
		refuse("unknown user");
	else if (!ok)
		refuse("wrong password");
	else if (!is_allowed(allowed, name))
		log_debug("auth: user %s may not use this resource", name);
	else {
		set_user(user, usize, name);
		ret = 0;
	}
out:
	sodium_memzero(bin, sizeof bin);
	sodium_memzero(password, sizeof password);
	sodium_memzero(ha1, sizeof ha1);
	return ret;
}

int
auth_check(const struct auth *a, time_t now, const char *method,
    const char *uri, const char *authorization, const char *const *allowed,
    char *user, size_t usize)
{
	const char *s, *scheme;
	size_t slen;

	assert(a != NULL && method != NULL && uri != NULL);
	assert(user == NULL || usize > AUTH_NAME_MAX);
	if (user != NULL)
		user[0] = '\0';
	if (a->nusers == 0)
		return refuse("no users");
	if (authorization == NULL)
		return ERR_AUTH;
	if (strnlen(authorization, AUTH_HEADER_MAX + 1) > AUTH_HEADER_MAX)
		return refuse("header too long");

	s = skip_ows(authorization);
	for (scheme = s; is_tchar(*s); s++)
		;
	slen = (size_t)(s - scheme);
	if (*s != ' ' && *s != '\t')
		return refuse("no credentials after the scheme");
	s = skip_ows(s);
	if (case_eq(scheme, slen, "Digest"))
		return check_digest(a, now, method, uri, s, allowed, user, usize);
	if (case_eq(scheme, slen, "Basic")) {
		if (!a->allow_basic)
			return refuse("Basic not allowed");
		return check_basic(a, s, allowed, user, usize);
	}
	return refuse("unknown scheme");
}

/* ---- objects ------------------------------------------------------------ */

int
auth_create(const char *realm, int allow_basic, struct auth **out)
{
	struct auth *a;
	size_t n;

	assert(realm != NULL && out != NULL);
	*out = NULL;
	n = strnlen(realm, AUTH_REALM_MAX + 1);
	if (n == 0 || n > AUTH_REALM_MAX)
		return ERR_INVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = realm[i];

		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
			return ERR_INVAL;
	}
	if (sodium_init() < 0)
		return ERR_IO;

	a = calloc(1, sizeof *a);
	if (a == NULL)
		return ERR_NOMEM;
	memcpy(a->realm, realm, n);
	a->allow_basic = allow_basic != 0;
	a->secret = sodium_malloc(SECRET_BYTES);
	if (a->secret == NULL) {
		free(a);
		return ERR_NOMEM;
	}
	randombytes_buf(a->secret, SECRET_BYTES);
	*out = a;
	return 0;
}

void
auth_free(struct auth **ap)
{
	struct auth *a;

	if (ap == NULL || *ap == NULL)
		return;
	a = *ap;
	sodium_free(a->secret);		/* sodium_free wipes */
	sodium_free(a->users);
	free(a);
	*ap = NULL;
}

void
auth_inherit_nonces(struct auth *a, const struct auth *from)
{
	memcpy(a->secret, from->secret, SECRET_BYTES);
}

int
auth_add_user(struct auth *a, const char *name, const char *password,
    int is_ha1)
{
	struct auth_user *u;
	size_t plen;

	assert(a != NULL && name != NULL && password != NULL);
	if (!valid_name(name) || find_user(a, name) >= 0 ||
	    a->nusers >= AUTH_USERS_MAX)
		return ERR_INVAL;
	plen = strnlen(password, AUTH_PASSWORD_MAX + 1);
	if (is_ha1 ? !all_hex(password, HASH_HEX) :
	    plen == 0 || plen > AUTH_PASSWORD_MAX)
		return ERR_INVAL;

	if (a->nusers == a->cap) {
		int cap = a->cap ? a->cap * 2 : 8;
		struct auth_user *users = sodium_allocarray((size_t)cap, sizeof *users);

		if (users == NULL)
			return ERR_NOMEM;
		if (a->nusers > 0)
			memcpy(users, a->users, (size_t)a->nusers * sizeof *users);
		sodium_free(a->users);
		a->users = users;
		a->cap = cap;
	}
	u = &a->users[a->nusers];
	memset(u, 0, sizeof *u);
	memcpy(u->name, name, strlen(name));
	if (is_ha1) {
		for (int i = 0; i < HASH_HEX; i++)
			u->ha1[i] = (char)to_lower((unsigned char)password[i]);
	} else if (auth_digest_ha1(name, a->realm, password, u->ha1) < 0) {
		sodium_memzero(u, sizeof *u);
		return ERR_INVAL;
	}
	a->nusers++;
	return 0;
}

int
auth_enabled(const struct auth *a)
{
	return a != NULL && a->nusers > 0;
}

int
auth_challenge(const struct auth *a, time_t now, int stale, char *out,
    size_t cap)
{
	char nonce[NONCE_HEX + 1];
	int n;

	assert(a != NULL && out != NULL && cap > 0);
	nonce_make(a, now, nonce);
	n = snprintf(out, cap,
	    "WWW-Authenticate: Digest realm=\"%s\", nonce=\"%s\", "
	    "algorithm=MD5, qop=\"auth\"%s\r\n"
	    "%s%s%s",
	    a->realm, nonce, stale ? ", stale=true" : "",
	    a->allow_basic ? "WWW-Authenticate: Basic realm=\"" : "",
	    a->allow_basic ? a->realm : "",
	    a->allow_basic ? "\"\r\n" : "");
	if (n < 0 || (size_t)n >= cap) {
		out[0] = '\0';
		return ERR_INVAL;
	}
	return 0;
}
