/*
 * RTSP client for cameras. libavformat's RTSP input (still used for
 * other codecs, and with rtsp_client: libavformat) delivers H.264 one NAL
 * unit at a time and cannot tell the decoder a picture is complete until
 * the next one starts; with this client the decoder gets each picture at
 * its RTP marker bit, one frame interval sooner.
 *
 * One TCP connection carries the RTSP requests and, with TCP transport,
 * the interleaved RTP/RTCP; with UDP two sockets take RTP and RTCP and
 * only packets from the camera's address are read. Every wait polls the
 * owner's stop flag at least every 100 ms and has a deadline, so a dead
 * camera or a shutdown never hangs the camera thread. Input buffers have
 * fixed maxima (RTSPC_RESP_MAX, one interleaved frame, max_au).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <libavutil/base64.h>
#include <libavutil/intreadwrite.h>
#include <libavutil/md5.h>
#include <libavutil/mem.h>
#include <libavutil/random_seed.h>

#include "../util/clock.h"
#include "../util/err.h"
#include "../util/log.h"
#include "depay.h"
#include "rtspc.h"

#define IN_MAX		(RTSPC_RESP_MAX + 4 + 65535)	/* a response or a '$' frame */
#define AU_MAX		(16 * 1024 * 1024)
#define REQ_MAX		8192
#define SLICE_MS	100		/* longest wait between stop-flag polls */
#define RR_INTERVAL	5.0		/* seconds between receiver reports */
#define UDP_FIRST	2.0		/* auto: seconds to wait for UDP before TCP */
#define UDP_RCVBUF	(4 * 1024 * 1024)
#define MAX_REDIRECTS	3
#define VIDEO_CLOCK	90000		/* RTP clock of H.264 and H.265 video */

/* start() result besides 0 and errors */
#define REDIRECTED	1

struct rtspc {
	struct rtspc_opts o;
	double timeout;			/* seconds */
	char url[RTSPC_URL_MAX];	/* without credentials */
	char host[256], port[8];
	char *user, *pass;		/* percent-decoded; wiped at free */

	int fd;				/* RTSP over TCP */
	uint8_t *in;			/* bytes read from fd, not yet used */
	size_t in_len;
	struct rtspc_resp *resp;
	int cseq;
	char session[256];
	double keepalive;		/* seconds between keep-alives */
	int get_parameter;		/* the camera supports GET_PARAMETER */
	struct rtspc_auth auth;
	unsigned nc;			/* Digest nonce count */
	char play_url[RTSPC_URL_MAX];

	struct rtspc_media media;
	int tcp;
	int ch_rtp, ch_rtcp;		/* interleaved channels */
	int udp[2];			/* RTP, RTCP sockets */
	struct sockaddr_storage peer;	/* the camera */
	socklen_t peer_len;
	int server_port[2];
	struct depay *dp;
	uint32_t ssrc;

	double play_time, last_data, next_keepalive, next_rr;
	int got_rtp, eof;

	int have_ts;
	uint32_t last_ts;
	int64_t last_ext, first_ext;

	int have_sr;
	uint32_t sr_rtp;
	uint64_t sr_ntp;
	int64_t sr_us;
	double sr_mono;

	uint8_t pkt[65536];		/* one UDP datagram */
};

/* ---- parsers ---------------------------------------------------------- */

static int
ci_prefix(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

int
rtspc_parse_response(const char *buf, size_t len, struct rtspc_resp *r,
    size_t *used)
{
	size_t head = 0, n = len < RTSPC_RESP_MAX ? len : RTSPC_RESP_MAX;
	long clen = 0;
	char *line, *next;

	*used = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		if (buf[i] == '\n' && buf[i + 1] == '\n') {
			head = i + 2;
			break;
		}
		if (buf[i] == '\n' && buf[i + 1] == '\r' && i + 2 < n && buf[i + 2] == '\n') {
			head = i + 3;
			break;
		}
	}
	if (head == 0)
		return len >= RTSPC_RESP_MAX ? ERR_CORRUPT : ERR_AGAIN;
	if (memchr(buf, '\0', head) != NULL)
		return ERR_CORRUPT;
	memset(r, 0, offsetof(struct rtspc_resp, work));
	r->cseq = -1;
	memcpy(r->work, buf, head);
	r->work[head] = '\0';

	line = r->work;
	next = strchr(line, '\n');
	*next = '\0';
	if (next > line && next[-1] == '\r')
		next[-1] = '\0';
	if (strncmp(line, "RTSP/1.0 ", 9) == 0) {
		char *end;
		long st = strtol(line + 9, &end, 10);

		if (end != line + 12 || st < 100 || st > 999 || (*end != ' ' && *end != '\0'))
			return ERR_CORRUPT;
		r->status = (int)st;
	} else if (strstr(line, " RTSP/1.0") == NULL) {
		return ERR_CORRUPT;	/* neither a response nor a request */
	}
	for (line = next + 1; *line != '\0'; line = next + 1) {
		char *colon, *v;

		next = strchr(line, '\n');
		if (next == NULL)
			break;
		*next = '\0';
		if (next > line && next[-1] == '\r')
			next[-1] = '\0';
		if (*line == '\0')
			break;
		if ((colon = strchr(line, ':')) == NULL) {
			if (*line == ' ' || *line == '\t')
				continue;	/* folded header line: ignored */
			return ERR_CORRUPT;
		}
		*colon = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		if (strcasecmp(line, "CSeq") == 0) {
			char *end;
			long cs = strtol(v, &end, 10);

			r->cseq = end > v && cs >= 0 ? cs : -1;
		} else if (strcasecmp(line, "Content-Length") == 0) {
			char *end;

			clen = strtol(v, &end, 10);
			if (end == v || clen < 0 || clen > RTSPC_RESP_MAX)
				return ERR_CORRUPT;
		} else if (strcasecmp(line, "Session") == 0) {
			r->session = v;
		} else if (strcasecmp(line, "Transport") == 0) {
			r->transport = v;
		} else if (strcasecmp(line, "Content-Base") == 0) {
			r->content_base = v;
		} else if (strcasecmp(line, "Content-Location") == 0) {
			r->content_location = v;
		} else if (strcasecmp(line, "Location") == 0) {
			r->location = v;
		} else if (strcasecmp(line, "Public") == 0) {
			r->public_methods = v;
		} else if (strcasecmp(line, "WWW-Authenticate") == 0 &&
		    r->nauth < RTSPC_AUTH_MAX) {
			r->auth[r->nauth++] = v;
		}
	}
	if ((size_t)clen > RTSPC_RESP_MAX - head)
		return ERR_CORRUPT;
	if (len < head + (size_t)clen)
		return ERR_AGAIN;
	memcpy(r->work + head, buf + head, (size_t)clen);
	r->work[head + (size_t)clen] = '\0';
	r->body = r->work + head;
	r->body_len = (size_t)clen;
	*used = head + (size_t)clen;
	return 0;
}

