/*
 * Unit tests for proxy/rtsp_msg: request heads and Transport headers as
 * real clients send them (ffmpeg, GStreamer, VLC/live555) and as hostile
 * ones might.
 */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "../../proxy/rtsp_msg.h"

struct req_case {
	const char *name;
	const char *head;
	int status;			/* 0 = parses */
	enum rtsp_method method;
	const char *path;
	long cseq;
	const char *session;
	long content_length;
};

#define END "\r\n\r\n"

static struct req_case req_cases[] = {
	{ "req/ffmpeg_options", "OPTIONS rtsp://127.0.0.1:8554/lobby RTSP/1.0\r\nCSeq: 1\r\n"
	  "User-Agent: Lavf59.27.100" END, 0, RTSP_OPTIONS, "lobby", 1, NULL, 0 },
	{ "req/describe_path", "DESCRIBE rtsp://h/lobby RTSP/1.0\r\nCSeq: 2\r\nAccept: "
	  "application/sdp" END, 0, RTSP_DESCRIBE, "lobby", 2, NULL, 0 },
	{ "req/setup_track", "SETUP rtsp://h:554/lobby/trackID=0 RTSP/1.0\r\nCSeq: 3\r\n"
	  "Transport: RTP/AVP/TCP;unicast;interleaved=0-1" END, 0, RTSP_SETUP,
	  "lobby/trackID=0", 3, NULL, 0 },
	{ "req/play_session_timeout", "PLAY rtsp://h/lobby/ RTSP/1.0\r\nCSeq: 4\r\n"
	  "Session: 0123abcd;timeout=60\r\nRange: npt=0.000-" END, 0, RTSP_PLAY, "lobby",
	  4, "0123abcd", 0 },
	{ "req/query_stripped", "DESCRIBE rtsp://h/lobby?x=1 RTSP/1.0\r\nCSeq: 5" END, 0,
	  RTSP_DESCRIBE, "lobby", 5, NULL, 0 },
	{ "req/path_only_uri", "DESCRIBE /lobby RTSP/1.0\r\nCSeq: 5" END, 0, RTSP_DESCRIBE,
	  "lobby", 5, NULL, 0 },
	{ "req/header_case", "GET_PARAMETER rtsp://h/a RTSP/1.0\r\ncseq:   9  \r\n"
	  "content-length: 0" END, 0, RTSP_GET_PARAMETER, "a", 9, NULL, 0 },
	{ "req/body_length", "SET_PARAMETER rtsp://h/a RTSP/1.0\r\nCSeq: 9\r\n"
	  "Content-Length: 12" END, 0, RTSP_SET_PARAMETER, "a", 9, NULL, 12 },
	{ "req/unknown_method", "FROB rtsp://h/a RTSP/1.0\r\nCSeq: 1" END, 0, RTSP_UNKNOWN,
	  "a", 1, NULL, 0 },
	{ "bad/no_cseq", "OPTIONS rtsp://h/a RTSP/1.0\r\nFoo: bar" END, 400, 0, NULL, 0, NULL, 0 },
	{ "bad/cseq_text", "OPTIONS rtsp://h/a RTSP/1.0\r\nCSeq: one" END, 400, 0, NULL, 0, NULL, 0 },
	{ "bad/cseq_negative", "OPTIONS rtsp://h/a RTSP/1.0\r\nCSeq: -1" END, 400, 0, NULL, 0, NULL, 0 },
	{ "bad/http_version", "GET / HTTP/1.1\r\nHost: x" END, 400, 0, NULL, 0, NULL, 0 },
	{ "bad/rtsp_2", "OPTIONS rtsp://h/a RTSP/2.0\r\nCSeq: 1" END, 505, 0, NULL, 0, NULL, 0 },
	{ "bad/lowercase_method", "options rtsp://h/a RTSP/1.0\r\nCSeq: 1" END, 400, 0, NULL, 0, NULL, 0 },
	{ "bad/no_uri", "OPTIONS  RTSP/1.0\r\nCSeq: 1" END, 400, 0, NULL, 0, NULL, 0 },
	{ "bad/extra_space", "OPTIONS rtsp://h/a b RTSP/1.0\r\nCSeq: 1" END, 400, 0, NULL, 0, NULL, 0 },
	{ "bad/control_in_uri", "OPTIONS rtsp://h/\x01 RTSP/1.0\r\nCSeq: 1" END, 400, 0, NULL, 0, NULL, 0 },
	{ "bad/header_no_colon", "OPTIONS rtsp://h/a RTSP/1.0\r\nCSeq 1" END, 400, 0, NULL, 0, NULL, 0 },
	{ "bad/folded_header", "OPTIONS rtsp://h/a RTSP/1.0\r\nCSeq: 1\r\n x" END, 400, 0, NULL, 0, NULL, 0 },
	{ "bad/body_too_long", "SET_PARAMETER rtsp://h/a RTSP/1.0\r\nCSeq: 1\r\n"
	  "Content-Length: 100000" END, 413, 0, NULL, 0, NULL, 0 },
	{ "bad/content_length_huge", "SET_PARAMETER rtsp://h/a RTSP/1.0\r\nCSeq: 1\r\n"
	  "Content-Length: 99999999999999999999" END, 400, 0, NULL, 0, NULL, 0 },
	{ "bad/empty", "", 400, 0, NULL, 0, NULL, 0 },
	{ "bad/lf_only", "OPTIONS rtsp://h/a RTSP/1.0\nCSeq: 1\n\n", 400, 0, NULL, 0, NULL, 0 },
};

