/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-pipeline: the packet flows of DESIGN.md section 3 through the real
 * pipeline with in-memory ports (no root, no kernel), on the book's Host1
 * (tests/unit/pl-env.h).
 */
#include "tests/unit/pl-env.h"

static void
test_arp_gateway(void)
{
	struct env e;
	struct pkt_info pi;
	uint8_t f[128];

	env_init(&e);
	inject(&e, e.c1, e.v_c1->port, f,
	       arp_req(f, "600060000101", "10.0.1.101", "10.0.1.1"));
	CHECK(take(e.c1, out, &pi) > 0);
	CHECK_EQ(pi.arp_op, 2);
	CHECK(eth_equal(&pi.arp_sha,
	                &(struct eth_addr){{0x60, 0, 0x60, 0, 1, 0}}));
	CHECK_EQ(io_mem_take(e.up, out, sizeof(out)), 0);
	env_uninit(&e);
}

static void
test_arp_remote_answered_locally(void)
{
	struct env e;
	struct pkt_info pi;
	uint8_t f[128];

	env_init(&e);
	/* F3: the host answers for Contoso3; no ARP crosses the wire. */
	inject(&e, e.c1, e.v_c1->port, f,
	       arp_req(f, "600060000101", "10.0.1.101", "10.0.1.103"));
	CHECK(take(e.c1, out, &pi) > 0);
	CHECK_EQ(pi.arp_op, 2);
	CHECK(eth_equal(&pi.arp_sha,
	                &(struct eth_addr){{0x60, 0, 0x60, 0, 2, 3}}));
	CHECK_EQ(io_mem_take(e.up, out, sizeof(out)), 0);
	CHECK_EQ(io_mem_take(e.c2, out, sizeof(out)), 0);
	env_uninit(&e);
}

static void
test_arp_local_broadcast_within_vsid(void)
{
	struct env e;
	struct pkt_info pi;
	uint8_t f[128];

	env_init(&e);
	/* F1: the ARP goes to Contoso2 (same VSID) and nowhere else. */
	inject(&e, e.c1, e.v_c1->port, f,
	       arp_req(f, "600060000101", "10.0.1.101", "10.0.1.102"));
	CHECK(take(e.c2, out, &pi) > 0);
	CHECK_EQ(pi.arp_op, 1);
	CHECK_EQ(io_mem_take(e.c1, out, sizeof(out)), 0);
	CHECK_EQ(io_mem_take(e.gw, out, sizeof(out)), 0);
	CHECK_EQ(io_mem_take(e.red, out, sizeof(out)), 0);
	CHECK_EQ(io_mem_take(e.up, out, sizeof(out)), 0);
	env_uninit(&e);
}

static void
test_f1_local_switch(void)
{
	struct env e;
	struct pkt_info pi;
	uint8_t f[128];

	env_init(&e);
	inject(&e, e.c1, e.v_c1->port, f,
	       ping(f, "600060000101", "600060000102", "10.0.1.101",
	            "10.0.1.102", 64));
	CHECK(take(e.c2, out, &pi) > 0);
	CHECK_EQ(pi.ttl, 64); /* switched, not routed */
	CHECK_EQ(io_mem_take(e.up, out, sizeof(out)), 0);
	env_uninit(&e);
}

static void
test_f2_route_same_host(void)
{
	struct env e;
	struct pkt_info pi;
	uint8_t f[128];
	struct eth_addr rmac;

	env_init(&e);
	inject(&e, e.c1, e.v_c1->port, f,
	       ping(f, "600060000101", "600060000100", "10.0.1.101", "10.0.2.2",
	            64));
	CHECK(take(e.gw, out, &pi) > 0);
	CHECK_EQ(pi.ttl, 63);
	CHECK(eth_equal(&pi.eth_dst, &e.v_gw->mac));
	pipeline_router_mac(e.pl, 6001, &rmac);
	CHECK(eth_equal(&pi.eth_src, &rmac));
	CHECK_EQ(io_mem_take(e.up, out, sizeof(out)), 0);
	env_uninit(&e);
}

