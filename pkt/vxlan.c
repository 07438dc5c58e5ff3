/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vxlan: writes and checks the VXLAN headers (layout in pkt/vxlan.h).
 * The bytes are (untagged, IPv4):
 *
 *   0  eth dst(6) src(6) type 0x0800
 *  14  45 00 totlen(2) 0000 4000 40 11 csum(2) src(4) dst(4)
 *  34  sport(2) 12b5 len(2) 0000
 *  42  08 000000 VNI(3) 00
 *  50  inner Ethernet frame
 */
#include "pkt/vxlan.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "pkt/csum.h"
#include "pkt/eth.h"
#include "pkt/ipv4.h"
#include "pkt/ipv6.h"
#include "pkt/l4.h"

size_t
vxlan_outer_len(const struct nvgre_outer *o)
{
	return ETH_HDR_LEN + (o->vlan ? VLAN_HDR_LEN : 0) +
	       (ip_is_v4(&o->pa_src) ? IPV4_HDR_LEN : IPV6_HDR_LEN) +
	       UDP_HDR_LEN + VXLAN_HDR_LEN;
}

void
vxlan_write(uint8_t *hdr, const struct nvgre_outer *o, uint32_t vni,
            uint16_t sport, size_t inner_len)
{
	size_t ulen = UDP_HDR_LEN + VXLAN_HDR_LEN + inner_len;
	size_t l3 = tun_outer_write(hdr, o, IPPROTO_UDP, ulen);
	struct udp_hdr *uh = (struct udp_hdr *)(hdr + l3);
	struct vxlan_hdr *vh = (struct vxlan_hdr *)(uh + 1);

	uh->sport = htons(sport);
	uh->dport = htons(VXLAN_PORT);
	uh->len = htons((uint16_t)ulen);
	uh->csum = 0;
	memset(vh, 0, sizeof(*vh));
	vh->flags = VXLAN_FLAG_I;
	vh->vni[0] = (uint8_t)(vni >> 16);
	vh->vni[1] = (uint8_t)(vni >> 8);
	vh->vni[2] = (uint8_t)vni;
	if (!ip_is_v4(&o->pa_src)) {
		uint32_t sum = csum_pseudo6(&o->pa_src, &o->pa_dst, IPPROTO_UDP,
		                            (uint32_t)ulen);
		uint16_t c;

		sum = csum_add(sum, uh, ulen);
		c = csum_fold(sum);
		uh->csum = htons(c ? c : 0xffff);
	}
}

int32_t
vxlan_parse(const uint8_t *p, size_t len)
{
	const struct vxlan_hdr *vh = (const struct vxlan_hdr *)p;

	/* RFC 7348 5: reserved bits are ignored on receipt. */
	if (len < VXLAN_HDR_LEN || !(vh->flags & VXLAN_FLAG_I))
		return -1;
	return (int32_t)((uint32_t)vh->vni[0] << 16 |
	                 (uint32_t)vh->vni[1] << 8 | vh->vni[2]);
}
