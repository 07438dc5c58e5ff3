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

static struct lr_node *
lr_find_ca(const struct policy *p, uint32_t vsid, const struct in6_addr *ca)
{
	uint32_t h = policy_hash_vsid_ip(vsid, ca);

	for (struct hmap_node *n = hmap_first_with_hash(&p->lr_by_ca, h); n;
	     n = hmap_next_with_hash(n)) {
		struct lr_node *l = CONTAINER_OF(n, struct lr_node, ca_node);

		if (l->rec.vsid == vsid && ip_equal(&l->rec.ca, ca))
			return l;
	}
	return NULL;
}

static struct lr_node *
lr_find_l2(const struct policy *p, uint32_t vsid, const struct eth_addr *mac)
{
	uint32_t h = policy_hash_vsid_mac(vsid, mac);

	for (struct hmap_node *n = hmap_first_with_hash(&p->lr_by_mac, h); n;
	     n = hmap_next_with_hash(n)) {
		struct lr_node *l = CONTAINER_OF(n, struct lr_node, mac_node);

		if (l->rec.vsid == vsid && eth_equal(&l->rec.mac, mac) &&
		    l->rec.type == LR_TYPE_L2ONLY)
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

/* A record of 'vsid' with MAC 'r->mac' that 'r' may not share it with,
 * other than 'self', or NULL. */
static const struct lookup_record *
lr_mac_conflict(const struct policy *p, uint32_t vsid,
                const struct lookup_record *r, const struct lr_node *self)
{
	uint32_t h = policy_hash_vsid_mac(vsid, &r->mac);

	for (struct hmap_node *n = hmap_first_with_hash(&p->lr_by_mac, h); n;
	     n = hmap_next_with_hash(n)) {
		struct lr_node *l = CONTAINER_OF(n, struct lr_node, mac_node);

		if (l == self || l->rec.vsid != vsid ||
		    !eth_equal(&l->rec.mac, &r->mac))
			continue;
		if (!lr_may_share_mac(r, &l->rec))
			return &l->rec;
	}
	return NULL;
}

static struct lr_node *
lr_find_nat(const struct policy *p, const struct in6_addr *pa)
{
	uint32_t h = policy_hash_vsid_ip(0, pa);

	for (struct hmap_node *n = hmap_first_with_hash(&p->lr_nat_by_pa, h); n;
	     n = hmap_next_with_hash(n)) {
		struct lr_node *l = CONTAINER_OF(n, struct lr_node, nat_node);

		if (ip_equal(&l->rec.pa, pa))
			return l;
	}
	return NULL;
}

const struct lookup_record *
policy_lr_nat_by_pa(const struct policy *p, const struct in6_addr *pa)
{
	struct lr_node *l = lr_find_nat(p, pa);

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
	l = lr_find_nat(p, &r->pa);
	if (!l || l == self)
		return 0;
	policy_err(msg,
	           "%s: PA %s is already the IP Rewrite address of lookup "
	           "record %s: with TranslationMethodNat each CA needs a PA "
	           "of its own",
	           what, ip_fmt(&r->pa, a), lr_label(&l->rec, lbl));
	return -EEXIST;
}

/* The first record of family 'fam' in the domain of 'rd' (or of 'vsid' if
 * 'rd' is NULL), other than 'self' and those of 'skip': for messages. */
static const struct lookup_record *
lr_example(const struct policy *p, const struct rdom *rd, uint32_t vsid,
           uint32_t skip, int fam, const struct lr_node *self)
{
	for (struct plist *e = p->lrs.next; e != &p->lrs; e = e->next) {
		struct lr_node *l = CONTAINER_OF(e, struct lr_node, order);
		const struct vsid_ent *ve;

		if (l == self || !lr_has_fam(&l->rec) ||
		    ip_fam(&l->rec.ca) != fam || l->rec.vsid == skip)
			continue;
		if (!rd) {
			if (l->rec.vsid == vsid)
				return &l->rec;
			continue;
		}
		ve = policy_vsid_find(p, l->rec.vsid);
		if (ve && ve->rd == rd)
			return &l->rec;
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

/*
 * The checks against the other records of the domain (rules 3 and 4),
 * ignoring 'self' (the record a _set replaces):
 *  1. no other VSID of the domain has a record with this CA (the same
 *     VSID is the key check, done by the caller);
 *  2. no record of the domain has this MAC, but for the exceptions of
 *     lr_may_share_mac();
 *  3. the domain's CAs are all of this record's family.
 */
static int
lr_check_domain(const struct policy *p, const struct lookup_record *r,
                const struct lr_node *self, const char *what, struct pmsg *msg)
{
	const struct vsid_ent *ve = policy_vsid_find(p, r->vsid);
	const struct rdom *rd = ve ? ve->rd : NULL;
	const struct plist *e = rd ? rd->vsids.next : NULL;
	char a[IP_ADDR_STRLEN], m[ETH_ADDR_STRLEN], o[80], in[GUID_STRLEN + 32];
	size_t other_fam = 0;
	int fam = ip_fam(&r->ca);

	if (rd) {
		char g[GUID_STRLEN];

		snprintf(in, sizeof(in), "routing domain %s",
		         guid_fmt(&rd->rdid, g));
	} else {
		snprintf(in, sizeof(in), "vsid %u", r->vsid);
	}
	/* Walk the domain's VSIDs: rd's list, or r->vsid alone. */
	for (;;) {
		const struct vsid_ent *u;
		const struct lookup_record *q;
		uint32_t vsid;

		if (rd) {
			if (e == &rd->vsids)
				break;
			u = CONTAINER_OF(e, struct vsid_ent, rd_order);
			e = e->next;
		} else {
			u = ve;
		}
		vsid = u ? u->vsid : r->vsid;
		if (lr_has_ca_key(r) && vsid != r->vsid) {
			struct lr_node *l = lr_find_ca(p, vsid, &r->ca);

			if (l && l != self) {
				policy_err(msg,
				           "%s: CA %s already used by vsid %u "
				           "(MAC %s) in %s",
				           what, ip_fmt(&r->ca, a), vsid,
				           eth_fmt(&l->rec.mac, m), in);
				return -EINVAL;
			}
		}
		q = lr_mac_conflict(p, vsid, r, self);
		if (q) {
			policy_err(msg, "%s: MAC %s already used by %s in %s",
			           what, eth_fmt(&r->mac, m),
			           lr_other(q, r->vsid, o), in);
			return -EINVAL;
		}
		if (u)
			other_fam += u->n_fam[!fam];
		if (!rd)
			break;
	}
	if (self && lr_has_fam(&self->rec) && ip_fam(&self->rec.ca) != fam)
		other_fam--;
	if (lr_has_fam(r) && other_fam) {
		const struct lookup_record *q =
		    lr_example(p, rd, r->vsid, 0, !fam, self);

		policy_err(msg, "%s: CA %s is %s but %s uses %s (%s)", what,
		           ip_fmt(&r->ca, a), fam_name(fam), in, fam_name(!fam),
		           q ? lr_other(q, r->vsid, o) : "?");
		return -EINVAL;
	}
	return 0;
}

int
policy_lr_check_join(const struct policy *p, uint32_t vsid,
                     const struct rdom *rd, uint32_t leaving, const char *what,
                     struct pmsg *msg)
{
	const struct vsid_ent *ve = policy_vsid_find(p, vsid);
	char a[IP_ADDR_STRLEN], m[ETH_ADDR_STRLEN], o[80], g[GUID_STRLEN];
	char lbl[LR_LABEL_LEN];
	size_t fam_rd[2] = {0, 0};

	if (!ve || !ve->n_recs)
		return 0;
	guid_fmt(&rd->rdid, g);
	for (const struct plist *e = rd->vsids.next; e != &rd->vsids;
	     e = e->next) {
		const struct vsid_ent *u =
		    CONTAINER_OF(e, struct vsid_ent, rd_order);

		if (u->vsid == leaving || u->vsid == vsid)
			continue;
		fam_rd[0] += u->n_fam[0];
		fam_rd[1] += u->n_fam[1];
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
	for (const struct plist *le = p->lrs.next; le != &p->lrs;
	     le = le->next) {
		const struct lr_node *l =
		    CONTAINER_OF(le, struct lr_node, order);
		const struct lookup_record *r = &l->rec;

		if (r->vsid != vsid)
			continue;
		for (const struct plist *e = rd->vsids.next; e != &rd->vsids;
		     e = e->next) {
			const struct vsid_ent *u =
			    CONTAINER_OF(e, struct vsid_ent, rd_order);
			const struct lookup_record *q;

			if (u->vsid == leaving || u->vsid == vsid)
				continue;
			if (lr_has_ca_key(r) &&
			    lr_find_ca(p, u->vsid, &r->ca)) {
				policy_err(msg,
				           "%s: lookup record %s conflicts "
				           "with routing domain %s: CA %s "
				           "already used by vsid %u",
				           what, lr_label(r, lbl), g,
				           ip_fmt(&r->ca, a), u->vsid);
				return -EINVAL;
			}
			q = lr_mac_conflict(p, u->vsid, r, NULL);
			if (q) {
				policy_err(msg,
				           "%s: lookup record %s conflicts "
				           "with routing domain %s: MAC %s "
				           "already used by %s",
				           what, lr_label(r, lbl), g,
				           eth_fmt(&r->mac, m),
				           lr_other(q, vsid, o));
				return -EINVAL;
			}
		}
	}
	return 0;
}

static void
lr_index(struct policy *p, struct lr_node *l)
{
	const struct lookup_record *r = &l->rec;
	struct vsid_ent *ve;

	if (lr_has_ca_key(r))
		hmap_insert(&p->lr_by_ca, &l->ca_node,
		            policy_hash_vsid_ip(r->vsid, &r->ca));
	hmap_insert(&p->lr_by_mac, &l->mac_node,
	            policy_hash_vsid_mac(r->vsid, &r->mac));
	if (r->rule == LR_RULE_NAT)
		hmap_insert(&p->lr_nat_by_pa, &l->nat_node,
		            policy_hash_vsid_ip(0, &r->pa));
	ve = policy_vsid_get(p, r->vsid);
	ve->n_recs++;
	if (lr_has_fam(r))
		ve->n_fam[ip_fam(&r->ca)]++;
}

static void
lr_unindex(struct policy *p, struct lr_node *l)
{
	const struct lookup_record *r = &l->rec;
	struct vsid_ent *ve = policy_vsid_find(p, r->vsid);

	if (lr_has_ca_key(r))
		hmap_remove(&p->lr_by_ca, &l->ca_node);
	hmap_remove(&p->lr_by_mac, &l->mac_node);
	if (r->rule == LR_RULE_NAT)
		hmap_remove(&p->lr_nat_by_pa, &l->nat_node);
	ve->n_recs--;
	if (lr_has_fam(r))
		ve->n_fam[ip_fam(&r->ca)]--;
	policy_vsid_put(p, ve);
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
lr_warn(const struct policy *p, const struct lookup_record *r, const char *what,
        struct pmsg *msg)
{
	char a[IP_ADDR_STRLEN], list[256];

	if (!policy_pa_count(p))
		return;
	if (!ip_is_unspec(&r->ca) && !policy_pa_find(p, &r->pa) &&
	    policy_is_gateway_ca(p, r->vsid, &r->ca))
		policy_warn(msg,
		            "%s: default-gateway record points at PA %s, "
		            "which is not a provider address of this host "
		            "(%s)",
		            what, ip_fmt(&r->pa, a),
		            policy_pa_list(p, list, sizeof(list)));
	if (!policy_pa_reachable(p, &r->pa))
		policy_warn(msg,
		            "%s: PA %s is not reachable: not a provider "
		            "address of this host, not on-link of one (%s), "
		            "and no provider route covers it",
		            what, ip_fmt(&r->pa, a),
		            policy_pa_list(p, list, sizeof(list)));
}

int
policy_lr_add(struct policy *p, const struct lookup_record *rec,
              struct pmsg *msg)
{
	char what[LR_LABEL_LEN + 16], lbl[LR_LABEL_LEN];
	struct lr_node *l;
	int rc;

	policy_msg_reset(msg);
	snprintf(what, sizeof(what), "lookup record %s", lr_label(rec, lbl));
	rc = lr_check_fields(rec, what, msg);
	if (rc)
		return rc;
	if (lr_find_key(p, rec)) {
		policy_err(msg, "%s: already exists", what);
		return -EEXIST;
	}
	rc = lr_check_domain(p, rec, NULL, what, msg);
	if (!rc)
		rc = lr_check_nat(p, rec, NULL, what, msg);
	if (rc)
		return rc;
	l = xcalloc(1, sizeof(*l));
	l->rec = *rec;
	plist_push_back(&p->lrs, &l->order);
	lr_index(p, l);
	p->n_lr++;
	p->generation++;
	lr_warn(p, rec, what, msg);
	return 0;
}

int
policy_lr_set(struct policy *p, const struct lookup_record *rec,
              struct pmsg *msg)
{
	char what[LR_LABEL_LEN + 16], lbl[LR_LABEL_LEN];
	struct lr_node *l;
	int rc;

	policy_msg_reset(msg);
	snprintf(what, sizeof(what), "lookup record %s", lr_label(rec, lbl));
	rc = lr_check_fields(rec, what, msg);
	if (rc)
		return rc;
	l = lr_find_key(p, rec);
	if (!l) {
		policy_err(msg, "%s: no such record", what);
		return -ENOENT;
	}
	rc = lr_check_domain(p, rec, l, what, msg);
	if (!rc)
		rc = lr_check_nat(p, rec, l, what, msg);
	if (rc)
		return rc;
	lr_unindex(p, l);
	l->rec = *rec;
	lr_index(p, l);
	p->generation++;
	lr_warn(p, rec, what, msg);
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

static void
lr_free(struct policy *p, struct lr_node *l)
{
	lr_unindex(p, l);
	plist_remove(&l->order);
	p->n_lr--;
	free(l);
}

/* Removal by (VSID, CA) or (VSID, MAC), the cmdlets' usual filters, goes
 * through the indexes; anything else scans. */
int
policy_lr_remove(struct policy *p, const struct policy_filter *f)
{
	int n = 0;

	if (f && (f->fields & (F_VSID | F_CA)) == (F_VSID | F_CA) &&
	    !ip_is_unspec(&f->ca)) {
		struct lr_node *l = lr_find_ca(p, f->vsid, &f->ca);

		if (l && lr_match_full(p, &l->rec, f)) {
			lr_free(p, l);
			n++;
		}
	} else if (f && (f->fields & (F_VSID | F_MAC)) == (F_VSID | F_MAC)) {
		uint32_t h = policy_hash_vsid_mac(f->vsid, &f->mac);
		struct hmap_node *hn, *next;

		for (hn = hmap_first_with_hash(&p->lr_by_mac, h); hn;
		     hn = next) {
			struct lr_node *l =
			    CONTAINER_OF(hn, struct lr_node, mac_node);

			next = hmap_next_with_hash(hn);
			if (lr_match_full(p, &l->rec, f)) {
				lr_free(p, l);
				n++;
			}
		}
	} else {
		struct plist *e, *next;

		for (e = p->lrs.next; e != &p->lrs; e = next) {
			struct lr_node *l =
			    CONTAINER_OF(e, struct lr_node, order);

			next = e->next;
			if (lr_match_full(p, &l->rec, f)) {
				lr_free(p, l);
				n++;
			}
		}
	}
	if (n)
		p->generation++;
	return n;
}

int
policy_lr_foreach(const struct policy *p, const struct policy_filter *f,
                  policy_lr_cb cb, void *aux)
{
	const struct plist *e, *next;

	for (e = p->lrs.next; e != &p->lrs; e = next) {
		const struct lr_node *l =
		    CONTAINER_OF(e, struct lr_node, order);
		int rc;

		next = e->next;
		if (!lr_match_full(p, &l->rec, f))
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

const struct lookup_record *
policy_lr_by_ca(const struct policy *p, uint32_t vsid,
                const struct in6_addr *ca)
{
	struct lr_node *l = lr_find_ca(p, vsid, ca);

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

		if (l->rec.vsid != vsid || !eth_equal(&l->rec.mac, mac))
			continue;
		if (!best || lr_mac_rank(&l->rec) > lr_mac_rank(best))
			best = &l->rec;
	}
	return best;
}

/* The GatewayWildcard record of 'vsid' for CAs of family 'fam', or NULL. */
static const struct lookup_record *
lr_wildcard_of(const struct policy *p, uint32_t vsid, int fam)
{
	struct in6_addr any;
	struct lr_node *l;

	if (fam)
		memset(&any, 0, sizeof(any));
	else
		ip_set_v4(&any, 0);
	l = lr_find_ca(p, vsid, &any);
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

		if (l->rec.vsid == vsid && eth_equal(&l->rec.mac, mac))
			types |= 1u << l->rec.type;
	}
	return types;
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
}
