/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-io-tap: the kernel-facing backends against a real kernel, in
 * throw-away network namespaces named hnvt-<pid>-<x>.  Needs root; as
 * anyone else it prints "skipped: not root" and passes with no cases.
 *
 *   agent (this process)            netns hnvt-<pid>-t ("the VM")
 *     io_tap_open() fd  ==========  eth0 (TAP) 10.99.0.2/24
 *     we play 02:00:00:00:00:01 / 10.99.0.1
 *
 *   netns hnvt-<pid>-p
 *     io_afpacket_open(up0)  up0 <--veth--> peer0  plain AF_PACKET socket
 *
 * Covered: netns and link helpers; TAP create, MAC/MTU/up inside the
 * namespace, ARP with the guest kernel, detach and re-attach keeping the
 * guest's address, checksum completion, refusals (not a TAP, busy);
 * AF_PACKET rx and tx through the rings, our own and the host's outgoing
 * frames ignored, VLAN tags restored, jumbo frames, tx size limits, GRO
 * turned off (when ethtool(8) is there to check).
 * Every namespace is deleted on the way out, failures included.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io/io.h"
#include "io/link.h"
#include "io/netns.h"
#include "lib/util.h"
#include "tests/unit/harness.h"

#define NBUFS 8
#define TEST_ETHERTYPE 0x88b5 /* IEEE local experimental */
#define IFF_UP_ 0x1           /* <net/if.h> values, without the header */
#define IFF_LOWER_UP_ 0x10000

static struct pbuf bufs_mem[NBUFS];
static struct pbuf *bufs[NBUFS];

static char ns_tap[64], ns_link[64], ns_link2[64], ns_afp[64];

static const struct eth_addr our_mac = {{0x02, 0, 0, 0, 0, 0x01}};
static const struct eth_addr guest_mac = {{0x02, 0x99, 0, 0, 0, 0x02}};

static void
cleanup_namespaces(void)
{
	const char *all[] = {ns_tap, ns_link, ns_link2, ns_afp};

	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		if (all[i][0])
			netns_delete(all[i]);
}

__attribute__((constructor)) static void
setup_or_skip(void)
{
	int pid = (int)getpid();

	if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK)) {
		fprintf(stderr, "test-io-tap: skipped: %s\n",
		        geteuid() ? "not root" : "no /dev/net/tun");
		printf("0 passed, 0 failed\n");
		exit(0);
	}
	snprintf(ns_tap, sizeof(ns_tap), "hnvt-%d-t", pid);
	snprintf(ns_link, sizeof(ns_link), "hnvt-%d-l", pid);
	snprintf(ns_link2, sizeof(ns_link2), "hnvt-%d-m", pid);
	snprintf(ns_afp, sizeof(ns_afp), "hnvt-%d-p", pid);
	atexit(cleanup_namespaces);
}

static void
reset_bufs(void)
{
	for (int i = 0; i < NBUFS; i++) {
		pbuf_reset(&bufs_mem[i]);
		bufs[i] = &bufs_mem[i];
	}
}

static int run(const char *fmt, ...) PRINTF_FMT(1, 2);

/* Runs a shell command quietly; returns its exit status. */
static int
run(const char *fmt, ...)
{
	char cmd[512], full[600];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "%s >/dev/null 2>&1", cmd);
	st = system(full);
	return st == -1 ? -1 : WEXITSTATUS(st);
}

static int
remaining_ms(uint64_t deadline)
{
	uint64_t now = time_ns();

	return now >= deadline ? 0 : (int)((deadline - now) / 1000000) + 1;
}

typedef bool frame_match(const uint8_t *f, size_t len, const void *arg);

/* Receives through 'p' until a frame matches (copied to out, its length
 * returned) or 'ms' pass (0).  Other frames are discarded. */
