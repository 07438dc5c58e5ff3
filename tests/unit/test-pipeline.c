/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-pipeline: the packet flows of DESIGN.md section 3 through the real
 * pipeline with in-memory ports (no root, no kernel).  Host1 of the book:
 *
 *   Contoso1 10.0.1.101 (6000) --+            PA 192.168.0.22
 *   Contoso2 10.0.1.102 (6000) --+-- Host1 -- uplink -- (Host2 .33)
 *   Gw       10.0.2.2   (6001) --+            Contoso3 10.0.1.103 (6000)
 *   Red      10.0.1.101 (7000, another RDID, same CA as Contoso1)
 */
#include <arpa/inet.h>
#include <string.h>

#include "io/io.h"
#include "pipeline/pipeline.h"
#include "pkt/build.h"
#include "pkt/nvgre.h"
#include "pkt/parse.h"
#include "pkt/probe.h"
#include "policy/policy.h"
#include "tests/unit/harness.h"

struct env {
	struct policy *pol;
	struct pipeline *pl;
	struct io_port *up, *c1, *c2, *gw, *red;
	struct vm_adapter *v_c1, *v_c2, *v_gw, *v_red;
};

static struct in6_addr
ip(const char *s)
{
	struct in6_addr a;

	ip_parse(s, &a);
	return a;
}

static struct eth_addr
mac(const char *s)
{
	struct eth_addr e;

	eth_parse(s, &e);
	return e;
}

static void
add_lr(struct policy *p, const char *ca, uint32_t vsid, const char *m,
       const char *pa)
{
	struct lookup_record r = {0};
	struct pmsg msg = {0};

	r.ca = ip(ca);
	r.vsid = vsid;
	r.mac = mac(m);
	r.pa = ip(pa);
	CHECK_EQ(policy_lr_add(p, &r, &msg), 0);
}

static void
add_cr(struct policy *p, const char *rdid, uint32_t vsid, const char *pfx,
       const char *nh)
{
	struct customer_route r = {0};
	struct pmsg msg = {0};

	guid_parse(rdid, &r.rdid);
	r.vsid = vsid;
	prefix_parse(pfx, &r.prefix, &r.plen);
	r.nexthop = ip(nh);
	CHECK_EQ(policy_cr_add(p, &r, &msg), 0);
}

static struct vm_adapter *
add_vm(struct env *e, const char *vm, const char *m, uint32_t vsid,
       struct io_port **io)
{
	struct vm_adapter v = {0}, *vma;
	struct pmsg msg = {0};

	strcpy(v.vm, vm);
	strcpy(v.name, "eth0");
	strcpy(v.sw, "HNVSwitch");
	v.mac = mac(m);
	v.vsid = vsid;
	CHECK_EQ(policy_vma_add(e->pol, &v, &msg), 0);
	vma = policy_vma_find(e->pol, vm, "eth0");
	*io = io_mem_create(vm);
	vma->port = pipeline_add_port(e->pl, *io, vma);
	return vma;
}

#define RDID "{12345678-1000-2000-3000-123456780001}"
#define RED "{12345678-1000-2000-3000-123456780002}"

