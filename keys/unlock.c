/*
 * Unlock requests and approvals (see unlock.h, docs/KEYS.md).
 *
 * A request lists the items in scope with each item's clear seal header
 * (so the reference, a hash of the header, is recomputed, never taken on
 * trust), and the distinct segment keys R those items need. Parsing
 * checks what a holder approves: every key belongs to an item whose own
 * header puts it inside the court order's scope. Seal headers are not
 * signed, so this stops an edited or careless request, not a requester
 * who forges headers with their own tool (docs/KEYS.md says so). An
 * approval answers every R in the request and nothing else; its proofs
 * are bound to the request's hash and to the holder's index, so an
 * approval cannot be replayed for another request or passed off as
 * another holder's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../util/err.h"
#include "armor.h"
#include "unlock.h"
#include "wire.h"

#define REQ_MAGIC "CVRQ"
#define APP_MAGIC "CVAP"
#define REQ_VERSION 2
#define APP_VERSION 1
#define REQ_DOMAIN "camveil-request-v1"
#define APP_DOMAIN "camveil-approval-v1"
#define ITEM_MIN (4 + 1 + SEAL_HEADER_MIN)	/* key u32, header length u8, header */
#define ITEM_MAX (4 + 1 + SEAL_HEADER_MAX)
#define REQ_MAX (4096 + (size_t)UNLOCK_MAX_KEYS * TSS_BYTES + (size_t)UNLOCK_MAX_ITEMS * ITEM_MAX)
#define APP_MAX (64 + JUDICIAL_PUB_MAX + (size_t)UNLOCK_MAX_KEYS * (TSS_BYTES + TSS_PROOF_BYTES))
#define RECENT_KEYS 256
#define NO_ITEM UINT32_MAX

int
unlock_in_scope(const struct unlock_scope *sc, const struct seal_item *it)
{
	int64_t t = sc->wall ? it->m.wall_us : it->m.media_us;

	if (sc->wall && it->m.wall_us == 0)
		return 0;	/* capture time unknown: cannot be placed in a wall window */
	if (t < sc->from_us || t > sc->to_us)
		return 0;
	if (sc->camera[0] != '\0' && strcmp(sc->camera, it->camera) != 0)
		return 0;
	if (sc->track >= 0 && (int64_t)it->m.track != sc->track)
		return 0;
	return 1;
}

int
unlock_request_add(struct unlock_request *rq, const struct seal_item *it)
{
	uint32_t key = rq->nkeys;
	struct unlock_item *ni;

	if (rq->nitems >= UNLOCK_MAX_ITEMS)
		return ERR_INVAL;
	if (memcmp(rq->key_id, it->key_id, JUDICIAL_KEY_ID_BYTES) != 0 ||
	    !unlock_in_scope(&rq->scope, it) ||
	    it->ad_len < SEAL_HEADER_MIN || it->ad_len > SEAL_HEADER_MAX)
		return ERR_INVAL;
	/* Items of one segment come together: look among recent keys. */
	for (uint32_t j = rq->nkeys; j > 0 && rq->nkeys - j < RECENT_KEYS; j--)
		if (memcmp(rq->R + (size_t)(j - 1) * TSS_BYTES, it->R, TSS_BYTES) == 0) {
			key = j - 1;
			break;
		}
	if (key == rq->nkeys) {
		uint8_t *nr;

		if (rq->nkeys >= UNLOCK_MAX_KEYS)
			return ERR_INVAL;
		nr = realloc(rq->R, (size_t)(rq->nkeys + 1) * TSS_BYTES);
		if (nr == NULL)
			return ERR_NOMEM;
		rq->R = nr;
		memcpy(rq->R + (size_t)rq->nkeys * TSS_BYTES, it->R, TSS_BYTES);
		rq->nkeys++;
	}
	if ((rq->nitems & (rq->nitems - 1)) == 0) {
		size_t cap = rq->nitems ? (size_t)rq->nitems * 2 : 64;

		ni = realloc(rq->items, cap * sizeof *ni);
		if (ni == NULL)
			return ERR_NOMEM;
		rq->items = ni;
	}
	ni = &rq->items[rq->nitems++];
	memset(ni, 0, sizeof *ni);	/* padding too: items are compared whole */
	memcpy(ni->ref, it->ref, SEAL_REF_BYTES);
	ni->key = key;
	ni->track = it->m.track;
	ni->t_us = rq->scope.wall ? it->m.wall_us : it->m.media_us;
	ni->hdr_len = (uint16_t)it->ad_len;
	memcpy(ni->hdr, it->ad, it->ad_len);
	return 0;
}

