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
 * for the statements after the command.
 */
#include "ctl/ps/ps-int.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/util.h"

#define MAX_ERRORS 100
/* ( ) and { } nesting: deeper scripts are refused, not a stack overflow. */
#define MAX_DEPTH 32

struct var_type {
	char *name;
	enum ps_otype type;
	json_t *view; /* Select-Object's properties, or NULL */
};

struct parser {
	struct ps_script *s;
	struct ps_toks toks;
	size_t i;
	struct var_type *vars;
	size_t n_vars;
	bool failed;      /* the current statement had an error */
	bool stop;        /* give up on the script */
	const char *what; /* cmdlet being parsed, for messages */
	enum ps_otype in_type;
	const json_t *in_view;   /* the input's view (borrowed), or NULL */
	int depth;               /* of ( ) and ForEach-Object { } */
	int item_depth;          /* ForEach-Object blocks around: $_ is set */
	enum ps_otype item_type; /* ... and its type and view */
	const json_t *item_view;
};

static void value_free(struct ps_value *);
static void stmt_free(struct ps_stmt *);
static bool parse_pipeline(struct parser *, struct ps_stmt *, enum ps_otype *,
                           json_t **);
static bool parse_statement(struct parser *, struct ps_stmt *, enum ps_otype *);

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

static void PRINTF_FMT(3, 4)
    perr(struct parser *ps, int line, const char *fmt, ...)
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

static struct ps_tok *
peek(struct parser *ps)
{
	return &ps->toks.v[ps->i];
}

static struct ps_tok *
peek_at(struct parser *ps, size_t k)
{
	size_t j = ps->i + k;

	return &ps->toks.v[j < ps->toks.n ? j : ps->toks.n - 1];
}

static void
advance(struct parser *ps)
{
	if (ps->toks.v[ps->i].kind != PS_T_EOF)
		ps->i++;
}

static void
skip_newlines(struct parser *ps)
{
	while (peek(ps)->kind == PS_T_NEWLINE)
		advance(ps);
}

/* At a NEWLINE: is the next non-blank line a continuation starting with
 * a token of 'kind'? */
static bool
continues_with(struct parser *ps, enum ps_tok_kind kind)
{
	size_t j = ps->i;

	while (ps->toks.v[j].kind == PS_T_NEWLINE)
		j++;
	return j != ps->i && ps->toks.v[j].kind == kind;
}

/* After an error: skip the rest of the statement, continuation lines
 * included.  Stops before an error token so that it gets reported. */
static void
skip_statement(struct parser *ps)
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
static void
skip_to_close(struct parser *ps, enum ps_tok_kind open, enum ps_tok_kind close)
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

static const char *
tok_desc(const struct ps_tok *t)
{
	return t->kind == PS_T_WORD || t->kind == PS_T_STRING
	           ? t->text
	           : ps_lex_kind_name(t->kind);
}

/* ---- variables ---- */

static struct var_type *
var_find(struct parser *ps, const char *name)
{
	for (size_t i = 0; i < ps->n_vars; i++)
		if (!strcasecmp(ps->vars[i].name, name))
			return &ps->vars[i];
	return NULL;
}

