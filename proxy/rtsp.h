/*
 * The RTSP/1.0 server recorders connect to, on libevent: one mount per
 * camera (rtsp://HOST:PORT/<name>), any number of readers per mount, RTP
 * over RTSP-interleaved TCP or UDP unicast, RTCP sender reports, Digest
 * authentication. Runs entirely on the event loop thread.
 *
 * Readers never hold each other up: a TCP reader whose socket backs up
 * past a bound stops receiving and resumes at the next keyframe; one
 * that stays backed up is disconnected. A new reader starts with the
 * mount's cached group of pictures, i.e. at once and at a keyframe.
 */
#ifndef CAMVEIL_RTSP_H
#define CAMVEIL_RTSP_H

#include <stdint.h>

struct auth;
struct event_base;
struct media;
struct rtsp_server;

struct rtsp_opts {
	const char *listen;		/* "host:port" */
	int session_timeout;		/* seconds */
	double describe_wait;		/* seconds a DESCRIBE waits for a camera
					   that has no stream yet; 0: 503 at once */
};

struct rtsp_mount_stats {
	int readers;			/* sessions playing */
	int64_t sessions;		/* sessions set up, total */
	int64_t skipped;		/* access units not sent to slow readers */
	int64_t dropped_readers;	/* readers disconnected for being too slow */
	int64_t bytes_sent;
};

/* Listen on o->listen. *cause names the address and problem. */
int rtsp_server_create(struct event_base *base, const struct rtsp_opts *o,
    struct rtsp_server **out, char **cause);
void rtsp_server_free(struct rtsp_server **s);
/* The port actually bound (useful with port 0). */
int rtsp_server_port(const struct rtsp_server *s);

/* Authentication for new requests (NULL or no users: open). Not owned. */
void rtsp_server_set_auth(struct rtsp_server *s, struct auth *a);

/*
 * Serve m as rtsp://HOST:PORT/<media name>. users: NULL-terminated user
 * names allowed (copied), or NULL for any user.
 */
int rtsp_server_mount(struct rtsp_server *s, struct media *m, char *const *users);
/* Change who may read a mount (sessions already open are kept). */
int rtsp_server_set_users(struct rtsp_server *s, const char *name, char *const *users);
/*
 * A disabled mount's camera is not pulled: a DESCRIBE gets 503 at once
 * instead of waiting for a stream that will not come. Mounts start enabled.
 */
int rtsp_server_set_enabled(struct rtsp_server *s, const char *name, int enabled);
/* Remove a mount; its readers are sent RTCP BYE and closed. */
void rtsp_server_unmount(struct rtsp_server *s, const char *name);
int rtsp_server_stats(struct rtsp_server *s, const char *name, struct rtsp_mount_stats *st);

/* Stop accepting; say BYE to every reader and close once sent. */
void rtsp_server_drain(struct rtsp_server *s);
/* Connections still open (drain is done at 0). */
int rtsp_server_connections(const struct rtsp_server *s);

#endif
