/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-pipeline-fast: the decision cache (pipeline/fast.c) on the
 * in-memory host of tests/unit/pl-env.h (Host1, PA .22; Contoso3
 * 10.0.1.103 behind Host2, .33).  The later frames of a flow are replayed,
 * and every change the decision read is seen by the next frame: a record's
 * rule, its PA, a port that goes; the next hop stays the most recently
 * used; a trace still explains the stages; --fast-path off replays nothing;
 * flows that differ in one byte of a MAC do not share a slot.
 * (fuzz-pipeline compares every corpus input with and without the cache.)
 */
#include "tests/unit/pl-env.h"

#define C1_MAC "60:00:60:00:01:01"
#define C3_MAC "60:00:60:00:02:03"

static void
set_c3(struct env *e, const char *pa, enum lr_rule rule)
{
	struct lookup_record r = {0};
	struct pmsg msg = {0};

	r.ca = ip("10.0.1.103");
	r.vsid = 6000;
	r.mac = mac(C3_MAC);
	r.pa = ip(pa);
	r.rule = rule;
	CHECK_EQ(policy_lr_set(e->pol, &r, &msg), 0);
}

/* Resolves 'pa' on the uplink as the host there would answer. */
static void
resolve(struct env *e, const char *pa, const char *m)
{
	struct eth_addr h = mac(m), pa1 = mac("33:44:55:66:77:88");
	struct in6_addr a = ip(pa), b = ip("192.168.0.22");
	uint8_t f[128];
	size_t n = build_arp(f, sizeof(f), &pa1, &h, 0, 2, &h, &a, &pa1, &b);

	inject(e, e->up, 0, f, n);
}

static void
setup(struct env *e)
{
	env_init(e);
	resolve_host2(e);
	while (!quiet(e->up))
		;
}

/* Contoso1's UDP to Contoso3, 'len' bytes of IP. */
static size_t
c1_to_c3(uint8_t *f, size_t len)
{
	return udp_frame(f, C1_MAC, C3_MAC, "10.0.1.101", "10.0.1.103", len,
	                 true);
}

/* The tunnel packet on the uplink: to 'pa', next hop MAC 'm', with the
 * inner frame 'in' of 'n' bytes. */
static void
check_tunnelled(struct env *e, const char *pa, const char *m, const uint8_t *in,
                size_t n)
{
	struct pkt_info pi;
	struct in6_addr want = ip(pa), src = ip("192.168.0.22");
	struct eth_addr nh = mac(m);
	int len = take(e->up, out, &pi);

	CHECK_EQ(len, (int)(n + 42));
	CHECK(ip_equal(&pi.ip_dst, &want));
	CHECK(ip_equal(&pi.ip_src, &src));
	CHECK(eth_equal(&pi.eth_dst, &nh));
	CHECK_EQ(pi.gre_key >> 8, 6000);
	CHECK(!memcmp(out + 42, in, n));
	CHECK(quiet(e->up));
}

static void
test_encap_replayed_until_policy_changes(void)
{
	struct env e;
	uint8_t f[2048];
	size_t n;

	setup(&e);
	n = c1_to_c3(f, 100);
	for (int i = 0; i < 3; i++) {
		inject(&e, e.c1, 1, f, n);
		check_tunnelled(&e, "192.168.0.33", "44:55:66:77:88:99", f, n);
	}
	CHECK_EQ(events(&e, PLEV_FAST_INSTALLED), 1);
	CHECK_EQ(events(&e, PLEV_FAST_HIT), 2);
	/* TranslationMethodNone: the next frame is dropped */
	set_c3(&e, "192.168.0.33", LR_RULE_NONE);
	inject(&e, e.c1, 1, f, n);
	CHECK(quiet(e.up));
	CHECK_EQ(drops(&e, DROP_RULE_NONE), 1);
	/* the record moves to .44: there, with .44's MAC */
	resolve(&e, "192.168.0.44", "02:44:00:00:00:44");
	set_c3(&e, "192.168.0.44", LR_RULE_ENCAP);
	for (int i = 0; i < 2; i++) {
		inject(&e, e.c1, 1, f, n);
		check_tunnelled(&e, "192.168.0.44", "02:44:00:00:00:44", f, n);
	}
	/* .44's MAC changes */
	resolve(&e, "192.168.0.44", "02:44:00:00:00:45");
	inject(&e, e.c1, 1, f, n);
	check_tunnelled(&e, "192.168.0.44", "02:44:00:00:00:45", f, n);
	/* too big for the uplink (DF): the stages' ICMP, not a replay */
	n = c1_to_c3(f, 1480);
	inject(&e, e.c1, 1, f, n);
	CHECK(quiet(e.up));
	CHECK_EQ(drops(&e, DROP_TOO_BIG), 1);
	CHECK(!quiet(e.c1));
	CHECK_EQ(events(&e, PLEV_FAST_HIT), 3);
	env_uninit(&e);
}

