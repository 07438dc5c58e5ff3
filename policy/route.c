/* SPDX-License-Identifier: Apache-2.0 */
/*
 * route: customer routes, and the VSID and routing-domain bookkeeping they
 * drive.  A route lives in the LPM table of its routing domain (one per
 * family); an on-link route also lives in its VSID's table of subnets and
 * makes its first host address a default-gateway CA.  A VSID belongs to
 * the routing domain of its routes; removing its last route forgets it.
 */
#include "policy/policy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"
#include "policy/policy-private.h"

#define CR_LABEL_LEN (IP_ADDR_STRLEN + 48)

struct vsid_ent *
policy_vsid_find(const struct policy *p, uint32_t vsid)
{
	uint32_t h = hash_uint32(vsid, 0);

	for (struct hmap_node *n = hmap_first_with_hash(&p->vsids, h); n;
	     n = hmap_next_with_hash(n)) {
		struct vsid_ent *ve = CONTAINER_OF(n, struct vsid_ent, node);

		if (ve->vsid == vsid)
			return ve;
	}
	return NULL;
}

struct vsid_ent *
policy_vsid_get(struct policy *p, uint32_t vsid)
{
	struct vsid_ent *ve = policy_vsid_find(p, vsid);

	if (!ve) {
		ve = xcalloc(1, sizeof(*ve));
		ve->vsid = vsid;
		plist_init(&ve->rd_order);
		plist_init(&ve->gws);
		plist_init(&ve->lrs);
		hmap_insert(&p->vsids, &ve->node, hash_uint32(vsid, 0));
	}
	return ve;
}

static void
vsid_free(struct vsid_ent *ve)
{
	lpm_destroy(ve->onlink[0]);
	lpm_destroy(ve->onlink[1]);
	free(ve);
}

void
policy_vsid_put(struct policy *p, struct vsid_ent *ve)
{
	if (ve && policy_vsid_unused(ve)) {
		hmap_remove(&p->vsids, &ve->node);
		vsid_free(ve);
	}
}

static uint32_t
rdom_hash(const struct guid *g)
{
	return hash_bytes(g, sizeof(*g), 0);
}

struct rdom *
policy_rdom_find(const struct policy *p, const struct guid *rdid)
{
	uint32_t h = rdom_hash(rdid);

	for (struct hmap_node *n = hmap_first_with_hash(&p->rdoms, h); n;
	     n = hmap_next_with_hash(n)) {
		struct rdom *rd = CONTAINER_OF(n, struct rdom, node);

		if (guid_equal(&rd->rdid, rdid))
			return rd;
	}
	return NULL;
}

static struct rdom *
rdom_get(struct policy *p, const struct guid *rdid)
{
	struct rdom *rd = policy_rdom_find(p, rdid);

	if (!rd) {
		rd = xcalloc(1, sizeof(*rd));
		rd->rdid = *rdid;
		rd->id = ++p->next_rdom_id;
		rd->routes[0] = lpm_create();
		rd->routes[1] = lpm_create();
		plist_init(&rd->vsids);
		hmap_insert(&p->rdoms, &rd->node, rdom_hash(rdid));
	}
	return rd;
}

static void
rdom_free(struct rdom *rd)
{
	lpm_destroy(rd->routes[0]);
	lpm_destroy(rd->routes[1]);
	free(rd);
}

static void
rdom_put(struct policy *p, struct rdom *rd)
{
	if (!rd->n_routes) {
		hmap_remove(&p->rdoms, &rd->node);
		rdom_free(rd);
	}
}

static bool
cr_onlink(const struct customer_route *cr)
{
	return ip_is_unspec(&cr->nexthop);
}

/* The first host address of an on-link route: prefix + 1, when the
 * prefix has room for a gateway and hosts (not /31, /32, /127, /128). */
static bool
cr_gateway(const struct customer_route *cr, struct in6_addr *gw)
{
	int max = ip_is_v4(&cr->prefix) ? 32 : 128;

	if (!cr_onlink(cr) || cr->plen > max - 2)
		return false;
	*gw = cr->prefix;
	gw->s6_addr[15] |= 1; /* host bits are zero: +1 sets the last bit */
	return true;
}

static struct gw_ent *
gw_find(const struct policy *p, uint32_t vsid, const struct in6_addr *ca)
{
	uint32_t h = policy_hash_vsid_ip(vsid, ca);

	for (struct hmap_node *n = hmap_first_with_hash(&p->gws, h); n;
	     n = hmap_next_with_hash(n)) {
		struct gw_ent *g = CONTAINER_OF(n, struct gw_ent, node);

		if (g->vsid == vsid && ip_equal(&g->ca, ca))
			return g;
	}
	return NULL;
}

