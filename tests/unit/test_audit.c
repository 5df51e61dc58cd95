/*
 * Unit tests for keys/audit: the tamper-evident audit log, with real
 * libsodium and real files in a temporary directory.
 *
 * - escaping of awkward strings (TAB, LF, %, controls, UTF-8), written
 *   and read back;
 * - the writer's output checked against the spec by code in this file
 *   (its own BLAKE2b chain and Ed25519 checks), and a log written by this
 *   file's own writer accepted by the verifier;
 * - a table of tamperings of a real log (a bit flipped in every field,
 *   records removed, swapped, duplicated, truncated, forged with another
 *   key, the whole log re-keyed), each caught at the right line;
 * - the key file (mode 0600, O_EXCL, O_NOFOLLOW, refused when missing,
 *   without its log, too open, of another log) and locking between
 *   threads and processes.
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "../../keys/audit.h"
#include "../../util/err.h"

#define PATH_CAP 512
#define BASE_LINES 6	/* records in the base log, log.open included */
#define MIDDLE 3	/* the record the field flips hit */

static char dir[PATH_CAP];

/* ---- helpers ----------------------------------------------------------- */

static void
tp(char *out, const char *name)
{
	int n = snprintf(out, PATH_CAP, "%s/%s", dir, name);

	assert_true(n > 0 && n < PATH_CAP);
}

struct text {
	char *p;
	size_t n;
};

static struct text
slurp(const char *path)
{
	struct text t = { NULL, 0 };
	struct stat st;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	t.n = (size_t)st.st_size;
	t.p = malloc(t.n + 1);
	assert_non_null(t.p);
	assert_int_equal(read(fd, t.p, t.n), (ssize_t)t.n);
	t.p[t.n] = '\0';
	close(fd);
	return t;
}

