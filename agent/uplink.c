/* SPDX-License-Identifier: Apache-2.0 */
/*
 * uplink: the agent's provider interface, watched.  An uplink can go away
 * under a running agent (its driver unloads, a NIC is unplugged, its veth
 * peer or its namespace is deleted: "gone"), or lose carrier or be set
 * down ("down").  The AF_PACKET socket then holds ENETDOWN as a pending
 * error, which epoll reports as EPOLLERR on every wait: left alone, the
 * event loop would spin.  So the agent does not rely on the socket to
 * learn what became of the interface:
 *
 *  - rtnetlink link notifications (io/link.h, link_monitor) say when an
 *    interface of the uplink's name appears, changes or goes; a lost
 *    notification (ENOBUFS) or an error on the socket only makes us ask;
 *  - uplink_sync() compares the kernel's view with ours and moves between
 *
 *      up    the socket is open and in the pipeline: forwarding;
 *      down  the interface exists but is down or has no carrier;
 *      gone  no interface has the name;
 *
 *    logging each change once.  Down or gone, the socket is closed and
 *    the pipeline has no uplink: frames for other hosts are dropped and
 *    counted (tx_failed); local switching and routing go on.
 *  - An interface that appears under the name (a new ifindex: replugged,
 *    made again, renamed into place) is brought up, as at start; one the
 *    operator sets down stays down until set up again.  Once it is up
 *    with carrier, the socket is opened again and the ifindex, MAC and
 *    MTU refreshed (TAP MTUs follow the uplink's).  The uplink's counters
 *    carry over.
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "agent/agent.h"
#include "io/afxdp.h"
#include "io/link.h"
#include "lib/log.h"

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000 /* linux/if.h: carrier (not in net/if.h) */
#endif

const char *
uplink_state_name(enum uplink_state st)
{
	switch (st) {
	case UPLINK_UP:
		return "up";
	case UPLINK_DOWN:
		return "down";
	case UPLINK_GONE:
		return "gone";
	}
	return "?";
}

struct io_stats *
uplink_io_stats(struct agent *a)
{
	return a->uplink_io ? &a->uplink_io->stats : &a->uplink_stats;
}

static void
uplink_close(struct agent *a)
{
	struct io_port *io = a->uplink_io;

	if (!io)
		return;
	pipeline_set_uplink(a->pl, NULL);
	epoll_ctl(a->epfd, EPOLL_CTL_DEL, io->fd, NULL);
	a->uplink_stats = io->stats;
	io_destroy(io);
	a->uplink_io = NULL;
}

struct xdp_pa_walk {
	struct agent *a;
	struct io_port *io;
};

static int
xdp_pa_cb(const struct provider_address *pa, void *aux)
{
	struct xdp_pa_walk *w = aux;

	if (io_afxdp_pa_add(w->io, &pa->pa, sizeof(pa->pa)) < 0)
		log_warn("uplink %s: XDP program: cannot add a PA",
		         w->a->uplink);
	return 0;
}

static bool
xdp_pa_keep(const struct in6_addr *pa, void *aux)
{
	const struct agent *a = aux;

	return policy_pa_find(a->pol, pa) != NULL;
}

/* The policy's PAs, and only those, into the XDP program of 'io': the
 * new ones added before the old ones go, so a PA in both is never
 * missing from the map (its frames would go the slow way meanwhile). */
static int
uplink_xdp_fill(struct io_port *io, void *aux)
{
	struct agent *a = aux;
	struct xdp_pa_walk w = {.a = a, .io = io};

	policy_pa_foreach(a->pol, NULL, xdp_pa_cb, &w);
	if (io_afxdp_pa_retain(io, xdp_pa_keep, a) < 0)
		log_warn("uplink %s: XDP program: cannot remove old PAs",
		         a->uplink);
	a->xdp_pa_gen = policy_generation(a->pol);
	return 0;
}

void
uplink_xdp_sync(struct agent *a)
{
	if (io_is_afxdp(a->uplink_io) &&
	    policy_generation(a->pol) != a->xdp_pa_gen)
		uplink_xdp_fill(a->uplink_io, a);
}

static int
uplink_open(struct agent *a)
{
	struct epoll_event ev = {.events = EPOLLIN};
	struct io_port *io;
	int err;

	/* Both log why they fail.  The XDP program knows the PAs before it
	 * sees a frame: otherwise this host's tunnel frames would go the
	 * packet socket's way until the end of the loop turn. */
	io = a->uplink_xdp ? io_afxdp_open(a->uplink, uplink_xdp_fill, a, &err)
	                   : io_afpacket_open(a->uplink, &err);
	if (!io)
		return err ? err : -EIO;
	ev.data.u64 = EV_ID(EV_PORT, PIPELINE_UPLINK);
	if (epoll_ctl(a->epfd, EPOLL_CTL_ADD, io->fd, &ev) < 0) {
		err = -errno;
		log_warn("uplink %s: epoll", a->uplink);
		io_destroy(io);
		return err;
	}
	io->stats = a->uplink_stats;
	a->uplink_io = io;
	pipeline_set_uplink(a->pl, io);
	return 0;
}

/* Records the new state; logs a change, once.  At start (the first call)
 * only a uplink that is not up is worth a line: main() logs the rest. */
