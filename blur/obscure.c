/*
 * Pixel operations that hide faces, on 8-bit planar YUV as decoded (no
 * RGB round trip). Each mode works plane by plane on the ellipse
 * inscribed in the region, mapped to the plane's subsampled grid so luma
 * and chroma stay aligned.
 *
 * mask is the default because it carries no information about the face:
 * a hatched grey fill.
 * pixelate and blur keep some (published attacks re-identify such faces
 * with trained networks), so they are deliberately coarse.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../util/err.h"
#include "obscure.h"

#define MASK_C 128	/* neutral chroma: the mask is grey */
#define PIXELATE_BLOCKS 8
#define BLUR_PASSES 3

struct obscure {
	enum obscure_mode mode;
	uint16_t *buf;		/* blur scratch */
	size_t buf_len;
};

int
obscure_mode_parse(const char *s)
{
	if (strcmp(s, "mask") == 0)
		return OBSCURE_MASK;
	if (strcmp(s, "pixelate") == 0)
		return OBSCURE_PIXELATE;
	if (strcmp(s, "blur") == 0)
		return OBSCURE_BLUR;
	return -1;
}

const char *
obscure_mode_name(enum obscure_mode m)
{
	switch (m) {
	case OBSCURE_MASK:	return "mask";
	case OBSCURE_PIXELATE:	return "pixelate";
	case OBSCURE_BLUR:	return "blur";
	}
	return "?";
}

struct obscure *
obscure_create(enum obscure_mode mode)
{
	struct obscure *o = calloc(1, sizeof *o);

	if (o != NULL)
		o->mode = mode;
	return o;
}

void
obscure_free(struct obscure **o)
{
	if (o == NULL || *o == NULL)
		return;
	free((*o)->buf);
	free(*o);
	*o = NULL;
}

/* One plane's view of the ellipse: centre, semi-axes, bounding rect. */
struct plane_ellipse {
	float cx, cy, rx, ry;
	int x0, y0, x1, y1;	/* half-open bounds, clipped to the plane */
	int rect;		/* cover the whole bounding rectangle */
};

static int
plane_ellipse(struct box b, int pw, int ph, int sx, int sy, struct plane_ellipse *e)
{
	float fx = 1.0f / (float)(1 << sx), fy = 1.0f / (float)(1 << sy);

	e->rx = b.w * fx / 2;
	e->ry = b.h * fy / 2;
	e->cx = (b.x * fx) + e->rx;
	e->cy = (b.y * fy) + e->ry;
	e->x0 = (int)floorf(e->cx - e->rx);
	e->x1 = (int)ceilf(e->cx + e->rx);
	e->y0 = (int)floorf(e->cy - e->ry);
	e->y1 = (int)ceilf(e->cy + e->ry);
	if (e->x0 < 0) e->x0 = 0;
	if (e->y0 < 0) e->y0 = 0;
	if (e->x1 > pw) e->x1 = pw;
	if (e->y1 > ph) e->y1 = ph;
	return e->rx > 0 && e->ry > 0 && e->x1 > e->x0 && e->y1 > e->y0;
}

/*
 * Horizontal span of the ellipse on row y (pixel centres inside, with a
 * half-pixel margin so subsampled planes never leave a clear fringe).
 */
static int
row_span(const struct plane_ellipse *e, int y, int *xa, int *xb)
{
	float dy = ((float)y + 0.5f - e->cy) / (e->ry + 0.5f);
	float half;

	if (e->rect) {
		*xa = e->x0;
		*xb = e->x1;
		return y >= e->y0 && y < e->y1 && *xb > *xa;
	}
	if (dy <= -1 || dy >= 1)
		return 0;
	half = (e->rx + 0.5f) * sqrtf(1 - dy * dy);
	*xa = (int)floorf(e->cx - half);
	*xb = (int)ceilf(e->cx + half);
	if (*xa < e->x0) *xa = e->x0;
	if (*xb > e->x1) *xb = e->x1;
	return *xb > *xa;
}

static void
fill_plane(uint8_t *p, int ls, const struct plane_ellipse *e, uint8_t v)
{
	int xa, xb;

	for (int y = e->y0; y < e->y1; y++)
		if (row_span(e, y, &xa, &xb))
			memset(p + (size_t)y * ls + xa, v, (size_t)(xb - xa));
}

