/*
 * camveil audit: what the data protection officer runs on an audit log
 * (keys/audit.c). `verify` checks every record's link to the one before
 * and its signature, optionally under a public key noted earlier (which
 * also catches a rewrite of the whole log by someone holding FILE.key);
 * `show` prints the records that verify as a table.
 *
 * Field text comes from the log, so before it reaches a terminal every
 * control character (C0, DEL, C1) and bidi override is shown as an
 * escape: a record cannot redraw the screen or reorder what is shown.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../keys/audit.h"
#include "../util/err.h"
#include "cmd.h"

#define PK_BYTES 32
#define SHOW_COLS 7	/* seq, time, event, actor, case, result, scope */

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: camveil audit verify [--pubkey HEX] LOG\n"
"       camveil audit show [--pubkey HEX] LOG\n"
"\n"
"verify  checks that every record of the audit log LOG is chained to the\n"
"        one before and signed by the log's key; prints the number of\n"
"        records and the public key (note both: a later check with\n"
"        --pubkey also catches a rewritten log, a lower count removed\n"
"        records at the end). Exit 0 if all verify, 1 if not.\n"
"show    prints the records that verify as a table, then checks as verify.\n"
"\n"
"  --pubkey HEX    the public key the log must have (64 hex digits)\n");
}

/* Read a whole file into a malloc'd buffer. */
static int
read_file(const char *path, char **out, size_t *len, char **cause)
{
	size_t cap = 65536, n = 0;
	char *buf = NULL, *nb;
	FILE *fp;
	int ret = 0;

	*out = NULL;
	*len = 0;
	if ((fp = fopen(path, "rb")) == NULL) {
		err_cause(cause, "%s: cannot open: %s", path, strerror(errno));
		return ERR_IO;
	}
	for (;;) {
		if (buf == NULL || n == cap) {
			if (buf != NULL)
				cap *= 2;
			if ((nb = realloc(buf, cap)) == NULL) {
				ret = ERR_NOMEM;
				err_cause(cause, "%s: %s", path, err_str(ret));
				goto out;
			}
			buf = nb;
		}
		n += fread(buf + n, 1, cap - n, fp);
		if (ferror(fp)) {
			ret = ERR_IO;
			err_cause(cause, "%s: cannot read: %s", path, strerror(errno));
			goto out;
		}
		if (feof(fp))
			break;
	}
	*out = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	fclose(fp);
	return ret;
}

