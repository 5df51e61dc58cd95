/*
 * Option value parsing shared by `camveil anonymize` and the config file.
 */
#include <stdlib.h>
#include <string.h>

#include "parse.h"

long long
parse_size(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v < 0)
		return -1;
	switch (*end) {
	case 'k': case 'K': v *= 1e3; end++; break;
	case 'm': case 'M': v *= 1e6; end++; break;
	case 'g': case 'G': v *= 1e9; end++; break;
	}
	if (*end != '\0' || v > 9e18)
		return -1;
	return (long long)v;
}

const char *const parse_presets[] = { "ultrafast", "superfast", "veryfast",
    "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo", NULL };

int
parse_is_preset(const char *s)
{
	for (int i = 0; parse_presets[i] != NULL; i++)
		if (strcmp(s, parse_presets[i]) == 0)
			return 1;
	return 0;
}
