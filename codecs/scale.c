/*
 * Detector input: swscale converts and resizes in one pass, and only the
 * regions the detector scans this frame (a coarse view, a few tiles) are
 * converted: never the whole frame at full resolution.
 */
#include <stdlib.h>

#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "../util/err.h"
#include "scale.h"

#define SCALE_CACHE 4

struct scale_ctx {
	struct SwsContext *sws;
	int fmt, sw, sh, dw, dh;
	unsigned long used;
};

struct scale {
	struct scale_ctx c[SCALE_CACHE];
	unsigned long clock;
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
	for (int i = 0; i < SCALE_CACHE; i++)
		sws_freeContext((*s)->c[i].sws);
	free(*s);
	*s = NULL;
}

static struct SwsContext *
get_ctx(struct scale *s, int fmt, int sw, int sh, int dw, int dh)
{
	struct scale_ctx *lru = &s->c[0];

	for (int i = 0; i < SCALE_CACHE; i++) {
		struct scale_ctx *c = &s->c[i];

		if (c->sws != NULL && c->fmt == fmt && c->sw == sw && c->sh == sh &&
		    c->dw == dw && c->dh == dh) {
			c->used = ++s->clock;
			return c->sws;
		}
		if (c->used < lru->used)
			lru = c;
	}
	sws_freeContext(lru->sws);
	lru->sws = sws_getContext(sw, sh, fmt, dw, dh, AV_PIX_FMT_BGR24,
	    SWS_BILINEAR, NULL, NULL, NULL);
	lru->fmt = fmt;
	lru->sw = sw;
	lru->sh = sh;
	lru->dw = dw;
	lru->dh = dh;
	lru->used = ++s->clock;
	return lru->sws;
}

int
scale_region_to_bgr(struct scale *s, const AVFrame *f, int x, int y, int w,
    int h, int dw, int dh, uint8_t *dst, int stride)
{
	const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);
	const uint8_t *src[4] = { NULL };
	uint8_t *planes[4] = { dst, NULL, NULL, NULL };
	int strides[4] = { stride, 0, 0, 0 };
	struct SwsContext *sws;

	if (d == NULL || x < 0 || y < 0 || w <= 0 || h <= 0 ||
	    x + w > f->width || y + h > f->height ||
	    (x & ((1 << d->log2_chroma_w) - 1)) || (y & ((1 << d->log2_chroma_h) - 1)))
		return ERR_INVAL;
	sws = get_ctx(s, f->format, w, h, dw, dh);
	if (sws == NULL)
		return ERR_UNSUPPORTED;
	for (int i = 0; i < 3 && f->data[i] != NULL; i++) {
		int sx = i ? d->log2_chroma_w : 0, sy = i ? d->log2_chroma_h : 0;

		src[i] = f->data[i] + (size_t)(y >> sy) * f->linesize[i] + (x >> sx);
	}
	sws_scale(sws, src, f->linesize, 0, h, planes, strides);
	return 0;
}
