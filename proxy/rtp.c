/*
 * RTP packetization of the re-encoded (anonymized) video for recorders.
 *
 * The encoder hands us Annex B access units; RTSP clients want RFC 6184
 * (H.264) or RFC 7798 (H.265) RTP, an SDP that carries the parameter sets
 * (with a global header the encoder does not repeat them in-band), and
 * RTCP sender reports so they can map RTP time to wall-clock time. This
 * file does only the byte layouts; sessions own sockets and clocks. The
 * RTCP parser reads network input and is written to survive any bytes.
 */
#include <assert.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../util/err.h"
#include "rtp.h"

#define H264_NAL_AUD 9
#define H264_NAL_SPS 7
#define H264_NAL_PPS 8
#define H264_NAL_FU_A 28
#define H265_NAL_VPS 32
#define H265_NAL_SPS 33
#define H265_NAL_PPS 34
#define H265_NAL_AUD 35
#define H265_NAL_FU 49

#define RTCP_SR 200
#define RTCP_RR 201
#define RTCP_SDES 202
#define RTCP_BYE 203
#define RTCP_SDES_CNAME 1

#define SDP_PS_MAX 16	/* parameter sets of one kind we list in the SDP */

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* ---- Annex B ----------------------------------------------------------- */

/* The next 00 00 01 at or after p, or end. */
static const uint8_t *
find_start_code(const uint8_t *p, const uint8_t *end)
{
	while (end - p >= 3) {
		if (p[2] > 1)
			p += 3;		/* no start code can cover p[2] */
		else if (p[2] == 1 && p[1] == 0 && p[0] == 0)
			return p;
		else
			p++;
	}
	return end;
}

int
rtp_next_nal(const uint8_t **p, const uint8_t *end, const uint8_t **nal,
    size_t *len)
{
	const uint8_t *s = *p, *e;

	*nal = NULL;
	*len = 0;
	for (;;) {
		s = find_start_code(s, end);
		if (s == end) {
			*p = end;
			return 0;
		}
		s += 3;
		e = find_start_code(s, end);
		*p = e;
		/* Drops trailing_zero_8bits and the first 0 of a 4-byte code. */
		while (e > s && e[-1] == 0)
			e--;
		if (e > s) {
			*nal = s;
			*len = (size_t)(e - s);
			return 1;
		}
		s = *p;
	}
}

static int
nal_type(enum rtp_codec c, const uint8_t *nal)
{
	return c == RTP_H264 ? (nal[0] & 0x1f) : (nal[0] >> 1 & 0x3f);
}

static size_t
nal_header_len(enum rtp_codec c)
{
	return c == RTP_H264 ? 1 : 2;
}

/* A NAL unit worth sending: not an AUD, not shorter than its header. */
static int
nal_wanted(enum rtp_codec c, const uint8_t *nal, size_t len)
{
	if (len < nal_header_len(c))
		return 0;
	return nal_type(c, nal) != (c == RTP_H264 ? H264_NAL_AUD : H265_NAL_AUD);
}

/* ---- RTP --------------------------------------------------------------- */

/* Fill in the RTP header, hand the packet to emit and count it. */
static int
send_packet(struct rtp_packetizer *s, uint8_t *pkt, size_t len, uint32_t ts,
    int marker, rtp_emit_fn emit, void *ctx)
{
	int ret;

	pkt[0] = 0x80;		/* V=2, no padding, extension or CSRCs */
	pkt[1] = (uint8_t)((marker ? 0x80 : 0) | s->pt);
	put16(pkt + 2, s->seq);
	put32(pkt + 4, ts);
	put32(pkt + 8, s->ssrc);
	s->seq++;
	ret = emit(ctx, pkt, len);
	if (ret != 0)
		return ret < 0 ? ret : ERR_IO;
	s->packets++;
	s->octets += (uint32_t)(len - RTP_HEADER_LEN);
	return 0;
}

