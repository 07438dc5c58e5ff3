/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-lpm: the longest-prefix-match trie against a naive linear oracle
 * (an array of prefixes; lookup = the longest one that matches) under
 * seeded random inserts, removes and lookups, in the manner of
 * WireGuard's allowedips self-test; plus a few table-driven cases.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "policy/lpm.h"
#include "tests/unit/harness.h"

static uint64_t rng_state;

static uint64_t
rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static struct in6_addr
addr(const char *s)
{
	struct in6_addr a;

	if (ip_parse(s, &a))
		abort();
	return a;
}

static void *
val(int i)
{
	return (void *)(uintptr_t)i;
}

static void
test_lpm_basic(void)
{
	struct lpm *t = lpm_create();
	struct in6_addr a = addr("10.0.1.7"), p;
	void *old = NULL;
	int plen = -1;

	CHECK(lpm_lookup(t, &a) == NULL);
	p = addr("0.0.0.0");
	CHECK_EQ(lpm_insert(t, &p, 96, val(1), NULL), 0);
	CHECK(lpm_lookup(t, &a) == val(1));
	p = addr("10.0.0.0");
	CHECK_EQ(lpm_insert(t, &p, 96 + 8, val(2), NULL), 0);
	p = addr("10.0.1.0");
	CHECK_EQ(lpm_insert(t, &p, 96 + 24, val(3), NULL), 0);
	CHECK(lpm_lookup_plen(t, &a, &plen) == val(3));
	CHECK_EQ(plen, 120);
	a = addr("10.0.2.7");
	CHECK(lpm_lookup(t, &a) == val(2));
	a = addr("11.0.0.1");
	CHECK(lpm_lookup(t, &a) == val(1));
	/* IPv6 addresses are outside ::ffff:0:0/96 */
	a = addr("2001:db8::1");
	CHECK(lpm_lookup(t, &a) == NULL);
	/* replace */
	p = addr("10.0.1.0");
	CHECK_EQ(lpm_insert(t, &p, 120, val(4), &old), 1);
	CHECK(old == val(3));
	CHECK_EQ(lpm_count(t), 3);
	/* host bits are ignored */
	p = addr("10.0.1.99");
	CHECK(lpm_lookup_exact(t, &p, 120) == val(4));
	CHECK(lpm_lookup_exact(t, &p, 121) == NULL);
	/* bad arguments */
	CHECK_EQ(lpm_insert(t, &p, 129, val(5), NULL), -EINVAL);
	CHECK_EQ(lpm_insert(t, &p, -1, val(5), NULL), -EINVAL);
	CHECK_EQ(lpm_insert(t, &p, 64, NULL, NULL), -EINVAL);
	CHECK_EQ(lpm_remove(t, &p, 129, NULL), -ENOENT);
	CHECK_EQ(lpm_remove(t, &p, 119, NULL), -ENOENT);
	CHECK_EQ(lpm_remove(t, &p, 120, &old), 0);
	CHECK(old == val(4));
	a = addr("10.0.1.7");
	CHECK(lpm_lookup(t, &a) == val(2));
	/* the whole-space default and a host route */
	p = addr("::");
	CHECK_EQ(lpm_insert(t, &p, 0, val(6), NULL), 0);
	a = addr("2001:db8::1");
	CHECK(lpm_lookup(t, &a) == val(6));
	p = addr("2001:db8::1");
	CHECK_EQ(lpm_insert(t, &p, 128, val(7), NULL), 0);
	CHECK(lpm_lookup_plen(t, &a, &plen) == val(7));
	CHECK_EQ(plen, 128);
	a = addr("2001:db8::2");
	CHECK(lpm_lookup(t, &a) == val(6));
	CHECK_EQ(lpm_count(t), 4);
	lpm_destroy(t);
	lpm_destroy(NULL);
}

