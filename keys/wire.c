/*
 * Bounded byte writer and reader, and the escaping of untrusted strings
 * for messages (see wire.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/err.h"
#include "wire.h"

void
wire_w_init(struct wire_w *w, size_t max)
{
	memset(w, 0, sizeof *w);
	w->max = max;
}

void
wire_w_free(struct wire_w *w)
{
	free(w->p);
	memset(w, 0, sizeof *w);
}

void
wire_bytes(struct wire_w *w, const void *b, size_t n)
{
	if (w->err != 0)
		return;
	if (n > w->max - w->len) {
		w->err = ERR_INVAL;
		return;
	}
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 256;
		uint8_t *np;

		while (cap < w->len + n)
			cap *= 2;
		if (cap > w->max)
			cap = w->max;
		np = realloc(w->p, cap);
		if (np == NULL) {
			w->err = ERR_NOMEM;
			return;
		}
		w->p = np;
		w->cap = cap;
	}
	if (n > 0)
		memcpy(w->p + w->len, b, n);
	w->len += n;
}

void
wire_u8(struct wire_w *w, uint8_t v)
{
	wire_bytes(w, &v, 1);
}

void
wire_u16(struct wire_w *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	wire_bytes(w, b, 2);
}

void
wire_u32(struct wire_w *w, uint32_t v)
{
	uint8_t b[4];

	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (24 - 8 * i));
	wire_bytes(w, b, 4);
}

void
wire_u64(struct wire_w *w, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (56 - 8 * i));
	wire_bytes(w, b, 8);
}

void
wire_str8(struct wire_w *w, const char *s)
{
	size_t n = strlen(s);

	if (n > 255) {
		if (w->err == 0)
			w->err = ERR_INVAL;
		return;
	}
	wire_u8(w, (uint8_t)n);
	wire_bytes(w, s, n);
}

void
wire_r_init(struct wire_r *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->err = 0;
}

const uint8_t *
wire_get(struct wire_r *r, size_t n)
{
	const uint8_t *q;

	if (r->err != 0)
		return NULL;
	if (n > r->len - r->off) {
		r->err = ERR_CORRUPT;
		return NULL;
	}
	q = r->p + r->off;
	r->off += n;
	return q;
}

uint8_t
wire_get_u8(struct wire_r *r)
{
	const uint8_t *q = wire_get(r, 1);

	return q ? q[0] : 0;
}

uint16_t
wire_get_u16(struct wire_r *r)
{
	const uint8_t *q = wire_get(r, 2);

	return q ? (uint16_t)(q[0] << 8 | q[1]) : 0;
}

uint32_t
wire_get_u32(struct wire_r *r)
{
	const uint8_t *q = wire_get(r, 4);
	uint32_t v = 0;

	if (q != NULL)
		for (int i = 0; i < 4; i++)
			v = v << 8 | q[i];
	return v;
}

uint64_t
wire_get_u64(struct wire_r *r)
{
	const uint8_t *q = wire_get(r, 8);
	uint64_t v = 0;

	if (q != NULL)
		for (int i = 0; i < 8; i++)
			v = v << 8 | q[i];
	return v;
}

void
wire_get_str8(struct wire_r *r, char *out, size_t outsz)
{
	size_t n = wire_get_u8(r);
	const uint8_t *q = wire_get(r, n);

	out[0] = '\0';
	if (q == NULL)
		return;
	if (n >= outsz || memchr(q, '\0', n) != NULL) {
		r->err = ERR_CORRUPT;
		return;
	}
	memcpy(out, q, n);
	out[n] = '\0';
}

int
wire_r_done(const struct wire_r *r)
{
	if (r->err != 0 || r->off != r->len)
		return ERR_CORRUPT;
	return 0;
}

/* Length of the valid UTF-8 sequence at p (n bytes left) and its code point, or 0. */
static size_t
utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;

	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;	/* ASCII, a continuation byte, or overlong/out of range */
	len = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
	if (len > n)
		return 0;
	c = p[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static int
hidden(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9f) || c == 0x61c || c == 0x200e || c == 0x200f ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/* The escaped form of the character at p[i] (n bytes in all): its length; *adv = bytes used. */
static size_t
escape_one(const unsigned char *p, size_t i, size_t n, char piece[32], size_t *adv)
{
	unsigned char c = p[i];
	size_t plen = 0;
	uint32_t cp;

	*adv = 1;
	if (c == '\\' || c == '\t' || c == '\n' || c == '\r') {
		piece[0] = '\\';
		piece[1] = c == '\\' ? '\\' : c == '\t' ? 't' : c == '\n' ? 'n' : 'r';
		return 2;
	}
	if (c < 0x20 || c == 0x7f)
		return (size_t)snprintf(piece, 32, "\\x%02x", c);
	if (c < 0x80) {
		piece[0] = (char)c;
		return 1;
	}
	if ((*adv = utf8_seq(p + i, n - i, &cp)) == 0) {
		*adv = 1;
		return (size_t)snprintf(piece, 32, "\\x%02x", c);
	}
	if (!hidden(cp)) {
		memcpy(piece, p + i, *adv);
		return *adv;
	}
	for (size_t k = 0; k < *adv; k++)
		plen += (size_t)snprintf(piece + plen, 32 - plen, "\\x%02x", p[i + k]);
	return plen;
}

const char *
wire_escape(const char *s, char *out, size_t outsz)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), o = 0, total = 0, adv, plen;
	char piece[32];

	for (size_t i = 0; i < n; i += adv)
		total += escape_one(p, i, n, piece, &adv);
	for (size_t i = 0; i < n; i += adv) {
		plen = escape_one(p, i, n, piece, &adv);
		/* Cut when it does not all fit, keeping room for "...". */
		if (total + 1 > outsz && o + plen + 3 + 1 > outsz) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(out + o, piece, plen);
		o += plen;
	}
	out[o] = '\0';
	return out;
}
