/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-hmap: the intrusive hash map and the hash functions: seeded random
 * inserts and removes against a plain array, forced collisions, iteration,
 * growth and shrinking.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"
#include "lib/hmap.h"
#include "lib/util.h"
#include "tests/unit/harness.h"

struct elem {
	struct hmap_node node;
	int key;
	bool in;
};

static uint64_t rng_state;

static uint32_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static struct elem *
find(const struct hmap *m, int key, uint32_t (*h)(int))
{
	for (struct hmap_node *n = hmap_first_with_hash(m, h(key)); n;
	     n = hmap_next_with_hash(n)) {
		struct elem *e = CONTAINER_OF(n, struct elem, node);

		if (e->key == key)
			return e;
	}
	return NULL;
}

static uint32_t
good_hash(int key)
{
	return hash_uint32((uint32_t)key, 0);
}

static uint32_t
bad_hash(int key)
{
	return (uint32_t)key % 7; /* many collisions */
}

static void
run(uint32_t (*h)(int), int n_keys, int ops)
{
	struct elem *elems = calloc((size_t)n_keys, sizeof(*elems));
	struct hmap m;
	size_t count = 0;
	long bad = 0;

	hmap_init(&m);
	for (int i = 0; i < n_keys; i++)
		elems[i].key = i;
	for (int op = 0; op < ops; op++) {
		int k = (int)(rng() % (uint32_t)n_keys);
		struct elem *e = &elems[k];

		if (rng() % 3) {
			if (!e->in) {
				hmap_insert(&m, &e->node, h(k));
				e->in = true;
				count++;
			}
		} else if (e->in) {
			hmap_remove(&m, &e->node);
			e->in = false;
			count--;
		}
		k = (int)(rng() % (uint32_t)n_keys);
		bad += find(&m, k, h) != (elems[k].in ? &elems[k] : NULL);
		bad += hmap_count(&m) != count;
		if (op % 997 == 0)
			hmap_shrink(&m);
	}
	CHECK_EQ(bad, 0);
	/* full iteration visits each present element once */
	size_t seen = 0;
	for (struct hmap_node *n = hmap_first(&m); n; n = hmap_next(&m, n)) {
		struct elem *e = CONTAINER_OF(n, struct elem, node);

		CHECK(e->in);
		e->in = false;
		seen++;
	}
	CHECK_EQ(seen, count);
	/* the load factor stays at most 1 while growing */
	CHECK(count <= m.mask + 1 || count == 0);
	hmap_uninit(&m);
	free(elems);
}

static void
test_hmap_random(void)
{
	rng_state = 1;
	run(good_hash, 1000, 100000);
	run(good_hash, 50000, 200000);
}

static void
test_hmap_collisions(void)
{
	rng_state = 2;
	run(bad_hash, 300, 30000);
}

static void
test_hmap_empty(void)
{
	struct hmap m;
	struct elem e = {.key = 5};

	hmap_init(&m);
	CHECK(hmap_is_empty(&m));
	CHECK(hmap_first(&m) == NULL);
	CHECK(hmap_first_with_hash(&m, 123) == NULL);
	hmap_insert(&m, &e.node, 123);
	CHECK(hmap_first(&m) == &e.node);
	CHECK(hmap_first_with_hash(&m, 123) == &e.node);
	CHECK(hmap_next_with_hash(&e.node) == NULL);
	hmap_remove(&m, &e.node);
	CHECK(hmap_is_empty(&m));
	hmap_uninit(&m);
}

static void
test_hmap_shrink(void)
{
	struct elem *es = calloc(4096, sizeof(*es));
	struct hmap m;

	hmap_init(&m);
	for (int i = 0; i < 4096; i++) {
		es[i].key = i;
		hmap_insert(&m, &es[i].node, good_hash(i));
	}
	CHECK(m.mask + 1 >= 4096);
	for (int i = 0; i < 4090; i++)
		hmap_remove(&m, &es[i].node);
	hmap_shrink(&m);
	CHECK(m.mask + 1 <= 32);
	for (int i = 4090; i < 4096; i++)
		CHECK(find(&m, i, good_hash) == &es[i]);
	for (int i = 4090; i < 4096; i++)
		hmap_remove(&m, &es[i].node);
	hmap_shrink(&m);
	CHECK_EQ(m.mask, 0);
	hmap_insert(&m, &es[0].node, good_hash(0));
	CHECK(find(&m, 0, good_hash) == &es[0]);
	hmap_clear(&m);
	CHECK(hmap_is_empty(&m));
	hmap_uninit(&m);
	free(es);
}

static void
test_hash_values(void)
{
	const char *a = "HNVSwitch", *b = "hnvswitch";
	uint8_t buf[37];

	CHECK_EQ(hash_string_nocase(a, 0), hash_string_nocase(b, 0));
	CHECK(hash_string(a, 0) != hash_string(b, 0));
	CHECK(hash_string(a, 0) != hash_string(a, 1));
	/* every length, every tail size: stable and length-sensitive */
	memset(buf, 0, sizeof(buf));
	for (size_t n = 1; n < sizeof(buf); n++)
		CHECK(hash_bytes(buf, n, 0) != hash_bytes(buf, n - 1, 0));
	CHECK(hash_uint32(1, 0) != hash_uint32(2, 0));
	CHECK(hash_2words(1, 2, 0) != hash_2words(2, 1, 0));
}

/* Consecutive keys spread over buckets: no bucket holds many. */
static void
test_hash_spread(void)
{
	int buckets[256] = {0}, max = 0;

	for (uint32_t i = 0; i < 25600; i++)
		buckets[hash_uint32(i, 0) & 255]++;
	for (int i = 0; i < 256; i++)
		max = buckets[i] > max ? buckets[i] : max;
	CHECK(max < 200);
}

const struct test_case tests[] = {
    TEST(test_hmap_random),
    TEST(test_hmap_collisions),
    TEST(test_hmap_empty),
    TEST(test_hmap_shrink),
    TEST(test_hash_values),
    TEST(test_hash_spread),
    {0},
};
