/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ps-lex: the PowerShell lexer of hnvctl ps.  PowerShell lexes arguments
 * in "argument mode", where 10.0.1.0/24, MT-GW and * are plain words, so
 * one context-free lexer serves the whole subset:
 *  1. '#' starts a comment to the end of the line, "<# ... #>" a block
 *     comment; a backtick before a newline joins the lines;
 *  2. "..." strings take `-escapes (`n `t `" `` `$ ...) and "" for a
 *     quote; '...' strings are literal with '' for a quote; the
 *     typographic quotes (U+2018-201E) count as quotes, as in PowerShell;
 *     "$name", "${name}" and "$($name.Prop)" in a "..." string or a
 *     bareword are expansions: the token keeps them as parts (literal
 *     text and variable references), evaluated when the script runs;
 *     other "$..." forms ("$(Get-Date)", "$env:X") are recorded as the
 *     token's error, for the parser to report;
 *  3. -Name (also with an en or em dash, U+2013/2014/2015, which pasted
 *     scripts often carry) is a parameter, -Name:value binds directly;
 *  4. $name, ${name} and $name.Prop.Prop are variables; $(...), other
 *     ${...}, $x[...] and $x.Method(...) are flagged as unsupported;
 *  5. | ; , = { } ( ) are operators, and ')' takes the member chain
 *     that follows it (").Prop.Prop"); @ [ & < > start constructs outside
 *     the subset and become PS_T_OTHER tokens the parser reports;
 *  6. everything else up to whitespace or an operator is a word; quoted
 *     parts glue onto a word as in PowerShell (abc"d e" is "abcd e").
 * A lexical error (unterminated string or comment, NUL byte) ends the
 * token stream with a PS_T_ERROR token.
 */
#include "ctl/ps/ps-int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

struct sbuf {
	char *s;
	size_t n, cap;
};

static void
sbuf_addc(struct sbuf *b, char c)
{
	if (b->n + 2 > b->cap) {
		b->cap = b->cap ? b->cap * 2 : 32;
		b->s = xrealloc(b->s, b->cap);
	}
	b->s[b->n++] = c;
	b->s[b->n] = '\0';
}

static char *
sbuf_steal(struct sbuf *b)
{
	char *s = b->s ? b->s : xstrdup("");

	b->s = NULL;
	b->n = b->cap = 0;
	return s;
}

struct lexer {
	const char *p, *e;
	int line;
	struct ps_toks *toks;
	bool failed;
	/* the expansion parts of the word being lexed */
	struct sbuf lit; /* literal text since the last part */
	struct ps_part *parts;
	size_t n_parts;
	bool has_var;
	char *bad; /* the first unsupported expansion */
};

/* Length of the UTF-8 sequence at 'p' if it is one of 'seqs' (3-byte
 * sequences E2 80 xx), else 0. */
static size_t
u2000_len(const struct lexer *lx, const char *p, const char *lows)
{
	if (lx->e - p >= 3 && (unsigned char)p[0] == 0xe2 &&
	    (unsigned char)p[1] == 0x80 && p[2] && strchr(lows, p[2]))
		return 3;
	return 0;
}

static size_t
dash_len(const struct lexer *lx, const char *p)
{
	if (p < lx->e && *p == '-')
		return 1;
	return u2000_len(lx, p, "\x93\x94\x95");
}

static size_t
dquote_len(const struct lexer *lx, const char *p)
{
	if (p < lx->e && *p == '"')
		return 1;
	return u2000_len(lx, p, "\x9c\x9d\x9e");
}

static size_t
squote_len(const struct lexer *lx, const char *p)
{
	if (p < lx->e && *p == '\'')
		return 1;
	return u2000_len(lx, p, "\x98\x99\x9a\x9b");
}

/* Horizontal white space, including NBSP and a byte-order mark. */
static size_t
space_len(const struct lexer *lx, const char *p)
{
	if (p >= lx->e)
		return 0;
	if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\f' || *p == '\v')
		return 1;
	if (lx->e - p >= 2 && (unsigned char)p[0] == 0xc2 &&
	    (unsigned char)p[1] == 0xa0)
		return 2;
	if (lx->e - p >= 3 && (unsigned char)p[0] == 0xef &&
	    (unsigned char)p[1] == 0xbb && (unsigned char)p[2] == 0xbf)
		return 3;
	return 0;
}

static bool
is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Characters that end a bareword (besides white space). */
static bool
is_word_end(char c)
{
	return c == '\n' || strchr(";|,(){}&<>", c) != NULL || c == '\0';
}

static struct ps_tok *
push(struct lexer *lx, enum ps_tok_kind kind, int line, char *text)
{
	struct ps_toks *t = lx->toks;
	struct ps_tok *tok;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	tok = &t->v[t->n++];
	memset(tok, 0, sizeof(*tok));
	tok->kind = kind;
	tok->line = line;
	tok->text = text ? text : xstrdup("");
	return tok;
}

static void
fail(struct lexer *lx, int line, const char *msg)
{
	push(lx, PS_T_ERROR, line, xstrdup(msg));
	lx->failed = true;
}

/* A literal character of a word: into its value and its current part. */
static void
addc(struct lexer *lx, struct sbuf *b, char c)
{
	sbuf_addc(b, c);
	sbuf_addc(&lx->lit, c);
}

static struct ps_part *
add_part(struct lexer *lx)
{
	struct ps_part *pt;

	lx->parts = xrealloc(lx->parts, (lx->n_parts + 1) * sizeof(*lx->parts));
	pt = &lx->parts[lx->n_parts++];
	memset(pt, 0, sizeof(*pt));
	return pt;
}

static void
flush_lit(struct lexer *lx)
{
	if (lx->lit.n)
		add_part(lx)->text = sbuf_steal(&lx->lit);
}

static char *
xstrndup(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static void
add_var_part(struct lexer *lx, const char *name, size_t len)
{
	struct ps_part *pt;

	flush_lit(lx);
	pt = add_part(lx);
	pt->is_var = true;
	pt->text = xstrndup(name, len);
	lx->has_var = true;
}

static void
add_prop(struct ps_part *pt, const char *s, size_t len)
{
	pt->props = xrealloc(pt->props, (pt->n_props + 1) * sizeof(*pt->props));
	pt->props[pt->n_props++] = xstrndup(s, len);
}

static void
set_bad(struct lexer *lx, char *msg)
{
	if (lx->bad)
		free(msg);
	else
		lx->bad = msg;
}

/* Gives the parts gathered since the last call to 't' (when there was an
 * expansion), or drops them. */
static void
take_parts(struct lexer *lx, struct ps_tok *t)
{
	if (t && (lx->has_var || lx->bad)) {
		flush_lit(lx);
		t->expands = true;
		t->parts = lx->parts;
		t->n_parts = lx->n_parts;
		t->bad_expansion = lx->bad;
	} else {
		for (size_t i = 0; i < lx->n_parts; i++)
			ps_part_free(&lx->parts[i]);
		free(lx->parts);
		free(lx->bad);
	}
	free(lx->lit.s);
	memset(&lx->lit, 0, sizeof(lx->lit));
	lx->parts = NULL;
	lx->n_parts = 0;
	lx->has_var = false;
	lx->bad = NULL;
}

/* Does "$..." at 'p' start a variable expansion inside a string? */
static bool
starts_expansion(const struct lexer *lx, const char *p)
{
	return p + 1 < lx->e &&
	       (is_name_char(p[1]) || p[1] == '{' || p[1] == '(' ||
	        p[1] == '?' || p[1] == '^' || p[1] == ':');
}

static const char *
skip_blanks(const struct lexer *lx, const char *p)
{
	while (p < lx->e && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* "$($name.Prop.Prop)" at 'p' (on the '('): the end of the
 * subexpression, its parts in 'pt', or NULL if it is anything else. */
static const char *
lex_subexpr(const struct lexer *lx, const char *p, struct ps_part *pt)
{
	const char *s;

	p = skip_blanks(lx, p + 1);
	if (p >= lx->e || *p != '$')
		return NULL;
	s = ++p;
	while (p < lx->e && is_name_char(*p))
		p++;
	if (p == s)
		return NULL;
	pt->text = xstrndup(s, (size_t)(p - s));
	while (p + 1 < lx->e && *p == '.' &&
	       (isalpha((unsigned char)p[1]) || p[1] == '_')) {
		s = ++p;
		while (p < lx->e && is_name_char(*p))
			p++;
		add_prop(pt, s, (size_t)(p - s));
	}
	p = skip_blanks(lx, p);
	return p < lx->e && *p == ')' ? p + 1 : NULL;
}

/* An expansion at lx->p (on a '$' that starts one), in a "..." string or
 * (!in_string) a bareword, as PowerShell expands them:
 *  1. $name and ${name} are the variable; "$x.Prop" is $x followed by
 *     the text ".Prop", as in PowerShell;
 *  2. $($name) and $($name.Prop) are the variable or its property;
 *  3. other subexpressions, scoped and automatic variables, and
 *     "$name:" (a scope PowerShell rejects) are unsupported.
 * Appends the text as written to 'b'. */
static void
lex_expansion(struct lexer *lx, struct sbuf *b, bool in_string)
{
	const char *p = lx->p + 1, *s = p, *end;

	if (*p == '{') {
		s = ++p;
		while (p < lx->e && *p != '}' && *p != '\n' && *p != '"')
			p++;
		if (p < lx->e && *p == '}' && p > s &&
		    !memchr(s, ':', (size_t)(p - s))) {
			add_var_part(lx, s, (size_t)(p - s));
			end = p + 1;
		} else {
			set_bad(lx,
			        xstrdup("${...} with a scope or an "
			                "unterminated name is not expanded"));
			end = lx->p + 1;
		}
	} else if (*p == '(') {
		struct ps_part pt = {.is_var = true};

		end = in_string ? lex_subexpr(lx, p, &pt) : NULL;
		if (end) {
			flush_lit(lx);
			*add_part(lx) = pt;
			lx->has_var = true;
		} else {
			ps_part_free(&pt);
			set_bad(lx,
			        xstrdup("$(...) is expanded only as $($name) "
			                "or $($name.Property)"));
			end = lx->p + 1;
		}
	} else if (is_name_char(*p)) {
		while (p < lx->e && is_name_char(*p))
			p++;
		end = p;
		if (p < lx->e && *p == ':') {
			if (p + 1 < lx->e && is_name_char(p[1]))
				set_bad(lx,
				        xasprintf("scoped variables ($%.*s:) "
				                  "are not supported",
				                  (int)(p - s), s));
			else
				set_bad(lx,
				        xasprintf("\"$%.*s:\" reads as a "
				                  "scoped variable (PowerShell "
				                  "rejects it): write ${%.*s}:",
				                  (int)(p - s), s, (int)(p - s),
				                  s));
		} else {
			add_var_part(lx, s, (size_t)(p - s));
		}
	} else {
		set_bad(lx, xasprintf("'$%c' is not expanded: write `$ for a "
		                      "literal $",
		                      *p));
		end = lx->p + 1;
	}
	while (lx->p < end) {
		if (*lx->p == '\n')
			lx->line++;
		sbuf_addc(b, *lx->p++);
	}
}

/* A "..." string starting at lx->p (on the quote); appends its value to
 * 'b'.  false after reporting an unterminated string. */
static bool
lex_dquoted(struct lexer *lx, struct sbuf *b)
{
	int line0 = lx->line;
	size_t q;

	lx->p += dquote_len(lx, lx->p);
	while (lx->p < lx->e) {
		char c = *lx->p;

		if ((q = dquote_len(lx, lx->p))) {
			size_t q2 = dquote_len(lx, lx->p + q);

			if (!q2) {
				lx->p += q;
				return true;
			}
			addc(lx, b, '"'); /* "" is a quote */
			lx->p += q + q2;
			continue;
		}
		if (c == '\0') {
			fail(lx, lx->line, "NUL byte in the script");
			return false;
		}
		if (c == '`' && lx->p + 1 < lx->e) {
			static const char from[] = "abefnrtv";
			static const char to[] = "\a\b\033\f\n\r\t\v";
			const char *m;
			char n = lx->p[1];

			if (n == '\0') {
				fail(lx, lx->line, "NUL byte in the script");
				return false;
			}
			if (n == '\n')
				lx->line++;
			if (n == '0') {
				/* `0 (NUL) cannot live in a C string: drop */
			} else if ((m = strchr(from, n)) && *m) {
				addc(lx, b, to[m - from]);
			} else {
				addc(lx, b, n);
			}
			lx->p += 2;
			continue;
		}
		if (c == '$' && starts_expansion(lx, lx->p)) {
			lex_expansion(lx, b, true);
			continue;
		}
		if (c == '\n')
			lx->line++;
		addc(lx, b, c);
		lx->p++;
	}
	fail(lx, line0, "unterminated string");
	return false;
}

static bool
lex_squoted(struct lexer *lx, struct sbuf *b)
{
	int line0 = lx->line;
	size_t q;

	lx->p += squote_len(lx, lx->p);
	while (lx->p < lx->e) {
		if ((q = squote_len(lx, lx->p))) {
			size_t q2 = squote_len(lx, lx->p + q);

			if (!q2) {
				lx->p += q;
				return true;
			}
			addc(lx, b, '\'');
			lx->p += q + q2;
			continue;
		}
		if (*lx->p == '\0') {
			fail(lx, lx->line, "NUL byte in the script");
			return false;
		}
		if (*lx->p == '\n')
			lx->line++;
		addc(lx, b, *lx->p++);
	}
	fail(lx, line0, "unterminated string");
	return false;
}

/* A bareword, possibly with quoted parts glued on. */
static void
lex_word(struct lexer *lx)
{
	struct sbuf b = {0};
	int line0 = lx->line;
	bool quoted = false;

	while (lx->p < lx->e && !space_len(lx, lx->p) && !is_word_end(*lx->p)) {
		if (dquote_len(lx, lx->p)) {
			if (!lex_dquoted(lx, &b))
				goto out;
			quoted = true;
			continue;
		}
		if (squote_len(lx, lx->p)) {
			if (!lex_squoted(lx, &b))
				goto out;
			quoted = true;
			continue;
		}
		if (*lx->p == '`') {
			if (lx->p + 1 >= lx->e || lx->p[1] == '\n' ||
			    (lx->p[1] == '\r' && lx->p + 2 < lx->e &&
			     lx->p[2] == '\n'))
				break; /* continuation ends the word */
			if (lx->p[1] == '\0') {
				fail(lx, lx->line, "NUL byte in the script");
				goto out;
			}
			addc(lx, &b, lx->p[1]);
			lx->p += 2;
			continue;
		}
		if (*lx->p == '$' && starts_expansion(lx, lx->p)) {
			lex_expansion(lx, &b, false);
			continue;
		}
		addc(lx, &b, *lx->p++);
	}
	take_parts(lx, push(lx, quoted ? PS_T_STRING : PS_T_WORD, line0,
	                    sbuf_steal(&b)));
	return;
out:
	take_parts(lx, NULL);
	free(b.s);
}

/* The member chain ".Prop.Prop" at 'p' right after a variable or a ')',
 * into 't'; a following '(' or '[' is a method call or indexing. */
static void
lex_members(struct lexer *lx, struct ps_tok *t, const char *p)
{
	while (p + 1 < lx->e && *p == '.' &&
	       (isalpha((unsigned char)p[1]) || p[1] == '_')) {
		const char *ps = ++p;

		while (p < lx->e && is_name_char(*p))
			p++;
		t->props =
		    xrealloc(t->props, (t->n_props + 1) * sizeof(*t->props));
		t->props[t->n_props++] = xstrndup(ps, (size_t)(p - ps));
	}
	lx->p = p;
	if (p < lx->e && (*p == '(' || *p == '[') &&
	    (t->kind == PS_T_VAR || t->n_props)) {
		push(lx, PS_T_OTHER, lx->line,
		     xstrdup(*p == '(' ? "method calls" : "indexing"));
		lx->p = p + 1;
	}
}

static void
lex_var(struct lexer *lx)
{
	const char *p = lx->p + 1, *start = p;
	struct ps_tok *t;

	if (p < lx->e && *p == '{') {
		/* ${name}: a plain name only */
		start = ++p;
		while (p < lx->e && is_name_char(*p))
			p++;
		if (p == start || p >= lx->e || *p != '}') {
			push(lx, PS_T_OTHER, lx->line,
			     xstrdup("${...} variable names other than "
			             "${name}"));
			lx->p = start;
			return;
		}
		t = push(lx, PS_T_VAR, lx->line,
		         xstrndup(start, (size_t)(p - start)));
		p++;
	} else if (p < lx->e && *p == '(') {
		push(lx, PS_T_OTHER, lx->line,
		     xstrdup("$(...) subexpressions"));
		lx->p = p + 1;
		return;
	} else {
		if (p < lx->e && (*p == '?' || *p == '^' || *p == '$')) {
			p++;
		} else {
			while (p < lx->e && is_name_char(*p))
				p++;
		}
		if (p == start) { /* a lone '$' is a word */
			lex_word(lx);
			return;
		}
		if (p < lx->e && *p == ':') {
			push(lx, PS_T_OTHER, lx->line,
			     xasprintf("scoped variables ($%.*s:)",
			               (int)(p - start), start));
			lx->p = p + 1;
			return;
		}
		t = push(lx, PS_T_VAR, lx->line,
		         xstrndup(start, (size_t)(p - start)));
	}
	lex_members(lx, t, p);
}

static void
lex_param(struct lexer *lx, size_t dlen)
{
	const char *p = lx->p + dlen, *start = p;
	struct ps_tok *t;
	char *name;

	while (p < lx->e && !space_len(lx, p) && !is_word_end(*p) &&
	       *p != ':' && *p != '`' && !dquote_len(lx, p) &&
	       !squote_len(lx, p))
		p++;
	name = xmalloc((size_t)(p - start) + 1);
	memcpy(name, start, (size_t)(p - start));
	name[p - start] = '\0';
	t = push(lx, PS_T_PARAM, lx->line, name);
	if (p < lx->e && *p == ':') {
		t->colon = true;
		p++;
	}
	lx->p = p;
}

static void
lex_block_comment(struct lexer *lx)
{
	int line0 = lx->line;

	lx->p += 2;
	while (lx->p < lx->e) {
		if (lx->p + 1 < lx->e && lx->p[0] == '#' && lx->p[1] == '>') {
			lx->p += 2;
			return;
		}
		if (*lx->p == '\n')
			lx->line++;
		lx->p++;
	}
	fail(lx, line0, "unterminated comment <#");
}

void
ps_lex(const char *text, size_t len, struct ps_toks *toks)
{
	struct lexer lx = {.p = text, .e = text + len, .line = 1, .toks = toks};
	size_t n;

	memset(toks, 0, sizeof(*toks));
	while (lx.p < lx.e && !lx.failed) {
		char c = *lx.p;

		if ((n = space_len(&lx, lx.p))) {
			lx.p += n;
		} else if (c == '\0') {
			fail(&lx, lx.line, "NUL byte in the script");
		} else if (c == '\n') {
			push(&lx, PS_T_NEWLINE, lx.line, NULL);
			lx.line++;
			lx.p++;
		} else if (c == '#') {
			while (lx.p < lx.e && *lx.p != '\n')
				lx.p++;
		} else if (c == '<' && lx.p + 1 < lx.e && lx.p[1] == '#') {
			lex_block_comment(&lx);
		} else if (c == '`' && (lx.p + 1 == lx.e || lx.p[1] == '\n' ||
		                        (lx.p[1] == '\r' && lx.p + 2 < lx.e &&
		                         lx.p[2] == '\n'))) {
			/* line continuation */
			lx.p++;
			if (lx.p < lx.e && *lx.p == '\r')
				lx.p++;
			if (lx.p < lx.e) {
				lx.p++;
				lx.line++;
			}
		} else if (c == ';') {
			push(&lx, PS_T_SEMI, lx.line, xstrdup(";"));
			lx.p++;
		} else if (c == '|') {
			if (lx.p + 1 < lx.e && lx.p[1] == '|') {
				push(&lx, PS_T_OTHER, lx.line,
				     xstrdup("the || operator"));
				lx.p += 2;
			} else {
				push(&lx, PS_T_PIPE, lx.line, xstrdup("|"));
				lx.p++;
			}
		} else if (c == ',') {
			push(&lx, PS_T_COMMA, lx.line, xstrdup(","));
			lx.p++;
		} else if (c == '=') {
			push(&lx, PS_T_ASSIGN, lx.line, xstrdup("="));
			lx.p++;
		} else if (c == '{') {
			push(&lx, PS_T_LBRACE, lx.line, xstrdup("{"));
			lx.p++;
		} else if (c == '}') {
			push(&lx, PS_T_RBRACE, lx.line, xstrdup("}"));
			lx.p++;
		} else if (c == '(') {
			push(&lx, PS_T_LPAREN, lx.line, xstrdup("("));
			lx.p++;
		} else if (c == ')') {
			lex_members(
			    &lx, push(&lx, PS_T_RPAREN, lx.line, xstrdup(")")),
			    lx.p + 1);
		} else if (c == '@') {
			push(&lx, PS_T_OTHER, lx.line,
			     xstrdup("@ (arrays, hash tables, splatting, "
			             "here-strings)"));
			lx.p++;
		} else if (c == '[') {
			push(&lx, PS_T_OTHER, lx.line, xstrdup("[type] casts"));
			lx.p++;
		} else if (c == '&') {
			bool two = lx.p + 1 < lx.e && lx.p[1] == '&';

			push(&lx, PS_T_OTHER, lx.line,
			     xstrdup(two ? "the && operator"
			                 : "the & call operator"));
			lx.p += two ? 2 : 1;
		} else if (c == '<' || c == '>') {
			push(&lx, PS_T_OTHER, lx.line, xstrdup("redirection"));
			lx.p++;
		} else if (c == '$') {
			lex_var(&lx);
		} else if ((n = dash_len(&lx, lx.p)) && lx.p + n < lx.e &&
		           (isalpha((unsigned char)lx.p[n]) || lx.p[n] == '_' ||
		            lx.p[n] == '?')) {
			lex_param(&lx, n);
		} else {
			lex_word(&lx);
		}
	}
	push(&lx, PS_T_EOF, lx.line, NULL);
}

void
ps_part_free(struct ps_part *pt)
{
	free(pt->text);
	for (size_t i = 0; i < pt->n_props; i++)
		free(pt->props[i]);
	free(pt->props);
	memset(pt, 0, sizeof(*pt));
}

void
ps_lex_free(struct ps_toks *toks)
{
	for (size_t i = 0; i < toks->n; i++) {
		struct ps_tok *t = &toks->v[i];

		free(t->text);
		for (size_t j = 0; j < t->n_props; j++)
			free(t->props[j]);
		free(t->props);
		for (size_t j = 0; j < t->n_parts; j++)
			ps_part_free(&t->parts[j]);
		free(t->parts);
		free(t->bad_expansion);
	}
	free(toks->v);
	memset(toks, 0, sizeof(*toks));
}

const char *
ps_lex_kind_name(enum ps_tok_kind k)
{
	switch (k) {
	case PS_T_EOF:
		return "end of script";
	case PS_T_NEWLINE:
		return "end of line";
	case PS_T_SEMI:
		return "';'";
	case PS_T_PIPE:
		return "'|'";
	case PS_T_COMMA:
		return "','";
	case PS_T_ASSIGN:
		return "'='";
	case PS_T_LBRACE:
		return "'{'";
	case PS_T_RBRACE:
		return "'}'";
	case PS_T_LPAREN:
		return "'('";
	case PS_T_RPAREN:
		return "')'";
	case PS_T_WORD:
		return "word";
	case PS_T_STRING:
		return "string";
	case PS_T_PARAM:
		return "parameter";
	case PS_T_VAR:
		return "variable";
	case PS_T_OTHER:
	case PS_T_ERROR:
		break;
	}
	return "token";
}
