/*
 * Unit tests for the pure parsers of codecs/rtspc: RTSP responses (and
 * requests a server sends), SDP and WWW-Authenticate. The GStreamer
 * responses and SDPs were captured from tests/tools/rtsp-camera.py
 * (gst-rtsp-server with rtph264pay, rtph265pay, rtpjpegpay), the FFmpeg
 * ones from ffmpeg -f rtp -sdp_file and -f rtsp (ANNOUNCE); extradata is
 * checked byte for byte against the base64 decoded independently.
 * Inputs go in exact-size heap buffers (no NUL after them) so the
 * sanitizer build catches any over-read. Last, the Authorization header
 * rtspc_open sends to a fake camera's Digest challenge is checked against
 * its own MD5 computation (RFC 2617).
 */
#include "unit.h"

#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <libavutil/md5.h>

#include "../../codecs/rtspc.h"
#include "../../util/err.h"

#define EC ERR_CORRUPT
#define EA ERR_AGAIN
#define EU ERR_UNSUPPORTED

/* ---- captured traffic ---------------------------------------------------- */

#define GST_SDP_H264 \
	"v=0\r\n" \
	"o=- 4872978767930491781 1 IN IP4 127.0.0.1\r\n" \
	"s=Session streamed with GStreamer\r\n" \
	"i=rtsp-server\r\n" \
	"t=0 0\r\n" \
	"a=tool:GStreamer\r\n" \
	"a=type:broadcast\r\n" \
	"a=control:*\r\n" \
	"a=range:npt=now-\r\n" \
	"m=video 0 RTP/AVP 96\r\n" \
	"c=IN IP4 0.0.0.0\r\n" \
	"b=AS:512\r\n" \
	"a=rtpmap:96 H264/90000\r\n" \
	"a=framerate:25\r\n" \
	"a=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z0LADdoFB+wFqDAwNSgAAAMACAAAAwGUeKFV," \
	"aM48gA==;profile-level-id=42c00d;level-asymmetry-allowed=1\r\n" \
	"a=control:stream=0\r\n" \
	"a=ts-refclk:local\r\n" \
	"a=mediaclk:sender\r\n" \
	"a=ssrc:331594684 cname:user2189502293@host-c7f85957\r\n"
#define GST_ED_H264 \
	"00000001 6742c00dda0507ec05a8303035280000030008000003019478a155 00000001 68ce3c80"

#define GST_SDP_H265 \
	"v=0\r\n" \
	"o=- 11587926213879718306 1 IN IP4 127.0.0.1\r\n" \
	"s=Session streamed with GStreamer\r\n" \
	"i=rtsp-server\r\n" \
	"t=0 0\r\n" \
	"a=tool:GStreamer\r\n" \
	"a=type:broadcast\r\n" \
	"a=control:*\r\n" \
	"a=range:npt=now-\r\n" \
	"m=video 0 RTP/AVP 96\r\n" \
	"c=IN IP4 0.0.0.0\r\n" \
	"a=rtpmap:96 H265/90000\r\n" \
	"a=framerate:25\r\n" \
	"a=fmtp:96 sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwA8ugJA;sprop-sps=QgEBAWAAAAMAkAAAAwAAAwA8o" \
	"AoIDxZbpKTC//AAEAAWoMDAwIAAAAMAgAAADIQ=;sprop-pps=RAHAcYMS\r\n" \
	"a=control:stream=0\r\n" \
	"a=ts-refclk:local\r\n" \
	"a=mediaclk:sender\r\n" \
	"a=ssrc:1898504777 cname:user1522091756@host-ddca5891\r\n"
#define GST_ED_H265 \
	"00000001 40010c01ffff01600000030090000003000003003cba0240 " \
	"00000001 42010101600000030090000003000003003ca00a080f165ba4a4c2fff0001000" \
	"16a0c0c0c080000003008000000c84 00000001 4401c0718312"

#define GST_SDP_JPEG \
	"v=0\r\n" \
	"o=- 12592290667756434123 1 IN IP4 127.0.0.1\r\n" \
	"s=Session streamed with GStreamer\r\n" \
	"i=rtsp-server\r\n" \
	"t=0 0\r\n" \
	"a=tool:GStreamer\r\n" \
	"a=type:broadcast\r\n" \
	"a=control:*\r\n" \
	"a=range:npt=now-\r\n" \
	"m=video 0 RTP/AVP 26\r\n" \
	"c=IN IP4 0.0.0.0\r\n" \
	"a=rtpmap:26 JPEG/90000\r\n" \
	"a=framerate:25.000000\r\n" \
	"a=control:stream=0\r\n" \
	"a=ts-refclk:local\r\n" \
	"a=mediaclk:sender\r\n" \
	"a=ssrc:1388432277 cname:user444392450@host-e4f09adb\r\n"

#define GST_DESCRIBE_H264 \
	"RTSP/1.0 200 OK\r\n" \
	"CSeq: 1\r\n" \
	"Content-Type: application/sdp\r\n" \
	"Content-Base: rtsp://127.0.0.1:34741/stream/\r\n" \
	"Server: GStreamer RTSP server\r\n" \
	"Date: Sun, 22 Nov 2026 09:33:02 GMT\r\n" \
	"Content-Length: 523\r\n" \
	"\r\n" GST_SDP_H264

#define GST_SETUP \
	"RTSP/1.0 200 OK\r\n" \
	"CSeq: 2\r\n" \
	"Transport: RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=637EA424;mode=\"PLAY\"\r\n" \
	"Server: GStreamer RTSP server\r\n" \
	"Session: MzCX-WVF-BigrU+0\r\n" \
	"Date: Sun, 22 Nov 2026 09:34:55 GMT\r\n" \
	"\r\n"

#define GST_PLAY \
	"RTSP/1.0 200 OK\r\n" \
	"CSeq: 3\r\n" \
	"RTP-Info: url=rtsp://127.0.0.1:46135/stream/stream=0;seq=4936;rtptime=3501985117\r\n" \
	"Range: npt=now-\r\n" \
	"Server: GStreamer RTSP server\r\n" \
	"Session: MzCX-WVF-BigrU+0\r\n" \
	"Date: Sun, 22 Nov 2026 09:34:55 GMT\r\n" \
	"\r\n"

#define GST_BASIC "Basic realm=\"GStreamer RTSP Server\""
#define GST_DIGEST "Digest realm=\"GStreamer RTSP Server\", nonce=\"64c84a23771fcde4\""
#define GST_401 \
	"RTSP/1.0 401 Unauthorized\r\n" \
	"CSeq: 1\r\n" \
	"WWW-Authenticate: " GST_BASIC "\r\n" \
	"WWW-Authenticate: " GST_DIGEST "\r\n" \
	"Server: GStreamer RTSP server\r\n" \
	"Date: Sun, 22 Nov 2026 09:35:10 GMT\r\n" \
	"\r\n"

#define FF_SDP_H264 \
	"v=0\r\n" \
	"o=- 0 0 IN IP4 127.0.0.1\r\n" \
	"s=No Name\r\n" \
	"c=IN IP4 127.0.0.1\r\n" \
	"t=0 0\r\n" \
	"a=tool:libavformat LIBAVFORMAT_VERSION\r\n" \
	"m=video 45000 RTP/AVP 96\r\n" \
	"a=rtpmap:96 H264/90000\r\n" \
	"a=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z0LACtoR7ARAAAADAEAAAAyDxImo," \
	"aM4PyA==; profile-level-id=42C00A\r\n"
#define FF_ED_H264 \
	"00000001 6742c00ada11ec0440000003004000000c83c489a8 00000001 68ce0fc8"

