/* SPDX-License-Identifier: Apache-2.0 */
/*
 * uplink: the host's side of the physical network.
 *
 * The agent owns its provider addresses (PAs) on the uplink; the kernel
 * does not know them.  So this file:
 *  1. answers ARP requests and ND solicitations for local PAs (on the PA's
 *     VLAN), and echo requests to them;
 *  2. learns next hops (neigh.c) from ARP replies and neighbour
 *     advertisements, and from requests addressed to a local PA;
 *  3. ignores ARP and ND for other hosts on the segment (an event, not a
 *     drop: a healthy host shows no drops);
 *  4. decapsulates NVGRE addressed to a local PA:
 *     a. GRE flags/version exactly 0x2000 (K only) and type 0x6558;
 *     b. VSID = key >> 8 (the FlowID is ignored);
 *     c. the inner frame must parse and be untagged;
 *     d. port egress (the VSID ACL): the destination MAC must be an
 *        adapter of that VSID here; an adapter of another VSID with that
 *        MAC is a VSID mismatch; broadcast goes to the VSID's adapters;
 *     e. the outer source PA must own the inner source: the PA of the
 *        record that owns the source CA (vm_ca_owner), or for ARP the
 *        sender address, or for link-local sources the record of the
 *        source MAC;
 *     f. the inner source MAC must be that record's MAC (when the record
 *        is in the frame's VSID) or a router MAC of the VSID: the
 *        derived one or a ".1" record's; a frame routed into this VSID
 *        from another (the record is in another VSID) may carry the
 *        sending host's router MAC, which is that host's own ".1" record
 *        and unknown here (the book gives each host its own), so there
 *        any MAC that is no VM's of this VSID is a router's; an ARP's
 *        sender MAC must be the frame's source MAC;
 *     g. neighbour discovery: no router advertisement or redirect; link-
 *        layer options and advertised targets as at a VM port (vm.c),
 *        and an advertised CA's record must live at the outer source;
 *     h. F4: a source address no record owns is the sender's when its
 *        MAC has an L2Only record whose PA is the outer source (as at
 *        its own port); an ARP from it is learnt (vm.c rule 10b);
 *     i. F9, for PIPELINE_MOVE_GRACE_S after a VM moves (pipeline.h): a
 *        unicast frame for a VM that left this host goes on to the PA its
 *        record now gives (d'); one for a VM that came here is accepted
 *        from its old host's PA although that PA does not own the
 *        source (e).
 *  5. decapsulates VXLAN (RFC 7348, pkt/vxlan.h) addressed to a local PA,
 *     whatever the host's own --encap (a receiver takes both):
 *     a. UDP to port 4789, unfragmented, with the I flag;
 *     b. VSID = VNI; then as 4c-4h;
 *  6. hands an IP packet to the PA of an IP Rewrite record to nat.c,
 *     whatever it carries (that PA is the VM's own).
 */
#include "pipeline/internal.h"

#include <netinet/icmp6.h>
#include <string.h>

#include "pkt/build.h"
#include "pkt/l4.h"
#include "pkt/nvgre.h"
#include "pkt/vxlan.h"

/* The PA's MAC, or the uplink's when it has none or when it is a
 * multicast address (the book gives Host1 33:44:55:66:77:88, which no
 * switch accepts as a source: policy warns about it). */
void
pl_pa_mac(const struct pipeline *pl, const struct provider_address *pa,
          struct eth_addr *mac)
{
	bool usable = !eth_is_zero(&pa->mac) && !eth_is_multicast(&pa->mac);

	*mac = usable ? pa->mac : pl->cfg.uplink_mac;
}

static const struct provider_address *
local_pa(struct pipeline *pl, const struct in6_addr *ip, uint16_t vlan)
{
	const struct provider_address *pa = policy_pa_find(pl->pol, ip);

	return pa && pa->vlan == vlan ? pa : NULL;
}

/* Rule 3: a frame on the segment that is for another host: counted as
 * an event, not a drop. */
