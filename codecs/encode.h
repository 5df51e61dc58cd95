/*
 * Encoding: obscured frames to H.264 (libx264) or H.265 (libx265).
 */
#ifndef CAMVEIL_ENCODE_H
#define CAMVEIL_ENCODE_H

#include <stdint.h>

struct AVCodecContext;
struct AVFrame;
struct AVPacket;
struct AVStream;
struct encode;
struct sidecar_writer;

struct encode_opts {
	const char *codec;	/* "libx264" (default) or "libx265" */
	const char *preset;	/* x264/x265 preset, NULL = "medium" */
	const char *tune;	/* NULL = none */
	int crf;		/* used when bitrate == 0; -1 = encoder default */
	int64_t bitrate;	/* bits/s, 0 = constant quality (crf) */
	int gop;		/* max keyframe interval in frames, 0 = encoder default */
	int threads;		/* 0 = auto */
	int global_header;	/* container wants extradata (mp4, mkv) */
	int udu_sei;		/* write frames' user-data-unregistered SEI side
				   data into their packets (codecs/sei) */
	struct sidecar_writer *sidecar;	/* and/or into this sidecar file
				   (codecs/sidecar), with each packet's time */
	double fps;		/* nominal frame rate when there is no input
				   stream (live): time base is then 1/90000 */
};

/*
 * Open an encoder for frames shaped like first, with timestamps in the
 * time base of stream in (the source video stream), whose frame rate is
 * declared in the output. With in NULL (live), timestamps are in 1/90000
 * and the rate is opts->fps. *cause names the encoder and problem on failure.
 */
int encode_open(const struct encode_opts *opts, const struct AVFrame *first,
    const struct AVStream *in, struct encode **out, char **cause);
void encode_free(struct encode **e);

/*
 * Send a frame, or NULL to flush. Not consumed (the encoder takes its own
 * reference); its picture type is reset so the encoder chooses frame types.
 */
int encode_send(struct encode *e, struct AVFrame *f);
/* Receive a packet into pkt; 0, ERR_AGAIN or ERR_EOF. Timestamps in encode_time_base. */
int encode_receive(struct encode *e, struct AVPacket *pkt);

const struct AVCodecContext *encode_context(const struct encode *e);

/* Frames whose user SEI could not be written (logged each time). */
int64_t encode_sei_lost(const struct encode *e);

/* 1 if the encoder makes H.265 (else H.264). */
int encode_is_hevc(const struct encode *e);

#endif
