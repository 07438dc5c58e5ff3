/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-status: `hnvctl status`, the agent's uplink (and its state: up, down,
                       "attached or not.  Under a controller (hnv-agent "
                       "--controller),\n'controller:' shows its URL, this "
                       "host's name, the state (connecting,\nconnected, "
                       "unreachable, rejected), the last error, the revision "
                       "and epoch\napplied, and the changes applied and "
                       "failed.\n"
                       "With --controller: the controller's health and its "
                       "hosts.\n");
 */
#include <string.h>

#include "ctl/ctl.h"

static int
controller_status(struct ctl *ctl)
{
	json_t *health, *hosts, *all;
	int r = ctl_call(ctl, "health", NULL, &health);

	if (r)
		return r;
	r = ctl_call(ctl, "host.get", NULL, &hosts);
	if (r) {
		json_decref(health);
		return r;
	}
	all = json_pack("{ssso}", "controller", ctl->controller, "health",
	                health);
	if (ctl->json) {
		json_object_set(all, "hosts", hosts);
		ctl_print_json(all, stdout);
	} else {
		ctl_print_human(all, stdout);
		printf("hosts:\n");
		if (json_array_size(hosts))
			ctl_print_human(hosts, stdout);
	}
	json_decref(hosts);
	json_decref(all);
	return CTL_EXIT_OK;
}

int
cmd_status_main(struct ctl *ctl, int argc, char **argv)
{
	if (argc > 1 && ctl_is_help(argv[1])) {
		printf("usage: hnvctl [--agent PATH] [--json] status\n"
		       "Shows the agent's uplink (name, state: up, down or "
		       "gone, and why it\nis not up; ifindex, MAC, MTU), its "
		       "state file, its version and its\nVM adapters, "
		       "attached or not.  Under a controller (hnv-agent "
		       "--controller),\n'controller:' shows the URL it follows "
		       "now (with several, all of them\nand how many times it "
		       "switched), this host's name, the state (connecting,\n"
		       "connected, unreachable, rejected), the last error, the "
		       "revision and epoch\napplied, and the changes applied "
		       "and failed.\n"
		       "With --controller: the controller's health and its "
		       "hosts.\n");
		return CTL_EXIT_OK;
	}
	if (argc > 1)
		return ctl_usage("status: unexpected argument '%s'", argv[1]);
	if (ctl->controller)
		return controller_status(ctl);
	return ctl_call_print(ctl, "status", NULL);
}
