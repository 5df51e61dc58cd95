/*
 * Unit tests for codecs/sei: round trips through the real encoders
 * (libx264 and libx265 with udu_sei, via codecs/encode), read back from
 * their Annex B packets, from the same packets rewritten with length
 * prefixes, and from an mp4 written by codecs/mux and read by
 * codecs/demux (avcC/hvcC); then hand-built NAL units, well formed and
 * broken, SEI sizes around the 0xFF coding steps up to 1 MiB (written by
 * an escaper in this file, not sei.c's), extradata records and the
 * attach limit. Parsers get inputs in exact-size heap buffers so the
 * sanitizer build catches any over-read.
 *
 * With CAMVEIL_SEI_SEEDS=DIR set, the round trips also write small real
 * packets there as seeds for tests/fuzz/fuzz_sei.c (first byte: hevc |
 * nal_length_size << 1).
 */
#include "unit.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/frame.h>

#include "../../codecs/codecs.h"
#include "../../codecs/demux.h"
#include "../../codecs/encode.h"
#include "../../codecs/mux.h"
#include "../../codecs/sei.h"
#include "../../util/err.h"

/* Round trips use a UUID that itself needs emulation prevention. */
static const uint8_t test_uuid[SEI_UUID_SIZE] = {
	0xc4, 0x9e, 0x1b, 0x7a, 0x00, 0x00, 0x03, 0x4d,
	0xb2, 0x00, 0x00, 0x01, 0xe8, 0x5f, 0x00, 0x00,
};
static const uint8_t other_uuid[SEI_UUID_SIZE] = {
	0xc4, 0x9e, 0x1b, 0x7a, 0x00, 0x00, 0x03, 0x4d,
	0xb2, 0x00, 0x00, 0x01, 0xe8, 0x5f, 0x00, 0x01,
};
/* What the encoders write under their own UUIDs (version SEI). */
static const uint8_t x264_uuid[SEI_UUID_SIZE] = {
	0xdc, 0x45, 0xe9, 0xbd, 0xe6, 0xd9, 0x48, 0xb7,
	0x96, 0x2c, 0xd8, 0x20, 0xd9, 0x23, 0xee, 0xef,
};
static const uint8_t x265_uuid[SEI_UUID_SIZE] = {
	0x2c, 0xa2, 0xde, 0x09, 0xb5, 0x17, 0x47, 0xdb,
	0xbb, 0x55, 0xa4, 0xfe, 0x7f, 0xc2, 0xfc, 0x4e,
};

/* The hand-built cases use plain UUIDs, so their hex stays readable. */
#define UU "00112233445566778899aabbccddeeff"
#define OU "ffeeddccbbaa99887766554433221100"
#define XU "2ca2de09b51747dbbb55a4fe7fc2fc4e"
static uint8_t hex_uuid[SEI_UUID_SIZE];

#define AVCC264 "0142c00dffe10018" \
    "6742c00dd90141fb011000000300100000030320f142a480" "010005" "68cb83cb20"
#define HVCC265 "0101600000009000000000003cf000fcfdf8f800000f03" \
    "2000010018" "40010c01ffff01600000030090000003000003003c959809" \
    "210001002a" "42010101600000030090000003000003003ca00a080f165959a4932bc05a02" \
    "0000030002000003003210" "2200010007" "4401c172b46240"

/*
 * libx265 3.5 leaks on every encoder (x265_encoder_open, FrameFilter::init),
 * with or without SEI; LeakSanitizer reads this in sanitizer builds.
 */
const char *__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
	return "leak:libx265.so\n";
}

#define STOP_RET (-42)
#define HEVC_SEI_HDR0 (39 << 1)	/* prefix SEI, layer 0 */

/* ---- helpers ----------------------------------------------------------- */

/* Copy into an exact-size heap buffer (never NULL). */
static uint8_t *
exact_copy(const uint8_t *p, size_t n)
{
	uint8_t *b = malloc(n > 0 ? n : 1);

	assert_non_null(b);
	if (n > 0)
		memcpy(b, p, n);
	return b;
}

static uint32_t
xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * Payload bytes that keep the escaper busy: start-code-like runs
 * (00 00 00, 00 00 01/02/03), 0xFF runs (as in payloadSize) and 0x80
 * (as in trailing bits) between random bytes. tail 1 ends the payload
 * with 00 00, tail 2 with 0x80.
 */
static void
fill_payload(uint8_t *p, size_t n, uint32_t seed, int tail)
{
	static const uint8_t pat[][3] = {
		{ 0, 0, 0 }, { 0, 0, 1 }, { 0, 0, 2 }, { 0, 0, 3 },
		{ 0xff, 0xff, 0xff }, { 0x80, 0, 0 },
	};
	uint32_t s = seed * 2654435761u + 1;
	size_t i = 0;

	while (i < n) {
		uint32_t r = xorshift(&s);

		if (r % 3 == 0) {
			for (int k = 0; k < 3 && i < n; k++)
				p[i++] = pat[(r >> 8) % 6][k];
		} else {
			p[i++] = (uint8_t)(r >> 16);
		}
	}
	if (tail == 1 && n >= 2)
		p[n - 2] = p[n - 1] = 0;
	if (tail == 2 && n >= 1)
		p[n - 1] = 0x80;
}

/* ---- collecting what sei_extract delivers ------------------------------ */

#define GOT_MAX 64

static struct got {
	int64_t frame[GOT_MAX];	/* frame index the message came with */
	uint8_t *data[GOT_MAX];
	size_t len[GOT_MAX];
	int n;
	int64_t cur;		/* frame of the packet being read */
	int calls;
	int stop_at;		/* return STOP_RET on this call (1-based) */
} got;

static void
got_reset(void)
{
	for (int i = 0; i < got.n; i++)
		free(got.data[i]);
	memset(&got, 0, sizeof got);
}

static int
got_cb(void *opaque, const uint8_t *p, size_t len)
{
	assert_ptr_equal(opaque, &got);
	if (got.n == GOT_MAX)
		fail_msg("too many messages");
	got.frame[got.n] = got.cur;
	got.data[got.n] = exact_copy(p, len);	/* reads every byte */
	got.len[got.n] = len;
	got.n++;
	if (++got.calls == got.stop_at)
		return STOP_RET;
	return 0;
}

/* ---- real encoders: plans of messages per frame ------------------------ */

#define FRAMES 8
#define MSGS_MAX 3
#define W 320
#define H 240

struct msg {
	int ours;		/* 0: other_uuid */
	size_t len;
	int tail;		/* see fill_payload */
};

