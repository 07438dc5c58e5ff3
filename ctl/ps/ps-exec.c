/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ps-exec: runs a parsed script against a backend (ctl/ps/ps.h).  Each
 * statement is a pipeline: objects flow from one element to the next as
 * (type, JSON) pairs; what is left at the end is printed (Get-*, values)
 * or dropped (New-*, Set-*, Add-* print only with -PassThru), or stored in
 * the assigned variable.
 *
 * Cmdlet -> request mapping (doc/hnvctl.md has the table):
 *  1. New-, Get-, Set- and Remove-NetVirtualization* (ps-netvirt.c) map
 *     to OBJECT.add/get/set/remove; Set-X sends whole objects back;
 *  2. the Hyper-V cmdlets (ps-hyperv.c) map to switch.*, vm.* and
 *     vm-adapter.*; adapters are selected by VM name and adapter name,
 *     wildcards allowed; VMs are network namespaces, always running:
 *     Start-VM, Stop-VM and Restart-VM only check that the VMs exist;
 *  3. Select-Object, Sort-Object and Measure-Object (ps-select.c),
 *     Write-Host and Write-Output send nothing.
 * The first failing request stops the script: "FILE:LINE: CMDLET: error"
 * and "stopped: N of M commands ran".
 *
 * The common parameters, per command:
 *  1. -WhatIf: a command that changes state prints "What if: Performing
 *     the operation "VERB" on target "TARGET"." per target (pipeline
 *     objects, else what its parameters name) and sends nothing;
 *  2. -ErrorAction Continue prints the command's error and the script
 *     goes on (its output so far flows on); SilentlyContinue and Ignore go
 *     on silently; Stop (the default) stops the script;
 *  3. -WarningAction SilentlyContinue and Ignore hide the agent's
 *     warnings; Stop makes the first one an error;
 *     without these, $ErrorActionPreference and $WarningPreference, if
 *     the script sets them, decide;
 *  4. -OutVariable, -ErrorVariable and -WarningVariable store the
 *     command's output, error message and warnings ('+name' appends).
 */
#include "ctl/ps/ps-int.h"

#include <errno.h>
#include <math.h>
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

/* -ErrorAction and -WarningAction */
enum action {
	ACT_DEFAULT,
	ACT_STOP,
	ACT_CONTINUE,
	ACT_SILENT,
	ACT_IGNORE,
};

/* A ( ) value's objects, evaluated once per run of the command (or the
 * pipeline) that uses it: arguments are read several times (describe,
 * client-side filters) and must not send the requests again. */
struct paren {
	const struct ps_value *v;
	struct ps_objs objs;
};

struct ps_exec {
	struct ps_script *s;
	const struct ps_backend *be;
	FILE *out, *err;
	struct var *vars;
	size_t n_vars;
	const struct ps_cmd *cmd; /* running, or NULL */
	int line;
	char *error; /* the runtime error, once one happened */
	enum action warn_action;
	struct ps_objs warnings; /* the running command's */
	struct paren *parens;    /* a stack: each run pops what it pushed */
	size_t n_parens, cap_parens;
	struct ps_objs item; /* ForEach-Object's $_, when 'has_item' */
	bool has_item;
	char *host; /* the running cmdlet's -ComputerName, or NULL */
};

int
ps_exec_fail(struct ps_exec *x, const char *fmt, ...)
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

static int eval_value(struct ps_exec *, const struct ps_value *,
                      struct ps_objs *);
static int run_pipeline(struct ps_exec *, const struct ps_stmt *,
                        struct ps_objs *);
static bool to_ll(const char *, long long *);

static const char *
cmd_name(const struct ps_exec *x)
{
	return x->cmd ? ps_parse_cmd_name(x->cmd) : NULL;
}

/* Sends one request; takes 'args'.  '*result' (may be NULL) gets the
 * result (never NULL on success). */
int
ps_exec_call(struct ps_exec *x, const char *cmd, json_t *args, json_t **result)
{
	json_t *res = NULL, *warn = NULL;
	char *err = NULL;
	const char *stop = NULL;
	int r;

	if (x->be->set_host)
		x->be->set_host(x->be->ctx, x->host);
	r = x->be->call(x->be->ctx, cmd, args, &res, &err, &warn);
	json_decref(args);
	for (size_t i = 0; i < json_array_size(warn); i++) {
		const char *w = json_string_value(json_array_get(warn, i));

		if (!w)
			continue;
		if (x->warn_action != ACT_IGNORE)
			ps_objs_push(&x->warnings, PS_O_SCALAR, json_string(w));
		if (x->warn_action == ACT_STOP && !stop)
			stop = w;
		if (x->warn_action == ACT_SILENT ||
		    x->warn_action == ACT_IGNORE)
			continue;
		fflush(x->out);
		fprintf(x->err, "%s:%d: %s: WARNING: %s\n", x->s->file, x->line,
		        cmd_name(x) ? cmd_name(x) : "-", w);
	}
	if (r < 0 || stop) {
		if (r < 0)
			ps_exec_fail(x, "%s", err ? err : strerror(-r));
		else
			ps_exec_fail(x,
			             "the running command stopped because "
			             "-WarningAction is Stop: %s",
			             stop);
		json_decref(warn);
		free(err);
		json_decref(res);
		return -1;
	}
	json_decref(warn);
	free(err);
	if (result)
		*result = res ? res : json_null();
	else
		json_decref(res);
	return 0;
}

