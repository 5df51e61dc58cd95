/*
 * Unit tests for blur/geom: overlap measures, NMS, head growth, scaling
 * and clipping. Expected values are worked out by hand in each row.
 */
#include "unit.h"

#include <math.h>
#include <string.h>

#include "../../blur/geom.h"

#define EPS 1e-5

/* ---- geom_iou ---------------------------------------------------------- */

struct iou_case {
	const char *name;
	struct box a, b;
	double want;
};

static struct iou_case iou_cases[] = {
	{ "iou/identical", { 0, 0, 10, 10 }, { 0, 0, 10, 10 }, 1.0 },
	{ "iou/identical_fractional", { 2.5, 3.25, 7.5, 4 }, { 2.5, 3.25, 7.5, 4 }, 1.0 },
	{ "iou/disjoint", { 0, 0, 10, 10 }, { 20, 30, 10, 10 }, 0.0 },
	{ "iou/touching_edge", { 0, 0, 10, 10 }, { 10, 0, 10, 10 }, 0.0 },
	/* 50 shared of 150 covered. */
	{ "iou/half_overlap_x", { 0, 0, 10, 10 }, { 5, 0, 10, 10 }, 1.0 / 3 },
	{ "iou/half_overlap_y", { 0, 0, 10, 10 }, { 0, -5, 10, 10 }, 1.0 / 3 },
	/* 25 shared of 175 covered. */
	{ "iou/quarter_corner", { 0, 0, 10, 10 }, { 5, 5, 10, 10 }, 25.0 / 175 },
	{ "iou/contained", { 0, 0, 10, 10 }, { 2, 2, 5, 5 }, 0.25 },
	{ "iou/container", { 2, 2, 5, 5 }, { 0, 0, 10, 10 }, 0.25 },
	{ "iou/empty_width", { 0, 0, 0, 10 }, { 0, 0, 10, 10 }, 0.0 },
	{ "iou/empty_height", { 0, 0, 10, 10 }, { 0, 0, 10, 0 }, 0.0 },
	{ "iou/negative_size", { 5, 5, -3, 4 }, { 0, 0, 10, 10 }, 0.0 },
	{ "iou/both_empty", { 1, 1, 0, 0 }, { 1, 1, 0, 0 }, 0.0 },
};

static void
test_iou(void **state)
{
	const struct iou_case *c = *state;
	float ab = geom_iou(c->a, c->b), ba = geom_iou(c->b, c->a);

	assert_false(isnan(ab));
	assert_float_equal(ab, c->want, EPS);
	assert_float_equal(ba, c->want, EPS);	/* symmetric */
}

/* ---- geom_cover -------------------------------------------------------- */

struct cover_case {
	const char *name;
	struct box a, b;	/* fraction of b inside a */
	double want;
};

static struct cover_case cover_cases[] = {
	{ "cover/b_inside_a", { 0, 0, 10, 10 }, { 2, 2, 5, 5 }, 1.0 },
	{ "cover/a_inside_b", { 2, 2, 5, 5 }, { 0, 0, 10, 10 }, 0.25 },
	{ "cover/half", { 0, 0, 10, 10 }, { 5, 0, 10, 10 }, 0.5 },
	{ "cover/quarter", { 0, 0, 10, 10 }, { 5, 5, 10, 10 }, 0.25 },
	{ "cover/identical", { 3, 4, 5, 6 }, { 3, 4, 5, 6 }, 1.0 },
	{ "cover/disjoint", { 0, 0, 10, 10 }, { 50, 50, 10, 10 }, 0.0 },
	{ "cover/b_empty", { 0, 0, 10, 10 }, { 2, 2, 0, 5 }, 0.0 },
	{ "cover/a_empty", { 2, 2, 0, 0 }, { 0, 0, 10, 10 }, 0.0 },
};

static void
test_cover(void **state)
{
	const struct cover_case *c = *state;
	float v = geom_cover(c->a, c->b);

	assert_false(isnan(v));
	assert_float_equal(v, c->want, EPS);
}

/* ---- geom_nms ---------------------------------------------------------- */

#define NMS_MAX 6

struct nms_case {
	const char *name;
	float thresh;
	int n;
	struct det in[NMS_MAX];
	int want_n;
	float want_score[NMS_MAX];	/* scores of the kept ones, in order */
};

#define D(x, y, w, h, s) { { x, y, w, h }, s, { 0 } }

