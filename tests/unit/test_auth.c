/*
 * Unit tests for proxy/auth: RFC 2617 vectors, then round trips through
 * auth_challenge and auth_check with a client written here (its own MD5
 * joins, so a mistake in auth.c is not mirrored), every way a request
 * should be refused, and garbage headers. Expected hashes not from the
 * RFC were computed with Python's hashlib.
 */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include <libavutil/md5.h>
#include <sodium.h>

#include "../../proxy/auth.h"
#include "../../util/err.h"

#define NOW ((time_t)1700000000)
#define REALM "camveil@test"
#define REQ_URI "rtsp://127.0.0.1:8554/cam1"
#define NC "00000001"
#define CNONCE "0a4f113b"
#define HDR_CAP 16384

/* Users every check starts with; bob and erin are stored as HA1. */
static struct auth *
make_auth(int basic)
{
	struct auth *a = NULL;

	assert_int_equal(auth_create(REALM, basic, &a), 0);
	assert_non_null(a);
	assert_int_equal(auth_add_user(a, "alice", "wonderland", 0), 0);
	/* md5("bob:camveil@test:builder"), upper case on purpose */
	assert_int_equal(auth_add_user(a, "bob", "3CCDCE9B376E66D1D6258A56DABE6BE1", 1), 0);
	assert_int_equal(auth_add_user(a, "carol", "c:a\"r ol", 0), 0);
	return a;
}

/* ---- the test's own client --------------------------------------------- */

static void __attribute__((format(printf, 2, 3)))
md5_of(char out[33], const char *fmt, ...)
{
	char buf[HDR_CAP];
	unsigned char sum[16];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof buf);
	av_md5_sum(sum, (const uint8_t *)buf, (size_t)n);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", sum[i]);
}

static void
client_digest(const char *ha1, const char *method, const char *uri,
    const char *nonce, const char *cnonce, const char *qop, char out[33])
{
	char ha2[33];

	md5_of(ha2, "%s:%s", method, uri);
	if (qop != NULL)
		md5_of(out, "%s:%s:%s:%s:%s:%s", ha1, nonce, NC, cnonce, qop, ha2);
	else
		md5_of(out, "%s:%s:%s", ha1, nonce, ha2);
}

static void
client_response(const char *user, const char *realm, const char *password,
    const char *method, const char *uri, const char *nonce, const char *qop,
    char out[33])
{
	char ha1[33];

	md5_of(ha1, "%s:%s:%s", user, realm, password);
	client_digest(ha1, method, uri, nonce, CNONCE, qop, out);
}

