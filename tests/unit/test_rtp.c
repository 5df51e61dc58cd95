/*
 * Unit tests for proxy/rtp: Annex B splitting, RTP packetization (single
 * NAL units, H.264 FU-A, H.265 FU) checked by an independent depacketizer
 * in this file, RTCP SR layout and RR parsing, and the SDP media section.
 * Parameter sets are real ones from libx264/libx265 (320x240 testsrc);
 * the avcC and hvcC records are the ones FFmpeg's mp4 muxer wrote for
 * them. Parsers get inputs in exact-size heap buffers so the sanitizer
 * build catches any over-read.
 */
#include "unit.h"

#include <string.h>

#include "../../proxy/rtp.h"
#include "../../util/err.h"

#define SPS264 "6742c00dd90141fb011000000300100000030320f142a480"
#define PPS264 "68cb83cb20"
#define PPS264_B "68ce3c80"
#define AVCC264 "0142c00dffe10018" SPS264 "010005" PPS264

#define VPS265 "40010c01ffff01600000030090000003000003003c959809"
#define SPS265 "42010101600000030090000003000003003ca00a080f165959a4932bc05a02" \
    "0000030002000003003210"
#define PPS265 "4401c172b46240"
#define HVCC265 "0101600000009000000000003cf000fcfdf8f800000f03" \
    "2000010018" VPS265 "210001002a" SPS265 "2200010007" PPS265

#define SDP264 "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n" \
    "a=fmtp:96 packetization-mode=1;profile-level-id=42c00d;" \
    "sprop-parameter-sets=Z0LADdkBQfsBEAAAAwAQAAADAyDxQqSA,aMuDyyA=\r\n"
#define SDP265 "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H265/90000\r\n" \
    "a=fmtp:96 sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwA8lZgJ;" \
    "sprop-sps=QgEBAWAAAAMAkAAAAwAAAwA8oAoIDxZZWaSTK8BaAgAAAwACAAADADIQ;" \
    "sprop-pps=RAHBcrRiQA==\r\n"

/* ---- helpers ----------------------------------------------------------- */

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint32_t rng_state = 0x2545f491;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* ---- rtp_next_nal ------------------------------------------------------ */

struct nal_case {
	const char *name;
	const char *in;
	const char *want[4];	/* NAL units in hex, NULL after the last */
};

static struct nal_case nal_cases[] = {
	{ "nal/3byte", "000001 65aabb", { "65aabb" } },
	{ "nal/4byte", "00000001 6742 00000001 68ce", { "6742", "68ce" } },
	{ "nal/mixed", "00000001 6742 000001 68ce 00000001 650102",
	  { "6742", "68ce", "650102" } },
	{ "nal/trailing_zeros", "000001 65aa 0000 00000001 41bb 000000",
	  { "65aa", "41bb" } },
	{ "nal/trailing_zeros_at_end", "00000001 65aa00", { "65aa" } },
	{ "nal/leading_garbage", "aabb 000001 65cc", { "65cc" } },
	{ "nal/leading_zeros", "0000000000 000001 65cc", { "65cc" } },
	{ "nal/empty_nals_skipped", "000001 000001 65 00000001 00000001",
	  { "65" } },
	{ "nal/emulation_prevention_kept", "000001 65 000003 01 000003 00 ff",
	  { "650000030100000300ff" } },
	/* Only 00 00 01 ends a NAL unit. */
	{ "nal/three_zeros_inside", "000001 65 000000 ee", { "65000000ee" } },
	{ "nal/one_byte_nals", "000001 09 000001 0a", { "09", "0a" } },
	{ "nal/no_start_code", "aabbcc0000", { NULL } },
	{ "nal/empty", "", { NULL } },
	{ "nal/only_start_code", "00000001", { NULL } },
	{ "nal/all_zero", "0000000000000000", { NULL } },
	{ "nal/cut_start_code", "65aa 0000", { NULL } },
};

static void
test_next_nal(void **state)
{
	const struct nal_case *c = *state;
	size_t len, nal_len;
	uint8_t *in = unit_unhex(c->in, &len);
	const uint8_t *p = in, *nal;
	int i;

	for (i = 0; c->want[i] != NULL; i++) {
		size_t want_len;
		uint8_t *want = unit_unhex(c->want[i], &want_len);

		assert_int_equal(rtp_next_nal(&p, in + len, &nal, &nal_len), 1);
		assert_int_equal(nal_len, want_len);
		assert_memory_equal(nal, want, want_len);
		/* Points into the input, no copy. */
		assert_true(nal >= in && nal + nal_len <= in + len);
		assert_true(p >= nal + nal_len && p <= in + len);
		free(want);
	}
	assert_int_equal(rtp_next_nal(&p, in + len, &nal, &nal_len), 0);
	assert_null(nal);
	assert_int_equal(nal_len, 0);
	assert_ptr_equal(p, in + len);
	/* Stays at the end. */
	assert_int_equal(rtp_next_nal(&p, in + len, &nal, &nal_len), 0);
	free(in);
}

/* ---- packet capture and an independent depacketizer -------------------- */

#define CAP_PKTS 64

static struct capture {
	uint8_t data[CAP_PKTS * RTP_MTU_MAX];
	size_t off[CAP_PKTS], len[CAP_PKTS];
	int n;		/* emit calls */
	int fail_at;	/* emit call that fails, -1 never */
	int fail_ret;
} cap;

static void
cap_reset(int fail_at, int fail_ret)
{
	cap.n = 0;
	cap.fail_at = fail_at;
	cap.fail_ret = fail_ret;
}

static int
cap_emit(void *ctx, const uint8_t *pkt, size_t len)
{
	size_t off = cap.n > 0 ? cap.off[cap.n - 1] + cap.len[cap.n - 1] : 0;

	assert_ptr_equal(ctx, &cap);
	if (cap.n == CAP_PKTS || len > RTP_MTU_MAX)
		fail_msg("too many or too big packets");
	memcpy(cap.data + off, pkt, len);
	cap.off[cap.n] = off;
	cap.len[cap.n] = len;
	if (cap.n++ == cap.fail_at)
		return cap.fail_ret;
	return 0;
}

#define NALS_MAX 8

struct nal_list {
	uint8_t buf[65536];
	size_t off[NALS_MAX], len[NALS_MAX];
	int n;
};

