/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-xdp-uplink: the uplink's XDP program (io/bpf/xdp-uplink.bpf.c)
 * loaded into the running kernel, which verifies it, and run on frames
 * with BPF_PROG_TEST_RUN: which ones it would give the AF_XDP socket
 * (its counters say; with no socket bound the verdict is XDP_PASS, so
 * nothing is lost) and that every frame, malformed ones too, is counted
 * once and passed.  Needs root; as anyone else it prints "skipped: not
 * root" and passes with no cases.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/xdpprog.h"
#include "tests/unit/harness.h"

static struct xdp_uplink *xu;

static const uint8_t pa4[4] = {192, 168, 0, 22};
static const uint8_t other4[4] = {192, 168, 0, 33};
static uint8_t pa6[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x22};

__attribute__((constructor)) static void
setup_or_skip(void)
{
	char err[256];

	if (geteuid() != 0) {
		fprintf(stderr, "test-xdp-uplink: skipped: not root\n");
		printf("0 passed, 0 failed\n");
		exit(0);
	}
	xu = xdp_uplink_load(err, sizeof(err));
	if (!xu)
		fprintf(stderr, "test-xdp-uplink: %s\n", err);
}

/* An Ethernet frame: type 'et', then 'l3' (n bytes). */
static size_t
frame(uint8_t *f, uint16_t et, const void *l3, size_t n)
{
	memset(f, 0, 12);
	f[0] = 0x02;
	f[6] = 0x02;
	f[12] = (uint8_t)(et >> 8);
	f[13] = (uint8_t)et;
	memcpy(f + 14, l3, n);
	return 14 + n;
}

/* IPv4, header of 'ihl' words, protocol 'proto', to 'dst'; then an
 * 8-byte L4 header with destination port 'dport' (UDP) and 8 more. */
static size_t
ip4(uint8_t *f, int ihl, uint8_t proto, const uint8_t dst[4], uint16_t dport)
{
	uint8_t p[80] = {0};
	size_t hl = (size_t)ihl * 4;

	p[0] = (uint8_t)(0x40 | ihl);
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, pa4, 4);
	memcpy(p + 16, dst, 4);
	p[hl + 2] = (uint8_t)(dport >> 8);
	p[hl + 3] = (uint8_t)dport;
	return frame(f, 0x0800, p, hl + 16);
}

static size_t
ip6(uint8_t *f, uint8_t nh, const uint8_t dst[16], uint16_t dport)
{
	uint8_t p[56] = {0};

	p[0] = 0x60;
	p[6] = nh;
	p[7] = 64;
	memcpy(p + 24, dst, 16);
	p[42] = (uint8_t)(dport >> 8);
	p[43] = (uint8_t)dport;
	return frame(f, 0x86dd, p, sizeof(p));
}

/* Runs one frame; returns the counter it moved (-1: none or several). */
static int
which(const uint8_t *f, size_t len)
{
	uint64_t a[XDP_UPLINK_N_COUNTS], b[XDP_UPLINK_N_COUNTS];
	int moved = -1, n = 0;

	CHECK_EQ(xdp_uplink_counts(xu, a), 0);
	CHECK_EQ(xdp_uplink_run(xu, f, len), XDP_PASS);
	CHECK_EQ(xdp_uplink_counts(xu, b), 0);
	for (int i = 0; i < XDP_UPLINK_N_COUNTS; i++) {
		if (b[i] == a[i])
			continue;
		n++;
		moved = b[i] == a[i] + 1 ? i : -1;
	}
	return n == 1 ? moved : -1;
}

static void
test_load(void)
{
	CHECK(xu != NULL);
	if (!xu)
		return;
	CHECK(xdp_uplink_prog_fd(xu) >= 0);
	CHECK(xdp_uplink_xsks_fd(xu) >= 0);
	CHECK_EQ(xdp_uplink_pa_add(xu, pa4, 4), 0);
	CHECK_EQ(xdp_uplink_pa_add(xu, pa6, 16), 0);
	CHECK_EQ(xdp_uplink_pa_add(xu, pa4, 5), -EINVAL);
}

static void
test_tunnels(void)
{
	uint8_t f[128];
	size_t n;

	if (!xu)
		return;
	n = ip4(f, 5, 47, pa4, 0);
	CHECK_EQ(which(f, n), XDP_UPLINK_TUNNEL); /* NVGRE to our PA */
	n = ip4(f, 7, 47, pa4, 0);
	CHECK_EQ(which(f, n), XDP_UPLINK_TUNNEL); /* IPv4 options */
	n = ip4(f, 5, 17, pa4, 4789);
	CHECK_EQ(which(f, n), XDP_UPLINK_TUNNEL); /* VXLAN */
	n = ip4(f, 6, 17, pa4, 4789);
	CHECK_EQ(which(f, n), XDP_UPLINK_TUNNEL);
	n = ip6(f, 47, pa6, 0);
	CHECK_EQ(which(f, n), XDP_UPLINK_TUNNEL);
	n = ip6(f, 17, pa6, 4789);
	CHECK_EQ(which(f, n), XDP_UPLINK_TUNNEL);

	/* Tunnels for another address: the host's stack. */
	n = ip4(f, 5, 47, other4, 0);
	CHECK_EQ(which(f, n), XDP_UPLINK_NOT_OURS);
	pa6[15] = 0x33;
	n = ip6(f, 47, pa6, 0);
	CHECK_EQ(which(f, n), XDP_UPLINK_NOT_OURS);
	pa6[15] = 0x22;
	/* Removing a PA gives its tunnels back to the stack. */
	CHECK_EQ(xdp_uplink_pa_del(xu, pa4, 4), 0);
	n = ip4(f, 5, 47, pa4, 0);
	CHECK_EQ(which(f, n), XDP_UPLINK_NOT_OURS);
	CHECK_EQ(xdp_uplink_pa_add(xu, pa4, 4), 0);
}

