/* SPDX-License-Identifier: Apache-2.0 */
/*
 * afpacket: the uplink backend.  One AF_PACKET SOCK_RAW socket bound to
 * the provider interface, promiscuous, with TPACKET_V2 rx and tx rings
 * mapped into our memory (PACKET_MMAP), so receiving is a walk over ring
 * slots the kernel has filled and sending is filling slots and one
 * send() to kick the kernel.
 *
 *   map: [ rx ring: blocks of frames ][ tx ring: blocks of frames ]
 *   rx slot: tpacket2_hdr | sockaddr_ll | pad | frame at tp_mac
 *   tx slot: tpacket2_hdr | frame at TPACKET_ALIGN(sizeof tpacket2_hdr)
 *
 * Slot sizes follow the interface MTU at open time (reopen after raising
 * it).  Frames the socket receives are copied into the caller's pbufs;
 * nothing is allocated per packet.
 *
 * Host offloads that would hand us frames bigger than the MTU (GRO, LRO)
 * are turned off on the interface at open: NVGRE is GRE with a key, which
 * GRO aggregates, and a 64 KB super-frame does not fit a pbuf.
 */
#include "io/io.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io/link.h"
#include "lib/log.h"
#include "lib/util.h"

#define AFP_BLOCK_SIZE (1u << 20)
#define AFP_BLOCK_NR 4 /* 4 MB per ring */
#define AFP_VLAN_HLEN 4
/* Where a tx frame starts in its slot (TPACKET_V2, no PACKET_TX_HAS_OFF). */
#define AFP_TX_DATA_OFF TPACKET_ALIGN(sizeof(struct tpacket2_hdr))

struct afp_ring {
	uint8_t *base;
	unsigned int frame_size;
	unsigned int frames_per_block;
	unsigned int frame_nr;
	unsigned int head; /* next slot to look at */
};

struct afp_port {
	struct io_port up; /* first: io_port <-> afp_port */
	int ifindex;
	unsigned int max_tx_len; /* MTU + Ethernet header */
	uint8_t *map;
	size_t map_len;
	struct afp_ring rx, tx;
	bool tx_pending; /* slots marked SEND_REQUEST since the last kick */
};

static struct tpacket2_hdr *
afp_slot(const struct afp_ring *r, unsigned int i)
{
	unsigned int block = i / r->frames_per_block;
	unsigned int off = i % r->frames_per_block;

	return (struct tpacket2_hdr *)(r->base +
	                               (size_t)block * AFP_BLOCK_SIZE +
	                               (size_t)off * r->frame_size);
}

static uint32_t
afp_status(const struct tpacket2_hdr *h)
{
	return __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
}

static void
afp_set_status(struct tpacket2_hdr *h, uint32_t status)
{
	__atomic_store_n(&h->tp_status, status, __ATOMIC_RELEASE);
}

/* The kernel counts frames it dropped for want of a free rx slot; reading
 * the counters resets them.  They are added to rx_errors. */
