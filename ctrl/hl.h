/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hl: what ctrl/hl.c (the high-level resources: routing, the derived
 * objects, reconcile, replies) and ctrl/hl-doc.c (their documents:
 * validation, completion, references, allocation) share.  Internal to
 * the controller; ctrl/ctrl.h has the entry points the rest of it calls
 * (hl_handle(), hl_refuse_derived()).
 *
 * A write (struct hlw) lives for one request: its transaction, its error,
 * the resources it concerns, what they want, and the MACs it allocated.
 */
#ifndef CTRL_HL_H
#define CTRL_HL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "ctrl/ctrl.h"

struct hlw;
struct hlres {
	int kind;
	const char *path; /* the collection: /v1/PATH */
	const char *what; /* in messages */
	/* 'in' (the body's properties, or NULL) into 'out', given the
	 * stored properties before ('old', or NULL): 0, or -1 with w->e */
	int (*norm)(struct hlw *, const json_t *in, const json_t *old,
	            json_t *out);
};

/* A derived object a resource wants. */
struct want {
	int kind;
	char host[64]; /* host-scoped objects and default-gateway records */
	json_t *obj;   /* agent keys, normalised */
	char key[192];
	bool gw;
	uint64_t owner;
	struct cobj *ex; /* the existing object of that key */
	bool create, update;
};

/* A resource the write concerns: its id, and its object (NULL: it is
 * being deleted). */
struct member {
	uint64_t id;
	struct cobj *o;
};

/* One write. */
struct hlw {
	struct model *md;
	struct txn *t;
	struct cerr *e;
	const struct hlres *res; /* the resource being validated */
	const char *rid;
	struct member *set;
	size_t n_set;
	struct want *wants;
	size_t n_wants;
	/* the MACs this write allocated (the model's index has the rest) */
	uint64_t *macs;
	size_t n_macs;
};

/* hl.c */
/* The resource of 'kind' (CK_LN..CK_NIC). */
const struct hlres *hl_res_of(int kind);

/* hl-doc.c: validating and completing documents ('in': the body's
 * properties; 'old': the stored ones before, or NULL; 'out': filled):
 * 0, or -1 with w->e set, its field the JSON path. */
int hl_norm_ln(struct hlw *, const json_t *in, const json_t *old, json_t *out);
int hl_norm_mp(struct hlw *, const json_t *in, const json_t *old, json_t *out);
int hl_norm_server(struct hlw *, const json_t *in, const json_t *old,
                   json_t *out);
int hl_norm_vnet(struct hlw *, const json_t *in, const json_t *old,
                 json_t *out);
int hl_norm_nic(struct hlw *, const json_t *in, const json_t *old, json_t *out);
/* hl-gw.c */
int hl_norm_gw(struct hlw *, const json_t *in, const json_t *old, json_t *out);
int hl_norm_vgw(struct hlw *, const json_t *in, const json_t *old, json_t *out);

