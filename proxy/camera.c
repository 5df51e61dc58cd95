/*
 * The live driver: one thread per camera running its state machine.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../blur/obscure.h"
#include "../codecs/codecs.h"
#include "../codecs/encode.h"
#include "../codecs/sidecar.h"
#include "../keys/judicial.h"
#include "../codecs/source.h"
#include "../util/clock.h"
#include "../util/err.h"
#include "../util/log.h"
#include "camera.h"
#include "pipeline.h"

#define BACKOFF_MIN	1.0	/* seconds */
#define BACKOFF_MAX	30.0
#define SOURCE_TIMEOUT	5000	/* ms a source may stay silent */
#define FIFO		64	/* frames between decode and encoder output */
#define REBASE_LAG	1.0	/* seconds late before a file's clock skips */
#define BEHIND_ENTER	0.3	/* seconds behind a live camera: drop frames */
#define BEHIND_LEAVE	0.1	/* ... until this close again */

struct timing {
	int64_t pts;
	double arrival;
	int64_t wall_us;
};

struct camera {
	struct config_camera cc;	/* strings owned */
	char *model;
	struct media *media;
	pthread_t thread;
	atomic_int stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* interruptible sleeps */
	struct camera_status st;	/* guarded by mu */

	/* camera thread only */
	double backoff;
	int libav_only;		/* rtsp:// read by libavformat (learnt) */
	double epoch;			/* monotonic start of the output clock */
	double seg_in, seg_out;		/* media time <-> output time of this run */
	int64_t last_pts;		/* output pts, 1/90000 */
	struct timing fifo[FIFO];
	int fifo_n;
	int behind;			/* dropping frames to catch up */
	struct pipeline_stats base;	/* totals of the runs before this one */
	int64_t base_errors;
};

static const char *const state_names[] = {
	"connecting", "streaming", "backoff", "stopped"
};

const char *
camera_state_name(enum camera_state s)
{
	return (unsigned)s < 4 ? state_names[s] : "?";
}

static int
stopping(void *arg)
{
	struct camera *c = arg;

	return atomic_load(&c->stop);
}

static void
set_state(struct camera *c, enum camera_state s, const char *error)
{
	pthread_mutex_lock(&c->mu);
	if (c->st.state != s)
		c->st.since = clock_wall_us() / 1e6;
	c->st.state = s;
	if (error != NULL) {
		/* Long messages are cut to fit the status. */
		size_t n = strnlen(error, sizeof c->st.error - 1);

		memcpy(c->st.error, error, n);
		c->st.error[n] = '\0';
	}
	pthread_mutex_unlock(&c->mu);
}

/* Sleep until monotonic time t, or until stopped. 1 if stopped. */
static int
sleep_until(struct camera *c, double t)
{
	struct timespec dl;
	double w;
	int stop;

	/* The condition variable uses CLOCK_REALTIME: convert. */
	w = t - clock_mono();
	if (w <= 0)
		return atomic_load(&c->stop);
	clock_gettime(CLOCK_REALTIME, &dl);
	w += dl.tv_sec + dl.tv_nsec / 1e9;
	dl.tv_sec = (time_t)w;
	dl.tv_nsec = (long)((w - (double)dl.tv_sec) * 1e9);
	pthread_mutex_lock(&c->mu);
	while (!(stop = atomic_load(&c->stop)) &&
	    pthread_cond_timedwait(&c->cv, &c->mu, &dl) == 0)
		;
	pthread_mutex_unlock(&c->mu);
	return stop;
}

/* One connection's worth of work: everything opened here is closed here. */
#define ENCQ 4	/* obscured frames waiting for the encoder thread */

/*
 * One connection's worth of work: everything opened here is closed here.
 * Two threads: the camera thread reads, decodes and runs the pipeline
 * (detection has a thread of its own); the encoder thread encodes and
 * publishes, so a frame's encoding overlaps the next one's detection.
 */
