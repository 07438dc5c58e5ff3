/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seeds-pipeline: the seed inputs of fuzz-pipeline, one per kind of
 * frame the host handles (ARP, IPv4 and IPv6 to local, remote and routed
 * destinations, ND NS/NA/RS/RA/redirect, NVGRE from each remote PA in
 * each of its VSIDs, fragments, tagged frames, the PAs' own ARP/ND/ping),
 * and a test that they do what the packet flows say: each seed runs
 * through the fuzzed host (pipeline-world.h), the oracle must accept every
 * frame the pipeline sends, and the ports the flow must reach must have
 * received something (so the oracle is not passing a host that delivers
 * nothing).  Built as build/tests/test-fuzz-pipeline-seeds, run by
 * `make test`; with -o DIR it also writes the seeds, named, into DIR
 * (how tests/fuzz/corpus/pipeline/ began).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "pipeline/pipeline.h"
#include "pkt/build.h"
#include "pkt/csum.h"
#include "pkt/nvgre.h"
#include "pkt/parse.h"
#include "pkt/probe.h"
#include "pkt/vxlan.h"
#include "tests/fuzz/pipeline-oracle.h"
#include "tests/fuzz/pipeline-world.h"

/* What a seed must reach: VM i is bit i. */
#define UP_NVGRE (1u << 30) /* an NVGRE or VXLAN frame on the uplink */
#define UP_RAW (1u << 29)   /* any other frame on the uplink */

static struct world *w;
static const char *outdir;
static int verbose;
static const char *dict;
static int passed, failed;

/* The seed being built. */
static uint8_t sbuf[32768];
static size_t slen;

/* The seed being run. */
static struct oracle_input cur;
static unsigned reached;
static int in_setup; /* the setup's output does not count as reached */
static char violation[1200];

static struct in6_addr
IP(const char *s) {
	struct in6_addr a;

	if (ip_parse(s, &a) < 0)
		abort();
	return a;
}

static struct eth_addr
MAC(const char *s) {
	struct eth_addr e;

	if (eth_parse(s, &e) < 0)
		abort();
	return e;
}

static int
vm_index(const char *name)
{
	for (int i = 0; i < W_N_VMS; i++)
		if (!strcmp(w->vm[i].name, name))
			return i;
	abort();
}

static unsigned
V(const char *name)
{
	return 1u << vm_index(name);
}

static struct eth_addr
vmac(const char *name)
{
	return w->vm[vm_index(name)].mac;
}

static struct eth_addr
rmac(uint32_t vsid)
{
	struct eth_addr m;

	pipeline_router_mac(w->pl, vsid, &m);
	return m;
}

static const struct eth_addr bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
static const struct eth_addr zero_mac = {{0}};

/* --- running a seed -------------------------------------------------- */

static void
on_input(struct world *wo, int index, int port, const uint8_t *f, size_t len,
         void *aux)
{
	(void)index;
	(void)aux;
	in_setup = port == WORLD_SETUP;
	if (port == WORLD_SETUP) {
		memset(&cur, 0, sizeof(cur));
		cur.kind = ORACLE_FROM_WIRE;
	} else if (port == WORLD_TICK) {
		oracle_input_tick(&cur);
	} else {
		oracle_input(wo, port, f, len, &cur);
	}
}

static void
on_output(struct world *wo, int port, const uint8_t *f, size_t len, void *aux)
{
	const char *why = oracle_check(wo, &cur, port, f, len);
	const struct w_vm *vm = world_vm_at_port(wo, port);
	struct pkt_info pi;

	(void)aux;
	if (why && !violation[0])
		snprintf(violation, sizeof(violation), "%s", why);
	if (in_setup)
		return;
	if (vm)
		reached |= 1u << (vm - wo->vm);
	else if (pkt_parse(f, len, &pi) == 0 && pi.is_ip &&
	         (pi.l4_proto == 47 ||
	          (pi.l4_proto == 17 && pi.dport == VXLAN_PORT)))
		reached |= UP_NVGRE;
	else
		reached |= UP_RAW;
}

static void
begin(void)
{
	slen = 0;
}

static void
rec(uint8_t sel, const uint8_t *f, size_t n)
{
	if (slen + 3 + n > sizeof(sbuf))
		abort();
	sbuf[slen++] = sel;
	sbuf[slen++] = (uint8_t)(n >> 8);
	sbuf[slen++] = (uint8_t)n;
	memcpy(sbuf + slen, f, n);
	slen += n;
}

static void
from_vm(const char *vm, const uint8_t *f, size_t n)
{
	rec(world_sel_for(vm_index(vm)), f, n);
}

static void
from_wire(const uint8_t *f, size_t n)
{
	rec(world_sel_for(-1), f, n);
}

static void
write_seed(const char *name)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	fp = fopen(path, "wb");
	if (!fp || fwrite(sbuf, 1, slen, fp) != slen || fclose(fp) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		exit(2);
	}
}

static void
names(unsigned bits, char *buf, size_t cap)
{
	size_t n = 0;

	buf[0] = 0;
	for (int i = 0; i < W_N_VMS; i++)
		if (bits & 1u << i)
			n += (size_t)snprintf(buf + n, cap - n, " %s",
			                      w->vm[i].name);
	if (bits & UP_NVGRE)
		n += (size_t)snprintf(buf + n, cap - n, " uplink-nvgre");
	if (bits & UP_RAW)
		snprintf(buf + n, cap - n, " uplink-raw");
}

static void end_check(const char *name, unsigned all, unsigned any);

/* Runs the seed just built; 'must' are the ports it must all reach. */
static void
end(const char *name, unsigned must)
{
	end_check(name, must, 0);
}

/* The same for a seed that must reach one of 'any' (where the design
 * allows two answers: from policy or from the owner). */
static void
end_any(const char *name, unsigned any)
{
	end_check(name, 0, any);
}

static void
end_check(const char *name, unsigned must, unsigned any)
{
	static const struct world_hooks hooks = {on_input, on_output};
	char a[256], b[256];

	reached = 0;
	violation[0] = 0;
	world_run(w, sbuf, slen, &hooks, NULL);
	if (violation[0]) {
		printf("FAIL %s: the oracle refused legitimate traffic: rule "
		       "%s\n",
		       name, violation);
		failed++;
	} else if ((reached & must) != must || (any && !(reached & any))) {
		names(must | any, a, sizeof(a));
		names(reached, b, sizeof(b));
		printf("FAIL %s: must reach%s%s; reached%s\n", name,
		       any ? " one of" : "", a, b[0] ? b : " nothing");
		failed++;
	} else {
		passed++;
	}
	if (verbose) {
		names(reached, b, sizeof(b));
		printf("%-48s reached%s\n", name, b[0] ? b : " nothing");
	}
	if (outdir)
		write_seed(name);
}

/* --- frames ---------------------------------------------------------- */

static size_t
probe(uint8_t *f, struct eth_addr s, struct eth_addr d, const char *sip,
      const char *dip, int proto, int ttl)
{
	struct in6_addr a = IP(sip), b = IP(dip);

	return build_probe(f, &s, &d, &a, &b, proto, 40000, 7, ttl);
}

static size_t
arp(uint8_t *f, struct eth_addr d, struct eth_addr s, int op, const char *spa,
    const char *tpa)
{
	struct in6_addr a = IP(spa), t = IP(tpa);
	struct eth_addr tha = op == 1 ? zero_mac : d;

	return build_arp(f, 128, &d, &s, 0, (uint16_t)op, &s, &a, &tha, &t);
}

/* Ethernet + IPv6 (hop limit 'hops') + an ICMPv6 message 'body' (type,
 * code, zero checksum, then the rest), checksummed. */
