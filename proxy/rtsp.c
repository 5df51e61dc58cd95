/*
 * RTSP server: connections, sessions, mounts, and the fan-out of RTP
 * packets to readers. Single-threaded (the event loop).
 *
 * A DESCRIBE for a camera that has no stream yet (the proxy just started,
 * the camera is reconnecting) is parked rather than refused: recorders
 * (ffmpeg, VLC, most NVRs) give up on a 503 instead of retrying. The
 * connection keeps the request; the mount's first access unit once the
 * camera streams answers it, or a timer answers 503 after describe_wait.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <sodium.h>

#include "../util/clock.h"
#include "../util/err.h"
#include "../util/log.h"
#include "../util/net.h"
#include "auth.h"
#include "media.h"
#include "rtp.h"
#include "rtsp.h"
#include "rtsp_msg.h"

#ifndef TAILQ_FOREACH_SAFE	/* glibc's sys/queue.h lacks it */
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST((head));				\
	    (var) && ((tvar) = TAILQ_NEXT((var), field), 1);		\
	    (var) = (tvar))
#endif

#define MAX_CONNS	512
#define MAX_SESSIONS	4		/* per connection */
#define SOFT_LIMIT	(1u << 20)	/* bytes queued to a TCP reader (beyond a GOP)
					   before it skips to the next keyframe */
#define SNDBUF		(512 << 10)	/* kernel send buffer per reader */
#define STALL_DROP	10.0		/* seconds of skipping before a reader is dropped */
#define SR_INTERVAL	5.0		/* seconds between RTCP sender reports */
#define IDLE_TIMEOUT	60.0		/* a connection with no session */
#define UDP_PORT_MIN	20000
#define UDP_PORT_MAX	60000

struct mount;
struct conn;

struct session {
	TAILQ_ENTRY(session) in_conn;
	TAILQ_ENTRY(session) in_mount;
	char id[17];
	struct conn *conn;
	struct mount *mount;
	int mounted;		/* linked into mount->sessions */
	int tcp;
	int ch_rtp, ch_rtcp;
	int fd_rtp, fd_rtcp;
	struct event *ev_rtcp;
	int server_port;
	int playing;
	int need_key;		/* skip to the next keyframe */
	double skip_since;	/* when skipping for back-pressure began */
	double last_seen;
	double last_sr;
	uint32_t packets, octets;
	uint64_t au_gen;	/* the mount's unit this session was last offered */
};

struct conn {
	TAILQ_ENTRY(conn) link;
	struct rtsp_server *srv;
	struct bufferevent *bev;
	char peer[INET6_ADDRSTRLEN + 8];
	struct sockaddr_storage peer_addr, local_addr;
	socklen_t peer_len;
	TAILQ_HEAD(, session) sessions;
	int nsessions;
	double last_seen;
	int closing;		/* close once the output is flushed */
	/* A DESCRIBE waiting for its camera's stream (at most one: a new
	 * request from the client ends the wait first). */
	struct rtsp_req *parked;	/* copy, header pointers cleared */
	struct mount *park_mount;
	struct event *park_timer;	/* describe_wait */
	double park_since;
	TAILQ_ENTRY(conn) park_link;	/* in park_mount->parked */
};

struct mount {
	TAILQ_ENTRY(mount) link;
	struct rtsp_server *srv;
	struct media *media;
	char **users;
	TAILQ_HEAD(, session) sessions;
	TAILQ_HEAD(, conn) parked;	/* DESCRIBEs waiting for the stream */
	int disabled;			/* the camera is not pulled */
	uint64_t au_gen;		/* units fanned out so far */
	struct rtsp_mount_stats st;
};

struct rtsp_server {
	struct event_base *base;
	struct evconnlistener *listener;
	struct event *tick;
	struct auth *auth;
	int port;
	int session_timeout;
	double describe_wait;
	int draining;
	TAILQ_HEAD(, conn) conns;
	int nconns;
	TAILQ_HEAD(, mount) mounts;
};

static struct mount *
find_mount(struct rtsp_server *s, const char *name, size_t len)
{
	struct mount *m;

	TAILQ_FOREACH(m, &s->mounts, link) {
		const char *n = media_name(m->media);

		if (strlen(n) == len && memcmp(n, name, len) == 0)
			return m;
	}
	return NULL;
}

/* ---- sending ---------------------------------------------------------- */

static void conn_close(struct conn *c);

static void
send_rtcp(struct session *ss, const uint8_t *pkt, size_t len)
{
	if (ss->tcp) {
		uint8_t hdr[4] = { '$', (uint8_t)ss->ch_rtcp, (uint8_t)(len >> 8), (uint8_t)len };
		struct evbuffer *out = bufferevent_get_output(ss->conn->bev);

		if (evbuffer_get_length(out) < SOFT_LIMIT) {
			evbuffer_add(out, hdr, 4);
			evbuffer_add(out, pkt, len);
		}
	} else if (ss->fd_rtcp >= 0) {
		(void)send(ss->fd_rtcp, pkt, len, MSG_DONTWAIT);
	}
}