/* The decimal number at p (digits before end), or -1 if none. */
static int
num_at(const char *p, const char *end)
{
	int v = 0, n = 0;

	while (p < end && isdigit((unsigned char)*p) && v < 100000) {
		v = v * 10 + (*p++ - '0');
		n++;
	}
	return n > 0 ? v : -1;
}

/* Append one base64 parameter set (NUL-terminated text) as Annex B. */
static int
add_param_set(struct rtspc_media *m, const char *b64)
{
	uint8_t *out = m->extradata + m->extradata_size;
	uint8_t dec[RTSPC_EXTRADATA_MAX * 3 / 2];	/* b64 is < 2 * MAX chars */
	size_t room = sizeof m->extradata - m->extradata_size;
	int n;

	if (*b64 == '\0')
		return 0;
	/* av_base64_decode stops quietly when its output is full: decode
	 * into more than fits, then check. */
	n = av_base64_decode(dec, b64, (int)sizeof dec);
	if (n <= 0 || room < 4 || (size_t)n > room - 4)
		return ERR_CORRUPT;
	out[0] = out[1] = out[2] = 0;
	out[3] = 1;
	memcpy(out + 4, dec, (size_t)n);
	m->extradata_size += 4 + (size_t)n;
	return 0;
}

/* Comma-separated base64 parameter sets. */
static int
add_param_sets(struct rtspc_media *m, const char *v, size_t n)
{
	char tmp[RTSPC_EXTRADATA_MAX * 2];

	while (n > 0) {
		const char *comma = memchr(v, ',', n);
		size_t k = comma ? (size_t)(comma - v) : n;

		if (k >= sizeof tmp)
			return ERR_CORRUPT;
		memcpy(tmp, v, k);
		tmp[k] = '\0';
		if (add_param_set(m, tmp) < 0)
			return ERR_CORRUPT;
		v += k;
		n -= k;
		if (n > 0) {
			v++;
			n--;
		}
	}
	return 0;
}

/* a=fmtp parameters of the chosen payload type. */
static int
parse_fmtp(struct rtspc_media *m, const char *p, const char *end)
{
	static const char *const h265_sets[] = { "sprop-vps", "sprop-sps", "sprop-pps" };
	const char *sets[3] = { NULL };
	size_t set_len[3] = { 0 };

	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p)), *eq, *v;
		const char *e = semi ? semi : end;
		size_t klen, vlen;

		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		eq = memchr(p, '=', (size_t)(e - p));
		if (eq != NULL) {
			klen = (size_t)(eq - p);
			v = eq + 1;
			vlen = (size_t)(e - v);
			while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				vlen--;
			if (!m->hevc && klen == 20 && strncasecmp(p, "sprop-parameter-sets", 20) == 0) {
				if (add_param_sets(m, v, vlen) < 0)
					return ERR_CORRUPT;
			} else if (!m->hevc && klen == 18 &&
			    strncasecmp(p, "packetization-mode", 18) == 0) {
				if (vlen == 1 && *v == '2')
					return ERR_UNSUPPORTED;	/* interleaved mode */
			} else if (m->hevc && ((klen == 18 &&
			    strncasecmp(p, "sprop-max-don-diff", 18) == 0) || (klen == 22 &&
			    strncasecmp(p, "sprop-depack-buf-nalus", 22) == 0))) {
				if (num_at(v, v + vlen) > 0)	/* RFC 7798 4.4: DON fields */
					m->donl = 1;
			} else if (m->hevc) {
				for (int i = 0; i < 3; i++)
					if (klen == 9 && strncasecmp(p, h265_sets[i], 9) == 0) {
						sets[i] = v;
						set_len[i] = vlen;
					}
			}
		}
		p = semi ? semi + 1 : end;
	}
	for (int i = 0; i < 3; i++)	/* VPS, SPS, PPS in that order */
		if (sets[i] != NULL && add_param_sets(m, sets[i], set_len[i]) < 0)
			return ERR_CORRUPT;
	return 0;
}

static void
copy_value(char *dst, size_t cap, const char *p, const char *end)
{
	size_t n = (size_t)(end - p);

	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, p, n);
	dst[n] = '\0';
}

/* Is pt one of the payload types listed on an m= line? */
static int
lists_pt(const char *mline, const char *end, int pt)
{
	const char *p = mline;

	if (pt < 0 || pt > 127)
		return 0;
	for (int field = 0; p < end; field++) {
		while (p < end && *p == ' ')
			p++;
		if (field >= 3 && num_at(p, end) == pt)
			return 1;
		while (p < end && *p != ' ')
			p++;
	}
	return 0;
}

