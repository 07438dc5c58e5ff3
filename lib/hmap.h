/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hmap: an intrusive hash map, after Open vSwitch's lib/hmap.h.
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
 *  1. The bucket array has a power-of-two size; hmap_insert() doubles it
 *     when the map holds more nodes than buckets, so chains stay short and
 *     insert, remove and lookup are O(1) on average (O(n) to rehash, which
 *     amortizes to O(1) per insert).
 *  2. The map never shrinks by itself (so removing while iterating is
 *     safe as long as the removed node is the current one and the caller
 *     took the next node first); hmap_shrink() halves it when sparse.
 *  3. An empty map owns no memory (the single initial bucket lives in the
 *     struct), so hmap_init() cannot fail and cheap maps cost nothing.
 *  4. Several nodes may share a hash, and several may share a key: the
 *     map does not care; uniqueness is the caller's business.
 *
 * Ownership: the map owns only its bucket array; hmap_uninit() frees
 * that, never the nodes.  An unexpanded map points into itself, so never
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
	struct hmap_node **buckets;
	struct hmap_node *one; /* the bucket of an unexpanded map */
	size_t mask;           /* number of buckets - 1 */
	size_t n;              /* number of nodes */
};

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

/* Inserts 'node' with 'hash' (which it stores in the node). */
void hmap_insert(struct hmap *, struct hmap_node *, uint32_t hash);
/* Removes 'node', which must be in the map. */
void hmap_remove(struct hmap *, struct hmap_node *);
/* Halves the bucket array while it holds 4x more buckets than nodes. */
void hmap_shrink(struct hmap *);

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
	return hmap_next_with_hash__(map->buckets[hash & map->mask], hash);
}

static inline struct hmap_node *
hmap_next_with_hash(const struct hmap_node *node)
{
	return hmap_next_with_hash__(node->next, node->hash);
}

/* Iteration over every node, in no particular order. */
struct hmap_node *hmap_first(const struct hmap *);
struct hmap_node *hmap_next(const struct hmap *, const struct hmap_node *);

#endif
