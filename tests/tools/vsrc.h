/*
 * Shared by the test tools that compare videos frame by frame: open a
 * file's video stream and hand out its decoded frames in order.
 */
#ifndef CAMVEIL_TEST_VSRC_H
#define CAMVEIL_TEST_VSRC_H

#include <stdio.h>
#include <string.h>

#include "../../codecs/codecs.h"
#include "../../codecs/decode.h"
#include "../../codecs/demux.h"
#include "../../util/err.h"

struct src {
	struct demux *dmx;
	struct decode *dec;
	struct AVPacket *pkt;
	int eof;
};

/* keep_sei: keep the SEI side data the decoder exports (sealcheck). */
static int
src_open(struct src *s, const char *path, int keep_sei, const char *tool)
{
	struct decode_opts o = { .keep_sei = keep_sei };
	char *cause = NULL;

	memset(s, 0, sizeof *s);
	if (demux_open(path, &s->dmx, &cause) < 0 ||
	    decode_open(demux_stream(s->dmx, demux_video_index(s->dmx)), &o, &s->dec, &cause) < 0) {
		fprintf(stderr, "%s: %s\n", tool, cause ? cause : path);
		return -1;
	}
	s->pkt = codecs_packet_alloc();
	return 0;
}

/* Next decoded frame into f; 0, or ERR_EOF. */
static int
src_next(struct src *s, struct AVFrame *f)
{
	for (;;) {
		int ret = decode_receive(s->dec, f);

		if (ret == 0 || ret == ERR_EOF)
			return ret;
		if (s->eof)
			return ERR_EOF;
		ret = demux_read(s->dmx, s->pkt);
		if (ret == ERR_EOF) {
			decode_send(s->dec, NULL);
			s->eof = 1;
			continue;
		}
		if (ret < 0)
			continue;
		if (codecs_packet_stream(s->pkt) == demux_video_index(s->dmx))
			decode_send(s->dec, s->pkt);
		codecs_packet_unref(s->pkt);
	}
}

#endif
