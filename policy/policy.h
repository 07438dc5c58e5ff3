/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy: one host's HNV policy: the four record families of the
 * NetVirtualization cmdlets (lookup records, customer routes, provider
 * addresses, provider routes) plus the Hyper-V side (virtual switches and
 * VM network adapters).
 *
 * Ownership and threading: a struct policy owns copies of every object.
 * Pointers returned by lookups stay valid until that object is removed or
 * replaced (objects are individually allocated).  One thread (the agent's
 * event loop) mutates and reads it; the data path reads it between
 * control updates.
 *
 * Lookups used per packet are O(1) hashes: (VSID, CA) and (VSID, MAC) for
 * lookup records, (VSID, MAC) for local adapters; customer routes are a
 * longest-prefix match per routing domain (IPv4 and IPv6), provider routes
 * one LPM for the host.  Iteration (foreach) is in insertion order, which
 * is the order Get-* cmdlets print.
 *
 * Validation (DESIGN.md section 1, the rules one host can check), done by
 * the _add/_set functions before anything changes; on error nothing is
 * modified and 'msg->err' names the field, the value and the conflicting
 * object:
 *  1. VSID in 4096..16777214;
 *  2. a VSID belongs to exactly one RDID (customer routes);
 *  3. CAs and MACs are unique within a routing domain (within a VSID when
 *     its RDID is not known yet); an L2Only record (CA unspecified) and a
 *     Dynamic record may share a MAC when they share the PA;
 *  4. one address family for the CAs of a routing domain;
 *  5. route next hop family = prefix family; prefixes have no host bits;
 *  5b. an IP Rewrite (TranslationMethodNat) record has a PA of its CA's
 *     family that no other IP Rewrite record uses;
 * Warnings (accepted, reported in 'msg->warn'):
 *  6. a default-gateway record (CA = first host address of its subnet)
 *     whose PA is not one of this host's PAs (the book's GWHost typo);
 *  7. a lookup record whose PA is not reachable: not local, not on-link
 *     of a local PA prefix, and no provider route covers it.
 */
#ifndef POLICY_POLICY_H
#define POLICY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

enum lr_rule { LR_RULE_ENCAP, LR_RULE_NAT, LR_RULE_NONE };
enum lr_type {
	LR_TYPE_STATIC,
	LR_TYPE_DYNAMIC,
	LR_TYPE_L2ONLY,
	LR_TYPE_GW_WILDCARD
};
/* "TranslationMethodEncap" / "Static" ... (PowerShell names) */
const char *lr_rule_name(enum lr_rule);
const char *lr_type_name(enum lr_type);
/* Short native names: "encap", "nat", "none"; "static", "dynamic",
 * "l2only", "gateway-wildcard". */
const char *lr_rule_short(enum lr_rule);
const char *lr_type_short(enum lr_type);
/* Accept either form, case-insensitive.  0 or -EINVAL. */
int lr_rule_parse(const char *, enum lr_rule *);
int lr_type_parse(const char *, enum lr_type *);

struct lookup_record {
	struct in6_addr ca; /* unspecified for L2Only/GatewayWildcard */
	uint32_t vsid;
	struct eth_addr mac;
	struct in6_addr pa;
	enum lr_rule rule;
	enum lr_type type;
	struct guid customer_id;
	char vm_name[64];
	char context[128];
	bool use_vm_mac;
};

struct customer_route {
	struct guid rdid;
	uint32_t vsid;
	struct in6_addr prefix;
	int plen;                /* family terms */
	struct in6_addr nexthop; /* unspecified = on-link */
	uint32_t metric;
};

struct provider_address {
	struct in6_addr pa;
	int plen;
	uint16_t vlan;       /* 0 = untagged */
	struct eth_addr mac; /* zero = use the uplink's MAC */
	uint32_t ifindex;
};

struct provider_route {
	struct in6_addr prefix;
	int plen;
	struct in6_addr nexthop; /* unspecified = on-link */
	uint32_t ifindex;
	uint32_t metric;
};

