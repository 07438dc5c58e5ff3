/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tap: the VM adapter backend.  A VM is a network namespace; its adapter
 * is a persistent TAP created inside that namespace, so the guest sees an
 * ordinary interface and keeps it (addresses, routes, neighbours) while
 * the agent restarts.  The agent's end is the TAP file descriptor.
 *
 * The kernel binds a TAP file to the namespace that *opened*
 * /dev/net/tun (TUNSETIFF looks the name up, or creates the device, there),
 * so io_tap_open() enters the VM's namespace, opens and configures, and
 * returns; the descriptor keeps working from the agent's namespace.
 *
 * Frames carry a virtio-net header (IFF_VNET_HDR, 10 bytes, native byte
 * order: legacy virtio, no TUNSETVNETLE).  Offloads are on by default
 * (io_tap_set_offload()): TUNSETOFFLOAD TUN_F_CSUM|TUN_F_TSO4|TUN_F_TSO6,
 * so the guest's stack hands over TCP super-frames of up to 64 KB with
 * their checksum left partial, as it would to a NIC with TSO, and takes
 * super-frames back.  The agent does what the NIC would (io/offload.h):
 * cuts a super-frame into wire-sized segments with complete checksums
 * (the pipeline sees only those), completes a partial checksum, and on
 * the way to the guest merges consecutive segments of a TCP flow into one
 * super-frame written at once.  With offloads off (TUNSETOFFLOAD 0) the
 * kernel segments and checksums before handing frames to us; a frame
 * with a GSO type is then dropped as oversize.
 */
#include "io/io.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "io/link.h"
#include "io/netns.h"
#include "io/offload.h"
#include "lib/log.h"
#include "lib/util.h"
#include "pkt/csum.h"

#define TAP_VNET_HDR_LEN ((int)sizeof(struct virtio_net_hdr))
#define TAP_FLAGS (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR)
#define TAP_MIN_FRAME 14 /* an Ethernet header */

BUILD_ASSERT(sizeof(struct virtio_net_hdr) == 10, "legacy virtio-net header");
BUILD_ASSERT(PBUF_HEADROOM >= sizeof(struct virtio_net_hdr),
             "pbuf headroom holds the virtio-net header");

/* The largest super-frame a guest hands over: 64 KB of IP (a TAP's
 * gso_max_size) and its Ethernet header, with room to spare. */
#define TAP_SUPER_MAX (65536 + 256)
/* Segments merged into one write at most (a queue's worth). */
#define TAP_TX_RUN 64

struct tap_port {
	struct io_port up; /* first: io_port <-> tap_port */
	char netns[64];    /* "" for the agent's own namespace */
	bool offload;      /* TSO and checksum offload on the TAP */
	bool uso;          /* UDP super-frames too (Linux >= 6.2) */
	bool in_tso;       /* cutting the super-frame in 'super' */
	struct tso tso;
	uint8_t *super; /* PBUF_FRAME_MAX + TAP_SUPER_MAX, with offload */
};

static bool tap_offload = true;

void
io_tap_set_offload(bool on)
{
	tap_offload = on;
}

static const struct io_class tap_class;

/*
 * Completes a partial checksum as virtio-net describes it:
 *  1. the 16-bit field at csum_start + csum_offset already holds the
 *     pseudo-header sum (not complemented);
 *  2. the checksum is the one's complement of the sum of everything from
 *     csum_start to the end of the frame, that field included;
 *  3. a result of 0 is stored as 0xffff (as the kernel's
 *     skb_checksum_help() does; for UDP, 0 would mean "no checksum").
 * Returns false if the offsets do not fit the frame.
 */
static bool
tap_csum_complete(uint8_t *frame, size_t len, size_t start, size_t off)
{
	uint16_t csum;
	uint8_t *field;

	if (start > len || off > len - start || len - start - off < 2)
		return false;
	field = frame + start + off;
	csum = csum_fold(csum_add(0, frame + start, len - start));
	if (csum == 0)
		csum = 0xffff;
	field[0] = (uint8_t)(csum >> 8);
	field[1] = (uint8_t)csum;
	return true;
}

