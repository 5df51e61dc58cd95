/*
 * Unit tests for keys/: threshold ElGamal (tss), the judicial key and
 * share files, sealing face regions and the unlock documents, all on
 * real libsodium and zstd. Golden vectors (docs/KEYS-vectors.md) pin the
 * group encodings, Lagrange coefficients, the region-key KDF, the public
 * key encoding and one complete seal payload, so a change to any of them
 * shows. Forgeries (bit flips, truncations, replays, wrong keys, wrong
 * holders) must all fail; where a change goes unnoticed by design the
 * test says so and checks the weaker property that does hold.
 *
 * A weakness found in review gets a case here that fails while the
 * weakness is there (holders beyond k, non-canonical points, raised
 * thresholds, request keys or items outside the order's scope, ...).
 *
 * KEYS_SEED_DIR=dir build/tests/test_keys also writes the fuzz seed
 * corpora (dir/{seal,request,approval,share}/) from the real objects.
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "../../blur/obscure.h"
#include "../../keys/armor.h"
#include "../../keys/judicial.h"
#include "../../keys/seal.h"
#include "../../keys/tss.h"
#include "../../keys/unlock.h"
#include "../../keys/wire.h"
#include "../../util/err.h"

#define B32 TSS_BYTES
#define MAXH 7		/* most holders any case here deals */
#define ZERO64 "0000000000000000000000000000000000000000000000000000000000000000"

/* ---- golden vectors (docs/KEYS-vectors.md) ---------------------------- */

#define GV_S "8ba968bf544484c37299ebd02f5e5b67f24a9b7d7736ce47e0345a526c73080e"
#define GV_R_SC "a2d13fc3fe1c9863382470c18cdff8694a037c667c738e081b92b26afc655900"
#define GV_A1 "95a20489b5d3346a6f48f2fb8e8b102259a595c8a4994d1fc6a3f1e94948080f"
#define GV_P "8653354a31330ac731d82adca9086aff9e2ad160d80977fc2984cb91f00dcb76"
#define GV_R "fc31c6c6de3fefd76b38befe7bd040219b8b9a3d56bdf56f307645489902100e"
#define GV_Z "fe7f137b1503b3b87f3345e7e4ae84b90c5274f8e3c207efa45a9776de1f2d25"
#define GV_KEY "9c72d8fbb5a916773c4aff6a0565ea4e0d76bdd8d58bda558dffd8c3bb56161b"
#define GV_S1 "337877ebefb4a6d50b45e629e0ef8c744bf030461cd01b67a6d84b3cb6bb100d"
#define GV_S2 "db4686178b25c9e7a4f0e0829081be81a495c60ec16969866c7c3d260004190c"
#define GV_S3 "831595432696ebf93d9cdbdb4013f08efd3a5cd76503b7a532202f104a4c210b"
#define GV_P1 "44c1c35a0e964c9313b937615d51b28b7093b350285b3db37e3b1fc2fbec3d74"
#define GV_P2 "ce5c9df1fa11e57d6ae0b248cc17458087dbb3c18c7fbf88f5cb2e78e0007762"
#define GV_P3 "2c6310f23ded029646595df6746f8babc5b48a37529d29fd0a60b8329121de49"
#define GV_PUB "4356504b010203" GV_P "05616c696365" GV_P1 "03626f62" GV_P2 \
    "056361726f6c" GV_P3
#define GV_KEY_ID "265bf32aa827ed8169610c0be09a9477"
#define GV_NONCE "202122232425262728292a2b2c2d2e2f3031323334353637"
#define GV_HEADER "01010111" "0102030405060708090a0b0c0d0e0f10" "00000007" "00000003" \
    "0001" "0000" "00000000001e8480" "00060a24181e4000" "0006" "0004" \
    "0002" "0000" "0004" "0004" "056c6f626279" GV_R GV_NONCE
#define GV_CT "e2b9e41bc75539a0bd70e36394bab629be92c0374aec89ddba2d2efcf6d22c4e" \
    "b0e6c43c5283b87bc704d4858c3247a596"
#define GV_REF "36f1d4f464be6e612d3c07e8b2172fd6"
#define GV_ZSTD "28b52ffd2018c100005a2525255b2525255b00005b5b2525258909fb005d031103"
/* Lagrange at 0 for {2,5,7}: 7/3, -7/3, 1 mod L. */
#define GV_L257_0 "4b8d4e9311420c903913a56c94a694b8aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa0a"
#define GV_L257_1 "a246a7c9082106c89c8952364a534a5c55555555555555555555555555555505"
#define SC_1 "0100000000000000000000000000000000000000000000000000000000000000"
#define SC_3 "0300000000000000000000000000000000000000000000000000000000000000"
/* L - 3 */
#define SC_M3 "ead3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010"

/* ---- helpers ----------------------------------------------------------- */

/* Decode hex into out (exactly want bytes, else the test fails). */
static void
unhex(const char *s, uint8_t *out, size_t want)
{
	size_t n = 0;

	for (; s[0] != '\0'; s += 2) {
		int hi = unit_hexval(s[0]), lo = s[1] != '\0' ? unit_hexval(s[1]) : -1;

		if (hi < 0 || lo < 0 || n == want)
			fail_msg("bad hex in test table: %s", s);
		out[n++] = (uint8_t)(hi << 4 | lo);
	}
	if (n != want)
		fail_msg("hex is %zu bytes, want %zu", n, want);
}

/* Compare bytes with a hex string (shows both on failure). */
static void
assert_hex(const uint8_t *p, size_t n, const char *want)
{
	char *got = malloc(2 * n + 1);

	assert_non_null(got);
	sodium_bin2hex(got, 2 * n + 1, p, n);
	assert_string_equal(got, want);
	free(got);
}

static uint32_t
xs(uint32_t *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 17;
	*st ^= *st << 5;
	return *st;
}

static uint32_t rng_state = 0x9e3779b9;

static uint32_t
rng(void)
{
	return xs(&rng_state);
}

static uint8_t *
dup_bytes(const uint8_t *p, size_t len)
{
	uint8_t *q = malloc(len > 0 ? len : 1);

	assert_non_null(q);
	memcpy(q, p, len);
	return q;
}

static void
no_cause(char **cause)
{
	free(*cause);
	*cause = NULL;
}

/* Write a fuzz seed when KEYS_SEED_DIR is set. */
static void
seed_write(const char *sub, const char *name, const void *p, size_t len)
{
	const char *dir = getenv("KEYS_SEED_DIR");
	char path[4096];
	FILE *fp;

	if (dir == NULL)
		return;
	snprintf(path, sizeof path, "%s/%s", dir, sub);
	(void)mkdir(dir, 0755);
	(void)mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(p, 1, len, fp), len);
	fclose(fp);
}

static char tmp_root[64];

/* A fresh empty directory per call, under one mkdtemp root. */
static void
tmp_dir(char *out, size_t outsz)
{
	static int seq;

	if (tmp_root[0] == '\0') {
		strcpy(tmp_root, "/tmp/camveil-keys-XXXXXX");
		assert_non_null(mkdtemp(tmp_root));
	}
	snprintf(out, outsz, "%s/%d", tmp_root, seq++);
	assert_int_equal(mkdir(out, 0700), 0);
}

static void
tmp_cleanup(void)
{
	char cmd[128];

	if (tmp_root[0] == '\0')
		return;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmp_root);
}

static char *
read_text(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = malloc(1 << 20);
	size_t n;

	assert_non_null(fp);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 20) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

/* ---- keys for the tests ------------------------------------------------ */

static const char *const names[MAXH] = {
	"alice", "bob", "carol", "dave", "erin", "frank", "grace",
};

/* A dealt split and its public key. */
struct kit {
	int k, n;
	uint8_t P[B32];
	uint8_t *s;			/* n shares, sodium_malloc */
	uint8_t pubs[MAXH * B32];
	struct judicial_pub *pk;
};

static void
kit_init(struct kit *kt, int k, int n)
{
	char *cause = NULL;

	memset(kt, 0, sizeof *kt);
	kt->k = k;
	kt->n = n;
	kt->s = sodium_malloc((size_t)n * B32);
	assert_non_null(kt->s);
	assert_int_equal(tss_deal(k, n, kt->P, kt->s, kt->pubs), 0);
	assert_int_equal(judicial_pub_create(k, n, kt->P, kt->pubs, names, &kt->pk, &cause), 0);
	assert_null(cause);
}

static void
kit_fini(struct kit *kt)
{
	sodium_free(kt->s);
	judicial_pub_free(&kt->pk);
}

/* Holder index's share as an opened share file would give it. */
static struct judicial_share *
kit_share(const struct kit *kt, int index)
{
	struct judicial_share *sh = calloc(1, sizeof *sh);
	char *cause = NULL;

	assert_non_null(sh);
	assert_int_equal(judicial_pub_parse(kt->pk->blob, kt->pk->blob_len, &sh->pk, &cause), 0);
	sh->index = index;
	sh->secret = sodium_malloc(B32);
	assert_non_null(sh->secret);
	memcpy(sh->secret, kt->s + (size_t)(index - 1) * B32, B32);
	return sh;
}

/* A public key blob written field by field (the format in docs/KEYS.md). */
static uint8_t *
pub_blob(int k, int n, const uint8_t *P, const char *const *nm, const uint8_t *pubs,
    size_t *len)
{
	struct wire_w w;

	wire_w_init(&w, JUDICIAL_PUB_MAX);
	wire_bytes(&w, "CVPK", 4);
	wire_u8(&w, 1);
	wire_u8(&w, (uint8_t)k);
	wire_u8(&w, (uint8_t)n);
	wire_bytes(&w, P, B32);
	for (int i = 0; i < n; i++) {
		wire_str8(&w, nm[i]);
		wire_bytes(&w, pubs + (size_t)i * B32, B32);
	}
	assert_int_equal(w.err, 0);
	*len = w.len;
	return w.p;
}

/* ---- pictures ---------------------------------------------------------- */

struct pic {
	struct image im;
	int pw[3], ph[3];
	uint8_t *buf[3];
	size_t size[3];
};

/* A w x h picture: gradients plus noise, strides padded by an odd amount. */
static void
pic_init(struct pic *p, int w, int h, int sx, int sy, uint32_t seed)
{
	memset(p, 0, sizeof *p);
	p->im.width = w;
	p->im.height = h;
	p->im.shift_x = sx;
	p->im.shift_y = sy;
	for (int pl = 0; pl < 3; pl++) {
		int pw = pl ? (w + (1 << sx) - 1) >> sx : w;
		int ph = pl ? (h + (1 << sy) - 1) >> sy : h;
		int ls = pw + 13;

		p->pw[pl] = pw;
		p->ph[pl] = ph;
		p->im.linesize[pl] = ls;
		p->size[pl] = (size_t)ls * (size_t)ph;
		p->buf[pl] = malloc(p->size[pl]);
		assert_non_null(p->buf[pl]);
		p->im.data[pl] = p->buf[pl];
		for (int y = 0; y < ph; y++)
			for (int x = 0; x < ls; x++)
				p->buf[pl][(size_t)y * ls + x] = (uint8_t)(x * 200 / (pw + 1) +
				    y * 3 + pl * 50 + (int)(xs(&seed) % 23));
	}
}

static void
pic_copy(struct pic *dst, const struct pic *src)
{
	*dst = *src;
	for (int pl = 0; pl < 3; pl++) {
		dst->buf[pl] = dup_bytes(src->buf[pl], src->size[pl]);
		dst->im.data[pl] = dst->buf[pl];
	}
}

static void
pic_fini(struct pic *p)
{
	for (int pl = 0; pl < 3; pl++)
		free(p->buf[pl]);
	memset(p, 0, sizeof *p);
}

static int
pic_equal(const struct pic *a, const struct pic *b)
{
	for (int pl = 0; pl < 3; pl++)
		if (a->size[pl] != b->size[pl] || memcmp(a->buf[pl], b->buf[pl], a->size[pl]) != 0)
			return 0;
	return 1;
}

/*
 * after must equal orig inside r (widened to whole chroma samples on
 * the chroma planes) and before everywhere else, padding included.
 */
static void
check_restored(const struct pic *orig, const struct pic *before, const struct pic *after,
    struct rect r)
{
	int sx = orig->im.shift_x, sy = orig->im.shift_y;

	for (int pl = 0; pl < 3; pl++) {
		int x0 = pl ? r.x >> sx : r.x, y0 = pl ? r.y >> sy : r.y;
		int x1 = pl ? (r.x + r.w + (1 << sx) - 1) >> sx : r.x + r.w;
		int y1 = pl ? (r.y + r.h + (1 << sy) - 1) >> sy : r.y + r.h;
		int ls = orig->im.linesize[pl];

		for (int y = 0; y < orig->ph[pl]; y++)
			for (int x = 0; x < ls; x++) {
				size_t o = (size_t)y * ls + x;
				int in = x >= x0 && x < x1 && y >= y0 && y < y1;
				uint8_t want = in ? orig->buf[pl][o] : before->buf[pl][o];

				if (after->buf[pl][o] != want)
					fail_msg("plane %d (%d,%d) %s the rect: got %d want %d", pl, x,
					    y, in ? "inside" : "outside", after->buf[pl][o], want);
			}
	}
}

/* ---- tss: deal and combine --------------------------------------------- */

struct deal_case {
	const char *name;
	int k, n;
};

static struct deal_case deal_cases[] = {
	{ "tss/deal_1_of_1", 1, 1 },
	{ "tss/deal_2_of_3", 2, 3 },
	{ "tss/deal_3_of_5", 3, 5 },
	{ "tss/deal_5_of_5", 5, 5 },
	{ "tss/deal_4_of_7", 4, 7 },
};

static int
binom(int n, int k)
{
	int r = 1;

	for (int i = 1; i <= k; i++)
		r = r * (n - k + i) / i;
	return r;
}

/* Holders in mask (bit i-1 = holder i): indices and their partials. */
static int
pick(unsigned mask, int n, const uint8_t *D, int *idx, uint8_t *sel)
{
	int m = 0;

	for (int i = 1; i <= n; i++)
		if (mask & 1u << (i - 1)) {
			idx[m] = i;
			memcpy(sel + (size_t)m * B32, D + (size_t)(i - 1) * B32, B32);
			m++;
		}
	return m;
}

static void
test_deal(void **state)
{
	const struct deal_case *c = *state;
	uint8_t P[B32], R[B32], Z[B32], ctx[B32], got[B32], chk[B32];
	uint8_t pubs[MAXH * B32], D[MAXH * B32], proof[MAXH * TSS_PROOF_BYTES];
	uint8_t sel[(MAXH + 1) * B32], rnd[B32];
	int idx[MAXH + 1], subsets = 0;
	uint8_t *s = sodium_malloc((size_t)c->n * B32);

	assert_non_null(s);
	assert_int_equal(tss_deal(c->k, c->n, P, s, pubs), 0);
	assert_int_equal(crypto_core_ristretto255_is_valid_point(P), 1);
	for (int i = 0; i < c->n; i++) {
		assert_int_equal(tss_share_pub(s + i * B32, chk), 0);
		assert_memory_equal(chk, pubs + i * B32, B32);
		/* k = 1: every share is the secret; else shares differ. */
		if (c->k == 1)
			assert_memory_equal(pubs + i * B32, P, B32);
		else
			for (int j = 0; j < i; j++)
				assert_memory_not_equal(s + i * B32, s + j * B32, B32);
	}
	assert_int_equal(tss_encap(P, R, Z), 0);
	randombytes_buf(ctx, sizeof ctx);
	for (int i = 0; i < c->n; i++) {
		assert_int_equal(tss_partial(s + i * B32, pubs + i * B32, R, ctx, D + i * B32,
		    proof + i * TSS_PROOF_BYTES), 0);
		assert_int_equal(tss_verify(pubs + i * B32, R, D + i * B32, ctx,
		    proof + i * TSS_PROOF_BYTES), 0);
		assert_int_equal(crypto_scalarmult_ristretto255(chk, s + i * B32, R), 0);
		assert_memory_equal(chk, D + i * B32, B32);
	}
	for (unsigned mask = 1; mask < 1u << c->n; mask++) {
		int m = pick(mask, c->n, D, idx, sel);

		if (m == c->k || m == c->k + 1) {
			int ridx[MAXH + 1];
			uint8_t rsel[(MAXH + 1) * B32];

			assert_int_equal(tss_combine(idx, sel, m, got), 0);
			assert_memory_equal(got, Z, B32);
			/* Order does not matter. */
			for (int j = 0; j < m; j++) {
				ridx[j] = idx[m - 1 - j];
				memcpy(rsel + j * B32, sel + (m - 1 - j) * B32, B32);
			}
			assert_int_equal(tss_combine(ridx, rsel, m, got), 0);
			assert_memory_equal(got, Z, B32);
			subsets += m == c->k;
		} else if (m == c->k - 1) {
			int miss = 1;

			assert_int_equal(tss_combine(idx, sel, m, got), 0);
			assert_memory_not_equal(got, Z, B32);
			while (mask & 1u << (miss - 1))
				miss++;
			/* Padded with a random point for a missing holder. */
			idx[m] = miss;
			crypto_core_ristretto255_random(rnd);
			memcpy(sel + m * B32, rnd, B32);
			assert_int_equal(tss_combine(idx, sel, m + 1, got), 0);
			assert_memory_not_equal(got, Z, B32);
			/* Padded with a present holder's partial under the missing index. */
			memcpy(sel + m * B32, sel, B32);
			if (tss_combine(idx, sel, m + 1, got) == 0)
				assert_memory_not_equal(got, Z, B32);
			/* The same holder listed twice. */
			idx[m] = idx[0];
			assert_int_equal(tss_combine(idx, sel, m + 1, got), ERR_INVAL);
			assert_memory_equal(got, (uint8_t[B32]){ 0 }, B32);
		}
	}
	assert_int_equal(subsets, binom(c->n, c->k));
	if (c->k == 1) {
		assert_int_equal(tss_combine(idx, D, 0, got), ERR_INVAL);
		assert_memory_equal(got, (uint8_t[B32]){ 0 }, B32);
	}
	sodium_free(s);
}

static void
test_deal_bounds(void **state)
{
	uint8_t P[B32], pubs[256 * B32], R[B32], Z[B32], zero[B32] = { 0 };
	uint8_t *s = sodium_malloc(256 * B32);

	(void)state;
	assert_non_null(s);
	assert_int_equal(tss_deal(0, 1, P, s, pubs), ERR_INVAL);
	assert_int_equal(tss_deal(2, 1, P, s, pubs), ERR_INVAL);
	assert_int_equal(tss_deal(1, 256, P, s, pubs), ERR_INVAL);
	assert_int_equal(tss_deal(-1, 3, P, s, pubs), ERR_INVAL);
	/* The most holders: index 255 must still be encoded right. */
	assert_int_equal(tss_deal(3, 255, P, s, pubs), 0);
	{
		int idx[3] = { 255, 128, 1 };
		uint8_t D[3 * B32], got[B32];

		assert_int_equal(tss_encap(P, R, Z), 0);
		for (int j = 0; j < 3; j++)
			assert_int_equal(crypto_scalarmult_ristretto255(D + j * B32,
			    s + (idx[j] - 1) * B32, R), 0);
		assert_int_equal(tss_combine(idx, D, 3, got), 0);
		assert_memory_equal(got, Z, B32);
	}
	/* encap refuses bad public keys. */
	assert_int_equal(tss_encap(zero, R, Z), ERR_INVAL);
	memset(P, 0xff, B32);
	assert_int_equal(tss_encap(P, R, Z), ERR_INVAL);
	sodium_free(s);
}

/* ---- tss: Lagrange ----------------------------------------------------- */

struct lag_case {
	const char *name;
	int idx[8];
	int k, j, ret;
	const char *want;
};

