/* SPDX-License-Identifier: Apache-2.0 */
/*
 * commands: what the control socket's requests do
 * (doc/control-protocol.md).  control.c hands over one parsed request at
 * a time, between batches, so a change never interleaves with a batch or
 * with another request.  Rules:
 *  1. a request is validated completely before anything changes;
 *  2. an accepted change is queued to the state database (agent_save,
 *     or lrjob.c for lookup records) and its reply waits until it is on
 *     disk (control.c); if the save fails (disk full, read-only), the
 *     change stays in effect and the reply is an error that says it was
 *     not saved;
 *  3. errors name the field and the value (policy/json.h, policy.h);
 *  4. lookup records, the family that grows to a million, change and
 *     read through jobs (lrjob.c) that run in slices; the other
 *     families are small and run at once.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent/agent.h"
#include "io/afxdp.h"
#include "agent/store.h"
#include "agent/sync.h"
#include "io/link.h"
#include "io/netns.h"
#include "lib/log.h"
#include "policy/json.h"

json_t *
commands_error(const char *msg)
{
	return json_pack("{s:b,s:s}", "ok", 0, "error", msg);
}

/* ---- the objects of the policy, one table entry each ---- */

struct objtype {
	const char *name;        /* "lookup-record" */
	const char *human;       /* "lookup record" */
	unsigned save;           /* SAVE_* bits a change rewrites */
	const char *const *keys; /* identify one object for set */
	json_t *(*get)(struct agent *, const struct policy_filter *);
	int (*add)(struct agent *, const json_t *, json_t **, struct pmsg *);
	int (*set)(struct agent *, const json_t *, json_t **, struct pmsg *);
	int (*remove)(struct agent *, const struct policy_filter *,
	              struct pmsg *);
};

/* Generic add/get/set/remove for the four NetVirtualization families,
 * which have no side effects beyond the policy. */
#define SIMPLE_FAMILY(pfx, T)                                                  \
	static int pfx##_collect(const T *o, void *aux)                        \
	{                                                                      \
		json_array_append_new(aux, pfx##_to_json(o));                  \
		return 0;                                                      \
	}                                                                      \
	static json_t *pfx##_get(struct agent *a,                              \
	                         const struct policy_filter *f)                \
	{                                                                      \
		json_t *arr = json_array();                                    \
		policy_##pfx##_foreach(a->pol, f, pfx##_collect, arr);         \
		return arr;                                                    \
	}                                                                      \
	static int pfx##_add(struct agent *a, const json_t *args,              \
	                     json_t **res, struct pmsg *m)                     \
	{                                                                      \
		T o;                                                           \
		int err = pfx##_from_json(args, &o, m);                        \
		if (!err)                                                      \
			err = policy_##pfx##_add(a->pol, &o, m);               \
		if (!err)                                                      \
			*res = pfx##_to_json(&o);                              \
		return err;                                                    \
	}                                                                      \
	static int pfx##_rm(struct agent *a, const struct policy_filter *f,    \
	                    struct pmsg *m)                                    \
	{                                                                      \
		(void)m;                                                       \
		return policy_##pfx##_remove(a->pol, f);                       \
	}

SIMPLE_FAMILY(cr, struct customer_route)
SIMPLE_FAMILY(pa, struct provider_address)
SIMPLE_FAMILY(pr, struct provider_route)

/* Lookup records read here only for set's merge (one record by key);
 * everything else about them is in lrjob.c. */
static int
lr_collect(const struct lookup_record *o, void *aux)
{
	json_array_append_new(aux, lr_to_json(o));
	return 0;
}

/* An AF_XDP uplink's section of stats: the XDP program's counters, the
 * frames its sockets gave, and per queue. */
static json_t *
xdp_stats_json(const struct io_port *io, const uint64_t *xc)
{
	uint64_t q[64];
	uint32_t n = io_afxdp_queues(io, q, ARRAY_SIZE(q));
	json_t *qs = json_array();

	for (uint32_t i = 0; i < n && i < ARRAY_SIZE(q); i++)
		json_array_append_new(qs, json_integer((json_int_t)q[i]));
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:o}", "tunnel",
	                 (json_int_t)xc[XDP_UPLINK_TUNNEL], "not_ours",
	                 (json_int_t)xc[XDP_UPLINK_NOT_OURS], "other",
	                 (json_int_t)xc[XDP_UPLINK_OTHER], "short",
	                 (json_int_t)xc[XDP_UPLINK_SHORT], "socket_rx",
	                 (json_int_t)io_afxdp_socket_rx(io), "socket_rx_queues",
	                 qs);
}

