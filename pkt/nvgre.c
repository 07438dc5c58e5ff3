/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nvgre: writes the NVGRE outer header in front of an inner frame.  The
 * layout is described in pkt/nvgre.h; the bytes are (untagged, IPv4):
 *
 *   0  eth dst(6) src(6) type 0x0800
 *  14  45 00 totlen(2) 0000 4000 40 2f csum(2) src(4) dst(4)
 *  34  20 00 65 58 key = VSID(3) FlowID(1)
 *  42  inner Ethernet frame
 */
#include "pkt/nvgre.h"

#include <arpa/inet.h>
#include <string.h>

#include "pkt/csum.h"
#include "pkt/eth.h"
#include "pkt/gre.h"
#include "pkt/ipv4.h"
#include "pkt/ipv6.h"

#define NVGRE_TTL 64

BUILD_ASSERT(NVGRE_MAX_OUTER == ETH_HDR_LEN + VLAN_HDR_LEN + IPV6_HDR_LEN +
                                    sizeof(struct gre_key_hdr),
             "NVGRE_MAX_OUTER");

size_t
nvgre_outer_len(const struct nvgre_outer *o)
{
	return ETH_HDR_LEN + (o->vlan ? VLAN_HDR_LEN : 0) +
	       (ip_is_v4(&o->pa_src) ? IPV4_HDR_LEN : IPV6_HDR_LEN) +
	       sizeof(struct gre_key_hdr);
}

/*
 * The outer Ethernet and IP headers, shared by NVGRE and VXLAN:
 * 1. Ethernet, tagged with o->vlan if set;
 * 2. IPv4: no options, DF, TTL 64, ID 0 (atomic datagram, RFC 6864),
 *    the given protocol, total length and header checksum; or IPv6:
 *    traffic class and flow label 0, the given next header, hop limit 64.
 * Lengths wider than 16 bits are truncated: inner frames are at most
 * PBUF_FRAME_MAX.
 */
size_t
tun_outer_write(uint8_t *hdr, const struct nvgre_outer *o, uint8_t proto,
                size_t ipl)
{
	size_t l2;

	l2 =
	    eth_hdr_write(hdr, &o->eth_dst, &o->eth_src, o->vlan,
	                  ip_is_v4(&o->pa_src) ? ETH_TYPE_IPV4 : ETH_TYPE_IPV6);
	if (ip_is_v4(&o->pa_src)) {
		struct ipv4_hdr *ip = (struct ipv4_hdr *)(hdr + l2);

		ip->ver_ihl = 4 << 4 | IPV4_HDR_LEN / 4;
		ip->tos = 0;
		ip->tot_len = htons((uint16_t)(IPV4_HDR_LEN + ipl));
		ip->id = 0;
		ip->frag_off = htons(IPV4_FLAG_DF);
		ip->ttl = NVGRE_TTL;
		ip->proto = proto;
		ip->csum = 0;
		ip->src = ip_get_v4(&o->pa_src);
		ip->dst = ip_get_v4(&o->pa_dst);
		ip->csum = htons((uint16_t)~csum_ipv4_hdr20(ip));
		return l2 + IPV4_HDR_LEN;
	}
	{
		struct ipv6_hdr *ip6 = (struct ipv6_hdr *)(hdr + l2);

		ip6->ver_tc_flow = htonl(6u << 28);
		ip6->payload_len = htons((uint16_t)ipl);
		ip6->next = proto;
		ip6->hop_limit = NVGRE_TTL;
		memcpy(&ip6->src, &o->pa_src, sizeof(o->pa_src));
		memcpy(&ip6->dst, &o->pa_dst, sizeof(o->pa_dst));
		return l2 + IPV6_HDR_LEN;
	}
}

/* The outer headers (tun_outer_write), then GRE 0x2000 / 0x6558 /
 * VSID << 8 | FlowID. */
void
nvgre_write(uint8_t *hdr, const struct nvgre_outer *o, uint32_t vsid,
            uint8_t flowid, size_t inner_len)
{
	size_t l2 = tun_outer_write(hdr, o, IPPROTO_GRE,
	                            sizeof(struct gre_key_hdr) + inner_len);
	struct gre_key_hdr *gh;

	gh = (struct gre_key_hdr *)(hdr + l2);
	gh->flags = htons(NVGRE_GRE_FLAGS);
	gh->proto = htons(NVGRE_PROTO);
	gh->key = htonl(nvgre_key(vsid, flowid));
}