static size_t
port_wait(struct io_port *p, frame_match *match, const void *arg, int ms,
          uint8_t *out)
{
	uint64_t deadline = time_ns() + (uint64_t)ms * 1000000;

	for (;;) {
		struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
		int n;

		reset_bufs();
		n = io_rx(p, bufs, NBUFS);
		for (int i = 0; i < n; i++) {
			if (match(bufs[i]->data, bufs[i]->len, arg)) {
				memcpy(out, bufs[i]->data, bufs[i]->len);
				return bufs[i]->len;
			}
		}
		if (n > 0)
			continue;
		if (!remaining_ms(deadline))
			return 0;
		poll(&pfd, 1, remaining_ms(deadline));
	}
}

/* The same over a plain AF_PACKET socket, ignoring its outgoing frames. */
static size_t
raw_wait(int fd, frame_match *match, const void *arg, int ms, uint8_t *out,
         size_t cap)
{
	uint64_t deadline = time_ns() + (uint64_t)ms * 1000000;

	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		struct sockaddr_ll sll;
		socklen_t sl = sizeof(sll);
		ssize_t r;

		r = recvfrom(fd, out, cap, MSG_DONTWAIT,
		             (struct sockaddr *)&sll, &sl);
		if (r > 0 && sll.sll_pkttype != PACKET_OUTGOING &&
		    match(out, (size_t)r, arg))
			return (size_t)r;
		if (r > 0)
			continue;
		if (!remaining_ms(deadline))
			return 0;
		poll(&pfd, 1, remaining_ms(deadline));
	}
}

static int
raw_open(const char *ifname)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET,
	                          .sll_protocol = htons(ETH_P_ALL)};
	int fd;

	sll.sll_ifindex = link_ifindex(ifname);
	if (sll.sll_ifindex <= 0)
		return -1;
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- netns and link helpers ---- */

static void
test_netns(void)
{
	int saved, fd;

	CHECK(!netns_name_valid(""));
	CHECK(!netns_name_valid("a/b"));
	CHECK(!netns_name_valid(".."));
	CHECK(!netns_name_valid(NULL));
	CHECK(netns_name_valid(ns_link));
	CHECK_EQ(netns_ensure("a/b"), -EINVAL);
	CHECK(!netns_exists(ns_link));
	CHECK_EQ(netns_enter(ns_link, &saved), -ENOENT);
	CHECK_EQ(saved, -1);

	CHECK_EQ(netns_ensure(ns_link), 0);
	CHECK(netns_exists(ns_link));
	CHECK_EQ(netns_ensure(ns_link), 0); /* idempotent */
	fd = netns_open(ns_link);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);

	/* Inside, only lo exists and it is a different lo. */
	CHECK_EQ(netns_enter(ns_link, &saved), 0);
	CHECK(saved >= 0);
	CHECK(link_exists("lo"));
	CHECK(!link_exists("eth0"));
	CHECK_EQ(netns_leave(saved), 0);
	CHECK(link_exists("lo"));

	CHECK_EQ(netns_delete(ns_link), 0);
	CHECK(!netns_exists(ns_link));
	CHECK_EQ(netns_delete(ns_link), 0); /* idempotent */
}

