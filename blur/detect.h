/*
 * Face detection over a whole frame, at every face size camveil must
 * hide. Each frame is scanned in a few passes, each a region of the frame
 * resized to a network input:
 *  - a coarse pass over the whole frame finds medium and large faces (a
 *    second one at half that size catches full-frame close-ups);
 *  - when the smallest face to find (min_face) is below what the coarse
 *    pass can see, a fine pass at a larger scale covers the frame in
 *    overlapping tiles, a few tiles per frame in rotation. The tracker
 *    holds what they find between visits. A tile whose picture has not
 *    changed since its last scan is passed over (it would give the same
 *    faces) until a few rotations have gone by.
 * The caller turns each planned pass into a BGR image (codecs/scale) and
 * hands it back; this module never sees decoded frames.
 */
#ifndef CAMVEIL_DETECT_H
#define CAMVEIL_DETECT_H

#include <stdint.h>

#include "../util/image.h"
#include "geom.h"

#define DETECT_MAX_PASSES 16

struct detect;

struct detect_opts {
	const char *model;	/* path to a YuNet 2023 ONNX model */
	float threshold;	/* minimum score, default 0.5 */
	float edge_threshold;	/* minimum score of faces cut by the frame border (0.3) */
	float nms;		/* IoU above which overlapping boxes merge, default 0.3 */
	int min_face;		/* smallest face height to find, source pixels (default 16) */
	int coarse;		/* coarse pass long side, network pixels (default 640) */
	int coarse_tiled;	/* the same when fine tiles run (default 320) */
	int tile;		/* fine pass tile side, network pixels (default 320) */
	int threads;		/* OpenCV threads, process-wide (default 1; 0 = all) */
	int tiles_per_frame;	/* fine tiles per frame; 0 = auto (default): the
				   caller passes a count to detect_plan */
};

/* One pass: region src of the frame, resized to w x h for the network. */
struct detect_pass {
	struct rect src;	/* frame pixels; x, y, w, h even */
	int w, h;		/* network input, multiples of 32 */
};

/* Work counters of the fine pass, since detect_create. */
struct detect_stats {
	uint64_t plans;		/* detect_plan calls with fine tiles */
	uint64_t tiles_run;	/* rotation tiles planned */
	uint64_t tiles_unchanged;	/* rotation tiles asked for but passed
					   over: no tile left had changed */
	uint64_t tiles_flat;	/* rotation tiles not asked for: the rate
				   shrinks with the flat part of the picture */
	uint64_t hint_tiles;	/* tiles planned for tracked small faces */
};

/* Fill opts with defaults (model NULL). */
void detect_defaults(struct detect_opts *opts);

/* Load the model. On failure *cause (malloc'd) names the file. */
int detect_create(const struct detect_opts *opts, struct detect **out, char **cause);
void detect_free(struct detect **d);

/* Number of fine tiles for a frame_w x frame_h frame (0: coarse suffices). */
int detect_tiles(const struct detect *d, int frame_w, int frame_h);

/*
 * Fine tiles to scan per frame so that every tile is revisited within
 * `period` frames: opts.tiles_per_frame if set, else ceil(tiles / period).
 */
int detect_tiles_per_frame(const struct detect *d, int frame_w, int frame_h,
    int period);

/*
 * Plan this frame's passes: the coarse pass(es), the tiles holding the
 * nhints faces being tracked (hints: frame coordinates) that are too
 * small for the coarse pass, so a known small face is looked at every
 * frame and not only when the rotation comes by, and then up to `tiles`
 * fine tiles of the rotation (which this advances).
 *
 * img, the frame itself (fw x fh; borrowed for the call), may be NULL.
 * When given, the rotation passes over tiles whose picture has not
 * changed since they were last scanned, unless DETECT_REFRESH rotations
 * have gone by: a still picture costs only its coarse pass. Without it
 * every tile comes in turn (an exhaustive scan plans all tiles).
 * Writes at most DETECT_MAX_PASSES passes to out and returns their
 * number.
 */
int detect_plan(struct detect *d, int frame_w, int frame_h, const struct image *img,
    int tiles, const struct box *hints, int nhints, struct detect_pass *out);

void detect_get_stats(const struct detect *d, struct detect_stats *s);

/*
 * Run one pass on bgr, the pass's region as a packed BGR24 image of
 * pass->w x pass->h. Appends candidate detections (frame coordinates, not
 * yet filtered) to out[*n..max) and advances *n. 0 or ERR_DETECT.
 */
int detect_pass_run(struct detect *d, const struct detect_pass *pass,
    const uint8_t *bgr, int stride, struct det *out, int max, int *n);

/*
 * Keep confident candidates (threshold, or edge_threshold for faces cut
 * by the frame border) and merge overlaps. Returns the number kept, in
 * dets[0..ret).
 */
int detect_finish(const struct detect *d, int frame_w, int frame_h,
    struct det *dets, int n);

#endif
