/*
 * The pipeline scheduler (see pipeline.h for the shape).
 *
 * Detection runs on its own thread so that it overlaps with decoding and
 * encoding: while the worker converts and scans frame n (holding its own
 * reference to it), the caller encodes frame n-1 and decodes frame n+1.
 * The passes of one frame (coarse, tiles) are independent: the worker
 * and detect_threads - 1 helpers, each with its own network and
 * converter, take them in turn, and the candidates are put back in pass
 * order, so the result does not depend on which thread ran what. Each
 * job has a deadline; if the detector errors or is
 * late, the frame is obscured whole (fail closed) and later frames are
 * too until the detector is free again. A frame is never released before
 * its detection result, or its fail-closed fill, has been applied.
 *
 * Faces are often first detected a few frames after they become visible
 * (turning from profile, entering a tile). Frames are therefore held in a
 * short look-back line after processing; when a new face is found, its
 * cover is also applied to the held frames before them.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../blur/geom.h"
#include "../codecs/codecs.h"
#include "../codecs/decode.h"
#include "../codecs/demux.h"
#include "../codecs/mux.h"
#include "../codecs/scale.h"
#include "../codecs/sei.h"
#include "../keys/seal.h"
#include "../util/clock.h"
#include "../util/err.h"
#include "../util/log.h"
#include "pipeline.h"

#define MAX_DETS 512
#define MAX_BOXES 1024
#define MAX_LOOKBACK 64
#define MAX_HINTS DETECT_MAX_PASSES
#define PASS_DETS 256		/* candidates kept per pass */

/* Growth from YuNet's eyes-to-chin box to the whole head and hair. */
#define HEAD_SIDE 0.25f
#define HEAD_TOP 0.55f
#define HEAD_BOTTOM 0.3f

struct slot {
	struct AVFrame *f;
	double t;
	int64_t wall_us;
	int nsealed;		/* regions sealed into this frame so far */
	uint8_t *seal[SEAL_BUNDLE_MAX];	/* their payloads, bundled at pop */
	size_t seal_len[SEAL_BUNDLE_MAX];
	uint64_t seq;		/* detection job id, 0 if never submitted */
	double deadline;	/* monotonic seconds */
};

/* What one detection thread converts and scans with. */
struct scanner {
	struct detect *det;	/* its own network (the worker's also plans) */
	struct scale *sc;
	uint8_t *bgr;		/* one pass's network input */
	size_t bgr_size;
};

struct helper {
	struct pipeline *p;
	struct scanner s;
	pthread_t thread;
	int started;
};

struct pipeline {
	struct pipeline_opts o;
	struct detect *det;	/* == scan0.det */
	struct tracker *tr;
	struct obscure *obs;
	struct seal *seal;	/* encrypt mode */
	struct scanner scan0;	/* the worker's */
	struct helper help[PIPELINE_DETECT_THREADS - 1];
	int nhelp;

	/* The passes of the frame being scanned. pmu guards down to pquit. */
	pthread_mutex_t pmu;
	pthread_cond_t pass_cv, passdone_cv;
	struct AVFrame *pframe;
	struct detect_pass passes[DETECT_MAX_PASSES];
	int npass, pnext, pdone;
	int pret[DETECT_MAX_PASSES], pn[DETECT_MAX_PASSES];
	struct det *pres;	/* DETECT_MAX_PASSES x PASS_DETS */
	uint64_t pgen;
	int pquit;

	/* Detection worker. mu guards everything down to quit. */
	pthread_t thread;
	int thread_started;
	pthread_mutex_t mu;
	pthread_cond_t job_cv, done_cv;
	struct AVFrame *job_frame;	/* the worker's own reference */
	int job_tiles;
	struct box job_hints[MAX_HINTS];	/* tracked faces, for the plan */
	int job_nhints;
	uint64_t job_seq;	/* last submitted */
	int has_job, running;	/* outstanding = has_job || running */
	uint64_t res_seq;
	int res_ret, res_n;
	struct det res[MAX_DETS];
	double res_ms;
	struct detect_stats dst;
	int quit;

	/* Caller side. */
	struct slot cur;	/* scaled, detection pending */
	double last_t;		/* time of the previous pushed frame */
	double interval;	/* smoothed frame interval, seconds */
	int have_cur;
	struct slot line[MAX_LOOKBACK + 1];	/* processed, oldest first */
	int nline;
	int flushing;
	uint32_t max_id;	/* highest track id already applied */
	struct det dets[MAX_DETS];
	struct track_box boxes[MAX_BOXES];
	struct pipeline_stats st;
};

void
pipeline_defaults(struct pipeline_opts *o)
{
	memset(o, 0, sizeof *o);
	detect_defaults(&o->detect);
	track_defaults(&o->track);
	o->mode = OBSCURE_MASK;
	o->detect_timeout_ms = 10000;
	o->detect_threads = 2;
	o->lookback = 12;
	o->encode.codec = "libx264";
	o->encode.preset = "medium";
	o->encode.crf = -1;
	o->seal_segment = 1.0;
}

