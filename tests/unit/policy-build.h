/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy-build: what the policy tests share: struct builders from text
 * (ip("10.0.1.1"), lr(CA, VSID, MAC, PA, type), cr(RDID, VSID, prefix,
 * nexthop)...; bad text aborts: these are the tests' own constants),
 * CHECK_HAS, and base_policy().  Static inline functions, so each test
 * program takes what it uses.
 */
#ifndef TESTS_UNIT_POLICY_BUILD_H
#define TESTS_UNIT_POLICY_BUILD_H

#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "lib/util.h"
#include "policy/policy.h"
#include "tests/unit/harness.h"

#define RD1 "{12345678-1000-2000-3000-123456780001}"
#define RD2 "{12345678-1000-2000-3000-123456780002}"

static inline struct in6_addr
ip(const char *s)
{
	struct in6_addr a;

	if (ip_parse(s, &a))
		abort();
	return a;
}

static inline struct eth_addr
mac(const char *s)
{
	struct eth_addr e;

	if (eth_parse(s, &e))
		abort();
	return e;
}

static inline struct guid
guid(const char *s)
{
	struct guid g;

	if (guid_parse(s, &g))
		abort();
	return g;
}

static inline struct lookup_record
lr(const char *ca, uint32_t vsid, const char *m, const char *pa,
   enum lr_type type)
{
	struct lookup_record r;

	memset(&r, 0, sizeof(r));
	r.ca = ip(ca);
	r.vsid = vsid;
	r.mac = mac(m);
	r.pa = ip(pa);
	r.rule = LR_RULE_ENCAP;
	r.type = type;
	return r;
}

static inline struct customer_route
cr(const char *rdid, uint32_t vsid, const char *pfx, const char *nh)
{
	struct customer_route r;

	memset(&r, 0, sizeof(r));
	r.rdid = guid(rdid);
	r.vsid = vsid;
	if (prefix_parse(pfx, &r.prefix, &r.plen))
		abort();
	r.nexthop = ip(nh);
	return r;
}

static inline struct provider_address
pa(const char *a, int plen)
{
	struct provider_address p;

	memset(&p, 0, sizeof(p));
	p.pa = ip(a);
	p.plen = plen;
	return p;
}

static inline struct provider_route
pr(const char *pfx, const char *nh, uint32_t metric)
{
	struct provider_route r;

	memset(&r, 0, sizeof(r));
	if (prefix_parse(pfx, &r.prefix, &r.plen))
		abort();
	r.nexthop = ip(nh);
	r.metric = metric;
	return r;
}

static inline struct vm_adapter
vma(const char *vm, const char *name, const char *sw, const char *m,
    uint32_t vsid)
{
	struct vm_adapter a;

	memset(&a, 0, sizeof(a));
	strlcpy_(a.vm, vm, sizeof(a.vm));
	strlcpy_(a.name, name, sizeof(a.name));
	strlcpy_(a.sw, sw, sizeof(a.sw));
	a.mac = mac(m);
	a.vsid = vsid;
	a.port = -1;
	return a;
}

static inline struct vswitch
sw(const char *name, const char *na)
{
	struct vswitch s;

	memset(&s, 0, sizeof(s));
	strlcpy_(s.name, name, sizeof(s.name));
	strlcpy_(s.netadapter, na, sizeof(s.netadapter));
	return s;
}

/* Checks that 'hay' contains 'needle', printing both when not. */
#define CHECK_HAS(hay, needle)                                                 \
	do {                                                                   \
		if (!strstr((hay), (needle))) {                                \
			fprintf(stderr, "%s:%d: \"%s\" lacks \"%s\"\n",        \
			        __FILE__, __LINE__, (hay), (needle));          \
			harness_failures++;                                    \
		}                                                              \
	} while (0)

/*
 * The base policy of the validation and filter tests: RD1 has VSIDs
 * 6000 (10.0.1.0/24) and 6001 (10.0.2.0/24); RD2 has 7000 (10.0.1.0/24,
 * the same prefix); VSIDs 8000 and 8001 have no routes.  Records:
 * 10.0.1.101 vsid 6000 MAC 60:00:60:00:01:01 PA .22, and the same CA/MAC
 * in 7000 (another routing domain) and 8000 (no routing domain yet).
 */
static inline struct policy *
base_policy(void)
{
	struct policy *p = policy_create();
	struct customer_route routes[] = {
	    cr(RD1, 6000, "10.0.1.0/24", "0.0.0.0"),
	    cr(RD1, 6001, "10.0.2.0/24", "0.0.0.0"),
	    cr(RD2, 7000, "10.0.1.0/24", "0.0.0.0"),
	};
	struct lookup_record recs[] = {
	    lr("10.0.1.101", 6000, "600060000101", "192.168.0.22",
	       LR_TYPE_STATIC),
	    lr("10.0.1.101", 7000, "600060000101", "192.168.0.22",
	       LR_TYPE_STATIC),
	    lr("10.0.1.101", 8000, "600060000101", "192.168.0.22",
	       LR_TYPE_STATIC),
	};
	struct pmsg m;

	for (size_t i = 0; i < ARRAY_SIZE(routes); i++)
		if (policy_cr_add(p, &routes[i], &m))
			abort();
	for (size_t i = 0; i < ARRAY_SIZE(recs); i++)
		if (policy_lr_add(p, &recs[i], &m))
			abort();
	return p;
}

#endif