static bool
keep_v6(const struct in6_addr *a, void *aux)
{
	int *calls = aux;

	(*calls)++;
	return !IN6_IS_ADDR_V4MAPPED(a);
}

/* pa_retain keeps what 'keep' says, deletes the rest, visits each once;
 * pa_clear deletes everything. */
static void
test_retain(void)
{
	uint8_t f[128], f6[128];
	size_t n4, n6;
	int calls = 0;

	if (!xu)
		return;
	n4 = ip4(f, 5, 47, pa4, 0);
	CHECK_EQ(xdp_uplink_pa_add(xu, other4, 4), 0);
	CHECK_EQ(xdp_uplink_pa_retain(xu, keep_v6, &calls), 0);
	CHECK_EQ(calls, 3); /* pa4, other4, pa6 */
	CHECK_EQ(which(f, n4), XDP_UPLINK_NOT_OURS);
	n6 = ip6(f6, 47, pa6, 0);
	CHECK_EQ(which(f6, n6), XDP_UPLINK_TUNNEL);
	calls = 0;
	CHECK_EQ(xdp_uplink_pa_retain(xu, keep_v6, &calls), 0);
	CHECK_EQ(calls, 1); /* only pa6 is left */
	CHECK_EQ(xdp_uplink_pa_clear(xu), 0);
	CHECK_EQ(which(f6, n6), XDP_UPLINK_NOT_OURS);
	CHECK_EQ(xdp_uplink_pa_add(xu, pa4, 4), 0);
	CHECK_EQ(xdp_uplink_pa_add(xu, pa6, 16), 0);
	CHECK_EQ(which(f, n4), XDP_UPLINK_TUNNEL);
}

static void
test_not_tunnels(void)
{
	uint8_t f[128], arp[28] = {0, 1, 8, 0, 6, 4, 0, 1};
	size_t n;

	if (!xu)
		return;
	n = ip4(f, 5, 17, pa4, 53); /* DNS to our PA */
	CHECK_EQ(which(f, n), XDP_UPLINK_OTHER);
	n = ip4(f, 5, 6, pa4, 4789); /* TCP, port 4789 */
	CHECK_EQ(which(f, n), XDP_UPLINK_OTHER);
	n = ip6(f, 58, pa6, 0); /* ICMPv6 (ND) */
	CHECK_EQ(which(f, n), XDP_UPLINK_OTHER);
	n = frame(f, 0x0806, arp, sizeof(arp));
	CHECK_EQ(which(f, n), XDP_UPLINK_OTHER);
	n = ip4(f, 5, 47, pa4, 0); /* VLAN-tagged: the stack */
	f[12] = 0x81;
	f[13] = 0x00;
	CHECK_EQ(which(f, n), XDP_UPLINK_OTHER);
}

static void
test_malformed(void)
{
	uint8_t f[128];
	size_t n;

	if (!xu)
		return;
	n = ip4(f, 5, 47, pa4, 0);
	CHECK_EQ(which(f, 14 + 19), XDP_UPLINK_SHORT); /* IPv4 header cut */
	f[14] = 0x44;                                  /* IHL 4 */
	CHECK_EQ(which(f, n), XDP_UPLINK_SHORT);
	n = ip6(f, 47, pa6, 0);
	CHECK_EQ(which(f, 14 + 39), XDP_UPLINK_SHORT);
	/* UDP header cut: not taken for VXLAN. */
	n = ip4(f, 5, 17, pa4, 4789);
	CHECK_EQ(which(f, 14 + 20 + 7), XDP_UPLINK_OTHER);
	/* IHL 15 past the end of a short frame. */
	n = ip4(f, 5, 17, pa4, 4789);
	f[14] = 0x4f;
	CHECK_EQ(which(f, n), XDP_UPLINK_OTHER);
}

/* Random frames: each counted exactly once, each passed. */
static void
test_random(void)
{
	uint64_t a[XDP_UPLINK_N_COUNTS], b[XDP_UPLINK_N_COUNTS], sa = 0, sb = 0;
	uint8_t f[256];
	int bad = 0;

	if (!xu)
		return;
	srand(7);
	CHECK_EQ(xdp_uplink_counts(xu, a), 0);
	for (int i = 0; i < 2000; i++) {
		size_t n = 14 + (size_t)(rand() % 120);

		for (size_t j = 0; j < n; j++)
			f[j] = (uint8_t)rand();
		if (i % 2) { /* half of them IPv4 or IPv6 with our PA */
			size_t m = i % 4 == 1
			               ? ip4(f, 5 + rand() % 11,
			                     rand() % 2 ? 47 : 17, pa4, 4789)
			               : ip6(f, 47, pa6, 4789);

			f[14] ^= (uint8_t)(rand() % 2 ? 0 : rand());
			n = m - (size_t)(rand() % 8);
		}
		if (xdp_uplink_run(xu, f, n) != XDP_PASS)
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(xdp_uplink_counts(xu, b), 0);
	for (int i = 0; i < XDP_UPLINK_N_COUNTS; i++) {
		sa += a[i];
		sb += b[i];
	}
	CHECK_EQ(sb - sa, 2000);
	CHECK(b[XDP_UPLINK_TUNNEL] > a[XDP_UPLINK_TUNNEL]);
}

static void
test_close(void)
{
	xdp_uplink_close(xu);
	xu = NULL;
	xdp_uplink_close(NULL);
}

const struct test_case tests[] = {
    TEST(test_load),      TEST(test_tunnels),
    TEST(test_retain),    TEST(test_not_tunnels),
    TEST(test_malformed), TEST(test_random),
    TEST(test_close),     {0},
};
