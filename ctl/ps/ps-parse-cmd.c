/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ps-parse-cmd: the parser's commands (ps-parse.h): a cmdlet's named and
 * positional arguments bound to its parameters (ps-cmdlet.c's tables),
 * each cmdlet's own static checks (mandatory parameters, Where-Object's
 * two forms, Select-Object), ForEach-Object and { } bodies, and the type
 * of what a command outputs, so the next one's input can be checked.
 */
#include "ctl/ps/ps-parse.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/util.h"

/* ---- commands ---- */

const struct ps_arg *
ps_parse_arg(const struct ps_cmd *c, const char *name)
{
	for (size_t i = 0; i < c->n_args; i++)
		if (c->args[i].param &&
		    !strcasecmp(c->args[i].param->name, name))
			return &c->args[i];
	return NULL;
}

const char *
ps_parse_cmd_name(const struct ps_cmd *c)
{
	return c->cmdlet ? c->cmdlet->name : c->typed;
}

void
ps_parse_cmd_free(struct ps_cmd *c)
{
	for (size_t i = 0; i < c->n_args; i++) {
		ps_parse_value_free(&c->args[i].val);
		json_decref(c->args[i].bound);
	}
	free(c->args);
	free(c->typed);
	ps_parse_cond_free(c->filter);
	for (size_t i = 0; i < c->n_body; i++)
		ps_parse_stmt_free(&c->body[i]);
	free(c->body);
	free(c->loop_var);
	free(c->member);
	memset(c, 0, sizeof(*c));
}

static struct ps_arg *
add_arg(struct ps_cmd *c, const struct ps_param *p, int line)
{
	struct ps_arg *a;

	c->args = xrealloc(c->args, (c->n_args + 1) * sizeof(*c->args));
	a = &c->args[c->n_args++];
	memset(a, 0, sizeof(*a));
	a->param = p;
	a->line = line;
	return a;
}

/* Text of a literal value (a word, a string, $true/$false), or NULL. */
static const char *
literal_text(const struct ps_value *v)
{
	if (v->kind == PS_V_WORD || v->kind == PS_V_STRING)
		return v->text;
	if (v->kind == PS_V_VAR && !v->n_props) {
		if (!strcasecmp(v->text, "true"))
			return "True";
		if (!strcasecmp(v->text, "false"))
			return "False";
	}
	return NULL;
}

