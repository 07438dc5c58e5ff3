/* SPDX-License-Identifier: Apache-2.0 */
/*
 * model: the controller's objects in memory (ctrl.h).
 *
 * Validation is policy/'s, the same code the agent runs: one struct
 * policy ('dc') holds the datacenter's lookup records and customer
 * routes, so its checks (CA and MAC unique in a routing domain, a VSID in
 * one RDID, one CA family per domain...) apply across every host; each
 * host has a struct policy of its own for its provider addresses and
 * routes, switches, adapters and default-gateway records.  What policy/
 * cannot see (a PA owned by two hosts, a VM on two hosts) is a clash of
 * the objects' keys here, which are unique across the datacenter.
 *
 * A write (struct txn) applies its ops one by one, keeping what undoes
 * each; then it commits (one revision, one database transaction, the
 * change log) or undoes all of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ctrl/ctrl.h"
#include "lib/hash.h"
#include "lib/log.h"
#include "lib/util.h"
#include "policy/json.h"

/* ------------------------------------------------------------------ */
/* idvec */

void
idvec_push(struct idvec *v, struct cobj *o)
{
	if (v->n && v->live < v->n / 2 && v->n >= 64) {
		size_t j = 0;
		for (size_t i = 0; i < v->n; i++)
			if (v->objs[i]) {
				v->ids[j] = v->ids[i];
				v->objs[j++] = v->objs[i];
			}
		v->n = j;
	}
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 16;
		v->ids = xrealloc(v->ids, v->cap * sizeof(*v->ids));
		v->objs = xrealloc(v->objs, v->cap * sizeof(*v->objs));
	}
	/* ids grow, but an undone delete puts an old id back, and an
	 * undone create gives its id back for the next one: either may find
	 * the hole its id left, which it fills (two slots of one id would
	 * leave idvec_del() a stale pointer to miss) */
	size_t i = v->n;
	while (i && v->ids[i - 1] > o->id)
		i--;
	if (i && v->ids[i - 1] == o->id && !v->objs[i - 1]) {
		v->objs[i - 1] = o;
		v->live++;
		return;
	}
	memmove(v->ids + i + 1, v->ids + i, (v->n - i) * sizeof(*v->ids));
	memmove(v->objs + i + 1, v->objs + i, (v->n - i) * sizeof(*v->objs));
	v->ids[i] = o->id;
	v->objs[i] = o;
	v->n++;
	v->live++;
}

size_t
idvec_after(const struct idvec *v, uint64_t after)
{
	size_t lo = 0, hi = v->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v->ids[mid] <= after)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
idvec_del(struct idvec *v, const struct cobj *o)
{
	size_t i = idvec_after(v, o->id - 1);
	if (i < v->n && v->ids[i] == o->id && v->objs[i] == o) {
		v->objs[i] = NULL;
		v->live--;
	}
}

void
idvec_free(struct idvec *v)
{
	free(v->ids);
	free(v->objs);
	memset(v, 0, sizeof(*v));
}

/* ------------------------------------------------------------------ */
/* errors */

void
cerr_set(struct cerr *e, int status, const char *fmt, ...)
{
	va_list ap;
	e->status = status;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

void
cerr_warn(struct cerr *e, const char *msg)
{
	if (!e->warnings)
		e->warnings = json_array();
	if (json_array_size(e->warnings) < 16)
		json_array_append_new(e->warnings, json_string(msg));
}

/* A policy/ error into 'e': 409 when another object is in the way. */
static void
cerr_policy(struct cerr *e, int kind, int rc, struct pmsg *m)
{
	int status = 400;
	if (rc == -EEXIST || strstr(m->err, "already") ||
	    strstr(m->err, "used by") || strstr(m->err, " uses ") ||
	    strstr(m->err, "belongs to"))
		status = 409;
	if (kind < PK_N)
		pnames_msg_to_api(kind, m->err, sizeof(m->err), e->field,
		                  sizeof(e->field));
	if (!e->field[0] && kind == PK_LR)
		snprintf(e->field, sizeof(e->field), "%s",
		         strstr(m->err, ": MAC ")  ? "macAddress"
		         : strstr(m->err, ": CA ") ? "customerAddress"
		         : strstr(m->err, ": PA ") ? "providerAddress"
		                                   : "");
	cerr_set(e, status, "%s", m->err[0] ? m->err : strerror(-rc));
}

static void
cerr_pwarn(struct cerr *e, struct pmsg *m)
{
	for (int i = 0; i < m->n_warn && i < POLICY_MAX_WARN; i++)
		cerr_warn(e, m->warn[i]);
}

/* ------------------------------------------------------------------ */
/* kinds */

static const char *const kind_paths[CK_N] = {
    [PK_LR] = "lookup-records",     [PK_CR] = "customer-routes",
    [PK_PA] = "provider-addresses", [PK_PR] = "provider-routes",
    [PK_SW] = "switches",           [PK_VM] = "vms",
    [PK_VMA] = "vm-adapters",       [CK_HOST] = "hosts",
};

/* The high-level kinds' names in the database (hl.c routes them). */
static const char *const hl_names[CK_N] = {
    [CK_LN] = "logicalNetwork",    [CK_MACPOOL] = "macPool",
    [CK_SERVER] = "server",        [CK_VNET] = "virtualNetwork",
    [CK_NIC] = "networkInterface", [CK_GW] = "gateway",
    [CK_VGW] = "virtualGateway",
};

const char *
ckind_name(int kind)
{
	if (ckind_hl(kind))
		return hl_names[kind];
	return kind == CK_HOST ? "host" : pkind_name(kind);
}

const char *
ckind_path(int kind)
{
	return kind_paths[kind];
}

int
ckind_from_path(const char *s)
{
	for (int k = 0; k < CK_N; k++)
		if (kind_paths[k] && !strcmp(s, kind_paths[k]))
			return k;
	return -1;
}

static bool
kind_host_scoped(int kind)
{
	return kind == PK_PA || kind == PK_PR || kind == PK_SW ||
	       kind == PK_VM || kind == PK_VMA;
}

void
cobj_coll_url(int kind, const struct chost *h, char *buf, size_t len)
{
	if (kind_host_scoped(kind) && h)
		snprintf(buf, len, "/v1/hosts/%s/%s", h->name,
		         kind_paths[kind]);
	else
		snprintf(buf, len, "/v1/%s", kind_paths[kind]);
}

/* ------------------------------------------------------------------ */
/* objects <-> JSON */

json_t *
cobj_to_json(const struct cobj *o)
{
	switch (o->kind) {
	case PK_LR:
		return lr_to_json(&o->u.lr);
	case PK_CR:
		return cr_to_json(&o->u.cr);
	case PK_PA:
		return pa_to_json(&o->u.pa);
	case PK_PR:
		return pr_to_json(&o->u.pr);
	case PK_SW:
		return sw_to_json(&o->u.sw);
	case PK_VMA:
		return vma_to_json(&o->u.vma);
	case PK_VM:
		return json_pack("{s:s}", "vm", o->u.vm);
	default:
		if (ckind_hl(o->kind))
			return json_deep_copy(o->u.hl.doc);
		return json_pack("{s:s}", "name", o->u.host);
	}
}

json_t *
cobj_to_api(const struct cobj *o)
{
	json_t *j = cobj_to_json(o), *out;

	if (o->kind == CK_HOST) {
		out = j;
		const struct chost *h = o->host;
		json_object_set_new(
		    out, "agent",
		    json_pack(
		        "{s:b, s:b, s:I, s:s, s:s, s:I}", "connected",
		        h && h->registered &&
		            time_ns() - h->last_seen < 90000000000ull,
		        "current",
		        h && h->registered &&
		            !feed_pending(h->md, h, h->applied),
		        "revision", (json_int_t)(h ? h->applied : 0), "version",
		        h ? h->version : "", "encap", h ? h->encap : "",
		        "lastSeenAgoMs",
		        h && h->last_seen
		            ? (json_int_t)((time_ns() - h->last_seen) / 1000000)
		            : (json_int_t)-1));
	} else {
		out = pnames_to_api(o->kind, j);
		json_decref(j);
	}
	json_object_set_new(out, "id", json_integer((json_int_t)o->id));
	json_object_set_new(out, "revision", json_integer((json_int_t)o->rev));
	if (o->host && o->kind != CK_HOST)
		json_object_set_new(out, "host", json_string(o->host->name));
	return out;
}

bool
cobj_match(const struct cobj *o, const struct policy_filter *f)
{
	switch (o->kind) {
	case PK_LR:
		return policy_lr_match(&o->u.lr, f);
	case PK_CR:
		return policy_cr_match(&o->u.cr, f);
	case PK_PA:
		return policy_pa_match(&o->u.pa, f);
	case PK_PR:
		return policy_pr_match(&o->u.pr, f);
	case PK_VMA:
		return policy_vma_match(&o->u.vma, f);
	case PK_SW:
		return !(f->fields & ~F_NAME) &&
		       (!(f->fields & F_NAME) ||
		        !strcasecmp(f->name, o->u.sw.name));
	case PK_VM:
		return !(f->fields & ~F_VM) &&
		       (!(f->fields & F_VM) || !strcasecmp(f->vm, o->u.vm));
	default:
		return !(f->fields & ~F_NAME) &&
		       (!(f->fields & F_NAME) ||
		        !strcasecmp(f->name, o->u.host));
	}
}

static void
lower(char *dst, const char *src, size_t len)
{
	size_t i;
	for (i = 0; src[i] && i + 1 < len; i++)
		dst[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ? src[i] + 32
		                                               : src[i]);
	dst[i] = '\0';
}

static bool
lr_by_mac_key(const struct lookup_record *r)
{
	return r->type == LR_TYPE_L2ONLY ||
	       (r->type == LR_TYPE_GW_WILDCARD && ip_is_unspec(&r->ca));
}

/* The object's key, unique in the datacenter. */
static void
cobj_key(struct cobj *o)
{
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN + 4], m[ETH_ADDR_STRLEN],
	    g[GUID_STRLEN], l[64], l2[64];
	const char *hn = o->host ? o->host->name : "";
	char hl[64];

	lower(hl, hn, sizeof(hl));
	switch (o->kind) {
	case PK_LR:
		if (lr_by_mac_key(&o->u.lr))
			snprintf(o->key, sizeof(o->key), "lr:%u/mac/%s/%s",
			         o->u.lr.vsid, eth_fmt(&o->u.lr.mac, m),
			         lr_type_short(o->u.lr.type));
		else if (o->gw)
			snprintf(o->key, sizeof(o->key), "lr:%u/%s/gw/%s",
			         o->u.lr.vsid, ip_fmt(&o->u.lr.ca, a),
			         ip_fmt(&o->u.lr.pa, b));
		else
			snprintf(o->key, sizeof(o->key), "lr:%u/%s",
			         o->u.lr.vsid, ip_fmt(&o->u.lr.ca, a));
		break;
	case PK_CR:
		snprintf(o->key, sizeof(o->key), "cr:%s/%s",
		         guid_fmt(&o->u.cr.rdid, g),
		         prefix_fmt(&o->u.cr.prefix, o->u.cr.plen, b));
		break;
	case PK_PA:
		snprintf(o->key, sizeof(o->key), "pa:%s",
		         ip_fmt(&o->u.pa.pa, a));
		break;
	case PK_PR:
		snprintf(o->key, sizeof(o->key), "pr:%s/%s/%s", hl,
		         prefix_fmt(&o->u.pr.prefix, o->u.pr.plen, b),
		         ip_fmt(&o->u.pr.nexthop, a));
		break;
	case PK_SW:
		lower(l, o->u.sw.name, sizeof(l));
		snprintf(o->key, sizeof(o->key), "sw:%s/%s", hl, l);
		break;
	case PK_VM:
		lower(l, o->u.vm, sizeof(l));
		snprintf(o->key, sizeof(o->key), "vm:%s", l);
		break;
	case PK_VMA:
		lower(l, o->u.vma.vm, sizeof(l));
		snprintf(l2, sizeof(l2), "%s", o->u.vma.name);
		snprintf(o->key, sizeof(o->key), "vma:%s/%s", l, l2);
		break;
	default:
		if (ckind_hl(o->kind)) {
			char r[80];
			lower(r, o->u.hl.rid, sizeof(r));
			snprintf(o->key, sizeof(o->key), "hl%d:%s", o->kind, r);
			break;
		}
		lower(l, o->u.host, sizeof(l));
		snprintf(o->key, sizeof(o->key), "host:%s", l);
		break;
	}
}

