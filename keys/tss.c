/*
 * Threshold ElGamal over ristretto255 (see tss.h and docs/KEYS.md).
 *
 * The DLEQ proof is Chaum-Pedersen made non-interactive with
 * Fiat-Shamir: the prover picks w, commits A1 = w*B and A2 = w*R, the
 * challenge is c = H("camveil-dleq-v1" || ctx || P_i || R || D || A1 || A2)
 * reduced mod L, and z = w + c*s_i. The verifier recomputes
 * A1 = z*B - c*P_i and A2 = z*R - c*D and checks the challenge. The
 * proof is (c, z), 64 bytes.
 */
#include <string.h>

#include <sodium.h>

#include "../util/err.h"
#include "tss.h"

#define DLEQ_DOMAIN "camveil-dleq-v1"

static void
scalar_from_int(uint8_t s[TSS_BYTES], int v)
{
	memset(s, 0, TSS_BYTES);
	s[0] = (uint8_t)(v & 0xff);
	s[1] = (uint8_t)((v >> 8) & 0xff);
}

/* A uniformly random non-zero scalar. */
static void
scalar_random(uint8_t s[TSS_BYTES])
{
	static const uint8_t zero[TSS_BYTES];

	do
		crypto_core_ristretto255_scalar_random(s);
	while (sodium_memcmp(s, zero, TSS_BYTES) == 0);
}

int
tss_point_ok(const uint8_t p[TSS_BYTES])
{
	/* Bit 255 first: is_valid_point masks it off before decoding. The
	 * only canonical encoding of the identity is 32 zero bytes. */
	if ((p[TSS_BYTES - 1] & 0x80) != 0 || sodium_is_zero(p, TSS_BYTES))
		return 0;
	return crypto_core_ristretto255_is_valid_point(p) == 1;
}

int
tss_deal(int k, int n, uint8_t pub[TSS_BYTES], uint8_t *shares, uint8_t *share_pubs)
{
	uint8_t *coef, x[TSS_BYTES], acc[TSS_BYTES], t[TSS_BYTES];
	int ret = 0;

	if (k < 1 || n < k || n > TSS_MAX_HOLDERS)
		return ERR_INVAL;
	if (sodium_init() < 0)
		return ERR_NOMEM;
	coef = sodium_malloc((size_t)k * TSS_BYTES);
	if (coef == NULL)
		return ERR_NOMEM;
	for (int j = 0; j < k; j++)
		scalar_random(coef + j * TSS_BYTES);
	if (crypto_scalarmult_ristretto255_base(pub, coef) != 0) {
		ret = ERR_INVAL;
		goto out;
	}
	/* s_i = f(i) by Horner's rule. */
	for (int i = 1; i <= n; i++) {
		uint8_t *si = shares + (size_t)(i - 1) * TSS_BYTES;

		scalar_from_int(x, i);
		memcpy(acc, coef + (size_t)(k - 1) * TSS_BYTES, TSS_BYTES);
		for (int j = k - 2; j >= 0; j--) {
			crypto_core_ristretto255_scalar_mul(t, acc, x);
			crypto_core_ristretto255_scalar_add(acc, t, coef + (size_t)j * TSS_BYTES);
		}
		memcpy(si, acc, TSS_BYTES);
		if (crypto_scalarmult_ristretto255_base(share_pubs + (size_t)(i - 1) * TSS_BYTES,
		    si) != 0) {
			/* f(i) = 0: probability 2^-252; refuse rather than publish it. */
			ret = ERR_INVAL;
			goto out;
		}
	}
out:
	sodium_memzero(acc, sizeof acc);
	sodium_memzero(t, sizeof t);
	sodium_free(coef);
	if (ret < 0)
		sodium_memzero(shares, (size_t)n * TSS_BYTES);
	return ret;
}

int
tss_share_pub(const uint8_t share[TSS_BYTES], uint8_t share_pub[TSS_BYTES])
{
	return crypto_scalarmult_ristretto255_base(share_pub, share) == 0 ? 0 : ERR_INVAL;
}

