/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipv6: the IPv6 wire header and the extension headers the parser walks
 * (RFC 8200).  Fields are network order.  Protocol and extension header
 * numbers are the system's IPPROTO_* from <netinet/in.h>.
 */
#ifndef PKT_IPV6_H
#define PKT_IPV6_H

#include <netinet/in.h>
#include <stdint.h>

#include "lib/util.h"

#define IPV6_HDR_LEN 40
#define IPV6_ICMP_ERR_MAX 1280    /* ICMPv6 errors quote up to this total */
#define IPV6_FRAG_OFF_MASK 0xfff8 /* in frag_off, host order */
#define IPV6_FRAG_MORE 0x0001

struct ipv6_hdr {
	uint32_t ver_tc_flow; /* network order: version(4) class(8) flow(20) */
	uint16_t payload_len; /* network order, after this header */
	uint8_t next;         /* first extension header or upper layer */
	uint8_t hop_limit;
	struct in6_addr src;
	struct in6_addr dst;
} PACKED;
BUILD_ASSERT(sizeof(struct ipv6_hdr) == IPV6_HDR_LEN, "ipv6_hdr size");

/* Hop-by-hop, routing and destination options: (len + 1) * 8 bytes. */
struct ipv6_ext_hdr {
	uint8_t next;
	uint8_t len;
} PACKED;
BUILD_ASSERT(sizeof(struct ipv6_ext_hdr) == 2, "ipv6_ext_hdr size");

struct ipv6_frag_hdr {
	uint8_t next;
	uint8_t reserved;
	uint16_t frag_off; /* network order: offset(13) res(2) M(1) */
	uint32_t id;       /* network order */
} PACKED;
BUILD_ASSERT(sizeof(struct ipv6_frag_hdr) == 8, "ipv6_frag_hdr size");

#endif
