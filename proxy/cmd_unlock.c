/*
 * camveil unlock: re-identification on court order, in three steps run
 * by different people on different machines (docs/KEYS.md):
 *
 *   request  lists the sealed faces in a recording that the order covers
 *   approve  one key holder's partial decryptions for exactly those
 *   restore  combines k approvals and writes a copy with them restored
 *
 * Each step appends to the audit log.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "../codecs/codecs.h"
#include "../codecs/demux.h"
#include "../codecs/sei.h"
#include "../codecs/sidecar.h"
#include "../keys/audit.h"
#include "../keys/judicial.h"
#include "../keys/pass.h"
#include "../keys/restore.h"
#include "../keys/seal.h"
#include "../keys/unlock.h"
#include "../keys/wire.h"
#include "../util/clock.h"
#include "../util/err.h"
#include "../util/log.h"
#include "cmd.h"
#include "pipeline.h"

#define MAX_TRACKS 4096
#define MAX_APPROVALS TSS_MAX_HOLDERS

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: camveil unlock request --case ID --from T --to T [--camera NAME]\n"
"                              [--track N] [--sidecar FILE] RECORDING -o REQ\n"
"       camveil unlock approve --share FILE [--passphrase-file FILE] REQ -o APPROVAL\n"
"       camveil unlock restore [--sidecar FILE] RECORDING REQ APPROVAL... -o OUT\n"
"\n"
"Times: seconds or [HH:]MM:SS[.frac] of media time (files), or ISO 8601 wall-clock\n"
"time (YYYY-MM-DDTHH:MM:SS[.frac][Z|+HH:MM], UTC if no zone) for proxy recordings.\n"
"The window includes both ends. Every step takes --audit FILE (default audit.log)\n"
"and --actor NAME (default $USER). --sidecar reads the seals from a sidecar file\n"
"(anonymize --sidecar, the proxy's sidecar: directory) for a recording whose\n"
"recorder dropped the SEI.\n");
}

static int
parse_media_time(const char *s, int64_t *us)
{
	double part[3];
	int n = 0;
	const char *p = s;

	while (n < 3) {
		char *end;

		if (*p < '0' || *p > '9')
			return -1;
		part[n++] = strtod(p, &end);
		if (*end == '\0')
			break;
		if (*end != ':' || n == 3)
			return -1;
		p = end + 1;
	}
	{
		double t = 0;

		for (int i = 0; i < n; i++) {
			if (i < n - 1 && (part[i] != floor(part[i]) || (i > 0 && part[i] >= 60)))
				return -1;
			if (i == n - 1 && n > 1 && part[i] >= 60)
				return -1;
			t = t * 60 + part[i];
		}
		if (!(t >= 0 && t < 1e9))
			return -1;
		*us = llround(t * 1e6);
	}
	return 0;
}

static int
parse_wall_time(const char *s, int64_t *us)
{
	struct tm tm = { 0 };
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	double frac = 0;
	long off = 0;
	time_t t;

	if (p == NULL)
		return -1;
	if (*p == '.') {
		char *end;

		frac = strtod(p, &end);
		if (end == p + 1)
			return -1;
		p = end;
	}
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int hh, mm, len = 0;

		if (sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &len) != 2 || len != 5 || hh > 23 || mm > 59)
			return -1;
		off = (hh * 60L + mm) * 60 * (*p == '+' ? 1 : -1);
		p += 6;
	}
	if (*p != '\0')
		return -1;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*us = ((int64_t)t - off) * 1000000 + llround(frac * 1e6);
	return 0;
}

/* "T" as wall (1) or media (0) time; -1 if neither. */
static int
parse_time(const char *s, int64_t *us)
{
	if (parse_wall_time(s, us) == 0)
		return 1;
	if (parse_media_time(s, us) == 0)
		return 0;
	return -1;
}

static void
format_time(int wall, int64_t us, char *buf, size_t len)
{
	if (wall) {
		time_t t = (time_t)(us / 1000000);
		struct tm tm;

		gmtime_r(&t, &tm);
		snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		    (int)(us / 1000 % 1000));
	} else {
		snprintf(buf, len, "%.3fs", us / 1e6);
	}
}

