/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ports: the Hyper-V switch side of the agent.  A VM is a network
 * namespace (prefix + lower-case VM name).  An adapter on the HNV switch
 * (the switch on the agent's uplink) is a persistent TAP inside the VM's
 * namespace, attached to the pipeline; on start the agent re-attaches to
 * the TAPs it made, so guests keep their interfaces across restarts.  An
 * adapter on any other switch is a veth pair: the VM end carries the
 * adapter's name and MAC, the host end joins a bridge with the switch's
 * interface (Hyper-V's external switch: no virtualization).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <unistd.h>

#include "agent/agent.h"
#include "io/link.h"
#include "io/netns.h"
#include "lib/hash.h"
#include "lib/log.h"

void
ports_netns_name(const struct agent *a, const char *vm, char *buf, size_t len)
{
	size_t i;

	snprintf(buf, len, "%s%s", a->netns_prefix, vm);
	for (i = strlen(a->netns_prefix); buf[i]; i++)
		buf[i] = (char)tolower((unsigned char)buf[i]);
}

/* A VM's namespace: made if missing (New-VM). */
int
ports_vm_create(struct agent *a, const char *vm, struct pmsg *m)
{
	char ns[64];
	int err;

	ports_netns_name(a, vm, ns, sizeof(ns));
	if (strlen(vm) >= 48 || !netns_name_valid(ns)) {
		snprintf(m->err, sizeof(m->err),
		         "vm: field 'vm': '%.64s' cannot name a network "
		         "namespace",
		         vm);
		return -EINVAL;
	}
	err = netns_ensure(ns);
	if (err < 0) {
		snprintf(m->err, sizeof(m->err),
		         "vm %s: cannot create network namespace '%s': %s", vm,
		         ns, strerror(-err));
		return err;
	}
	return 0;
}

/* Removes a VM's namespace (its adapters are detached already). */
void
ports_vm_delete(struct agent *a, const char *vm)
{
	char ns[64];
	int err;

	ports_netns_name(a, vm, ns, sizeof(ns));
	err = netns_delete(ns);
	if (err < 0)
		log_warnx("vm %s: cannot delete namespace %s: %s", vm, ns,
		          strerror(-err));
}

bool
ports_is_hnv_switch(const struct agent *a, const struct vswitch *sw)
{
	return !strcmp(sw->netadapter, a->uplink);
}

static int
v6_pa_cb(const struct provider_address *pa, void *aux)
{
	return !ip_is_v4(&pa->pa);
}

int
ports_tap_mtu(const struct agent *a)
{
	/* The tunnel's overhead: NVGRE 42 bytes over IPv4, 62 over IPv6;
	 * VXLAN 50 and 70 (pipeline_encap_overhead). */
	bool v6 = policy_pa_foreach(a->pol, NULL, v6_pa_cb, NULL) != 0;

	return a->uplink_mtu - pipeline_encap_overhead(a->encap, v6);
}

void
ports_generate_mac(struct eth_addr *mac)
{
	/* Hyper-V's dynamic range: 00:15:5D + 3 random bytes. */
	mac->b[0] = 0x00;
	mac->b[1] = 0x15;
	mac->b[2] = 0x5d;
	if (getrandom(&mac->b[3], 3, 0) != 3) {
		uint64_t t = time_ns();

		memcpy(&mac->b[3], &t, 3);
	}
}

/* Bridge for an external switch: "hvs-" + the interface name. */
static void
bridge_name(const struct vswitch *sw, char *buf, size_t len)
{
	snprintf(buf, len, "hvs-%.11s", sw->netadapter);
}

/* Host end of an external adapter's veth: "hv" + hash of VM/adapter. */
static void
veth_host_name(const struct vm_adapter *vma, char *buf, size_t len)
{
	char key[128];

	snprintf(key, sizeof(key), "%s/%s", vma->vm, vma->name);
	for (char *p = key; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	snprintf(buf, len, "hv%08x", hash_bytes(key, strlen(key), 0));
}

int
ports_switch_up(struct agent *a, const struct vswitch *sw, struct pmsg *m)
{
	char br[LINK_NAME_MAX];
	int err;

	if (ports_is_hnv_switch(a, sw))
		return 0;
	if (!link_exists(sw->netadapter)) {
		snprintf(m->err, sizeof(m->err),
		         "switch '%s': field 'netadapter': no interface '%s' "
		         "on this host",
		         sw->name, sw->netadapter);
		return -ENODEV;
	}
	bridge_name(sw, br, sizeof(br));
	if (!link_exists(br)) {
		err = link_bridge_create(br);
		if (err < 0)
			goto fail;
	}
	err = link_set_master(sw->netadapter, br);
	if (!err)
		err = link_set_up(sw->netadapter);
	if (!err)
		err = link_set_up(br);
	if (!err)
		return 0;
fail:
	snprintf(m->err, sizeof(m->err), "switch '%s': bridge %s on %s: %s",
	         sw->name, br, sw->netadapter, link_strerror(err));
	return err;
}

void
ports_switch_down(struct agent *a, const struct vswitch *sw)
{
	char br[LINK_NAME_MAX];

	if (ports_is_hnv_switch(a, sw))
		return;
	bridge_name(sw, br, sizeof(br));
	link_delete(br);
}

static int
in_netns(const char *ns, int (*fn)(const struct vm_adapter *, void *),
         const struct vm_adapter *vma, void *aux)
{
	int saved, err;

	err = netns_enter(ns, &saved);
	if (err < 0)
		return err;
	err = fn(vma, aux);
	netns_leave(saved);
	return err;
}

static int
vm_end_setup(const struct vm_adapter *vma, void *aux)
{
	int err = link_set_mac(vma->name, &vma->mac);

	(void)aux;
	if (!err)
		err = link_set_up(vma->name);
	return err;
}

static int
attach_external(struct agent *a, struct vm_adapter *vma,
                const struct vswitch *sw, const char *ns, struct pmsg *m)
{
	char host[LINK_NAME_MAX], br[LINK_NAME_MAX];
	int nsfd, err = 0;

	veth_host_name(vma, host, sizeof(host));
	bridge_name(sw, br, sizeof(br));
	if (!link_exists(host)) {
		nsfd = netns_open(ns);
		if (nsfd < 0) {
			err = nsfd;
			goto fail;
		}
		err = link_veth_create(host, vma->name, nsfd);
		close(nsfd);
		if (err < 0)
			goto fail;
	}
	err = link_set_master(host, br);
	if (!err)
		err = link_set_up(host);
	if (!err)
		err = in_netns(ns, vm_end_setup, vma, NULL);
	if (!err)
		return 0;
fail:
	snprintf(m->err, sizeof(m->err),
	         "vm adapter %s/%s: veth on switch '%s': %s", vma->vm,
	         vma->name, sw->name, link_strerror(err));
	return err;
}

int
ports_attach(struct agent *a, struct vm_adapter *vma, struct pmsg *m)
{
	const struct vswitch *sw = policy_sw_find(a->pol, vma->sw);
	char ns[64];
	struct io_port *io;
	struct epoll_event ev = {.events = EPOLLIN};
	int err;

	vma->port = -1;
	if (!sw) {
		snprintf(m->err, sizeof(m->err),
		         "vm adapter %s/%s: switch '%s' does not exist",
		         vma->vm, vma->name, vma->sw);
		return -ENOENT;
	}
	ports_netns_name(a, vma->vm, ns, sizeof(ns));
	err = netns_ensure(ns);
	if (err < 0) {
		snprintf(m->err, sizeof(m->err),
		         "vm %s: cannot create network namespace '%s': %s",
		         vma->vm, ns, strerror(-err));
		return err;
	}
	vma->netns_id = netns_ident(ns); /* portwatch.c */
	if (!ports_is_hnv_switch(a, sw))
		return attach_external(a, vma, sw, ns, m);
	io = io_tap_open_owned(ns, vma->name, &vma->mac, ports_tap_mtu(a),
	                       a->tap_owner[0] ? a->tap_owner : NULL, &err);
	if (!io && err == -EBUSY && a->tap_owner[0]) {
		/* another host's agent still has it (the VM moves here):
		 * wait for it (ports_retry_busy) */
		if (!vma->busy)
			log_info("vm adapter %s/%s: TAP %s in %s belongs to "
			         "another agent; attaching once it is gone",
			         vma->vm, vma->name, vma->name, ns);
		vma->busy = true;
		a->ports_busy = true;
		return 0;
	}
	vma->busy = false;
	if (!io) {
		snprintf(m->err, sizeof(m->err),
		         "vm adapter %s/%s: TAP in namespace '%s': %s", vma->vm,
		         vma->name, ns, strerror(-err));
		return err ? err : -EIO;
	}
	vma->port = pipeline_add_port(a->pl, io, vma);
	ev.data.u64 = EV_ID(EV_PORT, vma->port);
	if (epoll_ctl(a->epfd, EPOLL_CTL_ADD, io->fd, &ev) < 0) {
		err = -errno;
		pipeline_remove_port(a->pl, vma->port);
		io_destroy(io);
		vma->port = -1;
		snprintf(m->err, sizeof(m->err), "vm adapter %s/%s: epoll: %s",
		         vma->vm, vma->name, strerror(-err));
		return err;
	}
	return 0;
}

void
ports_release(struct agent *a, struct vm_adapter *vma)
{
	char ns[64];

	ports_detach(a, vma, false);
	if (!a->tap_owner[0])
		return;
	ports_netns_name(a, vma->vm, ns, sizeof(ns));
	io_tap_release(ns, vma->name, a->tap_owner);
}

void
ports_detach(struct agent *a, struct vm_adapter *vma, bool delete_iface)
{
	const struct vswitch *sw = policy_sw_find(a->pol, vma->sw);
	char ns[64], host[LINK_NAME_MAX];
	struct io_port *io;

	ports_netns_name(a, vma->vm, ns, sizeof(ns));
	if (vma->port > 0) {
		io = pipeline_port_io(a->pl, vma->port);
		if (io) {
			epoll_ctl(a->epfd, EPOLL_CTL_DEL, io->fd, NULL);
			pipeline_remove_port(a->pl, vma->port);
			io_destroy(io);
		}
		vma->port = -1;
		if (delete_iface)
			io_tap_delete_owned(ns, vma->name,
			                    a->tap_owner[0] ? a->tap_owner
			                                    : NULL);
		return;
	}
	if (delete_iface && sw && !ports_is_hnv_switch(a, sw)) {
		veth_host_name(vma, host, sizeof(host));
		link_delete(host);
	}
}

#define BUSY_RETRY_MS 10

static int
retry_cb(struct vm_adapter *vma, void *aux)
{
	struct agent *a = aux;
	struct pmsg m = {0};

	if (!vma->busy)
		return 0;
	if (ports_attach(a, vma, &m) < 0)
		log_warnx("vm adapter %s/%s: %s", vma->vm, vma->name, m.err);
	else if (!vma->busy)
		log_info("vm adapter %s/%s: attached (the other agent let "
		         "its TAP go)",
		         vma->vm, vma->name);
	if (vma->busy)
		a->ports_busy = true;
	return 0;
}

int
ports_retry_busy(struct agent *a)
{
	uint64_t now = time_ns();

	if (now - a->ports_busy_ns < BUSY_RETRY_MS * 1000000ull)
		return (int)((a->ports_busy_ns + BUSY_RETRY_MS * 1000000ull -
		              now) /
		             1000000) +
		       1;
	a->ports_busy_ns = now;
	a->ports_busy = false;
	policy_vma_foreach(a->pol, NULL, retry_cb, a);
	return a->ports_busy ? BUSY_RETRY_MS : -1;
}

static int
set_mac_cb(const struct vm_adapter *vma, void *aux)
{
	(void)aux;
	return link_set_mac(vma->name, &vma->mac);
}

int
ports_set_mac(struct agent *a, struct vm_adapter *vma, struct pmsg *m)
{
	char ns[64], mac[ETH_ADDR_STRLEN];
	int err;

	ports_netns_name(a, vma->vm, ns, sizeof(ns));
	err = in_netns(ns, set_mac_cb, vma, NULL);
	if (err < 0)
		snprintf(m->err, sizeof(m->err),
		         "vm adapter %s/%s: cannot set MAC %s: %s", vma->vm,
		         vma->name, eth_fmt(&vma->mac, mac),
		         link_strerror(err));
	return err;
}

static int
set_mtu_cb(const struct vm_adapter *vma, void *aux)
{
	return link_set_mtu(vma->name, *(int *)aux);
}

struct mtu_walk {
	struct agent *a;
	int mtu;
};

static int
mtu_walk_cb(struct vm_adapter *vma, void *aux)
{
	struct mtu_walk *w = aux;
	char ns[64];

	if (vma->port <= 0)
		return 0;
	ports_netns_name(w->a, vma->vm, ns, sizeof(ns));
	if (in_netns(ns, set_mtu_cb, vma, &w->mtu) < 0)
		log_warnx("vm adapter %s/%s: cannot set MTU %d", vma->vm,
		          vma->name, w->mtu);
	return 0;
}

void
ports_update_mtu(struct agent *a)
{
	struct mtu_walk w = {.a = a, .mtu = ports_tap_mtu(a)};

	policy_vma_foreach(a->pol, NULL, mtu_walk_cb, &w);
}
