/*
 * libFuzzer driver for unlock approvals (keys/unlock.c): the binary
 * approval a holder sends (unlock_approval_parse), with the judicial
 * public key it carries (judicial_pub_parse). Armored input is decoded
 * first (armor_decode), other input is parsed as a bare approval. An
 * approval that parses must name a holder of its key, keep its bytes,
 * and carry only canonical points other than the identity (tss_point_ok)
 * as partial decryptions. Seed corpus: tests/fuzz/corpus/approval/.
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
	struct unlock_approval *ap = NULL;
	char *cause = NULL;

	if (unlock_approval_parse(p, len, &ap, &cause) != 0) {
		if (ap != NULL || cause == NULL)
			abort();
		free(cause);
		return;
	}
	if (ap->index < 1 || ap->index > ap->pk->n || ap->blob_len != len ||
	    memcmp(ap->blob, p, len) != 0 ||
	    (size_t)ap->nkeys * (TSS_BYTES + TSS_PROOF_BYTES) > len)
		abort();
	for (uint32_t j = 0; j < ap->nkeys; j++)
		if (!tss_point_ok(ap->D + (size_t)j * TSS_BYTES))
			abort();
	unlock_approval_free(&ap);
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
