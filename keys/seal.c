/*
 * Sealing face regions (see seal.h, docs/KEYS.md "Seal payload").
 *
 * Pixels are coded plane by plane (Y, then U, then V) as residuals of
 * the LOCO-I median predictor (the one in JPEG-LS: median of left, above
 * and left+above-aboveleft), which roughly halves zstd's output on camera
 * pictures compared with raw samples, and is exactly invertible.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zstd.h>

#include "../util/err.h"
#include "seal.h"
#include "wire.h"

#define KIND_REGION 1
#define CODING_MED_ZSTD 1
#define KEY_DOMAIN "camveil-seal-key-v1"
#define REF_DOMAIN "camveil-item-v1"
#define MAX_SEGS 64
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define KEY_BYTES crypto_aead_xchacha20poly1305_ietf_KEYBYTES

/* 16 random bytes, fixed forever: "this SEI message is a camveil seal". */
const uint8_t seal_uuid[16] = {
	0x63, 0x76, 0x65, 0x69, 0x6c, 0x2d, 0x4d, 0x1e,
	0x9a, 0x2f, 0x5b, 0xc4, 0x07, 0xd3, 0x88, 0x51,
};

struct seg {
	int used;
	uint32_t track, no;
	int64_t start_us, last_us;
	uint8_t R[TSS_BYTES];
	uint8_t *key;		/* into seal->keys (secure memory) */
};

struct seal {
	uint8_t P[TSS_BYTES];
	uint8_t key_id[JUDICIAL_KEY_ID_BYTES];
	char camera[SEAL_CAMERA_MAX + 1];
	int64_t segment_us;
	int level;
	uint32_t next_seg;
	uint64_t nsegs;
	struct seg seg[MAX_SEGS];
	uint8_t *keys;		/* sodium_malloc: MAX_SEGS region keys */
	ZSTD_CCtx *zc;
	uint8_t *raw, *zbuf;	/* residuals, compressed */
	size_t raw_cap, zbuf_cap;
};

static size_t
plane_bytes(struct rect r, int sx, int sy, int pl, int *w, int *h)
{
	int x0 = pl ? r.x >> sx : r.x, y0 = pl ? r.y >> sy : r.y;
	int x1 = pl ? (r.x + r.w + (1 << sx) - 1) >> sx : r.x + r.w;
	int y1 = pl ? (r.y + r.h + (1 << sy) - 1) >> sy : r.y + r.h;

	*w = x1 - x0;
	*h = y1 - y0;
	return (size_t)*w * (size_t)*h;
}

static size_t
raw_bytes(struct rect r, int sx, int sy)
{
	size_t n = 0;
	int w, h;

	for (int pl = 0; pl < 3; pl++)
		n += plane_bytes(r, sx, sy, pl, &w, &h);
	return n;
}

static inline int
med(int a, int b, int c)
{
	int mx = a > b ? a : b, mn = a < b ? a : b;

	if (c >= mx)
		return mn;
	if (c <= mn)
		return mx;
	return a + b - c;
}

/* Residuals of one plane region (src with stride ls) into out (w*h). */
static void
predict(const uint8_t *src, int ls, int w, int h, uint8_t *out)
{
	for (int y = 0; y < h; y++) {
		const uint8_t *row = src + (size_t)y * ls, *up = row - ls;

		for (int x = 0; x < w; x++) {
			int a = x ? row[x - 1] : (y ? up[x] : 0);
			int b = y ? up[x] : a;
			int c = (x && y) ? up[x - 1] : b;

			out[(size_t)y * w + x] = (uint8_t)(row[x] - med(a, b, c));
		}
	}
}

/* Inverse of predict, into a w*h buffer. */
static void
unpredict(const uint8_t *res, int w, int h, uint8_t *dst)
{
	for (int y = 0; y < h; y++) {
		uint8_t *row = dst + (size_t)y * w, *up = row - w;

		for (int x = 0; x < w; x++) {
			int a = x ? row[x - 1] : (y ? up[x] : 0);
			int b = y ? up[x] : a;
			int c = (x && y) ? up[x - 1] : b;

			row[x] = (uint8_t)(res[(size_t)y * w + x] + med(a, b, c));
		}
	}
}

int
seal_create(const struct judicial_pub *pk, const char *camera, double segment, int level,
    struct seal **out, char **cause)
{
	struct seal *s;

