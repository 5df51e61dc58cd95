/*
 * Leveled logging. Lines are formatted into one buffer and written with a
 * single call so lines from worker threads never interleave.
 */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static enum log_level log_level = LOG_INFO;

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	char line[1024];
	va_list ap;
	int n;

	if (level > log_level)
		return;
	n = snprintf(line, sizeof line, "camveil: %s: ", names[level]);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", line);
}
