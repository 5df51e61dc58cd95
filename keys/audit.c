/*
 * The audit log (format: docs/KEYS.md "Audit log"). Unlocking sealed
 * faces is the one thing camveil does that exposes people, so every step
 * of it is written down here for the data protection officer, in a form
 * that shows later edits: each line is signed with the log's own Ed25519
 * key and names the BLAKE2b hash of the line before it.
 *
 * Text, not binary: the DPO reads it with less and grep, and can check
 * it with nothing but libsodium and the spec. One record per line, one
 * write() per record with O_APPEND under flock, then fsync: a crash
 * leaves at worst a last line without its newline, which verification
 * names. The writer checks the whole log with the verifier before it
 * appends, so it never extends a chain that is already broken.
 *
 * Everything read from a log is untrusted (the fuzzer feeds
 * audit_verify_buf): lines are parsed in place, by length, and reasons
 * never quote the bytes they complain about.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "../util/err.h"
#include "audit.h"

#define NFIELDS 10
#define HASH_BYTES 32			/* BLAKE2b-256 */
#define HASH_HEX (2 * HASH_BYTES)
#define PK_BYTES crypto_sign_ed25519_PUBLICKEYBYTES
#define SK_BYTES crypto_sign_ed25519_SECRETKEYBYTES
#define SEED_BYTES crypto_sign_ed25519_SEEDBYTES
#define SIG_BYTES crypto_sign_ed25519_BYTES
#define SIG_HEX (2 * SIG_BYTES)
#define TIME_LEN 20			/* 2026-11-22T10:00:00Z */
#define SEQ_DIGITS 18			/* fits int64_t */
#define OPEN_EVENT "log.open"
#define PK_PREFIX "pk="
#define KEY_COMMENT "untrusted comment: "
#define KEY_FILE_MAX 8192
#define LOCK_POLL_MS 10

enum {
	F_VERSION, F_SEQ, F_TIME, F_EVENT, F_ACTOR, F_CASE, F_SCOPE, F_RESULT,
	F_PREV, F_SIG
};

static const char *const field_name[NFIELDS] = {
	"version", "seq", "time", "event", "actor", "case", "scope", "result",
	"prev", "sig"
};

struct audit {
	char *path;
	int fd;				/* the log: O_APPEND, flock'd */
	int failed;			/* the file's state is unknown: refuse */
	dev_t dev;			/* the log we opened, to notice a */
	ino_t ino;			/* replacement */
	off_t size;			/* file size after our last record */
	int64_t seq;			/* of the last record */
	uint8_t prev[HASH_BYTES];	/* hash of the last line */
	unsigned char *sk;		/* sodium_malloc, SK_BYTES */
};

struct span {
	const char *p;
	size_t n;
};

/* ---- escaping ---------------------------------------------------------- */

static int
must_escape(unsigned char c)
{
	return c == '%' || c < 0x20 || c == 0x7f;
}

static size_t
escaped_len(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += must_escape((unsigned char)*s) ? 3 : 1;
	return n;
}

/* Write s escaped to out (escaped_len(s) bytes, no NUL); returns that. */
static size_t
escape(char *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (must_escape(c)) {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		} else {
			out[n++] = (char)c;
		}
	}
	return n;
}

