/*
 * Unit tests for blur/track: identity across frames, holding and
 * extrapolating missed faces, expiry, crossing faces, fast small faces,
 * counting and the fixed table capacity. Frames come at 25 fps.
 */
#include "unit.h"

#include <math.h>
#include <string.h>

#include "../../blur/track.h"

#define FPS 25.0
#define DT (1.0 / FPS)
#define MAXB 512

static struct det
mkdet(float x, float y, float w, float h)
{
	struct det d;

	memset(&d, 0, sizeof d);
	d.box = (struct box){ x, y, w, h };
	d.score = 0.9f;
	return d;
}

static float
cx(struct box b)
{
	return b.x + b.w / 2;
}

static float
cy(struct box b)
{
	return b.y + b.h / 2;
}

static struct tracker *
mktracker(float hold)
{
	struct track_opts o;
	struct tracker *t;

	track_defaults(&o);
	if (hold > 0)
		o.hold = hold;
	t = track_create(&o);
	assert_non_null(t);
	return t;
}

/* Index in tb[0..n) of the box equal to b (matched tracks take the
 * detection's box as is), or -1. */
static int
find_box(const struct track_box *tb, int n, struct box b)
{
	for (int i = 0; i < n; i++)
		if (memcmp(&tb[i].box, &b, sizeof b) == 0)
			return i;
	return -1;
}

static void
test_defaults(void **state)
{
	struct track_opts o;
	struct tracker *t;
	struct track_box tb[1];

	(void)state;
	memset(&o, 0xff, sizeof o);
	track_defaults(&o);
	assert_float_equal(o.hold, 1.0, 1e-6);
	assert_float_equal(o.grow, 0.5, 1e-6);
	assert_float_equal(o.max_speed, 3.0, 1e-6);
	/* NULL opts means defaults; an empty tracker has nothing to cover. */
	t = track_create(NULL);
	assert_non_null(t);
	assert_int_equal(track_update(t, 0, NULL, 0), 0);
	assert_int_equal(track_boxes(t, tb, 1), 0);
	assert_int_equal(track_total(t), 0);
	track_free(&t);
	assert_null(t);
	track_free(&t);		/* NULL is fine */
	track_free(NULL);
}

/* A face detected every frame while walking keeps one id and its exact box. */
static void
test_steady_face_one_id(void **state)
{
	struct tracker *t = mktracker(0);
	struct track_box tb[4];
	uint32_t id = 0;

	(void)state;
	for (int f = 0; f < 100; f++) {
		/* Walks right and bobs up and down, 40x50. */
		struct det d = mkdet(50 + 3.0f * f, 80 + 6 * sinf(f * 0.3f), 40, 50);
		int created = track_update(t, f * DT, &d, 1), n;

		assert_int_equal(created, f == 0 ? 1 : 0);
		n = track_boxes(t, tb, 4);
		assert_int_equal(n, 1);
		if (f == 0)
			id = tb[0].id;
		assert_int_equal(tb[0].id, id);
		assert_int_equal(tb[0].lost, 0);
		assert_memory_equal(&tb[0].box, &d.box, sizeof d.box);
		assert_float_equal(tb[0].score, d.score, 1e-6);
	}
	assert_int_not_equal(id, 0);
	assert_int_equal(track_total(t), 1);
	track_free(&t);
}

/*
 * A face moving at (+50, -25) px/s is seen for 10 frames, then missed
 * for 5 (well under the 1 s hold): it stays covered, the cover moves
 * along its motion and grows by grow*dt, and when the face is detected
 * again where the cover predicted it, the id is the same.
 */
static void
test_missed_face_extrapolated(void **state)
{
	const float vx = 50, vy = -25, w = 40, h = 50;
	struct tracker *t = mktracker(0);
	struct track_box tb[4];
	struct det d;
	uint32_t id;
	int last = 9, n;

	(void)state;
	for (int f = 0; f <= last; f++) {
		d = mkdet(100 + vx * (float)(f * DT), 200 + vy * (float)(f * DT), w, h);
		track_update(t, f * DT, &d, 1);
	}
	n = track_boxes(t, tb, 4);
	assert_int_equal(n, 1);
	id = tb[0].id;
	for (int f = last + 1; f <= last + 5; f++) {
		float gap = (float)((f - last) * DT);
		float grow = 1 + 0.5f * gap;
		struct box b;

		assert_int_equal(track_update(t, f * DT, NULL, 0), 0);
		n = track_boxes(t, tb, 4);
		assert_int_equal(n, 1);
		b = tb[0].box;
		assert_int_equal(tb[0].id, id);
		assert_int_equal(tb[0].lost, 1);
		assert_float_equal(tb[0].score, 0.9, 1e-6);
		/* Centre moved along the motion since the last sighting... */
		assert_float_equal(cx(b), cx(d.box) + vx * gap, 0.05);
		assert_float_equal(cy(b), cy(d.box) + vy * gap, 0.05);
		/* ...and the box grew about that centre. */
		assert_float_equal(b.w, w * grow, 1e-3);
		assert_float_equal(b.h, h * grow, 1e-3);
		assert_true(b.w > w && b.h > h);
	}
	/* Back where the cover predicted: same track, not a new face. */
	{
		int f = last + 6;

		d = mkdet(100 + vx * (float)(f * DT), 200 + vy * (float)(f * DT), w, h);
		assert_int_equal(track_update(t, f * DT, &d, 1), 0);
		n = track_boxes(t, tb, 4);
		assert_int_equal(n, 1);
		assert_int_equal(tb[0].id, id);
		assert_int_equal(tb[0].lost, 0);
		assert_memory_equal(&tb[0].box, &d.box, sizeof d.box);
	}
	assert_int_equal(track_total(t), 1);
	track_free(&t);
}

