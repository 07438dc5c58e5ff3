/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ps-exec: runs a parsed script against a backend (ctl/ps.h).  Each
 * statement is a pipeline: objects flow from one element to the next as
 * (type, JSON) pairs; what is left at the end is printed (Get-*, values)
 * or dropped (New-*, Set-*, Add-* print only with -PassThru), or stored in
 * the assigned variable.
 *
 * Cmdlet -> request mapping (doc/hnvctl.md has the table):
 *  1. New-X: X.add with every given parameter's key; X.get/Get-X with the
 *     parameters the agent filters on, the others filtered here;
 *  2. Set-X: the objects to change are the pipeline input, else X.get
 *     with the selecting parameters (as in Windows: none selects all; a
 *     selection that matches nothing is an error); each is sent back to
 *     X.set with the changing parameters applied, so the agent always
 *     receives whole objects;
 *  3. Remove-X: X.remove with the filter, or one X.remove per object
 *     (pipeline input, or filters the agent does not know);
 *  4. Hyper-V cmdlets map to switch.*, vm.add and vm-adapter.*; adapters
 *     are selected by VM name and adapter name, wildcards allowed.
 * The first failing request stops the script: "FILE:LINE: CMDLET: error"
 * and "stopped: N of M commands ran".
 */
#include "ctl/ps-int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/addr.h"
#include "lib/util.h"

/* Lists of variables ($a = $a, $a) could double without bound. */
#define MAX_OBJS 100000

struct var {
	char *name;
	struct ps_objs objs;
};

struct exec {
	struct ps_script *s;
	const struct ps_backend *be;
	FILE *out, *err;
	struct var *vars;
	size_t n_vars;
	const struct ps_cmd *cmd; /* running, or NULL */
	int line;
	char *error; /* the runtime error, once one happened */
};

static int PRINTF_FMT(2, 3) fail(struct exec *x, const char *fmt, ...)
{
	va_list ap;

	if (x->error)
		return -1;
	va_start(ap, fmt);
	if (vasprintf(&x->error, fmt, ap) < 0)
		abort();
	va_end(ap);
	return -1;
}

static const char *
cmd_name(const struct exec *x)
{
	return x->cmd ? ps_parse_cmd_name(x->cmd) : NULL;
}

/* Sends one request; takes 'args'.  '*result' (may be NULL) gets the
 * result (never NULL on success). */
static int
call(struct exec *x, const char *cmd, json_t *args, json_t **result)
{
	json_t *res = NULL, *warn = NULL;
	char *err = NULL;
	int r;

	r = x->be->call(x->be->ctx, cmd, args, &res, &err, &warn);
	json_decref(args);
	for (size_t i = 0; i < json_array_size(warn); i++) {
		const char *w = json_string_value(json_array_get(warn, i));

		if (!w)
			continue;
		fflush(x->out);
		fprintf(x->err, "%s:%d: %s: WARNING: %s\n", x->s->file, x->line,
		        cmd_name(x) ? cmd_name(x) : "-", w);
	}
	json_decref(warn);
	if (r < 0) {
		fail(x, "%s", err ? err : strerror(-r));
		free(err);
		json_decref(res);
		return -1;
	}
	free(err);
	if (result)
		*result = res ? res : json_null();
	else
		json_decref(res);
	return 0;
}

static char *
request_name(enum ps_otype t, const char *verb)
{
	return xasprintf("%s.%s", ps_obj_type(t)->object, verb);
}

/* ---- variables ---- */

static struct var *
var_find(struct exec *x, const char *name)
{
	for (size_t i = 0; i < x->n_vars; i++)
		if (!strcasecmp(x->vars[i].name, name))
			return &x->vars[i];
	return NULL;
}

static void
var_set(struct exec *x, const char *name, struct ps_objs *objs)
{
	struct var *v = var_find(x, name);

	if (!v) {
		x->vars = xrealloc(x->vars, (x->n_vars + 1) * sizeof(*x->vars));
		v = &x->vars[x->n_vars++];
		memset(v, 0, sizeof(*v));
		v->name = xstrdup(name);
	}
	ps_objs_move(&v->objs, objs);
}

/* The text of a variable reference ($x or $x.Prop) that must hold exactly
 * one value; 'what' names the use in messages.  malloc'd, or NULL after
 * fail(). */
