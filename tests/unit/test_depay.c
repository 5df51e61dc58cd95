/*
 * Unit tests for codecs/depay: RTP headers, H.264 (RFC 6184) and H.265
 * (RFC 7798) payloads joined into Annex B access units, sequence
 * tracking (loss, late and duplicate packets, wraps, jumps, SSRC
 * changes), RTCP sender reports in and receiver reports out, and a round
 * trip through proxy/rtp's packetizer with real access units from
 * libx264 and libx265 (64x48 testsrc, qp 40). The RTCP compound packet is
 * one GStreamer's RTSP server sent. Packets are built in exact-size heap
 * buffers so the sanitizer build catches any over-read.
 */
#include "unit.h"

#include <math.h>
#include <string.h>

#include "../../codecs/depay.h"
#include "../../proxy/rtp.h"
#include "../../util/err.h"

#define EC ERR_CORRUPT
#define SC "00000001 "
#define SSRC_A 0x11223344u
#define SSRC_B 0x55667788u

/* libx264: SPS, PPS, the IDR slice of the first picture and the P slice
 * of the second. */
#define X264_SPS "6742c00ada11ec0440000003004000000c83c489a8"
#define X264_PPS "68ce039c80"
#define X264_IDR \
    "6588843a0c6003e8c688e8287bef775f1be1bea7c0128c94c06e1ccbfbf844f8" \
    "20002213be092dc7ad3801e94dc3118bba814352a55018c70002c0005ea3bfff" \
    "e190c03430002604032677fff60ff7f7fdfe3c1871183800160001024e200800" \
    "0814c4000345863000b4da2098a7d060dd7df816f2bf02064cc7affe9e00caad" \
    "923aaf78a8ed6806e1cde11260002000100022a80404417f5fc00cc38d271d9f" \
    "ae83f84b01c004e422640a06f837b6e7d20012a5cff87004a9721c012a5cfcd4" \
    "cf64cf7849c0704c62a67814fdc8dd047904625cfc39189730e4625cda16c000" \
    "ff2630871acb5bcfd0043356235b3be722112e7ee062ba04d04ac4cde1c846b8" \
    "a25d1f8133a663d038010281004a38402e6a43a0232b4618511de815019481f8" \
    "1ca4b030618f1cd0cdefa82ce006c8528169220f3fc2b96edf8312961e652fc3" \
    "70003868c0f074023203b015a44080eaaa83a3077005291e04c92101fcf0742c" \
    "e0085a48002e05426daaeb166a06cea3c6dd415b97e2100010064340009883e0" \
    "07690f006655201518e402d05803690a00da4350e8d7068c30e000989fb57390" \
    "b304792ef00441fec52515f7ff0ca30507091e1d21cb0e90e5f81600108104c0" \
    "5b078199350292f9a50a7e3801323000f8f444758b85b0"
#define X264_P "419a2286c0"

/* libx265: VPS, SPS, PPS, an IDR_N_LP slice and a TRAIL_R slice. */
#define X265_VPS "40010c01ffff01600000030090000003000003001e959409"
#define X265_SPS \
    "42010101600000030090000003000003001ea0208316595952930bc05a020000" \
    "030002000003003210"
#define X265_PPS "4401c0718112"
#define X265_IDR \
    "2801ac2d80a996068a535a0864c1a10b3109d0e5bc1998ed2ab246e9be9fd182" \
    "5ca687b31172e9f1efafec60502d61595c319b67ffbecb4efbcaab9dcd130dc4" \
    "7c9b4278cf5f5eb5633399a38090258fc82282f1ca59bf5c0181d7bdc977eba8" \
    "58a4017fdf10ee89c6e0efb2740ee798914837ca9fb0beb46ef0502631d827a2" \
    "194756524a49dc38025306d8dd9e54b8f76c95354b55552a7d1a6ff1249c33f1" \
    "e475d9983a6f302530a52940c2beeff85bc215a7cf96f2d25a3e06d255656dd3" \
    "337dd96c4bafbde7d3b1d898f079f86cb00f81517c5cd42ae87131f27e7f91cd" \
    "11413bff8c2ee2d070c55acfe58e202f6d9bff0cb9eb505c85e7e4503ee15ab6" \
    "ef115bc327e1f50242e80c2c624a11fe16531513bf0c2933c546d5829ddee2fd" \
    "dafc6421ebc3d8cae6ed9cc1b5ceca3c63a3e5016ccb9c46cf9fac418dde4196" \
    "6f5289c84d83fc295a3e0ed24a93635cdf044a505022e5867e58c67fd2a1d781" \
    "78758ac56f4ae4bae3bf4bfb43f6e89af9e095d5f53d219a1376bbc72b217fa9" \
    "c97529110d2aff761a9e7adeb0096706b0cfa338a85b1d1f45bdee9e2cb22e13" \
    "19b1e20360e0d56fa38f2d65b2dc4d4e04f8b6f783011c009f151414ad6ca86f" \
    "93cd188a79e8e2446a9df0ead4f3f6cdd17dbca4d2cfd2baceae25e4"
#define X265_P "0201d0097881cc8c10"

/* A STAP-A with a short SPS and PPS, and those two as Annex B. */
#define STAP_SPS_PPS "78 0004 6742c00d 0004 68ce3c80 "
#define AB_SPS_PPS SC "6742c00d " SC "68ce3c80 "

/* RTCP compound packet from GStreamer's RTSP server: SR (no report
 * blocks) then SDES with CNAME and TOOL items. */
#define GST_SR "80c80006 637ea424 eead35c1 03eb8d82 d0bdb54e 00000075 000123f5 "
#define GST_SDES "81ca000c 637ea424 011c 75736572313734303231353235384068" \
    "6f73742d3432303662366138 0609 4753747265616d6572 000000 "
#define GST_BYE "81cb0001 637ea424 "

/* ---- helpers ----------------------------------------------------------- */

/* Decode hex (spaces allowed), then append fill bytes of filler(). */
static uint8_t *
unhex_fill(const char *s, size_t fill, size_t *len)
{
	uint8_t *out = unit_unhex_room(s, fill, len);

	/* Never zero: no start codes or emulation questions inside. */
	for (size_t j = 0; j < fill; j++)
		out[(*len)++] = (uint8_t)(1 + (j * 131) % 255);
	return out;
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t rng_state = 0x9e3779b9;

static uint32_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static struct depay *
make(int hevc, int donl, size_t max_au)
{
	struct depay_opts o = {
		.hevc = hevc, .pt = 96, .donl = donl,
		.max_au = max_au > 0 ? max_au : 1024 * 1024,
	};
	struct depay *d = NULL;

	assert_int_equal(depay_create(&o, &d), 0);
	assert_non_null(d);
	return d;
}

/* A whole RTP packet (V=2, no CSRC, no extension) in an exact-size buffer. */
static uint8_t *
rtp_pkt(uint16_t seq, uint32_t ts, int m, int pt, uint32_t ssrc,
    const uint8_t *pl, size_t n, size_t *len)
{
	uint8_t *p = malloc(12 + n);

	assert_non_null(p);
	p[0] = 0x80;
	p[1] = (uint8_t)((m ? 0x80 : 0) | pt);
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	wr32(p + 4, ts);
	wr32(p + 8, ssrc);
	if (n > 0)
		memcpy(p + 12, pl, n);
	*len = 12 + n;
	return p;
}

/* Push a single-NAL H.264 packet with a marker; for sequence-only tests. */
static void
push_seq(struct depay *d, uint16_t seq, uint32_t ssrc)
{
	static const uint8_t nal[] = { 0x41, 0x01 };
	size_t len;
	uint8_t *p = rtp_pkt(seq, (uint32_t)seq * 3600u, 1, 96, ssrc, nal,
	    sizeof nal, &len);
	struct depay_au au;

	assert_int_equal(depay_push(d, p, len), 0);
	while (depay_pop(d, &au))
		;
	free(p);
}

/* ---- table-driven packet sequences -------------------------------------- */

#define PKTS_MAX 12
#define AUS_MAX 6

struct pkt_spec {
	const char *hex;	/* payload, or with raw the whole packet; NULL ends */
	uint16_t seq;
	uint32_t ts;
	int m;
	int ret;		/* depay_push's */
	size_t fill;		/* filler bytes after hex */
	uint32_t ssrc;		/* 0: SSRC_A */
	int pt;			/* 0: 96 */
	int raw;
};

struct au_spec {
	const char *hex;	/* Annex B; NULL ends */
	uint32_t ts;
	int damaged;		/* -1: may be either */
	int key;
	size_t fill;		/* filler bytes after hex (as in the packet) */
	int after;		/* the push (1-based) that completes it; 0: any */
};

struct dp_case {
	const char *name;
	int hevc, donl;
	size_t max_au;		/* 0: 1 MiB */
	struct pkt_spec pkts[PKTS_MAX];
	struct au_spec aus[AUS_MAX];
	struct { uint64_t packets, lost, late, malformed; } st;
};

#define P(s_, t_, m_, h_) { .hex = (h_), .seq = (s_), .ts = (t_), .m = (m_) }
#define PR(s_, t_, m_, h_, r_) \
	{ .hex = (h_), .seq = (s_), .ts = (t_), .m = (m_), .ret = (r_) }
#define PF(s_, t_, m_, h_, f_, r_) \
	{ .hex = (h_), .seq = (s_), .ts = (t_), .m = (m_), .fill = (f_), .ret = (r_) }
#define PS(s_, t_, m_, h_, ssrc_) \
	{ .hex = (h_), .seq = (s_), .ts = (t_), .m = (m_), .ssrc = (ssrc_) }
#define RAW(h_, r_) { .hex = (h_), .raw = 1, .ret = (r_) }
#define AU(h_, t_, d_, k_) { .hex = (h_), .ts = (t_), .damaged = (d_), .key = (k_) }
#define AUA(h_, t_, d_, k_, a_) \
	{ .hex = (h_), .ts = (t_), .damaged = (d_), .key = (k_), .after = (a_) }
#define AUF(h_, f_, t_, d_, k_) \
	{ .hex = (h_), .fill = (f_), .ts = (t_), .damaged = (d_), .key = (k_) }
#define ST(p_, l_, t_, m_) { (p_), (l_), (t_), (m_) }
#define NO_AU { .hex = NULL }

/* A packet-type case: a good NAL unit, then the bad payload with marker. */
#define BAD264(name_, h_) { name_, 0, 0, 0, \
	{ P(1, 0, 0, "4101"), PR(2, 0, 1, h_, EC) }, \
	{ AU(SC "4101", 0, 1, 0) }, ST(2, 0, 0, 1) }
