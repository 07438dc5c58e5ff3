/* SPDX-License-Identifier: Apache-2.0 */
/*
 * uplink: the host's side of the physical network.
 *
 * The agent owns its provider addresses (PAs) on the uplink; the kernel
 * does not know them.  So this file:
 *  1. answers ARP requests and ND solicitations for local PAs (on the PA's
 *     VLAN), and echo requests to them;
 *  2. resolves the next hop of a destination PA (on-link if inside a local
 *     PA's prefix, else through the longest provider route) by ARP or ND,
 *     learning from replies and from requests addressed to us;
 *  3. encapsulates (RFC 7637, see pkt/nvgre.h): the outer source is the
 *     source's PA when it is local, else the first local PA of the
 *     destination's family; the encapsulator never fragments;
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
 *        source MAC.
 */
#include "pipeline/internal.h"

#include <netinet/icmp6.h>
#include <string.h>

#include "lib/hash.h"
#include "pkt/build.h"
#include "pkt/nvgre.h"

#define NEIGH_STALE_NS (120ull * 1000000000ull)
#define NEIGH_EXPIRE_NS (600ull * 1000000000ull)
#define NEIGH_PROBE_NS (1000000000ull)

static const struct eth_addr eth_bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

/* The PA's MAC, or the uplink's when it has none or when it is a
 * multicast address (the book gives Host1 33:44:55:66:77:88, which no
 * switch accepts as a source: policy warns about it). */
static void
pa_mac(const struct pipeline *pl, const struct provider_address *pa,
       struct eth_addr *mac)
{
	bool usable = !eth_is_zero(&pa->mac) && !eth_is_multicast(&pa->mac);

	*mac = usable ? pa->mac : pl->cfg.uplink_mac;
}

static uint32_t
neigh_hash(const struct in6_addr *ip)
{
	return hash_bytes(ip, sizeof(*ip), 0);
}

static struct pl_neigh *
neigh_find(struct pipeline *pl, const struct in6_addr *ip)
{
	struct hmap_node *h;

	for (h = hmap_first_with_hash(&pl->neigh_map, neigh_hash(ip)); h;
	     h = hmap_next_with_hash(h)) {
		struct pl_neigh *n = CONTAINER_OF(h, struct pl_neigh, node);

		if (ip_equal(&n->ip, ip))
			return n;
	}
	return NULL;
}

static void
neigh_drop_pending(struct pipeline *pl, struct pl_neigh *n)
{
	if (n->pending) {
		pl_drop(pl, n->pending, DROP_PA_UNRESOLVED);
		n->pending = NULL;
	}
}

static struct pl_neigh *
neigh_create(struct pipeline *pl, const struct in6_addr *ip)
{
	struct pl_neigh *oldest = NULL;

	for (int i = 0; i < PL_NEIGH_MAX; i++) {
		struct pl_neigh *n = &pl->neigh[i];

		if (!n->used) {
			oldest = n;
			break;
		}
		if (!oldest || n->updated_ns < oldest->updated_ns)
			oldest = n;
	}
	neigh_drop_pending(pl, oldest);
	if (oldest->used)
		hmap_remove(&pl->neigh_map, &oldest->node);
	memset(oldest, 0, sizeof(*oldest));
	oldest->used = true;
	oldest->ip = *ip;
	hmap_insert(&pl->neigh_map, &oldest->node, neigh_hash(ip));
	oldest->updated_ns = time_ns();
	return oldest;
}

/* Learns ip -> mac.  Creates an entry only if 'create'; otherwise updates
 * one we already track (as Linux does for ARP it overhears). */
static void
neigh_learn(struct pipeline *pl, const struct in6_addr *ip,
            const struct eth_addr *mac, uint16_t vlan, bool create)
{
	struct pl_neigh *n = neigh_find(pl, ip);

	if (!n && !create)
		return;
	if (!n)
		n = neigh_create(pl, ip);
	n->mac = *mac;
	n->vlan = vlan;
	n->resolved = true;
	n->updated_ns = time_ns();
	if (n->pending) {
		memcpy(n->pending->data, mac, 6);
		pl_emit(pl, PIPELINE_UPLINK, n->pending);
		n->pending = NULL;
	}
}

