/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ps-select: the cmdlets that only rearrange pipeline objects, with no
 * request to the agent: Select-Object, Sort-Object and Measure-Object.
 * They work on the objects' PowerShell properties (ps-obj.c), so they
 * compare what the user sees: 600060000101, not 60:00:60:00:01:01.
 *
 * Select-Object, as PowerShell runs it:
 *  1. -Skip, -First and -Last pick input objects (-Skip counts from the
 *     end when only -Last is given; -First N -Last M keeps both ends);
 *  2. -Property keeps the named properties (wildcards allowed), in the
 *     order named: the object gets a view (struct ps_obj) and prints as a
 *     "Selected." object; -ExpandProperty emits the property's values;
 *  3. -Unique drops objects equal (case-sensitively) to an earlier one.
 * Sort-Object is stable; numbers compare as numbers, the rest as
 * case-insensitive text (-CaseSensitive: not), missing values first.
 * Measure-Object counts, and with -Sum -Average -Maximum -Minimum
 * computes over numbers; the statistics not asked for are empty, as
 * PowerShell prints them.
 */
#include "ctl/ps/ps-int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/util.h"

json_t *
ps_select_view(enum ps_otype t, const json_t *view, const json_t *pats)
{
	const struct ps_type *ty = ps_obj_type(t);
	json_t *out = json_array(), *names = json_array();

	/* the candidates, in the order the object shows them */
	if (view) {
		json_array_extend(names, (json_t *)view);
	} else {
		for (const struct ps_prop *p = ty->props; p->name; p++)
			json_array_append_new(names, json_string(p->name));
	}
	for (size_t i = 0; i < json_array_size(pats); i++) {
		const char *pat = json_string_value(json_array_get(pats, i));

		for (size_t k = 0; pat && k < json_array_size(names); k++) {
			json_t *n = json_array_get(names, k);
			const struct ps_prop *p;

			if (!ps_obj_like(pat, json_string_value(n), false))
				continue;
			p = ps_obj_prop(ty, json_string_value(n));
			if (p && !ps_obj_in_view(out, p->name))
				json_array_append_new(out,
				                      json_string(p->name));
		}
	}
	json_decref(names);
	return out;
}

static unsigned long long
arg_uint(const json_t *args, const char *name, bool *given)
{
	json_t *v = json_object_get(args, name);

	*given = json_is_integer(v);
	return *given ? (unsigned long long)json_integer_value(v) : 0;
}

/* A finite number (JSON has no others). */
static bool
parse_double(const char *s, double *d)
{
	char *end;

	if (!*s)
		return false;
	*d = strtod(s, &end);
	return !*end && isfinite(*d);
}

/* A property value as a JSON scalar: a number when it is one. */
static json_t *
value_json(const char *s, bool numeric)
{
	char *end;
	long long ll;
	double d;
	json_t *j;

	if (numeric && *s) {
		errno = 0;
		ll = strtoll(s, &end, 10);
		if (!errno && !*end)
			return json_integer(ll);
		if (parse_double(s, &d))
			return json_real(d);
	}
	j = json_string(s);
	return j ? j : json_string("?");
}

/* What -Unique compares: the scalar, or the properties shown. */
static char *
unique_key(const struct ps_obj *o)
{
	const struct ps_prop *props[32];
	size_t n;
	char *k;

	if (!json_is_object(o->v))
		return ps_obj_scalar(o->v);
	n = ps_obj_props(o, props, ARRAY_SIZE(props));
	k = xasprintf("%d", (int)o->type);
	for (size_t i = 0; i < n; i++) {
		char *v = ps_obj_format(props[i], o->v);
		char *nk = xasprintf("%s\x1f%s=%s", k, props[i]->name, v);

		free(v);
		free(k);
		k = nk;
	}
	return k;
}

struct keyed {
	char *key;
	size_t idx;
};

static int
cmp_keyed(const void *pa, const void *pb)
{
	const struct keyed *a = pa, *b = pb;
	int c = strcmp(a->key, b->key);

	return c ? c : (a->idx > b->idx) - (a->idx < b->idx);
}