/* Binds 'a->val' (already parsed) to 'a->param'. */
static bool
bind_arg(struct ps_parser *ps, struct ps_cmd *c, struct ps_arg *a)
{
	const struct ps_param *p = a->param;
	struct ps_value *v = &a->val;
	const char *text;
	char *msg = NULL;

	switch (p->type) {
	case PS_P_IGNORE:
	case PS_P_IGNORE_SWITCH:
		return true;
	case PS_P_PROPS: {
		const struct ps_value *items =
		    v->kind == PS_V_LIST ? v->items : v;
		size_t n = v->kind == PS_V_LIST ? v->n_items : 1;

		a->bound = json_array();
		for (size_t i = 0; i < n; i++) {
			const char *s = literal_text(&items[i]);

			if (!s || items[i].kind == PS_V_VAR) {
				ps_parse_err(ps, a->line,
				             "-%s takes property names",
				             p->name);
				return false;
			}
			if (!ps_obj_has_wildcard(s) &&
			    !ps_parse_check_prop(ps, a->line, ps->in_type,
			                         ps->in_view, s))
				return false;
			if (json_array_append_new(a->bound, json_string(s))) {
				ps_parse_err(
				    ps, a->line,
				    "-%s: '%s' is not a property name (not "
				    "UTF-8)",
				    p->name, s);
				return false;
			}
		}
		return true;
	}
	case PS_P_BLOCK:
		if (v->kind != PS_V_BLOCK) {
			ps_parse_err(ps, a->line,
			             "-%s takes a script block { ... }",
			             p->name);
			return false;
		}
		c->filter = v->cond;
		v->cond = NULL;
		return true;
	case PS_P_VALUE:
		if (v->kind == PS_V_BLOCK || v->kind == PS_V_LIST) {
			ps_parse_err(ps, a->line, "-%s takes one value",
			             p->name);
			return false;
		}
		return true;
	case PS_P_OBJECTS:
		for (size_t i = 0; i < (v->kind == PS_V_LIST ? v->n_items : 1);
		     i++) {
			const struct ps_value *it =
			    v->kind == PS_V_LIST ? &v->items[i] : v;

			if (it->kind == PS_V_BLOCK) {
				ps_parse_err(ps, a->line,
				             "-%s: script blocks are only "
				             "supported in Where-Object",
				             p->name);
				return false;
			}
		}
		return true;
	case PS_P_VARNAME:
		text = literal_text(v);
		if (!text || v->kind == PS_V_VAR) {
			ps_parse_err(ps, a->line,
			             "-%s takes a variable name, without '$' "
			             "(-%s name)",
			             p->name, p->name);
			return false;
		}
		if (ps_cmdlet_bind(p, text, false, &a->bound, &msg) < 0 ||
		    is_builtin_var(text + (*text == '+')) ||
		    is_item_var(text + (*text == '+'))) {
			ps_parse_err(ps, a->line, "-%s: %s", p->name,
			             msg ? msg : "that variable cannot be set");
			free(msg);
			return false;
		}
		return true;
	default:
		break;
	}
	if (v->kind == PS_V_LIST) {
		ps_parse_err(ps, a->line, "-%s takes one value, not a list",
		             p->name);
		return false;
	}
	if (v->kind == PS_V_BLOCK) {
		ps_parse_err(ps, a->line,
		             "-%s takes a value, not a script block", p->name);
		return false;
	}
	if (v->kind == PS_V_VAR && !strcasecmp(v->text, "null")) {
		ps_parse_err(ps, a->line, "-%s cannot be $null", p->name);
		return false;
	}
	text = literal_text(v);
	if (!text)
		return true; /* $x or $x.Prop: bound at run time */
	if (ps_cmdlet_bind(p, text, v->kind == PS_V_STRING, &a->bound, &msg) <
	    0) {
		ps_parse_err(ps, a->line, "-%s: %s", p->name, msg);
		free(msg);
		return false;
	}
	if (p->type == PS_P_SWITCH && !strcasecmp(p->name, "PassThru"))
		c->passthru = json_is_true(a->bound);
	return true;
}

/* The next positional parameter not bound yet. */
static const struct ps_param *
next_positional(const struct ps_cmd *c, const struct ps_value *v)
{
	const struct ps_param *best = NULL;

	for (const struct ps_param *p = c->cmdlet->params; p->name; p++) {
		if (p->position < 0 || ps_parse_arg(c, p->name))
			continue;
		if (c->cmdlet->id == PS_C_WHERE && p->position == 0) {
			/* Where-Object { } or Where-Object Prop -eq value */
			bool block = v->kind == PS_V_BLOCK;

			if (block != (p->type == PS_P_BLOCK))
				continue;
			if (ps_parse_arg(c, "FilterScript") ||
			    ps_parse_arg(c, "Property"))
				continue;
		}
		if (!best || p->position < best->position)
			best = p;
	}
	return best;
}

/* Any-arguments cmdlets: check the syntax of what follows, bind nothing. */
static bool
parse_any_args(struct ps_parser *ps)
{
	for (;;) {
		struct ps_tok *t = peek(ps);
		struct ps_value v;

		if (t->kind == PS_T_NEWLINE) {
			if (!continues_with(ps, PS_T_PARAM))
				return true;
			skip_newlines(ps);
			continue;
		}
		if (t->kind == PS_T_PARAM) {
			advance(ps);
			continue;
		}
		if (!is_value_start(t->kind))
			return true;
		if (!ps_parse_value(ps, &v))
			return false;
		ps_parse_value_free(&v);
	}
}

