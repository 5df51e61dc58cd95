/*
 * Unit tests for proxy/config: a table of YAML files, good and bad; bad
 * ones must fail with a message naming the file, the line and the
 * option. The shipped reference config/camveil.yml must parse and carry
 * exactly the defaults the code uses.
 */
#include "unit.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../proxy/config.h"

struct config_case {
	const char *name;
	const char *yaml;
	const char *error;	/* NULL: must load; else a substring of the cause */
};

#define CAM "cameras:\n  - name: a\n    source: rtsp://h/s\n"

static struct config_case cases[] = {
	{ "ok/minimal", "cameras:\n  - name: lobby\n    source: rtsp://10.0.0.5/s\n", NULL },
	{ "ok/no_cameras", "rtsp:\n  listen: \"0.0.0.0:554\"\n", NULL },
	{ "ok/empty_sections", "rtsp: {}\nhttp: {}\n" CAM, NULL },
	{ "ok/all_camera_options", CAM "    mode: blur\n    transport: udp\n"
	  "    min_face: 24\n    threshold: 0.6\n    hold: 2\n    enabled: false\n"
	  "    detect_timeout_ms: 100\n    preset: ultrafast\n    bitrate: 4M\n"
	  "    gop: 25\n", NULL },
	{ "ok/ipv6_listen", "rtsp:\n  listen: \"[::1]:8554\"\n", NULL },
	{ "bad/yaml_syntax", "rtsp: {}\na: b\n  c: d\n", ":3: YAML syntax error" },
	{ "ok/commented_out_section", "detect:\n  # model: x\n" CAM, NULL },
	{ "bad/unknown_section", "rtps:\n  listen: \"x:1\"\n", ":1: rtps: unknown section" },
	{ "bad/unknown_option", "rtsp:\n  lissten: \"x:1\"\n", ":2: rtsp.lissten: unknown option" },
	{ "bad/unknown_camera_option", CAM "    colour: red\n", ":4: cameras[0].colour: unknown option" },
	{ "bad/listen_no_port", "http:\n  listen: localhost\n", ":2: http.listen: 'localhost' is not address:port" },
	{ "bad/listen_port_range", "http:\n  listen: \"h:70000\"\n", "is not address:port" },
	{ "bad/mode", CAM "    mode: sepia\n", ":4: cameras[0].mode: 'sepia' is not one of the allowed values (mask, pixelate, blur, encrypt)" },
	{ "bad/min_face_low", CAM "    min_face: 2\n", "cameras[0].min_face: '2' is not an integer within bounds (4..4096)" },
	{ "bad/min_face_text", CAM "    min_face: big\n", "cameras[0].min_face: 'big'" },
	{ "bad/threshold", CAM "    threshold: 1.5\n", "cameras[0].threshold: '1.5'" },
	{ "bad/bool", CAM "    enabled: maybe\n", "'maybe' is not true or false" },
	{ "bad/bitrate", CAM "    bitrate: fast\n", "cameras[0].bitrate: 'fast' is not a size" },
	{ "bad/preset", CAM "    preset: quick\n", "cameras[0].preset: 'quick' is not one of" },
	{ "bad/missing_source", "cameras:\n  - name: a\n", ":2: cameras[0].source: missing (required)" },
	{ "bad/missing_name", "cameras:\n  - source: x.mp4\n", "cameras[0].name: missing (required)" },
	{ "bad/name_chars", "cameras:\n  - name: a/b\n    source: x\n", "cameras[0].name: 'a/b' must be" },
	{ "bad/duplicate_name", CAM "  - name: a\n    source: y\n",
	  ":4: cameras[1].name: 'a' is already used by the camera at line 2" },
	{ "bad/cameras_not_list", "cameras:\n  name: a\n", "cameras: expected a list" },
	{ "bad/camera_not_map", "cameras:\n  - just-a-string\n", "cameras[0]: expected a mapping" },
	{ "bad/value_is_list", CAM "    mode: [mask]\n", "cameras[0].mode: expected a single value" },
	{ "bad/root_not_map", "- a\n- b\n", "expected sections" },
	/* Found by fuzzing: the second list replaced (and leaked) the first. */
	{ "bad/cameras_twice", CAM "cameras:\n  - name: b\n    source: y\n",
	  ":4: cameras: section given twice" },
	{ "bad/section_twice", "rtsp: {}\nhttp: {}\nrtsp: {}\n", ":3: rtsp: section given twice" },
	{ "ok/empty_file", "", NULL },
	/* libfyaml 0.7.12 looped forever on this (found by fuzzing). */
	{ "bad/invalid_utf8_directive", "rtsp: {}\n%  \372hold:x\n", ":2: not valid UTF-8 text" },
};

