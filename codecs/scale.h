/*
 * Scaling a decoded frame to a packed BGR24 image for the face detector.
 */
#ifndef CAMVEIL_SCALE_H
#define CAMVEIL_SCALE_H

#include <stdint.h>

struct AVFrame;
struct scale;

struct scale *scale_create(void);
void scale_free(struct scale **s);

/*
 * Resize and convert f to w x h BGR24 at dst (stride bytes per row).
 * The converter is cached and rebuilt only when sizes change.
 */
int scale_to_bgr(struct scale *s, const struct AVFrame *f, int w, int h,
    uint8_t *dst, int stride);

#endif