int
rtspc_parse_sdp(const char *sdp, size_t len, struct rtspc_media *m)
{
	const char *p = sdp, *end = sdp + len, *mline = NULL, *mend = NULL;
	int section = -1, chosen = -1, video = 0;

	memset(m, 0, sizeof *m);
	m->pt = -1;
	/* Pass 1: the first video section with an H.264 or H.265 rtpmap. */
	while (p < end && chosen < 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end;

		if (le > p && le[-1] == '\r')
			le--;
		if (le - p >= 2 && p[0] == 'm' && p[1] == '=') {
			section++;
			video = le - p > 8 && strncmp(p, "m=video ", 8) == 0;
			mline = p + 2;
			mend = le;
		} else if (video && le - p > 9 && strncmp(p, "a=rtpmap:", 9) == 0) {
			char enc[32] = "";
			int pt = num_at(p + 9, le);
			const char *sp = memchr(p, ' ', (size_t)(le - p));

			if (sp != NULL && lists_pt(mline, mend, pt)) {
				const char *slash = memchr(sp, '/', (size_t)(le - sp));

				copy_value(enc, sizeof enc, sp + 1, slash ? slash : le);
				if (m->encoding[0] == '\0')
					snprintf(m->encoding, sizeof m->encoding, "%s", enc);
				if (strcasecmp(enc, "H264") == 0 || strcasecmp(enc, "H265") == 0) {
					chosen = section;
					m->pt = pt;
					m->hevc = strcasecmp(enc, "H265") == 0;
				}
			}
		} else if (video && m->encoding[0] == '\0' && mline != NULL &&
		    lists_pt(mline, mend, 26)) {
			snprintf(m->encoding, sizeof m->encoding, "JPEG");
		}
		p = nl ? nl + 1 : end;
	}
	if (chosen < 0)
		return ERR_UNSUPPORTED;
	/* Pass 2: its fmtp, control and frame rate, and the session control. */
	section = -1;
	for (p = sdp; p < end; ) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end;

		if (le > p && le[-1] == '\r')
			le--;
		if (le - p >= 2 && p[0] == 'm' && p[1] == '=') {
			if (section == chosen)
				break;
			section++;
		} else if (section == -1 && le - p > 10 && strncmp(p, "a=control:", 10) == 0) {
			copy_value(m->session_control, sizeof m->session_control, p + 10, le);
		} else if (section == chosen) {
			if (le - p > 10 && strncmp(p, "a=control:", 10) == 0) {
				copy_value(m->control, sizeof m->control, p + 10, le);
			} else if (le - p > 7 && strncmp(p, "a=fmtp:", 7) == 0 &&
			    num_at(p + 7, le) == m->pt) {
				const char *sp = memchr(p, ' ', (size_t)(le - p));
				int ret;

				if (sp != NULL && (ret = parse_fmtp(m, sp + 1, le)) < 0)
					return ret;
			} else if ((le - p > 12 && strncmp(p, "a=framerate:", 12) == 0) ||
			    (le - p > 14 && strncmp(p, "a=x-framerate:", 14) == 0)) {
				char v[32];
				double f;

				copy_value(v, sizeof v, (const char *)memchr(p, ':', (size_t)(le - p)) + 1, le);
				f = strtod(v, NULL);
				if (f > 0 && f <= 240)
					m->fps = f;
			}
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

/* Next "key=value" of an auth header; value unquoted into v. */
static const char *
auth_param(const char *p, char *k, size_t kcap, char *v, size_t vcap)
{
	size_t n = 0;

	while (*p == ' ' || *p == '\t' || *p == ',')
		p++;
	if (*p == '\0')
		return NULL;
	while (*p != '\0' && *p != '=' && *p != ',' && *p != ' ' && n + 1 < kcap)
		k[n++] = *p++;
	k[n] = '\0';
	while (*p == ' ')
		p++;
	n = 0;
	v[0] = '\0';
	if (*p != '=')
		return p;
	p++;
	while (*p == ' ')
		p++;
	if (*p == '"') {
		for (p++; *p != '\0' && *p != '"'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			if (n + 1 < vcap)
				v[n++] = *p;
		}
		if (*p == '"')
			p++;
	} else {
		while (*p != '\0' && *p != ',' && *p != ' ')
			if (n + 1 < vcap)
				v[n++] = *p++;
			else
				p++;
	}
	v[n] = '\0';
	return p;
}

int
rtspc_parse_auth(const char *value, struct rtspc_auth *a)
{
	char k[32], v[256];
	const char *p;

	memset(a, 0, sizeof *a);
	if (ci_prefix(value, "Basic") && (value[5] == ' ' || value[5] == '\0')) {
		a->kind = RTSPC_AUTH_BASIC;
		p = value + 5;
	} else if (ci_prefix(value, "Digest ")) {
		a->kind = RTSPC_AUTH_DIGEST;
		p = value + 7;
	} else {
		return ERR_UNSUPPORTED;
	}
	while ((p = auth_param(p, k, sizeof k, v, sizeof v)) != NULL) {
		if (strcasecmp(k, "realm") == 0) {
			snprintf(a->realm, sizeof a->realm, "%s", v);
		} else if (strcasecmp(k, "nonce") == 0) {
			snprintf(a->nonce, sizeof a->nonce, "%s", v);
		} else if (strcasecmp(k, "opaque") == 0) {
			snprintf(a->opaque, sizeof a->opaque, "%s", v);
		} else if (strcasecmp(k, "stale") == 0) {
			a->stale = strcasecmp(v, "true") == 0;
		} else if (strcasecmp(k, "algorithm") == 0) {
			if (strcasecmp(v, "MD5-sess") == 0)
				a->sess = 1;
			else if (strcasecmp(v, "MD5") != 0)
				return ERR_UNSUPPORTED;
		} else if (strcasecmp(k, "qop") == 0) {
			char *save = NULL;

			for (char *t = strtok_r(v, ", ", &save); t != NULL;
			    t = strtok_r(NULL, ", ", &save))
				if (strcasecmp(t, "auth") == 0)
					a->qop_auth = 1;
			if (!a->qop_auth)
				return ERR_UNSUPPORTED;	/* auth-int only */
		}
	}
	if (a->kind == RTSPC_AUTH_DIGEST && a->nonce[0] == '\0')
		return ERR_CORRUPT;
	return 0;
}

/* ---- URLs --------------------------------------------------------------- */

static int
unhex(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Percent-decoded, malloc'd copy of p[0..n). */
static char *
pct_decode(const char *p, size_t n)
{
	char *out = malloc(n + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '%' && i + 2 < n && unhex(p[i + 1]) >= 0 &&
		    unhex(p[i + 2]) >= 0) {
			*o++ = (char)(unhex(p[i + 1]) << 4 | unhex(p[i + 2]));
			i += 2;
		} else {
			*o++ = p[i];
		}
	}
	*o = '\0';
	return out;
}

static void
wipe_free(char **s)
{
	if (*s != NULL) {
		explicit_bzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

/*
 * Split rtsp://[user[:pass]@]host[:port][/path] into c->host, c->port,
 * c->user, c->pass and c->url (the URL without credentials).
 */
static int
parse_url(struct rtspc *c, const char *url, char **cause)
{
	const char *p, *at, *slash, *hend, *colon;
	size_t hn;

	if (strncasecmp(url, "rtsp://", 7) != 0) {
		err_cause(cause, "not an rtsp:// URL");
		return ERR_INVAL;
	}
	p = url + 7;
	slash = p + strcspn(p, "/?");
	at = memrchr(p, '@', (size_t)(slash - p));	/* the last: '@' in passwords */
	if (at != NULL) {
		const char *sep = memchr(p, ':', (size_t)(at - p));

		wipe_free(&c->user);
		wipe_free(&c->pass);
		c->user = pct_decode(p, (size_t)((sep ? sep : at) - p));
		c->pass = pct_decode(sep ? sep + 1 : at, sep ? (size_t)(at - sep - 1) : 0);
		if (c->user == NULL || c->pass == NULL)
			return ERR_NOMEM;
		p = at + 1;
	}
	if (*p == '[') {
		hend = memchr(p, ']', (size_t)(slash - p));
		if (hend == NULL) {
			err_cause(cause, "unterminated [IPv6 address] in URL");
			return ERR_INVAL;
		}
		hn = (size_t)(hend - p - 1);
		memcpy(c->host, p + 1, hn < sizeof c->host ? hn : 0);
		colon = hend + 1 < slash && hend[1] == ':' ? hend + 1 : NULL;
	} else {
		colon = memchr(p, ':', (size_t)(slash - p));
		hn = (size_t)((colon ? colon : slash) - p);
		memcpy(c->host, p, hn < sizeof c->host ? hn : 0);
	}
	if (hn == 0 || hn >= sizeof c->host) {
		err_cause(cause, "no host in URL");
		return ERR_INVAL;
	}
	c->host[hn] = '\0';
	if (colon != NULL) {
		long port;
		char *end;

		port = strtol(colon + 1, &end, 10);
		if (end != slash || port < 1 || port > 65535) {
			err_cause(cause, "bad port in URL");
			return ERR_INVAL;
		}
		snprintf(c->port, sizeof c->port, "%ld", port);
	} else {
		snprintf(c->port, sizeof c->port, "554");
	}
	if (snprintf(c->url, sizeof c->url, "rtsp://%.*s%s", (int)(slash - p), p,
	    *slash == '\0' ? "/" : slash) >= (int)sizeof c->url) {
		err_cause(cause, "URL too long");
		return ERR_INVAL;
	}
	return 0;
}

/* A control attribute against the base URL (RFC 2326 C.1.1). */
static void
resolve(char *out, size_t cap, const char *base, const char *control)
{
	if (base[0] == '\0')
		snprintf(out, cap, "%s", control);
	else if (control[0] == '\0' || strcmp(control, "*") == 0)
		snprintf(out, cap, "%s", base);
	else if (ci_prefix(control, "rtsp://"))
		snprintf(out, cap, "%s", control);
	else
		snprintf(out, cap, "%s%s%s", base,
		    base[strlen(base) - 1] == '/' || control[0] == '/' ? "" : "/",
		    control[0] == '/' && base[strlen(base) - 1] == '/' ? control + 1 : control);
}

/* ---- waiting and sockets ------------------------------------------------ */

/*
 * Poll fds until one is ready (returns > 0), the deadline passes
 * (ERR_TIMEOUT) or the owner stops us (ERR_EOF).
 */
static int
wait_fds(struct rtspc *c, struct pollfd *fds, int n, double deadline)
{
	for (;;) {
		double left = deadline - clock_mono();
		int ms, ret;

		if (c->o.stop != NULL && c->o.stop(c->o.stop_arg))
			return ERR_EOF;
		if (left <= 0)
			return ERR_TIMEOUT;
		ms = left * 1000 < SLICE_MS ? (int)(left * 1000) + 1 : SLICE_MS;
		ret = poll(fds, (nfds_t)n, ms);
		if (ret > 0)
			return ret;
		if (ret < 0 && errno != EINTR)
			return -errno;
	}
}

static int
connect_tcp(struct rtspc *c, char **cause)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	double deadline = clock_mono() + c->timeout;
	int ret, fd = -1, one = 1, last = 0;

	ret = getaddrinfo(c->host, c->port, &hints, &res);
	if (ret != 0) {
		err_cause(cause, "%s: cannot resolve %s: %s", c->url, c->host,
		    gai_strerror(ret));
		return ERR_IO;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		struct pollfd pfd;
		socklen_t sl = sizeof last;

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd < 0) {
			last = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno != EINPROGRESS) {
			last = errno;
			close(fd);
			fd = -1;
			continue;
		}
		pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
		ret = wait_fds(c, &pfd, 1, deadline);
		if (ret > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &last, &sl) == 0 &&
		    last == 0)
			break;
		close(fd);
		fd = -1;
		if (ret == ERR_EOF || ret == ERR_TIMEOUT) {
			freeaddrinfo(res);
			if (ret == ERR_TIMEOUT)
				err_cause(cause, "%s: connect timed out", c->url);
			return ret;
		}
	}
	freeaddrinfo(res);
	if (fd < 0) {
		err_cause(cause, "%s: cannot connect: %s", c->url, strerror(last));
		return ERR_IO;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c->fd = fd;
	c->peer_len = sizeof c->peer;
	getpeername(fd, (struct sockaddr *)&c->peer, &c->peer_len);
	return 0;
}

static int
send_all(struct rtspc *c, const void *buf, size_t n, double deadline)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };
			int ret = wait_fds(c, &pfd, 1, deadline);

			if (ret < 0)
				return ret;
			continue;
		}
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* ---- requests ----------------------------------------------------------- */