/* Sender report (and BYE when leaving). */
static void
send_sr(struct session *ss, int bye)
{
	uint8_t buf[256];
	uint32_t rtp_ts = 0;
	int64_t wall = 0;
	struct timespec now;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &now);
	if (media_clock(ss->mount->media, &rtp_ts, &wall)) {
		int64_t now_us = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;

		rtp_ts += (uint32_t)((now_us - wall) * 9 / 100);
	}
	n = rtcp_sender_report(media_ssrc(ss->mount->media), rtp_ntp_time(&now),
	    rtp_ts, ss->packets, ss->octets, "camveil", buf, sizeof buf - 8);
	if (n == 0)
		return;
	if (bye) {
		uint32_t ssrc = media_ssrc(ss->mount->media);

		buf[n] = 0x81;		/* V=2, SC=1 */
		buf[n + 1] = 203;	/* BYE */
		buf[n + 2] = 0;
		buf[n + 3] = 1;
		buf[n + 4] = (uint8_t)(ssrc >> 24);
		buf[n + 5] = (uint8_t)(ssrc >> 16);
		buf[n + 6] = (uint8_t)(ssrc >> 8);
		buf[n + 7] = (uint8_t)ssrc;
		n += 8;
	}
	send_rtcp(ss, buf, n);
	ss->last_sr = clock_mono();
}

/*
 * Send one access unit to one reader, or skip it if the reader is behind.
 * -1 if the reader was disconnected (ss and its connection are freed).
 */
static int
send_au(struct session *ss, struct media_au *au)
{
	struct mount *m = ss->mount;
	const uint8_t *pkt;
	size_t off = 0, len;

	if (!ss->playing)
		return 0;
	if (ss->tcp) {
		struct evbuffer *out = bufferevent_get_output(ss->conn->bev);
		size_t pending = evbuffer_get_length(out);

		if (pending > SOFT_LIMIT + media_gop_bytes(m->media)) {
			if (!ss->need_key) {
				ss->need_key = 1;
				ss->skip_since = clock_mono();
				log_info("rtsp %s: reader %s is behind (%zu KiB queued): "
				    "skipping to the next keyframe", media_name(m->media),
				    ss->conn->peer, pending >> 10);
			} else if (clock_mono() - ss->skip_since > STALL_DROP) {
				log_warn("rtsp %s: reader %s stalled for %.0f s: disconnecting",
				    media_name(m->media), ss->conn->peer, STALL_DROP);
				m->st.dropped_readers++;
				conn_close(ss->conn);
				return -1;
			}
			m->st.skipped++;
			return 0;
		}
		if (ss->need_key && !au->key) {
			m->st.skipped++;
			return 0;
		}
		ss->need_key = 0;
		if (ss->ch_rtp == 0) {
			evbuffer_add(out, au->data, au->size);
		} else {
			while (media_au_next(au, &off, &pkt, &len)) {
				uint8_t hdr[4] = { '$', (uint8_t)ss->ch_rtp,
				    (uint8_t)(len >> 8), (uint8_t)len };

				evbuffer_add(out, hdr, 4);
				evbuffer_add(out, pkt, len);
			}
		}
	} else {
		int lost = 0;

		if (ss->need_key && !au->key) {
			m->st.skipped++;
			return 0;
		}
		ss->need_key = 0;
		while (media_au_next(au, &off, &pkt, &len))
			if (send(ss->fd_rtp, pkt, len, MSG_DONTWAIT) < 0 &&
			    (errno == EAGAIN || errno == EWOULDBLOCK))
				lost = 1;
		if (lost)	/* the picture is damaged: resync at a key */
			ss->need_key = 1;
	}
	ss->packets += (uint32_t)au->npkts;
	ss->octets += (uint32_t)(au->size - (size_t)au->npkts * (4 + RTP_HEADER_LEN));
	m->st.bytes_sent += (int64_t)au->size;
	return 0;
}

static void unpark_mount(struct mount *m, int status);

/*
 * The media's sink: every unit to every playing reader of the mount. A
 * unit also means the camera streams: parked DESCRIBEs get their answer.
 */
static void
on_au(void *arg, struct media *media, struct media_au *au)
{
	struct mount *m = arg;
	struct session *ss;

	(void)media;
	m->au_gen++;
again:
	/* Dropping a reader closes its connection and every session on it,
	 * which may include the next one in this list: start over then,
	 * skipping the sessions already offered this unit. */
	TAILQ_FOREACH(ss, &m->sessions, in_mount) {
		if (ss->au_gen == m->au_gen)
			continue;
		ss->au_gen = m->au_gen;
		if (send_au(ss, au) < 0)
			goto again;
	}
	if (!TAILQ_EMPTY(&m->parked))
		unpark_mount(m, 200);
}

/* ---- sessions ----------------------------------------------------------- */

static void
session_free(struct session *ss, int bye)
{
	struct conn *c = ss->conn;

	if (bye && ss->playing)
		send_sr(ss, 1);
	if (ss->mounted) {
		TAILQ_REMOVE(&ss->mount->sessions, ss, in_mount);
		if (ss->playing)
			ss->mount->st.readers--;
	}
	TAILQ_REMOVE(&c->sessions, ss, in_conn);
	c->nsessions--;
	if (ss->ev_rtcp != NULL)
		event_free(ss->ev_rtcp);
	if (ss->fd_rtp >= 0)
		close(ss->fd_rtp);
	if (ss->fd_rtcp >= 0)
		close(ss->fd_rtcp);
	log_debug("rtsp: session %s of %s closed", ss->id, c->peer);
	free(ss);
}

