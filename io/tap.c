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
 * order: legacy virtio, no TUNSETVNETLE).  With TUNSETOFFLOAD 0 the
 * kernel completes checksums and segments before handing frames to us,
 * so the header is normally all zero; a frame that still says
 * VIRTIO_NET_HDR_F_NEEDS_CSUM has its checksum completed here, and one
 * with a GSO type (which cannot happen with offloads off) is dropped as
 * oversize.
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
#include <unistd.h>

#include "io/link.h"
#include "io/netns.h"
#include "lib/log.h"
#include "lib/util.h"

#define TAP_VNET_HDR_LEN ((int)sizeof(struct virtio_net_hdr))
#define TAP_FLAGS (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR)
#define TAP_MIN_FRAME 14 /* an Ethernet header */

BUILD_ASSERT(sizeof(struct virtio_net_hdr) == 10, "legacy virtio-net header");
BUILD_ASSERT(PBUF_HEADROOM >= sizeof(struct virtio_net_hdr),
             "pbuf headroom holds the virtio-net header");

struct tap_port {
	struct io_port up; /* first: io_port <-> tap_port */
	char netns[64];    /* "" for the agent's own namespace */
};

static const struct io_class tap_class;

/*
 * RFC 1071 sum of 'len' bytes as big-endian 16-bit words, an odd last
 * byte padded with zero.  Local so the backend does not depend on pkt/.
 */
static uint32_t
tap_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
		if (sum & 0x80000000u)
			sum = (sum & 0xffff) + (sum >> 16);
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

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
	uint32_t sum;
	uint16_t csum;
	uint8_t *field;

	if (start > len || off > len - start || len - start - off < 2)
		return false;
	field = frame + start + off;
	sum = tap_csum_add(0, frame + start, len - start);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	csum = (uint16_t)~sum;
	if (csum == 0)
		csum = 0xffff;
	field[0] = (uint8_t)(csum >> 8);
	field[1] = (uint8_t)csum;
	return true;
}

/*
 * Reads frames until 'n' buffers are full or the TAP has nothing more.
 * Each read lands TAP_VNET_HDR_LEN bytes before b->data, in the headroom,
 * so the frame itself starts at b->data without a copy.
 */
static int
tap_rx(struct io_port *p, struct pbuf **bufs, int n)
{
	int got = 0;

	while (got < n) {
		struct pbuf *b = bufs[got];
		struct virtio_net_hdr vh;
		uint8_t *start;
		size_t cap;
		ssize_t r;

		if (pbuf_headroom(b) < TAP_VNET_HDR_LEN)
			pbuf_reset(b);
		b->len = 0;
		start = b->data - TAP_VNET_HDR_LEN;
		cap = pbuf_tailroom(b) + TAP_VNET_HDR_LEN;
		r = read(p->fd, start, cap);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				p->stats.rx_errors++;
			break;
		}
		/* The kernel reports a frame's full length even when it
		 * had to truncate it to our buffer. */
		if ((size_t)r > cap) {
			p->stats.rx_oversize++;
			continue;
		}
		if (r < TAP_VNET_HDR_LEN + TAP_MIN_FRAME) {
			p->stats.rx_errors++;
			continue;
		}
		memcpy(&vh, start, sizeof(vh));
		b->len = (uint32_t)(r - TAP_VNET_HDR_LEN);
		if (vh.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
			p->stats.rx_oversize++;
			continue;
		}
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
	return got;
}

/*
 * Writes each frame behind a zeroed virtio-net header pushed into its
 * headroom, then restores data/len.  Frames the kernel refuses are
 * dropped and counted: tx_dropped when the guest cannot take them now
 * (interface down: EIO; no buffer space), tx_errors otherwise.
 */
static int
tap_tx(struct io_port *p, struct pbuf **bufs, int n)
{
	int sent = 0;

	for (int i = 0; i < n; i++) {
		struct pbuf *b = bufs[i];
		uint8_t *hdr;
		ssize_t r;

		hdr = pbuf_push(b, TAP_VNET_HDR_LEN);
		if (!hdr) {
			p->stats.tx_errors++;
			continue;
		}
		memset(hdr, 0, TAP_VNET_HDR_LEN);
		do {
			r = write(p->fd, b->data, b->len);
		} while (r < 0 && errno == EINTR);
		pbuf_pull(b, TAP_VNET_HDR_LEN);
		if (r < 0) {
			if (errno == EAGAIN || errno == EIO ||
			    errno == ENOBUFS || errno == ENOMEM)
				p->stats.tx_dropped++;
			else
				p->stats.tx_errors++;
			continue;
		}
		p->stats.tx_packets++;
		p->stats.tx_bytes += b->len;
		sent++;
	}
	return sent;
}

static void
tap_destroy(struct io_port *p)
{
	/* Closing detaches; the persistent device stays in the VM. */
	if (p->fd >= 0)
		close(p->fd);
	free(p);
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

/* Sets the vnet header size, turns offloads off and makes the device
 * persistent.  Logs and returns -errno on failure. */
static int
tap_setup_fd(int fd, const char *where)
{
	int hdr_len = TAP_VNET_HDR_LEN;

	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_len)) {
		log_warn("tap %s: TUNSETVNETHDRSZ %d", where, hdr_len);
		return -errno;
	}
	if (ioctl(fd, TUNSETOFFLOAD, 0UL)) {
		log_warn("tap %s: TUNSETOFFLOAD 0", where);
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
	bool existed;
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
	err = tap_setup_fd(fd, where);
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
