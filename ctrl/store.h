/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store: where the controller keeps its objects, its change log and a few
 * named values (epoch, revision, next id), behind one interface, so that
 * a clustered backend (etcd: several controllers, one policy) comes in as
 * another struct store_ops without touching the API (api.c, hl.c) or the
 * validation (model.c, policy/).
 *
 * What model.c relies on:
 *  - one transaction per write: begin, then puts, deletes, changes and
 *    meta sets, then commit; a commit that returns 0 is durable (a
 *    kill -9 right after loses nothing), one that fails left nothing
 *    behind; rollback abandons an open transaction;
 *  - load gives every object once, in the order its callback must see
 *    them (what an object refers to first: hosts, switches, provider
 *    addresses and routes, VMs, adapters, customer routes, lookup
 *    records, then the high-level documents);
 *  - load_changes gives the change log after a revision, in order;
 *    trim drops it up to a revision;
 *  - the controller holds everything in memory and reads the store at
 *    start; a backend that several controllers share (store-etcd.c)
 *    also gives, in order, the revisions the others wrote (follow),
 *    and says when there are new ones (watch); its commit fails with
 *    'conflict' set when another controller wrote first (the caller
 *    catches up and runs the request again).
 */
#ifndef CTRL_STORE_H
#define CTRL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cerr;
struct cobj;
struct change;

/* The schema of the database this controller reads and writes: 2 adds
 * objects.owner (a schema 1 database is upgraded at open). */
#define STORE_SCHEMA "2"

typedef int (*store_load_cb)(int kind, uint64_t id, uint64_t rev,
                             uint64_t owner, const char *host, const char *text,
                             void *aux);
typedef void (*store_change_cb)(uint64_t rev, int kind, bool del,
                                const char *scope, const char *text, void *aux);

/* One revision another controller wrote, as its store calls were made:
 * put and del of objects, change-log entries, then done. */
struct store_follow_cb {
	int (*put)(int kind, uint64_t id, uint64_t rev, uint64_t owner,
	           const char *host, const char *text, void *aux);
	void (*del)(uint64_t id, void *aux);
	store_change_cb change;
	void (*done)(uint64_t rev, uint64_t next_id, bool structural,
	             void *aux);
};

struct store;
struct store_ops {
	const char *name;
	void (*close)(struct store *);
	int (*meta_get)(struct store *, const char *k, char *v, size_t len);
	int (*load)(struct store *, store_load_cb, void *aux);
	int (*load_changes)(struct store *, uint64_t after, store_change_cb,
	                    void *aux);
	/* 'rev': the revision the transaction writes (0: only meta
	 * values); 'structural': it changes what hosts need */
	int (*begin)(struct store *, uint64_t rev, bool structural);
	int (*put)(struct store *, const struct cobj *);
	int (*del)(struct store *, const struct cobj *);
	int (*change)(struct store *, const struct change *);
	int (*meta_set)(struct store *, const char *k, const char *v);
	int (*trim)(struct store *, uint64_t upto);
	int (*commit)(struct store *, struct cerr *);
	void (*rollback)(struct store *);
	/* Shared backends only (NULL otherwise): the revisions after
	 * 'after', in order: 0, or -ERANGE (revision after+1 is no longer
	 * kept: the caller must load everything again), -EIO. */
	int (*follow)(struct store *, uint64_t after,
	              const struct store_follow_cb *, void *aux);
	/* Calls 'notify' (from a thread of the store's) when another
	 * revision may have been written, at least every few seconds, with
	 * the store's revision when it knows it (a revision the caller has
	 * needs no catch-up), else 0. */
	int (*watch)(struct store *, void (*notify)(void *, uint64_t rev),
	             void *aux);
	/* Shared backends only: soft state, shared by the controllers but
	 * not a revision (gateways' heartbeats): 0, or -ENOENT, -EIO. */
	int (*soft_put)(struct store *, const char *k, const char *v);
	int (*soft_get)(struct store *, const char *k, char **v);
};

/* A backend's object starts with this. */
struct store {
	const struct store_ops *ops;
	/* the last commit failed because another controller had written
	 * a revision first (shared backends) */
	bool conflict;
};

/* Kinds in the order a load must add them: what an object refers to
 * comes before it; the high-level documents, which only name the
 * objects they own (objects.owner), after the low-level ones. */
#define STORE_NKINDS 15
extern const int store_load_order[STORE_NKINDS];

/* Opens the store named by 'where': "etcd:URL[,URL...]" is an etcd
 * cluster (store-etcd.c), anything else the path of a SQLite database
 * (store-sqlite.c).  0, or -1 with 'e' set. */
int store_open(struct store **, const char *where, struct cerr *e);
int store_open_sqlite(struct store **, const char *path, struct cerr *e);
/* 'urls': comma-separated client URLs of one etcd cluster; 'prefix':
 * where in its key space (NULL: store_etcd_prefix, which is NULL for
 * "/openhnv/" unless --etcd-prefix says otherwise). */
extern const char *store_etcd_prefix;
int store_open_etcd(struct store **, const char *urls, const char *prefix,
                    struct cerr *e);

static inline void
store_close(struct store *s)
{
	if (s)
		s->ops->close(s);
}
/* 0, or -ENOENT (no such value), -EIO. */
static inline int
store_meta_get(struct store *s, const char *k, char *v, size_t len)
{
	return s->ops->meta_get(s, k, v, len);
}
static inline int
store_load(struct store *s, store_load_cb cb, void *aux)
{
	return s->ops->load(s, cb, aux);
}
static inline int
store_load_changes(struct store *s, uint64_t after, store_change_cb cb,
                   void *aux)
{
	return s->ops->load_changes(s, after, cb, aux);
}
static inline int
store_begin(struct store *s, uint64_t rev, bool structural)
{
	s->conflict = false;
	return s->ops->begin(s, rev, structural);
}
static inline int
store_put(struct store *s, const struct cobj *o)
{
	return s->ops->put(s, o);
}
static inline int
store_del(struct store *s, const struct cobj *o)
{
	return s->ops->del(s, o);
}
static inline int
store_change(struct store *s, const struct change *c)
{
	return s->ops->change(s, c);
}
static inline int
store_meta_set(struct store *s, const char *k, const char *v)
{
	return s->ops->meta_set(s, k, v);
}
/* Deletes changes with rev <= 'upto'. */
static inline int
store_trim(struct store *s, uint64_t upto)
{
	return s->ops->trim(s, upto);
}
static inline int
store_commit(struct store *s, struct cerr *e)
{
	return s->ops->commit(s, e);
}
static inline void
store_rollback(struct store *s)
{
	s->ops->rollback(s);
}

static inline bool
store_shared(const struct store *s)
{
	return s->ops->follow != NULL;
}

#endif
