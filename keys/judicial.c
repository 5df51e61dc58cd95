/*
 * The judicial key files (see judicial.h, docs/KEYS.md).
 *
 * The public key names its holders so that an approval can say whose it
 * is and the restore can check it against the right share key P_i; its
 * key id (a hash of the whole encoding) is what every seal carries.
 * Shares are sealed with Argon2id + XChaCha20-Poly1305 with the file's
 * header as associated data, so any change to a share file is caught
 * before its secret is used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../util/err.h"
#include "armor.h"
#include "judicial.h"
#include "wire.h"

#define PUB_MAGIC "CVPK"
#define SHARE_MAGIC "CVSH"
#define VERSION 1
#define KEY_ID_DOMAIN "camveil-key-id-v1"

int
judicial_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n < 1 || n > JUDICIAL_NAME_MAX || name[0] == '.' || name[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static void
key_id(const uint8_t *blob, size_t len, uint8_t id[JUDICIAL_KEY_ID_BYTES])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, JUDICIAL_KEY_ID_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)KEY_ID_DOMAIN, sizeof KEY_ID_DOMAIN - 1);
	crypto_generichash_update(&st, blob, len);
	crypto_generichash_final(&st, id, JUDICIAL_KEY_ID_BYTES);
}

static int
encode_pub(struct judicial_pub *pk)
{
	struct wire_w w;

	wire_w_init(&w, JUDICIAL_PUB_MAX);
	wire_bytes(&w, PUB_MAGIC, 4);
	wire_u8(&w, VERSION);
	wire_u8(&w, (uint8_t)pk->k);
	wire_u8(&w, (uint8_t)pk->n);
	wire_bytes(&w, pk->P, TSS_BYTES);
	for (int i = 0; i < pk->n; i++) {
		wire_str8(&w, pk->holder[i].name);
		wire_bytes(&w, pk->holder[i].pub, TSS_BYTES);
	}
	if (w.err != 0) {
		int e = w.err;

		wire_w_free(&w);
		return e;
	}
	pk->blob = w.p;
	pk->blob_len = w.len;
	key_id(pk->blob, pk->blob_len, pk->key_id);
	return 0;
}

/* Lagrange over holders idx[0..m) of the key: 1 if it gives P, 0 if not, or < 0. */
static int
combines_to_P(const struct judicial_pub *pk, const int *idx, int m, uint8_t *pubs)
{
	uint8_t P[TSS_BYTES];
	int ret;

	for (int i = 0; i < m; i++)
		memcpy(pubs + (size_t)i * TSS_BYTES, pk->holder[idx[i] - 1].pub, TSS_BYTES);
	if ((ret = tss_combine(idx, pubs, m, P)) < 0)
		return ret;
	return sodium_memcmp(P, pk->P, TSS_BYTES) == 0;
}

/*
 * The holders' keys really are a k-of-n split of P: the P_i lie on one
 * polynomial of degree k-1 exactly. Holders 1..k combine to P, and so
 * do 1..k-1 with each later holder j in place of k (else a damaged or
 * substituted P_j would only show when holder j approves, as a restore
 * that fails). And holders 1..k-1 alone do not give P: a key whose
 * threshold byte was raised (a split of degree below k-1) is refused,
 * instead of claiming more holders are needed than really are.
 */
static int
check_split(const struct judicial_pub *pk, char **cause)
{
	int idx[TSS_MAX_HOLDERS], k = pk->k, ret;
	uint8_t *pubs = malloc((size_t)k * TSS_BYTES);

	if (pubs == NULL)
		return ERR_NOMEM;
	for (int i = 0; i < k; i++)
		idx[i] = i + 1;
	ret = combines_to_P(pk, idx, k, pubs);
	for (int j = k + 1; j <= pk->n && ret == 1; j++) {
		idx[k - 1] = j;
		ret = combines_to_P(pk, idx, k, pubs);
	}
	if (ret == 0 || ret == ERR_INVAL) {
		err_cause(cause, "judicial public key: the holders' keys are not shares of "
		    "the key (altered file?)");
		ret = ERR_CORRUPT;
	} else if (ret == 1 && k > 1) {
		ret = combines_to_P(pk, idx, k - 1, pubs);	/* idx[0..k-1) is still 1..k-1 */
		if (ret == 1) {
			err_cause(cause, "judicial public key: threshold %d, but %d holders' "
			    "keys already give the key (altered threshold?)", k, k - 1);
			ret = ERR_CORRUPT;
		}
	}
	free(pubs);
	return ret < 0 ? ret : 0;
}

