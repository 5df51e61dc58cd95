/*
 * camveil: one binary, subcommands in cmd_*.c (like tmux's cmd-*.c).
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cmd.h"

#ifndef CAMVEIL_VERSION
#define CAMVEIL_VERSION "0.1"
#endif

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} cmds[] = {
	{ "anonymize", cmd_anonymize, "obscure every face in a recording" },
	{ "audit", cmd_audit, "verify the tamper-evident audit log" },
	{ "keys", cmd_keys, "key ceremony: split the judicial key k of n" },
	{ "proxy", cmd_proxy, "anonymize live cameras for recorders (RTSP)" },
	{ "unlock", cmd_unlock, "court-ordered unlock: request, approve, restore" },
};

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: camveil COMMAND [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		fprintf(fp, "  %-12s %s\n", cmds[i].name, cmds[i].help);
	fprintf(fp, "\n'camveil COMMAND --help' describes a command's options.\n");
}

int
main(int argc, char **argv)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "camveil: libsodium failed to initialise\n");
		return 1;
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("camveil %s\n", CAMVEIL_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "camveil: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
