/*
 * Where the face detection model comes from. Models are never part of
 * the source tree; they are searched for, in order:
 *   1. the path given on the command line (--model) or in config,
 *   2. $CAMVEIL_MODEL,
 *   3. models/ beside the build directory (what `make models` fills),
 *   4. ../shared/models/ relative to the source tree and to the cwd,
 *   5. the install directory (CAMVEIL_MODEL_DIR, set at build time).
 */
#ifndef CAMVEIL_MODEL_H
#define CAMVEIL_MODEL_H

#include <stddef.h>

#define MODEL_DEFAULT_NAME "yunet_n_640_640.onnx"

/*
 * Find the model. explicit may be NULL. On success writes the path to out
 * and returns 0. On failure returns ERR_MODEL and sets *cause (malloc'd)
 * listing the places searched and how to get the model.
 */
int model_find(const char *explicit_path, char *out, size_t size, char **cause);

/*
 * Find a sample clip for the demo camera: rel (e.g.
 * "intel-iot-devkit_sample-videos/x.mp4") under the shared test data
 * (../shared/data beside the source tree, found from the executable or
 * the current directory) or the install dir's data/. 0 or ERR_IO.
 */
int model_find_data(const char *rel, char *out, size_t size);

#endif
