/*
 * Bounded byte writer and reader (see wire.h).
 */
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
