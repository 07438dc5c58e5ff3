/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lookup: lookup records, the (VSID, CA, MAC) -> PA map at the heart of
 * the policy.  Two hash indexes serve the data path: (VSID, CA) for every
 * record with a CA key (all but L2Only) and (VSID, MAC) for every record.
 *
 * A record's "domain" is the set of VSIDs its uniqueness rules span: the
 * VSIDs of its routing domain when customer routes give its VSID an RDID,
 * else its VSID alone.  Checks walk the domain's VSIDs and probe the
 * indexes, so they cost O(VSIDs in the domain), not O(records).
 */
#include "policy/policy.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy-private.h"

#define LR_LABEL_LEN (IP_ADDR_STRLEN + 32)

/* Records are keyed by (VSID, CA), except L2Only ones by (VSID, MAC). */
static bool
lr_has_ca_key(const struct lookup_record *r)
{
	return r->type != LR_TYPE_L2ONLY;
}

/* Records that count for the one-family rule: all but L2Only (whose CA is
 * not known); a GatewayWildcard's 0.0.0.0 or :: says its family. */
static bool
lr_has_fam(const struct lookup_record *r)
{
	return r->type != LR_TYPE_L2ONLY;
}

/* "10.0.1.7 vsid 6000", or "60:00:60:00:01:01 vsid 6000" for L2Only. */
static const char *
lr_label(const struct lookup_record *r, char buf[LR_LABEL_LEN])
{
	char a[IP_ADDR_STRLEN];
	char m[ETH_ADDR_STRLEN];

	if (r->type == LR_TYPE_L2ONLY)
		snprintf(buf, LR_LABEL_LEN, "%s vsid %u", eth_fmt(&r->mac, m),
		         r->vsid);
	else
		snprintf(buf, LR_LABEL_LEN, "%s vsid %u", ip_fmt(&r->ca, a),
		         r->vsid);
	return buf;
}

/* How a conflicting record is named: its CA, or its type if it has none;
 * with its VSID when that differs from 'vsid'. */
static const char *
lr_other(const struct lookup_record *q, uint32_t vsid, char buf[80])
{
	char a[IP_ADDR_STRLEN];
	int n;

	if (ip_is_unspec(&q->ca))
		n = snprintf(buf, 80, "the %s record", lr_type_name(q->type));
	else
		n = snprintf(buf, 80, "%s", ip_fmt(&q->ca, a));
	if (q->vsid != vsid && n > 0 && n < 80)
		snprintf(buf + n, (size_t)(80 - n), " (vsid %u)", q->vsid);
	return buf;
}

/* The readers' view: while a stage is open (or rolling back) they do
 * not see what it added and still see what it removed; once committed
 * they see the result.  Writers see every node but doomed ones. */
static inline bool
lr_live(const struct lr_node *l)
{
	return !(l->flags & LR_DOOMED);
}

static inline bool
lr_visible(const struct policy *p, const struct lr_node *l)
{
	bool staging;

	if (!l->flags)
		return true;
	staging = p->stage.state == LR_STAGE_OPEN ||
	          p->stage.state == LR_STAGE_ROLLBACK;
	if (l->flags & LR_DOOMED)
		return staging;
	return !staging; /* LR_STAGED */
}

static struct lr_node *
lr_find_ca__(const struct policy *p, uint32_t vsid, const struct in6_addr *ca,
             bool reader)
{
	uint32_t h = policy_hash_vsid_ip(vsid, ca);

	for (struct hmap_node *n = hmap_first_with_hash(&p->lr_by_ca, h); n;
	     n = hmap_next_with_hash(n)) {
		struct lr_node *l = CONTAINER_OF(n, struct lr_node, ca_node);

		if (l->rec.vsid != vsid || !ip_equal(&l->rec.ca, ca))
			continue;
		if (reader ? lr_visible(p, l) : lr_live(l))
			return l;
	}
	return NULL;
}

static struct lr_node *
lr_find_ca(const struct policy *p, uint32_t vsid, const struct in6_addr *ca)
{
	return lr_find_ca__(p, vsid, ca, false);
}

static struct lr_node *
lr_find_l2(const struct policy *p, uint32_t vsid, const struct eth_addr *mac)
{
	uint32_t h = policy_hash_vsid_mac(vsid, mac);

	for (struct hmap_node *n = hmap_first_with_hash(&p->lr_by_mac, h); n;
	     n = hmap_next_with_hash(n)) {
		struct lr_node *l = CONTAINER_OF(n, struct lr_node, mac_node);

		if (l->rec.vsid == vsid && eth_equal(&l->rec.mac, mac) &&
		    l->rec.type == LR_TYPE_L2ONLY && lr_live(l))
			return l;
	}
	return NULL;
}

static struct lr_node *
lr_find_key(const struct policy *p, const struct lookup_record *r)
{
	if (lr_has_ca_key(r))
		return lr_find_ca(p, r->vsid, &r->ca);
	return lr_find_l2(p, r->vsid, &r->mac);
}

static struct lr_node *
lr_find_nat(const struct policy *p, const struct in6_addr *pa, bool reader)
{
	uint32_t h;

	/* Most hosts have no IP Rewrite record; every tunnel asks. */
	if (hmap_is_empty(&p->lr_nat_by_pa))
		return NULL;
	h = policy_hash_vsid_ip(0, pa);
	for (struct hmap_node *n = hmap_first_with_hash(&p->lr_nat_by_pa, h); n;
	     n = hmap_next_with_hash(n)) {
		struct lr_node *l = CONTAINER_OF(n, struct lr_node, nat_node);

		if (ip_equal(&l->rec.pa, pa) &&
		    (reader ? lr_visible(p, l) : lr_live(l)))
			return l;
	}
	return NULL;
}

const struct lookup_record *
policy_lr_nat_by_pa(const struct policy *p, const struct in6_addr *pa)
{
	struct lr_node *l = lr_find_nat(p, pa, true);

	return l ? &l->rec : NULL;
}

/* An IP Rewrite record's PA is its own: the receiver finds the CA (and
 * the VSID) from it, so no other IP Rewrite record may share it. */
static int
lr_check_nat(const struct policy *p, const struct lookup_record *r,
             const struct lr_node *self, const char *what, struct pmsg *msg)
{
	const struct lr_node *l;
	char a[IP_ADDR_STRLEN], lbl[LR_LABEL_LEN];

	if (r->rule != LR_RULE_NAT)
		return 0;
	l = lr_find_nat(p, &r->pa, false);
	if (!l || l == self)
		return 0;
	policy_err(msg,
	           "%s: PA %s is already the IP Rewrite address of lookup "
	           "record %s: with TranslationMethodNat each CA needs a PA "
	           "of its own",
	           what, ip_fmt(&r->pa, a), lr_label(&l->rec, lbl));
	return -EEXIST;
}