static size_t
icmp6(uint8_t *f, struct eth_addr d, struct eth_addr s, const char *sip,
      const char *dip, int hops, const uint8_t *body, size_t blen)
{
	struct in6_addr a = IP(sip), b = IP(dip);
	uint16_t c;

	memcpy(f, &d, 6);
	memcpy(f + 6, &s, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	memset(f + 14, 0, 40);
	f[14] = 0x60;
	f[18] = (uint8_t)(blen >> 8);
	f[19] = (uint8_t)blen;
	f[20] = 58;
	f[21] = (uint8_t)hops;
	memcpy(f + 22, &a, 16);
	memcpy(f + 38, &b, 16);
	memcpy(f + 54, body, blen);
	f[56] = f[57] = 0;
	c = htons(csum_fold(
	    csum_add(csum_pseudo6(&a, &b, 58, (uint32_t)blen), f + 54, blen)));
	memcpy(f + 56, &c, 2);
	return 54 + blen;
}

/* The solicited-node multicast address and MAC of 'target'. */
static void
solicited(const char *target, char *ip, struct eth_addr *m)
{
	struct in6_addr t = IP(target), s = IP("ff02::1:ff00:0");

	memcpy(&s.s6_addr[13], &t.s6_addr[13], 3);
	inet_ntop(AF_INET6, &s, ip, IP_ADDR_STRLEN);
	*m = (struct eth_addr){
	    {0x33, 0x33, 0xff, t.s6_addr[13], t.s6_addr[14], t.s6_addr[15]}};
}

/* Neighbour solicitation; DAD (unspecified source) carries no option. */
static size_t
ns(uint8_t *f, struct eth_addr s, const char *sip, const char *target)
{
	struct in6_addr t = IP(target);
	uint8_t body[32] = {135};
	char dip[IP_ADDR_STRLEN];
	struct eth_addr d;
	size_t bl = 24;

	memcpy(body + 8, &t, 16);
	if (strcmp(sip, "::")) {
		body[24] = 1;
		body[25] = 1;
		memcpy(body + 26, &s, 6);
		bl = 32;
	}
	solicited(target, dip, &d);
	return icmp6(f, d, s, sip, dip, 255, body, bl);
}

static size_t
na(uint8_t *f, struct eth_addr d, struct eth_addr s, const char *sip,
   const char *dip, const char *target, struct eth_addr tll, uint8_t flags)
{
	struct in6_addr t = IP(target);
	uint8_t body[32] = {136};

	body[4] = flags;
	memcpy(body + 8, &t, 16);
	body[24] = 2;
	body[25] = 1;
	memcpy(body + 26, &tll, 6);
	return icmp6(f, d, s, sip, dip, 255, body, 32);
}

/* Inserts an 802.1Q tag. */
static size_t
tag(uint8_t *f, size_t n, uint16_t vlan)
{
	memmove(f + 16, f + 12, n - 12);
	f[12] = 0x81;
	f[13] = 0x00;
	f[14] = (uint8_t)(vlan >> 8);
	f[15] = (uint8_t)vlan;
	return n + 4;
}

/* Makes an untagged IPv4 frame a fragment (offset in 8-byte units). */
static size_t
frag4(uint8_t *f, size_t n, uint16_t off, int more)
{
	uint16_t v = (uint16_t)(off | (more ? 0x2000 : 0));

	f[20] = (uint8_t)(v >> 8);
	f[21] = (uint8_t)v;
	world_fix_csums(f, n);
	return n;
}

/* Inserts an IPv6 fragment header after the fixed header. */
static size_t
frag6(uint8_t *f, size_t n, uint16_t off, int more)
{
	uint16_t plen = (uint16_t)(f[18] << 8 | f[19]), v;

	memmove(f + 62, f + 54, n - 54);
	f[54] = f[20];
	f[55] = 0;
	v = (uint16_t)(off << 3 | (more ? 1 : 0));
	f[56] = (uint8_t)(v >> 8);
	f[57] = (uint8_t)v;
	memcpy(f + 58, "\x00\x00\x12\x34", 4);
	f[20] = 44;
	plen += 8;
	f[18] = (uint8_t)(plen >> 8);
	f[19] = (uint8_t)plen;
	return n + 8;
}

/* A UDP datagram in a frame of 'size' bytes (up to the buffer), with DF
 * and IPv4 options (a multiple of 4 bytes, copied on fragmentation when
 * their type has 0x80) as asked. */
static size_t
big(uint8_t *f, struct eth_addr s, struct eth_addr d, const char *sip,
    const char *dip, size_t size, bool df, const uint8_t *opts, size_t olen)
{
	size_t n = probe(f, s, d, sip, dip, 17, 64), l4;
	uint16_t c;

	if (f[12] == 0x08) {
		memmove(f + 34 + olen, f + 34, n - 34);
		if (olen)
			memcpy(f + 34, opts, olen);
		f[14] = (uint8_t)(0x45 + olen / 4);
		l4 = 34 + olen;
		memset(f + l4 + 8, 0xa5, size - l4 - 8);
		f[16] = (uint8_t)((size - 14) >> 8);
		f[17] = (uint8_t)(size - 14);
		f[20] = df ? 0x40 : 0x00;
		f[l4 + 4] = (uint8_t)((size - l4) >> 8);
		f[l4 + 5] = (uint8_t)(size - l4);
		f[l4 + 6] = f[l4 + 7] = 0;
		world_fix_csums(f, size);
	} else {
		struct in6_addr a = IP(sip), b = IP(dip);

		l4 = 54;
		memset(f + l4 + 8, 0xa5, size - l4 - 8);
		f[18] = (uint8_t)((size - 54) >> 8);
		f[19] = (uint8_t)(size - 54);
		f[l4 + 4] = f[18];
		f[l4 + 5] = f[19];
		f[l4 + 6] = f[l4 + 7] = 0;
		c = htons(csum_fold(
		    csum_add(csum_pseudo6(&a, &b, 17, (uint32_t)(size - l4)),
		             f + l4, size - l4)));
		memcpy(f + l4 + 6, &c, 2);
	}
	return size;
}

static int
remote_index(const char *name)
{
	for (int i = 0; i < w->n_remotes; i++)
		if (!strcmp(w->remotes[i].name, name))
			return i;
	abort();
}

static int
vsid_index(uint32_t vsid)
{
	for (int i = 0; i < w->n_vsids; i++)
		if (w->vsids[i] == vsid)
			return i;
	abort();
}

/* An inner frame from remote PA 'from' with 'vsid', wrapped by the
 * harness (selector bit W_SEL_NVGRE) to our PA number 'dst' of the
 * family. */
static void
tunnel_any(bool vxlan, const char *from, int dst, uint32_t vsid,
           const uint8_t *inner, size_t n)
{
	uint8_t f[2048];

	f[0] = (uint8_t)(remote_index(from) | (vxlan ? W_WRAP_VXLAN : 0));
	f[1] = (uint8_t)dst;
	f[2] = (uint8_t)vsid_index(vsid);
	f[3] = 0x5a;
	memcpy(f + 4, inner, n);
	rec(world_sel_for(-1) | W_SEL_NVGRE, f, n + 4);
}

static void
tunnel(const char *from, int dst, uint32_t vsid, const uint8_t *inner, size_t n)
{
	tunnel_any(false, from, dst, vsid, inner, n);
}

/* The same in VXLAN. */
static void
tunnel_vx(const char *from, int dst, uint32_t vsid, const uint8_t *inner,
          size_t n)
{
	tunnel_any(true, from, dst, vsid, inner, n);
}

/* The same, written out whole (the fuzzer mutates the outer header). */
static void
tunnel_raw(const char *from, int dst, uint32_t vsid, const uint8_t *inner,
           size_t n)
{
	uint8_t p[2048], f[2100];
	size_t len;

	p[0] = (uint8_t)remote_index(from);
	p[1] = (uint8_t)dst;
	p[2] = (uint8_t)vsid_index(vsid);
	p[3] = 0;
	memcpy(p + 4, inner, n);
	len = world_wrap(w, p, n + 4, f, sizeof(f));
	from_wire(f, len);
}

static const struct eth_addr h2_mac = {{2, 0, 0, 0, 1, 0x20}};
static const struct eth_addr pa_mac = {{2, 0, 0, 0, 1, 0x10}};

/* --- the seeds ------------------------------------------------------- */

static void
seeds_arp(void)
{
	uint8_t f[256];

	begin();
	from_vm("B1", f, arp(f, bcast, vmac("B1"), 1, "10.0.1.11", "10.0.1.1"));
	end("arp-b1-gateway", V("B1"));
	begin();
	from_vm("B1", f,
	        arp(f, bcast, vmac("B1"), 1, "10.0.1.11", "10.0.1.21"));
	end("arp-b1-remote-from-policy", V("B1"));
	begin();
	from_vm("B1", f,
	        arp(f, bcast, vmac("B1"), 1, "10.0.1.11", "10.0.1.12"));
	end("arp-b1-local-broadcast", V("B2") | V("X"));
	begin();
	from_vm("B2", f,
	        arp(f, vmac("B1"), vmac("B2"), 2, "10.0.1.12", "10.0.1.11"));
	end("arp-b2-reply-to-b1", V("B1"));
	begin();
	from_vm("B1", f,
	        arp(f, bcast, vmac("B1"), 1, "10.0.1.11", "10.0.1.11"));
	end("arp-b1-gratuitous", V("B2") | V("X"));
	begin();
	from_vm("X", f, arp(f, bcast, vmac("X"), 1, "0.0.0.0", "10.0.1.99"));
	end("arp-x-probe-unspecified", V("B1") | V("B2"));
	begin();
	from_vm(
	    "X", f,
	    probe(f, vmac("X"), bcast, "0.0.0.0", "255.255.255.255", 17, 64));
	end("udp-x-dhcp-discover", V("B1") | V("B2"));
	begin();
	from_vm("B1", f,
	        arp(f, bcast, vmac("B1"), 1, "10.0.1.11", "10.0.1.51"));
	/* Answered from the record, or broadcast: a None record is
	 * reachable on no path, so either is right. */
	end("arp-b1-rule-none-record", 0);
	begin();
	from_vm("B1", f,
	        arp(f, bcast, vmac("B1"), 1, "10.0.1.11", "10.0.1.41"));
	end("arp-b1-dynamic-record", V("B1"));
	begin();
	from_vm("B1", f,
	        arp(f, bcast, vmac("B1"), 1, "10.0.1.11", "10.0.1.99"));
	end("arp-b1-unknown", V("B2") | V("X"));
	begin();
	from_vm("B1", f,
	        arp(f, MAC("02:00:00:00:00:21"), vmac("B1"), 2, "10.0.1.11",
	            "10.0.1.21"));
	end("arp-b1-unicast-reply-remote", UP_NVGRE);
	begin();
	from_vm("R1", f, arp(f, bcast, vmac("R1"), 1, "10.0.1.11", "10.0.1.1"));
	from_vm("R1", f,
	        arp(f, bcast, vmac("R1"), 1, "10.0.1.11", "10.0.1.12"));
	end("arp-r1-gateway-and-r3", V("R1") | V("R3"));
	begin();
	from_vm("B3", f, arp(f, bcast, vmac("B3"), 1, "10.0.2.11", "10.0.2.1"));
	end("arp-b3-gateway-derived-mac", V("B3"));
	begin();
	from_vm("R2", f, arp(f, bcast, vmac("R2"), 1, "10.0.5.2", "10.0.5.21"));
	end("arp-r2-remote", V("R2"));
	begin();
	from_vm("B1", f, arp(f, bcast, vmac("B1"), 3, "10.0.1.11", "10.0.1.1"));
	end("arp-b1-rarp-op", 0);
}

static void
seeds_ipv4(void)
{
	uint8_t f[256];
	size_t n;

	begin();
	from_vm(
	    "B1", f,
	    probe(f, vmac("B1"), vmac("B2"), "10.0.1.11", "10.0.1.12", 1, 64));
	end("icmp-b1-b2", V("B2"));
	begin();
	from_vm(
	    "B1", f,
	    probe(f, vmac("B1"), rmac(5001), "10.0.1.11", "10.0.1.1", 1, 64));
	end("icmp-b1-gateway", V("B1"));
	begin();
	from_vm(
	    "B1", f,
	    probe(f, vmac("B1"), rmac(5001), "10.0.1.11", "10.0.2.1", 1, 64));
	end("icmp-b1-other-gateway", V("B1"));
	begin();
	from_vm(
	    "B3", f,
	    probe(f, vmac("B3"), rmac(5002), "10.0.2.11", "10.0.2.1", 1, 64));
	end("icmp-b3-gateway-derived-mac", V("B3"));
	begin();
	from_vm("B1", f,
	        probe(f, vmac("B1"), MAC("02:00:00:00:00:21"), "10.0.1.11",
	              "10.0.1.21", 1, 64));
	end("icmp-b1-remote-h2", UP_NVGRE);
	begin();
	from_vm("B1", f,
	        probe(f, vmac("B1"), MAC("02:b1:01:00:00:31"), "10.0.1.11",
	              "10.0.1.31", 17, 64));
	end("udp-b1-remote-h3-routed-pa", UP_NVGRE);
	begin();
	from_vm("B1", f,
	        probe(f, vmac("B1"), MAC("02:b1:01:00:00:41"), "10.0.1.11",
	              "10.0.1.41", 6, 64));
	end("tcp-b1-dynamic-record", UP_NVGRE);
	begin();
	from_vm(
	    "B1", f,
	    probe(f, vmac("B1"), rmac(5001), "10.0.1.11", "10.0.2.11", 1, 64));
	end("icmp-b1-routed-b3", V("B3"));
	begin();
	from_vm(
	    "B3", f,
	    probe(f, vmac("B3"), rmac(5002), "10.0.2.11", "10.0.1.12", 17, 64));
	end("udp-b3-routed-b2", V("B2"));
	begin();
	from_vm(
	    "B1", f,
	    probe(f, vmac("B1"), rmac(5001), "10.0.1.11", "10.0.2.21", 1, 64));
	end("icmp-b1-routed-remote-ipv6-pa", UP_NVGRE);
	begin();
	from_vm(
	    "B1", f,
	    probe(f, vmac("B1"), rmac(5001), "10.0.1.11", "8.8.8.8", 6, 64));
	end("tcp-b1-internet-via-remote-gateway", UP_NVGRE);
	begin();
	from_vm(
	    "B1", f,
	    probe(f, vmac("B1"), rmac(5001), "10.0.1.11", "10.0.2.11", 1, 1));
	end("icmp-b1-ttl-exceeded", V("B1"));
	begin();
	from_vm(
	    "B1", f,
	    probe(f, vmac("B1"), rmac(5001), "10.0.1.11", "10.0.1.51", 1, 64));
	end("icmp-b1-routed-rule-none", 0);
	begin();
	from_vm(
	    "B1", f,
	    probe(f, vmac("B1"), rmac(5001), "10.0.1.11", "10.0.1.99", 1, 64));
	end("icmp-b1-routed-no-record", 0);
	/* An address of a subnet that no record has: Blue's gateway takes
	 * it (its GatewayWildcard record), and may send from it. */
	begin();
	from_vm(
	    "B1", f,
	    probe(f, vmac("B1"), rmac(5001), "10.0.1.11", "10.0.1.99", 6, 64));
	end("tcp-b1-routed-unassigned-to-wildcard", UP_NVGRE);
	begin();
	from_vm(
	    "B3", f,
	    probe(f, vmac("B3"), vmac("N1"), "10.0.2.11", "10.0.2.12", 17, 64));
	end("udp-b3-n1", V("N1"));
	begin();
	from_vm("N1", f,
	        probe(f, vmac("N1"), MAC("02:b1:02:00:00:21"), "10.0.2.12",
	              "10.0.2.21", 1, 64));
	end("icmp-n1-remote-from-own-pa", UP_NVGRE);
	/* IP Rewrite: N1 and 10.0.2.22 both have TranslationMethodNat
	 * records: no tunnel, PAs for CAs. */
	begin();
	from_vm("N1", f,
	        probe(f, vmac("N1"), MAC("02:b1:02:00:00:22"), "10.0.2.12",
	              "10.0.2.22", 17, 64));
	end("nat-n1-to-nat-peer-rewritten", UP_RAW);
	begin();
	from_vm("B3", f,
	        probe(f, vmac("B3"), MAC("02:b1:02:00:00:22"), "10.0.2.11",
	              "10.0.2.22", 17, 64));
	end("nat-b3-to-nat-peer-no-own-pa", 0);
	/* To an IP Rewrite PA, GRE is payload, not a tunnel to open. */
	begin();
	{
		uint8_t p[64];
		size_t m;

		p[0] = (uint8_t)remote_index("NATPEER");
		p[1] = 1; /* 192.168.1.112, N1's */
		p[2] = (uint8_t)vsid_index(5003);
		p[3] = 0;
		m = probe(p + 4, MAC("02:b1:03:00:00:02"), vmac("B1"),
		          "10.0.3.2", "10.0.1.11", 1, 64);
		n = world_wrap(w, p, m + 4, f, sizeof(f));
		from_wire(f, n);
	}
	end("nat-peer-gre-payload-to-n1", V("N1"));
	/* Red's IP Rewrite peer writes to Blue's N1: another tenant. */
	begin();
	from_wire(f, probe(f, MAC("02:00:00:00:01:23"), pa_mac, "192.168.1.123",
	                   "192.168.1.112", 17, 64));
	end("nat-red-peer-to-blue-n1", 0);
	begin();
	from_vm(
	    "B3", f,
	    probe(f, vmac("B3"), rmac(5002), "10.0.2.11", "10.0.2.22", 1, 64));
	end("icmp-b3-routed-to-nat-record", 0);
	begin();
	from_vm(
	    "R1", f,
	    probe(f, vmac("R1"), vmac("R3"), "10.0.1.11", "10.0.1.12", 17, 64));
	end("udp-r1-r3", V("R3"));
	begin();
	from_vm("R1", f,
	        probe(f, vmac("R1"), MAC("02:00:00:00:00:21"), "10.0.1.11",
	              "10.0.1.21", 1, 64));
	end("icmp-r1-remote-h2-same-mac-as-blue", UP_NVGRE);
	begin();
	from_vm(
	    "R1", f,
	    probe(f, vmac("R1"), rmac(6001), "10.0.1.11", "1.1.1.1", 17, 64));
	end("udp-r1-internet-via-local-gateway", V("R2"));
	begin();
	from_vm(
	    "R2", f,
	    probe(f, vmac("R2"), rmac(6002), "8.8.8.8", "10.0.1.11", 6, 64));
	end("tcp-r2-gateway-forwards-to-r1", V("R1"));
	begin();
	from_vm("R2", f,
	        probe(f, vmac("R2"), MAC("02:ed:02:00:00:21"), "10.0.5.2",
	              "10.0.5.21", 1, 64));
	end("icmp-r2-remote-h3", UP_NVGRE);
	/* H5 is not resolved: the packet waits, an ARP goes out; H5's
	 * answer (tagged, on VLAN 100) lets it go. */
	begin();
	from_vm("R3", f,
	        probe(f, vmac("R3"), MAC("02:ed:01:00:00:41"), "10.0.1.12",
	              "10.0.1.41", 1, 64));
	{
		struct in6_addr s = IP("192.168.3.40"), t = IP("192.168.3.10");
		struct eth_addr hm = MAC("02:00:00:00:03:40"),
		                pm = MAC("02:00:00:00:03:10");

		n = build_arp(f, 128, &pm, &hm, 100, 2, &hm, &s, &pm, &t);
	}
	from_wire(f, n);
	end("icmp-r3-unresolved-vlan-pa-then-arp-reply", UP_RAW | UP_NVGRE);
	/* L has an L2Only record: addresses no record owns are its own. */
	begin();
	from_vm(
	    "L", f,
	    probe(f, vmac("L"), vmac("R1"), "10.0.1.77", "10.0.1.11", 1, 64));
	end("icmp-l2only-l-learnt-address-r1", V("R1"));
	begin();
	from_vm("L", f, arp(f, bcast, vmac("L"), 1, "10.0.1.77", "10.0.1.12"));
	end("arp-l2only-l-learnt-address", V("R1") | V("R3"));
	begin();
	from_vm(
	    "L", f,
	    probe(f, vmac("L"), vmac("R1"), "10.0.1.12", "10.0.1.11", 1, 64));
	end("icmp-l2only-l-claims-r3", 0);
	/* The host sends VXLAN (the first record's selector says so). */
	begin();
	n = probe(f, vmac("B1"), MAC("02:00:00:00:00:21"), "10.0.1.11",
	          "10.0.1.21", 17, 64);
	rec(world_sel_for(vm_index("B1")) | W_SEL_VXLAN, f, n);
	from_vm(
	    "B1", f,
	    probe(f, vmac("B1"), rmac(5001), "10.0.1.11", "10.0.2.21", 1, 64));
	end("vxlan-b1-remote-and-routed", UP_NVGRE);
	begin();
	n = probe(f, vmac("G1"), MAC("02:a6:01:00:00:21"), "fd00:a:1::11",
	          "fd00:a:1::21", 6, 64);
	rec(world_sel_for(vm_index("G1")) | W_SEL_VXLAN, f, n);
	end("vxlan-g1-remote-ipv6-pa", UP_NVGRE);
	/* Fragments, switched and routed. */
	begin();
	n = probe(f, vmac("B1"), vmac("B2"), "10.0.1.11", "10.0.1.12", 17, 64);
	from_vm("B1", f, frag4(f, n, 0, 1));
	n = probe(f, vmac("B1"), vmac("B2"), "10.0.1.11", "10.0.1.12", 17, 64);
	from_vm("B1", f, frag4(f, n, 3, 0));
	end("frag-b1-b2", V("B2"));
	begin();
	n = probe(f, vmac("B1"), rmac(5001), "10.0.1.11", "10.0.2.21", 17, 64);
	from_vm("B1", f, frag4(f, n, 5, 0));
	end("frag-b1-routed-remote-later-fragment", UP_NVGRE);
	begin();
	n = probe(f, vmac("B1"), vmac("B2"), "10.0.1.11", "10.0.1.12", 1, 64);
	from_vm("B1", f, tag(f, n, 5));
	end("tagged-from-vm", 0);
	/* A whole conversation: ARP for the gateway, ping it, ping a remote
	 * VM, its answer comes back. */
	begin();
	from_vm("B1", f, arp(f, bcast, vmac("B1"), 1, "10.0.1.11", "10.0.1.1"));
	from_vm(
	    "B1", f,
	    probe(f, vmac("B1"), rmac(5001), "10.0.1.11", "10.0.1.1", 1, 64));
	from_vm("B1", f,
	        probe(f, vmac("B1"), MAC("02:00:00:00:00:21"), "10.0.1.11",
	              "10.0.1.21", 1, 64));
	n = probe(f, MAC("02:00:00:00:00:21"), vmac("B1"), "10.0.1.21",
	          "10.0.1.11", 1, 64);
	f[34] = 0; /* echo reply */
	tunnel("H2", 0, 5001, f, n);
	end("conversation-b1-h2", V("B1") | UP_NVGRE);
}

static void
seeds_ipv6(void)
{
	uint8_t f[512], body[64];
	size_t n;

	begin();
	from_vm("G1", f, ns(f, vmac("G1"), "fd00:a:1::11", "fd00:a:1::1"));
	end("nd-g1-ns-gateway", V("G1"));
	begin();
	from_vm("G1", f, ns(f, vmac("G1"), "fd00:a:1::11", "fd00:a:1::21"));
	end("nd-g1-ns-remote-from-policy", V("G1"));
	begin();
	from_vm("G1", f, ns(f, vmac("G1"), "fd00:a:1::11", "fd00:a:1::12"));
	end_any("nd-g1-ns-local", V("G1") | V("G2"));
	begin();
	from_vm("G1", f, ns(f, vmac("G1"), "fe80::11", "fd00:a:1::12"));
	end_any("nd-g1-ns-link-local-source", V("G1") | V("G2"));
	begin();
	from_vm("G2", f,
	        na(f, vmac("G1"), vmac("G2"), "fd00:a:1::12", "fd00:a:1::11",
	           "fd00:a:1::12", vmac("G2"), 0x60));
	end("nd-g2-na-solicited", V("G1"));
	begin();
	from_vm("G2", f,
	        na(f, MAC("33:33:00:00:00:01"), vmac("G2"), "fd00:a:1::12",
	           "ff02::1", "fd00:a:1::12", vmac("G2"), 0x20));
	end("nd-g2-na-unsolicited-own-address", V("G1"));
	begin();
	from_vm("G1", f, ns(f, vmac("G1"), "::", "fd00:a:1::11"));
	end("nd-g1-dad", V("G2"));
	begin();
	memset(body, 0, sizeof(body));
	body[0] = 133;
	body[8] = 1;
	body[9] = 1;
	memcpy(body + 10, &w->vm[vm_index("G1")].mac, 6);
	from_vm("G1", f,
	        icmp6(f, MAC("33:33:00:00:00:02"), vmac("G1"), "fe80::11",
	              "ff02::2", 255, body, 16));
	end("nd-g1-router-solicitation", 0);
	begin();
	memset(body, 0, sizeof(body));
	body[0] = 134;
	body[4] = 64;
	body[6] = 0x07;
	body[7] = 0x08;
	body[16] = 1;
	body[17] = 1;
	memcpy(body + 18, &w->vm[vm_index("G1")].mac, 6);
	from_vm("G1", f,
	        icmp6(f, MAC("33:33:00:00:00:01"), vmac("G1"), "fe80::11",
	              "ff02::1", 255, body, 24));
	end("nd-g1-router-advertisement", 0);
	begin();
	memset(body, 0, sizeof(body));
	body[0] = 137;
	{
		struct in6_addr t = IP("fe80::11"), d = IP("fd00:a:1::21");

		memcpy(body + 8, &t, 16);
		memcpy(body + 24, &d, 16);
	}
	from_vm("G1", f,
	        icmp6(f, vmac("G2"), vmac("G1"), "fe80::11", "fe80::12", 255,
	              body, 40));
	end("nd-g1-redirect", 0);
	begin();
	from_vm("G1", f,
	        probe(f, vmac("G1"), vmac("G2"), "fd00:a:1::11", "fd00:a:1::12",
	              1, 64));
	end("icmp6-g1-g2", V("G2"));
	begin();
	from_vm("G1", f,
	        probe(f, vmac("G1"), rmac(7001), "fd00:a:1::11", "fd00:a:1::1",
	              1, 64));
	end("icmp6-g1-gateway", V("G1"));
	begin();
	from_vm("G1", f,
	        probe(f, vmac("G1"), MAC("02:a6:01:00:00:21"), "fd00:a:1::11",
	              "fd00:a:1::21", 1, 64));
	end("icmp6-g1-remote-h4", UP_NVGRE);
	begin();
	from_vm("G2", f,
	        probe(f, vmac("G2"), MAC("02:a6:01:00:00:31"), "fd00:a:1::12",
	              "fd00:a:1::31", 17, 64));
	end("udp6-g2-remote-h2-ipv4-pa", UP_NVGRE);
	begin();
	from_vm("G1", f,
	        probe(f, vmac("G1"), rmac(7001), "fd00:a:1::11", "fd00:a:2::11",
	              17, 64));
	end("udp6-g1-routed-g3", V("G3"));
	begin();
	from_vm("G3", f,
	        probe(f, vmac("G3"), rmac(7002), "fd00:a:2::11", "2001:db8::1",
	              6, 64));
	end("tcp6-g3-internet-via-remote-gateway", UP_NVGRE);
	begin();
	from_vm("G1", f,
	        probe(f, vmac("G1"), rmac(7001), "fd00:a:1::11", "fd00:a:2::11",
	              1, 1));
	end("icmp6-g1-hop-limit-exceeded", V("G1"));
	begin();
	n = probe(f, vmac("G1"), vmac("G2"), "fd00:a:1::11", "fd00:a:1::12", 17,
	          64);
	from_vm("G1", f, frag6(f, n, 0, 1));
	n = probe(f, vmac("G1"), vmac("G2"), "fd00:a:1::11", "fd00:a:1::12", 17,
	          64);
	from_vm("G1", f, frag6(f, n, 2, 0));
	end("frag6-g1-g2", V("G2"));
	begin();
	from_vm("G1", f,
	        probe(f, vmac("G1"), MAC("33:33:00:00:00:01"), "fe80::11",
	              "ff02::1", 1, 1));
	end("icmp6-g1-all-nodes", V("G2"));
	/* H7 is not resolved: an NS goes out, its NA lets the packet go. */
	begin();
	from_vm("G1", f,
	        probe(f, vmac("G1"), MAC("02:a6:01:00:00:41"), "fd00:a:1::11",
	              "fd00:a:1::41", 17, 64));
	from_wire(f, na(f, MAC("02:00:00:00:06:10"), MAC("02:00:00:00:06:30"),
	                "fd00:1::30", "fd00:1::10", "fd00:1::30",
	                MAC("02:00:00:00:06:30"), 0x60));
	end("icmp6-g1-unresolved-then-na", UP_RAW | UP_NVGRE);
	begin();
	from_vm("G1", f,
	        probe(f, vmac("G1"), MAC("02:a6:01:00:00:51"), "fd00:a:1::11",
	              "fd00:a:1::51", 1, 64));
	end("icmp6-g1-pa-without-route", 0);
	/* A link-local target that is another adapter's EUI-64 address. */
	begin();
	from_vm("G2", f,
	        na(f, MAC("33:33:00:00:00:01"), vmac("G2"), "fe80::12",
	           "ff02::1", "fe80::a6:1ff:fe00:11", vmac("G2"), 0x20));
	end("nd-g2-na-other-eui64", 0);
	/* U has no VSID yet. */
	begin();
	from_vm("U", f, arp(f, bcast, vmac("U"), 1, "0.0.0.0", "10.0.1.11"));
	end("arp-u-not-virtualized", 0);
}

/* Path MTU: the uplink's is 1500, so inner IP packets over 1458 bytes
 * (NVGRE over IPv4 PAs) do not fit. */
static void
seeds_mtu(void)
{
	static const uint8_t ra[4] = {0x94, 0x04, 0x00, 0x00};
	static uint8_t f[2048];

	begin();
	from_vm("B1", f,
	        big(f, vmac("B1"), MAC("02:00:00:00:00:21"), "10.0.1.11",
	            "10.0.1.21", 1514, true, NULL, 0));
	end("pmtu-b1-remote-df", V("B1"));
	begin();
	from_vm("B1", f,
	        big(f, vmac("B1"), MAC("02:00:00:00:00:21"), "10.0.1.11",
	            "10.0.1.21", 1514, false, NULL, 0));
	end("pmtu-b1-remote-fragmented", UP_NVGRE);
	begin();
	from_vm("B1", f,
	        big(f, vmac("B1"), MAC("02:00:00:00:00:21"), "10.0.1.11",
	            "10.0.1.21", 1514, false, ra, sizeof(ra)));
	end("pmtu-b1-remote-fragmented-options", UP_NVGRE);
	begin();
	from_vm("B1", f,
	        big(f, vmac("B1"), rmac(5001), "10.0.1.11", "10.0.2.21", 1490,
	            true, NULL, 0));
	end("pmtu-b1-routed-remote-ipv6-pa-df", V("B1"));
	begin();
	from_vm("G1", f,
	        big(f, vmac("G1"), MAC("02:a6:01:00:00:21"), "fd00:a:1::11",
	            "fd00:a:1::21", 1514, false, NULL, 0));
	end("pmtu-g1-remote-packet-too-big", V("G1"));
	begin();
	from_vm("G1", f,
	        big(f, vmac("G1"), rmac(7001), "fd00:a:1::11", "fd00:a:2::2",
	            1514, false, NULL, 0));
	end("pmtu-g1-routed-gateway-packet-too-big", V("G1"));
	begin();
	rec(world_sel_for(vm_index("B3")) | W_SEL_VXLAN, f,
	    big(f, vmac("B3"), MAC("02:b1:02:00:00:21"), "10.0.2.11",
	        "10.0.2.21", 1480, true, NULL, 0));
	end("pmtu-vxlan-b3-remote-ipv6-pa-df", V("B3"));
	begin();
	from_vm("B1", f,
	        big(f, vmac("B1"), vmac("B2"), "10.0.1.11", "10.0.1.12", 1514,
	            true, NULL, 0));
	end("pmtu-b1-b2-local-fits", V("B2"));
}

/* NVGRE from every remote PA in every VSID it holds a record in. */
static void
seeds_tunnel(void)
{
	uint8_t f[512];
	size_t n;

	begin();
	tunnel("H2", 0, 5001, f,
	       probe(f, MAC("02:00:00:00:00:21"), vmac("B1"), "10.0.1.21",
	             "10.0.1.11", 1, 64));
	end("nvgre-h2-5001-b1", V("B1"));
	begin();
	tunnel_raw("H2", 0, 5001, f,
	           probe(f, MAC("02:00:00:00:00:21"), vmac("B2"), "10.0.1.21",
	                 "10.0.1.12", 17, 64));
	end("nvgre-raw-h2-5001-b2", V("B2"));
	begin();
	tunnel("H2", 0, 5001, f,
	       probe(f, MAC("02:b1:01:00:00:41"), vmac("B2"), "10.0.1.41",
	             "10.0.1.12", 6, 64));
	end("nvgre-h2-5001-dynamic-b2", V("B2"));
	begin();
	tunnel("H2", 0, 5001, f,
	       arp(f, bcast, MAC("02:00:00:00:00:21"), 1, "10.0.1.21",
	           "10.0.1.11"));
	end("nvgre-h2-5001-arp-broadcast", V("B1") | V("B2") | V("X"));
	begin();
	tunnel(
	    "H2", 0, 5001, f,
	    arp(f, bcast, MAC("02:b1:01:00:00:41"), 1, "0.0.0.0", "10.0.1.41"));
	end("nvgre-h2-5001-arp-probe-l2only", V("B1") | V("B2"));
	begin();
	tunnel("H2", 0, 6001, f,
	       probe(f, MAC("02:00:00:00:00:21"), vmac("R1"), "10.0.1.21",
	             "10.0.1.11", 1, 64));
	end("nvgre-h2-6001-r1-same-ca-as-blue", V("R1"));
	begin();
	tunnel_raw("H2", 0, 6001, f,
	           arp(f, vmac("R3"), MAC("02:00:00:00:00:21"), 2, "10.0.1.21",
	               "10.0.1.12"));
	end("nvgre-raw-h2-6001-arp-reply-r3", V("R3"));
	begin();
	tunnel("H2", 0, 7001, f,
	       probe(f, MAC("02:a6:01:00:00:31"), vmac("G1"), "fd00:a:1::31",
	             "fd00:a:1::11", 1, 64));
	end("nvgre-h2-7001-g1", V("G1"));
	begin();
	/* Routed by H2 from 5001 into 5002: H2's router MAC. */
	tunnel("H2", 0, 5002, f,
	       probe(f, MAC("02:48:56:00:13:8a"), vmac("B3"), "10.0.1.21",
	             "10.0.2.11", 1, 63));
	end("nvgre-h2-5002-routed-b3", V("B3"));
	begin();
	/* Routed within 5001 by a host whose policy has no ".1" record
	 * of it: the derived router MAC, though ours is the record's. */
	tunnel("H2", 0, 5001, f,
	       probe(f, MAC("02:48:56:00:13:89"), vmac("B2"), "10.0.1.41",
	             "10.0.1.12", 6, 63));
	end("nvgre-h2-5001-derived-router-mac", V("B2"));
	begin();
	tunnel("GW", 0, 5001, f,
	       probe(f, MAC("02:b1:01:00:00:01"), vmac("B1"), "8.8.8.8",
	             "10.0.1.11", 6, 60));
	end("nvgre-gw-5001-internet-b1", V("B1"));
	begin();
	tunnel("GW", 0, 5001, f,
	       probe(f, MAC("02:b1:01:00:00:01"), vmac("B1"), "10.0.1.99",
	             "10.0.1.11", 6, 60));
	end("nvgre-gw-5001-wildcard-source-b1", V("B1"));
	begin();
	tunnel("H3", 0, 5001, f,
	       probe(f, MAC("02:b1:01:00:00:31"), vmac("B1"), "10.0.1.31",
	             "10.0.1.11", 17, 64));
	end("nvgre-h3-5001-b1", V("B1"));
	begin();
	tunnel_raw("H3", 0, 6002, f,
	           probe(f, MAC("02:ed:02:00:00:21"), vmac("R2"), "10.0.5.21",
	                 "10.0.5.2", 1, 64));
	end("nvgre-raw-h3-6002-r2", V("R2"));
	begin();
	tunnel("H4", 0, 5002, f,
	       probe(f, MAC("02:b1:02:00:00:21"), vmac("B3"), "10.0.2.21",
	             "10.0.2.11", 1, 64));
	end("nvgre-h4-ipv6-pa-5002-b3", V("B3"));
	begin();
	tunnel_raw("H4", 0, 7001, f,
	           probe(f, MAC("02:a6:01:00:00:21"), vmac("G1"),
	                 "fd00:a:1::21", "fd00:a:1::11", 6, 64));
	end("nvgre-raw-h4-7001-g1", V("G1"));
	begin();
	tunnel("H4", 0, 7001, f,
	       ns(f, MAC("02:a6:01:00:00:21"), "fd00:a:1::21", "fd00:a:1::12"));
	end("nvgre-h4-7001-ns", V("G1") | V("G2"));
	begin();
	tunnel("H4", 0, 7001, f,
	       na(f, vmac("G1"), MAC("02:a6:01:00:00:21"), "fd00:a:1::21",
	          "fd00:a:1::11", "fd00:a:1::21", MAC("02:a6:01:00:00:21"),
	          0x60));
	end("nvgre-h4-7001-na", V("G1"));
	begin();
	tunnel("H6", 0, 7002, f,
	       probe(f, MAC("02:a6:02:00:00:02"), vmac("G3"), "2001:db8::1",
	             "fd00:a:2::11", 6, 60));
	end("nvgre-h6-7002-internet-g3", V("G3"));
	begin();
	tunnel("H6", 0, 7002, f,
	       probe(f, MAC("02:a6:02:00:00:02"), vmac("G3"), "fd00:a:2::2",
	             "fd00:a:2::11", 1, 64));
	end("nvgre-h6-7002-gateway-g3", V("G3"));
	begin();
	tunnel("H5", 2, 6001, f,
	       probe(f, MAC("02:ed:01:00:00:41"), vmac("R3"), "10.0.1.41",
	             "10.0.1.12", 1, 64));
	end("nvgre-h5-vlan-pa-6001-r3", V("R3"));
	begin();
	tunnel("NATPEER", 1, 5002, f,
	       probe(f, MAC("02:b1:02:00:00:22"), vmac("N1"), "10.0.2.22",
	             "10.0.2.12", 1, 64));
	end("nvgre-natpeer-5002-n1", 0);
	begin();
	tunnel_vx("H2", 0, 5001, f,
	          probe(f, MAC("02:00:00:00:00:21"), vmac("B1"), "10.0.1.21",
	                "10.0.1.11", 17, 64));
	end("vxlan-h2-5001-b1", V("B1"));
	begin();
	tunnel_vx("H4", 0, 7001, f,
	          probe(f, MAC("02:a6:01:00:00:21"), vmac("G1"), "fd00:a:1::21",
	                "fd00:a:1::11", 1, 64));
	end("vxlan-h4-ipv6-pa-7001-g1", V("G1"));
	begin();
	tunnel_vx("H5", 2, 6001, f,
	          arp(f, bcast, MAC("02:ed:01:00:00:41"), 1, "10.0.1.41",
	              "10.0.1.12"));
	end("vxlan-h5-vlan-pa-6001-arp", V("R1") | V("R3"));
	/* What must not pass: each still a useful start for the fuzzer. */
	begin();
	tunnel("H2", 0, 6001, f,
	       probe(f, MAC("02:00:00:00:00:21"), vmac("B1"), "10.0.1.21",
	             "10.0.1.11", 1, 64));
	end("nvgre-h2-6001-shared-mac-is-red", V("R1"));
	begin();
	tunnel("H3", 0, 5001, f,
	       probe(f, MAC("02:00:00:00:00:21"), vmac("B1"), "10.0.1.21",
	             "10.0.1.11", 1, 64));
	end("nvgre-h3-claims-h2-ca", 0);
	begin();
	tunnel("stranger", 0, 5001, f,
	       probe(f, MAC("02:b1:01:00:00:77"), vmac("B1"), "10.0.1.77",
	             "10.0.1.11", 1, 64));
	end("nvgre-stranger-pa", 0);
	begin();
	tunnel("H2", 0, 9999, f,
	       probe(f, MAC("02:00:00:00:00:21"), vmac("B1"), "10.0.1.21",
	             "10.0.1.11", 1, 64));
	end("nvgre-unknown-vsid", 0);
	begin();
	n = probe(f, MAC("02:00:00:00:00:21"), vmac("B1"), "10.0.1.21",
	          "10.0.1.11", 1, 64);
	tunnel("H2", 0, 5001, f, tag(f, n, 5001 & 0xfff));
	end("nvgre-tagged-inner", 0);
	begin();
	tunnel("H2", 0, 5002, f,
	       probe(f, MAC("02:00:00:00:00:21"), vmac("B1"), "10.0.1.21",
	             "10.0.1.11", 1, 64));
	end("nvgre-vsid-mismatch", 0);
	{
		uint8_t p[512], g[600];
		size_t len;

		begin();
		p[0] = (uint8_t)remote_index("H2");
		p[1] = 0;
		p[2] = (uint8_t)vsid_index(5001);
		p[3] = 0;
		n = probe(p + 4, MAC("02:00:00:00:00:21"), vmac("B1"),
		          "10.0.1.21", "10.0.1.11", 1, 64);
		len = world_wrap(w, p, n + 4, g, sizeof(g));
		g[34] = 0x30; /* GRE flags K and S */
		from_wire(g, len);
		end("nvgre-bad-gre-flags", 0);
		begin();
		len = world_wrap(w, p, n + 4, g, sizeof(g));
		g[20] = 0x20; /* more fragments */
		world_fix_csums(g, len);
		from_wire(g, len);
		end("nvgre-outer-fragment", 0);
	}
}

/* The host's own side of the physical network. */
static void
seeds_wire(void)
{
	uint8_t f[512];
	struct in6_addr h2 = IP("192.168.1.20"), pa = IP("192.168.1.10");
	struct eth_addr z = {{0}};
	size_t n;

	begin();
	n = build_arp(f, 128, &bcast, &h2_mac, 0, 1, &h2_mac, &h2, &z, &pa);
	from_wire(f, n);
	end("wire-arp-request-for-pa", UP_RAW);
	begin();
	{
		struct in6_addr s = IP("192.168.3.40"), t = IP("192.168.3.10");
		struct eth_addr hm = MAC("02:00:00:00:03:40");

		n = build_arp(f, 128, &bcast, &hm, 100, 1, &hm, &s, &z, &t);
	}
	from_wire(f, n);
	end("wire-arp-request-for-vlan-pa", UP_RAW);
	begin();
	{
		struct in6_addr s = IP("192.168.1.99"), t = IP("192.168.1.112");
		struct eth_addr hm = MAC("02:00:00:00:01:99");

		n = build_arp(f, 128, &bcast, &hm, 0, 1, &hm, &s, &z, &t);
	}
	from_wire(f, n);
	end("wire-arp-request-for-nat-pa", UP_RAW);
	begin();
	from_wire(f,
	          ns(f, MAC("02:00:00:00:06:20"), "fd00:1::20", "fd00:1::10"));
	end("wire-ns-for-pa", UP_RAW);
	begin();
	from_wire(f, ns(f, MAC("02:00:00:00:06:20"), "::", "fd00:1::10"));
	end("wire-dad-for-pa", UP_RAW);
	begin();
	from_wire(f, na(f, MAC("02:00:00:00:06:10"), MAC("02:00:00:00:06:20"),
	                "fd00:1::20", "fd00:1::10", "fd00:1::20",
	                MAC("02:00:00:00:06:21"), 0x20));
	end("wire-na-moves-neighbour", 0);
	begin();
	from_wire(
	    f, probe(f, h2_mac, pa_mac, "192.168.1.20", "192.168.1.10", 1, 64));
	end("wire-ping-pa", UP_RAW);
	begin();
	from_wire(f,
	          probe(f, MAC("02:00:00:00:06:20"), MAC("02:00:00:00:06:10"),
	                "fd00:1::20", "fd00:1::10", 1, 64));
	end("wire-ping6-pa", UP_RAW);
	begin();
	from_wire(f, probe(f, h2_mac, pa_mac, "192.168.1.20", "192.168.1.10",
	                   17, 64));
	end("wire-udp-to-pa", 0);
	begin();
	from_wire(f, probe(f, MAC("02:00:00:00:01:22"), pa_mac, "192.168.1.122",
	                   "192.168.1.112", 17, 64));
	end("wire-ip-rewrite-to-n1-pa", 0);
	begin();
	from_wire(f,
	          probe(f, h2_mac, pa_mac, "192.168.1.20", "10.0.1.11", 1, 64));
	end("wire-raw-ca-traffic", 0);
	begin();
	n = probe(f, h2_mac, pa_mac, "192.168.1.20", "192.168.1.10", 1, 64);
	from_wire(f, tag(f, n, 7));
	end("wire-wrong-vlan", 0);
}

/* The holes the oracle found before they were closed (main 1d1a170):
 * each input must now be dropped, and the oracle would abort if not. */
static void
seeds_regressions(void)
{
	uint8_t f[512];

	/* 1. A VM's unsolicited NA claims another VM's CA. */
	begin();
	from_vm("G2", f,
	        na(f, MAC("33:33:00:00:00:01"), vmac("G2"), "fd00:a:1::12",
	           "ff02::1", "fd00:a:1::11", vmac("G2"), 0x20));
	end("regress-vm-na-claims-other-vm", 0);
	/* ... or its own CA at another MAC. */
	begin();
	from_vm("G2", f,
	        na(f, MAC("33:33:00:00:00:01"), vmac("G2"), "fd00:a:1::12",
	           "ff02::1", "fd00:a:1::12", MAC("02:a6:01:00:00:00"), 0x20));
	end("regress-vm-na-own-ca-other-mac", 0);
	/* 2. A decapsulated frame from the owner's PA but not from the
	 * owner's MAC; its ARP and ND twins. */
	begin();
	tunnel("H2", 0, 5001, f,
	       probe(f, MAC("02:00:00:00:00:99"), vmac("B1"), "10.0.1.21",
	             "10.0.1.11", 1, 64));
	end("regress-decap-inner-mac-not-owner", 0);
	begin();
	{
		size_t n = arp(f, bcast, MAC("02:00:00:00:00:99"), 1,
		               "10.0.1.21", "10.0.1.11");

		memcpy(f + 6, "\x02\x00\x00\x00\x00\x21", 6);
		tunnel("H2", 0, 5001, f, n);
	}
	end("regress-decap-arp-sender-mac-not-owner", 0);
	begin();
	tunnel("H4", 0, 7001, f,
	       na(f, MAC("33:33:00:00:00:01"), MAC("02:a6:01:00:00:21"),
	          "fd00:a:1::21", "ff02::1", "fd00:a:1::11",
	          MAC("02:a6:01:00:00:21"), 0x20));
	end("regress-decap-na-claims-local-vm", 0);
	/* 3. An adapter with no lookup record sends from an address nobody
	 * owns. */
	begin();
	from_vm(
	    "X", f,
	    probe(f, vmac("X"), vmac("B1"), "10.0.1.99", "10.0.1.11", 1, 64));
	end("regress-no-record-adapter-unowned-ip", 0);
	begin();
	from_vm("X", f, arp(f, bcast, vmac("X"), 1, "10.0.1.5", "10.0.1.11"));
	end("regress-no-record-adapter-unowned-arp", 0);
	/* 4. The switched path to a TranslationMethodNone record. */
	begin();
	from_vm("B1", f,
	        probe(f, vmac("B1"), MAC("02:b1:01:00:00:51"), "10.0.1.11",
	              "10.0.1.51", 1, 64));
	end("regress-switched-to-rule-none", 0);
	/* 5. (found after the others, closed in encap.c rule 3) R1's PA is
	 * untagged, 10.0.1.41's record is at H5 on VLAN 100, which only R3's
	 * PA reaches: nothing may leave untagged for H5, neither the packet
	 * nor an ARP for it (no provider route: dropped). */
	begin();
	from_vm("R1", f,
	        probe(f, vmac("R1"), MAC("02:ed:01:00:00:41"), "10.0.1.11",
	              "10.0.1.41", 1, 64));
	rec(world_sel_for(-1) | W_SEL_TICK, f, 0);
	end("regress-r1-to-other-vlan-pa", 0);
}

/* The decision cache (pipeline/fast.c): a flow's frames repeated, so
 * that the later ones are replayed, then what must not be: the same
 * headers with a bad checksum, a spoofed source, a fragment, a frame too
 * big, a next hop that moved.  fuzz-pipeline runs every input with and
 * without the cache and compares. */
static void
seeds_fast(void)
{
	struct eth_addr h2 = MAC("02:00:00:00:00:21");
	uint8_t f[2048];
	size_t n;

	begin();
	for (int i = 0; i < 3; i++)
		from_vm(
		    "B1", f,
		    probe(f, vmac("B1"), h2, "10.0.1.11", "10.0.1.21", 17, 64));
	for (int i = 0; i < 3; i++)
		from_vm("B1", f,
		        probe(f, vmac("B1"), MAC("02:b1:01:00:00:31"),
		              "10.0.1.11", "10.0.1.31", 6, 64));
	end("fast-b1-remote-repeated", UP_NVGRE);
	/* the cached headers, then: another source CA; a bad checksum; a
	 * fragment; a length beyond the frame; a frame too big (DF, then
	 * not); options; a destination IP no record has */
	begin();
	for (int i = 0; i < 2; i++)
		from_vm(
		    "B1", f,
		    probe(f, vmac("B1"), h2, "10.0.1.11", "10.0.1.21", 17, 64));
	from_vm("B1", f,
	        probe(f, vmac("B1"), h2, "10.0.1.12", "10.0.1.21", 17, 64));
	n = probe(f, vmac("B1"), h2, "10.0.1.11", "10.0.1.21", 17, 64);
	f[24] ^= 0x40;
	from_vm("B1", f, n);
	n = probe(f, vmac("B1"), h2, "10.0.1.11", "10.0.1.21", 17, 64);
	f[20] = 0x20; /* MF */
	rec(world_sel_for(vm_index("B1")) | W_SEL_CSUM, f, n);
	n = probe(f, vmac("B1"), h2, "10.0.1.11", "10.0.1.21", 17, 64);
	f[17] += 4;
	rec(world_sel_for(vm_index("B1")) | W_SEL_CSUM, f, n);
	from_vm("B1", f,
	        big(f, vmac("B1"), h2, "10.0.1.11", "10.0.1.21", 1514, true,
	            NULL, 0));
	from_vm("B1", f,
	        big(f, vmac("B1"), h2, "10.0.1.11", "10.0.1.21", 1514, false,
	            NULL, 0));
	from_vm("B1", f,
	        big(f, vmac("B1"), h2, "10.0.1.11", "10.0.1.21", 200, true,
	            (const uint8_t *)"\x94\x04\x00\x00", 4));
	from_vm("B1", f,
	        probe(f, vmac("B1"), h2, "10.0.1.11", "10.9.9.9", 17, 64));
	from_vm("B1", f,
	        probe(f, vmac("B1"), h2, "10.0.1.11", "10.0.1.21", 17, 64));
	end("fast-b1-remote-then-not", V("B1") | UP_NVGRE);
	/* the next hop moves (an ARP reply from H2's PA with another MAC)
	 * between two frames of a flow */
	begin();
	for (int i = 0; i < 2; i++)
		from_vm(
		    "B1", f,
		    probe(f, vmac("B1"), h2, "10.0.1.11", "10.0.1.21", 6, 64));
	{
		struct in6_addr s = IP("192.168.1.20"), t = IP("192.168.1.10");
		struct eth_addr hm = MAC("02:00:00:00:07:20");

		n = build_arp(f, 128, &pa_mac, &hm, 0, 2, &hm, &s, &pa_mac, &t);
	}
	from_wire(f, n);
	from_vm("B1", f,
	        probe(f, vmac("B1"), h2, "10.0.1.11", "10.0.1.21", 6, 64));
	end("fast-b1-remote-next-hop-moves", UP_NVGRE);
	/* decapsulation: repeated, then the same headers from another PA,
	 * with another inner source MAC, in another VSID, with a bad inner
	 * checksum */
	begin();
	for (int i = 0; i < 3; i++)
		tunnel(
		    "H2", 0, 5001, f,
		    probe(f, h2, vmac("B1"), "10.0.1.21", "10.0.1.11", 17, 64));
	tunnel("H3", 0, 5001, f,
	       probe(f, h2, vmac("B1"), "10.0.1.21", "10.0.1.11", 17, 64));
	tunnel("H2", 0, 5001, f,
	       probe(f, MAC("02:00:00:00:00:99"), vmac("B1"), "10.0.1.21",
	             "10.0.1.11", 17, 64));
	tunnel("H2", 0, 6001, f,
	       probe(f, h2, vmac("B1"), "10.0.1.21", "10.0.1.11", 17, 64));
	n = probe(f, h2, vmac("B1"), "10.0.1.21", "10.0.1.11", 17, 64);
	f[22] ^= 1;
	tunnel("H2", 0, 5001, f, n);
	tunnel("H2", 0, 5001, f,
	       probe(f, h2, vmac("B1"), "10.0.1.21", "10.0.1.11", 6, 64));
	end("fast-decap-repeated-then-not", V("B1"));
	/* VXLAN hosts: no entry is made for what they send */
	begin();
	for (int i = 0; i < 3; i++)
		rec(world_sel_for(vm_index("B1")) | (i ? 0 : W_SEL_VXLAN), f,
		    probe(f, vmac("B1"), h2, "10.0.1.11", "10.0.1.21", 17, 64));
	end("fast-vxlan-host-repeated", UP_NVGRE);
}

/* --- the oracle refuses what it must --------------------------------- */

/* One made-up output the oracle must refuse with 'tag'. */
static void
refused(const char *tag, const struct oracle_input *in, int port,
        const uint8_t *f, size_t n)
{
	const char *why = oracle_check(w, in, port, f, n);
	size_t tl = strlen(tag);

	if (why && !strncmp(why, tag, tl) &&
	    (why[tl] == ':' || why[tl] == ' ')) {
		passed++;
		return;
	}
	printf("FAIL oracle: expected a violation of %s, got %s\n", tag,
	       why ? why : "none");
	failed++;
}

static int
port_of(const char *vm)
{
	return w->vm[vm_index(vm)].port;
}

/* The oracle's view of a frame 'f' given on 'port'. */
static struct oracle_input
input_of(int port, const uint8_t *f, size_t n)
{
	struct oracle_input in;

	oracle_input(w, port, f, n, &in);
	return in;
}

/* NVGRE as this host would send it: from PA_MAIN to 'pa'. */
static size_t
out_nvgre(uint8_t *f, const char *pa, uint32_t vsid, const uint8_t *inner,
          size_t n)
{
	struct nvgre_outer o = {0};
	size_t ol;

	o.eth_dst = h2_mac;
	o.eth_src = pa_mac;
	o.pa_src = IP("192.168.1.10");
	o.pa_dst = IP(pa);
	ol = nvgre_outer_len(&o);
	memcpy(f + ol, inner, n);
	nvgre_write(f, &o, vsid, 0, n);
	return ol + n;
}

static void
oracle_selftest(void)
{
	uint8_t f[512], g[600], t[600];
	struct oracle_input in;
	size_t n, m;

	world_reset(w, PIPELINE_ENCAP_NVGRE, NULL, NULL);
	/* A Blue frame that reaches Red (R1 has B1's MAC and CA). */
	n = probe(f, vmac("B1"), vmac("R1"), "10.0.1.11", "10.0.1.12", 1, 64);
	in = input_of(port_of("B1"), f, n);
	refused("2b", &in, port_of("R1"), f, n);
	/* Switched into another VSID. */
	n = probe(f, vmac("B1"), vmac("B3"), "10.0.1.11", "10.0.2.11", 1, 64);
	in = input_of(port_of("B1"), f, n);
	refused("3", &in, port_of("B3"), f, n);
	/* Delivered to a VM whose MAC it is not for. */
	n = probe(f, vmac("B1"), vmac("B2"), "10.0.1.11", "10.0.1.12", 1, 64);
	in = input_of(port_of("B1"), f, n);
	refused("1c", &in, port_of("X"), f, n);
	/* Sources not owned by the sender (Red has no GatewayWildcard
	 * record: nobody owns its unassigned addresses; Blue's belong to
	 * its gateway). */
	n = probe(f, vmac("R1"), vmac("R3"), "10.0.1.99", "10.0.1.12", 1, 64);
	in = input_of(port_of("R1"), f, n);
	refused("4b", &in, port_of("R3"), f, n);
	n = probe(f, vmac("X"), vmac("B1"), "10.0.1.99", "10.0.1.11", 1, 64);
	in = input_of(port_of("X"), f, n);
	refused("4c", &in, port_of("B1"), f, n);
	n = probe(f, vmac("B2"), vmac("X"), "10.0.1.11", "10.0.1.99", 1, 64);
	in = input_of(port_of("B2"), f, n);
	refused("4c", &in, port_of("X"), f, n);
	/* ARP and ND claims. */
	n = arp(f, vmac("B1"), MAC("02:b1:01:00:00:99"), 2, "10.0.1.21",
	        "10.0.1.11");
	memcpy(f + 6, &(struct eth_addr){{2, 0, 0, 0, 0, 0x21}}, 6);
	t[0] = (uint8_t)remote_index("H2");
	t[1] = 0;
	t[2] = (uint8_t)vsid_index(5001);
	t[3] = 0;
	memcpy(t + 4, f, n);
	m = world_wrap(w, t, n + 4, g, sizeof(g));
	in = input_of(PIPELINE_UPLINK, g, m);
	refused("5c", &in, port_of("B1"), f, n);
	n = na(f, MAC("33:33:00:00:00:01"), vmac("G2"), "fd00:a:1::12",
	       "ff02::1", "fd00:a:1::11", vmac("G2"), 0x20);
	in = input_of(port_of("G2"), f, n);
	refused("5b", &in, port_of("G1"), f, n);
	n = arp(f, vmac("B1"), vmac("B2"), 2, "10.0.1.1", "10.0.1.11");
	in = input_of(port_of("B1"), f, n);
	refused("5c", &in, port_of("B1"), f, n);
	n = arp(f, vmac("B1"), MAC("02:b1:01:00:00:98"), 2, "10.0.1.12",
	        "10.0.1.11");
	memcpy(f + 6, &w->vm[vm_index("B2")].mac, 6);
	in = input_of(port_of("B2"), f, n);
	refused("5a", &in, port_of("B1"), f, n);
	/* Decapsulated sources: a PA that does not own the source, and a
	 * source MAC that is not the owner's. */
	n = probe(f, MAC("02:00:00:00:00:21"), vmac("B1"), "10.0.1.21",
	          "10.0.1.11", 1, 64);
	t[0] = (uint8_t)remote_index("H3");
	t[1] = 0;
	t[2] = (uint8_t)vsid_index(5001);
	t[3] = 0;
	memcpy(t + 4, f, n);
	m = world_wrap(w, t, n + 4, g, sizeof(g));
	in = input_of(PIPELINE_UPLINK, g, m);
	refused("6a", &in, port_of("B1"), f, n);
	t[0] = (uint8_t)remote_index("H2");
	memcpy(t + 4 + 6, "\x02\x00\x00\x00\x00\x22", 6);
	m = world_wrap(w, t, n + 4, g, sizeof(g));
	in = input_of(PIPELINE_UPLINK, g, m);
	refused("6b", &in, port_of("B1"), t + 4, n);
	/* Routed by a remote host from another VSID, from a local VM's
	 * MAC. */
	n = probe(f, vmac("N1"), vmac("B3"), "10.0.1.21", "10.0.2.11", 1, 63);
	t[0] = (uint8_t)remote_index("H2");
	t[2] = (uint8_t)vsid_index(5002);
	memcpy(t + 4, f, n);
	m = world_wrap(w, t, n + 4, g, sizeof(g));
	in = input_of(PIPELINE_UPLINK, g, m);
	refused("6d", &in, port_of("B3"), f, n);
	/* L (L2Only) may use unowned addresses, not owned ones. */
	n = probe(f, vmac("L"), vmac("R1"), "10.0.1.12", "10.0.1.11", 1, 64);
	in = input_of(port_of("L"), f, n);
	refused("4c", &in, port_of("R1"), f, n);
	/* Raw IP from the physical network delivered to a VM. */
	n = probe(f, h2_mac, vmac("B1"), "192.168.1.20", "10.0.1.11", 1, 64);
	in = input_of(PIPELINE_UPLINK, f, n);
	refused("2c", &in, port_of("B1"), f, n);
	/* IP Rewrite from another tenant's PA, rewritten and delivered. */
	n = probe(f, MAC("02:00:00:00:01:23"), pa_mac, "192.168.1.123",
	          "192.168.1.112", 17, 64);
	in = input_of(PIPELINE_UPLINK, f, n);
	n = probe(f, MAC("02:ed:02:00:00:22"), vmac("N1"), "10.0.5.22",
	          "10.0.2.12", 17, 64);
	refused("6a", &in, port_of("N1"), f, n);
	/* A VM's frame leaving raw. */
	n = probe(f, vmac("B1"), h2_mac, "10.0.1.11", "10.0.1.21", 1, 64);
	in = input_of(port_of("B1"), f, n);
	refused("7a", &in, PIPELINE_UPLINK, f, n);
	/* Encapsulated into another routing domain's VSID. */
	n = probe(f, vmac("B1"), MAC("02:00:00:00:00:21"), "10.0.1.11",
	          "10.0.1.21", 1, 64);
	in = input_of(port_of("B1"), f, n);
	m = out_nvgre(g, "192.168.1.20", 6001, f, n);
	refused("8e", &in, PIPELINE_UPLINK, g, m);
	/* Encapsulated where no Encap record says. */
	n = probe(f, vmac("B1"), MAC("02:b1:01:00:00:51"), "10.0.1.11",
	          "10.0.1.51", 1, 64);
	in = input_of(port_of("B1"), f, n);
	m = out_nvgre(g, "192.168.1.20", 5001, f, n);
	refused("9e", &in, PIPELINE_UPLINK, g, m);
	n = probe(f, vmac("B1"), MAC("02:b1:01:00:00:77"), "10.0.1.11",
	          "10.0.1.77", 1, 64);
	in = input_of(port_of("B1"), f, n);
	m = out_nvgre(g, "192.168.1.20", 5001, f, n);
	refused("9d", &in, PIPELINE_UPLINK, g, m);
	n = probe(f, vmac("B1"), MAC("02:00:00:00:00:21"), "10.0.1.11",
	          "10.0.1.21", 1, 64);
	in = input_of(port_of("B1"), f, n);
	m = out_nvgre(g, "192.168.2.30", 5001, f, n);
	refused("9f", &in, PIPELINE_UPLINK, g, m);
	/* Encapsulated from a source the sender does not own. */
	n = probe(f, vmac("R1"), MAC("02:00:00:00:00:21"), "10.0.1.99",
	          "10.0.1.21", 1, 64);
	in = input_of(port_of("R1"), f, n);
	m = out_nvgre(g, "192.168.1.20", 6001, f, n);
	refused("10b", &in, PIPELINE_UPLINK, g, m);
	/* And after a tick, nothing reaches a VM. */
	oracle_input_tick(&in);
	n = probe(f, vmac("B2"), vmac("B1"), "10.0.1.12", "10.0.1.11", 1, 64);
	refused("2d", &in, port_of("B1"), f, n);
}

/* --- the dictionary ------------------------------------------------- */

/* Writes each entry once. */
static void
dict_bytes(FILE *fp, const char *name, const void *p, size_t n)
{
	static char seen[512][96];
	static int n_seen;
	const uint8_t *b = p;
	char e[96];
	size_t l;

	l = (size_t)snprintf(e, sizeof(e), "%s=\"", name);
	for (size_t i = 0; i < n && l < sizeof(e) - 6; i++)
		l += (size_t)snprintf(e + l, sizeof(e) - l, "\\x%02x", b[i]);
	snprintf(e + l, sizeof(e) - l, "\"");
	for (int i = 0; i < n_seen; i++)
		if (!strcmp(seen[i], e))
			return;
	if (n_seen < 512)
		strcpy(seen[n_seen++], e);
	fprintf(fp, "%s\n", e);
}

static void
dict_addr(FILE *fp, const char *name, const struct in6_addr *a)
{
	if (ip_is_v4(a))
		dict_bytes(fp, name, &a->s6_addr[12], 4);
	else
		dict_bytes(fp, name, a, 16);
}

/* Every MAC, address and VSID of the world, and the constants of the
 * headers, as a libFuzzer dictionary. */
static void
write_dict(const char *path)
{
	static const uint8_t consts[][4] = {
	    {0x08, 0x06}, {0x08, 0x00}, {0x86, 0xdd}, {0x81, 0x00},
	    {0x65, 0x58}, {0x20, 0x00}, {0x12, 0xb5}, {0x45, 0x00},
	};
	FILE *fp = fopen(path, "w");

	if (!fp) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		exit(2);
	}
	fprintf(fp, "# fuzz-pipeline's dictionary, written by "
	            "test-fuzz-pipeline-seeds -d\n");
	for (int i = 0; i < w->n_records; i++) {
		const struct w_record *r = &w->records[i];
		uint8_t key[3] = {(uint8_t)(r->vsid >> 16),
		                  (uint8_t)(r->vsid >> 8), (uint8_t)r->vsid};
		struct eth_addr rm = rmac(r->vsid);

		dict_bytes(fp, "mac", &r->mac, 6);
		if (!ip_is_unspec(&r->ca))
			dict_addr(fp, "ca", &r->ca);
		dict_addr(fp, "pa", &r->pa);
		dict_bytes(fp, "vsid", key, 3);
		dict_bytes(fp, "router_mac", &rm, 6);
	}
	for (int i = 0; i < W_N_VMS; i++)
		dict_bytes(fp, "vm_mac", &w->vm[i].mac, 6);
	for (int i = 0; i < w->n_pas; i++)
		dict_addr(fp, "local_pa", &w->pas[i].pa);
	for (int i = 0; i < w->n_remotes; i++)
		dict_addr(fp, "remote_pa", &w->remotes[i].pa);
	for (size_t i = 0; i < ARRAY_SIZE(consts); i++)
		dict_bytes(fp, "const", consts[i], 2);
	if (fclose(fp) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		exit(2);
	}
}

static void
usage(FILE *fp)
{
	fprintf(
	    fp,
	    "usage: test-fuzz-pipeline-seeds [-v] [-o DIR] [-d FILE] [--help]\n"
	    "Runs fuzz-pipeline's seed inputs through the fuzzed "
	    "host and checks that each\nreaches where its packet "
	    "flow goes and that the oracle accepts it.\n"
	    "  -v, --verbose     print where each seed's frames "
	    "went\n"
	    "  -d, --dict FILE   write a libFuzzer dictionary of the "
	    "world's addresses\n"
	    "  -o, --output DIR  also write the seeds into DIR (one "
	    "file each, named)\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"output", required_argument, NULL, 'o'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"dict", required_argument, NULL, 'd'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "d:ho:v", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			outdir = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'd':
			dict = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	w = world_create();
	if (dict)
		write_dict(dict);
	seeds_arp();
	seeds_ipv4();
	seeds_ipv6();
	seeds_mtu();
	seeds_tunnel();
	seeds_wire();
	seeds_regressions();
	seeds_fast();
	oracle_selftest();
	world_destroy(w);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
