/*
 * The scan plan of the face detector. YuNet reliably finds faces of about
 * DETECT_MIN_PX network pixels and up to the network's full input, so a
 * single pass cannot cover 16-pixel faces in a 4K frame and close-ups at
 * the same time.
 *
 * Without tiles, one coarse pass (long side `coarse`) must see min_face
 * itself. When min_face is smaller than that, a fine pass at scale
 * DETECT_MIN_PX / min_face covers the frame in overlapping tiles: the
 * tiles of faces already tracked every frame, and the others a few per
 * frame in rotation (the caller sets the rate); the coarse pass then only has to catch faces too
 * big to be whole in a tile, so it runs small (`coarse_tiled`). Network
 * pixels per frame, not frame pixels, are what detection costs.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/err.h"
#include "detect.h"
#include "yunet.h"

#define DETECT_MIN_PX 11.0f	/* smallest face YuNet finds reliably, network px */

/*
 * Change test of the fine tiles. A tile is scanned again only when its
 * picture changed since its last scan, or when it has not been scanned
 * for DETECT_REFRESH rotations: the network is deterministic, so the
 * same pixels give the same faces, and most of a fixed camera's picture
 * is still background. The picture is summarised as the mean luma of
 * blocks half the smallest face wide (16 samples each); a tile changed
 * when one of its blocks moved by more than DETECT_CHANGE levels, which
 * the smallest face walking in, turning or being uncovered does, and
 * sensor noise and re-encoding do not.
 */
#define DETECT_CHANGE 10
#define DETECT_REFRESH 4

/*
 * Flat tiles. A tile none of whose windows of 3 x 3 blocks (one and a
 * half smallest faces) spans DETECT_FLAT levels of block mean or more
 * cannot hold a face: a blank wall, a ceiling, sky. Measured with the
 * same block means on every face an exhaustive scan finds in three 1080p
 * clips (MOT20-05 crowd at night, MOT17-13 street, vtest corridor: 1130
 * faces), the flattest spanned 12 levels (a face cut by the frame border,
 * score 0.33), every other at least 16, most over 64. Flat tiles leave
 * the rotation (but for the refresh) and its rate shrinks with them, so
 * each tile that could hold a face is still visited as often as before
 * and a picture that is half wall costs half the fine scans.
 */
#define DETECT_FLAT 8

struct tile_state {
	uint8_t *ref;		/* block means at the last scan */
	int bx, by, bw, bh;	/* the tile's blocks in the grid */
	int age;		/* plans since the last scan */
	int scanned;		/* scanned at least once */
	int flat;		/* on this frame (see DETECT_FLAT) */
};

struct detect {
	struct detect_opts o;
	struct yunet *net;
	int cursor;		/* next fine tile */
	int credit;		/* rotation tiles owed, in units of
				   1 / (ntiles * DETECT_REFRESH) */

	/* Change test state, for frames of fw x fh. */
	int fw, fh;
	int bs;			/* block side, frame px */
	int gw, gh;		/* block grid */
	uint8_t *blocks;	/* this frame's block means */
	uint8_t *span;		/* each block's 3 x 3 window: max - min mean */
	int ntiles;
	struct tile_state *ts;
	struct detect_stats st;
};

void
detect_defaults(struct detect_opts *o)
{
	o->model = NULL;
	o->threshold = 0.5f;
	o->edge_threshold = 0.3f;
	o->nms = 0.3f;
	o->min_face = 16;
	o->coarse = 640;
	o->coarse_tiled = 320;
	o->tile = 320;
	o->tiles_per_frame = 0;
	o->threads = 1;
}

int
detect_create(const struct detect_opts *o, struct detect **out, char **cause)
{
	struct detect *d;
	int ret;

	*out = NULL;
	d = calloc(1, sizeof *d);
	if (d == NULL)
		return ERR_NOMEM;
	d->o = *o;
	yunet_set_threads(o->threads);
	ret = yunet_create(o->model, &d->net, cause);
	if (ret < 0) {
		free(d);
		return ret;
	}
	*out = d;
	return 0;
}

static void
tiles_reset(struct detect *d)
{
	for (int k = 0; k < d->ntiles; k++)
		free(d->ts[k].ref);
	free(d->ts);
	free(d->blocks);
	free(d->span);
	d->ts = NULL;
	d->blocks = NULL;
	d->span = NULL;
	d->ntiles = 0;
	d->fw = d->fh = 0;
	d->credit = 0;
}

void
detect_free(struct detect **d)
{
	if (d == NULL || *d == NULL)
		return;
	tiles_reset(*d);
	yunet_free(&(*d)->net);
	free(*d);
	*d = NULL;
}

