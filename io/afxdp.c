/* SPDX-License-Identifier: Apache-2.0 */
/*
 * afxdp: the uplink with an AF_XDP socket for the tunnel frames (doc/
 * io.md, "AF_XDP").  The XDP program (io/xdpprog.c) sends NVGRE and VXLAN
 * frames for this host's provider addresses that arrive on queue 0 to an
 * AF_XDP socket (its UMEM: our memory, copy or zero-copy mode as the
 * driver allows); everything else goes on to the kernel's stack, where an
 * afpacket port on the same interface sees it (ARP, ND), and which also
 * sends (its tx ring).  The port's 'fd' is an epoll set of both sockets.
 * A frame on another queue is passed to the stack too, and the afpacket
 * port takes it: slower, never lost.
 */
#include "io/afxdp.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xdp/xsk.h>

#include "io/link.h"
#include "io/xdpprog.h"
#include "lib/log.h"
#include "lib/util.h"

#define AFX_FRAME_SIZE 4096u
#define AFX_NUM_FRAMES 2048u /* 8 MB of UMEM, all in the fill ring */
#define AFX_RING 2048u       /* fill and rx ring slots */
#define AFX_MTU_MAX 3500u

struct afx_port {
	struct io_port up;   /* first: io_port <-> afx_port */
	struct io_port *afp; /* the rest of the traffic, and tx */
	struct xdp_uplink *prog;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp, rx;
	void *area;
	int ifindex;
	uint32_t attach_flags;
	bool attached;
	struct io_stats afp_seen; /* the afpacket port's, last looked at */
	uint64_t xsk_rx;          /* frames the AF_XDP socket gave */
};

_Static_assert(sizeof(struct io_stats) % sizeof(uint64_t) == 0,
               "io_stats: only uint64_t counters");

/* Adds what the afpacket port counted since the last call to ours (ours
 * may start from counters the caller restored: deltas, not copies). */
static void
afx_sync_stats(struct afx_port *x)
{
	uint64_t *ours = (uint64_t *)&x->up.stats;
	const uint64_t *now = (const uint64_t *)&x->afp->stats;
	uint64_t *seen = (uint64_t *)&x->afp_seen;

	for (size_t i = 0; i < sizeof(struct io_stats) / sizeof(uint64_t);
	     i++) {
		ours[i] += now[i] - seen[i];
		seen[i] = now[i];
	}
}

/* Why the last open failed: an uplink retried every second says it
 * once, until it changes or an open succeeds. */
static char afx_last_warn[256];

static void afx_warn(const char *fmt, ...) PRINTF_FMT(1, 2);

static void
afx_warn(const char *fmt, ...)
{
	char buf[sizeof(afx_last_warn)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!strcmp(buf, afx_last_warn))
		return;
	snprintf(afx_last_warn, sizeof(afx_last_warn), "%s", buf);
	log_warnx("%s", buf);
}

static struct afx_port *
afx(struct io_port *p)
{
	return (struct afx_port *)p;
}

/* Gives 'n' frames back to the kernel to fill. */
static void
afx_refill(struct afx_port *x, const uint64_t *addrs, uint32_t n)
{
	uint32_t idx;

	if (!n || xsk_ring_prod__reserve(&x->fill, n, &idx) != n)
		return; /* cannot happen: as many slots as frames */
	for (uint32_t i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&x->fill, idx + i) = addrs[i];
	xsk_ring_prod__submit(&x->fill, n);
}

/* Our 'fd' is an epoll set, which reports a socket's pending error
 * (ENETDOWN when the interface goes down or away) as plain input: the
 * agent would read, find nothing and be woken again at once, for as long
 * as the error stays.  So a read that finds nothing takes the sockets'
 * errors (SO_ERROR clears them); the agent learns what became of the
 * interface from rtnetlink (agent/uplink.c), as with afpacket. */