/* A wild speed estimate is capped at max_speed face widths per second. */
static void
test_extrapolation_capped(void **state)
{
	struct tracker *t = mktracker(0);
	struct track_box tb[2];
	/* Jumps 0.9 widths in one frame: 900 px/s, cap is 3 * 40 = 120 px/s. */
	struct det a = mkdet(100, 100, 40, 40), b = mkdet(136, 100, 40, 40);

	(void)state;
	track_update(t, 0, &a, 1);
	track_update(t, DT, &b, 1);
	assert_int_equal(track_total(t), 1);
	track_update(t, DT + 0.2, NULL, 0);
	assert_int_equal(track_boxes(t, tb, 2), 1);
	assert_int_equal(tb[0].lost, 1);
	assert_float_equal(cx(tb[0].box), cx(b.box) + 120 * 0.2f, 0.05);
	assert_float_equal(cy(tb[0].box), cy(b.box), 0.05);
	track_free(&t);
}

/* ---- expiry after hold ------------------------------------------------- */

struct hold_case {
	const char *name;
	float hold;		/* 0: default (1 s) */
	double gap;		/* seconds since the last sighting */
	int present;
};

static struct hold_case hold_cases[] = {
	{ "hold/default_one_frame", 0, DT, 1 },
	{ "hold/default_half", 0, 0.5, 1 },
	{ "hold/default_just_before", 0, 1.0 - DT, 1 },
	{ "hold/default_just_after", 0, 1.0 + DT, 0 },
	{ "hold/default_long_after", 0, 10, 0 },
	{ "hold/short_before", 0.2f, 0.16, 1 },
	{ "hold/short_after", 0.2f, 0.24, 0 },
	{ "hold/long_before", 3, 2.96, 1 },
	{ "hold/long_after", 3, 3.04, 0 },
};

static void
test_hold(void **state)
{
	const struct hold_case *c = *state;
	struct tracker *t = mktracker(c->hold);
	struct track_box tb[2];
	double last = 4 * DT;
	struct det d;

	for (int f = 0; f <= 4; f++) {
		d = mkdet(300 + f, 200, 30, 40);
		track_update(t, f * DT, &d, 1);
	}
	/* Frames keep coming without the face; the last one decides. */
	for (double now = last + DT; now < last + c->gap; now += DT)
		track_update(t, now, NULL, 0);
	track_update(t, last + c->gap, NULL, 0);
	assert_int_equal(track_boxes(t, tb, 2), c->present);
	if (c->present)
		assert_int_equal(tb[0].lost, 1);
	/* A face at the same place after expiry is a new track. */
	if (!c->present) {
		d = mkdet(304, 200, 30, 40);
		assert_int_equal(track_update(t, last + c->gap + DT, &d, 1), 1);
		assert_int_equal(track_total(t), 2);
	}
	track_free(&t);
}

/* ---- several faces ----------------------------------------------------- */

struct pair_case {
	const char *name;
	float ax, ay, avx, avy;	/* face A: start, px per frame */
	float bx, by, bvx, bvy;	/* face B */
	float w, h;
	int frames;
};

static struct pair_case pair_cases[] = {
	/* Cross horizontally, B 30 px lower: boxes overlap while crossing. */
	{ "pair/cross_offset", 0, 100, 2, 0, 200, 130, -2, 0, 40, 50, 100 },
	/* Cross on the same line: they coincide for a frame. */
	{ "pair/cross_same_line", 0, 100, 2, 0, 200, 100, -2, 0, 40, 50, 100 },
	/* Cross diagonally at different speeds. */
	{ "pair/cross_diagonal", 0, 0, 3, 2, 240, 10, -2, 1.5f, 40, 50, 90 },
	/* Side by side, 5 px apart, walking together. */
	{ "pair/side_by_side", 0, 100, 1.5f, 0.5f, 45, 100, 1.5f, 0.5f, 40, 50, 100 },
	/* One passes in front of a standing one, a bit lower. */
	{ "pair/pass_standing", 0, 100, 2.5f, 0, 100, 120, 0, 0, 40, 50, 80 },
	/* Small faces, 2 px apart, one moving away from the other. */
	{ "pair/small_near", 100, 100, 0, 0, 114, 100, 0.3f, 0, 12, 15, 60 },
};