char *
ps_exec_request_name(enum ps_otype t, const char *verb)
{
	return xasprintf("%s.%s", ps_obj_type(t)->object, verb);
}

/* ---- variables ---- */

static struct var *
var_find(struct ps_exec *x, const char *name)
{
	for (size_t i = 0; i < x->n_vars; i++)
		if (!strcasecmp(x->vars[i].name, name))
			return &x->vars[i];
	return NULL;
}

static void
var_set(struct ps_exec *x, const char *name, struct ps_objs *objs)
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

static bool
is_item_name(const char *name)
{
	return !strcmp(name, "_") || !strcasecmp(name, "PSItem");
}

/* The objects $name holds ($_ and $PSItem: ForEach-Object's current
 * object), or NULL when it is not set. */
static const struct ps_objs *
var_objs(struct ps_exec *x, const char *name)
{
	struct var *v;

	if (is_item_name(name))
		return x->has_item ? &x->item : NULL;
	v = var_find(x, name);
	return v ? &v->objs : NULL;
}

static void
parens_pop(struct ps_exec *x, size_t mark)
{
	while (x->n_parens > mark)
		ps_objs_clear(&x->parens[--x->n_parens].objs);
}

/* The objects of ( ) value 'v' (its pipeline's output, before any
 * property), run once per command run; NULL after ps_exec_fail().  The
 * pointer is valid until the next evaluation. */
static const struct ps_objs *
eval_paren(struct ps_exec *x, const struct ps_value *v)
{
	const struct ps_cmd *cmd = x->cmd;
	struct ps_objs objs = {0};
	int line = x->line;
	struct paren *p;

	for (size_t i = x->n_parens; i-- > 0;)
		if (x->parens[i].v == v)
			return &x->parens[i].objs;
	if (run_pipeline(x, v->sub, &objs) < 0) {
		ps_objs_clear(&objs);
		return NULL; /* x->cmd and x->line name the failing command */
	}
	x->cmd = cmd;
	x->line = line;
	if (x->n_parens == x->cap_parens) {
		x->cap_parens = x->cap_parens ? 2 * x->cap_parens : 8;
		x->parens =
		    xrealloc(x->parens, x->cap_parens * sizeof(*x->parens));
	}
	p = &x->parens[x->n_parens++];
	p->v = v;
	p->objs = objs;
	return &p->objs;
}

/* Property 'prop' of each object of 'os' (PowerShell's member
 * enumeration), appended to 'out' (numbers as numbers); .Count is the
 * number of objects unless the one object has a Count property. */
static void
member_values(const struct ps_objs *os, const char *prop, struct ps_objs *out)
{
	if (!strcasecmp(prop, "Count")) {
		char *s = os->n == 1 ? ps_obj_get(&os->v[0], prop, NULL) : NULL;

		if (!s) {
			ps_objs_push(out, PS_O_SCALAR,
			             json_integer((json_int_t)os->n));
			return;
		}
		free(s);
	}
	for (size_t i = 0; i < os->n; i++) {
		bool numeric;
		char *s = ps_obj_get(&os->v[i], prop, &numeric);
		long long n;
		json_t *j;

		if (!s)
			continue;
		if (numeric && to_ll(s, &n))
			j = json_integer(n);
		else
			j = json_string(s);
		ps_objs_push(out, PS_O_SCALAR, j ? j : json_string("?"));
		free(s);
	}
}

/* "$x" in a string: the objects as strings, or the values of $x.Prop,
 * separated by spaces (PowerShell's $OFS). */
static void
expand_var(struct ps_exec *x, const struct ps_part *pt, struct ps_str *b)
{
	const struct ps_objs *os;
	bool first = true;

	if (!strcasecmp(pt->text, "true") || !strcasecmp(pt->text, "false")) {
		ps_str_add(b, !strcasecmp(pt->text, "true") ? "True" : "False");
		return;
	}
	os = var_objs(x, pt->text);
	for (size_t i = 0; os && i < os->n; i++) {
		const struct ps_obj *o = &os->v[i];
		char *v = pt->n_props ? ps_obj_get(o, pt->props[0], NULL)
		                      : ps_obj_string(o);

		if (!v)
			continue;
		if (!first)
			ps_str_add(b, " ");
		ps_str_add(b, v);
		first = false;
		free(v);
	}
}