static void
md5_hex(char out[33], const char *const *parts, int n)
{
	struct AVMD5 *m = av_md5_alloc();
	uint8_t sum[16];

	if (m == NULL) {
		out[0] = '\0';
		return;
	}
	av_md5_init(m);
	for (int i = 0; i < n; i++) {
		if (i > 0)
			av_md5_update(m, (const uint8_t *)":", 1);
		av_md5_update(m, (const uint8_t *)parts[i], strlen(parts[i]));
	}
	av_md5_final(m, sum);
	av_free(m);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", sum[i]);
	explicit_bzero(sum, sizeof sum);
}

/* s as the inside of an RFC 2616 quoted-string: '"' and '\\' escaped. */
static void
quote(char *out, size_t cap, const char *s)
{
	size_t n = 0;

	for (; *s != '\0' && n + 2 < cap; s++) {
		if (*s == '"' || *s == '\\')
			out[n++] = '\\';
		out[n++] = *s;
	}
	out[n] = '\0';
}

/*
 * The Authorization header line for method and uri into out, "" if no
 * credentials are due. ERR_INVAL if it does not fit.
 */
static int
authorization(struct rtspc *c, const char *method, const char *uri, char *out, size_t cap)
{
	int n = 0;

	out[0] = '\0';
	if (c->auth.kind == RTSPC_AUTH_BASIC) {
		size_t len = strlen(c->user) + strlen(c->pass) + 2;
		char *plain = malloc(len), b64[1024];

		if (plain == NULL)
			return ERR_NOMEM;
		if (AV_BASE64_SIZE(len) > sizeof b64) {
			free(plain);
			return ERR_INVAL;
		}
		snprintf(plain, len, "%s:%s", c->user, c->pass);
		av_base64_encode(b64, sizeof b64, (const uint8_t *)plain, (int)len - 1);
		n = snprintf(out, cap, "Authorization: Basic %s\r\n", b64);
		explicit_bzero(plain, len);
		explicit_bzero(b64, sizeof b64);
		free(plain);
	} else if (c->auth.kind == RTSPC_AUTH_DIGEST) {
		char ha1[33], ha2[33], resp[33], cnonce[17], nc[9], qop[128] = "",
		    opaque[600] = "", user[512], realm[512], nonce[512], q[512];
		const char *p1[] = { c->user, c->auth.realm, c->pass };
		const char *p2[] = { method, uri };

		snprintf(cnonce, sizeof cnonce, "%08x%08x", av_get_random_seed(),
		    av_get_random_seed());
		snprintf(nc, sizeof nc, "%08x", ++c->nc);
		md5_hex(ha1, p1, 3);
		if (c->auth.sess) {
			const char *ps[] = { ha1, c->auth.nonce, cnonce };

			md5_hex(ha1, ps, 3);
		}
		md5_hex(ha2, p2, 2);
		if (c->auth.qop_auth) {
			const char *pr[] = { ha1, c->auth.nonce, nc, cnonce, "auth", ha2 };

			md5_hex(resp, pr, 6);
			snprintf(qop, sizeof qop, ", qop=auth, nc=%s, cnonce=\"%s\"", nc, cnonce);
		} else {
			const char *pr[] = { ha1, c->auth.nonce, ha2 };

			md5_hex(resp, pr, 3);
		}
		explicit_bzero(ha1, sizeof ha1);
		if (c->auth.opaque[0] != '\0') {
			quote(q, sizeof q, c->auth.opaque);
			snprintf(opaque, sizeof opaque, ", opaque=\"%s\"", q);
		}
		quote(user, sizeof user, c->user);
		quote(realm, sizeof realm, c->auth.realm);
		quote(nonce, sizeof nonce, c->auth.nonce);
		n = snprintf(out, cap, "Authorization: Digest username=\"%s\", realm=\"%s\", "
		    "nonce=\"%s\", uri=\"%s\", response=\"%s\"%s%s%s\r\n", user, realm,
		    nonce, uri, resp, c->auth.sess ? ", algorithm=MD5-sess" : "", opaque, qop);
	}
	if (n < 0 || (size_t)n >= cap) {
		out[0] = '\0';
		return ERR_INVAL;
	}
	return 0;
}

