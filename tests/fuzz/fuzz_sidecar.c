/*
 * libFuzzer driver for the sidecar reader (codecs/sidecar.c): a sidecar
 * file comes with a recording from wherever it was kept, so any bytes
 * must load (every record inside the file, messages inside their record)
 * or be refused with an error, never crash or read out of bounds. The
 * input is written to a memfd and loaded by its /proc path, as a file is.
 * Seed corpus: tests/fuzz/corpus/sidecar/ (a real file from anonymize
 * --sidecar, cut short).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../codecs/sidecar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sidecar *s = NULL;
	char path[64], *cause = NULL;
	unsigned sum = 0;
	int fd = memfd_create("sidecar", MFD_CLOEXEC);

	if (fd < 0)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if (sidecar_load(path, &s, &cause) == 0) {
		int64_t last = INT64_MIN;

		for (size_t i = 0; i < sidecar_count(s); i++) {
			const struct sidecar_rec *r = sidecar_get(s, i);

			if (r->pts_us < last || r->n < 1 || r->n > SIDECAR_MSGS_MAX)
				abort();	/* sorted, counts as promised */
			last = r->pts_us;
			for (int k = 0; k < SIDECAR_FP_BYTES; k++)
				sum += r->fp[k];
			for (int m = 0; m < r->n; m++)
				for (size_t k = 0; k < r->len[m]; k++)
					sum += r->msg[m][k];
			if (sidecar_find(s, r->pts_us) != r)
				abort();
		}
		sidecar_free(&s);
	} else if (cause == NULL) {
		abort();	/* every refusal explains itself */
	}
	free(cause);
	close(fd);
	return (int)(sum & 0);
}
