/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-pipeline-learn: flow F4 (DESIGN.md section 3) on the in-memory host
 * of tests/unit/pl-env.h.  Contoso4 (MAC 60:00:60:00:02:04) lives on Host2
 * (PA .33) with an L2Only record: its address is not known; Learner
 * (60:00:60:00:01:05) is a local VM with an L2Only record.
 *  - an ARP request for an address no record names is broadcast locally
 *    and sent as unicast NVGRE to each other PA with an L2Only record of
 *    the VSID, never to another VSID's;
 *  - an ARP arriving by tunnel from an L2Only MAC behind its PA is
 *    delivered and its sender queued as a learnt CA; from another PA, or
 *    from a MAC without an L2Only record, it is dropped and not learnt;
 *  - a local L2Only VM's ARP is learnt; an address another record owns is
 *    not (the port drops it as spoofed);
 *  - once the learnt Dynamic record is in the policy, the ARP is answered
 *    from it and nothing floods.
 */
#include "tests/unit/pl-env.h"

#define C4_MAC "60:00:60:00:02:04"
#define LEARNER_MAC "60:00:60:00:01:05"
#define C1_MAC "60:00:60:00:01:01"

struct lenv {
	struct env e;
	struct io_port *lio;
	struct vm_adapter *lvma;
};

static void
lenv_init(struct lenv *l)
{
	struct lookup_record r = {0};
	struct pmsg m = {0};

	env_init(&l->e);
	r.vsid = 6000;
	r.mac = mac(C4_MAC);
	r.pa = ip("192.168.0.33");
	r.type = LR_TYPE_L2ONLY;
	CHECK_EQ(policy_lr_add(l->e.pol, &r, &m), 0);
	r.mac = mac(LEARNER_MAC);
	r.pa = ip("192.168.0.22");
	CHECK_EQ(policy_lr_add(l->e.pol, &r, &m), 0);
	l->lvma = add_vm(&l->e, "Learner", LEARNER_MAC, 6000, &l->lio);
	resolve_host2(&l->e);
	while (!quiet(l->e.up))
		;
}

static void
lenv_uninit(struct lenv *l)
{
	io_destroy(l->lio);
	env_uninit(&l->e);
}

static size_t
arp_reply(uint8_t *f, const char *smac, const char *sip, const char *dmac,
          const char *dip)
{
	struct eth_addr s = mac(smac), d = mac(dmac);
	struct in6_addr a = ip(sip), b = ip(dip);

	return build_arp(f, 128, &d, &s, 0, 2, &s, &a, &d, &b);
}

static size_t
learnt(struct lenv *l, struct pl_learnt *q, size_t max)
{
	return pipeline_learnt_take(l->e.pl, q, max);
}

static void
test_flood_to_l2only_pas(void)
{
	struct lenv l;
	struct pkt_info pi, inner;
	uint8_t f[256];

	lenv_init(&l);
	inject(&l.e, l.e.c1, l.e.v_c1->port, f,
	       arp_req(f, C1_MAC, "10.0.1.101", "10.0.1.50"));
	/* local broadcast: Contoso2 and Learner */
	CHECK(!quiet(l.e.c2));
	CHECK(!quiet(l.lio));
	/* one unicast NVGRE copy, to Host2's PA */
	CHECK(take(l.e.up, out, &pi) > 0);
	CHECK_EQ(pi.l4_proto, IPPROTO_GRE);
	{
		struct in6_addr h2 = ip("192.168.0.33");
		CHECK(ip_equal(&pi.ip_dst, &h2));
	}
	CHECK_EQ(pi.gre_key >> 8, 6000);
	CHECK_EQ(
	    pkt_parse(out + pi.inner_ofs, pi.ip_end - pi.inner_ofs, &inner), 0);
	CHECK_EQ(inner.ethertype, 0x0806);
	CHECK_EQ(inner.arp_op, 1);
	CHECK(quiet(l.e.up));
	CHECK_EQ(events(&l.e, PLEV_ARP_FLOODED), 1);
	/* a CA with a record is answered here: no flood */
	inject(&l.e, l.e.c1, l.e.v_c1->port, f,
	       arp_req(f, C1_MAC, "10.0.1.101", "10.0.1.103"));
	CHECK(!quiet(l.e.c1));
	CHECK(quiet(l.e.up));
	CHECK_EQ(events(&l.e, PLEV_ARP_FLOODED), 1);
	/* another routing domain has no L2Only record: no flood there */
	inject(&l.e, l.e.red, l.e.v_red->port, f,
	       arp_req(f, "70:00:70:00:01:01", "10.0.1.101", "10.0.1.50"));
	CHECK(quiet(l.e.up));
	CHECK_EQ(events(&l.e, PLEV_ARP_FLOODED), 1);
	lenv_uninit(&l);
}

