/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-nvgre: the NVGRE outer header byte for byte (IPv4 and IPv6,
 * tagged and untagged), against a hand-written header and against whole
 * frames generated independently, then parsed back: GRE flags 0x2000,
 * protocol 0x6558, key VSID << 8 | FlowID, DF, TTL 64, lengths and the
 * IPv4 header checksum.  Also the pbuf headroom pattern of nvgre.h.
 */
#include <arpa/inet.h>
#include <string.h>

#include "lib/addr.h"
#include "lib/pbuf.h"
#include "lib/util.h"
#include "pkt/csum.h"
#include "pkt/eth.h"
#include "pkt/gre.h"
#include "pkt/nvgre.h"
#include "pkt/parse.h"
#include "tests/unit/harness.h"

/* From test-pkt-parse.c: v_nvgre4 is v_arp_req in NVGRE over IPv4,
 * 00:15:5d:0a:00:01 192.168.0.1 -> 00:15:5d:0a:00:02 192.168.0.2, VSID
 * 6000, FlowID 0x2a; v_nvgre6 is v_ip4_icmp_echo over IPv6 2001:db8::1
 * -> 2001:db8::2, VLAN 10. */
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
/* 84 bytes */
static const uint8_t v_nvgre4[] = {
    0x00, 0x15, 0x5d, 0x0a, 0x00, 0x02, 0x00, 0x15, 0x5d, 0x0a, 0x00, 0x01,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x46, 0x00, 0x00, 0x40, 0x00, 0x40, 0x2f,
    0xb9, 0x35, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0x02, 0x20, 0x00,
    0x65, 0x58, 0x00, 0x17, 0x70, 0x2a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x60, 0x00, 0x60, 0x00, 0x01, 0x01, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00,
    0x06, 0x04, 0x00, 0x01, 0x60, 0x00, 0x60, 0x00, 0x01, 0x01, 0x0a, 0x00,
    0x01, 0x65, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x01, 0x66,
};
/* 140 bytes */
static const uint8_t v_nvgre6[] = {
    0x00, 0x15, 0x5d, 0x0a, 0x00, 0x02, 0x00, 0x15, 0x5d, 0x0a, 0x00, 0x01,
    0x81, 0x00, 0x00, 0x0a, 0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x52,
    0x2f, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x20, 0x00,
    0x65, 0x58, 0x00, 0x17, 0x70, 0x2a, 0x60, 0x00, 0x60, 0x00, 0x01, 0x02,
    0x60, 0x00, 0x60, 0x00, 0x01, 0x01, 0x08, 0x00, 0x45, 0x00, 0x00, 0x3c,
    0x1c, 0x46, 0x40, 0x00, 0x40, 0x01, 0x07, 0xb1, 0x0a, 0x00, 0x01, 0x65,
    0x0a, 0x00, 0x01, 0x66, 0x08, 0x00, 0xf3, 0xc8, 0x12, 0x34, 0x00, 0x01,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
    0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27,
    0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
};

static const struct eth_addr pa_mac1 = {{0x00, 0x15, 0x5d, 0x0a, 0x00, 0x01}};
static const struct eth_addr pa_mac2 = {{0x00, 0x15, 0x5d, 0x0a, 0x00, 0x02}};

static struct nvgre_outer
outer(const char *src, const char *dst, uint16_t vlan)
{
	struct nvgre_outer o = {
	    .eth_dst = pa_mac2, .eth_src = pa_mac1, .vlan = vlan};

	CHECK_EQ(ip_parse(src, &o.pa_src), 0);
	CHECK_EQ(ip_parse(dst, &o.pa_dst), 0);
	return o;
}

static void
test_key(void)
{
	CHECK_EQ(nvgre_key(6000, 0x2a), 0x0017702a);
	CHECK_EQ(nvgre_key(NVGRE_VSID_MIN, 0), 0x00100000);
	CHECK_EQ(nvgre_key(NVGRE_VSID_MAX, 0xff), 0xfffffeff);
}

static void
test_outer_len(void)
{
	struct nvgre_outer o;

	o = outer("192.168.0.1", "192.168.0.2", 0);
	CHECK_EQ(nvgre_outer_len(&o), 42);
	o.vlan = 10;
	CHECK_EQ(nvgre_outer_len(&o), 46);
	o = outer("2001:db8::1", "2001:db8::2", 0);
	CHECK_EQ(nvgre_outer_len(&o), 62);
	o.vlan = 4094;
	CHECK_EQ(nvgre_outer_len(&o), 66);
	CHECK_EQ(nvgre_outer_len(&o), NVGRE_MAX_OUTER);
}

