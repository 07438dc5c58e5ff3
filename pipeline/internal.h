/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipeline/internal: state shared by the pipeline's stage files
 * (pipeline.c: ports, buffers, batching; vm.c: VM port ingress, ARP/ND
 * responder, L2; router.c: the distributed router; uplink.c: PA ARP/ND,
 * neighbours, NVGRE encap/decap).  Not for use outside pipeline/.
 */
#ifndef PIPELINE_INTERNAL_H
#define PIPELINE_INTERNAL_H

#include "pipeline/pipeline.h"
#include "lib/hmap.h"
#include "pkt/parse.h"

#define PL_POOL_SIZE 512
#define PL_OUT_MAX 64
#define PL_NEIGH_MAX 256

struct pl_port {
	bool used;
	struct io_port *io;
	struct vm_adapter *vma; /* NULL for the uplink */
	uint64_t drops;
	int n_out;
	struct pbuf *out[PL_OUT_MAX];
};

struct pl_neigh {
	struct hmap_node node; /* in pipeline.neigh_map, by IP, when used */
	bool used;
	bool resolved;
	struct in6_addr ip;
	struct eth_addr mac;
	uint16_t vlan;
	uint64_t updated_ns;
	uint64_t probed_ns;
	struct pbuf *pending; /* the latest packet waiting for resolution,
	                         encapsulated, outer destination MAC zero */
};

struct pipeline {
	struct policy *pol;
	struct pipeline_config cfg;
	struct pl_port *ports;
	int n_ports; /* allocated slots */
	struct pbuf *pool;
	struct pbuf **free_bufs;
	int n_free;
	uint64_t drops[DROP_MAX];
	struct pl_neigh neigh[PL_NEIGH_MAX];
	struct hmap neigh_map;
	struct trace *tr; /* attached trace: output suppressed */
	uint64_t icmp_err_window_ns;
	uint32_t icmp_err_count;
};

#define TR(pl, stage, ...)                                                     \
	do {                                                                   \
		if ((pl)->tr)                                                  \
			trace_step((pl)->tr, stage, __VA_ARGS__);              \
	} while (0)

/* pipeline.c */
struct pbuf *pl_alloc(struct pipeline *);
void pl_free(struct pipeline *, struct pbuf *);
void pl_drop(struct pipeline *, struct pbuf *, enum drop_reason);
void pl_emit(struct pipeline *, int port, struct pbuf *);
const char *pl_port_name(const struct pipeline *, int port, char *buf,
                         size_t len);

/* vm.c */
void vm_input(struct pipeline *, int port, struct pbuf *);
bool vm_is_router_mac(const struct pipeline *, uint32_t vsid,
                      const struct eth_addr *);
/* Delivers a frame of 'vsid' to local ports: unicast to the adapter with
 * eth_dst, or a copy to every adapter of the VSID (except 'except') for
 * broadcast/multicast.  Takes ownership of 'b'. */
void vm_deliver(struct pipeline *, struct pbuf *, const struct pkt_info *,
                uint32_t vsid, int except);
/* The lookup record that owns 'ip' in the routing domain of 'vsid': its
 * own record, or the record of the next hop of the customer route that
 * covers it (a gateway owns what lies behind it). */
const struct lookup_record *vm_ca_owner(const struct pipeline *, uint32_t vsid,
                                        const struct in6_addr *ip);

/* router.c */
void router_input(struct pipeline *, int port, struct pbuf *,
                  struct pkt_info *);

/* uplink.c */
void uplink_input(struct pipeline *, struct pbuf *);
/* Encapsulates 'b' (an untagged inner frame parsed in 'pi') for 'vsid'
 * and sends it to 'dst_pa'; 'owner' (may be NULL) is the source's lookup
 * record, whose PA is preferred as the outer source.  Takes ownership. */
void uplink_encap(struct pipeline *, struct pbuf *, const struct pkt_info *,
                  uint32_t vsid, const struct in6_addr *dst_pa,
                  const struct lookup_record *owner);
void neigh_tick(struct pipeline *);

#endif
