/*
 * Proxy daemon: event loop, cameras, servers, signals, reload.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "../blur/obscure.h"
#include "../codecs/source.h"
#include "../util/err.h"
#include "../util/log.h"
#include "auth.h"
#include "camera.h"
#include "../keys/audit.h"
#include "daemon.h"
#include "http.h"
#include "media.h"
#include "rtsp.h"

#define DRAIN_SECONDS 3

struct cam {
	struct config_camera cc;	/* borrowed from d->cfg */
	struct media *media;
	struct camera *camera;		/* NULL when disabled */
};

struct daemon {
	struct daemon_opts o;
	struct config *cfg;
	struct event_base *base;
	struct rtsp_server *rtsp;
	struct http_server *http;
	struct auth *auth;
	struct cam *cams;
	int ncams;
	struct event *sig_term, *sig_int, *sig_hup, *drain_timer;
	double drain_start;
	int exit_code;
};

static const char *const mode_names[] = { "mask", "pixelate", "blur", "encrypt" };

static int
build_auth(const struct config *cfg, const struct auth *old, struct auth **out,
    char **cause)
{
	struct auth *a = NULL;

	*out = NULL;
	if (cfg->nusers == 0)
		return 0;
	if (auth_create(cfg->rtsp_realm, cfg->rtsp_basic, &a) < 0) {
		err_cause(cause, "rtsp.realm: '%s' cannot be used", cfg->rtsp_realm);
		return ERR_INVAL;
	}
	for (int i = 0; i < cfg->nusers; i++) {
		const struct config_user *u = &cfg->users[i];
		int ha1 = strncmp(u->password, "md5:", 4) == 0;

		if (auth_add_user(a, u->name, ha1 ? u->password + 4 : u->password, ha1) < 0) {
			err_cause(cause, "%s:%d: users.%s: cannot be used", cfg->file ?
			    cfg->file : "config", u->line, u->name);
			auth_free(&a);
			return ERR_INVAL;
		}
	}
	if (old != NULL)
		auth_inherit_nonces(a, old);
	*out = a;
	return 0;
}

static int
start_camera(struct daemon *d, struct cam *c, char **cause)
{
	rtsp_server_set_enabled(d->rtsp, c->cc.name, c->cc.enabled);
	if (!c->cc.enabled)
		return 0;
	return camera_start(&c->cc, d->o.model, c->media, &c->camera, cause);
}

/* Create the media and mount for a camera and start it. */
static int
add_camera(struct daemon *d, struct cam *c, const struct config_camera *cc, char **cause)
{
	int ret;

	memset(c, 0, sizeof *c);
	c->cc = *cc;
	ret = media_create(d->base, cc->name, &c->media);
	if (ret == 0)
		ret = rtsp_server_mount(d->rtsp, c->media, cc->users);
	if (ret < 0) {
		err_cause(cause, "camera %s: cannot create its stream", cc->name);
		media_free(&c->media);
		return ret;
	}
	return start_camera(d, c, cause);
}

static void
remove_camera(struct daemon *d, struct cam *c)
{
	camera_stop(&c->camera);
	rtsp_server_unmount(d->rtsp, c->cc.name);
	media_free(&c->media);
}

static void
print_urls(struct daemon *d)
{
	const char *l = d->cfg->rtsp_listen;
	const char *colon = strrchr(l, ':');
	char host[128];
	int hl = (int)(colon - l);

	snprintf(host, sizeof host, "%.*s", hl, l);
	if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "[::]") == 0)
		snprintf(host, sizeof host, "127.0.0.1");
	for (int i = 0; i < d->ncams; i++)
		printf("camveil: camera %-12s rtsp://%s:%d/%s%s\n", d->cams[i].cc.name,
		    host, rtsp_server_port(d->rtsp), d->cams[i].cc.name,
		    d->cams[i].cc.enabled ? "" : " (disabled)");
	l = d->cfg->http_listen;
	colon = strrchr(l, ':');
	hl = (int)(colon - l);
	snprintf(host, sizeof host, "%.*s", hl, l);
	if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "[::]") == 0)
		snprintf(host, sizeof host, "127.0.0.1");
	printf("camveil: dashboard        http://%s:%d/  (metrics: /metrics)\n", host,
	    http_server_port(d->http));
	fflush(stdout);
}