static void
test_link(void)
{
	static const struct eth_addr mac = {{0x02, 0x42, 0, 0, 0, 0x07}};
	struct link_info li, br;
	struct eth_addr got;
	int saved = -1, fd2 = -1, err;

	if (netns_ensure(ns_link) || netns_ensure(ns_link2) ||
	    netns_enter(ns_link, &saved)) {
		CHECK(!"namespaces");
		goto out;
	}
	fd2 = netns_open(ns_link2);
	CHECK(fd2 >= 0);

	CHECK_EQ(link_ifindex("nope0"), -ENODEV);
	CHECK(!link_exists("nope0"));
	CHECK_EQ(link_get_info("this-name-is-too-long", &li), -EINVAL);
	CHECK_EQ(link_set_up("nope0"), -ENODEV);
	CHECK_EQ(link_delete("nope0"), -ENODEV);

	CHECK_EQ(link_veth_create("va", "vb", -1), 0);
	CHECK_EQ(link_veth_create("va", "vc", -1), -EEXIST);
	CHECK_EQ(link_get_info("va", &li), 0);
	CHECK_STR(li.name, "va");
	CHECK_STR(li.kind, "veth");
	CHECK(li.ifindex > 0);
	CHECK_EQ(link_ifindex("va"), li.ifindex);
	CHECK(!(li.flags & IFF_UP_));
	CHECK(link_exists("vb"));

	CHECK_EQ(link_set_mtu("va", 1400), 0);
	CHECK_EQ(link_get_mtu("va"), 1400);
	err = link_set_mtu("va", 10);
	CHECK(err < 0);
	CHECK(strlen(link_strerror(err)) > 0);
	CHECK_EQ(link_set_mac("va", &mac), 0);
	CHECK_EQ(link_get_mac("va", &got), 0);
	CHECK(eth_equal(&got, &mac));
	CHECK_EQ(link_set_up("va"), 0);
	CHECK_EQ(link_get_info("va", &li), 0);
	CHECK(li.flags & IFF_UP_);
	CHECK_EQ(link_set_down("va"), 0);
	CHECK_EQ(link_get_info("va", &li), 0);
	CHECK(!(li.flags & IFF_UP_));

	CHECK_EQ(link_bridge_create("br0"), 0);
	CHECK_EQ(link_get_info("br0", &br), 0);
	CHECK_STR(br.kind, "bridge");
	CHECK_EQ(link_set_master("va", "br0"), 0);
	CHECK_EQ(link_get_info("va", &li), 0);
	CHECK_EQ(li.master, br.ifindex);
	CHECK_EQ(link_set_master("va", NULL), 0);
	CHECK_EQ(link_get_info("va", &li), 0);
	CHECK_EQ(li.master, 0);
	CHECK_EQ(link_set_master("va", "nope0"), -ENODEV);

	/* Moving and creating across namespaces. */
	CHECK_EQ(link_set_netns("vb", fd2), 0);
	CHECK(!link_exists("vb"));
	CHECK_EQ(link_veth_create("vx", "vy", fd2), 0);
	CHECK(link_exists("vx"));
	CHECK(!link_exists("vy"));
	CHECK_EQ(link_delete("br0"), 0);
	CHECK(!link_exists("br0"));
	CHECK_EQ(netns_leave(saved), 0);
	saved = -1;

	CHECK_EQ(netns_enter(ns_link2, &saved), 0);
	CHECK(link_exists("vb"));
	CHECK(link_exists("vy"));
	CHECK_EQ(link_delete("vy"), 0); /* takes vx along */
	CHECK(!link_exists("vy"));
	CHECK_EQ(netns_leave(saved), 0);
	saved = -1;
	CHECK_EQ(netns_enter(ns_link, &saved), 0);
	CHECK(!link_exists("vx"));
out:
	if (saved >= 0)
		CHECK_EQ(netns_leave(saved), 0);
	if (fd2 >= 0)
		close(fd2);
	CHECK_EQ(netns_delete(ns_link), 0);
	CHECK_EQ(netns_delete(ns_link2), 0);
}

/* ---- tap ---- */

struct arp_want {
	struct eth_addr sha;
	uint32_t spa, tpa; /* network order */
};

/* ARP request from us (our_mac, 10.99.0.1) for 'tpa'. */
static size_t
build_arp_request(uint8_t *f, uint32_t tpa)
{
	uint32_t spa = htonl(0x0a630001);

	memset(f, 0xff, 6);
	memcpy(f + 6, our_mac.b, 6);
	f[12] = 0x08;
	f[13] = 0x06;
	f[14] = 0x00; /* Ethernet */
	f[15] = 0x01;
	f[16] = 0x08; /* IPv4 */
	f[17] = 0x00;
	f[18] = 6;
	f[19] = 4;
	f[20] = 0x00; /* request */
	f[21] = 0x01;
	memcpy(f + 22, our_mac.b, 6);
	memcpy(f + 28, &spa, 4);
	memset(f + 32, 0, 6);
	memcpy(f + 38, &tpa, 4);
	memset(f + 42, 0, 18); /* pad to 60 */
	return 60;
}