static void
gw_ref(struct policy *p, const struct customer_route *cr, int delta)
{
	struct in6_addr ca;
	struct gw_ent *g;

	if (!cr_gateway(cr, &ca))
		return;
	g = gw_find(p, cr->vsid, &ca);
	if (!g) {
		g = xcalloc(1, sizeof(*g));
		g->vsid = cr->vsid;
		g->ca = ca;
		hmap_insert(&p->gws, &g->node,
		            policy_hash_vsid_ip(cr->vsid, &ca));
		plist_push_back(&policy_vsid_find(p, cr->vsid)->gws,
		                &g->vsid_order);
	}
	g->refs += delta;
	if (!g->refs) {
		hmap_remove(&p->gws, &g->node);
		plist_remove(&g->vsid_order);
		free(g);
	}
}

static void
cr_index(struct policy *p, struct cr_node *n)
{
	const struct customer_route *cr = &n->cr;
	int fam = ip_fam(&cr->prefix);
	int plen = ip_plen128(&cr->prefix, cr->plen);
	struct rdom *rd = rdom_get(p, &cr->rdid);
	struct vsid_ent *ve = policy_vsid_get(p, cr->vsid);

	lpm_insert(rd->routes[fam], &cr->prefix, plen, n, NULL);
	rd->n_routes++;
	if (!ve->n_routes++) {
		ve->rd = rd;
		plist_push_back(&rd->vsids, &ve->rd_order);
		policy_lr_domain_changed(p, ve, NULL);
	}
	if (cr_onlink(cr)) {
		if (!ve->onlink[fam])
			ve->onlink[fam] = lpm_create();
		lpm_insert(ve->onlink[fam], &cr->prefix, plen, n, NULL);
		gw_ref(p, cr, 1);
	}
}

static void
cr_unindex(struct policy *p, struct cr_node *n)
{
	const struct customer_route *cr = &n->cr;
	int fam = ip_fam(&cr->prefix);
	int plen = ip_plen128(&cr->prefix, cr->plen);
	struct rdom *rd = policy_rdom_find(p, &cr->rdid);
	struct vsid_ent *ve = policy_vsid_find(p, cr->vsid);

	lpm_remove(rd->routes[fam], &cr->prefix, plen, NULL);
	rd->n_routes--;
	if (cr_onlink(cr)) {
		lpm_remove(ve->onlink[fam], &cr->prefix, plen, NULL);
		gw_ref(p, cr, -1);
	}
	if (!--ve->n_routes) {
		plist_remove(&ve->rd_order);
		ve->rd = NULL;
		policy_lr_domain_changed(p, ve, rd);
		policy_vsid_put(p, ve);
	}
	rdom_put(p, rd);
}

static const char *
cr_label(const struct customer_route *cr, char buf[CR_LABEL_LEN])
{
	char pf[IP_ADDR_STRLEN + 4];

	snprintf(buf, CR_LABEL_LEN, "customer route %s vsid %u",
	         prefix_fmt(&cr->prefix, cr->plen, pf), cr->vsid);
	return buf;
}

/* Shared by customer and provider routes (rule 5): the prefix length is
 * in range, the prefix has no host bits, and the next hop, unless
 * unspecified (on-link), is of the prefix's family. */
int
policy_check_prefix(const struct in6_addr *pfx, int plen,
                    const struct in6_addr *nexthop, const char *what,
                    struct pmsg *msg)
{
	int max = ip_is_v4(pfx) ? 32 : 128;
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN + 4], c[IP_ADDR_STRLEN + 4];
	struct in6_addr m = *pfx;

	if (plen < 0 || plen > max) {
		policy_err(msg, "%s: prefix length %d is out of range (0..%d)",
		           what, plen, max);
		return -EINVAL;
	}
	ip_mask(&m, plen);
	if (!ip_equal(&m, pfx)) {
		policy_err(msg, "%s: prefix %s has host bits set (%s)", what,
		           prefix_fmt(pfx, plen, b), prefix_fmt(&m, plen, c));
		return -EINVAL;
	}
	if (nexthop && !ip_is_unspec(nexthop) &&
	    ip_is_v4(nexthop) != ip_is_v4(pfx)) {
		policy_err(msg, "%s: next hop %s is %s but prefix %s is %s",
		           what, ip_fmt(nexthop, a), fam_name(ip_fam(nexthop)),
		           prefix_fmt(pfx, plen, b), fam_name(ip_fam(pfx)));
		return -EINVAL;
	}
	return 0;
}

/* The unspecified next hop (on-link) of the prefix's family. */
void
policy_norm_nexthop(const struct in6_addr *pfx, struct in6_addr *nexthop)
{
	if (!ip_is_unspec(nexthop))
		return;
	if (ip_is_v4(pfx))
		ip_set_v4(nexthop, 0);
	else
		memset(nexthop, 0, sizeof(*nexthop));
}