static bool
parse_param_arg(struct ps_parser *ps, struct ps_cmd *c)
{
	struct ps_tok *t = peek(ps);
	const struct ps_param *p;
	struct ps_arg *a;
	char *msg = NULL;
	int line = t->line;
	bool colon = t->colon;

	if (ps_cmdlet_param(c->cmdlet, t->text, &p, &msg) < 0) {
		ps_parse_err(ps, line, "%s", msg);
		free(msg);
		return false;
	}
	if (ps_parse_arg(c, p->name)) {
		ps_parse_err(ps, line, "parameter -%s is given twice", p->name);
		return false;
	}
	advance(ps);
	a = add_arg(c, p, line);
	if (p->type == PS_P_SWITCH || p->type == PS_P_IGNORE_SWITCH) {
		if (!colon) {
			a->val.kind = PS_V_WORD;
			a->val.text = xstrdup("True");
			a->val.line = line;
			return bind_arg(ps, c, a);
		}
	} else if (!colon && !is_value_start(peek(ps)->kind)) {
		ps_parse_err(ps, line, "missing a value for -%s", p->name);
		return false;
	} else if (p->type == PS_P_VARNAME && peek(ps)->kind == PS_T_VAR) {
		ps_parse_err(ps, line,
		             "-%s takes a variable name, without '$' (-%s %s)",
		             p->name, p->name, peek(ps)->text);
		return false;
	}
	if (!ps_parse_value(ps, &a->val))
		return false;
	a->has_val = true;
	return bind_arg(ps, c, a);
}

/* Where-Object Property -op Value: builds the condition. */
static bool
where_simple(struct ps_parser *ps, struct ps_cmd *c)
{
	const struct ps_arg *prop = ps_parse_arg(c, "Property");
	struct ps_arg *val = NULL;
	const struct ps_arg *op_arg = NULL;
	struct ps_cond *cond;
	enum ps_op op;
	bool cs;

	for (size_t i = 0; i < c->n_args; i++) {
		if (!strcmp(c->args[i].param->name, "Value"))
			val = &c->args[i];
		if (!(c->args[i].param->flags & PS_F_OP))
			continue;
		if (op_arg) {
			ps_parse_err(
			    ps, c->args[i].line,
			    "Where-Object takes one comparison operator");
			return false;
		}
		op_arg = &c->args[i];
	}
	if (c->filter) {
		if (prop || val || op_arg) {
			ps_parse_err(
			    ps, c->line,
			    "give either a script block or Property -op "
			    "Value, not both");
			return false;
		}
		return true;
	}
	if (!prop) {
		ps_parse_err(
		    ps, c->line,
		    "missing the condition: { $_.Property -eq value }");
		return false;
	}
	if (!op_arg || !val) {
		ps_parse_err(ps, c->line, "%s",
		             "Where-Object Property needs -EQ (or "
		             "-NE, -Like ...) and a value");
		return false;
	}
	if (!literal_text(&prop->val) || prop->val.kind == PS_V_VAR) {
		ps_parse_err(ps, prop->line, "-Property takes a property name");
		return false;
	}
	if (!ps_parse_check_prop(ps, prop->line, ps->in_type, ps->in_view,
	                         prop->val.text))
		return false;
	ps_parse_op(op_arg->param->name, &op, &cs);
	cond = xcalloc(1, sizeof(*cond));
	cond->cmps = xcalloc(1, sizeof(*cond->cmps));
	cond->n_cmps = 1;
	cond->cmps[0].prop = xstrdup(prop->val.text);
	cond->cmps[0].op = op;
	cond->cmps[0].case_sens = cs;
	/* The condition takes over the value; the argument keeps a husk. */
	cond->cmps[0].rhs = val->val;
	memset(&val->val, 0, sizeof(val->val));
	c->filter = cond;
	return true;
}

