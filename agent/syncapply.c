/* SPDX-License-Identifier: Apache-2.0 */
/*
 * syncapply: a controller's replies applied to the agent's policy, as
 * jobs in the loop thread (the rules are in sync.h).  What it keeps
 * between replies: the position (revision, epoch) and, during a reset,
 * the keys of every object the reset's pages named.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/store.h"
#include "agent/sync.h"
#include "lib/hash.h"
#include "lib/hmap.h"
#include "lib/log.h"
#include "policy/json.h"

#define SA_STEP 256    /* records per step, between clock reads */
#define SA_LOG_MAX 10  /* failures logged per reply, then a count */
#define SA_LR_PASSES 2 /* lookup record passes per reply */
#define SA_EPOCH_MAX 128

/* A lookup record's key, as the policy keys it: (VSID, CA), or for an
 * L2Only record (VSID, MAC). */
struct lr_key {
	uint32_t vsid;
	uint32_t l2;
	struct in6_addr ca;
	struct eth_addr mac;
	uint8_t pad[2];
};

struct named_lr {
	struct hmap_node node;
	struct lr_key key;
};

struct syncapply {
	uint64_t revision;
	char epoch[SA_EPOCH_MAX];

	/* A reset: its pages so far named these. */
	bool resetting;
	char reset_epoch[SA_EPOCH_MAX];
	struct hmap named;   /* named_lr */
	json_t *named_small; /* key string -> true */

	/* The reply being applied, or waiting for the disk. */
	bool busy, applied;
	uint64_t ticket; /* 0: nothing to write */
	bool warned;     /* "not saved yet" logged */

	/* Counters (status, stats). */
	uint64_t replies, changes, failed, resets;
	char last_failure[512];
};

enum kind { K_LR, K_CR, K_PA, K_PR, K_SW, K_VM, K_VMA, K_MAX };

static const char *const kind_names[K_MAX] = {
    [K_LR] = "lookup-record",    [K_CR] = "customer-route",
    [K_PA] = "provider-address", [K_PR] = "provider-route",
    [K_SW] = "switch",           [K_VM] = "vm",
    [K_VMA] = "vm-adapter",
};

/* ---- position ---- */

struct syncapply *
syncapply_create(const json_t *stored)
{
	struct syncapply *sa = xcalloc(1, sizeof(*sa));
	const json_t *rev = json_object_get(stored, "revision");
	const char *epoch = json_string_value(json_object_get(stored, "epoch"));

	hmap_init(&sa->named);
	sa->named_small = json_object();
	if (json_is_integer(rev) && json_integer_value(rev) >= 0 &&
	    !json_is_true(json_object_get(stored, "resetting"))) {
		sa->revision = (uint64_t)json_integer_value(rev);
		snprintf(sa->epoch, sizeof(sa->epoch), "%s",
		         epoch ? epoch : "");
	}
	return sa;
}

static void
named_clear(struct syncapply *sa)
{
	struct hmap_node *n;

	while ((n = hmap_first(&sa->named))) {
		hmap_remove(&sa->named, n);
		free(CONTAINER_OF(n, struct named_lr, node));
	}
	hmap_uninit(&sa->named);
	hmap_init(&sa->named);
	json_object_clear(sa->named_small);
}

void
syncapply_destroy(struct syncapply *sa)
{
	if (!sa)
		return;
	named_clear(sa);
	hmap_uninit(&sa->named);
	json_decref(sa->named_small);
	free(sa);
}

uint64_t
syncapply_revision(const struct syncapply *sa)
{
	return sa->revision;
}

const char *
syncapply_epoch(const struct syncapply *sa)
{
	return sa->epoch;
}

bool
syncapply_busy(const struct syncapply *sa)
{
	return sa->busy;
}

static void
queue_position(struct agent *a, const struct syncapply *sa)
{
	json_t *j =
	    json_pack("{s:s,s:s,s:I,s:s,s:b}", "url",
	              a->controller_url ? a->controller_url : "", "host",
	              a->controller_host ? a->controller_host : "", "revision",
	              (json_int_t)sa->revision, "epoch", sa->epoch, "resetting",
	              sa->resetting);

	store_meta_put(a->store, "controller", json_dumps(j, JSON_COMPACT));
	json_decref(j);
}

void
syncapply_forget(struct agent *a)
{
	struct syncapply *sa = a->sa;

	sa->revision = 0;
	sa->epoch[0] = '\0';
	sa->resetting = false;
	queue_position(a, sa);
}

json_t *
syncapply_status(const struct syncapply *sa)
{
	return json_pack(
	    "{s:I,s:s,s:b,s:I,s:I,s:I,s:I,s:s}", "revision",
	    (json_int_t)sa->revision, "epoch", sa->epoch, "resetting",
	    sa->resetting, "replies", (json_int_t)sa->replies, "applied",
	    (json_int_t)sa->changes, "failed", (json_int_t)sa->failed, "resets",
	    (json_int_t)sa->resets, "last_failure", sa->last_failure);
}

/* ---- keys ---- */