static int
cr_check_fields(const struct customer_route *cr, const char *what,
                struct pmsg *msg)
{
	char g[GUID_STRLEN];

	if (cr->vsid < VSID_MIN || cr->vsid > VSID_MAX) {
		policy_err(msg, "%s: vsid %u is out of range (%u..%u)", what,
		           cr->vsid, VSID_MIN, VSID_MAX);
		return -EINVAL;
	}
	if (guid_is_zero(&cr->rdid)) {
		policy_err(msg, "%s: routing domain %s is not valid", what,
		           guid_fmt(&cr->rdid, g));
		return -EINVAL;
	}
	return policy_check_prefix(&cr->prefix, cr->plen, &cr->nexthop, what,
	                           msg);
}

static struct cr_node *
cr_find(const struct policy *p, const struct customer_route *cr)
{
	struct rdom *rd = policy_rdom_find(p, &cr->rdid);

	if (!rd)
		return NULL;
	return lpm_lookup_exact(rd->routes[ip_fam(&cr->prefix)], &cr->prefix,
	                        ip_plen128(&cr->prefix, cr->plen));
}

/*
 * Rule 2 and the join check, for a route 'cr' of VSID V in RDID R that is
 * new, or replaces 'old':
 *  1. V may not already belong to another routing domain;
 *  2. if V joins R now (it had no routes), its lookup records must obey
 *     rules 3 and 4 together with R's records; a VSID whose last route
 *     this change moves away ('leaving') is not counted in R.
 */
static int
cr_check_rdid(const struct policy *p, const struct customer_route *cr,
              const char *what, struct pmsg *msg)
{
	const struct vsid_ent *ve = policy_vsid_find(p, cr->vsid);
	char g[GUID_STRLEN];

	if (ve && ve->rd && !guid_equal(&ve->rd->rdid, &cr->rdid)) {
		policy_err(msg,
		           "%s: vsid %u already belongs to routing domain %s",
		           what, cr->vsid, guid_fmt(&ve->rd->rdid, g));
		return -EINVAL;
	}
	return 0;
}

static int
cr_check_vsid(const struct policy *p, const struct customer_route *cr,
              const struct cr_node *old, const char *what, struct pmsg *msg)
{
	const struct vsid_ent *ve = policy_vsid_find(p, cr->vsid);
	const struct rdom *rd = policy_rdom_find(p, &cr->rdid);
	uint32_t leaving = 0;
	int rc;

	rc = cr_check_rdid(p, cr, what, msg);
	if (rc)
		return rc;
	if ((ve && ve->rd) || !rd)
		return 0;
	if (old && old->cr.vsid != cr->vsid) {
		const struct vsid_ent *ov = policy_vsid_find(p, old->cr.vsid);

		if (ov && ov->n_routes == 1)
			leaving = old->cr.vsid;
	}
	return policy_lr_check_join(p, cr->vsid, rd, leaving, what, msg);
}

int
policy_cr_add(struct policy *p, const struct customer_route *cr,
              struct pmsg *msg)
{
	char what[CR_LABEL_LEN], g[GUID_STRLEN];
	const struct cr_node *old;
	struct cr_node *n;
	int rc;

	policy_msg_reset(msg);
	cr_label(cr, what);
	rc = cr_check_fields(cr, what, msg);
	if (!rc)
		rc = cr_check_rdid(p, cr, what, msg);
	if (rc)
		return rc;
	old = cr_find(p, cr);
	if (old) {
		policy_err(msg,
		           "%s: routing domain %s already has this route "
		           "(vsid %u)",
		           what, guid_fmt(&cr->rdid, g), old->cr.vsid);
		return -EEXIST;
	}
	rc = cr_check_vsid(p, cr, NULL, what, msg);
	if (rc)
		return rc;
	n = xcalloc(1, sizeof(*n));
	n->cr = *cr;
	policy_norm_nexthop(&n->cr.prefix, &n->cr.nexthop);
	plist_push_back(&p->crs, &n->order);
	cr_index(p, n);
	p->n_cr++;
	p->generation++;
	return 0;
}

int
policy_cr_set(struct policy *p, const struct customer_route *cr,
              struct pmsg *msg)
{
	char what[CR_LABEL_LEN], g[GUID_STRLEN];
	struct cr_node *n;
	int rc;

	policy_msg_reset(msg);
	cr_label(cr, what);
	rc = cr_check_fields(cr, what, msg);
	if (rc)
		return rc;
	n = cr_find(p, cr);
	if (!n) {
		policy_err(msg, "%s: no such route in routing domain %s", what,
		           guid_fmt(&cr->rdid, g));
		return -ENOENT;
	}
	rc = cr_check_vsid(p, cr, n, what, msg);
	if (rc)
		return rc;
	cr_unindex(p, n);
	n->cr = *cr;
	policy_norm_nexthop(&n->cr.prefix, &n->cr.nexthop);
	cr_index(p, n);
	p->generation++;
	return 0;
}