static int
round32(float v)
{
	int r = (int)lrintf(v / 32) * 32;

	return r < 32 ? 32 : r;
}

static float
long_side(int fw, int fh)
{
	return (float)(fw > fh ? fw : fh);
}

/* Scale of the fine pass, or 0 if a `coarse` pass sees min_face already. */
static float
fine_scale(const struct detect *d, int fw, int fh)
{
	float s = DETECT_MIN_PX / (float)d->o.min_face;

	if (s <= d->o.coarse / long_side(fw, fh) * 1.05f)
		return 0;
	return s > 1 ? 1 : s;
}

/* Scale of the coarse pass actually run (see the top of this file). */
static float
coarse_scale(const struct detect *d, int fw, int fh)
{
	float fs = fine_scale(d, fw, fh), need;

	if (fs == 0)
		return d->o.coarse / long_side(fw, fh);
	/* Tiles overlap by a quarter tile (fine pixels): faces larger than
	 * that, in source pixels, must reach DETECT_MIN_PX here. */
	need = DETECT_MIN_PX * fs / (d->o.tile / 4.0f) * 1.5f;
	return fmaxf(need, d->o.coarse_tiled / long_side(fw, fh));
}

/*
 * Tile grid over the fine image (iw x ih fine pixels). Full-size tiles
 * spread evenly overlap by more than the quarter the coarse pass relies
 * on (1080p: 120 x 109 fine px), which costs network pixels (1.88 per
 * fine pixel) but keeps faces away from tile borders, where YuNet finds
 * them less often. Tiles fitted to the minimum overlap (288 x 320, 1.69
 * network px per fine px) left 15.5% of MOT20-05's faces uncovered
 * instead of 9.3% (facecheck, 1080p, 2 tiles per frame).
 */
static void
tile_grid(const struct detect *d, int iw, int ih, int *nx, int *ny)
{
	int t = d->o.tile, ov = t / 4;

	/* n tiles of side t with overlap >= ov cover L when n >= (L-ov)/(t-ov). */
	*nx = iw <= t ? 1 : (iw - ov + (t - ov) - 1) / (t - ov);
	*ny = ih <= t ? 1 : (ih - ov + (t - ov) - 1) / (t - ov);
}

static void
fine_size(const struct detect *d, int fw, int fh, int *iw, int *ih)
{
	float fs = fine_scale(d, fw, fh);

	*iw = (int)lrintf(fw * fs);
	*ih = (int)lrintf(fh * fs);
}

int
detect_tiles(const struct detect *d, int fw, int fh)
{
	int iw, ih, nx, ny;

	if (fine_scale(d, fw, fh) == 0)
		return 0;
	fine_size(d, fw, fh, &iw, &ih);
	tile_grid(d, iw, ih, &nx, &ny);
	return nx * ny;
}

int
detect_tiles_per_frame(const struct detect *d, int fw, int fh, int period)
{
	int tiles = detect_tiles(d, fw, fh);

	if (tiles == 0)
		return 0;
	if (d->o.tiles_per_frame > 0)
		return d->o.tiles_per_frame < tiles ? d->o.tiles_per_frame : tiles;
	if (period < 1)
		period = 1;
	return (tiles + period - 1) / period;
}

/* Round a rect to even coordinates and sizes inside fw x fh (4:2:0 planes). */
static struct rect
even_rect(int x, int y, int w, int h, int fw, int fh)
{
	struct rect r;

	r.x = x & ~1;
	r.y = y & ~1;
	r.w = (w + (x - r.x) + 1) & ~1;
	r.h = (h + (y - r.y) + 1) & ~1;
	if (r.x + r.w > fw)
		r.w = (fw - r.x) & ~1;
	if (r.y + r.h > fh)
		r.h = (fh - r.y) & ~1;
	if (r.w < 2) r.w = fw < 2 ? fw : 2;
	if (r.h < 2) r.h = fh < 2 ? fh : 2;
	return r;
}

/* Fine-image rect of tile k. */
static struct rect
tile_at(const struct detect *d, int k, int nx, int ny, int iw, int ih)
{
	struct rect r;
	int cx = k % nx, cy = k / nx;

	r.w = iw < d->o.tile ? iw : d->o.tile;
	r.h = ih < d->o.tile ? ih : d->o.tile;
	r.x = nx > 1 ? (int)((long)(iw - r.w) * cx / (nx - 1)) : 0;
	r.y = ny > 1 ? (int)((long)(ih - r.h) * cy / (ny - 1)) : 0;
	return r;
}