struct run {
	struct camera *c;
	struct source *src;
	struct source_info info;
	struct pipeline *pipe;
	struct judicial_pub *seal_key;	/* encrypt mode */
	struct AVFrame *in, *out;
	int64_t frames;

	pthread_t enc_thread;
	int enc_started;
	pthread_mutex_t qmu;		/* guards the queue, fifo and enc_err */
	pthread_cond_t qcv;
	struct AVFrame *q[ENCQ];
	int qhead, qlen, qclosed;
	int enc_err;
	char *enc_cause;
	/* encoder thread only */
	struct encode *enc;
	struct sidecar_writer *sidecar;	/* encrypt mode with sidecar: DIR */
	struct AVFrame *ef;
	struct AVPacket *pkt;
	int have_format;
};

static void *encoder_main(void *arg);

static void
run_close(struct run *r)
{
	if (r->enc_started) {
		pthread_mutex_lock(&r->qmu);
		r->qclosed = 1;
		pthread_cond_broadcast(&r->qcv);
		pthread_mutex_unlock(&r->qmu);
		pthread_join(r->enc_thread, NULL);
		for (int i = 0; i < r->qlen; i++)
			codecs_frame_free(&r->q[(r->qhead + i) % ENCQ]);
		pthread_mutex_destroy(&r->qmu);
		pthread_cond_destroy(&r->qcv);
		r->enc_started = 0;
	}
	free(r->enc_cause);
	r->enc_cause = NULL;
	codecs_frame_free(&r->ef);
	pipeline_free(&r->pipe);
	judicial_pub_free(&r->seal_key);
	encode_free(&r->enc);
	if (r->sidecar != NULL) {
		char path[4096];
		int ret;

		snprintf(path, sizeof path, "%s", sidecar_writer_path(r->sidecar));
		if ((ret = sidecar_close(&r->sidecar)) < 0)
			log_warn("camera %s: sidecar %s: %s", r->c->cc.name, path, err_str(ret));
	}
	source_free(&r->src);
	codecs_frame_free(&r->in);
	codecs_frame_free(&r->out);
	codecs_packet_free(&r->pkt);
}

static int
run_open(struct run *r, struct camera *c, char **cause)
{
	struct source_opts so = {
		.url = c->cc.source,
		.transport = c->cc.transport == TRANSPORT_TCP ? SOURCE_TCP :
		    c->cc.transport == TRANSPORT_UDP ? SOURCE_UDP : SOURCE_AUTO,
		.client = c->cc.rtsp_client == RTSP_CLIENT_LIBAV || c->libav_only ?
		    SOURCE_CLIENT_LIBAV : SOURCE_CLIENT_BUILTIN,
		.timeout_ms = SOURCE_TIMEOUT,
		.stop = stopping,
		.stop_arg = c,
	};
	struct pipeline_opts po;
	int ret;

	memset(r, 0, sizeof *r);
	r->c = c;
	r->in = codecs_frame_alloc();
	r->out = codecs_frame_alloc();
	r->ef = codecs_frame_alloc();
	r->pkt = codecs_packet_alloc();
	if (r->in == NULL || r->out == NULL || r->ef == NULL || r->pkt == NULL)
		return ERR_NOMEM;
	pthread_mutex_init(&r->qmu, NULL);
	pthread_cond_init(&r->qcv, NULL);
	if ((ret = pthread_create(&r->enc_thread, NULL, encoder_main, r)) != 0) {
		pthread_mutex_destroy(&r->qmu);
		pthread_cond_destroy(&r->qcv);
		err_cause(cause, "cannot start the encoder thread: %s", strerror(ret));
		return -ret;
	}
	r->enc_started = 1;
	ret = source_open(&so, &r->src, cause);
	if (ret < 0)
		return ret;
	source_get_info(r->src, &r->info);
	/* A camera our client handed over (not H.264/H.265) stays with
	 * libavformat: reconnects skip the extra DESCRIBE. */
	if (r->info.client == SOURCE_CLIENT_LIBAV)
		c->libav_only = 1;

	pipeline_defaults(&po);
	po.detect.model = c->model;
	po.detect.min_face = c->cc.min_face;
	po.detect.threshold = c->cc.threshold;
	po.track.hold = c->cc.hold;
	po.mode = (enum obscure_mode)c->cc.mode;
	if (c->cc.mode == CONFIG_MODE_ENCRYPT) {
		ret = judicial_pub_load(c->cc.key, &r->seal_key, cause);
		if (ret < 0)
			return ret;
		po.mode = OBSCURE_MASK;
		po.seal_key = r->seal_key;
		po.camera = c->cc.name;
	}
	po.detect_timeout_ms = c->cc.detect_timeout_ms;
	po.detect_threads = c->cc.detect_threads;
	po.lookback = c->cc.lookback;
	ret = pipeline_create(&po, &r->pipe, cause);
	if (ret < 0)
		return ret;
	c->fifo_n = 0;
	c->seg_in = -1;
	return 0;
}

