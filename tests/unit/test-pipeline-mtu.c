/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-pipeline-mtu: path MTU on the in-memory host of
 * tests/unit/pl-env.h (uplink MTU 1500, NVGRE over IPv4: 42 bytes, so
 * the largest inner IP packet is 1458).  A too-big packet used to be
 * dropped silently; now (pipeline/encap.c rule 4):
 *  - IPv4 with DF: ICMP "fragmentation needed", MTU 1458, from the
 *    sender's router address, on the switched and the routed path;
 *  - IPv4 without DF: fragments that fit, which reassemble to the
 *    original;
 *  - IPv6: ICMPv6 "packet too big", MTU 1458;
 *  - ICMP errors are rate-limited.
 */
#include "tests/unit/pl-env.h"

#include "pkt/ipv4.h"

static uint8_t big[PBUF_FRAME_MAX];

/* The ICMP error on 'io', checked: type/code, the MTU in it, its source
 * address, and that it quotes the offending packet's header. */
static void
check_icmp_mtu(struct io_port *io, bool v6, const char *from, uint32_t mtu)
{
	struct pkt_info pi;
	uint32_t got;
	int n = take(io, out, &pi);

	CHECK(n > 0);
	if (n <= 0)
		return;
	CHECK(pi.is_ip);
	CHECK_EQ(pi.is_ipv6, v6);
	CHECK_EQ(pi.l4_proto, v6 ? 58 : 1);
	CHECK_EQ(pi.icmp_type, v6 ? ICMP6_PACKET_TOO_BIG : ICMP_DEST_UNREACH);
	CHECK_EQ(pi.icmp_code, v6 ? 0 : ICMP_FRAG_NEEDED);
	memcpy(&got, out + pi.l4_ofs + 4, 4);
	CHECK_EQ(ntohl(got), mtu);
	CHECK(ip_equal(&pi.ip_src, &(struct in6_addr){0}) == false);
	{
		struct in6_addr f = ip(from);

		CHECK(ip_equal(&pi.ip_src, &f));
	}
	/* The quoted header follows the ICMP header. */
	CHECK_EQ(out[pi.l4_ofs + 8] >> 4, v6 ? 6 : 4);
}

static void
test_df_switched(void)
{
	struct env e;
	size_t n;

	env_init(&e);
	resolve_host2(&e);
	/* Exactly the MTU passes. */
	n = udp_frame(big, "600060000101", "600060000203", "10.0.1.101",
	              "10.0.1.103", 1458, true);
	inject(&e, e.c1, e.v_c1->port, big, n);
	CHECK_EQ(io_mem_take(e.up, out, sizeof(out)), (int)(1458 + 42 + 14));
	CHECK(quiet(e.c1));
	/* One byte more: fragmentation needed, MTU 1458, from 10.0.1.1. */
	n = udp_frame(big, "600060000101", "600060000203", "10.0.1.101",
	              "10.0.1.103", 1459, true);
	inject(&e, e.c1, e.v_c1->port, big, n);
	CHECK(quiet(e.up));
	check_icmp_mtu(e.c1, false, "10.0.1.1", 1458);
	CHECK_EQ(drops(&e, DROP_TOO_BIG), 1);
	CHECK_EQ(events(&e, PLEV_ICMP_ERROR_SENT), 1);
	env_uninit(&e);
}

static void
test_df_routed(void)
{
	struct env e;
	size_t n;

	env_init(&e);
	resolve_host2(&e);
	/* Gw (10.0.2.2, VSID 6001) to Contoso3 (6000 on Host2): the error
	 * comes from the Gw's own router address 10.0.2.1. */
	n = udp_frame(big, "600160010301", "024856001771", "10.0.2.2",
	              "10.0.1.103", 1500, true);
	inject(&e, e.gw, e.v_gw->port, big, n);
	CHECK(quiet(e.up));
	check_icmp_mtu(e.gw, false, "10.0.2.1", 1458);
	CHECK_EQ(drops(&e, DROP_TOO_BIG), 1);
	env_uninit(&e);
}

