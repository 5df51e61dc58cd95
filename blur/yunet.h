/*
 * YuNet face detector (2023 output layout) on OpenCV DNN, behind a C
 * interface. This is the only C++ in camveil; it catches every exception
 * and returns error codes.
 */
#ifndef CAMVEIL_YUNET_H
#define CAMVEIL_YUNET_H

#include <stdint.h>

#include "geom.h"

#ifdef __cplusplus
extern "C" {
#endif

struct yunet;

/*
 * Load the ONNX model at path. On failure returns a negative error and,
 * if cause is not NULL, sets *cause to a malloc'd message naming the file.
 */
int yunet_create(const char *path, struct yunet **out, char **cause);

/*
 * Threads OpenCV may use for a forward pass (process-wide; 0 = OpenCV's
 * default, all cores). One is the most CPU-efficient when the encoder and
 * decoder already keep the other cores busy.
 */
void yunet_set_threads(int n);
void yunet_free(struct yunet **y);

/*
 * Detect faces in roi of a packed BGR24 image (stride bytes per row),
 * resized to in_w x in_h for the network (both multiples of 32).
 * Writes up to max detections with score >= thresh, in image coordinates
 * (not roi-relative), to out and their count to *n. No NMS is applied.
 * Returns 0 or ERR_DETECT (never throws); *n is 0 on failure.
 */
int yunet_run(struct yunet *y, const uint8_t *bgr, int stride,
    struct rect roi, int in_w, int in_h, float thresh,
    struct det *out, int max, int *n);

#ifdef __cplusplus
}
#endif

#endif
