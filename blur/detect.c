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

struct tile_state {
	uint8_t *ref;		/* block means at the last scan */
	int bx, by, bw, bh;	/* the tile's blocks in the grid */
	int age;		/* plans since the last scan */
	int scanned;		/* scanned at least once */
};

struct detect {
	struct detect_opts o;
	struct yunet *net;
	int cursor;		/* next fine tile */
	int period;		/* of the rotation, frames (detect_rotation) */
	int credit;		/* rotation tiles owed, in 1/period units */

	/* Change test state, for frames of fw x fh. */
	int fw, fh;
	int bs;			/* block side, frame px */
	int gw, gh;		/* block grid */
	uint8_t *blocks;	/* this frame's block means */
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
	d->ts = NULL;
	d->blocks = NULL;
	d->ntiles = 0;
	d->fw = d->fh = 0;
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
 * The fine tiles of a frame: nx x ny tiles of tw x th fine pixels (the
 * network input) over the fine image, iw x ih, the frame at scale fs.
 */
struct grid {
	float fs;
	int fw, fh;		/* the frame */
	int iw, ih;
	int nx, ny, tw, th;
};

static int
ceil32(int v)
{
	return (v + 31) / 32 * 32;
}

/*
 * One axis of the grid: n tiles of side t over len fine pixels, each
 * overlapping the next by at least ov (a quarter of opts.tile) so that a
 * face up to ov wide is whole in one of them. The side is a multiple of
 * 32 no larger than opts.tile, fitted to the count: with a fixed side,
 * tiles spread to cover the length overlap more than needed (a 1080p
 * frame at min_face 16 took 1.88 network pixels per fine pixel with 320
 * px tiles, 1.70 fitted). Of the counts that fit, the one with the fewest
 * network pixels wins, the fewer tiles on a tie.
 */
static void
grid_axis(int len, int tmax, int *n, int *t)
{
	int ov = tmax / 4, best = 0;

	if (len <= tmax) {
		*n = 1;
		*t = len;
		return;
	}
	for (int k = (len - ov + (tmax - ov) - 1) / (tmax - ov), tries = 0; tries < 3;
	    k++, tries++) {
		int side = ceil32((len + (k - 1) * ov + k - 1) / k);

		if (side > tmax)
			continue;
		if (best == 0 || k * side < best) {
			best = k * side;
			*n = k;
			*t = side;
		}
	}
}

static void
fine_size(const struct detect *d, int fw, int fh, int *iw, int *ih)
{
	float fs = fine_scale(d, fw, fh);

	*iw = (int)lrintf(fw * fs);
	*ih = (int)lrintf(fh * fs);
}

/* The grid for fw x fh frames; 0 if the coarse pass suffices. */
static int
grid_get(const struct detect *d, int fw, int fh, struct grid *g)
{
	memset(g, 0, sizeof *g);
	g->fs = fine_scale(d, fw, fh);
	if (g->fs == 0)
		return 0;
	g->fw = fw;
	g->fh = fh;
	fine_size(d, fw, fh, &g->iw, &g->ih);
	grid_axis(g->iw, d->o.tile, &g->nx, &g->tw);
	grid_axis(g->ih, d->o.tile, &g->ny, &g->th);
	return g->nx * g->ny;
}

int
detect_tiles(const struct detect *d, int fw, int fh)
{
	struct grid g;

	return grid_get(d, fw, fh, &g);
}

int
detect_rotation(struct detect *d, int fw, int fh, int period)
{
	int tiles = detect_tiles(d, fw, fh), n;

	if (tiles == 0)
		return 0;
	if (d->o.tiles_per_frame > 0) {
		n = d->o.tiles_per_frame < tiles ? d->o.tiles_per_frame : tiles;
		d->period = (tiles + n - 1) / n;
		return n;
	}
	if (period < 1)
		period = 1;
	/* tiles / period per frame, the remainder carried in units of
	 * 1/period: any `period` calls in a row plan exactly `tiles`. */
	if (period != d->period) {
		d->period = period;
		d->credit = 0;
	}
	d->credit += tiles;
	n = d->credit / period;
	d->credit %= period;
	return n;
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
tile_at(const struct grid *g, int k)
{
	struct rect r;
	int cx = k % g->nx, cy = k / g->nx;

	r.w = g->tw;
	r.h = g->th;
	r.x = g->nx > 1 ? (int)((long)(g->iw - r.w) * cx / (g->nx - 1)) : 0;
	r.y = g->ny > 1 ? (int)((long)(g->ih - r.h) * cy / (g->ny - 1)) : 0;
	return r;
}

/*
 * The tile that best contains box b (fine coordinates): the one whose
 * centre is nearest b's among those containing it whole, else nearest.
 */
static int
tile_for(const struct grid *g, struct box b)
{
	float bx = b.x + b.w / 2, by = b.y + b.h / 2, best = 0;
	int pick = -1, best_whole = 0;

	for (int k = 0; k < g->nx * g->ny; k++) {
		struct rect r = tile_at(g, k);
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
tile_src(const struct grid *g, int k)
{
	struct rect r = tile_at(g, k);

	return even_rect((int)(r.x / g->fs), (int)(r.y / g->fs),
	    (int)ceilf(r.w / g->fs), (int)ceilf(r.h / g->fs), g->fw, g->fh);
}

/* Block grid and per-tile change state for fw x fh frames. */
static int
tiles_setup(struct detect *d, const struct grid *g)
{
	int fw = g->fw, fh = g->fh, all = g->nx * g->ny;

	tiles_reset(d);
	d->bs = d->o.min_face / 2 < 4 ? 4 : d->o.min_face / 2;
	d->gw = (fw + d->bs - 1) / d->bs;
	d->gh = (fh + d->bs - 1) / d->bs;
	d->blocks = malloc((size_t)d->gw * d->gh);
	d->ts = calloc((size_t)all, sizeof *d->ts);
	if (d->blocks == NULL || d->ts == NULL)
		goto fail;
	d->ntiles = all;
	for (int k = 0; k < all; k++) {
		struct tile_state *t = &d->ts[k];
		struct rect r = tile_src(g, k);

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
plan_tile(const struct grid *g, int k, struct detect_pass *p)
{
	struct rect r = tile_at(g, k);

	p->src = tile_src(g, k);
	p->w = round32((float)r.w);
	p->h = round32((float)r.h);
}

int
detect_plan(struct detect *d, int fw, int fh, const struct image *img, int tiles,
    const struct box *hints, int nhints, struct detect_pass *out)
{
	float cs = coarse_scale(d, fw, fh);
	struct grid g;
	int n = 0, all, gate, refresh, picked = 0, last = -1;
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
	all = grid_get(d, fw, fh, &g);
	if (all == 0)
		return n;
	gate = img != NULL && img->width == fw && img->height == fh;
	if (gate && (d->fw != fw || d->fh != fh || d->ntiles != all))
		gate = tiles_setup(d, &g) == 0;
	if (gate) {
		block_means(d, img);
		for (int k = 0; k < all; k++)
			d->ts[k].age++;
	}
	/* A rotation takes the period detect_rotation was last asked for,
	 * else what `tiles` per frame makes it. */
	refresh = DETECT_REFRESH * (d->period > 0 ? d->period :
	    tiles > 0 ? (all + tiles - 1) / tiles : all);
	d->st.plans++;

	/* Tiles of tracked small faces first (they must not wait for the
	 * rotation). Each face gets the tile nearest its centre even when
	 * another planned tile holds it whole: faces near a tile's edge
	 * are found less often (measured on a 1080p crowd clip: misses
	 * 7 -> 17). A crop around the face alone finds fewer still. */
	for (int i = 0; i < nhints && n + nhk < DETECT_MAX_PASSES; i++) {
		struct box b = hints[i];
		int k, seen = 0;

		if (b.h * cs >= DETECT_MIN_PX * 1.5f)
			continue;	/* the coarse pass sees it */
		b.x *= g.fs; b.y *= g.fs; b.w *= g.fs; b.h *= g.fs;
		k = tile_for(&g, b);
		for (int j = 0; j < nhk; j++)
			seen |= hk[j] == k;
		if (!seen)
			hk[nhk++] = k;
	}
	for (int i = 0; i < nhk; i++) {
		if (gate)
			tile_scanned(d, &d->ts[hk[i]]);
		plan_tile(&g, hk[i], &out[n++]);
		d->st.hint_tiles++;
	}
	/* Then the rotation, which finds new faces: the next tiles that
	 * changed since their last scan or are due a refresh. */
	for (int i = 0; i < all && picked < tiles && n < DETECT_MAX_PASSES; i++) {
		int k = (d->cursor + i) % all, dup = 0;
		struct tile_state *t = gate ? &d->ts[k] : NULL;

		for (int j = 0; j < nhk; j++)
			dup |= hk[j] == k;
		if (dup)
			continue;
		if (t != NULL && t->scanned && t->age < refresh && !tile_changed(d, t))
			continue;
		if (t != NULL)
			tile_scanned(d, t);
		plan_tile(&g, k, &out[n++]);
		picked++;
		last = k;
		d->st.tiles_run++;
	}
	/* Short of the rate asked, and not for want of passes: the rest
	 * of the rotation had not changed. */
	if (n < DETECT_MAX_PASSES && picked < (tiles < all - nhk ? tiles : all - nhk))
		d->st.tiles_unchanged += (uint64_t)((tiles < all - nhk ? tiles : all - nhk) - picked);
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
