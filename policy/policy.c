/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy: the container (create, destroy, clear, generation), the names of
 * rules and types, filters, and the message helpers shared by lookup.c
 * (lookup records), route.c (customer routes), provider.c (provider
 * addresses and routes) and adapter.c (switches and VM adapters).
 */
#include "policy/policy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/hash.h"
#include "policy/policy-private.h"

struct policy *
policy_create(void)
{
	struct policy *p = xcalloc(1, sizeof(*p));

	plist_init(&p->lrs);
	hmap_init(&p->lr_by_ca);
	hmap_init(&p->lr_by_mac);
	hmap_init(&p->lr_nat_by_pa);
	hmap_init(&p->lr_by_dca);
	hmap_init(&p->lr_by_dmac);
	plist_init(&p->crs);
	hmap_init(&p->rdoms);
	hmap_init(&p->vsids);
	hmap_init(&p->gws);
	plist_init(&p->pas);
	hmap_init(&p->pa_by_addr);
	plist_init(&p->prs);
	p->pr_lpm[0] = lpm_create();
	p->pr_lpm[1] = lpm_create();
	plist_init(&p->sws);
	plist_init(&p->vmas);
	hmap_init(&p->vma_by_key);
	hmap_init(&p->vma_by_mac);
	return p;
}

void
policy_clear(struct policy *p)
{
	policy_lr_clear(p);
	policy_cr_clear(p);
	policy_provider_clear(p);
	policy_adapter_clear(p);
	p->generation++;
}

void
policy_destroy(struct policy *p)
{
	if (!p)
		return;
	policy_clear(p);
	hmap_uninit(&p->lr_by_ca);
	hmap_uninit(&p->lr_by_mac);
	hmap_uninit(&p->lr_nat_by_pa);
	hmap_uninit(&p->lr_by_dca);
	hmap_uninit(&p->lr_by_dmac);
	hmap_uninit(&p->rdoms);
	hmap_uninit(&p->vsids);
	hmap_uninit(&p->gws);
	hmap_uninit(&p->pa_by_addr);
	lpm_destroy(p->pr_lpm[0]);
	lpm_destroy(p->pr_lpm[1]);
	hmap_uninit(&p->vma_by_key);
	hmap_uninit(&p->vma_by_mac);
	free(p);
}

uint64_t
policy_generation(const struct policy *p)
{
	return p->generation;
}

/* Rules and types: PowerShell names first, then the short names. */
static const char *const rule_names[][2] = {
    [LR_RULE_ENCAP] = {"TranslationMethodEncap", "encap"},
    [LR_RULE_NAT] = {"TranslationMethodNat", "nat"},
    [LR_RULE_NONE] = {"TranslationMethodNone", "none"},
};
static const char *const type_names[][2] = {
    [LR_TYPE_STATIC] = {"Static", "static"},
    [LR_TYPE_DYNAMIC] = {"Dynamic", "dynamic"},
    [LR_TYPE_L2ONLY] = {"L2Only", "l2only"},
    [LR_TYPE_GW_WILDCARD] = {"GatewayWildcard", "gateway-wildcard"},
};

const char *
lr_rule_name(enum lr_rule r)
{
	return (unsigned)r < ARRAY_SIZE(rule_names) ? rule_names[r][0] : "?";
}

const char *
lr_type_name(enum lr_type t)
{
	return (unsigned)t < ARRAY_SIZE(type_names) ? type_names[t][0] : "?";
}

const char *
lr_rule_short(enum lr_rule r)
{
	return (unsigned)r < ARRAY_SIZE(rule_names) ? rule_names[r][1] : "?";
}

const char *
lr_type_short(enum lr_type t)
{
	return (unsigned)t < ARRAY_SIZE(type_names) ? type_names[t][1] : "?";
}

int
lr_rule_parse(const char *s, enum lr_rule *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(rule_names); i++) {
		if (!strcasecmp(s, rule_names[i][0]) ||
		    !strcasecmp(s, rule_names[i][1])) {
			*out = (enum lr_rule)i;
			return 0;
		}
	}
	return -EINVAL;
}