static void
afp_collect_drops(struct afp_port *a)
{
	struct tpacket_stats st;
	socklen_t len = sizeof(st);

	if (getsockopt(a->up.fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
		a->up.stats.rx_errors += st.tp_drops;
}

/*
 * Copies the frame in rx slot 'h' into 'b'.  The kernel strips an 802.1Q
 * or 802.1ad tag into tp_vlan_tci before packet sockets see the frame;
 * it goes back in after the two MAC addresses, with its TPID when the
 * kernel reports one.  Returns false if the frame is dropped (counted).
 */
static bool
afp_copy_frame(struct afp_port *a, const struct tpacket2_hdr *h, struct pbuf *b)
{
	const uint8_t *frame = (const uint8_t *)h + h->tp_mac;
	uint32_t snap = h->tp_snaplen, tpid;
	bool tagged;
	uint8_t *d;

	tagged = (h->tp_status & TP_STATUS_VLAN_VALID) || h->tp_vlan_tci;
	if (snap < h->tp_len ||
	    snap + (tagged ? AFP_VLAN_HLEN : 0) > pbuf_tailroom(b)) {
		a->up.stats.rx_oversize++;
		return false;
	}
	if (snap < ETH_HLEN || h->tp_mac + snap > a->rx.frame_size) {
		a->up.stats.rx_errors++;
		return false;
	}
	d = b->data;
	if (!tagged) {
		memcpy(d, frame, snap);
		b->len = snap;
		return true;
	}
	tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) ? h->tp_vlan_tpid
	                                                  : ETH_P_8021Q;
	memcpy(d, frame, 2 * ETH_ALEN);
	d[12] = (uint8_t)(tpid >> 8);
	d[13] = (uint8_t)tpid;
	d[14] = (uint8_t)(h->tp_vlan_tci >> 8);
	d[15] = (uint8_t)h->tp_vlan_tci;
	memcpy(d + 2 * ETH_ALEN + AFP_VLAN_HLEN, frame + 2 * ETH_ALEN,
	       snap - 2 * ETH_ALEN);
	b->len = snap + AFP_VLAN_HLEN;
	return true;
}

static int
afp_rx(struct io_port *p, struct pbuf **bufs, int n)
{
	struct afp_port *a = (struct afp_port *)p;
	struct afp_ring *r = &a->rx;
	int got = 0;

	while (got < n) {
		struct tpacket2_hdr *h = afp_slot(r, r->head);
		const struct sockaddr_ll *sll;
		uint32_t status = afp_status(h);
		struct pbuf *b = bufs[got];

		if (!(status & TP_STATUS_USER))
			break;
		if (status & TP_STATUS_LOSING)
			afp_collect_drops(a);
		sll = (const struct sockaddr_ll *)((const uint8_t *)h +
		                                   TPACKET_ALIGN(sizeof(*h)));
		/* Our own transmissions, and the host's, are not input. */
		if (sll->sll_pkttype != PACKET_OUTGOING &&
		    afp_copy_frame(a, h, b)) {
			if (status & TP_STATUS_CSUMNOTREADY)
				b->flags |= PBUF_F_CSUM_PARTIAL;
			p->stats.rx_packets++;
			p->stats.rx_bytes += b->len;
			got++;
		}
		afp_set_status(h, TP_STATUS_KERNEL);
		r->head = (r->head + 1) % r->frame_nr;
	}
	return got;
}

/* Asks the kernel to send every slot marked SEND_REQUEST.  EAGAIN and
 * ENOBUFS leave them marked for the next kick. */
static void
afp_kick(struct afp_port *a)
{
	if (!a->tx_pending)
		return;
	if (send(a->up.fd, NULL, 0, MSG_DONTWAIT) < 0 && errno != EAGAIN &&
	    errno != ENOBUFS && errno != EINTR)
		a->up.stats.tx_errors++;
	a->tx_pending = false;
}

static bool
afp_tx_slot_free(const struct tpacket2_hdr *h)
{
	return !(afp_status(h) & (TP_STATUS_SEND_REQUEST | TP_STATUS_SENDING));
}

/* As the kernel judges a frame to send: at most MTU + Ethernet header,
 * plus 4 bytes if it carries a VLAN tag. */
static bool
afp_tx_len_ok(const struct afp_port *a, const struct pbuf *b)
{
	uint16_t type;

	if (b->len < ETH_HLEN)
		return false;
	if (b->len <= a->max_tx_len)
		return true;
	if (b->len > a->max_tx_len + AFP_VLAN_HLEN ||
	    b->len > a->tx.frame_size - AFP_TX_DATA_OFF)
		return false;
	type = (uint16_t)(b->data[12] << 8 | b->data[13]);
	return type == ETH_P_8021Q || type == ETH_P_8021AD;
}

/*
 * Fills tx slots and kicks once per call.  Frames the kernel would refuse
 * (shorter than an Ethernet header, longer than afp_tx_len_ok() allows)
 * are counted in tx_errors.  With the ring full (after one kick to drain it),
 * the rest are dropped: tx_dropped.
 */
static int
afp_tx(struct io_port *p, struct pbuf **bufs, int n)
{
	struct afp_port *a = (struct afp_port *)p;
	struct afp_ring *r = &a->tx;
	int sent = 0;

	for (int i = 0; i < n; i++) {
		const struct pbuf *b = bufs[i];
		struct tpacket2_hdr *h = afp_slot(r, r->head);

		if (!afp_tx_len_ok(a, b)) {
			p->stats.tx_errors++;
			continue;
		}
		if (!afp_tx_slot_free(h)) {
			a->tx_pending = true;
			afp_kick(a);
			if (!afp_tx_slot_free(h)) {
				p->stats.tx_dropped += (uint64_t)(n - i);
				break;
			}
		}
		memcpy((uint8_t *)h + AFP_TX_DATA_OFF, b->data, b->len);
		h->tp_len = b->len;
		h->tp_snaplen = b->len;
		afp_set_status(h, TP_STATUS_SEND_REQUEST);
		r->head = (r->head + 1) % r->frame_nr;
		a->tx_pending = true;
		p->stats.tx_packets++;
		p->stats.tx_bytes += b->len;
		sent++;
	}
	afp_kick(a);
	return sent;
}

static void
afp_flush(struct io_port *p)
{
	afp_kick((struct afp_port *)p);
}

static void
afp_destroy(struct io_port *p)
{
	struct afp_port *a = (struct afp_port *)p;

	if (a->map)
		munmap(a->map, a->map_len);
	if (p->fd >= 0)
		close(p->fd); /* also leaves promiscuous mode */
	free(a);
}

static const struct io_class afp_class = {
    .name = "afpacket",
    .rx = afp_rx,
    .tx = afp_tx,
    .flush = afp_flush,
    .destroy = afp_destroy,
};

/*
 * Slot size for an MTU: an rx frame starts at tp_mac = netoff - 14, where
 * netoff = TPACKET_ALIGN(TPACKET2_HDRLEN + 16), and may carry up to two
 * in-band tags beyond MTU + 14.  The same size serves tx, whose frames
 * start earlier in the slot.
 */
static unsigned int
afp_frame_size(int mtu)
{
	unsigned int netoff = TPACKET_ALIGN(TPACKET2_HDRLEN + 16);

	return TPACKET_ALIGN(netoff + (unsigned int)mtu + 2 * AFP_VLAN_HLEN);
}

static void
afp_ring_init(struct afp_ring *r, struct tpacket_req *req, int mtu)
{
	r->frame_size = afp_frame_size(mtu);
	r->frames_per_block = AFP_BLOCK_SIZE / r->frame_size;
	r->frame_nr = r->frames_per_block * AFP_BLOCK_NR;
	r->head = 0;
	req->tp_block_size = AFP_BLOCK_SIZE;
	req->tp_block_nr = AFP_BLOCK_NR;
	req->tp_frame_size = r->frame_size;
	req->tp_frame_nr = r->frame_nr;
}

/* Best effort: GRO and LRO off, so frames are at most MTU-sized. */
static void
afp_no_coalescing(int fd, const char *ifname)
{
	struct ethtool_value ev;
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	strlcpy_(ifr.ifr_name, ifname, sizeof(ifr.ifr_name));
	ifr.ifr_data = (void *)&ev;

	ev.cmd = ETHTOOL_GGRO;
	if (ioctl(fd, SIOCETHTOOL, &ifr) == 0 && ev.data) {
		ev.cmd = ETHTOOL_SGRO;
		ev.data = 0;
		if (ioctl(fd, SIOCETHTOOL, &ifr) == 0)
			log_info("afpacket %s: turned GRO off", ifname);
		else
			log_warn("afpacket %s: cannot turn GRO off", ifname);
	}
	ev.cmd = ETHTOOL_GFLAGS;
	if (ioctl(fd, SIOCETHTOOL, &ifr) == 0 && (ev.data & ETH_FLAG_LRO)) {
		ev.cmd = ETHTOOL_SFLAGS;
		ev.data &= ~(uint32_t)ETH_FLAG_LRO;
		if (ioctl(fd, SIOCETHTOOL, &ifr) == 0)
			log_info("afpacket %s: turned LRO off", ifname);
		else
			log_warn("afpacket %s: cannot turn LRO off", ifname);
	}
}

static int
afp_setopt(int fd, int opt, int val)
{
	return setsockopt(fd, SOL_PACKET, opt, &val, sizeof(val)) ? -errno : 0;
}

/*
 * io_afpacket_open:
 *  1. find the interface and its MTU (current namespace);
 *  2. an unbound socket (protocol 0: it receives nothing yet);
 *  3. TPACKET_V2; PACKET_LOSS so a bad tx slot is skipped instead of
 *     stalling the ring; PACKET_IGNORE_OUTGOING and PACKET_QDISC_BYPASS
 *     where the kernel has them;
 *  4. rx and tx rings, mapped in one mmap;
 *  5. bind to the interface for all protocols, then promiscuous;
 *  6. GRO/LRO off.
 */
struct io_port *
io_afpacket_open(const char *ifname, int *errp)
{
	struct afp_port *a = NULL;
	struct tpacket_req rxreq, txreq;
	struct packet_mreq mreq;
	struct sockaddr_ll sll;
	int fd = -1, ifindex, mtu, err;
	size_t rx_len;
	void *map;

	ifindex = link_ifindex(ifname);
	if (ifindex < 0) {
		err = ifindex;
		log_warnx("afpacket %s: %s", ifname ? ifname : "(null)",
		          link_strerror(err));
		goto fail;
	}
	mtu = link_get_mtu(ifname);
	if (mtu < 0) {
		err = mtu;
		log_warnx("afpacket %s: MTU: %s", ifname, link_strerror(err));
		goto fail;
	}
	mtu = MIN(mtu, 65535);
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		log_warn("afpacket %s: socket", ifname);
		goto fail;
	}
	err = afp_setopt(fd, PACKET_VERSION, TPACKET_V2);
	if (!err)
		err = afp_setopt(fd, PACKET_LOSS, 1);
	if (err) {
		log_warnx("afpacket %s: TPACKET_V2: %s", ifname,
		          strerror(-err));
		goto fail;
	}
	afp_setopt(fd, PACKET_IGNORE_OUTGOING, 1);
	afp_setopt(fd, PACKET_QDISC_BYPASS, 1);

	a = xcalloc(1, sizeof(*a));
	afp_ring_init(&a->rx, &rxreq, mtu);
	afp_ring_init(&a->tx, &txreq, mtu);
	if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &rxreq, sizeof(rxreq)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &txreq, sizeof(txreq))) {
		err = -errno;
		log_warn("afpacket %s: rings of %u x %u bytes", ifname,
		         rxreq.tp_frame_nr, rxreq.tp_frame_size);
		goto fail;
	}
	rx_len = (size_t)AFP_BLOCK_SIZE * AFP_BLOCK_NR;
	a->map_len = 2 * rx_len;
	map = mmap(NULL, a->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		err = -errno;
		log_warn("afpacket %s: mmap %zu bytes", ifname, a->map_len);
		goto fail;
	}
	a->map = map;
	a->rx.base = a->map;
	a->tx.base = a->map + rx_len;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		err = -errno;
		log_warn("afpacket %s: bind", ifname);
		goto fail;
	}
	memset(&mreq, 0, sizeof(mreq));
	mreq.mr_ifindex = ifindex;
	mreq.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq,
	               sizeof(mreq))) {
		err = -errno;
		log_warn("afpacket %s: promiscuous mode", ifname);
		goto fail;
	}
	afp_no_coalescing(fd, ifname);

	a->up.cls = &afp_class;
	a->up.fd = fd;
	strlcpy_(a->up.name, ifname, sizeof(a->up.name));
	a->ifindex = ifindex;
	a->max_tx_len = (unsigned int)mtu + ETH_HLEN;
	if (errp)
		*errp = 0;
	return &a->up;
fail:
	if (a && a->map)
		munmap(a->map, a->map_len);
	free(a);
	if (fd >= 0)
		close(fd);
	if (errp)
		*errp = err;
	return NULL;
}
