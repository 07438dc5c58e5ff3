/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lpm: longest-prefix match over 128-bit keys, for customer and provider
 * routes.
 *
 * Keys are struct in6_addr with prefix lengths 0..128.  IPv4 routes go in
 * IPv4-mapped (::ffff:a.b.c.d) with ip_plen128(), i.e. 96 + the IPv4
 * length; callers keep IPv4 and IPv6 in separate tables (or check the
 * family of the result) so that an IPv6 ::/0 never answers for IPv4.
 *
 * The table is a path-compressed binary trie (PATRICIA), as in the
 * WireGuard allowedips and BSD radix code:
 *  1. every node holds a prefix (key masked to plen); a child's prefix
 *     extends its parent's, and the child slot is the bit at the parent's
 *     plen;
 *  2. a node either holds a value, or is a "glue" node with exactly two
 *     children (where two prefixes diverge), so the trie has fewer than
 *     2n nodes and its depth is at most 129;
 *  3. insert, remove and lookup are iterative (no recursion), O(depth),
 *     i.e. O(128) at worst and about log2(n) for random prefixes;
 *  4. lookups never allocate and do not modify the table.
 *
 * Ownership: the table stores 'value' pointers and never frees them.
 * Not thread-safe: one writer, readers between writes.
 */
#ifndef POLICY_LPM_H
#define POLICY_LPM_H

#include <netinet/in.h>
#include <stddef.h>

struct lpm;

struct lpm *lpm_create(void);
void lpm_destroy(struct lpm *); /* accepts NULL; does not free values */

/* Adds 'prefix'/'plen' (bits beyond plen are ignored) with 'value' (not
 * NULL).  Replace semantics: if the prefix is present its value becomes
 * 'value' and the old one is stored in '*old' (if 'old' is not NULL).
 * Returns 0 if added, 1 if replaced, -EINVAL for a bad plen or a NULL
 * value. */
int lpm_insert(struct lpm *, const struct in6_addr *prefix, int plen,
               void *value, void **old);
/* Removes 'prefix'/'plen': 0 (old value in '*old' if not NULL) or
 * -ENOENT (also for a bad plen). */
int lpm_remove(struct lpm *, const struct in6_addr *prefix, int plen,
               void **old);
/* The value of the longest prefix containing 'addr', or NULL. */
void *lpm_lookup(const struct lpm *, const struct in6_addr *addr);
/* Same, and the length of the matching prefix in '*plen'. */
void *lpm_lookup_plen(const struct lpm *, const struct in6_addr *addr,
                      int *plen);
/* The value stored for exactly 'prefix'/'plen', or NULL. */
void *lpm_lookup_exact(const struct lpm *, const struct in6_addr *prefix,
                       int plen);
size_t lpm_count(const struct lpm *);

#endif
