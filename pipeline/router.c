/* SPDX-License-Identifier: Apache-2.0 */
/*
 * router: the distributed router (DESIGN.md F2, F5, F6, F7).  A frame a
 * VM sent to its gateway's MAC:
 *  1. to a ".1" address of the routing domain: an echo request is
 *     answered (F7), anything else is dropped;
 *  2. the source VSID's routing domain (RDID) must be known;
 *  3. longest-prefix match of the destination among the RDID's customer
 *     routes gives the destination VSID and the next hop (the destination
 *     itself when on-link, else the route's next hop, e.g. a gateway VM);
 *     routes of other RDIDs are never consulted, so tenants never meet;
 *  4. the lookup record of the next hop in the destination VSID gives its
 *     MAC and PA; when no route matches, or no record matches the route's
 *     next hop, the routing domain's GatewayWildcard record (CA 0.0.0.0 or
 *     ::: the route's VSID's, else the source VSID's, else any of the
 *     domain's) takes the packet, as Windows does for a gateway (none:
 *     drop);
 *  5. TTL / hop limit: at 1 the packet is dropped with an ICMP time
 *     exceeded from the gateway address; else decremented;
 *  6. destination MAC := the record's MAC, source MAC := the router's MAC
 *     in the destination subnet; the VSID becomes the destination's;
 *  7. a local adapter gets it directly (F2); otherwise NVGRE with the
 *     destination VSID to the record's PA (F5, F6).
 */
#include "pipeline/internal.h"

#include <string.h>

#include "pkt/build.h"

/* The gateway address of the subnet of 'vsid' containing 'a', for ICMP
 * errors; false if none. */
static bool
gateway_of(const struct pipeline *pl, uint32_t vsid, const struct in6_addr *a,
           struct in6_addr *gw)
{
	const struct customer_route *cr = policy_cr_subnet(pl->pol, vsid, a);

	if (!cr)
		return false;
	*gw = cr->prefix;
	gw->s6_addr[15] |= 1;
	return policy_is_gateway_ca(pl->pol, vsid, gw);
}

/* RFC 1812 4.3.2.7 / RFC 4443 2.4(e): never an error about an ICMP error,
 * a non-first fragment, or a multicast or broadcast packet; and at most
 * ICMP_ERR_PER_SEC errors a second. */
#define ICMP_ERR_PER_SEC 100

static bool
may_send_icmp_error(struct pipeline *pl, const struct pkt_info *pi)
{
	uint64_t now = time_ns();

	if (pi->is_later_fragment || eth_is_multicast(&pi->eth_dst))
		return false;
	if (pi->l4_ofs && pi->l4_proto == (pi->is_ipv6 ? 58 : 1) &&
	    (pi->is_ipv6 ? pi->icmp_type < 128
	                 : pi->icmp_type != 0 && pi->icmp_type != 8))
		return false;
	if (now - pl->icmp_err_window_ns > 1000000000ull) {
		pl->icmp_err_window_ns = now;
		pl->icmp_err_count = 0;
	}
	if (pl->icmp_err_count++ < ICMP_ERR_PER_SEC)
		return true;
	pl->events[PLEV_ICMP_ERROR_LIMITED]++;
	return false;
}

void
pl_icmp_error(struct pipeline *pl, const struct pbuf *b,
              const struct pkt_info *pi, uint8_t type, uint8_t code,
              uint32_t info)
{
	const struct vm_adapter *vma;
	struct eth_addr rmac;
	struct in6_addr gw;
	struct pbuf *e;
	int port = (int)b->in_port;
	size_t n;

	if (port <= 0 || port >= pl->n_ports || !pl->ports[port].used ||
	    !pl->ports[port].vma)
		return;
	vma = pl->ports[port].vma;
	if (!pi->is_ip || !gateway_of(pl, vma->vsid, &pi->ip_src, &gw)) {
		TR(pl, "icmp",
		   "no router address in the sender's subnet: "
		   "no ICMP error");
		return;
	}
	if (!may_send_icmp_error(pl, pi))
		return;
	e = pl_alloc(pl);
	if (!e)
		return;
	pipeline_router_mac(pl, vma->vsid, &rmac);
	n = build_icmp_error(e->data, PBUF_FRAME_MAX, &vma->mac, &rmac, &gw,
	                     type, code, info, b->data, pi);
	if (!n) {
		pl_free(pl, e);
		return;
	}
	e->len = (uint32_t)n;
	TR(pl, "icmp", "ICMP%s type %u code %u%s sent back from %s",
	   pi->is_ipv6 ? "v6" : "", type, code, info ? " with MTU" : "",
	   ip_fmt(&gw, (char[IP_ADDR_STRLEN]){0}));
	pl->events[PLEV_ICMP_ERROR_SENT]++;
	pl_emit(pl, port, e);
}

static bool
is_echo_request(const struct pkt_info *pi)
{
	if (!pi->l4_ofs)
		return false;
	if (pi->is_ipv6)
		return pi->l4_proto == 58 && pi->icmp_type == 128;
	return pi->l4_proto == 1 && pi->icmp_type == 8;
}

static void router_forward(struct pipeline *, int port, struct pbuf *,
                           struct pkt_info *, const struct lookup_record *src,
                           const struct lookup_record *rec, uint32_t vsid);

