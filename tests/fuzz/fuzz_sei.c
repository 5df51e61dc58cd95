/*
 * libFuzzer driver for the SEI reader (codecs/sei.c), which reads packets
 * and extradata from files and cameras: any bytes must give a count or an
 * error, never a crash or an out-of-bounds read, and every payload handed
 * to the callback must lie in readable memory. The first input byte picks
 * the codec (bit 0: H.265), the NAL length size (bits 1-3, taken mod 5:
 * 0 Annex B, else 1..4) and whether the callback stops the walk (bit 7);
 * the rest is the packet, and also the extradata. Seed corpus:
 * tests/fuzz/corpus/sei/ (real libx264/libx265 packets, written by
 * tests/unit/test_sei with CAMVEIL_SEI_SEEDS set).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../codecs/sei.h"
#include "../../util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The UUID the unit tests' real packets carry. */
static const uint8_t uuid[SEI_UUID_SIZE] = {
	0xc4, 0x9e, 0x1b, 0x7a, 0x00, 0x00, 0x03, 0x4d,
	0xb2, 0x00, 0x00, 0x01, 0xe8, 0x5f, 0x00, 0x00,
};

struct seen {
	int calls;
	int stop;
	unsigned sum;
};

static int
cb(void *opaque, const uint8_t *p, size_t len)
{
	struct seen *s = opaque;

	/* Touch every byte so the sanitizer checks the whole range. */
	for (size_t i = 0; i < len; i++)
		s->sum += p[i];
	s->calls++;
	return s->stop ? -1 : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = { 0, 0, 0 };
	uint8_t *pkt;
	int hevc, nls, ret, got;

	if (size == 0)
		return 0;
	hevc = data[0] & 1;
	nls = (data[0] >> 1 & 7) % 5;
	s.stop = data[0] >> 7;
	size--;
	/* An exact-size copy, so reading one byte past the end is caught. */
	pkt = malloc(size > 0 ? size : 1);
	if (pkt == NULL)
		return 0;
	memcpy(pkt, data + 1, size);

	ret = sei_extract(pkt, size, hevc, nls, uuid, cb, &s);
	if (ret >= 0 && ret != s.calls)
		abort();	/* the count is the number of callbacks */
	if (s.stop && s.calls > 0 && (s.calls > 1 || ret != -1))
		abort();	/* the first -1 stops the walk and comes back */
	if (ret < 0 && ret != -1 && ret != ERR_CORRUPT && ret != ERR_NOMEM)
		abort();

	ret = sei_nal_length_size(pkt, size, hevc, &got);
	if (ret == 0 ? got < 0 || got > 4 : got != 0)
		abort();
	free(pkt);
	return 0;
}
