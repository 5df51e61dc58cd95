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

/* Decode armored text (untrusted) into a malloc'd blob of at most max bytes. */
int armor_decode(const char *text, size_t len, size_t max, uint8_t **blob, size_t *bloblen);

/* Read and decode path; *cause names the file and problem. */
int armor_read(const char *path, size_t max, uint8_t **blob, size_t *len, char **cause);

#endif
