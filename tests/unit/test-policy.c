/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-policy: the policy tables.  Lookup records against a naive oracle
 * (a plain array checked by linear scans, with the uniqueness rules
 * re-implemented the slow way) under seeded random add/set/remove; every
 * validation rule with table-driven good and bad cases whose error text
 * must name the field and the value; warnings 6 and 7; the book's simple
 * setup (DESIGN.md section 7) on each of its three hosts; routes, gateway
 * CAs, provider state, switches and adapters; foreach order and filters.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "lib/util.h"
#include "policy/policy.h"
#include "tests/unit/harness.h"

#define RD1 "{12345678-1000-2000-3000-123456780001}"
#define RD2 "{12345678-1000-2000-3000-123456780002}"

static struct in6_addr
ip(const char *s)
{
	struct in6_addr a;

	if (ip_parse(s, &a))
		abort();
	return a;
}

static struct eth_addr
mac(const char *s)
{
	struct eth_addr e;

	if (eth_parse(s, &e))
		abort();
	return e;
}

static struct guid
guid(const char *s)
{
	struct guid g;

	if (guid_parse(s, &g))
		abort();
	return g;
}

static struct lookup_record
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

static struct customer_route
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

static struct provider_address
pa(const char *a, int plen)
{
	struct provider_address p;

	memset(&p, 0, sizeof(p));
	p.pa = ip(a);
	p.plen = plen;
	return p;
}

static struct provider_route
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

static struct vm_adapter
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

static struct vswitch
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
 * The book's simple setup (DESIGN.md section 7) as seen by one host:
 * 'host' is 1, 2 or 3 (GWHost); 'gw_pa' is the PA of GWHost's 10.0.2.1
 * record (the seed's typo puts Host2's there).
 */
static const char *const host_pa[] = {"", "192.168.0.22", "192.168.0.33",
                                      "192.168.0.11"};

static int
load_book(struct policy *p, int host, const char *gw_pa, struct pmsg *warns)
{
	static const char *const pa_mac[] = {
	    "", "33:44:55:66:77:88", "44:55:66:77:88:99", "22:33:44:55:66:77"};
	struct provider_address a = pa(host_pa[host], 24);
	struct lookup_record recs[5];
	struct customer_route routes[3] = {
	    cr(RD1, 6000, "10.0.1.0/24", "0.0.0.0"),
	    cr(RD1, 6001, "10.0.2.0/24", "0.0.0.0"),
	    cr(RD1, 6001, "0.0.0.0/0", "10.0.2.2"),
	};
	struct vswitch s = sw("HNVSwitch", "eth0");
	struct pmsg m;
	int n = 0, rc = 0;

	a.mac = mac(pa_mac[host]);
	if (host == 1)
		recs[n++] = lr("10.0.1.1", 6000, "600060000100", host_pa[1],
		               LR_TYPE_STATIC);
	else if (host == 2)
		recs[n++] = lr("10.0.1.1", 6000, "600060000200", host_pa[2],
		               LR_TYPE_STATIC);
	else
		recs[n++] =
		    lr("10.0.2.1", 6001, "600160010300", gw_pa, LR_TYPE_STATIC);
	recs[n++] = lr("10.0.1.101", 6000, "600060000101", "192.168.0.22",
	               LR_TYPE_STATIC);
	recs[n++] = lr("10.0.1.102", 6000, "600060000102", "192.168.0.22",
	               LR_TYPE_STATIC);
	recs[n++] = lr("10.0.1.103", 6000, "600060000203", "192.168.0.33",
	               LR_TYPE_STATIC);
	recs[n++] = lr("10.0.2.2", 6001, "600160010301", "192.168.0.11",
	               LR_TYPE_STATIC);
	warns->n_warn = 0;
	rc |= policy_sw_add(p, &s, &m);
	if (host == 1) {
		struct vm_adapter v1 = vma("Contoso1", "eth0", "HNVSwitch",
		                           "60:00:60:00:01:01", 6000);
		struct vm_adapter v2 = vma("Contoso2", "eth0", "HNVSwitch",
		                           "60:00:60:00:01:02", 6000);

		rc |= policy_vma_add(p, &v1, &m);
		rc |= policy_vma_add(p, &v2, &m);
	}
	rc |= policy_pa_add(p, &a, &m);
	for (int i = 0; i < 3; i++)
		rc |= policy_cr_add(p, &routes[i], &m);
	for (int i = 0; i < n; i++) {
		rc |= policy_lr_add(p, &recs[i], &m);
		for (int w = 0; w < m.n_warn; w++)
			if (warns->n_warn < POLICY_MAX_WARN)
				strcpy(warns->warn[warns->n_warn++], m.warn[w]);
	}
	return rc;
}

static void
test_book_setup(void)
{
	for (int host = 1; host <= 3; host++) {
		struct policy *p = policy_create();
		struct pmsg w;
		struct guid g;
		const struct lookup_record *r;
		const struct customer_route *c;
		struct in6_addr a;
		struct eth_addr e;

		CHECK_EQ(load_book(p, host, "192.168.0.11", &w), 0);
		CHECK_EQ(w.n_warn, 0);
		CHECK_EQ(policy_lr_count(p), 5);
		struct guid rd1 = guid(RD1);
		struct in6_addr pa33 = ip("192.168.0.33");

		CHECK(policy_vsid_rdid(p, 6000, &g));
		CHECK(guid_equal(&g, &rd1));
		CHECK(policy_vsid_rdid(p, 6001, NULL));
		CHECK(!policy_vsid_rdid(p, 6002, &g));
		a = ip("10.0.1.103");
		r = policy_lr_by_ca(p, 6000, &a);
		CHECK(r && ip_equal(&r->pa, &pa33));
		CHECK(policy_lr_by_ca(p, 6001, &a) == NULL);
		e = mac("60:00:60:00:01:01");
		r = policy_lr_by_mac(p, 6000, &e);
		CHECK(r && r->ca.s6_addr[15] == 101);
		g = guid(RD1);
		c = policy_cr_lookup(p, &g, &a);
		CHECK(c && c->vsid == 6000 && c->plen == 24);
		a = ip("10.1.3.100");
		c = policy_cr_lookup(p, &g, &a);
		CHECK(c && c->vsid == 6001 && c->plen == 0 &&
		      c->nexthop.s6_addr[15] == 2);
		CHECK(policy_cr_subnet(p, 6001, &a) == NULL);
		a = ip("10.0.1.50");
		c = policy_cr_subnet(p, 6000, &a);
		CHECK(c && c->plen == 24);
		CHECK(policy_cr_subnet(p, 6001, &a) == NULL);
		a = ip("10.0.1.1");
		CHECK(policy_is_gateway_ca(p, 6000, &a));
		CHECK(!policy_is_gateway_ca(p, 6001, &a));
		a = ip("10.0.2.1");
		CHECK(policy_is_gateway_ca(p, 6001, &a));
		a = ip("10.0.1.2");
		CHECK(!policy_is_gateway_ca(p, 6000, &a));
		/* each host's own ".1" record */
		r = policy_lr_gateway(p, host == 3 ? 6001 : 6000);
		CHECK(r && r->ca.s6_addr[15] == 1 &&
		      policy_pa_find(p, &r->pa) != NULL);
		CHECK(policy_lr_gateway(p, host == 3 ? 6000 : 6001) == NULL);
		CHECK(policy_lr_gateway(p, 4242) == NULL);
		a = ip(host_pa[host]);
		CHECK(policy_pa_find(p, &a) != NULL);
		CHECK(policy_pa_first(p, &a) == policy_pa_find(p, &a));
		a = ip("2001:db8::1");
		CHECK(policy_pa_first(p, &a) == NULL);
		if (host == 1) {
			struct vm_adapter *v;

			e = mac("600060000102");
			v = policy_vma_by_mac(p, 6000, &e);
			CHECK(v && !strcmp(v->vm, "Contoso2"));
			CHECK(policy_vma_by_mac(p, 6001, &e) == NULL);
		}
		policy_destroy(p);
	}
}

/* Warning 6: the seed's GWHost record for 10.0.2.1 points at Host2. */
/* The book's Host1 PA MAC has the group bit set: accepted, with a warning
 * that names it. */
static void
test_warn_multicast_pa_mac(void)
{
	struct policy *p = policy_create();
	struct provider_address a = pa("192.168.0.22", 24);
	struct pmsg m;

	a.mac = mac("33:44:55:66:77:88");
	memset(&m, 0, sizeof(m));
	CHECK_EQ(policy_pa_add(p, &a, &m), 0);
	CHECK_EQ(m.n_warn, 1);
	CHECK(strstr(m.warn[0], "33:44:55:66:77:88") != NULL);
	a = pa("192.168.0.23", 24);
	a.mac = mac("02:44:55:66:77:88");
	memset(&m, 0, sizeof(m));
	CHECK_EQ(policy_pa_add(p, &a, &m), 0);
	CHECK_EQ(m.n_warn, 0);
	policy_destroy(p);
}

/* IP Rewrite records are accepted with a "not supported yet" warning. */
static void
test_warn_ip_rewrite(void)
{
	struct policy *p = policy_create();
	struct lookup_record r = lr("10.0.1.5", 6000, "600060000105",
	                            "192.168.0.22", LR_TYPE_STATIC);
	struct pmsg m;

	memset(&m, 0, sizeof(m));
	r.rule = LR_RULE_NAT;
	CHECK_EQ(policy_lr_add(p, &r, &m), 0);
	CHECK_EQ(m.n_warn, 1);
	CHECK(strstr(m.warn[0], "not supported yet") != NULL);
	policy_destroy(p);
}

static void
test_warn_gateway_pa(void)
{
	struct policy *p = policy_create();
	struct pmsg w;

	CHECK_EQ(load_book(p, 3, "192.168.0.33", &w), 0);
	CHECK_EQ(w.n_warn, 1);
	CHECK_STR(w.warn[0],
	          "lookup record 10.0.2.1 vsid 6001: default-gateway record "
	          "points at PA 192.168.0.33, which is not a provider address "
	          "of this host (192.168.0.11)");
	policy_destroy(p);

	/* No PA on this host (a controller's view): no warning. */
	p = policy_create();
	struct customer_route c = cr(RD1, 6001, "10.0.2.0/24", "0.0.0.0");
	struct lookup_record r = lr("10.0.2.1", 6001, "600160010300",
	                            "192.168.0.33", LR_TYPE_STATIC);
	struct pmsg m;

	CHECK_EQ(policy_cr_add(p, &c, &m), 0);
	CHECK_EQ(policy_lr_add(p, &r, &m), 0);
	CHECK_EQ(m.n_warn, 0);
	policy_destroy(p);
}

