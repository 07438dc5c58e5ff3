/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ps-parse-value: the parser's values (ps-parse.h): words and strings
 * (with their $var expansions checked), $var and $var.Prop, lists, ( )
 * sub-pipelines with member enumeration, and Where-Object's script blocks,
 * which are conditions only:
 *   condition := compare { (-and | -or) compare }
 *   compare   := $_.Prop -op operand  |  operand -op $_.Prop
 * (the second form is turned around, -gt becoming -lt and so on).
 */
#include "ctl/ps/ps-parse.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/util.h"

static bool parse_block(struct ps_parser *, struct ps_value *);

/* ---- values ---- */

void
ps_parse_cond_free(struct ps_cond *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_cmps; i++) {
		free(c->cmps[i].prop);
		ps_parse_value_free(&c->cmps[i].rhs);
	}
	free(c->cmps);
	free(c->is_or);
	free(c);
}

void
ps_parse_value_free(struct ps_value *v)
{
	free(v->text);
	for (size_t i = 0; i < v->n_props; i++)
		free(v->props[i]);
	free(v->props);
	for (size_t i = 0; i < v->n_items; i++)
		ps_parse_value_free(&v->items[i]);
	free(v->items);
	ps_parse_cond_free(v->cond);
	for (size_t i = 0; i < v->n_parts; i++)
		ps_part_free(&v->parts[i]);
	free(v->parts);
	if (v->sub) {
		ps_parse_stmt_free(v->sub);
		free(v->sub);
	}
	memset(v, 0, sizeof(*v));
}

/* $name with member chain 'props': set, and the property exists. */
static bool
check_var_ref(struct ps_parser *ps, int line, const char *name,
              char *const *props, size_t n_props, bool in_block)
{
	struct ps_var_type *vt;

	if (is_builtin_var(name)) {
		if (n_props) {
			ps_parse_err(ps, line, "$%s has no properties", name);
			return false;
		}
		return true;
	}
	if (is_item_var(name) && in_block)
		return true; /* Where-Object's: parse_compare() checks it */
	if (is_item_var(name) && !ps->item_depth) {
		ps_parse_err(
		    ps, line,
		    "$%s is only defined inside Where-Object { ... } and "
		    "ForEach-Object { ... }",
		    name);
		return false;
	}
	vt = is_item_var(name) ? NULL : ps_parse_var_find(ps, name);
	if (!vt && !is_item_var(name)) {
		ps_parse_err(ps, line, "variable $%s is not set", name);
		return false;
	}
	if (n_props > 1) {
		ps_parse_err(ps, line,
		             "only one level of properties "
		             "($%s.%s) is supported",
		             name, props[0]);
		return false;
	}
	if (!n_props)
		return true;
	if (!vt)
		return ps_parse_check_member(ps, line, ps->item_type,
		                             ps->item_view, name, props[0]);
	return ps_parse_check_member(ps, line, vt->type, vt->view, name,
	                             props[0]);
}

/* "(Get-NetAdapter ...)": a ( ) expression in messages. */
char *
ps_parse_paren_label(const struct ps_stmt *st)
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
parse_paren(struct ps_parser *ps, struct ps_value *v)
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
		ps_parse_err(ps, v->line, "( ) nested more than %d deep",
		             MAX_DEPTH);
		goto out;
	}
	skip_newlines(ps);
	if (peek(ps)->kind == PS_T_RPAREN) {
		ps_parse_err(ps, v->line, "empty ( )");
		goto out;
	}
	if (!ps_parse_pipeline(ps, v->sub, &type, &view))
		goto out;
	if (continues_with(ps, PS_T_RPAREN))
		skip_newlines(ps);
	t = peek(ps);
	ps->what = what;
	if (t->kind != PS_T_RPAREN) {
		if (t->kind == PS_T_EOF || t->kind == PS_T_NEWLINE)
			ps_parse_err(ps, v->line, "missing ')'");
		else if (t->kind == PS_T_OTHER || t->kind == PS_T_ERROR)
			ps_parse_bad_token(ps, t);
		else
			ps_parse_err(ps, t->line,
			             "unexpected %s in ( ): expected ')'",
			             tok_desc(t));
		goto out;
	}
	v->text = ps_parse_paren_label(v->sub);
	v->n_props = t->n_props;
	v->props = xcalloc(t->n_props ? t->n_props : 1, sizeof(*v->props));
	for (size_t i = 0; i < t->n_props; i++)
		v->props[i] = xstrdup(t->props[i]);
	advance(ps);
	closed = true;
	if (v->n_props > 1) {
		ps_parse_err(
		    ps, t->line,
		    "only one level of properties (%s.%s) is supported",
		    v->text, v->props[0]);
		goto out;
	}
	if (v->n_props &&
	    !ps_parse_check_member(ps, v->line, type, view, NULL, v->props[0]))
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
			ps_parse_skip_to_close(ps, PS_T_LPAREN, PS_T_RPAREN);
		ps_parse_value_free(v);
	}
	return ok;
}