static json_t *
lr_get(struct agent *a, const struct policy_filter *f)
{
	json_t *arr = json_array();

	policy_lr_foreach(a->pol, f, lr_collect, arr);
	return arr;
}

static int
pr_copy_cb(const struct provider_route *r, void *aux)
{
	struct provider_route **copy = aux;

	*copy = xmalloc(sizeof(**copy));
	**copy = *r;
	return 1;
}

#define SIMPLE_SET(pfx, T)                                                     \
	static int pfx##_set(struct agent *a, const json_t *args,              \
	                     json_t **res, struct pmsg *m)                     \
	{                                                                      \
		T o;                                                           \
		int err = pfx##_from_json(args, &o, m);                        \
		if (!err)                                                      \
			err = policy_##pfx##_set(a->pol, &o, m);               \
		if (!err)                                                      \
			*res = pfx##_to_json(&o);                              \
		return err;                                                    \
	}
SIMPLE_SET(cr, struct customer_route)
SIMPLE_SET(pa, struct provider_address)

/* A provider route's key is (prefix, next hop); set changes the rest
 * (metric, interface): replace it, restoring the old one on failure. */
static int
pr_set(struct agent *a, const json_t *args, json_t **res, struct pmsg *m)
{
	struct policy_filter f = {.fields = F_PREFIX | F_NEXTHOP};
	struct provider_route o, *old = NULL;
	int err = pr_from_json(args, &o, m);

	if (err)
		return err;
	f.prefix = o.prefix;
	f.plen = o.plen;
	f.nexthop = o.nexthop;
	policy_pr_foreach(a->pol, &f, pr_copy_cb, &old);
	if (!old) {
		snprintf(m->err, sizeof(m->err),
		         "provider route: no such "
		         "route");
		return -ENOENT;
	}
	policy_pr_remove(a->pol, &f);
	err = policy_pr_add(a->pol, &o, m);
	if (err) {
		policy_pr_add(a->pol, old, &(struct pmsg){0});
	} else {
		*res = pr_to_json(&o);
	}
	free(old);
	return err;
}

/* Switches: a switch on another interface than the uplink is a bridge. */
static int
sw_collect(const struct vswitch *sw, void *aux)
{
	json_array_append_new(aux, sw_to_json(sw));
	return 0;
}

static json_t *
sw_get(struct agent *a, const struct policy_filter *f)
{
	json_t *arr = json_array();

	if (f->fields & F_NAME) {
		const struct vswitch *sw = policy_sw_find(a->pol, f->name);

		if (sw)
			json_array_append_new(arr, sw_to_json(sw));
		return arr;
	}
	policy_sw_foreach(a->pol, sw_collect, arr);
	return arr;
}

static int
sw_add(struct agent *a, const json_t *args, json_t **res, struct pmsg *m)
{
	struct vswitch sw;
	int err = sw_from_json(args, &sw, m);

	if (!err)
		err = obj_switch_add(a, &sw, m);
	if (!err)
		*res = sw_to_json(&sw);
	return err;
}

static int
sw_rm(struct agent *a, const struct policy_filter *f, struct pmsg *m)
{
	if (!(f->fields & F_NAME)) {
		snprintf(m->err, sizeof(m->err),
		         "switch: remove needs field 'name'");
		return -EINVAL;
	}
	return obj_switch_remove(a, f->name, m);
}

/* VM adapters: creating, changing and removing interfaces. */
static int
vma_collect(struct vm_adapter *vma, void *aux)
{
	json_array_append_new(aux, vma_to_json(vma));
	return 0;
}

static json_t *
vma_get(struct agent *a, const struct policy_filter *f)
{
	json_t *arr = json_array();

	policy_vma_foreach(a->pol, f, vma_collect, arr);
	return arr;
}

static int
vma_add(struct agent *a, const json_t *args, json_t **res, struct pmsg *m)
{
	struct vm_adapter v;
	int err = vma_from_json(args, &v, m);

	if (!err)
		err = obj_vma_add(a, &v, m);
	if (!err)
		*res = vma_to_json(policy_vma_find(a->pol, v.vm, v.name));
	return err;
}

