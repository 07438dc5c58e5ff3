/* SPDX-License-Identifier: Apache-2.0 */
/*
 * build: ARP, ND, ICMP echo reply and ICMP error writers, and the TTL
 * decrement.  Everything writes into the caller's buffer through the
 * packed wire structs (frames need not be aligned) and fills in every
 * checksum; nothing allocates.  Frames are not padded to 60 bytes: the
 * backends or the NIC do that.
 */
#include "pkt/build.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "pkt/arp.h"
#include "pkt/csum.h"
#include "pkt/eth.h"
#include "pkt/icmp.h"
#include "pkt/ipv4.h"
#include "pkt/ipv6.h"
#include "pkt/parse.h"

#define BUILD_TTL 64
#define BUILD_NA_FLAGS                                                         \
	(ND_NA_FLAG_ROUTER | ND_NA_FLAG_SOLICITED | ND_NA_FLAG_OVERRIDE)

static size_t
build_l2_len(uint16_t vlan)
{
	return ETH_HDR_LEN + (vlan ? VLAN_HDR_LEN : 0);
}

size_t
build_arp(uint8_t *buf, size_t cap, const struct eth_addr *eth_dst,
          const struct eth_addr *eth_src, uint16_t vlan, uint16_t op,
          const struct eth_addr *sha, const struct in6_addr *spa,
          const struct eth_addr *tha, const struct in6_addr *tpa)
{
	size_t l2 = build_l2_len(vlan);
	struct arp_hdr *ah;
	uint32_t be;

	if (cap < l2 + ARP_HDR_LEN)
		return 0;
	eth_hdr_write(buf, eth_dst, eth_src, vlan, ETH_TYPE_ARP);
	ah = (struct arp_hdr *)(buf + l2);
	ah->htype = htons(ARP_HTYPE_ETH);
	ah->ptype = htons(ETH_TYPE_IPV4);
	ah->hlen = 6;
	ah->plen = 4;
	ah->op = htons(op);
	ah->sha = *sha;
	be = ip_get_v4(spa);
	memcpy(&ah->spa, &be, 4);
	ah->tha = *tha;
	be = ip_get_v4(tpa);
	memcpy(&ah->tpa, &be, 4);
	return l2 + ARP_HDR_LEN;
}

/* IPv6 header with the given payload length and next header. */
static void
build_ipv6_hdr(uint8_t *p, const struct in6_addr *src,
               const struct in6_addr *dst, uint8_t next, uint8_t hop_limit,
               size_t plen)
{
	struct ipv6_hdr *ip6 = (struct ipv6_hdr *)p;

	ip6->ver_tc_flow = htonl(6u << 28);
	ip6->payload_len = htons((uint16_t)plen);
	ip6->next = next;
	ip6->hop_limit = hop_limit;
	memcpy(&ip6->src, src, sizeof(*src));
	memcpy(&ip6->dst, dst, sizeof(*dst));
}

/* ICMPv6 checksum of the 'len'-byte message at 'msg' (checksum field
 * zero), stored in place. */
static void
build_icmp6_csum(uint8_t *msg, size_t len, const struct in6_addr *src,
                 const struct in6_addr *dst)
{
	struct icmp6_hdr_ *ih = (struct icmp6_hdr_ *)msg;
	uint32_t sum;

	ih->csum = 0;
	sum = csum_pseudo6(src, dst, IPPROTO_ICMPV6, (uint32_t)len);
	ih->csum = htons(csum_fold(csum_add(sum, msg, len)));
}