static struct lag_case lag_cases[] = {
	{ "lagrange/123_j0", { 1, 2, 3 }, 3, 0, 0, SC_3 },
	{ "lagrange/123_j1", { 1, 2, 3 }, 3, 1, 0, SC_M3 },
	{ "lagrange/123_j2", { 1, 2, 3 }, 3, 2, 0, SC_1 },
	{ "lagrange/257_j0", { 2, 5, 7 }, 3, 0, 0, GV_L257_0 },
	{ "lagrange/257_j1", { 2, 5, 7 }, 3, 1, 0, GV_L257_1 },
	{ "lagrange/257_j2", { 2, 5, 7 }, 3, 2, 0, SC_1 },
	{ "lagrange/single", { 9 }, 1, 0, 0, SC_1 },
	{ "lagrange/order_free", { 7, 2, 5 }, 3, 1, 0, GV_L257_0 },
	{ "lagrange/repeat_self", { 1, 2, 1 }, 3, 0, ERR_INVAL, NULL },
	{ "lagrange/repeat_others", { 1, 2, 1 }, 3, 1, ERR_INVAL, NULL },
	{ "lagrange/zero_index", { 0, 1 }, 2, 1, ERR_INVAL, NULL },
	{ "lagrange/negative_index", { -1, 1 }, 2, 1, ERR_INVAL, NULL },
	{ "lagrange/index_256", { 256, 1 }, 2, 1, ERR_INVAL, NULL },
	{ "lagrange/index_255", { 255, 1 }, 2, 1, 0, NULL },
	{ "lagrange/j_past_k", { 1, 2 }, 2, 2, ERR_INVAL, NULL },
	{ "lagrange/j_negative", { 1, 2 }, 2, -1, ERR_INVAL, NULL },
};

static void
test_lagrange(void **state)
{
	const struct lag_case *c = *state;
	uint8_t l[B32];

	assert_int_equal(tss_lagrange(c->idx, c->k, c->j, l), c->ret);
	if (c->want != NULL)
		assert_hex(l, B32, c->want);
}

/* sum lambda_j = 1 and sum lambda_j x_j = 0 (f = 1 and f = x at 0). */
static void
test_lagrange_sums(void **state)
{
	(void)state;
	for (int iter = 0; iter < 300; iter++) {
		int k = 1 + (int)(rng() % 8), idx[8];
		uint8_t sum[B32] = { 0 }, xsum[B32] = { 0 }, l[B32], t[B32], x[B32];

		for (int j = 0; j < k; j++) {
			int dup;

			do {
				idx[j] = 1 + (int)(rng() % 255);
				dup = 0;
				for (int q = 0; q < j; q++)
					dup |= idx[q] == idx[j];
			} while (dup);
		}
		for (int j = 0; j < k; j++) {
			assert_int_equal(tss_lagrange(idx, k, j, l), 0);
			crypto_core_ristretto255_scalar_add(t, sum, l);
			memcpy(sum, t, B32);
			memset(x, 0, B32);
			x[0] = (uint8_t)idx[j];
			crypto_core_ristretto255_scalar_mul(t, l, x);
			crypto_core_ristretto255_scalar_add(l, xsum, t);
			memcpy(xsum, l, B32);
		}
		assert_hex(sum, B32, SC_1);
		if (k > 1)
			assert_hex(xsum, B32, ZERO64);
	}
}

/* ---- tss: DLEQ proofs --------------------------------------------------- */

enum vmut {
	V_HONEST, V_FLIP_D, V_FLIP_C, V_FLIP_Z, V_FLIP_CTX, V_FLIP_R, V_FLIP_PUB,
	V_OTHER_R, V_OTHER_R_OWN_D, V_OTHER_PUB, V_OTHER_SHARE_D, V_OTHER_SHARE_BOTH,
	V_C_PLUS_L, V_Z_PLUS_L, V_ZERO_C, V_ZERO_Z, V_SWAP_CZ, V_NEG_D,
	V_IDENTITY_D, V_IDENTITY_R, V_IDENTITY_PUB, V_NONCANON_D, V_NEGATIVE_D, V_D_IS_R,
	V_BIT255_D, V_BIT255_R, V_BIT255_PUB,
};

struct vfy_case {
	const char *name;
	enum vmut mut;
};

static struct vfy_case vfy_cases[] = {
	{ "verify/honest", V_HONEST },
	{ "verify/flip_each_bit_of_D", V_FLIP_D },
	{ "verify/flip_each_bit_of_c", V_FLIP_C },
	{ "verify/flip_each_bit_of_z", V_FLIP_Z },
	{ "verify/flip_each_bit_of_ctx", V_FLIP_CTX },
	{ "verify/flip_each_bit_of_R", V_FLIP_R },
	{ "verify/flip_each_bit_of_pub", V_FLIP_PUB },
	{ "verify/proof_for_other_R", V_OTHER_R },
	{ "verify/other_R_with_its_D", V_OTHER_R_OWN_D },
	{ "verify/other_share_pub", V_OTHER_PUB },
	{ "verify/other_share_D", V_OTHER_SHARE_D },
	{ "verify/other_share_D_and_proof", V_OTHER_SHARE_BOTH },
	{ "verify/c_plus_L", V_C_PLUS_L },
	{ "verify/z_plus_L", V_Z_PLUS_L },
	{ "verify/zero_c", V_ZERO_C },
	{ "verify/zero_z", V_ZERO_Z },
	{ "verify/swapped_c_z", V_SWAP_CZ },
	{ "verify/negated_D", V_NEG_D },
	{ "verify/identity_D", V_IDENTITY_D },
	{ "verify/identity_R", V_IDENTITY_R },
	{ "verify/identity_pub", V_IDENTITY_PUB },
	{ "verify/noncanonical_D", V_NONCANON_D },
	{ "verify/negative_encoding_D", V_NEGATIVE_D },
	{ "verify/D_equals_R", V_D_IS_R },
	{ "verify/bit255_of_D", V_BIT255_D },
	{ "verify/bit255_of_R", V_BIT255_R },
	{ "verify/bit255_of_pub", V_BIT255_PUB },
};

static struct vfy_fix {
	int ready;
	uint8_t *s;
	uint8_t P[B32], pubs[3 * B32], R[B32], R2[B32], Z[B32], ctx[B32];
	uint8_t D[B32], proof[TSS_PROOF_BYTES];		/* holder 1 for R */
	uint8_t D1b[B32], proof1b[TSS_PROOF_BYTES];	/* holder 1 for R2 */
	uint8_t D2[B32], proof2[TSS_PROOF_BYTES];	/* holder 2 for R */
} vf;

static void
vfy_setup(void)
{
	uint8_t Z2[B32];

	if (vf.ready)
		return;
	vf.s = sodium_malloc(3 * B32);
	assert_non_null(vf.s);
	assert_int_equal(tss_deal(2, 3, vf.P, vf.s, vf.pubs), 0);
	assert_int_equal(tss_encap(vf.P, vf.R, vf.Z), 0);
	assert_int_equal(tss_encap(vf.P, vf.R2, Z2), 0);
	randombytes_buf(vf.ctx, B32);
	assert_int_equal(tss_partial(vf.s, vf.pubs, vf.R, vf.ctx, vf.D, vf.proof), 0);
	assert_int_equal(tss_partial(vf.s, vf.pubs, vf.R2, vf.ctx, vf.D1b, vf.proof1b), 0);
	assert_int_equal(tss_partial(vf.s + B32, vf.pubs + B32, vf.R, vf.ctx, vf.D2, vf.proof2), 0);
	vf.ready = 1;
}

/* a + L as a 32-byte little-endian number (fits: a < L < 2^253). */
static void
add_L(uint8_t out[B32], const uint8_t a[B32])
{
	static const uint8_t L[B32] = {
		0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2,
		0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
	};
	unsigned carry = 0;

	for (int i = 0; i < B32; i++) {
		carry += (unsigned)a[i] + L[i];
		out[i] = (uint8_t)carry;
		carry >>= 8;
	}
}

static void
test_verify(void **state)
{
	const struct vfy_case *c = *state;
	uint8_t pub[B32], R[B32], D[B32], ctx[B32], proof[TSS_PROOF_BYTES];
	uint8_t *field = NULL, wide[64] = { 0 }, red[B32];

	vfy_setup();
	memcpy(pub, vf.pubs, B32);
	memcpy(R, vf.R, B32);
	memcpy(D, vf.D, B32);
	memcpy(ctx, vf.ctx, B32);
	memcpy(proof, vf.proof, sizeof proof);
	switch (c->mut) {
	case V_HONEST:
		assert_int_equal(tss_verify(pub, R, D, ctx, proof), 0);
		/* Holder 2's proof is as good; verify is a pure function. */
		assert_int_equal(tss_verify(vf.pubs + B32, R, vf.D2, ctx, vf.proof2), 0);
		assert_int_equal(tss_verify(pub, R, D, ctx, proof), 0);
		return;
	case V_FLIP_D: field = D; break;
	case V_FLIP_C: field = proof; break;
	case V_FLIP_Z: field = proof + B32; break;
	case V_FLIP_CTX: field = ctx; break;
	case V_FLIP_R: field = R; break;
	case V_FLIP_PUB: field = pub; break;
	case V_OTHER_R:
		memcpy(proof, vf.proof1b, sizeof proof);
		break;
	case V_OTHER_R_OWN_D:
		memcpy(D, vf.D1b, B32);
		memcpy(proof, vf.proof1b, sizeof proof);
		break;
	case V_OTHER_PUB:
		memcpy(pub, vf.pubs + B32, B32);
		break;
	case V_OTHER_SHARE_D:
		memcpy(D, vf.D2, B32);
		break;
	case V_OTHER_SHARE_BOTH:
		memcpy(D, vf.D2, B32);
		memcpy(proof, vf.proof2, sizeof proof);
		break;
	case V_C_PLUS_L:
	case V_Z_PLUS_L: {
		uint8_t *sc = c->mut == V_C_PLUS_L ? proof : proof + B32;

		add_L(sc, sc);
		/* Same scalar mod L: only the canonical-encoding check stops it. */
		memcpy(wide, sc, B32);
		crypto_core_ristretto255_scalar_reduce(red, wide);
		assert_memory_equal(red, c->mut == V_C_PLUS_L ? vf.proof : vf.proof + B32, B32);
		break;
	}
	case V_ZERO_C: memset(proof, 0, B32); break;
	case V_ZERO_Z: memset(proof + B32, 0, B32); break;
	case V_SWAP_CZ:
		memcpy(proof, vf.proof + B32, B32);
		memcpy(proof + B32, vf.proof, B32);
		break;
	case V_NEG_D: {
		uint8_t zero[B32] = { 0 };

		/* -D = 0 - D via the group: identity minus D. */
		assert_int_equal(crypto_core_ristretto255_sub(D, zero, vf.D), 0);
		assert_memory_not_equal(D, vf.D, B32);
		break;
	}
	case V_IDENTITY_D: memset(D, 0, B32); break;
	case V_IDENTITY_R: memset(R, 0, B32); break;
	case V_IDENTITY_PUB: memset(pub, 0, B32); break;
	case V_NONCANON_D:
		/* The field prime p itself: a non-canonical encoding of 0. */
		memset(D, 0xff, B32);
		D[0] = 0xed;
		D[31] = 0x7f;
		assert_int_equal(crypto_core_ristretto255_is_valid_point(D), 0);
		break;
	case V_NEGATIVE_D:
		memset(D, 0, B32);
		D[0] = 1;	/* odd: "negative", never a ristretto encoding */
		break;
	case V_D_IS_R:
		memcpy(D, R, B32);
		break;
	case V_BIT255_D: D[B32 - 1] |= 0x80; break;
	case V_BIT255_R: R[B32 - 1] |= 0x80; break;
	case V_BIT255_PUB: pub[B32 - 1] |= 0x80; break;
	}
	if (field == NULL) {
		assert_int_equal(tss_verify(pub, R, D, ctx, proof), ERR_AUTH);
		return;
	}
	for (int bit = 0; bit < 8 * B32; bit++) {
		field[bit / 8] ^= (uint8_t)(1 << bit % 8);
		if (tss_verify(pub, R, D, ctx, proof) != ERR_AUTH)
			fail_msg("%s: flipping bit %d was not caught", c->name, bit);
		field[bit / 8] ^= (uint8_t)(1 << bit % 8);
	}
	assert_int_equal(tss_verify(pub, R, D, ctx, proof), 0);
}

/* ---- tss: canonical points --------------------------------------------- */

enum pt { PT_BASE, PT_RANDOM, PT_IDENTITY, PT_BIT255, PT_BIT255_IDENTITY, PT_FIELD_P,
	PT_ODD, PT_ALL_FF, PT_LAST_7F };

struct point_case {
	const char *name;
	enum pt pt;
	int ok;		/* tss_point_ok */
	int sodium;	/* libsodium 1.0.18's is_valid_point, for the record */
};

static struct point_case point_cases[] = {
	{ "point/base", PT_BASE, 1, 1 },
	{ "point/random", PT_RANDOM, 1, 1 },
	{ "point/identity", PT_IDENTITY, 0, 1 },
	{ "point/bit255_of_base", PT_BIT255, 0, 1 },
	{ "point/bit255_of_identity", PT_BIT255_IDENTITY, 0, 1 },
	{ "point/field_prime", PT_FIELD_P, 0, 0 },
	{ "point/odd_s", PT_ODD, 0, 0 },
	{ "point/all_ff", PT_ALL_FF, 0, 0 },
	{ "point/2^255-1_minus_bit255", PT_LAST_7F, 0, 0 },
};

static void
test_point_ok(void **state)
{
	const struct point_case *c = *state;
	uint8_t p[B32] = { 0 }, one[B32] = { 1 }, s1[B32], R[B32], ctx[B32] = { 0 };
	uint8_t D[B32], proof[TSS_PROOF_BYTES], Z[B32];

	switch (c->pt) {
	case PT_BASE: assert_int_equal(crypto_scalarmult_ristretto255_base(p, one), 0); break;
	case PT_RANDOM: crypto_core_ristretto255_random(p); break;
	case PT_IDENTITY: break;
	case PT_BIT255:
		assert_int_equal(crypto_scalarmult_ristretto255_base(p, one), 0);
		p[B32 - 1] |= 0x80;
		break;
	case PT_BIT255_IDENTITY: p[B32 - 1] = 0x80; break;
	case PT_FIELD_P:
		memset(p, 0xff, B32);
		p[0] = 0xed;
		p[B32 - 1] = 0x7f;
		break;
	case PT_ODD: p[0] = 1; break;
	case PT_ALL_FF: memset(p, 0xff, B32); break;
	case PT_LAST_7F: memset(p, 0xff, B32); p[B32 - 1] = 0x7f; break;
	}
	assert_int_equal(tss_point_ok(p), c->ok);
	assert_int_equal(crypto_core_ristretto255_is_valid_point(p), c->sodium);
	if (c->ok)
		return;
	/* Every entry point refuses it, in whatever role. */
	crypto_core_ristretto255_scalar_random(s1);
	assert_int_equal(tss_encap(p, R, Z), ERR_INVAL);
	assert_int_equal(tss_partial(s1, p, p, ctx, D, proof), ERR_INVAL);
	assert_memory_equal(D, (uint8_t[B32]){ 0 }, B32);
	assert_int_equal(tss_combine((int[]){ 1 }, p, 1, Z), ERR_INVAL);
	assert_memory_equal(Z, (uint8_t[B32]){ 0 }, B32);
}

/* ---- golden vectors ---------------------------------------------------- */

/* reduce(BLAKE2b-512(label)): how every golden scalar is made. */
static void
golden_scalar(const char *label, uint8_t out[B32])
{
	uint8_t h[64];

	crypto_generichash(h, sizeof h, (const uint8_t *)label, strlen(label), NULL, 0);
	crypto_core_ristretto255_scalar_reduce(out, h);
}

static void
test_golden_group(void **state)
{
	uint8_t s[B32], r[B32], P[B32], R[B32], Z[B32], t[B32];

	(void)state;
	golden_scalar("camveil test vector s", s);
	golden_scalar("camveil test vector r", r);
	assert_hex(s, B32, GV_S);
	assert_hex(r, B32, GV_R_SC);
	assert_int_equal(tss_share_pub(s, P), 0);
	assert_hex(P, B32, GV_P);
	assert_int_equal(crypto_scalarmult_ristretto255_base(R, r), 0);
	assert_hex(R, B32, GV_R);
	assert_int_equal(crypto_scalarmult_ristretto255(Z, r, P), 0);
	assert_hex(Z, B32, GV_Z);
	assert_int_equal(crypto_scalarmult_ristretto255(t, s, R), 0);
	assert_hex(t, B32, GV_Z);
	/* The combine path: a single holder (k = 1) with D = s*R. */
	assert_int_equal(tss_combine((int[]){ 1 }, t, 1, Z), 0);
	assert_hex(Z, B32, GV_Z);
}

static void
test_golden_seal_key(void **state)
{
	struct seal_item it;
	uint8_t Z[B32], P[B32], key[32];

	(void)state;
	memset(&it, 0, sizeof it);
	for (int i = 0; i < JUDICIAL_KEY_ID_BYTES; i++)
		it.key_id[i] = (uint8_t)(i + 1);
	strcpy(it.camera, "lobby");
	it.segment = 7;
	it.m.track = 3;
	unhex(GV_R, it.R, B32);
	unhex(GV_Z, Z, B32);
	unhex(GV_P, P, B32);
	seal_item_key(&it, Z, P, key);
	assert_hex(key, 32, GV_KEY);
	/* Fields outside the KDF do not change the key; fields in it do. */
	it.m.order = 9;
	it.m.media_us = 123;
	seal_item_key(&it, Z, P, key);
	assert_hex(key, 32, GV_KEY);
	{
		uint8_t gk[32];

		unhex(GV_KEY, gk, sizeof gk);
		it.segment = 8;
		seal_item_key(&it, Z, P, key);
		assert_memory_not_equal(key, gk, 32);
		it.segment = 7;
		it.camera[0] = 'L';
		seal_item_key(&it, Z, P, key);
		assert_memory_not_equal(key, gk, 32);
	}
}

/* The 2-of-3 split f(x) = s + a1 x and its public key, fully determined. */
static void
test_golden_pub(void **state)
{
	uint8_t s[B32], a1[B32], x[B32], t[B32], sh[3][B32], pubs[3 * B32], P[B32];
	uint8_t want[512];
	struct judicial_pub *pk = NULL, *pk2 = NULL;
	size_t wlen = (sizeof GV_PUB - 1) / 2;
	char *cause = NULL;
	const char *wsh[3] = { GV_S1, GV_S2, GV_S3 };

	(void)state;
	golden_scalar("camveil test vector s", s);
	golden_scalar("camveil test vector a1", a1);
	assert_hex(a1, B32, GV_A1);
	assert_int_equal(tss_share_pub(s, P), 0);
	for (int i = 1; i <= 3; i++) {
		memset(x, 0, B32);
		x[0] = (uint8_t)i;
		crypto_core_ristretto255_scalar_mul(t, a1, x);
		crypto_core_ristretto255_scalar_add(sh[i - 1], s, t);
		assert_hex(sh[i - 1], B32, wsh[i - 1]);
		assert_int_equal(tss_share_pub(sh[i - 1], pubs + (i - 1) * B32), 0);
	}
	assert_hex(pubs, B32, GV_P1);
	assert_hex(pubs + B32, B32, GV_P2);
	assert_hex(pubs + 2 * B32, B32, GV_P3);
	assert_int_equal(judicial_pub_create(2, 3, P, pubs, names, &pk, &cause), 0);
	unhex(GV_PUB, want, wlen);
	assert_int_equal(pk->blob_len, wlen);
	assert_memory_equal(pk->blob, want, wlen);
	assert_hex(pk->key_id, JUDICIAL_KEY_ID_BYTES, GV_KEY_ID);
	assert_int_equal(judicial_pub_parse(want, wlen, &pk2, &cause), 0);
	assert_hex(pk2->key_id, JUDICIAL_KEY_ID_BYTES, GV_KEY_ID);
	judicial_pub_free(&pk);
	judicial_pub_free(&pk2);
	assert_null(cause);
}