/*
 * The mask is hatched, not flat: a flat grey oval on a neck is a head
 * silhouette, and detectors (YuNet among them) score it as a face ~0.5.
 * The hatching is a fixed function of position, never of the face.
 */
uint8_t
obscure_mask_luma(int x, int y)
{
	return ((x + y) >> 3) & 1 ? 64 : 128;
}

static void
hatch_plane(uint8_t *p, int ls, const struct plane_ellipse *e)
{
	int xa, xb;

	for (int y = e->y0; y < e->y1; y++)
		if (row_span(e, y, &xa, &xb))
			for (int x = xa; x < xb; x++)
				p[(size_t)y * ls + x] = obscure_mask_luma(x, y);
}

static void
pixelate_plane(uint8_t *p, int ls, const struct plane_ellipse *e, int bs)
{
	/* Blocks are aligned to the ellipse's bounding box. */
	for (int by = e->y0; by < e->y1; by += bs) {
		int bye = by + bs < e->y1 ? by + bs : e->y1;

		for (int bx = e->x0; bx < e->x1; bx += bs) {
			int bxe = bx + bs < e->x1 ? bx + bs : e->x1;
			unsigned sum = 0, cnt = 0;
			int xa, xb;

			for (int y = by; y < bye; y++)
				for (int x = bx; x < bxe; x++)
					sum += p[(size_t)y * ls + x];
			cnt = (unsigned)((bye - by) * (bxe - bx));
			for (int y = by; y < bye; y++) {
				if (!row_span(e, y, &xa, &xb))
					continue;
				if (xa < bx) xa = bx;
				if (xb > bxe) xb = bxe;
				if (xb > xa)
					memset(p + (size_t)y * ls + xa,
					    (int)((sum + cnt / 2) / cnt), (size_t)(xb - xa));
			}
		}
	}
}

/* In-place running-mean blur of n values with the given stride, radius r. */
static void
box_line(uint16_t *v, int n, int stride, int r, uint16_t *tmp)
{
	unsigned sum = 0;
	int win = 2 * r + 1;

	for (int i = 0; i < n; i++)
		tmp[i] = v[(size_t)i * stride];
	/* Edges replicate the border value. */
	for (int i = -r; i <= r; i++)
		sum += tmp[i < 0 ? 0 : i >= n ? n - 1 : i];
	for (int i = 0; i < n; i++) {
		int add = i + r + 1, sub = i - r;

		v[(size_t)i * stride] = (uint16_t)(sum / (unsigned)win);
		sum += tmp[add >= n ? n - 1 : add];
		sum -= tmp[sub < 0 ? 0 : sub];
	}
}

static int
blur_plane(struct obscure *o, uint8_t *p, int ls, const struct plane_ellipse *e, int r)
{
	int w = e->x1 - e->x0, h = e->y1 - e->y0, xa, xb;
	size_t need = (size_t)w * h + (size_t)(w > h ? w : h);
	uint16_t *img, *tmp;

	if (need > o->buf_len) {
		uint16_t *nb = realloc(o->buf, need * sizeof *nb);

		if (nb == NULL)
			return ERR_NOMEM;
		o->buf = nb;
		o->buf_len = need;
	}
	img = o->buf;
	tmp = o->buf + (size_t)w * h;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			img[(size_t)y * w + x] = p[(size_t)(y + e->y0) * ls + x + e->x0];
	/* Three box passes approximate a Gaussian of sigma ~ r. */
	for (int pass = 0; pass < BLUR_PASSES; pass++) {
		for (int y = 0; y < h; y++)
			box_line(img + (size_t)y * w, w, 1, r, tmp);
		for (int x = 0; x < w; x++)
			box_line(img + x, h, w, r, tmp);
	}
	for (int y = e->y0; y < e->y1; y++) {
		if (!row_span(e, y, &xa, &xb))
			continue;
		for (int x = xa; x < xb; x++)
			p[(size_t)y * ls + x] = (uint8_t)img[(size_t)(y - e->y0) * w + x - e->x0];
	}
	return 0;
}

