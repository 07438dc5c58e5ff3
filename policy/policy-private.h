/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy-private: the inside of struct policy, shared by the files that
 * implement policy.h (policy.c, lookup.c, route.c, provider.c,
 * adapter.c).  Nothing outside policy/ includes it.
 *
 * Every object lives in its own allocation (a *_node wrapping the public
 * struct), so pointers handed out stay put.  Each family keeps:
 *  - a doubly linked list in insertion order (foreach, O(1) removal);
 *  - hash indexes (hmap) or LPM tables for the lookups of policy.h.
 * VSIDs that have routes or records get a struct vsid_ent (its routing
 * domain, counters for the address-family rule, its on-link subnets);
 * routing domains with routes get a struct rdom (their route tables and
 * member VSIDs).  Both are freed when nothing refers to them any more, so
 * removing the last route of a VSID forgets its RDID.
 */
#ifndef POLICY_POLICY_PRIVATE_H
#define POLICY_POLICY_PRIVATE_H

#include <stdarg.h>
#include <string.h>

#include "lib/hash.h"
#include "lib/hmap.h"
#include "lib/util.h"
#include "policy/lpm.h"
#include "policy/policy.h"

/* A circular doubly linked list with a sentinel head. */
struct plist {
	struct plist *prev, *next;
};

static inline void
plist_init(struct plist *l)
{
	l->prev = l->next = l;
}

static inline bool
plist_is_empty(const struct plist *l)
{
	return l->next == l;
}

static inline void
plist_push_back(struct plist *l, struct plist *e)
{
	e->prev = l->prev;
	e->next = l;
	l->prev->next = e;
	l->prev = e;
}

static inline void
plist_remove(struct plist *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
}

/* Inserts 'e' right after 'pos'. */
static inline void
plist_insert_after(struct plist *pos, struct plist *e)
{
	e->prev = pos;
	e->next = pos->next;
	pos->next->prev = e;
	pos->next = e;
}

/* The hash nodes come first, then the flags and the record, so that a
 * probe touches the node's first two cache lines only: the chain links,
 * the flags, the CA, VSID, MAC and PA, the rule and the type.
 *
 * 'seq' orders records (insertion order: both lists are sorted by it) and
 * names a record across restarts (the agent's store keys rows by it).  A
 * record replaced inside a stage (set) and its replacement share a seq;
 * the replacement follows the old node in both lists.
 *
 * 'flags' (lookup.c, "Stages"): LR_STAGED, added by the open stage (or
 * by a committed one whose finalize has not reached it yet); LR_DOOMED,
 * removed by a stage, freed when the stage's finalize reaches it. */
enum { LR_STAGED = 1, LR_DOOMED = 2 };
struct lr_node {
	struct hmap_node ca_node;  /* lr_by_ca, unless L2Only */
	struct hmap_node mac_node; /* lr_by_mac */
	struct hmap_node nat_node; /* lr_nat_by_pa, if TranslationMethodNat */
	uint8_t flags;             /* here: a probe reads it (lr_visible) */
	struct lookup_record rec;
	struct plist order;         /* policy->lrs */
	struct plist vsid_order;    /* vsid_ent->lrs */
	struct hmap_node dca_node;  /* lr_by_dca, unless L2Only */
	struct hmap_node dmac_node; /* lr_by_dmac */
	uint64_t dom;               /* the domain key it is indexed under */
	uint64_t seq;
	uint32_t stage_idx; /* LR_STAGED: index in the stage's 'added' */
};

/* The changes of a stage (lookup.c), kept for rollback and finalize. */
enum lr_stage_state {
	LR_STAGE_NONE,
	LR_STAGE_OPEN,
	LR_STAGE_COMMITTED, /* visible; finalize pending */
	LR_STAGE_ROLLBACK,  /* being undone */
};
struct lr_stage {
	enum lr_stage_state state;
	struct lr_node **added; /* NULL where a staged node was dropped */
	size_t n_added, cap_added;
	struct lr_node **doomed; /* committed nodes this stage removes */
	size_t n_doomed, cap_doomed;
	size_t i_doomed, i_added; /* finalize / rollback progress */
};

struct cr_node {
	struct customer_route cr;
	struct plist order;
};

struct pa_node {
	struct provider_address pa;
	struct plist order;
	struct hmap_node node; /* pa_by_addr */
};

