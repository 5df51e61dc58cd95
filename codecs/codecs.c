/*
 * Glue between libav* and the rest of camveil: AVERROR translation, log
 * level mapping and frame/packet helpers that keep libav* headers out of
 * the other modules.
 */
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/log.h>
#include <libavutil/pixdesc.h>

#include "../util/err.h"
#include "../util/log.h"
#include "codecs.h"

int
codecs_err(int e)
{
	if (e >= 0)
		return e;
	switch (e) {
	case AVERROR_EOF:		return ERR_EOF;
	case AVERROR(EAGAIN):		return ERR_AGAIN;
	case AVERROR(ENOMEM):		return ERR_NOMEM;
	case AVERROR(EINVAL):		return ERR_INVAL;
	case AVERROR_INVALIDDATA:	return ERR_CORRUPT;
	case AVERROR_DECODER_NOT_FOUND:
	case AVERROR_ENCODER_NOT_FOUND:
	case AVERROR_DEMUXER_NOT_FOUND:
	case AVERROR_MUXER_NOT_FOUND:
	case AVERROR_PATCHWELCOME:	return ERR_UNSUPPORTED;
	case AVERROR(EIO):		return ERR_IO;
	}
	if (e > -10000)
		return e;	/* AVERROR(errno) is -errno on POSIX */
	return ERR_IO;
}

const char *
codecs_strerror(int e)
{
	static _Thread_local char buf[AV_ERROR_MAX_STRING_SIZE];

	av_strerror(e, buf, sizeof buf);
	return buf;
}

void
codecs_init(void)
{
	switch (log_get_level()) {
	/* Damage in the input is counted and summarised by camveil; libav's
	 * per-packet complaints only show with -v. */
	case LOG_DEBUG:	av_log_set_level(AV_LOG_WARNING); break;
	default:	av_log_set_level(AV_LOG_FATAL); break;
	}
}

void
codecs_frame_image(struct AVFrame *f, struct image *img)
{
	const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);

	for (int i = 0; i < 3; i++) {
		img->data[i] = f->data[i];
		img->linesize[i] = f->linesize[i];
	}
	img->width = f->width;
	img->height = f->height;
	img->shift_x = d->log2_chroma_w;
	img->shift_y = d->log2_chroma_h;
	img->full_range = f->color_range == AVCOL_RANGE_JPEG ||
	    f->format == AV_PIX_FMT_YUVJ420P;
}

struct AVFrame *
codecs_frame_alloc(void)
{
	return av_frame_alloc();
}

void
codecs_frame_free(struct AVFrame **f)
{
	av_frame_free(f);
}

void
codecs_frame_unref(struct AVFrame *f)
{
	av_frame_unref(f);
}

int
codecs_frame_make_writable(struct AVFrame *f)
{
	return codecs_err(av_frame_make_writable(f));
}

int
codecs_frame_ref(AVFrame *dst, const AVFrame *src)
{
	return codecs_err(av_frame_ref(dst, src));
}

void
codecs_frame_move(struct AVFrame *dst, struct AVFrame *src)
{
	av_frame_move_ref(dst, src);
}

struct AVPacket *
codecs_packet_alloc(void)
{
	return av_packet_alloc();
}

void
codecs_packet_free(struct AVPacket **p)
{
	av_packet_free(p);
}

void
codecs_packet_unref(struct AVPacket *p)
{
	av_packet_unref(p);
}

int
codecs_packet_stream(const struct AVPacket *p)
{
	return p->stream_index;
}

double
codecs_frame_seconds(const AVFrame *f, const AVStream *st)
{
	return (double)f->pts * av_q2d(st->time_base);
}

int64_t
codecs_frame_pts(const AVFrame *f)
{
	return f->pts;
}

void
codecs_frame_set_pts(AVFrame *f, int64_t pts)
{
	f->pts = pts;
	f->pkt_dts = AV_NOPTS_VALUE;
	f->pkt_duration = 0;
}

void
codecs_packet_view(const AVPacket *p, struct packet_view *v)
{
	v->data = p->data;
	v->size = p->size;
	v->pts = p->pts;
	v->key = (p->flags & AV_PKT_FLAG_KEY) != 0;
}

int
codecs_frame_sei(const AVFrame *f, const uint8_t uuid[16], struct sei_view *out, int max)
{
	int n = 0;

	for (int i = 0; i < f->nb_side_data && n < max; i++) {
		const AVFrameSideData *sd = f->side_data[i];

		if (sd->type != AV_FRAME_DATA_SEI_UNREGISTERED || sd->size < 16 ||
		    memcmp(sd->data, uuid, 16) != 0)
			continue;
		out[n].data = sd->data + 16;
		out[n].size = sd->size - 16;
		n++;
	}
	return n;
}

void
codecs_frame_drop_sei(AVFrame *f)
{
	av_frame_remove_side_data(f, AV_FRAME_DATA_SEI_UNREGISTERED);
}
