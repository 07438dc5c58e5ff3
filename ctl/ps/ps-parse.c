/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ps-parse: tokens -> statements, with parameter binding and static
 * checks, so that every error a script can be known to have is reported
 * before anything runs.
 *
 * Grammar (doc/hnvctl.md has the prose):
 *   script    := { statement (NEWLINE | ';') }
 *   statement := [ $var '=' ] pipeline
 *   pipeline  := element { '|' element }
 *   element   := cmdlet { argument } | value      (a value only first)
 *   argument  := -Param [value] | -Param:value | value
 *   value     := primary { ',' primary }
 *   primary   := word | string | $var[.Prop] | '{' condition '}'
 *                (words and "strings" may expand $var and $($var.Prop))
 *   condition := compare { (-and | -or) compare }
 *   compare   := $_.Prop -op operand  |  operand -op $_.Prop
 *
 * Layout rules beyond PowerShell's, for the way the seeds print scripts:
 *  1. a line whose first token is a -Param continues the command before
 *     it, across blank and comment lines (the book puts each parameter on
 *     a line of its own);
 *  2. a line starting with '|' continues the pipeline before it; a line
 *     ending with '|' or ',' continues on the next (as in PowerShell).
 *
 * Static checks: variables must be assigned before use (in script order);
 * the type a variable holds is tracked so $x.Prop, Where-Object and
 * Format-* property names are checked; pipeline input must be of the type
 * the cmdlet takes.  Select-Object's property list (the "view") is tracked
 * along with the type, so properties it dropped are errors downstream.
 * -OutVariable, -ErrorVariable and -WarningVariable set their variables
 * for the statements after the command. *
 * This file holds the statements and the script; values and script
 * blocks are in ps-parse-value.c, commands and parameter binding in
 * ps-parse-cmd.c, their shared state in ps-parse.h.
 */
#include "ctl/ps/ps-parse.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/util.h"

#define MAX_ERRORS 100

/* ---- errors ---- */

static void
add_error(struct ps_script *s, char *msg)
{
	if (s->n_errors == s->cap_errors) {
		s->cap_errors = s->cap_errors ? 2 * s->cap_errors : 8;
		s->errors =
		    xrealloc(s->errors, s->cap_errors * sizeof(*s->errors));
	}
	s->errors[s->n_errors++] = msg;
}

void
ps_parse_err(struct ps_parser *ps, int line, const char *fmt, ...)
{
	char *msg;
	va_list ap;

	if (ps->failed || ps->stop)
		return;
	ps->failed = true;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (ps->what)
		add_error(ps->s, xasprintf("%s:%d: %s: %s", ps->s->file, line,
		                           ps->what, msg));
	else
		add_error(ps->s,
		          xasprintf("%s:%d: %s", ps->s->file, line, msg));
	free(msg);
	if (ps->s->n_errors >= MAX_ERRORS) {
		add_error(ps->s, xasprintf("%s:%d: too many errors",
		                           ps->s->file, line));
		ps->stop = true;
	}
}

/* ---- tokens ---- */

/* After an error: skip the rest of the statement, continuation lines
 * included.  Stops before an error token so that it gets reported. */
static void
skip_statement(struct ps_parser *ps)
{
	for (;;) {
		enum ps_tok_kind k = peek(ps)->kind;

		if (k == PS_T_EOF || k == PS_T_ERROR || k == PS_T_SEMI)
			return;
		if (k == PS_T_NEWLINE) {
			if (!continues_with(ps, PS_T_PARAM) &&
			    !continues_with(ps, PS_T_PIPE))
				return;
			skip_newlines(ps); /* once: keeps this linear */
			continue;
		}
		advance(ps);
	}
}

/* After an error inside ( ) or { }: skip to the matching 'close', so that
 * the rest of the construct is not read as statements.  A ( ) stops at
 * the end of the line too: a missing ')' must not swallow the script. */
void
ps_parse_skip_to_close(struct ps_parser *ps, enum ps_tok_kind open,
                       enum ps_tok_kind close)
{
	int depth = 1;

	for (;;) {
		enum ps_tok_kind k = peek(ps)->kind;

		if (k == PS_T_EOF || k == PS_T_ERROR ||
		    (k == PS_T_NEWLINE && open == PS_T_LPAREN))
			return;
		advance(ps);
		if (k == open)
			depth++;
		else if (k == close && --depth == 0)
			return;
	}
}

/* ---- variables ---- */