static char *
write_tmp(const char *text)
{
	char *path = strdup("/tmp/camveil-config-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void
test_case(void **state)
{
	const struct config_case *c = *state;
	char *path = write_tmp(c->yaml), *cause = NULL;
	struct config *cfg = NULL;
	int ret = config_load(path, &cfg, &cause);

	if (c->error == NULL) {
		if (ret < 0)
			fail_msg("unexpected error: %s", cause);
		assert_non_null(cfg);
	} else {
		assert_true(ret < 0);
		assert_null(cfg);
		assert_non_null(cause);
		if (strstr(cause, path) != cause)
			fail_msg("cause does not start with the file name: %s", cause);
		if (strstr(cause, c->error) == NULL)
			fail_msg("cause '%s' lacks '%s'", cause, c->error);
	}
	free(cause);
	config_free(&cfg);
	assert_null(cfg);
	unlink(path);
	free(path);
}

/* Values land where they belong. */
static void
test_values(void **state)
{
	char *path = write_tmp("rtsp:\n  listen: \"0.0.0.0:8555\"\nlog:\n  level: debug\n"
	    CAM "    mode: pixelate\n    bitrate: 2.5M\n    hold: 0.25\n"
	    "  - name: b\n    source: file.mp4\n    enabled: no\n");
	struct config *c = NULL;
	char *cause = NULL;

	(void)state;
	assert_int_equal(config_load(path, &c, &cause), 0);
	assert_string_equal(c->rtsp_listen, "0.0.0.0:8555");
	assert_string_equal(c->http_listen, "127.0.0.1:8080");
	assert_int_equal(c->log_level, 3);
	assert_int_equal(c->ncameras, 2);
	assert_string_equal(c->cameras[0].name, "a");
	assert_int_equal(c->cameras[0].mode, 1);
	assert_int_equal(c->cameras[0].bitrate, 2500000);
	assert_float_equal(c->cameras[0].hold, 0.25, 1e-6);
	assert_int_equal(c->cameras[0].line, 6);
	assert_int_equal(c->cameras[0].enabled, 1);
	assert_int_equal(c->cameras[1].enabled, 0);
	assert_string_equal(c->cameras[1].source, "file.mp4");
	assert_int_equal(c->cameras[1].min_face, 16);
	assert_string_equal(c->cameras[1].preset, "veryfast");
	config_free(&c);
	unlink(path);
	free(path);
}

static void
test_missing_file(void **state)
{
	struct config *c = NULL;
	char *cause = NULL;

	(void)state;
	assert_true(config_load("/nonexistent/camveil.yml", &c, &cause) < 0);
	assert_null(c);
	assert_non_null(strstr(cause, "/nonexistent/camveil.yml"));
	free(cause);
}

/* The reference config lists every option with the code's default. */
static void
test_reference(void **state)
{
	struct config *ref = NULL, *def = config_defaults();
	char *cause = NULL;
	FILE *fp;
	char line[512];
	int described = 0, missing = 0;

	(void)state;
	if (config_load("config/camveil.yml", &ref, &cause) < 0)
		fail_msg("%s", cause);
	assert_string_equal(ref->rtsp_listen, def->rtsp_listen);
	assert_string_equal(ref->http_listen, def->http_listen);
	assert_int_equal(ref->log_level, def->log_level);
	assert_int_equal(ref->ncameras, 1);
	/* Each option named in the table appears in the file as "name:". */
	fp = tmpfile();
	config_describe(fp);
	rewind(fp);
	while (fgets(line, sizeof line, fp) != NULL) {
		char *dot = strchr(line, '.'), *tab = strchr(line, '\t'), key[80];
		FILE *ref_fp = fopen("config/camveil.yml", "r");
		char text[8192] = "";
		size_t n;

		assert_non_null(dot);
		assert_non_null(tab);
		snprintf(key, sizeof key, "%.*s:", (int)(tab - dot - 1), dot + 1);
		n = fread(text, 1, sizeof text - 1, ref_fp);
		text[n] = '\0';
		fclose(ref_fp);
		described++;
		if (strstr(text, key) == NULL) {
			print_message("config/camveil.yml does not mention %s\n", key);
			missing++;
		}
	}
	fclose(fp);
	assert_true(described >= 16);
	assert_int_equal(missing, 0);
	/* The camera in the reference carries every per-camera default. */
	{
		struct config_camera *r = &ref->cameras[0];
		struct config *one = NULL;
		char *p2 = write_tmp(CAM);

		assert_int_equal(config_load(p2, &one, &cause), 0);
		assert_int_equal(r->mode, one->cameras[0].mode);
		assert_int_equal(r->transport, one->cameras[0].transport);
		assert_int_equal(r->min_face, one->cameras[0].min_face);
		assert_float_equal(r->threshold, one->cameras[0].threshold, 1e-6);
		assert_float_equal(r->hold, one->cameras[0].hold, 1e-6);
		assert_int_equal(r->detect_timeout_ms, one->cameras[0].detect_timeout_ms);
		assert_int_equal(r->detect_threads, one->cameras[0].detect_threads);
		assert_string_equal(r->preset, one->cameras[0].preset);
		assert_int_equal(r->bitrate, one->cameras[0].bitrate);
		assert_int_equal(r->gop, one->cameras[0].gop);
		assert_int_equal(r->enabled, one->cameras[0].enabled);
		config_free(&one);
		unlink(p2);
		free(p2);
	}
	config_free(&ref);
	config_free(&def);
}

int
main(void)
{
	static struct unit_list l;

	UNIT_TABLE(&l, cases, test_case);
	UNIT_TEST(&l, test_values);
	UNIT_TEST(&l, test_missing_file);
	UNIT_TEST(&l, test_reference);
	return unit_run("config", &l);
}
