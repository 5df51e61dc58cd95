/*
 * camveil anonymize: the file front-end of the pipeline. Parses options,
 * finds the model, runs pipeline_run_file and reports a summary.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../blur/model.h"
#include "../codecs/codecs.h"
#include "../codecs/sidecar.h"
#include "../keys/judicial.h"
#include "../util/err.h"
#include "../util/log.h"
#include "../util/parse.h"
#include "cmd.h"
#include "pipeline.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: camveil anonymize [options] INPUT OUTPUT\n"
"\n"
"Writes OUTPUT with every face in INPUT obscured: same frames, timestamps\n"
"and audio. The container comes from OUTPUT's extension.\n"
"\n"
"Obscuring:\n"
"  --mode MODE            mask (default; opaque, irreversible), pixelate, blur,\n"
"                         encrypt (masked, originals sealed in the video for\n"
"                         a k-of-n judicial unlock; needs --key)\n"
"  --key FILE             judicial.pub from 'camveil keys init' (encrypt mode)\n"
"  --camera NAME          camera name sealed with the faces (default: INPUT's\n"
"                         file name); 'unlock request --camera' selects by it\n"
"  --sidecar FILE         encrypt mode: also write the seals to FILE (new), for\n"
"                         recorders or tools that drop SEI (docs/KEYS.md)\n"
"  --no-audio             drop audio streams (voices are personal data too)\n"
"Detection:\n"
"  --model FILE           YuNet ONNX model (default: search path, see docs)\n"
"  --min-face PX          smallest face height to find, in pixels (default 16)\n"
"  --threshold F          detector score threshold 0..1 (default 0.5)\n"
"  --tiles-per-frame N    fine-scan tiles per frame for small faces, 0..14\n"
"                         (default 0 = enough to visit every tile within\n"
"                         --lookback frames, at most the hold time)\n"
"  --hold SEC             keep covering a lost face this long (default 1.0)\n"
"  --lookback N           also cover new faces in the N frames before (default 12)\n"
"  --detect-timeout MS    detection deadline per frame; late frames are fully\n"
"                         obscured (default 10000)\n"
"  --detect-threads N     a frame's detector passes run on up to N threads,\n"
"                         1..4 (default 2)\n"
"Encoding:\n"
"  --codec NAME           libx264 (default) or libx265\n"
"  --preset P             encoder preset (default medium)\n"
"  --crf N                constant quality (encoder default if unset)\n"
"  --bitrate B            target bitrate, e.g. 4M (instead of --crf)\n"
"Output:\n"
"  --json                 print the summary as JSON on stdout\n"
"  -q, --quiet            no progress, warnings only\n"
"  -v, --verbose          debug logging\n");
}

static int
parse_int(const char *opt, const char *s, int lo, int hi, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "camveil anonymize: %s: '%s' is not an integer in "
		    "%d..%d\n", opt, s, lo, hi);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static int
parse_float(const char *opt, const char *s, double lo, double hi, float *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "camveil anonymize: %s: '%s' is not a number in "
		    "%g..%g\n", opt, s, lo, hi);
		return -1;
	}
	*out = (float)v;
	return 0;
}

static void
json_str(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(fp, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(fp, "\\u%04x", *s);
		else
			fputc(*s, fp);
	}
	fputc('"', fp);
}

int
cmd_anonymize(int argc, char **argv)
{
	enum { O_MODE = 256, O_MODEL, O_MIN_FACE, O_THRESHOLD, O_TILES, O_HOLD,
	    O_LOOKBACK, O_TIMEOUT, O_CODEC, O_PRESET, O_CRF, O_BITRATE,
	    O_NO_AUDIO, O_JSON, O_KEY, O_CAMERA, O_SIDECAR, O_DETECT_THREADS };
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, O_MODE },
		{ "model", required_argument, NULL, O_MODEL },
		{ "min-face", required_argument, NULL, O_MIN_FACE },
		{ "threshold", required_argument, NULL, O_THRESHOLD },
		{ "tiles-per-frame", required_argument, NULL, O_TILES },
		{ "hold", required_argument, NULL, O_HOLD },
		{ "lookback", required_argument, NULL, O_LOOKBACK },
		{ "detect-timeout", required_argument, NULL, O_TIMEOUT },
		{ "detect-threads", required_argument, NULL, O_DETECT_THREADS },
		{ "codec", required_argument, NULL, O_CODEC },
		{ "preset", required_argument, NULL, O_PRESET },
		{ "crf", required_argument, NULL, O_CRF },
		{ "bitrate", required_argument, NULL, O_BITRATE },
		{ "no-audio", no_argument, NULL, O_NO_AUDIO },
		{ "json", no_argument, NULL, O_JSON },
		{ "key", required_argument, NULL, O_KEY },
		{ "camera", required_argument, NULL, O_CAMERA },
		{ "sidecar", required_argument, NULL, O_SIDECAR },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct pipeline_opts o;
	struct pipeline_stats st;
	const char *model_opt = NULL, *key_path = NULL, *camera = NULL, *sidecar = NULL;
	struct sidecar_writer *sw = NULL;
	char model[PATH_MAX], *cause = NULL, cambuf[65];
	struct judicial_pub *pk = NULL;
	int c, json = 0, quiet = 0, ret, m, encrypt = 0;
	long long br;

	pipeline_defaults(&o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "qvh", longopts, NULL)) != -1) {
		switch (c) {
		case O_MODE:
			encrypt = strcmp(optarg, "encrypt") == 0;
			m = encrypt ? OBSCURE_MASK : obscure_mode_parse(optarg);
			if (m < 0) {
				fprintf(stderr, "camveil anonymize: --mode: '%s' is not "
				    "one of mask, pixelate, blur, encrypt\n", optarg);
				return 2;
			}
			o.mode = (enum obscure_mode)m;
			break;
		case O_SIDECAR:
			sidecar = optarg;
			break;
		case O_KEY:
			key_path = optarg;
			break;
		case O_CAMERA:
			camera = optarg;
			break;
		case O_MODEL:
			model_opt = optarg;
			break;
		case O_MIN_FACE:
			if (parse_int("--min-face", optarg, 4, 4096, &o.detect.min_face) < 0)
				return 2;
			break;
		case O_THRESHOLD:
			if (parse_float("--threshold", optarg, 0.05, 1, &o.detect.threshold) < 0)
				return 2;
			break;
		case O_TILES:
			if (parse_int("--tiles-per-frame", optarg, 0, DETECT_MAX_PASSES - 2,
			    &o.detect.tiles_per_frame) < 0)
				return 2;
			break;
		case O_HOLD:
			if (parse_float("--hold", optarg, 0, 60, &o.track.hold) < 0)
				return 2;
			break;
		case O_LOOKBACK:
			if (parse_int("--lookback", optarg, 0, 64, &o.lookback) < 0)
				return 2;
			break;
		case O_DETECT_THREADS:
			if (parse_int("--detect-threads", optarg, 1, PIPELINE_DETECT_THREADS,
			    &o.detect_threads) < 0)
				return 2;
			break;
		case O_TIMEOUT:
			if (parse_int("--detect-timeout", optarg, 1, 600000,
			    &o.detect_timeout_ms) < 0)
				return 2;
			break;
		case O_CODEC:
			if (strcmp(optarg, "libx264") != 0 && strcmp(optarg, "libx265") != 0) {
				fprintf(stderr, "camveil anonymize: --codec: '%s' is not "
				    "libx264 or libx265\n", optarg);
				return 2;
			}
			o.encode.codec = optarg;
			break;
		case O_PRESET:
			if (!parse_is_preset(optarg)) {
				fprintf(stderr, "camveil anonymize: --preset: '%s' is not "
				    "one of ultrafast, superfast, veryfast, faster, fast, "
				    "medium, slow, slower, veryslow, placebo\n", optarg);
				return 2;
			}
			o.encode.preset = optarg;
			break;
		case O_CRF:
			if (parse_int("--crf", optarg, 0, 51, &o.encode.crf) < 0)
				return 2;
			break;
		case O_BITRATE:
			br = parse_size(optarg);
			if (br < 10000) {
				fprintf(stderr, "camveil anonymize: --bitrate: '%s' is not "
				    "a bitrate such as 800k or 4M\n", optarg);
				return 2;
			}
			o.encode.bitrate = br;
			break;
		case O_NO_AUDIO:
			o.no_audio = 1;
			break;
		case O_JSON:
			json = 1;
			break;
		case 'q':
			quiet = 1;
			log_set_level(LOG_WARN);
			break;
		case 'v':
			log_set_level(LOG_DEBUG);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "camveil anonymize: expected INPUT and OUTPUT\n");
		usage(stderr);
		return 2;
	}
	if (o.encode.bitrate > 0 && o.encode.crf >= 0) {
		fprintf(stderr, "camveil anonymize: --crf and --bitrate exclude each other\n");
		return 2;
	}
	if (encrypt != (key_path != NULL)) {
		fprintf(stderr, "camveil anonymize: %s\n", encrypt ?
		    "--mode encrypt needs --key judicial.pub" :
		    "--key is only used with --mode encrypt");
		return 2;
	}
	if (sidecar != NULL && !encrypt) {
		fprintf(stderr, "camveil anonymize: --sidecar is only used with --mode encrypt\n");
		return 2;
	}
	if (camera == NULL) {
		const char *b = strrchr(argv[optind], '/');

		snprintf(cambuf, sizeof cambuf, "%s", b ? b + 1 : argv[optind]);
		camera = cambuf;
	}
	if (strlen(camera) < 1 || strlen(camera) > 64) {
		fprintf(stderr, "camveil anonymize: --camera: a name of 1-64 bytes\n");
		return 2;
	}
	if (encrypt) {
		ret = judicial_pub_load(key_path, &pk, &cause);
		if (ret < 0) {
			fprintf(stderr, "camveil anonymize: --key: %s\n", cause ? cause : err_str(ret));
			free(cause);
			return 1;
		}
		o.seal_key = pk;
		o.camera = camera;
	}
	codecs_init();
	ret = model_find(model_opt, model, sizeof model, &cause);
	if (ret < 0) {
		fprintf(stderr, "camveil anonymize: %s\n", cause ? cause : err_str(ret));
		free(cause);
		judicial_pub_free(&pk);
		return 1;
	}
	o.detect.model = model;
	o.progress = !quiet && !json && isatty(STDERR_FILENO);
	if (sidecar != NULL && (ret = sidecar_create(sidecar, &sw, &cause)) < 0) {
		fprintf(stderr, "camveil anonymize: --sidecar: %s\n", cause ? cause : err_str(ret));
		free(cause);
		judicial_pub_free(&pk);
		return 1;
	}
	o.encode.sidecar = sw;

	ret = pipeline_run_file(&o, argv[optind], argv[optind + 1], &st, &cause);
	judicial_pub_free(&pk);
	if (sw != NULL) {
		int r2 = sidecar_close(&sw);

		if (ret == 0 && r2 < 0) {
			ret = r2;
			err_cause(&cause, "sidecar %s: %s", sidecar, err_str(r2));
		}
		if (ret < 0)
			unlink(sidecar);
	}
	if (ret < 0) {
		fprintf(stderr, "camveil anonymize: %s\n", cause ? cause : err_str(ret));
		free(cause);
		return 1;
	}
	free(cause);
	if (json) {
		printf("{\"input\":");
		json_str(stdout, argv[optind]);
		printf(",\"output\":");
		json_str(stdout, argv[optind + 1]);
		printf(",\"mode\":\"%s\",\"frames\":%lld,\"faces\":%lld,"
		    "\"face_regions\":%lld,\"fail_closed_frames\":%lld,"
		    "\"decode_errors\":%lld,\"streams_copied\":%lld,"
		    "\"streams_dropped\":%lld,\"seconds\":%.3f,\"fps\":%.2f,"
		    "\"detect_ms_per_frame\":%.2f,\"fine_passes\":%lld,"
		    "\"tiles_unchanged\":%lld,\"tiles_flat\":%lld,\"sealed_regions\":%lld,"
		    "\"sealed_bytes\":%lld,\"seal_errors\":%lld}\n",
		    encrypt ? "encrypt" : obscure_mode_name(o.mode), (long long)st.frames, (long long)st.faces,
		    (long long)st.face_regions, (long long)st.fail_closed,
		    (long long)st.decode_errors, (long long)st.streams_copied,
		    (long long)st.streams_dropped, st.seconds,
		    st.seconds > 0 ? st.frames / st.seconds : 0,
		    st.frames > 0 ? st.detect_ms / st.frames : 0,
		    (long long)st.fine_passes, (long long)st.tiles_unchanged,
		    (long long)st.tiles_flat, (long long)st.sealed,
		    (long long)st.sealed_bytes, (long long)st.seal_errors);
	} else if (!quiet) {
		fprintf(stderr, "%s: %lld frames, %lld %s (%lld regions) obscured, "
		    "%lld fail-closed frames, %.1f s (%.1f fps)\n", argv[optind + 1],
		    (long long)st.frames, (long long)st.faces,
		    st.faces == 1 ? "face" : "faces", (long long)st.face_regions,
		    (long long)st.fail_closed, st.seconds,
		    st.seconds > 0 ? st.frames / st.seconds : 0);
	}
	if (encrypt && !quiet && !json)
		fprintf(stderr, "%s: %lld regions sealed (%.1f KiB)\n", argv[optind + 1],
		    (long long)st.sealed, st.sealed_bytes / 1024.0);
	if (st.seal_errors > 0)
		log_warn("%s: %lld regions were hidden but could not be sealed (not "
		    "restorable)", argv[optind + 1], (long long)st.seal_errors);
	if (st.decode_errors > 0)
		log_warn("%s: %lld damaged packets or frames were skipped or "
		    "concealed (-v shows the decoder's messages)", argv[optind],
		    (long long)st.decode_errors);
	if (st.fail_closed > 0)
		log_warn("%s: %lld frames were fully obscured because face detection "
		    "failed or was late", argv[optind + 1], (long long)st.fail_closed);
	return 0;
}