static int
snapshot(void *arg, struct http_camera *out, int max)
{
	struct daemon *d = arg;
	int n = 0;

	for (int i = 0; i < d->ncams && n < max; i++, n++) {
		struct cam *c = &d->cams[i];
		struct http_camera *h = &out[n];

		memset(h, 0, sizeof *h);
		snprintf(h->name, sizeof h->name, "%s", c->cc.name);
		source_redact(c->cc.source, h->source, sizeof h->source);
		h->mode = (unsigned)c->cc.mode < 4 ? mode_names[c->cc.mode] : "?";
		h->enabled = c->cc.enabled;
		if (c->camera != NULL)
			camera_get_status(c->camera, &h->cam);
		else
			h->cam.state = CAMERA_STOPPED;
		media_get_stats(c->media, &h->media);
		rtsp_server_stats(d->rtsp, c->cc.name, &h->rtsp);
	}
	return n;
}

/*
 * Record in the audit log which cameras seal faces and to which key (on
 * the loop thread, at start and after each reload). Only when a camera
 * is in encrypt mode: a mask-only proxy holds no key and needs no log.
 */
static void
audit_keys(struct daemon *d, const char *event)
{
	char scope[1024] = "encrypt cameras:";
	size_t off = strlen(scope);
	int any = 0;
	struct audit_record rec;
	char *cause = NULL;

	for (int i = 0; i < d->ncams && off < sizeof scope; i++) {
		const struct config_camera *cc = &d->cams[i].cc;

		if (cc->mode != CONFIG_MODE_ENCRYPT || !cc->enabled)
			continue;
		off += (size_t)snprintf(scope + off, sizeof scope - off, " %s key=%s", cc->name,
		    cc->key);
		any = 1;
	}
	if (!any || d->cfg == NULL || d->cfg->audit_log == NULL)
		return;
	rec = (struct audit_record){ event, "camveil proxy", "", scope, "ok" };
	if (audit_log(d->cfg->audit_log, &rec, &cause) < 0)
		log_error("audit log %s: %s", d->cfg->audit_log, cause ? cause : "write failed");
	free(cause);
}

/* Do two camera configs differ in anything the camera thread uses? */
static int
camera_changed(const struct config_camera *a, const struct config_camera *b)
{
	return strcmp(a->source, b->source) != 0 || a->enabled != b->enabled ||
	    a->mode != b->mode || a->transport != b->transport ||
	    a->rtsp_client != b->rtsp_client ||
	    a->min_face != b->min_face || a->threshold != b->threshold ||
	    a->hold != b->hold || a->detect_timeout_ms != b->detect_timeout_ms ||
	    a->detect_threads != b->detect_threads ||
	    strcmp(a->preset, b->preset) != 0 || a->bitrate != b->bitrate ||
	    a->gop != b->gop || a->lookback != b->lookback || a->codec != b->codec ||
	    (a->key == NULL) != (b->key == NULL) || (a->key && strcmp(a->key, b->key) != 0) ||
	    (a->sidecar == NULL) != (b->sidecar == NULL) ||
	    (a->sidecar && strcmp(a->sidecar, b->sidecar) != 0);
}