/* Send one NAL unit as one packet or as fragments; returns packets or < 0. */
static int
send_nal(struct rtp_packetizer *s, uint8_t *buf, const uint8_t *nal,
    size_t len, uint32_t ts, int last, rtp_emit_fn emit, void *ctx)
{
	size_t hlen = nal_header_len(s->codec), fu_hlen = hlen + 1;
	size_t room, body, n, base, extra, off;
	uint8_t type;
	int ret;

	if (RTP_HEADER_LEN + len <= s->mtu) {
		memcpy(buf + RTP_HEADER_LEN, nal, len);
		ret = send_packet(s, buf, RTP_HEADER_LEN + len, ts, last, emit, ctx);
		return ret < 0 ? ret : 1;
	}

	/*
	 * Fragments carry the NAL header's fields in the FU indicator (H.264:
	 * F and NRI) or payload header (H.265: F, LayerId, TID) and the type
	 * in the FU header; the header itself is not repeated. Spread the body
	 * evenly rather than leaving a runt last fragment.
	 */
	type = (uint8_t)nal_type(s->codec, nal);
	room = s->mtu - RTP_HEADER_LEN - fu_hlen;
	body = len - hlen;
	n = (body + room - 1) / room;
	base = body / n;
	extra = body % n;
	if (n > INT_MAX)
		return ERR_INVAL;
	off = hlen;
	for (size_t i = 0; i < n; i++) {
		size_t chunk = base + (i < extra);
		uint8_t *fu = buf + RTP_HEADER_LEN;

		if (s->codec == RTP_H264) {
			fu[0] = (uint8_t)((nal[0] & 0xe0) | H264_NAL_FU_A);
		} else {
			fu[0] = (uint8_t)((nal[0] & 0x81) | H265_NAL_FU << 1);
			fu[1] = nal[1];
		}
		fu[hlen] = (uint8_t)((i == 0 ? 0x80 : 0) |
		    (i == n - 1 ? 0x40 : 0) | type);
		memcpy(fu + fu_hlen, nal + off, chunk);
		off += chunk;
		ret = send_packet(s, buf, RTP_HEADER_LEN + fu_hlen + chunk, ts,
		    last && i == n - 1, emit, ctx);
		if (ret < 0)
			return ret;
	}
	assert(off == len);
	return (int)n;
}

int
rtp_packetize(struct rtp_packetizer *s, const uint8_t *au, size_t len,
    uint32_t ts, rtp_emit_fn emit, void *ctx)
{
	uint8_t buf[RTP_MTU_MAX];
	const uint8_t *p = au, *end = au + len, *next, *pending = NULL;
	size_t next_len, pending_len = 0;
	int total = 0, ret;

	if (s->mtu < RTP_MTU_MIN || s->mtu > RTP_MTU_MAX || s->pt > 127)
		return ERR_INVAL;
	/*
	 * Look one NAL ahead so we know which packet ends the access unit and
	 * carries the marker.
	 */
	for (;;) {
		int more = rtp_next_nal(&p, end, &next, &next_len);

		if (more && !nal_wanted(s->codec, next, next_len))
			continue;
		if (pending != NULL) {
			ret = send_nal(s, buf, pending, pending_len, ts, !more,
			    emit, ctx);
			if (ret < 0)
				return ret;
			if (ret > INT_MAX - total)
				return ERR_INVAL;
			total += ret;
		}
		if (!more)
			return total;
		pending = next;
		pending_len = next_len;
	}
}

/* ---- RTCP -------------------------------------------------------------- */

uint64_t
rtp_ntp_time(const struct timespec *ts)
{
	/* 70 years, 17 of them leap, from 1900 to the Unix epoch. */
	uint32_t sec = (uint32_t)((uint64_t)ts->tv_sec + 2208988800u);
	uint64_t frac = ((uint64_t)ts->tv_nsec << 32) / 1000000000u;

	return (uint64_t)sec << 32 | (frac & 0xffffffffu);
}

size_t
rtcp_sender_report(uint32_t ssrc, uint64_t ntp, uint32_t rtp_ts,
    uint32_t packets, uint32_t octets, const char *cname, uint8_t *out,
    size_t cap)
{
	size_t clen, chunk, sdes, total;

	assert(cname != NULL);
	clen = strlen(cname);
	/* SSRC, CNAME item, one or more null octets ending the list, to 32 bits. */
	chunk = 4 + ((2 + clen + 1 + 3) & ~(size_t)3);
	sdes = 4 + chunk;
	total = 28 + sdes;

	if (clen > 255 || cap < total)
		return 0;
	memset(out, 0, total);
	out[0] = 0x80;		/* V=2, RC=0 */
	out[1] = RTCP_SR;
	put16(out + 2, 28 / 4 - 1);
	put32(out + 4, ssrc);
	put32(out + 8, (uint32_t)(ntp >> 32));
	put32(out + 12, (uint32_t)ntp);
	put32(out + 16, rtp_ts);
	put32(out + 20, packets);
	put32(out + 24, octets);

	out += 28;
	out[0] = 0x81;		/* V=2, SC=1 */
	out[1] = RTCP_SDES;
	put16(out + 2, (uint16_t)(sdes / 4 - 1));
	put32(out + 4, ssrc);
	out[8] = RTCP_SDES_CNAME;
	out[9] = (uint8_t)clen;
	memcpy(out + 10, cname, clen);
	/* The rest is already the null item and padding. */
	return total;
}

