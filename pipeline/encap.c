/* SPDX-License-Identifier: Apache-2.0 */
/*
 * encap: a frame leaves for another host.  The rule of the destination's
 * lookup record decides how (pl_forward_remote); for the tunnel rule this
 * file picks the outer source and next hop, makes the frame fit the
 * uplink, and prepends the outer header.
 *
 * Rules:
 *  1. one rule for a destination record on every path (switched or
 *     routed, local or remote): TranslationMethodNone is reached on no
 *     path (rule_none); TranslationMethodNat is IP Rewrite (nat.c);
 *     TranslationMethodEncap is the tunnel below;
 *  2. the outer source is the source's PA when it is local (the receiver
 *     checks that it owns the inner source), else the local PA whose
 *     prefix holds the destination, else the first local PA of the
 *     destination's family; the frame takes that PA's VLAN;
 *  3. the next hop is the destination PA when it is inside the prefix of
 *     the source PA or of another local PA on the same VLAN (a prefix on
 *     another VLAN is not reachable from the source PA), else the next
 *     hop of the longest provider route (none: no_provider_route); it is
 *     resolved by ARP/ND from the PA on its link (neigh.c), the packet
 *     waiting meanwhile;
 *  4. the encapsulator never fragments the outer packet (RFC 7637 4.1,
 *     RFC 7348 4.3).
 *     The largest inner IP packet is the uplink MTU minus the overhead
 *     (outer IP, tunnel header, inner Ethernet: NVGRE 42 bytes over IPv4
 *     PAs, 62 over IPv6; VXLAN 50 and 70).  A bigger one is handled as a
 *     router of that MTU would (RFC 1191, RFC 1812 5.2.6, RFC 8201):
 *     a. IPv4 with DF set: dropped (too_big), and an ICMP "fragmentation
 *        needed" carrying that MTU goes back to the sender, from the
 *        router address of its subnet, rate-limited;
 *     b. IPv4 without DF: fragmented (options that must be copied are
 *        copied into every fragment), each fragment tunnelled alone;
 *     c. IPv6: dropped (too_big) with an ICMPv6 "packet too big";
 *     d. anything else (too big ARP, non-IP): dropped (too_big).
 *  5. the tunnel is the host's (--encap): NVGRE (pkt/nvgre.h) or VXLAN
 *     (pkt/vxlan.h), VNI = VSID; FlowID (NVGRE) or UDP source port
 *     (VXLAN, 49152..65535): a hash of the inner flow (the same for every
 *     fragment of a packet), or 0 (49152) when configured.
 */
#include "pipeline/internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "pkt/csum.h"
#include "pkt/eth.h"
#include "pkt/icmp.h"
#include "pkt/ipv4.h"
#include "pkt/nvgre.h"
#include "pkt/vxlan.h"

/* What the tunnel needs to send one frame to one PA (rules 2-3). */
struct encap_ctx {
	bool rewrite; /* IP Rewrite (nat.c): no tunnel, a new Ethernet */
	uint32_t vsid;
	const struct in6_addr *dst_pa;
	const struct provider_address *pa;
	struct pl_neigh *n;
	struct nvgre_outer o;
	size_t olen;    /* outer header bytes */
	size_t ip_mtu;  /* the largest inner IP packet (rule 4) */
	uint8_t flowid; /* NVGRE */
	uint16_t sport; /* VXLAN */
};

const char *
pipeline_encap_name(enum pipeline_encap e)
{
	return e == PIPELINE_ENCAP_VXLAN ? "vxlan" : "nvgre";
}

int
pipeline_encap_parse(const char *s, enum pipeline_encap *e)
{
	if (!strcasecmp(s, "nvgre"))
		*e = PIPELINE_ENCAP_NVGRE;
	else if (!strcasecmp(s, "vxlan"))
		*e = PIPELINE_ENCAP_VXLAN;
	else
		return -EINVAL;
	return 0;
}