/* The golden 6x4 4:2:0 picture (values as in docs/KEYS-vectors.md). */
static uint8_t gy(int x, int y) { return (uint8_t)(x * 37 + y * 91 + 16); }
static uint8_t gu(int x, int y) { return (uint8_t)(128 + x * 9 - y * 5); }
static uint8_t gv(int x, int y) { return (uint8_t)(90 + x * 3 + y * 17); }

static void
test_golden_payload(void **state)
{
	uint8_t payload[256], Z[B32], P[B32], key[32];
	size_t hlen = (sizeof GV_HEADER - 1) / 2, clen = (sizeof GV_CT - 1) / 2;
	struct seal_item it;
	struct pic before, after, orig;

	(void)state;
	unhex(GV_HEADER, payload, hlen);
	/* Fuzz seed: the plain zstd frame where the ciphertext goes (fuzz_seal.c). */
	unhex(GV_ZSTD, payload + hlen, (sizeof GV_ZSTD - 1) / 2);
	memset(payload + hlen + (sizeof GV_ZSTD - 1) / 2, 0, 16);
	seed_write("seal", "golden_plain", payload, hlen + (sizeof GV_ZSTD - 1) / 2 + 16);
	unhex(GV_CT, payload + hlen, clen);
	seed_write("seal", "golden", payload, hlen + clen);
	assert_int_equal(seal_item_parse(payload, hlen + clen, &it), 0);
	assert_hex(it.key_id, 16, "0102030405060708090a0b0c0d0e0f10");
	assert_int_equal(it.segment, 7);
	assert_int_equal(it.m.track, 3);
	assert_int_equal(it.m.order, 1);
	assert_int_equal(it.m.media_us, 2000000);
	assert_int_equal(it.m.wall_us, 1700000000000000LL);
	assert_int_equal(it.frame_w, 6);
	assert_int_equal(it.frame_h, 4);
	assert_int_equal(it.shift_x, 1);
	assert_int_equal(it.shift_y, 1);
	assert_int_equal(it.r.x, 2);
	assert_int_equal(it.r.y, 0);
	assert_int_equal(it.r.w, 4);
	assert_int_equal(it.r.h, 4);
	assert_string_equal(it.camera, "lobby");
	assert_hex(it.R, B32, GV_R);
	assert_ptr_equal(it.ad, payload);
	assert_int_equal(it.ad_len, hlen);
	assert_ptr_equal(it.ct, payload + hlen);
	assert_int_equal(it.ct_len, clen);
	assert_hex(it.ref, SEAL_REF_BYTES, GV_REF);
	unhex(GV_Z, Z, B32);
	unhex(GV_P, P, B32);
	seal_item_key(&it, Z, P, key);
	assert_hex(key, 32, GV_KEY);

	pic_init(&before, 6, 4, 1, 1, 77);
	pic_copy(&orig, &before);
	for (int y = 0; y < 4; y++)
		for (int x = 0; x < 6; x++)
			orig.buf[0][y * orig.im.linesize[0] + x] = gy(x, y);
	for (int y = 0; y < 2; y++)
		for (int x = 0; x < 3; x++) {
			orig.buf[1][y * orig.im.linesize[1] + x] = gu(x, y);
			orig.buf[2][y * orig.im.linesize[2] + x] = gv(x, y);
		}
	pic_copy(&after, &before);
	assert_int_equal(seal_item_restore(&it, key, &after.im), 0);
	check_restored(&orig, &before, &after, it.r);
	pic_fini(&before);
	pic_fini(&after);
	pic_fini(&orig);
}

/* ---- judicial: public key ---------------------------------------------- */

struct pub_case {
	const char *name;
	int k, n;
};

static struct pub_case pub_cases[] = {
	{ "pub/roundtrip_1_of_1", 1, 1 },
	{ "pub/roundtrip_1_of_3", 1, 3 },
	{ "pub/roundtrip_2_of_3", 2, 3 },
	{ "pub/roundtrip_4_of_7", 4, 7 },
	{ "pub/roundtrip_7_of_7", 7, 7 },
};

static void
test_pub_roundtrip(void **state)
{
	const struct pub_case *c = *state;
	struct judicial_pub *pk = NULL;
	struct kit kt;
	uint8_t id[JUDICIAL_KEY_ID_BYTES];
	crypto_generichash_state st;
	char *cause = NULL;

	kit_init(&kt, c->k, c->n);
	assert_int_equal(judicial_pub_parse(kt.pk->blob, kt.pk->blob_len, &pk, &cause), 0);
	assert_null(cause);
	assert_int_equal(pk->k, c->k);
	assert_int_equal(pk->n, c->n);
	assert_memory_equal(pk->P, kt.P, B32);
	assert_int_equal(pk->blob_len, kt.pk->blob_len);
	assert_memory_equal(pk->blob, kt.pk->blob, pk->blob_len);
	assert_memory_equal(pk->key_id, kt.pk->key_id, JUDICIAL_KEY_ID_BYTES);
	{
		size_t want = 7 + B32;

		for (int i = 0; i < c->n; i++)
			want += 1 + strlen(names[i]) + B32;
		assert_int_equal(pk->blob_len, want);
	}
	for (int i = 0; i < c->n; i++) {
		assert_string_equal(pk->holder[i].name, names[i]);
		assert_memory_equal(pk->holder[i].pub, kt.pubs + i * B32, B32);
		assert_int_equal(judicial_holder_index(pk, names[i]), i + 1);
	}
	assert_int_equal(judicial_holder_index(pk, "mallory"), 0);
	assert_int_equal(judicial_holder_index(pk, ""), 0);
	/* key id = BLAKE2b-128("camveil-key-id-v1" || blob) */
	crypto_generichash_init(&st, NULL, 0, sizeof id);
	crypto_generichash_update(&st, (const uint8_t *)"camveil-key-id-v1", 17);
	crypto_generichash_update(&st, pk->blob, pk->blob_len);
	crypto_generichash_final(&st, id, sizeof id);
	assert_memory_equal(id, pk->key_id, sizeof id);
	judicial_pub_free(&pk);
	judicial_pub_free(&pk);		/* NULL is fine */
	judicial_pub_free(NULL);
	kit_fini(&kt);
}

/*
 * Every single-byte change of a 2-of-3 key. Nothing authenticates the
 * public key, so a holder's name may change to another valid name (it
 * gives another key id, so seals and shares tell them apart). Every other
 * change must be refused: a higher or lower threshold (the k-1 and k
 * checks), any holder's key, holders beyond k included (each is checked
 * with holders 1..k-1), bit 255 of any point (tss_point_ok).
 */
static void
test_pub_byte_changes(void **state)
{
	struct kit kt;
	struct judicial_pub *pk = NULL;
	size_t len, holder_off[3], names_ok = 0, refused = 0;
	uint8_t *b;
	char *cause = NULL;

	(void)state;
	kit_init(&kt, 2, 3);
	len = kt.pk->blob_len;
	b = dup_bytes(kt.pk->blob, len);
	holder_off[0] = 7 + B32;
	for (int i = 1; i < 3; i++)
		holder_off[i] = holder_off[i - 1] + 1 + strlen(names[i - 1]) + B32;
	for (size_t pos = 0; pos < len; pos++) {
		for (int v = 0; v < 256; v++) {
			int ret, is_name = 0;

			if (v == kt.pk->blob[pos])
				continue;
			b[pos] = (uint8_t)v;
			ret = judicial_pub_parse(b, len, &pk, &cause);
			if (ret < 0) {
				assert_int_equal(ret, ERR_CORRUPT);
				assert_null(pk);
				assert_non_null(cause);
				no_cause(&cause);
				refused++;
				continue;
			}
			assert_memory_not_equal(pk->key_id, kt.pk->key_id, JUDICIAL_KEY_ID_BYTES);
			judicial_pub_free(&pk);
			no_cause(&cause);
			for (int i = 0; i < 3; i++)
				if (pos > holder_off[i] && pos <= holder_off[i] + strlen(names[i]))
					is_name = 1;
			if (!is_name)
				fail_msg("byte %zu changed to 0x%02x went unnoticed", pos, v);
			names_ok++;
		}
		b[pos] = kt.pk->blob[pos];
	}
	print_message("pub: %zu-byte key, %zu changes refused, %zu accepted (other valid "
	    "names; each gives another key id)\n", len, refused, names_ok);
	free(b);
	kit_fini(&kt);
}

static void
test_pub_truncation(void **state)
{
	struct kit kt;
	struct judicial_pub *pk = NULL;
	char *cause = NULL;

	(void)state;
	kit_init(&kt, 3, 5);
	for (size_t n = 0; n < kt.pk->blob_len; n++) {
		uint8_t *b = dup_bytes(kt.pk->blob, n);

		assert_int_equal(judicial_pub_parse(b, n, &pk, &cause), ERR_CORRUPT);
		assert_null(pk);
		assert_non_null(cause);
		no_cause(&cause);
		free(b);
	}
	for (size_t extra = 1; extra <= 40; extra += 13) {
		size_t n = kt.pk->blob_len + extra;
		uint8_t *b = malloc(n);

		assert_non_null(b);
		memcpy(b, kt.pk->blob, kt.pk->blob_len);
		memset(b + kt.pk->blob_len, 0, extra);
		assert_int_equal(judicial_pub_parse(b, n, &pk, &cause), ERR_CORRUPT);
		assert_non_null(strstr(cause, "extra bytes"));
		no_cause(&cause);
		free(b);
	}
	kit_fini(&kt);
}

struct name_case {
	const char *name;
	const char *holder;
	int ok;
};

static struct name_case name_cases[] = {
	{ "name/plain", "alice", 1 },
	{ "name/one_char", "a", 1 },
	{ "name/all_classes", "Judge.Dredd_2-b", 1 },
	{ "name/digit_first", "9lives", 1 },
	{ "name/underscore_first", "_x", 1 },
	{ "name/dots_inside", "a..", 1 },
	{ "name/64_chars", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1 },
	{ "name/65_chars", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0 },
	{ "name/empty", "", 0 },
	{ "name/dot_first", ".hidden", 0 },
	{ "name/dotdot", "..", 0 },
	{ "name/dash_first", "-rf", 0 },
	{ "name/slash", "a/b", 0 },
	{ "name/space", "a b", 0 },
	{ "name/tab", "a\tb", 0 },
	{ "name/newline", "ab\n", 0 },
	{ "name/colon", "c:d", 0 },
	{ "name/utf8", "caf\xc3\xa9", 0 },
	{ "name/escape", "\x1b[31m", 0 },
};

static void
test_name(void **state)
{
	const struct name_case *c = *state;
	const char *nm[3] = { "alice", c->holder, "zed" };
	struct judicial_pub *pk = NULL;
	struct kit kt;
	uint8_t *b;
	size_t len;
	char *cause = NULL;

	assert_int_equal(judicial_name_ok(c->holder), c->ok);
	kit_init(&kt, 2, 3);
	if (strcmp(c->holder, "alice") == 0)
		nm[0] = "bob";
	assert_int_equal(judicial_pub_create(2, 3, kt.P, kt.pubs, nm, &pk, &cause),
	    c->ok ? 0 : ERR_INVAL);
	if (c->ok)
		assert_null(cause);
	else
		assert_non_null(cause);
	no_cause(&cause);
	judicial_pub_free(&pk);
	/* The same name in an encoding we write ourselves. */
	b = pub_blob(2, 3, kt.P, nm, kt.pubs, &len);
	assert_int_equal(judicial_pub_parse(b, len, &pk, &cause), c->ok ? 0 : ERR_CORRUPT);
	if (c->ok) {
		assert_string_equal(pk->holder[1].name, c->holder);
	} else {
		/* The bad name is echoed, but never a raw control byte. */
		assert_non_null(cause);
		for (const char *q = cause; *q; q++)
			if ((unsigned char)*q < 0x20 || *q == 0x7f)
				fail_msg("cause has a raw control byte: %s", cause);
		if (strchr(c->holder, 0x1b) != NULL)
			assert_non_null(strstr(cause, "'\\x1b[31m'"));
	}
	no_cause(&cause);
	judicial_pub_free(&pk);
	free(b);
	kit_fini(&kt);
}

static void
test_pub_duplicate_names(void **state)
{
	const char *dup[3] = { "alice", "bob", "alice" };
	const char *cased[3] = { "alice", "bob", "Alice" };
	struct judicial_pub *pk = NULL;
	struct kit kt;
	uint8_t *b;
	size_t len;
	char *cause = NULL;

	(void)state;
	kit_init(&kt, 2, 3);
	assert_int_equal(judicial_pub_create(2, 3, kt.P, kt.pubs, dup, &pk, &cause), ERR_INVAL);
	assert_null(pk);
	assert_non_null(strstr(cause, "named twice"));
	no_cause(&cause);
	b = pub_blob(2, 3, kt.P, dup, kt.pubs, &len);
	assert_int_equal(judicial_pub_parse(b, len, &pk, &cause), ERR_CORRUPT);
	assert_non_null(strstr(cause, "named twice"));
	no_cause(&cause);
	free(b);
	/* Names differing only in case are distinct holders (and files). */
	assert_int_equal(judicial_pub_create(2, 3, kt.P, kt.pubs, cased, &pk, &cause), 0);
	judicial_pub_free(&pk);
	/* Our own encoder agrees with judicial_pub_create byte for byte. */
	b = pub_blob(2, 3, kt.P, names, kt.pubs, &len);
	assert_int_equal(len, kt.pk->blob_len);
	assert_memory_equal(b, kt.pk->blob, len);
	free(b);
	kit_fini(&kt);
}

static void
test_pub_create_bounds(void **state)
{
	uint8_t P[B32] = { 0 }, pubs[B32] = { 0 };
	struct judicial_pub *pk = (struct judicial_pub *)&pk;
	char *cause = NULL;
	static const struct { int k, n; } bad[] = { { 0, 1 }, { 2, 1 }, { 1, 256 }, { -1, 1 } };

	(void)state;
	for (size_t i = 0; i < NELEM(bad); i++) {
		assert_int_equal(judicial_pub_create(bad[i].k, bad[i].n, P, pubs, names, &pk,
		    &cause), ERR_INVAL);
		assert_null(pk);
		assert_non_null(cause);
		no_cause(&cause);
	}
}

/* Holders 1..k are right but a holder j > k is not: refused, for every j. */
static void
test_pub_holder_beyond_k(void **state)
{
	static const struct { int k, n; } splits[] = { { 2, 3 }, { 3, 5 }, { 1, 3 }, { 4, 7 } };

	(void)state;
	for (size_t c = 0; c < NELEM(splits); c++) {
		struct kit kt;

		kit_init(&kt, splits[c].k, splits[c].n);
		for (int j = kt.k + 1; j <= kt.n; j++) {
			struct judicial_pub *pk = NULL;
			uint8_t pubs[MAXH * B32], *b;
			size_t len;
			char *cause = NULL;

			memcpy(pubs, kt.pubs, sizeof pubs);
			/* Another holder's key: a valid point, a share, just not P_j
			 * (with k = 1 every P_i is P: nothing to swap). */
			if (kt.k > 1) {
				memcpy(pubs + (size_t)(j - 1) * B32, kt.pubs, B32);
				b = pub_blob(kt.k, kt.n, kt.P, names, pubs, &len);
				if (judicial_pub_parse(b, len, &pk, &cause) != ERR_CORRUPT)
					fail_msg("%d of %d: holder %d's key replaced went unnoticed",
					    kt.k, kt.n, j);
				assert_null(pk);
				assert_non_null(strstr(cause, "not shares of the key"));
				no_cause(&cause);
				free(b);
			}
			crypto_core_ristretto255_random(pubs + (size_t)(j - 1) * B32);
			b = pub_blob(kt.k, kt.n, kt.P, names, pubs, &len);
			assert_int_equal(judicial_pub_parse(b, len, &pk, &cause), ERR_CORRUPT);
			no_cause(&cause);
			free(b);
		}
		kit_fini(&kt);
	}
}

/*
 * The same key with bit 255 of a point set: RFC 9496 decoders reject it,
 * libsodium 1.0.18's is_valid_point does not, so one key would have
 * several encodings (and key ids). The identity is refused too.
 */
static void
test_pub_noncanonical_point(void **state)
{
	struct judicial_pub *pk = NULL;
	struct kit kt;
	uint8_t pubs[3 * B32], P[B32], *b;
	size_t len;
	char *cause = NULL;

	(void)state;
	kit_init(&kt, 2, 3);
	for (int which = 0; which <= 3; which++) {
		memcpy(pubs, kt.pubs, sizeof pubs);
		memcpy(P, kt.P, B32);
		if (which == 0)
			P[B32 - 1] |= 0x80;
		else
			pubs[(size_t)which * B32 - 1] |= 0x80;
		b = pub_blob(2, 3, P, names, pubs, &len);
		assert_int_equal(judicial_pub_parse(b, len, &pk, &cause), ERR_CORRUPT);
		assert_non_null(strstr(cause, "not a valid point"));
		no_cause(&cause);
		free(b);
	}
	memcpy(pubs, kt.pubs, sizeof pubs);
	memset(pubs + B32, 0, B32);
	b = pub_blob(2, 3, kt.P, names, pubs, &len);
	assert_int_equal(judicial_pub_parse(b, len, &pk, &cause), ERR_CORRUPT);
	no_cause(&cause);
	free(b);
	kit_fini(&kt);
}

/*
 * The threshold byte changed. Raised: k' points of a degree k-1 split
 * still give P, so only the k'-1 check can refuse it. Lowered: the first
 * k' holders no longer give P.
 */
static void
test_pub_threshold_changed(void **state)
{
	static const struct { int k, n, k2; const char *cause; } cases[] = {
		{ 2, 3, 3, "altered threshold" }, { 1, 3, 2, "altered threshold" },
		{ 1, 3, 3, "altered threshold" }, { 2, 5, 4, "altered threshold" },
		{ 3, 5, 4, "altered threshold" }, { 2, 3, 1, "not shares" },
		{ 4, 7, 2, "not shares" }, { 4, 7, 3, "not shares" },
	};

	(void)state;
	for (size_t c = 0; c < NELEM(cases); c++) {
		struct judicial_pub *pk = NULL;
		struct kit kt;
		uint8_t *b;
		size_t len;
		char *cause = NULL;

		kit_init(&kt, cases[c].k, cases[c].n);
		b = pub_blob(cases[c].k2, kt.n, kt.P, names, kt.pubs, &len);
		if (judicial_pub_parse(b, len, &pk, &cause) != ERR_CORRUPT)
			fail_msg("%d of %d claiming threshold %d went unnoticed", kt.k, kt.n,
			    cases[c].k2);
		if (strstr(cause, cases[c].cause) == NULL)
			fail_msg("cause \"%s\" does not say \"%s\"", cause, cases[c].cause);
		no_cause(&cause);
		free(b);
		/* The true threshold parses. */
		b = pub_blob(kt.k, kt.n, kt.P, names, kt.pubs, &len);
		assert_int_equal(judicial_pub_parse(b, len, &pk, &cause), 0);
		judicial_pub_free(&pk);
		free(b);
		kit_fini(&kt);
	}
}

static void
test_pub_file(void **state)
{
	struct judicial_pub *pk = NULL;
	struct kit kt;
	struct stat sb;
	char dir[128], path[192], *text, hex[33], want[256];
	char *cause = NULL;
	size_t len;

	(void)state;
	kit_init(&kt, 2, 3);
	tmp_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/judicial.pub", dir);
	assert_int_equal(judicial_pub_save(path, kt.pk, &cause), 0);
	assert_int_equal(stat(path, &sb), 0);
	{
		mode_t um = umask(0);

		umask(um);
		assert_int_equal(sb.st_mode & 0777, 0644 & ~um);
	}
	text = read_text(path, &len);
	sodium_bin2hex(hex, sizeof hex, kt.pk->key_id, 16);
	snprintf(want, sizeof want,
	    "untrusted comment: camveil judicial public key %s, 2 of 3 holders\n", hex);
	assert_memory_equal(text, want, strlen(want));
	free(text);
	assert_int_equal(judicial_pub_load(path, &pk, &cause), 0);
	assert_memory_equal(pk->key_id, kt.pk->key_id, 16);
	judicial_pub_free(&pk);
	assert_int_equal(judicial_pub_save(path, kt.pk, &cause), -EEXIST);
	assert_non_null(strstr(cause, "refusing to overwrite"));
	no_cause(&cause);
	seed_write("share", "pub_2_of_3", kt.pk->blob, kt.pk->blob_len);
	kit_fini(&kt);
}

