/*
 * libFuzzer driver for the judicial key files (keys/judicial.c): every
 * input is parsed as a public key (judicial_pub_parse) and opened as a
 * share (judicial_share_open) with a fixed passphrase.
 *
 * Argon2id at even the lowest accepted cost takes ~0.1 s and 64 MiB, so
 * calling it would hold the fuzzer to ten runs a second. This driver
 * replaces crypto_pwhash (its definition here takes precedence over
 * libsodium's for judicial.c) with a cheap keyed hash, which keeps the
 * whole open path - header, embedded public key, cost bounds, the MAC
 * over the header, the share-against-key check - at full speed. The
 * stand-in also aborts when called with costs outside the bounds
 * judicial_share_open promises to check first, so the fuzzer looks for
 * a file that makes us spend unbounded time or memory. Argon2 itself is
 * libsodium's, not what is under test. The seed share_stubkdf in
 * tests/fuzz/corpus/share/ is sealed with this stand-in (test_keys writes
 * it with the same hash) so the fuzzer starts from a share that opens.
 *
 * A public key that parses must have valid names and only canonical
 * points other than the identity (tss_point_ok), and its holders'
 * keys must be a split of P of degree exactly k-1: holders 1..k give P,
 * and holders 1..k-1 do not.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../../keys/judicial.h"
#include "../../util/err.h"

#define PASS "fuzz passphrase"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The stand-in KDF: BLAKE2b(passphrase) keyed with the 16-byte salt. */
int
crypto_pwhash(unsigned char *const out, unsigned long long outlen, const char *const passwd,
    unsigned long long passwdlen, const unsigned char *const salt,
    unsigned long long opslimit, size_t memlimit, int alg)
{
	if (opslimit < crypto_pwhash_OPSLIMIT_INTERACTIVE ||
	    opslimit > crypto_pwhash_OPSLIMIT_SENSITIVE ||
	    memlimit < crypto_pwhash_MEMLIMIT_INTERACTIVE ||
	    memlimit > crypto_pwhash_MEMLIMIT_SENSITIVE || alg != crypto_pwhash_ALG_ARGON2ID13)
		abort();
	return crypto_generichash(out, (size_t)outlen, (const unsigned char *)passwd,
	    passwdlen, salt, crypto_pwhash_SALTBYTES);
}

/* Holders 1..k combine to P, holders 1..k-1 do not. */
static void
check_degree(const struct judicial_pub *pk)
{
	int idx[TSS_MAX_HOLDERS];
	uint8_t pubs[TSS_MAX_HOLDERS * TSS_BYTES], P[TSS_BYTES];

	for (int i = 0; i < pk->k; i++) {
		idx[i] = i + 1;
		memcpy(pubs + (size_t)i * TSS_BYTES, pk->holder[i].pub, TSS_BYTES);
	}
	if (tss_combine(idx, pubs, pk->k, P) != 0 || memcmp(P, pk->P, TSS_BYTES) != 0)
		abort();
	if (pk->k > 1 && tss_combine(idx, pubs, pk->k - 1, P) == 0 &&
	    memcmp(P, pk->P, TSS_BYTES) == 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct judicial_pub *pk = NULL;
	struct judicial_share *sh = NULL;
	char *cause = NULL;
	uint8_t chk[TSS_BYTES];

	if (sodium_init() < 0)
		abort();
	if (judicial_pub_parse(data, size, &pk, &cause) == 0) {
		if (pk->k < 1 || pk->k > pk->n || pk->blob_len != size || !tss_point_ok(pk->P))
			abort();
		for (int i = 0; i < pk->n; i++)
			if (!judicial_name_ok(pk->holder[i].name) ||
			    judicial_holder_index(pk, pk->holder[i].name) != i + 1 ||
			    !tss_point_ok(pk->holder[i].pub))
				abort();
		check_degree(pk);
		judicial_pub_free(&pk);
	} else if (pk != NULL || cause == NULL) {
		abort();
	}
	free(cause);
	cause = NULL;
	if (judicial_share_open(data, size, PASS, strlen(PASS), &sh, &cause) == 0) {
		if (sh->index < 1 || sh->index > sh->pk->n ||
		    tss_share_pub(sh->secret, chk) != 0 ||
		    memcmp(chk, sh->pk->holder[sh->index - 1].pub, TSS_BYTES) != 0)
			abort();
		judicial_share_free(&sh);
	} else if (sh != NULL || cause == NULL) {
		abort();
	}
	free(cause);
	return 0;
}