static int
vma_set(struct agent *a, const json_t *args, json_t **res, struct pmsg *m)
{
	struct vm_adapter v;
	int err = vma_from_json(args, &v, m);

	if (!err)
		err = obj_vma_set(a, &v, m);
	if (!err)
		*res = vma_to_json(policy_vma_find(a->pol, v.vm, v.name));
	return err;
}

static int
vma_rm(struct agent *a, const struct policy_filter *f, struct pmsg *m)
{
	(void)m;
	return obj_vma_remove(a, f);
}

static const char *const lr_keys[] = {"vsid", "ca", NULL};
static const char *const cr_keys[] = {"rdid", "prefix", NULL};
static const char *const pa_keys[] = {"pa", NULL};
static const char *const pr_keys[] = {"prefix", "nexthop", NULL};
static const char *const vma_keys[] = {"vm", "name", NULL};

static const struct objtype objtypes[] = {
    {"lookup-record", "lookup record", 0, lr_keys, lr_get, NULL, NULL, NULL},
    {"customer-route", "customer route", SAVE_CRS, cr_keys, cr_get, cr_add,
     cr_set, cr_rm},
    {"provider-address", "provider address", SAVE_PAS, pa_keys, pa_get, pa_add,
     pa_set, pa_rm},
    {"provider-route", "provider route", SAVE_PRS, pr_keys, pr_get, pr_add,
     pr_set, pr_rm},
    {"switch", "switch", SAVE_SWITCHES, NULL, sw_get, sw_add, NULL, sw_rm},
    {"vm-adapter", "vm adapter", SAVE_ADAPTERS | SAVE_VMS, vma_keys, vma_get,
     vma_add, vma_set, vma_rm},
};

/* Set semantics: the request names the object by its key fields and
 * gives only what changes; merge it over the stored object. */
static int
merge_for_set(struct agent *a, const struct objtype *t, const json_t *args,
              json_t **merged, struct pmsg *m)
{
	json_t *key = json_object(), *found;
	struct policy_filter f;
	int err;

	for (const char *const *k = t->keys; *k; k++) {
		json_t *v = json_object_get(args, *k);

		if (v)
			json_object_set(key, *k, v);
	}
	/* An L2Only record has no CA: name it by its MAC. */
	if (!strcmp(t->name, "lookup-record") && !json_object_get(key, "ca") &&
	    json_object_get(args, "mac"))
		json_object_set(key, "mac", json_object_get(args, "mac"));
	err = policy_filter_from_json(key, &f, m);
	json_decref(key);
	if (err)
		return err;
	if (!f.fields) {
		snprintf(m->err, sizeof(m->err), "%s: set needs field '%s'",
		         t->human, t->keys[0]);
		return -EINVAL;
	}
	found = t->get(a, &f);
	if (json_array_size(found) != 1) {
		snprintf(m->err, sizeof(m->err), "%s: %s", t->human,
		         json_array_size(found) ? "more than one object matches"
		                                : "no such object");
		json_decref(found);
		return -ENOENT;
	}
	*merged = json_deep_copy(json_array_get(found, 0));
	json_decref(found);
	json_object_update(*merged, (json_t *)args);
	return 0;
}

int
lrjob_merge_for_set(struct agent *a, const json_t *args, json_t **merged,
                    struct pmsg *m)
{
	return merge_for_set(a, &objtypes[0], args, merged, m);
}

static void
after_change(struct agent *a, const struct objtype *t)
{
	if (!strcmp(t->name, "provider-address"))
		ports_update_mtu(a);
}

/* Lookup records go to their jobs (lrjob.c); the rest happens here. */
static int
handle_object(struct agent *a, const struct objtype *t, const char *verb,
              const json_t *args, json_t **res, uint64_t *ticket,
              struct pmsg *m)
{
	struct policy_filter f;
	json_t *merged = NULL;
	int err, n;

