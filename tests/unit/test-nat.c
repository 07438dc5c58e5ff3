/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-nat: IP Rewrite (flow F10, pipeline/nat.c) on the in-memory host
 * of tests/unit/pl-env.h, with a tenant whose records are
 * TranslationMethodNat:
 *
 *   NatA 10.0.5.101 (6005, here)   own PA 192.168.0.101 (a local PA)
 *   NatB 10.0.5.103 (6005, Host2)  own PA 192.168.0.103
 *   NatC 10.0.6.103 (6006, Host2)  own PA 192.168.0.106
 *   N6a  fd00:5::a (8005, here)    own PA fd99::a;  N6b fd00:5::b PA fd99::b
 *
 * Out: no encapsulation, the addresses become the records' PAs, every
 * checksum still verifies; in: the PAs become CAs again, the VSID comes
 * from the destination PA, and the source must be a record of the same
 * routing domain.
 */
#include "tests/unit/pl-env.h"

#include "pkt/ipv4.h"

#define RD5 "{12345678-1000-2000-3000-123456780005}"
#define RD6 "{12345678-1000-2000-3000-123456780006}"

struct nenv {
	struct env e;
	struct io_port *na, *n6a;
	struct vm_adapter *v_na, *v_n6a;
};

static void
add_pa(struct env *e, const char *a, int plen)
{
	struct provider_address pa = {0};
	struct pmsg m = {0};

	pa.pa = ip(a);
	pa.plen = plen;
	CHECK_EQ(policy_pa_add(e->pol, &pa, &m), 0);
}

static void
add_nat(struct env *e, const char *ca, uint32_t vsid, const char *m,
        const char *pa)
{
	CHECK_EQ(
	    add_lr_full(e->pol, ca, vsid, m, pa, LR_RULE_NAT, LR_TYPE_STATIC),
	    0);
}

static void
nenv_init(struct nenv *n)
{
	struct env *e = &n->e;

	env_init(e);
	add_pa(e, "192.168.0.101", 24);
	add_pa(e, "fd99::a", 64);
	add_cr(e->pol, RD5, 6005, "10.0.5.0/24", "0.0.0.0");
	add_cr(e->pol, RD5, 6006, "10.0.6.0/24", "0.0.0.0");
	add_cr(e->pol, RD6, 8005, "fd00:5::/64", "::");
	add_lr(e->pol, "10.0.5.1", 6005, "600560050100", "192.168.0.22");
	add_nat(e, "10.0.5.101", 6005, "600560050101", "192.168.0.101");
	add_nat(e, "10.0.5.103", 6005, "600560050103", "192.168.0.103");
	add_nat(e, "10.0.6.103", 6006, "600660060103", "192.168.0.106");
	add_nat(e, "fd00:5::a", 8005, "80058005000a", "fd99::a");
	add_nat(e, "fd00:5::b", 8005, "80058005000b", "fd99::b");
	n->v_na = add_vm(e, "NatA", "600560050101", 6005, &n->na);
	n->v_n6a = add_vm(e, "N6a", "80058005000a", 8005, &n->n6a);
	resolve_host2(e);
	/* Host2 answers for its per-CA PAs too. */
	for (int i = 0; i < 3; i++) {
		static const char *const pas[] = {"192.168.0.103",
		                                  "192.168.0.106", NULL};
		struct eth_addr h2 = mac("44:55:66:77:88:99");
		struct eth_addr me = mac("02:00:00:00:00:22");
		struct in6_addr a, b = ip("192.168.0.101");
		uint8_t f[128];

		if (!pas[i])
			break;
		a = ip(pas[i]);
		inject(
		    e, e->up, 0, f,
		    build_arp(f, sizeof(f), &me, &h2, 0, 2, &h2, &a, &me, &b));
	}
}

static void
nenv_uninit(struct nenv *n)
{
	io_destroy(n->na);
	io_destroy(n->n6a);
	env_uninit(&n->e);
}

/* Every checksum of the IP packet in 'f' verifies. */
static bool
csums_ok(const uint8_t *f, size_t n)
{
	static uint8_t copy[PBUF_FRAME_MAX];
	struct pkt_info pi;

	if (pkt_parse(f, n, &pi) < 0 || !pi.is_ip)
		return false;
	if (!pi.is_ipv6 &&
	    csum_fold(csum_add(0, f + pi.l3_ofs,
	                       (size_t)(f[pi.l3_ofs] & 15) * 4)) != 0)
		return false;
	memcpy(copy, f, n);
	if (build_l4_csum(copy, &pi) == 0)
		return !memcmp(copy, f, n);
	if (pi.l4_proto == 58) {
		uint32_t s = csum_pseudo6(&pi.ip_src, &pi.ip_dst, 58,
		                          (uint32_t)(pi.ip_end - pi.l4_ofs));

		return csum_fold(csum_add(s, f + pi.l4_ofs,
		                          (size_t)(pi.ip_end - pi.l4_ofs))) ==
		       0;
	}
	return true;
}