static void
neigh_probe(struct pipeline *pl, const struct provider_address *pa,
            struct pl_neigh *n)
{
	struct eth_addr mac;
	struct trace *tr;
	struct pbuf *b;
	size_t len;

	n->probed_ns = time_ns();
	b = pl_alloc(pl);
	if (!b)
		return;
	pa_mac(pl, pa, &mac);
	if (ip_is_v4(&n->ip))
		len = build_arp(b->data, PBUF_FRAME_MAX, &eth_bcast, &mac,
		                pa->vlan, 1, &mac, &pa->pa,
		                &(struct eth_addr){{0}}, &n->ip);
	else
		len = build_nd_ns(b->data, PBUF_FRAME_MAX, &mac, pa->vlan,
		                  &pa->pa, &n->ip, &mac);
	if (!len) {
		pl_free(pl, b);
		return;
	}
	b->len = (uint32_t)len;
	/* Sent for real even while tracing: a trace of a packet to a new
	 * host leaves the next hop resolving, as real traffic would. */
	tr = pl->tr;
	pl->tr = NULL;
	pl_emit(pl, PIPELINE_UPLINK, b);
	pl->tr = tr;
}

struct pa_prefix_search {
	const struct in6_addr *dst;
	const struct provider_address *found;
};

static int
pa_prefix_cb(const struct provider_address *pa, void *aux)
{
	struct pa_prefix_search *s = aux;
	struct in6_addr net = pa->pa;

	ip_mask(&net, pa->plen);
	if (ip_in_prefix(s->dst, &net, pa->plen)) {
		s->found = pa;
		return 1;
	}
	return 0;
}

void
neigh_tick(struct pipeline *pl)
{
	uint64_t now = time_ns();

	for (int i = 0; i < PL_NEIGH_MAX; i++) {
		struct pl_neigh *n = &pl->neigh[i];
		const struct provider_address *pa;

		if (!n->used)
			continue;
		if (now - n->updated_ns > NEIGH_EXPIRE_NS) {
			neigh_drop_pending(pl, n);
			hmap_remove(&pl->neigh_map, &n->node);
			n->used = false;
			continue;
		}
		/* An unanswered resolution gives up its packet after 3 s. */
		if (!n->resolved && now - n->updated_ns > 3 * NEIGH_PROBE_NS)
			neigh_drop_pending(pl, n);
		if (n->resolved && now - n->updated_ns < NEIGH_STALE_NS)
			continue;
		if (now - n->probed_ns <
		    (n->resolved ? 30 : 1) * NEIGH_PROBE_NS)
			continue;
		pa = policy_pa_first(pl->pol, &n->ip);
		if (pa)
			neigh_probe(pl, pa, n);
	}
}