static void
read_block(const uint8_t *p, struct rtcp_report_block *b)
{
	uint32_t lost = (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];

	b->ssrc = get32(p);
	b->fraction_lost = p[4];
	b->cum_lost = (lost & 0x800000) ? (int32_t)lost - 0x1000000 : (int32_t)lost;
	b->ext_high_seq = get32(p + 8);
	b->jitter = get32(p + 12);
	b->lsr = get32(p + 16);
	b->dlsr = get32(p + 20);
}

int
rtcp_parse_rr(const uint8_t *p, size_t len, struct rtcp_rr *out)
{
	size_t off = 0;
	int found = 0;

	memset(out, 0, sizeof *out);
	if (len == 0)
		goto bad;
	while (off < len) {
		const uint8_t *h = p + off;
		size_t plen, body, fixed;
		int pt, rc;

		if (len - off < 4 || (h[0] >> 6) != 2)
			goto bad;
		pt = h[1];
		rc = h[0] & 0x1f;
		plen = ((size_t)get16(h + 2) + 1) * 4;
		if (plen > len - off)
			goto bad;
		body = plen;
		if (h[0] & 0x20) {
			/* Padding: only in the last packet, count in its last octet. */
			if (off == 0 || off + plen != len)
				goto bad;
			if (h[plen - 1] == 0 || h[plen - 1] > plen - 4)
				goto bad;
			body -= h[plen - 1];
		}
		if (off == 0 && pt != RTCP_SR && pt != RTCP_RR)
			goto bad;
		if (!found && (pt == RTCP_SR || pt == RTCP_RR)) {
			fixed = pt == RTCP_SR ? 28 : 8;
			if (body < fixed + 24 * (size_t)rc)
				goto bad;
			out->ssrc = get32(h + 4);
			for (int i = 0; i < rc; i++)
				read_block(h + fixed + 24 * (size_t)i, &out->blocks[i]);
			out->nblocks = rc;
			found = 1;
		}
		if (pt == RTCP_BYE)
			out->bye = 1;
		off += plen;
	}
	return 0;
bad:
	memset(out, 0, sizeof *out);
	return ERR_CORRUPT;
}

/* ---- SDP --------------------------------------------------------------- */

/* Bounded string builder: remembers overflow instead of failing each call. */
struct sdp_buf {
	char *p;
	size_t cap, len;
	int full;
};

static void
sb_printf(struct sdp_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sb_printf(struct sdp_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->full = 1;
		return;
	}
	b->len += (size_t)n;
}

/* Standard base64 with padding (RFC 4648 4), as sprop-* wants. */
static void
sb_base64(struct sdp_buf *b, const uint8_t *in, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t need = (n + 2) / 3 * 4;
	char *o;

	if (b->full || b->cap - b->len <= need) {
		b->full = 1;
		return;
	}
	o = b->p + b->len;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
		*o++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? tab[v & 63] : '=';
	}
	*o = '\0';
	b->len += need;
}

struct ps_list {
	const uint8_t *nal[SDP_PS_MAX];
	size_t len[SDP_PS_MAX];
	int n;
};

struct ps_sets {
	struct ps_list vps, sps, pps;
};

/* File one NAL unit under its kind; others (SEI, ...) are ignored. */
static int
ps_add(enum rtp_codec c, struct ps_sets *ps, const uint8_t *nal, size_t len)
{
	struct ps_list *l;
	int t;

	if (len < nal_header_len(c))
		return 0;
	t = nal_type(c, nal);
	if (c == RTP_H264)
		l = t == H264_NAL_SPS ? &ps->sps : t == H264_NAL_PPS ? &ps->pps : NULL;
	else
		l = t == H265_NAL_VPS ? &ps->vps : t == H265_NAL_SPS ? &ps->sps :
		    t == H265_NAL_PPS ? &ps->pps : NULL;
	if (l == NULL)
		return 0;
	if (l->n == SDP_PS_MAX)
		return ERR_UNSUPPORTED;
	l->nal[l->n] = nal;
	l->len[l->n] = len;
	l->n++;
	return 0;
}

/* Read a 16-bit length and that many bytes at *off into ps. */
static int
ps_add_sized(enum rtp_codec c, struct ps_sets *ps, const uint8_t *p,
    size_t len, size_t *off)
{
	size_t n;

	if (len - *off < 2)
		return ERR_CORRUPT;
	n = get16(p + *off);
	*off += 2;
	if (len - *off < n)
		return ERR_CORRUPT;
	*off += n;
	return ps_add(c, ps, p + *off - n, n);
}

