/*
 * Threshold ElGamal over ristretto255: the judicial key is split k of n,
 * faces are sealed to its public key, and k holders together open a seal
 * without the secret ever being rebuilt. Specified in docs/KEYS.md.
 *
 *   dealer:  s random, f(x) = s + a1 x + ... + a(k-1) x^(k-1) mod L,
 *            P = s*B, share s_i = f(i), share key P_i = s_i*B (i = 1..n)
 *   seal:    r random, R = r*B, Z = r*P (r wiped at once)
 *   holder:  D_i = s_i*R with a DLEQ proof that log_B(P_i) = log_R(D_i)
 *   combine: Z = sum over any k holders of lambda_i * D_i (Lagrange at 0)
 *
 * Only libsodium's ristretto255 group and scalar operations and BLAKE2b
 * are used. Scalars and points are 32-byte encodings; secret scalars are
 * expected in sodium_malloc memory and every temporary secret is wiped.
 */
#ifndef CAMVEIL_TSS_H
#define CAMVEIL_TSS_H

#include <stdint.h>

#define TSS_BYTES 32		/* a point or a scalar */
#define TSS_PROOF_BYTES 64	/* DLEQ proof: challenge c, response z */
#define TSS_MAX_HOLDERS 255

/*
 * 1 if p is the canonical encoding of a ristretto255 point other than
 * the identity, else 0. libsodium 1.0.18's is_valid_point ignores bit
 * 255 (every point then has two encodings, a key two key ids) and
 * accepts the identity (a key or partial decryption 0 that proves and
 * opens nothing). Every point read from a file or a recording is
 * checked with this, never with is_valid_point alone.
 */
int tss_point_ok(const uint8_t p[TSS_BYTES]);

/*
 * Split a fresh secret k of n (1 <= k <= n <= TSS_MAX_HOLDERS). Writes
 * P to pub, s_i to shares[(i-1)*32] (n*32 bytes, secret: pass
 * sodium_malloc memory) and P_i to share_pubs[(i-1)*32]. The secret and
 * the polynomial are wiped before returning. 0 or ERR_INVAL/ERR_NOMEM.
 */
int tss_deal(int k, int n, uint8_t pub[TSS_BYTES], uint8_t *shares,
    uint8_t *share_pubs);

/* P_i = s_i*B for a share (to check a share against its published key). */
int tss_share_pub(const uint8_t share[TSS_BYTES], uint8_t share_pub[TSS_BYTES]);

/*
 * Encapsulate: fresh r, R = r*B, Z = r*pub; r wiped. Z is secret (the
 * caller derives a key from it and wipes it). 0, or ERR_INVAL if pub
 * fails tss_point_ok.
 */
int tss_encap(const uint8_t pub[TSS_BYTES], uint8_t R[TSS_BYTES], uint8_t Z[TSS_BYTES]);

/*
 * A holder's partial decryption D = s_i*R and its proof, bound to ctx (a
 * 32-byte hash of everything the approval is for: request, holder index).
 * ERR_INVAL if R fails tss_point_ok.
 */
int tss_partial(const uint8_t share[TSS_BYTES], const uint8_t share_pub[TSS_BYTES],
    const uint8_t R[TSS_BYTES], const uint8_t ctx[TSS_BYTES],
    uint8_t D[TSS_BYTES], uint8_t proof[TSS_PROOF_BYTES]);

/*
 * 0 if proof shows log_B(share_pub) = log_R(D) under ctx, else ERR_AUTH
 * (also when a point fails tss_point_ok or a scalar is not canonical).
 */
int tss_verify(const uint8_t share_pub[TSS_BYTES], const uint8_t R[TSS_BYTES],
    const uint8_t D[TSS_BYTES], const uint8_t ctx[TSS_BYTES],
    const uint8_t proof[TSS_PROOF_BYTES]);

/*
 * Lagrange coefficient at 0 for holder idx[j] among the k distinct
 * holder indices idx[0..k). ERR_INVAL if indices repeat or are 0.
 */
int tss_lagrange(const int *idx, int k, int j, uint8_t lambda[TSS_BYTES]);

/*
 * Z = sum of lambda_j * D[j] over the k holders idx[0..k) (D[j] is
 * 32 bytes at D + 32*j). ERR_INVAL on repeated indices or points that
 * fail tss_point_ok; Z is then zero. Temporaries are wiped either way.
 */
int tss_combine(const int *idx, const uint8_t *D, int k, uint8_t Z[TSS_BYTES]);


#endif