/* Keeps the first of each group of equal objects, in order (sorting the
 * keys: there may be many objects). */
static void
drop_duplicates(struct ps_objs *os)
{
	struct keyed *k = xcalloc(os->n ? os->n : 1, sizeof(*k));
	bool *keep = xcalloc(os->n ? os->n : 1, sizeof(*keep));
	size_t n = 0;

	for (size_t i = 0; i < os->n; i++) {
		k[i].key = unique_key(&os->v[i]);
		k[i].idx = i;
	}
	qsort(k, os->n, sizeof(*k), cmp_keyed);
	for (size_t i = 0; i < os->n; i++)
		keep[k[i].idx] = !i || strcmp(k[i - 1].key, k[i].key);
	for (size_t i = 0; i < os->n; i++) {
		free(k[i].key);
		if (keep[i]) {
			os->v[n++] = os->v[i];
		} else {
			json_decref(os->v[i].v);
			json_decref(os->v[i].view);
		}
	}
	os->n = n;
	free(k);
	free(keep);
}

/* Step 2 for one object. */
static int
select_one(const struct ps_obj *o, const json_t *props, const char *expand,
           struct ps_objs *out, char **error)
{
	if (expand) {
		bool numeric;
		char *s = ps_obj_get(o, expand, &numeric);

		if (!s) {
			*error = xasprintf(
			    "-ExpandProperty: %s objects have no property '%s'",
			    json_is_object(o->v) ? ps_obj_type(o->type)->name
			                         : "plain",
			    expand);
			return -EINVAL;
		}
		ps_objs_push(out, PS_O_SCALAR, value_json(s, numeric));
		free(s);
		return 0;
	}
	if (!props) {
		ps_objs_push_obj(out, o);
		return 0;
	}
	if (!json_is_object(o->v)) {
		const char *p = json_string_value(json_array_get(props, 0));

		if (json_array_size(props) == 1 && p && !strcmp(p, "*")) {
			ps_objs_push_obj(out, o);
			return 0;
		}
		*error =
		    xasprintf("plain values have no property '%s'", p ? p : "");
		return -EINVAL;
	}
	ps_objs_push(out, o->type, json_incref(o->v));
	out->v[out->n - 1].view = ps_select_view(o->type, o->view, props);
	return 0;
}

int
ps_select_run(const json_t *args, const struct ps_objs *in, struct ps_objs *out,
              char **error)
{
	const json_t *props = json_object_get(args, "Property");
	const char *expand = json_string_value(
	    json_array_get(json_object_get(args, "ExpandProperty"), 0));
	bool has_first, has_last, has_skip;
	unsigned long long first = arg_uint(args, "First", &has_first);
	unsigned long long last = arg_uint(args, "Last", &has_last);
	unsigned long long skip = arg_uint(args, "Skip", &has_skip);
	struct ps_objs sel = {0};
	bool *take = xcalloc(in->n ? in->n : 1, sizeof(*take));
	size_t n = in->n;
	int r = 0;

	skip = MIN(skip, (unsigned long long)n);
	if (!has_first && !has_last) {
		for (size_t i = skip; i < n; i++)
			take[i] = true;
	}
	if (has_first)
		for (size_t i = skip; i < n && i - skip < first; i++)
			take[i] = true;
	if (has_last) {
		size_t end = has_first ? n : n - skip;
		size_t begin = end > last ? end - last : 0;

		for (size_t i = begin; i < end; i++)
			take[i] = true;
	}
	for (size_t i = 0; i < n && r == 0; i++)
		if (take[i])
			r = select_one(&in->v[i], props, expand, &sel, error);
	free(take);
	if (r == 0 && json_is_true(json_object_get(args, "Unique")))
		drop_duplicates(&sel);
	for (size_t i = 0; r == 0 && i < sel.n; i++)
		ps_objs_push_obj(out, &sel.v[i]);
	ps_objs_clear(&sel);
	return r;
}

/* ---- Sort-Object ---- */