	*out = NULL;
	if (strlen(camera) < 1 || strlen(camera) > SEAL_CAMERA_MAX) {
		err_cause(cause, "camera name must be 1-%d bytes to be sealed", SEAL_CAMERA_MAX);
		return ERR_INVAL;
	}
	if (!(segment > 0 && segment <= 3600)) {
		err_cause(cause, "seal segment must be 0-3600 seconds");
		return ERR_INVAL;
	}
	if (sodium_init() < 0)
		return ERR_NOMEM;
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return ERR_NOMEM;
	memcpy(s->P, pk->P, TSS_BYTES);
	memcpy(s->key_id, pk->key_id, sizeof s->key_id);
	strcpy(s->camera, camera);
	s->segment_us = (int64_t)(segment * 1e6);
	s->level = level;
	s->keys = sodium_malloc(MAX_SEGS * KEY_BYTES);
	s->zc = ZSTD_createCCtx();
	if (s->keys == NULL || s->zc == NULL) {
		seal_free(&s);
		return ERR_NOMEM;
	}
	for (int i = 0; i < MAX_SEGS; i++)
		s->seg[i].key = s->keys + (size_t)i * KEY_BYTES;
	*out = s;
	return 0;
}

void
seal_free(struct seal **sp)
{
	struct seal *s;

	if (sp == NULL || *sp == NULL)
		return;
	s = *sp;
	sodium_free(s->keys);
	ZSTD_freeCCtx(s->zc);
	/* Residuals and their compressed form are the face, in clear. */
	if (s->raw != NULL)
		sodium_memzero(s->raw, s->raw_cap);
	if (s->zbuf != NULL)
		sodium_memzero(s->zbuf, s->zbuf_cap);
	free(s->raw);
	free(s->zbuf);
	free(s);
	*sp = NULL;
}

uint64_t
seal_segments(const struct seal *s)
{
	return s->nsegs;
}

static void
derive_key(const uint8_t Z[TSS_BYTES], const uint8_t R[TSS_BYTES], const uint8_t P[TSS_BYTES],
    const uint8_t key_id[JUDICIAL_KEY_ID_BYTES], const char *camera, uint32_t segment,
    uint32_t track, uint8_t key[KEY_BYTES])
{
	crypto_generichash_state st;
	uint8_t b[9];
	size_t cl = strlen(camera);

	crypto_generichash_init(&st, NULL, 0, KEY_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)KEY_DOMAIN, sizeof KEY_DOMAIN - 1);
	crypto_generichash_update(&st, Z, TSS_BYTES);
	crypto_generichash_update(&st, R, TSS_BYTES);
	crypto_generichash_update(&st, P, TSS_BYTES);
	crypto_generichash_update(&st, key_id, JUDICIAL_KEY_ID_BYTES);
	b[0] = (uint8_t)cl;
	crypto_generichash_update(&st, b, 1);
	crypto_generichash_update(&st, (const uint8_t *)camera, cl);
	for (int i = 0; i < 4; i++) {
		b[i] = (uint8_t)(segment >> (24 - 8 * i));
		b[4 + i] = (uint8_t)(track >> (24 - 8 * i));
	}
	crypto_generichash_update(&st, b, 8);
	crypto_generichash_final(&st, key, KEY_BYTES);
}

/*
 * The segment for track at time t: the current one, or a new
 * encapsulation when it has run its length (or time went back: a file
 * loop or a look-back fill). The least recently used slot is reused
 * (and its key wiped) when all are taken.
 */
static struct seg *
segment_for(struct seal *s, uint32_t track, int64_t t)
{
	struct seg *g = NULL, *lru = &s->seg[0];
	uint8_t Z[TSS_BYTES];

	for (int i = 0; i < MAX_SEGS; i++) {
		struct seg *c = &s->seg[i];

		if (c->used && c->track == track) {
			g = c;
			break;
		}
		if (!c->used || (lru->used && c->last_us < lru->last_us))
			lru = c;
	}
	if (g != NULL && t >= g->start_us && t - g->start_us < s->segment_us) {
		g->last_us = t;
		return g;
	}
	if (g == NULL)
		g = lru;
	sodium_memzero(g->key, KEY_BYTES);
	g->used = 0;
	if (tss_encap(s->P, g->R, Z) < 0)
		return NULL;
	g->no = s->next_seg++;
	derive_key(Z, g->R, s->P, s->key_id, s->camera, g->no, track, g->key);
	sodium_memzero(Z, sizeof Z);
	g->used = 1;
	g->track = track;
	g->start_us = g->last_us = t;
	s->nsegs++;
	return g;
}