/* The scope for the audit log (which escapes it), with the request's hash once it has one. */
static void
format_scope(const struct unlock_request *rq, char *buf, size_t len)
{
	char a[64], b[64], track[24] = "*", hash[2 * UNLOCK_HASH_BYTES + 1] = "";

	format_time(rq->scope.wall, rq->scope.from_us, a, sizeof a);
	format_time(rq->scope.wall, rq->scope.to_us, b, sizeof b);
	if (rq->scope.track >= 0)
		snprintf(track, sizeof track, "%lld", (long long)rq->scope.track);
	if (rq->blob != NULL)
		sodium_bin2hex(hash, sizeof hash, rq->hash, UNLOCK_HASH_BYTES);
	snprintf(buf, len, "recording=%s from=%s to=%s camera=%s track=%s items=%u keys=%u%s%s",
	    rq->recording, a, b, rq->scope.camera[0] ? rq->scope.camera : "*", track,
	    rq->nitems, rq->nkeys, hash[0] ? " request=" : "", hash);
}

static int
audit(const char *path, const char *event, const char *actor, const char *case_id,
    const char *scope, const char *result)
{
	struct audit_record rec = { event, actor, case_id, scope, result };
	char *cause = NULL;
	int ret = audit_log(path, &rec, &cause);

	if (ret < 0)
		fprintf(stderr, "camveil unlock: audit log: %s\n", cause ? cause : err_str(ret));
	free(cause);
	return ret;
}

/* ---- request --------------------------------------------------------- */

struct track_sum {
	uint32_t track;
	uint32_t items;
	int64_t first, last;
};

struct scan {
	struct unlock_request *rq;
	int have_key;
	int64_t sealed;		/* every seal in the recording */
	int64_t other_key;	/* in scope but sealed to another key */
	int64_t corrupt;
	struct track_sum tracks[MAX_TRACKS];
	int ntracks;
	int err;
};

static int
scan_one(struct scan *sc, const uint8_t *payload, size_t len)
{
	struct seal_item it;
	int64_t t;
	int ret, i;

	if (seal_item_parse(payload, len, &it) < 0) {
		sc->corrupt++;
		return 0;
	}
	sc->sealed++;
	if (!unlock_in_scope(&sc->rq->scope, &it))
		return 0;
	if (!sc->have_key) {
		memcpy(sc->rq->key_id, it.key_id, JUDICIAL_KEY_ID_BYTES);
		sc->have_key = 1;
	} else if (memcmp(sc->rq->key_id, it.key_id, JUDICIAL_KEY_ID_BYTES) != 0) {
		sc->other_key++;
		return 0;
	}
	if ((ret = unlock_request_add(sc->rq, &it)) < 0) {
		sc->err = ret;
		return ret;
	}
	t = sc->rq->scope.wall ? it.m.wall_us : it.m.media_us;
	for (i = 0; i < sc->ntracks; i++)
		if (sc->tracks[i].track == it.m.track)
			break;
	if (i == sc->ntracks && sc->ntracks < MAX_TRACKS)
		sc->tracks[sc->ntracks++] = (struct track_sum){ it.m.track, 0, t, t };
	if (i < sc->ntracks) {
		struct track_sum *ts = &sc->tracks[i];

		ts->items++;
		if (t < ts->first) ts->first = t;
		if (t > ts->last) ts->last = t;
	}
	return 0;
}

/* One SEI message: a bundle of a frame's seals. */
static int
scan_item(void *opaque, const uint8_t *payload, size_t len)
{
	struct scan *sc = opaque;
	const uint8_t *items[SEAL_BUNDLE_MAX];
	size_t sizes[SEAL_BUNDLE_MAX];
	int n = seal_unbundle(payload, len, items, sizes, SEAL_BUNDLE_MAX), ret;

	if (n < 0) {
		sc->corrupt++;
		return 0;
	}
	for (int i = 0; i < n; i++)
		if ((ret = scan_one(sc, items[i], sizes[i])) < 0)
			return ret;
	return 0;
}

