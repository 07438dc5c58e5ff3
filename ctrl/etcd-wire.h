/* SPDX-License-Identifier: Apache-2.0 */
/*
 * etcd-wire: what store-etcd.c reads from etcd's v3 JSON gateway and
 * from its own keys, as pure functions (no curl, no model), so that a
 * fuzz target (tests/fuzz/fuzz-etcd.c) can take them arbitrary bytes.
 */
#ifndef CTRL_ETCD_WIRE_H
#define CTRL_ETCD_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* base64 of 'n' bytes (malloc'd, NUL-terminated). */
char *etcd_b64(const void *p, size_t n);
/* The bytes of base64 text 'p' of length 'n', NUL-terminated (malloc'd),
 * their count in '*len'; NULL if it is not base64. */
char *etcd_unb64(const char *p, size_t n, size_t *len);

/* A range reply's text (NUL-terminated): its header's revision (0 if
 * none), whether there is more, and each key-value pair decoded, in
 * order, to 'cb' (its non-zero return stops the scan and is returned).
 * 0, or -1 (a key or value that is not base64), or cb's value.  The
 * reply is scanned, not parsed into a tree: etcd's gateway writes keys
 * and values in base64 and numbers as strings, so no string in it has a
 * quote or an escape. */
int etcd_scan_range(const char *text, int64_t *rev, bool *more, size_t *n,
                    int (*cb)(const char *k, size_t kl, const char *v,
                              size_t vl, void *aux),
                    void *aux);

/* An object's value, "kind TAB rev TAB owner TAB host NEWLINE json":
 * 0 with the fields ('kind' and 'host' NUL-terminated in the buffers;
 * host empty for none; '*json' points into 'v'), or -1. */
int etcd_obj_parse(const char *v, size_t len, char *kind, size_t kindlen,
                   uint64_t *rev, uint64_t *owner, char *host, size_t hostlen,
                   const char **json);

#endif
