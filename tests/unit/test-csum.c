/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-csum: the Internet checksum against known vectors (RFC 1071's
 * example, a real IPv4 header, a real UDP datagram over IPv4 and an
 * ICMPv6 echo over IPv6), chaining and odd lengths against a naive
 * byte-by-byte oracle, and the RFC 1624 incremental updates against full
 * recomputation under seeded random cases.
 */
#include <arpa/inet.h>
#include <string.h>

#include "lib/util.h"
#include "pkt/csum.h"
#include "tests/unit/harness.h"

/* The oracle: 16-bit big-endian words, one at a time, folded at the end. */
static uint16_t
naive_csum(const uint8_t *p, size_t len)
{
	uint64_t s = 0;

	for (size_t i = 0; i < len; i += 2)
		s += (uint32_t)p[i] << 8 | (i + 1 < len ? p[i + 1] : 0);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint32_t rng_state = 0x2545f491;

static uint32_t
rng(void)
{
	uint32_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return rng_state = x;
}

/* RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2. */
static void
test_rfc1071(void)
{
	static const uint8_t d[] = {0x00, 0x01, 0xf2, 0x03,
	                            0xf4, 0xf5, 0xf6, 0xf7};

	CHECK_EQ(csum_fold(csum_add(0, d, sizeof(d))), (uint16_t)~0xddf2);
	CHECK_EQ(csum_fold(csum_add(0, d, sizeof(d))), 0x220d);
	CHECK_EQ(csum_fold(0), 0xffff);
	CHECK_EQ(csum_fold(0xffff), 0);
	CHECK_EQ(csum_fold(0x1fffe), 0);
	CHECK_EQ(csum_fold(0xffffffff), 0);
	CHECK(csum_ok(0xffff));
	CHECK(!csum_ok(0xfffe));
}

/* 45 00 00 73 00 00 40 00 40 11 [b8 61] c0 a8 00 01 c0 a8 00 c7 */
static void
test_ipv4_header(void)
{
	uint8_t h[] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
	               0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
	               0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};

	CHECK(csum_ok(csum_add(0, h, sizeof(h))));
	h[10] = h[11] = 0;
	CHECK_EQ(csum_fold(csum_add(0, h, sizeof(h))), 0xb861);
	h[10] = 0xb8;
	h[11] = 0x62;
	CHECK(!csum_ok(csum_add(0, h, sizeof(h))));
}

/* UDP 10.0.1.101:53001 -> 10.0.1.102:53 with a 12-byte DNS header, and
 * ICMPv6 echo fd00::101 -> fd00::102 id 0x4321 seq 5, 32 bytes of data
 * 0x10..0x2f; the checksums 0x0688 and 0x4e70 come from an independent
 * implementation. */