/* Every length 0..128 along one address: the deepest possible chain. */
static void
test_lpm_nested(void)
{
	struct in6_addr a = addr("2001:db8:1234:5678:9abc:def0:1357:9bdf");
	struct lpm *t = lpm_create();
	int plen;

	for (int i = 128; i >= 0; i -= 2)
		CHECK_EQ(lpm_insert(t, &a, i, val(i + 1), NULL), 0);
	for (int i = 1; i <= 128; i += 2)
		CHECK_EQ(lpm_insert(t, &a, i, val(i + 1), NULL), 0);
	CHECK_EQ(lpm_count(t), 129);
	for (int i = 128; i >= 0; i--) {
		CHECK(lpm_lookup_plen(t, &a, &plen) == val(i + 1));
		CHECK_EQ(plen, i);
		CHECK_EQ(lpm_remove(t, &a, i, NULL), 0);
	}
	CHECK(lpm_lookup(t, &a) == NULL);
	CHECK_EQ(lpm_count(t), 0);
	for (int i = 0; i <= 128; i++)
		CHECK_EQ(lpm_insert(t, &a, i, val(i + 1), NULL), 0);
	for (int i = 0; i < 128; i++) {
		CHECK_EQ(lpm_remove(t, &a, i, NULL), 0);
		CHECK(lpm_lookup(t, &a) == val(129));
	}
	lpm_destroy(t); /* with one entry left: no leak under ASan */
}

/* The oracle. */
struct oracle_ent {
	struct in6_addr pfx; /* masked */
	int plen;            /* 0..128 */
	int value;
};

struct oracle {
	struct oracle_ent *e;
	size_t n, cap;
};

static void
mask128(struct in6_addr *a, int plen)
{
	for (int i = 0; i < 16; i++) {
		int keep = plen - i * 8;

		if (keep < 8)
			a->s6_addr[i] &=
			    keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
	}
}

static bool
in128(const struct in6_addr *a, const struct in6_addr *pfx, int plen)
{
	struct in6_addr m = *a;

	mask128(&m, plen);
	return !memcmp(&m, pfx, 16);
}

static struct oracle_ent *
oracle_find(struct oracle *o, const struct in6_addr *pfx, int plen)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->e[i].plen == plen && !memcmp(&o->e[i].pfx, pfx, 16))
			return &o->e[i];
	return NULL;
}

static int
oracle_lookup(const struct oracle *o, const struct in6_addr *a, int *plen)
{
	int best = -1, v = 0;

	for (size_t i = 0; i < o->n; i++)
		if (o->e[i].plen > best &&
		    in128(a, &o->e[i].pfx, o->e[i].plen)) {
			best = o->e[i].plen;
			v = o->e[i].value;
		}
	*plen = best;
	return v;
}

/* Random prefixes cluster around a few bases so that they nest, share
 * long common runs and collide; 'v4' keeps them in ::ffff:0:0/96. */
static struct in6_addr bases[8];

