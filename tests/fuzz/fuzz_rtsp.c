/*
 * libFuzzer driver for what the RTSP server reads from the network:
 * request heads and Transport headers (proxy/rtsp_msg.c), RTCP reports
 * (proxy/rtp.c) and Authorization headers (proxy/auth.c). Any bytes must
 * give a status or an error, never a crash or an out-of-bounds read.
 * Seed corpus: tests/fuzz/corpus/rtsp/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../proxy/auth.h"
#include "../../proxy/rtp.h"
#include "../../proxy/rtsp_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char work[RTSP_HEAD_MAX + 1];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct auth *a;
	struct rtsp_req r;
	struct rtsp_transport t;
	struct rtcp_rr rr;
	char user[AUTH_NAME_MAX + 1], *text;
	int status;

	if (a == NULL) {
		if (auth_create("camveil", 1, &a) < 0 ||
		    auth_add_user(a, "alice", "secret", 0) < 0)
			abort();
	}
	(void)rtcp_parse_rr(data, size, &rr);
	status = rtsp_parse_request((const char *)data, size, work, &r);
	if (status == 0) {
		if (r.cseq < 0)
			abort();
		if (r.transport != NULL)
			(void)rtsp_parse_transport(r.transport, &t);
		if (r.authorization != NULL)
			(void)auth_check(a, 1000000, r.method_name, r.uri, r.authorization,
			    NULL, user, sizeof user);
	} else if (status < 400 || status > 599) {
		abort();
	}
	/* The whole input as one header value. */
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	(void)rtsp_parse_transport(text, &t);
	(void)auth_check(a, 1000000, "DESCRIBE", "rtsp://h/a", text, NULL, user, sizeof user);
	free(text);
	return 0;
}
