/*
 * Control plane: evhttp handlers and the renderers behind them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "../util/err.h"
#include "../util/log.h"
#include "../util/net.h"
#include "http.h"

#define MAX_CAMERAS 1024

struct http_server {
	struct evhttp *http;
	http_snapshot_fn snapshot;
	void *arg;
	int port;
};

/* JSON string body (without quotes) of s. */
static void
json_str(FILE *fp, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c < 0x20)
			fprintf(fp, "\\u%04x", c);
		else
			fputc(c, fp);
	}
}

static void
hist(FILE *fp, const char *metric, const char *name, const uint64_t *b,
    double sum, uint64_t count)
{
	uint64_t cum = 0;

	for (int i = 0; i < CAMERA_HIST; i++) {
		cum += b[i];
		if (i == CAMERA_HIST - 1)
			fprintf(fp, "%s_bucket{camera=\"%s\",le=\"+Inf\"} %llu\n", metric,
			    name, (unsigned long long)cum);
		else
			fprintf(fp, "%s_bucket{camera=\"%s\",le=\"%g\"} %llu\n", metric,
			    name, media_lat_bounds[i], (unsigned long long)cum);
	}
	fprintf(fp, "%s_sum{camera=\"%s\"} %.6f\n%s_count{camera=\"%s\"} %llu\n",
	    metric, name, sum, metric, name, (unsigned long long)count);
}

char *
http_render_metrics(const struct http_camera *cams, int n)
{
	static const struct {
		const char *name, *type, *help;
	} m[] = {
		{ "camveil_camera_up", "gauge", "1 while the camera is streaming" },
		{ "camveil_frames_in_total", "counter", "Frames decoded from the camera" },
		{ "camveil_frames_out_total", "counter", "Anonymized frames encoded and served" },
		{ "camveil_faces_obscured_total", "counter", "Face regions obscured, summed over frames" },
		{ "camveil_faces_tracked_total", "counter", "Distinct faces tracked" },
		{ "camveil_fail_closed_frames_total", "counter", "Frames fully obscured because detection failed or was late" },
		{ "camveil_decode_errors_total", "counter", "Damaged packets (libavformat) or pictures (camveil's RTSP client) from the camera" },
		{ "camveil_reconnects_total", "counter", "Connection attempts to the camera after the first" },
		{ "camveil_readers", "gauge", "RTSP readers playing" },
		{ "camveil_reader_sessions_total", "counter", "RTSP sessions set up" },
		{ "camveil_reader_skipped_frames_total", "counter", "Frames not sent to readers that fell behind" },
		{ "camveil_readers_dropped_total", "counter", "Readers disconnected for not reading" },
		{ "camveil_sent_bytes_total", "counter", "RTP bytes queued to readers" },
		{ "camveil_handoff_dropped_total", "counter", "Frames lost between camera thread and event loop" },
		{ "camveil_overload_dropped_frames_total", "counter", "Frames dropped, never sent, to catch up with a live camera when overloaded" },
		{ "camveil_detect_fine_passes_total", "counter", "Fine detector tiles scanned (small faces): the rotation, and the tiles of tracked faces" },
		{ "camveil_detect_tiles_unchanged_total", "counter", "Fine detector tiles passed over because their picture had not changed" },
		{ "camveil_detect_tiles_flat_total", "counter", "Fine detector tiles the rotation did not ask for because part of the picture is flat (no face can be there)" },
		{ "camveil_detect_seconds", "histogram", "Face detector time per frame" },
		{ "camveil_added_latency_seconds", "histogram", "Time from a frame's arrival from the camera to its RTP packets being sent" },
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (fp == NULL)
		return NULL;
	for (size_t k = 0; k < sizeof m / sizeof m[0]; k++) {
		fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", m[k].name, m[k].help,
		    m[k].name, m[k].type);
		for (int i = 0; i < n; i++) {
			const struct http_camera *c = &cams[i];
			long long v = 0;

			switch (k) {
			case 0: v = c->cam.state == CAMERA_STREAMING; break;
			case 1: v = c->cam.frames_in; break;
			case 2: v = c->cam.frames_out; break;
			case 3: v = c->cam.face_regions; break;
			case 4: v = c->cam.faces; break;
			case 5: v = c->cam.fail_closed; break;
			case 6: v = c->cam.decode_errors; break;
			case 7: v = c->cam.reconnects; break;
			case 8: v = c->rtsp.readers; break;
			case 9: v = c->rtsp.sessions; break;
			case 10: v = c->rtsp.skipped; break;
			case 11: v = c->rtsp.dropped_readers; break;
			case 12: v = c->rtsp.bytes_sent; break;
			case 13: v = c->media.dropped; break;
			case 14: v = c->cam.overload_dropped; break;
			case 15: v = c->cam.fine_passes; break;
			case 16: v = c->cam.tiles_unchanged; break;
			case 17: v = c->cam.tiles_flat; break;
			case 18:
				hist(fp, m[k].name, c->name, c->cam.detect_hist,
				    c->cam.detect_sum, c->cam.detect_count);
				continue;
			case 19:
				hist(fp, m[k].name, c->name, c->media.lat_buckets,
				    c->media.lat_sum, c->media.lat_count);
				continue;
			}
			fprintf(fp, "%s{camera=\"%s\"} %lld\n", m[k].name, c->name, v);
		}
	}
	fclose(fp);
	return buf;
}