static int
item_cmp(const void *a, const void *b)
{
	return memcmp(((const struct unlock_item *)a)->ref,
	    ((const struct unlock_item *)b)->ref, SEAL_REF_BYTES);
}

static void
hash_blob(const char *domain, const uint8_t *blob, size_t len, uint8_t out[UNLOCK_HASH_BYTES])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, UNLOCK_HASH_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)domain, strlen(domain));
	crypto_generichash_update(&st, blob, len);
	crypto_generichash_final(&st, out, UNLOCK_HASH_BYTES);
}

int
unlock_request_encode(struct unlock_request *rq)
{
	struct wire_w w;
	uint32_t n = 0;

	if (rq->nitems > 1)
		qsort(rq->items, rq->nitems, sizeof *rq->items, item_cmp);
	/* The same item twice (a recording with repeated packets) counts once. */
	for (uint32_t i = 0; i < rq->nitems; i++)
		if (n == 0 || memcmp(rq->items[n - 1].ref, rq->items[i].ref, SEAL_REF_BYTES) != 0)
			rq->items[n++] = rq->items[i];
	rq->nitems = n;
	wire_w_init(&w, REQ_MAX);
	wire_bytes(&w, REQ_MAGIC, 4);
	wire_u8(&w, REQ_VERSION);
	wire_bytes(&w, rq->key_id, JUDICIAL_KEY_ID_BYTES);
	wire_str8(&w, rq->case_id);
	wire_str8(&w, rq->requester);
	wire_str8(&w, rq->recording);
	wire_u64(&w, (uint64_t)rq->created_us);
	wire_u8(&w, (uint8_t)rq->scope.wall);
	wire_u64(&w, (uint64_t)rq->scope.from_us);
	wire_u64(&w, (uint64_t)rq->scope.to_us);
	wire_str8(&w, rq->scope.camera);
	wire_u64(&w, (uint64_t)rq->scope.track);
	wire_u32(&w, rq->nkeys);
	wire_bytes(&w, rq->R, (size_t)rq->nkeys * TSS_BYTES);
	wire_u32(&w, rq->nitems);
	for (uint32_t i = 0; i < rq->nitems; i++) {
		const struct unlock_item *it = &rq->items[i];

		if (it->hdr_len > SEAL_HEADER_MAX && w.err == 0)
			w.err = ERR_INVAL;
		wire_u32(&w, it->key);
		wire_u8(&w, (uint8_t)it->hdr_len);
		wire_bytes(&w, it->hdr, it->hdr_len);
	}
	if (w.err != 0) {
		int e = w.err;

		wire_w_free(&w);
		return e;
	}
	free(rq->blob);
	rq->blob = w.p;
	rq->blob_len = w.len;
	hash_blob(REQ_DOMAIN, rq->blob, rq->blob_len, rq->hash);
	return 0;
}

/* A time of the scope's clock, for messages. */
static void
scope_time(int wall, int64_t us, char *buf, size_t len)
{
	snprintf(buf, len, "%s %.3f s", wall ? "wall-clock" : "media time", (double)us / 1e6);
}

/*
 * Check item i (its header parsed into it) against the request, as far
 * as it can be alone. first: per key, the first item naming it.
 */