struct frame_plan {
	int n;
	struct msg m[MSGS_MAX];
};

/*
 * For libx264: 0 to 3 messages per frame in any order and size.
 */
static const struct frame_plan plan_mixed[FRAMES] = {
	{ 1, { { 1, 0, 0 } } },
	{ 3, { { 1, 70000, 0 }, { 0, 300, 0 }, { 1, 1, 0 } } },
	{ 1, { { 0, 16, 0 } } },
	{ 3, { { 1, 300, 0 }, { 1, 300, 1 }, { 1, 0, 0 } } },
	{ 0, { { 0, 0, 0 } } },
	{ 2, { { 1, 1, 0 }, { 0, 70000, 0 } } },
	{ 1, { { 1, 70000, 1 } } },
	{ 1, { { 1, 300, 2 } } },
};

/*
 * The same number of messages on every frame, and each message no bigger
 * than the one before it in the same place: the only shape x265 3.5's own
 * udu_sei survived (Encoder::copyUserSEIMessages keeps the payload
 * buffers of a recycled frame and copies a bigger payload into the old,
 * smaller buffer: x265 Bitbucket PR #10, FFmpeg trac #9666/#10085).
 * codecs/encode writes the SEI itself now; kept as one more shape.
 */
static const struct frame_plan plan_x265[FRAMES] = {
	{ 3, { { 1, 70000, 1 }, { 0, 40, 0 }, { 1, 300, 2 } } },
	{ 3, { { 1, 70000, 0 }, { 0, 40, 0 }, { 1, 300, 0 } } },
	{ 3, { { 1, 300, 0 }, { 0, 40, 0 }, { 1, 300, 1 } } },
	{ 3, { { 1, 300, 2 }, { 0, 40, 0 }, { 1, 1, 0 } } },
	{ 3, { { 1, 1, 0 }, { 0, 40, 0 }, { 1, 1, 0 } } },
	{ 3, { { 1, 1, 0 }, { 0, 40, 0 }, { 1, 0, 0 } } },
	{ 3, { { 1, 0, 0 }, { 0, 40, 0 }, { 1, 0, 0 } } },
	{ 3, { { 1, 0, 0 }, { 0, 40, 0 }, { 1, 0, 0 } } },
};

/*
 * Past what libx264's own udu_sei could write (its 1 MB output buffer):
 * messages of 1.5 and 2.9 MB, then small ones.
 */
static const struct frame_plan plan_big[FRAMES] = {
	{ 1, { { 1, 1500000, 0 } } },
	{ 2, { { 1, 2900000, 2 }, { 0, 100, 0 } } },
	{ 1, { { 1, 10, 0 } } },
	{ 0, { { 0, 0, 0 } } },
	{ 1, { { 1, 1500000, 1 } } },
	{ 1, { { 1, 0, 0 } } },
	{ 0, { { 0, 0, 0 } } },
	{ 1, { { 1, 3, 0 } } },
};

/* Payload bytes of message k of frame f (same bytes every time). */
static uint8_t *
plan_payload(const struct frame_plan *plan, int f, int k)
{
	const struct msg *m = &plan[f].m[k];
	uint8_t *p = malloc(m->len > 0 ? m->len : 1);

	assert_non_null(p);
	fill_payload(p, m->len, (uint32_t)(f * MSGS_MAX + k + 1), m->tail);
	return p;
}

/* A gray frame whose content changes from frame to frame. */
static AVFrame *
make_frame(const struct frame_plan *plan, int f)
{
	AVFrame *fr = av_frame_alloc();

	assert_non_null(fr);
	fr->width = W;
	fr->height = H;
	fr->format = AV_PIX_FMT_YUV420P;
	assert_int_equal(av_frame_get_buffer(fr, 0), 0);
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++)
			fr->data[0][y * fr->linesize[0] + x] =
			    (uint8_t)(x / 2 + y + f * 9 + ((x ^ y) & 8) * f);
	for (int p = 1; p < 3; p++)
		for (int y = 0; y < H / 2; y++)
			memset(fr->data[p] + y * fr->linesize[p], 128, W / 2);
	fr->pts = f;
	for (int k = 0; k < plan[f].n; k++) {
		const struct msg *m = &plan[f].m[k];
		uint8_t *p = plan_payload(plan, f, k);

		assert_int_equal(sei_attach(fr, m->ours ? test_uuid : other_uuid,
		    p, m->len), 0);
		free(p);
	}
	return fr;
}

/*
 * Exactly our messages, each with its own frame and in plan order there
 * (packets may come in decoding order, so frames need not).
 */
static void
check_got(const struct frame_plan *plan)
{
	int total = 0;

	for (int f = 0; f < FRAMES; f++) {
		int i = 0;

		for (int k = 0; k < plan[f].n; k++) {
			const struct msg *m = &plan[f].m[k];
			uint8_t *want;

			if (!m->ours)
				continue;
			while (i < got.n && got.frame[i] != f)
				i++;
			if (i == got.n)
				fail_msg("frame %d message %d missing", f, k);
			want = plan_payload(plan, f, k);
			assert_int_equal(got.len[i], m->len);
			if (m->len > 0)
				assert_memory_equal(got.data[i], want, m->len);
			free(want);
			i++;
			total++;
		}
	}
	assert_int_equal(got.n, total);
}

/* A source stream for encode_open and mux: 25 fps, pts in frames. */
static AVFormatContext *src_fmt;
static AVStream *src_st;

static void
src_init(void)
{
	src_fmt = avformat_alloc_context();
	assert_non_null(src_fmt);
	src_st = avformat_new_stream(src_fmt, NULL);
	assert_non_null(src_st);
	src_st->time_base = (AVRational){ 1, 25 };
	src_st->avg_frame_rate = (AVRational){ 25, 1 };
	src_st->r_frame_rate = (AVRational){ 25, 1 };
}

static struct encode *
open_encoder(const char *codec, int global_header, const struct frame_plan *plan)
{
	struct encode_opts o = {
		.codec = codec, .preset = "ultrafast", .crf = -1,
		.global_header = global_header, .udu_sei = 1,
	};
	struct encode *e = NULL;
	AVFrame *first;
	char *cause = NULL;
	int ret;

	if (avcodec_find_encoder_by_name(codec) == NULL)
		return NULL;
	first = make_frame(plan, 0);
	ret = encode_open(&o, first, src_st, &e, &cause);
	if (ret < 0)
		fail_msg("encode_open %s: %s", codec, cause ? cause : err_str(ret));
	av_frame_free(&first);
	return e;
}

#define PKTS_MAX 64