struct pr_node {
	struct provider_route pr;
	struct plist order;
};

struct sw_node {
	struct vswitch sw;
	struct plist order;
};

struct vma_node {
	struct vm_adapter vma;
	struct plist order;
	struct hmap_node key_node; /* vma_by_key: (VM, name) */
	struct hmap_node mac_node; /* vma_by_mac, if the MAC is not zero */
};

/* A routing domain: exists while it has customer routes. */
struct rdom {
	struct hmap_node node; /* policy->rdoms */
	struct guid rdid;
	uint64_t id;           /* its domain key (policy_dom_key) */
	struct lpm *routes[2]; /* [0] IPv4, [1] IPv6: struct cr_node */
	struct plist vsids;    /* struct vsid_ent.rd_order */
	size_t n_routes;
	size_t n_fam[2]; /* lookup records of its VSIDs, per CA family */
};

/* A VSID with customer routes or lookup records. */
struct vsid_ent {
	struct hmap_node node; /* policy->vsids */
	uint32_t vsid;
	struct rdom *rd;       /* NULL while it has no routes */
	struct plist rd_order; /* in rd->vsids */
	size_t n_routes;
	size_t n_recs;         /* lookup records (not doomed ones) */
	size_t n_l2only;       /* of which L2Only (writers' view) */
	struct plist lrs;      /* every lr_node of the VSID, by seq */
	size_t n_fam[2];       /* records with a CA family: [0] v4, [1] v6 */
	struct lpm *onlink[2]; /* on-link routes: struct cr_node */
	struct plist gws;      /* struct gw_ent.vsid_order */
};

/* A default-gateway CA (first host of an on-link route), refcounted
 * because nested on-link routes may share it. */
struct gw_ent {
	struct hmap_node node;   /* policy->gws */
	struct plist vsid_order; /* in vsid_ent.gws */
	uint32_t vsid;
	struct in6_addr ca;
	int refs;
};

struct policy {
	uint64_t generation;

	struct plist lrs;         /* every lr_node, by seq */
	size_t n_lr;              /* not counting doomed nodes */
	uint64_t lr_seq;          /* the last seq handed out */
	struct hmap lr_by_ca;     /* (VSID, CA) */
	struct hmap lr_by_mac;    /* (VSID, MAC) */
	struct hmap lr_nat_by_pa; /* IP Rewrite records by their own PA */
	struct hmap lr_by_dca;    /* (domain, CA): the uniqueness checks */
	struct hmap lr_by_dmac;   /* (domain, MAC) */
	struct lr_stage stage;

	struct plist crs;
	size_t n_cr;
	struct hmap rdoms; /* struct rdom by RDID */
	struct hmap vsids; /* struct vsid_ent by VSID */
	struct hmap gws;   /* struct gw_ent by (VSID, CA) */
	uint64_t next_rdom_id;

	struct plist pas;
	size_t n_pa;
	struct hmap pa_by_addr;

	struct plist prs;
	size_t n_pr;
	struct lpm *pr_lpm[2]; /* best route per prefix: struct pr_node */

	struct plist sws;
	size_t n_sw;

	struct plist vmas;
	size_t n_vma;
	struct hmap vma_by_key;
	struct hmap vma_by_mac; /* (VSID, MAC) */
};

#define VSID_MIN 4096
#define VSID_MAX 16777214

/* 0 for IPv4(-mapped), 1 for IPv6: the index of per-family arrays. */
static inline int
ip_fam(const struct in6_addr *a)
{
	return ip_is_v4(a) ? 0 : 1;
}

static inline const char *
fam_name(int fam)
{
	return fam ? "IPv6" : "IPv4";
}

/* Equal, or both unspecified (0.0.0.0 and :: alike). */
static inline bool
ip_same(const struct in6_addr *a, const struct in6_addr *b)
{
	return ip_equal(a, b) || (ip_is_unspec(a) && ip_is_unspec(b));
}

/* Not 0.0.0.0/::, loopback, multicast or (IPv4) class E/broadcast. */
static inline bool
policy_ip_is_unicast(const struct in6_addr *a)
{
	if (ip_is_v4(a)) {
		uint8_t b0 = a->s6_addr[12];

		return b0 != 0 && b0 != 127 && b0 < 224;
	}
	return !IN6_IS_ADDR_MULTICAST(a) && !IN6_IS_ADDR_LOOPBACK(a) &&
	       !IN6_IS_ADDR_UNSPECIFIED(a);
}