static void
lr_key_of(const struct lookup_record *r, struct lr_key *k)
{
	memset(k, 0, sizeof(*k));
	k->vsid = r->vsid;
	if (r->type == LR_TYPE_L2ONLY) {
		k->l2 = 1;
		k->mac = r->mac;
	} else {
		k->ca = r->ca;
	}
}

static uint32_t
lr_key_hash(const struct lr_key *k)
{
	return hash_bytes(k, sizeof(*k), 0);
}

static struct named_lr *
named_find(const struct syncapply *sa, const struct lr_key *k, uint32_t h)
{
	for (struct hmap_node *n = hmap_first_with_hash(&sa->named, h); n;
	     n = hmap_next_with_hash(n)) {
		struct named_lr *e = CONTAINER_OF(n, struct named_lr, node);

		if (!memcmp(&e->key, k, sizeof(*k)))
			return e;
	}
	return NULL;
}

static void
name_lr(struct syncapply *sa, const struct lookup_record *r)
{
	struct named_lr *e;
	struct lr_key k;
	uint32_t h;

	lr_key_of(r, &k);
	h = lr_key_hash(&k);
	if (named_find(sa, &k, h))
		return;
	e = xmalloc(sizeof(*e));
	e->key = k;
	hmap_insert(&sa->named, &e->node, h);
}

static void
lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static void
cr_key(const struct customer_route *o, char *buf, size_t len)
{
	char g[GUID_STRLEN], p[IP_ADDR_STRLEN + 4];

	snprintf(buf, len, "cr|%s|%s", guid_fmt(&o->rdid, g),
	         prefix_fmt(&o->prefix, o->plen, p));
}

static void
pa_key(const struct provider_address *o, char *buf, size_t len)
{
	char a[IP_ADDR_STRLEN];

	snprintf(buf, len, "pa|%s", ip_fmt(&o->pa, a));
}

static void
pr_key(const struct provider_route *o, char *buf, size_t len)
{
	char p[IP_ADDR_STRLEN + 4], n[IP_ADDR_STRLEN];

	snprintf(buf, len, "pr|%s|%s", prefix_fmt(&o->prefix, o->plen, p),
	         ip_is_unspec(&o->nexthop) ? "on-link"
	                                   : ip_fmt(&o->nexthop, n));
}

static void
sw_key(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "sw|%s", name);
	lower(buf);
}

static void
vm_key(const char *vm, char *buf, size_t len)
{
	snprintf(buf, len, "vm|%s", vm);
	lower(buf);
}

static void
vma_key(const char *vm, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "vma|%s", vm);
	lower(buf);
	snprintf(buf + strlen(buf), len - strlen(buf), "|%s", name);
}

static void
name_small(struct syncapply *sa, const char *key)
{
	if (sa->resetting)
		json_object_set_new(sa->named_small, key, json_true());
}

static bool
small_named(const struct syncapply *sa, const char *key)
{
	return json_object_get(sa->named_small, key) != NULL;
}

/* ---- the job ---- */

enum phase {
	PH_CLASSIFY,    /* check each change; small ones aside */
	PH_SMALL_EARLY, /* small puts but adapters */
	PH_LR_BEGIN,
	PH_LR,       /* lookup records, in a stage */
	PH_LR_RETRY, /* ... those that failed, once more */
	PH_SWEEP_LR, /* the end of a reset: records nobody named */
	PH_FREE_NAMED,
	PH_FINALIZE,
	PH_SMALL_LATE, /* everything small that is left */
	PH_SWEEP_SMALL,
	PH_SAVE,
};

struct sync_job {
	struct job job;
	struct agent *a;
	struct syncapply *sa;
	json_t *reply;
	json_t *lrs;   /* the changes (lookup records among them), then
	                  the lookup record changes to try again */
	json_t *small; /* the small families' changes, in order */
	json_t *retry; /* lookup record puts that failed this pass */
	size_t i;
	enum phase phase;
	int lr_passes;
	bool small_progress; /* since the last lookup record pass */
	bool pass_progress;  /* in this pass over 'small' */
	bool reset_end;      /* this reply ends a reset: sweep */
	bool sweep_lr;       /* ... the records' sweep is still to do */
	struct policy_lr_walk walk;
	unsigned saves; /* SAVE_* */
	bool lr_changed, mtu;
	uint64_t revision;
	char epoch[SA_EPOCH_MAX];
	size_t applied, failed, logged;
};

static void
sync_job_destroy(struct job *j)
{
	struct sync_job *s = CONTAINER_OF(j, struct sync_job, job);

	json_decref(s->reply);
	json_decref(s->lrs);
	json_decref(s->small);
	json_decref(s->retry);
	json_decref(s->job.res.reply);
	free(s->job.res.text);
	free(s);
}

static void
change_failed(struct sync_job *s, const json_t *c, const char *err)
{
	const char *op = json_string_value(json_object_get(c, "op"));
	const char *kind = json_string_value(json_object_get(c, "kind"));
	char *obj =
	    json_dumps(json_object_get(c, "obj"),
	               JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);

	snprintf(s->sa->last_failure, sizeof(s->sa->last_failure),
	         "revision %llu: %.8s %.20s %.200s: %.250s",
	         (unsigned long long)s->revision, op ? op : "?",
	         kind ? kind : "?", obj ? obj : "", err);
	if (s->logged++ < SA_LOG_MAX)
		log_warnx("controller change not applied: %s",
		          s->sa->last_failure);
	free(obj);
	s->failed++;
}

