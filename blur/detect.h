/*
 * Face detection over a whole frame, at every face size camveil must
 * hide: a coarse pass over the downscaled frame each frame finds medium
 * and large faces (a second pass at half that size catches full-frame
 * close-ups); when the smallest face
 * to find (min_face) is below what the coarse pass can see, the frame is
 * also scanned at a finer scale in overlapping tiles, a few tiles per
 * frame in rotation. The tracker holds faces between scans of a tile.
 */
#ifndef CAMVEIL_DETECT_H
#define CAMVEIL_DETECT_H

#include <stdint.h>

#include "geom.h"

struct detect;

struct detect_opts {
	const char *model;	/* path to a YuNet 2023 ONNX model */
	float threshold;	/* minimum score, default 0.5 */
	float edge_threshold;	/* minimum score of faces cut by the frame border (0.3) */
	float nms;		/* IoU above which overlapping boxes merge, default 0.3 */
	int min_face;		/* smallest face height to find, source pixels (default 16) */
	int coarse;		/* coarse pass long side, network pixels (default 640) */
	int tile;		/* fine pass tile side, network pixels (default 640) */
	int tiles_per_frame;	/* fine tiles per frame; 0 = auto (default): the
				   caller passes a count to detect_run */
};

/* Fill opts with defaults (model NULL). */
void detect_defaults(struct detect_opts *opts);

/* Load the model. On failure *cause (malloc'd) names the file. */
int detect_create(const struct detect_opts *opts, struct detect **out, char **cause);
void detect_free(struct detect **d);

/*
 * Size of the BGR image detect_run wants for a frame_w x frame_h frame
 * (a downscaled copy, never larger than the frame).
 */
void detect_input_size(const struct detect *d, int frame_w, int frame_h,
    int *w, int *h);

/* Number of fine tiles for that frame size (0 if the coarse pass suffices). */
int detect_tiles(const struct detect *d, int frame_w, int frame_h);

/*
 * Fine tiles to scan per frame so that every tile is revisited within
 * `period` frames: opts.tiles_per_frame if set, else ceil(tiles / period).
 */
int detect_tiles_per_frame(const struct detect *d, int frame_w, int frame_h,
    int period);

/*
 * Find faces in bgr (as sized by detect_input_size), scanning `tiles`
 * fine tiles in rotation. Writes up to max detections in frame
 * coordinates to out, their count to *n. Returns 0 or ERR_DETECT (then
 * *n is 0).
 */
int detect_run(struct detect *d, const uint8_t *bgr, int stride,
    int frame_w, int frame_h, int tiles, struct det *out, int max, int *n);

#endif
