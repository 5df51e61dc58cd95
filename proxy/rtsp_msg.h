/*
 * RTSP/1.0 messages (RFC 2326): parsing requests and the Transport
 * header, from bytes a hostile peer chose. Pure functions over bounded
 * buffers; the server (rtsp.c) owns the sockets. Fuzzed by
 * tests/fuzz/fuzz_rtsp.c.
 */
#ifndef CAMVEIL_RTSP_MSG_H
#define CAMVEIL_RTSP_MSG_H

#include <stddef.h>

#define RTSP_HEAD_MAX	8192	/* request line + headers, bytes */
#define RTSP_BODY_MAX	4096	/* GET/SET_PARAMETER bodies */
#define RTSP_URI_MAX	1024
#define RTSP_HEADERS_MAX 64

enum rtsp_method {
	RTSP_UNKNOWN, RTSP_OPTIONS, RTSP_DESCRIBE, RTSP_SETUP, RTSP_PLAY,
	RTSP_PAUSE, RTSP_TEARDOWN, RTSP_GET_PARAMETER, RTSP_SET_PARAMETER,
	RTSP_ANNOUNCE, RTSP_RECORD, RTSP_REDIRECT
};

struct rtsp_req {
	enum rtsp_method method;
	char method_name[24];
	char uri[RTSP_URI_MAX];
	char path[RTSP_URI_MAX];	/* uri without scheme, host and query, no leading '/' */
	long cseq;			/* -1 if missing */
	long content_length;		/* 0 if missing */
	/* Header values (pointers into the parsed head) or NULL. */
	const char *session;		/* up to ';' */
	const char *transport;
	const char *authorization;
	const char *require;
	const char *user_agent;
};

/*
 * Parse the head of a request: head[0..len) is everything up to and
 * including the blank line, copied into work (at least len + 1 bytes),
 * which the pointers in req then refer to. Returns 0, or an RTSP status
 * code for the error reply: 400 (malformed), 505 (not RTSP/1.0),
 * 414 (URI too long), 413 (body too long) or 431 (too many headers).
 */
int rtsp_parse_request(const char *head, size_t len, char *work,
    struct rtsp_req *req);

enum rtsp_lower { RTSP_LOWER_UDP, RTSP_LOWER_TCP };

struct rtsp_transport {
	enum rtsp_lower lower;
	int interleaved[2];	/* TCP: channels, -1 if not given */
	int client_port[2];	/* UDP: ports, -1 if not given */
	int multicast;
};

/*
 * Pick the first transport we can serve from a Transport header (a comma
 * list of alternatives): RTP/AVP[/UDP] unicast with client_port, or
 * RTP/AVP/TCP with interleaved channels. 0, or 461 (Unsupported
 * Transport) / 400 (malformed).
 */
int rtsp_parse_transport(const char *value, struct rtsp_transport *t);

/* Reason phrase of a status code. */
const char *rtsp_reason(int status);

#endif
