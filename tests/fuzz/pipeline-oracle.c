/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipeline-oracle: the isolation rules fuzz-pipeline checks after every
 * frame (DESIGN.md F8, with the anti-spoofing F1-F7 rely on).
 *
 * Terms.  The input is the frame given to the pipeline: from a VM port
 * (its routing domain and VSID are the port's), from the uplink as NVGRE
 * (VSID = key >> 8, routing domain that VSID's; VXLAN alike with its
 * VNI) unless sent to an IP Rewrite record's PA, or anything else from
 * the uplink (IP Rewrite traffic included).  A router MAC of VSID V is the
 * MAC pipeline_router_mac() gives for V, the MAC of the lookup record of
 * a ".1" address of V, or the MAC derived from V (02:48:56 and the VSID,
 * DESIGN.md F7), which another host's router uses when its policy has no
 * ".1" record of V.  The owner of an address A in routing domain R
 * is the lookup record of R whose CA is A, else the record of the next
 * hop of the longest customer route of R covering A (a gateway owns what
 * lies behind it), else R's GatewayWildcard record of A's family (the
 * gateway owns what nobody else does), else nobody.  An address is
 * routable unless it is unspecified or IPv6 link-local.
 *
 * A violation message starts with a tag, the rule's number and a letter
 * for the case ("5b: ..."), that FUZZ_PIPELINE_IGNORE may name.
 *
 * A frame delivered to VM port Q:
 *  1. parses, is untagged, and, if unicast, is addressed to Q's MAC;
 *  2. belongs to Q's routing domain: the input's routing domain is Q's
 *     (a frame from the physical network that is not NVGRE reaches a VM
 *     only by IP Rewrite: sent to the PA of a TranslationMethodNat record
 *     of Q's MAC and VSID);
 *  3. stays in its VSID: if Q's VSID is not the input's, the source MAC
 *     is a router MAC of Q's VSID (it was routed);
 *  4. from another VM P (Q != P): the source MAC is P's (same VSID) or a
 *     router MAC of Q's VSID, and a routable source address (IP source or
 *     ARP sender) is owned by P, or by nobody or another's GatewayWildcard
 *     record if P's MAC has an L2Only or GatewayWildcard record in its VSID
 *     (its addresses are learnt, F4, or are anything behind a gateway);
 *  5. claims no other's address: an ARP sender, NA target or NS source
 *     that is a ".1" of Q's VSID comes with a router MAC of that VSID;
 *     one that is a CA of a record of Q's VSID comes with that record's
 *     MAC (link-layer option or ARP sender MAC).  Tags 5a (ARP) and 5b
 *     (ND) for what another VM sent, 5c and 5d for what came through a
 *     tunnel or what the host made;
 *  6. decapsulated: the outer source PA owns the inner source (the owner
 *     of a routable source has that PA; else the record of the source MAC
 *     in the VSID has it); when the owner is in the frame's VSID the inner
 *     source MAC is the owner's or a router MAC of the VSID; when it is
 *     in another VSID (routed by the sending host, whose router MAC this
 *     host cannot know) the inner source MAC is at least no local VM's
 *     and no VM record's of the frame's VSID.  By IP Rewrite: the owner's
 *     PA is the outer IP source.
 * A frame sent on the uplink:
 *  7. that is not NVGRE (or VXLAN) comes from one of our PAs (ARP sender
 *     or IP source) on that PA's VLAN: a tenant's frame never leaves raw;
 *  8. NVGRE (or VXLAN): from one of our PAs on its VLAN, to a PA that is
 *     not ours, with a VSID of a routing domain; from a VM or a tunnel
 *     input, the input's routing domain;
 *  9. goes where the policy says: a unicast inner destination MAC is the
 *     MAC of a TranslationMethodEncap record of the VSID whose PA is the
 *     outer destination; a broadcast goes to a PA holding a record of the
 *     VSID; the inner frame parses and is untagged;
 * 10. the inner source is a local VM: from VM P, as rule 4 (source MAC
 *     P's or a router MAC of the VSID, routable source owned by P);
 *     otherwise (a packet that waited for its next hop) the source MAC is
 *     a local adapter's of the VSID or a router MAC, and a routable
 *     source's owner is a local adapter.
 * Legitimate traffic passes: a broadcast within a VSID (rules 3-4 hold),
 * ARP/ND answered from policy (the answer goes back to the asker, with
 * the record's or the router's MAC: rule 5 holds), the router's echo
 * replies and ICMP errors (back to the sender, from a ".1" address:
 * rules 4 and 10 apply to other destinations only).
 */
#include "tests/fuzz/pipeline-oracle.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pkt/parse.h"

#define VXLAN_PORT 4789

static char why[1024];

static const char *
fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return why;
}

/* Short-lived formatting: a few rotating buffers. */
static const char *
M(const struct eth_addr *m)
{
	static char b[8][ETH_ADDR_STRLEN];
	static int i;

	return eth_fmt(m, b[i++ % 8]);
}

static const char *
A(const struct in6_addr *a)
{
	static char b[8][IP_ADDR_STRLEN];
	static int i;

	return ip_fmt(a, b[i++ % 8]);
}

static bool
routable(const struct in6_addr *a)
{
	return !ip_is_unspec(a) && (ip_is_v4(a) || !IN6_IS_ADDR_LINKLOCAL(a));
}

/* Records keyed by a CA: all but L2Only and GatewayWildcard. */
static bool
has_ca(const struct w_record *r)
{
	return r->type != LR_TYPE_L2ONLY && r->type != LR_TYPE_GW_WILDCARD;
}

static const struct w_record *
rec_by_ca(const struct world *w, uint32_t vsid, const struct in6_addr *ca)
{
	for (int i = 0; i < w->n_records; i++) {
		const struct w_record *r = &w->records[i];

		if (r->vsid == vsid && has_ca(r) && ip_equal(&r->ca, ca))
			return r;
	}
	return NULL;
}

/* Prefers a record with a CA, as an L2Only or GatewayWildcard record
 * may share its MAC. */
static const struct w_record *
rec_by_mac(const struct world *w, uint32_t vsid, const struct eth_addr *mac)
{
	const struct w_record *found = NULL;

	for (int i = 0; i < w->n_records; i++) {
		const struct w_record *r = &w->records[i];

		if (r->vsid == vsid && eth_equal(&r->mac, mac) &&
		    (!found || !has_ca(found)))
			found = r;
	}
	return found;
}

static const struct w_pa *
local_pa(const struct world *w, const struct in6_addr *a)
{
	for (int i = 0; i < w->n_pas; i++)
		if (ip_equal(&w->pas[i].pa, a))
			return &w->pas[i];
	return NULL;
}

static bool
in_rdid(const struct world *w, uint32_t vsid, enum w_rdid rdid)
{
	enum w_rdid r;

	return world_vsid_rdid(w, vsid, &r) && r == rdid;
}

/* The ".1" (or "::1") of an on-link route of 'vsid'. */
static bool
is_gateway_ca(const struct world *w, uint32_t vsid, const struct in6_addr *a)
{
	for (int i = 0; i < w->n_routes; i++) {
		const struct w_route *r = &w->routes[i];
		struct in6_addr gw = r->prefix;

		if (r->vsid != vsid || !ip_is_unspec(&r->nexthop) ||
		    ip_is_v4(&r->prefix) != ip_is_v4(a))
			continue;
		gw.s6_addr[15] |= 1;
		if (ip_equal(&gw, a))
			return true;
	}
	return false;
}

static bool
is_router_mac(const struct world *w, uint32_t vsid, const struct eth_addr *m)
{
	struct eth_addr rm;

	pipeline_router_mac(w->pl, vsid, &rm);
	if (eth_equal(&rm, m))
		return true;
	if (m->b[0] == 0x02 && m->b[1] == 0x48 && m->b[2] == 0x56 &&
	    ((uint32_t)m->b[3] << 16 | (uint32_t)m->b[4] << 8 | m->b[5]) ==
	        vsid)
		return true;
	for (int i = 0; i < w->n_records; i++) {
		const struct w_record *r = &w->records[i];

		if (r->vsid == vsid && eth_equal(&r->mac, m) && has_ca(r) &&
		    is_gateway_ca(w, vsid, &r->ca))
			return true;
	}
	return false;
}

/* The owner of 'a' in routing domain 'rdid' (see the terms above). */
static const struct w_record *
owner(const struct world *w, enum w_rdid rdid, const struct in6_addr *a)
{
	const struct w_route *best = NULL;

	for (int i = 0; i < w->n_records; i++) {
		const struct w_record *r = &w->records[i];

		if (has_ca(r) && ip_equal(&r->ca, a) &&
		    in_rdid(w, r->vsid, rdid))
			return r;
	}
	for (int i = 0; i < w->n_routes; i++) {
		const struct w_route *r = &w->routes[i];

		if (r->rdid == rdid && ip_is_v4(&r->prefix) == ip_is_v4(a) &&
		    ip_in_prefix(a, &r->prefix, r->plen) &&
		    (!best || r->plen > best->plen))
			best = r;
	}
	if (best && !ip_is_unspec(&best->nexthop) &&
	    rec_by_ca(w, best->vsid, &best->nexthop))
		return rec_by_ca(w, best->vsid, &best->nexthop);
	for (int i = 0; i < w->n_records; i++) {
		const struct w_record *r = &w->records[i];

		if (r->type == LR_TYPE_GW_WILDCARD &&
		    ip_is_v4(&r->ca) == ip_is_v4(a) &&
		    in_rdid(w, r->vsid, rdid))
			return r;
	}
	return NULL;
}

/* Does 'vm' own source 'o' (the owner of some address, maybe nobody)? */
static bool
owned_by(const struct world *w, const struct w_record *o, const struct w_vm *vm)
{
	if (o && o->vsid == vm->vsid && eth_equal(&o->mac, &vm->mac))
		return true;
	if (o && o->type != LR_TYPE_GW_WILDCARD)
		return false;
	for (int i = 0; i < w->n_records; i++) {
		const struct w_record *r = &w->records[i];

		if (r->vsid == vm->vsid && eth_equal(&r->mac, &vm->mac) &&
		    (r->type == LR_TYPE_L2ONLY ||
		     r->type == LR_TYPE_GW_WILDCARD))
			return true;
	}
	return false;
}

static const struct w_vm *
local_vm(const struct world *w, uint32_t vsid, const struct eth_addr *mac)
{
	for (int i = 0; i < W_N_VMS; i++)
		if (w->vm[i].vsid == vsid && eth_equal(&w->vm[i].mac, mac))
			return &w->vm[i];
	return NULL;
}

/* The frame's source address (IP source, ARP sender), or NULL. */
static const struct in6_addr *
src_addr(const struct pkt_info *pi)
{
	if (pi->ethertype == 0x0806)
		return &pi->arp_spa;
	return pi->is_ip ? &pi->ip_src : NULL;
}

static const char *
owner_name(const struct w_record *o)
{
	static char b[128];

	if (!o)
		return "nobody";
	snprintf(b, sizeof(b), "record %s vsid %u MAC %s PA %s",
	         has_ca(o) ? A(&o->ca) : lr_type_name(o->type), o->vsid,
	         M(&o->mac), A(&o->pa));
	return b;
}

/* The encapsulation of a parsed uplink frame: true with the VSID and the
 * inner frame's offset if it is NVGRE or VXLAN. */
static bool
encap_of(const uint8_t *f, const struct pkt_info *pi, uint32_t *vsid,
         size_t *inner)
{
	if (!pi->is_ip || !pi->l4_ofs)
		return false;
	if (pi->l4_proto == 47 && pi->gre_has_key) {
		*vsid = pi->gre_key >> 8;
		*inner = pi->inner_ofs;
		return true;
	}
	if (pi->l4_proto == 17 && pi->dport == VXLAN_PORT &&
	    pi->l4_ofs + 16u <= pi->ip_end) {
		const uint8_t *v = f + pi->l4_ofs + 8;

		*vsid = (uint32_t)v[4] << 16 | (uint32_t)v[5] << 8 | v[6];
		*inner = pi->l4_ofs + 16u;
		return true;
	}
	return false;
}

/* Is 'a' the PA of a TranslationMethodNat record? */
static bool
nat_pa(const struct world *w, const struct in6_addr *a)
{
	for (int i = 0; i < w->n_records; i++)
		if (w->records[i].rule == LR_RULE_NAT &&
		    ip_equal(&w->records[i].pa, a))
			return true;
	return false;
}

void
oracle_input(const struct world *w, int port, const uint8_t *frame, size_t len,
             struct oracle_input *in)
{
	struct pkt_info pi;
	size_t inner;

	memset(in, 0, sizeof(*in));
	if (port != PIPELINE_UPLINK) {
		in->kind = ORACLE_FROM_VM;
		in->vm = world_vm_at_port(w, port);
		in->vsid = in->vm->vsid;
		in->has_rdid = world_vsid_rdid(w, in->vsid, &in->rdid);
		return;
	}
	in->kind = ORACLE_FROM_WIRE;
	if (pkt_parse(frame, len, &pi) < 0)
		return;
	/* A packet to an IP Rewrite record's own PA is that CA's traffic,
	 * whatever it carries (a tunnel header is payload there). */
	if (encap_of(frame, &pi, &in->vsid, &inner) && !nat_pa(w, &pi.ip_dst)) {
		in->kind = ORACLE_FROM_TUNNEL;
		in->has_rdid = world_vsid_rdid(w, in->vsid, &in->rdid);
	}
	in->is_ip = pi.is_ip;
	in->src = pi.ip_src;
	in->dst = pi.ip_dst;
}

void
oracle_input_tick(struct oracle_input *in)
{
	memset(in, 0, sizeof(*in));
	in->kind = ORACLE_TICK;
}

/* Rule 5 for one claim "address 'a' is at 'm'" seen by 'q'. */
static const char *
check_claim(const struct world *w, const struct w_vm *q, const char *tag,
            const char *what, const struct in6_addr *a,
            const struct eth_addr *m)
{
	const struct w_record *r;

	if (!routable(a))
		return NULL;
	if (is_gateway_ca(w, q->vsid, a)) {
		if (!is_router_mac(w, q->vsid, m))
			return fail("%s (ARP/ND spoofing): %s received %s "
			            "claiming its gateway %s is at %s, not a "
			            "router MAC of vsid %u",
			            tag, q->name, what, A(a), M(m), q->vsid);
		return NULL;
	}
	r = rec_by_ca(w, q->vsid, a);
	if (r && !eth_equal(&r->mac, m))
		return fail("%s (ARP/ND spoofing): %s received %s claiming "
		            "%s is at %s; its lookup record says %s",
		            tag, q->name, what, A(a), M(m), M(&r->mac));
	return NULL;
}

/* Tags: 5a ARP and 5b ND for what a local VM sent, 5c ARP and 5d ND for
 * what came through a tunnel or was made up by the host. */
static const char *
check_claims(const struct world *w, const struct oracle_input *in,
             const struct w_vm *q, const struct pkt_info *pi)
{
	bool vm = in->kind == ORACLE_FROM_VM && in->vm != q;

	if (pi->ethertype == 0x0806)
		return check_claim(w, q, vm ? "5a" : "5c",
		                   pi->arp_op == 2 ? "an ARP reply"
		                                   : "an ARP message",
		                   &pi->arp_spa, &pi->arp_sha);
	if (!pi->is_ipv6 || pi->l4_proto != 58 || !pi->l4_ofs ||
	    !pi->has_nd_lladdr)
		return NULL;
	if (pi->icmp_type == 136)
		return check_claim(w, q, vm ? "5b" : "5d",
		                   "a neighbour advertisement", &pi->nd_target,
		                   &pi->nd_lladdr);
	if (pi->icmp_type == 135)
		return check_claim(w, q, vm ? "5b" : "5d",
		                   "a neighbour solicitation", &pi->ip_src,
		                   &pi->nd_lladdr);
	return NULL;
}

/* Rule 2 for a frame from the physical network: IP Rewrite only. */
static bool
nat_inbound(const struct world *w, const struct oracle_input *in,
            const struct w_vm *q)
{
	if (in->kind != ORACLE_FROM_WIRE || !in->is_ip)
		return false;
	for (int i = 0; i < w->n_records; i++) {
		const struct w_record *r = &w->records[i];

		if (r->rule == LR_RULE_NAT && ip_equal(&r->pa, &in->dst) &&
		    r->vsid == q->vsid && eth_equal(&r->mac, &q->mac))
			return true;
	}
	return false;
}

/* Rule 6: the outer source 'pa' owns the inner frame's source. */
static const char *
check_decap_source(const struct world *w, const struct oracle_input *in,
                   const struct w_vm *q, const struct pkt_info *pi,
                   const struct in6_addr *pa)
{
	const struct in6_addr *s = src_addr(pi);
	enum w_rdid rdid;
	const struct w_record *o, *r;

	if (!world_vsid_rdid(w, q->vsid, &rdid))
		return fail("6a: %s has a VSID of no routing domain", q->name);
	if (s && routable(s)) {
		o = owner(w, rdid, s);
		if (!o || !ip_equal(&o->pa, pa))
			return fail(
			    "6a (source PA): frame from PA %s delivered "
			    "to %s with inner source %s, owned by %s",
			    A(pa), q->name, A(s), owner_name(o));
		if (in->kind != ORACLE_FROM_TUNNEL)
			return NULL;
		if (o->vsid == in->vsid && !eth_equal(&o->mac, &pi->eth_src) &&
		    !is_router_mac(w, in->vsid, &pi->eth_src))
			return fail("6b (source MAC): frame from PA %s "
			            "delivered to %s with inner source %s from "
			            "MAC %s; the owner is %s",
			            A(pa), q->name, A(s), M(&pi->eth_src),
			            owner_name(o));
		r = rec_by_mac(w, in->vsid, &pi->eth_src);
		if (o->vsid != in->vsid &&
		    (local_vm(w, in->vsid, &pi->eth_src) ||
		     (r && has_ca(r) && !is_gateway_ca(w, in->vsid, &r->ca))))
			return fail(
			    "6d (source MAC): frame routed from vsid %u "
			    "by PA %s delivered to %s from MAC %s, a VM's "
			    "of vsid %u",
			    o->vsid, A(pa), q->name, M(&pi->eth_src), in->vsid);
		return NULL;
	}
	o = rec_by_mac(w, q->vsid, &pi->eth_src);
	if (!o || !ip_equal(&o->pa, pa))
		return fail("6c (source PA): frame from PA %s delivered to %s "
		            "from MAC %s (%s source), which PA does not hold "
		            "(%s)",
		            A(pa), q->name, M(&pi->eth_src),
		            s ? "unroutable" : "non-IP", owner_name(o));
	return NULL;
}

static const char *
check_vm_output(const struct world *w, const struct oracle_input *in,
                const struct w_vm *q, const uint8_t *f, size_t len)
{
	const struct in6_addr *s;
	struct pkt_info pi;
	enum w_rdid qr;
	const char *err;
	int e;

	/* Rule 1. */
	e = pkt_parse(f, len, &pi);
	if (e < 0)
		return fail("1a: frame to %s does not parse (%s)", q->name,
		            pkt_err_name(e));
	if (pi.has_vlan)
		return fail("1b: tagged frame to %s", q->name);
	if (!eth_is_multicast(&pi.eth_dst) && !eth_equal(&pi.eth_dst, &q->mac))
		return fail("1c: frame for MAC %s delivered to %s (MAC %s)",
		            M(&pi.eth_dst), q->name, M(&q->mac));

	/* Rule 2. */
	if (!world_vsid_rdid(w, q->vsid, &qr))
		return fail("2a: %s is in vsid %u of no routing domain",
		            q->name, q->vsid);
	switch (in->kind) {
	case ORACLE_FROM_VM:
	case ORACLE_FROM_TUNNEL:
		if (!in->has_rdid)
			return fail(
			    "2a (isolation): input of vsid %u, which has "
			    "no routing domain, reached %s",
			    in->vsid, q->name);
		if (in->rdid != qr)
			return fail("2b (isolation): input of routing domain "
			            "%s (vsid %u) reached %s in %s (vsid %u)",
			            world_rdid_name(in->rdid), in->vsid,
			            q->name, world_rdid_name(qr), q->vsid);
		break;
	case ORACLE_FROM_WIRE:
		if (!nat_inbound(w, in, q))
			return fail("2c (isolation): a frame from the physical "
			            "network that is not NVGRE reached %s",
			            q->name);
		break;
	case ORACLE_TICK:
		return fail("2d: pipeline_tick() sent a frame to %s", q->name);
	}

	/* Rule 3. */
	if (in->kind != ORACLE_FROM_WIRE && q->vsid != in->vsid &&
	    !is_router_mac(w, q->vsid, &pi.eth_src))
		return fail("3 (VSID isolation): input of vsid %u reached %s "
		            "(vsid %u) from MAC %s, not a router MAC",
		            in->vsid, q->name, q->vsid, M(&pi.eth_src));

	/* Rule 4. */
	if (in->kind == ORACLE_FROM_VM && q != in->vm) {
		const struct w_vm *p = in->vm;

		if (!(q->vsid == p->vsid && eth_equal(&pi.eth_src, &p->mac)) &&
		    !is_router_mac(w, q->vsid, &pi.eth_src))
			return fail("4a: frame from %s reached %s from MAC %s",
			            p->name, q->name, M(&pi.eth_src));
		s = src_addr(&pi);
		if (s && routable(s) && !owned_by(w, owner(w, qr, s), p))
			return fail("%s (anti-spoofing): %s sent from %s, "
			            "which is owned by %s, and it reached %s",
			            owner(w, qr, s) ? "4c" : "4b", p->name,
			            A(s), owner_name(owner(w, qr, s)), q->name);
	}

	/* Rule 5. */
	err = check_claims(w, in, q, &pi);
	if (err)
		return err;

	/* Rule 6. */
	if (in->kind == ORACLE_FROM_TUNNEL || in->kind == ORACLE_FROM_WIRE)
		return check_decap_source(w, in, q, &pi, &in->src);
	return NULL;
}

static uint16_t
vlan_of(const struct pkt_info *pi)
{
	return pi->has_vlan ? pi->vlan_tci & 0x0fff : 0;
}

/* Rule 10 for the inner frame 'pi' of VSID 'vsid'. */
static const char *
check_inner_source(const struct world *w, const struct oracle_input *in,
                   uint32_t vsid, enum w_rdid rdid, const struct pkt_info *pi)
{
	const struct in6_addr *s = src_addr(pi);
	const struct w_record *o = s && routable(s) ? owner(w, rdid, s) : NULL;
	const struct w_vm *p = in->kind == ORACLE_FROM_VM ? in->vm : NULL;

	if (p) {
		if (!(vsid == p->vsid && eth_equal(&pi->eth_src, &p->mac)) &&
		    !is_router_mac(w, vsid, &pi->eth_src))
			return fail("10a: frame from %s encapsulated with vsid "
			            "%u from MAC %s",
			            p->name, vsid, M(&pi->eth_src));
		if (s && routable(s) && !owned_by(w, o, p))
			return fail("%s (anti-spoofing): %s sent from %s, "
			            "which is owned by %s, and it was "
			            "encapsulated",
			            o ? "10c" : "10b", p->name, A(s),
			            owner_name(o));
		return NULL;
	}
	if (!local_vm(w, vsid, &pi->eth_src) &&
	    !is_router_mac(w, vsid, &pi->eth_src))
		return fail("10d: NVGRE of vsid %u from inner MAC %s, no local "
		            "adapter's or router's",
		            vsid, M(&pi->eth_src));
	if (s && routable(s) && (!o || !local_vm(w, o->vsid, &o->mac)))
		return fail("10e: NVGRE of vsid %u from inner source %s, owned "
		            "by %s, not a local adapter",
		            vsid, A(s), owner_name(o));
	return NULL;
}

/* Rule 9 for a unicast inner destination 'mac' sent to PA 'dst'. */
static const char *
check_inner_destination(const struct world *w, uint32_t vsid,
                        const struct pkt_info *pi, const struct in6_addr *dst)
{
	const struct w_record *any = NULL;

	if (eth_is_multicast(&pi->eth_dst)) {
		for (int i = 0; i < w->n_records; i++)
			if (w->records[i].vsid == vsid &&
			    ip_equal(&w->records[i].pa, dst))
				return NULL;
		return fail(
		    "9c: broadcast of vsid %u sent to PA %s, which holds "
		    "no record of that VSID",
		    vsid, A(dst));
	}
	for (int i = 0; i < w->n_records; i++) {
		const struct w_record *r = &w->records[i];

		if (r->vsid != vsid || !eth_equal(&r->mac, &pi->eth_dst))
			continue;
		if (r->rule == LR_RULE_ENCAP && ip_equal(&r->pa, dst))
			return NULL;
		any = r;
	}
	if (!any)
		return fail("9d: NVGRE to PA %s for MAC %s, which no lookup "
		            "record of vsid %u has",
		            A(dst), M(&pi->eth_dst), vsid);
	return fail("%s: NVGRE to PA %s for MAC %s in vsid %u, but its "
	            "lookup record %s has rule %s and PA %s",
	            any->rule != LR_RULE_ENCAP ? "9e" : "9f", A(dst),
	            M(&pi->eth_dst), vsid, A(&any->ca), lr_rule_name(any->rule),
	            A(&any->pa));
}

static const char *
check_uplink_output(const struct world *w, const struct oracle_input *in,
                    const uint8_t *f, size_t len)
{
	const struct w_pa *pa;
	struct pkt_info pi, ii;
	enum w_rdid rdid;
	uint32_t vsid;
	size_t inner;
	int e;

	e = pkt_parse(f, len, &pi);
	if (e < 0)
		return fail("7c: uplink frame does not parse (%s)",
		            pkt_err_name(e));

	/* Rule 7. */
	if (!encap_of(f, &pi, &vsid, &inner)) {
		const struct in6_addr *s = src_addr(&pi);

		pa = s ? local_pa(w, s) : NULL;
		if (!pa)
			return fail("7a: raw frame on the uplink from %s, not "
			            "one of our PAs",
			            s ? A(s) : M(&pi.eth_src));
		if (pa->vlan != vlan_of(&pi))
			return fail(
			    "7b: frame from PA %s on VLAN %u; the PA is "
			    "on VLAN %u",
			    A(s), vlan_of(&pi), pa->vlan);
		return NULL;
	}

	/* Rule 8. */
	pa = local_pa(w, &pi.ip_src);
	if (!pa)
		return fail("8a: NVGRE from %s, not one of our PAs",
		            A(&pi.ip_src));
	if (pa->vlan != vlan_of(&pi))
		return fail(
		    "8b: NVGRE from PA %s on VLAN %u; the PA is on VLAN "
		    "%u",
		    A(&pi.ip_src), vlan_of(&pi), pa->vlan);
	if (local_pa(w, &pi.ip_dst))
		return fail("8c: NVGRE sent to our own PA %s", A(&pi.ip_dst));
	if (!world_vsid_rdid(w, vsid, &rdid))
		return fail("8d: NVGRE with vsid %u of no routing domain",
		            vsid);
	if ((in->kind == ORACLE_FROM_VM || in->kind == ORACLE_FROM_TUNNEL) &&
	    (!in->has_rdid || in->rdid != rdid))
		return fail(
		    "8e (isolation): input of vsid %u (%s) encapsulated "
		    "with vsid %u of %s",
		    in->vsid, in->has_rdid ? world_rdid_name(in->rdid) : "none",
		    vsid, world_rdid_name(rdid));

	/* Rule 9. */
	e = pkt_parse(f + inner, pi.ip_end - inner, &ii);
	if (e < 0)
		return fail("9a: inner frame of vsid %u does not parse (%s)",
		            vsid, pkt_err_name(e));
	if (ii.has_vlan)
		return fail("9b: tagged inner frame of vsid %u", vsid);
	if (check_inner_destination(w, vsid, &ii, &pi.ip_dst))
		return why;

	/* Rule 10. */
	return check_inner_source(w, in, vsid, rdid, &ii);
}

const char *
oracle_check(const struct world *w, const struct oracle_input *in, int port,
             const uint8_t *frame, size_t len)
{
	const struct w_vm *q;

	if (port == PIPELINE_UPLINK)
		return check_uplink_output(w, in, frame, len);
	q = world_vm_at_port(w, port);
	if (!q)
		return fail("0: frame sent on port %d, which is no VM's", port);
	return check_vm_output(w, in, q, frame, len);
}
