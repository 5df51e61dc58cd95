/*
 * Unit tests for blur/detect: the scan plan (input size, tile count),
 * model loading errors, and a real run of the YuNet model on pictures
 * with no face. Tests that need the model skip when it is absent; it is
 * found at $CAMVEIL_MODEL or under ../shared/models/ (tests run from
 * the repository root).
 */
#include "unit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../blur/detect.h"
#include "../../util/err.h"

#define DETECT_REFRESH_TEST 4	/* detect.c's DETECT_REFRESH */
#define SHARED_MODEL \
	"../shared/models/ShiqiYu_libfacedetection.train/yunet_n_640_640.onnx"

static const char *
model_path(void)
{
	const char *p = getenv("CAMVEIL_MODEL");

	if (p == NULL || *p == '\0')
		p = SHARED_MODEL;
	return access(p, R_OK) == 0 ? p : NULL;
}

/* A detector with min_face and coarse (0: default); skips without a model. */
static struct detect *
open_detector(int min_face, int coarse)
{
	struct detect_opts o;
	struct detect *d = NULL;
	char *cause = NULL;
	const char *path = model_path();
	int ret;

	if (path == NULL) {
		print_message("no model at $CAMVEIL_MODEL or %s\n", SHARED_MODEL);
		skip();
	}
	detect_defaults(&o);
	o.model = path;
	if (min_face > 0)
		o.min_face = min_face;
	if (coarse > 0)
		o.coarse = coarse;
	ret = detect_create(&o, &d, &cause);
	if (ret < 0)
		fail_msg("detect_create(%s): %s", path, cause ? cause : err_str(ret));
	assert_non_null(d);
	assert_null(cause);
	return d;
}

static void
test_defaults(void **state)
{
	struct detect_opts o;

	(void)state;
	memset(&o, 0xff, sizeof o);
	detect_defaults(&o);
	assert_null(o.model);
	assert_float_equal(o.threshold, 0.5, 1e-6);
	assert_float_equal(o.nms, 0.3, 1e-6);
	assert_int_equal(o.min_face, 16);
	assert_int_equal(o.coarse, 640);
	assert_int_equal(o.coarse_tiled, 320);
	assert_int_equal(o.tile, 320);
	assert_int_equal(o.tiles_per_frame, 0);
	assert_int_equal(o.threads, 1);
	assert_float_equal(o.edge_threshold, 0.3, 1e-6);
}

/* ---- detect_create failures (no model needed) -------------------------- */

static void
check_create_fails(const char *path)
{
	struct detect_opts o;
	struct detect *d = (struct detect *)&o;	/* must be reset to NULL */
	char *cause = NULL;

	detect_defaults(&o);
	o.model = path;
	assert_int_equal(detect_create(&o, &d, &cause), ERR_MODEL);
	assert_null(d);
	assert_non_null(cause);
	if (strstr(cause, path) == NULL)
		fail_msg("cause does not name %s: %s", path, cause);
	free(cause);
}

static void
test_create_missing_file(void **state)
{
	(void)state;
	check_create_fails("/nonexistent/camveil-test/no-such-model.onnx");
}

static void
test_create_not_a_model(void **state)
{
	char path[] = "/tmp/camveil-test-XXXXXX.onnx";
	static const char junk[] = "this is not an ONNX protobuf\n";
	int fd = mkstemps(path, 5);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, junk, sizeof junk - 1), (ssize_t)(sizeof junk - 1));
	close(fd);
	check_create_fails(path);
	unlink(path);
}

static void
test_free_null(void **state)
{
	struct detect *d = NULL;

	(void)state;
	detect_free(&d);
	detect_free(NULL);
	assert_null(d);
}

/* ---- detect_plan -------------------------------------------------------- */

struct plan_case {
	const char *name;
	int min_face;
	int fw, fh;
	double fine;		/* expected tile scale (network / frame px), 0: no tiles */
	int coarse_long;	/* expected coarse network long side */
};