#define BAD265(name_, h_) { name_, 1, 0, 0, \
	{ P(1, 0, 0, "0201aa"), PR(2, 0, 1, h_, EC) }, \
	{ AU(SC "0201aa", 0, 1, 0) }, ST(2, 0, 0, 1) }
/* One packet with marker and one NAL unit; checks its key flag. */
#define KEY265(name_, h_, k_) { name_, 1, 0, 0, { P(1, 0, 1, h_) }, \
	{ AU(SC h_, 0, 0, k_) }, ST(1, 0, 0, 0) }

static struct dp_case dp_cases[] = {
	/* ---- H.264 payloads */
	{ "h264/single_nal_marker", 0, 0, 0,
	  { P(100, 1000, 1, "41 9a 02 03") },
	  { AU(SC "419a0203", 1000, 0, 0) }, ST(1, 0, 0, 0) },
	{ "h264/single_nals_idr_key", 0, 0, 0,
	  { P(1, 3000, 0, "6742c00d"), P(2, 3000, 0, "68ce3c80"),
	    P(3, 3000, 1, "65888400") },
	  { AU(AB_SPS_PPS SC "65888400", 3000, 0, 1) }, ST(3, 0, 0, 0) },
	{ "h264/stap_a_sps_pps_idr", 0, 0, 0,
	  { P(7, 0, 1, STAP_SPS_PPS "0003 658884") },
	  { AU(AB_SPS_PPS SC "658884", 0, 0, 1) }, ST(1, 0, 0, 0) },
	{ "h264/stap_a_sei_slice", 0, 0, 0,
	  { P(7, 90, 1, "58 0002 0605 0003 41aabb") },
	  { AU(SC "0605" SC "41aabb", 90, 0, 0) }, ST(1, 0, 0, 0) },
	{ "h264/stap_a_one_byte_nal", 0, 0, 0,
	  { P(7, 90, 1, "58 0001 09 0003 41aabb") },
	  { AU(SC "09" SC "41aabb", 90, 0, 0) }, ST(1, 0, 0, 0) },
	{ "h264/stap_a_then_fu_a_idr", 0, 0, 0,
	  { P(1, 500, 0, STAP_SPS_PPS), P(2, 500, 0, "7c 85 0102"),
	    P(3, 500, 0, "7c 05 0304"), P(4, 500, 1, "7c 45 05") },
	  { AU(AB_SPS_PPS SC "65 0102 0304 05", 500, 0, 1) }, ST(4, 0, 0, 0) },
	/* NRI from the indicator, type from the FU header. */
	{ "h264/fu_a_nri_and_type", 0, 0, 0,
	  { P(1, 0, 0, "5c 81 aa"), P(2, 0, 1, "5c 41 bb") },
	  { AU(SC "41 aabb", 0, 0, 0) }, ST(2, 0, 0, 0) },
	{ "h264/fu_a_f_bit_empty_middle", 0, 0, 0,
	  { P(1, 0, 0, "fc 85 aa"), P(2, 0, 0, "fc 05"), P(3, 0, 1, "fc 45 bb") },
	  { AU(SC "e5 aabb", 0, 0, 1) }, ST(3, 0, 0, 0) },
	/* Loss inside a fragmented NAL: the whole NAL goes, the rest stays. */
	{ "h264/fu_a_lost_middle", 0, 0, 0,
	  { P(10, 0, 0, STAP_SPS_PPS), P(11, 0, 0, "5c 81 0102"),
	    PR(13, 0, 0, "5c 01 0304", EC), PR(14, 0, 0, "5c 41 05", EC),
	    P(15, 0, 1, "0605aa") },
	  { AU(AB_SPS_PPS SC "0605aa", 0, 1, 0) }, ST(5, 1, 0, 2) },
	{ "h264/fu_a_lost_start", 0, 0, 0,
	  { P(1, 0, 0, "0605aa"), PR(3, 0, 0, "7c 05 0304", EC),
	    PR(4, 0, 1, "7c 45 05", EC) },
	  { AU(SC "0605aa", 0, 1, 0) }, ST(3, 1, 0, 2) },
	{ "h264/fu_a_continuation_without_start", 0, 0, 0,
	  { P(1, 0, 0, "0605aa"), PR(2, 0, 0, "7c 05 0304", EC),
	    PR(3, 0, 1, "7c 45 05", EC) },
	  { AU(SC "0605aa", 0, 1, 0) }, ST(3, 0, 0, 2) },
	{ "h264/fu_a_new_start_drops_open_one", 0, 0, 0,
	  { P(1, 0, 0, "7c 81 01"), P(2, 0, 0, "7c 81 02"), P(3, 0, 1, "7c 41 03") },
	  { AU(SC "61 0203", 0, 1, 0) }, ST(3, 0, 0, 0) },
	{ "h264/fu_a_unfinished_at_marker", 0, 0, 0,
	  { P(1, 0, 0, "6742c00d"), P(2, 0, 1, "7c 81 01") },
	  { AU(SC "6742c00d", 0, 1, 0) }, ST(2, 0, 0, 0) },
	/*
	 * BUG: the key flag is set by the FU-A start of an IDR slice and
	 * stays when that slice is dropped, so an AU holding only SPS and
	 * PPS says it holds an IDR picture.
	 */
	{ "h264/fu_a_lost_idr_not_key", 0, 0, 0,
	  { P(1, 0, 0, STAP_SPS_PPS), P(2, 0, 0, "7c 85 0102"),
	    PR(4, 0, 1, "7c 45 05", EC) },
	  { AU(AB_SPS_PPS, 0, 1, 0) }, ST(3, 1, 0, 1) },

	/* ---- access unit boundaries */
	{ "h264/no_marker_ts_change", 0, 0, 0,
	  { P(1, 1000, 0, "4101"), P(2, 4600, 0, "4102"), P(3, 8200, 0, "4103") },
	  { AUA(SC "4101", 1000, 0, 0, 2), AUA(SC "4102", 4600, 0, 0, 3) },
	  ST(3, 0, 0, 0) },
	/* One push closes the open unit (new timestamp) and its own (marker). */
	{ "h264/two_aus_from_one_push", 0, 0, 0,
	  { P(1, 1000, 0, "4101"), P(2, 4600, 1, "4102") },
	  { AUA(SC "4101", 1000, 0, 0, 2), AUA(SC "4102", 4600, 0, 0, 2) },
	  ST(2, 0, 0, 0) },
	/* The packet with the marker is lost: the next timestamp closes it.
	 * Whether the new unit counts as damaged too is a policy choice. */
	{ "h264/marker_packet_lost", 0, 0, 0,
	  { P(1, 1000, 0, "4101"), P(3, 4600, 1, "4103") },
	  { AUA(SC "4101", 1000, 1, 0, 2), AUA(SC "4103", 4600, -1, 0, 2) },
	  ST(2, 1, 0, 0) },
	/*
	 * BUG: two packets lost between units: the marker of the first and,
	 * for all the receiver can tell, the first slice of the second. The
	 * second is handed out as whole.
	 */
	{ "h264/marker_and_next_first_lost", 0, 0, 0,
	  { P(1, 1000, 0, "4101"), P(4, 4600, 1, "4104") },
	  { AU(SC "4101", 1000, 1, 0), AU(SC "4104", 4600, 1, 0) }, ST(2, 2, 0, 0) },
	{ "h264/loss_before_au", 0, 0, 0,
	  { P(1, 0, 1, "4101"), P(3, 3600, 1, "4103") },
	  { AU(SC "4101", 0, 0, 0), AU(SC "4103", 3600, 1, 0) }, ST(2, 1, 0, 0) },
	{ "h264/empty_payload_closes", 0, 0, 0,
	  { P(1, 0, 0, "4101"), P(2, 0, 1, "") },
	  { AU(SC "4101", 0, 0, 0) }, ST(2, 0, 0, 0) },
	{ "h264/marker_only_empty_au", 0, 0, 0,
	  { P(1, 0, 1, ""), P(2, 3600, 1, "4102") },
	  { AU(SC "4102", 3600, 0, 0) }, ST(2, 0, 0, 0) },

