/*
 * H.264/H.265 SEI user_data_unregistered messages: camveil carries its
 * sealed face regions in them (keys/seal makes the payloads). The
 * pipeline hangs them on a frame as AV_FRAME_DATA_SEI_UNREGISTERED side
 * data (sei_attach); codecs/encode takes them off before the encoder and
 * writes them into that frame's packet itself (sei_insert), so neither
 * x264's output buffer nor x265's SEI handling limits them. Reading parses
 * encoded packets directly, so `unlock request` never decodes video.
 */
#ifndef CAMVEIL_SEI_H
#define CAMVEIL_SEI_H

#include <stddef.h>
#include <stdint.h>

struct AVFrame;
struct AVPacket;

#define SEI_UUID_SIZE 16

/* Largest SEI NAL unit sei_extract reads or sei_insert writes. */
#define SEI_NAL_MAX (4 << 20)

/*
 * Most bytes of user data per frame, all its messages together (each
 * counted with its uuid and coding overhead): one SEI NAL unit, with
 * room left for emulation prevention bytes below SEI_NAL_MAX.
 */
#define SEI_FRAME_MAX (3 << 20)

/*
 * Attach one user_data_unregistered message (uuid + payload) to frame f
 * as side data, for an encoder opened with udu_sei. Several per frame
 * are fine; each becomes its own SEI message. payload is copied. Returns
 * 0, ERR_NOMEM, or ERR_INVAL if the frame's messages would exceed
 * SEI_FRAME_MAX (f is then unchanged).
 *
 * codecs/encode writes every such side data on the frame, including what
 * the decoder copied from the source's own SEI (the decode stage drops
 * those unless asked to keep them).
 */
int sei_attach(struct AVFrame *f, const uint8_t uuid[SEI_UUID_SIZE],
    const uint8_t *payload, size_t len);

/*
 * Write one SEI NAL unit holding the n user_data_unregistered messages
 * msg[i] (len[i] bytes each: uuid then payload, as sei_attach stores
 * them) into an encoded packet, just before its first VCL NAL unit
 * (where H.264 SEI and H.265 prefix SEI belong: after any access unit
 * delimiter and parameter sets). The packet is delimited as
 * sei_nal_length_size says; its data is replaced, its properties and
 * side data kept. Returns 0, ERR_NOMEM, ERR_INVAL (n < 1, a nal_length
 * size outside 0..4, more than SEI_FRAME_MAX bytes, or a NAL unit that
 * would not fit the length prefix), ERR_CORRUPT if the packet holds no
 * VCL NAL unit or cannot be walked; the packet is then unchanged.
 */
int sei_insert(struct AVPacket *pkt, int hevc, int nal_length_size,
    const uint8_t *const *msg, const size_t *len, int n);

/*
 * One message found in a packet; payload points into sei_extract's
 * scratch and is valid only during the call. Return < 0 to stop.
 */
typedef int (*sei_cb)(void *opaque, const uint8_t *payload, size_t len);

/*
 * How a stream's packets delimit NAL units, from its codec extradata:
 * *nal_length_size = 0 for Annex B start codes (raw .264/.265, MPEG-TS,
 * no extradata), else 1..4 for length prefixes (avcC/hvcC, as in mp4 and
 * mkv). Returns 0 or ERR_CORRUPT for extradata it cannot read.
 */
int sei_nal_length_size(const uint8_t *extradata, size_t size, int hevc,
    int *nal_length_size);

/*
 * Walk the NAL units of one encoded packet (delimited as
 * sei_nal_length_size says), find every SEI user_data_unregistered
 * message whose UUID is uuid, remove emulation prevention bytes and call
 * cb with its payload (after the UUID), in packet order. hevc selects
 * H.265 NAL headers (prefix and suffix SEI, types 39 and 40) instead of
 * H.264 (type 6). Returns the number of messages passed to cb, or < 0:
 * a callback's negative value (the walk stops there), ERR_CORRUPT for a
 * length prefix or SEI message that runs past its container or an SEI
 * NAL unit above SEI_NAL_MAX, ERR_NOMEM, ERR_INVAL for a
 * nal_length_size outside 0..4. Messages before the damage have then
 * been passed to cb already. Untrusted input: never reads out of bounds.
 */
int sei_extract(const uint8_t *pkt, size_t size, int hevc, int nal_length_size,
    const uint8_t uuid[SEI_UUID_SIZE], sei_cb cb, void *opaque);

#endif
