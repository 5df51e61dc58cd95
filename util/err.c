/*
 * Text for the project's error codes; -errno values fall through to
 * strerror so callers can return either without caring which.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

const char *
err_str(int err)
{
	switch (err) {
	case 0:			return "success";
	case ERR_NOMEM:		return "out of memory";
	case ERR_INVAL:		return "invalid argument";
	case ERR_IO:		return "input/output error";
	case ERR_FORMAT:	return "not a readable media file";
	case ERR_UNSUPPORTED:	return "unsupported codec or format";
	case ERR_CORRUPT:	return "corrupt data";
	case ERR_MODEL:		return "face detection model unusable";
	case ERR_DETECT:	return "face detection failed";
	case ERR_TIMEOUT:	return "timed out";
	case ERR_EOF:		return "end of stream";
	case ERR_AGAIN:		return "try again";
	case ERR_ENCODER:	return "encoder failed";
	case ERR_AUTH:		return "authentication failed";
	case ERR_AUTH_STALE:	return "authentication nonce expired";
	}
	if (err < 0 && err > ERR_BASE)
		return strerror(-err);
	return "unknown error";
}

void
err_cause(char **cause, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(cause, fmt, ap) < 0)
		*cause = NULL;
	va_end(ap);
}
