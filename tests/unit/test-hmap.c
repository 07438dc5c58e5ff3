/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-hmap: the intrusive hash map and the hash functions: seeded random
 * inserts and removes against a plain array, forced collisions, iteration,
 * growth and shrinking, and the incremental rehash: bounded work per
 * insert, lookups, removal and iteration while two tables are live.
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

/* Each element present once in an iteration, and nothing else. */
static bool
iter_exact(const struct hmap *m, struct elem *es, int n)
{
	size_t seen = 0;
	bool ok = true;

	for (int i = 0; i < n; i++)
		es[i].in = false;
	for (struct hmap_node *p = hmap_first(m); p; p = hmap_next(m, p)) {
		struct elem *e = CONTAINER_OF(p, struct elem, node);

		ok &= !e->in;
		e->in = true;
		seen++;
	}
	return ok && seen == hmap_count(m);
}

/*
 * The incremental rehash:
 *  1. a rehash starts when the map holds more nodes than buckets, and
 *     the table size doubles at once (load factor stays <= 1);
 *  2. no insert moves more than HMAP_REHASH_STEP buckets, and a rehash
 *     is always over before the next must start;
 *  3. while it goes on, every node is found, removal works in either
 *     table, and iteration visits each node once, also when removing the
 *     current node.
 */
static void
test_hmap_rehash_incremental(void)
{
	enum { N = 5000 };
	struct elem *es = calloc(N, sizeof(*es));
	struct hmap m;
	int checked_mid = 0, forced = 0, overstep = 0, lost = 0;

	hmap_init(&m);
	for (int i = 0; i < N; i++) {
		size_t idx = m.rehash_idx, old_mask = m.old_mask;
		bool was = hmap_is_rehashing(&m);

		es[i].key = i;
		/* The insert moves its step first: would a new rehash still
		 * find this one unfinished? */
		if (was && m.old_mask + 1 - m.rehash_idx > HMAP_REHASH_STEP &&
		    m.n + 1 > m.mask + 1)
			forced++;
		hmap_insert(&m, &es[i].node, good_hash(i));
		if (was && hmap_is_rehashing(&m) && m.old_mask == old_mask &&
		    m.rehash_idx - idx > HMAP_REHASH_STEP)
			overstep++;
		CHECK(m.n <= m.mask + 1);
		if (!hmap_is_rehashing(&m) || m.rehash_idx == 0 ||
		    checked_mid > 40)
			continue;
		/* Mid-rehash: all found, iteration exact. */
		checked_mid++;
		for (int k = 0; k <= i; k++)
			lost += find(&m, k, good_hash) != &es[k];
		CHECK(iter_exact(&m, es, i + 1));
	}
	CHECK(checked_mid > 5);
	CHECK_EQ(forced, 0);
	CHECK_EQ(overstep, 0);
	CHECK_EQ(lost, 0);

	/* Drive to the middle of a rehash, then remove from both tables. */
	while (!hmap_is_rehashing(&m) || m.rehash_idx < (m.old_mask + 1) / 2) {
		struct elem *e = xcalloc(1, sizeof(*e));

		e->key = -1;
		hmap_insert(&m, &e->node, good_hash(-(int)m.n));
	}
	CHECK(hmap_is_rehashing(&m));
	{
		int in_old = 0, in_new = 0;

		for (int i = 0; i < N; i += 2) {
			if ((es[i].node.hash & m.old_mask) >= m.rehash_idx)
				in_old++;
			else
				in_new++;
			hmap_remove(&m, &es[i].node);
		}
		CHECK(in_old > 0 && in_new > 0);
	}
	for (int i = 0; i < N; i++)
		lost += find(&m, i, good_hash) != (i % 2 ? &es[i] : NULL);
	CHECK_EQ(lost, 0);
	CHECK(hmap_is_rehashing(&m)); /* removal never moves buckets */

	/* Remove the current node while iterating mid-rehash: all go. */
	{
		struct hmap_node *p, *next;
		size_t removed = 0, before = hmap_count(&m);

		for (p = hmap_first(&m); p; p = next) {
			struct elem *e = CONTAINER_OF(p, struct elem, node);

			next = hmap_next(&m, p);
			hmap_remove(&m, p);
			removed++;
			if (e->key < 0)
				free(e);
		}
		CHECK_EQ(removed, before);
		CHECK(hmap_is_empty(&m));
		CHECK(hmap_first(&m) == NULL);
	}
	/* Finishing by steps frees the old table. */
	while (hmap_rehash_step(&m, 7))
		;
	CHECK(!hmap_is_rehashing(&m));
	hmap_uninit(&m);
	free(es);
}

/* Random inserts and removes with a rehash often in progress, checked
 * against the truth after every step and by iteration at the end. */
static void
test_hmap_rehash_random(void)
{
	rng_state = 3;
	run(good_hash, 20000, 300000);
	rng_state = 4;
	run(bad_hash, 2000, 50000);
}

/* Reserving makes room at once: no rehash while filling up to it. */
static void
test_hmap_reserve(void)
{
	struct elem *es = calloc(3000, sizeof(*es));
	struct hmap m;
	int rehashing = 0;

	hmap_init(&m);
	hmap_reserve(&m, 3000);
	CHECK(m.mask + 1 >= 3000);
	CHECK(!hmap_is_rehashing(&m));
	for (int i = 0; i < 3000; i++) {
		es[i].key = i;
		hmap_insert(&m, &es[i].node, good_hash(i));
		rehashing += hmap_is_rehashing(&m);
	}
	CHECK_EQ(rehashing, 0);
	for (int i = 0; i < 3000; i++)
		CHECK(find(&m, i, good_hash) == &es[i]);
	hmap_reserve(&m, 10000); /* with nodes in it */
	CHECK(m.mask + 1 >= 10000);
	CHECK(iter_exact(&m, es, 3000));
	hmap_uninit(&m);
	free(es);
}

/* Shrinking during a rehash finishes it first. */
static void
test_hmap_shrink_mid_rehash(void)
{
	struct elem *es = calloc(1100, sizeof(*es));
	struct hmap m;

	hmap_init(&m);
	for (int i = 0; i < 1025; i++) {
		es[i].key = i;
		hmap_insert(&m, &es[i].node, good_hash(i));
	}
	CHECK(hmap_is_rehashing(&m));
	for (int i = 0; i < 1020; i++)
		hmap_remove(&m, &es[i].node);
	hmap_shrink(&m);
	CHECK(!hmap_is_rehashing(&m));
	CHECK(m.mask + 1 <= 32);
	for (int i = 1020; i < 1025; i++)
		CHECK(find(&m, i, good_hash) == &es[i]);
	CHECK(iter_exact(&m, es, 1025));
	hmap_uninit(&m);
	free(es);
}

const struct test_case tests[] = {
    TEST(test_hmap_random),
    TEST(test_hmap_collisions),
    TEST(test_hmap_empty),
    TEST(test_hmap_shrink),
    TEST(test_hmap_rehash_incremental),
    TEST(test_hmap_rehash_random),
    TEST(test_hmap_shrink_mid_rehash),
    TEST(test_hmap_reserve),
    TEST(test_hash_values),
    TEST(test_hash_spread),
    {0},
};
