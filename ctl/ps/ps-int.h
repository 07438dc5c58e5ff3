/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ps-int: the ps front end's internals, shared by its files:
 *   ps-lex.c     bytes -> tokens (argument-mode lexing, comments, quotes,
 *                backtick continuation, the typographic dashes and quotes
 *                that pasted PowerShell often carries)
 *   ps-cmdlet.c  the cmdlet and parameter tables, and value binding
 *   ps-obj.c     object types: property tables and PowerShell formatting
 *   ps-parse.c   tokens -> statements, binding, static checks (with
 *                ps-parse-value.c and ps-parse-cmd.c; their shared state
 *                is in ps-parse.h)
 *   ps-format.c  Format-List / Format-Table / default output
 *   ps-select.c  Select-Object, Sort-Object, Measure-Object (no agent)
 *   ps-exec.c    the executor
 *   ps-netvirt.c the NetVirtualization cmdlets
 *   ps-hyperv.c  the Hyper-V cmdlets
 * Everything here is owned by the struct ps_script it hangs off; the
 * executor never modifies the parsed script.
 */
#ifndef CTL_PS_INT_H
#define CTL_PS_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ctl/ps/ps.h"
#include "lib/util.h"

/* ---- tokens (ps-lex.c) ---- */

enum ps_tok_kind {
	PS_T_EOF,
	PS_T_NEWLINE,
	PS_T_SEMI,
	PS_T_PIPE,
	PS_T_COMMA,
	PS_T_ASSIGN, /* '=' */
	PS_T_LBRACE,
	PS_T_RBRACE,
	PS_T_LPAREN,
	PS_T_RPAREN, /* ')' or ').Prop...': 'props' is the member chain */
	PS_T_WORD,   /* bareword: Get-VM, 10.0.1.0/24, *, 6000 */
	PS_T_STRING, /* quoted string; 'text' is its value */
	PS_T_PARAM,  /* -Name or -Name: ('text' = "Name") */
	PS_T_VAR,    /* $name or $name.Prop...: 'text' = name */
	PS_T_OTHER,  /* unsupported construct; 'text' describes it */
	PS_T_ERROR,  /* lexical error; 'text' is the message; then EOF */
};

/* One piece of an expandable string ("Web$i", "$($vm.Name) is up"):
 * literal text, or a variable with its member chain ("$($x.Prop)"). */
struct ps_part {
	bool is_var;
	char *text; /* the literal text, or the variable's name */
	char **props;
	size_t n_props;
};

struct ps_tok {
	enum ps_tok_kind kind;
	int line;
	char *text;   /* STRING/WORD: the value; with 'expands', as written */
	char **props; /* PS_T_VAR, PS_T_RPAREN: member chain */
	size_t n_props;
	bool colon;            /* PS_T_PARAM written -Name:value */
	bool expands;          /* PS_T_STRING/WORD: has "$name": see 'parts' */
	struct ps_part *parts; /* 'expands': the pieces, in order */
	size_t n_parts;
	char *bad_expansion; /* a "$..." outside the subset: the message */
};

struct ps_toks {
	struct ps_tok *v;
	size_t n, cap;
};

/* Lexes 'len' bytes.  The array always ends with PS_T_EOF (after a
 * PS_T_ERROR if there was a lexical error). */
void ps_lex(const char *text, size_t len, struct ps_toks *);
void ps_lex_free(struct ps_toks *);
void ps_part_free(struct ps_part *);
const char *ps_lex_kind_name(enum ps_tok_kind);

/* ---- object types and properties (ps-obj.c) ---- */

enum ps_otype {
	PS_O_NONE, /* produces nothing */
	PS_O_ANY,  /* unknown statically */
	PS_O_SCALAR,
	PS_O_LR,
	PS_O_CR,
	PS_O_PA,
	PS_O_PR,
	PS_O_VMNA,
	PS_O_SWITCH,
	PS_O_NETADAPTER,
	PS_O_VM,
	PS_O_MEASURE, /* Measure-Object's GenericMeasureInfo */
};

enum ps_pkind {
	PS_K_STR,
	PS_K_INT,
	PS_K_MAC,      /* 600060000101 */
	PS_K_MAC_DASH, /* 60-00-60-00-01-01 (Get-NetAdapter) */
	PS_K_IP,
	PS_K_NEXTHOP, /* IP; default 0.0.0.0 or :: after the prefix */
	PS_K_PREFIX,
	PS_K_GUID,
	PS_K_BOOL,
	PS_K_RULE,
	PS_K_LRTYPE,
	PS_K_CONST,  /* always 'dflt' */
	PS_K_STATUS, /* VM adapter status */
	PS_K_DESCR,  /* "description", else "name" */
	PS_K_NUM,    /* a JSON number, integer or not */
};