static char *
var_text(struct exec *x, const struct ps_value *v, const char *what)
{
	struct var *var;
	const struct ps_objs *os;
	char *text = NULL;
	size_t n = 0;

	if (!strcasecmp(v->text, "true"))
		return xstrdup("True");
	if (!strcasecmp(v->text, "false"))
		return xstrdup("False");
	if (!strcasecmp(v->text, "null"))
		return NULL;
	var = var_find(x, v->text);
	if (!var) {
		fail(x, "%s: variable $%s is not set", what, v->text);
		return NULL;
	}
	os = &var->objs;
	if (!v->n_props) {
		if (os->n == 1 && !json_is_object(os->v[0].v))
			return ps_obj_scalar(os->v[0].v);
		if (os->n == 1)
			fail(x, "%s: $%s holds a %s object, not a value", what,
			     v->text, ps_obj_type(os->v[0].type)->name);
		else
			fail(x, "%s: $%s holds %zu values, not one", what,
			     v->text, os->n);
		return NULL;
	}
	for (size_t i = 0; i < os->n; i++) {
		char *s = ps_obj_get(&os->v[i], v->props[0], NULL);

		if (!s)
			continue;
		n++;
		free(text);
		text = s;
	}
	if (n == 1)
		return text;
	free(text);
	if (!n)
		fail(x, "%s: $%s.%s has no value ($%s holds %zu object%s)",
		     what, v->text, v->props[0], v->text, os->n,
		     os->n == 1 ? "" : "s");
	else
		fail(x, "%s: $%s.%s has %zu values, not one", what, v->text,
		     v->props[0], n);
	return NULL;
}

/* ---- arguments ---- */

/* The JSON value of argument 'a' (new reference), or NULL after fail(). */
static json_t *
arg_json(struct exec *x, const struct ps_arg *a)
{
	char *what, *text, *msg = NULL;
	json_t *out = NULL;

	if (a->bound)
		return json_incref(a->bound);
	what = xasprintf("-%s", a->param->name);
	text = var_text(x, &a->val, what);
	if (!text) {
		fail(x, "%s: $%s is $null", what, a->val.text);
		free(what);
		return NULL;
	}
	if (ps_cmdlet_bind(a->param, text, false, &out, &msg) < 0) {
		fail(x, "%s: %s", what, msg);
		out = NULL;
	}
	free(msg);
	free(text);
	free(what);
	return out;
}

enum sel {
	SEL_ALL,    /* every keyed parameter */
	SEL_FILTER, /* those the agent filters on */
	SEL_CLIENT, /* the others */
	SEL_IDENT,  /* Set-*: those selecting the objects */
	SEL_CHANGE, /* Set-*: those changing them */
	SEL_NAMES,  /* Hyper-V: the names selecting objects (wildcards) */
};

static bool
has_key(const struct ps_arg *a)
{
	switch (a->param->type) {
	case PS_P_IGNORE:
	case PS_P_IGNORE_SWITCH:
	case PS_P_SWITCH:
	case PS_P_PROPS:
	case PS_P_BLOCK:
	case PS_P_VALUE:
		return false;
	default:
		return a->param->key != NULL;
	}
}

static bool
selected(const struct ps_cmd *c, const struct ps_arg *a, enum sel sel)
{
	unsigned f = a->param->flags;

	if (!has_key(a))
		return false;
	switch (sel) {
	case SEL_ALL:
		return true;
	case SEL_FILTER:
		return f & PS_F_FILTER;
	case SEL_CLIENT:
		return !(f & PS_F_FILTER);
	case SEL_IDENT:
		return f & PS_F_IDENT;
	case SEL_CHANGE:
		return !(f & PS_F_IDENT);
	case SEL_NAMES:
		return !strcmp(a->param->key, "vm") ||
		       !strcmp(a->param->key, "name");
	}
	return false;
}

/* Sets obj[key] for each selected argument.  0 or -1. */
static int
build_args(struct exec *x, const struct ps_cmd *c, enum sel sel, json_t *obj)
{
	for (size_t i = 0; i < c->n_args; i++) {
		const struct ps_arg *a = &c->args[i];
		json_t *v;

		if (!selected(c, a, sel))
			continue;
		v = arg_json(x, a);
		if (!v)
			return -1;
		json_object_set_new(obj, a->param->key, v);
	}
	return 0;
}

