/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-batch: `hnvctl batch FILE|-`, many lookup record changes in one
 * request (the agent's "batch" command, doc/control-protocol.md), all
 * applied or none.  The input is JSON: either one op per line
 *   {"cmd": "lookup-record.add", "args": {"ca": ..., "vsid": ...}}
 * or one array of such ops, or {"ops": [...]} as the agent takes it.
 * Prints how many ops were applied, or the agent's error, which names
 * the index of the op that failed.
 */
#include <errno.h>
#include <string.h>

#include "ctl/ctl.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: hnvctl [--agent PATH] [--json] batch FILE|-\n"
	           "Sends many lookup record changes as one request: all are "
	           "applied, or\nnone.  FILE holds JSON ops, one per line or "
	           "as one array:\n"
	           "  {\"cmd\": \"lookup-record.add\", \"args\": {\"ca\": "
	           "\"10.0.1.5\", \"vsid\": 6000,\n"
	           "   \"mac\": \"60:00:60:00:01:05\", \"pa\": "
	           "\"192.168.0.22\"}}\n"
	           "cmd is lookup-record.add, lookup-record.set or "
	           "lookup-record.remove;\nargs as for hnvctl lookup-record "
	           "(see --help).  An error names the op\nby its index "
	           "(ops[N], from 0).\n");
}

static char *
slurp(FILE *f, size_t *len)
{
	size_t cap = 65536, n = 0, r;
	char *buf = xmalloc(cap);

	while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
	}
	*len = n;
	return buf;
}

/* Reads the ops: 0 with '*ops' (an array), or an exit status.  The input
 * is a sequence of JSON values (arrays of ops, {"ops": [...]}, or ops),
 * separated by white space. */
static int
read_ops(const char *path, json_t **ops)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	size_t len, off = 0;
	char *buf;
	int line = 1;

	if (!f) {
		fprintf(stderr, "hnvctl: batch: %s: %s\n", path,
		        strerror(errno));
		return CTL_EXIT_FAIL;
	}
	buf = slurp(f, &len);
	if (f != stdin)
		fclose(f);
	*ops = json_array();
	for (;;) {
		json_error_t jerr;
		json_t *j;

		while (off < len && strchr(" \t\r\n", buf[off])) {
			line += buf[off] == '\n';
			off++;
		}
		if (off == len)
			break;
		j = json_loadb(buf + off, len - off, JSON_DISABLE_EOF_CHECK,
		               &jerr);
		if (!j) {
			fprintf(stderr, "hnvctl: batch: %s:%d: %s\n", path,
			        line + jerr.line - 1, jerr.text);
			json_decref(*ops);
			free(buf);
			return CTL_EXIT_FAIL;
		}
		for (size_t i = 0; i < (size_t)jerr.position; i++)
			line += buf[off + i] == '\n';
		off += jerr.position;
		if (json_is_array(j))
			json_array_extend(*ops, j);
		else if (json_is_array(json_object_get(j, "ops")))
			json_array_extend(*ops, json_object_get(j, "ops"));
		else
			json_array_append(*ops, j);
		json_decref(j);
	}
	free(buf);
	return 0;
}

int
cmd_batch_main(struct ctl *ctl, int argc, char **argv)
{
	json_t *ops, *args;
	int r;

	if (argc != 2 || ctl_is_help(argv[1])) {
		usage(argc == 2 ? stdout : stderr);
		return argc == 2 ? CTL_EXIT_OK : CTL_EXIT_USAGE;
	}
	r = read_ops(argv[1], &ops);
	if (r)
		return r;
	args = json_pack("{s:o}", "ops", ops);
	r = ctl_call_print(ctl, "batch", args);
	json_decref(args);
	return r;
}
