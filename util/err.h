/*
 * Project-wide error codes. Every fallible function returns 0 or one of
 * these (negative). System call failures are returned as -errno, so the
 * two ranges never overlap: ours start far below any errno value.
 */
#ifndef CAMVEIL_ERR_H
#define CAMVEIL_ERR_H

enum {
	ERR_BASE = -10000,
	ERR_NOMEM = ERR_BASE - 1,	/* allocation failed */
	ERR_INVAL = ERR_BASE - 2,	/* bad argument or option value */
	ERR_IO = ERR_BASE - 3,		/* read/write failed */
	ERR_FORMAT = ERR_BASE - 4,	/* input is not a readable media file */
	ERR_UNSUPPORTED = ERR_BASE - 5,	/* codec or format we cannot handle */
	ERR_CORRUPT = ERR_BASE - 6,	/* damaged data */
	ERR_MODEL = ERR_BASE - 7,	/* detector model missing or unusable */
	ERR_DETECT = ERR_BASE - 8,	/* detector failed on a frame */
	ERR_TIMEOUT = ERR_BASE - 9,	/* a deadline passed */
	ERR_EOF = ERR_BASE - 10,	/* end of stream (not a failure) */
	ERR_AGAIN = ERR_BASE - 11,	/* no output yet, feed more input */
	ERR_ENCODER = ERR_BASE - 12,	/* encoder could not be opened or failed */
	ERR_AUTH = ERR_BASE - 13,	/* credentials missing or wrong */
	ERR_AUTH_STALE = ERR_BASE - 14,	/* right credentials, expired nonce */
};

/* Human-readable text for an error code (ours or -errno). Never NULL. */
const char *err_str(int err);

/*
 * Set *cause to a malloc'd message (printf format), or to NULL if memory
 * runs out: callers then fall back to err_str.
 */
void err_cause(char **cause, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
