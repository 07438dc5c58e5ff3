/* SPDX-License-Identifier: Apache-2.0 */
/*
 * parse: the frame parser behind pkt_parse(), and the flow hash.
 *
 * Every read of frame bytes goes through a struct cursor.  The IP layer
 * works on a second cursor that ends at ip_end, so Ethernet padding after
 * the datagram is never taken for L4 data and nothing above IP can read
 * past the length the IP header declares.
 */
#include "pkt/parse.h"

#include <arpa/inet.h>
#include <string.h>

#include "lib/cursor.h"
#include "lib/util.h"
#include "pkt/arp.h"
#include "pkt/csum.h"
#include "pkt/eth.h"
#include "pkt/gre.h"
#include "pkt/icmp.h"
#include "pkt/ipv4.h"
#include "pkt/ipv6.h"
#include "pkt/l4.h"

#define PKT_IP6_EXT_MAX 8 /* extension headers walked before giving up */

static const char *const pkt_err_names[] = {
    "ok",          "trunc_eth",  "trunc_vlan",  "double_vlan",
    "trunc_arp",   "bad_arp",    "trunc_ip",    "bad_ip_version",
    "bad_ip_hlen", "bad_ip_len", "bad_ip_csum", "bad_ip6_ext",
    "trunc_l4",    "bad_nd",     "trunc_gre",   "bad_gre",
};
BUILD_ASSERT(ARRAY_SIZE(pkt_err_names) == PKT_ERR_MAX, "pkt_err_names");

#define X(n, d) d,
static const char *const pkt_err_descs[] = {"no error", PKT_ERRORS};
#undef X
BUILD_ASSERT(ARRAY_SIZE(pkt_err_descs) == PKT_ERR_MAX, "pkt_err_descs");

/* Index of +/-err in the tables, or -1 (INT_MIN included). */
static int
pkt_err_index(int err)
{
	if (err <= -PKT_ERR_MAX || err >= PKT_ERR_MAX)
		return -1;
	return err < 0 ? -err : err;
}

const char *
pkt_err_name(int err)
{
	int i = pkt_err_index(err);

	return i < 0 ? "unknown" : pkt_err_names[i];
}

const char *
pkt_err_desc(int err)
{
	int i = pkt_err_index(err);

	return i < 0 ? "unknown parse error" : pkt_err_descs[i];
}

static void
pkt_read_eth(struct cursor *c, struct eth_addr *e)
{
	if (!cursor_copy(c, e, sizeof(*e)))
		memset(e, 0, sizeof(*e));
}

static void
pkt_read_ip4(struct cursor *c, struct in6_addr *a)
{
	uint32_t be;

	be = htonl(cursor_u32(c));
	ip_set_v4(a, be);
}

static void
pkt_read_ip6(struct cursor *c, struct in6_addr *a)
{
	if (!cursor_copy(c, a, sizeof(*a)))
		memset(a, 0, sizeof(*a));
}

/*
 * ARP, Ethernet/IPv4 only:
 *  1. the fixed 8 bytes must be present (TRUNC_ARP);
 *  2. htype 1, ptype 0x0800, hlen 6, plen 4 (BAD_ARP);
 *  3. the four addresses must be present (TRUNC_ARP).
 * The opcode is returned as is; the pipeline decides what to answer.
 */
static int
pkt_parse_arp(struct cursor *c, struct pkt_info *pi)
{
	uint16_t htype, ptype;
	uint8_t hlen, plen;

	htype = cursor_u16(c);
	ptype = cursor_u16(c);
	hlen = cursor_u8(c);
	plen = cursor_u8(c);
	pi->arp_op = cursor_u16(c);
	if (c->err)
		return -PKT_ERR_TRUNC_ARP;
	if (htype != ARP_HTYPE_ETH || ptype != ETH_TYPE_IPV4 || hlen != 6 ||
	    plen != 4)
		return -PKT_ERR_BAD_ARP;
	if (!cursor_peek(c, ARP_HDR_LEN - 8))
		return -PKT_ERR_TRUNC_ARP;
	pkt_read_eth(c, &pi->arp_sha);
	pkt_read_ip4(c, &pi->arp_spa);
	pkt_read_eth(c, &pi->arp_tha);
	pkt_read_ip4(c, &pi->arp_tpa);
	return 0;
}

