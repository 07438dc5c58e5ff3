/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ps-parse: the parser's own state and helpers, shared by its three files
 * and by no one else (the rest of the front end sees the parsed script
 * through ps-int.h):
 *   ps-parse.c        errors, variables and the types they hold, property
 *                     checks, statements and pipelines, the script
 *   ps-parse-value.c  values: words, strings, $variables, ( ) and lists,
 *                     Where-Object's { $_.Prop -op value } blocks
 *   ps-parse-cmd.c    commands: parameter binding, each cmdlet's static
 *                     checks, ForEach-Object and { } bodies, output types
 * Every function that reports an error does it through ps_parse_err(),
 * which keeps the first error of a statement only; they return false (or
 * NULL) after it.  A struct ps_parser lives for one ps_parse() call.
 */
#ifndef CTL_PS_PS_PARSE_H
#define CTL_PS_PS_PARSE_H

#include "ctl/ps/ps-int.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* ( ) and { } nesting: deeper scripts are refused, not a stack overflow. */
#define MAX_DEPTH 32

struct ps_var_type {
	char *name;
	enum ps_otype type;
	json_t *view; /* Select-Object's properties, or NULL */
};

struct ps_parser {
	struct ps_script *s;
	struct ps_toks toks;
	size_t i;
	struct ps_var_type *vars;
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

/* ---- tokens and types, used everywhere in the parser ---- */

static inline struct ps_tok *
peek(struct ps_parser *ps)
{
	return &ps->toks.v[ps->i];
}

static inline struct ps_tok *
peek_at(struct ps_parser *ps, size_t k)
{
	size_t j = ps->i + k;

	return &ps->toks.v[j < ps->toks.n ? j : ps->toks.n - 1];
}

static inline void
advance(struct ps_parser *ps)
{
	if (ps->toks.v[ps->i].kind != PS_T_EOF)
		ps->i++;
}

static inline void
skip_newlines(struct ps_parser *ps)
{
	while (peek(ps)->kind == PS_T_NEWLINE)
		advance(ps);
}

/* At a NEWLINE: is the next non-blank line a continuation starting with
 * a token of 'kind'? */
static inline bool
continues_with(struct ps_parser *ps, enum ps_tok_kind kind)
{
	size_t j = ps->i;

	while (ps->toks.v[j].kind == PS_T_NEWLINE)
		j++;
	return j != ps->i && ps->toks.v[j].kind == kind;
}

static inline const char *
tok_desc(const struct ps_tok *t)
{
	return t->kind == PS_T_WORD || t->kind == PS_T_STRING
	           ? t->text
	           : ps_lex_kind_name(t->kind);
}

static inline bool
is_builtin_var(const char *name)
{
	return !strcasecmp(name, "true") || !strcasecmp(name, "false") ||
	       !strcasecmp(name, "null");
}

static inline bool
is_item_var(const char *name)
{
	return !strcmp(name, "_") || !strcasecmp(name, "PSItem");
}

static inline bool
type_is_object(enum ps_otype t)
{
	return t != PS_O_NONE && t != PS_O_ANY && t != PS_O_SCALAR;
}

static inline bool
is_number(const char *s)
{
	unsigned long long v;

	return ps_cmdlet_parse_uint(s, ~0ULL, &v);
}

static inline bool
is_value_start(enum ps_tok_kind k)
{
	return k == PS_T_WORD || k == PS_T_STRING || k == PS_T_VAR ||
	       k == PS_T_LBRACE || k == PS_T_LPAREN || k == PS_T_OTHER ||
	       k == PS_T_ERROR;
}

/* ---- ps-parse.c ---- */

/* Records "FILE:LINE: CMDLET: message" unless the statement already has
 * an error; stops the script after too many. */
void PRINTF_FMT(3, 4)
    ps_parse_err(struct ps_parser *, int line, const char *fmt, ...);
/* After an error inside ( ) or { }: skips to the matching 'close'. */
void ps_parse_skip_to_close(struct ps_parser *, enum ps_tok_kind open,
                            enum ps_tok_kind close);
/* Reports the token at which a value was expected. */
void ps_parse_bad_token(struct ps_parser *, const struct ps_tok *);
struct ps_var_type *ps_parse_var_find(struct ps_parser *, const char *name);
/* 'view' is borrowed. */
void ps_parse_var_set(struct ps_parser *, const char *name, enum ps_otype,
                      const json_t *view);
/* Property 'prop' exists on objects of type 't' that kept the properties
 * 'view' (NULL: all); else an error. */
bool ps_parse_check_prop(struct ps_parser *, int line, enum ps_otype t,
                         const json_t *view, const char *prop);
/* Property 'prop' of what a value of type 't' holds: $name's (or, 'name'
 * NULL, a ( ) expression's); .Count always exists. */
bool ps_parse_check_member(struct ps_parser *, int line, enum ps_otype t,
                           const json_t *view, const char *name,
                           const char *prop);
/* The type of a value, and its view (a new reference, or NULL). */
enum ps_otype ps_parse_value_type(struct ps_parser *, const struct ps_value *,
                                  json_t **view);
/* '*out' and '*out_view' (a new reference, or NULL): the type and view of
 * what the pipeline outputs. */
bool ps_parse_pipeline(struct ps_parser *, struct ps_stmt *, enum ps_otype *out,
                       json_t **out_view);
/* '*out' (may be NULL): the type of what the statement outputs. */
bool ps_parse_statement(struct ps_parser *, struct ps_stmt *,
                        enum ps_otype *out);
void ps_parse_stmt_free(struct ps_stmt *);

/* ---- ps-parse-value.c ---- */

/* primary { ',' primary } */
bool ps_parse_value(struct ps_parser *, struct ps_value *);
/* "(Get-NetAdapter ...)": a ( ) expression in messages (malloc'd). */
char *ps_parse_paren_label(const struct ps_stmt *);
/* "eq", "ceq", "ilike"...: the operator, and whether it is case
 * sensitive. */
bool ps_parse_op(const char *name, enum ps_op *op, bool *cs);
void ps_parse_value_free(struct ps_value *);
void ps_parse_cond_free(struct ps_cond *);

/* ---- ps-parse-cmd.c ---- */

/* A cmdlet and its arguments; 'piped' if it has pipeline input (of type
 * ps->in_type). */
bool ps_parse_command(struct ps_parser *, struct ps_cmd *, bool piped);
/* '{' statements '}': ForEach-Object's block (with 'item', $_ is each
 * input object) or the foreach statement's. */
bool ps_parse_body(struct ps_parser *, struct ps_cmd *, bool item);
/* Output type (and view, a new reference or NULL) of a command given its
 * input's. */
enum ps_otype ps_parse_cmd_out_type(struct ps_parser *, const struct ps_cmd *,
                                    bool piped, enum ps_otype in,
                                    const json_t *in_view, json_t **view);
/* -OutVariable, -ErrorVariable, -WarningVariable: the variables a command
 * sets, known to the statements after it. */
void ps_parse_cmd_set_vars(struct ps_parser *, const struct ps_cmd *,
                           enum ps_otype t, const json_t *view);
void ps_parse_cmd_free(struct ps_cmd *);

#endif
