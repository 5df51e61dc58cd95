/*
 * Mux stage for file output. The container is guessed from the target
 * name; bytes go to ".NAME.camveil-PID.part" in the same directory and
 * are renamed over the target only after the trailer is written.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "../util/err.h"
#include "codecs.h"
#include "demux.h"
#include "encode.h"
#include "mux.h"

struct mux {
	AVFormatContext *fmt;
	char *path;
	char *tmp;
	int opened;		/* tmp exists on disk */
	int done;		/* renamed into place */
};

int
mux_open(const char *path, struct mux **out, char **cause)
{
	const AVOutputFormat *of;
	struct mux *m;
	char *dup1 = NULL, *dup2 = NULL;
	int ret;

	*out = NULL;
	of = av_guess_format(NULL, path, NULL);
	if (of == NULL) {
		err_cause(cause, "%s: cannot tell the container from the file "
		    "name (use an extension such as .mp4, .mkv, .ts)", path);
		return ERR_UNSUPPORTED;
	}
	m = calloc(1, sizeof *m);
	if (m == NULL)
		return ERR_NOMEM;
	dup1 = strdup(path);
	dup2 = strdup(path);
	m->path = strdup(path);
	if (dup1 == NULL || dup2 == NULL || m->path == NULL ||
	    asprintf(&m->tmp, "%s/.%s.camveil-%ld.part", dirname(dup1),
	    basename(dup2), (long)getpid()) < 0) {
		m->tmp = NULL;
		ret = ERR_NOMEM;
		goto fail;
	}
	ret = avformat_alloc_output_context2(&m->fmt, of, NULL, m->tmp);
	if (ret < 0) {
		ret = codecs_err(ret);
		goto fail;
	}
	ret = avio_open(&m->fmt->pb, m->tmp, AVIO_FLAG_WRITE);
	if (ret < 0) {
		err_cause(cause, "%s: cannot write output: %s", path,
		    codecs_strerror(ret));
		ret = codecs_err(ret);
		goto fail;
	}
	m->opened = 1;
	free(dup1);
	free(dup2);
	*out = m;
	return 0;
fail:
	free(dup1);
	free(dup2);
	mux_free(&m);
	return ret;
}

void
mux_free(struct mux **mp)
{
	struct mux *m;

	if (mp == NULL || *mp == NULL)
		return;
	m = *mp;
	if (m->fmt != NULL) {
		avio_closep(&m->fmt->pb);
		avformat_free_context(m->fmt);
	}
	if (m->opened && !m->done)
		unlink(m->tmp);
	free(m->path);
	free(m->tmp);
	free(m);
	*mp = NULL;
}

int
mux_global_header(const struct mux *m)
{
	return (m->fmt->oformat->flags & AVFMT_GLOBALHEADER) != 0;
}

int
mux_add_encoded(struct mux *m, const struct encode *e, const AVStream *in)
{
	const AVCodecContext *c = encode_context(e);
	AVStream *st;
	int ret;

	st = avformat_new_stream(m->fmt, NULL);
	if (st == NULL)
		return ERR_NOMEM;
	ret = avcodec_parameters_from_context(st->codecpar, c);
	if (ret < 0)
		return codecs_err(ret);
	st->time_base = c->time_base;
	st->avg_frame_rate = in->avg_frame_rate;
	st->r_frame_rate = in->r_frame_rate;
	st->sample_aspect_ratio = in->sample_aspect_ratio;
	st->disposition = in->disposition;
	av_dict_copy(&st->metadata, in->metadata, 0);
	/* The new encoder's identity replaces the source's. */
	av_dict_set(&st->metadata, "encoder", NULL, 0);
	av_dict_set(&st->metadata, "handler_name", "camveil anonymized video", 0);
	/* Keep rotation and similar display properties. */
	for (int i = 0; i < in->nb_side_data; i++) {
		const AVPacketSideData *sd = &in->side_data[i];
		uint8_t *dst;

		if (sd->type != AV_PKT_DATA_DISPLAYMATRIX)
			continue;
		dst = av_stream_new_side_data(st, sd->type, sd->size);
		if (dst != NULL)
			memcpy(dst, sd->data, sd->size);
	}
	return st->index;
}

int
mux_add_copy(struct mux *m, const AVStream *in)
{
	AVStream *st;
	int ret;

	if (avformat_query_codec(m->fmt->oformat, in->codecpar->codec_id,
	    FF_COMPLIANCE_NORMAL) != 1)
		return ERR_UNSUPPORTED;
	st = avformat_new_stream(m->fmt, NULL);
	if (st == NULL)
		return ERR_NOMEM;
	ret = avcodec_parameters_copy(st->codecpar, in->codecpar);
	if (ret < 0)
		return codecs_err(ret);
	st->codecpar->codec_tag = 0;
	st->time_base = in->time_base;
	st->disposition = in->disposition;
	av_dict_copy(&st->metadata, in->metadata, 0);
	return st->index;
}

int
mux_start(struct mux *m, const struct demux *src, char **cause)
{
	int ret;

	if (src != NULL) {
		av_dict_copy(&m->fmt->metadata, demux_context(src)->metadata, 0);
		av_dict_set(&m->fmt->metadata, "encoder", NULL, 0);
		av_dict_set(&m->fmt->metadata, "comment",
		    "faces obscured by camveil", 0);
	}
	ret = avformat_write_header(m->fmt, NULL);
	if (ret < 0) {
		err_cause(cause, "%s: cannot write header: %s", m->path,
		    codecs_strerror(ret));
		return codecs_err(ret);
	}
	return 0;
}

static int
write_pkt(struct mux *m, int index, AVPacket *pkt, AVRational tb)
{
	AVStream *st = m->fmt->streams[index];
	int ret;

	pkt->stream_index = index;
	av_packet_rescale_ts(pkt, tb, st->time_base);
	pkt->pos = -1;
	ret = av_interleaved_write_frame(m->fmt, pkt);
	av_packet_unref(pkt);
	return ret < 0 ? ERR_IO : 0;
}

int
mux_write(struct mux *m, int index, AVPacket *pkt, const AVStream *src)
{
	return write_pkt(m, index, pkt, src->time_base);
}

int
mux_write_encoded(struct mux *m, int index, AVPacket *pkt, const struct encode *e)
{
	return write_pkt(m, index, pkt, encode_context(e)->time_base);
}

int
mux_finish(struct mux *m, char **cause)
{
	int ret;

	ret = av_write_trailer(m->fmt);
	if (ret >= 0)
		ret = avio_closep(&m->fmt->pb);
	if (ret < 0) {
		err_cause(cause, "%s: cannot finish output: %s", m->path,
		    codecs_strerror(ret));
		return ERR_IO;
	}
	if (rename(m->tmp, m->path) < 0) {
		ret = -errno;
		err_cause(cause, "%s: cannot rename %s into place: %s", m->path,
		    m->tmp, strerror(errno));
		return ret;
	}
	m->done = 1;
	return 0;
}