/* 'view' is borrowed. */
static void
var_set(struct parser *ps, const char *name, enum ps_otype t,
        const json_t *view)
{
	struct var_type *v = var_find(ps, name);

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

static bool
is_builtin_var(const char *name)
{
	return !strcasecmp(name, "true") || !strcasecmp(name, "false") ||
	       !strcasecmp(name, "null");
}

static bool
is_item_var(const char *name)
{
	return !strcmp(name, "_") || !strcasecmp(name, "PSItem");
}

static bool
type_is_object(enum ps_otype t)
{
	return t != PS_O_NONE && t != PS_O_ANY && t != PS_O_SCALAR;
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
static bool
check_prop(struct parser *ps, int line, enum ps_otype t, const json_t *view,
           const char *prop)
{
	const struct ps_type *ty = ps_obj_type(t);

	if (type_is_object(t) && ps_obj_prop(ty, prop) &&
	    !ps_obj_in_view(view, prop)) {
		char *names = view_names(view);

		perr(ps, line,
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
			perr(ps, line,
			     "%s objects have no property '%s' (did you mean "
			     "%s?)",
			     ty->name, prop, p->name);
			return false;
		}
	}
	perr(ps, line, "%s objects have no property '%s'", ty->name, prop);
	return false;
}

/* ---- values ---- */

static void
cond_free(struct ps_cond *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_cmps; i++) {
		free(c->cmps[i].prop);
		value_free(&c->cmps[i].rhs);
	}
	free(c->cmps);
	free(c->is_or);
	free(c);
}

static void
value_free(struct ps_value *v)
{
	free(v->text);
	for (size_t i = 0; i < v->n_props; i++)
		free(v->props[i]);
	free(v->props);
	for (size_t i = 0; i < v->n_items; i++)
		value_free(&v->items[i]);
	free(v->items);
	cond_free(v->cond);
	for (size_t i = 0; i < v->n_parts; i++)
		ps_part_free(&v->parts[i]);
	free(v->parts);
	if (v->sub) {
		stmt_free(v->sub);
		free(v->sub);
	}
	memset(v, 0, sizeof(*v));
}

static bool
is_number(const char *s)
{
	unsigned long long v;

	return ps_cmdlet_parse_uint(s, ~0ULL, &v);
}

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

static bool parse_block(struct parser *, struct ps_value *);

/* Reports the token at which a value was expected. */
static void
bad_value_token(struct parser *ps, const struct ps_tok *t)
{
	switch (t->kind) {
	case PS_T_OTHER:
		perr(ps, t->line, "unsupported construct: %s (%s)", t->text,
		     unsupported_hint());
		break;
	case PS_T_ERROR:
		perr(ps, t->line, "%s", t->text);
		break;
	default:
		perr(ps, t->line, "unexpected %s", tok_desc(t));
		break;
	}
}

/* Property 'prop' of what a value of type 't' (with 'view') holds: $name's
 * (or, 'name' NULL, a ( ) expression's).  .Count is the number of objects
 * unless they have a Count property (PowerShell's collection Count). */
static bool
check_member(struct parser *ps, int line, enum ps_otype t, const json_t *view,
             const char *name, const char *prop)
{
	if (!strcasecmp(prop, "Count") &&
	    !(type_is_object(t) && ps_obj_prop(ps_obj_type(t), prop)))
		return true;
	if (t == PS_O_SCALAR) {
		if (name)
			perr(ps, line,
			     "$%s holds a plain value: it has no property '%s'",
			     name, prop);
		else
			perr(ps, line, "plain values have no property '%s'",
			     prop);
		return false;
	}
	return check_prop(ps, line, t, view, prop);
}

/* $name with member chain 'props': set, and the property exists. */
static bool
check_var_ref(struct parser *ps, int line, const char *name, char *const *props,
              size_t n_props, bool in_block)
{
	struct var_type *vt;

	if (is_builtin_var(name)) {
		if (n_props) {
			perr(ps, line, "$%s has no properties", name);
			return false;
		}
		return true;
	}
	if (is_item_var(name) && in_block)
		return true; /* Where-Object's: parse_compare() checks it */
	if (is_item_var(name) && !ps->item_depth) {
		perr(ps, line,
		     "$%s is only defined inside Where-Object { ... } and "
		     "ForEach-Object { ... }",
		     name);
		return false;
	}
	vt = is_item_var(name) ? NULL : var_find(ps, name);
	if (!vt && !is_item_var(name)) {
		perr(ps, line, "variable $%s is not set", name);
		return false;
	}
	if (n_props > 1) {
		perr(ps, line,
		     "only one level of properties "
		     "($%s.%s) is supported",
		     name, props[0]);
		return false;
	}
	if (!n_props)
		return true;
	if (!vt)
		return check_member(ps, line, ps->item_type, ps->item_view,
		                    name, props[0]);
	return check_member(ps, line, vt->type, vt->view, name, props[0]);
}

/* "(Get-NetAdapter ...)": a ( ) expression in messages. */
static char *
paren_label(const struct ps_stmt *st)
{
	const struct ps_elem *e = &st->elems[0];

	if (!st->n_elems || !e->is_cmd)
		return xstrdup("(...)");
	return xasprintf("(%s%s)", e->cmd.typed,
	                 e->cmd.n_args || st->n_elems > 1 ? " ..." : "");
}

/* '(' pipeline ')' [.Prop]: the pipeline's objects, or the property of
 * each (PowerShell's member enumeration). */
static bool
parse_paren(struct parser *ps, struct ps_value *v)
{
	const char *what = ps->what;
	enum ps_otype in_type = ps->in_type, type = PS_O_NONE;
	const json_t *in_view = ps->in_view;
	json_t *view = NULL;
	struct ps_tok *t;
	bool ok = false, closed = false;

	v->kind = PS_V_PAREN;
	v->line = peek(ps)->line;
	v->sub = xcalloc(1, sizeof(*v->sub));
	v->sub->line = v->line;
	advance(ps); /* '(' */
	if (++ps->depth > MAX_DEPTH) {
		perr(ps, v->line, "( ) nested more than %d deep", MAX_DEPTH);
		goto out;
	}
	skip_newlines(ps);
	if (peek(ps)->kind == PS_T_RPAREN) {
		perr(ps, v->line, "empty ( )");
		goto out;
	}
	if (!parse_pipeline(ps, v->sub, &type, &view))
		goto out;
	if (continues_with(ps, PS_T_RPAREN))
		skip_newlines(ps);
	t = peek(ps);
	ps->what = what;
	if (t->kind != PS_T_RPAREN) {
		if (t->kind == PS_T_EOF || t->kind == PS_T_NEWLINE)
			perr(ps, v->line, "missing ')'");
		else if (t->kind == PS_T_OTHER || t->kind == PS_T_ERROR)
			bad_value_token(ps, t);
		else
			perr(ps, t->line, "unexpected %s in ( ): expected ')'",
			     tok_desc(t));
		goto out;
	}
	v->text = paren_label(v->sub);
	v->n_props = t->n_props;
	v->props = xcalloc(t->n_props ? t->n_props : 1, sizeof(*v->props));
	for (size_t i = 0; i < t->n_props; i++)
		v->props[i] = xstrdup(t->props[i]);
	advance(ps);
	closed = true;
	if (v->n_props > 1) {
		perr(ps, t->line,
		     "only one level of properties (%s.%s) is supported",
		     v->text, v->props[0]);
		goto out;
	}
	if (v->n_props &&
	    !check_member(ps, v->line, type, view, NULL, v->props[0]))
		goto out;
	v->type = v->n_props ? PS_O_SCALAR : type;
	ok = true;
out:
	ps->depth--;
	ps->what = what;
	ps->in_type = in_type;
	ps->in_view = in_view;
	json_decref(view);
	if (!ok) {
		if (!closed)
			skip_to_close(ps, PS_T_LPAREN, PS_T_RPAREN);
		value_free(v);
	}
	return ok;
}

static bool
parse_primary(struct parser *ps, struct ps_value *v, bool in_block)
{
	struct ps_tok *t = peek(ps);

	memset(v, 0, sizeof(*v));
	v->line = t->line;
	switch (t->kind) {
	case PS_T_WORD:
	case PS_T_STRING:
		if (t->bad_expansion) {
			perr(ps, t->line, "in \"%s\": %s", t->text,
			     t->bad_expansion);
			return false;
		}
		if (t->expands) {
			for (size_t i = 0; i < t->n_parts; i++) {
				const struct ps_part *pt = &t->parts[i];

				if (!pt->is_var)
					continue;
				if (is_item_var(pt->text) &&
				    (in_block || !ps->item_depth)) {
					perr(ps, t->line,
					     "$%s inside a string is not "
					     "supported",
					     pt->text);
					return false;
				}
				if (!check_var_ref(ps, t->line, pt->text,
				                   pt->props, pt->n_props,
				                   false))
					return false;
			}
			v->kind = PS_V_EXPAND;
			v->text = xstrdup(t->text);
			v->parts = t->parts; /* the token gives them up */
			v->n_parts = t->n_parts;
			t->parts = NULL;
			t->n_parts = 0;
			advance(ps);
			return true;
		}
		v->kind = t->kind == PS_T_WORD ? PS_V_WORD : PS_V_STRING;
		v->text = xstrdup(t->text);
		advance(ps);
		return true;
	case PS_T_VAR:
		if (!check_var_ref(ps, t->line, t->text, t->props, t->n_props,
		                   in_block))
			return false;
		v->kind = PS_V_VAR;
		v->text = xstrdup(t->text);
		v->n_props = t->n_props;
		v->props =
		    xcalloc(t->n_props ? t->n_props : 1, sizeof(*v->props));
		for (size_t i = 0; i < t->n_props; i++)
			v->props[i] = xstrdup(t->props[i]);
		advance(ps);
		return true;
	case PS_T_LBRACE:
		if (peek_at(ps, 1)->kind == PS_T_WORD &&
		    peek_at(ps, 2)->kind == PS_T_RBRACE) {
			/* {12345678-...}: PowerShell makes a script block of
			 * an unquoted braced GUID, and binds its text. */
			v->kind = PS_V_WORD;
			v->text = xasprintf("{%s}", peek_at(ps, 1)->text);
			advance(ps);
			advance(ps);
			advance(ps);
			return true;
		}
		if (in_block) {
			perr(ps, t->line,
			     "nested script blocks are not "
			     "supported");
			return false;
		}
		return parse_block(ps, v);
	case PS_T_LPAREN:
		return parse_paren(ps, v);
	default:
		bad_value_token(ps, t);
		return false;
	}
}

/* primary { ',' primary } */
static bool
parse_value(struct parser *ps, struct ps_value *v)
{
	struct ps_value first;

	if (!parse_primary(ps, &first, false))
		return false;
	if (peek(ps)->kind != PS_T_COMMA) {
		*v = first;
		return true;
	}
	memset(v, 0, sizeof(*v));
	v->kind = PS_V_LIST;
	v->line = first.line;
	v->items = xmalloc(sizeof(*v->items));
	v->items[v->n_items++] = first;
	while (peek(ps)->kind == PS_T_COMMA) {
		struct ps_value item;

		advance(ps);
		skip_newlines(ps);
		if (!parse_primary(ps, &item, false)) {
			value_free(v);
			return false;
		}
		v->items =
		    xrealloc(v->items, (v->n_items + 1) * sizeof(*v->items));
		v->items[v->n_items++] = item;
	}
	return true;
}

/* ---- script blocks (Where-Object) ---- */

static bool
op_from_name(const char *name, enum ps_op *op, bool *cs)
{
	static const struct {
		const char *name;
		enum ps_op op;
	} ops[] = {
	    {"eq", PS_OP_EQ},           {"ne", PS_OP_NE}, {"like", PS_OP_LIKE},
	    {"notlike", PS_OP_NOTLIKE}, {"gt", PS_OP_GT}, {"ge", PS_OP_GE},
	    {"lt", PS_OP_LT},           {"le", PS_OP_LE},
	};

	*cs = false;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
			if (!strcasecmp(name, ops[i].name)) {
				*op = ops[i].op;
				return true;
			}
		if (pass || (tolower((unsigned char)name[0]) != 'c' &&
		             tolower((unsigned char)name[0]) != 'i'))
			break;
		*cs = tolower((unsigned char)name[0]) == 'c';
		name++;
	}
	return false;
}