/* Send a request; its CSeq is c->cseq afterwards. */
static int
send_request(struct rtspc *c, const char *method, const char *uri,
    const char *extra, double deadline)
{
	char req[REQ_MAX], auth[REQ_MAX], sess[300] = "";
	int n;

	if ((n = authorization(c, method, uri, auth, sizeof auth)) < 0)
		return n;
	if (c->session[0] != '\0')
		snprintf(sess, sizeof sess, "Session: %s\r\n", c->session);
	n = snprintf(req, sizeof req, "%s %s RTSP/1.0\r\nCSeq: %d\r\n"
	    "User-Agent: camveil\r\n%s%s%s\r\n", method, uri, ++c->cseq, auth, sess,
	    extra ? extra : "");
	explicit_bzero(auth, sizeof auth);
	if (n < 0 || (size_t)n >= sizeof req)
		return ERR_INVAL;
	n = send_all(c, req, (size_t)n, deadline);
	explicit_bzero(req, sizeof req);
	return n;
}

static void consume(struct rtspc *c, size_t n);
static int take_interleaved(struct rtspc *c);

/* Read more bytes from the RTSP connection. 0, ERR_EOF (closed) or error. */
static int
fill(struct rtspc *c, double deadline)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	ssize_t r;
	int ret;

	if (c->in_len == IN_MAX)
		return ERR_CORRUPT;
	ret = wait_fds(c, &pfd, 1, deadline);
	if (ret < 0)
		return ret;
	r = recv(c->fd, c->in + c->in_len, IN_MAX - c->in_len, 0);
	if (r == 0)
		return ERR_IO;
	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	c->in_len += (size_t)r;
	return 0;
}

/*
 * Send a request and wait for its response in c->resp, answering one
 * 401 with the credentials. Interleaved data read meanwhile is used.
 */
static int
transact(struct rtspc *c, const char *method, const char *uri, const char *extra,
    char **cause)
{
	double deadline = clock_mono() + c->timeout;
	int tries = 0, ret;

	for (;;) {
		size_t used;

		ret = send_request(c, method, uri, extra, deadline);
		if (ret < 0)
			goto io;
		for (;;) {
			while (c->in_len > 0 && c->in[0] == '$')
				if ((ret = take_interleaved(c)) <= 0)
					break;
			if (c->in_len > 0 && c->in[0] != '$') {
				ret = rtspc_parse_response((const char *)c->in, c->in_len,
				    c->resp, &used);
				if (ret == 0) {
					consume(c, used);
					if (c->resp->status != 0 && c->resp->cseq == c->cseq)
						break;
					continue;	/* an older answer, or a server request */
				}
				if (ret != ERR_AGAIN) {
					err_cause(cause, "%s: %s: malformed response", c->url, method);
					return ERR_IO;
				}
			}
			if ((ret = fill(c, deadline)) < 0)
				goto io;
		}
		if (c->resp->status != 401)
			return 0;
		if (c->user == NULL) {
			err_cause(cause, "%s: %s: the camera wants credentials "
			    "(rtsp://user:password@...)", c->url, method);
			return ERR_AUTH;
		}
		{
			struct rtspc_auth best = { 0 }, a;

			for (int i = 0; i < c->resp->nauth; i++)
				if (rtspc_parse_auth(c->resp->auth[i], &a) == 0 &&
				    a.kind > best.kind)
					best = a;
			if (best.kind == RTSPC_AUTH_NONE) {
				err_cause(cause, "%s: %s: 401 without an authentication "
				    "scheme we can answer", c->url, method);
				return ERR_AUTH;
			}
			/* Answered once already: only a stale nonce is worth
			 * another try. */
			if (tries++ > 0 && (!best.stale || tries > 3)) {
				err_cause(cause, "%s: %s: credentials rejected (401)",
				    c->url, method);
				return ERR_AUTH;
			}
			c->auth = best;
			c->nc = 0;
		}
	}
io:
	if (ret == ERR_EOF)
		return ret;
	err_cause(cause, "%s: %s: %s", c->url, method, ret == ERR_TIMEOUT ?
	    "no answer (timed out)" : ret == ERR_IO ? "the camera closed the connection" :
	    ret == ERR_INVAL ? "the request would be too long (URL or challenge)" :
	    err_str(ret));
	return ret == ERR_TIMEOUT || ret == ERR_INVAL ? ret : ERR_IO;
}

static int
status_ok(struct rtspc *c, const char *method, char **cause)
{
	if (c->resp->status >= 200 && c->resp->status < 300)
		return 0;
	err_cause(cause, "%s: %s: the camera answered %d", c->url, method,
	    c->resp->status);
	return c->resp->status == 404 || c->resp->status == 454 ? ERR_FORMAT : ERR_IO;
}