static void
basic_b64(const char *user, const char *password, int pad, char *out, size_t cap)
{
	char plain[1024];
	int n = snprintf(plain, sizeof plain, "%s:%s", user, password);

	assert_true(n > 0 && (size_t)n < sizeof plain);
	sodium_bin2base64(out, cap, (const unsigned char *)plain, (size_t)n,
	    pad ? sodium_base64_VARIANT_ORIGINAL :
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
}

struct var {
	const char *key, *value;
};

/* Expand {key} in tmpl from vars; unknown keys fail the test. */
static void
expand(const char *tmpl, const struct var *vars, size_t nvars, char *out, size_t cap)
{
	size_t len = 0;

	while (*tmpl != '\0') {
		const char *v = NULL;
		size_t vlen;

		if (*tmpl != '{') {
			assert_true(len + 1 < cap);
			out[len++] = *tmpl++;
			continue;
		}
		for (size_t i = 0; i < nvars && v == NULL; i++) {
			size_t klen = strlen(vars[i].key);

			if (strncmp(tmpl + 1, vars[i].key, klen) == 0 &&
			    tmpl[1 + klen] == '}') {
				v = vars[i].value;
				tmpl += klen + 2;
			}
		}
		assert_non_null(v);
		vlen = strlen(v);
		assert_true(len + vlen < cap);
		memcpy(out + len, v, vlen);
		len += vlen;
	}
	out[len] = '\0';
}

/* The nonce="..." value of a challenge. */
static void
challenge_nonce(const char *challenge, char nonce[64])
{
	const char *p = strstr(challenge, "nonce=\"");
	size_t n;

	assert_non_null(p);
	p += 7;
	n = strcspn(p, "\"");
	assert_true(n < 64);
	memcpy(nonce, p, n);
	nonce[n] = '\0';
}

static void
issue_nonce(const struct auth *a, time_t when, char nonce[64])
{
	char ch[AUTH_CHALLENGE_MAX];

	assert_int_equal(auth_challenge(a, when, 0, ch, sizeof ch), 0);
	challenge_nonce(ch, nonce);
	assert_int_equal(strlen(nonce), 48);
}

/* ---- digest vectors ---------------------------------------------------- */

struct vector_case {
	const char *name;
	const char *user, *realm, *password, *method, *uri, *nonce, *qop;
	const char *ha1, *response;
};

static struct vector_case vector_cases[] = {
	/* RFC 2617 section 3.5 (nc 00000001, cnonce 0a4f113b). */
	{ "digest/rfc2617_3.5", "Mufasa", "testrealm@host.com", "Circle Of Life",
	  "GET", "/dir/index.html", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "auth",
	  "939e7578ed9e3c518a452acee763bce9", "6629fae49393a05397450978507c4ef1" },
	/* RFC 2069's example (no qop); the RFC's printed response is a known
	 * erratum, this is the corrected value. */
	{ "digest/rfc2069", "Mufasa", "testrealm@host.com", "CircleOfLife",
	  "GET", "/dir/index.html", "dcd98b7102dd2f0e8b11d0f600bfb0c093", NULL,
	  NULL, "1949323746fe6a43ef61f9606e7febea" },
	{ "digest/rtsp_no_qop", "alice", REALM, "wonderland",
	  "DESCRIBE", "rtsp://cam/x", "0123", NULL,
	  NULL, "e5eaa6ade7efaba9031362603f33b800" },
};

static void
test_vector(void **state)
{
	const struct vector_case *c = *state;
	char ha1[33], resp[33];

	assert_int_equal(auth_digest_ha1(c->user, c->realm, c->password, ha1), 0);
	if (c->ha1 != NULL)
		assert_string_equal(ha1, c->ha1);
	assert_int_equal(auth_digest_response(ha1, c->nonce, NC, CNONCE, c->qop,
	    c->method, c->uri, resp), 0);
	assert_string_equal(resp, c->response);
}

static void
test_digest_too_long(void **state)
{
	static char uri[AUTH_HEADER_MAX + 8];
	char out[33] = "x";

	(void)state;
	memset(uri, 'u', sizeof uri - 1);
	assert_int_equal(auth_digest_response("0", "n", NC, CNONCE, "auth",
	    "GET", uri, out), ERR_INVAL);
	assert_string_equal(out, "");
	assert_int_equal(auth_digest_ha1("u", "r", uri, out), ERR_INVAL);
	assert_string_equal(out, "");
}

/* ---- auth_create -------------------------------------------------------- */

struct create_case {
	const char *name;
	const char *realm;	/* NULL: AUTH_REALM_MAX + extra 'r' */
	int extra;
	int want;
};

static struct create_case create_cases[] = {
	{ "create/ok", "camveil", 0, 0 },
	{ "create/spaces_and_at", "Camera proxy @ site 3", 0, 0 },
	{ "create/longest", NULL, 0, 0 },
	{ "create/too_long", NULL, 1, ERR_INVAL },
	{ "create/empty", "", 0, ERR_INVAL },
	{ "create/quote", "a\"b", 0, ERR_INVAL },
	{ "create/backslash", "a\\b", 0, ERR_INVAL },
	{ "create/control", "a\rb", 0, ERR_INVAL },
	{ "create/non_ascii", "cam\xc3\xa9ra", 0, ERR_INVAL },
};

static void
test_create(void **state)
{
	const struct create_case *c = *state;
	char realm[AUTH_REALM_MAX + 2];
	struct auth *a = (struct auth *)&a;	/* must be overwritten */

	if (c->realm == NULL) {
		memset(realm, 'r', AUTH_REALM_MAX + c->extra);
		realm[AUTH_REALM_MAX + c->extra] = '\0';
	} else {
		snprintf(realm, sizeof realm, "%s", c->realm);
	}
	assert_int_equal(auth_create(realm, 1, &a), c->want);
	if (c->want < 0) {
		assert_null(a);
		return;
	}
	assert_non_null(a);
	assert_false(auth_enabled(a));
	auth_free(&a);
	assert_null(a);
	auth_free(&a);		/* *a == NULL is fine */
	auth_free(NULL);
}

/* ---- auth_add_user ------------------------------------------------------ */

struct add_case {
	const char *name;
	const char *user;	/* NULL: AUTH_NAME_MAX + extra 'n' */
	const char *password;	/* NULL: AUTH_PASSWORD_MAX + extra 'p' */
	int extra;
	int is_ha1;
	int want;
	const char *login;	/* on success, the password Basic must accept */
};

static struct add_case add_cases[] = {
	{ "add/plain", "dave", "secret", 0, 0, 0, "secret" },
	{ "add/ha1_lower", "dave", "7763db96ad37b53c8572a89b46c94228", 0, 1, 0, "secret" },
	{ "add/ha1_upper", "erin", "E79D35770871F21FAD94D72DDDF1EE81", 0, 1, 0, "hunter2" },
	{ "add/utf8_name", "j\xc3\xbcrgen", "pw", 0, 0, 0, "pw" },
	{ "add/longest_name", NULL, "pw", 0, 0, 0, "pw" },
	{ "add/longest_password", "dave", NULL, 0, 0, 0, NULL },
	{ "add/name_too_long", NULL, "pw", 1, 0, ERR_INVAL, NULL },
	{ "add/password_too_long", "dave", NULL, 1, 0, ERR_INVAL, NULL },
	{ "add/empty_name", "", "pw", 0, 0, ERR_INVAL, NULL },
	{ "add/empty_password", "dave", "", 0, 0, ERR_INVAL, NULL },
	{ "add/name_colon", "da:ve", "pw", 0, 0, ERR_INVAL, NULL },
	{ "add/name_quote", "da\"ve", "pw", 0, 0, ERR_INVAL, NULL },
	{ "add/name_backslash", "da\\ve", "pw", 0, 0, ERR_INVAL, NULL },
	{ "add/name_control", "da\tve", "pw", 0, 0, ERR_INVAL, NULL },
	{ "add/duplicate", "alice", "other", 0, 0, ERR_INVAL, NULL },
	{ "add/ha1_short", "dave", "7763db96ad37b53c8572a89b46c9422", 0, 1, ERR_INVAL, NULL },
	{ "add/ha1_long", "dave", "7763db96ad37b53c8572a89b46c942280", 0, 1, ERR_INVAL, NULL },
	{ "add/ha1_not_hex", "dave", "7763db96ad37b53c8572a89b46c9422g", 0, 1, ERR_INVAL, NULL },
	{ "add/ha1_empty", "dave", "", 0, 1, ERR_INVAL, NULL },
};

static int
basic_login(struct auth *a, const char *user, const char *password)
{
	char b64[1024], hdr[1100], got[AUTH_NAME_MAX + 1];
	int ret;

	basic_b64(user, password, 1, b64, sizeof b64);
	snprintf(hdr, sizeof hdr, "Basic %s", b64);
	ret = auth_check(a, NOW, "DESCRIBE", REQ_URI, hdr, NULL, got, sizeof got);
	if (ret == 0)
		assert_string_equal(got, user);
	return ret;
}

static void
test_add_user(void **state)
{
	const struct add_case *c = *state;
	char user[AUTH_NAME_MAX + 2], pw[AUTH_PASSWORD_MAX + 2];
	struct auth *a = make_auth(1);

	if (c->user == NULL) {
		memset(user, 'n', AUTH_NAME_MAX + c->extra);
		user[AUTH_NAME_MAX + c->extra] = '\0';
	} else {
		snprintf(user, sizeof user, "%s", c->user);
	}
	if (c->password == NULL) {
		memset(pw, 'p', AUTH_PASSWORD_MAX + c->extra);
		pw[AUTH_PASSWORD_MAX + c->extra] = '\0';
	} else {
		snprintf(pw, sizeof pw, "%s", c->password);
	}
	assert_int_equal(auth_add_user(a, user, pw, c->is_ha1), c->want);
	if (c->want == 0) {
		const char *login = c->login != NULL ? c->login : pw;

		assert_int_equal(basic_login(a, user, login), 0);
		assert_int_equal(basic_login(a, user, "wrong"), ERR_AUTH);
	}
	/* The users already there are untouched either way. */
	assert_int_equal(basic_login(a, "alice", "wonderland"), 0);
	assert_int_equal(basic_login(a, "bob", "builder"), 0);
	auth_free(&a);
}

/* Fill to AUTH_USERS_MAX (the table grows several times), then one more. */
static void
test_add_many(void **state)
{
	struct auth *a = NULL;
	char name[32], pw[32];

	(void)state;
	assert_int_equal(auth_create(REALM, 1, &a), 0);
	assert_false(auth_enabled(a));
	for (int i = 0; i < AUTH_USERS_MAX; i++) {
		snprintf(name, sizeof name, "user%d", i);
		snprintf(pw, sizeof pw, "pw%d", i);
		assert_int_equal(auth_add_user(a, name, pw, 0), 0);
	}
	assert_true(auth_enabled(a));
	assert_int_equal(auth_add_user(a, "onemore", "pw", 0), ERR_INVAL);
	assert_int_equal(basic_login(a, "user0", "pw0"), 0);
	assert_int_equal(basic_login(a, "user777", "pw777"), 0);
	assert_int_equal(basic_login(a, "user1023", "pw1023"), 0);
	assert_int_equal(basic_login(a, "user777", "pw778"), ERR_AUTH);
	assert_int_equal(basic_login(a, "onemore", "pw"), ERR_AUTH);
	auth_free(&a);
}

/* ---- auth_challenge ----------------------------------------------------- */

struct challenge_case {
	const char *name;
	int basic, stale, long_realm;
	const char *want;	/* {N} stands for the nonce */
};

static struct challenge_case challenge_cases[] = {
	{ "challenge/digest", 0, 0, 0,
	  "WWW-Authenticate: Digest realm=\"" REALM "\", nonce=\"{N}\", "
	  "algorithm=MD5, qop=\"auth\"\r\n" },
	{ "challenge/digest_stale", 0, 1, 0,
	  "WWW-Authenticate: Digest realm=\"" REALM "\", nonce=\"{N}\", "
	  "algorithm=MD5, qop=\"auth\", stale=true\r\n" },
	{ "challenge/with_basic", 1, 0, 0,
	  "WWW-Authenticate: Digest realm=\"" REALM "\", nonce=\"{N}\", "
	  "algorithm=MD5, qop=\"auth\"\r\n"
	  "WWW-Authenticate: Basic realm=\"" REALM "\"\r\n" },
	{ "challenge/with_basic_stale", 1, 1, 0,
	  "WWW-Authenticate: Digest realm=\"" REALM "\", nonce=\"{N}\", "
	  "algorithm=MD5, qop=\"auth\", stale=true\r\n"
	  "WWW-Authenticate: Basic realm=\"" REALM "\"\r\n" },
	/* The longest output must fit AUTH_CHALLENGE_MAX. */
	{ "challenge/longest_fits", 1, 1, 1, NULL },
};

static void
test_challenge(void **state)
{
	const struct challenge_case *c = *state;
	char realm[AUTH_REALM_MAX + 1], out[AUTH_CHALLENGE_MAX], nonce[64];
	char want[AUTH_CHALLENGE_MAX + 64], again[AUTH_CHALLENGE_MAX];
	struct auth *a = NULL;
	size_t len;

	if (c->long_realm) {
		memset(realm, 'r', AUTH_REALM_MAX);
		realm[AUTH_REALM_MAX] = '\0';
	} else {
		snprintf(realm, sizeof realm, "%s", REALM);
	}
	assert_int_equal(auth_create(realm, c->basic, &a), 0);
	assert_int_equal(auth_challenge(a, NOW, c->stale, out, sizeof out), 0);
	challenge_nonce(out, nonce);
	assert_int_equal(strlen(nonce), 48);
	for (const char *p = nonce; *p; p++)
		assert_non_null(strchr("0123456789abcdef", *p));
	if (c->want != NULL) {
		struct var v[] = { { "N", nonce } };

		expand(c->want, v, 1, want, sizeof want);
		assert_string_equal(out, want);
	}

	/* Stateless: the same second gives the same nonce, another one not. */
	assert_int_equal(auth_challenge(a, NOW, c->stale, again, sizeof again), 0);
	assert_string_equal(again, out);
	assert_int_equal(auth_challenge(a, NOW + 1, c->stale, again, sizeof again), 0);
	assert_string_not_equal(again, out);

	/* Exactly enough room, then one byte less. */
	len = strlen(out);
	assert_int_equal(auth_challenge(a, NOW, c->stale, again, len + 1), 0);
	assert_string_equal(again, out);
	assert_int_equal(auth_challenge(a, NOW, c->stale, again, len), ERR_INVAL);
	assert_string_equal(again, "");
	auth_free(&a);
}

/* Two objects have different secrets unless one inherits the other's. */
static void
test_inherit(void **state)
{
	struct auth *a = make_auth(0), *b = make_auth(0), *c = NULL;
	char nonce[64], resp[33], hdr[1024], user[AUTH_NAME_MAX + 1];

	(void)state;
	issue_nonce(a, NOW, nonce);
	client_response("alice", REALM, "wonderland", "DESCRIBE", REQ_URI, nonce,
	    NULL, resp);
	snprintf(hdr, sizeof hdr, "Digest username=\"alice\", realm=\"" REALM
	    "\", nonce=\"%s\", uri=\"" REQ_URI "\", response=\"%s\"", nonce, resp);
	assert_int_equal(auth_check(a, NOW, "DESCRIBE", REQ_URI, hdr, NULL, user,
	    sizeof user), 0);
	assert_int_equal(auth_check(b, NOW, "DESCRIBE", REQ_URI, hdr, NULL, user,
	    sizeof user), ERR_AUTH);
	auth_inherit_nonces(b, a);
	assert_int_equal(auth_check(b, NOW, "DESCRIBE", REQ_URI, hdr, NULL, user,
	    sizeof user), 0);
	assert_string_equal(user, "alice");

	/* Another realm: the nonce is bound to the realm too. */
	assert_int_equal(auth_create("elsewhere", 0, &c), 0);
	assert_int_equal(auth_add_user(c, "alice", "wonderland", 0), 0);
	auth_inherit_nonces(c, a);
	assert_int_equal(auth_check(c, NOW, "DESCRIBE", REQ_URI, hdr, NULL, user,
	    sizeof user), ERR_AUTH);
	auth_free(&a);
	auth_free(&b);
	auth_free(&c);
}

/* ---- auth_check: round trips ------------------------------------------- */

enum nonce_kind {
	N_FRESH,	/* issued now */
	N_EDGE,		/* issued exactly AUTH_NONCE_LIFETIME ago */
	N_OLD,		/* one second older than that */
	N_SKEW,		/* 30 s in the future */
	N_FUTURE,	/* an hour in the future */
	N_TAMPER_MAC,	/* a fresh one with its last digit changed */
	N_TAMPER_TIME,	/* an old one with a fresh one's time */
	N_FOREIGN,	/* issued by another auth object, same realm */
	N_SHORT,	/* fresh, last digit cut */
	N_LONGER,	/* fresh, one digit added */
	N_RFC,		/* RFC 2617's example nonce */
};

struct check_case {
	const char *name;
	int basic;		/* create with Basic allowed */
	const char *tmpl;	/* NULL: T_DIGEST or T_QOP */
	const char *user;	/* the client's; NULL: alice/wonderland */
	const char *password;
	const char *qop;	/* hashed with qop (and NC, CNONCE) */
	const char *realm;	/* the client's; NULL: REALM */
	const char *hash_method;	/* NULL: the request's, DESCRIBE */
	const char *req_uri;	/* NULL: REQ_URI */
	const char *dig_uri;	/* Digest uri field; NULL: the request's */
	enum nonce_kind nonce;
	const char *const *allowed;
	int want;
	const char *want_user;	/* NULL: user */
};

#define T_DIGEST "Digest username=\"{user}\", realm=\"{realm}\", nonce=\"{nonce}\", " \
	"uri=\"{uri}\", response=\"{response}\""
#define T_QOP T_DIGEST ", qop={qop}, nc={nc}, cnonce=\"{cnonce}\""
#define T_BASIC "Basic {basic}"

static const char *const only_bob[] = { "bob", NULL };
static const char *const bob_alice[] = { "bob", "alice", NULL };
static const char *const nobody[] = { NULL };

static struct check_case check_cases[] = {
	/* Digest, both response forms, plain and HA1-stored users. */
	{ "check/qop_ok", .qop = "auth" },
	{ "check/rfc2069_ok", .want = 0 },
	{ "check/ha1_user", .user = "bob", .password = "builder" },
	{ "check/ha1_user_qop", .user = "bob", .password = "builder", .qop = "auth" },
	{ "check/odd_password", .user = "carol", .password = "c:a\"r ol", .qop = "auth" },
	{ "check/wrong_password", .password = "wonderlan", .want = ERR_AUTH },
	{ "check/wrong_password_qop", .password = "Wonderland", .qop = "auth", .want = ERR_AUTH },
	{ "check/other_users_password", .password = "builder", .want = ERR_AUTH },
	{ "check/unknown_user", .user = "mallory", .password = "x", .want = ERR_AUTH },
	{ "check/user_case", .user = "Alice", .password = "wonderland", .want = ERR_AUTH },
	{ "check/allowed_listed", .allowed = bob_alice },
	{ "check/allowed_listed_qop", .allowed = bob_alice, .qop = "auth" },
	{ "check/not_allowed", .allowed = only_bob, .want = ERR_AUTH },
	{ "check/allowed_nobody", .allowed = nobody, .want = ERR_AUTH },
	{ "check/ha1_user_allowed", .user = "bob", .password = "builder", .allowed = only_bob },
	{ "check/wrong_method", .hash_method = "PLAY", .want = ERR_AUTH },
	{ "check/method_case", .hash_method = "describe", .qop = "auth", .want = ERR_AUTH },
	{ "check/wrong_realm", .realm = "other", .want = ERR_AUTH },
	{ "check/realm_case", .realm = "CAMVEIL@test", .want = ERR_AUTH },
	/* hashed with our realm, but another one in the header */
	{ "check/realm_field_only", .tmpl = "Digest username=\"{user}\", realm=\"other\", "
	  "nonce=\"{nonce}\", uri=\"{uri}\", response=\"{response}\"", .want = ERR_AUTH },

	/* The uri field against the request line. */
	{ "uri/path_only", .dig_uri = "/cam1" },
	{ "uri/request_path_only", .req_uri = "/cam1", .dig_uri = REQ_URI },
	{ "uri/other_path", .dig_uri = "/cam2", .want = ERR_AUTH },
	{ "uri/other_url", .dig_uri = "rtsp://127.0.0.1:8554/cam2", .want = ERR_AUTH },
	{ "uri/other_host", .dig_uri = "rtsp://10.0.0.1:8554/cam1", .want = ERR_AUTH },
	{ "uri/other_scheme", .dig_uri = "rtsps://127.0.0.1:8554/cam1", .want = ERR_AUTH },
	{ "uri/prefix", .dig_uri = "/cam", .want = ERR_AUTH },
	{ "uri/longer", .dig_uri = "/cam1/trackID=0", .want = ERR_AUTH },
	{ "uri/relative", .dig_uri = "cam1", .want = ERR_AUTH },
	{ "uri/star", .req_uri = "*", .dig_uri = "*" },
	{ "uri/star_vs_url", .req_uri = "*", .dig_uri = REQ_URI, .want = ERR_AUTH },
	{ "uri/empty_path", .req_uri = "rtsp://127.0.0.1:8554", .dig_uri = "/" },
	{ "uri/query_kept", .req_uri = REQ_URI "?sub=1", .dig_uri = "/cam1?sub=1" },
	{ "uri/query_dropped", .req_uri = REQ_URI "?sub=1", .dig_uri = "/cam1", .want = ERR_AUTH },

	/* Nonces: age, forgery, other issuers. */
	{ "nonce/lifetime_edge", .nonce = N_EDGE, .qop = "auth" },
	{ "nonce/stale", .nonce = N_OLD, .want = ERR_AUTH_STALE, .want_user = "alice" },
	{ "nonce/stale_qop", .nonce = N_OLD, .qop = "auth", .want = ERR_AUTH_STALE },
	{ "nonce/stale_ha1_user", .nonce = N_OLD, .user = "bob", .password = "builder",
	  .want = ERR_AUTH_STALE },
	{ "nonce/stale_wrong_password", .nonce = N_OLD, .password = "x", .want = ERR_AUTH },
	{ "nonce/stale_unknown_user", .nonce = N_OLD, .user = "mallory", .password = "x",
	  .want = ERR_AUTH },
	{ "nonce/stale_not_allowed", .nonce = N_OLD, .allowed = only_bob, .want = ERR_AUTH },
	{ "nonce/clock_skew", .nonce = N_SKEW },
	{ "nonce/future", .nonce = N_FUTURE, .want = ERR_AUTH_STALE },
	{ "nonce/tampered_mac", .nonce = N_TAMPER_MAC, .want = ERR_AUTH },
	{ "nonce/tampered_time", .nonce = N_TAMPER_TIME, .want = ERR_AUTH },
	{ "nonce/foreign", .nonce = N_FOREIGN, .want = ERR_AUTH },
	{ "nonce/truncated", .nonce = N_SHORT, .want = ERR_AUTH },
	{ "nonce/extended", .nonce = N_LONGER, .want = ERR_AUTH },
	{ "nonce/rfc_example", .nonce = N_RFC, .qop = "auth", .want = ERR_AUTH },

	/* Header syntax that must be understood. */
	{ "syntax/any_order", .tmpl = "Digest response=\"{response}\", uri=\"{uri}\", "
	  "nonce=\"{nonce}\", realm=\"{realm}\", username=\"{user}\"" },
	{ "syntax/unquoted", .tmpl = "Digest username={user}, realm={realm}, nonce={nonce}, "
	  "uri={uri}, response={response}, algorithm=MD5" },
	/* libavformat's httpauth.c quotes algorithm and qop */
	{ "syntax/ffmpeg_style", .qop = "auth", .tmpl = "Digest username=\"{user}\", "
	  "realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", response=\"{response}\", "
	  "algorithm=\"MD5\", qop=\"auth\", cnonce=\"{cnonce}\", nc={nc}" },
	{ "syntax/whitespace", .tmpl = "  digest \t username = \"{user}\" ,realm=\"{realm}\",,"
	  "  nonce=\"{nonce}\"\t,uri=\"{uri}\" ,\tresponse=\"{response}\" , " },
	{ "syntax/escapes", .tmpl = "Digest username=\"al\\ice\", realm=\"camveil\\@test\", "
	  "nonce=\"{nonce}\", uri=\"{uri}\", response=\"\\{response}\"" },
	{ "syntax/unknown_params", .tmpl = "Digest opaque=\"a, b=\\\"c\\\", d\", "
	  "username=\"{user}\", x=\"\", foo=bar, realm=\"{realm}\", nonce=\"{nonce}\", "
	  "uri=\"{uri}\", response=\"{response}\", domain=\"/ rtsp://x/\"" },
	{ "syntax/big_unknown_param", .tmpl = T_DIGEST ", opaque=\"{pad}\"" },
	{ "syntax/scheme_upper", .tmpl = "DIGEST username=\"{user}\", realm=\"{realm}\", "
	  "nonce=\"{nonce}\", uri=\"{uri}\", response=\"{response}\"" },
	{ "syntax/names_any_case", .qop = "auth", .tmpl = "Digest UserName=\"{user}\", "
	  "REALM=\"{realm}\", Nonce=\"{nonce}\", URI=\"{uri}\", Response=\"{response}\", "
	  "QOP=auth, NC={nc}, CNonce=\"{cnonce}\"" },
	{ "syntax/response_upper", .tmpl = "Digest username=\"{user}\", realm=\"{realm}\", "
	  "nonce=\"{nonce}\", uri=\"{uri}\", response=\"{RESPONSE}\"" },
	{ "syntax/algorithm_lower", .tmpl = T_DIGEST ", algorithm=md5" },
	{ "syntax/cnonce_without_qop", .tmpl = T_DIGEST ", nc=00000001, cnonce=\"abc\"" },

	/* Header syntax or values that must be refused. */
	{ "refuse/md5_sess", .tmpl = T_DIGEST ", algorithm=MD5-sess", .want = ERR_AUTH },
	{ "refuse/sha256", .tmpl = T_DIGEST ", algorithm=SHA-256", .want = ERR_AUTH },
	{ "refuse/qop_auth_int", .qop = "auth-int", .want = ERR_AUTH },
	{ "refuse/qop_no_nc", .qop = "auth", .tmpl = T_DIGEST ", qop=auth, "
	  "cnonce=\"{cnonce}\"", .want = ERR_AUTH },
	{ "refuse/qop_no_cnonce", .qop = "auth", .tmpl = T_DIGEST ", qop=auth, nc={nc}",
	  .want = ERR_AUTH },
	{ "refuse/nc_not_hex", .qop = "auth", .tmpl = T_DIGEST ", qop=auth, nc=0000000x, "
	  "cnonce=\"{cnonce}\"", .want = ERR_AUTH },
	{ "refuse/qop_no_qop_response", .tmpl = T_DIGEST ", qop=auth, nc={nc}, "
	  "cnonce=\"{cnonce}\"", .want = ERR_AUTH },
	{ "refuse/duplicate_username", .tmpl = T_DIGEST ", username=\"bob\"", .want = ERR_AUTH },
	{ "refuse/duplicate_same", .tmpl = T_DIGEST ", username=\"{user}\"", .want = ERR_AUTH },
	{ "refuse/no_username", .tmpl = "Digest realm=\"{realm}\", nonce=\"{nonce}\", "
	  "uri=\"{uri}\", response=\"{response}\"", .want = ERR_AUTH },
	{ "refuse/no_realm", .tmpl = "Digest username=\"{user}\", nonce=\"{nonce}\", "
	  "uri=\"{uri}\", response=\"{response}\"", .want = ERR_AUTH },
	{ "refuse/no_nonce", .tmpl = "Digest username=\"{user}\", realm=\"{realm}\", "
	  "uri=\"{uri}\", response=\"{response}\"", .want = ERR_AUTH },
	{ "refuse/no_uri", .tmpl = "Digest username=\"{user}\", realm=\"{realm}\", "
	  "nonce=\"{nonce}\", response=\"{response}\"", .want = ERR_AUTH },
	{ "refuse/no_response", .tmpl = "Digest username=\"{user}\", realm=\"{realm}\", "
	  "nonce=\"{nonce}\", uri=\"{uri}\"", .want = ERR_AUTH },
	{ "refuse/empty_username", .tmpl = "Digest username=\"\", realm=\"{realm}\", "
	  "nonce=\"{nonce}\", uri=\"{uri}\", response=\"{response}\"", .want = ERR_AUTH },
	{ "refuse/short_response", .tmpl = "Digest username=\"{user}\", realm=\"{realm}\", "
	  "nonce=\"{nonce}\", uri=\"{uri}\", response=\"6629fae49393a05397450978507c4ef\"",
	  .want = ERR_AUTH },
	{ "refuse/response_not_hex", .tmpl = "Digest username=\"{user}\", realm=\"{realm}\", "
	  "nonce=\"{nonce}\", uri=\"{uri}\", response=\"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\"",
	  .want = ERR_AUTH },
	{ "refuse/junk_after_response", .tmpl = T_DIGEST "x", .want = ERR_AUTH },
	{ "refuse/double_quote_end", .tmpl = T_DIGEST "\"", .want = ERR_AUTH },
	{ "refuse/junk_after_quote", .tmpl = "Digest username=\"{user}\"x, realm=\"{realm}\", "
	  "nonce=\"{nonce}\", uri=\"{uri}\", response=\"{response}\"", .want = ERR_AUTH },
	{ "refuse/space_in_token", .tmpl = "Digest username=ali ce, realm=\"{realm}\", "
	  "nonce=\"{nonce}\", uri=\"{uri}\", response=\"{response}\"", .want = ERR_AUTH },
	{ "refuse/digest_as_basic", .basic = 1, .tmpl = "Basic username=\"{user}\"",
	  .want = ERR_AUTH },

	/* Basic, only when allowed. */
	{ "basic/ok", .basic = 1, .tmpl = T_BASIC },
	{ "basic/disabled", .tmpl = T_BASIC, .want = ERR_AUTH },
	{ "basic/wrong_password", .basic = 1, .tmpl = T_BASIC, .password = "wonderlanD",
	  .want = ERR_AUTH },
	{ "basic/unknown_user", .basic = 1, .tmpl = T_BASIC, .user = "mallory",
	  .password = "x", .want = ERR_AUTH },
	{ "basic/ha1_user", .basic = 1, .tmpl = T_BASIC, .user = "bob", .password = "builder" },
	{ "basic/colon_in_password", .basic = 1, .tmpl = T_BASIC, .user = "carol",
	  .password = "c:a\"r ol" },
	{ "basic/not_allowed", .basic = 1, .tmpl = T_BASIC, .allowed = only_bob,
	  .want = ERR_AUTH },
	{ "basic/allowed", .basic = 1, .tmpl = T_BASIC, .allowed = bob_alice },
	{ "basic/no_padding", .basic = 1, .tmpl = "Basic {basic_nopad}" },
	{ "basic/scheme_case_spaces", .basic = 1, .tmpl = " basic   {basic}  " },
	{ "basic/digest_still_works", .basic = 1, .qop = "auth" },
	{ "basic/no_colon", .basic = 1, .tmpl = "Basic YWxpY2U=", .want = ERR_AUTH },
	{ "basic/empty_password", .basic = 1, .tmpl = "Basic YWxpY2U6", .want = ERR_AUTH },
	{ "basic/empty_user", .basic = 1, .tmpl = "Basic OndvbmRlcmxhbmQ=", .want = ERR_AUTH },
	{ "basic/junk_after", .basic = 1, .tmpl = "Basic {basic} x", .want = ERR_AUTH },
	{ "basic/bad_base64", .basic = 1, .tmpl = "Basic YWxp!2U6d29uZGVybGFuZA==",
	  .want = ERR_AUTH },
	{ "basic/nul_inside", .basic = 1, .tmpl = "Basic YWxpY2UAOnBhc3M=", .want = ERR_AUTH },
};

static void
make_nonce(enum nonce_kind k, const struct auth *a, char nonce[64])
{
	struct auth *other = NULL;
	char fresh[64];

	switch (k) {
	case N_FRESH:
		issue_nonce(a, NOW, nonce);
		break;
	case N_EDGE:
		issue_nonce(a, NOW - AUTH_NONCE_LIFETIME, nonce);
		break;
	case N_OLD:
		issue_nonce(a, NOW - AUTH_NONCE_LIFETIME - 1, nonce);
		break;
	case N_SKEW:
		issue_nonce(a, NOW + 30, nonce);
		break;
	case N_FUTURE:
		issue_nonce(a, NOW + 3600, nonce);
		break;
	case N_TAMPER_MAC:
		issue_nonce(a, NOW, nonce);
		nonce[47] = nonce[47] == '0' ? '1' : '0';
		break;
	case N_TAMPER_TIME:
		issue_nonce(a, NOW - 1000, nonce);
		issue_nonce(a, NOW, fresh);
		memcpy(nonce, fresh, 16);	/* the 8-byte time */
		break;
	case N_FOREIGN:
		assert_int_equal(auth_create(REALM, 0, &other), 0);
		issue_nonce(other, NOW, nonce);
		auth_free(&other);
		break;
	case N_SHORT:
		issue_nonce(a, NOW, nonce);
		nonce[47] = '\0';
		break;
	case N_LONGER:
		issue_nonce(a, NOW, nonce);
		strcat(nonce, "0");
		break;
	case N_RFC:
		strcpy(nonce, "dcd98b7102dd2f0e8b11d0f600bfb0c093");
		break;
	}
}

static void
test_check(void **state)
{
	const struct check_case *c = *state;
	struct auth *a = make_auth(c->basic);
	const char *user = c->user ? c->user : "alice";
	const char *pw = c->password ? c->password : "wonderland";
	const char *realm = c->realm ? c->realm : REALM;
	const char *req = c->req_uri ? c->req_uri : REQ_URI;
	const char *dig = c->dig_uri ? c->dig_uri : req;
	const char *tmpl = c->tmpl ? c->tmpl : c->qop ? T_QOP : T_DIGEST;
	static char pad[3000 + 1], hdr[HDR_CAP];
	char nonce[64], resp[33], resp_up[33], b64[512], b64_nopad[512];
	char got[AUTH_NAME_MAX + 1];
	int ret;

	make_nonce(c->nonce, a, nonce);
	client_response(user, realm, pw, c->hash_method ? c->hash_method : "DESCRIBE",
	    dig, nonce, c->qop, resp);
	for (int i = 0; i < 33; i++)
		resp_up[i] = (char)(resp[i] >= 'a' && resp[i] <= 'f' ? resp[i] - 32 : resp[i]);
	basic_b64(user, pw, 1, b64, sizeof b64);
	basic_b64(user, pw, 0, b64_nopad, sizeof b64_nopad);
	memset(pad, 'p', sizeof pad - 1);
	{
		struct var v[] = {
			{ "user", user }, { "realm", realm }, { "nonce", nonce },
			{ "uri", dig }, { "response", resp }, { "RESPONSE", resp_up },
			{ "qop", c->qop ? c->qop : "" }, { "nc", NC }, { "cnonce", CNONCE },
			{ "basic", b64 }, { "basic_nopad", b64_nopad }, { "pad", pad },
		};

		expand(tmpl, v, NELEM(v), hdr, sizeof hdr);
	}

	memset(got, 'x', sizeof got - 1);	/* must be overwritten */
	got[sizeof got - 1] = '\0';
	ret = auth_check(a, NOW, "DESCRIBE", req, hdr, c->allowed, got, sizeof got);
	assert_int_equal(ret, c->want);
	if (ret == 0 || ret == ERR_AUTH_STALE)
		assert_string_equal(got, c->want_user ? c->want_user : user);
	else
		assert_string_equal(got, "");

	/* The same request with a user buffer of NULL gives the same answer. */
	assert_int_equal(auth_check(a, NOW, "DESCRIBE", req, hdr, c->allowed, NULL, 0),
	    c->want);
	auth_free(&a);
}

/* ---- auth_check: garbage ------------------------------------------------ */

struct garbage_case {
	const char *name;
	const char *header;
};

static struct garbage_case garbage_cases[] = {
	{ "garbage/empty", "" },
	{ "garbage/spaces", "   \t " },
	{ "garbage/scheme_only", "Digest" },
	{ "garbage/scheme_space", "Digest " },
	{ "garbage/scheme_tab", "Digest\t" },
	{ "garbage/commas", "Digest ,,, ," },
	{ "garbage/name_only", "Digest username" },
	{ "garbage/name_eq", "Digest username=" },
	{ "garbage/name_eq_comma", "Digest username=, realm=x" },
	{ "garbage/open_quote", "Digest username=\"" },
	{ "garbage/unterminated", "Digest username=\"alice" },
	{ "garbage/unterminated_escape", "Digest username=\"alice\\" },
	{ "garbage/escaped_last_quote", "Digest username=\"alice\\\"" },
	{ "garbage/no_name", "Digest =alice" },
	{ "garbage/eq_eq", "Digest ==" },
	{ "garbage/lone_quote", "Digest \"" },
	{ "garbage/two_strings", "Digest username=\"a\"\"b\"" },
	{ "garbage/cr_in_string", "Digest username=\"a\rb\"" },
	{ "garbage/lf_in_string", "Digest username=\"a\nb\"" },
	{ "garbage/del_in_string", "Digest username=\"a\x7f\"" },
	{ "garbage/control_in_token", "Digest username=a\x01" },
	{ "garbage/no_space", "Digestusername=\"alice\"" },
	{ "garbage/control_before", "\x01" "Digest username=\"alice\"" },
	{ "garbage/bad_values", "Digest username=\"alice\", realm=\"camveil@test\", "
	  "nonce=\"zz\", uri=\"/cam1\", response=\"zz\"" },
	{ "garbage/rfc_example", "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
	  "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", "
	  "qop=auth, nc=00000001, cnonce=\"0a4f113b\", "
	  "response=\"6629fae49393a05397450978507c4ef1\", "
	  "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"" },
	{ "garbage/basic_empty", "Basic" },
	{ "garbage/basic_space", "Basic " },
	{ "garbage/basic_padding", "Basic ====" },
	{ "garbage/basic_two", "Basic YWxpY2U6d29uZGVybGFuZA== YWxpY2U6d29uZGVybGFuZA==" },
	{ "garbage/bearer", "Bearer abc" },
	{ "garbage/negotiate", "Negotiate YII=" },
	{ "garbage/high_bytes", "Digest \xff\xfe=\"\x80\"" },
};

static void
test_garbage(void **state)
{
	const struct garbage_case *c = *state;
	struct auth *a = make_auth(1);
	char got[AUTH_NAME_MAX + 1] = "junk";

	assert_int_equal(auth_check(a, NOW, "DESCRIBE", REQ_URI, c->header, NULL,
	    got, sizeof got), ERR_AUTH);
	assert_string_equal(got, "");
	auth_free(&a);
}

static void
test_missing_header(void **state)
{
	struct auth *a = make_auth(1);
	char got[AUTH_NAME_MAX + 1] = "junk";

	(void)state;
	assert_int_equal(auth_check(a, NOW, "DESCRIBE", REQ_URI, NULL, NULL, got,
	    sizeof got), ERR_AUTH);
	assert_string_equal(got, "");
	auth_free(&a);
}

/* With no users nothing passes, not even a well-formed header. */
static void
test_no_users(void **state)
{
	struct auth *a = NULL;
	char got[AUTH_NAME_MAX + 1] = "junk";

	(void)state;
	assert_int_equal(auth_create(REALM, 1, &a), 0);
	assert_false(auth_enabled(a));
	assert_false(auth_enabled(NULL));
	assert_int_equal(auth_check(a, NOW, "DESCRIBE", REQ_URI,
	    "Basic YWxpY2U6d29uZGVybGFuZA==", NULL, got, sizeof got), ERR_AUTH);
	assert_string_equal(got, "");
	auth_free(&a);
}

/* Values at and past every bound: refused, never overrun. */
static void
test_huge(void **state)
{
	static char hdr[200000], big[150000];
	struct auth *a = make_auth(1);
	char nonce[64], resp[33];
	static char uri[AUTH_URI_MAX + 2];
	size_t n;

	(void)state;
	/* Far too long: an unterminated quoted string of 100 kB. */
	memset(big, 'a', 100000);
	big[100000] = '\0';
	snprintf(hdr, sizeof hdr, "Digest username=\"%s", big);
	assert_int_equal(auth_check(a, NOW, "DESCRIBE", REQ_URI, hdr, NULL, NULL, 0),
	    ERR_AUTH);
	/* 100 kB of base64. */
	memset(big, 'Q', 100000);
	snprintf(hdr, sizeof hdr, "Basic %s", big);
	assert_int_equal(auth_check(a, NOW, "DESCRIBE", REQ_URI, hdr, NULL, NULL, 0),
	    ERR_AUTH);
	/* Within the header bound but longer than the Basic buffer. */
	big[1000] = '\0';
	snprintf(hdr, sizeof hdr, "Basic %s", big);
	assert_int_equal(auth_check(a, NOW, "DESCRIBE", REQ_URI, hdr, NULL, NULL, 0),
	    ERR_AUTH);

	/* A username one byte longer than any user can be. */
	memset(big, 'u', AUTH_NAME_MAX + 1);
	big[AUTH_NAME_MAX + 1] = '\0';
	issue_nonce(a, NOW, nonce);
	snprintf(hdr, sizeof hdr, "Digest username=\"%s\", realm=\"" REALM "\", "
	    "nonce=\"%s\", uri=\"" REQ_URI "\", response=\"%032d\"", big, nonce, 0);
	assert_int_equal(auth_check(a, NOW, "DESCRIBE", REQ_URI, hdr, NULL, NULL, 0),
	    ERR_AUTH);

	/* The longest uri is accepted, one more byte is not. */
	for (int extra = 0; extra <= 1; extra++) {
		n = AUTH_URI_MAX + (size_t)extra;
		memset(uri, 'p', n);
		uri[0] = '/';
		uri[n] = '\0';
		client_response("alice", REALM, "wonderland", "DESCRIBE", uri, nonce,
		    NULL, resp);
		snprintf(hdr, sizeof hdr, "Digest username=\"alice\", realm=\"" REALM
		    "\", nonce=\"%s\", uri=\"%s\", response=\"%s\"", nonce, uri, resp);
		assert_int_equal(auth_check(a, NOW, "DESCRIBE", uri, hdr, NULL, NULL, 0),
		    extra ? ERR_AUTH : 0);
	}

	/* A valid header padded to exactly the bound passes; one more fails. */
	client_response("alice", REALM, "wonderland", "DESCRIBE", REQ_URI, nonce,
	    NULL, resp);
	for (int extra = 0; extra <= 1; extra++) {
		int len = snprintf(hdr, sizeof hdr, "Digest username=\"alice\", realm=\""
		    REALM "\", nonce=\"%s\", uri=\"" REQ_URI "\", response=\"%s\", x=",
		    nonce, resp);

		n = AUTH_HEADER_MAX + (size_t)extra - (size_t)len;
		memset(hdr + len, 'x', n);
		hdr[len + (int)n] = '\0';
		assert_int_equal(strlen(hdr), AUTH_HEADER_MAX + extra);
		assert_int_equal(auth_check(a, NOW, "DESCRIBE", REQ_URI, hdr, NULL,
		    NULL, 0), extra ? ERR_AUTH : 0);
	}
	auth_free(&a);
}

/* An unknown user is checked against a stand-in HA1; knowing it must not
 * help. Tried with the all-zero HA1 and the HA1 of an empty password. */
static void
test_unknown_user_dummy(void **state)
{
	static const char *const ha1s[] = {
		"00000000000000000000000000000000",
		"ffffffffffffffffffffffffffffffff",
		"d41d8cd98f00b204e9800998ecf8427e",	/* md5("") */
	};
	struct auth *a = make_auth(0);
	char nonce[64], resp[33], hdr[1024];

	(void)state;
	issue_nonce(a, NOW, nonce);
	for (size_t i = 0; i < NELEM(ha1s); i++) {
		client_digest(ha1s[i], "DESCRIBE", REQ_URI, nonce, CNONCE, NULL, resp);
		snprintf(hdr, sizeof hdr, "Digest username=\"mallory\", realm=\"" REALM
		    "\", nonce=\"%s\", uri=\"" REQ_URI "\", response=\"%s\"", nonce, resp);
		assert_int_equal(auth_check(a, NOW, "DESCRIBE", REQ_URI, hdr, NULL,
		    NULL, 0), ERR_AUTH);
	}
	auth_free(&a);
}

/* Each field is bounded exactly: cnonce (the last one kept) at its
 * longest passes, one byte more is refused. */
static void
test_field_bounds(void **state)
{
	struct auth *a = make_auth(0);
	char nonce[64], ha1[33], resp[33], cnonce[200], hdr[1024];

	(void)state;
	issue_nonce(a, NOW, nonce);
	md5_of(ha1, "alice:" REALM ":wonderland");
	for (int n = 127; n <= 129; n++) {
		memset(cnonce, 'c', (size_t)n);
		cnonce[n] = '\0';
		client_digest(ha1, "DESCRIBE", REQ_URI, nonce, cnonce, "auth", resp);
		snprintf(hdr, sizeof hdr, "Digest username=\"alice\", realm=\"" REALM
		    "\", nonce=\"%s\", uri=\"" REQ_URI "\", response=\"%s\", qop=auth, "
		    "nc=" NC ", cnonce=\"%s\"", nonce, resp, cnonce);
		assert_int_equal(auth_check(a, NOW, "DESCRIBE", REQ_URI, hdr, NULL,
		    NULL, 0), n <= 128 ? 0 : ERR_AUTH);
	}
	auth_free(&a);
}

/* xorshift32: the same "random" headers on every run. */
static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Random bytes, biased towards the parser's own characters: never accepted. */
static void
test_random(void **state)
{
	static const char alpha[] = "Digest Basic username=realm\"\\,=\t nonce uri "
	    "response qop=auth nc cnonce algorithm=MD5 abcdef0123456789 YWxp";
	struct auth *a = make_auth(1);
	char hdr[700], got[AUTH_NAME_MAX + 1];
	uint32_t s = 0x2545f491;

	(void)state;
	for (int iter = 0; iter < 20000; iter++) {
		size_t len = rnd(&s) % 600, i = 0;

		if (rnd(&s) % 2) {
			const char *scheme = rnd(&s) % 2 ? "Digest " : "Basic ";

			i = strlen(scheme);
			memcpy(hdr, scheme, i);
		}
		for (; i < len; i++) {
			uint32_t r = rnd(&s);

			hdr[i] = r % 2 ? alpha[(r >> 1) % (sizeof alpha - 1)] :
			    (char)(1 + (r >> 1) % 255);
		}
		hdr[i] = '\0';
		assert_int_equal(auth_check(a, NOW, "DESCRIBE", REQ_URI, hdr, NULL,
		    got, sizeof got), ERR_AUTH);
		assert_string_equal(got, "");
	}
	auth_free(&a);
}

/* Mutations of a valid header: any answer but a crash, a wrong user or a
 * pass with damaged credentials. */
static void
test_mutate(void **state)
{
	struct auth *a = make_auth(1);
	char nonce[64], resp[33], good[512], hdr[1024], got[AUTH_NAME_MAX + 1];
	uint32_t s = 0x9e3779b9;
	int passed = 0;

	(void)state;
	issue_nonce(a, NOW, nonce);
	client_response("alice", REALM, "wonderland", "DESCRIBE", REQ_URI, nonce,
	    "auth", resp);
	snprintf(good, sizeof good, "Digest username=\"alice\", realm=\"" REALM
	    "\", nonce=\"%s\", uri=\"" REQ_URI "\", response=\"%s\", qop=auth, "
	    "nc=" NC ", cnonce=\"" CNONCE "\"", nonce, resp);
	assert_int_equal(auth_check(a, NOW, "DESCRIBE", REQ_URI, good, NULL, NULL, 0), 0);
	for (int iter = 0; iter < 20000; iter++) {
		size_t len = strlen(good), pos;
		int ret;

		memcpy(hdr, good, len + 1);
		for (int m = 1 + (int)(rnd(&s) % 3); m > 0; m--) {
			pos = rnd(&s) % len;
			switch (rnd(&s) % 3) {
			case 0:		/* replace */
				hdr[pos] = (char)(1 + rnd(&s) % 255);
				break;
			case 1:		/* delete */
				memmove(hdr + pos, hdr + pos + 1, len - pos);
				len--;
				break;
			default:	/* insert */
				memmove(hdr + pos + 1, hdr + pos, len - pos + 1);
				hdr[pos] = "\",= \\\tx"[rnd(&s) % 7];
				len++;
				break;
			}
		}
		ret = auth_check(a, NOW, "DESCRIBE", REQ_URI, hdr, NULL, got, sizeof got);
		assert_true(ret == 0 || ret == ERR_AUTH);
		if (ret == 0) {
			assert_string_equal(got, "alice");
			passed++;
		} else {
			assert_string_equal(got, "");
		}
	}
	/* Mutations landing in whitespace or unknown bytes may pass; most
	 * must not. */
	assert_true(passed < 20000 / 4);
	auth_free(&a);
}

int
main(void)
{
	static struct unit_list l;

	UNIT_TABLE(&l, vector_cases, test_vector);
	UNIT_TEST(&l, test_digest_too_long);
	UNIT_TABLE(&l, create_cases, test_create);
	UNIT_TABLE(&l, add_cases, test_add_user);
	UNIT_TEST(&l, test_add_many);
	UNIT_TABLE(&l, challenge_cases, test_challenge);
	UNIT_TEST(&l, test_inherit);
	UNIT_TABLE(&l, check_cases, test_check);
	UNIT_TABLE(&l, garbage_cases, test_garbage);
	UNIT_TEST(&l, test_missing_header);
	UNIT_TEST(&l, test_no_users);
	UNIT_TEST(&l, test_unknown_user_dummy);
	UNIT_TEST(&l, test_field_bounds);
	UNIT_TEST(&l, test_huge);
	UNIT_TEST(&l, test_random);
	UNIT_TEST(&l, test_mutate);
	return unit_run("auth", &l);
}