static void
nal_list_add(struct nal_list *l, const uint8_t *p, size_t len)
{
	size_t off = l->n > 0 ? l->off[l->n - 1] + l->len[l->n - 1] : 0;

	if (l->n == NALS_MAX || off + len > sizeof l->buf)
		fail_msg("NAL list full");
	memcpy(l->buf + off, p, len);
	l->off[l->n] = off;
	l->len[l->n] = len;
	l->n++;
}

/*
 * Rebuild NAL units from the captured payloads following RFC 6184 5.6 and
 * 5.8 and RFC 7798 4.4.1 and 4.4.3, failing on anything a strict receiver
 * would reject. Also checks fragments of one NAL unit differ in size by
 * at most one byte.
 */
static void
depacketize(enum rtp_codec codec, struct nal_list *out)
{
	size_t hlen = codec == RTP_H264 ? 1 : 2;
	uint8_t nal[65536];
	size_t nal_len = 0, frag_min = 0, frag_max = 0;
	int in_fu = 0, fu_type = -1;
	uint8_t fu_ind[2] = { 0, 0 };

	out->n = 0;
	for (int i = 0; i < cap.n; i++) {
		const uint8_t *pl = cap.data + cap.off[i] + RTP_HEADER_LEN;
		size_t len = cap.len[i] - RTP_HEADER_LEN;
		int type, s, e, ft;
		size_t chunk;

		assert_true(len >= hlen);
		type = codec == RTP_H264 ? pl[0] & 0x1f : pl[0] >> 1 & 0x3f;
		if (type != (codec == RTP_H264 ? 28 : 49)) {
			assert_false(in_fu);	/* unfinished fragmented NAL */
			nal_list_add(out, pl, len);
			continue;
		}
		assert_true(len > hlen + 1);	/* header plus some payload */
		s = pl[hlen] >> 7 & 1;
		e = pl[hlen] >> 6 & 1;
		ft = codec == RTP_H264 ? pl[hlen] & 0x1f : pl[hlen] & 0x3f;
		if (codec == RTP_H264)
			assert_int_equal(pl[hlen] & 0x20, 0);	/* R bit */
		assert_false(s && e);	/* RFC 6184: not both */
		chunk = len - hlen - 1;
		if (s) {
			assert_false(in_fu);
			in_fu = 1;
			fu_type = ft;
			memcpy(fu_ind, pl, hlen);
			if (codec == RTP_H264) {
				nal[0] = (uint8_t)((pl[0] & 0xe0) | ft);
			} else {
				nal[0] = (uint8_t)((pl[0] & 0x81) | ft << 1);
				nal[1] = pl[1];
			}
			nal_len = hlen;
			frag_min = frag_max = chunk;
		} else {
			assert_true(in_fu);
			assert_int_equal(ft, fu_type);
			assert_memory_equal(pl, fu_ind, hlen);
		}
		if (nal_len + chunk > sizeof nal)
			fail_msg("NAL too big");
		memcpy(nal + nal_len, pl + hlen + 1, chunk);
		nal_len += chunk;
		frag_min = chunk < frag_min ? chunk : frag_min;
		frag_max = chunk > frag_max ? chunk : frag_max;
		if (e) {
			assert_true(frag_max - frag_min <= 1);
			nal_list_add(out, nal, nal_len);
			in_fu = 0;
		}
	}
	assert_false(in_fu);
}

/* ---- rtp_packetize ----------------------------------------------------- */

struct nal_spec {
	uint8_t h0, h1;		/* NAL header; h1 only for H.265 */
	size_t len;		/* whole NAL incl. header; 0 ends the list */
};

struct pkt_case {
	const char *name;
	enum rtp_codec codec;
	size_t mtu;
	uint16_t seq;
	int long_sc;		/* 4-byte start codes */
	int trail;		/* zero bytes after each NAL */
	struct nal_spec nals[NALS_MAX];
	int want;		/* packets */
};

#define H264(h, n) { h, 0, n }
#define H265(h0, h1, n) { h0, h1, n }

/*
 * Packet counts by hand: a NAL of n bytes fits if n <= mtu - 12;
 * otherwise H.264 needs ceil((n-1) / (mtu-14)) FU-A fragments and H.265
 * ceil((n-2) / (mtu-15)) FU fragments.
 */
static struct pkt_case pkt_cases[] = {
	{ "pkt/h264_small_nals", RTP_H264, 1400, 1000, 0, 0,
	  { H264(0x67, 10), H264(0x68, 4), H264(0x65, 100) }, 3 },
	{ "pkt/h264_aud_dropped", RTP_H264, 1400, 7, 1, 0,
	  { H264(0x09, 2), H264(0x41, 50) }, 1 },
	{ "pkt/h264_aud_between", RTP_H264, 1400, 7, 0, 0,
	  { H264(0x09, 2), H264(0x67, 10), H264(0x09, 2), H264(0x65, 50) }, 2 },
	/* The marker moves to the last NAL actually sent. */
	{ "pkt/h264_aud_last", RTP_H264, 1400, 7, 0, 0,
	  { H264(0x65, 50), H264(0x09, 2) }, 1 },
	{ "pkt/h264_only_aud", RTP_H264, 1400, 7, 0, 0, { H264(0x09, 2) }, 0 },
	/* 4999 body bytes, 1386 per fragment. */
	{ "pkt/h264_fu_5000", RTP_H264, 1400, 300, 0, 0, { H264(0x65, 5000) }, 4 },
	{ "pkt/h264_fu_nri0", RTP_H264, 1400, 300, 0, 0, { H264(0x05, 3000) }, 3 },
	{ "pkt/h264_fu_nri1_then_small", RTP_H264, 1400, 300, 0, 0,
	  { H264(0x21, 3000), H264(0x06, 20) }, 4 },
	{ "pkt/h264_exact_fit", RTP_H264, 1400, 0, 0, 0, { H264(0x65, 1388) }, 1 },
	{ "pkt/h264_one_over", RTP_H264, 1400, 0, 0, 0, { H264(0x65, 1389) }, 2 },
	/* 2 payload bytes per fragment. */
	{ "pkt/h264_min_mtu", RTP_H264, RTP_MTU_MIN, 0, 0, 0,
	  { H264(0x65, 4), H264(0x41, 20) }, 11 },
	{ "pkt/h264_max_mtu", RTP_H264, RTP_MTU_MAX, 0, 0, 0,
	  { H264(0x65, 8988), H264(0x65, 8989) }, 3 },
	{ "pkt/h264_idr_au", RTP_H264, 1400, 4242, 1, 2,
	  { H264(0x09, 2), H264(0x67, 24), H264(0x68, 5), H264(0x06, 30),
	    H264(0x65, 5000) }, 7 },
	{ "pkt/h264_seq_wraps", RTP_H264, 1400, 65534, 0, 0,
	  { H264(0x65, 5000) }, 4 },
	{ "pkt/h264_seq_wraps_single", RTP_H264, 1400, 65535, 0, 0,
	  { H264(0x67, 10), H264(0x68, 4) }, 2 },
	{ "pkt/h265_small_nals", RTP_H265, 1400, 9, 1, 0,
	  { H265(0x40, 0x01, 24), H265(0x42, 0x01, 42), H265(0x44, 0x01, 7),
	    H265(0x26, 0x01, 100) }, 4 },
	{ "pkt/h265_aud_dropped", RTP_H265, 1400, 9, 0, 0,
	  { H265(0x46, 0x01, 3), H265(0x02, 0x01, 60) }, 1 },
	/* 4998 body bytes, 1385 per fragment. */
	{ "pkt/h265_fu_5000", RTP_H265, 1400, 9, 0, 1,
	  { H265(0x26, 0x01, 5000) }, 4 },
	/* TRAIL_R with nuh_layer_id 33 / TID 3, and layer 5 / TID 3. */
	{ "pkt/h265_fu_layer_tid", RTP_H265, 1400, 9, 0, 0,
	  { H265(0x03, 0x0b, 3000), H265(0x02, 0x2b, 3000) }, 6 },
	{ "pkt/h265_exact_fit_one_over", RTP_H265, 1400, 9, 0, 0,
	  { H265(0x26, 0x01, 1388), H265(0x26, 0x01, 1389) }, 3 },
	/* 1 payload byte per fragment. */
	{ "pkt/h265_min_mtu", RTP_H265, RTP_MTU_MIN, 9, 0, 0,
	  { H265(0x02, 0x01, 4), H265(0x02, 0x01, 20) }, 19 },
	{ "pkt/h265_short_nal_dropped", RTP_H265, 1400, 9, 0, 0,
	  { H265(0x02, 0x01, 1), H265(0x02, 0x01, 10) }, 1 },
	{ "pkt/h265_seq_wraps", RTP_H265, 1400, 65535, 1, 0,
	  { H265(0x26, 0x01, 3000) }, 3 },
};

