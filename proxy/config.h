/*
 * The proxy's configuration: a YAML file (libyaml) whose every option is
 * declared once in a table in config.c (name, type, default, bounds,
 * help). config/camveil.yml is the commented reference and must list
 * every option with its default (a unit test checks it does).
 */
#ifndef CAMVEIL_CONFIG_H
#define CAMVEIL_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#define CONFIG_NAME_MAX 64

enum config_transport { TRANSPORT_AUTO, TRANSPORT_TCP, TRANSPORT_UDP };
enum config_rtsp_client { RTSP_CLIENT_BUILTIN, RTSP_CLIENT_LIBAV };

struct config_camera {
	char *name;		/* URL path: rtsp://PROXY:PORT/<name> */
	char *source;		/* camera URL or file */
	int enabled;
	int mode;		/* enum obscure_mode, or CONFIG_MODE_ENCRYPT */
	char *key;		/* encrypt mode: judicial.pub */
	char *sidecar;		/* encrypt mode: directory for sidecar files */
	int transport;		/* enum config_transport, for rtsp:// sources */
	int rtsp_client;	/* enum config_rtsp_client */
	int min_face;
	float threshold;
	float hold;
	int detect_timeout_ms;
	int detect_threads;	/* threads a frame's detector passes run on */
	char *preset;
	long long bitrate;	/* bits/s, 0 = constant quality */
	int gop;		/* frames between keyframes */
	int lookback;		/* frames held back for back-fill (adds latency) */
	int codec;		/* enum config_codec */
	char **users;		/* NULL-terminated names allowed to read; NULL = any */
	int line;		/* where the camera is defined */
};

enum config_codec { CODEC_H264, CODEC_H265 };

/* Camera mode after mask, pixelate, blur: masked, originals sealed to key. */
#define CONFIG_MODE_ENCRYPT 3

/* A reader account for RTSP authentication. */
struct config_user {
	char *name;
	char *password;		/* plain text, or "md5:" + hex MD5(name:realm:password) */
	int line;
};

struct config {
	char *file;
	char *rtsp_listen;	/* "host:port" */
	char *http_listen;
	char *rtsp_realm;
	int rtsp_basic;		/* also accept Basic authentication */
	int rtsp_session_timeout; /* seconds without a keep-alive */
	float rtsp_describe_wait; /* seconds a DESCRIBE waits for a camera */
	struct config_user *users;	/* empty: no authentication */
	int nusers;
	char *model;		/* NULL: search path */
	char *audit_log;	/* audit log of the proxy's key use */
	int log_level;		/* enum log_level */
	struct config_camera *cameras;
	int ncameras;
};

/*
 * Parse path. On failure returns a negative error and sets *cause
 * (malloc'd) to "FILE:LINE: OPTION: problem".
 */
int config_load(const char *path, struct config **out, char **cause);
/* The same for YAML text in memory; name stands for the file in messages. */
int config_parse(const char *name, const char *text, size_t len,
    struct config **out, char **cause);
void config_free(struct config **c);

/* A configuration with every default and no cameras. */
struct config *config_defaults(void);

/* Print every option with type, default, bounds and help (for docs). */
void config_describe(FILE *fp);

#endif
