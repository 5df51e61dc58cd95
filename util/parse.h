/*
 * Parsing of option values shared by the command line and the config.
 */
#ifndef CAMVEIL_PARSE_H
#define CAMVEIL_PARSE_H

/* A size with optional k/M/G suffix (powers of 1000), e.g. "4M". -1 on error. */
long long parse_size(const char *s);

#endif