static uint8_t au_buf[65536];

/* Build the access unit for c and the list of NAL units that must arrive. */
static size_t
build_au(const struct pkt_case *c, struct nal_list *want)
{
	size_t hlen = c->codec == RTP_H264 ? 1 : 2, len = 0;

	want->n = 0;
	for (int k = 0; k < NALS_MAX && c->nals[k].len > 0; k++) {
		const struct nal_spec *ns = &c->nals[k];
		uint8_t *nal;
		int type;

		assert_true(len + 4 + ns->len + (size_t)c->trail <= sizeof au_buf);
		if (c->long_sc)
			au_buf[len++] = 0;
		au_buf[len++] = 0;
		au_buf[len++] = 0;
		au_buf[len++] = 1;
		nal = au_buf + len;
		nal[0] = ns->h0;
		if (ns->len > 1)
			nal[1] = c->codec == RTP_H265 ? ns->h1 : 0x80;
		/* Never zero, so no start codes or trailing zeros inside. */
		for (size_t j = 2; j < ns->len; j++)
			nal[j] = (uint8_t)(1 + (j * 131 + (size_t)k * 7) % 255);
		len += ns->len;
		for (int t = 0; t < c->trail; t++)
			au_buf[len++] = 0;
		type = c->codec == RTP_H264 ? ns->h0 & 0x1f : ns->h0 >> 1 & 0x3f;
		if (ns->len >= hlen && type != (c->codec == RTP_H264 ? 9 : 35))
			nal_list_add(want, nal, ns->len);
	}
	return len;
}

static void
test_packetize(void **state)
{
	const struct pkt_case *c = *state;
	static struct nal_list want, got;
	struct rtp_packetizer s = {
		.codec = c->codec, .pt = 96, .ssrc = 0xdeadbeef, .seq = c->seq,
		.mtu = c->mtu,
	};
	uint32_t ts = 0x87654321, octets = 0;
	size_t len = build_au(c, &want);
	int ret;

	cap_reset(-1, 0);
	ret = rtp_packetize(&s, au_buf, len, ts, cap_emit, &cap);
	assert_int_equal(ret, c->want);
	assert_int_equal(cap.n, c->want);
	assert_int_equal(s.seq, (uint16_t)(c->seq + c->want));
	for (int i = 0; i < cap.n; i++) {
		const uint8_t *h = cap.data + cap.off[i];

		assert_true(cap.len[i] > RTP_HEADER_LEN);
		assert_true(cap.len[i] <= c->mtu);
		assert_int_equal(h[0], 0x80);	/* V=2, P=0, X=0, CC=0 */
		assert_int_equal(h[1] & 0x7f, 96);
		assert_int_equal(h[1] >> 7, i == cap.n - 1);
		assert_int_equal(h[2] << 8 | h[3], (uint16_t)(c->seq + i));
		assert_int_equal(rd32(h + 4), ts);
		assert_int_equal(rd32(h + 8), 0xdeadbeef);
		octets += (uint32_t)(cap.len[i] - RTP_HEADER_LEN);
	}
	assert_int_equal(s.packets, c->want);
	assert_int_equal(s.octets, octets);

	depacketize(c->codec, &got);
	assert_int_equal(got.n, want.n);
	for (int i = 0; i < want.n; i++) {
		assert_int_equal(got.len[i], want.len[i]);
		assert_memory_equal(got.buf + got.off[i], want.buf + want.off[i],
		    want.len[i]);
	}
	/* Fragment only what does not fit: one packet per NAL that fits. */
	for (int i = 0, p = 0; i < want.n; i++) {
		if (want.len[i] + RTP_HEADER_LEN <= c->mtu) {
			assert_int_equal(cap.len[p], want.len[i] + RTP_HEADER_LEN);
			assert_memory_equal(cap.data + cap.off[p] + RTP_HEADER_LEN,
			    want.buf + want.off[i], want.len[i]);
			p++;
		} else {
			while (p < cap.n && !(cap.data[cap.off[p] +
			    RTP_HEADER_LEN + (c->codec == RTP_H264 ? 1 : 2)] & 0x40))
				p++;
			p++;
		}
	}
}

