/*
 * RTSP request and Transport parsing. Every length is bounded; anything
 * unexpected is an error code, never an out-of-bounds access.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rtsp_msg.h"

static const struct {
	const char *name;
	enum rtsp_method m;
} methods[] = {
	{ "OPTIONS", RTSP_OPTIONS }, { "DESCRIBE", RTSP_DESCRIBE },
	{ "SETUP", RTSP_SETUP }, { "PLAY", RTSP_PLAY }, { "PAUSE", RTSP_PAUSE },
	{ "TEARDOWN", RTSP_TEARDOWN }, { "GET_PARAMETER", RTSP_GET_PARAMETER },
	{ "SET_PARAMETER", RTSP_SET_PARAMETER }, { "ANNOUNCE", RTSP_ANNOUNCE },
	{ "RECORD", RTSP_RECORD }, { "REDIRECT", RTSP_REDIRECT },
};

const char *
rtsp_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Request Entity Too Large";
	case 414: return "Request-URI Too Large";
	case 431: return "Request Header Fields Too Large";
	case 453: return "Not Enough Bandwidth";
	case 454: return "Session Not Found";
	case 455: return "Method Not Valid in This State";
	case 459: return "Aggregate Operation Not Allowed";
	case 461: return "Unsupported Transport";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "RTSP Version Not Supported";
	case 551: return "Option not supported";
	}
	return "Error";
}

/* Parse a non-negative decimal that fits in a long; -1 if not one. */
static long
number(const char *s, const char *end)
{
	long v = 0;

	if (s == end)
		return -1;
	for (; s < end; s++) {
		if (!isdigit((unsigned char)*s) || v > 99999999)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* Path part of uri: rtsp://host[:port]/a/b?q -> "a/b". */
static void
uri_path(const char *uri, char *out, size_t size)
{
	const char *p = uri, *q;
	size_t n;

	if (strncasecmp(p, "rtsp://", 7) == 0 || strncasecmp(p, "rtsps://", 8) == 0) {
		p = strstr(p, "//") + 2;
		p += strcspn(p, "/");
	}
	while (*p == '/')
		p++;
	q = p + strcspn(p, "?#");
	n = (size_t)(q - p);
	while (n > 0 && p[n - 1] == '/')
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

int
rtsp_parse_request(const char *head, size_t len, char *work, struct rtsp_req *req)
{
	char *line, *next, *sp1, *sp2, *end;
	int nheaders = 0;

	memset(req, 0, sizeof *req);
	req->cseq = -1;
	if (len == 0 || len > RTSP_HEAD_MAX)
		return len ? 431 : 400;
	if (memchr(head, '\0', len) != NULL)
		return 400;
	memcpy(work, head, len);
	work[len] = '\0';

	/* Request line: METHOD SP URI SP RTSP/1.0 */
	line = work;
	end = strstr(line, "\r\n");
	if (end == NULL)
		return 400;
	*end = '\0';
	next = end + 2;
	sp1 = strchr(line, ' ');
	if (sp1 == NULL)
		return 400;
	sp2 = strchr(sp1 + 1, ' ');
	if (sp2 == NULL || strchr(sp2 + 1, ' ') != NULL)
		return 400;
	*sp1 = *sp2 = '\0';
	if (strlen(line) == 0 || strlen(line) >= sizeof req->method_name)
		return 400;
	for (const char *c = line; *c; c++)
		if (!isupper((unsigned char)*c) && *c != '_')
			return 400;
	if (strcmp(sp2 + 1, "RTSP/1.0") != 0)
		return strncmp(sp2 + 1, "RTSP/", 5) == 0 ? 505 : 400;
	if (strlen(sp1 + 1) == 0)
		return 400;
	if (strlen(sp1 + 1) >= sizeof req->uri)
		return 414;
	for (const char *c = sp1 + 1; *c; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
			return 400;
	strcpy(req->method_name, line);
	strcpy(req->uri, sp1 + 1);
	uri_path(req->uri, req->path, sizeof req->path);
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (strcmp(line, methods[i].name) == 0)
			req->method = methods[i].m;

	/* Headers until the blank line. */
	for (line = next; *line != '\0'; line = next) {
		char *colon, *name, *value;

		end = strstr(line, "\r\n");
		if (end == NULL)
			return 400;
		*end = '\0';
		next = end + 2;
		if (*line == '\0')
			break;
		if (++nheaders > RTSP_HEADERS_MAX)
			return 431;
		if (*line == ' ' || *line == '\t')
			return 400;	/* obsolete line folding */
		colon = strchr(line, ':');
		if (colon == NULL || colon == line)
			return 400;
		*colon = '\0';
		name = line;
		for (const char *c = name; *c; c++)
			if (!isgraph((unsigned char)*c))
				return 400;
		value = trim(colon + 1);
		if (strcasecmp(name, "CSeq") == 0) {
			req->cseq = number(value, value + strlen(value));
			if (req->cseq < 0)
				return 400;
		} else if (strcasecmp(name, "Content-Length") == 0) {
			req->content_length = number(value, value + strlen(value));
			if (req->content_length < 0)
				return 400;
			if (req->content_length > RTSP_BODY_MAX)
				return 413;
		} else if (strcasecmp(name, "Session") == 0) {
			value[strcspn(value, ";")] = '\0';
			req->session = trim(value);
		} else if (strcasecmp(name, "Transport") == 0) {
			req->transport = value;
		} else if (strcasecmp(name, "Authorization") == 0) {
			req->authorization = value;
		} else if (strcasecmp(name, "Require") == 0 ||
		    strcasecmp(name, "Proxy-Require") == 0) {
			req->require = value;
		} else if (strcasecmp(name, "User-Agent") == 0) {
			req->user_agent = value;
		}
	}
	if (req->cseq < 0)
		return 400;
	return 0;
}

/* "a-b" or "a" into v[2] (b = a + 1 when absent); 0 or -1. */
static int
port_pair(const char *s, const char *end, int v[2], int max)
{
	const char *dash = memchr(s, '-', (size_t)(end - s));
	long a, b;

	a = number(s, dash ? dash : end);
	b = dash ? number(dash + 1, end) : a + 1;
	if (a < 0 || b < 0 || a > max || b > max)
		return -1;
	v[0] = (int)a;
	v[1] = (int)b;
	return 0;
}

/* One alternative: "RTP/AVP/TCP;unicast;interleaved=0-1". */
static int
one_transport(const char *s, const char *end, struct rtsp_transport *t)
{
	const char *semi = memchr(s, ';', (size_t)(end - s));
	const char *spec_end = semi ? semi : end;
	size_t n = (size_t)(spec_end - s);

	memset(t, 0, sizeof *t);
	t->interleaved[0] = t->interleaved[1] = -1;
	t->client_port[0] = t->client_port[1] = -1;
	if ((n == 7 && strncasecmp(s, "RTP/AVP", 7) == 0) ||
	    (n == 11 && strncasecmp(s, "RTP/AVP/UDP", 11) == 0))
		t->lower = RTSP_LOWER_UDP;
	else if (n == 11 && strncasecmp(s, "RTP/AVP/TCP", 11) == 0)
		t->lower = RTSP_LOWER_TCP;
	else
		return 461;
	while (semi != NULL && semi < end) {
		const char *p = semi + 1, *q;
		const char *eq;

		semi = memchr(p, ';', (size_t)(end - p));
		q = semi ? semi : end;
		eq = memchr(p, '=', (size_t)(q - p));
		if (eq == NULL) {
			if ((size_t)(q - p) == 9 && strncasecmp(p, "multicast", 9) == 0)
				t->multicast = 1;
			continue;
		}
		if ((size_t)(eq - p) == 11 && strncasecmp(p, "interleaved", 11) == 0) {
			if (port_pair(eq + 1, q, t->interleaved, 255) < 0)
				return 400;
		} else if ((size_t)(eq - p) == 11 && strncasecmp(p, "client_port", 11) == 0) {
			if (port_pair(eq + 1, q, t->client_port, 65535) < 0)
				return 400;
		}
	}
	if (t->multicast)
		return 461;
	if (t->lower == RTSP_LOWER_UDP && (t->client_port[0] <= 0 || t->client_port[1] <= 0))
		return 461;
	return 0;
}

int
rtsp_parse_transport(const char *value, struct rtsp_transport *t)
{
	const char *p = value, *end = value + strlen(value);
	int status = 461;

	if (*p == '\0')
		return 400;
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *q = comma ? comma : end;

		while (p < q && (*p == ' ' || *p == '\t'))
			p++;
		status = one_transport(p, q, t);
		if (status == 0)
			return 0;
		p = q + 1;
	}
	return status;
}
