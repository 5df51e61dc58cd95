/*
 * Configuration loading. Every option is one row of `options[]`: where it
 * lives (a top-level section, or each camera), its type, its default as
 * text (parsed by the same code as the file, so a default can never be
 * invalid), its bounds and its help. Errors name the file, the line and
 * the option.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "../util/err.h"
#include "../util/log.h"
#include "../util/parse.h"
#include "config.h"

enum opt_type { T_STRING, T_INT, T_FLOAT, T_BOOL, T_ENUM, T_SIZE, T_LISTEN, T_LIST };

struct option {
	const char *section;	/* "rtsp", "http"... or NULL for per camera */
	const char *name;
	enum opt_type type;
	size_t offset;		/* in struct config or struct config_camera */
	const char *def;	/* default as it would be written; NULL = unset */
	double min, max;
	const char *const *names;	/* T_ENUM: values, index = stored int */
	int required;
	const char *help;
};

static const char *const modes[] = { "mask", "pixelate", "blur", "encrypt", NULL };
static const char *const transports[] = { "auto", "tcp", "udp", NULL };
static const char *const clients[] = { "builtin", "libavformat", NULL };
static const char *const codecs[] = { "h264", "h265", NULL };
static const char *const levels[] = { "error", "warning", "info", "debug", NULL };

#define G(f) offsetof(struct config, f)
#define C(f) offsetof(struct config_camera, f)

static const struct option options[] = {
	{ "rtsp", "listen", T_LISTEN, G(rtsp_listen), "127.0.0.1:8554", 0, 0, NULL, 0,
	  "address:port of the RTSP server recorders connect to" },
	{ "rtsp", "realm", T_STRING, G(rtsp_realm), "camveil", 0, 0, NULL, 0,
	  "realm of RTSP Digest authentication (when users are defined)" },
	{ "rtsp", "basic", T_BOOL, G(rtsp_basic), "false", 0, 0, NULL, 0,
	  "also accept Basic authentication (the password crosses the network)" },
	{ "rtsp", "session_timeout", T_INT, G(rtsp_session_timeout), "60", 5, 3600, NULL, 0,
	  "seconds a reader's session lives without a request or RTCP report" },
	{ "rtsp", "describe_wait", T_FLOAT, G(rtsp_describe_wait), "5", 0, 60, NULL, 0,
	  "seconds a DESCRIBE for a camera that has no stream yet waits for it "
	  "before 503; 0 answers 503 at once" },
	{ "http", "listen", T_LISTEN, G(http_listen), "127.0.0.1:8080", 0, 0, NULL, 0,
	  "address:port of /healthz, /metrics, /api/v1/cameras" },
	{ "detect", "model", T_STRING, G(model), NULL, 0, 0, NULL, 0,
	  "YuNet ONNX model; unset: the search path (docs/ANONYMIZE.md)" },
	{ "audit", "log", T_STRING, G(audit_log), "audit.log", 0, 0, NULL, 0,
	  "audit log (docs/KEYS.md) recording which cameras seal faces to which key" },
	{ "log", "level", T_ENUM, G(log_level), "info", 0, 0, levels, 0,
	  "error, warning, info or debug" },

	{ NULL, "name", T_STRING, C(name), NULL, 0, 0, NULL, 1,
	  "unique; recorders open rtsp://PROXY:PORT/<name> ([A-Za-z0-9_-])" },
	{ NULL, "source", T_STRING, C(source), NULL, 0, 0, NULL, 1,
	  "camera URL (rtsp://user:pass@host/path, http:// MJPEG) or a file (looped)" },
	{ NULL, "enabled", T_BOOL, C(enabled), "true", 0, 0, NULL, 0,
	  "false keeps the camera in the file but does not pull it" },
	{ NULL, "mode", T_ENUM, C(mode), "mask", 0, 0, modes, 0,
	  "mask (opaque, irreversible), pixelate, blur, or encrypt (masked, the "
	  "originals sealed in the stream for a k-of-n judicial unlock; needs key)" },
	{ NULL, "key", T_STRING, C(key), NULL, 0, 0, NULL, 0,
	  "encrypt mode: judicial.pub from 'camveil keys init'" },
	{ NULL, "sidecar", T_STRING, C(sidecar), NULL, 0, 0, NULL, 0,
	  "encrypt mode: also write the seals to a new file NAME-TIME.cvsc in "
	  "this directory per camera run, for recorders that drop SEI" },
	{ NULL, "transport", T_ENUM, C(transport), "auto", 0, 0, transports, 0,
	  "RTSP transport to the camera: auto, tcp or udp" },
	{ NULL, "rtsp_client", T_ENUM, C(rtsp_client), "builtin", 0, 0, clients, 0,
	  "who reads an rtsp:// camera: builtin (H.264/H.265, each picture "
	  "decoded as soon as its last packet is in; other codecs go to "
	  "libavformat) or libavformat (always)" },
	{ NULL, "min_face", T_INT, C(min_face), "16", 4, 4096, NULL, 0,
	  "smallest face height to find, in pixels" },
	{ NULL, "threshold", T_FLOAT, C(threshold), "0.5", 0.05, 1, NULL, 0,
	  "detector score threshold" },
	{ NULL, "hold", T_FLOAT, C(hold), "1.0", 0, 60, NULL, 0,
	  "seconds a face stays covered after the detector loses it" },
	{ NULL, "detect_timeout_ms", T_INT, C(detect_timeout_ms), "200", 1, 60000, NULL, 0,
	  "a frame whose detection is later than this is fully obscured" },
	{ NULL, "detect_threads", T_INT, C(detect_threads), "2", 1, 4, NULL, 0,
	  "threads one frame's detector passes run on; 1 is the least CPU when "
	  "cameras outnumber cores, 2 halves the detector's time per frame" },
	{ NULL, "preset", T_ENUM, C(preset), "veryfast", 0, 0, NULL, 0,
	  "x264 preset for the anonymized stream" },
	{ NULL, "bitrate", T_SIZE, C(bitrate), "0", 0, 1e9, NULL, 0,
	  "bits/s (e.g. 4M); 0 = constant quality" },
	{ NULL, "gop", T_INT, C(gop), "50", 1, 1000, NULL, 0,
	  "frames between keyframes (new readers start at one)" },
	{ NULL, "lookback", T_INT, C(lookback), "0", 0, 12, NULL, 0,
	  "frames held back so a new face is also hidden in the frames just "
	  "before it was found; each adds one frame of latency" },
	{ NULL, "codec", T_ENUM, C(codec), "h264", 0, 0, codecs, 0,
	  "codec of the anonymized stream: h264 or h265" },
	{ NULL, "users", T_LIST, C(users), NULL, 0, 0, NULL, 0,
	  "names from users: allowed to read this camera; unset: every user" },
};

