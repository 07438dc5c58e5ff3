/* SPDX-License-Identifier: Apache-2.0 */
/* hmap: an intrusive, growing hash map (see hmap.h). */
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
}

void
hmap_uninit(struct hmap *map)
{
	if (map && map->buckets != &map->one)
		free(map->buckets);
}

void
hmap_clear(struct hmap *map)
{
	hmap_uninit(map);
	hmap_init(map);
}

/* Moves every node into a new array of 'new_mask' + 1 buckets.  Chains
 * are rebuilt by pushing at the head, which reverses their order: nobody
 * relies on chain order. */
static void
hmap_resize(struct hmap *map, size_t new_mask)
{
	struct hmap_node **nb;

	nb = new_mask ? xcalloc(new_mask + 1, sizeof(*nb)) : &map->one;
	if (!new_mask)
		map->one = NULL;
	for (size_t i = 0; i <= map->mask; i++) {
		struct hmap_node *node = map->buckets[i], *next;

		for (; node; node = next) {
			struct hmap_node **b = &nb[node->hash & new_mask];

			next = node->next;
			node->next = *b;
			*b = node;
		}
	}
	if (map->buckets != &map->one)
		free(map->buckets);
	map->buckets = nb;
	map->mask = new_mask;
}

void
hmap_insert(struct hmap *map, struct hmap_node *node, uint32_t hash)
{
	struct hmap_node **b = &map->buckets[hash & map->mask];

	node->hash = hash;
	node->next = *b;
	*b = node;
	if (++map->n > map->mask + 1)
		hmap_resize(map, map->mask * 2 + 1);
}

void
hmap_remove(struct hmap *map, struct hmap_node *node)
{
	struct hmap_node **p = &map->buckets[node->hash & map->mask];

	while (*p != node)
		p = &(*p)->next;
	*p = node->next;
	map->n--;
}

void
hmap_shrink(struct hmap *map)
{
	size_t mask = map->mask;

	while (mask && map->n * 4 < mask + 1)
		mask >>= 1;
	if (mask != map->mask)
		hmap_resize(map, mask);
}

static struct hmap_node *
hmap_first_in(const struct hmap *map, size_t i)
{
	for (; i <= map->mask; i++)
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
	if (node->next)
		return node->next;
	return hmap_first_in(map, (node->hash & map->mask) + 1);
}