static void
afx_clear_errors(struct afx_port *x)
{
	struct epoll_event ev[2];
	int n = epoll_wait(x->up.fd, ev, 2, 0);

	for (int i = 0; i < n; i++) {
		int fd = (int)ev[i].data.u32, soerr = 0;
		socklen_t len = sizeof(soerr);

		if (!(ev[i].events & (EPOLLERR | EPOLLHUP)))
			continue;
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
		log_debug("afxdp %s: socket error: %s", x->up.name,
		          soerr ? strerror(soerr) : "none");
	}
}

static int
afx_rx(struct io_port *p, struct pbuf **bufs, int n)
{
	struct afx_port *x = afx(p);
	uint64_t addrs[256];
	uint32_t idx, got = 0, k;
	int more;

	if (n > 256)
		n = 256;
	k = xsk_ring_cons__peek(&x->rx, (uint32_t)n, &idx);
	for (uint32_t i = 0; i < k; i++) {
		const struct xdp_desc *d =
		    xsk_ring_cons__rx_desc(&x->rx, idx + i);
		struct pbuf *b = bufs[got];

		addrs[i] = xsk_umem__extract_addr(d->addr);
		if (d->len > pbuf_tailroom(b)) {
			p->stats.rx_oversize++;
			continue;
		}
		memcpy(b->data, xsk_umem__get_data(x->area, d->addr), d->len);
		b->len = d->len;
		p->stats.rx_bytes += d->len;
		got++;
	}
	if (k) {
		xsk_ring_cons__release(&x->rx, k);
		afx_refill(x, addrs, k);
		p->stats.rx_packets += got;
		x->xsk_rx += got;
	}
	if (xsk_ring_prod__needs_wakeup(&x->fill))
		recvfrom(xsk_socket__fd(x->xsk), NULL, 0, MSG_DONTWAIT, NULL,
		         NULL);
	/* Then the rest, from the packet socket. */
	more = (int)got < n ? io_rx(x->afp, bufs + got, n - (int)got) : 0;
	afx_sync_stats(x);
	p->rx_pending = x->afp->rx_pending;
	if (!got && more <= 0)
		afx_clear_errors(x);
	return (int)got + (more > 0 ? more : 0);
}

static int
afx_tx(struct io_port *p, struct pbuf **bufs, int n)
{
	struct afx_port *x = afx(p);
	int sent = io_tx(x->afp, bufs, n);

	afx_sync_stats(x);
	return sent;
}

static void
afx_flush(struct io_port *p)
{
	io_flush(afx(p)->afp);
	afx_sync_stats(afx(p));
}

static void
afx_detach(struct afx_port *x)
{
	if (!x->attached)
		return;
	/* Only if it is still ours (XDP_FLAGS_REPLACE). */
	LIBBPF_OPTS(bpf_xdp_attach_opts, o,
	            .old_prog_fd = xdp_uplink_prog_fd(x->prog));
	if (bpf_xdp_attach(x->ifindex, -1, x->attach_flags | XDP_FLAGS_REPLACE,
	                   &o) < 0)
		log_warnx("afxdp %s: cannot detach the XDP program: %s",
		          x->up.name, strerror(errno));
	x->attached = false;
}

static void
afx_destroy(struct io_port *p)
{
	struct afx_port *x = afx(p);

	afx_detach(x);
	if (x->xsk)
		xsk_socket__delete(x->xsk);
	if (x->umem)
		xsk_umem__delete(x->umem);
	if (x->area)
		munmap(x->area, (size_t)AFX_NUM_FRAMES * AFX_FRAME_SIZE);
	xdp_uplink_close(x->prog);
	io_destroy(x->afp);
	if (p->fd >= 0)
		close(p->fd);
	free(x);
}

static const struct io_class afx_class = {
    .name = "afxdp",
    .rx = afx_rx,
    .tx = afx_tx,
    .flush = afx_flush,
    .destroy = afx_destroy,
};

static int
afx_epoll_add(int ep, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)fd};

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* UMEM, socket on queue 0, its entry in the program's map, and every
 * frame but the rx ring's worth in the fill ring. */