/* Emits the next segment of the super-frame being cut into 'b'. */
static void
tap_tso_next(struct tap_port *t, struct pbuf *b)
{
	pbuf_reset(b);
	b->len = (uint32_t)tso_next(&t->tso, b->data);
	t->in_tso = tso_more(&t->tso);
	t->up.stats.rx_packets++;
	t->up.stats.rx_bytes += b->len;
}

/*
 * Reads frames until 'n' buffers are full or the TAP has nothing more.
 * Each read lands TAP_VNET_HDR_LEN bytes before b->data, in the headroom,
 * so an ordinary frame starts at b->data without a copy; what does not
 * fit goes on into the port's super-frame buffer right behind.  A
 * super-frame (offloads on) is gathered there and cut into segments, as
 * many as there are buffers; the rest come out of the next call
 * (io_port.rx_pending says so meanwhile).
 */
static int
tap_rx(struct io_port *p, struct pbuf **bufs, int n)
{
	struct tap_port *t = (struct tap_port *)p;
	int got = 0;

	while (got < n) {
		struct pbuf *b = bufs[got];
		struct virtio_net_hdr vh;
		struct iovec iov[2];
		size_t cap;
		ssize_t r;
		int err;

		if (t->in_tso) {
			tap_tso_next(t, bufs[got++]);
			continue;
		}
		if (pbuf_headroom(b) < TAP_VNET_HDR_LEN)
			pbuf_reset(b);
		b->len = 0;
		cap = pbuf_tailroom(b);
		iov[0].iov_base = b->data - TAP_VNET_HDR_LEN;
		iov[0].iov_len = cap + TAP_VNET_HDR_LEN;
		iov[1].iov_base = t->super + cap;
		iov[1].iov_len = TAP_SUPER_MAX;
		r = readv(p->fd, iov, t->offload ? 2 : 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				p->stats.rx_errors++;
			break;
		}
		/* The kernel reports a frame's full length even when it
		 * had to truncate it to our buffers. */
		if ((size_t)r >
		    iov[0].iov_len + (t->offload ? iov[1].iov_len : 0)) {
			p->stats.rx_oversize++;
			continue;
		}
		if (r < TAP_VNET_HDR_LEN + TAP_MIN_FRAME) {
			p->stats.rx_errors++;
			continue;
		}
		memcpy(&vh, iov[0].iov_base, sizeof(vh));
		if (vh.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
			if (!t->offload) {
				p->stats.rx_oversize++;
				continue;
			}
			/* The whole super-frame in one place: its head
			 * joins the rest. */
			if ((size_t)r > iov[0].iov_len)
				memcpy(t->super, b->data, cap);
			else
				memcpy(t->super, b->data,
				       (size_t)r - TAP_VNET_HDR_LEN);
			err = tso_init(&t->tso, t->super,
			               (size_t)r - TAP_VNET_HDR_LEN,
			               vh.gso_type, vh.gso_size, cap);
			if (err) {
				if (err == -EMSGSIZE)
					p->stats.rx_oversize++;
				else
					p->stats.rx_errors++;
				continue;
			}
			p->stats.rx_super++;
			t->in_tso = true;
			continue;
		}
		if ((size_t)r > iov[0].iov_len) {
			p->stats.rx_oversize++;
			continue;
		}
		b->len = (uint32_t)(r - TAP_VNET_HDR_LEN);
		if ((vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
		    !tap_csum_complete(b->data, b->len, vh.csum_start,
		                       vh.csum_offset)) {
			p->stats.rx_errors++;
			continue;
		}
		p->stats.rx_packets++;
		p->stats.rx_bytes += b->len;
		got++;
	}
	p->rx_pending = t->in_tso;
	return got;
}

/* Writes one frame behind a virtio-net header; 0 or -errno. */
static int
tap_write(struct io_port *p, const struct iovec *iov, int iovcnt)
{
	ssize_t r;

	do {
		r = writev(p->fd, iov, iovcnt);
	} while (r < 0 && errno == EINTR);
	if (r >= 0)
		return 0;
	if (errno == EAGAIN || errno == EIO || errno == ENOBUFS ||
	    errno == ENOMEM)
		p->stats.tx_dropped++;
	else
		p->stats.tx_errors++;
	return -errno;
}

/*
 * Writes each frame behind a virtio-net header.  With offloads on, a run
 * of segments of one TCP flow goes as one super-frame (offload.h
 * "coalesce"): one write instead of one per segment, and one trip
 * through the guest's stack.  Frames the kernel refuses are dropped and
 * counted: tx_dropped when the guest cannot take them now (interface
 * down: EIO; no buffer space), tx_errors otherwise.
 */
static int
tap_tx(struct io_port *p, struct pbuf **bufs, int n)
{
	struct tap_port *t = (struct tap_port *)p;
	struct iovec iov[TAP_TX_RUN + 1];
	int sent = 0;

	for (int i = 0; i < n;) {
		struct virtio_net_hdr vh = {0};
		struct coalesce c = {.count = 1, .len = bufs[i]->len};

		if (t->offload)
			coalesce_scan(bufs + i, MIN(n - i, TAP_TX_RUN),
			              TAP_SUPER_MAX, t->uso, &c);
		iov[0].iov_base = &vh;
		iov[0].iov_len = sizeof(vh);
		iov[1].iov_base = bufs[i]->data;
		iov[1].iov_len = bufs[i]->len;
		if (c.count > 1) {
			coalesce_head(bufs + i, &c);
			vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
			vh.gso_type = c.udp  ? VIRTIO_NET_HDR_GSO_UDP_L4
			              : c.v6 ? VIRTIO_NET_HDR_GSO_TCPV6
			                     : VIRTIO_NET_HDR_GSO_TCPV4;
			vh.hdr_len = c.hlen;
			vh.gso_size = c.mss;
			vh.csum_start = c.l4;
			vh.csum_offset = c.udp ? 6 : 16;
			for (int k = 1; k < c.count; k++) {
				iov[k + 1].iov_base =
				    bufs[i + k]->data + c.hlen;
				iov[k + 1].iov_len = bufs[i + k]->len - c.hlen;
			}
		}
		if (!tap_write(p, iov, c.count + 1)) {
			p->stats.tx_packets += (uint64_t)c.count;
			p->stats.tx_bytes += c.len;
			if (c.count > 1)
				p->stats.tx_super++;
			sent += c.count;
		}
		i += c.count;
	}
	return sent;
}

static void
tap_destroy(struct io_port *p)
{
	struct tap_port *t = (struct tap_port *)p;

	/* Closing detaches; the persistent device stays in the VM. */
	if (p->fd >= 0)
		close(p->fd);
	free(t->super);
	free(t);
}

static const struct io_class tap_class = {
    .name = "tap",
    .rx = tap_rx,
    .tx = tap_tx,
    .flush = NULL,
    .destroy = tap_destroy,
};

/* Enters 'netns' unless it is NULL (stay here); *saved is -1 then. */
static int
tap_enter(const char *netns, int *saved)
{
	*saved = -1;
	return netns ? netns_enter(netns, saved) : 0;
}

/* Leaving cannot really fail (we hold the namespace open); if it did,
 * every later operation would act inside a VM: give up. */
static void
tap_leave(const char *netns, int saved)
{
	int err;

	if (saved < 0)
		return;
	err = netns_leave(saved);
	if (err) {
		errno = -err;
		fatal("tap: cannot leave network namespace %s", netns);
	}
}

/* Opens /dev/net/tun in the current namespace and attaches to IFNAME,
 * creating it if missing.  Returns the fd or -errno. */
static int
tap_attach(const char *ifname, char *actual, size_t actual_size)
{
	struct ifreq ifr;
	int fd, err;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strlcpy_(ifr.ifr_name, ifname, sizeof(ifr.ifr_name));
	ifr.ifr_flags = TAP_FLAGS;
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		err = -errno;
		close(fd);
		return err;
	}
	strlcpy_(actual, ifr.ifr_name, actual_size);
	return fd;
}