struct vswitch {
	char name[64];
	char netadapter[16]; /* Linux interface name */
};

struct vm_adapter {
	char vm[64];   /* VM name as given ("Contoso1") */
	char name[16]; /* adapter = interface name in the VM */
	char sw[64];   /* switch name */
	struct eth_addr mac;
	uint32_t vsid; /* 0 = not virtualized yet */
	int port;      /* runtime, owned by the agent: not persisted,
	                  not compared; -1 when not attached */
	/* runtime, owned by the agent: the namespace the adapter was
	 * attached in or last tried (netns_ident()), or 0 */
	uint64_t netns_id;
	/* runtime, owned by the agent: its TAP name is taken by another
	 * host's agent (a VM moving in): attach again soon */
	bool busy;
};

#define POLICY_MAX_WARN 8
struct pmsg {
	char err[512];
	int n_warn;
	char warn[POLICY_MAX_WARN][256];
};

struct policy;
struct policy *policy_create(void);
void policy_destroy(struct policy *); /* accepts NULL */
/* Removes everything. */
void policy_clear(struct policy *);

/* Filters for get/remove: a field takes part when its bit is set. */
enum {
	F_CA = 1 << 0,
	F_VSID = 1 << 1,
	F_MAC = 1 << 2,
	F_PA = 1 << 3,
	F_RDID = 1 << 4,
	F_PREFIX = 1 << 5,
	F_NEXTHOP = 1 << 6,
	F_VM = 1 << 7,
	F_NAME = 1 << 8,
	F_SWITCH = 1 << 9,
	F_TYPE = 1 << 10,
	F_IFINDEX = 1 << 11,
};
struct policy_filter {
	unsigned fields;
	struct in6_addr ca, pa, prefix, nexthop;
	int plen;
	uint32_t vsid;
	uint32_t ifindex;
	struct eth_addr mac;
	struct guid rdid;
	enum lr_type type;
	char vm[64], name[64], sw[64]; /* VM names compare case-insensitively */
};
bool policy_lr_match(const struct lookup_record *,
                     const struct policy_filter *);
bool policy_cr_match(const struct customer_route *,
                     const struct policy_filter *);
bool policy_pa_match(const struct provider_address *,
                     const struct policy_filter *);
bool policy_pr_match(const struct provider_route *,
                     const struct policy_filter *);
bool policy_vma_match(const struct vm_adapter *, const struct policy_filter *);

/* Each _foreach calls 'cb' in insertion order; stops early if cb returns
 * non-zero and returns that value.  'f' may be NULL (all). */
typedef int (*policy_lr_cb)(const struct lookup_record *, void *);
typedef int (*policy_cr_cb)(const struct customer_route *, void *);
typedef int (*policy_pa_cb)(const struct provider_address *, void *);
typedef int (*policy_pr_cb)(const struct provider_route *, void *);
typedef int (*policy_sw_cb)(const struct vswitch *, void *);
typedef int (*policy_vma_cb)(struct vm_adapter *, void *);

/* Lookup records.  _add: 0, -EEXIST (same VSID+CA, or same VSID+MAC for
 * L2Only), -EINVAL.  _remove: removes all matching, returns how many (0 if
 * none).  _set: replaces the one record whose (VSID, CA) or for L2Only
 * (VSID, MAC) equals 'rec''s with 'rec' (Set-...LookupRecord, e.g. a new
 * PA after migration): 0, -ENOENT, -EINVAL.
 *
 * Costs: add and set are O(VSIDs of the record's routing domain) (the
 * uniqueness checks probe each); remove and foreach with a filter on
 * (VSID, CA) probe one hash chain, with (VSID, MAC) or VSID alone they
 * walk that VSID's records, with anything else every record. */
