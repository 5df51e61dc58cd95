/*
 * Encode stage: libx264/libx265 through libavcodec. Timestamps pass
 * through unchanged (the encoder works in the source stream's time base),
 * which is what keeps the output's timing identical to the input's,
 * constant or variable frame rate alike.
 *
 * User SEI (udu_sei): a frame's AV_FRAME_DATA_SEI_UNREGISTERED side data
 * is kept here under the frame's pts while the encoder works, and written
 * into the packet with that pts when it comes out (codecs/sei
 * sei_insert). Packets leave in decoding order, so the lookup is by pts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>

#include "../util/err.h"
#include "../util/log.h"
#include "codecs.h"
#include "encode.h"
#include "sei.h"
#include "sidecar.h"

#define SEI_MSGS_MAX 64	/* user SEI messages per frame */

/* One frame's user SEI, waiting for its packet. */
struct pending_sei {
	int64_t pts;
	int n;
	AVBufferRef *msg[SEI_MSGS_MAX];
	uint8_t fp[SIDECAR_FP_BYTES];	/* with a sidecar: the picture's fingerprint */
};

struct encode {
	AVCodecContext *ctx;
	int udu_sei;		/* hold frames' user SEI for their packets */
	int udu_sei_inband;	/* and write it into them */
	struct sidecar_writer *sidecar;	/* borrowed */
	int nal_length_size;	/* of the encoder's packets (0: Annex B) */
	struct pending_sei *pend;
	int npend, cap;
	int64_t sei_lost;	/* frames whose SEI could not be written */
};

static void
pending_clear(struct pending_sei *ps)
{
	for (int i = 0; i < ps->n; i++)
		av_buffer_unref(&ps->msg[i]);
	ps->n = 0;
}

int
encode_open(const struct encode_opts *o, const AVFrame *first,
    const AVStream *in, struct encode **out, char **cause)
{
	const char *name = o->codec ? o->codec : "libx264";
	const AVCodec *codec;
	struct encode *e;
	AVCodecContext *c;
	AVRational fr;
	char buf[32];
	int ret;

	*out = NULL;
	codec = avcodec_find_encoder_by_name(name);
	if (codec == NULL || codec->type != AVMEDIA_TYPE_VIDEO) {
		err_cause(cause, "video encoder '%s' is not available", name);
		return ERR_UNSUPPORTED;
	}
	e = calloc(1, sizeof *e);
	if (e == NULL)
		return ERR_NOMEM;
	c = e->ctx = avcodec_alloc_context3(codec);
	if (c == NULL) {
		free(e);
		return ERR_NOMEM;
	}
	c->width = first->width;
	c->height = first->height;
	c->pix_fmt = first->format;
	c->sample_aspect_ratio = first->sample_aspect_ratio;
	c->color_range = first->color_range;
	c->color_primaries = first->color_primaries;
	c->color_trc = first->color_trc;
	c->colorspace = first->colorspace;
	c->chroma_sample_location = first->chroma_location;
	if (in != NULL) {
		c->time_base = in->time_base;
		fr = in->avg_frame_rate.num ? in->avg_frame_rate : in->r_frame_rate;
	} else {
		c->time_base = (AVRational){ 1, 90000 };
		fr = av_d2q(o->fps > 0 ? o->fps : 25, 1000);
	}
	if (fr.num > 0 && fr.den > 0)
		c->framerate = fr;
	c->thread_count = o->threads;
	if (o->gop > 0)
		c->gop_size = o->gop;
	if (o->global_header)
		c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
	if (o->bitrate > 0) {
		c->bit_rate = o->bitrate;
		c->rc_max_rate = o->bitrate * 3 / 2;
		c->rc_buffer_size = (int)(o->bitrate * 2);
	} else if (o->crf >= 0) {
		snprintf(buf, sizeof buf, "%d", o->crf);
		av_opt_set(c->priv_data, "crf", buf, 0);
	}
	if (o->preset != NULL && av_opt_set(c->priv_data, "preset", o->preset, 0) < 0) {
		err_cause(cause, "encoder %s has no option 'preset'", name);
		ret = AVERROR(EINVAL);
		goto fail;
	}
	if (o->tune != NULL)
		av_opt_set(c->priv_data, "tune", o->tune, 0);
	/* x265 logs to stderr on its own; keep it to errors unless debugging. */
	if (strcmp(name, "libx265") == 0 && log_get_level() < LOG_DEBUG)
		av_opt_set(c->priv_data, "x265-params", "log-level=error", 0);
	/* Not the encoders' udu_sei: see the top of this file. */
	e->udu_sei = o->udu_sei || o->sidecar != NULL;
	e->udu_sei_inband = o->udu_sei;
	e->sidecar = o->sidecar;
	ret = avcodec_open2(c, codec, NULL);
	if (ret < 0) {
		err_cause(cause, "cannot open encoder %s (preset %s): %s", name,
		    o->preset ? o->preset : "default", codecs_strerror(ret));
		goto fail;
	}
	/* libx264/libx265 packets are Annex B, with or without global header. */
	if (sei_nal_length_size(c->extradata, c->extradata_size > 0 ?
	    (size_t)c->extradata_size : 0, encode_is_hevc(e), &e->nal_length_size) < 0)
		e->nal_length_size = 0;
	*out = e;
	return 0;
fail:
	avcodec_free_context(&e->ctx);
	free(e);
	return ret == AVERROR(EINVAL) ? ERR_INVAL : ERR_ENCODER;
}

