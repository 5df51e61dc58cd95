/*
 * Armored files: the key, share, request and approval files are a
 * human-readable first line ("untrusted comment: ..." as in OpenBSD's
 * signify: it says what the file is but nothing trusts it) and the binary
 * blob in base64 on the second line. The blob describes itself (magic and
 * version byte, docs/KEYS.md).
 */
#ifndef CAMVEIL_ARMOR_H
#define CAMVEIL_ARMOR_H

#include <stddef.h>
#include <stdint.h>

#define ARMOR_COMMENT "untrusted comment: "

/*
 * Create path (O_CREAT|O_EXCL|O_NOFOLLOW, mode) and write comment and
 * blob; never replaces an existing file. fsync'd. *cause names the file.
 */
int armor_write(const char *path, int mode, const char *comment,
    const uint8_t *blob, size_t len, char **cause);

/*
 * armor_write in two steps, for a writer with expensive work between
 * (a share's Argon2): armor_create makes the file (as armor_write does)
 * and gives its descriptor, so an existing file or a symbolic link fails
 * before the work; armor_finish writes, fsyncs and closes fd (consumed
 * either way; on failure path is removed); armor_abandon closes fd and
 * removes path.
 */
int armor_create(const char *path, int mode, int *fd, char **cause);
int armor_finish(int fd, const char *path, const char *comment, const uint8_t *blob,
    size_t len, char **cause);
void armor_abandon(int fd, const char *path);

/*
 * Decode armored text (untrusted) into a malloc'd blob of at most max
 * bytes. Lines may end in LF or CRLF (a file that went through a
 * Windows editor or mail client).
 */
int armor_decode(const char *text, size_t len, size_t max, uint8_t **blob, size_t *bloblen);

/* Read and decode path; *cause names the file and problem. */
int armor_read(const char *path, size_t max, uint8_t **blob, size_t *len, char **cause);

#endif