static struct nms_case nms_cases[] = {
	{ "nms/empty", 0.3f, 0, { D(0, 0, 0, 0, 0) }, 0, { 0 } },
	{ "nms/single", 0.3f, 1, { D(1, 2, 3, 4, 0.7f) }, 1, { 0.7f } },
	/* Two boxes on one face (IoU 0.82) and one elsewhere. */
	{ "nms/keeps_best_of_overlapping", 0.3f, 3,
	  { D(0, 0, 40, 50, 0.6f), D(2, 1, 40, 50, 0.9f), D(200, 0, 40, 50, 0.7f) },
	  2, { 0.9f, 0.7f } },
	{ "nms/keeps_disjoint_sorted", 0.3f, 4,
	  { D(0, 0, 10, 10, 0.2f), D(20, 0, 10, 10, 0.9f), D(40, 0, 10, 10, 0.5f),
	    D(60, 0, 10, 10, 0.6f) },
	  4, { 0.9f, 0.6f, 0.5f, 0.2f } },
	/* IoU 1/3: dropped above the threshold, kept below it. */
	{ "nms/iou_above_thresh_dropped", 0.3f, 2,
	  { D(0, 0, 10, 10, 0.5f), D(5, 0, 10, 10, 0.8f) }, 1, { 0.8f } },
	{ "nms/iou_below_thresh_kept", 0.4f, 2,
	  { D(0, 0, 10, 10, 0.5f), D(5, 0, 10, 10, 0.8f) }, 2, { 0.8f, 0.5f } },
	/* A > B > C in score, A~B and B~C overlap, A and C do not: B goes,
	 * and C survives because it is only compared with kept boxes. */
	{ "nms/chain_is_greedy", 0.3f, 3,
	  { D(8, 0, 20, 20, 0.8f), D(16, 0, 20, 20, 0.7f), D(0, 0, 20, 20, 0.9f) },
	  2, { 0.9f, 0.7f } },
	{ "nms/all_on_one_face", 0.3f, 5,
	  { D(0, 0, 40, 40, 0.51f), D(1, 0, 40, 40, 0.52f), D(0, 1, 40, 40, 0.99f),
	    D(1, 1, 40, 40, 0.53f), D(2, 2, 40, 40, 0.54f) },
	  1, { 0.99f } },
};

static void
test_nms(void **state)
{
	const struct nms_case *c = *state;
	struct det d[NMS_MAX];
	int kept;

	memcpy(d, c->in, sizeof d);
	/* Tag each input with its index so we can check boxes travel with
	 * their scores through the sort. */
	for (int i = 0; i < c->n; i++)
		d[i].kps[0] = (float)i;
	kept = geom_nms(d, c->n, c->thresh);
	assert_int_equal(kept, c->want_n);
	for (int i = 0; i < kept; i++) {
		const struct det *src = &c->in[(int)d[i].kps[0]];

		assert_float_equal(d[i].score, c->want_score[i], EPS);
		assert_float_equal(src->score, d[i].score, 0);
		assert_memory_equal(&src->box, &d[i].box, sizeof d[i].box);
		if (i > 0)
			assert_true(d[i - 1].score >= d[i].score);
	}
	/* No two kept boxes overlap more than the threshold. */
	for (int i = 0; i < kept; i++)
		for (int j = i + 1; j < kept; j++)
			assert_true(geom_iou(d[i].box, d[j].box) <= c->thresh);
}

/* ---- geom_head, geom_scale --------------------------------------------- */

struct xform_case {
	const char *name;
	struct box in;
	float side, top, bottom;	/* geom_head growth; f for scale is `side` */
	struct box want;
};

static struct xform_case head_cases[] = {
	/* 40x50 face: 10 px each side, 25 px up, 10 px down. */
	{ "head/grows", { 100, 200, 40, 50 }, 0.25f, 0.5f, 0.2f, { 90, 175, 60, 85 } },
	{ "head/identity", { 10, 20, 30, 40 }, 0, 0, 0, { 10, 20, 30, 40 } },
	{ "head/top_only", { 10, 20, 30, 40 }, 0, 1, 0, { 10, -20, 30, 80 } },
	{ "head/bottom_only", { 10, 20, 30, 40 }, 0, 0, 0.5f, { 10, 20, 30, 60 } },
	{ "head/sides_only", { 10, 20, 30, 40 }, 0.5f, 0, 0, { -5, 20, 60, 40 } },
	{ "head/fractional", { 1.5f, 2.5f, 8, 10 }, 0.125f, 0.3f, 0.1f,
	  { 0.5f, -0.5f, 10, 14 } },
};

static struct xform_case scale_cases[] = {
	{ "scale/double", { 10, 20, 40, 30 }, 2, 0, 0, { -10, 5, 80, 60 } },
	{ "scale/half", { 10, 20, 40, 30 }, 0.5f, 0, 0, { 20, 27.5f, 20, 15 } },
	{ "scale/identity", { 10, 20, 40, 30 }, 1, 0, 0, { 10, 20, 40, 30 } },
	{ "scale/grow_15pct", { 0, 0, 100, 200 }, 1.15f, 0, 0, { -7.5f, -15, 115, 230 } },
	{ "scale/to_point", { 10, 20, 40, 30 }, 0, 0, 0, { 30, 35, 0, 0 } },
};

