/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctrl: hnv-controller, the central policy store (doc/controller.md).
 *
 * Threads: libmicrohttpd's one polling thread runs every request, so the
 * model below has one writer and no locks; a ticker thread only wakes
 * long polls whose time is up (under 'waitlock').
 *
 *   http.c   libmicrohttpd glue: bodies, limits, the token, routing,
 *            JSON replies, long polls
 *   api.c    the REST resources (low level: the cmdlets' families)
 *   hl.c     the high-level resources (MS-NCNBI: logicalNetworks,
 *            macPools, servers, virtualNetworks, networkInterfaces) and
 *            the low-level objects they derive (hl.h)
 *   hl-doc.c their documents: validation, completion, allocation
 *   hl-gw.c  the gateways and virtualGateways of doc/gateway.md: their
 *            documents, heartbeats, and the config a gateway reads
 *   model.c  the objects in memory, validation (policy/), writes with
 *            undo, the change log, what each host needs (interest)
 *   feed.c   the agents' change streams and snapshots
 *   store.h  the store interface: what a backend (store-sqlite.c, the
 *            embedded default; etcd later) must do
 */
#ifndef CTRL_CTRL_H
#define CTRL_CTRL_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/hmap.h"
#include "policy/names.h"
#include "policy/policy.h"

/* Kinds beyond the policy families of policy/names.h: hosts, then the
 * high-level documents (hl.c), stored like every object but never pushed
 * to agents (no scope, no change-log entry). */
#define CK_HOST PK_N
#define CK_LN (PK_N + 1)      /* logicalNetworks */
#define CK_MACPOOL (PK_N + 2) /* macPools */
#define CK_SERVER (PK_N + 3)  /* servers */
#define CK_VNET (PK_N + 4)    /* virtualNetworks */
#define CK_NIC (PK_N + 5)     /* networkInterfaces */
#define CK_GW (PK_N + 6)      /* gateways (doc/gateway.md) */
#define CK_VGW (PK_N + 7)     /* virtualGateways */
#define CK_N (PK_N + 8)

static inline bool
ckind_hl(int kind)
{
	return kind >= CK_LN && kind < CK_N;
}

/* Object ids in id order, with holes; binary search by id. */
struct idvec {
	uint64_t *ids;
	struct cobj **objs; /* NULL: removed */
	size_t n, cap, live;
};

/* Objects a host may need, grouped: "v:VSID" (lookup records), "r:RDID"
 * (customer routes), "h:HOST" (everything scoped to a host, and the
 * default-gateway records of its PAs). */
struct scope {
	struct hmap_node node;
	char key[64];
	struct idvec objs;
};

struct cobj {
	struct hmap_node by_id, by_key;
	uint64_t id, rev;
	/* the high-level object this one is derived from (0: none, made
	 * through the low-level API): only it changes or removes this one */
	uint64_t owner;
	int kind;           /* enum pkind, CK_HOST or a high-level kind */
	struct chost *host; /* host-scoped objects, default-gateway records */
	struct scope *scope;
	bool gw; /* a default-gateway lookup record */
	char key[192];
	union {
		struct lookup_record lr;
		struct customer_route cr;
		struct provider_address pa;
		struct provider_route pr;
		struct vswitch sw;
		struct vm_adapter vma;
		char vm[64];
		char host[64];
		struct {
			char rid[80]; /* resourceId */
			json_t *doc;  /* the stored document (hl.c) */
		} hl;
	} u;
};

/* A scope a host needs, or needed: since = the revision it began,
 * until = the revision it ended (0: still needed). */
struct interest {
	struct hmap_node node;
	char key[64];
	uint64_t since, until;
	bool mark;
};

struct chost {
	struct hmap_node node;
	const struct model *md;
	struct cobj *obj; /* its CK_HOST object */
	char name[64];
	struct policy *pol; /* PAs, provider routes, switches, adapters */
	struct hmap interest;
	uint64_t interest_rev; /* the last commit that changed 'interest' */
	bool dirty;            /* in md->dirty: the commit may change it */
	/* the agent */
	bool registered;
	char version[64], encap[16];
	uint64_t applied;   /* revision it asked after, last time */
	uint64_t last_seen; /* time_ns() */
	int polling;        /* long polls waiting */
	/* a snapshot being paged out */
	bool snap;
	uint64_t snap_rev;
	char (*snap_scopes)[64];
	size_t snap_n, snap_i;
	uint64_t snap_after; /* last object id given in scope snap_i */
};

struct change {
	uint64_t rev;
	int kind;
	bool del;
	char scope[64];
	char *text; /* the object, agent keys, compact JSON */
};

struct store;

struct model {
	uint64_t rev, next_id;
	char epoch[40];
	struct policy *dc; /* lookup records and customer routes */
	struct hmap by_id, by_key, scopes, hosts;
	struct hmap owned; /* struct scope by "o:ID": the objects ID owns */
	struct hmap vmas;  /* struct scope by VM name (lower case): its
	                    * adapters, on whatever hosts */
	struct hmap vnet_vsids;    /* struct vsid_ref: the VSIDs of the
	                            * virtual networks' subnets */
	struct hmap nic_refs;      /* struct scope: the interfaces (high
	                            * level) by what they refer to */
	struct hmap macs;          /* struct mac_ref: the MACs of adapters and
	                            * lookup records, with how many use each */
	uint32_t vsid_lo, vsid_hi; /* --vsid-range, for the high level */
	/* --gateway-dead-after (ns), and when the controller started
	 * (time_ns()): the heartbeat failover of doc/gateway.md */
	uint64_t gw_dead_after, started;
	struct idvec by_kind[CK_N];
	/* the change log: revisions (log_start, rev] */
	struct change *log;
	size_t log_n, log_cap, log_max;
	uint64_t log_start;
	/* the last commit that recomputed every host's interest */
	uint64_t structural_rev;
	/* the hosts whose interest the commit being made may change (their
	 * adapters, or routes of the VM networks they are in, changed), or
	 * all of them */
	struct chost **dirty;
	size_t dirty_n, dirty_cap, dirty_routes;
	bool dirty_all;
	struct store *db;
	/* a commit lost to another controller's (shared stores): catch up
	 * with model_follow() and run the request again */
	bool stale;
	/* held by whoever reads or changes the model: the HTTP thread for
	 * each request, the store's watch thread while it follows */
	pthread_mutex_t lock;
};

/* ------------------------------------------------------------------ */
/* idvec */
void idvec_push(struct idvec *, struct cobj *);
void idvec_del(struct idvec *, const struct cobj *);
/* The index of the first slot with an id > 'after'. */
size_t idvec_after(const struct idvec *, uint64_t after);
void idvec_free(struct idvec *);

/* ------------------------------------------------------------------ */
/* model.c */

/* An error: the HTTP status, the message, the API name of the field. */
struct cerr {
	int status;
	char msg[600];
	char field[128];
	json_t *warnings; /* array, or NULL */
};
void cerr_set(struct cerr *, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void cerr_warn(struct cerr *, const char *msg);

/* 'vsid_lo'..'vsid_hi': where the high level allocates VSIDs. */
int model_open(struct model *, const char *db_path, uint32_t vsid_lo,
               uint32_t vsid_hi, struct cerr *);
void model_close(struct model *);

/* A write: ops applied in memory one by one (each validated against what
 * the ops before it left), then committed (one revision, one database
 * transaction) or undone. */
struct txn;
struct txn *txn_begin(struct model *);
/* Creates: 0 with '*out' (the new object, or an identical existing one:
 * '*created' false), or -1 with e set. 'obj' has agent keys. */
int txn_create(struct txn *, int kind, struct chost *, const json_t *obj,
               struct cobj **out, bool *created, struct cerr *);
/* Replaces the fields of 'o' by 'merged' (agent keys, every field): the
 * key fields must not change. */
int txn_update(struct txn *, struct cobj *o, const json_t *merged,
               struct cerr *);
void txn_delete(struct txn *, struct cobj *o);
/* txn_delete() of a VM that moves to another host: its old host is told
 * ("moved": true) to let it go without destroying it. */
void txn_delete_moved(struct txn *, struct cobj *o);
bool txn_empty(const struct txn *);
/* The owner the following txn_create()s give their objects (0: none). */
void txn_owner(struct txn *, uint64_t owner);
/* Gives 'o' to another owner (nothing changes for the agents: no
 * change-log entry, the object's revision stays). */
void txn_set_owner(struct txn *, struct cobj *o, uint64_t owner);
/* Creates a high-level document ('doc' taken) or replaces the document
 * of the one with that kind and resourceId: the object. */
struct cobj *txn_hl_put(struct txn *, int kind, const char *rid, json_t *doc);
/* Commits (0, or -1 with e set: nothing happened) or undoes. */
int txn_commit(struct txn *, struct cerr *);
void txn_abort(struct txn *);

/* Shared stores: applies the revisions other controllers wrote since
 * md->rev (call with md->lock held): how many, or -1 (the store did not
 * answer; try again later). */
int model_follow(struct model *);
/* Shared stores: follows them from now on (a thread of the store's
 * calls model_follow() and wakes the long polls). */
int model_watch(struct model *);

struct cobj *model_get(struct model *, uint64_t id);
struct cobj *model_by_key(struct model *, const char *key);
/* The high-level object of 'kind' named 'rid' (case-insensitive). */
struct cobj *model_hl(struct model *, int kind, const char *rid);
/* The objects 'owner' owns, or NULL. */
struct scope *model_owned(struct model *, uint64_t owner);
/* What an object of 'kind' on host 'h' (agent keys 'obj'; 'gw': a
 * default-gateway record) would be: its key and its normalised JSON (new
 * reference), or NULL with e set. */
json_t *cobj_normalize(struct model *, int kind, struct chost *h,
                       const json_t *obj, bool gw, char *key, size_t keylen,
                       struct cerr *);
void cobj_free(struct cobj *);
struct chost *model_host(struct model *, const char *name);
/* The object as the agent's JSON (new reference). */
json_t *cobj_to_json(const struct cobj *);
/* cobj_to_json() as compact text (malloc'd). */
char *cobj_text(const struct cobj *);
/* The object as the API gives it: API names, id, revision. */
json_t *cobj_to_api(const struct cobj *);
/* Filter matching (policy_filter of agent keys). */
bool cobj_match(const struct cobj *, const struct policy_filter *);
/* 'kind' with the host: the objects' URL prefix ("/v1/lookup-records",
 * "/v1/hosts/Host1/provider-addresses"). */
void cobj_coll_url(int kind, const struct chost *, char *buf, size_t len);
const char *ckind_name(int kind);
const char *ckind_path(int kind); /* "lookup-records" */
int ckind_from_path(const char *);

/* What host 'h' needs: recomputes every host's interest at revision
 * 'rev' (model.c, after each commit). */
void model_interest_update(struct model *, uint64_t rev);
const struct interest *interest_find(const struct chost *, const char *key);
/* The interfaces (CK_NIC; entries may be NULL) that refer to virtual
 * network NAME ("v", a subnet of it in an ipConfiguration), to server
 * NAME ("s") or that have vmName NAME ("m"), any case; NULL if none.
 * Callers still check each one. */
const struct idvec *model_nics_of(struct model *, char what, const char *name);
/* Whether an adapter or a lookup record has MAC 'm' (48 bits). */
bool model_mac_used(struct model *, uint64_t m);
/* The virtual network (high level) other than 'self' with a subnet in
 * 'vsid', or NULL. */
const struct cobj *model_vnet_of_vsid(struct model *, uint32_t vsid,
                                      const struct cobj *self);
struct scope *model_scope(struct model *, const char *key, bool create);

/* ------------------------------------------------------------------ */
/* store.h: the store interface (store-sqlite.c implements it) */
#include "ctrl/store.h"

/* ------------------------------------------------------------------ */
/* feed.c */

/* The reply to GET /v1/hosts/H/changes?after=..&epoch=..&limit=..
 * (doc/controller.md) as JSON text, or NULL when there is nothing for
 * the host yet and 'must_answer' is false (the caller waits). */
/* Would the host get anything after revision 'after' (is it behind)? */
bool feed_pending(const struct model *, const struct chost *, uint64_t after);
char *feed_reply(struct model *, struct chost *, uint64_t after,
                 const char *epoch, size_t limit, bool must_answer);

/* What the last commit (revision md->rev) changed, to wake only the long
 * polls it concerns. */
#define FEED_WAKE_SCOPES 64
struct feed_commit {
	bool all; /* interest changed, or too many scopes: wake every one */
	size_t n;
	const char *scope[FEED_WAKE_SCOPES];
};
void feed_commit_scopes(const struct model *, struct feed_commit *);
/* Whether a long poll of host 'name' after revision 'after', parked
 * before that commit, has something to answer now. */
bool feed_wakes(struct model *, const struct feed_commit *, const char *name,
                uint64_t after);

/* ------------------------------------------------------------------ */
/* api.c */
struct http_req {
	const char *method;
	const char *url;
	char **seg; /* path segments */
	int nseg;
	json_t *query; /* object of strings */
	const char *body;
	size_t body_len;
	const char *if_match;
	/* reply */
	int status;
	json_t *reply;
	char *reply_text; /* or the reply as text (malloc'd) */
	json_t *warnings;
	char location[512];
	bool wait; /* a long poll: suspend and call again */
	uint64_t wait_deadline;
	struct chost *wait_host;
	uint64_t wait_after;
	bool wait_any; /* not a host's feed: any commit wakes it */
	void *conn;
};
void api_handle(struct model *, struct http_req *);
/* Deletes host 'h' with everything scoped to it. */
void api_delete_host(struct model *, struct txn *, struct chost *h);

/* ------------------------------------------------------------------ */
/* hl.c */

/* Routes /v1/logicalNetworks, macPools, servers, virtualNetworks,
 * networkInterfaces: true if the path is one of them (reply set). */
bool hl_handle(struct model *, struct http_req *);
/* 0, or -1 with e set (409 naming the owner's resourceRef) if 'o' is
 * derived from a high-level object: the low-level API may not change
 * or remove it. */
int hl_refuse_derived(struct model *, const struct cobj *o, const char *verb,
                      struct cerr *);

/* ------------------------------------------------------------------ */
/* http.c */
struct http_cfg {
	const char *listen;
	const char *tls_cert, *tls_key;
	const char *token;
	size_t max_body;
};
int http_start(struct model *, const struct http_cfg *);
void http_stop(void);
/* Wakes the long polls the last commit concerns (feed_wakes()). */
void http_wake(struct model *);
/* Wakes every long poll. */
void http_wake_all(void);

#endif