/*
 * Records that may share a MAC inside one domain (rule 3's exception):
 *  1. an L2Only record and a Dynamic record with the same PA: the dynamic
 *     one was learnt from the L2Only one (flow F4);
 *  2. a GatewayWildcard record and any record with the same PA: the
 *     gateway's wildcard and its own CA are the same NIC.
 */
static bool
lr_may_share_mac(const struct lookup_record *a, const struct lookup_record *b)
{
	if (!ip_equal(&a->pa, &b->pa))
		return false;
	if ((a->type == LR_TYPE_L2ONLY && b->type == LR_TYPE_DYNAMIC) ||
	    (a->type == LR_TYPE_DYNAMIC && b->type == LR_TYPE_L2ONLY))
		return true;
	return a->type == LR_TYPE_GW_WILDCARD || b->type == LR_TYPE_GW_WILDCARD;
}

/* The first record of family 'fam' of 've', other than 'self'. */
static const struct lookup_record *
lr_example_in(const struct vsid_ent *ve, int fam, const struct lr_node *self)
{
	for (const struct plist *e = ve->lrs.next; e != &ve->lrs; e = e->next) {
		const struct lr_node *l =
		    CONTAINER_OF(e, struct lr_node, vsid_order);

		if (l != self && lr_live(l) && lr_has_fam(&l->rec) &&
		    ip_fam(&l->rec.ca) == fam)
			return &l->rec;
	}
	return NULL;
}

/* The first record of family 'fam' in the domain of 'rd' (or of 'vsid' if
 * 'rd' is NULL), other than 'self' and those of 'skip': for messages.
 * The domain's CAs are all of one family, so the first record of a VSID
 * that counts any of 'fam' is close to the head of its list. */
static const struct lookup_record *
lr_example(const struct policy *p, const struct rdom *rd, uint32_t vsid,
           uint32_t skip, int fam, const struct lr_node *self)
{
	const struct vsid_ent *ve;

	if (!rd) {
		ve = policy_vsid_find(p, vsid);
		return ve ? lr_example_in(ve, fam, self) : NULL;
	}
	for (const struct plist *e = rd->vsids.next; e != &rd->vsids;
	     e = e->next) {
		const struct lookup_record *q;

		ve = CONTAINER_OF(e, struct vsid_ent, rd_order);
		if (ve->vsid == skip || !ve->n_fam[fam])
			continue;
		q = lr_example_in(ve, fam, self);
		if (q)
			return q;
	}
	return NULL;
}

/*
 * The checks on the record alone:
 *  1. VSID in 4096..16777214;
 *  2. rule and type are known values;
 *  3. Static and Dynamic records have a unicast CA; L2Only and
 *     GatewayWildcard records have CA 0.0.0.0 (or ::);
 *  4. the MAC is unicast, and not zero except for GatewayWildcard;
 *  5. the PA is a unicast address;
 *  6. the strings are terminated;
 *  7. IP Rewrite (TranslationMethodNat) rewrites the CA into the PA in
 *     place: a Static or Dynamic record whose PA is of the CA's family.
 */
static int
lr_check_fields(const struct lookup_record *r, const char *what,
                struct pmsg *msg)
{
	char a[IP_ADDR_STRLEN], m[ETH_ADDR_STRLEN];

	if (r->vsid < VSID_MIN || r->vsid > VSID_MAX) {
		policy_err(msg, "%s: vsid %u is out of range (%u..%u)", what,
		           r->vsid, VSID_MIN, VSID_MAX);
		return -EINVAL;
	}
	if ((unsigned)r->rule > LR_RULE_NONE) {
		policy_err(msg, "%s: rule %d is not valid", what, (int)r->rule);
		return -EINVAL;
	}
	if ((unsigned)r->type > LR_TYPE_GW_WILDCARD) {
		policy_err(msg, "%s: type %d is not valid", what, (int)r->type);
		return -EINVAL;
	}
	if (r->type == LR_TYPE_L2ONLY || r->type == LR_TYPE_GW_WILDCARD) {
		if (!ip_is_unspec(&r->ca)) {
			policy_err(msg,
			           "%s: CA %s must be 0.0.0.0 or :: for type "
			           "%s",
			           what, ip_fmt(&r->ca, a),
			           lr_type_name(r->type));
			return -EINVAL;
		}
	} else if (ip_is_unspec(&r->ca)) {
		policy_err(msg,
		           "%s: CA %s is only valid for types L2Only and "
		           "GatewayWildcard",
		           what, ip_fmt(&r->ca, a));
		return -EINVAL;
	} else if (!policy_ip_is_unicast(&r->ca)) {
		policy_err(msg, "%s: CA %s is not a unicast address", what,
		           ip_fmt(&r->ca, a));
		return -EINVAL;
	}
	if (eth_is_multicast(&r->mac) ||
	    (eth_is_zero(&r->mac) && r->type != LR_TYPE_GW_WILDCARD)) {
		policy_err(msg, "%s: MAC %s is not a unicast MAC address", what,
		           eth_fmt(&r->mac, m));
		return -EINVAL;
	}
	if (!policy_ip_is_unicast(&r->pa)) {
		policy_err(msg, "%s: PA %s is not a unicast address", what,
		           ip_fmt(&r->pa, a));
		return -EINVAL;
	}
	if (r->rule == LR_RULE_NAT &&
	    (ip_is_unspec(&r->ca) || ip_fam(&r->ca) != ip_fam(&r->pa))) {
		policy_err(msg,
		           "%s: rule TranslationMethodNat rewrites the CA "
		           "into the PA: CA %s and PA %s must be addresses of "
		           "one family",
		           what, ip_fmt(&r->ca, a),
		           ip_fmt(&r->pa, (char[IP_ADDR_STRLEN]){0}));
		return -EINVAL;
	}
	if (!policy_str_fits(r->vm_name, sizeof(r->vm_name)) ||
	    !policy_str_fits(r->context, sizeof(r->context))) {
		policy_err(msg, "%s: vm_name or context is not terminated",
		           what);
		return -EINVAL;
	}
	return 0;
}

/* The domain indexes: (domain key, CA) and (domain key, MAC). */
static uint32_t
dom_hash_ip(uint64_t dom, const struct in6_addr *a)
{
	return policy_hash_vsid_ip((uint32_t)(dom ^ dom >> 32), a);
}

static uint32_t
dom_hash_mac(uint64_t dom, const struct eth_addr *m)
{
	return policy_hash_vsid_mac((uint32_t)(dom ^ dom >> 32), m);
}

/* A live record of domain 'dom' with CA 'ca' in another VSID than
 * 'vsid' and 'skip', other than 'self', or NULL. */
