/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipeline: the host data plane.  The Hyper-V virtual switch, the HNV
 * filter and the distributed router of DESIGN.md section 3, as stages over
 * batches of packets:
 *
 *   VM port rx -> parse -> port ingress (anti-spoof, tag VSID)
 *              -> ARP/ND responder -> L2 (local switch, VSID broadcast)
 *              -> router (RDID, customer route LPM, lookup, TTL)
 *              -> encap (NVGRE) -> uplink tx
 *   uplink rx  -> parse -> PA ARP/ND and neighbour learning
 *              -> decap (GRE, VSID, source PA) -> port egress (VSID ACL)
 *              -> VM port tx
 *
 * Port 0 is the uplink; VM adapters get ports 1..n.  Buffers come from a
 * pool allocated at creation: no allocation per packet.  Every drop is
 * counted under a reason (pipeline/drop.h).  A trace, when attached,
 * records every decision (pipeline/trace.h).
 *
 * Threading: one thread (the agent's event loop) owns the pipeline and the
 * policy it reads; policy changes happen between batches.
 */
#ifndef PIPELINE_PIPELINE_H
#define PIPELINE_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "io/io.h"
#include "lib/addr.h"
#include "pipeline/drop.h"
#include "pipeline/trace.h"
#include "policy/policy.h"

#define PIPELINE_BATCH 32
#define PIPELINE_UPLINK 0

/* The tunnel a host sends with (it receives both). */
enum pipeline_encap { PIPELINE_ENCAP_NVGRE, PIPELINE_ENCAP_VXLAN };

struct pipeline_config {
	enum pipeline_encap encap;
	bool flowid_zero; /* NVGRE FlowID 0 (VXLAN: a fixed source port)
	                     instead of a flow hash */
	struct eth_addr uplink_mac;
	int uplink_mtu;
	bool no_fast_path; /* no decision cache (fast.c): every frame
	                      through the stages */
};

/* "nvgre", "vxlan"; and back (0 or -EINVAL). */
const char *pipeline_encap_name(enum pipeline_encap);
int pipeline_encap_parse(const char *, enum pipeline_encap *);

/* Bytes between the uplink MTU and the largest inner IP packet: outer IP,
 * tunnel header and inner Ethernet (NVGRE 42/62 over IPv4/IPv6 PAs,
 * VXLAN 50/70).  A VM adapter's MTU is the uplink's minus this. */
int pipeline_encap_overhead(enum pipeline_encap, bool v6_pa);

struct neigh_info {
	struct in6_addr ip;
	struct eth_addr mac;
	uint16_t vlan;
	bool resolved;
	bool active; /* used to send (else learnt from a request to us) */
	uint64_t age_ms;
};

struct pipeline;

/* Reads 'pol' (not owned; must outlive the pipeline). */
struct pipeline *pipeline_create(struct policy *pol,
                                 const struct pipeline_config *);
void pipeline_destroy(struct pipeline *); /* accepts NULL; not the ports */

/* Uplink (port 0).  Not owned.  NULL while the uplink is down or gone:
 * frames for it are then dropped (tx_failed). */
void pipeline_set_uplink(struct pipeline *, struct io_port *);
/* The uplink's MAC and MTU changed (a new interface of the same name). */
void pipeline_set_uplink_link(struct pipeline *, const struct eth_addr *mac,
                              int mtu);
/* A VM adapter's port.  Returns its index (> 0).  Neither 'io' nor 'vma'
 * is owned; 'vma' is read live (a new MAC or VSID applies at once). */
int pipeline_add_port(struct pipeline *, struct io_port *,
                      struct vm_adapter *vma);
void pipeline_remove_port(struct pipeline *, int port);
struct io_port *pipeline_port_io(const struct pipeline *, int port);
int pipeline_max_port(const struct pipeline *);

/* Receives and processes up to 'budget' frames from 'port'; returns how
 * many were received. */
int pipeline_poll(struct pipeline *, int port, int budget);

/* Once a second: neighbour aging and re-resolution. */
void pipeline_tick(struct pipeline *);

/* Processes one frame as if it arrived on 'port', transmitting nothing,
 * with every decision recorded in 't'. */
void pipeline_trace(struct pipeline *, int port, const uint8_t *frame,
                    size_t len, struct trace *t);

/* Forgets every decision the decision cache holds (pipeline/fast.c; the
 * pipeline forgets them itself whenever policy, ports or next hops
 * change): for tests that must not carry one input's over to the next. */
void pipeline_fast_flush(struct pipeline *);

const uint64_t *pipeline_drops(const struct pipeline *);  /* [DROP_MAX] */
const uint64_t *pipeline_events(const struct pipeline *); /* [PLEV_MAX] */
uint64_t pipeline_port_drops(const struct pipeline *, int port);
void pipeline_clear_stats(struct pipeline *);

/* The router's MAC in 'vsid' on this host (DESIGN.md F7). */
void pipeline_router_mac(const struct pipeline *, uint32_t vsid,
                         struct eth_addr *mac);

/* The lookup record that owns CA 'ip' seen in 'vsid' (its own record, or
 * the next hop of the customer route covering it), or NULL. */
const struct lookup_record *pipeline_ca_owner(const struct pipeline *,
                                              uint32_t vsid,
                                              const struct in6_addr *ip);

/* Flow F4: a CA learnt from an ARP whose sender MAC has an L2Only record
 * in the VSID and whose sender address no record owns (pa: the sender's
 * PA: the L2Only record's for a local VM, the tunnel's source for a
 * remote one).  The data path only queues them (it never changes the
 * policy); the agent takes them and adds Dynamic records. */
struct pl_learnt {
	uint32_t vsid;
	struct in6_addr ca;
	struct eth_addr mac;
	struct in6_addr pa;
};
#define PIPELINE_LEARNT_MAX 256
/* Moves up to 'max' queued CAs to 'out': how many. */
size_t pipeline_learnt_take(struct pipeline *, struct pl_learnt *out,
                            size_t max);

/* Flow F9, while senders still have a moved VM's old record (a grace
 * period of PIPELINE_MOVE_GRACE_S seconds):
 *  - departed: the adapter with 'mac' in 'vsid' left this host (its VM
 *    moved away): a tunnelled frame for it is sent on to the PA its
 *    lookup record now gives (not back to where it came from);
 *  - arrived: it came here from the host of PA 'from' (its record's PA
 *    was 'from' before): a frame for it tunnelled from 'from' is
 *    accepted although 'from' does not own the frame's source (that
 *    host forwards for senders with the old record).
 * At most PIPELINE_MOVES_MAX of each; the oldest goes first. */
#define PIPELINE_MOVE_GRACE_S 30
#define PIPELINE_MOVES_MAX 256
void pipeline_departed(struct pipeline *, uint32_t vsid,
                       const struct eth_addr *mac);
void pipeline_arrived(struct pipeline *, uint32_t vsid,
                      const struct eth_addr *mac, const struct in6_addr *from);

typedef void (*pipeline_neigh_cb)(const struct neigh_info *, void *);
void pipeline_neigh_foreach(const struct pipeline *, pipeline_neigh_cb, void *);

#endif
