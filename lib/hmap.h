/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hmap: an intrusive hash map, after Open vSwitch's lib/hmap.h, that grows
 * by incremental rehashing (after Redis's dict.c), so that no single
 * insert pays for moving the whole map.
 *
 * The caller embeds a struct hmap_node in its own object, computes the
 * key's hash (lib/hash.h) and inserts the node; the map never allocates
 * nodes and never compares keys.  A lookup walks the nodes with one hash:
 *
 *	for (n = hmap_first_with_hash(&map, h); n;
 *	     n = hmap_next_with_hash(n)) {
 *		struct thing *t = CONTAINER_OF(n, struct thing, node);
 *		if (t->key == key)
 *			return t;
 *	}
 *
 * Invariants and costs:
 *  1. The bucket array has a power-of-two size; when an insert makes the
 *     map hold more nodes than buckets, a table twice as large is
 *     allocated and the map enters a rehash: from then on each insert
 *     also moves a few buckets (HMAP_REHASH_STEP) from the old table to
 *     the new one, in bucket order, until none is left.  Insert, remove
 *     and lookup are O(1) on average and an insert never costs more than
 *     a bounded number of bucket moves (at 1M nodes a one-shot doubling
 *     stopped the caller for about 140 ms; see doc/PERFORMANCE.md).
 *  2. During a rehash a node lives in the old table if its old bucket
 *     (hash & old_mask) has not been moved yet (>= rehash_idx), else in
 *     the new one: a lookup probes exactly one chain.  A rehash is over
 *     before the next one must start (each insert moves more than one
 *     bucket), and if it is not, the new one first finishes it.
 *  3. Only inserts move nodes.  Removal never does and the map never
 *     shrinks by itself, so removing while iterating is safe as long as
 *     the removed node is the current one and the caller took the next
 *     node first.  hmap_shrink() halves the table when sparse (in one go:
 *     O(n), for maps that emptied; nobody calls it on a hot path).
 *  4. An empty map owns no memory (the single initial bucket lives in the
 *     struct), so hmap_init() cannot fail and cheap maps cost nothing.
 *  5. Several nodes may share a hash, and several may share a key: the
 *     map does not care; uniqueness is the caller's business.
 *
 * Iteration (hmap_first/hmap_next) visits the old table's remaining
 * buckets, then the new table, each node once, as long as nothing is
 * inserted meanwhile.
 *
 * Ownership: the map owns only its bucket arrays; hmap_uninit() frees
 * them, never the nodes.  An unexpanded map points into itself, so never
 * copy a struct hmap by value.  Not thread-safe: callers serialize.
 */
#ifndef LIB_HMAP_H
#define LIB_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hmap_node {
	struct hmap_node *next; /* next in the bucket's chain */
	uint32_t hash;
};

struct hmap {
	struct hmap_node **buckets; /* the current table */
	struct hmap_node *one;      /* the bucket of an unexpanded map */
	size_t mask;                /* number of buckets - 1 */
	size_t n;                   /* number of nodes */
	/* While rehashing (old != NULL): the previous table, whose buckets
	 * below rehash_idx have been moved to 'buckets' already. */
	struct hmap_node **old;
	size_t old_mask;
	size_t rehash_idx;
};

/* Buckets moved from the old table per insert during a rehash. */
#define HMAP_REHASH_STEP 4

void hmap_init(struct hmap *);
void hmap_uninit(struct hmap *); /* frees the buckets, not the nodes */
/* Removes every node (without touching them) and frees the buckets. */
void hmap_clear(struct hmap *);

static inline size_t
hmap_count(const struct hmap *map)
{
	return map->n;
}

static inline bool
hmap_is_empty(const struct hmap *map)
{
	return map->n == 0;
}

static inline bool
hmap_is_rehashing(const struct hmap *map)
{
	return map->old != NULL;
}

/* Inserts 'node' with 'hash' (which it stores in the node). */
void hmap_insert(struct hmap *, struct hmap_node *, uint32_t hash);
/* Removes 'node', which must be in the map. */
void hmap_remove(struct hmap *, struct hmap_node *);
/* Grows the bucket array to hold 'n' nodes without a rehash (a caller
 * that knows how many are coming: loading a saved table).  In one go:
 * O(nodes in the map), cheap on an empty one. */
void hmap_reserve(struct hmap *, size_t n);
/* Halves the bucket array while it holds 4x more buckets than nodes
 * (finishing a rehash first).  O(n). */
void hmap_shrink(struct hmap *);
/* Moves up to 'n' buckets of a rehash in progress (for a caller with
 * idle time; inserts do it anyway).  True while the rehash goes on. */
bool hmap_rehash_step(struct hmap *, size_t n);

/* The chain that holds (or would hold) nodes with 'hash'. */
static inline struct hmap_node *const *
hmap_bucket__(const struct hmap *map, uint32_t hash)
{
	if (map->old && (hash & map->old_mask) >= map->rehash_idx)
		return &map->old[hash & map->old_mask];
	return &map->buckets[hash & map->mask];
}

/* The first node with 'hash', or NULL; then the next with the same hash. */
static inline struct hmap_node *
hmap_next_with_hash__(struct hmap_node *node, uint32_t hash)
{
	while (node && node->hash != hash)
		node = node->next;
	return node;
}

static inline struct hmap_node *
hmap_first_with_hash(const struct hmap *map, uint32_t hash)
{
	return hmap_next_with_hash__(*hmap_bucket__(map, hash), hash);
}

static inline struct hmap_node *
hmap_next_with_hash(const struct hmap_node *node)
{
	return hmap_next_with_hash__(node->next, node->hash);
}

/* Iteration over every node, in no particular order. */
struct hmap_node *hmap_first(const struct hmap *);
struct hmap_node *hmap_next(const struct hmap *, const struct hmap_node *);

/* Loops.  HMAP_FOR_EACH_SAFE allows removing 'node' in the body. */
#define HMAP_FOR_EACH_WITH_HASH(node, hash, map)                               \
	for ((node) = hmap_first_with_hash(map, hash); (node);                 \
	     (node) = hmap_next_with_hash(node))
#define HMAP_FOR_EACH(node, map)                                               \
	for ((node) = hmap_first(map); (node); (node) = hmap_next(map, node))
#define HMAP_FOR_EACH_SAFE(node, next, map)                                    \
	for ((node) = hmap_first(map);                                         \
	     (node) && ((next) = hmap_next(map, node), 1); (node) = (next))

#endif
