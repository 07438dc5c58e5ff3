/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arp: the ARP wire header for Ethernet/IPv4 (RFC 826), the only kind
 * the parser accepts.  Fields are network order; the protocol addresses
 * are unaligned in the frame, so copy them with memcpy.
 */
#ifndef PKT_ARP_H
#define PKT_ARP_H

#include <stdint.h>

#include "lib/addr.h"
#include "lib/util.h"

#define ARP_HTYPE_ETH 1
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2
#define ARP_HDR_LEN 28

struct arp_hdr {
	uint16_t htype; /* network order, ARP_HTYPE_ETH */
	uint16_t ptype; /* network order, ETH_TYPE_IPV4 */
	uint8_t hlen;   /* 6 */
	uint8_t plen;   /* 4 */
	uint16_t op;    /* network order, ARP_OP_* */
	struct eth_addr sha;
	uint32_t spa; /* network order */
	struct eth_addr tha;
	uint32_t tpa; /* network order */
} PACKED;
BUILD_ASSERT(sizeof(struct arp_hdr) == ARP_HDR_LEN, "arp_hdr size");

#endif