struct ps_prop {
	const char *name; /* PowerShell name */
	const char *key;  /* JSON key, NULL for constants */
	enum ps_pkind kind;
	const char *dflt; /* shown when the key is missing */
};

struct ps_type {
	enum ps_otype id;
	const char *name;            /* "NetVirtualizationLookupRecord" */
	const char *object;          /* protocol object, "lookup-record" */
	const char *noun;            /* for messages, "lookup record" */
	const struct ps_prop *props; /* NULL-terminated */
	const char *const *table;    /* default table columns */
	const char *const *labels;   /* their headers, NULL: the names */
	bool list_default;           /* default view is a list */
	const char *const *keys;     /* JSON keys of the object (for .set) */
	const char *const *ident;    /* keys identifying one object */
};

/* One pipeline object: a JSON object of 'type', or a scalar.  'view'
 * (NULL, or an array of property names) is what Select-Object kept: the
 * object then has only those properties, in that order, and prints as
 * PowerShell prints its "Selected." objects. */
struct ps_obj {
	enum ps_otype type;
	json_t *v;
	json_t *view;
};

struct ps_objs {
	struct ps_obj *v;
	size_t n, cap;
};

const struct ps_type *ps_obj_type(enum ps_otype);
/* Case-insensitive lookup, with the aliases (ifIndex). */
const struct ps_prop *ps_obj_prop(const struct ps_type *, const char *name);
/* The first property of 't' carried by JSON key 'key', or NULL. */
const struct ps_prop *ps_obj_prop_by_key(const struct ps_type *t,
                                         const char *key);
/* Is property 'name' in 'view' (NULL: every property is)? */
bool ps_obj_in_view(const json_t *view, const char *name);
/* The properties 'o' has, in order (its view, else its type's); at most
 * 'max'. */
size_t ps_obj_props(const struct ps_obj *o, const struct ps_prop **out,
                    size_t max);
/* Property 'p' of JSON object 'v', formatted as PowerShell prints it
 * (malloc'd). */
char *ps_obj_format(const struct ps_prop *p, const json_t *v);
/* A JSON scalar as PowerShell prints it (malloc'd). */
char *ps_obj_scalar(const json_t *);
/* Property 'name' of 'o' (malloc'd), or NULL when it has none.
 * '*numeric' (may be NULL) tells whether it is a number. */
char *ps_obj_get(const struct ps_obj *o, const char *name, bool *numeric);
/* 'o' as a string, as in "$x" or Write-Host $x: a scalar's text;
 * "@{A=1; B=x}" for Select-Object's objects; "Type (Prop = 'v', ...)"
 * with the identifying properties for the others (malloc'd). */
char *ps_obj_string(const struct ps_obj *o);
/* "Type (Prop = 'v', ...)" for the keys of JSON object 'obj' that are
 * properties of 't', in their order in 'obj' (malloc'd). */
char *ps_obj_describe(enum ps_otype t, const json_t *obj);

void ps_objs_push(struct ps_objs *, enum ps_otype, json_t *); /* steals */
/* Appends another reference to 'o' (value and view). */
void ps_objs_push_obj(struct ps_objs *, const struct ps_obj *o);
/* Appends references to every object of 'src'. */
void ps_objs_copy(struct ps_objs *dst, const struct ps_objs *src);
void ps_objs_clear(struct ps_objs *);
void ps_objs_move(struct ps_objs *dst, struct ps_objs *src);

/* A growing string, for text built from many objects. */
struct ps_str {
	char *s;
	size_t n, cap;
};

void ps_str_add(struct ps_str *, const char *);
/* The string built (malloc'd, "" if nothing was added); resets 'b'. */
char *ps_str_take(struct ps_str *b);

/* PowerShell -like: '*', '?', '[abc]', case-insensitive. */
bool ps_obj_like(const char *pattern, const char *s, bool case_sens);
bool ps_obj_has_wildcard(const char *);

/* ---- cmdlets and parameters (ps-cmdlet.c) ---- */

