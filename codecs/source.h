/*
 * Live sources: a camera URL (rtsp://, http:// MJPEG, ...) or a file that
 * is looped forever, read and decoded to frames. Calls block; a camera
 * makes them from its own thread. Every blocking step has a deadline and
 * the owner's stop flag is polled (by our RTSP client, or through
 * libavformat's interrupt callback), so a dead camera or a shutdown never
 * hangs a thread.
 *
 * The source does not pace files: it reports the media time of each
 * frame and the camera sleeps to it.
 */
#ifndef CAMVEIL_SOURCE_H
#define CAMVEIL_SOURCE_H

#include <stdint.h>

struct AVFrame;
struct source;

enum source_transport { SOURCE_AUTO, SOURCE_TCP, SOURCE_UDP };

/* Who reads rtsp:// cameras: our client (rtspc.h) for H.264 and H.265,
 * falling back to libavformat for other codecs; or libavformat always. */
enum source_client { SOURCE_CLIENT_BUILTIN, SOURCE_CLIENT_LIBAV };

struct source_opts {
	const char *url;	/* camera URL or file path */
	int transport;		/* enum source_transport, rtsp:// only */
	int client;		/* enum source_client, rtsp:// only */
	int timeout_ms;		/* longest a connect or read may stall */
	/* Polled while blocked; non-zero aborts the call (ERR_EOF). */
	int (*stop)(void *arg);
	void *stop_arg;
};

struct source_info {
	int width, height;
	double fps;		/* nominal, 25 if unknown */
	char codec[32];		/* input codec name */
	int is_file;		/* looped and paced by the owner */
	int client;		/* enum source_client that reads it (rtsp://) */
	char via[32];		/* how it arrives, for operators: "RTP/UDP",
				   "RTP/TCP", "libavformat" (rtsp://), else "" */
};

struct source_frame {
	double t;		/* media time, seconds, increasing within a run */
	int discont;		/* the timeline restarted (file looped) before this frame */
	int64_t capture_us;	/* wall-clock capture time (us since 1970) from the
				   camera's RTCP sender reports, 0 if unknown */
	double arrival;		/* CLOCK_MONOTONIC seconds the frame's packet was read */
};

/* Connect and probe. *cause (malloc'd) names the URL and the problem. */
int source_open(const struct source_opts *o, struct source **out, char **cause);
void source_free(struct source **s);
void source_get_info(const struct source *s, struct source_info *info);

/*
 * Next decoded frame into f (empty), 8-bit 4:2:0. Damaged packets are
 * skipped and counted. Returns 0, ERR_EOF when a live stream ends or the
 * owner stopped it, ERR_TIMEOUT when the camera went silent, or another
 * error with *cause set.
 */
int source_read(struct source *s, struct AVFrame *f, struct source_frame *meta,
    char **cause);

/* Damaged packets (or, from our RTSP client, damaged pictures) so far. */
int source_errors(const struct source *s);

/* Display text of url with any password replaced by "***". */
const char *source_redact(const char *url, char *buf, int size);

#endif