static int
afx_socket(struct afx_port *x, const char *ifname)
{
	struct xsk_umem_config uc = {.fill_size = AFX_RING,
	                             .comp_size = AFX_RING,
	                             .frame_size = AFX_FRAME_SIZE};
	struct xsk_socket_config sc = {.rx_size = AFX_RING,
	                               .libxdp_flags =
	                                   XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
	                               .bind_flags = XDP_USE_NEED_WAKEUP};
	static uint64_t addrs[AFX_RING];
	uint32_t q = 0;
	int e, fd;

	x->area =
	    mmap(NULL, (size_t)AFX_NUM_FRAMES * AFX_FRAME_SIZE,
	         PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (x->area == MAP_FAILED) {
		x->area = NULL;
		return -errno;
	}
	e = xsk_umem__create(&x->umem, x->area,
	                     (uint64_t)AFX_NUM_FRAMES * AFX_FRAME_SIZE,
	                     &x->fill, &x->comp, &uc);
	if (e < 0) {
		x->umem = NULL;
		afx_warn("afxdp %s: UMEM: %s", ifname, strerror(-e));
		return e;
	}
	e = xsk_socket__create(&x->xsk, ifname, 0, x->umem, &x->rx, NULL, &sc);
	if (e < 0) {
		x->xsk = NULL;
		afx_warn("afxdp %s: AF_XDP socket on queue 0: %s", ifname,
		         strerror(-e));
		return e;
	}
	for (uint32_t i = 0; i < AFX_RING; i++)
		addrs[i] = (uint64_t)i * AFX_FRAME_SIZE;
	afx_refill(x, addrs, AFX_RING);
	fd = xsk_socket__fd(x->xsk);
	if (bpf_map_update_elem(xdp_uplink_xsks_fd(x->prog), &q, &fd, 0) < 0) {
		e = -errno;
		afx_warn("afxdp %s: socket map: %s", ifname, strerror(-e));
		return e;
	}
	return 0;
}

/* An XDP program of ours left on the interface by an agent that did not
 * stop cleanly: its fd (to replace it), else -1. */
static int
afx_stale_prog(struct afx_port *x, uint32_t mode)
{
	struct bpf_prog_info info = {0};
	uint32_t len = sizeof(info), id = 0;
	int fd;

	if (bpf_xdp_query_id(x->ifindex, (int)mode, &id) < 0 || !id)
		return -1;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -1;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0 ||
	    strcmp(info.name, "xdp_uplink")) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
afx_busy(const char *ifname, int e)
{
	afx_warn("afxdp %s: cannot attach the XDP program: %s%s", ifname,
	         strerror(-e),
	         e == -EBUSY || e == -EEXIST
	             ? " (the interface has an XDP program already)"
	             : "");
}

/* -EBUSY if the interface has an XDP program that is not one of ours. */
static int
afx_foreign(struct afx_port *x, const char *ifname)
{
	static const uint32_t modes[] = {XDP_FLAGS_DRV_MODE,
	                                 XDP_FLAGS_SKB_MODE};

	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		uint32_t id = 0;
		int fd;

		if (bpf_xdp_query_id(x->ifindex, (int)modes[i], &id) < 0 || !id)
			continue;
		fd = afx_stale_prog(x, modes[i]);
		if (fd >= 0) {
			close(fd);
			continue;
		}
		afx_busy(ifname, -EBUSY);
		return -EBUSY;
	}
	return 0;
}

/* The program on the interface: in the driver if it can, else generic;
 * never over somebody else's (one of ours left behind is replaced). */
