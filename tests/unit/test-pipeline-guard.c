/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-pipeline-guard: the pipeline against hostile tenants and hostile
 * segments, on the in-memory host of tests/unit/pl-env.h.  One case per
 * hole found in review (each failed before its fix):
 *  1. IPv6 ND spoofing from a VM (unsolicited NA for another VM's CA,
 *     forged link-layer options, DAD for another's address, RA);
 *  2. a decapsulated frame whose inner source MAC is not the source CA's
 *     record MAC nor a router MAC;
 *  3. an adapter with no lookup record sending from an address no record
 *     owns;
 *  4. the switched path encapsulating to a TranslationMethodNone record;
 *  7. ARP replies that resolve next hops counted as drops;
 *  8. a neighbour table that thrashes, and that any host on the segment
 *     could flush by ARPing for our PA.
 * And IPv6/ND on the in-memory backend: NS answered from policy, DAD.
 */
#include "tests/unit/pl-env.h"

#define V6A_MAC "80:00:80:00:00:0a"
#define V6B_MAC "80:00:80:00:00:0b"
#define ALL_NODES_MAC "33:33:00:00:00:01"

/* Hole 1: the unsolicited NA that hijacked a neighbour's address. */
static void
test_nd_unsolicited_na_spoof(void)
{
	struct env e;
	uint8_t f[256];

	env_init(&e);
	/* V6a advertises V6b's CA with its own MAC, to all nodes. */
	inject(&e, e.v6a, e.v_v6a->port, f,
	       nd_frame(f, ND_NEIGHBOR_ADVERT, V6A_MAC, ALL_NODES_MAC,
	                "fd00:8::a", "ff02::1", "fd00:8::b",
	                ND_OPT_TARGET_LINKADDR, V6A_MAC, 0, NULL, 255));
	CHECK(quiet(e.v6b));
	CHECK(quiet(e.up));
	CHECK_EQ(drops(&e, DROP_SPOOFED_ND), 1);
	/* ... and the remote VM's CA. */
	inject(&e, e.v6a, e.v_v6a->port, f,
	       nd_frame(f, ND_NEIGHBOR_ADVERT, V6A_MAC, ALL_NODES_MAC,
	                "fd00:8::a", "ff02::1", "fd00:8::c",
	                ND_OPT_TARGET_LINKADDR, V6A_MAC, 0, NULL, 255));
	CHECK(quiet(e.v6b));
	CHECK_EQ(drops(&e, DROP_SPOOFED_ND), 2);
	/* ... and the router's address. */
	inject(&e, e.v6a, e.v_v6a->port, f,
	       nd_frame(f, ND_NEIGHBOR_ADVERT, V6A_MAC, ALL_NODES_MAC,
	                "fd00:8::a", "ff02::1", "fd00:8::1",
	                ND_OPT_TARGET_LINKADDR, V6A_MAC, 0, NULL, 255));
	CHECK(quiet(e.v6b));
	CHECK_EQ(drops(&e, DROP_SPOOFED_ND), 3);
	/* Its own CA, with another MAC in the option. */
	inject(&e, e.v6a, e.v_v6a->port, f,
	       nd_frame(f, ND_NEIGHBOR_ADVERT, V6A_MAC, ALL_NODES_MAC,
	                "fd00:8::a", "ff02::1", "fd00:8::a",
	                ND_OPT_TARGET_LINKADDR, V6B_MAC, 0, NULL, 255));
	CHECK(quiet(e.v6b));
	CHECK_EQ(drops(&e, DROP_SPOOFED_ND), 4);
	/* Its own CA and MAC, but a second option naming another MAC
	 * (receivers differ in which one they believe). */
	inject(&e, e.v6a, e.v_v6a->port, f,
	       nd_frame(f, ND_NEIGHBOR_ADVERT, V6A_MAC, ALL_NODES_MAC,
	                "fd00:8::a", "ff02::1", "fd00:8::a",
	                ND_OPT_TARGET_LINKADDR, V6A_MAC, ND_OPT_TARGET_LINKADDR,
	                V6B_MAC, 255));
	CHECK(quiet(e.v6b));
	CHECK_EQ(drops(&e, DROP_SPOOFED_ND), 5);
	/* A link-local target that is V6b's EUI-64 address. */
	inject(&e, e.v6a, e.v_v6a->port, f,
	       nd_frame(f, ND_NEIGHBOR_ADVERT, V6A_MAC, ALL_NODES_MAC,
	                "fe80::8200:80ff:fe00:a", "ff02::1",
	                "fe80::8200:80ff:fe00:b", ND_OPT_TARGET_LINKADDR,
	                V6A_MAC, 0, NULL, 255));
	CHECK(quiet(e.v6b));
	CHECK_EQ(drops(&e, DROP_SPOOFED_ND), 6);
	/* The honest advertisement of its own CA reaches its neighbour. */
	inject(&e, e.v6a, e.v_v6a->port, f,
	       nd_frame(f, ND_NEIGHBOR_ADVERT, V6A_MAC, ALL_NODES_MAC,
	                "fd00:8::a", "ff02::1", "fd00:8::a",
	                ND_OPT_TARGET_LINKADDR, V6A_MAC, 0, NULL, 255));
	CHECK(!quiet(e.v6b));
	CHECK_EQ(drops(&e, DROP_SPOOFED_ND), 6);
	/* Its own link-local (EUI-64) address too. */
	inject(&e, e.v6a, e.v_v6a->port, f,
	       nd_frame(f, ND_NEIGHBOR_ADVERT, V6A_MAC, ALL_NODES_MAC,
	                "fe80::8200:80ff:fe00:a", "ff02::1",
	                "fe80::8200:80ff:fe00:a", ND_OPT_TARGET_LINKADDR,
	                V6A_MAC, 0, NULL, 255));
	CHECK(!quiet(e.v6b));
	env_uninit(&e);
}

/* Hole 1: solicitations, DAD, router messages. */
static void
test_nd_solicitations(void)
{
	struct env e;
	struct pkt_info pi;
	uint8_t f[256];

	env_init(&e);
	/* NS for a local neighbour: answered from policy, the neighbour
	 * never sees it (so its answer cannot be raced by a forger). */
	inject(&e, e.v6a, e.v_v6a->port, f,
	       nd_frame(f, ND_NEIGHBOR_SOLICIT, V6A_MAC, "33:33:ff:00:00:0b",
	                "fd00:8::a", "ff02::1:ff00:b", "fd00:8::b",
	                ND_OPT_SOURCE_LINKADDR, V6A_MAC, 0, NULL, 255));
	CHECK(take(e.v6a, out, &pi) > 0);
	CHECK_EQ(pi.icmp_type, ND_NEIGHBOR_ADVERT);
	CHECK(eth_equal(&pi.nd_lladdr, &e.v_v6b->mac));
	CHECK(quiet(e.v6b));
	/* NS for the remote VM: answered from its record. */
	inject(&e, e.v6a, e.v_v6a->port, f,
	       nd_frame(f, ND_NEIGHBOR_SOLICIT, V6A_MAC, "33:33:ff:00:00:0c",
	                "fd00:8::a", "ff02::1:ff00:c", "fd00:8::c",
	                ND_OPT_SOURCE_LINKADDR, V6A_MAC, 0, NULL, 255));
	CHECK(take(e.v6a, out, &pi) > 0);
	CHECK(eth_equal(&pi.nd_lladdr,
	                &(struct eth_addr){{0x80, 0, 0x80, 0, 0, 0x0c}}));
	CHECK(quiet(e.up));
	/* NS for the router address: the router MAC, router flag. */
	inject(&e, e.v6a, e.v_v6a->port, f,
	       nd_frame(f, ND_NEIGHBOR_SOLICIT, V6A_MAC, "33:33:ff:00:00:01",
	                "fd00:8::a", "ff02::1:ff00:1", "fd00:8::1",
	                ND_OPT_SOURCE_LINKADDR, V6A_MAC, 0, NULL, 255));
	CHECK(take(e.v6a, out, &pi) > 0);
	CHECK_EQ(pi.icmp_type, ND_NEIGHBOR_ADVERT);
	/* A forged source link-layer option. */
	inject(&e, e.v6a, e.v_v6a->port, f,
	       nd_frame(f, ND_NEIGHBOR_SOLICIT, V6A_MAC, "33:33:ff:00:00:0b",
	                "fd00:8::a", "ff02::1:ff00:b", "fd00:8::b",
	                ND_OPT_SOURCE_LINKADDR, V6B_MAC, 0, NULL, 255));
	CHECK(quiet(e.v6a));
	CHECK(quiet(e.v6b));
	CHECK_EQ(drops(&e, DROP_SPOOFED_ND), 1);
	/* DAD for another VM's address. */
	inject(&e, e.v6a, e.v_v6a->port, f,
	       nd_frame(f, ND_NEIGHBOR_SOLICIT, V6A_MAC, "33:33:ff:00:00:0b",
	                "::", "ff02::1:ff00:b", "fd00:8::b", 0, NULL, 0, NULL,
	                255));
	CHECK(quiet(e.v6b));
	CHECK_EQ(drops(&e, DROP_SPOOFED_ND), 2);
	/* DAD for its own: goes to the local neighbours, who may defend. */
	inject(&e, e.v6a, e.v_v6a->port, f,
	       nd_frame(f, ND_NEIGHBOR_SOLICIT, V6A_MAC, "33:33:ff:00:00:0a",
	                "::", "ff02::1:ff00:a", "fd00:8::a", 0, NULL, 0, NULL,
	                255));
	CHECK(!quiet(e.v6b));
	/* Hop limit not 255: not a neighbour's message. */
	inject(&e, e.v6a, e.v_v6a->port, f,
	       nd_frame(f, ND_NEIGHBOR_SOLICIT, V6A_MAC, "33:33:ff:00:00:0b",
	                "fd00:8::a", "ff02::1:ff00:b", "fd00:8::b",
	                ND_OPT_SOURCE_LINKADDR, V6A_MAC, 0, NULL, 64));
	CHECK_EQ(drops(&e, DROP_BAD_ND), 1);
	/* A VM is no router: RA and redirect dropped. */
	inject(&e, e.v6a, e.v_v6a->port, f,
	       nd_frame(f, ND_ROUTER_ADVERT, V6A_MAC, ALL_NODES_MAC,
	                "fe80::8200:80ff:fe00:a", "ff02::1", NULL,
	                ND_OPT_SOURCE_LINKADDR, V6A_MAC, 0, NULL, 255));
	inject(&e, e.v6a, e.v_v6a->port, f,
	       nd_frame(f, ND_REDIRECT, V6A_MAC, V6B_MAC,
	                "fe80::8200:80ff:fe00:a", "fd00:8::b", NULL, 0, NULL, 0,
	                NULL, 255));
	CHECK(quiet(e.v6b));
	CHECK_EQ(drops(&e, DROP_ND_IGNORED), 2);
	env_uninit(&e);
}

/* Hole 2: decapsulated frames must come from the CA's MAC or a router. */
static void
test_decap_inner_mac(void)
{
	struct env e;
	struct pkt_info pi;
	uint8_t in[256], f[512];
	size_t n;

	env_init(&e);
	/* Contoso3's CA from its PA, but another MAC. */
	n = ping(in, "600060000299", "600060000101", "10.0.1.103", "10.0.1.101",
	         64);
	inject(&e, e.up, 0, f, nvgre(f, 6000, "192.168.0.33", in, n));
	CHECK(quiet(e.c1));
	CHECK_EQ(drops(&e, DROP_SPOOFED_INNER_MAC), 1);
	/* The record's MAC: delivered. */
	n = ping(in, "600060000203", "600060000101", "10.0.1.103", "10.0.1.101",
	         64);
	inject(&e, e.up, 0, f, nvgre(f, 6000, "192.168.0.33", in, n));
	CHECK(take(e.c1, out, &pi) > 0);
	/* Routed by Host2's router: the derived router MAC of the VSID. */
	n = ping(in, "024856001770", "600060000101", "10.0.1.103", "10.0.1.101",
	         63);
	inject(&e, e.up, 0, f, nvgre(f, 6000, "192.168.0.33", in, n));
	CHECK(!quiet(e.c1));
	/* Routed from 6001 by a host whose ".1" MAC for 6000 we do not
	 * know (each host has its own): accepted... */
	add_lr(e.pol, "10.0.2.9", 6001, "600160010309", "192.168.0.33");
	n = ping(in, "600060000200", "600060000101", "10.0.2.9", "10.0.1.101",
	         63);
	inject(&e, e.up, 0, f, nvgre(f, 6000, "192.168.0.33", in, n));
	CHECK(!quiet(e.c1));
	CHECK_EQ(drops(&e, DROP_SPOOFED_INNER_MAC), 1);
	/* ... but not with the MAC of a VM of the VSID. */
	n = ping(in, "600060000102", "600060000101", "10.0.2.9", "10.0.1.101",
	         63);
	inject(&e, e.up, 0, f, nvgre(f, 6000, "192.168.0.33", in, n));
	CHECK(quiet(e.c1));
	CHECK_EQ(drops(&e, DROP_SPOOFED_INNER_MAC), 2);
	/* An ARP whose sender MAC is not the frame's. */
	{
		struct eth_addr s = mac("600060000203"),
		                d = mac("600060000101");
		struct eth_addr sha = mac("600060000299");
		struct in6_addr a = ip("10.0.1.103"), t = ip("10.0.1.101");

		n = build_arp(in, sizeof(in), &d, &s, 0, 2, &sha, &a, &d, &t);
		inject(&e, e.up, 0, f, nvgre(f, 6000, "192.168.0.33", in, n));
		CHECK(quiet(e.c1));
		CHECK_EQ(drops(&e, DROP_SPOOFED_INNER_MAC), 3);
	}
	/* A remote NA claiming a local VM's CA. */
	n = nd_frame(in, ND_NEIGHBOR_ADVERT, "80008000000c", ALL_NODES_MAC,
	             "fd00:8::c", "ff02::1", "fd00:8::a",
	             ND_OPT_TARGET_LINKADDR, "80008000000c", 0, NULL, 255);
	inject(&e, e.up, 0, f, nvgre(f, 8000, "192.168.0.33", in, n));
	CHECK(quiet(e.v6a));
	CHECK(quiet(e.v6b));
	CHECK_EQ(drops(&e, DROP_SPOOFED_ND), 1);
	env_uninit(&e);
}

/* Hole 3: an adapter without a record owns no address. */
static void
test_unrecorded_adapter(void)
{
	struct env e;
	struct io_port *rogue, *learner;
	struct vm_adapter *v_rogue, *v_learner;
	uint8_t f[256];

	env_init(&e);
	v_rogue = add_vm(&e, "Rogue", "600060000199", 6000, &rogue);
	inject(&e, rogue, v_rogue->port, f,
	       ping(f, "600060000199", "600060000102", "10.0.1.150",
	            "10.0.1.102", 64));
	CHECK(quiet(e.c2));
	CHECK_EQ(drops(&e, DROP_SPOOFED_SRC_IP), 1);
	/* Nor may it route from one, nor ARP as one. */
	inject(&e, rogue, v_rogue->port, f,
	       ping(f, "600060000199", "600060000100", "10.0.1.150", "10.0.2.2",
	            64));
	CHECK(quiet(e.gw));
	inject(&e, rogue, v_rogue->port, f,
	       arp_req(f, "600060000199", "10.0.1.150", "10.0.1.102"));
	CHECK(quiet(e.c2));
	CHECK_EQ(drops(&e, DROP_SPOOFED_SRC_IP), 3);
	/* DHCP-style unspecified sources are fine (not routed). */
	inject(&e, rogue, v_rogue->port, f,
	       arp_req(f, "600060000199", "0.0.0.0", "10.0.1.102"));
	CHECK(!quiet(e.c2));
	/* An adapter whose MAC has an L2Only record learns its address
	 * (flow F4): it may use one nobody owns, not an owned one. */
	CHECK_EQ(add_lr_full(e.pol, "0.0.0.0", 6000, "600060000198",
	                     "192.168.0.22", LR_RULE_ENCAP, LR_TYPE_L2ONLY),
	         0);
	v_learner = add_vm(&e, "Learner", "600060000198", 6000, &learner);
	inject(&e, learner, v_learner->port, f,
	       ping(f, "600060000198", "600060000102", "10.0.1.151",
	            "10.0.1.102", 64));
	CHECK(!quiet(e.c2));
	inject(&e, learner, v_learner->port, f,
	       ping(f, "600060000198", "600060000102", "10.0.1.101",
	            "10.0.1.102", 64));
	CHECK(quiet(e.c2));
	CHECK_EQ(drops(&e, DROP_SPOOFED_SRC_IP), 4);
	io_destroy(rogue);
	io_destroy(learner);
	env_uninit(&e);
}

/* Hole 4: one rule on every path. */
static void
test_rule_none_every_path(void)
{
	struct env e;
	uint8_t f[256];

	env_init(&e);
	resolve_host2(&e);
	CHECK_EQ(add_lr_full(e.pol, "10.0.1.104", 6000, "600060000204",
	                     "192.168.0.33", LR_RULE_NONE, LR_TYPE_STATIC),
	         0);
	/* Switched (F3 path). */
	inject(&e, e.c1, e.v_c1->port, f,
	       ping(f, "600060000101", "600060000204", "10.0.1.101",
	            "10.0.1.104", 64));
	CHECK(quiet(e.up));
	CHECK_EQ(drops(&e, DROP_RULE_NONE), 1);
	/* Routed (F5 path). */
	inject(&e, e.gw, e.v_gw->port, f,
	       ping(f, "600160010301", "024856001771", "10.0.2.2", "10.0.1.104",
	            64));
	CHECK(quiet(e.up));
	CHECK_EQ(drops(&e, DROP_RULE_NONE), 2);
	/* Its ARP is not answered from the record either. */
	inject(&e, e.c1, e.v_c1->port, f,
	       arp_req(f, "600060000101", "10.0.1.101", "10.0.1.104"));
	CHECK(quiet(e.c1));
	CHECK(quiet(e.up));
	env_uninit(&e);
}

/* Hole 7: a healthy host shows no drops. */
static void
test_neighbour_replies_not_drops(void)
{
	struct env e;
	uint8_t f[256];
	struct eth_addr other = mac("02:00:00:00:00:44");
	struct eth_addr bc = mac("ff:ff:ff:ff:ff:ff"), z = {{0}};
	struct in6_addr a = ip("192.168.0.44"), t = ip("192.168.0.55");

	env_init(&e);
	/* A packet to Contoso3 asks for Host2's MAC; the reply answers. */
	inject(&e, e.c1, e.v_c1->port, f,
	       ping(f, "600060000101", "600060000203", "10.0.1.101",
	            "10.0.1.103", 64));
	resolve_host2(&e);
	CHECK_EQ(events(&e, PLEV_NEIGH_LEARNT), 1);
	CHECK(!quiet(e.up)); /* the ARP request, then the packet */
	/* Other hosts' ARP on the segment. */
	inject(&e, e.up, 0, f,
	       build_arp(f, sizeof(f), &bc, &other, 0, 1, &other, &a, &z, &t));
	CHECK_EQ(events(&e, PLEV_SEGMENT_OTHER), 1);
	CHECK(quiet(e.up));
	CHECK_EQ(drops_total(&e), 0);
	env_uninit(&e);
}

/* Hole 8: a flat segment with 300 PAs, and a host ARPing from 5,000
 * addresses at our PA: every next hop stays resolved. */
static void
test_neighbours_scale_and_hold(void)
{
	struct env e;
	struct pmsg msg = {0};
	struct provider_address pa = {0};
	struct pkt_info pi;
	uint8_t f[256];
	char ca[32], pas[32], m[16];
	struct eth_addr bc = mac("ff:ff:ff:ff:ff:ff"), z = {{0}};
	struct eth_addr pamac = mac("02:00:00:00:10:01");
	struct in6_addr mypa = ip("10.20.0.1");
	int n_ok = 0;

	env_init(&e);
	pa.pa = mypa;
	pa.plen = 16;
	pa.mac = pamac;
	CHECK_EQ(policy_pa_add(e.pol, &pa, &msg), 0);
	add_cr(e.pol, RDID, 6002, "10.9.0.0/16", "0.0.0.0");
	for (int i = 0; i < 300; i++) {
		struct eth_addr hm = {
		    {0x02, 0x99, 0, 0, (uint8_t)(i >> 8), (uint8_t)i}};
		struct in6_addr hp;

		snprintf(ca, sizeof(ca), "10.9.%d.%d", 1 + i / 200,
		         i % 200 + 2);
		snprintf(pas, sizeof(pas), "10.20.%d.%d", 1 + i / 200,
		         i % 200 + 2);
		snprintf(m, sizeof(m), "6002%08x", i);
		add_lr(e.pol, ca, 6002, m, pas);
		hp = ip(pas);
		inject(&e, e.up, 0, f,
		       build_arp(f, sizeof(f), &pamac, &hm, 0, 2, &hm, &hp,
		                 &pamac, &mypa));
	}
	/* Send to each: all resolved now, so NVGRE at once. */
	for (int i = 0; i < 300; i++) {
		snprintf(ca, sizeof(ca), "10.9.%d.%d", 1 + i / 200,
		         i % 200 + 2);
		snprintf(m, sizeof(m), "6002%08x", i);
		inject(&e, e.gw, e.v_gw->port, f,
		       ping(f, "600160010301", "024856001771", "10.0.2.2", ca,
		            64));
		(void)m;
	}
	while (io_mem_take(e.up, out, sizeof(out)) > 0)
		;
	/* A host ARPs for our PA from 5,000 addresses. */
	for (int i = 0; i < 5000; i++) {
		struct eth_addr hm = {
		    {0x02, 0x66, 0, 0, (uint8_t)(i >> 8), (uint8_t)i}};
		struct in6_addr hp;

		snprintf(pas, sizeof(pas), "10.20.%d.%d", 100 + i / 250,
		         i % 250 + 1);
		hp = ip(pas);
		inject(&e, e.up, 0, f,
		       build_arp(f, sizeof(f), &bc, &hm, 0, 1, &hm, &hp, &z,
		                 &mypa));
		while (io_mem_take(e.up, out, sizeof(out)) > 0)
			;
	}
	/* Every next hop still resolved: each packet leaves as NVGRE, no
	 * ARP request. */
	for (int i = 0; i < 300; i++) {
		snprintf(ca, sizeof(ca), "10.9.%d.%d", 1 + i / 200,
		         i % 200 + 2);
		inject(&e, e.gw, e.v_gw->port, f,
		       ping(f, "600160010301", "024856001771", "10.0.2.2", ca,
		            64));
		if (take(e.up, out, &pi) > 0 && pi.l4_proto == 47 &&
		    quiet(e.up))
			n_ok++;
	}
	CHECK_EQ(n_ok, 300);
	CHECK_EQ(drops(&e, DROP_PA_UNRESOLVED), 0);
	env_uninit(&e);
}

const struct test_case tests[] = {
    TEST(test_nd_unsolicited_na_spoof),
    TEST(test_nd_solicitations),
    TEST(test_decap_inner_mac),
    TEST(test_unrecorded_adapter),
    TEST(test_rule_none_every_path),
    TEST(test_neighbour_replies_not_drops),
    TEST(test_neighbours_scale_and_hold),
    {0},
};