static int
scan_recording(const char *path, struct scan *sc, char **cause)
{
	struct demux *d = NULL;
	struct AVPacket *pkt = codecs_packet_alloc();
	const uint8_t *extra;
	size_t extralen;
	int hevc, nls, vi, ret;

	if (pkt == NULL)
		return ERR_NOMEM;
	if ((ret = demux_open(path, &d, cause)) < 0)
		goto out;
	if ((ret = demux_video_format(d, &hevc, &extra, &extralen)) < 0) {
		err_cause(cause, "%s: video is not H.264 or H.265: it cannot carry seals", path);
		goto out;
	}
	if ((ret = sei_nal_length_size(extra, extralen, hevc, &nls)) < 0) {
		err_cause(cause, "%s: unreadable codec parameters", path);
		goto out;
	}
	vi = demux_video_index(d);
	for (;;) {
		struct packet_view v;

		ret = demux_read(d, pkt);
		if (ret == ERR_EOF)
			break;
		if (ret == ERR_CORRUPT)
			continue;
		if (ret < 0) {
			err_cause(cause, "%s: read error: %s", path, err_str(ret));
			goto out;
		}
		if (codecs_packet_stream(pkt) == vi) {
			codecs_packet_view(pkt, &v);
			ret = sei_extract(v.data, (size_t)v.size, hevc, nls, seal_uuid, scan_item, sc);
			if (ret < 0 && sc->err < 0) {
				err_cause(cause, "%s: too many sealed items for one request", path);
				ret = sc->err;
				goto out;
			}
			if (ret < 0)
				sc->corrupt++;
		}
		codecs_packet_unref(pkt);
	}
	ret = 0;
out:
	codecs_packet_free(&pkt);
	demux_free(&d);
	return ret;
}

/* The seal bundles among a sidecar record's messages (up to max). */
static int
record_bundles(const struct sidecar_rec *r, struct pipeline_payload *out, int max)
{
	int n = 0;

	for (int k = 0; r != NULL && k < r->n && n < max; k++)
		if (r->len[k] >= SEI_UUID_SIZE && memcmp(r->msg[k], seal_uuid, SEI_UUID_SIZE) == 0) {
			out[n].data = r->msg[k] + SEI_UUID_SIZE;
			out[n].size = r->len[k] - SEI_UUID_SIZE;
			n++;
		}
	return n;
}

/* The same scan over a sidecar file's records. */
static int
scan_sidecar(const char *path, struct scan *sc, char **cause)
{
	struct pipeline_payload b[SIDECAR_MSGS_MAX];
	struct sidecar *s = NULL;
	int ret;

	if ((ret = sidecar_load(path, &s, cause)) < 0)
		return ret;
	if (sidecar_torn(s))
		fprintf(stderr, "camveil unlock: %s ends in a torn record (its writer stopped); "
		    "the records before it are used\n", path);
	for (size_t i = 0; i < sidecar_count(s) && ret == 0; i++) {
		int n = record_bundles(sidecar_get(s, i), b, SIDECAR_MSGS_MAX);

		for (int k = 0; k < n && ret == 0; k++)
			ret = scan_item(sc, b[k].data, b[k].size);
	}
	sidecar_free(&s);
	if (ret < 0)
		err_cause(cause, "%s: too many sealed items for one request", path);
	return ret;
}

