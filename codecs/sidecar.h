/*
 * Sidecar files: the SEI user_data_unregistered messages of a stream
 * (camveil's seal bundles) written beside it, for recorders that drop SEI
 * when they store the stream. Each record is one frame's messages with
 * the frame's output time and a fingerprint of the picture (16x16 mean
 * luma), because the recorder's timeline is its own: a restore finds the
 * offset between the recording and the sidecar by matching fingerprints
 * (sidecar_align), then looks each frame's seals up by time.
 *
 * Format (docs/KEYS.md "Sidecar"): "CVSC", version u8 = 1, fingerprint
 * width u8 = 16, height u8 = 16, reserved u8 = 0; then records, each
 * u32 length of the rest, pts_us i64, fingerprint[256], count u16, count
 * x (u32 length, message: uuid then payload). Big-endian. Appended with
 * one write per record; a torn last record (crash) is ignored on reading.
 */
#ifndef CAMVEIL_SIDECAR_H
#define CAMVEIL_SIDECAR_H

#include <stddef.h>
#include <stdint.h>

#include "../util/image.h"

#define SIDECAR_VERSION 1
#define SIDECAR_FP_SIDE 16
#define SIDECAR_FP_BYTES (SIDECAR_FP_SIDE * SIDECAR_FP_SIDE)
#define SIDECAR_MSGS_MAX 64
#define SIDECAR_RECORD_MAX (16u << 20)

struct sidecar_writer;
struct sidecar;

/* The fingerprint of a picture: mean luma of a 16x16 grid of cells. */
void sidecar_fingerprint(const struct image *img, uint8_t fp[SIDECAR_FP_BYTES]);

/*
 * Create path for writing (O_EXCL: never appends to or replaces a file,
 * so each file holds one timeline). *cause names the file and problem.
 */
int sidecar_create(const char *path, struct sidecar_writer **out, char **cause);
/* Append one frame's messages (msg[i]: uuid + payload, len[i] bytes). */
int sidecar_write(struct sidecar_writer *w, int64_t pts_us, const uint8_t fp[SIDECAR_FP_BYTES],
    const uint8_t *const *msg, const size_t *len, int n);
/* Close (fsync first). Returns the first write error seen, if any. */
int sidecar_close(struct sidecar_writer **w);
const char *sidecar_writer_path(const struct sidecar_writer *w);

/* One record of a loaded file; pointers into the file's mapping. */
struct sidecar_rec {
	int64_t pts_us;
	const uint8_t *fp;
	int n;
	const uint8_t *msg[SIDECAR_MSGS_MAX];
	size_t len[SIDECAR_MSGS_MAX];
};

/*
 * Map and index a sidecar file (untrusted). Records are sorted by time.
 * ERR_FORMAT for another kind of file, ERR_UNSUPPORTED for a newer
 * version, ERR_CORRUPT for a damaged record before the last one. A torn
 * last record is dropped and counted (sidecar_torn).
 */
int sidecar_load(const char *path, struct sidecar **out, char **cause);
void sidecar_free(struct sidecar **s);
size_t sidecar_count(const struct sidecar *s);
const struct sidecar_rec *sidecar_get(const struct sidecar *s, size_t i);
int sidecar_torn(const struct sidecar *s);
const char *sidecar_path(const struct sidecar *s);

/*
 * Find and keep (for sidecar_find) the offset (sidecar time - recording
 * time, microseconds) that lines the sidecar up with a recording whose frames are at t_us[i] with
 * fingerprints fp[i * SIDECAR_FP_BYTES] (t_us increasing). *dist is the
 * mean fingerprint difference (0..255 per cell) of the records matched
 * and *matched their number. ERR_CORRUPT (with cause) when no offset
 * lines up well enough: the sidecar is not this recording's.
 */
int sidecar_align(struct sidecar *s, const int64_t *t_us, const uint8_t *fp,
    size_t n, int64_t *offset_us, double *dist, size_t *matched, char **cause);

/* The record at sidecar time pts_us (within the alignment tolerance), or NULL. */
const struct sidecar_rec *sidecar_find(const struct sidecar *s, int64_t pts_us);

/*
 * Fingerprints and times of every frame of a recording (a first pass for
 * sidecar_align): *t_us and *fp malloc'd, *n frames.
 */
int sidecar_scan_recording(const char *path, int64_t **t_us, uint8_t **fp, size_t *n,
    char **cause);

#endif