static void
test_fragment_no_df(void)
{
	struct env e;
	struct pkt_info pi, in;
	uint8_t whole[4000];
	size_t n, total = 0, ip_len = 3000;
	int frags = 0;
	bool last_seen = false;

	env_init(&e);
	resolve_host2(&e);
	n = udp_frame(big, "600060000101", "600060000203", "10.0.1.101",
	              "10.0.1.103", ip_len, false);
	memcpy(whole, big + 14, ip_len);
	inject(&e, e.c1, e.v_c1->port, big, n);
	for (;;) {
		int len = take(e.up, out, &pi);
		const struct ipv4_hdr *h;
		size_t off, plen;

		if (len <= 0)
			break;
		CHECK(len <= 1500 + 14);
		CHECK_EQ(pi.l4_proto, 47);
		CHECK_EQ(pi.gre_key >> 8, 6000);
		CHECK_EQ(pkt_parse(out + pi.inner_ofs,
		                   (size_t)len - pi.inner_ofs, &in),
		         0);
		CHECK(in.is_fragment);
		h = (const struct ipv4_hdr *)(out + pi.inner_ofs + 14);
		CHECK(ntohs(h->tot_len) <= 1458);
		off = (size_t)(ntohs(h->frag_off) & 0x1fff) * 8;
		plen = ntohs(h->tot_len) - 20u;
		CHECK(off + plen <= ip_len - 20);
		/* The fragment's payload is the original's at 'off'. */
		CHECK(!memcmp((const uint8_t *)h + 20, whole + 20 + off, plen));
		CHECK_EQ(h->id, htons(0x1234));
		if (!(ntohs(h->frag_off) & IPV4_FLAG_MF))
			last_seen = true;
		total += plen;
		frags++;
	}
	CHECK_EQ(frags, 3);
	CHECK(last_seen);
	CHECK_EQ(total, ip_len - 20);
	CHECK(quiet(e.c1));
	CHECK_EQ(events(&e, PLEV_FRAGMENTED), 1);
	CHECK_EQ(events(&e, PLEV_FRAGMENTS_SENT), 3);
	CHECK_EQ(drops_total(&e), 0);
	env_uninit(&e);
}

static void
test_ipv6_too_big(void)
{
	struct env e;
	size_t n;

	env_init(&e);
	resolve_host2(&e);
	n = udp_frame(big, "80008000000a", "80008000000c", "fd00:8::a",
	              "fd00:8::c", 1458, true);
	inject(&e, e.v6a, e.v_v6a->port, big, n);
	CHECK(!quiet(e.up));
	n = udp_frame(big, "80008000000a", "80008000000c", "fd00:8::a",
	              "fd00:8::c", 1500, true);
	inject(&e, e.v6a, e.v_v6a->port, big, n);
	CHECK(quiet(e.up));
	check_icmp_mtu(e.v6a, true, "fd00:8::1", 1458);
	CHECK_EQ(drops(&e, DROP_TOO_BIG), 1);
	env_uninit(&e);
}

static void
test_jumbo_uplink(void)
{
	struct env e;
	size_t n;

	/* A 9000-byte uplink carries a guest's 1500-byte packets whole. */
	env_init_mtu(&e, 9000);
	resolve_host2(&e);
	n = udp_frame(big, "600060000101", "600060000203", "10.0.1.101",
	              "10.0.1.103", 1500, true);
	inject(&e, e.c1, e.v_c1->port, big, n);
	CHECK_EQ(io_mem_take(e.up, out, sizeof(out)), (int)(1500 + 42 + 14));
	n = udp_frame(big, "600060000101", "600060000203", "10.0.1.101",
	              "10.0.1.103", 8959, true);
	inject(&e, e.c1, e.v_c1->port, big, n);
	check_icmp_mtu(e.c1, false, "10.0.1.1", 8958);
	env_uninit(&e);
}

static void
test_rate_limited(void)
{
	struct env e;
	size_t n;
	int got = 0;

	env_init(&e);
	resolve_host2(&e);
	n = udp_frame(big, "600060000101", "600060000203", "10.0.1.101",
	              "10.0.1.103", 1500, true);
	for (int i = 0; i < 300; i++) {
		inject(&e, e.c1, e.v_c1->port, big, n);
		while (io_mem_take(e.c1, out, sizeof(out)) > 0)
			got++;
	}
	CHECK(got >= 1);
	CHECK(got <= 200); /* 100 a second; the loop may span a second */
	CHECK(events(&e, PLEV_ICMP_ERROR_LIMITED) >= 100);
	CHECK_EQ(drops(&e, DROP_TOO_BIG), 300);
	env_uninit(&e);
}

const struct test_case tests[] = {
    TEST(test_df_switched),
    TEST(test_df_routed),
    TEST(test_fragment_no_df),
    TEST(test_ipv6_too_big),
    TEST(test_jumbo_uplink),
    TEST(test_rate_limited),
    {0},
};
