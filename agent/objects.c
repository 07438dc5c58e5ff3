/* SPDX-License-Identifier: Apache-2.0 */
/*
 * objects: the changes to the small families that have effects beyond
 * the policy (switches bring up bridges, adapters make TAPs or veths,
 * VMs are namespaces), the VM registry, and saving the small families.
 * Both ways a host's policy changes go through here: local requests
 * (commands.c) and a controller's changes (syncapply.c), so a switch or
 * an adapter comes and goes the same way whoever asks.
 *
 * Every function validates before it acts and, when an effect fails,
 * undoes the policy change: on error nothing changed (m->err says why).
 * Nothing here saves: the caller queues the families it changed
 * (agent_save) once its whole change is done.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "agent/agent.h"
#include "agent/store.h"
#include "lib/log.h"
#include "policy/json.h"

/* ---- saving the small families ---- */

static int
meta_sw_cb(const struct vswitch *sw, void *aux)
{
	return json_array_append_new(aux, sw_to_json(sw));
}

static int
meta_vma_cb(struct vm_adapter *v, void *aux)
{
	return json_array_append_new(aux, vma_to_json(v));
}

static int
meta_pa_cb(const struct provider_address *o, void *aux)
{
	return json_array_append_new(aux, pa_to_json(o));
}

static int
meta_pr_cb(const struct provider_route *o, void *aux)
{
	return json_array_append_new(aux, pr_to_json(o));
}

static int
meta_cr_cb(const struct customer_route *o, void *aux)
{
	return json_array_append_new(aux, cr_to_json(o));
}

static void
save_family(struct agent *a, const char *name, json_t *arr)
{
	store_meta_put(a->store, name,
	               json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER));
	json_decref(arr);
}

void
agent_queue_save(struct agent *a, unsigned families)
{
	json_t *arr;

	if (families & SAVE_SWITCHES) {
		arr = json_array();
		policy_sw_foreach(a->pol, meta_sw_cb, arr);
		save_family(a, "switches", arr);
	}
	if (families & SAVE_ADAPTERS) {
		arr = json_array();
		policy_vma_foreach(a->pol, NULL, meta_vma_cb, arr);
		save_family(a, "vm_adapters", arr);
	}
	if (families & SAVE_PAS) {
		arr = json_array();
		policy_pa_foreach(a->pol, NULL, meta_pa_cb, arr);
		save_family(a, "provider_addresses", arr);
	}
	if (families & SAVE_PRS) {
		arr = json_array();
		policy_pr_foreach(a->pol, NULL, meta_pr_cb, arr);
		save_family(a, "provider_routes", arr);
	}
	if (families & SAVE_CRS) {
		arr = json_array();
		policy_cr_foreach(a->pol, NULL, meta_cr_cb, arr);
		save_family(a, "customer_routes", arr);
	}
	if (families & SAVE_VMS)
		save_family(a, "vms", json_incref(a->vms));
}

/* A small family is rewritten whole: O(its size), tens of objects. */
uint64_t
agent_save(struct agent *a, unsigned families)
{
	agent_queue_save(a, families);
	return store_mark(a->store);
}

/* ---- the VM registry ---- */

bool
agent_vm_known(const struct agent *a, const char *vm)
{
	json_t *v;
	size_t i;

	json_array_foreach(a->vms, i, v)
	{
		if (!strcasecmp(json_string_value(v), vm))
			return true;
	}
	return false;
}

void
agent_vm_remember(struct agent *a, const char *vm)
{
	if (!agent_vm_known(a, vm))
		json_array_append_new(a->vms, json_string(vm));
}

static void
vm_forget(struct agent *a, const char *vm)
{
	json_t *v;
	size_t i;

	json_array_foreach(a->vms, i, v)
	{
		if (!strcasecmp(json_string_value(v), vm)) {
			json_array_remove(a->vms, i);
			return;
		}
	}
}

/* ---- switches ---- */

int
obj_switch_add(struct agent *a, const struct vswitch *sw, struct pmsg *m)
{
	int err = policy_sw_add(a->pol, sw, m);

	if (err)
		return err;
	err = ports_switch_up(a, sw, m);
	if (err)
		policy_sw_remove(a->pol, sw->name);
	return err;
}

static int
sw_in_use_cb(struct vm_adapter *vma, void *aux)
{
	(void)vma;
	(void)aux;
	return 1;
}