int
tss_encap(const uint8_t pub[TSS_BYTES], uint8_t R[TSS_BYTES], uint8_t Z[TSS_BYTES])
{
	uint8_t r[TSS_BYTES];
	int ret = 0;

	if (!tss_point_ok(pub))
		return ERR_INVAL;
	scalar_random(r);
	if (crypto_scalarmult_ristretto255_base(R, r) != 0 ||
	    crypto_scalarmult_ristretto255(Z, r, pub) != 0)
		ret = ERR_INVAL;
	sodium_memzero(r, sizeof r);
	if (ret < 0)
		sodium_memzero(Z, TSS_BYTES);
	return ret;
}

static void
challenge(uint8_t c[TSS_BYTES], const uint8_t ctx[TSS_BYTES], const uint8_t Pi[TSS_BYTES],
    const uint8_t R[TSS_BYTES], const uint8_t D[TSS_BYTES], const uint8_t A1[TSS_BYTES],
    const uint8_t A2[TSS_BYTES])
{
	crypto_generichash_state st;
	uint8_t h[64];

	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, (const uint8_t *)DLEQ_DOMAIN, sizeof DLEQ_DOMAIN - 1);
	crypto_generichash_update(&st, ctx, TSS_BYTES);
	crypto_generichash_update(&st, Pi, TSS_BYTES);
	crypto_generichash_update(&st, R, TSS_BYTES);
	crypto_generichash_update(&st, D, TSS_BYTES);
	crypto_generichash_update(&st, A1, TSS_BYTES);
	crypto_generichash_update(&st, A2, TSS_BYTES);
	crypto_generichash_final(&st, h, sizeof h);
	crypto_core_ristretto255_scalar_reduce(c, h);
}

int
tss_partial(const uint8_t share[TSS_BYTES], const uint8_t share_pub[TSS_BYTES],
    const uint8_t R[TSS_BYTES], const uint8_t ctx[TSS_BYTES],
    uint8_t D[TSS_BYTES], uint8_t proof[TSS_PROOF_BYTES])
{
	uint8_t w[TSS_BYTES], A1[TSS_BYTES], A2[TSS_BYTES], cs[TSS_BYTES];
	int ret = 0;

	memset(D, 0, TSS_BYTES);
	memset(proof, 0, TSS_PROOF_BYTES);
	if (!tss_point_ok(R))
		return ERR_INVAL;
	scalar_random(w);
	if (crypto_scalarmult_ristretto255(D, share, R) != 0 ||
	    crypto_scalarmult_ristretto255_base(A1, w) != 0 ||
	    crypto_scalarmult_ristretto255(A2, w, R) != 0) {
		ret = ERR_INVAL;
		goto out;
	}
	challenge(proof, ctx, share_pub, R, D, A1, A2);
	crypto_core_ristretto255_scalar_mul(cs, proof, share);
	crypto_core_ristretto255_scalar_add(proof + TSS_BYTES, w, cs);
out:
	sodium_memzero(w, sizeof w);
	sodium_memzero(cs, sizeof cs);
	return ret;
}