/* Convert pass q of f to BGR and run the network on it. */
static int
scan_pass(struct scanner *s, struct AVFrame *f, const struct detect_pass *q,
    struct det *out, int max, int *n)
{
	size_t need = (size_t)q->w * 3 * q->h;
	int ret;

	*n = 0;
	if (need > s->bgr_size) {
		uint8_t *nb = realloc(s->bgr, need);

		if (nb == NULL)
			return ERR_NOMEM;
		s->bgr = nb;
		s->bgr_size = need;
	}
	ret = scale_region_to_bgr(s->sc, f, q->src.x, q->src.y, q->src.w, q->src.h,
	    q->w, q->h, s->bgr, q->w * 3);
	if (ret < 0)
		return ret;
	return detect_pass_run(s->det, q, s->bgr, q->w * 3, out, max, n);
}

/*
 * Take and run passes of the current frame until none is left. Called
 * with pmu held; returns with it held.
 */
static void
take_passes(struct pipeline *p, struct scanner *s)
{
	while (p->pnext < p->npass) {
		int i = p->pnext++, n = 0, ret;

		pthread_mutex_unlock(&p->pmu);
		ret = scan_pass(s, p->pframe, &p->passes[i], p->pres + (size_t)i * PASS_DETS,
		    PASS_DETS, &n);
		pthread_mutex_lock(&p->pmu);
		p->pret[i] = ret;
		p->pn[i] = ret < 0 ? 0 : n;
		if (++p->pdone == p->npass)
			pthread_cond_signal(&p->passdone_cv);
	}
}

static void *
helper_main(void *arg)
{
	struct helper *h = arg;
	struct pipeline *p = h->p;
	uint64_t gen = 0;

	pthread_mutex_lock(&p->pmu);
	for (;;) {
		while (p->pgen == gen && !p->pquit)
			pthread_cond_wait(&p->pass_cv, &p->pmu);
		if (p->pquit)
			break;
		gen = p->pgen;
		take_passes(p, &h->s);
	}
	pthread_mutex_unlock(&p->pmu);
	return NULL;
}

/*
 * Detect faces in f: plan the passes, scan them on the worker and the
 * helpers, then filter and merge the candidates in pass order. Runs on
 * the worker thread.
 */
static int
detect_frame(struct pipeline *p, struct AVFrame *f, int tiles,
    const struct box *hints, int nhints, struct det *out, int *n)
{
	struct image img;
	int np, ret = 0;

	*n = 0;
	codecs_frame_image(f, &img);
	np = detect_plan(p->det, img.width, img.height, &img, tiles, hints, nhints,
	    p->passes);
	pthread_mutex_lock(&p->pmu);
	p->pframe = f;
	p->npass = np;
	p->pnext = p->pdone = 0;
	p->pgen++;
	if (p->nhelp > 0 && np > 1)
		pthread_cond_broadcast(&p->pass_cv);
	take_passes(p, &p->scan0);
	while (p->pdone < p->npass)
		pthread_cond_wait(&p->passdone_cv, &p->pmu);
	p->pframe = NULL;
	pthread_mutex_unlock(&p->pmu);
	for (int i = 0; i < np; i++) {
		int k = p->pn[i] < MAX_DETS - *n ? p->pn[i] : MAX_DETS - *n;

		if (p->pret[i] < 0 && ret == 0)
			ret = p->pret[i];
		memcpy(out + *n, p->pres + (size_t)i * PASS_DETS, (size_t)k * sizeof *out);
		*n += k;
	}
	if (ret < 0) {
		*n = 0;
		return ret;
	}
	*n = detect_finish(p->det, img.width, img.height, out, *n);
	return 0;
}

static void *
worker_main(void *arg)
{
	struct pipeline *p = arg;
	struct det *local = malloc(MAX_DETS * sizeof *local);

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct AVFrame *f;
		struct box hints[MAX_HINTS];
		uint64_t seq;
		int tiles, nhints, n = 0, ret;
		double t0, ms;

		while (!p->has_job && !p->quit)
			pthread_cond_wait(&p->job_cv, &p->mu);
		if (p->quit)
			break;
		seq = p->job_seq;
		f = p->job_frame;
		tiles = p->job_tiles;
		nhints = p->job_nhints;
		memcpy(hints, p->job_hints, (size_t)nhints * sizeof *hints);
		p->has_job = 0;
		p->running = 1;
		pthread_mutex_unlock(&p->mu);

		t0 = clock_mono();
		ret = local == NULL ? ERR_NOMEM :
		    detect_frame(p, f, tiles, hints, nhints, local, &n);
		ms = (clock_mono() - t0) * 1000;
		/* Drop our reference before reporting: the caller may then
		 * write into the frame without a copy. */
		codecs_frame_unref(f);

		pthread_mutex_lock(&p->mu);
		p->running = 0;
		p->res_seq = seq;
		p->res_ret = ret;
		p->res_n = ret < 0 ? 0 : n;
		if (p->res_n > 0)
			memcpy(p->res, local, (size_t)p->res_n * sizeof *local);
		p->res_ms = ms;
		detect_get_stats(p->det, &p->dst);
		pthread_cond_broadcast(&p->done_cv);
	}
	pthread_mutex_unlock(&p->mu);
	free(local);
	return NULL;
}