static int
open_encoder(struct run *r, char **cause)
{
	struct camera *c = r->c;
	struct encode_opts eo = {
		.codec = c->cc.codec == CODEC_H265 ? "libx265" : "libx264",
		.preset = c->cc.preset,
		.tune = "zerolatency",
		.crf = -1,
		.bitrate = c->cc.bitrate,
		.gop = c->cc.gop,
		.udu_sei = c->cc.mode == CONFIG_MODE_ENCRYPT,
		.fps = r->info.fps,
	};

	if (c->cc.mode == CONFIG_MODE_ENCRYPT && c->cc.sidecar != NULL) {
		/* One file per run: each holds one output timeline. */
		char path[4096], stamp[32];
		int64_t now = clock_wall_us();
		time_t sec = (time_t)(now / 1000000);
		struct tm tm;
		int ret;

		gmtime_r(&sec, &tm);
		strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
		snprintf(path, sizeof path, "%s/%s-%s.%06lldZ.cvsc", c->cc.sidecar, c->cc.name,
		    stamp, (long long)(now % 1000000));
		if ((ret = sidecar_create(path, &r->sidecar, cause)) < 0)
			return ret;
		eo.sidecar = r->sidecar;
		log_info("camera %s: seals also written to %s", c->cc.name, path);
	}
	return encode_open(&eo, r->ef, NULL, &r->enc, cause);
}

/* Timing of the encoder output with pts (frames leave in order). */
static struct timing
take_timing(struct run *r, int64_t pts)
{
	struct camera *c = r->c;
	struct timing t = { pts, clock_mono(), clock_wall_us() };

	pthread_mutex_lock(&r->qmu);
	for (int i = 0; i < c->fifo_n; i++) {
		if (c->fifo[i].pts != pts)
			continue;
		t = c->fifo[i];
		c->fifo_n -= i + 1;
		memmove(&c->fifo[0], &c->fifo[i + 1], (size_t)c->fifo_n * sizeof c->fifo[0]);
		break;
	}
	pthread_mutex_unlock(&r->qmu);
	return t;
}

static int
drain_encoder(struct run *r, char **cause)
{
	struct camera *c = r->c;
	struct packet_view v;
	int ret;

	while ((ret = encode_receive(r->enc, r->pkt)) == 0) {
		struct timing t;

		codecs_packet_view(r->pkt, &v);
		t = take_timing(r, v.pts);
		if (!r->have_format && v.key) {
			ret = media_set_format(c->media, encode_is_hevc(r->enc),
			    r->info.width, r->info.height, r->info.fps,
			    v.data, (size_t)v.size);
			if (ret < 0) {
				err_cause(cause, "encoder output has no parameter sets");
				codecs_packet_unref(r->pkt);
				return ret;
			}
			r->have_format = 1;
		}
		if (r->have_format)
			media_publish(c->media, v.data, (size_t)v.size, v.pts, v.key,
			    t.arrival, t.wall_us);
		codecs_packet_unref(r->pkt);
		pthread_mutex_lock(&c->mu);
		c->st.frames_out++;
		pthread_mutex_unlock(&c->mu);
	}
	return ret == ERR_AGAIN || ret == ERR_EOF ? 0 : ret;
}