	if (!strcmp(t->name, "lookup-record")) {
		if (!strcmp(verb, "get"))
			return lrjob_get(a, args, false, m);
		if (!strcmp(verb, "add") || !strcmp(verb, "set") ||
		    !strcmp(verb, "remove"))
			return lrjob_change(a, verb, args, m);
	} else if (!strcmp(verb, "get")) {
		err = policy_filter_from_json(args, &f, m);
		if (!err)
			*res = t->get(a, &f);
		return err;
	}
	if (!strcmp(verb, "add")) {
		err = t->add(a, args, res, m);
	} else if (!strcmp(verb, "set")) {
		if (!t->set) {
			snprintf(m->err, sizeof(m->err),
			         "%s: set is not supported; remove and add",
			         t->human);
			return -EINVAL;
		}
		err = merge_for_set(a, t, args, &merged, m);
		if (!err)
			err = t->set(a, merged, res, m);
		json_decref(merged);
	} else if (!strcmp(verb, "remove")) {
		err = policy_filter_from_json(args, &f, m);
		if (err)
			return err;
		if (!f.fields) {
			snprintf(m->err, sizeof(m->err),
			         "%s: remove needs a filter (use policy.clear "
			         "to remove everything)",
			         t->human);
			return -EINVAL;
		}
		n = t->remove(a, &f, m);
		if (n < 0)
			return n;
		if (n == 0) {
			char *s = json_dumps(args, JSON_COMPACT);

			snprintf(m->err, sizeof(m->err), "no %s matches %s",
			         t->human, s ? s : "");
			free(s);
			return -ENOENT;
		}
		*res = json_pack("{s:i}", "removed", n);
		err = 0;
	} else {
		snprintf(m->err, sizeof(m->err),
		         "unknown verb '%s' for %s (add, get, set, remove)",
		         verb, t->name);
		return -EINVAL;
	}
	if (!err) {
		after_change(a, t);
		*ticket = agent_save(a, t->save);
	}
	return err;
}

/* ---- other commands ---- */

static int
port_status_cb(struct vm_adapter *vma, void *aux)
{
	json_array_append_new(aux, json_pack("{s:s,s:s,s:b,s:i}", "vm", vma->vm,
	                                     "name", vma->name, "attached",
	                                     vma->port > 0, "port", vma->port));
	return 0;
}

static json_t *
cmd_status(struct agent *a)
{
	char mac[ETH_ADDR_STRLEN];
	json_t *ports = json_array();

	policy_vma_foreach(a->pol, NULL, port_status_cb, ports);
	return json_pack(
	    "{s:s,s:s,s:s,s:i,s:s,s:i,s:s,s:s,s:s,s:o,s:s}", "uplink",
	    a->uplink, "uplink_state", uplink_state_name(a->uplink_state),
	    "uplink_detail", a->uplink_state == UPLINK_UP ? "" : a->uplink_why,
	    "uplink_ifindex", a->uplink_ifindex, "uplink_mac",
	    eth_fmt(&a->uplink_mac, mac), "uplink_mtu", a->uplink_mtu, "encap",
	    pipeline_encap_name(a->encap), "state_file", a->state_path,
	    "netns_prefix", a->netns_prefix, "ports", ports, "version",
	    AGENT_VERSION);
}

static json_t *
io_stats_json(const struct io_stats *s, uint64_t drops)
{

	return json_pack(
	    "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "rx_packets",
	    (json_int_t)s->rx_packets, "rx_bytes", (json_int_t)s->rx_bytes,
	    "tx_packets", (json_int_t)s->tx_packets, "tx_bytes",
	    (json_int_t)s->tx_bytes, "rx_errors",
	    (json_int_t)(s->rx_errors + s->rx_oversize), "tx_errors",
	    (json_int_t)(s->tx_errors + s->tx_dropped), "drops",
	    (json_int_t)drops, "rx_oversize", (json_int_t)s->rx_oversize,
	    "rx_super", (json_int_t)s->rx_super, "tx_super",
	    (json_int_t)s->tx_super);
}

struct stats_walk {
	struct agent *a;
	json_t *ports;
};

static int
stats_port_cb(struct vm_adapter *vma, void *aux)
{
	struct stats_walk *w = aux;
	struct io_port *io = pipeline_port_io(w->a->pl, vma->port);
	char name[160];

	if (!io)
		return 0;
	snprintf(name, sizeof(name), "%s/%s", vma->vm, vma->name);
	json_object_set_new(
	    w->ports, name,
	    io_stats_json(&io->stats,
	                  pipeline_port_drops(w->a->pl, vma->port)));
	return 0;
}

static void
neigh_cb(const struct neigh_info *n, void *aux)
{
	char ip[IP_ADDR_STRLEN], mac[ETH_ADDR_STRLEN];

	json_array_append_new(
	    aux, json_pack("{s:s,s:s,s:i,s:b,s:b,s:I}", "ip",
	                   ip_fmt(&n->ip, ip), "mac", eth_fmt(&n->mac, mac),
	                   "vlan", n->vlan, "resolved", n->resolved, "active",
	                   n->active, "age_ms", (json_int_t)n->age_ms));
}