static void
spit(const char *path, const char *p, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static void
copy_file(const char *from, const char *to, mode_t mode)
{
	struct text t = slurp(from);

	unlink(to);
	spit(to, t.p, t.n, mode);
	free(t.p);
}

static int
same_file(const char *path, struct text want)
{
	struct text t = slurp(path);
	int same = t.n == want.n && memcmp(t.p, want.p, t.n) == 0;

	free(t.p);
	return same;
}

static struct audit_record
rec(const char *event, const char *actor, const char *case_id,
    const char *scope, const char *result)
{
	return (struct audit_record){ event, actor, case_id, scope, result };
}

static void
append_ok(struct audit *a, struct audit_record r)
{
	char *cause = NULL;
	int ret = audit_append(a, &r, &cause);

	if (ret < 0)
		fail_msg("audit_append: %s", cause ? cause : err_str(ret));
}

static void
log_ok(const char *path, struct audit_record r)
{
	char *cause = NULL;
	int ret = audit_log(path, &r, &cause);

	if (ret < 0)
		fail_msg("audit_log: %s", cause ? cause : err_str(ret));
}

static int64_t
verify_path(const char *path, const uint8_t *pin, struct audit_verify_result *res)
{
	char *cause = NULL;
	int ret = audit_verify_file(path, pin, res, &cause);

	if (ret < 0 && ret != ERR_CORRUPT)
		fail_msg("audit_verify_file: %s", cause ? cause : err_str(ret));
	free(cause);
	return ret == 0 ? res->records : -res->bad_line;
}

/* Open must fail with ret (0: any) and a cause containing want. */
static void
open_fails(const char *path, int ret_want, const char *want)
{
	struct audit *a = NULL;
	char *cause = NULL;
	int ret = audit_open_wait(path, 0, &a, &cause);

	assert_true(ret < 0);
	assert_null(a);
	if (ret_want != 0)
		assert_int_equal(ret, ret_want);
	assert_non_null(cause);
	if (strstr(cause, want) == NULL)
		fail_msg("cause '%s' lacks '%s'", cause, want);
	free(cause);
}

/* Byte offset and length of line k (1-based, without LF). */
static void
line_at(const struct text *t, int k, size_t *off, size_t *len)
{
	size_t o = 0;

	for (int i = 1; i < k; i++) {
		const char *nl = memchr(t->p + o, '\n', t->n - o);

		assert_non_null(nl);
		o = (size_t)(nl - t->p) + 1;
	}
	assert_true(o < t->n);
	*off = o;
	const char *nl = memchr(t->p + o, '\n', t->n - o);
	*len = nl != NULL ? (size_t)(nl - (t->p + o)) : t->n - o;
}

/* Offset and length of field j (0-based) of line k. */
static void
field_at(const struct text *t, int k, int j, size_t *off, size_t *len)
{
	size_t lo, ll, o;

	line_at(t, k, &lo, &ll);
	o = lo;
	for (int i = 0; i < j; i++) {
		const char *tab = memchr(t->p + o, '\t', lo + ll - o);

		assert_non_null(tab);
		o = (size_t)(tab - t->p) + 1;
	}
	const char *tab = memchr(t->p + o, '\t', lo + ll - o);
	*off = o;
	*len = tab != NULL ? (size_t)(tab - (t->p + o)) : lo + ll - o;
}

/* Replace del bytes at off with ins (n bytes). */
static void
text_splice(struct text *t, size_t off, size_t del, const char *ins, size_t n)
{
	char *p = malloc(t->n - del + n + 1);

	assert_non_null(p);
	assert_true(off + del <= t->n);
	memcpy(p, t->p, off);
	memcpy(p + off, ins, n);
	memcpy(p + off + n, t->p + off + del, t->n - off - del);
	t->n = t->n - del + n;
	p[t->n] = '\0';
	free(t->p);
	t->p = p;
}

static int
nlines(const struct text *t)
{
	int n = 0;

	for (size_t i = 0; i < t->n; i++)
		n += t->p[i] == '\n';
	return n;
}

static void
hash(uint8_t out[32], const char *p, size_t n)
{
	crypto_generichash(out, 32, (const unsigned char *)p, n, NULL, 0);
}

/*
 * This file's own writer, straight from docs/KEYS.md: f[0..7] are the
 * fields version..result as they appear in the line (escaped).
 */
static char *
tline(const char *const f[8], const uint8_t prev[32], const uint8_t sk[64])
{
	char prevhex[65], sighex[129], *body, *line;
	uint8_t sig[64];

	sodium_bin2hex(prevhex, sizeof prevhex, prev, 32);
	assert_true(asprintf(&body, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s", f[0], f[1],
	    f[2], f[3], f[4], f[5], f[6], f[7], prevhex) > 0);
	crypto_sign_ed25519_detached(sig, NULL, (unsigned char *)body, strlen(body), sk);
	sodium_bin2hex(sighex, sizeof sighex, sig, 64);
	assert_true(asprintf(&line, "%s\t%s", body, sighex) > 0);
	free(body);
	return line;
}

/* Split line k into its 10 fields (malloc'd strings). */
static void
split(const struct text *t, int k, char *f[10])
{
	for (int j = 0; j < 10; j++) {
		size_t off, len;

		field_at(t, k, j, &off, &len);
		f[j] = strndup(t->p + off, len);
		assert_non_null(f[j]);
	}
}

static void
free_fields(char *f[10])
{
	for (int j = 0; j < 10; j++)
		free(f[j]);
}

/* A key pair from a fixed seed string. */
static void
keypair(const char *seedstr, uint8_t pk[32], uint8_t sk[64])
{
	uint8_t seed[32];

	crypto_generichash(seed, 32, (const unsigned char *)seedstr,
	    strlen(seedstr), NULL, 0);
	crypto_sign_ed25519_seed_keypair(pk, sk, seed);
}

/* ---- the base log: written once by the real writer --------------------- */

static struct text base;
static uint8_t base_pk[32];
static char base_path[PATH_CAP];

static const struct audit_record base_recs[BASE_LINES - 1] = {
	{ "keys.init", "judge Zoë Ñandú", "AZ 12/2026", "holders=3 k=2", "ok" },
	{ "unlock.request", "alice\tadmin", "case\n42 100%",
	  "cam=front door;window=2026-11-01T10:00:00Z/PT5M", "denied: 2 of 3 approvals" },
	{ "unlock.approve", "bob", "case\n42 100%", "share 2", "ok" },
	{ "unlock.restore", "alice\tadmin", "case\n42 100%", "items=17 🙂", "ok" },
	{ "proxy.reload", "camveil proxy", "", "config=/etc/camveil.yml", "ok" },
};

static const struct text *
base_log(void)
{
	struct audit_verify_result res;
	struct audit *a;
	char *cause = NULL;

	if (base.p != NULL)
		return &base;
	tp(base_path, "base.log");
	if (audit_open(base_path, &a, &cause) < 0)
		fail_msg("audit_open: %s", cause);
	for (size_t i = 0; i < NELEM(base_recs); i++)
		append_ok(a, base_recs[i]);
	audit_free(&a);
	assert_null(a);
	base = slurp(base_path);
	assert_int_equal(audit_verify_buf(base.p, base.n, NULL, &res), 0);
	assert_int_equal(res.records, BASE_LINES);
	memcpy(base_pk, res.pk, 32);
	return &base;
}

/* ---- escaping ------------------------------------------------------------ */

struct esc_case {
	const char *name;
	const char *in;
	const char *want;	/* as it appears in the line */
};

static struct esc_case esc_cases[] = {
	{ "escape/plain", "unlock.request", "unlock.request" },
	{ "escape/empty", "", "" },
	{ "escape/tab", "a\tb", "a%09b" },
	{ "escape/lf", "line1\nline2", "line1%0Aline2" },
	{ "escape/cr", "x\r", "x%0D" },
	{ "escape/crlf", "\r\n", "%0D%0A" },
	{ "escape/percent", "100%", "100%25" },
	{ "escape/percent_looks_escaped", "%41%0A%", "%2541%250A%25" },
	{ "escape/del", "a\x7f", "a%7F" },
	{ "escape/terminal_escape", "\x1b[2J", "%1B[2J" },
	{ "escape/controls", "\x01\x02\x1f", "%01%02%1F" },
	{ "escape/utf8_verbatim", "Zoë Ñandú 東京 🙂", "Zoë Ñandú 東京 🙂" },
	{ "escape/high_bytes_verbatim", "\xc2\x9b\xff", "\xc2\x9b\xff" },
	{ "escape/backslash_verbatim", "a\\tb\\", "a\\tb\\" },
	{ "escape/spaces", " lead  trail ", " lead  trail " },
	{ "escape/everything", "\t%\n🙂\r", "%09%25%0A🙂%0D" },
};

static void
test_escape(void **state)
{
	const struct esc_case *c = *state;
	struct audit_verify_result res;
	char path[PATH_CAP], *f[10];
	struct text t;
	int n;

	tp(path, "escape.log");
	log_ok(path, rec("test.escape", c->in, c->in, c->in, c->in));
	t = slurp(path);
	n = nlines(&t);
	split(&t, n, f);
	for (int j = 4; j <= 7; j++) {
		size_t len;

		assert_string_equal(f[j], c->want);
		len = audit_unescape(f[j], strlen(f[j]));
		assert_int_equal(len, strlen(c->in));
		assert_memory_equal(f[j], c->in, len);
	}
	assert_string_equal(f[3], "test.escape");
	free_fields(f);
	assert_int_equal(verify_path(path, NULL, &res), n);
	free(t.p);
}

struct unesc_case {
	const char *name;
	const char *in;
	const char *want;
};

static struct unesc_case unesc_cases[] = {
	{ "unescape/plain", "abc", "abc" },
	{ "unescape/all", "%09%0A%0D%25%7F", "\t\n\r%\x7f" },
	{ "unescape/lowercase_hex", "%0a", "\n" },
	{ "unescape/lone_percent_kept", "100%", "100%" },
	{ "unescape/short_escape_kept", "a%4", "a%4" },
	{ "unescape/bad_hex_kept", "%zz%g1", "%zz%g1" },
	{ "unescape/empty", "", "" },
};

static void
test_unescape(void **state)
{
	const struct unesc_case *c = *state;
	char *s = strdup(c->in);
	size_t n;

	assert_non_null(s);
	n = audit_unescape(s, strlen(s));
	assert_int_equal(n, strlen(c->want));
	assert_string_equal(s, c->want);
	free(s);
}

/* ---- the writer against the spec --------------------------------------- */

/* A new log holds one record: log.open with the public key, prev zero. */
static void
test_first_record(void **state)
{
	struct audit_verify_result res;
	struct audit *a;
	char path[PATH_CAP], *cause = NULL, *f[10], pkhex[65];
	struct tm tm = { 0 };
	struct text t;
	uint8_t sig[64];
	size_t off, len;

	(void)state;
	tp(path, "first.log");
	assert_int_equal(audit_open(path, &a, &cause), 0);
	audit_free(&a);
	t = slurp(path);
	assert_int_equal(nlines(&t), 1);
	assert_int_equal(t.p[t.n - 1], '\n');
	split(&t, 1, f);
	assert_int_equal(verify_path(path, NULL, &res), 1);
	sodium_bin2hex(pkhex, sizeof pkhex, res.pk, 32);
	assert_string_equal(f[0], "1");
	assert_string_equal(f[1], "1");
	assert_int_equal(strlen(f[2]), 20);
	assert_non_null(strptime(f[2], "%Y-%m-%dT%H:%M:%SZ", &tm));
	assert_true(llabs((long long)(timegm(&tm) - time(NULL))) < 60);
	assert_string_equal(f[3], "log.open");
	assert_string_equal(f[4], "camveil");
	assert_string_equal(f[5], "");
	assert_string_equal(f[6] + 3, pkhex);
	assert_memory_equal(f[6], "pk=", 3);
	assert_string_equal(f[7], "ok");
	assert_string_equal(f[8], "0000000000000000000000000000000000000000000000000000000000000000");
	assert_int_equal(strlen(f[9]), 128);
	assert_int_equal(sodium_hex2bin(sig, 64, f[9], 128, NULL, NULL, NULL), 0);
	field_at(&t, 1, 9, &off, &len);
	assert_int_equal(crypto_sign_ed25519_verify_detached(sig,
	    (unsigned char *)t.p, off - 1, res.pk), 0);
	free_fields(f);
	free(t.p);
}

/* Every line of a real log: prev is BLAKE2b-256 of the line before, the
 * signature covers the line up to its last TAB, seq counts from 1. */
static void
test_chain_by_hand(void **state)
{
	const struct text *t = base_log();
	uint8_t prev[32] = { 0 }, got[32], sig[64];

	(void)state;
	for (int k = 1; k <= BASE_LINES; k++) {
		size_t lo, ll, off, len;
		char *f[10], seq[8];

		line_at(t, k, &lo, &ll);
		split(t, k, f);
		snprintf(seq, sizeof seq, "%d", k);
		assert_string_equal(f[1], seq);
		assert_int_equal(sodium_hex2bin(got, 32, f[8], 64, NULL, NULL, NULL), 0);
		assert_memory_equal(got, prev, 32);
		assert_int_equal(sodium_hex2bin(sig, 64, f[9], 128, NULL, NULL, NULL), 0);
		field_at(t, k, 9, &off, &len);
		assert_int_equal(crypto_sign_ed25519_verify_detached(sig,
		    (unsigned char *)t->p + lo, off - 1 - lo, base_pk), 0);
		hash(prev, t->p + lo, ll);
		free_fields(f);
	}
}

/* A log written by this file's writer (fixed key and times, a leap day)
 * is accepted: the verifier follows the spec, not just its own writer. */
static void
test_independent_writer(void **state)
{
	static const char *const recs[][8] = {
		{ "1", "1", "2028-02-29T23:59:59Z", "log.open", "camveil", "", NULL, "ok" },
		{ "1", "2", "2028-03-01T00:00:00Z", "keys.init", "Zoë%09M", "c%0A1", "k=2", "ok" },
		{ "1", "3", "1999-12-31T23:59:59Z", "x", "", "", "", "" },
		{ "1", "4", "2000-02-29T00:00:00Z", "unlock.request", "a%25b", "", "🙂", "ok" },
	};
	struct audit_verify_result res;
	uint8_t pk[32], sk[64], prev[32] = { 0 };
	char scope[68], *text = NULL;
	size_t n = 0;

	(void)state;
	keypair("independent", pk, sk);
	memcpy(scope, "pk=", 3);
	sodium_bin2hex(scope + 3, 65, pk, 32);
	for (size_t i = 0; i < NELEM(recs); i++) {
		const char *f[8];
		char *line;

		memcpy(f, recs[i], sizeof f);
		if (f[6] == NULL)
			f[6] = scope;
		line = tline(f, prev, sk);
		hash(prev, line, strlen(line));
		text = realloc(text, n + strlen(line) + 1);
		assert_non_null(text);
		memcpy(text + n, line, strlen(line));
		n += strlen(line);
		text[n++] = '\n';
		free(line);
	}
	assert_int_equal(audit_verify_buf(text, n, pk, &res), 0);
	assert_int_equal(res.records, 4);
	assert_int_equal(res.bad_line, 0);
	assert_memory_equal(res.pk, pk, 32);
	free(text);
}

/* ---- tampering ----------------------------------------------------------- */

struct tamper_case;
typedef void (*mutate_fn)(struct text *, const struct tamper_case *);

struct tamper_case {
	const char *name;
	mutate_fn mutate;
	int line;		/* the line (or first line) the mutation touches */
	int field;		/* for flips and substitutions */
	unsigned char mask;	/* for flips (0: 0x01) */
	const char *from, *to;	/* for substitutions within the field */
	int pin;		/* verify pinned to the base log's key */
	int64_t want_line;	/* first bad line, 0 if the log verifies */
	int64_t want_records;	/* if want_line == 0 */
	const char *want;	/* substring of the reason, NULL: any */
};

static void
m_none(struct text *t, const struct tamper_case *c)
{
	(void)t;
	(void)c;
}

/* Flip bits of the middle byte of a field (or, with field 10 + j, of
 * the TAB after field j; field 20: of the line's LF). */
static void
m_flip(struct text *t, const struct tamper_case *c)
{
	unsigned char mask = c->mask != 0 ? c->mask : 0x01;
	size_t off, len;

	if (c->field == 20) {
		line_at(t, c->line, &off, &len);
		off += len;
	} else if (c->field >= 10) {
		field_at(t, c->line, c->field - 10, &off, &len);
		off += len;
	} else {
		field_at(t, c->line, c->field, &off, &len);
		assert_true(len > 0);
		off += len / 2;
	}
	t->p[off] ^= (char)mask;
}

static void
m_subst(struct text *t, const struct tamper_case *c)
{
	size_t off, len;
	char *at;

	field_at(t, c->line, c->field, &off, &len);
	at = memmem(t->p + off, len, c->from, strlen(c->from));
	assert_non_null(at);
	text_splice(t, (size_t)(at - t->p), strlen(c->from), c->to, strlen(c->to));
}

static void
m_set(struct text *t, const struct tamper_case *c)
{
	size_t off, len;

	field_at(t, c->line, c->field, &off, &len);
	text_splice(t, off, len, c->to, strlen(c->to));
}

static void
m_delete(struct text *t, const struct tamper_case *c)
{
	size_t off, len;

	line_at(t, c->line, &off, &len);
	text_splice(t, off, len + 1, "", 0);
}

static void
m_swap(struct text *t, const struct tamper_case *c)
{
	size_t o1, l1, o2, l2;
	char *a, *b;

	line_at(t, c->line, &o1, &l1);
	line_at(t, c->line + 1, &o2, &l2);
	a = strndup(t->p + o1, l1);
	b = strndup(t->p + o2, l2);
	text_splice(t, o1, l1 + 1 + l2, "", 0);
	text_splice(t, o1, 0, a, l1);
	text_splice(t, o1, 0, "\n", 1);
	text_splice(t, o1, 0, b, l2);
	free(a);
	free(b);
}

/* Insert a copy of line `field` after line `line`. */
static void
m_copy_after(struct text *t, const struct tamper_case *c)
{
	size_t off, len, at, alen;
	char *copy;

	line_at(t, c->field, &off, &len);
	copy = strndup(t->p + off, len + 1);
	line_at(t, c->line, &at, &alen);
	text_splice(t, at + alen + 1, 0, copy, len + 1);
	free(copy);
}

/* Cut the text: in the middle of line `line`, or (field > 0) its last
 * `field` bytes. */
static void
m_cut(struct text *t, const struct tamper_case *c)
{
	size_t off, len;

	if (c->field > 0) {
		t->n -= (size_t)c->field;
		return;
	}
	line_at(t, c->line, &off, &len);
	t->n = off + len / 2;
}

/* Put a record signed with another key at line `line` (replacing it if
 * it exists), with the right seq and prev. */
static void
m_forge(struct text *t, const struct tamper_case *c)
{
	uint8_t pk[32], sk[64], prev[32];
	char seq[8], *line;
	const char *f[8] = { "1", seq, "2026-11-22T10:00:00Z", "unlock.restore",
	    "mallory", "", "everything", "ok" };
	size_t off, len;

	keypair("mallory", pk, sk);
	snprintf(seq, sizeof seq, "%d", c->line);
	line_at(t, c->line - 1, &off, &len);
	hash(prev, t->p + off, len);
	line = tline(f, prev, sk);
	if (c->line <= nlines(t)) {
		line_at(t, c->line, &off, &len);
		text_splice(t, off, len, line, strlen(line));
	} else {
		text_splice(t, t->n, 0, line, strlen(line));
		text_splice(t, t->n, 0, "\n", 1);
	}
	free(line);
}

/* Rewrite the whole log under a new key: new pk in the first record,
 * every prev and signature recomputed. */
static void
m_rekey(struct text *t, const struct tamper_case *c)
{
	struct text out = { calloc(1, 1), 0 };
	uint8_t pk[32], sk[64], prev[32] = { 0 };
	char scope[68];
	int n = nlines(t);

	(void)c;
	keypair("rekey", pk, sk);
	memcpy(scope, "pk=", 3);
	sodium_bin2hex(scope + 3, 65, pk, 32);
	for (int k = 1; k <= n; k++) {
		char *f[10], *line;
		const char *g[8];

		split(t, k, f);
		memcpy(g, f, sizeof g);
		if (k == 1)
			g[6] = scope;
		line = tline(g, prev, sk);
		hash(prev, line, strlen(line));
		text_splice(&out, out.n, 0, line, strlen(line));
		text_splice(&out, out.n, 0, "\n", 1);
		free(line);
		free_fields(f);
	}
	free(t->p);
	*t = out;
}

/* Replace the first record's public key, without re-signing. */
static void
m_other_pk(struct text *t, const struct tamper_case *c)
{
	uint8_t pk[32], sk[64];
	char hex[65];
	size_t off, len;

	(void)c;
	keypair("mallory", pk, sk);
	sodium_bin2hex(hex, sizeof hex, pk, 32);
	field_at(t, 1, 6, &off, &len);
	memcpy(t->p + off + 3, hex, 64);
}

static void
m_crlf(struct text *t, const struct tamper_case *c)
{
	(void)c;
	for (size_t i = 0; i < t->n; i++)
		if (t->p[i] == '\n') {
			text_splice(t, i, 0, "\r", 1);
			i++;
		}
}

static void
m_replace_all(struct text *t, const struct tamper_case *c)
{
	free(t->p);
	t->n = strlen(c->to);
	t->p = strdup(c->to);
}

static void
m_append(struct text *t, const struct tamper_case *c)
{
	text_splice(t, t->n, 0, c->to, strlen(c->to));
}

static void
m_long_line(struct text *t, const struct tamper_case *c)
{
	char *l = malloc(AUDIT_LINE_MAX + 2);

	(void)c;
	memset(l, 'x', AUDIT_LINE_MAX + 1);
	l[AUDIT_LINE_MAX + 1] = '\n';
	text_splice(t, t->n, 0, l, AUDIT_LINE_MAX + 2);
	free(l);
}

static void
m_uppercase(struct text *t, const struct tamper_case *c)
{
	size_t off, len;

	field_at(t, c->line, c->field, &off, &len);
	for (size_t i = off; i < off + len; i++)
		if (t->p[i] >= 'a' && t->p[i] <= 'f')
			t->p[i] -= 32;
}

#define N BASE_LINES
static struct tamper_case tamper_cases[] = {
	{ "intact", m_none, .want_records = N },
	{ "intact/pinned", m_none, .pin = 1, .want_records = N },
	/* A bit flipped in each field of the middle record. */
	{ "flip/version", m_flip, MIDDLE, 0, .want_line = MIDDLE, .want = "version" },
	{ "flip/seq", m_flip, MIDDLE, 1, .want_line = MIDDLE, .want = "sequence" },
	{ "flip/time", m_flip, MIDDLE, 2, .want_line = MIDDLE, .want = "time" },
	{ "flip/event", m_flip, MIDDLE, 3, .want_line = MIDDLE, .want = "signature" },
	{ "flip/actor", m_flip, MIDDLE, 4, .want_line = MIDDLE, .want = "signature" },
	{ "flip/case", m_flip, MIDDLE, 5, .want_line = MIDDLE, .want = "signature" },
	{ "flip/scope", m_flip, MIDDLE, 6, .want_line = MIDDLE, .want = "signature" },
	{ "flip/result", m_flip, MIDDLE, 7, .want_line = MIDDLE, .want = "signature" },
	{ "flip/prev", m_flip, MIDDLE, 8, .want_line = MIDDLE, .want = "prev" },
	{ "flip/sig", m_flip, MIDDLE, 9, .want_line = MIDDLE, .want = "sig" },
	{ "flip/event_high_bit", m_flip, MIDDLE, 3, 0x80, .want_line = MIDDLE,
	  .want = "signature" },
	{ "flip/tab_after_actor", m_flip, MIDDLE, 14, .want_line = MIDDLE,
	  .want = "fields" },
	{ "flip/lf_joins_lines", m_flip, MIDDLE, 20, .want_line = MIDDLE,
	  .want = "fields" },
	{ "flip/first_record_time", m_flip, 1, 2, 0x02, .want_line = 1 },
	{ "flip/last_record_sig", m_flip, N, 9, .want_line = N, .want = "sig" },
	/* Records removed, reordered, inserted. */
	{ "delete/middle", m_delete, MIDDLE, .want_line = MIDDLE, .want = "sequence" },
	{ "delete/first", m_delete, 1, .want_line = 1, .want = "sequence" },
	{ "delete/last_is_not_detectable", m_delete, N, .want_records = N - 1 },
	{ "swap/middle", m_swap, MIDDLE, .want_line = MIDDLE, .want = "sequence" },
	{ "swap/first_two", m_swap, 1, .want_line = 1, .want = "sequence" },
	{ "duplicate/middle", m_copy_after, MIDDLE, MIDDLE, .want_line = MIDDLE + 1,
	  .want = "sequence" },
	{ "duplicate/last", m_copy_after, N, N, .want_line = N + 1, .want = "sequence" },
	{ "insert/first_record_again", m_copy_after, MIDDLE, 1,
	  .want_line = MIDDLE + 1, .want = "sequence" },
	/* Truncated writes. */
	{ "truncate/last_newline", m_cut, N, 1, .want_line = N, .want = "newline" },
	{ "truncate/last_line_half", m_cut, N, .want_line = N, .want = "newline" },
	{ "truncate/in_middle", m_cut, MIDDLE, .want_line = MIDDLE, .want = "newline" },
	/* Forgeries. */
	{ "forge/append_other_key", m_forge, N + 1, .want_line = N + 1,
	  .want = "signature" },
	{ "forge/replace_other_key", m_forge, MIDDLE, .want_line = MIDDLE,
	  .want = "signature" },
	{ "forge/first_pk_replaced", m_other_pk, .want_line = 1, .want = "signature" },
	{ "forge/rekeyed_unpinned_verifies", m_rekey, .want_records = N },
	{ "forge/rekeyed_caught_by_pin", m_rekey, .pin = 1, .want_line = 1,
	  .want = "pin" },
	/* Substitutions the signature would catch too, caught earlier. */
	{ "field/seq_leading_zero", m_subst, MIDDLE, 1, 0, "3", "03",
	  .want_line = MIDDLE, .want = "bad sequence" },
	{ "field/seq_not_a_number", m_subst, MIDDLE, 1, 0, "3", "3a",
	  .want_line = MIDDLE, .want = "bad sequence" },
	{ "field/tab_inserted", m_subst, MIDDLE, 6, 0, " ", "\t",
	  .want_line = MIDDLE, .want = "11 fields" },
	{ "field/time_feb_30", m_set, MIDDLE, 2, .to = "2026-02-30T10:00:00Z",
	  .want_line = MIDDLE, .want = "time" },
	{ "field/time_feb_29_not_leap", m_set, MIDDLE, 2, .to = "2027-02-29T10:00:00Z",
	  .want_line = MIDDLE, .want = "time" },
	{ "field/time_hour_24", m_set, MIDDLE, 2, .to = "2026-11-22T24:00:00Z",
	  .want_line = MIDDLE, .want = "time" },
	{ "field/time_no_z", m_set, MIDDLE, 2, .to = "2026-11-22T10:00:00",
	  .want_line = MIDDLE, .want = "time" },
	{ "field/time_offset", m_set, MIDDLE, 2, .to = "2026-11-22T10:00:00+01:00",
	  .want_line = MIDDLE, .want = "time" },
	{ "field/time_valid_but_changed", m_set, MIDDLE, 2, .to = "2028-02-29T10:00:00Z",
	  .want_line = MIDDLE, .want = "signature" },
	{ "field/raw_control", m_subst, MIDDLE, 4, 0, "admin", "ad\x01min",
	  .want_line = MIDDLE, .want = "control" },
	{ "field/raw_cr", m_subst, MIDDLE, 7, 0, "denied", "de\rnied",
	  .want_line = MIDDLE, .want = "control" },
	{ "field/noncanonical_escape", m_subst, MIDDLE, 4, 0, "%09", "%41",
	  .want_line = MIDDLE, .want = "escape" },
	{ "field/lowercase_escape", m_subst, MIDDLE, 5, 0, "%0A", "%0a",
	  .want_line = MIDDLE, .want = "escape" },
	{ "field/cut_escape", m_subst, MIDDLE, 5, 0, "%25", "%2",
	  .want_line = MIDDLE, .want = "escape" },
	{ "field/uppercase_sig", m_uppercase, MIDDLE, 9, .want_line = MIDDLE,
	  .want = "sig is not" },
	{ "field/short_prev", m_subst, MIDDLE, 8, 0, "", "0",
	  .want_line = MIDDLE, .want = "prev is not" },
	{ "field/second_log_open", m_subst, MIDDLE, 3, 0, "unlock.request",
	  "log.open", .want_line = MIDDLE, .want = "log.open after" },
	{ "field/first_not_log_open", m_subst, 1, 3, 0, "open", "shut",
	  .want_line = 1, .want = "not log.open" },
	{ "field/first_scope_not_pk", m_subst, 1, 6, 0, "pk=", "pq=",
	  .want_line = 1, .want = "pk=" },
	{ "field/first_prev_not_zero", m_subst, 1, 8, 0, "0", "1",
	  .want_line = 1, .want = "not zero" },
	{ "field/version_2", m_subst, 2, 0, 0, "1", "2", .want_line = 2,
	  .want = "version" },
	/* Not a log. */
	{ "junk/empty", m_replace_all, .to = "", .want_line = 1, .want = "empty log" },
	{ "junk/lf_only", m_replace_all, .to = "\n", .want_line = 1, .want = "version" },
	{ "junk/text", m_replace_all, .to = "hello\tworld\n", .want_line = 1,
	  .want = "version" },
	{ "junk/binary", m_replace_all, .to = "\x01\xff\x00\x7f", .want_line = 1 },
	{ "junk/crlf_lines", m_crlf, .want_line = 1, .want = "sig is not" },
	{ "junk/blank_line_at_end", m_append, .to = "\n", .want_line = N + 1,
	  .want = "version" },
	{ "junk/long_line_at_end", m_long_line, .want_line = N + 1, .want = "longer" },
};
#undef N

static void
test_tamper(void **state)
{
	const struct tamper_case *c = *state;
	const struct text *b = base_log();
	struct audit_verify_result res;
	struct text t = { malloc(b->n + 1), b->n };
	int ret;

	memcpy(t.p, b->p, b->n + 1);
	c->mutate(&t, c);
	ret = audit_verify_buf(t.p, t.n, c->pin ? base_pk : NULL, &res);
	if (c->want_line == 0) {
		if (ret != 0)
			fail_msg("line %lld: %s", (long long)res.bad_line, res.reason);
		assert_int_equal(res.records, c->want_records);
		assert_int_equal(res.bad_line, 0);
	} else {
		assert_int_equal(ret, ERR_CORRUPT);
		if (res.bad_line != c->want_line)
			fail_msg("bad line %lld, want %lld: %s", (long long)res.bad_line,
			    (long long)c->want_line, res.reason);
		assert_int_equal(res.records, c->want_line - 1);
		assert_true(res.reason[0] != '\0');
		if (c->want != NULL && strstr(res.reason, c->want) == NULL)
			fail_msg("reason '%s' lacks '%s'", res.reason, c->want);
	}
	free(t.p);
}

/* ---- files, keys, locks ------------------------------------------------- */

/* FILE.key: 0600, a comment naming the log, the 64-byte key in hex whose
 * second half is the log's public key. */
static void
test_key_file(void **state)
{
	struct audit_verify_result res;
	char path[PATH_CAP], kpath[PATH_CAP], want[PATH_CAP + 64], pkhex[65];
	struct stat st;
	struct text k;
	char *nl;

	(void)state;
	tp(path, "keyfile.log");
	tp(kpath, "keyfile.log.key");
	log_ok(path, rec("keys.init", "x", "", "", "ok"));
	assert_int_equal(lstat(kpath, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);
	k = slurp(kpath);
	snprintf(want, sizeof want,
	    "untrusted comment: camveil audit log signing key for %s\n", path);
	assert_true(k.n == strlen(want) + 129);
	assert_memory_equal(k.p, want, strlen(want));
	nl = k.p + strlen(want);
	assert_int_equal(nl[128], '\n');
	for (int i = 0; i < 128; i++)
		assert_non_null(strchr("0123456789abcdef", nl[i]));
	assert_int_equal(verify_path(path, NULL, &res), 2);
	sodium_bin2hex(pkhex, sizeof pkhex, res.pk, 32);
	assert_memory_equal(nl + 64, pkhex, 64);
	free(k.p);
}

/* Reopening continues the chain. */
static void
test_reopen_continues(void **state)
{
	struct audit_verify_result res;
	struct audit *a;
	char path[PATH_CAP], *cause = NULL;

	(void)state;
	tp(path, "reopen.log");
	log_ok(path, rec("a", "", "", "", "ok"));
	log_ok(path, rec("b", "", "", "", "ok"));
	assert_int_equal(audit_open(path, &a, &cause), 0);
	append_ok(a, rec("c", "", "", "", "ok"));
	append_ok(a, rec("d", "", "", "", "ok"));
	audit_free(&a);
	audit_free(&a);		/* NULL is fine */
	assert_int_equal(verify_path(path, NULL, &res), 5);
}

static void
test_log_without_key(void **state)
{
	char path[PATH_CAP], kpath[PATH_CAP], moved[PATH_CAP];
	struct text before;

	(void)state;
	tp(path, "nokey.log");
	tp(kpath, "nokey.log.key");
	tp(moved, "nokey.key.moved");
	log_ok(path, rec("a", "", "", "", "ok"));
	assert_int_equal(rename(kpath, moved), 0);
	before = slurp(path);
	open_fails(path, -ENOENT, "nokey.log.key: missing");
	assert_true(same_file(path, before));
	assert_int_equal(access(kpath, F_OK), -1);	/* not recreated */
	free(before.p);
}

/* A key without its log: refused, the key is not overwritten (O_EXCL)
 * and no log appears. */
static void
test_key_without_log(void **state)
{
	char path[PATH_CAP], kpath[PATH_CAP];
	struct text key;

	(void)state;
	tp(path, "nolog.log");
	tp(kpath, "nolog.log.key");
	log_ok(path, rec("a", "", "", "", "ok"));
	assert_int_equal(unlink(path), 0);
	key = slurp(kpath);
	open_fails(path, -EEXIST, "exists but");
	assert_true(same_file(kpath, key));
	assert_int_equal(access(path, F_OK), -1);
	free(key.p);
}

/* A dangling FILE.key symlink is not followed to create its target. */
static void
test_key_symlink(void **state)
{
	char path[PATH_CAP], kpath[PATH_CAP], target[PATH_CAP];

	(void)state;
	tp(path, "symkey.log");
	tp(kpath, "symkey.log.key");
	tp(target, "symkey-target");
	assert_int_equal(symlink(target, kpath), 0);
	open_fails(path, 0, "symkey.log.key");
	assert_int_equal(access(target, F_OK), -1);
	assert_int_equal(access(path, F_OK), -1);
}

static void
test_log_symlink(void **state)
{
	char path[PATH_CAP], real[PATH_CAP];

	(void)state;
	tp(real, "real.log");
	tp(path, "link.log");
	log_ok(real, rec("a", "", "", "", "ok"));
	assert_int_equal(symlink(real, path), 0);
	open_fails(path, -ELOOP, "symbolic link");
}

static void
test_key_too_open(void **state)
{
	char path[PATH_CAP], kpath[PATH_CAP];

	(void)state;
	tp(path, "open.log");
	tp(kpath, "open.log.key");
	log_ok(path, rec("a", "", "", "", "ok"));
	assert_int_equal(chmod(kpath, 0640), 0);
	open_fails(path, ERR_CORRUPT, "mode 0640");
	assert_int_equal(chmod(kpath, 0600), 0);
	log_ok(path, rec("b", "", "", "", "ok"));
}

static void
test_key_of_other_log(void **state)
{
	char a[PATH_CAP], akey[PATH_CAP], b[PATH_CAP], bkey[PATH_CAP];

	(void)state;
	tp(a, "mine.log");
	tp(akey, "mine.log.key");
	tp(b, "theirs.log");
	tp(bkey, "theirs.log.key");
	log_ok(a, rec("a", "", "", "", "ok"));
	log_ok(b, rec("b", "", "", "", "ok"));
	copy_file(bkey, akey, 0600);
	open_fails(a, ERR_CORRUPT, "not the signing key");
}

struct keyfile_case {
	const char *name;
	const char *content;	/* NULL: the real key with its last digit changed */
	const char *want;
};

static struct keyfile_case keyfile_cases[] = {
	{ "keyfile/garbage", "hello\n", "not a camveil audit key file" },
	{ "keyfile/empty", "", "not a camveil audit key file" },
	{ "keyfile/no_comment", "00\n", "not a camveil audit key file" },
	{ "keyfile/short_key", "untrusted comment: x\nabcd\n",
	  "not a camveil audit key file" },
	{ "keyfile/halves_disagree", NULL, "damaged" },
};

static void
test_keyfile(void **state)
{
	const struct keyfile_case *c = *state;
	char path[PATH_CAP], kpath[PATH_CAP], name[64];

	snprintf(name, sizeof name, "kf-%s.log", c->name + 8);
	tp(path, name);
	snprintf(name, sizeof name, "kf-%s.log.key", c->name + 8);
	tp(kpath, name);
	log_ok(path, rec("a", "", "", "", "ok"));
	if (c->content != NULL) {
		spit(kpath, c->content, strlen(c->content), 0600);
	} else {
		struct text k = slurp(kpath);

		k.p[k.n - 2] = k.p[k.n - 2] == '0' ? '1' : '0';
		spit(kpath, k.p, k.n, 0600);
		free(k.p);
	}
	open_fails(path, ERR_CORRUPT, c->want);
}

/* The writer refuses to extend a log that does not verify, and leaves it. */
static void
test_open_refuses_tampered(void **state)
{
	char path[PATH_CAP], want[PATH_CAP + 8];
	struct text t;
	size_t off, len;

	(void)state;
	tp(path, "tampered.log");
	log_ok(path, rec("a", "alice", "", "", "ok"));
	log_ok(path, rec("b", "alice", "", "", "ok"));
	t = slurp(path);
	field_at(&t, 2, 4, &off, &len);
	t.p[off] = 'A';
	spit(path, t.p, t.n, 0600);
	snprintf(want, sizeof want, "%s:2: ", path);
	open_fails(path, ERR_CORRUPT, want);
	open_fails(path, ERR_CORRUPT, "refusing to append");
	assert_true(same_file(path, t));
	spit(path, "", 0, 0600);
	open_fails(path, ERR_CORRUPT, ":1: empty log");
	free(t.p);
}

static void
test_append_refusals(void **state)
{
	struct audit_verify_result res;
	struct audit *a;
	struct audit_record r = rec("log.open", "x", "", "", "ok");
	char path[PATH_CAP], *cause = NULL, *big;
	struct text before;

	(void)state;
	tp(path, "refusals.log");
	assert_int_equal(audit_open(path, &a, &cause), 0);
	before = slurp(path);
	assert_int_equal(audit_append(a, &r, &cause), ERR_INVAL);
	assert_non_null(strstr(cause, "log.open"));
	free(cause);
	big = malloc(AUDIT_LINE_MAX + 1);
	memset(big, 'x', AUDIT_LINE_MAX);
	big[AUDIT_LINE_MAX] = '\0';
	r = rec("big", "", "", big, "ok");
	assert_int_equal(audit_append(a, &r, &cause), ERR_INVAL);
	free(cause);
	assert_true(same_file(path, before));
	/* Just below the limit is fine. */
	big[AUDIT_LINE_MAX - 400] = '\0';
	r = rec("big", "", "", big, "ok");
	append_ok(a, r);
	append_ok(a, rec("after", "", "", "", "ok"));
	audit_free(&a);
	assert_int_equal(verify_path(path, NULL, &res), 3);
	free(big);
	free(before.p);
}

/* flock is advisory: a write behind the writer's back stops it. */
static void
test_outside_writer(void **state)
{
	struct audit_verify_result res;
	struct audit *a;
	struct audit_record r = rec("x", "", "", "", "ok");
	char path[PATH_CAP], *cause = NULL;
	int fd;

	(void)state;
	tp(path, "outside.log");
	assert_int_equal(audit_open(path, &a, &cause), 0);
	append_ok(a, rec("a", "", "", "", "ok"));
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "junk\n", 5), 5);
	close(fd);
	assert_int_equal(audit_append(a, &r, &cause), ERR_CORRUPT);
	assert_non_null(strstr(cause, "changed by another writer"));
	free(cause);
	assert_int_equal(audit_append(a, &r, &cause), ERR_IO);	/* stays refused */
	free(cause);
	audit_free(&a);
	assert_int_equal(verify_path(path, NULL, &res), -3);
}

