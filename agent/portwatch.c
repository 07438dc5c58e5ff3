/* SPDX-License-Identifier: Apache-2.0 */
/*
 * portwatch: VM adapters whose TAP or namespace goes away under the agent,
 * and the restore sequence that makes them again.
 *
 *  - A TAP deleted inside its VM's namespace (`ip -n VM link del eth0`)
 *    leaves our file detached: the kernel reports EPOLLERR on it on every
 *    wait.  The adapter is detached (its port closed), logged once, and
 *    stays in policy; SIGHUP or a restart makes the TAP again.  The agent
 *    does not fight whoever deleted it.
 *  - A VM's namespace deleted (`ip netns del VM`) only loses its name at
 *    first: our TAP file holds the namespace, which lives on, invisible.
 *    Once a second the agent compares each attached adapter's namespace
 *    (netns_ident()) with the one it attached in; when the name is gone
 *    or names another namespace, the adapter is detached (which frees the
 *    old namespace and its TAP), logged once, and stays in policy.
 *  - When a namespace of the VM's name appears again (a namespace the
 *    adapter was not tried in), the agent attaches the adapter in it: a
 *    new TAP with the adapter's MAC.  A failure is logged once per
 *    namespace.
 *  - ports_restore() is what a start does: VM namespaces, switches, then
 *    every adapter not attached.  SIGHUP runs it too.
 */
#include <errno.h>
#include <sys/epoll.h>

#include "agent/agent.h"
#include "io/netns.h"
#include "lib/log.h"

static int
restore_switch_cb(const struct vswitch *sw, void *aux)
{
	struct pmsg m = {0};

	if (ports_switch_up(aux, sw, &m) < 0)
		log_warnx("restoring switch %s: %s", sw->name, m.err);
	return 0;
}

static int
restore_adapter_cb(struct vm_adapter *vma, void *aux)
{
	struct agent *a = aux;
	struct pmsg m = {0};

	if (vma->port > 0)
		return 0;
	if (ports_attach(a, vma, &m) < 0)
		log_warnx("restoring %s/%s: %s", vma->vm, vma->name, m.err);
	return 0;
}

/* After a reboot the VMs' namespaces are gone: make them again (those
 * with adapters are made again as the adapters are restored). */
void
ports_restore(struct agent *a)
{
	char ns[64];
	json_t *v;
	size_t i;

	json_array_foreach(a->vms, i, v)
	{
		ports_netns_name(a, json_string_value(v), ns, sizeof(ns));
		if (netns_ensure(ns) < 0)
			log_warnx("vm %s: cannot restore namespace %s",
			          json_string_value(v), ns);
	}
	policy_sw_foreach(a->pol, restore_switch_cb, a);
	policy_vma_foreach(a->pol, NULL, restore_adapter_cb, a);
}

struct lost_walk {
	int port;
	struct vm_adapter *vma;
};

static int
find_port_cb(struct vm_adapter *vma, void *aux)
{
	struct lost_walk *w = aux;

	if (vma->port != w->port)
		return 0;
	w->vma = vma;
	return 1;
}

/* EPOLLERR on a TAP: the interface was deleted under us. */
static void
port_lost(struct agent *a, int port)
{
	struct lost_walk w = {port, NULL};
	struct io_port *io;
	char ns[64];

	policy_vma_foreach(a->pol, NULL, find_port_cb, &w);
	if (!w.vma) {
		/* Not an adapter's: close it all the same. */
		io = pipeline_port_io(a->pl, port);
		log_warnx("port %d: error on its interface; closed", port);
		if (io) {
			epoll_ctl(a->epfd, EPOLL_CTL_DEL, io->fd, NULL);
			pipeline_remove_port(a->pl, port);
			io_destroy(io);
		}
		return;
	}
	ports_netns_name(a, w.vma->vm, ns, sizeof(ns));
	log_warnx("vm adapter %s/%s: TAP gone from namespace %s (deleted "
	          "under the agent); adapter detached, kept in policy "
	          "(SIGHUP or a restart makes it again)",
	          w.vma->vm, w.vma->name, ns);
	/* netns_id stays: not re-attached in this same namespace. */
	ports_detach(a, w.vma, false);
}

