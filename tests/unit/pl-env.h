/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pl-env: the in-memory host the pipeline unit tests share (no root, no
 * kernel).  Host1 of the book, plus a second tenant with the same CAs and
 * an IPv6 tenant:
 *
 *   Contoso1 10.0.1.101 (6000) --+            PA 192.168.0.22
 *   Contoso2 10.0.1.102 (6000) --+-- Host1 -- uplink -- (Host2 .33)
 *   Gw       10.0.2.2   (6001) --+            Contoso3 10.0.1.103 (6000)
 *   Red      10.0.1.101 (7000, another RDID, same CA as Contoso1)
 *   V6a fd00:8::a, V6b fd00:8::b (8000, IPv6 RDID); V6c fd00:8::c on .33
 *
 * Also frame builders for what the tests send: ARP, pings, UDP of any
 * size (IPv4 with or without DF, IPv6), ND messages with chosen options,
 * NVGRE from a remote PA.  Static functions: include it once per test.
 */
#ifndef TESTS_UNIT_PL_ENV_H
#define TESTS_UNIT_PL_ENV_H

#include <arpa/inet.h>
#include <string.h>

#include "io/io.h"
#include "pipeline/pipeline.h"
#include "pkt/build.h"
#include "pkt/csum.h"
#include "pkt/icmp.h"
#include "pkt/nvgre.h"
#include "pkt/parse.h"
#include "pkt/probe.h"
#include "pkt/vxlan.h"
#include "policy/policy.h"
#include "tests/unit/harness.h"

struct env {
	struct policy *pol;
	struct pipeline *pl;
	struct io_port *up, *c1, *c2, *gw, *red, *v6a, *v6b;
	struct vm_adapter *v_c1, *v_c2, *v_gw, *v_red, *v_v6a, *v_v6b;
};

static inline struct in6_addr
ip(const char *s)
{
	struct in6_addr a;

	ip_parse(s, &a);
	return a;
}

static inline struct eth_addr
mac(const char *s)
{
	struct eth_addr e;

	eth_parse(s, &e);
	return e;
}

static inline int
add_lr_full(struct policy *p, const char *ca, uint32_t vsid, const char *m,
            const char *pa, enum lr_rule rule, enum lr_type type)
{
	struct lookup_record r = {0};
	struct pmsg msg = {0};

	r.ca = ip(ca);
	r.vsid = vsid;
	r.mac = mac(m);
	r.pa = ip(pa);
	r.rule = rule;
	r.type = type;
	return policy_lr_add(p, &r, &msg);
}

static inline void
add_lr(struct policy *p, const char *ca, uint32_t vsid, const char *m,
       const char *pa)
{
	CHECK_EQ(add_lr_full(p, ca, vsid, m, pa, LR_RULE_ENCAP, LR_TYPE_STATIC),
	         0);
}

static inline void
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

static inline struct vm_adapter *
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
#define RDID6 "{12345678-1000-2000-3000-123456780003}"

static inline void
env_init_cfg(struct env *e, int mtu, enum pipeline_encap encap)
{
	struct pipeline_config cfg = {.uplink_mtu = mtu, .encap = encap};
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
	add_cr(e->pol, RDID6, 8000, "fd00:8::/64", "::");
	add_lr(e->pol, "10.0.1.1", 6000, "600060000100", "192.168.0.22");
	add_lr(e->pol, "10.0.1.101", 6000, "600060000101", "192.168.0.22");
	add_lr(e->pol, "10.0.1.102", 6000, "600060000102", "192.168.0.22");
	add_lr(e->pol, "10.0.1.103", 6000, "600060000203", "192.168.0.33");
	add_lr(e->pol, "10.0.2.2", 6001, "600160010301", "192.168.0.22");
	add_lr(e->pol, "10.0.1.101", 7000, "700070000101", "192.168.0.22");
	add_lr(e->pol, "10.0.1.103", 7000, "700070000203", "192.168.0.33");
	add_lr(e->pol, "fd00:8::a", 8000, "80008000000a", "192.168.0.22");
	add_lr(e->pol, "fd00:8::b", 8000, "80008000000b", "192.168.0.22");
	add_lr(e->pol, "fd00:8::c", 8000, "80008000000c", "192.168.0.33");
	e->v_c1 = add_vm(e, "Contoso1", "600060000101", 6000, &e->c1);
	e->v_c2 = add_vm(e, "Contoso2", "600060000102", 6000, &e->c2);
	e->v_gw = add_vm(e, "Gw", "600160010301", 6001, &e->gw);
	e->v_red = add_vm(e, "Red", "700070000101", 7000, &e->red);
	e->v_v6a = add_vm(e, "V6a", "80008000000a", 8000, &e->v6a);
	e->v_v6b = add_vm(e, "V6b", "80008000000b", 8000, &e->v6b);
}