#define FF_SDP_H265 \
	"v=0\r\n" \
	"o=- 0 0 IN IP4 127.0.0.1\r\n" \
	"s=No Name\r\n" \
	"c=IN IP4 127.0.0.1\r\n" \
	"t=0 0\r\n" \
	"a=tool:libavformat LIBAVFORMAT_VERSION\r\n" \
	"m=video 45002 RTP/AVP 96\r\n" \
	"a=rtpmap:96 H265/90000\r\n" \
	"a=fmtp:96 sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwAelZgJ; sprop-sps=QgEBAWAAAAMAkAAAAwAAAwAe" \
	"oCCDFllZrkyvAWgIAAADAAgAAAMAyEA=; sprop-pps=RAHBc9CJ\r\n"
#define FF_ED_H265 \
	"00000001 40010c01ffff01600000030090000003000003001e959809 " \
	"00000001 42010101600000030090000003000003001ea02083165959ae4caf0168080000" \
	"03000800000300c840 00000001 4401c173d089"

/* AAC first (its fmtp names a pt of its own), then H.264. */
#define FF_SDP_AUDIO_VIDEO \
	"v=0\r\n" \
	"o=- 0 0 IN IP4 127.0.0.1\r\n" \
	"s=No Name\r\n" \
	"t=0 0\r\n" \
	"a=tool:libavformat LIBAVFORMAT_VERSION\r\n" \
	"m=audio 45004 RTP/AVP 97\r\n" \
	"c=IN IP4 127.0.0.1\r\n" \
	"b=AS:32\r\n" \
	"a=rtpmap:97 MPEG4-GENERIC/8000/1\r\n" \
	"a=fmtp:97 profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;" \
	"indexdeltalength=3; config=158856E500\r\n" \
	"m=video 45006 RTP/AVP 96\r\n" \
	"c=IN IP4 127.0.0.1\r\n" \
	"a=rtpmap:96 H264/90000\r\n" \
	"a=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z0LACtoR7ARAAAADAEAAAAyDxImo," \
	"aM4PyA==; profile-level-id=42C00A\r\n"

/* What ffmpeg -f rtsp sent in its ANNOUNCE. */
#define FF_SDP_RTSP \
	"v=0\r\n" \
	"o=- 0 0 IN IP4 127.0.0.1\r\n" \
	"s=No Name\r\n" \
	"c=IN IP4 127.0.0.1\r\n" \
	"t=0 0\r\n" \
	"a=tool:libavformat LIBAVFORMAT_VERSION\r\n" \
	"m=video 0 RTP/AVP 96\r\n" \
	"a=rtpmap:96 H264/90000\r\n" \
	"a=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z0LACtoR7ARAAAADAEAAAAyDxImo," \
	"aM4PyA==; profile-level-id=42C00A\r\n" \
	"a=control:streamid=0\r\n"
#define FF_ANNOUNCE \
	"ANNOUNCE rtsp://127.0.0.1:42061/live RTSP/1.0\r\n" \
	"Content-Type: application/sdp\r\n" \
	"CSeq: 2\r\n" \
	"User-Agent: Lavf59.27.100\r\n" \
	"Content-Length: 294\r\n" \
	"\r\n" FF_SDP_RTSP

/* As IP cameras with a live555-like server describe themselves: absolute
 * control URLs, video then audio. The parameter sets are libx264's. */
#define CAM_SDP \
	"v=0\r\n" \
	"o=- 1109162014219182 1109162014219192 IN IP4 192.168.1.64\r\n" \
	"s=Media Presentation\r\n" \
	"e=NONE\r\n" \
	"b=AS:5050\r\n" \
	"t=0 0\r\n" \
	"a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/?transportmode=unicast\r\n" \
	"m=video 0 RTP/AVP 96\r\n" \
	"c=IN IP4 0.0.0.0\r\n" \
	"b=AS:5000\r\n" \
	"a=recvonly\r\n" \
	"a=x-dimensions:1920,1080\r\n" \
	"a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1?transportmode=unicast\r\n" \
	"a=rtpmap:96 H264/90000\r\n" \
	"a=fmtp:96 profile-level-id=420029; packetization-mode=1; " \
	"sprop-parameter-sets=Z0LACtoR7ARAAAADAEAAAAyDxImo,aM4DnIA=\r\n" \
	"m=audio 0 RTP/AVP 8\r\n" \
	"c=IN IP4 0.0.0.0\r\n" \
	"b=AS:50\r\n" \
	"a=recvonly\r\n" \
	"a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=2?transportmode=unicast\r\n" \
	"a=rtpmap:8 PCMA/8000\r\n" \
	"a=framerate:50\r\n" \
	"a=Media_header:MEDIAINFO=494D4B48010100000400000111710110401F000000FA000000000000000000000000000000000000;\r\n" \
	"a=appversion:1.0\r\n"
#define CAM_ED "00000001 6742c00ada11ec0440000003004000000c83c489a8 00000001 68ce039c80"

/* ---- helpers ----------------------------------------------------------- */

/* n bytes of s in a heap buffer of exactly n bytes: no NUL after them. */
static char *
exact(const char *s, size_t n)
{
	char *p = malloc(n > 0 ? n : 1);

	assert_non_null(p);
	memcpy(p, s, n);
	return p;
}

static void
assert_opt_string(const char *got, const char *want)
{
	if (want == NULL)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
}

static struct rtspc_resp *
new_resp(void)
{
	struct rtspc_resp *r = malloc(sizeof *r);

	assert_non_null(r);
	memset(r, 0xa5, sizeof *r);
	return r;
}

/* ---- rtspc_parse_response ------------------------------------------------ */

struct resp_case {
	const char *name;
	const char *in;
	size_t len;		/* 0: strlen(in) */
	int ret;
	int status;
	long cseq;
	size_t used;		/* 0: all of it */
	const char *session, *transport, *content_base, *content_location,
	    *location, *public_methods;
	const char *auth[RTSPC_AUTH_MAX + 1];	/* NULL ends */
	const char *body;	/* NULL: "" */
	size_t body_len;	/* 0: strlen(body) */
};

#define LIT(s) s, sizeof(s) - 1
#define RESP_ERR(n_, s_, r_) { .name = (n_), .in = (s_), .ret = (r_) }
#define RESP_LIT(n_, s_, r_) { .name = (n_), .in = (s_), .len = sizeof(s_) - 1, .ret = (r_) }