/* True if 's' is NUL-terminated within 'size' bytes. */
static inline bool
policy_str_fits(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* The hashes of the (VSID, address) indexes, inline: the data path
 * takes several a packet.  An IPv4(-mapped) address is hashed as its 4
 * bytes (the other 12 are the same for all of them). */
static inline uint32_t
policy_hash_vsid_ip(uint32_t vsid, const struct in6_addr *a)
{
	uint32_t w[4], h = vsid;

	memcpy(w, a, 16);
	if (ip_is_v4(a))
		return hash_finish(hash_add(h, w[3]), 8);
	for (int i = 0; i < 4; i++)
		h = hash_add(h, w[i]);
	return hash_finish(h, 20);
}

static inline uint32_t
policy_hash_vsid_mac(uint32_t vsid, const struct eth_addr *m)
{
	uint32_t w0, w1 = 0;

	memcpy(&w0, m->b, 4);
	memcpy(&w1, m->b + 4, 2);
	return hash_finish(hash_add(hash_add(vsid, w0), w1), 10);
}

/* Message helpers: 'msg' may be NULL. */
void policy_msg_reset(struct pmsg *);
void policy_err(struct pmsg *, const char *fmt, ...) PRINTF_FMT(2, 3);
void policy_warn(struct pmsg *, const char *fmt, ...) PRINTF_FMT(2, 3);

/* VSID bookkeeping (route.c). */
struct vsid_ent *policy_vsid_find(const struct policy *, uint32_t vsid);
struct vsid_ent *policy_vsid_get(struct policy *, uint32_t vsid);
void policy_vsid_put(struct policy *, struct vsid_ent *);
struct rdom *policy_rdom_find(const struct policy *, const struct guid *);

/* The key of the domain a VSID's records are unique in: its routing
 * domain's id, or the VSID itself (bit 63 set) while it has none. */
static inline uint64_t
policy_dom_key(const struct vsid_ent *ve)
{
	return ve->rd ? ve->rd->id : 1ull << 63 | ve->vsid;
}

/* Customer routes moved 've' into or out of a routing domain (ve->rd is
 * the new one, 'old' the old one or NULL): re-index its lookup records
 * under the new domain and move their family counts (lookup.c).
 * O(records of the VSID). */
void policy_lr_domain_changed(struct policy *, struct vsid_ent *ve,
                              struct rdom *old);

/* Lookup record checks that customer routes need (lookup.c): may the
 * records of 'vsid' join routing domain 'rd'?  'leaving' is a VSID about
 * to leave 'rd' (0 for none).  0 or -EINVAL with 'msg' set after
 * 'what'. */
int policy_lr_check_join(const struct policy *, uint32_t vsid,
                         const struct rdom *rd, uint32_t leaving,
                         const char *what, struct pmsg *);

/* Rule 5 for customer and provider routes (route.c): 0 or -EINVAL. */
int policy_check_prefix(const struct in6_addr *pfx, int plen,
                        const struct in6_addr *nexthop, const char *what,
                        struct pmsg *);
/* An unspecified next hop becomes the unspecified address of the
 * prefix's family (0.0.0.0 for IPv4). */
void policy_norm_nexthop(const struct in6_addr *pfx, struct in6_addr *nexthop);

/* Provider state the lookup record warnings need (provider.c). */
bool policy_pa_reachable(const struct policy *, const struct in6_addr *);
/* "192.168.0.11, 192.168.0.12" into 'buf'. */
const char *policy_pa_list(const struct policy *, char *buf, size_t size);
size_t policy_pa_count(const struct policy *);

/* A VSID may go once it has no routes and no lookup record nodes. */
static inline bool
policy_vsid_unused(const struct vsid_ent *ve)
{
	return !ve->n_routes && plist_is_empty(&ve->lrs);
}

/* Teardown helpers for policy_clear(), which calls them in this order:
 * lookup records, customer routes (which frees every vsid_ent), provider
 * state, switches and adapters. */
void policy_lr_clear(struct policy *);
void policy_cr_clear(struct policy *);
void policy_provider_clear(struct policy *);
void policy_adapter_clear(struct policy *);

#endif