static struct plan_case plan_cases[] = {
	/* The fine pass needs 16 px faces at 11 network px: scale 11/16;
	 * the coarse pass then runs small (320). */
	{ "plan/1080p_min16", 16, 1920, 1080, 11.0 / 16, 320 },
	{ "plan/1080p_portrait_min16", 16, 1080, 1920, 11.0 / 16, 320 },
	/* 4K: faces wider than the tile overlap (80 fine px = 116 frame px)
	 * must reach the coarse pass at 1.5 x 11 px: long side 544. */
	{ "plan/4k_min16", 16, 3840, 2160, 11.0 / 16, 544 },
	{ "plan/720p_min16", 16, 1280, 720, 11.0 / 16, 320 },
	{ "plan/1080p_min24", 24, 1920, 1080, 11.0 / 24, 320 },
	/* The coarse pass alone suffices: long side 640. */
	{ "plan/1080p_min32", 32, 1920, 1080, 0, 640 },
	{ "plan/480x270_min16", 16, 480, 270, 0, 640 },
	{ "plan/640x360_min16", 16, 640, 360, 0, 640 },
	{ "plan/odd_333x187", 16, 333, 187, 0, 640 },
	/* Faces below what a full-resolution pass sees: scale capped at 1. */
	{ "plan/1080p_min8", 8, 1920, 1080, 1, 384 },
};

static void
test_plan(void **state)
{
	const struct plan_case *c = *state;
	struct detect *d = open_detector(c->min_face, 0);
	struct detect_pass ps[DETECT_MAX_PASSES];
	int tiles = detect_tiles(d, c->fw, c->fh), seen = 0;
	unsigned char *cov = calloc((size_t)c->fw * c->fh, 1);

	assert_non_null(cov);
	assert_int_equal(tiles > 0, c->fine > 0);
	/* Rotate through every tile, a few per call. */
	for (int call = 0; seen < tiles || call == 0; call++) {
		int want = tiles - seen < 3 ? tiles - seen : 3;
		int np = detect_plan(d, c->fw, c->fh, NULL, want, NULL, 0, ps);
		int ncoarse = np - want;

		assert_in_range(ncoarse, 1, 2);
		/* Coarse: the whole frame, long side as expected. */
		assert_int_equal(ps[0].src.x, 0);
		assert_int_equal(ps[0].src.y, 0);
		assert_true(ps[0].src.w >= c->fw - 1 && ps[0].src.h >= c->fh - 1);
		if (abs((ps[0].w > ps[0].h ? ps[0].w : ps[0].h) - c->coarse_long) > 16)
			fail_msg("coarse pass %dx%d, want long side %d", ps[0].w,
			    ps[0].h, c->coarse_long);
		for (int i = 0; i < np; i++) {
			const struct detect_pass *q = &ps[i];

			assert_true(q->w % 32 == 0 && q->h % 32 == 0);
			assert_true(q->src.x % 2 == 0 && q->src.y % 2 == 0);
			assert_true(q->src.x >= 0 && q->src.y >= 0);
			assert_true(q->src.x + q->src.w <= c->fw);
			assert_true(q->src.y + q->src.h <= c->fh);
			if (i < ncoarse)
				continue;
			/* Tiles: at the fine scale. */
			if (fabs((double)q->w / q->src.w - c->fine) > 0.06 * c->fine + 0.01)
				fail_msg("tile %dx%d from %dx%d: scale %.3f, want %.3f",
				    q->w, q->h, q->src.w, q->src.h,
				    (double)q->w / q->src.w, c->fine);
			for (int y = q->src.y; y < q->src.y + q->src.h; y++)
				memset(cov + (size_t)y * c->fw + q->src.x, 1, (size_t)q->src.w);
		}
		seen += want;
		if (tiles == 0)
			break;
	}
	/* A full rotation of tiles covers the frame (up to odd edge pixels). */
	for (int y = 0; tiles > 0 && y < (c->fh & ~1); y++)
		for (int x = 0; x < (c->fw & ~1); x++)
			if (!cov[(size_t)y * c->fw + x])
				fail_msg("(%d,%d) not covered by any tile", x, y);
	free(cov);
	detect_free(&d);
	assert_null(d);
}