static struct resp_case resp_cases[] = {
	{ "resp/gst_describe", GST_DESCRIBE_H264, 0, 0, 200, 1, 0, NULL, NULL,
	  "rtsp://127.0.0.1:34741/stream/", NULL, NULL, NULL, { NULL },
	  GST_SDP_H264, 0 },
	{ "resp/gst_setup", GST_SETUP, 0, 0, 200, 2, 0, "MzCX-WVF-BigrU+0",
	  "RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=637EA424;mode=\"PLAY\"", NULL, NULL,
	  NULL, NULL, { NULL }, NULL, 0 },
	{ "resp/gst_play", GST_PLAY, 0, 0, 200, 3, 0, "MzCX-WVF-BigrU+0", NULL, NULL,
	  NULL, NULL, NULL, { NULL }, NULL, 0 },
	{ "resp/gst_401_two_schemes", GST_401, 0, 0, 401, 1, 0, NULL, NULL, NULL,
	  NULL, NULL, NULL, { GST_BASIC, GST_DIGEST }, NULL, 0 },
	{ "resp/five_auth_keeps_four",
	  "RTSP/1.0 401 Unauthorized\r\nCSeq: 9\r\nWWW-Authenticate: A\r\n"
	  "www-authenticate: B\r\nWWW-Authenticate: C\r\nWWW-Authenticate: D\r\n"
	  "WWW-Authenticate: E\r\n\r\n", 0, 0, 401, 9, 0, NULL, NULL, NULL, NULL,
	  NULL, NULL, { "A", "B", "C", "D" }, NULL, 0 },
	{ "resp/options_public",
	  "RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS, DESCRIBE, SETUP, TEARDOWN, "
	  "PLAY, PAUSE, GET_PARAMETER\r\n\r\n", 0, 0, 200, 1, 0, NULL, NULL, NULL,
	  NULL, NULL, "OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE, GET_PARAMETER",
	  { NULL }, NULL, 0 },
	{ "resp/redirect",
	  "RTSP/1.0 302 Moved Temporarily\r\nCSeq: 2\r\nLocation: rtsp://10.0.0.2/s\r\n"
	  "Content-Location: rtsp://10.0.0.1/s/\r\n\r\n", 0, 0, 302, 2, 0, NULL, NULL,
	  NULL, "rtsp://10.0.0.1/s/", "rtsp://10.0.0.2/s", NULL, { NULL }, NULL, 0 },
	{ "resp/lf_only",
	  "RTSP/1.0 200 OK\nCSeq: 4\nSession: abc;timeout=60\nContent-Length: 5\n\nhello",
	  0, 0, 200, 4, 0, "abc;timeout=60", NULL, NULL, NULL, NULL, NULL, { NULL },
	  "hello", 0 },
	{ "resp/crlf_then_lf_end", "RTSP/1.0 200 OK\r\nCSeq: 5\n\n", 0, 0, 200, 5, 0,
	  NULL, NULL, NULL, NULL, NULL, NULL, { NULL }, NULL, 0 },
	{ "resp/lf_then_crlf_end", "RTSP/1.0 200 OK\nCSeq: 5\n\r\n", 0, 0, 200, 5, 0,
	  NULL, NULL, NULL, NULL, NULL, NULL, { NULL }, NULL, 0 },
	{ "resp/server_set_parameter",
	  "SET_PARAMETER rtsp://x RTSP/1.0\r\nCSeq: 7\r\nContent-Type: text/parameters\r\n"
	  "Content-Length: 8\r\n\r\nfoo: 1\r\n", 0, 0, 0, 7, 0, NULL, NULL, NULL, NULL,
	  NULL, NULL, { NULL }, "foo: 1\r\n", 0 },
	{ "resp/server_options", "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n", 0, 0, 0, 1, 0,
	  NULL, NULL, NULL, NULL, NULL, NULL, { NULL }, NULL, 0 },
	{ "resp/ffmpeg_announce", FF_ANNOUNCE, 0, 0, 0, 2, 0, NULL, NULL, NULL, NULL,
	  NULL, NULL, { NULL }, FF_SDP_RTSP, 0 },
	/* What follows (interleaved data, the next response) is not used. */
	{ "resp/then_interleaved", LIT(GST_SETUP "$\0\0\4abcd"), 0, 200, 2,
	  sizeof GST_SETUP - 1, "MzCX-WVF-BigrU+0",
	  "RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=637EA424;mode=\"PLAY\"", NULL, NULL,
	  NULL, NULL, { NULL }, NULL, 0 },
	{ "resp/then_next_response", GST_PLAY GST_SETUP, 0, 0, 200, 3,
	  sizeof GST_PLAY - 1, "MzCX-WVF-BigrU+0", NULL, NULL, NULL, NULL, NULL,
	  { NULL }, NULL, 0 },
	{ "resp/body_then_more", "RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 3\r\n\r\n"
	  "abcRTSP/1.0", 0, 0, 200, 1, 50, NULL, NULL, NULL, NULL, NULL, NULL, { NULL },
	  "abc", 0 },
	{ "resp/body_with_nul", LIT("RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 3\r\n\r\na\0b"),
	  0, 200, 1, 0, NULL, NULL, NULL, NULL, NULL, NULL, { NULL }, "a\0b", 3 },
	{ "resp/header_case_space", "RTSP/1.0 454 Session Not Found\r\ncseq:   9\r\n"
	  "session:\t xyz\r\ncontent-length: 0\r\n\r\n", 0, 0, 454, 9, 0, "xyz", NULL,
	  NULL, NULL, NULL, NULL, { NULL }, NULL, 0 },
	{ "resp/no_cseq", "RTSP/1.0 200 OK\r\nServer: x\r\n\r\n", 0, 0, 200, -1, 0,
	  NULL, NULL, NULL, NULL, NULL, NULL, { NULL }, NULL, 0 },
	{ "resp/no_reason", "RTSP/1.0 200\r\nCSeq: 1\r\n\r\n", 0, 0, 200, 1, 0, NULL,
	  NULL, NULL, NULL, NULL, NULL, { NULL }, NULL, 0 },
	{ "resp/status_999", "RTSP/1.0 999 Odd\r\nCSeq: 1\r\n\r\n", 0, 0, 999, 1, 0,
	  NULL, NULL, NULL, NULL, NULL, NULL, { NULL }, NULL, 0 },
	{ "resp/folded_line_ignored", "RTSP/1.0 200 OK\r\nCSeq: 1\r\n continued\r\n\r\n",
	  0, 0, 200, 1, 0, NULL, NULL, NULL, NULL, NULL, NULL, { NULL }, NULL, 0 },