void
router_input(struct pipeline *pl, int port, struct pbuf *b, struct pkt_info *pi,
             const struct lookup_record *src)
{
	const struct customer_route *cr;
	const struct lookup_record *rec;
	char ip[IP_ADDR_STRLEN], g[GUID_STRLEN], pfx[IP_ADDR_STRLEN + 4];
	const struct in6_addr *target;
	uint32_t vsid = b->vsid;
	struct guid rdid;

	if (!policy_vsid_rdid(pl->pol, vsid, &rdid)) {
		pl_drop(pl, b, DROP_NO_RDID);
		return;
	}
	TR(pl, "router", "vsid %u is in routing domain %s", vsid,
	   guid_fmt(&rdid, g));
	cr = policy_cr_lookup(pl->pol, &rdid, &pi->ip_dst);
	if (!cr) {
		TR(pl, "router", "no customer route to %s in %s",
		   ip_fmt(&pi->ip_dst, ip), g);
		rec = policy_lr_wildcard(pl->pol, vsid, 0, &pi->ip_dst);
		if (!rec) {
			pl_drop(pl, b, DROP_NO_ROUTE);
			return;
		}
		router_forward(pl, port, b, pi, src, rec, vsid);
		return;
	}
	if (policy_is_gateway_ca(pl->pol, cr->vsid, &pi->ip_dst)) {
		if (!is_echo_request(pi) ||
		    build_echo_reply_inplace(b->data, b->len, pi) < 0) {
			pl_drop(pl, b, DROP_TO_ROUTER);
			return;
		}
		TR(pl, "router", "%s is the router's own address: echo reply",
		   ip_fmt(&pi->ip_dst, ip));
		if (pl->tr)
			trace_verdict(pl->tr, "echo reply from the router "
			                      "sent back to the VM");
		pl_emit(pl, port, b);
		return;
	}
	target = ip_is_unspec(&cr->nexthop) ? &pi->ip_dst : &cr->nexthop;
	TR(pl, "router", "customer route %s vsid %u next hop %s",
	   prefix_fmt(&cr->prefix, cr->plen, pfx), cr->vsid,
	   ip_is_unspec(&cr->nexthop) ? "on-link" : ip_fmt(&cr->nexthop, ip));
	rec = policy_lr_by_ca(pl->pol, cr->vsid, target);
	if (!rec) {
		TR(pl, "router", "no lookup record for %s in vsid %u",
		   ip_fmt(target, ip), cr->vsid);
		rec = policy_lr_wildcard(pl->pol, cr->vsid, vsid, &pi->ip_dst);
		if (!rec) {
			pl_drop(pl, b, DROP_NO_LOOKUP_RECORD);
			return;
		}
	}
	router_forward(pl, port, b, pi, src, rec, vsid);
}

/* Rules 4-7 towards the lookup record 'rec' (the destination's, its next
 * hop's, or a GatewayWildcard record) in its VSID. */
static void
router_forward(struct pipeline *pl, int port, struct pbuf *b,
               struct pkt_info *pi, const struct lookup_record *src,
               const struct lookup_record *rec, uint32_t vsid)
{
	char ip[IP_ADDR_STRLEN], ip2[IP_ADDR_STRLEN], m[ETH_ADDR_STRLEN];
	struct vm_adapter *dst_vma;
	struct eth_addr rmac;

	if (rec->type == LR_TYPE_GW_WILDCARD) {
		TR(pl, "router",
		   "GatewayWildcard record of vsid %u: MAC %s PA %s takes "
		   "what no other record or route matches",
		   rec->vsid, eth_fmt(&rec->mac, m), ip_fmt(&rec->pa, ip2));
		if (eth_is_zero(&rec->mac)) {
			pl_drop(pl, b, DROP_NO_LOOKUP_RECORD);
			return;
		}
	}
	if (!pl_rule_allows(pl, b, rec))
		return;
	TR(pl, "router", "lookup record %s vsid %u: MAC %s PA %s",
	   ip_fmt(&rec->ca, ip), rec->vsid, eth_fmt(&rec->mac, m),
	   ip_fmt(&rec->pa, ip2));
	if (pi->ttl <= 1) {
		pl_icmp_error(pl, b, pi, pi->is_ipv6 ? 3 : 11, 0, 0);
		pl_drop(pl, b, DROP_TTL_EXCEEDED);
		return;
	}
	build_dec_ttl(b->data, pi);
	pipeline_router_mac(pl, rec->vsid, &rmac);
	memcpy(b->data, &rec->mac, 6);
	memcpy(b->data + 6, &rmac, 6);
	pi->eth_dst = rec->mac;
	pi->eth_src = rmac;
	b->vsid = rec->vsid;
	TR(pl, "router", "TTL %u -> %u; MAC %s -> %s; vsid %u -> %u", pi->ttl,
	   pi->ttl - 1, eth_fmt(&rmac, m),
	   eth_fmt(&rec->mac, (char[ETH_ADDR_STRLEN]){0}), vsid, rec->vsid);
	dst_vma = policy_vma_by_mac(pl->pol, rec->vsid, &rec->mac);
	if (dst_vma) {
		vm_deliver(pl, b, pi, rec->vsid, -1);
		return;
	}
	pl_forward_remote(pl, b, pi, rec->vsid, rec, src);
}