/* ---- detect_tiles ------------------------------------------------------- */

struct tiles_case {
	const char *name;
	int min_face;
	int fw, fh;
	int lo, hi;
};

/*
 * Bounds from the fine image size (iw x ih) and the 320 px tile: at least
 * ceil(iw/320) * ceil(ih/320) tiles to cover it, at most one per half
 * tile, ceil(iw/160) * ceil(ih/160), or the overlap is excessive.
 */
static struct tiles_case tiles_cases[] = {
	{ "tiles/480x270_min16_coarse_only", 16, 480, 270, 0, 0 },
	{ "tiles/640x360_min16_coarse_only", 16, 640, 360, 0, 0 },
	{ "tiles/1080p_min32_coarse_only", 32, 1920, 1080, 0, 0 },
	{ "tiles/1080p_min64_coarse_only", 64, 1920, 1080, 0, 0 },
	{ "tiles/1080p_min16", 16, 1920, 1080, 5 * 3, 9 * 5 },	/* 1320x742 */
	{ "tiles/1080p_min24", 24, 1920, 1080, 3 * 2, 6 * 4 },	/* 880x495 */
	{ "tiles/720p_min16", 16, 1280, 720, 3 * 2, 6 * 4 },	/* 880x495 */
	{ "tiles/4k_min16", 16, 3840, 2160, 9 * 5, 17 * 10 },	/* 2640x1485 */
};

static void
test_tiles(void **state)
{
	const struct tiles_case *c = *state;
	struct detect *d = open_detector(c->min_face, 0);
	int n = detect_tiles(d, c->fw, c->fh);

	if (n < c->lo || n > c->hi)
		fail_msg("%dx%d min_face %d: %d tiles, want %d..%d", c->fw, c->fh,
		    c->min_face, n, c->lo, c->hi);
	detect_free(&d);
}

/*
 * Every face up to the guaranteed tile overlap (a quarter of the 320 px
 * tile, in fine pixels) lies whole in some tile, wherever it is: larger
 * ones are the coarse pass's.
 */
struct overlap_case {
	const char *name;
	int min_face, fw, fh;
};

static struct overlap_case overlap_cases[] = {
	{ "overlap/1080p_min16", 16, 1920, 1080 },
	{ "overlap/720p_min16", 16, 1280, 720 },
	{ "overlap/4k_min16", 16, 3840, 2160 },
	{ "overlap/1080p_min24", 24, 1920, 1080 },
	{ "overlap/portrait_min12", 12, 1080, 1920 },
};

static void
test_tile_overlap(void **state)
{
	const struct overlap_case *c = *state;
	struct detect *d = open_detector(c->min_face, 0);
	struct detect_pass ps[DETECT_MAX_PASSES];
	struct rect tiles[256];
	int all = detect_tiles(d, c->fw, c->fh), nt = 0;
	/* 80 fine px, less the even rounding of the tile rects. */
	int face = (int)(80 / (11.0 / c->min_face)) - 4;

	assert_in_range(all, 1, 256);
	while (nt < all) {
		int want = all - nt < 8 ? all - nt : 8;
		int np = detect_plan(d, c->fw, c->fh, NULL, want, NULL, 0, ps);

		for (int i = np - want; i < np; i++)
			tiles[nt++] = ps[i].src;
	}
	for (int y = 0; y + face <= c->fh; y += 7) {
		for (int x = 0; x + face <= c->fw; x += 7) {
			int whole = 0;

			for (int k = 0; k < nt && !whole; k++)
				whole = x >= tiles[k].x && y >= tiles[k].y &&
				    x + face <= tiles[k].x + tiles[k].w &&
				    y + face <= tiles[k].y + tiles[k].h;
			if (!whole)
				fail_msg("a %d px face at %d,%d is whole in no tile",
				    face, x, y);
		}
	}
	detect_free(&d);
}