static void
test_replaced(void **state)
{
	struct audit *a;
	struct audit_record r = rec("x", "", "", "", "ok");
	char path[PATH_CAP], other[PATH_CAP], *cause = NULL;

	(void)state;
	tp(path, "replaced.log");
	tp(other, "replacement.log");
	assert_int_equal(audit_open(path, &a, &cause), 0);
	copy_file(path, other, 0600);
	assert_int_equal(rename(other, path), 0);
	assert_int_equal(audit_append(a, &r, &cause), ERR_CORRUPT);
	assert_non_null(strstr(cause, "replaced"));
	free(cause);
	audit_free(&a);
}

static void
test_verify_file_errors(void **state)
{
	struct audit_verify_result res;
	char path[PATH_CAP], *cause = NULL;

	(void)state;
	tp(path, "does-not-exist.log");
	assert_int_equal(audit_verify_file(path, NULL, &res, &cause), ERR_IO);
	assert_non_null(strstr(cause, "does-not-exist.log: cannot open"));
	free(cause);
	tp(path, "vf.log");
	log_ok(path, rec("a", "", "", "", "ok"));
	log_ok(path, rec("b", "", "", "", "ok"));
	{
		struct text t = slurp(path);

		t.n--;		/* drop the last LF */
		spit(path, t.p, t.n, 0600);
		free(t.p);
	}
	assert_int_equal(audit_verify_file(path, NULL, &res, &cause), ERR_CORRUPT);
	assert_int_equal(res.bad_line, 3);
	assert_int_equal(res.records, 2);
	assert_non_null(strstr(cause, "vf.log:3: no newline"));
	free(cause);
}

