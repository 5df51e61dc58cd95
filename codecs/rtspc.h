/*
 * RTSP client for H.264 and H.265 cameras (RFC 2326): DESCRIBE, SETUP,
 * PLAY over TCP with Basic or Digest credentials from the URL, RTP over
 * UDP unicast or TCP interleaved, keep-alives and RTCP receiver reports.
 * It hands out whole access units the moment their last packet arrives
 * (depay.h), which libavformat's RTSP input cannot do. Cameras sending
 * another codec get ERR_UNSUPPORTED from rtspc_open, and the source
 * opens them with libavformat instead.
 *
 * Calls block, with the deadlines and stop flag of the options; a camera
 * thread makes them. The response, SDP and WWW-Authenticate parsers are
 * pure functions, exported for the unit tests and the fuzz driver
 * (tests/fuzz/fuzz_rtspc.c).
 */
#ifndef CAMVEIL_RTSPC_H
#define CAMVEIL_RTSPC_H

#include <stddef.h>
#include <stdint.h>

#define RTSPC_RESP_MAX		(64 * 1024)	/* a response, head and body */
#define RTSPC_URL_MAX		1024
#define RTSPC_EXTRADATA_MAX	2048
#define RTSPC_AUTH_MAX		4		/* WWW-Authenticate headers kept */

struct rtspc;

enum rtspc_transport { RTSPC_AUTO, RTSPC_TCP, RTSPC_UDP };

struct rtspc_opts {
	const char *url;	/* rtsp://[user[:password]@]host[:port]/path */
	int transport;		/* enum rtspc_transport; auto: UDP, then TCP if
				   SETUP is refused or no packet comes */
	int timeout_ms;		/* longest any step may stall */
	int (*stop)(void *arg);	/* polled while blocked; non-zero aborts */
	void *stop_arg;
};

struct rtspc_info {
	int hevc;		/* H.265, else H.264 */
	const uint8_t *extradata;	/* parameter sets from the SDP, Annex B */
	size_t extradata_size;
	double fps;		/* from the SDP, 0 if not given */
	int tcp;		/* the transport in use */
};

struct rtspc_au {
	const uint8_t *data;	/* Annex B; valid until the next rtspc_read */
	size_t size;
	int64_t pts;		/* 90 kHz, 0 at the first access unit */
	int key;
	int damaged;		/* packets of it were lost */
};

/*
 * Connect, DESCRIBE, SETUP and PLAY. *cause (malloc'd) names the URL
 * (password hidden) and the problem. ERR_UNSUPPORTED: the camera's
 * video is not H.264 or H.265; ERR_AUTH: credentials missing or wrong.
 */
int rtspc_open(const struct rtspc_opts *o, struct rtspc **out, char **cause);
/* Sends TEARDOWN (without waiting) and closes. */
void rtspc_free(struct rtspc **c);
void rtspc_get_info(const struct rtspc *c, struct rtspc_info *info);

/*
 * Next access unit into *au. 0; ERR_EOF when the camera ended the
 * stream or the owner stopped it; ERR_TIMEOUT when no packet came for
 * timeout_ms; another error with *cause set.
 */
int rtspc_read(struct rtspc *c, struct rtspc_au *au, char **cause);

/* Wall-clock capture time (us since 1970) of pts from the camera's RTCP
 * sender reports, or 0 before the first one. */
int64_t rtspc_capture_us(const struct rtspc *c, int64_t pts);

/* Access units handed out damaged so far. */
uint64_t rtspc_damaged(const struct rtspc *c);

/* ---- parsers (pure) ------------------------------------------------- */

struct rtspc_resp {
	int status;		/* 0: it is a request from the server */
	long cseq;		/* -1 if missing */
	/* Header values (in work) or NULL. */
	const char *session, *transport, *content_base, *content_location,
	    *location, *public_methods;
	const char *auth[RTSPC_AUTH_MAX];	/* WWW-Authenticate, in order */
	int nauth;
	const char *body;	/* NUL-terminated */
	size_t body_len;
	char work[RTSPC_RESP_MAX + 1];
};

/*
 * Parse a response (or a request the server sent us) at the start of
 * buf. 0 and *used = its length with body; ERR_AGAIN if buf holds only
 * part of it; ERR_CORRUPT if it is malformed or larger than
 * RTSPC_RESP_MAX.
 */
int rtspc_parse_response(const char *buf, size_t len, struct rtspc_resp *r,
    size_t *used);

struct rtspc_media {
	int hevc, pt, donl;
	char encoding[32];	/* the first video's encoding, for messages */
	char control[RTSPC_URL_MAX];		/* media a=control, "" if none */
	char session_control[RTSPC_URL_MAX];	/* session a=control */
	uint8_t extradata[RTSPC_EXTRADATA_MAX];	/* sprop parameter sets, Annex B */
	size_t extradata_size;
	double fps;
};

/*
 * Find the first H.264 or H.265 video in an SDP. 0; ERR_UNSUPPORTED if
 * there is none (m->encoding names what there is, "" if no video).
 */
int rtspc_parse_sdp(const char *sdp, size_t len, struct rtspc_media *m);

enum rtspc_auth_kind { RTSPC_AUTH_NONE, RTSPC_AUTH_BASIC, RTSPC_AUTH_DIGEST };

struct rtspc_auth {
	enum rtspc_auth_kind kind;
	char realm[256], nonce[256], opaque[256];
	int qop_auth;		/* qop=auth offered */
	int sess;		/* algorithm MD5-sess */
	int stale;
};

/* Parse one WWW-Authenticate value. 0, or ERR_UNSUPPORTED (a scheme or
 * algorithm we cannot answer), or ERR_CORRUPT. */
int rtspc_parse_auth(const char *value, struct rtspc_auth *a);

#endif
