/*
 * Decoding: one video stream to 8-bit planar YUV 4:2:0 frames with
 * clean, strictly increasing timestamps in the stream's time base.
 */
#ifndef CAMVEIL_DECODE_H
#define CAMVEIL_DECODE_H

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
void decode_free(struct decode **d);

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