static const struct lr_node *
dom_ca_conflict(const struct policy *p, uint64_t dom, const struct in6_addr *ca,
                uint32_t vsid, uint32_t skip, const struct lr_node *self)
{
	uint32_t h = dom_hash_ip(dom, ca);

	for (struct hmap_node *n = hmap_first_with_hash(&p->lr_by_dca, h); n;
	     n = hmap_next_with_hash(n)) {
		const struct lr_node *l =
		    CONTAINER_OF(n, struct lr_node, dca_node);

		if (l->dom == dom && l != self && lr_live(l) &&
		    l->rec.vsid != vsid && l->rec.vsid != skip &&
		    ip_equal(&l->rec.ca, ca))
			return l;
	}
	return NULL;
}

/* A live record of domain 'dom' (not of VSID 'skip') with r's MAC that
 * 'r' may not share it with, other than 'self', or NULL. */
static const struct lr_node *
dom_mac_conflict(const struct policy *p, uint64_t dom,
                 const struct lookup_record *r, uint32_t skip,
                 const struct lr_node *self)
{
	uint32_t h = dom_hash_mac(dom, &r->mac);

	for (struct hmap_node *n = hmap_first_with_hash(&p->lr_by_dmac, h); n;
	     n = hmap_next_with_hash(n)) {
		const struct lr_node *l =
		    CONTAINER_OF(n, struct lr_node, dmac_node);

		if (l->dom == dom && l != self && lr_live(l) &&
		    l->rec.vsid != skip && eth_equal(&l->rec.mac, &r->mac) &&
		    !lr_may_share_mac(r, &l->rec))
			return l;
	}
	return NULL;
}

/* "routing domain {...}", or "vsid N" for a VSID without one. */
static const char *
lr_domain_name(const struct rdom *rd, const struct lookup_record *r,
               char buf[GUID_STRLEN + 32])
{
	char g[GUID_STRLEN];

	if (rd)
		snprintf(buf, GUID_STRLEN + 32, "routing domain %s",
		         guid_fmt(&rd->rdid, g));
	else
		snprintf(buf, GUID_STRLEN + 32, "vsid %u", r->vsid);
	return buf;
}

/*
 * The checks against the other records of the domain (rules 3 and 4),
 * ignoring 'self' (the record a _set replaces):
 *  1. no other VSID of the domain has a record with this CA (the same
 *     VSID is the key check, done by the caller);
 *  2. no record of the domain has this MAC, but for the exceptions of
 *     lr_may_share_mac();
 *  3. the domain's CAs are all of this record's family.
 * Each is one probe of a domain index (or a counter): O(1), however many
 * VSIDs and records the routing domain has.
 */
static int
lr_check_domain(const struct policy *p, const struct lookup_record *r,
                const struct lr_node *self, const char *what, struct pmsg *msg)
{
	const struct vsid_ent *ve = policy_vsid_find(p, r->vsid);
	const struct rdom *rd = ve ? ve->rd : NULL;
	uint64_t dom = ve ? policy_dom_key(ve) : 1ull << 63 | r->vsid;
	char a[IP_ADDR_STRLEN], m[ETH_ADDR_STRLEN], o[80], in[GUID_STRLEN + 32];
	const struct lr_node *q;
	size_t other_fam;
	int fam = ip_fam(&r->ca);

	if (lr_has_ca_key(r) &&
	    (q = dom_ca_conflict(p, dom, &r->ca, r->vsid, 0, self))) {
		policy_err(msg,
		           "%s: CA %s already used by vsid %u (MAC %s) in %s",
		           what, ip_fmt(&r->ca, a), q->rec.vsid,
		           eth_fmt(&q->rec.mac, m), lr_domain_name(rd, r, in));
		return -EINVAL;
	}
	q = dom_mac_conflict(p, dom, r, 0, self);
	if (q) {
		policy_err(msg, "%s: MAC %s already used by %s in %s", what,
		           eth_fmt(&r->mac, m), lr_other(&q->rec, r->vsid, o),
		           lr_domain_name(rd, r, in));
		return -EINVAL;
	}
	other_fam = rd ? rd->n_fam[!fam] : ve ? ve->n_fam[!fam] : 0;
	if (self && lr_has_fam(&self->rec) && ip_fam(&self->rec.ca) != fam)
		other_fam--;
	if (lr_has_fam(r) && other_fam) {
		const struct lookup_record *x =
		    lr_example(p, rd, r->vsid, 0, !fam, self);

		policy_err(msg, "%s: CA %s is %s but %s uses %s (%s)", what,
		           ip_fmt(&r->ca, a), fam_name(fam),
		           lr_domain_name(rd, r, in), fam_name(!fam),
		           x ? lr_other(x, r->vsid, o) : "?");
		return -EINVAL;
	}
	return 0;
}

/* May VSID 'vsid' (in no routing domain) join 'rd'?  Each of its records
 * probes rd's domain indexes: O(records of the VSID). */
int
policy_lr_check_join(const struct policy *p, uint32_t vsid,
                     const struct rdom *rd, uint32_t leaving, const char *what,
                     struct pmsg *msg)
{
	const struct vsid_ent *ve = policy_vsid_find(p, vsid);
	const struct vsid_ent *lv =
	    leaving ? policy_vsid_find(p, leaving) : NULL;
	char a[IP_ADDR_STRLEN], m[ETH_ADDR_STRLEN], o[80], g[GUID_STRLEN];
	char lbl[LR_LABEL_LEN];
	size_t fam_rd[2] = {rd->n_fam[0], rd->n_fam[1]};

	if (!ve || !ve->n_recs)
		return 0;
	guid_fmt(&rd->rdid, g);
	if (lv && lv->rd == rd) {
		fam_rd[0] -= lv->n_fam[0];
		fam_rd[1] -= lv->n_fam[1];
	}
	for (int fam = 0; fam < 2; fam++) {
		const struct lookup_record *q, *r;

		if (!ve->n_fam[fam] || !fam_rd[!fam])
			continue;
		r = lr_example(p, NULL, vsid, 0, fam, NULL);
		q = lr_example(p, rd, 0, leaving, !fam, NULL);
		policy_err(msg,
		           "%s: vsid %u has %s CAs (%s) but routing domain %s "
		           "uses %s (%s)",
		           what, vsid, fam_name(fam),
		           r ? ip_fmt(&r->ca, a) : "?", g, fam_name(!fam),
		           q ? lr_other(q, vsid, o) : "?");
		return -EINVAL;
	}
	for (const struct plist *le = ve->lrs.next; le != &ve->lrs;
	     le = le->next) {
		const struct lr_node *l =
		    CONTAINER_OF(le, struct lr_node, vsid_order);
		const struct lookup_record *r = &l->rec;
		const struct lr_node *q;

		if (!lr_live(l))
			continue;
		if (lr_has_ca_key(r) &&
		    (q = dom_ca_conflict(p, rd->id, &r->ca, vsid, leaving,
		                         NULL))) {
			policy_err(
			    msg,
			    "%s: lookup record %s conflicts with routing "
			    "domain %s: CA %s already used by vsid %u",
			    what, lr_label(r, lbl), g, ip_fmt(&r->ca, a),
			    q->rec.vsid);
			return -EINVAL;
		}
		q = dom_mac_conflict(p, rd->id, r, leaving, NULL);
		if (q) {
			policy_err(
			    msg,
			    "%s: lookup record %s conflicts with routing "
			    "domain %s: MAC %s already used by %s",
			    what, lr_label(r, lbl), g, eth_fmt(&r->mac, m),
			    lr_other(&q->rec, vsid, o));
			return -EINVAL;
		}
	}
	return 0;
}

