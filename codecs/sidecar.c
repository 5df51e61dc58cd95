/*
 * Sidecar files (see sidecar.h): writing, reading, and lining a sidecar
 * up with a recording whose timeline the recorder chose.
 *
 * Alignment: a few records spread over the sidecar each propose the
 * offsets of the recording frames whose fingerprints are nearest to
 * theirs; every proposed offset is then scored over all records (how
 * many land on a recording frame within ALIGN_TOL_US, and how alike the
 * pictures are there). A one-frame error lands as many records as the
 * right offset on a constant-rate stream, so among the offsets that land
 * nearly the most records the most alike wins.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/err.h"
#include "codecs.h"
#include "decode.h"
#include "demux.h"
#include "sidecar.h"

#define HEADER_LEN 8
#define ALIGN_TOL_US 2000	/* containers round times to 1 ms */
#define ALIGN_PROBES 32		/* records proposing offsets */
#define ALIGN_NEAREST 3		/* offsets each proposes */
#define ALIGN_SCORE_MAX 4096	/* records scoring each offset */
#define ALIGN_MAX_DIST 12.0	/* mean difference per cell of a true match */

static const uint8_t magic[4] = { 'C', 'V', 'S', 'C' };

/* ---- fingerprint --------------------------------------------------------- */

void
sidecar_fingerprint(const struct image *img, uint8_t fp[SIDECAR_FP_BYTES])
{
	for (int cy = 0; cy < SIDECAR_FP_SIDE; cy++) {
		int y0 = img->height * cy / SIDECAR_FP_SIDE;
		int y1 = img->height * (cy + 1) / SIDECAR_FP_SIDE;

		for (int cx = 0; cx < SIDECAR_FP_SIDE; cx++) {
			int x0 = img->width * cx / SIDECAR_FP_SIDE;
			int x1 = img->width * (cx + 1) / SIDECAR_FP_SIDE;
			uint64_t sum = 0, cnt = (uint64_t)(x1 - x0) * (uint64_t)(y1 - y0);

			for (int y = y0; y < y1; y++) {
				const uint8_t *row = img->data[0] + (size_t)y * (size_t)img->linesize[0];

				for (int x = x0; x < x1; x++)
					sum += row[x];
			}
			fp[cy * SIDECAR_FP_SIDE + cx] = cnt ? (uint8_t)((sum + cnt / 2) / cnt) : 0;
		}
	}
}

static double
fp_dist(const uint8_t *a, const uint8_t *b)
{
	unsigned d = 0;

	for (int i = 0; i < SIDECAR_FP_BYTES; i++)
		d += (unsigned)abs((int)a[i] - (int)b[i]);
	return (double)d / SIDECAR_FP_BYTES;
}

/* ---- writing ------------------------------------------------------------- */

struct sidecar_writer {
	int fd;
	char *path;
	int err;
	uint8_t *buf;
	size_t cap;
};

static void
put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static uint64_t
get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : ERR_IO;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int
sidecar_create(const char *path, struct sidecar_writer **out, char **cause)
{
	uint8_t hdr[HEADER_LEN] = { 'C', 'V', 'S', 'C', SIDECAR_VERSION,
	    SIDECAR_FP_SIDE, SIDECAR_FP_SIDE, 0 };
	struct sidecar_writer *w;
	int ret;

	*out = NULL;
	w = calloc(1, sizeof *w);
	if (w == NULL || (w->path = strdup(path)) == NULL) {
		free(w);
		return ERR_NOMEM;
	}
	w->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (w->fd < 0) {
		ret = -errno;
		err_cause(cause, "sidecar %s: %s", path, strerror(errno));
		free(w->path);
		free(w);
		return ret;
	}
	if ((ret = write_all(w->fd, hdr, sizeof hdr)) < 0) {
		err_cause(cause, "sidecar %s: %s", path, err_str(ret));
		close(w->fd);
		unlink(path);
		free(w->path);
		free(w);
		return ret;
	}
	*out = w;
	return 0;
}

int
sidecar_write(struct sidecar_writer *w, int64_t pts_us, const uint8_t fp[SIDECAR_FP_BYTES],
    const uint8_t *const *msg, const size_t *len, int n)
{
	size_t size = 4 + 8 + SIDECAR_FP_BYTES + 2, off;
	int ret;

	if (n < 1 || n > SIDECAR_MSGS_MAX)
		return ERR_INVAL;
	for (int i = 0; i < n; i++) {
		if (len[i] > SIDECAR_RECORD_MAX)
			return ERR_INVAL;
		size += 4 + len[i];
	}
	if (size - 4 > SIDECAR_RECORD_MAX)
		return ERR_INVAL;
	if (size > w->cap) {
		uint8_t *b = realloc(w->buf, size);

		if (b == NULL)
			return ERR_NOMEM;
		w->buf = b;
		w->cap = size;
	}
	put_be(w->buf, size - 4, 4);
	put_be(w->buf + 4, (uint64_t)pts_us, 8);
	memcpy(w->buf + 12, fp, SIDECAR_FP_BYTES);
	put_be(w->buf + 12 + SIDECAR_FP_BYTES, (uint64_t)n, 2);
	off = 14 + SIDECAR_FP_BYTES;
	for (int i = 0; i < n; i++) {
		put_be(w->buf + off, len[i], 4);
		memcpy(w->buf + off + 4, msg[i], len[i]);
		off += 4 + len[i];
	}
	/* One write: a reader or a crash sees whole records or a torn tail. */
	ret = write_all(w->fd, w->buf, size);
	if (ret < 0 && w->err == 0)
		w->err = ret;
	return ret;
}

