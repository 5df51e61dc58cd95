/*
 * Model search path (see model.h). The executable's own location anchors
 * the relative candidates, so build/camveil finds the models whatever the
 * current directory is.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/err.h"
#include "model.h"

#ifndef CAMVEIL_MODEL_DIR
#define CAMVEIL_MODEL_DIR "/usr/local/share/camveil/models"
#endif

#define SHARED_SUBDIR "models/ShiqiYu_libfacedetection.train"

static int
readable(const char *p)
{
	return access(p, R_OK) == 0;
}

/* Directory holding the running executable (e.g. /src/camveil/build). */
static int
exe_dir(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);
	char *slash;

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (slash == NULL)
		return -1;
	*slash = '\0';
	return 0;
}

int
model_find(const char *explicit_path, char *out, size_t size, char **cause)
{
	char dir[PATH_MAX], cand[10][PATH_MAX + 128], list[12 * (PATH_MAX + 130)];
	const char *env = getenv("CAMVEIL_MODEL");
	int n = 0;

	*cause = NULL;
	if (explicit_path != NULL) {
		if (readable(explicit_path)) {
			snprintf(out, size, "%s", explicit_path);
			return 0;
		}
		err_cause(cause, "%s: face detection model not found or not "
		    "readable (from --model)", explicit_path);
		return ERR_MODEL;
	}
	if (env != NULL && *env != '\0') {
		if (readable(env)) {
			snprintf(out, size, "%s", env);
			return 0;
		}
		err_cause(cause, "%s: face detection model not found or not "
		    "readable (from CAMVEIL_MODEL)", env);
		return ERR_MODEL;
	}
	if (exe_dir(dir, sizeof dir) == 0) {
		/* build/camveil, or a tool deeper in build/: try a few levels up. */
		const char *up[] = { "..", "../..", "../../.." };

		for (int i = 0; i < 3; i++) {
			snprintf(cand[n++], sizeof cand[0], "%s/%s/models/%s", dir,
			    up[i], MODEL_DEFAULT_NAME);
			snprintf(cand[n++], sizeof cand[0], "%s/%s/../shared/%s/%s", dir,
			    up[i], SHARED_SUBDIR, MODEL_DEFAULT_NAME);
		}
	}
	snprintf(cand[n++], sizeof cand[0], "models/%s", MODEL_DEFAULT_NAME);
	snprintf(cand[n++], sizeof cand[0], "../shared/%s/%s", SHARED_SUBDIR,
	    MODEL_DEFAULT_NAME);
	snprintf(cand[n++], sizeof cand[0], "%s/%s", CAMVEIL_MODEL_DIR,
	    MODEL_DEFAULT_NAME);
	list[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (readable(cand[i])) {
			if (realpath(cand[i], dir) != NULL)
				snprintf(out, size, "%s", dir);
			else
				snprintf(out, size, "%s", cand[i]);
			return 0;
		}
		strcat(list, "\n  ");
		strcat(list, cand[i]);
	}
	err_cause(cause, "face detection model %s not found; searched:%s\n"
	    "get it with 'make models', or pass --model FILE or set CAMVEIL_MODEL",
	    MODEL_DEFAULT_NAME, list);
	return ERR_MODEL;
}

int
model_find_data(const char *rel, char *out, size_t size)
{
	char dir[PATH_MAX], cand[PATH_MAX + 256], real[PATH_MAX];
	const char *up[] = { "..", "../..", "../../.." };

	if (exe_dir(dir, sizeof dir) == 0) {
		for (int i = 0; i < 3; i++) {
			snprintf(cand, sizeof cand, "%s/%s/../shared/data/%s", dir, up[i], rel);
			if (readable(cand) && realpath(cand, real) != NULL) {
				snprintf(out, size, "%s", real);
				return 0;
			}
		}
	}
	snprintf(cand, sizeof cand, "../shared/data/%s", rel);
	if (readable(cand) && realpath(cand, dir) != NULL) {
		snprintf(out, size, "%s", dir);
		return 0;
	}
	snprintf(cand, sizeof cand, "%s/../data/%s", CAMVEIL_MODEL_DIR, rel);
	if (readable(cand)) {
		snprintf(out, size, "%s", cand);
		return 0;
	}
	return ERR_IO;
}
