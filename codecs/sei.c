/*
 * SEI user_data_unregistered: how camveil's sealed face regions travel
 * inside the video itself, so any player or recorder keeps them and
 * `unlock request` can find them without decoding a frame.
 *
 * Writing: sei_attach hangs the message on the frame as
 * AV_FRAME_DATA_SEI_UNREGISTERED side data, and codecs/encode puts it in
 * the frame's packet with sei_insert, which builds the SEI NAL unit (with
 * emulation prevention) itself. The encoders' own udu_sei support is not
 * used: libx264 writes user SEI into a fixed 1 MB output buffer without
 * checking, and libx265 3.5 overflows its heap when a frame's messages
 * grow (x265 PR #10, FFmpeg trac #9666/#10085).
 * Reading walks the NAL units of an encoded packet by hand:
 * Annex B start codes or avcC/hvcC length prefixes, SEI NAL units only,
 * emulation prevention removed into one scratch buffer per call, then the
 * sei_message() list. The packets come from files and cameras we do not
 * trust, so every length is checked against what is really there.
 */
#include <stdlib.h>
#include <string.h>

#include <libavcodec/defs.h>
#include <libavcodec/packet.h>
#include <libavutil/frame.h>

#include "../util/err.h"
#include "sei.h"

#define H264_NAL_SEI		6
#define HEVC_NAL_SEI_PREFIX	39
#define HEVC_NAL_SEI_SUFFIX	40
#define SEI_TYPE_USER_DATA_UNREGISTERED 5

/*
 * libx265 (3.5 at least) writes every user_data_unregistered message it
 * is given under its own UUID: our UUID and payload arrive behind this one.
 */
static const uint8_t x265_uuid[SEI_UUID_SIZE] = {
	0x2c, 0xa2, 0xde, 0x09, 0xb5, 0x17, 0x47, 0xdb,
	0xbb, 0x55, 0xa4, 0xfe, 0x7f, 0xc2, 0xfc, 0x4e,
};

/* Growable buffer for one NAL unit's RBSP; never above SEI_NAL_MAX. */
struct scratch {
	uint8_t *buf;
	size_t cap;
};

/*
 * What one message costs in the SEI NAL unit beyond its payload: payload
 * type and size bytes (a 0xFF per 255), and a share of the NAL header,
 * trailing bits and start code.
 */
static size_t
attach_cost(size_t len)
{
	return len + len / 255 + 16;
}

int
sei_attach(AVFrame *f, const uint8_t uuid[SEI_UUID_SIZE],
    const uint8_t *payload, size_t len)
{
	AVFrameSideData *sd;
	size_t used = 0;

	if (len > SEI_FRAME_MAX)
		return ERR_INVAL;
	for (int i = 0; i < f->nb_side_data; i++)
		if (f->side_data[i]->type == AV_FRAME_DATA_SEI_UNREGISTERED)
			used += attach_cost(f->side_data[i]->size);
	if (used + attach_cost(SEI_UUID_SIZE + len) > SEI_FRAME_MAX)
		return ERR_INVAL;
	sd = av_frame_new_side_data(f, AV_FRAME_DATA_SEI_UNREGISTERED,
	    SEI_UUID_SIZE + len);
	if (sd == NULL)
		return ERR_NOMEM;
	memcpy(sd->data, uuid, SEI_UUID_SIZE);
	if (len > 0)
		memcpy(sd->data + SEI_UUID_SIZE, payload, len);
	return 0;
}

int
sei_nal_length_size(const uint8_t *extradata, size_t size, int hevc,
    int *nal_length_size)
{
	*nal_length_size = 0;
	if (extradata == NULL || size == 0)
		return 0;
	if ((size >= 3 && extradata[0] == 0 && extradata[1] == 0 &&
	    extradata[2] == 1) ||
	    (size >= 4 && extradata[0] == 0 && extradata[1] == 0 &&
	    extradata[2] == 0 && extradata[3] == 1))
		return 0;
	if (extradata[0] != 1)
		return ERR_CORRUPT;
	/* avcC: version, profile, compat, level, lengthSizeMinusOne. */
	if (!hevc && size >= 7) {
		*nal_length_size = (extradata[4] & 3) + 1;
		return 0;
	}
	/* hvcC: lengthSizeMinusOne after 21 bytes of profile and format. */
	if (hevc && size >= 23) {
		*nal_length_size = (extradata[21] & 3) + 1;
		return 0;
	}
	return ERR_CORRUPT;
}