static int
hexdigit(char c, int upper_ok, int lower_ok)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (upper_ok && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (lower_ok && c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

size_t
audit_unescape(char *s, size_t len)
{
	size_t i = 0, o = 0;

	while (i < len) {
		int hi, lo;

		if (s[i] == '%' && i + 2 < len &&
		    (hi = hexdigit(s[i + 1], 1, 1)) >= 0 &&
		    (lo = hexdigit(s[i + 2], 1, 1)) >= 0) {
			s[o++] = (char)(hi << 4 | lo);
			i += 3;
		} else {
			s[o++] = s[i++];
		}
	}
	s[o] = '\0';
	return o;
}

/* ---- verifying --------------------------------------------------------- */

static int bad(struct audit_verify_result *res, int64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record why line is bad; returns ERR_CORRUPT. */
static int
bad(struct audit_verify_result *res, int64_t line, const char *fmt, ...)
{
	va_list ap;

	res->bad_line = line;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof res->reason, fmt, ap);
	va_end(ap);
	return ERR_CORRUPT;
}

static int
span_is(struct span s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

static int
is_lower_hex(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (hexdigit(p[i], 0, 1) < 0)
			return 0;
	return 1;
}

/* Decode exactly 2 * n lowercase hex digits from s into out. */
static int
unhex(uint8_t *out, size_t n, struct span s)
{
	size_t got;

	if (s.n != 2 * n || !is_lower_hex(s.p, s.n))
		return -1;
	if (sodium_hex2bin(out, n, s.p, s.n, NULL, &got, NULL) != 0 || got != n)
		return -1;
	return 0;
}

/* Decimal 1..10^18-1 without leading zeros. */
static int
parse_seq(struct span s, int64_t *out)
{
	int64_t v = 0;

	if (s.n == 0 || s.n > SEQ_DIGITS || s.p[0] == '0')
		return -1;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return -1;
		v = v * 10 + (s.p[i] - '0');
	}
	*out = v;
	return 0;
}

static int
digits(const char *p, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* YYYY-MM-DDTHH:MM:SSZ, a real date and time of day. */
static int
check_time(struct span s)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, sec;

	if (s.n != TIME_LEN || s.p[4] != '-' || s.p[7] != '-' || s.p[10] != 'T' ||
	    s.p[13] != ':' || s.p[16] != ':' || s.p[19] != 'Z')
		return -1;
	y = digits(s.p, 4);
	mo = digits(s.p + 5, 2);
	d = digits(s.p + 8, 2);
	h = digits(s.p + 11, 2);
	mi = digits(s.p + 14, 2);
	sec = digits(s.p + 17, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
		return -1;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	return 0;
}

/* A text field as the writer escapes it: nothing raw below 0x20, %XX only
 * for bytes that need it, in upper case. One encoding per value. */
static int
check_text(struct span s, int field, int64_t line, struct audit_verify_result *res)
{
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		int hi, lo;

		if (c < 0x20 || c == 0x7f)
			return bad(res, line, "raw control character in %s",
			    field_name[field]);
		if (c != '%')
			continue;
		if (i + 2 >= s.n || (hi = hexdigit(s.p[i + 1], 1, 0)) < 0 ||
		    (lo = hexdigit(s.p[i + 2], 1, 0)) < 0 ||
		    !must_escape((unsigned char)(hi << 4 | lo)))
			return bad(res, line, "bad %%-escape in %s", field_name[field]);
		i += 2;
	}
	return 0;
}

/*
 * Check one line (n bytes, no LF) as record number `line`: prev is the
 * hash of the line before (zeros for the first) and becomes this line's.
 */
static int
check_line(const char *p, size_t n, int64_t line, uint8_t prev[HASH_BYTES],
    const uint8_t *pin, struct audit_verify_result *res)
{
	struct span f[NFIELDS];
	uint8_t got[HASH_BYTES], sig[SIG_BYTES];
	size_t nf = 0, start = 0;
	int64_t seq;
	int ret;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && p[i] != '\t')
			continue;
		if (nf < NFIELDS)
			f[nf] = (struct span){ p + start, i - start };
		nf++;
		start = i + 1;
	}
	/* The version first: another version may have other fields. */
	if (!span_is(f[F_VERSION], "1"))
		return bad(res, line, "unknown format version (want 1)");
	if (nf != NFIELDS)
		return bad(res, line, "%zu fields, want %d", nf, NFIELDS);
	if (parse_seq(f[F_SEQ], &seq) < 0)
		return bad(res, line, "bad sequence number");
	if (seq != line)
		return bad(res, line, "sequence number %" PRId64 ", want %" PRId64
		    " (record removed, reordered or inserted)", seq, line);
	if (check_time(f[F_TIME]) < 0)
		return bad(res, line, "bad time (want YYYY-MM-DDTHH:MM:SSZ)");
	for (int k = F_EVENT; k <= F_RESULT; k++)
		if ((ret = check_text(f[k], k, line, res)) < 0)
			return ret;
	if (unhex(got, HASH_BYTES, f[F_PREV]) < 0)
		return bad(res, line, "prev is not %d lowercase hex digits", HASH_HEX);
	if (memcmp(got, prev, HASH_BYTES) != 0) {
		if (line == 1)
			return bad(res, line, "prev of the first record is not zero "
			    "(records removed before it)");
		return bad(res, line, "prev does not match the hash of line %" PRId64
		    " (record removed, reordered or inserted)", line - 1);
	}
	if (line == 1) {
		struct span pk = { f[F_SCOPE].p + strlen(PK_PREFIX),
		    f[F_SCOPE].n - strlen(PK_PREFIX) };

		if (!span_is(f[F_EVENT], OPEN_EVENT))
			return bad(res, line, "first record is not " OPEN_EVENT);
		if (f[F_SCOPE].n < strlen(PK_PREFIX) ||
		    memcmp(f[F_SCOPE].p, PK_PREFIX, strlen(PK_PREFIX)) != 0 ||
		    unhex(res->pk, PK_BYTES, pk) < 0)
			return bad(res, line, "first record's scope is not "
			    "pk=<64 hex digits>");
		if (pin != NULL && memcmp(pin, res->pk, PK_BYTES) != 0)
			return bad(res, line, "public key does not match the pinned "
			    "key (pin mismatch: whole log rewritten?)");
	} else if (span_is(f[F_EVENT], OPEN_EVENT)) {
		return bad(res, line, OPEN_EVENT " after the first record");
	}
	if (unhex(sig, SIG_BYTES, f[F_SIG]) < 0)
		return bad(res, line, "sig is not %d lowercase hex digits", SIG_HEX);
	if (crypto_sign_ed25519_verify_detached(sig, (const unsigned char *)p,
	    (size_t)(f[F_SIG].p - 1 - p), res->pk) != 0)
		return bad(res, line, "bad signature (record edited, or signed "
		    "with another key)");
	crypto_generichash(prev, HASH_BYTES, (const unsigned char *)p, n, NULL, 0);
	return 0;
}

