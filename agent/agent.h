/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent: hnv-agent, the host daemon.  One epoll loop owns the policy, the
 * pipeline and every port; the control socket (control.c) runs requests
 * (commands.c) between batches, one at a time; work that could take long
 * (lookup record changes and pages, lrjob.c) runs as a job, in slices of
 * about a millisecond between forwarding polls.  Each change goes to the
 * state database (store.c, written by its own thread) and is answered once
 * it is on disk, so a restart (or SIGKILL) loses nothing.  Ports
 * (ports.c) are persistent TAPs inside VM namespaces, re-attached on start.
 */
#ifndef AGENT_AGENT_H
#define AGENT_AGENT_H

#include <jansson.h>
#include <stdbool.h>

#include "io/io.h"
#include "pipeline/pipeline.h"
#include "policy/policy.h"

#define AGENT_VERSION "0.1"

/* The uplink: up (forwarding), down (exists, but down or no carrier),
 * gone (no interface of that name).  See uplink.c. */
enum uplink_state { UPLINK_UP, UPLINK_DOWN, UPLINK_GONE };

struct link_monitor;
struct sync;
struct syncapply;

#define AGENT_POLLED_MAX 64

struct agent {
	/* configuration */
	const char *uplink;
	const char *control_path;
	const char *state_path;
	const char *netns_prefix;
	bool flowid_zero;
	enum pipeline_encap encap;
	/* Busy polling (--busy-poll): after a port had traffic, the loop
	 * keeps polling without sleeping for this long (ns; 0: never), so
	 * a reply arriving soon after does not wait for a wake-up. */
	uint64_t busy_poll_ns;
	uint64_t port_active_ns; /* when a port last had traffic */
	/* Polling mode (--poll-mode, portwatch.c): a port whose read found
	 * a batch leaves the epoll set and is read on every turn of the
	 * loop until a read finds nothing, then goes back (NAPI's
	 * interrupt masking, in user space).  While it is out, the kernel
	 * wakes no one for each frame it queues there. */
	bool poll_mode;
	/* --uplink-io afxdp: the uplink's tunnel frames through AF_XDP
	 * (io/afxdp.h); its XDP program holds the PAs of the policy of
	 * generation xdp_pa_gen (uplink_xdp_sync()). */
	bool uplink_xdp;
	uint64_t xdp_pa_gen;
	int n_polled;
	int polled[AGENT_POLLED_MAX]; /* the ports out of the epoll set */

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
	struct store *store;   /* the state database (store.h) */
	struct parser *parser; /* large requests (parse.h) */
	struct job *job;       /* the job running, if any */

	/* Under a controller (--controller; NULL: none): sync.c talks to
	 * it in a thread of its own, syncapply.c applies its replies. */
	const char *controller_url;
	const char *controller_host;
	/* The alias of the TAPs this agent makes ("hnv-agent HOST" under a
	 * controller; "" otherwise: no ownership checks), and whether an
	 * adapter waits for its TAP name (vm_adapter.busy). */
	char tap_owner[80];
	bool ports_busy;
	uint64_t ports_busy_ns; /* the last retry */
	struct sync *sync;
	struct syncapply *sa;

	int epfd;
	int listen_fd;
	bool quit;

	/* Flow F4 (learn.c), for `stats`. */
	struct {
		uint64_t learnt, conflicts;
	} learn;

	/* Lookup record changes, for `stats` (ns). */
	struct {
		uint64_t changes, failed;
		uint64_t last_apply, max_apply;     /* request -> visible */
		uint64_t last_durable, max_durable; /* visible -> on disk */
		uint64_t max_slice;                 /* longest control_run() */
		uint64_t max_loop;                  /* longest loop iteration */
		uint64_t polled; /* ports put in polling mode (portwatch.c) */
	} lat;
};

/* ev ids: type in the high 32 bits */
enum {
	EV_LISTEN = 1,
	EV_CLIENT,
	EV_PORT,
	EV_TIMER,
	EV_SIGNAL,
	EV_LINK,
	EV_STORE,
	EV_PARSER,
	EV_SYNC
};
#define EV_ID(type, id) ((uint64_t)(type) << 32 | (uint32_t)(id))

/* control.c: the socket, its clients, the order of replies. */
int control_open(struct agent *);
void control_accept(struct agent *);
void control_client_event(struct agent *, int slot, uint32_t events);
void control_store_event(struct agent *);
void control_parser_event(struct agent *);
/* Runs waiting requests and a slice of the job; returns the timeout
 * (ms) for the next epoll_wait: 0 while work is pending, else -1. */
int control_run(struct agent *);
void control_close_all(struct agent *);

/* What a request produced: the reply, and the store ticket it waits for
 * (0: none).  'what' ("lookup record add") heads the error if the change
 * cannot be saved. */
struct cmd_result {
	json_t *reply;
	char *text; /* or the reply already as text (no newline), owned */
	uint64_t ticket;
	char what[96];
	uint64_t t_visible; /* a lookup record change: when it was applied */
	uint64_t t_start;
};

/* A request that runs in slices.  'step' works until 'deadline'
 * (time_ns()) and returns true while there is more; then 'res' holds the
 * reply.  One job runs at a time, and no other request runs meanwhile. */
struct job {
	bool (*step)(struct agent *, struct job *, uint64_t deadline);
	void (*destroy)(struct job *);
	struct cmd_result res;
};

/* commands.c: runs a request: fills 'out', or starts a job (a->job). */
void commands_run(struct agent *, const json_t *req, struct cmd_result *out);
/* {"ok": false, "error": msg} */
json_t *commands_error(const char *msg);
/* Queues the given families of the policy to the store (bits below)
 * and closes the transaction: its ticket. */