int
tss_verify(const uint8_t share_pub[TSS_BYTES], const uint8_t R[TSS_BYTES],
    const uint8_t D[TSS_BYTES], const uint8_t ctx[TSS_BYTES],
    const uint8_t proof[TSS_PROOF_BYTES])
{
	const uint8_t *c = proof, *z = proof + TSS_BYTES;
	uint8_t zB[TSS_BYTES], zR[TSS_BYTES], cP[TSS_BYTES], cD[TSS_BYTES];
	uint8_t A1[TSS_BYTES], A2[TSS_BYTES], c2[TSS_BYTES], zero[TSS_BYTES] = { 0 };

	if (!tss_point_ok(share_pub) || !tss_point_ok(R) || !tss_point_ok(D))
		return ERR_AUTH;
	/* Scalars must be canonical (< L): reducing must not change them. */
	{
		uint8_t wide[64] = { 0 }, red[TSS_BYTES];

		memcpy(wide, c, TSS_BYTES);
		crypto_core_ristretto255_scalar_reduce(red, wide);
		if (memcmp(red, c, TSS_BYTES) != 0)
			return ERR_AUTH;
		memcpy(wide, z, TSS_BYTES);
		crypto_core_ristretto255_scalar_reduce(red, wide);
		if (memcmp(red, z, TSS_BYTES) != 0)
			return ERR_AUTH;
	}
	if (memcmp(c, zero, TSS_BYTES) == 0 || memcmp(z, zero, TSS_BYTES) == 0)
		return ERR_AUTH;
	if (crypto_scalarmult_ristretto255_base(zB, z) != 0 ||
	    crypto_scalarmult_ristretto255(zR, z, R) != 0 ||
	    crypto_scalarmult_ristretto255(cP, c, share_pub) != 0 ||
	    crypto_scalarmult_ristretto255(cD, c, D) != 0)
		return ERR_AUTH;
	crypto_core_ristretto255_sub(A1, zB, cP);
	crypto_core_ristretto255_sub(A2, zR, cD);
	challenge(c2, ctx, share_pub, R, D, A1, A2);
	return sodium_memcmp(c2, c, TSS_BYTES) == 0 ? 0 : ERR_AUTH;
}

int
tss_lagrange(const int *idx, int k, int j, uint8_t lambda[TSS_BYTES])
{
	uint8_t num[TSS_BYTES], den[TSS_BYTES], xi[TSS_BYTES], xm[TSS_BYTES];
	uint8_t d[TSS_BYTES], t[TSS_BYTES], inv[TSS_BYTES];

	if (j < 0 || j >= k)
		return ERR_INVAL;
	scalar_from_int(num, 1);
	scalar_from_int(den, 1);
	scalar_from_int(xi, idx[j]);
	for (int m = 0; m < k; m++) {
		if (idx[m] < 1 || idx[m] > TSS_MAX_HOLDERS)
			return ERR_INVAL;
		for (int q = 0; q < m; q++)
			if (idx[q] == idx[m])
				return ERR_INVAL;
		if (m == j)
			continue;
		/* lambda_j = prod x_m / (x_m - x_j) */
		scalar_from_int(xm, idx[m]);
		crypto_core_ristretto255_scalar_mul(t, num, xm);
		memcpy(num, t, TSS_BYTES);
		crypto_core_ristretto255_scalar_sub(d, xm, xi);
		crypto_core_ristretto255_scalar_mul(t, den, d);
		memcpy(den, t, TSS_BYTES);
	}
	if (crypto_core_ristretto255_scalar_invert(inv, den) != 0)
		return ERR_INVAL;
	crypto_core_ristretto255_scalar_mul(lambda, num, inv);
	return 0;
}

int
tss_combine(const int *idx, const uint8_t *D, int k, uint8_t Z[TSS_BYTES])
{
	uint8_t lambda[TSS_BYTES], term[TSS_BYTES], acc[TSS_BYTES], t[TSS_BYTES];
	int ret = 0;

	memset(Z, 0, TSS_BYTES);
	if (k < 1)
		return ERR_INVAL;
	for (int j = 0; j < k; j++) {
		const uint8_t *Dj = D + (size_t)j * TSS_BYTES;

		if (!tss_point_ok(Dj) || tss_lagrange(idx, k, j, lambda) < 0 ||
		    crypto_scalarmult_ristretto255(term, lambda, Dj) != 0) {
			ret = ERR_INVAL;
			goto out;
		}
		if (j == 0) {
			memcpy(acc, term, TSS_BYTES);
		} else {
			crypto_core_ristretto255_add(t, acc, term);
			memcpy(acc, t, TSS_BYTES);
		}
	}
	memcpy(Z, acc, TSS_BYTES);
out:
	sodium_memzero(lambda, sizeof lambda);
	sodium_memzero(acc, sizeof acc);
	sodium_memzero(term, sizeof term);
	sodium_memzero(t, sizeof t);
	return ret;
}
