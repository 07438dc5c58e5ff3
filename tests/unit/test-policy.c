/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-policy: the policy tables' rules.  Every validation rule with
 * table-driven good and bad cases whose error text must name the field and
 * the value; L2Only and Dynamic records, set and remove; customer routes
 * and routing domains; gateway CAs and records; provider state; switches
 * and adapters; the names of rules and types.  The other policy tests:
 * test-policy-book (the book's setup, warnings, clear), test-policy-tables
 * (foreach, filters, generations) and test-policy-random (lookup records
 * against an oracle).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "lib/util.h"
#include "policy/policy.h"
#include "tests/unit/harness.h"
#include "tests/unit/policy-build.h"

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

const struct test_case tests[] = {
    TEST(test_names),
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
    {0}, /* one per line */
};