/* Smaller faces or larger frames need more tiles, never fewer. */
static void
test_tiles_monotonic(void **state)
{
	static const int faces[] = { 12, 16, 20, 24, 32, 48 };
	int prev = 1 << 30, t4k, t1080;

	(void)state;
	for (size_t i = 0; i < NELEM(faces); i++) {
		struct detect *d = open_detector(faces[i], 0);
		int n = detect_tiles(d, 1920, 1080);

		if (n > prev)
			fail_msg("min_face %d: %d tiles, more than %d for a smaller "
			    "face", faces[i], n, prev);
		prev = n;
		if (faces[i] == 16) {
			t1080 = n;
			t4k = detect_tiles(d, 3840, 2160);
			assert_true(t4k > t1080);
			assert_true(t1080 > 0);
		}
		detect_free(&d);
	}
	assert_int_equal(prev, 0);	/* 48 px faces: coarse pass only */
}

/* Auto tile rate: every tile revisited within `period` frames. */
static void
test_tiles_per_frame(void **state)
{
	struct detect *d = open_detector(16, 0);
	int all = detect_tiles(d, 3840, 2160);

	(void)state;
	assert_true(all > 1);
	assert_int_equal(detect_tiles_per_frame(d, 3840, 2160, 1), all);
	assert_int_equal(detect_tiles_per_frame(d, 3840, 2160, 0), all);
	assert_int_equal(detect_tiles_per_frame(d, 3840, 2160, all), 1);
	assert_int_equal(detect_tiles_per_frame(d, 3840, 2160, 1000), 1);
	for (int period = 1; period <= all; period++) {
		int k = detect_tiles_per_frame(d, 3840, 2160, period);

		if (k * period < all || (k - 1) * period >= all)
			fail_msg("period %d: %d tiles/frame for %d tiles", period, k, all);
	}
	/* The coarse pass alone covers a small frame: no tiles at all. */
	assert_int_equal(detect_tiles_per_frame(d, 480, 270, 1), 0);
	detect_free(&d);
}

/* ---- detect_run on pictures without a face ------------------------------ */

struct run_case {
	const char *name;
	int fw, fh, min_face;
	uint8_t value;
	int frames;		/* runs, to rotate through the fine tiles */
};

static struct run_case run_cases[] = {
	{ "run/grey_480x270", 480, 270, 16, 128, 2 },
	{ "run/grey_720p_tiles", 1280, 720, 16, 128, 3 },
	{ "run/black_720p", 1280, 720, 16, 0, 1 },
	{ "run/white_640x360", 640, 360, 16, 255, 1 },
	{ "run/grey_odd_size", 333, 187, 16, 128, 1 },
};

static void
test_run_no_face(void **state)
{
	const struct run_case *c = *state;
	struct detect *d = open_detector(c->min_face, 0);
	struct detect_pass ps[DETECT_MAX_PASSES];
	struct det out[256];
	uint8_t *bgr = NULL;

	for (int f = 0; f < c->frames; f++) {
		int np = detect_plan(d, c->fw, c->fh, NULL, detect_tiles(d, c->fw, c->fh) < 8 ?
		    detect_tiles(d, c->fw, c->fh) : 8, NULL, 0, ps), n = 0;

		for (int i = 0; i < np; i++) {
			bgr = realloc(bgr, (size_t)ps[i].w * 3 * ps[i].h);
			assert_non_null(bgr);
			memset(bgr, c->value, (size_t)ps[i].w * 3 * ps[i].h);
			assert_int_equal(detect_pass_run(d, &ps[i], bgr, ps[i].w * 3,
			    out, (int)NELEM(out), &n), 0);
		}
		n = detect_finish(d, c->fw, c->fh, out, n);
		if (n != 0)
			fail_msg("%d face(s) in a flat picture, first at "
			    "%.0f,%.0f %.0fx%.0f score %.2f", n, out[0].box.x,
			    out[0].box.y, out[0].box.w, out[0].box.h, out[0].score);
	}
	free(bgr);
	detect_free(&d);
	assert_null(d);
}

