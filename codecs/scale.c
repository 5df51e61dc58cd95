/*
 * Detector input: swscale converts and downscales in one pass, so the
 * detector never touches full-resolution RGB.
 */
#include <stdlib.h>

#include <libavutil/frame.h>
#include <libswscale/swscale.h>

#include "../util/err.h"
#include "scale.h"

struct scale {
	struct SwsContext *sws;
};

struct scale *
scale_create(void)
{
	return calloc(1, sizeof(struct scale));
}

void
scale_free(struct scale **s)
{
	if (s == NULL || *s == NULL)
		return;
	sws_freeContext((*s)->sws);
	free(*s);
	*s = NULL;
}

int
scale_to_bgr(struct scale *s, const AVFrame *f, int w, int h, uint8_t *dst,
    int stride)
{
	uint8_t *planes[4] = { dst, NULL, NULL, NULL };
	int strides[4] = { stride, 0, 0, 0 };

	s->sws = sws_getCachedContext(s->sws, f->width, f->height, f->format,
	    w, h, AV_PIX_FMT_BGR24, SWS_BILINEAR, NULL, NULL, NULL);
	if (s->sws == NULL)
		return ERR_UNSUPPORTED;
	sws_scale(s->sws, (const uint8_t *const *)f->data, f->linesize, 0,
	    f->height, planes, strides);
	return 0;
}