static inline void
env_init_mtu(struct env *e, int mtu)
{
	env_init_cfg(e, mtu, PIPELINE_ENCAP_NVGRE);
}

static inline void
env_init(struct env *e)
{
	env_init_mtu(e, 1500);
}

static inline void
env_uninit(struct env *e)
{
	pipeline_destroy(e->pl);
	io_destroy(e->up);
	io_destroy(e->c1);
	io_destroy(e->c2);
	io_destroy(e->gw);
	io_destroy(e->red);
	io_destroy(e->v6a);
	io_destroy(e->v6b);
	policy_destroy(e->pol);
}

static inline void
inject(struct env *e, struct io_port *io, int port, const void *f, size_t n)
{
	CHECK_EQ(io_mem_inject(io, f, n), 0);
	pipeline_poll(e->pl, port, 64);
}

static uint8_t out[PBUF_FRAME_MAX];

static inline int
take(struct io_port *io, uint8_t *buf, struct pkt_info *pi)
{
	int n = io_mem_take(io, buf, PBUF_FRAME_MAX);

	if (n > 0)
		CHECK_EQ(pkt_parse(buf, (size_t)n, pi), 0);
	return n;
}

/* True if 'io' has nothing queued (and empties it). */
static inline bool
quiet(struct io_port *io)
{
	bool none = io_mem_take(io, out, sizeof(out)) == 0;

	while (io_mem_take(io, out, sizeof(out)) > 0)
		;
	return none;
}

static inline uint64_t
drops(struct env *e, enum drop_reason r)
{
	return pipeline_drops(e->pl)[r];
}

static inline uint64_t
drops_total(struct env *e)
{
	uint64_t n = 0;

	for (int r = 0; r < DROP_MAX; r++)
		n += pipeline_drops(e->pl)[r];
	return n;
}

static inline uint64_t
events(struct env *e, enum pl_event v)
{
	return pipeline_events(e->pl)[v];
}

static inline size_t
arp_req(uint8_t *f, const char *smac, const char *sip, const char *tip)
{
	struct eth_addr s = mac(smac), z = {{0}};
	struct eth_addr bc = mac("ff:ff:ff:ff:ff:ff");
	struct in6_addr a = ip(sip), t = ip(tip);

	return build_arp(f, 128, &bc, &s, 0, 1, &s, &a, &z, &t);
}

static inline size_t
ping(uint8_t *f, const char *smac, const char *dmac, const char *sip,
     const char *dip, int ttl)
{
	struct eth_addr s = mac(smac), d = mac(dmac);
	struct in6_addr a = ip(sip), b = ip(dip);

	return build_probe(f, &s, &d, &a, &b, 1, 0, 0, ttl);
}

/* Ethernet + IPv4 or IPv6 (by the addresses) + 'l4' of 'l4len' bytes of
 * protocol 'proto', whose checksum at 'csum_at' (or -1: none) is filled
 * in; IPv4 with DF when 'df'.  Returns the frame length. */
static inline size_t
ip_frame(uint8_t *f, const char *smac, const char *dmac, const char *sip,
         const char *dip, uint8_t proto, const uint8_t *l4, size_t l4len,
         int csum_at, int ttl, bool df)
{
	struct eth_addr s = mac(smac), d = mac(dmac);
	struct in6_addr a = ip(sip), b = ip(dip);
	bool v6 = !ip_is_v4(&a);
	size_t l3 = v6 ? 40 : 20;
	uint8_t *h = f + 14, *p = f + 14 + l3;
	uint32_t sum;

	memcpy(f, &d, 6);
	memcpy(f + 6, &s, 6);
	f[12] = v6 ? 0x86 : 0x08;
	f[13] = v6 ? 0xdd : 0x00;
	memcpy(p, l4, l4len);
	if (csum_at >= 0) {
		p[csum_at] = p[csum_at + 1] = 0;
		sum = v6 ? csum_pseudo6(&a, &b, proto, (uint32_t)l4len)
		         : csum_pseudo4(ip_get_v4(&a), ip_get_v4(&b), proto,
		                        (uint32_t)l4len);
		sum = csum_add(sum, p, l4len);
		p[csum_at] = (uint8_t)(csum_fold(sum) >> 8);
		p[csum_at + 1] = (uint8_t)csum_fold(sum);
	}
	memset(h, 0, l3);
	if (v6) {
		h[0] = 0x60;
		h[4] = (uint8_t)(l4len >> 8);
		h[5] = (uint8_t)l4len;
		h[6] = proto;
		h[7] = (uint8_t)ttl;
		memcpy(h + 8, &a, 16);
		memcpy(h + 24, &b, 16);
	} else {
		uint32_t s4 = ip_get_v4(&a), d4 = ip_get_v4(&b);

		h[0] = 0x45;
		h[2] = (uint8_t)((20 + l4len) >> 8);
		h[3] = (uint8_t)(20 + l4len);
		h[4] = 0x12;
		h[5] = 0x34;
		h[6] = df ? 0x40 : 0;
		h[8] = (uint8_t)ttl;
		h[9] = proto;
		memcpy(h + 12, &s4, 4);
		memcpy(h + 16, &d4, 4);
		sum = csum_fold(csum_add(0, h, 20));
		h[10] = (uint8_t)(sum >> 8);
		h[11] = (uint8_t)sum;
	}
	return 14 + l3 + l4len;
}

