/*
 * sealcheck ORIG ENC REQ RESTORED: checks an unlock restore against the
 * original footage, pixel by pixel.
 *
 * ENC is ORIG anonymized in encrypt mode, REQ an unlock request for it,
 * RESTORED the output of `unlock restore ENC REQ ...`. The three videos
 * are decoded in lockstep; the seals ENC carries on each frame say where
 * the hidden regions are:
 *   in_scope    sealed regions REQ names; exact counts those whose pixels
 *               in RESTORED equal ORIG's exactly (all planes; pixels under
 *               an out-of-scope region of the same frame are excluded, as
 *               restore masks those again on purpose)
 *   out_scope   sealed regions REQ does not name; masked counts those that
 *               carry the mask in RESTORED on every pixel
 * Prints one JSON line. Exit 0 unless the files cannot be read or differ
 * in frame count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../blur/obscure.h"
#include "../../codecs/codecs.h"
#include "../../codecs/decode.h"
#include "../../codecs/demux.h"
#include "../../keys/seal.h"
#include "../../keys/unlock.h"
#include "../../util/err.h"
#include "vsrc.h"

#define MAXI 256

static int
inside(const struct rect *r, int x, int y)
{
	return x >= r->x && x < r->x + r->w && y >= r->y && y < r->y + r->h;
}

int
main(int argc, char **argv)
{
	struct src o, e, r;
	struct AVFrame *fo, *fe, *fr;
	struct unlock_request *rq = NULL;
	struct seal_item it[MAXI];
	struct rect outr[MAXI];
	char *cause = NULL;
	long long frames = 0, in_scope = 0, exact = 0, bad_px = 0, out_scope = 0, masked = 0;

	if (argc != 5) {
		fprintf(stderr, "usage: sealcheck ORIG ENC REQ RESTORED\n");
		return 2;
	}
	codecs_init();
	if (unlock_request_load(argv[3], &rq, &cause) < 0) {
		fprintf(stderr, "sealcheck: %s\n", cause);
		return 1;
	}
	if (src_open(&o, argv[1], 0, "sealcheck") < 0 || src_open(&e, argv[2], 1, "sealcheck") < 0 ||
	    src_open(&r, argv[4], 0, "sealcheck") < 0)
		return 1;
	fo = codecs_frame_alloc();
	fe = codecs_frame_alloc();
	fr = codecs_frame_alloc();
	for (;;) {
		int a = src_next(&o, fo), b = src_next(&e, fe), c = src_next(&r, fr), n, nb, nout = 0;
		struct sei_view v[MAXI];
		struct image io, ir;

		if (a == ERR_EOF && b == ERR_EOF && c == ERR_EOF)
			break;
		if (a != 0 || b != 0 || c != 0) {
			fprintf(stderr, "sealcheck: frame counts differ at frame %lld\n", frames);
			return 1;
		}
		frames++;
		codecs_frame_image(fo, &io);
		codecs_frame_image(fr, &ir);
		nb = codecs_frame_sei(fe, seal_uuid, v, MAXI);
		n = 0;
		for (int m = 0; m < nb; m++) {
			const uint8_t *d[SEAL_BUNDLE_MAX];
			size_t sz[SEAL_BUNDLE_MAX];
			int k = seal_unbundle(v[m].data, v[m].size, d, sz, SEAL_BUNDLE_MAX);

			for (int i = 0; i < k && n < MAXI; i++, n++)
				if (seal_item_parse(d[i], sz[i], &it[n]) < 0)
					it[n].r.w = 0;
		}
		for (int i = 0; i < n; i++)
			if (it[i].r.w > 0 && unlock_request_find(rq, it[i].ref) < 0)
				outr[nout++] = it[i].r;
		for (int i = 0; i < n; i++) {
			int in = it[i].r.w > 0 && unlock_request_find(rq, it[i].ref) >= 0;
			long long bad = 0;

			if (it[i].r.w == 0)
				continue;
			for (int pl = 0; pl < 3; pl++) {
				int sx = pl ? io.shift_x : 0, sy = pl ? io.shift_y : 0;
				int x0 = it[i].r.x >> sx, y0 = it[i].r.y >> sy;
				int x1 = (it[i].r.x + it[i].r.w + (1 << sx) - 1) >> sx;
				int y1 = (it[i].r.y + it[i].r.h + (1 << sy) - 1) >> sy;

				for (int y = y0; y < y1; y++)
					for (int x = x0; x < x1; x++) {
						uint8_t po = io.data[pl][(size_t)y * io.linesize[pl] + x];
						uint8_t pr = ir.data[pl][(size_t)y * ir.linesize[pl] + x];
						int skip = 0;

						if (in) {
							for (int k = 0; k < nout; k++)
								skip |= inside(&outr[k], x << sx, y << sy);
							if (!skip && po != pr)
								bad++;
						} else if (pr != (pl ? 128 : obscure_mask_luma(x, y))) {
							bad++;
						}
					}
			}
			if (in) {
				in_scope++;
				exact += bad == 0;
				bad_px += bad;
			} else {
				out_scope++;
				masked += bad == 0;
			}
		}
		codecs_frame_unref(fo);
		codecs_frame_unref(fe);
		codecs_frame_unref(fr);
	}
	printf("{\"frames\":%lld,\"in_scope\":%lld,\"exact\":%lld,\"mismatched_pixels\":%lld,"
	    "\"out_scope\":%lld,\"masked\":%lld}\n", frames, in_scope, exact, bad_px,
	    out_scope, masked);
	unlock_request_free(&rq);
	return 0;
}
