/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-offload: software TSO and TCP receive coalescing (io/offload.c).
 * A super-frame cut by tso_next() gives segments with valid checksums,
 * the right lengths, sequence numbers, IDs and flags; the segments merged
 * again by coalesce_scan()/coalesce_head() give back the super-frame; and
 * every condition that must stop a merge does.
 */
#include <errno.h>
#include <linux/virtio_net.h>
#include <stdlib.h>
#include <string.h>

#include "io/offload.h"
#include "pkt/csum.h"
#include "tests/unit/harness.h"

#define MSS 1000

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

/* Builds Ethernet + IP + TCP (with 12 bytes of options: NOP NOP and a
 * timestamp) + 'plen' payload bytes (a pattern from 'seq') into f.
 * Checksums valid.  Returns the length. */
static size_t
build_tcp(uint8_t *f, bool v6, uint32_t seq, size_t plen, uint8_t flags)
{
	size_t l3 = 14, ihl = v6 ? 40 : 20, l4 = l3 + ihl, thl = 32;
	size_t len = l4 + thl + plen;
	uint8_t *ip = f + l3, *tcp = f + l4;
	uint32_t sum;

	memset(f, 0, l4 + thl);
	memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	wr16(f + 12, v6 ? 0x86dd : 0x0800);
	if (v6) {
		ip[0] = 0x60;
		wr16(ip + 4, (uint16_t)(thl + plen));
		ip[6] = 6;
		ip[7] = 64;
		ip[8] = 0xfd;
		ip[23] = 1;
		ip[24] = 0xfd;
		ip[39] = 2;
	} else {
		ip[0] = 0x45;
		wr16(ip + 2, (uint16_t)(ihl + thl + plen));
		wr16(ip + 4, 0x1234);
		wr16(ip + 6, 0x4000); /* DF */
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, "\x0a\x00\x01\x65\x0a\x00\x01\xc9", 8);
		wr16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	}
	wr16(tcp, 40000);
	wr16(tcp + 2, 5201);
	wr32(tcp + 4, seq);
	wr32(tcp + 8, 777);
	tcp[12] = (uint8_t)((thl / 4) << 4);
	tcp[13] = flags;
	wr16(tcp + 14, 501);
	memcpy(tcp + 20, "\x01\x01\x08\x0a\x00\x00\x00\x07\x00\x00\x00\x09",
	       12);
	for (size_t i = 0; i < plen; i++)
		tcp[thl + i] = (uint8_t)((seq + i) * 7 + 3);
	if (v6) {
		struct in6_addr s, d;

		memcpy(&s, ip + 8, 16);
		memcpy(&d, ip + 24, 16);
		sum = csum_pseudo6(&s, &d, 6, (uint32_t)(thl + plen));
	} else {
		uint32_t s, d;

		memcpy(&s, ip + 12, 4);
		memcpy(&d, ip + 16, 4);
		sum = csum_pseudo4(s, d, 6, (uint32_t)(thl + plen));
	}
	wr16(tcp + 16, csum_fold(csum_add(sum, tcp, thl + plen)));
	return len;
}

/* TCP checksum of frame f (len bytes) verifies. */
static bool
tcp_csum_valid(const uint8_t *f, size_t len, bool v6)
{
	size_t l4 = v6 ? 54 : 34;
	uint32_t sum;

	if (v6) {
		struct in6_addr s, d;

		memcpy(&s, f + 22, 16);
		memcpy(&d, f + 38, 16);
		sum = csum_pseudo6(&s, &d, 6, (uint32_t)(len - l4));
	} else {
		uint32_t s, d;

		memcpy(&s, f + 26, 4);
		memcpy(&d, f + 30, 4);
		sum = csum_pseudo4(s, d, 6, (uint32_t)(len - l4));
	}
	return csum_ok(csum_add(sum, f + l4, len - l4));
}

static uint8_t super[70000];