/* Big-endian 16 bits at 'p' (bytes a cursor_peek() vouched for). */
static inline uint16_t
pkt_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int
pkt_parse_tcp(struct cursor *c, struct pkt_info *pi)
{
	const uint8_t *p = cursor_peek(c, TCP_HDR_LEN);
	size_t hlen;

	if (!p)
		return -PKT_ERR_TRUNC_L4;
	hlen = (size_t)(p[12] >> 4) * 4;
	if (hlen < TCP_HDR_LEN || !cursor_peek(c, hlen))
		return -PKT_ERR_TRUNC_L4;
	pi->sport = pkt_be16(p);
	pi->dport = pkt_be16(p + 2);
	cursor_skip(c, 4);
	return 0;
}

static int
pkt_parse_udp(struct cursor *c, struct pkt_info *pi)
{
	const uint8_t *p = cursor_peek(c, UDP_HDR_LEN);

	if (!p)
		return -PKT_ERR_TRUNC_L4;
	pi->sport = pkt_be16(p);
	pi->dport = pkt_be16(p + 2);
	cursor_skip(c, 4);
	return 0;
}

/* ICMP and ICMPv6: every message has at least type, code, checksum and
 * four type-specific bytes. */
static int
pkt_parse_icmp(struct cursor *c, struct pkt_info *pi)
{
	if (!cursor_peek(c, ICMP_HDR_LEN))
		return -PKT_ERR_TRUNC_L4;
	pi->icmp_type = cursor_u8(c);
	pi->icmp_code = cursor_u8(c);
	return 0;
}

/*
 * Neighbour discovery (RFC 4861 sections 4.1-4.6):
 *  1. the fixed part must be present: RS 8, RA 16, NS and NA 24,
 *     redirect 40 bytes (BAD_ND);
 *  2. options fill the rest of the message, each with a non-zero length
 *     that fits (BAD_ND);
 *  3. the first source (RS, RA, NS) or target (NA) link-layer option
 *     gives nd_lladdr; NS and NA give nd_target;
 *  4. nd_ll_any is the first link-layer option of either type, and
 *     nd_ll_mixed is set when another one, of either type and in any
 *     position, names another address: receivers differ in which one
 *     they believe, so anti-spoofing must see all of them.
 * Hop limit 255, code 0 and the checksum are the pipeline's to check.
 */
static int
pkt_parse_nd(const struct cursor *c, size_t ofs, struct pkt_info *pi)
{
	struct cursor m;
	size_t fixed;
	uint8_t want = 0;

	switch (pi->icmp_type) {
	case ND_ROUTER_SOLICIT:
		fixed = ND_RS_LEN;
		want = ND_OPT_SOURCE_LINKADDR;
		break;
	case ND_ROUTER_ADVERT:
		fixed = ND_RA_LEN;
		want = ND_OPT_SOURCE_LINKADDR;
		break;
	case ND_NEIGHBOR_SOLICIT:
		fixed = ND_NSNA_LEN;
		want = ND_OPT_SOURCE_LINKADDR;
		break;
	case ND_NEIGHBOR_ADVERT:
		fixed = ND_NSNA_LEN;
		want = ND_OPT_TARGET_LINKADDR;
		break;
	case ND_REDIRECT:
		fixed = ND_REDIRECT_LEN;
		break;
	default:
		return 0;
	}

	cursor_init(&m, c->buf, c->len);
	cursor_skip(&m, ofs);
	if (!cursor_peek(&m, fixed))
		return -PKT_ERR_BAD_ND;
	if (fixed == ND_NSNA_LEN) {
		cursor_skip(&m, ICMP_HDR_LEN);
		pkt_read_ip6(&m, &pi->nd_target);
	} else {
		cursor_skip(&m, fixed);
	}
	while (cursor_left(&m)) {
		const uint8_t *o = cursor_peek(&m, 2);
		size_t olen;

		if (!o)
			return -PKT_ERR_BAD_ND;
		olen = (size_t)o[1] * ND_OPT_UNIT;
		if (!olen || !cursor_peek(&m, olen))
			return -PKT_ERR_BAD_ND;
		if ((o[0] == ND_OPT_SOURCE_LINKADDR ||
		     o[0] == ND_OPT_TARGET_LINKADDR) &&
		    olen >= 2 + sizeof(pi->nd_lladdr)) {
			struct eth_addr ll;

			cursor_skip(&m, 2);
			pkt_read_eth(&m, &ll);
			olen -= 2 + sizeof(ll);
			if (o[0] == want && !pi->has_nd_lladdr) {
				pi->nd_lladdr = ll;
				pi->has_nd_lladdr = true;
			}
			if (!pi->has_nd_ll_any) {
				pi->nd_ll_any = ll;
				pi->has_nd_ll_any = true;
			} else if (!eth_equal(&pi->nd_ll_any, &ll)) {
				pi->nd_ll_mixed = true;
			}
		}
		cursor_skip(&m, olen);
	}
	return 0;
}