/* NS or NA with one link-layer option (when 'll' is not NULL). */
static size_t
build_nd(uint8_t *buf, size_t cap, const struct eth_addr *eth_dst,
         const struct eth_addr *eth_src, uint16_t vlan,
         const struct in6_addr *ip_src, const struct in6_addr *ip_dst,
         uint8_t type, uint32_t be_flags, const struct in6_addr *target,
         uint8_t opt, const struct eth_addr *ll)
{
	size_t l2 = build_l2_len(vlan);
	size_t mlen = ND_NSNA_LEN + (ll ? ND_OPT_UNIT : 0);
	struct nd_nsna *nd;

	if (cap < l2 + IPV6_HDR_LEN + mlen)
		return 0;
	eth_hdr_write(buf, eth_dst, eth_src, vlan, ETH_TYPE_IPV6);
	build_ipv6_hdr(buf + l2, ip_src, ip_dst, IPPROTO_ICMPV6, 255, mlen);
	nd = (struct nd_nsna *)(buf + l2 + IPV6_HDR_LEN);
	nd->icmp6.type = type;
	nd->icmp6.code = 0;
	nd->icmp6.data = be_flags;
	memcpy(&nd->target, target, sizeof(*target));
	if (ll) {
		struct nd_opt_lladdr *o;

		o = (struct nd_opt_lladdr *)(buf + l2 + IPV6_HDR_LEN +
		                             ND_NSNA_LEN);
		o->type = opt;
		o->len = 1;
		o->addr = *ll;
	}
	build_icmp6_csum((uint8_t *)nd, mlen, ip_src, ip_dst);
	return l2 + IPV6_HDR_LEN + mlen;
}

size_t
build_nd_na(uint8_t *buf, size_t cap, const struct eth_addr *eth_dst,
            const struct eth_addr *eth_src, uint16_t vlan,
            const struct in6_addr *ip_src, const struct in6_addr *ip_dst,
            const struct in6_addr *target, const struct eth_addr *tll,
            uint32_t flags)
{
	return build_nd(buf, cap, eth_dst, eth_src, vlan, ip_src, ip_dst,
	                ND_NEIGHBOR_ADVERT, flags & BUILD_NA_FLAGS, target,
	                ND_OPT_TARGET_LINKADDR, tll);
}

/*
 * Neighbour solicitation (RFC 4861 7.2.2, RFC 4291 2.7.1):
 *  1. IPv6 destination ff02::1:ffXX:XXXX, the low 24 bits of the target;
 *  2. Ethernet destination 33:33 + the low 32 bits of that address;
 *  3. no source link-layer option when the source is :: (DAD, 7.1.1).
 */
size_t
build_nd_ns(uint8_t *buf, size_t cap, const struct eth_addr *eth_src,
            uint16_t vlan, const struct in6_addr *ip_src,
            const struct in6_addr *target, const struct eth_addr *sll)
{
	struct in6_addr snm = {
	    .s6_addr = {0xff, 0x02, [11] = 0x01, [12] = 0xff}};
	struct eth_addr mac = {{0x33, 0x33, 0xff}};

	memcpy(&snm.s6_addr[13], &target->s6_addr[13], 3);
	memcpy(&mac.b[3], &target->s6_addr[13], 3);
	if (IN6_IS_ADDR_UNSPECIFIED(ip_src))
		sll = NULL;
	return build_nd(buf, cap, &mac, eth_src, vlan, ip_src, &snm,
	                ND_NEIGHBOR_SOLICIT, 0, target, ND_OPT_SOURCE_LINKADDR,
	                sll);
}

static bool
build_is_group(const struct in6_addr *a)
{
	if (ip_is_v4(a)) {
		uint32_t v = ntohl(ip_get_v4(a));

		return (v >> 28) == 0xe || v == 0xffffffff;
	}
	return IN6_IS_ADDR_MULTICAST(a);
}

static void
build_ipv4_csum(struct ipv4_hdr *ip, size_t hlen)
{
	ip->csum = 0;
	ip->csum = htons(csum_fold(csum_add(0, ip, hlen)));
}

