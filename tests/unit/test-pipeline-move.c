/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-pipeline-move: flow F9's grace period on the in-memory host of
 * tests/unit/pl-env.h (Host1, PA .22).  A sender on a third host (PA .44,
 * 10.0.1.104) still has a moved VM's old record:
 *  - Contoso2 left Host1 for Host2 (.33): its frame, tunnelled to Host1,
 *    goes on to .33 (once Host1 knows it departed), never back to where
 *    it came from, never with a source its outer PA does not own; without
 *    the departure it is dropped as before;
 *  - Contoso3 came to Host1 from Host2 (.33): a frame for it that .33
 *    forwards (its source owned by .44) is accepted once Host1 knows it
 *    arrived from .33, and only from .33.
 */
#include "tests/unit/pl-env.h"

#define C2_MAC "60:00:60:00:01:02"
#define C3_MAC "60:00:60:00:02:03"
#define C4_MAC "60:00:60:00:02:04"

static void
set_pa(struct env *e, const char *ca, const char *m, const char *pa)
{
	struct lookup_record r = {0};
	struct pmsg msg = {0};

	r.ca = ip(ca);
	r.vsid = 6000;
	r.mac = mac(m);
	r.pa = ip(pa);
	CHECK_EQ(policy_lr_set(e->pol, &r, &msg), 0);
}

/* Contoso2 moves from Host1 to Host2 (as the controller's push does). */
static void
move_c2_away(struct env *e, bool tell)
{
	struct policy_filter f = {.fields = F_VM | F_NAME};

	pipeline_remove_port(e->pl, e->v_c2->port);
	strcpy(f.vm, "Contoso2");
	strcpy(f.name, "eth0");
	CHECK_EQ(policy_vma_remove(e->pol, &f), 1);
	set_pa(e, "10.0.1.102", C2_MAC, "192.168.0.33");
	if (tell) {
		struct eth_addr m = mac(C2_MAC);
		pipeline_departed(e->pl, 6000, &m);
	}
}

static void
setup(struct env *e)
{
	env_init(e);
	add_lr(e->pol, "10.0.1.104", 6000, C4_MAC, "192.168.0.44");
	resolve_host2(e);
	while (!quiet(e->up))
		;
}

static size_t
tunnelled(uint8_t *f, const char *from_pa, const char *smac, const char *sip,
          const char *dmac, const char *dip)
{
	uint8_t in[256];
	size_t n = ping(in, smac, dmac, sip, dip, 64);

	return nvgre(f, 6000, from_pa, in, n);
}

static void
test_departed_forwards(void)
{
	struct env e;
	struct pkt_info pi, inner;
	uint8_t f[512];

	setup(&e);
	move_c2_away(&e, true);
	inject(&e, e.up, 0, f,
	       tunnelled(f, "192.168.0.44", C4_MAC, "10.0.1.104", C2_MAC,
	                 "10.0.1.102"));
	CHECK(take(e.up, out, &pi) > 0);
	CHECK_EQ(pi.l4_proto, IPPROTO_GRE);
	{
		struct in6_addr h2 = ip("192.168.0.33");
		CHECK(ip_equal(&pi.ip_dst, &h2));
	}
	CHECK_EQ(pi.gre_key >> 8, 6000);
	CHECK_EQ(
	    pkt_parse(out + pi.inner_ofs, pi.ip_end - pi.inner_ofs, &inner), 0);
	{
		struct eth_addr d = mac(C2_MAC);
		struct in6_addr s = ip("10.0.1.104");
		CHECK(eth_equal(&inner.eth_dst, &d));
		CHECK(ip_equal(&inner.ip_src, &s));
	}
	CHECK_EQ(events(&e, PLEV_MOVED_FORWARDED), 1);
	/* never back to where it came from */
	inject(&e, e.up, 0, f,
	       tunnelled(f, "192.168.0.33", C3_MAC, "10.0.1.103", C2_MAC,
	                 "10.0.1.102"));
	CHECK(quiet(e.up));
	CHECK_EQ(events(&e, PLEV_MOVED_FORWARDED), 1);
	/* never a source the outer PA does not own (Contoso3's is .33's) */
	inject(&e, e.up, 0, f,
	       tunnelled(f, "192.168.0.44", C3_MAC, "10.0.1.103", C2_MAC,
	                 "10.0.1.102"));
	CHECK(quiet(e.up));
	CHECK_EQ(events(&e, PLEV_MOVED_FORWARDED), 1);
	CHECK_EQ(drops(&e, DROP_SRC_PA_MISMATCH), 1);
	env_uninit(&e);
}

static void
test_not_departed_dropped(void)
{
	struct env e;
	uint8_t f[512];
	uint64_t d0;

	setup(&e);
	move_c2_away(&e, false);
	d0 = drops_total(&e);
	inject(&e, e.up, 0, f,
	       tunnelled(f, "192.168.0.44", C4_MAC, "10.0.1.104", C2_MAC,
	                 "10.0.1.102"));
	CHECK(quiet(e.up));
	CHECK_EQ(drops_total(&e), d0 + 1);
	CHECK_EQ(events(&e, PLEV_MOVED_FORWARDED), 0);
	env_uninit(&e);
}

static void
test_arrived_accepted_from_old_host(void)
{
	struct env e;
	struct io_port *c3io;
	struct vm_adapter *c3;
	struct eth_addr m = mac(C3_MAC);
	struct in6_addr h2 = ip("192.168.0.33");
	uint8_t f[512];

	setup(&e);
	/* Contoso3 comes to Host1 from Host2 */
	c3 = add_vm(&e, "Contoso3", "600060000203", 6000, &c3io);
	set_pa(&e, "10.0.1.103", C3_MAC, "192.168.0.22");
	/* before Host1 knows where it came from: .33 does not own the
	 * source (.44's) */
	inject(&e, e.up, 0, f,
	       tunnelled(f, "192.168.0.33", C4_MAC, "10.0.1.104", C3_MAC,
	                 "10.0.1.103"));
	CHECK(quiet(c3io));
	CHECK_EQ(drops(&e, DROP_SRC_PA_MISMATCH), 1);
	pipeline_arrived(e.pl, 6000, &m, &h2);
	inject(&e, e.up, 0, f,
	       tunnelled(f, "192.168.0.33", C4_MAC, "10.0.1.104", C3_MAC,
	                 "10.0.1.103"));
	CHECK(!quiet(c3io));
	CHECK_EQ(events(&e, PLEV_MOVED_ACCEPTED), 1);
	/* from any other PA, still dropped */
	inject(&e, e.up, 0, f,
	       tunnelled(f, "192.168.0.55", C4_MAC, "10.0.1.104", C3_MAC,
	                 "10.0.1.103"));
	CHECK(quiet(c3io));
	CHECK_EQ(drops(&e, DROP_SRC_PA_MISMATCH), 2);
	(void)c3;
	io_destroy(c3io);
	env_uninit(&e);
}

const struct test_case tests[] = {
    TEST(test_departed_forwards),
    TEST(test_not_departed_dropped),
    TEST(test_arrived_accepted_from_old_host),
    {0},
};