/* An expandable string's value (malloc'd). */
static char *
expand(struct ps_exec *x, const struct ps_value *v)
{
	struct ps_str b = {0};

	for (size_t i = 0; i < v->n_parts; i++) {
		if (v->parts[i].is_var)
			expand_var(x, &v->parts[i], &b);
		else
			ps_str_add(&b, v->parts[i].text);
	}
	return ps_str_take(&b);
}

/* The text of a value that must be exactly one: a word or string, an
 * expandable string, or a variable reference ($x or $x.Prop) holding
 * one value; 'what' names the use in messages.  malloc'd; NULL for $null
 * or after ps_exec_fail(). */
static char *
value_text(struct ps_exec *x, const struct ps_value *v, const char *what)
{
	const struct ps_objs *os;
	struct ps_objs vals = {0};
	char *label, *text = NULL;

	switch (v->kind) {
	case PS_V_WORD:
	case PS_V_STRING:
		return xstrdup(v->text);
	case PS_V_EXPAND:
		return expand(x, v);
	case PS_V_VAR:
	case PS_V_PAREN:
		break;
	case PS_V_LIST:
	case PS_V_BLOCK:
		ps_exec_fail(x, "%s: takes one value", what);
		return NULL;
	}
	if (v->kind == PS_V_PAREN) {
		os = eval_paren(x, v);
		if (!os)
			return NULL;
		label = xstrdup(v->text);
	} else {
		if (!strcasecmp(v->text, "true"))
			return xstrdup("True");
		if (!strcasecmp(v->text, "false"))
			return xstrdup("False");
		if (!strcasecmp(v->text, "null"))
			return NULL;
		os = var_objs(x, v->text);
		if (!os) {
			ps_exec_fail(x, "%s: variable $%s is not set", what,
			             v->text);
			return NULL;
		}
		label = xasprintf("$%s", v->text);
	}
	if (!v->n_props) {
		if (os->n == 1 && !json_is_object(os->v[0].v))
			text = ps_obj_scalar(os->v[0].v);
		else if (os->n == 1)
			ps_exec_fail(x, "%s: %s holds a %s object, not a value",
			             what, label,
			             ps_obj_type(os->v[0].type)->name);
		else
			ps_exec_fail(x, "%s: %s holds %zu values, not one",
			             what, label, os->n);
		free(label);
		return text;
	}
	member_values(os, v->props[0], &vals);
	if (vals.n == 1)
		text = ps_obj_scalar(vals.v[0].v);
	else if (!vals.n)
		ps_exec_fail(
		    x, "%s: %s.%s has no value (%s holds %zu object%s)", what,
		    label, v->props[0], label, os->n, os->n == 1 ? "" : "s");
	else
		ps_exec_fail(x, "%s: %s.%s has %zu values, not one", what,
		             label, v->props[0], vals.n);
	ps_objs_clear(&vals);
	free(label);
	return text;
}

/* ---- arguments ---- */

/* The JSON value of argument 'a' (new reference), or NULL after a
 * failure. */
json_t *
ps_exec_arg(struct ps_exec *x, const struct ps_arg *a)
{
	char *what, *text, *msg = NULL;
	json_t *out = NULL;

	if (a->bound)
		return json_incref(a->bound);
	what = xasprintf("-%s", a->param->name);
	text = value_text(x, &a->val, what);
	if (!text) {
		ps_exec_fail(x, "%s: $%s is $null", what,
		             a->val.text ? a->val.text : "null");
		free(what);
		return NULL;
	}
	if (ps_cmdlet_bind(a->param, text, false, &out, &msg) < 0) {
		ps_exec_fail(x, "%s: %s", what, msg);
		out = NULL;
	}
	free(msg);
	free(text);
	free(what);
	return out;
}

bool
ps_exec_has_key(const struct ps_arg *a)
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

bool
ps_exec_selected(const struct ps_cmd *c, const struct ps_arg *a,
                 enum ps_sel sel)
{
	unsigned f = a->param->flags;

	if (!ps_exec_has_key(a))
		return false;
	switch (sel) {
	case PS_SEL_ALL:
		return true;
	case PS_SEL_FILTER:
		return f & PS_F_FILTER;
	case PS_SEL_CLIENT:
		return !(f & PS_F_FILTER);
	case PS_SEL_IDENT:
		return f & PS_F_IDENT;
	case PS_SEL_CHANGE:
		return !(f & PS_F_IDENT);
	case PS_SEL_NAMES:
		return !strcmp(a->param->key, "vm") ||
		       !strcmp(a->param->key, "name");
	}
	return false;
}

/* Sets obj[key] for each selected argument.  0 or -1. */
int
ps_exec_args(struct ps_exec *x, const struct ps_cmd *c, enum ps_sel sel,
             json_t *obj)
{
	for (size_t i = 0; i < c->n_args; i++) {
		const struct ps_arg *a = &c->args[i];
		json_t *v;

		if (!ps_exec_selected(c, a, sel))
			continue;
		v = ps_exec_arg(x, a);
		if (!v)
			return -1;
		json_object_set_new(obj, a->param->key, v);
	}
	return 0;
}