enum {
	SAVE_SWITCHES = 1 << 0,
	SAVE_ADAPTERS = 1 << 1,
	SAVE_PAS = 1 << 2,
	SAVE_PRS = 1 << 3,
	SAVE_CRS = 1 << 4,
	SAVE_VMS = 1 << 5,
	SAVE_ALL_META = (1 << 6) - 1,
};
uint64_t agent_save(struct agent *, unsigned families);

/* objects.c: changes with effects beyond the policy, for commands.c and
 * syncapply.c alike.  0 or a negative errno with m->err; on error
 * nothing changed.  Nothing is saved: the caller saves (agent_save). */
/* agent_save without closing the transaction. */
void agent_queue_save(struct agent *, unsigned families);
/* Adds the switch and brings it up (a bridge for a non-HNV switch). */
int obj_switch_add(struct agent *, const struct vswitch *, struct pmsg *);
/* 1 removed, 0 no such switch, -EBUSY while adapters use it. */
int obj_switch_remove(struct agent *, const char *name, struct pmsg *);
/* Adds the adapter (a MAC generated if 'v' has none) and attaches it
 * (TAP or veth, the VM's namespace made if missing). */
int obj_vma_add(struct agent *, struct vm_adapter *v, struct pmsg *);
/* Changes MAC and VSID of the adapter with v's key (a zero MAC keeps
 * its MAC); moving it to another switch is refused. */
int obj_vma_set(struct agent *, struct vm_adapter *v, struct pmsg *);
/* Detaches (deleting the interfaces) and removes the matches: how many. */
int obj_vma_remove(struct agent *, const struct policy_filter *);
/* New-VM: its namespace, and the registry. */
int obj_vm_add(struct agent *, const char *vm, struct pmsg *);
/* Removes its adapters and namespace: 1, or 0 for an unknown VM. */
int obj_vm_remove(struct agent *, const char *vm);
/* A VM that moved to another host: its adapters go (their interfaces
 * too), the namespace (the guest) stays: 1, or 0 for an unknown VM. */
int obj_vm_release(struct agent *, const char *vm);

/* lrjob.c: the lookup record jobs.  Each starts a->job or returns an
 * error (m set) for a request it cannot start. */
int lrjob_change(struct agent *, const char *verb, const json_t *args,
                 struct pmsg *m);
int lrjob_batch(struct agent *, const json_t *args, struct pmsg *m);
int lrjob_get(struct agent *, const json_t *args, bool whole_policy,
              struct pmsg *m);
int lrjob_clear(struct agent *, struct pmsg *m);
/* For set: the stored record named by 'args' (its key) with 'args'
 * merged over it. */
int lrjob_merge_for_set(struct agent *, const json_t *args, json_t **merged,
                        struct pmsg *m);

/* learn.c: adds the Dynamic records of the addresses the data path
 * learnt (and reports them to the controller), when no job holds the
 * policy. */
void learn_run(struct agent *);

/* ports.c */
/* The network namespace of a VM: prefix + lower-case name. */
void ports_netns_name(const struct agent *, const char *vm, char *buf,
                      size_t len);
bool ports_is_hnv_switch(const struct agent *, const struct vswitch *);
int ports_tap_mtu(const struct agent *);
int ports_switch_up(struct agent *, const struct vswitch *, struct pmsg *);
void ports_switch_down(struct agent *, const struct vswitch *);
/* Attaches the adapters that wait for their TAP name (busy); returns
 * the epoll timeout (ms) for the next retry, or -1 when none waits. */
int ports_retry_busy(struct agent *);
/* Detaches the adapter and leaves its TAP for another agent to adopt (a
 * VM moving away). */
void ports_release(struct agent *, struct vm_adapter *vma);
int ports_attach(struct agent *, struct vm_adapter *, struct pmsg *);
void ports_detach(struct agent *, struct vm_adapter *, bool delete_iface);
int ports_set_mac(struct agent *, struct vm_adapter *, struct pmsg *);
/* After provider addresses change: TAP MTUs follow the PA family. */
void ports_update_mtu(struct agent *);
void ports_generate_mac(struct eth_addr *);
/* A VM's namespace: made if missing; removed (a failure is logged). */
int ports_vm_create(struct agent *, const char *vm, struct pmsg *);
void ports_vm_delete(struct agent *, const char *vm);

/* The VM registry (objects.c): names in a->vms, case-insensitive. */
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
/* Every turn of the loop: the XDP program's PAs after a policy change. */
void uplink_xdp_sync(struct agent *);
/* The uplink's counters, also while its socket is closed. */
struct io_stats *uplink_io_stats(struct agent *);

/* portwatch.c */
/* Makes what a start makes: VM namespaces, switches, and every adapter
 * that is not attached (start-up, SIGHUP). */
void ports_restore(struct agent *);
/* EV_PORT: input, or an error (a TAP deleted under us, the uplink gone). */
void ports_event(struct agent *, int port, uint32_t events);
/* Every turn of the loop: reads the ports in polling mode, puts back in
 * the epoll set those that had nothing; true while some remain out (the
 * loop must not sleep). */
bool ports_poll(struct agent *);
/* Once a second: adapters whose namespace went or came back. */
void ports_watch(struct agent *);

/* privs.c */
/* Drops every capability but those the agent needs from here on (with
 * CAP_IPC_LOCK for an AF_XDP uplink); sets no_new_privs.  Logs what it
 * kept. */
void privs_drop(bool afxdp);

/* trace.c */
int agent_trace(struct agent *, const json_t *args, json_t **result,
                struct pmsg *);

#endif
