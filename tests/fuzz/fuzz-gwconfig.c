/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-gwconfig: hnv-gateway's reading of its configuration
 * (gw_config_parse, gw/config.c) and the nftables ruleset rendered from
 * what it accepts (gw_render_nft, gw/render.c), over arbitrary bytes
 * taken as JSON; a libFuzzer target (build/fuzz/fuzz-gwconfig) and a
 * corpus replayer (build/tests/replay-gwconfig over
 * tests/fuzz/corpus/gwconfig/).
 *
 * Invariants, checked with abort(): a refusal always says why; an
 * accepted configuration renders for every compartment, with every
 * backend healthy and with none, into text that has no quote, brace or
 * newline that the values could have smuggled in: every line of the
 * ruleset starts with one of the words the renderer writes, and every
 * comment is one of its own ("lb ID", "nat ID", "tenant") with an ID of
 * the accepted characters.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw/gw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_text(const char *t)
{
	static const char *const starts[] = {
	    "table ",        "delete table ", "\tcounter ",
	    "\tset ",        "\t\ttype ",     "\t\tflags ",
	    "\t\telements ", "\t}",           "}",
	    "\tchain ",      "\t\tiifname ",  "\t\toifname ",
	    "\t\tct ",       "\t\tiif ",      "\t\ticmp",
	    "\t\tip",        "\t\tcounter ",  "\t\tmeta ",
	};
	const char *line = t;

	while (*line) {
		size_t n = strcspn(line, "\n"), k;
		bool known = false;
		for (k = 0; k < sizeof(starts) / sizeof(starts[0]); k++)
			if (!strncmp(line, starts[k], strlen(starts[k])))
				known = true;
		if (!known && n)
			abort();
		const char *c = memmem(line, n, "comment \"", 9);
		if (c) {
			c += 9;
			const char *end =
			    memchr(c, '"', (size_t)(line + n - c));
			if (!end || end + 1 != line + n)
				abort();
		}
		line += n + (line[n] == '\n');
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	struct gw_config c;
	char err[256] = "";

	if (!j)
		return 0;
	if (gw_config_parse(j, &c, err, sizeof(err))) {
		if (!err[0])
			abort();
		json_decref(j);
		return 0;
	}
	for (size_t i = 0; i < c.n_comps; i++) {
		const struct gw_comp *cp = &c.comps[i];
		bool **none = calloc(cp->n_lbs + 1, sizeof(*none));
		for (size_t l = 0; l < cp->n_lbs; l++)
			none[l] = calloc(cp->lbs[l].n_backends + 1, 1);
		char *t1 = gw_render_nft(&c, cp, NULL);
		char *t2 = gw_render_nft(&c, cp, none);
		check_text(t1);
		check_text(t2);
		free(t1);
		free(t2);
		for (size_t l = 0; l < cp->n_lbs; l++)
			free(none[l]);
		free(none);
	}
	gw_config_free(&c);
	json_decref(j);
	return 0;
}
