/*
 * Unit tests for blur/obscure on synthetic planar YUV pictures. Every
 * plane is its own exact-size heap buffer (no padding unless a case asks
 * for it) so that a write outside the picture trips AddressSanitizer.
 *
 * Every mode is run on a table of geometries (inside, fractional,
 * clipped at each border, odd sizes, 4:2:0 / 4:2:2 / 4:4:4, outside)
 * and checked for what all modes promise (nothing clearly outside the
 * ellipse changes) and what the mode promises inside it.
 */
#include "unit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../blur/obscure.h"

#define FULL_Y 96
#define MASK_C 128
#define BLOCKS 8	/* pixelate: at most this many blocks across the face */

enum pattern { NOISE, GRADIENT };

struct pic {
	struct image im;
	uint8_t *orig[3];
	int pw[3], ph[3];
	size_t size[3];
};

static uint32_t
rnd(uint32_t *s)
{
	/* xorshift32: deterministic, no libc state */
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* A w x h picture with chroma shifts sx, sy and `pad` bytes after each row. */
static void
pic_init(struct pic *p, int w, int h, int sx, int sy, int pad, enum pattern pat,
    uint32_t seed)
{
	uint32_t s = seed ? seed : 1;

	memset(p, 0, sizeof *p);
	p->im.width = w;
	p->im.height = h;
	p->im.shift_x = sx;
	p->im.shift_y = sy;
	for (int pl = 0; pl < 3; pl++) {
		int psx = pl ? sx : 0, psy = pl ? sy : 0;
		int pw = (w + (1 << psx) - 1) >> psx, ph = (h + (1 << psy) - 1) >> psy;
		int ls = pw + pad;

		p->pw[pl] = pw;
		p->ph[pl] = ph;
		p->im.linesize[pl] = ls;
		p->size[pl] = (size_t)ls * ph;
		p->im.data[pl] = malloc(p->size[pl]);
		p->orig[pl] = malloc(p->size[pl]);
		assert_non_null(p->im.data[pl]);
		assert_non_null(p->orig[pl]);
		for (int y = 0; y < ph; y++) {
			for (int x = 0; x < ls; x++) {
				uint8_t v;

				if (x >= pw)
					v = 0xa5;	/* padding sentinel */
				else if (pat == NOISE)
					v = (uint8_t)(rnd(&s) >> 24);
				else	/* rises left to right, a little noise */
					v = (uint8_t)(x * 240 / (pw > 1 ? pw - 1 : 1) +
					    (rnd(&s) >> 30));
				p->im.data[pl][(size_t)y * ls + x] = v;
			}
		}
		memcpy(p->orig[pl], p->im.data[pl], p->size[pl]);
	}
}

static void
pic_free(struct pic *p)
{
	for (int pl = 0; pl < 3; pl++) {
		free(p->im.data[pl]);
		free(p->orig[pl]);
	}
}

static uint8_t
px(const struct pic *p, int pl, int x, int y)
{
	return p->im.data[pl][(size_t)y * p->im.linesize[pl] + x];
}

static uint8_t
opx(const struct pic *p, int pl, int x, int y)
{
	return p->orig[pl][(size_t)y * p->im.linesize[pl] + x];
}

/* The region's ellipse in one plane's coordinates. */
struct ell {
	double cx, cy, rx, ry;
};

static struct ell
ell_of(const struct pic *p, int pl, struct box b)
{
	double fx = pl ? 1.0 / (1 << p->im.shift_x) : 1;
	double fy = pl ? 1.0 / (1 << p->im.shift_y) : 1;
	struct ell e;

	e.rx = b.w * fx / 2;
	e.ry = b.h * fy / 2;
	e.cx = b.x * fx + e.rx;
	e.cy = b.y * fy + e.ry;
	return e;
}

/* Is pixel (x, y)'s centre inside the ellipse grown by margin pixels? */
static int
inside(const struct ell *e, int x, int y, double margin)
{
	double dx = (x + 0.5 - e->cx) / (e->rx + margin);
	double dy = (y + 0.5 - e->cy) / (e->ry + margin);

	return e->rx + margin > 0 && e->ry + margin > 0 && dx * dx + dy * dy <= 1;
}

/* Is pixel (x, y) entirely outside the region's box? */
static int
outside_box(const struct ell *e, int x, int y)
{
	return x + 1 <= e->cx - e->rx || x >= e->cx + e->rx ||
	    y + 1 <= e->cy - e->ry || y >= e->cy + e->ry;
}

/* Range of the original values of the region's box, clipped. */
static void
orig_range(const struct pic *p, int pl, struct box b, int *lo, int *hi)
{
	struct ell e = ell_of(p, pl, b);

	*lo = 255;
	*hi = 0;
	for (int y = 0; y < p->ph[pl]; y++)
		for (int x = 0; x < p->pw[pl]; x++)
			if (!outside_box(&e, x, y)) {
				if (opx(p, pl, x, y) < *lo) *lo = opx(p, pl, x, y);
				if (opx(p, pl, x, y) > *hi) *hi = opx(p, pl, x, y);
			}
}

/* Whatever the mode: pixels outside the box are untouched, and so is
 * padding. Mask mode (an ellipse) also leaves pixels more than 1.5 px
 * outside the ellipse alone; pixelate and blur cover the whole box. */
static void
check_outside_untouched(const struct pic *p, struct box b, int ellipse)
{
	for (int pl = 0; pl < 3; pl++) {
		struct ell e = ell_of(p, pl, b);

		for (int y = 0; y < p->ph[pl]; y++) {
			for (int x = 0; x < p->im.linesize[pl]; x++) {
				if (x < p->pw[pl] && !outside_box(&e, x, y) &&
				    (!ellipse || inside(&e, x, y, 1.5)))
					continue;
				if (px(p, pl, x, y) != opx(p, pl, x, y))
					fail_msg("plane %d (%d,%d) changed outside the "
					    "ellipse: %d -> %d", pl, x, y,
					    opx(p, pl, x, y), px(p, pl, x, y));
			}
		}
	}
}

/* ---- the geometry x mode table ----------------------------------------- */

struct geo {
	const char *name;
	int w, h, sx, sy;
	struct box b;
};

static const struct geo geos[] = {
	{ "centre", 64, 48, 1, 1, { 16, 8, 32, 32 } },
	{ "fractional", 64, 48, 1, 1, { 15.3f, 7.7f, 30.6f, 29.1f } },
	{ "odd_position", 64, 48, 1, 1, { 9, 7, 32, 33 } },
	{ "half_pixel_position", 64, 48, 1, 1, { 8.5f, 8, 32, 32 } },
	{ "wide", 64, 48, 1, 1, { 2, 10, 60, 20 } },
	{ "small", 64, 48, 1, 1, { 30, 20, 6, 7 } },
	{ "clipped_top_left", 64, 48, 1, 1, { -10, -12, 30, 30 } },
	{ "clipped_bottom_right", 64, 48, 1, 1, { 50, 36, 30, 30 } },
	{ "clipped_left_only", 64, 48, 1, 1, { -16, 10, 32, 28 } },
	{ "larger_than_image", 64, 48, 1, 1, { -20, -20, 104, 88 } },
	{ "fully_outside", 64, 48, 1, 1, { 100, 100, 20, 20 } },
	{ "fully_outside_negative", 64, 48, 1, 1, { -40, -40, 20, 20 } },
	{ "odd_size_clipped", 63, 47, 1, 1, { 40.5f, 30.5f, 30, 25 } },
	{ "odd_size_top_left", 63, 47, 1, 1, { -3, -5, 17, 19 } },
	{ "odd_size_inside", 63, 47, 1, 1, { 11.5f, 5.5f, 41, 37 } },
	{ "yuv422", 64, 48, 1, 0, { 16, 8, 32, 32 } },
	{ "yuv444_odd", 63, 47, 0, 0, { 20, 10, 30, 30 } },
};

struct region_case {
	char name[64];
	const struct geo *g;
	enum obscure_mode mode;
};

static struct region_case region_cases[3 * NELEM(geos)];

/* Mask: every pixel inside the ellipse has the mask value. */
static void
check_mask(const struct pic *p, struct box b)
{
	for (int pl = 0; pl < 3; pl++) {
		struct ell e = ell_of(p, pl, b);

		for (int y = 0; y < p->ph[pl]; y++) {
			for (int x = 0; x < p->pw[pl]; x++) {
				int want = pl ? MASK_C : obscure_mask_luma(x, y);

				if (inside(&e, x, y, 0) && px(p, pl, x, y) != want)
					fail_msg("plane %d (%d,%d) = %d inside the "
					    "ellipse, want %d", pl, x, y,
					    px(p, pl, x, y), want);
			}
		}
	}
}

/*
 * Pixelate: along the centre row of each plane, across the face's
 * extent, at most BLOCKS distinct runs (the gradient makes neighbouring
 * blocks differ), and the row did change. Every value inside is a mean,
 * so within the range of the original values of the region.
 */
static void
check_pixelate(const struct pic *p, struct box b)
{
	for (int pl = 0; pl < 3; pl++) {
		struct ell e = ell_of(p, pl, b);
		int y = (int)floor(e.cy);
		int xa = (int)floor(e.cx - e.rx), xb = (int)ceil(e.cx + e.rx);
		int lo, hi, runs = 0, changed = 0;

		if (xa < 0) xa = 0;
		if (xb > p->pw[pl]) xb = p->pw[pl];
		orig_range(p, pl, b, &lo, &hi);
		for (int yy = 0; yy < p->ph[pl]; yy++)
			for (int x = 0; x < p->pw[pl]; x++)
				if (inside(&e, x, yy, 0))
					assert_in_range(px(p, pl, x, yy), lo, hi);
		if (y < 0 || y >= p->ph[pl] || xb <= xa || e.rx < 2)
			continue;
		for (int x = xa; x < xb; x++) {
			if (x == xa || px(p, pl, x, y) != px(p, pl, x - 1, y))
				runs++;
			changed += px(p, pl, x, y) != opx(p, pl, x, y);
		}
		if (runs > BLOCKS)
			fail_msg("plane %d: %d blocks across the face on row %d "
			    "(x %d..%d), want at most %d", pl, runs, y, xa, xb - 1,
			    BLOCKS);
		assert_true(changed > 0);
		/* Blocks are at least 2 px: coarser than the picture. */
		assert_true(runs <= (xb - xa + 1) / 2);
	}
}

static void
stat_inside(const struct pic *p, int pl, struct box b, int orig, double *var,
    int *count)
{
	struct ell e = ell_of(p, pl, b);
	double sum = 0, sq = 0;
	int n = 0;

	for (int y = 0; y < p->ph[pl]; y++)
		for (int x = 0; x < p->pw[pl]; x++)
			if (inside(&e, x, y, 0)) {
				double v = orig ? opx(p, pl, x, y) : px(p, pl, x, y);

				sum += v;
				sq += v * v;
				n++;
			}
	*count = n;
	*var = n ? sq / n - (sum / n) * (sum / n) : 0;
}

/*
 * Blur: every value is an average of the region, and on noise the
 * variance inside drops by more than 90%.
 */
static void
check_blur(const struct pic *p, struct box b)
{
	for (int pl = 0; pl < 3; pl++) {
		struct ell e = ell_of(p, pl, b);
		double v0, v1;
		int n, lo, hi;

		orig_range(p, pl, b, &lo, &hi);
		for (int y = 0; y < p->ph[pl]; y++)
			for (int x = 0; x < p->pw[pl]; x++)
				if (inside(&e, x, y, 0))
					assert_in_range(px(p, pl, x, y), lo, hi);
		stat_inside(p, pl, b, 1, &v0, &n);
		stat_inside(p, pl, b, 0, &v1, &n);
		if (n < 16)
			continue;	/* too few pixels for statistics */
		if (v1 > 0.1 * v0)
			fail_msg("plane %d: variance %.1f -> %.1f over %d pixels, "
			    "want a 90%% drop", pl, v0, v1, n);
	}
}

static void
test_region(void **state)
{
	const struct region_case *c = *state;
	const struct geo *g = c->g;
	struct obscure *o = obscure_create(c->mode);
	struct pic p;

	assert_non_null(o);
	pic_init(&p, g->w, g->h, g->sx, g->sy, 0,
	    c->mode == OBSCURE_PIXELATE ? GRADIENT : NOISE, 12345);
	assert_int_equal(obscure_region(o, &p.im, g->b), 0);
	check_outside_untouched(&p, g->b, c->mode == OBSCURE_MASK);
	switch (c->mode) {
	case OBSCURE_MASK:
		check_mask(&p, g->b);
		break;
	case OBSCURE_PIXELATE:
		check_pixelate(&p, g->b);
		break;
	case OBSCURE_BLUR:
		check_blur(&p, g->b);
		break;
	}
	pic_free(&p);
	obscure_free(&o);
	assert_null(o);
}

/* ---- further mode checks ----------------------------------------------- */

/* The mask's luma: diagonal bands of 64 and 128, 8 px wide along a row. */
static void
test_mask_hatching(void **state)
{
	(void)state;
	for (int y = 0; y < 64; y++) {
		int edge = -1;

		for (int x = 0; x < 256; x++) {
			int v = obscure_mask_luma(x, y);

			assert_true(v == 64 || v == 128);
			if (y > 0)	/* constant along anti-diagonals */
				assert_int_equal(v, obscure_mask_luma(x + 1, y - 1));
			if (x > 0 && v != obscure_mask_luma(x - 1, y)) {
				if (edge >= 0)
					assert_int_equal(x - edge, 8);
				edge = x;
			}
		}
		assert_true(edge >= 0);
	}
}

/* The mask carries nothing of the face: two different faces, same output. */
static void
test_mask_independent_of_face(void **state)
{
	struct obscure *o = obscure_create(OBSCURE_MASK);
	struct box b = { 11.5f, 6.5f, 37, 33 };
	struct pic a, c;

	(void)state;
	pic_init(&a, 64, 48, 1, 1, 0, NOISE, 1);
	pic_init(&c, 64, 48, 1, 1, 0, GRADIENT, 2);
	assert_int_equal(obscure_region(o, &a.im, b), 0);
	assert_int_equal(obscure_region(o, &c.im, b), 0);
	for (int pl = 0; pl < 3; pl++) {
		struct ell e = ell_of(&a, pl, b);

		for (int y = 0; y < a.ph[pl]; y++)
			for (int x = 0; x < a.pw[pl]; x++)
				if (inside(&e, x, y, 0))
					assert_int_equal(px(&a, pl, x, y), px(&c, pl, x, y));
	}
	pic_free(&a);
	pic_free(&c);
	obscure_free(&o);
}

/*
 * A face box aligned on the pixel grid, 32 px wide: 8 blocks of 4 luma
 * (2 chroma) pixels starting at its left/top edge; each pixel inside the
 * ellipse holds the rounded mean of its block of the original picture.
 */
static void
test_pixelate_block_means(void **state)
{
	struct obscure *o = obscure_create(OBSCURE_PIXELATE);
	struct box b = { 8, 8, 128, 112 };
	struct pic p;
	int checked = 0;

	(void)state;
	pic_init(&p, 160, 128, 1, 1, 0, NOISE, 77);
	assert_int_equal(obscure_region(o, &p.im, b), 0);
	for (int pl = 0; pl < 3; pl++) {
		/* 128 px across: 8 blocks of 16 luma / 8 chroma pixels. */
		int bs = pl ? 8 : 16, x0 = pl ? 4 : 8, y0 = pl ? 4 : 8;
		int x1 = pl ? 68 : 136, y1 = pl ? 60 : 120;

		for (int y = y0; y < y1; y++) {
			for (int x = x0; x < x1; x++) {
				int bx = x0 + (x - x0) / bs * bs, by = y0 + (y - y0) / bs * bs;
				double sum = 0;

				for (int yy = by; yy < by + bs; yy++)
					for (int xx = bx; xx < bx + bs; xx++)
						sum += opx(&p, pl, xx, yy);
				assert_int_equal(px(&p, pl, x, y),
				    (int)floor(sum / (bs * bs) + 0.5));
				checked++;
			}
		}
	}
	/* The whole box is pixelated: 128x112 luma + 2 x 64x56 chroma. */
	assert_int_equal(checked, 128 * 112 + 2 * 64 * 56);
	pic_free(&p);
	obscure_free(&o);
}

/* Small faces get fewer, larger blocks: at least 16 luma pixels each. */
static void
test_pixelate_min_block(void **state)
{
	struct obscure *o = obscure_create(OBSCURE_PIXELATE);
	struct box b = { 0, 0, 32, 32 };
	struct pic p;

	(void)state;
	pic_init(&p, 64, 48, 1, 1, 0, NOISE, 78);
	assert_int_equal(obscure_region(o, &p.im, b), 0);
	for (int y = 0; y < 16; y++)
		for (int x = 0; x < 16; x++)
			assert_int_equal(px(&p, 0, x, y), px(&p, 0, 0, 0));
	assert_true(px(&p, 0, 16, 0) != px(&p, 0, 0, 0) ||
	    px(&p, 0, 0, 16) != px(&p, 0, 0, 0));
	pic_free(&p);
	obscure_free(&o);
}

/* One obscure object, regions of growing and shrinking size: the blur
 * scratch buffer is reused and regrown. */
static void
test_blur_scratch_reuse(void **state)
{
	static const struct box boxes[] = {
		{ 30, 20, 6, 6 }, { 0, 0, 64, 48 }, { 10, 10, 20, 20 },
		{ -50, -50, 200, 200 }, { 40, 2, 8, 40 },
	};
	struct obscure *o = obscure_create(OBSCURE_BLUR);

	(void)state;
	for (size_t i = 0; i < NELEM(boxes); i++) {
		struct pic p;

		pic_init(&p, 64, 48, 1, 1, 0, NOISE, (uint32_t)(i + 9));
		assert_int_equal(obscure_region(o, &p.im, boxes[i]), 0);
		check_outside_untouched(&p, boxes[i], 0);
		check_blur(&p, boxes[i]);
		pic_free(&p);
	}
	obscure_free(&o);
}

/* A blur leaves a flat picture flat: no bias, no ringing. */
static void
test_blur_flat(void **state)
{
	static const struct box boxes[] = {
		{ 16, 8, 32, 32 }, { -20, -20, 104, 88 }, { 50.5f, 30.5f, 30, 30 },
	};
	struct obscure *o = obscure_create(OBSCURE_BLUR);

	(void)state;
	for (size_t i = 0; i < NELEM(boxes); i++) {
		struct pic p;

		pic_init(&p, 63, 47, 1, 1, 0, NOISE, 1);
		for (int pl = 0; pl < 3; pl++) {
			memset(p.im.data[pl], 200 - 50 * pl, p.size[pl]);
			memset(p.orig[pl], 200 - 50 * pl, p.size[pl]);
		}
		assert_int_equal(obscure_region(o, &p.im, boxes[i]), 0);
		for (int pl = 0; pl < 3; pl++)
			assert_memory_equal(p.im.data[pl], p.orig[pl], p.size[pl]);
		pic_free(&p);
	}
	obscure_free(&o);
}

/* Several faces in one frame, overlapping: each is hidden. */
static void
test_mask_overlapping_faces(void **state)
{
	static const struct box boxes[] = {
		{ 4, 4, 24, 28 }, { 20, 10, 24, 28 }, { 44, 20, 30, 30 },
	};
	struct obscure *o = obscure_create(OBSCURE_MASK);
	struct pic p;

	(void)state;
	pic_init(&p, 64, 48, 1, 1, 0, NOISE, 5);
	for (size_t i = 0; i < NELEM(boxes); i++)
		assert_int_equal(obscure_region(o, &p.im, boxes[i]), 0);
	for (size_t i = 0; i < NELEM(boxes); i++)
		check_mask(&p, boxes[i]);
	pic_free(&p);
	obscure_free(&o);
}

/* ---- obscure_full ------------------------------------------------------ */

struct full_case {
	const char *name;
	int w, h, sx, sy, pad;
};

static struct full_case full_cases[] = {
	{ "full/420", 64, 48, 1, 1, 0 },
	{ "full/420_odd", 63, 47, 1, 1, 0 },
	{ "full/420_odd_padded", 63, 47, 1, 1, 5 },
	{ "full/422_odd", 63, 47, 1, 0, 0 },
	{ "full/444_padded", 17, 9, 0, 0, 3 },
	{ "full/1x1", 1, 1, 1, 1, 0 },
};

static void
test_full(void **state)
{
	const struct full_case *c = *state;
	struct pic p;

	pic_init(&p, c->w, c->h, c->sx, c->sy, c->pad, NOISE, 3);
	obscure_full(&p.im);
	for (int pl = 0; pl < 3; pl++)
		for (int y = 0; y < p.ph[pl]; y++)
			for (int x = 0; x < p.im.linesize[pl]; x++)
				assert_int_equal(px(&p, pl, x, y),
				    x >= p.pw[pl] ? 0xa5 : pl ? MASK_C : FULL_Y);
	pic_free(&p);
}

/* ---- names ------------------------------------------------------------- */

struct parse_case {
	const char *name;
	const char *s;
	int want;
};

static struct parse_case parse_cases[] = {
	{ "parse/mask", "mask", OBSCURE_MASK },
	{ "parse/pixelate", "pixelate", OBSCURE_PIXELATE },
	{ "parse/blur", "blur", OBSCURE_BLUR },
	{ "parse/empty", "", -1 },
	{ "parse/upper_case", "Mask", -1 },
	{ "parse/prefix", "pixel", -1 },
	{ "parse/suffix", "masks", -1 },
	{ "parse/trailing_space", "blur ", -1 },
	{ "parse/unknown", "gaussian", -1 },
};

static void
test_parse(void **state)
{
	const struct parse_case *c = *state;

	assert_int_equal(obscure_mode_parse(c->s), c->want);
	if (c->want >= 0)
		assert_string_equal(obscure_mode_name(c->want), c->s);
}

static void
test_name_round_trip(void **state)
{
	static const enum obscure_mode modes[] = {
		OBSCURE_MASK, OBSCURE_PIXELATE, OBSCURE_BLUR,
	};

	(void)state;
	for (size_t i = 0; i < NELEM(modes); i++) {
		const char *n = obscure_mode_name(modes[i]);

		assert_non_null(n);
		assert_int_equal(obscure_mode_parse(n), modes[i]);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(n, obscure_mode_name(modes[j]));
	}
	assert_string_equal(obscure_mode_name((enum obscure_mode)42), "?");
}

static void
test_free_null(void **state)
{
	struct obscure *o = NULL;

	(void)state;
	obscure_free(&o);
	obscure_free(NULL);
	assert_null(o);
}

int
main(void)
{
	static struct unit_list l;
	static const enum obscure_mode modes[] = {
		OBSCURE_MASK, OBSCURE_PIXELATE, OBSCURE_BLUR,
	};
	size_t k = 0;

	for (size_t m = 0; m < NELEM(modes); m++) {
		for (size_t i = 0; i < NELEM(geos); i++, k++) {
			struct region_case *c = &region_cases[k];

			snprintf(c->name, sizeof c->name, "%s/%s",
			    obscure_mode_name(modes[m]), geos[i].name);
			c->g = &geos[i];
			c->mode = modes[m];
			unit_add(&l, c->name, test_region, c);
		}
	}
	UNIT_TEST(&l, test_mask_hatching);
	UNIT_TEST(&l, test_mask_independent_of_face);
	UNIT_TEST(&l, test_mask_overlapping_faces);
	UNIT_TEST(&l, test_pixelate_block_means);
	UNIT_TEST(&l, test_pixelate_min_block);
	UNIT_TEST(&l, test_blur_scratch_reuse);
	UNIT_TEST(&l, test_blur_flat);
	UNIT_TABLE(&l, full_cases, test_full);
	UNIT_TABLE(&l, parse_cases, test_parse);
	UNIT_TEST(&l, test_name_round_trip);
	UNIT_TEST(&l, test_free_null);
	return unit_run("obscure", &l);
}