/* Length of the UTF-8 sequence at s (n bytes left), 0 if not valid. */
static size_t
utf8_len(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static int
hidden(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/*
 * A field as it may be shown on a terminal (malloc'd); *width is its
 * width in characters. Backslash is escaped so every escape is ours.
 */
static char *
displayable(const char *s, size_t n, size_t *width)
{
	char *out = malloc(n * 6 + 1), *o = out;
	size_t i = 0;

	*width = 0;
	if (out == NULL)
		return NULL;
	while (i < n) {
		const unsigned char *u = (const unsigned char *)s + i;
		uint32_t cp;
		size_t len = utf8_len(u, n - i, &cp);

		if (len == 0) {
			o += sprintf(o, "\\x%02x", u[0]);
			*width += 4;
			i++;
			continue;
		}
		if (cp == '\t' || cp == '\n' || cp == '\r' || cp == '\\') {
			*o++ = '\\';
			*o++ = cp == '\t' ? 't' : cp == '\n' ? 'n' : cp == '\r' ? 'r' : '\\';
			*width += 2;
		} else if (hidden(cp)) {
			o += cp < 0x100 ? sprintf(o, "\\x%02x", (unsigned)cp) :
			    sprintf(o, "\\u%04x", (unsigned)cp);
			*width += cp < 0x100 ? 4 : 6;
		} else {
			memcpy(o, u, len);
			o += len;
			*width += 1;
		}
		i += len;
	}
	*o = '\0';
	return out;
}

/* Print the first `records` lines of a verified log as a table. */
static int
show(const char *text, size_t len, int64_t records)
{
	static const char *const head[SHOW_COLS] = {
		"SEQ", "TIME", "EVENT", "ACTOR", "CASE", "RESULT", "SCOPE"
	};
	/* Field of the log line shown in each column. */
	static const int col_field[SHOW_COLS] = { 1, 2, 3, 4, 5, 7, 6 };
	size_t widths[SHOW_COLS], nrows = (size_t)records, ncells;
	char **cell;
	size_t *cw;
	const char *p = text;
	int ret = 0;

	ncells = nrows * SHOW_COLS;
	cell = calloc(ncells + 1, sizeof *cell);
	cw = calloc(ncells + 1, sizeof *cw);
	if (cell == NULL || cw == NULL) {
		ret = ERR_NOMEM;
		goto out;
	}
	for (int c = 0; c < SHOW_COLS; c++)
		widths[c] = strlen(head[c]);
	for (size_t r = 0; r < nrows; r++) {
		const char *nl = memchr(p, '\n', len - (size_t)(p - text)), *f[10];
		size_t flen[10], nf = 0;
		const char *q = p;

		/* A verified line has exactly 10 TAB-separated fields. */
		while (nf < 10) {
			const char *t = memchr(q, '\t', (size_t)(nl - q));

			f[nf] = q;
			flen[nf] = t != NULL ? (size_t)(t - q) : (size_t)(nl - q);
			nf++;
			if (t == NULL)
				break;
			q = t + 1;
		}
		for (int c = 0; c < SHOW_COLS; c++) {
			int k = col_field[c];
			char *raw = strndup(f[k], flen[k]);
			size_t n, i = r * SHOW_COLS + (size_t)c;

			if (raw == NULL) {
				ret = ERR_NOMEM;
				goto out;
			}
			n = k >= 3 ? audit_unescape(raw, flen[k]) : flen[k];
			cell[i] = displayable(raw, n, &cw[i]);
			free(raw);
			if (cell[i] == NULL) {
				ret = ERR_NOMEM;
				goto out;
			}
			if (cw[i] > widths[c])
				widths[c] = cw[i];
		}
		p = nl + 1;
	}
	for (int c = 0; c < SHOW_COLS; c++)
		printf("%s%-*s", c > 0 ? "  " : "", c < SHOW_COLS - 1 ? (int)widths[c] : 0,
		    head[c]);
	printf("\n");
	for (size_t r = 0; r < nrows; r++) {
		for (int c = 0; c < SHOW_COLS; c++) {
			size_t i = r * SHOW_COLS + (size_t)c;

			printf("%s%s", c > 0 ? "  " : "", cell[i]);
			if (c < SHOW_COLS - 1)
				printf("%*s", (int)(widths[c] - cw[i]), "");
		}
		printf("\n");
	}
out:
	if (cell != NULL)
		for (size_t i = 0; i < ncells; i++)
			free(cell[i]);
	free(cell);
	free(cw);
	return ret;
}

int
cmd_audit(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pubkey", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct audit_verify_result res;
	uint8_t pin[PK_BYTES];
	char hex[2 * PK_BYTES + 1], *cause = NULL, *text = NULL;
	const char *verb, *log;
	size_t len, got;
	int c, ret, pinned = 0, rc = 1;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	verb = argv[1];
	if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0 ||
	    strcmp(verb, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(verb, "verify") != 0 && strcmp(verb, "show") != 0) {
		fprintf(stderr, "camveil audit: unknown command '%s'\n", verb);
		usage(stderr);
		return 2;
	}
	argc--;
	argv++;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (strlen(optarg) != 2 * PK_BYTES ||
			    sodium_hex2bin(pin, sizeof pin, optarg, strlen(optarg),
			    NULL, &got, NULL) != 0 || got != sizeof pin) {
				fprintf(stderr, "camveil audit: --pubkey: '%s' is not "
				    "a public key of 64 hex digits\n", optarg);
				return 2;
			}
			pinned = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "camveil audit %s: expected one LOG\n", verb);
		usage(stderr);
		return 2;
	}
	log = argv[optind];
	if (sodium_init() < 0) {
		fprintf(stderr, "camveil audit: cannot initialise libsodium\n");
		return 1;
	}
	if (strcmp(verb, "verify") == 0) {
		ret = audit_verify_file(log, pinned ? pin : NULL, &res, &cause);
	} else {
		ret = read_file(log, &text, &len, &cause);
		if (ret == 0) {
			ret = audit_verify_buf(text, len, pinned ? pin : NULL, &res);
			if (ret == ERR_CORRUPT)
				err_cause(&cause, "%s:%" PRId64 ": %s", log,
				    res.bad_line, res.reason);
			if (show(text, len, res.records) < 0) {
				fprintf(stderr, "camveil audit: %s\n", err_str(ERR_NOMEM));
				goto out;
			}
		}
	}
	if (ret == ERR_CORRUPT && cause == NULL) {
		fprintf(stderr, "%s:%" PRId64 ": %s\n", log, res.bad_line, res.reason);
		goto out;
	}
	if (ret < 0) {
		fprintf(stderr, "%s\n", cause != NULL ? cause : err_str(ret));
		goto out;
	}
	sodium_bin2hex(hex, sizeof hex, res.pk, sizeof res.pk);
	printf("%s: %" PRId64 " records verify; public key %s\n", log, res.records, hex);
	rc = 0;
out:
	free(text);
	free(cause);
	return rc;
}