struct ps_var_type *
ps_parse_var_find(struct ps_parser *ps, const char *name)
{
	for (size_t i = 0; i < ps->n_vars; i++)
		if (!strcasecmp(ps->vars[i].name, name))
			return &ps->vars[i];
	return NULL;
}

/* 'view' is borrowed. */
void
ps_parse_var_set(struct ps_parser *ps, const char *name, enum ps_otype t,
                 const json_t *view)
{
	struct ps_var_type *v = ps_parse_var_find(ps, name);

	if (!v) {
		ps->vars =
		    xrealloc(ps->vars, (ps->n_vars + 1) * sizeof(*ps->vars));
		v = &ps->vars[ps->n_vars++];
		v->name = xstrdup(name);
		v->view = NULL;
	}
	if (view)
		json_incref((json_t *)view); /* before: 'view' may be v->view */
	json_decref(v->view);
	v->type = t;
	v->view = (json_t *)view;
}

/* "A, B, C": the names in 'view'. */
static char *
view_names(const json_t *view)
{
	char *s = xstrdup("");

	for (size_t i = 0; i < json_array_size(view); i++) {
		char *n = xasprintf("%s%s%s", s, i ? ", " : "",
		                    json_string_value(json_array_get(view, i)));

		free(s);
		s = n;
	}
	return s;
}

/* Checks that property 'prop' exists on objects of type 't' that kept
 * the properties 'view' (NULL: all). */
bool
ps_parse_check_prop(struct ps_parser *ps, int line, enum ps_otype t,
                    const json_t *view, const char *prop)
{
	const struct ps_type *ty = ps_obj_type(t);

	if (type_is_object(t) && ps_obj_prop(ty, prop) &&
	    !ps_obj_in_view(view, prop)) {
		char *names = view_names(view);

		ps_parse_err(ps, line,
		             "Selected.%s objects have no property '%s' "
		             "(Select-Object kept %s)",
		             ty->name, prop, *names ? names : "none");
		free(names);
		return false;
	}
	if (!type_is_object(t) || ps_obj_prop(ty, prop))
		return true;
	for (const struct ps_prop *p = ty->props; p->name; p++) {
		if (ps_cmdlet_is_typo(prop, p->name)) {
			ps_parse_err(
			    ps, line,
			    "%s objects have no property '%s' (did you mean "
			    "%s?)",
			    ty->name, prop, p->name);
			return false;
		}
	}
	ps_parse_err(ps, line, "%s objects have no property '%s'", ty->name,
	             prop);
	return false;
}

/* Property 'prop' of what a value of type 't' (with 'view') holds: $name's
 * (or, 'name' NULL, a ( ) expression's).  .Count is the number of objects
 * unless they have a Count property (PowerShell's collection Count). */
bool
ps_parse_check_member(struct ps_parser *ps, int line, enum ps_otype t,
                      const json_t *view, const char *name, const char *prop)
{
	if (!strcasecmp(prop, "Count") &&
	    !(type_is_object(t) && ps_obj_prop(ps_obj_type(t), prop)))
		return true;
	if (t == PS_O_SCALAR) {
		if (name)
			ps_parse_err(
			    ps, line,
			    "$%s holds a plain value: it has no property '%s'",
			    name, prop);
		else
			ps_parse_err(ps, line,
			             "plain values have no property '%s'",
			             prop);
		return false;
	}
	return ps_parse_check_prop(ps, line, t, view, prop);
}

/* ---- what cannot be parsed ---- */

static const char *const keywords[] = {
    "if",       "else",     "elseif",        "foreach", "for",
    "while",    "do",       "until",         "switch",  "function",
    "filter",   "param",    "begin",         "process", "end",
    "try",      "catch",    "finally",       "trap",    "throw",
    "return",   "break",    "continue",      "exit",    "class",
    "enum",     "using",    "workflow",      "data",    "dynamicparam",
    "parallel", "sequence", "configuration",
};

static bool
is_keyword(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(keywords); i++)
		if (!strcasecmp(s, keywords[i]))
			return true;
	return false;
}

static const char *
unsupported_hint(void)
{
	return "hnvctl ps runs cmdlets, pipelines and $variable assignments";
}

/* Reports the token at which a value was expected. */
void
ps_parse_bad_token(struct ps_parser *ps, const struct ps_tok *t)
{
	switch (t->kind) {
	case PS_T_OTHER:
		ps_parse_err(ps, t->line, "unsupported construct: %s (%s)",
		             t->text, unsupported_hint());
		break;
	case PS_T_ERROR:
		ps_parse_err(ps, t->line, "%s", t->text);
		break;
	default:
		ps_parse_err(ps, t->line, "unexpected %s", tok_desc(t));
		break;
	}
}

