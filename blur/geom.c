/*
 * Geometry helpers for face boxes: overlap measures, non-maximum
 * suppression and the head-growing rule that turns a detector's tight
 * face box into the area that must be hidden.
 */
#include <math.h>
#include <stdlib.h>

#include "geom.h"

float
geom_area(struct box b)
{
	if (b.w <= 0 || b.h <= 0)
		return 0;
	return b.w * b.h;
}

static float
inter_area(struct box a, struct box b)
{
	float x0 = fmaxf(a.x, b.x), y0 = fmaxf(a.y, b.y);
	float x1 = fminf(a.x + a.w, b.x + b.w), y1 = fminf(a.y + a.h, b.y + b.h);

	if (x1 <= x0 || y1 <= y0)
		return 0;
	return (x1 - x0) * (y1 - y0);
}

float
geom_iou(struct box a, struct box b)
{
	float i = inter_area(a, b);
	float u = geom_area(a) + geom_area(b) - i;

	return u > 0 ? i / u : 0;
}

float
geom_cover(struct box a, struct box b)
{
	float ab = geom_area(b);

	return ab > 0 ? inter_area(a, b) / ab : 0;
}

static int
by_score_desc(const void *pa, const void *pb)
{
	const struct det *a = pa, *b = pb;

	return (a->score < b->score) - (a->score > b->score);
}

int
geom_nms(struct det *dets, int n, float thresh)
{
	int kept = 0;

	qsort(dets, (size_t)n, sizeof *dets, by_score_desc);
	for (int i = 0; i < n; i++) {
		int keep = 1;

		for (int k = 0; k < kept && keep; k++)
			if (geom_iou(dets[k].box, dets[i].box) > thresh)
				keep = 0;
		if (keep)
			dets[kept++] = dets[i];
	}
	return kept;
}

struct box
geom_head(struct box f, float side, float top, float bottom)
{
	struct box h;

	h.x = f.x - f.w * side;
	h.w = f.w * (1 + 2 * side);
	h.y = f.y - f.h * top;
	h.h = f.h * (1 + top + bottom);
	return h;
}

struct box
geom_scale(struct box b, float f)
{
	struct box s;

	s.w = b.w * f;
	s.h = b.h * f;
	s.x = b.x + (b.w - s.w) / 2;
	s.y = b.y + (b.h - s.h) / 2;
	return s;
}

struct rect
geom_clip(struct box b, int w, int h)
{
	struct rect r;
	int x0 = (int)floorf(b.x), y0 = (int)floorf(b.y);
	int x1 = (int)ceilf(b.x + b.w), y1 = (int)ceilf(b.y + b.h);

	if (x0 < 0) x0 = 0;
	if (y0 < 0) y0 = 0;
	if (x1 > w) x1 = w;
	if (y1 > h) y1 = h;
	r.x = x0;
	r.y = y0;
	r.w = x1 > x0 ? x1 - x0 : 0;
	r.h = y1 > y0 ? y1 - y0 : 0;
	if (r.w == 0 || r.h == 0)
		r.w = r.h = 0;
	return r;
}
