/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rest: the translation between hnvctl's requests (the agent's control
 * protocol, doc/control-protocol.md: a command and its args with the
 * short keys of policy/json.h) and hnv-controller's REST API
 * (doc/controller.md: collections, API field names).  Pure functions, no
 * I/O: ctl/http.c sends what they build and hands back what they make of
 * the replies, and the unit tests check them without a network.
 *
 * The mapping (OBJ is a policy object, COLL its collection; provider
 * addresses, provider routes, switches, VMs and VM adapters belong to a
 * host, /v1/hosts/HOST/COLL):
 *  1. OBJ.add: POST COLL, the args renamed to API names
 *     (pnames_to_api); the reply's object, renamed back, is the result;
 *  2. OBJ.get: GET COLL?FIELD=VALUE..., the filter as query parameters
 *     (API names); the items of every page (http.c follows "next") renamed
 *     back, "id" and "revision" dropped, so that every printer works as
 *     with the agent;
 *  3. OBJ.set: two steps, as the agent merges a set over the object its
 *     key names: GET COLL?KEY (REST_FIND), exactly one object must match
 *     (else the agent's "no such object" / "more than one object
 *     matches"; a lookup record found twice by (VSID, CA), the default
 *     gateway's records of several hosts, is narrowed by the PA given),
 *     then PATCH COLL/ID with the args (rest_patch());
 *  4. OBJ.remove: DELETE COLL?FILTER, {"removed": N}; no match (404, or
 *     N = 0) is the agent's "no OBJ matches {...}";
 *  5. batch: POST /v1/batch, each op converted as above (a set op needs
 *     its find first: http.c does it); the result is the agent's counts;
 *  6. host.get, host.add, host.remove (hnvctl host): GET, POST /v1/hosts,
 *     DELETE /v1/hosts/NAME; health: GET /v1/health.  Their results are
 *     the controller's objects as they are.
 * Errors: a reply's {"error": {"message": ...}} is the error text, as an
 * agent's errors are; a reply that is not JSON gives the HTTP status and
 * the start of the body.  Commands only an agent answers (status, stats,
 * trace, interface.get, policy.*) are refused with rest_agent_only()'s
 * reason.
 */
#ifndef CTL_REST_H
#define CTL_REST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum rest_op {
	REST_ADD,
	REST_GET,
	REST_FIND,  /* OBJ.set, step 1 */
	REST_PATCH, /* OBJ.set, step 2 */
	REST_REMOVE,
	REST_BATCH,
	REST_HOST_GET,
	REST_HOST_ADD,
	REST_HOST_REMOVE,
	REST_HEALTH,
};

struct rest_req {
	enum rest_op op;
	int kind;           /* enum pkind, -1 for hosts, health and batch */
	const char *method; /* "GET", "POST", "PATCH", "DELETE" */
	char *path;         /* "/v1/...", with the query (malloc'd) */
	json_t *body;       /* NULL: none */
	json_t *args;       /* the request's args (for messages, PATCH) */
	char *host;         /* host-scoped objects: the host, else NULL */
	bool token;         /* a token was sent (set by the sender) */
};

void rest_req_uninit(struct rest_req *); /* accepts a zeroed one */

/* The reason 'cmd' needs an agent ("needs an agent (--agent PATH): the
 * controller does not ..."), or NULL if the controller answers it. */
const char *rest_agent_only(const char *cmd);

/* Builds the request for agent command 'cmd' with 'args' (borrowed; NULL
 * for {}); 'host' (may be NULL) is the host of host-scoped objects.  0,
 * or a negative errno with '*error' (malloc'd) in the agent's words. */
int rest_request(const char *cmd, const json_t *args, const char *host,
                 struct rest_req *, char **error);

/* OBJ.set, step 2: from the items found by step 1 'find' (API objects,
 * every page), the PATCH.  0, or -ENOENT / -EINVAL with '*error'. */
int rest_patch(const struct rest_req *find, const json_t *items,
               struct rest_req *patch, char **error);

/* One op of a batch ({"cmd": .., "args": ..}), as rest_request() does;
 * errors are prefixed "ops[INDEX] (CMD): ". */
int rest_batch_op(size_t index, const json_t *op, const char *host,
                  struct rest_req *, char **error);
/* {"method": .., "path": .., "body": ..}: 'req' as an op of /v1/batch
 * (new reference). */
json_t *rest_batch_entry(const struct rest_req *req);
/* The POST /v1/batch of 'ops' (taken), converted by rest_batch_entry(). */
void rest_batch_request(json_t *ops, struct rest_req *);

/* What reply 'status' with 'body' (may be NULL, 'len' bytes) means for
 * 'req': 0 with '*result' (new reference), '*warnings' (the reply's
 * "warnings" array, or NULL) and '*next' (malloc'd: the next page's URL
 * or path, or NULL); or a negative errno with '*error': -EACCES (401),
 * -ENOENT (404), -EEXIST (409), -EREMOTEIO (5xx), -EPROTO (a 2xx that is
 * not the API's), -EINVAL (other refusals). */
int rest_reply(const struct rest_req *req, long status, const char *body,
               size_t len, json_t **result, json_t **warnings, char **next,
               char **error);

/* The URL of the page 'next' names: 'next' itself if it is absolute,
 * else 'base' (the controller's URL, without a trailing '/') followed by
 * it (malloc'd). */
char *rest_next_url(const char *base, const char *next);

/* 's' percent-encoded for a path segment or a query value (malloc'd). */
char *rest_escape(const char *s);

#endif
