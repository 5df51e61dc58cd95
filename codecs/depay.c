/*
 * RTP depacketizer for H.264 and H.265 cameras. The point of having our
 * own: libavformat's RTSP input hands the decoder one NAL unit at a time
 * and its parser can only close a picture when the next one begins, a
 * whole frame interval (40 ms at 25 fps) after the camera sent it. The
 * RTP marker bit says "last packet of this access unit", so here a
 * picture goes to the decoder the moment its last packet is in.
 *
 * Losses are found by sequence number (RFC 3550 A.1, without the
 * probation: a camera's SSRC is known from its first packet). A lost
 * packet marks its access unit damaged and drops the NAL unit it was
 * part of, so the decoder sees whole NAL units only and conceals the
 * missing slices; packets that arrive behind the sequence are dropped
 * (no reordering buffer: it would add the delay this module removes).
 */
#include <stdlib.h>
#include <string.h>

#include <libavutil/intreadwrite.h>

#include "../util/err.h"
#include "depay.h"

#define MAX_DROPOUT	3000	/* sequence jump taken as loss, beyond as restart */
#define MAX_MISORDER	100
#define QUEUE		2	/* completed units waiting for depay_pop */

struct buf {
	uint8_t *p;
	size_t len, cap;
	uint32_t ts;
	int damaged, key;
};

struct depay {
	struct depay_opts o;
	struct buf cur;		/* access unit being joined */
	struct buf q[QUEUE];	/* completed, oldest first */
	int nq;
	struct buf out;		/* last one handed out */
	int have_cur;		/* cur has a timestamp (a packet was taken) */
	int fu;			/* a fragmented NAL unit is open in cur */
	size_t fu_start;	/* where it starts in cur */
	int fu_key;		/* cur.key before it */

	int have_seq;
	uint32_t ssrc;
	uint16_t max_seq;
	uint32_t cycles;	/* sequence wraps, << 16 */
	uint32_t base_seq;
	uint32_t bad_seq;	/* RFC 3550: a jump, confirmed by its successor */
	uint32_t received, expected_prior, received_prior;
	int have_transit;	/* jitter: transit of the last packet timed */
	uint32_t transit_ssrc;
	int32_t transit;
	uint64_t jitter16;	/* jitter x 16 (RFC 3550 A.8), < 2^35 */
	struct depay_stats st;
};

int
depay_create(const struct depay_opts *o, struct depay **out)
{
	struct depay *d;

	*out = NULL;
	if (o->pt < 0 || o->pt > 127 || o->max_au < 1024)
		return ERR_INVAL;
	d = calloc(1, sizeof *d);
	if (d == NULL)
		return ERR_NOMEM;
	d->o = *o;
	d->bad_seq = UINT32_MAX;
	*out = d;
	return 0;
}

void
depay_free(struct depay **d)
{
	if (d == NULL || *d == NULL)
		return;
	free((*d)->cur.p);
	for (int i = 0; i < QUEUE; i++)
		free((*d)->q[i].p);
	free((*d)->out.p);
	free(*d);
	*d = NULL;
}

void
depay_get_stats(const struct depay *d, struct depay_stats *st)
{
	*st = d->st;
	st->jitter = (uint32_t)(d->jitter16 >> 4);
}