static int
check_item(const struct unlock_request *rq, uint32_t i, const struct unlock_item *ui,
    const struct seal_item *it, const uint32_t *first, char **cause)
{
	char esc[WIRE_ESCAPED_MAX(SEAL_CAMERA_MAX)], t[64];
	struct seal_item f;

	if (sodium_memcmp(it->key_id, rq->key_id, JUDICIAL_KEY_ID_BYTES) != 0) {
		err_cause(cause, "request item %u is sealed to another judicial key than the "
		    "request names", i + 1);
		return ERR_CORRUPT;
	}
	if (memcmp(it->R, rq->R + (size_t)ui->key * TSS_BYTES, TSS_BYTES) != 0) {
		err_cause(cause, "request item %u names key %u, but its seal header carries "
		    "another R", i + 1, ui->key + 1);
		return ERR_CORRUPT;
	}
	if (!unlock_in_scope(&rq->scope, it)) {
		scope_time(rq->scope.wall, rq->scope.wall ? it->m.wall_us : it->m.media_us, t,
		    sizeof t);
		err_cause(cause, "request item %u (camera '%s', track %u, %s) is outside the "
		    "request's own scope", i + 1, wire_escape(it->camera, esc, sizeof esc),
		    it->m.track, t);
		return ERR_CORRUPT;
	}
	if (first[ui->key] == NO_ITEM)
		return 0;
	/* One R is one encapsulation: one camera, segment and track. */
	if (seal_header_parse(rq->items[first[ui->key]].hdr, rq->items[first[ui->key]].hdr_len,
	    &f) < 0 || strcmp(f.camera, it->camera) != 0 || f.segment != it->segment ||
	    f.m.track != it->m.track) {
		err_cause(cause, "request items %u and %u share key %u but not their camera, "
		    "segment and track", first[ui->key] + 1, i + 1, ui->key + 1);
		return ERR_CORRUPT;
	}
	return 0;
}