/* A TCP segment with a payload, checksummed. */
static size_t
tcp_frame(uint8_t *f, const char *smac, const char *dmac, const char *sip,
          const char *dip)
{
	uint8_t l4[60] = {0};

	l4[0] = 0x9c;
	l4[1] = 0x40;
	l4[2] = 0x00;
	l4[3] = 0x50;
	l4[12] = 5 << 4;
	l4[13] = 0x18;
	memcpy(l4 + 20, "GET / HTTP/1.0\r\n\r\nrewritten-.", 30);
	return ip_frame(f, smac, dmac, sip, dip, 6, l4, 50, 16, 64, true);
}

static void
test_out_switched(void)
{
	struct nenv n;
	struct pkt_info pi;
	uint8_t f[256];
	int len;

	nenv_init(&n);
	inject(&n.e, n.na, n.v_na->port, f,
	       tcp_frame(f, "600560050101", "600560050103", "10.0.5.101",
	                 "10.0.5.103"));
	len = take(n.e.up, out, &pi);
	CHECK(len > 0);
	CHECK_EQ(pi.l4_proto, 6); /* no tunnel */
	CHECK_EQ(ip_get_v4(&pi.ip_src), inet_addr("192.168.0.101"));
	CHECK_EQ(ip_get_v4(&pi.ip_dst), inet_addr("192.168.0.103"));
	CHECK(eth_equal(&pi.eth_dst, &(struct eth_addr){{0x44, 0x55, 0x66, 0x77,
	                                                 0x88, 0x99}}));
	CHECK_EQ(pi.ttl, 64);
	CHECK(csums_ok(out, (size_t)len));
	CHECK(!memcmp(out + pi.l4_ofs + 20, "GET /", 5));
	/* ICMP (whose checksum covers no address) and UDP too. */
	inject(&n.e, n.na, n.v_na->port, f,
	       ping(f, "600560050101", "600560050103", "10.0.5.101",
	            "10.0.5.103", 64));
	len = take(n.e.up, out, &pi);
	CHECK(len > 0 && csums_ok(out, (size_t)len));
	inject(&n.e, n.na, n.v_na->port, f,
	       udp_frame(f, "600560050101", "600560050103", "10.0.5.101",
	                 "10.0.5.103", 100, false));
	len = take(n.e.up, out, &pi);
	CHECK(len > 0 && csums_ok(out, (size_t)len));
	CHECK_EQ(drops_total(&n.e), 0);
	nenv_uninit(&n);
}

static void
test_out_routed_and_refused(void)
{
	struct nenv n;
	struct pkt_info pi;
	uint8_t f[256];
	int len;

	nenv_init(&n);
	/* Routed to 6006 (F5 + F10): TTL 63, the destination's PA. */
	inject(&n.e, n.na, n.v_na->port, f,
	       ping(f, "600560050101", "600560050100", "10.0.5.101",
	            "10.0.6.103", 64));
	len = take(n.e.up, out, &pi);
	CHECK(len > 0);
	CHECK_EQ(ip_get_v4(&pi.ip_dst), inet_addr("192.168.0.106"));
	CHECK_EQ(pi.ttl, 63);
	CHECK(len > 0 && csums_ok(out, (size_t)len));
	/* A source without an IP Rewrite record of its own. */
	CHECK_EQ(add_lr_full(n.e.pol, "10.0.5.7", 6005, "600560050107",
	                     "192.168.0.22", LR_RULE_ENCAP, LR_TYPE_STATIC),
	         0);
	{
		struct io_port *io;
		struct vm_adapter *v =
		    add_vm(&n.e, "Enc", "600560050107", 6005, &io);

		inject(&n.e, io, v->port, f,
		       ping(f, "600560050107", "600560050103", "10.0.5.7",
		            "10.0.5.103", 64));
		CHECK(quiet(n.e.up));
		CHECK_EQ(drops(&n.e, DROP_NAT_NO_SOURCE), 1);
		io_destroy(io);
	}
	/* ARP for the remote CA is answered from its record. */
	inject(&n.e, n.na, n.v_na->port, f,
	       arp_req(f, "600560050101", "10.0.5.101", "10.0.5.103"));
	CHECK(take(n.na, out, &pi) > 0);
	CHECK_EQ(pi.arp_op, 2);
	nenv_uninit(&n);
}

/* A packet from Host2's NatB (or NatC) to NatA's PA. */
static size_t
from_host2(uint8_t *f, const char *src_pa, const char *dst_pa, bool tcp)
{
	size_t n =
	    tcp ? tcp_frame(f, "445566778899", "024400000101", src_pa, dst_pa)
	        : ping(f, "445566778899", "024400000101", src_pa, dst_pa, 63);

	return n;
}