int policy_lr_add(struct policy *, const struct lookup_record *, struct pmsg *);
int policy_lr_set(struct policy *, const struct lookup_record *, struct pmsg *);
int policy_lr_remove(struct policy *, const struct policy_filter *);
int policy_lr_foreach(const struct policy *, const struct policy_filter *,
                      policy_lr_cb, void *);
size_t policy_lr_count(const struct policy *);
/* Room for 'n' lookup records in the indexes (a store about to restore
 * that many): saves the rehashes, O(records held). */
void policy_lr_reserve(struct policy *, size_t n);

/* Every record has a sequence number: insertion order, unique, stable
 * across set (and across restarts, for whoever stores it).  'r' must be
 * a record held by the policy (from foreach, a walk, a lookup). */
uint64_t policy_lr_seq(const struct lookup_record *r);
/* Adds 'rec' with sequence number 'seq', which must be larger than any
 * the policy has handed out (a store restoring records in their order):
 * as policy_lr_add, or -ERANGE. */
int policy_lr_restore(struct policy *, const struct lookup_record *,
                      uint64_t seq, struct pmsg *);

/*
 * Stages: a group of lookup record changes (a batch) that readers see all
 * at once or not at all.
 *  1. policy_lr_begin() opens a stage.  Then policy_lr_add/set/remove and
 *     policy_lr_remove_rec change the writers' view (validation, foreach,
 *     walks, count, the next change) but not the readers' (policy_lr_by_ca,
 *     policy_lr_by_mac, policy_lr_gateway: the data path), which keeps
 *     seeing the records as they were;
 *  2. policy_lr_commit() makes all of it visible at once, in O(1); then
 *     policy_lr_finalize_step() hands each net change to a callback
 *     (removals first, then additions and replacements, with their seq)
 *     and frees removed records, 'budget' of them per call;
 *  3. or policy_lr_rollback_step() undoes the stage, 'budget' records per
 *     call; readers saw none of it.
 * From begin to the end of finalize or rollback nothing else may change
 * the policy (the agent runs one job at a time); the data path may read
 * it between any two calls.  A stage costs O(its changes), never
 * O(records): a set is the old node marked removed plus a new one.
 */
int policy_lr_begin(struct policy *); /* 0, or -EBUSY */
void policy_lr_commit(struct policy *);
enum policy_lr_change { POLICY_LR_PUT, POLICY_LR_DEL };
typedef void (*policy_lr_change_cb)(enum policy_lr_change, uint64_t seq,
                                    const struct lookup_record *, void *aux);
/* True while there is more to do. */
bool policy_lr_finalize_step(struct policy *, size_t budget,
                             policy_lr_change_cb, void *aux);
bool policy_lr_rollback_step(struct policy *, size_t budget);
/* A stage is open, or committed and not finalized, or rolling back. */
bool policy_lr_in_stage(const struct policy *);
/* Removes one record held by the policy (in a stage: marks it). */
void policy_lr_remove_rec(struct policy *, const struct lookup_record *);

/*
 * Walks: the records matching a filter, in seq order, a bounded number at
 * a time, resumable with a cursor (paged replies, removal by a filter
 * that no index serves).  The walk visits (VSID, CA): one hash probe;
 * VSID (with or without MAC): that VSID's records; anything else: all.
 * Between two steps only the walk's own callbacks may change the policy;
 * across a cursor anything may change: the walk resumes after the
 * cursor's record, found by its key (or, if it is gone, by skipping
 * records up to its seq from the start of the list).
 */
#define POLICY_LR_CURSOR_LEN 96
struct policy_lr_walk {
	struct policy_filter f;
	bool filtered;
	int mode;       /* private */
	uint64_t after; /* records with seq <= after are skipped */
	bool key_valid; /* the cursor named a record: resume there */
	uint32_t key_vsid;
	struct in6_addr key_ca;
	struct eth_addr key_mac;
	bool key_l2;
	const void *pos; /* private: next list element */
	bool started, done;
	uint64_t last_seq; /* the last record handed to the callback */
	uint32_t last_vsid;
	struct in6_addr last_ca;
	struct eth_addr last_mac;
	bool last_l2, have_last;
};
/* 'f' may be NULL; 'cursor' may be NULL (from the start).  0, or
 * -EINVAL with msg->err saying what is wrong with the cursor. */
