/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-probe: the trace's packet builder.  Every protocol and family
 * parses back with the fields asked for and valid checksums (the IPv4
 * header checksum is checked by pkt_parse; L4 checksums are recomputed
 * here over the pseudo-header).
 */
#include <string.h>

#include "pkt/csum.h"
#include "pkt/parse.h"
#include "pkt/probe.h"
#include "tests/unit/harness.h"

static bool
l4_csum_ok(const uint8_t *f, const struct pkt_info *pi)
{
	size_t l4len = pi->ip_end - pi->l4_ofs;
	uint32_t sum;

	if (pi->is_ipv6)
		sum = csum_pseudo6(&pi->ip_src, &pi->ip_dst, pi->l4_proto,
		                   (uint32_t)l4len);
	else if (pi->l4_proto == 1)
		sum = 0;
	else
		sum =
		    csum_pseudo4(ip_get_v4(&pi->ip_src), ip_get_v4(&pi->ip_dst),
		                 pi->l4_proto, (uint32_t)l4len);
	return csum_ok(csum_add(sum, f + pi->l4_ofs, l4len));
}

static void
check_one(const char *src, const char *dst, int proto, int want_proto)
{
	struct eth_addr s = {{2, 0, 0, 0, 0, 1}}, d = {{2, 0, 0, 0, 0, 2}};
	struct in6_addr a, b;
	uint8_t f[PROBE_MAX_LEN];
	struct pkt_info pi;
	size_t n;

	ip_parse(src, &a);
	ip_parse(dst, &b);
	n = build_probe(f, &s, &d, &a, &b, proto, 1234, 80, 7);
	CHECK(n > 0 && n <= PROBE_MAX_LEN);
	CHECK_EQ(pkt_parse(f, n, &pi), 0);
	CHECK_EQ(pi.l4_proto, want_proto);
	CHECK(ip_equal(&pi.ip_src, &a));
	CHECK(ip_equal(&pi.ip_dst, &b));
	CHECK(eth_equal(&pi.eth_src, &s));
	CHECK(eth_equal(&pi.eth_dst, &d));
	CHECK_EQ(pi.ttl, 7);
	CHECK(pi.l4_ofs != 0);
	CHECK(l4_csum_ok(f, &pi));
	if (want_proto == 6 || want_proto == 17) {
		CHECK_EQ(pi.sport, 1234);
		CHECK_EQ(pi.dport, 80);
	} else {
		CHECK_EQ(pi.icmp_type, want_proto == 1 ? 8 : 128);
	}
}

static void
test_ipv4(void)
{
	check_one("10.0.1.101", "10.0.1.103", 1, 1);
	check_one("10.0.1.101", "10.0.1.103", 17, 17);
	check_one("10.0.1.101", "10.0.1.103", 6, 6);
}

static void
test_ipv6(void)
{
	check_one("fd00:1::101", "fd00:1::103", 1, 58);
	check_one("fd00:1::101", "fd00:1::103", 17, 17);
	check_one("fd00:1::101", "fd00:1::103", 6, 6);
}

const struct test_case tests[] = {
    TEST(test_ipv4),
    TEST(test_ipv6),
    {0},
};