/* Encoder thread: frames from the queue to the media. */
static void *
encoder_main(void *arg)
{
	struct run *r = arg;
	char *cause = NULL;
	int ret = 0;

	for (;;) {
		struct AVFrame *f;

		pthread_mutex_lock(&r->qmu);
		while (r->qlen == 0 && !r->qclosed)
			pthread_cond_wait(&r->qcv, &r->qmu);
		if (r->qlen == 0) {
			pthread_mutex_unlock(&r->qmu);
			break;
		}
		f = r->q[r->qhead];
		r->qhead = (r->qhead + 1) % ENCQ;
		r->qlen--;
		pthread_cond_broadcast(&r->qcv);
		pthread_mutex_unlock(&r->qmu);

		codecs_frame_move(r->ef, f);
		codecs_frame_free(&f);
		if (r->enc == NULL && (ret = open_encoder(r, &cause)) < 0)
			break;
		ret = encode_send(r->enc, r->ef);
		codecs_frame_unref(r->ef);
		if (ret < 0) {
			err_cause(&cause, "encoder: %s", err_str(ret));
			break;
		}
		if ((ret = drain_encoder(r, &cause)) < 0)
			break;
	}
	if (ret < 0) {
		pthread_mutex_lock(&r->qmu);
		r->enc_err = ret;
		r->enc_cause = cause;
		pthread_cond_broadcast(&r->qcv);
		pthread_mutex_unlock(&r->qmu);
	} else {
		free(cause);
	}
	return NULL;
}

/* Camera thread: hand r->out to the encoder thread (waits if it is behind). */
static int
enqueue(struct run *r, char **cause)
{
	struct AVFrame *f = codecs_frame_alloc();
	int ret = 0;

	if (f == NULL)
		return ERR_NOMEM;
	codecs_frame_move(f, r->out);
	pthread_mutex_lock(&r->qmu);
	while (r->qlen == ENCQ && r->enc_err == 0 && !atomic_load(&r->c->stop))
		pthread_cond_wait(&r->qcv, &r->qmu);
	if (r->enc_err != 0) {
		ret = r->enc_err;
		err_cause(cause, "%s", r->enc_cause ? r->enc_cause : err_str(ret));
	} else {
		r->q[(r->qhead + r->qlen) % ENCQ] = f;
		r->qlen++;
		f = NULL;
		pthread_cond_broadcast(&r->qcv);
	}
	pthread_mutex_unlock(&r->qmu);
	codecs_frame_free(&f);
	return ret;
}

/*
 * Place a frame on the output clock. Within a run the source's own
 * timing is kept; a new run (connect, file loop) starts where the clock
 * is now, so the output timeline never jumps back. Files are paced here.
 */
static int64_t
place(struct run *r, const struct source_frame *m, int *stop)
{
	struct camera *c = r->c;
	double now = clock_mono() - c->epoch, out;
	int64_t pts;

	*stop = 0;
	if (c->seg_in < 0 || m->discont) {
		c->seg_in = m->t;
		c->seg_out = fmax(now, c->last_pts / 90000.0 + 1.0 / r->info.fps);
	}
	out = c->seg_out + (m->t - c->seg_in);
	if (r->info.is_file) {
		if (now - out > REBASE_LAG) {	/* too slow: skip the clock ahead */
			c->seg_out += now - out;
			out = now;
		}
		*stop = sleep_until(c, c->epoch + out);
	} else if (out - now > 2 * REBASE_LAG || now - out > 5 * REBASE_LAG) {
		/* The camera's clock jumped, or we could not catch up: start
		 * the timeline over from here. */
		c->seg_in = m->t;
		c->seg_out = now;
		out = now;
	}
	/* Live and behind the camera (overloaded): frames queue up in the
	 * network buffers and latency grows. Drop frames (decoded, never
	 * sent) until caught up. */
	if (!r->info.is_file) {
		double lag = now - out;

		if (lag > BEHIND_ENTER)
			c->behind = 1;
		else if (lag < BEHIND_LEAVE)
			c->behind = 0;
	}
	pts = llround(out * 90000);
	if (pts <= c->last_pts)
		pts = c->last_pts + 1;
	c->last_pts = pts;
	return pts;
}