int policy_lr_walk_init(struct policy_lr_walk *, const struct policy_filter *,
                        const char *cursor, struct pmsg *);
/* Visits up to 'budget' records (matching or not); calls 'cb' for each
 * match, stops after a match for which 'cb' returns non-zero.  'cb' may
 * remove the record it is given (policy_lr_remove_rec).  Returns the
 * number of records visited; 'w->done' once the end is reached. */
size_t policy_lr_walk_step(struct policy *, struct policy_lr_walk *,
                           size_t budget, policy_lr_cb cb, void *aux);
/* The cursor that resumes after the last record handed to 'cb'. */
void policy_lr_walk_cursor(const struct policy_lr_walk *,
                           char buf[POLICY_LR_CURSOR_LEN]);
const struct lookup_record *policy_lr_by_ca(const struct policy *,
                                            uint32_t vsid,
                                            const struct in6_addr *ca);
/* Prefers a record with a CA over an L2Only one. */
const struct lookup_record *policy_lr_by_mac(const struct policy *,
                                             uint32_t vsid,
                                             const struct eth_addr *mac);

/* The IP Rewrite (TranslationMethodNat) record whose own PA is 'pa', or
 * NULL.  Such PAs are unique among IP Rewrite records (validation). */
const struct lookup_record *policy_lr_nat_by_pa(const struct policy *,
                                                const struct in6_addr *pa);

/* The GatewayWildcard record (CA 0.0.0.0 or ::, of the family of 'like')
 * that takes what no other record or route of the routing domain of
 * 'vsid' matches: that of 'vsid' itself, else of 'vsid2' (0: none), else
 * the first of the routing domain's VSIDs; NULL if none.  O(VSIDs of the
 * domain) at most. */
const struct lookup_record *policy_lr_wildcard(const struct policy *,
                                               uint32_t vsid, uint32_t vsid2,
                                               const struct in6_addr *like);

/* The types of the records of (VSID, MAC), as a mask of 1 << lr_type
 * (0 if none): tells an adapter with an L2Only or GatewayWildcard record
 * (whose addresses are learnt or are anything behind a gateway) from one
 * with only CA records. */
unsigned policy_lr_mac_types(const struct policy *, uint32_t vsid,
                             const struct eth_addr *mac);

/* Prefetching for a batch of packets: at a million records a lookup is
 * two or three cache misses in a row (the hash bucket, then the node),
 * which a batch can overlap instead of paying one after the other.  Step
 * 0 prefetches the bucket of the key of policy_lr_by_ca() (or _by_mac());
 * step 1, issued for the same key after step 0 of the whole batch, reads
 * that bucket and prefetches the first node in it; step 2, after step 1
 * of the whole batch, the second node (at a load factor near 1, the key
 * is not first in its chain about half the time).  Hints only: the
 * lookups return the same with or without them. */
void policy_lr_prefetch_ca(const struct policy *, uint32_t vsid,
                           const struct in6_addr *ca, int step);
void policy_lr_prefetch_mac(const struct policy *, uint32_t vsid,
                            const struct eth_addr *mac, int step);

/* The L2Only records of 'vsid' as the data path sees them, in seq order,
 * until 'cb' returns non-zero: how many were visited.  O(1) for a VSID
 * without L2Only records, else O(records of the VSID). */
size_t policy_lr_l2only_foreach(const struct policy *, uint32_t vsid,
                                policy_lr_cb cb, void *aux);

/* Customer routes.  Key: (RDID, prefix).  _set replaces the route with
 * the same key. */
int policy_cr_add(struct policy *, const struct customer_route *,
                  struct pmsg *);