/* Counters carry over from one access unit to the next. */
static void
test_packetize_counters(void **state)
{
	struct rtp_packetizer s = {
		.codec = RTP_H264, .pt = 97, .ssrc = 1, .seq = 65535, .mtu = 1400,
	};
	size_t len;
	uint8_t *au = unit_unhex("00000001 65 0102030405", &len);

	(void)state;
	cap_reset(-1, 0);
	assert_int_equal(rtp_packetize(&s, au, len, 1000, cap_emit, &cap), 1);
	assert_int_equal(rtp_packetize(&s, au, len, 4600, cap_emit, &cap), 1);
	assert_int_equal(cap.n, 2);
	assert_int_equal(s.seq, 1);
	assert_int_equal(s.packets, 2);
	assert_int_equal(s.octets, 12);
	assert_int_equal(cap.data[cap.off[1] + 1], 0x80 | 97);
	assert_int_equal(rd32(cap.data + cap.off[0] + 4), 1000);
	assert_int_equal(rd32(cap.data + cap.off[1] + 4), 4600);
	assert_int_equal(cap.data[cap.off[1] + 2] << 8 | cap.data[cap.off[1] + 3], 0);
	free(au);
}

struct abort_case {
	const char *name;
	int fail_at;		/* emit call that fails */
	int fail_ret;
	int want;
};

/* AU: SPS (10 bytes) then a 5000-byte IDR slice: 5 packets at mtu 1400. */
static struct abort_case abort_cases[] = {
	{ "abort/first_packet", 0, -5, -5 },
	{ "abort/first_fragment", 1, ERR_IO, ERR_IO },
	{ "abort/middle_fragment", 2, -110, -110 },
	{ "abort/last_fragment", 4, -32, -32 },
	{ "abort/positive_is_io", 3, 1, ERR_IO },
};

static void
test_packetize_abort(void **state)
{
	const struct abort_case *c = *state;
	struct pkt_case pc = { "", RTP_H264, 1400, 100, 0, 0,
	    { H264(0x67, 10), H264(0x65, 5000) }, 5 };
	struct rtp_packetizer s = {
		.codec = RTP_H264, .pt = 96, .ssrc = 1, .seq = 100, .mtu = 1400,
	};
	static struct nal_list want;
	size_t len = build_au(&pc, &want);
	uint32_t octets = 0;

	cap_reset(c->fail_at, c->fail_ret);
	assert_int_equal(rtp_packetize(&s, au_buf, len, 0, cap_emit, &cap),
	    c->want);
	assert_int_equal(cap.n, c->fail_at + 1);	/* stopped at once */
	assert_int_equal(s.seq, 100 + c->fail_at + 1);
	assert_int_equal(s.packets, c->fail_at);
	for (int i = 0; i < c->fail_at; i++)
		octets += (uint32_t)(cap.len[i] - RTP_HEADER_LEN);
	assert_int_equal(s.octets, octets);
}

struct param_case {
	const char *name;
	enum rtp_codec codec;
	size_t mtu;
	uint8_t pt;
};

static struct param_case param_cases[] = {
	{ "param/mtu_zero", RTP_H264, 0, 96 },
	{ "param/mtu_below_min", RTP_H264, RTP_MTU_MIN - 1, 96 },
	{ "param/mtu_below_min_h265", RTP_H265, RTP_MTU_MIN - 1, 96 },
	{ "param/mtu_above_max", RTP_H264, RTP_MTU_MAX + 1, 96 },
	{ "param/pt_128", RTP_H264, 1400, 128 },
	{ "param/pt_255", RTP_H265, 1400, 255 },
};

static void
test_packetize_param(void **state)
{
	const struct param_case *c = *state;
	struct rtp_packetizer s = {
		.codec = c->codec, .pt = c->pt, .ssrc = 1, .seq = 5, .mtu = c->mtu,
	};
	size_t len;
	uint8_t *au = unit_unhex("00000001 6501 0000000001 4601 0203", &len);

	cap_reset(-1, 0);
	assert_int_equal(rtp_packetize(&s, au, len, 0, cap_emit, &cap), ERR_INVAL);
	assert_int_equal(cap.n, 0);
	assert_int_equal(s.seq, 5);
	assert_int_equal(s.packets, 0);
	free(au);
}

struct empty_case {
	const char *name;
	enum rtp_codec codec;
	const char *au;
};

static struct empty_case empty_cases[] = {
	{ "empty/no_bytes_h264", RTP_H264, "" },
	{ "empty/no_bytes_h265", RTP_H265, "" },
	{ "empty/no_start_code", RTP_H264, "65aabbcc" },
	{ "empty/only_start_codes", RTP_H265, "000001 00000001 000000" },
	{ "empty/only_aud_h264", RTP_H264, "00000001 09f0" },
	{ "empty/only_aud_h265", RTP_H265, "00000001 460150" },
	{ "empty/h265_one_byte_nal", RTP_H265, "00000001 26" },
};

static void
test_packetize_empty(void **state)
{
	const struct empty_case *c = *state;
	struct rtp_packetizer s = {
		.codec = c->codec, .pt = 96, .ssrc = 1, .seq = 5, .mtu = 1400,
	};
	size_t len;
	uint8_t *au = unit_unhex(c->au, &len);

	cap_reset(-1, 0);
	assert_int_equal(rtp_packetize(&s, au, len, 0, cap_emit, &cap), 0);
	assert_int_equal(cap.n, 0);
	assert_int_equal(s.seq, 5);
	free(au);
}

/* ---- RTCP sender report ------------------------------------------------ */

struct sr_case {
	const char *name;
	uint32_t ssrc;
	uint64_t ntp;
	uint32_t rtp_ts, packets, octets;
	const char *cname;
	const char *want;	/* hex */
};

static struct sr_case sr_cases[] = {
	{ "sr/short_cname", 0x11223344, 0x0102030405060708ull, 0xaabbccdd, 1000,
	  0x00123456, "cv",
	  "80c80006 11223344 01020304 05060708 aabbccdd 000003e8 00123456"
	  "81ca0003 11223344 0102 6376 00 000000" },
	/* 12-byte CNAME: item 14 bytes + 1 null + 1 pad. */
	{ "sr/host_cname", 0xfedcba98, 0xe8fe6f8040000000ull, 90000, 0xffffffff,
	  0, "camveil@cam1",
	  "80c80006 fedcba98 e8fe6f80 40000000 00015f90 ffffffff 00000000"
	  "81ca0005 fedcba98 010c 63616d7665696c4063616d31 00 00" },
	/* Item of exactly 4 bytes: the null octet needs a whole new word. */
	{ "sr/cname_fills_word", 1, 0, 0, 0, 0, "ab",
	  "80c80006 00000001 00000000 00000000 00000000 00000000 00000000"
	  "81ca0003 00000001 0102 6162 00000000" },
	{ "sr/empty_cname", 1, 0, 0, 0, 0, "",
	  "80c80006 00000001 00000000 00000000 00000000 00000000 00000000"
	  "81ca0002 00000001 0100 0000" },
};