static int
check_names(const struct judicial_pub *pk, char **cause)
{
	char esc[WIRE_ESCAPED_MAX(JUDICIAL_NAME_MAX)];

	for (int i = 0; i < pk->n; i++) {
		if (!judicial_name_ok(pk->holder[i].name)) {
			err_cause(cause, "holder name '%s' is not 1-%d letters, digits, '.', '_' or '-'",
			    wire_escape(pk->holder[i].name, esc, sizeof esc), JUDICIAL_NAME_MAX);
			return ERR_INVAL;
		}
		for (int j = 0; j < i; j++)
			if (strcmp(pk->holder[i].name, pk->holder[j].name) == 0) {
				err_cause(cause, "holder '%s' named twice", pk->holder[i].name);
				return ERR_INVAL;
			}
	}
	return 0;
}

int
judicial_pub_create(int k, int n, const uint8_t P[TSS_BYTES], const uint8_t *share_pubs,
    const char *const *names, struct judicial_pub **out, char **cause)
{
	struct judicial_pub *pk;
	int ret;

	*out = NULL;
	if (k < 1 || n < k || n > TSS_MAX_HOLDERS) {
		err_cause(cause, "threshold %d of %d holders: need 1 <= threshold <= holders <= %d",
		    k, n, TSS_MAX_HOLDERS);
		return ERR_INVAL;
	}
	pk = calloc(1, sizeof *pk);
	if (pk == NULL)
		return ERR_NOMEM;
	pk->k = k;
	pk->n = n;
	memcpy(pk->P, P, TSS_BYTES);
	for (int i = 0; i < n; i++) {
		if (strlen(names[i]) > JUDICIAL_NAME_MAX) {
			char esc[24];

			err_cause(cause, "holder name '%s' is longer than %d",
			    wire_escape(names[i], esc, sizeof esc), JUDICIAL_NAME_MAX);
			ret = ERR_INVAL;
			goto fail;
		}
		strcpy(pk->holder[i].name, names[i]);
		memcpy(pk->holder[i].pub, share_pubs + (size_t)i * TSS_BYTES, TSS_BYTES);
	}
	if ((ret = check_names(pk, cause)) < 0)
		goto fail;
	if ((ret = encode_pub(pk)) < 0)
		goto fail;
	*out = pk;
	return 0;
fail:
	judicial_pub_free(&pk);
	return ret;
}

int
judicial_pub_parse(const uint8_t *blob, size_t len, struct judicial_pub **out, char **cause)
{
	struct judicial_pub *pk;
	struct wire_r r;
	const uint8_t *magic, *p;
	int ret = ERR_CORRUPT, version;

	*out = NULL;
	pk = calloc(1, sizeof *pk);
	if (pk == NULL)
		return ERR_NOMEM;
	wire_r_init(&r, blob, len);
	magic = wire_get(&r, 4);
	version = wire_get_u8(&r);
	if (magic == NULL || memcmp(magic, PUB_MAGIC, 4) != 0) {
		err_cause(cause, "not a judicial public key");
		goto fail;
	}
	if (version != VERSION) {
		err_cause(cause, "judicial public key version %d (this camveil reads %d)",
		    version, VERSION);
		goto fail;
	}
	pk->k = wire_get_u8(&r);
	pk->n = wire_get_u8(&r);
	p = wire_get(&r, TSS_BYTES);
	if (p != NULL)
		memcpy(pk->P, p, TSS_BYTES);
	if (pk->k < 1 || pk->n < pk->k) {
		err_cause(cause, "judicial public key: threshold %d of %d", pk->k, pk->n);
		goto fail;
	}
	for (int i = 0; i < pk->n && r.err == 0; i++) {
		wire_get_str8(&r, pk->holder[i].name, sizeof pk->holder[i].name);
		p = wire_get(&r, TSS_BYTES);
		if (p != NULL)
			memcpy(pk->holder[i].pub, p, TSS_BYTES);
	}
	if (wire_r_done(&r) < 0) {
		err_cause(cause, "judicial public key is truncated or has extra bytes");
		goto fail;
	}
	if (check_names(pk, cause) < 0)
		goto fail;
	if (!tss_point_ok(pk->P)) {
		err_cause(cause, "judicial public key: P is not a valid point");
		goto fail;
	}
	for (int i = 0; i < pk->n; i++)
		if (!tss_point_ok(pk->holder[i].pub)) {
			err_cause(cause, "judicial public key: holder %s's key is not a valid point",
			    pk->holder[i].name);
			goto fail;
		}
	if ((ret = check_split(pk, cause)) < 0)
		goto fail;
	pk->blob = malloc(len);
	if (pk->blob == NULL) {
		ret = ERR_NOMEM;
		goto fail;
	}
	memcpy(pk->blob, blob, len);
	pk->blob_len = len;
	key_id(blob, len, pk->key_id);
	*out = pk;
	return 0;
fail:
	judicial_pub_free(&pk);
	return ret;
}

void
judicial_pub_free(struct judicial_pub **pk)
{
	if (pk == NULL || *pk == NULL)
		return;
	free((*pk)->blob);
	free(*pk);
	*pk = NULL;
}