static enum ps_op
op_mirror(enum ps_op op)
{
	switch (op) {
	case PS_OP_GT:
		return PS_OP_LT;
	case PS_OP_GE:
		return PS_OP_LE;
	case PS_OP_LT:
		return PS_OP_GT;
	case PS_OP_LE:
		return PS_OP_GE;
	default:
		return op;
	}
}

static bool
is_item_ref(const struct ps_value *v)
{
	return v->kind == PS_V_VAR && is_item_var(v->text);
}

/* A comparison operand other than $_.Prop: a string, a number, $true,
 * $false, $null or $x / $x.Prop. */
static bool
check_operand(struct parser *ps, const struct ps_value *v)
{
	if (v->kind == PS_V_WORD && !is_number(v->text)) {
		perr(ps, v->line,
		     "bare word '%s' in a script block: quote it (\"%s\")",
		     v->text, v->text);
		return false;
	}
	if (v->kind == PS_V_BLOCK || v->kind == PS_V_LIST) {
		perr(ps, v->line, "unsupported comparison operand");
		return false;
	}
	return true;
}

static bool
parse_compare(struct parser *ps, struct ps_cmp *cmp)
{
	struct ps_value lhs, rhs;
	struct ps_tok *t;
	enum ps_op op;
	bool cs;

	memset(cmp, 0, sizeof(*cmp));
	if (!parse_primary(ps, &lhs, true))
		return false;
	t = peek(ps);
	if (t->kind != PS_T_PARAM) {
		perr(ps, t->line,
		     "expected a comparison (-eq, -ne, -like, -notlike, "
		     "-gt, -ge, -lt, -le), found %s",
		     tok_desc(t));
		value_free(&lhs);
		return false;
	}
	if (!op_from_name(t->text, &op, &cs)) {
		perr(ps, t->line,
		     "unsupported operator -%s (supported: -eq, -ne, -like, "
		     "-notlike, -gt, -ge, -lt, -le)",
		     t->text);
		value_free(&lhs);
		return false;
	}
	advance(ps);
	if (!parse_primary(ps, &rhs, true)) {
		value_free(&lhs);
		return false;
	}
	if (!is_item_ref(&lhs) && is_item_ref(&rhs)) {
		struct ps_value tmp = lhs;

		lhs = rhs;
		rhs = tmp;
		op = op_mirror(op);
	}
	if (!is_item_ref(&lhs) || lhs.n_props != 1) {
		perr(ps, lhs.line,
		     "a comparison must test a property of the pipeline "
		     "object: { $_.Property -eq value }");
		goto fail;
	}
	if (is_item_ref(&rhs)) {
		perr(ps, rhs.line,
		     "comparing two properties is not "
		     "supported");
		goto fail;
	}
	if (!check_operand(ps, &rhs) ||
	    !check_prop(ps, lhs.line, ps->in_type, ps->in_view, lhs.props[0]))
		goto fail;
	cmp->prop = xstrdup(lhs.props[0]);
	cmp->op = op;
	cmp->case_sens = cs;
	cmp->rhs = rhs;
	value_free(&lhs);
	return true;
fail:
	value_free(&lhs);
	value_free(&rhs);
	return false;
}

