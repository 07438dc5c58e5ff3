/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-pipeline: the whole data plane on the in-memory backend, with
 * three tenants, as a libFuzzer target (build/fuzz/fuzz-pipeline) and a
 * corpus replayer (build/tests/replay-pipeline over
 * tests/fuzz/corpus/pipeline/).  The host and the input format are in
 * pipeline-world.h; the rules checked after every frame, on everything
 * the pipeline sent, are in pipeline-oracle.c.  A violation prints the
 * rule, the input and the output frame, and aborts, so libFuzzer reports
 * it as a crash and the replay fails.
 *
 * No input sees what an earlier one left in the pipeline (neighbours,
 * waiting packets: see world_run), so a crash reproduces from its file
 * alone.
 *
 * FUZZ_PIPELINE_IGNORE=5b,6b (violation tags, see pipeline-oracle.c)
 * reports those violations once each and goes on, to look past known
 * holes.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/pipeline.h"
#include "tests/fuzz/pipeline-oracle.h"
#include "tests/fuzz/pipeline-world.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct world *world;

/* What is being processed, for the report. */
static struct oracle_input cur;
static int cur_index, cur_port;
static const uint8_t *cur_frame;
static size_t cur_len;

static void
hexdump(const char *what, const uint8_t *f, size_t len)
{
	fprintf(stderr, "%s (%zu bytes):", what, len);
	for (size_t i = 0; i < len && i < 256; i++)
		fprintf(stderr, "%s%02x", i % 32 ? "" : "\n  ", f[i]);
	fprintf(stderr, "%s\n", len > 256 ? " ..." : "");
}

static const char *
port_name(int port)
{
	const struct w_vm *vm = world_vm_at_port(world, port);

	return vm ? vm->name : port == PIPELINE_UPLINK ? "uplink" : "?";
}

/* Is the violation 'why' (which starts with its tag and a ':' or ' ')
 * one the environment says to ignore?  Reports each such tag once. */
static bool
ignored(const char *why)
{
	static char seen[256] = ",";
	const char *env = getenv("FUZZ_PIPELINE_IGNORE");
	char tag[16], pat[20], list[512];
	size_t n = strcspn(why, ": ");

	if (!env || n >= sizeof(tag))
		return false;
	memcpy(tag, why, n);
	tag[n] = 0;
	snprintf(pat, sizeof(pat), ",%s,", tag);
	snprintf(list, sizeof(list), ",%s,", env);
	if (!strstr(list, pat))
		return false;
	if (!strstr(seen, pat) && strlen(seen) + n + 2 < sizeof(seen)) {
		fprintf(stderr, "fuzz-pipeline: ignoring rule %s\n", why);
		strcat(seen, tag);
		strcat(seen, ",");
	}
	return true;
}

static void
check(struct world *w, int port, const uint8_t *f, size_t len, void *aux)
{
	const char *why = oracle_check(w, &cur, port, f, len);

	(void)aux;
	if (!why || ignored(why))
		return;
	fprintf(stderr, "fuzz-pipeline: rule %s\n", why);
	if (cur.kind == ORACLE_TICK)
		fprintf(stderr, "after pipeline_tick() following frame #%d\n",
		        cur_index);
	else if (cur_frame)
		fprintf(stderr, "input frame #%d, on %s\n", cur_index,
		        port_name(cur_port));
	else
		fprintf(stderr, "while setting up (resolving next hops)\n");
	if (cur_frame)
		hexdump("input", cur_frame, cur_len);
	fprintf(stderr, "output on %s\n", port_name(port));
	hexdump("output", f, len);
	abort();
}

static void
input(struct world *w, int index, int port, const uint8_t *f, size_t len,
      void *aux)
{
	(void)aux;
	cur_index = index;
	if (port == WORLD_SETUP) {
		/* The setup's own output (answers to the neighbours) is
		 * checked as frames from the physical network. */
		memset(&cur, 0, sizeof(cur));
		cur.kind = ORACLE_FROM_WIRE;
		cur_frame = NULL;
		return;
	}
	if (port == WORLD_TICK) {
		oracle_input_tick(&cur);
		return;
	}
	cur_port = port;
	cur_frame = f;
	cur_len = len;
	oracle_input(w, port, f, len, &cur);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct world_hooks hooks = {input, check};

	if (!world)
		world = world_create();
	world_run(world, data, size, &hooks, NULL);
	return 0;
}