static bool
check_select(struct ps_parser *ps, struct ps_cmd *c)
{
	const struct ps_arg *prop = ps_parse_arg(c, "Property");
	const struct ps_arg *exp = ps_parse_arg(c, "ExpandProperty");

	if (prop && exp) {
		ps_parse_err(ps, exp->line,
		             "give -Property or -ExpandProperty, not both");
		return false;
	}
	if (exp && (json_array_size(exp->bound) != 1 ||
	            ps_obj_has_wildcard(
	                json_string_value(json_array_get(exp->bound, 0))))) {
		ps_parse_err(ps, exp->line,
		             "-ExpandProperty takes one property name, without "
		             "wildcards");
		return false;
	}
	if ((prop || exp) && ps->in_type == PS_O_SCALAR) {
		const char *n = json_string_value(
		    json_array_get((prop ? prop : exp)->bound, 0));

		if (n && (!prop || strcmp(n, "*"))) {
			ps_parse_err(ps, (prop ? prop : exp)->line,
			             "plain values have no property '%s'", n);
			return false;
		}
	}
	return true;
}

static bool
check_mandatory(struct ps_parser *ps, struct ps_cmd *c, bool piped)
{
	const struct ps_arg *ca, *type;

	for (const struct ps_param *p = c->cmdlet->params; p->name; p++) {
		if (!(p->flags & PS_F_MANDATORY) || ps_parse_arg(c, p->name))
			continue;
		if ((p->flags & PS_F_PIPED_OPT) && piped)
			continue;
		ps_parse_err(ps, c->line, "missing mandatory parameter -%s",
		             p->name);
		return false;
	}
	switch (c->cmdlet->id) {
	case PS_C_NV_NEW:
		if (c->cmdlet->otype != PS_O_LR)
			break;
		ca = ps_parse_arg(c, "CustomerAddress");
		type = ps_parse_arg(c, "Type");
		if (!ca && !(type && (!type->bound ||
		                      !strcmp(json_string_value(type->bound),
		                              "l2only")))) {
			ps_parse_err(
			    ps, c->line,
			    "missing mandatory parameter -CustomerAddress "
			    "(optional only with -Type L2Only)");
			return false;
		}
		break;
	case PS_C_NV_SET:
		for (size_t i = 0; piped && i < c->n_args; i++) {
			if (c->args[i].param->flags & PS_F_IDENT) {
				ps_parse_err(
				    ps, c->args[i].line,
				    "-%s selects objects: it cannot be "
				    "combined "
				    "with pipeline input",
				    c->args[i].param->name);
				return false;
			}
		}
		break;
	case PS_C_WHERE:
		return where_simple(ps, c);
	case PS_C_SELECT:
		return check_select(ps, c);
	case PS_C_VMNA_GET:
	case PS_C_VMNA_ADD:
		for (size_t i = 0; piped && i < c->n_args; i++) {
			const char *n = c->args[i].param->name;

			if (strcmp(n, "VMName") && strcmp(n, "All"))
				continue;
			ps_parse_err(
			    ps, c->args[i].line,
			    "-%s cannot be combined with pipeline input (the "
			    "VMs)",
			    n);
			return false;
		}
		break;
	default:
		break;
	}
	return true;
}

/* A positional value beyond the last position: the parameter that takes
 * the remaining arguments (Write-Host a b c) gets it.  false if there is
 * none ('v' is then still the caller's), or after an error ('v' freed). */
static bool
add_remaining(struct ps_parser *ps, struct ps_cmd *c, struct ps_value *v)
{
	struct ps_arg *a = NULL;
	struct ps_value *l;

	for (size_t i = 0; i < c->n_args; i++)
		if (c->args[i].param->flags & PS_F_REMAINING)
			a = &c->args[i];
	if (!a || !a->has_val)
		return false;
	l = &a->val;
	if (l->kind != PS_V_LIST) {
		struct ps_value first = *l;

		memset(l, 0, sizeof(*l));
		l->kind = PS_V_LIST;
		l->line = first.line;
		l->items = xmalloc(sizeof(*l->items));
		l->items[l->n_items++] = first;
	}
	if (v->kind == PS_V_LIST) {
		l->items = xrealloc(l->items, (l->n_items + v->n_items) *
		                                  sizeof(*l->items));
		memcpy(&l->items[l->n_items], v->items,
		       v->n_items * sizeof(*v->items));
		l->n_items += v->n_items;
		free(v->items);
		v->items = NULL;
		v->n_items = 0;
		ps_parse_value_free(v);
	} else {
		l->items =
		    xrealloc(l->items, (l->n_items + 1) * sizeof(*l->items));
		l->items[l->n_items++] = *v;
	}
	memset(v, 0, sizeof(*v));
	if (!bind_arg(ps, c, a)) {
		ps->failed = true;
		return false;
	}
	return true;
}