static int
unlock_request(int argc, char **argv)
{
	enum { O_CASE = 256, O_FROM, O_TO, O_CAMERA, O_TRACK, O_AUDIT, O_ACTOR, O_SIDECAR };
	static const struct option longopts[] = {
		{ "case", required_argument, NULL, O_CASE },
		{ "sidecar", required_argument, NULL, O_SIDECAR },
		{ "from", required_argument, NULL, O_FROM },
		{ "to", required_argument, NULL, O_TO },
		{ "camera", required_argument, NULL, O_CAMERA },
		{ "track", required_argument, NULL, O_TRACK },
		{ "audit", required_argument, NULL, O_AUDIT },
		{ "actor", required_argument, NULL, O_ACTOR },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *case_id = NULL, *from = NULL, *to = NULL, *out = NULL, *camera = "";
	const char *auditf = "audit.log", *actor = NULL, *rec, *sidecar = NULL;
	struct unlock_request *rq = NULL;
	struct scan *sc = NULL;
	char *cause = NULL, scope[700], hex[2 * JUDICIAL_KEY_ID_BYTES + 1];
	char esc[WIRE_ESCAPED_MAX(UNLOCK_CASE_MAX)], rhex[2 * UNLOCK_HASH_BYTES + 1];
	int64_t track = -1;
	int c, ret, status = 1, wf, wt;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case O_CASE: case_id = optarg; break;
		case O_SIDECAR: sidecar = optarg; break;
		case O_FROM: from = optarg; break;
		case O_TO: to = optarg; break;
		case O_CAMERA: camera = optarg; break;
		case O_TRACK: {
			char *end;
			long long v = strtoll(optarg, &end, 10);

			if (end == optarg || *end || v < 0 || v > UINT32_MAX) {
				fprintf(stderr, "camveil unlock request: --track: '%s' is not a track "
				    "number\n", optarg);
				return 2;
			}
			track = v;
			break;
		}
		case O_AUDIT: auditf = optarg; break;
		case O_ACTOR: actor = optarg; break;
		case 'o': out = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind != 1 || case_id == NULL || from == NULL || to == NULL || out == NULL) {
		fprintf(stderr, "camveil unlock request: need --case, --from, --to, RECORDING and -o REQ\n");
		return 2;
	}
	if (strlen(case_id) < 1 || strlen(case_id) > UNLOCK_CASE_MAX ||
	    strlen(camera) > SEAL_CAMERA_MAX) {
		fprintf(stderr, "camveil unlock request: --case must be 1-%d bytes, --camera at "
		    "most %d\n", UNLOCK_CASE_MAX, SEAL_CAMERA_MAX);
		return 2;
	}
	rq = calloc(1, sizeof *rq);
	sc = calloc(1, sizeof *sc);
	if (rq == NULL || sc == NULL)
		goto out;
	wf = parse_time(from, &rq->scope.from_us);
	wt = parse_time(to, &rq->scope.to_us);
	if (wf < 0 || wt < 0) {
		fprintf(stderr, "camveil unlock request: --%s: '%s' is not seconds, "
		    "[HH:]MM:SS[.frac] or YYYY-MM-DDTHH:MM:SS[.frac][Z|+HH:MM]\n",
		    wf < 0 ? "from" : "to", wf < 0 ? from : to);
		status = 2;
		goto out;
	}
	if (wf != wt || rq->scope.from_us > rq->scope.to_us) {
		fprintf(stderr, "camveil unlock request: --from and --to must be the same kind "
		    "of time, --from first\n");
		status = 2;
		goto out;
	}
	rq->scope.wall = wf;
	rq->scope.track = track;
	snprintf(rq->scope.camera, sizeof rq->scope.camera, "%s", camera);
	snprintf(rq->case_id, sizeof rq->case_id, "%s", case_id);
	snprintf(rq->requester, sizeof rq->requester, "%s", cmd_actor(actor));
	rec = strrchr(argv[optind], '/') ? strrchr(argv[optind], '/') + 1 : argv[optind];
	snprintf(rq->recording, sizeof rq->recording, "%s", rec);
	rq->created_us = clock_wall_us();
	sc->rq = rq;
	codecs_init();
	ret = sidecar != NULL ? scan_sidecar(sidecar, sc, &cause) :
	    scan_recording(argv[optind], sc, &cause);
	if (ret < 0) {
		fprintf(stderr, "camveil unlock request: %s\n", cause ? cause : err_str(ret));
		goto out;
	}
	if (sc->sealed == 0 && sidecar != NULL) {
		fprintf(stderr, "camveil unlock request: %s holds no sealed faces\n", sidecar);
		goto out;
	}
	if (sc->sealed == 0) {
		fprintf(stderr, "camveil unlock request: %s has no sealed faces (not made in "
		    "encrypt mode, or its recorder stripped the SEI)\n", argv[optind]);
		goto out;
	}
	if (rq->nitems == 0) {
		fprintf(stderr, "camveil unlock request: none of the %lld sealed faces in %s is in "
		    "the scope%s\n", (long long)sc->sealed, argv[optind], rq->scope.wall ?
		    " (wall-clock windows need recordings from the proxy)" : "");
		goto out;
	}
	if ((ret = unlock_request_save(out, rq, &cause)) < 0) {
		fprintf(stderr, "camveil unlock request: %s\n", cause ? cause : err_str(ret));
		goto out;
	}
	sodium_bin2hex(hex, sizeof hex, rq->key_id, JUDICIAL_KEY_ID_BYTES);
	sodium_bin2hex(rhex, sizeof rhex, rq->hash, UNLOCK_HASH_BYTES);
	printf("%s: case %s, %u sealed face regions in scope (of %lld), %u keys, judicial key %s\n"
	    "  request hash %s (the audit log names it)\n", out,
	    wire_escape(case_id, esc, sizeof esc), rq->nitems, (long long)sc->sealed, rq->nkeys,
	    hex, rhex);
	for (int i = 0; i < sc->ntracks; i++) {
		char a[64], b[64];

		format_time(rq->scope.wall, sc->tracks[i].first, a, sizeof a);
		format_time(rq->scope.wall, sc->tracks[i].last, b, sizeof b);
		printf("  track %u: %u regions, %s to %s\n", sc->tracks[i].track,
		    sc->tracks[i].items, a, b);
	}
	if (sc->other_key > 0)
		fprintf(stderr, "camveil unlock request: warning: %lld regions in scope are sealed "
		    "to another judicial key and need their own request\n", (long long)sc->other_key);
	if (sc->corrupt > 0)
		fprintf(stderr, "camveil unlock request: warning: %lld damaged seals skipped\n",
		    (long long)sc->corrupt);
	status = 0;
out:
	if (rq != NULL) {
		format_scope(rq, scope, sizeof scope);
		audit(auditf, "unlock.request", cmd_actor(actor), case_id ? case_id : "", scope,
		    status == 0 ? "ok" : "failed");
	}
	free(cause);
	free(sc);
	unlock_request_free(&rq);
	return status;
}

