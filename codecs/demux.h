/*
 * Demuxing: open a file or URL with libavformat and read packets.
 */
#ifndef CAMVEIL_DEMUX_H
#define CAMVEIL_DEMUX_H

#include <stdint.h>

struct AVPacket;
struct AVStream;
struct AVFormatContext;
struct demux;

/*
 * Open url and probe its streams. On failure returns a negative error and
 * sets *cause (malloc'd) to a message naming url and the problem.
 */
int demux_open(const char *url, struct demux **out, char **cause);
void demux_free(struct demux **d);

/* Read the next packet into pkt (must be empty). 0, ERR_EOF or an error. */
int demux_read(struct demux *d, struct AVPacket *pkt);

/* Index of the stream camveil anonymizes (best video stream). */
int demux_video_index(const struct demux *d);
int demux_nb_streams(const struct demux *d);
struct AVStream *demux_stream(const struct demux *d, int index);
struct AVFormatContext *demux_context(const struct demux *d);
/* 1 if stream index is audio. */
int demux_is_audio(const struct demux *d, int index);
/* 1 if stream index holds pictures (video or attached cover art). */
int demux_is_video(const struct demux *d, int index);
/*
 * The video stream's bitstream format, for parsing its packets directly:
 * *hevc 1 for H.265, 0 for H.264, and its codec extradata (borrowed).
 * ERR_UNSUPPORTED for any other codec.
 */
int demux_video_format(const struct demux *d, int *hevc, const uint8_t **extradata,
    size_t *size);

/* Estimated number of video frames, or 0 if unknown. */
int64_t demux_frame_estimate(const struct demux *d);
/* Short description of stream index, e.g. "#1 audio aac". */
const char *demux_describe(const struct demux *d, int index, char *buf, int size);

#endif