/* "CustomerAddress 10.0.1.9, VirtualSubnetID 6000" */
static char *
describe(struct exec *x, const struct ps_cmd *c, enum sel sel)
{
	char *d = xstrdup("");

	for (size_t i = 0; i < c->n_args; i++) {
		const struct ps_arg *a = &c->args[i];
		json_t *v;
		char *s, *nd;

		if (!selected(c, a, sel))
			continue;
		v = a->bound ? json_incref(a->bound) : NULL;
		s = v ? ps_obj_scalar(v) : xasprintf("$%s", a->val.text);
		nd = xasprintf("%s%s%s %s", d, *d ? ", " : "", a->param->name,
		               s);
		free(d);
		free(s);
		json_decref(v);
		d = nd;
	}
	return d;
}

static const struct ps_prop *
prop_by_key(const struct ps_type *t, const char *key)
{
	for (const struct ps_prop *p = t->props; p->name; p++)
		if (p->key && !strcmp(p->key, key))
			return p;
	return NULL;
}

/* Does property 'key' of 'obj' equal (or, 'wild', match) 'want'?  Both
 * sides are compared in their PowerShell form, so 60-00-60-00-01-01 equals
 * 600060000101. */
static bool
key_matches(enum ps_otype t, const json_t *obj, const char *key,
            const json_t *want, bool wild)
{
	const struct ps_prop *p = prop_by_key(ps_obj_type(t), key);
	json_t *tmp;
	char *have, *w;
	bool r;

	if (!p)
		return true;
	tmp = json_object();
	json_object_set(tmp, key, (json_t *)want);
	have = ps_obj_format(p, obj);
	w = ps_obj_format(p, tmp);
	r = wild ? ps_obj_like(w, have, false) : !strcasecmp(have, w);
	free(have);
	free(w);
	json_decref(tmp);
	return r;
}

/* Does 'obj' pass the client-side filter (the selected arguments)? */
static int
client_match(struct exec *x, const struct ps_cmd *c, enum sel sel,
             enum ps_otype t, const json_t *obj, bool *match)
{
	*match = true;
	for (size_t i = 0; i < c->n_args && *match; i++) {
		const struct ps_arg *a = &c->args[i];
		json_t *v;

		if (!selected(c, a, sel))
			continue;
		v = arg_json(x, a);
		if (!v)
			return -1;
		*match = key_matches(t, obj, a->param->key, v,
		                     a->param->type == PS_P_WILD);
		json_decref(v);
	}
	return 0;
}

/* OBJ.get with 'filter' (taken); keeps the objects that also pass the
 * client-side selection 'client_sel'. */
static int
fetch(struct exec *x, const struct ps_cmd *c, enum ps_otype t, json_t *filter,
      enum sel client_sel, struct ps_objs *out)
{
	char *req = request_name(t, "get");
	json_t *res, *item;
	size_t i;
	int r;

	r = call(x, req, filter, &res);
	free(req);
	if (r < 0)
		return -1;
	if (json_is_object(res)) { /* tolerate a single object */
		json_t *arr = json_array();

		json_array_append_new(arr, res);
		res = arr;
	}
	json_array_foreach(res, i, item)
	{
		bool match;

		if (!json_is_object(item))
			continue;
		if (client_match(x, c, client_sel, t, item, &match) < 0) {
			json_decref(res);
			return -1;
		}
		if (match)
			ps_objs_push(out, t, json_incref(item));
	}
	json_decref(res);
	return 0;
}

/* The keys identifying 'obj' (for .remove). */
static json_t *
ident_filter(enum ps_otype t, const json_t *obj)
{
	const struct ps_type *ty = ps_obj_type(t);
	json_t *f = json_object();

	for (size_t i = 0; ty->ident && ty->ident[i]; i++) {
		const char *k = ty->ident[i];
		json_t *v = json_object_get(obj, k);

		if (t == PS_O_LR && !strcmp(k, "ca")) {
			const char *ca = json_string_value(v);
			struct in6_addr a;

			if (!ca ||
			    (ip_parse(ca, &a) == 0 && ip_is_unspec(&a))) {
				k = "mac";
				v = json_object_get(obj, k);
			}
		}
		if (v)
			json_object_set(f, k, v);
	}
	return f;
}

/* A copy of the object's own keys (dropping anything else the agent may
 * report, such as runtime state). */