/* The hash indexes hold every node, doomed ones too (until freed): the
 * lookups filter by view. */
static void
lr_dom_in(struct policy *p, struct lr_node *l, const struct vsid_ent *ve)
{
	const struct lookup_record *r = &l->rec;

	l->dom = policy_dom_key(ve);
	if (lr_has_ca_key(r))
		hmap_insert(&p->lr_by_dca, &l->dca_node,
		            dom_hash_ip(l->dom, &r->ca));
	hmap_insert(&p->lr_by_dmac, &l->dmac_node,
	            dom_hash_mac(l->dom, &r->mac));
}

static void
lr_dom_out(struct policy *p, struct lr_node *l)
{
	if (lr_has_ca_key(&l->rec))
		hmap_remove(&p->lr_by_dca, &l->dca_node);
	hmap_remove(&p->lr_by_dmac, &l->dmac_node);
}

static void
lr_hash_in(struct policy *p, struct lr_node *l)
{
	const struct lookup_record *r = &l->rec;

	if (lr_has_ca_key(r))
		hmap_insert(&p->lr_by_ca, &l->ca_node,
		            policy_hash_vsid_ip(r->vsid, &r->ca));
	hmap_insert(&p->lr_by_mac, &l->mac_node,
	            policy_hash_vsid_mac(r->vsid, &r->mac));
	if (r->rule == LR_RULE_NAT)
		hmap_insert(&p->lr_nat_by_pa, &l->nat_node,
		            policy_hash_vsid_ip(0, &r->pa));
	lr_dom_in(p, l, policy_vsid_find(p, r->vsid));
}

static void
lr_hash_out(struct policy *p, struct lr_node *l)
{
	if (lr_has_ca_key(&l->rec))
		hmap_remove(&p->lr_by_ca, &l->ca_node);
	hmap_remove(&p->lr_by_mac, &l->mac_node);
	if (l->rec.rule == LR_RULE_NAT)
		hmap_remove(&p->lr_nat_by_pa, &l->nat_node);
	lr_dom_out(p, l);
}

void
policy_lr_domain_changed(struct policy *p, struct vsid_ent *ve,
                         struct rdom *old)
{
	for (struct plist *e = ve->lrs.next; e != &ve->lrs; e = e->next) {
		struct lr_node *l = CONTAINER_OF(e, struct lr_node, vsid_order);

		lr_dom_out(p, l);
		lr_dom_in(p, l, ve);
	}
	for (int fam = 0; fam < 2; fam++) {
		if (old)
			old->n_fam[fam] -= ve->n_fam[fam];
		if (ve->rd)
			ve->rd->n_fam[fam] += ve->n_fam[fam];
	}
}

/* The counters of the writers' view: records per VSID and family. */
static void
lr_count(struct policy *p, const struct lr_node *l, int delta)
{
	struct vsid_ent *ve = policy_vsid_find(p, l->rec.vsid);

	ve->n_recs += (size_t)(ssize_t)delta;
	if (l->rec.type == LR_TYPE_L2ONLY)
		ve->n_l2only += (size_t)(ssize_t)delta;
	if (lr_has_fam(&l->rec)) {
		int fam = ip_fam(&l->rec.ca);

		ve->n_fam[fam] += (size_t)(ssize_t)delta;
		if (ve->rd)
			ve->rd->n_fam[fam] += (size_t)(ssize_t)delta;
	}
	p->n_lr += (size_t)(ssize_t)delta;
}

/* A new node for 'rec' with 'seq': at the end of both lists, or right
 * after 'after' (a replacement, same seq). */
static struct lr_node *
lr_insert(struct policy *p, const struct lookup_record *rec, uint64_t seq,
          struct lr_node *after)
{
	struct lr_node *l = xcalloc(1, sizeof(*l));
	struct vsid_ent *ve = policy_vsid_get(p, rec->vsid);

	l->rec = *rec;
	l->seq = seq;
	if (after) {
		plist_insert_after(&after->order, &l->order);
		plist_insert_after(&after->vsid_order, &l->vsid_order);
	} else {
		plist_push_back(&p->lrs, &l->order);
		plist_push_back(&ve->lrs, &l->vsid_order);
	}
	lr_hash_in(p, l);
	lr_count(p, l, 1);
	return l;
}

/* Frees a node.  The caller releases its VSID (policy_vsid_put) once it
 * no longer walks that VSID's list. */
static void
lr_destroy(struct policy *p, struct lr_node *l)
{
	if (lr_live(l))
		lr_count(p, l, -1);
	lr_hash_out(p, l);
	plist_remove(&l->order);
	plist_remove(&l->vsid_order);
	free(l);
}

static void
lr_put_vsid(struct policy *p, uint32_t vsid)
{
	policy_vsid_put(p, policy_vsid_find(p, vsid));
}

/* ---- Stages ---- */

static void
vec_push(struct lr_node ***v, size_t *n, size_t *cap, struct lr_node *l)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = l;
}

static bool
lr_stage_open(const struct policy *p)
{
	return p->stage.state == LR_STAGE_OPEN;
}

static void
lr_stage_added(struct policy *p, struct lr_node *l)
{
	struct lr_stage *st = &p->stage;

	l->flags |= LR_STAGED;
	l->stage_idx = (uint32_t)st->n_added;
	vec_push(&st->added, &st->n_added, &st->cap_added, l);
}

/* Removes a live node: in a stage, a node the stage added is dropped at
 * once (nobody saw it), any other is marked; outside a stage it is
 * freed.  The caller puts the VSID. */
static void
lr_kill(struct policy *p, struct lr_node *l)
{
	struct lr_stage *st = &p->stage;

	if (!lr_stage_open(p)) {
		lr_destroy(p, l);
	} else if (l->flags & LR_STAGED) {
		st->added[l->stage_idx] = NULL;
		lr_destroy(p, l);
	} else {
		lr_count(p, l, -1);
		l->flags |= LR_DOOMED;
		vec_push(&st->doomed, &st->n_doomed, &st->cap_doomed, l);
	}
}