static void
test_sr(void **state)
{
	const struct sr_case *c = *state;
	size_t want_len, n;
	uint8_t *want = unit_unhex(c->want, &want_len);
	uint8_t *out = malloc(want_len);
	struct rtcp_rr rr;

	assert_non_null(out);
	n = rtcp_sender_report(c->ssrc, c->ntp, c->rtp_ts, c->packets,
	    c->octets, c->cname, out, want_len);
	assert_int_equal(n, want_len);
	assert_memory_equal(out, want, want_len);
	/* One byte short is refused, whatever the shortfall. */
	for (size_t cap_ = 0; cap_ < want_len; cap_++)
		assert_int_equal(rtcp_sender_report(c->ssrc, c->ntp, c->rtp_ts,
		    c->packets, c->octets, c->cname, out, cap_), 0);
	/* Our own parser accepts it as a valid compound packet. */
	assert_int_equal(rtcp_parse_rr(want, want_len, &rr), 0);
	assert_int_equal(rr.ssrc, c->ssrc);
	assert_int_equal(rr.nblocks, 0);
	free(out);
	free(want);
}

/* CNAME lengths 0..300: SDES padded to 32 bits, at least one null octet. */
static void
test_sr_cname_lengths(void **state)
{
	static uint8_t out[512];
	char cname[301];

	(void)state;
	for (size_t clen = 0; clen <= 300; clen++) {
		size_t n, sdes;

		memset(cname, 'x', clen);
		cname[clen] = '\0';
		n = rtcp_sender_report(7, 1, 2, 3, 4, cname, out, sizeof out);
		if (clen > 255) {
			assert_int_equal(n, 0);
			continue;
		}
		sdes = n - 28;
		assert_int_equal(n % 4, 0);
		assert_int_equal(sdes, 4 + 4 + (2 + clen + 1 + 3) / 4 * 4);
		assert_int_equal((out[30] << 8 | out[31]) * 4 + 4, sdes);
		assert_int_equal(out[36], 1);
		assert_int_equal(out[37], clen);
		for (size_t i = 38 + clen; i < n; i++)
			assert_int_equal(out[i], 0);
	}
}

struct ntp_case {
	const char *name;
	struct timespec ts;
	uint64_t want;
};

static struct ntp_case ntp_cases[] = {
	{ "ntp/unix_epoch", { 0, 0 }, 0x83aa7e8000000000ull },
	{ "ntp/half_second", { 1, 500000000 }, 0x83aa7e8180000000ull },
	{ "ntp/almost_next_second", { 0, 999999999 }, 0x83aa7e80fffffffbull },
	{ "ntp/2023", { 1700000000, 250000000 }, 0xe8fe6f8040000000ull },
	{ "ntp/last_second_of_era0", { 2085978495, 0 }, 0xffffffff00000000ull },
	{ "ntp/era1_wraps", { 2085978496, 1000 }, 0x00000000000010c6ull },
};

static void
test_ntp(void **state)
{
	const struct ntp_case *c = *state;

	assert_int_equal(rtp_ntp_time(&c->ts), c->want);
}

/* ---- rtcp_parse_rr ----------------------------------------------------- */

/* A receiver report with one block, then SDES: the shape FFmpeg sends. */
#define RR1 "81c90007 0a0b0c0d" \
    " 11223344 40 000005 00010010 00000020 12345678 00010000"
#define SDES1 "81ca0002 0a0b0c0d 010161 00"

struct rr_case {
	const char *name;
	const char *in;
	int want;		/* 0 or ERR_CORRUPT */
	uint32_t ssrc;
	int nblocks, bye;
	struct rtcp_report_block last;	/* the last block, if any */
};

static struct rr_case rr_cases[] = {
	{ "rr/one_block_sdes", RR1 SDES1, 0, 0x0a0b0c0d, 1, 0,
	  { 0x11223344, 0x40, 5, 0x10010, 0x20, 0x12345678, 0x10000 } },
	{ "rr/alone", RR1, 0, 0x0a0b0c0d, 1, 0,
	  { 0x11223344, 0x40, 5, 0x10010, 0x20, 0x12345678, 0x10000 } },
	{ "rr/negative_cum_lost",
	  "81c90007 0a0b0c0d 11223344 00 fffffe 00000001 00000000 00000000 00000000",
	  0, 0x0a0b0c0d, 1, 0, { 0x11223344, 0, -2, 1, 0, 0, 0 } },
	{ "rr/max_cum_lost",
	  "81c90007 0a0b0c0d 11223344 ff 7fffff 00000001 00000000 00000000 00000000",
	  0, 0x0a0b0c0d, 1, 0, { 0x11223344, 255, 0x7fffff, 1, 0, 0, 0 } },
	{ "rr/min_cum_lost",
	  "81c90007 0a0b0c0d 11223344 00 800000 00000001 00000000 00000000 00000000",
	  0, 0x0a0b0c0d, 1, 0, { 0x11223344, 0, -0x800000, 1, 0, 0, 0 } },
	{ "rr/no_blocks", "80c90001 0a0b0c0d", 0, 0x0a0b0c0d, 0, 0, { 0 } },
	{ "rr/two_blocks",
	  "82c9000d 0a0b0c0d"
	  " 11111111 01 000001 00000001 00000001 00000001 00000001"
	  " 22222222 02 000002 00000002 00000002 00000002 00000002",
	  0, 0x0a0b0c0d, 2, 0, { 0x22222222, 2, 2, 2, 2, 2, 2 } },
	{ "rr/sr_with_block",
	  "81c8000c 0a0b0c0d e8fe6f80 00000000 00000064 00000001 00000010"
	  " 11223344 10 000003 00000100 00000007 00000000 00000000",
	  0, 0x0a0b0c0d, 1, 0, { 0x11223344, 0x10, 3, 0x100, 7, 0, 0 } },
	{ "rr/bye", "80c90001 0a0b0c0d 81cb0001 0a0b0c0d", 0, 0x0a0b0c0d, 0, 1,
	  { 0 } },
	{ "rr/padding_in_last", RR1 "a1ca0003 0a0b0c0d 010161 00 00000004", 0,
	  0x0a0b0c0d, 1, 0,
	  { 0x11223344, 0x40, 5, 0x10010, 0x20, 0x12345678, 0x10000 } },
	/* Profile-specific extension after the blocks is skipped. */
	{ "rr/extension_ignored",
	  "81c90008 0a0b0c0d 11223344 40 000005 00010010 00000020 12345678 00010000"
	  " deadbeef", 0, 0x0a0b0c0d, 1, 0,
	  { 0x11223344, 0x40, 5, 0x10010, 0x20, 0x12345678, 0x10000 } },
	{ "rr/app_after", RR1 "80cc0002 0a0b0c0d 6e616d65", 0, 0x0a0b0c0d, 1, 0,
	  { 0x11223344, 0x40, 5, 0x10010, 0x20, 0x12345678, 0x10000 } },