int
sidecar_close(struct sidecar_writer **w)
{
	int ret;

	if (w == NULL || *w == NULL)
		return 0;
	ret = (*w)->err;
	if (fsync((*w)->fd) < 0 && ret == 0)
		ret = -errno;
	if (close((*w)->fd) < 0 && ret == 0)
		ret = -errno;
	free((*w)->buf);
	free((*w)->path);
	free(*w);
	*w = NULL;
	return ret;
}

const char *
sidecar_writer_path(const struct sidecar_writer *w)
{
	return w->path;
}

/* ---- reading ------------------------------------------------------------- */

struct sidecar {
	char *path;
	uint8_t *map;
	size_t size;
	struct sidecar_rec *rec;
	size_t n;
	int torn;
	int64_t offset_us;	/* set by sidecar_align */
};

static int
cmp_rec(const void *a, const void *b)
{
	const struct sidecar_rec *x = a, *y = b;

	return (x->pts_us > y->pts_us) - (x->pts_us < y->pts_us);
}

/* Parse the record body p[0..len). 0 or ERR_CORRUPT. */
static int
parse_record(const uint8_t *p, size_t len, struct sidecar_rec *r)
{
	size_t off;

	if (len < 8 + SIDECAR_FP_BYTES + 2)
		return ERR_CORRUPT;
	r->pts_us = (int64_t)get_be(p, 8);
	r->fp = p + 8;
	r->n = (int)get_be(p + 8 + SIDECAR_FP_BYTES, 2);
	if (r->n < 1 || r->n > SIDECAR_MSGS_MAX)
		return ERR_CORRUPT;
	off = 10 + SIDECAR_FP_BYTES;
	for (int i = 0; i < r->n; i++) {
		size_t l;

		if (len - off < 4)
			return ERR_CORRUPT;
		l = (size_t)get_be(p + off, 4);
		off += 4;
		if (l > len - off)
			return ERR_CORRUPT;
		r->msg[i] = p + off;
		r->len[i] = l;
		off += l;
	}
	return off == len ? 0 : ERR_CORRUPT;
}

