/*
 * Restoring sealed faces (see restore.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../blur/obscure.h"
#include "../util/err.h"
#include "restore.h"
#include "seal.h"

#define MAX_ITEMS 256

struct restore {
	const struct unlock_request *rq;
	const uint8_t *Z;
	const struct judicial_pub *pk;
	uint8_t *seen;		/* per request item */
	struct restore_stats st;
	struct seal_item it[MAX_ITEMS];
	int64_t req[MAX_ITEMS];	/* it[i]'s index in the request, -1 if not named */
};

int
restore_create(const struct unlock_request *rq, const uint8_t *Z, const struct judicial_pub *pk,
    struct restore **out)
{
	struct restore *r = calloc(1, sizeof *r);

	*out = NULL;
	if (r == NULL)
		return ERR_NOMEM;
	r->seen = calloc(rq->nitems + 1, 1);
	if (r->seen == NULL) {
		free(r);
		return ERR_NOMEM;
	}
	r->rq = rq;
	r->Z = Z;
	r->pk = pk;
	r->st.requested = rq->nitems;
	*out = r;
	return 0;
}

void
restore_free(struct restore **r)
{
	if (r == NULL || *r == NULL)
		return;
	free((*r)->seen);
	free(*r);
	*r = NULL;
}

static int
by_order_desc(const void *a, const void *b)
{
	const struct seal_item *x = a, *y = b;

	return (int)y->m.order - (int)x->m.order;
}

int
restore_frame(struct restore *r, struct image *img, const uint8_t *const *data,
    const size_t *size, int n, char *why, size_t whylen)
{
	int nit = 0, ret = 0;
	uint8_t key[32];

	if (n > MAX_ITEMS)
		n = MAX_ITEMS;
	for (int i = 0; i < n; i++) {
		if (seal_item_parse(data[i], size[i], &r->it[nit]) < 0) {
			r->st.corrupt++;
			continue;
		}
		nit++;
	}
	qsort(r->it, (size_t)nit, sizeof r->it[0], by_order_desc);
	for (int i = 0; i < nit; i++) {
		const struct seal_item *it = &r->it[i];
		int64_t k = unlock_request_find(r->rq, it->ref);

		r->req[i] = k;
		if (k < 0)
			continue;
		/* Same reference, same header, so the same R: unless the request
		 * was built in memory without unlock_request_parse's checks. */
		if (memcmp(it->R, r->rq->R + (size_t)r->rq->items[k].key * TSS_BYTES,
		    TSS_BYTES) != 0) {
			snprintf(why, whylen, "sealed face of track %u at %.3fs is named by the "
			    "request under another key", it->m.track, it->m.media_us / 1e6);
			return ERR_AUTH;
		}
		seal_item_key(it, r->Z + (size_t)r->rq->items[k].key * TSS_BYTES, r->pk->P, key);
		ret = seal_item_restore(it, key, img);
		sodium_memzero(key, sizeof key);
		if (ret < 0) {
			snprintf(why, whylen, "sealed face of track %u at %.3fs does not %s",
			    it->m.track, it->m.media_us / 1e6,
			    ret == ERR_AUTH ? "decrypt with these approvals (altered payload, "
			    "or approvals for another recording)" :
			    ret == ERR_INVAL ? "fit the decoded picture" : "decompress");
			return ret == ERR_NOMEM ? ret : ERR_AUTH;
		}
		if (!r->seen[k]) {
			r->seen[k] = 1;
			r->st.found++;
		}
		r->st.restored++;
	}
	/* Everything sealed and not named stays hidden, even where a restored
	 * region overlapped it. */
	for (int i = 0; i < nit; i++) {
		if (r->req[i] >= 0)
			continue;
		if (r->it[i].frame_w == img->width && r->it[i].frame_h == img->height)
			obscure_rect(img, r->it[i].r);
		r->st.masked++;
	}
	return 0;
}

void
restore_get_stats(const struct restore *r, struct restore_stats *st)
{
	*st = r->st;
}