/* Holders' records come in runs of 3 (one session each), never mixed. */
static void
check_runs(const char *path, int sessions)
{
	struct audit_verify_result res;
	struct text t;

	assert_int_equal(verify_path(path, NULL, &res), 1 + 3 * sessions);
	t = slurp(path);
	for (int s = 0; s < sessions; s++) {
		char *first[10];

		split(&t, 2 + 3 * s, first);
		for (int i = 0; i < 3; i++) {
			char *f[10], want[4];

			split(&t, 2 + 3 * s + i, f);
			snprintf(want, sizeof want, "%d", i + 1);
			assert_string_equal(f[4], first[4]);
			assert_string_equal(f[7], want);
			free_fields(f);
		}
		free_fields(first);
	}
	free(t.p);
}

/* One holder session: open (waiting), 3 records with pauses, close. */
static int
session(const char *path, const char *who)
{
	const struct timespec pause = { 0, 3 * 1000000L };
	struct audit *a;
	char *cause = NULL;
	int ret;

	if ((ret = audit_open_wait(path, -1, &a, &cause)) < 0) {
		fprintf(stderr, "%s: %s\n", who, cause);
		free(cause);
		return ret;
	}
	for (int i = 1; i <= 3 && ret == 0; i++) {
		char result[4];
		struct audit_record r = rec("lock.test", who, "", "", result);

		snprintf(result, sizeof result, "%d", i);
		ret = audit_append(a, &r, &cause);
		nanosleep(&pause, NULL);
	}
	free(cause);
	audit_free(&a);
	return ret;
}

