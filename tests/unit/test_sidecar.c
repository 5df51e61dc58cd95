/*
 * Unit tests for codecs/sidecar: write and load, records out of order,
 * lookup within the time tolerance, a torn last record, damaged and
 * foreign files, the fingerprint, and alignment of a sidecar with a
 * recording on another timeline (including one-frame ambiguity on a slow
 * scene and a sidecar that belongs to another recording).
 */
#include "unit.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../codecs/sidecar.h"
#include "../../util/err.h"

static char dir[64];

static const char *
tmp_path(const char *name)
{
	static char p[128];

	snprintf(p, sizeof p, "%s/%s", dir, name);
	return p;
}

static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Message k of record j: a uuid then j+k filled bytes. */
static void
make_msg(uint8_t *m, size_t *len, int j, int k)
{
	*len = 16 + (size_t)(j * 7 + k);
	for (size_t i = 0; i < *len; i++)
		m[i] = (uint8_t)(i * 31 + (size_t)j * 5 + (size_t)k);
}

/* Write records for times[i] (any order), 1 + i % 3 messages each. */
static void
write_file(const char *path, const int64_t *times, int n)
{
	struct sidecar_writer *w = NULL;
	char *cause = NULL;

	unlink(path);
	assert_int_equal(sidecar_create(path, &w, &cause), 0);
	for (int j = 0; j < n; j++) {
		uint8_t fp[SIDECAR_FP_BYTES], store[3][16 + 64];
		const uint8_t *msg[3];
		size_t len[3];
		int nm = 1 + j % 3;

		memset(fp, j, sizeof fp);
		for (int k = 0; k < nm; k++) {
			make_msg(store[k], &len[k], j, k);
			msg[k] = store[k];
		}
		assert_int_equal(sidecar_write(w, times[j], fp, msg, len, nm), 0);
	}
	assert_int_equal(sidecar_close(&w), 0);
	free(cause);
}

static void
test_roundtrip(void **state)
{
	static const int64_t times[] = { 80000, 0, 40000, 160000, 120000 };
	const char *path = tmp_path("rt.cvsc");
	struct sidecar *s = NULL;
	struct sidecar_writer *w = NULL;
	char *cause = NULL;

	(void)state;
	write_file(path, times, 5);
	assert_int_equal(sidecar_load(path, &s, &cause), 0);
	assert_int_equal(sidecar_count(s), 5);
	assert_int_equal(sidecar_torn(s), 0);
	for (size_t i = 0; i < 5; i++) {
		const struct sidecar_rec *r = sidecar_get(s, i);
		int j;

		assert_int_equal(r->pts_us, (int64_t)i * 40000);	/* sorted */
		for (j = 0; times[j] != r->pts_us; j++)
			;
		assert_int_equal(r->n, 1 + j % 3);
		assert_int_equal(r->fp[0], j);
		for (int k = 0; k < r->n; k++) {
			uint8_t m[16 + 64];
			size_t len;

			make_msg(m, &len, j, k);
			assert_int_equal(r->len[k], len);
			assert_memory_equal(r->msg[k], m, len);
		}
	}
	assert_null(sidecar_get(s, 5));
	/* Lookup: within 2 ms of a record, not further. */
	assert_ptr_equal(sidecar_find(s, 40000), sidecar_get(s, 1));
	assert_ptr_equal(sidecar_find(s, 41900), sidecar_get(s, 1));
	assert_ptr_equal(sidecar_find(s, 38100), sidecar_get(s, 1));
	assert_null(sidecar_find(s, 20000));
	assert_null(sidecar_find(s, 170000));
	sidecar_free(&s);
	/* A file is never appended to or replaced. */
	assert_true(sidecar_create(path, &w, &cause) < 0);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "rt.cvsc"));
	free(cause);
	assert_null(w);
}

/* Cut the file at size - cut bytes. */
static void
truncate_by(const char *path, off_t cut)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size - cut), 0);
}

