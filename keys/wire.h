/*
 * Bounded big-endian byte writer and reader for the binary formats in
 * keys/ (public key, shares, seals, requests, approvals). Errors are
 * sticky: after the first overflow or short read every call is a no-op
 * and the final check reports it, so parsers read straight through and
 * test once (like a bitstream reader), without a branch per field.
 */
#ifndef CAMVEIL_WIRE_H
#define CAMVEIL_WIRE_H

#include <stddef.h>
#include <stdint.h>

struct wire_w {
	uint8_t *p;		/* malloc'd, grows up to max */
	size_t len, cap, max;
	int err;		/* ERR_NOMEM or ERR_INVAL (over max) */
};

struct wire_r {
	const uint8_t *p;
	size_t len, off;
	int err;		/* ERR_CORRUPT after a short read */
};

void wire_w_init(struct wire_w *w, size_t max);
void wire_w_free(struct wire_w *w);
void wire_u8(struct wire_w *w, uint8_t v);
void wire_u16(struct wire_w *w, uint16_t v);
void wire_u32(struct wire_w *w, uint32_t v);
void wire_u64(struct wire_w *w, uint64_t v);
void wire_bytes(struct wire_w *w, const void *b, size_t n);
/* A string of at most 255 bytes, length first. */
void wire_str8(struct wire_w *w, const char *s);

void wire_r_init(struct wire_r *r, const uint8_t *p, size_t len);
uint8_t wire_get_u8(struct wire_r *r);
uint16_t wire_get_u16(struct wire_r *r);
uint32_t wire_get_u32(struct wire_r *r);
uint64_t wire_get_u64(struct wire_r *r);
/* Pointer to the next n bytes (NULL after an error). */
const uint8_t *wire_get(struct wire_r *r, size_t n);
/* Copy a length-prefixed string into out (size outsz, NUL-terminated);
 * ERR_CORRUPT if it does not fit or contains a NUL byte. */
void wire_get_str8(struct wire_r *r, char *out, size_t outsz);
/* 0 if everything read fitted and nothing is left over, else ERR_CORRUPT. */
int wire_r_done(const struct wire_r *r);

/*
 * An untrusted string (a case id, a camera or holder name read from a
 * file) as it may be shown in an error or on a terminal: bytes below
 * 0x20, DEL and backslash become \t, \n, \r, \\ or \xNN, and so does
 * every byte of invalid UTF-8, of a C1 control and of a Unicode bidi
 * override or isolate (they could redraw or reorder what is shown);
 * printable ASCII and other valid UTF-8 are kept. The result is cut
 * (with "...", never inside an escape) to fit outsz (>= 4) bytes with its
 * NUL; WIRE_ESCAPED_MAX(strlen(s)) is always enough. Returns out.
 */
#define WIRE_ESCAPED_MAX(n) ((size_t)(n) * 4 + 1)
const char *wire_escape(const char *s, char *out, size_t outsz);

#endif