static void
scope_key(const struct cobj *o, char *buf, size_t len)
{
	char g[GUID_STRLEN], hl[60];

	if (o->kind == CK_HOST || ckind_hl(o->kind)) {
		buf[0] = '\0';
	} else if (o->kind == PK_LR && o->gw && o->host) {
		/* for its host, if that host needs the VSID */
		lower(hl, o->host->name, sizeof(hl));
		snprintf(buf, len, "g:%s:%u", hl, o->u.lr.vsid);
	} else if (o->host) {
		lower(hl, o->host->name, sizeof(hl));
		snprintf(buf, len, "h:%s", hl);
	} else if (o->kind == PK_CR) {
		snprintf(buf, len, "r:%s", guid_fmt(&o->u.cr.rdid, g));
	} else {
		snprintf(buf, len, "v:%u", o->u.lr.vsid);
	}
}

/* Parses agent-keys JSON into o->u. */
static int
cobj_parse(struct cobj *o, const json_t *j, struct cerr *e)
{
	struct pmsg m = {0};
	int rc = 0;

	switch (o->kind) {
	case PK_LR:
		rc = lr_from_json(j, &o->u.lr, &m);
		break;
	case PK_CR:
		rc = cr_from_json(j, &o->u.cr, &m);
		break;
	case PK_PA:
		rc = pa_from_json(j, &o->u.pa, &m);
		break;
	case PK_PR:
		rc = pr_from_json(j, &o->u.pr, &m);
		break;
	case PK_SW:
		rc = sw_from_json(j, &o->u.sw, &m);
		break;
	case PK_VMA:
		rc = vma_from_json(j, &o->u.vma, &m);
		o->u.vma.port = -1;
		break;
	case PK_VM: {
		const char *key;
		json_t *v;
		json_object_foreach((json_t *)j, key, v)
		{
			if (strcmp(key, "vm") || !json_is_string(v) ||
			    !json_string_length(v) ||
			    json_string_length(v) >= sizeof(o->u.vm)) {
				snprintf(m.err, sizeof(m.err),
				         "VM: field '%s' %s", key,
				         strcmp(key, "vm")
				             ? "is unknown (known: vmName)"
				             : "must be a name of 1 to 63 "
				               "characters");
				rc = -EINVAL;
				break;
			}
			snprintf(o->u.vm, sizeof(o->u.vm), "%s",
			         json_string_value(v));
		}
		if (!rc && !o->u.vm[0]) {
			snprintf(m.err, sizeof(m.err),
			         "VM: missing field 'vm'");
			rc = -EINVAL;
		}
		break;
	}
	default:
		break;
	}
	if (rc) {
		if (o->kind < PK_N)
			pnames_msg_to_api(o->kind, m.err, sizeof(m.err),
			                  e->field, sizeof(e->field));
		cerr_set(e, 400, "%s", m.err);
		return -1;
	}
	/* What policy/ checks only when the object reaches a policy, said
	 * here with the field's API name. */
	uint32_t vsid = o->kind == PK_LR    ? o->u.lr.vsid
	                : o->kind == PK_CR  ? o->u.cr.vsid
	                : o->kind == PK_VMA ? o->u.vma.vsid
	                                    : 4096;
	if ((vsid < 4096 || vsid > 16777214) &&
	    !(o->kind == PK_VMA && vsid == 0)) {
		snprintf(e->field, sizeof(e->field), "virtualSubnetId");
		cerr_set(e, 400,
		         "%s: field 'virtualSubnetId': %u is outside "
		         "4096..16777214",
		         ckind_name(o->kind), vsid);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* indexes */

static uint32_t
key_hash(const char *k)
{
	return hash_string(k, 0);
}

static struct cobj *
by_key(struct model *md, const char *key)
{
	struct hmap_node *n;
	uint32_t h = key_hash(key);
	HMAP_FOR_EACH_WITH_HASH(n, h, &md->by_key)
	{
		struct cobj *o = CONTAINER_OF(n, struct cobj, by_key);
		if (!strcmp(o->key, key))
			return o;
	}
	return NULL;
}

struct cobj *
model_by_key(struct model *md, const char *key)
{
	return by_key(md, key);
}

struct cobj *
model_hl(struct model *md, int kind, const char *rid)
{
	char key[192], r[80];
	if (strlen(rid) >= sizeof(r))
		return NULL;
	lower(r, rid, sizeof(r));
	snprintf(key, sizeof(key), "hl%d:%s", kind, r);
	return by_key(md, key);
}

static struct scope *
owned_vec(struct model *md, uint64_t owner, bool create)
{
	struct hmap_node *n;
	uint32_t h = hash_2words((uint32_t)owner, (uint32_t)(owner >> 32), 1);
	HMAP_FOR_EACH_WITH_HASH(n, h, &md->owned)
	{
		struct scope *s = CONTAINER_OF(n, struct scope, node);
		if (strtoull(s->key + 2, NULL, 10) == owner)
			return s;
	}
	if (!create)
		return NULL;
	struct scope *s = xcalloc(1, sizeof(*s));
	snprintf(s->key, sizeof(s->key), "o:%llu", (unsigned long long)owner);
	hmap_insert(&md->owned, &s->node, h);
	return s;
}

/* The adapters of VM 'vm' (any case), on any host. */
static struct scope *
vm_adapters(struct model *md, const char *vm, bool create)
{
	struct hmap_node *n;
	char l[64];
	lower(l, vm, sizeof(l));
	uint32_t h = hash_string(l, 2);
	HMAP_FOR_EACH_WITH_HASH(n, h, &md->vmas)
	{
		struct scope *s = CONTAINER_OF(n, struct scope, node);
		if (!strcmp(s->key, l))
			return s;
	}
	if (!create)
		return NULL;
	struct scope *s = xcalloc(1, sizeof(*s));
	snprintf(s->key, sizeof(s->key), "%s", l);
	hmap_insert(&md->vmas, &s->node, h);
	return s;
}

/* The VSIDs of the virtual networks' subnets (CK_VNET documents), kept
 * as the documents change: allocating a VSID for a new subnet probes
 * them one candidate after another. */
struct vsid_ref {
	struct hmap_node node;
	uint32_t vsid;
	const struct cobj *o;
};

static void
vnet_vsids(struct model *md, const struct cobj *o, bool add)
{
	const json_t *sn;
	size_t i;

	if (o->kind != CK_VNET || !o->u.hl.doc)
		return;
	json_array_foreach(
	    json_object_get(json_object_get(o->u.hl.doc, "properties"),
	                    "subnets"),
	    i, sn)
	{
		json_int_t v = json_integer_value(json_object_get(
		    json_object_get(sn, "properties"), "virtualSubnetId"));
		if (v <= 0 || v > UINT32_MAX)
			continue;
		uint32_t h = hash_2words((uint32_t)v, 0, 7);
		if (add) {
			struct vsid_ref *r = xcalloc(1, sizeof(*r));
			r->vsid = (uint32_t)v;
			r->o = o;
			hmap_insert(&md->vnet_vsids, &r->node, h);
			continue;
		}
		struct hmap_node *n;
		HMAP_FOR_EACH_WITH_HASH(n, h, &md->vnet_vsids)
		{
			struct vsid_ref *r =
			    CONTAINER_OF(n, struct vsid_ref, node);
			if (r->vsid == (uint32_t)v && r->o == o) {
				hmap_remove(&md->vnet_vsids, n);
				free(r);
				break;
			}
		}
	}
}

/* The NAME of a reference "/COLL/NAME[/...]" (or "/v1/COLL/..."), lower
 * case, into 'out': true, or false if 'ref' is not one of COLL. */
static bool
ref_name(const char *ref, const char *coll, char *out, size_t len)
{
	size_t cl = strlen(coll);
	if (!ref)
		return false;
	if (!strncmp(ref, "/v1/", 4))
		ref += 3;
	if (ref[0] != '/' || strncasecmp(ref + 1, coll, cl) ||
	    ref[cl + 1] != '/')
		return false;
	ref += cl + 2;
	size_t n = strcspn(ref, "/");
	if (!n || n >= len)
		return false;
	char tmp[128];
	if (n >= sizeof(tmp))
		return false;
	memcpy(tmp, ref, n);
	tmp[n] = '\0';
	lower(out, tmp, len);
	return true;
}

static struct scope *
nic_vec(struct model *md, const char *key, bool create)
{
	struct hmap_node *n;
	uint32_t h = hash_string(key, 3);
	HMAP_FOR_EACH_WITH_HASH(n, h, &md->nic_refs)
	{
		struct scope *s = CONTAINER_OF(n, struct scope, node);
		if (!strcmp(s->key, key))
			return s;
	}
	if (!create)
		return NULL;
	struct scope *s = xcalloc(1, sizeof(*s));
	snprintf(s->key, sizeof(s->key), "%s", key);
	hmap_insert(&md->nic_refs, &s->node, h);
	return s;
}

/* Adds or removes interface 'o' under each thing its document refers to
 * (once each). */
static void
nic_refs(struct model *md, struct cobj *o, bool add)
{
	char(*keys)[64], name[60];
	size_t nk = 0;
	const json_t *p, *x;
	size_t i;

	if (o->kind != CK_NIC || !o->u.hl.doc)
		return;
	p = json_object_get(o->u.hl.doc, "properties");
	keys = xmalloc(
	    (2 + json_array_size(json_object_get(p, "ipConfigurations"))) *
	    sizeof(*keys));
	if (ref_name(json_string_value(json_object_get(
	                 json_object_get(p, "server"), "resourceRef")),
	             "servers", name, sizeof(name)))
		snprintf(keys[nk++], sizeof(keys[0]), "s:%s", name);
	const char *vm = json_string_value(json_object_get(p, "vmName"));
	if (vm && *vm) {
		lower(name, vm, sizeof(name));
		snprintf(keys[nk++], sizeof(keys[0]), "m:%s", name);
	}
	json_array_foreach(json_object_get(p, "ipConfigurations"), i, x)
	{
		char k[64];
		if (!ref_name(
		        json_string_value(json_object_get(
		            json_object_get(json_object_get(x, "properties"),
		                            "subnet"),
		            "resourceRef")),
		        "virtualNetworks", name, sizeof(name)))
			continue;
		snprintf(k, sizeof(k), "v:%s", name);
		size_t j = 0;
		while (j < nk && strcmp(keys[j], k))
			j++;
		if (j == nk)
			snprintf(keys[nk++], sizeof(keys[0]), "%s", k);
	}
	for (size_t j = 0; j < nk; j++) {
		struct scope *s = nic_vec(md, keys[j], add);
		if (add)
			idvec_push(&s->objs, o);
		else if (s)
			idvec_del(&s->objs, o);
	}
	free(keys);
}

const struct idvec *
model_nics_of(struct model *md, char what, const char *name)
{
	char key[64], l[60];
	lower(l, name ? name : "", sizeof(l));
	snprintf(key, sizeof(key), "%c:%s", what, l);
	const struct scope *s = nic_vec(md, key, false);
	return s ? &s->objs : NULL;
}

/* The MACs in use (adapters', lookup records'), counted: the high level
 * allocates the lowest free one of a pool, probing one after another. */
struct mac_ref {
	struct hmap_node node;
	uint64_t mac;
	size_t n;
};

static uint64_t
mac_key(const struct eth_addr *m)
{
	uint64_t v = 0;
	for (int i = 0; i < 6; i++)
		v = v << 8 | m->b[i];
	return v;
}

static void
mac_refs(struct model *md, const struct cobj *o, bool add)
{
	struct hmap_node *n;

	if (o->kind != PK_VMA && o->kind != PK_LR)
		return;
	uint64_t m = mac_key(o->kind == PK_VMA ? &o->u.vma.mac : &o->u.lr.mac);
	uint32_t h = hash_2words((uint32_t)m, (uint32_t)(m >> 32), 11);
	HMAP_FOR_EACH_WITH_HASH(n, h, &md->macs)
	{
		struct mac_ref *r = CONTAINER_OF(n, struct mac_ref, node);
		if (r->mac != m)
			continue;
		if (add) {
			r->n++;
		} else if (!--r->n) {
			hmap_remove(&md->macs, n);
			free(r);
		}
		return;
	}
	if (add) {
		struct mac_ref *r = xcalloc(1, sizeof(*r));
		r->mac = m;
		r->n = 1;
		hmap_insert(&md->macs, &r->node, h);
	}
}

bool
model_mac_used(struct model *md, uint64_t m)
{
	struct hmap_node *n;
	uint32_t h = hash_2words((uint32_t)m, (uint32_t)(m >> 32), 11);
	HMAP_FOR_EACH_WITH_HASH(n, h, &md->macs)
	if (CONTAINER_OF(n, struct mac_ref, node)->mac == m)
		return true;
	return false;
}

/* The hooks of the secondary indexes of objects' contents, where an
 * object comes or goes (index_add, index_del) or its contents are
 * replaced (before and after): a PATCH, its undo, another controller's
 * write. */
static void
obj_indexes(struct model *md, struct cobj *o, bool add)
{
	vnet_vsids(md, o, add);
	nic_refs(md, o, add);
	mac_refs(md, o, add);
}

const struct cobj *
model_vnet_of_vsid(struct model *md, uint32_t vsid, const struct cobj *self)
{
	struct hmap_node *n;
	HMAP_FOR_EACH_WITH_HASH(n, hash_2words(vsid, 0, 7), &md->vnet_vsids)
	{
		const struct vsid_ref *r =
		    CONTAINER_OF(n, struct vsid_ref, node);
		if (r->vsid == vsid && r->o != self)
			return r->o;
	}
	return NULL;
}

/* An adapter of VM 'vm' on a host other than 'h', or NULL. */
static const struct cobj *
vm_adapter_elsewhere(struct model *md, const char *vm, const struct chost *h)
{
	const struct scope *s = vm_adapters(md, vm, false);
	for (size_t i = 0; s && i < s->objs.n; i++) {
		const struct cobj *q = s->objs.objs[i];
		if (q && q->host != h)
			return q;
	}
	return NULL;
}

struct scope *
model_owned(struct model *md, uint64_t owner)
{
	return owned_vec(md, owner, false);
}

json_t *
cobj_normalize(struct model *md, int kind, struct chost *h, const json_t *obj,
               bool gw, char *key, size_t keylen, struct cerr *e)
{
	struct cobj o = {.kind = kind, .host = h, .gw = gw};
	(void)md;
	if (kind == CK_HOST) {
		const char *name =
		    json_string_value(json_object_get(obj, "name"));
		if (!name || strlen(name) >= sizeof(o.u.host)) {
			cerr_set(e, 400, "host: a name of 1 to 63 characters");
			return NULL;
		}
		snprintf(o.u.host, sizeof(o.u.host), "%s", name);
	} else if (cobj_parse(&o, obj, e)) {
		return NULL;
	}
	cobj_key(&o);
	snprintf(key, keylen, "%s", o.key);
	return cobj_to_json(&o);
}

void
cobj_free(struct cobj *o)
{
	if (o && ckind_hl(o->kind))
		json_decref(o->u.hl.doc);
	free(o);
}

struct cobj *
model_get(struct model *md, uint64_t id)
{
	struct hmap_node *n;
	uint32_t h = hash_2words((uint32_t)id, (uint32_t)(id >> 32), 0);
	HMAP_FOR_EACH_WITH_HASH(n, h, &md->by_id)
	{
		struct cobj *o = CONTAINER_OF(n, struct cobj, by_id);
		if (o->id == id)
			return o;
	}
	return NULL;
}

struct chost *
model_host(struct model *md, const char *name)
{
	struct hmap_node *n;
	uint32_t h = hash_string_nocase(name, 0);
	HMAP_FOR_EACH_WITH_HASH(n, h, &md->hosts)
	{
		struct chost *c = CONTAINER_OF(n, struct chost, node);
		if (!strcasecmp(c->name, name))
			return c;
	}
	return NULL;
}

struct scope *
model_scope(struct model *md, const char *key, bool create)
{
	struct hmap_node *n;
	uint32_t h = key_hash(key);
	HMAP_FOR_EACH_WITH_HASH(n, h, &md->scopes)
	{
		struct scope *s = CONTAINER_OF(n, struct scope, node);
		if (!strcmp(s->key, key))
			return s;
	}
	if (!create)
		return NULL;
	struct scope *s = xcalloc(1, sizeof(*s));
	snprintf(s->key, sizeof(s->key), "%s", key);
	hmap_insert(&md->scopes, &s->node, h);
	return s;
}

static void
index_add(struct model *md, struct cobj *o)
{
	char sk[64];

	hmap_insert(&md->by_id, &o->by_id,
	            hash_2words((uint32_t)o->id, (uint32_t)(o->id >> 32), 0));
	hmap_insert(&md->by_key, &o->by_key, key_hash(o->key));
	idvec_push(&md->by_kind[o->kind], o);
	scope_key(o, sk, sizeof(sk));
	o->scope = sk[0] ? model_scope(md, sk, true) : NULL;
	if (o->scope)
		idvec_push(&o->scope->objs, o);
	if (o->owner)
		idvec_push(&owned_vec(md, o->owner, true)->objs, o);
	if (o->kind == PK_VMA)
		idvec_push(&vm_adapters(md, o->u.vma.vm, true)->objs, o);
	obj_indexes(md, o, true);
}

static void
index_del(struct model *md, struct cobj *o)
{
	hmap_remove(&md->by_id, &o->by_id);
	hmap_remove(&md->by_key, &o->by_key);
	idvec_del(&md->by_kind[o->kind], o);
	if (o->scope)
		idvec_del(&o->scope->objs, o);
	struct scope *ow = o->owner ? owned_vec(md, o->owner, false) : NULL;
	if (ow)
		idvec_del(&ow->objs, o);
	struct scope *va =
	    o->kind == PK_VMA ? vm_adapters(md, o->u.vma.vm, false) : NULL;
	if (va)
		idvec_del(&va->objs, o);
	obj_indexes(md, o, false);
}

/* ------------------------------------------------------------------ */
/* the policies */

static struct chost *
host_new(struct model *md, const char *name)
{
	struct chost *h = xcalloc(1, sizeof(*h));
	h->md = md;
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->pol = policy_create();
	hmap_init(&h->interest);
	hmap_insert(&md->hosts, &h->node, hash_string_nocase(name, 0));
	return h;
}

/* A host being freed leaves the dirty list. */
static void
dirty_forget(struct model *md, struct chost *h)
{
	if (!h->dirty)
		return;
	for (size_t i = 0; i < md->dirty_n; i++)
		if (md->dirty[i] == h) {
			md->dirty[i] = md->dirty[--md->dirty_n];
			break;
		}
}

static void
host_free(struct model *md, struct chost *h)
{
	struct hmap_node *n, *next;
	hmap_remove(&md->hosts, &h->node);
	dirty_forget(md, h);
	HMAP_FOR_EACH_SAFE(n, next, &h->interest)
	{
		hmap_remove(&h->interest, n);
		free(CONTAINER_OF(n, struct interest, node));
	}
	hmap_uninit(&h->interest);
	policy_destroy(h->pol);
	free(h->snap_scopes);
	free(h);
}

static void
lr_key_filter(const struct lookup_record *r, struct policy_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->vsid = r->vsid;
	if (lr_by_mac_key(r)) {
		f->fields = F_VSID | F_MAC | F_TYPE;
		f->mac = r->mac;
		f->type = r->type;
	} else {
		f->fields = F_VSID | F_CA;
		f->ca = r->ca;
	}
}

static struct policy *
obj_policy(struct model *md, const struct cobj *o)
{
	if (o->kind == PK_LR && !o->gw)
		return md->dc;
	if (o->kind == PK_CR)
		return md->dc;
	return o->host ? o->host->pol : NULL;
}

/* Adds o->u to its policy: 0, or -1 with e set. */
static int
pol_add(struct model *md, struct cobj *o, struct cerr *e)
{
	struct policy *p = obj_policy(md, o);
	struct pmsg m = {0};
	int rc = 0;

	switch (o->kind) {
	case PK_LR:
		if (o->gw) {
			const struct lookup_record *q;
			char a[IP_ADDR_STRLEN];
			if ((q = policy_lr_by_ca(md->dc, o->u.lr.vsid,
			                         &o->u.lr.ca))) {
				char m2[ETH_ADDR_STRLEN];
				cerr_set(e, 409,
				         "lookup record %s vsid %u: already "
				         "used by the record with MAC %s",
				         ip_fmt(&o->u.lr.ca, a), o->u.lr.vsid,
				         eth_fmt(&q->mac, m2));
				return -1;
			}
			if ((q = policy_lr_by_mac(md->dc, o->u.lr.vsid,
			                          &o->u.lr.mac))) {
				char m2[ETH_ADDR_STRLEN];
				cerr_set(e, 409,
				         "lookup record %s vsid %u: MAC %s "
				         "already used by %s",
				         ip_fmt(&o->u.lr.ca, a), o->u.lr.vsid,
				         eth_fmt(&o->u.lr.mac, m2),
				         ip_fmt(&q->ca, a));
				return -1;
			}
		}
		rc = policy_lr_add(p, &o->u.lr, &m);
		break;
	case PK_CR:
		rc = policy_cr_add(p, &o->u.cr, &m);
		break;
	case PK_PA:
		rc = policy_pa_add(p, &o->u.pa, &m);
		break;
	case PK_PR:
		rc = policy_pr_add(p, &o->u.pr, &m);
		break;
	case PK_SW:
		rc = policy_sw_add(p, &o->u.sw, &m);
		break;
	case PK_VMA:
		rc = policy_vma_add(p, &o->u.vma, &m);
		break;
	default:
		break;
	}
	if (rc) {
		cerr_policy(e, o->kind, rc, &m);
		return -1;
	}
	cerr_pwarn(e, &m);
	return 0;
}

static void
pol_del(struct model *md, struct cobj *o)
{
	struct policy *p = obj_policy(md, o);
	struct policy_filter f = {0};

	switch (o->kind) {
	case PK_LR:
		lr_key_filter(&o->u.lr, &f);
		policy_lr_remove(p, &f);
		break;
	case PK_CR:
		f.fields = F_RDID | F_PREFIX;
		f.rdid = o->u.cr.rdid;
		f.prefix = o->u.cr.prefix;
		f.plen = o->u.cr.plen;
		policy_cr_remove(p, &f);
		break;
	case PK_PA:
		f.fields = F_PA;
		f.pa = o->u.pa.pa;
		policy_pa_remove(p, &f);
		break;
	case PK_PR:
		f.fields = F_PREFIX | F_NEXTHOP;
		f.prefix = o->u.pr.prefix;
		f.plen = o->u.pr.plen;
		f.nexthop = o->u.pr.nexthop;
		policy_pr_remove(p, &f);
		break;
	case PK_SW:
		policy_sw_remove(p, o->u.sw.name);
		break;
	case PK_VMA:
		f.fields = F_VM | F_NAME;
		snprintf(f.vm, sizeof(f.vm), "%s", o->u.vma.vm);
		snprintf(f.name, sizeof(f.name), "%s", o->u.vma.name);
		policy_vma_remove(p, &f);
		break;
	default:
		break;
	}
}

/* Replaces old->u by new->u (same key) in the policy. */
static int
pol_set(struct model *md, struct cobj *old, struct cobj *nw, struct cerr *e)
{
	struct policy *p = obj_policy(md, old);
	struct pmsg m = {0};
	int rc;

	switch (old->kind) {
	case PK_LR:
		rc = policy_lr_set(p, &nw->u.lr, &m);
		break;
	case PK_CR:
		rc = policy_cr_set(p, &nw->u.cr, &m);
		break;
	case PK_PA:
		rc = policy_pa_set(p, &nw->u.pa, &m);
		break;
	case PK_VMA:
		rc = policy_vma_set(p, &nw->u.vma, &m);
		break;
	case PK_PR:
	case PK_SW:
		pol_del(md, old);
		if (pol_add(md, nw, e)) {
			struct cerr e2 = {0};
			if (pol_add(md, old, &e2))
				log_warnx("undo: %s", e2.msg);
			json_decref(e2.warnings);
			return -1;
		}
		return 0;
	default:
		return 0;
	}
	if (rc) {
		cerr_policy(e, old->kind, rc, &m);
		return -1;
	}
	cerr_pwarn(e, &m);
	return 0;
}

/* ------------------------------------------------------------------ */
/* the change log */

static void
log_append(struct model *md, uint64_t rev, int kind, bool del,
           const char *scope, char *text)
{
	if (md->log_n == md->log_cap) {
		if (md->log_n >= md->log_max) {
			/* drop the oldest quarter, whole revisions */
			size_t drop = md->log_n / 4;
			while (drop < md->log_n &&
			       md->log[drop].rev == md->log[drop - 1].rev)
				drop++;
			md->log_start = md->log[drop - 1].rev;
			for (size_t i = 0; i < drop; i++)
				free(md->log[i].text);
			memmove(md->log, md->log + drop,
			        (md->log_n - drop) * sizeof(*md->log));
			md->log_n -= drop;
		} else {
			md->log_cap = md->log_cap ? md->log_cap * 2 : 1024;
			md->log =
			    xrealloc(md->log, md->log_cap * sizeof(*md->log));
		}
	}
	struct change *c = &md->log[md->log_n++];
	c->rev = rev;
	c->kind = kind;
	c->del = del;
	snprintf(c->scope, sizeof(c->scope), "%s", scope);
	c->text = text;
}

char *
cobj_text(const struct cobj *o)
{
	if (o->kind == PK_LR) {
		char buf[LR_JSON_TEXT_MAX];
		lr_to_json_text(&o->u.lr, buf);
		return xstrdup(buf);
	}
	json_t *j = cobj_to_json(o);
	char *t = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return t;
}

/* ------------------------------------------------------------------ */
/* interest: what each host needs */

const struct interest *
interest_find(const struct chost *h, const char *key)
{
	struct hmap_node *n;
	HMAP_FOR_EACH_WITH_HASH(n, key_hash(key), &h->interest)
	{
		const struct interest *i =
		    CONTAINER_OF(n, struct interest, node);
		if (!strcmp(i->key, key))
			return i;
	}
	return NULL;
}

static void
interest_mark(struct chost *h, const char *key, uint64_t rev)
{
	struct interest *i = (struct interest *)interest_find(h, key);
	if (i) {
		if (i->until) { /* needed again */
			i->since = rev;
			i->until = 0;
			h->interest_rev = rev;
		}
		i->mark = true;
		return;
	}
	i = xcalloc(1, sizeof(*i));
	snprintf(i->key, sizeof(i->key), "%s", key);
	i->since = rev;
	i->mark = true;
	hmap_insert(&h->interest, &i->node, key_hash(key));
	h->interest_rev = rev;
}

static void
rdid_vsids(struct model *md, struct chost *h, const struct guid *rdid,
           uint64_t rev)
{
	char key[64], g[GUID_STRLEN];
	snprintf(key, sizeof(key), "r:%s", guid_fmt(rdid, g));
	interest_mark(h, key, rev);
	struct scope *s = model_scope(md, key, false);
	for (size_t i = 0; s && i < s->objs.n; i++) {
		const struct cobj *o = s->objs.objs[i];
		if (!o)
			continue;
		snprintf(key, sizeof(key), "v:%u", o->u.cr.vsid);
		interest_mark(h, key, rev);
	}
}

static void
host_interest(struct model *md, struct chost *h, uint64_t rev)
{
	struct hmap_node *n;
	char key[64];

	HMAP_FOR_EACH(n, &h->interest)
	CONTAINER_OF(n, struct interest, node)->mark = false;
	lower(key + 2, h->name, sizeof(key) - 2);
	key[0] = 'h';
	key[1] = ':';
	interest_mark(h, key, rev);
	struct scope *s = model_scope(md, key, false);
	for (size_t i = 0; s && i < s->objs.n; i++) {
		const struct cobj *o = s->objs.objs[i];
		struct guid rdid;
		if (!o || o->kind != PK_VMA || !o->u.vma.vsid)
			continue;
		if (policy_vsid_rdid(md->dc, o->u.vma.vsid, &rdid)) {
			rdid_vsids(md, h, &rdid, rev);
		} else {
			snprintf(key, sizeof(key), "v:%u", o->u.vma.vsid);
			interest_mark(h, key, rev);
		}
	}
	/* the default-gateway records of its PAs in the VSIDs it needs
	 * ("g:HOST:VSID"), not those of VM networks it has no part in */
	uint32_t *vsids = NULL;
	size_t nv = 0;
	HMAP_FOR_EACH(n, &h->interest)
	{
		const struct interest *i =
		    CONTAINER_OF(n, struct interest, node);
		if (i->mark && i->key[0] == 'v' && i->key[1] == ':') {
			vsids = xrealloc(vsids, (nv + 1) * sizeof(*vsids));
			vsids[nv++] = (uint32_t)strtoul(i->key + 2, NULL, 10);
		}
	}
	for (size_t i = 0; i < nv; i++) {
		char hl[60];
		lower(hl, h->name, sizeof(hl));
		snprintf(key, sizeof(key), "g:%s:%u", hl, vsids[i]);
		interest_mark(h, key, rev);
	}
	free(vsids);
	HMAP_FOR_EACH(n, &h->interest)
	{
		struct interest *i = CONTAINER_OF(n, struct interest, node);
		if (!i->mark && !i->until) {
			i->until = rev;
			h->interest_rev = rev;
		}
	}
}

void
model_interest_update(struct model *md, uint64_t rev)
{
	struct hmap_node *n;
	HMAP_FOR_EACH(n, &md->hosts)
	host_interest(md, CONTAINER_OF(n, struct chost, node), rev);
	md->structural_rev = rev;
}

static void
dirty_host(struct model *md, struct chost *h)
{
	if (!h || h->dirty || md->dirty_all)
		return;
	if (md->dirty_n == md->dirty_cap) {
		md->dirty_cap = md->dirty_cap ? md->dirty_cap * 2 : 16;
		md->dirty =
		    xrealloc(md->dirty, md->dirty_cap * sizeof(*md->dirty));
	}
	h->dirty = true;
	md->dirty[md->dirty_n++] = h;
}

/* More routes than this in one commit: every host's interest is
 * recomputed (cheaper than probing every host for each). */
#define DIRTY_ROUTES_MAX 32

/* 'o' (as it is, or as it was) is changing: note the hosts whose
 * interest that may change.  An adapter: its host.  A host: itself.  A
 * customer route (which VM network a VSID is in): the hosts that need
 * its VSID or its routing domain now. */
static void
interest_dirty(struct model *md, const struct cobj *o)
{
	char key[64], g[GUID_STRLEN];
	struct hmap_node *n;

	if (!o || md->dirty_all)
		return;
	if (o->kind == PK_VMA || o->kind == CK_HOST) {
		dirty_host(md, o->host);
	} else if (o->kind == PK_CR) {
		if (++md->dirty_routes > DIRTY_ROUTES_MAX) {
			md->dirty_all = true;
			return;
		}
		HMAP_FOR_EACH(n, &md->hosts)
		{
			struct chost *h = CONTAINER_OF(n, struct chost, node);
			const struct interest *i;
			if (h->dirty)
				continue;
			snprintf(key, sizeof(key), "v:%u", o->u.cr.vsid);
			if ((i = interest_find(h, key)) && !i->until) {
				dirty_host(md, h);
				continue;
			}
			snprintf(key, sizeof(key), "r:%s",
			         guid_fmt(&o->u.cr.rdid, g));
			if ((i = interest_find(h, key)) && !i->until)
				dirty_host(md, h);
		}
	}
}

/* The commit at 'rev' is made: the interest of the hosts it concerns
 * (interest_dirty()) is recomputed, not every host's: with 100k
 * adapters, every host's would cost tens of milliseconds a write. */
static void
interest_commit(struct model *md, uint64_t rev)
{
	if (md->dirty_all)
		model_interest_update(md, rev);
	else
		for (size_t i = 0; i < md->dirty_n; i++)
			host_interest(md, md->dirty[i], rev);
	for (size_t i = 0; i < md->dirty_n; i++)
		md->dirty[i]->dirty = false;
	md->dirty_n = 0;
	md->dirty_routes = 0;
	md->dirty_all = false;
}

/* ------------------------------------------------------------------ */
/* writes */

enum top_kind { T_ADD, T_DEL, T_SET, T_OWN };
struct top {
	enum top_kind t;
	struct cobj *o;
	struct cobj *old; /* T_SET: a copy of the object before */
	bool moved;       /* T_DEL of a VM that moves to another host */
	uint64_t old_rev;
	uint64_t old_owner; /* T_OWN */
};

struct txn {
	struct model *md;
	struct top *ops;
	size_t n, cap;
	bool structural; /* adapters, routes or hosts changed */
	uint64_t owner;  /* of the objects txn_create() makes */
};

struct txn *
txn_begin(struct model *md)
{
	struct txn *t = xcalloc(1, sizeof(*t));
	t->md = md;
	return t;
}

bool
txn_empty(const struct txn *t)
{
	return t->n == 0;
}

static void
txn_push(struct txn *t, enum top_kind k, struct cobj *o, struct cobj *old)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 8;
		t->ops = xrealloc(t->ops, t->cap * sizeof(*t->ops));
	}
	t->ops[t->n++] = (struct top){.t = k,
	                              .o = o,
	                              .old = old,
	                              .old_rev = o->rev,
	                              .old_owner = o->owner};
	if ((o->kind == PK_VMA || o->kind == PK_CR || o->kind == CK_HOST) &&
	    k != T_OWN)
		t->structural = true;
}

