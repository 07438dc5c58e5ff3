/* SPDX-License-Identifier: Apache-2.0 */
/*
 * afxdp: the uplink with AF_XDP sockets for the tunnel frames (doc/
 * io.md, "AF_XDP").  The XDP program (io/xdpprog.c) sends NVGRE and VXLAN
 * frames for this host's provider addresses to the AF_XDP socket of the
 * receive queue they arrive on (one per queue, up to AFX_MAX_QUEUES, each
 * with a UMEM of its own: our memory, copy or zero-copy mode as the
 * driver allows); everything else goes on to the kernel's stack, where an
 * afpacket port on the same interface sees it (ARP, ND), and which also
 * sends (its tx ring).  The port's 'fd' is an epoll set of all of them.
 * A frame on a queue past AFX_MAX_QUEUES is passed to the stack too, and
 * the afpacket port takes it: slower, never lost.
 */
#include "io/afxdp.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xdp/xsk.h>

#include "io/link.h"
#include "io/xdpprog.h"
#include "lib/log.h"
#include "lib/util.h"

#define AFX_FRAME_SIZE 4096u
#define AFX_FRAMES 2048u    /* 8 MB of UMEM over all the queues */
#define AFX_MIN_FRAMES 256u /* per queue: 1 MB */
#define AFX_MAX_QUEUES 16u  /* sockets; the rest go the afpacket way */
#define AFX_MTU_MAX 3500u

_Static_assert(AFX_MAX_QUEUES <= XDP_UPLINK_QUEUES, "xsks map too small");

/* One receive queue's socket.  Its UMEM's frames are all in its fill
 * ring or its rx ring: both rings have as many slots as there are
 * frames. */
struct afx_queue {
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp, rx;
	void *area;
	uint32_t nframes;
	uint64_t rx_frames; /* frames this socket gave */
};

