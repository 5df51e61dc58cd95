/*
 * Subcommands of the camveil binary. Each takes the arguments after its
 * name (argv[0] is the subcommand) and returns the process exit status:
 * 0 success, 1 failure, 2 usage error.
 */
#ifndef CAMVEIL_CMD_H
#define CAMVEIL_CMD_H

int cmd_anonymize(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_proxy(int argc, char **argv);
int cmd_unlock(int argc, char **argv);

/* Who runs a command, for the audit log: opt if given, else $USER. */
const char *cmd_actor(const char *opt);

#endif