struct opener {
	char path[PATH_CAP];
	atomic_int done;
	int ret;
};

static void *
second_opener(void *arg)
{
	struct opener *o = arg;

	o->ret = session(o->path, "thread");
	atomic_store(&o->done, 1);
	return NULL;
}

/* A second audit_open in the same process waits for the first to close. */
static void
test_lock_threads(void **state)
{
	const struct timespec wait = { 0, 200 * 1000000L };
	static struct opener o;
	struct audit *a;
	pthread_t th;
	char *cause = NULL;

	(void)state;
	tp(o.path, "threads.log");
	assert_int_equal(audit_open(o.path, &a, &cause), 0);
	assert_int_equal(pthread_create(&th, NULL, second_opener, &o), 0);
	nanosleep(&wait, NULL);
	assert_int_equal(atomic_load(&o.done), 0);	/* still waiting */
	for (int i = 1; i <= 3; i++) {
		char result[4];

		snprintf(result, sizeof result, "%d", i);
		append_ok(a, rec("lock.test", "main", "", "", result));
	}
	audit_free(&a);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(o.ret, 0);
	check_runs(o.path, 2);
}

static void
test_lock_timeout(void **state)
{
	struct audit *a, *b = NULL;
	char path[PATH_CAP], *cause = NULL;

	(void)state;
	tp(path, "timeout.log");
	assert_int_equal(audit_open(path, &a, &cause), 0);
	assert_int_equal(audit_open_wait(path, 50, &b, &cause), ERR_TIMEOUT);
	assert_null(b);
	assert_non_null(strstr(cause, "locked by another process"));
	free(cause);
	audit_free(&a);
	assert_int_equal(audit_open_wait(path, 0, &b, &cause), 0);
	audit_free(&b);
}