struct afx_port {
	struct io_port up;   /* first: io_port <-> afx_port */
	struct io_port *afp; /* the rest of the traffic, and tx */
	struct xdp_uplink *prog;
	struct afx_queue q[AFX_MAX_QUEUES];
	uint32_t nq;   /* sockets: queues 0 .. nq - 1 */
	uint32_t next; /* the queue rx reads first (round robin) */
	int ifindex;
	uint32_t attach_flags;
	bool attached;
	struct io_stats afp_seen; /* the afpacket port's, last looked at */
	uint64_t xsk_rx;          /* frames the AF_XDP sockets gave */
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
afx_refill(struct afx_queue *q, const uint64_t *addrs, uint32_t n)
{
	uint32_t idx;

	if (!n || xsk_ring_prod__reserve(&q->fill, n, &idx) != n)
		return; /* cannot happen: as many slots as frames */
	for (uint32_t i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&q->fill, idx + i) = addrs[i];
	xsk_ring_prod__submit(&q->fill, n);
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
	struct epoll_event ev[AFX_MAX_QUEUES + 1];
	int n = epoll_wait(x->up.fd, ev, (int)ARRAY_SIZE(ev), 0);

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

/* Up to 'n' frames from queue 'q''s socket into 'bufs'. */
static int
afx_rx_queue(struct afx_port *x, struct afx_queue *q, struct pbuf **bufs, int n)
{
	struct io_port *p = &x->up;
	uint64_t addrs[256];
	uint32_t idx, got = 0, k;

	k = xsk_ring_cons__peek(&q->rx, (uint32_t)MIN(n, 256), &idx);
	for (uint32_t i = 0; i < k; i++) {
		const struct xdp_desc *d =
		    xsk_ring_cons__rx_desc(&q->rx, idx + i);
		struct pbuf *b = bufs[got];

		addrs[i] = xsk_umem__extract_addr(d->addr);
		if (d->len > pbuf_tailroom(b)) {
			p->stats.rx_oversize++;
			continue;
		}
		memcpy(b->data, xsk_umem__get_data(q->area, d->addr), d->len);
		b->len = d->len;
		p->stats.rx_bytes += d->len;
		got++;
	}
	if (k) {
		xsk_ring_cons__release(&q->rx, k);
		afx_refill(q, addrs, k);
		p->stats.rx_packets += got;
		q->rx_frames += got;
		x->xsk_rx += got;
	}
	if (xsk_ring_prod__needs_wakeup(&q->fill))
		recvfrom(xsk_socket__fd(q->xsk), NULL, 0, MSG_DONTWAIT, NULL,
		         NULL);
	return (int)got;
}

static int
afx_rx(struct io_port *p, struct pbuf **bufs, int n)
{
	struct afx_port *x = afx(p);
	int got = 0, more;

	/* Each queue in turn, starting one further each time: a busy queue
	 * does not starve the others. */
	for (uint32_t i = 0; i < x->nq && got < n; i++)
		got += afx_rx_queue(x, &x->q[(x->next + i) % x->nq], bufs + got,
		                    n - got);
	x->next = x->nq ? (x->next + 1) % x->nq : 0;
	/* Then the rest, from the packet socket. */
	more = got < n ? io_rx(x->afp, bufs + got, n - got) : 0;
	afx_sync_stats(x);
	p->rx_pending = x->afp->rx_pending;
	if (!got && more <= 0)
		afx_clear_errors(x);
	return got + (more > 0 ? more : 0);
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
afx_queue_free(struct afx_queue *q)
{
	if (q->xsk)
		xsk_socket__delete(q->xsk);
	if (q->umem)
		xsk_umem__delete(q->umem);
	if (q->area)
		munmap(q->area, (size_t)q->nframes * AFX_FRAME_SIZE);
	memset(q, 0, sizeof(*q));
}

static void
afx_destroy(struct io_port *p)
{
	struct afx_port *x = afx(p);

	afx_detach(x);
	for (uint32_t i = 0; i < AFX_MAX_QUEUES; i++)
		afx_queue_free(&x->q[i]);
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

/* Queue 'qid''s UMEM of 'nframes' frames, its socket, its entry in the
 * program's map, and every frame in the fill ring. */
static int
afx_socket(struct afx_port *x, uint32_t qid, uint32_t nframes,
           const char *ifname)
{
	struct afx_queue *q = &x->q[qid];
	struct xsk_umem_config uc = {.fill_size = nframes,
	                             .comp_size = nframes,
	                             .frame_size = AFX_FRAME_SIZE};
	struct xsk_socket_config sc = {.rx_size = nframes,
	                               .libxdp_flags =
	                                   XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
	                               .bind_flags = XDP_USE_NEED_WAKEUP};
	uint64_t *addrs;
	int e, fd;

	q->area =
	    mmap(NULL, (size_t)nframes * AFX_FRAME_SIZE, PROT_READ | PROT_WRITE,
	         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q->area == MAP_FAILED) {
		q->area = NULL;
		return -errno;
	}
	q->nframes = nframes;
	e = xsk_umem__create(&q->umem, q->area,
	                     (uint64_t)nframes * AFX_FRAME_SIZE, &q->fill,
	                     &q->comp, &uc);
	if (e < 0) {
		q->umem = NULL;
		afx_warn("afxdp %s: UMEM for queue %u: %s", ifname, qid,
		         strerror(-e));
		return e;
	}
	e = xsk_socket__create(&q->xsk, ifname, qid, q->umem, &q->rx, NULL,
	                       &sc);
	if (e < 0) {
		q->xsk = NULL;
		afx_warn("afxdp %s: AF_XDP socket on queue %u: %s", ifname, qid,
		         strerror(-e));
		return e;
	}
	addrs = xcalloc(nframes, sizeof(*addrs));
	for (uint32_t i = 0; i < nframes; i++)
		addrs[i] = (uint64_t)i * AFX_FRAME_SIZE;
	afx_refill(q, addrs, nframes);
	free(addrs);
	fd = xsk_socket__fd(q->xsk);
	if (bpf_map_update_elem(xdp_uplink_xsks_fd(x->prog), &qid, &fd, 0) <
	    0) {
		e = -errno;
		afx_warn("afxdp %s: socket map: %s", ifname, strerror(-e));
		return e;
	}
	return 0;
}

/* The interface's receive queues (ethtool's channels: rx-only and
 * combined), 1 if the driver does not say. */
static uint32_t
afx_rx_queues(const char *ifname)
{
	struct ethtool_channels ch = {.cmd = ETHTOOL_GCHANNELS};
	struct ifreq ifr = {0};
	uint32_t n = 0;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return 1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ch;
	if (ioctl(fd, SIOCETHTOOL, &ifr) == 0)
		n = ch.rx_count + ch.combined_count;
	close(fd);
	return n ? n : 1;
}

/* A socket per receive queue, up to AFX_MAX_QUEUES, sharing AFX_FRAMES
 * frames (a power of two each, at least AFX_MIN_FRAMES). */
static int
afx_sockets(struct afx_port *x, const char *ifname)
{
	uint32_t nq = afx_rx_queues(ifname), per;
	int e;

	if (nq > AFX_MAX_QUEUES) {
		log_info(
		    "afxdp %s: %u receive queues; sockets on the first %u, "
		    "the packet socket takes the tunnel frames of the rest",
		    ifname, nq, AFX_MAX_QUEUES);
		nq = AFX_MAX_QUEUES;
	}
	for (per = AFX_FRAMES; per > AFX_MIN_FRAMES && per * nq > AFX_FRAMES;)
		per /= 2;
	for (uint32_t i = 0; i < nq; i++) {
		e = afx_socket(x, i, per, ifname);
		if (e < 0 && !i)
			return e;
		if (e < 0) {
			/* The queues that have one keep it; the packet socket
			 * takes the tunnel frames of the others. */
			afx_queue_free(&x->q[i]);
			log_warnx("afxdp %s: sockets on %u of %u receive "
			          "queues",
			          ifname, i, nq);
			break;
		}
		x->nq = i + 1;
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
	e = afx_sockets(x, ifname);
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
	for (uint32_t i = 0; i < x->nq && !e; i++)
		e = afx_epoll_add(x->up.fd, xsk_socket__fd(x->q[i].xsk));
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

uint32_t
io_afxdp_queues(const struct io_port *p, uint64_t *rx, uint32_t max)
{
	const struct afx_port *x = (const struct afx_port *)p;

	for (uint32_t i = 0; i < x->nq && i < max; i++)
		rx[i] = x->q[i].rx_frames;
	return x->nq;
}