struct packets {
	AVPacket *p[PKTS_MAX];
	int n;
	int hevc;
};

static void
packets_free(struct packets *ps)
{
	for (int i = 0; i < ps->n; i++)
		av_packet_free(&ps->p[i]);
	ps->n = 0;
}

/* Feed every frame of plan (then flush); call out for each packet. */
static void
encode_plan(struct encode *e, const struct frame_plan *plan,
    void (*out)(void *, AVPacket *), void *arg)
{
	AVPacket *pkt = av_packet_alloc();
	int ret;

	assert_non_null(pkt);
	for (int f = 0; f <= FRAMES; f++) {
		AVFrame *fr = f < FRAMES ? make_frame(plan, f) : NULL;

		assert_int_equal(encode_send(e, fr), 0);
		av_frame_free(&fr);
		while ((ret = encode_receive(e, pkt)) == 0)
			out(arg, pkt);
		assert_true(ret == ERR_AGAIN || ret == ERR_EOF);
	}
	av_packet_free(&pkt);
}

static void
keep_packet(void *arg, AVPacket *pkt)
{
	struct packets *ps = arg;

	assert_true(ps->n < PKTS_MAX);
	ps->p[ps->n] = av_packet_alloc();
	assert_non_null(ps->p[ps->n]);
	av_packet_move_ref(ps->p[ps->n], pkt);
	ps->n++;
}

/* Rewrite an Annex B packet with nls-byte length prefixes (malloc'd). */
static uint8_t *
to_length_prefixed(const uint8_t *p, size_t n, int nls, size_t *out_len)
{
	uint8_t *out = malloc(n + 4 * (n / 3 + 1)), *res;
	size_t o = 0, i = 0;

	assert_non_null(out);
	for (;;) {
		size_t s, e;

		while (i + 3 <= n && !(p[i] == 0 && p[i + 1] == 0 && p[i + 2] == 1))
			i++;
		if (i + 3 > n)
			break;
		s = e = i + 3;
		while (e + 3 <= n && !(p[e] == 0 && p[e + 1] == 0 && p[e + 2] == 1))
			e++;
		if (e + 3 > n)
			e = n;
		i = e;
		while (e > s && p[e - 1] == 0)
			e--;
		assert_true(nls == 4 || (e - s) >> (8 * nls) == 0);
		for (int k = nls - 1; k >= 0; k--)
			out[o++] = (uint8_t)((e - s) >> (8 * k));
		memcpy(out + o, p + s, e - s);
		o += e - s;
	}
	*out_len = o;
	res = exact_copy(out, o);
	free(out);
	return res;
}

/* With CAMVEIL_SEI_SEEDS set, keep two small packets per case as fuzz seeds. */
static void
maybe_seed(const char *name, const uint8_t *p, size_t n, int hevc, int nls)
{
	static char last[64];
	static int per_case;
	const char *dir = getenv("CAMVEIL_SEI_SEEDS");
	char path[512];
	uint8_t sel = (uint8_t)(hevc | nls << 1);
	FILE *f;

	if (dir == NULL || n + 1 > 20000)
		return;
	if (strcmp(name, last) != 0) {
		snprintf(last, sizeof last, "%s", name);
		per_case = 0;
	}
	if (per_case == 2)
		return;
	snprintf(path, sizeof path, "%s/%s-%d", dir, name, per_case++);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(&sel, 1, 1, f), 1);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* Extract from one packet (exact-size copy), tagging with its frame. */
static int
extract_one(const uint8_t *p, size_t n, int hevc, int nls, int64_t frame,
    const uint8_t *uuid)
{
	uint8_t *b = exact_copy(p, n);
	int ret;

	got.cur = frame;
	ret = sei_extract(b, n, hevc, nls, uuid, got_cb, &got);
	free(b);
	return ret;
}

/* ---- round trips ------------------------------------------------------- */

enum rt_form { RT_ANNEXB, RT_LEN4, RT_LEN3, RT_MP4 };

struct rt_case {
	const char *name;
	const char *codec;
	enum rt_form form;
	const struct frame_plan *plan;
};

static struct rt_case rt_cases[] = {
	{ "roundtrip/x264_annexb", "libx264", RT_ANNEXB, plan_mixed },
	{ "roundtrip/x264_length4", "libx264", RT_LEN4, plan_mixed },
	{ "roundtrip/x264_length3", "libx264", RT_LEN3, plan_mixed },
	{ "roundtrip/x264_mp4_avcc", "libx264", RT_MP4, plan_mixed },
	{ "roundtrip/x264_x265_plan", "libx264", RT_ANNEXB, plan_x265 },
	{ "roundtrip/x265_annexb", "libx265", RT_ANNEXB, plan_x265 },
	{ "roundtrip/x265_length4", "libx265", RT_LEN4, plan_x265 },
	{ "roundtrip/x265_mp4_hvcc", "libx265", RT_MP4, plan_x265 },
	/* Growing messages: x265's own udu_sei overflowed its heap here. */
	{ "roundtrip/x265_mixed_annexb", "libx265", RT_ANNEXB, plan_mixed },
	{ "roundtrip/x265_mixed_mp4_hvcc", "libx265", RT_MP4, plan_mixed },
	{ "roundtrip/x264_big_annexb", "libx264", RT_ANNEXB, plan_big },
	{ "roundtrip/x265_big_mp4_hvcc", "libx265", RT_MP4, plan_big },
};

/* Looks for the encoder's version SEI under its own UUID. */
static int
find_version(const uint8_t *p, size_t n, int hevc, int nls)
{
	const uint8_t *uuid = hevc ? x265_uuid : x264_uuid;
	const char *want = hevc ? "x265 (build" : "x264 - core";
	int found = 0, ret;

	ret = extract_one(p, n, hevc, nls, -1, uuid);
	assert_true(ret >= 0);
	for (int i = 0; i < got.n; i++)
		if (got.len[i] >= strlen(want) &&
		    memcmp(got.data[i], want, strlen(want)) == 0)
			found++;
	got_reset();
	return found;
}

/*
 * libx265 3.5 puts each message we give it under its own UUID: with
 * x265's UUID, all attached messages of the packet show up, starting
 * with the UUID we attached. Returns how many (0 if x265 stops doing it).
 */
static int
count_x265_wrapped(const uint8_t *p, size_t n, int nls)
{
	int wrapped = 0;

	assert_true(extract_one(p, n, 1, nls, -1, x265_uuid) >= 0);
	for (int i = 0; i < got.n; i++)
		if (got.len[i] >= SEI_UUID_SIZE &&
		    (memcmp(got.data[i], test_uuid, SEI_UUID_SIZE) == 0 ||
		    memcmp(got.data[i], other_uuid, SEI_UUID_SIZE) == 0))
			wrapped++;
	got_reset();
	return wrapped;
}

