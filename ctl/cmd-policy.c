/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-policy: `hnvctl policy show` prints the agent's whole policy
 * (policy.get) as one native table per object family; `hnvctl policy
 * clear` removes everything (policy.clear).
 */
#include <string.h>

#include "ctl/ctl.h"

/* The sections of policy_to_json() and their objects. */
static const char *const sections[][3] = {
    {"switches", "switch", "Switches"},
    {"vm_adapters", "vm-adapter", "VM adapters"},
    {"provider_addresses", "provider-address", "Provider addresses"},
    {"provider_routes", "provider-route", "Provider routes"},
    {"customer_routes", "customer-route", "Customer routes"},
    {"lookup_records", "lookup-record", "Lookup records"},
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: hnvctl [--agent PATH] [--json] policy show\n"
	           "       hnvctl [--agent PATH] policy clear\n"
	           "show: the agent's whole policy, one table per object "
	           "family;\nclear: removes every object (and the adapters' "
	           "interfaces).\n");
}

static void
show(const json_t *pol)
{
	bool first = true;

	for (size_t i = 0; i < ARRAY_SIZE(sections); i++) {
		const json_t *arr = json_object_get(pol, sections[i][0]);

		if (!json_array_size(arr))
			continue;
		printf("%s%s:\n", first ? "" : "\n", sections[i][2]);
		cmd_object_print(sections[i][1], arr, stdout);
		first = false;
	}
	if (first)
		printf("(empty policy)\n");
}

int
cmd_policy_main(struct ctl *ctl, int argc, char **argv)
{
	json_t *res;
	int r;

	if (argc < 2 || ctl_is_help(argv[1])) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CTL_EXIT_USAGE : CTL_EXIT_OK;
	}
	if (argc > 2)
		return ctl_usage("policy: unexpected argument '%s'", argv[2]);
	if (!strcmp(argv[1], "show") || !strcmp(argv[1], "get")) {
		r = ctl_call(ctl, "policy.get", NULL, &res);
		if (r)
			return r;
		if (ctl->json)
			ctl_print_json(res, stdout);
		else
			show(res);
		json_decref(res);
		return CTL_EXIT_OK;
	}
	if (!strcmp(argv[1], "clear")) {
		r = ctl_call(ctl, "policy.clear", NULL, &res);
		if (r)
			return r;
		if (ctl->json)
			ctl_print_json(res, stdout);
		json_decref(res);
		return CTL_EXIT_OK;
	}
	return ctl_usage("policy: unknown verb '%s' (show, clear)", argv[1]);
}
