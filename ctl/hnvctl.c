/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hnvctl: the OpenHNV command line.  Global options, then a subcommand:
 * the policy objects (cmd-object.c), status, stats, trace, policy, batch
 * (many lookup record changes at once), and ps, the PowerShell front end.
 * Everything talks to hnv-agent over its control socket
 * (doc/control-protocol.md).  See hnvctl(8).
 */
#include <stdlib.h>
#include <string.h>

#include "ctl/client.h"
#include "ctl/ctl.h"

#ifndef HNV_VERSION
#define HNV_VERSION "0.1"
#endif

static void
usage(FILE *f)
{
	fprintf(f, "usage: hnvctl [--agent PATH] [--json] OBJECT VERB [KEY "
	           "VALUE]...\n"
	           "       hnvctl [--agent PATH] [--json] status | stats "
	           "[--clear] | trace KEY VALUE...\n"
	           "       hnvctl [--agent PATH] [--json] policy show | policy "
	           "clear\n"
	           "       hnvctl [--agent PATH] ps [--check] FILE|-\n"
	           "       hnvctl [--agent PATH] [--json] batch FILE|-\n"
	           "\n"
	           "Objects (alias) and their keys (policy/json.h):\n");
	cmd_object_usage(f);
	fprintf(
	    f,
	    "Verbs: add, get (show, list), set, remove (del).  Keys may "
	    "use dashes\n(vm-name); numbers are decimal.\n"
	    "\n"
	    "Options:\n"
	    "  --agent PATH  the agent's control socket (default $HNV_AGENT "
	    "or\n                %s)\n"
	    "  --json        print results as JSON\n"
	    "  --version     print the version\n"
	    "  -h, --help    this help; 'hnvctl SUBCOMMAND --help' for "
	    "more\n"
	    "\n"
	    "Example: hnvctl lookup-record add ca 10.0.1.101 vsid 6000 "
	    "mac 60:00:60:00:01:01 pa 192.168.0.22\n"
	    "Exit status: 0 success, 1 refused by the agent or a script "
	    "error,\n2 agent not reachable, 64 usage error.\n",
	    CLIENT_DEFAULT_PATH);
}

int
main(int argc, char **argv)
{
	const char *env = getenv("HNV_AGENT");
	struct ctl ctl = {.agent = env && *env ? env : CLIENT_DEFAULT_PATH};
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	const char *sub;
	int n = 0, r;

	if (!rest)
		return CTL_EXIT_FAIL;
	/* Global options may come anywhere before a script path. */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			ctl.json = true;
		} else if (!strcmp(argv[i], "--agent")) {
			if (i + 1 >= argc) {
				free(rest);
				return ctl_usage("--agent needs a path");
			}
			ctl.agent = argv[++i];
		} else if (!strncmp(argv[i], "--agent=", 8)) {
			ctl.agent = argv[i] + 8;
		} else {
			rest[n++] = argv[i];
		}
	}
	if (!n) {
		usage(stderr);
		free(rest);
		return CTL_EXIT_USAGE;
	}
	sub = rest[0];
	if (!strcmp(sub, "--version") || !strcmp(sub, "version")) {
		printf("hnvctl %s\n", HNV_VERSION);
		r = CTL_EXIT_OK;
	} else if (ctl_is_help(sub)) {
		usage(stdout);
		r = CTL_EXIT_OK;
	} else if (cmd_object_known(sub)) {
		r = cmd_object_main(&ctl, n, rest);
	} else if (!strcmp(sub, "status")) {
		r = cmd_status_main(&ctl, n, rest);
	} else if (!strcmp(sub, "stats")) {
		r = cmd_stats_main(&ctl, n, rest);
	} else if (!strcmp(sub, "trace")) {
		r = cmd_trace_main(&ctl, n, rest);
	} else if (!strcmp(sub, "policy")) {
		r = cmd_policy_main(&ctl, n, rest);
	} else if (!strcmp(sub, "ps")) {
		r = cmd_ps_main(&ctl, n, rest);
	} else if (!strcmp(sub, "batch")) {
		r = cmd_batch_main(&ctl, n, rest);
	} else {
		r = ctl_usage("unknown command '%s' (try 'hnvctl --help')",
		              sub);
	}
	ctl_disconnect(&ctl);
	free(rest);
	return r;
}
