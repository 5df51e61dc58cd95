/*
 * Restoring faces from a recording under an approved unlock request:
 * per frame, the sealed regions the request names are decrypted and
 * written back over their mask, newest seal first (a later seal may hold
 * an earlier region's mask); every sealed region the request does not
 * name is then masked again, so a restored face that overlapped another
 * person never reveals them.
 */
#ifndef CAMVEIL_RESTORE_H
#define CAMVEIL_RESTORE_H

#include <stddef.h>
#include <stdint.h>

#include "../util/image.h"
#include "judicial.h"
#include "unlock.h"

struct restore;

struct restore_stats {
	int64_t restored;	/* regions decrypted and written back */
	int64_t masked;		/* sealed regions out of scope, masked */
	int64_t corrupt;	/* payloads that did not parse (masked nothing) */
	uint32_t found;		/* distinct requested items seen */
	uint32_t requested;	/* items in the request */
};

/*
 * Z: the combined secrets for rq's keys (from unlock_combine; borrowed,
 * must outlive the restore). pk: the judicial key (borrowed).
 */
int restore_create(const struct unlock_request *rq, const uint8_t *Z,
    const struct judicial_pub *pk, struct restore **out);
void restore_free(struct restore **r);

/*
 * Restore one frame carrying n sealed payloads. ERR_AUTH (fail closed,
 * with why) if a requested item does not decrypt: the approvals do not
 * belong to this recording.
 */
int restore_frame(struct restore *r, struct image *img, const uint8_t *const *data,
    const size_t *size, int n, char *why, size_t whylen);

void restore_get_stats(const struct restore *r, struct restore_stats *st);

#endif