	{ "rr_bad/empty", "", ERR_CORRUPT, 0, 0, 0, { 0 } },
	{ "rr_bad/three_bytes", "80c900", ERR_CORRUPT, 0, 0, 0, { 0 } },
	{ "rr_bad/version_0", "00c90001 0a0b0c0d", ERR_CORRUPT, 0, 0, 0, { 0 } },
	{ "rr_bad/version_1", "40c90001 0a0b0c0d", ERR_CORRUPT, 0, 0, 0, { 0 } },
	{ "rr_bad/version_3", "c0c90001 0a0b0c0d", ERR_CORRUPT, 0, 0, 0, { 0 } },
	{ "rr_bad/first_is_sdes", SDES1 RR1, ERR_CORRUPT, 0, 0, 0, { 0 } },
	{ "rr_bad/first_is_bye", "81cb0001 0a0b0c0d", ERR_CORRUPT, 0, 0, 0, { 0 } },
	{ "rr_bad/length_beyond", "80c90005 0a0b0c0d", ERR_CORRUPT, 0, 0, 0, { 0 } },
	{ "rr_bad/length_max", "80c9ffff 0a0b0c0d", ERR_CORRUPT, 0, 0, 0, { 0 } },
	{ "rr_bad/trailing_bytes", "80c90001 0a0b0c0d ff", ERR_CORRUPT, 0, 0, 0,
	  { 0 } },
	{ "rr_bad/trailing_half_header", "80c90001 0a0b0c0d 81ca", ERR_CORRUPT,
	  0, 0, 0, { 0 } },
	{ "rr_bad/rc_exceeds_length", "81c90001 0a0b0c0d", ERR_CORRUPT, 0, 0, 0,
	  { 0 } },
	{ "rr_bad/rc31_exceeds_length", "9fc90007 0a0b0c0d 11223344 40 000005"
	  " 00010010 00000020 12345678 00010000", ERR_CORRUPT, 0, 0, 0, { 0 } },
	{ "rr_bad/sr_too_short", "80c80001 0a0b0c0d", ERR_CORRUPT, 0, 0, 0, { 0 } },
	{ "rr_bad/padding_in_first", "a0c90001 0a0b0c04", ERR_CORRUPT, 0, 0, 0,
	  { 0 } },
	/* Would be a valid RR if padding were allowed in the first packet. */
	{ "rr_bad/padding_in_only", "a0c90002 0a0b0c0d 00000004", ERR_CORRUPT, 0,
	  0, 0, { 0 } },
	{ "rr_bad/padding_not_last",
	  RR1 "a1ca0003 0a0b0c0d 010161 00 00000004 81cb0001 0a0b0c0d",
	  ERR_CORRUPT, 0, 0, 0, { 0 } },
	{ "rr_bad/padding_zero", RR1 "a1ca0003 0a0b0c0d 010161 00 00000000",
	  ERR_CORRUPT, 0, 0, 0, { 0 } },
	{ "rr_bad/padding_too_big", RR1 "a1ca0003 0a0b0c0d 010161 00 0000000d",
	  ERR_CORRUPT, 0, 0, 0, { 0 } },
	{ "rr_bad/second_version_1", RR1 "41ca0002 0a0b0c0d 010161 00",
	  ERR_CORRUPT, 0, 0, 0, { 0 } },
};

static int
rr_is_zero(const struct rtcp_rr *rr)
{
	static const struct rtcp_rr zero;

	return memcmp(rr, &zero, sizeof zero) == 0;
}

static void
test_rr(void **state)
{
	const struct rr_case *c = *state;
	size_t len;
	uint8_t *in = unit_unhex(c->in, &len);
	struct rtcp_rr rr;

	memset(&rr, 0xa5, sizeof rr);	/* must be overwritten either way */
	assert_int_equal(rtcp_parse_rr(in, len, &rr), c->want);
	if (c->want != 0) {
		assert_true(rr_is_zero(&rr));
		free(in);
		return;
	}
	assert_int_equal(rr.ssrc, c->ssrc);
	assert_int_equal(rr.nblocks, c->nblocks);
	assert_int_equal(rr.bye, c->bye);
	if (c->nblocks > 0) {
		const struct rtcp_report_block *b = &rr.blocks[c->nblocks - 1];

		assert_int_equal(b->ssrc, c->last.ssrc);
		assert_int_equal(b->fraction_lost, c->last.fraction_lost);
		assert_int_equal(b->cum_lost, c->last.cum_lost);
		assert_int_equal(b->ext_high_seq, c->last.ext_high_seq);
		assert_int_equal(b->jitter, c->last.jitter);
		assert_int_equal(b->lsr, c->last.lsr);
		assert_int_equal(b->dlsr, c->last.dlsr);
	}
	free(in);
}

/* Every prefix of RR+SDES fails except the two that end on a packet. */
static void
test_rr_prefixes(void **state)
{
	size_t len;
	uint8_t *full = unit_unhex(RR1 SDES1, &len);

	(void)state;
	assert_int_equal(len, 44);
	for (size_t n = 0; n <= len; n++) {
		uint8_t *p = malloc(n > 0 ? n : 1);
		struct rtcp_rr rr;
		int ret;

		assert_non_null(p);
		memcpy(p, full, n);
		ret = rtcp_parse_rr(p, n, &rr);
		if (n == 32 || n == 44)
			assert_int_equal(ret, 0);
		else
			assert_int_equal(ret, ERR_CORRUPT);
		free(p);
	}
	free(full);
}

