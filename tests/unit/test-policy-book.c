/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-policy-book: the book's simple setup (DESIGN.md section 7) loaded
 * on each of its three hosts, and the policy's warnings: 6 (the seed's
 * GWHost record pointing at Host2), 7 (an unreachable PA), IP Rewrite
 * records, gateway PAs; clearing the loaded policy and loading it again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "lib/util.h"
#include "policy/policy.h"
#include "tests/unit/harness.h"
#include "tests/unit/policy-build.h"

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

/* IP Rewrite records: accepted without a warning; each CA needs a PA of
 * its own and of its family. */
static void
test_ip_rewrite_rules(void)
{
	struct policy *p = policy_create();
	struct lookup_record r = lr("10.0.1.5", 6000, "600060000105",
	                            "192.168.0.105", LR_TYPE_STATIC);
	struct in6_addr pa;
	struct pmsg m;

	memset(&m, 0, sizeof(m));
	r.rule = LR_RULE_NAT;
	CHECK_EQ(policy_lr_add(p, &r, &m), 0);
	CHECK_EQ(m.n_warn, 0);
	ip_parse("192.168.0.105", &pa);
	CHECK(policy_lr_nat_by_pa(p, &pa) != NULL);
	/* Another CA on the same PA. */
	r = lr("10.0.1.6", 6000, "600060000106", "192.168.0.105",
	       LR_TYPE_STATIC);
	r.rule = LR_RULE_NAT;
	CHECK_EQ(policy_lr_add(p, &r, &m), -EEXIST);
	CHECK(strstr(m.err, "192.168.0.105") != NULL);
	CHECK(strstr(m.err, "10.0.1.5") != NULL);
	/* ... fine when encapsulated (one PA serves many CAs). */
	r.rule = LR_RULE_ENCAP;
	CHECK_EQ(policy_lr_add(p, &r, &m), 0);
	/* An IPv4 CA cannot be rewritten into an IPv6 PA. */
	r = lr("10.0.1.7", 6000, "600060000107", "fd99::7", LR_TYPE_STATIC);
	r.rule = LR_RULE_NAT;
	CHECK_EQ(policy_lr_add(p, &r, &m), -EINVAL);
	CHECK(strstr(m.err, "one family") != NULL);
	/* Removing the record frees its PA. */
	{
		struct policy_filter f = {.fields = F_CA | F_VSID};

		ip_parse("10.0.1.5", &f.ca);
		f.vsid = 6000;
		CHECK_EQ(policy_lr_remove(p, &f), 1);
	}
	CHECK(policy_lr_nat_by_pa(p, &pa) == NULL);
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

const struct test_case tests[] = {
    TEST(test_book_setup),
    TEST(test_warn_gateway_pa),
    TEST(test_warn_multicast_pa_mac),
    TEST(test_ip_rewrite_rules),
    TEST(test_warn_unreachable_pa),
    TEST(test_clear),
    {0}, /* one per line */
};
