/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nat: IP Rewrite, flow F10 (lookup records with TranslationMethodNat).
 * No encapsulation: every such CA has a PA of its own, and the hosts
 * rewrite addresses in place (seeds 000, 001: "each CA address is assigned
 * a unique PA address ... the receiving host performs the reverse address
 * replacement ... it identifies the VSID from the same pairs of PA and CA
 * addresses").
 *
 * Sending (a VM's packet to a remote IP Rewrite record, switched or
 * routed):
 *  1. only IP packets (nat_not_ip);
 *  2. the destination address is the record's CA, and the source address
 *     the CA of an IP Rewrite record whose PA is one of this host's
 *     provider addresses (the sender's own PA); a gateway's forwarded
 *     traffic, whose addresses are no records' CAs, cannot be rewritten
 *     (nat_address, nat_no_source);
 *  3. source CA := source PA, destination CA := destination PA; the IPv4
 *     header checksum and the TCP, UDP and ICMPv6 checksums follow
 *     (ICMPv4's does not cover addresses); the TTL is the router's
 *     business (routed packets were decremented already);
 *  4. the inner Ethernet header is replaced by the uplink's (the next hop
 *     of the destination PA, the source PA's MAC and VLAN) and the packet
 *     leaves as it is: no overhead, but the path MTU rules of encap.c.
 * Receiving (an IP packet to a local PA that is an IP Rewrite record's):
 *  5. the destination PA gives the record, so the VSID and the CA; its
 *     adapter must be here (no_local_port);
 *  6. the source PA must be an IP Rewrite record's in the same routing
 *     domain (or VSID) as the destination, which gives the source CA
 *     (nat_unknown_source): no other tenant's packet can be rewritten
 *     into this one;
 *  7. addresses rewritten back, checksums as in 3;
 *  8. Ethernet to the adapter: from the source's MAC when it is in the
 *     same VSID (switched), else from the router's MAC in the destination
 *     VSID (routed); then delivered.
 * Limits: ICMP errors from the physical network about a rewritten packet
 * quote PAs, which are not translated back.
 */
#include "pipeline/internal.h"

#include <string.h>

#include "pkt/build.h"
#include "pkt/eth.h"

void
nat_output(struct pipeline *pl, struct pbuf *b, const struct pkt_info *pi,
           const struct lookup_record *rec, const struct lookup_record *src)
{
	char a[IP_ADDR_STRLEN], c[IP_ADDR_STRLEN], d[IP_ADDR_STRLEN],
	    e[IP_ADDR_STRLEN];

	if (!pi->is_ip) {
		pl_drop(pl, b, DROP_NAT_NOT_IP);
		return;
	}
	if (!ip_equal(&pi->ip_dst, &rec->ca)) {
		TR(pl, "nat", "destination %s is not the record's CA %s",
		   ip_fmt(&pi->ip_dst, a), ip_fmt(&rec->ca, c));
		pl_drop(pl, b, DROP_NAT_ADDRESS);
		return;
	}
	if (!src || src->rule != LR_RULE_NAT ||
	    !ip_equal(&pi->ip_src, &src->ca) ||
	    !policy_pa_find(pl->pol, &src->pa)) {
		TR(pl, "nat",
		   "source %s has no IP Rewrite record with a PA of this "
		   "host",
		   ip_fmt(&pi->ip_src, a));
		pl_drop(pl, b, DROP_NAT_NO_SOURCE);
		return;
	}
	TR(pl, "nat", "IP Rewrite: %s -> %s becomes %s -> %s",
	   ip_fmt(&pi->ip_src, a), ip_fmt(&pi->ip_dst, c), ip_fmt(&src->pa, d),
	   ip_fmt(&rec->pa, e));
	if (build_rewrite_addrs(b->data, pi, &src->pa, &rec->pa) < 0) {
		pl_drop(pl, b, DROP_NAT_ADDRESS);
		return;
	}
	uplink_send_rewritten(pl, b, pi, &rec->pa, src);
}

/* Rule 6: the source record, in the destination's routing domain. */
static const struct lookup_record *
nat_source(const struct pipeline *pl, const struct lookup_record *dst,
           const struct in6_addr *src_pa)
{
	const struct lookup_record *s = policy_lr_nat_by_pa(pl->pol, src_pa);
	struct guid rd_s, rd_d;

	if (!s)
		return NULL;
	if (s->vsid == dst->vsid)
		return s;
	if (policy_vsid_rdid(pl->pol, s->vsid, &rd_s) &&
	    policy_vsid_rdid(pl->pol, dst->vsid, &rd_d) &&
	    guid_equal(&rd_s, &rd_d))
		return s;
	return NULL;
}

void
nat_input(struct pipeline *pl, struct pbuf *b, const struct pkt_info *po,
          const struct lookup_record *dst)
{
	const struct lookup_record *src;
	struct eth_addr smac;
	char a[IP_ADDR_STRLEN], c[IP_ADDR_STRLEN], d[IP_ADDR_STRLEN],
	    e[IP_ADDR_STRLEN];
	struct pkt_info pi;

	if (!policy_vma_by_mac(pl->pol, dst->vsid, &dst->mac)) {
		TR(pl, "nat",
		   "PA %s is CA %s vsid %u, which has no adapter here",
		   ip_fmt(&dst->pa, a), ip_fmt(&dst->ca, c), dst->vsid);
		pl_drop(pl, b, DROP_NO_LOCAL_PORT);
		return;
	}
	src = nat_source(pl, dst, &po->ip_src);
	if (!src) {
		TR(pl, "nat",
		   "source PA %s is no IP Rewrite record of the routing "
		   "domain of vsid %u",
		   ip_fmt(&po->ip_src, a), dst->vsid);
		pl_drop(pl, b, DROP_NAT_UNKNOWN_SOURCE);
		return;
	}
	TR(pl, "nat", "IP Rewrite back: %s -> %s is %s -> %s (vsid %u)",
	   ip_fmt(&po->ip_src, a), ip_fmt(&po->ip_dst, c), ip_fmt(&src->ca, d),
	   ip_fmt(&dst->ca, e), dst->vsid);
	if (build_rewrite_addrs(b->data, po, &src->ca, &dst->ca) < 0) {
		pl_drop(pl, b, DROP_NAT_ADDRESS);
		return;
	}
	/* Rule 8: a new Ethernet header, untagged, in the destination's
	 * VSID (any Ethernet padding after the IP packet goes too). */
	b->len = po->ip_end;
	pbuf_pull(b, po->l3_ofs);
	if (src->vsid == dst->vsid)
		smac = src->mac;
	else
		pipeline_router_mac(pl, dst->vsid, &smac);
	if (!pbuf_push(b, ETH_HDR_LEN)) {
		pl_drop(pl, b, DROP_NO_BUFFER);
		return;
	}
	eth_hdr_write(b->data, &dst->mac, &smac, 0,
	              po->is_ipv6 ? ETH_TYPE_IPV6 : ETH_TYPE_IPV4);
	b->vsid = dst->vsid;
	if (pkt_parse(b->data, b->len, &pi) < 0) {
		pl_drop(pl, b, DROP_NAT_ADDRESS);
		return;
	}
	vm_deliver(pl, b, &pi, dst->vsid, -1);
}