/* ---- approve --------------------------------------------------------- */

/*
 * What a holder approves, before the passphrase is asked. Every text
 * comes from the request file (untrusted): escaped. The tracks and times
 * listed are read from the items' own seal headers, which parsing has
 * checked against the scope shown above them.
 */
static void
print_request(const char *path, const struct unlock_request *rq)
{
	char a[64], b[64], hash[2 * UNLOCK_HASH_BYTES + 1];
	char e1[WIRE_ESCAPED_MAX(UNLOCK_CASE_MAX)], e2[WIRE_ESCAPED_MAX(UNLOCK_NAME_MAX)];
	char e3[WIRE_ESCAPED_MAX(UNLOCK_NAME_MAX)], e4[WIRE_ESCAPED_MAX(SEAL_CAMERA_MAX)];
	uint32_t tracks[16];
	int ntracks = 0, more = 0;
	int64_t lo = INT64_MAX, hi = INT64_MIN;

	format_time(rq->scope.wall, rq->scope.from_us, a, sizeof a);
	format_time(rq->scope.wall, rq->scope.to_us, b, sizeof b);
	sodium_bin2hex(hash, sizeof hash, rq->hash, UNLOCK_HASH_BYTES);
	printf("Unlock request %s\n  case:       %s\n  requested by: %s\n"
	    "  recording:  %s\n  window:     %s to %s (%s time)\n  camera:     %s\n",
	    path, wire_escape(rq->case_id, e1, sizeof e1),
	    wire_escape(rq->requester, e2, sizeof e2), wire_escape(rq->recording, e3, sizeof e3),
	    a, b, rq->scope.wall ? "wall-clock" : "media",
	    rq->scope.camera[0] ? wire_escape(rq->scope.camera, e4, sizeof e4) : "all");
	if (rq->scope.track >= 0)
		printf("  track:      %lld only\n", (long long)rq->scope.track);
	else
		printf("  tracks:     all\n");
	for (uint32_t i = 0; i < rq->nitems; i++) {
		const struct unlock_item *it = &rq->items[i];
		int k;

		if (it->t_us < lo)
			lo = it->t_us;
		if (it->t_us > hi)
			hi = it->t_us;
		for (k = 0; k < ntracks; k++)
			if (tracks[k] == it->track)
				break;
		if (k == ntracks && ntracks < (int)(sizeof tracks / sizeof tracks[0]))
			tracks[ntracks++] = it->track;
		else if (k == ntracks)
			more = 1;
	}
	printf("  items:      %u sealed face regions under %u keys\n", rq->nitems, rq->nkeys);
	if (rq->nitems > 0) {
		format_time(rq->scope.wall, lo, a, sizeof a);
		format_time(rq->scope.wall, hi, b, sizeof b);
		printf("              from %s to %s, track%s", a, b, ntracks == 1 ? "" : "s");
		for (int k = 0; k < ntracks; k++)
			printf("%s%u", k ? ", " : " ", tracks[k]);
		printf("%s\n", more ? ", ..." : "");
	}
	printf("  request:    %s\n", hash);
	fflush(stdout);
}