static void
lr_stage_reset(struct policy *p)
{
	free(p->stage.added);
	free(p->stage.doomed);
	memset(&p->stage, 0, sizeof(p->stage));
}

int
policy_lr_begin(struct policy *p)
{
	if (p->stage.state != LR_STAGE_NONE)
		return -EBUSY;
	p->stage.state = LR_STAGE_OPEN;
	return 0;
}

void
policy_lr_commit(struct policy *p)
{
	if (!lr_stage_open(p))
		return;
	p->stage.state = LR_STAGE_COMMITTED;
	p->generation++;
}

bool
policy_lr_in_stage(const struct policy *p)
{
	return p->stage.state != LR_STAGE_NONE;
}

/*
 * After a commit, the net changes in an order a store can apply:
 *  1. every removed record (DEL, its seq), then frees it;
 *  2. every added or replacing record (PUT, its seq; a replacement has
 *     the seq of the record it replaces, so DEL then PUT of one seq is a
 *     set).
 * Records added and removed within the stage were freed at removal and
 * appear in neither.
 */
bool
policy_lr_finalize_step(struct policy *p, size_t budget, policy_lr_change_cb cb,
                        void *aux)
{
	struct lr_stage *st = &p->stage;

	if (st->state != LR_STAGE_COMMITTED)
		return false;
	while (budget) {
		struct lr_node *l;

		if (st->i_doomed < st->n_doomed) {
			uint32_t vsid;

			l = st->doomed[st->i_doomed++];
			vsid = l->rec.vsid;
			if (cb)
				cb(POLICY_LR_DEL, l->seq, &l->rec, aux);
			lr_destroy(p, l);
			lr_put_vsid(p, vsid);
			budget--;
		} else if (st->i_added < st->n_added) {
			l = st->added[st->i_added++];
			if (!l)
				continue;
			l->flags &= (uint8_t)~LR_STAGED;
			if (cb)
				cb(POLICY_LR_PUT, l->seq, &l->rec, aux);
			budget--;
		} else {
			lr_stage_reset(p);
			return false;
		}
	}
	if (st->i_doomed == st->n_doomed && st->i_added == st->n_added) {
		lr_stage_reset(p);
		return false;
	}
	return true;
}

/* Undo: drop what the stage added, then revive what it removed; readers
 * go on seeing the old records throughout. */
bool
policy_lr_rollback_step(struct policy *p, size_t budget)
{
	struct lr_stage *st = &p->stage;

	if (st->state == LR_STAGE_OPEN)
		st->state = LR_STAGE_ROLLBACK;
	if (st->state != LR_STAGE_ROLLBACK)
		return false;
	while (budget) {
		struct lr_node *l;

		if (st->i_added < st->n_added) {
			uint32_t vsid;

			l = st->added[st->i_added++];
			if (!l)
				continue;
			vsid = l->rec.vsid;
			lr_destroy(p, l);
			lr_put_vsid(p, vsid);
			budget--;
		} else if (st->i_doomed < st->n_doomed) {
			l = st->doomed[st->i_doomed++];
			l->flags &= (uint8_t)~LR_DOOMED;
			lr_count(p, l, 1);
			budget--;
		} else {
			break;
		}
	}
	if (st->i_added == st->n_added && st->i_doomed == st->n_doomed) {
		lr_stage_reset(p);
		return false;
	}
	return true;
}

/*
 * Warnings (accepted, reported), only when this host has a PA at all (a
 * controller-side policy has none):
 *  6. a default-gateway record whose PA is not one of this host's: each
 *     host answers for its own ".1" (the book's GWHost typo);
 *  7. a PA that is not local, not on-link of a local PA's prefix, and
 *     not covered by a provider route.
 */
static void
lr_what(const struct lookup_record *r, char what[LR_LABEL_LEN + 16])
{
	char lbl[LR_LABEL_LEN];

	snprintf(what, LR_LABEL_LEN + 16, "lookup record %s", lr_label(r, lbl));
}

static void
lr_warn(const struct policy *p, const struct lookup_record *r, struct pmsg *msg)
{
	char a[IP_ADDR_STRLEN], list[256], what[LR_LABEL_LEN + 16];
	bool gw = false, unreach = false;

	if (policy_pa_count(p)) {
		gw = !ip_is_unspec(&r->ca) && !policy_pa_find(p, &r->pa) &&
		     policy_is_gateway_ca(p, r->vsid, &r->ca);
		unreach = !policy_pa_reachable(p, &r->pa);
	}
	if (!msg || !(gw || unreach))
		return;
	lr_what(r, what);
	if (gw)
		policy_warn(msg,
		            "%s: default-gateway record points at PA %s, "
		            "which is not a provider address of this host "
		            "(%s)",
		            what, ip_fmt(&r->pa, a),
		            policy_pa_list(p, list, sizeof(list)));
	if (unreach)
		policy_warn(msg,
		            "%s: PA %s is not reachable: not a provider "
		            "address of this host, not on-link of one (%s), "
		            "and no provider route covers it",
		            what, ip_fmt(&r->pa, a),
		            policy_pa_list(p, list, sizeof(list)));
}

/* The checks of an add ('set' false) or a set of 'rec': 0 with '*found'
 * (the record a set replaces), or an error. */
static int
lr_checks(const struct policy *p, const struct lookup_record *rec, bool set,
          struct lr_node **found, const char *what, struct pmsg *msg)
{
	struct lr_node *l;
	int rc;

	rc = lr_check_fields(rec, what, msg);
	if (rc)
		return rc;
	l = lr_find_key(p, rec);
	if (set && !l) {
		policy_err(msg, "%s: no such record", what);
		return -ENOENT;
	}
	if (!set && l) {
		policy_err(msg, "%s: already exists", what);
		return -EEXIST;
	}
	*found = l;
	rc = lr_check_domain(p, rec, l, what, msg);
	if (!rc)
		rc = lr_check_nat(p, rec, l, what, msg);
	return rc;
}

/* The record's label heads every message; it is made only when one is
 * needed (its snprintf was much of the cost of a valid add). */
static int
lr_validate(const struct policy *p, const struct lookup_record *rec, bool set,
            struct lr_node **found, struct pmsg *msg)
{
	char what[LR_LABEL_LEN + 16];
	int rc;

	policy_msg_reset(msg);
	rc = lr_checks(p, rec, set, found, "", NULL);
	if (rc && msg) {
		lr_what(rec, what);
		lr_checks(p, rec, set, found, what, msg);
	}
	return rc;
}

static int
lr_add_seq(struct policy *p, const struct lookup_record *rec, uint64_t seq,
           struct pmsg *msg)
{
	struct lr_node *l;
	int rc;

