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
	assert_int_equal(o.tile, 640);
	assert_int_equal(o.tiles_per_frame, 0);
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

/* ---- detect_input_size -------------------------------------------------- */

struct size_case {
	const char *name;
	int min_face, coarse;	/* 0: default (16, 640) */
	int fw, fh;
	double scale;		/* wanted input size / frame size */
};

static struct size_case size_cases[] = {
	/* The fine pass needs 16 px faces at 11 network px: scale 11/16. */
	{ "input/1080p_min16", 16, 0, 1920, 1080, 11.0 / 16 },
	{ "input/1080p_portrait_min16", 16, 0, 1080, 1920, 11.0 / 16 },
	{ "input/4k_min16", 16, 0, 3840, 2160, 11.0 / 16 },
	{ "input/720p_min16", 16, 0, 1280, 720, 11.0 / 16 },
	{ "input/1080p_min24", 24, 0, 1920, 1080, 11.0 / 24 },
	/* Coarse pass suffices: its own scale (long side 640)... */
	{ "input/1080p_min32", 32, 0, 1920, 1080, 1.0 / 3 },
	{ "input/1080p_min64", 64, 0, 1920, 1080, 1.0 / 3 },
	{ "input/1080p_coarse1280", 16, 1280, 1920, 1080, 2.0 / 3 },
	/* ...but never upscaled. */
	{ "input/480x270_min16", 16, 0, 480, 270, 1 },
	{ "input/640x360_min16", 16, 0, 640, 360, 1 },
	{ "input/1080p_min8", 8, 0, 1920, 1080, 1 },
	{ "input/tiny", 16, 0, 8, 6, 1 },
	{ "input/1x1", 16, 0, 1, 1, 1 },
};

static void
test_input_size(void **state)
{
	const struct size_case *c = *state;
	struct detect *d = open_detector(c->min_face, c->coarse);
	int w = -1, h = -1;

	detect_input_size(d, c->fw, c->fh, &w, &h);
	assert_true(w >= 1 && h >= 1);
	assert_true(w <= c->fw && h <= c->fh);
	if (fabs(w - c->fw * c->scale) > 0.5 || fabs(h - c->fh * c->scale) > 0.5)
		fail_msg("%dx%d -> %dx%d, want %.1fx%.1f", c->fw, c->fh, w, h,
		    c->fw * c->scale, c->fh * c->scale);
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
 * Bounds from the input size (iw x ih) and the 640 px tile: at least
 * ceil(iw/640) * ceil(ih/640) tiles to cover it, at most one per half
 * tile, ceil(iw/320) * ceil(ih/320), or the overlap is excessive.
 */
static struct tiles_case tiles_cases[] = {
	{ "tiles/480x270_min16_coarse_only", 16, 480, 270, 0, 0 },
	{ "tiles/640x360_min16_coarse_only", 16, 640, 360, 0, 0 },
	{ "tiles/1080p_min32_coarse_only", 32, 1920, 1080, 0, 0 },
	{ "tiles/1080p_min64_coarse_only", 64, 1920, 1080, 0, 0 },
	{ "tiles/1080p_min16", 16, 1920, 1080, 3 * 2, 5 * 3 },	/* 1320x742 */
	{ "tiles/1080p_min24", 24, 1920, 1080, 2 * 1, 3 * 2 },	/* 880x495 */
	{ "tiles/720p_min16", 16, 1280, 720, 2 * 1, 3 * 2 },	/* 880x495 */
	{ "tiles/4k_min16", 16, 3840, 2160, 5 * 3, 9 * 5 },	/* 2640x1485 */
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
	struct det out[64];
	int iw, ih, stride, n;
	uint8_t *bgr;

	detect_input_size(d, c->fw, c->fh, &iw, &ih);
	stride = iw * 3;
	bgr = malloc((size_t)stride * ih);
	assert_non_null(bgr);
	memset(bgr, c->value, (size_t)stride * ih);
	for (int f = 0; f < c->frames; f++) {
		memset(out, 0xff, sizeof out);
		n = -1;
		assert_int_equal(detect_run(d, bgr, stride, c->fw, c->fh,
		    detect_tiles(d, c->fw, c->fh), out, (int)NELEM(out), &n), 0);
		if (n != 0)
			fail_msg("%d face(s) in a flat picture, first at "
			    "%.0f,%.0f %.0fx%.0f score %.2f", n, out[0].box.x,
			    out[0].box.y, out[0].box.w, out[0].box.h, out[0].score);
	}
	free(bgr);
	detect_free(&d);
	assert_null(d);
}

int
main(void)
{
	static struct unit_list l;

	UNIT_TEST(&l, test_defaults);
	UNIT_TEST(&l, test_create_missing_file);
	UNIT_TEST(&l, test_create_not_a_model);
	UNIT_TEST(&l, test_free_null);
	UNIT_TABLE(&l, size_cases, test_input_size);
	UNIT_TABLE(&l, tiles_cases, test_tiles);
	UNIT_TEST(&l, test_tiles_monotonic);
	UNIT_TEST(&l, test_tiles_per_frame);
	UNIT_TABLE(&l, run_cases, test_run_no_face);
	return unit_run("detect", &l);
}
