/*
 * libFuzzer driver for the audit log verifier (keys/audit.c): any bytes
 * given to audit_verify_buf must verify or name a bad line with a reason,
 * never crash or read out of bounds, with and without a pinned key; and
 * audit_unescape must stay within its field. Seed corpus (real logs
 * written by tests/tools/audit-append): tests/fuzz/corpus/audit/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../keys/audit.h"
#include "../../util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const uint8_t *data, size_t size, const uint8_t *pin)
{
	struct audit_verify_result res;
	int ret = audit_verify_buf((const char *)data, size, pin, &res);

	if (ret == 0) {
		if (res.bad_line != 0 || res.records < 1 || res.reason[0] != '\0')
			abort();
		if (pin != NULL && memcmp(pin, res.pk, sizeof res.pk) != 0)
			abort();
	} else if (ret == ERR_CORRUPT) {
		if (res.bad_line < 1 || res.records != res.bad_line - 1 ||
		    res.reason[0] == '\0' ||
		    memchr(res.reason, '\0', sizeof res.reason) == NULL)
			abort();
	} else {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t pin[32] = { 1, 2, 3 };
	struct audit_verify_result res;
	char *field;
	size_t n;

	check(data, size, NULL);
	check(data, size, pin);
	/* Pinned to its own key, a log that verifies must still verify. */
	if (audit_verify_buf((const char *)data, size, NULL, &res) == 0)
		check(data, size, res.pk);

	/* Exact-size copy so the sanitizer sees any over-read. */
	if ((field = malloc(size + 1)) == NULL)
		return 0;
	memcpy(field, data, size);
	n = audit_unescape(field, size);
	if (n > size || field[n] != '\0')
		abort();
	free(field);
	return 0;
}