void
encode_free(struct encode **e)
{
	if (e == NULL || *e == NULL)
		return;
	for (int i = 0; i < (*e)->npend; i++)
		pending_clear(&(*e)->pend[i]);
	free((*e)->pend);
	avcodec_free_context(&(*e)->ctx);
	free(*e);
	*e = NULL;
}

/* Keep f's user SEI until its packet comes out. */
static int
hold_sei(struct encode *e, const AVFrame *f)
{
	struct pending_sei *ps;
	int n = 0;

	for (int i = 0; i < f->nb_side_data; i++)
		n += f->side_data[i]->type == AV_FRAME_DATA_SEI_UNREGISTERED;
	if (n == 0)
		return 0;
	if (n > SEI_MSGS_MAX || f->pts == AV_NOPTS_VALUE) {
		e->sei_lost++;
		log_warn("encoder: %d user SEI messages dropped (%s)", n,
		    n > SEI_MSGS_MAX ? "too many on one frame" : "frame without pts");
		return 0;
	}
	if (e->npend == e->cap) {
		int cap = e->cap ? 2 * e->cap : 16;
		struct pending_sei *np = realloc(e->pend, (size_t)cap * sizeof *np);

		if (np == NULL)
			return ERR_NOMEM;
		e->pend = np;
		e->cap = cap;
	}
	ps = &e->pend[e->npend];
	ps->pts = f->pts;
	ps->n = 0;
	for (int i = 0; i < f->nb_side_data; i++) {
		AVFrameSideData *sd = f->side_data[i];

		if (sd->type != AV_FRAME_DATA_SEI_UNREGISTERED)
			continue;
		ps->msg[ps->n] = av_buffer_ref(sd->buf);
		if (ps->msg[ps->n] == NULL) {
			pending_clear(ps);
			return ERR_NOMEM;
		}
		/* The side data may be a window on its buffer. */
		ps->msg[ps->n]->data = sd->data;
		ps->msg[ps->n]->size = sd->size;
		ps->n++;
	}
	if (e->sidecar != NULL) {
		struct image img;

		codecs_frame_image((AVFrame *)f, &img);
		sidecar_fingerprint(&img, ps->fp);
	}
	e->npend++;
	return 0;
}

/* Write the held SEI of pkt's frame into pkt. */
static void
put_sei(struct encode *e, AVPacket *pkt)
{
	const uint8_t *msg[SEI_MSGS_MAX];
	size_t len[SEI_MSGS_MAX];
	struct pending_sei *ps = NULL;
	int i, ret;

	for (i = 0; i < e->npend; i++)
		if (e->pend[i].pts == pkt->pts) {
			ps = &e->pend[i];
			break;
		}
	if (ps == NULL)
		return;
	for (int k = 0; k < ps->n; k++) {
		msg[k] = ps->msg[k]->data;
		len[k] = ps->msg[k]->size;
	}
	if (e->sidecar != NULL) {
		int64_t us = av_rescale_q(pkt->pts, e->ctx->time_base, AV_TIME_BASE_Q);

		ret = sidecar_write(e->sidecar, us, ps->fp, msg, len, ps->n);
		if (ret < 0) {
			e->sei_lost++;
			log_warn("encoder: sidecar %s: frame at pts %lld not written: %s",
			    sidecar_writer_path(e->sidecar), (long long)pkt->pts, err_str(ret));
		}
	}
	ret = e->udu_sei_inband ? sei_insert(pkt, encode_is_hevc(e), e->nal_length_size,
	    msg, len, ps->n) : 0;
	if (ret < 0) {
		e->sei_lost++;
		log_warn("encoder: user SEI of the packet at pts %lld not written: %s",
		    (long long)pkt->pts, err_str(ret));
	}
	pending_clear(ps);
	memmove(ps, ps + 1, (size_t)(e->npend - i - 1) * sizeof *ps);
	e->npend--;
}

int
encode_send(struct encode *e, AVFrame *f)
{
	int ret;

	/* libx264 would otherwise copy the source's I/P/B decisions. */
	if (f != NULL)
		f->pict_type = AV_PICTURE_TYPE_NONE;
	if (f != NULL && e->udu_sei && (ret = hold_sei(e, f)) < 0)
		return ret;
	ret = avcodec_send_frame(e->ctx, f);
	if (ret < 0 && f != NULL && e->udu_sei && e->npend > 0 &&
	    e->pend[e->npend - 1].pts == f->pts)
		pending_clear(&e->pend[--e->npend]);	/* not taken */

	return ret < 0 && ret != AVERROR(EAGAIN) && ret != AVERROR_EOF ?
	    ERR_ENCODER : codecs_err(ret);
}

int
encode_receive(struct encode *e, AVPacket *pkt)
{
	int ret = avcodec_receive_packet(e->ctx, pkt);

	if (ret == 0 && e->npend > 0)
		put_sei(e, pkt);
	return ret < 0 && ret != AVERROR(EAGAIN) && ret != AVERROR_EOF ?
	    ERR_ENCODER : codecs_err(ret);
}

int64_t
encode_sei_lost(const struct encode *e)
{
	return e->sei_lost;
}

const AVCodecContext *
encode_context(const struct encode *e)
{
	return e->ctx;
}

int
encode_is_hevc(const struct encode *e)
{
	return e->ctx->codec_id == AV_CODEC_ID_HEVC;
}
