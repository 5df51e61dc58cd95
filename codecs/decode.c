/*
 * Decode stage. Besides libavcodec decoding it normalises what comes out
 * so later stages need not care about the input: pixel formats other
 * than 8-bit 4:2:0 are converted (swscale), and timestamps are made
 * present and strictly increasing (raw Annex-B streams carry none).
 */
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "../util/err.h"
#include "../util/log.h"
#include "codecs.h"
#include "decode.h"

struct decode {
	AVCodecContext *ctx;
	AVRational tb;		/* stream time base */
	int64_t frame_dur;	/* nominal frame duration in tb, >= 1 */
	int64_t last_pts;
	int have_last;
	int errors;
	int keep_sei;
	struct SwsContext *sws;
	AVFrame *tmp;
};

/* A decoder for par, whose timestamps count in tb, at nominal rate fr. */
static int
open_par(const AVCodecParameters *par, AVRational tb, AVRational fr,
    const struct decode_opts *opts, struct decode **out, char **cause)
{
	const AVCodec *codec;
	struct decode *d;
	int ret;

	*out = NULL;
	codec = avcodec_find_decoder(par->codec_id);
	if (codec == NULL) {
		err_cause(cause, "no decoder for video codec '%s'",
		    avcodec_get_name(par->codec_id));
		return ERR_UNSUPPORTED;
	}
	d = calloc(1, sizeof *d);
	if (d == NULL)
		return ERR_NOMEM;
	d->ctx = avcodec_alloc_context3(codec);
	d->tmp = av_frame_alloc();
	if (d->ctx == NULL || d->tmp == NULL) {
		ret = AVERROR(ENOMEM);
		goto fail;
	}
	ret = avcodec_parameters_to_context(d->ctx, par);
	if (ret < 0)
		goto fail;
	d->ctx->pkt_timebase = tb;
	d->ctx->thread_count = opts ? opts->threads : 0;
	d->keep_sei = opts && opts->keep_sei;
	if (opts && opts->low_delay) {
		d->ctx->thread_type = FF_THREAD_SLICE;
		d->ctx->flags |= AV_CODEC_FLAG_LOW_DELAY;
	}
	ret = avcodec_open2(d->ctx, codec, NULL);
	if (ret < 0) {
		err_cause(cause, "cannot open %s decoder: %s", codec->name,
		    codecs_strerror(ret));
		goto fail;
	}
	d->tb = tb;
	if (fr.num <= 0 || fr.den <= 0)
		fr = (AVRational){ 25, 1 };
	d->frame_dur = av_rescale_q(1, av_inv_q(fr), d->tb);
	if (d->frame_dur < 1)
		d->frame_dur = 1;
	*out = d;
	return 0;
fail:
	avcodec_free_context(&d->ctx);
	av_frame_free(&d->tmp);
	free(d);
	return codecs_err(ret);
}

int
decode_open(const AVStream *st, const struct decode_opts *opts,
    struct decode **out, char **cause)
{
	AVRational fr = st->avg_frame_rate.num ? st->avg_frame_rate : st->r_frame_rate;

	return open_par(st->codecpar, st->time_base, fr, opts, out, cause);
}

int
decode_open_rtp(int hevc, const uint8_t *extradata, size_t size, double fps,
    const struct decode_opts *opts, struct decode **out, char **cause)
{
	AVCodecParameters *par = avcodec_parameters_alloc();
	int ret;

	*out = NULL;
	if (par == NULL)
		return ERR_NOMEM;
	par->codec_type = AVMEDIA_TYPE_VIDEO;
	par->codec_id = hevc ? AV_CODEC_ID_HEVC : AV_CODEC_ID_H264;
	if (size > 0) {
		par->extradata = av_mallocz(size + AV_INPUT_BUFFER_PADDING_SIZE);
		if (par->extradata == NULL) {
			avcodec_parameters_free(&par);
			return ERR_NOMEM;
		}
		memcpy(par->extradata, extradata, size);
		par->extradata_size = (int)size;
	}
	ret = open_par(par, (AVRational){ 1, 90000 },
	    fps > 0 ? av_d2q(fps, 100000) : (AVRational){ 0, 1 }, opts, out, cause);
	avcodec_parameters_free(&par);
	return ret;
}