int
obscure_region(struct obscure *o, struct image *img, struct box b)
{
	for (int pl = 0; pl < 3; pl++) {
		int sx = pl ? img->shift_x : 0, sy = pl ? img->shift_y : 0;
		int pw = (img->width + (1 << sx) - 1) >> sx;
		int ph = (img->height + (1 << sy) - 1) >> sy;
		struct plane_ellipse e;
		int ret;

		if (!plane_ellipse(b, pw, ph, sx, sy, &e))
			continue;
		e.rect = o->mode != OBSCURE_MASK;
		switch (o->mode) {
		case OBSCURE_MASK:
			if (pl)
				fill_plane(img->data[pl], img->linesize[pl], &e, MASK_C);
			else
				hatch_plane(img->data[pl], img->linesize[pl], &e);
			break;
		case OBSCURE_PIXELATE: {
			/* Block from the face's full width in whole pixels (up
			 * to 2 more than 2*rx off the pixel grid), so there are
			 * never more than PIXELATE_BLOCKS across it. */
			int span = (int)ceilf(e.cx + e.rx) - (int)floorf(e.cx - e.rx);
			int bs = (span + PIXELATE_BLOCKS - 1) / PIXELATE_BLOCKS;

			pixelate_plane(img->data[pl], img->linesize[pl], &e,
			    bs < (16 >> sx) ? (16 >> sx) : bs);
			break;
		}
		case OBSCURE_BLUR: {
			int r = (int)(2 * e.rx / 5);

			ret = blur_plane(o, img->data[pl], img->linesize[pl], &e,
			    r < 2 ? 2 : r);
			if (ret < 0)
				return ret;
			break;
		}
		}
	}
	return 0;
}

struct rect
obscure_bounds(const struct image *img, struct box b)
{
	int ax = (1 << img->shift_x) - 1, ay = (1 << img->shift_y) - 1;
	int x0 = img->width, y0 = img->height, x1 = 0, y1 = 0;
	struct rect r = { 0, 0, 0, 0 };

	for (int pl = 0; pl < 3; pl++) {
		int sx = pl ? img->shift_x : 0, sy = pl ? img->shift_y : 0;
		int pw = (img->width + (1 << sx) - 1) >> sx;
		int ph = (img->height + (1 << sy) - 1) >> sy;
		struct plane_ellipse e;

		if (!plane_ellipse(b, pw, ph, sx, sy, &e))
			continue;
		if (e.x0 << sx < x0) x0 = e.x0 << sx;
		if (e.y0 << sy < y0) y0 = e.y0 << sy;
		if (e.x1 << sx > x1) x1 = e.x1 << sx;
		if (e.y1 << sy > y1) y1 = e.y1 << sy;
	}
	if (x1 <= x0 || y1 <= y0)
		return r;
	x0 &= ~ax;
	y0 &= ~ay;
	x1 = (x1 + ax) & ~ax;
	y1 = (y1 + ay) & ~ay;
	if (x1 > img->width) x1 = img->width;
	if (y1 > img->height) y1 = img->height;
	r.x = x0;
	r.y = y0;
	r.w = x1 - x0;
	r.h = y1 - y0;
	return r;
}

void
obscure_rect(struct image *img, struct rect r)
{
	for (int pl = 0; pl < 3; pl++) {
		int sx = pl ? img->shift_x : 0, sy = pl ? img->shift_y : 0;
		int pw = (img->width + (1 << sx) - 1) >> sx;
		int ph = (img->height + (1 << sy) - 1) >> sy;
		int xa = r.x >> sx, ya = r.y >> sy;
		int xb = (r.x + r.w + (1 << sx) - 1) >> sx, yb = (r.y + r.h + (1 << sy) - 1) >> sy;

		if (xa < 0) xa = 0;
		if (ya < 0) ya = 0;
		if (xb > pw) xb = pw;
		if (yb > ph) yb = ph;
		for (int y = ya; y < yb; y++) {
			uint8_t *row = img->data[pl] + (size_t)y * img->linesize[pl];

			for (int x = xa; x < xb; x++)
				row[x] = pl ? MASK_C : obscure_mask_luma(x, y);
		}
	}
}

void
obscure_full(struct image *img)
{
	for (int pl = 0; pl < 3; pl++) {
		int sx = pl ? img->shift_x : 0, sy = pl ? img->shift_y : 0;
		int pw = (img->width + (1 << sx) - 1) >> sx;
		int ph = (img->height + (1 << sy) - 1) >> sy;

		for (int y = 0; y < ph; y++)
			memset(img->data[pl] + (size_t)y * img->linesize[pl],
			    pl ? MASK_C : 96, (size_t)pw);
	}
}
