/*
 * The control plane for operators and data protection officers, on
 * libevent's evhttp:
 *
 *   GET /               dashboard (HTML; polls /api/v1/cameras)
 *   GET /healthz        liveness: 200 while the event loop runs, with a
 *                       one-line JSON summary of the cameras
 *   GET /metrics        Prometheus text format
 *   GET /api/v1/cameras JSON status of every camera
 *
 * What it shows comes from a snapshot callback, so this module knows
 * nothing of how cameras are run.
 */
#ifndef CAMVEIL_HTTP_H
#define CAMVEIL_HTTP_H

#include "camera.h"
#include "media.h"
#include "rtsp.h"

struct event_base;
struct http_server;

/* One camera as the control plane shows it. */
struct http_camera {
	char name[CONFIG_NAME_MAX + 1];
	char source[512];	/* password redacted */
	const char *mode;	/* "mask", ... */
	int enabled;
	struct camera_status cam;
	struct media_stats media;
	struct rtsp_mount_stats rtsp;
};

/* Fill up to max cameras; returns how many. Called on the loop thread. */
typedef int (*http_snapshot_fn)(void *arg, struct http_camera *cams, int max);

int http_server_create(struct event_base *base, const char *listen,
    http_snapshot_fn snapshot, void *arg, struct http_server **out, char **cause);
void http_server_free(struct http_server **h);
int http_server_port(const struct http_server *h);

/* Render the Prometheus text or the JSON document (malloc'd, for tests). */
char *http_render_metrics(const struct http_camera *cams, int n);
char *http_render_cameras(const struct http_camera *cams, int n);

#endif
