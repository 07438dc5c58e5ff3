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
#include "lib/list.h"
#include "pkt/parse.h"

#define PL_POOL_SIZE 512
#define PL_OUT_MAX 64
#define NEIGH_MAX 65536

struct pl_port {
	bool used;
	struct io_port *io;
	struct vm_adapter *vma; /* NULL for the uplink */
	uint64_t drops;
	int n_out;
	struct pbuf *out[PL_OUT_MAX];
};

struct pl_neigh {
	struct hmap_node node; /* in pipeline.neigh_map, by IP */
	struct list lru;       /* in neigh_active/_passive, or neigh_free */
	bool active;           /* neigh.c rule 1 */
	bool resolved;
	struct in6_addr ip;
	struct eth_addr mac;
	uint16_t vlan;
	uint64_t updated_ns;
	uint64_t probed_ns;
	struct pbuf *pending; /* the latest packet waiting for resolution,
	                         encapsulated, outer destination MAC zero */
};

/* fast.c: what a frame of the common shape is looked up by (rule 1
 * there); 32 bytes, compared whole. */
enum fast_kind { FAST_NONE, FAST_ENCAP, FAST_DECAP };
struct fast_key {
	uint8_t kind; /* enum fast_kind */
	uint8_t pad;
	uint16_t port;                 /* E: the VM port */
	uint8_t mac[12];               /* (inner) destination, source */
	uint32_t ip_src;               /* (inner) source, network order */
	uint32_t outer_src, outer_dst; /* D */
	uint32_t vsid;                 /* E: the port's; D: the key's */
};
/* ... and what else fast.c needs of the frame. */
struct fast_pkt {
	struct fast_key key;
	uint32_t hash;
	uint32_t ip_dst;    /* inner, network order */
	uint32_t ports;     /* source << 16 | destination, host order */
	uint16_t tot;       /* inner IP total length */
	uint16_t frame_len; /* D: 14 + the outer IP total length */
	uint8_t proto;
};
struct pl_fast;

