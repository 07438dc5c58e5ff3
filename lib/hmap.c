/* SPDX-License-Identifier: Apache-2.0 */
/* hmap: an intrusive hash map with incremental rehashing (see hmap.h). */
#include "lib/hmap.h"

#include <stdlib.h>

#include "lib/util.h"

void
hmap_init(struct hmap *map)
{
	map->buckets = &map->one;
	map->one = NULL;
	map->mask = 0;
	map->n = 0;
	map->old = NULL;
	map->old_mask = 0;
	map->rehash_idx = 0;
}

static void
free_table(struct hmap *map, struct hmap_node **t)
{
	if (t && t != &map->one)
		free(t);
}

void
hmap_uninit(struct hmap *map)
{
	if (!map)
		return;
	free_table(map, map->old);
	free_table(map, map->buckets);
}

void
hmap_clear(struct hmap *map)
{
	hmap_uninit(map);
	hmap_init(map);
}

/* Moves old bucket 'i' into the new table.  Pushing at the head reverses
 * a chain's order: nobody relies on chain order. */
static void
move_bucket(struct hmap *map, size_t i)
{
	struct hmap_node *node = map->old[i], *next;

	for (; node; node = next) {
		struct hmap_node **b = &map->buckets[node->hash & map->mask];

		next = node->next;
		node->next = *b;
		*b = node;
	}
	map->old[i] = NULL;
}

bool
hmap_rehash_step(struct hmap *map, size_t n)
{
	if (!map->old)
		return false;
	while (n-- && map->rehash_idx <= map->old_mask)
		move_bucket(map, map->rehash_idx++);
	if (map->rehash_idx > map->old_mask) {
		free_table(map, map->old);
		map->old = NULL;
		map->old_mask = 0;
		map->rehash_idx = 0;
		return false;
	}
	return true;
}

/* Starts moving every node into a table of 'new_mask' + 1 buckets; a
 * rehash still in progress is finished first. */
static void
start_rehash(struct hmap *map, size_t new_mask)
{
	hmap_rehash_step(map, SIZE_MAX);
	if (new_mask == map->mask)
		return;
	map->old = map->buckets;
	map->old_mask = map->mask;
	map->rehash_idx = 0;
	if (new_mask) {
		map->buckets = xcalloc(new_mask + 1, sizeof(*map->buckets));
	} else {
		map->one = NULL;
		map->buckets = &map->one;
	}
	map->mask = new_mask;
}

void
hmap_insert(struct hmap *map, struct hmap_node *node, uint32_t hash)
{
	struct hmap_node **b;

	if (map->old)
		hmap_rehash_step(map, HMAP_REHASH_STEP);
	b = (struct hmap_node **)hmap_bucket__(map, hash);
	node->hash = hash;
	node->next = *b;
	*b = node;
	if (++map->n > map->mask + 1)
		start_rehash(map, map->mask * 2 + 1);
}

void
hmap_remove(struct hmap *map, struct hmap_node *node)
{
	struct hmap_node **p =
	    (struct hmap_node **)hmap_bucket__(map, node->hash);

	while (*p != node)
		p = &(*p)->next;
	*p = node->next;
	map->n--;
}

void
hmap_reserve(struct hmap *map, size_t n)
{
	size_t mask = map->mask;

	while (mask + 1 < n)
		mask = mask * 2 + 1;
	if (mask != map->mask) {
		start_rehash(map, mask);
		hmap_rehash_step(map, SIZE_MAX);
	}
}

void
hmap_shrink(struct hmap *map)
{
	size_t mask;

	hmap_rehash_step(map, SIZE_MAX);
	mask = map->mask;
	while (mask && map->n * 4 < mask + 1)
		mask >>= 1;
	if (mask != map->mask) {
		start_rehash(map, mask);
		hmap_rehash_step(map, SIZE_MAX);
	}
}

/* The first node at or after bucket 'i' of the iteration order: the old
 * table's unmoved buckets (rehash_idx..old_mask) come first, numbered
 * 0..; then the new table's. */
static struct hmap_node *
hmap_first_in(const struct hmap *map, size_t i)
{
	size_t n_old = map->old ? map->old_mask + 1 - map->rehash_idx : 0;

	for (; i < n_old; i++)
		if (map->old[map->rehash_idx + i])
			return map->old[map->rehash_idx + i];
	for (i -= n_old; i <= map->mask; i++)
		if (map->buckets[i])
			return map->buckets[i];
	return NULL;
}

struct hmap_node *
hmap_first(const struct hmap *map)
{
	return hmap_first_in(map, 0);
}

struct hmap_node *
hmap_next(const struct hmap *map, const struct hmap_node *node)
{
	size_t n_old, i;

	if (node->next)
		return node->next;
	n_old = map->old ? map->old_mask + 1 - map->rehash_idx : 0;
	if (map->old && (node->hash & map->old_mask) >= map->rehash_idx)
		i = (node->hash & map->old_mask) - map->rehash_idx;
	else
		i = n_old + (node->hash & map->mask);
	return hmap_first_in(map, i + 1);
}