/* Warning 7: a PA neither local, nor on-link, nor routed. */
static void
test_warn_unreachable_pa(void)
{
	struct policy *p = policy_create();
	struct provider_address a = pa("192.168.1.10", 24);
	struct provider_route r = pr("192.168.2.0/24", "192.168.1.1", 0);
	struct lookup_record l1 = lr("10.0.1.5", 6000, "600060000105",
	                             "192.168.2.20", LR_TYPE_STATIC);
	struct lookup_record l2 = lr("10.0.1.6", 6000, "600060000106",
	                             "192.168.2.21", LR_TYPE_STATIC);
	struct lookup_record l3 = lr("10.0.1.7", 6000, "600060000107",
	                             "192.168.1.77", LR_TYPE_STATIC);
	struct lookup_record l4 = lr("10.0.1.8", 6000, "600060000108",
	                             "192.168.1.10", LR_TYPE_STATIC);
	struct pmsg m;

	/* no PA at all: no warning */
	CHECK_EQ(policy_lr_add(p, &l1, &m), 0);
	CHECK_EQ(m.n_warn, 0);
	CHECK_EQ(policy_lr_remove(p, NULL), 1);
	CHECK_EQ(policy_pa_add(p, &a, &m), 0);
	CHECK_EQ(policy_lr_add(p, &l1, &m), 0);
	CHECK_EQ(m.n_warn, 1);
	CHECK_HAS(m.warn[0], "lookup record 10.0.1.5 vsid 6000: PA "
	                     "192.168.2.20 is not reachable");
	CHECK_HAS(m.warn[0], "(192.168.1.10)");
	CHECK_EQ(policy_pr_add(p, &r, &m), 0);
	CHECK_EQ(policy_lr_add(p, &l2, &m), 0); /* routed */
	CHECK_EQ(m.n_warn, 0);
	CHECK_EQ(policy_lr_add(p, &l3, &m), 0); /* on-link */
	CHECK_EQ(m.n_warn, 0);
	CHECK_EQ(policy_lr_add(p, &l4, &m), 0); /* local */
	CHECK_EQ(m.n_warn, 0);
	/* set also warns */
	l2.pa = ip("172.16.0.1");
	CHECK_EQ(policy_lr_set(p, &l2, &m), 0);
	CHECK_EQ(m.n_warn, 1);
	CHECK_HAS(m.warn[0], "PA 172.16.0.1 is not reachable");
	policy_destroy(p);
}

static void
test_names(void)
{
	enum lr_rule rule;
	enum lr_type type;

	CHECK_STR(lr_rule_name(LR_RULE_ENCAP), "TranslationMethodEncap");
	CHECK_STR(lr_rule_name(LR_RULE_NAT), "TranslationMethodNat");
	CHECK_STR(lr_rule_short(LR_RULE_NONE), "none");
	CHECK_STR(lr_type_name(LR_TYPE_GW_WILDCARD), "GatewayWildcard");
	CHECK_STR(lr_type_short(LR_TYPE_GW_WILDCARD), "gateway-wildcard");
	CHECK_STR(lr_type_name(LR_TYPE_L2ONLY), "L2Only");
	CHECK_EQ(lr_rule_parse("translationmethodnat", &rule), 0);
	CHECK_EQ(rule, LR_RULE_NAT);
	CHECK_EQ(lr_rule_parse("ENCAP", &rule), 0);
	CHECK_EQ(rule, LR_RULE_ENCAP);
	CHECK_EQ(lr_rule_parse("encapsulate", &rule), -EINVAL);
	CHECK_EQ(lr_type_parse("l2only", &type), 0);
	CHECK_EQ(type, LR_TYPE_L2ONLY);
	CHECK_EQ(lr_type_parse("GatewayWildcard", &type), 0);
	CHECK_EQ(type, LR_TYPE_GW_WILDCARD);
	CHECK_EQ(lr_type_parse("Gateway-Wildcard", &type), 0);
	CHECK_EQ(lr_type_parse("Dynamic", &type), 0);
	CHECK_EQ(type, LR_TYPE_DYNAMIC);
	CHECK_EQ(lr_type_parse("", &type), -EINVAL);
}

/*
 * Lookup record validation, table-driven.  The base policy: RD1 has VSIDs
 * 6000 (10.0.1.0/24) and 6001 (10.0.2.0/24); RD2 has 7000 (10.0.1.0/24,
 * the same prefix); VSIDs 8000 and 8001 have no routes.  Records:
 * 10.0.1.101 vsid 6000 MAC 60:00:60:00:01:01 PA .22, and the same CA/MAC
 * in 7000 (another routing domain) and 8000 (no routing domain yet).
 */
static struct policy *
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

struct lr_case {
	const char *ca;
	uint32_t vsid;
	const char *mac;
	const char *pa;
	enum lr_type type;
	int rc;
	const char *err1, *err2; /* substrings the error must contain */
};

static const struct lr_case lr_cases[] = {
    /* rule 1 */
    {"10.0.1.7", 100, "600060000107", "192.168.0.22", LR_TYPE_STATIC, -EINVAL,
     "lookup record 10.0.1.7 vsid 100:",
     "vsid 100 is out of range (4096..16777214)"},
    {"10.0.1.7", 16777215, "600060000107", "192.168.0.22", LR_TYPE_STATIC,
     -EINVAL, "vsid 16777215 is out of range", NULL},
    {"10.0.1.7", 4095, "600060000107", "192.168.0.22", LR_TYPE_STATIC, -EINVAL,
     "vsid 4095", NULL},
    {"10.0.9.7", 4096, "600060000107", "192.168.0.22", LR_TYPE_STATIC, 0, NULL,
     NULL},
    {"10.0.9.7", 16777214, "600060000107", "192.168.0.22", LR_TYPE_STATIC, 0,
     NULL, NULL},
    /* CA and type */
    {"0.0.0.0", 6000, "600060000107", "192.168.0.22", LR_TYPE_STATIC, -EINVAL,
     "CA 0.0.0.0", "L2Only"},
    {"10.0.1.9", 6000, "600060000109", "192.168.0.22", LR_TYPE_L2ONLY, -EINVAL,
     "CA 10.0.1.9 must be 0.0.0.0", NULL},
    {"10.0.1.9", 6000, "600060000109", "192.168.0.22", LR_TYPE_GW_WILDCARD,
     -EINVAL, "CA 10.0.1.9", "GatewayWildcard"},
    {"224.0.0.5", 6000, "600060000107", "192.168.0.22", LR_TYPE_STATIC, -EINVAL,
     "CA 224.0.0.5 is not a unicast address", NULL},
    {"ff02::1", 6000, "600060000107", "192.168.0.22", LR_TYPE_STATIC, -EINVAL,
     "CA ff02::1 is not a unicast", NULL},
    /* MAC */
    {"10.0.1.7", 6000, "01:00:5e:00:00:01", "192.168.0.22", LR_TYPE_STATIC,
     -EINVAL, "MAC 01:00:5e:00:00:01 is not a unicast", NULL},
    {"10.0.1.7", 6000, "000000000000", "192.168.0.22", LR_TYPE_STATIC, -EINVAL,
     "MAC 00:00:00:00:00:00", NULL},
    {"10.0.1.7", 6000, "ffffffffffff", "192.168.0.22", LR_TYPE_STATIC, -EINVAL,
     "MAC ff:ff:ff:ff:ff:ff", NULL},
    /* PA */
    {"10.0.1.7", 6000, "600060000107", "0.0.0.0", LR_TYPE_STATIC, -EINVAL,
     "PA 0.0.0.0 is not a unicast address", NULL},
    {"10.0.1.7", 6000, "600060000107", "239.1.1.1", LR_TYPE_STATIC, -EINVAL,
     "PA 239.1.1.1", NULL},
    {"10.0.1.7", 6000, "600060000107", "2001:db8::22", LR_TYPE_STATIC, 0, NULL,
     NULL},
    /* key */
    {"10.0.1.101", 6000, "600060000199", "192.168.0.22", LR_TYPE_STATIC,
     -EEXIST, "lookup record 10.0.1.101 vsid 6000: already exists", NULL},
    {"10.0.1.101", 6000, "600060000101", "192.168.0.22", LR_TYPE_DYNAMIC,
     -EEXIST, "already exists", NULL},
    /* rule 3: CA unique within the routing domain */
    {"10.0.1.101", 6001, "600060000199", "192.168.0.22", LR_TYPE_STATIC,
     -EINVAL,
     "lookup record 10.0.1.101 vsid 6001: CA 10.0.1.101 already "
     "used by vsid 6000",
     "in routing domain " RD1},
    {"10.0.1.101", 8001, "600060000101", "192.168.0.22", LR_TYPE_STATIC, 0,
     NULL, NULL}, /* no RDID: its own domain */
    /* rule 3: MAC unique within the routing domain */
    {"10.0.1.7", 6000, "600060000101", "192.168.0.22", LR_TYPE_STATIC, -EINVAL,
     "lookup record 10.0.1.7 vsid 6000: MAC 60:00:60:00:01:01 already used "
     "by 10.0.1.101 in routing domain " RD1,
     NULL},
    {"10.0.2.7", 6001, "600060000101", "192.168.0.22", LR_TYPE_STATIC, -EINVAL,
     "MAC 60:00:60:00:01:01 already used by 10.0.1.101 (vsid 6000) in "
     "routing domain " RD1,
     NULL},
    {"10.0.1.7", 8000, "600060000101", "192.168.0.22", LR_TYPE_STATIC, -EINVAL,
     "MAC 60:00:60:00:01:01 already used by 10.0.1.101 in vsid 8000", NULL},
    {"10.0.2.7", 6001, "600060000102", "192.168.0.22", LR_TYPE_STATIC, 0, NULL,
     NULL},
    /* rule 3's exceptions */
    {"0.0.0.0", 6000, "600060000101", "192.168.0.22", LR_TYPE_L2ONLY, -EINVAL,
     "lookup record 60:00:60:00:01:01 vsid 6000: MAC", NULL},
    {"0.0.0.0", 6001, "600060000101", "192.168.0.22", LR_TYPE_GW_WILDCARD, 0,
     NULL, NULL},
    {"0.0.0.0", 6001, "600060000101", "192.168.0.99", LR_TYPE_GW_WILDCARD,
     -EINVAL, "MAC 60:00:60:00:01:01 already used by 10.0.1.101", NULL},
    /* rule 4: one family per routing domain */
    {"2001:db8::7", 6000, "600060000107", "192.168.0.22", LR_TYPE_STATIC,
     -EINVAL,
     "lookup record 2001:db8::7 vsid 6000: CA 2001:db8::7 is IPv6 but "
     "routing domain " RD1 " uses IPv4 (10.0.1.101)",
     NULL},
    {"2001:db8::7", 6001, "600060000107", "192.168.0.22", LR_TYPE_STATIC,
     -EINVAL, "is IPv6 but routing domain", "(10.0.1.101 (vsid 6000))"},
    {"::", 6001, "600060000107", "192.168.0.22", LR_TYPE_GW_WILDCARD, -EINVAL,
     "CA :: is IPv6", NULL},
    {"2001:db8::7", 8000, "600060000107", "192.168.0.22", LR_TYPE_STATIC,
     -EINVAL, "is IPv6 but vsid 8000 uses IPv4", NULL},
    {"2001:db8::7", 8001, "600060000107", "192.168.0.22", LR_TYPE_STATIC, 0,
     NULL, NULL},
    {"::", 6000, "600060000107", "192.168.0.22", LR_TYPE_L2ONLY, 0, NULL,
     NULL}, /* L2Only has no family */
};

static void
test_lr_validation(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(lr_cases); i++) {
		const struct lr_case *c = &lr_cases[i];
		struct policy *p = base_policy();
		struct lookup_record r =
		    lr(c->ca, c->vsid, c->mac, c->pa, c->type);
		uint64_t gen = policy_generation(p);
		size_t n = policy_lr_count(p);
		struct pmsg m;
		int rc = policy_lr_add(p, &r, &m);

		if (rc != c->rc)
			fprintf(stderr, "case %zu: rc %d (%s)\n", i, rc, m.err);
		CHECK_EQ(rc, c->rc);
		if (c->err1)
			CHECK_HAS(m.err, c->err1);
		if (c->err2)
			CHECK_HAS(m.err, c->err2);
		if (rc) {
			/* nothing changed */
			CHECK_EQ(policy_generation(p), gen);
			CHECK_EQ(policy_lr_count(p), n);
		} else {
			CHECK_EQ(policy_lr_count(p), n + 1);
			CHECK(policy_generation(p) > gen);
		}
		policy_destroy(p);
	}
}