static void
assert_box(struct box got, struct box want)
{
	assert_float_equal(got.x, want.x, 1e-4);
	assert_float_equal(got.y, want.y, 1e-4);
	assert_float_equal(got.w, want.w, 1e-4);
	assert_float_equal(got.h, want.h, 1e-4);
}

static void
test_head(void **state)
{
	const struct xform_case *c = *state;

	assert_box(geom_head(c->in, c->side, c->top, c->bottom), c->want);
}

static void
test_scale(void **state)
{
	const struct xform_case *c = *state;
	struct box s = geom_scale(c->in, c->side);

	assert_box(s, c->want);
	/* The centre does not move. */
	assert_float_equal(s.x + s.w / 2, c->in.x + c->in.w / 2, 1e-4);
	assert_float_equal(s.y + s.h / 2, c->in.y + c->in.h / 2, 1e-4);
}

/* ---- geom_clip --------------------------------------------------------- */

struct clip_case {
	const char *name;
	struct box b;
	int w, h;
	struct rect want;	/* w == h == 0: empty, x and y unchecked */
};

static struct clip_case clip_cases[] = {
	{ "clip/inside", { 10, 5, 20, 10 }, 100, 50, { 10, 5, 20, 10 } },
	/* Smallest containing rect: floor the start, ceil the end. */
	{ "clip/inside_fractional", { 10.5f, 5.2f, 20, 10 }, 100, 50, { 10, 5, 21, 11 } },
	{ "clip/whole_image", { 0, 0, 100, 50 }, 100, 50, { 0, 0, 100, 50 } },
	{ "clip/larger_than_image", { -10, -10, 200, 200 }, 100, 50, { 0, 0, 100, 50 } },
	{ "clip/out_left_top", { -5, -3, 20, 10 }, 100, 50, { 0, 0, 15, 7 } },
	{ "clip/out_right_bottom", { 90, 45, 20, 10 }, 100, 50, { 90, 45, 10, 5 } },
	{ "clip/out_right_fractional", { 95.5f, 10, 20, 10 }, 100, 50, { 95, 10, 5, 10 } },
	{ "clip/fully_right", { 120, 10, 10, 10 }, 100, 50, { 0, 0, 0, 0 } },
	{ "clip/fully_left", { -30, 10, 10, 10 }, 100, 50, { 0, 0, 0, 0 } },
	{ "clip/fully_above", { 10, -30, 10, 10 }, 100, 50, { 0, 0, 0, 0 } },
	{ "clip/fully_below", { 10, 60, 10, 10 }, 100, 50, { 0, 0, 0, 0 } },
	{ "clip/touching_right_edge", { 100, 10, 10, 10 }, 100, 50, { 0, 0, 0, 0 } },
	{ "clip/zero_size", { 10, 10, 0, 0 }, 100, 50, { 0, 0, 0, 0 } },
	{ "clip/zero_image", { 0, 0, 10, 10 }, 0, 0, { 0, 0, 0, 0 } },
};

static void
test_clip(void **state)
{
	const struct clip_case *c = *state;
	struct rect r = geom_clip(c->b, c->w, c->h);

	assert_int_equal(r.w, c->want.w);
	assert_int_equal(r.h, c->want.h);
	if (c->want.w == 0)
		return;
	assert_int_equal(r.x, c->want.x);
	assert_int_equal(r.y, c->want.y);
	/* Always inside the image. */
	assert_true(r.x >= 0 && r.y >= 0);
	assert_true(r.x + r.w <= c->w && r.y + r.h <= c->h);
}

static void
test_area(void **state)
{
	(void)state;
	assert_float_equal(geom_area((struct box){ 1, 2, 3, 4 }), 12, EPS);
	assert_float_equal(geom_area((struct box){ 1, 2, 0, 4 }), 0, EPS);
	assert_float_equal(geom_area((struct box){ 1, 2, -3, -4 }), 0, EPS);
	assert_float_equal(geom_area((struct box){ 1, 2, 3, -4 }), 0, EPS);
}

int
main(void)
{
	static struct unit_list l;

	UNIT_TEST(&l, test_area);
	UNIT_TABLE(&l, iou_cases, test_iou);
	UNIT_TABLE(&l, cover_cases, test_cover);
	UNIT_TABLE(&l, nms_cases, test_nms);
	UNIT_TABLE(&l, head_cases, test_head);
	UNIT_TABLE(&l, scale_cases, test_scale);
	UNIT_TABLE(&l, clip_cases, test_clip);
	return unit_run("geom", &l);
}