static struct session *
find_session(struct conn *c, const char *id)
{
	struct session *ss;

	if (id == NULL)
		return NULL;
	TAILQ_FOREACH(ss, &c->sessions, in_conn)
		if (strcmp(ss->id, id) == 0)
			return ss;
	return NULL;
}

static void
on_rtcp_udp(evutil_socket_t fd, short what, void *arg)
{
	struct session *ss = arg;
	uint8_t buf[2048];
	struct rtcp_rr rr;
	ssize_t n;

	(void)what;
	while ((n = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0) {
		if (rtcp_parse_rr(buf, (size_t)n, &rr) == 0) {
			ss->last_seen = clock_mono();
			ss->conn->last_seen = ss->last_seen;
		}
	}
}

/* Two UDP sockets on an even/odd port pair, sending to the reader. */
static int
udp_open(struct session *ss, const struct rtsp_transport *t)
{
	struct conn *c = ss->conn;
	struct sockaddr_storage local = c->local_addr, dst = c->peer_addr;
	socklen_t alen = c->peer_len;
	int fam = local.ss_family;

	for (int attempt = 0; attempt < 64; attempt++) {
		int port = UDP_PORT_MIN + 2 * (int)randombytes_uniform(
		    (UDP_PORT_MAX - UDP_PORT_MIN) / 2);
		int fds[2] = { -1, -1 }, ok = 1;

		for (int k = 0; k < 2 && ok; k++) {
			struct sockaddr_storage a = local;

			if (fam == AF_INET)
				((struct sockaddr_in *)&a)->sin_port = htons((uint16_t)(port + k));
			else
				((struct sockaddr_in6 *)&a)->sin6_port = htons((uint16_t)(port + k));
			fds[k] = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			ok = fds[k] >= 0 && bind(fds[k], (struct sockaddr *)&a, alen) == 0;
			if (ok) {
				struct sockaddr_storage d = dst;

				if (fam == AF_INET)
					((struct sockaddr_in *)&d)->sin_port =
					    htons((uint16_t)t->client_port[k]);
				else
					((struct sockaddr_in6 *)&d)->sin6_port =
					    htons((uint16_t)t->client_port[k]);
				ok = connect(fds[k], (struct sockaddr *)&d, alen) == 0;
			}
		}
		if (ok) {
			int sz = 4 << 20;

			(void)setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
			ss->fd_rtp = fds[0];
			ss->fd_rtcp = fds[1];
			ss->server_port = port;
			ss->ev_rtcp = event_new(c->srv->base, fds[1], EV_READ | EV_PERSIST,
			    on_rtcp_udp, ss);
			if (ss->ev_rtcp == NULL || event_add(ss->ev_rtcp, NULL) < 0)
				return ERR_NOMEM;
			return 0;
		}
		for (int k = 0; k < 2; k++)
			if (fds[k] >= 0)
				close(fds[k]);
		if (errno != EADDRINUSE)
			break;
	}
	return ERR_IO;
}

/* ---- replies -------------------------------------------------------------- */

static void
reply(struct conn *c, const struct rtsp_req *r, int status, const char *headers,
    const char *body)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t blen = body ? strlen(body) : 0;
	char date[64];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	evbuffer_add_printf(out, "RTSP/1.0 %d %s\r\n", status, rtsp_reason(status));
	if (r != NULL && r->cseq >= 0)
		evbuffer_add_printf(out, "CSeq: %ld\r\n", r->cseq);
	evbuffer_add_printf(out, "Server: camveil\r\nDate: %s\r\n%s", date,
	    headers ? headers : "");
	if (blen > 0)
		evbuffer_add_printf(out, "Content-Length: %zu\r\n\r\n%s", blen, body);
	else
		evbuffer_add_printf(out, "\r\n");
	if (status >= 400)
		log_info("rtsp %s: %s %s -> %d %s", c->peer, r && r->method_name[0] ?
		    r->method_name : "?", r && r->uri[0] ? r->uri : "", status,
		    rtsp_reason(status));
}

/* Reply with an error and close the connection (hostile or broken peer). */
static void
reply_close(struct conn *c, const struct rtsp_req *r, int status)
{
	reply(c, r, status, "Connection: close\r\n", NULL);
	c->closing = 1;
}

/* ---- methods ----------------------------------------------------------------- */

#define PUBLIC "Public: OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, " \
	"GET_PARAMETER, SET_PARAMETER\r\n"

/* Resolve the mount of a request path: "<name>" or "<name>/<track>". */
static struct mount *
mount_of(struct conn *c, const struct rtsp_req *r, const char **rest)
{
	size_t n = strcspn(r->path, "/");

	*rest = r->path[n] ? r->path + n + 1 : "";
	return find_mount(c->srv, r->path, n);
}