/* A UDP datagram whose IP packet is 'ip_len' bytes. */
static inline size_t
udp_frame(uint8_t *f, const char *smac, const char *dmac, const char *sip,
          const char *dip, size_t ip_len, bool df)
{
	static uint8_t l4[PBUF_FRAME_MAX];
	size_t l4len = ip_len - (strchr(sip, ':') ? 40 : 20);

	for (size_t i = 0; i < l4len; i++)
		l4[i] = (uint8_t)(i * 7 + 3);
	l4[0] = 0x30;
	l4[1] = 0x39;
	l4[2] = 0x30;
	l4[3] = 0x3a;
	l4[4] = (uint8_t)(l4len >> 8);
	l4[5] = (uint8_t)l4len;
	return ip_frame(f, smac, dmac, sip, dip, 17, l4, l4len, 6, 64, df);
}

/* An ND message of 'type' (133-137) for 'target' (NS/NA; NULL: none)
 * with up to two link-layer options ('opt1'/'mac1', 'opt2'/'mac2'; type
 * 0: absent), hop limit 'hops'. */
static inline size_t
nd_frame(uint8_t *f, uint8_t type, const char *smac, const char *dmac,
         const char *sip, const char *dip, const char *target, uint8_t opt1,
         const char *mac1, uint8_t opt2, const char *mac2, int hops)
{
	uint8_t l4[128] = {0};
	size_t n;

	l4[0] = type;
	switch (type) {
	case 133:
		n = 8;
		break;
	case 134:
		n = 16;
		break;
	case 137:
		n = 40;
		break;
	default:
		n = 24;
	}
	if (type == 136)
		l4[4] = 0x60; /* solicited | override */
	if (target) {
		struct in6_addr t = ip(target);

		memcpy(l4 + 8, &t, 16);
	}
	if (opt1) {
		struct eth_addr m = mac(mac1);

		l4[n] = opt1;
		l4[n + 1] = 1;
		memcpy(l4 + n + 2, &m, 6);
		n += 8;
	}
	if (opt2) {
		struct eth_addr m = mac(mac2);

		l4[n] = opt2;
		l4[n + 1] = 1;
		memcpy(l4 + n + 2, &m, 6);
		n += 8;
	}
	return ip_frame(f, smac, dmac, sip, dip, 58, l4, n, 2, hops, false);
}

/* Resolves 192.168.0.33 on the uplink as Host2 would answer. */
static inline void
resolve_host2(struct env *e)
{
	struct eth_addr h2 = mac("44:55:66:77:88:99");
	struct eth_addr pa1 = mac("33:44:55:66:77:88");
	struct in6_addr a = ip("192.168.0.33"), b = ip("192.168.0.22");
	uint8_t f[128];
	size_t n = build_arp(f, sizeof(f), &pa1, &h2, 0, 2, &h2, &a, &pa1, &b);

	inject(e, e->up, 0, f, n);
}

/* A tunnel packet from 'src_pa' to Host1 carrying 'inner': NVGRE
 * (FlowID 7) or VXLAN (source port 50000). */
static inline size_t
tunnel(uint8_t *f, bool vx, uint32_t vsid, const char *src_pa,
       const uint8_t *inner, size_t len)
{
	struct nvgre_outer o = {0};
	size_t ol;

	o.eth_dst = mac("33:44:55:66:77:88");
	o.eth_src = mac("44:55:66:77:88:99");
	o.pa_src = ip(src_pa);
	o.pa_dst = ip("192.168.0.22");
	ol = vx ? vxlan_outer_len(&o) : nvgre_outer_len(&o);
	memmove(f + ol, inner, len);
	if (vx)
		vxlan_write(f, &o, vsid, 50000, len);
	else
		nvgre_write(f, &o, vsid, 7, len);
	return ol + len;
}

static inline size_t
nvgre(uint8_t *f, uint32_t vsid, const char *src_pa, const uint8_t *inner,
      size_t len)
{
	return tunnel(f, false, vsid, src_pa, inner, len);
}

#endif
