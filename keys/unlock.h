/*
 * The unlock workflow's documents: a request (which sealed items a
 * court order covers, each with its seal's clear header, so a holder
 * can check that every key asked for belongs to an item inside the
 * order's scope), an approval (one holder's partial decryptions for
 * exactly those keys, each with a proof, bound to the request's hash),
 * and the combination of k approvals into the region keys. Formats in
 * docs/KEYS.md "Request" and "Approval".
 */
#ifndef CAMVEIL_UNLOCK_H
#define CAMVEIL_UNLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "judicial.h"
#include "seal.h"

#define UNLOCK_CASE_MAX 128
#define UNLOCK_NAME_MAX 255
#define UNLOCK_MAX_ITEMS (1u << 20)	/* a request of at most ~190 MB */
#define UNLOCK_MAX_KEYS (1u << 20)
#define UNLOCK_HASH_BYTES 32

struct unlock_scope {
	int wall;		/* window in wall-clock time (1) or media time (0) */
	int64_t from_us, to_us;	/* inclusive */
	char camera[SEAL_CAMERA_MAX + 1];	/* "" = every camera */
	int64_t track;		/* -1 = every track */
};

/* One sealed item in scope. */
struct unlock_item {
	uint8_t ref[SEAL_REF_BYTES];	/* seal_item.ref: the hash of hdr */
	uint32_t key;		/* index into the request's R list */
	uint32_t track;		/* from hdr */
	int64_t t_us;		/* from hdr, in the scope's clock */
	uint16_t hdr_len;
	uint8_t hdr[SEAL_HEADER_MAX];	/* the seal's clear header, as in the recording */
};

struct unlock_request {
	uint8_t key_id[JUDICIAL_KEY_ID_BYTES];
	char case_id[UNLOCK_CASE_MAX + 1];
	char requester[UNLOCK_NAME_MAX + 1];
	char recording[UNLOCK_NAME_MAX + 1];	/* file name, for people */
	int64_t created_us;
	struct unlock_scope scope;
	uint32_t nkeys;
	uint8_t *R;		/* nkeys * 32: the distinct segment keys */
	uint32_t nitems;
	struct unlock_item *items;
	/* Set by encode/parse: */
	uint8_t *blob;
	size_t blob_len;
	uint8_t hash[UNLOCK_HASH_BYTES];
};

/* 1 if a sealed item is inside the scope. */
int unlock_in_scope(const struct unlock_scope *sc, const struct seal_item *it);

/*
 * Add an item (its header is copied; its R is added to the key list if
 * new). The request grows; ERR_NOMEM, or ERR_INVAL for an item outside
 * rq->scope, sealed to another key than rq->key_id, or past the limits.
 */
int unlock_request_add(struct unlock_request *rq, const struct seal_item *it);

/* Sort and deduplicate the items, then encode (sets blob, blob_len and hash). */
int unlock_request_encode(struct unlock_request *rq);

/*
 * Parse a request (untrusted) and check it as a holder must before
 * approving: every item's header parses (seal_header_parse), is sealed
 * to the request's key, carries the R of the key the item names and lies
 * inside the scope (time, camera, track read from the header); the items
 * of one key agree on camera, segment and track; every key is named by
 * an item. ERR_CORRUPT with cause otherwise, and for version 1 requests
 * (no headers: they cannot be checked).
 */
int unlock_request_parse(const uint8_t *blob, size_t len, struct unlock_request **out,
    char **cause);
void unlock_request_free(struct unlock_request **rq);
/* Encode rq, check it as unlock_request_parse would, and write it. */
int unlock_request_save(const char *path, struct unlock_request *rq, char **cause);
int unlock_request_load(const char *path, struct unlock_request **out, char **cause);
/* Index of item ref in the request, or -1 (items are sorted by ref). */
int64_t unlock_request_find(const struct unlock_request *rq, const uint8_t ref[SEAL_REF_BYTES]);

struct unlock_approval {
	uint8_t req_hash[UNLOCK_HASH_BYTES];
	int index;			/* holder 1..n */
	struct judicial_pub *pk;	/* carried whole; checked against key_id */
	uint32_t nkeys;
	uint8_t *D;			/* nkeys * 32 */
	uint8_t *proof;			/* nkeys * 64 */
	uint8_t *blob;
	size_t blob_len;
};

/*
 * The holder's approval of rq: D_i = s_i*R and a proof for every key in
 * the request, each bound to the request hash. What is approved is
 * rq->blob, parsed again here (the hash covers it, not the struct), so
 * an approval is never made for a request unlock_request_parse refuses:
 * ERR_CORRUPT with cause then; ERR_INVAL (with cause) if the request is
 * for another judicial key.
 */
int unlock_approve(const struct unlock_request *rq, const struct judicial_share *sh,
    struct unlock_approval **out, char **cause);
int unlock_approval_parse(const uint8_t *blob, size_t len, struct unlock_approval **out,
    char **cause);
void unlock_approval_free(struct unlock_approval **ap);
int unlock_approval_save(const char *path, const struct unlock_approval *ap, char **cause);
int unlock_approval_load(const char *path, struct unlock_approval **out, char **cause);

/*
 * Check approvals ap[0..nap) against rq (same request hash, same key,
 * every proof valid, distinct holders) and combine k of them into Z for
 * every key of the request: *Z is nkeys*32 bytes of sodium_malloc memory
 * (sodium_free it), *pk the judicial key (the caller frees it). Fails
 * closed: ERR_AUTH with a cause naming the approval (by position, 1-based)
 * and problem, or naming how many valid approvals there are against k.
 * used (size nap) gets 1 for the approvals combined; all 0 on failure.
 */
int unlock_combine(const struct unlock_request *rq, struct unlock_approval *const *ap,
    int nap, uint8_t **Z, struct judicial_pub **pk, int *used, char **cause);

#endif