	rc = lr_validate(p, rec, false, &l, msg);
	if (rc)
		return rc;
	l = lr_insert(p, rec, seq, NULL);
	if (seq > p->lr_seq)
		p->lr_seq = seq;
	if (lr_stage_open(p))
		lr_stage_added(p, l);
	else
		p->generation++;
	lr_warn(p, rec, msg);
	return 0;
}

int
policy_lr_add(struct policy *p, const struct lookup_record *rec,
              struct pmsg *msg)
{
	return lr_add_seq(p, rec, p->lr_seq + 1, msg);
}

int
policy_lr_restore(struct policy *p, const struct lookup_record *rec,
                  uint64_t seq, struct pmsg *msg)
{
	if (seq <= p->lr_seq) {
		policy_msg_reset(msg);
		policy_err(msg,
		           "lookup record: sequence number %llu is not after "
		           "%llu",
		           (unsigned long long)seq,
		           (unsigned long long)p->lr_seq);
		return -ERANGE;
	}
	return lr_add_seq(p, rec, seq, msg);
}

uint64_t
policy_lr_seq(const struct lookup_record *r)
{
	return CONTAINER_OF(r, const struct lr_node, rec)->seq;
}

/* In a stage a set replaces the node (readers keep the old one until the
 * commit) unless the stage added it; otherwise it changes in place.  The
 * key (VSID, CA or MAC) is the same, so the node keeps its place. */
int
policy_lr_set(struct policy *p, const struct lookup_record *rec,
              struct pmsg *msg)
{
	struct lr_node *l;
	int rc;

	rc = lr_validate(p, rec, true, &l, msg);
	if (rc)
		return rc;
	if (lr_stage_open(p) && !(l->flags & LR_STAGED)) {
		lr_kill(p, l);
		lr_stage_added(p, lr_insert(p, rec, l->seq, l));
	} else {
		lr_count(p, l, -1);
		lr_hash_out(p, l);
		l->rec = *rec;
		lr_hash_in(p, l);
		lr_count(p, l, 1);
		if (!lr_stage_open(p))
			p->generation++;
	}
	lr_warn(p, rec, msg);
	return 0;
}

static bool
lr_match_full(const struct policy *p, const struct lookup_record *r,
              const struct policy_filter *f)
{
	struct guid rdid;

	if (!policy_lr_match(r, f))
		return false;
	if (f && (f->fields & F_RDID))
		return policy_vsid_rdid(p, r->vsid, &rdid) &&
		       guid_equal(&rdid, &f->rdid);
	return true;
}

static bool
filter_has(const struct policy_filter *f, unsigned fields)
{
	return f && (f->fields & fields) == fields;
}

/* A filter that names one record by its (VSID, CA) key. */
static bool
filter_is_ca_key(const struct policy_filter *f)
{
	return filter_has(f, F_VSID | F_CA) && !ip_is_unspec(&f->ca);
}

void
policy_lr_remove_rec(struct policy *p, const struct lookup_record *r)
{
	struct lr_node *l = CONTAINER_OF(r, struct lr_node, rec);
	uint32_t vsid = r->vsid;

	if (!lr_live(l))
		return;
	lr_kill(p, l);
	lr_put_vsid(p, vsid);
}

/* Removal by (VSID, CA) or (VSID, MAC), the cmdlets' usual filters, goes
 * through the indexes, by VSID through its list; anything else scans. */
int
policy_lr_remove(struct policy *p, const struct policy_filter *f)
{
	int n = 0;

	if (filter_is_ca_key(f)) {
		struct lr_node *l = lr_find_ca(p, f->vsid, &f->ca);

		if (l && lr_match_full(p, &l->rec, f)) {
			lr_kill(p, l);
			n++;
		}
	} else if (filter_has(f, F_VSID | F_MAC)) {
		uint32_t h = policy_hash_vsid_mac(f->vsid, &f->mac);
		struct hmap_node *hn, *next;

		for (hn = hmap_first_with_hash(&p->lr_by_mac, h); hn;
		     hn = next) {
			struct lr_node *l =
			    CONTAINER_OF(hn, struct lr_node, mac_node);

			next = hmap_next_with_hash(hn);
			if (lr_live(l) && lr_match_full(p, &l->rec, f)) {
				lr_kill(p, l);
				n++;
			}
		}
	} else {
		struct vsid_ent *ve = NULL;
		struct plist *head = &p->lrs, *e, *next;
		bool by_vsid = filter_has(f, F_VSID);

		if (by_vsid) {
			ve = policy_vsid_find(p, f->vsid);
			if (!ve)
				return 0;
			head = &ve->lrs;
		}
		for (e = head->next; e != head; e = next) {
			struct lr_node *l =
			    by_vsid
			        ? CONTAINER_OF(e, struct lr_node, vsid_order)
			        : CONTAINER_OF(e, struct lr_node, order);
			uint32_t vsid = l->rec.vsid;

			next = e->next;
			if (!lr_live(l) || !lr_match_full(p, &l->rec, f))
				continue;
			lr_kill(p, l);
			n++;
			if (!by_vsid)
				lr_put_vsid(p, vsid);
		}
	}
	if (f && (f->fields & F_VSID))
		lr_put_vsid(p, f->vsid);
	if (n && !lr_stage_open(p))
		p->generation++;
	return n;
}

int
policy_lr_foreach(const struct policy *p, const struct policy_filter *f,
                  policy_lr_cb cb, void *aux)
{
	const struct plist *head = &p->lrs, *e, *next;
	bool by_vsid = filter_has(f, F_VSID);

	if (filter_is_ca_key(f)) {
		const struct lr_node *l = lr_find_ca(p, f->vsid, &f->ca);

		if (l && lr_match_full(p, &l->rec, f))
			return cb(&l->rec, aux);
		return 0;
	}
	if (by_vsid) {
		const struct vsid_ent *ve = policy_vsid_find(p, f->vsid);

		if (!ve)
			return 0;
		head = &ve->lrs;
	}
	for (e = head->next; e != head; e = next) {
		const struct lr_node *l =
		    by_vsid ? CONTAINER_OF(e, struct lr_node, vsid_order)
		            : CONTAINER_OF(e, struct lr_node, order);
		int rc;

		next = e->next;
		if (!lr_live(l) || !lr_match_full(p, &l->rec, f))
			continue;
		rc = cb(&l->rec, aux);
		if (rc)
			return rc;
	}
	return 0;
}

size_t
policy_lr_count(const struct policy *p)
{
	return p->n_lr;
}

void
policy_lr_reserve(struct policy *p, size_t n)
{
	hmap_reserve(&p->lr_by_ca, n);
	hmap_reserve(&p->lr_by_mac, n);
	hmap_reserve(&p->lr_by_dca, n);
	hmap_reserve(&p->lr_by_dmac, n);
}