static json_t *
drop_descriptions(void)
{
	json_t *o = json_object();

	for (int r = 0; r < DROP_MAX; r++)
		json_object_set_new(
		    o, drop_name((enum drop_reason)r),
		    json_string(drop_desc((enum drop_reason)r)));
	return o;
}

static json_t *
event_descriptions(void)
{
	json_t *o = json_object();

	for (int e = 0; e < PLEV_MAX; e++)
		json_object_set_new(o, event_name((enum pl_event)e),
		                    json_string(event_desc((enum pl_event)e)));
	return o;
}

static json_t *
cmd_stats(struct agent *a)
{
	const uint64_t *d = pipeline_drops(a->pl), *ev = pipeline_events(a->pl);
	json_t *drops = json_object(), *neigh = json_array();
	json_t *events = json_object(), *up;
	uint64_t xc[XDP_UPLINK_N_COUNTS];
	struct stats_walk w = {a, json_object()};

	for (int r = 0; r < DROP_MAX; r++)
		json_object_set_new(drops, drop_name((enum drop_reason)r),
		                    json_integer((json_int_t)d[r]));
	for (int e = 0; e < PLEV_MAX; e++)
		json_object_set_new(events, event_name((enum pl_event)e),
		                    json_integer((json_int_t)ev[e]));
	policy_vma_foreach(a->pol, NULL, stats_port_cb, &w);
	pipeline_neigh_foreach(a->pl, neigh_cb, neigh);
	up = io_stats_json(uplink_io_stats(a), pipeline_port_drops(a->pl, 0));
	if (io_is_afxdp(a->uplink_io) && io_afxdp_counts(a->uplink_io, xc) == 0)
		json_object_set_new(up, "xdp",
		                    xdp_stats_json(a->uplink_io, xc));
	return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "ports", w.ports,
	                 "uplink", up, "drops", drops, "drop_descriptions",
	                 drop_descriptions(), "events", events,
	                 "event_descriptions", event_descriptions(),
	                 "neighbours", neigh);
}

static int
cmd_interface(struct agent *a, const json_t *args, json_t **res, struct pmsg *m)
{
	const char *name = json_string_value(json_object_get(args, "name"));
	struct eth_addr mac;
	char macs[ETH_ADDR_STRLEN];
	int idx;

	(void)a;
	if (!name) {
		/* All interfaces of the host (Get-NetAdapter alone). */
		struct if_nameindex *ifs = if_nameindex(), *i;

		*res = json_array();
		for (i = ifs; i && i->if_name; i++) {
			if (link_get_mac(i->if_name, &mac) < 0)
				memset(&mac, 0, sizeof(mac));
			json_array_append_new(
			    *res, json_pack("{s:s,s:i,s:s}", "name", i->if_name,
			                    "ifindex", (int)i->if_index, "mac",
			                    eth_fmt(&mac, macs)));
		}
		if (ifs)
			if_freenameindex(ifs);
		return 0;
	}
	idx = link_ifindex(name);
	if (idx < 0 || link_get_mac(name, &mac) < 0) {
		snprintf(m->err, sizeof(m->err),
		         "interface.get: no interface '%s' on this host", name);
		return -ENODEV;
	}
	*res = json_pack("{s:s,s:i,s:s}", "name", name, "ifindex", idx, "mac",
	                 eth_fmt(&mac, macs));
	return 0;
}

static const char *
vm_arg(const json_t *args, const char *cmd, struct pmsg *m)
{
	const char *vm = json_string_value(json_object_get(args, "vm"));

	if (!vm || !*vm)
		snprintf(m->err, sizeof(m->err), "%s: missing field 'vm'", cmd);
	return vm && *vm ? vm : NULL;
}

static int
cmd_vm_add(struct agent *a, const json_t *args, json_t **res, uint64_t *ticket,
           struct pmsg *m)
{
	const char *vm = vm_arg(args, "vm.add", m);
	char ns[64];
	int err;

