/*
 * libFuzzer driver for sealed payloads as they arrive in-band (an SEI
 * message or a sidecar, keys/seal.c): seal_unbundle splits a frame's
 * bundle and seal_item_parse reads each payload's clear header; the
 * whole input is also parsed as one payload. Any bytes must give an item
 * or an error, never a crash or an out-of-bounds read.
 *
 * A payload that parses is restored twice into a picture of its frame
 * size (small frames only, to keep runs fast): once as it is, under a
 * fixed key, which the MAC must refuse (no fuzzer forges a tag), and
 * once re-encrypted under that key with its own header as associated
 * data, so the code behind the MAC (zstd, the MED predictor, the writes
 * into the picture) meets arbitrary authenticated content. That must
 * succeed or give ERR_CORRUPT, and never touch a pixel outside the
 * item's rectangle. Seed corpus: tests/fuzz/corpus/seal/ (real payloads
 * from test_keys, and ones whose ciphertext is the plain zstd frame).
 *
 * The header parser an unlock request uses (seal_header_parse) runs on
 * the whole input too, and must agree with seal_item_parse: a payload's
 * header alone parses to the same item and reference, and no header
 * restores anything. R is always a canonical point other than the
 * identity (tss_point_ok).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../../keys/seal.h"
#include "../../util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FRAME_MAX (512 * 512)	/* larger frames are parsed, not restored */
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES

static const uint8_t fixed_key[32] = { 0x63, 0x76, 0x66, 0x75, 0x7a, 0x7a };

struct pic {
	struct image im;
	uint8_t *buf[3];
	size_t size[3];
};

static int
pic_alloc(struct pic *p, const struct seal_item *it)
{
	memset(p, 0, sizeof *p);
	p->im.width = it->frame_w;
	p->im.height = it->frame_h;
	p->im.shift_x = it->shift_x;
	p->im.shift_y = it->shift_y;
	for (int pl = 0; pl < 3; pl++) {
		int sx = pl ? it->shift_x : 0, sy = pl ? it->shift_y : 0;
		int pw = (it->frame_w + (1 << sx) - 1) >> sx;
		int ph = (it->frame_h + (1 << sy) - 1) >> sy;

		p->im.linesize[pl] = pw + 3;
		p->size[pl] = (size_t)(pw + 3) * (size_t)ph;
		p->buf[pl] = malloc(p->size[pl]);
		if (p->buf[pl] == NULL)
			return -1;
		memset(p->buf[pl], 0x5a, p->size[pl]);
		p->im.data[pl] = p->buf[pl];
	}
	return 0;
}

static void
pic_free(struct pic *p)
{
	for (int pl = 0; pl < 3; pl++)
		free(p->buf[pl]);
}

/* Abort if anything outside the item's rectangle changed. */
static void
check_outside(const struct pic *p, const struct seal_item *it)
{
	for (int pl = 0; pl < 3; pl++) {
		int sx = pl ? it->shift_x : 0, sy = pl ? it->shift_y : 0;
		int x0 = it->r.x >> sx, y0 = it->r.y >> sy;
		int x1 = (it->r.x + it->r.w + (1 << sx) - 1) >> sx;
		int y1 = (it->r.y + it->r.h + (1 << sy) - 1) >> sy;
		int ls = p->im.linesize[pl];

		for (size_t o = 0; o < p->size[pl]; o++) {
			int x = (int)(o % (size_t)ls), y = (int)(o / (size_t)ls);

			if ((x < x0 || x >= x1 || y < y0 || y >= y1) && p->buf[pl][o] != 0x5a)
				abort();
		}
	}
}

static void
restore_both(const uint8_t *p, size_t len, const struct seal_item *it)
{
	struct seal_item it2;
	struct pic pic;
	uint8_t *q;
	size_t ptlen = it->ct_len - TAG_BYTES;
	int ret;

	if ((size_t)it->frame_w * (size_t)it->frame_h > FRAME_MAX)
		return;
	if (pic_alloc(&pic, it) < 0)
		goto out;
	/* As it is: never opens. */
	if (seal_item_restore(it, fixed_key, &pic.im) != ERR_AUTH)
		abort();
	check_outside(&pic, it);
	/* Re-sealed under the fixed key: what lies behind the MAC. */
	q = malloc(len);
	if (q == NULL)
		goto out;
	memcpy(q, p, it->ad_len);
	crypto_aead_xchacha20poly1305_ietf_encrypt(q + it->ad_len, NULL, it->ct, ptlen,
	    q, it->ad_len, NULL, q + it->ad_len - NONCE_BYTES, fixed_key);
	if (seal_item_parse(q, len, &it2) != 0)
		abort();
	ret = seal_item_restore(&it2, fixed_key, &pic.im);
	if (ret != 0 && ret != ERR_CORRUPT && ret != ERR_NOMEM)
		abort();
	check_outside(&pic, &it2);
	free(q);
out:
	pic_free(&pic);
}

/* A header alone: consistent, and nothing to restore. */
static void
header(const uint8_t *p, size_t len)
{
	struct seal_item h;
	struct pic pic;

	if (seal_header_parse(p, len, &h) != 0)
		return;
	if (h.ad != p || h.ad_len != len || h.ct != NULL || h.ct_len != 0 ||
	    len < SEAL_HEADER_MIN || len > SEAL_HEADER_MAX || !tss_point_ok(h.R))
		abort();
	if ((size_t)h.frame_w * (size_t)h.frame_h > FRAME_MAX)
		return;
	if (pic_alloc(&pic, &h) == 0 && seal_item_restore(&h, fixed_key, &pic.im) != ERR_CORRUPT)
		abort();
	pic_free(&pic);
}

static void
one(const uint8_t *p, size_t len)
{
	struct seal_item it, h;

	header(p, len);
	if (seal_item_parse(p, len, &it) != 0)
		return;
	if (it.ad != p || it.ad_len + it.ct_len != len || it.ct_len <= TAG_BYTES ||
	    it.r.x + it.r.w > it.frame_w || it.r.y + it.r.h > it.frame_h ||
	    strlen(it.camera) < 1 || !tss_point_ok(it.R))
		abort();
	if (seal_header_parse(p, it.ad_len, &h) != 0 ||
	    memcmp(h.ref, it.ref, SEAL_REF_BYTES) != 0 || memcmp(h.R, it.R, TSS_BYTES) != 0 ||
	    h.m.media_us != it.m.media_us || h.segment != it.segment)
		abort();
	restore_both(p, len, &it);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *items[SEAL_BUNDLE_MAX];
	size_t sizes[SEAL_BUNDLE_MAX];
	int n;

	if (sodium_init() < 0)
		abort();
	one(data, size);
	n = seal_unbundle(data, size, items, sizes, SEAL_BUNDLE_MAX);
	for (int i = 0; i < n; i++) {
		if (items[i] < data || items[i] + sizes[i] > data + size)
			abort();
		one(items[i], sizes[i]);
	}
	return 0;
}