int
unlock_request_parse(const uint8_t *blob, size_t len, struct unlock_request **out, char **cause)
{
	struct unlock_request *rq;
	struct wire_r r;
	const uint8_t *p;
	uint32_t *first = NULL;
	int version, ret = ERR_CORRUPT;

	*out = NULL;
	rq = calloc(1, sizeof *rq);
	if (rq == NULL)
		return ERR_NOMEM;
	wire_r_init(&r, blob, len);
	p = wire_get(&r, 4);
	version = wire_get_u8(&r);
	if (p == NULL || memcmp(p, REQ_MAGIC, 4) != 0) {
		err_cause(cause, "not an unlock request");
		goto fail;
	}
	if (version == 1) {
		err_cause(cause, "request version 1 is no longer accepted (it does not carry "
		    "the seal headers holders check): re-run unlock request");
		goto fail;
	}
	if (version != REQ_VERSION) {
		err_cause(cause, "request version %d (this camveil reads %d)", version,
		    REQ_VERSION);
		goto fail;
	}
	p = wire_get(&r, JUDICIAL_KEY_ID_BYTES);
	if (p != NULL)
		memcpy(rq->key_id, p, JUDICIAL_KEY_ID_BYTES);
	wire_get_str8(&r, rq->case_id, sizeof rq->case_id);
	wire_get_str8(&r, rq->requester, sizeof rq->requester);
	wire_get_str8(&r, rq->recording, sizeof rq->recording);
	rq->created_us = (int64_t)wire_get_u64(&r);
	rq->scope.wall = wire_get_u8(&r);
	rq->scope.from_us = (int64_t)wire_get_u64(&r);
	rq->scope.to_us = (int64_t)wire_get_u64(&r);
	wire_get_str8(&r, rq->scope.camera, sizeof rq->scope.camera);
	rq->scope.track = (int64_t)wire_get_u64(&r);
	rq->nkeys = wire_get_u32(&r);
	if (r.err != 0 || rq->nkeys > UNLOCK_MAX_KEYS ||
	    (size_t)rq->nkeys * TSS_BYTES > len - r.off) {
		err_cause(cause, "request is truncated or lists too many keys");
		goto fail;
	}
	if (rq->scope.wall > 1 || rq->scope.from_us > rq->scope.to_us || rq->scope.track < -1 ||
	    rq->scope.track > UINT32_MAX) {
		err_cause(cause, "request scope is invalid");
		goto fail;
	}
	rq->R = malloc((size_t)rq->nkeys * TSS_BYTES + 1);
	first = malloc((size_t)rq->nkeys * sizeof *first + 1);
	if (rq->R == NULL || first == NULL) {
		ret = ERR_NOMEM;
		goto fail;
	}
	p = wire_get(&r, (size_t)rq->nkeys * TSS_BYTES);
	if (p != NULL)
		memcpy(rq->R, p, (size_t)rq->nkeys * TSS_BYTES);
	for (uint32_t j = 0; j < rq->nkeys; j++) {
		first[j] = NO_ITEM;
		if (!tss_point_ok(rq->R + (size_t)j * TSS_BYTES)) {
			err_cause(cause, "request key %u is not a valid point", j + 1);
			goto fail;
		}
	}
	rq->nitems = wire_get_u32(&r);
	/* Bounded by the bytes left before anything is allocated for them. */
	if (r.err != 0 || rq->nitems > UNLOCK_MAX_ITEMS ||
	    (size_t)rq->nitems > (len - r.off) / ITEM_MIN) {
		err_cause(cause, "request is truncated or has extra bytes");
		goto fail;
	}
	if (rq->nitems == 0) {
		err_cause(cause, "request names no sealed items");
		goto fail;
	}
	rq->items = calloc(rq->nitems, sizeof *rq->items);
	if (rq->items == NULL) {
		ret = ERR_NOMEM;
		goto fail;
	}
	for (uint32_t i = 0; i < rq->nitems; i++) {
		struct unlock_item *ui = &rq->items[i];
		struct seal_item it;
		size_t hl;

		ui->key = wire_get_u32(&r);
		hl = wire_get_u8(&r);
		p = wire_get(&r, hl);
		if (p == NULL) {
			err_cause(cause, "request is truncated or has extra bytes");
			goto fail;
		}
		if (ui->key >= rq->nkeys) {
			err_cause(cause, "request item %u names key %u of %u", i + 1, ui->key + 1,
			    rq->nkeys);
			goto fail;
		}
		if (hl < SEAL_HEADER_MIN || seal_header_parse(p, hl, &it) < 0) {
			err_cause(cause, "request item %u: its seal header does not parse", i + 1);
			goto fail;
		}
		memcpy(ui->ref, it.ref, SEAL_REF_BYTES);
		ui->track = it.m.track;
		ui->t_us = rq->scope.wall ? it.m.wall_us : it.m.media_us;
		ui->hdr_len = (uint16_t)hl;
		memcpy(ui->hdr, p, hl);
		if (i > 0 && memcmp(rq->items[i - 1].ref, ui->ref, SEAL_REF_BYTES) >= 0) {
			err_cause(cause, "request item %u is out of order or repeated", i + 1);
			goto fail;
		}
		if (check_item(rq, i, ui, &it, first, cause) < 0)
			goto fail;
		if (first[ui->key] == NO_ITEM)
			first[ui->key] = i;
	}
	if (wire_r_done(&r) < 0) {
		err_cause(cause, "request is truncated or has extra bytes");
		goto fail;
	}
	/* An approval answers every key: one no item needs would open a
	 * segment (a face) the request does not list. */
	for (uint32_t j = 0; j < rq->nkeys; j++)
		if (first[j] == NO_ITEM) {
			err_cause(cause, "request key %u is named by no item", j + 1);
			goto fail;
		}
	rq->blob = malloc(len);
	if (rq->blob == NULL) {
		ret = ERR_NOMEM;
		goto fail;
	}
	memcpy(rq->blob, blob, len);
	rq->blob_len = len;
	hash_blob(REQ_DOMAIN, blob, len, rq->hash);
	free(first);
	*out = rq;
	return 0;
fail:
	free(first);
	unlock_request_free(&rq);
	return ret;
}

