/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vm: what happens to a frame a VM sends (DESIGN.md section 3).
 *
 * Port ingress (the Hyper-V switch's VSID tagging and anti-spoofing):
 *  1. the adapter must have a VSID; the frame gets it as out-of-band data;
 *  2. the frame must be untagged and come from the adapter's own MAC;
 *  3. an IP source (or ARP sender) must be owned by this adapter: the
 *     lookup record that owns it (its own record, or the record of the
 *     next hop of the route that covers it: a gateway VM forwards for the
 *     addresses behind it; or, for what no record or route owns, the
 *     routing domain's GatewayWildcard record) has the adapter's MAC.  An
 * address no record owns may be used only by an adapter whose MAC has an L2Only
 * record (its address is learnt, flow F4) or a GatewayWildcard record (a
 *     gateway); any other adapter is dropped (F8).  Unspecified and IPv6
 *     link-local sources are allowed but are never routed.
 * Neighbour discovery from a VM (the IPv6 twin of rule 3; RFC 4861):
 *  4. hop limit 255, else dropped as malformed;
 *  5. every link-layer option (source or target, wherever it stands) must
 *     carry the adapter's MAC;
 *  6. a neighbour advertisement may only advertise an address this
 *     adapter owns (rule 3 applied to its target; a link-local target
 *     must not be the EUI-64 address of another MAC), and never a
 *     router address; a DAD solicitation (unspecified source) may only
 *     probe such an address;
 *  7. router advertisements and redirects are dropped (no VM is a
 *     router of the virtual subnet), and so are router solicitations
 *     (the distributed router does not advertise).
 * ARP/ND responder (no ARP or ND goes onto the wire, except F4's):
 *  8. the ".1" of the subnet is answered with the router's MAC (F2, F7);
 *  9. a CA whose lookup record is on another host is answered from the
 *     record (F3); for ND, every CA with a lookup record is answered
 *     from policy, local ones too, so a guest's advertisement never
 *     decides who owns an address;
 * 10. anything else (a local VM's ARP, gratuitous ARP, DAD) is broadcast
 *     to the VSID's adapters on this host only, where the owner answers
 *     (F1); an ARP request for an address no record names also goes, as
 *     unicast NVGRE, to each other PA that holds an L2Only record of the
 *     VSID (F4: the guest behind it may own the address), at most
 *     FLOOD_PER_SEC requests a second and FLOOD_MAX_PAS PAs each.
 * Learning (F4):
 * 10b. an ARP whose sender MAC has an L2Only record in the VSID and whose
 *     sender address no record owns queues (VSID, address, MAC, PA) for
 *     the agent, which adds a Dynamic record (and reports it to the
 *     controller); so does such an ARP arriving by tunnel (uplink.c).
 * L2:
 * 11. to a router MAC: the distributed router (router.c);
 * 12. to a local adapter of the same VSID: delivered (F1);
 * 13. to the MAC of a lookup record elsewhere: NVGRE to its PA (F3);
 *     the record's rule applies as on the routed path (pl_rule_allows,
 *     pl_forward_remote): a TranslationMethodNone record is reached on
 *     no path, local or remote, switched or routed;
 * 14. otherwise dropped (unknown destination).
 */
#include "pipeline/internal.h"

#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <string.h>

#include "pkt/build.h"

#define FLOOD_PER_SEC 256
#define FLOOD_MAX_PAS 64

static bool
is_link_local(const struct in6_addr *a)
{
	return !ip_is_v4(a) && IN6_IS_ADDR_LINKLOCAL(a);
}

static bool
not_routable(const struct in6_addr *a)
{
	return ip_is_unspec(a) || is_link_local(a) ||
	       (!ip_is_v4(a) && IN6_IS_ADDR_UNSPECIFIED(a));
}

const struct lookup_record *
vm_ca_owner(const struct pipeline *pl, uint32_t vsid, const struct in6_addr *ip)
{
	const struct lookup_record *rec = policy_lr_by_ca(pl->pol, vsid, ip);
	const struct customer_route *cr;
	struct guid rdid;

	if (rec)
		return rec;
	if (!policy_vsid_rdid(pl->pol, vsid, &rdid))
		return NULL;
	cr = policy_cr_lookup(pl->pol, &rdid, ip);
	if (cr && ip_is_unspec(&cr->nexthop))
		rec = policy_lr_by_ca(pl->pol, cr->vsid, ip);
	else if (cr)
		rec = policy_lr_by_ca(pl->pol, cr->vsid, &cr->nexthop);
	/* What no record or route owns is the gateway's (router.c rule 4). */
	return rec ? rec
	           : policy_lr_wildcard(pl->pol, cr ? cr->vsid : vsid, vsid,
	                                ip);
}

bool
vm_src_allowed(const struct pipeline *pl, const struct eth_addr *mac,
               uint32_t vsid, const struct in6_addr *ip,
               const struct lookup_record **owner)
{
	const struct lookup_record *o = vm_ca_owner(pl, vsid, ip);
	unsigned types;

	*owner = o;
	if (o && (o->type != LR_TYPE_GW_WILDCARD || eth_equal(&o->mac, mac)))
		return eth_equal(&o->mac, mac);
	/* Rule 3: no record owns it (but maybe the gateway's wildcard). */
	types = policy_lr_mac_types(pl->pol, vsid, mac);
	return (types & (1u << LR_TYPE_L2ONLY | 1u << LR_TYPE_GW_WILDCARD)) !=
	       0;
}

const struct lookup_record *
vm_l2only_rec(const struct pipeline *pl, uint32_t vsid,
              const struct eth_addr *mac)
{
	if (!(policy_lr_mac_types(pl->pol, vsid, mac) & 1u << LR_TYPE_L2ONLY))
		return NULL;
	return policy_lr_by_mac(pl->pol, vsid, mac);
}

void
vm_learn(struct pipeline *pl, uint32_t vsid, const struct in6_addr *ca,
         const struct eth_addr *mac, const struct in6_addr *pa)
{
	char ip[IP_ADDR_STRLEN], m[ETH_ADDR_STRLEN];

	for (size_t i = 0; i < pl->n_learnt; i++) {
		const struct pl_learnt *l = &pl->learnt[i];
		if (l->vsid == vsid && ip_equal(&l->ca, ca) &&
		    eth_equal(&l->mac, mac) && ip_equal(&l->pa, pa))
			return; /* queued already */
	}
	TR(pl, "learn",
	   "%s vsid %u is at MAC %s behind PA %s: a Dynamic "
	   "record to add",
	   ip_fmt(ca, ip), vsid, eth_fmt(mac, m),
	   ip_fmt(pa, (char[IP_ADDR_STRLEN]){0}));
	if (pl->tr)
		return; /* a trace changes nothing */
	if (pl->n_learnt == PIPELINE_LEARNT_MAX) {
		pl->events[PLEV_LEARN_QUEUE_FULL]++;
		return;
	}
	pl->learnt[pl->n_learnt++] =
	    (struct pl_learnt){.vsid = vsid, .ca = *ca, .mac = *mac, .pa = *pa};
	pl->events[PLEV_CA_LEARNT]++;
}

static void
move_note(struct pl_move *ring, size_t *n, uint32_t vsid,
          const struct eth_addr *mac, const struct in6_addr *from)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (ring[i].vsid == vsid && eth_equal(&ring[i].mac, mac))
			break;
	if (i == *n) {
		if (*n == PIPELINE_MOVES_MAX) {
			memmove(ring, ring + 1, (*n - 1) * sizeof(*ring));
			i = *n - 1;
		} else {
			(*n)++;
		}
	}
	memset(&ring[i], 0, sizeof(ring[i]));
	ring[i].vsid = vsid;
	ring[i].mac = *mac;
	if (from)
		ring[i].from = *from;
	ring[i].until_ns = time_ns() + PIPELINE_MOVE_GRACE_S * 1000000000ull;
}

void
pipeline_departed(struct pipeline *pl, uint32_t vsid,
                  const struct eth_addr *mac)
{
	fast_flush(pl);
	move_note(pl->departed, &pl->n_departed, vsid, mac, NULL);
}

void
pipeline_arrived(struct pipeline *pl, uint32_t vsid, const struct eth_addr *mac,
                 const struct in6_addr *from)
{
	fast_flush(pl);
	move_note(pl->arrived, &pl->n_arrived, vsid, mac, from);
}

const struct pl_move *
vm_moved(const struct pipeline *pl, bool arrived, uint32_t vsid,
         const struct eth_addr *mac)
{
	const struct pl_move *ring = arrived ? pl->arrived : pl->departed;
	size_t n = arrived ? pl->n_arrived : pl->n_departed;
	uint64_t now;

	if (!n)
		return NULL;
	now = time_ns();
	for (size_t i = 0; i < n; i++)
		if (ring[i].vsid == vsid && eth_equal(&ring[i].mac, mac) &&
		    ring[i].until_ns > now)
			return &ring[i];
	return NULL;
}

size_t
pipeline_learnt_take(struct pipeline *pl, struct pl_learnt *out, size_t max)
{
	size_t n = MIN(max, pl->n_learnt);

	memcpy(out, pl->learnt, n * sizeof(*out));
	memmove(pl->learnt, pl->learnt + n, (pl->n_learnt - n) * sizeof(*out));
	pl->n_learnt -= n;
	return n;
}

/* Is link-local 'a' the modified EUI-64 address (RFC 4291 2.5.1) of a MAC
 * other than 'mac'? */
static bool
eui64_of_other(const struct in6_addr *a, const struct eth_addr *mac)
{
	const uint8_t *id = a->s6_addr + 8;

	if (id[3] != 0xff || id[4] != 0xfe)
		return false;
	return (id[0] ^ 0x02) != mac->b[0] || id[1] != mac->b[1] ||
	       id[2] != mac->b[2] || id[5] != mac->b[3] || id[6] != mac->b[4] ||
	       id[7] != mac->b[5];
}

/* Rule 6: may the adapter with 'mac' claim address 't' in ND? */
static bool
nd_claim_ok(struct pipeline *pl, const struct eth_addr *mac, uint32_t vsid,
            const struct in6_addr *t)
{
	const struct lookup_record *owner;

	if (is_link_local(t))
		return !eui64_of_other(t, mac);
	if (ip_is_v4(t) || policy_is_gateway_ca(pl->pol, vsid, t))
		return false;
	return vm_src_allowed(pl, mac, vsid, t, &owner);
}

bool
vm_nd_ok(struct pipeline *pl, const struct pkt_info *pi, uint32_t vsid,
         const struct eth_addr *mac)
{
	char ip[IP_ADDR_STRLEN], m[ETH_ADDR_STRLEN];

	/* Rule 5. */
	if (pi->has_nd_ll_any &&
	    (pi->nd_ll_mixed || !eth_equal(&pi->nd_ll_any, mac))) {
		TR(pl, "ingress",
		   "ND link-layer option %s%s is not the sender's MAC",
		   eth_fmt(&pi->nd_ll_any, m),
		   pi->nd_ll_mixed ? " (and others)" : "");
		return false;
	}
	/* Rule 6. */
	if ((pi->icmp_type == ND_NEIGHBOR_ADVERT ||
	     (pi->icmp_type == ND_NEIGHBOR_SOLICIT &&
	      ip_is_unspec(&pi->ip_src))) &&
	    !nd_claim_ok(pl, mac, vsid, &pi->nd_target)) {
		TR(pl, "ingress", "ND %s claims %s, which %s does not own",
		   pi->icmp_type == ND_NEIGHBOR_ADVERT ? "advertisement"
		                                       : "DAD probe",
		   ip_fmt(&pi->nd_target, ip), eth_fmt(mac, m));
		return false;
	}
	return true;
}

/* A locally administered MAC for the router of a VSID with no ".1" lookup
 * record on this host: 02:48:56 ("HV") + the 24-bit VSID. */
static void
derived_router_mac(uint32_t vsid, struct eth_addr *mac)
{
	mac->b[0] = 0x02;
	mac->b[1] = 0x48;
	mac->b[2] = 0x56;
	mac->b[3] = (uint8_t)(vsid >> 16);
	mac->b[4] = (uint8_t)(vsid >> 8);
	mac->b[5] = (uint8_t)vsid;
}

void
pipeline_router_mac(const struct pipeline *pl, uint32_t vsid,
                    struct eth_addr *mac)
{
	/* Rule F7: the ".1" record of this host, else any ".1" record of
	 * the subnet, else a MAC derived from the VSID. */
	const struct lookup_record *gw = policy_lr_gateway(pl->pol, vsid);

	if (gw)
		*mac = gw->mac;
	else
		derived_router_mac(vsid, mac);
}

/* vm_is_router_mac() with 'r' = policy_lr_by_mac(vsid, mac) at hand. */
static bool
is_router_mac_rec(const struct pipeline *pl, uint32_t vsid,
                  const struct eth_addr *mac, const struct lookup_record *r)
{
	struct eth_addr d;

	derived_router_mac(vsid, &d);
	if (eth_equal(&d, mac))
		return true;
	return r && !ip_is_unspec(&r->ca) &&
	       policy_is_gateway_ca(pl->pol, vsid, &r->ca);
}

bool
vm_is_router_mac(const struct pipeline *pl, uint32_t vsid,
                 const struct eth_addr *mac)
{
	return is_router_mac_rec(pl, vsid, mac,
	                         policy_lr_by_mac(pl->pol, vsid, mac));
}

static bool
port_in_vsid(const struct pl_port *p, uint32_t vsid)
{
	return p->used && p->vma && p->vma->vsid == vsid;
}

void
vm_deliver_to(struct pipeline *pl, struct pbuf *b, struct vm_adapter *vma)
{
	if (vma->port <= 0 || vma->port >= pl->n_ports ||
	    !pl->ports[vma->port].used) {
		pl_drop(pl, b, DROP_UNKNOWN_DST);
		return;
	}
	TR(pl, "l2", "destination %s/%s is a local adapter of vsid %u", vma->vm,
	   vma->name, vma->vsid);
	pl_emit(pl, vma->port, b);
}

void
vm_deliver(struct pipeline *pl, struct pbuf *b, const struct pkt_info *pi,
           uint32_t vsid, int except)
{
	struct vm_adapter *vma;
	int copies = 0, last = -1;

	if (!eth_is_multicast(&pi->eth_dst)) {
		vma = policy_vma_by_mac(pl->pol, vsid, &pi->eth_dst);
		if (!vma) {
			pl_drop(pl, b, DROP_UNKNOWN_DST);
			return;
		}
		vm_deliver_to(pl, b, vma);
		return;
	}
	/* Broadcast domain = the VSID's adapters on this host. */
	for (int i = 1; i < pl->n_ports; i++) {
		struct pbuf *c;

		if (i == except || !port_in_vsid(&pl->ports[i], vsid))
			continue;
		if (last >= 0) {
			c = pl_alloc(pl);
			if (!c)
				break;
			memcpy(c->data, b->data, b->len);
			c->len = b->len;
			c->in_port = b->in_port;
			pl_emit(pl, last, c);
			copies++;
		}
		last = i;
	}
	if (last < 0) {
		TR(pl, "l2", "broadcast: no other adapter in vsid %u here",
		   vsid);
		if (pl->tr)
			trace_verdict(pl->tr,
			              "consumed: no other adapter "
			              "in vsid %u on this host",
			              vsid);
		pl_free(pl, b);
		return;
	}
	TR(pl, "l2", "broadcast within vsid %u: %d local adapter(s)", vsid,
	   copies + 1);
	pl_emit(pl, last, b);
}

/* Sends an ARP reply for 'ip' with 'mac' back to the asking adapter,
 * rewriting the request's buffer. */
static void
arp_answer(struct pipeline *pl, int port, struct pbuf *b,
           const struct pkt_info *pi, const struct eth_addr *mac)
{
	struct eth_addr asker = pi->arp_sha;
	struct in6_addr target = pi->arp_tpa, sender = pi->arp_spa;
	size_t n;

	n = build_arp(b->data, PBUF_FRAME_MAX, &asker, mac, 0, 2, mac, &target,
	              &asker, &sender);
	b->len = (uint32_t)n;
	pl_emit(pl, port, b);
}

static void
nd_answer(struct pipeline *pl, int port, struct pbuf *b,
          const struct pkt_info *pi, const struct eth_addr *mac, bool router)
{
	struct eth_addr asker = pi->eth_src;
	struct in6_addr target = pi->nd_target, dst = pi->ip_src;
	uint32_t flags = ND_NA_FLAG_SOLICITED | ND_NA_FLAG_OVERRIDE;
	size_t n;

	if (router)
		flags |= ND_NA_FLAG_ROUTER;
	n = build_nd_na(b->data, PBUF_FRAME_MAX, &asker, mac, 0, &target, &dst,
	                &target, mac, flags);
	b->len = (uint32_t)n;
	pl_emit(pl, port, b);
}

/* Rules 8-10 for a target address 't': returns true if answered.  'nd':
 * answer for every CA with a lookup record (rule 9). */
static bool
resolve_target(struct pipeline *pl, uint32_t vsid, const struct in6_addr *t,
               bool nd, struct eth_addr *mac, bool *router)
{
	const struct lookup_record *rec;
	char ip[IP_ADDR_STRLEN], m[ETH_ADDR_STRLEN];
	bool local;

	*router = false;
	if (policy_is_gateway_ca(pl->pol, vsid, t)) {
		pipeline_router_mac(pl, vsid, mac);
		*router = true;
		TR(pl, "arp",
		   "%s is the default gateway of vsid %u: answer "
		   "with the router MAC %s",
		   ip_fmt(t, ip), vsid, eth_fmt(mac, m));
		return true;
	}
	rec = policy_lr_by_ca(pl->pol, vsid, t);
	local = rec && policy_vma_by_mac(pl->pol, vsid, &rec->mac);
	if (rec && rec->type != LR_TYPE_GW_WILDCARD &&
	    rec->rule != LR_RULE_NONE && (nd || !local)) {
		*mac = rec->mac;
		TR(pl, "arp",
		   "%s vsid %u: lookup record -> MAC %s on PA %s; "
		   "answered here%s",
		   ip_fmt(t, ip), vsid, eth_fmt(mac, m),
		   ip_fmt(&rec->pa, (char[IP_ADDR_STRLEN]){0}),
		   local ? " (a local adapter)" : ", nothing goes on the wire");
		return true;
	}
	TR(pl, "arp",
	   "%s vsid %u: %s: broadcast to the subnet's local "
	   "adapters",
	   ip_fmt(t, ip), vsid,
	   rec ? "a local adapter answers" : "no lookup record");
	return false;
}

struct flood {
	const struct pipeline *pl;
	const struct lookup_record *recs[FLOOD_MAX_PAS];
	int n;
};

static int
flood_cb(const struct lookup_record *r, void *aux)
{
	struct flood *f = aux;

	if (policy_pa_find(f->pl->pol, &r->pa) || r->rule != LR_RULE_ENCAP)
		return 0;
	for (int i = 0; i < f->n; i++)
		if (ip_equal(&f->recs[i]->pa, &r->pa))
			return 0;
	f->recs[f->n++] = r;
	return f->n == FLOOD_MAX_PAS;
}

/* Rule 10 (F4): copies of the ARP request 'b' for an address no record
 * names, to each other PA with an L2Only record of 'vsid'. */
static void
arp_flood(struct pipeline *pl, int port, struct pbuf *b,
          const struct pkt_info *pi, uint32_t vsid)
{
	struct flood f = {.pl = pl};
	uint64_t now;

	if (policy_lr_by_ca(pl->pol, vsid, &pi->arp_tpa) ||
	    !policy_lr_l2only_foreach(pl->pol, vsid, flood_cb, &f) || !f.n)
		return;
	now = time_ns();
	if (now - pl->flood_window_ns > 1000000000ull) {
		pl->flood_window_ns = now;
		pl->flood_count = 0;
	}
	if (pl->flood_count++ >= FLOOD_PER_SEC) {
		pl->events[PLEV_ARP_FLOOD_LIMITED]++;
		return;
	}
	TR(pl, "arp",
	   "no record names %s: to the %d PA(s) with L2Only "
	   "records of vsid %u",
	   ip_fmt(&pi->arp_tpa, (char[IP_ADDR_STRLEN]){0}), f.n, vsid);
	pl->events[PLEV_ARP_FLOODED]++;
	for (int i = 0; i < f.n; i++) {
		struct pbuf *c = pl_alloc(pl);

		if (!c)
			break;
		memcpy(c->data, b->data, b->len);
		c->len = b->len;
		c->in_port = b->in_port;
		c->vsid = vsid;
		pl_forward_remote(
		    pl, c, pi, vsid, f.recs[i],
		    policy_lr_by_mac(pl->pol, vsid, &pl->ports[port].vma->mac));
	}
}

static void
vm_arp(struct pipeline *pl, int port, struct pbuf *b, struct pkt_info *pi,
       uint32_t vsid)
{
	struct eth_addr mac;
	bool router;

	if (!eth_equal(&pi->arp_sha, &pl->ports[port].vma->mac)) {
		pl_drop(pl, b, DROP_SPOOFED_SRC_MAC);
		return;
	}
	if (pi->arp_op == 1 && !ip_equal(&pi->arp_spa, &pi->arp_tpa) &&
	    resolve_target(pl, vsid, &pi->arp_tpa, false, &mac, &router)) {
		if (pl->tr)
			trace_verdict(pl->tr, "ARP reply sent back to the VM");
		arp_answer(pl, port, b, pi, &mac);
		return;
	}
	if (pi->arp_op != 1 && pi->arp_op != 2) {
		pl_drop(pl, b, DROP_ARP_IGNORED);
		return;
	}
	if (eth_is_multicast(&pi->eth_dst)) {
		if (pi->arp_op == 1)
			arp_flood(pl, port, b, pi, vsid);
		vm_deliver(pl, b, pi, vsid, port);
		return;
	}
	/* A unicast ARP (a reply, or a refresh): switch like any frame. */
	if (policy_vma_by_mac(pl->pol, vsid, &pi->eth_dst)) {
		vm_deliver(pl, b, pi, vsid, port);
	} else {
		const struct lookup_record *rec =
		    policy_lr_by_mac(pl->pol, vsid, &pi->eth_dst);

		if (!rec) {
			pl_drop(pl, b, DROP_UNKNOWN_DST);
			return;
		}
		pl_forward_remote(pl, b, pi, vsid, rec,
		                  vm_ca_owner(pl, vsid, &pi->arp_spa));
	}
}

/* Rules 4-7 and 9 for ICMPv6 types 133-137.  Returns true if the frame
 * was consumed. */
static bool
vm_nd(struct pipeline *pl, int port, struct pbuf *b, struct pkt_info *pi,
      uint32_t vsid)
{
	struct vm_adapter *vma = pl->ports[port].vma;
	struct eth_addr mac;
	bool router;

	if (pi->ttl != 255 || pi->icmp_code != 0) {
		pl_drop(pl, b, DROP_BAD_ND);
		return true;
	}
	if (!vm_nd_ok(pl, pi, vsid, &vma->mac)) {
		pl_drop(pl, b, DROP_SPOOFED_ND);
		return true;
	}
	switch (pi->icmp_type) {
	case ND_ROUTER_SOLICIT:
	case ND_ROUTER_ADVERT:
	case ND_REDIRECT:
		pl_drop(pl, b, DROP_ND_IGNORED);
		return true;
	case ND_NEIGHBOR_SOLICIT:
		/* DAD (unspecified source) is for the local adapters. */
		if (!ip_is_unspec(&pi->ip_src) &&
		    resolve_target(pl, vsid, &pi->nd_target, true, &mac,
		                   &router)) {
			if (pl->tr)
				trace_verdict(pl->tr, "neighbour "
				                      "advertisement sent "
				                      "back to the VM");
			nd_answer(pl, port, b, pi, &mac, router);
			return true;
		}
		return false;
	default:
		return false;
	}
}

void
vm_input(struct pipeline *pl, int port, struct pbuf *b)
{
	struct vm_adapter *vma = pl->ports[port].vma;
	const struct lookup_record *owner = NULL, *rec;
	char ip[IP_ADDR_STRLEN], m[ETH_ADDR_STRLEN];
	struct pkt_info pi;
	uint32_t vsid;
	int err;

	err = pkt_parse(b->data, b->len, &pi);
	if (err) {
		pl_drop(pl, b, drop_from_pkt_err(err));
		return;
	}
	vsid = vma->vsid;
	if (!vsid) {
		pl_drop(pl, b, DROP_PORT_NO_VSID);
		return;
	}
	b->vsid = vsid;
	TR(pl, "ingress", "adapter %s/%s (MAC %s) is in vsid %u", vma->vm,
	   vma->name, eth_fmt(&vma->mac, m), vsid);
	if (pi.has_vlan) {
		pl_drop(pl, b, DROP_TAGGED_FROM_VM);
		return;
	}
	if (!eth_equal(&pi.eth_src, &vma->mac)) {
		pl_drop(pl, b, DROP_SPOOFED_SRC_MAC);
		return;
	}
	if (pi.ethertype == 0x0806) {
		if (!ip_is_unspec(&pi.arp_spa) &&
		    !vm_src_allowed(pl, &vma->mac, vsid, &pi.arp_spa, &owner)) {
			TR(pl, "ingress",
			   "ARP sender %s is not owned by "
			   "this adapter",
			   ip_fmt(&pi.arp_spa, ip));
			pl_drop(pl, b, DROP_SPOOFED_SRC_IP);
			return;
		}
		/* 10b: a sender address no record owns, from an L2Only
		 * MAC (what a wildcard would own is not learnt either) */
		if ((!owner || (owner->type == LR_TYPE_GW_WILDCARD &&
		                !eth_equal(&owner->mac, &vma->mac))) &&
		    !ip_is_unspec(&pi.arp_spa) &&
		    (rec = vm_l2only_rec(pl, vsid, &vma->mac)))
			vm_learn(pl, vsid, &pi.arp_spa, &vma->mac, &rec->pa);
		vm_arp(pl, port, b, &pi, vsid);
		return;
	}
	if (!pi.is_ip) {
		pl_drop(pl, b, DROP_UNSUPPORTED_ETHERTYPE);
		return;
	}
	if (!not_routable(&pi.ip_src)) {
		if (!vm_src_allowed(pl, &vma->mac, vsid, &pi.ip_src, &owner)) {
			TR(pl, "ingress",
			   "source %s is not owned by this adapter%s",
			   ip_fmt(&pi.ip_src, ip),
			   owner ? "" : " (no lookup record owns it)");
			pl_drop(pl, b, DROP_SPOOFED_SRC_IP);
			return;
		}
		if (owner)
			TR(pl, "ingress",
			   "source %s owned by this adapter "
			   "(lookup record %s)",
			   ip_fmt(&pi.ip_src, ip),
			   ip_fmt(&owner->ca, (char[IP_ADDR_STRLEN]){0}));
		else
			TR(pl, "ingress",
			   "source %s: no record owns it; this adapter's "
			   "L2Only or GatewayWildcard record allows it",
			   ip_fmt(&pi.ip_src, ip));
	}
	if (pi.is_ipv6 && pi.l4_proto == IPPROTO_ICMPV6 && pi.l4_ofs &&
	    pi.icmp_type >= ND_ROUTER_SOLICIT && pi.icmp_type <= ND_REDIRECT &&
	    vm_nd(pl, port, b, &pi, vsid))
		return;
	if (eth_is_multicast(&pi.eth_dst)) {
		vm_deliver(pl, b, &pi, vsid, port);
		return;
	}
	/* One lookup of the destination MAC serves rules 11 and 13. */
	rec = policy_lr_by_mac(pl->pol, vsid, &pi.eth_dst);
	if (is_router_mac_rec(pl, vsid, &pi.eth_dst, rec)) {
		TR(pl, "l2", "destination MAC %s is the router: route",
		   eth_fmt(&pi.eth_dst, m));
		if (not_routable(&pi.ip_src)) {
			pl_drop(pl, b, DROP_NOT_ROUTABLE);
			return;
		}
		router_input(
		    pl, port, b, &pi,
		    owner ? owner : policy_lr_by_mac(pl->pol, vsid, &vma->mac));
		return;
	}
	if (rec && !pl_rule_allows(pl, b, rec))
		return;
	if (policy_vma_by_mac(pl->pol, vsid, &pi.eth_dst)) {
		vm_deliver(pl, b, &pi, vsid, port);
		return;
	}
	if (!rec) {
		TR(pl, "l2", "no adapter or lookup record for %s in vsid %u",
		   eth_fmt(&pi.eth_dst, m), vsid);
		pl_drop(pl, b, DROP_UNKNOWN_DST);
		return;
	}
	TR(pl, "l2",
	   "%s is not a local adapter; lookup record %s vsid %u "
	   "-> PA %s",
	   eth_fmt(&pi.eth_dst, m), ip_fmt(&rec->ca, ip), vsid,
	   ip_fmt(&rec->pa, (char[IP_ADDR_STRLEN]){0}));
	fast_arm(pl, b);
	pl_forward_remote(pl, b, &pi, vsid, rec,
	                  owner ? owner
	                        : policy_lr_by_mac(pl->pol, vsid, &vma->mac));
}
