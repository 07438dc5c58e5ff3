/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-stats: `hnvctl stats [--clear]`.  The reply is
 *   {"ports": {NAME: {counter: n, ...}}, "uplink": {counter: n, ...},
 *    "drops": {reason: n | {"count": n, "description": ".."}}}
 * printed as one table of counters (a row per port, then the uplink; the
 * columns are every counter any of them reports; an AF_XDP uplink's "xdp"
 * section on a line of its own) and the drop reasons with a non-zero
 * count, one per line.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "ctl/table.h"

static void
add_columns(json_t *cols, const json_t *counters)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)counters, k, v)
	{
		bool seen = json_is_object(v); /* a section: printed apart */

		for (size_t i = 0; i < json_array_size(cols); i++)
			seen |= !strcmp(
			    json_string_value(json_array_get(cols, i)), k);
		if (!seen)
			json_array_append_new(cols, json_string(k));
	}
}

static void
add_row(struct table *t, const json_t *cols, const char *name,
        const json_t *counters)
{
	size_t n = json_array_size(cols);
	char **cells = xcalloc(n + 1, sizeof(*cells));

	cells[0] = xstrdup(name);
	for (size_t i = 0; i < n; i++)
		cells[i + 1] = ctl_scalar(json_object_get(
		    counters, json_string_value(json_array_get(cols, i))));
	table_add(t, (const char *const *)cells);
	for (size_t i = 0; i <= n; i++)
		free(cells[i]);
	free(cells);
}

static void
print_counters(const json_t *res)
{
	const json_t *ports = json_object_get(res, "ports");
	const json_t *uplink = json_object_get(res, "uplink");
	json_t *cols = json_array(), *v;
	const char *k;
	struct table *t;
	size_t n;

	json_object_foreach((json_t *)ports, k, v)
	{
		add_columns(cols, v);
	}
	if (json_is_object(uplink))
		add_columns(cols, uplink);
	n = json_array_size(cols);
	t = table_create(n + 1, 2, false);
	table_header(t, 0, "PORT", false);
	for (size_t i = 0; i < n; i++) {
		char *h = xstrdup(json_string_value(json_array_get(cols, i)));

		for (char *p = h; *p; p++)
			*p = *p == '_' ? '-' : (char)toupper((unsigned char)*p);
		table_header(t, i + 1, h, true);
		free(h);
	}
	json_object_foreach((json_t *)ports, k, v)
	{
		add_row(t, cols, k, v);
	}
	if (json_is_object(uplink))
		add_row(t, cols, "uplink", uplink);
	if (table_n_rows(t))
		table_print(t, stdout);
	table_destroy(t);
	json_decref(cols);
	/* An AF_XDP uplink: what its XDP program did, one line. */
	v = json_object_get(uplink, "xdp");
	if (json_is_object(v)) {
		json_t *x;

		fputs("uplink XDP program:", stdout);
		json_object_foreach(v, k, x)
		{
			char *c = ctl_scalar(x);

			printf(" %s %s", k, c);
			free(c);
		}
		putchar('\n');
	}
}

/* 'descs' (the agent's "drop_descriptions", may be NULL) maps a reason
 * to its description when the counts are plain numbers.  Also prints the
 * events ('title' "EVENT", 'none' NULL: nothing when all are zero). */
static void
print_reasons(const json_t *drops, const json_t *descs, const char *title,
              const char *none)
{
	struct table *t = table_create(3, 2, false);
	const char *k;
	json_t *v;

	table_header(t, 0, title, false);
	table_header(t, 1, "COUNT", true);
	table_header(t, 2, "DESCRIPTION", false);
	json_object_foreach((json_t *)drops, k, v)
	{
		const json_t *count =
		    json_is_object(v) ? json_object_get(v, "count") : v;
		const char *descr = json_string_value(
		    json_is_object(v) ? json_object_get(v, "description")
		                      : json_object_get(descs, k));
		const char *cells[3];
		char *c;

		if (!json_is_integer(count) || !json_integer_value(count))
			continue;
		c = ctl_scalar(count);
		cells[0] = k;
		cells[1] = c;
		cells[2] = descr ? descr : "";
		table_add(t, cells);
		free(c);
	}
	if (table_n_rows(t)) {
		printf("\n");
		table_print(t, stdout);
	} else if (none) {
		printf("\n%s\n", none);
	}
	table_destroy(t);
}

int
cmd_stats_main(struct ctl *ctl, int argc, char **argv)
{
	bool clear = false;
	json_t *res;
	int r;

	for (int i = 1; i < argc; i++) {
		if (ctl_is_help(argv[i])) {
			printf("usage: hnvctl [--agent PATH] [--json] stats "
			       "[--clear]\nPer-port and uplink counters, "
			       "the drop reasons and the events\n(what the "
			       "data path did that is neither a drop nor a "
			       "plain forward)\nwith non-zero counts.  "
			       "--clear resets every counter.\n");
			return CTL_EXIT_OK;
		}
		if (strcmp(argv[i], "--clear"))
			return ctl_usage("stats: unexpected argument '%s'",
			                 argv[i]);
		clear = true;
	}
	r = ctl_call(ctl, clear ? "stats.clear" : "stats", NULL, &res);
	if (r)
		return r;
	if (ctl->json) {
		ctl_print_json(res, stdout);
	} else if (!clear) {
		print_counters(res);
		print_reasons(json_object_get(res, "drops"),
		              json_object_get(res, "drop_descriptions"),
		              "DROP REASON", "no drops");
		print_reasons(json_object_get(res, "events"),
		              json_object_get(res, "event_descriptions"),
		              "EVENT", NULL);
	}
	json_decref(res);
	return CTL_EXIT_OK;
}