static int
crypto_ready(void)
{
	return sodium_init() < 0 ? ERR_IO : 0;
}

/* audit_verify_buf, also giving the hash of the last line. */
static int
verify_text(const char *text, size_t len, const uint8_t *pin,
    struct audit_verify_result *res, uint8_t last[HASH_BYTES])
{
	uint8_t prev[HASH_BYTES] = { 0 };
	int64_t line = 0;
	size_t off = 0;
	int ret;

	memset(res, 0, sizeof *res);
	memset(last, 0, HASH_BYTES);
	if ((ret = crypto_ready()) < 0)
		return ret;
	if (len == 0)
		return bad(res, 1, "empty log");
	while (off < len) {
		const char *p = text + off, *nl = memchr(p, '\n', len - off);
		size_t n = nl != NULL ? (size_t)(nl - p) : len - off;

		line++;
		if (nl == NULL)
			return bad(res, line, "no newline at the end of the last "
			    "line (truncated write)");
		if (n > AUDIT_LINE_MAX)
			return bad(res, line, "line longer than %d bytes",
			    AUDIT_LINE_MAX);
		if ((ret = check_line(p, n, line, prev, pin, res)) < 0)
			return ret;
		res->records = line;
		off += n + 1;
	}
	memcpy(last, prev, HASH_BYTES);
	return 0;
}

int
audit_verify_buf(const char *text, size_t len, const uint8_t *pin,
    struct audit_verify_result *res)
{
	uint8_t last[HASH_BYTES];

	return verify_text(text, len, pin, res, last);
}

/* ---- files ------------------------------------------------------------- */

