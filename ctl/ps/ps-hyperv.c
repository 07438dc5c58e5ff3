/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ps-hyperv: the Hyper-V cmdlets of hnvctl ps, on the agent's switch.*,
 * vm.* and vm-adapter.* requests (doc/hnvctl.md has the table), and
 * Get-NetAdapter on interface.get.  Objects are selected by name, with
 * PowerShell wildcards matched here and exact names sent to the agent as
 * filters; an exact name that matches nothing is an error naming it.
 *
 * A VM is a network namespace (the agent creates it for vm.add or for
 * the VM's first adapter): it always runs, so Start-VM, Stop-VM and
 * Restart-VM only check that the VMs exist, and Remove-VM removes the
 * namespace with the VM's adapters (vm.remove).  Hyper-V names a new
 * adapter "Network Adapter"; ours are interface names inside the VM, so
 * Add-VMNetworkAdapter without -Name takes the VM's first free ethN.
 */
#include "ctl/ps/ps-int.h"

#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

static int
switch_new(struct ps_exec *x, const struct ps_cmd *c, struct ps_objs *out)
{
	json_t *args = json_object(), *res;

	if (ps_exec_args(x, c, PS_SEL_ALL, args) < 0) {
		json_decref(args);
		return -1;
	}
	json_incref(args);
	if (ps_exec_call(x, "switch.add", args, &res) < 0) {
		json_decref(args);
		return -1;
	}
	if (json_is_object(res)) {
		ps_objs_push(out, PS_O_SWITCH, res);
		json_decref(args);
	} else {
		json_decref(res);
		ps_objs_push(out, PS_O_SWITCH, args);
	}
	return 0;
}

/* A name argument (VM, adapter, switch): its text, or NULL if not given.
 * '*wild' tells whether it has wildcards. */
static int
name_arg(struct ps_exec *x, const struct ps_cmd *c, const char *param,
         json_t **out, bool *wild)
{
	const struct ps_arg *a = ps_parse_arg(c, param);

	*out = NULL;
	*wild = false;
	if (!a)
		return 0;
	*out = ps_exec_arg(x, a);
	if (!*out)
		return -1;
	*wild = ps_obj_has_wildcard(json_string_value(*out));
	return 0;
}

static int
switch_get(struct ps_exec *x, const struct ps_cmd *c, struct ps_objs *out)
{
	json_t *name;
	bool wild;

	if (name_arg(x, c, "Name", &name, &wild) < 0)
		return -1;
	json_decref(name);
	if (ps_exec_fetch(x, c, PS_O_SWITCH, json_object(), PS_SEL_NAMES, out) <
	    0)
		return -1;
	if (name && !wild && !out->n)
		return ps_exec_fail(x, "no switch named '%s'",
		                    json_string_value(name));
	return 0;
}

static int
switch_remove(struct ps_exec *x, const struct ps_cmd *c,
              const struct ps_objs *in, bool piped)
{
	struct ps_objs targets = {0};
	int r;

	if (piped) {
		if (ps_exec_check_input(x, in, PS_O_SWITCH) < 0)
			return -1;
		return ps_exec_remove_each(x, PS_O_SWITCH, in);
	}
	if (ps_exec_fetch(x, c, PS_O_SWITCH, json_object(), PS_SEL_NAMES,
	                  &targets) < 0) {
		ps_objs_clear(&targets);
		return -1;
	}
	if (!targets.n) {
		const struct ps_arg *a = ps_parse_arg(c, "Name");

		return ps_exec_fail(x, "no switch named '%s'",
		                    a && a->bound ? json_string_value(a->bound)
		                                  : "...");
	}
	r = ps_exec_remove_each(x, PS_O_SWITCH, &targets);
	ps_objs_clear(&targets);
	return r;
}

static int
vm_new(struct ps_exec *x, const struct ps_cmd *c, struct ps_objs *out)
{
	const struct ps_arg *sw = ps_parse_arg(c, "SwitchName");
	json_t *name = ps_exec_arg(x, ps_parse_arg(c, "Name")), *args;

	if (!name)
		return -1;
	args = json_pack("{sO}", "vm", name);
	if (ps_exec_call(x, "vm.add", args, NULL) < 0)
		goto fail;
	if (sw) {
		json_t *swv = ps_exec_arg(x, sw);

		if (!swv)
			goto fail;
		args = json_pack("{sOsssO}", "vm", name, "name", "eth0",
		                 "switch", swv);
		json_decref(swv);
		if (ps_exec_call(x, "vm-adapter.add", args, NULL) < 0)
			goto fail;
	}
	ps_objs_push(out, PS_O_VM, json_pack("{sO}", "vm", name));
	json_decref(name);
	return 0;
fail:
	json_decref(name);
	return -1;
}

/* The adapters selected by -VMName and -Name (wildcards allowed).  With
 * a VM name but no match, an error naming the VM. */
static int
vmna_select(struct ps_exec *x, const struct ps_cmd *c, struct ps_objs *out)
{
	json_t *vm = NULL, *name = NULL, *filter = json_object();
	bool vm_wild, name_wild;
	int r = -1;

	if (name_arg(x, c, "VMName", &vm, &vm_wild) < 0 ||
	    name_arg(x, c, "Name", &name, &name_wild) < 0)
		goto out;
	if (vm && !vm_wild)
		json_object_set(filter, "vm", vm);
	if (name && !name_wild)
		json_object_set(filter, "name", name);
	json_incref(filter);
	if (ps_exec_fetch(x, c, PS_O_VMNA, filter, PS_SEL_NAMES, out) < 0)
		goto out;
	r = 0;
	if (vm && !vm_wild && !out->n) {
		if (name)
			r = ps_exec_fail(
			    x, "no network adapter '%s' found for VM '%s'",
			    json_string_value(name), json_string_value(vm));
		else
			r = ps_exec_fail(x,
			                 "no network adapter found for VM '%s'",
			                 json_string_value(vm));
	}
out:
	json_decref(vm);
	json_decref(name);
	json_decref(filter);
	return r;
}

/* Get-VM ... | Get-VMNetworkAdapter [-Name A]: the adapters of each VM. */
static int
vmna_of_vms(struct ps_exec *x, const struct ps_cmd *c, const struct ps_objs *in,
            struct ps_objs *out)
{
	json_t *name;
	bool wild;
	int r = 0;

	if (ps_exec_check_input(x, in, PS_O_VM) < 0 ||
	    name_arg(x, c, "Name", &name, &wild) < 0)
		return -1;
	for (size_t i = 0; i < in->n && r == 0; i++) {
		json_t *f = json_object();

		json_object_set(f, "vm", json_object_get(in->v[i].v, "vm"));
		if (name && !wild)
			json_object_set(f, "name", name);
		r = ps_exec_fetch(x, c, PS_O_VMNA, f, PS_SEL_NAMES, out);
	}
	json_decref(name);
	return r;
}

/* Add-VMNetworkAdapter, for VM 'vm' (NULL: -VMName). */
static int
vmna_add(struct ps_exec *x, const struct ps_cmd *c, const json_t *vm,
         struct ps_objs *out)
{
	json_t *args = json_object(), *res;

	if (ps_exec_args(x, c, PS_SEL_ALL, args) < 0)
		goto fail;
	if (vm)
		json_object_set(args, "vm", (json_t *)vm);
	if (!json_object_get(args, "name")) {
		/* Hyper-V names it "Network Adapter"; we need an interface
		 * name: the first free ethN of the VM. */
		struct ps_objs have = {0};
		json_t *f = json_object();

		json_object_set(f, "vm", json_object_get(args, "vm"));
		if (ps_exec_fetch(x, c, PS_O_VMNA, f, PS_SEL_FILTER, &have) <
		    0) {
			ps_objs_clear(&have);
			goto fail;
		}
		for (int n = 0;; n++) {
			char ifname[16];
			bool used = false;

			snprintf(ifname, sizeof(ifname), "eth%d", n);
			for (size_t i = 0; i < have.n; i++) {
				const char *s = json_string_value(
				    json_object_get(have.v[i].v, "name"));

				used |= s && !strcmp(s, ifname);
			}
			if (!used) {
				json_object_set_new(args, "name",
				                    json_string(ifname));
				break;
			}
		}
		ps_objs_clear(&have);
	}
	json_incref(args);
	if (ps_exec_call(x, "vm-adapter.add", args, &res) < 0)
		goto fail;
	if (json_is_object(res)) {
		ps_objs_push(out, PS_O_VMNA, res);
	} else {
		json_decref(res);
		ps_objs_push(out, PS_O_VMNA, json_incref(args));
	}
	json_decref(args);
	return 0;
fail:
	json_decref(args);
	return -1;
}

static int
vmna_set(struct ps_exec *x, const struct ps_cmd *c, const struct ps_objs *in,
         bool piped, struct ps_objs *out)
{
	struct ps_objs targets = {0};
	int r = 0;

	if (piped) {
		if (ps_exec_check_input(x, in, PS_O_VMNA) < 0)
			return -1;
		ps_objs_copy(&targets, in);
	} else if (vmna_select(x, c, &targets) < 0) {
		ps_objs_clear(&targets);
		return -1;
	}
	for (size_t i = 0; i < targets.n && r == 0; i++) {
		json_t *obj = ps_exec_object_keys(PS_O_VMNA, targets.v[i].v),
		       *res;

		for (size_t k = 0; k < c->n_args && r == 0; k++) {
			const struct ps_arg *a = &c->args[k];
			json_t *v;

			if (!ps_exec_has_key(a) ||
			    (strcmp(a->param->key, "mac") &&
			     strcmp(a->param->key, "vsid")))
				continue;
			v = ps_exec_arg(x, a);
			if (!v)
				r = -1;
			else
				json_object_set_new(obj, a->param->key, v);
		}
		if (r < 0) {
			json_decref(obj);
			break;
		}
		r = ps_exec_call(x, "vm-adapter.set", obj, &res);
		if (r == 0 && json_is_object(res))
			ps_objs_push(out, PS_O_VMNA, res);
		else if (r == 0)
			json_decref(res);
	}
	ps_objs_clear(&targets);
	return r;
}

static int
vmna_remove(struct ps_exec *x, const struct ps_cmd *c, const struct ps_objs *in,
            bool piped)
{
	struct ps_objs targets = {0};
	int r;

	if (piped) {
		if (ps_exec_check_input(x, in, PS_O_VMNA) < 0)
			return -1;
		return ps_exec_remove_each(x, PS_O_VMNA, in);
	}
	if (vmna_select(x, c, &targets) < 0) {
		ps_objs_clear(&targets);
		return -1;
	}
	r = ps_exec_remove_each(x, PS_O_VMNA, &targets);
	ps_objs_clear(&targets);
	return r;
}

/* Get-NetAdapter [-Name N] [-InterfaceDescription D]: on Linux an
 * interface's description is its name (unless the agent reports one), so
 * a description without wildcards is asked for as a name. */
static int
netadapter_get(struct ps_exec *x, const struct ps_cmd *c, struct ps_objs *out)
{
	json_t *name, *descr = NULL, *args = json_object(), *res, *item;
	bool wild, dwild = false;
	size_t i;

	if (name_arg(x, c, "Name", &name, &wild) < 0 ||
	    name_arg(x, c, "InterfaceDescription", &descr, &dwild) < 0) {
		json_decref(name);
		json_decref(args);
		return -1;
	}
	if (name && !wild)
		json_object_set(args, "name", name);
	else if (descr && !dwild)
		json_object_set(args, "name", descr);
	if (ps_exec_call(x, "interface.get", args, &res) < 0) {
		json_decref(name);
		json_decref(descr);
		return -1;
	}
	if (json_is_object(res)) {
		json_t *arr = json_array();

		json_array_append_new(arr, res);
		res = arr;
	}
	json_array_foreach(res, i, item)
	{
		if (json_is_object(item) &&
		    (!name || ps_exec_key_matches(PS_O_NETADAPTER, item, "name",
		                                  name, true)) &&
		    (!descr || ps_exec_key_matches(PS_O_NETADAPTER, item,
		                                   "description", descr, true)))
			ps_objs_push(out, PS_O_NETADAPTER, json_incref(item));
	}
	json_decref(res);
	json_decref(name);
	if (descr && !dwild && !out->n) {
		ps_exec_fail(x,
		             "no network adapter with InterfaceDescription "
		             "'%s'",
		             json_string_value(descr));
		json_decref(descr);
		return -1;
	}
	json_decref(descr);
	return 0;
}

/* The VMs -Name selects (all without it); with a name without wildcards
 * and no such VM, an error naming it. */
static int
vm_select(struct ps_exec *x, const struct ps_cmd *c, struct ps_objs *out)
{
	json_t *name, *filter;
	bool wild;
	int r = 0;

	if (name_arg(x, c, "Name", &name, &wild) < 0)
		return -1;
	filter = json_object();
	if (name && !wild)
		json_object_set(filter, "vm", name);
	if (ps_exec_fetch(x, c, PS_O_VM, filter, PS_SEL_NAMES, out) < 0)
		r = -1;
	else if (name && !wild && !out->n)
		r = ps_exec_fail(x, "no VM named '%s'",
		                 json_string_value(name));
	json_decref(name);
	return r;
}

/* Start-VM, Stop-VM, Restart-VM: VMs always run; the VMs must exist. */
static int
vm_state(struct ps_exec *x, const struct ps_cmd *c, const struct ps_objs *in,
         bool piped, struct ps_objs *out)
{
	if (!piped)
		return vm_select(x, c, out);
	if (ps_exec_check_input(x, in, PS_O_VM) < 0)
		return -1;
	ps_objs_copy(out, in);
	return 0;
}

static int
vm_remove(struct ps_exec *x, const struct ps_cmd *c, const struct ps_objs *in,
          bool piped)
{
	struct ps_objs targets = {0};
	json_t *name;
	bool wild;
	int r;

	if (piped) {
		if (ps_exec_check_input(x, in, PS_O_VM) < 0)
			return -1;
		return ps_exec_remove_each(x, PS_O_VM, in);
	}
	if (name_arg(x, c, "Name", &name, &wild) < 0)
		return -1;
	if (name && !wild)
		return ps_exec_call(x, "vm.remove",
		                    json_pack("{so}", "vm", name), NULL);
	json_decref(name);
	r = vm_select(x, c, &targets);
	if (r == 0)
		r = ps_exec_remove_each(x, PS_O_VM, &targets);
	ps_objs_clear(&targets);
	return r;
}

int
ps_hyperv_run(struct ps_exec *x, const struct ps_cmd *c,
              const struct ps_objs *in, bool piped, struct ps_objs *out)
{
	switch (c->cmdlet->id) {
	case PS_C_SWITCH_NEW:
		return switch_new(x, c, out);
	case PS_C_SWITCH_GET:
		return switch_get(x, c, out);
	case PS_C_SWITCH_REMOVE:
		return switch_remove(x, c, in, piped);
	case PS_C_VM_NEW:
		return vm_new(x, c, out);
	case PS_C_VMNA_ADD:
		if (!piped)
			return vmna_add(x, c, NULL, out);
		if (ps_exec_check_input(x, in, PS_O_VM) < 0)
			return -1;
		for (size_t i = 0; i < in->n; i++)
			if (vmna_add(x, c, json_object_get(in->v[i].v, "vm"),
			             out) < 0)
				return -1;
		return 0;
	case PS_C_VMNA_GET:
		if (piped)
			return vmna_of_vms(x, c, in, out);
		return vmna_select(x, c, out);
	case PS_C_VMNA_SET:
		return vmna_set(x, c, in, piped, out);
	case PS_C_VMNA_REMOVE:
		return vmna_remove(x, c, in, piped);
	case PS_C_NETADAPTER_GET:
		return netadapter_get(x, c, out);
	case PS_C_VM_GET:
		return vm_select(x, c, out);
	case PS_C_VM_REMOVE:
		return vm_remove(x, c, in, piped);
	case PS_C_VM_STATE:
		return vm_state(x, c, in, piped, out);
	default:
		break;
	}
	return ps_exec_fail(x, "internal error: %s is not a Hyper-V cmdlet",
	                    c->cmdlet->name);
}