static void
test_pair(void **state)
{
	const struct pair_case *c = *state;
	struct tracker *t = mktracker(0);
	struct track_box tb[4];
	uint32_t ida = 0, idb = 0;

	for (int f = 0; f < c->frames; f++) {
		struct det d[2];
		int ia, ib, n;

		d[0] = mkdet(c->ax + c->avx * f, c->ay + c->avy * f, c->w, c->h);
		d[1] = mkdet(c->bx + c->bvx * f, c->by + c->bvy * f, c->w, c->h);
		/* Alternate the order so list position cannot carry identity. */
		if (f & 1) {
			struct det tmp = d[0];

			d[0] = d[1];
			d[1] = tmp;
		}
		track_update(t, f * DT, d, 2);
		n = track_boxes(t, tb, 4);
		assert_int_equal(n, 2);
		ia = find_box(tb, n, mkdet(c->ax + c->avx * f, c->ay + c->avy * f,
		    c->w, c->h).box);
		ib = find_box(tb, n, mkdet(c->bx + c->bvx * f, c->by + c->bvy * f,
		    c->w, c->h).box);
		assert_true(ia >= 0 && ib >= 0);
		if (ia == ib)	/* coincident boxes: identity undefined this frame */
			continue;
		if (ida == 0) {
			ida = tb[ia].id;
			idb = tb[ib].id;
			assert_int_not_equal(ida, idb);
		}
		assert_int_equal(tb[ia].id, ida);
		assert_int_equal(tb[ib].id, idb);
	}
	assert_int_equal(track_total(t), 2);
	track_free(&t);
}

/* ---- association limits ------------------------------------------------ */

struct assoc_case {
	const char *name;
	float w, h;		/* first box */
	float dx, dy;		/* step per frame */
	float scale;		/* size factor per frame */
	int frames;
	int want_total;
};

static struct assoc_case assoc_cases[] = {
	/* Moves 11 px a frame, more than its 10 px width, so consecutive
	 * boxes never overlap, but less than one face size (13 px). */
	{ "assoc/fast_small_face", 10, 13, 11, 0, 1, 20, 1 },
	{ "assoc/fast_small_face_vertical", 10, 13, 0, 12, 1, 20, 1 },
	{ "assoc/fast_small_face_diagonal", 12, 16, 12.5f, 6, 1, 20, 1 },
	/* Zooming in (walking towards the camera). */
	{ "assoc/approaching", 40, 50, 0, 0, 1.03f, 40, 1 },
	/* A same-size face 3 sizes away is someone else. */
	{ "assoc/far_jump_is_new", 10, 13, 40, 0, 1, 2, 2 },
	/* Same centre, 5x the area: a different face, not this one. */
	{ "assoc/size_jump_is_new", 10, 13, 0, 0, 2.3f, 2, 2 },
};

static void
test_assoc(void **state)
{
	const struct assoc_case *c = *state;
	struct tracker *t = mktracker(0);
	struct track_box tb[4];
	float x = 300, y = 200, w = c->w, h = c->h;
	uint32_t id = 0;

	for (int f = 0; f < c->frames; f++) {
		struct det d = mkdet(x - w / 2, y - h / 2, w, h);
		int i;

		track_update(t, f * DT, &d, 1);
		if (c->want_total == 1) {
			int n = track_boxes(t, tb, 4);

			assert_int_equal(n, 1);
			i = find_box(tb, n, d.box);
			assert_int_equal(i, 0);
			if (f == 0)
				id = tb[i].id;
			assert_int_equal(tb[i].id, id);
		}
		x += c->dx;
		y += c->dy;
		w *= c->scale;
		h *= c->scale;
	}
	assert_int_equal(track_total(t), c->want_total);
	track_free(&t);
}

/* ---- counting and capacity --------------------------------------------- */