static void
test_decap_replayed_until_port_goes(void)
{
	struct env e;
	uint8_t in[256], f[512];
	size_t n, m;

	setup(&e);
	n = udp_frame(in, C3_MAC, C1_MAC, "10.0.1.103", "10.0.1.101", 60,
	              false);
	m = nvgre(f, 6000, "192.168.0.33", in, n);
	for (int i = 0; i < 3; i++) {
		inject(&e, e.up, 0, f, m);
		CHECK_EQ(io_mem_take(e.c1, out, sizeof(out)), (int)n);
		CHECK(!memcmp(out, in, n));
	}
	CHECK_EQ(events(&e, PLEV_FAST_HIT), 2);
	/* from a PA that does not own the source: the stages drop it */
	m = nvgre(f, 6000, "192.168.0.44", in, n);
	inject(&e, e.up, 0, f, m);
	CHECK(quiet(e.c1));
	CHECK_EQ(drops(&e, DROP_SRC_PA_MISMATCH), 1);
	/* Contoso1's port goes: nothing is delivered to it */
	m = nvgre(f, 6000, "192.168.0.33", in, n);
	pipeline_remove_port(e.pl, e.v_c1->port);
	inject(&e, e.up, 0, f, m);
	CHECK(quiet(e.c1));
	CHECK_EQ(drops(&e, DROP_UNKNOWN_DST), 1);
	CHECK_EQ(events(&e, PLEV_FAST_HIT), 2);
	env_uninit(&e);
}

struct order {
	char ip[4][IP_ADDR_STRLEN];
	int n;
};

static void
order_cb(const struct neigh_info *ni, void *aux)
{
	struct order *o = aux;

	if (ni->active && o->n < 4)
		ip_fmt(&ni->ip, o->ip[o->n++]);
}

/* neigh.c rule 1: a replayed frame makes its next hop the most recently
 * used, as the stages would. */
static void
test_replay_keeps_next_hop_recent(void)
{
	struct env e;
	struct order o = {0};
	uint8_t f[2048], g[2048];
	size_t n, k;

	setup(&e);
	resolve(&e, "192.168.0.44", "02:44:00:00:00:44");
	add_lr(e.pol, "10.0.1.104", 6000, "600060000204", "192.168.0.44");
	n = c1_to_c3(f, 100);
	k = udp_frame(g, C1_MAC, "60:00:60:00:02:04", "10.0.1.101",
	              "10.0.1.104", 100, true);
	inject(&e, e.c1, 1, f, n); /* .33: made */
	inject(&e, e.c1, 1, f, n); /* .33: replayed */
	inject(&e, e.c1, 1, g, k); /* .44 */
	inject(&e, e.c1, 1, f, n); /* .33: replayed */
	while (!quiet(e.up))
		;
	CHECK_EQ(events(&e, PLEV_FAST_HIT), 2);
	pipeline_neigh_foreach(e.pl, order_cb, &o);
	CHECK_EQ(o.n, 2);
	CHECK_STR(o.ip[0], "192.168.0.44");
	CHECK_STR(o.ip[1], "192.168.0.33");
	env_uninit(&e);
}