/* The change's kind and whether it is a put: 0, or -EINVAL with 'err'. */
static int
change_shape(const json_t *c, enum kind *k, bool *put, char *err, size_t len)
{
	const char *op = json_string_value(json_object_get(c, "op"));
	const char *kind = json_string_value(json_object_get(c, "kind"));

	if (!json_is_object(c)) {
		snprintf(err, len, "a change must be an object");
		return -EINVAL;
	}
	if (!op || (strcmp(op, "put") && strcmp(op, "del"))) {
		snprintf(err, len, "field 'op': must be \"put\" or \"del\"");
		return -EINVAL;
	}
	*put = !strcmp(op, "put");
	for (int i = 0; kind && i < K_MAX; i++) {
		if (!strcmp(kind, kind_names[i])) {
			*k = (enum kind)i;
			if (!json_is_object(json_object_get(c, "obj"))) {
				snprintf(err, len,
				         "field 'obj': must be an object");
				return -EINVAL;
			}
			return 0;
		}
	}
	snprintf(err, len, "field 'kind': %s%.40s%s is not a kind of object",
	         kind ? "'" : "", kind ? kind : "missing", kind ? "'" : "");
	return -EINVAL;
}

/* A filter from the key fields of 'obj' only ('keys', NULL-ended). */
static int
key_filter(const json_t *obj, const char *const *keys, const char *human,
           struct policy_filter *f, struct pmsg *m)
{
	json_t *k = json_object();
	int rc;

	for (; *keys; keys++) {
		json_t *v = json_object_get(obj, *keys);

		if (!v) {
			snprintf(m->err, sizeof(m->err),
			         "%s: missing field '%s'", human, *keys);
			json_decref(k);
			return -EINVAL;
		}
		json_object_set(k, *keys, v);
	}
	rc = policy_filter_from_json(k, f, m);
	json_decref(k);
	return rc;
}

/* ---- lookup records ---- */

static bool
lr_same(const struct lookup_record *a, const struct lookup_record *b)
{
	return a->vsid == b->vsid && ip_equal(&a->ca, &b->ca) &&
	       eth_equal(&a->mac, &b->mac) && ip_equal(&a->pa, &b->pa) &&
	       a->rule == b->rule && a->type == b->type &&
	       guid_equal(&a->customer_id, &b->customer_id) &&
	       !strcmp(a->vm_name, b->vm_name) &&
	       !strcmp(a->context, b->context) &&
	       a->use_vm_mac == b->use_vm_mac;
}

struct lr_find {
	const struct lookup_record *want;
	const struct lookup_record *found;
};

static int
lr_find_cb(const struct lookup_record *r, void *aux)
{
	struct lr_find *lf = aux;

	/* A filter on an unspecified CA matches either family's. */
	if (lf->want->type != LR_TYPE_L2ONLY &&
	    !ip_equal(&r->ca, &lf->want->ca))
		return 0;
	lf->found = r;
	return 1;
}

/* The record holding r's key (the writers' view), or NULL. */
static const struct lookup_record *
lr_held(struct policy *pol, const struct lookup_record *r)
{
	struct policy_filter f = {.vsid = r->vsid};
	struct lr_find lf = {r, NULL};

	if (r->type == LR_TYPE_L2ONLY) {
		f.fields = F_VSID | F_MAC | F_TYPE;
		f.mac = r->mac;
		f.type = LR_TYPE_L2ONLY;
	} else {
		f.fields = F_VSID | F_CA;
		f.ca = r->ca;
	}
	policy_lr_foreach(pol, &f, lr_find_cb, &lf);
	return lf.found;
}

static int
lr_put(struct sync_job *s, const json_t *obj, struct pmsg *m)
{
	struct policy *pol = s->a->pol;
	const struct lookup_record *old;
	struct lookup_record r;
	int rc = lr_from_json(obj, &r, m);

	if (rc)
		return rc;
	if (s->sa->resetting)
		name_lr(s->sa, &r);
	old = lr_held(pol, &r);
	if (old && lr_same(old, &r))
		return 0;
	if (s->a->pl && old && !ip_equal(&old->pa, &r.pa) &&
	    policy_pa_find(pol, &r.pa) && !policy_pa_find(pol, &old->pa))
		/* the VM moved here from the host of the old PA (F9): accept
		 * what that host forwards for a while */
		pipeline_arrived(s->a->pl, r.vsid, &r.mac, &old->pa);
	return old ? policy_lr_set(pol, &r, m) : policy_lr_add(pol, &r, m);
}