/*
 * GRE (RFC 2784, RFC 2890):
 *  1. the 4-byte base header must be present (TRUNC_GRE);
 *  2. version 0 (1 is PPTP's enhanced GRE) and the RFC 1701 routing bit
 *     clear (BAD_GRE);
 *  3. checksum + reserved, key and sequence number follow, 4 bytes each,
 *     in that order, when flagged (TRUNC_GRE);
 *  4. inner_ofs is the byte after them (ip_end for an empty payload).
 * The GRE checksum is not verified; NVGRE does not send one.
 */
static int
pkt_parse_gre(struct cursor *c, struct pkt_info *pi)
{
	const uint8_t *p = cursor_peek(c, GRE_HDR_LEN);
	size_t hlen, key_at = GRE_HDR_LEN;
	uint16_t flags;

	if (!p)
		return -PKT_ERR_TRUNC_GRE;
	flags = pkt_be16(p);
	pi->gre_flags = flags;
	pi->gre_proto = pkt_be16(p + 2);
	if (flags & (GRE_VERSION_MASK | GRE_FLAG_ROUTING))
		return -PKT_ERR_BAD_GRE;
	if (flags & GRE_FLAG_CSUM)
		key_at += 4;
	hlen = key_at + (flags & GRE_FLAG_KEY ? 4 : 0) +
	       (flags & GRE_FLAG_SEQ ? 4 : 0);
	p = cursor_peek(c, hlen);
	if (!p)
		return -PKT_ERR_TRUNC_GRE;
	pi->gre_has_key = (flags & GRE_FLAG_KEY) != 0;
	pi->gre_key = pi->gre_has_key ? (uint32_t)pkt_be16(p + key_at) << 16 |
	                                    pkt_be16(p + key_at + 2)
	                              : 0;
	cursor_skip(c, hlen);
	pi->inner_ofs = (uint16_t)c->off;
	return 0;
}

/* Upper layer at c->off (the cursor ends at ip_end). */
static int
pkt_parse_l4(struct cursor *c, struct pkt_info *pi)
{
	size_t ofs = c->off;
	int err;

	switch (pi->l4_proto) {
	case IPPROTO_TCP:
		err = pkt_parse_tcp(c, pi);
		break;
	case IPPROTO_UDP:
		err = pkt_parse_udp(c, pi);
		break;
	case IPPROTO_ICMP:
		if (pi->is_ipv6)
			return 0;
		err = pkt_parse_icmp(c, pi);
		break;
	case IPPROTO_ICMPV6:
		if (!pi->is_ipv6)
			return 0;
		err = pkt_parse_icmp(c, pi);
		if (!err)
			err = pkt_parse_nd(c, ofs, pi);
		break;
	case IPPROTO_GRE:
		err = pkt_parse_gre(c, pi);
		break;
	default:
		return 0;
	}
	if (!err)
		pi->l4_ofs = (uint16_t)ofs;
	return err;
}