/* Has host 'h' an adapter in 'vsid'? */
static bool
host_in_vsid(struct model *md, const struct chost *h, uint32_t vsid)
{
	char key[64], hl[60];

	lower(hl, h->name, sizeof(hl));
	snprintf(key, sizeof(key), "h:%s", hl);
	struct scope *s = model_scope(md, key, false);
	for (size_t i = 0; s && i < s->objs.n; i++) {
		const struct cobj *o = s->objs.objs[i];
		if (o && o->kind == PK_VMA && o->u.vma.vsid == vsid)
			return true;
	}
	return false;
}

void
txn_owner(struct txn *t, uint64_t owner)
{
	t->owner = owner;
}

/* Moves 'o' to the owner index of 'owner'. */
static void
reown(struct model *md, struct cobj *o, uint64_t owner)
{
	struct scope *ow = o->owner ? owned_vec(md, o->owner, false) : NULL;
	if (ow)
		idvec_del(&ow->objs, o);
	o->owner = owner;
	if (owner)
		idvec_push(&owned_vec(md, owner, true)->objs, o);
}

void
txn_set_owner(struct txn *t, struct cobj *o, uint64_t owner)
{
	if (o->owner == owner)
		return;
	txn_push(t, T_OWN, o, NULL);
	reown(t->md, o, owner);
}

