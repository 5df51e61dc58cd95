/*
 * libFuzzer driver for the RTP depacketizer (codecs/depay.c), which reads
 * whatever a camera, or anyone on its network, sends: RTP headers, H.264
 * and H.265 payloads, sequence numbers, and RTCP. Any bytes must give
 * access units that start with a start code and respect max_au, or
 * errors, never a crash or an out-of-bounds access.
 *
 * Input: one option byte (bit 0: H.265, bit 1: DONL fields, bit 2: a
 * small max_au of 1024 bytes, else 64 KiB), then packets, each a 2-byte
 * big-endian length and that many bytes (the last one takes what is
 * left). Access units are popped after every packet, except after the
 * packets of which bit 3 of the option byte says to let them pile up. With
 * bit 4, packets are pushed with an arrival time (depay_push_at) taken
 * from their last 4 bytes, for the jitter estimate. The
 * whole input is also parsed as an RTCP compound packet, and a receiver
 * report written at the end. Seed corpus: tests/fuzz/corpus/depay/ (RTP
 * from GStreamer's rtph264pay and rtph265pay, hand-made aggregation and
 * fragmentation packets, a GStreamer RTCP SR+SDES).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../codecs/depay.h"
#include "../../util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned sum;

static void
pop_all(struct depay *d, size_t max_au)
{
	struct depay_au au;

	while (depay_pop(d, &au)) {
		if (au.size == 0 || au.size > max_au || au.size < 5)
			abort();
		if (au.data[0] != 0 || au.data[1] != 0 || au.data[2] != 0 ||
		    au.data[3] != 1)
			abort();
		/* Touch every byte so the sanitizer checks the whole range. */
		for (size_t i = 0; i < au.size; i++)
			sum += au.data[i];
	}
	if (au.data != NULL || au.size != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct depay_opts o = { .pt = 96 };
	struct depay_rtcp r;
	struct depay_stats st;
	struct depay *d;
	uint8_t rr[512];
	size_t i = 1, n;
	int k = 0;

	if (size < 1)
		return 0;
	o.hevc = data[0] & 1;
	o.donl = (data[0] >> 1) & 1;
	o.max_au = data[0] & 4 ? 1024 : 64 * 1024;
	if (depay_create(&o, &d) < 0)
		abort();
	while (i + 2 <= size) {
		uint8_t *pkt;
		int ret;

		n = (size_t)data[i] << 8 | data[i + 1];
		i += 2;
		if (n > size - i)
			n = size - i;
		/* An exact-size copy: reads past the packet are caught. */
		pkt = malloc(n > 0 ? n : 1);
		if (pkt == NULL)
			abort();
		if (n > 0)
			memcpy(pkt, data + i, n);
		if (data[0] & 16) {
			uint32_t arrival = (uint32_t)k * 3600u;

			for (size_t b = n > 4 ? n - 4 : 0; b < n; b++)
				arrival = arrival << 8 ^ pkt[b];
			ret = depay_push_at(d, pkt, n, arrival);
		} else {
			ret = depay_push(d, pkt, n);
		}
		free(pkt);
		if (ret != 0 && ret != ERR_CORRUPT)
			abort();
		i += n;
		if (!(data[0] & 8) || ++k % 3 == 0)
			pop_all(d, o.max_au);
	}
	pop_all(d, o.max_au);
	depay_get_stats(d, &st);
	if (st.damaged_aus > st.packets + 1)
		abort();
	n = depay_rtcp_rr(d, 0x01020304, "fuzz", 1, 2, rr, sizeof rr);
	if (n == 0 || n % 4 != 0)
		abort();
	depay_free(&d);

	if (depay_rtcp_parse(data, size, &r) == 0) {
		if (r.have_sr != 0 && r.have_sr != 1)
			abort();
	}
	return 0;
}