int
lr_type_parse(const char *s, enum lr_type *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(type_names); i++) {
		if (!strcasecmp(s, type_names[i][0]) ||
		    !strcasecmp(s, type_names[i][1])) {
			*out = (enum lr_type)i;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * Filters.  A field takes part when its bit is set; a set field that the
 * object does not have (F_IFINDEX for a lookup record) matches nothing,
 * so a mistaken filter removes nothing rather than everything.  F_RDID on
 * lookup records needs the VSID -> RDID map, so policy_lr_match() leaves
 * it to policy_lr_foreach() and policy_lr_remove().
 */
#define LR_FIELDS (F_CA | F_VSID | F_MAC | F_PA | F_TYPE | F_VM | F_RDID)
#define CR_FIELDS (F_RDID | F_VSID | F_PREFIX | F_NEXTHOP)
#define PA_FIELDS (F_PA | F_MAC | F_IFINDEX)
#define PR_FIELDS (F_PREFIX | F_NEXTHOP | F_IFINDEX)
#define VMA_FIELDS (F_VM | F_NAME | F_SWITCH | F_MAC | F_VSID)

static bool
has(const struct policy_filter *f, unsigned field)
{
	return f && (f->fields & field);
}

static bool
only(const struct policy_filter *f, unsigned fields)
{
	return !f || !(f->fields & ~fields);
}

bool
policy_lr_match(const struct lookup_record *r, const struct policy_filter *f)
{
	if (!only(f, LR_FIELDS))
		return false;
	if (has(f, F_CA) && !ip_same(&r->ca, &f->ca))
		return false;
	if (has(f, F_VSID) && r->vsid != f->vsid)
		return false;
	if (has(f, F_MAC) && !eth_equal(&r->mac, &f->mac))
		return false;
	if (has(f, F_PA) && !ip_equal(&r->pa, &f->pa))
		return false;
	if (has(f, F_TYPE) && r->type != f->type)
		return false;
	if (has(f, F_VM) && strcasecmp(r->vm_name, f->vm))
		return false;
	return true;
}

bool
policy_cr_match(const struct customer_route *r, const struct policy_filter *f)
{
	if (!only(f, CR_FIELDS))
		return false;
	if (has(f, F_RDID) && !guid_equal(&r->rdid, &f->rdid))
		return false;
	if (has(f, F_VSID) && r->vsid != f->vsid)
		return false;
	if (has(f, F_PREFIX) &&
	    (r->plen != f->plen || !ip_equal(&r->prefix, &f->prefix)))
		return false;
	if (has(f, F_NEXTHOP) && !ip_same(&r->nexthop, &f->nexthop))
		return false;
	return true;
}

bool
policy_pa_match(const struct provider_address *a, const struct policy_filter *f)
{
	if (!only(f, PA_FIELDS))
		return false;
	if (has(f, F_PA) && !ip_equal(&a->pa, &f->pa))
		return false;
	if (has(f, F_MAC) && !eth_equal(&a->mac, &f->mac))
		return false;
	if (has(f, F_IFINDEX) && a->ifindex != f->ifindex)
		return false;
	return true;
}

bool
policy_pr_match(const struct provider_route *r, const struct policy_filter *f)
{
	if (!only(f, PR_FIELDS))
		return false;
	if (has(f, F_PREFIX) &&
	    (r->plen != f->plen || !ip_equal(&r->prefix, &f->prefix)))
		return false;
	if (has(f, F_NEXTHOP) && !ip_same(&r->nexthop, &f->nexthop))
		return false;
	if (has(f, F_IFINDEX) && r->ifindex != f->ifindex)
		return false;
	return true;
}

bool
policy_vma_match(const struct vm_adapter *a, const struct policy_filter *f)
{
	if (!only(f, VMA_FIELDS))
		return false;
	if (has(f, F_VM) && strcasecmp(a->vm, f->vm))
		return false;
	if (has(f, F_NAME) && strcmp(a->name, f->name))
		return false;
	if (has(f, F_SWITCH) && strcasecmp(a->sw, f->sw))
		return false;
	if (has(f, F_MAC) && !eth_equal(&a->mac, &f->mac))
		return false;
	if (has(f, F_VSID) && a->vsid != f->vsid)
		return false;
	return true;
}

void
policy_msg_reset(struct pmsg *msg)
{
	if (msg) {
		msg->err[0] = '\0';
		msg->n_warn = 0;
	}
}

void
policy_err(struct pmsg *msg, const char *fmt, ...)
{
	va_list ap;

	if (!msg)
		return;
	va_start(ap, fmt);
	vsnprintf(msg->err, sizeof(msg->err), fmt, ap);
	va_end(ap);
}

void
policy_warn(struct pmsg *msg, const char *fmt, ...)
{
	va_list ap;

	if (!msg || msg->n_warn >= POLICY_MAX_WARN)
		return;
	va_start(ap, fmt);
	vsnprintf(msg->warn[msg->n_warn], sizeof(msg->warn[0]), fmt, ap);
	va_end(ap);
	msg->n_warn++;
}