	/* ---- sequence numbers */
	{ "seq/duplicate_and_late", 0, 0, 0,
	  { P(10, 0, 1, "4101"), P(10, 0, 1, "4101"), P(11, 3600, 0, "4102"),
	    P(9, 0, 1, "41ff"), P(12, 3600, 1, "4103") },
	  { AU(SC "4101", 0, 0, 0), AU(SC "4102" SC "4103", 3600, 0, 0) },
	  ST(3, 0, 2, 0) },
	{ "seq/duplicate_fragments", 0, 0, 0,
	  { P(1, 0, 0, "7c 85 01"), P(2, 0, 0, "7c 05 02"), P(2, 0, 0, "7c 05 02"),
	    P(1, 0, 0, "7c 85 01"), P(3, 0, 1, "7c 45 03") },
	  { AU(SC "65 010203", 0, 0, 1) }, ST(3, 0, 2, 0) },
	{ "seq/wrap", 0, 0, 0,
	  { P(65534, 0, 0, "4101"), P(65535, 0, 1, "4102"), P(0, 3600, 0, "4103"),
	    P(1, 3600, 1, "4104") },
	  { AU(SC "4101" SC "4102", 0, 0, 0), AU(SC "4103" SC "4104", 3600, 0, 0) },
	  ST(4, 0, 0, 0) },
	{ "seq/wrap_with_loss", 0, 0, 0,
	  { P(65535, 0, 1, "4101"), P(1, 3600, 1, "4103") },
	  { AU(SC "4101", 0, 0, 0), AU(SC "4103", 3600, 1, 0) }, ST(2, 1, 0, 0) },
	{ "seq/late_across_wrap", 0, 0, 0,
	  { P(0, 0, 1, "4101"), P(65535, 0, 1, "41ff"), P(1, 3600, 1, "4102") },
	  { AU(SC "4101", 0, 0, 0), AU(SC "4102", 3600, 0, 0) }, ST(2, 0, 1, 0) },
	/* 2999 ahead is loss; 3000 ahead is a jump to be confirmed. */
	{ "seq/dropout_limit", 0, 0, 0,
	  { P(1, 0, 1, "4101"), P(3000, 3600, 1, "4102"), P(6000, 7200, 1, "4103") },
	  { AU(SC "4101", 0, 0, 0), AU(SC "4102", 3600, 1, 0) }, ST(2, 2998, 1, 0) },
	{ "seq/jump_confirmed", 0, 0, 0,
	  { P(100, 0, 1, "4101"), P(20000, 3600, 1, "4102"),
	    P(20001, 7200, 1, "4103"), P(20002, 10800, 1, "4104") },
	  { AU(SC "4101", 0, 0, 0), AU(SC "4103", 7200, -1, 0),
	    AU(SC "4104", 10800, 0, 0) }, ST(3, 0, 1, 0) },
	{ "seq/jump_not_confirmed", 0, 0, 0,
	  { P(100, 0, 1, "4101"), P(20000, 3600, 1, "4102"),
	    P(101, 7200, 1, "4103"), P(102, 10800, 1, "4104") },
	  { AU(SC "4101", 0, 0, 0), AU(SC "4103", 7200, 0, 0),
	    AU(SC "4104", 10800, 0, 0) }, ST(3, 0, 1, 0) },
	/*
	 * BUG: the first packet of a confirmed jump is dropped; the unit it
	 * began is handed out as whole without it.
	 */
	{ "seq/jump_first_packet_dropped_damages", 0, 0, 0,
	  { P(100, 0, 1, "4101"), P(20000, 3600, 0, "4102"),
	    P(20001, 3600, 1, "4103") },
	  { AU(SC "4101", 0, 0, 0), AU(SC "4103", 3600, 1, 0) }, ST(2, 0, 1, 0) },
	{ "seq/ssrc_change", 0, 0, 0,
	  { PS(100, 0, 1, "4101", SSRC_A), PS(5, 90000, 1, "4102", SSRC_B),
	    PS(6, 93600, 1, "4103", SSRC_B) },
	  { AU(SC "4101", 0, 0, 0), AU(SC "4102", 90000, 0, 0),
	    AU(SC "4103", 93600, 0, 0) }, ST(3, 0, 0, 0) },
	{ "seq/ssrc_change_mid_fragment", 0, 0, 0,
	  { PS(1, 0, 0, "6742c00d", SSRC_A), PS(2, 0, 0, "7c 81 01", SSRC_A),
	    PS(9, 500, 1, "4102", SSRC_B), PS(10, 4100, 1, "4103", SSRC_B) },
	  { AUA(SC "6742c00d", 0, 1, 0, 3), AUA(SC "4102", 500, 0, 0, 3),
	    AU(SC "4103", 4100, 0, 0) }, ST(4, 0, 0, 0) },
	/* Another payload type changes nothing, not even the sequence. */
	{ "seq/other_pt_ignored", 0, 0, 0,
	  { P(1, 0, 0, "4101"),
	    { .hex = "4199", .seq = 30000, .ts = 999, .m = 1, .ssrc = SSRC_B, .pt = 97 },
	    { .hex = "", .seq = 7, .ts = 5, .m = 1, .pt = 8 },
	    P(2, 0, 1, "4102") },
	  { AU(SC "4101" SC "4102", 0, 0, 0) }, ST(2, 0, 0, 0) },

	/* ---- RTP headers */
	{ "hdr_bad/empty", 0, 0, 0, { RAW("", EC) }, { NO_AU }, ST(0, 0, 0, 1) },
	{ "hdr_bad/len_11", 0, 0, 0, { RAW("80e00001 00000000 112233", EC) },
	  { NO_AU }, ST(0, 0, 0, 1) },
	{ "hdr_bad/version_0", 0, 0, 0,
	  { RAW("00e00001 00000000 11223344 4101", EC) }, { NO_AU },
	  ST(0, 0, 0, 1) },
	{ "hdr_bad/version_1", 0, 0, 0,
	  { RAW("40e00001 00000000 11223344 4101", EC) }, { NO_AU },
	  ST(0, 0, 0, 1) },
	{ "hdr_bad/version_3", 0, 0, 0,
	  { RAW("c0e00001 00000000 11223344 4101", EC) }, { NO_AU },
	  ST(0, 0, 0, 1) },
	{ "hdr_bad/padding_count_too_large", 0, 0, 0,
	  { RAW("a0e00001 00000000 11223344 410104", EC) }, { NO_AU },
	  ST(0, 0, 0, 1) },
	{ "hdr_bad/padding_count_zero", 0, 0, 0,
	  { RAW("a0e00001 00000000 11223344 410100", EC) }, { NO_AU },
	  ST(0, 0, 0, 1) },
	{ "hdr_bad/padding_without_payload", 0, 0, 0,
	  { RAW("a0e00001 00000000 11223344", EC) }, { NO_AU }, ST(0, 0, 0, 1) },
	{ "hdr_bad/extension_header_past_end", 0, 0, 0,
	  { RAW("90e00001 00000000 11223344 bede00", EC) }, { NO_AU },
	  ST(0, 0, 0, 1) },
	{ "hdr_bad/extension_past_end", 0, 0, 0,
	  { RAW("90e00001 00000000 11223344 bede0002 00000000", EC) }, { NO_AU },
	  ST(0, 0, 0, 1) },
	{ "hdr_bad/extension_length_max", 0, 0, 0,
	  { RAW("90e00001 00000000 11223344 bedeffff 4101", EC) }, { NO_AU },
	  ST(0, 0, 0, 1) },
	{ "hdr_bad/csrc_past_end", 0, 0, 0,
	  { RAW("8fe00001 00000000 11223344 00000001", EC) }, { NO_AU },
	  ST(0, 0, 0, 1) },
	{ "hdr_bad/csrc_then_extension_past_end", 0, 0, 0,
	  { RAW("91e00001 00000000 11223344 00000001 bede", EC) }, { NO_AU },
	  ST(0, 0, 0, 1) },
	/* A bad header is not counted in the sequence either. */
	{ "hdr_bad/then_valid", 0, 0, 0,
	  { RAW("40e00001 00000000 11223344 4101", EC), P(2, 0, 1, "4102") },
	  { AU(SC "4102", 0, 0, 0) }, ST(1, 0, 0, 1) },
	{ "hdr/header_only", 0, 0, 0, { RAW("80e00001 00000000 11223344", 0) },
	  { NO_AU }, ST(1, 0, 0, 0) },
	{ "hdr/padding", 0, 0, 0,
	  { RAW("a0e00001 00000000 11223344 410102 000003", 0) },
	  { AU(SC "410102", 0, 0, 0) }, ST(1, 0, 0, 0) },
	{ "hdr/padding_whole_payload", 0, 0, 0,
	  { RAW("a0e00001 00000000 11223344 000003", 0) }, { NO_AU },
	  ST(1, 0, 0, 0) },
	{ "hdr/extension", 0, 0, 0,
	  { RAW("90e00001 00000000 11223344 bede0001 10ff0000 4101", 0) },
	  { AU(SC "4101", 0, 0, 0) }, ST(1, 0, 0, 0) },
	{ "hdr/extension_empty", 0, 0, 0,
	  { RAW("90e00001 00000000 11223344 bede0000 4101", 0) },
	  { AU(SC "4101", 0, 0, 0) }, ST(1, 0, 0, 0) },
	{ "hdr/csrc_2", 0, 0, 0,
	  { RAW("82e00001 00000000 11223344 aaaaaaaa bbbbbbbb 4101", 0) },
	  { AU(SC "4101", 0, 0, 0) }, ST(1, 0, 0, 0) },
	{ "hdr/csrc_extension_padding", 0, 0, 0,
	  { RAW("b1e00001 0000abcd 11223344 aaaaaaaa bede0001 00000000"
	    " 4101 0002", 0) },
	  { AU(SC "4101", 0xabcd, 0, 0) }, ST(1, 0, 0, 0) },

