/* SPDX-License-Identifier: Apache-2.0 */
/*
 * provider: this host's provider addresses (the PAs it owns on its uplink)
 * and provider routes (how it reaches other PAs).  PAs are few and hashed
 * by address (the decap path asks "is this PA mine?"); provider routes
 * may share a prefix (several next hops), and the LPM table holds, per
 * prefix, the one with the lowest metric (the first added on a tie).
 */
#include "policy/policy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"
#include "policy/policy-private.h"

#define PR_LABEL_LEN (2 * IP_ADDR_STRLEN + 32)

static uint32_t
pa_hash(const struct in6_addr *a)
{
	return policy_hash_vsid_ip(0, a);
}

static struct pa_node *
pa_lookup(const struct policy *p, const struct in6_addr *a)
{
	for (struct hmap_node *n =
	         hmap_first_with_hash(&p->pa_by_addr, pa_hash(a));
	     n; n = hmap_next_with_hash(n)) {
		struct pa_node *pn = CONTAINER_OF(n, struct pa_node, node);

		if (ip_equal(&pn->pa.pa, a))
			return pn;
	}
	return NULL;
}

/* A multicast PA MAC is accepted with a warning: the book's Host1 uses
 * 33:44:55:66:77:88, which has the group bit set, and the reference lab
 * keeps the book's values; the data plane sends with the uplink's MAC. */
static int
pa_check(const struct provider_address *a, const char *what, struct pmsg *msg)
{
	int max = ip_is_v4(&a->pa) ? 32 : 128;

	if (!policy_ip_is_unicast(&a->pa)) {
		policy_err(msg, "%s: not a unicast address", what);
		return -EINVAL;
	}
	if (a->plen < 0 || a->plen > max) {
		policy_err(msg, "%s: prefix length %d is out of range (0..%d)",
		           what, a->plen, max);
		return -EINVAL;
	}
	if (a->vlan > 4094) {
		policy_err(msg, "%s: VLAN %u is out of range (0..4094)", what,
		           a->vlan);
		return -EINVAL;
	}
	if (eth_is_multicast(&a->mac)) {
		char m[ETH_ADDR_STRLEN];

		policy_warn(msg,
		            "%s: MAC %s is a multicast address and cannot "
		            "source frames; the uplink's MAC is used instead",
		            what, eth_fmt(&a->mac, m));
	}
	return 0;
}

static const char *
pa_label(const struct provider_address *a, char buf[IP_ADDR_STRLEN + 24])
{
	char s[IP_ADDR_STRLEN];

	snprintf(buf, IP_ADDR_STRLEN + 24, "provider address %s",
	         ip_fmt(&a->pa, s));
	return buf;
}

int
policy_pa_add(struct policy *p, const struct provider_address *a,
              struct pmsg *msg)
{
	char what[IP_ADDR_STRLEN + 24];
	struct pa_node *n;
	int rc;

	policy_msg_reset(msg);
	pa_label(a, what);
	rc = pa_check(a, what, msg);
	if (rc)
		return rc;
	if (pa_lookup(p, &a->pa)) {
		policy_err(msg, "%s: already exists", what);
		return -EEXIST;
	}
	n = xcalloc(1, sizeof(*n));
	n->pa = *a;
	plist_push_back(&p->pas, &n->order);
	hmap_insert(&p->pa_by_addr, &n->node, pa_hash(&a->pa));
	p->n_pa++;
	p->generation++;
	return 0;
}

int
policy_pa_set(struct policy *p, const struct provider_address *a,
              struct pmsg *msg)
{
	char what[IP_ADDR_STRLEN + 24];
	struct pa_node *n;
	int rc;

	policy_msg_reset(msg);
	pa_label(a, what);
	rc = pa_check(a, what, msg);
	if (rc)
		return rc;
	n = pa_lookup(p, &a->pa);
	if (!n) {
		policy_err(msg, "%s: no such provider address", what);
		return -ENOENT;
	}
	n->pa = *a;
	p->generation++;
	return 0;
}