static bool
parse_block(struct parser *ps, struct ps_value *v)
{
	struct ps_cond *c = xcalloc(1, sizeof(*c));
	struct ps_tok *t;

	v->kind = PS_V_BLOCK;
	v->line = peek(ps)->line;
	v->cond = c;
	advance(ps); /* '{' */
	skip_newlines(ps);
	for (;;) {
		struct ps_cmp cmp;

		if (!parse_compare(ps, &cmp))
			goto fail;
		c->cmps = xrealloc(c->cmps, (c->n_cmps + 1) * sizeof(*c->cmps));
		c->cmps[c->n_cmps++] = cmp;
		skip_newlines(ps);
		t = peek(ps);
		if (t->kind == PS_T_PARAM && (!strcasecmp(t->text, "and") ||
		                              !strcasecmp(t->text, "or"))) {
			c->is_or =
			    xrealloc(c->is_or, c->n_cmps * sizeof(*c->is_or));
			c->is_or[c->n_cmps - 1] = !strcasecmp(t->text, "or");
			advance(ps);
			skip_newlines(ps);
			continue;
		}
		break;
	}
	t = peek(ps);
	if (t->kind != PS_T_RBRACE) {
		if (t->kind == PS_T_PARAM)
			perr(ps, t->line,
			     "unsupported operator -%s in a script block "
			     "(supported: -and, -or)",
			     t->text);
		else if (t->kind == PS_T_EOF)
			perr(ps, v->line,
			     "missing '}' to close the script "
			     "block");
		else
			bad_value_token(ps, t);
		goto fail;
	}
	advance(ps);
	return true;
fail:
	value_free(v);
	return false;
}

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