struct sort_key {
	char *text; /* NULL: no such property */
	bool numeric;
	double num;
};

struct sort_item {
	const struct ps_obj *o;
	size_t idx;
	struct sort_key *keys;
};

struct sort_ctx {
	size_t n_keys;
	bool descending, case_sens;
};

/* The property a sort pattern names on 'o' (the first match). */
static char *
sort_value(const struct ps_obj *o, const char *pat, bool *numeric)
{
	const struct ps_prop *props[32];
	size_t n = ps_obj_props(o, props, ARRAY_SIZE(props));

	for (size_t i = 0; i < n; i++)
		if (ps_obj_like(pat, props[i]->name, false))
			return ps_obj_get(o, props[i]->name, numeric);
	*numeric = false;
	return NULL;
}

/* Without -Property: a scalar by its value, an object by the first
 * column of its default table (or its first property). */
static char *
default_sort_value(const struct ps_obj *o, bool *numeric)
{
	const struct ps_type *t = ps_obj_type(o->type);
	const struct ps_prop *props[1];

	*numeric = json_is_number(o->v);
	if (!json_is_object(o->v))
		return ps_obj_scalar(o->v);
	if (t->table && !o->view)
		return ps_obj_get(o, t->table[0], numeric);
	if (ps_obj_props(o, props, 1))
		return ps_obj_get(o, props[0]->name, numeric);
	return NULL;
}

static int
cmp_keys(const struct sort_item *a, const struct sort_item *b,
         const struct sort_ctx *ctx)
{
	for (size_t k = 0; k < ctx->n_keys; k++) {
		const struct sort_key *x = &a->keys[k], *y = &b->keys[k];
		int c;

		if (!x->text || !y->text)
			c = !!x->text - !!y->text;
		else if (x->numeric && y->numeric)
			c = x->num < y->num ? -1 : x->num > y->num;
		else if (ctx->case_sens)
			c = strcmp(x->text, y->text);
		else
			c = strcasecmp(x->text, y->text);
		if (c)
			return ctx->descending ? -c : c;
	}
	return 0;
}

static int
cmp_items(const void *pa, const void *pb, void *pctx)
{
	const struct sort_item *a = pa, *b = pb;
	int c = cmp_keys(a, b, pctx);

	if (c)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx; /* stable */
}

int
ps_sort_run(const json_t *args, const struct ps_objs *in, struct ps_objs *out,
            char **error)
{
	const json_t *props = json_object_get(args, "Property");
	struct sort_ctx ctx = {
	    .n_keys = props ? json_array_size(props) : 1,
	    .descending = json_is_true(json_object_get(args, "Descending")),
	    .case_sens = json_is_true(json_object_get(args, "CaseSensitive")),
	};
	bool unique = json_is_true(json_object_get(args, "Unique"));
	struct sort_item *items = xcalloc(in->n ? in->n : 1, sizeof(*items));

	(void)error;
	for (size_t i = 0; i < in->n; i++) {
		struct sort_item *it = &items[i];

		it->o = &in->v[i];
		it->idx = i;
		it->keys = xcalloc(ctx.n_keys, sizeof(*it->keys));
		for (size_t k = 0; k < ctx.n_keys; k++) {
			struct sort_key *key = &it->keys[k];

			key->text =
			    props ? sort_value(it->o,
			                       json_string_value(
			                           json_array_get(props, k)),
			                       &key->numeric)
			          : default_sort_value(it->o, &key->numeric);
			key->numeric = key->numeric && key->text &&
			               parse_double(key->text, &key->num);
		}
	}
	if (in->n)
		qsort_r(items, in->n, sizeof(*items), cmp_items, &ctx);
	for (size_t i = 0; i < in->n; i++) {
		/* -Unique compares case-insensitively, as Sort-Object does */
		struct sort_ctx uctx = ctx;

		uctx.descending = false;
		if (!unique || !i || cmp_keys(&items[i - 1], &items[i], &uctx))
			ps_objs_push_obj(out, items[i].o);
	}
	for (size_t i = 0; i < in->n; i++) {
		for (size_t k = 0; k < ctx.n_keys; k++)
			free(items[i].keys[k].text);
		free(items[i].keys);
	}
	free(items);
	return 0;
}

