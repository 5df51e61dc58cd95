/*
 * Shared scaffolding for the cmocka unit tests: turns tables of named
 * cases into one cmocka test per row, so a failure names the case and
 * tests/run.sh counts every case.
 */
#ifndef CAMVEIL_TEST_UNIT_H
#define CAMVEIL_TEST_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#define UNIT_MAX_TESTS 256
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct unit_list {
	struct CMUnitTest t[UNIT_MAX_TESTS];
	size_t n;
};

/* Add one test; state (may be NULL) reaches the test as *state. */
static inline void
unit_add(struct unit_list *l, const char *name, CMUnitTestFunction fn, void *state)
{
	if (l->n >= UNIT_MAX_TESTS)
		abort();
	l->t[l->n++] = (struct CMUnitTest){
		.name = name, .test_func = fn, .initial_state = state,
	};
}

/* Add a test per row of a table whose rows start with `const char *name`. */
#define UNIT_TABLE(l, table, fn)						\
	do {									\
		for (size_t i_ = 0; i_ < NELEM(table); i_++)			\
			unit_add((l), (table)[i_].name, (fn), (void *)&(table)[i_]); \
	} while (0)

#define UNIT_TEST(l, fn) unit_add((l), #fn, (fn), NULL)

/* Value of the hex digit c, or -1. */
static inline int
unit_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode hex (spaces allowed) into a malloc'd buffer of exactly the
 * decoded bytes plus room more (for the caller to fill), so that the
 * sanitizer build catches any read past the end. Bad hex fails the test.
 */
static inline uint8_t *
unit_unhex_room(const char *s, size_t room, size_t *len)
{
	size_t digits = 0, n = 0;
	uint8_t *out;

	for (const char *p = s; *p != '\0'; p++)
		digits += *p != ' ';
	out = malloc(digits / 2 + room > 0 ? digits / 2 + room : 1);
	if (out == NULL)
		fail_msg("out of memory");
	while (*s != '\0') {
		int hi, lo;

		if (*s == ' ') {
			s++;
			continue;
		}
		hi = unit_hexval(s[0]);
		lo = s[1] != '\0' ? unit_hexval(s[1]) : -1;
		if (hi < 0 || lo < 0)
			fail_msg("bad hex in test table: %s", s);
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	*len = n;
	return out;
}

/* unit_unhex_room without room. */
static inline uint8_t *
unit_unhex(const char *s, size_t *len)
{
	return unit_unhex_room(s, 0, len);
}

static inline int
unit_run(const char *group, const struct unit_list *l)
{
	return _cmocka_run_group_tests(group, l->t, l->n, NULL, NULL);
}

#endif