/* ---- statements ---- */

static void
elem_free(struct ps_elem *e)
{
	if (e->is_cmd)
		ps_parse_cmd_free(&e->cmd);
	else
		ps_parse_value_free(&e->val);
}

void
ps_parse_stmt_free(struct ps_stmt *st)
{
	for (size_t i = 0; i < st->n_elems; i++)
		elem_free(&st->elems[i]);
	free(st->elems);
	free(st->assign);
	memset(st, 0, sizeof(*st));
}

static struct ps_elem *
add_elem(struct ps_stmt *st)
{
	struct ps_elem *e;

	st->elems = xrealloc(st->elems, (st->n_elems + 1) * sizeof(*e));
	e = &st->elems[st->n_elems++];
	memset(e, 0, sizeof(*e));
	return e;
}

/* The first element of a pipeline may be a value: $x, $x.Prop, "text". */
static bool
parse_value_elem(struct ps_parser *ps, struct ps_elem *e)
{
	struct ps_tok *t;

	if (!ps_parse_value(ps, &e->val))
		return false;
	t = peek(ps);
	if (t->kind == PS_T_OTHER || t->kind == PS_T_ERROR ||
	    is_value_start(t->kind) || t->kind == PS_T_PARAM) {
		if (t->kind == PS_T_PARAM)
			ps_parse_err(
			    ps, t->line,
			    "operators (-%s) are not supported outside "
			    "Where-Object { ... }",
			    t->text);
		else if (is_value_start(t->kind) && t->kind != PS_T_OTHER &&
		         t->kind != PS_T_ERROR)
			ps_parse_err(ps, t->line, "unexpected %s after a value",
			             tok_desc(t));
		else
			ps_parse_bad_token(ps, t);
		return false;
	}
	if (e->val.kind == PS_V_BLOCK) {
		ps_parse_err(ps, e->line,
		             "script blocks are only supported in "
		             "Where-Object");
		return false;
	}
	return true;
}

/* The type of a value, and its view (a new reference, or NULL). */
enum ps_otype
ps_parse_value_type(struct ps_parser *ps, const struct ps_value *v,
                    json_t **view)
{
	*view = NULL;
	if (v->kind == PS_V_VAR && !v->n_props && !is_builtin_var(v->text)) {
		struct ps_var_type *vt = ps_parse_var_find(ps, v->text);

		if (!vt)
			return PS_O_ANY;
		*view = vt->view ? json_incref(vt->view) : NULL;
		return vt->type;
	}
	if (v->kind == PS_V_LIST)
		return PS_O_ANY;
	if (v->kind == PS_V_PAREN)
		return v->type;
	return PS_O_SCALAR;
}

/* foreach ($name in pipeline) { statements }: the collection, as a ( )
 * value, piped into a ForEach-Object that sets $name to each object. */
static bool
parse_foreach_stmt(struct ps_parser *ps, struct ps_stmt *st, enum ps_otype *out)
{
	struct ps_elem *e = &st->elems[0], *f;
	int line = peek(ps)->line;
	struct ps_tok *t;
	enum ps_otype type;
	json_t *view = NULL;
	char *name;
	bool ok;

	ps->what = "foreach";
	advance(ps); /* foreach */
	advance(ps); /* '(' */
	t = peek(ps);
	if (t->kind != PS_T_VAR || t->n_props || is_builtin_var(t->text) ||
	    is_item_var(t->text)) {
		ps_parse_err(ps, t->line, "expected ($name in collection)");
		return false;
	}
	name = t->text;
	advance(ps);
	t = peek(ps);
	if (t->kind != PS_T_WORD || strcasecmp(t->text, "in")) {
		ps_parse_err(ps, t->line, "expected 'in' after $%s", name);
		return false;
	}
	advance(ps);
	e->val.kind = PS_V_PAREN;
	e->val.line = line;
	e->val.sub = xcalloc(1, sizeof(*e->val.sub));
	e->val.sub->line = line;
	if (!ps_parse_pipeline(ps, e->val.sub, &type, &view))
		return false;
	ps->what = "foreach";
	e->val.text = ps_parse_paren_label(e->val.sub);
	e->val.type = type;
	t = peek(ps);
	if (t->kind != PS_T_RPAREN || t->n_props) {
		ps_parse_err(ps, t->line,
		             "expected ')' after the collection, found %s",
		             tok_desc(t));
		json_decref(view);
		return false;
	}
	advance(ps);
	skip_newlines(ps);
	if (peek(ps)->kind != PS_T_LBRACE) {
		ps_parse_err(ps, peek(ps)->line, "missing the { ... } block");
		json_decref(view);
		return false;
	}
	ps_parse_var_set(ps, name, type, view);
	json_decref(view);
	f = add_elem(st);
	f->is_cmd = true;
	f->line = line;
	f->cmd.cmdlet = ps_cmdlet_find("ForEach-Object");
	f->cmd.typed = xstrdup("foreach");
	f->cmd.line = line;
	f->cmd.loop_var = xstrdup(name);
	ok = ps_parse_body(ps, &f->cmd, false);
	*out = f->cmd.body_type;
	return ok;
}

