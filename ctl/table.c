/* SPDX-License-Identifier: Apache-2.0 */
/*
 * table: aligned text tables (see table.h).  Rows are kept until
 * table_print() because every width depends on every row.
 */
#include "ctl/table.h"

#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

struct table {
	size_t n_cols;
	int gap;
	bool rule;
	char **headers;
	bool *right;
	char **cells; /* n_rows * n_cols */
	size_t n_rows, cap_rows;
};

struct table *
table_create(size_t n_cols, int gap, bool rule)
{
	struct table *t = xcalloc(1, sizeof(*t));

	t->n_cols = n_cols;
	t->gap = gap;
	t->rule = rule;
	t->headers = xcalloc(n_cols, sizeof(*t->headers));
	t->right = xcalloc(n_cols, sizeof(*t->right));
	return t;
}

void
table_destroy(struct table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_cols; i++)
		free(t->headers[i]);
	for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
		free(t->cells[i]);
	free(t->headers);
	free(t->right);
	free(t->cells);
	free(t);
}

void
table_header(struct table *t, size_t col, const char *name, bool right)
{
	if (col >= t->n_cols)
		return;
	free(t->headers[col]);
	t->headers[col] = xstrdup(name);
	t->right[col] = right;
}

void
table_add(struct table *t, const char *const *cells)
{
	if (t->n_rows == t->cap_rows) {
		t->cap_rows = t->cap_rows ? 2 * t->cap_rows : 16;
		t->cells = xrealloc(t->cells, t->cap_rows * t->n_cols *
		                                  sizeof(*t->cells));
	}
	for (size_t i = 0; i < t->n_cols; i++)
		t->cells[t->n_rows * t->n_cols + i] =
		    xstrdup(cells[i] ? cells[i] : "");
	t->n_rows++;
}

size_t
table_n_rows(const struct table *t)
{
	return t->n_rows;
}

/* Display width: UTF-8 characters. */
static size_t
width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static void
print_line(const struct table *t, const size_t *w, const char *const *cells,
           int indent, FILE *f)
{
	size_t len = 0, cap = 128;
	char *line = xmalloc(cap);

	for (size_t c = 0; c < t->n_cols; c++) {
		const char *s = cells[c] ? cells[c] : "";
		size_t pad = w[c] - MIN(w[c], width(s));
		size_t need = strlen(s) + pad + (size_t)t->gap + 1;

		if (len + need >= cap) {
			cap = 2 * (len + need);
			line = xrealloc(line, cap);
		}
		if (t->right[c]) {
			memset(line + len, ' ', pad);
			len += pad;
		}
		memcpy(line + len, s, strlen(s));
		len += strlen(s);
		if (!t->right[c]) {
			memset(line + len, ' ', pad);
			len += pad;
		}
		if (c + 1 < t->n_cols) {
			memset(line + len, ' ', (size_t)t->gap);
			len += (size_t)t->gap;
		}
	}
	while (len && line[len - 1] == ' ')
		len--;
	fprintf(f, "%*s%.*s\n", indent, "", (int)len, line);
	free(line);
}

void
table_print(const struct table *t, FILE *f)
{
	table_print_indented(t, f, 0);
}

void
table_print_indented(const struct table *t, FILE *f, int indent)
{
	size_t *w = xcalloc(t->n_cols ? t->n_cols : 1, sizeof(*w));

	for (size_t c = 0; c < t->n_cols; c++) {
		w[c] = width(t->headers[c] ? t->headers[c] : "");
		for (size_t r = 0; r < t->n_rows; r++)
			w[c] = MAX(w[c], width(t->cells[r * t->n_cols + c]));
	}
	print_line(t, w, (const char *const *)t->headers, indent, f);
	if (t->rule) {
		char **rule = xcalloc(t->n_cols, sizeof(*rule));

		for (size_t c = 0; c < t->n_cols; c++) {
			size_t n = width(t->headers[c] ? t->headers[c] : "");

			rule[c] = xmalloc(n + 1);
			memset(rule[c], '-', n);
			rule[c][n] = '\0';
		}
		print_line(t, w, (const char *const *)rule, indent, f);
		for (size_t c = 0; c < t->n_cols; c++)
			free(rule[c]);
		free(rule);
	}
	for (size_t r = 0; r < t->n_rows; r++)
		print_line(t, w, (const char *const *)&t->cells[r * t->n_cols],
		           indent, f);
	free(w);
}
