/*
 * The proxy daemon: the one place that knows the live system's shape.
 *
 *   config -> for each camera: camera thread -> media -> RTSP mount
 *             RTSP server (readers), HTTP control plane
 *   SIGHUP  reload the config: cameras added, removed or changed one by
 *           one; the others, and the readers of a changed camera, keep going
 *   SIGTERM/SIGINT  drain: stop the cameras, say BYE to readers, exit 0
 */
#ifndef CAMVEIL_DAEMON_H
#define CAMVEIL_DAEMON_H

#include "config.h"

struct daemon_opts {
	const char *config_path;	/* NULL: the config was built in (demo) */
	const char *model;		/* resolved model path */
	const char *rtsp_listen;	/* override config when not NULL */
	const char *http_listen;
};

/* Run until a signal stops it. cfg is owned by the daemon from here on.
 * Returns the exit status. */
int daemon_run(const struct daemon_opts *o, struct config *cfg);

#endif