static void
uplink_ignore(struct pipeline *pl, struct pbuf *b, const char *what)
{
	TR(pl, "uplink", "%s: for another host on the segment", what);
	if (pl->tr)
		trace_verdict(pl->tr, "ignored: %s for another host", what);
	pl->events[PLEV_SEGMENT_OTHER]++;
	pl_free(pl, b);
}

/* A frame that taught us a neighbour: consumed. */
static void
uplink_learnt(struct pipeline *pl, struct pbuf *b, const char *what)
{
	TR(pl, "uplink", "%s: next hop learnt or refreshed", what);
	if (pl->tr)
		trace_verdict(pl->tr, "consumed: %s resolved a next hop", what);
	pl->events[PLEV_NEIGH_LEARNT]++;
	pl_free(pl, b);
}

struct mac_search {
	const struct pipeline *pl;
	const struct eth_addr *mac;
};

static int
pa_mac_cb(const struct provider_address *pa, void *aux)
{
	struct mac_search *s = aux;
	struct eth_addr m;

	pl_pa_mac(s->pl, pa, &m);
	return eth_equal(&m, s->mac);
}

/* Is 'mac' the uplink's or a local PA's (unicast) MAC? */
static bool
mac_is_ours(const struct pipeline *pl, const struct eth_addr *mac)
{
	struct mac_search s = {pl, mac};

	if (eth_is_multicast(mac))
		return false;
	if (eth_equal(mac, &pl->cfg.uplink_mac))
		return true;
	return policy_pa_foreach(pl->pol, NULL, pa_mac_cb, &s) != 0;
}

static void
uplink_arp(struct pipeline *pl, struct pbuf *b, const struct pkt_info *pi,
           uint16_t vlan)
{
	const struct provider_address *pa = local_pa(pl, &pi->arp_tpa, vlan);
	struct eth_addr mac, asker = pi->arp_sha;
	struct in6_addr target = pi->arp_tpa, sender = pi->arp_spa;
	bool learnt = false;
	size_t n;

	if (!ip_is_unspec(&pi->arp_spa))
		learnt = neigh_learn(pl, &pi->arp_spa, &pi->arp_sha, vlan,
		                     pa != NULL);
	if (pi->arp_op == 2) {
		if (learnt)
			uplink_learnt(pl, b, "ARP reply");
		else
			uplink_ignore(pl, b, "ARP reply");
		return;
	}
	if (pi->arp_op != 1) {
		pl_drop(pl, b, DROP_ARP_IGNORED);
		return;
	}
	if (!pa) {
		uplink_ignore(pl, b, "ARP request");
		return;
	}
	TR(pl, "uplink", "ARP request for local PA: reply");
	pl_pa_mac(pl, pa, &mac);
	n = build_arp(b->data, PBUF_FRAME_MAX, &asker, &mac, pa->vlan, 2, &mac,
	              &target, &asker, &sender);
	b->len = (uint32_t)n;
	pl->events[PLEV_PA_ANSWERED]++;
	pl_emit(pl, PIPELINE_UPLINK, b);
}

static void
uplink_nd(struct pipeline *pl, struct pbuf *b, const struct pkt_info *pi,
          uint16_t vlan)
{
	const struct provider_address *pa;
	struct eth_addr mac, asker = pi->eth_src;
	struct in6_addr target = pi->nd_target, dst = pi->ip_src;
	size_t n;

	if (pi->ttl != 255) {
		pl_drop(pl, b, DROP_BAD_ND);
		return;
	}
	pa = local_pa(pl, &pi->nd_target, vlan);
	if (pi->icmp_type == ND_NEIGHBOR_ADVERT) {
		if (pi->has_nd_lladdr &&
		    neigh_learn(pl, &pi->nd_target, &pi->nd_lladdr, vlan,
		                false))
			uplink_learnt(pl, b, "neighbour advertisement");
		else
			uplink_ignore(pl, b, "neighbour advertisement");
		return;
	}
	if (!pa) {
		uplink_ignore(pl, b, "neighbour solicitation");
		return;
	}
	if (ip_is_unspec(&pi->ip_src)) {
		/* Someone's DAD probes our PA: defend it. */
		dst = (struct in6_addr){{{0xff, 0x02, [15] = 1}}};
		asker = (struct eth_addr){{0x33, 0x33, 0, 0, 0, 1}};
	} else if (pi->has_nd_lladdr) {
		neigh_learn(pl, &pi->ip_src, &pi->nd_lladdr, vlan, true);
	}
	pl_pa_mac(pl, pa, &mac);
	n = build_nd_na(
	    b->data, PBUF_FRAME_MAX, &asker, &mac, pa->vlan, &target, &dst,
	    &target, &mac,
	    ND_NA_FLAG_OVERRIDE |
	        (ip_is_unspec(&pi->ip_src) ? 0 : ND_NA_FLAG_SOLICITED));
	b->len = (uint32_t)n;
	pl->events[PLEV_PA_ANSWERED]++;
	pl_emit(pl, PIPELINE_UPLINK, b);
}