char *
http_render_cameras(const struct http_camera *cams, int n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (fp == NULL)
		return NULL;
	fprintf(fp, "{\"cameras\":[");
	for (int i = 0; i < n; i++) {
		const struct http_camera *c = &cams[i];
		double lat = c->media.lat_count ? c->media.lat_sum / (double)c->media.lat_count : 0;
		double det = c->cam.detect_count ? c->cam.detect_sum / (double)c->cam.detect_count : 0;

		fprintf(fp, "%s{\"name\":\"", i ? "," : "");
		json_str(fp, c->name);
		fprintf(fp, "\",\"source\":\"");
		json_str(fp, c->source);
		fprintf(fp, "\",\"mode\":\"%s\",\"enabled\":%s,\"state\":\"%s\",\"since\":%.3f,"
		    "\"input\":\"", c->mode, c->enabled ? "true" : "false",
		    c->enabled ? camera_state_name(c->cam.state) : "disabled", c->cam.since);
		json_str(fp, c->cam.input);
		fprintf(fp, "\",\"error\":\"");
		json_str(fp, c->cam.error);
		fprintf(fp, "\",\"frames_in\":%lld,\"frames_out\":%lld,\"faces_obscured\":%lld,"
		    "\"faces_tracked\":%lld,\"fail_closed\":%lld,\"decode_errors\":%lld,"
		    "\"reconnects\":%lld,\"overload_dropped\":%lld,\"readers\":%d,\"reader_sessions\":%lld,"
		    "\"skipped_frames\":%lld,\"readers_dropped\":%lld,"
		    "\"detect_ms_avg\":%.2f,\"added_latency_ms_avg\":%.2f}",
		    (long long)c->cam.frames_in, (long long)c->cam.frames_out,
		    (long long)c->cam.face_regions, (long long)c->cam.faces,
		    (long long)c->cam.fail_closed, (long long)c->cam.decode_errors,
		    (long long)c->cam.reconnects, (long long)c->cam.overload_dropped,
		    c->rtsp.readers,
		    (long long)c->rtsp.sessions, (long long)c->rtsp.skipped,
		    (long long)c->rtsp.dropped_readers, det * 1000, lat * 1000);
	}
	fprintf(fp, "]}\n");
	fclose(fp);
	return buf;
}

static const char dashboard[] =
"<!doctype html><html><head><meta charset=\"utf-8\"><title>camveil</title>\n"
"<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}"
"table{border-collapse:collapse}td,th{padding:.3em .8em;border-bottom:1px solid #ddd;"
"text-align:right}td:first-child,th:first-child{text-align:left}"
".streaming{color:#070}.backoff,.connecting{color:#a50}.stopped,.disabled{color:#888}"
"code{background:#f4f4f4;padding:0 .3em}</style></head><body>\n"
"<h1>camveil</h1><p>Anonymizing proxy: every face is obscured before video "
"leaves this machine. Readers open <code>rtsp://HOST:PORT/&lt;camera&gt;</code>. "
"<a href=\"/metrics\">metrics</a> · <a href=\"/api/v1/cameras\">JSON</a></p>\n"
"<table><thead><tr><th>camera</th><th>state</th><th>input</th><th>mode</th>"
"<th>frames</th><th>faces obscured</th><th>fail-closed</th><th>readers</th>"
"<th>detect ms</th><th>added latency ms</th><th>reconnects</th><th>last error</th>"
"</tr></thead><tbody id=\"t\"></tbody></table>\n"
"<script>\n"
"function esc(s){return String(s).replace(/[&<>\"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','\"':'&quot;'}[c]))}\n"
"async function tick(){try{const r=await fetch('/api/v1/cameras');const j=await r.json();\n"
"document.getElementById('t').innerHTML=j.cameras.map(c=>`<tr><td>${esc(c.name)}</td>"
"<td class=\"${esc(c.state)}\">${esc(c.state)}</td><td>${esc(c.input)}</td><td>${esc(c.mode)}</td>"
"<td>${c.frames_out}</td><td>${c.faces_obscured}</td><td>${c.fail_closed}</td>"
"<td>${c.readers}</td><td>${c.detect_ms_avg.toFixed(1)}</td>"
"<td>${c.added_latency_ms_avg.toFixed(1)}</td><td>${c.reconnects}</td>"
"<td>${esc(c.error)}</td></tr>`).join('')}catch(e){}}\n"
"tick();setInterval(tick,2000);\n"
"</script></body></html>\n";