/* First 00 00 01 at or after p, or end. */
static const uint8_t *
find_start_code(const uint8_t *p, const uint8_t *end)
{
	while (end - p >= 3) {
		if (p[2] > 1)
			p += 3;	/* no start code can begin at p, p+1 or p+2 */
		else if (p[2] == 1 && p[1] == 0 && p[0] == 0)
			return p;
		else
			p++;
	}
	return end;
}

/*
 * Next NAL unit from *p: 1 and (*nal, *len), 0 at the end, ERR_CORRUPT
 * when a length prefix is cut or points past the packet.
 */
static int
next_nal(const uint8_t **p, const uint8_t *end, int nal_length_size,
    const uint8_t **nal, size_t *len)
{
	const uint8_t *s, *e;
	size_t n = 0;

	if (nal_length_size == 0) {
		s = find_start_code(*p, end);
		if (s == end) {
			*p = end;
			return 0;
		}
		s += 3;
		e = find_start_code(s, end);
		*p = e;
		/* Zeros before the next start code belong to the byte stream. */
		while (e > s && e[-1] == 0)
			e--;
		*nal = s;
		*len = (size_t)(e - s);
		return 1;
	}
	if (*p == end)
		return 0;
	if (end - *p < nal_length_size)
		return ERR_CORRUPT;
	for (int i = 0; i < nal_length_size; i++)
		n = n << 8 | *(*p)++;
	if (n > (size_t)(end - *p))
		return ERR_CORRUPT;
	*nal = *p;
	*len = n;
	*p += n;
	return 1;
}

/* Copy src to the scratch without emulation prevention bytes. */
static int
unescape(struct scratch *s, const uint8_t *src, size_t len, size_t *out)
{
	size_t n = 0;
	int zeros = 0;

	if (len > SEI_NAL_MAX)
		return ERR_CORRUPT;
	if (len > s->cap) {
		uint8_t *b = realloc(s->buf, len);

		if (b == NULL)
			return ERR_NOMEM;
		s->buf = b;
		s->cap = len;
	}
	for (size_t i = 0; i < len; i++) {
		if (zeros >= 2 && src[i] == 3) {
			zeros = 0;
			continue;
		}
		zeros = src[i] == 0 ? zeros + 1 : 0;
		s->buf[n++] = src[i];
	}
	*out = n;
	return 0;
}

/* One ff_byte run plus last byte (payloadType, payloadSize). */
static int
read_ff_coded(const uint8_t *rbsp, size_t len, size_t *pos, size_t *val)
{
	uint8_t b;

	*val = 0;
	do {
		if (*pos >= len)
			return ERR_CORRUPT;
		b = rbsp[(*pos)++];
		*val += b;
	} while (b == 0xff);
	return 0;
}

/*
 * Where the payload of a user_data_unregistered message m of size bytes
 * starts if it is ours, else 0. Ours are behind our UUID, or for H.265
 * behind x265's and then ours.
 */
static size_t
ours(const uint8_t *m, size_t size, int hevc, const uint8_t uuid[SEI_UUID_SIZE])
{
	if (size >= SEI_UUID_SIZE && memcmp(m, uuid, SEI_UUID_SIZE) == 0)
		return SEI_UUID_SIZE;
	if (hevc && size >= 2 * SEI_UUID_SIZE &&
	    memcmp(m, x265_uuid, SEI_UUID_SIZE) == 0 &&
	    memcmp(m + SEI_UUID_SIZE, uuid, SEI_UUID_SIZE) == 0)
		return 2 * SEI_UUID_SIZE;
	return 0;
}

/*
 * The sei_message()s of one SEI RBSP: pass ours to cb. Returns the number
 * passed, cb's negative value, or ERR_CORRUPT.
 */
