/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent: hnv-agent, the host daemon.  One epoll loop owns the policy, the
 * pipeline and every port; the control socket (control.c) changes policy
 * between batches; each change is written to the state file (state.c)
 * before the reply, so a restart (or SIGKILL) loses nothing.  Ports
 * (ports.c) are persistent TAPs inside VM namespaces, re-attached on start.
 */
#ifndef AGENT_AGENT_H
#define AGENT_AGENT_H

#include <jansson.h>
#include <stdbool.h>

#include "io/io.h"
#include "pipeline/pipeline.h"
#include "policy/policy.h"

/* The uplink: up (forwarding), down (exists, but down or no carrier),
 * gone (no interface of that name).  See uplink.c. */
enum uplink_state { UPLINK_UP, UPLINK_DOWN, UPLINK_GONE };

struct link_monitor;

struct agent {
	/* configuration */
	const char *uplink;
	const char *control_path;
	const char *state_path;
	const char *netns_prefix;
	bool flowid_zero;
	enum pipeline_encap encap;

	/* uplink facts (uplink.c keeps them current) */
	int uplink_ifindex; /* 0 while no interface has the name */
	struct eth_addr uplink_mac;
	int uplink_mtu;
	enum uplink_state uplink_state;
	const char *uplink_why;       /* why it is down: a static string */
	struct io_stats uplink_stats; /* counters while the socket is closed */
	struct link_monitor *linkmon;

	struct policy *pol;
	json_t *vms; /* array of VM names (New-VM), persisted with policy */
	struct pipeline *pl;
	struct io_port *uplink_io;

	int epfd;
	int listen_fd;
	bool quit;
};

/* ev ids: type in the high 32 bits */
enum { EV_LISTEN = 1, EV_CLIENT, EV_PORT, EV_TIMER, EV_SIGNAL, EV_LINK };
#define EV_ID(type, id) ((uint64_t)(type) << 32 | (uint32_t)(id))

/* control.c */
int control_open(struct agent *);
void control_accept(struct agent *);
void control_client_input(struct agent *, int slot);
void control_close_all(struct agent *);

/* state.c */
int state_save(struct agent *, struct pmsg *);
/* Loads the state file into the (empty) policy; 0 if absent. */
int state_load(struct agent *, struct pmsg *);

/* ports.c */
/* The network namespace of a VM: prefix + lower-case name. */
void ports_netns_name(const struct agent *, const char *vm, char *buf,
                      size_t len);
bool ports_is_hnv_switch(const struct agent *, const struct vswitch *);
int ports_tap_mtu(const struct agent *);
int ports_switch_up(struct agent *, const struct vswitch *, struct pmsg *);
void ports_switch_down(struct agent *, const struct vswitch *);
int ports_attach(struct agent *, struct vm_adapter *, struct pmsg *);
void ports_detach(struct agent *, struct vm_adapter *, bool delete_iface);
int ports_set_mac(struct agent *, struct vm_adapter *, struct pmsg *);
/* After provider addresses change: TAP MTUs follow the PA family. */
void ports_update_mtu(struct agent *);
void ports_generate_mac(struct eth_addr *);

/* The VM registry: names in a->vms, case-insensitive. */
bool agent_vm_known(const struct agent *, const char *vm);
void agent_vm_remember(struct agent *, const char *vm);

/* uplink.c */
/* Watches the uplink (rtnetlink notifications) and opens it if it is up;
 * the agent runs whether it is up, down or gone.  After pipeline_create. */
void uplink_init(struct agent *);
void uplink_fini(struct agent *);
/* EV_LINK: link notifications. */
void uplink_link_event(struct agent *);
/* The uplink socket reported an error (EPOLLERR): usually ENETDOWN. */
void uplink_error(struct agent *);
/* Compares the kernel's view of the uplink with ours and acts on it. */
void uplink_sync(struct agent *);
const char *uplink_state_name(enum uplink_state);
/* The uplink's counters, also while its socket is closed. */
struct io_stats *uplink_io_stats(struct agent *);

/* portwatch.c */
/* Makes what a start makes: VM namespaces, switches, and every adapter
 * that is not attached (start-up, SIGHUP). */
void ports_restore(struct agent *);
/* EV_PORT: input, or an error (a TAP deleted under us, the uplink gone). */
void ports_event(struct agent *, int port, uint32_t events);
/* Once a second: adapters whose namespace went or came back. */
void ports_watch(struct agent *);

/* privs.c */
/* Drops every capability but those the agent needs from here on; sets
 * no_new_privs.  Logs what it kept. */
void privs_drop(void);

/* trace.c */
int agent_trace(struct agent *, const json_t *args, json_t **result,
                struct pmsg *);

#endif
