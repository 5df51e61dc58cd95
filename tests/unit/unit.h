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

static inline int
unit_run(const char *group, const struct unit_list *l)
{
	return _cmocka_run_group_tests(group, l->t, l->n, NULL, NULL);
}

#endif