/*
 * Make a scratch buffer at least need bytes. Not realloc: it would leave
 * the old block, a face's residuals, in freed memory unwiped.
 */
static int
grow(uint8_t **buf, size_t *cap, size_t need)
{
	uint8_t *nb;

	if (need <= *cap)
		return 0;
	nb = malloc(need);
	if (nb == NULL)
		return ERR_NOMEM;
	if (*buf != NULL) {
		sodium_memzero(*buf, *cap);
		free(*buf);
	}
	*buf = nb;
	*cap = need;
	return 0;
}

static void
write_header(struct wire_w *w, const struct seal *s, uint32_t segno, const struct seal_meta *m,
    int fw, int fh, int sx, int sy, struct rect r, const uint8_t R[TSS_BYTES],
    const uint8_t nonce[NONCE_BYTES])
{
	wire_u8(w, SEAL_VERSION);
	wire_u8(w, KIND_REGION);
	wire_u8(w, CODING_MED_ZSTD);
	wire_u8(w, (uint8_t)(sx << 4 | sy));
	wire_bytes(w, s->key_id, JUDICIAL_KEY_ID_BYTES);
	wire_u32(w, segno);
	wire_u32(w, m->track);
	wire_u16(w, m->order);
	wire_u16(w, 0);
	wire_u64(w, (uint64_t)m->media_us);
	wire_u64(w, (uint64_t)m->wall_us);
	wire_u16(w, (uint16_t)fw);
	wire_u16(w, (uint16_t)fh);
	wire_u16(w, (uint16_t)r.x);
	wire_u16(w, (uint16_t)r.y);
	wire_u16(w, (uint16_t)r.w);
	wire_u16(w, (uint16_t)r.h);
	wire_str8(w, s->camera);
	wire_bytes(w, R, TSS_BYTES);
	wire_bytes(w, nonce, NONCE_BYTES);
}

int
seal_region(struct seal *s, const struct image *img, struct rect r, const struct seal_meta *m,
    uint8_t **payload, size_t *len)
{
	int sx = img->shift_x, sy = img->shift_y, w, h, ret;
	uint8_t nonce[NONCE_BYTES];
	size_t raw, off = 0, zlen;
	struct wire_w wr;
	struct seg *g;

	*payload = NULL;
	*len = 0;
	if (r.w <= 0 || r.h <= 0 || r.w > SEAL_MAX_SIDE || r.h > SEAL_MAX_SIDE ||
	    r.x < 0 || r.y < 0 || r.x > img->width - r.w || r.y > img->height - r.h ||
	    img->width > 65535 || img->height > 65535 || sx > 1 || sy > 1)
		return ERR_INVAL;
	raw = raw_bytes(r, sx, sy);
	if ((ret = grow(&s->raw, &s->raw_cap, raw)) < 0 ||
	    (ret = grow(&s->zbuf, &s->zbuf_cap, ZSTD_compressBound(raw))) < 0)
		return ret;
	for (int pl = 0; pl < 3; pl++) {
		int x0 = pl ? r.x >> sx : r.x, y0 = pl ? r.y >> sy : r.y;
		size_t n = plane_bytes(r, sx, sy, pl, &w, &h);

		predict(img->data[pl] + (size_t)y0 * img->linesize[pl] + x0, img->linesize[pl],
		    w, h, s->raw + off);
		off += n;
	}
	zlen = ZSTD_compressCCtx(s->zc, s->zbuf, s->zbuf_cap, s->raw, raw, s->level);
	sodium_memzero(s->raw, raw);
	if (ZSTD_isError(zlen)) {
		sodium_memzero(s->zbuf, s->zbuf_cap);
		return ERR_NOMEM;
	}
	g = segment_for(s, m->track, m->media_us);
	if (g == NULL) {
		sodium_memzero(s->zbuf, zlen);
		return ERR_INVAL;
	}
	randombytes_buf(nonce, sizeof nonce);
	wire_w_init(&wr, SEAL_PAYLOAD_MAX);
	write_header(&wr, s, g->no, m, img->width, img->height, sx, sy, r, g->R, nonce);
	if (wr.err == 0) {
		size_t adlen = wr.len;
		unsigned long long clen;

		/* Reserve the ciphertext, then encrypt into place. */
		wire_bytes(&wr, s->zbuf, zlen);
		wire_bytes(&wr, nonce, TAG_BYTES);
		if (wr.err == 0)
			crypto_aead_xchacha20poly1305_ietf_encrypt(wr.p + adlen, &clen,
			    s->zbuf, zlen, wr.p, adlen, NULL, nonce, g->key);
		else if (wr.p != NULL)
			sodium_memzero(wr.p + adlen, wr.len - adlen);
	}
	sodium_memzero(s->zbuf, zlen);
	if (wr.err != 0) {
		ret = wr.err;
		wire_w_free(&wr);
		return ret;
	}
	*payload = wr.p;
	*len = wr.len;
	return 0;
}

