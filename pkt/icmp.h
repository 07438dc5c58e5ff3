/* SPDX-License-Identifier: Apache-2.0 */
/*
 * icmp: ICMP (RFC 792), ICMPv6 (RFC 4443) and neighbour discovery
 * (RFC 4861) wire headers.  Fields are network order.  Message types and
 * option numbers are the system's: ICMP_ECHO, ICMP_TIME_EXCEEDED ... from
 * <netinet/ip_icmp.h>, ICMP6_ECHO_REQUEST, ND_NEIGHBOR_SOLICIT,
 * ND_OPT_SOURCE_LINKADDR, ND_NA_FLAG_* ... from <netinet/icmp6.h>.
 * (Those headers define macros such as icmp_id and icmp6_seq, hence the
 * plain member names below.)
 */
#ifndef PKT_ICMP_H
#define PKT_ICMP_H

#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/util.h"

#define ICMP_HDR_LEN 8 /* type, code, checksum and 4 type-specific bytes */

/* ICMPv4: echo (id, seq), errors (unused or next-hop MTU). */
struct icmp_hdr {
	uint8_t type;
	uint8_t code;
	uint16_t csum; /* network order, over the whole message */
	uint16_t id;   /* network order (echo) */
	uint16_t seq;  /* network order (echo) */
} PACKED;
BUILD_ASSERT(sizeof(struct icmp_hdr) == ICMP_HDR_LEN, "icmp_hdr size");

/* ICMPv6; the checksum covers the IPv6 pseudo-header too.  (The trailing
 * underscore keeps clear of <netinet/icmp6.h>'s struct icmp6_hdr.) */
struct icmp6_hdr_ {
	uint8_t type;
	uint8_t code;
	uint16_t csum; /* network order */
	uint32_t data; /* network order: echo id/seq, MTU, pointer, ... */
} PACKED;
BUILD_ASSERT(sizeof(struct icmp6_hdr_) == ICMP_HDR_LEN, "icmp6_hdr_ size");

/* Neighbour solicitation and advertisement: the ICMPv6 header (whose
 * 'data' is reserved, or the NA flags), the target, then options. */
#define ND_NSNA_LEN 24
#define ND_RS_LEN 8
#define ND_RA_LEN 16
#define ND_REDIRECT_LEN 40
#define ND_OPT_UNIT 8 /* option lengths count 8-byte units */

struct nd_nsna {
	struct icmp6_hdr_ icmp6;
	struct in6_addr target;
} PACKED;
BUILD_ASSERT(sizeof(struct nd_nsna) == ND_NSNA_LEN, "nd_nsna size");

/* Source/target link-layer address option for Ethernet (length 1). */
struct nd_opt_lladdr {
	uint8_t type; /* ND_OPT_SOURCE_LINKADDR or ND_OPT_TARGET_LINKADDR */
	uint8_t len;  /* 1 */
	struct eth_addr addr;
} PACKED;
BUILD_ASSERT(sizeof(struct nd_opt_lladdr) == ND_OPT_UNIT, "nd_opt size");

#endif