/* ---- media data --------------------------------------------------------- */

static void
consume(struct rtspc *c, size_t n)
{
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
}

static void
got_rtcp(struct rtspc *c, const uint8_t *p, size_t n)
{
	struct depay_rtcp r;

	if (depay_rtcp_parse(p, n, &r) < 0)
		return;
	if (r.have_sr && (r.sr_ntp >> 32) >= 2208988800u) {	/* after 1970 */
		c->have_sr = 1;
		c->sr_rtp = r.sr_rtp;
		c->sr_ntp = r.sr_ntp;
		c->sr_us = (int64_t)((r.sr_ntp >> 32) - 2208988800u) * 1000000 +
		    (int64_t)(((r.sr_ntp & 0xffffffffu) * 1000000) >> 32);
		c->sr_mono = clock_mono();
	}
	if (r.bye)
		c->eof = 1;
}

static void
got_rtp(struct rtspc *c, const uint8_t *p, size_t n)
{
	if (c->dp == NULL)
		return;		/* before SETUP: not ours */
	c->last_data = clock_mono();
	c->got_rtp = 1;
	/* Arrival on the RTP clock, for the RR's jitter. */
	depay_push_at(c->dp, p, n, (uint32_t)(uint64_t)(c->last_data * VIDEO_CLOCK));
}

/*
 * Use one interleaved frame from c->in. 1 if one was used, 0 if it is
 * not all in yet.
 */
static int
take_interleaved(struct rtspc *c)
{
	size_t n;

	if (c->in_len < 4)
		return 0;
	n = AV_RB16(c->in + 2);
	if (c->in_len < 4 + n)
		return 0;
	if (c->in[1] == c->ch_rtp)
		got_rtp(c, c->in + 4, n);
	else if (c->in[1] == c->ch_rtcp)
		got_rtcp(c, c->in + 4, n);
	consume(c, 4 + n);
	return 1;
}

/* ---- session ------------------------------------------------------------ */

static void
close_udp(struct rtspc *c)
{
	for (int i = 0; i < 2; i++)
		if (c->udp[i] >= 0) {
			close(c->udp[i]);
			c->udp[i] = -1;
		}
}

/* Two UDP sockets on consecutive ports, RTP on the lower. */
static int
open_udp(struct rtspc *c, char **cause)
{
	int fam = c->peer.ss_family, rcv = UDP_RCVBUF;

	for (int attempt = 0; attempt < 32; attempt++) {
		struct sockaddr_storage a;
		socklen_t al;
		int port;

		close_udp(c);
		for (int i = 0; i < 2; i++) {
			c->udp[i] = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (c->udp[i] < 0) {
				err_cause(cause, "%s: UDP socket: %s", c->url, strerror(errno));
				close_udp(c);
				return -errno;
			}
		}
		memset(&a, 0, sizeof a);
		a.ss_family = (sa_family_t)fam;
		al = fam == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
		if (bind(c->udp[0], (struct sockaddr *)&a, al) < 0 ||
		    getsockname(c->udp[0], (struct sockaddr *)&a, &al) < 0)
			continue;
		port = ntohs(fam == AF_INET6 ? ((struct sockaddr_in6 *)&a)->sin6_port :
		    ((struct sockaddr_in *)&a)->sin_port);
		if (port >= 65535)
			continue;
		if (fam == AF_INET6)
			((struct sockaddr_in6 *)&a)->sin6_port = htons((uint16_t)(port + 1));
		else
			((struct sockaddr_in *)&a)->sin_port = htons((uint16_t)(port + 1));
		if (bind(c->udp[1], (struct sockaddr *)&a, al) < 0)
			continue;
		setsockopt(c->udp[0], SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
		return port;
	}
	close_udp(c);
	err_cause(cause, "%s: no two consecutive UDP ports free", c->url);
	return ERR_IO;
}

/* "key=a-b" in a Transport header: 0 and the pair, or -1. */
static int
transport_pair(const char *t, const char *key, int out[2])
{
	const char *p = t;
	size_t k = strlen(key);

	while ((p = strstr(p, key)) != NULL) {
		if ((p == t || p[-1] == ';') && p[k] == '=') {
			char *end;

			out[0] = (int)strtol(p + k + 1, &end, 10);
			out[1] = *end == '-' ? (int)strtol(end + 1, NULL, 10) : out[0] + 1;
			return out[0] >= 0 && out[0] <= 65535 && out[1] >= 0 &&
			    out[1] <= 65535 ? 0 : -1;
		}
		p += k;
	}
	return -1;
}

static void
set_port(struct sockaddr_storage *a, int port)
{
	if (a->ss_family == AF_INET6)
		((struct sockaddr_in6 *)a)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)a)->sin_port = htons((uint16_t)port);
}

static int
same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		    &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
	return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
	    ((const struct sockaddr_in *)b)->sin_addr.s_addr;
}

static void send_rr(struct rtspc *c);

static void
end_session(struct rtspc *c)
{
	if (c->fd >= 0) {
		if (c->session[0] != '\0')	/* best effort, no waiting */
			send_request(c, "TEARDOWN", c->play_url, NULL, clock_mono() + 0.2);
		close(c->fd);
		c->fd = -1;
	}
	close_udp(c);
	depay_free(&c->dp);
	c->session[0] = '\0';
	c->in_len = 0;
	c->auth.kind = RTSPC_AUTH_NONE;
	c->got_rtp = c->eof = c->have_sr = 0;
}

/*
 * Connect, DESCRIBE, SETUP and PLAY with the given transport. A redirect
 * returns 1 with c->url (and the credentials) replaced.
 */