/* '*out' and '*out_view' (a new reference, or NULL): the type and view
 * of what the pipeline outputs. */
bool
ps_parse_pipeline(struct ps_parser *ps, struct ps_stmt *st, enum ps_otype *out,
                  json_t **out_view)
{
	enum ps_otype type = PS_O_NONE;
	json_t *view = NULL, *next;
	bool ok = false;

	for (;;) {
		struct ps_tok *t = peek(ps);
		struct ps_elem *e = add_elem(st);
		bool first = st->n_elems == 1;

		e->line = t->line;
		ps->what = NULL;
		ps->in_type = type;
		ps->in_view = view;
		if (first && t->kind == PS_T_WORD &&
		    !strcasecmp(t->text, "foreach") &&
		    peek_at(ps, 1)->kind == PS_T_LPAREN) {
			if (!parse_foreach_stmt(ps, st, &type))
				goto out;
			break;
		}
		if (t->kind == PS_T_WORD && is_keyword(t->text) &&
		    (first || strcasecmp(t->text, "foreach"))) {
			ps_parse_err(ps, t->line,
			             "%s: unsupported construct (%s)", t->text,
			             unsupported_hint());
			goto out;
		}
		if (t->kind == PS_T_WORD && !(first && is_number(t->text))) {
			e->is_cmd = true;
			if (!ps_parse_command(ps, &e->cmd, !first))
				goto out;
			type = ps_parse_cmd_out_type(ps, &e->cmd, !first, type,
			                             view, &next);
			json_decref(view);
			view = next;
			ps_parse_cmd_set_vars(ps, &e->cmd, type, view);
		} else if (first &&
		           (t->kind == PS_T_WORD || t->kind == PS_T_STRING ||
		            t->kind == PS_T_VAR || t->kind == PS_T_LPAREN)) {
			if (!parse_value_elem(ps, e))
				goto out;
			type = ps_parse_value_type(ps, &e->val, &next);
			json_decref(view);
			view = next;
		} else if (t->kind == PS_T_PARAM) {
			ps_parse_err(
			    ps, t->line,
			    "-%s: a parameter with no cmdlet before it",
			    t->text);
			goto out;
		} else if (t->kind == PS_T_EOF && !first) {
			ps_parse_err(ps, t->line, "missing a cmdlet after '|'");
			goto out;
		} else if (!first &&
		           (t->kind == PS_T_STRING || t->kind == PS_T_VAR)) {
			ps_parse_err(ps, t->line,
			             "values are only allowed as the "
			             "first element of a pipeline");
			goto out;
		} else if (t->kind == PS_T_LBRACE) {
			ps_parse_err(ps, t->line,
			             "script blocks are only supported "
			             "in Where-Object");
			goto out;
		} else {
			ps_parse_bad_token(ps, t);
			goto out;
		}
		t = peek(ps);
		if (t->kind == PS_T_NEWLINE && continues_with(ps, PS_T_PIPE))
			skip_newlines(ps);
		if (peek(ps)->kind != PS_T_PIPE)
			break;
		advance(ps);
		skip_newlines(ps);
	}
	*out = type;
	*out_view = view;
	view = NULL;
	ok = true;
out:
	ps->in_view = NULL;
	json_decref(view);
	return ok;
}

/* '*out' (may be NULL): the type of what the statement outputs, PS_O_NONE
 * if it assigns or its last cmdlet prints nothing (New-*, Set-*). */