/* L2Only and Dynamic may share a MAC when they share the PA (flow F4). */
static void
test_lr_l2only(void)
{
	struct policy *p = base_policy();
	struct lookup_record l2 =
	    lr("0.0.0.0", 6001, "600160000201", "192.168.0.33", LR_TYPE_L2ONLY);
	struct lookup_record dyn = lr("10.0.2.9", 6001, "600160000201",
	                              "192.168.0.33", LR_TYPE_DYNAMIC);
	struct lookup_record st = lr("10.0.2.9", 6001, "600160000201",
	                             "192.168.0.33", LR_TYPE_STATIC);
	struct lookup_record other_pa = lr("10.0.2.9", 6001, "600160000201",
	                                   "192.168.0.34", LR_TYPE_DYNAMIC);
	struct eth_addr e = mac("600160000201");
	const struct lookup_record *r;
	struct policy_filter f;
	struct pmsg m;

	CHECK_EQ(policy_lr_add(p, &l2, &m), 0);
	r = policy_lr_by_mac(p, 6001, &e);
	CHECK(r && r->type == LR_TYPE_L2ONLY);
	CHECK_EQ(policy_lr_add(p, &l2, &m), -EEXIST);
	CHECK_HAS(m.err, "lookup record 60:01:60:00:02:01 vsid 6001: already "
	                 "exists");
	CHECK_EQ(policy_lr_add(p, &st, &m), -EINVAL);
	CHECK_HAS(m.err, "already used by the L2Only record");
	CHECK_EQ(policy_lr_add(p, &other_pa, &m), -EINVAL);
	CHECK_EQ(policy_lr_add(p, &dyn, &m), 0);
	/* by_mac prefers the record with a CA */
	r = policy_lr_by_mac(p, 6001, &e);
	CHECK(r && r->type == LR_TYPE_DYNAMIC);
	/* L2Only records are not in the CA index */
	CHECK(policy_lr_by_ca(p, 6001, &(struct in6_addr){{{0}}}) == NULL);
	/* set finds an L2Only record by MAC */
	l2.pa = ip("192.168.0.35");
	CHECK_EQ(policy_lr_set(p, &l2, &m), -EINVAL); /* would split the pair */
	CHECK_HAS(m.err, "MAC 60:01:60:00:02:01 already used by 10.0.2.9");
	l2.pa = ip("192.168.0.33");
	l2.use_vm_mac = true;
	CHECK_EQ(policy_lr_set(p, &l2, &m), 0);
	/* remove by (VSID, MAC) takes both */
	memset(&f, 0, sizeof(f));
	f.fields = F_VSID | F_MAC;
	f.vsid = 6001;
	f.mac = e;
	CHECK_EQ(policy_lr_remove(p, &f), 2);
	CHECK(policy_lr_by_mac(p, 6001, &e) == NULL);
	policy_destroy(p);
}

static void
test_lr_set(void)
{
	struct policy *p = base_policy();
	struct lookup_record r = lr("10.0.1.101", 6000, "600060000101",
	                            "192.168.0.44", LR_TYPE_STATIC);
	struct lookup_record absent = lr("10.0.1.200", 6000, "600060000200",
	                                 "192.168.0.44", LR_TYPE_STATIC);
	struct lookup_record other = lr("10.0.1.102", 6000, "600060000102",
	                                "192.168.0.22", LR_TYPE_STATIC);
	struct in6_addr a = ip("10.0.1.101");
	const struct lookup_record *got, *before;
	uint64_t gen;
	struct pmsg m;

	before = policy_lr_by_ca(p, 6000, &a);
	gen = policy_generation(p);
	CHECK_EQ(policy_lr_set(p, &r, &m), 0); /* migration: new PA */
	got = policy_lr_by_ca(p, 6000, &a);
	CHECK(got == before); /* replaced in place */
	CHECK(ip_equal(&got->pa, &r.pa));
	CHECK(policy_generation(p) > gen);
	CHECK_EQ(policy_lr_set(p, &absent, &m), -ENOENT);
	CHECK_HAS(m.err, "lookup record 10.0.1.200 vsid 6000: no such record");
	/* a new MAC is checked against the others, not itself */
	CHECK_EQ(policy_lr_add(p, &other, &m), 0);
	r.mac = mac("600060000102");
	gen = policy_generation(p);
	CHECK_EQ(policy_lr_set(p, &r, &m), -EINVAL);
	CHECK_HAS(m.err, "MAC 60:00:60:00:01:02 already used by 10.0.1.102");
	CHECK_EQ(policy_generation(p), gen);
	r.mac = mac("600060000111");
	CHECK_EQ(policy_lr_set(p, &r, &m), 0);
	struct eth_addr e = mac("600060000111");
	CHECK(policy_lr_by_mac(p, 6000, &e) == got);
	e = mac("600060000101");
	CHECK(policy_lr_by_mac(p, 6000, &e) == NULL);
	r.vsid = 5;
	CHECK_EQ(policy_lr_set(p, &r, &m), -EINVAL);
	CHECK_HAS(m.err, "vsid 5 is out of range");
	policy_destroy(p);
}

struct cr_case {
	const char *rdid;
	uint32_t vsid;
	const char *prefix;
	int plen; /* -1: as in 'prefix' */
	const char *nexthop;
	int rc;
	const char *err1, *err2;
};

static const struct cr_case cr_cases[] = {
    {RD1, 100, "10.0.3.0/24", -1, "0.0.0.0", -EINVAL,
     "customer route 10.0.3.0/24 vsid 100: vsid 100 is out of range", NULL},
    {"{00000000-0000-0000-0000-000000000000}", 6002, "10.0.3.0/24", -1,
     "0.0.0.0", -EINVAL,
     "routing domain {00000000-0000-0000-0000-000000000000} is not valid",
     NULL},
    {RD1, 6002, "10.0.3.0/24", 33, "0.0.0.0", -EINVAL,
     "prefix length 33 is out of range (0..32)", NULL},
    {RD1, 6002, "2001:db8::/64", 129, "::", -EINVAL,
     "prefix length 129 is out of range (0..128)", NULL},
    {RD1, 6002, "10.0.3.0/24", 16, "0.0.0.0", -EINVAL,
     "prefix 10.0.3.0/16 has host bits set (10.0.0.0/16)", NULL},
    {RD1, 6002, "10.0.3.0/24", -1, "2001:db8::1", -EINVAL,
     "next hop 2001:db8::1 is IPv6 but prefix 10.0.3.0/24 is IPv4", NULL},
    {RD1, 6002, "10.0.3.0/24", -1, "::", 0, NULL, NULL}, /* on-link */
    {RD1, 6002, "10.0.3.0/24", -1, "10.0.2.2", 0, NULL, NULL},
    /* rule 2 */
    {RD2, 6000, "10.0.1.0/24", -1, "0.0.0.0", -EINVAL,
     "customer route 10.0.1.0/24 vsid 6000: vsid 6000 already belongs to "
     "routing domain " RD1,
     NULL},
    {RD1, 7000, "10.0.7.0/24", -1, "0.0.0.0", -EINVAL,
     "vsid 7000 already belongs to routing domain " RD2, NULL},
    /* key */
    {RD1, 6001, "10.0.1.0/24", -1, "0.0.0.0", -EEXIST,
     "customer route 10.0.1.0/24 vsid 6001: routing domain " RD1
     " already has this route (vsid 6000)",
     NULL},
    {RD2, 7001, "10.0.2.0/24", -1, "0.0.0.0", 0, NULL, NULL},
    /* joining: 8000's record 10.0.1.101 clashes with 6000's */
    {RD1, 8000, "10.0.8.0/24", -1, "0.0.0.0", -EINVAL,
     "customer route 10.0.8.0/24 vsid 8000: lookup record 10.0.1.101 vsid "
     "8000 conflicts with routing domain " RD1,
     "CA 10.0.1.101 already used by vsid 6000"},
    {RD2, 8000, "10.0.8.0/24", -1, "0.0.0.0", -EINVAL,
     "conflicts with routing domain " RD2, NULL},
    {"{12345678-1000-2000-3000-123456780003}", 8000, "10.0.8.0/24", -1,
     "0.0.0.0", 0, NULL, NULL},
};

static void
test_cr_validation(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(cr_cases); i++) {
		const struct cr_case *c = &cr_cases[i];
		struct policy *p = base_policy();
		struct customer_route r =
		    cr(c->rdid, c->vsid, c->prefix, c->nexthop);
		uint64_t gen = policy_generation(p);
		struct pmsg m;
		int rc;

		if (c->plen >= 0)
			r.plen = c->plen;
		rc = policy_cr_add(p, &r, &m);
		if (rc != c->rc)
			fprintf(stderr, "case %zu: rc %d (%s)\n", i, rc, m.err);
		CHECK_EQ(rc, c->rc);
		if (c->err1)
			CHECK_HAS(m.err, c->err1);
		if (c->err2)
			CHECK_HAS(m.err, c->err2);
		if (rc)
			CHECK_EQ(policy_generation(p), gen);
		policy_destroy(p);
	}
}

/* Joining a routing domain checks MACs and families too. */
static void
test_cr_join(void)
{
	struct policy *p = base_policy();
	struct customer_route c = cr(RD1, 8001, "10.0.8.0/24", "0.0.0.0");
	struct lookup_record mac_clash = lr("10.0.8.5", 8001, "600060000101",
	                                    "192.168.0.22", LR_TYPE_STATIC);
	struct lookup_record v6 = lr("2001:db8::5", 8001, "600060000108",
	                             "192.168.0.22", LR_TYPE_STATIC);
	struct pmsg m;

	CHECK_EQ(policy_lr_add(p, &mac_clash, &m), 0);
	CHECK_EQ(policy_cr_add(p, &c, &m), -EINVAL);
	CHECK_HAS(m.err, "lookup record 10.0.8.5 vsid 8001 conflicts with "
	                 "routing domain " RD1 ": MAC 60:00:60:00:01:01 "
	                 "already used by 10.0.1.101 (vsid 6000)");
	CHECK_EQ(policy_lr_remove(p, &(struct policy_filter){.fields = F_VSID,
	                                                     .vsid = 8001}),
	         1);
	CHECK_EQ(policy_lr_add(p, &v6, &m), 0);
	CHECK_EQ(policy_cr_add(p, &c, &m), -EINVAL);
	CHECK_HAS(m.err, "customer route 10.0.8.0/24 vsid 8001: vsid 8001 has "
	                 "IPv6 CAs (2001:db8::5) but routing domain " RD1
	                 " uses IPv4 (10.0.1.101 (vsid 6000))");
	CHECK(!policy_vsid_rdid(p, 8001, NULL));
	policy_destroy(p);
}

/* Set replaces the route with the same (RDID, prefix); removing a VSID's
 * last route forgets its RDID. */
