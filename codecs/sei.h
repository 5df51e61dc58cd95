/*
 * H.264/H.265 SEI user_data_unregistered messages: camveil carries its
 * sealed face regions in them (keys/seal makes the payloads). Writing
 * goes through the encoders (x264/x265 write AV_FRAME_DATA_SEI_UNREGISTERED
 * frame side data when `udu_sei` is set); reading parses encoded packets
 * directly, so `unlock request` never decodes video.
 */
#ifndef CAMVEIL_SEI_H
#define CAMVEIL_SEI_H

#include <stddef.h>
#include <stdint.h>

struct AVFrame;

#define SEI_UUID_SIZE 16

/*
 * Most bytes of user data per frame, all its messages together (each
 * counted with its uuid and coding overhead). libx264 writes them into
 * its output buffer without checking its size, which is 1000000 bytes at
 * small resolutions: more corrupts the encoder's heap.
 */
#define SEI_FRAME_MAX 960000

/* Largest SEI NAL unit sei_extract reads; bigger ones are ERR_CORRUPT. */
#define SEI_NAL_MAX (4 << 20)

/*
 * Attach one user_data_unregistered message (uuid + payload) to frame f
 * as side data, for an encoder opened with udu_sei. Several per frame
 * are fine; each becomes its own SEI message. payload is copied. Returns
 * 0, ERR_NOMEM, or ERR_INVAL if the frame's messages would exceed
 * SEI_FRAME_MAX (f is then unchanged).
 *
 * The encoder writes every such side data on the frame, including what
 * the decoder copied from the source's own SEI. libx265 3.5 writes each
 * message behind its own UUID (sei_extract accepts that), and it reuses
 * a recycled frame's SEI buffers without growing them: a frame with more
 * messages, or a bigger one in the same place, than an earlier frame
 * overflows x265's heap (Encoder::copyUserSEIMessages).
 */
int sei_attach(struct AVFrame *f, const uint8_t uuid[SEI_UUID_SIZE],
    const uint8_t *payload, size_t len);

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
