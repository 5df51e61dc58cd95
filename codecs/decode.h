/*
 * Decoding: one video stream to 8-bit planar YUV 4:2:0 frames with
 * clean, strictly increasing timestamps in the stream's time base.
 */
#ifndef CAMVEIL_DECODE_H
#define CAMVEIL_DECODE_H

#include <stddef.h>
#include <stdint.h>

struct AVFrame;
struct AVPacket;
struct AVStream;
struct decode;

struct decode_opts {
	int threads;		/* 0 = auto */
	int low_delay;		/* prefer slice threads, no frame reordering delay */
	int keep_sei;		/* keep user-data-unregistered SEI side data (restore
				   reads seals from it); else removed: the source's
				   SEI is not passed on */
};

/* Open a decoder for stream st. *cause names the codec on failure. */
int decode_open(const struct AVStream *st, const struct decode_opts *opts,
    struct decode **out, char **cause);
/*
 * Open an H.264 (hevc 0) or H.265 decoder for access units from RTP:
 * extradata holds the parameter sets in Annex B (may be empty when the
 * stream carries them), timestamps count in 1/90000 s, fps is nominal
 * (0 if unknown).
 */
int decode_open_rtp(int hevc, const uint8_t *extradata, size_t size, double fps,
    const struct decode_opts *opts, struct decode **out, char **cause);
void decode_free(struct decode **d);

/* Frame rate the stream declares (H.264/H.265 VUI timing), 0 if none. */
double decode_fps(const struct decode *d);

/*
 * Feed one packet (not consumed; caller still owns and unrefs it), or
 * NULL to flush. A damaged packet returns ERR_CORRUPT and is skipped:
 * decoding continues with the next one.
 */
int decode_send(struct decode *d, const struct AVPacket *pkt);

/*
 * Get the next frame into f (must be empty). Returns 0, ERR_AGAIN (feed
 * more), ERR_EOF (flushed) or an error. f->pts is always set, in the
 * stream's time base, and increases strictly from frame to frame.
 */
int decode_receive(struct decode *d, struct AVFrame *f);

/* Number of packets the decoder rejected as damaged so far. */
int decode_errors(const struct decode *d);

#endif