/* Linux 6.2's UDP segmentation offload on TAPs; older headers lack it. */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

/* Sets the vnet header size, the offloads (checksum, TSO for IPv4 and
 * IPv6 and, where the kernel has it, USO; or none) and makes the device
 * persistent.  *uso says whether USO is on.  Logs and returns -errno on
 * failure. */
static int
tap_setup_fd(int fd, bool offload, bool *uso, const char *where)
{
	unsigned long off = offload ? TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 : 0;
	int hdr_len = TAP_VNET_HDR_LEN;

	*uso = false;

	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_len)) {
		log_warn("tap %s: TUNSETVNETHDRSZ %d", where, hdr_len);
		return -errno;
	}
	if (offload &&
	    !ioctl(fd, TUNSETOFFLOAD, off | TUN_F_USO4 | TUN_F_USO6)) {
		*uso = true;
	} else if (ioctl(fd, TUNSETOFFLOAD, off)) {
		log_warn("tap %s: TUNSETOFFLOAD %#lx", where, off);
		return -errno;
	}
	if (ioctl(fd, TUNSETPERSIST, 1UL)) {
		log_warn("tap %s: TUNSETPERSIST 1", where);
		return -errno;
	}
	return 0;
}

/* MAC, MTU, up: each only when it differs, so re-attaching to a
 * configured device does not disturb the guest. */