int
judicial_pub_save(const char *path, const struct judicial_pub *pk, char **cause)
{
	char comment[128], hex[2 * JUDICIAL_KEY_ID_BYTES + 1];

	sodium_bin2hex(hex, sizeof hex, pk->key_id, JUDICIAL_KEY_ID_BYTES);
	snprintf(comment, sizeof comment, "camveil judicial public key %s, %d of %d holders",
	    hex, pk->k, pk->n);
	return armor_write(path, 0644, comment, pk->blob, pk->blob_len, cause);
}

int
judicial_pub_load(const char *path, struct judicial_pub **out, char **cause)
{
	uint8_t *blob;
	size_t len;
	char *why = NULL;
	int ret;

	*out = NULL;
	ret = armor_read(path, JUDICIAL_PUB_MAX, &blob, &len, cause);
	if (ret < 0)
		return ret;
	ret = judicial_pub_parse(blob, len, out, &why);
	if (ret < 0)
		err_cause(cause, "%s: %s", path, why ? why : err_str(ret));
	free(why);
	free(blob);
	return ret;
}

int
judicial_holder_index(const struct judicial_pub *pk, const char *name)
{
	for (int i = 0; i < pk->n; i++)
		if (strcmp(pk->holder[i].name, name) == 0)
			return i + 1;
	return 0;
}

static void
kdf_limits(enum judicial_kdf kdf, uint64_t *ops, uint64_t *mem)
{
	switch (kdf) {
	case JUDICIAL_KDF_INTERACTIVE:
		*ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
		*mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
		break;
	case JUDICIAL_KDF_MODERATE:
		*ops = crypto_pwhash_OPSLIMIT_MODERATE;
		*mem = crypto_pwhash_MEMLIMIT_MODERATE;
		break;
	case JUDICIAL_KDF_SENSITIVE:
		*ops = crypto_pwhash_OPSLIMIT_SENSITIVE;
		*mem = crypto_pwhash_MEMLIMIT_SENSITIVE;
		break;
	}
}

int
judicial_share_save(const char *path, const struct judicial_pub *pk, int index,
    const uint8_t secret[TSS_BYTES], const char *pass, size_t passlen,
    enum judicial_kdf kdf, char **cause)
{
	uint8_t salt[crypto_pwhash_SALTBYTES];
	uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	uint8_t ct[TSS_BYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES];
	uint8_t *key = NULL;
	uint64_t ops = 0, mem = 0;
	struct wire_w w;
	char comment[160];
	int ret, fd = -1;

