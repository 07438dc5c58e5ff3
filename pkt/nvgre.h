/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nvgre: the NVGRE outer header (RFC 7637).
 *
 *  1. outer Ethernet, 802.1Q-tagged when the sender's PA has a VLAN;
 *  2. outer IPv4 (protocol 47, DF set, TTL 64) or IPv6 (next header 47,
 *     hop limit 64), src = sender PA, dst = receiver PA;
 *  3. GRE: flags/version 0x2000 (K only), protocol 0x6558, key =
 *     VSID << 8 | FlowID;
 *  4. then the inner Ethernet frame, untagged, without FCS.
 * Overhead: 42 bytes over IPv4, 62 over IPv6 (+4 when tagged).
 */
#ifndef PKT_NVGRE_H
#define PKT_NVGRE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

#define NVGRE_GRE_FLAGS 0x2000
#define NVGRE_PROTO 0x6558
#define NVGRE_MAX_OUTER (14 + 4 + 40 + 8)
#define NVGRE_VSID_MIN 4096
#define NVGRE_VSID_MAX 16777214

struct nvgre_outer {
	struct eth_addr eth_dst, eth_src;
	uint16_t vlan;                  /* 0: untagged */
	struct in6_addr pa_src, pa_dst; /* same family */
};

static inline uint32_t
nvgre_key(uint32_t vsid, uint8_t flowid)
{
	return vsid << 8 | flowid;
}

/* Size of the outer header nvgre_write() will produce. */
size_t nvgre_outer_len(const struct nvgre_outer *o);

/* The outer Ethernet (+802.1Q) and IPv4/IPv6 headers of 'o' for an IP
 * payload of 'ipl' bytes of protocol 'proto', at 'hdr'.  Returns their
 * length.  Shared with VXLAN (pkt/vxlan.h), which uses the same outer
 * description. */
size_t tun_outer_write(uint8_t *hdr, const struct nvgre_outer *o, uint8_t proto,
                       size_t ipl);

/* Writes the outer header into 'hdr' (nvgre_outer_len() bytes) for an
 * inner frame of 'inner_len' bytes.  Typical use: the caller has the
 * inner frame at 'p' with headroom and calls
 * nvgre_write(p - nvgre_outer_len(o), o, vsid, flowid, len). */
void nvgre_write(uint8_t *hdr, const struct nvgre_outer *o, uint32_t vsid,
                 uint8_t flowid, size_t inner_len);

#endif
