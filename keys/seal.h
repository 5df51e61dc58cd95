/*
 * Sealing face regions (encrypt mode): before a face is masked, the
 * original pixels of the region are compressed losslessly (zstd), and
 * encrypted (XChaCha20-Poly1305) under a key only k judicial holders
 * together can recover. The result is one self-describing payload per
 * region per frame, carried in-band as an SEI message (codecs/sei) or in
 * a sidecar file. Format: docs/KEYS.md "Seal payload".
 *
 * Keys: per camera, per segment (segment seconds of media time) and per
 * track, a fresh ElGamal encapsulation (tss_encap: R = r*B, Z = r*P, r
 * wiped at once) and key = BLAKE2b(Z, R, P, camera, segment, track). So
 * the proxy holds a region key only while its segment lasts, and an
 * unlock releases whole segments of named tracks, nothing else.
 */
#ifndef CAMVEIL_SEAL_H
#define CAMVEIL_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "../blur/geom.h"
#include "../util/image.h"
#include "judicial.h"
#include "tss.h"

#define SEAL_VERSION 1
#define SEAL_CAMERA_MAX 64
#define SEAL_MAX_SIDE 4096	/* largest region side, pixels */
#define SEAL_PAYLOAD_MAX (8u << 20)
#define SEAL_REF_BYTES 16	/* item reference: hash of its header */
/* A payload's clear header: 117 bytes and the camera name (1..64). */
#define SEAL_HEADER_MIN (117 + 1)
#define SEAL_HEADER_MAX (117 + SEAL_CAMERA_MAX)

/* The UUID of camveil's SEI user_data_unregistered messages. */
extern const uint8_t seal_uuid[16];

struct seal;

/* Where and when a region was, in the clear (authenticated) header. */
struct seal_meta {
	uint32_t track;		/* tracker id, 0 = untracked */
	uint16_t order;		/* regions sealed earlier in this frame */
	int64_t media_us;	/* frame time in the output's timeline */
	int64_t wall_us;	/* capture time, Unix microseconds; 0 = unknown */
};

/*
 * A sealer for one camera (name: 1..64 bytes, bound into every seal).
 * segment: seconds per key (> 0). level: zstd level. pk is copied.
 */
int seal_create(const struct judicial_pub *pk, const char *camera, double segment,
    int level, struct seal **out, char **cause);
void seal_free(struct seal **s);

/*
 * Seal the pixels of img inside r (luma coordinates, from
 * obscure_bounds) into a new payload (*payload malloc'd, caller frees).
 * 0, ERR_INVAL for an empty or oversized rect, ERR_NOMEM.
 */
int seal_region(struct seal *s, const struct image *img, struct rect r,
    const struct seal_meta *m, uint8_t **payload, size_t *len);

/*
 * All seals of one frame travel as one SEI message, a bundle (x265 3.5
 * corrupts its heap when a frame carries several user SEI messages):
 * version byte 1, u16 count, then count x (u32 length, seal payload).
 */
#define SEAL_BUNDLE_MAX 255
int seal_bundle(const uint8_t *const *items, const size_t *sizes, int n, uint8_t **out,
    size_t *len);
/*
 * Split a bundle (untrusted): up to max payloads, pointers into p.
 * Returns how many, or ERR_CORRUPT / ERR_UNSUPPORTED.
 */
int seal_unbundle(const uint8_t *p, size_t len, const uint8_t **items, size_t *sizes, int max);

/* Segments opened so far (each one encapsulation), for stats. */
uint64_t seal_segments(const struct seal *s);

/* A payload's clear header, parsed (pointers into the payload). */
struct seal_item {
	uint8_t key_id[JUDICIAL_KEY_ID_BYTES];
	uint32_t segment;
	struct seal_meta m;
	int frame_w, frame_h, shift_x, shift_y;
	struct rect r;
	char camera[SEAL_CAMERA_MAX + 1];
	uint8_t R[TSS_BYTES];
	const uint8_t *ad;	/* the header: authenticated, not encrypted */
	size_t ad_len;
	const uint8_t *ct;	/* compressed pixels, encrypted, with tag */
	size_t ct_len;
	uint8_t ref[SEAL_REF_BYTES];	/* BLAKE2b of the header: names the item */
};

/*
 * Parse a payload (untrusted). 0, or ERR_CORRUPT (unknown version,
 * truncated, inconsistent geometry, R not a canonical point other than
 * the identity), ERR_UNSUPPORTED for a newer version.
 */
int seal_item_parse(const uint8_t *p, size_t len, struct seal_item *it);

/*
 * Parse a clear header alone (untrusted: p, len is exactly the header,
 * as an unlock request carries it), with the same checks as
 * seal_item_parse. it->ad is p, it->ref its reference; it->ct is NULL
 * and it->ct_len 0 (there is nothing to restore from it).
 */
int seal_header_parse(const uint8_t *p, size_t len, struct seal_item *it);

/* The region key from the combined Z (secret in, secret out: wipe both). */
void seal_item_key(const struct seal_item *it, const uint8_t Z[TSS_BYTES],
    const uint8_t P[TSS_BYTES], uint8_t key[32]);

/*
 * Decrypt and decompress the item's pixels and write them into img at
 * it->r. img must be frame_w x frame_h with the same subsampling. On any
 * failure (ERR_AUTH: wrong key or altered payload; ERR_CORRUPT; ERR_INVAL
 * for a frame of another shape) img is untouched. Nothing sized by the
 * header (up to 4096x4096 pixels) is allocated before the MAC verifies.
 */
int seal_item_restore(const struct seal_item *it, const uint8_t key[32], struct image *img);

#endif