static int
run_frames(struct run *r, char **cause)
{
	struct camera *c = r->c;
	struct source_frame m;
	struct pipeline_stats ps;
	int ret, stop;

	for (;;) {
		ret = source_read(r->src, r->in, &m, cause);
		if (ret < 0)
			return ret;
		if (r->frames++ == 0) {
			char buf[96];

			snprintf(buf, sizeof buf, "%s %dx%d %.3g fps%s%s", r->info.codec,
			    r->info.width, r->info.height, r->info.fps,
			    r->info.via[0] ? ", " : "", r->info.via);
			pthread_mutex_lock(&c->mu);
			snprintf(c->st.input, sizeof c->st.input, "%s", buf);
			pthread_mutex_unlock(&c->mu);
			set_state(c, CAMERA_STREAMING, "");
			c->backoff = 0;
			log_info("camera %s: streaming %s", c->cc.name, buf);
		}
		{
			int64_t pts = place(r, &m, &stop);

			if (stop) {
				codecs_frame_unref(r->in);
				return ERR_EOF;
			}
			if (c->behind) {
				codecs_frame_unref(r->in);
				pthread_mutex_lock(&c->mu);
				c->st.frames_in++;
				c->st.overload_dropped++;
				pthread_mutex_unlock(&c->mu);
				continue;
			}
			if (r->info.is_file)	/* it "arrives" when paced out */
				m.arrival = clock_mono();
			/* Without the camera's own clock, a frame was captured
			 * when it arrived (not when it got through decoding). */
			if (m.capture_us == 0)
				m.capture_us = clock_wall_us() -
				    (int64_t)((clock_mono() - m.arrival) * 1e6);
			codecs_frame_set_pts(r->in, pts);
			pthread_mutex_lock(&r->qmu);
			if (c->fifo_n == FIFO) {
				c->fifo_n--;
				memmove(&c->fifo[0], &c->fifo[1], FIFO * sizeof c->fifo[0] - sizeof c->fifo[0]);
			}
			c->fifo[c->fifo_n++] = (struct timing){ pts, m.arrival,
			    m.capture_us };
			pthread_mutex_unlock(&r->qmu);
		}
		ret = pipeline_push(r->pipe, r->in, m.t, m.capture_us);
		if (ret == 0)
			ret = pipeline_settle(r->pipe);
		if (ret < 0) {
			err_cause(cause, "pipeline: %s", err_str(ret));
			return ret;
		}
		pipeline_get_stats(r->pipe, &ps);
		while (pipeline_pop(r->pipe, r->out) == 0) {
			ret = enqueue(r, cause);
			if (ret < 0)
				return ret;
		}
		pthread_mutex_lock(&c->mu);
		{
			double s = ps.last_detect_ms / 1000.0;
			int b = 0;

			while (s > media_lat_bounds[b])
				b++;
			c->st.detect_hist[b]++;
			c->st.detect_sum += s;
			c->st.detect_count++;
		}
		c->st.frames_in++;
		c->st.face_regions = c->base.face_regions + ps.face_regions;
		c->st.faces = c->base.faces + ps.faces;
		c->st.fail_closed = c->base.fail_closed + ps.fail_closed;
		c->st.fine_passes = c->base.fine_passes + ps.fine_passes;
		c->st.tiles_unchanged = c->base.tiles_unchanged + ps.tiles_unchanged;
		c->st.tiles_flat = c->base.tiles_flat + ps.tiles_flat;
		c->st.decode_errors = c->base_errors + source_errors(r->src);
		pthread_mutex_unlock(&c->mu);
	}
}

