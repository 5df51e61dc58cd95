/*
 * Things shared by the libav* wrappers: error translation, library
 * log routing, and read-only views of a decoded frame for the rest of
 * camveil (which never includes libav* headers itself).
 */
#ifndef CAMVEIL_CODECS_H
#define CAMVEIL_CODECS_H

#include <stdint.h>

#include "../util/image.h"

struct AVFrame;
struct AVPacket;
struct AVStream;

/* Map an AVERROR to a camveil error code (util/err.h). */
int codecs_err(int averror);

/* Route libav* logging through camveil's log level; call once at start. */
void codecs_init(void);

/* Printable text for an AVERROR (static per thread). */
const char *codecs_strerror(int averror);

/* Borrow the planes of a decoded 8-bit planar YUV frame. */
void codecs_frame_image(struct AVFrame *f, struct image *img);

struct AVFrame *codecs_frame_alloc(void);
void codecs_frame_free(struct AVFrame **f);
/* Drop the frame's buffers; the struct stays usable. */
void codecs_frame_unref(struct AVFrame *f);
/* Make the frame's data writable (copies only if buffers are shared). */
int codecs_frame_make_writable(struct AVFrame *f);
/* Add a reference to src's buffers in dst (dst must be empty). */
int codecs_frame_ref(struct AVFrame *dst, const struct AVFrame *src);
/* Move src's references into dst (dst must be empty); src becomes empty. */
void codecs_frame_move(struct AVFrame *dst, struct AVFrame *src);

struct AVPacket *codecs_packet_alloc(void);
void codecs_packet_free(struct AVPacket **p);
void codecs_packet_unref(struct AVPacket *p);
int codecs_packet_stream(const struct AVPacket *p);

/* Read and set a frame's pts (in whatever time base its user works in). */
int64_t codecs_frame_pts(const struct AVFrame *f);
void codecs_frame_set_pts(struct AVFrame *f, int64_t pts);

/* A borrowed view of an encoded packet. */
struct packet_view {
	const uint8_t *data;
	int size;
	int64_t pts;
	int key;
};
void codecs_packet_view(const struct AVPacket *p, struct packet_view *v);

/*
 * The user_data_unregistered SEI messages the decoder exported with f
 * (AV_FRAME_DATA_SEI_UNREGISTERED) whose first 16 bytes are uuid: up to
 * max payloads (after the uuid), borrowed from f. Returns how many.
 * codecs_frame_drop_sei removes them all from f.
 */
struct sei_view {
	const uint8_t *data;
	size_t size;
};
int codecs_frame_sei(const struct AVFrame *f, const uint8_t uuid[16], struct sei_view *out,
    int max);
void codecs_frame_drop_sei(struct AVFrame *f);

/* Frame time in seconds: f's pts in the time base of stream st. */
double codecs_frame_seconds(const struct AVFrame *f, const struct AVStream *st);

#endif