/*
 * The tile that best contains box b (fine coordinates): the one whose
 * centre is nearest b's among those containing it whole, else nearest.
 */
static int
tile_for(const struct detect *d, struct box b, int nx, int ny, int iw, int ih)
{
	float bx = b.x + b.w / 2, by = b.y + b.h / 2, best = 0;
	int pick = -1, best_whole = 0;

	for (int k = 0; k < nx * ny; k++) {
		struct rect r = tile_at(d, k, nx, ny, iw, ih);
		int whole = b.x >= r.x && b.y >= r.y && b.x + b.w <= r.x + r.w &&
		    b.y + b.h <= r.y + r.h;
		float dx = bx - (r.x + r.w / 2.0f), dy = by - (r.y + r.h / 2.0f);
		float dist = dx * dx + dy * dy;

		/* Whole beats cut; then nearer wins. */
		if (pick < 0 || whole > best_whole || (whole == best_whole && dist < best)) {
			best = dist;
			best_whole = whole;
			pick = k;
		}
	}
	return pick;
}

/* Frame rect of fine tile k. */
static struct rect
tile_src(const struct detect *d, int k, int nx, int ny, int iw, int ih, float fs,
    int fw, int fh)
{
	struct rect r = tile_at(d, k, nx, ny, iw, ih);

	return even_rect((int)(r.x / fs), (int)(r.y / fs), (int)ceilf(r.w / fs),
	    (int)ceilf(r.h / fs), fw, fh);
}

/* Block grid and per-tile change state for fw x fh frames. */
static int
tiles_setup(struct detect *d, int fw, int fh, int nx, int ny, int iw, int ih)
{
	float fs = fine_scale(d, fw, fh);

	tiles_reset(d);
	d->bs = d->o.min_face / 2 < 4 ? 4 : d->o.min_face / 2;
	d->gw = (fw + d->bs - 1) / d->bs;
	d->gh = (fh + d->bs - 1) / d->bs;
	d->blocks = malloc((size_t)d->gw * d->gh);
	d->span = malloc((size_t)d->gw * d->gh);
	d->ts = calloc((size_t)nx * ny, sizeof *d->ts);
	if (d->blocks == NULL || d->span == NULL || d->ts == NULL)
		goto fail;
	d->ntiles = nx * ny;
	for (int k = 0; k < nx * ny; k++) {
		struct tile_state *t = &d->ts[k];
		struct rect r = tile_src(d, k, nx, ny, iw, ih, fs, fw, fh);

		t->bx = r.x / d->bs;
		t->by = r.y / d->bs;
		t->bw = (r.x + r.w - 1) / d->bs - t->bx + 1;
		t->bh = (r.y + r.h - 1) / d->bs - t->by + 1;
		t->ref = malloc((size_t)t->bw * t->bh);
		if (t->ref == NULL)
			goto fail;
	}
	d->fw = fw;
	d->fh = fh;
	return 0;
fail:
	tiles_reset(d);
	return ERR_NOMEM;
}

/* Mean luma of every block of img, from 4 x 4 samples each. */
static void
block_means(struct detect *d, const struct image *img)
{
	int bs = d->bs, step = bs / 4;

	for (int gy = 0; gy < d->gh; gy++) {
		int y0 = gy * bs + step / 2, y1 = (gy + 1) * bs;

		if (y1 > img->height)
			y1 = img->height;
		for (int gx = 0; gx < d->gw; gx++) {
			int x0 = gx * bs + step / 2, x1 = (gx + 1) * bs;
			unsigned sum = 0, cnt = 0;

			if (x1 > img->width)
				x1 = img->width;
			for (int y = y0; y < y1; y += step) {
				const uint8_t *row = img->data[0] + (size_t)y * img->linesize[0];

				for (int x = x0; x < x1; x += step) {
					sum += row[x];
					cnt++;
				}
			}
			d->blocks[(size_t)gy * d->gw + gx] =
			    (uint8_t)(cnt ? (sum + cnt / 2) / cnt : 0);
		}
	}
}

/* Each block's span: max - min of the means in its 3 x 3 window. */
static void
block_spans(struct detect *d)
{
	for (int gy = 0; gy < d->gh; gy++) {
		int y0 = gy > 0 ? gy - 1 : 0, y1 = gy + 1 < d->gh ? gy + 1 : gy;

		for (int gx = 0; gx < d->gw; gx++) {
			int x0 = gx > 0 ? gx - 1 : 0, x1 = gx + 1 < d->gw ? gx + 1 : gx;
			int lo = 255, hi = 0;

			for (int y = y0; y <= y1; y++) {
				const uint8_t *row = d->blocks + (size_t)y * d->gw;

				for (int x = x0; x <= x1; x++) {
					lo = row[x] < lo ? row[x] : lo;
					hi = row[x] > hi ? row[x] : hi;
				}
			}
			d->span[(size_t)gy * d->gw + gx] = (uint8_t)(hi - lo);
		}
	}
}

