/* SPDX-License-Identifier: Apache-2.0 */
/*
 * csum: the Internet checksum.  The one's complement sum is independent
 * of byte order (RFC 1071 section 2(B)), so csum_add() sums native 64-bit
 * loads with end-around carry, folds, and swaps to big-endian word order
 * once at the end.  Sums returned are 32-bit accumulators that may
 * carry beyond 16 bits; csum_fold() folds and complements.
 */
#include "pkt/csum.h"

#include <arpa/inet.h>
#include <string.h>

/* Folds a 64-bit one's complement accumulator to 16 bits. */
static uint16_t
csum_fold64(uint64_t s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* a + b with the carry out added back in (one's complement). */
static inline uint64_t
add_c(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_add_overflow(a, b, &r) ? r + 1 : r;
}

/* Adds 'data' as big-endian 16-bit words; an odd last byte is padded with
 * a zero byte.  Only the last chunk of a chained sum may have odd length.
 * The sum runs in native word order: 'sum' joins it folded and swapped
 * (htons), the odd byte at its own address, and one fold and swap at the
 * end give it back in big-endian word order.  The bulk is native 64-bit
 * words with end-around carry into four independent sums (the add and
 * the carry of one step do not wait for the previous step's): about
 * twice the speed of 32-bit halves into one 64-bit sum. */
uint32_t
csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t a0, a1 = 0, a2 = 0, a3 = 0;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	a0 = htons((uint16_t)sum);
	while (len >= 32) {
		uint64_t w[4];

		memcpy(w, p, 32);
		a0 = add_c(a0, w[0]);
		a1 = add_c(a1, w[1]);
		a2 = add_c(a2, w[2]);
		a3 = add_c(a3, w[3]);
		p += 32;
		len -= 32;
	}
	a0 = add_c(add_c(a0, a1), add_c(a2, a3));
	while (len >= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		a0 = add_c(a0, v);
		p += 8;
		len -= 8;
	}
	/* Below 2^33 from here on: no carry is lost. */
	a0 = (a0 & 0xffffffff) + (a0 >> 32);
	if (len >= 4) {
		uint32_t v;

		memcpy(&v, p, 4);
		a0 += v;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t v;

		memcpy(&v, p, 2);
		a0 += v;
		p += 2;
		len -= 2;
	}
	if (len) {
		uint16_t v = 0;

		memcpy(&v, p, 1);
		a0 += v;
	}
	return ntohs(csum_fold64(a0));
}

uint16_t
csum_fold(uint32_t sum)
{
	return (uint16_t)~csum_fold64(sum);
}

uint32_t
csum_pseudo4(uint32_t be_src, uint32_t be_dst, uint8_t proto, uint32_t len)
{
	uint32_t s = ntohl(be_src), d = ntohl(be_dst);
	uint64_t acc;

	acc = (uint64_t)(s >> 16) + (s & 0xffff) + (d >> 16) + (d & 0xffff) +
	      proto + (len >> 16) + (len & 0xffff);
	return csum_fold64(acc);
}

uint32_t
csum_pseudo6(const struct in6_addr *src, const struct in6_addr *dst,
             uint8_t proto, uint32_t len)
{
	uint32_t sum;

	sum = csum_add(0, src, sizeof(*src));
	sum = csum_add(sum, dst, sizeof(*dst));
	return csum_fold64((uint64_t)sum + (len >> 16) + (len & 0xffff) +
	                   proto);
}

/*
 * RFC 1624 equation 3: HC' = ~(~HC + ~m + m').  An unchanged word leaves
 * the checksum alone, which also keeps the one case where equation 3 and
 * a full recomputation differ (all-zero data: 0x0000 vs 0xffff) out.
 */
uint16_t
csum_update16(uint16_t csum, uint16_t old16, uint16_t new16)
{
	uint64_t acc;

	if (old16 == new16)
		return csum;
	acc = (uint64_t)(uint16_t)~csum + (uint16_t)~old16 + new16;
	return (uint16_t)~csum_fold64(acc);
}

uint16_t
csum_update32(uint16_t csum, uint32_t old32, uint32_t new32)
{
	uint64_t acc;

	if (old32 == new32)
		return csum;
	acc = (uint64_t)(uint16_t)~csum + (uint16_t) ~(old32 >> 16) +
	      (uint16_t)~old32 + (new32 >> 16) + (new32 & 0xffff);
	return (uint16_t)~csum_fold64(acc);
}

int
csum_ok(uint32_t sum_including_field)
{
	return csum_fold(sum_including_field) == 0;
}