struct cobj *
txn_hl_put(struct txn *t, int kind, const char *rid, json_t *doc)
{
	struct model *md = t->md;
	struct cobj *o = model_hl(md, kind, rid);

	if (o) {
		struct cobj *old = xcalloc(1, sizeof(*old));
		old->kind = kind;
		old->u = o->u; /* keeps the old document for undo */
		obj_indexes(md, o, false);
		o->u.hl.doc = doc;
		obj_indexes(md, o, true);
		txn_push(t, T_SET, o, old);
		return o;
	}
	o = xcalloc(1, sizeof(*o));
	o->kind = kind;
	snprintf(o->u.hl.rid, sizeof(o->u.hl.rid), "%s", rid);
	o->u.hl.doc = doc;
	cobj_key(o);
	o->id = ++md->next_id;
	index_add(md, o);
	txn_push(t, T_ADD, o, NULL);
	return o;
}

/* The host that owns 'pa' (by its provider address object), or NULL. */
static struct chost *
pa_owner(struct model *md, const struct in6_addr *pa)
{
	char key[80], a[IP_ADDR_STRLEN];
	snprintf(key, sizeof(key), "pa:%s", ip_fmt(pa, a));
	struct cobj *o = by_key(md, key);
	return o ? o->host : NULL;
}