static bool
match_arp_reply(const uint8_t *f, size_t len, const void *arg)
{
	const struct arp_want *w = arg;

	return len >= 42 && !memcmp(f, our_mac.b, 6) && f[12] == 0x08 &&
	       f[13] == 0x06 && f[20] == 0 && f[21] == 2 &&
	       !memcmp(f + 22, w->sha.b, 6) && !memcmp(f + 28, &w->spa, 4) &&
	       !memcmp(f + 38, &w->tpa, 4);
}

/* Sends an ARP request for 10.99.0.2 into the TAP and waits for the guest
 * kernel's reply. */
static bool
arp_exchange(struct io_port *p)
{
	struct arp_want w = {guest_mac, htonl(0x0a630002), htonl(0x0a630001)};
	static uint8_t out[PBUF_FRAME_MAX];
	struct pbuf *b = &bufs_mem[0];

	pbuf_reset(b);
	b->len = (uint32_t)build_arp_request(b->data, w.spa);
	bufs[0] = b;
	if (io_tx(p, bufs, 1) != 1)
		return false;
	/* tx gives the buffer back as it was */
	if (b->data != b->mem + PBUF_HEADROOM || b->len != 60)
		return false;
	return port_wait(p, match_arp_reply, &w, 3000, out) >= 42;
}

static bool
guest_has_ip(void)
{
	return run("ip -n %s -4 -o addr show dev eth0 | grep -q 10.99.0.2/24",
	           ns_tap) == 0;
}

static void
check_guest_link(bool attached)
{
	struct link_info li;
	int saved;

	if (netns_enter(ns_tap, &saved)) {
		CHECK(!"enter");
		return;
	}
	CHECK_EQ(link_get_info("eth0", &li), 0);
	CHECK_STR(li.kind, "tun");
	CHECK_EQ(li.tun_type, IFF_TAP);
	CHECK(eth_equal(&li.mac, &guest_mac));
	CHECK_EQ(li.mtu, 1458);
	CHECK(li.flags & IFF_UP_);
	/* The carrier follows the agent's file: down while detached. */
	CHECK_EQ(!!(li.flags & IFF_LOWER_UP_), attached);
	CHECK_EQ(netns_leave(saved), 0);
}

static void
test_tap_lifecycle(void)
{
	struct io_port *p = NULL, *p2;
	int err = 1;

	if (netns_ensure(ns_tap)) {
		CHECK(!"netns");
		return;
	}
	p = io_tap_open(ns_tap, "eth0", &guest_mac, 1458, &err);
	CHECK(p != NULL);
	CHECK_EQ(err, 0);
	if (!p)
		goto out;
	CHECK_STR(p->name, "eth0");
	CHECK_STR(p->cls->name, "tap");
	CHECK(fcntl(p->fd, F_GETFL) & O_NONBLOCK);
	/* Not in our namespace (which may have an eth0 of its own). */
	{
		struct link_info here;

		CHECK(link_get_info("eth0", &here) < 0 ||
		      strcmp(here.kind, "tun"));
	}
	check_guest_link(true);
	CHECK_EQ(run("ip -n %s addr add 10.99.0.2/24 dev eth0", ns_tap), 0);
	CHECK(arp_exchange(p));
	CHECK_EQ(p->stats.tx_packets, 1);
	CHECK(p->stats.rx_packets >= 1);
	CHECK_EQ(p->stats.rx_errors + p->stats.rx_oversize, 0);

	/* A second opener is refused while we hold it. */
	err = 0;
	p2 = io_tap_open(ns_tap, "eth0", &guest_mac, 1458, &err);
	CHECK(p2 == NULL);
	CHECK_EQ(err, -EBUSY);
	io_destroy(p2);

	/* The agent goes away: the guest keeps its interface and address. */
	io_destroy(p);
	p = NULL;
	check_guest_link(false);
	CHECK(guest_has_ip());

	/* ... and comes back: re-attach, same behaviour. */
	p = io_tap_open(ns_tap, "eth0", &guest_mac, 1458, &err);
	CHECK(p != NULL);
	if (!p)
		goto out;
	check_guest_link(true);
	CHECK(guest_has_ip());
	CHECK(arp_exchange(p));

	/* Re-attach without MAC or MTU leaves them alone. */
	io_destroy(p);
	p = io_tap_open(ns_tap, "eth0", NULL, 0, &err);
	CHECK(p != NULL);
	if (!p)
		goto out;
	check_guest_link(true);
	CHECK(arp_exchange(p));
out:
	io_destroy(p);
	CHECK_EQ(io_tap_delete(ns_tap, "eth0"), 0);
	if (netns_exists(ns_tap)) {
		int saved;

		if (netns_enter(ns_tap, &saved) == 0) {
			CHECK(!link_exists("eth0"));
			netns_leave(saved);
		}
	}
	CHECK_EQ(io_tap_delete(ns_tap, "eth0"), 0); /* already gone */
	CHECK_EQ(netns_delete(ns_tap), 0);
	CHECK_EQ(io_tap_delete(ns_tap, "eth0"), 0); /* no namespace */
}

