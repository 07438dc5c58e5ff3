/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-vxlan: VXLAN (RFC 7348) headers, and the pipeline of a host that
 * sends VXLAN (hnv-agent --encap vxlan) on the in-memory host of
 * tests/unit/pl-env.h: VNI = VSID, UDP 4789, a source port from the flow
 * hash in 49152..65535, 50 bytes of overhead (the path MTU follows), and
 * a receiver that takes both tunnels.
 */
#include "tests/unit/pl-env.h"

#include "pkt/l4.h"
#include "pkt/vxlan.h"

static uint8_t big[PBUF_FRAME_MAX];

static size_t
vxlan(uint8_t *f, uint32_t vni, const char *src_pa, const uint8_t *inner,
      size_t len)
{
	return tunnel(f, true, vni, src_pa, inner, len);
}

static void
test_headers(void)
{
	struct nvgre_outer o = {0};
	struct pkt_info pi;
	uint8_t f[256], inner[64];
	size_t ol;

	memset(inner, 0xab, sizeof(inner));
	o.pa_src = ip("192.168.0.22");
	o.pa_dst = ip("192.168.0.33");
	ol = vxlan_outer_len(&o);
	CHECK_EQ(ol, 50);
	memcpy(f + ol, inner, sizeof(inner));
	vxlan_write(f, &o, 6000, 51234, sizeof(inner));
	CHECK_EQ(pkt_parse(f, ol + sizeof(inner), &pi), 0);
	CHECK_EQ(pi.l4_proto, 17);
	CHECK_EQ(pi.dport, 4789);
	CHECK_EQ(pi.sport, 51234);
	CHECK_EQ(vxlan_parse(f + pi.l4_ofs + 8, 16), 6000);
	CHECK_EQ(f[pi.l4_ofs + 6] | f[pi.l4_ofs + 7], 0); /* no csum v4 */
	/* IPv6 PAs: 70 bytes, and a valid UDP checksum. */
	o.pa_src = ip("fd99::22");
	o.pa_dst = ip("fd99::33");
	o.vlan = 7;
	ol = vxlan_outer_len(&o);
	CHECK_EQ(ol, 74);
	memcpy(f + ol, inner, sizeof(inner));
	vxlan_write(f, &o, 16777214, 65535, sizeof(inner));
	CHECK_EQ(pkt_parse(f, ol + sizeof(inner), &pi), 0);
	CHECK(pi.has_vlan);
	{
		size_t ulen = 8 + 8 + sizeof(inner);
		uint32_t sum =
		    csum_pseudo6(&o.pa_src, &o.pa_dst, 17, (uint32_t)ulen);

		sum = csum_add(sum, f + pi.l4_ofs, ulen);
		CHECK_EQ(csum_fold(sum), 0);
	}
	CHECK_EQ(vxlan_parse(f + pi.l4_ofs + 8, 8), 16777214);
	/* Short, or the I flag clear: not VXLAN; reserved bits ignored. */
	CHECK_EQ(vxlan_parse(f + pi.l4_ofs + 8, 7), -1);
	f[pi.l4_ofs + 8] = 0;
	CHECK_EQ(vxlan_parse(f + pi.l4_ofs + 8, 8), -1);
	f[pi.l4_ofs + 8] = 0x88;
	f[pi.l4_ofs + 9] = 0xff;
	CHECK_EQ(vxlan_parse(f + pi.l4_ofs + 8, 8), 16777214);
	/* The source port range. */
	for (uint32_t h = 0; h < 100000; h += 997)
		CHECK(vxlan_sport(h * 2654435761u) >= 49152);
	CHECK_EQ(pipeline_encap_overhead(PIPELINE_ENCAP_VXLAN, false), 50);
	CHECK_EQ(pipeline_encap_overhead(PIPELINE_ENCAP_VXLAN, true), 70);
	CHECK_EQ(pipeline_encap_overhead(PIPELINE_ENCAP_NVGRE, false), 42);
	CHECK_EQ(pipeline_encap_overhead(PIPELINE_ENCAP_NVGRE, true), 62);
}