/*
 * Echo reply in place (RFC 792, RFC 4443 4.2, RFC 1122 3.2.2.6):
 *  1. only an unfragmented echo request whose ICMP checksum verifies;
 *  2. not to or from a group address (multicast or broadcast MAC, IPv4
 *     multicast or 255.255.255.255, IPv6 multicast): swapping would make
 *     a group the source, and answering one is optional anyway;
 *  3. swap MACs and IP addresses (the checksums do not change: the sums
 *     are commutative), TTL/hop limit 64, the IPv4 header checksum redone;
 *  4. type 0 / 129, the ICMP checksum updated for the type word (RFC 1624).
 * The payload, id and sequence are echoed unchanged.
 */
int
build_echo_reply_inplace(uint8_t *frame, size_t len, const struct pkt_info *pi)
{
	struct icmp_hdr *ih;
	struct eth_addr mac;
	size_t mlen;
	uint32_t sum;
	uint16_t oldw;
	uint8_t reply;

	if (!pi->is_ip || !pi->l4_ofs || pi->is_fragment || pi->ip_end > len ||
	    pi->l4_ofs + ICMP_HDR_LEN > pi->ip_end ||
	    eth_is_multicast(&pi->eth_dst) || eth_is_multicast(&pi->eth_src) ||
	    build_is_group(&pi->ip_src) || build_is_group(&pi->ip_dst))
		return -EINVAL;
	mlen = (size_t)(pi->ip_end - pi->l4_ofs);
	ih = (struct icmp_hdr *)(frame + pi->l4_ofs);
	if (!pi->is_ipv6) {
		struct ipv4_hdr *ip = (struct ipv4_hdr *)(frame + pi->l3_ofs);
		uint32_t a;

		if (pi->l4_proto != IPPROTO_ICMP || ih->type != ICMP_ECHO ||
		    ih->code != 0 || !csum_ok(csum_add(0, ih, mlen)))
			return -EINVAL;
		reply = ICMP_ECHOREPLY;
		a = ip->src;
		ip->src = ip->dst;
		ip->dst = a;
		ip->ttl = BUILD_TTL;
		build_ipv4_csum(ip, (size_t)(pi->l4_ofs - pi->l3_ofs));
	} else {
		struct ipv6_hdr *ip6 = (struct ipv6_hdr *)(frame + pi->l3_ofs);
		struct in6_addr a, b;

		memcpy(&a, &ip6->src, sizeof(a));
		memcpy(&b, &ip6->dst, sizeof(b));
		sum = csum_pseudo6(&a, &b, IPPROTO_ICMPV6, (uint32_t)mlen);
		if (pi->l4_proto != IPPROTO_ICMPV6 ||
		    ih->type != ICMP6_ECHO_REQUEST || ih->code != 0 ||
		    !csum_ok(csum_add(sum, ih, mlen)))
			return -EINVAL;
		reply = ICMP6_ECHO_REPLY;
		memcpy(&ip6->src, &b, sizeof(b));
		memcpy(&ip6->dst, &a, sizeof(a));
		ip6->hop_limit = BUILD_TTL;
	}
	oldw = (uint16_t)(ih->type << 8 | ih->code);
	ih->type = reply;
	ih->csum = htons(csum_update16(ntohs(ih->csum), oldw,
	                               (uint16_t)(reply << 8 | ih->code)));

	mac = *(const struct eth_addr *)frame;
	memmove(frame, frame + 6, 6);
	memcpy(frame + 6, &mac, 6);
	return 0;
}

/*
 * ICMP errors (RFC 792, RFC 1812 4.3.2.3, RFC 4443 2.4(c)):
 *  1. a new IP header from 'from' to the offending packet's source,
 *     TTL/hop limit 64 (IPv4: TOS 0xc0, no DF);
 *  2. ICMP type and code, 4 zero bytes (unused, MTU or pointer);
 *  3. as much of the offending IP datagram, from its IP header on, as
 *     keeps the whole error within 576 (IPv4) or 1280 (IPv6) bytes.
 * Whether an error may be sent at all (not about an ICMP error, a
 * non-first fragment, a multicast or broadcast, rate limits) is the
 * caller's decision.  'from' must have the offending packet's family;
 * 'buf' and 'orig' must not overlap.
 */