static bool
match_udp(const uint8_t *f, size_t len, const void *arg)
{
	return len >= 42 && f[12] == 0x08 && f[13] == 0x00 && f[23] == 17 &&
	       f[36] == 0x27 && f[37] == 0x0f; /* port 9999 */
}

/* Verifies the UDP checksum of an IPv4 frame (no IP options). */
static bool
udp_csum_ok(const uint8_t *f, size_t len)
{
	size_t ulen = (size_t)(f[38] << 8 | f[39]);
	uint32_t sum = 0;

	if ((f[14] & 0x0f) != 5 || 34 + ulen > len)
		return false;
	for (size_t i = 26; i < 34; i += 2) /* addresses */
		sum += (uint32_t)(f[i] << 8 | f[i + 1]);
	sum += 17 + (uint32_t)ulen;
	for (size_t i = 0; i < ulen; i += 2)
		sum +=
		    (uint32_t)(f[34 + i] << 8) | (i + 1 < ulen ? f[35 + i] : 0);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff && (f[40] | f[41]);
}

static int
guest_send_udp(const char *payload)
{
	struct sockaddr_in to = {.sin_family = AF_INET,
	                         .sin_port = htons(9999)};
	int saved, fd, err = 0;

	to.sin_addr.s_addr = htonl(0x0a630001);
	if (netns_enter(ns_tap, &saved))
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendto(fd, payload, strlen(payload), 0,
	                     (struct sockaddr *)&to, sizeof(to)) < 0)
		err = -1;
	if (fd >= 0)
		close(fd);
	netns_leave(saved);
	return err;
}

/* With checksum offload turned on behind our back, the guest's UDP
 * frames come with VIRTIO_NET_HDR_F_NEEDS_CSUM; rx completes them. */
static void
test_tap_csum(void)
{
	static uint8_t out[PBUF_FRAME_MAX];
	uint8_t raw[2048];
	struct io_port *p;
	uint64_t deadline;
	bool saw_partial = false;
	size_t len;
	int err;

	if (netns_ensure(ns_tap)) {
		CHECK(!"netns");
		return;
	}
	p = io_tap_open(ns_tap, "eth0", &guest_mac, 1500, &err);
	CHECK(p != NULL);
	if (!p)
		goto out;
	CHECK_EQ(run("ip -n %s addr add 10.99.0.2/24 dev eth0", ns_tap), 0);
	CHECK_EQ(run("ip -n %s neigh replace 10.99.0.1 lladdr "
	             "02:00:00:00:00:01 dev eth0 nud permanent",
	             ns_tap),
	         0);
	CHECK_EQ(ioctl(p->fd, TUNSETOFFLOAD, (unsigned long)TUN_F_CSUM), 0);

	/* Straight from the fd: the kernel left the checksum to us. */
	CHECK_EQ(guest_send_udp("partial checksum, please"), 0);
	deadline = time_ns() + 3000000000ull;
	while (!saw_partial && remaining_ms(deadline)) {
		struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
		struct virtio_net_hdr vh;
		ssize_t r = read(p->fd, raw, sizeof(raw));

		if (r < 0) {
			poll(&pfd, 1, remaining_ms(deadline));
			continue;
		}
		if ((size_t)r < sizeof(vh) + 42 ||
		    !match_udp(raw + sizeof(vh), (size_t)r - sizeof(vh), NULL))
			continue;
		memcpy(&vh, raw, sizeof(vh));
		saw_partial = vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM;
	}
	CHECK(saw_partial);

	/* Through io_rx: completed. */
	CHECK_EQ(guest_send_udp("complete it"), 0);
	len = port_wait(p, match_udp, NULL, 3000, out);
	CHECK(len >= 42);
	if (len >= 42)
		CHECK(udp_csum_ok(out, len));
	CHECK_EQ(p->stats.rx_errors, 0);
out:
	io_destroy(p);
	CHECK_EQ(io_tap_delete(ns_tap, "eth0"), 0);
	CHECK_EQ(netns_delete(ns_tap), 0);
}