struct pipeline {
	struct policy *pol;
	struct pipeline_config cfg;
	struct pl_port *ports;
	int n_ports; /* allocated slots */
	struct pbuf *pool;
	struct pbuf **free_bufs;
	int n_free;
	uint64_t drops[DROP_MAX];
	uint64_t events[PLEV_MAX];
	struct hmap neigh_map;
	struct list neigh_active, neigh_passive, neigh_free; /* LRU first */
	size_t n_neigh;
	struct trace *tr; /* attached trace: output suppressed */
	uint64_t icmp_err_window_ns;
	uint32_t icmp_err_count;
	uint64_t flood_window_ns;
	uint32_t flood_count;
	struct pl_learnt learnt[PIPELINE_LEARNT_MAX];
	size_t n_learnt;
	/* F9 (vm.c): departed[] and arrived[] VMs, rings */
	struct pl_move {
		uint32_t vsid;
		struct eth_addr mac;
		struct in6_addr from;
		uint64_t until_ns;
	} departed[PIPELINE_MOVES_MAX], arrived[PIPELINE_MOVES_MAX];
	size_t n_departed, n_arrived;
	/* fast.c: the cache; the frame being processed after a miss, its
	 * key, and whether vm.c took the switched path with it */
	struct pl_fast *fast;
	uint64_t fast_lgen;
	const struct pbuf *fast_cand;
	const struct fast_pkt *fast_pkt;
	bool fast_armed;
	bool fast_thrash;       /* fast.c rule 7 */
	uint64_t fast_looks;    /* lookups */
	uint64_t fast_skipped;  /* frames while thrashing */
	uint32_t fast_win_hits; /* hits in this window */
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
/* F9: the live entry for (vsid, mac) of departed[] or arrived[], or
 * NULL. */
const struct pl_move *vm_moved(const struct pipeline *, bool arrived,
                               uint32_t vsid, const struct eth_addr *mac);
/* F4: queues (vsid, ca, mac, pa) for the agent, once. */
void vm_learn(struct pipeline *, uint32_t vsid, const struct in6_addr *ca,
              const struct eth_addr *mac, const struct in6_addr *pa);
/* The record giving the PA of an L2Only MAC (the L2Only record, or a
 * record of that MAC with a CA: same PA), or NULL if 'mac' has no
 * L2Only record in 'vsid'. */
const struct lookup_record *vm_l2only_rec(const struct pipeline *,
                                          uint32_t vsid,
                                          const struct eth_addr *mac);
bool vm_is_router_mac(const struct pipeline *, uint32_t vsid,
                      const struct eth_addr *);
/* Delivers a frame of 'vsid' to local ports: unicast to the adapter with
 * eth_dst, or a copy to every adapter of the VSID (except 'except') for
 * broadcast/multicast.  Takes ownership of 'b'. */
void vm_deliver(struct pipeline *, struct pbuf *, const struct pkt_info *,
                uint32_t vsid, int except);
/* vm_deliver() of a unicast frame whose destination adapter the caller
 * has looked up already (policy_vma_by_mac of its VSID and eth_dst). */
void vm_deliver_to(struct pipeline *, struct pbuf *, struct vm_adapter *vma);
/* The lookup record that owns 'ip' in the routing domain of 'vsid': its
 * own record, or the record of the next hop of the customer route that
 * covers it (a gateway owns what lies behind it), or else the domain's
 * GatewayWildcard record. */
const struct lookup_record *vm_ca_owner(const struct pipeline *, uint32_t vsid,
                                        const struct in6_addr *ip);

/* May the sending adapter (MAC 'mac') use source 'ip' in 'vsid'?  Sets
 * '*owner' to the record that owns 'ip' (NULL if none).  vm.c rule 3. */
bool vm_src_allowed(const struct pipeline *, const struct eth_addr *mac,
                    uint32_t vsid, const struct in6_addr *ip,
                    const struct lookup_record **owner);
/* Does ND message 'pi' from the adapter with 'mac' claim only addresses
 * and link-layer addresses that adapter owns?  vm.c rules 5-6. */
bool vm_nd_ok(struct pipeline *, const struct pkt_info *, uint32_t vsid,
              const struct eth_addr *mac);

/* Sends an ICMP(v6) error about 'b' (parsed in 'pi') back to the VM port
 * it came from, from the router address of the sender's subnet,
 * rate-limited (RFC 1812 4.3.2.7, RFC 4443 2.4).  'info': see
 * build_icmp_error().  Does not take 'b'. */
void pl_icmp_error(struct pipeline *, const struct pbuf *b,
                   const struct pkt_info *, uint8_t type, uint8_t code,
                   uint32_t info);

/* router.c: 'src' is the record owning the source (NULL if none). */
void router_input(struct pipeline *, int port, struct pbuf *, struct pkt_info *,
                  const struct lookup_record *src);

/* uplink.c */
void uplink_input(struct pipeline *, struct pbuf *);
/* Encapsulates 'b' (an untagged inner frame parsed in 'pi') for 'vsid'
 * and sends it to 'dst_pa'; 'owner' (may be NULL) is the source's lookup
 * record, whose PA is preferred as the outer source.  Takes ownership. */
void uplink_encap(struct pipeline *, struct pbuf *, const struct pkt_info *,
                  uint32_t vsid, const struct in6_addr *dst_pa,
                  const struct lookup_record *owner);
/* uplink.c: the PA's MAC on the wire: its own, or the uplink's when it has none
 * or a multicast one. */
void pl_pa_mac(const struct pipeline *, const struct provider_address *,
               struct eth_addr *);

/* neigh.c: the uplink's neighbour table (rules there). */
void neigh_init(struct pipeline *);
void neigh_uninit(struct pipeline *);
struct pl_neigh *neigh_find(struct pipeline *, const struct in6_addr *);
/* The entry for a next hop we send to (made active); NULL only if the
 * table is full and nothing may be evicted (never, in practice). */
struct pl_neigh *neigh_for_tx(struct pipeline *, const struct in6_addr *);
/* Learns ip -> mac for an entry we have; makes a passive one if
 * 'create' and 'ip' is inside a local PA's prefix.  Releases a waiting
 * packet.  True if an entry was updated or made. */
bool neigh_learn(struct pipeline *, const struct in6_addr *,
                 const struct eth_addr *, uint16_t vlan, bool create);
/* The local PA whose prefix holds 'ip' (on-link), or NULL. */
const struct provider_address *neigh_on_link_pa(const struct pipeline *,
                                                const struct in6_addr *);
/* Makes 'b' the packet waiting for 'n' (dropping an older one). */
void neigh_hold(struct pipeline *, struct pl_neigh *, struct pbuf *b);
void neigh_probe(struct pipeline *, const struct provider_address *,
                 struct pl_neigh *);
bool neigh_probe_due(const struct pl_neigh *);
/* Sends the IP packet in 'b' (parsed in 'pi'), whose addresses nat.c has
 * rewritten to PAs, to 'dst_pa' from the PA of 'src': a new Ethernet
 * header, no tunnel.  Takes ownership. */
void uplink_send_rewritten(struct pipeline *, struct pbuf *,
                           const struct pkt_info *,
                           const struct in6_addr *dst_pa,
                           const struct lookup_record *src);
void neigh_tick(struct pipeline *);

/* neigh.c: makes 'n' (a resolved next hop a packet is sent to) the most
 * recently used active entry (rule 1). */
void neigh_touch(struct pipeline *, struct pl_neigh *n);

/* fast.c: the decision cache (rules there). */
void fast_init(struct pipeline *);
void fast_uninit(struct pipeline *);
/* Forgets every decision (the pipeline changed under them). */
void fast_flush(struct pipeline *);
/* Rule 1: false if 'b' from 'port' is not of the shape the cache takes. */
bool fast_key(const struct pipeline *, int port, const struct pbuf *b,
              struct fast_pkt *);
void fast_prefetch(const struct pipeline *, const struct fast_pkt *);
/* Rule 7: false for the frames a thrashing cache does not look up. */
bool fast_sampled(struct pipeline *);
/* Sends 'b' as the remembered decision says, if there is one of policy
 * generation 'pgen'; false (and 'b' untouched) if not. */
bool fast_try(struct pipeline *, struct pbuf *b, const struct fast_pkt *,
              uint64_t pgen);
/* Rule 2: vm.c switches 'b' to a remote record; encap.c tunnelled it
 * ('olen' outer bytes, 'ip_mtu' the largest inner IP packet, next hop
 * 'n'); uplink.c delivers it to 'vma'. */
void fast_arm(struct pipeline *, const struct pbuf *b);
void fast_note_encap(struct pipeline *, const struct pbuf *b, size_t olen,
                     size_t ip_mtu, struct pl_neigh *n);
void fast_note_decap(struct pipeline *, const struct pbuf *b,
                     struct vm_adapter *vma);

/* nat.c: IP Rewrite out ('rec' the destination's record, 'src' the
 * source's) and in ('dst' the record whose own PA the packet is for).
 * Take ownership. */
void nat_output(struct pipeline *, struct pbuf *, const struct pkt_info *,
                const struct lookup_record *rec,
                const struct lookup_record *src);
void nat_input(struct pipeline *, struct pbuf *, const struct pkt_info *po,
               const struct lookup_record *dst);

/* The one rule for a destination lookup record, on every path: false if
 * 'rec''s rule forbids reaching it (the packet is dropped and counted). */
bool pl_rule_allows(struct pipeline *, struct pbuf *,
                    const struct lookup_record *rec);
/* Sends 'b' to the remote lookup record 'rec' (switched or routed) as its
 * rule says: NVGRE to its PA (or, for TranslationMethodNat, IP Rewrite).
 * 'src' is the source's record (may be NULL).  Takes ownership. */
void pl_forward_remote(struct pipeline *, struct pbuf *,
                       const struct pkt_info *, uint32_t vsid,
                       const struct lookup_record *rec,
                       const struct lookup_record *src);

#endif
