/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-ps: hnvctl ps's lexer and parser on arbitrary bytes, and, for the
 * scripts that parse, the executor against a canned in-process backend
 * (no agent, no side effects): every get returns one object of its
 * family (VMs too), adds and sets echo their arguments, and requests with
 * VSID 6666 fail, with a warning, so pipelines, where filters, Select-,
 * Sort- and Measure-Object, variables, formatting, the common parameters
 * and the error path all run.  Corpus: tests/fuzz/corpus/ps/ (the seeds'
 * scripts and variants).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl/ps/ps.h"
#include "lib/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *
canned(const char *cmd)
{
	if (!strncmp(cmd, "lookup-record.", 14))
		return json_pack("{sssisssssssss}", "ca", "10.0.1.101", "vsid",
		                 6000, "mac", "60:00:60:00:01:01", "pa",
		                 "192.168.0.22", "rule", "encap", "type",
		                 "static");
	if (!strncmp(cmd, "customer-route.", 15))
		return json_pack("{sssisssssi}", "rdid",
		                 "{12345678-1000-2000-3000-123456780001}",
		                 "vsid", 6000, "prefix", "10.0.1.0/24",
		                 "nexthop", "0.0.0.0", "metric", 0);
	if (!strncmp(cmd, "provider-address.", 17))
		return json_pack("{sssisi}", "pa", "192.168.0.22", "prefix_len",
		                 24, "ifindex", 12);
	if (!strncmp(cmd, "provider-route.", 15))
		return json_pack("{ssss}", "prefix", "0.0.0.0/0", "nexthop",
		                 "192.168.0.1");
	if (!strncmp(cmd, "switch.", 7))
		return json_pack("{ssss}", "name", "HNVSwitch", "netadapter",
		                 "Ethernet");
	if (!strncmp(cmd, "vm-adapter.", 11))
		return json_pack("{sssssssssi}", "vm", "Contoso1", "name",
		                 "eth0", "switch", "HNVSwitch", "mac",
		                 "60:00:60:00:01:01", "vsid", 6000);
	if (!strncmp(cmd, "vm.", 3))
		return json_pack("{sssssi}", "vm", "Contoso1", "netns",
		                 "contoso1", "adapters", 1);
	if (!strncmp(cmd, "interface.", 10))
		return json_pack("{sssiss}", "name", "Ethernet", "ifindex", 12,
		                 "mac", "33:44:55:66:77:88");
	return json_object();
}

static int
canned_call(void *ctx, const char *cmd, json_t *args, json_t **result,
            char **error, json_t **warnings)
{
	const char *verb = strrchr(cmd, '.');

	(void)ctx;
	*result = NULL;
	*error = NULL;
	if (json_integer_value(json_object_get(args, "vsid")) == 6666) {
		*error = xstrdup("field 'vsid': refused");
		*warnings = json_pack("[s]", "a warning");
		return -EINVAL;
	}
	if (verb && !strcmp(verb, ".get") && strcmp(cmd, "interface.get")) {
		*result = json_array();
		json_array_append_new(*result, canned(cmd));
	} else if (verb && (!strcmp(verb, ".add") || !strcmp(verb, ".set"))) {
		*result = json_incref(args);
	} else if (verb && !strcmp(verb, ".remove")) {
		*result = json_pack("{si}", "removed", 1);
	} else {
		*result = canned(cmd);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ps_backend be = {canned_call, NULL, NULL};
	struct ps_script *s = ps_parse("fuzz.ps1", (const char *)data, size);
	char *out = NULL;
	size_t n = 0;
	FILE *f;

	for (size_t i = 0; i < ps_script_n_errors(s); i++)
		if (!ps_script_error(s, i))
			abort();
	if (!ps_script_n_errors(s) && (f = open_memstream(&out, &n))) {
		ps_exec(s, &be, f, f);
		fclose(f);
		free(out);
	}
	ps_script_destroy(s);
	return 0;
}