/* Cuts a super-frame of 'plen' payload bytes and checks each segment. */
static int
cut(bool v6, size_t plen, uint8_t flags, struct pbuf *out, int max)
{
	size_t len = build_tcp(super, v6, 1000000, plen, flags);
	struct tso t;
	int n = 0;

	CHECK_EQ(
	    tso_init(&t, super, len,
	             v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4,
	             MSS, PBUF_FRAME_MAX),
	    0);
	while (tso_more(&t) && n < max) {
		struct pbuf *b = &out[n];
		const uint8_t *tcp;
		size_t exp = plen - (size_t)n * MSS;

		if (exp > MSS)
			exp = MSS;
		pbuf_reset(b);
		b->len = (uint32_t)tso_next(&t, b->data);
		tcp = b->data + (v6 ? 54 : 34);
		CHECK_EQ(b->len, (v6 ? 54 : 34) + 32 + exp);
		CHECK(tcp_csum_valid(b->data, b->len, v6));
		CHECK_EQ(rd32(tcp + 4), 1000000 + (uint32_t)n * MSS);
		if (v6) {
			CHECK_EQ(rd16(b->data + 18), 32 + exp);
		} else {
			CHECK_EQ(rd16(b->data + 16), 20 + 32 + exp);
			CHECK_EQ(rd16(b->data + 18), 0x1234 + n);
			CHECK(csum_ok(csum_add(0, b->data + 14, 20)));
		}
		/* payload bytes are the super-frame's */
		CHECK(!memcmp(tcp + 32,
		              super + (v6 ? 54 : 34) + 32 + (size_t)n * MSS,
		              exp));
		n++;
	}
	CHECK(!tso_more(&t));
	return n;
}

static void
test_tso_v4(void)
{
	static struct pbuf out[80];
	int n =
	    cut(false, 64000, 0x18 | 0x01 | 0x80, out, 80); /* PSH FIN CWR */

	CHECK_EQ(n, 64);
	for (int i = 0; i < n; i++) {
		uint8_t fl = out[i].data[34 + 13];

		CHECK_EQ(!!(fl & 0x08), i == n - 1); /* PSH last only */
		CHECK_EQ(!!(fl & 0x01), i == n - 1); /* FIN last only */
		CHECK_EQ(!!(fl & 0x80), i == 0);     /* CWR first only */
		CHECK(fl & 0x10);
	}
}

static void
test_tso_v6_short_last(void)
{
	static struct pbuf out[10];
	int n = cut(true, 3500, 0x10, out, 10);

	CHECK_EQ(n, 4);
	CHECK_EQ(out[3].len, 54 + 32 + 500);
}