static void
test_f7_ping_gateway(void)
{
	struct env e;
	struct pkt_info pi;
	uint8_t f[128];

	env_init(&e);
	inject(&e, e.c1, e.v_c1->port, f,
	       ping(f, "600060000101", "600060000100", "10.0.1.101", "10.0.1.1",
	            64));
	CHECK(take(e.c1, out, &pi) > 0);
	CHECK_EQ(pi.icmp_type, 0);
	CHECK(ip_equal(&pi.ip_src, &(struct in6_addr){0}) == false);
	CHECK_EQ(ip_get_v4(&pi.ip_src), inet_addr("10.0.1.1"));
	env_uninit(&e);
}

static void
test_f3_encap(void)
{
	struct env e;
	struct pkt_info pi, in;
	uint8_t f[128];
	int n;

	env_init(&e);
	/* First packet: next hop unknown.  An ARP request for .33 goes out
	 * from the PA and the packet waits for the answer. */
	inject(&e, e.c1, e.v_c1->port, f,
	       ping(f, "600060000101", "600060000203", "10.0.1.101",
	            "10.0.1.103", 64));
	CHECK(take(e.up, out, &pi) > 0);
	CHECK_EQ(pi.ethertype, 0x0806);
	CHECK_EQ(ip_get_v4(&pi.arp_tpa), inet_addr("192.168.0.33"));
	CHECK_EQ(ip_get_v4(&pi.arp_spa), inet_addr("192.168.0.22"));
	/* The book's PA MAC is multicast: the uplink's MAC is used. */
	CHECK(
	    eth_equal(&pi.eth_src, &(struct eth_addr){{2, 0, 0, 0, 0, 0x22}}));
	CHECK_EQ(io_mem_take(e.up, out, sizeof(out)), 0);
	CHECK_EQ(drops(&e, DROP_PA_UNRESOLVED), 0);
	/* The answer releases the waiting packet. */
	resolve_host2(&e);
	n = take(e.up, out, &pi);
	CHECK(n > 0);
	CHECK_EQ(pi.l4_proto, 47);
	CHECK_EQ(pi.gre_flags, 0x2000);
	CHECK_EQ(pi.gre_proto, 0x6558);
	CHECK_EQ(pi.gre_key >> 8, 6000);
	CHECK_EQ(ip_get_v4(&pi.ip_src), inet_addr("192.168.0.22"));
	CHECK_EQ(ip_get_v4(&pi.ip_dst), inet_addr("192.168.0.33"));
	CHECK(eth_equal(&pi.eth_dst, &(struct eth_addr){{0x44, 0x55, 0x66, 0x77,
	                                                 0x88, 0x99}}));
	CHECK_EQ(pkt_parse(out + pi.inner_ofs, (size_t)n - pi.inner_ofs, &in),
	         0);
	CHECK(!in.has_vlan);
	CHECK_EQ(in.ttl, 64);
	CHECK_EQ(n, 42 + 14 + 20 + 8 + 16);
	/* Later packets go straight out. */
	inject(&e, e.c1, e.v_c1->port, f,
	       ping(f, "600060000101", "600060000203", "10.0.1.101",
	            "10.0.1.103", 64));
	CHECK(take(e.up, out, &pi) > 0);
	CHECK_EQ(pi.gre_key >> 8, 6000);
	env_uninit(&e);
}

static void
test_f5_route_remote(void)
{
	struct env e;
	struct pkt_info pi, in;
	uint8_t f[128];
	int n;

	env_init(&e);
	resolve_host2(&e);
	/* Gw (6001) to Contoso3 (6000, Host2): routed, then encapsulated
	 * with the destination's VSID. */
	inject(&e, e.gw, e.v_gw->port, f,
	       ping(f, "600160010301", "024856001771", "10.0.2.2", "10.0.1.103",
	            64));
	n = take(e.up, out, &pi);
	CHECK(n > 0);
	CHECK_EQ(pi.gre_key >> 8, 6000);
	CHECK_EQ(pkt_parse(out + pi.inner_ofs, (size_t)n - pi.inner_ofs, &in),
	         0);
	CHECK_EQ(in.ttl, 63);
	env_uninit(&e);
}

