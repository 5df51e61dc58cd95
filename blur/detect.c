/*
 * The scan plan of the face detector. YuNet reliably finds faces of about
 * DETECT_MIN_PX network pixels and up to the network's full input, so a
 * single pass cannot cover 16-pixel faces in a 4K frame and close-ups at
 * the same time. A coarse pass over the whole frame (long side `coarse`)
 * catches everything larger than DETECT_MIN_PX / coarse_scale; if the
 * smallest wanted face is smaller, a fine pass at scale DETECT_MIN_PX /
 * min_face covers the frame in overlapping tiles, a few of them per frame
 * in rotation (enough that each is revisited well within the tracker's
 * hold time), and the tracker holds what they find.
 */
#include <math.h>
#include <stdlib.h>

#include "../util/err.h"
#include "detect.h"
#include "yunet.h"

#define DETECT_MIN_PX 11.0f	/* smallest face YuNet finds reliably, network px */

struct detect {
	struct detect_opts o;
	struct yunet *net;
	int cursor;		/* next fine tile */
	struct det *scratch;	/* raw detections before NMS */
	int scratch_max;
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
	o->tile = 640;
	o->tiles_per_frame = 0;
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
	d->scratch_max = 4096;
	d->scratch = calloc((size_t)d->scratch_max, sizeof *d->scratch);
	if (d->scratch == NULL) {
		free(d);
		return ERR_NOMEM;
	}
	ret = yunet_create(o->model, &d->net, cause);
	if (ret < 0) {
		free(d->scratch);
		free(d);
		return ret;
	}
	*out = d;
	return 0;
}

void
detect_free(struct detect **d)
{
	if (d == NULL || *d == NULL)
		return;
	yunet_free(&(*d)->net);
	free((*d)->scratch);
	free(*d);
	*d = NULL;
}

static int
round32(float v)
{
	int r = (int)lrintf(v / 32) * 32;

	return r < 32 ? 32 : r;
}

/* Scale from frame to coarse network input. */
static float
coarse_scale(const struct detect *d, int fw, int fh)
{
	return (float)d->o.coarse / (float)(fw > fh ? fw : fh);
}

/* Scale of the fine pass, or 0 if the coarse pass sees min_face already. */
static float
fine_scale(const struct detect *d, int fw, int fh)
{
	float s = DETECT_MIN_PX / (float)d->o.min_face;

	if (s <= coarse_scale(d, fw, fh) * 1.05f)
		return 0;
	return s > 1 ? 1 : s;
}

void
detect_input_size(const struct detect *d, int fw, int fh, int *w, int *h)
{
	float s = fine_scale(d, fw, fh);

	if (s == 0)
		s = coarse_scale(d, fw, fh);
	if (s > 1)
		s = 1;	/* the network resize upsamples; no need to here */
	*w = (int)lrintf(fw * s);
	*h = (int)lrintf(fh * s);
	if (*w < 1) *w = 1;
	if (*h < 1) *h = 1;
}

/* Tiling of the fine image (iw x ih): count per axis and step. */
static void
tile_grid(const struct detect *d, int iw, int ih, int *nx, int *ny, int *side,
    int *overlap)
{
	/* Faces the coarse pass misses are small; a quarter-tile overlap
	 * keeps every one of them whole in at least one tile. */
	int t = d->o.tile, ov = t / 4;

	*side = t;
	*overlap = ov;
	/* n tiles of side t with overlap >= ov cover L when n >= (L-ov)/(t-ov). */
	*nx = iw <= t ? 1 : (iw - ov + (t - ov) - 1) / (t - ov);
	*ny = ih <= t ? 1 : (ih - ov + (t - ov) - 1) / (t - ov);
}

int
detect_tiles(const struct detect *d, int fw, int fh)
{
	int iw, ih, nx, ny, side, ov;

	if (fine_scale(d, fw, fh) == 0)
		return 0;
	detect_input_size(d, fw, fh, &iw, &ih);
	tile_grid(d, iw, ih, &nx, &ny, &side, &ov);
	return nx * ny;
}