static int
unlock_approve_cmd(int argc, char **argv)
{
	enum { O_SHARE = 256, O_PASSFILE, O_AUDIT, O_ACTOR };
	static const struct option longopts[] = {
		{ "share", required_argument, NULL, O_SHARE },
		{ "passphrase-file", required_argument, NULL, O_PASSFILE },
		{ "audit", required_argument, NULL, O_AUDIT },
		{ "actor", required_argument, NULL, O_ACTOR },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *share = NULL, *passfile = NULL, *out = NULL, *auditf = "audit.log";
	const char *actor = NULL;
	struct unlock_request *rq = NULL;
	struct judicial_share *sh = NULL;
	struct unlock_approval *ap = NULL;
	char *cause = NULL, *pass = NULL, scope[700] = "", prompt[128];
	char holder[JUDICIAL_NAME_MAX + 1];
	size_t plen;
	int c, ret, status = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case O_SHARE: share = optarg; break;
		case O_PASSFILE: passfile = optarg; break;
		case O_AUDIT: auditf = optarg; break;
		case O_ACTOR: actor = optarg; break;
		case 'o': out = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind != 1 || share == NULL || out == NULL) {
		fprintf(stderr, "camveil unlock approve: need --share FILE, REQ and -o APPROVAL\n");
		return 2;
	}
	if ((ret = unlock_request_load(argv[optind], &rq, &cause)) < 0) {
		fprintf(stderr, "camveil unlock approve: %s\n", cause ? cause : err_str(ret));
		goto out;
	}
	format_scope(rq, scope, sizeof scope);
	print_request(argv[optind], rq);
	snprintf(prompt, sizeof prompt, "Passphrase for %s to approve: ", share);
	if ((ret = pass_read(passfile, prompt, 0, &pass, &plen, &cause)) < 0) {
		fprintf(stderr, "camveil unlock approve: %s\n", cause ? cause : err_str(ret));
		goto out;
	}
	ret = judicial_share_load(share, pass, plen, &sh, &cause);
	pass_free(&pass);
	if (ret < 0) {
		fprintf(stderr, "camveil unlock approve: %s\n", cause ? cause : err_str(ret));
		goto out;
	}
	if (actor == NULL) {
		snprintf(holder, sizeof holder, "%s", sh->pk->holder[sh->index - 1].name);
		actor = holder;
	}
	if ((ret = unlock_approve(rq, sh, &ap, &cause)) < 0 ||
	    (ret = unlock_approval_save(out, ap, &cause)) < 0) {
		fprintf(stderr, "camveil unlock approve: %s\n", cause ? cause : err_str(ret));
		goto out;
	}
	printf("%s: approved by %s (holder %d of %d; %d needed)\n", out,
	    sh->pk->holder[sh->index - 1].name, sh->index, sh->pk->n, sh->pk->k);
	status = 0;
out:
	judicial_share_free(&sh);
	audit(auditf, "unlock.approve", cmd_actor(actor), rq ? rq->case_id : "", scope,
	    status == 0 ? "ok" : "refused or failed");
	free(cause);
	unlock_approval_free(&ap);
	unlock_request_free(&rq);
	return status;
}

/* ---- restore --------------------------------------------------------- */

struct unseal_ctx {
	struct restore *rs;
	struct sidecar *sc;	/* --sidecar: seals from there, lined up */
	char why[256];
};