int
policy_cr_remove(struct policy *p, const struct policy_filter *f)
{
	struct plist *e, *next;
	int n = 0;

	for (e = p->crs.next; e != &p->crs; e = next) {
		struct cr_node *c = CONTAINER_OF(e, struct cr_node, order);

		next = e->next;
		if (!policy_cr_match(&c->cr, f))
			continue;
		cr_unindex(p, c);
		plist_remove(&c->order);
		free(c);
		p->n_cr--;
		n++;
	}
	if (n)
		p->generation++;
	return n;
}

int
policy_cr_foreach(const struct policy *p, const struct policy_filter *f,
                  policy_cr_cb cb, void *aux)
{
	const struct plist *e, *next;

	for (e = p->crs.next; e != &p->crs; e = next) {
		const struct cr_node *c =
		    CONTAINER_OF(e, struct cr_node, order);
		int rc;

		next = e->next;
		if (!policy_cr_match(&c->cr, f))
			continue;
		rc = cb(&c->cr, aux);
		if (rc)
			return rc;
	}
	return 0;
}

bool
policy_vsid_rdid(const struct policy *p, uint32_t vsid, struct guid *rdid)
{
	const struct vsid_ent *ve = policy_vsid_find(p, vsid);

	if (!ve || !ve->rd)
		return false;
	if (rdid)
		*rdid = ve->rd->rdid;
	return true;
}

const struct customer_route *
policy_cr_lookup(const struct policy *p, const struct guid *rdid,
                 const struct in6_addr *dst)
{
	const struct rdom *rd = policy_rdom_find(p, rdid);
	const struct cr_node *n;

	if (!rd)
		return NULL;
	n = lpm_lookup(rd->routes[ip_fam(dst)], dst);
	return n ? &n->cr : NULL;
}

const struct customer_route *
policy_cr_subnet(const struct policy *p, uint32_t vsid,
                 const struct in6_addr *a)
{
	const struct vsid_ent *ve = policy_vsid_find(p, vsid);
	const struct cr_node *n;

	if (!ve || !ve->onlink[ip_fam(a)])
		return NULL;
	n = lpm_lookup(ve->onlink[ip_fam(a)], a);
	return n ? &n->cr : NULL;
}

bool
policy_is_gateway_ca(const struct policy *p, uint32_t vsid,
                     const struct in6_addr *a)
{
	/* Every gateway CA is a prefix + 1 (cr_gateway): its last bit is
	 * set, so half of all addresses need no probe. */
	if (!(a->s6_addr[15] & 1))
		return false;
	return gw_find(p, vsid, a) != NULL;
}

const struct lookup_record *
policy_lr_gateway(const struct policy *p, uint32_t vsid)
{
	const struct vsid_ent *ve = policy_vsid_find(p, vsid);
	const struct lookup_record *any = NULL;

	if (!ve)
		return NULL;
	for (const struct plist *e = ve->gws.next; e != &ve->gws; e = e->next) {
		const struct gw_ent *g =
		    CONTAINER_OF(e, struct gw_ent, vsid_order);
		const struct lookup_record *r =
		    policy_lr_by_ca(p, vsid, &g->ca);

		if (!r)
			continue;
		if (policy_pa_find(p, &r->pa))
			return r;
		if (!any)
			any = r;
	}
	return any;
}

/* Frees every route, routing domain, gateway CA and vsid_ent (so the
 * lookup records must be gone already: see policy_clear()). */
void
policy_cr_clear(struct policy *p)
{
	struct hmap_node *n, *next;
	struct plist *e, *enext;

	for (e = p->crs.next; e != &p->crs; e = enext) {
		enext = e->next;
		free(CONTAINER_OF(e, struct cr_node, order));
	}
	plist_init(&p->crs);
	p->n_cr = 0;
	for (n = hmap_first(&p->rdoms); n; n = next) {
		next = hmap_next(&p->rdoms, n);
		rdom_free(CONTAINER_OF(n, struct rdom, node));
	}
	hmap_clear(&p->rdoms);
	for (n = hmap_first(&p->vsids); n; n = next) {
		next = hmap_next(&p->vsids, n);
		vsid_free(CONTAINER_OF(n, struct vsid_ent, node));
	}
	hmap_clear(&p->vsids);
	for (n = hmap_first(&p->gws); n; n = next) {
		next = hmap_next(&p->gws, n);
		free(CONTAINER_OF(n, struct gw_ent, node));
	}
	hmap_clear(&p->gws);
}
