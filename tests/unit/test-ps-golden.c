/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-ps-golden: runs every tests/golden/ps/NAME.ps1 through hnvctl ps's
 * parser and executor against the in-memory fake agent (ps-fake.h) and
 * compares stdout+stderr with NAME.ok.  Scripts named err-*.ps1 must fail
 * (exit status 1), the others must succeed.  With GOLDEN_REFRESH=1 in the
 * environment the .ok files are rewritten instead (make golden-refresh).
 * Paths are relative to the repository root, where the tests run.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"
#include "tests/unit/ps-fake.h"

#define GOLDEN_DIR "tests/golden/ps"

static char *
read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			cap = 2 * (n + 4096 + 1);
			buf = xrealloc(buf, cap);
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Prints where 'got' first differs from 'want'. */
static void
show_diff(const char *name, const char *want, const char *got)
{
	int line = 1;

	while (*want && *want == *got) {
		if (*want == '\n')
			line++;
		want++;
		got++;
	}
	while (line > 1 && want[-1] != '\n') {
		want--;
		got--;
	}
	fprintf(stderr, "golden %s: differs at line %d\n-%.*s\n+%.*s\n", name,
	        line, (int)strcspn(want, "\n"), want, (int)strcspn(got, "\n"),
	        got);
}

static bool
run_one(const char *name, bool refresh)
{
	char *path = xasprintf("%s/%s", GOLDEN_DIR, name);
	char *ok_path = xasprintf("%.*s.ok", (int)(strlen(path) - 4), path);
	char *text, *out = NULL, *want;
	size_t len, want_len;
	struct fake *fk = fake_create();
	bool pass = true;
	int status, want_status = !strncmp(name, "err-", 4);

	text = read_all(path, &len);
	if (!text) {
		fprintf(stderr, "golden %s: cannot read\n", path);
		pass = false;
		goto out;
	}
	status = fake_run(fk, name, text, len, &out);
	if (status != want_status) {
		fprintf(stderr, "golden %s: exit status %d, expected %d\n%s",
		        name, status, want_status, out);
		pass = false;
	}
	if (refresh) {
		FILE *f = fopen(ok_path, "w");

		if (!f || fputs(out, f) < 0 || fclose(f) != 0) {
			perror(ok_path);
			pass = false;
		}
		goto out;
	}
	want = read_all(ok_path, &want_len);
	if (!want) {
		fprintf(stderr,
		        "golden %s: no %s (GOLDEN_REFRESH=1 makes "
		        "it)\n",
		        name, ok_path);
		pass = false;
	} else if (strcmp(want, out)) {
		show_diff(name, want, out);
		pass = false;
	}
	free(want);
out:
	free(text);
	free(out);
	free(path);
	free(ok_path);
	fake_destroy(fk);
	return pass;
}

static void
test_golden(void)
{
	const char *env = getenv("GOLDEN_REFRESH");
	bool refresh = env && !strcmp(env, "1");
	DIR *d = opendir(GOLDEN_DIR);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;

	CHECK(d != NULL);
	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l > 4 && !strcmp(de->d_name + l - 4, ".ps1")) {
			names = xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = xstrdup(de->d_name);
		}
	}
	closedir(d);
	CHECK(n > 0);
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		bool pass = run_one(names[i], refresh);

		CHECK(pass);
		free(names[i]);
	}
	free(names);
}

const struct test_case tests[] = {
    TEST(test_golden),
    {0},
};