int
txn_create(struct txn *t, int kind, struct chost *h, const json_t *obj,
           struct cobj **out, bool *created, struct cerr *e)
{
	struct model *md = t->md;
	struct cobj *o = xcalloc(1, sizeof(*o));
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN];

	o->kind = kind;
	o->host = kind_host_scoped(kind) ? h : NULL;
	if (kind == CK_HOST) {
		const char *name =
		    json_string_value(json_object_get(obj, "name"));
		size_t len = name ? strlen(name) : 0;
		if (!name || !len || len > 48 ||
		    strspn(name,
		           "abcdefghijklmnopqrstuvwxyz"
		           "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != len) {
			snprintf(e->field, sizeof(e->field), "name");
			cerr_set(e, 400,
			         "host: field 'name' must be 1 to 48 letters, "
			         "digits, '-', '_' or '.'");
			goto fail;
		}
		snprintf(o->u.host, sizeof(o->u.host), "%s", name);
	} else if (cobj_parse(o, obj, e)) {
		goto fail;
	}
	if (kind == PK_LR && !lr_by_mac_key(&o->u.lr) &&
	    o->u.lr.type != LR_TYPE_GW_WILDCARD &&
	    policy_is_gateway_ca(md->dc, o->u.lr.vsid, &o->u.lr.ca)) {
		/* a default-gateway record: one per PA, for its host */
		o->gw = true;
		o->host = pa_owner(md, &o->u.lr.pa);
		if (!o->host) {
			snprintf(e->field, sizeof(e->field), "providerAddress");
			cerr_set(e, 409,
			         "lookup record %s vsid %u: a default-gateway "
			         "record, but its PA %s is no host's provider "
			         "address (create the provider address first)",
			         ip_fmt(&o->u.lr.ca, a), o->u.lr.vsid,
			         ip_fmt(&o->u.lr.pa, b));
			goto fail;
		}
		if (!host_in_vsid(md, o->host, o->u.lr.vsid)) {
			/* the book's GWHost typo: Host2's PA for 10.0.2.1 */
			char w[300];
			snprintf(w, sizeof(w),
			         "lookup record %s vsid %u: a default-gateway "
			         "record on PA %s, which is host %s's, and %s "
			         "has no adapter in vsid %u (a typo for "
			         "another host's PA?)",
			         ip_fmt(&o->u.lr.ca, a), o->u.lr.vsid,
			         ip_fmt(&o->u.lr.pa, b), o->host->name,
			         o->host->name, o->u.lr.vsid);
			cerr_warn(e, w);
		}
	}
	cobj_key(o);
	struct cobj *ex = by_key(md, o->key);
	if (ex) {
		json_t *j1 = cobj_to_json(o), *j2 = cobj_to_json(ex);
		/* a host object's 'host' is itself: NULL in 'o' */
		bool same = json_equal(j1, j2) &&
		            (kind == CK_HOST || ex->host == o->host);
		json_decref(j1);
		json_decref(j2);
		if (same) {
			free(o);
			*out = ex;
			*created = false;
			return 0;
		}
		char url[256];
		cobj_coll_url(ex->kind, ex->host, url, sizeof(url));
		if (kind == CK_HOST)
			cerr_set(e, 409,
			         "host: %s already exists (/v1/hosts/%s)",
			         o->u.host, ex->u.host);
		else
			cerr_set(
			    e, 409,
			    "%s: %s already exists with other values "
			    "(%s/%llu%s%s)",
			    pkind_human(kind),
			    o->key + strcspn(o->key, ":") + 1, url,
			    (unsigned long long)ex->id,
			    ex->host && ex->host != o->host ? ", on host " : "",
			    ex->host && ex->host != o->host ? ex->host->name
			                                    : "");
		goto fail;
	}
	if (kind == PK_VMA) {
		/* the VM lives on one host */
		char key[96], l[64];
		lower(l, o->u.vma.vm, sizeof(l));
		snprintf(key, sizeof(key), "vm:%s", l);
		struct cobj *vm = by_key(md, key);
		if (vm && vm->host != h) {
			snprintf(e->field, sizeof(e->field), "vmName");
			cerr_set(e, 409, "VM %s is on host %s, not %s",
			         o->u.vma.vm, vm->host->name, h->name);
			goto fail;
		}
		const struct cobj *q =
		    vm ? NULL : vm_adapter_elsewhere(md, o->u.vma.vm, h);
		if (q) {
			snprintf(e->field, sizeof(e->field), "vmName");
			cerr_set(e, 409,
			         "VM %s has adapters on host %s, not %s",
			         o->u.vma.vm, q->host->name, h->name);
			goto fail;
		}
	}
	if (kind == PK_VM) {
		const struct cobj *q = vm_adapter_elsewhere(md, o->u.vm, h);
		if (q) {
			snprintf(e->field, sizeof(e->field), "vmName");
			cerr_set(e, 409,
			         "VM %s has adapters on host %s, not %s",
			         o->u.vm, q->host->name, h->name);
			goto fail;
		}
	}
	if (kind == CK_HOST) {
		o->host = host_new(md, o->u.host);
		o->host->obj = o;
	} else if (pol_add(md, o, e)) {
		goto fail;
	}
	o->id = ++md->next_id;
	o->owner = t->owner;
	index_add(md, o);
	txn_push(t, T_ADD, o, NULL);
	*out = o;
	*created = true;
	return 0;
fail:
	free(o);
	return -1;
}

