/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eth: Ethernet II and 802.1Q wire headers.
 *
 * Wire structs are packed and may sit at any alignment in a frame; their
 * uint16_t/uint32_t fields hold network byte order (convert with
 * ntohs/htons).  Never take the address of a member: copy it out.
 */
#ifndef PKT_ETH_H
#define PKT_ETH_H

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/addr.h"
#include "lib/util.h"

#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_ARP 0x0806
#define ETH_TYPE_TEB 0x6558 /* transparent Ethernet bridging (NVGRE) */
#define ETH_TYPE_VLAN 0x8100
#define ETH_TYPE_IPV6 0x86dd
#define ETH_TYPE_QINQ 0x88a8

#define ETH_HDR_LEN 14
#define VLAN_HDR_LEN 4
#define VLAN_VID_MASK 0x0fff

struct eth_hdr {
	struct eth_addr dst;
	struct eth_addr src;
	uint16_t type; /* network order */
} PACKED;
BUILD_ASSERT(sizeof(struct eth_hdr) == ETH_HDR_LEN, "eth_hdr size");

/* Follows an eth_hdr whose type is ETH_TYPE_VLAN. */
struct vlan_hdr {
	uint16_t tci;  /* network order: PCP(3) DEI(1) VID(12) */
	uint16_t type; /* network order, the encapsulated EtherType */
} PACKED;
BUILD_ASSERT(sizeof(struct vlan_hdr) == VLAN_HDR_LEN, "vlan_hdr size");

/* Writes an Ethernet header, with an 802.1Q tag carrying 'tci' when 'tci'
 * is non-zero, and returns its length (14 or 18).  'p' needs 18 bytes. */
static inline size_t
eth_hdr_write(uint8_t *p, const struct eth_addr *dst,
              const struct eth_addr *src, uint16_t tci, uint16_t type)
{
	struct eth_hdr *eh = (struct eth_hdr *)p;
	struct vlan_hdr *vh;

	eh->dst = *dst;
	eh->src = *src;
	if (!tci) {
		eh->type = htons(type);
		return ETH_HDR_LEN;
	}
	eh->type = htons(ETH_TYPE_VLAN);
	vh = (struct vlan_hdr *)(p + ETH_HDR_LEN);
	vh->tci = htons(tci);
	vh->type = htons(type);
	return ETH_HDR_LEN + VLAN_HDR_LEN;
}

#endif