/* ---- Measure-Object ---- */

struct stats {
	bool sum, average, maximum, minimum;
};

/* The names 'pat' stands for on the input, in order of appearance. */
static json_t *
measure_names(const struct ps_objs *in, const char *pat)
{
	json_t *names = json_array();

	for (size_t i = 0; i < in->n; i++) {
		const struct ps_prop *props[32];
		size_t n;

		if (!json_is_object(in->v[i].v))
			continue;
		n = ps_obj_props(&in->v[i], props, ARRAY_SIZE(props));
		for (size_t k = 0; k < n; k++)
			if (ps_obj_like(pat, props[k]->name, false) &&
			    !ps_obj_in_view(names, props[k]->name))
				json_array_append_new(
				    names, json_string(props[k]->name));
	}
	if (!json_array_size(names) && !ps_obj_has_wildcard(pat))
		json_array_append_new(names, json_string(pat));
	return names;
}

/* Measures property 'name' of every object (NULL: the objects
 * themselves); appends the GenericMeasureInfo. */
static int
measure_one(const struct ps_objs *in, const char *name, const struct stats *st,
            struct ps_objs *out, char **error)
{
	bool any = st->sum || st->average || st->maximum || st->minimum;
	double sum = 0, max = 0, min = 0;
	size_t count = 0;
	json_t *m;

	for (size_t i = 0; i < in->n; i++) {
		const struct ps_obj *o = &in->v[i];
		char *s;
		double d;

		if (name)
			s = ps_obj_get(o, name, NULL);
		else
			s = ps_obj_string(o);
		if (!s)
			continue;
		count++;
		if (any) {
			if (!parse_double(s, &d) ||
			    (json_is_object(o->v) && !name)) {
				*error = xasprintf("input object \"%s\" is not "
				                   "numeric",
				                   s);
				free(s);
				return -EINVAL;
			}
			sum += d;
			max = count == 1 || d > max ? d : max;
			min = count == 1 || d < min ? d : min;
		}
		free(s);
	}
	if (name && !count && in->n) {
		*error = xasprintf("the property \"%s\" cannot be found in the "
		                   "input for any objects",
		                   name);
		return -EINVAL;
	}
	m = json_pack("{sI}", "count", (json_int_t)count);
	if (st->average)
		json_object_set_new(m, "average",
		                    count ? json_real(sum / (double)count)
		                          : json_null());
	if (st->sum)
		json_object_set_new(m, "sum", json_real(sum));
	if (st->maximum)
		json_object_set_new(m, "maximum",
		                    count ? json_real(max) : json_null());
	if (st->minimum)
		json_object_set_new(m, "minimum",
		                    count ? json_real(min) : json_null());
	if (name)
		json_object_set_new(m, "property", json_string(name));
	ps_objs_push(out, PS_O_MEASURE, m);
	return 0;
}

int
ps_measure_run(const json_t *args, const struct ps_objs *in,
               struct ps_objs *out, char **error)
{
	const json_t *props = json_object_get(args, "Property");
	struct stats st = {
	    .sum = json_is_true(json_object_get(args, "Sum")),
	    .average = json_is_true(json_object_get(args, "Average")),
	    .maximum = json_is_true(json_object_get(args, "Maximum")),
	    .minimum = json_is_true(json_object_get(args, "Minimum")),
	};
	int r = 0;

	if (!props)
		return measure_one(in, NULL, &st, out, error);
	for (size_t i = 0; i < json_array_size(props) && r == 0; i++) {
		json_t *names = measure_names(
		    in, json_string_value(json_array_get(props, i)));

		for (size_t k = 0; k < json_array_size(names) && r == 0; k++)
			r = measure_one(
			    in, json_string_value(json_array_get(names, k)),
			    &st, out, error);
		json_decref(names);
	}
	return r;
}