	RESP_ERR("resp_bad/status_two_digits", "RTSP/1.0 20 OK\r\nCSeq: 1\r\n\r\n", EC),
	RESP_ERR("resp_bad/status_four_digits", "RTSP/1.0 2000 OK\r\nCSeq: 1\r\n\r\n", EC),
	RESP_ERR("resp_bad/status_99", "RTSP/1.0 099 OK\r\nCSeq: 1\r\n\r\n", EC),
	RESP_ERR("resp_bad/status_plus", "RTSP/1.0 +20 OK\r\nCSeq: 1\r\n\r\n", EC),
	RESP_ERR("resp_bad/status_letters", "RTSP/1.0 abc OK\r\nCSeq: 1\r\n\r\n", EC),
	RESP_ERR("resp_bad/status_glued", "RTSP/1.0 200OK\r\nCSeq: 1\r\n\r\n", EC),
	RESP_ERR("resp_bad/http", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", EC),
	RESP_ERR("resp_bad/rtsp_2", "RTSP/2.0 200 OK\r\nCSeq: 1\r\n\r\n", EC),
	RESP_ERR("resp_bad/garbage_line", "hello world\r\nCSeq: 1\r\n\r\n", EC),
	RESP_ERR("resp_bad/empty_first_line", "\r\n\r\n", EC),
	RESP_ERR("resp_bad/header_without_colon", "RTSP/1.0 200 OK\r\nCSeq 1\r\n\r\n", EC),
	RESP_ERR("resp_bad/content_length_negative",
	  "RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: -1\r\n\r\n", EC),
	RESP_ERR("resp_bad/content_length_text",
	  "RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: abc\r\n\r\n", EC),
	RESP_ERR("resp_bad/content_length_empty",
	  "RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: \r\n\r\n", EC),
	RESP_ERR("resp_bad/content_length_over_max",
	  "RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 65537\r\n\r\n", EC),
	RESP_ERR("resp_bad/content_length_max_plus_head",
	  "RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 65536\r\n\r\n", EC),
	RESP_ERR("resp_bad/content_length_huge",
	  "RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 99999999999999999999999\r\n\r\n", EC),
	RESP_LIT("resp_bad/nul_in_header", "RTSP/1.0 200 OK\r\nCSeq: 1\0\r\n\r\n", EC),
	RESP_LIT("resp_bad/nul_in_status", "RTSP/1.0 200\0OK\r\nCSeq: 1\r\n\r\n", EC),

	RESP_ERR("resp_again/empty", "", EA),
	RESP_ERR("resp_again/head_cut", "RTSP/1.0 200 OK\r\nCSeq: 1\r\n", EA),
	RESP_ERR("resp_again/body_cut",
	  "RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 10\r\n\r\nabc", EA),
	/* Bytes after a NUL past the head are the body's business. */
	RESP_LIT("resp_again/garbage_no_head", "\0\1\2\3", EA),
};

static void
test_response(void **state)
{
	const struct resp_case *c = *state;
	size_t len = c->len ? c->len : strlen(c->in), used = 12345;
	char *in = exact(c->in, len);
	struct rtspc_resp *r = new_resp();
	int ret = rtspc_parse_response(in, len, r, &used);

	assert_int_equal(ret, c->ret);
	if (c->ret != 0) {
		assert_int_equal(used, 0);
	} else {
		const char *body = c->body ? c->body : "";
		size_t blen = c->body_len ? c->body_len : strlen(body);
		int nauth = 0;

		assert_int_equal(used, c->used ? c->used : len);
		assert_int_equal(r->status, c->status);
		assert_int_equal(r->cseq, c->cseq);
		assert_opt_string(r->session, c->session);
		assert_opt_string(r->transport, c->transport);
		assert_opt_string(r->content_base, c->content_base);
		assert_opt_string(r->content_location, c->content_location);
		assert_opt_string(r->location, c->location);
		assert_opt_string(r->public_methods, c->public_methods);
		while (c->auth[nauth] != NULL)
			nauth++;
		assert_int_equal(r->nauth, nauth);
		for (int i = 0; i < nauth; i++)
			assert_string_equal(r->auth[i], c->auth[i]);
		assert_int_equal(r->body_len, blen);
		assert_memory_equal(r->body, c->body_len ? c->body : body, blen);
		assert_int_equal(r->body[blen], '\0');
		/* Pointers stay inside r. */
		assert_true(r->body >= r->work && r->body + blen <= r->work + sizeof r->work);
	}
	free(r);
	free(in);
}

/* Every strict prefix of a whole message is ERR_AGAIN; all of it parses. */
static void
test_response_split(void **state)
{
	const struct resp_case *c = *state;
	size_t len = c->len ? c->len : strlen(c->in);
	struct rtspc_resp *r = new_resp();

	for (size_t n = 0; n <= len; n++) {
		char *in = exact(c->in, n);
		size_t used = 999;
		int ret = rtspc_parse_response(in, n, r, &used);

		if (n < len) {
			assert_int_equal(ret, EA);
			assert_int_equal(used, 0);
		} else {
			assert_int_equal(ret, 0);
			assert_int_equal(used, len);
			assert_int_equal(r->status, c->status);
			assert_int_equal(r->cseq, c->cseq);
		}
		free(in);
	}
	free(r);
}

static struct resp_case split_cases[] = {
	{ .name = "resp_split/gst_describe", .in = GST_DESCRIBE_H264, .status = 200,
	  .cseq = 1 },
	{ .name = "resp_split/gst_401", .in = GST_401, .status = 401, .cseq = 1 },
	{ .name = "resp_split/lf_only",
	  .in = "RTSP/1.0 200 OK\nCSeq: 4\nSession: abc\nContent-Length: 5\n\nhello",
	  .status = 200, .cseq = 4 },
	{ .name = "resp_split/server_request",
	  .in = "SET_PARAMETER rtsp://x RTSP/1.0\r\nCSeq: 7\r\nContent-Length: 8\r\n"
	  "\r\nfoo: 1\r\n", .status = 0, .cseq = 7 },
	{ .name = "resp_split/ffmpeg_announce", .in = FF_ANNOUNCE, .status = 0, .cseq = 2 },
};

/* Build "RTSP/1.0 200 OK\r\nCSeq: 1\r\nX: aaa...\r\n\r\n" of head bytes,
 * then "Content-Length" body bytes, in an exact-size buffer. */
static char *
big_response(size_t head, size_t body, int terminate)
{
	char *p = malloc(head + body > 0 ? head + body : 1), cl[64];
	size_t o;
	int n;

	assert_non_null(p);
	n = snprintf(cl, sizeof cl, "Content-Length: %zu\r\n", body);
	o = (size_t)snprintf(p, head, "RTSP/1.0 200 OK\r\nCSeq: 1\r\n%sX: ",
	    body ? cl : "");
	(void)n;
	assert_true(head > o + 4);
	memset(p + o, 'a', head - o);
	if (terminate)
		memcpy(p + head - 4, "\r\n\r\n", 4);
	memset(p + head, 'b', body);
	return p;
}

static void
test_response_limits(void **state)
{
	struct rtspc_resp *r = new_resp();
	size_t used, max = RTSPC_RESP_MAX;
	char *p;

	(void)state;
	/* A head of exactly the maximum. */
	p = big_response(max, 0, 1);
	assert_int_equal(rtspc_parse_response(p, max, r, &used), 0);
	assert_int_equal(used, max);
	assert_int_equal(r->body_len, 0);
	free(p);
	/* One byte more: corrupt, not "wait for more". */
	p = big_response(max + 1, 0, 1);
	assert_int_equal(rtspc_parse_response(p, max + 1, r, &used), EC);
	assert_int_equal(used, 0);
	free(p);
	/* No end of head yet: wait below the maximum, give up at it. */
	p = big_response(max, 0, 0);
	assert_int_equal(rtspc_parse_response(p, max - 1, r, &used), EA);
	assert_int_equal(rtspc_parse_response(p, max, r, &used), EC);
	free(p);
	/* Head and body of exactly the maximum. */
	p = big_response(1000, max - 1000, 1);
	assert_int_equal(rtspc_parse_response(p, 1000, r, &used), EA);
	assert_int_equal(rtspc_parse_response(p, max - 1, r, &used), EA);
	assert_int_equal(rtspc_parse_response(p, max, r, &used), 0);
	assert_int_equal(used, max);
	assert_int_equal(r->body_len, max - 1000);
	assert_int_equal(r->body[0], 'b');
	assert_int_equal(r->body[max - 1001], 'b');
	assert_int_equal(r->body[max - 1000], '\0');
	free(p);
	/* One more byte of body: corrupt as soon as the head is in. */
	p = big_response(1000, max - 999, 1);
	assert_int_equal(rtspc_parse_response(p, 1000, r, &used), EC);
	free(p);
	free(r);
}

/* ---- rtspc_parse_sdp ------------------------------------------------------- */

struct sdp_case {
	const char *name;
	const char *sdp;
	size_t len;		/* 0: strlen */
	int ret;
	int hevc, pt, donl;
	const char *encoding, *control, *session_control;
	const char *extradata;	/* hex */
	double fps;
};

#define V264 "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
#define V265 "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H265/90000\r\n"
#define SETS264 "sprop-parameter-sets=Z0LACtoR7ARAAAADAEAAAAyDxImo,aM4PyA=="
#define VPS_B64 "QAEMAf//AWAAAAMAkAAAAwAAAwAelZgJ"
#define SPS_B64 "QgEBAWAAAAMAkAAAAwAAAwAeoCCDFllZrkyvAWgIAAADAAgAAAMAyEA="
#define PPS_B64 "RAHBc9CJ"

static struct sdp_case sdp_cases[] = {
	{ "sdp/gst_h264", GST_SDP_H264, 0, 0, 0, 96, 0, "H264", "stream=0", "*",
	  GST_ED_H264, 25 },
	{ "sdp/gst_h265", GST_SDP_H265, 0, 0, 1, 96, 0, "H265", "stream=0", "*",
	  GST_ED_H265, 25 },
	{ "sdp/gst_jpeg", GST_SDP_JPEG, 0, EU, 0, -1, 0, "JPEG", NULL, NULL, NULL, 0 },
	{ "sdp/ffmpeg_h264", FF_SDP_H264, 0, 0, 0, 96, 0, "H264", "", "", FF_ED_H264, 0 },
	{ "sdp/ffmpeg_h265", FF_SDP_H265, 0, 0, 1, 96, 0, "H265", "", "", FF_ED_H265, 0 },
	{ "sdp/ffmpeg_audio_then_video", FF_SDP_AUDIO_VIDEO, 0, 0, 0, 96, 0, "H264", "",
	  "", FF_ED_H264, 0 },
	{ "sdp/ffmpeg_rtsp_announce", FF_SDP_RTSP, 0, 0, 0, 96, 0, "H264", "streamid=0",
	  "", FF_ED_H264, 0 },
	/* The audio section's frame rate is not the video's. */
	{ "sdp/camera_absolute_controls", CAM_SDP, 0, 0, 0, 96, 0, "H264",
	  "rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1?transportmode=unicast",
	  "rtsp://192.168.1.64:554/Streaming/Channels/101/?transportmode=unicast",
	  CAM_ED, 0 },
	{ "sdp/h265_donl", V265 "a=fmtp:96 sprop-max-don-diff=2;sprop-vps=" VPS_B64
	  ";sprop-sps=" SPS_B64 ";sprop-pps=" PPS_B64 "\r\n", 0, 0, 1, 96, 1, "H265",
	  "", "", FF_ED_H265, 0 },
	{ "sdp/h265_don_diff_0", V265 "a=fmtp:96 sprop-max-don-diff=0;sprop-vps=" VPS_B64
	  ";sprop-sps=" SPS_B64 ";sprop-pps=" PPS_B64 "\r\n", 0, 0, 1, 96, 0, "H265",
	  "", "", FF_ED_H265, 0 },
	/* Extradata is VPS, SPS, PPS whatever the order in the fmtp. */
	{ "sdp/h265_sets_reordered", V265 "a=fmtp:96 sprop-pps=" PPS_B64 "; sprop-sps="
	  SPS_B64 "; sprop-vps=" VPS_B64 "\r\n", 0, 0, 1, 96, 0, "H265", "", "",
	  FF_ED_H265, 0 },
	{ "sdp/h265_two_pps", V265 "a=fmtp:96 sprop-vps=" VPS_B64 ";sprop-sps=" SPS_B64
	  ";sprop-pps=" PPS_B64 ",RAHAcYMS\r\n", 0, 0, 1, 96, 0, "H265", "", "",
	  FF_ED_H265 " 00000001 4401c0718312", 0 },
	{ "sdp/h264_mode_0", V264 "a=fmtp:96 packetization-mode=0;" SETS264 "\r\n", 0, 0,
	  0, 96, 0, "H264", "", "", FF_ED_H264, 0 },
	{ "sdp/h264_no_fmtp", V264, 0, 0, 0, 96, 0, "H264", "", "", "", 0 },
	{ "sdp/h264_ffmpeg_no_global_header", V264 "a=fmtp:96 packetization-mode=1\r\n",
	  0, 0, 0, 96, 0, "H264", "", "", "", 0 },
	{ "sdp/h264_lowercase_encoding", "m=video 0 RTP/AVP 97\r\na=rtpmap:97 h264/90000\r\n"
	  "a=fmtp:97 " SETS264 "\r\n", 0, 0, 0, 97, 0, "h264", "", "", FF_ED_H264, 0 },
	{ "sdp/lf_only", "v=0\na=control:rtsp://h/s\nm=video 0 RTP/AVP 96\n"
	  "a=rtpmap:96 H264/90000\na=fmtp:96 " SETS264 "\na=control:track1\n"
	  "a=framerate:15\n", 0, 0, 0, 96, 0, "H264", "track1", "rtsp://h/s",
	  FF_ED_H264, 15 },
	{ "sdp/no_final_newline", V264 "a=fmtp:96 " SETS264 "\r\na=control:track1", 0, 0,
	  0, 96, 0, "H264", "track1", "", FF_ED_H264, 0 },
	{ "sdp/control_trailing_blanks", V264 "a=control:stream=0 \t \r\n", 0, 0, 0, 96, 0,
	  "H264", "stream=0", "", "", 0 },
	{ "sdp/framerate_fraction", V264 "a=framerate:29.97\r\n", 0, 0, 0, 96, 0, "H264",
	  "", "", "", 29.97 },
	{ "sdp/x_framerate", V264 "a=x-framerate:30\r\n", 0, 0, 0, 96, 0, "H264", "", "",
	  "", 30 },
	{ "sdp/framerate_240", V264 "a=framerate:240\r\n", 0, 0, 0, 96, 0, "H264", "", "",
	  "", 240 },
	{ "sdp/framerate_too_high", V264 "a=framerate:1000\r\n", 0, 0, 0, 96, 0, "H264",
	  "", "", "", 0 },
	{ "sdp/framerate_zero", V264 "a=framerate:0\r\n", 0, 0, 0, 96, 0, "H264", "", "",
	  "", 0 },
	{ "sdp/framerate_negative", V264 "a=framerate:-25\r\n", 0, 0, 0, 96, 0, "H264",
	  "", "", "", 0 },
	{ "sdp/framerate_text", V264 "a=framerate:fast\r\n", 0, 0, 0, 96, 0, "H264", "",
	  "", "", 0 },
	/* Of two video sections the first H.264/H.265 one counts; encoding
	 * names the first video for messages. */
	{ "sdp/mpeg4_then_h264", "m=video 0 RTP/AVP 96\r\na=rtpmap:96 MP4V-ES/90000\r\n"
	  "a=control:trackID=0\r\nm=video 0 RTP/AVP 97\r\na=rtpmap:97 H264/90000\r\n"
	  "a=fmtp:97 " SETS264 "\r\na=control:trackID=1\r\n", 0, 0, 0, 97, 0, "MP4V-ES",
	  "trackID=1", "", FF_ED_H264, 0 },
	{ "sdp/h264_then_h265", V264 "a=control:a\r\n" V265 "a=control:b\r\n", 0, 0, 0,
	  96, 0, "H264", "a", "", "", 0 },
	/* Only the fmtp of the chosen payload type counts. */
	{ "sdp/fmtp_other_pt_ignored", "m=video 0 RTP/AVP 96 97\r\n"
	  "a=rtpmap:96 H264/90000\r\na=rtpmap:97 H264/90000\r\n"
	  "a=fmtp:97 packetization-mode=2;sprop-parameter-sets=@@@@\r\n"
	  "a=fmtp:96 " SETS264 "\r\n", 0, 0, 0, 96, 0, "H264", "", "", FF_ED_H264, 0 },
	{ "sdp/audio_fmtp_same_pt_ignored", "m=audio 0 RTP/AVP 96\r\n"
	  "a=rtpmap:96 H264/90000\r\na=fmtp:96 sprop-parameter-sets=@@@@\r\n"
	  "a=control:audio\r\n" V264 "a=fmtp:96 " SETS264 "\r\na=control:video\r\n",
	  0, 0, 0, 96, 0, "H264", "video", "", FF_ED_H264, 0 },

