/* SPDX-License-Identifier: Apache-2.0 */
/*
 * neigh: the uplink's neighbour table: PA (or provider-route next hop)
 * -> MAC, resolved by ARP or ND from a local PA, as the kernel's
 * neighbour table does for its addresses (the kernel does not know our
 * PAs, so we keep our own).
 *
 * Rules:
 *  1. An entry is "active" once a packet has been sent, or is waiting to
 *     be sent, to it; it is "passive" while it was only learnt from a
 *     request addressed to one of our PAs (the asker will likely be
 *     talked to soon).  Each class is kept in least-recently-used order.
 *  2. The table grows on demand up to NEIGH_MAX entries (no fixed small
 *     table to thrash on a flat network with hundreds of PAs).  When it
 *     is full a new passive entry evicts the least recently used passive
 *     one and never an active one; a new active entry evicts a passive
 *     one if there is any, else the least recently used active one.  So
 *     no host on the segment can evict resolved next hops by ARPing.
 *  3. Passive entries are only made for askers inside the prefix of one
 *     of our PAs (nobody else can be a next hop without a route).
 *  4. Like the kernel's neighbour queue, the latest packet for an
 *     unresolved next hop waits (already encapsulated); it leaves when
 *     the answer comes, or is dropped after 3 s (pa_unresolved).
 *  5. Any ARP or NA from a neighbour refreshes its entry; a resolved
 *     entry is re-probed after 120 s without refresh, every 30 s, and
 *     forgotten after 600 s; an unresolved one is probed every second.
 * Entries are allocated as the table grows and recycled, never freed
 * before pipeline_destroy(): at most NEIGH_MAX allocations in a lifetime.
 */
#include "pipeline/internal.h"

#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"
#include "pkt/build.h"

#define NEIGH_STALE_NS (120ull * 1000000000ull)
#define NEIGH_EXPIRE_NS (600ull * 1000000000ull)
#define NEIGH_PROBE_NS (1000000000ull)
#define NEIGH_HOLD_NS (3ull * NEIGH_PROBE_NS)

static const struct eth_addr eth_bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

static uint32_t
neigh_hash(const struct in6_addr *ip)
{
	/* An IPv4(-mapped) address by its 4 bytes: one round, not four. */
	if (ip_is_v4(ip))
		return hash_uint32(ip_get_v4(ip), 0);
	return hash_bytes(ip, sizeof(*ip), 0);
}

void
neigh_init(struct pipeline *pl)
{
	hmap_init(&pl->neigh_map);
	list_init(&pl->neigh_active);
	list_init(&pl->neigh_passive);
	list_init(&pl->neigh_free);
	pl->n_neigh = 0;
}

static void
neigh_free_list(struct list *l)
{
	struct list *e;

	while ((e = list_front(l))) {
		list_remove(e);
		free(CONTAINER_OF(e, struct pl_neigh, lru));
	}
}

void
neigh_uninit(struct pipeline *pl)
{
	hmap_uninit(&pl->neigh_map);
	neigh_free_list(&pl->neigh_active);
	neigh_free_list(&pl->neigh_passive);
	neigh_free_list(&pl->neigh_free);
}

struct pl_neigh *
neigh_find(struct pipeline *pl, const struct in6_addr *ip)
{
	struct hmap_node *h;

	for (h = hmap_first_with_hash(&pl->neigh_map, neigh_hash(ip)); h;
	     h = hmap_next_with_hash(h)) {
		struct pl_neigh *n = CONTAINER_OF(h, struct pl_neigh, node);

		if (ip_equal(&n->ip, ip))
			return n;
	}
	return NULL;
}

static void
neigh_drop_pending(struct pipeline *pl, struct pl_neigh *n)
{
	if (n->pending) {
		pl_drop(pl, n->pending, DROP_PA_UNRESOLVED);
		n->pending = NULL;
	}
}

/* Forgets 'n' and puts it on the free list. */
static void
neigh_forget(struct pipeline *pl, struct pl_neigh *n)
{
	neigh_drop_pending(pl, n);
	fast_flush(pl); /* fast.c rule 3: decisions may name it */
	hmap_remove(&pl->neigh_map, &n->node);
	list_remove(&n->lru);
	list_push_back(&pl->neigh_free, &n->lru);
	pl->n_neigh--;
}

/* Rule 2: a fresh entry of class 'active', or NULL if the table is full
 * of entries that a passive one may not evict. */
static struct pl_neigh *
neigh_new(struct pipeline *pl, const struct in6_addr *ip, bool active)
{
	struct list *victim = NULL, *e;
	struct pl_neigh *n;

	if (pl->n_neigh >= NEIGH_MAX) {
		victim = list_front(&pl->neigh_passive);
		if (!victim && active)
			victim = list_front(&pl->neigh_active);
		if (!victim)
			return NULL;
		neigh_forget(pl, CONTAINER_OF(victim, struct pl_neigh, lru));
	}
	e = list_front(&pl->neigh_free);
	if (e) {
		list_remove(e);
		n = CONTAINER_OF(e, struct pl_neigh, lru);
	} else {
		n = xmalloc(sizeof(*n));
	}
	memset(n, 0, sizeof(*n));
	n->ip = *ip;
	n->active = active;
	n->updated_ns = time_ns();
	hmap_insert(&pl->neigh_map, &n->node, neigh_hash(ip));
	list_push_back(active ? &pl->neigh_active : &pl->neigh_passive,
	               &n->lru);
	pl->n_neigh++;
	return n;
}

struct pl_neigh *
neigh_for_tx(struct pipeline *pl, const struct in6_addr *ip)
{
	struct pl_neigh *n = neigh_find(pl, ip);

	if (!n)
		return neigh_new(pl, ip, true);
	neigh_touch(pl, n);
	return n;
}