static int
lr_del(struct sync_job *s, const json_t *obj, struct pmsg *m)
{
	const char *type = json_string_value(json_object_get(obj, "type"));
	const json_t *ca = json_object_get(obj, "ca");
	enum lr_type t = ca ? LR_TYPE_STATIC : LR_TYPE_L2ONLY;
	static const char *const ca_keys[] = {"vsid", "ca", NULL};
	static const char *const mac_keys[] = {"vsid", "mac", NULL};
	struct policy_filter f;
	int rc;

	if (type && lr_type_parse(type, &t) < 0) {
		snprintf(m->err, sizeof(m->err),
		         "lookup record: field 'type': '%.40s' is not a type",
		         type);
		return -EINVAL;
	}
	if (t == LR_TYPE_L2ONLY) {
		rc = key_filter(obj, mac_keys, "lookup record", &f, m);
		f.fields |= F_TYPE;
		f.type = LR_TYPE_L2ONLY;
	} else {
		rc = key_filter(obj, ca_keys, "lookup record", &f, m);
		/* A GatewayWildcard (CA 0.0.0.0 or ::) is the controller's
		 * by its MAC: leave another MAC's alone. */
		if (!rc && ip_is_unspec(&f.ca) && json_object_get(obj, "mac")) {
			struct policy_filter g;

			rc = key_filter(obj, mac_keys, "lookup record", &g, m);
			f.fields |= F_MAC;
			f.mac = g.mac;
		}
	}
	if (rc)
		return rc;
	if (ip_is_unspec(&f.ca) && (f.fields & F_CA)) {
		/* Only the record of this very family. */
		struct lookup_record key = {.vsid = f.vsid, .ca = f.ca};
		const struct lookup_record *held = lr_held(s->a->pol, &key);

		if (held &&
		    (!(f.fields & F_MAC) || eth_equal(&held->mac, &f.mac)))
			policy_lr_remove_rec(s->a->pol, held);
		return 0;
	}
	policy_lr_remove(s->a->pol, &f);
	return 0;
}

static int
apply_lr(struct sync_job *s, const json_t *c, struct pmsg *m)
{
	const json_t *obj = json_object_get(c, "obj");

	if (!strcmp(json_string_value(json_object_get(c, "op")), "put"))
		return lr_put(s, obj, m);
	return lr_del(s, obj, m);
}

static void
store_cb(enum policy_lr_change ch, uint64_t seq, const struct lookup_record *r,
         void *aux)
{
	struct sync_job *s = aux;

	s->lr_changed = true;
	if (ch == POLICY_LR_PUT)
		store_lr_put(s->a->store, seq, r);
	else
		store_lr_del(s->a->store, seq);
}

/* The reset's sweep: a record no page named goes; a named one's entry
 * is freed on the way (a million of them, a slice at a time). */
static int
sweep_lr_cb(const struct lookup_record *r, void *aux)
{
	struct sync_job *s = aux;
	struct named_lr *e;
	struct lr_key k;

	lr_key_of(r, &k);
	e = named_find(s->sa, &k, lr_key_hash(&k));
	if (e) {
		hmap_remove(&s->sa->named, &e->node);
		free(e);
	} else {
		policy_lr_remove_rec(s->a->pol, r);
	}
	return 0;
}

/* Keeps change 'c' in 'list' for another try, with why it failed. */
static void
failed_with(json_t *list, json_t *c, const char *err)
{
	json_object_set_new(c, "error", json_string(err));
	json_array_append(list, c);
}

/* ---- the small families ---- */

struct cr_find {
	const struct customer_route *key;
	struct customer_route found;
	bool have;
};

static int
cr_find_cb(const struct customer_route *r, void *aux)
{
	struct cr_find *cf = aux;

	cf->found = *r;
	cf->have = true;
	return 1;
}

static bool
json_same(json_t *x, json_t *y)
{
	bool same = json_equal(x, y);

	json_decref(x);
	json_decref(y);
	return same;
}

static int
cr_put(struct sync_job *s, const json_t *obj, struct pmsg *m)
{
	struct policy_filter f = {.fields = F_RDID | F_PREFIX};
	struct customer_route o;
	struct cr_find cf = {0};
	char key[128];
	int rc = cr_from_json(obj, &o, m);

	if (rc)
		return rc;
	cr_key(&o, key, sizeof(key));
	name_small(s->sa, key);
	f.rdid = o.rdid;
	f.prefix = o.prefix;
	f.plen = o.plen;
	policy_cr_foreach(s->a->pol, &f, cr_find_cb, &cf);
	if (cf.have && json_same(cr_to_json(&cf.found), cr_to_json(&o)))
		return 0;
	s->saves |= SAVE_CRS;
	return cf.have ? policy_cr_set(s->a->pol, &o, m)
	               : policy_cr_add(s->a->pol, &o, m);
}

static int
pa_put(struct sync_job *s, const json_t *obj, struct pmsg *m)
{
	const struct provider_address *old;
	struct provider_address o;
	char key[128];
	int rc = pa_from_json(obj, &o, m);

	if (rc)
		return rc;
	pa_key(&o, key, sizeof(key));
	name_small(s->sa, key);
	old = policy_pa_find(s->a->pol, &o.pa);
	if (old && json_same(pa_to_json(old), pa_to_json(&o)))
		return 0;
	s->saves |= SAVE_PAS;
	s->mtu = true;
	return old ? policy_pa_set(s->a->pol, &o, m)
	           : policy_pa_add(s->a->pol, &o, m);
}