static void
test_decap(void)
{
	struct env e;
	struct pkt_info pi;
	uint8_t in[128], f[256];
	size_t n;

	env_init(&e);
	n = ping(in, "600060000203", "600060000101", "10.0.1.103", "10.0.1.101",
	         64);
	inject(&e, e.up, 0, f, nvgre(f, 6000, "192.168.0.33", in, n));
	CHECK(take(e.c1, out, &pi) > 0);
	CHECK_EQ(ip_get_v4(&pi.ip_src), inet_addr("10.0.1.103"));

	/* F8: Blue's VSID addressed to Red's MAC: the VSID ACL drops it. */
	n = ping(in, "600060000203", "700070000101", "10.0.1.103", "10.0.1.101",
	         64);
	inject(&e, e.up, 0, f, nvgre(f, 6000, "192.168.0.33", in, n));
	CHECK_EQ(io_mem_take(e.red, out, sizeof(out)), 0);
	CHECK_EQ(drops(&e, DROP_VSID_MISMATCH), 1);

	/* A VSID with no adapter here. */
	inject(&e, e.up, 0, f, nvgre(f, 9999, "192.168.0.33", in, n));
	CHECK_EQ(drops(&e, DROP_UNKNOWN_VSID), 1);

	/* A PA that does not own the inner source CA. */
	n = ping(in, "600060000203", "600060000101", "10.0.1.103", "10.0.1.101",
	         64);
	inject(&e, e.up, 0, f, nvgre(f, 6000, "192.168.0.44", in, n));
	CHECK_EQ(io_mem_take(e.c1, out, sizeof(out)), 0);
	CHECK_EQ(drops(&e, DROP_SRC_PA_MISMATCH), 1);
	env_uninit(&e);
}

/* At 32768 lookup records and more the pipeline prefetches the lookups
 * of each batch (pipeline.c): the flows come out the same, and frames
 * of every shape in a batch (truncated, tunnels cut short, VXLAN,
 * broadcast) are handled as without it. */
static void
test_big_table_prefetch(void)
{
	struct env e;
	struct pkt_info pi;
	uint8_t f[256], in[128];
	size_t n;
	int got;

	env_init(&e);
	add_cr(e.pol, RDID, 6100, "10.100.0.0/16", "0.0.0.0");
	for (int i = 0; i < 40000; i++) {
		struct lookup_record r = {0};
		struct pmsg msg = {0};

		ip_set_v4(&r.ca, htonl(0x0a640002u + (uint32_t)i));
		r.vsid = 6100;
		r.mac = (struct eth_addr){{0x02, 0x61, 0, (uint8_t)(i >> 16),
		                           (uint8_t)(i >> 8), (uint8_t)i}};
		r.pa = ip("192.168.0.33");
		CHECK_EQ(policy_lr_add(e.pol, &r, &msg), 0);
	}
	resolve_host2(&e);
	/* A batch from Contoso1: 4 pings to Contoso3 among odd frames. */
	for (int k = 0; k < 4; k++) {
		n = ping(f, "600060000101", "600060000203", "10.0.1.101",
		         "10.0.1.103", 64);
		CHECK_EQ(io_mem_inject(e.c1, f, n), 0);
		CHECK_EQ(io_mem_inject(e.c1, f, 6 + (size_t)k), 0);
	}
	n = arp_req(f, "600060000101", "10.0.1.101", "10.0.1.102");
	CHECK_EQ(io_mem_inject(e.c1, f, n), 0);
	pipeline_poll(e.pl, e.v_c1->port, 64);
	for (got = 0; (n = (size_t)take(e.up, out, &pi)) > 0; got++)
		CHECK_EQ(pi.gre_key >> 8, 6000);
	CHECK_EQ(got, 4);
	CHECK_EQ(drops(&e, DROP_TRUNC_ETH), 4);
	/* A batch on the uplink: NVGRE for Contoso1, the same cut short at
	 * every length from 1 to 79 bytes, and a VXLAN one. */
	n = ping(in, "600060000203", "600060000101", "10.0.1.103", "10.0.1.101",
	         64);
	n = nvgre(f, 6000, "192.168.0.33", in, n);
	for (size_t cut = 1; cut < 80; cut += 13) {
		CHECK_EQ(io_mem_inject(e.up, f, n), 0);
		CHECK_EQ(io_mem_inject(e.up, f, cut), 0);
	}
	n = ping(in, "600060000203", "600060000101", "10.0.1.103", "10.0.1.101",
	         64);
	n = tunnel(f, true, 6000, "192.168.0.33", in, n);
	CHECK_EQ(io_mem_inject(e.up, f, n), 0);
	pipeline_poll(e.pl, PIPELINE_UPLINK, 64);
	for (got = 0; take(e.c1, out, &pi) > 0; got++)
		CHECK_EQ(ip_get_v4(&pi.ip_src), inet_addr("10.0.1.103"));
	CHECK_EQ(got, 8);
	env_uninit(&e);
}