static void
test_trace_explains_a_replayed_flow(void)
{
	struct env e;
	static struct trace t;
	uint8_t f[2048];
	size_t n;

	setup(&e);
	n = c1_to_c3(f, 100);
	inject(&e, e.c1, 1, f, n);
	inject(&e, e.c1, 1, f, n);
	CHECK_EQ(events(&e, PLEV_FAST_HIT), 1);
	trace_init(&t);
	pipeline_trace(e.pl, 1, f, n, &t);
	CHECK(strstr(t.verdict, "encapsulated") != NULL);
	CHECK(t.n_steps > 3);
	CHECK_EQ(events(&e, PLEV_FAST_HIT), 1);
	while (!quiet(e.up))
		;
	env_uninit(&e);
}

static void
test_off_replays_nothing(void)
{
	struct env e;
	struct pipeline_config cfg = {.uplink_mtu = 1500, .no_fast_path = true};
	uint8_t f[2048];
	size_t n;

	setup(&e);
	/* the same host on a pipeline without the cache */
	pipeline_destroy(e.pl);
	cfg.uplink_mac = mac("02:00:00:00:00:22");
	e.pl = pipeline_create(e.pol, &cfg);
	pipeline_set_uplink(e.pl, e.up);
	e.v_c1->port = pipeline_add_port(e.pl, e.c1, e.v_c1);
	resolve_host2(&e);
	n = c1_to_c3(f, 100);
	for (int i = 0; i < 3; i++) {
		inject(&e, e.c1, 1, f, n);
		check_tunnelled(&e, "192.168.0.33", "44:55:66:77:88:99", f, n);
	}
	CHECK_EQ(events(&e, PLEV_FAST_HIT), 0);
	CHECK_EQ(events(&e, PLEV_FAST_INSTALLED), 0);
	env_uninit(&e);
}

/* Destinations whose MACs differ only in the fourth byte (records
 * 10.0.1.110.., 60:00:60:NN:02:03): each flow's decision has a place of
 * its own, so the second frame of every one of them is replayed.  (The
 * slot index once ignored the top byte of each word of the key: all
 * sixteen shared one two-way set, and two were replayed.) */
static void
test_flows_spread_over_the_cache(void)
{
	struct env e;
	uint8_t f[2048];
	char m[24], a[24];
	size_t n;

	setup(&e);
	for (int i = 0; i < 16; i++) {
		struct lookup_record r = {0};
		struct pmsg msg = {0};

		snprintf(m, sizeof(m), "60:00:60:%02x:02:03", i + 1);
		snprintf(a, sizeof(a), "10.0.1.%d", 110 + i);
		r.ca = ip(a);
		r.vsid = 6000;
		r.mac = mac(m);
		r.pa = ip("192.168.0.33");
		r.rule = LR_RULE_ENCAP;
		CHECK_EQ(policy_lr_add(e.pol, &r, &msg), 0);
	}
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < 16; i++) {
			snprintf(m, sizeof(m), "60:00:60:%02x:02:03", i + 1);
			snprintf(a, sizeof(a), "10.0.1.%d", 110 + i);
			n = udp_frame(f, C1_MAC, m, "10.0.1.101", a, 100, true);
			inject(&e, e.c1, 1, f, n);
			check_tunnelled(&e, "192.168.0.33", "44:55:66:77:88:99",
			                f, n);
		}
	CHECK_EQ(events(&e, PLEV_FAST_INSTALLED), 16);
	CHECK_EQ(events(&e, PLEV_FAST_HIT), 16);
	env_uninit(&e);
}

const struct test_case tests[] = {
    TEST(test_encap_replayed_until_policy_changes),
    TEST(test_decap_replayed_until_port_goes),
    TEST(test_replay_keeps_next_hop_recent),
    TEST(test_trace_explains_a_replayed_flow),
    TEST(test_off_replays_nothing),
    TEST(test_flows_spread_over_the_cache),
    {0},
};