static json_t *
object_keys(enum ps_otype t, const json_t *obj)
{
	const struct ps_type *ty = ps_obj_type(t);
	json_t *o = json_object();

	for (size_t i = 0; ty->keys && ty->keys[i]; i++) {
		json_t *v = json_object_get(obj, ty->keys[i]);

		if (v && !json_is_null(v))
			json_object_set(o, ty->keys[i], v);
	}
	return o;
}

static int
check_input(struct exec *x, const struct ps_objs *in, enum ps_otype t)
{
	for (size_t i = 0; i < in->n; i++)
		if (in->v[i].type != t)
			return fail(x, "takes %s objects, not %s",
			            ps_obj_type(t)->name,
			            json_is_object(in->v[i].v)
			                ? ps_obj_type(in->v[i].type)->name
			                : "plain values");
	return 0;
}

static void
copy_objs(struct ps_objs *dst, const struct ps_objs *src)
{
	for (size_t i = 0; i < src->n; i++)
		ps_objs_push(dst, src->v[i].type, json_incref(src->v[i].v));
}

/* ---- NetVirtualization cmdlets ---- */

static int
nv_new(struct exec *x, const struct ps_cmd *c, struct ps_objs *out)
{
	enum ps_otype t = c->cmdlet->otype;
	json_t *args = json_object(), *res;
	char *req;
	int r;

	if (build_args(x, c, SEL_ALL, args) < 0) {
		json_decref(args);
		return -1;
	}
	if (t == PS_O_LR && !json_object_get(args, "type"))
		json_object_set_new(args, "type", json_string("static"));
	req = request_name(t, "add");
	json_incref(args);
	r = call(x, req, args, &res);
	free(req);
	if (r == 0) {
		if (json_is_object(res)) {
			ps_objs_push(out, t, res);
		} else {
			json_decref(res);
			ps_objs_push(out, t, json_incref(args));
		}
	}
	json_decref(args);
	return r;
}

static int
nv_get(struct exec *x, const struct ps_cmd *c, struct ps_objs *out)
{
	json_t *filter = json_object();

	if (build_args(x, c, SEL_FILTER, filter) < 0) {
		json_decref(filter);
		return -1;
	}
	return fetch(x, c, c->cmdlet->otype, filter, SEL_CLIENT, out);
}

static int
nv_set(struct exec *x, const struct ps_cmd *c, const struct ps_objs *in,
       bool piped, struct ps_objs *out)
{
	enum ps_otype t = c->cmdlet->otype;
	struct ps_objs targets = {0};
	char *req;
	int r = 0;

	if (piped) {
		if (check_input(x, in, t) < 0)
			return -1;
		copy_objs(&targets, in);
	} else {
		json_t *filter = json_object();

		if (build_args(x, c, SEL_IDENT, filter) < 0) {
			json_decref(filter);
			return -1;
		}
		if (fetch(x, c, t, filter, SEL_IDENT, &targets) < 0) {
			ps_objs_clear(&targets);
			return -1;
		}
		if (!targets.n) {
			/* With selectors, nothing matching is an error; with
			 * none (= every object), an empty table is not. */
			char *d = describe(x, c, SEL_IDENT);

			if (*d)
				fail(x, "no %s matches %s",
				     ps_obj_type(t)->noun, d);
			free(d);
			if (x->error)
				return -1;
		}
	}
	req = request_name(t, "set");
	for (size_t i = 0; i < targets.n && r == 0; i++) {
		json_t *obj = object_keys(t, targets.v[i].v), *res;

		r = build_args(x, c, SEL_CHANGE, obj);
		if (r < 0) {
			json_decref(obj);
			break;
		}
		r = call(x, req, obj, &res);
		if (r == 0 && json_is_object(res))
			ps_objs_push(out, t, res);
		else if (r == 0)
			json_decref(res);
	}
	free(req);
	ps_objs_clear(&targets);
	return r;
}

static int
remove_each(struct exec *x, enum ps_otype t, const struct ps_objs *objs)
{
	char *req = request_name(t, "remove");
	int r = 0;

	for (size_t i = 0; i < objs->n && r == 0; i++)
		r = call(x, req, ident_filter(t, objs->v[i].v), NULL);
	free(req);
	return r;
}