static int
start(struct rtspc *c, int tcp, char **cause)
{
	char extra[256], base[RTSPC_URL_MAX], track[RTSPC_URL_MAX];
	struct depay_opts dopts = { 0 };
	int ret, port = 0, pair[2];
	const char *s;

	c->tcp = tcp;
	if ((ret = connect_tcp(c, cause)) < 0)
		return ret;
	if ((ret = transact(c, "OPTIONS", c->url, NULL, cause)) < 0)
		return ret;
	c->get_parameter = c->resp->public_methods != NULL &&
	    strstr(c->resp->public_methods, "GET_PARAMETER") != NULL;
	if ((ret = transact(c, "DESCRIBE", c->url, "Accept: application/sdp\r\n", cause)) < 0)
		return ret;
	if (c->resp->status >= 300 && c->resp->status < 400 && c->resp->location != NULL) {
		char *u = strdup(c->resp->location);

		if (u == NULL)
			return ERR_NOMEM;
		log_info("%s: redirected to %s", c->url, u);
		ret = parse_url(c, u, cause);
		free(u);
		return ret < 0 ? ret : REDIRECTED;
	}
	if ((ret = status_ok(c, "DESCRIBE", cause)) < 0)
		return ret;
	ret = rtspc_parse_sdp(c->resp->body, c->resp->body_len, &c->media);
	if (ret == ERR_UNSUPPORTED && c->media.pt >= 0) {
		err_cause(cause, "%s: the camera's H.264 uses packetization-mode 2 "
		    "(interleaved), which camveil's client does not take", c->url);
		return ret;
	}
	if (ret == ERR_UNSUPPORTED) {
		err_cause(cause, "%s: the camera's video is %s, not H.264 or H.265", c->url,
		    c->media.encoding[0] ? c->media.encoding : "missing from its SDP");
		return ret;
	}
	if (ret < 0) {
		err_cause(cause, "%s: DESCRIBE: malformed SDP", c->url);
		return ERR_FORMAT;
	}
	snprintf(base, sizeof base, "%s", c->resp->content_base ? c->resp->content_base :
	    c->resp->content_location ? c->resp->content_location : c->url);
	resolve(track, sizeof track, base, c->media.control);
	resolve(c->play_url, sizeof c->play_url, base, c->media.session_control);

	for (;;) {
		if (tcp) {
			snprintf(extra, sizeof extra,
			    "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n");
		} else {
			if ((port = open_udp(c, cause)) < 0)
				return port;
			snprintf(extra, sizeof extra,
			    "Transport: RTP/AVP;unicast;client_port=%d-%d\r\n", port,
			    port + 1);
		}
		if ((ret = transact(c, "SETUP", track, extra, cause)) < 0)
			return ret;
		if (c->resp->status != 461 || tcp || c->o.transport != RTSPC_AUTO)
			break;
		/* auto: UDP refused, ask for TCP on the same connection. */
		log_info("%s: UDP refused, using TCP", c->url);
		close_udp(c);
		c->tcp = tcp = 1;
	}
	if ((ret = status_ok(c, "SETUP", cause)) < 0)
		return ret;
	if (c->resp->session == NULL) {
		err_cause(cause, "%s: SETUP: no Session in the answer", c->url);
		return ERR_IO;
	}
	s = c->resp->session;
	snprintf(c->session, sizeof c->session, "%.*s", (int)strcspn(s, "; \t"), s);
	c->keepalive = 30;
	if ((s = strstr(s, "timeout=")) != NULL && atoi(s + 8) > 0)
		c->keepalive = atoi(s + 8) / 2.0 < 1 ? 1 : atoi(s + 8) / 2.0;
	c->ch_rtp = 0;
	c->ch_rtcp = 1;
	if (tcp) {
		if (c->resp->transport != NULL &&
		    transport_pair(c->resp->transport, "interleaved", pair) == 0) {
			c->ch_rtp = pair[0];
			c->ch_rtcp = pair[1];
		}
	} else {
		if (c->resp->transport == NULL ||
		    transport_pair(c->resp->transport, "server_port", c->server_port) < 0)
			c->server_port[0] = c->server_port[1] = 0;
	}
	dopts.hevc = c->media.hevc;
	dopts.pt = c->media.pt;
	dopts.donl = c->media.donl;
	dopts.max_au = AU_MAX;
	if ((ret = depay_create(&dopts, &c->dp)) < 0)
		return ret;
	if ((ret = transact(c, "PLAY", c->play_url, "Range: npt=0.000-\r\n", cause)) < 0)
		return ret;
	if ((ret = status_ok(c, "PLAY", cause)) < 0)
		return ret;
	c->play_time = c->last_data = clock_mono();
	c->next_keepalive = c->play_time + c->keepalive;
	c->next_rr = c->play_time + 0.5;
	log_debug("%s: playing %s over %s", c->url, c->media.hevc ? "H.265" : "H.264",
	    tcp ? "TCP" : "UDP");
	return 0;
}

/* Start with the wanted transport, following redirects; auto starts with UDP. */
static int
start_any(struct rtspc *c, int tcp, char **cause)
{
	int ret;

	for (int r = 0; r <= MAX_REDIRECTS; r++) {
		ret = start(c, tcp, cause);
		if (ret != REDIRECTED)
			break;
		end_session(c);
	}
	if (ret == REDIRECTED) {
		err_cause(cause, "%s: more than %d redirects", c->url, MAX_REDIRECTS);
		ret = ERR_IO;
	}
	if (ret < 0)
		end_session(c);
	return ret;
}

int
rtspc_open(const struct rtspc_opts *o, struct rtspc **out, char **cause)
{
	struct rtspc *c;
	int ret;

	*out = NULL;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return ERR_NOMEM;
	c->o = *o;
	c->timeout = (o->timeout_ms > 0 ? o->timeout_ms : 5000) / 1000.0;
	c->fd = c->udp[0] = c->udp[1] = -1;
	c->ssrc = av_get_random_seed();
	c->in = malloc(IN_MAX);
	c->resp = malloc(sizeof *c->resp);
	if (c->in == NULL || c->resp == NULL) {
		ret = ERR_NOMEM;
		goto fail;
	}
	if ((ret = parse_url(c, o->url, cause)) < 0)
		goto fail;
	ret = start_any(c, o->transport == RTSPC_TCP, cause);
	if (ret < 0)
		goto fail;
	*out = c;
	return 0;
fail:
	rtspc_free(&c);
	return ret;
}

void
rtspc_free(struct rtspc **cp)
{
	struct rtspc *c;

	if (cp == NULL || (c = *cp) == NULL)
		return;
	if (c->in != NULL)
		end_session(c);
	wipe_free(&c->user);
	wipe_free(&c->pass);
	free(c->in);
	free(c->resp);
	free(c);
	*cp = NULL;
}

void
rtspc_get_info(const struct rtspc *c, struct rtspc_info *info)
{
	memset(info, 0, sizeof *info);
	info->hevc = c->media.hevc;
	info->extradata = c->media.extradata;
	info->extradata_size = c->media.extradata_size;
	info->fps = c->media.fps;
	info->tcp = c->tcp;
}

uint64_t
rtspc_damaged(const struct rtspc *c)
{
	struct depay_stats st;

	if (c->dp == NULL)
		return 0;
	depay_get_stats(c->dp, &st);
	return st.damaged_aus;
}

int64_t
rtspc_capture_us(const struct rtspc *c, int64_t pts)
{
	int64_t sr_pts;

	if (!c->have_sr || !c->have_ts)
		return 0;
	sr_pts = c->last_ext + (int32_t)(c->sr_rtp - c->last_ts) - c->first_ext;
	return c->sr_us + (pts - sr_pts) * 1000000 / VIDEO_CLOCK;
}

