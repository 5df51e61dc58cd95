/*
 * libFuzzer driver for the proxy's config parser (proxy/config.c):
 * any bytes must either load or fail with a message, never crash, leak
 * or read out of bounds. Seed corpus: tests/fuzz/corpus/config/.
 */
#include <stdint.h>
#include <stdlib.h>

#include "../../proxy/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *c = NULL;
	char *cause = NULL;

	if (config_parse("fuzz.yml", (const char *)data, size, &c, &cause) < 0) {
		if (cause == NULL)
			abort();	/* every failure must say why */
	} else if (c == NULL) {
		abort();
	}
	free(cause);
	config_free(&c);
	return 0;
}
