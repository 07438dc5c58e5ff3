/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-trace: `hnvctl trace KEY VALUE...` injects a synthetic packet into
 * the agent's pipeline and prints every decision it took:
 *   {"cmd": "trace", "args": {"in": "Contoso1/eth0", "ip_dst": ..}}
 * The reply {"verdict": .., "steps": [{"stage", "msg"}], "output":
 * [{"port", "frame", "summary"}]} prints as one line per step (the stage
 * padded), the frames sent out, and a last "verdict:" line.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"

static const char *const keys[] = {
    "in",    "eth_src", "eth_dst", "ip_src", "ip_dst", "proto",
    "sport", "dport",   "vsid",    "pa_src", "pa_dst", "ttl",
};
static const char *const numeric[] = {"sport", "dport", "vsid", "ttl", "proto"};

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: hnvctl [--agent PATH] [--json] trace KEY VALUE...\n"
	        "Injects a packet and prints each pipeline stage's decision.\n"
	        "keys: in (a VM port, or the uplink), eth_src eth_dst, ip_src "
	        "ip_dst,\n      proto (icmp, tcp, udp or a number), sport "
	        "dport, ttl, and for a\n      packet arriving on the uplink: "
	        "vsid pa_src pa_dst\n"
	        "example: hnvctl trace in Contoso1/eth0 ip_dst 10.0.1.103 "
	        "proto icmp\n");
}

static bool
is_key(const char *k, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(k, list[i]))
			return true;
	return false;
}

static void
print_trace(const json_t *res)
{
	const json_t *steps = json_object_get(res, "steps");
	const json_t *outs = json_object_get(res, "output");
	const char *verdict =
	    json_string_value(json_object_get(res, "verdict"));
	size_t w = 0, i;
	json_t *s;

	json_array_foreach(steps, i, s)
	{
		const char *st = json_string_value(json_object_get(s, "stage"));

		if (st)
			w = MAX(w, strlen(st));
	}
	json_array_foreach(steps, i, s)
	{
		const char *st = json_string_value(json_object_get(s, "stage"));
		const char *msg = json_string_value(json_object_get(s, "msg"));

		printf("  %-*s  %s\n", (int)w, st ? st : "?", msg ? msg : "");
	}
	json_array_foreach(outs, i, s)
	{
		const char *port =
		    json_string_value(json_object_get(s, "port"));
		const char *sum =
		    json_string_value(json_object_get(s, "summary"));

		if (sum && *sum)
			printf("output: %s  %s\n", port ? port : "?", sum);
		else
			printf("output: %s\n", port ? port : "?");
	}
	printf("verdict: %s\n", verdict ? verdict : "(none)");
}

int
cmd_trace_main(struct ctl *ctl, int argc, char **argv)
{
	json_t *args, *res;
	int r;

	if (argc > 1 && ctl_is_help(argv[1])) {
		usage(stdout);
		return CTL_EXIT_OK;
	}
	if (argc < 3 || (argc - 1) % 2) {
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	args = json_object();
	for (int i = 1; i < argc; i += 2) {
		char *k = xstrdup(argv[i]);
		const char *v = argv[i + 1];
		json_t *jv;

		for (char *p = k; *p; p++)
			if (*p == '-')
				*p = '_';
		if (!is_key(k, keys, ARRAY_SIZE(keys))) {
			r = ctl_usage("trace: unknown key '%s' (try 'hnvctl "
			              "trace --help')",
			              argv[i]);
			free(k);
			json_decref(args);
			return r;
		}
		if (is_key(k, numeric, ARRAY_SIZE(numeric)) &&
		    strspn(v, "0123456789") == strlen(v) && *v) {
			errno = 0;
			jv = json_integer(strtoll(v, NULL, 10));
		} else if (is_key(k, numeric, ARRAY_SIZE(numeric)) &&
		           strcmp(k, "proto")) {
			r = ctl_usage("trace: %s: '%s' is not a number", k, v);
			free(k);
			json_decref(args);
			return r;
		} else {
			jv = json_string(v);
		}
		if (!jv) {
			free(k);
			json_decref(args);
			return ctl_usage("trace: %s: value is not UTF-8",
			                 argv[i]);
		}
		json_object_set_new(args, k, jv);
		free(k);
	}
	r = ctl_call(ctl, "trace", args, &res);
	json_decref(args);
	if (r)
		return r;
	if (ctl->json)
		ctl_print_json(res, stdout);
	else
		print_trace(res);
	json_decref(res);
	return CTL_EXIT_OK;
}
