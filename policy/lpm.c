/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lpm: a path-compressed binary trie over 128-bit keys (see lpm.h).  Keys
 * are kept as two host-order 64-bit words so that matching a node is two
 * XOR-and-mask operations and divergence is a count of leading zeros.
 */
#include "policy/lpm.h"

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

struct lpm_node {
	struct lpm_node *child[2];
	struct lpm_node *parent;
	uint64_t key[2]; /* masked to plen */
	void *value;     /* NULL in a glue node */
	int plen;
};

struct lpm {
	struct lpm_node *root;
	size_t n;
};

static void
key_load(uint64_t k[2], const struct in6_addr *a)
{
	uint64_t w[2];

	memcpy(w, a->s6_addr, 16);
	k[0] = be64toh(w[0]);
	k[1] = be64toh(w[1]);
}

static uint64_t
mask64(int bits)
{
	if (bits <= 0)
		return 0;
	if (bits >= 64)
		return ~(uint64_t)0;
	return ~(uint64_t)0 << (64 - bits);
}

static void
key_mask(uint64_t k[2], int plen)
{
	k[0] &= mask64(plen);
	k[1] &= mask64(plen - 64);
}

/* Bit 'i' (0 = most significant) of 'k'; i < 128. */
static int
key_bit(const uint64_t k[2], int i)
{
	return i < 64 ? (int)(k[0] >> (63 - i)) & 1
	              : (int)(k[1] >> (127 - i)) & 1;
}

/* True if the first 'plen' bits of 'a' and 'b' agree. */
static bool
key_match(const uint64_t a[2], const uint64_t b[2], int plen)
{
	return !(((a[0] ^ b[0]) & mask64(plen)) |
	         ((a[1] ^ b[1]) & mask64(plen - 64)));
}

/* Number of leading bits 'a' and 'b' share, at most 'max'. */
static int
key_common(const uint64_t a[2], const uint64_t b[2], int max)
{
	uint64_t x = a[0] ^ b[0];
	int n;

	if (x)
		n = __builtin_clzll(x);
	else if ((x = a[1] ^ b[1]))
		n = 64 + __builtin_clzll(x);
	else
		n = 128;
	return n < max ? n : max;
}

static struct lpm_node *
node_new(const uint64_t k[2], int plen, void *value, struct lpm_node *parent)
{
	struct lpm_node *n = xcalloc(1, sizeof(*n));

	n->key[0] = k[0];
	n->key[1] = k[1];
	key_mask(n->key, plen);
	n->plen = plen;
	n->value = value;
	n->parent = parent;
	return n;
}

/* The slot that points at 'n' (its parent's child, or the root). */
static struct lpm_node **
node_slot(struct lpm *t, struct lpm_node *n)
{
	if (!n->parent)
		return &t->root;
	return &n->parent->child[key_bit(n->key, n->parent->plen)];
}

struct lpm *
lpm_create(void)
{
	return xcalloc(1, sizeof(struct lpm));
}

void
lpm_destroy(struct lpm *t)
{
	struct lpm_node *n;

	if (!t)
		return;
	/* Post-order walk through parent pointers: no recursion, no stack. */
	n = t->root;
	while (n) {
		struct lpm_node *next;

		if (n->child[0]) {
			next = n->child[0];
			n->child[0] = NULL;
		} else if (n->child[1]) {
			next = n->child[1];
			n->child[1] = NULL;
		} else {
			next = n->parent;
			free(n);
		}
		n = next;
	}
	free(t);
}

/*
 * Insertion walks down while the node's prefix covers the new one, then:
 *  1. same prefix: set or replace the value;
 *  2. empty slot: a new leaf;
 *  3. the new prefix covers the node: the new node takes its place and
 *     adopts it;
 *  4. they diverge before either ends: a glue node at the divergence
 *     adopts both.
 */
