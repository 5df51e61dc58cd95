/*
 * camveil proxy: load (or check) the config and run the daemon. With no
 * config, a built-in demo camera plays a sample clip (or a test pattern).
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../blur/model.h"
#include "../codecs/codecs.h"
#include "../util/err.h"
#include "../util/log.h"
#include "cmd.h"
#include "config.h"
#include "daemon.h"

/* Sample clips for the demo camera, first found wins. */
static const char *const demo_clips[] = {
	"intel-iot-devkit_sample-videos/face-demographics-walking.mp4",
	"intel-iot-devkit_sample-videos/head-pose-face-detection-female-and-male.mp4",
};
#define DEMO_PATTERN "pattern:1280x720@25"

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: camveil proxy [options]\n"
"\n"
"Pulls every camera in the config, obscures every face, and serves the\n"
"result to recorders at rtsp://HOST:PORT/<camera>. Without -c, runs a demo\n"
"camera (a sample clip looped, or a test pattern).\n"
"\n"
"  -c, --config FILE    configuration (see config/camveil.yml)\n"
"  -n, --check          check the configuration and exit\n"
"  --model FILE         YuNet ONNX model (default: detect.model, then the search path)\n"
"  --rtsp ADDR:PORT     override rtsp.listen\n"
"  --http ADDR:PORT     override http.listen\n"
"  --demo SOURCE        the demo camera's source (a file, URL, or\n"
"                       pattern:WxH@FPS); implies no -c\n"
"  -q, --quiet          warnings and errors only\n"
"  -v, --verbose        debug logging\n"
"\n"
"Signals: SIGHUP reloads the config, SIGTERM/SIGINT stop cleanly.\n");
}

static struct config *
demo_config(const char *source)
{
	struct config *c = config_defaults();
	struct config *one = NULL;
	char path[PATH_MAX], yaml[PATH_MAX + 256], *cause = NULL;

	if (c == NULL)
		return NULL;
	if (source == NULL) {
		source = DEMO_PATTERN;
		for (size_t i = 0; i < sizeof demo_clips / sizeof demo_clips[0]; i++)
			if (model_find_data(demo_clips[i], path, sizeof path) == 0) {
				source = path;
				break;
			}
	}
	/* Parse a one-camera config so the demo gets every camera default. */
	snprintf(yaml, sizeof yaml, "cameras:\n  - name: demo\n    source: \"%s\"\n",
	    source);
	config_free(&c);
	if (config_parse("(demo)", yaml, strlen(yaml), &one, &cause) < 0) {
		log_error("%s", cause);
		free(cause);
		return NULL;
	}
	return one;
}

int
cmd_proxy(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'n' },
		{ "model", required_argument, NULL, 'm' },
		{ "rtsp", required_argument, NULL, 'R' },
		{ "http", required_argument, NULL, 'H' },
		{ "demo", required_argument, NULL, 'D' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon_opts o = { 0 };
	const char *path = NULL, *model_opt = NULL, *demo = NULL;
	struct config *cfg = NULL;
	char model[PATH_MAX], *cause = NULL;
	int ch, check = 0, verbosity = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:nqvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'n': check = 1; break;
		case 'm': model_opt = optarg; break;
		case 'R': o.rtsp_listen = optarg; break;
		case 'H': o.http_listen = optarg; break;
		case 'D': demo = optarg; break;
		case 'q': verbosity = -1; break;
		case 'v': verbosity = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "camveil proxy: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (path != NULL && demo != NULL) {
		fprintf(stderr, "camveil proxy: --demo and -c exclude each other\n");
		return 2;
	}
	if (check && path == NULL) {
		fprintf(stderr, "camveil proxy: -n needs -c FILE\n");
		return 2;
	}
	if (path != NULL) {
		if (config_load(path, &cfg, &cause) < 0) {
			fprintf(stderr, "camveil proxy: %s\n", cause ? cause : "cannot load config");
			free(cause);
			return 1;
		}
	} else if ((cfg = demo_config(demo)) == NULL) {
		return 1;
	}
	log_set_level(verbosity < 0 ? LOG_WARN : verbosity > 0 ? LOG_DEBUG :
	    (enum log_level)cfg->log_level);
	if (check) {
		int enabled = 0;

		for (int i = 0; i < cfg->ncameras; i++)
			enabled += cfg->cameras[i].enabled;
		printf("%s: ok: %d camera(s), %d enabled, %d user(s); rtsp %s, http %s\n",
		    path, cfg->ncameras, enabled, cfg->nusers, cfg->rtsp_listen,
		    cfg->http_listen);
		config_free(&cfg);
		return 0;
	}
	codecs_init();
	if (model_find(model_opt ? model_opt : cfg->model, model, sizeof model, &cause) < 0) {
		fprintf(stderr, "camveil proxy: %s\n", cause ? cause : "model not found");
		free(cause);
		config_free(&cfg);
		return 1;
	}
	o.config_path = path;
	o.model = model;
	return daemon_run(&o, cfg);
}