	if (!vm)
		return -EINVAL;
	err = obj_vm_add(a, vm, m);
	if (err)
		return err;
	ports_netns_name(a, vm, ns, sizeof(ns));
	*ticket = agent_save(a, SAVE_VMS);
	*res = json_pack("{s:s,s:s}", "vm", vm, "netns", ns);
	return 0;
}

static int
count_cb(struct vm_adapter *vma, void *aux)
{
	(void)vma;
	(*(int *)aux)++;
	return 0;
}

static json_t *
vm_json(struct agent *a, const char *vm)
{
	struct policy_filter f = {.fields = F_VM};
	char ns[64];
	int n = 0;

	strlcpy_(f.vm, vm, sizeof(f.vm));
	policy_vma_foreach(a->pol, &f, count_cb, &n);
	ports_netns_name(a, vm, ns, sizeof(ns));
	return json_pack("{s:s,s:s,s:i}", "vm", vm, "netns", ns, "adapters", n);
}

static int
cmd_vm_get(struct agent *a, const json_t *args, json_t **res)
{
	const char *want = json_string_value(json_object_get(args, "vm"));
	json_t *v;
	size_t i;

	*res = json_array();
	json_array_foreach(a->vms, i, v)
	{
		const char *vm = json_string_value(v);

		if (!want || !strcasecmp(want, vm))
			json_array_append_new(*res, vm_json(a, vm));
	}
	return 0;
}

static int
cmd_vm_remove(struct agent *a, const json_t *args, json_t **res,
              uint64_t *ticket, struct pmsg *m)
{
	const char *vm = vm_arg(args, "vm.remove", m);

	if (!vm)
		return -EINVAL;
	if (!obj_vm_remove(a, vm)) {
		snprintf(m->err, sizeof(m->err), "vm.remove: no VM '%.64s'",
		         vm);
		return -ENOENT;
	}
	*ticket = agent_save(a, SAVE_VMS | SAVE_ADAPTERS);
	*res = json_pack("{s:i}", "removed", 1);
	return 0;
}

static json_t *
latency_json(const struct agent *a)
{
	return json_pack(
	    "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:b,s:I,s:i}", "changes",
	    (json_int_t)a->lat.changes, "not_saved", (json_int_t)a->lat.failed,
	    "last_apply_us", (json_int_t)(a->lat.last_apply / 1000),
	    "max_apply_us", (json_int_t)(a->lat.max_apply / 1000),
	    "last_durable_us", (json_int_t)(a->lat.last_durable / 1000),
	    "max_durable_us", (json_int_t)(a->lat.max_durable / 1000),
	    "max_slice_us", (json_int_t)(a->lat.max_slice / 1000),
	    "max_loop_us", (json_int_t)(a->lat.max_loop / 1000), "poll_mode",
	    a->poll_mode, "poll_mode_entries", (json_int_t)a->lat.polled,
	    "ports_polled", a->n_polled);
}

/* Under a controller, what changes the policy is its alone. */
static bool
is_policy_write(const char *cmd)
{
	const char *dot = strchr(cmd, '.');

	if (!strcmp(cmd, "batch") || !strcmp(cmd, "policy.clear"))
		return true;
	return dot && (!strcmp(dot + 1, "add") || !strcmp(dot + 1, "set") ||
	               !strcmp(dot + 1, "remove"));
}

/* status: where the agent is with its controller. */
static json_t *
controller_json(struct agent *a)
{
	json_t *o = json_object(), *pos = syncapply_status(a->sa);

	sync_status(a->sync, o);
	json_object_update(o, pos);
	json_decref(pos);
	return o;
}

/* A command: 0 with *res (and *ticket for a change), 0 with a->job set
 * (a job will answer), or an error with m->err. */