int
pipeline_create(const struct pipeline_opts *o, struct pipeline **out, char **cause)
{
	struct pipeline *p;
	pthread_condattr_t ca;
	int ret;

	*out = NULL;
	if (o->lookback < 0 || o->lookback > MAX_LOOKBACK) {
		err_cause(cause, "lookback must be 0..%d frames", MAX_LOOKBACK);
		return ERR_INVAL;
	}
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return ERR_NOMEM;
	p->o = *o;
	p->interval = 1.0 / 25;
	pthread_mutex_init(&p->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->done_cv, &ca);
	pthread_cond_init(&p->job_cv, NULL);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&p->pmu, NULL);
	pthread_cond_init(&p->pass_cv, NULL);
	pthread_cond_init(&p->passdone_cv, NULL);

	if (o->unseal != NULL) {
		/* Restoring: no detector, no look-back, frames pass straight. */
		p->o.lookback = 0;
		p->obs = obscure_create(OBSCURE_MASK);
		if (p->obs == NULL) {
			ret = ERR_NOMEM;
			goto fail;
		}
		*out = p;
		return 0;
	}
	if (o->detect_threads < 1 || o->detect_threads > PIPELINE_DETECT_THREADS) {
		err_cause(cause, "detect_threads must be 1..%d", PIPELINE_DETECT_THREADS);
		ret = ERR_INVAL;
		goto fail;
	}
	ret = detect_create(&o->detect, &p->scan0.det, cause);
	if (ret < 0)
		goto fail;
	p->det = p->scan0.det;
	p->scan0.sc = scale_create();
	p->pres = malloc((size_t)DETECT_MAX_PASSES * PASS_DETS * sizeof *p->pres);
	if (p->scan0.sc == NULL || p->pres == NULL) {
		ret = ERR_NOMEM;
		goto fail;
	}
	for (int i = 0; i < o->detect_threads - 1; i++) {
		struct helper *h = &p->help[i];

		h->p = p;
		p->nhelp++;
		ret = detect_create(&o->detect, &h->s.det, cause);
		if (ret < 0)
			goto fail;
		h->s.sc = scale_create();
		if (h->s.sc == NULL) {
			ret = ERR_NOMEM;
			goto fail;
		}
		if (pthread_create(&h->thread, NULL, helper_main, h) != 0) {
			ret = ERR_NOMEM;
			goto fail;
		}
		h->started = 1;
	}
	if (o->seal_key != NULL) {
		if (o->mode != OBSCURE_MASK) {
			err_cause(cause, "encrypt mode hides faces with the mask");
			ret = ERR_INVAL;
			goto fail;
		}
		ret = seal_create(o->seal_key, o->camera ? o->camera : "camera",
		    o->seal_segment, 1, &p->seal, cause);
		if (ret < 0)
			goto fail;
	}
	p->tr = track_create(&o->track);
	p->obs = obscure_create(o->mode);
	p->job_frame = codecs_frame_alloc();
	if (p->tr == NULL || p->obs == NULL || p->job_frame == NULL) {
		ret = ERR_NOMEM;
		goto fail;
	}
	if (pthread_create(&p->thread, NULL, worker_main, p) != 0) {
		ret = ERR_NOMEM;
		goto fail;
	}
	p->thread_started = 1;
	*out = p;
	return 0;
fail:
	pipeline_free(&p);
	return ret;
}

/* Drop a slot's frame and any seals not yet attached. */
static void
slot_clear(struct slot *s)
{
	codecs_frame_free(&s->f);
	for (int i = 0; i < s->nsealed; i++)
		free(s->seal[i]);
	s->nsealed = 0;
}