enum ps_ptype {
	PS_P_STRING,
	PS_P_NAME,   /* VM or switch name */
	PS_P_IFNAME, /* Linux interface name */
	PS_P_WILD,   /* name pattern, wildcards allowed */
	PS_P_UINT32,
	PS_P_PLEN,
	PS_P_VLAN,
	PS_P_VSID,  /* 4096..16777214 */
	PS_P_VSID0, /* 0 (not virtualized) or a VSID */
	PS_P_BOOL,
	PS_P_SWITCH,
	PS_P_IP,
	PS_P_PREFIX,
	PS_P_MAC,
	PS_P_GUID,
	PS_P_RULE,
	PS_P_LRTYPE,
	PS_P_PROPS,  /* property names (Format-*) */
	PS_P_BLOCK,  /* { $_.Prop -op value } */
	PS_P_VALUE,  /* Where-Object -Value */
	PS_P_IGNORE, /* accepted, any value, ignored */
	PS_P_IGNORE_SWITCH,
	PS_P_OBJECTS, /* any values (Write-Host, Write-Output) */
	PS_P_ACTION,  /* -ErrorAction, -WarningAction */
	PS_P_VARNAME, /* -OutVariable: a name without '$' ('+' appends) */
	PS_P_SCRIPT,  /* ForEach-Object -Process { statements } */
};

/* Parameter flags. */
enum {
	PS_F_MANDATORY = 1 << 0,
	PS_F_PIPED_OPT = 1 << 1, /* mandatory only without pipeline input */
	PS_F_FILTER = 1 << 2,    /* the agent filters on it (get/remove) */
	PS_F_IDENT = 1 << 3,     /* Set-*: selects the objects to change */
	PS_F_OP = 1 << 4,        /* Where-Object comparison switch */
	PS_F_REMAINING = 1 << 5, /* takes every further positional value */
};

struct ps_param {
	const char *name;
	enum ps_ptype type;
	const char *key; /* JSON key, or NULL */
	int position;    /* -1: named only */
	unsigned flags;
	const char *alias;
};

enum ps_cmdlet_id {
	PS_C_NV_NEW,
	PS_C_NV_GET,
	PS_C_NV_SET,
	PS_C_NV_REMOVE,
	PS_C_SWITCH_NEW,
	PS_C_SWITCH_GET,
	PS_C_SWITCH_REMOVE,
	PS_C_VM_NEW,
	PS_C_VMNA_ADD,
	PS_C_VMNA_GET,
	PS_C_VMNA_SET,
	PS_C_VMNA_REMOVE,
	PS_C_NETADAPTER_GET,
	PS_C_VM_GET,
	PS_C_VM_REMOVE,
	PS_C_VM_STATE, /* Start-VM, Stop-VM, Restart-VM; the last of the
	                  cmdlets that send requests (ps_cmdlet_remote) */
	PS_C_WHERE,
	PS_C_FOREACH,
	PS_C_SELECT,
	PS_C_SORT,
	PS_C_MEASURE,
	PS_C_WRITE_HOST,
	PS_C_WRITE_OUTPUT,
	PS_C_FORMAT_LIST,
	PS_C_FORMAT_TABLE,
	PS_C_OUT_NULL,
	PS_C_NOOP,
	PS_C_UNSUPPORTED,
};

/* Cmdlet flags. */
enum {
	PS_CF_ANY_ARGS = 1 << 0, /* accepts and ignores any arguments */
	PS_CF_PIPE_IN = 1 << 1,  /* takes pipeline input */
	PS_CF_QUIET = 1 << 2,    /* output is not printed unless -PassThru */
	PS_CF_CHANGES = 1 << 3,  /* changes state: -WhatIf applies */
};

struct ps_cmdlet {
	const char *name;
	enum ps_cmdlet_id id;
	enum ps_otype otype; /* objects it works on / outputs */
	unsigned flags;
	const struct ps_param *params; /* NULL-terminated */
};

const struct ps_cmdlet *ps_cmdlet_find(const char *name);
/* The type of the pipeline input 'cl' takes (PS_O_ANY: any). */
enum ps_otype ps_cmdlet_input(const struct ps_cmdlet *cl);
/* Is 'typed' a likely misspelling of 'name' (at most 2 edits)? */
bool ps_cmdlet_is_typo(const char *typed, const char *name);
/* The known cmdlet closest to a misspelt 'name', or NULL. */
const char *ps_cmdlet_suggest(const char *name);
/* Does 'cl' send requests (and so take -ComputerName, -CimSession)? */
bool ps_cmdlet_remote(const struct ps_cmdlet *cl);
/* Resolves a parameter name the PowerShell way: exact (or alias) match,
 * else a unique prefix; includes the common parameters.  0, or -ENOENT /
 * -EINVAL (ambiguous) with '*msg' (malloc'd). */
int ps_cmdlet_param(const struct ps_cmdlet *, const char *name,
                    const struct ps_param **, char **msg);