int policy_cr_set(struct policy *, const struct customer_route *,
                  struct pmsg *);
int policy_cr_remove(struct policy *, const struct policy_filter *);
int policy_cr_foreach(const struct policy *, const struct policy_filter *,
                      policy_cr_cb, void *);
/* RDID of a VSID (from its customer routes): true if known. */
bool policy_vsid_rdid(const struct policy *, uint32_t vsid, struct guid *rdid);
/* Longest-prefix match of 'dst' among the routes of 'rdid', or NULL. */
const struct customer_route *policy_cr_lookup(const struct policy *,
                                              const struct guid *rdid,
                                              const struct in6_addr *dst);
/* The on-link route of 'vsid' containing 'a' (its subnet), or NULL. */
const struct customer_route *policy_cr_subnet(const struct policy *,
                                              uint32_t vsid,
                                              const struct in6_addr *a);
/* True if 'a' is the first host address (".1", or "::1" of the prefix)
 * of an on-link customer route of 'vsid'. */
bool policy_is_gateway_ca(const struct policy *, uint32_t vsid,
                          const struct in6_addr *a);
/* The default-gateway lookup record of 'vsid' (the record of the first
 * host address of one of its on-link routes), preferring one whose PA is
 * one of this host's; NULL if none.  O(on-link subnets of the VSID), for
 * the router's MAC on the packet path. */
const struct lookup_record *policy_lr_gateway(const struct policy *,
                                              uint32_t vsid);

/* Provider addresses.  Key: the PA. */
int policy_pa_add(struct policy *, const struct provider_address *,
                  struct pmsg *);
int policy_pa_set(struct policy *, const struct provider_address *,
                  struct pmsg *);
int policy_pa_remove(struct policy *, const struct policy_filter *);
int policy_pa_foreach(const struct policy *, const struct policy_filter *,
                      policy_pa_cb, void *);
const struct provider_address *policy_pa_find(const struct policy *,
                                              const struct in6_addr *pa);
/* First local PA of the family of 'like' (IPv4 or IPv6), or NULL. */
const struct provider_address *policy_pa_first(const struct policy *,
                                               const struct in6_addr *like);

/* Provider routes.  Key: (prefix, nexthop). */
int policy_pr_add(struct policy *, const struct provider_route *,
                  struct pmsg *);
int policy_pr_remove(struct policy *, const struct policy_filter *);
int policy_pr_foreach(const struct policy *, const struct policy_filter *,
                      policy_pr_cb, void *);
const struct provider_route *policy_pr_lookup(const struct policy *,
                                              const struct in6_addr *dst);

/* Virtual switches.  Key: name (case-insensitive). */
int policy_sw_add(struct policy *, const struct vswitch *, struct pmsg *);
int policy_sw_remove(struct policy *, const char *name);
const struct vswitch *policy_sw_find(const struct policy *, const char *name);
int policy_sw_foreach(const struct policy *, policy_sw_cb, void *);

/* VM network adapters.  Key: (VM, name), VM case-insensitive.  _add
 * checks the switch exists.  _set replaces mac/vsid/sw of the adapter with
 * the same key (port is kept). */
int policy_vma_add(struct policy *, const struct vm_adapter *, struct pmsg *);
int policy_vma_set(struct policy *, const struct vm_adapter *, struct pmsg *);
int policy_vma_remove(struct policy *, const struct policy_filter *);
int policy_vma_foreach(struct policy *, const struct policy_filter *,
                       policy_vma_cb, void *);
struct vm_adapter *policy_vma_find(struct policy *, const char *vm,
                                   const char *name);
/* The adapter with this MAC in this VSID (a local port), or NULL. */
struct vm_adapter *policy_vma_by_mac(const struct policy *, uint32_t vsid,
                                     const struct eth_addr *mac);

/* Generation counter, bumped by every successful change (the data path
 * uses it to drop cached decisions). */
uint64_t policy_generation(const struct policy *);

#endif