size_t
build_icmp_error(uint8_t *buf, size_t cap, const struct eth_addr *dst,
                 const struct eth_addr *src, const struct in6_addr *from,
                 uint8_t type, uint8_t code, uint32_t info, const uint8_t *orig,
                 const struct pkt_info *pi)
{
	size_t ohdr, quote, total, olen, max;
	struct icmp_hdr *ih;
	uint8_t *msg;

	if (!pi->is_ip || pi->ip_end <= pi->l3_ofs ||
	    ip_is_v4(from) == pi->is_ipv6)
		return 0;
	olen = (size_t)(pi->ip_end - pi->l3_ofs);
	ohdr = pi->is_ipv6 ? IPV6_HDR_LEN : IPV4_HDR_LEN;
	max = pi->is_ipv6 ? IPV6_ICMP_ERR_MAX : IPV4_ICMP_ERR_MAX;
	quote = MIN(olen, max - ohdr - ICMP_HDR_LEN);
	total = ETH_HDR_LEN + ohdr + ICMP_HDR_LEN + quote;
	if (cap < total)
		return 0;

	msg = buf + ETH_HDR_LEN + ohdr;
	ih = (struct icmp_hdr *)msg;
	memset(ih, 0, sizeof(*ih));
	ih->type = type;
	ih->code = code;
	info = htonl(info);
	memcpy(msg + 4, &info, 4);
	memcpy(msg + ICMP_HDR_LEN, orig + pi->l3_ofs, quote);
	if (!pi->is_ipv6) {
		struct ipv4_hdr *ip = (struct ipv4_hdr *)(buf + ETH_HDR_LEN);

		eth_hdr_write(buf, dst, src, 0, ETH_TYPE_IPV4);
		memset(ip, 0, sizeof(*ip));
		ip->ver_ihl = 4 << 4 | IPV4_HDR_LEN / 4;
		ip->tos = 0xc0;
		ip->tot_len = htons((uint16_t)(total - ETH_HDR_LEN));
		ip->ttl = BUILD_TTL;
		ip->proto = IPPROTO_ICMP;
		ip->src = ip_get_v4(from);
		ip->dst = ip_get_v4(&pi->ip_src);
		build_ipv4_csum(ip, IPV4_HDR_LEN);
		ih->csum =
		    htons(csum_fold(csum_add(0, msg, ICMP_HDR_LEN + quote)));
	} else {
		eth_hdr_write(buf, dst, src, 0, ETH_TYPE_IPV6);
		build_ipv6_hdr(buf + ETH_HDR_LEN, from, &pi->ip_src,
		               IPPROTO_ICMPV6, BUILD_TTL, ICMP_HDR_LEN + quote);
		build_icmp6_csum(msg, ICMP_HDR_LEN + quote, from, &pi->ip_src);
	}
	return total;
}

int
build_l4_csum(uint8_t *frame, const struct pkt_info *pi)
{
	size_t len, at;
	uint32_t sum;
	uint16_t c;
	uint8_t *l4;

	if (!pi->is_ip || !pi->l4_ofs || pi->is_fragment ||
	    (pi->l4_proto != IPPROTO_TCP && pi->l4_proto != IPPROTO_UDP) ||
	    pi->ip_end <= pi->l4_ofs)
		return -EINVAL;
	len = (size_t)(pi->ip_end - pi->l4_ofs);
	at = pi->l4_proto == IPPROTO_TCP ? 16 : 6;
	if (len < at + 2)
		return -EINVAL;
	l4 = frame + pi->l4_ofs;
	l4[at] = l4[at + 1] = 0;
	if (pi->is_ipv6)
		sum = csum_pseudo6(&pi->ip_src, &pi->ip_dst, pi->l4_proto,
		                   (uint32_t)len);
	else
		sum =
		    csum_pseudo4(ip_get_v4(&pi->ip_src), ip_get_v4(&pi->ip_dst),
		                 pi->l4_proto, (uint32_t)len);
	c = csum_fold(csum_add(sum, l4, len));
	if (c == 0 && pi->l4_proto == IPPROTO_UDP)
		c = 0xffff;
	l4[at] = (uint8_t)(c >> 8);
	l4[at + 1] = (uint8_t)c;
	return 0;
}