int
sidecar_load(const char *path, struct sidecar **out, char **cause)
{
	struct sidecar *s;
	struct stat st;
	size_t off, cap = 0;
	int fd, ret;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		err_cause(cause, "sidecar %s: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		err_cause(cause, "sidecar %s: not a regular file", path);
		return ERR_FORMAT;
	}
	s = calloc(1, sizeof *s);
	if (s == NULL || (s->path = strdup(path)) == NULL) {
		free(s);
		close(fd);
		return ERR_NOMEM;
	}
	s->size = (size_t)st.st_size;
	if (s->size < HEADER_LEN) {
		ret = ERR_FORMAT;
		err_cause(cause, "sidecar %s: not a camveil sidecar file (too short)", path);
		goto fail;
	}
	s->map = mmap(NULL, s->size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (s->map == MAP_FAILED) {
		s->map = NULL;
		ret = -errno;
		err_cause(cause, "sidecar %s: %s", path, strerror(errno));
		goto fail;
	}
	if (memcmp(s->map, magic, 4) != 0) {
		ret = ERR_FORMAT;
		err_cause(cause, "sidecar %s: not a camveil sidecar file", path);
		goto fail;
	}
	if (s->map[4] != SIDECAR_VERSION) {
		ret = s->map[4] > SIDECAR_VERSION ? ERR_UNSUPPORTED : ERR_FORMAT;
		err_cause(cause, "sidecar %s: version %d, this camveil reads version %d",
		    path, s->map[4], SIDECAR_VERSION);
		goto fail;
	}
	if (s->map[5] != SIDECAR_FP_SIDE || s->map[6] != SIDECAR_FP_SIDE || s->map[7] != 0) {
		ret = ERR_CORRUPT;
		err_cause(cause, "sidecar %s: damaged header", path);
		goto fail;
	}
	for (off = HEADER_LEN; off < s->size;) {
		size_t len;

		if (s->size - off < 4) {
			s->torn = 1;
			break;
		}
		len = (size_t)get_be(s->map + off, 4);
		if (len > SIDECAR_RECORD_MAX) {
			ret = ERR_CORRUPT;
			err_cause(cause, "sidecar %s: damaged record at byte %zu", path, off);
			goto fail;
		}
		if (len > s->size - off - 4) {
			s->torn = 1;	/* the writer stopped mid-record */
			break;
		}
		if (s->n == cap) {
			size_t nc = cap ? 2 * cap : 256;
			struct sidecar_rec *nr = realloc(s->rec, nc * sizeof *nr);

			if (nr == NULL) {
				ret = ERR_NOMEM;
				goto fail;
			}
			s->rec = nr;
			cap = nc;
		}
		if (parse_record(s->map + off + 4, len, &s->rec[s->n]) < 0) {
			ret = ERR_CORRUPT;
			err_cause(cause, "sidecar %s: damaged record at byte %zu", path, off);
			goto fail;
		}
		s->n++;
		off += 4 + len;
	}
	close(fd);
	qsort(s->rec, s->n, sizeof *s->rec, cmp_rec);
	for (size_t i = 1; i < s->n; i++)
		if (s->rec[i].pts_us == s->rec[i - 1].pts_us) {
			sidecar_free(&s);
			err_cause(cause, "sidecar %s: two records for one frame time", path);
			return ERR_CORRUPT;
		}
	*out = s;
	return 0;
fail:
	close(fd);
	sidecar_free(&s);
	return ret;
}

void
sidecar_free(struct sidecar **s)
{
	if (s == NULL || *s == NULL)
		return;
	if ((*s)->map != NULL)
		munmap((*s)->map, (*s)->size);
	free((*s)->rec);
	free((*s)->path);
	free(*s);
	*s = NULL;
}

size_t
sidecar_count(const struct sidecar *s)
{
	return s->n;
}

const struct sidecar_rec *
sidecar_get(const struct sidecar *s, size_t i)
{
	return i < s->n ? &s->rec[i] : NULL;
}

int
sidecar_torn(const struct sidecar *s)
{
	return s->torn;
}

const char *
sidecar_path(const struct sidecar *s)
{
	return s->path;
}

/* ---- alignment ----------------------------------------------------------- */

/* Index of the t_us[] nearest to v (t_us increasing, n > 0). */
static size_t
nearest(const int64_t *t, size_t n, int64_t v)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == n)
		return n - 1;
	if (lo > 0 && v - t[lo - 1] < t[lo] - v)
		return lo - 1;
	return lo;
}

struct cand {
	int64_t off;
	size_t matched;
	double dist;
};

static void
score(const struct sidecar *s, const int64_t *t_us, const uint8_t *fp, size_t n,
    struct cand *c)
{
	size_t step = s->n > ALIGN_SCORE_MAX ? s->n / ALIGN_SCORE_MAX : 1;
	double sum = 0;

	c->matched = 0;
	for (size_t j = 0; j < s->n; j += step) {
		int64_t want = s->rec[j].pts_us - c->off;
		size_t i = nearest(t_us, n, want);

		if (llabs(t_us[i] - want) > ALIGN_TOL_US)
			continue;
		sum += fp_dist(fp + i * SIDECAR_FP_BYTES, s->rec[j].fp);
		c->matched++;
	}
	c->dist = c->matched ? sum / (double)c->matched : INFINITY;
}

int
sidecar_align(struct sidecar *s, const int64_t *t_us, const uint8_t *fp,
    size_t n, int64_t *offset_us, double *dist, size_t *matched, char **cause)
{
	struct cand cands[ALIGN_PROBES * ALIGN_NEAREST], best = { 0, 0, INFINITY };
	size_t nc = 0, probes, most = 0;

	if (s->n == 0 || n == 0) {
		err_cause(cause, "sidecar %s: %s", s->path,
		    s->n == 0 ? "holds no sealed frame" : "the recording has no frames");
		return ERR_CORRUPT;
	}
	probes = s->n < ALIGN_PROBES ? s->n : ALIGN_PROBES;
	for (size_t k = 0; k < probes; k++) {
		const struct sidecar_rec *r = &s->rec[k * s->n / probes];
		size_t bi[ALIGN_NEAREST];
		double bd[ALIGN_NEAREST];
		int nb = 0;

		for (size_t i = 0; i < n; i++) {
			double d = fp_dist(fp + i * SIDECAR_FP_BYTES, r->fp);
			int at;

			if (nb < ALIGN_NEAREST)
				at = nb++;
			else if (d < bd[ALIGN_NEAREST - 1])
				at = ALIGN_NEAREST - 1;
			else
				continue;
			while (at > 0 && bd[at - 1] > d) {
				bd[at] = bd[at - 1];
				bi[at] = bi[at - 1];
				at--;
			}
			bd[at] = d;
			bi[at] = i;
		}
		for (int b = 0; b < nb; b++) {
			int64_t off = r->pts_us - t_us[bi[b]];
			size_t c;

			for (c = 0; c < nc; c++)
				if (llabs(cands[c].off - off) <= ALIGN_TOL_US)
					break;
			if (c == nc)
				cands[nc++].off = off;
		}
	}
	for (size_t c = 0; c < nc; c++) {
		score(s, t_us, fp, n, &cands[c]);
		if (cands[c].matched > most)
			most = cands[c].matched;
	}
	for (size_t c = 0; c < nc; c++)
		if (cands[c].matched * 10 >= most * 9 && cands[c].dist < best.dist)
			best = cands[c];
	if (best.matched == 0 || best.dist > ALIGN_MAX_DIST) {
		err_cause(cause, "sidecar %s does not match this recording (best: %zu frames "
		    "line up, %.1f apart)", s->path, best.matched, best.dist);
		return ERR_CORRUPT;
	}
	s->offset_us = best.off;
	*offset_us = best.off;
	*dist = best.dist;
	*matched = best.matched;
	return 0;
}

