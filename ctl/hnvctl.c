/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hnvctl: the OpenHNV command line.  Global options, then a subcommand:
 * the policy objects (cmd-object.c), status, stats, trace, policy, batch
 * (many lookup record changes at once), ps, the PowerShell front end,
 * host (the controller's hosts), and the controller's high level
 * (cmd-hl.c: vm-network, subnet, server, vm NAME, gateway, vgateway).
 * Everything talks to hnv-agent over its control socket
 * (doc/control-protocol.md), or with
 * --controller to hnv-controller's REST API (doc/controller.md, ctl/http.h).
 * See hnvctl(8).
 */
#include <stdlib.h>
#include <string.h>

#include "ctl/client.h"
#include "ctl/ctl.h"
#include "lib/urllist.h"

#ifndef HNV_VERSION
#define HNV_VERSION "0.1"
#endif

static void
usage(FILE *f)
{
	fprintf(f, "usage: hnvctl [OPTIONS] [--json] OBJECT VERB [KEY "
	           "VALUE]...\n"
	           "       hnvctl [OPTIONS] [--json] status | stats "
	           "[--clear] | trace KEY VALUE...\n"
	           "       hnvctl [OPTIONS] [--json] policy show | policy "
	           "clear\n"
	           "       hnvctl [OPTIONS] ps [--check] FILE|-\n"
	           "       hnvctl [OPTIONS] [--json] batch FILE|-\n"
	           "       hnvctl --controller URL [--json] host list | add "
	           "NAME | remove NAME\n"
	           "       hnvctl --controller URL [--json] vm-network | "
	           "subnet | server VERB ...\n"
	           "       hnvctl --controller URL [--json] vm add NAME host H "
	           "subnet VMNET/S | vm move\n"
	           "              NAME host H | vm get [NAME] | vm remove "
	           "NAME\n"
	           "       hnvctl --controller URL [--json] gateway | vgateway "
	           "VERB ...\n"
	           "\n"
	           "Objects (alias) and their keys (policy/json.h):\n");
	cmd_object_usage(f);
	fprintf(f,
	        "Verbs: add, get (show, list), set, remove (del).  Keys may "
	        "use dashes\n(vm-name); numbers are decimal.\n"
	        "\n"
	        "Options:\n"
	        "  --agent PATH       the agent's control socket (default "
	        "$HNV_AGENT or\n                     %s)\n"
	        "  --controller URL[,URL...]\n"
	        "                     talk to hnv-controller's REST API "
	        "instead (default\n                     $HNV_CONTROLLER); "
	        "several controllers of one etcd\n                     "
	        "cluster: the next when one cannot be\n"
	        "                     reached.  stats, trace and "
	        "Get-NetAdapter still go to\n                     the "
	        "agent if --agent (or $HNV_AGENT) is given\n"
	        "  --token-file PATH  the controller's token (default "
	        "$HNV_TOKEN_FILE)\n"
	        "  --host NAME        the host of provider addresses and "
	        "routes, switches,\n                     VMs and VM adapters "
	        "under --controller (default $HNV_HOST)\n"
	        "  --json             print results as JSON\n"
	        "  --version          print the version\n"
	        "  -h, --help         this help; 'hnvctl SUBCOMMAND --help' "
	        "for more\n"
	        "\n"
	        "Example: hnvctl lookup-record add ca 10.0.1.101 vsid 6000 "
	        "mac 60:00:60:00:01:01 pa 192.168.0.22\n"
	        "Exit status: 0 success, 1 refused by the agent or the "
	        "controller, or a script\nerror, 2 agent or controller not "
	        "reachable, 64 usage error.\n",
	        CLIENT_DEFAULT_PATH);
}

/* "--NAME VALUE" or "--NAME=VALUE" at argv[*i]: 1 with '*value' (and *i
 * past it), 0 if argv[*i] is not --NAME, -1 if the value is missing. */
static int
option(int argc, char **argv, int *i, const char *name, const char **value)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n))
		return 0;
	if (argv[*i][n] == '=') {
		*value = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n])
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*value = argv[++*i];
	return 1;
}

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name, *what;
	} opts[] = {
	    {"--agent", "a path"},      {"--controller", "a URL"},
	    {"--token-file", "a path"}, {"--host", "a host name"},
	    {"--ca-file", "a path"},
	};
	struct ctl ctl = {
	    .agent = env("HNV_AGENT") ? env("HNV_AGENT") : CLIENT_DEFAULT_PATH,
	    .agent_given = env("HNV_AGENT") != NULL,
	    .controller = env("HNV_CONTROLLER"),
	    .token_file = env("HNV_TOKEN_FILE"),
	    .host = env("HNV_HOST"),
	    .ca_file = env("HNV_CA_FILE"),
	};
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	const char *sub;
	int n = 0, r;

	if (!rest)
		return CTL_EXIT_FAIL;
	/* Global options may come anywhere before a script path. */
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;
		size_t o;
		int got = 0;

		if (!strcmp(argv[i], "--json")) {
			ctl.json = true;
			continue;
		}
		for (o = 0; o < ARRAY_SIZE(opts); o++) {
			got = option(argc, argv, &i, opts[o].name, &v);
			if (got)
				break;
		}
		if (got < 0) {
			free(rest);
			return ctl_usage("%s needs %s", opts[o].name,
			                 opts[o].what);
		}
		if (!got) {
			rest[n++] = argv[i];
			continue;
		}
		if (o == 0) {
			ctl.agent = v;
			ctl.agent_given = true;
		} else if (o == 1) {
			ctl.controller = *v ? v : NULL;
		} else if (o == 2) {
			ctl.token_file = v;
		} else if (o == 3) {
			ctl.host = *v ? v : NULL;
		} else {
			ctl.ca_file = *v ? v : NULL;
		}
	}
	if (ctl.controller) {
		struct urllist ul;
		char msg[256];
		if (urllist_parse(&ul, ctl.controller, msg, sizeof(msg)) < 0) {
			free(rest);
			return ctl_usage(
			    "--controller: %s (expected "
			    "http://HOST:PORT or https://HOST:PORT, "
			    "several separated by commas)",
			    msg);
		}
		urllist_uninit(&ul);
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
	} else if (!strcmp(sub, "vm") && cmd_hl_vm_wants(&ctl, n, rest)) {
		r = cmd_hl_vm_main(&ctl, n, rest);
	} else if (!strcmp(sub, "vm-network")) {
		r = cmd_vmnet_main(&ctl, n, rest);
	} else if (!strcmp(sub, "subnet")) {
		r = cmd_subnet_main(&ctl, n, rest);
	} else if (!strcmp(sub, "server")) {
		r = cmd_server_main(&ctl, n, rest);
	} else if (!strcmp(sub, "gateway")) {
		r = cmd_gateway_main(&ctl, n, rest);
	} else if (!strcmp(sub, "vgateway")) {
		r = cmd_vgateway_main(&ctl, n, rest);
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
	} else if (!strcmp(sub, "host")) {
		r = cmd_host_main(&ctl, n, rest);
	} else {
		r = ctl_usage("unknown command '%s' (try 'hnvctl --help')",
		              sub);
	}
	ctl_disconnect(&ctl);
	free(rest);
	return r;
}
