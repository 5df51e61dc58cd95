/*
 * Camera output hand-off: RTP packetization on the camera thread, a
 * bounded queue to the event loop, the GOP cache and the latency
 * histogram on the loop.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <sodium.h>

#include "../util/clock.h"
#include "../util/err.h"
#include "../util/log.h"
#include "media.h"
#include "rtp.h"

#define QUEUE_MAX	64		/* units between camera and loop */
#define GOP_MAX_UNITS	600		/* cache bounds: a GOP longer than this */
#define GOP_MAX_BYTES	(16u << 20)	/* is cut, readers wait for the next key */
#define RTP_MTU		1400
#define RTP_PT		96

const double media_lat_bounds[12] = {
	0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 1e300
};

struct media {
	char *name;
	struct event *ev;		/* activated by media_publish */
	media_sink_fn sink;
	void *sink_arg;

	pthread_mutex_t mu;		/* guards the fields up to 'loop only' */
	struct media_format fmt;
	int have_fmt;
	struct media_au *queue[QUEUE_MAX];
	int nqueue;
	struct media_stats st;

	/* camera thread only */
	struct rtp_packetizer rtp;
	uint32_t ts_base;
	uint8_t *pkbuf;
	size_t pkcap, pklen;
	int pkcount;

	/* loop only */
	struct media_au **gop;
	int ngop;
	size_t gop_bytes;
	int gop_cut;			/* cache overflowed: wait for the next key */
	uint32_t last_rtp;
	int64_t last_wall;
	int have_clock;
};

static void drain(evutil_socket_t fd, short what, void *arg);

int
media_create(struct event_base *base, const char *name, struct media **out)
{
	struct media *m;

	*out = NULL;
	m = calloc(1, sizeof *m);
	if (m == NULL)
		return ERR_NOMEM;
	pthread_mutex_init(&m->mu, NULL);
	m->name = strdup(name);
	m->gop = calloc(GOP_MAX_UNITS, sizeof *m->gop);
	m->ev = event_new(base, -1, 0, drain, m);
	if (m->name == NULL || m->gop == NULL || m->ev == NULL) {
		media_free(&m);
		return ERR_NOMEM;
	}
	m->rtp.pt = RTP_PT;
	m->rtp.ssrc = randombytes_random();
	m->rtp.seq = (uint16_t)randombytes_random();
	m->rtp.mtu = RTP_MTU;
	m->ts_base = randombytes_random();
	*out = m;
	return 0;
}

void
media_free(struct media **mp)
{
	struct media *m = mp ? *mp : NULL;

	if (m == NULL)
		return;
	if (m->ev != NULL)
		event_free(m->ev);
	pthread_mutex_destroy(&m->mu);
	for (int i = 0; i < m->nqueue; i++)
		free(m->queue[i]);
	for (int i = 0; m->gop != NULL && i < m->ngop; i++)
		media_au_unref(&m->gop[i]);
	free(m->gop);
	free(m->pkbuf);
	free(m->name);
	free(m);
	*mp = NULL;
}

const char *
media_name(const struct media *m)
{
	return m->name;
}

uint32_t
media_ssrc(const struct media *m)
{
	return m->rtp.ssrc;
}

void
media_set_sink(struct media *m, media_sink_fn fn, void *arg)
{
	m->sink = fn;
	m->sink_arg = arg;
}

int
media_set_format(struct media *m, int hevc, int width, int height, double fps,
    const uint8_t *first_key, size_t len)
{
	struct media_format f;
	int n;

	memset(&f, 0, sizeof f);
	f.hevc = hevc;
	f.width = width;
	f.height = height;
	f.fps = fps;
	n = rtp_sdp_media(hevc ? RTP_H265 : RTP_H264, RTP_PT, first_key, len,
	    f.sdp, sizeof f.sdp);
	if (n < 0)
		return ERR_FORMAT;
	m->rtp.codec = hevc ? RTP_H265 : RTP_H264;
	pthread_mutex_lock(&m->mu);
	m->fmt = f;
	m->have_fmt = 1;
	pthread_mutex_unlock(&m->mu);
	return 0;
}

void
media_clear_format(struct media *m)
{
	pthread_mutex_lock(&m->mu);
	m->have_fmt = 0;
	pthread_mutex_unlock(&m->mu);
}

int
media_get_format(struct media *m, struct media_format *f)
{
	int ret = ERR_AGAIN;

	pthread_mutex_lock(&m->mu);
	if (m->have_fmt) {
		if (f != NULL)
			*f = m->fmt;
		ret = 0;
	}
	pthread_mutex_unlock(&m->mu);
	return ret;
}

/* rtp_packetize callback: append one packet behind a 4-byte header. */
static int
collect(void *arg, const uint8_t *pkt, size_t len)
{
	struct media *m = arg;
	size_t need = m->pklen + 4 + len;

	if (len > 0xffff)
		return ERR_INVAL;
	if (need > m->pkcap) {
		size_t cap = m->pkcap ? m->pkcap : 65536;
		uint8_t *nb;

		while (cap < need)
			cap *= 2;
		nb = realloc(m->pkbuf, cap);
		if (nb == NULL)
			return ERR_NOMEM;
		m->pkbuf = nb;
		m->pkcap = cap;
	}
	m->pkbuf[m->pklen] = '$';
	m->pkbuf[m->pklen + 1] = 0;
	m->pkbuf[m->pklen + 2] = (uint8_t)(len >> 8);
	m->pkbuf[m->pklen + 3] = (uint8_t)len;
	memcpy(m->pkbuf + m->pklen + 4, pkt, len);
	m->pklen = need;
	m->pkcount++;
	return 0;
}