int
txn_update(struct txn *t, struct cobj *o, const json_t *merged, struct cerr *e)
{
	struct cobj *nw = xcalloc(1, sizeof(*nw));

	nw->kind = o->kind;
	nw->host = o->host;
	nw->gw = o->gw;
	if (o->kind == CK_HOST || o->kind == PK_VM) {
		/* nothing but the key, which may not change */
		bool host = o->kind == CK_HOST;
		const json_t *v = json_object_get(merged, host ? "name" : "vm");
		const char *cur = host ? o->u.host : o->u.vm;
		free(nw);
		if (v &&
		    (!json_is_string(v) || strcmp(json_string_value(v), cur))) {
			snprintf(e->field, sizeof(e->field), "%s",
			         host ? "name" : "vmName");
			cerr_set(e, 400,
			         "%s %s: field '%s' is its key and may not "
			         "change: remove it and create a new one",
			         ckind_name(o->kind), cur, e->field);
			return -1;
		}
		return 0;
	}
	if (cobj_parse(nw, merged, e))
		goto fail;
	cobj_key(nw);
	if (strcmp(nw->key, o->key)) {
		cerr_set(e, 400,
		         "%s: a key field changed (%s -> %s): remove the "
		         "object and create a new one",
		         ckind_name(o->kind), o->key, nw->key);
		goto fail;
	}
	if (pol_set(t->md, o, nw, e))
		goto fail;
	/* 'nw' keeps the old contents for undo */
	struct cobj tmp = *o;
	obj_indexes(t->md, o, false);
	o->u = nw->u;
	nw->u = tmp.u;
	obj_indexes(t->md, o, true);
	txn_push(t, T_SET, o, nw);
	return 0;
fail:
	free(nw);
	return -1;
}

void
txn_delete(struct txn *t, struct cobj *o)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->ops[i].o == o && t->ops[i].t == T_DEL)
			return;
	if (o->kind != CK_HOST && o->kind != PK_VM && !ckind_hl(o->kind))
		pol_del(t->md, o);
	index_del(t->md, o);
	txn_push(t, T_DEL, o, NULL);
}

void
txn_delete_moved(struct txn *t, struct cobj *o)
{
	txn_delete(t, o);
	if (t->n && t->ops[t->n - 1].o == o)
		t->ops[t->n - 1].moved = true;
}

