/*
 * One camera's anonymized output, as the RTSP server serves it. The
 * camera's thread publishes encoded access units; they are packetized
 * for RTP there (once, whatever the number of readers) and handed to the
 * event loop through a small bounded queue. On the loop, the last group
 * of pictures is kept so a new reader starts at a keyframe at once, and
 * each unit is passed to the sink (the RTSP server) to fan out.
 *
 *   camera thread:  media_set_format, media_publish
 *   loop thread:    everything else
 */
#ifndef CAMVEIL_MEDIA_H
#define CAMVEIL_MEDIA_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct media;

/* One access unit as RTP packets, each stored as a 4-byte RFC 2326
 * interleave header ('$', channel 0, length) followed by the packet. */
struct media_au {
	int refs;		/* loop thread only */
	uint32_t rtp_ts;
	int key;
	double arrival;		/* CLOCK_MONOTONIC when its source frame arrived */
	int64_t wall_us;	/* capture time, us since 1970 */
	int npkts;
	size_t size;		/* bytes in data */
	uint8_t data[];
};

/* Walk the packets of au: *pkt is the RTP packet (after its 4-byte header). */
int media_au_next(const struct media_au *au, size_t *off, const uint8_t **pkt, size_t *len);

struct media_format {
	int hevc;
	int width, height;
	double fps;
	char sdp[2048];		/* media section: m=, a=rtpmap, a=fmtp (no control) */
};

typedef void (*media_sink_fn)(void *arg, struct media *m, struct media_au *au);

struct media_stats {
	int64_t aus, bytes, dropped;	/* published, queue overflow drops */
	uint64_t lat_buckets[12];	/* publish-to-send latency histogram */
	double lat_sum;
	uint64_t lat_count;
};
/* Upper bounds of the latency buckets, seconds (the last is +Inf). */
extern const double media_lat_bounds[12];

int media_create(struct event_base *base, const char *name, struct media **out);
void media_free(struct media **m);
const char *media_name(const struct media *m);

/* The sink called on the loop for every access unit. */
void media_set_sink(struct media *m, media_sink_fn fn, void *arg);

/* Camera thread: the encoder (re)opened; first_key is its first keyframe
 * (Annex B, holding the parameter sets). */
int media_set_format(struct media *m, int hevc, int width, int height,
    double fps, const uint8_t *first_key, size_t len);
/* Camera thread: the source is gone (readers keep their sessions). */
void media_clear_format(struct media *m);
/* Copy of the current format (f may be NULL to only ask); ERR_AGAIN if
 * the camera has none yet. */
int media_get_format(struct media *m, struct media_format *f);

/*
 * Camera thread: one encoded access unit (Annex B), pts in 1/90000.
 * arrival: when its frame arrived (monotonic); wall_us its capture time.
 */
int media_publish(struct media *m, const uint8_t *data, size_t len,
    int64_t pts90k, int key, double arrival, int64_t wall_us);

/* Loop thread: the cached units from the last keyframe on (borrowed). */
int media_gop(struct media *m, struct media_au ***aus);
/* Loop thread: bytes in the cached group of pictures. */
size_t media_gop_bytes(const struct media *m);
/* The last unit's (rtp_ts, wall_us), for sender reports; 0 if none. */
int media_clock(struct media *m, uint32_t *rtp_ts, int64_t *wall_us);
uint32_t media_ssrc(const struct media *m);
void media_au_ref(struct media_au *au);
void media_au_unref(struct media_au **au);

void media_get_stats(struct media *m, struct media_stats *s);

#endif