static void
roundtrip_packets(const struct rt_case *c)
{
	struct packets ps = { .n = 0 };
	struct encode *e = open_encoder(c->codec, 0, c->plan);
	int nls = c->form == RT_LEN4 ? 4 : c->form == RT_LEN3 ? 3 : 0;
	int versions = 0, wrapped = 0, attached = 0;
	uint8_t *lp[PKTS_MAX];
	size_t len[PKTS_MAX];

	if (e == NULL)
		skip();
	ps.hevc = encode_is_hevc(e);
	encode_plan(e, c->plan, keep_packet, &ps);
	encode_free(&e);
	assert_true(ps.n >= FRAMES);
	for (int i = 0; i < ps.n; i++) {
		len[i] = (size_t)ps.p[i]->size;
		lp[i] = nls > 0 ?
		    to_length_prefixed(ps.p[i]->data, len[i], nls, &len[i]) :
		    exact_copy(ps.p[i]->data, len[i]);
		maybe_seed(c->name + strlen("roundtrip/"), lp[i], len[i],
		    ps.hevc, nls);
	}

	got_reset();
	for (int i = 0; i < ps.n; i++)
		assert_true(extract_one(lp[i], len[i], ps.hevc, nls,
		    ps.p[i]->pts, test_uuid) >= 0);
	check_got(c->plan);
	got_reset();

	/* The encoders' own type 5 SEI is there (and was not delivered). */
	for (int i = 0; i < ps.n; i++) {
		versions += find_version(lp[i], len[i], ps.hevc, nls);
		if (ps.hevc)
			wrapped += count_x265_wrapped(lp[i], len[i], nls);
	}
	assert_int_equal(versions, 1);
	for (int f = 0; f < FRAMES; f++)
		attached += c->plan[f].n;
	if (ps.hevc)
		print_message("x265 put %d of %d messages under its UUID\n",
		    wrapped, attached);
	if (wrapped != 0)
		assert_int_equal(wrapped, attached);
	for (int i = 0; i < ps.n; i++)
		free(lp[i]);
	packets_free(&ps);
}

struct mux_arg {
	struct mux *m;
	struct encode *e;
	int index;
};

static void
mux_packet(void *arg, AVPacket *pkt)
{
	struct mux_arg *a = arg;

	assert_int_equal(mux_write_encoded(a->m, a->index, pkt, a->e), 0);
}

static void
roundtrip_mp4(const struct rt_case *c)
{
	char dir[] = "/tmp/camveil-test-sei-XXXXXX", path[64];
	struct mux_arg a = { NULL, NULL, -1 };
	const AVCodecContext *ctx;
	struct demux *d = NULL;
	AVStream *st;
	AVPacket *pkt;
	char *cause = NULL;
	int nls = -1, hevc, ret;

	a.e = open_encoder(c->codec, 1, c->plan);
	if (a.e == NULL)
		skip();
	hevc = encode_is_hevc(a.e);
	/* The encoders' global headers are Annex B, not avcC/hvcC. */
	ctx = encode_context(a.e);
	assert_true(ctx->extradata_size > 0);
	assert_int_equal(sei_nal_length_size(ctx->extradata,
	    (size_t)ctx->extradata_size, hevc, &nls), 0);
	assert_int_equal(nls, 0);

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/sei.mp4", dir);
	assert_int_equal(mux_open(path, &a.m, &cause), 0);
	a.index = mux_add_encoded(a.m, a.e, src_st);
	assert_true(a.index >= 0);
	assert_int_equal(mux_start(a.m, NULL, &cause), 0);
	encode_plan(a.e, c->plan, mux_packet, &a);
	assert_int_equal(mux_finish(a.m, &cause), 0);
	mux_free(&a.m);
	encode_free(&a.e);

	ret = demux_open(path, &d, &cause);
	/* Open (or failed): no longer needed on disk. */
	unlink(path);
	rmdir(dir);
	if (ret < 0)
		fail_msg("demux_open: %s", cause ? cause : err_str(ret));
	st = demux_stream(d, demux_video_index(d));
	assert_int_equal(sei_nal_length_size(st->codecpar->extradata,
	    (size_t)st->codecpar->extradata_size, hevc, &nls), 0);
	assert_int_equal(nls, 4);
	pkt = av_packet_alloc();
	assert_non_null(pkt);
	got_reset();
	while ((ret = demux_read(d, pkt)) == 0) {
		int64_t f = av_rescale_q(pkt->pts, st->time_base,
		    (AVRational){ 1, 25 });

		if (pkt->stream_index == demux_video_index(d)) {
			maybe_seed(c->name + strlen("roundtrip/"), pkt->data,
			    (size_t)pkt->size, hevc, nls);
			assert_true(extract_one(pkt->data, (size_t)pkt->size,
			    hevc, nls, f, test_uuid) >= 0);
		}
		av_packet_unref(pkt);
	}
	assert_int_equal(ret, ERR_EOF);
	check_got(c->plan);
	got_reset();
	av_packet_free(&pkt);
	demux_free(&d);
	free(cause);
}

static void
test_roundtrip(void **state)
{
	const struct rt_case *c = *state;

	if (c->form == RT_MP4)
		roundtrip_mp4(c);
	else
		roundtrip_packets(c);
}

/* ---- hand-built packets ------------------------------------------------ */

struct ex_case {
	const char *name;
	int hevc;
	int nls;
	const char *in;
	int want;		/* sei_extract's return */
	int stop_at;		/* cb returns STOP_RET on this call, 0 never */
	const char *msgs[4];	/* payloads passed to cb, hex; NULL after the last */
};

#define NAL_ABC "06 05 13" UU "616263 80"	/* 23 bytes, payload "abc" */

