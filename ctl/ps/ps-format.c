/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ps-format: Format-List, Format-Table and the default output of objects
 * left at the end of a pipeline, in PowerShell's layout:
 *  1. a list prints each object as "Name : Value" lines, the names padded
 *     to the longest one shown, with a blank line before each object and
 *     after the last (an empty value leaves no trailing blank);
 *  2. a table prints the headers, a rule of dashes, one row per object,
 *     with a blank line before and after; numbers are right-aligned;
 *  3. by default the NetVirtualization objects print as lists (as in the
 *     book), Hyper-V objects and adapters as tables, plain values one per
 *     line; consecutive objects of one type share one table;
 *  4. objects Select-Object made print as PowerShell prints objects
 *     without a view of their own: a table with up to 4 properties, a
 *     list with 5 or more.
 * Property names in -Property lists may use wildcards (fl *).
 */
#include "ctl/ps/ps-int.h"

#include <stdlib.h>
#include <string.h>

#include "ctl/table.h"
#include "lib/util.h"

#define MAX_PROPS 32

/* The properties of 'o' that 'pats' select (wildcards allowed), in the
 * order the patterns name them; without patterns, its type's default
 * table columns ('table', unless Select-Object chose the properties), or
 * all it has.  'labels' (may be NULL) gets the column headers. */
static size_t
select_props(const struct ps_obj *o, const json_t *pats, bool table,
             const struct ps_prop **out, const char **labels, size_t max)
{
	const struct ps_type *t = ps_obj_type(o->type);
	const struct ps_prop *have[MAX_PROPS];
	size_t n_have = ps_obj_props(o, have, MAX_PROPS), n = 0;

	if (!pats && table && t->table && !o->view) {
		for (size_t i = 0; t->table[i] && n < max; i++) {
			const struct ps_prop *p = ps_obj_prop(t, t->table[i]);

			if (!p)
				continue;
			if (labels)
				labels[n] = t->labels ? t->labels[i] : p->name;
			out[n++] = p;
		}
		return n;
	}
	for (size_t i = 0; !pats && i < n_have && n < max; i++) {
		if (labels)
			labels[n] = have[i]->name;
		out[n++] = have[i];
	}
	for (size_t i = 0; i < json_array_size(pats); i++) {
		const char *pat = json_string_value(json_array_get(pats, i));

		for (size_t k = 0; pat && k < n_have; k++) {
			bool dup = false;

			if (!ps_obj_like(pat, have[k]->name, false))
				continue;
			for (size_t j = 0; j < n; j++)
				dup |= out[j] == have[k];
			if (dup || n == max)
				continue;
			if (labels)
				labels[n] = have[k]->name;
			out[n++] = have[k];
		}
	}
	return n;
}

static void
list_one(FILE *f, const struct ps_obj *o, const json_t *pats)
{
	const struct ps_prop *props[MAX_PROPS];
	size_t n, w = 0;

	if (!json_is_object(o->v)) {
		char *s = ps_obj_scalar(o->v);

		fprintf(f, "%s\n", s);
		free(s);
		return;
	}
	n = select_props(o, pats, false, props, NULL, MAX_PROPS);
	for (size_t i = 0; i < n; i++)
		w = MAX(w, strlen(props[i]->name));
	for (size_t i = 0; i < n; i++) {
		char *v = ps_obj_format(props[i], o->v);

		if (*v)
			fprintf(f, "%-*s : %s\n", (int)w, props[i]->name, v);
		else
			fprintf(f, "%-*s :\n", (int)w, props[i]->name);
		free(v);
	}
}

void
ps_format_list(FILE *f, const struct ps_objs *os, const json_t *props)
{
	if (!os->n)
		return;
	fputc('\n', f);
	for (size_t i = 0; i < os->n; i++) {
		list_one(f, &os->v[i], props);
		fputc('\n', f);
	}
}

/* One table for objects [from, to) of one type. */
static void
table_run(FILE *f, const struct ps_obj *objs, size_t n_objs, const json_t *pats)
{
	const struct ps_prop *props[MAX_PROPS];
	const char *cells[MAX_PROPS], *labels[MAX_PROPS];
	struct table *tb;
	size_t n;

	n = select_props(&objs[0], pats, true, props, labels, MAX_PROPS);
	if (!n)
		return;
	tb = table_create(n, 1, true);
	for (size_t c = 0; c < n; c++)
		table_header(tb, c, labels[c],
		             props[c]->kind == PS_K_INT ||
		                 props[c]->kind == PS_K_NUM);
	for (size_t r = 0; r < n_objs; r++) {
		char *vals[MAX_PROPS];

		for (size_t c = 0; c < n; c++) {
			vals[c] = ps_obj_format(props[c], objs[r].v);
			cells[c] = vals[c];
		}
		table_add(tb, cells);
		for (size_t c = 0; c < n; c++)
			free(vals[c]);
	}
	fputc('\n', f);
	table_print(tb, f);
	fputc('\n', f);
	table_destroy(tb);
}

static size_t
run_length(const struct ps_objs *os, size_t i)
{
	size_t j = i + 1;

	while (j < os->n && os->v[j].type == os->v[i].type &&
	       json_is_object(os->v[j].v) == json_is_object(os->v[i].v) &&
	       !os->v[j].view == !os->v[i].view &&
	       (!os->v[i].view || json_equal(os->v[j].view, os->v[i].view)))
		j++;
	return j - i;
}

static void
scalars(FILE *f, const struct ps_obj *o, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *s = ps_obj_scalar(o[i].v);

		fprintf(f, "%s\n", s);
		free(s);
	}
}

void
ps_format_table(FILE *f, const struct ps_objs *os, const json_t *props)
{
	for (size_t i = 0; i < os->n;) {
		size_t n = run_length(os, i);

		if (json_is_object(os->v[i].v))
			table_run(f, &os->v[i], n, props);
		else
			scalars(f, &os->v[i], n);
		i += n;
	}
}

void
ps_format_default(FILE *f, const struct ps_objs *os)
{
	for (size_t i = 0; i < os->n;) {
		size_t n = run_length(os, i);
		const struct ps_obj *o = &os->v[i];
		const struct ps_type *t = ps_obj_type(o->type);

		if (!json_is_object(o->v)) {
			scalars(f, o, n);
		} else if (o->view ? json_array_size(o->view) > 4
		                   : t->list_default) {
			struct ps_objs run = {.v = (struct ps_obj *)o, .n = n};

			ps_format_list(f, &run, NULL);
		} else {
			table_run(f, o, n, NULL);
		}
		i += n;
	}
}