/* Reads a port: how many frames it gave. */
static int
port_read(struct agent *a, int port)
{
	struct io_port *io;
	int got = 0;

	/* The rest of a TAP's super-frame is no longer signalled by its
	 * descriptor: take it all now. */
	do {
		got += pipeline_poll(a->pl, port, 256);
		io = pipeline_port_io(a->pl, port);
	} while (io && io->rx_pending);
	return got;
}

/* A read that found this many frames or more puts the port in polling
 * mode: traffic is steady enough that the next turn will find more. */
#define POLL_MODE_MIN 4

static void
poll_mode_enter(struct agent *a, int port)
{
	struct io_port *io = pipeline_port_io(a->pl, port);

	for (int i = 0; i < a->n_polled; i++)
		if (a->polled[i] == port)
			return;
	if (!io || io->fd < 0 || a->n_polled == AGENT_POLLED_MAX)
		return;
	if (epoll_ctl(a->epfd, EPOLL_CTL_DEL, io->fd, NULL) < 0)
		return; /* stays in the set: woken as before */
	a->polled[a->n_polled++] = port;
	a->lat.polled++;
}

bool
ports_poll(struct agent *a)
{
	for (int i = 0; i < a->n_polled;) {
		int port = a->polled[i];
		struct io_port *io;

		if (port_read(a, port) > 0) {
			i++;
			continue;
		}
		/* Nothing: back into the set, which reports at once what
		 * came in since the read (level-triggered), and errors.  A
		 * port closed meanwhile has no io; one attached again under
		 * the same number is in the set already (EEXIST). */
		io = pipeline_port_io(a->pl, port);
		if (io && io->fd >= 0) {
			struct epoll_event ev = {.events = EPOLLIN,
			                         .data.u64 =
			                             EV_ID(EV_PORT, port)};

			if (epoll_ctl(a->epfd, EPOLL_CTL_ADD, io->fd, &ev) <
			        0 &&
			    errno != EEXIST) {
				log_warn("port %d: epoll; read on every turn",
				         port);
				i++;
				continue;
			}
		}
		a->polled[i] = a->polled[--a->n_polled];
	}
	return a->n_polled > 0;
}

void
ports_event(struct agent *a, int port, uint32_t events)
{
	if ((events & EPOLLIN) && port_read(a, port) >= POLL_MODE_MIN &&
	    a->poll_mode && !(events & (EPOLLERR | EPOLLHUP)))
		poll_mode_enter(a, port);
	if (!(events & (EPOLLERR | EPOLLHUP)))
		return;
	if (port == PIPELINE_UPLINK)
		uplink_error(a);
	else
		port_lost(a, port);
}

static int
watch_cb(struct vm_adapter *vma, void *aux)
{
	struct agent *a = aux;
	const struct vswitch *sw = policy_sw_find(a->pol, vma->sw);
	struct pmsg m = {0};
	char ns[64];
	uint64_t id;

	if (!sw || !ports_is_hnv_switch(a, sw))
		return 0;
	ports_netns_name(a, vma->vm, ns, sizeof(ns));
	id = netns_ident(ns);
	if (vma->port > 0) {
		if (id == vma->netns_id)
			return 0;
		log_warnx("vm adapter %s/%s: namespace %s %s; adapter "
		          "detached, kept in policy (attached again when the "
		          "namespace returns)",
		          vma->vm, vma->name, ns,
		          id ? "was replaced" : "is gone");
		ports_detach(a, vma, false);
		vma->netns_id = 0;
	}
	if (!id || id == vma->netns_id) {
		vma->netns_id = id;
		return 0;
	}
	/* A namespace of the VM's name that we have not tried yet: one
	 * try (ports_attach() records it too). */
	vma->netns_id = id;
	if (ports_attach(a, vma, &m) < 0)
		log_warnx("vm adapter %s/%s: cannot attach in namespace %s: "
		          "%s",
		          vma->vm, vma->name, ns, m.err);
	else
		log_info("vm adapter %s/%s: attached again in namespace %s",
		         vma->vm, vma->name, ns);
	return 0;
}

void
ports_watch(struct agent *a)
{
	policy_vma_foreach(a->pol, NULL, watch_cb, a);
}