/* Rule 4f for a frame of 'vsid' whose source is owned by 'rec'. */
static bool
inner_mac_ok(struct pipeline *pl, uint32_t vsid,
             const struct lookup_record *rec, const struct eth_addr *src)
{
	const struct lookup_record *r;

	if (rec->vsid == vsid && eth_equal(&rec->mac, src))
		return true;
	if (vm_is_router_mac(pl, vsid, src))
		return true;
	if (rec->vsid == vsid)
		return false;
	/* Routed into this VSID by the sender's router, whose MAC is the
	 * sender's own ".1" record: any MAC that is no VM's of this VSID. */
	r = policy_lr_by_mac(pl->pol, vsid, src);
	return !eth_is_multicast(src) &&
	       !policy_vma_by_mac(pl->pol, vsid, src) &&
	       !(r && !policy_is_gateway_ca(pl->pol, vsid, &r->ca));
}

/* Rules 4e-4h: does 'outer_src' own the inner frame's source?  Returns
 * DROP_MAX if it does, else the drop reason. */
static enum drop_reason
src_check(struct pipeline *pl, uint32_t vsid, const struct pkt_info *in,
          const struct in6_addr *outer_src)
{
	const struct lookup_record *rec = NULL;
	const struct in6_addr *src = NULL;
	char m[ETH_ADDR_STRLEN];
	bool by_ip;

	if (in->ethertype == 0x0806)
		src = &in->arp_spa;
	else if (in->is_ip)
		src = &in->ip_src;
	by_ip = src && !ip_is_unspec(src) &&
	        !(!ip_is_v4(src) && IN6_IS_ADDR_LINKLOCAL(src));
	if (by_ip)
		rec = vm_ca_owner(pl, vsid, src);
	else
		rec = policy_lr_by_mac(pl->pol, vsid, &in->eth_src);
	if (by_ip && (!rec || (rec->type == LR_TYPE_GW_WILDCARD &&
	                       !eth_equal(&rec->mac, &in->eth_src)))) {
		/* 4h (F4): an address no record owns, from a MAC whose
		 * L2Only record lives behind the outer source PA: the
		 * guest's address is learnt, as at its own port. */
		const struct lookup_record *l2 =
		    vm_l2only_rec(pl, vsid, &in->eth_src);

		if (l2 && ip_equal(&l2->pa, outer_src)) {
			if (in->ethertype == 0x0806 &&
			    eth_equal(&in->arp_sha, &in->eth_src))
				vm_learn(pl, vsid, src, &in->eth_src,
				         outer_src);
			rec = l2;
		}
	}
	if (!rec || !ip_equal(&rec->pa, outer_src))
		return DROP_SRC_PA_MISMATCH;
	/* 4f: the inner source MAC. */
	if (!inner_mac_ok(pl, vsid, rec, &in->eth_src)) {
		TR(pl, "decap",
		   "inner source MAC %s is not the record's %s nor a router "
		   "MAC of vsid %u",
		   eth_fmt(&in->eth_src, m),
		   eth_fmt(&rec->mac, (char[ETH_ADDR_STRLEN]){0}), vsid);
		return DROP_SPOOFED_INNER_MAC;
	}
	if (in->ethertype == 0x0806 && !eth_equal(&in->arp_sha, &in->eth_src))
		return DROP_SPOOFED_INNER_MAC;
	/* 4g: neighbour discovery claims only what the sender owns, as at
	 * a VM port (vm.c rules 5-6), and the claimed address's record
	 * lives behind the outer source PA. */
	if (in->is_ipv6 && in->l4_proto == IPPROTO_ICMPV6 && in->l4_ofs &&
	    in->icmp_type >= ND_ROUTER_SOLICIT &&
	    in->icmp_type <= ND_REDIRECT) {
		const struct lookup_record *t;

		if (in->icmp_type == ND_ROUTER_ADVERT ||
		    in->icmp_type == ND_REDIRECT ||
		    !vm_nd_ok(pl, in, vsid, &in->eth_src))
			return DROP_SPOOFED_ND;
		t = in->icmp_type == ND_NEIGHBOR_ADVERT
		        ? vm_ca_owner(pl, vsid, &in->nd_target)
		        : NULL;
		if (t && !ip_equal(&t->pa, outer_src))
			return DROP_SPOOFED_ND;
	}
	return DROP_MAX;
}