static int
pr_copy_cb(const struct provider_route *r, void *aux)
{
	struct provider_route **copy = aux;

	*copy = xmalloc(sizeof(**copy));
	**copy = *r;
	return 1;
}

static int
pr_put(struct sync_job *s, const json_t *obj, struct pmsg *m)
{
	struct policy_filter f = {.fields = F_PREFIX | F_NEXTHOP};
	struct provider_route o, *old = NULL;
	char key[128];
	int rc = pr_from_json(obj, &o, m);

	if (rc)
		return rc;
	pr_key(&o, key, sizeof(key));
	name_small(s->sa, key);
	f.prefix = o.prefix;
	f.plen = o.plen;
	f.nexthop = o.nexthop;
	policy_pr_foreach(s->a->pol, &f, pr_copy_cb, &old);
	if (old && json_same(pr_to_json(old), pr_to_json(&o))) {
		free(old);
		return 0;
	}
	s->saves |= SAVE_PRS;
	if (old)
		policy_pr_remove(s->a->pol, &f);
	rc = policy_pr_add(s->a->pol, &o, m);
	if (rc && old)
		policy_pr_add(s->a->pol, old, &(struct pmsg){0});
	free(old);
	return rc;
}

static int
sw_put(struct sync_job *s, const json_t *obj, struct pmsg *m)
{
	const struct vswitch *old;
	struct vswitch o;
	char key[128];
	int rc = sw_from_json(obj, &o, m);

	if (rc)
		return rc;
	sw_key(o.name, key, sizeof(key));
	name_small(s->sa, key);
	old = policy_sw_find(s->a->pol, o.name);
	if (old && json_same(sw_to_json(old), sw_to_json(&o)))
		return 0;
	s->saves |= SAVE_SWITCHES;
	if (old) {
		/* Another interface (or the name's case): remove and add,
		 * which needs the switch free of adapters. */
		rc = obj_switch_remove(s->a, o.name, m);
		if (rc < 0)
			return rc;
	}
	return obj_switch_add(s->a, &o, m);
}

static const char *
vm_name(const json_t *obj, struct pmsg *m)
{
	const char *vm = json_string_value(json_object_get(obj, "vm"));

	if (!vm || !*vm || strlen(vm) >= 64) {
		snprintf(m->err, sizeof(m->err),
		         "vm: field 'vm': missing or not a VM name");
		return NULL;
	}
	return vm;
}

static int
vm_put(struct sync_job *s, const json_t *obj, struct pmsg *m)
{
	const char *vm = vm_name(obj, m);
	char key[128];
	bool known;
	int rc;

	if (!vm)
		return -EINVAL;
	vm_key(vm, key, sizeof(key));
	name_small(s->sa, key);
	known = agent_vm_known(s->a, vm);
	rc = obj_vm_add(s->a, vm, m);
	if (!rc && !known)
		s->saves |= SAVE_VMS;
	return rc;
}

static int
vma_put(struct sync_job *s, const json_t *obj, struct pmsg *m)
{
	struct vm_adapter o, *old;
	char key[192];
	int rc = vma_from_json(obj, &o, m);

	if (rc)
		return rc;
	vma_key(o.vm, o.name, key, sizeof(key));
	name_small(s->sa, key);
	old = policy_vma_find(s->a->pol, o.vm, o.name);
	if (old && !strcasecmp(old->sw, o.sw) && old->vsid == o.vsid &&
	    (eth_is_zero(&o.mac) || eth_equal(&old->mac, &o.mac)))
		return 0;
	s->saves |= SAVE_ADAPTERS | SAVE_VMS;
	if (old && !strcasecmp(old->sw, o.sw))
		return obj_vma_set(s->a, &o, m);
	if (old) {
		/* Another switch: a new interface. */
		struct policy_filter f = {.fields = F_VM | F_NAME};

		strlcpy_(f.vm, o.vm, sizeof(f.vm));
		strlcpy_(f.name, o.name, sizeof(f.name));
		obj_vma_remove(s->a, &f);
	}
	return obj_vma_add(s->a, &o, m);
}

static int
small_del(struct sync_job *s, enum kind k, const json_t *obj, struct pmsg *m)
{
	static const char *const cr_keys[] = {"rdid", "prefix", NULL};
	static const char *const pa_keys[] = {"pa", NULL};
	static const char *const pr_keys[] = {"prefix", "nexthop", NULL};
	static const char *const sw_keys[] = {"name", NULL};
	static const char *const vma_keys[] = {"vm", "name", NULL};
	struct policy_filter f;
	const char *vm;
	int rc = 0;

	switch (k) {
	case K_CR:
		rc = key_filter(obj, cr_keys, "customer route", &f, m);
		if (!rc && policy_cr_remove(s->a->pol, &f))
			s->saves |= SAVE_CRS;
		break;
	case K_PA:
		rc = key_filter(obj, pa_keys, "provider address", &f, m);
		if (!rc && policy_pa_remove(s->a->pol, &f)) {
			s->saves |= SAVE_PAS;
			s->mtu = true;
		}
		break;
	case K_PR:
		rc = key_filter(obj, pr_keys, "provider route", &f, m);
		if (!rc && policy_pr_remove(s->a->pol, &f))
			s->saves |= SAVE_PRS;
		break;
	case K_SW:
		rc = key_filter(obj, sw_keys, "switch", &f, m);
		if (!rc)
			rc = obj_switch_remove(s->a, f.name, m);
		if (rc > 0)
			s->saves |= SAVE_SWITCHES;
		break;
	case K_VM:
		vm = vm_name(obj, m);
		if (!vm)
			return -EINVAL;
		/* "moved": the VM lives on elsewhere (its namespace is the
		 * guest: a lab's hosts share it); let it go, keep it */
		if (json_is_true(json_object_get(obj, "moved"))
		        ? obj_vm_release(s->a, vm)
		        : obj_vm_remove(s->a, vm))
			s->saves |= SAVE_VMS | SAVE_ADAPTERS;
		break;
	case K_VMA:
		rc = key_filter(obj, vma_keys, "vm adapter", &f, m);
		if (!rc && obj_vma_remove(s->a, &f))
			s->saves |= SAVE_ADAPTERS;
		break;
	case K_LR:
	case K_MAX:
		break;
	}
	return rc < 0 ? rc : 0;
}