static int
nv_remove(struct exec *x, const struct ps_cmd *c, const struct ps_objs *in,
          bool piped)
{
	enum ps_otype t = c->cmdlet->otype;
	struct ps_objs targets = {0};
	bool client = false, any = false;
	json_t *filter;
	int r;

	if (piped) {
		if (check_input(x, in, t) < 0)
			return -1;
		return remove_each(x, t, in);
	}
	for (size_t i = 0; i < c->n_args; i++) {
		if (selected(c, &c->args[i], SEL_CLIENT))
			client = true;
		if (selected(c, &c->args[i], SEL_ALL))
			any = true;
	}
	filter = json_object();
	if (build_args(x, c, SEL_FILTER, filter) < 0) {
		json_decref(filter);
		return -1;
	}
	if (any && !client) {
		char *req = request_name(t, "remove");

		r = call(x, req, filter, NULL);
		free(req);
		return r;
	}
	if (fetch(x, c, t, filter, SEL_CLIENT, &targets) < 0) {
		ps_objs_clear(&targets);
		return -1;
	}
	if (!targets.n && any) {
		char *d = describe(x, c, SEL_ALL);

		fail(x, "no %s matches %s", ps_obj_type(t)->noun, d);
		free(d);
		return -1;
	}
	r = remove_each(x, t, &targets);
	ps_objs_clear(&targets);
	return r;
}

/* ---- Hyper-V cmdlets ---- */