/* Read the rest of fd into a malloc'd buffer. */
static int
read_all(int fd, char **out, size_t *len)
{
	struct stat st;
	size_t cap = 4096, n = 0;
	char *buf, *nb;
	ssize_t r;

	*out = NULL;
	*len = 0;
	if (fstat(fd, &st) == 0 && st.st_size > 0 &&
	    (uintmax_t)st.st_size < SIZE_MAX / 2)
		cap = (size_t)st.st_size + 1;
	if ((buf = malloc(cap)) == NULL)
		return ERR_NOMEM;
	for (;;) {
		if (n == cap) {
			if (cap > SIZE_MAX / 2 || (nb = realloc(buf, cap * 2)) == NULL) {
				free(buf);
				return ERR_NOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			free(buf);
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* Write all of buf (n bytes) with one write(); short writes are errors. */
static int
write_once(int fd, const void *buf, size_t n)
{
	ssize_t w;

	do
		w = write(fd, buf, n);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return -errno;
	return (size_t)w == n ? 0 : ERR_IO;
}

static const char *
write_err(int ret)
{
	return ret == ERR_IO ? "short write" : err_str(ret);
}

/* flock(LOCK_EX), waiting at most wait_ms (<0: forever). */
static int
lock_wait(int fd, int wait_ms)
{
	const struct timespec poll = { 0, LOCK_POLL_MS * 1000000L };
	int waited = 0;

	if (wait_ms < 0) {
		while (flock(fd, LOCK_EX) < 0)
			if (errno != EINTR)
				return -errno;
		return 0;
	}
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return -errno;
		if (waited >= wait_ms)
			return ERR_TIMEOUT;
		nanosleep(&poll, NULL);
		waited += LOCK_POLL_MS;
	}
}

/*
 * The signed line of a record, with its LF, in a malloc'd buffer; text
 * holds event, actor, case, scope, result unescaped.
 */
static int
record_format(int64_t seq, time_t now, const char *const text[5],
    const uint8_t prev[HASH_BYTES], const unsigned char *sk, char **out,
    size_t *outlen)
{
	uint8_t sig[SIG_BYTES];
	char when[TIME_LEN + 1];
	struct tm tm;
	size_t cap, n;
	char *p;

	*out = NULL;
	*outlen = 0;
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) != TIME_LEN)
		return ERR_INVAL;
	cap = 2 + SEQ_DIGITS + 1 + TIME_LEN + 1 + HASH_HEX + 1 + SIG_HEX;
	for (int k = 0; k < 5; k++)
		cap += escaped_len(text[k]) + 1;
	if (cap > AUDIT_LINE_MAX)
		return ERR_INVAL;
	if ((p = malloc(cap + 2)) == NULL)
		return ERR_NOMEM;
	n = (size_t)snprintf(p, cap, "1\t%" PRId64 "\t%s\t", seq, when);
	for (int k = 0; k < 5; k++) {
		n += escape(p + n, text[k]);
		p[n++] = '\t';
	}
	sodium_bin2hex(p + n, HASH_HEX + 1, prev, HASH_BYTES);
	n += HASH_HEX;
	crypto_sign_ed25519_detached(sig, NULL, (const unsigned char *)p, n, sk);
	p[n++] = '\t';
	sodium_bin2hex(p + n, SIG_HEX + 1, sig, SIG_BYTES);
	n += SIG_HEX;
	p[n++] = '\n';
	*out = p;
	*outlen = n;
	return 0;
}

/* Create kpath (O_EXCL) holding sk, self-describing like signify's keys. */
static int
key_create(const char *kpath, const char *path, const unsigned char *sk,
    char **cause)
{
	unsigned char *buf = NULL;
	size_t clen, n;
	int fd, ret;

	fd = open(kpath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		if (errno == EEXIST)
			err_cause(cause, "%s exists but %s does not: refusing to "
			    "start a new chain (move %s aside if it never signed "
			    "a log)", kpath, path, kpath);
		else
			err_cause(cause, "%s: cannot create: %s", kpath, strerror(errno));
		return ret;
	}
	clen = strlen(KEY_COMMENT "camveil audit log signing key for \n") +
	    strlen(path);
	n = clen + 2 * SK_BYTES + 1;
	if ((buf = sodium_malloc(n + 1)) == NULL) {
		ret = ERR_NOMEM;
		err_cause(cause, "%s: %s", kpath, err_str(ret));
		goto out;
	}
	snprintf((char *)buf, clen + 1, KEY_COMMENT
	    "camveil audit log signing key for %s\n", path);
	sodium_bin2hex((char *)buf + clen, 2 * SK_BYTES + 1, sk, SK_BYTES);
	buf[n - 1] = '\n';
	if (fchmod(fd, 0600) < 0) {
		ret = -errno;
		err_cause(cause, "%s: cannot set mode 0600: %s", kpath, strerror(errno));
		goto out;
	}
	if ((ret = write_once(fd, buf, n)) < 0) {
		err_cause(cause, "%s: cannot write: %s", kpath, write_err(ret));
		goto out;
	}
	if (fsync(fd) < 0) {
		ret = -errno;
		err_cause(cause, "%s: cannot sync: %s", kpath, strerror(errno));
		goto out;
	}
out:
	sodium_free(buf);
	close(fd);
	if (ret < 0)
		unlink(kpath);
	return ret;
}

/*
 * Read kpath into sodium_malloc memory; it must be the secret half of pk,
 * the log's public key, and readable by its owner only.
 */
static int
key_read(const char *kpath, const char *path, const uint8_t pk[PK_BYTES],
    unsigned char **out, char **cause)
{
	unsigned char *buf = NULL, *sk = NULL, *scratch = NULL;
	const char *hex;
	struct stat st;
	size_t n = 0, got;
	ssize_t r;
	int fd, ret;

	*out = NULL;
	fd = open(kpath, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		if (errno == ENOENT)
			err_cause(cause, "%s: missing: cannot append to %s without "
			    "its signing key", kpath, path);
		else
			err_cause(cause, "%s: cannot open: %s", kpath, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		err_cause(cause, "%s: cannot stat: %s", kpath, strerror(errno));
		goto out;
	}
	ret = ERR_CORRUPT;
	if (!S_ISREG(st.st_mode)) {
		err_cause(cause, "%s: not a regular file", kpath);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		err_cause(cause, "%s: mode %04o lets others at the signing key "
		    "(want 0600)", kpath, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	buf = sodium_malloc(KEY_FILE_MAX + 1);
	sk = sodium_malloc(SK_BYTES);
	scratch = sodium_malloc(SEED_BYTES + PK_BYTES + SK_BYTES);
	if (buf == NULL || sk == NULL || scratch == NULL) {
		ret = ERR_NOMEM;
		err_cause(cause, "%s: %s", kpath, err_str(ret));
		goto out;
	}
	while (n <= KEY_FILE_MAX) {
		r = read(fd, buf + n, KEY_FILE_MAX + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			err_cause(cause, "%s: cannot read: %s", kpath, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	ret = ERR_CORRUPT;
	hex = NULL;
	if (n <= KEY_FILE_MAX && n > strlen(KEY_COMMENT) &&
	    memcmp(buf, KEY_COMMENT, strlen(KEY_COMMENT)) == 0) {
		const char *nl = memchr(buf, '\n', n);

		if (nl != NULL)
			hex = nl + 1;
	}
	if (hex == NULL || (size_t)((const char *)buf + n - hex) != 2 * SK_BYTES + 1 ||
	    hex[2 * SK_BYTES] != '\n' ||
	    sodium_hex2bin(sk, SK_BYTES, hex, 2 * SK_BYTES, NULL, &got, NULL) != 0 ||
	    got != SK_BYTES) {
		err_cause(cause, "%s: not a camveil audit key file", kpath);
		goto out;
	}
	/* libsodium's secret key is seed || pk: both halves must agree. */
	crypto_sign_ed25519_sk_to_seed(scratch, sk);
	crypto_sign_ed25519_seed_keypair(scratch + SEED_BYTES,
	    scratch + SEED_BYTES + PK_BYTES, scratch);
	if (memcmp(scratch + SEED_BYTES, sk + SEED_BYTES, PK_BYTES) != 0) {
		err_cause(cause, "%s: damaged signing key", kpath);
		goto out;
	}
	if (memcmp(scratch + SEED_BYTES, pk, PK_BYTES) != 0) {
		err_cause(cause, "%s: not the signing key of %s (public keys differ)",
		    kpath, path);
		goto out;
	}
	*out = sk;
	sk = NULL;
	ret = 0;
out:
	sodium_free(scratch);
	sodium_free(sk);
	sodium_free(buf);
	close(fd);
	return ret;
}

/*
 * Create the log: FILE.key (O_EXCL), then the first record written to a
 * temporary file and linked into place, so FILE never exists half
 * written. The caller holds the directory lock.
 */
static int
log_create(const char *path, const char *kpath, int dirfd, char **cause)
{
	uint8_t pk[PK_BYTES], zero[HASH_BYTES] = { 0 };
	char scope[sizeof PK_PREFIX + 2 * PK_BYTES];
	const char *text[5] = { OPEN_EVENT, "camveil", "", scope, "ok" };
	unsigned char *sk = NULL;
	char *tmp = NULL, *line = NULL;
	int fd = -1, ret, key_made = 0;
	size_t n;

	if (strchr(path, '\n') != NULL) {
		err_cause(cause, "%s: log path contains a newline", path);
		return ERR_INVAL;
	}
	if ((sk = sodium_malloc(SK_BYTES)) == NULL ||
	    asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		tmp = NULL;
		ret = ERR_NOMEM;
		err_cause(cause, "%s: %s", path, err_str(ret));
		goto out;
	}
	crypto_sign_ed25519_keypair(pk, sk);
	memcpy(scope, PK_PREFIX, strlen(PK_PREFIX));
	sodium_bin2hex(scope + strlen(PK_PREFIX), 2 * PK_BYTES + 1, pk, PK_BYTES);
	if ((ret = record_format(1, time(NULL), text, zero, sk, &line, &n)) < 0) {
		err_cause(cause, "%s: cannot format the first record: %s", path,
		    ret == ERR_INVAL ? "system clock out of range" : err_str(ret));
		goto out;
	}
	if ((ret = key_create(kpath, path, sk, cause)) < 0)
		goto out;
	key_made = 1;
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		ret = -errno;
		err_cause(cause, "%s: cannot create: %s", tmp, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if ((ret = write_once(fd, line, n)) < 0) {
		err_cause(cause, "%s: cannot write: %s", tmp, write_err(ret));
		goto out;
	}
	if (fsync(fd) < 0) {
		ret = -errno;
		err_cause(cause, "%s: cannot sync: %s", tmp, strerror(errno));
		goto out;
	}
	if (link(tmp, path) < 0) {
		ret = -errno;
		err_cause(cause, "%s: cannot create: %s", path, strerror(errno));
		goto out;
	}
	if (fsync(dirfd) < 0) {
		ret = -errno;
		err_cause(cause, "%s: cannot sync its directory: %s", path,
		    strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp != NULL)
		unlink(tmp);
	if (ret < 0 && key_made)
		unlink(kpath);
	free(tmp);
	free(line);
	sodium_free(sk);
	return ret;
}

/* The directory of path, malloc'd. */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/*
 * The log is missing: create it under a lock on its directory, so that
 * two first opens make one chain, not two. Returns 0 when the log exists
 * (made here or by whoever held the lock before us).
 */
static int
log_create_locked(const char *path, const char *kpath, int wait_ms, char **cause)
{
	char *dir;
	int dirfd, fd, ret;

	if ((dir = dir_of(path)) == NULL) {
		err_cause(cause, "%s: %s", path, err_str(ERR_NOMEM));
		return ERR_NOMEM;
	}
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		ret = -errno;
		err_cause(cause, "%s: cannot open directory %s: %s", path, dir,
		    strerror(errno));
		free(dir);
		return ret;
	}
	if ((ret = lock_wait(dirfd, wait_ms)) < 0) {
		err_cause(cause, "%s: cannot lock directory %s: %s", path, dir,
		    err_str(ret));
		goto out;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		ret = 0;
		goto out;
	}
	ret = log_create(path, kpath, dirfd, cause);
out:
	close(dirfd);
	free(dir);
	return ret;
}

/* Open (creating if missing) the log for appending. */
static int
log_open_fd(const char *path, const char *kpath, int wait_ms, int *fdp,
    char **cause)
{
	int ret;

	*fdp = -1;
	for (int attempt = 0;; attempt++) {
		int fd = open(path, O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC);

		if (fd >= 0) {
			*fdp = fd;
			return 0;
		}
		ret = -errno;
		if (errno != ENOENT || attempt > 0) {
			if (errno == ELOOP)
				err_cause(cause, "%s: is a symbolic link, refusing it",
				    path);
			else
				err_cause(cause, "%s: cannot open: %s", path,
				    strerror(errno));
			return ret;
		}
		if ((ret = log_create_locked(path, kpath, wait_ms, cause)) < 0)
			return ret;
	}
}

int
audit_open_wait(const char *path, int wait_ms, struct audit **out, char **cause)
{
	struct audit_verify_result res;
	struct audit *a = NULL;
	struct stat st;
	char *kpath = NULL, *text = NULL;
	size_t len;
	int ret, fd = -1;

	*out = NULL;
	*cause = NULL;
	if ((ret = crypto_ready()) < 0) {
		err_cause(cause, "%s: cannot initialise libsodium", path);
		return ret;
	}
	if ((a = calloc(1, sizeof *a)) != NULL)
		a->fd = -1;
	if (a == NULL || (a->path = strdup(path)) == NULL ||
	    asprintf(&kpath, "%s.key", path) < 0) {
		kpath = NULL;
		ret = ERR_NOMEM;
		err_cause(cause, "%s: %s", path, err_str(ret));
		goto out;
	}
	if ((ret = log_open_fd(path, kpath, wait_ms, &fd, cause)) < 0)
		goto out;
	if ((ret = lock_wait(fd, wait_ms)) < 0) {
		if (ret == ERR_TIMEOUT)
			err_cause(cause, "%s: locked by another process for %d ms",
			    path, wait_ms);
		else
			err_cause(cause, "%s: cannot lock: %s", path, err_str(ret));
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ret = ERR_IO;
		err_cause(cause, "%s: not a regular file", path);
		goto out;
	}
	if ((ret = read_all(fd, &text, &len)) < 0) {
		err_cause(cause, "%s: cannot read: %s", path, err_str(ret));
		goto out;
	}
	if ((ret = verify_text(text, len, NULL, &res, a->prev)) < 0) {
		if (ret == ERR_CORRUPT)
			err_cause(cause, "%s:%" PRId64 ": %s; refusing to append",
			    path, res.bad_line, res.reason);
		else
			err_cause(cause, "%s: %s", path, err_str(ret));
		goto out;
	}
	if ((ret = key_read(kpath, path, res.pk, &a->sk, cause)) < 0)
		goto out;
	a->fd = fd;
	fd = -1;
	a->dev = st.st_dev;
	a->ino = st.st_ino;
	a->size = (off_t)len;
	a->seq = res.records;
	*out = a;
	a = NULL;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	free(text);
	free(kpath);
	audit_free(&a);
	return ret;
}

int
audit_open(const char *path, struct audit **out, char **cause)
{
	return audit_open_wait(path, AUDIT_LOCK_WAIT_MS, out, cause);
}

void
audit_free(struct audit **ap)
{
	struct audit *a = *ap;

	if (a == NULL)
		return;
	sodium_free(a->sk);
	if (a->fd >= 0)
		close(a->fd);
	free(a->path);
	free(a);
	*ap = NULL;
}

/* Flock is advisory: make sure nobody else wrote or replaced the log. */
static int
check_unchanged(struct audit *a, char **cause)
{
	struct stat st;

	if (fstat(a->fd, &st) < 0) {
		a->failed = 1;
		err_cause(cause, "%s: cannot stat: %s", a->path, strerror(errno));
		return ERR_IO;
	}
	if (st.st_size != a->size) {
		a->failed = 1;
		err_cause(cause, "%s: changed by another writer since it was opened",
		    a->path);
		return ERR_CORRUPT;
	}
	if (stat(a->path, &st) < 0 || st.st_dev != a->dev || st.st_ino != a->ino) {
		a->failed = 1;
		err_cause(cause, "%s: removed or replaced since it was opened",
		    a->path);
		return ERR_CORRUPT;
	}
	return 0;
}

int
audit_append(struct audit *a, const struct audit_record *r, char **cause)
{
	const char *text[5];
	char *line = NULL;
	size_t n;
	int ret;

	assert(a != NULL && r != NULL);
	assert(r->event != NULL && r->actor != NULL && r->case_id != NULL &&
	    r->scope != NULL && r->result != NULL);
	*cause = NULL;
	if (a->failed) {
		err_cause(cause, "%s: an earlier record may not have been written; "
		    "reopen the log", a->path);
		return ERR_IO;
	}
	if (strcmp(r->event, OPEN_EVENT) == 0) {
		err_cause(cause, "%s: event " OPEN_EVENT " is written by audit_open "
		    "only", a->path);
		return ERR_INVAL;
	}
	if ((ret = check_unchanged(a, cause)) < 0)
		return ret;
	text[0] = r->event;
	text[1] = r->actor;
	text[2] = r->case_id;
	text[3] = r->scope;
	text[4] = r->result;
	if ((ret = record_format(a->seq + 1, time(NULL), text, a->prev, a->sk,
	    &line, &n)) < 0) {
		err_cause(cause, "%s: cannot format record %" PRId64 ": %s", a->path,
		    a->seq + 1, ret == ERR_INVAL ? "longer than AUDIT_LINE_MAX or "
		    "system clock out of range" : err_str(ret));
		return ret;
	}
	if ((ret = write_once(a->fd, line, n)) < 0) {
		/* Take back a partial line; if that fails too, stop here. */
		if (ftruncate(a->fd, a->size) < 0)
			a->failed = 1;
		err_cause(cause, "%s: cannot write record %" PRId64 ": %s", a->path,
		    a->seq + 1, write_err(ret));
		goto out;
	}
	if (fsync(a->fd) < 0) {
		ret = -errno;
		a->failed = 1;
		err_cause(cause, "%s: cannot sync record %" PRId64 ": %s", a->path,
		    a->seq + 1, strerror(errno));
		goto out;
	}
	crypto_generichash(a->prev, HASH_BYTES, (const unsigned char *)line,
	    n - 1, NULL, 0);
	a->seq++;
	a->size += (off_t)n;
	ret = 0;
out:
	free(line);
	return ret;
}

int
audit_log(const char *path, const struct audit_record *r, char **cause)
{
	struct audit *a;
	int ret;

	if ((ret = audit_open(path, &a, cause)) < 0)
		return ret;
	ret = audit_append(a, r, cause);
	audit_free(&a);
	return ret;
}

int
audit_verify_file(const char *path, const uint8_t *pin,
    struct audit_verify_result *res, char **cause)
{
	char *text = NULL;
	size_t len;
	int fd, ret;

	memset(res, 0, sizeof *res);
	*cause = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		err_cause(cause, "%s: cannot open: %s", path, strerror(errno));
		return ERR_IO;
	}
	ret = read_all(fd, &text, &len);
	close(fd);
	if (ret < 0) {
		err_cause(cause, "%s: cannot read: %s", path, err_str(ret));
		return ret == ERR_NOMEM ? ret : ERR_IO;
	}
	ret = audit_verify_buf(text, len, pin, res);
	if (ret == ERR_CORRUPT)
		err_cause(cause, "%s:%" PRId64 ": %s", path, res->bad_line,
		    res->reason);
	else if (ret < 0)
		err_cause(cause, "%s: %s", path, err_str(ret));
	free(text);
	return ret;
}