/* ---- judicial: share files ---------------------------------------------- */

#define PASS "correct horse battery staple"

static void
test_share_file(void **state)
{
	struct judicial_share *sh = NULL;
	struct kit kt;
	struct stat sb;
	char dir[128], path[192], link[192], target[192], *before, *after, *cause = NULL;
	uint8_t chk[B32];
	size_t blen, alen;

	(void)state;
	kit_init(&kt, 2, 3);
	tmp_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/bob.share", dir);
	/* Index out of range: refused before any work. */
	assert_int_equal(judicial_share_save(path, kt.pk, 0, kt.s, PASS, strlen(PASS),
	    JUDICIAL_KDF_INTERACTIVE, &cause), ERR_INVAL);
	assert_int_equal(judicial_share_save(path, kt.pk, 4, kt.s, PASS, strlen(PASS),
	    JUDICIAL_KDF_INTERACTIVE, &cause), ERR_INVAL);
	assert_int_equal(access(path, F_OK), -1);
	no_cause(&cause);

	assert_int_equal(judicial_share_save(path, kt.pk, 2, kt.s + B32, PASS, strlen(PASS),
	    JUDICIAL_KDF_INTERACTIVE, &cause), 0);
	assert_null(cause);
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0600);
	before = read_text(path, &blen);
	assert_non_null(strstr(before, "untrusted comment: camveil judicial key share of bob "
	    "(holder 2 of 3, threshold 2)\n"));
	assert_null(strstr(before, "\r"));

	/* Never replaced. */
	assert_int_equal(judicial_share_save(path, kt.pk, 1, kt.s, "other", 5,
	    JUDICIAL_KDF_INTERACTIVE, &cause), -EEXIST);
	assert_non_null(cause);
	no_cause(&cause);
	after = read_text(path, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	free(after);

	/* A symlink at the path (dangling, then to a real file) is refused. */
	snprintf(link, sizeof link, "%s/link.share", dir);
	snprintf(target, sizeof target, "%s/target", dir);
	assert_int_equal(symlink(target, link), 0);
	assert_true(judicial_share_save(link, kt.pk, 1, kt.s, PASS, strlen(PASS),
	    JUDICIAL_KDF_INTERACTIVE, &cause) < 0);
	no_cause(&cause);
	assert_int_equal(access(target, F_OK), -1);
	assert_int_equal(unlink(link), 0);
	assert_int_equal(symlink(path, link), 0);
	assert_true(judicial_share_save(link, kt.pk, 1, kt.s, PASS, strlen(PASS),
	    JUDICIAL_KDF_INTERACTIVE, &cause) < 0);
	no_cause(&cause);
	after = read_text(path, &alen);
	assert_memory_equal(after, before, blen);
	free(after);
	free(before);

	/* Opens with the passphrase only. */
	assert_int_equal(judicial_share_load(path, PASS, strlen(PASS), &sh, &cause), 0);
	assert_null(cause);
	assert_int_equal(sh->index, 2);
	assert_memory_equal(sh->secret, kt.s + B32, B32);
	assert_int_equal(tss_share_pub(sh->secret, chk), 0);
	assert_memory_equal(chk, sh->pk->holder[1].pub, B32);
	assert_memory_equal(chk, kt.pubs + B32, B32);
	assert_memory_equal(sh->pk->key_id, kt.pk->key_id, 16);
	judicial_share_free(&sh);
	judicial_share_free(&sh);
	judicial_share_free(NULL);
	assert_int_equal(judicial_share_load(path, PASS, strlen(PASS) - 1, &sh, &cause), ERR_AUTH);
	assert_null(sh);
	assert_non_null(strstr(cause, "wrong passphrase"));
	no_cause(&cause);
	/* A public key is not a share. */
	snprintf(link, sizeof link, "%s/judicial.pub", dir);
	assert_int_equal(judicial_pub_save(link, kt.pk, &cause), 0);
	assert_int_equal(judicial_share_load(link, PASS, strlen(PASS), &sh, &cause), ERR_CORRUPT);
	assert_non_null(strstr(cause, "not a judicial key share"));
	no_cause(&cause);
	kit_fini(&kt);
}

/* Byte changes across the share blob: never opens. */
static void
test_share_tamper(void **state)
{
	struct judicial_share *sh = NULL;
	struct kit kt;
	char dir[128], path[192], *cause = NULL;
	uint8_t *blob, *b;
	size_t len, publen, salt, ops, mem, nonce, ct;
	int nauth = 0, ncorrupt = 0;

	(void)state;
	kit_init(&kt, 2, 3);
	tmp_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/alice.share", dir);
	assert_int_equal(judicial_share_save(path, kt.pk, 1, kt.s, PASS, strlen(PASS),
	    JUDICIAL_KDF_INTERACTIVE, &cause), 0);
	assert_int_equal(armor_read(path, JUDICIAL_SHARE_MAX, &blob, &len, &cause), 0);
	seed_write("share", "share_alice", blob, len);
	if (getenv("KEYS_SEED_DIR") != NULL) {
		/*
		 * The same share sealed under fuzz_share.c's stand-in for Argon2:
		 * BLAKE2b-256("fuzz passphrase") keyed with the salt.
		 */
		uint8_t k[32];
		size_t ad = len - 48;

		b = dup_bytes(blob, len);
		crypto_generichash(k, sizeof k, (const uint8_t *)"fuzz passphrase", 15,
		    b + 8 + kt.pk->blob_len, 16);
		crypto_aead_xchacha20poly1305_ietf_encrypt(b + ad, NULL, kt.s, B32, b, ad, NULL,
		    b + ad - 24, k);
		seed_write("share", "share_stubkdf", b, len);
		free(b);
	}
	publen = kt.pk->blob_len;
	assert_int_equal(blob[6] << 8 | blob[7], publen);
	assert_memory_equal(blob + 8, kt.pk->blob, publen);
	salt = 8 + publen;
	ops = salt + 16;
	mem = ops + 8;
	nonce = mem + 8;
	ct = nonce + 24;
	assert_int_equal(len, ct + 32 + 16);
	{
		struct { size_t pos; uint8_t x; } flips[] = {
			{ 0, 0x01 }, { 3, 0x20 }, { 4, 0x01 }, { 5, 0x03 }, { 5, 0x01 },
			{ 6, 0x01 }, { 7, 0x01 },
			{ 8, 0x01 }, { 8 + 5, 0x01 }, { 8 + 40, 0x01 }, { 8 + 41, 0x02 },
			{ 8 + 45, 0x80 }, { salt - 1, 0x01 },
			{ salt, 0x01 }, { salt + 15, 0x80 },
			{ ops, 0x01 }, { ops + 7, 0x01 }, { ops + 7, 0x02 },
			{ mem, 0x01 }, { mem + 4, 0x80 }, { mem + 4, 0x01 }, { mem + 7, 0x01 },
			{ nonce, 0x01 }, { nonce + 23, 0x80 },
			{ ct, 0x01 }, { ct + 20, 0x10 }, { ct + 31, 0x01 }, { ct + 32, 0x01 },
			{ len - 1, 0x80 },
		};

		for (size_t i = 0; i < NELEM(flips); i++) {
			int ret;

			b = dup_bytes(blob, len);
			b[flips[i].pos] ^= flips[i].x;
			ret = judicial_share_open(b, len, PASS, strlen(PASS), &sh, &cause);
			if (ret != ERR_AUTH && ret != ERR_CORRUPT)
				fail_msg("share byte %zu ^ 0x%02x: got %d", flips[i].pos,
				    flips[i].x, ret);
			assert_null(sh);
			assert_non_null(cause);
			no_cause(&cause);
			nauth += ret == ERR_AUTH;
			ncorrupt += ret == ERR_CORRUPT;
			free(b);
		}
	}
	/* Truncated or extended: ERR_CORRUPT before any hashing. */
	for (size_t n = 0; n <= len + 1; n += n < 60 ? 1 : 37) {
		b = malloc(n + 1);
		assert_non_null(b);
		memcpy(b, blob, n < len ? n : len);
		if (n > len)
			memset(b + len, 0, n - len);
		if (n != len) {
			assert_int_equal(judicial_share_open(b, n, PASS, strlen(PASS), &sh, &cause),
			    ERR_CORRUPT);
			no_cause(&cause);
		}
		free(b);
	}
	print_message("share: %d changes caught by the MAC, %d by the parser\n", nauth, ncorrupt);
	assert_true(nauth >= 10);
	assert_int_equal(judicial_share_open(blob, len, PASS, strlen(PASS), &sh, &cause), 0);
	assert_int_equal(sh->index, 1);
	judicial_share_free(&sh);
	free(blob);
	kit_fini(&kt);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * An existing file or a link at the path fails before Argon2 runs: at
 * the sensitive cost (1 GiB, seconds of work) it must still fail at once.
 */
static void
test_share_exists_fast(void **state)
{
	struct kit kt;
	char dir[128], path[192], link[192], target[192], *cause = NULL, *text;
	double t0;
	FILE *fp;
	int ret;

	(void)state;
	kit_init(&kt, 2, 3);
	tmp_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/alice.share", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("existing\n", fp);
	fclose(fp);
	t0 = now_s();
	assert_int_equal(judicial_share_save(path, kt.pk, 1, kt.s, PASS, strlen(PASS),
	    JUDICIAL_KDF_SENSITIVE, &cause), -EEXIST);
	if (now_s() - t0 > 0.5)
		fail_msg("refusing an existing share took %.2f s: Argon2 ran first", now_s() - t0);
	assert_non_null(strstr(cause, "refusing to overwrite"));
	no_cause(&cause);
	text = read_text(path, NULL);
	assert_string_equal(text, "existing\n");
	free(text);
	/* A dangling link: refused at once, its target never created. */
	snprintf(link, sizeof link, "%s/bob.share", dir);
	snprintf(target, sizeof target, "%s/elsewhere", dir);
	assert_int_equal(symlink(target, link), 0);
	t0 = now_s();
	ret = judicial_share_save(link, kt.pk, 2, kt.s + B32, PASS, strlen(PASS),
	    JUDICIAL_KDF_SENSITIVE, &cause);
	assert_true(ret < 0);
	assert_true(now_s() - t0 < 0.5);
	assert_int_equal(access(target, F_OK), -1);
	no_cause(&cause);
	kit_fini(&kt);
}

/* Armored files with CRLF line ends (a Windows editor, a mail client) load. */
static void
test_armor_crlf(void **state)
{
	static const struct { const char *text; int ok; } dec[] = {
		{ "untrusted comment: x\nAQID\n", 1 },
		{ "untrusted comment: x\r\nAQID\r\n", 1 },
		{ "untrusted comment: x\nAQID\r\n", 1 },
		{ "untrusted comment: x\r\nAQID\n", 1 },
		{ "untrusted comment: x\rAQID\r", 0 },
		{ "untrusted comment: x\nAQID\r\r\n", 0 },
		{ "untrusted comment: x\nAQ\r\nID\r\n", 0 },
		{ "untrusted comment: x\nAQ\rID\n", 0 },
		{ "untrusted comment: x\n\r\n", 0 },
		{ "untrusted comment: x\nAQID", 0 },
		{ "untrusted comment: x\nAQID\n\n", 0 },
	};
	struct judicial_pub *pk = NULL;
	struct kit kt;
	char dir[128], path[192], crlf[192], *text, *cause = NULL;
	size_t len, n = 0;
	uint8_t *blob;
	FILE *fp;

	(void)state;
	for (size_t i = 0; i < NELEM(dec); i++) {
		int ret = armor_decode(dec[i].text, strlen(dec[i].text), 64, &blob, &len);

		if (ret != (dec[i].ok ? 0 : ERR_CORRUPT))
			fail_msg("armor case %zu: got %d", i, ret);
		if (dec[i].ok) {
			assert_int_equal(len, 3);
			assert_memory_equal(blob, "\1\2\3", 3);
		}
		assert_true(dec[i].ok || blob == NULL);
		free(blob);
	}
	kit_init(&kt, 2, 3);
	tmp_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/judicial.pub", dir);
	snprintf(crlf, sizeof crlf, "%s/judicial-crlf.pub", dir);
	assert_int_equal(judicial_pub_save(path, kt.pk, &cause), 0);
	text = read_text(path, &len);
	fp = fopen(crlf, "wb");
	assert_non_null(fp);
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n') {
			fputc('\r', fp);
			n++;
		}
		fputc(text[i], fp);
	}
	fclose(fp);
	free(text);
	assert_int_equal(n, 2);
	assert_int_equal(judicial_pub_load(crlf, &pk, &cause), 0);
	assert_memory_equal(pk->key_id, kt.pk->key_id, JUDICIAL_KEY_ID_BYTES);
	judicial_pub_free(&pk);
	/* We never write a CR into a comment (the line would end there for some). */
	snprintf(path, sizeof path, "%s/cr", dir);
	assert_int_equal(armor_write(path, 0644, "a\rb", (const uint8_t *)"x", 1, &cause),
	    ERR_INVAL);
	assert_int_equal(access(path, F_OK), -1);
	no_cause(&cause);
	kit_fini(&kt);
}

struct esc_case {
	const char *name;
	const char *in;
	size_t outsz;
	const char *want;
};

static struct esc_case esc_cases[] = {
	{ "escape/plain", "AZ 12/2026", 64, "AZ 12/2026" },
	{ "escape/empty", "", 4, "" },
	{ "escape/tab_lf_cr", "a\tb\nc\rd", 64, "a\\tb\\nc\\rd" },
	{ "escape/terminal_escape", "\x1b[2J\x1b[31mred", 64, "\\x1b[2J\\x1b[31mred" },
	{ "escape/backslash", "a\\x1b", 64, "a\\\\x1b" },
	{ "escape/del_and_bell", "a\x7f\x07", 64, "a\\x7f\\x07" },
	{ "escape/utf8_kept", "M\xc3\xbcnchen \xe2\x82\xac \xf0\x9f\x93\xb7", 64,
	  "M\xc3\xbcnchen \xe2\x82\xac \xf0\x9f\x93\xb7" },
	{ "escape/invalid_utf8", "a\xff\xc3", 64, "a\\xff\\xc3" },
	{ "escape/overlong_slash", "\xc0\xaf", 64, "\\xc0\\xaf" },
	{ "escape/surrogate", "\xed\xa0\x80", 64, "\\xed\\xa0\\x80" },
	{ "escape/c1_next_line", "a\xc2\x85" "b", 64, "a\\xc2\\x85" "b" },
	{ "escape/bidi_override", "abc\xe2\x80\xae" "fdp.exe", 64, "abc\\xe2\\x80\\xae" "fdp.exe" },
	{ "escape/bidi_isolate", "\xe2\x81\xa6x", 64, "\\xe2\\x81\\xa6x" },
	{ "escape/fits_exactly", "abcd", 5, "abcd" },
	{ "escape/cut", "abcdef", 6, "ab..." },
	{ "escape/cut_before_escape", "a\x1b\x1b", 8, "a..." },
	{ "escape/cut_before_utf8", "\xc3\xbc\xc3\xbc\xc3\xbc", 6, "\xc3\xbc..." },
	{ "escape/cut_to_dots", "abcdef", 4, "..." },
};

static void
test_escape(void **state)
{
	const struct esc_case *c = *state;
	char buf[128];

	memset(buf, 0x5a, sizeof buf);
	assert_ptr_equal(wire_escape(c->in, buf, c->outsz), buf);
	assert_string_equal(buf, c->want);
	for (size_t i = c->outsz; i < sizeof buf; i++)
		if (buf[i] != 0x5a)
			fail_msg("wrote past outsz %zu", c->outsz);
	/* The bound the header promises. */
	assert_true(strlen(wire_escape(c->in, buf, WIRE_ESCAPED_MAX(strlen(c->in)))) <=
	    4 * strlen(c->in));
	if (c->outsz >= WIRE_ESCAPED_MAX(strlen(c->in)))
		assert_null(strstr(buf, "..."));
}

/* ---- seal ------------------------------------------------------------------ */

/* The shared world: a 2-of-3 key, a second key, sealed items, a request. */
#define W_ITEMS 6
#define W_FW 160
#define W_FH 120

static const struct {
	uint32_t track;
	int64_t t_ms;
	struct rect r;
} w_items[W_ITEMS] = {
	{ 1, 0, { 40, 30, 24, 20 } },
	{ 1, 500, { 41, 31, 23, 19 } },
	{ 2, 200, { 100, 60, 16, 16 } },
	{ 1, 2500, { 0, 0, 10, 8 } },
	{ 2, 3000, { 150, 100, 10, 20 } },
	{ 7, 100, { 80, 80, 8, 8 } },
};

static struct world {
	int ready;
	struct kit a, b;
	struct pic src;
	uint8_t *pl[W_ITEMS];
	size_t pl_len[W_ITEMS];
	struct seal_item it[W_ITEMS];
	struct unlock_request *rq;
	struct unlock_approval *ap[3];	/* holders 1, 2, 3 of a */
} W;

static void
rq_fill(struct unlock_request *rq, const struct judicial_pub *pk)
{
	memcpy(rq->key_id, pk->key_id, JUDICIAL_KEY_ID_BYTES);
	strcpy(rq->case_id, "2024-CR-0042");
	strcpy(rq->requester, "det. smith");
	strcpy(rq->recording, "lobby-2024-05-01.mkv");
	rq->created_us = 1714521600000000LL;
	rq->scope.wall = 0;
	rq->scope.from_us = 0;
	rq->scope.to_us = 10000000;
	rq->scope.camera[0] = '\0';
	rq->scope.track = -1;
}

static struct world *
world(void)
{
	struct seal *s = NULL;
	char *cause = NULL;

	if (W.ready)
		return &W;
	kit_init(&W.a, 2, 3);
	kit_init(&W.b, 2, 3);
	pic_init(&W.src, W_FW, W_FH, 1, 1, 1);
	assert_int_equal(seal_create(W.a.pk, "lobby", 2.0, 3, &s, &cause), 0);
	W.rq = calloc(1, sizeof *W.rq);
	assert_non_null(W.rq);
	rq_fill(W.rq, W.a.pk);
	for (int i = 0; i < W_ITEMS; i++) {
		struct seal_meta m = { w_items[i].track, (uint16_t)i, w_items[i].t_ms * 1000,
		    1714521600000000LL + w_items[i].t_ms * 1000 };

		assert_int_equal(seal_region(s, &W.src.im, w_items[i].r, &m, &W.pl[i],
		    &W.pl_len[i]), 0);
		assert_int_equal(seal_item_parse(W.pl[i], W.pl_len[i], &W.it[i]), 0);
		assert_int_equal(unlock_in_scope(&W.rq->scope, &W.it[i]), 1);
		assert_int_equal(unlock_request_add(W.rq, &W.it[i]), 0);
	}
	assert_int_equal(seal_segments(s), 5);
	seal_free(&s);
	assert_int_equal(unlock_request_encode(W.rq), 0);
	assert_int_equal(W.rq->nkeys, 5);
	assert_int_equal(W.rq->nitems, W_ITEMS);
	for (int h = 0; h < 3; h++) {
		struct judicial_share *sh = kit_share(&W.a, h + 1);

		assert_int_equal(unlock_approve(W.rq, sh, &W.ap[h], &cause), 0);
		judicial_share_free(&sh);
	}
	seed_write("seal", "region_24x20", W.pl[0], W.pl_len[0]);
	seed_write("seal", "edge_10x20", W.pl[4], W.pl_len[4]);
	seed_write("request", "request.bin", W.rq->blob, W.rq->blob_len);
	seed_write("approval", "alice.bin", W.ap[0]->blob, W.ap[0]->blob_len);
	{
		/* A frame's bundle: version 1, u16 count, (u32 length, payload)... */
		struct wire_w bw;

		wire_w_init(&bw, 1 << 16);
		wire_u8(&bw, 1);
		wire_u16(&bw, 3);
		for (int i = 0; i < 3; i++) {
			wire_u32(&bw, (uint32_t)W.pl_len[i + 3]);
			wire_bytes(&bw, W.pl[i + 3], W.pl_len[i + 3]);
		}
		assert_int_equal(bw.err, 0);
		seed_write("seal", "bundle_3", bw.p, bw.len);
		wire_w_free(&bw);
	}
	W.ready = 1;
	return &W;
}