static void
send_rr(struct rtspc *c)
{
	uint8_t buf[128 + 4];
	uint32_t lsr = 0, dlsr = 0;
	size_t n;

	if (c->have_sr) {
		lsr = (uint32_t)(c->sr_ntp >> 16);
		dlsr = (uint32_t)((clock_mono() - c->sr_mono) * 65536);
	}
	n = depay_rtcp_rr(c->dp, c->ssrc, "camveil", lsr, dlsr, buf + 4, sizeof buf - 4);
	if (n == 0)
		return;
	if (c->tcp) {
		buf[0] = '$';
		buf[1] = (uint8_t)c->ch_rtcp;
		buf[2] = (uint8_t)(n >> 8);
		buf[3] = (uint8_t)n;
		send_all(c, buf, n + 4, clock_mono() + 0.2);
	} else if (c->server_port[1] > 0) {
		struct sockaddr_storage a = c->peer;

		set_port(&a, c->server_port[1]);
		sendto(c->udp[1], buf + 4, n, MSG_DONTWAIT, (struct sockaddr *)&a, c->peer_len);
	}
}

/*
 * Keep-alives, receiver reports and answers that came on the RTSP
 * connection; then at most one buffered interleaved packet. 1 if a packet
 * was taken (the caller pops before waiting again), 0, or an error.
 */
static int
housekeeping(struct rtspc *c, char **cause)
{
	double now = clock_mono();

	if (now >= c->next_keepalive) {
		c->next_keepalive = now + c->keepalive;
		send_request(c, c->get_parameter ? "GET_PARAMETER" : "OPTIONS",
		    c->get_parameter ? c->play_url : c->url, NULL, now + 0.5);
	}
	if (now >= c->next_rr) {
		c->next_rr = now + RR_INTERVAL;
		send_rr(c);
	}
	while (c->in_len > 0) {
		size_t used;
		int ret;

		if (c->in[0] == '$') {
			if (!c->tcp) {
				err_cause(cause, "%s: interleaved data on a UDP session", c->url);
				return ERR_IO;
			}
			return take_interleaved(c);
		}
		ret = rtspc_parse_response((const char *)c->in, c->in_len, c->resp, &used);
		if (ret == ERR_AGAIN)
			break;
		if (ret < 0) {
			err_cause(cause, "%s: malformed data on the RTSP connection", c->url);
			return ERR_IO;
		}
		consume(c, used);
		if (c->resp->status == 454) {
			err_cause(cause, "%s: the camera dropped the session (454)", c->url);
			return ERR_IO;
		}
		if (c->resp->status == 401) {	/* nonce expired: renew, retry soon */
			struct rtspc_auth a;

			for (int i = 0; i < c->resp->nauth; i++)
				if (rtspc_parse_auth(c->resp->auth[i], &a) == 0 &&
				    a.kind == c->auth.kind) {
					c->auth = a;
					c->nc = 0;
				}
			c->next_keepalive = now + 1;
		} else if (c->resp->status >= 400 && c->get_parameter) {
			c->get_parameter = 0;	/* keep alive with OPTIONS */
			c->next_keepalive = now + 1;
		}
	}
	return 0;
}

int
rtspc_read(struct rtspc *c, struct rtspc_au *au, char **cause)
{
	struct depay_au a;
	int ret;

	memset(au, 0, sizeof *au);
	for (;;) {
		struct pollfd fds[3];
		int n = 0;
		double now;

		if (depay_pop(c->dp, &a)) {
			int64_t ext;

			if (!c->have_ts) {
				c->have_ts = 1;
				c->first_ext = c->last_ext = a.ts;
				c->last_ts = a.ts;
			}
			ext = c->last_ext + (int32_t)(a.ts - c->last_ts);
			if (ext > c->last_ext) {
				c->last_ext = ext;
				c->last_ts = a.ts;
			}
			au->data = a.data;
			au->size = a.size;
			au->pts = ext - c->first_ext;
			au->key = a.key;
			au->damaged = a.damaged;
			return 0;
		}
		if (c->eof)
			return ERR_EOF;
		if ((ret = housekeeping(c, cause)) < 0)
			return ret;
		if (ret > 0)
			continue;	/* took a buffered packet: pop, then the next */
		now = clock_mono();
		if (!c->got_rtp && !c->tcp && c->o.transport == RTSPC_AUTO &&
		    now - c->play_time > UDP_FIRST) {
			log_info("%s: no UDP packets after %.0f s, using TCP", c->url, UDP_FIRST);
			end_session(c);
			if ((ret = start_any(c, 1, cause)) < 0)
				return ret;
			continue;
		}
		if (now - c->last_data > c->timeout) {
			err_cause(cause, "no data for %.0f ms", c->timeout * 1000);
			return ERR_TIMEOUT;
		}
		fds[n++] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
		if (!c->tcp) {
			fds[n++] = (struct pollfd){ .fd = c->udp[0], .events = POLLIN };
			fds[n++] = (struct pollfd){ .fd = c->udp[1], .events = POLLIN };
		}
		ret = wait_fds(c, fds, n, fmin(c->last_data + c->timeout,
		    fmin(c->next_keepalive, c->next_rr)));
		if (ret == ERR_TIMEOUT)
			continue;	/* a timer is due; the data deadline is checked above */
		if (ret < 0)
			return ret;
		if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r;

			if (c->in_len == IN_MAX) {
				err_cause(cause, "%s: oversized data on the RTSP connection", c->url);
				return ERR_IO;
			}
			r = recv(c->fd, c->in + c->in_len, IN_MAX - c->in_len, 0);
			if (r == 0) {
				err_cause(cause, "%s: the camera closed the connection", c->url);
				return ERR_EOF;
			}
			if (r < 0 && errno != EAGAIN && errno != EINTR) {
				err_cause(cause, "%s: read: %s", c->url, strerror(errno));
				return ERR_IO;
			}
			if (r > 0)
				c->in_len += (size_t)r;
		}
		for (int i = 1; i < n; i++) {
			struct sockaddr_storage from;
			socklen_t fl = sizeof from;
			ssize_t r;

			if (!(fds[i].revents & POLLIN))
				continue;
			r = recvfrom(fds[i].fd, c->pkt, sizeof c->pkt, 0,
			    (struct sockaddr *)&from, &fl);
			if (r <= 0 || !same_host(&from, &c->peer))
				continue;	/* not from the camera */
			if (i == 1)
				got_rtp(c, c->pkt, (size_t)r);
			else
				got_rtcp(c, c->pkt, (size_t)r);
		}
	}
}