int
obj_switch_remove(struct agent *a, const char *name, struct pmsg *m)
{
	const struct vswitch *sw = policy_sw_find(a->pol, name);
	struct policy_filter uf = {.fields = F_SWITCH};

	if (!sw)
		return 0;
	strlcpy_(uf.sw, sw->name, sizeof(uf.sw));
	if (policy_vma_foreach(a->pol, &uf, sw_in_use_cb, NULL)) {
		snprintf(m->err, sizeof(m->err),
		         "switch '%s' still has VM adapters: remove them first",
		         sw->name);
		return -EBUSY;
	}
	ports_switch_down(a, sw);
	return policy_sw_remove(a->pol, name) == 0 ? 1 : 0;
}

/* ---- VM network adapters ---- */

int
obj_vma_add(struct agent *a, struct vm_adapter *v, struct pmsg *m)
{
	struct vm_adapter *vma;
	int err;

	if (eth_is_zero(&v->mac))
		ports_generate_mac(&v->mac);
	v->port = -1;
	err = policy_vma_add(a->pol, v, m);
	if (err)
		return err;
	vma = policy_vma_find(a->pol, v->vm, v->name);
	err = ports_attach(a, vma, m);
	if (err) {
		struct policy_filter f = {.fields = F_VM | F_NAME};

		strlcpy_(f.vm, v->vm, sizeof(f.vm));
		strlcpy_(f.name, v->name, sizeof(f.name));
		policy_vma_remove(a->pol, &f);
		return err;
	}
	agent_vm_remember(a, v->vm);
	return 0;
}

int
obj_vma_set(struct agent *a, struct vm_adapter *v, struct pmsg *m)
{
	struct vm_adapter *vma = policy_vma_find(a->pol, v->vm, v->name);
	struct eth_addr old;
	int err;

	if (!vma) {
		snprintf(m->err, sizeof(m->err), "no vm adapter %s/%s", v->vm,
		         v->name);
		return -ENOENT;
	}
	if (strcasecmp(vma->sw, v->sw)) {
		snprintf(m->err, sizeof(m->err),
		         "vm adapter %s/%s: field 'switch': moving an adapter "
		         "to another switch is not supported; remove and add "
		         "it",
		         v->vm, v->name);
		return -EINVAL;
	}
	old = vma->mac;
	if (eth_is_zero(&v->mac))
		v->mac = old;
	v->port = vma->port;
	err = policy_vma_set(a->pol, v, m);
	if (err)
		return err;
	if (!eth_equal(&old, &vma->mac)) {
		err = ports_set_mac(a, vma, m);
		if (err) {
			v->mac = old;
			policy_vma_set(a->pol, v, &(struct pmsg){0});
			return err;
		}
	}
	return 0;
}

static int
vma_detach_cb(struct vm_adapter *vma, void *aux)
{
	ports_detach(aux, vma, true);
	return 0;
}

int
obj_vma_remove(struct agent *a, const struct policy_filter *f)
{
	policy_vma_foreach(a->pol, f, vma_detach_cb, a);
	return policy_vma_remove(a->pol, f);
}

/* ---- VMs ---- */

int
obj_vm_add(struct agent *a, const char *vm, struct pmsg *m)
{
	int err = ports_vm_create(a, vm, m);

	if (err)
		return err;
	agent_vm_remember(a, vm);
	return 0;
}

static int
release_cb(struct vm_adapter *vma, void *aux)
{
	struct agent *a = aux;

	ports_release(a, vma);
	/* frames for it from senders with the old record go on to its new
	 * PA for a while (F9) */
	if (vma->vsid && a->pl)
		pipeline_departed(a->pl, vma->vsid, &vma->mac);
	return 0;
}

int
obj_vm_release(struct agent *a, const char *vm)
{
	struct policy_filter f = {.fields = F_VM};
	char name[64];

	if (!agent_vm_known(a, vm))
		return 0;
	strlcpy_(name, vm, sizeof(name));
	strlcpy_(f.vm, name, sizeof(f.vm));
	policy_vma_foreach(a->pol, &f, release_cb, a);
	policy_vma_remove(a->pol, &f);
	vm_forget(a, name);
	return 1;
}

int
obj_vm_remove(struct agent *a, const char *vm)
{
	struct policy_filter f = {.fields = F_VM};
	char name[64];

	if (!agent_vm_known(a, vm))
		return 0;
	strlcpy_(name, vm, sizeof(name));
	strlcpy_(f.vm, name, sizeof(f.vm));
	obj_vma_remove(a, &f);
	ports_vm_delete(a, name);
	vm_forget(a, name);
	return 1;
}