static void
test_learn_from_tunnel(void)
{
	struct lenv l;
	struct pl_learnt q[8];
	uint8_t in[128], f[256];
	size_t n;

	lenv_init(&l);
	/* Contoso4 answers Contoso1 from Host2 */
	n = arp_reply(in, C4_MAC, "10.0.1.50", C1_MAC, "10.0.1.101");
	inject(&l.e, l.e.up, 0, f, nvgre(f, 6000, "192.168.0.33", in, n));
	CHECK(!quiet(l.e.c1));
	CHECK_EQ(learnt(&l, q, 8), 1);
	CHECK_EQ(q[0].vsid, 6000);
	{
		struct in6_addr ca = ip("10.0.1.50"), pa = ip("192.168.0.33");
		struct eth_addr m = mac(C4_MAC);
		CHECK(ip_equal(&q[0].ca, &ca));
		CHECK(ip_equal(&q[0].pa, &pa));
		CHECK(eth_equal(&q[0].mac, &m));
	}
	/* the same from another PA: not its MAC's PA */
	n = arp_reply(in, C4_MAC, "10.0.1.51", C1_MAC, "10.0.1.101");
	inject(&l.e, l.e.up, 0, f, nvgre(f, 6000, "192.168.0.44", in, n));
	CHECK(quiet(l.e.c1));
	CHECK_EQ(learnt(&l, q, 8), 0);
	CHECK_EQ(drops(&l.e, DROP_SRC_PA_MISMATCH), 1);
	/* a MAC without an L2Only record may not bring a new address */
	n = arp_reply(in, "60:00:60:00:02:03", "10.0.1.52", C1_MAC,
	              "10.0.1.101");
	inject(&l.e, l.e.up, 0, f, nvgre(f, 6000, "192.168.0.33", in, n));
	CHECK(quiet(l.e.c1));
	CHECK_EQ(learnt(&l, q, 8), 0);
	CHECK_EQ(drops(&l.e, DROP_SRC_PA_MISMATCH), 2);
	/* nor claim an address another record owns (Contoso2's) */
	n = arp_reply(in, C4_MAC, "10.0.1.102", C1_MAC, "10.0.1.101");
	inject(&l.e, l.e.up, 0, f, nvgre(f, 6000, "192.168.0.33", in, n));
	CHECK(quiet(l.e.c1));
	CHECK_EQ(learnt(&l, q, 8), 0);
	lenv_uninit(&l);
}

static void
test_learn_local_and_then_answer(void)
{
	struct lenv l;
	struct pl_learnt q[8];
	uint8_t f[256];

	lenv_init(&l);
	/* Learner asks for Contoso1, sending from its (unknown) 10.0.1.60 */
	inject(&l.e, l.lio, l.lvma->port, f,
	       arp_req(f, LEARNER_MAC, "10.0.1.60", "10.0.1.101"));
	CHECK_EQ(learnt(&l, q, 8), 1);
	{
		struct in6_addr ca = ip("10.0.1.60"), pa = ip("192.168.0.22");
		CHECK(ip_equal(&q[0].ca, &ca));
		CHECK(ip_equal(&q[0].pa, &pa));
	}
	while (!quiet(l.lio))
		;
	/* an address Contoso2's record owns: dropped, not learnt */
	inject(&l.e, l.lio, l.lvma->port, f,
	       arp_req(f, LEARNER_MAC, "10.0.1.102", "10.0.1.101"));
	CHECK_EQ(learnt(&l, q, 8), 0);
	CHECK_EQ(drops(&l.e, DROP_SPOOFED_SRC_IP), 1);
	/* the agent adds the Dynamic record of Contoso4's learnt address:
	 * Contoso1's ARP for it is answered here, nothing floods */
	CHECK_EQ(add_lr_full(l.e.pol, "10.0.1.50", 6000, C4_MAC, "192.168.0.33",
	                     LR_RULE_ENCAP, LR_TYPE_DYNAMIC),
	         0);
	inject(&l.e, l.e.c1, l.e.v_c1->port, f,
	       arp_req(f, C1_MAC, "10.0.1.101", "10.0.1.50"));
	CHECK(!quiet(l.e.c1));
	CHECK(quiet(l.e.up));
	CHECK_EQ(events(&l.e, PLEV_ARP_FLOODED), 0);
	/* and a ping to it goes to Host2 */
	inject(&l.e, l.e.c1, l.e.v_c1->port, f,
	       ping(f, C1_MAC, C4_MAC, "10.0.1.101", "10.0.1.50", 64));
	CHECK(!quiet(l.e.up));
	lenv_uninit(&l);
}

static void
test_learn_queue_bounded(void)
{
	struct lenv l;
	struct pl_learnt q[PIPELINE_LEARNT_MAX];
	uint8_t f[256];
	char a[32];

	lenv_init(&l);
	for (int i = 0; i < PIPELINE_LEARNT_MAX + 10; i++) {
		snprintf(a, sizeof(a), "10.0.1.%d", 150 + i % 100);
		inject(&l.e, l.lio, l.lvma->port, f,
		       arp_req(f, LEARNER_MAC, a, "10.0.1.101"));
	}
	/* duplicates are queued once; the queue never exceeds its size */
	CHECK_EQ(learnt(&l, q, PIPELINE_LEARNT_MAX), 100);
	CHECK_EQ(events(&l.e, PLEV_LEARN_QUEUE_FULL), 0);
	lenv_uninit(&l);
}

const struct test_case tests[] = {
    TEST(test_flood_to_l2only_pas),
    TEST(test_learn_from_tunnel),
    TEST(test_learn_local_and_then_answer),
    TEST(test_learn_queue_bounded),
    {0},
};