void
unlock_request_free(struct unlock_request **rq)
{
	if (rq == NULL || *rq == NULL)
		return;
	free((*rq)->R);
	free((*rq)->items);
	free((*rq)->blob);
	free(*rq);
	*rq = NULL;
}

int
unlock_request_save(const char *path, struct unlock_request *rq, char **cause)
{
	char comment[WIRE_ESCAPED_MAX(UNLOCK_CASE_MAX) + 128];
	char esc[WIRE_ESCAPED_MAX(UNLOCK_CASE_MAX)], *why = NULL;
	struct unlock_request *chk = NULL;
	int ret;

	if ((ret = unlock_request_encode(rq)) < 0) {
		err_cause(cause, "%s: request too large (%u items)", path, rq->nitems);
		return ret;
	}
	/* Never write a request the holders' camveil would refuse. */
	if ((ret = unlock_request_parse(rq->blob, rq->blob_len, &chk, &why)) < 0) {
		err_cause(cause, "%s: %s", path, why ? why : err_str(ret));
		free(why);
		return ret;
	}
	unlock_request_free(&chk);
	snprintf(comment, sizeof comment, "camveil unlock request, case %s, %u sealed items",
	    wire_escape(rq->case_id, esc, sizeof esc), rq->nitems);
	return armor_write(path, 0644, comment, rq->blob, rq->blob_len, cause);
}

int
unlock_request_load(const char *path, struct unlock_request **out, char **cause)
{
	uint8_t *blob;
	size_t len;
	char *why = NULL;
	int ret;

	*out = NULL;
	ret = armor_read(path, REQ_MAX, &blob, &len, cause);
	if (ret < 0)
		return ret;
	ret = unlock_request_parse(blob, len, out, &why);
	if (ret < 0)
		err_cause(cause, "%s: %s", path, why ? why : err_str(ret));
	free(why);
	free(blob);
	return ret;
}