	/* ---- bad H.264 payloads */
	BAD264("pl264_bad/type_0", "0001"),
	BAD264("pl264_bad/type_30", "1e01"),
	BAD264("pl264_bad/type_31", "1f01"),
	BAD264("pl264_bad/stap_b", "19 0000 0002 4101"),
	BAD264("pl264_bad/mtap16", "1a 0000 0002 00 0000 4101"),
	BAD264("pl264_bad/mtap24", "1b 0000 0002 00 000000 4101"),
	BAD264("pl264_bad/fu_b", "1d 85 0001 aa"),
	BAD264("pl264_bad/stap_a_indicator_only", "18"),
	BAD264("pl264_bad/stap_a_cut_size", "18 00"),
	BAD264("pl264_bad/stap_a_size_zero", "18 0000"),
	BAD264("pl264_bad/stap_a_size_past_end", "18 0005 4101"),
	BAD264("pl264_bad/fu_a_indicator_only", "7c"),
	{ "pl264_bad/stap_a_second_past_end", 0, 0, 0,
	  { P(1, 0, 0, "4101"), PR(2, 0, 1, "18 0002 0602 0009 41", EC) },
	  { AU(SC "4101" SC "0602", 0, 1, 0) }, ST(2, 0, 0, 1) },
	{ "pl264_bad/stap_a_trailing_byte", 0, 0, 0,
	  { P(1, 0, 0, "4101"), PR(2, 0, 1, "18 0002 0602 00", EC) },
	  { AU(SC "4101" SC "0602", 0, 1, 0) }, ST(2, 0, 0, 1) },

	/* ---- max_au 1024 */
	{ "size/au_exactly_max", 0, 0, 1024,
	  { PF(1, 0, 1, "65", 1019, 0) },
	  { AUF(SC "65", 1019, 0, 0, 1) }, ST(1, 0, 0, 0) },
	{ "size/second_nal_exactly_max", 0, 0, 1024,
	  { P(1, 0, 0, "4101"), PF(2, 0, 1, "65", 1013, 0) },
	  { AUF(SC "4101" SC "65", 1013, 0, 0, 1) }, ST(2, 0, 0, 0) },
	{ "size/nal_over_max", 0, 0, 1024,
	  { P(1, 0, 0, "4101"), PF(2, 0, 1, "65", 1015, EC) },
	  { AU(SC "4101", 0, 1, 0) }, ST(2, 0, 0, 1) },
	{ "size/fragments_over_max", 0, 0, 1024,
	  { P(1, 0, 0, "0605aa"), PF(2, 0, 0, "7c 81", 600, 0),
	    PF(3, 0, 0, "7c 01", 600, EC), PR(4, 0, 0, "7c 41 01", EC),
	    P(5, 3600, 1, "4102") },
	  { AU(SC "0605aa", 0, 1, 0), AU(SC "4102", 3600, 0, 0) }, ST(5, 0, 0, 2) },

	/* ---- H.265 payloads */
	{ "h265/single_trail", 1, 0, 0, { P(1, 0, 1, "0201 aabb") },
	  { AU(SC "0201aabb", 0, 0, 0) }, ST(1, 0, 0, 0) },
	KEY265("h265/key_type_15", "1e01aa", 0),
	KEY265("h265/key_type_16_bla", "2001aa", 1),
	KEY265("h265/key_type_19_idr", "2601aa", 1),
	KEY265("h265/key_type_20_idr_n_lp", "2801aa", 1),
	KEY265("h265/key_type_21_cra", "2a01aa", 1),
	KEY265("h265/key_type_22", "2c01aa", 0),
	KEY265("h265/key_type_32_vps", "4001aa", 0),
	KEY265("h265/key_layer_bit", "2701aa", 1),
	{ "h265/ap_params_idr", 1, 0, 0,
	  { P(1, 0, 1, "6001 0004 4001aabb 0004 4201ccdd 0003 4401ee 0003 2601ff") },
	  { AU(SC "4001aabb" SC "4201ccdd" SC "4401ee" SC "2601ff", 0, 0, 1) },
	  ST(1, 0, 0, 0) },
	{ "h265/fu_idr", 1, 0, 0,
	  { P(1, 0, 0, "6201 93 0102"), P(2, 0, 0, "6201 13 0304"),
	    P(3, 0, 1, "6201 53 05") },
	  { AU(SC "2601 0102030405", 0, 0, 1) }, ST(3, 0, 0, 0) },
	/* F and the LayerId high bit from the payload header, type from the
	 * FU header, the second byte (LayerId, TID) as it came. */
	{ "h265/fu_f_layer_tid_kept", 1, 0, 0,
	  { P(1, 0, 0, "e30b 81 aa"), P(2, 0, 1, "e30b 41 bb") },
	  { AU(SC "830b aabb", 0, 0, 0) }, ST(2, 0, 0, 0) },
	{ "h265/fu_type_63", 1, 0, 0,
	  { P(1, 0, 0, "6205 bf aa"), P(2, 0, 1, "6205 7f bb") },
	  { AU(SC "7e05 aabb", 0, 0, 0) }, ST(2, 0, 0, 0) },
	{ "h265/fu_lost_middle", 1, 0, 0,
	  { P(1, 0, 0, "4001aabb"), P(2, 0, 0, "6201 81 01"),
	    PR(4, 0, 0, "6201 01 03", EC), PR(5, 0, 0, "6201 41 04", EC),
	    P(6, 0, 1, "0201 cc") },
	  { AU(SC "4001aabb" SC "0201cc", 0, 1, 0) }, ST(5, 1, 0, 2) },
	BAD265("pl265_bad/fu_without_start", "6201 41 04"),
	BAD265("pl265_bad/paci", "6401 0000 aa"),
	BAD265("pl265_bad/type_51", "6601 aa"),
	BAD265("pl265_bad/type_63", "7e01 aa"),
	BAD265("pl265_bad/one_byte", "02"),
	BAD265("pl265_bad/ap_size_past_end", "6001 0009 4001"),
	BAD265("pl265_bad/ap_size_zero", "6001 0000"),
	{ "pl265_bad/ap_cut_second_size", 1, 0, 0,
	  { P(1, 0, 0, "0201aa"), PR(2, 0, 1, "6001 0004 4001aabb 00", EC) },
	  { AU(SC "0201aa" SC "4001aabb", 0, 1, 0) }, ST(2, 0, 0, 1) },
	/*
	 * BUG: an H.265 NAL unit may be just its 2-byte header (EOS_NUT 36,
	 * EOB_NUT 37, RFC 7798 single NAL unit packets allow it); it is
	 * rejected as malformed and the unit marked damaged.
	 */
	{ "h265/eos_header_only", 1, 0, 0,
	  { P(1, 0, 0, "0201aa"), P(2, 0, 1, "4801") },
	  { AU(SC "0201aa" SC "4801", 0, 0, 0) }, ST(2, 0, 0, 0) },

	/* ---- H.265 with DONL (sprop-max-don-diff > 0) */
	{ "h265_donl/single", 1, 1, 0, { P(1, 0, 1, "0201 0005 aabb") },
	  { AU(SC "0201aabb", 0, 0, 0) }, ST(1, 0, 0, 0) },
	{ "h265_donl/ap", 1, 1, 0,
	  { P(1, 0, 1, "6001 0001 0004 4001aabb 01 0003 4201cc") },
	  { AU(SC "4001aabb" SC "4201cc", 0, 0, 0) }, ST(1, 0, 0, 0) },
	{ "h265_donl/fu", 1, 1, 0,
	  { P(1, 0, 0, "6201 93 0007 0102"), P(2, 0, 0, "6201 13 0304"),
	    P(3, 0, 1, "6201 53 05") },
	  { AU(SC "2601 0102030405", 0, 0, 1) }, ST(3, 0, 0, 0) },
	{ "h265_donl/fu_start_cut_donl", 1, 1, 0,
	  { P(1, 0, 0, "0201 0005 aa"), PR(2, 0, 1, "6201 93 00", EC) },
	  { AU(SC "0201aa", 0, 1, 0) }, ST(2, 0, 0, 1) },
	{ "h265_donl/single_cut_donl", 1, 1, 0,
	  { P(1, 0, 0, "0201 0005 aa"), PR(2, 0, 1, "0201 00", EC) },
	  { AU(SC "0201aa", 0, 1, 0) }, ST(2, 0, 0, 1) },
	{ "h265_donl/ap_cut_dond", 1, 1, 0,
	  { PR(1, 0, 1, "6001 0001 0002 4001 01", EC) },
	  { AU(SC "4001", 0, 1, 0) }, ST(1, 0, 0, 1) },
};