static void
test_encap(void)
{
	struct env e;
	struct pkt_info pi, in;
	uint8_t f[256];
	int n;
	uint16_t sport;

	env_init_cfg(&e, 1500, PIPELINE_ENCAP_VXLAN);
	resolve_host2(&e);
	inject(&e, e.c1, e.v_c1->port, f,
	       ping(f, "600060000101", "600060000203", "10.0.1.101",
	            "10.0.1.103", 64));
	n = take(e.up, out, &pi);
	CHECK(n > 0);
	CHECK_EQ(pi.l4_proto, 17);
	CHECK_EQ(pi.dport, 4789);
	CHECK(pi.sport >= 49152);
	sport = pi.sport;
	CHECK_EQ(vxlan_parse(out + pi.l4_ofs + 8, (size_t)n - pi.l4_ofs - 8),
	         6000);
	CHECK_EQ(ip_get_v4(&pi.ip_dst), inet_addr("192.168.0.33"));
	CHECK_EQ(
	    pkt_parse(out + pi.l4_ofs + 16, (size_t)n - pi.l4_ofs - 16, &in),
	    0);
	CHECK_EQ(ip_get_v4(&in.ip_dst), inet_addr("10.0.1.103"));
	/* The same flow, the same source port. */
	inject(&e, e.c1, e.v_c1->port, f,
	       ping(f, "600060000101", "600060000203", "10.0.1.101",
	            "10.0.1.103", 64));
	CHECK(take(e.up, out, &pi) > 0);
	CHECK_EQ(pi.sport, sport);
	/* Routed (F5): the destination's VNI. */
	inject(&e, e.gw, e.v_gw->port, f,
	       ping(f, "600160010301", "024856001771", "10.0.2.2", "10.0.1.103",
	            64));
	n = take(e.up, out, &pi);
	CHECK(n > 0);
	CHECK_EQ(vxlan_parse(out + pi.l4_ofs + 8, (size_t)n - pi.l4_ofs - 8),
	         6000);
	env_uninit(&e);
}

static void
test_mtu(void)
{
	struct env e;
	struct pkt_info pi;
	size_t n;
	uint32_t mtu;

	env_init_cfg(&e, 1500, PIPELINE_ENCAP_VXLAN);
	resolve_host2(&e);
	n = udp_frame(big, "600060000101", "600060000203", "10.0.1.101",
	              "10.0.1.103", 1450, true);
	inject(&e, e.c1, e.v_c1->port, big, n);
	CHECK_EQ(io_mem_take(e.up, out, sizeof(out)), 1450 + 50 + 14);
	n = udp_frame(big, "600060000101", "600060000203", "10.0.1.101",
	              "10.0.1.103", 1451, true);
	inject(&e, e.c1, e.v_c1->port, big, n);
	CHECK(quiet(e.up));
	CHECK(take(e.c1, out, &pi) > 0);
	CHECK_EQ(pi.icmp_type, 3);
	CHECK_EQ(pi.icmp_code, 4);
	memcpy(&mtu, out + pi.l4_ofs + 4, 4);
	CHECK_EQ(ntohl(mtu), 1450);
	env_uninit(&e);
}

static void
test_decap(void)
{
	struct env e;
	struct pkt_info pi;
	uint8_t in[128], f[256];
	size_t n;

	env_init_cfg(&e, 1500, PIPELINE_ENCAP_VXLAN);
	n = ping(in, "600060000203", "600060000101", "10.0.1.103", "10.0.1.101",
	         64);
	inject(&e, e.up, 0, f, vxlan(f, 6000, "192.168.0.33", in, n));
	CHECK(take(e.c1, out, &pi) > 0);
	CHECK_EQ(ip_get_v4(&pi.ip_src), inet_addr("10.0.1.103"));
	/* A VXLAN host takes NVGRE too. */
	n = ping(in, "600060000203", "600060000101", "10.0.1.103", "10.0.1.101",
	         64);
	inject(&e, e.up, 0, f, nvgre(f, 6000, "192.168.0.33", in, n));
	CHECK(!quiet(e.c1));
	/* The same isolation checks: the VNI against the port, the PA
	 * against the inner source. */
	n = ping(in, "600060000203", "700070000101", "10.0.1.103", "10.0.1.101",
	         64);
	inject(&e, e.up, 0, f, vxlan(f, 6000, "192.168.0.33", in, n));
	CHECK(quiet(e.red));
	CHECK_EQ(drops(&e, DROP_VSID_MISMATCH), 1);
	n = ping(in, "600060000203", "600060000101", "10.0.1.103", "10.0.1.101",
	         64);
	inject(&e, e.up, 0, f, vxlan(f, 6000, "192.168.0.44", in, n));
	CHECK(quiet(e.c1));
	CHECK_EQ(drops(&e, DROP_SRC_PA_MISMATCH), 1);
	/* The I flag clear. */
	n = vxlan(f, 6000, "192.168.0.33", in, n);
	f[14 + 20 + 8] = 0;
	inject(&e, e.up, 0, f, n);
	CHECK(quiet(e.c1));
	CHECK_EQ(drops(&e, DROP_BAD_VXLAN), 1);
	env_uninit(&e);
}

const struct test_case tests[] = {
    TEST(test_headers), TEST(test_encap), TEST(test_mtu), TEST(test_decap), {0},
};
