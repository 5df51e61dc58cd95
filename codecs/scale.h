/*
 * Scaling regions of a decoded frame to packed BGR24 images for the face
 * detector, straight from the YUV planes.
 */
#ifndef CAMVEIL_SCALE_H
#define CAMVEIL_SCALE_H

#include <stdint.h>

struct AVFrame;
struct scale;

struct scale *scale_create(void);
void scale_free(struct scale **s);

/*
 * Resize region (x, y, w, h) of f, which must have even x and y for
 * subsampled chroma, to dst_w x dst_h BGR24 at dst (stride bytes per
 * row). Converters are cached per size pair.
 */
int scale_region_to_bgr(struct scale *s, const struct AVFrame *f, int x, int y,
    int w, int h, int dst_w, int dst_h, uint8_t *dst, int stride);

#endif