static void
test_isolation_and_spoofing(void)
{
	struct env e;
	uint8_t f[128];

	env_init(&e);
	/* Red (other RDID) routes to 10.0.2.2: no route in its domain. */
	inject(&e, e.red, e.v_red->port, f,
	       ping(f, "700070000101", "024856001b58", "10.0.1.101", "10.0.2.2",
	            64));
	CHECK_EQ(drops(&e, DROP_NO_ROUTE), 1);
	CHECK_EQ(io_mem_take(e.gw, out, sizeof(out)), 0);
	/* Spoofed source MAC and source IP. */
	inject(&e, e.c1, e.v_c1->port, f,
	       ping(f, "600060000199", "600060000102", "10.0.1.101",
	            "10.0.1.102", 64));
	CHECK_EQ(drops(&e, DROP_SPOOFED_SRC_MAC), 1);
	inject(&e, e.c1, e.v_c1->port, f,
	       ping(f, "600060000101", "600060000102", "10.0.1.102",
	            "10.0.1.102", 64));
	CHECK_EQ(drops(&e, DROP_SPOOFED_SRC_IP), 1);
	CHECK_EQ(io_mem_take(e.c2, out, sizeof(out)), 0);
	/* Truncated frame. */
	inject(&e, e.c1, e.v_c1->port, f, 10);
	CHECK_EQ(drops(&e, DROP_TRUNC_ETH), 1);
	env_uninit(&e);
}

static void
test_ttl_exceeded(void)
{
	struct env e;
	struct pkt_info pi;
	uint8_t f[128];

	env_init(&e);
	inject(&e, e.c1, e.v_c1->port, f,
	       ping(f, "600060000101", "600060000100", "10.0.1.101", "10.0.2.2",
	            1));
	CHECK_EQ(drops(&e, DROP_TTL_EXCEEDED), 1);
	CHECK(take(e.c1, out, &pi) > 0);
	CHECK_EQ(pi.icmp_type, 11);
	CHECK_EQ(ip_get_v4(&pi.ip_src), inet_addr("10.0.1.1"));
	CHECK_EQ(io_mem_take(e.gw, out, sizeof(out)), 0);
	env_uninit(&e);
}