/*
 * The clear header at the start of p: every field into it, and checks
 * that need nothing past it. *hlen = the header's length.
 */
static int
parse_header(const uint8_t *p, size_t len, struct seal_item *it, size_t *hlen)
{
	struct wire_r r;
	const uint8_t *b;
	int version, kind, coding, chroma;
	crypto_generichash_state st;

	memset(it, 0, sizeof *it);
	*hlen = 0;
	if (len > SEAL_PAYLOAD_MAX)
		return ERR_CORRUPT;
	wire_r_init(&r, p, len);
	version = wire_get_u8(&r);
	if (r.err == 0 && version != SEAL_VERSION)
		return version > SEAL_VERSION ? ERR_UNSUPPORTED : ERR_CORRUPT;
	kind = wire_get_u8(&r);
	coding = wire_get_u8(&r);
	chroma = wire_get_u8(&r);
	b = wire_get(&r, JUDICIAL_KEY_ID_BYTES);
	if (b != NULL)
		memcpy(it->key_id, b, JUDICIAL_KEY_ID_BYTES);
	it->segment = wire_get_u32(&r);
	it->m.track = wire_get_u32(&r);
	it->m.order = wire_get_u16(&r);
	(void)wire_get_u16(&r);		/* flags: none defined; ignored */
	it->m.media_us = (int64_t)wire_get_u64(&r);
	it->m.wall_us = (int64_t)wire_get_u64(&r);
	it->frame_w = wire_get_u16(&r);
	it->frame_h = wire_get_u16(&r);
	it->r.x = wire_get_u16(&r);
	it->r.y = wire_get_u16(&r);
	it->r.w = wire_get_u16(&r);
	it->r.h = wire_get_u16(&r);
	wire_get_str8(&r, it->camera, sizeof it->camera);
	b = wire_get(&r, TSS_BYTES);
	if (b != NULL)
		memcpy(it->R, b, TSS_BYTES);
	(void)wire_get(&r, NONCE_BYTES);
	if (r.err != 0)
		return ERR_CORRUPT;
	it->ad = p;
	it->ad_len = r.off;
	it->shift_x = chroma >> 4;
	it->shift_y = chroma & 15;
	if (kind != KIND_REGION || coding != CODING_MED_ZSTD || it->shift_x > 1 ||
	    it->shift_y > 1 || it->camera[0] == '\0' ||
	    it->r.w < 1 || it->r.h < 1 || it->r.w > SEAL_MAX_SIDE || it->r.h > SEAL_MAX_SIDE ||
	    it->r.x + it->r.w > it->frame_w || it->r.y + it->r.h > it->frame_h ||
	    !tss_point_ok(it->R))
		return ERR_CORRUPT;
	crypto_generichash_init(&st, NULL, 0, SEAL_REF_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)REF_DOMAIN, sizeof REF_DOMAIN - 1);
	crypto_generichash_update(&st, it->ad, it->ad_len);
	crypto_generichash_final(&st, it->ref, SEAL_REF_BYTES);
	*hlen = r.off;
	return 0;
}

int
seal_item_parse(const uint8_t *p, size_t len, struct seal_item *it)
{
	size_t hlen;
	int ret = parse_header(p, len, it, &hlen);

	if (ret < 0)
		return ret;
	if (len - hlen <= TAG_BYTES) {
		memset(it, 0, sizeof *it);
		return ERR_CORRUPT;
	}
	it->ct = p + hlen;
	it->ct_len = len - hlen;
	return 0;
}

int
seal_header_parse(const uint8_t *p, size_t len, struct seal_item *it)
{
	size_t hlen;
	int ret = parse_header(p, len, it, &hlen);

	if (ret < 0)
		return ret;
	if (hlen != len) {
		memset(it, 0, sizeof *it);
		return ERR_CORRUPT;
	}
	return 0;
}