/* IPv4, untagged, written out by hand (checksum b935 computed apart). */
static void
test_ipv4_bytes(void)
{
	static const uint8_t want[42] = {
	    0x00, 0x15, 0x5d, 0x0a, 0x00, 0x02, /* eth dst */
	    0x00, 0x15, 0x5d, 0x0a, 0x00, 0x01, /* eth src */
	    0x08, 0x00,                         /* IPv4 */
	    0x45, 0x00, 0x00, 0x46,             /* 20 + 8 + 42 */
	    0x00, 0x00, 0x40, 0x00,             /* id 0, DF */
	    0x40, 0x2f, 0xb9, 0x35,             /* TTL 64, GRE, csum */
	    0xc0, 0xa8, 0x00, 0x01,             /* 192.168.0.1 */
	    0xc0, 0xa8, 0x00, 0x02,             /* 192.168.0.2 */
	    0x20, 0x00, 0x65, 0x58,             /* K, TEB */
	    0x00, 0x17, 0x70, 0x2a,             /* VSID 6000, FlowID 42 */
	};
	struct nvgre_outer o = outer("192.168.0.1", "192.168.0.2", 0);
	uint8_t buf[64];

	memset(buf, 0xaa, sizeof(buf));
	nvgre_write(buf, &o, 6000, 0x2a, sizeof(v_arp_req));
	CHECK(!memcmp(buf, want, sizeof(want)));
	CHECK_EQ(buf[42], 0xaa); /* nothing past the header */
	CHECK(csum_ok(csum_add(0, buf + 14, 20)));

	/* Tagged: the tag, then the same bytes. */
	o.vlan = 10;
	nvgre_write(buf, &o, 6000, 0x2a, sizeof(v_arp_req));
	CHECK(!memcmp(buf, want, 12));
	CHECK(!memcmp(buf + 12, "\x81\x00\x00\x0a\x08\x00", 6));
	CHECK(!memcmp(buf + 18, want + 14, sizeof(want) - 14));
}

/* Outer + inner against the independently generated frames. */
static void
test_whole_frames(void)
{
	struct nvgre_outer o4 = outer("192.168.0.1", "192.168.0.2", 0);
	struct nvgre_outer o6 = outer("2001:db8::1", "2001:db8::2", 10);
	uint8_t buf[256];
	size_t h;

	h = nvgre_outer_len(&o4);
	nvgre_write(buf, &o4, 6000, 0x2a, sizeof(v_arp_req));
	memcpy(buf + h, v_arp_req, sizeof(v_arp_req));
	CHECK_EQ(h + sizeof(v_arp_req), sizeof(v_nvgre4));
	CHECK(!memcmp(buf, v_nvgre4, sizeof(v_nvgre4)));

	h = nvgre_outer_len(&o6);
	nvgre_write(buf, &o6, 6000, 0x2a, sizeof(v_ip4_icmp_echo));
	memcpy(buf + h, v_ip4_icmp_echo, sizeof(v_ip4_icmp_echo));
	CHECK_EQ(h + sizeof(v_ip4_icmp_echo), sizeof(v_nvgre6));
	CHECK(!memcmp(buf, v_nvgre6, sizeof(v_nvgre6)));
	/* IPv6 payload length: GRE 8 + inner. */
	CHECK_EQ(buf[18 + 4] << 8 | buf[18 + 5], 8 + sizeof(v_ip4_icmp_echo));
	CHECK_EQ(buf[18 + 6], IPPROTO_GRE);
	CHECK_EQ(buf[18 + 7], 64);
}

/* The pbuf pattern: inner frame in place, outer pushed into headroom,
 * parsed back, for each family and tagging. */
static void
test_pbuf_roundtrip(void)
{
	static struct pbuf b;
	const char *pas[][2] = {{"10.1.0.1", "10.1.0.2"},
	                        {"fd01::1", "fd01::2"}};

	for (int fam = 0; fam < 2; fam++) {
		for (int vlan = 0; vlan <= 4094; vlan += 4094) {
			struct nvgre_outer o =
			    outer(pas[fam][0], pas[fam][1], (uint16_t)vlan);
			size_t ilen = sizeof(v_ip4_icmp_echo);
			uint32_t vsid = NVGRE_VSID_MAX - (uint32_t)vlan;
			struct pkt_info pi, in;
			uint8_t *p;

			pbuf_reset(&b);
			memcpy(b.data, v_ip4_icmp_echo, ilen);
			b.len = (uint32_t)ilen;
			p = pbuf_push(&b, nvgre_outer_len(&o));
			CHECK(p != NULL);
			nvgre_write(p, &o, vsid, 0x81, ilen);

			CHECK_EQ(pkt_parse(b.data, b.len, &pi), 0);
			CHECK_EQ(pi.has_vlan, vlan != 0);
			CHECK_EQ(pi.vlan_tci, vlan);
			CHECK_EQ(pi.is_ipv6, fam == 1);
			CHECK(ip_equal(&pi.ip_src, &o.pa_src));
			CHECK(ip_equal(&pi.ip_dst, &o.pa_dst));
			CHECK_EQ(pi.ttl, 64);
			CHECK(!pi.is_fragment);
			CHECK_EQ(pi.l4_proto, IPPROTO_GRE);
			CHECK_EQ(pi.gre_flags, NVGRE_GRE_FLAGS);
			CHECK_EQ(pi.gre_proto, NVGRE_PROTO);
			CHECK(pi.gre_has_key);
			CHECK_EQ(pi.gre_key >> 8, vsid);
			CHECK_EQ(pi.gre_key & 0xff, 0x81);
			CHECK_EQ(pi.inner_ofs, nvgre_outer_len(&o));
			CHECK_EQ(pi.ip_end, b.len);
			if (fam == 0) {
				const uint8_t *ip = b.data + pi.l3_ofs;

				CHECK_EQ(ip[6] & 0x40, 0x40); /* DF */
				CHECK_EQ(ip[2] << 8 | ip[3], 28 + ilen);
			}
			CHECK_EQ(pkt_parse(b.data + pi.inner_ofs,
			                   pi.ip_end - pi.inner_ofs, &in),
			         0);
			CHECK(!memcmp(b.data + pi.inner_ofs, v_ip4_icmp_echo,
			              ilen));
		}
	}
}

const struct test_case tests[] = {
    TEST(test_key),          TEST(test_outer_len),      TEST(test_ipv4_bytes),
    TEST(test_whole_frames), TEST(test_pbuf_roundtrip), {0},
};