static void
reload(struct daemon *d)
{
	struct config *nc = NULL;
	struct auth *na = NULL;
	struct cam *cams;
	char *cause = NULL;
	int n = 0, added = 0, removed = 0, changed = 0;

	if (d->o.config_path == NULL) {
		log_info("reload: no config file (demo camera): nothing to reload");
		return;
	}
	if (config_load(d->o.config_path, &nc, &cause) < 0) {
		log_error("reload: %s; keeping the running configuration", cause);
		free(cause);
		return;
	}
	if (build_auth(nc, d->auth, &na, &cause) < 0) {
		log_error("reload: %s; keeping the running configuration", cause);
		free(cause);
		config_free(&nc);
		return;
	}
	if (strcmp(nc->rtsp_listen, d->cfg->rtsp_listen) != 0 ||
	    strcmp(nc->http_listen, d->cfg->http_listen) != 0)
		log_warn("reload: a new listen address takes effect at restart");
	if (nc->rtsp_session_timeout != d->cfg->rtsp_session_timeout ||
	    nc->rtsp_describe_wait != d->cfg->rtsp_describe_wait)
		log_warn("reload: rtsp.session_timeout and rtsp.describe_wait take "
		    "effect at restart");
	cams = calloc((size_t)nc->ncameras + 1, sizeof *cams);
	if (cams == NULL) {
		auth_free(&na);
		config_free(&nc);
		return;
	}
	/* Cameras gone from the file. */
	for (int i = 0; i < d->ncams; i++) {
		int keep = 0;

		for (int j = 0; j < nc->ncameras; j++)
			keep |= strcmp(d->cams[i].cc.name, nc->cameras[j].name) == 0;
		if (!keep) {
			log_info("reload: camera %s removed", d->cams[i].cc.name);
			remove_camera(d, &d->cams[i]);
			removed++;
		}
	}
	rtsp_server_set_auth(d->rtsp, na);
	for (int j = 0; j < nc->ncameras; j++) {
		const struct config_camera *cc = &nc->cameras[j];
		struct cam *old = NULL;

		for (int i = 0; i < d->ncams; i++)
			if (d->cams[i].media != NULL && strcmp(d->cams[i].cc.name, cc->name) == 0)
				old = &d->cams[i];
		if (old == NULL) {
			if (add_camera(d, &cams[n], cc, &cause) < 0) {
				log_error("reload: camera %s: %s", cc->name, cause ? cause : "");
				free(cause);
				cause = NULL;
				continue;
			}
			log_info("reload: camera %s added", cc->name);
			added++;
			n++;
			continue;
		}
		cams[n] = *old;
		cams[n].cc = *cc;	/* now borrowed from the new config */
		rtsp_server_set_users(d->rtsp, cc->name, cc->users);
		if (camera_changed(&old->cc, cc)) {
			/* Same media and mount: readers keep their sessions. */
			camera_stop(&cams[n].camera);
			if (start_camera(d, &cams[n], &cause) < 0) {
				log_error("reload: camera %s: %s", cc->name, cause ? cause : "");
				free(cause);
				cause = NULL;
			}
			log_info("reload: camera %s changed: restarted", cc->name);
			changed++;
		}
		n++;
	}
	free(d->cams);
	d->cams = cams;
	d->ncams = n;
	auth_free(&d->auth);
	d->auth = na;
	config_free(&d->cfg);
	d->cfg = nc;
	log_set_level((enum log_level)nc->log_level);
	log_info("reload: %d camera(s): %d added, %d removed, %d changed", n, added,
	    removed, changed);
	audit_keys(d, "proxy.reload");
}

static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	reload(arg);
}

static void
on_drain_tick(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	static int ticks;

	(void)fd;
	(void)what;
	if (rtsp_server_connections(d->rtsp) == 0 || ++ticks > DRAIN_SECONDS * 10)
		event_base_loopexit(d->base, NULL);
}

static void
on_term(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	struct timeval tv = { 0, 100000 };

	(void)what;
	if (d->drain_timer != NULL)
		return;
	log_info("signal %d: stopping cameras and closing reader sessions", (int)sig);
	for (int i = 0; i < d->ncams; i++)
		camera_stop(&d->cams[i].camera);
	rtsp_server_drain(d->rtsp);
	d->drain_timer = event_new(d->base, -1, EV_PERSIST, on_drain_tick, d);
	if (d->drain_timer == NULL || event_add(d->drain_timer, &tv) < 0)
		event_base_loopexit(d->base, NULL);
}