void
pipeline_free(struct pipeline **pp)
{
	struct pipeline *p;

	if (pp == NULL || *pp == NULL)
		return;
	p = *pp;
	if (p->thread_started) {
		pthread_mutex_lock(&p->mu);
		p->quit = 1;
		pthread_cond_signal(&p->job_cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->thread, NULL);
	}
	pthread_mutex_lock(&p->pmu);
	p->pquit = 1;
	pthread_cond_broadcast(&p->pass_cv);
	pthread_mutex_unlock(&p->pmu);
	for (int i = 0; i < p->nhelp; i++) {
		struct helper *h = &p->help[i];

		if (h->started)
			pthread_join(h->thread, NULL);
		detect_free(&h->s.det);
		scale_free(&h->s.sc);
		free(h->s.bgr);
	}
	slot_clear(&p->cur);
	for (int i = 0; i < p->nline; i++)
		slot_clear(&p->line[i]);
	detect_free(&p->scan0.det);
	p->det = NULL;
	track_free(&p->tr);
	obscure_free(&p->obs);
	seal_free(&p->seal);
	scale_free(&p->scan0.sc);
	free(p->scan0.bgr);
	free(p->pres);
	codecs_frame_free(&p->job_frame);
	pthread_cond_destroy(&p->pass_cv);
	pthread_cond_destroy(&p->passdone_cv);
	pthread_mutex_destroy(&p->pmu);
	pthread_cond_destroy(&p->job_cv);
	pthread_cond_destroy(&p->done_cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
	*pp = NULL;
}

/* Caller holds mu. */
static int
outstanding(const struct pipeline *p)
{
	return p->has_job || p->running;
}

/*
 * Fine tiles for this frame. Faces already tracked have their tiles
 * scanned every frame (hints); the rotation only has to find new ones.
 * A new face found within `lookback` frames of appearing is covered from
 * its first frame by the back-fill, so that is the rotation's period
 * (never longer than the hold time; half of it without look-back).
 */
static int
tiles_for(struct pipeline *p, int fw, int fh)
{
	int hold = (int)(p->o.track.hold / p->interval);
	int period = p->o.lookback > 0 ? p->o.lookback : hold / 2;

	if (period > hold)
		period = hold;
	return detect_tiles_per_frame(p->det, fw, fh, period < 1 ? 1 : period);
}

/*
 * Submit the current frame's detection job if the worker is free (it is
 * not while a late job still runs: then this frame will fail closed).
 */
static void
submit_cur(struct pipeline *p, int fw, int fh)
{
	int tiles = tiles_for(p, fw, fh);
	int nb = track_boxes(p->tr, p->boxes, MAX_BOXES);

	pthread_mutex_lock(&p->mu);
	if (!outstanding(p) && codecs_frame_ref(p->job_frame, p->cur.f) == 0) {
		p->job_tiles = tiles;
		/* Where the tracked faces are now: their tiles get scanned,
		 * smallest faces first (the coarse pass sees the large ones). */
		p->job_nhints = 0;
		for (int i = 0; i < nb && p->job_nhints < MAX_HINTS; i++) {
			int k = i;

			for (int j = i + 1; j < nb; j++)
				if (p->boxes[j].box.h < p->boxes[k].box.h)
					k = j;
			p->job_hints[p->job_nhints++] = p->boxes[k].box;
			p->boxes[k] = p->boxes[i];
		}
		p->job_seq++;
		p->has_job = 1;
		p->cur.seq = p->job_seq;
		p->cur.deadline = clock_mono() + p->o.detect_timeout_ms / 1000.0;
		pthread_cond_signal(&p->job_cv);
	}
	pthread_mutex_unlock(&p->mu);
}

/*
 * Encrypt mode: seal the pixels the cover is about to hide, and attach
 * the payload to the frame for the encoder's SEI. A failure leaves the
 * face hidden but not restorable (counted).
 */
static void
seal_cover(struct pipeline *p, struct slot *s, const struct image *img, struct box head,
    uint32_t track)
{
	struct rect r = obscure_bounds(img, head);
	struct seal_meta m = {
		.track = track,
		.order = (uint16_t)s->nsealed,
		.media_us = llround(s->t * 1e6),
		.wall_us = s->wall_us,
	};
	uint8_t *payload = NULL;
	size_t len = 0;
	int ret;

	if (r.w <= 0 || r.h <= 0)
		return;
	ret = s->nsealed == SEAL_BUNDLE_MAX ? ERR_INVAL :
	    seal_region(p->seal, img, r, &m, &payload, &len);
	if (ret < 0) {
		p->st.seal_errors++;
		log_warn("%s: region at %.3fs hidden but not sealed: %s",
		    p->o.camera ? p->o.camera : "camera", s->t, err_str(ret));
		return;
	}
	s->seal[s->nsealed] = payload;
	s->seal_len[s->nsealed] = len;
	s->nsealed++;
	p->st.sealed++;
	p->st.sealed_bytes += (int64_t)len;
}

static void
cover(struct pipeline *p, struct slot *s, struct box face, uint32_t track, int *failed)
{
	struct image img;
	struct box head = geom_head(face, HEAD_SIDE, HEAD_TOP, HEAD_BOTTOM);

	codecs_frame_image(s->f, &img);
	if (p->seal != NULL)
		seal_cover(p, s, &img, head, track);
	if (obscure_region(p->obs, &img, head) < 0) {
		obscure_full(&img);
		*failed = 1;
	}
}

/*
 * Apply detection to the current frame: wait for its result (until its
 * deadline), track, obscure, and move it into the look-back line.
 */
static int
finish_cur(struct pipeline *p)
{
	struct slot s = p->cur;
	struct image img;
	int got = 0, n = 0, nb, failed = 0, ret;

	memset(&p->cur, 0, sizeof p->cur);
	p->have_cur = 0;
	if (s.seq != 0) {
		struct timespec dl;

		dl.tv_sec = (time_t)s.deadline;
		dl.tv_nsec = (long)((s.deadline - (double)dl.tv_sec) * 1e9);
		pthread_mutex_lock(&p->mu);
		while (p->res_seq != s.seq) {
			if (pthread_cond_timedwait(&p->done_cv, &p->mu, &dl) == ETIMEDOUT &&
			    p->res_seq != s.seq)
				break;
		}
		if (p->res_seq == s.seq) {
			got = 1;
			if (p->res_ret < 0) {
				failed = 1;
			} else {
				n = p->res_n;
				memcpy(p->dets, p->res, (size_t)n * sizeof *p->dets);
			}
			p->st.detect_ms += p->res_ms;
			p->st.last_detect_ms = p->res_ms;
		}
		pthread_mutex_unlock(&p->mu);
	}
	if (!got)
		failed = 1;

	/*
	 * The decoder may still hold the picture as a reference: drawing
	 * into it takes a copy (3 MB at 1080p). A frame with nothing to
	 * hide goes out without one, unless it waits in the look-back line,
	 * where a face found later may be drawn into it.
	 */
	nb = 0;
	if (!failed) {
		int created = track_update(p->tr, s.t, p->dets, n);

		nb = track_boxes(p->tr, p->boxes, MAX_BOXES);
		if (log_get_level() >= LOG_DEBUG) {
			for (int i = 0; i < n; i++)
				log_debug("t=%.3f det %.0f,%.0f %.0fx%.0f score %.2f", s.t,
				    p->dets[i].box.x, p->dets[i].box.y, p->dets[i].box.w,
				    p->dets[i].box.h, p->dets[i].score);
			if (created > 0)
				log_debug("t=%.3f %d new face(s)", s.t, created);
		}
	}
	if (failed || nb > 0 || p->o.lookback > 0) {
		ret = codecs_frame_make_writable(s.f);
		if (ret < 0) {
			codecs_frame_free(&s.f);
			return ret;
		}
	}
	codecs_frame_image(s.f, &img);
	if (failed) {
		obscure_full(&img);
		p->st.fail_closed++;
		log_debug("frame at %.3fs fully obscured: detection %s", s.t,
		    s.seq == 0 ? "busy" : got ? "failed" : "late");
	} else {
		for (int i = 0; i < nb; i++)
			cover(p, &s, p->boxes[i].box, p->boxes[i].id, &failed);
		p->st.face_regions += nb;
		/*
		 * New faces: also hide them in the held frames before this
		 * one, where the face already was but was not found yet. At
		 * birth the motion is unknown: cover the same place, widened.
		 * At the second detection, cover the path extrapolated back.
		 */
		for (int i = 0; i < nb; i++) {
			const struct track_box *tb = &p->boxes[i];

			if (tb->id == 0 || tb->lost ||
			    !(tb->id > p->max_id || tb->hits == 2))
				continue;
			for (int k = 0; k < p->nline; k++) {
				struct box back = geom_scale(tb->box, 1.3f);
				int full = 0;

				if (tb->hits == 2 && track_backcast(p->tr, tb->id,
				    p->line[k].t, &back) < 0)
					continue;
				cover(p, &p->line[k], back, tb->id, &full);
				p->st.fail_closed += full;
			}
		}
		for (int i = 0; i < nb; i++)
			if (p->boxes[i].id > p->max_id)
				p->max_id = p->boxes[i].id;
		if (failed)
			p->st.fail_closed++;
	}
	s.seq = 0;
	p->line[p->nline++] = s;
	return 0;
}

/* Attach a leaving frame's seals as one SEI message. */
static int
attach_seals(struct pipeline *p, struct slot *s)
{
	uint8_t *bundle = NULL;
	size_t len = 0;
	int ret;

	if (s->nsealed == 0)
		return 0;
	ret = seal_bundle((const uint8_t *const *)s->seal, s->seal_len, s->nsealed, &bundle, &len);
	if (ret == 0)
		ret = sei_attach(s->f, seal_uuid, bundle, len);
	free(bundle);
	for (int i = 0; i < s->nsealed; i++)
		free(s->seal[i]);
	if (ret < 0) {
		p->st.seal_errors += s->nsealed;
		log_warn("%s: %d regions at %.3fs hidden but not sealed: %s",
		    p->o.camera ? p->o.camera : "camera", s->nsealed, s->t, err_str(ret));
	}
	s->nsealed = 0;
	return 0;
}

#define MAX_PAYLOADS 256

/* Restore mode: hand the frame and its seals to the unseal stage. */
static int
unseal_frame(struct pipeline *p, struct AVFrame *f, double t)
{
	struct sei_view v[MAX_PAYLOADS];
	struct pipeline_payload items[MAX_PAYLOADS];
	struct image img;
	int n = 0, nb, ret;

	if ((ret = codecs_frame_make_writable(f)) < 0)
		return ret;
	if (p->o.unseal->bundles != NULL) {
		struct pipeline_payload pp[MAX_PAYLOADS];

		nb = p->o.unseal->bundles(p->o.unseal->opaque, t, pp, MAX_PAYLOADS);
		for (int b = 0; b < nb; b++) {
			v[b].data = pp[b].data;
			v[b].size = pp[b].size;
		}
	} else {
		nb = codecs_frame_sei(f, seal_uuid, v, MAX_PAYLOADS);
	}
	for (int b = 0; b < nb && n < MAX_PAYLOADS; b++) {
		const uint8_t *d[SEAL_BUNDLE_MAX];
		size_t sz[SEAL_BUNDLE_MAX];
		int k = seal_unbundle(v[b].data, v[b].size, d, sz, SEAL_BUNDLE_MAX);

		if (k < 0)
			p->st.decode_errors++;	/* a damaged bundle: its faces stay masked */
		for (int i = 0; i < k && n < MAX_PAYLOADS; i++) {
			items[n].data = d[i];
			items[n].size = sz[i];
			n++;
		}
	}
	codecs_frame_image(f, &img);
	ret = p->o.unseal->fn(p->o.unseal->opaque, &img, items, n, t);
	codecs_frame_drop_sei(f);
	if (ret < 0)
		return ret;
	if (p->nline > MAX_LOOKBACK)
		return ERR_INVAL;
	p->line[p->nline].f = codecs_frame_alloc();
	if (p->line[p->nline].f == NULL)
		return ERR_NOMEM;
	codecs_frame_move(p->line[p->nline].f, f);
	p->line[p->nline].t = t;
	p->nline++;
	return 0;
}

int
pipeline_push(struct pipeline *p, struct AVFrame *f, double t, int64_t wall_us)
{
	struct image img;
	int ret, fw = 0, fh = 0;

	if (p->o.unseal != NULL) {
		if (f == NULL) {
			p->flushing = 1;
			return 0;
		}
		return unseal_frame(p, f, t);
	}
	if (f != NULL) {
		codecs_frame_image(f, &img);
		fw = img.width;
		fh = img.height;
	}
	if (p->have_cur) {
		ret = finish_cur(p);
		if (ret < 0)
			return ret;
	}
	if (f == NULL) {
		p->flushing = 1;
		return 0;
	}
	p->cur.f = codecs_frame_alloc();
	if (p->cur.f == NULL)
		return ERR_NOMEM;
	codecs_frame_move(p->cur.f, f);
	p->cur.t = t;
	p->cur.wall_us = wall_us;
	p->cur.nsealed = 0;
	if (p->last_t > 0 && t > p->last_t)
		p->interval = 0.8 * p->interval + 0.2 * fminf(1.0f, (float)(t - p->last_t));
	p->last_t = t;
	p->have_cur = 1;
	submit_cur(p, fw, fh);
	return 0;
}

int
pipeline_settle(struct pipeline *p)
{
	return p->have_cur ? finish_cur(p) : 0;
}

int
pipeline_pop(struct pipeline *p, struct AVFrame *f)
{
	if (p->nline == 0 || (!p->flushing && p->nline <= p->o.lookback))
		return ERR_AGAIN;
	attach_seals(p, &p->line[0]);
	codecs_frame_move(f, p->line[0].f);
	codecs_frame_free(&p->line[0].f);
	memmove(&p->line[0], &p->line[1], (size_t)(p->nline - 1) * sizeof p->line[0]);
	p->nline--;
	p->st.frames++;
	return 0;
}

void
pipeline_get_stats(struct pipeline *p, struct pipeline_stats *s)
{
	*s = p->st;
	s->faces = p->tr != NULL ? track_total(p->tr) : 0;
	pthread_mutex_lock(&p->mu);
	s->fine_passes = (int64_t)(p->dst.tiles_run + p->dst.hint_tiles);
	s->tiles_unchanged = (int64_t)p->dst.tiles_unchanged;
	s->tiles_flat = (int64_t)p->dst.tiles_flat;
	pthread_mutex_unlock(&p->mu);
}

/* ---- File to file --------------------------------------------------- */

#define MAX_PENDING 4096	/* packets queued before the first video frame */

struct filerun {
	const struct pipeline_opts *o;
	const char *in, *out;
	struct demux *dmx;
	struct decode *dec;
	struct pipeline *pl;
	struct encode *enc;
	struct mux *mux;
	int vidx;		/* input video stream */
	int *map;		/* input stream -> output stream, -1 dropped */
	int nstreams;
	int started;		/* mux header written */
	struct AVPacket **pending;
	int npending;
	struct AVFrame *frame;
	struct AVPacket *pkt;
	int64_t total_est;
	double t0, last_progress;
	struct pipeline_stats *st;
};

static void
progress(struct filerun *r, int final)
{
	struct pipeline_stats s;
	double now = clock_mono(), el, fps;

	if (!r->o->progress || (!final && now - r->last_progress < 0.5))
		return;
	r->last_progress = now;
	pipeline_get_stats(r->pl, &s);
	el = now - r->t0;
	fps = el > 0 ? s.frames / el : 0;
	if (final) {
		fprintf(stderr, "\r\033[K");
		return;
	}
	if (r->total_est > 0 && fps > 0 && s.frames <= r->total_est) {
		int eta = (int)((r->total_est - s.frames) / fps);

		fprintf(stderr, "\r\033[Kframe %lld/%lld  %.1f fps  faces %lld  ETA %d:%02d",
		    (long long)s.frames, (long long)r->total_est, fps,
		    (long long)s.faces, eta / 60, eta % 60);
	} else {
		fprintf(stderr, "\r\033[Kframe %lld  %.1f fps  faces %lld",
		    (long long)s.frames, fps, (long long)s.faces);
	}
	fflush(stderr);
}

/* Decide, once, which input streams go to the output and in what order. */
static int
map_streams(struct filerun *r, char **cause)
{
	char desc[64];
	int ret;

	for (int i = 0; i < r->nstreams; i++) {
		demux_describe(r->dmx, i, desc, sizeof desc);
		if (i == r->vidx) {
			ret = mux_add_encoded(r->mux, r->enc, demux_stream(r->dmx, i));
		} else if (demux_is_audio(r->dmx, i) && r->o->no_audio) {
			log_info("%s: dropping stream %s (--no-audio)", r->in, desc);
			ret = -1;
		} else if (demux_is_video(r->dmx, i)) {
			/* Another picture stream would carry faces in clear. */
			log_warn("%s: dropping stream %s: only one video stream is "
			    "anonymized, others are never copied", r->in, desc);
			ret = -1;
		} else {
			ret = mux_add_copy(r->mux, demux_stream(r->dmx, i));
			if (ret == ERR_UNSUPPORTED) {
				log_warn("%s: dropping stream %s: the output container "
				    "cannot hold it", r->in, desc);
				ret = -1;
			} else if (ret < 0) {
				return ret;
			}
		}
		r->map[i] = ret;
		if (i != r->vidx) {
			if (ret >= 0)
				r->st->streams_copied++;
			else
				r->st->streams_dropped++;
		}
	}
	return mux_start(r->mux, r->dmx, cause);
}

static int
write_copied(struct filerun *r, struct AVPacket *pkt)
{
	int in = codecs_packet_stream(pkt);

	if (r->map[in] < 0) {
		codecs_packet_unref(pkt);
		return 0;
	}
	return mux_write(r->mux, r->map[in], pkt, demux_stream(r->dmx, in));
}

static int
drain_encoder(struct filerun *r)
{
	int ret;

	for (;;) {
		ret = encode_receive(r->enc, r->pkt);
		if (ret == ERR_AGAIN || ret == ERR_EOF)
			return 0;
		if (ret < 0)
			return ret;
		ret = mux_write_encoded(r->mux, r->map[r->vidx], r->pkt, r->enc);
		if (ret < 0)
			return ret;
	}
}

/* Encode every finished frame the pipeline has. */
static int
drain_pipeline(struct filerun *r, char **cause)
{
	int ret;

	while ((ret = pipeline_pop(r->pl, r->frame)) == 0) {
		if (r->enc == NULL) {
			struct encode_opts eo = r->o->encode;

			eo.global_header = mux_global_header(r->mux);
			eo.udu_sei = r->o->seal_key != NULL;
			ret = encode_open(&eo, r->frame, demux_stream(r->dmx, r->vidx),
			    &r->enc, cause);
			if (ret < 0)
				return ret;
			ret = map_streams(r, cause);
			if (ret < 0)
				return ret;
			r->started = 1;
			for (int i = 0; i < r->npending; i++) {
				ret = write_copied(r, r->pending[i]);
				codecs_packet_free(&r->pending[i]);
				if (ret < 0)
					return ret;
			}
			r->npending = 0;
		}
		ret = encode_send(r->enc, r->frame);
		codecs_frame_unref(r->frame);
		if (ret < 0)
			return ret;
		ret = drain_encoder(r);
		if (ret < 0)
			return ret;
		progress(r, 0);
	}
	return ret == ERR_AGAIN ? 0 : ret;
}

static int
drain_decoder(struct filerun *r, char **cause)
{
	int ret;

	for (;;) {
		ret = decode_receive(r->dec, r->frame);
		if (ret == ERR_AGAIN || ret == ERR_EOF)
			return 0;
		if (ret == ERR_CORRUPT) {
			r->st->decode_errors++;
			continue;	/* a damaged frame: the decoder resyncs */
		}
		if (ret < 0)
			return ret;
		ret = pipeline_push(r->pl, r->frame,
		    codecs_frame_seconds(r->frame, demux_stream(r->dmx, r->vidx)), 0);
		if (ret < 0)
			return ret;
		ret = drain_pipeline(r, cause);
		if (ret < 0)
			return ret;
	}
}

static int
same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int
pipeline_run_file(const struct pipeline_opts *o, const char *in, const char *out,
    struct pipeline_stats *stats, char **cause)
{
	struct filerun r = { 0 };
	struct decode_opts dopt = { .keep_sei = o->unseal != NULL };
	struct pipeline_stats ps;
	char *sub = NULL;
	int ret;

	memset(stats, 0, sizeof *stats);
	*cause = NULL;
	r.o = o;
	r.in = in;
	r.out = out;
	r.st = stats;
	r.t0 = r.last_progress = clock_mono();
	if (same_file(in, out)) {
		err_cause(cause, "%s: output would overwrite the input %s", out, in);
		return ERR_INVAL;
	}
	ret = demux_open(in, &r.dmx, cause);
	if (ret < 0)
		goto out;
	r.vidx = demux_video_index(r.dmx);
	r.nstreams = demux_nb_streams(r.dmx);
	r.total_est = demux_frame_estimate(r.dmx);
	ret = decode_open(demux_stream(r.dmx, r.vidx), &dopt, &r.dec, &sub);
	if (ret < 0) {
		err_cause(cause, "%s: %s", in, sub ? sub : err_str(ret));
		goto out;
	}
	ret = mux_open(out, &r.mux, cause);
	if (ret < 0)
		goto out;
	ret = pipeline_create(o, &r.pl, cause);
	if (ret < 0)
		goto out;
	r.map = calloc((size_t)r.nstreams, sizeof *r.map);
	r.pending = calloc(MAX_PENDING, sizeof *r.pending);
	r.frame = codecs_frame_alloc();
	r.pkt = codecs_packet_alloc();
	if (r.map == NULL || r.pending == NULL || r.frame == NULL || r.pkt == NULL) {
		ret = ERR_NOMEM;
		goto out;
	}

	for (int bad = 0;;) {
		int si;

		ret = demux_read(r.dmx, r.pkt);
		if (ret == ERR_EOF)
			break;
		if (ret == ERR_CORRUPT) {
			stats->decode_errors++;
			log_warn("%s: skipping damaged data", in);
			/* A truncated file can report damage forever: keep what
			 * was read and finish. */
			if (++bad == 100) {
				log_warn("%s: too much damaged data, stopping here", in);
				break;
			}
			continue;
		}
		bad = 0;
		if (ret < 0) {
			err_cause(cause, "%s: read error: %s", in, err_str(ret));
			goto out;
		}
		si = codecs_packet_stream(r.pkt);
		if (si == r.vidx) {
			ret = decode_send(r.dec, r.pkt);
			codecs_packet_unref(r.pkt);
			if (ret < 0 && ret != ERR_CORRUPT) {
				err_cause(cause, "%s: decoding failed: %s", in, err_str(ret));
				goto out;
			}
			ret = drain_decoder(&r, cause);
			if (ret < 0)
				goto out;
		} else if (si >= r.nstreams) {
			codecs_packet_unref(r.pkt);	/* stream appeared mid-file */
		} else if (r.started) {
			ret = write_copied(&r, r.pkt);
			if (ret < 0) {
				err_cause(cause, "%s: write error: %s", out, err_str(ret));
				goto out;
			}
		} else {
			if (r.npending == MAX_PENDING) {
				err_cause(cause, "%s: no video frame was ready to encode "
				    "in the first %d packets", in, MAX_PENDING);
				ret = ERR_FORMAT;
				goto out;
			}
			r.pending[r.npending++] = r.pkt;
			r.pkt = codecs_packet_alloc();
			if (r.pkt == NULL) {
				ret = ERR_NOMEM;
				goto out;
			}
		}
	}
	/* Flush: decoder, then pipeline, then encoder. */
	decode_send(r.dec, NULL);
	ret = drain_decoder(&r, cause);
	if (ret < 0)
		goto out;
	ret = pipeline_push(r.pl, NULL, 0, 0);
	if (ret == 0)
		ret = drain_pipeline(&r, cause);
	if (ret < 0)
		goto out;
	if (r.enc == NULL) {
		err_cause(cause, "%s: no decodable video frames", in);
		ret = ERR_FORMAT;
		goto out;
	}
	encode_send(r.enc, NULL);
	ret = drain_encoder(&r);
	if (ret < 0) {
		err_cause(cause, "%s: encoding failed: %s", out, err_str(ret));
		goto out;
	}
	ret = mux_finish(r.mux, cause);
out:
	progress(&r, 1);
	if (r.pl != NULL) {
		pipeline_get_stats(r.pl, &ps);
		stats->frames = ps.frames;
		stats->face_regions = ps.face_regions;
		stats->faces = ps.faces;
		stats->fail_closed = ps.fail_closed;
		stats->detect_ms = ps.detect_ms;
		stats->fine_passes = ps.fine_passes;
		stats->tiles_unchanged = ps.tiles_unchanged;
		stats->tiles_flat = ps.tiles_flat;
		stats->sealed = ps.sealed;
		stats->sealed_bytes = ps.sealed_bytes;
		stats->seal_errors = ps.seal_errors;
	}
	if (r.dec != NULL)
		stats->decode_errors += decode_errors(r.dec);
	stats->seconds = clock_mono() - r.t0;
	if (ret < 0 && *cause == NULL)
		err_cause(cause, "%s: %s", out, err_str(ret));
	for (int i = 0; i < r.npending; i++)
		codecs_packet_free(&r.pending[i]);
	free(r.pending);
	free(r.map);
	free(sub);
	codecs_frame_free(&r.frame);
	codecs_packet_free(&r.pkt);
	pipeline_free(&r.pl);
	encode_free(&r.enc);
	mux_free(&r.mux);	/* removes the partial output on failure */
	decode_free(&r.dec);
	demux_free(&r.dmx);
	return ret;
}