static void
test_cr_set_remove(void)
{
	struct policy *p = base_policy();
	struct customer_route c = cr(RD1, 6001, "10.0.2.0/24", "0.0.0.0");
	struct customer_route absent = cr(RD1, 6001, "10.0.9.0/24", "0.0.0.0");
	struct policy_filter f = {.fields = F_VSID, .vsid = 6001};
	struct guid g = guid(RD1);
	struct in6_addr a = ip("10.0.2.5");
	const struct customer_route *got;
	struct pmsg m;

	c.metric = 7;
	CHECK_EQ(policy_cr_set(p, &c, &m), 0);
	got = policy_cr_lookup(p, &g, &a);
	CHECK(got && got->metric == 7);
	CHECK_EQ(policy_cr_set(p, &absent, &m), -ENOENT);
	CHECK_HAS(m.err, "customer route 10.0.9.0/24 vsid 6001: no such route "
	                 "in routing domain " RD1);
	/* move 10.0.2.0/24 from 6001 to 6002 (6001 leaves RD1) */
	c.vsid = 6002;
	CHECK_EQ(policy_cr_set(p, &c, &m), 0);
	CHECK(!policy_vsid_rdid(p, 6001, NULL));
	CHECK(policy_vsid_rdid(p, 6002, NULL));
	a = ip("10.0.2.1");
	CHECK(policy_is_gateway_ca(p, 6002, &a));
	CHECK(!policy_is_gateway_ca(p, 6001, &a));
	/* a set cannot move a route into a VSID of another domain */
	c.vsid = 7000;
	CHECK_EQ(policy_cr_set(p, &c, &m), -EINVAL);
	CHECK_HAS(m.err, "vsid 7000 already belongs to routing domain " RD2);
	/* remove */
	f.vsid = 6002;
	CHECK_EQ(policy_cr_remove(p, &f), 1);
	CHECK_EQ(policy_cr_remove(p, &f), 0);
	CHECK(!policy_vsid_rdid(p, 6002, NULL));
	CHECK(!policy_is_gateway_ca(p, 6002, &a));
	/* 6000 can now go to RD2 once its route is gone */
	f.vsid = 6000;
	CHECK_EQ(policy_cr_remove(p, &f), 1);
	CHECK(policy_cr_lookup(p, &g, &a) == NULL); /* RD1 has no routes */
	c = cr(RD2, 6000, "10.0.6.0/24", "0.0.0.0");
	CHECK_EQ(policy_cr_add(p, &c, &m), -EINVAL); /* 10.0.1.101 clash */
	CHECK_HAS(m.err, "CA 10.0.1.101 already used by vsid 7000");
	policy_destroy(p);
}

static void
test_gateway_ca(void)
{
	static const struct {
		const char *prefix, *addr;
		bool gw;
	} cases[] = {
	    {"10.0.1.0/24", "10.0.1.1", true},
	    {"10.0.1.0/24", "10.0.1.0", false},
	    {"10.0.1.0/24", "10.0.1.2", false},
	    {"10.0.4.0/30", "10.0.4.1", true},
	    {"10.0.5.0/31", "10.0.5.1", false},
	    {"10.0.6.1/32", "10.0.6.1", false},
	    {"10.0.6.0/32", "10.0.6.1", false},
	    {"2001:db8:1::/64", "2001:db8:1::1", true},
	    {"2001:db8:1::/64", "2001:db8:1::2", false},
	    {"2001:db8:2::/126", "2001:db8:2::1", true},
	    {"2001:db8:3::/127", "2001:db8:3::1", false},
	    {"2001:db8:4::1/128", "2001:db8:4::1", false},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct policy *p = policy_create();
		struct customer_route c = cr(RD1, 6000, cases[i].prefix, "::");
		struct in6_addr a = ip(cases[i].addr);
		struct pmsg m;

		CHECK_EQ(policy_cr_add(p, &c, &m), 0);
		if (policy_is_gateway_ca(p, 6000, &a) != cases[i].gw)
			fprintf(stderr, "case %s %s\n", cases[i].prefix,
			        cases[i].addr);
		CHECK(policy_is_gateway_ca(p, 6000, &a) == cases[i].gw);
		CHECK(!policy_is_gateway_ca(p, 6001, &a));
		policy_destroy(p);
	}

	/* nested on-link routes sharing a gateway; a routed one has none */
	struct policy *p = policy_create();
	struct customer_route c16 = cr(RD1, 6000, "10.0.0.0/16", "0.0.0.0");
	struct customer_route c24 = cr(RD1, 6000, "10.0.0.0/24", "0.0.0.0");
	struct customer_route via = cr(RD1, 6000, "10.9.0.0/24", "10.0.0.254");
	struct policy_filter f = {.fields = F_PREFIX};
	struct in6_addr a = ip("10.0.0.1"), b = ip("10.0.5.5");
	const struct customer_route *s;
	struct pmsg m;

	CHECK_EQ(policy_cr_add(p, &c16, &m), 0);
	CHECK_EQ(policy_cr_add(p, &c24, &m), 0);
	CHECK_EQ(policy_cr_add(p, &via, &m), 0);
	CHECK(policy_is_gateway_ca(p, 6000, &a));
	a = ip("10.9.0.1");
	CHECK(!policy_is_gateway_ca(p, 6000, &a));
	CHECK(policy_cr_subnet(p, 6000, &a) == NULL); /* not on-link */
	s = policy_cr_subnet(p, 6000, &b);
	CHECK(s && s->plen == 16);
	b = ip("10.0.0.9");
	s = policy_cr_subnet(p, 6000, &b);
	CHECK(s && s->plen == 24);
	f.prefix = c24.prefix;
	f.plen = 24;
	CHECK_EQ(policy_cr_remove(p, &f), 1);
	a = ip("10.0.0.1");
	CHECK(policy_is_gateway_ca(p, 6000, &a));
	f.plen = 16;
	CHECK_EQ(policy_cr_remove(p, &f), 1);
	CHECK(!policy_is_gateway_ca(p, 6000, &a));
	policy_destroy(p);
}

/* The gateway record: one per subnet, a local PA preferred. */
static void
test_lr_gateway(void)
{
	struct policy *p = policy_create();
	struct customer_route c1 = cr(RD1, 6000, "10.0.1.0/24", "0.0.0.0");
	struct customer_route c2 = cr(RD1, 6000, "10.0.3.0/24", "0.0.0.0");
	struct provider_address a = pa("192.168.0.22", 24);
	struct lookup_record g1 = lr("10.0.1.1", 6000, "600060000100",
	                             "192.168.0.33", LR_TYPE_STATIC);
	struct lookup_record g3 = lr("10.0.3.1", 6000, "600060000300",
	                             "192.168.0.22", LR_TYPE_STATIC);
	struct lookup_record vm = lr("10.0.1.2", 6000, "600060000102",
	                             "192.168.0.22", LR_TYPE_STATIC);
	const struct lookup_record *r;
	struct policy_filter f = {.fields = F_PREFIX};
	struct pmsg m;

	CHECK_EQ(policy_pa_add(p, &a, &m), 0);
	CHECK_EQ(policy_cr_add(p, &c1, &m), 0);
	CHECK(policy_lr_gateway(p, 6000) == NULL);
	CHECK_EQ(policy_lr_add(p, &vm, &m), 0);
	CHECK(policy_lr_gateway(p, 6000) == NULL);
	CHECK_EQ(policy_lr_add(p, &g1, &m), 0);
	CHECK_EQ(m.n_warn, 1); /* warning 6 */
	r = policy_lr_gateway(p, 6000);
	CHECK(r && r->ca.s6_addr[15] == 1 && r->ca.s6_addr[14] == 1);
	CHECK_EQ(policy_cr_add(p, &c2, &m), 0);
	CHECK_EQ(policy_lr_add(p, &g3, &m), 0);
	r = policy_lr_gateway(p, 6000);
	CHECK(r && r->ca.s6_addr[14] == 3); /* the local one */
	f.prefix = c2.prefix;
	f.plen = 24;
	CHECK_EQ(policy_cr_remove(p, &f), 1);
	r = policy_lr_gateway(p, 6000);
	CHECK(r && r->ca.s6_addr[14] == 1);
	policy_destroy(p);
}

/* Routing domains are isolated; families do not leak into each other. */
static void
test_cr_lookup(void)
{
	struct policy *p = policy_create();
	struct customer_route rs[] = {
	    cr(RD1, 6000, "10.0.1.0/24", "0.0.0.0"),
	    cr(RD2, 7000, "10.0.1.0/24", "0.0.0.0"),
	    cr(RD2, 7000, "::/0", "2001:db8::1"),
	    cr(RD2, 7001, "2001:db8:1::/64", "::"),
	};
	struct guid g1 = guid(RD1), g2 = guid(RD2);
	struct in6_addr a = ip("10.0.1.5");
	const struct customer_route *c;
	struct pmsg m;

	for (size_t i = 0; i < ARRAY_SIZE(rs); i++)
		CHECK_EQ(policy_cr_add(p, &rs[i], &m), 0);
	c = policy_cr_lookup(p, &g1, &a);
	CHECK(c && c->vsid == 6000);
	c = policy_cr_lookup(p, &g2, &a);
	CHECK(c && c->vsid == 7000);
	a = ip("10.0.2.5"); /* IPv6 ::/0 does not answer for IPv4 */
	CHECK(policy_cr_lookup(p, &g2, &a) == NULL);
	a = ip("2001:db8:1::5");
	c = policy_cr_lookup(p, &g2, &a);
	CHECK(c && c->vsid == 7001);
	a = ip("2001:db8:2::5");
	c = policy_cr_lookup(p, &g2, &a);
	CHECK(c && c->vsid == 7000 && c->plen == 0);
	CHECK(policy_cr_lookup(p, &g1, &a) == NULL);
	policy_destroy(p);
}