bool
ps_parse_statement(struct ps_parser *ps, struct ps_stmt *st, enum ps_otype *out)
{
	struct ps_tok *t = peek(ps);
	const struct ps_elem *last;
	enum ps_otype type;
	json_t *view;

	memset(st, 0, sizeof(*st));
	st->line = t->line;
	ps->what = NULL;
	if (t->kind == PS_T_VAR && peek_at(ps, 1)->kind == PS_T_ASSIGN) {
		if (t->n_props) {
			ps_parse_err(ps, t->line,
			             "assigning to a property ($%s.%s) is "
			             "not supported",
			             t->text, t->props[0]);
			return false;
		}
		if (is_builtin_var(t->text) || is_item_var(t->text)) {
			ps_parse_err(ps, t->line, "$%s cannot be assigned",
			             t->text);
			return false;
		}
		st->assign = xstrdup(t->text);
		advance(ps);
		advance(ps);
		skip_newlines(ps);
		if (peek(ps)->kind == PS_T_EOF) {
			ps_parse_err(ps, t->line, "missing a value after '='");
			return false;
		}
	}
	if (!ps_parse_pipeline(ps, st, &type, &view))
		return false;
	if (st->assign)
		ps_parse_var_set(ps, st->assign, type, view);
	json_decref(view);
	last = &st->elems[st->n_elems - 1];
	if (st->assign ||
	    (last->is_cmd && (last->cmd.cmdlet->flags & PS_CF_QUIET) &&
	     !last->cmd.passthru))
		type = PS_O_NONE;
	if (out)
		*out = type;
	return true;
}

static void
add_stmt(struct ps_script *s, struct ps_stmt *st)
{
	if (s->n_stmts == s->cap_stmts) {
		s->cap_stmts = s->cap_stmts ? 2 * s->cap_stmts : 16;
		s->stmts = xrealloc(s->stmts, s->cap_stmts * sizeof(*s->stmts));
	}
	s->stmts[s->n_stmts++] = *st;
}

struct ps_script *
ps_parse(const char *file, const char *text, size_t len)
{
	struct ps_script *s = xcalloc(1, sizeof(*s));
	struct ps_parser ps = {.s = s};

	s->file = xstrdup(file);
	ps_lex(text, len, &ps.toks);
	while (!ps.stop) {
		struct ps_stmt st;
		struct ps_tok *t;

		while (peek(&ps)->kind == PS_T_NEWLINE ||
		       peek(&ps)->kind == PS_T_SEMI)
			advance(&ps);
		t = peek(&ps);
		if (t->kind == PS_T_EOF)
			break;
		ps.failed = false;
		ps.what = NULL;
		if (t->kind == PS_T_ERROR) {
			ps_parse_err(&ps, t->line, "%s", t->text);
			break;
		}
		if (ps_parse_statement(&ps, &st, NULL)) {
			t = peek(&ps);
			if (t->kind == PS_T_NEWLINE || t->kind == PS_T_SEMI ||
			    t->kind == PS_T_EOF) {
				add_stmt(s, &st);
				continue;
			}
			ps_parse_bad_token(&ps, t);
		}
		/* Keep the variable known so later uses don't cascade. */
		if (st.assign && !ps_parse_var_find(&ps, st.assign))
			ps_parse_var_set(&ps, st.assign, PS_O_ANY, NULL);
		ps_parse_stmt_free(&st);
		if (peek(&ps)->kind == PS_T_ERROR) {
			/* the statement ran into a lexical error */
			if (!ps.failed)
				ps_parse_err(&ps, peek(&ps)->line, "%s",
				             peek(&ps)->text);
			break;
		}
		skip_statement(&ps);
	}
	for (size_t i = 0; i < ps.n_vars; i++) {
		free(ps.vars[i].name);
		json_decref(ps.vars[i].view);
	}
	free(ps.vars);
	ps_lex_free(&ps.toks);
	return s;
}

void
ps_script_destroy(struct ps_script *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_stmts; i++)
		ps_parse_stmt_free(&s->stmts[i]);
	free(s->stmts);
	for (size_t i = 0; i < s->n_errors; i++)
		free(s->errors[i]);
	free(s->errors);
	free(s->file);
	free(s);
}

size_t
ps_script_n_errors(const struct ps_script *s)
{
	return s->n_errors;
}

const char *
ps_script_error(const struct ps_script *s, size_t i)
{
	return i < s->n_errors ? s->errors[i] : NULL;
}

void
ps_script_print_errors(const struct ps_script *s, FILE *f)
{
	for (size_t i = 0; i < s->n_errors; i++)
		fprintf(f, "%s\n", s->errors[i]);
	if (s->n_errors)
		fprintf(f, "%s: %zu error%s, nothing ran\n", s->file,
		        s->n_errors, s->n_errors == 1 ? "" : "s");
}

size_t
ps_script_n_statements(const struct ps_script *s)
{
	return s->n_stmts;
}
