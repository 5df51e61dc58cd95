/*
 * Parsing of option values shared by the command line and the config.
 */
#ifndef CAMVEIL_PARSE_H
#define CAMVEIL_PARSE_H

/* A size with optional k/M/G suffix (powers of 1000), e.g. "4M". -1 on error. */
long long parse_size(const char *s);

/* Encoder presets x264 and x265 share, NULL-terminated. */
extern const char *const parse_presets[];

/* 1 if s is one of parse_presets. */
int parse_is_preset(const char *s);

#endif
