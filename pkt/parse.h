/* SPDX-License-Identifier: Apache-2.0 */
/*
 * parse: one pass over an Ethernet frame, filling a struct pkt_info with
 * offsets and the fields the pipeline decides on.
 *
 * Invariants:
 *  - reads only through lib/cursor.h; any input (random bytes included)
 *    yields 0 or a negative PKT_ERR_* code, never a read outside the frame;
 *  - on success every offset in pkt_info is inside the frame and the
 *    header it names is wholly present (l4 headers too, when l4_ofs != 0);
 *  - IPv4 header checksum, total length and IPv6 payload length are
 *    checked (a frame shorter than the IP length says is an error; a frame
 *    longer, i.e. Ethernet padding, is fine: ip_end marks the real end);
 *  - ARP is parsed for Ethernet/IPv4 only; ICMPv6 ND (NS/NA/RS/RA) options
 *    are walked and a source/target link-layer option is returned;
 *  - GRE (IP protocol 47) is parsed: flags, protocol, key; inner_ofs points
 *    past the GRE header.  The inner frame is not parsed (call again).
 *  - IPv6 extension headers: hop-by-hop, routing, destination options and
 *    fragment are skipped to reach the upper-layer protocol.
 */
#ifndef PKT_PARSE_H
#define PKT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

/* Parse errors: the pipeline counts each under a drop reason of the same
 * name.  X(name, description) */
#define PKT_ERRORS                                                             \
	X(TRUNC_ETH, "frame shorter than an Ethernet header")                  \
	X(TRUNC_VLAN, "truncated 802.1Q tag")                                  \
	X(DOUBLE_VLAN, "more than one 802.1Q tag")                             \
	X(TRUNC_ARP, "truncated ARP")                                          \
	X(BAD_ARP, "ARP not Ethernet/IPv4")                                    \
	X(TRUNC_IP, "truncated IP header")                                     \
	X(BAD_IP_VERSION, "IP version does not match EtherType")               \
	X(BAD_IP_HLEN, "bad IPv4 header length")                               \
	X(BAD_IP_LEN, "IP length beyond frame or below header")                \
	X(BAD_IP_CSUM, "bad IPv4 header checksum")                             \
	X(BAD_IP6_EXT, "malformed IPv6 extension header")                      \
	X(TRUNC_L4, "truncated TCP/UDP/ICMP header")                           \
	X(BAD_ND, "malformed neighbour discovery message")                     \
	X(TRUNC_GRE, "truncated GRE header")                                   \
	X(BAD_GRE, "GRE version not 0 or routing bit set")

enum pkt_err {
	PKT_OK = 0,
#define X(n, d) PKT_ERR_##n,
	PKT_ERRORS
#undef X
	    PKT_ERR_MAX
};
const char *pkt_err_name(int err); /* "trunc_eth"; accepts +/- codes */
const char *pkt_err_desc(int err);

struct pkt_info {
	/* L2 */
	struct eth_addr eth_dst, eth_src;
	bool has_vlan;
	uint16_t vlan_tci;  /* host order, valid if has_vlan */
	uint16_t ethertype; /* after any tag, host order */
	uint16_t l3_ofs;    /* 14, or 18 when tagged */

	/* ARP (ethertype 0x0806) */
	uint16_t arp_op;
	struct eth_addr arp_sha, arp_tha;
	struct in6_addr arp_spa, arp_tpa; /* IPv4-mapped */

	/* IP (ethertype 0x0800 / 0x86dd) */
	bool is_ip;
	bool is_ipv6;
	struct in6_addr ip_src, ip_dst; /* IPv4-mapped for IPv4 */
	uint8_t ttl;                    /* TTL or hop limit */
	uint8_t l4_proto;       /* IPPROTO_*, after IPv6 extension headers */
	bool ip_df;             /* IPv4 don't fragment */
	bool is_fragment;       /* any fragment (first or later) */
	bool is_later_fragment; /* offset != 0: no L4 header present */
	uint16_t ip_end;        /* offset one past the IP datagram */
	uint16_t l4_ofs;        /* 0 when not present/parsed */

	/* L4 */
	uint16_t sport, dport;        /* TCP/UDP, host order */
	uint8_t icmp_type, icmp_code; /* ICMP or ICMPv6 */

	/* ND: NS/NA target, and the link-layer address option if present */
	struct in6_addr nd_target;
	bool has_nd_lladdr;
	struct eth_addr nd_lladdr;
	bool has_nd_ll_any;        /* any link-layer option, either type */
	struct eth_addr nd_ll_any; /* the first of them */
	bool nd_ll_mixed;          /* another one names another MAC */

	/* GRE */
	uint16_t gre_flags; /* host order, whole flags/version word */
	uint16_t gre_proto;
	bool gre_has_key;
	uint32_t gre_key;   /* host order */
	uint16_t inner_ofs; /* first byte after the GRE header */
};

/* Parses 'frame'.  Returns 0 or -PKT_ERR_*.  'pi' is fully written either
 * way (zeroed first). */
int pkt_parse(const uint8_t *frame, size_t len, struct pkt_info *pi);

/* Hash of the flow (addresses, protocol, ports) for NVGRE FlowID/ECMP;
 * symmetric is not required.  Stable for a given flow. */
uint32_t pkt_flow_hash(const struct pkt_info *pi);
/* pkt_flow_hash() of an unfragmented IPv4 packet from its fields:
 * addresses in network order, 'ports' source << 16 | destination. */
uint32_t pkt_flow_hash_v4(uint32_t src_be, uint32_t dst_be, uint8_t proto,
                          uint32_t ports);

#endif