void
txn_abort(struct txn *t)
{
	struct model *md = t->md;

	for (size_t i = t->n; i-- > 0;) {
		struct top *op = &t->ops[i];
		struct cerr e = {0};
		switch (op->t) {
		case T_ADD:
			index_del(md, op->o);
			if (op->o->kind == CK_HOST)
				host_free(md, op->o->host);
			else if (op->o->kind != PK_VM && !ckind_hl(op->o->kind))
				pol_del(md, op->o);
			cobj_free(op->o);
			md->next_id--;
			break;
		case T_OWN:
			reown(md, op->o, op->old_owner);
			break;
		case T_DEL:
			if (op->o->kind != CK_HOST && op->o->kind != PK_VM &&
			    !ckind_hl(op->o->kind) && pol_add(md, op->o, &e))
				log_warnx("undo of a remove: %s", e.msg);
			index_add(md, op->o);
			break;
		case T_SET: {
			/* op->old holds the contents before */
			if (ckind_hl(op->o->kind)) {
				obj_indexes(md, op->o, false);
				json_decref(op->o->u.hl.doc);
				op->o->u = op->old->u;
				obj_indexes(md, op->o, true);
				free(op->old);
				break;
			}
			if (pol_set(md, op->o, op->old, &e))
				log_warnx("undo of a change: %s", e.msg);
			obj_indexes(md, op->o, false);
			op->o->u = op->old->u;
			obj_indexes(md, op->o, true);
			free(op->old);
			break;
		}
		}
		json_decref(e.warnings);
	}
	free(t->ops);
	free(t);
}

int
txn_commit(struct txn *t, struct cerr *e)
{
	struct model *md = t->md;
	uint64_t rev = md->rev + 1;
	char buf[32];

	if (!t->n) {
		txn_abort(t);
		return 0;
	}
	if (store_begin(md->db, rev, t->structural)) {
		cerr_set(e, 503, "database: cannot begin a transaction");
		txn_abort(t);
		return -1;
	}
	struct change *chg = xcalloc(t->n, sizeof(*chg));
	int rc = 0;
	for (size_t i = 0; i < t->n && !rc; i++) {
		struct top *op = &t->ops[i];
		struct cobj *o = op->o;
		bool pushed = o->kind < PK_N && op->t != T_OWN;
		if (op->t == T_OWN) {
			/* only the database learns: the object is the same */
			rc = store_put(md->db, o);
			continue;
		}
		chg[i].rev = rev;
		chg[i].kind = o->kind;
		chg[i].del = op->t == T_DEL;
		if (o->scope)
			snprintf(chg[i].scope, sizeof(chg[i].scope), "%s",
			         o->scope->key);
		else
			scope_key(o, chg[i].scope, sizeof(chg[i].scope));
		if (op->moved) {
			/* the old host lets the VM go without destroying it */
			json_t *j = cobj_to_json(o);
			json_object_set_new(j, "moved", json_true());
			chg[i].text = json_dumps(j, JSON_COMPACT);
			json_decref(j);
		} else {
			chg[i].text = cobj_text(o);
		}
		if (op->t == T_DEL) {
			rc = store_del(md->db, o);
		} else {
			uint64_t keep = o->rev;
			o->rev = rev;
			rc = store_put(md->db, o);
			if (rc)
				o->rev = keep;
		}
		if (!rc && pushed)
			rc = store_change(md->db, &chg[i]);
	}
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)rev);
	if (!rc)
		rc = store_meta_set(md->db, "revision", buf);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)md->next_id);
	if (!rc)
		rc = store_meta_set(md->db, "next_id", buf);
	if (rc || store_commit(md->db, e)) {
		/* another controller wrote this revision first: the caller
		 * catches up (model_follow) and tries again */
		if (md->db->conflict)
			md->stale = true;
		if (rc) {
			store_rollback(md->db);
			cerr_set(e, 503, "database: the write failed");
		}
		for (size_t i = 0; i < t->n; i++) {
			free(chg[i].text);
			if (t->ops[i].t != T_DEL && t->ops[i].t != T_OWN)
				t->ops[i].o->rev = t->ops[i].old_rev;
		}
		free(chg);
		txn_abort(t);
		return -1;
	}
	md->rev = rev;
	for (size_t i = 0; i < t->n && t->structural; i++) {
		if (t->ops[i].t == T_OWN)
			continue;
		interest_dirty(md, t->ops[i].o);
		interest_dirty(md, t->ops[i].old);
	}
	for (size_t i = 0; i < t->n; i++) {
		struct top *op = &t->ops[i];
		if (op->o->kind < PK_N && op->t != T_OWN)
			log_append(md, rev, chg[i].kind, chg[i].del,
			           chg[i].scope, chg[i].text);
		else
			free(chg[i].text);
		if (op->t == T_DEL) {
			if (op->o->kind == CK_HOST)
				host_free(md, op->o->host);
			cobj_free(op->o);
		} else if (op->t == T_SET) {
			cobj_free(op->old);
		}
	}
	free(chg);
	if (t->structural)
		interest_commit(md, rev);
	free(t->ops);
	free(t);
	/* keep the database's log as long as the memory's */
	if (md->log_start && md->log_start % 64 == 0)
		store_trim(md->db, md->log_start);
	return 0;
}

/* ------------------------------------------------------------------ */
/* follow: the revisions other controllers wrote (shared stores) */

static int obj_add(struct model *md, int kind, uint64_t id, uint64_t rev,
                   uint64_t owner, const char *host, const char *text);

struct follow_ctx {
	struct model *md;
	size_t revs, bad;
	bool structural;
};

/* An object another controller wrote: a new one, or new contents (or a
 * new owner) for one this model has. */
static int
follow_put(int kind, uint64_t id, uint64_t rev, uint64_t owner,
           const char *host, const char *text, void *aux)
{
	struct follow_ctx *fc = aux;
	struct model *md = fc->md;
	struct cobj *o = model_get(md, id);
	struct cerr e = {0};

	if (!o) {
		if (obj_add(md, kind, id, rev, owner, host, text))
			fc->bad++;
		else
			interest_dirty(md, model_get(md, id));
		return 0;
	}
	if (o->kind != kind) {
		log_warnx("follow: object %llu is a %s here, a %s in the store",
		          (unsigned long long)id, ckind_name(o->kind),
		          ckind_name(kind));
		fc->bad++;
		return 0;
	}
	if (owner != o->owner)
		reown(md, o, owner);
	o->rev = rev;
	if (kind == CK_HOST || kind == PK_VM)
		return 0; /* nothing but the key, which does not change */
	json_t *j = json_loads(text, 0, NULL);
	if (!j) {
		fc->bad++;
		return 0;
	}
	if (ckind_hl(kind)) {
		obj_indexes(md, o, false);
		json_decref(o->u.hl.doc);
		o->u.hl.doc = j;
		obj_indexes(md, o, true);
		return 0;
	}
	struct cobj *nw = xcalloc(1, sizeof(*nw));
	nw->kind = o->kind;
	nw->host = o->host;
	nw->gw = o->gw;
	if (cobj_parse(nw, j, &e) || pol_set(md, o, nw, &e)) {
		log_warnx("follow: %s %llu: %s", ckind_name(kind),
		          (unsigned long long)id, e.msg);
		fc->bad++;
	} else {
		struct cobj tmp = *o;
		interest_dirty(md, o); /* as it was */
		obj_indexes(md, o, false);
		o->u = nw->u;
		nw->u = tmp.u;
		obj_indexes(md, o, true);
		interest_dirty(md, o);
	}
	free(nw);
	json_decref(j);
	json_decref(e.warnings);
	return 0;
}

static void
follow_del(uint64_t id, void *aux)
{
	struct follow_ctx *fc = aux;
	struct model *md = fc->md;
	struct cobj *o = model_get(md, id);

	if (!o)
		return;
	interest_dirty(md, o);
	if (o->kind != CK_HOST && o->kind != PK_VM && !ckind_hl(o->kind))
		pol_del(md, o);
	index_del(md, o);
	if (o->kind == CK_HOST)
		host_free(md, o->host);
	cobj_free(o);
}

static void
follow_change(uint64_t rev, int kind, bool del, const char *scope,
              const char *text, void *aux)
{
	struct follow_ctx *fc = aux;
	log_append(fc->md, rev, kind, del, scope, xstrdup(text));
}

static void
follow_done(uint64_t rev, uint64_t next_id, bool structural, void *aux)
{
	struct follow_ctx *fc = aux;
	struct model *md = fc->md;

	md->rev = rev;
	if (next_id > md->next_id)
		md->next_id = next_id;
	if (structural) {
		interest_commit(md, rev);
		fc->structural = true;
	}
	fc->revs++;
}

int
model_follow(struct model *md)
{
	static const struct store_follow_cb cb = {
	    .put = follow_put,
	    .del = follow_del,
	    .change = follow_change,
	    .done = follow_done,
	};
	struct follow_ctx fc = {.md = md};

	if (!store_shared(md->db))
		return 0;
	uint64_t from = md->rev;
	int rc = md->db->ops->follow(md->db, md->rev, &cb, &fc);
	if (rc == -ERANGE) {
		log_warnx("follow: revision %llu is no longer in the store's "
		          "change log (this controller fell too far behind): "
		          "exiting, to start again on the whole store",
		          (unsigned long long)md->rev + 1);
		exit(75);
	}
	if (fc.bad)
		log_warnx("follow: revisions %llu..%llu: %zu objects could "
		          "not be applied (see above)",
		          (unsigned long long)from + 1,
		          (unsigned long long)md->rev, fc.bad);
	if (fc.revs)
		log_debug("follow: revisions %llu..%llu from the store",
		          (unsigned long long)from + 1,
		          (unsigned long long)md->rev);
	md->stale = false;
	return rc ? -1 : (int)MIN(fc.revs, (size_t)INT32_MAX);
}