static void
test_torn(void **state)
{
	static const int64_t times[] = { 0, 40000, 80000 };
	const char *path = tmp_path("torn.cvsc");
	struct sidecar *s = NULL;
	char *cause = NULL;

	(void)state;
	for (off_t cut = 1; cut <= 40; cut += 13) {
		write_file(path, times, 3);
		truncate_by(path, cut);
		assert_int_equal(sidecar_load(path, &s, &cause), 0);
		assert_int_equal(sidecar_count(s), 2);
		assert_int_equal(sidecar_torn(s), 1);
		sidecar_free(&s);
	}
}

/* Overwrite bytes at off of path. */
static void
poke(const char *path, off_t off, const void *b, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT, 0600);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, b, n, off), (ssize_t)n);
	close(fd);
}

struct bad_case {
	const char *name;
	off_t off;		/* where to write */
	const char *bytes;
	size_t n;
	int want;
	const char *cause;	/* in the message */
};

/* Layout: header 8, then record 0: u32 len @8, pts @12, fp @20, count @276. */
static const struct bad_case bad_cases[] = {
	{ "bad/magic", 0, "CVSX", 4, ERR_FORMAT, "not a camveil sidecar" },
	{ "bad/newer_version", 4, "\x02", 1, ERR_UNSUPPORTED, "version 2" },
	{ "bad/version_zero", 4, "\x00", 1, ERR_FORMAT, "version 0" },
	{ "bad/fp_side", 5, "\x08", 1, ERR_CORRUPT, "damaged header" },
	{ "bad/huge_record", 8, "\x7f\x00\x00\x00", 4, ERR_CORRUPT, "damaged record at byte 8" },
	{ "bad/zero_messages", 276, "\x00\x00", 2, ERR_CORRUPT, "damaged record" },
	{ "bad/too_many_messages", 276, "\x00\x41", 2, ERR_CORRUPT, "damaged record" },
	{ "bad/message_overruns", 278, "\x00\x01\x00\x00", 4, ERR_CORRUPT, "damaged record" },
	{ "bad/same_time_twice", 302,
	  "\x00\x00\x00\x00\x00\x00\x00\x00", 8, ERR_CORRUPT, "two records for one frame time" },
};

static void
test_bad(void **state)
{
	const struct bad_case *c = *state;
	static const int64_t times[] = { 0, 40000, 80000 };
	const char *path = tmp_path("bad.cvsc");
	struct sidecar *s = NULL;
	char *cause = NULL;

	write_file(path, times, 3);
	poke(path, c->off, c->bytes, c->n);
	assert_int_equal(sidecar_load(path, &s, &cause), c->want);
	assert_null(s);
	assert_non_null(cause);
	if (strstr(cause, c->cause) == NULL)
		fail_msg("cause \"%s\" lacks \"%s\"", cause, c->cause);
	free(cause);
}

static void
test_not_a_file(void **state)
{
	struct sidecar *s = NULL;
	char *cause = NULL;

	(void)state;
	assert_true(sidecar_load(tmp_path("missing.cvsc"), &s, &cause) < 0);
	assert_non_null(strstr(cause, "missing.cvsc"));
	free(cause);
	cause = NULL;
	assert_int_equal(sidecar_load(dir, &s, &cause), ERR_FORMAT);
	free(cause);
	cause = NULL;
	poke(tmp_path("short.cvsc"), 0, "CVS", 3);
	assert_int_equal(sidecar_load(tmp_path("short.cvsc"), &s, &cause), ERR_FORMAT);
	assert_non_null(strstr(cause, "too short"));
	free(cause);
}

