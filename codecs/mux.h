/*
 * Muxing to a file: the anonymized video stream plus streams copied from
 * the input. Output is written to a temporary name beside the target and
 * renamed only when complete, so a failed run never leaves a file that
 * looks finished.
 */
#ifndef CAMVEIL_MUX_H
#define CAMVEIL_MUX_H

struct AVPacket;
struct AVStream;
struct demux;
struct encode;
struct mux;

/*
 * Prepare to write path; the container comes from its extension. Fails
 * (naming path) if the extension is unknown or the directory unwritable.
 */
int mux_open(const char *path, struct mux **out, char **cause);
/* Frees; if mux_finish did not succeed, the temporary file is removed. */
void mux_free(struct mux **m);

/* 1 if this container needs codec extradata in a global header. */
int mux_global_header(const struct mux *m);

/* Add the encoded video stream; returns the output stream index. */
int mux_add_encoded(struct mux *m, const struct encode *e, const struct AVStream *in);
/*
 * Add a stream copied from the input unchanged; returns the output index,
 * or ERR_UNSUPPORTED if the container cannot hold that codec.
 */
int mux_add_copy(struct mux *m, const struct AVStream *in);

/* Write the header, with container metadata copied from src. */
int mux_start(struct mux *m, const struct demux *src, char **cause);

/*
 * Write pkt (consumed: its references are taken) to output stream index,
 * its timestamps given in time base of src_tb_stream.
 */
int mux_write(struct mux *m, int index, struct AVPacket *pkt,
    const struct AVStream *src_tb_stream);
/* Same, with timestamps in the encoder's time base. */
int mux_write_encoded(struct mux *m, int index, struct AVPacket *pkt,
    const struct encode *e);

/* Write the trailer, close, and rename into place. */
int mux_finish(struct mux *m, char **cause);

#endif