/* Restore item i with key and compare against the world's picture. */
static void
check_item(const struct seal_item *it, const uint8_t key[32], const struct pic *src)
{
	struct pic before, after;

	pic_init(&before, src->im.width, src->im.height, src->im.shift_x, src->im.shift_y,
	    0xabcdef);
	pic_copy(&after, &before);
	assert_int_equal(seal_item_restore(it, key, &after.im), 0);
	check_restored(src, &before, &after, it->r);
	pic_fini(&before);
	pic_fini(&after);
}

/* Every item of rq (all from the world) opens with Z. */
static void
check_all_items(const struct unlock_request *rq, const uint8_t *Z, const uint8_t P[B32])
{
	for (int i = 0; i < W_ITEMS; i++) {
		int64_t f = unlock_request_find(rq, W.it[i].ref);
		uint8_t key[32];

		if (f < 0)
			continue;
		assert_memory_equal(rq->R + (size_t)rq->items[f].key * B32, W.it[i].R, B32);
		seal_item_key(&W.it[i], Z + (size_t)rq->items[f].key * B32, P, key);
		check_item(&W.it[i], key, &W.src);
		sodium_memzero(key, sizeof key);
	}
}

struct seal_case {
	const char *name;
	int fw, fh, sx, sy;
	struct rect r;
	int use_box;
	struct box b;
};

static struct seal_case seal_cases[] = {
	{ "seal/center", 320, 240, 1, 1, { 100, 60, 64, 80 }, 0, { 0, 0, 0, 0 } },
	{ "seal/full_frame", 320, 240, 1, 1, { 0, 0, 320, 240 }, 0, { 0, 0, 0, 0 } },
	{ "seal/one_pixel_origin", 320, 240, 1, 1, { 0, 0, 1, 1 }, 0, { 0, 0, 0, 0 } },
	{ "seal/odd_rect_to_odd_corner", 321, 241, 1, 1, { 201, 121, 120, 120 }, 0, { 0, 0, 0, 0 } },
	{ "seal/last_pixel_odd_frame", 321, 241, 1, 1, { 320, 240, 1, 1 }, 0, { 0, 0, 0, 0 } },
	{ "seal/odd_origin_odd_size", 321, 241, 1, 1, { 33, 17, 9, 7 }, 0, { 0, 0, 0, 0 } },
	{ "seal/bounds_left_edge", 321, 241, 1, 1, { 0, 0, 0, 0 }, 1, { -20, 50, 60, 70 } },
	{ "seal/bounds_bottom_right", 321, 241, 1, 1, { 0, 0, 0, 0 }, 1, { 290, 210, 60, 60 } },
	{ "seal/bounds_top_edge", 321, 241, 1, 1, { 0, 0, 0, 0 }, 1, { 150.5f, -30, 40, 50 } },
	{ "seal/bounds_inside", 320, 240, 1, 1, { 0, 0, 0, 0 }, 1, { 100.3f, 50.7f, 41.2f, 55.9f } },
	{ "seal/bounds_whole_frame", 321, 241, 1, 1, { 0, 0, 0, 0 }, 1, { -10, -10, 400, 300 } },
	{ "seal/yuv422_odd", 321, 240, 1, 0, { 31, 11, 51, 41 }, 0, { 0, 0, 0, 0 } },
	{ "seal/yuv444", 100, 80, 0, 0, { 3, 5, 7, 11 }, 0, { 0, 0, 0, 0 } },
	{ "seal/frame_1x1", 1, 1, 1, 1, { 0, 0, 1, 1 }, 0, { 0, 0, 0, 0 } },
	{ "seal/max_side", SEAL_MAX_SIDE, 8, 1, 1, { 0, 0, SEAL_MAX_SIDE, 8 }, 0, { 0, 0, 0, 0 } },
};

static void
test_seal_roundtrip(void **state)
{
	const struct seal_case *c = *state;
	struct world *w = world();
	struct seal *s = NULL;
	struct seal_meta m = { 5, 2, 1234567, 1714521600123456LL };
	struct unlock_request *rq = calloc(1, sizeof *rq);
	struct unlock_approval *ap[2] = { NULL, NULL };
	struct judicial_pub *pk = NULL;
	struct seal_item it;
	struct pic src, before, after;
	struct rect r = c->r;
	uint8_t *payload = NULL, *Z = NULL, key[32];
	size_t len;
	int used[2];
	char *cause = NULL;

	assert_non_null(rq);
	pic_init(&src, c->fw, c->fh, c->sx, c->sy, 42);
	if (c->use_box) {
		r = obscure_bounds(&src.im, c->b);
		assert_true(r.w > 0 && r.h > 0);
		assert_true(r.x >= 0 && r.y >= 0 && r.x + r.w <= c->fw && r.y + r.h <= c->fh);
	}
	assert_int_equal(seal_create(w->a.pk, "lobby", 2.0, 3, &s, &cause), 0);
	assert_int_equal(seal_region(s, &src.im, r, &m, &payload, &len), 0);
	assert_true(len > 122 + 16);
	assert_int_equal(seal_item_parse(payload, len, &it), 0);
	assert_memory_equal(it.key_id, w->a.pk->key_id, JUDICIAL_KEY_ID_BYTES);
	assert_int_equal(it.segment, 0);
	assert_int_equal(it.m.track, 5);
	assert_int_equal(it.m.order, 2);
	assert_int_equal(it.m.media_us, 1234567);
	assert_int_equal(it.m.wall_us, 1714521600123456LL);
	assert_int_equal(it.frame_w, c->fw);
	assert_int_equal(it.frame_h, c->fh);
	assert_int_equal(it.shift_x, c->sx);
	assert_int_equal(it.shift_y, c->sy);
	assert_memory_equal(&it.r, &r, sizeof r);
	assert_string_equal(it.camera, "lobby");
	assert_int_equal(crypto_core_ristretto255_is_valid_point(it.R), 1);
	assert_int_equal(it.ad_len, 122);	/* fixed header with a 5-byte camera */
	assert_int_equal(it.ad_len + it.ct_len, len);

	/* Request, two approvals (holders 1 and 3), combine, key. */
	rq_fill(rq, w->a.pk);
	assert_int_equal(unlock_request_add(rq, &it), 0);
	assert_int_equal(unlock_request_encode(rq), 0);
	for (int h = 0; h < 2; h++) {
		struct judicial_share *sh = kit_share(&w->a, h == 0 ? 1 : 3);

		assert_int_equal(unlock_approve(rq, sh, &ap[h], &cause), 0);
		judicial_share_free(&sh);
	}
	assert_int_equal(unlock_combine(rq, ap, 2, &Z, &pk, used, &cause), 0);
	assert_null(cause);
	assert_int_equal(used[0] + used[1], 2);
	seal_item_key(&it, Z, pk->P, key);

	pic_init(&before, c->fw, c->fh, c->sx, c->sy, 4242);
	pic_copy(&after, &before);
	/* Wrong key, then a picture of another shape: untouched. */
	key[7] ^= 0x10;
	assert_int_equal(seal_item_restore(&it, key, &after.im), ERR_AUTH);
	assert_true(pic_equal(&after, &before));
	key[7] ^= 0x10;
	after.im.width ^= 2;
	assert_int_equal(seal_item_restore(&it, key, &after.im), ERR_INVAL);
	after.im.width ^= 2;
	after.im.shift_y ^= 1;
	assert_int_equal(seal_item_restore(&it, key, &after.im), ERR_INVAL);
	after.im.shift_y ^= 1;
	assert_true(pic_equal(&after, &before));
	assert_int_equal(seal_item_restore(&it, key, &after.im), 0);
	check_restored(&src, &before, &after, r);
	/* Restoring twice is idempotent. */
	assert_int_equal(seal_item_restore(&it, key, &after.im), 0);
	check_restored(&src, &before, &after, r);

	sodium_memzero(key, sizeof key);
	sodium_free(Z);
	judicial_pub_free(&pk);
	unlock_approval_free(&ap[0]);
	unlock_approval_free(&ap[1]);
	unlock_request_free(&rq);
	free(payload);
	seal_free(&s);
	seal_free(&s);
	seal_free(NULL);
	pic_fini(&src);
	pic_fini(&before);
	pic_fini(&after);
}

/*
 * Every single-byte change (all 255 values) and every truncation of a
 * payload: either seal_item_parse refuses it or no key opens it.
 */
static void
test_seal_every_change(void **state)
{
	struct seal *s = NULL;
	struct seal_meta m = { 3, 0, 1000, 0 };
	struct seal_item it0, it;
	struct pic src, before, work;
	struct rect r = { 10, 6, 12, 10 };
	uint8_t *payload, *b, Z[B32], P[B32], key0[32], key[32];
	size_t len, nparse = 0, nauth = 0, nshape = 0, ncorrupt = 0;
	char *cause = NULL;

	(void)state;
	/* A 1-of-1 key so the test knows Z: D = s*R is Z itself. */
	{
		struct kit kt;

		kit_init(&kt, 1, 1);
		pic_init(&src, 64, 48, 1, 1, 9);
		assert_int_equal(seal_create(kt.pk, "cam-2", 60, 3, &s, &cause), 0);
		assert_int_equal(seal_region(s, &src.im, r, &m, &payload, &len), 0);
		assert_int_equal(seal_item_parse(payload, len, &it0), 0);
		assert_int_equal(crypto_scalarmult_ristretto255(Z, kt.s, it0.R), 0);
		memcpy(P, kt.P, B32);
		kit_fini(&kt);
	}
	seal_item_key(&it0, Z, P, key0);
	pic_init(&before, 64, 48, 1, 1, 10);
	pic_copy(&work, &before);
	assert_int_equal(seal_item_restore(&it0, key0, &work.im), 0);
	check_restored(&src, &before, &work, r);
	{
		/* Fuzz seed: this payload with its plaintext where the ciphertext goes. */
		uint8_t *plain = malloc(len);
		unsigned long long plen;

		assert_non_null(plain);
		memcpy(plain, payload, it0.ad_len);
		assert_int_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(plain + it0.ad_len,
		    &plen, NULL, it0.ct, it0.ct_len, it0.ad, it0.ad_len,
		    it0.ad + it0.ad_len - 24, key0), 0);
		memset(plain + it0.ad_len + plen, 0, 16);
		seed_write("seal", "plain_12x10", plain, len);
		free(plain);
	}
	pic_fini(&work);
	pic_copy(&work, &before);
	b = dup_bytes(payload, len);
	for (size_t pos = 0; pos < len; pos++) {
		for (int v = 0; v < 256; v++) {
			int ret;

			if (v == payload[pos])
				continue;
			b[pos] = (uint8_t)v;
			if (seal_item_parse(b, len, &it) < 0) {
				nparse++;
				continue;
			}
			seal_item_key(&it, Z, P, key);
			ret = seal_item_restore(&it, key, &work.im);
			if (ret == 0 || seal_item_restore(&it, key0, &work.im) == 0)
				fail_msg("payload byte %zu (of %zu) changed to 0x%02x: restored", pos,
				    len, v);
			nauth += ret == ERR_AUTH;
			nshape += ret == ERR_INVAL;
			ncorrupt += ret == ERR_CORRUPT;
			/* Whatever the shape check says, the MAC refuses it too. */
			if (ret == ERR_INVAL) {
				uint8_t *out = malloc(it.ct_len);

				assert_non_null(out);
				assert_int_not_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(out,
				    NULL, NULL, it.ct, it.ct_len, it.ad, it.ad_len,
				    it.ad + it.ad_len - 24, key), 0);
				free(out);
			}
		}
		b[pos] = payload[pos];
		if (pos % 16 == 0 && !pic_equal(&work, &before))
			fail_msg("a failed restore changed the picture (byte %zu)", pos);
	}
	assert_true(pic_equal(&work, &before));
	assert_int_equal(ncorrupt, 0);
	print_message("seal: %zu-byte payload, %zu changes refused by the parser, %zu by the "
	    "MAC, %zu by the frame-shape check\n", len, nparse, nauth, nshape);
	/* Truncated anywhere, or extended: never opens. */
	for (size_t n = 0; n <= len + 1; n++) {
		uint8_t *t = malloc(n + 1);

		assert_non_null(t);
		memcpy(t, payload, n < len ? n : len);
		if (n > len)
			memset(t + len, 0, n - len);
		if (n != len && seal_item_parse(t, n, &it) == 0)
			assert_int_equal(seal_item_restore(&it, key0, &work.im), ERR_AUTH);
		free(t);
	}
	assert_true(pic_equal(&work, &before));
	free(b);
	free(payload);
	seal_free(&s);
	pic_fini(&src);
	pic_fini(&before);
	pic_fini(&work);
}

/*
 * A header alone (as a request carries it) parses like the payload it
 * came from, and only at its exact length; it restores nothing. R must
 * be a canonical point other than the identity, in either parser.
 */
static void
test_seal_header(void **state)
{
	struct world *w = world();
	struct seal_item it, hd;
	struct pic pic;
	uint8_t *b, key[32] = { 0 };
	size_t hl = w->it[0].ad_len;

	(void)state;
	assert_int_equal(seal_header_parse(w->pl[0], hl, &hd), 0);
	it = w->it[0];
	assert_memory_equal(hd.ref, it.ref, SEAL_REF_BYTES);
	assert_memory_equal(hd.R, it.R, B32);
	assert_memory_equal(hd.key_id, it.key_id, JUDICIAL_KEY_ID_BYTES);
	assert_int_equal(hd.segment, it.segment);
	assert_int_equal(hd.m.track, it.m.track);
	assert_int_equal(hd.m.media_us, it.m.media_us);
	assert_int_equal(hd.m.wall_us, it.m.wall_us);
	assert_memory_equal(&hd.r, &it.r, sizeof hd.r);
	assert_string_equal(hd.camera, it.camera);
	assert_ptr_equal(hd.ad, w->pl[0]);
	assert_int_equal(hd.ad_len, hl);
	assert_null(hd.ct);
	assert_int_equal(hd.ct_len, 0);
	assert_true(hl >= SEAL_HEADER_MIN && hl <= SEAL_HEADER_MAX);
	seed_write("seal", "header_only", w->pl[0], hl);
	/* Nothing to restore from a header. */
	pic_init(&pic, W_FW, W_FH, 1, 1, 3);
	assert_int_equal(seal_item_restore(&hd, key, &pic.im), ERR_CORRUPT);
	pic_fini(&pic);
	/* Exact length only; the whole payload is not a header. */
	assert_int_equal(seal_header_parse(w->pl[0], hl - 1, &hd), ERR_CORRUPT);
	assert_int_equal(seal_header_parse(w->pl[0], hl + 1, &hd), ERR_CORRUPT);
	assert_int_equal(seal_header_parse(w->pl[0], w->pl_len[0], &hd), ERR_CORRUPT);
	assert_int_equal(seal_header_parse(w->pl[0], 0, &hd), ERR_CORRUPT);
	/* A newer version is unsupported, not corrupt, in both parsers. */
	b = dup_bytes(w->pl[0], w->pl_len[0]);
	b[0] = SEAL_VERSION + 1;
	assert_int_equal(seal_header_parse(b, hl, &hd), ERR_UNSUPPORTED);
	assert_int_equal(seal_item_parse(b, w->pl_len[0], &hd), ERR_UNSUPPORTED);
	b[0] = SEAL_VERSION;
	/* R (header bytes hl-56..hl-24): bit 255, then the identity. */
	b[hl - 24 - 1] |= 0x80;
	assert_int_equal(seal_item_parse(b, w->pl_len[0], &hd), ERR_CORRUPT);
	assert_int_equal(seal_header_parse(b, hl, &hd), ERR_CORRUPT);
	memset(b + hl - 24 - B32, 0, B32);
	assert_int_equal(seal_item_parse(b, w->pl_len[0], &hd), ERR_CORRUPT);
	assert_int_equal(seal_header_parse(b, hl, &hd), ERR_CORRUPT);
	free(b);
	/* The golden header gives the golden reference. */
	{
		uint8_t gh[256];
		size_t glen = (sizeof GV_HEADER - 1) / 2;

		unhex(GV_HEADER, gh, glen);
		assert_int_equal(seal_header_parse(gh, glen, &hd), 0);
		assert_hex(hd.ref, SEAL_REF_BYTES, GV_REF);
	}
}

struct seal_bad_case {
	const char *name;
	int fw, fh, sx, sy;
	struct rect r;
};

static struct seal_bad_case seal_bad_cases[] = {
	{ "seal_bad/empty_w", 64, 48, 1, 1, { 0, 0, 0, 8 } },
	{ "seal_bad/empty_h", 64, 48, 1, 1, { 0, 0, 8, 0 } },
	{ "seal_bad/negative_w", 64, 48, 1, 1, { 10, 10, -4, 8 } },
	{ "seal_bad/negative_x", 64, 48, 1, 1, { -1, 0, 8, 8 } },
	{ "seal_bad/negative_y", 64, 48, 1, 1, { 0, -1, 8, 8 } },
	{ "seal_bad/past_right", 64, 48, 1, 1, { 57, 0, 8, 8 } },
	{ "seal_bad/past_bottom", 64, 48, 1, 1, { 0, 41, 8, 8 } },
	{ "seal_bad/x_overflow", 64, 48, 1, 1, { INT_MAX - 3, 0, 8, 8 } },
	{ "seal_bad/y_overflow", 64, 48, 1, 1, { 0, INT_MAX - 3, 8, 8 } },
	{ "seal_bad/too_wide", 5000, 16, 1, 1, { 0, 0, SEAL_MAX_SIDE + 1, 8 } },
	{ "seal_bad/too_tall", 16, 5000, 1, 1, { 0, 0, 8, SEAL_MAX_SIDE + 1 } },
	{ "seal_bad/frame_too_wide", 65536, 16, 1, 1, { 0, 0, 8, 8 } },
	{ "seal_bad/shift_x_2", 64, 48, 2, 1, { 0, 0, 8, 8 } },
	{ "seal_bad/shift_y_2", 64, 48, 1, 2, { 0, 0, 8, 8 } },
};

static void
test_seal_bad(void **state)
{
	const struct seal_bad_case *c = *state;
	struct world *w = world();
	struct seal *s = NULL;
	struct seal_meta m = { 1, 0, 0, 0 };
	struct image im = { { NULL, NULL, NULL }, { c->fw, c->fw, c->fw }, c->fw, c->fh,
	    c->sx, c->sy, 0 };
	uint8_t *payload = (uint8_t *)&im;
	size_t len = 99;
	char *cause = NULL;

	/* The checks come first: nothing is read (the planes are NULL). */
	assert_int_equal(seal_create(w->a.pk, "lobby", 2.0, 3, &s, &cause), 0);
	assert_int_equal(seal_region(s, &im, c->r, &m, &payload, &len), ERR_INVAL);
	assert_null(payload);
	assert_int_equal(len, 0);
	assert_int_equal(seal_segments(s), 0);
	seal_free(&s);
}