struct got {
	uint8_t *data;
	size_t size;
	uint32_t ts;
	int damaged, key, after;
};

static void
test_case(void **state)
{
	const struct dp_case *c = *state;
	struct depay *d = make(c->hevc, c->donl, c->max_au);
	struct got got[AUS_MAX + 2];
	struct depay_stats st;
	struct depay_au au;
	uint64_t damaged = 0;
	int ngot = 0, nwant = 0;

	for (int i = 0; i < PKTS_MAX && c->pkts[i].hex != NULL; i++) {
		const struct pkt_spec *ps = &c->pkts[i];
		size_t pl_len, len;
		uint8_t *pl = unhex_fill(ps->hex, ps->fill, &pl_len), *pkt;

		if (ps->raw) {
			pkt = pl;
			len = pl_len;
		} else {
			pkt = rtp_pkt(ps->seq, ps->ts, ps->m, ps->pt ? ps->pt : 96,
			    ps->ssrc ? ps->ssrc : SSRC_A, pl, pl_len, &len);
			free(pl);
		}
		assert_int_equal(depay_push(d, pkt, len), ps->ret);
		free(pkt);
		while (depay_pop(d, &au)) {
			if (ngot == AUS_MAX + 2)
				fail_msg("too many access units");
			got[ngot].data = malloc(au.size > 0 ? au.size : 1);
			assert_non_null(got[ngot].data);
			memcpy(got[ngot].data, au.data, au.size);
			got[ngot].size = au.size;
			got[ngot].ts = au.ts;
			got[ngot].damaged = au.damaged;
			got[ngot].key = au.key;
			got[ngot].after = i + 1;
			damaged += au.damaged != 0;
			ngot++;
		}
		/* Empty: zeroed. */
		assert_null(au.data);
		assert_int_equal(au.size, 0);
	}
	while (nwant < AUS_MAX && c->aus[nwant].hex != NULL)
		nwant++;
	assert_int_equal(ngot, nwant);
	for (int i = 0; i < nwant; i++) {
		const struct au_spec *w = &c->aus[i];
		size_t wlen;
		uint8_t *want = unhex_fill(w->hex, w->fill, &wlen);

		assert_int_equal(got[i].size, wlen);
		assert_memory_equal(got[i].data, want, wlen);
		assert_int_equal(got[i].ts, w->ts);
		if (w->damaged >= 0)
			assert_int_equal(got[i].damaged != 0, w->damaged);
		assert_int_equal(got[i].key != 0, w->key);
		if (w->after != 0)
			assert_int_equal(got[i].after, w->after);
		free(want);
		free(got[i].data);
	}
	depay_get_stats(d, &st);
	assert_int_equal(st.packets, c->st.packets);
	assert_int_equal(st.lost, c->st.lost);
	assert_int_equal(st.late, c->st.late);
	assert_int_equal(st.malformed, c->st.malformed);
	assert_int_equal(st.damaged_aus, damaged);
	depay_free(&d);
	assert_null(d);
}

/* ---- create, free, queue ------------------------------------------------ */

struct opt_case {
	const char *name;
	int pt;
	size_t max_au;
	int want;
};

static struct opt_case opt_cases[] = {
	{ "opts/pt_0", 0, 1024, 0 },
	{ "opts/pt_127", 127, 1024, 0 },
	{ "opts/pt_negative", -1, 1024, ERR_INVAL },
	{ "opts/pt_128", 128, 1024, ERR_INVAL },
	{ "opts/max_au_1023", 96, 1023, ERR_INVAL },
	{ "opts/max_au_0", 96, 0, ERR_INVAL },
};

static void
test_opts(void **state)
{
	const struct opt_case *c = *state;
	struct depay_opts o = { .pt = c->pt, .max_au = c->max_au };
	struct depay *d = (struct depay *)&o;	/* must be overwritten */

	assert_int_equal(depay_create(&o, &d), c->want);
	if (c->want != 0)
		assert_null(d);
	else
		assert_non_null(d);
	depay_free(&d);
	assert_null(d);
	depay_free(&d);
	depay_free(NULL);
}

/* A caller that does not pop loses the oldest unit, never the newest. */
static void
test_queue_not_popped(void **state)
{
	struct depay *d = make(0, 0, 0);
	struct depay_au au;
	struct depay_stats st;

	(void)state;
	for (int i = 0; i < 4; i++) {
		uint8_t nal[2] = { 0x41, (uint8_t)i };
		size_t len;
		uint8_t *p = rtp_pkt((uint16_t)i, (uint32_t)i * 3600, 1, 96, SSRC_A,
		    nal, sizeof nal, &len);

		assert_int_equal(depay_push(d, p, len), 0);
		free(p);
	}
	for (int i = 2; i < 4; i++) {
		static const uint8_t sc[] = { 0, 0, 0, 1, 0x41 };

		assert_int_equal(depay_pop(d, &au), 1);
		assert_int_equal(au.size, 6);
		assert_memory_equal(au.data, sc, sizeof sc);
		assert_int_equal(au.data[5], i);
		assert_int_equal(au.ts, (uint32_t)i * 3600);
	}
	assert_int_equal(depay_pop(d, &au), 0);
	depay_get_stats(d, &st);
	assert_int_equal(st.packets, 4);
	depay_free(&d);
}

/* An access unit far beyond the first buffer (64 KiB) grows it. */
static void
test_big_au(void **state)
{
	enum { FRAGS = 300, CHUNK = 1000 };
	struct depay *d = make(0, 0, 0);
	uint8_t pl[2 + CHUNK];
	struct depay_au au;

	(void)state;
	for (int i = 0; i < FRAGS; i++) {
		size_t len;
		uint8_t *p;

		pl[0] = 0x7c;
		pl[1] = (uint8_t)(0x05 | (i == 0 ? 0x80 : 0) | (i == FRAGS - 1 ? 0x40 : 0));
		memset(pl + 2, (uint8_t)(i + 1), CHUNK);
		p = rtp_pkt((uint16_t)(500 + i), 77, i == FRAGS - 1, 96, SSRC_A, pl,
		    sizeof pl, &len);
		assert_int_equal(depay_push(d, p, len), 0);
		free(p);
		assert_int_equal(depay_pop(d, &au), i == FRAGS - 1);
	}
	assert_int_equal(au.size, 5 + (size_t)FRAGS * CHUNK);
	assert_int_equal(rd32(au.data), 1);
	assert_int_equal(au.data[4], 0x65);
	for (int i = 0; i < FRAGS; i++) {
		const uint8_t *f = au.data + 5 + (size_t)i * CHUNK;

		assert_int_equal(f[0], (uint8_t)(i + 1));
		assert_int_equal(f[CHUNK - 1], (uint8_t)(i + 1));
	}
	assert_true(au.key);
	assert_false(au.damaged);
	depay_free(&d);
}

/* A STAP-A whose units do not all fit: the unit is damaged, what fits stays. */
static void
test_stap_over_max(void **state)
{
	enum { A = 500, B = 600 };
	struct depay *d = make(0, 0, 1024);
	uint8_t pl[1 + 2 + A + 2 + B + 2 + 3];
	static const uint8_t tail[] = { 0x41, 0xaa, 0xbb };
	struct depay_au au;
	size_t len, o = 0;
	uint8_t *p;

	(void)state;
	pl[o++] = 0x78;
	pl[o++] = A >> 8;
	pl[o++] = A & 0xff;
	pl[o] = 0x06;
	memset(pl + o + 1, 0x11, A - 1);
	o += A;
	pl[o++] = B >> 8;
	pl[o++] = B & 0xff;
	pl[o] = 0x65;
	memset(pl + o + 1, 0x22, B - 1);
	o += B;
	pl[o++] = 0;
	pl[o++] = 3;
	memcpy(pl + o, tail, 3);
	o += 3;
	assert_int_equal(o, sizeof pl);
	p = rtp_pkt(1, 0, 1, 96, SSRC_A, pl, sizeof pl, &len);
	(void)depay_push(d, p, len);	/* dropping for size: either return */
	free(p);
	assert_int_equal(depay_pop(d, &au), 1);
	assert_true(au.damaged);
	assert_int_equal(au.size, 4 + A + 4 + 3);
	assert_int_equal(rd32(au.data), 1);
	assert_int_equal(au.data[4], 0x06);
	assert_int_equal(au.data[4 + A - 1], 0x11);
	assert_int_equal(rd32(au.data + 4 + A), 1);
	assert_memory_equal(au.data + 8 + A, tail, 3);
	assert_false(au.key);	/* the IDR did not fit */
	depay_free(&d);
}

/* ---- round trip through proxy/rtp's packetizer ---------------------------- */

#define CAP_PKTS 2048

static struct capture {
	uint8_t data[4 * 1024 * 1024];
	size_t off[CAP_PKTS], len[CAP_PKTS];
	int n;
} cap;

static int
cap_emit(void *ctx, const uint8_t *pkt, size_t len)
{
	size_t off = cap.n > 0 ? cap.off[cap.n - 1] + cap.len[cap.n - 1] : 0;

	assert_ptr_equal(ctx, &cap);
	if (cap.n == CAP_PKTS || off + len > sizeof cap.data)
		fail_msg("capture full");
	memcpy(cap.data + off, pkt, len);
	cap.off[cap.n] = off;
	cap.len[cap.n] = len;
	cap.n++;
	return 0;
}