/* 0 if the request may go on; otherwise a reply was sent. */
static int
authorize(struct conn *c, const struct rtsp_req *r, struct mount *m)
{
	char user[AUTH_NAME_MAX + 1], hdr[AUTH_CHALLENGE_MAX];
	struct auth *a = c->srv->auth;
	int ret;

	if (a == NULL || !auth_enabled(a))
		return 0;
	ret = auth_check(a, time(NULL), r->method_name, r->uri,
	    r->authorization ? r->authorization : "",
	    m ? (const char *const *)m->users : NULL, user, sizeof user);
	if (ret == 0)
		return 0;
	if (auth_challenge(a, time(NULL), ret == ERR_AUTH_STALE, hdr, sizeof hdr) < 0)
		hdr[0] = '\0';
	if (r->authorization != NULL && ret != ERR_AUTH_STALE)
		log_warn("rtsp %s: %s %s: authentication failed", c->peer,
		    r->method_name, r->uri);
	reply(c, r, 401, hdr, NULL);
	return -1;
}

/* 200 with the SDP of m's stream; ERR_AGAIN (nothing sent) if it has none yet. */
static int
describe_reply(struct conn *c, const struct rtsp_req *r, struct mount *m)
{
	struct media_format f;
	char body[4096], hdr[RTSP_URI_MAX + 128], host[INET6_ADDRSTRLEN];
	const char *slash;

	if (media_get_format(m->media, &f) < 0)
		return ERR_AGAIN;
	if (c->local_addr.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&c->local_addr)->sin6_addr,
		    host, sizeof host);
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&c->local_addr)->sin_addr,
		    host, sizeof host);
	snprintf(body, sizeof body,
	    "v=0\r\n"
	    "o=- %u 1 IN %s %s\r\n"
	    "s=camveil %s\r\n"
	    "c=IN %s %s\r\n"
	    "t=0 0\r\n"
	    "a=tool:camveil\r\n"
	    "a=range:npt=now-\r\n"
	    "a=control:*\r\n"
	    "%s"
	    "a=framerate:%.3g\r\n"
	    "a=control:trackID=0\r\n",
	    media_ssrc(m->media), c->local_addr.ss_family == AF_INET6 ? "IP6" : "IP4",
	    host, media_name(m->media),
	    c->local_addr.ss_family == AF_INET6 ? "IP6" : "IP4",
	    c->local_addr.ss_family == AF_INET6 ? "::" : "0.0.0.0", f.sdp, f.fps);
	slash = r->uri[0] && r->uri[strlen(r->uri) - 1] == '/' ? "" : "/";
	snprintf(hdr, sizeof hdr, "Content-Base: %s%s\r\nContent-Type: application/sdp\r\n",
	    r->uri, slash);
	reply(c, r, 200, hdr, body);
	return 0;
}

/*
 * End c's wait. status 200: answer with the SDP if the stream is there,
 * else 503 (the camera is still away; a reader that retries should);
 * 404: the camera was removed; 0: no answer (the connection is going).
 */
static void
unpark(struct conn *c, int status)
{
	struct rtsp_req *r = c->parked;
	struct mount *m = c->park_mount;

	if (r == NULL)
		return;
	TAILQ_REMOVE(&m->parked, c, park_link);
	event_free(c->park_timer);
	c->park_timer = NULL;
	c->parked = NULL;
	c->park_mount = NULL;
	if (status == 200 && describe_reply(c, r, m) == 0)
		log_info("rtsp %s: DESCRIBE %s answered after waiting %.2f s for the "
		    "camera", c->peer, media_name(m->media),
		    clock_mono() - c->park_since);
	else if (status == 200)
		reply(c, r, 503, "Retry-After: 2\r\n", NULL);
	else if (status != 0)
		reply(c, r, status, NULL, NULL);
	free(r);
}

static void
unpark_mount(struct mount *m, int status)
{
	struct conn *c;

	if (status == 200 && media_get_format(m->media, NULL) < 0)
		return;		/* a unit from before the camera went away */
	while ((c = TAILQ_FIRST(&m->parked)) != NULL)
		unpark(c, status);
}

static void
on_park_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	unpark(arg, 200);
}

/* Keep r until m's camera streams, describe_wait at most. */
static void
park(struct conn *c, const struct rtsp_req *r, struct mount *m)
{
	double wait = c->srv->describe_wait;
	struct timeval tv = { (time_t)wait, (suseconds_t)((wait - (int)wait) * 1e6) };

	assert(c->parked == NULL);
	if (m->disabled || wait <= 0) {
		log_info("rtsp %s: DESCRIBE %s: 503, the camera %s", c->peer,
		    media_name(m->media), m->disabled ? "is disabled" : "has no stream yet");
		reply(c, r, 503, "Retry-After: 2\r\n", NULL);
		return;
	}
	c->parked = malloc(sizeof *c->parked);
	c->park_timer = evtimer_new(c->srv->base, on_park_timeout, c);
	if (c->parked == NULL || c->park_timer == NULL ||
	    evtimer_add(c->park_timer, &tv) < 0) {
		free(c->parked);
		c->parked = NULL;
		if (c->park_timer != NULL)
			event_free(c->park_timer);
		c->park_timer = NULL;
		reply(c, r, 503, "Retry-After: 2\r\n", NULL);
		return;
	}
	/* Only what a reply uses: the header pointers refer to the input. */
	*c->parked = *r;
	c->parked->session = c->parked->transport = c->parked->authorization = NULL;
	c->parked->require = c->parked->user_agent = NULL;
	c->park_mount = m;
	c->park_since = clock_mono();
	TAILQ_INSERT_TAIL(&m->parked, c, park_link);
	log_debug("rtsp %s: DESCRIBE %s: the camera has no stream yet: waiting up to "
	    "%.1f s", c->peer, media_name(m->media), wait);
}