static void
test_provider(void)
{
	struct policy *p = policy_create();
	struct provider_address a1 = pa("192.168.0.22", 24);
	struct provider_address a6 = pa("2001:db8::22", 64);
	struct provider_address bad = pa("192.168.0.23", 24);
	struct provider_route r1 = pr("10.20.0.0/16", "192.168.0.1", 10);
	struct provider_route r2 = pr("10.20.0.0/16", "192.168.0.2", 5);
	struct provider_route r3 = pr("0.0.0.0/0", "192.168.0.1", 0);
	struct in6_addr d = ip("10.20.1.1");
	const struct provider_route *got;
	struct policy_filter f;
	struct pmsg m;

	CHECK_EQ(policy_pa_add(p, &a6, &m), 0);
	CHECK_EQ(policy_pa_add(p, &a1, &m), 0);
	CHECK_EQ(policy_pa_add(p, &a1, &m), -EEXIST);
	CHECK_STR(m.err, "provider address 192.168.0.22: already exists");
	bad.vlan = 4095;
	CHECK_EQ(policy_pa_add(p, &bad, &m), -EINVAL);
	CHECK_HAS(m.err, "provider address 192.168.0.23: VLAN 4095");
	bad.vlan = 0;
	bad.plen = 33;
	CHECK_EQ(policy_pa_add(p, &bad, &m), -EINVAL);
	CHECK_HAS(m.err, "prefix length 33 is out of range (0..32)");
	bad = pa("224.0.0.1", 24);
	CHECK_EQ(policy_pa_add(p, &bad, &m), -EINVAL);
	CHECK_HAS(m.err, "provider address 224.0.0.1: not a unicast");
	bad = pa("192.168.0.23", 24);
	CHECK_EQ(policy_pa_set(p, &bad, &m), -ENOENT);
	CHECK_STR(m.err, "provider address 192.168.0.23: no such provider "
	                 "address");
	/* first of the family, in insertion order */
	CHECK(policy_pa_first(p, &d) == policy_pa_find(p, &a1.pa));
	CHECK(policy_pa_first(p, &a6.pa) == policy_pa_find(p, &a6.pa));
	a1.vlan = 12;
	CHECK_EQ(policy_pa_set(p, &a1, &m), 0);
	CHECK_EQ(policy_pa_find(p, &a1.pa)->vlan, 12);

	/* provider routes: the lowest metric wins per prefix */
	CHECK(policy_pr_lookup(p, &d) == NULL);
	CHECK_EQ(policy_pr_add(p, &r1, &m), 0);
	CHECK_EQ(policy_pr_add(p, &r1, &m), -EEXIST);
	CHECK_STR(m.err, "provider route 10.20.0.0/16 via 192.168.0.1: "
	                 "already exists");
	CHECK_EQ(policy_pr_add(p, &r2, &m), 0);
	CHECK_EQ(policy_pr_add(p, &r3, &m), 0);
	got = policy_pr_lookup(p, &d);
	CHECK(got && got->metric == 5);
	memset(&f, 0, sizeof(f));
	f.fields = F_NEXTHOP | F_PREFIX;
	f.prefix = r2.prefix;
	f.plen = 16;
	f.nexthop = r2.nexthop;
	CHECK_EQ(policy_pr_remove(p, &f), 1);
	got = policy_pr_lookup(p, &d);
	CHECK(got && got->metric == 10);
	f.nexthop = r1.nexthop;
	CHECK_EQ(policy_pr_remove(p, &f), 1);
	got = policy_pr_lookup(p, &d);
	CHECK(got && got->plen == 0);
	d = ip("2001:db8:5::1");
	CHECK(policy_pr_lookup(p, &d) == NULL);
	r1 = pr("10.20.0.0/16", "0.0.0.0", 0);
	r1.plen = 8;
	CHECK_EQ(policy_pr_add(p, &r1, &m), -EINVAL);
	CHECK_STR(m.err, "provider route 10.20.0.0/8: prefix 10.20.0.0/8 has "
	                 "host bits set (10.0.0.0/8)");
	r1 = pr("10.0.0.0/8", "2001:db8::1", 0);
	CHECK_EQ(policy_pr_add(p, &r1, &m), -EINVAL);
	CHECK_HAS(m.err, "next hop 2001:db8::1 is IPv6");
	/* PA removal by filter */
	memset(&f, 0, sizeof(f));
	f.fields = F_PA;
	f.pa = a6.pa;
	CHECK_EQ(policy_pa_remove(p, &f), 1);
	CHECK(policy_pa_find(p, &a6.pa) == NULL);
	CHECK_EQ(policy_pa_remove(p, NULL), 1);
	policy_destroy(p);
}

static void
test_switch_adapter(void)
{
	struct policy *p = policy_create();
	struct vswitch s = sw("HNVSwitch", "eth0");
	struct vm_adapter c1 =
	    vma("Contoso1", "eth0", "ExternalSwich", "600060000101", 6000);
	struct vm_adapter c2 =
	    vma("Contoso2", "eth0", "hnvswitch", "600060000101", 6000);
	struct eth_addr e = mac("600060000101");
	struct vm_adapter *v;
	struct pmsg m;

	CHECK_EQ(policy_vma_add(p, &c1, &m), -EINVAL);
	CHECK_STR(m.err,
	          "vm adapter Contoso1/eth0: switch 'ExternalSwich' does not "
	          "exist");
	CHECK_EQ(policy_sw_add(p, &s, &m), 0);
	s = sw("hnvSWITCH", "eth1");
	CHECK_EQ(policy_sw_add(p, &s, &m), -EEXIST);
	CHECK_STR(m.err, "switch 'hnvSWITCH' already exists");
	s = sw("", "eth1");
	CHECK_EQ(policy_sw_add(p, &s, &m), -EINVAL);
	s = sw("Other", "");
	CHECK_EQ(policy_sw_add(p, &s, &m), -EINVAL);
	CHECK_HAS(m.err, "switch 'Other': netadapter is empty");
	CHECK(policy_sw_find(p, "HNVSWITCH") != NULL);
	strcpy(c1.sw, "HNVSwitch");
	CHECK_EQ(policy_vma_add(p, &c1, &m), 0);
	c1.port = 3;
	CHECK_EQ(policy_vma_add(p, &c1, &m), -EEXIST);
	strcpy(c1.vm, "CONTOSO1");
	CHECK_EQ(policy_vma_add(p, &c1, &m), -EEXIST); /* VM case-insensitive */
	CHECK_STR(m.err, "vm adapter CONTOSO1/eth0: already exists");
	CHECK_EQ(policy_vma_add(p, &c2, &m), -EINVAL);
	CHECK_STR(m.err, "vm adapter Contoso2/eth0: MAC 60:00:60:00:01:01 "
	                 "already used by Contoso1/eth0 in vsid 6000");
	c2.vsid = 6001; /* another VSID: fine */
	CHECK_EQ(policy_vma_add(p, &c2, &m), 0);
	c2.vsid = 12;
	CHECK_EQ(policy_vma_set(p, &c2, &m), -EINVAL);
	CHECK_HAS(m.err, "vsid 12 is out of range (0 or 4096..16777214)");
	c2.vsid = 0;
	CHECK_EQ(policy_vma_set(p, &c2, &m), 0);
	v = policy_vma_by_mac(p, 6000, &e);
	CHECK(v && !strcmp(v->vm, "Contoso1"));
	v->port = 7; /* the agent attaches it */
	v = policy_vma_find(p, "contoso1", "eth0");
	CHECK(v && v->port == 7);
	CHECK(policy_vma_find(p, "contoso1", "ETH0") == NULL);
	/* set replaces mac/vsid/sw, keeps the port */
	c1 = vma("contoso1", "eth0", "HNVSWITCH", "600060000111", 6002);
	c1.port = -1;
	CHECK_EQ(policy_vma_set(p, &c1, &m), 0);
	v = policy_vma_find(p, "Contoso1", "eth0");
	CHECK(v && v->port == 7 && v->vsid == 6002 &&
	      !strcmp(v->vm, "Contoso1"));
	CHECK(policy_vma_by_mac(p, 6000, &e) == NULL);
	e = mac("600060000111");
	CHECK(policy_vma_by_mac(p, 6002, &e) == v);
	c1.sw[0] = 'X';
	CHECK_EQ(policy_vma_set(p, &c1, &m), -EINVAL);
	CHECK_HAS(m.err, "switch 'XNVSWITCH' does not exist");
	strcpy(c1.vm, "Nobody");
	CHECK_EQ(policy_vma_set(p, &c1, &m), -ENOENT);
	CHECK_STR(m.err, "vm adapter Nobody/eth0: no such adapter");
	/* multicast MAC */
	c1 = vma("Contoso3", "eth0", "HNVSwitch", "01:00:5e:00:00:01", 6000);
	CHECK_EQ(policy_vma_add(p, &c1, &m), -EINVAL);
	CHECK_HAS(m.err, "MAC 01:00:5e:00:00:01");
	/* zero MACs do not clash */
	c1 = vma("Contoso3", "eth0", "HNVSwitch", "000000000000", 6000);
	CHECK_EQ(policy_vma_add(p, &c1, &m), 0);
	c1 = vma("Contoso4", "eth0", "HNVSwitch", "000000000000", 6000);
	CHECK_EQ(policy_vma_add(p, &c1, &m), 0);
	e = mac("000000000000");
	CHECK(policy_vma_by_mac(p, 6000, &e) == NULL);
	/* remove by filter */
	struct policy_filter f = {.fields = F_VM};
	strcpy(f.vm, "CONTOSO3");
	CHECK_EQ(policy_vma_remove(p, &f), 1);
	f.fields = F_SWITCH;
	strcpy(f.sw, "hnvswitch");
	CHECK_EQ(policy_vma_remove(p, &f), 3);
	CHECK_EQ(policy_sw_remove(p, "HNVSWITCH"), 0);
	CHECK_EQ(policy_sw_remove(p, "HNVSWITCH"), -ENOENT);
	CHECK(policy_sw_find(p, "HNVSwitch") == NULL);
	policy_destroy(p);
}

/* foreach: insertion order, set keeps the position, early stop. */
struct collect {
	char out[512];
	int stop_at, n;
};

static int
collect_lr(const struct lookup_record *r, void *aux)
{
	struct collect *c = aux;
	char a[IP_ADDR_STRLEN];

	snprintf(c->out + strlen(c->out), sizeof(c->out) - strlen(c->out),
	         "%s ", ip_fmt(&r->ca, a));
	return ++c->n == c->stop_at ? 42 : 0;
}

static int
collect_cr(const struct customer_route *r, void *aux)
{
	struct collect *c = aux;
	char a[IP_ADDR_STRLEN + 4];

	snprintf(c->out + strlen(c->out), sizeof(c->out) - strlen(c->out),
	         "%s ", prefix_fmt(&r->prefix, r->plen, a));
	return 0;
}

static int
collect_pa(const struct provider_address *r, void *aux)
{
	struct collect *c = aux;
	char a[IP_ADDR_STRLEN];

	snprintf(c->out + strlen(c->out), sizeof(c->out) - strlen(c->out),
	         "%s ", ip_fmt(&r->pa, a));
	return 0;
}

static int
collect_pr(const struct provider_route *r, void *aux)
{
	struct collect *c = aux;
	char a[IP_ADDR_STRLEN];

	snprintf(c->out + strlen(c->out), sizeof(c->out) - strlen(c->out),
	         "%s ", ip_fmt(&r->nexthop, a));
	return 0;
}

static int
collect_sw(const struct vswitch *r, void *aux)
{
	struct collect *c = aux;

	snprintf(c->out + strlen(c->out), sizeof(c->out) - strlen(c->out),
	         "%s ", r->name);
	return 0;
}

static int
collect_vma(struct vm_adapter *r, void *aux)
{
	struct collect *c = aux;

	snprintf(c->out + strlen(c->out), sizeof(c->out) - strlen(c->out),
	         "%s ", r->vm);
	return 0;
}