/* ISO/IEC 14496-15 5.3.3.1 AVCDecoderConfigurationRecord. */
static int
parse_avcc(const uint8_t *p, size_t len, struct ps_sets *ps)
{
	size_t off = 6;
	int nsps, npps, ret;

	if (len < 6 || p[0] != 1)
		return ERR_CORRUPT;
	nsps = p[5] & 0x1f;
	for (int i = 0; i < nsps; i++)
		if ((ret = ps_add_sized(RTP_H264, ps, p, len, &off)) < 0)
			return ret;
	if (off >= len)
		return ERR_CORRUPT;
	npps = p[off++];
	for (int i = 0; i < npps; i++)
		if ((ret = ps_add_sized(RTP_H264, ps, p, len, &off)) < 0)
			return ret;
	return 0;	/* high-profile extensions may follow; not needed */
}

/* ISO/IEC 14496-15 8.3.3.1 HEVCDecoderConfigurationRecord. */
static int
parse_hvcc(const uint8_t *p, size_t len, struct ps_sets *ps)
{
	size_t off = 23;
	int narrays, ret;

	if (len < 23)
		return ERR_CORRUPT;
	narrays = p[22];
	for (int i = 0; i < narrays; i++) {
		int nnal;

		/* completeness | NAL type, numNalus; each NAL's own header rules. */
		if (len - off < 3)
			return ERR_CORRUPT;
		nnal = get16(p + off + 1);
		off += 3;
		for (int j = 0; j < nnal; j++)
			if ((ret = ps_add_sized(RTP_H265, ps, p, len, &off)) < 0)
				return ret;
	}
	return 0;
}

static int
is_annexb(const uint8_t *p, size_t len)
{
	if (len >= 3 && p[0] == 0 && p[1] == 0 && p[2] == 1)
		return 1;
	return len >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 1;
}

static void
sb_ps_list(struct sdp_buf *b, const struct ps_list *l)
{
	for (int i = 0; i < l->n; i++) {
		if (i > 0)
			sb_printf(b, ",");
		sb_base64(b, l->nal[i], l->len[i]);
	}
}

int
rtp_sdp_media(enum rtp_codec c, uint8_t pt, const uint8_t *extradata,
    size_t len, char *out, size_t cap)
{
	struct sdp_buf b = { out, cap, 0, 0 };
	struct ps_sets ps;
	int ret;

	memset(&ps, 0, sizeof ps);
	if (cap > 0)
		out[0] = '\0';
	if (pt > 127)
		return ERR_INVAL;
	if (extradata == NULL || len == 0)
		return ERR_FORMAT;
	if (is_annexb(extradata, len)) {
		const uint8_t *p = extradata, *nal;
		size_t nal_len;

		while (rtp_next_nal(&p, extradata + len, &nal, &nal_len))
			if ((ret = ps_add(c, &ps, nal, nal_len)) < 0)
				return ret;
	} else {
		ret = c == RTP_H264 ? parse_avcc(extradata, len, &ps) :
		    parse_hvcc(extradata, len, &ps);
		if (ret < 0)
			return ret;
	}
	if (ps.sps.n == 0 || ps.pps.n == 0 || (c == RTP_H265 && ps.vps.n == 0))
		return ERR_FORMAT;

	/* profile_idc, constraint flags, level_idc follow the NAL header. */
	if (c == RTP_H264 && ps.sps.len[0] < 4)
		return ERR_CORRUPT;
	if (cap == 0)
		return ERR_INVAL;

	sb_printf(&b, "m=video 0 RTP/AVP %u\r\n", pt);
	if (c == RTP_H264) {
		const uint8_t *sps = ps.sps.nal[0];

		sb_printf(&b, "a=rtpmap:%u H264/90000\r\n", pt);
		sb_printf(&b, "a=fmtp:%u packetization-mode=1;"
		    "profile-level-id=%02x%02x%02x;sprop-parameter-sets=",
		    pt, sps[1], sps[2], sps[3]);
		sb_ps_list(&b, &ps.sps);
		sb_printf(&b, ",");
		sb_ps_list(&b, &ps.pps);
	} else {
		sb_printf(&b, "a=rtpmap:%u H265/90000\r\n", pt);
		sb_printf(&b, "a=fmtp:%u sprop-vps=", pt);
		sb_ps_list(&b, &ps.vps);
		sb_printf(&b, ";sprop-sps=");
		sb_ps_list(&b, &ps.sps);
		sb_printf(&b, ";sprop-pps=");
		sb_ps_list(&b, &ps.pps);
	}
	sb_printf(&b, "\r\n");
	if (b.full || b.len > INT_MAX) {
		out[0] = '\0';
		return ERR_INVAL;
	}
	return (int)b.len;
}