static void
do_describe(struct conn *c, const struct rtsp_req *r, struct mount *m, const char *rest)
{
	if (m == NULL || rest[0] != '\0') {
		reply(c, r, 404, NULL, NULL);
		return;
	}
	if (describe_reply(c, r, m) < 0)
		park(c, r, m);	/* the camera is (re)connecting */
}

static void
do_setup(struct conn *c, const struct rtsp_req *r, struct mount *m, const char *rest)
{
	struct rtsp_transport t;
	struct session *ss;
	char hdr[512];
	int status;

	if (m == NULL || (rest[0] != '\0' && strcmp(rest, "trackID=0") != 0)) {
		reply(c, r, 404, NULL, NULL);
		return;
	}
	if (r->transport == NULL) {
		reply(c, r, 461, NULL, NULL);
		return;
	}
	status = rtsp_parse_transport(r->transport, &t);
	if (status != 0) {
		reply(c, r, status, NULL, NULL);
		return;
	}
	if (r->session != NULL) {
		/* One track per stream: a second SETUP in a session is refused. */
		reply(c, r, find_session(c, r->session) ? 459 : 454, NULL, NULL);
		return;
	}
	if (c->nsessions >= MAX_SESSIONS) {
		reply(c, r, 453, NULL, NULL);
		return;
	}
	ss = calloc(1, sizeof *ss);
	if (ss == NULL) {
		reply(c, r, 500, NULL, NULL);
		return;
	}
	ss->conn = c;
	ss->mount = m;
	ss->fd_rtp = ss->fd_rtcp = -1;
	ss->need_key = 1;
	ss->last_seen = clock_mono();
	{
		unsigned char rnd[8];

		randombytes_buf(rnd, sizeof rnd);
		sodium_bin2hex(ss->id, sizeof ss->id, rnd, sizeof rnd);
	}
	TAILQ_INSERT_TAIL(&c->sessions, ss, in_conn);
	c->nsessions++;
	if (t.lower == RTSP_LOWER_TCP) {
		ss->tcp = 1;
		ss->ch_rtp = t.interleaved[0] >= 0 ? t.interleaved[0] : 2 * (c->nsessions - 1);
		ss->ch_rtcp = t.interleaved[0] >= 0 ? t.interleaved[1] : ss->ch_rtp + 1;
		snprintf(hdr, sizeof hdr, "Transport: RTP/AVP/TCP;unicast;interleaved=%d-%d;"
		    "ssrc=%08X\r\nSession: %s;timeout=%d\r\n", ss->ch_rtp, ss->ch_rtcp,
		    media_ssrc(m->media), ss->id, c->srv->session_timeout);
	} else {
		if (udp_open(ss, &t) < 0) {
			session_free(ss, 0);
			reply(c, r, 453, NULL, NULL);
			return;
		}
		snprintf(hdr, sizeof hdr, "Transport: RTP/AVP;unicast;client_port=%d-%d;"
		    "server_port=%d-%d;ssrc=%08X\r\nSession: %s;timeout=%d\r\n",
		    t.client_port[0], t.client_port[1], ss->server_port,
		    ss->server_port + 1, media_ssrc(m->media), ss->id,
		    c->srv->session_timeout);
	}
	m->st.sessions++;
	log_info("rtsp %s: %s session %s on %s (%s)", c->peer, media_name(m->media),
	    ss->id, ss->tcp ? "TCP" : "UDP", r->user_agent ? r->user_agent : "");
	reply(c, r, 200, hdr, NULL);
}

/* RTP sequence number and timestamp of the first packet of au. */
static void
au_start(const struct media_au *au, uint16_t *seq, uint32_t *ts)
{
	const uint8_t *pkt;
	size_t off = 0, len;

	*seq = 0;
	*ts = au->rtp_ts;
	if (media_au_next(au, &off, &pkt, &len) && len >= RTP_HEADER_LEN)
		*seq = (uint16_t)(pkt[2] << 8 | pkt[3]);
}