struct vsid_search {
	uint32_t vsid;
	const struct eth_addr *mac;
	bool vsid_here, mac_elsewhere;
};

static int
vsid_search_cb(struct vm_adapter *vma, void *aux)
{
	struct vsid_search *s = aux;

	if (vma->vsid == s->vsid)
		s->vsid_here = true;
	else if (eth_equal(&vma->mac, s->mac))
		s->mac_elsewhere = true;
	return 0;
}

/* Rule 4d' (F9): a frame for a VM that left this host in the grace period
 * goes on to the PA its record now gives, unless that is where it came
 * from or a local PA; the source must still be the sender's (4e-4h).
 * True if 'b' was taken. */
static bool
moved_forward(struct pipeline *pl, struct pbuf *b, const struct pkt_info *pi,
              uint32_t vsid, const struct in6_addr *outer_src)
{
	const struct lookup_record *rec;
	enum drop_reason reason;
	char m[ETH_ADDR_STRLEN], ip[IP_ADDR_STRLEN];

	if (!vm_moved(pl, false, vsid, &pi->eth_dst))
		return false;
	rec = policy_lr_by_mac(pl->pol, vsid, &pi->eth_dst);
	if (!rec || policy_pa_find(pl->pol, &rec->pa) ||
	    ip_equal(&rec->pa, outer_src))
		return false;
	reason = src_check(pl, vsid, pi, outer_src);
	if (reason != DROP_MAX) {
		pl_drop(pl, b, reason);
		return true;
	}
	TR(pl, "decap",
	   "%s moved away from this host; its record now gives PA %s: sent "
	   "on for a sender with the old record",
	   eth_fmt(&pi->eth_dst, m), ip_fmt(&rec->pa, ip));
	pl->events[PLEV_MOVED_FORWARDED]++;
	pl_forward_remote(pl, b, pi, vsid, rec, NULL);
	return true;
}

/* Rules 4c-4h for the inner frame at 'inner_ofs' of the tunnel packet
 * 'b' (outer headers parsed in 'po') of 'vsid'. */
