/* SPDX-License-Identifier: Apache-2.0 */
/* harness: runs the 'tests' table of one unit test program. */
#include "tests/unit/harness.h"

#include <string.h>

int harness_failures;

int
main(int argc, char **argv)
{
	int passed = 0, failed = 0;

	for (const struct test_case *t = tests; t->name; t++) {
		if (argc > 1 && strcmp(argv[1], t->name))
			continue;
		harness_failures = 0;
		t->fn();
		if (harness_failures) {
			fprintf(stderr, "FAIL %s\n", t->name);
			failed++;
		} else {
			passed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