int
pipeline_encap_overhead(enum pipeline_encap e, bool v6_pa)
{
	/* Outer IP + (GRE with key | UDP + VXLAN) + inner Ethernet. */
	return (v6_pa ? 40 : 20) +
	       (e == PIPELINE_ENCAP_VXLAN ? 8 + VXLAN_HDR_LEN : 8) + 14;
}

/* Is 'ip' inside the prefix of local PA 'pa'? */
static bool
pa_holds(const struct provider_address *pa, const struct in6_addr *ip)
{
	return ip_same_prefix(ip, &pa->pa, pa->plen);
}

/* Rules 2-3.  False if the packet was dropped. */
static bool
encap_prepare(struct pipeline *pl, struct pbuf *b, uint32_t vsid,
              const struct in6_addr *dst_pa, const struct lookup_record *owner,
              struct encap_ctx *c)
{
	const struct provider_address *pa = NULL, *onlink;
	const struct provider_route *pr;
	const struct in6_addr *nh;
	char ip[IP_ADDR_STRLEN], ip2[IP_ADDR_STRLEN];

	if (owner && ip_is_v4(&owner->pa) == ip_is_v4(dst_pa))
		pa = policy_pa_find(pl->pol, &owner->pa);
	if (!pa)
		pa = neigh_on_link_pa(pl, dst_pa);
	if (!pa)
		pa = policy_pa_first(pl->pol, dst_pa);
	if (!pa) {
		pl_drop(pl, b, DROP_NO_LOCAL_PA);
		return false;
	}
	/* On-link of the source PA, or of another local PA on the same
	 * VLAN (the same segment); another VLAN is not reachable from it. */
	onlink = pa_holds(pa, dst_pa) ? pa : neigh_on_link_pa(pl, dst_pa);
	if (onlink && onlink->vlan != pa->vlan)
		onlink = NULL;
	if (onlink) {
		nh = dst_pa;
		TR(pl, "encap", "PA %s is on-link (local PA %s/%d)",
		   ip_fmt(dst_pa, ip), ip_fmt(&onlink->pa, ip2), onlink->plen);
	} else {
		pr = policy_pr_lookup(pl->pol, dst_pa);
		if (!pr) {
			TR(pl, "encap", "PA %s: not on-link, no provider route",
			   ip_fmt(dst_pa, ip));
			pl_drop(pl, b, DROP_NO_PROVIDER_ROUTE);
			return false;
		}
		nh = ip_is_unspec(&pr->nexthop) ? dst_pa : &pr->nexthop;
		TR(pl, "encap", "PA %s via provider route %s -> next hop %s",
		   ip_fmt(dst_pa, ip),
		   prefix_fmt(&pr->prefix, pr->plen,
		              (char[IP_ADDR_STRLEN + 4]){0}),
		   ip_fmt(nh, ip2));
	}
	c->n = neigh_for_tx(pl, nh);
	if (!c->n) {
		pl_drop(pl, b, DROP_PA_UNRESOLVED);
		return false;
	}
	if (!c->n->resolved) {
		if (neigh_probe_due(c->n))
			neigh_probe(pl, onlink ? onlink : pa, c->n);
		TR(pl, "encap",
		   "next hop %s not resolved yet: %s sent; "
		   "the packet waits for the answer",
		   ip_fmt(nh, ip), ip_is_v4(nh) ? "ARP request" : "NS");
		/* Like the kernel's neighbour queue: the packet waits
		 * (only the latest one) while the pool has room. */
		if (pl->n_free < PL_POOL_SIZE / 2) {
			pl_drop(pl, b, DROP_PA_UNRESOLVED);
			return false;
		}
	}
	c->vsid = vsid;
	c->dst_pa = dst_pa;
	c->pa = pa;
	c->o.eth_dst = c->n->mac;
	pl_pa_mac(pl, pa, &c->o.eth_src);
	c->o.vlan = pa->vlan;
	c->o.pa_src = pa->pa;
	c->o.pa_dst = *dst_pa;
	if (c->rewrite) {
		c->olen = ETH_HDR_LEN + (pa->vlan ? VLAN_HDR_LEN : 0);
		c->ip_mtu = (size_t)pl->cfg.uplink_mtu;
		return true;
	}
	c->olen = pl->cfg.encap == PIPELINE_ENCAP_VXLAN
	              ? vxlan_outer_len(&c->o)
	              : nvgre_outer_len(&c->o);
	c->ip_mtu =
	    (size_t)(pl->cfg.uplink_mtu -
	             pipeline_encap_overhead(pl->cfg.encap, !ip_is_v4(dst_pa)));
	return true;
}

