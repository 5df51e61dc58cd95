/*
 * A planar 8-bit YUV picture as the obscuring code sees it: plane
 * pointers and strides borrowed from a decoded frame (codecs/ fills it
 * from an AVFrame), so blur/ never depends on libav*.
 */
#ifndef CAMVEIL_IMAGE_H
#define CAMVEIL_IMAGE_H

#include <stdint.h>

struct image {
	uint8_t *data[3];	/* Y, U, V planes (borrowed) */
	int linesize[3];	/* bytes per row of each plane */
	int width, height;	/* luma size */
	int shift_x, shift_y;	/* log2 chroma subsampling (1,1 for 4:2:0) */
	int full_range;		/* 1 for JPEG range (0..255), else 16..235 */
};

#endif