void
seal_item_key(const struct seal_item *it, const uint8_t Z[TSS_BYTES], const uint8_t P[TSS_BYTES],
    uint8_t key[32])
{
	derive_key(Z, it->R, P, it->key_id, it->camera, it->segment, it->m.track, key);
}

int
seal_item_restore(const struct seal_item *it, const uint8_t key[32], struct image *img)
{
	size_t raw = raw_bytes(it->r, it->shift_x, it->shift_y), zlen;
	const uint8_t *nonce = it->ad + it->ad_len - NONCE_BYTES;
	uint8_t *z = NULL, *res = NULL, *pix = NULL;
	unsigned long long got;
	size_t off = 0;
	int ret;

	if (it->ct_len <= TAG_BYTES)
		return ERR_CORRUPT;	/* a header alone (seal_header_parse) */
	if (img->width != it->frame_w || img->height != it->frame_h ||
	    img->shift_x != it->shift_x || img->shift_y != it->shift_y)
		return ERR_INVAL;
	zlen = it->ct_len - TAG_BYTES;
	/*
	 * The MAC first, into a buffer no larger than the payload itself:
	 * the header may claim a 4096x4096 region, and an unauthenticated
	 * payload in every frame must not make us allocate that.
	 */
	z = malloc(zlen);
	if (z == NULL)
		return ERR_NOMEM;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(z, &got, NULL, it->ct, it->ct_len,
	    it->ad, it->ad_len, nonce, key) != 0) {
		ret = ERR_AUTH;
		goto out;
	}
	if (ZSTD_getFrameContentSize(z, got) != raw) {
		ret = ERR_CORRUPT;
		goto out;
	}
	res = malloc(raw);
	pix = malloc(raw);
	if (res == NULL || pix == NULL) {
		ret = ERR_NOMEM;
		goto out;
	}
	if (ZSTD_decompress(res, raw, z, got) != raw) {
		ret = ERR_CORRUPT;
		goto out;
	}
	for (int pl = 0; pl < 3; pl++) {
		int w, h, sx = it->shift_x, sy = it->shift_y;
		int x0 = pl ? it->r.x >> sx : it->r.x, y0 = pl ? it->r.y >> sy : it->r.y;
		size_t n = plane_bytes(it->r, sx, sy, pl, &w, &h);

		unpredict(res + off, w, h, pix + off);
		for (int y = 0; y < h; y++)
			memcpy(img->data[pl] + (size_t)(y0 + y) * img->linesize[pl] + x0,
			    pix + off + (size_t)y * w, (size_t)w);
		off += n;
	}
	ret = 0;
out:
	if (pix != NULL)
		sodium_memzero(pix, raw);
	if (res != NULL)
		sodium_memzero(res, raw);
	sodium_memzero(z, zlen);
	free(z);
	free(res);
	free(pix);
	return ret;
}

#define BUNDLE_VERSION 1

int
seal_bundle(const uint8_t *const *items, const size_t *sizes, int n, uint8_t **out, size_t *len)
{
	struct wire_w w;

	*out = NULL;
	*len = 0;
	if (n < 0 || n > SEAL_BUNDLE_MAX)
		return ERR_INVAL;
	wire_w_init(&w, (size_t)SEAL_PAYLOAD_MAX * 4);
	wire_u8(&w, BUNDLE_VERSION);
	wire_u16(&w, (uint16_t)n);
	for (int i = 0; i < n; i++) {
		wire_u32(&w, (uint32_t)sizes[i]);
		wire_bytes(&w, items[i], sizes[i]);
	}
	if (w.err != 0) {
		int e = w.err;

		wire_w_free(&w);
		return e;
	}
	*out = w.p;
	*len = w.len;
	return 0;
}

int
seal_unbundle(const uint8_t *p, size_t len, const uint8_t **items, size_t *sizes, int max)
{
	struct wire_r r;
	int version, n;

	wire_r_init(&r, p, len);
	version = wire_get_u8(&r);
	n = wire_get_u16(&r);
	if (r.err != 0)
		return ERR_CORRUPT;
	if (version != BUNDLE_VERSION)
		return version > BUNDLE_VERSION ? ERR_UNSUPPORTED : ERR_CORRUPT;
	if (n > max)
		return ERR_CORRUPT;
	for (int i = 0; i < n; i++) {
		size_t sz = wire_get_u32(&r);

		items[i] = wire_get(&r, sz);
		sizes[i] = sz;
	}
	if (wire_r_done(&r) < 0)
		return ERR_CORRUPT;
	return n;
}
