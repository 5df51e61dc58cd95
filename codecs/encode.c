/*
 * Encode stage: libx264/libx265 through libavcodec. Timestamps pass
 * through unchanged (the encoder works in the source stream's time base),
 * which is what keeps the output's timing identical to the input's,
 * constant or variable frame rate alike.
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

struct encode {
	AVCodecContext *ctx;
};

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
	if (o->udu_sei)
		av_opt_set_int(c->priv_data, "udu_sei", 1, 0);
	ret = avcodec_open2(c, codec, NULL);
	if (ret < 0) {
		err_cause(cause, "cannot open encoder %s (preset %s): %s", name,
		    o->preset ? o->preset : "default", codecs_strerror(ret));
		goto fail;
	}
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
	avcodec_free_context(&(*e)->ctx);
	free(*e);
	*e = NULL;
}

int
encode_send(struct encode *e, AVFrame *f)
{
	int ret;

	/* libx264 would otherwise copy the source's I/P/B decisions. */
	if (f != NULL)
		f->pict_type = AV_PICTURE_TYPE_NONE;
	ret = avcodec_send_frame(e->ctx, f);

	return ret < 0 && ret != AVERROR(EAGAIN) && ret != AVERROR_EOF ?
	    ERR_ENCODER : codecs_err(ret);
}

int
encode_receive(struct encode *e, AVPacket *pkt)
{
	int ret = avcodec_receive_packet(e->ctx, pkt);

	return ret < 0 && ret != AVERROR(EAGAIN) && ret != AVERROR_EOF ?
	    ERR_ENCODER : codecs_err(ret);
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
