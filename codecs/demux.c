/*
 * Demux stage: libavformat input. Finds the video stream to anonymize and
 * exposes the others so the mux stage can copy (or deliberately drop) them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavformat/avformat.h>

#include "../util/err.h"
#include "codecs.h"
#include "demux.h"

struct demux {
	AVFormatContext *fmt;
	int video;
};

int
demux_open(const char *url, struct demux **out, char **cause)
{
	struct demux *d;
	int ret;

	*out = NULL;
	d = calloc(1, sizeof *d);
	if (d == NULL)
		return ERR_NOMEM;
	ret = avformat_open_input(&d->fmt, url, NULL, NULL);
	if (ret < 0) {
		err_cause(cause, "%s: cannot open input: %s", url, codecs_strerror(ret));
		goto fail;
	}
	ret = avformat_find_stream_info(d->fmt, NULL);
	if (ret < 0) {
		err_cause(cause, "%s: cannot read stream information: %s", url,
		    codecs_strerror(ret));
		goto fail;
	}
	ret = av_find_best_stream(d->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
	if (ret < 0) {
		err_cause(cause, "%s: no video stream found", url);
		ret = AVERROR_STREAM_NOT_FOUND;
		goto fail;
	}
	d->video = ret;
	if (avcodec_find_decoder(d->fmt->streams[d->video]->codecpar->codec_id) == NULL) {
		err_cause(cause, "%s: unsupported video codec '%s'", url,
		    avcodec_get_name(d->fmt->streams[d->video]->codecpar->codec_id));
		ret = AVERROR_DECODER_NOT_FOUND;
		goto fail;
	}
	*out = d;
	return 0;
fail:
	avformat_close_input(&d->fmt);
	free(d);
	ret = codecs_err(ret);
	return ret == ERR_EOF || ret == ERR_CORRUPT ? ERR_FORMAT : ret;
}

void
demux_free(struct demux **d)
{
	if (d == NULL || *d == NULL)
		return;
	avformat_close_input(&(*d)->fmt);
	free(*d);
	*d = NULL;
}

int
demux_read(struct demux *d, struct AVPacket *pkt)
{
	return codecs_err(av_read_frame(d->fmt, pkt));
}

int
demux_video_index(const struct demux *d)
{
	return d->video;
}

int
demux_nb_streams(const struct demux *d)
{
	return (int)d->fmt->nb_streams;
}

struct AVStream *
demux_stream(const struct demux *d, int index)
{
	return d->fmt->streams[index];
}

struct AVFormatContext *
demux_context(const struct demux *d)
{
	return d->fmt;
}

int
demux_is_audio(const struct demux *d, int index)
{
	return d->fmt->streams[index]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO;
}

int
demux_is_video(const struct demux *d, int index)
{
	return d->fmt->streams[index]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO;
}

int64_t
demux_frame_estimate(const struct demux *d)
{
	AVStream *st = d->fmt->streams[d->video];
	AVRational fr = st->avg_frame_rate.num ? st->avg_frame_rate : st->r_frame_rate;

	if (st->nb_frames > 0)
		return st->nb_frames;
	if (d->fmt->duration > 0 && fr.num > 0 && fr.den > 0)
		return (int64_t)((double)d->fmt->duration / AV_TIME_BASE * av_q2d(fr) + 0.5);
	return 0;
}

const char *
demux_describe(const struct demux *d, int index, char *buf, int size)
{
	AVCodecParameters *p = d->fmt->streams[index]->codecpar;
	const char *type = av_get_media_type_string(p->codec_type);

	snprintf(buf, (size_t)size, "#%d %s %s", index, type ? type : "data",
	    avcodec_get_name(p->codec_id));
	return buf;
}

int
demux_video_format(const struct demux *d, int *hevc, const uint8_t **extradata, size_t *size)
{
	const AVCodecParameters *par;
	int vi = demux_video_index(d);

	*hevc = 0;
	*extradata = NULL;
	*size = 0;
	if (vi < 0)
		return ERR_UNSUPPORTED;
	par = demux_stream(d, vi)->codecpar;
	if (par->codec_id != AV_CODEC_ID_H264 && par->codec_id != AV_CODEC_ID_HEVC)
		return ERR_UNSUPPORTED;
	*hevc = par->codec_id == AV_CODEC_ID_HEVC;
	*extradata = par->extradata;
	*size = par->extradata_size > 0 ? (size_t)par->extradata_size : 0;
	return 0;
}
