/*
 * Live source: the input (camveil's RTSP client for H.264/H.265 cameras,
 * which hands over whole pictures at the RTP marker bit; libavformat for
 * everything else, with deadlines and an abort flag), the decode stage,
 * and looping for files.
 *
 * Some cameras send no timestamps at all: HTTP multipart MJPEG (the
 * mpjpeg demuxer) and raw elementary streams. libavformat then makes up
 * pts at a guessed 25 fps whatever the real rate, which would play a
 * 12 fps camera at double speed and look like an overload to the camera's
 * pacing. For those, a frame's media time is the time its packet arrived,
 * and the rate is measured on the first packets after connecting.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libavformat/avformat.h>
#include <libavutil/time.h>

#include "../util/clock.h"
#include "../util/err.h"
#include "../util/log.h"
#include "codecs.h"
#include "decode.h"
#include "rtspc.h"
#include "source.h"

/* Our RTSP client: longest wait for the first picture (a long GOP). */
#define FIRST_PICTURE_S	10.0

/* Timestamp-less live sources: packets read at open to measure the rate. */
#define PRIME_PACKETS	8
#define PRIME_SECONDS	2.0

struct primed {
	AVPacket *pkt;
	double arrival;
};

struct source {
	struct source_opts o;
	AVFormatContext *fmt;	/* libavformat input, or */
	struct rtspc *rc;	/* our RTSP client */
	AVRational tb;		/* of packet and frame timestamps */
	int width, height;	/* rc: of the first picture */
	char codec[16];		/* rc */
	AVFrame *first;		/* rc: decoded at open, handed out first */
	double first_deadline;	/* rc: monotonic, while waiting for it */
	char red[512];		/* the URL with its password hidden, for logs */
	struct source_frame first_meta;
	struct decode *dec;
	AVPacket *pkt;
	int video;
	int is_file;
	double deadline;	/* monotonic; blocking calls abort past it */
	int timed_out;
	int discont;		/* next frame starts a new loop */
	double loop_base;	/* media time added to the current loop */
	double last_t;		/* media time of the last frame */
	double frame_dur;
	double arrival;		/* when the last packet was read */
	int eof;		/* decoder flushed at end of file */
	int by_arrival;		/* live, no timestamps: media time = arrival */
	double first_arrival;	/* by_arrival: arrival of the first packet */
	struct primed prime[PRIME_PACKETS];	/* read at open, decoded first */
	int nprime, next_prime;
	int pattern_w, pattern_h;	/* "pattern:WxH@FPS": generated frames */
	int64_t pattern_n;
};

static int
interrupted(void *arg)
{
	struct source *s = arg;

	if (s->o.stop != NULL && s->o.stop(s->o.stop_arg))
		return 1;
	if (s->deadline > 0 && clock_mono() > s->deadline) {
		s->timed_out = 1;
		return 1;
	}
	return 0;
}

static void
arm(struct source *s)
{
	s->deadline = clock_mono() + s->o.timeout_ms / 1000.0;
	s->timed_out = 0;
}

static int
is_url(const char *u)
{
	const char *p = strstr(u, "://");

	return p != NULL && strncmp(u, "file:", 5) != 0;
}

const char *
source_redact(const char *url, char *buf, int size)
{
	const char *scheme = strstr(url, "://"), *at, *colon;

	if (scheme == NULL || (at = strchr(scheme + 3, '@')) == NULL ||
	    (colon = memchr(scheme + 3, ':', (size_t)(at - scheme - 3))) == NULL) {
		snprintf(buf, (size_t)size, "%s", url);
		return buf;
	}
	snprintf(buf, (size_t)size, "%.*s:***%s", (int)(colon - url), url, at);
	return buf;
}