static void
test_in(void)
{
	struct nenv n;
	struct pkt_info pi;
	uint8_t f[256];
	int len;

	nenv_init(&n);
	inject(&n.e, n.e.up, 0, f,
	       from_host2(f, "192.168.0.103", "192.168.0.101", true));
	len = take(n.na, out, &pi);
	CHECK(len > 0);
	CHECK_EQ(ip_get_v4(&pi.ip_src), inet_addr("10.0.5.103"));
	CHECK_EQ(ip_get_v4(&pi.ip_dst), inet_addr("10.0.5.101"));
	CHECK(eth_equal(&pi.eth_dst, &n.v_na->mac));
	CHECK(eth_equal(&pi.eth_src, &(struct eth_addr){{0x60, 0x05, 0x60, 0x05,
	                                                 0x01, 0x03}}));
	CHECK(len > 0 && csums_ok(out, (size_t)len));
	/* An echo request to NatA's PA is NatA's, not the host's. */
	inject(&n.e, n.e.up, 0, f,
	       from_host2(f, "192.168.0.103", "192.168.0.101", false));
	CHECK(take(n.na, out, &pi) > 0);
	CHECK_EQ(pi.icmp_type, 8);
	CHECK(quiet(n.e.up));
	/* From NatC (6006, same routing domain): from the router's MAC. */
	inject(&n.e, n.e.up, 0, f,
	       from_host2(f, "192.168.0.106", "192.168.0.101", false));
	CHECK(take(n.na, out, &pi) > 0);
	CHECK_EQ(ip_get_v4(&pi.ip_src), inet_addr("10.0.6.103"));
	{
		struct eth_addr r;

		pipeline_router_mac(n.e.pl, 6005, &r);
		CHECK(eth_equal(&pi.eth_src, &r));
	}
	/* From a PA that is no IP Rewrite record, or one of another
	 * routing domain: dropped. */
	inject(&n.e, n.e.up, 0, f,
	       from_host2(f, "192.168.0.33", "192.168.0.101", false));
	CHECK(quiet(n.na));
	CHECK_EQ(drops(&n.e, DROP_NAT_UNKNOWN_SOURCE), 1);
	add_cr(n.e.pol, RED, 7005, "10.0.5.0/24", "0.0.0.0");
	add_nat(&n.e, "10.0.5.66", 7005, "700570050166", "192.168.0.166");
	inject(&n.e, n.e.up, 0, f,
	       from_host2(f, "192.168.0.166", "192.168.0.101", false));
	CHECK(quiet(n.na));
	CHECK_EQ(drops(&n.e, DROP_NAT_UNKNOWN_SOURCE), 2);
	nenv_uninit(&n);
}

static void
test_ipv6(void)
{
	struct nenv n;
	struct pkt_info pi;
	uint8_t f[256];
	int len;

	nenv_init(&n);
	inject(&n.e, n.n6a, n.v_n6a->port, f,
	       udp_frame(f, "80058005000a", "80058005000b", "fd00:5::a",
	                 "fd00:5::b", 200, false));
	/* The NS for fd99::b from fd99::a; Host2's answer releases it. */
	len = take(n.e.up, out, &pi);
	CHECK_EQ(pi.icmp_type, ND_NEIGHBOR_SOLICIT);
	inject(&n.e, n.e.up, 0, f,
	       nd_frame(f, ND_NEIGHBOR_ADVERT, "445566778899", "020000000022",
	                "fd99::b", "fd99::a", "fd99::b", ND_OPT_TARGET_LINKADDR,
	                "445566778899", 0, NULL, 255));
	len = take(n.e.up, out, &pi);
	CHECK(len > 0);
	CHECK(pi.is_ipv6);
	CHECK_EQ(pi.l4_proto, 17);
	{
		struct in6_addr a = ip("fd99::a"), b = ip("fd99::b");

		CHECK(ip_equal(&pi.ip_src, &a));
		CHECK(ip_equal(&pi.ip_dst, &b));
	}
	CHECK(len > 0 && csums_ok(out, (size_t)len));
	/* Back: an ICMPv6 echo, whose checksum covers the addresses. */
	inject(
	    &n.e, n.e.up, 0, f,
	    ping(f, "445566778899", "024400000101", "fd99::b", "fd99::a", 63));
	len = take(n.n6a, out, &pi);
	CHECK(len > 0);
	{
		struct in6_addr a = ip("fd00:5::a"), b = ip("fd00:5::b");

		CHECK(ip_equal(&pi.ip_dst, &a));
		CHECK(ip_equal(&pi.ip_src, &b));
	}
	CHECK(len > 0 && csums_ok(out, (size_t)len));
	nenv_uninit(&n);
}

const struct test_case tests[] = {
    TEST(test_out_switched),
    TEST(test_out_routed_and_refused),
    TEST(test_in),
    TEST(test_ipv6),
    {0},
};