int
policy_pa_remove(struct policy *p, const struct policy_filter *f)
{
	struct plist *e, *next;
	int n = 0;

	for (e = p->pas.next; e != &p->pas; e = next) {
		struct pa_node *pn = CONTAINER_OF(e, struct pa_node, order);

		next = e->next;
		if (!policy_pa_match(&pn->pa, f))
			continue;
		hmap_remove(&p->pa_by_addr, &pn->node);
		plist_remove(&pn->order);
		free(pn);
		p->n_pa--;
		n++;
	}
	if (n)
		p->generation++;
	return n;
}

int
policy_pa_foreach(const struct policy *p, const struct policy_filter *f,
                  policy_pa_cb cb, void *aux)
{
	const struct plist *e, *next;

	for (e = p->pas.next; e != &p->pas; e = next) {
		const struct pa_node *pn =
		    CONTAINER_OF(e, struct pa_node, order);
		int rc;

		next = e->next;
		if (!policy_pa_match(&pn->pa, f))
			continue;
		rc = cb(&pn->pa, aux);
		if (rc)
			return rc;
	}
	return 0;
}

const struct provider_address *
policy_pa_find(const struct policy *p, const struct in6_addr *pa)
{
	const struct pa_node *n = pa_lookup(p, pa);

	return n ? &n->pa : NULL;
}

const struct provider_address *
policy_pa_first(const struct policy *p, const struct in6_addr *like)
{
	for (const struct plist *e = p->pas.next; e != &p->pas; e = e->next) {
		const struct pa_node *pn =
		    CONTAINER_OF(e, struct pa_node, order);

		if (ip_is_v4(&pn->pa.pa) == ip_is_v4(like))
			return &pn->pa;
	}
	return NULL;
}

size_t
policy_pa_count(const struct policy *p)
{
	return p->n_pa;
}

/* Local, on-link of a local PA's prefix, or covered by a provider route. */
bool
policy_pa_reachable(const struct policy *p, const struct in6_addr *a)
{
	if (pa_lookup(p, a) || policy_pr_lookup(p, a))
		return true;
	for (const struct plist *e = p->pas.next; e != &p->pas; e = e->next) {
		const struct pa_node *pn =
		    CONTAINER_OF(e, struct pa_node, order);

		if (ip_same_prefix(a, &pn->pa.pa, pn->pa.plen))
			return true;
	}
	return false;
}

const char *
policy_pa_list(const struct policy *p, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (const struct plist *e = p->pas.next; e != &p->pas; e = e->next) {
		const struct pa_node *pn =
		    CONTAINER_OF(e, struct pa_node, order);
		char s[IP_ADDR_STRLEN];
		int k;

		k = snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
		             ip_fmt(&pn->pa.pa, s));
		if (k < 0 || (size_t)k >= size - len)
			break;
		len += (size_t)k;
	}
	return buf;
}

/* Provider routes. */

static const char *
pr_label(const struct provider_route *r, char buf[PR_LABEL_LEN])
{
	char pf[IP_ADDR_STRLEN + 4], nh[IP_ADDR_STRLEN];
	int k;

	k = snprintf(buf, PR_LABEL_LEN, "provider route %s",
	             prefix_fmt(&r->prefix, r->plen, pf));
	if (!ip_is_unspec(&r->nexthop) && k > 0 && k < PR_LABEL_LEN)
		snprintf(buf + k, (size_t)(PR_LABEL_LEN - k), " via %s",
		         ip_fmt(&r->nexthop, nh));
	return buf;
}

static bool
pr_same_prefix(const struct provider_route *a, const struct provider_route *b)
{
	return a->plen == b->plen && ip_equal(&a->prefix, &b->prefix);
}