static void
test_foreach_order(void)
{
	struct policy *p = policy_create();
	const char *cas[] = {"10.0.1.9", "10.0.1.3", "10.0.1.7", "10.0.1.1",
	                     "10.0.1.5"};
	struct collect c = {"", 0, 0};
	struct pmsg m;

	for (size_t i = 0; i < ARRAY_SIZE(cas); i++) {
		char mc[32];
		struct lookup_record r;

		snprintf(mc, sizeof(mc), "6000600001%02zu", i);
		r = lr(cas[i], 6000, mc, "192.168.0.22", LR_TYPE_STATIC);
		CHECK_EQ(policy_lr_add(p, &r, &m), 0);
	}
	CHECK_EQ(policy_lr_foreach(p, NULL, collect_lr, &c), 0);
	CHECK_STR(c.out, "10.0.1.9 10.0.1.3 10.0.1.7 10.0.1.1 10.0.1.5 ");
	/* set keeps the position; remove closes the gap */
	struct lookup_record r = lr("10.0.1.3", 6000, "600060000101",
	                            "192.168.0.99", LR_TYPE_STATIC);
	CHECK_EQ(policy_lr_set(p, &r, &m), 0);
	struct policy_filter f = {.fields = F_CA | F_VSID, .vsid = 6000};
	f.ca = ip("10.0.1.7");
	CHECK_EQ(policy_lr_remove(p, &f), 1);
	r = lr("10.0.1.7", 6000, "600060000177", "192.168.0.22",
	       LR_TYPE_STATIC);
	CHECK_EQ(policy_lr_add(p, &r, &m), 0);
	c = (struct collect){"", 3, 0};
	CHECK_EQ(policy_lr_foreach(p, NULL, collect_lr, &c), 42);
	CHECK_STR(c.out, "10.0.1.9 10.0.1.3 10.0.1.1 ");
	c = (struct collect){"", 0, 0};
	f.fields = F_PA;
	f.pa = ip("192.168.0.22");
	CHECK_EQ(policy_lr_foreach(p, &f, collect_lr, &c), 0);
	CHECK_STR(c.out, "10.0.1.9 10.0.1.1 10.0.1.5 10.0.1.7 ");

	/* the other families */
	struct customer_route crs[] = {
	    cr(RD1, 6000, "10.0.3.0/24", "0.0.0.0"),
	    cr(RD1, 6000, "10.0.1.0/24", "0.0.0.0"),
	    cr(RD1, 6001, "0.0.0.0/0", "10.0.2.2"),
	};
	for (size_t i = 0; i < ARRAY_SIZE(crs); i++)
		CHECK_EQ(policy_cr_add(p, &crs[i], &m), 0);
	c = (struct collect){"", 0, 0};
	policy_cr_foreach(p, NULL, collect_cr, &c);
	CHECK_STR(c.out, "10.0.3.0/24 10.0.1.0/24 0.0.0.0/0 ");
	struct provider_address pas[] = {pa("192.168.0.33", 24),
	                                 pa("2001:db8::1", 64),
	                                 pa("192.168.0.22", 24)};
	for (size_t i = 0; i < ARRAY_SIZE(pas); i++)
		CHECK_EQ(policy_pa_add(p, &pas[i], &m), 0);
	c = (struct collect){"", 0, 0};
	policy_pa_foreach(p, NULL, collect_pa, &c);
	CHECK_STR(c.out, "192.168.0.33 2001:db8::1 192.168.0.22 ");
	struct provider_route prs[] = {pr("10.0.0.0/8", "192.168.0.9", 0),
	                               pr("10.0.0.0/8", "192.168.0.3", 0),
	                               pr("0.0.0.0/0", "192.168.0.1", 0)};
	for (size_t i = 0; i < ARRAY_SIZE(prs); i++)
		CHECK_EQ(policy_pr_add(p, &prs[i], &m), 0);
	c = (struct collect){"", 0, 0};
	policy_pr_foreach(p, NULL, collect_pr, &c);
	CHECK_STR(c.out, "192.168.0.9 192.168.0.3 192.168.0.1 ");
	struct vswitch sws[] = {sw("b", "eth1"), sw("a", "eth0")};
	for (size_t i = 0; i < ARRAY_SIZE(sws); i++)
		CHECK_EQ(policy_sw_add(p, &sws[i], &m), 0);
	c = (struct collect){"", 0, 0};
	policy_sw_foreach(p, collect_sw, &c);
	CHECK_STR(c.out, "b a ");
	struct vm_adapter vs[] = {vma("Z", "eth0", "a", "020000000001", 0),
	                          vma("Y", "eth0", "b", "020000000002", 0),
	                          vma("X", "eth0", "a", "020000000003", 0)};
	for (size_t i = 0; i < ARRAY_SIZE(vs); i++)
		CHECK_EQ(policy_vma_add(p, &vs[i], &m), 0);
	c = (struct collect){"", 0, 0};
	policy_vma_foreach(p, NULL, collect_vma, &c);
	CHECK_STR(c.out, "Z Y X ");
	policy_destroy(p);
}

static void
test_filters(void)
{
	struct policy *p = base_policy();
	struct lookup_record r = lr("10.0.2.9", 6001, "600060000209",
	                            "192.168.0.33", LR_TYPE_DYNAMIC);
	struct policy_filter f;
	struct pmsg m;

	strcpy(r.vm_name, "Contoso9");
	CHECK_EQ(policy_lr_add(p, &r, &m), 0);
	memset(&f, 0, sizeof(f));
	/* a field lookup records lack matches nothing */
	f.fields = F_IFINDEX;
	CHECK_EQ(policy_lr_remove(p, &f), 0);
	f.fields = F_NAME;
	CHECK_EQ(policy_lr_remove(p, &f), 0);
	CHECK(!policy_lr_match(&r, &f));
	/* VM names compare case-insensitively */
	f.fields = F_VM;
	strcpy(f.vm, "CONTOSO9");
	CHECK(policy_lr_match(&r, &f));
	f.fields = F_TYPE;
	f.type = LR_TYPE_STATIC;
	CHECK(!policy_lr_match(&r, &f));
	f.type = LR_TYPE_DYNAMIC;
	CHECK(policy_lr_match(&r, &f));
	CHECK(policy_lr_match(&r, NULL));
	/* RDID through the VSID -> RDID map */
	f.fields = F_RDID;
	f.rdid = guid(RD1);
	CHECK_EQ(policy_lr_remove(p, &f), 2); /* 6000 and 6001 */
	CHECK_EQ(policy_lr_count(p), 2);
	f.rdid = guid(RD2);
	CHECK_EQ(policy_lr_remove(p, &f), 1);
	/* routes */
	struct customer_route c = cr(RD1, 6000, "10.0.1.0/24", "0.0.0.0");
	f.fields = F_NEXTHOP;
	f.nexthop = ip("::"); /* on-link, either spelling */
	CHECK(policy_cr_match(&c, &f));
	f.fields = F_PA;
	CHECK(!policy_cr_match(&c, &f));
	f.fields = F_VSID | F_RDID;
	f.vsid = 6000;
	f.rdid = guid(RD1);
	CHECK(policy_cr_match(&c, &f));
	f.vsid = 6001;
	CHECK(!policy_cr_match(&c, &f));
	struct provider_address a = pa("192.168.0.22", 24);
	a.ifindex = 4;
	f.fields = F_IFINDEX;
	f.ifindex = 4;
	CHECK(policy_pa_match(&a, &f));
	f.fields = F_VSID;
	CHECK(!policy_pa_match(&a, &f));
	struct vm_adapter v =
	    vma("Contoso1", "eth0", "HNVSwitch", "600060000101", 6000);
	f.fields = F_NAME | F_VM;
	strcpy(f.name, "eth0");
	strcpy(f.vm, "contoso1");
	CHECK(policy_vma_match(&v, &f));
	strcpy(f.name, "ETH0");
	CHECK(!policy_vma_match(&v, &f));
	policy_destroy(p);
}

static void
test_generation(void)
{
	struct policy *p = policy_create();
	struct lookup_record r = lr("10.0.1.5", 6000, "600060000105",
	                            "192.168.0.22", LR_TYPE_STATIC);
	struct customer_route c = cr(RD1, 6000, "10.0.1.0/24", "0.0.0.0");
	struct provider_address a = pa("192.168.0.22", 24);
	struct provider_route rt = pr("10.0.0.0/8", "192.168.0.1", 0);
	struct vswitch s = sw("S", "eth0");
	struct vm_adapter v = vma("V", "eth0", "S", "020000000001", 6000);
	uint64_t g = policy_generation(p);
	struct pmsg m;

#define BUMPS(expr)                                                            \
	do {                                                                   \
		CHECK((expr) >= 0);                                            \
		CHECK(policy_generation(p) > g);                               \
		g = policy_generation(p);                                      \
	} while (0)
#define SAME(expr)                                                             \
	do {                                                                   \
		(void)(expr);                                                  \
		CHECK_EQ(policy_generation(p), g);                             \
	} while (0)
	BUMPS(policy_lr_add(p, &r, &m));
	SAME(policy_lr_add(p, &r, &m));
	BUMPS(policy_lr_set(p, &r, &m));
	BUMPS(policy_cr_add(p, &c, &m));
	BUMPS(policy_cr_set(p, &c, &m));
	BUMPS(policy_pa_add(p, &a, &m));
	BUMPS(policy_pa_set(p, &a, &m));
	BUMPS(policy_pr_add(p, &rt, &m));
	BUMPS(policy_sw_add(p, &s, &m));
	BUMPS(policy_vma_add(p, &v, &m));
	BUMPS(policy_vma_set(p, &v, &m));
	struct policy_filter none = {.fields = F_VSID, .vsid = 9999};
	SAME(policy_lr_remove(p, &none));
	SAME(policy_cr_remove(p, &none));
	SAME(policy_vma_remove(p, &none));
	SAME(policy_sw_remove(p, "nope"));
	BUMPS(policy_lr_remove(p, NULL));
	BUMPS(policy_cr_remove(p, NULL));
	BUMPS(policy_pa_remove(p, NULL));
	BUMPS(policy_pr_remove(p, NULL));
	BUMPS(policy_vma_remove(p, NULL));
	BUMPS(policy_sw_remove(p, "s"));
	BUMPS((policy_clear(p), 0));
#undef BUMPS
#undef SAME
	policy_destroy(p);
	policy_destroy(NULL);
}

static void
test_clear(void)
{
	struct policy *p = policy_create();
	struct pmsg w;
	struct in6_addr a = ip("10.0.1.101");

	CHECK_EQ(load_book(p, 1, "192.168.0.11", &w), 0);
	policy_clear(p);
	CHECK_EQ(policy_lr_count(p), 0);
	CHECK(policy_lr_by_ca(p, 6000, &a) == NULL);
	CHECK(!policy_vsid_rdid(p, 6000, NULL));
	CHECK(policy_sw_find(p, "HNVSwitch") == NULL);
	CHECK(policy_pa_first(p, &a) == NULL);
	/* and it loads again */
	CHECK_EQ(load_book(p, 1, "192.168.0.11", &w), 0);
	CHECK(policy_lr_by_ca(p, 6000, &a) != NULL);
	policy_destroy(p);
}

/*
 * The random differential test.  Fixed routes give VSIDs 5000 and 5001
 * RDID A, 5002 RDID B; 5003 and 5004 have none (their own domains).  The
 * oracle keeps records in an array in insertion order and re-implements
 * the key and uniqueness rules with linear scans.
 */
#define NV 5
static const uint32_t rvsids[NV] = {5000, 5001, 5002, 5003, 5004};
static int rdom_of[NV]; /* 1: RD1, 2: RD2, 0: none (its own domain) */

struct orc {
	struct lookup_record r[512];
	int n;
};

static uint64_t rng_state;

static uint32_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static int
dom(uint32_t vsid)
{
	for (int i = 0; i < NV; i++)
		if (rvsids[i] == vsid)
			return rdom_of[i] ? rdom_of[i] : -1 - i;
	abort();
}

static bool
o_has_ca_key(const struct lookup_record *r)
{
	return r->type != LR_TYPE_L2ONLY;
}

static bool
o_key_eq(const struct lookup_record *a, const struct lookup_record *b)
{
	if (a->vsid != b->vsid || o_has_ca_key(a) != o_has_ca_key(b))
		return false;
	if (o_has_ca_key(a))
		return ip_equal(&a->ca, &b->ca);
	return eth_equal(&a->mac, &b->mac);
}

static bool
o_may_share(const struct lookup_record *a, const struct lookup_record *b)
{
	if (!ip_equal(&a->pa, &b->pa))
		return false;
	if ((a->type == LR_TYPE_L2ONLY && b->type == LR_TYPE_DYNAMIC) ||
	    (b->type == LR_TYPE_L2ONLY && a->type == LR_TYPE_DYNAMIC))
		return true;
	return a->type == LR_TYPE_GW_WILDCARD || b->type == LR_TYPE_GW_WILDCARD;
}