static struct ex_case ex_cases[] = {
	{ "ok/h264_one", 0, 0, "00000001" NAL_ABC, 1, 0, { "616263" } },
	{ "ok/empty_payload", 0, 0, "000001 06 05 10" UU "80", 1, 0, { "" } },
	{ "ok/two_in_one_nal", 0, 0, "000001 06 05 11" UU "aa 05 12" UU "bbcc 80",
	  2, 0, { "aa", "bbcc" } },
	{ "ok/two_nals", 0, 0,
	  "000001 06 05 11" UU "aa 80 00000001 06 05 11" UU "bb 80",
	  2, 0, { "aa", "bb" } },
	{ "ok/other_types_skipped", 0, 0,
	  "000001 06 01 02 abcd 05 11" UU "ee 04 03 b50031 80", 1, 0, { "ee" } },
	{ "ok/foreign_uuid", 0, 0, "000001 06 05 11" OU "ee 80", 0, 0, { NULL } },
	{ "ok/type5_shorter_than_uuid", 0, 0,
	  "000001 06 05 0f 00112233445566778899aabbccddee 80", 0, 0, { NULL } },
	{ "ok/type_261_is_not_5", 0, 0, "000001 06 ff 06 11" UU "ee 80", 0, 0, { NULL } },
	{ "ok/epb_removed", 0, 0, "000001 06 05 15" UU "000003 000003 01 80",
	  1, 0, { "0000000001" } },
	{ "ok/payload_ends_in_zeros", 0, 0, "000001 06 05 12" UU "0000 80",
	  1, 0, { "0000" } },
	{ "ok/no_trailing_bits", 0, 0, "000001 06 05 11" UU "ee", 1, 0, { "ee" } },
	{ "ok/payload_80_no_trailing_bits", 0, 0, "000001 06 05 11" UU "80",
	  1, 0, { "80" } },
	{ "ok/trailing_zeros_then_slice", 0, 0,
	  "000001 06 05 11" UU "ee 80 0000 00000001 65 8888", 1, 0, { "ee" } },
	{ "ok/sei_between_slices", 0, 0,
	  "000001 65 8888 000001 06 05 11" UU "ee 80 000001 41 99", 1, 0, { "ee" } },
	{ "ok/leading_garbage", 0, 0, "aabbcc 000001 06 05 11" UU "ee 80",
	  1, 0, { "ee" } },
	{ "ok/h264_nri_set", 0, 0, "000001 66 05 11" UU "ee 80", 1, 0, { "ee" } },
	{ "ok/hevc_prefix", 1, 0, "000001 4e01 05 11" UU "ee 80", 1, 0, { "ee" } },
	{ "ok/hevc_suffix", 1, 0, "000001 5001 05 11" UU "ee 80", 1, 0, { "ee" } },
	{ "ok/hevc_x265_wrapped", 1, 0, "000001 4e01 05 21" XU UU "ee 80",
	  1, 0, { "ee" } },
	{ "ok/hevc_x265_wrapped_empty", 1, 0, "000001 4e01 05 20" XU UU "80",
	  1, 0, { "" } },
	{ "ok/hevc_x265_foreign", 1, 0, "000001 4e01 05 21" XU OU "ee 80",
	  0, 0, { NULL } },
	{ "ok/hevc_x265_version", 1, 0, "000001 4e01 05 14" XU "78323635 80",
	  0, 0, { NULL } },
	{ "ok/h264_x265_wrapped_ignored", 0, 0, "000001 06 05 21" XU UU "ee 80",
	  0, 0, { NULL } },
	{ "ok/hevc_type3_not_sei", 1, 0, "000001 0601 05 11" UU "ee 80",
	  0, 0, { NULL } },
	{ "ok/h264_type14_not_sei", 0, 0, "000001 4e01 05 11" UU "ee 80",
	  0, 0, { NULL } },
	{ "ok/len4", 0, 4, "00000017" NAL_ABC, 1, 0, { "616263" } },
	{ "ok/len3", 0, 3, "000017" NAL_ABC, 1, 0, { "616263" } },
	{ "ok/len2", 0, 2, "0017" NAL_ABC, 1, 0, { "616263" } },
	{ "ok/len1", 0, 1, "17" NAL_ABC, 1, 0, { "616263" } },
	{ "ok/len4_zero_length_nal", 0, 4, "00000000 00000017" NAL_ABC "00000000",
	  1, 0, { "616263" } },
	{ "ok/len4_start_code_is_data", 0, 4, "0000000a 000001 06 05 11 00000000",
	  0, 0, { NULL } },
	{ "ok/len4_hevc", 1, 4, "00000016 4e01 05 11" UU "ee 80", 1, 0, { "ee" } },
	{ "ok/cb_stops_first", 0, 0, "000001 06 05 11" UU "aa 05 11" UU "bb 80",
	  STOP_RET, 1, { "aa" } },
	{ "ok/cb_stops_second", 0, 0,
	  "000001 06 05 11" UU "aa 80 000001 06 05 11" UU "bb 80 000001 06 05 11"
	  UU "cc 80", STOP_RET, 2, { "aa", "bb" } },

	{ "bad/empty", 0, 0, "", 0, 0, { NULL } },
	{ "bad/empty_len4", 0, 4, "", 0, 0, { NULL } },
	{ "bad/only_start_codes", 0, 0, "00000001 000001 000001", 0, 0, { NULL } },
	{ "bad/all_zeros", 0, 0, "00000000000000", 0, 0, { NULL } },
	{ "bad/sei_header_only", 0, 0, "000001 06", 0, 0, { NULL } },
	{ "bad/sei_header_only_hevc", 1, 0, "000001 4e01", 0, 0, { NULL } },
	{ "bad/hevc_one_byte_nal", 1, 0, "000001 4e", 0, 0, { NULL } },
	{ "bad/only_trailing_bits", 0, 0, "000001 06 80", 0, 0, { NULL } },
	{ "bad/type_ff_to_end", 0, 0, "000001 06 ffffff", ERR_CORRUPT, 0, { NULL } },
	{ "bad/size_ff_to_end", 0, 0, "000001 06 05 ffff", ERR_CORRUPT, 0, { NULL } },
	{ "bad/size_missing", 0, 0, "000001 06 05", ERR_CORRUPT, 0, { NULL } },
	{ "bad/size_beyond_nal", 0, 0, "000001 06 05 40" UU "0102 80",
	  ERR_CORRUPT, 0, { NULL } },
	{ "bad/size_into_next_nal", 0, 0,
	  "000001 06 05 20" UU "80 000001 65 88888888888888888888888888888888",
	  ERR_CORRUPT, 0, { NULL } },
	{ "bad/size_ff_coded_beyond", 0, 0,
	  "000001 06 05 ffffffffffffffff00" UU "80", ERR_CORRUPT, 0, { NULL } },
	{ "bad/good_then_bad", 0, 0, "000001 06 05 11" UU "aa 05 7f" UU "80",
	  ERR_CORRUPT, 0, { "aa" } },
	{ "bad/epb_at_end", 0, 0, "000001 06 05 11" UU "000003", 1, 0, { "00" } },
	{ "bad/len_too_big", 0, 4, "000000ff 06 05 11" UU "aa 80",
	  ERR_CORRUPT, 0, { NULL } },
	{ "bad/len_cut", 0, 4, "000000", ERR_CORRUPT, 0, { NULL } },
	{ "bad/len_cut_after_nal", 0, 4, "00000017" NAL_ABC "0000",
	  ERR_CORRUPT, 0, { "616263" } },
	{ "bad/len_huge", 0, 4, "ffffffff 06", ERR_CORRUPT, 0, { NULL } },
	{ "bad/len1_nal_cut", 0, 1, "05 06 05 11", ERR_CORRUPT, 0, { NULL } },
	{ "bad/annexb_read_as_len4", 0, 4, "00000001" NAL_ABC, ERR_CORRUPT, 0,
	  { NULL } },
	{ "bad/len4_read_as_annexb", 0, 0, "00000017" NAL_ABC, 0, 0, { NULL } },
	{ "bad/nls_5", 0, 5, "000001" NAL_ABC, ERR_INVAL, 0, { NULL } },
	{ "bad/nls_negative", 0, -1, "000001" NAL_ABC, ERR_INVAL, 0, { NULL } },
};