static void
env_init(struct env *e)
{
	struct pipeline_config cfg = {.uplink_mtu = 1500};
	struct provider_address pa = {0};
	struct vswitch sw = {0};
	struct pmsg msg = {0};

	memset(e, 0, sizeof(*e));
	e->pol = policy_create();
	cfg.uplink_mac = mac("02:00:00:00:00:22");
	e->pl = pipeline_create(e->pol, &cfg);
	e->up = io_mem_create("uplink");
	pipeline_set_uplink(e->pl, e->up);
	pa.pa = ip("192.168.0.22");
	pa.plen = 24;
	pa.mac = mac("33:44:55:66:77:88");
	CHECK_EQ(policy_pa_add(e->pol, &pa, &msg), 0);
	strcpy(sw.name, "HNVSwitch");
	strcpy(sw.netadapter, "eth0");
	CHECK_EQ(policy_sw_add(e->pol, &sw, &msg), 0);
	add_cr(e->pol, RDID, 6000, "10.0.1.0/24", "0.0.0.0");
	add_cr(e->pol, RDID, 6001, "10.0.2.0/24", "0.0.0.0");
	add_cr(e->pol, RDID, 6001, "0.0.0.0/0", "10.0.2.2");
	add_cr(e->pol, RED, 7000, "10.0.1.0/24", "0.0.0.0");
	add_lr(e->pol, "10.0.1.1", 6000, "600060000100", "192.168.0.22");
	add_lr(e->pol, "10.0.1.101", 6000, "600060000101", "192.168.0.22");
	add_lr(e->pol, "10.0.1.102", 6000, "600060000102", "192.168.0.22");
	add_lr(e->pol, "10.0.1.103", 6000, "600060000203", "192.168.0.33");
	add_lr(e->pol, "10.0.2.2", 6001, "600160010301", "192.168.0.22");
	add_lr(e->pol, "10.0.1.101", 7000, "700070000101", "192.168.0.22");
	add_lr(e->pol, "10.0.1.103", 7000, "700070000203", "192.168.0.33");
	e->v_c1 = add_vm(e, "Contoso1", "600060000101", 6000, &e->c1);
	e->v_c2 = add_vm(e, "Contoso2", "600060000102", 6000, &e->c2);
	e->v_gw = add_vm(e, "Gw", "600160010301", 6001, &e->gw);
	e->v_red = add_vm(e, "Red", "700070000101", 7000, &e->red);
}

static void
env_uninit(struct env *e)
{
	pipeline_destroy(e->pl);
	io_destroy(e->up);
	io_destroy(e->c1);
	io_destroy(e->c2);
	io_destroy(e->gw);
	io_destroy(e->red);
	policy_destroy(e->pol);
}

static void
inject(struct env *e, struct io_port *io, int port, const void *f, size_t n)
{
	CHECK_EQ(io_mem_inject(io, f, n), 0);
	pipeline_poll(e->pl, port, 64);
}

static int
take(struct io_port *io, uint8_t *buf, struct pkt_info *pi)
{
	int n = io_mem_take(io, buf, PBUF_FRAME_MAX);

	if (n > 0)
		CHECK_EQ(pkt_parse(buf, (size_t)n, pi), 0);
	return n;
}

static uint64_t
drops(struct env *e, enum drop_reason r)
{
	return pipeline_drops(e->pl)[r];
}

static size_t
arp_req(uint8_t *f, const char *smac, const char *sip, const char *tip)
{
	struct eth_addr s = mac(smac), z = {{0}};
	struct eth_addr bc = mac("ff:ff:ff:ff:ff:ff");
	struct in6_addr a = ip(sip), t = ip(tip);

	return build_arp(f, 128, &bc, &s, 0, 1, &s, &a, &z, &t);
}

static size_t
ping(uint8_t *f, const char *smac, const char *dmac, const char *sip,
     const char *dip, int ttl)
{
	struct eth_addr s = mac(smac), d = mac(dmac);
	struct in6_addr a = ip(sip), b = ip(dip);

	return build_probe(f, &s, &d, &a, &b, 1, 0, 0, ttl);
}

static uint8_t out[PBUF_FRAME_MAX];

/* Resolves 192.168.0.33 on the uplink as Host2 would answer. */
static void
resolve_host2(struct env *e)
{
	struct eth_addr h2 = mac("44:55:66:77:88:99");
	struct eth_addr pa1 = mac("33:44:55:66:77:88");
	struct in6_addr a = ip("192.168.0.33"), b = ip("192.168.0.22");
	uint8_t f[128];
	size_t n = build_arp(f, sizeof(f), &pa1, &h2, 0, 2, &h2, &a, &pa1, &b);

	inject(e, e->up, 0, f, n);
}

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

static size_t
nvgre(uint8_t *f, uint32_t vsid, const char *src_pa, const uint8_t *inner,
      size_t len)
{
	struct nvgre_outer o = {0};
	size_t ol;

	o.eth_dst = mac("33:44:55:66:77:88");
	o.eth_src = mac("44:55:66:77:88:99");
	o.pa_src = ip(src_pa);
	o.pa_dst = ip("192.168.0.22");
	ol = nvgre_outer_len(&o);
	memcpy(f + ol, inner, len);
	nvgre_write(f, &o, vsid, 7, len);
	return ol + len;
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
    TEST(test_ttl_exceeded),
    TEST(test_trace_explains_encap),
    {0},
};
