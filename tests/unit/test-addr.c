/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-addr: the prefix arithmetic of lib/addr (ip_mask, ip_in_prefix,
 * ip_same_prefix) against a bit-by-bit oracle, under seeded random
 * IPv4-mapped and IPv6 addresses and every prefix length, and the inline
 * predicates on known values.
 */
#include <string.h>

#include "lib/addr.h"
#include "tests/unit/harness.h"

static uint32_t rng_state = 0x9e3779b9;

static uint32_t
rng(void)
{
	uint32_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return rng_state = x;
}

/* Bit 'i' (0 = most significant) of the 128-bit address. */
static int
bit(const struct in6_addr *a, int i)
{
	return a->s6_addr[i / 8] >> (7 - i % 8) & 1;
}

/* The oracle: equal in the first 'plen' bits of the family. */
static bool
oracle_same(const struct in6_addr *a, const struct in6_addr *b, int plen)
{
	int base = ip_is_v4(a) ? 96 : 0;

	if (ip_is_v4(a) != ip_is_v4(b))
		return false;
	for (int i = 0; i < base + plen; i++)
		if (bit(a, i) != bit(b, i))
			return false;
	return true;
}

static void
random_addr(struct in6_addr *a, bool v4)
{
	if (v4) {
		ip_set_v4(a, rng());
		return;
	}
	for (int i = 0; i < 16; i += 4) {
		uint32_t w = rng();

		memcpy(a->s6_addr + i, &w, 4);
	}
	a->s6_addr[10] ^= 0x01; /* never IPv4-mapped */
}

/* 'b' = 'a' with bit 'flip' (family terms) inverted, or 'a' if < 0. */
static void
flip_bit(const struct in6_addr *a, struct in6_addr *b, int flip, bool v4)
{
	*b = *a;
	if (flip >= 0) {
		int i = flip + (v4 ? 96 : 0);

		b->s6_addr[i / 8] ^= (uint8_t)(0x80 >> (i % 8));
	}
}

static void
test_same_prefix_and_mask(void)
{
	for (int iter = 0; iter < 20000; iter++) {
		bool v4 = iter % 2;
		int max = v4 ? 32 : 128,
		    plen = (int)(rng() % (unsigned)(max + 1));
		int flip = (int)(rng() % (unsigned)(max + 1)) - 1;
		struct in6_addr a, b, m, want;
		bool same;

		random_addr(&a, v4);
		flip_bit(&a, &b, flip < max ? flip : -1, v4);
		same = oracle_same(&a, &b, plen);
		CHECK_EQ(ip_same_prefix(&a, &b, plen), same);
		CHECK_EQ(ip_same_prefix(&b, &a, plen), same);
		/* ip_mask keeps exactly the first plen bits */
		m = a;
		ip_mask(&m, plen);
		want = a;
		for (int i = (v4 ? 96 : 0) + plen; i < 128; i++)
			want.s6_addr[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
		CHECK(ip_equal(&m, &want));
		/* ip_in_prefix against the masked prefix agrees */
		CHECK_EQ(ip_in_prefix(&b, &m, plen), same);
	}
}

static void
test_families(void)
{
	struct in6_addr a, b;

	ip_parse("10.1.2.3", &a);
	ip_parse("::a01:203", &b); /* the same low 32 bits, IPv6 */
	CHECK(!ip_same_prefix(&a, &b, 0));
	CHECK(!ip_in_prefix(&a, &b, 0));
	CHECK(ip_same_prefix(&a, &a, 32));
	ip_parse("10.1.255.255", &b);
	CHECK(ip_same_prefix(&a, &b, 16));
	CHECK(!ip_same_prefix(&a, &b, 17));
	CHECK(ip_is_v4(&a) && !ip_is_unspec(&a));
	ip_parse("0.0.0.0", &a);
	CHECK(ip_is_unspec(&a));
	ip_parse("::", &a);
	CHECK(ip_is_unspec(&a) && !ip_is_v4(&a));
}

static void
test_eth(void)
{
	struct eth_addr a, b;

	CHECK_EQ(eth_parse("60:00:60:00:01:01", &a), 0);
	CHECK_EQ(eth_parse("600060000101", &b), 0);
	CHECK(eth_equal(&a, &b));
	CHECK(!eth_is_multicast(&a) && !eth_is_zero(&a));
	b.b[5] ^= 1;
	CHECK(!eth_equal(&a, &b));
	CHECK_EQ(eth_parse("ff-ff-ff-ff-ff-ff", &a), 0);
	CHECK(eth_is_broadcast(&a) && eth_is_multicast(&a));
	memset(&a, 0, sizeof(a));
	CHECK(eth_is_zero(&a));
}

const struct test_case tests[] = {
    TEST(test_same_prefix_and_mask),
    TEST(test_families),
    TEST(test_eth),
    {0},
};