#define NOPTIONS (sizeof options / sizeof options[0])


/* Enum values of an option (preset shares the table format). */
static const char *const *
enum_names(const struct option *o)
{
	return o->names != NULL ? o->names : parse_presets;
}

/*
 * libyaml's document API addresses nodes by index; `struct doc_node`
 * pairs the document with a node so helpers read like a tree walk.
 */
struct ynode {
	yaml_document_t *doc;
	yaml_node_t *n;
};

static struct ynode
ynode_at(yaml_document_t *doc, int index)
{
	struct ynode y = { doc, yaml_document_get_node(doc, index) };

	return y;
}

static int
node_line(struct ynode y)
{
	return y.n ? (int)y.n->start_mark.line + 1 : 0;
}

static int
node_is_null(struct ynode y)
{
	const char *v;

	if (y.n == NULL)
		return 1;
	if (y.n->type != YAML_SCALAR_NODE || y.n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	v = (const char *)y.n->data.scalar.value;
	return *v == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0;
}

static char *
str_of(struct ynode y)
{
	char *d;

	if (y.n == NULL || y.n->type != YAML_SCALAR_NODE)
		return NULL;
	d = malloc(y.n->data.scalar.length + 1);
	if (d != NULL) {
		memcpy(d, y.n->data.scalar.value, y.n->data.scalar.length);
		d[y.n->data.scalar.length] = '\0';
	}
	return d;
}

static int
valid_listen(const char *s)
{
	const char *colon = strrchr(s, ':');
	char *end;
	long port;

	if (colon == NULL || colon == s)
		return 0;
	port = strtol(colon + 1, &end, 10);
	return *end == '\0' && end != colon + 1 && port >= 1 && port <= 65535;
}

/*
 * Parse text for option o into base + o->offset. On error, *why is a
 * static description of what was wanted.
 */
static int
set_value(const struct option *o, void *base, const char *text, const char **why)
{
	char *p = (char *)base + o->offset, *end;
	const char *const *names;
	double v;

	switch (o->type) {
	case T_STRING:
	case T_LISTEN:
		if (o->type == T_LISTEN && !valid_listen(text)) {
			*why = "is not address:port (port 1..65535)";
			return ERR_INVAL;
		}
		free(*(char **)p);
		*(char **)p = strdup(text);
		return *(char **)p == NULL ? ERR_NOMEM : 0;
	case T_INT:
		errno = 0;
		v = (double)strtol(text, &end, 10);
		if (errno || end == text || *end != '\0' || v < o->min || v > o->max) {
			*why = "is not an integer within bounds";
			return ERR_INVAL;
		}
		*(int *)p = (int)v;
		return 0;
	case T_FLOAT:
		v = strtod(text, &end);
		if (end == text || *end != '\0' || v < o->min || v > o->max) {
			*why = "is not a number within bounds";
			return ERR_INVAL;
		}
		*(float *)p = (float)v;
		return 0;
	case T_SIZE:
		v = (double)parse_size(text);
		if (v < 0 || v < o->min || v > o->max) {
			*why = "is not a size such as 800k or 4M within bounds";
			return ERR_INVAL;
		}
		*(long long *)p = (long long)v;
		return 0;
	case T_BOOL:
		if (strcmp(text, "true") == 0 || strcmp(text, "yes") == 0)
			*(int *)p = 1;
		else if (strcmp(text, "false") == 0 || strcmp(text, "no") == 0)
			*(int *)p = 0;
		else {
			*why = "is not true or false";
			return ERR_INVAL;
		}
		return 0;
	case T_ENUM:
		names = enum_names(o);
		for (int i = 0; names[i] != NULL; i++) {
			if (strcmp(names[i], text) != 0)
				continue;
			if (o->names == NULL) {	/* stored as the string */
				free(*(char **)p);
				*(char **)p = strdup(text);
				return *(char **)p == NULL ? ERR_NOMEM : 0;
			}
			*(int *)p = i;
			return 0;
		}
		*why = "is not one of the allowed values";
		return ERR_INVAL;
	case T_LIST:
		break;		/* set_list() */
	}
	return ERR_INVAL;
}

static int valid_name(const char *s);

static void
free_list(char ***lp)
{
	for (char **l = *lp; l != NULL && *l != NULL; l++)
		free(*l);
	free(*lp);
	*lp = NULL;
}

/* A list of names: a YAML sequence of scalars, or one scalar. */
static int
set_list(struct config *c, const struct option *o, void *base, struct ynode v,
    const char *where, const char *key, char **cause)
{
	char ***lp = (char ***)((char *)base + o->offset);
	int n = 0;

	free_list(lp);
	if (v.n != NULL && v.n->type == YAML_SCALAR_NODE) {
		*lp = calloc(2, sizeof **lp);
		if (*lp == NULL || ((*lp)[0] = str_of(v)) == NULL)
			return ERR_NOMEM;
		return 0;
	}
	if (v.n == NULL || v.n->type != YAML_SEQUENCE_NODE) {
		err_cause(cause, "%s:%d: %s.%s: expected a list of names", c->file,
		    node_line(v), where, key);
		return ERR_INVAL;
	}
	*lp = calloc((size_t)(v.n->data.sequence.items.top -
	    v.n->data.sequence.items.start) + 1, sizeof **lp);
	if (*lp == NULL)
		return ERR_NOMEM;
	for (yaml_node_item_t *it = v.n->data.sequence.items.start;
	    it < v.n->data.sequence.items.top; it++) {
		struct ynode e = ynode_at(v.doc, *it);

		if ((*lp)[n] = str_of(e), (*lp)[n] == NULL) {
			err_cause(cause, "%s:%d: %s.%s: expected a list of names",
			    c->file, node_line(e), where, key);
			return ERR_INVAL;
		}
		n++;
	}
	return 0;
}

/* users: a mapping of name -> password. */
static int
load_users(struct config *c, struct ynode map, char **cause)
{
	int count, i = 0;

	if (node_is_null(map))
		return 0;
	if (map.n->type != YAML_MAPPING_NODE) {
		err_cause(cause, "%s:%d: users: expected name: password pairs", c->file,
		    node_line(map));
		return ERR_INVAL;
	}
	count = (int)(map.n->data.mapping.pairs.top - map.n->data.mapping.pairs.start);
	c->users = calloc((size_t)(count > 0 ? count : 1), sizeof *c->users);
	if (c->users == NULL)
		return ERR_NOMEM;
	for (yaml_node_pair_t *pair = map.n->data.mapping.pairs.start;
	    pair < map.n->data.mapping.pairs.top; pair++, i++) {
		struct ynode k = ynode_at(map.doc, pair->key), v = ynode_at(map.doc, pair->value);
		struct config_user *u = &c->users[i];

		c->nusers = i + 1;
		u->line = node_line(k);
		u->name = str_of(k);
		u->password = str_of(v);
		if (u->name == NULL || !valid_name(u->name)) {
			err_cause(cause, "%s:%d: users: a user name must be 1..%d of "
			    "A-Z a-z 0-9 _ -", c->file, u->line, CONFIG_NAME_MAX);
			return ERR_INVAL;
		}
		if (u->password == NULL || u->password[0] == '\0') {
			err_cause(cause, "%s:%d: users.%s: expected a password", c->file,
			    u->line, u->name);
			return ERR_INVAL;
		}
		if (strncmp(u->password, "md5:", 4) == 0 && (strlen(u->password) != 36 ||
		    strspn(u->password + 4, "0123456789abcdef") != 32)) {
			err_cause(cause, "%s:%d: users.%s: 'md5:' must be followed by 32 "
			    "lowercase hex digits (MD5 of name:realm:password)", c->file,
			    u->line, u->name);
			return ERR_INVAL;
		}
		for (int j = 0; j < i; j++)
			if (strcmp(c->users[j].name, u->name) == 0) {
				err_cause(cause, "%s:%d: users.%s: defined twice (line %d)",
				    c->file, u->line, u->name, c->users[j].line);
				return ERR_INVAL;
			}
	}
	return 0;
}

/* Every name in a camera's users list must be a defined user. */
static int
check_camera_users(struct config *c, char **cause)
{
	for (int i = 0; i < c->ncameras; i++) {
		for (char **u = c->cameras[i].users; u != NULL && *u != NULL; u++) {
			int found = 0;

			for (int j = 0; j < c->nusers; j++)
				found |= strcmp(c->users[j].name, *u) == 0;
			if (!found) {
				err_cause(cause, "%s:%d: cameras[%d].users: '%s' is not "
				    "defined in users:", c->file, c->cameras[i].line, i, *u);
				return ERR_INVAL;
			}
		}
	}
	return 0;
}

static void
apply_defaults(void *base, int camera)
{
	const char *why;

	for (size_t i = 0; i < NOPTIONS; i++)
		if ((options[i].section == NULL) == camera && options[i].def != NULL)
			(void)set_value(&options[i], base, options[i].def, &why);
}

static const struct option *
find_option(const char *section, const char *name)
{
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct option *o = &options[i];

		if (strcmp(o->name, name) != 0)
			continue;
		if (section == NULL ? o->section == NULL :
		    (o->section != NULL && strcmp(o->section, section) == 0))
			return o;
	}
	return NULL;
}

