/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hash: fast non-cryptographic hashing for in-memory tables (hmap).
 *
 * The mixing is MurmurHash3 (x86, 32-bit): hash_add() folds one 32-bit
 * word into a running hash, hash_finish() avalanches it.  A caller that
 * hashes a fixed set of words chains hash_add() from a basis and finishes
 * with the byte count, which costs a few multiplies per word and no
 * branches; hash_bytes() does the same over any byte string.
 *
 * These hashes are not keyed: do not use them where an attacker chooses
 * many keys to collide (the policy tables hash operator-supplied keys).
 */
#ifndef LIB_HASH_H
#define LIB_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint32_t
hash_rot(uint32_t x, int k)
{
	return (x << k) | (x >> (32 - k));
}

/* Folds 'data' into 'hash'. */
static inline uint32_t
hash_add(uint32_t hash, uint32_t data)
{
	data *= 0xcc9e2d51;
	data = hash_rot(data, 15);
	data *= 0x1b873593;
	hash ^= data;
	hash = hash_rot(hash, 13);
	return hash * 5 + 0xe6546b64;
}

/* Final avalanche; 'n' is the number of bytes hashed. */
static inline uint32_t
hash_finish(uint32_t hash, uint32_t n)
{
	hash ^= n;
	hash ^= hash >> 16;
	hash *= 0x85ebca6b;
	hash ^= hash >> 13;
	hash *= 0xc2b2ae35;
	hash ^= hash >> 16;
	return hash;
}

static inline uint32_t
hash_uint32(uint32_t x, uint32_t basis)
{
	return hash_finish(hash_add(basis, x), 4);
}

static inline uint32_t
hash_2words(uint32_t a, uint32_t b, uint32_t basis)
{
	return hash_finish(hash_add(hash_add(basis, a), b), 8);
}

uint32_t hash_bytes(const void *, size_t n, uint32_t basis);
uint32_t hash_string(const char *, uint32_t basis);
/* ASCII case-insensitive: "HNVSwitch" and "hnvswitch" hash alike. */
uint32_t hash_string_nocase(const char *, uint32_t basis);

#endif
