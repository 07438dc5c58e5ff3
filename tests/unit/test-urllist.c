/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-urllist: --controller URL[,URL...] (lib/urllist.h): what parses
 * and what is refused with which message, table-driven; and the failover
 * rule: the next URL at once until a whole round failed, then back off;
 * an answer starts a new round; one URL backs off on every failure.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/urllist.h"
#include "lib/util.h"
#include "tests/unit/harness.h"

static void
test_parse_good(void)
{
	static const struct {
		const char *arg;
		const char *want; /* the URLs parsed, joined by '|' */
	} v[] = {
	    {"http://127.0.0.1:8470", "http://127.0.0.1:8470"},
	    {"https://ctl:8470/", "https://ctl:8470"},
	    {"http://a:1//", "http://a:1"},
	    {"http://a:1,http://b:2", "http://a:1|http://b:2"},
	    {"http://a:1, https://b:2/ ,\thttp://c",
	     "http://a:1|https://b:2|http://c"},
	    {"http://[::1]:8470,http://[fd00::2]:8470",
	     "http://[::1]:8470|http://[fd00::2]:8470"},
	    {"http://a/x,http://a/y", "http://a/x|http://a/y"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		struct urllist l;
		char err[256] = "", got[1024] = "";
		int r = urllist_parse(&l, v[i].arg, err, sizeof(err));

		CHECK_EQ(r, 0);
		if (r) {
			fprintf(stderr, "  '%s': %s\n", v[i].arg, err);
			continue;
		}
		for (size_t k = 0; k < l.n; k++) {
			if (k)
				strcat(got, "|");
			strcat(got, l.url[k]);
		}
		CHECK_STR(got, v[i].want);
		CHECK_EQ(l.cur, 0);
		CHECK_STR(urllist_current(&l), l.url[0]);
		urllist_uninit(&l);
		CHECK_EQ(l.n, 0);
	}
}

static void
test_parse_bad(void)
{
	static const struct {
		const char *arg;
		const char *err;
	} v[] = {
	    {"", "no URL given"},
	    {"  ", "no URL given"},
	    {"ftp://a", "'ftp://a' is not an http:// or https:// URL"},
	    {"127.0.0.1:8470", "'127.0.0.1:8470' is not an http:// or "
	                       "https:// URL"},
	    {"http://a,ctl:8470",
	     "'ctl:8470' is not an http:// or https:// URL"},
	    {"http://a, HTTP://b",
	     "'HTTP://b' is not an http:// or https:// URL"},
	    {"http://", "'http://' names no host"},
	    {"http://a,https:///", "'https:///' names no host"},
	    {"http://a,,http://b",
	     "URL 2 of 'http://a,,http://b' is empty (URLs are separated by "
	     "single commas)"},
	    {"http://a,", "URL 2 of 'http://a,' is empty (URLs are separated "
	                  "by single commas)"},
	    {",http://a", "URL 1 of ',http://a' is empty (URLs are separated "
	                  "by single commas)"},
	    {"http://a,http://b,http://a/", "'http://a' is given twice"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		struct urllist l;
		char err[256] = "";

		CHECK_EQ(urllist_parse(&l, v[i].arg, err, sizeof(err)),
		         -EINVAL);
		CHECK_STR(err, v[i].err);
		CHECK_EQ(l.n, 0);
	}
}

static void
test_parse_max(void)
{
	char arg[2048] = "", err[256] = "";
	struct urllist l;

	for (int i = 0; i < URLLIST_MAX; i++) {
		char one[64];

		snprintf(one, sizeof(one), "%shttp://c%d:8470", i ? "," : "",
		         i);
		strcat(arg, one);
	}
	CHECK_EQ(urllist_parse(&l, arg, err, sizeof(err)), 0);
	CHECK_EQ(l.n, URLLIST_MAX);
	CHECK_STR(l.url[URLLIST_MAX - 1], "http://c15:8470");
	urllist_uninit(&l);

	strcat(arg, ",http://c16:8470");
	CHECK_EQ(urllist_parse(&l, arg, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "more than 16 URLs: 'http://c16:8470' is number 17");
	CHECK_EQ(l.n, 0);
}

/* One URL: every failure is a whole round (back off), as before lists. */
static void
test_fail_one(void)
{
	struct urllist l;
	char err[256];

	CHECK_EQ(urllist_parse(&l, "http://a", err, sizeof(err)), 0);
	for (int i = 0; i < 3; i++) {
		CHECK(urllist_fail(&l));
		CHECK_EQ(l.cur, 0);
		CHECK(l.down);
	}
	CHECK_EQ(l.switches, 0);
	urllist_ok(&l);
	CHECK(!l.down);
	CHECK(urllist_fail(&l));
	urllist_uninit(&l);
}

/* Three URLs: the next at once twice, then back off; round robin. */
static void
test_fail_round(void)
{
	struct urllist l;
	char err[256];

	CHECK_EQ(
	    urllist_parse(&l, "http://a,http://b,http://c", err, sizeof(err)),
	    0);
	CHECK_STR(urllist_current(&l), "http://a");
	/* a fails: b at once; b fails: c at once; c fails: back off. */
	CHECK(!urllist_fail(&l));
	CHECK_STR(urllist_current(&l), "http://b");
	CHECK(!l.down);
	CHECK(!urllist_fail(&l));
	CHECK_STR(urllist_current(&l), "http://c");
	CHECK(urllist_fail(&l));
	CHECK(l.down);
	CHECK_STR(urllist_current(&l), "http://a");
	/* The next round: the same again, still down. */
	CHECK(!urllist_fail(&l));
	CHECK(!urllist_fail(&l));
	CHECK(urllist_fail(&l));
	CHECK(l.down);
	CHECK_EQ(l.switches, 6);
	/* a answers; later it fails: b at once, a new round. */
	urllist_ok(&l);
	CHECK(!l.down);
	CHECK(!urllist_fail(&l));
	CHECK_STR(urllist_current(&l), "http://b");
	/* b answers for a while, then fails: c, then a, at once; a fails
	 * too: back off, at b again. */
	urllist_ok(&l);
	CHECK(!urllist_fail(&l));
	CHECK_STR(urllist_current(&l), "http://c");
	CHECK(!urllist_fail(&l));
	CHECK_STR(urllist_current(&l), "http://a");
	CHECK(urllist_fail(&l));
	CHECK_STR(urllist_current(&l), "http://b");
	urllist_uninit(&l);
}

/* An answer in the middle of a round starts a new one: the failures
 * before it do not count. */
static void
test_ok_resets_round(void)
{
	struct urllist l;
	char err[256];

	CHECK_EQ(urllist_parse(&l, "http://a,http://b", err, sizeof(err)), 0);
	CHECK(!urllist_fail(&l)); /* a */
	urllist_ok(&l);           /* b answers */
	CHECK(!urllist_fail(&l)); /* b fails: a at once */
	CHECK_STR(urllist_current(&l), "http://a");
	CHECK(urllist_fail(&l)); /* a fails: the round (b, a) is over */
	CHECK_STR(urllist_current(&l), "http://b");
	urllist_uninit(&l);
}

const struct test_case tests[] = {
    TEST(test_parse_good),
    TEST(test_parse_bad),
    TEST(test_parse_max),
    TEST(test_fail_one),
    TEST(test_fail_round),
    TEST(test_ok_resets_round),
    {0},
};