static void
test_write_limits(void **state)
{
	struct sidecar_writer *w = NULL;
	uint8_t fp[SIDECAR_FP_BYTES] = { 0 }, m[16] = { 0 };
	const uint8_t *msg[SIDECAR_MSGS_MAX + 1];
	size_t len[SIDECAR_MSGS_MAX + 1];
	char *cause = NULL;

	(void)state;
	unlink(tmp_path("lim.cvsc"));
	assert_int_equal(sidecar_create(tmp_path("lim.cvsc"), &w, &cause), 0);
	for (int i = 0; i <= SIDECAR_MSGS_MAX; i++) {
		msg[i] = m;
		len[i] = sizeof m;
	}
	assert_int_equal(sidecar_write(w, 0, fp, msg, len, 0), ERR_INVAL);
	assert_int_equal(sidecar_write(w, 0, fp, msg, len, SIDECAR_MSGS_MAX + 1), ERR_INVAL);
	len[0] = SIDECAR_RECORD_MAX + 1;
	assert_int_equal(sidecar_write(w, 0, fp, msg, len, 1), ERR_INVAL);
	len[0] = sizeof m;
	assert_int_equal(sidecar_write(w, 0, fp, msg, len, SIDECAR_MSGS_MAX), 0);
	assert_int_equal(sidecar_close(&w), 0);
	assert_null(w);
}

static void
test_fingerprint(void **state)
{
	enum { W = 64, H = 36 };
	static uint8_t y[W * H], u[W * H / 4], v[W * H / 4];
	struct image img = { { y, u, v }, { W, W / 2, W / 2 }, W, H, 1, 1, 0 };
	uint8_t fp[SIDECAR_FP_BYTES];

	(void)state;
	/* Left half 200, right half 10, one 4x2 block of 255 at cell (0,0). */
	for (int r = 0; r < H; r++)
		for (int x = 0; x < W; x++)
			y[r * W + x] = x < W / 2 ? 200 : 10;
	for (int r = 0; r < 2; r++)
		for (int x = 0; x < 4; x++)
			y[r * W + x] = 255;
	sidecar_fingerprint(&img, fp);
	/* Cells are 4 x 2 or 4 x 3 pixels (36 rows into 16). */
	assert_int_equal(fp[0], 255);
	assert_int_equal(fp[1], 200);
	assert_int_equal(fp[7], 200);
	assert_int_equal(fp[8], 10);
	assert_int_equal(fp[15 * 16 + 15], 10);
}

/*
 * A recording: n frames at 40 ms from t0, each fingerprint a small
 * random walk from the last (a slow scene: neighbours differ by little).
 */
static void
make_recording(int64_t *t, uint8_t *fp, int n, int64_t t0, uint32_t seed)
{
	uint32_t s = seed;

	for (int i = 0; i < n; i++) {
		t[i] = t0 + (int64_t)i * 40000;
		for (int c = 0; c < SIDECAR_FP_BYTES; c++) {
			int prev = i ? fp[(i - 1) * SIDECAR_FP_BYTES + c] : (int)(rnd(&s) % 200) + 28;
			int step = (int)(rnd(&s) % 7) - 3;

			int v = prev + step;

			fp[i * SIDECAR_FP_BYTES + c] = (uint8_t)(v < 2 ? 2 : v > 253 ? 253 : v);
		}
	}
}

/* A sidecar of frames first..last of the recording (codec noise +-2), at t + shift. */
static void
write_aligned(const char *path, const int64_t *t, const uint8_t *fp, int first, int last,
    int64_t shift, int skip_every)
{
	struct sidecar_writer *w = NULL;
	uint8_t m[20] = { 1 };
	const uint8_t *msg[1] = { m };
	size_t len[1] = { sizeof m };
	uint32_t s = 99;
	char *cause = NULL;

	unlink(path);
	assert_int_equal(sidecar_create(path, &w, &cause), 0);
	for (int i = first; i <= last; i++) {
		uint8_t f[SIDECAR_FP_BYTES];

		if (skip_every && i % skip_every == 0)
			continue;	/* frames without faces have no record */
		for (int c = 0; c < SIDECAR_FP_BYTES; c++)
			f[c] = (uint8_t)(fp[i * SIDECAR_FP_BYTES + c] + (int)(rnd(&s) % 5) - 2);
		assert_int_equal(sidecar_write(w, t[i] + shift, f, msg, len, 1), 0);
	}
	assert_int_equal(sidecar_close(&w), 0);
}