static int
parse_sei_rbsp(const uint8_t *rbsp, size_t len, int hevc,
    const uint8_t uuid[SEI_UUID_SIZE], sei_cb cb, void *opaque)
{
	size_t pos = 0, end = len, type, size, skip;
	int n = 0, ret;

	/* rbsp_trailing_bits: messages are byte aligned, so it is one 0x80. */
	while (end > 0 && rbsp[end - 1] == 0)
		end--;
	if (end > 0 && rbsp[end - 1] == 0x80)
		end--;
	while (pos < end) {
		if (read_ff_coded(rbsp, len, &pos, &type) < 0 ||
		    read_ff_coded(rbsp, len, &pos, &size) < 0)
			return ERR_CORRUPT;
		if (size > len - pos)
			return ERR_CORRUPT;
		if (type == SEI_TYPE_USER_DATA_UNREGISTERED &&
		    (skip = ours(rbsp + pos, size, hevc, uuid)) > 0) {
			ret = cb(opaque, rbsp + pos + skip, size - skip);
			if (ret < 0)
				return ret;
			n++;
		}
		pos += size;
	}
	return n;
}

static int
is_sei(const uint8_t *nal, size_t len, int hevc)
{
	int type;

	if (!hevc)
		return len >= 1 && (nal[0] & 0x1f) == H264_NAL_SEI;
	if (len < 2)
		return 0;
	type = nal[0] >> 1 & 0x3f;
	return type == HEVC_NAL_SEI_PREFIX || type == HEVC_NAL_SEI_SUFFIX;
}

int
sei_extract(const uint8_t *pkt, size_t size, int hevc, int nal_length_size,
    const uint8_t uuid[SEI_UUID_SIZE], sei_cb cb, void *opaque)
{
	struct scratch s = { NULL, 0 };
	const uint8_t *p = pkt, *end = pkt + size, *nal;
	size_t len, hlen = hevc ? 2 : 1, rlen;
	int n = 0, ret;

	if (nal_length_size < 0 || nal_length_size > 4)
		return ERR_INVAL;
	if (pkt == NULL || size == 0)
		return 0;
	while ((ret = next_nal(&p, end, nal_length_size, &nal, &len)) == 1) {
		if (!is_sei(nal, len, hevc))
			continue;
		ret = unescape(&s, nal + hlen, len - hlen, &rlen);
		if (ret < 0)
			break;
		ret = parse_sei_rbsp(s.buf, rlen, hevc, uuid, cb, opaque);
		if (ret < 0)
			break;
		n += ret;
	}
	free(s.buf);
	return ret < 0 ? ret : n;
}

/* ---- Writing ---------------------------------------------------------- */

static int
is_vcl(const uint8_t *nal, size_t len, int hevc)
{
	int type;

	if (len < 1)
		return 0;
	if (!hevc) {
		type = nal[0] & 0x1f;
		return type >= 1 && type <= 5;
	}
	return (nal[0] >> 1 & 0x3f) < 32;
}

/* Append v as ff_byte run plus last byte. */
static uint8_t *
put_ff_coded(uint8_t *w, size_t v)
{
	for (; v >= 255; v -= 255)
		*w++ = 0xff;
	*w++ = (uint8_t)v;
	return w;
}

/*
 * The SEI RBSP (messages and trailing bits) into a new buffer, then the
 * NAL unit: header and the RBSP with emulation prevention. *nal malloc'd.
 */