/* RFC 1624 over a run of 16-bit words ('len' even). */
static uint16_t
csum_update_run(uint16_t csum, const uint8_t *old, const uint8_t *new,
                size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		csum = csum_update16(csum, (uint16_t)(old[i] << 8 | old[i + 1]),
		                     (uint16_t)(new[i] << 8 | new[i + 1]));
	return csum;
}

int
build_rewrite_addrs(uint8_t *frame, const struct pkt_info *pi,
                    const struct in6_addr *src, const struct in6_addr *dst)
{
	uint8_t *l3 = frame + pi->l3_ofs, *ck = NULL;
	size_t alen = pi->is_ipv6 ? 16 : 4;
	uint8_t *osrc = l3 + (pi->is_ipv6 ? 8 : 12), *odst = osrc + alen;
	const uint8_t *nsrc = pi->is_ipv6 ? src->s6_addr : src->s6_addr + 12;
	const uint8_t *ndst = pi->is_ipv6 ? dst->s6_addr : dst->s6_addr + 12;

	if (!pi->is_ip || ip_is_v4(src) == pi->is_ipv6 ||
	    ip_is_v4(dst) == pi->is_ipv6)
		return -EINVAL;
	/* The transport checksum covering the pseudo-header, if present. */
	if (pi->l4_ofs && !pi->is_later_fragment) {
		uint8_t *l4 = frame + pi->l4_ofs;

		if (pi->l4_proto == IPPROTO_TCP)
			ck = l4 + 16;
		else if (pi->l4_proto == IPPROTO_UDP &&
		         (pi->is_ipv6 || l4[6] || l4[7]))
			ck = l4 + 6;
		else if (pi->is_ipv6 && pi->l4_proto == IPPROTO_ICMPV6)
			ck = l4 + 2;
		if (ck && ck + 2 > frame + pi->ip_end)
			ck = NULL;
	}
	if (ck) {
		uint16_t c = (uint16_t)(ck[0] << 8 | ck[1]);

		c = csum_update_run(c, osrc, nsrc, alen);
		c = csum_update_run(c, odst, ndst, alen);
		if (c == 0 && pi->l4_proto == IPPROTO_UDP)
			c = 0xffff;
		ck[0] = (uint8_t)(c >> 8);
		ck[1] = (uint8_t)c;
	}
	if (!pi->is_ipv6) {
		uint16_t c = (uint16_t)(l3[10] << 8 | l3[11]);

		c = csum_update_run(c, osrc, nsrc, 4);
		c = csum_update_run(c, odst, ndst, 4);
		l3[10] = (uint8_t)(c >> 8);
		l3[11] = (uint8_t)c;
	}
	memcpy(osrc, nsrc, alen);
	memcpy(odst, ndst, alen);
	return 0;
}

/* RFC 1624: the TTL shares a 16-bit word with the protocol. */
void
build_dec_ttl(uint8_t *frame, const struct pkt_info *pi)
{
	if (!pi->is_ip)
		return;
	if (!pi->is_ipv6) {
		struct ipv4_hdr *ip = (struct ipv4_hdr *)(frame + pi->l3_ofs);
		uint16_t oldw = (uint16_t)(ip->ttl << 8 | ip->proto);

		if (!ip->ttl)
			return;
		ip->ttl--;
		ip->csum =
		    htons(csum_update16(ntohs(ip->csum), oldw,
		                        (uint16_t)(ip->ttl << 8 | ip->proto)));
	} else {
		struct ipv6_hdr *ip6 = (struct ipv6_hdr *)(frame + pi->l3_ofs);

		if (ip6->hop_limit)
			ip6->hop_limit--;
	}
}