/* '{' statements '}': ForEach-Object's script block (with 'item', $_ is
 * each input object) or the foreach statement's. */
bool
ps_parse_body(struct ps_parser *ps, struct ps_cmd *c, bool item)
{
	const char *what = ps->what;
	enum ps_otype in_type = ps->in_type, item_type = ps->item_type;
	const json_t *in_view = ps->in_view, *item_view = ps->item_view;
	int line = peek(ps)->line;
	bool any = false, ok = false;

	c->body_type = PS_O_NONE;
	advance(ps); /* '{' */
	if (++ps->depth > MAX_DEPTH) {
		ps_parse_err(ps, line, "{ } nested more than %d deep",
		             MAX_DEPTH);
		goto out;
	}
	if (item) {
		ps->item_type = in_type;
		ps->item_view = in_view;
		ps->item_depth++;
	}
	for (;;) {
		struct ps_stmt st;
		enum ps_otype t;
		struct ps_tok *tok;

		while (peek(ps)->kind == PS_T_NEWLINE ||
		       peek(ps)->kind == PS_T_SEMI)
			advance(ps);
		tok = peek(ps);
		if (tok->kind == PS_T_RBRACE) {
			advance(ps);
			ok = true;
			break;
		}
		if (tok->kind == PS_T_EOF || tok->kind == PS_T_ERROR) {
			ps->what = what;
			if (tok->kind == PS_T_ERROR)
				ps_parse_err(ps, tok->line, "%s", tok->text);
			else
				ps_parse_err(
				    ps, line,
				    "missing '}' to close the script block");
			break;
		}
		if (!ps_parse_statement(ps, &st, &t)) {
			ps_parse_stmt_free(&st);
			break;
		}
		tok = peek(ps);
		if (tok->kind != PS_T_NEWLINE && tok->kind != PS_T_SEMI &&
		    tok->kind != PS_T_RBRACE) {
			ps_parse_bad_token(ps, tok);
			ps_parse_stmt_free(&st);
			break;
		}
		c->body = xrealloc(c->body, (c->n_body + 1) * sizeof(*c->body));
		c->body[c->n_body++] = st;
		if (t != PS_O_NONE) {
			c->body_type = any && c->body_type != t ? PS_O_ANY : t;
			any = true;
		}
	}
	if (item)
		ps->item_depth--;
out:
	ps->depth--;
	ps->what = what;
	ps->in_type = in_type;
	ps->in_view = in_view;
	ps->item_type = item_type;
	ps->item_view = item_view;
	if (!ok)
		ps_parse_skip_to_close(ps, PS_T_LBRACE, PS_T_RBRACE);
	return ok;
}

/* ForEach-Object [-Process] { statements } | [-MemberName] Prop, and the
 * common parameters. */