/* Prepends the outer header and sends (or parks) the frame. */
static void
encap_send(struct pipeline *pl, struct pbuf *b, const struct encap_ctx *c)
{
	char ip[IP_ADDR_STRLEN], ip2[IP_ADDR_STRLEN], m[ETH_ADDR_STRLEN];

	if (c->rewrite) {
		/* nat.c rule 4: the uplink's Ethernet header replaces the
		 * VM's. */
		pbuf_pull(b, ETH_HDR_LEN);
		if (!pbuf_push(b, c->olen)) {
			pl_drop(pl, b, DROP_NO_BUFFER);
			return;
		}
		eth_hdr_write(b->data, &c->o.eth_dst, &c->o.eth_src, c->o.vlan,
		              ip_is_v4(c->dst_pa) ? ETH_TYPE_IPV4
		                                  : ETH_TYPE_IPV6);
		TR(pl, "nat", "IP Rewrite to PA %s from %s, next hop MAC %s%s",
		   ip_fmt(c->dst_pa, ip2), ip_fmt(&c->pa->pa, ip),
		   eth_fmt(&c->n->mac, m), c->o.vlan ? " (tagged)" : "");
		if (!c->n->resolved && !pl->tr) {
			neigh_hold(pl, c->n, b);
			return;
		}
		if (pl->tr)
			trace_verdict(pl->tr,
			              "sent IP-rewritten (no encapsulation) "
			              "to PA %s",
			              ip_fmt(c->dst_pa, ip2));
		pl_emit(pl, PIPELINE_UPLINK, b);
		return;
	}

	if (pl->cfg.encap == PIPELINE_ENCAP_VXLAN)
		TR(pl, "encap",
		   "VXLAN vni %u source port %u: %s -> %s, next hop MAC %s%s",
		   c->vsid, c->sport, ip_fmt(&c->pa->pa, ip),
		   ip_fmt(c->dst_pa, ip2), eth_fmt(&c->n->mac, m),
		   c->o.vlan ? " (tagged)" : "");
	else
		TR(pl, "encap",
		   "NVGRE vsid %u flowid %u: %s -> %s, next hop MAC %s%s",
		   c->vsid, c->flowid, ip_fmt(&c->pa->pa, ip),
		   ip_fmt(c->dst_pa, ip2), eth_fmt(&c->n->mac, m),
		   c->o.vlan ? " (tagged)" : "");
	if (!pbuf_push(b, c->olen)) {
		pl_drop(pl, b, DROP_NO_BUFFER);
		return;
	}
	if (pl->cfg.encap == PIPELINE_ENCAP_VXLAN)
		vxlan_write(b->data, &c->o, c->vsid, c->sport,
		            b->len - c->olen);
	else
		nvgre_write(b->data, &c->o, c->vsid, c->flowid,
		            b->len - c->olen);
	if (!c->n->resolved && !pl->tr) {
		neigh_hold(pl, c->n, b);
		return;
	}
	if (pl->tr)
		trace_verdict(pl->tr, "encapsulated (%s) to PA %s with VSID %u",
		              pipeline_encap_name(pl->cfg.encap),
		              ip_fmt(c->dst_pa, ip2), c->vsid);
	else if (pl->cfg.encap == PIPELINE_ENCAP_NVGRE)
		fast_note_encap(pl, b, c->olen, c->ip_mtu, c->n);
	pl_emit(pl, PIPELINE_UPLINK, b);
}