/* Converts the text of a value for 'p' to its JSON form (see
 * doc/hnvctl.md): 0, or -EINVAL with '*msg' (malloc'd, without the
 * parameter name). */
int ps_cmdlet_bind(const struct ps_param *p, const char *text, bool quoted,
                   json_t **out, char **msg);
/* Numbers PowerShell-style: decimal or 0x hex. */
bool ps_cmdlet_parse_uint(const char *s, unsigned long long max,
                          unsigned long long *out);

/* ---- parsed script (ps-parse.c) ---- */

enum ps_val_kind {
	PS_V_WORD,
	PS_V_STRING,
	PS_V_VAR,
	PS_V_LIST,
	PS_V_BLOCK,
	PS_V_EXPAND, /* "text $x $($y.Prop)": 'text' as written, 'parts' */
	PS_V_PAREN,  /* (pipeline) or (pipeline).Prop: 'sub', 'props' */
};

enum ps_op {
	PS_OP_EQ,
	PS_OP_NE,
	PS_OP_LIKE,
	PS_OP_NOTLIKE,
	PS_OP_GT,
	PS_OP_GE,
	PS_OP_LT,
	PS_OP_LE,
};

struct ps_cond;
struct ps_stmt;

struct ps_value {
	enum ps_val_kind kind;
	int line;
	char *text; /* WORD, STRING; VAR: the variable's name */
	char **props;
	size_t n_props;
	struct ps_value *items; /* LIST */
	size_t n_items;
	struct ps_cond *cond;  /* BLOCK */
	struct ps_part *parts; /* EXPAND */
	size_t n_parts;
	struct ps_stmt *sub; /* PAREN: the pipeline, run when the value is
	                        needed (once per command run) */
	enum ps_otype type;  /* PAREN: what it yields (parse time) */
};

/* One comparison: $_.Prop -op value (or the reverse).  */
struct ps_cmp {
	char *prop; /* property of $_ */
	enum ps_op op;
	bool case_sens;
	struct ps_value rhs;
};

/* cmp[0] op[0] cmp[1] op[1] ... , evaluated left to right as PowerShell
 * does (-and and -or have equal precedence). */
struct ps_cond {
	struct ps_cmp *cmps;
	bool *is_or; /* n_cmps - 1 */
	size_t n_cmps;
};

struct ps_arg {
	const struct ps_param *param;
	struct ps_value val;
	bool has_val;
	json_t *bound; /* the value for 'param', NULL if only known at run
	                  time ($x.Prop) */
	int line;
};

struct ps_cmd {
	const struct ps_cmdlet *cmdlet;
	char *typed; /* the name as written */
	int line;
	struct ps_arg *args;
	size_t n_args;
	struct ps_cond *filter; /* Where-Object */
	bool passthru;
	/* ForEach-Object: the script block's statements, run once per input
	 * object with $_ set to it (or, the foreach statement, with
	 * $loop_var set to it); or -MemberName, a property of each. */
	struct ps_stmt *body;
	size_t n_body;
	char *loop_var;
	char *member;
	enum ps_otype body_type; /* what the body outputs */
};

struct ps_elem {
	bool is_cmd;
	struct ps_cmd cmd;   /* is_cmd */
	struct ps_value val; /* !is_cmd: a value ($x, $x.Prop, "text", 5) */
	int line;
};

struct ps_stmt {
	char *assign; /* variable name, or NULL */
	struct ps_elem *elems;
	size_t n_elems;
	int line;
};

struct ps_script {
	char *file;
	struct ps_stmt *stmts;
	size_t n_stmts, cap_stmts;
	char **errors;
	size_t n_errors, cap_errors;
};

/* The argument bound to parameter 'name' (canonical name), or NULL. */
const struct ps_arg *ps_parse_arg(const struct ps_cmd *, const char *name);
/* "Format-List" etc.: the cmdlet's display name. */
const char *ps_parse_cmd_name(const struct ps_cmd *);

/* ---- the executor (ps-exec.c), for the cmdlets in other files ---- */

struct ps_exec;

/* Which keyed arguments of a command a helper takes. */
enum ps_sel {
	PS_SEL_ALL,    /* every keyed parameter */
	PS_SEL_FILTER, /* those the agent filters on */
	PS_SEL_CLIENT, /* the others */
	PS_SEL_IDENT,  /* Set-*: those selecting the objects */
	PS_SEL_CHANGE, /* Set-*: those changing them */
	PS_SEL_NAMES,  /* Hyper-V: the names selecting objects (wildcards) */
};