static bool
parse_foreach(struct ps_parser *ps, struct ps_cmd *c, bool piped)
{
	if (!piped) {
		ps_parse_err(
		    ps, c->line,
		    "needs pipeline input (foreach ($x in $list) { ... } "
		    "loops over a list)");
		return false;
	}
	for (;;) {
		struct ps_tok *t = peek(ps);
		const struct ps_param *p;
		char *msg = NULL;

		if (t->kind == PS_T_NEWLINE) {
			if (!continues_with(ps, PS_T_PARAM))
				break;
			skip_newlines(ps);
			continue;
		}
		if (t->kind == PS_T_PARAM && !t->colon &&
		    ps_cmdlet_param(c->cmdlet, t->text, &p, &msg) == 0 &&
		    (p->type == PS_P_SCRIPT ||
		     !strcmp(p->name, "MemberName"))) {
			advance(ps);
			continue; /* the block or name follows */
		}
		free(msg);
		if (t->kind == PS_T_PARAM) {
			if (!parse_param_arg(ps, c))
				return false;
			continue;
		}
		if (t->kind != PS_T_LBRACE && t->kind != PS_T_WORD &&
		    t->kind != PS_T_STRING) {
			if (t->kind == PS_T_OTHER || t->kind == PS_T_ERROR ||
			    is_value_start(t->kind)) {
				ps_parse_bad_token(ps, t);
				return false;
			}
			break;
		}
		if (c->body || c->member) {
			ps_parse_err(ps, t->line,
			             "ForEach-Object takes one script block or "
			             "property name");
			return false;
		}
		if (t->kind == PS_T_LBRACE) {
			if (!ps_parse_body(ps, c, true))
				return false;
			if (!c->body) /* { }: keep "has a body" */
				c->body = xcalloc(1, sizeof(*c->body));
			continue;
		}
		if (t->expands || t->bad_expansion) {
			ps_parse_err(ps, t->line,
			             "-MemberName takes a property name");
			return false;
		}
		if (!ps_parse_check_member(ps, t->line, ps->in_type,
		                           ps->in_view, NULL, t->text))
			return false;
		c->member = xstrdup(t->text);
		advance(ps);
	}
	if (!c->body && !c->member) {
		ps_parse_err(
		    ps, c->line,
		    "missing the script block: ForEach-Object { ... }");
		return false;
	}
	return true;
}

bool
ps_parse_command(struct ps_parser *ps, struct ps_cmd *c, bool piped)
{
	struct ps_tok *t = peek(ps);
	const struct ps_cmdlet *cl = ps_cmdlet_find(t->text);

	memset(c, 0, sizeof(*c));
	c->typed = xstrdup(t->text);
	c->line = t->line;
	ps->what = c->typed;
	if (!cl) {
		const char *near = ps_cmdlet_suggest(t->text);

		if (!strcasecmp(t->text, "Get-NetVirtualizationGlobal") ||
		    !strcasecmp(t->text, "Set-NetVirtualizationGlobal"))
			ps_parse_err(
			    ps, t->line,
			    "not supported: hnv-agent has no global "
			    "settings object (`hnvctl status` shows its "
			    "state)");
		else if (near)
			ps_parse_err(ps, t->line,
			             "unknown cmdlet (did you mean %s?)", near);
		else
			ps_parse_err(ps, t->line, "unknown cmdlet");
		return false;
	}
	c->cmdlet = cl;
	ps->what = cl->name;
	advance(ps);
	if (piped && !(cl->flags & PS_CF_PIPE_IN)) {
		ps_parse_err(ps, c->line, "takes no pipeline input");
		return false;
	}
	if (piped && type_is_object(ps_cmdlet_input(cl)) &&
	    type_is_object(ps->in_type) && ps->in_type != ps_cmdlet_input(cl)) {
		ps_parse_err(ps, c->line, "takes %s objects, not %s objects",
		             ps_obj_type(ps_cmdlet_input(cl))->name,
		             ps_obj_type(ps->in_type)->name);
		return false;
	}
	if (cl->id == PS_C_FOREACH)
		return parse_foreach(ps, c, piped);
	if (cl->flags & PS_CF_ANY_ARGS)
		return parse_any_args(ps);
	for (;;) {
		t = peek(ps);
		if (t->kind == PS_T_NEWLINE) {
			if (!continues_with(ps, PS_T_PARAM))
				break;
			skip_newlines(ps);
			continue;
		}
		if (t->kind == PS_T_PARAM) {
			if (!parse_param_arg(ps, c))
				return false;
			continue;
		}
		if (t->kind == PS_T_OTHER || t->kind == PS_T_ERROR) {
			ps_parse_bad_token(ps, t);
			return false;
		}
		if (is_value_start(t->kind)) {
			const struct ps_param *p;
			struct ps_value v;
			struct ps_arg *a;
			int line = t->line;

			if (!ps_parse_value(ps, &v))
				return false;
			p = next_positional(c, &v);
			if (!p && add_remaining(ps, c, &v))
				continue;
			if (!p && !ps->failed) {
				ps_parse_err(
				    ps, line,
				    "unexpected argument '%s' (no positional "
				    "parameter takes it)",
				    v.kind == PS_V_BLOCK
				        ? "{...}"
				        : (v.text ? v.text : "..."));
			}
			if (!p) {
				ps_parse_value_free(&v);
				return false;
			}
			a = add_arg(c, p, line);
			a->val = v;
			a->has_val = true;
			if (!bind_arg(ps, c, a))
				return false;
			continue;
		}
		break;
	}
	return check_mandatory(ps, c, piped);
}