/* The IPv4 options of 'opts' (length 'len') whose copied flag is set, in
 * 'out'; returns their length padded to 4 bytes (RFC 791: option type
 * bit 0x80; the single-byte options end-of-list and no-operation are not
 * copied). */
static size_t
copied_options(const uint8_t *opts, size_t len, uint8_t *out)
{
	size_t i = 0, n = 0;

	while (i < len) {
		uint8_t t = opts[i], olen;

		if (t == 0)
			break;
		if (t == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			break;
		olen = opts[i + 1];
		if (olen < 2 || i + olen > len)
			break;
		if (t & 0x80) {
			memcpy(out + n, opts + i, olen);
			n += olen;
		}
		i += olen;
	}
	while (n % 4)
		out[n++] = 0;
	return n;
}

/* Rule 4b: splits the IPv4 packet in 'b' (parsed in 'pi') into
 * fragments whose IP packets fit 'c->ip_mtu' and tunnels each.  Takes
 * ownership of 'b'. */
static void
encap_fragment(struct pipeline *pl, struct pbuf *b, const struct pkt_info *pi,
               const struct encap_ctx *c)
{
	const struct ipv4_hdr *ih =
	    (const struct ipv4_hdr *)(b->data + pi->l3_ofs);
	size_t hlen = (size_t)(ih->ver_ihl & 0x0f) * 4;
	size_t total = (size_t)(pi->ip_end - pi->l3_ofs), pos = hlen;
	uint16_t frag = ntohs(ih->frag_off);
	size_t base_off = (size_t)(frag & IPV4_FRAG_OFF_MASK) * 8;
	bool more_after = (frag & IPV4_FLAG_MF) != 0;
	uint8_t later_opts[40];
	size_t later_hlen = IPV4_HDR_LEN;
	int made = 0;

	if (hlen > IPV4_HDR_LEN)
		later_hlen +=
		    copied_options(b->data + pi->l3_ofs + IPV4_HDR_LEN,
		                   hlen - IPV4_HDR_LEN, later_opts);
	if (c->ip_mtu < later_hlen + 8 || c->ip_mtu < hlen + 8) {
		pl_drop(pl, b, DROP_TOO_BIG);
		return;
	}
	TR(pl, "encap",
	   "IPv4 packet of %zu bytes without DF, MTU %zu: fragmented", total,
	   c->ip_mtu);
	while (pos < total) {
		bool first = pos == hlen;
		size_t fh = first ? hlen : later_hlen;
		size_t chunk = (c->ip_mtu - fh) & ~(size_t)7;
		struct pbuf *f;
		struct ipv4_hdr *fi;
		bool last;

		if (chunk > total - pos)
			chunk = total - pos;
		last = pos + chunk == total;
		f = pl_alloc(pl);
		if (!f) {
			pl_drop(pl, b, DROP_NO_BUFFER);
			return;
		}
		f->in_port = b->in_port;
		f->vsid = b->vsid;
		memcpy(f->data, b->data, pi->l3_ofs);
		fi = (struct ipv4_hdr *)(f->data + pi->l3_ofs);
		memcpy(fi, ih, IPV4_HDR_LEN);
		if (first)
			memcpy(fi + 1, ih + 1, hlen - IPV4_HDR_LEN);
		else
			memcpy(fi + 1, later_opts, later_hlen - IPV4_HDR_LEN);
		memcpy((uint8_t *)fi + fh, (const uint8_t *)ih + pos, chunk);
		fi->ver_ihl = (uint8_t)(4 << 4 | fh / 4);
		fi->tot_len = htons((uint16_t)(fh + chunk));
		fi->frag_off =
		    htons((uint16_t)(((base_off + pos - hlen) / 8) |
		                     (!last || more_after ? IPV4_FLAG_MF : 0)));
		fi->csum = 0;
		fi->csum = htons(csum_fold(csum_add(0, fi, fh)));
		f->len = (uint32_t)(pi->l3_ofs + fh + chunk);
		encap_send(pl, f, c);
		made++;
		pos += chunk;
	}
	pl->events[PLEV_FRAGMENTED]++;
	pl->events[PLEV_FRAGMENTS_SENT] += (uint64_t)made;
	pl_free(pl, b);
}

/* Rule 4 for a frame whose inner IP packet exceeds c->ip_mtu. */
static void
encap_too_big(struct pipeline *pl, struct pbuf *b, const struct pkt_info *pi,
              const struct encap_ctx *c)
{
	size_t ip_len = pi->is_ip ? (size_t)(pi->ip_end - pi->l3_ofs)
	                          : b->len - ETH_HDR_LEN;

	TR(pl, "encap",
	   "%zu-byte packet does not fit: the uplink MTU %d leaves %zu for "
	   "the inner IP packet",
	   ip_len, pl->cfg.uplink_mtu, c->ip_mtu);
	if (pi->is_ip && !pi->is_ipv6 && !pi->ip_df) {
		encap_fragment(pl, b, pi, c);
		return;
	}
	if (pi->is_ip && !pi->is_ipv6)
		pl_icmp_error(pl, b, pi, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
		              (uint32_t)c->ip_mtu);
	else if (pi->is_ipv6)
		pl_icmp_error(pl, b, pi, ICMP6_PACKET_TOO_BIG, 0,
		              (uint32_t)c->ip_mtu);
	pl_drop(pl, b, DROP_TOO_BIG);
}

static void
uplink_send(struct pipeline *pl, struct pbuf *b, const struct pkt_info *pi,
            uint32_t vsid, const struct in6_addr *dst_pa,
            const struct lookup_record *owner, bool rewrite)
{
	struct encap_ctx c = {.rewrite = rewrite};
	size_t ip_len;
	uint32_t hash;

	if (!encap_prepare(pl, b, vsid, dst_pa, owner, &c))
		return;
	hash = pkt_flow_hash(pi);
	c.flowid = pl->cfg.flowid_zero ? 0 : (uint8_t)hash;
	c.sport = vxlan_sport(pl->cfg.flowid_zero ? 0 : hash);
	ip_len = pi->is_ip ? (size_t)(pi->ip_end - pi->l3_ofs)
	                   : b->len - ETH_HDR_LEN;
	if (ip_len > c.ip_mtu) {
		encap_too_big(pl, b, pi, &c);
		return;
	}
	encap_send(pl, b, &c);
}

void
uplink_encap(struct pipeline *pl, struct pbuf *b, const struct pkt_info *pi,
             uint32_t vsid, const struct in6_addr *dst_pa,
             const struct lookup_record *owner)
{
	uplink_send(pl, b, pi, vsid, dst_pa, owner, false);
}

void
uplink_send_rewritten(struct pipeline *pl, struct pbuf *b,
                      const struct pkt_info *pi, const struct in6_addr *dst_pa,
                      const struct lookup_record *src)
{
	uplink_send(pl, b, pi, 0, dst_pa, src, true);
}

bool
pl_rule_allows(struct pipeline *pl, struct pbuf *b,
               const struct lookup_record *rec)
{
	if (rec->rule == LR_RULE_NONE) {
		TR(pl, "forward",
		   "lookup record %s vsid %u: rule "
		   "TranslationMethodNone",
		   ip_fmt(&rec->ca, (char[IP_ADDR_STRLEN]){0}), rec->vsid);
		pl_drop(pl, b, DROP_RULE_NONE);
		return false;
	}
	return true;
}

void
pl_forward_remote(struct pipeline *pl, struct pbuf *b,
                  const struct pkt_info *pi, uint32_t vsid,
                  const struct lookup_record *rec,
                  const struct lookup_record *src)
{
	if (!pl_rule_allows(pl, b, rec))
		return;
	if (policy_pa_find(pl->pol, &rec->pa)) {
		pl_drop(pl, b, DROP_NO_LOCAL_PORT);
		return;
	}
	if (rec->rule == LR_RULE_NAT) {
		nat_output(pl, b, pi, rec, src);
		return;
	}
	uplink_encap(pl, b, pi, vsid, &rec->pa, src);
}