static void
send_text(struct evhttp_request *req, int code, const char *reason,
    const char *type, const char *body)
{
	struct evbuffer *b = evbuffer_new();

	if (b == NULL) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", type);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
	evbuffer_add(b, body, strlen(body));
	evhttp_send_reply(req, code, reason, b);
	evbuffer_free(b);
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct http_server *h = arg;
	const char *uri = evhttp_request_get_uri(req);
	struct evhttp_uri *u = evhttp_uri_parse(uri);
	const char *path = u ? evhttp_uri_get_path(u) : NULL;
	struct http_camera *cams = NULL;
	char *body = NULL;
	int n = 0;

	if (path == NULL) {
		evhttp_send_error(req, 400, "Bad Request");
		goto out;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET &&
	    evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
		evhttp_send_error(req, 405, "Method Not Allowed");
		goto out;
	}
	if (strcmp(path, "/") == 0) {
		send_text(req, 200, "OK", "text/html; charset=utf-8", dashboard);
		goto out;
	}
	if (strcmp(path, "/healthz") != 0 && strcmp(path, "/metrics") != 0 &&
	    strcmp(path, "/api/v1/cameras") != 0) {
		evhttp_send_error(req, 404, "Not Found");
		goto out;
	}
	cams = calloc(MAX_CAMERAS, sizeof *cams);
	if (cams == NULL) {
		evhttp_send_error(req, 500, NULL);
		goto out;
	}
	n = h->snapshot(h->arg, cams, MAX_CAMERAS);
	if (strcmp(path, "/healthz") == 0) {
		int up = 0, enabled = 0;
		char buf[160];

		for (int i = 0; i < n; i++) {
			enabled += cams[i].enabled;
			up += cams[i].enabled && cams[i].cam.state == CAMERA_STREAMING;
		}
		snprintf(buf, sizeof buf, "{\"status\":\"%s\",\"cameras\":%d,"
		    "\"streaming\":%d}\n", up == enabled ? "ok" : "degraded", enabled, up);
		send_text(req, 200, "OK", "application/json", buf);
		goto out;
	}
	body = strcmp(path, "/metrics") == 0 ? http_render_metrics(cams, n) :
	    http_render_cameras(cams, n);
	if (body == NULL)
		evhttp_send_error(req, 500, NULL);
	else if (strcmp(path, "/metrics") == 0)
		send_text(req, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", body);
	else
		send_text(req, 200, "OK", "application/json", body);
out:
	free(body);
	free(cams);
	if (u != NULL)
		evhttp_uri_free(u);
}

int
http_server_create(struct event_base *base, const char *listen,
    http_snapshot_fn snapshot, void *arg, struct http_server **out, char **cause)
{
	struct http_server *h;
	struct evhttp_bound_socket *sock;
	const char *colon = strrchr(listen, ':');
	char host[256];
	size_t hl;

	*out = NULL;
	if (colon == NULL || (hl = (size_t)(colon - listen)) >= sizeof host) {
		err_cause(cause, "http.listen: '%s' is not address:port", listen);
		return ERR_INVAL;
	}
	memcpy(host, listen, hl);
	host[hl] = '\0';
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	h = calloc(1, sizeof *h);
	if (h == NULL)
		return ERR_NOMEM;
	h->snapshot = snapshot;
	h->arg = arg;
	h->http = evhttp_new(base);
	if (h->http == NULL) {
		free(h);
		return ERR_NOMEM;
	}
	evhttp_set_gencb(h->http, on_request, h);
	evhttp_set_max_headers_size(h->http, 8192);
	evhttp_set_max_body_size(h->http, 4096);
	evhttp_set_timeout(h->http, 30);
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS);
	sock = evhttp_bind_socket_with_handle(h->http, host, (ev_uint16_t)atoi(colon + 1));
	if (sock == NULL) {
		err_cause(cause, "http.listen: cannot listen on %s", listen);
		evhttp_free(h->http);
		free(h);
		return ERR_IO;
	}
	h->port = net_local_port(evhttp_bound_socket_get_fd(sock));
	*out = h;
	return 0;
}

int
http_server_port(const struct http_server *h)
{
	return h->port;
}

void
http_server_free(struct http_server **hp)
{
	if (hp == NULL || *hp == NULL)
		return;
	evhttp_free((*hp)->http);
	free(*hp);
	*hp = NULL;
}
