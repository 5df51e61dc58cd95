/*
 * libFuzzer driver for the parsers of the RTSP client (codecs/rtspc.c),
 * which read what a camera answers: RTSP responses (and requests the
 * camera sends), SDP and WWW-Authenticate values. Any bytes must give a
 * result or an error, never a crash or an out-of-bounds read. The input
 * is parsed as a response (the SDP and challenges in it too), then as an
 * SDP and as a WWW-Authenticate value of its own, each from a
 * NUL-terminated copy. Seed corpus: tests/fuzz/corpus/rtspc/ (answers of
 * GStreamer's RTSP server, FFmpeg SDPs, Digest challenges).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../codecs/rtspc.h"
#include "../../util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rtspc_resp resp;
static struct rtspc_media media;

static void
sdp(const char *p, size_t n)
{
	int ret = rtspc_parse_sdp(p, n, &media);

	if (ret == 0) {
		if (media.extradata_size > sizeof media.extradata || media.pt < 0 ||
		    media.pt > 127 ||
		    memchr(media.control, '\0', sizeof media.control) == NULL)
			abort();
	} else if (ret != ERR_UNSUPPORTED && ret != ERR_CORRUPT) {
		abort();
	}
	if (memchr(media.encoding, '\0', sizeof media.encoding) == NULL)
		abort();
}

static void
auth(const char *v)
{
	struct rtspc_auth a;
	int ret = rtspc_parse_auth(v, &a);

	if (ret == 0) {
		if (a.kind != RTSPC_AUTH_BASIC && a.kind != RTSPC_AUTH_DIGEST)
			abort();
		if (a.kind == RTSPC_AUTH_DIGEST && a.nonce[0] == '\0')
			abort();
	} else if (ret != ERR_UNSUPPORTED && ret != ERR_CORRUPT) {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	size_t used;
	int ret;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	ret = rtspc_parse_response(text, size, &resp, &used);
	if (ret == 0) {
		if (used == 0 || used > size || resp.body_len > used ||
		    resp.body[resp.body_len] != '\0' || resp.nauth > RTSPC_AUTH_MAX)
			abort();
		sdp(resp.body, resp.body_len);
		for (int i = 0; i < resp.nauth; i++)
			auth(resp.auth[i]);
	} else if (ret != ERR_AGAIN && ret != ERR_CORRUPT) {
		abort();
	}
	sdp(text, size);
	auth(text);
	free(text);
	return 0;
}