/* ---- change test of the rotation (detect_plan with the frame) ----------- */

struct frame {
	struct image img;
	uint8_t *y;
};

static struct frame *
frame_new(int w, int h, uint8_t v)
{
	struct frame *f = calloc(1, sizeof *f);

	assert_non_null(f);
	f->y = malloc((size_t)w * h);
	assert_non_null(f->y);
	memset(f->y, v, (size_t)w * h);
	f->img.data[0] = f->y;
	f->img.linesize[0] = w;
	f->img.width = w;
	f->img.height = h;
	return f;
}

static void
frame_free(struct frame *f)
{
	free(f->y);
	free(f);
}

static void
frame_fill(struct frame *f, int x, int y, int w, int h, uint8_t v)
{
	for (int r = y; r < y + h; r++)
		memset(f->y + (size_t)r * f->img.width + x, v, (size_t)w);
}

/* Texture: squares of 16 px alternating v - 15 and v + 15 (no tile flat). */
static void
frame_texture(struct frame *f, int x0, int y0, int w, int h, uint8_t v)
{
	for (int y = y0; y < y0 + h; y++)
		for (int x = x0; x < x0 + w; x++)
			f->y[(size_t)y * f->img.width + x] =
			    (uint8_t)(((x / 16 + y / 16) & 1) ? v + 15 : v - 15);
}

/* f = base, with sensor-like noise of -3..+3 levels on every 7th pixel. */
static void
frame_noise(struct frame *f, const uint8_t *base, unsigned *seed)
{
	memcpy(f->y, base, (size_t)f->img.width * f->img.height);
	for (size_t k = 0; k < (size_t)f->img.width * f->img.height; k += 7)
		f->y[k] = (uint8_t)(base[k] - 3 + (*seed = *seed * 1103515245 + 12345) % 7);
}

/* Plan one frame; returns its fine passes and, in *covers, whether one
 * of them contains the point (px, py). */
static int
plan_tiles(struct detect *d, struct frame *f, int tiles, int px, int py, int *covers)
{
	struct detect_pass ps[DETECT_MAX_PASSES];
	int np = detect_plan(d, f->img.width, f->img.height, &f->img, tiles, NULL, 0, ps);
	int fine = 0;

	*covers = 0;
	for (int i = 0; i < np; i++) {
		if (ps[i].src.w >= f->img.width - 1 && ps[i].src.h >= f->img.height - 1)
			continue;	/* coarse */
		fine++;
		*covers |= px >= ps[i].src.x && px < ps[i].src.x + ps[i].src.w &&
		    py >= ps[i].src.y && py < ps[i].src.y + ps[i].src.h;
	}
	return fine;
}

/*
 * A still 1080p picture: the first rotation scans every tile, then none
 * until the refresh (4 rotations); a face-sized change is scanned within
 * one rotation, and only the tiles that hold it; noise is not a change.
 */