static void
test_trace_explains_encap(void)
{
	struct env e;
	struct trace t;
	uint8_t f[128];
	bool saw_pa = false;

	env_init(&e);
	resolve_host2(&e);
	trace_init(&t);
	pipeline_trace(e.pl, e.v_c1->port, f,
	               ping(f, "600060000101", "600060000203", "10.0.1.101",
	                    "10.0.1.103", 64),
	               &t);
	CHECK(strstr(t.verdict, "192.168.0.33") != NULL);
	CHECK(strstr(t.verdict, "6000") != NULL);
	for (int i = 0; i < t.n_steps; i++)
		if (strstr(t.steps[i].msg, "PA 192.168.0.33"))
			saw_pa = true;
	CHECK(saw_pa);
	/* Nothing was transmitted. */
	CHECK_EQ(io_mem_take(e.up, out, sizeof(out)), 0);
	env_uninit(&e);
}

/* IPv6 CAs over IPv4 PAs: F1, F3 (the NS answered from policy, then
 * NVGRE), F7 (echo from the router address), and decapsulation. */
static void
test_ipv6_flows(void)
{
	struct env e;
	struct pkt_info pi, in;
	uint8_t f[256], g[512];
	int n;

	env_init(&e);
	resolve_host2(&e);
	inject(&e, e.v6a, e.v_v6a->port, f,
	       ping(f, "80008000000a", "80008000000b", "fd00:8::a", "fd00:8::b",
	            64));
	CHECK(take(e.v6b, out, &pi) > 0);
	CHECK_EQ(pi.icmp_type, 128);
	CHECK_EQ(pi.ttl, 64);
	inject(&e, e.v6a, e.v_v6a->port, f,
	       ping(f, "80008000000a", "80008000000c", "fd00:8::a", "fd00:8::c",
	            64));
	n = take(e.up, out, &pi);
	CHECK(n > 0);
	CHECK_EQ(pi.gre_key >> 8, 8000);
	CHECK_EQ(pkt_parse(out + pi.inner_ofs, (size_t)n - pi.inner_ofs, &in),
	         0);
	CHECK(in.is_ipv6);
	inject(&e, e.v6a, e.v_v6a->port, f,
	       ping(f, "80008000000a", "024856001f40", "fd00:8::a", "fd00:8::1",
	            64));
	CHECK(take(e.v6a, out, &pi) > 0);
	CHECK_EQ(pi.icmp_type, 129);
	{
		struct in6_addr gw = ip("fd00:8::1");

		CHECK(ip_equal(&pi.ip_src, &gw));
	}
	n = (int)ping(f, "80008000000c", "80008000000a", "fd00:8::c",
	              "fd00:8::a", 64);
	inject(&e, e.up, 0, g, nvgre(g, 8000, "192.168.0.33", f, (size_t)n));
	CHECK(take(e.v6a, out, &pi) > 0);
	CHECK_EQ(drops_total(&e), 0);
	env_uninit(&e);
}

/* GatewayWildcard: with no 0.0.0.0/0 route, the wildcard record of the
 * gateway's VSID takes what no route or record matches (router.c 4). */
