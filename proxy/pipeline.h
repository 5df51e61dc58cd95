/*
 * The anonymizing pipeline: demux -> decode -> detect -> track ->
 * obscure -> encode -> mux. This module is the one place that knows that
 * shape; the stages themselves (codecs/, blur/) never call each other.
 *
 * Two layers:
 *  - struct pipeline processes decoded frames: detection on a worker
 *    thread with a deadline, tracking, a short look-back line, obscuring.
 *    The live proxy drives it with camera frames.
 *  - pipeline_run_file() drives it from a file to a file (camveil
 *    anonymize).
 */
#ifndef CAMVEIL_PIPELINE_H
#define CAMVEIL_PIPELINE_H

#include <stdint.h>

#include "../blur/detect.h"
#include "../blur/obscure.h"
#include "../blur/track.h"
#include "../codecs/encode.h"
#include "../keys/judicial.h"

struct AVFrame;
struct pipeline;

/* A sealed payload carried by a frame (borrowed). */
struct pipeline_payload {
	const uint8_t *data;
	size_t size;
};

/*
 * The restore stage (camveil unlock restore): instead of detecting and
 * obscuring, every decoded frame and the sealed payloads it carries go
 * to fn, which restores or masks regions in img. A negative return
 * stops the run with that error (fn keeps its own explanation).
 * The payloads are the seal bundles in the frame's SEI, or, if bundles
 * is set, what it returns for the frame at time t (a sidecar file's):
 * up to max bundles into out, borrowed until the next call; the count.
 */
struct pipeline_unseal {
	int (*fn)(void *opaque, struct image *img, const struct pipeline_payload *items,
	    int n, double t);
	int (*bundles)(void *opaque, double t, struct pipeline_payload *out, int max);
	void *opaque;
};

#define PIPELINE_DETECT_THREADS 4

struct pipeline_opts {
	struct detect_opts detect;
	struct track_opts track;
	enum obscure_mode mode;
	int detect_timeout_ms;	/* per frame; late = frame fully obscured */
	int detect_threads;	/* a frame's detector passes run on up to this
				   many threads, 1..PIPELINE_DETECT_THREADS
				   (default 2) */
	int lookback;		/* frames held back so new faces are also
				   hidden in the frames just before them */
	struct encode_opts encode;
	/* Encrypt mode (mode must be mask): each hidden region's original
	 * pixels are sealed to this key and carried in the video as SEI. */
	const struct judicial_pub *seal_key;	/* NULL: mask/pixelate/blur only */
	const char *camera;	/* name bound into every seal */
	double seal_segment;	/* seconds per sealing key (default 1) */
	const struct pipeline_unseal *unseal;	/* restore instead of detect */
	int no_audio;		/* drop audio streams */
	int progress;		/* print progress to stderr (a TTY) */
};

struct pipeline_stats {
	int64_t frames;		/* video frames written */
	int64_t face_regions;	/* face regions obscured, summed over frames */
	int64_t faces;		/* distinct tracked faces */
	int64_t fail_closed;	/* frames fully obscured because detection failed or was late */
	int64_t sealed;		/* regions sealed (encrypt mode) */
	int64_t sealed_bytes;	/* payload bytes added to the stream */
	int64_t seal_errors;	/* regions hidden but not sealed (not restorable) */
	int64_t decode_errors;	/* damaged packets/frames skipped or concealed */
	int64_t streams_copied;	/* other streams copied */
	int64_t streams_dropped;/* other streams not copied (--no-audio, extra
				   video, unsupported by the container) */
	double seconds;		/* wall time */
	double detect_ms;	/* total detector time */
	double last_detect_ms;	/* detector time of the last frame settled */
	int64_t fine_passes;	/* fine tiles scanned: rotation and tracked
				   small faces */
	int64_t tiles_unchanged;/* rotation tiles passed over: picture unchanged */
	int64_t tiles_flat;	/* rotation tiles not asked for: flat picture */
};

void pipeline_defaults(struct pipeline_opts *o);

int pipeline_create(const struct pipeline_opts *o, struct pipeline **out, char **cause);
void pipeline_free(struct pipeline **p);

/*
 * Process one decoded frame taken at media time t (seconds) and, if
 * known, wall-clock capture time wall_us (Unix microseconds, 0 unknown;
 * sealed with the regions so unlocks can be scoped by date). Consumed:
 * f's references move into the pipeline and f is left empty. Pass NULL
 * to flush at end of stream.
 */
int pipeline_push(struct pipeline *p, struct AVFrame *f, double t, int64_t wall_us);

/*
 * Wait for the last pushed frame's detection (or its deadline) and apply
 * it now instead of at the next push. The live proxy calls this after
 * each push so a frame never waits for the next one to arrive.
 */
int pipeline_settle(struct pipeline *p);

/*
 * Move the next finished (obscured) frame into f (empty). Returns 0,
 * or ERR_AGAIN when none is ready yet. Frames come out in push order and
 * are never released unprocessed.
 */
int pipeline_pop(struct pipeline *p, struct AVFrame *f);

/* Counters so far (frames counts frames popped). */
void pipeline_get_stats(struct pipeline *p, struct pipeline_stats *s);

/* Anonymize file in to file out. *cause names the file and problem. */
int pipeline_run_file(const struct pipeline_opts *o, const char *in,
    const char *out, struct pipeline_stats *stats, char **cause);

#endif