/* Append to the access unit; past max_au it is damaged and stops growing. */
static int
put(struct depay *d, const uint8_t *p, size_t n)
{
	struct buf *b = &d->cur;

	if (n > d->o.max_au - b->len) {
		b->damaged = 1;
		return ERR_CORRUPT;
	}
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 64 * 1024;
		uint8_t *np;

		while (cap < b->len + n)
			cap *= 2;
		if (cap > d->o.max_au)
			cap = d->o.max_au;
		if ((np = realloc(b->p, cap)) == NULL) {
			b->damaged = 1;
			return ERR_NOMEM;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static int
is_key(const struct depay *d, uint8_t hdr)
{
	if (d->o.hevc) {
		int t = (hdr >> 1) & 0x3f;

		return t >= 16 && t <= 21;
	}
	return (hdr & 0x1f) == 5;
}

/* A whole NAL unit: start code, header hdr[0..hn), then body. */
static int
put_nal(struct depay *d, const uint8_t *hdr, size_t hn, const uint8_t *body, size_t n)
{
	static const uint8_t sc[4] = { 0, 0, 0, 1 };
	size_t mark = d->cur.len;
	int ret;

	if ((ret = put(d, sc, 4)) < 0 || (ret = put(d, hdr, hn)) < 0 ||
	    (ret = put(d, body, n)) < 0) {
		d->cur.len = mark;
		return ret;
	}
	if (is_key(d, hdr[0]))
		d->cur.key = 1;
	return 0;
}

/* Drop a fragmented NAL unit left open: its end will never come. */
static void
close_fu(struct depay *d, int damaged)
{
	if (!d->fu)
		return;
	d->cur.len = d->fu_start;
	d->cur.key = d->fu_key;
	d->fu = 0;
	if (damaged)
		d->cur.damaged = 1;
}

/* cur is complete: queue it (if it holds anything) and start afresh. */
static void
finish(struct depay *d)
{
	struct buf t;

	close_fu(d, 1);
	if (d->cur.len > 0) {
		if (d->nq == QUEUE) {	/* caller did not pop: drop the oldest */
			t = d->q[0];
			memmove(&d->q[0], &d->q[1], sizeof d->q[0] * (QUEUE - 1));
			d->q[QUEUE - 1] = t;
			d->nq--;
		}
		t = d->q[d->nq];
		d->q[d->nq++] = d->cur;
		d->cur = t;
		if (d->q[d->nq - 1].damaged)
			d->st.damaged_aus++;
	}
	d->cur.len = 0;
	d->cur.damaged = 0;
	d->cur.key = 0;
	d->have_cur = 0;
}

int
depay_pop(struct depay *d, struct depay_au *au)
{
	struct buf t;

	memset(au, 0, sizeof *au);
	if (d->nq == 0)
		return 0;
	t = d->out;
	d->out = d->q[0];
	memmove(&d->q[0], &d->q[1], sizeof d->q[0] * (QUEUE - 1));
	d->q[QUEUE - 1] = t;
	d->nq--;
	au->data = d->out.p;
	au->size = d->out.len;
	au->ts = d->out.ts;
	au->damaged = d->out.damaged;
	au->key = d->out.key;
	return 1;
}

/* Aggregation packet units: [DON fields,] 16-bit size, NAL unit; repeated. */
static int
aggregate(struct depay *d, const uint8_t *p, size_t n)
{
	size_t i = 0;
	int first = 1;

	if (n == 0)
		return ERR_CORRUPT;
	while (i < n) {
		size_t sz;

		if (d->o.donl)
			i += first ? 2 : 1;	/* DONL, then DOND */
		first = 0;
		if (i + 2 > n)
			return ERR_CORRUPT;
		sz = AV_RB16(p + i);
		i += 2;
		if (sz == 0 || sz > n - i)
			return ERR_CORRUPT;
		/* Header already in the unit: none to add (hdr is still
		 * read for the key flag). */
		put_nal(d, p + i, 0, p + i, sz);
		i += sz;
	}
	return 0;
}

static int
payload_h264(struct depay *d, const uint8_t *p, size_t n)
{
	int type = p[0] & 0x1f;

	if (type >= 1 && type <= 23)
		return put_nal(d, p, 1, p + 1, n - 1);
	if (type == 24)		/* STAP-A */
		return aggregate(d, p + 1, n - 1);
	if (type == 28) {	/* FU-A */
		uint8_t hdr;

		if (n < 2)
			return ERR_CORRUPT;
		if (p[1] & 0x80) {	/* start */
			close_fu(d, 1);
			hdr = (uint8_t)((p[0] & 0xe0) | (p[1] & 0x1f));
			d->fu_start = d->cur.len;
			d->fu_key = d->cur.key;
			if (put_nal(d, &hdr, 1, p + 2, n - 2) < 0)
				return ERR_CORRUPT;
			d->fu = 1;
		} else if (!d->fu) {
			return ERR_CORRUPT;	/* its start was lost */
		} else if (put(d, p + 2, n - 2) < 0) {
			close_fu(d, 1);
			return ERR_CORRUPT;
		}
		if (p[1] & 0x40)	/* end */
			d->fu = 0;
		return 0;
	}
	/* 0, 30, 31 reserved; STAP-B, MTAP and FU-B only come with
	 * interleaved packetization, which our SETUP never asks for. */
	return ERR_CORRUPT;
}

static int
payload_h265(struct depay *d, const uint8_t *p, size_t n)
{
	size_t dl = d->o.donl ? 2 : 0;
	int type;

	if (n < 2)
		return ERR_CORRUPT;
	type = (p[0] >> 1) & 0x3f;
	if (type <= 47) {	/* header-only units (EOS, EOB) are fine */
		if (n < 2 + dl)
			return ERR_CORRUPT;
		return put_nal(d, p, 2, p + 2 + dl, n - 2 - dl);
	}
	if (type == 48)		/* aggregation packet */
		return aggregate(d, p + 2, n - 2);
	if (type == 49) {	/* fragmentation unit */
		uint8_t hdr[2];

		if (n < 3)
			return ERR_CORRUPT;
		if (p[2] & 0x80) {
			if (n < 3 + dl)
				return ERR_CORRUPT;
			close_fu(d, 1);
			hdr[0] = (uint8_t)((p[0] & 0x81) | (p[2] & 0x3f) << 1);
			hdr[1] = p[1];
			d->fu_start = d->cur.len;
			d->fu_key = d->cur.key;
			if (put_nal(d, hdr, 2, p + 3 + dl, n - 3 - dl) < 0)
				return ERR_CORRUPT;
			d->fu = 1;
		} else if (!d->fu) {
			return ERR_CORRUPT;
		} else if (put(d, p + 3, n - 3) < 0) {
			close_fu(d, 1);
			return ERR_CORRUPT;
		}
		if (p[2] & 0x40)
			d->fu = 0;
		return 0;
	}
	return ERR_CORRUPT;	/* 50 PACI and reserved types */
}

/*
 * Sequence bookkeeping. Returns 1 to take the packet, 2 to take it after
 * a loss (the unit it belongs to is damaged too, even if it is a new
 * one: its first packets may be what was lost), 0 to drop it (late,
 * duplicate, or the first of a jump not yet confirmed).
 */
static int
sequence(struct depay *d, uint16_t seq, uint32_t ssrc)
{
	uint16_t delta;

	if (!d->have_seq || ssrc != d->ssrc) {
		/* First packet, or the camera restarted its stream: a unit
		 * left open never got its marker. */
		if (d->have_seq) {
			if (d->have_cur)
				d->cur.damaged = 1;
			finish(d);
		}
		d->have_seq = 1;
		d->ssrc = ssrc;
		d->max_seq = seq;
		d->base_seq = seq;
		d->cycles = 0;
		d->received = d->expected_prior = d->received_prior = 0;
		d->bad_seq = UINT32_MAX;
		d->fu = 0;
		d->received++;
		return 1;
	}
	delta = (uint16_t)(seq - d->max_seq);
	if (delta == 0) {
		d->st.late++;
		return 0;
	}
	if (delta < MAX_DROPOUT) {
		if (seq < d->max_seq)
			d->cycles += 0x10000;
		d->max_seq = seq;
		if (delta > 1) {
			d->st.lost += delta - 1u;
			close_fu(d, 1);
			d->cur.damaged = 1;
			d->received++;
			return 2;
		}
	} else if (delta <= 0x10000 - MAX_MISORDER) {
		/* A big jump: believe it when the next packet follows it. */
		if (seq != d->bad_seq) {
			d->bad_seq = (uint32_t)(uint16_t)(seq + 1);
			d->st.late++;
			return 0;
		}
		finish(d);
		d->cur.damaged = 1;	/* the jump's first packet was dropped */
		d->max_seq = seq;
		d->base_seq = seq;
		d->cycles = 0;
		d->received = d->expected_prior = d->received_prior = 0;
		d->bad_seq = UINT32_MAX;
	} else {
		d->st.late++;	/* behind: duplicate or reordered */
		return 0;
	}
	d->received++;
	return 1;
}

/* Interarrival jitter: the running mean of |D| over 16 packets. */
static void
jitter(struct depay *d, uint32_t ssrc, uint32_t ts, uint32_t arrival)
{
	int32_t transit = (int32_t)(arrival - ts), dt;

	if (!d->have_transit || ssrc != d->transit_ssrc) {
		d->have_transit = 1;
		d->transit_ssrc = ssrc;
		d->transit = transit;
		d->jitter16 = 0;
		return;
	}
	dt = (int32_t)((uint32_t)transit - (uint32_t)d->transit);
	d->transit = transit;
	if (dt < 0)
		dt = dt == INT32_MIN ? INT32_MAX : -dt;
	d->jitter16 += (uint64_t)dt - ((d->jitter16 + 8) >> 4);
}

static int push(struct depay *d, const uint8_t *pkt, size_t len, int timed,
    uint32_t arrival);

int
depay_push(struct depay *d, const uint8_t *pkt, size_t len)
{
	return push(d, pkt, len, 0, 0);
}

int
depay_push_at(struct depay *d, const uint8_t *pkt, size_t len, uint32_t arrival)
{
	return push(d, pkt, len, 1, arrival);
}

static int
push(struct depay *d, const uint8_t *pkt, size_t len, int timed, uint32_t arrival)
{
	size_t off = 12, end = len;
	uint32_t ts, ssrc;
	uint16_t seq;
	int marker, ret, taken;

	if (len < 12 || (pkt[0] >> 6) != 2)
		goto bad;
	if ((pkt[1] & 0x7f) != d->o.pt)
		return 0;
	off += 4u * (pkt[0] & 0x0f);
	if (pkt[0] & 0x10) {	/* header extension */
		if (off + 4 > len)
			goto bad;
		off += 4 + 4u * (size_t)AV_RB16(pkt + off + 2);
	}
	if (off > len)
		goto bad;
	if (pkt[0] & 0x20) {	/* padding: count in the last byte */
		if (pkt[len - 1] == 0 || pkt[len - 1] > len - off)
			goto bad;
		end = len - pkt[len - 1];
	}
	marker = pkt[1] >> 7;
	seq = AV_RB16(pkt + 2);
	ts = AV_RB32(pkt + 4);
	ssrc = AV_RB32(pkt + 8);
	if ((taken = sequence(d, seq, ssrc)) == 0)
		return 0;
	d->st.packets++;
	if (timed)
		jitter(d, ssrc, ts, arrival);
	if (d->have_cur && ts != d->cur.ts)
		finish(d);	/* the marker was lost, or never sent */
	if (taken == 2)
		d->cur.damaged = 1;
	if (!d->have_cur) {
		d->have_cur = 1;
		d->cur.ts = ts;
	}
	ret = 0;
	if (end > off)
		ret = d->o.hevc ? payload_h265(d, pkt + off, end - off) :
		    payload_h264(d, pkt + off, end - off);
	if (ret < 0) {
		d->st.malformed++;
		d->cur.damaged = 1;
	}
	if (marker)
		finish(d);
	return ret < 0 ? ERR_CORRUPT : 0;
bad:
	d->st.malformed++;
	return ERR_CORRUPT;
}

int
depay_rtcp_parse(const uint8_t *p, size_t len, struct depay_rtcp *out)
{
	struct depay_rtcp r = { 0 };
	size_t i = 0;

	/* RFC 3550 6.4.1 / A.2: version 2, first is SR or RR, no padding
	 * but in the last, lengths add up exactly. */
	if (len < 4 || (p[0] >> 6) != 2 || (p[1] != 200 && p[1] != 201))
		return ERR_CORRUPT;
	while (i < len) {
		size_t n;

		if (len - i < 4 || (p[i] >> 6) != 2)
			return ERR_CORRUPT;
		n = 4 * ((size_t)AV_RB16(p + i + 2) + 1);
		if (n > len - i || ((p[i] & 0x20) && i + n != len))
			return ERR_CORRUPT;
		if (p[i + 1] == 200 && n >= 28 && !r.have_sr) {
			r.have_sr = 1;
			r.sr_ssrc = AV_RB32(p + i + 4);
			r.sr_ntp = (uint64_t)AV_RB32(p + i + 8) << 32 | AV_RB32(p + i + 12);
			r.sr_rtp = AV_RB32(p + i + 16);
		} else if (p[i + 1] == 203) {
			r.bye = 1;
		}
		i += n;
	}
	*out = r;
	return 0;
}

size_t
depay_rtcp_rr(struct depay *d, uint32_t our_ssrc, const char *cname,
    uint32_t lsr, uint32_t dlsr, uint8_t *buf, size_t cap)
{
	size_t cn = strlen(cname), rr = d->have_seq ? 32 : 8, sdes;
	uint32_t ext = d->cycles + d->max_seq, expected, lost, exp_iv, rec_iv;
	int32_t lost_iv;
	uint8_t fraction = 0;

	if (cn > 255)
		cn = 255;
	sdes = (8 + 2 + cn + 1 + 3) & ~(size_t)3;	/* item, end, pad to 32 bits */
	if (cap < rr + sdes)
		return 0;
	memset(buf, 0, rr + sdes);
	buf[0] = (uint8_t)(0x80 | (d->have_seq ? 1 : 0));
	buf[1] = 201;
	buf[3] = (uint8_t)(rr / 4 - 1);
	AV_WB32(buf + 4, our_ssrc);
	if (d->have_seq) {
		expected = ext - d->base_seq + 1;
		lost = expected > d->received ? expected - d->received : 0;
		if (lost > 0x7fffff)
			lost = 0x7fffff;
		exp_iv = expected - d->expected_prior;
		rec_iv = d->received - d->received_prior;
		d->expected_prior = expected;
		d->received_prior = d->received;
		lost_iv = (int32_t)(exp_iv - rec_iv);
		if (exp_iv != 0 && lost_iv > 0)
			fraction = (uint8_t)(((uint32_t)lost_iv << 8) / exp_iv);
		AV_WB32(buf + 8, d->ssrc);
		AV_WB32(buf + 12, (uint32_t)fraction << 24 | lost);
		AV_WB32(buf + 16, ext);
		AV_WB32(buf + 20, (uint32_t)(d->jitter16 >> 4));
		AV_WB32(buf + 24, lsr);
		AV_WB32(buf + 28, dlsr);
	}
	buf[rr] = 0x81;		/* SDES, one chunk */
	buf[rr + 1] = 202;
	buf[rr + 3] = (uint8_t)(sdes / 4 - 1);
	AV_WB32(buf + rr + 4, our_ssrc);
	buf[rr + 8] = 1;	/* CNAME */
	buf[rr + 9] = (uint8_t)cn;
	memcpy(buf + rr + 10, cname, cn);
	return rr + sdes;
}