/* Push captured packet i in an exact-size copy; returns depay_push's. */
static int
push_cap(struct depay *d, int i)
{
	uint8_t *p = malloc(cap.len[i]);
	int ret;

	assert_non_null(p);
	memcpy(p, cap.data + cap.off[i], cap.len[i]);
	ret = depay_push(d, p, cap.len[i]);
	free(p);
	return ret;
}

struct rt_case {
	const char *name;
	enum rtp_codec codec;
	size_t mtu;
	uint16_t seq;
	const char *au[3];	/* Annex B, 4-byte start codes; NULL ends */
	int key[3];
	int min_pkts;		/* fragmentation must have happened */
};

#define AU264_IDR SC X264_SPS SC X264_PPS SC X264_IDR
#define AU264_P SC X264_P
#define AU265_IDR SC X265_VPS SC X265_SPS SC X265_PPS SC X265_IDR
#define AU265_P SC X265_P

static struct rt_case rt_cases[] = {
	{ "roundtrip/h264_mtu_1400", RTP_H264, 1400, 1000,
	  { AU264_IDR, AU264_P }, { 1, 0 }, 3 },
	{ "roundtrip/h264_mtu_100_fu_a", RTP_H264, 100, 65530,
	  { AU264_IDR, AU264_P, AU264_P }, { 1, 0, 0 }, 8 },
	{ "roundtrip/h264_mtu_min", RTP_H264, RTP_MTU_MIN, 65000,
	  { AU264_IDR, AU264_P }, { 1, 0 }, 247 },
	{ "roundtrip/h265_mtu_1400", RTP_H265, 1400, 7,
	  { AU265_IDR, AU265_P }, { 1, 0 }, 4 },
	{ "roundtrip/h265_mtu_100_fu", RTP_H265, 100, 65535,
	  { AU265_IDR, AU265_P, AU265_P }, { 1, 0, 0 }, 9 },
	{ "roundtrip/h265_mtu_min", RTP_H265, RTP_MTU_MIN, 0,
	  { AU265_IDR, AU265_P }, { 1, 0 }, 500 },
};

static void
test_roundtrip(void **state)
{
	const struct rt_case *c = *state;
	struct rtp_packetizer s = {
		.codec = c->codec, .pt = 96, .ssrc = 0xcafe0001, .seq = c->seq,
		.mtu = c->mtu,
	};
	struct depay *d = make(c->codec == RTP_H265, 0, 0);
	struct depay_stats st;
	int total = 0;

	for (int k = 0; k < 3 && c->au[k] != NULL; k++) {
		size_t len;
		uint8_t *au = unit_unhex(c->au[k], &len);
		uint32_t ts = 0xfffff000u + (uint32_t)k * 3600;	/* wraps too */
		struct depay_au out;
		int n;

		cap.n = 0;
		n = rtp_packetize(&s, au, len, ts, cap_emit, &cap);
		assert_int_equal(n, cap.n);
		if (k == 0)
			assert_true(n >= c->min_pkts);
		total += n;
		for (int i = 0; i < cap.n; i++) {
			assert_int_equal(push_cap(d, i), 0);
			/* Out at the marker, not before. */
			assert_int_equal(depay_pop(d, &out), i == cap.n - 1);
		}
		assert_int_equal(out.size, len);
		assert_memory_equal(out.data, au, len);
		assert_int_equal(out.ts, ts);
		assert_false(out.damaged);
		assert_int_equal(out.key != 0, c->key[k]);
		free(au);
	}
	depay_get_stats(d, &st);
	assert_int_equal(st.packets, total);
	assert_int_equal(st.lost + st.late + st.malformed + st.damaged_aus, 0);
	depay_free(&d);
}

/* NAL unit i of an Annex B unit: offset of its first byte and its length. */
static int
nal_bounds(const uint8_t *au, size_t len, size_t off[], size_t nl[], int max)
{
	const uint8_t *p = au, *nal;
	size_t n;
	int k = 0;

	while (rtp_next_nal(&p, au + len, &nal, &n) == 1) {
		assert_true(k < max);
		off[k] = (size_t)(nal - au);
		nl[k++] = n;
	}
	return k;
}

struct drop_case {
	const char *name;
	enum rtp_codec codec;
	const char *au;
	int key_nal;		/* index of the IDR/IRAP NAL unit */
};

static struct drop_case drop_cases[] = {
	{ "drop_each/h264", RTP_H264, AU264_IDR, 2 },
	{ "drop_each/h265", RTP_H265, AU265_IDR, 3 },
};

/*
 * Packetize an IDR unit and a P unit at MTU 100, lose each packet of the
 * IDR unit in turn: the IDR unit comes out damaged, holding exactly the
 * NAL units none of whose packets was lost; the P unit comes out whole.
 */
static void
test_drop_each(void **state)
{
	const struct drop_case *c = *state;
	size_t alen, plen, off[8], nl[8];
	uint8_t *au = unit_unhex(c->au, &alen);
	uint8_t *pau = unit_unhex(c->codec == RTP_H264 ? AU264_P : AU265_P, &plen);
	int nnal = nal_bounds(au, alen, off, nl, 8), npkt, owner[CAP_PKTS];
	size_t hl = c->codec == RTP_H264 ? 1 : 2;
	struct rtp_packetizer s = {
		.codec = c->codec, .pt = 96, .ssrc = 9, .seq = 65500, .mtu = 100,
	};

	cap.n = 0;
	npkt = rtp_packetize(&s, au, alen, 1000, cap_emit, &cap);
	assert_true(npkt > nnal);
	assert_int_equal(rtp_packetize(&s, pau, plen, 4600, cap_emit, &cap), 1);
	/* Which NAL unit each packet carries (no aggregation here). */
	for (int i = 0, k = 0; i < npkt; i++) {
		const uint8_t *pl = cap.data + cap.off[i] + 12;
		int type = c->codec == RTP_H264 ? pl[0] & 0x1f : pl[0] >> 1 & 0x3f;
		int fu = type == (c->codec == RTP_H264 ? 28 : 49);

		owner[i] = k;
		if (!fu || (pl[hl] & 0x40))
			k++;
		if (i == npkt - 1)
			assert_int_equal(k, nnal);
	}
	for (int lost = 0; lost < npkt; lost++) {
		struct depay *d = make(c->codec == RTP_H265, 0, 0);
		uint8_t want[4096];
		size_t wlen = 0;
		struct depay_au out;
		int nout = 0;

		for (int k = 0; k < nnal; k++) {
			if (k == owner[lost])
				continue;
			memcpy(want + wlen, "\0\0\0\1", 4);
			memcpy(want + wlen + 4, au + off[k], nl[k]);
			wlen += 4 + nl[k];
		}
		for (int i = 0; i <= npkt; i++) {
			if (i == lost)
				continue;
			(void)push_cap(d, i);	/* orphaned fragments: ERR_CORRUPT */
			while (depay_pop(d, &out)) {
				if (nout == 0) {
					assert_int_equal(out.ts, 1000);
					/* The first packet sets the
					 * sequence: its loss is unseen. */
					if (lost > 0)
						assert_true(out.damaged);
					assert_int_equal(out.size, wlen);
					assert_memory_equal(out.data, want, wlen);
					if (owner[lost] != c->key_nal)
						assert_true(out.key);
				} else {
					assert_int_equal(nout, 1);
					assert_int_equal(out.ts, 4600);
					assert_int_equal(out.size, plen);
					assert_memory_equal(out.data, pau, plen);
					assert_false(out.key);
				}
				nout++;
			}
		}
		assert_int_equal(nout, 2);
		depay_free(&d);
	}
	free(au);
	free(pau);
}

/* Random and mutated packets: never crash, units stay well-formed. */
static void
test_garbage(void **state)
{
	size_t vlen;
	uint8_t *valid = unit_unhex("80600010 00001000 11223344 7c85 0102030405", &vlen);
	int taken = 0;

	(void)state;
	for (int hevc = 0; hevc < 2; hevc++) {
		struct depay *d = make(hevc, hevc, 4096);

		for (int iter = 0; iter < 100000; iter++) {
			size_t n = iter & 1 ? rng() % 64 : vlen;
			uint8_t *p = malloc(n > 0 ? n : 1);
			struct depay_au au;
			int ret;

			assert_non_null(p);
			if (iter & 1) {
				for (size_t i = 0; i < n; i++)
					p[i] = (uint8_t)rng();
				if (n > 1) {
					p[0] = (uint8_t)(0x80 | (p[0] & 0x3f));
					p[1] = (uint8_t)((p[1] & 0x80) | 96);
				}
			} else {
				memcpy(p, valid, n);
				for (int k = (int)(rng() % 3) + 1; k > 0; k--)
					p[12 + rng() % (n - 12)] = (uint8_t)rng();
				p[3] = (uint8_t)iter;	/* mostly in sequence */
				p[2] = (uint8_t)(iter >> 8);
			}
			ret = depay_push(d, p, n);
			assert_true(ret == 0 || ret == ERR_CORRUPT);
			while (depay_pop(d, &au)) {
				taken++;
				assert_true(au.size >= 5 && au.size <= 4096);
				assert_int_equal(rd32(au.data), 1);
			}
			free(p);
		}
		depay_free(&d);
	}
	assert_true(taken > 0);
	free(valid);
}

/* ---- RTCP in ------------------------------------------------------------- */