/* Two processes, each opening and appending 3 records 5 times, all at
 * once (starting with the creation of the log). */
static void
test_lock_processes(void **state)
{
	char path[PATH_CAP];
	int status, rc = 0;
	pid_t pid;

	(void)state;
	tp(path, "procs.log");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (int s = 0; s < 5 && rc == 0; s++)
			rc = session(path, "child");
		_exit(rc == 0 ? 0 : 1);
	}
	for (int s = 0; s < 5 && rc == 0; s++)
		rc = session(path, "parent");
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(rc, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	check_runs(path, 10);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
main(void)
{
	static struct unit_list l;
	int ret;

	if (sodium_init() < 0)
		return 1;
	snprintf(dir, sizeof dir, "/tmp/camveil-audit.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	UNIT_TABLE(&l, esc_cases, test_escape);
	UNIT_TABLE(&l, unesc_cases, test_unescape);
	UNIT_TEST(&l, test_first_record);
	UNIT_TEST(&l, test_chain_by_hand);
	UNIT_TEST(&l, test_independent_writer);
	UNIT_TABLE(&l, tamper_cases, test_tamper);
	UNIT_TEST(&l, test_key_file);
	UNIT_TEST(&l, test_reopen_continues);
	UNIT_TEST(&l, test_log_without_key);
	UNIT_TEST(&l, test_key_without_log);
	UNIT_TEST(&l, test_key_symlink);
	UNIT_TEST(&l, test_log_symlink);
	UNIT_TEST(&l, test_key_too_open);
	UNIT_TEST(&l, test_key_of_other_log);
	UNIT_TABLE(&l, keyfile_cases, test_keyfile);
	UNIT_TEST(&l, test_open_refuses_tampered);
	UNIT_TEST(&l, test_append_refusals);
	UNIT_TEST(&l, test_outside_writer);
	UNIT_TEST(&l, test_replaced);
	UNIT_TEST(&l, test_verify_file_errors);
	UNIT_TEST(&l, test_lock_threads);
	UNIT_TEST(&l, test_lock_timeout);
	UNIT_TEST(&l, test_lock_processes);
	ret = unit_run("audit", &l);
	free(base.p);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return ret;
}