static void
test_tap_refusals(void)
{
	struct io_port *p;
	int err = 0, saved;

	CHECK(io_tap_open("hnvt-no-such-ns", "eth0", NULL, 0, &err) == NULL);
	CHECK_EQ(err, -ENOENT);
	CHECK(io_tap_open(NULL, "", NULL, 0, &err) == NULL);
	CHECK_EQ(err, -EINVAL);
	CHECK(io_tap_open(NULL, "tap%d", NULL, 0, &err) == NULL);
	CHECK_EQ(err, -EINVAL);

	if (netns_ensure(ns_tap)) {
		CHECK(!"netns");
		return;
	}
	/* Something else already called eth0: not ours to take or delete. */
	if (netns_enter(ns_tap, &saved) == 0) {
		CHECK_EQ(link_veth_create("eth0", "eth1", -1), 0);
		CHECK_EQ(netns_leave(saved), 0);
	}
	p = io_tap_open(ns_tap, "eth0", &guest_mac, 1500, &err);
	CHECK(p == NULL);
	CHECK_EQ(err, -EEXIST);
	io_destroy(p);
	CHECK_EQ(io_tap_delete(ns_tap, "eth0"), -EEXIST);

	/* A failed configuration does not leave a new TAP behind. */
	p = io_tap_open(ns_tap, "eth2", &guest_mac, 70000, &err);
	CHECK(p == NULL);
	CHECK(err < 0);
	io_destroy(p);
	if (netns_enter(ns_tap, &saved) == 0) {
		CHECK(!link_exists("eth2"));
		CHECK_EQ(netns_leave(saved), 0);
	}

	/* Deleting while attached works; the stale port just fails. */
	p = io_tap_open(ns_tap, "eth3", NULL, 0, &err);
	CHECK(p != NULL);
	CHECK_EQ(io_tap_delete(ns_tap, "eth3"), 0);
	if (p) {
		reset_bufs();
		CHECK_EQ(io_rx(p, bufs, NBUFS), 0);
	}
	io_destroy(p);
	CHECK_EQ(netns_delete(ns_tap), 0);
}

/* ---- afpacket ---- */

struct marker {
	uint8_t tag[8];
};

/* Test frames: our EtherType (possibly behind a tag), then the marker. */
static bool
match_marker(const uint8_t *f, size_t len, const void *arg)
{
	const struct marker *m = arg;
	size_t off = 12;

	if (len >= 18 && ((f[12] == 0x81 && f[13] == 0x00) ||
	                  (f[12] == 0x88 && f[13] == 0xa8)))
		off += 4;
	return len >= off + 2 + sizeof(m->tag) && f[off] == 0x88 &&
	       f[off + 1] == 0xb5 &&
	       !memcmp(f + off + 2, m->tag, sizeof(m->tag));
}

static bool
match_test_frame(const uint8_t *f, size_t len, const void *arg)
{
	size_t off = 12;

	if (len >= 18 && ((f[12] == 0x81 && f[13] == 0x00) ||
	                  (f[12] == 0x88 && f[13] == 0xa8)))
		off += 4;
	return len >= off + 2 && f[off] == 0x88 && f[off + 1] == 0xb5;
}