/* Expected result of adding 'r' (self < 0) or setting it (self = the
 * index of the record it replaces). */
static int
o_check(const struct orc *o, const struct lookup_record *r, int self)
{
	for (int i = 0; i < o->n; i++) {
		const struct lookup_record *q = &o->r[i];

		if (i == self)
			continue;
		if (o_key_eq(q, r))
			return -EEXIST;
	}
	for (int i = 0; i < o->n; i++) {
		const struct lookup_record *q = &o->r[i];

		if (i == self || dom(q->vsid) != dom(r->vsid))
			continue;
		if (o_has_ca_key(r) && o_has_ca_key(q) &&
		    ip_equal(&q->ca, &r->ca))
			return -EINVAL;
		if (eth_equal(&q->mac, &r->mac) && !o_may_share(r, q))
			return -EINVAL;
		if (r->type != LR_TYPE_L2ONLY && q->type != LR_TYPE_L2ONLY &&
		    ip_is_v4(&q->ca) != ip_is_v4(&r->ca))
			return -EINVAL;
	}
	return 0;
}

/* Expected result of giving VSID index 'v' a route in routing domain
 * 'rd': its records must not clash with the domain's (rules 3 and 4). */
static int
o_check_join(const struct orc *o, int v, int rd)
{
	for (int i = 0; i < o->n; i++) {
		const struct lookup_record *r = &o->r[i];

		if (r->vsid != rvsids[v])
			continue;
		for (int j = 0; j < o->n; j++) {
			const struct lookup_record *q = &o->r[j];

			if (q->vsid == rvsids[v] || dom(q->vsid) != rd)
				continue;
			if (o_has_ca_key(r) && o_has_ca_key(q) &&
			    ip_equal(&q->ca, &r->ca))
				return -EINVAL;
			if (eth_equal(&q->mac, &r->mac) && !o_may_share(r, q))
				return -EINVAL;
			if (r->type != LR_TYPE_L2ONLY &&
			    q->type != LR_TYPE_L2ONLY &&
			    ip_is_v4(&q->ca) != ip_is_v4(&r->ca))
				return -EINVAL;
		}
	}
	return 0;
}

static int
o_find_key(const struct orc *o, const struct lookup_record *r)
{
	for (int i = 0; i < o->n; i++)
		if (o_key_eq(&o->r[i], r))
			return i;
	return -1;
}

static void
o_remove(struct orc *o, int i)
{
	memmove(&o->r[i], &o->r[i + 1],
	        (size_t)(o->n - i - 1) * sizeof(o->r[0]));
	o->n--;
}

static void
random_record(struct lookup_record *r)
{
	static const char *const pas[] = {"192.168.0.1", "192.168.0.2",
	                                  "2001:db8::3"};
	uint32_t t = rng() % 100;
	char buf[64];

	memset(r, 0, sizeof(*r));
	r->vsid = rvsids[rng() % NV];
	r->type = t < 55   ? LR_TYPE_STATIC
	          : t < 80 ? LR_TYPE_DYNAMIC
	          : t < 95 ? LR_TYPE_L2ONLY
	                   : LR_TYPE_GW_WILDCARD;
	if (r->type == LR_TYPE_L2ONLY) {
		r->ca = ip("0.0.0.0");
	} else if (r->type == LR_TYPE_GW_WILDCARD) {
		r->ca = ip(rng() % 4 ? "0.0.0.0" : "::");
	} else if (rng() % 10 == 0) {
		snprintf(buf, sizeof(buf), "2001:db8:1::%u", rng() % 4 + 1);
		r->ca = ip(buf);
	} else {
		snprintf(buf, sizeof(buf), "10.0.0.%u", rng() % 24 + 1);
		r->ca = ip(buf);
	}
	snprintf(buf, sizeof(buf), "02:00:00:00:00:%02x", rng() % 16 + 1);
	r->mac = mac(buf);
	r->pa = ip(pas[rng() % 3]);
	r->rule = (enum lr_rule)(rng() % 3);
	r->use_vm_mac = rng() % 2;
}

static int
o_rank(const struct lookup_record *r)
{
	if (r->type == LR_TYPE_L2ONLY)
		return 0;
	return r->type == LR_TYPE_GW_WILDCARD ? 1 : 2;
}

struct walk {
	const struct orc *o;
	int i, bad;
};

static int
walk_cb(const struct lookup_record *r, void *aux)
{
	struct walk *w = aux;

	if (w->i >= w->o->n || memcmp(r, &w->o->r[w->i], sizeof(*r)))
		w->bad++;
	w->i++;
	return 0;
}

/* The writers' view (count, foreach) against 'o' (unless NULL: halfway
 * through a rollback), the readers' (the lookups the data path uses)
 * against 'ro' (they differ in a stage). */
static long
o_compare2(const struct policy *p, const struct orc *o, const struct orc *ro)
{
	struct walk w = {o, 0, 0};
	long bad = 0;

	if (o) {
		bad += policy_lr_count(p) != (size_t)o->n;
		policy_lr_foreach(p, NULL, walk_cb, &w);
		bad += w.bad + (w.i != o->n);
	}
	o = ro;
	/* probe every key of the pools, both indexes */
	for (int v = 0; v < NV; v++) {
		for (int k = 1; k <= 24 + 4 + 2; k++) {
			char buf[64];
			struct in6_addr ca;
			const struct lookup_record *want = NULL, *got;

			if (k <= 24)
				snprintf(buf, sizeof(buf), "10.0.0.%d", k);
			else if (k <= 28)
				snprintf(buf, sizeof(buf), "2001:db8:1::%d",
				         k - 24);
			else
				snprintf(buf, sizeof(buf), "%s",
				         k == 29 ? "0.0.0.0" : "::");
			ca = ip(buf);
			for (int i = 0; i < o->n; i++)
				if (o->r[i].vsid == rvsids[v] &&
				    o_has_ca_key(&o->r[i]) &&
				    ip_equal(&o->r[i].ca, &ca))
					want = &o->r[i];
			got = policy_lr_by_ca(p, rvsids[v], &ca);
			bad += !want != !got ||
			       (want && memcmp(want, got, sizeof(*got)));
		}
		for (int k = 1; k <= 16; k++) {
			char buf[32];
			struct eth_addr e;
			const struct lookup_record *want = NULL, *got;

			snprintf(buf, sizeof(buf), "02:00:00:00:00:%02x", k);
			e = mac(buf);
			for (int i = 0; i < o->n; i++)
				if (o->r[i].vsid == rvsids[v] &&
				    eth_equal(&o->r[i].mac, &e) &&
				    (!want || o_rank(&o->r[i]) > o_rank(want)))
					want = &o->r[i];
			got = policy_lr_by_mac(p, rvsids[v], &e);
			bad += !want != !got ||
			       (want && memcmp(want, got, sizeof(*got)));
		}
	}
	return bad;
}

static long
o_compare(const struct policy *p, const struct orc *o)
{
	return o_compare2(p, o, o);
}

/* A store fed by policy_lr_finalize_step(): records by seq. */
struct fstore {
	uint64_t seq[2048];
	struct lookup_record r[2048];
	int n;
	long bad;
};

static void
fstore_cb(enum policy_lr_change ch, uint64_t seq, const struct lookup_record *r,
          void *aux)
{
	struct fstore *st = aux;
	int i;

	for (i = 0; i < st->n && st->seq[i] != seq; i++)
		;
	if (ch == POLICY_LR_DEL) {
		if (i == st->n) {
			st->bad++; /* deleting what the store lacks */
			return;
		}
		memmove(&st->seq[i], &st->seq[i + 1],
		        (size_t)(st->n - i - 1) * sizeof(st->seq[0]));
		memmove(&st->r[i], &st->r[i + 1],
		        (size_t)(st->n - i - 1) * sizeof(st->r[0]));
		st->n--;
		return;
	}
	if (i < st->n) {
		st->bad++; /* a PUT over a live row: missing DEL */
		return;
	}
	/* keep the store sorted by seq */
	for (i = st->n; i > 0 && st->seq[i - 1] > seq; i--) {
		st->seq[i] = st->seq[i - 1];
		st->r[i] = st->r[i - 1];
	}
	st->seq[i] = seq;
	st->r[i] = *r;
	st->n++;
}

struct seqwalk {
	const struct fstore *st;
	int i, bad;
};

static int
seqwalk_cb(const struct lookup_record *r, void *aux)
{
	struct seqwalk *w = aux;

	if (w->i >= w->st->n || w->st->seq[w->i] != policy_lr_seq(r) ||
	    memcmp(r, &w->st->r[w->i], sizeof(*r)))
		w->bad++;
	w->i++;
	return 0;
}

/* The store holds exactly the policy's records, with their seqs. */
static long
fstore_compare(const struct policy *p, const struct fstore *st)
{
	struct seqwalk w = {st, 0, 0};

	policy_lr_foreach(p, NULL, seqwalk_cb, &w);
	return w.bad + (w.i != st->n) + st->bad;
}

/*
 * With 'staged', every lookup record change happens in a stage of 1 to
 * 40 changes, which commits (then finalizes into a store) or rolls back;
 * throughout, readers must see the records as they were before the
 * stage, writers as they are; after a rollback, the old records; after a
 * finalize, the store must equal the policy.
 */