static void
uplink_set_state(struct agent *a, enum uplink_state st, const char *why)
{
	static bool started;
	enum uplink_state old = a->uplink_state;
	const char *old_why = a->uplink_why;
	char mac[ETH_ADDR_STRLEN];
	bool first = !started;

	started = true;
	a->uplink_state = st;
	a->uplink_why = why;
	if (!first && old == st && (st != UPLINK_DOWN || old_why == why))
		return;
	switch (st) {
	case UPLINK_UP:
		if (first)
			break;
		log_info("uplink %s: up (ifindex %d, MAC %s, MTU %d); "
		         "forwarding to other hosts again",
		         a->uplink, a->uplink_ifindex,
		         eth_fmt(&a->uplink_mac, mac), a->uplink_mtu);
		break;
	case UPLINK_DOWN:
		if (old == UPLINK_GONE && !first)
			log_info("uplink %s: an interface of that name is "
			         "back (ifindex %d), %s: waiting for it",
			         a->uplink, a->uplink_ifindex, why);
		else
			log_warnx("uplink %s: down (%s); nothing goes to "
			          "other hosts until it is up",
			          a->uplink, why);
		break;
	case UPLINK_GONE:
		log_warnx("uplink %s: gone (no such interface); nothing goes "
		          "to other hosts until an interface of that name "
		          "returns",
		          a->uplink);
		break;
	}
}

void
uplink_sync(struct agent *a)
{
	struct link_info li;
	bool mtu_changed;
	int err, mtu;

	err = link_get_info(a->uplink, &li);
	if (err == -ENODEV) {
		uplink_close(a);
		a->uplink_ifindex = 0;
		uplink_set_state(a, UPLINK_GONE, "no such interface");
		return;
	}
	if (err < 0) {
		/* Nothing we can tell; the next notification asks again. */
		LOG_RL(log_warnx("uplink %s: cannot read its state: %s",
		                 a->uplink, link_strerror(err)));
		return;
	}
	if (li.ifindex != a->uplink_ifindex) {
		/* Another interface under the name: start afresh with it,
		 * up as at start. */
		uplink_close(a);
		a->uplink_ifindex = li.ifindex;
		if (!(li.flags & IFF_UP)) {
			err = link_set_up(a->uplink);
			if (err < 0)
				log_warnx("uplink %s: cannot set it up: %s",
				          a->uplink, link_strerror(err));
			else if (link_get_info(a->uplink, &li) < 0 ||
			         li.ifindex != a->uplink_ifindex)
				return; /* gone again: a notification follows */
		}
	}
	if (!(li.flags & IFF_UP) || !(li.flags & IFF_LOWER_UP)) {
		uplink_close(a);
		uplink_set_state(a, UPLINK_DOWN,
		                 li.flags & IFF_UP ? "no carrier"
		                                   : "administratively down");
		return;
	}
	mtu = li.mtu > 0 ? li.mtu : 1500;
	mtu_changed = mtu != a->uplink_mtu;
	if (mtu_changed && a->uplink_io) {
		/* Ring slots follow the MTU: open again. */
		log_info("uplink %s: MTU %d -> %d", a->uplink, a->uplink_mtu,
		         mtu);
		uplink_close(a);
	}
	a->uplink_mtu = mtu;
	if (!eth_is_zero(&li.mac))
		a->uplink_mac = li.mac;
	pipeline_set_uplink_link(a->pl, &a->uplink_mac, a->uplink_mtu);
	if (mtu_changed)
		ports_update_mtu(a);
	if (!a->uplink_io && uplink_open(a) < 0) {
		uplink_set_state(a, UPLINK_DOWN, "cannot open");
		return;
	}
	uplink_set_state(a, UPLINK_UP, NULL);
}

void
uplink_error(struct agent *a)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (!a->uplink_io)
		return;
	/* Reading SO_ERROR clears it.  Whatever it was (ENETDOWN when the
	 * interface went down or away), a fresh socket has none: close
	 * this one and let uplink_sync() open another if the link is up. */
	getsockopt(a->uplink_io->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
	log_debug("uplink %s: socket error: %s", a->uplink,
	          soerr ? strerror(soerr) : "none");
	uplink_close(a);
	uplink_sync(a);
}

struct uplink_event_walk {
	struct agent *a;
	bool relevant;
};

static void
uplink_event_cb(const struct link_info *li, bool deleted, void *aux)
{
	struct uplink_event_walk *w = aux;

	(void)deleted;
	if ((w->a->uplink_ifindex && li->ifindex == w->a->uplink_ifindex) ||
	    !strcmp(li->name, w->a->uplink))
		w->relevant = true;
}

void
uplink_link_event(struct agent *a)
{
	struct uplink_event_walk w = {a, false};
	int err;

	err = link_monitor_read(a->linkmon, uplink_event_cb, &w);
	if (err == -ENOBUFS)
		log_debug("uplink %s: link notifications lost; asking",
		          a->uplink);
	if (w.relevant || err == -ENOBUFS)
		uplink_sync(a);
}

void
uplink_init(struct agent *a)
{
	struct epoll_event ev = {.events = EPOLLIN};
	int err;

	a->linkmon = link_monitor_open(&err);
	if (!a->linkmon) {
		/* The 1 s timer asks instead (main.c). */
		log_warnx("uplink %s: no link notifications (%s); checking "
		          "once a second",
		          a->uplink, strerror(-err));
	} else {
		ev.data.u64 = EV_ID(EV_LINK, 0);
		if (epoll_ctl(a->epfd, EPOLL_CTL_ADD,
		              link_monitor_fd(a->linkmon), &ev) < 0)
			fatal("epoll_ctl");
	}
	a->uplink_state = UPLINK_GONE;
	a->uplink_mtu = 1500; /* TAP MTUs, until we know better */
	uplink_sync(a);
}

void
uplink_fini(struct agent *a)
{
	uplink_close(a);
	link_monitor_close(a->linkmon);
	a->linkmon = NULL;
}