double
decode_fps(const struct decode *d)
{
	AVRational fr = d->ctx->framerate;

	return fr.num > 0 && fr.den > 0 && av_q2d(fr) <= 240 ? av_q2d(fr) : 0;
}

void
decode_free(struct decode **d)
{
	if (d == NULL || *d == NULL)
		return;
	avcodec_free_context(&(*d)->ctx);
	sws_freeContext((*d)->sws);
	av_frame_free(&(*d)->tmp);
	free(*d);
	*d = NULL;
}

int
decode_send(struct decode *d, const AVPacket *pkt)
{
	int ret = avcodec_send_packet(d->ctx, pkt);

	if (ret == AVERROR_INVALIDDATA || (ret < 0 && ret != AVERROR(EAGAIN) &&
	    ret != AVERROR_EOF && ret != AVERROR(ENOMEM))) {
		d->errors++;
		log_warn("decoder: skipping damaged packet: %s", codecs_strerror(ret));
		return ERR_CORRUPT;
	}
	return codecs_err(ret);
}

static int
is_plain_420(int fmt)
{
	return fmt == AV_PIX_FMT_YUV420P || fmt == AV_PIX_FMT_YUVJ420P;
}

/* Convert d->tmp (any format) into f as yuv420p, keeping range and props. */
static int
convert(struct decode *d, AVFrame *f)
{
	int full = d->tmp->color_range == AVCOL_RANGE_JPEG ||
	    d->tmp->format == AV_PIX_FMT_YUVJ422P ||
	    d->tmp->format == AV_PIX_FMT_YUVJ444P;
	int ret;

	d->sws = sws_getCachedContext(d->sws, d->tmp->width, d->tmp->height,
	    d->tmp->format, d->tmp->width, d->tmp->height,
	    full ? AV_PIX_FMT_YUVJ420P : AV_PIX_FMT_YUV420P,
	    SWS_BICUBIC, NULL, NULL, NULL);
	if (d->sws == NULL)
		return ERR_UNSUPPORTED;
	f->format = full ? AV_PIX_FMT_YUVJ420P : AV_PIX_FMT_YUV420P;
	f->width = d->tmp->width;
	f->height = d->tmp->height;
	ret = av_frame_get_buffer(f, 0);
	if (ret < 0)
		return codecs_err(ret);
	ret = av_frame_copy_props(f, d->tmp);
	if (ret < 0)
		return codecs_err(ret);
	sws_scale(d->sws, (const uint8_t *const *)d->tmp->data, d->tmp->linesize,
	    0, d->tmp->height, f->data, f->linesize);
	av_frame_unref(d->tmp);
	return 0;
}

int
decode_receive(struct decode *d, AVFrame *f)
{
	int64_t pts;
	int ret;

	ret = avcodec_receive_frame(d->ctx, d->tmp);
	if (ret < 0)
		return codecs_err(ret);
	if (d->tmp->decode_error_flags || (d->tmp->flags & AV_FRAME_FLAG_CORRUPT))
		d->errors++;
	if (is_plain_420(d->tmp->format)) {
		av_frame_move_ref(f, d->tmp);
	} else {
		ret = convert(d, f);
		if (ret < 0) {
			av_frame_unref(d->tmp);
			av_frame_unref(f);
			log_error("decoder: cannot convert pixel format %s",
			    av_get_pix_fmt_name(d->tmp->format));
			return ret;
		}
	}
	/* The source encoder's own SEI (x264 version string...) is not ours to pass on. */
	if (!d->keep_sei)
		av_frame_remove_side_data(f, AV_FRAME_DATA_SEI_UNREGISTERED);
	/* Present and strictly increasing timestamps, whatever the input. */
	pts = f->best_effort_timestamp;
	if (pts == AV_NOPTS_VALUE)
		pts = d->have_last ? d->last_pts + d->frame_dur : 0;
	if (d->have_last && pts <= d->last_pts)
		pts = d->last_pts + 1;
	f->pts = pts;
	d->last_pts = pts;
	d->have_last = 1;
	return 0;
}

int
decode_errors(const struct decode *d)
{
	return d->errors;
}