void
uplink_encap(struct pipeline *pl, struct pbuf *b, const struct pkt_info *pi,
             uint32_t vsid, const struct in6_addr *dst_pa,
             const struct lookup_record *owner)
{
	const struct provider_address *pa = NULL;
	const struct provider_route *pr;
	struct pa_prefix_search s = {.dst = dst_pa};
	const struct in6_addr *nh;
	char ip[IP_ADDR_STRLEN], ip2[IP_ADDR_STRLEN], m[ETH_ADDR_STRLEN];
	struct nvgre_outer o;
	struct pl_neigh *n;
	size_t olen;
	uint8_t flowid;

	/* Rule 3: the outer source. */
	if (owner && ip_is_v4(&owner->pa) == ip_is_v4(dst_pa))
		pa = policy_pa_find(pl->pol, &owner->pa);
	if (!pa)
		pa = policy_pa_first(pl->pol, dst_pa);
	if (!pa) {
		pl_drop(pl, b, DROP_NO_LOCAL_PA);
		return;
	}
	/* Rule 2: the next hop. */
	policy_pa_foreach(pl->pol, NULL, pa_prefix_cb, &s);
	if (s.found) {
		nh = dst_pa;
		TR(pl, "encap", "PA %s is on-link (local PA %s/%d)",
		   ip_fmt(dst_pa, ip), ip_fmt(&s.found->pa, ip2),
		   s.found->plen);
	} else {
		pr = policy_pr_lookup(pl->pol, dst_pa);
		if (!pr) {
			TR(pl, "encap", "PA %s: not on-link, no provider route",
			   ip_fmt(dst_pa, ip));
			pl_drop(pl, b, DROP_NO_PROVIDER_ROUTE);
			return;
		}
		nh = ip_is_unspec(&pr->nexthop) ? dst_pa : &pr->nexthop;
		TR(pl, "encap", "PA %s via provider route %s -> next hop %s",
		   ip_fmt(dst_pa, ip),
		   prefix_fmt(&pr->prefix, pr->plen,
		              (char[IP_ADDR_STRLEN + 4]){0}),
		   ip_fmt(nh, ip2));
	}
	n = neigh_find(pl, nh);
	if (!n)
		n = neigh_create(pl, nh);
	if (!n->resolved) {
		if (time_ns() - n->probed_ns > NEIGH_PROBE_NS)
			neigh_probe(pl, pa, n);
		TR(pl, "encap",
		   "next hop %s not resolved yet: %s sent; "
		   "the packet waits for the answer",
		   ip_fmt(nh, ip), ip_is_v4(nh) ? "ARP request" : "NS");
		/* Like the kernel's neighbour queue: the packet waits
		 * (only the latest one) while the pool has room. */
		if (pl->n_free < PL_POOL_SIZE / 2) {
			pl_drop(pl, b, DROP_PA_UNRESOLVED);
			return;
		}
	}
	o.eth_dst = n->mac;
	pa_mac(pl, pa, &o.eth_src);
	o.vlan = pa->vlan;
	o.pa_src = pa->pa;
	o.pa_dst = *dst_pa;
	olen = nvgre_outer_len(&o);
	/* The outer IP datagram must fit the uplink MTU: no fragmenting. */
	if (b->len + olen - 14 - (o.vlan ? 4 : 0) >
	    (size_t)pl->cfg.uplink_mtu) {
		pl_drop(pl, b, DROP_TOO_BIG);
		return;
	}
	flowid = pl->cfg.flowid_zero ? 0 : (uint8_t)pkt_flow_hash(pi);
	TR(pl, "encap", "NVGRE vsid %u flowid %u: %s -> %s, next hop MAC %s%s",
	   vsid, flowid, ip_fmt(&pa->pa, ip), ip_fmt(dst_pa, ip2),
	   eth_fmt(&n->mac, m), o.vlan ? " (tagged)" : "");
	if (!pbuf_push(b, olen)) {
		pl_drop(pl, b, DROP_NO_BUFFER);
		return;
	}
	nvgre_write(b->data, &o, vsid, flowid, b->len - olen);
	if (!n->resolved && !pl->tr) {
		neigh_drop_pending(pl, n);
		n->pending = b;
		return;
	}
	if (pl->tr)
		trace_verdict(pl->tr, "encapsulated to PA %s with VSID %u",
		              ip_fmt(dst_pa, ip2), vsid);
	pl_emit(pl, PIPELINE_UPLINK, b);
}

static const struct provider_address *
local_pa(struct pipeline *pl, const struct in6_addr *ip, uint16_t vlan)
{
	const struct provider_address *pa = policy_pa_find(pl->pol, ip);

	return pa && pa->vlan == vlan ? pa : NULL;
}

