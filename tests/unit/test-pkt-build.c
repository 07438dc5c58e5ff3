/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-pkt-build: every builder's output parsed back with pkt_parse()
 * (fields, lengths, checksums verified by recomputation), the echo
 * replies made in place for IPv4 and IPv6, ICMP errors quoting up to the
 * minimum MTU, the TTL decrement, and the 'cap too small' answer of 0 at
 * every short capacity.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/addr.h"
#include "lib/util.h"
#include "pkt/build.h"
#include "pkt/csum.h"
#include "pkt/eth.h"
#include "pkt/icmp.h"
#include "pkt/ipv4.h"
#include "pkt/ipv6.h"
#include "pkt/parse.h"
#include "tests/unit/harness.h"

/* Frames from test-pkt-parse.c (checksums computed independently). */
/* 42 bytes */
static const uint8_t v_arp_req[] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x60, 0x00, 0x60, 0x00, 0x01,
    0x01, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
    0x60, 0x00, 0x60, 0x00, 0x01, 0x01, 0x0a, 0x00, 0x01, 0x65, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x01, 0x66,
};
/* 74 bytes */
static const uint8_t v_ip4_icmp_echo[] = {
    0x60, 0x00, 0x60, 0x00, 0x01, 0x02, 0x60, 0x00, 0x60, 0x00, 0x01,
    0x01, 0x08, 0x00, 0x45, 0x00, 0x00, 0x3c, 0x1c, 0x46, 0x40, 0x00,
    0x40, 0x01, 0x07, 0xb1, 0x0a, 0x00, 0x01, 0x65, 0x0a, 0x00, 0x01,
    0x66, 0x08, 0x00, 0xf3, 0xc8, 0x12, 0x34, 0x00, 0x01, 0x10, 0x11,
    0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c,
    0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
    0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
};
/* 54 bytes */
static const uint8_t v_ip4_udp[] = {
    0x60, 0x00, 0x60, 0x00, 0x01, 0x02, 0x60, 0x00, 0x60, 0x00, 0x01,
    0x01, 0x08, 0x00, 0x45, 0x00, 0x00, 0x28, 0x1c, 0x46, 0x00, 0x00,
    0x40, 0x11, 0x47, 0xb5, 0x0a, 0x00, 0x01, 0x65, 0x0a, 0x00, 0x01,
    0x66, 0xcf, 0x09, 0x00, 0x35, 0x00, 0x14, 0x06, 0x88, 0x12, 0x34,
    0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* 54 bytes */
static const uint8_t v_vlan_ip4_icmp[] = {
    0x60, 0x00, 0x60, 0x00, 0x01, 0x02, 0x60, 0x00, 0x60, 0x00, 0x01,
    0x01, 0x81, 0x00, 0x20, 0x64, 0x08, 0x00, 0x45, 0x00, 0x00, 0x24,
    0x1c, 0x46, 0x00, 0x00, 0x40, 0x01, 0x47, 0xc9, 0x0a, 0x00, 0x01,
    0x65, 0x0a, 0x00, 0x01, 0x66, 0x08, 0x00, 0x92, 0xdb, 0x00, 0x07,
    0x00, 0x09, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x21, 0x21, 0x21,
};
/* 94 bytes */
static const uint8_t v_ip6_icmp6_echo[] = {
    0x60, 0x00, 0x60, 0x00, 0x01, 0x02, 0x60, 0x00, 0x60, 0x00, 0x01, 0x01,
    0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x28, 0x3a, 0x40, 0xfd, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x01, 0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x80, 0x00, 0x4e, 0x70, 0x43, 0x21,
    0x00, 0x05, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
    0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25,
    0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
};
/* 58 bytes */
static const uint8_t v_ip4_frag_first[] = {
    0x60, 0x00, 0x60, 0x00, 0x01, 0x02, 0x60, 0x00, 0x60, 0x00, 0x01, 0x01,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x2c, 0x1c, 0x46, 0x20, 0x00, 0x40, 0x11,
    0x27, 0xb1, 0x0a, 0x00, 0x01, 0x65, 0x0a, 0x00, 0x01, 0x66, 0x13, 0x88,
    0x17, 0x70, 0x00, 0x18, 0xbd, 0xfb, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static const struct eth_addr mac_a = {{0x60, 0x00, 0x60, 0x00, 0x01, 0x01}};
static const struct eth_addr mac_gw = {{0x00, 0x15, 0x5d, 0x00, 0x00, 0x01}};
static const struct eth_addr mac_zero;

static struct in6_addr
ip(const char *s)
{
	struct in6_addr a;

	CHECK_EQ(ip_parse(s, &a), 0);
	return a;
}

/* Checksum of the L4 message of a parsed frame, recomputed from scratch
 * (checksum field zeroed), against the stored one. */
static bool
l4_csum_valid(const uint8_t *frame, const struct pkt_info *pi, size_t at)
{
	uint8_t msg[2048];
	size_t len = (size_t)(pi->ip_end - pi->l4_ofs);
	uint32_t sum = 0;
	uint16_t stored;

	if (!pi->l4_ofs || len > sizeof(msg))
		return false;
	memcpy(msg, frame + pi->l4_ofs, len);
	stored = (uint16_t)(msg[at] << 8 | msg[at + 1]);
	msg[at] = msg[at + 1] = 0;
	if (pi->is_ipv6)
		sum = csum_pseudo6(&pi->ip_src, &pi->ip_dst, pi->l4_proto,
		                   (uint32_t)len);
	return csum_fold(csum_add(sum, msg, len)) == stored;
}

/* Every capacity below 'need' gives 0. */
#define CHECK_CAP(call_with_cap, need)                                         \
	do {                                                                   \
		for (size_t cap_ = 0; cap_ < (need); cap_++)                   \
			CHECK_EQ(call_with_cap(cap_), 0);                      \
	} while (0)

static uint8_t out[2048];

static size_t
arp_cap(size_t cap)
{
	struct in6_addr spa = ip("10.0.1.1"), tpa = ip("10.0.1.101");

	return build_arp(out, cap, &mac_a, &mac_gw, 0, 2, &mac_gw, &spa, &mac_a,
	                 &tpa);
}

static void
test_arp(void)
{
	struct in6_addr spa = ip("10.0.1.1"), tpa = ip("10.0.1.101");
	struct pkt_info pi;
	size_t n;

	n = build_arp(out, sizeof(out), &mac_a, &mac_gw, 0, 2, &mac_gw, &spa,
	              &mac_a, &tpa);
	CHECK_EQ(n, 42);
	CHECK_EQ(pkt_parse(out, n, &pi), 0);
	CHECK_EQ(pi.ethertype, ETH_TYPE_ARP);
	CHECK(!pi.has_vlan);
	CHECK(eth_equal(&pi.eth_dst, &mac_a));
	CHECK(eth_equal(&pi.eth_src, &mac_gw));
	CHECK_EQ(pi.arp_op, 2);
	CHECK(eth_equal(&pi.arp_sha, &mac_gw));
	CHECK(eth_equal(&pi.arp_tha, &mac_a));
	CHECK(ip_equal(&pi.arp_spa, &spa));
	CHECK(ip_equal(&pi.arp_tpa, &tpa));
	CHECK_CAP(arp_cap, 42);
	CHECK_EQ(arp_cap(42), 42);

	/* Tagged request: the same bytes as v_arp_req after the tag. */
	spa = ip("10.0.1.101");
	tpa = ip("10.0.1.102");
	n = build_arp(out, sizeof(out),
	              &(struct eth_addr){{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
	              &mac_a, 100, 1, &mac_a, &spa, &mac_zero, &tpa);
	CHECK_EQ(n, 46);
	CHECK_EQ(pkt_parse(out, n, &pi), 0);
	CHECK(pi.has_vlan);
	CHECK_EQ(pi.vlan_tci, 100);
	CHECK_EQ(pi.l3_ofs, 18);
	CHECK_EQ(pi.arp_op, 1);
	CHECK(!memcmp(out, v_arp_req, 12));
	CHECK(!memcmp(out + 12, "\x81\x00\x00\x64", 4));
	CHECK(!memcmp(out + 16, v_arp_req + 12, sizeof(v_arp_req) - 12));
}

static size_t
na_cap(size_t cap)
{
	struct in6_addr s = ip("fd00::1"), d = ip("fd00::101");

	return build_nd_na(out, cap, &mac_a, &mac_gw, 0, &s, &d, &s, &mac_gw,
	                   ND_NA_FLAG_SOLICITED);
}

static void
test_nd_na(void)
{
	struct in6_addr s = ip("fd00::1"), d = ip("fd00::101");
	struct pkt_info pi;
	size_t n;

	n = build_nd_na(
	    out, sizeof(out), &mac_a, &mac_gw, 0, &s, &d, &s, &mac_gw,
	    ND_NA_FLAG_SOLICITED | ND_NA_FLAG_OVERRIDE | ND_NA_FLAG_ROUTER);
	CHECK_EQ(n, 14 + 40 + 24 + 8);
	CHECK_EQ(pkt_parse(out, n, &pi), 0);
	CHECK(pi.is_ipv6);
	CHECK_EQ(pi.ttl, 255);
	CHECK_EQ(pi.l4_proto, IPPROTO_ICMPV6);
	CHECK_EQ(pi.icmp_type, ND_NEIGHBOR_ADVERT);
	CHECK_EQ(pi.icmp_code, 0);
	CHECK(ip_equal(&pi.ip_src, &s));
	CHECK(ip_equal(&pi.ip_dst, &d));
	CHECK(ip_equal(&pi.nd_target, &s));
	CHECK(pi.has_nd_lladdr);
	CHECK(eth_equal(&pi.nd_lladdr, &mac_gw));
	CHECK(l4_csum_valid(out, &pi, 2));
	/* R S O in the first flags byte, reserved bits zero. */
	CHECK_EQ(out[54 + 4], 0xe0);
	CHECK(!out[55 + 4] && !out[56 + 4] && !out[57 + 4]);
	CHECK_EQ(out[54 + 24], ND_OPT_TARGET_LINKADDR);
	CHECK_EQ(out[54 + 25], 1);

	/* Solicited only; and tagged. */
	n = build_nd_na(out, sizeof(out), &mac_a, &mac_gw, 7, &s, &d, &s,
	                &mac_gw, ND_NA_FLAG_SOLICITED);
	CHECK_EQ(n, 90);
	CHECK_EQ(pkt_parse(out, n, &pi), 0);
	CHECK_EQ(pi.vlan_tci, 7);
	CHECK_EQ(out[58 + 4], 0x40);
	CHECK(l4_csum_valid(out, &pi, 2));
	CHECK_CAP(na_cap, 86);
}

static size_t
ns_cap(size_t cap)
{
	struct in6_addr s = ip("fd00::1"), t = ip("fd00::12:3456");

	return build_nd_ns(out, cap, &mac_gw, 0, &s, &t, &mac_gw);
}

static void
test_nd_ns(void)
{
	struct in6_addr s = ip("fd00::1"), t = ip("fd00::ab:cdef");
	struct in6_addr unspec = IN6ADDR_ANY_INIT;
	static const struct eth_addr snm_mac = {
	    {0x33, 0x33, 0xff, 0xab, 0xcd, 0xef}};
	struct pkt_info pi;
	size_t n;

	n = build_nd_ns(out, sizeof(out), &mac_gw, 0, &s, &t, &mac_gw);
	CHECK_EQ(n, 86);
	CHECK_EQ(pkt_parse(out, n, &pi), 0);
	CHECK(eth_equal(&pi.eth_dst, &snm_mac));
	CHECK(eth_equal(&pi.eth_src, &mac_gw));
	CHECK(ip_equal(
	    &pi.ip_dst,
	    &(struct in6_addr){.s6_addr = {0xff, 0x02, [11] = 0x01, [12] = 0xff,
	                                   0xab, 0xcd, 0xef}}));
	CHECK(ip_equal(&pi.ip_src, &s));
	CHECK_EQ(pi.ttl, 255);
	CHECK_EQ(pi.icmp_type, ND_NEIGHBOR_SOLICIT);
	CHECK(ip_equal(&pi.nd_target, &t));
	CHECK(pi.has_nd_lladdr);
	CHECK(eth_equal(&pi.nd_lladdr, &mac_gw));
	CHECK(l4_csum_valid(out, &pi, 2));
	CHECK(!out[58] && !out[59] && !out[60] && !out[61]);

	/* Duplicate address detection: from ::, no source option. */
	n = build_nd_ns(out, sizeof(out), &mac_gw, 5, &unspec, &t, &mac_gw);
	CHECK_EQ(n, 18 + 40 + 24);
	CHECK_EQ(pkt_parse(out, n, &pi), 0);
	CHECK(!pi.has_nd_lladdr);
	CHECK(l4_csum_valid(out, &pi, 2));
	CHECK_CAP(ns_cap, 86);
}

static void
test_echo_reply_v4(void)
{
	const uint8_t *reqs[] = {v_ip4_icmp_echo, v_vlan_ip4_icmp};
	const size_t lens[] = {sizeof(v_ip4_icmp_echo),
	                       sizeof(v_vlan_ip4_icmp)};

	for (size_t i = 0; i < ARRAY_SIZE(reqs); i++) {
		uint8_t f[128];
		struct pkt_info req, rep;
		size_t l3;

		memcpy(f, reqs[i], lens[i]);
		CHECK_EQ(pkt_parse(f, lens[i], &req), 0);
		l3 = req.l3_ofs;
		/* A TTL other than 64 in the request, to see it reset. */
		f[l3 + 8] = 3;
		f[l3 + 10] = f[l3 + 11] = 0;
		{
			uint16_t c = csum_fold(csum_add(0, f + l3, 20));

			f[l3 + 10] = (uint8_t)(c >> 8);
			f[l3 + 11] = (uint8_t)c;
		}
		CHECK_EQ(pkt_parse(f, lens[i], &req), 0);
		CHECK_EQ(build_echo_reply_inplace(f, lens[i], &req), 0);
		CHECK_EQ(pkt_parse(f, lens[i], &rep), 0); /* IP csum ok */
		CHECK_EQ(rep.icmp_type, ICMP_ECHOREPLY);
		CHECK_EQ(rep.icmp_code, 0);
		CHECK_EQ(rep.ttl, 64);
		CHECK(ip_equal(&rep.ip_src, &req.ip_dst));
		CHECK(ip_equal(&rep.ip_dst, &req.ip_src));
		CHECK(eth_equal(&rep.eth_src, &req.eth_dst));
		CHECK(eth_equal(&rep.eth_dst, &req.eth_src));
		CHECK_EQ(rep.vlan_tci, req.vlan_tci);
		CHECK(l4_csum_valid(f, &rep, 2));
		/* id, sequence and data echoed. */
		CHECK(!memcmp(f + rep.l4_ofs + 4, reqs[i] + req.l4_ofs + 4,
		              lens[i] - req.l4_ofs - 4));
		/* A reply is not an echo request. */
		CHECK_EQ(build_echo_reply_inplace(f, lens[i], &rep), -EINVAL);
	}
}

static void
test_echo_reply_v6(void)
{
	uint8_t f[sizeof(v_ip6_icmp6_echo)];
	struct pkt_info req, rep;

	memcpy(f, v_ip6_icmp6_echo, sizeof(f));
	f[14 + 7] = 9;
	CHECK_EQ(pkt_parse(f, sizeof(f), &req), 0);
	CHECK_EQ(build_echo_reply_inplace(f, sizeof(f), &req), 0);
	CHECK_EQ(pkt_parse(f, sizeof(f), &rep), 0);
	CHECK_EQ(rep.icmp_type, ICMP6_ECHO_REPLY);
	CHECK_EQ(rep.ttl, 64);
	CHECK(ip_equal(&rep.ip_src, &req.ip_dst));
	CHECK(ip_equal(&rep.ip_dst, &req.ip_src));
	CHECK(eth_equal(&rep.eth_src, &req.eth_dst));
	CHECK(l4_csum_valid(f, &rep, 2));
	CHECK(!memcmp(f + 58, v_ip6_icmp6_echo + 58, sizeof(f) - 58));
}

static void
test_echo_reply_rejects(void)
{
	uint8_t f[128];
	struct pkt_info pi;

	/* Not ICMP. */
	memcpy(f, v_ip4_udp, sizeof(v_ip4_udp));
	CHECK_EQ(pkt_parse(f, sizeof(v_ip4_udp), &pi), 0);
	CHECK_EQ(build_echo_reply_inplace(f, sizeof(v_ip4_udp), &pi), -EINVAL);
	/* A corrupted request (ICMP checksum): not answered, untouched. */
	memcpy(f, v_ip4_icmp_echo, sizeof(v_ip4_icmp_echo));
	f[sizeof(v_ip4_icmp_echo) - 1] ^= 0x40;
	CHECK_EQ(pkt_parse(f, sizeof(v_ip4_icmp_echo), &pi), 0);
	CHECK_EQ(build_echo_reply_inplace(f, sizeof(v_ip4_icmp_echo), &pi),
	         -EINVAL);
	CHECK(!memcmp(f, v_ip4_icmp_echo, sizeof(v_ip4_icmp_echo) - 1));
	memcpy(f, v_ip6_icmp6_echo, sizeof(v_ip6_icmp6_echo));
	f[60] ^= 1;
	CHECK_EQ(pkt_parse(f, sizeof(v_ip6_icmp6_echo), &pi), 0);
	CHECK_EQ(build_echo_reply_inplace(f, sizeof(v_ip6_icmp6_echo), &pi),
	         -EINVAL);
	/* Length shorter than the parse said. */
	memcpy(f, v_ip4_icmp_echo, sizeof(v_ip4_icmp_echo));
	CHECK_EQ(pkt_parse(f, sizeof(v_ip4_icmp_echo), &pi), 0);
	CHECK_EQ(build_echo_reply_inplace(f, 40, &pi), -EINVAL);
	/* Group addresses: broadcast MAC; IPv4 multicast and broadcast;
	 * IPv6 multicast (with valid checksums, so only that refuses). */
	memcpy(f, v_ip4_icmp_echo, sizeof(v_ip4_icmp_echo));
	memset(f, 0xff, 6);
	CHECK_EQ(pkt_parse(f, sizeof(v_ip4_icmp_echo), &pi), 0);
	CHECK_EQ(build_echo_reply_inplace(f, sizeof(v_ip4_icmp_echo), &pi),
	         -EINVAL);
	for (int k = 0; k < 2; k++) {
		struct ipv4_hdr *ip = (struct ipv4_hdr *)(f + 14);

		memcpy(f, v_ip4_icmp_echo, sizeof(v_ip4_icmp_echo));
		ip->dst = htonl(k ? 0xffffffff : 0xe0000001);
		ip->csum = 0;
		ip->csum = htons(csum_fold(csum_add(0, ip, 20)));
		CHECK_EQ(pkt_parse(f, sizeof(v_ip4_icmp_echo), &pi), 0);
		CHECK_EQ(
		    build_echo_reply_inplace(f, sizeof(v_ip4_icmp_echo), &pi),
		    -EINVAL);
	}
	{
		struct in6_addr all = {.s6_addr = {0xff, 0x02, [15] = 1}};
		struct in6_addr src;
		uint32_t sum;

		memcpy(f, v_ip6_icmp6_echo, sizeof(v_ip6_icmp6_echo));
		memcpy(f + 38, &all, 16);
		memcpy(&src, f + 22, 16);
		f[56] = f[57] = 0;
		sum = csum_pseudo6(&src, &all, IPPROTO_ICMPV6, 40);
		sum = csum_fold(csum_add(sum, f + 54, 40));
		f[56] = (uint8_t)(sum >> 8);
		f[57] = (uint8_t)sum;
		CHECK_EQ(pkt_parse(f, sizeof(v_ip6_icmp6_echo), &pi), 0);
		CHECK(l4_csum_valid(f, &pi, 2));
		CHECK_EQ(
		    build_echo_reply_inplace(f, sizeof(v_ip6_icmp6_echo), &pi),
		    -EINVAL);
	}
	/* Not IP at all. */
	memcpy(f, v_arp_req, sizeof(v_arp_req));
	CHECK_EQ(pkt_parse(f, sizeof(v_arp_req), &pi), 0);
	CHECK_EQ(build_echo_reply_inplace(f, sizeof(v_arp_req), &pi), -EINVAL);
}

/* An IPv4 UDP frame of 'len' bytes, valid. */
static size_t
make_udp4(uint8_t *f, size_t len)
{
	struct ipv4_hdr *ip = (struct ipv4_hdr *)(f + 14);

	memcpy(f, v_ip4_udp, 34);
	for (size_t i = 34; i < len; i++)
		f[i] = (uint8_t)i;
	ip->tot_len = htons((uint16_t)(len - 14));
	ip->csum = 0;
	ip->csum = htons(csum_fold(csum_add(0, ip, 20)));
	return len;
}

static size_t
make_udp6(uint8_t *f, size_t len)
{
	struct ipv6_hdr *ip6 = (struct ipv6_hdr *)(f + 14);

	memcpy(f, v_ip6_icmp6_echo, 54);
	for (size_t i = 54; i < len; i++)
		f[i] = (uint8_t)i;
	ip6->next = IPPROTO_UDP;
	ip6->payload_len = htons((uint16_t)(len - 54));
	return len;
}

static const uint8_t *err_orig;
static const struct pkt_info *err_pi;

static size_t
err_cap(size_t cap)
{
	struct in6_addr from = err_pi->is_ipv6 ? ip("fd00::1") : ip("10.0.1.1");

	return build_icmp_error(out, cap, &mac_a, &mac_gw, &from,
	                        err_pi->is_ipv6 ? ICMP6_TIME_EXCEEDED
	                                        : ICMP_TIME_EXCEEDED,
	                        0, 0, err_orig, err_pi);
}

static void
test_icmp_error_v4(void)
{
	static uint8_t big[1514];
	struct in6_addr from = ip("10.0.1.1");
	struct pkt_info opi, pi;
	size_t n;

	/* Small datagram: quoted whole. */
	CHECK_EQ(pkt_parse(v_ip4_udp, sizeof(v_ip4_udp), &opi), 0);
	n = build_icmp_error(out, sizeof(out), &mac_a, &mac_gw, &from,
	                     ICMP_TIME_EXCEEDED, 0, 0, v_ip4_udp, &opi);
	CHECK_EQ(n, 14 + 20 + 8 + 40);
	CHECK_EQ(pkt_parse(out, n, &pi), 0);
	CHECK_EQ(pi.l4_proto, IPPROTO_ICMP);
	CHECK_EQ(pi.icmp_type, ICMP_TIME_EXCEEDED);
	CHECK_EQ(pi.icmp_code, 0);
	CHECK(ip_equal(&pi.ip_src, &from));
	CHECK(ip_equal(&pi.ip_dst, &opi.ip_src));
	CHECK(eth_equal(&pi.eth_dst, &mac_a));
	CHECK_EQ(pi.ip_end, n);
	CHECK(l4_csum_valid(out, &pi, 2));
	CHECK(!memcmp(out + 42, v_ip4_udp + 14, 40));
	CHECK(!out[38] && !out[39] && !out[40] && !out[41]);
	err_orig = v_ip4_udp;
	err_pi = &opi;
	CHECK_CAP(err_cap, n);

	/* 1500-byte datagram: the error is exactly 576 bytes of IP. */
	n = make_udp4(big, sizeof(big));
	CHECK_EQ(pkt_parse(big, n, &opi), 0);
	n = build_icmp_error(out, sizeof(out), &mac_a, &mac_gw, &from,
	                     ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0, big,
	                     &opi);
	CHECK_EQ(n, 14 + 576);
	CHECK_EQ(pkt_parse(out, n, &pi), 0);
	CHECK_EQ(pi.icmp_type, ICMP_DEST_UNREACH);
	CHECK_EQ(pi.icmp_code, ICMP_HOST_UNREACH);
	CHECK(l4_csum_valid(out, &pi, 2));
	CHECK(!memcmp(out + 42, big + 14, 576 - 28));

	/* Wrong family for 'from'. */
	from = ip("fd00::1");
	CHECK_EQ(build_icmp_error(out, sizeof(out), &mac_a, &mac_gw, &from,
	                          ICMP_TIME_EXCEEDED, 0, 0, big, &opi),
	         0);
}

static void
test_icmp_error_v6(void)
{
	static uint8_t big[1514];
	struct in6_addr from = ip("fd00::1");
	struct pkt_info opi, pi;
	size_t n;

	CHECK_EQ(pkt_parse(v_ip6_icmp6_echo, sizeof(v_ip6_icmp6_echo), &opi),
	         0);
	n = build_icmp_error(out, sizeof(out), &mac_a, &mac_gw, &from,
	                     ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_ADDR, 0,
	                     v_ip6_icmp6_echo, &opi);
	CHECK_EQ(n, 14 + 40 + 8 + 80);
	CHECK_EQ(pkt_parse(out, n, &pi), 0);
	CHECK(pi.is_ipv6);
	CHECK_EQ(pi.icmp_type, ICMP6_DST_UNREACH);
	CHECK_EQ(pi.icmp_code, ICMP6_DST_UNREACH_ADDR);
	CHECK(ip_equal(&pi.ip_src, &from));
	CHECK(ip_equal(&pi.ip_dst, &opi.ip_src));
	CHECK(l4_csum_valid(out, &pi, 2));
	CHECK(!memcmp(out + 62, v_ip6_icmp6_echo + 14, 80));
	err_orig = v_ip6_icmp6_echo;
	err_pi = &opi;
	CHECK_CAP(err_cap, n);

	n = make_udp6(big, sizeof(big));
	CHECK_EQ(pkt_parse(big, n, &opi), 0);
	n = build_icmp_error(out, sizeof(out), &mac_a, &mac_gw, &from,
	                     ICMP6_TIME_EXCEEDED, 0, 0, big, &opi);
	CHECK_EQ(n, 14 + 1280);
	CHECK_EQ(pkt_parse(out, n, &pi), 0);
	CHECK_EQ(pi.icmp_type, ICMP6_TIME_EXCEEDED);
	CHECK_EQ(pi.ip_end, n);
	CHECK(l4_csum_valid(out, &pi, 2));
	CHECK(!memcmp(out + 62, big + 14, 1280 - 48));

	from = ip("10.0.1.1");
	CHECK_EQ(build_icmp_error(out, sizeof(out), &mac_a, &mac_gw, &from,
	                          ICMP6_TIME_EXCEEDED, 0, 0, big, &opi),
	         0);
	/* Not IP. */
	CHECK_EQ(pkt_parse(v_arp_req, sizeof(v_arp_req), &opi), 0);
	CHECK_EQ(build_icmp_error(out, sizeof(out), &mac_a, &mac_gw, &from,
	                          ICMP_TIME_EXCEEDED, 0, 0, v_arp_req, &opi),
	         0);
}

static void
test_dec_ttl(void)
{
	uint8_t f[128];
	struct pkt_info pi;

	/* IPv4, with options and tagged, down to 1: the checksum holds. */
	memcpy(f, v_vlan_ip4_icmp, sizeof(v_vlan_ip4_icmp));
	CHECK_EQ(pkt_parse(f, sizeof(v_vlan_ip4_icmp), &pi), 0);
	for (int ttl = pi.ttl; ttl > 1; ttl--) {
		build_dec_ttl(f, &pi);
		CHECK_EQ(pkt_parse(f, sizeof(v_vlan_ip4_icmp), &pi), 0);
		CHECK_EQ(pi.ttl, ttl - 1);
	}
	CHECK_EQ(pi.ttl, 1);
	build_dec_ttl(f, &pi);
	CHECK_EQ(f[18 + 8], 0);
	CHECK(csum_ok(csum_add(0, f + 18, 20)));
	/* TTL 0 is left alone. */
	build_dec_ttl(f, &pi);
	CHECK_EQ(f[18 + 8], 0);

	memcpy(f, v_ip4_frag_first, sizeof(v_ip4_frag_first));
	CHECK_EQ(pkt_parse(f, sizeof(v_ip4_frag_first), &pi), 0);
	build_dec_ttl(f, &pi);
	CHECK_EQ(pkt_parse(f, sizeof(v_ip4_frag_first), &pi), 0);
	CHECK_EQ(pi.ttl, 63);

	memcpy(f, v_ip6_icmp6_echo, sizeof(v_ip6_icmp6_echo));
	CHECK_EQ(pkt_parse(f, sizeof(v_ip6_icmp6_echo), &pi), 0);
	build_dec_ttl(f, &pi);
	CHECK_EQ(pkt_parse(f, sizeof(v_ip6_icmp6_echo), &pi), 0);
	CHECK_EQ(pi.ttl, 63);
	CHECK(l4_csum_valid(f, &pi, 2));

	/* Not IP: nothing written. */
	memcpy(f, v_arp_req, sizeof(v_arp_req));
	CHECK_EQ(pkt_parse(f, sizeof(v_arp_req), &pi), 0);
	build_dec_ttl(f, &pi);
	CHECK(!memcmp(f, v_arp_req, sizeof(v_arp_req)));
}

const struct test_case tests[] = {
    TEST(test_arp),           TEST(test_nd_na),
    TEST(test_nd_ns),         TEST(test_echo_reply_v4),
    TEST(test_echo_reply_v6), TEST(test_echo_reply_rejects),
    TEST(test_icmp_error_v4), TEST(test_icmp_error_v6),
    TEST(test_dec_ttl),       {0},
};