static int
tile_flat(const struct detect *d, const struct tile_state *t)
{
	for (int y = 0; y < t->bh; y++) {
		const uint8_t *sp = d->span + (size_t)(t->by + y) * d->gw + t->bx;

		for (int x = 0; x < t->bw; x++)
			if (sp[x] >= DETECT_FLAT)
				return 0;
	}
	return 1;
}

static int
tile_changed(const struct detect *d, const struct tile_state *t)
{
	for (int y = 0; y < t->bh; y++) {
		const uint8_t *cur = d->blocks + (size_t)(t->by + y) * d->gw + t->bx;
		const uint8_t *ref = t->ref + (size_t)y * t->bw;

		for (int x = 0; x < t->bw; x++)
			if (abs(cur[x] - ref[x]) > DETECT_CHANGE)
				return 1;
	}
	return 0;
}

/* Tile t is being scanned on this frame: it is the new reference. */
static void
tile_scanned(struct detect *d, struct tile_state *t)
{
	for (int y = 0; y < t->bh; y++)
		memcpy(t->ref + (size_t)y * t->bw,
		    d->blocks + (size_t)(t->by + y) * d->gw + t->bx, (size_t)t->bw);
	t->age = 0;
	t->scanned = 1;
}

static void
plan_tile(const struct detect *d, int k, int nx, int ny, int iw, int ih, float fs,
    int fw, int fh, struct detect_pass *p)
{
	struct rect r = tile_at(d, k, nx, ny, iw, ih);

	p->src = tile_src(d, k, nx, ny, iw, ih, fs, fw, fh);
	p->w = round32((float)r.w);
	p->h = round32((float)r.h);
}