static int
afx_attach(struct afx_port *x, const char *ifname)
{
	static const uint32_t modes[] = {XDP_FLAGS_DRV_MODE,
	                                 XDP_FLAGS_SKB_MODE};
	int e = -EINVAL;

	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		int old = afx_stale_prog(x, modes[i]), r;
		LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = old);

		if (old >= 0) {
			log_info("afxdp %s: replacing the XDP program an "
			         "earlier agent left",
			         ifname);
			r = bpf_xdp_attach(x->ifindex,
			                   xdp_uplink_prog_fd(x->prog),
			                   modes[i] | XDP_FLAGS_REPLACE, &o);
			close(old);
		} else {
			r = bpf_xdp_attach(
			    x->ifindex, xdp_uplink_prog_fd(x->prog),
			    modes[i] | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
		}
		if (r == 0) {
			x->attach_flags = modes[i];
			x->attached = true;
			log_info("afxdp %s: XDP program attached (%s mode)",
			         ifname, i ? "generic" : "driver");
			return 0;
		}
		e = r; /* libbpf: -errno */
		if (e == -EBUSY || e == -EEXIST)
			break;
	}
	afx_busy(ifname, e);
	return e;
}

struct io_port *
io_afxdp_open(const char *ifname, int (*fill)(struct io_port *, void *),
              void *aux, int *errp)
{
	struct afx_port *x = calloc(1, sizeof(*x));
	char msg[256];
	int e;

	if (!x) {
		*errp = -ENOMEM;
		return NULL;
	}
	x->up.cls = &afx_class;
	x->up.fd = -1;
	snprintf(x->up.name, sizeof(x->up.name), "%s", ifname);
	x->ifindex = link_ifindex(ifname);
	if (x->ifindex <= 0) {
		e = -ENODEV;
		goto fail;
	}
	/* A frame must fit in one UMEM frame after the kernel's headroom
	 * (no multi-buffer here): jumbo uplinks stay on afpacket. */
	if (link_get_mtu(ifname) > (int)AFX_MTU_MAX) {
		afx_warn("afxdp %s: MTU %d is above %u, which AF_XDP frames "
		         "of %u bytes take; use --uplink-io afpacket",
		         ifname, link_get_mtu(ifname), AFX_MTU_MAX,
		         AFX_FRAME_SIZE);
		e = -EMSGSIZE;
		goto fail;
	}
	x->afp = io_afpacket_open(ifname, &e);
	if (!x->afp)
		goto fail;
	x->prog = xdp_uplink_load(msg, sizeof(msg));
	if (!x->prog) {
		afx_warn("afxdp %s: %s", ifname, msg);
		e = -EPERM;
		goto fail;
	}
	if (fill) {
		e = fill(&x->up, aux);
		if (e < 0)
			goto fail;
	}
	/* An interface with somebody else's program, retried every second,
	 * costs no UMEM each time. */
	e = afx_foreign(x, ifname);
	if (e < 0)
		goto fail;
	/* The socket in the program's map before the program goes on: the
	 * first tunnel frame it sees already has somewhere to go. */
	e = afx_socket(x, ifname);
	if (e < 0)
		goto fail;
	e = afx_attach(x, ifname);
	if (e < 0)
		goto fail;
	x->up.fd = epoll_create1(EPOLL_CLOEXEC);
	if (x->up.fd < 0) {
		e = -errno;
		goto fail;
	}
	e = afx_epoll_add(x->up.fd, x->afp->fd);
	if (!e)
		e = afx_epoll_add(x->up.fd, xsk_socket__fd(x->xsk));
	if (e < 0)
		goto fail;
	afx_last_warn[0] = '\0';
	*errp = 0;
	return &x->up;
fail:
	afx_destroy(&x->up);
	*errp = e;
	return NULL;
}

int
io_afxdp_pa_add(struct io_port *p, const void *addr, size_t len)
{
	return xdp_uplink_pa_add(afx(p)->prog, addr, len);
}

int
io_afxdp_pa_retain(struct io_port *p,
                   bool (*keep)(const struct in6_addr *, void *), void *aux)
{
	return xdp_uplink_pa_retain(afx(p)->prog, keep, aux);
}

bool
io_is_afxdp(const struct io_port *p)
{
	return p && p->cls == &afx_class;
}

int
io_afxdp_counts(struct io_port *p, uint64_t out[XDP_UPLINK_N_COUNTS])
{
	return xdp_uplink_counts(afx(p)->prog, out);
}

uint64_t
io_afxdp_socket_rx(const struct io_port *p)
{
	return ((const struct afx_port *)p)->xsk_rx;
}