/* track_update returns the new faces, track_total counts them all. */
static void
test_total_counts(void **state)
{
	struct tracker *t = mktracker(0.5f);
	struct det d[4];
	double now = 0;
	int f;

	(void)state;
	d[0] = mkdet(10, 10, 30, 40);
	d[1] = mkdet(100, 10, 30, 40);
	d[2] = mkdet(200, 10, 30, 40);
	d[3] = mkdet(300, 10, 30, 40);
	assert_int_equal(track_update(t, now, d, 3), 3);
	assert_int_equal(track_total(t), 3);
	for (f = 1; f < 5; f++)
		assert_int_equal(track_update(t, now += DT, d, 3), 0);
	assert_int_equal(track_total(t), 3);
	/* A fourth face arrives. */
	assert_int_equal(track_update(t, now += DT, d, 4), 1);
	assert_int_equal(track_total(t), 4);
	/* Face 0 leaves; the others stay. Past the hold it is gone... */
	for (f = 0; f < 20; f++)
		assert_int_equal(track_update(t, now += DT, d + 1, 3), 0);
	{
		struct track_box tb[8];

		assert_int_equal(track_boxes(t, tb, 8), 3);
	}
	/* ...and its return is a new face. */
	assert_int_equal(track_update(t, now += DT, d, 4), 1);
	assert_int_equal(track_total(t), 5);
	track_free(&t);
}

/* Faces on a grid, 10x10 px each 20 px apart: never associate across. */
static void
grid(struct det *d, int n, float y0)
{
	for (int i = 0; i < n; i++)
		d[i] = mkdet(20.0f * (float)(i % 32), y0 + 20.0f * (float)(i / 32), 10, 10);
}

static int
distinct_ids(const struct track_box *tb, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (tb[i].id == tb[j].id)
				return 0;
	return 1;
}

/* More faces than the table holds (256): no crash, table stays full. */
static void
test_capacity_overflow(void **state)
{
	enum { N = 300 };
	struct tracker *t = mktracker(0);
	static struct det d[N];
	static struct track_box tb[MAXB];
	int n;

	(void)state;
	grid(d, N, 0);
	/* 256 tracks are created; the other 44 faces are still covered. */
	assert_int_equal(track_update(t, 0, d, N), 256);
	assert_int_equal(track_total(t), 256);
	n = track_boxes(t, tb, MAXB);
	assert_int_equal(n, N);
	assert_true(distinct_ids(tb, 256));
	for (int i = 256; i < n; i++)
		assert_int_equal(tb[i].id, 0);
	/* The same crowd for a few more frames: every face covered each time. */
	for (int f = 1; f < 5; f++) {
		track_update(t, f * DT, d, N);
		n = track_boxes(t, tb, MAXB);
		assert_int_equal(n, N);
		assert_true(distinct_ids(tb, 256));
		for (int i = 0; i < n; i++)
			assert_int_equal(tb[i].lost, 0);
	}
	/* max is respected. */
	assert_int_equal(track_boxes(t, tb, 10), 10);
	assert_int_equal(track_boxes(t, tb, 0), 0);
	/* The crowd leaves; everything expires. */
	track_update(t, 5 * DT + 1.5, NULL, 0);
	assert_int_equal(track_boxes(t, tb, MAXB), 0);
	track_free(&t);
}

/* A full table of stale (held) faces makes room for new ones. */
static void
test_capacity_new_faces_win(void **state)
{
	enum { OLD = 256, NEW = 10 };
	struct tracker *t = mktracker(0);
	static struct det old[OLD], fresh[NEW];
	static struct track_box tb[MAXB];
	int n;

	(void)state;
	grid(old, OLD, 0);
	assert_int_equal(track_update(t, 0, old, OLD), OLD);
	/* Far below the old grid, so they cannot match a held track. */
	for (int i = 0; i < NEW; i++)
		fresh[i] = mkdet(40.0f * (float)i, 2000, 20, 20);
	assert_int_equal(track_update(t, 0.5, fresh, NEW), NEW);
	assert_int_equal(track_total(t), OLD + NEW);
	n = track_boxes(t, tb, MAXB);
	assert_int_equal(n, 256);
	assert_true(distinct_ids(tb, n));
	for (int i = 0; i < NEW; i++) {
		int k = find_box(tb, n, fresh[i].box);

		assert_true(k >= 0);
		assert_int_equal(tb[k].lost, 0);
	}
	track_free(&t);
}

int
main(void)
{
	static struct unit_list l;

	UNIT_TEST(&l, test_defaults);
	UNIT_TEST(&l, test_steady_face_one_id);
	UNIT_TEST(&l, test_missed_face_extrapolated);
	UNIT_TEST(&l, test_extrapolation_capped);
	UNIT_TABLE(&l, hold_cases, test_hold);
	UNIT_TABLE(&l, pair_cases, test_pair);
	UNIT_TABLE(&l, assoc_cases, test_assoc);
	UNIT_TEST(&l, test_total_counts);
	UNIT_TEST(&l, test_capacity_overflow);
	UNIT_TEST(&l, test_capacity_new_faces_win);
	return unit_run("track", &l);
}