	{ "sdp_bad/mjpeg_static_pt", "v=0\r\nm=video 0 RTP/AVP 26\r\nc=IN IP4 0.0.0.0\r\n"
	  "a=control:track1\r\n", 0, EU, 0, -1, 0, "JPEG", NULL, NULL, NULL, 0 },
	{ "sdp_bad/audio_only", "v=0\r\nm=audio 0 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n",
	  0, EU, 0, -1, 0, "", NULL, NULL, NULL, 0 },
	{ "sdp_bad/empty", "", 0, EU, 0, -1, 0, "", NULL, NULL, NULL, 0 },
	{ "sdp_bad/mpeg4_only", "m=video 0 RTP/AVP 96\r\na=rtpmap:96 MP4V-ES/90000\r\n",
	  0, EU, 0, -1, 0, "MP4V-ES", NULL, NULL, NULL, 0 },
	{ "sdp_bad/rtpmap_pt_not_listed", "m=video 0 RTP/AVP 96\r\n"
	  "a=rtpmap:97 H264/90000\r\n", 0, EU, 0, -1, 0, "", NULL, NULL, NULL, 0 },
	/* Found by fuzz_rtspc: a non-numeric payload type matched the
	 * non-numeric format field "RTP/AVP" of the m= line. */
	{ "sdp_bad/rtpmap_pt_not_a_number", "m=video 0 RTP/AVP A6\r\n"
	  "a=rtpmap:A6 H264/90000\r\n", 0, EU, 0, -1, 0, "", NULL, NULL, NULL, 0 },
	{ "sdp_bad/mode_2", V264 "a=fmtp:96 packetization-mode=2;" SETS264 "\r\n", 0,
	  EU, 0, 96, 0, "H264", NULL, NULL, NULL, 0 },
	{ "sdp_bad/base64_h264", V264 "a=fmtp:96 sprop-parameter-sets=Z0L!AA==,aM48gA==\r\n",
	  0, EC, 0, 96, 0, "H264", NULL, NULL, NULL, 0 },
	{ "sdp_bad/base64_second_set", V264 "a=fmtp:96 sprop-parameter-sets="
	  "Z0LACtoR7ARAAAADAEAAAAyDxImo,aM4P yA==\r\n", 0, EC, 0, 96, 0, "H264", NULL,
	  NULL, NULL, 0 },
	{ "sdp_bad/base64_h265", V265 "a=fmtp:96 sprop-vps=@@@@;sprop-sps=" SPS_B64
	  ";sprop-pps=" PPS_B64 "\r\n", 0, EC, 1, 96, 0, "H265", NULL, NULL, NULL, 0 },
	{ "sdp_bad/base64_one_char", V264 "a=fmtp:96 sprop-parameter-sets=Z\r\n", 0, EC,
	  0, 96, 0, "H264", NULL, NULL, NULL, 0 },
};

/*
 * BUG (shows under SANITIZE=address): a payload type at the very end of
 * an SDP that is not NUL-terminated is read with atoi, past len. These
 * run last: the sanitizer stops the program at the first bad read.
 */
static struct sdp_case overread_cases[] = {
	{ "sdp_overread/rtpmap_pt_at_end", LIT("m=video 0 RTP/AVP 96\r\na=rtpmap:96"), EU,
	  0, -1, 0, "", NULL, NULL, NULL, 0 },
	{ "sdp_overread/fmtp_pt_at_end",
	  LIT("m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96"), 0, 0, 96,
	  0, "H264", "", "", "", 0 },
};

static void
test_sdp(void **state)
{
	const struct sdp_case *c = *state;
	size_t len = c->len ? c->len : strlen(c->sdp);
	char *in = exact(c->sdp, len);
	struct rtspc_media *m = malloc(sizeof *m);
	int ret;

	assert_non_null(m);
	memset(m, 0xa5, sizeof *m);
	ret = rtspc_parse_sdp(in, len, m);
	assert_int_equal(ret, c->ret);
	assert_string_equal(m->encoding, c->encoding);
	if (ret == 0 || c->pt >= 0)
		assert_int_equal(m->pt, c->pt);
	if (ret == 0) {
		size_t elen;
		uint8_t *ed = unit_unhex(c->extradata, &elen);

		assert_int_equal(m->hevc, c->hevc);
		assert_int_equal(m->donl, c->donl);
		assert_string_equal(m->control, c->control);
		assert_string_equal(m->session_control, c->session_control);
		assert_int_equal(m->extradata_size, elen);
		assert_memory_equal(m->extradata, ed, elen);
		assert_true(m->fps == c->fps);
		free(ed);
	}
	free(m);
	free(in);
}

/* "QUFB" is "AAA": n bytes of 'A' as base64. */
static char *
b64_as(size_t n)
{
	char *s = malloc(n / 3 * 4 + 5), *o = s;

	assert_non_null(s);
	for (size_t i = 0; i < n / 3; i++, o += 4)
		memcpy(o, "QUFB", 4);
	if (n % 3 == 1)
		memcpy(o, "QQ==", 4), o += 4;
	else if (n % 3 == 2)
		memcpy(o, "QUE=", 4), o += 4;
	*o = '\0';
	return s;
}

struct ed_case {
	const char *name;
	size_t set;		/* bytes of the second parameter set */
	int ret;
};

/* A 21-byte SPS (25 in Annex B) and a second set filling the rest. */
static struct ed_case ed_cases[] = {
	{ "sdp_extradata/exact_fit", RTSPC_EXTRADATA_MAX - 25 - 4, 0 },
	{ "sdp_extradata/one_under", RTSPC_EXTRADATA_MAX - 25 - 5, 0 },
	/*
	 * BUG: av_base64_decode stops at its out_size without an error, so
	 * a set that does not fit is cut short and the SDP accepted with
	 * broken extradata.
	 */
	{ "sdp_extradata/one_over", RTSPC_EXTRADATA_MAX - 25 - 3, EC },
	{ "sdp_extradata/far_over", 3000, EC },
};

static void
test_sdp_extradata(void **state)
{
	const struct ed_case *c = *state;
	char *b64 = b64_as(c->set), *sdp;
	struct rtspc_media *m = malloc(sizeof *m);
	size_t len;
	int ret;

	assert_non_null(m);
	sdp = malloc(strlen(b64) + 256);
	assert_non_null(sdp);
	len = (size_t)sprintf(sdp, V264 "a=fmtp:96 sprop-parameter-sets="
	    "Z0LACtoR7ARAAAADAEAAAAyDxImo,%s\r\n", b64);
	ret = rtspc_parse_sdp(sdp, len, m);
	assert_int_equal(ret, c->ret);
	if (ret == 0) {
		assert_int_equal(m->extradata_size, 25 + 4 + c->set);
		assert_int_equal(m->extradata[25 + 3], 1);
		for (size_t i = 0; i < c->set; i++)
			assert_int_equal(m->extradata[29 + i], 'A');
	}
	free(sdp);
	free(b64);
	free(m);
}

/* Every prefix of a real SDP: an error or a result, and no over-read
 * (this one too ends some prefixes in "a=rtpmap:96"). */
static void
test_sdp_prefixes(void **state)
{
	static const char *const sdps[] = { GST_SDP_H264, GST_SDP_H265, CAM_SDP };
	struct rtspc_media *m = malloc(sizeof *m);

	(void)state;
	assert_non_null(m);
	for (size_t k = 0; k < NELEM(sdps); k++) {
		size_t len = strlen(sdps[k]);

		for (size_t n = 0; n <= len; n++) {
			char *in = exact(sdps[k], n);
			int ret = rtspc_parse_sdp(in, n, m);

			assert_true(ret == 0 || ret == EU || ret == EC);
			if (n == len)
				assert_int_equal(ret, 0);
			free(in);
		}
	}
	free(m);
}

/* ---- rtspc_parse_auth ------------------------------------------------------ */

struct auth_case {
	const char *name, *in;
	int ret;
	enum rtspc_auth_kind kind;
	const char *realm, *nonce, *opaque;
	int qop_auth, sess, stale;
};

#define DIGEST RTSPC_AUTH_DIGEST
#define BASIC RTSPC_AUTH_BASIC
#define AUTH_ERR(n_, s_, r_) { .name = (n_), .in = (s_), .ret = (r_) }

static struct auth_case auth_cases[] = {
	{ "auth/gst_basic", GST_BASIC, 0, BASIC, "GStreamer RTSP Server", "", "", 0, 0, 0 },
	{ "auth/gst_digest", GST_DIGEST, 0, DIGEST, "GStreamer RTSP Server",
	  "64c84a23771fcde4", "", 0, 0, 0 },
	{ "auth/camera_stale_false", "Digest realm=\"IP Camera(C6789)\", "
	  "nonce=\"a5d4ef0c0b1ee8a9e7c6c8e2f5a6b7c8\", stale=\"FALSE\"", 0, DIGEST,
	  "IP Camera(C6789)", "a5d4ef0c0b1ee8a9e7c6c8e2f5a6b7c8", "", 0, 0, 0 },
	{ "auth/qop_opaque_algorithm", "Digest realm=\"testrealm@host.com\", "
	  "qop=\"auth,auth-int\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
	  "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", algorithm=MD5", 0, DIGEST,
	  "testrealm@host.com", "dcd98b7102dd2f0e8b11d0f600bfb0c093",
	  "5ccc069c403ebaf9f0171e9517f40e41", 1, 0, 0 },
	{ "auth/qop_int_first", "Digest nonce=\"n\", qop=\"auth-int, auth\"", 0, DIGEST,
	  "", "n", "", 1, 0, 0 },
	{ "auth/qop_unquoted", "Digest nonce=n, qop=auth", 0, DIGEST, "", "n", "", 1, 0, 0 },
	{ "auth/quoted_commas_escapes", "Digest realm=\"a, b \\\"c\\\"\", "
	  "nonce=\"n,1 2\", opaque=\"x\\\\y\"", 0, DIGEST, "a, b \"c\"", "n,1 2", "x\\y",
	  0, 0, 0 },
	{ "auth/md5_sess", "Digest realm=\"r\", nonce=\"n\", algorithm=MD5-sess, qop=\"auth\"",
	  0, DIGEST, "r", "n", "", 1, 1, 0 },
	{ "auth/md5_sess_quoted_case", "Digest realm=\"r\", nonce=\"n\", algorithm=\"md5-SESS\"",
	  0, DIGEST, "r", "n", "", 0, 1, 0 },
	{ "auth/stale_true", "Digest realm=\"r\", nonce=\"n2\", stale=TRUE", 0, DIGEST,
	  "r", "n2", "", 0, 0, 1 },
	{ "auth/stale_quoted_true", "Digest realm=\"r\", nonce=\"n2\", stale=\"true\"", 0,
	  DIGEST, "r", "n2", "", 0, 0, 1 },
	{ "auth/unquoted_values", "Digest realm=cam,nonce=abc", 0, DIGEST, "cam", "abc",
	  "", 0, 0, 0 },
	{ "auth/spaces_around_equals", "Digest realm = \"r\" , nonce = \"n\"", 0, DIGEST,
	  "r", "n", "", 0, 0, 0 },
	{ "auth/lowercase_scheme", "digest realm=\"r\", nonce=\"n\"", 0, DIGEST, "r", "n",
	  "", 0, 0, 0 },
	{ "auth/unknown_param_ignored", "Digest realm=\"r\", domain=\"/a /b\", nonce=\"n\", "
	  "charset=UTF-8, userhash=false", 0, DIGEST, "r", "n", "", 0, 0, 0 },
	{ "auth/unterminated_quote", "Digest nonce=\"abc", 0, DIGEST, "", "abc", "", 0, 0, 0 },
	{ "auth/basic_bare", "Basic", 0, BASIC, "", "", "", 0, 0, 0 },
	{ "auth/basic_lowercase", "basic realm=\"x\"", 0, BASIC, "x", "", "", 0, 0, 0 },