static int
apply_small(struct sync_job *s, enum kind k, bool put, const json_t *obj,
            struct pmsg *m)
{
	if (!put)
		return small_del(s, k, obj, m);
	switch (k) {
	case K_CR:
		return cr_put(s, obj, m);
	case K_PA:
		return pa_put(s, obj, m);
	case K_PR:
		return pr_put(s, obj, m);
	case K_SW:
		return sw_put(s, obj, m);
	case K_VM:
		return vm_put(s, obj, m);
	case K_VMA:
		return vma_put(s, obj, m);
	case K_LR:
	case K_MAX:
		break;
	}
	return -EINVAL;
}

/* ---- the reset's end for the small families ---- */

struct sweep {
	struct sync_job *s;
	json_t *gone; /* objects to remove (as JSON: a del's obj) */
};

static int
sweep_cr_cb(const struct customer_route *o, void *aux)
{
	struct sweep *w = aux;
	char key[128];

	cr_key(o, key, sizeof(key));
	if (!small_named(w->s->sa, key))
		json_array_append_new(w->gone, cr_to_json(o));
	return 0;
}

static int
sweep_pa_cb(const struct provider_address *o, void *aux)
{
	struct sweep *w = aux;
	char key[128];

	pa_key(o, key, sizeof(key));
	if (!small_named(w->s->sa, key))
		json_array_append_new(w->gone, pa_to_json(o));
	return 0;
}

static int
sweep_pr_cb(const struct provider_route *o, void *aux)
{
	struct sweep *w = aux;
	char key[128];

	pr_key(o, key, sizeof(key));
	if (!small_named(w->s->sa, key))
		json_array_append_new(w->gone, pr_to_json(o));
	return 0;
}

static int
sweep_sw_cb(const struct vswitch *o, void *aux)
{
	struct sweep *w = aux;
	char key[128];

	sw_key(o->name, key, sizeof(key));
	if (!small_named(w->s->sa, key))
		json_array_append_new(w->gone, sw_to_json(o));
	return 0;
}

static int
sweep_vma_cb(struct vm_adapter *o, void *aux)
{
	struct sweep *w = aux;
	char key[192];

	vma_key(o->vm, o->name, key, sizeof(key));
	if (!small_named(w->s->sa, key))
		json_array_append_new(w->gone, vma_to_json(o));
	return 0;
}

static void
sweep_remove(struct sync_job *s, enum kind k, json_t *gone)
{
	json_t *o;
	size_t i;

	json_array_foreach(gone, i, o)
	{
		struct pmsg m = {0};
		char *t;

		if (small_del(s, k, o, &m) < 0) {
			json_t *c = json_pack("{s:s,s:s,s:O}", "op", "del",
			                      "kind", kind_names[k], "obj", o);

			change_failed(s, c, m.err);
			json_decref(c);
			continue;
		}
		t = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		log_info("controller resync: removed %s %s (not in the "
		         "controller's snapshot)",
		         kind_names[k], t ? t : "");
		free(t);
	}
	json_array_clear(gone);
}

/* Adapters first (they hold switches and VMs), then the rest. */
static void
sweep_small(struct sync_job *s)
{
	struct sweep w = {s, json_array()};
	json_t *v;
	size_t i;

	policy_vma_foreach(s->a->pol, NULL, sweep_vma_cb, &w);
	sweep_remove(s, K_VMA, w.gone);
	policy_sw_foreach(s->a->pol, sweep_sw_cb, &w);
	sweep_remove(s, K_SW, w.gone);
	json_array_foreach(s->a->vms, i, v)
	{
		char key[128];

		vm_key(json_string_value(v), key, sizeof(key));
		if (!small_named(s->sa, key))
			json_array_append_new(w.gone,
			                      json_pack("{s:O}", "vm", v));
	}
	sweep_remove(s, K_VM, w.gone);
	policy_cr_foreach(s->a->pol, NULL, sweep_cr_cb, &w);
	sweep_remove(s, K_CR, w.gone);
	policy_pr_foreach(s->a->pol, NULL, sweep_pr_cb, &w);
	sweep_remove(s, K_PR, w.gone);
	policy_pa_foreach(s->a->pol, NULL, sweep_pa_cb, &w);
	sweep_remove(s, K_PA, w.gone);
	json_decref(w.gone);
	json_object_clear(s->sa->named_small);
}

