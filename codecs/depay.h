/*
 * RTP depacketizing on the camera side: RTP headers checked, H.264
 * (RFC 6184) and H.265 (RFC 7798) payloads joined into whole access
 * units in Annex B form, each closed as soon as the packet with the RTP
 * marker bit arrives (or, for a sender that never sets it, when the
 * timestamp moves on). Also RTCP: sender reports and BYE in, receiver
 * reports out. Pure functions over bytes the camera (or anyone on its
 * network) chose; the RTSP client (rtspc.c) owns the sockets. Fuzzed by
 * tests/fuzz/fuzz_depay.c.
 */
#ifndef CAMVEIL_DEPAY_H
#define CAMVEIL_DEPAY_H

#include <stddef.h>
#include <stdint.h>

struct depay;

struct depay_opts {
	int hevc;		/* H.265 payloads, else H.264 */
	int pt;			/* payload type to accept; others are ignored */
	int donl;		/* H.265 with DONL fields (sprop-max-don-diff > 0) */
	size_t max_au;		/* largest access unit kept, bytes */
};

struct depay_au {
	const uint8_t *data;	/* Annex B, 4-byte start codes */
	size_t size;
	uint32_t ts;		/* RTP timestamp */
	int damaged;		/* packets of it were lost or malformed */
	int key;		/* holds an IDR (H.264) or IRAP (H.265) picture */
};

struct depay_stats {
	uint64_t packets;	/* RTP packets of our payload type taken */
	uint64_t lost;		/* by sequence gaps */
	uint64_t late;		/* duplicate or behind the sequence: dropped */
	uint64_t malformed;	/* bad header or payload: dropped */
	uint64_t damaged_aus;	/* access units handed out damaged */
	uint32_t jitter;	/* interarrival jitter, RTP timestamp units */
};

int depay_create(const struct depay_opts *o, struct depay **out);
void depay_free(struct depay **d);

/*
 * Take one RTP packet. Returns 0 (taken, or ignored: other payload type),
 * or ERR_CORRUPT if it was malformed and dropped. Completed access units
 * are then fetched with depay_pop.
 */
int depay_push(struct depay *d, const uint8_t *pkt, size_t len);

/*
 * depay_push, with the packet's arrival time in RTP timestamp units (the
 * receiver's clock times the clock rate, wrapping), from which the
 * interarrival jitter of the receiver reports is estimated (RFC 3550
 * 6.4.1, A.8). depay_push alone leaves the estimate as it is.
 */
int depay_push_at(struct depay *d, const uint8_t *pkt, size_t len, uint32_t arrival);

/*
 * Next completed access unit into *au: 1, or 0 if none is ready.
 * au->data stays valid until the next depay_push or depay_pop.
 */
int depay_pop(struct depay *d, struct depay_au *au);

void depay_get_stats(const struct depay *d, struct depay_stats *st);

/* What an RTCP compound packet says. */
struct depay_rtcp {
	int have_sr;
	uint32_t sr_ssrc;
	uint64_t sr_ntp;	/* NTP 32.32 */
	uint32_t sr_rtp;	/* RTP timestamp at sr_ntp */
	int bye;		/* the sender left */
};

/*
 * Parse an RTCP compound packet. 0, or ERR_CORRUPT (nothing in *out is
 * set from a packet that fails the RFC 3550 validity checks).
 */
int depay_rtcp_parse(const uint8_t *p, size_t len, struct depay_rtcp *out);

/*
 * Write a receiver report (RR with one report block for the sender seen,
 * and SDES CNAME) into buf. lsr is the middle 32 bits of the last SR's
 * NTP time and dlsr the delay since it in 1/65536 s (0 without an SR).
 * Returns its length, or 0 if cap is too small.
 */
size_t depay_rtcp_rr(struct depay *d, uint32_t our_ssrc, const char *cname,
    uint32_t lsr, uint32_t dlsr, uint8_t *buf, size_t cap);

#endif
