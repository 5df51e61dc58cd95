/*
 * Passphrases for key shares: from the terminal without echo, or from a
 * file for scripts. Always in sodium_malloc memory, wiped on free.
 */
#ifndef CAMVEIL_PASS_H
#define CAMVEIL_PASS_H

#include <stddef.h>

#define PASS_MIN 8
#define PASS_MAX 1024

/*
 * Read a passphrase: the first line of path, or (path NULL) from
 * /dev/tty after printing prompt, twice if confirm. ERR_INVAL with cause
 * if shorter than PASS_MIN or the two entries differ.
 */
int pass_read(const char *path, const char *prompt, int confirm, char **out, size_t *len,
    char **cause);
void pass_free(char **p);

#endif