/* Output type (and view, a new reference or NULL) of a command given its
 * input's. */
enum ps_otype
ps_parse_cmd_out_type(struct ps_parser *ps, const struct ps_cmd *c, bool piped,
                      enum ps_otype in, const json_t *in_view, json_t **view)
{
	const struct ps_arg *a;

	*view = NULL;
	switch (c->cmdlet->id) {
	case PS_C_WHERE:
	case PS_C_SORT:
		*view = in_view ? json_incref((json_t *)in_view) : NULL;
		return in;
	case PS_C_SELECT:
		if (ps_parse_arg(c, "ExpandProperty"))
			return PS_O_SCALAR;
		a = ps_parse_arg(c, "Property");
		if (!a || !type_is_object(in)) {
			*view = in_view ? json_incref((json_t *)in_view) : NULL;
			return in;
		}
		*view = ps_select_view(in, in_view, a->bound);
		return in;
	case PS_C_FOREACH:
		return c->member ? PS_O_SCALAR : c->body_type;
	case PS_C_WRITE_OUTPUT:
		if (piped) {
			*view = in_view ? json_incref((json_t *)in_view) : NULL;
			return in;
		}
		a = ps_parse_arg(c, "InputObject");
		return a ? ps_parse_value_type(ps, &a->val, view) : PS_O_NONE;
	case PS_C_NV_REMOVE:
	case PS_C_SWITCH_REMOVE:
	case PS_C_VMNA_REMOVE:
	case PS_C_VM_REMOVE:
	case PS_C_FORMAT_LIST:
	case PS_C_FORMAT_TABLE:
	case PS_C_OUT_NULL:
	case PS_C_WRITE_HOST:
	case PS_C_NOOP:
	case PS_C_UNSUPPORTED:
		return PS_O_NONE;
	default:
		return c->cmdlet->otype;
	}
}

/* -OutVariable, -ErrorVariable, -WarningVariable: the variables a command
 * sets, known to the statements after it. */
void
ps_parse_cmd_set_vars(struct ps_parser *ps, const struct ps_cmd *c,
                      enum ps_otype t, const json_t *view)
{
	static const char *const params[] = {"OutVariable", "ErrorVariable",
	                                     "WarningVariable"};

	for (size_t i = 0; i < ARRAY_SIZE(params); i++) {
		const struct ps_arg *a = ps_parse_arg(c, params[i]);
		const char *name = a ? json_string_value(a->bound) : NULL;
		const struct ps_var_type *old;

		if (!name)
			continue;
		if (i) {
			ps_parse_var_set(ps, name + (*name == '+'), PS_O_SCALAR,
			                 NULL);
			continue;
		}
		old = ps_parse_var_find(ps, name + (*name == '+'));
		if (*name == '+' && old && old->type != t)
			ps_parse_var_set(ps, name + 1, PS_O_ANY, NULL);
		else
			ps_parse_var_set(ps, name + (*name == '+'), t, view);
	}
}