static void
decap_inner(struct pipeline *pl, struct pbuf *b, const struct pkt_info *po,
            size_t inner_ofs, uint32_t vsid)
{
	struct in6_addr outer_src = po->ip_src;
	char ip[IP_ADDR_STRLEN], m[ETH_ADDR_STRLEN];
	enum drop_reason reason;
	struct vm_adapter *dst = NULL; /* the unicast destination */
	struct pkt_info pi;
	int err;

	/* Strip the outer headers (and any Ethernet padding after the IP
	 * datagram). */
	b->len = po->ip_end;
	pbuf_pull(b, inner_ofs);
	b->vsid = vsid;
	err = pkt_parse(b->data, b->len, &pi);
	if (err) {
		pl_drop(pl, b, drop_from_pkt_err(err));
		return;
	}
	if (pi.has_vlan) {
		pl_drop(pl, b, DROP_TAGGED_INNER);
		return;
	}
	/* A local sender (a veth peer) left the inner checksum to "the
	 * NIC": complete it, as the NIC would have before the wire. */
	if (b->flags & PBUF_F_CSUM_PARTIAL)
		build_l4_csum(b->data, &pi);
	if (!eth_is_multicast(&pi.eth_dst) &&
	    !(dst = policy_vma_by_mac(pl->pol, vsid, &pi.eth_dst))) {
		struct vsid_search s = {.vsid = vsid, .mac = &pi.eth_dst};

		if (moved_forward(pl, b, &pi, vsid, &outer_src))
			return;
		struct policy_filter f = {0};

		policy_vma_foreach(pl->pol, &f, vsid_search_cb, &s);
		TR(pl, "egress", "no adapter with MAC %s in vsid %u%s",
		   eth_fmt(&pi.eth_dst, m), vsid,
		   s.mac_elsewhere ? "; that MAC is an adapter of another "
		                     "VSID (the VSID ACL forbids it)"
		                   : "");
		pl_drop(pl, b,
		        !s.vsid_here      ? DROP_UNKNOWN_VSID
		        : s.mac_elsewhere ? DROP_VSID_MISMATCH
		                          : DROP_UNKNOWN_DST);
		return;
	}
	reason = src_check(pl, vsid, &pi, &outer_src);
	/* fast.c: the decision of a frame delivered without 4i */
	if (reason == DROP_MAX && dst)
		fast_note_decap(pl, b, dst);
	if (reason == DROP_SRC_PA_MISMATCH && !eth_is_multicast(&pi.eth_dst)) {
		/* 4i (F9): the VM came here from 'outer_src', whose host
		 * forwards for senders that still have the old record */
		const struct pl_move *mv =
		    vm_moved(pl, true, vsid, &pi.eth_dst);

		if (mv && ip_equal(&mv->from, &outer_src)) {
			TR(pl, "decap",
			   "%s moved here from PA %s, which forwards for "
			   "senders with the old record: accepted",
			   eth_fmt(&pi.eth_dst, m), ip_fmt(&outer_src, ip));
			pl->events[PLEV_MOVED_ACCEPTED]++;
			reason = DROP_MAX;
		}
	}
	if (reason != DROP_MAX) {
		if (reason == DROP_SRC_PA_MISMATCH)
			TR(pl, "decap", "PA %s does not own the inner source",
			   ip_fmt(&outer_src, ip));
		pl_drop(pl, b, reason);
		return;
	}
	TR(pl, "egress", "vsid %u matches the destination adapter", vsid);
	if (dst)
		vm_deliver_to(pl, b, dst);
	else
		vm_deliver(pl, b, &pi, vsid, -1);
}

/* Rules 4a-4b for NVGRE. */
static void
uplink_decap_nvgre(struct pipeline *pl, struct pbuf *b,
                   const struct pkt_info *po)
{
	char ip[IP_ADDR_STRLEN];
	uint32_t vsid;

	/* The encapsulator never fragments (RFC 7637 4.1): a fragment is
	 * not a whole inner frame. */
	if (po->is_fragment || po->gre_flags != NVGRE_GRE_FLAGS ||
	    po->gre_proto != NVGRE_PROTO) {
		TR(pl, "decap", "GRE flags 0x%04x type 0x%04x%s", po->gre_flags,
		   po->gre_proto, po->is_fragment ? ", fragmented" : "");
		pl_drop(pl, b, DROP_BAD_NVGRE);
		return;
	}
	vsid = po->gre_key >> 8;
	TR(pl, "decap", "NVGRE from PA %s: key 0x%08x = vsid %u flowid %u",
	   ip_fmt(&po->ip_src, ip), po->gre_key, vsid, po->gre_key & 0xff);
	decap_inner(pl, b, po, po->inner_ofs, vsid);
}