/* Random bytes and mutated valid packets: never crash, fail cleanly. */
static void
test_rr_garbage(void **state)
{
	size_t vlen;
	uint8_t *valid = unit_unhex(RR1 SDES1 "81cb0001 0a0b0c0d", &vlen);
	int ok = 0;

	(void)state;
	for (int iter = 0; iter < 200000; iter++) {
		size_t n = iter & 1 ? rng() % 96 : vlen;
		uint8_t *p = malloc(n > 0 ? n : 1);
		struct rtcp_rr rr;
		int ret;

		assert_non_null(p);
		if (iter & 1) {
			for (size_t i = 0; i < n; i++)
				p[i] = (uint8_t)rng();
			if (n > 0 && (iter & 2))
				p[0] = (uint8_t)(0x80 | (p[0] & 0x3f));
			if (n > 3 && (iter & 4))
				p[2] = 0;
		} else {
			memcpy(p, valid, n);
			for (int k = (int)(rng() % 3) + 1; k > 0; k--)
				p[rng() % n] ^= (uint8_t)(1u << (rng() % 8));
		}
		ret = rtcp_parse_rr(p, n, &rr);
		if (ret == 0) {
			ok++;
			assert_true(rr.nblocks >= 0 && rr.nblocks <= RTCP_RR_MAX_BLOCKS);
			assert_true(rr.bye == 0 || rr.bye == 1);
		} else {
			assert_int_equal(ret, ERR_CORRUPT);
			assert_true(rr_is_zero(&rr));
		}
		free(p);
	}
	assert_true(ok > 0);	/* the mutations did not all break it */
	free(valid);
}

/* ---- rtp_sdp_media ----------------------------------------------------- */

struct sdp_case {
	const char *name;
	enum rtp_codec codec;
	uint8_t pt;
	const char *extradata;	/* hex */
	int want_err;		/* 0: want is the SDP */
	const char *want;
};

static struct sdp_case sdp_cases[] = {
	{ "sdp/h264_annexb_4byte", RTP_H264, 96,
	  "00000001" SPS264 "00000001" PPS264, 0, SDP264 },
	{ "sdp/h264_annexb_3byte_sei_aud", RTP_H264, 96,
	  "000001 09f0 000001" SPS264 "000001 0605 0201ff 80 000001" PPS264 "00",
	  0, SDP264 },
	{ "sdp/h264_avcc", RTP_H264, 96, AVCC264, 0, SDP264 },
	{ "sdp/h264_avcc_high_ext", RTP_H264, 96, AVCC264 "fdf8f800", 0, SDP264 },
	{ "sdp/h264_avcc_pt97", RTP_H264, 97, AVCC264, 0,
	  "m=video 0 RTP/AVP 97\r\na=rtpmap:97 H264/90000\r\n"
	  "a=fmtp:97 packetization-mode=1;profile-level-id=42c00d;"
	  "sprop-parameter-sets=Z0LADdkBQfsBEAAAAwAQAAADAyDxQqSA,aMuDyyA=\r\n" },
	{ "sdp/h264_avcc_two_pps", RTP_H264, 96,
	  "0142c00dffe10018" SPS264 "02 0005" PPS264 "0004" PPS264_B, 0,
	  "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
	  "a=fmtp:96 packetization-mode=1;profile-level-id=42c00d;"
	  "sprop-parameter-sets=Z0LADdkBQfsBEAAAAwAQAAADAyDxQqSA,aMuDyyA=,"
	  "aM48gA==\r\n" },
	{ "sdp/h264_high_profile", RTP_H264, 96,
	  "00000001 6764001fac 00000001" PPS264, 0,
	  "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
	  "a=fmtp:96 packetization-mode=1;profile-level-id=64001f;"
	  "sprop-parameter-sets=Z2QAH6w=,aMuDyyA=\r\n" },
	{ "sdp/h265_annexb", RTP_H265, 96,
	  "00000001" VPS265 "00000001" SPS265 "00000001" PPS265
	  "00000001 4e01 05ff 80", 0, SDP265 },
	{ "sdp/h265_hvcc", RTP_H265, 96, HVCC265, 0, SDP265 },

	{ "sdp_bad/empty", RTP_H264, 96, "", ERR_FORMAT, NULL },
	{ "sdp_bad/empty_h265", RTP_H265, 96, "", ERR_FORMAT, NULL },
	{ "sdp_bad/only_start_code", RTP_H264, 96, "00000001", ERR_FORMAT, NULL },
	{ "sdp_bad/h264_no_pps", RTP_H264, 96, "00000001" SPS264, ERR_FORMAT, NULL },
	{ "sdp_bad/h264_no_sps", RTP_H264, 96, "00000001" PPS264, ERR_FORMAT, NULL },
	{ "sdp_bad/h264_annexb_only_zeros", RTP_H264, 96, "00000001 000000",
	  ERR_FORMAT, NULL },
	{ "sdp_bad/h264_short_sps", RTP_H264, 96, "00000001 6742c0 00000001" PPS264,
	  ERR_CORRUPT, NULL },
	{ "sdp_bad/h264_avcc_version_2", RTP_H264, 96,
	  "0242c00dffe10018" SPS264 "010005" PPS264,
	  ERR_CORRUPT, NULL },
	{ "sdp_bad/h264_avcc_no_sps", RTP_H264, 96, "0142c00dffe0 01 0005" PPS264,
	  ERR_FORMAT, NULL },
	{ "sdp_bad/h264_avcc_sps_len_beyond", RTP_H264, 96,
	  "0142c00dffe1 ffff" SPS264, ERR_CORRUPT, NULL },
	{ "sdp_bad/h264_garbage", RTP_H264, 96, "ffffffffffffffff", ERR_CORRUPT,
	  NULL },
	{ "sdp_bad/h265_no_vps", RTP_H265, 96,
	  "00000001" SPS265 "00000001" PPS265, ERR_FORMAT, NULL },
	{ "sdp_bad/h265_hvcc_short_header", RTP_H265, 96,
	  "0101600000009000000000003cf000fcfdf8f800000f", ERR_CORRUPT, NULL },
	{ "sdp_bad/h265_hvcc_no_arrays", RTP_H265, 96,
	  "0101600000009000000000003cf000fcfdf8f800000f00", ERR_FORMAT, NULL },
	{ "sdp_bad/h265_hvcc_as_h264", RTP_H264, 96, HVCC265, ERR_CORRUPT, NULL },
	{ "sdp_bad/h265_annexb_as_h264", RTP_H264, 96,
	  "00000001" VPS265 "00000001" SPS265 "00000001" PPS265, ERR_FORMAT, NULL },
	{ "sdp_bad/pt_128", RTP_H264, 128, AVCC264, ERR_INVAL, NULL },
};