static void
test_gate(void **state)
{
	struct detect *d = open_detector(16, 0);
	struct frame *f = frame_new(1920, 1080, 90);
	struct detect_stats st;
	int all = detect_tiles(d, 1920, 1080), per = 2, rot = (all + per - 1) / per;
	int covers, n = 0, found = -1;
	unsigned seed = 7;
	uint8_t *base = malloc((size_t)1920 * 1080);

	(void)state;
	assert_non_null(base);
	assert_int_equal(all, 18);
	frame_texture(f, 0, 0, 1920, 1080, 90);
	memcpy(base, f->y, (size_t)1920 * 1080);
	for (int i = 0; i < rot; i++)
		n += plan_tiles(d, f, per, 0, 0, &covers);
	assert_int_equal(n, all);
	/* Still picture, with sensor-like noise of +-3 levels. */
	for (int i = 0; i < rot; i++) {
		frame_noise(f, base, &seed);
		if (plan_tiles(d, f, per, 0, 0, &covers) != 0)
			fail_msg("plan %d: a tile of a still picture scanned again", i);
	}
	/* A 24 x 24 patch 40 levels brighter (a face walking in): within a
	 * rotation every tile holding it is scanned, and no other. */
	frame_fill(f, 1000, 500, 24, 24, 130);
	for (int i = 0; i < rot; i++) {
		int k = plan_tiles(d, f, per, 1012, 512, &covers);

		if (k > 0 && !covers)
			fail_msg("plan %d: an unchanged tile scanned", i);
		if (covers && found < 0)
			found = i;
	}
	if (found < 0)
		fail_msg("the changed tile was not scanned within a rotation (%d plans)", rot);
	for (int i = 0; i < rot / 2; i++)
		assert_int_equal(plan_tiles(d, f, per, 0, 0, &covers), 0);
	/* The refresh: 4 rotations after its last scan, each tile again. */
	n = 0;
	for (int i = 0; i < 4 * rot; i++)
		n += plan_tiles(d, f, per, 0, 0, &covers);
	if (n < all)
		fail_msg("%d tiles refreshed in 4 rotations, want %d", n, all);
	detect_get_stats(d, &st);
	/* Every plan asked for 2: each was scanned or passed over. */
	assert_true(st.tiles_run >= (uint64_t)(2 * all) && st.tiles_run <= (uint64_t)(3 * all));
	assert_int_equal(st.tiles_run + st.tiles_unchanged, st.plans * per);
	assert_int_equal(st.hint_tiles, 0);
	assert_int_equal(st.tiles_flat, 0);
	/* A new frame size starts over: every tile is new. */
	frame_free(f);
	free(base);
	f = frame_new(1280, 720, 90);
	frame_texture(f, 0, 0, 1280, 720, 90);
	all = detect_tiles(d, 1280, 720);
	n = 0;
	for (int i = 0; i < all; i++)
		n += plan_tiles(d, f, 1, 0, 0, &covers);
	assert_int_equal(n, all);
	frame_free(f);
	detect_free(&d);
}

/* Index of the tile whose frame rect is r, in tiles[0..n), or -1. */
static int
tile_index(const struct rect *tiles, int n, struct rect r)
{
	for (int k = 0; k < n; k++)
		if (tiles[k].x == r.x && tiles[k].y == r.y && tiles[k].w == r.w &&
		    tiles[k].h == r.h)
			return k;
	return -1;
}

/*
 * Flat tiles (a blank wall): they leave the rotation but for the refresh,
 * and the rate shrinks with them, so the tiles that could hold a face
 * are still each visited about once a rotation of the full rate. A
 * face-sized patch appearing on the wall makes its tile count again.
 */