/* Rules 5a-5b for VXLAN. */
static void
uplink_decap_vxlan(struct pipeline *pl, struct pbuf *b,
                   const struct pkt_info *po)
{
	size_t ofs = (size_t)po->l4_ofs + UDP_HDR_LEN;
	char ip[IP_ADDR_STRLEN];
	int32_t vni = -1;

	if (!po->is_fragment && po->ip_end > ofs)
		vni = vxlan_parse(b->data + ofs, po->ip_end - ofs);
	if (vni < 0) {
		TR(pl, "decap", "UDP to port %u: not VXLAN%s", VXLAN_PORT,
		   po->is_fragment ? " (fragmented)" : "");
		pl_drop(pl, b, DROP_BAD_VXLAN);
		return;
	}
	TR(pl, "decap", "VXLAN from PA %s: vni %d (UDP source port %u)",
	   ip_fmt(&po->ip_src, ip), vni, po->sport);
	decap_inner(pl, b, po, ofs + VXLAN_HDR_LEN, (uint32_t)vni);
}

static bool
is_echo_request(const struct pkt_info *pi)
{
	return pi->l4_ofs &&
	       ((!pi->is_ipv6 && pi->l4_proto == 1 && pi->icmp_type == 8) ||
	        (pi->is_ipv6 && pi->l4_proto == 58 && pi->icmp_type == 128));
}

void
uplink_input(struct pipeline *pl, struct pbuf *b)
{
	const struct lookup_record *nat;
	const struct provider_address *pa;
	uint16_t vlan;
	struct pkt_info pi;
	int err;

	err = pkt_parse(b->data, b->len, &pi);
	if (err) {
		pl_drop(pl, b, drop_from_pkt_err(err));
		return;
	}
	vlan = pi.has_vlan ? pi.vlan_tci & 0x0fff : 0;
	if (pi.ethertype == 0x0806) {
		uplink_arp(pl, b, &pi, vlan);
		return;
	}
	if (!pi.is_ip) {
		if (mac_is_ours(pl, &pi.eth_dst))
			pl_drop(pl, b, DROP_NOT_FOR_US);
		else
			uplink_ignore(pl, b, "non-IP frame");
		return;
	}
	if (pi.is_ipv6 && pi.l4_proto == IPPROTO_ICMPV6 && pi.l4_ofs &&
	    (pi.icmp_type == ND_NEIGHBOR_SOLICIT ||
	     pi.icmp_type == ND_NEIGHBOR_ADVERT)) {
		uplink_nd(pl, b, &pi, vlan);
		return;
	}
	pa = policy_pa_find(pl->pol, &pi.ip_dst);
	if (!pa) {
		if (mac_is_ours(pl, &pi.eth_dst))
			pl_drop(pl, b, DROP_NOT_FOR_US);
		else
			uplink_ignore(pl, b, "IP packet");
		return;
	}
	if (pa->vlan != vlan) {
		pl_drop(pl, b, DROP_WRONG_VLAN);
		return;
	}
	/* Rule 6: the PA of an IP Rewrite record is that CA's, whatever
	 * the packet carries (a ping to the VM is the VM's to answer). */
	nat = policy_lr_nat_by_pa(pl->pol, &pi.ip_dst);
	if (nat) {
		nat_input(pl, b, &pi, nat);
		return;
	}
	if (pi.l4_proto == IPPROTO_GRE) {
		uplink_decap_nvgre(pl, b, &pi);
		return;
	}
	if (pi.l4_proto == IPPROTO_UDP && pi.l4_ofs && pi.dport == VXLAN_PORT) {
		uplink_decap_vxlan(pl, b, &pi);
		return;
	}
	if (is_echo_request(&pi) &&
	    build_echo_reply_inplace(b->data, b->len, &pi) == 0) {
		TR(pl, "uplink", "echo request to local PA: reply");
		pl->events[PLEV_PA_ANSWERED]++;
		pl_emit(pl, PIPELINE_UPLINK, b);
		return;
	}
	pl_drop(pl, b, DROP_NOT_NVGRE);
}