static void
test_extract(void **state)
{
	const struct ex_case *c = *state;
	size_t len;
	uint8_t *in = unit_unhex(c->in, &len);
	int ret, i;

	got_reset();
	got.stop_at = c->stop_at;
	ret = sei_extract(len > 0 ? in : NULL, len, c->hevc, c->nls, hex_uuid,
	    got_cb, &got);
	assert_int_equal(ret, c->want);
	for (i = 0; c->msgs[i] != NULL; i++) {
		size_t wlen;
		uint8_t *want = unit_unhex(c->msgs[i], &wlen);

		if (i >= got.n)
			fail_msg("message %d not delivered", i);
		assert_int_equal(got.len[i], wlen);
		if (wlen > 0)
			assert_memory_equal(got.data[i], want, wlen);
		free(want);
	}
	assert_int_equal(got.n, i);
	got_reset();
	free(in);
}

/* ---- big messages, escaped here ---------------------------------------- */

/*
 * Append one SEI NAL unit holding one message (type, uuid + payload),
 * escaped, with a start code or an nls-byte length. Returns its size.
 */
static size_t
put_sei_nal(uint8_t *out, int hevc, int nls, unsigned type,
    const uint8_t *uuid, const uint8_t *pl, size_t len)
{
	size_t rlen = 0, o = 0, size = SEI_UUID_SIZE + len, cap;
	uint8_t *rbsp;
	int zeros = 0;

	cap = 2 + type / 255 + size / 255 + 2 + size + 1;
	rbsp = malloc(cap);
	assert_non_null(rbsp);
	for (unsigned t = type; ; t -= 255) {
		rbsp[rlen++] = (uint8_t)(t >= 255 ? 255 : t);
		if (t < 255)
			break;
	}
	for (size_t s = size; ; s -= 255) {
		rbsp[rlen++] = (uint8_t)(s >= 255 ? 255 : s);
		if (s < 255)
			break;
	}
	memcpy(rbsp + rlen, uuid, SEI_UUID_SIZE);
	memcpy(rbsp + rlen + SEI_UUID_SIZE, pl, len);
	rlen += size;
	rbsp[rlen++] = 0x80;

	o = nls > 0 ? (size_t)nls : 4;
	if (hevc) {
		out[o++] = HEVC_SEI_HDR0;
		out[o++] = 0x01;
	} else {
		out[o++] = 0x06;
	}
	for (size_t i = 0; i < rlen; i++) {
		if (zeros >= 2 && rbsp[i] <= 3) {
			out[o++] = 3;
			zeros = 0;
		}
		out[o++] = rbsp[i];
		zeros = rbsp[i] == 0 ? zeros + 1 : 0;
	}
	free(rbsp);
	if (nls == 0) {
		out[0] = out[1] = out[2] = 0;
		out[3] = 1;
	} else {
		size_t nal = o - (size_t)nls;

		for (int k = 0; k < nls; k++)
			out[k] = (uint8_t)(nal >> (8 * (nls - 1 - k)));
	}
	return o;
}

struct big_case {
	const char *name;
	int hevc;
	int nls;
	size_t len;
	int want;
};

static struct big_case big_cases[] = {
	/* payloadSize = 16 + len: 254 is one byte, 255 is ff 00. */
	{ "big/size_254", 0, 0, 254 - 16, 1 },
	{ "big/size_255", 0, 0, 255 - 16, 1 },
	{ "big/size_256", 0, 4, 256 - 16, 1 },
	{ "big/size_509", 1, 0, 509 - 16, 1 },
	{ "big/size_510", 1, 4, 510 - 16, 1 },
	{ "big/size_511", 0, 3, 511 - 16, 1 },
	{ "big/70000", 1, 0, 70000, 1 },
	{ "big/1MiB", 0, 0, 1 << 20, 1 },
	{ "big/1MiB_hevc_len4", 1, 4, 1 << 20, 1 },
	{ "big/nal_above_max", 0, 0, SEI_NAL_MAX, ERR_CORRUPT },
};

static void
test_big(void **state)
{
	const struct big_case *c = *state;
	/* Worst case escaping adds one byte in three. */
	size_t cap = 64 + 2 * (c->len + 3000), n = 0;
	uint8_t *pl = malloc(c->len + 300), *pkt = malloc(cap), *in;
	int ret;

	assert_non_null(pl);
	assert_non_null(pkt);
	fill_payload(pl, c->len + 300, (uint32_t)c->len, 0);
	/* Ours between a foreign one and an unregistered type 200. */
	n += put_sei_nal(pkt + n, c->hevc, c->nls, 5, other_uuid, pl, 7);
	n += put_sei_nal(pkt + n, c->hevc, c->nls, 5, test_uuid, pl, c->len);
	n += put_sei_nal(pkt + n, c->hevc, c->nls, 200, test_uuid, pl, 300);
	assert_true(n <= cap);
	in = exact_copy(pkt, n);
	free(pkt);
	got_reset();
	ret = sei_extract(in, n, c->hevc, c->nls, test_uuid, got_cb, &got);
	assert_int_equal(ret, c->want);
	if (c->want == 1) {
		assert_int_equal(got.n, 1);
		assert_int_equal(got.len[0], c->len);
		assert_memory_equal(got.data[0], pl, c->len);
	} else {
		assert_int_equal(got.n, 0);
	}
	got_reset();
	free(in);
	free(pl);
}

/* ---- sei_nal_length_size ----------------------------------------------- */