/* "CustomerAddress 10.0.1.9, VirtualSubnetID 6000" */
char *
ps_exec_describe(struct ps_exec *x, const struct ps_cmd *c, enum ps_sel sel)
{
	char *d = xstrdup("");

	for (size_t i = 0; i < c->n_args; i++) {
		const struct ps_arg *a = &c->args[i];
		json_t *v;
		char *s, *nd;

		if (!ps_exec_selected(c, a, sel))
			continue;
		v = a->bound ? json_incref(a->bound) : ps_exec_arg(x, a);
		s = v ? ps_obj_scalar(v) : xstrdup(a->val.text);
		nd = xasprintf("%s%s%s %s", d, *d ? ", " : "", a->param->name,
		               s);
		free(d);
		free(s);
		json_decref(v);
		d = nd;
	}
	return d;
}

/* Does property 'key' of 'obj' equal (or, 'wild', match) 'want'?  Both
 * sides are compared in their PowerShell form, so 60-00-60-00-01-01 equals
 * 600060000101. */
bool
ps_exec_key_matches(enum ps_otype t, const json_t *obj, const char *key,
                    const json_t *want, bool wild)
{
	const struct ps_prop *p = ps_obj_prop_by_key(ps_obj_type(t), key);
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
client_match(struct ps_exec *x, const struct ps_cmd *c, enum ps_sel sel,
             enum ps_otype t, const json_t *obj, bool *match)
{
	*match = true;
	for (size_t i = 0; i < c->n_args && *match; i++) {
		const struct ps_arg *a = &c->args[i];
		json_t *v;

		if (!ps_exec_selected(c, a, sel))
			continue;
		v = ps_exec_arg(x, a);
		if (!v)
			return -1;
		*match = ps_exec_key_matches(t, obj, a->param->key, v,
		                             a->param->type == PS_P_WILD);
		json_decref(v);
	}
	return 0;
}

/* OBJ.get with 'filter' (taken); keeps the objects that also pass the
 * client-side selection 'client_sel'. */
int
ps_exec_fetch(struct ps_exec *x, const struct ps_cmd *c, enum ps_otype t,
              json_t *filter, enum ps_sel client_sel, struct ps_objs *out)
{
	char *req = ps_exec_request_name(t, "get");
	json_t *res, *item;
	size_t i;
	int r;

	r = ps_exec_call(x, req, filter, &res);
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
json_t *
ps_exec_object_keys(enum ps_otype t, const json_t *obj)
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

int
ps_exec_check_input(struct ps_exec *x, const struct ps_objs *in,
                    enum ps_otype t)
{
	for (size_t i = 0; i < in->n; i++)
		if (in->v[i].type != t)
			return ps_exec_fail(
			    x, "takes %s objects, not %s", ps_obj_type(t)->name,
			    json_is_object(in->v[i].v)
			        ? ps_obj_type(in->v[i].type)->name
			        : "plain values");
	return 0;
}

int
ps_exec_remove_each(struct ps_exec *x, enum ps_otype t,
                    const struct ps_objs *objs)
{
	char *req = ps_exec_request_name(t, "remove");
	int r = 0;

	for (size_t i = 0; i < objs->n && r == 0; i++)
		r = ps_exec_call(x, req, ident_filter(t, objs->v[i].v), NULL);
	free(req);
	return r;
}

/* ---- -WhatIf ---- */

static int
whatif(struct ps_exec *x, const struct ps_cmd *c, const struct ps_objs *in,
       bool piped)
{
	const char *name = c->cmdlet->name;
	int verb = (int)strcspn(name, "-");
	enum ps_otype t = c->cmdlet->otype;
	enum ps_sel sel = PS_SEL_ALL;
	json_t *obj;
	char *d;

	if (piped) {
		if (ps_exec_check_input(x, in, ps_cmdlet_input(c->cmdlet)) < 0)
			return -1;
		for (size_t i = 0; i < in->n; i++) {
			d = ps_obj_string(&in->v[i]);
			fprintf(x->out,
			        "What if: Performing the operation \"%.*s\" on "
			        "target \"%s\".\n",
			        verb, name, d);
			free(d);
		}
		return 0;
	}
	if (c->cmdlet->id == PS_C_NV_SET)
		sel = PS_SEL_IDENT;
	else if (c->cmdlet->id == PS_C_VMNA_SET)
		sel = PS_SEL_NAMES;
	obj = json_object();
	if (ps_exec_args(x, c, sel, obj) < 0) {
		json_decref(obj);
		return -1;
	}
	d = json_object_size(obj) ? ps_obj_describe(t, obj)
	                          : xasprintf("every %s", ps_obj_type(t)->name);
	fprintf(x->out,
	        "What if: Performing the operation \"%.*s\" on target "
	        "\"%s\".\n",
	        verb, name, d);
	free(d);
	json_decref(obj);
	return 0;
}

/* ---- Write-Host, Write-Output, object cmdlets ---- */

/* Appends the strings of the objects of value 'v' to 'b', separated by
 * 'sep'. */
static int
host_strings(struct ps_exec *x, const struct ps_value *v, const char *sep,
             struct ps_str *b)
{
	struct ps_objs objs = {0};
	int r = eval_value(x, v, &objs);

	for (size_t i = 0; r == 0 && i < objs.n; i++) {
		char *t = ps_obj_string(&objs.v[i]);

		if (i)
			ps_str_add(b, sep);
		ps_str_add(b, t);
		free(t);
	}
	ps_objs_clear(&objs);
	return r;
}

static int
write_host(struct ps_exec *x, const struct ps_cmd *c, const struct ps_objs *in,
           bool piped)
{
	const struct ps_arg *obj = ps_parse_arg(c, "Object");
	const struct ps_arg *sep_arg = ps_parse_arg(c, "Separator");
	const struct ps_arg *nonl = ps_parse_arg(c, "NoNewline");
	json_t *sep = sep_arg ? ps_exec_arg(x, sep_arg) : json_string(" ");
	json_t *nl = nonl ? ps_exec_arg(x, nonl) : json_false();
	const char *end = json_is_true(nl) ? "" : "\n";
	struct ps_str b = {0};
	char *s;
	int r = 0;

	if (!sep || !nl) {
		r = -1;
	} else if (obj || !piped) {
		/* the arguments, on one line */
		if (obj)
			r = host_strings(x, &obj->val, json_string_value(sep),
			                 &b);
		s = ps_str_take(&b);
		if (r == 0)
			fprintf(x->out, "%s%s", s, end);
		free(s);
	} else {
		/* each pipeline object, on its own line */
		for (size_t i = 0; i < in->n; i++) {
			s = ps_obj_string(&in->v[i]);
			fprintf(x->out, "%s%s", s, end);
			free(s);
		}
	}
	json_decref(sep);
	json_decref(nl);
	return r;
}

static int
write_output(struct ps_exec *x, const struct ps_cmd *c,
             const struct ps_objs *in, bool piped, struct ps_objs *out)
{
	const struct ps_arg *a = ps_parse_arg(c, "InputObject");

	if (a)
		return eval_value(x, &a->val, out);
	if (piped)
		ps_objs_copy(out, in);
	return 0;
}

/* The arguments of an object cmdlet by parameter name. */
static json_t *
named_args(struct ps_exec *x, const struct ps_cmd *c)
{
	json_t *o = json_object();

	for (size_t i = 0; i < c->n_args; i++) {
		const struct ps_arg *a = &c->args[i];
		json_t *v;

		switch (a->param->type) {
		case PS_P_PROPS:
		case PS_P_SWITCH:
		case PS_P_UINT32:
			break;
		default:
			continue;
		}
		v = ps_exec_arg(x, a);
		if (!v) {
			json_decref(o);
			return NULL;
		}
		json_object_set_new(o, a->param->name, v);
	}
	return o;
}

static int
object_cmd(struct ps_exec *x, const struct ps_cmd *c, const struct ps_objs *in,
           struct ps_objs *out)
{
	json_t *args = named_args(x, c);
	char *error = NULL;
	int r;

	if (!args)
		return -1;
	switch (c->cmdlet->id) {
	case PS_C_SELECT:
		r = ps_select_run(args, in, out, &error);
		break;
	case PS_C_SORT:
		r = ps_sort_run(args, in, out, &error);
		break;
	default:
		r = ps_measure_run(args, in, out, &error);
		break;
	}
	if (r < 0)
		ps_exec_fail(x, "%s", error ? error : "failed");
	free(error);
	json_decref(args);
	return r < 0 ? -1 : 0;
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

/* A finite number, for -eq, -lt ... between numbers. */
static bool
to_num(const char *s, double *v)
{
	char *end;

	if (!*s)
		return false;
	*v = strtod(s, &end);
	return !*end && isfinite(*v);
}

static int
eval_cmp(struct ps_exec *x, const struct ps_obj *o, const struct ps_cmp *cmp,
         bool *res)
{
	const struct ps_value *rv = &cmp->rhs;
	char *lhs, *rhs;
	bool numeric;
	double ln, rn;
	int c;

	lhs = ps_obj_get(o, cmp->prop, &numeric);
	if (!lhs)
		lhs = xstrdup("");
	if (rv->kind == PS_V_VAR || rv->kind == PS_V_EXPAND ||
	    rv->kind == PS_V_PAREN) {
		rhs = value_text(x, rv, "comparison value");
		if (!rhs && x->error) {
			free(lhs);
			return -1;
		}
		if (!rhs)
			rhs = xstrdup(""); /* $null */
	} else {
		rhs = xstrdup(rv->text ? rv->text : "");
	}
	if (numeric && to_num(lhs, &ln) && to_num(rhs, &rn))
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
where(struct ps_exec *x, const struct ps_cmd *c, const struct ps_objs *in,
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
			ps_objs_push_obj(out, &in->v[i]);
	}
	return 0;
}

/* ---- statements ---- */

/* Does the statement's output go to the screen (or the caller)?  Not
 * when it assigns, nor from New-*, Set-* ... without -PassThru. */
static bool
stmt_outputs(const struct ps_stmt *st)
{
	const struct ps_elem *last = &st->elems[st->n_elems - 1];

	return !st->assign &&
	       (!last->is_cmd || !(last->cmd.cmdlet->flags & PS_CF_QUIET) ||
	        last->cmd.passthru);
}

/* ForEach-Object (and the foreach statement): for each input object,
 * with $_ (or the loop variable) set to it, the body's statements run in
 * order and what they output is ForEach-Object's output; -MemberName
 * outputs a property of each.  Objects are handled one at a time, so a
 * failure stops after the objects before it were done, as in
 * PowerShell. */
static int
foreach_object(struct ps_exec *x, const struct ps_cmd *c,
               const struct ps_objs *in, struct ps_objs *out)
{
	const struct ps_cmd *cmd = x->cmd;
	struct ps_objs saved = {0};
	bool had = x->has_item;
	int line = x->line, r = 0;

	if (c->member) {
		member_values(in, c->member, out);
		return 0;
	}
	ps_objs_move(&saved, &x->item);
	for (size_t i = 0; r == 0 && i < in->n; i++) {
		struct ps_objs one = {0};

		ps_objs_push_obj(&one, &in->v[i]);
		if (c->loop_var) {
			var_set(x, c->loop_var, &one);
		} else {
			ps_objs_move(&x->item, &one);
			x->has_item = true;
		}
		for (size_t k = 0; r == 0 && k < c->n_body; k++) {
			const struct ps_stmt *st = &c->body[k];
			struct ps_objs res = {0};

			r = run_pipeline(x, st, &res);
			if (r == 0 && st->assign)
				var_set(x, st->assign, &res);
			else if (r == 0 && stmt_outputs(st) &&
			         out->n + res.n > MAX_OBJS)
				r = ps_exec_fail(x,
				                 "more than %d objects in one "
				                 "pipeline",
				                 MAX_OBJS);
			else if (r == 0 && stmt_outputs(st))
				ps_objs_copy(out, &res);
			ps_objs_clear(&res);
		}
	}
	ps_objs_move(&x->item, &saved);
	x->has_item = had;
	if (r == 0) {
		x->cmd = cmd;
		x->line = line;
	}
	return r;
}

static json_t *
props_arg(const struct ps_cmd *c)
{
	const struct ps_arg *a = ps_parse_arg(c, "Property");

	return a ? a->bound : NULL;
}

static int
run_cmd(struct ps_exec *x, const struct ps_cmd *c, const struct ps_objs *in,
        bool piped, struct ps_objs *out)
{
	switch (c->cmdlet->id) {
	case PS_C_NV_NEW:
	case PS_C_NV_GET:
	case PS_C_NV_SET:
	case PS_C_NV_REMOVE:
		return ps_netvirt_run(x, c, in, piped, out);
	case PS_C_SWITCH_NEW:
	case PS_C_SWITCH_GET:
	case PS_C_SWITCH_REMOVE:
	case PS_C_VM_NEW:
	case PS_C_VM_GET:
	case PS_C_VM_REMOVE:
	case PS_C_VM_STATE:
	case PS_C_VMNA_ADD:
	case PS_C_VMNA_GET:
	case PS_C_VMNA_SET:
	case PS_C_VMNA_REMOVE:
	case PS_C_NETADAPTER_GET:
		return ps_hyperv_run(x, c, in, piped, out);
	case PS_C_WHERE:
		return where(x, c, in, out);
	case PS_C_FOREACH:
		return foreach_object(x, c, in, out);
	case PS_C_SELECT:
	case PS_C_SORT:
	case PS_C_MEASURE:
		return object_cmd(x, c, in, out);
	case PS_C_WRITE_HOST:
		return write_host(x, c, in, piped);
	case PS_C_WRITE_OUTPUT:
		return write_output(x, c, in, piped, out);
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
		return ps_exec_fail(
		    x, "not supported yet (multi-tenant gateway: a "
		       "later release)");
	}
	return ps_exec_fail(x, "internal error: cmdlet not implemented");
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
eval_value(struct ps_exec *x, const struct ps_value *v, struct ps_objs *out)
{
	const struct ps_objs *os;

	switch (v->kind) {
	case PS_V_WORD:
	case PS_V_STRING: {
		json_t *j = scalar_json(v);

		ps_objs_push(out, PS_O_SCALAR, j);
		return 0;
	}
	case PS_V_EXPAND: {
		char *s = expand(x, v);
		json_t *j = json_string(s);

		ps_objs_push(out, PS_O_SCALAR, j ? j : json_string("?"));
		free(s);
		return 0;
	}
	case PS_V_LIST:
		for (size_t i = 0; i < v->n_items; i++)
			if (eval_value(x, &v->items[i], out) < 0)
				return -1;
		return 0;
	case PS_V_VAR:
	case PS_V_PAREN:
		break;
	case PS_V_BLOCK:
		return ps_exec_fail(x,
		                    "a script block cannot be evaluated here");
	}
	if (v->kind == PS_V_PAREN) {
		os = eval_paren(x, v);
		if (!os)
			return -1;
	} else if (!strcasecmp(v->text, "true") ||
	           !strcasecmp(v->text, "false")) {
		ps_objs_push(out, PS_O_SCALAR,
		             json_boolean(!strcasecmp(v->text, "true")));
		return 0;
	} else if (!strcasecmp(v->text, "null")) {
		return 0;
	} else {
		os = var_objs(x, v->text);
		if (!os)
			return ps_exec_fail(x, "variable $%s is not set",
			                    v->text);
	}
	if (out->n + os->n > MAX_OBJS)
		return ps_exec_fail(x, "more than %d objects in one pipeline",
		                    MAX_OBJS);
	if (v->n_props)
		member_values(os, v->props[0], out);
	else
		ps_objs_copy(out, os);
	return 0;
}

/* Prints the runtime error: "FILE:LINE: CMDLET: message". */
static void
report(struct ps_exec *x)
{
	const char *name = cmd_name(x);

	fflush(x->out);
	if (name)
		fprintf(x->err, "%s:%d: %s: %s\n", x->s->file, x->line, name,
		        x->error ? x->error : "failed");
	else
		fprintf(x->err, "%s:%d: %s\n", x->s->file, x->line,
		        x->error ? x->error : "failed");
}

/* The value of -ErrorAction or -WarningAction, else of the preference
 * variable the script may set ($ErrorActionPreference = 'Continue'). */
static int
cmd_action(struct ps_exec *x, const struct ps_cmd *c, const char *param,
           const char *pref, enum action *act)
{
	static const char *const names[] = {"", "stop", "continue",
	                                    "silentlycontinue", "ignore"};
	const struct ps_arg *a = ps_parse_arg(c, param);
	struct var *var = a ? NULL : var_find(x, pref);
	json_t *v;

	*act = ACT_DEFAULT;
	if (var && var->objs.n == 1 && !json_is_object(var->objs.v[0].v)) {
		struct ps_param p = {param, PS_P_ACTION, NULL, -1, 0, NULL};
		char *text = ps_obj_scalar(var->objs.v[0].v), *msg = NULL;

		if (ps_cmdlet_bind(&p, text, false, &v, &msg) < 0)
			ps_exec_fail(x, "$%s: %s", pref, msg);
		free(text);
		free(msg);
		if (x->error)
			return -1;
	} else if (a) {
		v = ps_exec_arg(x, a);
	} else {
		return 0;
	}
	if (!v)
		return -1;
	for (size_t i = 1; i < ARRAY_SIZE(names); i++)
		if (json_is_string(v) &&
		    !strcmp(json_string_value(v), names[i]))
			*act = (enum action)i;
	json_decref(v);
	return 0;
}

/* Sets (or with '+name', appends to) the variable named by 'param'. */
static void
set_param_var(struct ps_exec *x, const struct ps_cmd *c, const char *param,
              const struct ps_objs *objs)
{
	const struct ps_arg *a = ps_parse_arg(c, param);
	const char *name = a ? json_string_value(a->bound) : NULL;
	struct ps_objs copy = {0};
	struct var *old;

	if (!name)
		return;
	old = *name == '+' ? var_find(x, name + 1) : NULL;
	if (old)
		ps_objs_copy(&copy, &old->objs);
	ps_objs_copy(&copy, objs);
	var_set(x, name + (*name == '+'), &copy);
	ps_objs_clear(&copy);
}

/* The host -ComputerName (or -CimSession) names: 0 with '*host'
 * (malloc'd; NULL for none or this host), or -1. */
static int
cmd_host(struct ps_exec *x, const struct ps_cmd *c, char **host)
{
	static const char *const local[] = {"localhost", ".", "127.0.0.1",
	                                    "::1"};
	const struct ps_arg *a = ps_parse_arg(c, "ComputerName");
	const char *param = "ComputerName", *name;
	json_t *v;

	*host = NULL;
	if (!a) {
		a = ps_parse_arg(c, "CimSession");
		param = "CimSession";
	}
	if (!a)
		return 0;
	v = ps_exec_arg(x, a);
	if (!v)
		return -1;
	if (json_is_array(v) && json_array_size(v) == 1) {
		json_t *one = json_incref(json_array_get(v, 0));

		json_decref(v);
		v = one;
	}
	name = json_string_value(v);
	if (!name || !*name) {
		json_decref(v);
		return ps_exec_fail(x, "-%s: give one computer name", param);
	}
	for (size_t i = 0; i < ARRAY_SIZE(local); i++)
		if (!strcasecmp(name, local[i])) {
			json_decref(v);
			return 0;
		}
	if (!x->be->set_host) {
		ps_exec_fail(x,
		             "-%s %s: the agent's socket reaches this host "
		             "only; other hosts are reached through the "
		             "controller (hnvctl --controller URL)",
		             param, name);
		json_decref(v);
		return -1;
	}
	*host = xstrdup(name);
	json_decref(v);
	return 0;
}

/* Runs one command with its common parameters (see the top). */
static int
run_command(struct ps_exec *x, const struct ps_cmd *c, const struct ps_objs *in,
            bool piped, struct ps_objs *out)
{
	const struct ps_arg *wi = ps_parse_arg(c, "WhatIf");
	struct ps_objs errs = {0};
	enum action ea, wa;
	json_t *w = NULL;
	int r;

	struct ps_objs outer_warnings = {0};
	enum action outer_wa = x->warn_action;
	size_t mark = x->n_parens;
	char *outer_host = x->host, *host = NULL;

	/* A command runs inside another's ( ) or ForEach-Object block: keep
	 * that one's warning state. */
	ps_objs_move(&outer_warnings, &x->warnings);
	if (cmd_action(x, c, "ErrorAction", "ErrorActionPreference", &ea) < 0 ||
	    cmd_action(x, c, "WarningAction", "WarningPreference", &wa) < 0 ||
	    (wi && !(w = ps_exec_arg(x, wi))) ||
	    (ps_cmdlet_remote(c->cmdlet) && cmd_host(x, c, &host) < 0)) {
		r = -1;
		goto out;
	}
	x->host = host;
	x->warn_action = wa;
	if (json_is_true(w) && (c->cmdlet->flags & PS_CF_CHANGES))
		r = whatif(x, c, in, piped);
	else
		r = run_cmd(x, c, in, piped, out);
	x->warn_action = outer_wa;
	json_decref(w);
	if (r < 0 && ea != ACT_DEFAULT && ea != ACT_STOP) {
		if (ea == ACT_CONTINUE)
			report(x);
		if (ea != ACT_IGNORE)
			ps_objs_push(
			    &errs, PS_O_SCALAR,
			    json_string(x->error ? x->error : "failed"));
		free(x->error);
		x->error = NULL;
		r = 0;
	}
	if (r == 0) {
		set_param_var(x, c, "ErrorVariable", &errs);
		set_param_var(x, c, "WarningVariable", &x->warnings);
		set_param_var(x, c, "OutVariable", out);
	}
	ps_objs_clear(&errs);
out:
	x->warn_action = outer_wa;
	x->host = outer_host;
	free(host);
	ps_objs_move(&x->warnings, &outer_warnings);
	parens_pop(x, mark);
	return r;
}

/* Runs a statement's pipeline; '*res' gets what it outputs. */
static int
run_pipeline(struct ps_exec *x, const struct ps_stmt *st, struct ps_objs *res)
{
	struct ps_objs in = {0}, out = {0};
	size_t mark = x->n_parens;
	int r = 0;

	for (size_t i = 0; r == 0 && i < st->n_elems; i++) {
		const struct ps_elem *e = &st->elems[i];

		x->line = e->line;
		x->cmd = e->is_cmd ? &e->cmd : NULL;
		if (e->is_cmd)
			r = run_command(x, &e->cmd, &in, i > 0, &out);
		else
			r = eval_value(x, &e->val, &out);
		ps_objs_move(&in, &out);
	}
	parens_pop(x, mark);
	if (r < 0) {
		ps_objs_clear(&in);
		return -1;
	}
	ps_objs_move(res, &in);
	return 0;
}

static int
run_stmt(struct ps_exec *x, const struct ps_stmt *st)
{
	struct ps_objs res = {0};

	if (run_pipeline(x, st, &res) < 0)
		return -1;
	if (st->assign)
		var_set(x, st->assign, &res);
	else if (stmt_outputs(st))
		ps_format_default(x->out, &res);
	ps_objs_clear(&res);
	return 0;
}

int
ps_exec(struct ps_script *s, const struct ps_backend *be, FILE *out, FILE *err)
{
	struct ps_exec x = {.s = s, .be = be, .out = out, .err = err};
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
		r = -ECANCELED;
		report(&x);
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
	ps_objs_clear(&x.warnings);
	parens_pop(&x, 0);
	free(x.parens);
	ps_objs_clear(&x.item);
	return r;
}
