/*
 * The judicial key: its public half (judicial.pub, the only key the
 * proxy holds) and the holders' shares (NAME.share, each sealed with its
 * holder's passphrase). Formats in docs/KEYS.md.
 */
#ifndef CAMVEIL_JUDICIAL_H
#define CAMVEIL_JUDICIAL_H

#include <stddef.h>
#include <stdint.h>

#include "tss.h"

#define JUDICIAL_NAME_MAX 64
#define JUDICIAL_KEY_ID_BYTES 16
#define JUDICIAL_PUB_MAX (8 + TSS_BYTES + TSS_MAX_HOLDERS * (1 + JUDICIAL_NAME_MAX + TSS_BYTES))
#define JUDICIAL_SHARE_MAX (JUDICIAL_PUB_MAX + 256)

/* Cost of the passphrase hash (Argon2id) protecting a share. */
enum judicial_kdf { JUDICIAL_KDF_INTERACTIVE, JUDICIAL_KDF_MODERATE, JUDICIAL_KDF_SENSITIVE };

struct judicial_holder {
	char name[JUDICIAL_NAME_MAX + 1];
	uint8_t pub[TSS_BYTES];		/* P_i */
};

struct judicial_pub {
	int k, n;
	uint8_t P[TSS_BYTES];
	struct judicial_holder holder[TSS_MAX_HOLDERS];	/* holder[i-1] has index i */
	uint8_t key_id[JUDICIAL_KEY_ID_BYTES];	/* BLAKE2b of the encoding */
	uint8_t *blob;			/* canonical encoding */
	size_t blob_len;
};

/*
 * A holder name is 1..64 of [A-Za-z0-9._-], not starting with '.' or
 * '-' (it becomes a file name). 1 if valid.
 */
int judicial_name_ok(const char *name);

/*
 * Build a public key from a dealt split (names[i] for holder i+1) and
 * encode it. ERR_INVAL (with cause) for bad or repeated names.
 */
int judicial_pub_create(int k, int n, const uint8_t P[TSS_BYTES],
    const uint8_t *share_pubs, const char *const *names,
    struct judicial_pub **out, char **cause);

/*
 * Parse an encoding (untrusted) and check it: valid points, names, and
 * that the holders' keys are shares of P (Lagrange over holders 1..k
 * gives P back). ERR_CORRUPT with cause otherwise.
 */
int judicial_pub_parse(const uint8_t *blob, size_t len, struct judicial_pub **out,
    char **cause);
void judicial_pub_free(struct judicial_pub **pk);

int judicial_pub_save(const char *path, const struct judicial_pub *pk, char **cause);
int judicial_pub_load(const char *path, struct judicial_pub **out, char **cause);

/* Index (1..n) of a holder by name, 0 if none. */
int judicial_holder_index(const struct judicial_pub *pk, const char *name);

/* A holder's share, opened. secret is sodium_malloc'd and wiped on free. */
struct judicial_share {
	struct judicial_pub *pk;
	int index;
	uint8_t *secret;	/* s_i, 32 bytes */
};

/*
 * Write holder index's share, sealed with passphrase (Argon2id at cost
 * kdf, then XChaCha20-Poly1305), to path: O_EXCL|O_NOFOLLOW, mode 0600.
 */
int judicial_share_save(const char *path, const struct judicial_pub *pk, int index,
    const uint8_t secret[TSS_BYTES], const char *pass, size_t passlen,
    enum judicial_kdf kdf, char **cause);

/*
 * Parse a share blob (untrusted) and open it with passphrase. ERR_AUTH
 * for a wrong passphrase or an altered file, ERR_CORRUPT for a file that
 * is not a share; cause says which.
 */
int judicial_share_open(const uint8_t *blob, size_t len, const char *pass,
    size_t passlen, struct judicial_share **out, char **cause);
int judicial_share_load(const char *path, const char *pass, size_t passlen,
    struct judicial_share **out, char **cause);
void judicial_share_free(struct judicial_share **s);

#endif
