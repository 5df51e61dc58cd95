/*
 * libFuzzer driver for unlock requests (keys/unlock.c) as holders and
 * the restore step read them: an armored file (armor_decode) and the
 * binary request inside it (unlock_request_parse). Input that is not
 * armored text is parsed as a bare request too, so the fuzzer reaches
 * the binary parser without having to learn base64. A request that
 * parses must re-encode to exactly its own bytes (one encoding per
 * request, or the hash approvals sign would be ambiguous) and find each
 * of its items by reference. Seed corpus: tests/fuzz/corpus/request/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../keys/armor.h"
#include "../../keys/unlock.h"
#include "../../util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	if (rq->blob_len != len || memcmp(rq->blob, p, len) != 0)
		abort();
	for (uint32_t i = 0; i < rq->nitems; i++)
		if (unlock_request_find(rq, rq->items[i].ref) != (int64_t)i ||
		    rq->items[i].key >= rq->nkeys)
			abort();
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