/* A moving test pattern (no faces): grey ramps, bars and a square. */
static int
pattern_frame(struct source *s, AVFrame *f, struct source_frame *meta)
{
	int64_t n = s->pattern_n++;
	int ret;

	f->format = AV_PIX_FMT_YUV420P;
	f->width = s->pattern_w;
	f->height = s->pattern_h;
	ret = av_frame_get_buffer(f, 0);
	if (ret < 0)
		return codecs_err(ret);
	for (int y = 0; y < f->height; y++) {
		uint8_t *row = f->data[0] + (ptrdiff_t)y * f->linesize[0];

		for (int x = 0; x < f->width; x++)
			row[x] = (uint8_t)(16 + ((x * 8 / f->width) * 28 + (int)n) % 220);
	}
	for (int p = 1; p < 3; p++)
		for (int y = 0; y < f->height / 2; y++)
			memset(f->data[p] + (ptrdiff_t)y * f->linesize[p],
			    p == 1 ? 96 + (int)(n % 64) : 160, (size_t)f->width / 2);
	{
		int side = f->height / 6, x0 = (int)(n * 7 % (f->width - side)),
		    y0 = f->height / 2 - side / 2;

		for (int y = y0; y < y0 + side; y++)
			memset(f->data[0] + (ptrdiff_t)y * f->linesize[0] + x0, 235, (size_t)side);
	}
	f->pts = n;
	meta->t = (double)n * s->frame_dur;
	meta->discont = 0;
	meta->capture_us = 0;
	meta->arrival = clock_mono();
	return 0;
}

static int
pattern_open(const struct source_opts *o, struct source **out, char **cause)
{
	struct source *s;
	int w, h, fps, used = 0;

	if (sscanf(o->url, "pattern:%dx%d@%d%n", &w, &h, &fps, &used) != 3 ||
	    o->url[used] != '\0' || w < 64 || h < 64 || w > 7680 || h > 4320 ||
	    (w | h) & 1 || fps < 1 || fps > 120) {
		err_cause(cause, "%s: expected pattern:WIDTHxHEIGHT@FPS (even sizes "
		    "64..7680 x 64..4320, 1..120 fps)", o->url);
		return ERR_INVAL;
	}
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return ERR_NOMEM;
	s->o = *o;
	s->pattern_w = w;
	s->pattern_h = h;
	s->frame_dur = 1.0 / fps;
	s->is_file = 1;		/* paced by the owner */
	*out = s;
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * A live source without timestamps: read its first packets (kept, and
 * decoded first) and take the mean of the middle half of the intervals
 * between their arrivals as the camera's rate: a burst (frames the camera
 * or the network held back, then sent at once) gives one long and a few
 * near-zero intervals, which are left out. Reads are never cut short: an
 * interrupted multipart read would lose the boundary.
 */
static int
prime(struct source *s, char **cause, const char *red)
{
	double iv[PRIME_PACKETS], fps, sum = 0;
	int n = 0, k = 0, ret;

	while (s->nprime < PRIME_PACKETS && (s->nprime == 0 ||
	    s->prime[s->nprime - 1].arrival - s->first_arrival < PRIME_SECONDS)) {
		struct primed *p = &s->prime[s->nprime];

		arm(s);
		ret = av_read_frame(s->fmt, s->pkt);
		if (ret < 0) {
			err_cause(cause, "%s: no frames after connecting: %s", red,
			    s->timed_out ? "timed out" : codecs_strerror(ret));
			return codecs_err(ret) == ERR_EOF ? ERR_IO : codecs_err(ret);
		}
		if (s->pkt->stream_index != s->video) {
			av_packet_unref(s->pkt);
			continue;
		}
		if ((p->pkt = av_packet_alloc()) == NULL) {
			av_packet_unref(s->pkt);
			return ERR_NOMEM;
		}
		av_packet_move_ref(p->pkt, s->pkt);
		p->arrival = clock_mono();
		if (s->nprime++ == 0)
			s->first_arrival = p->arrival;
		else
			iv[n++] = p->arrival - s->prime[s->nprime - 2].arrival;
	}
	if (n == 0)
		return 0;	/* keep the demuxer's guess */
	qsort(iv, (size_t)n, sizeof iv[0], cmp_double);
	for (int i = n / 4; i < n - n / 4; i++, k++)
		sum += iv[i];
	fps = k / fmax(sum, k / 240.0);
	if (fabs(fps - round(fps)) < 0.05 * fps)
		fps = round(fps);	/* 12, not 11.8 */
	s->frame_dur = 1 / fmax(fps, 0.1);
	log_debug("%s: no timestamps: frames timed by arrival, %.3g fps measured",
	    red, fps);
	return 0;
}