/* dst, src, [tag], EtherType, marker, filler: 'len' bytes in all. */
static size_t
build_frame(uint8_t *f, size_t len, const char *tag, uint16_t tpid,
            uint16_t tci)
{
	static const uint8_t dst[6] = {0x02, 0, 0, 0, 0, 0xaa};
	static const uint8_t src[6] = {0x02, 0, 0, 0, 0, 0xbb};
	size_t off = 12;

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	if (tpid) {
		f[12] = (uint8_t)(tpid >> 8);
		f[13] = (uint8_t)tpid;
		f[14] = (uint8_t)(tci >> 8);
		f[15] = (uint8_t)tci;
		off += 4;
	}
	f[off] = TEST_ETHERTYPE >> 8;
	f[off + 1] = TEST_ETHERTYPE & 0xff;
	memset(f + off + 2, 0, 8);
	memcpy(f + off + 2, tag, strnlen(tag, 8));
	for (size_t i = off + 10; i < len; i++)
		f[i] = (uint8_t)(i * 13);
	return len;
}

static struct marker
marker_of(const char *tag)
{
	struct marker m = {{0}};

	memcpy(m.tag, tag, strnlen(tag, 8));
	return m;
}

/* Sends 'f' from the peer and checks it arrives through the ring
 * byte for byte. */
static void
check_peer_to_port(int peer, struct io_port *p, const uint8_t *f, size_t len,
                   const char *tag)
{
	static uint8_t out[PBUF_FRAME_MAX];
	struct marker m = marker_of(tag);
	size_t got;

	CHECK_EQ(send(peer, f, len, 0), (ssize_t)len);
	got = port_wait(p, match_marker, &m, 2000, out);
	CHECK_EQ(got, len);
	CHECK(got == len && !memcmp(out, f, len));
}