static int
tap_setup_link(const char *ifname, const struct eth_addr *mac, int mtu,
               const char *where)
{
	struct link_info li;
	int err;

	err = link_get_info(ifname, &li);
	if (err) {
		log_warnx("tap %s: %s", where, link_strerror(err));
		return err;
	}
	if (mac && !eth_equal(mac, &li.mac)) {
		char s[ETH_ADDR_STRLEN];

		err = link_set_mac(ifname, mac);
		if (err) {
			log_warnx("tap %s: set MAC %s: %s", where,
			          eth_fmt(mac, s), link_strerror(err));
			return err;
		}
	}
	if (mtu > 0 && mtu != li.mtu) {
		err = link_set_mtu(ifname, mtu);
		if (err) {
			log_warnx("tap %s: set MTU %d: %s", where, mtu,
			          link_strerror(err));
			return err;
		}
	}
	if (!(li.flags & IFF_UP)) {
		err = link_set_up(ifname);
		if (err) {
			log_warnx("tap %s: set up: %s", where,
			          link_strerror(err));
			return err;
		}
	}
	return 0;
}

/*
 * io_tap_open:
 *  1. enter the VM's namespace (if one is named);
 *  2. refuse an existing interface of that name that is not a TAP;
 *  3. open /dev/net/tun and TUNSETIFF: creates the TAP, or attaches to the
 *     existing one (EBUSY: another process has it);
 *  4. vnet header size, offloads off, persistent;
 *  5. MAC, MTU, up;
 *  6. leave.  A TAP created by this call is deleted again if a later step
 *     fails; an existing one is left as it was found.
 */
struct io_port *
io_tap_open(const char *netns, const char *ifname, const struct eth_addr *mac,
            int mtu, int *errp)
{
	return io_tap_open_owned(netns, ifname, mac, mtu, NULL, errp);
}

