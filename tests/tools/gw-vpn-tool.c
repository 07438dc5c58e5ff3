/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gw-vpn-tool: drives gw/vpn.c for tests/netns/gw-vpn.sh.
 *   gw-vpn-tool apply NETNS DIR LOCAL_ADDR FILE   the "vpn" object in FILE
 *   gw-vpn-tool status DIR                        gw_vpn_status as JSON
 *   gw-vpn-tool stop NETNS DIR
 *   gw-vpn-tool render LOCAL_ADDR FILE            swanctl.conf on stdout
 * Exit status 0, or 1 with the error on stderr.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw/vpn.h"

static json_t *
load(const char *file)
{
	json_error_t je;
	json_t *j = json_load_file(file, JSON_DECODE_ANY, &je);

	if (!j) {
		fprintf(stderr, "%s:%d: %s\n", file, je.line, je.text);
		exit(1);
	}
	return j;
}

int
main(int argc, char **argv)
{
	char err[1024];

	if (argc == 6 && !strcmp(argv[1], "apply")) {
		json_t *vpn = load(argv[5]);
		int r = gw_vpn_apply(argv[2], argv[3], argv[4], vpn, err,
		                     sizeof(err));

		json_decref(vpn);
		if (r < 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "status")) {
		json_t *st = gw_vpn_status(argv[2]);

		json_dumpf(st, stdout, JSON_INDENT(1) | JSON_SORT_KEYS);
		putchar('\n');
		json_decref(st);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "stop")) {
		gw_vpn_stop(argv[2], argv[3]);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "render")) {
		struct gw_vpn_files f;
		json_t *vpn = load(argv[3]);
		int r = gw_vpn_render(argv[2], vpn, true, &f, err, sizeof(err));

		json_decref(vpn);
		if (r < 0) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		if (r == 0)
			fputs(f.swanctl_conf, stdout);
		gw_vpn_files_uninit(&f);
		return 0;
	}
	fprintf(stderr,
	        "usage: gw-vpn-tool apply NETNS DIR LOCAL_ADDR FILE | "
	        "status DIR | stop NETNS DIR | render LOCAL_ADDR FILE\n");
	return 1;
}
