/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store: the agent's state on disk (--state PATH), a SQLite database in
 * WAL mode written by a thread of its own, so that a change costs
 * O(change) on disk and the event loop never waits for the disk.
 *
 * Layout (doc/agent.md, "Persistence"):
 *   lookup_record: one row per record, keyed by the policy's seq (the
 *     rowid, so rows read back in insertion order), addresses and names
 *     as text so that `sqlite3 PATH 'select * from lookup_record'` reads;
 *   meta: one row per small family ("switches", "vm_adapters",
 *     "provider_addresses", "provider_routes", "customer_routes", "vms"),
 *     its JSON array (policy/json.h), rewritten whole when it changes;
 *     and "controller", an object: where the agent is in its
 *     controller's stream (syncapply.c), written in the transaction of
 *     the changes that brought it there.
 *
 * Writing: the loop thread queues deltas (store_lr_put/del/clear,
 * store_meta_put) and closes a transaction with store_mark(), which
 * returns a ticket.  The writer thread commits all that is marked in one
 * SQLite transaction (group commit; synchronous=FULL, so a commit is on
 * disk when it returns), then reports the last durable ticket through
 * an eventfd (store_fd()).  A transaction that fails (disk full) is
 * reported failed and its deltas are tried again with the next commit.
 * Deltas of one ticket are never split across commits.
 *
 * Loading: store_open() imports a JSON state file of the previous
 * version (the whole policy in one JSON object) once: it writes a new
 * database next to it, keeps the JSON as PATH.v1.json, and renames the
 * database over PATH.  store_open_legacy() also imports one found at
 * the old default path when the database does not exist yet.
 *
 * Threading: store_open/load run before store_start; after it, the
 * delta calls and store_progress are for the loop thread only.
 */
#ifndef AGENT_STORE_H
#define AGENT_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "policy/policy.h"

struct store;

/* Opens (creating it if missing, unless 'readonly') the database at
 * 'path', importing a JSON state file found there first (not when
 * 'readonly').  0, or a negative errno with m->err saying why. */
int store_open(const char *path, bool readonly, struct store **,
               struct pmsg *m);
/* The same; if 'path' does not exist and 'legacy' is a JSON state file
 * (the previous version's default path), that is imported into 'path'
 * (and renamed LEGACY.v1.json). */
int store_open_legacy(const char *path, const char *legacy, bool readonly,
                      struct store **, struct pmsg *m);
/* Loads everything into 'pol' (empty) and 'vms' (an array of VM names).
 * 0, or -EINVAL with m->err naming the row and what is wrong. */
int store_load(struct store *, struct policy *pol, json_t *vms, struct pmsg *m);
/* After store_load: the "controller" row (an object), or NULL. */
const json_t *store_controller(const struct store *);
/* The state is a JSON file of the previous version (store_open with
 * 'readonly' does not import it): load it instead. */
bool store_is_json(const struct store *);
int store_load_json(const char *path, struct policy *, json_t *vms,
                    struct pmsg *);
/* The file it reads: the database, or the JSON file it would import. */
const char *store_path(const struct store *);
/* Starts the writer thread. */
int store_start(struct store *);
/* Writes what is queued, stops the thread, closes.  Accepts NULL. */
void store_close(struct store *);

/* Deltas, applied in order. */
void store_lr_put(struct store *, uint64_t seq, const struct lookup_record *);
void store_lr_del(struct store *, uint64_t seq);
void store_lr_clear(struct store *);
/* 'body' is a JSON array; the store takes ownership of the text. */
void store_meta_put(struct store *, const char *name, char *body);
/* Closes a transaction: returns its ticket (> 0, increasing). */
uint64_t store_mark(struct store *);

/* Readable when tickets were committed or failed. */
int store_fd(const struct store *);
/* Clears the eventfd and reports: every ticket <= *durable is on disk;
 * tickets in (*durable, *failed] failed with 'err'. */
void store_progress(struct store *, uint64_t *durable, uint64_t *failed,
                    char *err, size_t errlen);
/* Deltas queued and not yet committed (for status). */
size_t store_backlog(const struct store *);

#endif