static void
follow_notify(void *aux, uint64_t rev)
{
	struct model *md = aux;
	pthread_mutex_lock(&md->lock);
	/* our own commit's watch event, or a tick with nothing new: no
	 * request to etcd while the HTTP thread waits for the lock */
	if (rev && rev <= md->rev && !md->stale) {
		pthread_mutex_unlock(&md->lock);
		return;
	}
	int n = model_follow(md);
	if (n == 1)
		http_wake(md);
	else if (n > 1)
		http_wake_all();
	pthread_mutex_unlock(&md->lock);
}

int
model_watch(struct model *md)
{
	if (!store_shared(md->db))
		return 0;
	return md->db->ops->watch(md->db, follow_notify, md);
}

/* ------------------------------------------------------------------ */
/* open: the database into memory */

struct load_ctx {
	struct model *md;
	size_t n, bad;
};

/* An object from the store, new to the model: 0, or -1 (logged: it is
 * left out). */
static int
obj_add(struct model *md, int kind, uint64_t id, uint64_t rev, uint64_t owner,
        const char *host, const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	struct cerr e = {0};
	struct chost *h = host ? model_host(md, host) : NULL;
	struct cobj *o = xcalloc(1, sizeof(*o));

	o->kind = kind;
	o->id = id;
	o->rev = rev;
	o->owner = owner;
	o->host = h;
	if (!j)
		goto bad;
	if (ckind_hl(kind)) {
		const char *rid =
		    json_string_value(json_object_get(j, "resourceId"));
		if (!rid || strlen(rid) >= sizeof(o->u.hl.rid))
			goto bad;
		snprintf(o->u.hl.rid, sizeof(o->u.hl.rid), "%s", rid);
		o->u.hl.doc = json_incref(j);
	} else if (kind == CK_HOST) {
		const char *name =
		    json_string_value(json_object_get(j, "name"));
		if (!name)
			goto bad;
		snprintf(o->u.host, sizeof(o->u.host), "%s", name);
		o->host = host_new(md, name);
		o->host->obj = o;
	} else {
		if (kind_host_scoped(kind) && !h)
			goto bad;
		if (cobj_parse(o, j, &e))
			goto bad;
		if (kind == PK_LR && host) {
			o->gw = true;
			if (!h)
				goto bad;
		}
		if (pol_add(md, o, &e))
			goto bad;
	}
	cobj_key(o);
	index_add(md, o);
	if (id > md->next_id)
		md->next_id = id;
	json_decref(j);
	json_decref(e.warnings);
	return 0;
bad:
	log_warnx("database: %s %llu is not valid any more and is left out "
	          "(it stays in the database): %s",
	          ckind_name(kind), (unsigned long long)id,
	          e.msg[0] ? e.msg : "cannot parse");
	json_decref(j);
	json_decref(e.warnings);
	free(o);
	return -1;
}

static int
load_obj(int kind, uint64_t id, uint64_t rev, uint64_t owner, const char *host,
         const char *text, void *aux)
{
	struct load_ctx *lc = aux;
	if (obj_add(lc->md, kind, id, rev, owner, host, text))
		lc->bad++;
	else
		lc->n++;
	return 0;
}

static void
load_change(uint64_t rev, int kind, bool del, const char *scope,
            const char *text, void *aux)
{
	struct model *md = aux;
	log_append(md, rev, kind, del, scope, xstrdup(text));
}

static void
new_epoch(char *buf, size_t len)
{
	unsigned char r[16] = {0};
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, r, sizeof(r)) != (ssize_t)sizeof(r)) {
		uint64_t t = time_ns();
		memcpy(r, &t, sizeof(t));
	}
	if (fd >= 0)
		close(fd);
	size_t o = 0;
	for (size_t i = 0; i < sizeof(r) && o + 2 < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%02x", r[i]);
}

int
model_open(struct model *md, const char *path, uint32_t vsid_lo,
           uint32_t vsid_hi, struct cerr *e)
{
	char v[64];

	memset(md, 0, sizeof(*md));
	pthread_mutex_init(&md->lock, NULL);
	md->vsid_lo = vsid_lo;
	md->vsid_hi = vsid_hi;
	md->dc = policy_create();
	hmap_init(&md->owned);
	hmap_init(&md->vmas);
	hmap_init(&md->vnet_vsids);
	hmap_init(&md->nic_refs);
	hmap_init(&md->macs);
	hmap_init(&md->by_id);
	hmap_init(&md->by_key);
	hmap_init(&md->scopes);
	hmap_init(&md->hosts);
	md->log_max = 1u << 20;
	if (store_open(&md->db, path, e))
		return -1;
	if (!store_meta_get(md->db, "epoch", v, sizeof(v))) {
		snprintf(md->epoch, sizeof(md->epoch), "%.39s", v);
	} else {
		new_epoch(md->epoch, sizeof(md->epoch));
		if (store_begin(md->db, 0, false) ||
		    store_meta_set(md->db, "epoch", md->epoch) ||
		    store_meta_set(md->db, "schema", STORE_SCHEMA) ||
		    store_commit(md->db, e)) {
			/* another controller made the store first */
			if (md->db->conflict &&
			    !store_meta_get(md->db, "epoch", v, sizeof(v))) {
				snprintf(md->epoch, sizeof(md->epoch), "%.39s",
				         v);
				goto epoch_ok;
			}
			if (!e->msg[0])
				cerr_set(e, 500, "database %s: cannot write",
				         path);
			return -1;
		}
	}
epoch_ok:
	if (store_shared(md->db) &&
	    !store_meta_get(md->db, "schema", v, sizeof(v)) &&
	    strcmp(v, STORE_SCHEMA)) {
		cerr_set(e, 500,
		         "store %s: schema %s, this controller reads %s", path,
		         v, STORE_SCHEMA);
		return -1;
	}
	if (!store_meta_get(md->db, "revision", v, sizeof(v)))
		md->rev = strtoull(v, NULL, 10);
	struct load_ctx lc = {md, 0, 0};
	if (store_load(md->db, load_obj, &lc)) {
		cerr_set(e, 500, "database %s: cannot read the objects", path);
		return -1;
	}
	if (!store_meta_get(md->db, "next_id", v, sizeof(v)) &&
	    strtoull(v, NULL, 10) > md->next_id)
		md->next_id = strtoull(v, NULL, 10);
	/* the change log: what the database kept */
	md->log_start = md->rev;
	store_load_changes(md->db, 0, load_change, md);
	if (md->log_n)
		md->log_start = md->log[0].rev - 1;
	model_interest_update(md, md->rev);
	/* interest known at start counts as old: agents resuming from a
	 * revision do not get a dump of what they already have */
	struct hmap_node *n, *m;
	HMAP_FOR_EACH(n, &md->hosts)
	{
		struct chost *h = CONTAINER_OF(n, struct chost, node);
		h->interest_rev = 0;
		HMAP_FOR_EACH(m, &h->interest)
		CONTAINER_OF(m, struct interest, node)->since = 0;
	}
	log_info("database %s: %zu objects at revision %llu, change log "
	         "from %llu%s",
	         path, lc.n, (unsigned long long)md->rev,
	         (unsigned long long)md->log_start,
	         lc.bad ? " (some objects left out: see above)" : "");
	return 0;
}

void
model_close(struct model *md)
{
	struct hmap_node *n, *next;

	HMAP_FOR_EACH_SAFE(n, next, &md->by_id)
	{
		struct cobj *o = CONTAINER_OF(n, struct cobj, by_id);
		hmap_remove(&md->by_id, n);
		cobj_free(o);
	}
	HMAP_FOR_EACH_SAFE(n, next, &md->owned)
	{
		struct scope *s = CONTAINER_OF(n, struct scope, node);
		hmap_remove(&md->owned, n);
		idvec_free(&s->objs);
		free(s);
	}
	hmap_uninit(&md->owned);
	HMAP_FOR_EACH_SAFE(n, next, &md->vmas)
	{
		struct scope *s = CONTAINER_OF(n, struct scope, node);
		hmap_remove(&md->vmas, n);
		idvec_free(&s->objs);
		free(s);
	}
	hmap_uninit(&md->vmas);
	HMAP_FOR_EACH_SAFE(n, next, &md->vnet_vsids)
	{
		hmap_remove(&md->vnet_vsids, n);
		free(CONTAINER_OF(n, struct vsid_ref, node));
	}
	hmap_uninit(&md->vnet_vsids);
	HMAP_FOR_EACH_SAFE(n, next, &md->nic_refs)
	{
		struct scope *s = CONTAINER_OF(n, struct scope, node);
		hmap_remove(&md->nic_refs, n);
		idvec_free(&s->objs);
		free(s);
	}
	hmap_uninit(&md->nic_refs);
	HMAP_FOR_EACH_SAFE(n, next, &md->macs)
	{
		hmap_remove(&md->macs, n);
		free(CONTAINER_OF(n, struct mac_ref, node));
	}
	hmap_uninit(&md->macs);
	HMAP_FOR_EACH_SAFE(n, next, &md->hosts)
	host_free(md, CONTAINER_OF(n, struct chost, node));
	HMAP_FOR_EACH_SAFE(n, next, &md->scopes)
	{
		struct scope *s = CONTAINER_OF(n, struct scope, node);
		hmap_remove(&md->scopes, n);
		idvec_free(&s->objs);
		free(s);
	}
	for (int k = 0; k < CK_N; k++)
		idvec_free(&md->by_kind[k]);
	for (size_t i = 0; i < md->log_n; i++)
		free(md->log[i].text);
	free(md->log);
	free(md->dirty);
	hmap_uninit(&md->by_id);
	hmap_uninit(&md->by_key);
	hmap_uninit(&md->scopes);
	hmap_uninit(&md->hosts);
	policy_destroy(md->dc);
	store_close(md->db);
}
