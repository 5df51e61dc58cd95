/*
 * The two clocks camveil reads: monotonic seconds for deadlines, pacing
 * and latency, and wall-clock microseconds for capture times (RTCP).
 */
#ifndef CAMVEIL_CLOCK_H
#define CAMVEIL_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC, seconds. */
double clock_mono(void);
/* CLOCK_REALTIME, microseconds since 1970. */
int64_t clock_wall_us(void);

#endif