static void
do_play(struct conn *c, const struct rtsp_req *r, struct session *ss)
{
	struct media_au **gop;
	char hdr[RTSP_URI_MAX + 256];
	int n, k;

	if (ss == NULL) {
		reply(c, r, 454, NULL, NULL);
		return;
	}
	if (ss->playing) {	/* keep-alive PLAY */
		snprintf(hdr, sizeof hdr, "Session: %s;timeout=%d\r\nRange: npt=now-\r\n",
		    ss->id, c->srv->session_timeout);
		reply(c, r, 200, hdr, NULL);
		return;
	}
	n = media_gop(ss->mount->media, &gop);
	k = snprintf(hdr, sizeof hdr, "Session: %s;timeout=%d\r\nRange: npt=now-\r\n",
	    ss->id, c->srv->session_timeout);
	if (n > 0) {
		uint16_t seq;
		uint32_t ts;
		const char *slash = r->uri[0] && r->uri[strlen(r->uri) - 1] == '/' ?
		    "" : "/";

		au_start(gop[0], &seq, &ts);
		snprintf(hdr + k, sizeof hdr - (size_t)k,
		    "RTP-Info: url=%s%strackID=0;seq=%u;rtptime=%u\r\n", r->uri, slash,
		    seq, ts);
	}
	reply(c, r, 200, hdr, NULL);
	ss->playing = 1;
	ss->need_key = 1;
	ss->mount->st.readers++;
	if (!ss->mounted) {
		TAILQ_INSERT_TAIL(&ss->mount->sessions, ss, in_mount);
		ss->mounted = 1;
	}
	/* Start at once from the cached group of pictures. */
	for (int i = 0; i < n; i++)
		if (send_au(ss, gop[i]) < 0)
			return;
	send_sr(ss, 0);
}

static void
do_pause(struct conn *c, const struct rtsp_req *r, struct session *ss)
{
	char hdr[128];

	if (ss == NULL) {
		reply(c, r, 454, NULL, NULL);
		return;
	}
	if (ss->playing) {
		ss->playing = 0;
		ss->mount->st.readers--;
	}
	snprintf(hdr, sizeof hdr, "Session: %s\r\n", ss->id);
	reply(c, r, 200, hdr, NULL);
}

static void
handle(struct conn *c, const struct rtsp_req *r)
{
	struct session *ss = find_session(c, r->session);
	struct mount *m;
	const char *rest;
	char hdr[128];

	if (r->require != NULL) {
		snprintf(hdr, sizeof hdr, "Unsupported: %.100s\r\n", r->require);
		reply(c, r, 551, hdr, NULL);
		return;
	}
	if (r->method == RTSP_OPTIONS) {
		reply(c, r, 200, PUBLIC, NULL);
		return;
	}
	m = mount_of(c, r, &rest);
	if (ss != NULL)
		m = ss->mount;
	if (authorize(c, r, m) < 0)
		return;
	if (r->session != NULL && ss == NULL && r->method != RTSP_SETUP) {
		reply(c, r, 454, NULL, NULL);
		return;
	}
	switch (r->method) {
	case RTSP_DESCRIBE:
		do_describe(c, r, mount_of(c, r, &rest), rest);
		break;
	case RTSP_SETUP:
		do_setup(c, r, mount_of(c, r, &rest), rest);
		break;
	case RTSP_PLAY:
		do_play(c, r, ss);
		break;
	case RTSP_PAUSE:
		do_pause(c, r, ss);
		break;
	case RTSP_TEARDOWN:
		if (ss != NULL)
			session_free(ss, 0);
		reply(c, r, ss ? 200 : 454, NULL, NULL);
		break;
	case RTSP_GET_PARAMETER:
	case RTSP_SET_PARAMETER:
		if (ss != NULL) {
			snprintf(hdr, sizeof hdr, "Session: %s\r\n", ss->id);
			reply(c, r, 200, hdr, NULL);
		} else {
			reply(c, r, 200, NULL, NULL);
		}
		break;
	case RTSP_ANNOUNCE:
	case RTSP_RECORD:
	case RTSP_REDIRECT:
		reply(c, r, 405, "Allow: OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, "
		    "TEARDOWN, GET_PARAMETER, SET_PARAMETER\r\n", NULL);
		break;
	default:
		reply(c, r, 501, NULL, NULL);
		break;
	}
	if (ss != NULL && r->method != RTSP_TEARDOWN)
		ss->last_seen = clock_mono();
}

/* ---- connections ------------------------------------------------------------ */

static void
conn_close(struct conn *c)
{
	struct session *ss;

	unpark(c, 0);
	while ((ss = TAILQ_FIRST(&c->sessions)) != NULL)
		session_free(ss, 0);
	TAILQ_REMOVE(&c->srv->conns, c, link);
	c->srv->nconns--;
	log_debug("rtsp: %s disconnected", c->peer);
	bufferevent_free(c->bev);
	free(c);
}