	if (index < 1 || index > pk->n)
		return ERR_INVAL;
	kdf_limits(kdf, &ops, &mem);
	randombytes_buf(salt, sizeof salt);
	randombytes_buf(nonce, sizeof nonce);
	wire_w_init(&w, JUDICIAL_SHARE_MAX);
	wire_bytes(&w, SHARE_MAGIC, 4);
	wire_u8(&w, VERSION);
	wire_u8(&w, (uint8_t)index);
	wire_u16(&w, (uint16_t)pk->blob_len);
	wire_bytes(&w, pk->blob, pk->blob_len);
	wire_bytes(&w, salt, sizeof salt);
	wire_u64(&w, ops);
	wire_u64(&w, mem);
	wire_bytes(&w, nonce, sizeof nonce);
	if (w.err != 0) {
		ret = w.err;
		goto out;
	}
	/* The file first: an existing share (or a link) must fail now, not
	 * after seconds of Argon2 and a passphrase typed for nothing. */
	if ((ret = armor_create(path, 0600, &fd, cause)) < 0)
		goto out;
	key = sodium_malloc(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
	if (key == NULL) {
		ret = ERR_NOMEM;
		goto out;
	}
	if (crypto_pwhash(key, crypto_aead_xchacha20poly1305_ietf_KEYBYTES, pass, passlen,
	    salt, ops, (size_t)mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		ret = ERR_NOMEM;
		err_cause(cause, "%s: Argon2id needs %llu MiB of memory", path,
		    (unsigned long long)(mem >> 20));
		goto out;
	}
	crypto_aead_xchacha20poly1305_ietf_encrypt(ct, NULL, secret, TSS_BYTES, w.p, w.len,
	    NULL, nonce, key);
	wire_bytes(&w, ct, sizeof ct);
	if (w.err != 0) {
		ret = w.err;
		goto out;
	}
	snprintf(comment, sizeof comment,
	    "camveil judicial key share of %s (holder %d of %d, threshold %d)",
	    pk->holder[index - 1].name, index, pk->n, pk->k);
	ret = armor_finish(fd, path, comment, w.p, w.len, cause);
	fd = -1;	/* consumed */
out:
	if (fd >= 0)
		armor_abandon(fd, path);
	sodium_free(key);
	wire_w_free(&w);
	return ret;
}

int
judicial_share_open(const uint8_t *blob, size_t len, const char *pass, size_t passlen,
    struct judicial_share **out, char **cause)
{
	struct judicial_share *s = NULL;
	struct wire_r r;
	const uint8_t *magic, *pub, *salt, *nonce, *ct;
	uint8_t *key = NULL, check[TSS_BYTES];
	uint64_t ops, mem;
	size_t publen, adlen;
	int version, index, ret = ERR_CORRUPT;
	char *why = NULL;

	*out = NULL;
	wire_r_init(&r, blob, len);
	magic = wire_get(&r, 4);
	version = wire_get_u8(&r);
	if (magic == NULL || memcmp(magic, SHARE_MAGIC, 4) != 0) {
		err_cause(cause, "not a judicial key share");
		return ERR_CORRUPT;
	}
	if (version != VERSION) {
		err_cause(cause, "share version %d (this camveil reads %d)", version, VERSION);
		return ERR_CORRUPT;
	}
	index = wire_get_u8(&r);
	publen = wire_get_u16(&r);
	pub = wire_get(&r, publen);
	salt = wire_get(&r, crypto_pwhash_SALTBYTES);
	ops = wire_get_u64(&r);
	mem = wire_get_u64(&r);
	nonce = wire_get(&r, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	adlen = r.off;
	ct = wire_get(&r, TSS_BYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES);
	if (wire_r_done(&r) < 0) {
		err_cause(cause, "share is truncated or has extra bytes");
		return ERR_CORRUPT;
	}
	/* Bounds before any work: a crafted file must not make us spend
	 * unbounded time or memory, nor a trivially cheap hash. */
	if (ops < crypto_pwhash_OPSLIMIT_INTERACTIVE || ops > crypto_pwhash_OPSLIMIT_SENSITIVE ||
	    mem < crypto_pwhash_MEMLIMIT_INTERACTIVE || mem > crypto_pwhash_MEMLIMIT_SENSITIVE) {
		err_cause(cause, "share's passphrase hash cost is out of bounds (altered file?)");
		return ERR_CORRUPT;
	}
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return ERR_NOMEM;
	if ((ret = judicial_pub_parse(pub, publen, &s->pk, &why)) < 0) {
		err_cause(cause, "share's public key: %s", why ? why : err_str(ret));
		goto fail;
	}
	if (index < 1 || index > s->pk->n) {
		err_cause(cause, "share index %d is not a holder of a %d-holder key", index, s->pk->n);
		ret = ERR_CORRUPT;
		goto fail;
	}
	s->index = index;
	key = sodium_malloc(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
	s->secret = sodium_malloc(TSS_BYTES);
	if (key == NULL || s->secret == NULL) {
		ret = ERR_NOMEM;
		goto fail;
	}
	if (crypto_pwhash(key, crypto_aead_xchacha20poly1305_ietf_KEYBYTES, pass, passlen,
	    salt, ops, (size_t)mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		err_cause(cause, "not enough memory for the passphrase hash (%llu MiB)",
		    (unsigned long long)(mem >> 20));
		ret = ERR_NOMEM;
		goto fail;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(s->secret, NULL, NULL, ct,
	    TSS_BYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES, blob, adlen, nonce, key) != 0) {
		err_cause(cause, "wrong passphrase, or the share file was altered");
		ret = ERR_AUTH;
		goto fail;
	}
	if (tss_share_pub(s->secret, check) < 0 ||
	    sodium_memcmp(check, s->pk->holder[index - 1].pub, TSS_BYTES) != 0) {
		err_cause(cause, "share does not match its public key");
		ret = ERR_CORRUPT;
		goto fail;
	}
	sodium_free(key);
	free(why);
	*out = s;
	return 0;
fail:
	sodium_free(key);
	free(why);
	judicial_share_free(&s);
	return ret;
}

int
judicial_share_load(const char *path, const char *pass, size_t passlen,
    struct judicial_share **out, char **cause)
{
	uint8_t *blob;
	size_t len;
	char *why = NULL;
	int ret;

	*out = NULL;
	ret = armor_read(path, JUDICIAL_SHARE_MAX, &blob, &len, cause);
	if (ret < 0)
		return ret;
	ret = judicial_share_open(blob, len, pass, passlen, out, &why);
	if (ret < 0)
		err_cause(cause, "%s: %s", path, why ? why : err_str(ret));
	free(why);
	free(blob);
	return ret;
}

void
judicial_share_free(struct judicial_share **s)
{
	if (s == NULL || *s == NULL)
		return;
	sodium_free((*s)->secret);	/* sodium_free wipes */
	judicial_pub_free(&(*s)->pk);
	free(*s);
	*s = NULL;
}