int
lpm_insert(struct lpm *t, const struct in6_addr *prefix, int plen, void *value,
           void **old)
{
	struct lpm_node **slot = &t->root, *parent = NULL, *n, *nn;
	uint64_t k[2];
	int cl;

	if (plen < 0 || plen > 128 || !value)
		return -EINVAL;
	key_load(k, prefix);
	key_mask(k, plen);
	for (;;) {
		n = *slot;
		if (!n) {
			*slot = node_new(k, plen, value, parent);
			t->n++;
			return 0;
		}
		cl = key_common(n->key, k, MIN(n->plen, plen));
		if (cl == n->plen && n->plen == plen) {
			if (n->value) {
				if (old)
					*old = n->value;
				n->value = value;
				return 1;
			}
			n->value = value;
			t->n++;
			return 0;
		}
		if (cl < n->plen)
			break;
		parent = n;
		slot = &n->child[key_bit(k, n->plen)];
	}
	if (cl == plen) {
		nn = node_new(k, plen, value, parent);
		nn->child[key_bit(n->key, plen)] = n;
	} else {
		nn = node_new(k, cl, NULL, parent);
		nn->child[key_bit(n->key, cl)] = n;
		nn->child[key_bit(k, cl)] = node_new(k, plen, value, nn);
	}
	n->parent = nn;
	*slot = nn;
	t->n++;
	return 0;
}

static struct lpm_node *
find_exact(const struct lpm *t, const uint64_t k[2], int plen)
{
	struct lpm_node *n = t->root;

	while (n && n->plen <= plen && key_match(n->key, k, n->plen)) {
		if (n->plen == plen)
			return n->value ? n : NULL;
		n = n->child[key_bit(k, n->plen)];
	}
	return NULL;
}

/* Replaces 'n', which has at most one child, by that child; frees 'n'. */
static void
splice(struct lpm *t, struct lpm_node *n)
{
	struct lpm_node *c = n->child[0] ? n->child[0] : n->child[1];

	*node_slot(t, n) = c;
	if (c)
		c->parent = n->parent;
	free(n);
}

/*
 * Removal keeps invariant 2: a node left without a value is spliced out
 * if it has fewer than two children, and so is a glue parent left with
 * a single child.
 */
int
lpm_remove(struct lpm *t, const struct in6_addr *prefix, int plen, void **old)
{
	struct lpm_node *n, *parent;
	uint64_t k[2];

	if (plen < 0 || plen > 128)
		return -ENOENT;
	key_load(k, prefix);
	key_mask(k, plen);
	n = find_exact(t, k, plen);
	if (!n)
		return -ENOENT;
	if (old)
		*old = n->value;
	n->value = NULL;
	t->n--;
	if (n->child[0] && n->child[1])
		return 0;
	parent = n->parent;
	splice(t, n);
	if (parent && !parent->value && !(parent->child[0] && parent->child[1]))
		splice(t, parent);
	return 0;
}

void *
lpm_lookup_plen(const struct lpm *t, const struct in6_addr *addr, int *plen)
{
	const struct lpm_node *n = t->root, *best = NULL;
	uint64_t k[2];

	key_load(k, addr);
	while (n && key_match(n->key, k, n->plen)) {
		if (n->value)
			best = n;
		if (n->plen == 128)
			break;
		n = n->child[key_bit(k, n->plen)];
	}
	if (!best)
		return NULL;
	if (plen)
		*plen = best->plen;
	return best->value;
}

void *
lpm_lookup(const struct lpm *t, const struct in6_addr *addr)
{
	return lpm_lookup_plen(t, addr, NULL);
}

void *
lpm_lookup_exact(const struct lpm *t, const struct in6_addr *prefix, int plen)
{
	struct lpm_node *n;
	uint64_t k[2];

	if (plen < 0 || plen > 128)
		return NULL;
	key_load(k, prefix);
	key_mask(k, plen);
	n = find_exact(t, k, plen);
	return n ? n->value : NULL;
}

size_t
lpm_count(const struct lpm *t)
{
	return t->n;
}