static void
test_tso_bad(void)
{
	struct tso t;
	size_t len = build_tcp(super, false, 1, 5000, 0x10);

	CHECK_EQ(tso_init(&t, super, len, VIRTIO_NET_HDR_GSO_TCPV6, MSS,
	                  PBUF_FRAME_MAX),
	         -EINVAL); /* type does not match the frame */
	CHECK_EQ(tso_init(&t, super, len, VIRTIO_NET_HDR_GSO_UDP, MSS,
	                  PBUF_FRAME_MAX),
	         -EINVAL);
	CHECK_EQ(tso_init(&t, super, len, VIRTIO_NET_HDR_GSO_TCPV4, 47,
	                  PBUF_FRAME_MAX),
	         -EINVAL); /* below TSO_MIN_MSS */
	CHECK_EQ(tso_init(&t, super, len - 1, VIRTIO_NET_HDR_GSO_TCPV4, MSS,
	                  PBUF_FRAME_MAX),
	         -EINVAL); /* shorter than its IP length */
	CHECK_EQ(tso_init(&t, super, 40, VIRTIO_NET_HDR_GSO_TCPV4, MSS,
	                  PBUF_FRAME_MAX),
	         -EINVAL);
	CHECK_EQ(tso_init(&t, super, len, VIRTIO_NET_HDR_GSO_TCPV4, 9000, 1500),
	         -EMSGSIZE);
	super[14 + 9] = 17; /* UDP */
	CHECK_EQ(tso_init(&t, super, len, VIRTIO_NET_HDR_GSO_TCPV4, MSS,
	                  PBUF_FRAME_MAX),
	         -EINVAL);
	super[14 + 9] = 6;
	wr16(super + 14 + 6, 0x2000); /* MF */
	CHECK_EQ(tso_init(&t, super, len, VIRTIO_NET_HDR_GSO_TCPV4, MSS,
	                  PBUF_FRAME_MAX),
	         -EINVAL);
	wr16(super + 14 + 6, 0);
	super[34 + 12] = 0x40; /* data offset 16 bytes */
	CHECK_EQ(tso_init(&t, super, len, VIRTIO_NET_HDR_GSO_TCPV4, MSS,
	                  PBUF_FRAME_MAX),
	         -EINVAL);
	/* payload-less: one segment, the headers */
	len = build_tcp(super, false, 1, 0, 0x10);
	CHECK_EQ(tso_init(&t, super, len, VIRTIO_NET_HDR_GSO_TCPV4, MSS,
	                  PBUF_FRAME_MAX),
	         0);
	CHECK(!tso_more(&t));
}

/* Cuts, merges everything back and compares with the super-frame. */
static void
roundtrip(bool v6)
{
	static struct pbuf seg[64];
	struct pbuf *bufs[64];
	struct coalesce c;
	size_t plen = 20500, hl = (v6 ? 54 : 34) + 32;
	int n = cut(v6, plen, 0x18, seg, 64), done = 0;
	uint8_t merged[70000];
	size_t len = build_tcp(super, v6, 1000000, plen, 0x18);

	for (int i = 0; i < n; i++)
		bufs[i] = &seg[i];
	coalesce_scan(bufs, n, 65536, true, &c);
	CHECK_EQ(c.count, n);
	CHECK_EQ(c.len, len);
	CHECK_EQ(c.mss, MSS);
	CHECK_EQ(c.hlen, hl);
	CHECK_EQ(c.v6, v6);
	coalesce_head(bufs, &c);
	memcpy(merged, bufs[0]->data, bufs[0]->len);
	done = (int)bufs[0]->len;
	for (int i = 1; i < n; i++) {
		memcpy(merged + done, bufs[i]->data + hl, bufs[i]->len - hl);
		done += (int)(bufs[i]->len - hl);
	}
	CHECK_EQ(done, len);
	/* equal but for the TCP checksum field (now the pseudo-header sum)
	 * and, in IPv4, the ID (the first segment's, as the super-frame) */
	CHECK(!memcmp(merged, super, hl - 32 + 16));
	CHECK(!memcmp(merged + hl - 32 + 18, super + hl - 32 + 18,
	              len - (hl - 32 + 18)));
	/* completing the partial checksum gives the super-frame's */
	{
		uint16_t full =
		    csum_fold(csum_add(0, merged + hl - 32, len - (hl - 32)));

		CHECK_EQ(full, rd16(super + hl - 32 + 16));
	}
}

static void
test_coalesce_roundtrip_v4(void)
{
	roundtrip(false);
}

static void
test_coalesce_roundtrip_v6(void)
{
	roundtrip(true);
}

/* Three full segments from 'seq'; 'mod' changes segment 1 (the middle)
 * before the scan; returns how many merge. */
static int
scan3(void (*mod)(struct pbuf *), size_t max_len)
{
	static struct pbuf seg[3];
	struct pbuf *bufs[3] = {&seg[0], &seg[1], &seg[2]};
	struct coalesce c;

	for (int i = 0; i < 3; i++) {
		pbuf_reset(&seg[i]);
		seg[i].len = (uint32_t)build_tcp(
		    seg[i].data, false, 5000 + (uint32_t)i * MSS, MSS, 0x10);
	}
	if (mod)
		mod(&seg[1]);
	coalesce_scan(bufs, 3, max_len, true, &c);
	return c.count;
}

