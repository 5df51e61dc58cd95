/*
 * One camera, live: its own thread pulls the source, runs the
 * anonymizing pipeline (pipeline.h) on every frame, encodes, and
 * publishes to its media (media.h) for the RTSP server. The live shape
 * is source -> pipeline -> encode -> media; the file shape is in
 * pipeline_run_file.
 *
 * A camera is a small state machine:
 *
 *   connecting --ok--> streaming --error/end--> backoff --delay--> connecting
 *        \--error--> backoff                     (1 s doubling to 30 s)
 *   any state --camera_stop--> stopped
 *
 * A camera that fails only ever affects itself.
 */
#ifndef CAMVEIL_CAMERA_H
#define CAMVEIL_CAMERA_H

#include <stdint.h>

#include "config.h"
#include "media.h"

struct camera;

enum camera_state { CAMERA_CONNECTING, CAMERA_STREAMING, CAMERA_BACKOFF, CAMERA_STOPPED };

#define CAMERA_HIST 12	/* buckets, bounds media_lat_bounds */

struct camera_status {
	enum camera_state state;
	char error[256];	/* last error, "" if none */
	char input[96];		/* "h264 1920x1080 25 fps, RTP/UDP" once connected */
	int64_t frames_in;	/* decoded from the source */
	int64_t frames_out;	/* encoded and published */
	int64_t face_regions;	/* face regions obscured, summed over frames */
	int64_t faces;		/* distinct tracked faces */
	int64_t fail_closed;	/* frames fully obscured (detection late or failed) */
	int64_t decode_errors;
	int64_t reconnects;	/* connection attempts after the first */
	int64_t overload_dropped; /* frames dropped (never sent) to catch up
				   with a live camera when overloaded */
	int64_t fine_passes;	/* detector fine tiles scanned */
	int64_t tiles_unchanged; /* fine tiles passed over, picture unchanged */
	int64_t tiles_flat;	/* rotation tiles not asked for: flat picture */
	double since;		/* wall clock (s) of the last state change */
	uint64_t detect_hist[CAMERA_HIST];
	double detect_sum;	/* seconds */
	uint64_t detect_count;
};

const char *camera_state_name(enum camera_state s);

/*
 * Start a camera from its config (copied) and the model path; it
 * publishes to m, which must outlive it.
 */
int camera_start(const struct config_camera *cc, const char *model,
    struct media *m, struct camera **out, char **cause);
/* Stop the thread (interrupting any blocking read) and free. */
void camera_stop(struct camera **c);
void camera_get_status(struct camera *c, struct camera_status *s);

#endif
