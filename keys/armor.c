/*
 * Armored files (see armor.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "../util/err.h"
#include "armor.h"

#define B64 sodium_base64_VARIANT_ORIGINAL

static int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
armor_create(const char *path, int mode, int *fd, char **cause)
{
	*fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (*fd < 0) {
		int e = errno;

		err_cause(cause, "%s: %s%s", path, strerror(e),
		    e == EEXIST ? " (refusing to overwrite it)" : "");
		return -e;
	}
	return 0;
}

void
armor_abandon(int fd, const char *path)
{
	close(fd);
	unlink(path);
}

int
armor_finish(int fd, const char *path, const char *comment, const uint8_t *blob, size_t len,
    char **cause)
{
	size_t b64len = sodium_base64_ENCODED_LEN(len, B64);
	char *b64 = NULL;
	int ret;

	if (strchr(comment, '\n') != NULL || strchr(comment, '\r') != NULL) {
		err_cause(cause, "%s: comment has a line break", path);
		ret = ERR_INVAL;
		goto fail;
	}
	b64 = malloc(b64len);
	if (b64 == NULL) {
		ret = ERR_NOMEM;
		goto fail;
	}
	sodium_bin2base64(b64, b64len, blob, len, B64);
	if ((ret = write_all(fd, ARMOR_COMMENT, strlen(ARMOR_COMMENT))) < 0 ||
	    (ret = write_all(fd, comment, strlen(comment))) < 0 ||
	    (ret = write_all(fd, "\n", 1)) < 0 ||
	    (ret = write_all(fd, b64, strlen(b64))) < 0 ||
	    (ret = write_all(fd, "\n", 1)) < 0 ||
	    (fsync(fd) < 0 && (ret = -errno) < 0)) {
		err_cause(cause, "%s: %s", path, strerror(-ret));
		goto fail;
	}
	free(b64);
	if (close(fd) < 0) {
		ret = -errno;
		err_cause(cause, "%s: %s", path, strerror(errno));
		unlink(path);
		return ret;
	}
	return 0;
fail:
	free(b64);
	armor_abandon(fd, path);
	return ret;
}

int
armor_write(const char *path, int mode, const char *comment, const uint8_t *blob,
    size_t len, char **cause)
{
	int fd, ret;

	if (strchr(comment, '\n') != NULL || strchr(comment, '\r') != NULL) {
		err_cause(cause, "%s: comment has a line break", path);
		return ERR_INVAL;
	}
	if ((ret = armor_create(path, mode, &fd, cause)) < 0)
		return ret;
	return armor_finish(fd, path, comment, blob, len, cause);
}

int
armor_decode(const char *text, size_t len, size_t max, uint8_t **blob, size_t *bloblen)
{
	const char *nl, *b, *e;
	uint8_t *out;
	size_t cl = strlen(ARMOR_COMMENT), outmax, n = 0;

	*blob = NULL;
	*bloblen = 0;
	if (len < cl || memcmp(text, ARMOR_COMMENT, cl) != 0)
		return ERR_CORRUPT;
	nl = memchr(text, '\n', len);
	if (nl == NULL)
		return ERR_CORRUPT;
	b = nl + 1;
	e = memchr(b, '\n', len - (size_t)(b - text));
	if (e == NULL || (size_t)(e + 1 - text) != len)
		return ERR_CORRUPT;	/* exactly two lines */
	if (e > b && e[-1] == '\r')
		e--;		/* CRLF; the comment line's CR is in the comment */
	if (e == b)
		return ERR_CORRUPT;
	outmax = (size_t)(e - b) / 4 * 3 + 3;
	if (outmax > max + 3)
		return ERR_CORRUPT;
	out = malloc(outmax);
	if (out == NULL)
		return ERR_NOMEM;
	if (sodium_base642bin(out, outmax, b, (size_t)(e - b), NULL, &n, NULL, B64) != 0 ||
	    n == 0 || n > max) {
		free(out);
		return ERR_CORRUPT;
	}
	*blob = out;
	*bloblen = n;
	return 0;
}

int
armor_read(const char *path, size_t max, uint8_t **blob, size_t *len, char **cause)
{
	size_t tmax = max / 3 * 4 + 1024, tlen = 0, want = tmax;
	char *text = NULL;
	struct stat sb;
	FILE *fp;
	int ret;

	*blob = NULL;
	*len = 0;
	fp = fopen(path, "rb");
	if (fp == NULL) {
		ret = -errno;
		err_cause(cause, "%s: %s", path, strerror(errno));
		return ret;
	}
	/* A request may be hundreds of MB at most: size the buffer by the
	 * file when it says, not by the format's limit. */
	if (fstat(fileno(fp), &sb) == 0 && S_ISREG(sb.st_mode) && (uintmax_t)sb.st_size < tmax)
		want = (size_t)sb.st_size;
	text = malloc(want + 1);
	if (text == NULL) {
		fclose(fp);
		return ERR_NOMEM;
	}
	tlen = fread(text, 1, want + 1, fp);
	if (ferror(fp)) {
		ret = ERR_IO;
		err_cause(cause, "%s: read error", path);
	} else if (tlen > want) {
		ret = ERR_CORRUPT;
		err_cause(cause, "%s: %s", path, want < tmax ? "changed while it was read" :
		    "too large for this kind of file");
	} else {
		ret = armor_decode(text, tlen, max, blob, len);
		if (ret == ERR_CORRUPT)
			err_cause(cause, "%s: not a camveil file (expected an '%s...' line "
			    "and one base64 line)", path, ARMOR_COMMENT);
	}
	fclose(fp);
	free(text);
	return ret;
}