static void
test_flat(void **state)
{
	struct detect *d = open_detector(16, 0), *ref = open_detector(16, 0);
	struct frame *f = frame_new(1920, 1080, 120);
	struct detect_pass ps[DETECT_MAX_PASSES];
	struct detect_stats st;
	struct rect tiles[18];
	int all = detect_tiles(d, 1920, 1080), per = 2, rot = (all + per - 1) / per;
	int last[18], visits[18] = { 0 }, flat[18], plans = 216, nt = 0;
	int covers, found = -1, nflat = 0;
	unsigned seed = 11;
	uint8_t *base = malloc((size_t)1920 * 1080);

	(void)state;
	assert_non_null(base);
	assert_int_equal(all, 18);
	/* The tiles, in rotation order, from a plan without the picture. */
	while (nt < all) {
		int np = detect_plan(ref, 1920, 1080, NULL, 9, NULL, 0, ps);

		for (int i = np - 9; i < np; i++)
			tiles[nt++] = ps[i].src;
	}
	/* Left of x = 1000 a wall: a gentle gradient (3 levels per 100 px)
	 * and noise; the rest squares of 16 px drawn anew every frame (it
	 * changes: the change test lets it through). */
	for (int y = 0; y < 1080; y++)
		for (int x = 0; x < 1000; x++)
			base[(size_t)y * 1920 + x] = (uint8_t)(100 + x * 3 / 100);
	for (int k = 0; k < all; k++) {
		last[k] = -1;
		flat[k] = tiles[k].x + tiles[k].w + 8 < 1000;
		nflat += flat[k];
	}
	assert_int_equal(nflat, 6);	/* two columns of three */
	for (int i = 0; i < plans; i++) {
		int np;

		for (int y = 0; y < 1080; y += 16)
			for (int x = 1000; x < 1920; x += 16) {
				uint8_t v = (uint8_t)(70 + (seed = seed * 1103515245 + 12345) % 100);

				for (int r = y; r < y + 16 && r < 1080; r++)
					memset(base + (size_t)r * 1920 + x, v, x + 16 <= 1920 ? 16 : 1920 - x);
			}
		frame_noise(f, base, &seed);
		np = detect_plan(d, 1920, 1080, &f->img, per, NULL, 0, ps);
		for (int j = 1; j < np; j++) {
			int k = tile_index(tiles, all, ps[j].src);

			assert_in_range(k, 0, all - 1);
			/* After the first rotation a textured tile comes round
			 * within about a rotation of the full rate. */
			if (!flat[k] && last[k] >= 0 && i - last[k] > rot + 2)
				fail_msg("plan %d: textured tile %d waited %d plans", i, k,
				    i - last[k]);
			if (i >= 2 * rot)
				visits[k]++;
			last[k] = i;
		}
	}
	for (int k = 0; k < all; k++) {
		int most = flat[k] ? (plans - 2 * rot) / (DETECT_REFRESH_TEST * rot) + 1 :
		    plans;

		if (!flat[k] && visits[k] < (plans - 2 * rot) / (rot + 2))
			fail_msg("textured tile %d: %d visits in %d plans", k, visits[k],
			    plans - 2 * rot);
		if (visits[k] > most)
			fail_msg("flat tile %d: %d visits in %d plans, want at most %d",
			    k, visits[k], plans - 2 * rot, most);
	}
	detect_get_stats(d, &st);
	/* The rate: 2 * (12 + 6 / 4) / 18 = 1.5 a plan, so 0.5 dropped. */
	assert_int_equal(st.tiles_flat + st.tiles_run + st.tiles_unchanged,
	    st.plans * per);
	if (st.tiles_flat < (uint64_t)(plans * 0.45) || st.tiles_flat > (uint64_t)(plans * 0.55))
		fail_msg("%llu rotation tiles dropped as flat in %d plans, want "
		    "0.5 a plan", (unsigned long long)st.tiles_flat, plans);
	/* A face-sized patch, 60 levels brighter, on the wall. */
	for (int y = 300; y < 324; y++)
		memset(base + (size_t)y * 1920 + 300, 160, 24);
	for (int i = 0; i < rot + 2 && found < 0; i++) {
		frame_noise(f, base, &seed);
		if (plan_tiles(d, f, per, 312, 312, &covers) > 0 && covers)
			found = i;
	}
	if (found < 0)
		fail_msg("a patch on the wall was not scanned within %d plans", rot + 2);
	frame_free(f);
	free(base);
	detect_free(&d);
	detect_free(&ref);
}

/* ---- tracked small faces: their tiles every frame ----------------------- */

struct hint_case {
	const char *name;
	struct box hints[3];
	int nhints;
	int want_passes;	/* fine passes */
};

