/*
 * RTP for the RTSP server: cuts encoded H.264/H.265 access units into RTP
 * packets (RFC 3550, RFC 6184, RFC 7798), writes the RTCP sender reports
 * and reads the receiver reports recorders send back, and describes the
 * stream in SDP. Pure byte work, no sockets and no libav*: the session
 * code owns the transport (UDP or RTSP-interleaved TCP) and the clock.
 */
#ifndef CAMVEIL_RTP_H
#define CAMVEIL_RTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define RTP_HEADER_LEN 12
/* Smallest MTU that still carries one byte of an H.265 FU fragment. */
#define RTP_MTU_MIN (RTP_HEADER_LEN + 3 + 1)
/* A jumbo Ethernet frame; rtp_packetize builds packets on the stack. */
#define RTP_MTU_MAX 9000

enum rtp_codec { RTP_H264, RTP_H265 };

/*
 * One outgoing RTP stream. The caller fills codec, pt, ssrc, seq and mtu
 * (random ssrc and seq, as RFC 3550 asks) and zeroes the counters;
 * rtp_packetize advances seq and the counters.
 */
struct rtp_packetizer {
	enum rtp_codec codec;
	uint8_t pt;		/* payload type, 0..127, e.g. 96 */
	uint32_t ssrc;
	uint16_t seq;		/* next sequence number, wraps */
	size_t mtu;		/* max RTP packet incl. 12-byte header, e.g. 1400 */
	uint32_t packets;	/* packets emitted, for the SR; wraps */
	uint32_t octets;	/* payload octets emitted (no headers); wraps */
};

/*
 * Iterate the NAL units of an Annex B byte stream (3- or 4-byte start
 * codes). *p is the cursor, initially the start of the buffer. Returns 1
 * and points *nal, *len at the next NAL unit (inside the buffer, without
 * start code, trailing zero bytes stripped), or 0 at the end. Bytes
 * before the first start code and empty NAL units are skipped.
 */
int rtp_next_nal(const uint8_t **p, const uint8_t *end, const uint8_t **nal,
    size_t *len);

/*
 * Receives one RTP packet (pkt is only valid during the call). Returns 0
 * to go on, or a negative error code to stop packetizing.
 */
typedef int (*rtp_emit_fn)(void *ctx, const uint8_t *pkt, size_t len);

/*
 * Packetize one access unit (Annex B) with 90 kHz timestamp ts: a single
 * NAL unit packet when a NAL fits in the MTU, FU-A (RFC 6184 5.8) or FU
 * (RFC 7798 4.4.3) fragments of near-equal size otherwise. The marker bit
 * is set on the last packet of the access unit. Access unit delimiters
 * (H.264 type 9, H.265 type 35) are dropped, as are H.265 NAL units
 * shorter than their 2-byte header.
 *
 * Calls emit once per packet. seq advances for every packet handed to
 * emit, so a receiver sees a gap where an access unit was cut short;
 * packets/octets count only those emit accepted. Returns the number of
 * packets, 0 if nothing was left to send, ERR_INVAL for an mtu outside
 * [RTP_MTU_MIN, RTP_MTU_MAX] or a pt above 127, or emit's error
 * (a positive return from emit becomes ERR_IO).
 */
int rtp_packetize(struct rtp_packetizer *s, const uint8_t *au, size_t len,
    uint32_t ts, rtp_emit_fn emit, void *ctx);

/*
 * Write a compound RTCP packet into out: a sender report (RFC 3550
 * 6.4.1) with no report blocks, then an SDES with the CNAME (not NULL,
 * at most 255 bytes, not NUL-terminated on the wire). ntp is a 64-bit
 * NTP timestamp (see rtp_ntp_time) taken at the same instant as rtp_ts;
 * packets and octets are the packetizer's counters. Returns the length
 * written, or 0 if cap is too small or cname too long.
 */
size_t rtcp_sender_report(uint32_t ssrc, uint64_t ntp, uint32_t rtp_ts,
    uint32_t packets, uint32_t octets, const char *cname, uint8_t *out,
    size_t cap);

/*
 * 64-bit NTP timestamp (32.32 fixed point, from 1900) of a
 * CLOCK_REALTIME time.
 */
uint64_t rtp_ntp_time(const struct timespec *ts);

/* One reception report block (RFC 3550 6.4.1) as a recorder sent it. */
struct rtcp_report_block {
	uint32_t ssrc;		/* the source reported on, i.e. us */
	uint8_t fraction_lost;	/* lost since last report, in 1/256 */
	int32_t cum_lost;	/* total lost, 24-bit signed */
	uint32_t ext_high_seq;	/* extended highest sequence number received */
	uint32_t jitter;	/* interarrival jitter, RTP timestamp units */
	uint32_t lsr;		/* middle 32 bits of the last SR's NTP time */
	uint32_t dlsr;		/* delay since that SR, 1/65536 s */
};

#define RTCP_RR_MAX_BLOCKS 31	/* the 5-bit report count */

/* What rtcp_parse_rr found in one compound RTCP packet. */
struct rtcp_rr {
	uint32_t ssrc;		/* the reporter */
	int nblocks;
	struct rtcp_report_block blocks[RTCP_RR_MAX_BLOCKS];
	int bye;		/* the compound packet contained a BYE */
};

/*
 * Parse a compound RTCP packet from a receiver (p/len from the network,
 * any bytes): checks it as RFC 3550 A.2 does (version 2 everywhere, the
 * first packet an SR or RR without padding, padding only in the last,
 * lengths adding up to len) and reads the report blocks of the first
 * SR/RR. Returns 0, or ERR_CORRUPT with *out zeroed.
 */
int rtcp_parse_rr(const uint8_t *p, size_t len, struct rtcp_rr *out);

/*
 * Write the SDP media section for the stream into out (NUL-terminated):
 *
 *   m=video 0 RTP/AVP 96
 *   a=rtpmap:96 H264/90000
 *   a=fmtp:96 packetization-mode=1;profile-level-id=42c00d;sprop-parameter-sets=Z0LADdk...,aMuDyyA=
 *
 * or for H.265 "a=rtpmap:96 H265/90000" and
 * "a=fmtp:96 sprop-vps=...;sprop-sps=...;sprop-pps=...", each line ending
 * in CRLF. The parameter sets come from the encoder's extradata, either
 * Annex B or an avcC (H.264) / hvcC (H.265) record, told apart by the
 * leading start code; every SPS/PPS/VPS found is listed, base64, in
 * order. The caller appends a=control. Returns the length (without the
 * NUL); ERR_CORRUPT if the extradata is truncated or malformed;
 * ERR_FORMAT if it lacks an SPS or PPS (or VPS for H.265);
 * ERR_UNSUPPORTED for more than 16 of a kind; ERR_INVAL if cap is too
 * small or pt above 127. On error out is "" (if cap > 0).
 */
int rtp_sdp_media(enum rtp_codec c, uint8_t pt, const uint8_t *extradata,
    size_t len, char *out, size_t cap);

#endif