/* ---- the steps ---- */

/* One pass over the small changes left: early, only the puts that
 * others depend on; late, everything.  Applied ones become null. */
static void
small_one(struct sync_job *s, bool early)
{
	json_t *c = json_array_get(s->small, s->i);
	struct pmsg m = {0};
	enum kind k;
	bool put;
	char err[8];

	if (json_is_null(c))
		return;
	change_shape(c, &k, &put, err, sizeof(err));
	if (early && (!put || k == K_VMA))
		return;
	if (apply_small(s, k, put, json_object_get(c, "obj"), &m) < 0) {
		/* Left for the next pass, with its error. */
		json_object_set_new(c, "error", json_string(m.err));
		return;
	}
	s->applied++;
	s->pass_progress = true;
	json_array_set_new(s->small, s->i, json_null());
}

/* The changes still failing after every pass: logged, counted. */
static void
fail_left(struct sync_job *s, json_t *list)
{
	json_t *c;
	size_t i;

	json_array_foreach(list, i, c)
	{
		const char *err =
		    json_string_value(json_object_get(c, "error"));

		if (!json_is_null(c))
			change_failed(s, c, err ? err : "not applied");
	}
	json_array_clear(list);
}

static void
save(struct sync_job *s)
{
	struct agent *a = s->a;
	struct syncapply *sa = s->sa;
	bool moved = sa->revision != s->revision || strcmp(sa->epoch, s->epoch);

	if (s->mtu)
		ports_update_mtu(a);
	sa->revision = s->revision;
	snprintf(sa->epoch, sizeof(sa->epoch), "%s", s->epoch);
	if (s->reset_end) {
		sa->resetting = false;
		log_info("controller resync done at revision %llu: %zu "
		         "lookup records",
		         (unsigned long long)sa->revision,
		         policy_lr_count(a->pol));
	}
	sa->changes += s->applied;
	sa->failed += s->failed;
	if (s->logged > SA_LOG_MAX)
		log_warnx("controller revision %llu: %zu more changes not "
		          "applied",
		          (unsigned long long)s->revision,
		          s->logged - SA_LOG_MAX);
	sa->applied = true;
	sa->ticket = 0;
	if (s->reset_end)
		named_clear(sa); /* what a later pass named again */
	if (!moved && !s->saves && !s->lr_changed && !s->reset_end)
		return; /* an empty long poll: nothing to write */
	agent_queue_save(a, s->saves);
	queue_position(a, sa);
	sa->ticket = store_mark(a->store);
}