/* Points the LPM entry of 'r''s prefix at the best route left for it. */
static void
pr_reselect(struct policy *p, const struct provider_route *r)
{
	struct lpm *t = p->pr_lpm[ip_fam(&r->prefix)];
	int plen = ip_plen128(&r->prefix, r->plen);
	struct pr_node *best = NULL;

	for (struct plist *e = p->prs.next; e != &p->prs; e = e->next) {
		struct pr_node *n = CONTAINER_OF(e, struct pr_node, order);

		if (pr_same_prefix(&n->pr, r) &&
		    (!best || n->pr.metric < best->pr.metric))
			best = n;
	}
	if (best)
		lpm_insert(t, &r->prefix, plen, best, NULL);
	else
		lpm_remove(t, &r->prefix, plen, NULL);
}

int
policy_pr_add(struct policy *p, const struct provider_route *r,
              struct pmsg *msg)
{
	char what[PR_LABEL_LEN];
	struct pr_node *n;
	int rc;

	policy_msg_reset(msg);
	pr_label(r, what);
	rc = policy_check_prefix(&r->prefix, r->plen, &r->nexthop, what, msg);
	if (rc)
		return rc;
	for (struct plist *e = p->prs.next; e != &p->prs; e = e->next) {
		struct pr_node *o = CONTAINER_OF(e, struct pr_node, order);

		if (pr_same_prefix(&o->pr, r) &&
		    ip_same(&o->pr.nexthop, &r->nexthop)) {
			policy_err(msg, "%s: already exists", what);
			return -EEXIST;
		}
	}
	n = xcalloc(1, sizeof(*n));
	n->pr = *r;
	policy_norm_nexthop(&n->pr.prefix, &n->pr.nexthop);
	plist_push_back(&p->prs, &n->order);
	p->n_pr++;
	pr_reselect(p, &n->pr);
	p->generation++;
	return 0;
}

int
policy_pr_remove(struct policy *p, const struct policy_filter *f)
{
	struct plist *e, *next;
	int n = 0;

	for (e = p->prs.next; e != &p->prs; e = next) {
		struct pr_node *pn = CONTAINER_OF(e, struct pr_node, order);

		next = e->next;
		if (!policy_pr_match(&pn->pr, f))
			continue;
		plist_remove(&pn->order);
		pr_reselect(p, &pn->pr);
		free(pn);
		p->n_pr--;
		n++;
	}
	if (n)
		p->generation++;
	return n;
}

int
policy_pr_foreach(const struct policy *p, const struct policy_filter *f,
                  policy_pr_cb cb, void *aux)
{
	const struct plist *e, *next;

	for (e = p->prs.next; e != &p->prs; e = next) {
		const struct pr_node *pn =
		    CONTAINER_OF(e, struct pr_node, order);
		int rc;

		next = e->next;
		if (!policy_pr_match(&pn->pr, f))
			continue;
		rc = cb(&pn->pr, aux);
		if (rc)
			return rc;
	}
	return 0;
}

const struct provider_route *
policy_pr_lookup(const struct policy *p, const struct in6_addr *dst)
{
	const struct pr_node *n = lpm_lookup(p->pr_lpm[ip_fam(dst)], dst);

	return n ? &n->pr : NULL;
}

void
policy_provider_clear(struct policy *p)
{
	struct plist *e, *next;

	for (e = p->pas.next; e != &p->pas; e = next) {
		next = e->next;
		free(CONTAINER_OF(e, struct pa_node, order));
	}
	plist_init(&p->pas);
	p->n_pa = 0;
	hmap_clear(&p->pa_by_addr);
	for (e = p->prs.next; e != &p->prs; e = next) {
		next = e->next;
		free(CONTAINER_OF(e, struct pr_node, order));
	}
	plist_init(&p->prs);
	p->n_pr = 0;
	for (int i = 0; i < 2; i++) {
		lpm_destroy(p->pr_lpm[i]);
		p->pr_lpm[i] = lpm_create();
	}
}