static bool
parse_primary(struct ps_parser *ps, struct ps_value *v, bool in_block)
{
	struct ps_tok *t = peek(ps);

	memset(v, 0, sizeof(*v));
	v->line = t->line;
	switch (t->kind) {
	case PS_T_WORD:
	case PS_T_STRING:
		if (t->bad_expansion) {
			ps_parse_err(ps, t->line, "in \"%s\": %s", t->text,
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
					ps_parse_err(
					    ps, t->line,
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
			ps_parse_err(ps, t->line,
			             "nested script blocks are not "
			             "supported");
			return false;
		}
		return parse_block(ps, v);
	case PS_T_LPAREN:
		return parse_paren(ps, v);
	default:
		ps_parse_bad_token(ps, t);
		return false;
	}
}

/* primary { ',' primary } */
bool
ps_parse_value(struct ps_parser *ps, struct ps_value *v)
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
			ps_parse_value_free(v);
			return false;
		}
		v->items =
		    xrealloc(v->items, (v->n_items + 1) * sizeof(*v->items));
		v->items[v->n_items++] = item;
	}
	return true;
}

/* ---- script blocks (Where-Object) ---- */

bool
ps_parse_op(const char *name, enum ps_op *op, bool *cs)
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
check_operand(struct ps_parser *ps, const struct ps_value *v)
{
	if (v->kind == PS_V_WORD && !is_number(v->text)) {
		ps_parse_err(
		    ps, v->line,
		    "bare word '%s' in a script block: quote it (\"%s\")",
		    v->text, v->text);
		return false;
	}
	if (v->kind == PS_V_BLOCK || v->kind == PS_V_LIST) {
		ps_parse_err(ps, v->line, "unsupported comparison operand");
		return false;
	}
	return true;
}

static bool
parse_compare(struct ps_parser *ps, struct ps_cmp *cmp)
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
		ps_parse_err(
		    ps, t->line,
		    "expected a comparison (-eq, -ne, -like, -notlike, "
		    "-gt, -ge, -lt, -le), found %s",
		    tok_desc(t));
		ps_parse_value_free(&lhs);
		return false;
	}
	if (!ps_parse_op(t->text, &op, &cs)) {
		ps_parse_err(
		    ps, t->line,
		    "unsupported operator -%s (supported: -eq, -ne, -like, "
		    "-notlike, -gt, -ge, -lt, -le)",
		    t->text);
		ps_parse_value_free(&lhs);
		return false;
	}
	advance(ps);
	if (!parse_primary(ps, &rhs, true)) {
		ps_parse_value_free(&lhs);
		return false;
	}
	if (!is_item_ref(&lhs) && is_item_ref(&rhs)) {
		struct ps_value tmp = lhs;

		lhs = rhs;
		rhs = tmp;
		op = op_mirror(op);
	}
	if (!is_item_ref(&lhs) || lhs.n_props != 1) {
		ps_parse_err(
		    ps, lhs.line,
		    "a comparison must test a property of the pipeline "
		    "object: { $_.Property -eq value }");
		goto fail;
	}
	if (is_item_ref(&rhs)) {
		ps_parse_err(ps, rhs.line,
		             "comparing two properties is not "
		             "supported");
		goto fail;
	}
	if (!check_operand(ps, &rhs) ||
	    !ps_parse_check_prop(ps, lhs.line, ps->in_type, ps->in_view,
	                         lhs.props[0]))
		goto fail;
	cmp->prop = xstrdup(lhs.props[0]);
	cmp->op = op;
	cmp->case_sens = cs;
	cmp->rhs = rhs;
	ps_parse_value_free(&lhs);
	return true;
fail:
	ps_parse_value_free(&lhs);
	ps_parse_value_free(&rhs);
	return false;
}

static bool
parse_block(struct ps_parser *ps, struct ps_value *v)
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
			ps_parse_err(
			    ps, t->line,
			    "unsupported operator -%s in a script block "
			    "(supported: -and, -or)",
			    t->text);
		else if (t->kind == PS_T_EOF)
			ps_parse_err(ps, v->line,
			             "missing '}' to close the script "
			             "block");
		else
			ps_parse_bad_token(ps, t);
		goto fail;
	}
	advance(ps);
	return true;
fail:
	ps_parse_value_free(v);
	return false;
}