void
neigh_touch(struct pipeline *pl, struct pl_neigh *n)
{
	/* Rule 1: used now, so most recently used of the active ones. */
	n->active = true;
	list_remove(&n->lru);
	list_push_back(&pl->neigh_active, &n->lru);
}

struct pa_prefix_search {
	const struct in6_addr *ip;
	const struct provider_address *found;
};

static int
pa_prefix_cb(const struct provider_address *pa, void *aux)
{
	struct pa_prefix_search *s = aux;

	if (ip_same_prefix(s->ip, &pa->pa, pa->plen)) {
		s->found = pa;
		return 1;
	}
	return 0;
}

const struct provider_address *
neigh_on_link_pa(const struct pipeline *pl, const struct in6_addr *ip)
{
	struct pa_prefix_search s = {.ip = ip};

	policy_pa_foreach(pl->pol, NULL, pa_prefix_cb, &s);
	return s.found;
}

bool
neigh_learn(struct pipeline *pl, const struct in6_addr *ip,
            const struct eth_addr *mac, uint16_t vlan, bool create)
{
	struct pl_neigh *n = neigh_find(pl, ip);

	if (!n && (!create || !neigh_on_link_pa(pl, ip)))
		return false;
	if (!n)
		n = neigh_new(pl, ip, false);
	if (!n)
		return false;
	if (!n->resolved || !eth_equal(&n->mac, mac) || n->vlan != vlan)
		fast_flush(pl); /* fast.c rule 3 */
	n->mac = *mac;
	n->vlan = vlan;
	n->resolved = true;
	n->updated_ns = time_ns();
	if (n->pending) {
		memcpy(n->pending->data, mac, 6);
		pl_emit(pl, PIPELINE_UPLINK, n->pending);
		n->pending = NULL;
	}
	return true;
}

void
neigh_hold(struct pipeline *pl, struct pl_neigh *n, struct pbuf *b)
{
	neigh_drop_pending(pl, n);
	n->pending = b;
}

void
neigh_probe(struct pipeline *pl, const struct provider_address *pa,
            struct pl_neigh *n)
{
	struct eth_addr mac;
	struct trace *tr;
	struct pbuf *b;
	size_t len;

	n->probed_ns = time_ns();
	b = pl_alloc(pl);
	if (!b)
		return;
	pl_pa_mac(pl, pa, &mac);
	if (ip_is_v4(&n->ip))
		len = build_arp(b->data, PBUF_FRAME_MAX, &eth_bcast, &mac,
		                pa->vlan, 1, &mac, &pa->pa,
		                &(struct eth_addr){{0}}, &n->ip);
	else
		len = build_nd_ns(b->data, PBUF_FRAME_MAX, &mac, pa->vlan,
		                  &pa->pa, &n->ip, &mac);
	if (!len) {
		pl_free(pl, b);
		return;
	}
	b->len = (uint32_t)len;
	/* Sent for real even while tracing: a trace of a packet to a new
	 * host leaves the next hop resolving, as real traffic would. */
	tr = pl->tr;
	pl->tr = NULL;
	pl_emit(pl, PIPELINE_UPLINK, b);
	pl->tr = tr;
}

bool
neigh_probe_due(const struct pl_neigh *n)
{
	return time_ns() - n->probed_ns > NEIGH_PROBE_NS;
}

/* Rule 5 over one class; both are walked in full once a second. */
static void
neigh_age(struct pipeline *pl, struct list *l, uint64_t now)
{
	struct list *e, *next;

	for (e = l->next; e != l; e = next) {
		struct pl_neigh *n = CONTAINER_OF(e, struct pl_neigh, lru);
		const struct provider_address *pa;

		next = e->next;
		if (now - n->updated_ns > NEIGH_EXPIRE_NS) {
			neigh_forget(pl, n);
			continue;
		}
		if (!n->resolved && now - n->updated_ns > NEIGH_HOLD_NS)
			neigh_drop_pending(pl, n);
		if (!n->active ||
		    (n->resolved && now - n->updated_ns < NEIGH_STALE_NS))
			continue;
		if (now - n->probed_ns <
		    (n->resolved ? 30 : 1) * NEIGH_PROBE_NS)
			continue;
		pa = neigh_on_link_pa(pl, &n->ip);
		if (!pa)
			pa = policy_pa_first(pl->pol, &n->ip);
		if (pa)
			neigh_probe(pl, pa, n);
	}
}

void
neigh_tick(struct pipeline *pl)
{
	uint64_t now = time_ns();

	neigh_age(pl, &pl->neigh_active, now);
	neigh_age(pl, &pl->neigh_passive, now);
}

static void
neigh_walk(const struct list *l, pipeline_neigh_cb cb, void *aux, uint64_t now)
{
	for (const struct list *e = l->next; e != l; e = e->next) {
		const struct pl_neigh *n =
		    CONTAINER_OF(e, struct pl_neigh, lru);
		struct neigh_info ni;

		ni.ip = n->ip;
		ni.mac = n->mac;
		ni.vlan = n->vlan;
		ni.resolved = n->resolved;
		ni.active = n->active;
		ni.age_ms = (now - n->updated_ns) / 1000000;
		cb(&ni, aux);
	}
}

void
pipeline_neigh_foreach(const struct pipeline *pl, pipeline_neigh_cb cb,
                       void *aux)
{
	uint64_t now = time_ns();

	neigh_walk(&pl->neigh_active, cb, aux, now);
	neigh_walk(&pl->neigh_passive, cb, aux, now);
}