static void
test_sdp(void **state)
{
	const struct sdp_case *c = *state;
	size_t len;
	uint8_t *ed = unit_unhex(c->extradata, &len);
	char out[1024];
	int ret;

	memset(out, 'z', sizeof out);
	ret = rtp_sdp_media(c->codec, c->pt, ed, len, out, sizeof out);
	if (c->want_err != 0) {
		assert_int_equal(ret, c->want_err);
		assert_string_equal(out, "");
	} else {
		assert_int_equal(ret, (int)strlen(c->want));
		assert_string_equal(out, c->want);
	}
	free(ed);
}

/* Every strict prefix of a configuration record is an error, not a crash. */
struct prefix_case {
	const char *name;
	enum rtp_codec codec;
	const char *blob;
	const char *want;
};

static struct prefix_case prefix_cases[] = {
	{ "sdp_prefix/avcc", RTP_H264, AVCC264, SDP264 },
	{ "sdp_prefix/hvcc", RTP_H265, HVCC265, SDP265 },
};

static void
test_sdp_prefixes(void **state)
{
	const struct prefix_case *c = *state;
	size_t len;
	uint8_t *full = unit_unhex(c->blob, &len);
	char out[1024];

	for (size_t n = 0; n <= len; n++) {
		uint8_t *p = malloc(n > 0 ? n : 1);
		int ret;

		assert_non_null(p);
		memcpy(p, full, n);
		ret = rtp_sdp_media(c->codec, 96, p, n, out, sizeof out);
		if (n == len) {
			assert_string_equal(out, c->want);
		} else {
			assert_true(ret < 0);
			assert_string_equal(out, "");
		}
		free(p);
	}
	free(full);
}

/* Output one byte too small (for the NUL) fails; exactly enough works. */
static void
test_sdp_cap(void **state)
{
	const struct prefix_case *c = *state;
	size_t len, need = strlen(c->want) + 1;
	uint8_t *ed = unit_unhex(c->blob, &len);

	for (size_t cap_ = 0; cap_ <= need; cap_++) {
		char *out = malloc(cap_ > 0 ? cap_ : 1);
		int ret;

		assert_non_null(out);
		ret = rtp_sdp_media(c->codec, 96, ed, len, out, cap_);
		if (cap_ < need) {
			assert_int_equal(ret, ERR_INVAL);
			if (cap_ > 0)
				assert_string_equal(out, "");
		} else {
			assert_int_equal(ret, (int)need - 1);
			assert_string_equal(out, c->want);
		}
		free(out);
	}
	free(ed);
}

static struct prefix_case cap_cases[] = {
	{ "sdp_cap/h264", RTP_H264, AVCC264, SDP264 },
	{ "sdp_cap/h265", RTP_H265, HVCC265, SDP265 },
};

/* At most 16 parameter sets of a kind. */
static void
test_sdp_too_many(void **state)
{
	static uint8_t ed[1024];
	static const uint8_t sps[] = { 0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x0d };
	static const uint8_t pps[] = { 0, 0, 0, 1, 0x68, 0xce };
	char out[2048];
	size_t len = 0;

	(void)state;
	memcpy(ed, pps, sizeof pps);
	len += sizeof pps;
	for (int i = 0; i < 17; i++) {
		memcpy(ed + len, sps, sizeof sps);
		len += sizeof sps;
		if (i == 15)
			assert_true(rtp_sdp_media(RTP_H264, 96, ed, len, out,
			    sizeof out) > 0);
	}
	assert_int_equal(rtp_sdp_media(RTP_H264, 96, ed, len, out, sizeof out),
	    ERR_UNSUPPORTED);
	assert_string_equal(out, "");
}

/* Random and mutated extradata: either a well-formed result or an error. */
static void
test_sdp_garbage(void **state)
{
	size_t alen, hlen;
	uint8_t *avcc = unit_unhex(AVCC264, &alen), *hvcc = unit_unhex(HVCC265, &hlen);
	char out[4096];

	(void)state;
	for (int iter = 0; iter < 100000; iter++) {
		enum rtp_codec codec = iter & 1 ? RTP_H265 : RTP_H264;
		const uint8_t *base = codec == RTP_H264 ? avcc : hvcc;
		size_t n = (iter & 2) ? rng() % 128 : (codec == RTP_H264 ? alen : hlen);
		uint8_t *p = malloc(n > 0 ? n : 1);
		int ret;

		assert_non_null(p);
		if (iter & 2) {
			for (size_t i = 0; i < n; i++)
				p[i] = (uint8_t)(rng() % 4 == 0 ? 0 : rng());
			if (n > 4 && (iter & 4))
				memcpy(p, "\0\0\0\1", 4);
		} else {
			memcpy(p, base, n);
			for (int k = (int)(rng() % 3) + 1; k > 0; k--)
				p[rng() % n] = (uint8_t)rng();
		}
		ret = rtp_sdp_media(codec, 96, p, n, out, sizeof out);
		if (ret >= 0)
			assert_int_equal(strlen(out), (size_t)ret);
		else
			assert_string_equal(out, "");
		free(p);
	}
	free(avcc);
	free(hvcc);
}

int
main(void)
{
	static struct unit_list l;

	UNIT_TABLE(&l, nal_cases, test_next_nal);
	UNIT_TABLE(&l, pkt_cases, test_packetize);
	UNIT_TEST(&l, test_packetize_counters);
	UNIT_TABLE(&l, abort_cases, test_packetize_abort);
	UNIT_TABLE(&l, param_cases, test_packetize_param);
	UNIT_TABLE(&l, empty_cases, test_packetize_empty);
	UNIT_TABLE(&l, sr_cases, test_sr);
	UNIT_TEST(&l, test_sr_cname_lengths);
	UNIT_TABLE(&l, ntp_cases, test_ntp);
	UNIT_TABLE(&l, rr_cases, test_rr);
	UNIT_TEST(&l, test_rr_prefixes);
	UNIT_TEST(&l, test_rr_garbage);
	UNIT_TABLE(&l, sdp_cases, test_sdp);
	UNIT_TABLE(&l, prefix_cases, test_sdp_prefixes);
	UNIT_TABLE(&l, cap_cases, test_sdp_cap);
	UNIT_TEST(&l, test_sdp_too_many);
	UNIT_TEST(&l, test_sdp_garbage);
	return unit_run("rtp", &l);
}