	AUTH_ERR("auth_bad/auth_int_only",
	    "Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"", EU),
	AUTH_ERR("auth_bad/sha256", "Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256", EU),
	AUTH_ERR("auth_bad/sha256_sess",
	    "Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256-sess", EU),
	AUTH_ERR("auth_bad/bearer", "Bearer realm=\"x\"", EU),
	AUTH_ERR("auth_bad/negotiate", "Negotiate", EU),
	AUTH_ERR("auth_bad/basic_prefix", "BasicX realm=x", EU),
	AUTH_ERR("auth_bad/digest_prefix", "Digestive nonce=n", EU),
	AUTH_ERR("auth_bad/empty", "", EU),
	AUTH_ERR("auth_bad/no_nonce", "Digest realm=\"r\"", EC),
	AUTH_ERR("auth_bad/empty_nonce", "Digest realm=\"r\", nonce=\"\"", EC),
	AUTH_ERR("auth_bad/only_commas", "Digest ,,, ,", EC),
};

static void
test_auth(void **state)
{
	const struct auth_case *c = *state;
	char *in = strdup(c->in);	/* exact size, NUL included */
	struct rtspc_auth a;

	assert_non_null(in);
	memset(&a, 0xa5, sizeof a);
	assert_int_equal(rtspc_parse_auth(in, &a), c->ret);
	if (c->ret == 0) {
		assert_int_equal(a.kind, c->kind);
		assert_string_equal(a.realm, c->realm);
		assert_string_equal(a.nonce, c->nonce);
		assert_string_equal(a.opaque, c->opaque);
		assert_int_equal(a.qop_auth, c->qop_auth);
		assert_int_equal(a.sess, c->sess);
		assert_int_equal(a.stale, c->stale);
	}
	assert_string_equal(in, c->in);	/* input untouched */
	free(in);
}

/* Values longer than the fields are cut, and what follows still parsed. */
static void
test_auth_long(void **state)
{
	char in[2048], realm[600];
	struct rtspc_auth a;

	(void)state;
	memset(realm, 'r', sizeof realm - 1);
	realm[sizeof realm - 1] = '\0';
	snprintf(in, sizeof in, "Digest realm=\"%s\", nonce=\"%s\", stale=true, "
	    "qop=\"auth\"", realm, realm + 100);
	assert_int_equal(rtspc_parse_auth(in, &a), 0);
	assert_int_equal(strlen(a.realm), sizeof a.realm - 1);
	assert_int_equal(strlen(a.nonce), sizeof a.nonce - 1);
	assert_int_equal(a.realm[0], 'r');
	assert_true(a.stale);
	assert_true(a.qop_auth);
	/* A key longer than the parser's key buffer does not stop it. */
	snprintf(in, sizeof in, "Digest %.100s=\"x\", nonce=\"good\"", realm);
	assert_int_equal(rtspc_parse_auth(in, &a), 0);
	assert_string_equal(a.nonce, "good");
}

/*
 * Camera threads parse WWW-Authenticate values at the same time. BUG:
 * the qop list is split with strtok, whose hidden state is shared by
 * all threads (and clobbers a caller's own strtok loop).
 */
#define AUTH_THREAD_ITER 200000

static void *
auth_thread(void *arg)
{
	const char *in = arg;
	long bad = 0;

	for (int i = 0; i < AUTH_THREAD_ITER; i++) {
		struct rtspc_auth a;

		if (rtspc_parse_auth(in, &a) != 0 || !a.qop_auth)
			bad++;
	}
	return (void *)bad;
}

static void
test_auth_threads(void **state)
{
	static char in1[] = "Digest nonce=\"n\", qop=\"auth-int,auth-int,auth-int,auth\"";
	static char in2[] = "Digest nonce=\"m\", qop=\"auth-int,auth-int,auth,auth-int\"";
	pthread_t t1, t2;
	void *r1, *r2;

	(void)state;
	assert_int_equal(pthread_create(&t1, NULL, auth_thread, in1), 0);
	assert_int_equal(pthread_create(&t2, NULL, auth_thread, in2), 0);
	assert_int_equal(pthread_join(t1, &r1), 0);
	assert_int_equal(pthread_join(t2, &r2), 0);
	assert_int_equal((long)r1, 0);
	assert_int_equal((long)r2, 0);
}

/* ---- Digest answers of rtspc_open ----------------------------------------- */

struct fake_cam {
	int lfd;
	char www[1024];		/* the WWW-Authenticate value sent */
	char req[16384];	/* the request that came back with credentials */
	size_t req_len;
};

/* Read a request head (to the blank line) or what came within 1 s. */
static size_t
read_head(int fd, char *buf, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, 1000) <= 0)
			break;
		r = recv(fd, buf + n, cap - 1 - n, 0);
		if (r <= 0)
			break;
		n += (size_t)r;
		buf[n] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL)
			break;
	}
	buf[n] = '\0';
	return n;
}