/* --sidecar: the seal bundles of the frame at recording time t. */
static int
sidecar_bundles(void *opaque, double t, struct pipeline_payload *out, int max)
{
	struct unseal_ctx *u = opaque;

	return record_bundles(sidecar_find(u->sc, llround(t * 1e6)), out, max);
}

/* Load the sidecar and line it up with the recording (a decoding pass). */
static int
open_sidecar(const char *path, const char *recording, struct sidecar **out, char **cause)
{
	int64_t *t = NULL, off;
	uint8_t *fp = NULL;
	size_t n = 0, matched;
	double dist;
	int ret;

	if ((ret = sidecar_load(path, out, cause)) < 0)
		return ret;
	if (sidecar_torn(*out))
		fprintf(stderr, "camveil unlock restore: %s ends in a torn record (its writer "
		    "stopped); the records before it are used\n", path);
	if ((ret = sidecar_scan_recording(recording, &t, &fp, &n, cause)) < 0 ||
	    (ret = sidecar_align(*out, t, fp, n, &off, &dist, &matched, cause)) < 0) {
		sidecar_free(out);
	} else {
		printf("sidecar %s lined up with %s: %zu sealed frames, recording time + "
		    "%.3f s, picture difference %.1f/255\n", path, recording, matched,
		    (double)off / 1e6, dist);
	}
	free(t);
	free(fp);
	return ret;
}

static int
unseal_cb(void *opaque, struct image *img, const struct pipeline_payload *items, int n, double t)
{
	struct unseal_ctx *u = opaque;
	const uint8_t *data[256];
	size_t size[256];

	(void)t;
	if (n > 256)
		n = 256;
	for (int i = 0; i < n; i++) {
		data[i] = items[i].data;
		size[i] = items[i].size;
	}
	return restore_frame(u->rs, img, data, size, n, u->why, sizeof u->why);
}