static int
switch_new(struct exec *x, const struct ps_cmd *c, struct ps_objs *out)
{
	json_t *args = json_object(), *res;

	if (build_args(x, c, SEL_ALL, args) < 0) {
		json_decref(args);
		return -1;
	}
	json_incref(args);
	if (call(x, "switch.add", args, &res) < 0) {
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
name_arg(struct exec *x, const struct ps_cmd *c, const char *param,
         json_t **out, bool *wild)
{
	const struct ps_arg *a = ps_parse_arg(c, param);

	*out = NULL;
	*wild = false;
	if (!a)
		return 0;
	*out = arg_json(x, a);
	if (!*out)
		return -1;
	*wild = ps_obj_has_wildcard(json_string_value(*out));
	return 0;
}

static int
switch_get(struct exec *x, const struct ps_cmd *c, struct ps_objs *out)
{
	json_t *name;
	bool wild;

	if (name_arg(x, c, "Name", &name, &wild) < 0)
		return -1;
	json_decref(name);
	if (fetch(x, c, PS_O_SWITCH, json_object(), SEL_NAMES, out) < 0)
		return -1;
	if (name && !wild && !out->n)
		return fail(x, "no switch named '%s'", json_string_value(name));
	return 0;
}

static int
switch_remove(struct exec *x, const struct ps_cmd *c, const struct ps_objs *in,
              bool piped)
{
	struct ps_objs targets = {0};
	int r;

	if (piped) {
		if (check_input(x, in, PS_O_SWITCH) < 0)
			return -1;
		return remove_each(x, PS_O_SWITCH, in);
	}
	if (fetch(x, c, PS_O_SWITCH, json_object(), SEL_NAMES, &targets) < 0) {
		ps_objs_clear(&targets);
		return -1;
	}
	if (!targets.n) {
		const struct ps_arg *a = ps_parse_arg(c, "Name");

		return fail(x, "no switch named '%s'",
		            a && a->bound ? json_string_value(a->bound)
		                          : "...");
	}
	r = remove_each(x, PS_O_SWITCH, &targets);
	ps_objs_clear(&targets);
	return r;
}

static int
vm_new(struct exec *x, const struct ps_cmd *c, struct ps_objs *out)
{
	const struct ps_arg *sw = ps_parse_arg(c, "SwitchName");
	json_t *name = arg_json(x, ps_parse_arg(c, "Name")), *args;

	if (!name)
		return -1;
	args = json_pack("{sO}", "vm", name);
	if (call(x, "vm.add", args, NULL) < 0)
		goto fail;
	if (sw) {
		json_t *swv = arg_json(x, sw);

		if (!swv)
			goto fail;
		args = json_pack("{sOsssO}", "vm", name, "name", "eth0",
		                 "switch", swv);
		json_decref(swv);
		if (call(x, "vm-adapter.add", args, NULL) < 0)
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
vmna_select(struct exec *x, const struct ps_cmd *c, struct ps_objs *out)
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
	if (fetch(x, c, PS_O_VMNA, filter, SEL_NAMES, out) < 0)
		goto out;
	r = 0;
	if (vm && !vm_wild && !out->n) {
		if (name)
			r = fail(x, "no network adapter '%s' found for VM '%s'",
			         json_string_value(name),
			         json_string_value(vm));
		else
			r = fail(x, "no network adapter found for VM '%s'",
			         json_string_value(vm));
	}
out:
	json_decref(vm);
	json_decref(name);
	json_decref(filter);
	return r;
}

static int
vmna_add(struct exec *x, const struct ps_cmd *c, struct ps_objs *out)
{
	json_t *args = json_object(), *res;

	if (build_args(x, c, SEL_ALL, args) < 0)
		goto fail;
	if (!json_object_get(args, "name")) {
		/* Hyper-V names it "Network Adapter"; we need an interface
		 * name: the first free ethN of the VM. */
		struct ps_objs have = {0};
		json_t *f = json_object();

		json_object_set(f, "vm", json_object_get(args, "vm"));
		if (fetch(x, c, PS_O_VMNA, f, SEL_FILTER, &have) < 0) {
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
	if (call(x, "vm-adapter.add", args, &res) < 0)
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
vmna_set(struct exec *x, const struct ps_cmd *c, const struct ps_objs *in,
         bool piped, struct ps_objs *out)
{
	struct ps_objs targets = {0};
	int r = 0;

	if (piped) {
		if (check_input(x, in, PS_O_VMNA) < 0)
			return -1;
		copy_objs(&targets, in);
	} else if (vmna_select(x, c, &targets) < 0) {
		ps_objs_clear(&targets);
		return -1;
	}
	for (size_t i = 0; i < targets.n && r == 0; i++) {
		json_t *obj = object_keys(PS_O_VMNA, targets.v[i].v), *res;

		for (size_t k = 0; k < c->n_args && r == 0; k++) {
			const struct ps_arg *a = &c->args[k];
			json_t *v;

			if (!has_key(a) || (strcmp(a->param->key, "mac") &&
			                    strcmp(a->param->key, "vsid")))
				continue;
			v = arg_json(x, a);
			if (!v)
				r = -1;
			else
				json_object_set_new(obj, a->param->key, v);
		}
		if (r < 0) {
			json_decref(obj);
			break;
		}
		r = call(x, "vm-adapter.set", obj, &res);
		if (r == 0 && json_is_object(res))
			ps_objs_push(out, PS_O_VMNA, res);
		else if (r == 0)
			json_decref(res);
	}
	ps_objs_clear(&targets);
	return r;
}

static int
vmna_remove(struct exec *x, const struct ps_cmd *c, const struct ps_objs *in,
            bool piped)
{
	struct ps_objs targets = {0};
	int r;

	if (piped) {
		if (check_input(x, in, PS_O_VMNA) < 0)
			return -1;
		return remove_each(x, PS_O_VMNA, in);
	}
	if (vmna_select(x, c, &targets) < 0) {
		ps_objs_clear(&targets);
		return -1;
	}
	r = remove_each(x, PS_O_VMNA, &targets);
	ps_objs_clear(&targets);
	return r;
}

static int
netadapter_get(struct exec *x, const struct ps_cmd *c, struct ps_objs *out)
{
	json_t *name, *args = json_object(), *res, *item;
	bool wild;
	size_t i;

	if (name_arg(x, c, "Name", &name, &wild) < 0) {
		json_decref(args);
		return -1;
	}
	if (name && !wild)
		json_object_set(args, "name", name);
	if (call(x, "interface.get", args, &res) < 0) {
		json_decref(name);
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
		    (!name ||
		     key_matches(PS_O_NETADAPTER, item, "name", name, true)))
			ps_objs_push(out, PS_O_NETADAPTER, json_incref(item));
	}
	json_decref(res);
	json_decref(name);
	return 0;
}

/* ---- Where-Object ---- */

/* A number as PowerShell reads one: decimal ("010" is ten) or 0x hex. */
static bool
to_ll(const char *s, long long *v)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	char *end;

	if (!*s)
		return false;
	errno = 0;
	*v = strtoll(s, &end, hex ? 16 : 10);
	return !errno && !*end;
}

static int
eval_cmp(struct exec *x, const struct ps_obj *o, const struct ps_cmp *cmp,
         bool *res)
{
	const struct ps_value *rv = &cmp->rhs;
	char *lhs, *rhs;
	bool numeric;
	long long ln, rn;
	int c;

	lhs = ps_obj_get(o, cmp->prop, &numeric);
	if (!lhs)
		lhs = xstrdup("");
	if (rv->kind == PS_V_VAR) {
		rhs = var_text(x, rv, "comparison value");
		if (!rhs && x->error) {
			free(lhs);
			return -1;
		}
		if (!rhs)
			rhs = xstrdup(""); /* $null */
	} else {
		rhs = xstrdup(rv->text ? rv->text : "");
	}
	if (numeric && to_ll(lhs, &ln) && to_ll(rhs, &rn))
		c = ln < rn ? -1 : ln > rn;
	else
		c = cmp->case_sens ? strcmp(lhs, rhs) : strcasecmp(lhs, rhs);
	switch (cmp->op) {
	case PS_OP_EQ:
		*res = c == 0;
		break;
	case PS_OP_NE:
		*res = c != 0;
		break;
	case PS_OP_LIKE:
		*res = ps_obj_like(rhs, lhs, cmp->case_sens);
		break;
	case PS_OP_NOTLIKE:
		*res = !ps_obj_like(rhs, lhs, cmp->case_sens);
		break;
	case PS_OP_GT:
		*res = c > 0;
		break;
	case PS_OP_GE:
		*res = c >= 0;
		break;
	case PS_OP_LT:
		*res = c < 0;
		break;
	case PS_OP_LE:
		*res = c <= 0;
		break;
	}
	free(lhs);
	free(rhs);
	return 0;
}

static int
where(struct exec *x, const struct ps_cmd *c, const struct ps_objs *in,
      struct ps_objs *out)
{
	const struct ps_cond *cond = c->filter;

	for (size_t i = 0; i < in->n; i++) {
		bool r = true;

		for (size_t k = 0; cond && k < cond->n_cmps; k++) {
			bool v = false;

			if (eval_cmp(x, &in->v[i], &cond->cmps[k], &v) < 0)
				return -1;
			if (!k)
				r = v;
			else if (cond->is_or[k - 1])
				r = r || v;
			else
				r = r && v;
		}
		if (r)
			ps_objs_push(out, in->v[i].type,
			             json_incref(in->v[i].v));
	}
	return 0;
}

/* ---- statements ---- */

static json_t *
props_arg(const struct ps_cmd *c)
{
	const struct ps_arg *a = ps_parse_arg(c, "Property");

	return a ? a->bound : NULL;
}

static int
run_cmd(struct exec *x, const struct ps_cmd *c, const struct ps_objs *in,
        bool piped, struct ps_objs *out)
{
	switch (c->cmdlet->id) {
	case PS_C_NV_NEW:
		return nv_new(x, c, out);
	case PS_C_NV_GET:
		return nv_get(x, c, out);
	case PS_C_NV_SET:
		return nv_set(x, c, in, piped, out);
	case PS_C_NV_REMOVE:
		return nv_remove(x, c, in, piped);
	case PS_C_SWITCH_NEW:
		return switch_new(x, c, out);
	case PS_C_SWITCH_GET:
		return switch_get(x, c, out);
	case PS_C_SWITCH_REMOVE:
		return switch_remove(x, c, in, piped);
	case PS_C_VM_NEW:
		return vm_new(x, c, out);
	case PS_C_VMNA_ADD:
		return vmna_add(x, c, out);
	case PS_C_VMNA_GET:
		return vmna_select(x, c, out);
	case PS_C_VMNA_SET:
		return vmna_set(x, c, in, piped, out);
	case PS_C_VMNA_REMOVE:
		return vmna_remove(x, c, in, piped);
	case PS_C_NETADAPTER_GET:
		return netadapter_get(x, c, out);
	case PS_C_WHERE:
		return where(x, c, in, out);
	case PS_C_FORMAT_LIST:
		ps_format_list(x->out, in, props_arg(c));
		return 0;
	case PS_C_FORMAT_TABLE:
		ps_format_table(x->out, in, props_arg(c));
		return 0;
	case PS_C_OUT_NULL:
	case PS_C_NOOP:
		return 0;
	case PS_C_UNSUPPORTED:
		return fail(x, "not supported yet (multi-tenant gateway: a "
		               "later release)");
	}
	return fail(x, "internal error: cmdlet not implemented");
}

static json_t *
scalar_json(const struct ps_value *v)
{
	unsigned long long n;

	json_t *j;

	if (v->kind == PS_V_WORD &&
	    ps_cmdlet_parse_uint(v->text, INT64_MAX, &n))
		return json_integer((json_int_t)n);
	j = json_string(v->text);
	return j ? j : json_string("?");
}

/* A value at the head of a pipeline: $x, $x.Prop, "text", 5, a list. */
static int
eval_value(struct exec *x, const struct ps_value *v, struct ps_objs *out)
{
	struct var *var;

	switch (v->kind) {
	case PS_V_WORD:
	case PS_V_STRING: {
		json_t *j = scalar_json(v);

		ps_objs_push(out, PS_O_SCALAR, j);
		return 0;
	}
	case PS_V_LIST:
		for (size_t i = 0; i < v->n_items; i++)
			if (eval_value(x, &v->items[i], out) < 0)
				return -1;
		return 0;
	case PS_V_VAR:
		break;
	case PS_V_BLOCK:
		return fail(x, "a script block cannot be evaluated here");
	}
	if (!strcasecmp(v->text, "true") || !strcasecmp(v->text, "false")) {
		ps_objs_push(out, PS_O_SCALAR,
		             json_boolean(!strcasecmp(v->text, "true")));
		return 0;
	}
	if (!strcasecmp(v->text, "null"))
		return 0;
	var = var_find(x, v->text);
	if (!var)
		return fail(x, "variable $%s is not set", v->text);
	if (out->n + var->objs.n > MAX_OBJS)
		return fail(x, "more than %d objects in one pipeline",
		            MAX_OBJS);
	for (size_t i = 0; i < var->objs.n; i++) {
		const struct ps_obj *o = &var->objs.v[i];

		if (!v->n_props) {
			ps_objs_push(out, o->type, json_incref(o->v));
		} else {
			bool numeric;
			char *s = ps_obj_get(o, v->props[0], &numeric);
			long long n;

			if (!s)
				continue;
			json_t *j;

			if (numeric && to_ll(s, &n))
				j = json_integer(n);
			else
				j = json_string(s);
			ps_objs_push(out, PS_O_SCALAR,
			             j ? j : json_string("?"));
			free(s);
		}
	}
	return 0;
}

static int
run_stmt(struct exec *x, const struct ps_stmt *st)
{
	struct ps_objs in = {0}, out = {0};
	const struct ps_elem *last = &st->elems[st->n_elems - 1];

	for (size_t i = 0; i < st->n_elems; i++) {
		const struct ps_elem *e = &st->elems[i];
		int r;

		x->line = e->line;
		x->cmd = e->is_cmd ? &e->cmd : NULL;
		if (e->is_cmd)
			r = run_cmd(x, &e->cmd, &in, i > 0, &out);
		else
			r = eval_value(x, &e->val, &out);
		ps_objs_move(&in, &out);
		if (r < 0) {
			ps_objs_clear(&in);
			return -1;
		}
	}
	if (st->assign)
		var_set(x, st->assign, &in);
	else if (!last->is_cmd || !(last->cmd.cmdlet->flags & PS_CF_QUIET) ||
	         last->cmd.passthru)
		ps_format_default(x->out, &in);
	ps_objs_clear(&in);
	return 0;
}

int
ps_exec(struct ps_script *s, const struct ps_backend *be, FILE *out, FILE *err)
{
	struct exec x = {.s = s, .be = be, .out = out, .err = err};
	size_t done = 0;
	int r = 0;

	if (s->n_errors)
		return -EINVAL;
	for (; done < s->n_stmts; done++) {
		if (run_stmt(&x, &s->stmts[done]) < 0) {
			r = -1;
			break;
		}
	}
	if (r < 0) {
		const char *name = cmd_name(&x);

		r = -ECANCELED;
		fflush(out);
		if (name)
			fprintf(err, "%s:%d: %s: %s\n", s->file, x.line, name,
			        x.error ? x.error : "failed");
		else
			fprintf(err, "%s:%d: %s\n", s->file, x.line,
			        x.error ? x.error : "failed");
		fprintf(err, "stopped: %zu of %zu commands ran\n", done,
		        s->n_stmts);
	}
	fflush(out);
	for (size_t i = 0; i < x.n_vars; i++) {
		free(x.vars[i].name);
		ps_objs_clear(&x.vars[i].objs);
	}
	free(x.vars);
	free(x.error);
	return r;
}