static int read_frame(struct source *s, AVFrame *f, struct source_frame *meta,
    char **cause);

/*
 * An rtsp:// camera through our client. The first picture is decoded
 * here: it gives the size (and, without a rate in the SDP, the rate the
 * stream declares). ERR_UNSUPPORTED: not H.264/H.265, use libavformat.
 */
static int
rtsp_open(struct source *s, char **cause)
{
	struct rtspc_opts ro = {
		.url = s->o.url,
		.transport = s->o.transport == SOURCE_TCP ? RTSPC_TCP :
		    s->o.transport == SOURCE_UDP ? RTSPC_UDP : RTSPC_AUTO,
		.timeout_ms = s->o.timeout_ms,
		.stop = s->o.stop,
		.stop_arg = s->o.stop_arg,
	};
	struct decode_opts dopts = { .threads = 0, .low_delay = 1 };
	struct rtspc_info ri;
	double fps;
	int ret;

	ret = rtspc_open(&ro, &s->rc, cause);
	if (ret < 0)
		return ret;
	rtspc_get_info(s->rc, &ri);
	ret = decode_open_rtp(ri.hevc, ri.extradata, ri.extradata_size, ri.fps, &dopts,
	    &s->dec, cause);
	if (ret < 0)
		return ret;
	s->tb = (AVRational){ 1, 90000 };
	snprintf(s->codec, sizeof s->codec, "%s", ri.hevc ? "hevc" : "h264");
	s->frame_dur = ri.fps > 0 ? 1 / ri.fps : 0.04;
	if ((s->first = av_frame_alloc()) == NULL)
		return ERR_NOMEM;
	s->first_deadline = clock_mono() + fmax(FIRST_PICTURE_S, s->o.timeout_ms / 1000.0);
	ret = read_frame(s, s->first, &s->first_meta, cause);
	s->first_deadline = 0;
	if (ret < 0) {
		char *c = *cause;

		*cause = NULL;
		err_cause(cause, "%s: no picture after PLAY: %s", s->red,
		    c ? c : err_str(ret));
		free(c);
		return ret == ERR_EOF && !(s->o.stop && s->o.stop(s->o.stop_arg)) ?
		    ERR_IO : ret;
	}
	s->width = s->first->width;
	s->height = s->first->height;
	fps = ri.fps > 0 ? ri.fps : decode_fps(s->dec);
	if (fps > 0)
		s->frame_dur = 1 / fps;
	log_debug("%s: %s %dx%d at %.3g fps over %s", s->red, s->codec, s->width,
	    s->height, 1 / s->frame_dur, ri.tcp ? "TCP" : "UDP");
	return 0;
}