static bool
sync_step(struct agent *a, struct job *j, uint64_t deadline)
{
	struct sync_job *s = CONTAINER_OF(j, struct sync_job, job);
	struct pmsg m;

	do {
		switch (s->phase) {
		case PH_CLASSIFY: {
			json_t *c = json_array_get(s->lrs, s->i);
			enum kind k;
			bool put;

			if (s->i == json_array_size(s->lrs)) {
				s->phase = PH_SMALL_EARLY;
				s->i = 0;
				break;
			}
			if (change_shape(c, &k, &put, m.err, sizeof(m.err))) {
				change_failed(s, c, m.err);
				json_array_set_new(s->lrs, s->i, json_null());
			} else if (k != K_LR) {
				json_array_append(s->small, c);
				json_array_set_new(s->lrs, s->i, json_null());
			}
			s->i++;
			break;
		}
		case PH_SMALL_EARLY:
			if (s->i == json_array_size(s->small)) {
				s->phase = PH_LR_BEGIN;
				break;
			}
			small_one(s, true);
			s->i++;
			break;
		case PH_LR_BEGIN:
			if (policy_lr_begin(a->pol))
				fatalx("lookup record stage already open");
			s->lr_passes++;
			s->i = 0;
			s->phase = PH_LR;
			break;
		case PH_LR: {
			json_t *c;

			if (s->i == json_array_size(s->lrs)) {
				s->i = 0;
				s->phase = PH_LR_RETRY;
				json_decref(s->lrs);
				s->lrs = s->retry;
				s->retry = json_array();
				break;
			}
			c = json_array_get(s->lrs, s->i);
			if (!json_is_null(c)) {
				memset(&m, 0, sizeof(m));
				if (apply_lr(s, c, &m) == 0)
					s->applied++;
				else
					failed_with(s->retry, c, m.err);
				/* Freed as it goes: a reply of 10,000 changes
				 * freed at once would hold the loop. */
				json_array_set_new(s->lrs, s->i, json_null());
			}
			s->i++;
			break;
		}
		case PH_LR_RETRY: {
			/* Swaps inside one reply (two records trading a
			 * MAC) succeed once the other half is in. */
			json_t *c;

			if (s->i == json_array_size(s->lrs)) {
				/* What still fails, for another pass. */
				json_decref(s->lrs);
				s->lrs = s->retry;
				s->retry = json_array();
				if (s->sweep_lr) {
					s->sweep_lr = false;
					policy_lr_walk_init(&s->walk, NULL,
					                    NULL, NULL);
					s->phase = PH_SWEEP_LR;
				} else {
					policy_lr_commit(a->pol);
					s->phase = PH_FINALIZE;
				}
				break;
			}
			c = json_array_get(s->lrs, s->i);
			memset(&m, 0, sizeof(m));
			if (apply_lr(s, c, &m) == 0)
				s->applied++;
			else
				failed_with(s->retry, c, m.err);
			s->i++;
			break;
		}
		case PH_SWEEP_LR:
			policy_lr_walk_step(a->pol, &s->walk, SA_STEP,
			                    sweep_lr_cb, s);
			if (s->walk.done)
				s->phase = PH_FREE_NAMED;
			break;
		case PH_FREE_NAMED: {
			/* Named records the agent does not hold (their put
			 * failed): free their entries, a step at a time. */
			struct hmap_node *n;

			for (int k = 0; k < SA_STEP; k++) {
				n = hmap_first(&s->sa->named);
				if (!n)
					break;
				hmap_remove(&s->sa->named, n);
				free(CONTAINER_OF(n, struct named_lr, node));
			}
			if (hmap_is_empty(&s->sa->named)) {
				hmap_uninit(&s->sa->named);
				hmap_init(&s->sa->named);
				policy_lr_commit(a->pol);
				s->phase = PH_FINALIZE;
			}
			break;
		}
		case PH_FINALIZE:
			if (policy_lr_finalize_step(a->pol, SA_STEP, store_cb,
			                            s))
				break;
			s->i = 0;
			s->pass_progress = false;
			s->phase = PH_SMALL_LATE;
			break;
		case PH_SMALL_LATE:
			if (s->i < json_array_size(s->small)) {
				small_one(s, false);
				s->i++;
				break;
			}
			s->i = 0;
			if (s->pass_progress) {
				/* Again: a switch removed before its adapter,
				 * a route that waited for records to go. */
				s->small_progress = true;
				s->pass_progress = false;
				break;
			}
			if (s->small_progress && json_array_size(s->lrs) &&
			    s->lr_passes < SA_LR_PASSES) {
				s->small_progress = false;
				s->phase = PH_LR_BEGIN;
				break;
			}
			s->phase = s->reset_end ? PH_SWEEP_SMALL : PH_SAVE;
			break;
		case PH_SWEEP_SMALL:
			sweep_small(s);
			s->phase = PH_SAVE;
			break;
		case PH_SAVE:
			fail_left(s, s->small);
			fail_left(s, s->lrs);
			save(s);
			return false;
		}
	} while (time_ns() < deadline);
	return true;
}

void
syncapply_start(struct agent *a, json_t *reply)
{
	struct syncapply *sa = a->sa;
	struct sync_job *s = xcalloc(1, sizeof(*s));
	const char *epoch = json_string_value(json_object_get(reply, "epoch"));
	bool reset = json_is_true(json_object_get(reply, "reset"));
	bool more = json_is_true(json_object_get(reply, "more"));

	s->job.step = sync_step;
	s->job.destroy = sync_job_destroy;
	s->a = a;
	s->sa = sa;
	s->reply = reply;
	s->lrs = json_incref(json_object_get(reply, "changes"));
	if (!s->lrs)
		s->lrs = json_array();
	s->small = json_array();
	s->retry = json_array();
	s->revision =
	    (uint64_t)json_integer_value(json_object_get(reply, "revision"));
	snprintf(s->epoch, sizeof(s->epoch), "%s", epoch ? epoch : "");
	if (reset && sa->resetting && strcmp(sa->reset_epoch, s->epoch)) {
		/* The controller started over (its database was replaced
		 * in the middle): what the old pages named counts no more. */
		log_info("controller resync restarted (epoch %s)", s->epoch);
		sa->resetting = false;
	}
	if (reset && !sa->resetting) {
		named_clear(sa);
		sa->resetting = true;
		snprintf(sa->reset_epoch, sizeof(sa->reset_epoch), "%s",
		         s->epoch);
		sa->resets++;
		log_info("controller resync from revision %llu (epoch %s)",
		         (unsigned long long)s->revision, s->epoch);
	}
	s->reset_end = sa->resetting && !more;
	s->sweep_lr = s->reset_end;
	sa->replies++;
	sa->busy = true;
	sa->applied = false;
	sa->warned = false;
	snprintf(s->job.res.what, sizeof(s->job.res.what),
	         "controller revision %llu", (unsigned long long)s->revision);
	a->job = &s->job;
}

bool
syncapply_done(struct agent *a, uint64_t durable, uint64_t failed,
               const char *why)
{
	struct syncapply *sa = a->sa;

	if (!sa->busy || !sa->applied)
		return false;
	if (sa->ticket && durable < sa->ticket) {
		if (failed >= sa->ticket && !sa->warned) {
			sa->warned = true;
			log_warnx("controller revision %llu: applied but not "
			          "saved yet (%s); waiting for the state "
			          "database before asking for more",
			          (unsigned long long)sa->revision, why);
		}
		return false;
	}
	sa->busy = false;
	return true;
}