/* Answer the first request with 401, keep the second, hang up. */
static void *
fake_cam_run(void *arg)
{
	struct fake_cam *f = arg;
	char buf[16384], resp[2048];
	const char *cs;
	int fd = accept(f->lfd, NULL, NULL), n;

	if (fd < 0)
		return NULL;
	read_head(fd, buf, sizeof buf);
	cs = strstr(buf, "CSeq: ");
	n = snprintf(resp, sizeof resp, "RTSP/1.0 401 Unauthorized\r\nCSeq: %ld\r\n"
	    "WWW-Authenticate: %s\r\n\r\n", cs ? strtol(cs + 6, NULL, 10) : 0, f->www);
	if (send(fd, resp, (size_t)n, MSG_NOSIGNAL) == n)
		f->req_len = read_head(fd, f->req, sizeof f->req);
	close(fd);
	return NULL;
}

static void
md5_hex(char out[33], const char *fmt, ...)
{
	char buf[4096];
	uint8_t sum[16];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof buf);
	av_md5_sum(sum, (const uint8_t *)buf, (size_t)n);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", sum[i]);
}

/* The value of key in a Digest header line (quoted or not), or "". */
static void
digest_param(const char *line, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key), n = 0;
	const char *p = line;

	out[0] = '\0';
	while ((p = strstr(p, key)) != NULL) {
		if ((p[-1] == ' ' || p[-1] == ',') && p[kl] == '=') {
			int quoted = p[kl + 1] == '"';

			for (p += kl + 1 + quoted; *p != '\0' && *p != '\r' &&
			    (quoted ? *p != '"' : *p != ','); p++)
				if (n + 1 < cap)
					out[n++] = *p;
			out[n] = '\0';
			return;
		}
		p += kl;
	}
}