struct nls_case {
	const char *name;
	int hevc;
	const char *in;
	int want_ret;
	int want;
};

static struct nls_case nls_cases[] = {
	{ "nls/empty", 0, "", 0, 0 },
	{ "nls/empty_hevc", 1, "", 0, 0 },
	{ "nls/annexb3", 0, "000001 6742", 0, 0 },
	{ "nls/annexb4", 0, "00000001 67", 0, 0 },
	{ "nls/annexb4_hevc", 1, "00000001 4001", 0, 0 },
	{ "nls/avcc", 0, AVCC264, 0, 4 },
	{ "nls/avcc_len2", 0, "0142c00dfde10000", 0, 2 },
	{ "nls/avcc_len1", 0, "0142c00dfce10000", 0, 1 },
	{ "nls/avcc_minimal", 0, "0142c00dffe100", 0, 4 },
	{ "nls/avcc_short", 0, "0142c00dff", ERR_CORRUPT, 0 },
	{ "nls/hvcc", 1, HVCC265, 0, 4 },
	{ "nls/hvcc_len2", 1, "0101600000009000000000003cf000fcfdf8f800000d03", 0, 2 },
	{ "nls/hvcc_short", 1, "0101600000009000000000003cf000fcfdf8f800000f", ERR_CORRUPT, 0 },
	{ "nls/version0", 0, "0042c00dffe100", ERR_CORRUPT, 0 },
	{ "nls/version2", 1, "0201600000009000000000003cf000fcfdf8f800000f03", ERR_CORRUPT, 0 },
	{ "nls/zero_zero_two", 0, "000002 6742", ERR_CORRUPT, 0 },
	{ "nls/one_byte", 0, "01", ERR_CORRUPT, 0 },
	{ "nls/zero_byte", 1, "00", ERR_CORRUPT, 0 },
	{ "nls/two_zeros", 0, "0000", ERR_CORRUPT, 0 },
};

static void
test_nls(void **state)
{
	const struct nls_case *c = *state;
	size_t len;
	uint8_t *in = unit_unhex(c->in, &len);
	int nls = -1;

	assert_int_equal(sei_nal_length_size(len > 0 ? in : NULL, len, c->hevc,
	    &nls), c->want_ret);
	assert_int_equal(nls, c->want);
	free(in);
}

/* ---- sei_attach -------------------------------------------------------- */