/* Interleaved data from the reader ('$' ch len16 data): RTCP reports. */
static int
read_interleaved(struct conn *c, struct evbuffer *in)
{
	uint8_t hdr[4], buf[2048];
	size_t len;
	struct session *ss;

	if (evbuffer_copyout(in, hdr, 4) < 4)
		return 0;
	len = (size_t)hdr[2] << 8 | hdr[3];
	if (evbuffer_get_length(in) < 4 + len)
		return 0;
	evbuffer_drain(in, 4);
	if (len <= sizeof buf) {
		struct rtcp_rr rr;

		evbuffer_remove(in, buf, len);
		TAILQ_FOREACH(ss, &c->sessions, in_conn)
			if (ss->tcp && ss->ch_rtcp == hdr[1] &&
			    rtcp_parse_rr(buf, len, &rr) == 0)
				ss->last_seen = clock_mono();
	} else {
		evbuffer_drain(in, len);
	}
	return 1;
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	static char head[RTSP_HEAD_MAX + 1], work[RTSP_HEAD_MAX + 1];

	c->last_seen = clock_mono();
	while (!c->closing && evbuffer_get_length(in) > 0) {
		struct evbuffer_ptr p;
		struct rtsp_req r;
		size_t hlen;
		int status;
		uint8_t first;

		evbuffer_copyout(in, &first, 1);
		if (first == '$') {
			if (!read_interleaved(c, in))
				break;
			continue;
		}
		p = evbuffer_search(in, "\r\n\r\n", 4, NULL);
		if (p.pos < 0) {
			if (evbuffer_get_length(in) > RTSP_HEAD_MAX)
				reply_close(c, NULL, 431);
			break;
		}
		hlen = (size_t)p.pos + 4;
		if (hlen > RTSP_HEAD_MAX) {
			reply_close(c, NULL, 431);
			break;
		}
		evbuffer_copyout(in, head, hlen);
		status = rtsp_parse_request(head, hlen, work, &r);
		if (status != 0) {
			evbuffer_drain(in, hlen);
			reply_close(c, &r, status);
			break;
		}
		if (evbuffer_get_length(in) < hlen + (size_t)r.content_length)
			break;	/* wait for the body */
		evbuffer_drain(in, hlen + (size_t)r.content_length);
		/* Answers go out in order: a new request ends the wait of a
		 * parked DESCRIBE (503 unless the stream came meanwhile). */
		unpark(c, 200);
		handle(c, &r);
	}
	if (c->closing && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		conn_close(c);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	if (c->closing && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		conn_close(c);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_close(c);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct rtsp_server *s = arg;
	struct conn *c;
	char host[INET6_ADDRSTRLEN];
	socklen_t llen;
	int one = 1;

	(void)l;
	if (s->draining || s->nconns >= MAX_CONNS) {
		static const char busy[] = "RTSP/1.0 503 Service Unavailable\r\n\r\n";

		(void)send(fd, busy, sizeof busy - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
		evutil_closesocket(fd);
		return;
	}
	c = calloc(1, sizeof *c);
	if (c == NULL) {
		evutil_closesocket(fd);
		return;
	}
	c->srv = s;
	TAILQ_INIT(&c->sessions);
	memcpy(&c->peer_addr, sa, (size_t)salen);
	c->peer_len = (socklen_t)salen;
	llen = sizeof c->local_addr;
	getsockname(fd, (struct sockaddr *)&c->local_addr, &llen);
	if (sa->sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr, host, sizeof host);
		snprintf(c->peer, sizeof c->peer, "[%s]:%d", host,
		    ntohs(((struct sockaddr_in6 *)sa)->sin6_port));
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr, host, sizeof host);
		snprintf(c->peer, sizeof c->peer, "%s:%d", host,
		    ntohs(((struct sockaddr_in *)sa)->sin_port));
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	/* A fixed send buffer: a reader that stops reading shows up in our
	 * queue within a second or so instead of hiding in the kernel. */
	{
		int sz = SNDBUF;

		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
	}
	c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		evutil_closesocket(fd);
		free(c);
		return;
	}
	c->last_seen = clock_mono();
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, RTSP_HEAD_MAX + RTSP_BODY_MAX + 8);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&s->conns, c, link);
	s->nconns++;
	log_debug("rtsp: connection from %s", c->peer);
}

/* Once a second: sender reports, session and idle timeouts. */
static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct rtsp_server *s = arg;
	struct conn *c, *ctmp;
	struct session *ss, *stmp;
	double now = clock_mono();

	(void)fd;
	(void)what;
	TAILQ_FOREACH_SAFE(c, &s->conns, link, ctmp) {
		TAILQ_FOREACH_SAFE(ss, &c->sessions, in_conn, stmp) {
			/* A TCP session lives as long as its connection; a UDP
			 * one needs RTCP or requests. */
			if (!ss->tcp && now - ss->last_seen > s->session_timeout) {
				log_info("rtsp %s: session %s timed out", c->peer, ss->id);
				session_free(ss, 1);
				continue;
			}
			if (ss->playing && now - ss->last_sr >= SR_INTERVAL)
				send_sr(ss, 0);
		}
		if (c->nsessions == 0 && now - c->last_seen > IDLE_TIMEOUT) {
			log_debug("rtsp: %s idle: closing", c->peer);
			conn_close(c);
		}
	}
}

int
rtsp_server_create(struct event_base *base, const struct rtsp_opts *o,
    struct rtsp_server **out, char **cause)
{
	struct sockaddr_storage ss;
	int slen = sizeof ss;
	struct rtsp_server *s;
	struct timeval one = { 1, 0 };