static void
mod_port(struct pbuf *b)
{
	b->data[34 + 3] ^= 1;
}
static void
mod_csum(struct pbuf *b)
{
	b->data[34 + 40] ^= 0xff;
}
static void
mod_psh(struct pbuf *b)
{
	b->len = (uint32_t)build_tcp(b->data, false, 5000 + MSS, MSS, 0x18);
}
static void
mod_syn(struct pbuf *b)
{
	b->len = (uint32_t)build_tcp(b->data, false, 5000 + MSS, MSS, 0x12);
}
static void
mod_gap(struct pbuf *b)
{
	b->len = (uint32_t)build_tcp(b->data, false, 5000 + MSS + 1, MSS, 0x10);
}
static void
mod_short(struct pbuf *b)
{
	b->len = (uint32_t)build_tcp(b->data, false, 5000 + MSS, 500, 0x10);
}
static void
mod_ts(struct pbuf *b)
{
	b->data[34 + 27] ^= 1; /* timestamp value: options differ */
	b->data[34 + 17] ^= 1; /* keep the checksum valid */
}
static void
mod_ttl(struct pbuf *b)
{
	b->data[14 + 8]--;
	b->data[14 + 10]++; /* keep the IP checksum in step (unchecked) */
}
static void
mod_window(struct pbuf *b)
{
	b->data[34 + 15] ^= 1;
	b->data[34 + 17] ^= 1;
}
static void
mod_pad(struct pbuf *b)
{
	b->len += 2; /* trailing bytes beyond the IP length */
}

static void
test_coalesce_stops(void)
{
	CHECK_EQ(scan3(NULL, 65536), 3);
	CHECK_EQ(scan3(mod_port, 65536), 1); /* another flow */
	CHECK_EQ(scan3(mod_csum, 65536), 1); /* never vouch for a bad one */
	CHECK_EQ(scan3(mod_psh, 65536), 2);  /* pushed: last of the run */
	CHECK_EQ(scan3(mod_syn, 65536), 1);
	CHECK_EQ(scan3(mod_gap, 65536), 1);
	CHECK_EQ(scan3(mod_short, 65536), 2); /* shorter: last */
	CHECK_EQ(scan3(mod_ts, 65536), 1);
	CHECK_EQ(scan3(mod_ttl, 65536), 1);
	CHECK_EQ(scan3(mod_window, 65536), 1);
	CHECK_EQ(scan3(mod_pad, 65536), 1);
	/* the size limit */
	CHECK_EQ(scan3(NULL, 34 + 32 + 2 * MSS), 2);
	CHECK_EQ(scan3(NULL, 34 + 32 + 2 * MSS - 1), 1);
}

/* Frames that are not TCP, or are alone, go as they are. */
static void
test_coalesce_other(void)
{
	static struct pbuf seg[2];
	struct pbuf *bufs[2] = {&seg[0], &seg[1]};
	struct coalesce c;

	for (int i = 0; i < 2; i++) {
		pbuf_reset(&seg[i]);
		seg[i].len = (uint32_t)build_tcp(
		    seg[i].data, false, 5000 + (uint32_t)i * MSS, MSS, 0x10);
	}
	coalesce_scan(bufs, 1, 65536, true, &c);
	CHECK_EQ(c.count, 1);
	CHECK_EQ(c.len, seg[0].len);
	seg[0].data[14 + 9] = 17;
	coalesce_scan(bufs, 2, 65536, true, &c);
	CHECK_EQ(c.count, 1);
	seg[0].len = 10; /* runt */
	coalesce_scan(bufs, 2, 65536, true, &c);
	CHECK_EQ(c.count, 1);
	/* a pure ACK heads nothing */
	seg[0].len = (uint32_t)build_tcp(seg[0].data, false, 5000, 0, 0x10);
	seg[1].len = (uint32_t)build_tcp(seg[1].data, false, 5000, 0, 0x10);
	coalesce_scan(bufs, 2, 65536, true, &c);
	CHECK_EQ(c.count, 1);
}