static void
uplink_arp(struct pipeline *pl, struct pbuf *b, const struct pkt_info *pi,
           uint16_t vlan)
{
	const struct provider_address *pa = local_pa(pl, &pi->arp_tpa, vlan);
	struct eth_addr mac, asker = pi->arp_sha;
	struct in6_addr target = pi->arp_tpa, sender = pi->arp_spa;
	size_t n;

	if (!ip_is_unspec(&pi->arp_spa))
		neigh_learn(pl, &pi->arp_spa, &pi->arp_sha, vlan, pa != NULL);
	if (!pa || pi->arp_op != 1) {
		TR(pl, "uplink", "ARP %s not for a local PA",
		   pi->arp_op == 1 ? "request" : "reply");
		pl_drop(pl, b, DROP_NOT_FOR_US);
		return;
	}
	TR(pl, "uplink", "ARP request for local PA: reply");
	pa_mac(pl, pa, &mac);
	n = build_arp(b->data, PBUF_FRAME_MAX, &asker, &mac, pa->vlan, 2, &mac,
	              &target, &asker, &sender);
	b->len = (uint32_t)n;
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
		if (pi->has_nd_lladdr)
			neigh_learn(pl, &pi->nd_target, &pi->nd_lladdr, vlan,
			            false);
		pl_drop(pl, b, DROP_NOT_FOR_US);
		return;
	}
	if (pi->icmp_type != ND_NEIGHBOR_SOLICIT || !pa) {
		pl_drop(pl, b, DROP_NOT_FOR_US);
		return;
	}
	if (ip_is_unspec(&pi->ip_src)) {
		/* Someone's DAD probes our PA: defend it. */
		dst = (struct in6_addr){{{0xff, 0x02, [15] = 1}}};
		asker = (struct eth_addr){{0x33, 0x33, 0, 0, 0, 1}};
	} else if (pi->has_nd_lladdr) {
		neigh_learn(pl, &pi->ip_src, &pi->nd_lladdr, vlan, true);
	}
	pa_mac(pl, pa, &mac);
	n = build_nd_na(
	    b->data, PBUF_FRAME_MAX, &asker, &mac, pa->vlan, &target, &dst,
	    &target, &mac,
	    ND_NA_FLAG_OVERRIDE |
	        (ip_is_unspec(&pi->ip_src) ? 0 : ND_NA_FLAG_SOLICITED));
	b->len = (uint32_t)n;
	pl_emit(pl, PIPELINE_UPLINK, b);
}

/* Rule 4e: does 'outer_src' own the inner frame's source? */
static bool
src_pa_ok(struct pipeline *pl, uint32_t vsid, const struct pkt_info *in,
          const struct in6_addr *outer_src)
{
	const struct lookup_record *rec = NULL;
	const struct in6_addr *src = NULL;

	if (in->ethertype == 0x0806)
		src = &in->arp_spa;
	else if (in->is_ip)
		src = &in->ip_src;
	if (src && !ip_is_unspec(src) &&
	    !(!ip_is_v4(src) && IN6_IS_ADDR_LINKLOCAL(src)))
		rec = vm_ca_owner(pl, vsid, src);
	else
		rec = policy_lr_by_mac(pl->pol, vsid, &in->eth_src);
	return rec && ip_equal(&rec->pa, outer_src);
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

static void
uplink_decap(struct pipeline *pl, struct pbuf *b, const struct pkt_info *po)
{
	struct in6_addr outer_src = po->ip_src;
	char ip[IP_ADDR_STRLEN], m[ETH_ADDR_STRLEN];
	struct pkt_info pi;
	uint32_t vsid;
	int err;

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
	   ip_fmt(&outer_src, ip), po->gre_key, vsid, po->gre_key & 0xff);
	/* Strip the outer headers (and any Ethernet padding after the IP
	 * datagram). */
	b->len = po->ip_end;
	pbuf_pull(b, po->inner_ofs);
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
	if (!eth_is_multicast(&pi.eth_dst) &&
	    !policy_vma_by_mac(pl->pol, vsid, &pi.eth_dst)) {
		struct vsid_search s = {.vsid = vsid, .mac = &pi.eth_dst};
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
	if (!src_pa_ok(pl, vsid, &pi, &outer_src)) {
		TR(pl, "decap", "PA %s does not own the inner source",
		   ip_fmt(&outer_src, ip));
		pl_drop(pl, b, DROP_SRC_PA_MISMATCH);
		return;
	}
	TR(pl, "egress", "vsid %u matches the destination adapter", vsid);
	vm_deliver(pl, b, &pi, vsid, -1);
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
		pl_drop(pl, b, DROP_NOT_FOR_US);
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
		pl_drop(pl, b, DROP_NOT_FOR_US);
		return;
	}
	if (pa->vlan != vlan) {
		pl_drop(pl, b, DROP_WRONG_VLAN);
		return;
	}
	if (pi.l4_proto == 47) {
		uplink_decap(pl, b, &pi);
		return;
	}
	if (is_echo_request(&pi) &&
	    build_echo_reply_inplace(b->data, b->len, &pi) == 0) {
		TR(pl, "uplink", "echo request to local PA: reply");
		pl_emit(pl, PIPELINE_UPLINK, b);
		return;
	}
	pl_drop(pl, b, DROP_NOT_NVGRE);
}