static void
test_request(void **state)
{
	const struct req_case *c = *state;
	char work[RTSP_HEAD_MAX + 1];
	struct rtsp_req r;
	int status = rtsp_parse_request(c->head, strlen(c->head), work, &r);

	assert_int_equal(status, c->status);
	if (c->status != 0)
		return;
	assert_int_equal(r.method, c->method);
	assert_string_equal(r.path, c->path);
	assert_int_equal(r.cseq, c->cseq);
	assert_int_equal(r.content_length, c->content_length);
	if (c->session == NULL)
		assert_null(r.session);
	else
		assert_string_equal(r.session, c->session);
}

/* Limits: a URI too long, too many headers, an embedded NUL. */
static void
test_limits(void **state)
{
	static char head[RTSP_HEAD_MAX + 64], work[RTSP_HEAD_MAX + 64];
	struct rtsp_req r;
	size_t n;

	(void)state;
	n = (size_t)snprintf(head, sizeof head, "OPTIONS rtsp://h/");
	memset(head + n, 'a', RTSP_URI_MAX);
	n += RTSP_URI_MAX;
	n += (size_t)snprintf(head + n, sizeof head - n, " RTSP/1.0\r\nCSeq: 1\r\n\r\n");
	assert_int_equal(rtsp_parse_request(head, n, work, &r), 414);

	n = (size_t)snprintf(head, sizeof head, "OPTIONS rtsp://h/a RTSP/1.0\r\nCSeq: 1\r\n");
	for (int i = 0; i <= RTSP_HEADERS_MAX; i++)
		n += (size_t)snprintf(head + n, sizeof head - n, "X-%d: y\r\n", i);
	n += (size_t)snprintf(head + n, sizeof head - n, "\r\n");
	assert_int_equal(rtsp_parse_request(head, n, work, &r), 431);

	memcpy(head, "OPTIONS rtsp://h/a RTSP/1.0\r\nCSeq: 1\0\r\n\r\n", 42);
	assert_int_equal(rtsp_parse_request(head, 42, work, &r), 400);

	assert_int_equal(rtsp_parse_request(head, RTSP_HEAD_MAX + 1, work, &r), 431);
}

struct transport_case {
	const char *name;
	const char *value;
	int status;
	enum rtsp_lower lower;
	int a, b;	/* interleaved or client_port */
};

static struct transport_case transport_cases[] = {
	{ "transport/tcp", "RTP/AVP/TCP;unicast;interleaved=0-1", 0, RTSP_LOWER_TCP, 0, 1 },
	{ "transport/tcp_channels_2_3", "RTP/AVP/TCP;unicast;interleaved=2-3", 0,
	  RTSP_LOWER_TCP, 2, 3 },
	{ "transport/tcp_no_channels", "RTP/AVP/TCP;unicast", 0, RTSP_LOWER_TCP, -1, -1 },
	{ "transport/udp_ffmpeg", "RTP/AVP/UDP;unicast;client_port=5000-5001", 0,
	  RTSP_LOWER_UDP, 5000, 5001 },
	{ "transport/udp_plain_avp", "RTP/AVP;unicast;client_port=6970-6971", 0,
	  RTSP_LOWER_UDP, 6970, 6971 },
	{ "transport/udp_single_port", "RTP/AVP;unicast;client_port=7000", 0,
	  RTSP_LOWER_UDP, 7000, 7001 },
	/* GStreamer offers several; the first usable one wins. */
	{ "transport/gst_list", "RTP/AVP;multicast;client_port=1-2,RTP/AVP/TCP;"
	  "unicast;interleaved=0-1", 0, RTSP_LOWER_TCP, 0, 1 },
	{ "transport/case", "rtp/avp/tcp;UNICAST;INTERLEAVED=4-5", 0, RTSP_LOWER_TCP, 4, 5 },
	{ "bad/multicast_only", "RTP/AVP;multicast", 461, 0, 0, 0 },
	{ "bad/savp", "RTP/SAVP;unicast;client_port=1-2", 461, 0, 0, 0 },
	{ "bad/udp_without_ports", "RTP/AVP;unicast", 461, 0, 0, 0 },
	{ "bad/ports_text", "RTP/AVP;unicast;client_port=a-b", 400, 0, 0, 0 },
	{ "bad/port_range", "RTP/AVP;unicast;client_port=70000-70001", 400, 0, 0, 0 },
	{ "bad/channel_range", "RTP/AVP/TCP;interleaved=300-301", 400, 0, 0, 0 },
	{ "bad/empty", "", 400, 0, 0, 0 },
	{ "bad/garbage", ";;;,,,", 461, 0, 0, 0 },
};

static void
test_transport(void **state)
{
	const struct transport_case *c = *state;
	struct rtsp_transport t;

	assert_int_equal(rtsp_parse_transport(c->value, &t), c->status);
	if (c->status != 0)
		return;
	assert_int_equal(t.lower, c->lower);
	if (c->lower == RTSP_LOWER_TCP) {
		assert_int_equal(t.interleaved[0], c->a);
		assert_int_equal(t.interleaved[1], c->b);
	} else {
		assert_int_equal(t.client_port[0], c->a);
		assert_int_equal(t.client_port[1], c->b);
	}
}

int
main(void)
{
	static struct unit_list l;

	UNIT_TABLE(&l, req_cases, test_request);
	UNIT_TEST(&l, test_limits);
	UNIT_TABLE(&l, transport_cases, test_transport);
	return unit_run("rtsp_msg", &l);
}