struct align_case {
	const char *name;
	int first, last, skip_every;
	int64_t shift;		/* sidecar time - recording time */
	int64_t rec_t0;
};

static const struct align_case align_cases[] = {
	{ "align/same_timeline", 0, 199, 0, 0, 0 },
	{ "align/recorder_restarted_time", 50, 150, 0, 7123456789, 0 },
	{ "align/negative_offset", 20, 60, 3, -3000000, 5000000 },
	{ "align/few_frames", 100, 104, 0, 1234567, 0 },
	{ "align/one_frame", 120, 120, 0, 555000, 0 },
};

static void
test_align(void **state)
{
	const struct align_case *c = *state;
	enum { N = 200 };
	static int64_t t[N];
	static uint8_t fp[N * SIDECAR_FP_BYTES];
	struct sidecar *s = NULL;
	int64_t off;
	double dist;
	size_t matched;
	char *cause = NULL;

	make_recording(t, fp, N, c->rec_t0, 7);
	write_aligned(tmp_path("al.cvsc"), t, fp, c->first, c->last, c->shift, c->skip_every);
	assert_int_equal(sidecar_load(tmp_path("al.cvsc"), &s, &cause), 0);
	assert_int_equal(sidecar_align(s, t, fp, N, &off, &dist, &matched, &cause), 0);
	assert_true(llabs(off - c->shift) <= 2000);
	assert_int_equal(matched, sidecar_count(s));
	if (dist >= 1.5)	/* the +-2 noise alone: 1.2 on average */
		fail_msg("off %lld dist %.2f matched %zu", (long long)off, dist, matched);
	/* Every record is found at its recording frame, and only there. */
	for (int i = 0; i < N; i++) {
		const struct sidecar_rec *r = sidecar_find(s, t[i]);
		int want = i >= c->first && i <= c->last &&
		    !(c->skip_every && i % c->skip_every == 0);

		assert_int_equal(r != NULL, want);
		if (r != NULL)
			assert_int_equal(r->pts_us, t[i] + c->shift);
	}
	sidecar_free(&s);
}

/* A sidecar written for another recording does not line up. */
static void
test_align_foreign(void **state)
{
	enum { N = 200 };
	static int64_t t[N], t2[N];
	static uint8_t fp[N * SIDECAR_FP_BYTES], fp2[N * SIDECAR_FP_BYTES];
	struct sidecar *s = NULL;
	int64_t off;
	double dist;
	size_t matched;
	char *cause = NULL;

	(void)state;
	make_recording(t, fp, N, 0, 7);
	make_recording(t2, fp2, N, 0, 12345);
	write_aligned(tmp_path("fo.cvsc"), t2, fp2, 0, N - 1, 0, 0);
	assert_int_equal(sidecar_load(tmp_path("fo.cvsc"), &s, &cause), 0);
	assert_int_equal(sidecar_align(s, t, fp, N, &off, &dist, &matched, &cause), ERR_CORRUPT);
	assert_non_null(strstr(cause, "does not match this recording"));
	free(cause);
	cause = NULL;
	assert_int_equal(sidecar_align(s, t, fp, 0, &off, &dist, &matched, &cause), ERR_CORRUPT);
	free(cause);
	sidecar_free(&s);
}

int
main(void)
{
	static struct unit_list l;
	int n;

	snprintf(dir, sizeof dir, "/tmp/camveil-sidecar.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	UNIT_TEST(&l, test_roundtrip);
	UNIT_TEST(&l, test_torn);
	UNIT_TABLE(&l, bad_cases, test_bad);
	UNIT_TEST(&l, test_not_a_file);
	UNIT_TEST(&l, test_write_limits);
	UNIT_TEST(&l, test_fingerprint);
	UNIT_TABLE(&l, align_cases, test_align);
	UNIT_TEST(&l, test_align_foreign);
	n = unit_run("sidecar", &l);
	{
		char cmd[128];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			n++;
	}
	return n;
}