static void *
camera_main(void *arg)
{
	struct camera *c = arg;
	char red[512];
	int attempt = 0;

	source_redact(c->cc.source, red, sizeof red);
	c->epoch = clock_mono();
	while (!atomic_load(&c->stop)) {
		struct run r;
		char *cause = NULL;
		int ret;

		set_state(c, CAMERA_CONNECTING, NULL);
		if (attempt++ > 0) {
			pthread_mutex_lock(&c->mu);
			c->st.reconnects++;
			pthread_mutex_unlock(&c->mu);
		}
		ret = run_open(&r, c, &cause);
		if (ret == 0)
			ret = run_frames(&r, &cause);
		if (r.pipe != NULL) {
			struct pipeline_stats ps;

			pipeline_get_stats(r.pipe, &ps);
			c->base.face_regions += ps.face_regions;
			c->base.faces += ps.faces;
			c->base.fail_closed += ps.fail_closed;
			c->base.fine_passes += ps.fine_passes;
			c->base.tiles_unchanged += ps.tiles_unchanged;
			c->base.tiles_flat += ps.tiles_flat;
		}
		if (r.src != NULL)
			c->base_errors += source_errors(r.src);
		run_close(&r);
		media_clear_format(c->media);
		if (atomic_load(&c->stop)) {
			free(cause);
			break;
		}
		{
			char msg[600];

			snprintf(msg, sizeof msg, "%s", cause ? cause : ret == ERR_EOF ?
			    "stream ended" : err_str(ret));
			c->backoff = c->backoff == 0 ? BACKOFF_MIN : fmin(BACKOFF_MAX, c->backoff * 2);
			log_warn("camera %s: %s; retrying in %.0f s", c->cc.name, msg, c->backoff);
			set_state(c, CAMERA_BACKOFF, msg);
		}
		free(cause);
		if (sleep_until(c, clock_mono() + c->backoff))
			break;
	}
	set_state(c, CAMERA_STOPPED, NULL);
	log_info("camera %s (%s): stopped", c->cc.name, red);
	return NULL;
}

static void
free_camera(struct camera *c)
{
	free(c->cc.name);
	free(c->cc.source);
	free(c->cc.preset);
	free(c->model);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
}

int
camera_start(const struct config_camera *cc, const char *model,
    struct media *m, struct camera **out, char **cause)
{
	struct camera *c;
	int ret;

	*out = NULL;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return ERR_NOMEM;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	c->cc = *cc;
	c->cc.name = strdup(cc->name);
	c->cc.source = strdup(cc->source);
	c->cc.preset = strdup(cc->preset);
	c->cc.users = NULL;
	c->model = strdup(model);
	c->media = m;
	c->st.since = clock_wall_us() / 1e6;
	if (c->cc.name == NULL || c->cc.source == NULL || c->cc.preset == NULL ||
	    c->model == NULL) {
		free_camera(c);
		return ERR_NOMEM;
	}
	ret = pthread_create(&c->thread, NULL, camera_main, c);
	if (ret != 0) {
		err_cause(cause, "camera %s: cannot start thread: %s", cc->name,
		    strerror(ret));
		free_camera(c);
		return -ret;
	}
	*out = c;
	return 0;
}

void
camera_stop(struct camera **cp)
{
	struct camera *c = cp ? *cp : NULL;

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	atomic_store(&c->stop, 1);
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	free_camera(c);
	*cp = NULL;
}

void
camera_get_status(struct camera *c, struct camera_status *s)
{
	pthread_mutex_lock(&c->mu);
	*s = c->st;
	pthread_mutex_unlock(&c->mu);
}