int64_t
unlock_request_find(const struct unlock_request *rq, const uint8_t ref[SEAL_REF_BYTES])
{
	int64_t lo = 0, hi = (int64_t)rq->nitems - 1;

	while (lo <= hi) {
		int64_t mid = lo + (hi - lo) / 2;
		int c = memcmp(rq->items[mid].ref, ref, SEAL_REF_BYTES);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* The proof context for key j: request, holder and key position. */
static void
proof_ctx(const uint8_t req_hash[UNLOCK_HASH_BYTES], int index, uint32_t j,
    uint8_t ctx[TSS_BYTES])
{
	crypto_generichash_state st;
	uint8_t b[5] = { (uint8_t)index, (uint8_t)(j >> 24), (uint8_t)(j >> 16),
	    (uint8_t)(j >> 8), (uint8_t)j };

	crypto_generichash_init(&st, NULL, 0, TSS_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)APP_DOMAIN, sizeof APP_DOMAIN - 1);
	crypto_generichash_update(&st, req_hash, UNLOCK_HASH_BYTES);
	crypto_generichash_update(&st, b, sizeof b);
	crypto_generichash_final(&st, ctx, TSS_BYTES);
}

static int
encode_approval(struct unlock_approval *ap)
{
	struct wire_w w;

	wire_w_init(&w, APP_MAX);
	wire_bytes(&w, APP_MAGIC, 4);
	wire_u8(&w, APP_VERSION);
	wire_bytes(&w, ap->req_hash, UNLOCK_HASH_BYTES);
	wire_u8(&w, (uint8_t)ap->index);
	wire_u16(&w, (uint16_t)ap->pk->blob_len);
	wire_bytes(&w, ap->pk->blob, ap->pk->blob_len);
	wire_u32(&w, ap->nkeys);
	for (uint32_t j = 0; j < ap->nkeys; j++) {
		wire_bytes(&w, ap->D + (size_t)j * TSS_BYTES, TSS_BYTES);
		wire_bytes(&w, ap->proof + (size_t)j * TSS_PROOF_BYTES, TSS_PROOF_BYTES);
	}
	if (w.err != 0) {
		int e = w.err;

		wire_w_free(&w);
		return e;
	}
	ap->blob = w.p;
	ap->blob_len = w.len;
	return 0;
}

int
unlock_approve(const struct unlock_request *rq_in, const struct judicial_share *sh,
    struct unlock_approval **out, char **cause)
{
	struct unlock_approval *ap = NULL;
	struct unlock_request *rq = NULL;
	char *why = NULL;
	int ret;

	*out = NULL;
	/* Approve the bytes the hash covers, checked as a holder must. */
	if (rq_in->blob == NULL) {
		err_cause(cause, "the request is not encoded");
		return ERR_INVAL;
	}
	if ((ret = unlock_request_parse(rq_in->blob, rq_in->blob_len, &rq, &why)) < 0) {
		err_cause(cause, "%s", why ? why : err_str(ret));
		free(why);
		return ret;
	}
	if (sodium_memcmp(rq->key_id, sh->pk->key_id, JUDICIAL_KEY_ID_BYTES) != 0) {
		err_cause(cause, "the request is for faces sealed to another judicial key");
		ret = ERR_INVAL;
		goto fail;
	}
	ap = calloc(1, sizeof *ap);
	if (ap == NULL) {
		ret = ERR_NOMEM;
		goto fail;
	}
	memcpy(ap->req_hash, rq->hash, UNLOCK_HASH_BYTES);
	ap->index = sh->index;
	ap->nkeys = rq->nkeys;
	ap->D = malloc((size_t)rq->nkeys * TSS_BYTES + 1);
	ap->proof = malloc((size_t)rq->nkeys * TSS_PROOF_BYTES + 1);
	if (ap->D == NULL || ap->proof == NULL) {
		ret = ERR_NOMEM;
		goto fail;
	}
	if ((ret = judicial_pub_parse(sh->pk->blob, sh->pk->blob_len, &ap->pk, &why)) < 0)
		goto fail;
	for (uint32_t j = 0; j < rq->nkeys; j++) {
		uint8_t ctx[TSS_BYTES];

		proof_ctx(rq->hash, sh->index, j, ctx);
		ret = tss_partial(sh->secret, sh->pk->holder[sh->index - 1].pub,
		    rq->R + (size_t)j * TSS_BYTES, ctx, ap->D + (size_t)j * TSS_BYTES,
		    ap->proof + (size_t)j * TSS_PROOF_BYTES);
		if (ret < 0) {
			err_cause(cause, "request key %u is not a valid point", j + 1);
			goto fail;
		}
	}
	if ((ret = encode_approval(ap)) < 0)
		goto fail;
	free(why);
	unlock_request_free(&rq);
	*out = ap;
	return 0;
fail:
	free(why);
	unlock_request_free(&rq);
	unlock_approval_free(&ap);
	return ret;
}

int
unlock_approval_parse(const uint8_t *blob, size_t len, struct unlock_approval **out,
    char **cause)
{
	struct unlock_approval *ap;
	struct wire_r r;
	const uint8_t *p, *pub;
	size_t publen;
	int version, ret = ERR_CORRUPT;
	char *why = NULL;

	*out = NULL;
	ap = calloc(1, sizeof *ap);
	if (ap == NULL)
		return ERR_NOMEM;
	wire_r_init(&r, blob, len);
	p = wire_get(&r, 4);
	version = wire_get_u8(&r);
	if (p == NULL || memcmp(p, APP_MAGIC, 4) != 0) {
		err_cause(cause, "not an unlock approval");
		goto fail;
	}
	if (version != APP_VERSION) {
		err_cause(cause, "approval version %d (this camveil reads %d)", version,
		    APP_VERSION);
		goto fail;
	}
	p = wire_get(&r, UNLOCK_HASH_BYTES);
	if (p != NULL)
		memcpy(ap->req_hash, p, UNLOCK_HASH_BYTES);
	ap->index = wire_get_u8(&r);
	publen = wire_get_u16(&r);
	pub = wire_get(&r, publen);
	ap->nkeys = wire_get_u32(&r);
	if (r.err != 0 || ap->nkeys > UNLOCK_MAX_KEYS ||
	    (size_t)ap->nkeys * (TSS_BYTES + TSS_PROOF_BYTES) != len - r.off) {
		err_cause(cause, "approval is truncated or has extra bytes");
		goto fail;
	}
	if ((ret = judicial_pub_parse(pub, publen, &ap->pk, &why)) < 0) {
		err_cause(cause, "approval's judicial key: %s", why ? why : err_str(ret));
		goto fail;
	}
	ret = ERR_CORRUPT;
	if (ap->index < 1 || ap->index > ap->pk->n) {
		err_cause(cause, "approval names holder %d of a %d-holder key", ap->index, ap->pk->n);
		goto fail;
	}
	ap->D = malloc((size_t)ap->nkeys * TSS_BYTES + 1);
	ap->proof = malloc((size_t)ap->nkeys * TSS_PROOF_BYTES + 1);
	if (ap->D == NULL || ap->proof == NULL) {
		ret = ERR_NOMEM;
		goto fail;
	}
	for (uint32_t j = 0; j < ap->nkeys; j++) {
		p = wire_get(&r, TSS_BYTES);
		if (p != NULL)
			memcpy(ap->D + (size_t)j * TSS_BYTES, p, TSS_BYTES);
		p = wire_get(&r, TSS_PROOF_BYTES);
		if (p != NULL)
			memcpy(ap->proof + (size_t)j * TSS_PROOF_BYTES, p, TSS_PROOF_BYTES);
	}
	if (wire_r_done(&r) < 0) {
		err_cause(cause, "approval is truncated or has extra bytes");
		goto fail;
	}
	for (uint32_t j = 0; j < ap->nkeys; j++)
		if (!tss_point_ok(ap->D + (size_t)j * TSS_BYTES)) {
			err_cause(cause, "approval's partial decryption for key %u is not a valid "
			    "point", j + 1);
			goto fail;
		}
	ap->blob = malloc(len);
	if (ap->blob == NULL) {
		ret = ERR_NOMEM;
		goto fail;
	}
	memcpy(ap->blob, blob, len);
	ap->blob_len = len;
	free(why);
	*out = ap;
	return 0;
fail:
	free(why);
	unlock_approval_free(&ap);
	return ret;
}

void
unlock_approval_free(struct unlock_approval **ap)
{
	if (ap == NULL || *ap == NULL)
		return;
	judicial_pub_free(&(*ap)->pk);
	free((*ap)->D);
	free((*ap)->proof);
	free((*ap)->blob);
	free(*ap);
	*ap = NULL;
}

int
unlock_approval_save(const char *path, const struct unlock_approval *ap, char **cause)
{
	char comment[160];

	snprintf(comment, sizeof comment, "camveil unlock approval by %s (holder %d of %d), %u keys",
	    ap->pk->holder[ap->index - 1].name, ap->index, ap->pk->n, ap->nkeys);
	return armor_write(path, 0644, comment, ap->blob, ap->blob_len, cause);
}

int
unlock_approval_load(const char *path, struct unlock_approval **out, char **cause)
{
	uint8_t *blob;
	size_t len;
	char *why = NULL;
	int ret;

	*out = NULL;
	ret = armor_read(path, APP_MAX, &blob, &len, cause);
	if (ret < 0)
		return ret;
	ret = unlock_approval_parse(blob, len, out, &why);
	if (ret < 0)
		err_cause(cause, "%s: %s", path, why ? why : err_str(ret));
	free(why);
	free(blob);
	return ret;
}

int
unlock_combine(const struct unlock_request *rq, struct unlock_approval *const *ap, int nap,
    uint8_t **Zout, struct judicial_pub **pkout, int *used, char **cause)
{
	int idx[TSS_MAX_HOLDERS], pick[TSS_MAX_HOLDERS], k, npick = 0, ret;
	uint8_t *D = NULL, *Z = NULL;
	char *why = NULL;

	*Zout = NULL;
	*pkout = NULL;
	for (int a = 0; a < nap; a++)
		used[a] = 0;	/* fail closed: nothing counts as used until the end */
	if (nap < 1) {
		err_cause(cause, "no approvals");
		return ERR_AUTH;
	}
	for (int a = 0; a < nap; a++) {
		const struct unlock_approval *x = ap[a];

		if (sodium_memcmp(x->req_hash, rq->hash, UNLOCK_HASH_BYTES) != 0) {
			err_cause(cause, "approval %d is for another request (or the request was "
			    "altered after it was approved)", a + 1);
			return ERR_AUTH;
		}
		if (sodium_memcmp(x->pk->key_id, rq->key_id, JUDICIAL_KEY_ID_BYTES) != 0) {
			err_cause(cause, "approval %d is made with another judicial key", a + 1);
			return ERR_AUTH;
		}
		if (x->nkeys != rq->nkeys) {
			err_cause(cause, "approval %d answers %u keys, the request has %u",
			    a + 1, x->nkeys, rq->nkeys);
			return ERR_AUTH;
		}
		for (uint32_t j = 0; j < rq->nkeys; j++) {
			uint8_t ctx[TSS_BYTES];

			proof_ctx(rq->hash, x->index, j, ctx);
			if (tss_verify(x->pk->holder[x->index - 1].pub, rq->R + (size_t)j * TSS_BYTES,
			    x->D + (size_t)j * TSS_BYTES, ctx,
			    x->proof + (size_t)j * TSS_PROOF_BYTES) < 0) {
				err_cause(cause, "approval %d (holder %s): proof for key %u does not "
				    "verify: forged or altered", a + 1,
				    x->pk->holder[x->index - 1].name, j + 1);
				return ERR_AUTH;
			}
		}
	}
	k = ap[0]->pk->k;
	for (int a = 0; a < nap && npick < k; a++) {
		int dup = 0;

		for (int b = 0; b < npick; b++)
			if (idx[b] == ap[a]->index)
				dup = 1;
		if (dup)
			continue;
		idx[npick] = ap[a]->index;
		pick[npick++] = a;
	}
	if (npick < k) {
		err_cause(cause, "%d approval%s from distinct holders; the key needs %d",
		    npick, npick == 1 ? "" : "s", k);
		return ERR_AUTH;
	}
	D = malloc((size_t)k * TSS_BYTES);
	Z = sodium_malloc((size_t)rq->nkeys * TSS_BYTES + 1);
	if (D == NULL || Z == NULL) {
		ret = ERR_NOMEM;
		goto fail;
	}
	for (uint32_t j = 0; j < rq->nkeys; j++) {
		for (int b = 0; b < k; b++)
			memcpy(D + (size_t)b * TSS_BYTES, ap[pick[b]]->D + (size_t)j * TSS_BYTES,
			    TSS_BYTES);
		if ((ret = tss_combine(idx, D, k, Z + (size_t)j * TSS_BYTES)) < 0) {
			err_cause(cause, "approvals do not combine for key %u", j + 1);
			ret = ERR_AUTH;
			goto fail;
		}
	}
	if ((ret = judicial_pub_parse(ap[0]->pk->blob, ap[0]->pk->blob_len, pkout, &why)) < 0)
		goto fail;
	for (int b = 0; b < k; b++)
		used[pick[b]] = 1;
	sodium_memzero(D, (size_t)k * TSS_BYTES);
	free(D);
	free(why);
	*Zout = Z;
	return 0;
fail:
	if (D != NULL)
		sodium_memzero(D, (size_t)k * TSS_BYTES);
	free(D);
	free(why);
	sodium_free(Z);	/* wipes */
	return ret;
}
