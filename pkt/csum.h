/* SPDX-License-Identifier: Apache-2.0 */
/*
 * csum: the Internet checksum (RFC 1071) and its incremental update
 * (RFC 1624: HC' = ~(~HC + ~m + m')).  Sums are 32-bit accumulators of
 * 16-bit big-endian words; csum_fold() gives the 16-bit one's complement
 * in host order, ready to store with htons().
 */
#ifndef PKT_CSUM_H
#define PKT_CSUM_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

uint32_t csum_add(uint32_t sum, const void *data, size_t len);
uint16_t csum_fold(uint32_t sum); /* ~(folded sum), host order */
/* Pseudo-header sums for TCP/UDP/ICMPv6 (len = upper-layer length). */
uint32_t csum_pseudo4(uint32_t be_src, uint32_t be_dst, uint8_t proto,
                      uint32_t len);
uint32_t csum_pseudo6(const struct in6_addr *src, const struct in6_addr *dst,
                      uint8_t proto, uint32_t len);
/* RFC 1624 updates of a stored checksum (all values host order). */
uint16_t csum_update16(uint16_t csum, uint16_t old16, uint16_t new16);
uint16_t csum_update32(uint16_t csum, uint32_t old32, uint32_t new32);
/* Verifies a region whose checksum field is included: true if valid. */
int csum_ok(uint32_t sum_including_field);

/* csum_add(0, h, 20) for an IPv4 header without options, inline for the
 * packet path (every frame's header is checked, every tunnel's written):
 * five native words, folded with end-around carries to 16 bits. */
static inline uint32_t
csum_ipv4_hdr20(const void *h)
{
	const uint8_t *p = h;
	uint64_t a, b, acc;
	uint32_t c;

	memcpy(&a, p, 8);
	memcpy(&b, p + 8, 8);
	memcpy(&c, p + 16, 4);
	acc = (a & 0xffffffff) + (a >> 32) + (b & 0xffffffff) + (b >> 32) + c;
	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	return ntohs((uint16_t)acc);
}

#endif
