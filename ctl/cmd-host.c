/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-host: `hnvctl --controller URL host list | add NAME | remove NAME`,
 * the controller's hosts (GET, POST /v1/hosts, DELETE /v1/hosts/NAME,
 * doc/controller.md).  list prints a table (name, whether its agent is
 * connected, the revision it applied), --json the controller's objects.
 * Removing a host removes everything scoped to it.
 */
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "ctl/table.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: hnvctl --controller URL [--json] host list\n"
	           "       hnvctl --controller URL [--json] host add NAME\n"
	           "       hnvctl --controller URL host remove NAME\n"
	           "The controller's hosts: list them (name, agent connected, "
	           "current: it has\napplied all of its policy, the revision "
	           "it last asked after), add one, or remove one with "
	           "its provider addresses and\nroutes, switches, VMs and VM "
	           "adapters.\n");
}

static void
print_hosts(const json_t *arr, FILE *f)
{
	struct table *t = table_create(4, 2, false);
	const json_t *h;
	size_t i;

	table_header(t, 0, "NAME", false);
	table_header(t, 1, "CONNECTED", false);
	table_header(t, 2, "CURRENT", false);
	table_header(t, 3, "REVISION", false);
	json_array_foreach((json_t *)arr, i, h)
	{
		const json_t *agent = json_object_get(h, "agent");
		const json_t *conn = json_object_get(agent, "connected");
		const json_t *cur = json_object_get(agent, "current");
		char *cells[4] = {
		    ctl_scalar(json_object_get(h, "name")),
		    xstrdup(json_is_true(conn) ? "yes" : "no"),
		    xstrdup(json_is_true(cur) ? "yes" : "no"),
		    ctl_scalar(json_object_get(agent, "revision")),
		};

		table_add(t, (const char *const *)cells);
		for (size_t c = 0; c < 4; c++)
			free(cells[c]);
	}
	if (table_n_rows(t))
		table_print(t, f);
	table_destroy(t);
}

int
cmd_host_main(struct ctl *ctl, int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : NULL;
	json_t *args, *res;
	int r;

	if (!verb || ctl_is_help(verb)) {
		usage(verb ? stdout : stderr);
		return verb ? CTL_EXIT_OK : CTL_EXIT_USAGE;
	}
	if (!strcmp(verb, "list") || !strcmp(verb, "show") ||
	    !strcmp(verb, "get")) {
		if (argc > 2)
			return ctl_usage("host list: unexpected argument '%s'",
			                 argv[2]);
		r = ctl_need_controller(ctl, "host list");
		if (r)
			return r;
		r = ctl_call(ctl, "host.get", NULL, &res);
		if (r)
			return r;
		if (ctl->json)
			ctl_print_json(res, stdout);
		else
			print_hosts(res, stdout);
		json_decref(res);
		return CTL_EXIT_OK;
	}
	if (strcmp(verb, "add") && strcmp(verb, "remove") &&
	    strcmp(verb, "del") && strcmp(verb, "delete") && strcmp(verb, "rm"))
		return ctl_usage("host: unknown verb '%s' (list, add, remove)",
		                 verb);
	if (argc != 3)
		return ctl_usage("host %s: give one host NAME", verb);
	r = ctl_need_controller(ctl, "host");
	if (r)
		return r;
	args = json_pack("{ss}", "name", argv[2]);
	r = ctl_call(ctl, strcmp(verb, "add") ? "host.remove" : "host.add",
	             args, &res);
	json_decref(args);
	if (r)
		return r;
	if (ctl->json)
		ctl_print_json(res, stdout);
	json_decref(res);
	return CTL_EXIT_OK;
}