struct rtcp_case {
	const char *name;
	const char *in;
	int want;
	int have_sr;
	uint32_t ssrc;
	uint64_t ntp;
	uint32_t rtp;
	int bye;
};

#define GST_NTP 0xeead35c103eb8d82ull

static struct rtcp_case rtcp_cases[] = {
	{ "rtcp/gst_sr_sdes", GST_SR GST_SDES, 0, 1, 0x637ea424, GST_NTP,
	  0xd0bdb54e, 0 },
	{ "rtcp/sr_only", GST_SR, 0, 1, 0x637ea424, GST_NTP, 0xd0bdb54e, 0 },
	{ "rtcp/sr_bye", GST_SR GST_BYE, 0, 1, 0x637ea424, GST_NTP, 0xd0bdb54e, 1 },
	{ "rtcp/sr_sdes_bye", GST_SR GST_SDES GST_BYE, 0, 1, 0x637ea424, GST_NTP,
	  0xd0bdb54e, 1 },
	{ "rtcp/bye_with_reason",
	  GST_SR GST_SDES "81cb0003 637ea424 04 62796521 000000", 0, 1, 0x637ea424,
	  GST_NTP, 0xd0bdb54e, 1 },
	{ "rtcp/padding_in_last", GST_SR "a1cb0002 637ea424 00000004", 0, 1,
	  0x637ea424, GST_NTP, 0xd0bdb54e, 1 },
	{ "rtcp/sr_with_report_block",
	  "81c8000c 01020304 0000000a 0000000b 0000000c 0000000d 0000000e"
	  " 0a0b0c0d 00000005 00010010 00000020 12345678 00010000",
	  0, 1, 0x01020304, 0x0000000a0000000bull, 0x0000000c, 0 },
	{ "rtcp/rr_only", "80c90001 01020304", 0, 0, 0, 0, 0, 0 },
	{ "rtcp/rr_then_sr", "80c90001 01020304" GST_SR, 0, 1, 0x637ea424, GST_NTP,
	  0xd0bdb54e, 0 },
	{ "rtcp/two_srs_first_wins", GST_SR
	  "80c80006 99999999 00000001 00000002 00000003 00000004 00000005",
	  0, 1, 0x637ea424, GST_NTP, 0xd0bdb54e, 0 },
	{ "rtcp/app_after", GST_SR "80cc0002 637ea424 6e616d65", 0, 1, 0x637ea424,
	  GST_NTP, 0xd0bdb54e, 0 },
	/* An SR too short for its sender info is not read. */
	{ "rtcp/sr_too_short_ignored", "80c80001 637ea424", 0, 0, 0, 0, 0, 0 },

	{ "rtcp_bad/empty", "", EC, 0, 0, 0, 0, 0 },
	{ "rtcp_bad/three_bytes", "80c800", EC, 0, 0, 0, 0, 0 },
	{ "rtcp_bad/version_0", "00c90001 01020304", EC, 0, 0, 0, 0, 0 },
	{ "rtcp_bad/version_1", "40c80006 637ea424 eead35c1 03eb8d82 d0bdb54e"
	  " 00000075 000123f5", EC, 0, 0, 0, 0, 0 },
	{ "rtcp_bad/version_3", "c0c90001 01020304", EC, 0, 0, 0, 0, 0 },
	{ "rtcp_bad/second_version_1", GST_SR "41ca0002 637ea424 01016100", EC,
	  0, 0, 0, 0, 0 },
	{ "rtcp_bad/length_past_end", "80c80007 637ea424 eead35c1 03eb8d82"
	  " d0bdb54e 00000075 000123f5", EC, 0, 0, 0, 0, 0 },
	{ "rtcp_bad/length_max", "80c8ffff 637ea424", EC, 0, 0, 0, 0, 0 },
	{ "rtcp_bad/second_length_past_end", GST_SR "81ca000d 637ea424", EC,
	  0, 0, 0, 0, 0 },
	{ "rtcp_bad/first_sdes", GST_SDES GST_SR, EC, 0, 0, 0, 0, 0 },
	{ "rtcp_bad/first_bye", GST_BYE GST_SR, EC, 0, 0, 0, 0, 0 },
	{ "rtcp_bad/first_app", "80cc0002 637ea424 6e616d65" GST_SR, EC, 0, 0, 0, 0, 0 },
	{ "rtcp_bad/trailing_byte", GST_SR GST_SDES "00", EC, 0, 0, 0, 0, 0 },
	{ "rtcp_bad/trailing_half_header", GST_SR GST_SDES "81ca", EC, 0, 0, 0, 0, 0 },
	{ "rtcp_bad/padding_not_last", "a0c80006 637ea424 eead35c1 03eb8d82"
	  " d0bdb54e 00000075 000123f5" GST_SDES, EC, 0, 0, 0, 0, 0 },
	{ "rtcp_bad/rtp_packet", "80600001 00000000 11223344 4101", EC, 0, 0, 0, 0, 0 },
};

static void
test_rtcp(void **state)
{
	const struct rtcp_case *c = *state;
	size_t len;
	uint8_t *in = unit_unhex(c->in, &len);
	struct depay_rtcp r, untouched;

	memset(&r, 0xa5, sizeof r);
	memset(&untouched, 0xa5, sizeof untouched);
	assert_int_equal(depay_rtcp_parse(in, len, &r), c->want);
	if (c->want != 0) {
		assert_memory_equal(&r, &untouched, sizeof r);
	} else {
		assert_int_equal(r.have_sr, c->have_sr);
		assert_int_equal(r.bye, c->bye);
		if (c->have_sr) {
			assert_int_equal(r.sr_ssrc, c->ssrc);
			assert_true(r.sr_ntp == c->ntp);
			assert_int_equal(r.sr_rtp, c->rtp);
		}
	}
	free(in);
}

/* Every prefix of SR+SDES+BYE fails but those ending on a packet. */
static void
test_rtcp_prefixes(void **state)
{
	size_t len;
	uint8_t *full = unit_unhex(GST_SR GST_SDES GST_BYE, &len);

	(void)state;
	assert_int_equal(len, 88);
	for (size_t n = 0; n <= len; n++) {
		uint8_t *p = malloc(n > 0 ? n : 1);
		struct depay_rtcp r;
		int ret;

		assert_non_null(p);
		memcpy(p, full, n);
		ret = depay_rtcp_parse(p, n, &r);
		if (n == 28 || n == 80 || n == 88) {
			assert_int_equal(ret, 0);
			assert_int_equal(r.have_sr, 1);
			assert_int_equal(r.bye, n == 88);
		} else {
			assert_int_equal(ret, EC);
		}
		free(p);
	}
	free(full);
}

/* ---- RTCP out -------------------------------------------------------------- */

#define OUR 0xaabbccddu
#define SDES_CAMVEIL "81ca0004 aabbccdd 0107 63616d7665696c 000000"

struct rr_step {
	int32_t seqs[8];	/* pushed (H.264, one NAL each); -1 ends */
	uint32_t ssrc;		/* 0: SSRC_A */
	uint32_t lsr, dlsr;
	const char *want;	/* the whole compound packet */
};

struct rr_case {
	const char *name;
	struct rr_step step[3];	/* .want NULL ends */
};

static struct rr_case rr_cases[] = {
	{ "rr/no_packets", { { { -1 }, 0, 0, 0, "80c90001 aabbccdd " SDES_CAMVEIL } } },
	/* 4 expected, 3 received: 1/4 lost = 64/256; then no more loss. */
	{ "rr/loss_then_clean", {
	  { { 1, 2, 4, -1 }, 0, 0x35c103eb, 0x00018000,
	    "81c90007 aabbccdd 11223344 40000001 00000004 00000000 35c103eb 00018000 "
	    SDES_CAMVEIL },
	  { { 5, 6, 7, 8, -1 }, 0, 0, 0,
	    "81c90007 aabbccdd 11223344 00000001 00000008 00000000 00000000 00000000 "
	    SDES_CAMVEIL } } },
	{ "rr/wrap", {
	  { { 65534, 65535, 0, 1, -1 }, 0, 1, 2,
	    "81c90007 aabbccdd 11223344 00000000 00010001 00000000 00000001 00000002 "
	    SDES_CAMVEIL },
	  { { 3, -1 }, 0, 0, 0,
	    "81c90007 aabbccdd 11223344 80000001 00010003 00000000 00000000 00000000 "
	    SDES_CAMVEIL } } },
	{ "rr/duplicates_and_late", {
	  { { 1, 2, 2, 1, 3, -1 }, 0, 0, 0,
	    "81c90007 aabbccdd 11223344 00000000 00000003 00000000 00000000 00000000 "
	    SDES_CAMVEIL } } },
	/* A confirmed jump starts the counts afresh. */
	{ "rr/jump_restarts", {
	  { { 100, 101, 20000, 20001, -1 }, 0, 0, 0,
	    "81c90007 aabbccdd 11223344 00000000 00004e21 00000000 00000000 00000000 "
	    SDES_CAMVEIL } } },
	{ "rr/ssrc_change", {
	  { { 1, 3, -1 }, 0, 0, 0,
	    "81c90007 aabbccdd 11223344 55000001 00000003 00000000 00000000 00000000 "
	    SDES_CAMVEIL },
	  { { 500, 501, -1 }, SSRC_B, 0, 0,
	    "81c90007 aabbccdd 55667788 00000000 000001f5 00000000 00000000 00000000 "
	    SDES_CAMVEIL } } },
};

