/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-policy-tables: walking and versioning the policy tables: foreach
 * order (insertion order, set keeps the position, early stop) for every
 * table, the filters (policy_*_match), and the generation counter (bumped
 * by every change, not by a refused add or a remove that matches nothing).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "lib/util.h"
#include "policy/policy.h"
#include "tests/unit/harness.h"
#include "tests/unit/policy-build.h"

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

const struct test_case tests[] = {
    TEST(test_foreach_order),
    TEST(test_filters),
    TEST(test_generation),
    {0}, /* one per line */
};
