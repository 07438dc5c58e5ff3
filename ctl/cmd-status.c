/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-status: `hnvctl status`, the agent's uplink (and its state: up, down,
 * gone), state file, version and ports, and under a controller where the
 * agent is with it, as "key: value" lines and a table of ports (--json: the
 * reply).
 */
#include <string.h>

#include "ctl/ctl.h"

int
cmd_status_main(struct ctl *ctl, int argc, char **argv)
{
	if (argc > 1 && ctl_is_help(argv[1])) {
		printf("usage: hnvctl [--agent PATH] [--json] status\n"
		       "Shows the agent's uplink (name, state: up, down or "
		       "gone, and why it\nis not up; ifindex, MAC, MTU), its "
		       "state file, its version and its\nVM adapters, "
		       "attached or not.  Under a controller (hnv-agent "
		       "--controller),\n'controller:' shows its URL, this "
		       "host's name, the state (connecting,\nconnected, "
		       "unreachable, rejected), the last error, the revision "
		       "and epoch\napplied, and the changes applied and "
		       "failed.\n");
		return CTL_EXIT_OK;
	}
	if (argc > 1)
		return ctl_usage("status: unexpected argument '%s'", argv[1]);
	return ctl_call_print(ctl, "status", NULL);
}
