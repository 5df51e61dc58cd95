/*
 * Test tool: append one record to an audit log through the real writer
 * (keys/audit.c audit_log), creating the log and its key on first use.
 * Until a subcommand writes audit records, this is how shell tests and
 * the fuzz seed corpus get real logs.
 *
 *   audit-append LOG EVENT ACTOR CASE SCOPE RESULT
 *
 * Arguments are taken verbatim; "\t", "\n", "\r" and "\\" in them are
 * turned into the characters, so a test can pass awkward strings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../keys/audit.h"
#include "../../util/err.h"

/* Expand \t \n \r \\ in place. */
static char *
unbackslash(char *s)
{
	char *o = s;

	for (const char *p = s; *p != '\0'; p++) {
		if (p[0] == '\\' && p[1] != '\0') {
			p++;
			*o++ = *p == 't' ? '\t' : *p == 'n' ? '\n' : *p == 'r' ? '\r' : *p;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return s;
}

int
main(int argc, char **argv)
{
	struct audit_record r;
	char *cause = NULL;
	int ret;

	if (argc != 7) {
		fprintf(stderr, "usage: audit-append LOG EVENT ACTOR CASE SCOPE RESULT\n");
		return 2;
	}
	r.event = unbackslash(argv[2]);
	r.actor = unbackslash(argv[3]);
	r.case_id = unbackslash(argv[4]);
	r.scope = unbackslash(argv[5]);
	r.result = unbackslash(argv[6]);
	ret = audit_log(argv[1], &r, &cause);
	if (ret < 0) {
		fprintf(stderr, "audit-append: %s\n", cause != NULL ? cause : err_str(ret));
		free(cause);
		return 1;
	}
	return 0;
}