static void
run_random(uint64_t seed, int ops, bool staged)
{
	static struct orc snap;
	static struct fstore fst;
	int stage_left = 0;
	long commits = 0, rollbacks = 0;

	struct policy *p = policy_create();
	struct orc *o = calloc(1, sizeof(*o));
	static const char *const rds[] = {"", RD1, RD2};
	long bad = 0, accepted = 0, rejected = 0, joins = 0;
	struct pmsg m;

	rng_state = seed;
	/* start with 5000, 5001 in RD1 and 5002 in RD2 */
	for (int v = 0; v < NV; v++) {
		char pfx[32];
		struct customer_route c;

		rdom_of[v] = v < 2 ? 1 : v == 2 ? 2 : 0;
		if (!rdom_of[v])
			continue;
		snprintf(pfx, sizeof(pfx), "10.%d.0.0/16", v);
		c = cr(rds[rdom_of[v]], rvsids[v], pfx, "0.0.0.0");
		CHECK_EQ(policy_cr_add(p, &c, &m), 0);
	}
	memset(&fst, 0, sizeof(fst));
	for (int op = 0; op < ops; op++) {
		uint32_t what = rng() % 100;
		struct lookup_record r;
		int want, got;

		random_record(&r);
		if (staged && !stage_left && rng() % 5 == 0)
			what = rng() % 4;
		if (staged && !stage_left && what >= 4) {
			CHECK_EQ(policy_lr_begin(p), 0);
			CHECK_EQ(policy_lr_begin(p), -EBUSY);
			snap = *o;
			stage_left = (int)(rng() % 40) + 1;
		}
		if (what < 4 && stage_left) {
			/* routes change outside stages: do another op */
			what = 4 + rng() % 96;
		}
		if (what < 4) {
			/* a VSID leaves its routing domain, or joins one */
			int v = (int)(rng() % NV), rd = (int)(rng() % 2) + 1;
			struct policy_filter f = {.fields = F_VSID};
			char pfx[32];
			struct customer_route c;

			snprintf(pfx, sizeof(pfx), "10.%d.0.0/16", v);
			c = cr(rds[rd], rvsids[v], pfx, "0.0.0.0");
			if (rdom_of[v]) {
				f.vsid = rvsids[v];
				got = policy_cr_remove(p, &f) == 1 ? 0 : -1;
				bad += got != 0;
				rdom_of[v] = 0;
			} else {
				want = o_check_join(o, v, rd);
				got = policy_cr_add(p, &c, &m);
				if (want != got)
					fprintf(stderr,
					        "op %d join: want %d got %d "
					        "(%s)\n",
					        op, want, got, m.err);
				bad += want != got;
				if (!got)
					rdom_of[v] = rd;
				joins++;
			}
		} else if (what < 45 && o->n < 500) {
			want = o_check(o, &r, -1);
			got = policy_lr_add(p, &r, &m);
			if (want != got)
				fprintf(stderr,
				        "op %d add: want %d got %d (%s)\n", op,
				        want, got, m.err);
			bad += want != got;
			if (!got)
				o->r[o->n++] = r;
		} else if (what < 65) {
			/* set: usually aim at an existing key */
			if (o->n && rng() % 4) {
				const struct lookup_record *t =
				    &o->r[rng() % (uint32_t)o->n];

				r.vsid = t->vsid;
				r.type = t->type;
				r.ca = t->ca;
				if (t->type == LR_TYPE_L2ONLY || rng() % 2)
					r.mac = t->mac;
			}
			int idx = o_find_key(o, &r);

			want = idx < 0 ? -ENOENT : o_check(o, &r, idx);
			got = policy_lr_set(p, &r, &m);
			if (want != got)
				fprintf(stderr,
				        "op %d set: want %d got %d (%s)\n", op,
				        want, got, m.err);
			bad += want != got;
			if (!got)
				o->r[idx] = r;
		} else {
			struct policy_filter f;
			int n = 0;

			memset(&f, 0, sizeof(f));
			f.vsid = r.vsid;
			f.ca = r.ca;
			f.mac = r.mac;
			f.pa = r.pa;
			f.type = r.type;
			if (what < 78)
				f.fields = F_VSID | F_CA;
			else if (what < 90)
				f.fields = F_VSID | F_MAC;
			else if (what < 97)
				f.fields = F_PA | F_TYPE;
			else
				f.fields = F_VSID;
			for (int i = 0; i < o->n;) {
				if (policy_lr_match(&o->r[i], &f)) {
					o_remove(o, i);
					n++;
				} else {
					i++;
				}
			}
			got = policy_lr_remove(p, &f);
			if (got != n)
				fprintf(stderr,
				        "op %d remove: want %d got %d\n", op, n,
				        got);
			bad += got != n;
		}
		if (got == 0)
			accepted++;
		else
			rejected++;
		if (stage_left && op % 4 == 0) {
			long b2 = o_compare2(p, o, &snap);

			if (b2)
				fprintf(stderr, "op %d: views differ (%ld)\n",
				        op, b2);
			bad += b2;
		} else if (op % 16 == 0)
			bad += o_compare(p, o);
		if (stage_left && (--stage_left == 0 || op == ops - 1)) {
			stage_left = 0;
			if (rng() % 5) {
				policy_lr_commit(p);
				bad += o_compare(p, o);
				while (policy_lr_finalize_step(p, rng() % 7 + 1,
				                               fstore_cb, &fst))
					bad += o_compare(p, o);
				{
					long fb = fstore_compare(p, &fst);

					if (fb)
						fprintf(stderr,
						        "op %d: store differs "
						        "(%ld)\n",
						        op, fb);
					bad += fb;
				}
				commits++;
			} else {
				while (
				    policy_lr_rollback_step(p, rng() % 7 + 1))
					bad += o_compare2(p, NULL, &snap);
				*o = snap;
				rollbacks++;
			}
			bad += o_compare(p, o);
			CHECK(!policy_lr_in_stage(p));
		}
	}
	bad += o_compare(p, o);
	CHECK_EQ(bad, 0);
	if (staged) {
		CHECK(commits > 10);
		CHECK(rollbacks > 3);
	}
	CHECK(joins > ops / (staged ? 400 : 100));
	/* both outcomes were exercised */
	CHECK(accepted > ops / 10);
	CHECK(rejected > ops / 10);
	policy_destroy(p);
	free(o);
}

static void
test_lr_random(void)
{
	for (uint64_t seed = 1; seed <= 6; seed++)
		run_random(seed * 0x9e3779b97f4a7c15ull, 6000, false);
}

static void
test_lr_random_staged(void)
{
	for (uint64_t seed = 1; seed <= 6; seed++)
		run_random(seed * 0x2545f4914f6cdd1dull, 6000, true);
}

/* ---- walks: pages resumed by cursor while the policy changes ---- */

struct page {
	uint64_t seqs[64];
	int n, limit;
};

static int
page_cb(const struct lookup_record *r, void *aux)
{
	struct page *pg = aux;

	pg->seqs[pg->n++] = policy_lr_seq(r);
	return pg->n >= pg->limit;
}

static struct lookup_record
walk_rec(int i)
{
	char ca[32], mc[32];
	struct lookup_record r;

	snprintf(ca, sizeof(ca), "10.%d.%d.%d", i % 3, i / 250 % 250,
	         i % 250 + 2);
	snprintf(mc, sizeof(mc), "02:00:00:%02x:%02x:%02x", i % 3, i >> 8 & 255,
	         i & 255);
	r = lr(ca, 7000 + (uint32_t)(i % 3), mc, "192.168.0.5", LR_TYPE_STATIC);
	return r;
}

/*
 * Paging by cursor, each page a fresh walk from the previous page's
 * cursor, while records are removed (the cursor's own record too) and
 * added between pages:
 *  1. every record present from the first page to the last is returned
 *     exactly once; nothing is returned twice; seqs only grow;
 *  2. a VSID filter walks only that VSID's records;
 *  3. a (VSID, CA) filter visits one record;
 *  4. a bad cursor is an error naming the field.
 */
static void
test_lr_walk_pages(void)
{
	struct policy *p = policy_create();
	static uint8_t present[4000], seen[4000]; /* by i */
	static int by_seq[8000];                  /* seq -> i */
	struct policy_filter fv = {.fields = F_VSID, .vsid = 7001};
	struct pmsg m;
	int next_i = 0, dup = 0, missed = 0, wrong_vsid = 0, pages = 0;

	rng_state = 77;
	for (; next_i < 1500; next_i++) {
		struct lookup_record r = walk_rec(next_i);

		CHECK_EQ(policy_lr_add(p, &r, &m), 0);
		by_seq[policy_lr_seq(policy_lr_by_ca(p, r.vsid, &r.ca))] =
		    next_i;
		present[next_i] = 1;
	}
	for (int pass = 0; pass < 2; pass++) {
		const struct policy_filter *f = pass ? &fv : NULL;
		static uint8_t always[4000];
		char cursor[POLICY_LR_CURSOR_LEN] = "";
		uint64_t last = 0;

		memset(seen, 0, sizeof(seen));
		memcpy(always, present, sizeof(always));
		for (;;) {
			struct policy_lr_walk w;
			struct page pg = {.limit = (int)(rng() % 40) + 1};

			CHECK_EQ(policy_lr_walk_init(&w, f, cursor, &m), 0);
			while (!w.done && pg.n < pg.limit)
				policy_lr_walk_step(p, &w, 13, page_cb, &pg);
			pages++;
			for (int k = 0; k < pg.n; k++) {
				int i = by_seq[pg.seqs[k]];

				dup += seen[i]++ > 0;
				dup += pg.seqs[k] <= last;
				last = pg.seqs[k];
				wrong_vsid += pass && i % 3 != 1;
			}
			if (w.done)
				break;
			policy_lr_walk_cursor(&w, cursor);
			/* Change things between pages: remove the
			 * cursor's record sometimes, others, add some. */
			for (int c = 0; c < 6; c++) {
				int i = rng() % 3 == 0 && pg.n
				            ? by_seq[pg.seqs[pg.n - 1]]
				            : (int)(rng() % (uint32_t)next_i);
				struct lookup_record r = walk_rec(i);
				struct policy_filter rf = {.fields =
				                               F_VSID | F_CA,
				                           .vsid = r.vsid,
				                           .ca = r.ca};

				if (present[i] &&
				    policy_lr_remove(p, &rf) == 1) {
					present[i] = 0;
					always[i] = 0;
				}
			}
			if (next_i < 4000) {
				struct lookup_record r = walk_rec(next_i);

				CHECK_EQ(policy_lr_add(p, &r, &m), 0);
				by_seq[policy_lr_seq(policy_lr_by_ca(
				    p, r.vsid, &r.ca))] = next_i;
				present[next_i++] = 1;
			}
		}
		for (int i = 0; i < 4000; i++)
			if (always[i] && !seen[i] && (!pass || i % 3 == 1))
				missed++;
	}
	CHECK_EQ(dup, 0);
	CHECK_EQ(missed, 0);
	CHECK_EQ(wrong_vsid, 0);
	CHECK(pages > 50);
	/* a VSID walk visits that VSID's records only */
	{
		struct policy_lr_walk w;
		struct page pg = {.limit = 1 << 30};
		long in_v = 0;
		size_t v = 0;

		for (int i = 0; i < next_i; i++)
			in_v += present[i] && i % 3 == 1;
		CHECK_EQ(policy_lr_walk_init(&w, &fv, NULL, &m), 0);
		while (!w.done) {
			pg.n = 0;
			v += policy_lr_walk_step(p, &w, 50, page_cb, &pg);
		}
		CHECK_EQ(v, in_v);
		CHECK(in_v < (long)policy_lr_count(p) / 2);
	}

	/* one record by its key */
	{
		struct lookup_record r = walk_rec(next_i - 1);
		struct policy_filter fk = {
		    .fields = F_VSID | F_CA, .vsid = r.vsid, .ca = r.ca};
		struct policy_lr_walk w;
		struct page pg = {.limit = 64};

		CHECK_EQ(policy_lr_walk_init(&w, &fk, NULL, &m), 0);
		CHECK_EQ(policy_lr_walk_step(p, &w, 1000, page_cb, &pg), 1);
		CHECK(w.done);
		CHECK_EQ(pg.n, 1);
	}
	{
		struct policy_lr_walk w;

		CHECK_EQ(policy_lr_walk_init(&w, NULL, "12/x", &m), -EINVAL);
		CHECK(strstr(m.err, "'after'") && strstr(m.err, "12/x"));
		CHECK_EQ(policy_lr_walk_init(&w, NULL, "5/7000/l2/zz", &m),
		         -EINVAL);
		CHECK_EQ(policy_lr_walk_init(&w, NULL,
		                             "5/7000/l2/02:00:00:00:00:01", &m),
		         0);
	}
	policy_destroy(p);
}

const struct test_case tests[] = {
    TEST(test_names),
    TEST(test_book_setup),
    TEST(test_warn_gateway_pa),
    TEST(test_warn_multicast_pa_mac),
    TEST(test_warn_ip_rewrite),
    TEST(test_warn_unreachable_pa),
    TEST(test_lr_validation),
    TEST(test_lr_l2only),
    TEST(test_lr_set),
    TEST(test_cr_validation),
    TEST(test_cr_join),
    TEST(test_cr_set_remove),
    TEST(test_gateway_ca),
    TEST(test_cr_lookup),
    TEST(test_lr_gateway),
    TEST(test_provider),
    TEST(test_switch_adapter),
    TEST(test_foreach_order),
    TEST(test_filters),
    TEST(test_generation),
    TEST(test_clear),
    TEST(test_lr_random),
    TEST(test_lr_random_staged),
    TEST(test_lr_walk_pages),
    {0}, /* one per line */
};
