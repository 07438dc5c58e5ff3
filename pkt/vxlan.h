/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vxlan: the VXLAN outer header (RFC 7348), OpenHNV's second
 * encapsulation on the same model (VNI = VSID), as Windows Server 2016
 * HNV uses it.
 *
 *  1. outer Ethernet and IPv4/IPv6 as for NVGRE (struct nvgre_outer,
 *     tun_outer_write), IP protocol 17;
 *  2. UDP: source port from the inner flow's hash in 49152..65535 (the
 *     entropy ECMP sees, RFC 7348 5), destination port 4789; checksum 0
 *     over IPv4 (RFC 7348 5), computed over IPv6 (RFC 8200 8.1: a zero
 *     UDP checksum is not allowed unless both ends opt in, and the Linux
 *     kernel's vxlan does not by default);
 *  3. VXLAN: flags 0x08 (I: the VNI is valid), 24 reserved bits, the
 *     24-bit VNI, 8 reserved bits;
 *  4. then the inner Ethernet frame, untagged, without FCS.
 * Overhead: 50 bytes over IPv4, 70 over IPv6 (+4 when tagged).
 *
 * A receiver takes a UDP datagram to port 4789 as VXLAN when it is at
 * least 16 bytes and the I flag is set; reserved bits are ignored on
 * receipt (RFC 7348 5) (vxlan_parse).
 */
#ifndef PKT_VXLAN_H
#define PKT_VXLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"
#include "pkt/nvgre.h"

#define VXLAN_PORT 4789
#define VXLAN_HDR_LEN 8
#define VXLAN_FLAG_I 0x08
#define VXLAN_SPORT_MIN 49152

struct vxlan_hdr {
	uint8_t flags; /* VXLAN_FLAG_I */
	uint8_t rsvd1[3];
	uint8_t vni[3]; /* network order */
	uint8_t rsvd2;
} PACKED;
BUILD_ASSERT(sizeof(struct vxlan_hdr) == VXLAN_HDR_LEN, "vxlan_hdr size");

/* Size of the outer header vxlan_write() will produce. */
size_t vxlan_outer_len(const struct nvgre_outer *o);

/* The UDP source port for a flow hash. */
static inline uint16_t
vxlan_sport(uint32_t hash)
{
	return (uint16_t)(VXLAN_SPORT_MIN + hash % (65536 - VXLAN_SPORT_MIN));
}

/* Writes the outer header into 'hdr' (vxlan_outer_len() bytes) for the
 * inner frame of 'inner_len' bytes that follows it (read for the IPv6
 * UDP checksum). */
void vxlan_write(uint8_t *hdr, const struct nvgre_outer *o, uint32_t vni,
                 uint16_t sport, size_t inner_len);

/* The VNI of the VXLAN header at 'p' ('len' bytes of UDP payload), or
 * -1 if it is not a valid VXLAN header (short, or the I flag clear). */
int32_t vxlan_parse(const uint8_t *p, size_t len);

#endif