/*
 * IPv4 (RFC 791, RFC 1122 3.2.1):
 *  1. 20 bytes present (TRUNC_IP); version 4 (BAD_IP_VERSION);
 *  2. IHL >= 5 (BAD_IP_HLEN) and the whole header present (TRUNC_IP);
 *  3. header checksum valid (BAD_IP_CSUM);
 *  4. IHL * 4 <= total length <= bytes left in the frame (BAD_IP_LEN);
 *  5. a fragment with offset != 0 carries no L4 header: stop there.
 */
static int
pkt_parse_ipv4(struct cursor *fc, struct pkt_info *pi)
{
	struct cursor c;
	const uint8_t *h;
	size_t l3 = fc->off, avail = cursor_left(fc), hlen, tot;
	uint16_t frag;
	uint32_t be;

	h = cursor_peek(fc, IPV4_HDR_LEN);
	if (!h)
		return -PKT_ERR_TRUNC_IP;
	if (h[0] >> 4 != 4)
		return -PKT_ERR_BAD_IP_VERSION;
	hlen = (size_t)(h[0] & 0x0f) * 4;
	if (hlen < IPV4_HDR_LEN)
		return -PKT_ERR_BAD_IP_HLEN;
	h = cursor_peek(fc, hlen);
	if (!h)
		return -PKT_ERR_TRUNC_IP;
	if (hlen == IPV4_HDR_LEN ? csum_ipv4_hdr20(h) != 0xffff
	                         : !csum_ok(csum_add(0, h, hlen)))
		return -PKT_ERR_BAD_IP_CSUM;

	/* The header is all there (peeked above): read it in place. */
	pi->is_ip = true;
	tot = pkt_be16(h + 2);
	frag = pkt_be16(h + 6);
	pi->ttl = h[8];
	pi->l4_proto = h[9];
	memcpy(&be, h + 12, 4);
	ip_set_v4(&pi->ip_src, be);
	memcpy(&be, h + 16, 4);
	ip_set_v4(&pi->ip_dst, be);
	cursor_skip(fc, IPV4_HDR_LEN);
	if (tot < hlen || tot > avail)
		return -PKT_ERR_BAD_IP_LEN;
	pi->ip_end = (uint16_t)(l3 + tot);
	pi->ip_df = (frag & IPV4_FLAG_DF) != 0;
	pi->is_fragment = (frag & (IPV4_FLAG_MF | IPV4_FRAG_OFF_MASK)) != 0;
	pi->is_later_fragment = (frag & IPV4_FRAG_OFF_MASK) != 0;
	if (pi->is_later_fragment)
		return 0;

	cursor_init(&c, fc->buf, pi->ip_end);
	cursor_skip(&c, l3 + hlen);
	return pkt_parse_l4(&c, pi);
}

/*
 * IPv6 (RFC 8200):
 *  1. 40 bytes present (TRUNC_IP); version 6 (BAD_IP_VERSION);
 *  2. 40 + payload length <= bytes left in the frame (BAD_IP_LEN);
 *  3. extension headers, each wholly inside the payload, else
 *     BAD_IP6_EXT: hop-by-hop (first only), routing, destination options
 *     ((len + 1) * 8 bytes) and fragment (8 bytes, at most one); at most
 *     PKT_IP6_EXT_MAX of them;
 *  4. a fragment with offset != 0 carries no L4 header: stop there; an
 *     atomic fragment (offset 0, M clear) is not a fragment.
 */