int
detect_plan(struct detect *d, int fw, int fh, const struct image *img, int tiles,
    const struct box *hints, int nhints, struct detect_pass *out)
{
	float cs = coarse_scale(d, fw, fh), fs = fine_scale(d, fw, fh);
	int n = 0, iw, ih, nx, ny, all, gate, refresh, picked = 0, last = -1;
	int budget = tiles, nflat = 0, cap, fresh = 0;
	int hk[DETECT_MAX_PASSES], nhk = 0;	/* tiles of tracked faces */

	/* Coarse pass(es) over the whole frame; the half-scale one for
	 * close-ups unless the coarse pass is small already. */
	for (int half = 0; half < 2; half++) {
		float k = half ? cs / 2 : cs;

		if (half && long_side(fw, fh) * cs <= d->o.coarse_tiled * 1.5f)
			break;
		out[n].src = even_rect(0, 0, fw, fh, fw, fh);
		out[n].w = round32(fw * k);
		out[n].h = round32(fh * k);
		n++;
	}
	if (fs == 0)
		return n;
	fine_size(d, fw, fh, &iw, &ih);
	tile_grid(d, iw, ih, &nx, &ny);
	all = nx * ny;
	gate = img != NULL && img->width == fw && img->height == fh;
	if (gate && (d->fw != fw || d->fh != fh || d->ntiles != all))
		gate = fresh = tiles_setup(d, fw, fh, nx, ny, iw, ih) == 0;
	refresh = DETECT_REFRESH * (tiles > 0 ? (all + tiles - 1) / tiles : all);
	/* Flat tiles wait for their refresh from the start: stagger it, or
	 * they would all come due on the same frame. */
	for (int k = 0; fresh && k < all; k++)
		d->ts[k].age = refresh * k / all;
	if (gate) {
		block_means(d, img);
		block_spans(d);
		for (int k = 0; k < all; k++) {
			d->ts[k].age++;
			d->ts[k].flat = tile_flat(d, &d->ts[k]);
			nflat += d->ts[k].flat;
		}
	}
	d->st.plans++;
	/* The rotation's rate for the tiles that could hold a face, and a
	 * flat tile's refresh: tiles * (all - nflat + nflat / DETECT_REFRESH)
	 * / all per frame, the fraction carried to the next frame. */
	if (gate && tiles > 0 && nflat > 0) {
		int unit = all * DETECT_REFRESH;

		d->credit += tiles * ((all - nflat) * DETECT_REFRESH + nflat);
		budget = d->credit / unit;
		d->credit %= unit;
		d->st.tiles_flat += (uint64_t)(tiles - budget);
	}

	/* Tiles of tracked small faces first (they must not wait for the
	 * rotation). Each face gets the tile nearest its centre even when
	 * another planned tile holds it whole: faces near a tile's edge
	 * are found less often (measured on a 1080p crowd clip: misses
	 * 7 -> 17). Crops centred on the faces instead of whole tiles
	 * (160 or 224 px, 40% or 20% less detection time in crowds) left
	 * far more faces uncovered: MOT20-05 9.3% -> 21.8% / 13.0%, vtest
	 * 2.4% -> 5.3%, MOT17-13 14.1% -> 25.9% (facecheck, 1080p). The
	 * whole tile also finds the new faces around a tracked one. */
	for (int i = 0; i < nhints && n + nhk < DETECT_MAX_PASSES; i++) {
		struct box b = hints[i];
		int k, seen = 0;

		if (b.h * cs >= DETECT_MIN_PX * 1.5f)
			continue;	/* the coarse pass sees it */
		b.x *= fs; b.y *= fs; b.w *= fs; b.h *= fs;
		k = tile_for(d, b, nx, ny, iw, ih);
		for (int j = 0; j < nhk; j++)
			seen |= hk[j] == k;
		if (!seen)
			hk[nhk++] = k;
	}
	for (int i = 0; i < nhk; i++) {
		if (gate)
			tile_scanned(d, &d->ts[hk[i]]);
		plan_tile(d, hk[i], nx, ny, iw, ih, fs, fw, fh, &out[n++]);
		d->st.hint_tiles++;
	}
	/* Then the rotation, which finds new faces: the next tiles that
	 * are not flat and changed since their last scan, or are due a
	 * refresh. */
	for (int i = 0; i < all && picked < budget && n < DETECT_MAX_PASSES; i++) {
		int k = (d->cursor + i) % all, dup = 0;
		struct tile_state *t = gate ? &d->ts[k] : NULL;

		for (int j = 0; j < nhk; j++)
			dup |= hk[j] == k;
		if (dup)
			continue;
		if (t != NULL && t->age < refresh &&
		    (t->flat || (t->scanned && !tile_changed(d, t))))
			continue;
		if (t != NULL)
			tile_scanned(d, t);
		plan_tile(d, k, nx, ny, iw, ih, fs, fw, fh, &out[n++]);
		picked++;
		last = k;
		d->st.tiles_run++;
	}
	/* Short of the rate, and not for want of passes: the rest of the
	 * rotation had not changed (or is flat). */
	cap = budget < all - nhk ? budget : all - nhk;
	if (n < DETECT_MAX_PASSES && picked < cap)
		d->st.tiles_unchanged += (uint64_t)(cap - picked);
	if (last >= 0)
		d->cursor = (last + 1) % all;
	return n;
}

void
detect_get_stats(const struct detect *d, struct detect_stats *s)
{
	*s = d->st;
}

int
detect_pass_run(struct detect *d, const struct detect_pass *p, const uint8_t *bgr,
    int stride, struct det *out, int max, int *n)
{
	struct rect whole = { 0, 0, p->w, p->h };
	float sx = (float)p->src.w / p->w, sy = (float)p->src.h / p->h;
	int got = 0, ret;

	ret = yunet_run(d->net, bgr, stride, whole, p->w, p->h,
	    fminf(d->o.threshold, d->o.edge_threshold), out + *n, max - *n, &got);
	if (ret < 0)
		return ret;
	for (int i = *n; i < *n + got; i++) {
		struct det *o = &out[i];

		o->box.x = p->src.x + o->box.x * sx;
		o->box.y = p->src.y + o->box.y * sy;
		o->box.w *= sx;
		o->box.h *= sy;
		for (int k = 0; k < 10; k += 2) {
			o->kps[k] = p->src.x + o->kps[k] * sx;
			o->kps[k + 1] = p->src.y + o->kps[k + 1] * sy;
		}
	}
	*n += got;
	return 0;
}

int
detect_finish(const struct detect *d, int fw, int fh, struct det *dets, int n)
{
	float mx = fw * 0.01f, my = fh * 0.01f;
	int kept = 0;

	/* Faces cut by the frame border score low (half a face). */
	for (int i = 0; i < n; i++) {
		struct box b = dets[i].box;
		int edge = b.x <= mx || b.y <= my || b.x + b.w >= fw - mx ||
		    b.y + b.h >= fh - my;

		if (dets[i].score >= d->o.threshold ||
		    (edge && dets[i].score >= d->o.edge_threshold))
			dets[kept++] = dets[i];
	}
	return geom_nms(dets, kept, d->o.nms);
}