int
media_publish(struct media *m, const uint8_t *data, size_t len, int64_t pts90k,
    int key, double arrival, int64_t wall_us)
{
	struct media_au *au;
	uint32_t ts = m->ts_base + (uint32_t)pts90k;
	int kick = 0, ret;

	m->pklen = 0;
	m->pkcount = 0;
	ret = rtp_packetize(&m->rtp, data, len, ts, collect, m);
	if (ret < 0)
		return ret;
	if (m->pkcount == 0)
		return 0;
	au = malloc(sizeof *au + m->pklen);
	if (au == NULL)
		return ERR_NOMEM;
	au->refs = 1;
	au->rtp_ts = ts;
	au->key = key;
	au->arrival = arrival;
	au->wall_us = wall_us;
	au->npkts = m->pkcount;
	au->size = m->pklen;
	memcpy(au->data, m->pkbuf, m->pklen);

	pthread_mutex_lock(&m->mu);
	if (m->nqueue == QUEUE_MAX) {
		/* The loop is stuck: lose the oldest rather than grow. */
		free(m->queue[0]);
		memmove(&m->queue[0], &m->queue[1], (QUEUE_MAX - 1) * sizeof m->queue[0]);
		m->nqueue--;
		m->st.dropped++;
	}
	m->queue[m->nqueue++] = au;
	kick = m->nqueue == 1;
	m->st.aus++;
	m->st.bytes += (int64_t)len;
	pthread_mutex_unlock(&m->mu);
	if (kick)
		event_active(m->ev, EV_READ, 0);
	return 0;
}

int
media_au_next(const struct media_au *au, size_t *off, const uint8_t **pkt, size_t *len)
{
	size_t n;

	if (*off + 4 > au->size)
		return 0;
	n = (size_t)au->data[*off + 2] << 8 | au->data[*off + 3];
	if (*off + 4 + n > au->size)
		return 0;
	*pkt = au->data + *off + 4;
	*len = n;
	*off += 4 + n;
	return 1;
}

void
media_au_ref(struct media_au *au)
{
	au->refs++;
}

void
media_au_unref(struct media_au **au)
{
	if (*au != NULL && --(*au)->refs == 0)
		free(*au);
	*au = NULL;
}

static void
gop_clear(struct media *m)
{
	for (int i = 0; i < m->ngop; i++)
		media_au_unref(&m->gop[i]);
	m->ngop = 0;
	m->gop_bytes = 0;
}

static void
gop_add(struct media *m, struct media_au *au)
{
	if (au->key) {
		gop_clear(m);
		m->gop_cut = 0;
	}
	if (m->gop_cut || (m->ngop == 0 && !au->key))
		return;
	if (m->ngop == GOP_MAX_UNITS || m->gop_bytes + au->size > GOP_MAX_BYTES) {
		gop_clear(m);
		m->gop_cut = 1;
		return;
	}
	media_au_ref(au);
	m->gop[m->ngop++] = au;
	m->gop_bytes += au->size;
}

static void
drain(evutil_socket_t fd, short what, void *arg)
{
	struct media *m = arg;
	struct media_au *batch[QUEUE_MAX];
	int n;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&m->mu);
	n = m->nqueue;
	memcpy(batch, m->queue, (size_t)n * sizeof batch[0]);
	m->nqueue = 0;
	pthread_mutex_unlock(&m->mu);

	for (int i = 0; i < n; i++) {
		struct media_au *au = batch[i];
		double lat;
		int b = 0;

		gop_add(m, au);
		m->last_rtp = au->rtp_ts;
		m->last_wall = au->wall_us;
		m->have_clock = 1;
		if (m->sink != NULL)
			m->sink(m->sink_arg, m, au);
		lat = clock_mono() - au->arrival;
		while (lat > media_lat_bounds[b])
			b++;
		pthread_mutex_lock(&m->mu);
		m->st.lat_buckets[b]++;
		m->st.lat_sum += lat;
		m->st.lat_count++;
		pthread_mutex_unlock(&m->mu);
		media_au_unref(&au);
	}
}

int
media_gop(struct media *m, struct media_au ***aus)
{
	*aus = m->gop;
	return m->ngop;
}

size_t
media_gop_bytes(const struct media *m)
{
	return m->gop_bytes;
}

int
media_clock(struct media *m, uint32_t *rtp_ts, int64_t *wall_us)
{
	*rtp_ts = m->last_rtp;
	*wall_us = m->last_wall;
	return m->have_clock;
}

void
media_get_stats(struct media *m, struct media_stats *s)
{
	pthread_mutex_lock(&m->mu);
	*s = m->st;
	pthread_mutex_unlock(&m->mu);
}