/* Step 0: the bucket of 'h'; step 1: the first node of that chain, whose
 * hmap_node is 'ofs' bytes into its lr_node: the lines a probe reads
 * (up to the record's type, policy-private.h); step 2: the second. */
static void
lr_prefetch(const struct hmap *map, uint32_t h, size_t ofs, int step)
{
	struct hmap_node *const *bucket = hmap_bucket__(map, h);
	const char *l;

	if (step == 0) {
		__builtin_prefetch(bucket);
	} else if (*bucket && (step == 1 || (*bucket)->next)) {
		l = (const char *)(step == 1 ? *bucket : (*bucket)->next) - ofs;
		__builtin_prefetch(l);
		__builtin_prefetch(l + 64);
		__builtin_prefetch(l + offsetof(struct lr_node, rec.type));
	}
	/* GCC counts a prefetch as no side effect, would find the callers
	 * "const" and drop their calls: an empty volatile asm keeps them. */
	__asm__ volatile("");
}

void
policy_lr_prefetch_ca(const struct policy *p, uint32_t vsid,
                      const struct in6_addr *ca, int step)
{
	lr_prefetch(&p->lr_by_ca, policy_hash_vsid_ip(vsid, ca),
	            offsetof(struct lr_node, ca_node), step);
}

void
policy_lr_prefetch_mac(const struct policy *p, uint32_t vsid,
                       const struct eth_addr *mac, int step)
{
	lr_prefetch(&p->lr_by_mac, policy_hash_vsid_mac(vsid, mac),
	            offsetof(struct lr_node, mac_node), step);
}

const struct lookup_record *
policy_lr_by_ca(const struct policy *p, uint32_t vsid,
                const struct in6_addr *ca)
{
	struct lr_node *l = lr_find_ca__(p, vsid, ca, true);

	return l ? &l->rec : NULL;
}

/* Ranks what a MAC lookup prefers: a record with a CA, then a gateway
 * wildcard, then an L2Only record. */
static int
lr_mac_rank(const struct lookup_record *r)
{
	if (r->type == LR_TYPE_L2ONLY)
		return 0;
	return r->type == LR_TYPE_GW_WILDCARD ? 1 : 2;
}

const struct lookup_record *
policy_lr_by_mac(const struct policy *p, uint32_t vsid,
                 const struct eth_addr *mac)
{
	uint32_t h = policy_hash_vsid_mac(vsid, mac);
	const struct lookup_record *best = NULL;

	for (struct hmap_node *n = hmap_first_with_hash(&p->lr_by_mac, h); n;
	     n = hmap_next_with_hash(n)) {
		const struct lr_node *l =
		    CONTAINER_OF(n, struct lr_node, mac_node);

		if (l->rec.vsid != vsid || !eth_equal(&l->rec.mac, mac) ||
		    !lr_visible(p, l))
			continue;
		if (!best || lr_mac_rank(&l->rec) > lr_mac_rank(best))
			best = &l->rec;
		/* Nothing outranks a record with a CA: stop at the first
		 * (the rest of the chain is a cache miss each at scale). */
		if (lr_mac_rank(best) == 2)
			break;
	}
	return best;
}

/* The GatewayWildcard record of 'vsid' for CAs of family 'fam', or NULL
 * (the readers' view: the data path asks). */
static const struct lookup_record *
lr_wildcard_of(const struct policy *p, uint32_t vsid, int fam)
{
	struct in6_addr any;
	struct lr_node *l;

	if (fam)
		memset(&any, 0, sizeof(any));
	else
		ip_set_v4(&any, 0);
	l = lr_find_ca__(p, vsid, &any, true);
	return l && l->rec.type == LR_TYPE_GW_WILDCARD ? &l->rec : NULL;
}

const struct lookup_record *
policy_lr_wildcard(const struct policy *p, uint32_t vsid, uint32_t vsid2,
                   const struct in6_addr *like)
{
	const struct vsid_ent *ve = policy_vsid_find(p, vsid);
	const struct lookup_record *w;
	int fam = ip_fam(like);

	w = lr_wildcard_of(p, vsid, fam);
	if (!w && vsid2)
		w = lr_wildcard_of(p, vsid2, fam);
	if (w || !ve || !ve->rd)
		return w;
	for (const struct plist *e = ve->rd->vsids.next; e != &ve->rd->vsids;
	     e = e->next) {
		const struct vsid_ent *u =
		    CONTAINER_OF(e, struct vsid_ent, rd_order);

		w = lr_wildcard_of(p, u->vsid, fam);
		if (w)
			return w;
	}
	return NULL;
}

unsigned
policy_lr_mac_types(const struct policy *p, uint32_t vsid,
                    const struct eth_addr *mac)
{
	uint32_t h = policy_hash_vsid_mac(vsid, mac);
	unsigned types = 0;

	for (struct hmap_node *n = hmap_first_with_hash(&p->lr_by_mac, h); n;
	     n = hmap_next_with_hash(n)) {
		const struct lr_node *l =
		    CONTAINER_OF(n, struct lr_node, mac_node);

		if (l->rec.vsid == vsid && eth_equal(&l->rec.mac, mac) &&
		    lr_visible(p, l))
			types |= 1u << l->rec.type;
	}
	return types;
}

size_t
policy_lr_l2only_foreach(const struct policy *p, uint32_t vsid, policy_lr_cb cb,
                         void *aux)
{
	const struct vsid_ent *ve = policy_vsid_find(p, vsid);
	size_t n = 0;

	if (!ve || !ve->n_l2only)
		return 0;
	for (const struct plist *e = ve->lrs.next; e != &ve->lrs; e = e->next) {
		const struct lr_node *l =
		    CONTAINER_OF(e, struct lr_node, vsid_order);

		if (l->rec.type != LR_TYPE_L2ONLY || !lr_visible(p, l))
			continue;
		n++;
		if (cb(&l->rec, aux))
			break;
	}
	return n;
}

void
policy_lr_clear(struct policy *p)
{
	struct plist *e, *next;

	for (e = p->lrs.next; e != &p->lrs; e = next) {
		next = e->next;
		free(CONTAINER_OF(e, struct lr_node, order));
	}
	plist_init(&p->lrs);
	p->n_lr = 0;
	hmap_clear(&p->lr_by_ca);
	hmap_clear(&p->lr_by_mac);
	hmap_clear(&p->lr_nat_by_pa);
	hmap_clear(&p->lr_by_dca);
	hmap_clear(&p->lr_by_dmac);
	lr_stage_reset(p);
}

/* ---- Walks ---- */

enum { WALK_ALL, WALK_VSID, WALK_ONE };