static int
pkt_parse_ipv6(struct cursor *fc, struct pkt_info *pi)
{
	struct cursor c;
	size_t l3 = fc->off, plen;
	bool seen_frag = false;
	uint8_t nh;

	if (!cursor_peek(fc, IPV6_HDR_LEN))
		return -PKT_ERR_TRUNC_IP;
	if (cursor_u8(fc) >> 4 != 6)
		return -PKT_ERR_BAD_IP_VERSION;
	pi->is_ip = true;
	pi->is_ipv6 = true;
	cursor_skip(fc, 3);
	plen = cursor_u16(fc);
	nh = cursor_u8(fc);
	pi->ttl = cursor_u8(fc);
	pkt_read_ip6(fc, &pi->ip_src);
	pkt_read_ip6(fc, &pi->ip_dst);
	if (plen > cursor_left(fc))
		return -PKT_ERR_BAD_IP_LEN;
	pi->ip_end = (uint16_t)(l3 + IPV6_HDR_LEN + plen);

	cursor_init(&c, fc->buf, pi->ip_end);
	cursor_skip(&c, l3 + IPV6_HDR_LEN);
	for (int n = 0;; n++) {
		uint16_t frag;
		uint8_t len;

		if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING &&
		    nh != IPPROTO_DSTOPTS && nh != IPPROTO_FRAGMENT)
			break;
		if (n == PKT_IP6_EXT_MAX || (nh == IPPROTO_HOPOPTS && n > 0))
			return -PKT_ERR_BAD_IP6_EXT;
		if (nh == IPPROTO_FRAGMENT) {
			if (seen_frag || !cursor_peek(&c, 8))
				return -PKT_ERR_BAD_IP6_EXT;
			seen_frag = true;
			nh = cursor_u8(&c);
			cursor_skip(&c, 1);
			frag = cursor_u16(&c);
			cursor_skip(&c, 4);
			if (frag & (IPV6_FRAG_OFF_MASK | IPV6_FRAG_MORE))
				pi->is_fragment = true;
			if (frag & IPV6_FRAG_OFF_MASK) {
				pi->is_later_fragment = true;
				pi->l4_proto = nh;
				return 0;
			}
			continue;
		}
		if (!cursor_peek(&c, 2))
			return -PKT_ERR_BAD_IP6_EXT;
		nh = cursor_u8(&c);
		len = cursor_u8(&c);
		if (!cursor_skip(&c, ((size_t)len + 1) * 8 - 2))
			return -PKT_ERR_BAD_IP6_EXT;
	}
	pi->l4_proto = nh;
	return pkt_parse_l4(&c, pi);
}

int
pkt_parse(const uint8_t *frame, size_t len, struct pkt_info *pi)
{
	const uint8_t *eh;
	struct cursor c;
	uint16_t type;

	memset(pi, 0, sizeof(*pi));
	/* Offsets are 16 bits: bytes past 64 KiB are treated as trailing
	 * padding (frames are at most PBUF_FRAME_MAX anyway). */
	if (len > UINT16_MAX)
		len = UINT16_MAX;
	cursor_init(&c, frame, len);

	eh = cursor_peek(&c, ETH_HDR_LEN);
	if (!eh)
		return -PKT_ERR_TRUNC_ETH;
	memcpy(&pi->eth_dst, eh, sizeof(pi->eth_dst));
	memcpy(&pi->eth_src, eh + 6, sizeof(pi->eth_src));
	type = pkt_be16(eh + 12);
	cursor_skip(&c, ETH_HDR_LEN);
	if (type == ETH_TYPE_VLAN) {
		pi->vlan_tci = cursor_u16(&c);
		type = cursor_u16(&c);
		if (c.err)
			return -PKT_ERR_TRUNC_VLAN;
		pi->has_vlan = true;
		if (type == ETH_TYPE_VLAN || type == ETH_TYPE_QINQ)
			return -PKT_ERR_DOUBLE_VLAN;
	}
	pi->ethertype = type;
	pi->l3_ofs = (uint16_t)c.off;

	switch (type) {
	case ETH_TYPE_ARP:
		return pkt_parse_arp(&c, pi);
	case ETH_TYPE_IPV4:
		return pkt_parse_ipv4(&c, pi);
	case ETH_TYPE_IPV6:
		return pkt_parse_ipv6(&c, pi);
	default:
		return 0;
	}
}