/* Random bytes never crash either side, and whatever tso_init accepts
 * cuts into segments that fit. */
static void
test_random(void)
{
	static struct pbuf seg[4];
	struct pbuf *bufs[4] = {&seg[0], &seg[1], &seg[2], &seg[3]};
	unsigned seed = 1;

	for (int round = 0; round < 20000; round++) {
		size_t len = build_tcp(super, round & 1, 9, 3000, 0x10);
		struct coalesce c;
		struct tso t;
		int flips = 1 + round % 4;

		for (int k = 0; k < flips; k++)
			super[rand_r(&seed) % 90] = (uint8_t)rand_r(&seed);
		len -= (size_t)(rand_r(&seed) % 3);
		if (!tso_init(&t, super, len,
		              (round & 1) ? VIRTIO_NET_HDR_GSO_TCPV6
		                          : VIRTIO_NET_HDR_GSO_TCPV4,
		              (uint16_t)(48 + rand_r(&seed) % 2000), 1600)) {
			int n = 0;

			while (tso_more(&t) && n < 4) {
				pbuf_reset(&seg[n]);
				seg[n].len =
				    (uint32_t)tso_next(&t, seg[n].data);
				CHECK(seg[n].len <= 1600);
				n++;
			}
			if (n > 1)
				coalesce_scan(bufs, n, 65536, true, &c);
		}
		for (int i = 0; i < 4; i++) {
			pbuf_reset(&seg[i]);
			memcpy(seg[i].data, super, 200);
			seg[i].len = (uint32_t)(rand_r(&seed) % 200);
		}
		coalesce_scan(bufs, 4, 65536, true, &c);
		CHECK(c.count >= 1 && c.count <= 4);
	}
}

/* Ethernet + IP + UDP + 'plen' payload bytes; checksum valid unless
 * 'nocsum' (IPv4: 0, no checksum). */
static size_t
build_udp(uint8_t *f, bool v6, size_t plen, uint16_t sport, bool nocsum)
{
	size_t l4 = v6 ? 54 : 34, len = l4 + 8 + plen;
	uint8_t *ip = f + 14, *udp = f + l4;
	uint32_t sum;

	memset(f, 0, l4 + 8);
	memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	wr16(f + 12, v6 ? 0x86dd : 0x0800);
	if (v6) {
		ip[0] = 0x60;
		wr16(ip + 4, (uint16_t)(8 + plen));
		ip[6] = 17;
		ip[7] = 64;
		ip[8] = 0xfd;
		ip[23] = 1;
		ip[24] = 0xfd;
		ip[39] = 2;
	} else {
		ip[0] = 0x45;
		wr16(ip + 2, (uint16_t)(20 + 8 + plen));
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, "\x0a\x00\x01\x65\x0a\x00\x01\xc9", 8);
		wr16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	}
	wr16(udp, sport);
	wr16(udp + 2, 5201);
	wr16(udp + 4, (uint16_t)(8 + plen));
	for (size_t i = 0; i < plen; i++)
		udp[8 + i] = (uint8_t)(i * 13 + 1);
	if (nocsum)
		return len;
	if (v6) {
		struct in6_addr s6, d6;

		memcpy(&s6, ip + 8, 16);
		memcpy(&d6, ip + 24, 16);
		sum = csum_pseudo6(&s6, &d6, 17, (uint32_t)(8 + plen));
	} else {
		uint32_t s4, d4;

		memcpy(&s4, ip + 12, 4);
		memcpy(&d4, ip + 16, 4);
		sum = csum_pseudo4(s4, d4, 17, (uint32_t)(8 + plen));
	}
	wr16(udp + 6, csum_fold(csum_add(sum, udp, 8 + plen)));
	return len;
}

