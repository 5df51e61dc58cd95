/*
 * Obscuring face regions directly on the decoded YUV planes.
 */
#ifndef CAMVEIL_OBSCURE_H
#define CAMVEIL_OBSCURE_H

#include <stdint.h>

#include "../util/image.h"
#include "geom.h"

enum obscure_mode {
	OBSCURE_MASK,		/* opaque fill, not derived from the face: irreversible */
	OBSCURE_PIXELATE,	/* at most 8 blocks across the face */
	OBSCURE_BLUR,		/* strong blur */
};

struct obscure;

/* Parse "mask", "pixelate", "blur"; -1 if unknown. */
int obscure_mode_parse(const char *s);
const char *obscure_mode_name(enum obscure_mode m);

struct obscure *obscure_create(enum obscure_mode mode);
void obscure_free(struct obscure **o);

/*
 * Hide the ellipse inscribed in region (already grown to the head),
 * clipped to the image. Returns 0 or ERR_NOMEM (then the caller must
 * fall back to obscure_full).
 */
int obscure_region(struct obscure *o, struct image *img, struct box region);

/*
 * The luma rectangle obscure_region(img, region) may change on any
 * plane, widened to whole chroma samples (x, y, w, h multiples of the
 * subsampling, except where clipped at an odd frame edge). Encrypt mode
 * seals exactly these pixels before hiding them.
 */
struct rect obscure_bounds(const struct image *img, struct box region);

/* Mask a whole rectangle (luma coordinates, as from obscure_bounds). */
void obscure_rect(struct image *img, struct rect r);

/* Luma of the mask at (x, y): diagonal hatching of 64 and 128, 8 px bands. */
uint8_t obscure_mask_luma(int x, int y);

/* Hide the whole frame (fail-closed): flat grey (luma 96) over every plane. */
void obscure_full(struct image *img);

#endif