static void
test_pseudo(void)
{
	uint8_t udp[] = {0xcf, 0x09, 0x00, 0x35, 0x00, 0x14, 0x00,
	                 0x00, 0x12, 0x34, 0x01, 0x00, 0x00, 0x01,
	                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
	uint8_t icmp6[40] = {0x80, 0x00, 0x00, 0x00, 0x43, 0x21, 0x00, 0x05};
	struct in6_addr s6, d6;
	uint32_t sum;

	sum = csum_pseudo4(inet_addr("10.0.1.101"), inet_addr("10.0.1.102"),
	                   IPPROTO_UDP, sizeof(udp));
	CHECK_EQ(csum_fold(csum_add(sum, udp, sizeof(udp))), 0x0688);
	udp[6] = 0x06;
	udp[7] = 0x88;
	CHECK(csum_ok(csum_add(sum, udp, sizeof(udp))));

	for (int i = 0; i < 32; i++)
		icmp6[8 + i] = (uint8_t)(0x10 + i);
	inet_pton(AF_INET6, "fd00::101", &s6);
	inet_pton(AF_INET6, "fd00::102", &d6);
	sum = csum_pseudo6(&s6, &d6, IPPROTO_ICMPV6, sizeof(icmp6));
	CHECK_EQ(csum_fold(csum_add(sum, icmp6, sizeof(icmp6))), 0x4e70);
	/* Swapping source and destination leaves the pseudo-header sum. */
	CHECK_EQ(csum_fold(csum_pseudo6(&d6, &s6, IPPROTO_ICMPV6, 40)),
	         csum_fold(sum));
}

/* Every length 0..300 at every alignment, whole and chained in even
 * chunks, against the oracle. */
static void
test_lengths(void)
{
	uint8_t buf[320];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rng();
	for (size_t len = 0; len <= 300; len++) {
		for (size_t al = 0; al < 8; al++) {
			const uint8_t *p = buf + al;
			uint16_t want = naive_csum(p, len);
			size_t cut = (len / 2 / 3) * 2;
			uint32_t sum;

			CHECK_EQ(csum_fold(csum_add(0, p, len)), want);
			sum = csum_add(0, p, cut);
			sum = csum_add(sum, p + cut, len - cut);
			CHECK_EQ(csum_fold(sum), want);
		}
	}
	/* A jumbo frame of 0xff bytes cannot overflow the accumulator. */
	{
		static uint8_t big[65536];

		memset(big, 0xff, sizeof(big));
		CHECK_EQ(csum_fold(csum_add(0xffffffff, big, sizeof(big))), 0);
		CHECK_EQ(csum_fold(csum_add(0, big, sizeof(big))),
		         naive_csum(big, sizeof(big)));
	}
}

/* The inline 20-byte IPv4 header sum is csum_add's, for random headers,
 * all zeroes and all ones. */
static void
test_ipv4_hdr20(void)
{
	uint8_t h[24];

	for (int iter = 0; iter < 100000; iter++) {
		const uint8_t *p = h + iter % 4;

		for (size_t i = 0; i < sizeof(h); i++)
			h[i] = iter == 0   ? 0
			       : iter == 1 ? 0xff
			                   : (uint8_t)rng();
		CHECK_EQ(csum_ipv4_hdr20(p), csum_add(0, p, 20));
	}
}

/*
 * A 40-byte random "header" with its checksum at bytes 10..11: change a
 * random aligned 16- or 32-bit field, update the stored checksum, and
 * compare with recomputing from scratch.  Then the result must verify.
 */
static void
test_incremental(void)
{
	for (int iter = 0; iter < 200000; iter++) {
		uint8_t h[40];
		uint16_t csum, full, inc;
		size_t at;

		for (size_t i = 0; i < sizeof(h); i++)
			h[i] = (uint8_t)rng();
		/* Some cases with extreme values. */
		if (iter % 7 == 0)
			memset(h, iter % 14 ? 0xff : 0x00, sizeof(h) - 8);
		h[10] = h[11] = 0;
		csum = csum_fold(csum_add(0, h, sizeof(h)));
		h[10] = (uint8_t)(csum >> 8);
		h[11] = (uint8_t)csum;
		do {
			at = (rng() % (sizeof(h) / 2)) * 2;
		} while (at == 10 || at == 8);

		if (iter & 1) {
			uint16_t old16 = (uint16_t)(h[at] << 8 | h[at + 1]);
			uint16_t new16 = (uint16_t)rng();

			if (iter % 5 == 0)
				new16 = iter % 10 ? 0xffff : 0;
			h[at] = (uint8_t)(new16 >> 8);
			h[at + 1] = (uint8_t)new16;
			inc = csum_update16(csum, old16, new16);
		} else {
			uint32_t old32, new32 = rng();

			at &= ~(size_t)3;
			if (at == 8)
				at = 12;
			old32 = (uint32_t)h[at] << 24 |
			        (uint32_t)h[at + 1] << 16 |
			        (uint32_t)h[at + 2] << 8 | h[at + 3];
			h[at] = (uint8_t)(new32 >> 24);
			h[at + 1] = (uint8_t)(new32 >> 16);
			h[at + 2] = (uint8_t)(new32 >> 8);
			h[at + 3] = (uint8_t)new32;
			inc = csum_update32(csum, old32, new32);
		}
		h[10] = h[11] = 0;
		full = csum_fold(csum_add(0, h, sizeof(h)));
		if (inc != full)
			fprintf(stderr, "iter %d: inc %04x full %04x\n", iter,
			        inc, full);
		CHECK_EQ(inc, full);
		h[10] = (uint8_t)(inc >> 8);
		h[11] = (uint8_t)inc;
		CHECK(csum_ok(csum_add(0, h, sizeof(h))));
		if (harness_failures > 10)
			return;
	}
}

/* The TTL decrement case, as build_dec_ttl does it. */
static void
test_ttl_update(void)
{
	uint8_t h[] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
	               0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
	               0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
	uint16_t c = 0xb861;

	for (int ttl = 0x40; ttl > 0; ttl--) {
		c = csum_update16(c, (uint16_t)(ttl << 8 | 0x11),
		                  (uint16_t)((ttl - 1) << 8 | 0x11));
		h[8] = (uint8_t)(ttl - 1);
		h[10] = (uint8_t)(c >> 8);
		h[11] = (uint8_t)c;
		CHECK(csum_ok(csum_add(0, h, sizeof(h))));
	}
}

const struct test_case tests[] = {
    TEST(test_rfc1071),    TEST(test_ipv4_header),
    TEST(test_pseudo),     TEST(test_lengths),
    TEST(test_ipv4_hdr20), TEST(test_incremental),
    TEST(test_ttl_update), {0},
};