static void
random_addr(struct in6_addr *a, bool v4)
{
	*a = bases[rng() % 8];
	/* flip a few random bits past the base's "network" part */
	for (int i = rng() % 4; i > 0; i--) {
		int bit = v4 ? 96 + (int)(rng() % 32) : (int)(rng() % 128);

		a->s6_addr[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
	}
	if (rng() % 8 == 0) {
		for (int i = v4 ? 12 : 0; i < 16; i++)
			a->s6_addr[i] = (uint8_t)rng();
	}
}

static int
random_plen(bool v4)
{
	static const int v4_common[] = {0, 8, 16, 24, 31, 32};
	static const int v6_common[] = {0, 32, 48, 64, 127, 128};
	int r = (int)(rng() % 4);

	if (r == 0)
		return v4 ? 96 + v4_common[rng() % 6] : v6_common[rng() % 6];
	return v4 ? 96 + (int)(rng() % 33) : (int)(rng() % 129);
}

static void
run_random(uint64_t seed, int mode, int ops)
{
	struct oracle o = {0};
	struct lpm *t = lpm_create();
	int next_value = 1;
	long bad = 0;

	rng_state = seed;
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		bool v4 = mode == 0 || (mode == 2 && i % 2);

		memset(&bases[i], 0, 16);
		for (int j = 0; j < 16; j++)
			bases[i].s6_addr[j] = (uint8_t)rng();
		if (v4) {
			memset(&bases[i], 0, 10);
			bases[i].s6_addr[10] = bases[i].s6_addr[11] = 0xff;
		}
	}
	for (int op = 0; op < ops; op++) {
		bool v4 = mode == 0 || (mode == 2 && rng() % 2);
		int r = (int)(rng() % 100), plen, oplen, got_plen;
		struct in6_addr a;
		struct oracle_ent *e;
		void *old = NULL, *got;

		random_addr(&a, v4);
		plen = random_plen(v4);
		mask128(&a, plen);
		e = oracle_find(&o, &a, plen);
		if (r < 40) {
			int v = next_value++;
			int rc = lpm_insert(t, &a, plen, val(v), &old);

			if (e) {
				bad += rc != 1 || old != val(e->value);
				e->value = v;
			} else {
				bad += rc != 0;
				if (o.n == o.cap) {
					o.cap = o.cap ? o.cap * 2 : 64;
					o.e =
					    realloc(o.e, o.cap * sizeof(*o.e));
				}
				o.e[o.n++] = (struct oracle_ent){a, plen, v};
			}
		} else if (r < 65) {
			/* removals hit present and absent prefixes alike */
			int rc = lpm_remove(t, &a, plen, &old);

			if (e) {
				bad += rc != 0 || old != val(e->value);
				*e = o.e[--o.n];
			} else {
				bad += rc != -ENOENT;
			}
		} else if (r < 70) {
			got = lpm_lookup_exact(t, &a, plen);
			bad += got != (e ? val(e->value) : NULL);
		} else {
			/* lookups of addresses inside and around prefixes */
			random_addr(&a, v4);
			got_plen = -7;
			got = lpm_lookup_plen(t, &a, &got_plen);
			int v = oracle_lookup(&o, &a, &oplen);
			if (oplen < 0) {
				bad += got != NULL || got_plen != -7;
			} else {
				bad += got != val(v) || got_plen != oplen;
			}
		}
		bad += lpm_count(t) != o.n;
	}
	CHECK_EQ(bad, 0);
	/* empty it in random order */
	while (o.n) {
		size_t i = rng() % o.n;

		CHECK_EQ(lpm_remove(t, &o.e[i].pfx, o.e[i].plen, NULL), 0);
		o.e[i] = o.e[--o.n];
	}
	CHECK_EQ(lpm_count(t), 0);
	lpm_destroy(t);
	free(o.e);
}

static void
test_lpm_random_v4(void)
{
	for (uint64_t seed = 1; seed <= 4; seed++)
		run_random(seed * 0x9e3779b97f4a7c15ull, 0, 20000);
}

static void
test_lpm_random_v6(void)
{
	for (uint64_t seed = 1; seed <= 4; seed++)
		run_random(seed * 0xbf58476d1ce4e5b9ull, 1, 20000);
}

static void
test_lpm_random_mixed(void)
{
	for (uint64_t seed = 1; seed <= 4; seed++)
		run_random(seed * 0x94d049bb133111ebull, 2, 20000);
}

/* Destroying a full table frees every node (checked by ASan). */
static void
test_lpm_destroy_full(void)
{
	struct lpm *t = lpm_create();
	struct in6_addr a;

	rng_state = 42;
	for (int i = 0; i < 5000; i++) {
		for (int j = 0; j < 16; j++)
			a.s6_addr[j] = (uint8_t)rng();
		lpm_insert(t, &a, (int)(rng() % 129), val(i + 1), NULL);
	}
	CHECK(lpm_count(t) > 4000);
	lpm_destroy(t);
}

const struct test_case tests[] = {
    TEST(test_lpm_basic),
    TEST(test_lpm_nested),
    TEST(test_lpm_random_v4),
    TEST(test_lpm_random_v6),
    TEST(test_lpm_random_mixed),
    TEST(test_lpm_destroy_full),
    {0},
};
