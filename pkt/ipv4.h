/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipv4: the IPv4 wire header (RFC 791).  Fields are network order.
 * Protocol numbers are the system's IPPROTO_* from <netinet/in.h>.
 */
#ifndef PKT_IPV4_H
#define PKT_IPV4_H

#include <netinet/in.h>
#include <stdint.h>

#include "lib/util.h"

#define IPV4_HDR_LEN 20 /* without options */
#define IPV4_HDR_MAX 60
#define IPV4_FLAG_DF 0x4000 /* in frag_off, host order */
#define IPV4_FLAG_MF 0x2000
#define IPV4_FRAG_OFF_MASK 0x1fff /* in 8-byte units */
#define IPV4_ICMP_ERR_MAX 576     /* ICMP errors quote up to this total */

struct ipv4_hdr {
	uint8_t ver_ihl; /* version << 4 | header length in 32-bit words */
	uint8_t tos;
	uint16_t tot_len;  /* network order, header + payload */
	uint16_t id;       /* network order */
	uint16_t frag_off; /* network order, flags and offset */
	uint8_t ttl;
	uint8_t proto;
	uint16_t csum; /* network order, over the header only */
	uint32_t src;  /* network order */
	uint32_t dst;  /* network order */
} PACKED;
BUILD_ASSERT(sizeof(struct ipv4_hdr) == IPV4_HDR_LEN, "ipv4_hdr size");

#endif