/* Records the runtime error (the first one sticks); returns -1. */
int PRINTF_FMT(2, 3) ps_exec_fail(struct ps_exec *, const char *fmt, ...);
/* Sends request 'cmd'; takes 'args'.  '*result' (may be NULL) gets the
 * result (never NULL on success).  0, or -1 after ps_exec_fail(). */
int ps_exec_call(struct ps_exec *, const char *cmd, json_t *args,
                 json_t **result);
/* The JSON value of argument 'a' (new reference), or NULL after
 * ps_exec_fail(). */
json_t *ps_exec_arg(struct ps_exec *, const struct ps_arg *a);
/* Does 'a' carry a JSON key to the agent? */
bool ps_exec_has_key(const struct ps_arg *a);
/* Sets obj[key] for each selected argument.  0 or -1. */
int ps_exec_args(struct ps_exec *, const struct ps_cmd *, enum ps_sel,
                 json_t *obj);
/* Does property 'key' of 'obj' equal (or, 'wild', match) 'want', both in
 * their PowerShell form? */
bool ps_exec_key_matches(enum ps_otype t, const json_t *obj, const char *key,
                         const json_t *want, bool wild);
/* OBJ.get with 'filter' (taken); appends the objects that also pass the
 * client-side selection 'client_sel'.  0 or -1. */
int ps_exec_fetch(struct ps_exec *, const struct ps_cmd *, enum ps_otype t,
                  json_t *filter, enum ps_sel client_sel, struct ps_objs *out);
/* A copy of the object's own keys (for .set). */
json_t *ps_exec_object_keys(enum ps_otype t, const json_t *obj);
/* Every input object must be of type 't'.  0 or -1. */
int ps_exec_check_input(struct ps_exec *, const struct ps_objs *in,
                        enum ps_otype t);
/* One OBJ.remove per object, by its identifying keys.  0 or -1. */
int ps_exec_remove_each(struct ps_exec *, enum ps_otype t,
                        const struct ps_objs *objs);
/* "OBJECT.verb": the request for objects of type 't' (malloc'd). */
char *ps_exec_request_name(enum ps_otype t, const char *verb);
/* Is argument 'a' of 'c' among those 'sel' selects? */
bool ps_exec_selected(const struct ps_cmd *c, const struct ps_arg *a,
                      enum ps_sel sel);
/* "CustomerAddress 10.0.1.9, VirtualSubnetID 6000": the selected
 * arguments, for messages (malloc'd; "" if none). */
char *ps_exec_describe(struct ps_exec *, const struct ps_cmd *,
                       enum ps_sel sel);

/* ---- NetVirtualization cmdlets (ps-netvirt.c) ---- */

/* Runs a New-, Get-, Set- or Remove-NetVirtualization* cmdlet.  0 or -1
 * after ps_exec_fail(). */
int ps_netvirt_run(struct ps_exec *, const struct ps_cmd *,
                   const struct ps_objs *in, bool piped, struct ps_objs *out);

/* ---- Hyper-V cmdlets (ps-hyperv.c) ---- */

/* Runs a VMSwitch, VM, VMNetworkAdapter or NetAdapter cmdlet.  0 or -1
 * after ps_exec_fail(). */
int ps_hyperv_run(struct ps_exec *, const struct ps_cmd *,
                  const struct ps_objs *in, bool piped, struct ps_objs *out);

/* ---- object cmdlets (ps-select.c) ---- */

/* Select-Object, Sort-Object and Measure-Object over 'in', appending to
 * 'out'.  'args' holds their arguments by parameter name, as bound
 * ({"Property": ["Name"], "First": 2, "Descending": true}).  0, or
 * -EINVAL with '*error' (malloc'd). */
int ps_select_run(const json_t *args, const struct ps_objs *in,
                  struct ps_objs *out, char **error);
int ps_sort_run(const json_t *args, const struct ps_objs *in,
                struct ps_objs *out, char **error);
int ps_measure_run(const json_t *args, const struct ps_objs *in,
                   struct ps_objs *out, char **error);
/* The properties of type 't' (limited to 'view', NULL: all) that 'pats'
 * (an array of names, wildcards allowed) select, in pattern order, as a
 * new array of names. */
json_t *ps_select_view(enum ps_otype t, const json_t *view, const json_t *pats);

/* ---- output (ps-format.c) ---- */

/* 'props' NULL: the type's default view. */
void ps_format_list(FILE *, const struct ps_objs *, const json_t *props);
void ps_format_table(FILE *, const struct ps_objs *, const json_t *props);
/* What PowerShell prints for objects left at the end of a pipeline. */
void ps_format_default(FILE *, const struct ps_objs *);

#endif