static void
test_seal_create_bad(void **state)
{
	struct world *w = world();
	struct seal *s = (struct seal *)&s;
	char *cause = NULL;
	static const double segs[] = { 0, -1, 3600.5, 1e300 };

	(void)state;
	assert_int_equal(seal_create(w->a.pk, "", 2, 3, &s, &cause), ERR_INVAL);
	assert_null(s);
	no_cause(&cause);
	{
		char cam[SEAL_CAMERA_MAX + 2];

		memset(cam, 'c', sizeof cam - 1);
		cam[sizeof cam - 1] = '\0';
		assert_int_equal(seal_create(w->a.pk, cam, 2, 3, &s, &cause), ERR_INVAL);
		no_cause(&cause);
		cam[SEAL_CAMERA_MAX] = '\0';
		assert_int_equal(seal_create(w->a.pk, cam, 2, 3, &s, &cause), 0);
		seal_free(&s);
	}
	for (size_t i = 0; i < NELEM(segs); i++) {
		assert_int_equal(seal_create(w->a.pk, "lobby", segs[i], 3, &s, &cause), ERR_INVAL);
		assert_non_null(cause);
		no_cause(&cause);
	}
	assert_int_equal(seal_create(w->a.pk, "lobby", NAN, 3, &s, &cause), ERR_INVAL);
	no_cause(&cause);
	assert_int_equal(seal_create(w->a.pk, "lobby", 3600, 3, &s, &cause), 0);
	seal_free(&s);
}

/* Segment keys: which seals share an encapsulation. */
struct seg_step {
	uint32_t track;
	int64_t t_ms;
	int same_as;		/* earlier step with the same R, -1: a new R */
};

struct seg_case {
	const char *name;
	struct seg_step step[8];
	int nsteps;
};

static struct seg_case seg_cases[] = {
	{ "segment/rotation", { { 3, 0, -1 }, { 3, 500, 0 }, { 3, 1999, 0 }, { 3, 2000, -1 },
	  { 3, 2500, 3 }, { 3, 3999, 3 }, { 3, 4100, -1 } }, 7 },
	{ "segment/tracks", { { 3, 0, -1 }, { 4, 0, -1 }, { 3, 10, 0 }, { 4, 10, 1 },
	  { 0, 10, -1 }, { 0, 20, 4 } }, 6 },
	{ "segment/time_back", { { 3, 5000, -1 }, { 3, 4000, -1 }, { 3, 4500, 1 },
	  { 3, 5999, 1 }, { 3, 6000, -1 } }, 5 },
	{ "segment/negative_time", { { 3, -1500, -1 }, { 3, 0, 0 }, { 3, 500, -1 } }, 3 },
	{ "segment/gap_then_back", { { 3, 0, -1 }, { 3, 100000, -1 }, { 3, 100, -1 } }, 3 },
};

static void
test_segments(void **state)
{
	const struct seg_case *c = *state;
	struct world *w = world();
	struct seal *s = NULL;
	struct seal_item it[8];
	struct unlock_request *rq = calloc(1, sizeof *rq);
	uint8_t *payload[8];
	size_t len;
	uint32_t nnew = 0;
	int group[8];
	char *cause = NULL;

	assert_non_null(rq);
	rq_fill(rq, w->a.pk);
	rq->scope.from_us = INT64_MIN;	/* these steps go back and far */
	rq->scope.to_us = INT64_MAX;
	assert_int_equal(seal_create(w->a.pk, "lobby", 2.0, 1, &s, &cause), 0);
	for (int i = 0; i < c->nsteps; i++) {
		struct seal_meta m = { c->step[i].track, 0, c->step[i].t_ms * 1000, 0 };

		assert_int_equal(seal_region(s, &w->src.im, (struct rect){ 8, 8, 4, 4 }, &m,
		    &payload[i], &len), 0);
		assert_int_equal(seal_item_parse(payload[i], len, &it[i]), 0);
		group[i] = c->step[i].same_as < 0 ? i : group[c->step[i].same_as];
		for (int j = 0; j < i; j++) {
			int same = memcmp(it[i].R, it[j].R, B32) == 0;

			if (same != (group[i] == group[j]))
				fail_msg("steps %d and %d: same R is %d, want %d", j, i, same,
				    group[i] == group[j]);
			if (same)
				assert_int_equal(it[i].segment, it[j].segment);
			else
				assert_int_not_equal(it[i].segment, it[j].segment);
		}
		if (c->step[i].same_as < 0) {
			assert_int_equal(it[i].segment, nnew);
			nnew++;
		}
		assert_int_equal(seal_segments(s), nnew);
		assert_int_equal(unlock_request_add(rq, &it[i]), 0);
	}
	/* The request needs one key per distinct R. */
	assert_int_equal(unlock_request_encode(rq), 0);
	assert_int_equal(rq->nkeys, nnew);
	for (int i = 0; i < c->nsteps; i++)
		free(payload[i]);
	unlock_request_free(&rq);
	seal_free(&s);
}

/* 64 tracks fill the slots; a 65th evicts the least recently used. */
static void
test_segments_lru(void **state)
{
	struct world *w = world();
	struct seal *s = NULL;
	struct seal_item it;
	uint8_t R[66][B32], *payload;
	size_t len;
	char *cause = NULL;

	(void)state;
	assert_int_equal(seal_create(w->a.pk, "lobby", 60.0, 1, &s, &cause), 0);
	/*
	 * Steps 0-63: tracks 0-63 at 200 ms + step ms. Step 64: track 0
	 * again (300 ms), so track 1 is now the least recently used. Step 65:
	 * track 100 takes track 1's slot.
	 */
	for (uint32_t t = 0; t < 66; t++) {
		uint32_t track = t == 64 ? 0 : t == 65 ? 100 : t;
		struct seal_meta m = { track, 0, t == 64 ? 300000 : (int64_t)t * 1000 + 200000, 0 };

		assert_int_equal(seal_region(s, &w->src.im, (struct rect){ 0, 0, 2, 2 }, &m,
		    &payload, &len), 0);
		assert_int_equal(seal_item_parse(payload, len, &it), 0);
		memcpy(R[t], it.R, B32);
		free(payload);
	}
	assert_memory_equal(R[64], R[0], B32);	/* track 0 kept its segment */
	assert_int_equal(seal_segments(s), 65);
	{
		struct seal_meta m1 = { 1, 0, 400000, 0 }, m2 = { 2, 0, 400000, 0 };

		/* Track 1 was evicted by track 100: a fresh R. Track 2 kept its own. */
		assert_int_equal(seal_region(s, &w->src.im, (struct rect){ 0, 0, 2, 2 }, &m1,
		    &payload, &len), 0);
		assert_int_equal(seal_item_parse(payload, len, &it), 0);
		assert_memory_not_equal(it.R, R[1], B32);
		free(payload);
		assert_int_equal(seal_segments(s), 66);
		assert_int_equal(seal_region(s, &w->src.im, (struct rect){ 0, 0, 2, 2 }, &m2,
		    &payload, &len), 0);
		assert_int_equal(seal_item_parse(payload, len, &it), 0);
		free(payload);
		/* Track 2 was the next oldest, evicted by track 1. */
		assert_memory_not_equal(it.R, R[2], B32);
	}
	seal_free(&s);
}

/* ---- unlock: scope ------------------------------------------------------ */

struct scope_case {
	const char *name;
	struct unlock_scope sc;
	uint32_t track;
	int64_t media_us, wall_us;
	const char *camera;
	int want;
};

static struct scope_case scope_cases[] = {
	{ "scope/media_inside", { 0, 0, 10, "", -1 }, 1, 5, 0, "lobby", 1 },
	{ "scope/media_from_inclusive", { 0, 5, 10, "", -1 }, 1, 5, 0, "lobby", 1 },
	{ "scope/media_to_inclusive", { 0, 0, 5, "", -1 }, 1, 5, 0, "lobby", 1 },
	{ "scope/media_before", { 0, 6, 10, "", -1 }, 1, 5, 0, "lobby", 0 },
	{ "scope/media_after", { 0, 0, 4, "", -1 }, 1, 5, 0, "lobby", 0 },
	{ "scope/wall_inside", { 1, 100, 200, "", -1 }, 1, 5000, 150, "lobby", 1 },
	{ "scope/wall_uses_wall_clock", { 1, 100, 200, "", -1 }, 1, 150, 5000, "lobby", 0 },
	{ "scope/wall_unknown", { 1, INT64_MIN, INT64_MAX, "", -1 }, 1, 5, 0, "lobby", 0 },
	{ "scope/camera_match", { 0, 0, 10, "lobby", -1 }, 1, 5, 0, "lobby", 1 },
	{ "scope/camera_other", { 0, 0, 10, "lobby", -1 }, 1, 5, 0, "lobby2", 0 },
	{ "scope/camera_prefix", { 0, 0, 10, "lob", -1 }, 1, 5, 0, "lobby", 0 },
	{ "scope/track_match", { 0, 0, 10, "", 7 }, 7, 5, 0, "lobby", 1 },
	{ "scope/track_other", { 0, 0, 10, "", 7 }, 8, 5, 0, "lobby", 0 },
	{ "scope/track_max", { 0, 0, 10, "", UINT32_MAX }, UINT32_MAX, 5, 0, "lobby", 1 },
	{ "scope/track_0_untracked", { 0, 0, 10, "", 0 }, 0, 5, 0, "lobby", 1 },
};

static void
test_scope(void **state)
{
	const struct scope_case *c = *state;
	struct seal_item it;

	memset(&it, 0, sizeof it);
	it.m.track = c->track;
	it.m.media_us = c->media_us;
	it.m.wall_us = c->wall_us;
	strcpy(it.camera, c->camera);
	assert_int_equal(unlock_in_scope(&c->sc, &it), c->want);
}

/* ---- unlock: requests --------------------------------------------------- */

/* An item reference (docs/KEYS.md): BLAKE2b-128("camveil-item-v1" || header). */
static void
item_ref(const uint8_t *hdr, size_t len, uint8_t ref[SEAL_REF_BYTES])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, SEAL_REF_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)"camveil-item-v1", 15);
	crypto_generichash_update(&st, hdr, len);
	crypto_generichash_final(&st, ref, SEAL_REF_BYTES);
}

/* A request written field by field (docs/KEYS.md "Request", version 2), items as given. */
static uint8_t *
rq_blob(const struct unlock_request *rq, size_t *len)
{
	struct wire_w w;

	wire_w_init(&w, 1 << 24);
	wire_bytes(&w, "CVRQ", 4);
	wire_u8(&w, 2);
	wire_bytes(&w, rq->key_id, 16);
	wire_str8(&w, rq->case_id);
	wire_str8(&w, rq->requester);
	wire_str8(&w, rq->recording);
	wire_u64(&w, (uint64_t)rq->created_us);
	wire_u8(&w, (uint8_t)rq->scope.wall);
	wire_u64(&w, (uint64_t)rq->scope.from_us);
	wire_u64(&w, (uint64_t)rq->scope.to_us);
	wire_str8(&w, rq->scope.camera);
	wire_u64(&w, (uint64_t)rq->scope.track);
	wire_u32(&w, rq->nkeys);
	wire_bytes(&w, rq->R, (size_t)rq->nkeys * B32);
	wire_u32(&w, rq->nitems);
	for (uint32_t i = 0; i < rq->nitems; i++) {
		wire_u32(&w, rq->items[i].key);
		wire_u8(&w, (uint8_t)rq->items[i].hdr_len);
		wire_bytes(&w, rq->items[i].hdr, rq->items[i].hdr_len);
	}
	assert_int_equal(w.err, 0);
	*len = w.len;
	return w.p;
}

static int
ref_cmp(const void *a, const void *b)
{
	return memcmp(((const struct unlock_item *)a)->ref, ((const struct unlock_item *)b)->ref,
	    SEAL_REF_BYTES);
}

/* After editing headers: references recomputed, items sorted again. */
static void
rq_resort(struct unlock_request *rq)
{
	for (uint32_t i = 0; i < rq->nitems; i++)
		item_ref(rq->items[i].hdr, rq->items[i].hdr_len, rq->items[i].ref);
	qsort(rq->items, rq->nitems, sizeof *rq->items, ref_cmp);
}

/* The world's request, parsed (a copy to edit). */
static struct unlock_request *
rq_copy(void)
{
	struct unlock_request *rq = NULL;
	char *cause = NULL;

	assert_int_equal(unlock_request_parse(W.rq->blob, W.rq->blob_len, &rq, &cause), 0);
	return rq;
}

static void
test_request_roundtrip(void **state)
{
	struct world *w = world();
	struct unlock_request *rq = NULL, *rq2 = NULL;
	char dir[128], path[192], *cause = NULL, *text;
	size_t tlen, len;
	uint8_t *blob;

	(void)state;
	assert_int_equal(unlock_request_parse(w->rq->blob, w->rq->blob_len, &rq, &cause), 0);
	assert_null(cause);
	assert_memory_equal(rq->key_id, w->rq->key_id, 16);
	assert_string_equal(rq->case_id, "2024-CR-0042");
	assert_string_equal(rq->requester, "det. smith");
	assert_string_equal(rq->recording, "lobby-2024-05-01.mkv");
	assert_int_equal(rq->created_us, w->rq->created_us);
	assert_memory_equal(&rq->scope, &w->rq->scope, sizeof rq->scope);
	assert_int_equal(rq->nkeys, w->rq->nkeys);
	assert_memory_equal(rq->R, w->rq->R, (size_t)rq->nkeys * B32);
	assert_int_equal(rq->nitems, w->rq->nitems);
	assert_memory_equal(rq->items, w->rq->items, rq->nitems * sizeof *rq->items);
	assert_memory_equal(rq->hash, w->rq->hash, UNLOCK_HASH_BYTES);
	/* Our own encoder, from the documented format, gives the same bytes. */
	blob = rq_blob(rq, &len);
	assert_int_equal(len, w->rq->blob_len);
	assert_memory_equal(blob, w->rq->blob, len);
	free(blob);
	/* Re-encoding the parsed request gives the same bytes and hash. */
	blob = dup_bytes(rq->blob, rq->blob_len);
	assert_int_equal(unlock_request_encode(rq), 0);
	assert_int_equal(rq->blob_len, w->rq->blob_len);
	assert_memory_equal(rq->blob, blob, rq->blob_len);
	assert_memory_equal(rq->hash, w->rq->hash, UNLOCK_HASH_BYTES);
	free(blob);
	for (int i = 0; i < W_ITEMS; i++) {
		int64_t f = unlock_request_find(rq, w->it[i].ref);

		assert_true(f >= 0);
		assert_memory_equal(rq->items[f].ref, w->it[i].ref, SEAL_REF_BYTES);
		assert_int_equal(rq->items[f].track, w->it[i].m.track);
		assert_int_equal(rq->items[f].t_us, w->it[i].m.media_us);
		/* The request carries the item's header exactly. */
		assert_int_equal(rq->items[f].hdr_len, w->it[i].ad_len);
		assert_memory_equal(rq->items[f].hdr, w->pl[i], w->it[i].ad_len);
	}
	assert_int_equal(unlock_request_find(rq, (uint8_t[SEAL_REF_BYTES]){ 0 }), -1);
	/* Through a file: armored, comment on one line, control bytes escaped. */
	tmp_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/case.request", dir);
	strcpy(rq->case_id, "two\nlines\r\x1b[2J");
	assert_int_equal(unlock_request_save(path, rq, &cause), 0);
	text = read_text(path, &tlen);
	assert_non_null(strstr(text, "untrusted comment: camveil unlock request, case "
	    "two\\nlines\\r\\x1b[2J, 6 sealed items\n"));
	seed_write("request", "request.txt", text, tlen);
	free(text);
	assert_int_equal(unlock_request_load(path, &rq2, &cause), 0);
	assert_string_equal(rq2->case_id, "two\nlines\r\x1b[2J");
	assert_memory_equal(rq2->hash, rq->hash, UNLOCK_HASH_BYTES);
	assert_memory_not_equal(rq2->hash, w->rq->hash, UNLOCK_HASH_BYTES);
	unlock_request_free(&rq2);
	unlock_request_free(&rq);
	unlock_request_free(&rq);
	unlock_request_free(NULL);
}

/* Header offsets (docs/KEYS.md "Seal payload"). */
#define H_KIND 1
#define H_SEGMENT 20
#define H_TRACK 24
#define H_MEDIA 32
#define H_CAMERA 61	/* after its length byte; "lobby" in the world */
#define H_R 66

/* Offsets into the world's request blob. */
struct rq_layout {
	size_t scope, camera, track, nkeys, R, nitems, items;
	size_t item[W_ITEMS];	/* each item: key u32, header length u8, header */
};