static void
cmd_free(struct ps_cmd *c)
{
	for (size_t i = 0; i < c->n_args; i++) {
		value_free(&c->args[i].val);
		json_decref(c->args[i].bound);
	}
	free(c->args);
	free(c->typed);
	cond_free(c->filter);
	for (size_t i = 0; i < c->n_body; i++)
		stmt_free(&c->body[i]);
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
bind_arg(struct parser *ps, struct ps_cmd *c, struct ps_arg *a)
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
				perr(ps, a->line, "-%s takes property names",
				     p->name);
				return false;
			}
			if (!ps_obj_has_wildcard(s) &&
			    !check_prop(ps, a->line, ps->in_type, ps->in_view,
			                s))
				return false;
			if (json_array_append_new(a->bound, json_string(s))) {
				perr(ps, a->line,
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
			perr(ps, a->line, "-%s takes a script block { ... }",
			     p->name);
			return false;
		}
		c->filter = v->cond;
		v->cond = NULL;
		return true;
	case PS_P_VALUE:
		if (v->kind == PS_V_BLOCK || v->kind == PS_V_LIST) {
			perr(ps, a->line, "-%s takes one value", p->name);
			return false;
		}
		return true;
	case PS_P_OBJECTS:
		for (size_t i = 0; i < (v->kind == PS_V_LIST ? v->n_items : 1);
		     i++) {
			const struct ps_value *it =
			    v->kind == PS_V_LIST ? &v->items[i] : v;

			if (it->kind == PS_V_BLOCK) {
				perr(ps, a->line,
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
			perr(ps, a->line,
			     "-%s takes a variable name, without '$' "
			     "(-%s name)",
			     p->name, p->name);
			return false;
		}
		if (ps_cmdlet_bind(p, text, false, &a->bound, &msg) < 0 ||
		    is_builtin_var(text + (*text == '+')) ||
		    is_item_var(text + (*text == '+'))) {
			perr(ps, a->line, "-%s: %s", p->name,
			     msg ? msg : "that variable cannot be set");
			free(msg);
			return false;
		}
		return true;
	default:
		break;
	}
	if (v->kind == PS_V_LIST) {
		perr(ps, a->line, "-%s takes one value, not a list", p->name);
		return false;
	}
	if (v->kind == PS_V_BLOCK) {
		perr(ps, a->line, "-%s takes a value, not a script block",
		     p->name);
		return false;
	}
	if (v->kind == PS_V_VAR && !strcasecmp(v->text, "null")) {
		perr(ps, a->line, "-%s cannot be $null", p->name);
		return false;
	}
	text = literal_text(v);
	if (!text)
		return true; /* $x or $x.Prop: bound at run time */
	if (ps_cmdlet_bind(p, text, v->kind == PS_V_STRING, &a->bound, &msg) <
	    0) {
		perr(ps, a->line, "-%s: %s", p->name, msg);
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

static bool
is_value_start(enum ps_tok_kind k)
{
	return k == PS_T_WORD || k == PS_T_STRING || k == PS_T_VAR ||
	       k == PS_T_LBRACE || k == PS_T_LPAREN || k == PS_T_OTHER ||
	       k == PS_T_ERROR;
}

/* Any-arguments cmdlets: check the syntax of what follows, bind nothing. */
static bool
parse_any_args(struct parser *ps)
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
		if (!parse_value(ps, &v))
			return false;
		value_free(&v);
	}
}

static bool
parse_param_arg(struct parser *ps, struct ps_cmd *c)
{
	struct ps_tok *t = peek(ps);
	const struct ps_param *p;
	struct ps_arg *a;
	char *msg = NULL;
	int line = t->line;
	bool colon = t->colon;

	if (ps_cmdlet_param(c->cmdlet, t->text, &p, &msg) < 0) {
		perr(ps, line, "%s", msg);
		free(msg);
		return false;
	}
	if (ps_parse_arg(c, p->name)) {
		perr(ps, line, "parameter -%s is given twice", p->name);
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
		perr(ps, line, "missing a value for -%s", p->name);
		return false;
	} else if (p->type == PS_P_VARNAME && peek(ps)->kind == PS_T_VAR) {
		perr(ps, line,
		     "-%s takes a variable name, without '$' (-%s %s)", p->name,
		     p->name, peek(ps)->text);
		return false;
	}
	if (!parse_value(ps, &a->val))
		return false;
	a->has_val = true;
	return bind_arg(ps, c, a);
}

/* Where-Object Property -op Value: builds the condition. */
static bool
where_simple(struct parser *ps, struct ps_cmd *c)
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
			perr(ps, c->args[i].line,
			     "Where-Object takes one comparison operator");
			return false;
		}
		op_arg = &c->args[i];
	}
	if (c->filter) {
		if (prop || val || op_arg) {
			perr(ps, c->line,
			     "give either a script block or Property -op "
			     "Value, not both");
			return false;
		}
		return true;
	}
	if (!prop) {
		perr(ps, c->line,
		     "missing the condition: { $_.Property -eq value }");
		return false;
	}
	if (!op_arg || !val) {
		perr(ps, c->line, "%s",
		     "Where-Object Property needs -EQ (or "
		     "-NE, -Like ...) and a value");
		return false;
	}
	if (!literal_text(&prop->val) || prop->val.kind == PS_V_VAR) {
		perr(ps, prop->line, "-Property takes a property name");
		return false;
	}
	if (!check_prop(ps, prop->line, ps->in_type, ps->in_view,
	                prop->val.text))
		return false;
	op_from_name(op_arg->param->name, &op, &cs);
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
check_select(struct parser *ps, struct ps_cmd *c)
{
	const struct ps_arg *prop = ps_parse_arg(c, "Property");
	const struct ps_arg *exp = ps_parse_arg(c, "ExpandProperty");

	if (prop && exp) {
		perr(ps, exp->line,
		     "give -Property or -ExpandProperty, not both");
		return false;
	}
	if (exp && (json_array_size(exp->bound) != 1 ||
	            ps_obj_has_wildcard(
	                json_string_value(json_array_get(exp->bound, 0))))) {
		perr(ps, exp->line,
		     "-ExpandProperty takes one property name, without "
		     "wildcards");
		return false;
	}
	if ((prop || exp) && ps->in_type == PS_O_SCALAR) {
		const char *n = json_string_value(
		    json_array_get((prop ? prop : exp)->bound, 0));

		if (n && (!prop || strcmp(n, "*"))) {
			perr(ps, (prop ? prop : exp)->line,
			     "plain values have no property '%s'", n);
			return false;
		}
	}
	return true;
}