int
source_open(const struct source_opts *o, struct source **out, char **cause)
{
	struct decode_opts dopts = { .threads = 0, .low_delay = 1 };
	AVDictionary *opts = NULL;
	struct source *s;
	const AVStream *st;
	char red[512];
	AVRational fr;
	int ret;

	*out = NULL;
	if (strncmp(o->url, "pattern:", 8) == 0)
		return pattern_open(o, out, cause);
	source_redact(o->url, red, sizeof red);
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return ERR_NOMEM;
	s->o = *o;
	if (s->o.timeout_ms <= 0)
		s->o.timeout_ms = 5000;
	s->is_file = !is_url(o->url);
	s->last_t = -1;
	snprintf(s->red, sizeof s->red, "%s", red);
	if ((s->pkt = av_packet_alloc()) == NULL) {
		free(s);
		return ERR_NOMEM;
	}
	if (strncasecmp(o->url, "rtsp://", 7) == 0 && o->client == SOURCE_CLIENT_BUILTIN) {
		ret = rtsp_open(s, cause);
		if (ret == 0) {
			*out = s;
			return 0;
		}
		if (ret != ERR_UNSUPPORTED) {
			source_free(&s);
			return ret;
		}
		log_info("%s; reading it with libavformat", *cause ? *cause : red);
		free(*cause);
		*cause = NULL;
		rtspc_free(&s->rc);
		decode_free(&s->dec);
		av_frame_free(&s->first);
		/* Some servers (GStreamer's shared media) are still tearing
		 * down after our DESCRIBE and answer the next one with 503. */
		for (int i = 0; i < 5; i++) {
			if (o->stop != NULL && o->stop(o->stop_arg)) {
				source_free(&s);
				return ERR_EOF;
			}
			usleep(100 * 1000);
		}
	}
	s->fmt = avformat_alloc_context();
	if (s->fmt == NULL) {
		ret = AVERROR(ENOMEM);
		goto fail;
	}
	s->fmt->interrupt_callback.callback = interrupted;
	s->fmt->interrupt_callback.opaque = s;
	if (strncmp(o->url, "rtsp", 4) == 0) {
		if (o->transport == SOURCE_TCP)
			av_dict_set(&opts, "rtsp_transport", "tcp", 0);
		else if (o->transport == SOURCE_UDP)
			av_dict_set(&opts, "rtsp_transport", "udp", 0);
		/* Frames go out as soon as they are complete. */
		av_dict_set(&opts, "reorder_queue_size", "64", 0);
	}
	if (!s->is_file) {
		av_dict_set(&opts, "fflags", "nobuffer", 0);
		av_dict_set(&opts, "analyzeduration", "2000000", 0);
	}
	arm(s);
	ret = avformat_open_input(&s->fmt, o->url, NULL, &opts);
	av_dict_free(&opts);
	if (ret < 0) {
		err_cause(cause, "%s: cannot open: %s", red, s->timed_out ?
		    "timed out" : codecs_strerror(ret));
		goto fail;
	}
	arm(s);
	ret = avformat_find_stream_info(s->fmt, NULL);
	if (ret < 0) {
		err_cause(cause, "%s: cannot read stream information: %s", red,
		    s->timed_out ? "timed out" : codecs_strerror(ret));
		goto fail;
	}
	ret = av_find_best_stream(s->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
	if (ret < 0) {
		err_cause(cause, "%s: no video stream", red);
		ret = AVERROR_STREAM_NOT_FOUND;
		goto fail;
	}
	s->video = ret;
	for (unsigned i = 0; i < s->fmt->nb_streams; i++)
		s->fmt->streams[i]->discard = (int)i == s->video ? AVDISCARD_DEFAULT :
		    AVDISCARD_ALL;
	st = s->fmt->streams[s->video];
	s->tb = st->time_base;
	ret = decode_open(st, &dopts, &s->dec, cause);
	if (ret < 0) {
		char *c = *cause;

		*cause = NULL;
		err_cause(cause, "%s: %s", red, c ? c : err_str(ret));
		free(c);
		av_packet_free(&s->pkt);
		avformat_close_input(&s->fmt);
		free(s);
		return ret;
	}
	fr = st->avg_frame_rate.num ? st->avg_frame_rate : st->r_frame_rate;
	s->frame_dur = fr.num > 0 && fr.den > 0 && av_q2d(fr) < 240 ? 1 / av_q2d(fr) : 0.04;
	s->by_arrival = !s->is_file && (s->fmt->iformat->flags & AVFMT_NOTIMESTAMPS);
	if (s->by_arrival && (ret = prime(s, cause, red)) < 0) {
		source_free(&s);
		return ret == ERR_EOF || ret == ERR_CORRUPT ? ERR_IO : ret;
	}
	*out = s;
	return 0;
fail:
	av_packet_free(&s->pkt);
	avformat_close_input(&s->fmt);
	free(s);
	ret = codecs_err(ret);
	return ret == ERR_EOF || ret == ERR_CORRUPT ? ERR_FORMAT : ret;
}

void
source_free(struct source **s)
{
	if (s == NULL || *s == NULL)
		return;
	for (int i = 0; i < (*s)->nprime; i++)
		av_packet_free(&(*s)->prime[i].pkt);
	av_frame_free(&(*s)->first);
	rtspc_free(&(*s)->rc);
	decode_free(&(*s)->dec);
	av_packet_free(&(*s)->pkt);
	avformat_close_input(&(*s)->fmt);
	free(*s);
	*s = NULL;
}

void
source_get_info(const struct source *s, struct source_info *info)
{
	const AVStream *st;

	memset(info, 0, sizeof *info);
	if (s->pattern_w > 0) {
		info->width = s->pattern_w;
		info->height = s->pattern_h;
		info->fps = 1 / s->frame_dur;
		snprintf(info->codec, sizeof info->codec, "pattern");
		info->is_file = 1;
		return;
	}
	if (s->rc != NULL) {
		info->width = s->width;
		info->height = s->height;
		info->fps = 1 / s->frame_dur;
		snprintf(info->codec, sizeof info->codec, "%s", s->codec);
		info->client = SOURCE_CLIENT_BUILTIN;
		{
			struct rtspc_info ri;

			rtspc_get_info(s->rc, &ri);
			snprintf(info->via, sizeof info->via, "RTP/%s", ri.tcp ? "TCP" : "UDP");
		}
		return;
	}
	st = s->fmt->streams[s->video];
	info->width = st->codecpar->width;
	info->height = st->codecpar->height;
	info->fps = s->frame_dur > 0 ? 1 / s->frame_dur : 25;
	snprintf(info->codec, sizeof info->codec, "%s",
	    avcodec_get_name(st->codecpar->codec_id));
	info->is_file = s->is_file;
	info->client = SOURCE_CLIENT_LIBAV;
	if (strncasecmp(s->o.url, "rtsp://", 7) == 0)
		snprintf(info->via, sizeof info->via, "libavformat");
}

int
source_errors(const struct source *s)
{
	return (s->dec ? decode_errors(s->dec) : 0) + (int)(s->rc ? rtspc_damaged(s->rc) : 0);
}

/* Start the file over: seek to the beginning, continue the timeline. */
static int
loop_file(struct source *s, char **cause)
{
	int ret;

	ret = avformat_seek_file(s->fmt, -1, INT64_MIN, 0, 0, 0);
	if (ret < 0)
		ret = av_seek_frame(s->fmt, s->video, 0, AVSEEK_FLAG_BACKWARD);
	if (ret < 0) {
		err_cause(cause, "%s: cannot loop: %s", s->o.url, codecs_strerror(ret));
		return codecs_err(ret);
	}
	decode_free(&s->dec);
	{
		struct decode_opts dopts = { .threads = 0, .low_delay = 1 };

		ret = decode_open(s->fmt->streams[s->video], &dopts, &s->dec, cause);
		if (ret < 0)
			return ret;
	}
	s->loop_base = s->last_t + s->frame_dur;
	s->discont = 1;
	s->eof = 0;
	return 0;
}

/* Next access unit from our RTSP client into s->pkt (not refcounted). */
static int
rtsp_packet(struct source *s, char **cause)
{
	struct rtspc_au au;
	int ret;

	ret = rtspc_read(s->rc, &au, cause);
	s->arrival = clock_mono();
	if (ret < 0)
		return ret;
	s->pkt->data = (uint8_t *)au.data;
	s->pkt->size = (int)au.size;
	s->pkt->pts = s->pkt->dts = au.pts;
	s->pkt->flags = au.key ? AV_PKT_FLAG_KEY : 0;
	if (au.damaged)
		log_debug("%s: picture at %.3f s arrived damaged (RTP loss)", s->red,
		    au.pts / 90000.0);
	return 0;
}

/*
 * The next packet of the video stream into s->pkt: one read at open, or
 * from the camera or file. 0, 1 at the end of a file, or an error.
 */
static int
next_packet(struct source *s, char **cause)
{
	int ret;

	if (s->rc != NULL) {
		if (s->first_deadline > 0 && clock_mono() > s->first_deadline) {
			err_cause(cause, "no decodable picture in %.0f s",
			    fmax(FIRST_PICTURE_S, s->o.timeout_ms / 1000.0));
			return ERR_FORMAT;
		}
		return rtsp_packet(s, cause);
	}
	arm(s);
	if (s->next_prime < s->nprime) {	/* read at open */
		struct primed *p = &s->prime[s->next_prime++];

		av_packet_move_ref(s->pkt, p->pkt);
		av_packet_free(&p->pkt);
		s->arrival = p->arrival;
		return 0;
	}
	ret = av_read_frame(s->fmt, s->pkt);
	s->arrival = clock_mono();
	if (s->o.stop != NULL && s->o.stop(s->o.stop_arg)) {
		/* An interrupted read can return what it had as a packet:
		 * not worth a "damaged packet" warning on the way out. */
		av_packet_unref(s->pkt);
		return ERR_EOF;
	}
	if (ret >= 0)
		return 0;
	if (s->timed_out) {
		err_cause(cause, "no data for %d ms", s->o.timeout_ms);
		return ERR_TIMEOUT;
	}
	if (ret == AVERROR_EOF || s->is_file)
		return s->is_file ? 1 : ERR_EOF;
	err_cause(cause, "read failed: %s", codecs_strerror(ret));
	return codecs_err(ret) == ERR_EOF ? ERR_IO : codecs_err(ret);
}

static int
read_frame(struct source *s, AVFrame *f, struct source_frame *meta, char **cause)
{
	int ret, empty_loops = 0;

	for (;;) {
		ret = decode_receive(s->dec, f);
		if (ret == 0) {
			double pts_t = (double)f->pts * av_q2d(s->tb);
			double t = s->by_arrival ? s->arrival - s->first_arrival : pts_t;

			if (s->discont)
				s->loop_base -= t;	/* first frame of the loop */
			t += s->loop_base;
			/* Frames that arrived together (a burst) still get
			 * distinct times, a quarter frame apart. */
			if (t <= s->last_t + (s->by_arrival ? s->frame_dur / 4 : 0))
				t = s->last_t + (s->by_arrival ? s->frame_dur / 4 : 1e-3);
			meta->t = t;
			meta->discont = s->discont;
			meta->arrival = s->arrival;
			meta->capture_us = 0;
			if (s->rc != NULL)
				meta->capture_us = rtspc_capture_us(s->rc, f->pts);
			/* libavformat's RTSP input puts pts 0 at the NTP time
			 * of the camera's first RTCP sender report. */
			else if (!s->is_file && s->fmt->start_time_realtime > 0 &&
			    s->fmt->start_time_realtime != AV_NOPTS_VALUE)
				meta->capture_us = s->fmt->start_time_realtime +
				    (int64_t)(pts_t * 1e6);
			s->discont = 0;
			s->last_t = t;
			empty_loops = 0;
			return 0;
		}
		if (ret == ERR_EOF) {
			if (!s->is_file)
				return ERR_EOF;
			if (++empty_loops > 2) {
				err_cause(cause, "%s: no decodable video frames", s->o.url);
				return ERR_FORMAT;
			}
			ret = loop_file(s, cause);
			if (ret < 0)
				return ret;
			continue;
		}
		if (ret != ERR_AGAIN)
			return ret;
		if (s->eof) {
			ret = decode_send(s->dec, NULL);
			if (ret < 0 && ret != ERR_EOF)
				return ret;
			continue;
		}
		ret = next_packet(s, cause);
		if (ret == 1) {
			s->eof = 1;
			continue;
		}
		if (ret < 0)
			return ret;
		if (s->rc != NULL || s->pkt->stream_index == s->video) {
			ret = decode_send(s->dec, s->pkt);
			if (ret < 0 && ret != ERR_CORRUPT) {
				av_packet_unref(s->pkt);
				err_cause(cause, "decoding failed: %s", err_str(ret));
				return ret;
			}
		}
		av_packet_unref(s->pkt);
	}
}

int
source_read(struct source *s, AVFrame *f, struct source_frame *meta, char **cause)
{
	if (s->pattern_w > 0)
		return pattern_frame(s, f, meta);
	if (s->first != NULL) {		/* decoded at open */
		av_frame_move_ref(f, s->first);
		*meta = s->first_meta;
		av_frame_free(&s->first);
		return 0;
	}
	return read_frame(s, f, meta, cause);
}