static void
test_attach(void **state)
{
	AVFrame *f = av_frame_alloc();
	uint8_t pl[300];

	(void)state;
	assert_non_null(f);
	fill_payload(pl, sizeof pl, 7, 0);
	assert_int_equal(sei_attach(f, test_uuid, NULL, 0), 0);
	assert_int_equal(sei_attach(f, other_uuid, pl, sizeof pl), 0);
	assert_int_equal(sei_attach(f, test_uuid, pl, 1), 0);
	assert_int_equal(f->nb_side_data, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(f->side_data[i]->type,
		    AV_FRAME_DATA_SEI_UNREGISTERED);
	assert_int_equal(f->side_data[0]->size, 16);
	assert_memory_equal(f->side_data[0]->data, test_uuid, 16);
	assert_int_equal(f->side_data[1]->size, 316);
	assert_memory_equal(f->side_data[1]->data, other_uuid, 16);
	assert_memory_equal(f->side_data[1]->data + 16, pl, sizeof pl);
	assert_int_equal(f->side_data[2]->size, 17);
	assert_int_equal(f->side_data[2]->data[16], pl[0]);
	av_frame_free(&f);
}

/* The frame's budget: SEI_FRAME_MAX over all its messages. */
static void
test_attach_limit(void **state)
{
	AVFrame *f = av_frame_alloc();
	size_t half = SEI_FRAME_MAX / 2;
	uint8_t *pl = calloc(1, SEI_FRAME_MAX + 1);

	(void)state;
	assert_non_null(f);
	assert_non_null(pl);
	assert_int_equal(sei_attach(f, test_uuid, pl, SEI_FRAME_MAX + 1), ERR_INVAL);
	assert_int_equal(sei_attach(f, test_uuid, pl, SEI_FRAME_MAX), ERR_INVAL);
	assert_int_equal(f->nb_side_data, 0);
	assert_int_equal(sei_attach(f, test_uuid, pl, half), 0);
	assert_int_equal(sei_attach(f, test_uuid, pl, half), ERR_INVAL);
	assert_int_equal(f->nb_side_data, 1);
	assert_int_equal(sei_attach(f, test_uuid, pl, 1000), 0);
	assert_int_equal(f->nb_side_data, 2);
	/* Other side data does not count. */
	assert_non_null(av_frame_new_side_data(f, AV_FRAME_DATA_A53_CC, half));
	assert_int_equal(sei_attach(f, test_uuid, pl, 1000), 0);
	av_frame_free(&f);
	free(pl);
}

/* ---- sei_insert --------------------------------------------------------- */

/*
 * Hand-built packets: where the SEI NAL unit lands, and the exact bytes
 * (H.264 SEI 06 / H.265 prefix SEI 4e01, type 05, size, UUID, payload,
 * trailing 80, with emulation prevention). The payload "0000 01" needs
 * an 03 after the two zeros.
 */
struct ins_case {
	const char *name;
	int hevc, nls;
	const char *in;
	const char *payload;	/* after the UUID */
	int want_ret;
	const char *want;	/* the packet after (ignored on error) */
};

#define SEI264 "06 05 13" UU "000003 01 80"
#define SEI265 "4e01 05 13" UU "000003 01 80"

static const struct ins_case ins_cases[] = {
	{ "insert/h264_slice_only", 0, 0, "00000001 65 aabb", "000001", 0,
	  "00000001" SEI264 "00000001 65 aabb" },
	{ "insert/h264_after_sps_pps", 0, 0,
	  "00000001 67 4200 00000001 68 ce 000001 65 88", "000001", 0,
	  "00000001 67 4200 00000001 68 ce 00000001" SEI264 "000001 65 88" },
	{ "insert/h264_after_aud_and_sei", 0, 0,
	  "00000001 09 f0 000001 06 0501 aa 80 000001 41 9a", "000001", 0,
	  "00000001 09 f0 000001 06 0501 aa 80 00000001" SEI264 "000001 41 9a" },
	{ "insert/h264_len4", 0, 4, "00000002 6742 00000002 6588", "000001", 0,
	  "00000002 6742 00000018" SEI264 "00000002 6588" },
	{ "insert/h264_len2", 0, 2, "0002 6588", "000001", 0,
	  "0018" SEI264 "0002 6588" },
	{ "insert/h265_after_vps_sps_pps", 1, 0,
	  "00000001 4001 0c 00000001 4201 01 00000001 4401 c1 00000001 2601 af",
	  "000001", 0,
	  "00000001 4001 0c 00000001 4201 01 00000001 4401 c1 00000001" SEI265
	  "00000001 2601 af" },
	{ "insert/h265_trail_len4", 1, 4, "00000003 0201 d0", "000001", 0,
	  "00000019" SEI265 "00000003 0201 d0" },
	{ "err/no_vcl", 0, 0, "00000001 67 4200 00000001 68 ce", "00", ERR_CORRUPT, NULL },
	{ "err/h265_no_vcl", 1, 0, "00000001 4001 0c", "00", ERR_CORRUPT, NULL },
	{ "err/cut_length", 0, 4, "00000009 6588", "00", ERR_CORRUPT, NULL },
	{ "err/nls5", 0, 5, "0000000002 6588", "00", ERR_INVAL, NULL },
	{ "err/empty", 0, 0, "", "00", ERR_CORRUPT, NULL },
};

static AVPacket *
hex_packet(const char *hex)
{
	AVPacket *pkt = av_packet_alloc();
	size_t n;
	uint8_t *b = unit_unhex(hex, &n);

	assert_non_null(pkt);
	if (n > 0) {
		assert_int_equal(av_new_packet(pkt, (int)n), 0);
		memcpy(pkt->data, b, n);
	}
	free(b);
	pkt->pts = 1234;
	return pkt;
}

static void
test_insert(void **state)
{
	const struct ins_case *c = *state;
	AVPacket *pkt = hex_packet(c->in);
	size_t plen, in_len, want_len;
	uint8_t *pl = unit_unhex(c->payload, &plen);
	uint8_t *msg = malloc(SEI_UUID_SIZE + plen);
	uint8_t *in = unit_unhex(c->in, &in_len);
	const uint8_t *m[1];
	size_t ml[1];
	int ret;

	assert_non_null(msg);
	memcpy(msg, hex_uuid, SEI_UUID_SIZE);
	memcpy(msg + SEI_UUID_SIZE, pl, plen);
	m[0] = msg;
	ml[0] = SEI_UUID_SIZE + plen;
	ret = sei_insert(pkt, c->hevc, c->nls, m, ml, 1);
	assert_int_equal(ret, c->want_ret);
	if (ret == 0) {
		uint8_t *want = unit_unhex(c->want, &want_len);

		assert_int_equal((size_t)pkt->size, want_len);
		assert_memory_equal(pkt->data, want, want_len);
		assert_int_equal(pkt->pts, 1234);
		free(want);
		/* And sei_extract reads back exactly the payload. */
		got_reset();
		got.cur = 0;
		assert_int_equal(sei_extract(pkt->data, (size_t)pkt->size, c->hevc,
		    c->nls, hex_uuid, got_cb, &got), 1);
		assert_int_equal(got.len[0], plen);
		assert_memory_equal(got.data[0], pl, plen);
		got_reset();
	} else {
		/* Unchanged on failure. */
		assert_int_equal((size_t)pkt->size, in_len);
		if (in_len > 0)
			assert_memory_equal(pkt->data, in, in_len);
	}
	av_packet_free(&pkt);
	free(pl);
	free(msg);
	free(in);
}

/*
 * Several messages in one NAL unit, the frame budget, and a NAL unit too
 * big for a 2-byte length prefix.
 */
static void
test_insert_limits(void **state)
{
	AVPacket *pkt;
	uint8_t *big = calloc(1, SEI_FRAME_MAX + 1);
	const uint8_t *m[3];
	size_t ml[3];

	(void)state;
	assert_non_null(big);
	memcpy(big, test_uuid, SEI_UUID_SIZE);
	fill_payload(big + SEI_UUID_SIZE, 70000, 3, 0);
	m[0] = m[1] = m[2] = big;
	ml[0] = 17;
	ml[1] = SEI_UUID_SIZE + 70000;
	ml[2] = SEI_UUID_SIZE;
	pkt = hex_packet("00000001 65 88");
	assert_int_equal(sei_insert(pkt, 0, 0, m, ml, 3), 0);
	got_reset();
	assert_int_equal(sei_extract(pkt->data, (size_t)pkt->size, 0, 0, test_uuid,
	    got_cb, &got), 3);
	assert_int_equal(got.len[0], 1);
	assert_int_equal(got.len[1], 70000);
	assert_memory_equal(got.data[1], big + SEI_UUID_SIZE, 70000);
	assert_int_equal(got.len[2], 0);
	got_reset();
	av_packet_free(&pkt);

	/* 0xFFFF is the most a 2-byte prefix holds. */
	pkt = hex_packet("0002 6588");
	assert_int_equal(sei_insert(pkt, 0, 2, m, ml + 1, 1), ERR_INVAL);
	assert_int_equal(pkt->size, 4);
	av_packet_free(&pkt);

	pkt = hex_packet("00000001 65 88");
	ml[0] = SEI_FRAME_MAX;
	assert_int_equal(sei_insert(pkt, 0, 0, m, ml, 1), ERR_INVAL);
	ml[0] = ml[1] = SEI_FRAME_MAX / 2;
	assert_int_equal(sei_insert(pkt, 0, 0, m, ml, 2), ERR_INVAL);
	ml[0] = 8;	/* shorter than a UUID */
	assert_int_equal(sei_insert(pkt, 0, 0, m, ml, 1), ERR_INVAL);
	assert_int_equal(sei_insert(pkt, 0, 0, m, ml, 0), ERR_INVAL);
	assert_int_equal(pkt->size, 6);
	av_packet_free(&pkt);
	free(big);
}

int
main(void)
{
	static struct unit_list l;
	size_t n;
	uint8_t *u = unit_unhex(UU, &n);

	memcpy(hex_uuid, u, sizeof hex_uuid);
	free(u);
	codecs_init();
	src_init();
	UNIT_TABLE(&l, rt_cases, test_roundtrip);
	UNIT_TABLE(&l, ex_cases, test_extract);
	UNIT_TABLE(&l, big_cases, test_big);
	UNIT_TABLE(&l, nls_cases, test_nls);
	UNIT_TEST(&l, test_attach);
	UNIT_TEST(&l, test_attach_limit);
	UNIT_TABLE(&l, ins_cases, test_insert);
	UNIT_TEST(&l, test_insert_limits);
	n = (size_t)unit_run("sei", &l);
	avformat_free_context(src_fmt);
	return (int)n;
}