static struct rq_layout
rq_layout(const struct unlock_request *rq)
{
	struct rq_layout l;
	size_t o = 4 + 1 + 16;

	o += 1 + strlen(rq->case_id);
	o += 1 + strlen(rq->requester);
	o += 1 + strlen(rq->recording);
	o += 8;
	l.scope = o;
	o += 1 + 8 + 8;
	l.camera = o;
	o += 1 + strlen(rq->scope.camera);
	l.track = o;
	o += 8;
	l.nkeys = o;
	l.R = o + 4;
	l.nitems = l.R + (size_t)rq->nkeys * B32;
	l.items = l.nitems + 4;
	o = l.items;
	assert_int_equal(rq->nitems, W_ITEMS);
	for (uint32_t i = 0; i < rq->nitems; i++) {
		l.item[i] = o;
		o += 4 + 1 + rq->items[i].hdr_len;
	}
	assert_int_equal(o, rq->blob_len);
	return l;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

enum rq_edit {
	RQ_MAGIC, RQ_VERSION_1, RQ_VERSION_3, RQ_SWAP_ITEMS, RQ_DUP_ITEM, RQ_ITEM_KEY,
	RQ_NKEYS_HUGE, RQ_NKEYS_MORE, RQ_NITEMS_HUGE, RQ_NITEMS_LESS, RQ_NITEMS_ZERO,
	RQ_WALL_2, RQ_FROM_AFTER_TO, RQ_TRACK_M2, RQ_TRACK_BIG, RQ_R_INVALID, RQ_R_BIT255,
	RQ_R_IDENTITY, RQ_CASE_LEN, RQ_CASE_NUL, RQ_HDRLEN_SHORT, RQ_HDRLEN_LONG, RQ_HDRLEN_0,
	RQ_HDR_BYTE,
};

struct rq_bad_case {
	const char *name;
	enum rq_edit edit;
	const char *cause;	/* NULL: any */
};

static struct rq_bad_case rq_bad_cases[] = {
	{ "request_bad/magic", RQ_MAGIC, "not an unlock request" },
	{ "request_bad/version_1", RQ_VERSION_1, "version 1 is no longer accepted" },
	{ "request_bad/version_3", RQ_VERSION_3, "request version 3" },
	{ "request_bad/items_out_of_order", RQ_SWAP_ITEMS, "out of order" },
	{ "request_bad/item_twice", RQ_DUP_ITEM, "out of order or repeated" },
	{ "request_bad/item_key_past_nkeys", RQ_ITEM_KEY, "names key 6 of 5" },
	{ "request_bad/nkeys_huge", RQ_NKEYS_HUGE, NULL },
	{ "request_bad/nkeys_plus_one", RQ_NKEYS_MORE, NULL },
	{ "request_bad/nitems_huge", RQ_NITEMS_HUGE, NULL },
	{ "request_bad/nitems_minus_one", RQ_NITEMS_LESS, "extra bytes" },
	{ "request_bad/nitems_zero", RQ_NITEMS_ZERO, NULL },
	{ "request_bad/scope_wall_2", RQ_WALL_2, "scope is invalid" },
	{ "request_bad/scope_from_after_to", RQ_FROM_AFTER_TO, "scope is invalid" },
	{ "request_bad/scope_track_minus_2", RQ_TRACK_M2, "scope is invalid" },
	{ "request_bad/scope_track_2^32", RQ_TRACK_BIG, "scope is invalid" },
	{ "request_bad/R_not_a_point", RQ_R_INVALID, "key 2 is not a valid point" },
	{ "request_bad/R_bit255", RQ_R_BIT255, "key 1 is not a valid point" },
	{ "request_bad/R_identity", RQ_R_IDENTITY, "key 1 is not a valid point" },
	{ "request_bad/case_length_past_end", RQ_CASE_LEN, NULL },
	{ "request_bad/case_with_nul", RQ_CASE_NUL, NULL },
	{ "request_bad/header_length_short", RQ_HDRLEN_SHORT, NULL },
	{ "request_bad/header_length_long", RQ_HDRLEN_LONG, NULL },
	{ "request_bad/header_length_0", RQ_HDRLEN_0, "does not parse" },
	/* A header changed in place: another reference (order) and time (scope). */
	{ "request_bad/header_media_time", RQ_HDR_BYTE, NULL },
};

static void
test_request_bad(void **state)
{
	const struct rq_bad_case *c = *state;
	struct world *w = world();
	struct rq_layout l = rq_layout(w->rq);
	struct unlock_request *rq = NULL;
	size_t isz = l.item[1] - l.item[0];
	uint8_t *b = dup_bytes(w->rq->blob, w->rq->blob_len), *tmp = malloc(isz);
	char *cause = NULL;

	assert_non_null(tmp);
	assert_int_equal(l.item[2] - l.item[1], isz);
	switch (c->edit) {
	case RQ_MAGIC: b[0] = 'X'; break;
	case RQ_VERSION_1: b[4] = 1; break;
	case RQ_VERSION_3: b[4] = 3; break;
	case RQ_SWAP_ITEMS:
		memcpy(tmp, b + l.item[0], isz);
		memcpy(b + l.item[0], b + l.item[1], isz);
		memcpy(b + l.item[1], tmp, isz);
		break;
	case RQ_DUP_ITEM: memcpy(b + l.item[1], b + l.item[0], isz); break;
	case RQ_ITEM_KEY: put32(b + l.item[0], w->rq->nkeys); break;
	case RQ_NKEYS_HUGE: put32(b + l.nkeys, 0xffffffff); break;
	case RQ_NKEYS_MORE: put32(b + l.nkeys, w->rq->nkeys + 1); break;
	case RQ_NITEMS_HUGE: put32(b + l.nitems, 0xffffffff); break;
	case RQ_NITEMS_LESS: put32(b + l.nitems, w->rq->nitems - 1); break;
	case RQ_NITEMS_ZERO: put32(b + l.nitems, 0); break;
	case RQ_WALL_2: b[l.scope] = 2; break;
	case RQ_FROM_AFTER_TO: put64(b + l.scope + 1, 10000001); break;
	case RQ_TRACK_M2: put64(b + l.track, (uint64_t)-2); break;
	case RQ_TRACK_BIG: put64(b + l.track, 1ull << 32); break;
	case RQ_R_INVALID: memset(b + l.R + B32, 0xff, B32); break;
	case RQ_R_BIT255: b[l.R + B32 - 1] |= 0x80; break;
	case RQ_R_IDENTITY: memset(b + l.R, 0, B32); break;
	case RQ_CASE_LEN: b[21] = 255; break;
	case RQ_CASE_NUL: b[23] = 0; break;
	case RQ_HDRLEN_SHORT: b[l.item[0] + 4]--; break;
	case RQ_HDRLEN_LONG: b[l.item[0] + 4]++; break;
	case RQ_HDRLEN_0: b[l.item[w->rq->nitems - 1] + 4] = 0; break;
	case RQ_HDR_BYTE: b[l.item[0] + 5 + H_MEDIA] ^= 1; break;	/* + 2^56 us */
	}
	assert_int_equal(unlock_request_parse(b, w->rq->blob_len, &rq, &cause), ERR_CORRUPT);
	assert_null(rq);
	assert_non_null(cause);
	if (c->cause != NULL && strstr(cause, c->cause) == NULL)
		fail_msg("cause \"%s\" does not say \"%s\"", cause, c->cause);
	/* Every cause says it is about the request (restore's caller greps it). */
	assert_non_null(strstr(cause, "request"));
	no_cause(&cause);
	free(tmp);
	free(b);
}

/*
 * Requests that are well formed but ask for more than they may: each
 * built from the world's request by editing what it says (headers, keys,
 * scope), with references recomputed and items sorted again, so only the
 * check under test can refuse it. Parse, approve and save all refuse.
 */
enum rq_check {
	RC_HONEST, RC_OTHER_KEY_ID, RC_ITEM_OTHER_R, RC_TRACK_SCOPE, RC_CAMERA_SCOPE,
	RC_WALL_SCOPE, RC_FROM_LATER, RC_KEY_TRACKS_DIFFER, RC_KEY_SEGMENTS_DIFFER,
	RC_KEY_CAMERAS_DIFFER, RC_HDR_KIND, RC_HDR_R_BIT255, RC_HDR_OTHER_R,
};

struct rq_check_case {
	const char *name;
	enum rq_check edit;
	const char *cause;	/* NULL: accepted */
};

static struct rq_check_case rq_check_cases[] = {
	{ "request_check/honest_rebuilt", RC_HONEST, NULL },
	{ "request_check/header_other_judicial_key", RC_OTHER_KEY_ID, "another judicial key" },
	{ "request_check/item_names_another_key", RC_ITEM_OTHER_R, "carries another R" },
	{ "request_check/scope_track_narrower", RC_TRACK_SCOPE, "outside the request's own scope" },
	{ "request_check/scope_other_camera", RC_CAMERA_SCOPE, "outside the request's own scope" },
	{ "request_check/scope_wall_clock", RC_WALL_SCOPE, "outside the request's own scope" },
	{ "request_check/scope_starts_later", RC_FROM_LATER, "outside the request's own scope" },
	{ "request_check/one_key_two_tracks", RC_KEY_TRACKS_DIFFER, "share key" },
	{ "request_check/one_key_two_segments", RC_KEY_SEGMENTS_DIFFER, "share key" },
	{ "request_check/one_key_two_cameras", RC_KEY_CAMERAS_DIFFER, "share key" },
	{ "request_check/header_kind_2", RC_HDR_KIND, "does not parse" },
	{ "request_check/header_R_bit255", RC_HDR_R_BIT255, "does not parse" },
	{ "request_check/header_R_of_another_item", RC_HDR_OTHER_R, "carries another R" },
};

/* Two items of the request under one key: *a, *b (the world has such a pair). */
static void
same_key_pair(const struct unlock_request *rq, uint32_t *a, uint32_t *b)
{
	for (uint32_t i = 0; i < rq->nitems; i++)
		for (uint32_t j = i + 1; j < rq->nitems; j++)
			if (rq->items[i].key == rq->items[j].key) {
				*a = i;
				*b = j;
				return;
			}
	fail_msg("no two items share a key");
}

/* Check that parse, approve and save all refuse rq (its blob replaced by b) for cause. */
static void
rq_refused(struct unlock_request *rq, uint8_t *b, size_t len, const char *want)
{
	struct unlock_request *out = NULL;
	struct unlock_approval *ap = NULL;
	struct judicial_share *sh = kit_share(&W.a, 1);
	char dir[128], path[192], *cause = NULL;

	assert_int_equal(unlock_request_parse(b, len, &out, &cause), ERR_CORRUPT);
	assert_null(out);
	if (strstr(cause, want) == NULL)
		fail_msg("parse: cause \"%s\" does not say \"%s\"", cause, want);
	no_cause(&cause);
	free(rq->blob);
	rq->blob = b;
	rq->blob_len = len;
	assert_int_equal(unlock_approve(rq, sh, &ap, &cause), ERR_CORRUPT);
	assert_null(ap);
	if (strstr(cause, want) == NULL)
		fail_msg("approve: cause \"%s\" does not say \"%s\"", cause, want);
	no_cause(&cause);
	tmp_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/req", dir);
	assert_int_equal(unlock_request_save(path, rq, &cause), ERR_CORRUPT);
	assert_non_null(strstr(cause, want));
	assert_int_equal(access(path, F_OK), -1);
	no_cause(&cause);
	judicial_share_free(&sh);
}

static void
test_request_check(void **state)
{
	const struct rq_check_case *c = *state;
	struct world *w = world();
	struct unlock_request *rq = rq_copy(), *out = NULL;
	uint32_t a = 0, b2 = 0;
	uint8_t *b;
	size_t len;
	char *cause = NULL;

	switch (c->edit) {
	case RC_HONEST:
		break;
	case RC_OTHER_KEY_ID:
		memcpy(rq->key_id, w->b.pk->key_id, JUDICIAL_KEY_ID_BYTES);
		break;
	case RC_ITEM_OTHER_R:
		rq->items[0].key = (rq->items[0].key + 1) % rq->nkeys;
		break;
	case RC_TRACK_SCOPE: rq->scope.track = 1; break;
	case RC_CAMERA_SCOPE: strcpy(rq->scope.camera, "hall"); break;
	case RC_WALL_SCOPE: rq->scope.wall = 1; break;
	case RC_FROM_LATER: rq->scope.from_us = 1; break;	/* the world has an item at 0 */
	case RC_KEY_TRACKS_DIFFER:
	case RC_KEY_SEGMENTS_DIFFER:
	case RC_KEY_CAMERAS_DIFFER:
		same_key_pair(rq, &a, &b2);
		if (c->edit == RC_KEY_TRACKS_DIFFER)
			put32(rq->items[b2].hdr + H_TRACK, 9);
		else if (c->edit == RC_KEY_SEGMENTS_DIFFER)
			put32(rq->items[b2].hdr + H_SEGMENT, 99);
		else
			rq->items[b2].hdr[H_CAMERA + 4] = 'z';
		break;
	case RC_HDR_KIND: rq->items[2].hdr[H_KIND] = 2; break;
	case RC_HDR_R_BIT255: rq->items[2].hdr[H_R + B32 - 1] |= 0x80; break;
	case RC_HDR_OTHER_R:
		/* The header says another R than its key (whose R is still named by others). */
		same_key_pair(rq, &a, &b2);
		for (uint32_t i = 0; i < rq->nitems; i++)
			if (rq->items[i].key != rq->items[a].key) {
				memcpy(rq->items[b2].hdr + H_R, rq->R + (size_t)rq->items[i].key * B32,
				    B32);
				break;
			}
		break;
	}
	rq_resort(rq);
	b = rq_blob(rq, &len);
	if (c->cause == NULL) {
		assert_int_equal(unlock_request_parse(b, len, &out, &cause), 0);
		assert_int_equal(len, w->rq->blob_len);
		assert_memory_equal(b, w->rq->blob, len);
		unlock_request_free(&out);
		free(b);
	} else {
		rq_refused(rq, b, len, c->cause);
	}
	unlock_request_free(&rq);
}

static void
test_request_truncation(void **state)
{
	struct world *w = world();
	struct unlock_request *rq = NULL;
	size_t len = w->rq->blob_len;
	char *cause = NULL;

	(void)state;
	for (size_t n = 0; n <= len + 2; n++) {
		uint8_t *b = malloc(n + 1);

		assert_non_null(b);
		memcpy(b, w->rq->blob, n < len ? n : len);
		if (n > len)
			memset(b + len, 0, n - len);
		if (n != len) {
			assert_int_equal(unlock_request_parse(b, n, &rq, &cause), ERR_CORRUPT);
			assert_null(rq);
			no_cause(&cause);
		}
		free(b);
	}
}

/* Every single-bit change: refused, or another hash the approvals do not fit. */
static void
test_request_flips(void **state)
{
	struct world *w = world();
	struct unlock_request *rq = NULL;
	struct judicial_pub *pk = NULL;
	size_t len = w->rq->blob_len, nparse = 0, nhash = 0;
	uint8_t *b = dup_bytes(w->rq->blob, len), *Z = NULL;
	int used[2];
	char *cause = NULL;

	(void)state;
	for (size_t pos = 0; pos < len; pos++) {
		for (int bit = 0; bit < 8; bit += 3) {
			b[pos] ^= (uint8_t)(1 << bit);
			if (unlock_request_parse(b, len, &rq, &cause) < 0) {
				nparse++;
				no_cause(&cause);
			} else {
				assert_memory_not_equal(rq->hash, w->rq->hash, UNLOCK_HASH_BYTES);
				assert_int_equal(unlock_combine(rq, w->ap, 2, &Z, &pk, used, &cause),
				    ERR_AUTH);
				assert_null(Z);
				assert_null(pk);
				no_cause(&cause);
				unlock_request_free(&rq);
				nhash++;
			}
			b[pos] ^= (uint8_t)(1 << bit);
		}
	}
	print_message("request: %zu bytes, %zu bit flips refused by the parser, %zu by the "
	    "request hash\n", len, nparse, nhash);
	free(b);
}

static void
test_request_add(void **state)
{
	struct world *w = world();
	struct unlock_request *rq = calloc(1, sizeof *rq);
	struct seal_item other;

	(void)state;
	assert_non_null(rq);
	rq_fill(rq, w->b.pk);
	/* An item sealed to another key. */
	assert_int_equal(unlock_request_add(rq, &w->it[0]), ERR_INVAL);
	assert_int_equal(rq->nitems, 0);
	rq_fill(rq, w->a.pk);
	/* Items outside the scope are refused. */
	rq->scope.track = 2;
	assert_int_equal(unlock_request_add(rq, &w->it[0]), ERR_INVAL);
	rq->scope.track = -1;
	rq->scope.to_us = 400000;
	assert_int_equal(unlock_request_add(rq, &w->it[1]), ERR_INVAL);
	strcpy(rq->scope.camera, "hall");
	assert_int_equal(unlock_request_add(rq, &w->it[0]), ERR_INVAL);
	assert_int_equal(rq->nitems, 0);
	assert_int_equal(rq->nkeys, 0);
	rq_fill(rq, w->a.pk);
	/* The same item three times, items sharing a segment: one key. */
	for (int rep = 0; rep < 3; rep++)
		assert_int_equal(unlock_request_add(rq, &w->it[0]), 0);
	assert_int_equal(unlock_request_add(rq, &w->it[1]), 0);
	assert_int_equal(rq->nkeys, 1);
	assert_int_equal(unlock_request_encode(rq), 0);
	assert_int_equal(rq->nitems, 2);
	/* Many items: the item array grows past its first allocation. */
	other = w->it[2];
	for (int i = 0; i < 300; i++) {
		other.ref[0] = (uint8_t)i;
		other.ref[1] = (uint8_t)(i >> 8);
		assert_int_equal(unlock_request_add(rq, &other), 0);
	}
	assert_int_equal(unlock_request_encode(rq), 0);
	assert_int_equal(rq->nitems, 302);
	assert_int_equal(rq->nkeys, 2);
	unlock_request_free(&rq);
}

/* A key that no item uses: approvals would release it all the same. */
static void
test_request_unused_key(void **state)
{
	struct unlock_request *rq = rq_copy();
	uint8_t R[B32], Z[B32], *nr, *b;
	size_t len;

	(void)state;
	assert_int_equal(tss_encap(W.a.P, R, Z), 0);
	nr = realloc(rq->R, (size_t)(rq->nkeys + 1) * B32);
	assert_non_null(nr);
	rq->R = nr;
	memcpy(rq->R + (size_t)rq->nkeys * B32, R, B32);
	rq->nkeys++;
	b = rq_blob(rq, &len);
	rq_refused(rq, b, len, "request key 6 is named by no item");
	unlock_request_free(&rq);
}

/* An item whose own header puts it outside the request's scope. */
static void
test_request_item_out_of_scope(void **state)
{
	struct unlock_request *rq = rq_copy();
	uint8_t *b;
	size_t len;

	(void)state;
	put64(rq->items[0].hdr + H_MEDIA, 99000000);	/* 99 s; the scope ends at 10 s */
	rq_resort(rq);
	b = rq_blob(rq, &len);
	rq_refused(rq, b, len, "outside the request's own scope");
	unlock_request_free(&rq);
}

/* ---- unlock: approvals ------------------------------------------------- */

/* The proof context (docs/KEYS.md): BLAKE2b-256(domain, hash, index, j). */
static void
ctx_for(const uint8_t hash[32], int index, uint32_t j, uint8_t ctx[B32])
{
	crypto_generichash_state st;
	uint8_t b[5] = { (uint8_t)index, (uint8_t)(j >> 24), (uint8_t)(j >> 16),
	    (uint8_t)(j >> 8), (uint8_t)j };

	crypto_generichash_init(&st, NULL, 0, B32);
	crypto_generichash_update(&st, (const uint8_t *)"camveil-approval-v1", 19);
	crypto_generichash_update(&st, hash, 32);
	crypto_generichash_update(&st, b, sizeof b);
	crypto_generichash_final(&st, ctx, B32);
}

/* An approval encoded field by field (docs/KEYS.md "Approval"). */
static uint8_t *
app_blob(const uint8_t hash[32], int index, const struct judicial_pub *pk, uint32_t nkeys,
    const uint8_t *D, const uint8_t *proof, size_t *len)
{
	struct wire_w w;

	wire_w_init(&w, 1 << 20);
	wire_bytes(&w, "CVAP", 4);
	wire_u8(&w, 1);
	wire_bytes(&w, hash, 32);
	wire_u8(&w, (uint8_t)index);
	wire_u16(&w, (uint16_t)pk->blob_len);
	wire_bytes(&w, pk->blob, pk->blob_len);
	wire_u32(&w, nkeys);
	for (uint32_t j = 0; j < nkeys; j++) {
		wire_bytes(&w, D + (size_t)j * B32, B32);
		wire_bytes(&w, proof + (size_t)j * TSS_PROOF_BYTES, TSS_PROOF_BYTES);
	}
	assert_int_equal(w.err, 0);
	*len = w.len;
	return w.p;
}

/* app_blob, parsed. */
static struct unlock_approval *
app_make(const uint8_t hash[32], int index, const struct judicial_pub *pk, uint32_t nkeys,
    const uint8_t *D, const uint8_t *proof)
{
	struct unlock_approval *ap = NULL;
	size_t len;
	uint8_t *blob = app_blob(hash, index, pk, nkeys, D, proof, &len);
	char *cause = NULL;

	assert_int_equal(unlock_approval_parse(blob, len, &ap, &cause), 0);
	free(blob);
	return ap;
}

/* Partials of share secret (with public key spub) for every key of rq. */
static void
partials(const struct unlock_request *rq, const uint8_t *secret, const uint8_t *spub,
    int index, uint8_t *D, uint8_t *proof)
{
	for (uint32_t j = 0; j < rq->nkeys; j++) {
		uint8_t ctx[B32];

		ctx_for(rq->hash, index, j, ctx);
		assert_int_equal(tss_partial(secret, spub, rq->R + (size_t)j * B32, ctx,
		    D + (size_t)j * B32, proof + (size_t)j * TSS_PROOF_BYTES), 0);
	}
}

static void
test_approval_roundtrip(void **state)
{
	struct world *w = world();
	struct unlock_approval *ap = NULL, *ap2 = NULL;
	uint8_t *b, D[8 * B32], proof[8 * TSS_PROOF_BYTES];
	size_t len;
	char dir[128], path[192], *text, *cause = NULL;

	(void)state;
	for (int h = 0; h < 3; h++) {
		const struct unlock_approval *x = w->ap[h];

		assert_int_equal(unlock_approval_parse(x->blob, x->blob_len, &ap, &cause), 0);
		assert_memory_equal(ap->req_hash, w->rq->hash, 32);
		assert_int_equal(ap->index, h + 1);
		assert_memory_equal(ap->pk->key_id, w->a.pk->key_id, 16);
		assert_int_equal(ap->nkeys, w->rq->nkeys);
		assert_memory_equal(ap->D, x->D, (size_t)ap->nkeys * B32);
		assert_memory_equal(ap->proof, x->proof, (size_t)ap->nkeys * TSS_PROOF_BYTES);
		/* Our own encoder gives the same bytes. */
		b = app_blob(ap->req_hash, ap->index, ap->pk, ap->nkeys, ap->D, ap->proof, &len);
		assert_int_equal(len, x->blob_len);
		assert_memory_equal(b, x->blob, len);
		free(b);
		/* D is exactly s_i * R for each key. */
		for (uint32_t j = 0; j < ap->nkeys; j++) {
			uint8_t t[B32];

			assert_int_equal(crypto_scalarmult_ristretto255(t, w->a.s + h * B32,
			    w->rq->R + j * B32), 0);
			assert_memory_equal(t, ap->D + j * B32, B32);
		}
		unlock_approval_free(&ap);
	}
	unlock_approval_free(&ap);
	unlock_approval_free(NULL);
	/* Our own partials with the documented proof context verify. */
	partials(w->rq, w->a.s + B32, w->a.pubs + B32, 2, D, proof);
	ap = app_make(w->rq->hash, 2, w->a.pk, w->rq->nkeys, D, proof);
	{
		struct unlock_approval *two[2] = { w->ap[0], ap };
		struct judicial_pub *pk = NULL;
		uint8_t *Z = NULL;
		int used[2];

		assert_int_equal(unlock_combine(w->rq, two, 2, &Z, &pk, used, &cause), 0);
		check_all_items(w->rq, Z, pk->P);
		sodium_free(Z);
		judicial_pub_free(&pk);
	}
	unlock_approval_free(&ap);
	/* Through a file. */
	tmp_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/bob.approval", dir);
	assert_int_equal(unlock_approval_save(path, w->ap[1], &cause), 0);
	text = read_text(path, &len);
	assert_non_null(strstr(text, "untrusted comment: camveil unlock approval by bob "
	    "(holder 2 of 3), 5 keys\n"));
	seed_write("approval", "bob.txt", text, len);
	free(text);
	assert_int_equal(unlock_approval_load(path, &ap2, &cause), 0);
	assert_int_equal(ap2->blob_len, w->ap[1]->blob_len);
	assert_memory_equal(ap2->blob, w->ap[1]->blob, ap2->blob_len);
	unlock_approval_free(&ap2);
	assert_int_equal(unlock_approval_save(path, w->ap[1], &cause), -EEXIST);
	no_cause(&cause);
}

static void
test_approve_refuses(void **state)
{
	struct world *w = world();
	struct judicial_share *sh = kit_share(&w->b, 1);
	struct unlock_approval *ap = (struct unlock_approval *)&ap;
	struct unlock_request *rq = NULL, *un = NULL;
	uint8_t *b;
	size_t len;
	char *cause = NULL;

	(void)state;
	/* A share of another key. */
	assert_int_equal(unlock_approve(w->rq, sh, &ap, &cause), ERR_INVAL);
	assert_null(ap);
	assert_non_null(strstr(cause, "another judicial key"));
	no_cause(&cause);
	judicial_share_free(&sh);
	/* A request naming the identity as a key (and its items' headers agreeing). */
	rq = rq_copy();
	memset(rq->R, 0, B32);
	for (uint32_t i = 0; i < rq->nitems; i++)
		if (rq->items[i].key == 0)
			memset(rq->items[i].hdr + H_R, 0, B32);
	rq_resort(rq);
	b = rq_blob(rq, &len);
	rq_refused(rq, b, len, "request key 1 is not a valid point");
	unlock_request_free(&rq);
	/* A request never encoded: nothing the hash covers to approve. */
	un = calloc(1, sizeof *un);
	assert_non_null(un);
	rq_fill(un, w->a.pk);
	sh = kit_share(&w->a, 1);
	assert_int_equal(unlock_approve(un, sh, &ap, &cause), ERR_INVAL);
	assert_null(ap);
	no_cause(&cause);
	/* The approval is of the blob, not of the struct beside it. */
	rq = rq_copy();
	rq->scope.to_us = INT64_MAX;
	memset(rq->R, 0, B32);
	assert_int_equal(unlock_approve(rq, sh, &ap, &cause), 0);
	assert_memory_equal(ap->req_hash, w->rq->hash, UNLOCK_HASH_BYTES);
	assert_memory_equal(ap->D, w->ap[0]->D, (size_t)ap->nkeys * B32);
	unlock_approval_free(&ap);
	unlock_request_free(&rq);
	unlock_request_free(&un);
	judicial_share_free(&sh);
}

/* Partial decryptions that are not canonical points other than the identity. */
static void
test_approval_bad_points(void **state)
{
	struct world *w = world();
	struct unlock_approval *ap = NULL;
	uint8_t D[8 * B32], *b;
	size_t len;
	char *cause = NULL;

	(void)state;
	for (int which = 0; which < 3; which++) {
		memcpy(D, w->ap[0]->D, (size_t)w->rq->nkeys * B32);
		if (which == 0)
			D[2 * B32 - 1] |= 0x80;		/* key 2, bit 255 */
		else if (which == 1)
			memset(D + B32, 0, B32);	/* key 2, the identity */
		else
			memset(D + B32, 0xff, B32);	/* key 2, not a point */
		b = app_blob(w->rq->hash, 1, w->a.pk, w->rq->nkeys, D, w->ap[0]->proof, &len);
		assert_int_equal(unlock_approval_parse(b, len, &ap, &cause), ERR_CORRUPT);
		assert_null(ap);
		assert_non_null(strstr(cause, "key 2 is not a valid point"));
		no_cause(&cause);
		free(b);
	}
}

enum apsrc {
	A1, A2, A3,
	A1_OTHER_REQ,	/* holder 1's approval of the altered request */
	A2_OTHER_REQ,
	B1_OWN_KEY,	/* another key's holder 1, carrying that key */
	B1_UNDER_A,	/* another key's share, passed off under key a */
	A1_FEWER,	/* answers one key less */
	A1_EXTRA,	/* answers one key more */
	A1_AS_2,	/* holder 1's partials labelled holder 2 */
	A1_SWAPPED,	/* partials and proofs of keys 1 and 2 swapped */
	A1_GRAFT,	/* right partials, proofs from another request */
	A3_BAD_D,	/* one partial replaced by a random point */
};

enum rqsrc { RQ_W, RQ_ALT_CASE, RQ_ALT_DROP, RQ_ALT_SCOPE };

struct combine_case {
	const char *name;
	enum rqsrc rq;
	int nap;
	enum apsrc ap[4];
	int ret;
	int used[4];
	const char *cause;
};

static struct combine_case combine_cases[] = {
	{ "combine/holders_1_2", RQ_W, 2, { A1, A2 }, 0, { 1, 1 }, NULL },
	{ "combine/holders_3_1", RQ_W, 2, { A3, A1 }, 0, { 1, 1 }, NULL },
	{ "combine/holders_2_3", RQ_W, 2, { A2, A3 }, 0, { 1, 1 }, NULL },
	{ "combine/all_three", RQ_W, 3, { A1, A2, A3 }, 0, { 1, 1, 0 }, NULL },
	{ "combine/twice_then_other", RQ_W, 3, { A1, A1, A3 }, 0, { 1, 0, 1 }, NULL },
	{ "combine/altered_request_own_approvals", RQ_ALT_CASE, 2, { A1_OTHER_REQ,
	  A2_OTHER_REQ }, 0, { 1, 1 }, NULL },
	{ "combine/none", RQ_W, 0, { A1 }, ERR_AUTH, { 0 }, "no approvals" },
	{ "combine/k_minus_1", RQ_W, 1, { A2 }, ERR_AUTH, { 0 }, "1 approval from distinct" },
	{ "combine/same_holder_twice", RQ_W, 2, { A1, A1 }, ERR_AUTH, { 0 },
	  "1 approval from distinct holders; the key needs 2" },
	{ "combine/other_request", RQ_W, 2, { A1_OTHER_REQ, A2 }, ERR_AUTH, { 0 },
	  "approval 1 is for another request" },
	{ "combine/request_case_altered", RQ_ALT_CASE, 2, { A1, A2 }, ERR_AUTH, { 0 },
	  "another request" },
	{ "combine/request_item_dropped", RQ_ALT_DROP, 2, { A1, A2 }, ERR_AUTH, { 0 },
	  "another request" },
	{ "combine/request_scope_widened", RQ_ALT_SCOPE, 2, { A1, A2 }, ERR_AUTH, { 0 },
	  "another request" },
	{ "combine/other_judicial_key", RQ_W, 2, { A1, B1_OWN_KEY }, ERR_AUTH, { 0 },
	  "approval 2 is made with another judicial key" },
	{ "combine/other_share_under_this_key", RQ_W, 2, { B1_UNDER_A, A2 }, ERR_AUTH, { 0 },
	  "approval 1 (holder alice): proof for key 1" },
	{ "combine/nkeys_fewer", RQ_W, 2, { A1, A1_FEWER }, ERR_AUTH, { 0 },
	  "answers 4 keys, the request has 5" },
	{ "combine/nkeys_more", RQ_W, 2, { A1_EXTRA, A2 }, ERR_AUTH, { 0 },
	  "answers 6 keys" },
	{ "combine/relabelled_holder", RQ_W, 2, { A1, A1_AS_2 }, ERR_AUTH, { 0 },
	  "approval 2 (holder bob)" },
	{ "combine/keys_swapped", RQ_W, 2, { A1_SWAPPED, A2 }, ERR_AUTH, { 0 },
	  "proof for key 1" },
	{ "combine/proofs_from_other_request", RQ_W, 2, { A2, A1_GRAFT }, ERR_AUTH, { 0 },
	  "approval 2 (holder alice)" },
	{ "combine/one_bad_partial", RQ_W, 2, { A1, A3_BAD_D }, ERR_AUTH, { 0 },
	  "proof for key 3" },
	{ "combine/bad_extra_approval", RQ_W, 3, { A1, A2, A3_BAD_D }, ERR_AUTH, { 0 },
	  "approval 3" },
};

static struct unlock_request *
rq_variant(enum rqsrc v)
{
	struct world *w = world();
	struct unlock_request *rq = NULL;
	char *cause = NULL;

	assert_int_equal(unlock_request_parse(w->rq->blob, w->rq->blob_len, &rq, &cause), 0);
	switch (v) {
	case RQ_W:
		break;
	case RQ_ALT_CASE:
		strcpy(rq->case_id, "2024-CR-0043");
		break;
	case RQ_ALT_DROP:
		rq->nitems--;
		break;
	case RQ_ALT_SCOPE:
		rq->scope.to_us = INT64_MAX;
		break;
	}
	assert_int_equal(unlock_request_encode(rq), 0);
	return rq;
}

static struct unlock_approval *
approval_for(enum apsrc src)
{
	struct world *w = world();
	struct unlock_request *rq = w->rq;
	struct unlock_approval *ap = NULL;
	uint32_t nk = rq->nkeys;
	uint8_t D[8 * B32], proof[8 * TSS_PROOF_BYTES], t[TSS_PROOF_BYTES];
	char *cause = NULL;

	switch (src) {
	case A1:
	case A2:
	case A3:
		assert_int_equal(unlock_approval_parse(w->ap[src - A1]->blob,
		    w->ap[src - A1]->blob_len, &ap, &cause), 0);
		return ap;
	case A1_OTHER_REQ:
	case A2_OTHER_REQ: {
		struct unlock_request *alt = rq_variant(RQ_ALT_CASE);
		struct judicial_share *sh = kit_share(&w->a, src == A1_OTHER_REQ ? 1 : 2);

		assert_int_equal(unlock_approve(alt, sh, &ap, &cause), 0);
		judicial_share_free(&sh);
		unlock_request_free(&alt);
		return ap;
	}
	case B1_OWN_KEY:
		partials(rq, w->b.s, w->b.pubs, 1, D, proof);
		return app_make(rq->hash, 1, w->b.pk, nk, D, proof);
	case B1_UNDER_A:
		partials(rq, w->b.s, w->a.pubs, 1, D, proof);
		return app_make(rq->hash, 1, w->a.pk, nk, D, proof);
	case A1_FEWER:
	case A1_EXTRA:
		partials(rq, w->a.s, w->a.pubs, 1, D, proof);
		if (src == A1_EXTRA) {
			memcpy(D + nk * B32, D, B32);
			memcpy(proof + nk * TSS_PROOF_BYTES, proof, TSS_PROOF_BYTES);
		}
		return app_make(rq->hash, 1, w->a.pk, src == A1_FEWER ? nk - 1 : nk + 1,
		    D, proof);
	case A1_AS_2:
		partials(rq, w->a.s, w->a.pubs, 1, D, proof);
		return app_make(rq->hash, 2, w->a.pk, nk, D, proof);
	case A1_SWAPPED:
		partials(rq, w->a.s, w->a.pubs, 1, D, proof);
		memcpy(t, D, B32);
		memcpy(D, D + B32, B32);
		memcpy(D + B32, t, B32);
		memcpy(t, proof, TSS_PROOF_BYTES);
		memcpy(proof, proof + TSS_PROOF_BYTES, TSS_PROOF_BYTES);
		memcpy(proof + TSS_PROOF_BYTES, t, TSS_PROOF_BYTES);
		return app_make(rq->hash, 1, w->a.pk, nk, D, proof);
	case A1_GRAFT: {
		struct unlock_approval *other = approval_for(A1_OTHER_REQ);

		memcpy(D, w->ap[0]->D, nk * B32);
		assert_memory_equal(D, other->D, nk * B32);	/* same R, same D */
		ap = app_make(rq->hash, 1, w->a.pk, nk, D, other->proof);
		unlock_approval_free(&other);
		return ap;
	}
	case A3_BAD_D:
		partials(rq, w->a.s + 2 * B32, w->a.pubs + 2 * B32, 3, D, proof);
		crypto_core_ristretto255_random(D + 2 * B32);
		return app_make(rq->hash, 3, w->a.pk, nk, D, proof);
	}
	return NULL;
}

static void
test_combine(void **state)
{
	const struct combine_case *c = *state;
	struct unlock_request *rq = rq_variant(c->rq);
	struct unlock_approval *ap[4] = { NULL };
	struct judicial_pub *pk = (struct judicial_pub *)&pk;
	uint8_t *Z = (uint8_t *)&Z;
	int used[4] = { 7, 7, 7, 7 };
	char *cause = NULL;

	for (int a = 0; a < c->nap; a++)
		ap[a] = approval_for(c->ap[a]);
	assert_int_equal(unlock_combine(rq, ap, c->nap, &Z, &pk, used, &cause), c->ret);
	if (c->ret == 0) {
		assert_null(cause);
		assert_non_null(Z);
		assert_memory_equal(pk->key_id, rq->key_id, 16);
		for (int a = 0; a < c->nap; a++)
			assert_int_equal(used[a], c->used[a]);
		check_all_items(rq, Z, pk->P);
		sodium_free(Z);
		judicial_pub_free(&pk);
	} else {
		assert_null(Z);
		assert_null(pk);
		assert_non_null(cause);
		/* Nothing counts as used when nothing was combined. */
		for (int a = 0; a < c->nap; a++)
			if (used[a] != 0)
				fail_msg("used[%d] = %d after a refusal", a, used[a]);
		if (strstr(cause, c->cause) == NULL)
			fail_msg("cause \"%s\" does not say \"%s\"", cause, c->cause);
		no_cause(&cause);
	}
	for (int a = 0; a < c->nap; a++)
		unlock_approval_free(&ap[a]);
	unlock_request_free(&rq);
}

/* Every byte of an approval, one bit flipped: refused by parse or combine. */
static void
test_approval_flips(void **state)
{
	struct world *w = world();
	const struct unlock_approval *x = w->ap[0];
	struct unlock_approval *ap = NULL, *two[2] = { NULL, w->ap[1] };
	struct judicial_pub *pk = NULL;
	size_t nparse = 0, ncombine = 0;
	uint8_t *b = dup_bytes(x->blob, x->blob_len), *Z = NULL;
	int used[2];
	char *cause = NULL;

	(void)state;
	for (size_t pos = 0; pos < x->blob_len; pos++) {
		b[pos] ^= (uint8_t)(1 << pos % 8);
		if (unlock_approval_parse(b, x->blob_len, &ap, &cause) < 0) {
			assert_null(ap);
			nparse++;
		} else {
			two[0] = ap;
			if (unlock_combine(w->rq, two, 2, &Z, &pk, used, &cause) != ERR_AUTH)
				fail_msg("approval byte %zu bit %zu flipped: combined", pos, pos % 8);
			assert_null(Z);
			unlock_approval_free(&ap);
			ncombine++;
		}
		no_cause(&cause);
		b[pos] ^= (uint8_t)(1 << pos % 8);
	}
	print_message("approval: %zu bytes, %zu flips refused by the parser, %zu by combine\n",
	    x->blob_len, nparse, ncombine);
	for (size_t n = 0; n < x->blob_len; n++) {
		uint8_t *t = dup_bytes(x->blob, n);

		assert_int_equal(unlock_approval_parse(t, n, &ap, &cause), ERR_CORRUPT);
		no_cause(&cause);
		free(t);
	}
	free(b);
}

int
main(void)
{
	static struct unit_list l;
	int ret;

	if (sodium_init() < 0)
		return 1;
	UNIT_TABLE(&l, deal_cases, test_deal);
	UNIT_TEST(&l, test_deal_bounds);
	UNIT_TABLE(&l, lag_cases, test_lagrange);
	UNIT_TEST(&l, test_lagrange_sums);
	UNIT_TABLE(&l, vfy_cases, test_verify);
	UNIT_TABLE(&l, point_cases, test_point_ok);
	UNIT_TEST(&l, test_golden_group);
	UNIT_TEST(&l, test_golden_seal_key);
	UNIT_TEST(&l, test_golden_pub);
	UNIT_TEST(&l, test_golden_payload);
	UNIT_TABLE(&l, pub_cases, test_pub_roundtrip);
	UNIT_TEST(&l, test_pub_byte_changes);
	UNIT_TEST(&l, test_pub_truncation);
	UNIT_TABLE(&l, name_cases, test_name);
	UNIT_TEST(&l, test_pub_duplicate_names);
	UNIT_TEST(&l, test_pub_create_bounds);
	UNIT_TEST(&l, test_pub_holder_beyond_k);
	UNIT_TEST(&l, test_pub_noncanonical_point);
	UNIT_TEST(&l, test_pub_threshold_changed);
	UNIT_TEST(&l, test_pub_file);
	UNIT_TEST(&l, test_share_file);
	UNIT_TEST(&l, test_share_tamper);
	UNIT_TEST(&l, test_share_exists_fast);
	UNIT_TEST(&l, test_armor_crlf);
	UNIT_TABLE(&l, esc_cases, test_escape);
	UNIT_TABLE(&l, seal_cases, test_seal_roundtrip);
	UNIT_TEST(&l, test_seal_every_change);
	UNIT_TEST(&l, test_seal_header);
	UNIT_TABLE(&l, seal_bad_cases, test_seal_bad);
	UNIT_TEST(&l, test_seal_create_bad);
	UNIT_TABLE(&l, seg_cases, test_segments);
	UNIT_TEST(&l, test_segments_lru);
	UNIT_TABLE(&l, scope_cases, test_scope);
	UNIT_TEST(&l, test_request_roundtrip);
	UNIT_TABLE(&l, rq_bad_cases, test_request_bad);
	UNIT_TABLE(&l, rq_check_cases, test_request_check);
	UNIT_TEST(&l, test_request_truncation);
	UNIT_TEST(&l, test_request_flips);
	UNIT_TEST(&l, test_request_add);
	UNIT_TEST(&l, test_request_unused_key);
	UNIT_TEST(&l, test_request_item_out_of_scope);
	UNIT_TEST(&l, test_approval_roundtrip);
	UNIT_TEST(&l, test_approve_refuses);
	UNIT_TEST(&l, test_approval_bad_points);
	UNIT_TABLE(&l, combine_cases, test_combine);
	UNIT_TEST(&l, test_approval_flips);
	ret = unit_run("keys", &l);
	tmp_cleanup();
	return ret;
}
