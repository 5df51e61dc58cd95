/*
 * facecheck IN OUT [--model FILE] [--min-face PX]: measures how well OUT
 * (a mask-mode anonymization of IN) hides the faces in IN.
 *
 * Both files are decoded in lockstep. On every frame the detector scans
 * exhaustively (coarse pass plus every fine tile, threshold 0.5):
 *   in_faces    face-frames found in IN
 *   leaks       faces found in OUT overlapping a face found in IN
 *   out_faces   all faces found in OUT (false detections on the mask too)
 *   misses      faces found in IN whose centre area does not carry the
 *               mask's hatching in OUT
 * and prints one JSON line. Exit status 0 unless the files cannot be read
 * or have different frame counts.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../blur/detect.h"
#include "../../blur/geom.h"
#include "../../blur/model.h"
#include "../../blur/obscure.h"
#include "../../codecs/codecs.h"
#include "../../codecs/decode.h"
#include "../../codecs/demux.h"
#include "../../codecs/scale.h"
#include "../../util/err.h"
#include "vsrc.h"
#include "../../util/image.h"

#define MAXD 1024

/* Exhaustive scan of f: coarse passes and every fine tile. */
static int
scan(struct detect *d, struct scale *sc, struct AVFrame *f, uint8_t **buf,
    size_t *cap, struct det *out)
{
	struct detect_pass passes[DETECT_MAX_PASSES];
	struct image img;
	int n = 0, left, np;

	codecs_frame_image(f, &img);
	left = detect_tiles(d, img.width, img.height);
	do {
		int chunk = left < DETECT_MAX_PASSES - 2 ? left : DETECT_MAX_PASSES - 2;

		np = detect_plan(d, img.width, img.height, NULL, chunk, NULL, 0, passes);
		left -= chunk;
		for (int i = 0; i < np; i++) {
			size_t need = (size_t)passes[i].w * passes[i].h * 3;

			if (need > *cap) {
				*cap = need;
				*buf = realloc(*buf, *cap);
			}
			if (scale_region_to_bgr(sc, f, passes[i].src.x, passes[i].src.y,
			    passes[i].src.w, passes[i].src.h, passes[i].w, passes[i].h,
			    *buf, passes[i].w * 3) < 0 ||
			    detect_pass_run(d, &passes[i], *buf, passes[i].w * 3, out,
			    MAXD, &n) < 0)
				return -1;
		}
	} while (left > 0);
	return detect_finish(d, img.width, img.height, out, n);
}

/* Fraction of pixels in the centre 60% of box b that carry the mask. */
static float
masked_fraction(struct AVFrame *f, struct box b)
{
	struct image img;
	struct rect r;
	int hit = 0, all = 0;

	codecs_frame_image(f, &img);
	r = geom_clip(geom_scale(b, 0.6f), img.width, img.height);
	for (int y = r.y; y < r.y + r.h; y++)
		for (int x = r.x; x < r.x + r.w; x++) {
			all++;
			hit += abs(img.data[0][(size_t)y * img.linesize[0] + x] -
			    obscure_mask_luma(x, y)) <= 24;
		}
	return all ? (float)hit / all : 1;
}

int
main(int argc, char **argv)
{
	const char *model_opt = NULL;
	char model[4096], *cause = NULL;
	struct detect_opts o;
	struct detect *det = NULL;
	struct scale *sc = scale_create();
	struct src a, b;
	struct AVFrame *fa = codecs_frame_alloc(), *fb = codecs_frame_alloc();
	struct det *da = calloc(MAXD, sizeof *da), *db = calloc(MAXD, sizeof *db);
	uint8_t *buf = NULL;
	size_t cap = 0;
	long frames = 0, in_faces = 0, out_faces = 0, leaks = 0, misses = 0;
	const char *paths[2] = { NULL, NULL };
	int np = 0, min_face = 16;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--model") == 0 && i + 1 < argc)
			model_opt = argv[++i];
		else if (strcmp(argv[i], "--min-face") == 0 && i + 1 < argc)
			min_face = atoi(argv[++i]);
		else if (np < 2)
			paths[np++] = argv[i];
	}
	if (np != 2) {
		fprintf(stderr, "usage: facecheck IN OUT [--model FILE] [--min-face PX]\n");
		return 2;
	}
	codecs_init();
	if (model_find(model_opt, model, sizeof model, &cause) < 0) {
		fprintf(stderr, "facecheck: %s\n", cause);
		return 2;
	}
	detect_defaults(&o);
	o.model = model;
	o.min_face = min_face;
	if (detect_create(&o, &det, &cause) < 0) {
		fprintf(stderr, "facecheck: %s\n", cause);
		return 2;
	}
	if (src_open(&a, paths[0], 0, "facecheck") < 0 || src_open(&b, paths[1], 0, "facecheck") < 0)
		return 2;
	for (;;) {
		int ra = src_next(&a, fa), rb = src_next(&b, fb), na, nb;

		if (ra != rb) {
			fprintf(stderr, "facecheck: frame counts differ (%s ends first "
			    "after %ld frames)\n", ra ? paths[0] : paths[1], frames);
			return 1;
		}
		if (ra != 0)
			break;
		frames++;
		na = scan(det, sc, fa, &buf, &cap, da);
		nb = scan(det, sc, fb, &buf, &cap, db);
		if (na < 0 || nb < 0)
			return 1;
		in_faces += na;
		out_faces += nb;
		for (int i = 0; i < na; i++) {
			int leaked = 0;

			for (int k = 0; k < nb; k++) {
				if (geom_iou(da[i].box, db[k].box) <= 0.3f)
					continue;
				leaked = 1;
				if (getenv("FACECHECK_VERBOSE"))
					fprintf(stderr, "leak: frame %ld box %.0f,%.0f %.0fx%.0f "
					    "score %.2f (input %.2f)\n", frames - 1, db[k].box.x,
					    db[k].box.y, db[k].box.w, db[k].box.h, db[k].score,
					    da[i].score);
			}
			leaks += leaked;
			if (masked_fraction(fb, da[i].box) < 0.8f) {
				misses++;
				if (getenv("FACECHECK_VERBOSE"))
					fprintf(stderr, "miss: frame %ld box %.0f,%.0f %.0fx%.0f "
					    "score %.2f\n", frames - 1, da[i].box.x, da[i].box.y,
					    da[i].box.w, da[i].box.h, da[i].score);
			}
		}
		codecs_frame_unref(fa);
		codecs_frame_unref(fb);
	}
	printf("{\"frames\":%ld,\"in_faces\":%ld,\"out_faces\":%ld,\"leaks\":%ld,"
	    "\"misses\":%ld,\"miss_rate\":%.4f}\n", frames, in_faces, out_faces,
	    leaks, misses, in_faces ? (double)misses / in_faces : 0.0);
	return 0;
}