static void
test_afpacket(void)
{
	static uint8_t f[PBUF_FRAME_MAX], out[PBUF_FRAME_MAX];
	struct io_port *p = NULL;
	struct marker m;
	int saved = -1, peer = -1, local = -1, err;
	bool gro_was_on;
	size_t len;

	if (netns_ensure(ns_afp) || netns_enter(ns_afp, &saved)) {
		CHECK(!"netns");
		goto out;
	}
	CHECK_EQ(link_veth_create("up0", "peer0", -1), 0);
	CHECK_EQ(link_set_mtu("up0", 9000), 0);
	CHECK_EQ(link_set_mtu("peer0", 9000), 0);
	CHECK_EQ(link_set_up("up0"), 0);
	CHECK_EQ(link_set_up("peer0"), 0);

	/* GRO would hand the ring 64 KB super-frames: open turns it off. */
	gro_was_on = run("ip netns exec %s ethtool -K up0 gro on", ns_afp) == 0;

	CHECK(io_afpacket_open("nope0", &err) == NULL);
	CHECK_EQ(err, -ENODEV);
	p = io_afpacket_open("up0", &err);
	CHECK(p != NULL);
	CHECK_EQ(err, 0);
	peer = raw_open("peer0");
	local = raw_open("up0");
	CHECK(peer >= 0 && local >= 0);
	if (!p || peer < 0 || local < 0)
		goto out;
	CHECK_STR(p->cls->name, "afpacket");
	if (gro_was_on)
		CHECK_EQ(run("ip netns exec %s ethtool -k up0 | "
		             "grep -q 'generic-receive-offload: off'",
		             ns_afp),
		         0);
	CHECK(fcntl(p->fd, F_GETFL) & O_NONBLOCK);

	/* 1. peer -> ring, small, full-size and jumbo. */
	len = build_frame(f, 60, "small", 0, 0);
	check_peer_to_port(peer, p, f, len, "small");
	len = build_frame(f, 1514, "1514", 0, 0);
	check_peer_to_port(peer, p, f, len, "1514");
	len = build_frame(f, 9014, "jumbo", 0, 0);
	check_peer_to_port(peer, p, f, len, "jumbo");

	/* 2. Tags the kernel strips come back, TPID included. */
	len = build_frame(f, 100, "q", ETH_P_8021Q, 3 << 13 | 42);
	check_peer_to_port(peer, p, f, len, "q");
	len = build_frame(f, 100, "ad", ETH_P_8021AD, 7);
	check_peer_to_port(peer, p, f, len, "ad");
	len = build_frame(f, 9018, "qjumbo", ETH_P_8021Q, 4094);
	check_peer_to_port(peer, p, f, len, "qjumbo");

	/* 3. io_tx -> peer; never back into our own rx. */
	reset_bufs();
	for (int i = 0; i < 3; i++) {
		char tag[8];

		snprintf(tag, sizeof(tag), "tx%d", i);
		bufs[i]->len = (uint32_t)build_frame(
		    bufs[i]->data, i == 2 ? 9014 : 200, tag, 0, 0);
	}
	CHECK_EQ(io_tx(p, bufs, 3), 3);
	io_flush(p);
	CHECK_EQ(p->stats.tx_packets, 3);
	for (int i = 0; i < 3; i++) {
		char tag[8];

		snprintf(tag, sizeof(tag), "tx%d", i);
		m = marker_of(tag);
		len = raw_wait(peer, match_marker, &m, 2000, out, sizeof(out));
		CHECK_EQ(len, i == 2 ? 9014 : 200);
		if (len == (i == 2 ? 9014u : 200u))
			CHECK(!memcmp(out, bufs[i]->data, len));
	}
	/* The host sending on up0 is not input either (PACKET_OUTGOING). */
	len = build_frame(f, 80, "host", 0, 0);
	CHECK_EQ(send(local, f, len, 0), (ssize_t)len);
	m = marker_of("host");
	CHECK_EQ(raw_wait(peer, match_marker, &m, 2000, out, sizeof(out)), 80);
	/* A frame from the peer after all that is the next test frame we
	 * see: none of ours came back before it. */
	len = build_frame(f, 64, "after", 0, 0);
	CHECK_EQ(send(peer, f, len, 0), (ssize_t)len);
	len = port_wait(p, match_test_frame, NULL, 2000, out);
	CHECK_EQ(len, 64);
	m = marker_of("after");
	CHECK(match_marker(out, len, &m));
	CHECK(p->stats.rx_packets >= 7); /* and the peer's IPv6 chatter */

	/* 4. Sizes the kernel would refuse are counted, not queued. */
	reset_bufs();
	bufs[0]->len = (uint32_t)build_frame(bufs[0]->data, 9015, "big", 0, 0);
	bufs[1]->len = 10;
	bufs[2]->len =
	    (uint32_t)build_frame(bufs[2]->data, 9018, "qbig", ETH_P_8021Q, 5);
	CHECK_EQ(io_tx(p, bufs, 3), 1);
	CHECK_EQ(p->stats.tx_errors, 2);
	m = marker_of("qbig");
	CHECK_EQ(raw_wait(peer, match_marker, &m, 2000, out, sizeof(out)),
	         9014); /* the peer's socket sees it untagged */

	/* 5. A burst larger than the ring: everything is accounted for. */
	{
		static struct pbuf one;
		struct pbuf *many[256];
		uint64_t before = p->stats.tx_packets;
		int sent = 0;

		pbuf_reset(&one);
		one.len = (uint32_t)build_frame(one.data, 9014, "burst", 0, 0);
		for (int i = 0; i < 256; i++)
			many[i] = &one;
		for (int round = 0; round < 8; round++)
			sent += io_tx(p, many, 256);
		CHECK_EQ(p->stats.tx_packets - before, (uint64_t)sent);
		CHECK_EQ((uint64_t)sent + p->stats.tx_dropped, 8 * 256);
	}
out:
	io_destroy(p);
	if (peer >= 0)
		close(peer);
	if (local >= 0)
		close(local);
	if (saved >= 0)
		CHECK_EQ(netns_leave(saved), 0);
	CHECK_EQ(netns_delete(ns_afp), 0);
}

const struct test_case tests[] = {
    TEST(test_netns),
    TEST(test_link),
    TEST(test_tap_lifecycle),
    TEST(test_tap_csum),
    TEST(test_tap_refusals),
    TEST(test_afpacket),
    {0},
};