/* MurmurHash3 (x86_32) block mixing and finalizer. */
static uint32_t
pkt_rotl(uint32_t x, int r)
{
	return x << r | x >> (32 - r);
}

static uint32_t
pkt_hash_add(uint32_t h, uint32_t k)
{
	k *= 0xcc9e2d51;
	k = pkt_rotl(k, 15);
	k *= 0x1b873593;
	h ^= k;
	h = pkt_rotl(h, 13);
	return h * 5 + 0xe6546b64;
}

/* Big-endian 32-bit words, then any bytes left one at a time. */
static uint32_t
pkt_hash_bytes(uint32_t h, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i + 4 <= len; i += 4) {
		uint32_t w;

		memcpy(&w, p + i, 4);
		h = pkt_hash_add(h, ntohl(w));
	}
	for (; i < len; i++)
		h = pkt_hash_add(h, p[i]);
	return h;
}

/* An address: IPv4 (IPv4-mapped) as its 4 bytes, IPv6 as all 16. */
static uint32_t
pkt_hash_ip(uint32_t h, const struct in6_addr *a, uint32_t *n)
{
	if (ip_is_v4(a)) {
		*n += 1;
		return pkt_hash_add(h, ntohl(ip_get_v4(a)));
	}
	*n += 4;
	return pkt_hash_bytes(h, a, sizeof(*a));
}

static uint32_t
pkt_hash_finish(uint32_t h, uint32_t len)
{
	h ^= len;
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

/*
 * IP: addresses (an IPv4 one as its 4 bytes), protocol and (TCP/UDP)
 * ports; every fragment of a datagram leaves the ports out, so all its
 * pieces take one path.  ARP: the protocol addresses.  Anything else:
 * the MACs and EtherType.
 */
uint32_t
pkt_flow_hash_v4(uint32_t src_be, uint32_t dst_be, uint8_t proto,
                 uint32_t ports)
{
	uint32_t h = 0x4e564752; /* "NVGR" */

	h = pkt_hash_add(h, ntohl(src_be));
	h = pkt_hash_add(h, ntohl(dst_be));
	h = pkt_hash_add(h, proto);
	h = pkt_hash_add(h, ports);
	h = pkt_hash_add(h, ETH_TYPE_IPV4);
	return pkt_hash_finish(h, 4 * 4);
}

uint32_t
pkt_flow_hash(const struct pkt_info *pi)
{
	uint32_t h = 0x4e564752; /* "NVGR" */
	uint32_t n = 0;

	if (pi->is_ip && !pi->is_ipv6 && !pi->is_fragment)
		return pkt_flow_hash_v4(ip_get_v4(&pi->ip_src),
		                        ip_get_v4(&pi->ip_dst), pi->l4_proto,
		                        (uint32_t)pi->sport << 16 | pi->dport);
	if (pi->is_ip) {
		h = pkt_hash_ip(h, &pi->ip_src, &n);
		h = pkt_hash_ip(h, &pi->ip_dst, &n);
		h = pkt_hash_add(h, pi->l4_proto);
		n++;
		if (!pi->is_fragment) {
			h = pkt_hash_add(h,
			                 (uint32_t)pi->sport << 16 | pi->dport);
			n++;
		}
	} else if (pi->ethertype == ETH_TYPE_ARP) {
		h = pkt_hash_bytes(h, &pi->arp_spa, sizeof(pi->arp_spa));
		h = pkt_hash_bytes(h, &pi->arp_tpa, sizeof(pi->arp_tpa));
		n = 32;
	} else {
		h = pkt_hash_bytes(h, &pi->eth_src, sizeof(pi->eth_src));
		h = pkt_hash_bytes(h, &pi->eth_dst, sizeof(pi->eth_dst));
		n = 12;
	}
	h = pkt_hash_add(h, pi->ethertype);
	return pkt_hash_finish(h, n * 4);
}