static int
dispatch(struct agent *a, const char *cmd, const json_t *args, json_t **res,
         uint64_t *ticket, char *what, size_t what_len, struct pmsg *m)
{
	const char *dot = strchr(cmd, '.');

	snprintf(what, what_len, "%s", cmd);
	if (a->controller_url && is_policy_write(cmd)) {
		snprintf(m->err, sizeof(m->err),
		         "%s: this host's policy is managed by the controller "
		         "at %.300s",
		         cmd, a->controller_url);
		return -EPERM;
	}
	if (dot) {
		for (size_t i = 0; i < ARRAY_SIZE(objtypes); i++) {
			size_t n = strlen(objtypes[i].name);

			if ((size_t)(dot - cmd) == n &&
			    !strncmp(cmd, objtypes[i].name, n)) {
				snprintf(what, what_len, "%s %s",
				         objtypes[i].human, dot + 1);
				return handle_object(a, &objtypes[i], dot + 1,
				                     args, res, ticket, m);
			}
		}
	}
	if (!strcmp(cmd, "status")) {
		*res = cmd_status(a);
		json_object_set_new(
		    *res, "lookup_records",
		    json_integer((json_int_t)policy_lr_count(a->pol)));
		json_object_set_new(
		    *res, "store_backlog",
		    json_integer((json_int_t)store_backlog(a->store)));
		if (a->sync)
			json_object_set_new(*res, "controller",
			                    controller_json(a));
		return 0;
	}
	if (!strcmp(cmd, "stats")) {
		*res = cmd_stats(a);
		json_object_set_new(*res, "control", latency_json(a));
		json_object_set_new(*res, "learn",
		                    json_pack("{s:I, s:I}", "learnt",
		                              (json_int_t)a->learn.learnt,
		                              "conflicts",
		                              (json_int_t)a->learn.conflicts));
		if (a->sync)
			json_object_set_new(*res, "sync",
			                    syncapply_status(a->sa));
		return 0;
	}
	if (!strcmp(cmd, "stats.clear")) {
		pipeline_clear_stats(a->pl);
		memset(uplink_io_stats(a), 0, sizeof(struct io_stats));
		memset(&a->lat, 0, sizeof(a->lat));
		memset(&a->learn, 0, sizeof(a->learn));
		*res = json_object();
		return 0;
	}
	if (!strcmp(cmd, "drop-reasons")) {
		*res = drop_descriptions();
		return 0;
	}
	if (!strcmp(cmd, "interface.get"))
		return cmd_interface(a, args, res, m);
	if (!strcmp(cmd, "vm.add"))
		return cmd_vm_add(a, args, res, ticket, m);
	if (!strcmp(cmd, "vm.get"))
		return cmd_vm_get(a, args, res);
	if (!strcmp(cmd, "vm.remove"))
		return cmd_vm_remove(a, args, res, ticket, m);
	if (!strcmp(cmd, "trace"))
		return agent_trace(a, args, res, m);
	if (!strcmp(cmd, "policy.get"))
		return lrjob_get(a, args, true, m);
	if (!strcmp(cmd, "policy.clear"))
		return lrjob_clear(a, m);
	if (!strcmp(cmd, "batch"))
		return lrjob_batch(a, args, m);
	snprintf(m->err, sizeof(m->err), "unknown command '%s'", cmd);
	return -EINVAL;
}

static void
add_warnings(json_t *reply, const struct pmsg *m)
{
	json_t *w;

	if (!m->n_warn)
		return;
	w = json_array();
	for (int i = 0; i < m->n_warn && i < POLICY_MAX_WARN; i++) {
		json_array_append_new(w, json_string(m->warn[i]));
		log_warnx("%s", m->warn[i]);
	}
	json_object_set_new(reply, "warnings", w);
}

void
commands_run(struct agent *a, const json_t *req, struct cmd_result *out)
{
	struct pmsg m = {0};
	json_t *args, *res = NULL;
	const char *cmd;
	int err;

	memset(out, 0, sizeof(*out));
	out->t_start = time_ns();
	cmd = json_string_value(json_object_get(req, "cmd"));
	args = json_object_get(req, "args");
	if (!json_is_object(req) || !cmd) {
		out->reply = commands_error("request: missing field 'cmd'");
		return;
	}
	if (args && !json_is_object(args)) {
		out->reply =
		    commands_error("request: field 'args' must be an object");
		return;
	}
	if (!args)
		args = json_object();
	else
		json_incref(args);
	err = dispatch(a, cmd, args, &res, &out->ticket, out->what,
	               sizeof(out->what), &m);
	json_decref(args);
	if (!err && a->job) {
		/* The job answers; it inherits our start time. */
		a->job->res.t_start = out->t_start;
		return;
	}
	if (err) {
		json_decref(res);
		if (!m.err[0])
			snprintf(m.err, sizeof(m.err), "%s: %s", cmd,
			         strerror(err < 0 ? -err : err));
		out->reply = commands_error(m.err);
		out->ticket = 0;
	} else {
		out->reply = json_pack("{s:b,s:o}", "ok", 1, "result",
		                       res ? res : json_null());
	}
	add_warnings(out->reply, &m);
}