	*out = NULL;
	memset(&ss, 0, sizeof ss);
	if (evutil_parse_sockaddr_port(o->listen, (struct sockaddr *)&ss, &slen) < 0) {
		err_cause(cause, "rtsp.listen: '%s' is not a numeric address:port", o->listen);
		return ERR_INVAL;
	}
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return ERR_NOMEM;
	s->base = base;
	s->session_timeout = o->session_timeout > 0 ? o->session_timeout : 60;
	s->describe_wait = o->describe_wait;
	TAILQ_INIT(&s->conns);
	TAILQ_INIT(&s->mounts);
	s->listener = evconnlistener_new_bind(base, on_accept, s,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, 64,
	    (struct sockaddr *)&ss, slen);
	if (s->listener == NULL) {
		err_cause(cause, "rtsp.listen: cannot listen on %s: %s", o->listen,
		    strerror(errno));
		free(s);
		return -errno;
	}
	s->port = net_local_port(evconnlistener_get_fd(s->listener));
	s->tick = event_new(base, -1, EV_PERSIST, on_tick, s);
	if (s->tick == NULL || event_add(s->tick, &one) < 0) {
		rtsp_server_free(&s);
		return ERR_NOMEM;
	}
	*out = s;
	return 0;
}

int
rtsp_server_port(const struct rtsp_server *s)
{
	return s->port;
}

void
rtsp_server_set_auth(struct rtsp_server *s, struct auth *a)
{
	s->auth = a;
}

static char **
copy_users(char *const *users)
{
	char **u;
	int n = 0;

	if (users == NULL)
		return NULL;
	while (users[n] != NULL)
		n++;
	u = calloc((size_t)n + 1, sizeof *u);
	for (int i = 0; u != NULL && i < n; i++)
		u[i] = strdup(users[i]);
	return u;
}

static void
free_users(char **u)
{
	for (char **p = u; p != NULL && *p != NULL; p++)
		free(*p);
	free(u);
}

int
rtsp_server_mount(struct rtsp_server *s, struct media *media, char *const *users)
{
	struct mount *m;
	const char *name = media_name(media);

	if (find_mount(s, name, strlen(name)) != NULL)
		return ERR_INVAL;
	m = calloc(1, sizeof *m);
	if (m == NULL)
		return ERR_NOMEM;
	m->srv = s;
	m->media = media;
	m->users = copy_users(users);
	TAILQ_INIT(&m->sessions);
	TAILQ_INIT(&m->parked);
	TAILQ_INSERT_TAIL(&s->mounts, m, link);
	media_set_sink(media, on_au, m);
	return 0;
}

int
rtsp_server_set_users(struct rtsp_server *s, const char *name, char *const *users)
{
	struct mount *m = find_mount(s, name, strlen(name));

	if (m == NULL)
		return ERR_INVAL;
	free_users(m->users);
	m->users = copy_users(users);
	return 0;
}

int
rtsp_server_set_enabled(struct rtsp_server *s, const char *name, int enabled)
{
	struct mount *m = find_mount(s, name, strlen(name));

	if (m == NULL)
		return ERR_INVAL;
	m->disabled = !enabled;
	if (m->disabled)
		unpark_mount(m, 503);
	return 0;
}

static void
mount_free(struct rtsp_server *s, struct mount *m)
{
	struct conn *c, *ctmp;
	struct session *ss, *stmp;

	unpark_mount(m, 404);
	/* Close every connection with a session on this mount. */
	TAILQ_FOREACH_SAFE(c, &s->conns, link, ctmp) {
		int mine = 0;

		TAILQ_FOREACH_SAFE(ss, &c->sessions, in_conn, stmp) {
			if (ss->mount == m) {
				session_free(ss, 1);
				mine = 1;
			}
		}
		if (mine) {
			c->closing = 1;
			if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
				conn_close(c);
		}
	}
	media_set_sink(m->media, NULL, NULL);
	TAILQ_REMOVE(&s->mounts, m, link);
	free_users(m->users);
	free(m);
}

void
rtsp_server_unmount(struct rtsp_server *s, const char *name)
{
	struct mount *m = find_mount(s, name, strlen(name));

	if (m != NULL)
		mount_free(s, m);
}

int
rtsp_server_stats(struct rtsp_server *s, const char *name, struct rtsp_mount_stats *st)
{
	struct mount *m = find_mount(s, name, strlen(name));

	if (m == NULL)
		return ERR_INVAL;
	*st = m->st;
	return 0;
}

void
rtsp_server_drain(struct rtsp_server *s)
{
	struct conn *c, *ctmp;
	struct session *ss, *stmp;

	s->draining = 1;
	if (s->listener != NULL) {
		evconnlistener_free(s->listener);
		s->listener = NULL;
	}
	TAILQ_FOREACH_SAFE(c, &s->conns, link, ctmp) {
		unpark(c, 200);
		TAILQ_FOREACH_SAFE(ss, &c->sessions, in_conn, stmp)
			session_free(ss, 1);
		c->closing = 1;
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
			conn_close(c);
	}
}

int
rtsp_server_connections(const struct rtsp_server *s)
{
	return s->nconns;
}

void
rtsp_server_free(struct rtsp_server **sp)
{
	struct rtsp_server *s = sp ? *sp : NULL;
	struct conn *c;
	struct mount *m;

	if (s == NULL)
		return;
	while ((c = TAILQ_FIRST(&s->conns)) != NULL)
		conn_close(c);
	while ((m = TAILQ_FIRST(&s->mounts)) != NULL)
		mount_free(s, m);
	if (s->listener != NULL)
		evconnlistener_free(s->listener);
	if (s->tick != NULL)
		event_free(s->tick);
	free(s);
	*sp = NULL;
}