/* Rect of tile k in an iw x ih image, spread evenly, each at most side. */
static struct rect
tile_rect(int k, int nx, int ny, int iw, int ih, int side)
{
	struct rect r;
	int cx = k % nx, cy = k / nx;

	r.w = iw < side ? iw : side;
	r.h = ih < side ? ih : side;
	r.x = nx > 1 ? (int)((long)(iw - r.w) * cx / (nx - 1)) : 0;
	r.y = ny > 1 ? (int)((long)(ih - r.h) * cy / (ny - 1)) : 0;
	return r;
}

/*
 * Drop detections below threshold, except that faces cut by the frame
 * border (which YuNet scores low: half a face) only need edge_threshold.
 */
static int
keep_confident(const struct detect *d, struct det *dets, int n, int iw, int ih)
{
	float mx = iw * 0.01f, my = ih * 0.01f;
	int kept = 0;

	for (int i = 0; i < n; i++) {
		struct box b = dets[i].box;
		int edge = b.x <= mx || b.y <= my || b.x + b.w >= iw - mx ||
		    b.y + b.h >= ih - my;

		if (dets[i].score >= d->o.threshold ||
		    (edge && dets[i].score >= d->o.edge_threshold))
			dets[kept++] = dets[i];
	}
	return kept;
}

int
detect_tiles_per_frame(const struct detect *d, int fw, int fh, int period)
{
	int tiles = detect_tiles(d, fw, fh);

	if (tiles == 0)
		return 0;
	if (d->o.tiles_per_frame > 0)
		return d->o.tiles_per_frame;
	if (period < 1)
		period = 1;
	return (tiles + period - 1) / period;
}

int
detect_run(struct detect *d, const uint8_t *bgr, int stride, int fw, int fh,
    int ntiles, struct det *out, int max, int *n)
{
	int iw, ih, got = 0, total = 0, ret, kept;
	float cs, fs, sx, sy;
	float lo = fminf(d->o.threshold, d->o.edge_threshold);
	struct rect whole;

	*n = 0;
	detect_input_size(d, fw, fh, &iw, &ih);
	whole = (struct rect){ 0, 0, iw, ih };
	cs = coarse_scale(d, fw, fh);
	fs = fine_scale(d, fw, fh);

	/* Coarse passes over the whole frame: long side = coarse, and half
	 * that for close-ups (large faces score higher at low resolution). */
	for (int half = 0; half < 2; half++) {
		float k = half ? cs / 2 : cs;

		ret = yunet_run(d->net, bgr, stride, whole, round32(fw * k),
		    round32(fh * k), lo, d->scratch + total, d->scratch_max - total,
		    &got);
		if (ret < 0)
			return ret;
		total += got;
	}

	if (fs > 0) {
		int nx, ny, side, ov, tiles;

		tile_grid(d, iw, ih, &nx, &ny, &side, &ov);
		tiles = nx * ny;
		for (int i = 0; i < ntiles && i < tiles; i++) {
			struct rect r = tile_rect(d->cursor, nx, ny, iw, ih, side);

			d->cursor = (d->cursor + 1) % tiles;
			ret = yunet_run(d->net, bgr, stride, r, round32(r.w),
			    round32(r.h), lo, d->scratch + total,
			    d->scratch_max - total, &got);
			if (ret < 0)
				return ret;
			total += got;
		}
	}

	total = keep_confident(d, d->scratch, total, iw, ih);
	kept = geom_nms(d->scratch, total, d->o.nms);
	/* Back to frame coordinates. */
	sx = (float)fw / (float)iw;
	sy = (float)fh / (float)ih;
	for (int i = 0; i < kept && i < max; i++) {
		struct det *o = &out[i];

		*o = d->scratch[i];
		o->box.x *= sx;
		o->box.y *= sy;
		o->box.w *= sx;
		o->box.h *= sy;
		for (int k = 0; k < 10; k += 2) {
			o->kps[k] *= sx;
			o->kps[k + 1] *= sy;
		}
	}
	*n = kept < max ? kept : max;
	return 0;
}