int
daemon_run(const struct daemon_opts *o, struct config *cfg)
{
	struct daemon d;
	struct rtsp_opts ro;
	char *cause = NULL;
	int ret;

	memset(&d, 0, sizeof d);
	d.o = *o;
	d.cfg = cfg;
	d.exit_code = 1;
	if (o->rtsp_listen != NULL) {
		free(cfg->rtsp_listen);
		cfg->rtsp_listen = strdup(o->rtsp_listen);
	}
	if (o->http_listen != NULL) {
		free(cfg->http_listen);
		cfg->http_listen = strdup(o->http_listen);
	}
	signal(SIGPIPE, SIG_IGN);
	if (evthread_use_pthreads() < 0 || (d.base = event_base_new()) == NULL) {
		log_error("cannot create the event loop");
		config_free(&d.cfg);
		return 1;
	}
	ro.listen = cfg->rtsp_listen;
	ro.session_timeout = cfg->rtsp_session_timeout;
	ro.describe_wait = cfg->rtsp_describe_wait;
	ret = build_auth(cfg, NULL, &d.auth, &cause);
	if (ret == 0)
		ret = rtsp_server_create(d.base, &ro, &d.rtsp, &cause);
	if (ret == 0)
		ret = http_server_create(d.base, cfg->http_listen, snapshot, &d, &d.http, &cause);
	if (ret < 0) {
		log_error("%s", cause ? cause : err_str(ret));
		goto out;
	}
	rtsp_server_set_auth(d.rtsp, d.auth);
	if (d.auth == NULL && strncmp(cfg->rtsp_listen, "127.", 4) != 0 &&
	    strncmp(cfg->rtsp_listen, "[::1]", 5) != 0)
		log_warn("rtsp.listen %s is not loopback and no users are defined: "
		    "anyone who can reach it can watch", cfg->rtsp_listen);
	d.cams = calloc((size_t)cfg->ncameras + 1, sizeof *d.cams);
	if (d.cams == NULL)
		goto out;
	for (int i = 0; i < cfg->ncameras; i++) {
		if (add_camera(&d, &d.cams[d.ncams], &cfg->cameras[i], &cause) < 0) {
			log_error("%s", cause ? cause : "cannot start camera");
			goto out;
		}
		d.ncams++;
	}
	d.sig_term = evsignal_new(d.base, SIGTERM, on_term, &d);
	d.sig_int = evsignal_new(d.base, SIGINT, on_term, &d);
	d.sig_hup = evsignal_new(d.base, SIGHUP, on_hup, &d);
	if (d.sig_term == NULL || d.sig_int == NULL || d.sig_hup == NULL ||
	    evsignal_add(d.sig_term, NULL) < 0 || evsignal_add(d.sig_int, NULL) < 0 ||
	    evsignal_add(d.sig_hup, NULL) < 0)
		goto out;
	print_urls(&d);
	audit_keys(&d, "proxy.start");
	log_info("proxy running: %d camera(s); SIGHUP reloads, SIGTERM stops", d.ncams);
	event_base_dispatch(d.base);
	d.exit_code = 0;
	log_info("stopped");
out:
	free(cause);
	for (int i = 0; i < d.ncams; i++)
		remove_camera(&d, &d.cams[i]);
	free(d.cams);
	rtsp_server_free(&d.rtsp);
	http_server_free(&d.http);
	auth_free(&d.auth);
	if (d.sig_term) event_free(d.sig_term);
	if (d.sig_int) event_free(d.sig_int);
	if (d.sig_hup) event_free(d.sig_hup);
	if (d.drain_timer) event_free(d.drain_timer);
	if (d.base) event_base_free(d.base);
	config_free(&d.cfg);
	return d.exit_code;
}
