/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipeline-world: the host that fuzz-pipeline runs, its policy written
 * down once as tables that build the policy and that the oracle
 * (pipeline-oracle.h) reads back, and the fuzz input format.
 *
 * One host ("this host") with four provider addresses on its uplink and
 * thirteen VM adapters on in-memory ports, twelve in three routing
 * domains and U, not virtualized yet (no VSID):
 *
 *   Blue  (IPv4)  5001 10.0.1.0/24  B1 .11  B2 .12  X (no lookup record)
 *                                   remote .21 (H2) .31 (H3) .51 (rule
 *                                   None, H2) .41 (Dynamic, H2, with an
 *                                   L2Only record for its MAC)
 *                 5002 10.0.2.0/24  B3 .11  N1 .12 (rule Nat, own PA)
 *                                   remote .21 (H4, an IPv6 PA) .22 (Nat)
 *                                   no ".1" record: derived router MAC
 *                 5003 10.0.3.0/24  gateway VM .2 on GW; 0.0.0.0/0 via it,
 *                                   and a GatewayWildcard record for it
 *                                   (what no record or route owns)
 *   Red   (IPv4)  6001 10.0.1.0/24  R1 .11 (same CA and MAC as B1)
 *                                   R3 .12 (its PA is on VLAN 100)
 *                                   L, an L2Only record: any address
 *                                   no record owns is its to use (F4)
 *                                   remote .21 (H2, same MAC as Blue's)
 *                                   .41 (H5, VLAN 100, left unresolved)
 *                 6002 10.0.5.0/24  R2 .2, a local gateway VM (0/0 via
 *                                   it); remote .21 (H3), .22 (Nat, PA
 *                                   .1.123: Red's IP Rewrite next to
 *                                   Blue's)
 *   Green (IPv6)  7001 fd00:a:1::/64  G1 ::11 (IPv6 PA)  G2 ::12 (IPv4
 *                                   PA); remote ::21 (H4) ::31 (H2)
 *                                   ::41 (H7, left unresolved) ::51 (a
 *                                   PA no route reaches)
 *                 7002 fd00:a:2::/64  G3 ::11; remote gateway ::2 (H6,
 *                                   routed PA) with a GatewayWildcard
 *                                   record and no ::/0 route; no ".1"
 *
 * Physical side: PAs 192.168.1.10/24, 192.168.1.112/24 (N1's), 192.168.
 * 3.10/24 on VLAN 100, fd00:1::10/64; H2 .1.20, GW .1.11, the Nat peer
 * .1.122 and the provider router .1.1 on-link; H3 192.168.2.30 via .1.1;
 * H4 fd00:1::20 and H7 fd00:1::30 on-link; H6 fd00:2::30 via fd00:1::1;
 * H5 192.168.3.40.  world_reset() resolves every next hop but H5's and
 * H7's by feeding ARP replies and neighbour solicitations through the
 * uplink.
 *
 * Fuzz input: a sequence of records
 *
 *   sel(1) len(2, big-endian) bytes(len; fewer at the end of the input)
 *
 *   sel & 0x0f  port, modulo 1 + W_N_VMS: 0 the uplink, i the i-th VM
 *   sel & 0x10  on the uplink: 'bytes' are src(1) dst(1) vsid(1)
 *               flowid(1) then an inner frame, which the harness wraps in
 *               NVGRE (VXLAN if src & 0x80) from remote PA src to local
 *               PA dst (see world_wrap) so the fuzzer reaches
 *               decapsulation
 *   sel & 0x20  fix every IPv4 header checksum (outer and inner)
 *   sel & 0x40  pipeline_tick() after the frame
 *   sel & 0x80  on the first record: the host sends VXLAN, not NVGRE
 * At most W_MAX_FRAMES records are used.
 */
#ifndef TESTS_FUZZ_PIPELINE_WORLD_H
#define TESTS_FUZZ_PIPELINE_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/io.h"
#include "lib/addr.h"
#include "pipeline/pipeline.h"
#include "policy/policy.h"

#define W_N_VMS 13
#define W_MAX_FRAMES 32
#define W_NEIGH_SNAP 32

#define W_SEL_PORT 0x0f
#define W_SEL_NVGRE 0x10
#define W_SEL_CSUM 0x20
#define W_SEL_TICK 0x40
#define W_SEL_VXLAN 0x80

enum w_rdid { W_BLUE, W_RED, W_GREEN, W_N_RDIDS };

struct w_route {
	enum w_rdid rdid;
	uint32_t vsid;
	struct in6_addr prefix;
	int plen;
	struct in6_addr nexthop; /* unspecified: on-link */
};

struct w_record {
	struct in6_addr ca; /* unspecified for L2Only */
	uint32_t vsid;
	struct eth_addr mac;
	struct in6_addr pa;
	enum lr_rule rule;
	enum lr_type type;
};

struct w_pa {
	struct in6_addr pa;
	int plen;
	uint16_t vlan;
	struct eth_addr mac;
};

/* A VM adapter on this host. */
struct w_vm {
	const char *name;
	struct eth_addr mac;
	uint32_t vsid;
	struct vm_adapter *vma; /* in the policy */
	struct io_port *io;
	int port; /* pipeline port */
};

/* A remote PA the fuzzer may send NVGRE from. */
struct w_remote {
	const char *name;
	struct in6_addr pa;
	struct eth_addr mac; /* of the PA, or of the router in front */
	uint16_t vlan;
};

struct world {
	struct policy *pol;
	struct pipeline *pl;
	struct io_port *uplink;
	struct eth_addr uplink_mac;
	struct w_vm vm[W_N_VMS];

	struct w_route *routes;
	int n_routes;
	struct w_record *records;
	int n_records;
	struct w_pa *pas;
	int n_pas;
	struct w_remote *remotes;
	int n_remotes;
	uint32_t *vsids; /* for the NVGRE helper: the policy's and bad ones */
	int n_vsids;

	/* Whether the pipeline may hold state from the last input (see
	 * world_run), and what it held after world_reset(). */
	bool dirty;
	bool always_fresh; /* FUZZ_PIPELINE_FRESH=1 in the environment */
	enum pipeline_encap encap; /* what the pipeline sends */
	bool no_fast_path; /* the next world_reset()'s pipeline: no decision
	                      cache */
	struct neigh_info neigh[W_NEIGH_SNAP];
	int n_neigh; /* -1: more than W_NEIGH_SNAP */
	uint64_t generation;
};

/* Builds the policy and the ports; then world_reset().  Aborts if the
 * policy refuses any of it (the tables are wrong). */
struct world *world_create(void);
void world_destroy(struct world *);
/* A fresh pipeline on the same policy and ports (no neighbour, no
 * waiting packet, no counter carried over), sending with 'encap', empty
 * queues, and next hops resolved.  Every frame the setup makes the pipeline
 * send is given to 'check' (may be NULL) with the output port. */
typedef void (*world_out_cb)(struct world *, int port, const uint8_t *, size_t,
                             void *aux);
void world_reset(struct world *, enum pipeline_encap encap, world_out_cb check,
                 void *aux);
/* Takes every frame the pipeline sent, from every port, giving each to
 * 'check' (may be NULL). */
void world_drain(struct world *, world_out_cb check, void *aux);

/* The VM whose pipeline port is 'port', or NULL. */
const struct w_vm *world_vm_at_port(const struct world *, int port);
/* Routing domain of 'vsid'; false for a VSID of no routing domain. */
bool world_vsid_rdid(const struct world *, uint32_t vsid, enum w_rdid *);
const char *world_rdid_name(enum w_rdid);

/* Runs one fuzz input: world_reset() if needed, then each record in
 * turn.  A new pipeline costs more than most inputs, so the last input's
 * pipeline is reused when it cannot remember anything of that input: its
 * neighbours are those world_reset() left (pipeline_neigh_foreach), the
 * policy is unchanged (policy_generation), it sent no ICMP error (the
 * rate limit counts them), pipeline_tick() was not called and it sends
 * with the encapsulation this input asks for.  Otherwise,
 * or always with FUZZ_PIPELINE_FRESH=1, a new one.  Before
 * each frame is given to the pipeline, 'input' is called with the record's
 * index and port and the frame as injected (after the NVGRE wrapping and
 * checksum fixing); before pipeline_tick(), with port WORLD_TICK and no
 * frame; before the setup, with index -1 and port WORLD_SETUP.  'output'
 * is called with every frame the pipeline sends. */
#define WORLD_SETUP (-2)
#define WORLD_TICK (-1)
struct world_hooks {
	void (*input)(struct world *, int index, int port, const uint8_t *,
	              size_t, void *aux);
	world_out_cb output;
};
void world_run(struct world *, const uint8_t *data, size_t size,
               const struct world_hooks *, void *aux);

/* The input record's port: 0 (uplink) or a VM's pipeline port. */
int world_sel_port(const struct world *, uint8_t sel);
/* The selector byte for a VM (index into vm[]) or the uplink (-1). */
uint8_t world_sel_for(int vm_index);

/* Wraps 'payload' (src, dst, vsid, flowid indices, then the inner frame)
 * in NVGRE or VXLAN (src & 0x80) into 'out' (cap bytes).  Returns the
 * frame length, or 0 if 'payload' is shorter than its 4-byte prefix. */
#define W_WRAP_VXLAN 0x80
size_t world_wrap(const struct world *, const uint8_t *payload, size_t len,
                  uint8_t *out, size_t cap);
/* Recomputes every IPv4 header checksum in the frame (and in an NVGRE
 * inner frame). */
void world_fix_csums(uint8_t *frame, size_t len);

#endif
