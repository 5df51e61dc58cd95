/*
 * Tracker. Association is greedy on a score mixing overlap and centre
 * distance (small fast faces often do not overlap their previous box at
 * all). Matched tracks take the detection's box as is: smoothing would
 * make the cover lag behind a moving face. Velocity is smoothed and only
 * used to extrapolate lost tracks, capped so a bad estimate cannot fling
 * the cover away from the face.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "track.h"

#define TRACK_MAX 256

struct track {
	struct box box;		/* last detected box */
	struct box first;	/* first detected box */
	double born;		/* time of the first detection */
	float vx, vy;		/* centre velocity, px/s */
	double seen;		/* time of last detection */
	float score;
	uint32_t id;
	int hits;
};

struct tracker {
	struct track_opts o;
	struct track tr[TRACK_MAX];
	int n;
	/* Detections of this update that found no track slot: still covered. */
	struct box overflow[TRACK_MAX];
	int noverflow;
	double now;
	uint32_t next_id;
};

void
track_defaults(struct track_opts *o)
{
	o->hold = 1.0f;
	o->grow = 0.5f;
	o->max_speed = 3.0f;
}

struct tracker *
track_create(const struct track_opts *o)
{
	struct tracker *t = calloc(1, sizeof *t);

	if (t == NULL)
		return NULL;
	if (o != NULL)
		t->o = *o;
	else
		track_defaults(&t->o);
	t->next_id = 1;
	return t;
}

void
track_free(struct tracker **t)
{
	if (t == NULL || *t == NULL)
		return;
	free(*t);
	*t = NULL;
}

/* Where track k is expected at time `at`: extrapolated, grown with age. */
static struct box
predict(const struct tracker *t, const struct track *k, double at)
{
	float dt = (float)(at - k->seen);
	float cap = t->o.max_speed * k->box.w;
	float vx = fmaxf(-cap, fminf(cap, k->vx));
	float vy = fmaxf(-cap, fminf(cap, k->vy));
	struct box b = k->box;

	if (dt <= 0)
		return b;
	b.x += vx * dt;
	b.y += vy * dt;
	return geom_scale(b, 1 + t->o.grow * dt);
}

static float
centre_dist(struct box a, struct box b)
{
	float dx = (a.x + a.w / 2) - (b.x + b.w / 2);
	float dy = (a.y + a.h / 2) - (b.y + b.h / 2);

	return sqrtf(dx * dx + dy * dy);
}

/* Association score of track box p and detection d; <= 0 means no match. */
static float
match_score(struct box p, struct box d)
{
	float iou = geom_iou(p, d);
	float size = fmaxf(fmaxf(p.w, p.h), fmaxf(d.w, d.h));
	float dist = centre_dist(p, d) / size;
	float ratio = (d.w * d.h) / fmaxf(1e-3f, p.w * p.h);

	if (ratio > 4 || ratio < 0.25f)
		return 0;	/* a different face that happens to be near */
	if (iou <= 0 && dist > 1.0f)
		return 0;
	return iou + (1.0f - fminf(dist, 1.0f)) * 0.5f;
}

int
track_update(struct tracker *t, double now, const struct det *dets, int n)
{
	unsigned char used_t[TRACK_MAX] = { 0 };
	unsigned char *used_d;
	struct box pred[TRACK_MAX];
	int created = 0;

	used_d = calloc((size_t)(n > 0 ? n : 1), 1);
	if (used_d == NULL)
		return 0;
	t->now = now;
	for (int k = 0; k < t->n; k++)
		pred[k] = predict(t, &t->tr[k], now);

	/* Greedy association: repeatedly take the best remaining pair. */
	for (;;) {
		float best = 0;
		int bk = -1, bd = -1;

		for (int k = 0; k < t->n; k++) {
			if (used_t[k])
				continue;
			for (int i = 0; i < n; i++) {
				float s;

				if (used_d[i])
					continue;
				s = match_score(pred[k], dets[i].box);
				if (s > best) {
					best = s;
					bk = k;
					bd = i;
				}
			}
		}
		if (bk < 0)
			break;
		used_t[bk] = used_d[bd] = 1;

		struct track *k = &t->tr[bk];
		float dt = (float)(now - k->seen);
		struct box nb = dets[bd].box;

		if (dt > 0) {
			float vx = ((nb.x + nb.w / 2) - (k->box.x + k->box.w / 2)) / dt;
			float vy = ((nb.y + nb.h / 2) - (k->box.y + k->box.h / 2)) / dt;

			k->vx = k->hits > 1 ? 0.5f * k->vx + 0.5f * vx : vx;
			k->vy = k->hits > 1 ? 0.5f * k->vy + 0.5f * vy : vy;
		}
		k->box = nb;
		k->seen = now;
		k->score = dets[bd].score;
		k->hits++;
	}

	/* Drop tracks lost for longer than hold. */
	for (int k = 0; k < t->n;) {
		if (now - t->tr[k].seen > t->o.hold) {
			t->tr[k] = t->tr[--t->n];
			used_t[k] = used_t[t->n];
		} else {
			k++;
		}
	}

	/* New faces. If the table is full the oldest-seen track is replaced
	 * (a face in front of the camera now matters more than a stale one);
	 * if every track was seen just now, the face is covered this frame
	 * without a track. */
	t->noverflow = 0;
	for (int i = 0; i < n; i++) {
		struct track *k;

		if (used_d[i])
			continue;
		if (t->n < TRACK_MAX) {
			k = &t->tr[t->n++];
		} else {
			k = &t->tr[0];
			for (int j = 1; j < t->n; j++)
				if (t->tr[j].seen < k->seen)
					k = &t->tr[j];
			if (k->seen >= now) {
				if (t->noverflow < TRACK_MAX)
					t->overflow[t->noverflow++] = dets[i].box;
				continue;
			}
		}
		memset(k, 0, sizeof *k);
		k->box = k->first = dets[i].box;
		k->seen = k->born = now;
		k->score = dets[i].score;
		k->hits = 1;
		k->id = t->next_id++;
		created++;
	}
	free(used_d);
	return created;
}

int
track_boxes(const struct tracker *t, struct track_box *out, int max)
{
	int n = 0;

	for (int k = 0; k < t->n && n < max; k++) {
		const struct track *tr = &t->tr[k];

		out[n].box = predict(t, tr, t->now);
		out[n].id = tr->id;
		out[n].lost = tr->seen < t->now;
		out[n].score = tr->score;
		out[n].hits = tr->hits;
		n++;
	}
	for (int k = 0; k < t->noverflow && n < max; k++) {
		out[n].box = t->overflow[k];
		out[n].id = 0;
		out[n].lost = 0;
		out[n].score = 0;
		out[n].hits = 1;
		n++;
	}
	return n;
}

uint32_t
track_total(const struct tracker *t)
{
	return t->next_id - 1;
}

int
track_backcast(const struct tracker *t, uint32_t id, double at, struct box *out)
{
	for (int k = 0; k < t->n; k++) {
		const struct track *tr = &t->tr[k];
		float dt, cap, vx, vy;

		if (tr->id != id)
			continue;
		dt = (float)(tr->born - at);
		if (dt <= 0)
			return -1;	/* not before the first detection */
		cap = t->o.max_speed * tr->first.w;
		vx = fmaxf(-cap, fminf(cap, tr->vx));
		vy = fmaxf(-cap, fminf(cap, tr->vy));
		*out = tr->first;
		out->x -= vx * dt;
		out->y -= vy * dt;
		*out = geom_scale(*out, 1 + t->o.grow * dt);
		return 0;
	}
	return -1;
}