struct io_port *
io_tap_open_owned(const char *netns, const char *ifname,
                  const struct eth_addr *mac, int mtu, const char *owner,
                  int *errp)
{
	struct tap_port *t = NULL;
	struct link_info li;
	char where[128], actual[IFNAMSIZ];
	bool existed, uso = false;
	int saved, fd = -1, err;

	snprintf(where, sizeof(where), "%s%s%s", netns ? netns : "",
	         netns ? "/" : "", ifname ? ifname : "(null)");
	if (!ifname || !ifname[0] || strlen(ifname) >= IFNAMSIZ ||
	    strchr(ifname, '%') ||
	    (netns && strlen(netns) >= sizeof(t->netns))) {
		log_warnx("tap %s: bad interface or namespace name", where);
		err = -EINVAL;
		goto fail;
	}
	err = tap_enter(netns, &saved);
	if (err) {
		log_warnx("tap %s: enter network namespace: %s", where,
		          strerror(-err));
		goto fail;
	}
	err = link_get_info(ifname, &li);
	existed = err == 0;
	if (err && err != -ENODEV) {
		log_warnx("tap %s: %s", where, link_strerror(err));
		goto out;
	}
	if (existed && (strcmp(li.kind, "tun") || li.tun_type != IFF_TAP)) {
		log_warnx("tap %s: interface exists and is not a TAP (kind "
		          "\"%s\")",
		          where, li.kind);
		err = -EEXIST;
		goto out;
	}
	if (existed && owner && li.alias[0] && strcmp(li.alias, owner)) {
		log_debug("tap %s: belongs to %s", where, li.alias);
		err = -EBUSY;
		goto out;
	}
	fd = tap_attach(ifname, actual, sizeof(actual));
	if (fd < 0) {
		err = fd;
		if (err == -EBUSY)
			log_warnx("tap %s: TAP is attached by another process",
			          where);
		else if (err == -EINVAL)
			log_warnx("tap %s: interface exists and is not a "
			          "suitable TAP",
			          where);
		else
			log_warnx("tap %s: TUNSETIFF: %s", where,
			          strerror(-err));
		goto out;
	}
	err = tap_setup_fd(fd, tap_offload, &uso, where);
	if (!err)
		err = tap_setup_link(actual, mac, mtu, where);
	if (!err && owner && (!existed || strcmp(li.alias, owner)) &&
	    link_set_alias(actual, owner) < 0)
		log_warnx("tap %s: cannot set its alias", where);
	if (err && !existed)
		ioctl(fd, TUNSETPERSIST, 0UL); /* vanishes on close */
out:
	tap_leave(netns, saved);
	if (err)
		goto fail;
	t = xcalloc(1, sizeof(*t));
	t->offload = tap_offload;
	t->uso = uso;
	if (t->offload)
		t->super = xmalloc(PBUF_FRAME_MAX + TAP_SUPER_MAX);
	t->up.cls = &tap_class;
	t->up.fd = fd;
	strlcpy_(t->up.name, actual, sizeof(t->up.name));
	strlcpy_(t->netns, netns ? netns : "", sizeof(t->netns));
	if (errp)
		*errp = 0;
	log_debug("tap %s: %s", where, existed ? "attached" : "created");
	return &t->up;
fail:
	if (fd >= 0)
		close(fd);
	if (errp)
		*errp = err;
	return NULL;
}

/*
 * Deletes the TAP with rtnetlink inside the namespace: that works whether
 * or not a file is still attached (an attached file then fails with
 * EBADFD).  0 if the namespace or the interface does not exist;
 * -EEXIST if IFNAME is something other than a TAP (left alone).
 */
int
io_tap_release(const char *netns, const char *ifname, const char *owner)
{
	struct link_info li;
	int saved, err;

	if (!ifname || !ifname[0] || strlen(ifname) >= IFNAMSIZ || !owner)
		return -EINVAL;
	if (netns && !netns_exists(netns))
		return 0;
	err = tap_enter(netns, &saved);
	if (err)
		return err;
	err = link_get_info(ifname, &li);
	if (err == -ENODEV)
		err = 0;
	else if (!err && !strcmp(li.alias, owner))
		err = link_set_alias(ifname, "");
	tap_leave(netns, saved);
	return err;
}

int
io_tap_delete(const char *netns, const char *ifname)
{
	return io_tap_delete_owned(netns, ifname, NULL);
}

int
io_tap_delete_owned(const char *netns, const char *ifname, const char *owner)
{
	struct link_info li;
	int saved, err;

	if (!ifname || !ifname[0] || strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	if (netns && !netns_exists(netns))
		return 0;
	err = tap_enter(netns, &saved);
	if (err)
		return err;
	err = link_get_info(ifname, &li);
	if (err == -ENODEV) {
		err = 0;
	} else if (!err) {
		if (strcmp(li.kind, "tun") || li.tun_type != IFF_TAP)
			err = -EEXIST;
		else if (owner && li.alias[0] && strcmp(li.alias, owner))
			err = 0; /* another agent's now */
		else
			err = link_delete(ifname);
		if (err == -ENODEV)
			err = 0;
	}
	tap_leave(netns, saved);
	return err;
}