struct digest_case {
	const char *name;
	size_t path_len;	/* characters of URL path */
	size_t realm_len, nonce_len, opaque_len;
	int qop, sess;
};

static struct digest_case digest_cases[] = {
	{ "digest/plain", 6, 21, 16, 0, 0, 0 },
	{ "digest/qop_opaque", 6, 30, 32, 32, 1, 0 },
	{ "digest/md5_sess", 20, 30, 40, 0, 1, 1 },
	{ "digest/long_url", 600, 30, 32, 0, 1, 0 },
	/*
	 * BUG: authorization() writes the header into a 1024-byte buffer
	 * with snprintf and ignores truncation: with a long URL (up to
	 * RTSPC_URL_MAX) and realm/nonce/opaque (up to 255 each) the header
	 * loses its tail and CRLF, and the request its end.
	 */
	{ "digest/long_url_long_challenge", 600, 200, 250, 250, 1, 0 },
};

static void
test_digest(void **state)
{
	const struct digest_case *c = *state;
	static struct fake_cam f;
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof a;
	char url[2048], path[1024], realm[300], nonce[300], opaque[300], ha1[33],
	    ha2[33], want[33], v[1200], uri[1200], line[4096];
	struct rtspc_opts o = { .url = url, .transport = RTSPC_TCP, .timeout_ms = 3000 };
	struct rtspc *rc = NULL;
	char *cause = NULL, *l, *e;
	pthread_t th;
	size_t n;

	memset(&f, 0, sizeof f);
	memset(path, 'p', c->path_len);
	path[c->path_len] = '\0';
	memset(realm, 'r', c->realm_len);
	realm[c->realm_len] = '\0';
	memset(nonce, 'n', c->nonce_len);
	nonce[c->nonce_len] = '\0';
	memset(opaque, 'o', c->opaque_len);
	opaque[c->opaque_len] = '\0';
	n = (size_t)snprintf(f.www, sizeof f.www, "Digest realm=\"%s\", nonce=\"%s\"",
	    realm, nonce);
	if (c->opaque_len)
		n += (size_t)snprintf(f.www + n, sizeof f.www - n, ", opaque=\"%s\"", opaque);
	if (c->qop)
		n += (size_t)snprintf(f.www + n, sizeof f.www - n, ", qop=\"auth,auth-int\"");
	if (c->sess)
		snprintf(f.www + n, sizeof f.www - n, ", algorithm=MD5-sess");

	f.lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(f.lfd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(f.lfd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(f.lfd, 1), 0);
	assert_int_equal(getsockname(f.lfd, (struct sockaddr *)&a, &al), 0);
	snprintf(url, sizeof url, "rtsp://al%%69ce:s3cr%%3At@127.0.0.1:%d/%s",
	    ntohs(a.sin_port), path);
	assert_int_equal(pthread_create(&th, NULL, fake_cam_run, &f), 0);
	assert_true(rtspc_open(&o, &rc, &cause) < 0);	/* it hung up */
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_null(rc);
	free(cause);
	close(f.lfd);

	/* A whole request, and its Authorization a whole header line. */
	assert_true(f.req_len > 4);
	assert_string_equal(f.req + f.req_len - 4, "\r\n\r\n");
	assert_true(strncmp(f.req, "OPTIONS ", 8) == 0);
	e = strchr(f.req + 8, ' ');
	assert_non_null(e);
	snprintf(uri, sizeof uri, "%.*s", (int)(e - f.req - 8), f.req + 8);
	l = strstr(f.req, "\r\nAuthorization: Digest ");
	assert_non_null(l);
	l += 2;
	e = strstr(l, "\r\n");
	snprintf(line, sizeof line, "%.*s", (int)(e - l), l);

	digest_param(line, "username", v, sizeof v);
	assert_string_equal(v, "alice");
	digest_param(line, "realm", v, sizeof v);
	assert_string_equal(v, realm);
	digest_param(line, "nonce", v, sizeof v);
	assert_string_equal(v, nonce);
	digest_param(line, "uri", v, sizeof v);
	assert_string_equal(v, uri);
	digest_param(line, "opaque", v, sizeof v);
	assert_string_equal(v, opaque);
	digest_param(line, "algorithm", v, sizeof v);
	assert_string_equal(v, c->sess ? "MD5-sess" : "");

	md5_hex(ha1, "alice:%s:s3cr:t", realm);
	md5_hex(ha2, "OPTIONS:%s", uri);
	if (c->qop) {
		char cnonce[64], nc[16];

		digest_param(line, "qop", v, sizeof v);
		assert_string_equal(v, "auth");
		digest_param(line, "nc", nc, sizeof nc);
		assert_string_equal(nc, "00000001");
		digest_param(line, "cnonce", cnonce, sizeof cnonce);
		assert_int_equal(strlen(cnonce), 16);
		if (c->sess)
			md5_hex(ha1, "%s:%s:%s", ha1, nonce, cnonce);
		md5_hex(want, "%s:%s:%s:%s:auth:%s", ha1, nonce, nc, cnonce, ha2);
	} else {
		digest_param(line, "qop", v, sizeof v);
		assert_string_equal(v, "");
		md5_hex(want, "%s:%s:%s", ha1, nonce, ha2);
	}
	digest_param(line, "response", v, sizeof v);
	assert_string_equal(v, want);
}

int
main(void)
{
	static struct unit_list l;

	UNIT_TABLE(&l, resp_cases, test_response);
	UNIT_TABLE(&l, split_cases, test_response_split);
	UNIT_TEST(&l, test_response_limits);
	UNIT_TABLE(&l, sdp_cases, test_sdp);
	UNIT_TABLE(&l, ed_cases, test_sdp_extradata);
	UNIT_TABLE(&l, auth_cases, test_auth);
	UNIT_TEST(&l, test_auth_long);
	UNIT_TEST(&l, test_auth_threads);
	UNIT_TABLE(&l, digest_cases, test_digest);
	UNIT_TABLE(&l, overread_cases, test_sdp);
	UNIT_TEST(&l, test_sdp_prefixes);
	return unit_run("rtspc", &l);
}
