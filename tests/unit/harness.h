/* SPDX-License-Identifier: Apache-2.0 */
/*
 * harness: the unit tests' tiny framework.  A test file defines
 *   static void test_xxx(void) { CHECK(cond); CHECK_EQ(a, b); ... }
 * and a table:
 *   const struct test_case tests[] = { TEST(test_xxx), ..., {0} };
 * The harness runs each case, counts a case failed if any CHECK in it
 * failed, and closes with the line "N passed, N failed".  Exit status is
 * non-zero when anything failed.  Argument: a case name runs just that one.
 */
#ifndef TESTS_UNIT_HARNESS_H
#define TESTS_UNIT_HARNESS_H

#include <stdbool.h>
#include <stdio.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};
#define TEST(f)                                                                \
	{                                                                      \
#f, f                                                          \
	}

extern const struct test_case tests[];
extern int harness_failures; /* CHECK failures in the running case */

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, \
			        __LINE__, #cond);                              \
			harness_failures++;                                    \
		}                                                              \
	} while (0)

#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		long long a_ = (long long)(a), b_ = (long long)(b);            \
		if (a_ != b_) {                                                \
			fprintf(stderr,                                        \
			        "%s:%d: CHECK_EQ failed: %s == %s "            \
			        "(%lld != %lld)\n",                            \
			        __FILE__, __LINE__, #a, #b, a_, b_);           \
			harness_failures++;                                    \
		}                                                              \
	} while (0)

#define CHECK_STR(a, b)                                                        \
	do {                                                                   \
		const char *a_ = (a), *b_ = (b);                               \
		if (!a_ || !b_ || strcmp(a_, b_)) {                            \
			fprintf(stderr,                                        \
			        "%s:%d: CHECK_STR failed: \"%s\" != "          \
			        "\"%s\"\n",                                    \
			        __FILE__, __LINE__, a_ ? a_ : "(null)",        \
			        b_ ? b_ : "(null)");                           \
			harness_failures++;                                    \
		}                                                              \
	} while (0)

#endif
