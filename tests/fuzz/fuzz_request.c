/*
 * libFuzzer driver for unlock requests (keys/unlock.c, format version 2)
 * as holders and the restore step read them: an armored file
 * (armor_decode) and the binary request inside it (unlock_request_parse,
 * with seal_header_parse for each item's header). Input that is not
 * armored text is parsed as a bare request too, so the fuzzer reaches
 * the binary parser without having to learn base64. A request that
 * parses must re-encode to exactly its own bytes (one encoding per
 * request, or the hash approvals sign would be ambiguous), find each of
 * its items by reference, and hold what parsing promises holders: every
 * item's header parses to its reference, carries its key's R and the
 * request's key id and lies inside the scope; the items of one key agree
 * on camera, segment and track; every key is named by an item. Seed
 * corpus: tests/fuzz/corpus/request/ (written by test_keys with
 * KEYS_SEED_DIR).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../keys/armor.h"
#include "../../keys/seal.h"
#include "../../keys/unlock.h"
#include "../../util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What unlock_request_parse promises about a request it accepts. */
static void
check(const struct unlock_request *rq)
{
	uint32_t *first = calloc((size_t)rq->nkeys + 1, sizeof *first);

	if (first == NULL)
		abort();
	for (uint32_t i = 0; i < rq->nitems; i++) {
		const struct unlock_item *ui = &rq->items[i];
		struct seal_item it, f;

		if (unlock_request_find(rq, ui->ref) != (int64_t)i || ui->key >= rq->nkeys ||
		    seal_header_parse(ui->hdr, ui->hdr_len, &it) != 0 ||
		    memcmp(it.ref, ui->ref, SEAL_REF_BYTES) != 0 ||
		    memcmp(it.R, rq->R + (size_t)ui->key * TSS_BYTES, TSS_BYTES) != 0 ||
		    memcmp(it.key_id, rq->key_id, JUDICIAL_KEY_ID_BYTES) != 0 ||
		    !unlock_in_scope(&rq->scope, &it) || it.m.track != ui->track ||
		    (rq->scope.wall ? it.m.wall_us : it.m.media_us) != ui->t_us ||
		    !tss_point_ok(it.R))
			abort();
		if (first[ui->key] == 0) {
			first[ui->key] = i + 1;
			continue;
		}
		if (seal_header_parse(rq->items[first[ui->key] - 1].hdr,
		    rq->items[first[ui->key] - 1].hdr_len, &f) != 0 ||
		    strcmp(f.camera, it.camera) != 0 || f.segment != it.segment ||
		    f.m.track != it.m.track)
			abort();
	}
	for (uint32_t j = 0; j < rq->nkeys; j++)
		if (first[j] == 0)
			abort();
	free(first);
}

static void
one(const uint8_t *p, size_t len)
{
	struct unlock_request *rq = NULL;
	uint8_t *copy, hash[UNLOCK_HASH_BYTES];
	char *cause = NULL;

	if (unlock_request_parse(p, len, &rq, &cause) != 0) {
		if (rq != NULL || cause == NULL)
			abort();
		free(cause);
		return;
	}
	if (rq->blob_len != len || memcmp(rq->blob, p, len) != 0 || rq->nitems == 0)
		abort();
	check(rq);
	copy = malloc(len);
	if (copy == NULL)
		abort();
	memcpy(copy, p, len);
	memcpy(hash, rq->hash, sizeof hash);
	if (unlock_request_encode(rq) != 0 || rq->blob_len != len ||
	    memcmp(rq->blob, copy, len) != 0 || memcmp(rq->hash, hash, sizeof hash) != 0)
		abort();
	free(copy);
	unlock_request_free(&rq);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *blob;
	size_t len;

	if (armor_decode((const char *)data, size, 1 << 20, &blob, &len) == 0) {
		one(blob, len);
		free(blob);
	} else {
		one(data, size);
	}
	return 0;
}