static int
build_sei_nal(int hevc, const uint8_t *const *msg, const size_t *len, int n,
    uint8_t **nal, size_t *nal_len)
{
	size_t raw_len = 1, total = 0, out_len;
	uint8_t *raw, *w, *out;
	int zeros = 0;

	for (int i = 0; i < n; i++) {
		if (len[i] < SEI_UUID_SIZE || len[i] > SEI_FRAME_MAX)
			return ERR_INVAL;
		total += attach_cost(len[i]);
		raw_len += 1 + len[i] / 255 + 1 + len[i];
	}
	if (total > SEI_FRAME_MAX)
		return ERR_INVAL;
	raw = malloc(raw_len);
	if (raw == NULL)
		return ERR_NOMEM;
	w = raw;
	for (int i = 0; i < n; i++) {
		w = put_ff_coded(w, SEI_TYPE_USER_DATA_UNREGISTERED);
		w = put_ff_coded(w, len[i]);
		memcpy(w, msg[i], len[i]);
		w += len[i];
	}
	*w++ = 0x80;	/* rbsp_stop_one_bit and alignment */
	raw_len = (size_t)(w - raw);
	/* At most one emulation prevention byte per two input bytes. */
	out = malloc(2 + raw_len + raw_len / 2 + 1);
	if (out == NULL) {
		free(raw);
		return ERR_NOMEM;
	}
	out_len = 0;
	if (hevc) {
		out[out_len++] = HEVC_NAL_SEI_PREFIX << 1;
		out[out_len++] = 1;	/* nuh_layer_id 0, nuh_temporal_id_plus1 1 */
	} else {
		out[out_len++] = H264_NAL_SEI;	/* nal_ref_idc 0 */
	}
	for (size_t i = 0; i < raw_len; i++) {
		if (zeros == 2 && raw[i] <= 3) {
			out[out_len++] = 3;
			zeros = 0;
		}
		out[out_len++] = raw[i];
		zeros = raw[i] == 0 ? zeros + 1 : 0;
	}
	free(raw);
	if (out_len > SEI_NAL_MAX) {
		free(out);
		return ERR_INVAL;
	}
	*nal = out;
	*nal_len = out_len;
	return 0;
}

int
sei_insert(AVPacket *pkt, int hevc, int nal_length_size,
    const uint8_t *const *msg, const size_t *len, int n)
{
	const uint8_t *p, *end, *nal = NULL;
	uint8_t *sei, *w;
	size_t nlen, sei_len, at = 0, prefix, size;
	AVBufferRef *buf;
	int ret, found = 0;

	if (n < 1 || nal_length_size < 0 || nal_length_size > 4)
		return ERR_INVAL;
	if (pkt == NULL || pkt->data == NULL || pkt->size <= 0)
		return ERR_CORRUPT;
	p = pkt->data;
	end = pkt->data + pkt->size;
	while ((ret = next_nal(&p, end, nal_length_size, &nal, &nlen)) == 1) {
		if (is_vcl(nal, nlen, hevc)) {
			found = 1;
			break;
		}
	}
	if (ret < 0)
		return ret;
	if (!found)
		return ERR_CORRUPT;
	if (nal_length_size == 0) {
		/* Before the start code, and before its zero_byte if it has one. */
		at = (size_t)(nal - pkt->data) - 3;
		if (at > 0 && pkt->data[at - 1] == 0)
			at--;
	} else {
		at = (size_t)(nal - pkt->data) - (size_t)nal_length_size;
	}
	ret = build_sei_nal(hevc, msg, len, n, &sei, &sei_len);
	if (ret < 0)
		return ret;
	prefix = nal_length_size == 0 ? 4 : (size_t)nal_length_size;
	if (nal_length_size > 0 && nal_length_size < 4 &&
	    sei_len >= (size_t)1 << (8 * nal_length_size)) {
		free(sei);
		return ERR_INVAL;
	}
	size = (size_t)pkt->size + prefix + sei_len;
	if (size > INT32_MAX - AV_INPUT_BUFFER_PADDING_SIZE) {
		free(sei);
		return ERR_INVAL;
	}
	buf = av_buffer_alloc(size + AV_INPUT_BUFFER_PADDING_SIZE);
	if (buf == NULL) {
		free(sei);
		return ERR_NOMEM;
	}
	w = buf->data;
	memcpy(w, pkt->data, at);
	w += at;
	if (nal_length_size == 0) {
		static const uint8_t sc[4] = { 0, 0, 0, 1 };

		memcpy(w, sc, 4);
	} else {
		for (int i = 0; i < nal_length_size; i++)
			w[i] = (uint8_t)(sei_len >> (8 * (nal_length_size - 1 - i)));
	}
	w += prefix;
	memcpy(w, sei, sei_len);
	w += sei_len;
	memcpy(w, pkt->data + at, (size_t)pkt->size - at);
	memset(buf->data + size, 0, AV_INPUT_BUFFER_PADDING_SIZE);
	free(sei);
	av_buffer_unref(&pkt->buf);
	pkt->buf = buf;
	pkt->data = buf->data;
	pkt->size = (int)size;
	return 0;
}
