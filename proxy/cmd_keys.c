/*
 * camveil keys init: the key ceremony, on an offline machine. Deals a
 * fresh judicial secret k of n, writes judicial.pub (the only key the
 * proxy ever holds) and one passphrase-sealed share per holder, and
 * wipes the secret: it never exists again. See docs/KEYS.md.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "../keys/audit.h"
#include "../keys/judicial.h"
#include "../keys/pass.h"
#include "../keys/tss.h"
#include "../util/err.h"
#include "cmd.h"

#define MAX_PASSFILES TSS_MAX_HOLDERS

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: camveil keys init --threshold K --holder NAME [--holder NAME]... --out DIR\n"
"\n"
"Key ceremony (run it offline). Creates DIR/judicial.pub for the proxy and\n"
"DIR/NAME.share for each holder, sealed with that holder's passphrase. Any K\n"
"holders together can later approve an unlock; fewer learn nothing.\n"
"\n"
"  --threshold K               approvals needed (1..number of holders)\n"
"  --holder NAME               a key holder (repeat; 1-64 of A-Z a-z 0-9 . _ -)\n"
"  --out DIR                   where to write the files (created 0700)\n"
"  --passphrase-file NAME=FILE take NAME's passphrase from FILE's first line\n"
"                              (default: asked on the terminal, twice)\n"
"  --kdf COST                  passphrase hashing cost: interactive, moderate\n"
"                              (default; 256 MiB), sensitive (1 GiB)\n"
"  --audit FILE                audit log to append to (default audit.log)\n"
"  --actor NAME                who runs the ceremony (default $USER)\n");
}

const char *
cmd_actor(const char *opt)
{
	const char *u = getenv("USER");

	if (opt != NULL)
		return opt;
	return u != NULL && *u ? u : "unknown";
}

static int
keys_init(int argc, char **argv)
{
	enum { O_THRESHOLD = 256, O_HOLDER, O_OUT, O_PASSFILE, O_KDF, O_AUDIT, O_ACTOR };
	static const struct option longopts[] = {
		{ "threshold", required_argument, NULL, O_THRESHOLD },
		{ "holder", required_argument, NULL, O_HOLDER },
		{ "out", required_argument, NULL, O_OUT },
		{ "passphrase-file", required_argument, NULL, O_PASSFILE },
		{ "kdf", required_argument, NULL, O_KDF },
		{ "audit", required_argument, NULL, O_AUDIT },
		{ "actor", required_argument, NULL, O_ACTOR },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *names[TSS_MAX_HOLDERS], *passfile[TSS_MAX_HOLDERS] = { 0 };
	const char *out = NULL, *audit = "audit.log", *actor = NULL;
	char *pf_opt[MAX_PASSFILES];
	int npf = 0, n = 0, k = 0, c, ret, status = 1;
	enum judicial_kdf kdf = JUDICIAL_KDF_MODERATE;
	uint8_t *shares = NULL, P[TSS_BYTES], pubs[TSS_MAX_HOLDERS * TSS_BYTES];
	struct judicial_pub *pk = NULL;
	char *cause = NULL, path[PATH_MAX], hex[2 * JUDICIAL_KEY_ID_BYTES + 1], scope[512];
	struct audit_record rec;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_THRESHOLD: {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (end == optarg || *end || v < 1 || v > TSS_MAX_HOLDERS) {
				fprintf(stderr, "camveil keys init: --threshold: '%s' is not 1..%d\n",
				    optarg, TSS_MAX_HOLDERS);
				return 2;
			}
			k = (int)v;
			break;
		}
		case O_HOLDER:
			if (n == TSS_MAX_HOLDERS) {
				fprintf(stderr, "camveil keys init: at most %d holders\n", TSS_MAX_HOLDERS);
				return 2;
			}
			if (!judicial_name_ok(optarg)) {
				fprintf(stderr, "camveil keys init: --holder: '%s' must be 1-64 of "
				    "A-Z a-z 0-9 . _ - (not starting with . or -)\n", optarg);
				return 2;
			}
			names[n++] = optarg;
			break;
		case O_OUT:
			out = optarg;
			break;
		case O_PASSFILE:
			if (npf == MAX_PASSFILES || strchr(optarg, '=') == NULL) {
				fprintf(stderr, "camveil keys init: --passphrase-file: expected NAME=FILE\n");
				return 2;
			}
			pf_opt[npf++] = optarg;
			break;
		case O_KDF:
			if (strcmp(optarg, "interactive") == 0)
				kdf = JUDICIAL_KDF_INTERACTIVE;
			else if (strcmp(optarg, "moderate") == 0)
				kdf = JUDICIAL_KDF_MODERATE;
			else if (strcmp(optarg, "sensitive") == 0)
				kdf = JUDICIAL_KDF_SENSITIVE;
			else {
				fprintf(stderr, "camveil keys init: --kdf: '%s' is not interactive, "
				    "moderate or sensitive\n", optarg);
				return 2;
			}
			break;
		case O_AUDIT:
			audit = optarg;
			break;
		case O_ACTOR:
			actor = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || out == NULL || n == 0 || k == 0) {
		fprintf(stderr, "camveil keys init: need --threshold, at least one --holder and --out\n");
		usage(stderr);
		return 2;
	}
	if (k > n) {
		fprintf(stderr, "camveil keys init: threshold %d is more than the %d holder%s\n",
		    k, n, n == 1 ? "" : "s");
		return 2;
	}
	for (int i = 0; i < npf; i++) {
		char *eq = strchr(pf_opt[i], '=');
		int found = 0;

		*eq = '\0';
		for (int j = 0; j < n; j++)
			if (strcmp(names[j], pf_opt[i]) == 0) {
				passfile[j] = eq + 1;
				found = 1;
			}
		if (!found) {
			fprintf(stderr, "camveil keys init: --passphrase-file: '%s' is not a holder\n",
			    pf_opt[i]);
			return 2;
		}
	}
	if (sodium_init() < 0)
		return 1;
	if (mkdir(out, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "camveil keys init: %s: %s\n", out, strerror(errno));
		return 1;
	}
	/* Refuse before dealing if any file exists: never half a ceremony. */
	for (int i = -1; i < n; i++) {
		snprintf(path, sizeof path, "%s/%s%s", out, i < 0 ? "judicial" : names[i],
		    i < 0 ? ".pub" : ".share");
		if (access(path, F_OK) == 0) {
			fprintf(stderr, "camveil keys init: %s exists; refusing to replace keys\n", path);
			return 1;
		}
	}
	shares = sodium_malloc((size_t)n * TSS_BYTES);
	if (shares == NULL)
		goto out;
	if ((ret = tss_deal(k, n, P, shares, pubs)) < 0) {
		fprintf(stderr, "camveil keys init: %s\n", err_str(ret));
		goto out;
	}
	if ((ret = judicial_pub_create(k, n, P, pubs, names, &pk, &cause)) < 0) {
		fprintf(stderr, "camveil keys init: %s\n", cause ? cause : err_str(ret));
		goto out;
	}
	sodium_bin2hex(hex, sizeof hex, pk->key_id, JUDICIAL_KEY_ID_BYTES);
	for (int i = 0; i < n; i++) {
		char prompt[160], *pass = NULL;
		size_t plen;

		snprintf(prompt, sizeof prompt, "Passphrase for %s's share: ", names[i]);
		ret = pass_read(passfile[i], prompt, 1, &pass, &plen, &cause);
		if (ret < 0) {
			fprintf(stderr, "camveil keys init: %s: %s\n", names[i],
			    cause ? cause : err_str(ret));
			goto out;
		}
		snprintf(path, sizeof path, "%s/%s.share", out, names[i]);
		ret = judicial_share_save(path, pk, i + 1, shares + (size_t)i * TSS_BYTES, pass,
		    plen, kdf, &cause);
		pass_free(&pass);
		/* This holder's share is written: its secret is not needed again. */
		sodium_memzero(shares + (size_t)i * TSS_BYTES, TSS_BYTES);
		if (ret < 0) {
			fprintf(stderr, "camveil keys init: %s\n", cause ? cause : err_str(ret));
			goto out;
		}
		printf("%s\n", path);
	}
	snprintf(path, sizeof path, "%s/judicial.pub", out);
	if ((ret = judicial_pub_save(path, pk, &cause)) < 0) {
		fprintf(stderr, "camveil keys init: %s\n", cause ? cause : err_str(ret));
		goto out;
	}
	printf("%s\nkey %s: %d of %d holders\n", path, hex, k, n);
	status = 0;
out:
	sodium_free(shares);	/* wipes the rest */
	{
		size_t off = (size_t)snprintf(scope, sizeof scope, "key=%s threshold=%d holders=",
		    pk ? hex : "-", k);

		for (int i = 0; i < n && off < sizeof scope; i++)
			off += (size_t)snprintf(scope + off, sizeof scope - off, "%s%s",
			    i ? "," : "", names[i]);
	}
	free(cause);
	cause = NULL;
	rec = (struct audit_record){ "keys.init", cmd_actor(actor), "", scope,
	    status == 0 ? "ok" : "failed" };
	if ((ret = audit_log(audit, &rec, &cause)) < 0) {
		fprintf(stderr, "camveil keys init: audit log: %s\n", cause ? cause : err_str(ret));
		status = 1;
	}
	free(cause);
	judicial_pub_free(&pk);
	return status;
}

int
cmd_keys(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "init") == 0)
		return keys_init(argc - 1, argv + 1);
	fprintf(stderr, "camveil keys: unknown command '%s' (expected init)\n", argv[1]);
	return 2;
}
