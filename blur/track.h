/*
 * Face tracking: keeps every face covered while the detector misses it
 * for a while (profile turns, motion blur, a tile not scanned this
 * frame). Detections are associated with tracks across frames; a track
 * that is not seen is held for `hold` seconds at a position extrapolated
 * from its motion, growing as its position becomes less certain.
 */
#ifndef CAMVEIL_TRACK_H
#define CAMVEIL_TRACK_H

#include <stdint.h>

#include "geom.h"

struct tracker;

struct track_opts {
	float hold;		/* seconds a lost face stays covered (default 1.0) */
	float grow;		/* box growth per second while lost, fraction (default 0.5) */
	float max_speed;	/* cap on extrapolated speed, face widths per second (default 3) */
};

/* A face to cover at the current time. */
struct track_box {
	struct box box;		/* face box (not grown to the head) */
	uint32_t id;		/* stable while the face is tracked; 0 = untracked
				   (tracker full), covered for this frame only */
	int lost;		/* 1 if extrapolated (not detected this frame) */
	float score;		/* last detection score */
	int hits;		/* detections so far */
};

/*
 * Where track id was expected at an earlier time `at`, before it was first
 * detected: its first box moved back along its velocity and grown with
 * the distance in time. Returns 0, or -1 if id is unknown or `at` is not
 * before its first detection.
 */
int track_backcast(const struct tracker *t, uint32_t id, double at, struct box *out);

void track_defaults(struct track_opts *o);
struct tracker *track_create(const struct track_opts *o);
void track_free(struct tracker **t);

/*
 * Advance to time t (seconds, increasing) with this frame's detections.
 * Returns the number of tracks created by this call (new faces).
 */
int track_update(struct tracker *t, double time, const struct det *dets, int n);

/*
 * Write the boxes to cover at the last update time (all live tracks,
 * seen or held, and detections the full tracker could not take) to out;
 * returns how many (at most max).
 */
int track_boxes(const struct tracker *t, struct track_box *out, int max);

/* Number of distinct tracks ever created. */
uint32_t track_total(const struct tracker *t);

#endif