/* Cursor: "SEQ/VSID/CA" or "SEQ/VSID/l2/MAC" (the last record returned),
 * or "SEQ" alone. */
void
policy_lr_walk_cursor(const struct policy_lr_walk *w,
                      char buf[POLICY_LR_CURSOR_LEN])
{
	char a[IP_ADDR_STRLEN], m[ETH_ADDR_STRLEN];

	if (!w->have_last)
		snprintf(buf, POLICY_LR_CURSOR_LEN, "%llu",
		         (unsigned long long)w->after);
	else if (w->last_l2)
		snprintf(buf, POLICY_LR_CURSOR_LEN, "%llu/%u/l2/%s",
		         (unsigned long long)w->last_seq, w->last_vsid,
		         eth_fmt(&w->last_mac, m));
	else
		snprintf(buf, POLICY_LR_CURSOR_LEN, "%llu/%u/%s",
		         (unsigned long long)w->last_seq, w->last_vsid,
		         ip_fmt(&w->last_ca, a));
}

static int
walk_parse_cursor(struct policy_lr_walk *w, const char *cursor,
                  struct pmsg *msg)
{
	char buf[POLICY_LR_CURSOR_LEN], *p, *end;
	unsigned long long seq;
	unsigned long vsid;

	if (strlen(cursor) >= sizeof(buf))
		goto bad;
	strcpy(buf, cursor);
	errno = 0;
	seq = strtoull(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '/'))
		goto bad;
	w->after = seq;
	if (!*end)
		return 0;
	p = end + 1;
	vsid = strtoul(p, &end, 10);
	if (end == p || *end != '/' || vsid > UINT32_MAX)
		goto bad;
	w->key_vsid = (uint32_t)vsid;
	p = end + 1;
	if (!strncmp(p, "l2/", 3)) {
		w->key_l2 = true;
		if (eth_parse(p + 3, &w->key_mac) < 0)
			goto bad;
	} else if (ip_parse(p, &w->key_ca) < 0) {
		goto bad;
	}
	w->key_valid = true;
	return 0;
bad:
	policy_err(msg,
	           "field 'after': '%.100s' is not a cursor (a reply's "
	           "'next')",
	           cursor);
	return -EINVAL;
}

int
policy_lr_walk_init(struct policy_lr_walk *w, const struct policy_filter *f,
                    const char *cursor, struct pmsg *msg)
{
	memset(w, 0, sizeof(*w));
	policy_msg_reset(msg);
	if (f) {
		w->f = *f;
		w->filtered = true;
	}
	if (filter_is_ca_key(f))
		w->mode = WALK_ONE;
	else if (filter_has(f, F_VSID))
		w->mode = WALK_VSID;
	else
		w->mode = WALK_ALL;
	if (cursor && *cursor)
		return walk_parse_cursor(w, cursor, msg);
	return 0;
}

/* The cursor's record, if it is still there (doomed or not), with the
 * cursor's seq. */
static const struct lr_node *
walk_cursor_node(const struct policy *p, const struct policy_lr_walk *w)
{
	struct hmap_node *n;
	uint32_t h;

	if (w->key_l2) {
		h = policy_hash_vsid_mac(w->key_vsid, &w->key_mac);
		for (n = hmap_first_with_hash(&p->lr_by_mac, h); n;
		     n = hmap_next_with_hash(n)) {
			struct lr_node *l =
			    CONTAINER_OF(n, struct lr_node, mac_node);

			if (l->seq == w->after && l->rec.vsid == w->key_vsid &&
			    eth_equal(&l->rec.mac, &w->key_mac))
				return l;
		}
		return NULL;
	}
	h = policy_hash_vsid_ip(w->key_vsid, &w->key_ca);
	for (n = hmap_first_with_hash(&p->lr_by_ca, h); n;
	     n = hmap_next_with_hash(n)) {
		struct lr_node *l = CONTAINER_OF(n, struct lr_node, ca_node);

		if (l->seq == w->after && l->rec.vsid == w->key_vsid &&
		    ip_equal(&l->rec.ca, &w->key_ca))
			return l;
	}
	return NULL;
}

/* Where a walk starts: after the cursor's record when it is still in
 * the list walked, else the head (records up to the cursor's seq are
 * skipped as they are visited). */
static const struct plist *
walk_start(const struct policy *p, const struct policy_lr_walk *w,
           const struct plist *head)
{
	const struct lr_node *l = NULL;

	if (w->key_valid)
		l = walk_cursor_node(p, w);
	if (l && w->mode == WALK_ALL)
		return l->order.next;
	if (l && l->rec.vsid == w->f.vsid)
		return l->vsid_order.next;
	return head->next;
}

static void
walk_note(struct policy_lr_walk *w, const struct lr_node *l)
{
	w->have_last = true;
	w->last_seq = l->seq;
	w->last_vsid = l->rec.vsid;
	w->last_l2 = !lr_has_ca_key(&l->rec);
	w->last_ca = l->rec.ca;
	w->last_mac = l->rec.mac;
}

size_t
policy_lr_walk_step(struct policy *p, struct policy_lr_walk *w, size_t budget,
                    policy_lr_cb cb, void *aux)
{
	const struct policy_filter *f = w->filtered ? &w->f : NULL;
	const struct plist *head = &p->lrs, *e;
	size_t visited = 0;
	bool by_vsid = w->mode == WALK_VSID;

	if (w->done || !budget)
		return 0;
	if (w->mode == WALK_ONE) {
		struct lr_node *l = lr_find_ca(p, w->f.vsid, &w->f.ca);

		w->done = true;
		if (l && l->seq > w->after && lr_match_full(p, &l->rec, f)) {
			walk_note(w, l);
			cb(&l->rec, aux);
		}
		return 1;
	}
	if (by_vsid) {
		const struct vsid_ent *ve = policy_vsid_find(p, w->f.vsid);

		if (!ve) {
			w->done = true;
			return 0;
		}
		head = &ve->lrs;
	}
	if (!w->started) {
		w->started = true;
		w->pos = walk_start(p, w, head);
	}
	while (visited < budget) {
		const struct lr_node *l;

		e = w->pos;
		if (e == head)
			break;
		l = by_vsid ? CONTAINER_OF(e, struct lr_node, vsid_order)
		            : CONTAINER_OF(e, struct lr_node, order);
		w->pos = e->next;
		visited++;
		if (!lr_live(l) || l->seq <= w->after ||
		    !lr_match_full(p, &l->rec, f))
			continue;
		walk_note(w, l);
		/* 'cb' may free 'l' (and, with it, the VSID and 'head'):
		 * only compare pointers from here on. */
		if (cb(&l->rec, aux))
			break;
	}
	if (w->pos == head)
		w->done = true;
	return visited;
}