static void
test_gateway_wildcard(void)
{
	struct env e;
	struct pkt_info pi, in;
	struct policy_filter f = {.fields = F_PREFIX};
	uint8_t f1[256], f2[512];
	int n;

	env_init(&e);
	resolve_host2(&e);
	prefix_parse("0.0.0.0/0", &f.prefix, &f.plen);
	CHECK_EQ(policy_cr_remove(e.pol, &f), 1);
	/* No route, no wildcard: dropped. */
	inject(&e, e.c1, e.v_c1->port, f1,
	       ping(f1, "600060000101", "600060000100", "10.0.1.101", "8.8.8.8",
	            64));
	CHECK_EQ(drops(&e, DROP_NO_ROUTE), 1);
	/* The gateway VM here: delivered to it, routed (TTL 63). */
	CHECK_EQ(add_lr_full(e.pol, "0.0.0.0", 6001, "600160010301",
	                     "192.168.0.22", LR_RULE_ENCAP,
	                     LR_TYPE_GW_WILDCARD),
	         0);
	inject(&e, e.c1, e.v_c1->port, f1,
	       ping(f1, "600060000101", "600060000100", "10.0.1.101", "8.8.8.8",
	            64));
	CHECK(take(e.gw, out, &pi) > 0);
	CHECK_EQ(pi.ttl, 63);
	CHECK_EQ(ip_get_v4(&pi.ip_dst), inet_addr("8.8.8.8"));
	/* An on-link address with no record goes there too. */
	inject(&e, e.c1, e.v_c1->port, f1,
	       ping(f1, "600060000101", "600060000100", "10.0.1.101",
	            "10.0.2.77", 64));
	CHECK(take(e.gw, out, &pi) > 0);
	/* The gateway may send from what lies behind it; others may not. */
	inject(&e, e.gw, e.v_gw->port, f1,
	       ping(f1, "600160010301", "024856001771", "8.8.8.8", "10.0.1.101",
	            63));
	CHECK(take(e.c1, out, &pi) > 0);
	CHECK_EQ(ip_get_v4(&pi.ip_src), inet_addr("8.8.8.8"));
	inject(&e, e.c2, e.v_c2->port, f1,
	       ping(f1, "600060000102", "600060000100", "8.8.8.8", "10.0.1.101",
	            64));
	CHECK(quiet(e.c1));
	CHECK_EQ(drops(&e, DROP_SPOOFED_SRC_IP), 1);
	/* A gateway on Host2: encapsulated there in its VSID... */
	{
		struct lookup_record w = {0};
		struct pmsg m = {0};

		ip_parse("0.0.0.0", &w.ca);
		w.vsid = 6001;
		w.mac = mac("600160010399");
		w.pa = ip("192.168.0.33");
		w.type = LR_TYPE_GW_WILDCARD;
		CHECK_EQ(policy_lr_set(e.pol, &w, &m), 0);
	}
	inject(&e, e.c1, e.v_c1->port, f1,
	       ping(f1, "600060000101", "600060000100", "10.0.1.101", "8.8.8.8",
	            64));
	n = take(e.up, out, &pi);
	CHECK(n > 0);
	CHECK_EQ(pi.gre_key >> 8, 6001);
	CHECK_EQ(ip_get_v4(&pi.ip_dst), inet_addr("192.168.0.33"));
	CHECK_EQ(pkt_parse(out + pi.inner_ofs, (size_t)n - pi.inner_ofs, &in),
	         0);
	CHECK(eth_equal(&in.eth_dst, &(struct eth_addr){{0x60, 0x01, 0x60, 0x01,
	                                                 0x03, 0x99}}));
	/* ... and its replies from the outside, routed by Host2 into 6000,
	 * come from the wildcard's PA. */
	n = (int)ping(f1, "024856001770", "600060000101", "8.8.8.8",
	              "10.0.1.101", 62);
	inject(&e, e.up, 0, f2, nvgre(f2, 6000, "192.168.0.33", f1, (size_t)n));
	CHECK(take(e.c1, out, &pi) > 0);
	n = (int)ping(f1, "024856001770", "600060000101", "8.8.8.8",
	              "10.0.1.101", 62);
	inject(&e, e.up, 0, f2, nvgre(f2, 6000, "192.168.0.44", f1, (size_t)n));
	CHECK(quiet(e.c1));
	CHECK_EQ(drops(&e, DROP_SRC_PA_MISMATCH), 1);
	env_uninit(&e);
}

const struct test_case tests[] = {
    TEST(test_arp_gateway),
    TEST(test_arp_remote_answered_locally),
    TEST(test_arp_local_broadcast_within_vsid),
    TEST(test_f1_local_switch),
    TEST(test_f2_route_same_host),
    TEST(test_f7_ping_gateway),
    TEST(test_f3_encap),
    TEST(test_f5_route_remote),
    TEST(test_decap),
    TEST(test_isolation_and_spoofing),
    TEST(test_big_table_prefetch),
    TEST(test_ttl_exceeded),
    TEST(test_trace_explains_encap),
    TEST(test_ipv6_flows),
    TEST(test_gateway_wildcard),
    {0},
};