const struct sidecar_rec *
sidecar_find(const struct sidecar *s, int64_t pts_us)
{
	size_t lo = 0, hi = s->n;
	int64_t v = pts_us + s->offset_us;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->rec[mid].pts_us < v - ALIGN_TOL_US)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->n && llabs(s->rec[lo].pts_us - v) <= ALIGN_TOL_US)
		return &s->rec[lo];
	return NULL;
}

/* ---- the recording's side ------------------------------------------------ */

int
sidecar_scan_recording(const char *path, int64_t **t_out, uint8_t **fp_out, size_t *n_out,
    char **cause)
{
	struct decode_opts dopt = { 0 };
	struct demux *d = NULL;
	struct decode *dec = NULL;
	struct AVPacket *pkt = codecs_packet_alloc();
	struct AVFrame *f = codecs_frame_alloc();
	struct AVStream *st;
	int64_t *t = NULL;
	uint8_t *fp = NULL;
	size_t n = 0, cap = 0;
	int vi, ret, eof = 0;

	*t_out = NULL;
	*fp_out = NULL;
	*n_out = 0;
	if (pkt == NULL || f == NULL) {
		ret = ERR_NOMEM;
		goto out;
	}
	if ((ret = demux_open(path, &d, cause)) < 0)
		goto out;
	vi = demux_video_index(d);
	if (vi < 0) {
		err_cause(cause, "%s: no video stream", path);
		ret = ERR_FORMAT;
		goto out;
	}
	st = demux_stream(d, vi);
	if ((ret = decode_open(st, &dopt, &dec, cause)) < 0)
		goto out;
	while (!eof) {
		ret = demux_read(d, pkt);
		if (ret == ERR_EOF) {
			eof = 1;
			ret = decode_send(dec, NULL);
		} else if (ret == ERR_CORRUPT) {
			continue;
		} else if (ret < 0) {
			err_cause(cause, "%s: read error: %s", path, err_str(ret));
			goto out;
		} else {
			if (codecs_packet_stream(pkt) == vi)
				ret = decode_send(dec, pkt);
			codecs_packet_unref(pkt);
		}
		for (;;) {
			struct image img;

			ret = decode_receive(dec, f);
			if (ret == ERR_AGAIN || ret == ERR_EOF)
				break;
			if (ret == ERR_CORRUPT)
				continue;
			if (ret < 0) {
				err_cause(cause, "%s: decoding: %s", path, err_str(ret));
				goto out;
			}
			if (n == cap) {
				size_t nc = cap ? 2 * cap : 1024;
				int64_t *nt = realloc(t, nc * sizeof *nt);
				uint8_t *nf;

				if (nt == NULL) {
					ret = ERR_NOMEM;
					goto out;
				}
				t = nt;
				nf = realloc(fp, nc * SIDECAR_FP_BYTES);
				if (nf == NULL) {
					ret = ERR_NOMEM;
					goto out;
				}
				fp = nf;
				cap = nc;
			}
			t[n] = llround(codecs_frame_seconds(f, st) * 1e6);
			codecs_frame_image(f, &img);
			sidecar_fingerprint(&img, fp + n * SIDECAR_FP_BYTES);
			n++;
			codecs_frame_unref(f);
		}
	}
	/* decode_receive gives strictly increasing times: t is sorted. */
	*t_out = t;
	*fp_out = fp;
	*n_out = n;
	t = NULL;
	fp = NULL;
	ret = 0;
out:
	free(t);
	free(fp);
	codecs_frame_free(&f);
	codecs_packet_free(&pkt);
	decode_free(&dec);
	demux_free(&d);
	return ret;
}
