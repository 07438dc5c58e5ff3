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

struct agent {
	/* configuration */
	const char *uplink;
	const char *control_path;
	const char *state_path;
	const char *netns_prefix;
	bool flowid_zero;
	enum pipeline_encap encap;

	/* uplink facts */
	int uplink_ifindex;
	struct eth_addr uplink_mac;
	int uplink_mtu;

	struct policy *pol;
	json_t *vms; /* array of VM names (New-VM), persisted with policy */
	struct pipeline *pl;
	struct io_port *uplink_io;

	int epfd;
	int listen_fd;
	bool quit;
};

/* ev ids: type in the high 32 bits */
enum { EV_LISTEN = 1, EV_CLIENT, EV_PORT, EV_TIMER, EV_SIGNAL };
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

/* trace.c */
int agent_trace(struct agent *, const json_t *args, json_t **result,
                struct pmsg *);

#endif