static int
unlock_restore(int argc, char **argv)
{
	enum { O_AUDIT = 256, O_ACTOR, O_SIDECAR };
	static const struct option longopts[] = {
		{ "audit", required_argument, NULL, O_AUDIT },
		{ "actor", required_argument, NULL, O_ACTOR },
		{ "sidecar", required_argument, NULL, O_SIDECAR },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *auditf = "audit.log", *actor = NULL, *recording, *reqf;
	const char *sidecar = NULL;
	struct unlock_approval *ap[MAX_APPROVALS] = { 0 };
	struct unlock_request *rq = NULL;
	struct judicial_pub *pk = NULL;
	struct unseal_ctx u = { 0 };
	struct pipeline_unseal us = { .fn = unseal_cb, .opaque = &u };
	struct pipeline_opts o;
	struct pipeline_stats ps;
	struct restore_stats rs;
	uint8_t *Z = NULL;
	int used[MAX_APPROVALS], nap, c, ret, status = 1, wrote = 0;
	char *cause = NULL, scope[800] = "", result[300] = "failed";

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case O_AUDIT: auditf = optarg; break;
		case O_ACTOR: actor = optarg; break;
		case O_SIDECAR: sidecar = optarg; break;
		case 'o': out = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	nap = argc - optind - 2;
	if (nap < 1 || out == NULL || nap > MAX_APPROVALS) {
		fprintf(stderr, "camveil unlock restore: need RECORDING REQ APPROVAL... -o OUT\n");
		return 2;
	}
	recording = argv[optind];
	reqf = argv[optind + 1];
	if (access(out, F_OK) == 0) {
		fprintf(stderr, "camveil unlock restore: %s exists; refusing to replace it\n", out);
		return 1;
	}
	if ((ret = unlock_request_load(reqf, &rq, &cause)) < 0) {
		fprintf(stderr, "camveil unlock restore: %s\n", cause ? cause : err_str(ret));
		goto out;
	}
	format_scope(rq, scope, sizeof scope);
	for (int i = 0; i < nap; i++) {
		if ((ret = unlock_approval_load(argv[optind + 2 + i], &ap[i], &cause)) < 0) {
			fprintf(stderr, "camveil unlock restore: %s\n", cause ? cause : err_str(ret));
			snprintf(result, sizeof result, "refused: unreadable approval");
			goto out;
		}
	}
	if ((ret = unlock_combine(rq, ap, nap, &Z, &pk, used, &cause)) < 0) {
		fprintf(stderr, "camveil unlock restore: %s; nothing restored\n",
		    cause ? cause : err_str(ret));
		snprintf(result, sizeof result, "refused: %s", cause ? cause : err_str(ret));
		goto out;
	}
	{
		size_t off = strlen(scope);

		off += (size_t)snprintf(scope + off, sizeof scope - off, " approvers=");
		for (int i = 0, first = 1; i < nap && off < sizeof scope; i++)
			if (used[i]) {
				off += (size_t)snprintf(scope + off, sizeof scope - off, "%s%s",
				    first ? "" : ",", ap[i]->pk->holder[ap[i]->index - 1].name);
				first = 0;
			}
	}
	if ((ret = restore_create(rq, Z, pk, &u.rs)) < 0)
		goto out;
	codecs_init();
	if (sidecar != NULL) {
		if ((ret = open_sidecar(sidecar, recording, &u.sc, &cause)) < 0) {
			fprintf(stderr, "camveil unlock restore: %s; nothing restored\n",
			    cause ? cause : err_str(ret));
			snprintf(result, sizeof result, "failed: %s", cause ? cause : err_str(ret));
			goto out;
		}
		us.bundles = sidecar_bundles;
		{
			size_t off = strlen(scope);
			const char *b = strrchr(sidecar, '/');

			snprintf(scope + off, sizeof scope - off, " sidecar=%s", b ? b + 1 : sidecar);
		}
	}
	pipeline_defaults(&o);
	o.unseal = &us;
	o.encode.codec = "libx264";
	o.encode.preset = "veryfast";
	o.encode.crf = 0;	/* lossless: restored pixels are the originals */
	o.progress = isatty(STDERR_FILENO);
	wrote = 1;
	ret = pipeline_run_file(&o, recording, out, &ps, &cause);
	restore_get_stats(u.rs, &rs);
	if (ret < 0) {
		fprintf(stderr, "camveil unlock restore: %s; %s removed\n", u.why[0] ? u.why :
		    cause ? cause : err_str(ret), out);
		snprintf(result, sizeof result, "failed: %s", u.why[0] ? u.why :
		    cause ? cause : err_str(ret));
		goto out;
	}
	if (rs.found == 0) {
		fprintf(stderr, "camveil unlock restore: none of the %u requested faces is in %s "
		    "(another recording?); %s removed\n", rs.requested, recording, out);
		snprintf(result, sizeof result, "failed: no requested face in the recording");
		goto out;
	}
	printf("%s: %lld face regions restored (%u of %u requested items found), "
	    "%lld sealed regions outside the order kept hidden\n", out,
	    (long long)rs.restored, rs.found, rs.requested, (long long)rs.masked);
	if (rs.found < rs.requested)
		fprintf(stderr, "camveil unlock restore: warning: %u requested items were not in "
		    "%s\n", rs.requested - rs.found, recording);
	snprintf(result, sizeof result, "ok: %lld regions restored, %lld kept hidden",
	    (long long)rs.restored, (long long)rs.masked);
	status = 0;
out:
	if (status != 0 && wrote)
		unlink(out);
	if (rq != NULL)
		audit(auditf, "unlock.restore", cmd_actor(actor), rq->case_id, scope, result);
	free(cause);
	restore_free(&u.rs);
	sidecar_free(&u.sc);
	sodium_free(Z);
	judicial_pub_free(&pk);
	for (int i = 0; i < nap; i++)
		unlock_approval_free(&ap[i]);
	unlock_request_free(&rq);
	return status;
}

int
cmd_unlock(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "request") == 0)
		return unlock_request(argc - 1, argv + 1);
	if (strcmp(argv[1], "approve") == 0)
		return unlock_approve_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "restore") == 0)
		return unlock_restore(argc - 1, argv + 1);
	fprintf(stderr, "camveil unlock: unknown command '%s' (expected request, approve, "
	    "restore)\n", argv[1]);
	return 2;
}