static bool
check_mandatory(struct parser *ps, struct ps_cmd *c, bool piped)
{
	const struct ps_arg *ca, *type;

	for (const struct ps_param *p = c->cmdlet->params; p->name; p++) {
		if (!(p->flags & PS_F_MANDATORY) || ps_parse_arg(c, p->name))
			continue;
		if ((p->flags & PS_F_PIPED_OPT) && piped)
			continue;
		perr(ps, c->line, "missing mandatory parameter -%s", p->name);
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
			perr(ps, c->line,
			     "missing mandatory parameter -CustomerAddress "
			     "(optional only with -Type L2Only)");
			return false;
		}
		break;
	case PS_C_NV_SET:
		for (size_t i = 0; piped && i < c->n_args; i++) {
			if (c->args[i].param->flags & PS_F_IDENT) {
				perr(ps, c->args[i].line,
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
			perr(ps, c->args[i].line,
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
add_remaining(struct parser *ps, struct ps_cmd *c, struct ps_value *v)
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
		value_free(v);
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
static bool
parse_body(struct parser *ps, struct ps_cmd *c, bool item)
{
	const char *what = ps->what;
	enum ps_otype in_type = ps->in_type, item_type = ps->item_type;
	const json_t *in_view = ps->in_view, *item_view = ps->item_view;
	int line = peek(ps)->line;
	bool any = false, ok = false;

	c->body_type = PS_O_NONE;
	advance(ps); /* '{' */
	if (++ps->depth > MAX_DEPTH) {
		perr(ps, line, "{ } nested more than %d deep", MAX_DEPTH);
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
				perr(ps, tok->line, "%s", tok->text);
			else
				perr(ps, line,
				     "missing '}' to close the script block");
			break;
		}
		if (!parse_statement(ps, &st, &t)) {
			stmt_free(&st);
			break;
		}
		tok = peek(ps);
		if (tok->kind != PS_T_NEWLINE && tok->kind != PS_T_SEMI &&
		    tok->kind != PS_T_RBRACE) {
			bad_value_token(ps, tok);
			stmt_free(&st);
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
		skip_to_close(ps, PS_T_LBRACE, PS_T_RBRACE);
	return ok;
}

/* ForEach-Object [-Process] { statements } | [-MemberName] Prop, and the
 * common parameters. */
static bool
parse_foreach(struct parser *ps, struct ps_cmd *c, bool piped)
{
	if (!piped) {
		perr(ps, c->line,
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
				bad_value_token(ps, t);
				return false;
			}
			break;
		}
		if (c->body || c->member) {
			perr(ps, t->line,
			     "ForEach-Object takes one script block or "
			     "property name");
			return false;
		}
		if (t->kind == PS_T_LBRACE) {
			if (!parse_body(ps, c, true))
				return false;
			if (!c->body) /* { }: keep "has a body" */
				c->body = xcalloc(1, sizeof(*c->body));
			continue;
		}
		if (t->expands || t->bad_expansion) {
			perr(ps, t->line, "-MemberName takes a property name");
			return false;
		}
		if (!check_member(ps, t->line, ps->in_type, ps->in_view, NULL,
		                  t->text))
			return false;
		c->member = xstrdup(t->text);
		advance(ps);
	}
	if (!c->body && !c->member) {
		perr(ps, c->line,
		     "missing the script block: ForEach-Object { ... }");
		return false;
	}
	return true;
}

static bool
parse_command(struct parser *ps, struct ps_cmd *c, bool piped)
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
			perr(ps, t->line,
			     "not supported: hnv-agent has no global "
			     "settings object (`hnvctl status` shows its "
			     "state)");
		else if (near)
			perr(ps, t->line, "unknown cmdlet (did you mean %s?)",
			     near);
		else
			perr(ps, t->line, "unknown cmdlet");
		return false;
	}
	c->cmdlet = cl;
	ps->what = cl->name;
	advance(ps);
	if (piped && !(cl->flags & PS_CF_PIPE_IN)) {
		perr(ps, c->line, "takes no pipeline input");
		return false;
	}
	if (piped && type_is_object(ps_cmdlet_input(cl)) &&
	    type_is_object(ps->in_type) && ps->in_type != ps_cmdlet_input(cl)) {
		perr(ps, c->line, "takes %s objects, not %s objects",
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
			bad_value_token(ps, t);
			return false;
		}
		if (is_value_start(t->kind)) {
			const struct ps_param *p;
			struct ps_value v;
			struct ps_arg *a;
			int line = t->line;

			if (!parse_value(ps, &v))
				return false;
			p = next_positional(c, &v);
			if (!p && add_remaining(ps, c, &v))
				continue;
			if (!p && !ps->failed) {
				perr(ps, line,
				     "unexpected argument '%s' (no positional "
				     "parameter takes it)",
				     v.kind == PS_V_BLOCK
				         ? "{...}"
				         : (v.text ? v.text : "..."));
			}
			if (!p) {
				value_free(&v);
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

static enum ps_otype value_type(struct parser *, const struct ps_value *,
                                json_t **view);

/* Output type (and view, a new reference or NULL) of a command given its
 * input's. */
static enum ps_otype
cmd_out_type(struct parser *ps, const struct ps_cmd *c, bool piped,
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
		return a ? value_type(ps, &a->val, view) : PS_O_NONE;
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
static void
cmd_set_vars(struct parser *ps, const struct ps_cmd *c, enum ps_otype t,
             const json_t *view)
{
	static const char *const params[] = {"OutVariable", "ErrorVariable",
	                                     "WarningVariable"};

	for (size_t i = 0; i < ARRAY_SIZE(params); i++) {
		const struct ps_arg *a = ps_parse_arg(c, params[i]);
		const char *name = a ? json_string_value(a->bound) : NULL;
		const struct var_type *old;

		if (!name)
			continue;
		if (i) {
			var_set(ps, name + (*name == '+'), PS_O_SCALAR, NULL);
			continue;
		}
		old = var_find(ps, name + (*name == '+'));
		if (*name == '+' && old && old->type != t)
			var_set(ps, name + 1, PS_O_ANY, NULL);
		else
			var_set(ps, name + (*name == '+'), t, view);
	}
}

static void
elem_free(struct ps_elem *e)
{
	if (e->is_cmd)
		cmd_free(&e->cmd);
	else
		value_free(&e->val);
}

static void
stmt_free(struct ps_stmt *st)
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
parse_value_elem(struct parser *ps, struct ps_elem *e)
{
	struct ps_tok *t;

	if (!parse_value(ps, &e->val))
		return false;
	t = peek(ps);
	if (t->kind == PS_T_OTHER || t->kind == PS_T_ERROR ||
	    is_value_start(t->kind) || t->kind == PS_T_PARAM) {
		if (t->kind == PS_T_PARAM)
			perr(ps, t->line,
			     "operators (-%s) are not supported outside "
			     "Where-Object { ... }",
			     t->text);
		else if (is_value_start(t->kind) && t->kind != PS_T_OTHER &&
		         t->kind != PS_T_ERROR)
			perr(ps, t->line, "unexpected %s after a value",
			     tok_desc(t));
		else
			bad_value_token(ps, t);
		return false;
	}
	if (e->val.kind == PS_V_BLOCK) {
		perr(ps, e->line,
		     "script blocks are only supported in "
		     "Where-Object");
		return false;
	}
	return true;
}

/* The type of a value, and its view (a new reference, or NULL). */
static enum ps_otype
value_type(struct parser *ps, const struct ps_value *v, json_t **view)
{
	*view = NULL;
	if (v->kind == PS_V_VAR && !v->n_props && !is_builtin_var(v->text)) {
		struct var_type *vt = var_find(ps, v->text);

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
parse_foreach_stmt(struct parser *ps, struct ps_stmt *st, enum ps_otype *out)
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
		perr(ps, t->line, "expected ($name in collection)");
		return false;
	}
	name = t->text;
	advance(ps);
	t = peek(ps);
	if (t->kind != PS_T_WORD || strcasecmp(t->text, "in")) {
		perr(ps, t->line, "expected 'in' after $%s", name);
		return false;
	}
	advance(ps);
	e->val.kind = PS_V_PAREN;
	e->val.line = line;
	e->val.sub = xcalloc(1, sizeof(*e->val.sub));
	e->val.sub->line = line;
	if (!parse_pipeline(ps, e->val.sub, &type, &view))
		return false;
	ps->what = "foreach";
	e->val.text = paren_label(e->val.sub);
	e->val.type = type;
	t = peek(ps);
	if (t->kind != PS_T_RPAREN || t->n_props) {
		perr(ps, t->line, "expected ')' after the collection, found %s",
		     tok_desc(t));
		json_decref(view);
		return false;
	}
	advance(ps);
	skip_newlines(ps);
	if (peek(ps)->kind != PS_T_LBRACE) {
		perr(ps, peek(ps)->line, "missing the { ... } block");
		json_decref(view);
		return false;
	}
	var_set(ps, name, type, view);
	json_decref(view);
	f = add_elem(st);
	f->is_cmd = true;
	f->line = line;
	f->cmd.cmdlet = ps_cmdlet_find("ForEach-Object");
	f->cmd.typed = xstrdup("foreach");
	f->cmd.line = line;
	f->cmd.loop_var = xstrdup(name);
	ok = parse_body(ps, &f->cmd, false);
	*out = f->cmd.body_type;
	return ok;
}

/* '*out' and '*out_view' (a new reference, or NULL): the type and view
 * of what the pipeline outputs. */
static bool
parse_pipeline(struct parser *ps, struct ps_stmt *st, enum ps_otype *out,
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
			perr(ps, t->line, "%s: unsupported construct (%s)",
			     t->text, unsupported_hint());
			goto out;
		}
		if (t->kind == PS_T_WORD && !(first && is_number(t->text))) {
			e->is_cmd = true;
			if (!parse_command(ps, &e->cmd, !first))
				goto out;
			type = cmd_out_type(ps, &e->cmd, !first, type, view,
			                    &next);
			json_decref(view);
			view = next;
			cmd_set_vars(ps, &e->cmd, type, view);
		} else if (first &&
		           (t->kind == PS_T_WORD || t->kind == PS_T_STRING ||
		            t->kind == PS_T_VAR || t->kind == PS_T_LPAREN)) {
			if (!parse_value_elem(ps, e))
				goto out;
			type = value_type(ps, &e->val, &next);
			json_decref(view);
			view = next;
		} else if (t->kind == PS_T_PARAM) {
			perr(ps, t->line,
			     "-%s: a parameter with no cmdlet before it",
			     t->text);
			goto out;
		} else if (t->kind == PS_T_EOF && !first) {
			perr(ps, t->line, "missing a cmdlet after '|'");
			goto out;
		} else if (!first &&
		           (t->kind == PS_T_STRING || t->kind == PS_T_VAR)) {
			perr(ps, t->line,
			     "values are only allowed as the "
			     "first element of a pipeline");
			goto out;
		} else if (t->kind == PS_T_LBRACE) {
			perr(ps, t->line,
			     "script blocks are only supported "
			     "in Where-Object");
			goto out;
		} else {
			bad_value_token(ps, t);
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
static bool
parse_statement(struct parser *ps, struct ps_stmt *st, enum ps_otype *out)
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
			perr(ps, t->line,
			     "assigning to a property ($%s.%s) is "
			     "not supported",
			     t->text, t->props[0]);
			return false;
		}
		if (is_builtin_var(t->text) || is_item_var(t->text)) {
			perr(ps, t->line, "$%s cannot be assigned", t->text);
			return false;
		}
		st->assign = xstrdup(t->text);
		advance(ps);
		advance(ps);
		skip_newlines(ps);
		if (peek(ps)->kind == PS_T_EOF) {
			perr(ps, t->line, "missing a value after '='");
			return false;
		}
	}
	if (!parse_pipeline(ps, st, &type, &view))
		return false;
	if (st->assign)
		var_set(ps, st->assign, type, view);
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
	struct parser ps = {.s = s};

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
			perr(&ps, t->line, "%s", t->text);
			break;
		}
		if (parse_statement(&ps, &st, NULL)) {
			t = peek(&ps);
			if (t->kind == PS_T_NEWLINE || t->kind == PS_T_SEMI ||
			    t->kind == PS_T_EOF) {
				add_stmt(s, &st);
				continue;
			}
			bad_value_token(&ps, t);
		}
		/* Keep the variable known so later uses don't cascade. */
		if (st.assign && !var_find(&ps, st.assign))
			var_set(&ps, st.assign, PS_O_ANY, NULL);
		stmt_free(&st);
		if (peek(&ps)->kind == PS_T_ERROR) {
			/* the statement ran into a lexical error */
			if (!ps.failed)
				perr(&ps, peek(&ps)->line, "%s",
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
		stmt_free(&s->stmts[i]);
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