/* A UDP_SEGMENT super-frame cut into datagrams, and datagrams merged. */
static void
test_udp(void)
{
	static struct pbuf seg[8];
	struct pbuf *bufs[8];
	struct coalesce c;
	struct tso t;
	size_t len;
	int n = 0;

	for (int v6 = 0; v6 < 2; v6++) {
		size_t l4 = v6 ? 54 : 34;

		len = build_udp(super, v6, 3 * 64 + 10, 40000, false);
		CHECK_EQ(tso_init(&t, super, len, VIRTIO_NET_HDR_GSO_UDP_L4, 64,
		                  PBUF_FRAME_MAX),
		         0);
		n = 0;
		while (tso_more(&t) && n < 8) {
			pbuf_reset(&seg[n]);
			seg[n].len = (uint32_t)tso_next(&t, seg[n].data);
			bufs[n] = &seg[n];
			n++;
		}
		CHECK_EQ(n, 4);
		CHECK_EQ(seg[3].len, l4 + 8 + 10);
		for (int i = 0; i < n; i++) {
			/* each datagram equals one built directly */
			uint8_t ref[200];
			size_t rl =
			    build_udp(ref, v6, i < 3 ? 64 : 10, 40000, false);

			CHECK_EQ(seg[i].len, rl);
			CHECK(!memcmp(seg[i].data + l4, ref + l4, 8) ||
			      i > 0); /* payload differs beyond the first */
			CHECK_EQ(rd16(seg[i].data + l4 + 4), rl - l4);
		}
		/* the datagrams of one flow merge back into one */
		coalesce_scan(bufs, n, 65536, true, &c);
		CHECK_EQ(c.count, 4);
		CHECK(c.udp);
		CHECK_EQ(c.mss, 64);
		CHECK_EQ(c.len, len);
		coalesce_scan(bufs, n, 65536, false, &c);
		CHECK_EQ(c.count, 1); /* the guest takes no UDP super-frames */
	}
	/* another flow, or no checksum, goes alone */
	for (int i = 0; i < 3; i++) {
		pbuf_reset(&seg[i]);
		seg[i].len = (uint32_t)build_udp(seg[i].data, false, 64,
		                                 i == 1 ? 40001 : 40000, false);
		bufs[i] = &seg[i];
	}
	coalesce_scan(bufs, 3, 65536, true, &c);
	CHECK_EQ(c.count, 1);
	seg[1].len = (uint32_t)build_udp(seg[1].data, false, 64, 40000, true);
	coalesce_scan(bufs, 3, 65536, true, &c);
	CHECK_EQ(c.count, 1);
	seg[1].len = (uint32_t)build_udp(seg[1].data, false, 64, 40000, false);
	coalesce_scan(bufs, 3, 65536, true, &c);
	CHECK_EQ(c.count, 3);
	coalesce_head(bufs, &c);
	CHECK_EQ(rd16(seg[0].data + 34 + 4), 8 + 3 * 64);
	CHECK_EQ(rd16(seg[0].data + 16), 20 + 8 + 3 * 64);
	/* a UDP length that disagrees with the IP length */
	len = build_udp(super, false, 500, 40000, false);
	wr16(super + 34 + 4, 100);
	CHECK_EQ(tso_init(&t, super, len, VIRTIO_NET_HDR_GSO_UDP_L4, 64,
	                  PBUF_FRAME_MAX),
	         -EINVAL);
}

const struct test_case tests[] = {
    TEST(test_udp),
    TEST(test_tso_v4),
    TEST(test_tso_v6_short_last),
    TEST(test_tso_bad),
    TEST(test_coalesce_roundtrip_v4),
    TEST(test_coalesce_roundtrip_v6),
    TEST(test_coalesce_stops),
    TEST(test_coalesce_other),
    TEST(test_random),
    {0},
};