static void
allowed(const struct option *o, char *buf, size_t size)
{
	const char *const *names = enum_names(o);
	size_t n = 0;

	buf[0] = '\0';
	if (o->type == T_ENUM) {
		for (int i = 0; names[i] != NULL && n < size; i++)
			n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ", " : "",
			    names[i]);
	} else if (o->type == T_INT || o->type == T_FLOAT || o->type == T_SIZE) {
		snprintf(buf, size, "%g..%g", o->min, o->max);
	}
}

/* Parse one mapping of options (a section, or a camera) into base. */
static int
load_map(struct config *c, struct ynode map, const char *section,
    const char *where, void *base, char **cause)
{
	if (node_is_null(map))
		return 0;	/* "section:" with everything commented out */
	if (map.n->type != YAML_MAPPING_NODE) {
		err_cause(cause, "%s:%d: %s: expected a mapping of options", c->file,
		    node_line(map), where);
		return ERR_INVAL;
	}
	for (yaml_node_pair_t *pair = map.n->data.mapping.pairs.start;
	    pair < map.n->data.mapping.pairs.top; pair++) {
		struct ynode k = ynode_at(map.doc, pair->key);
		struct ynode v = ynode_at(map.doc, pair->value);
		char *key = str_of(k), *val = str_of(v), buf[160];
		const struct option *o = key ? find_option(section, key) : NULL;
		const char *why = NULL;
		int ret;

		if (o == NULL) {
			err_cause(cause, "%s:%d: %s.%s: unknown option", c->file,
			    node_line(k), where, key ? key : "?");
			ret = ERR_INVAL;
		} else if (o->type == T_LIST) {
			ret = set_list(c, o, base, v, where, key, cause);
		} else if (val == NULL) {
			err_cause(cause, "%s:%d: %s.%s: expected a single value", c->file,
			    node_line(k), where, key);
			ret = ERR_INVAL;
		} else if ((ret = set_value(o, base, val, &why)) < 0 && why != NULL) {
			allowed(o, buf, sizeof buf);
			err_cause(cause, "%s:%d: %s.%s: '%s' %s%s%s%s", c->file,
			    node_line(v), where, key, val, why, buf[0] ? " (" : "", buf,
			    buf[0] ? ")" : "");
		}
		free(key);
		free(val);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int
valid_name(const char *s)
{
	if (*s == '\0' || strlen(s) > CONFIG_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return 0;
	return 1;
}

static int
load_cameras(struct config *c, struct ynode seq, char **cause)
{
	int count, i = 0, ret;

	if (seq.n == NULL || seq.n->type != YAML_SEQUENCE_NODE) {
		err_cause(cause, "%s:%d: cameras: expected a list of cameras", c->file,
		    node_line(seq));
		return ERR_INVAL;
	}
	count = (int)(seq.n->data.sequence.items.top - seq.n->data.sequence.items.start);
	c->cameras = calloc((size_t)(count > 0 ? count : 1), sizeof *c->cameras);
	if (c->cameras == NULL)
		return ERR_NOMEM;
	for (yaml_node_item_t *item = seq.n->data.sequence.items.start;
	    item < seq.n->data.sequence.items.top; item++) {
		struct config_camera *cam = &c->cameras[i];
		struct ynode n = ynode_at(seq.doc, *item), first = n;
		char where[32];

		snprintf(where, sizeof where, "cameras[%d]", i);
		apply_defaults(cam, 1);
		c->ncameras = ++i;
		ret = load_map(c, n, NULL, where, cam, cause);
		if (ret < 0)
			return ret;
		if (n.n != NULL && n.n->type == YAML_MAPPING_NODE &&
		    n.n->data.mapping.pairs.top > n.n->data.mapping.pairs.start)
			first = ynode_at(n.doc, n.n->data.mapping.pairs.start->key);
		cam->line = node_line(first);
		for (size_t k = 0; k < NOPTIONS; k++) {
			const struct option *o = &options[k];

			if (o->section == NULL && o->required &&
			    *(char **)((char *)cam + o->offset) == NULL) {
				err_cause(cause, "%s:%d: %s.%s: missing (required)",
				    c->file, cam->line, where, o->name);
				return ERR_INVAL;
			}
		}
		if (!valid_name(cam->name)) {
			err_cause(cause, "%s:%d: %s.name: '%s' must be 1..%d of "
			    "A-Z a-z 0-9 _ -", c->file, cam->line, where, cam->name,
			    CONFIG_NAME_MAX);
			return ERR_INVAL;
		}
		for (int j = 0; j < i - 1; j++)
			if (strcmp(c->cameras[j].name, cam->name) == 0) {
				err_cause(cause, "%s:%d: %s.name: '%s' is already used by "
				    "the camera at line %d", c->file, cam->line, where,
				    cam->name, c->cameras[j].line);
				return ERR_INVAL;
			}
	}
	return 0;
}

struct config *
config_defaults(void)
{
	struct config *c = calloc(1, sizeof *c);

	if (c != NULL)
		apply_defaults(c, 0);
	return c;
}

#define CONFIG_MAX_BYTES (1 << 20)

/*
 * Line of the first byte that is not part of valid UTF-8 (or is NUL),
 * or 0 if the text is clean. YAML must be Unicode, and Debian's libfyaml
 * 0.7.12 looped forever on some invalid bytes (found by fuzzing; camveil
 * moved to libyaml), so the text is checked before any parser sees it.
 */
static int
bad_utf8_line(const unsigned char *s, size_t len)
{
	int line = 1;

	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 :
		    (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;

		if (c == '\n')
			line++;
		if (n == 0 || c == 0 || (n == 2 && c < 0xc2) || i + n > len)
			return line;
		for (size_t k = 1; k < n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return line;
		i += n;
	}
	return 0;
}

/* Read at most CONFIG_MAX_BYTES of path into *buf (malloc'd). */
static int
read_file(const char *path, char **buf, size_t *len, char **cause)
{
	FILE *fp = fopen(path, "rb");
	size_t n;

	*buf = NULL;
	if (fp == NULL) {
		err_cause(cause, "%s: cannot read: %s", path, strerror(errno));
		return -errno;
	}
	*buf = malloc(CONFIG_MAX_BYTES + 1);
	if (*buf == NULL) {
		fclose(fp);
		return ERR_NOMEM;
	}
	n = fread(*buf, 1, CONFIG_MAX_BYTES + 1, fp);
	if (ferror(fp) || n > CONFIG_MAX_BYTES) {
		err_cause(cause, ferror(fp) ? "%s: cannot read: I/O error" :
		    "%s: larger than 1 MiB: not a camveil config", path);
		fclose(fp);
		free(*buf);
		*buf = NULL;
		return ERR_INVAL;
	}
	fclose(fp);
	*len = n;
	return 0;
}

/* Parse YAML text (len bytes) named path in messages. */
static int
load(const char *path, const char *text, size_t len, struct config **out,
    char **cause)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct ynode root;
	struct config *c;
	int ret = 0, have_doc = 0;

	*out = NULL;
	*cause = NULL;
	c = config_defaults();
	if (c == NULL || (c->file = strdup(path)) == NULL) {
		config_free(&c);
		return ERR_NOMEM;
	}
	if ((ret = bad_utf8_line((const unsigned char *)text, len)) > 0) {
		err_cause(cause, "%s:%d: not valid UTF-8 text", path, ret);
		ret = ERR_INVAL;
		goto out;
	}
	ret = 0;
	if (!yaml_parser_initialize(&parser)) {
		config_free(&c);
		return ERR_NOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		err_cause(cause, "%s:%d: YAML syntax error: %s%s%s", path,
		    (int)parser.problem_mark.line + 1,
		    parser.problem ? parser.problem : "unreadable",
		    parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		ret = ERR_INVAL;
		goto out;
	}
	yaml_parser_delete(&parser);
	have_doc = 1;
	root = (struct ynode){ &doc, yaml_document_get_root_node(&doc) };
	if (root.n == NULL) {
		goto out;	/* an empty file: all defaults, no cameras */
	}
	if (root.n->type != YAML_MAPPING_NODE) {
		err_cause(cause, "%s:%d: expected sections (rtsp, http, detect, log, "
		    "users, cameras)", path, node_line(root));
		ret = ERR_INVAL;
		goto out;
	}
	for (yaml_node_pair_t *pair = root.n->data.mapping.pairs.start;
	    pair < root.n->data.mapping.pairs.top; pair++) {
		struct ynode k = ynode_at(&doc, pair->key), v = ynode_at(&doc, pair->value);
		char *sec = str_of(k);

		int dup = 0;

		for (yaml_node_pair_t *q = root.n->data.mapping.pairs.start;
		    sec != NULL && q < pair; q++) {
			struct ynode qk = ynode_at(&doc, q->key);

			dup |= qk.n != NULL && qk.n->type == YAML_SCALAR_NODE &&
			    strcmp((const char *)qk.n->data.scalar.value, sec) == 0;
		}
		if (sec == NULL) {
			err_cause(cause, "%s:%d: expected a section name", path,
			    node_line(k));
			ret = ERR_INVAL;
		} else if (dup) {
			err_cause(cause, "%s:%d: %s: section given twice", path,
			    node_line(k), sec);
			ret = ERR_INVAL;
		} else if (strcmp(sec, "cameras") == 0) {
			ret = load_cameras(c, v, cause);
		} else if (strcmp(sec, "users") == 0) {
			ret = load_users(c, v, cause);
		} else if (find_option(sec, "listen") || find_option(sec, "model") ||
		    find_option(sec, "log") ||
		    find_option(sec, "level")) {
			ret = load_map(c, v, sec, sec, c, cause);
		} else {
			err_cause(cause, "%s:%d: %s: unknown section", path,
			    node_line(k), sec);
			ret = ERR_INVAL;
		}
		free(sec);
		if (ret < 0)
			goto out;
	}
	for (int i = 0; i < c->ncameras; i++) {
		struct config_camera *cc = &c->cameras[i];

		if (cc->sidecar != NULL && cc->mode != CONFIG_MODE_ENCRYPT) {
			err_cause(cause, "%s:%d: cameras[%d].sidecar: only used with mode: encrypt",
			    c->file, cc->line, i);
			ret = ERR_INVAL;
			goto out;
		}
		if ((cc->mode == CONFIG_MODE_ENCRYPT) != (cc->key != NULL)) {
			err_cause(cause, "%s:%d: cameras[%d].%s", c->file, cc->line, i,
			    cc->key == NULL ? "mode: encrypt needs key: (a judicial.pub)" :
			    "key: is only used with mode: encrypt");
			ret = ERR_INVAL;
			goto out;
		}
	}
	ret = check_camera_users(c, cause);
out:
	if (have_doc)
		yaml_document_delete(&doc);
	if (ret < 0) {
		if (*cause == NULL)
			err_cause(cause, "%s: %s", path, err_str(ret));
		config_free(&c);
		return ret;
	}
	*out = c;
	return 0;
}

int
config_load(const char *path, struct config **out, char **cause)
{
	char *buf;
	size_t len = 0;
	int ret;

	*out = NULL;
	*cause = NULL;
	ret = read_file(path, &buf, &len, cause);
	if (ret < 0)
		return ret;
	ret = load(path, buf, len, out, cause);
	free(buf);
	return ret;
}

int
config_parse(const char *name, const char *text, size_t len,
    struct config **out, char **cause)
{
	return load(name, text, len, out, cause);
}

static void
free_strings(void *base, int camera)
{
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct option *o = &options[i];
		int is_str = o->type == T_STRING || o->type == T_LISTEN ||
		    (o->type == T_ENUM && o->names == NULL);

		if ((o->section == NULL) == camera && o->type == T_LIST)
			free_list((char ***)((char *)base + o->offset));
		if ((o->section == NULL) == camera && is_str) {
			free(*(char **)((char *)base + o->offset));
			*(char **)((char *)base + o->offset) = NULL;
		}
	}
}

void
config_free(struct config **cp)
{
	struct config *c;

	if (cp == NULL || *cp == NULL)
		return;
	c = *cp;
	for (int i = 0; i < c->ncameras; i++)
		free_strings(&c->cameras[i], 1);
	free(c->cameras);
	for (int i = 0; i < c->nusers; i++) {
		free(c->users[i].name);
		if (c->users[i].password != NULL)
			explicit_bzero(c->users[i].password, strlen(c->users[i].password));
		free(c->users[i].password);
	}
	free(c->users);
	free_strings(c, 0);
	free(c->file);
	free(c);
	*cp = NULL;
}

void
config_describe(FILE *fp)
{
	static const char *const types[] = { "string", "integer", "number",
	    "boolean", "one of", "size", "address:port", "list of names" };

	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct option *o = &options[i];
		char buf[160];

		allowed(o, buf, sizeof buf);
		fprintf(fp, "%s%s%s\t%s%s%s\tdefault %s\t%s\n",
		    o->section ? o->section : "cameras[]", ".", o->name, types[o->type],
		    buf[0] ? " " : "", buf, o->def ? o->def : (o->required ?
		    "(required)" : "(unset)"), o->help);
	}
}