static struct hint_case hint_cases[] = {
	{ "hint/small", { { 900, 500, 20, 20 } }, 1, 1 },
	/* Big enough for the coarse pass: no tile. */
	{ "hint/coarse_sees_it", { { 900, 500, 110, 120 } }, 1, 0 },
	/* Two faces side by side: one tile holds both. */
	{ "hint/pair", { { 900, 500, 16, 18 }, { 922, 502, 16, 18 } }, 2, 1 },
	/* Far apart: a tile each. */
	{ "hint/apart", { { 100, 100, 20, 20 }, { 1700, 900, 20, 20 } }, 2, 2 },
	{ "hint/corner", { { 1900, 1064, 18, 16 } }, 1, 1 },
};

static void
test_hint(void **state)
{
	const struct hint_case *c = *state;
	struct detect *d = open_detector(16, 0);
	struct detect_pass ps[DETECT_MAX_PASSES];
	int np = detect_plan(d, 1920, 1080, NULL, 0, c->hints, c->nhints, ps);

	assert_int_equal(np - 1, c->want_passes);
	for (int i = 1; i < np; i++) {
		assert_int_equal(ps[i].w, 320);
		assert_true(ps[i].src.x >= 0 && ps[i].src.y >= 0);
		assert_true(ps[i].src.x + ps[i].src.w <= 1920);
		assert_true(ps[i].src.y + ps[i].src.h <= 1080);
	}
	/* Every face given a tile lies whole in one. */
	for (int h = 0; h < c->nhints && c->want_passes > 0; h++) {
		struct box b = c->hints[h];
		int whole = 0;

		for (int i = 1; i < np; i++)
			whole |= b.x >= ps[i].src.x && b.y >= ps[i].src.y &&
			    b.x + b.w <= ps[i].src.x + ps[i].src.w &&
			    b.y + b.h <= ps[i].src.y + ps[i].src.h;
		if (!whole)
			fail_msg("face %d not whole in any pass (first %d,%d %dx%d)", h,
			    ps[1].src.x, ps[1].src.y, ps[1].src.w, ps[1].src.h);
	}
	detect_free(&d);
}

/* detect_finish: threshold, the lower one at the frame border, and NMS. */
static void
test_finish(void **state)
{
	struct detect *d = open_detector(16, 0);
	struct det dets[5] = {
		{ { 100, 100, 40, 50 }, 0.9f, { 0 } },	/* confident */
		{ { 104, 102, 40, 50 }, 0.8f, { 0 } },	/* duplicate of the first */
		{ { 300, 100, 40, 50 }, 0.4f, { 0 } },	/* weak, inside: dropped */
		{ { 610, 100, 40, 50 }, 0.35f, { 0 } },	/* weak, cut by the border: kept */
		{ { 300, 300, 40, 50 }, 0.2f, { 0 } },	/* too weak anywhere */
	};
	int n;

	(void)state;
	n = detect_finish(d, 640, 480, dets, 5);
	assert_int_equal(n, 2);
	assert_float_equal(dets[0].score, 0.9f, 1e-6);
	assert_float_equal(dets[1].box.x, 610, 1e-6);
	detect_free(&d);
}

int
main(void)
{
	static struct unit_list l;

	UNIT_TEST(&l, test_defaults);
	UNIT_TEST(&l, test_create_missing_file);
	UNIT_TEST(&l, test_create_not_a_model);
	UNIT_TEST(&l, test_free_null);
	UNIT_TABLE(&l, plan_cases, test_plan);
	UNIT_TABLE(&l, tiles_cases, test_tiles);
	UNIT_TABLE(&l, overlap_cases, test_tile_overlap);
	UNIT_TEST(&l, test_tiles_monotonic);
	UNIT_TEST(&l, test_tiles_per_frame);
	UNIT_TABLE(&l, run_cases, test_run_no_face);
	UNIT_TEST(&l, test_finish);
	UNIT_TEST(&l, test_gate);
	UNIT_TEST(&l, test_flat);
	UNIT_TABLE(&l, hint_cases, test_hint);
	return unit_run("detect", &l);
}