/* An error of w's resource at JSON path 'field' (NULL: none): -1. */
int hl_bad(struct hlw *w, int status, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* 'o' is an object whose keys are all in 'known' (space-separated): 0,
 * or hl_bad() naming path.KEY. */
int hl_keys_ok(struct hlw *w, const json_t *o, const char *path,
               const char *known);
/* {"resourceRef": "..."} at o.key: 0 with '*ref' (NULL when absent and
 * not required), or -1. */
int hl_get_ref(struct hlw *w, const json_t *o, const char *key,
               const char *path, bool required, const char **ref);

/* A document's properties; an element's resourceId; the element of
 * 'arr' with resourceId 'rid' (case-insensitive; '*idx' its index). */
const json_t *hl_props(const struct cobj *o);
const char *hl_rid(const json_t *item);
const json_t *hl_find_rid(const json_t *arr, const char *rid, size_t *idx);
/* "/PATH/X" (optionally under /v1): resource X of 'kind', or NULL. */
struct cobj *hl_ref_res(struct model *md, const char *ref, int kind);
/* "/PATH/X/subnets/S": subnet S of resource X ('*parent'), or NULL. */
const json_t *hl_ref_subnet(struct model *md, const char *ref, int kind,
                            struct cobj **parent);
/* "/virtualNetworks/vn1" (the resourceRef of a high-level object). */
void hl_ref(const struct cobj *o, char *buf, size_t len);

void hl_ip_inc(struct in6_addr *a);
void hl_rand_bytes(uint8_t *b, size_t n);
void hl_rand_guid(struct guid *g);
/* The lowest free MAC of the macPools, in order: 0, or -1 (409 naming
 * them, at 'field'). */
int hl_mac_alloc(struct hlw *w, const char *field, struct eth_addr *out);

/* hl-doc.c, for hl-gw.c: the field readers (see hl-doc.c), JSON paths
 * (path.key, path.key[i]), and CAs: the lowest free one of the subnet
 * pfx/plen after its .1 in the routing domain of 'vn' (0, or -1 with a
 * 409 at 'field' naming the subnet 'ref'); is 'a' the subnet's network
 * address, .1 or broadcast? */
void hl_pj(char *buf, size_t len, const char *path, const char *key);
void hl_pi(char *buf, size_t len, const char *path, const char *key, size_t i);
int hl_get_str(struct hlw *w, const json_t *o, const char *key,
               const char *path, bool required, const char **out);
int hl_get_num(struct hlw *w, const json_t *o, const char *key,
               const char *path, long long lo, long long hi, long long *out);
int hl_get_arr(struct hlw *w, const json_t *o, const char *key,
               const char *path, const json_t **out);
int hl_get_ip(struct hlw *w, const json_t *o, const char *key, const char *path,
              bool required, struct in6_addr *a);
int hl_get_prefix(struct hlw *w, const json_t *o, const char *key,
                  const char *path, struct in6_addr *pfx, int *plen);
int hl_get_mac(struct hlw *w, const json_t *o, const char *key,
               const char *path, bool required, struct eth_addr *m);
int hl_ca_alloc(struct hlw *w, const struct cobj *vn,
                const struct in6_addr *pfx, int plen, const char *field,
                const char *ref, struct in6_addr *out);
bool hl_ca_reserved(const struct in6_addr *a, const struct in6_addr *pfx,
                    int plen);

/* hl-gw.c: gateways and virtualGateways (doc/gateway.md) */
/* The gateways of virtual gateway 'vgw' ('out', up to 2): how many. */
size_t hl_vgw_gateways(struct model *md, const struct cobj *vgw,
                       struct cobj *out[2]);
/* Its active gateway (NULL: gone). */
struct cobj *hl_vgw_active(struct model *md, const struct cobj *vgw);
/* Does virtual gateway 'vgw' use virtual network 'vn' / gateway 'gw'? */
bool hl_vgw_uses(struct model *md, const struct cobj *vgw,
                 const struct cobj *o);
/* What a write must re-check of virtual gateway 'vgw' (its gateways
 * may have changed): its gateways exist, its external addresses are in
 * their externalPrefix and none is an externalGateway: 0, or -1 (409). */
int hl_vgw_recheck(struct hlw *w, const struct cobj *vgw);
/* properties.heartbeat of gateway 'gw' (new reference). */
json_t *hl_gw_heartbeat_json(struct model *md, const struct cobj *gw);
/* Records a heartbeat of gateway 'gw' ('status' borrowed, or NULL). */
void hl_gw_heartbeat(struct model *md, const struct cobj *gw,
                     const json_t *status);
/* Is gateway 'gw' dead by the rule of --gateway-dead-after? */
bool hl_gw_dead(struct model *md, const struct cobj *gw);
/* The reply of GET /v1/gateways/ID/config (new reference). */
json_t *hl_gw_config(struct model *md, const struct cobj *gw);

#endif