static void
test_rr(void **state)
{
	const struct rr_case *c = *state;
	struct depay *d = make(0, 0, 0);

	for (int s = 0; s < 3 && c->step[s].want != NULL; s++) {
		const struct rr_step *st = &c->step[s];
		size_t wlen, n;
		uint8_t *want = unit_unhex(st->want, &wlen), *buf;

		for (int i = 0; st->seqs[i] >= 0; i++)
			push_seq(d, (uint16_t)st->seqs[i], st->ssrc ? st->ssrc : SSRC_A);
		buf = malloc(wlen);
		assert_non_null(buf);
		n = depay_rtcp_rr(d, OUR, "camveil", st->lsr, st->dlsr, buf, wlen);
		assert_int_equal(n, wlen);
		assert_memory_equal(buf, want, wlen);
		free(buf);
		free(want);
	}
	depay_free(&d);
}

/* The cumulative loss saturates at 2^23 - 1. */
static void
test_rr_lost_capped(void **state)
{
	struct depay *d = make(0, 0, 0);
	uint8_t buf[64];
	uint16_t seq = 0;

	(void)state;
	for (int i = 0; i <= 2800; i++, seq = (uint16_t)(seq + 2999))
		push_seq(d, seq, SSRC_A);
	assert_int_equal(depay_rtcp_rr(d, OUR, "", 0, 0, buf, sizeof buf), 32 + 12);
	assert_int_equal(buf[12], 255);			/* fraction */
	assert_int_equal(rd32(buf + 12) & 0xffffff, 0x7fffff);
	assert_int_equal(rd32(buf + 16), 2800u * 2999u);	/* extended */
	depay_free(&d);
}

/*
 * Interarrival jitter (RFC 3550 A.8) from depay_push_at: each case times
 * 240 packets, one per 40 ms picture (3600 ticks at 90 kHz), with an
 * extra delay per packet; the estimate must match the RFC's floating
 * point recurrence J += (|D| - J) / 16 within a tick, in the stats and
 * in the RR.
 */
struct jitter_case {
	const char *name;
	uint32_t ts0, arrival0;
	int kind;		/* 0 none, 1 alternate +900, 2 one spike, 3 random */
	uint32_t want_lo, want_hi;	/* expected reported jitter */
};

static struct jitter_case jitter_cases[] = {
	{ "jitter/steady", 1000, 77, 0, 0, 0 },
	{ "jitter/offset_wraps", 0xffff0000u, 0xfffff000u, 0, 0, 0 },
	{ "jitter/alternate_10ms", 5, 9, 1, 890, 900 },
	{ "jitter/one_spike", 123, 456, 2, 0, 60 },
	{ "jitter/random_0_20ms", 0x7ffff000u, 3, 3, 400, 800 },
};

static void
test_rr_jitter(void **state)
{
	const struct jitter_case *c = *state;
	struct depay *d = make(0, 0, 0);
	static const uint8_t nal[] = { 0x41, 0x01 };
	struct depay_stats st;
	double j = 0, last = 0;
	uint8_t buf[64];

	for (int i = 0; i < 240; i++) {
		uint32_t ts = c->ts0 + (uint32_t)i * 3600, extra = 0;
		size_t len;
		uint8_t *p;
		double transit;

		if (c->kind == 1)
			extra = (i & 1) ? 900 : 0;
		else if (c->kind == 2)
			extra = i == 100 ? 9000 : 0;
		else if (c->kind == 3)
			extra = rng() % 1800;
		p = rtp_pkt((uint16_t)(7 + i), ts, 1, 96, SSRC_A, nal, sizeof nal, &len);
		assert_int_equal(depay_push_at(d, p, len, c->arrival0 + (uint32_t)i * 3600 + extra), 0);
		free(p);
		transit = (double)extra;
		if (i > 0)
			j += (fabs(transit - last) - j) / 16;
		last = transit;
	}
	depay_get_stats(d, &st);
	if (fabs((double)st.jitter - j) > 1.0 || st.jitter < c->want_lo || st.jitter > c->want_hi)
		fail_msg("jitter %u, the RFC's recurrence gives %.1f, want %u..%u", st.jitter, j,
		    c->want_lo, c->want_hi);
	assert_int_equal(depay_rtcp_rr(d, OUR, "", 0, 0, buf, sizeof buf), 32 + 12);
	assert_int_equal(rd32(buf + 20), st.jitter);
	depay_free(&d);
}

/* Untimed packets leave the estimate alone; a new SSRC starts it over. */
static void
test_rr_jitter_untimed_and_ssrc(void **state)
{
	struct depay *d = make(0, 0, 0);
	static const uint8_t nal[] = { 0x41, 0x01 };
	struct depay_stats st;
	uint32_t before;
	size_t len;
	uint8_t *p;

	(void)state;
	for (int i = 0; i < 64; i++) {
		p = rtp_pkt((uint16_t)i, (uint32_t)i * 3600, 1, 96, SSRC_A, nal, sizeof nal, &len);
		depay_push_at(d, p, len, (uint32_t)i * 3600 + ((i & 1) ? 1800 : 0));
		free(p);
	}
	depay_get_stats(d, &st);
	before = st.jitter;
	assert_true(before > 1000);
	for (int i = 64; i < 96; i++) {
		p = rtp_pkt((uint16_t)i, (uint32_t)i * 3600, 1, 96, SSRC_A, nal, sizeof nal, &len);
		depay_push(d, p, len);
		free(p);
	}
	depay_get_stats(d, &st);
	assert_int_equal(st.jitter, before);
	for (int i = 0; i < 8; i++) {
		p = rtp_pkt((uint16_t)(900 + i), 5 + (uint32_t)i * 3600, 1, 96, SSRC_B, nal,
		    sizeof nal, &len);
		depay_push_at(d, p, len, 123456 + (uint32_t)i * 3600);
		free(p);
	}
	depay_get_stats(d, &st);
	assert_int_equal(st.jitter, 0);
	depay_free(&d);
}

/* SDES CNAME: any length up to 255, END octet, padded to 32 bits; cap. */
static void
test_rr_cname(void **state)
{
	static const size_t lens[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 100, 254, 255, 256, 300 };
	char name[301];
	struct depay *d = make(0, 0, 0);

	(void)state;
	for (size_t i = 0; i < sizeof name - 1; i++)
		name[i] = (char)('a' + i % 26);
	push_seq(d, 1, SSRC_A);
	for (size_t k = 0; k < NELEM(lens); k++) {
		size_t cn = lens[k] > 255 ? 255 : lens[k];
		size_t sdes = (10 + cn + 1 + 3) / 4 * 4, need = 32 + sdes, n;
		uint8_t *buf;

		name[lens[k]] = '\0';
		/* One byte short: nothing written. */
		buf = malloc(need - 1);
		assert_non_null(buf);
		memset(buf, 0xee, need - 1);
		assert_int_equal(depay_rtcp_rr(d, OUR, name, 0, 0, buf, need - 1), 0);
		for (size_t j = 0; j < need - 1; j++)
			assert_int_equal(buf[j], 0xee);
		free(buf);

		buf = malloc(need);
		assert_non_null(buf);
		n = depay_rtcp_rr(d, OUR, name, 0, 0, buf, need);
		assert_int_equal(n, need);
		assert_int_equal(buf[0], 0x81);
		assert_int_equal(buf[1], 201);
		assert_int_equal(buf[2] << 8 | buf[3], 7);
		assert_int_equal(buf[32], 0x81);
		assert_int_equal(buf[33], 202);
		assert_int_equal(buf[34] << 8 | buf[35], sdes / 4 - 1);
		assert_int_equal(rd32(buf + 36), OUR);
		assert_int_equal(buf[40], 1);
		assert_int_equal(buf[41], cn);
		assert_memory_equal(buf + 42, name, cn);
		assert_true(42 + cn < need);	/* room for the END octet */
		for (size_t j = 42 + cn; j < need; j++)
			assert_int_equal(buf[j], 0);
		assert_true(need - (42 + cn) <= 4);
		free(buf);
		name[lens[k]] = (char)('a' + lens[k] % 26);
	}
	depay_free(&d);
}

int
main(void)
{
	static struct unit_list l;

	UNIT_TABLE(&l, dp_cases, test_case);
	UNIT_TABLE(&l, opt_cases, test_opts);
	UNIT_TEST(&l, test_queue_not_popped);
	UNIT_TEST(&l, test_big_au);
	UNIT_TEST(&l, test_stap_over_max);
	UNIT_TABLE(&l, rt_cases, test_roundtrip);
	UNIT_TABLE(&l, drop_cases, test_drop_each);
	UNIT_TEST(&l, test_garbage);
	UNIT_TABLE(&l, rtcp_cases, test_rtcp);
	UNIT_TEST(&l, test_rtcp_prefixes);
	UNIT_TABLE(&l, rr_cases, test_rr);
	UNIT_TEST(&l, test_rr_lost_capped);
	UNIT_TABLE(&l, jitter_cases, test_rr_jitter);
	UNIT_TEST(&l, test_rr_jitter_untimed_and_ssrc);
	UNIT_TEST(&l, test_rr_cname);
	return unit_run("depay", &l);
}
