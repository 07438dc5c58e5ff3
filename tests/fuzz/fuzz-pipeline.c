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
 * Every input also runs without the decision cache (pipeline/fast.c), on
 * a fresh pipeline, after a fresh one with it: any difference in what is
 * sent, dropped or counted aborts (FUZZ_PIPELINE_SAME=0: not).
 *
 * FUZZ_PIPELINE_IGNORE=5b,6b (violation tags, see pipeline-oracle.c)
 * reports those violations once each and goes on, to look past known
 * holes.  FUZZ_PIPELINE_VERBOSE=1 prints, for each frame, where its
 * output went and the drops it caused (to read a corpus file).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/pipeline.h"
#include "pkt/parse.h"
#include "tests/fuzz/pipeline-oracle.h"
#include "tests/fuzz/pipeline-world.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct world *world;

/* What is being processed, for the report. */
static struct oracle_input cur;
static int cur_index, cur_port;

/*
 * Extra coverage for libFuzzer (the section is its documented hook; in the
 * replayer it is just memory): one counter per (input port, output port,
 * kind of output frame) and per (input port, kind of input frame).  Code
 * coverage alone does not tell a frame from VM X from the same frame
 * from VM B1, so the fuzzer would keep one and drop the other, and never
 * learn which ports reach which.
 */
#define N_PORT_IDX (1 + W_N_VMS + 1) /* uplink, the VMs, tick */
#define N_CLASS 4
static uint8_t extra_counters[N_PORT_IDX * (N_PORT_IDX + 1) * N_CLASS]
    __attribute__((section("__libfuzzer_extra_counters"), used));

static int
port_idx(int port)
{
	const struct w_vm *vm;

	if (port == WORLD_TICK)
		return N_PORT_IDX - 1;
	vm = world_vm_at_port(world, port);
	return vm ? (int)(vm - world->vm) + 1 : 0;
}

/* ARP, IPv4, IPv6 or other; for the uplink, NVGRE counts as IPv4. */
static int
frame_class(const uint8_t *f, size_t len)
{
	size_t o = len >= 18 && f[12] == 0x81 && f[13] == 0 ? 16 : 12;
	unsigned t = len >= o + 2 ? (unsigned)f[o] << 8 | f[o + 1] : 0;

	return t == 0x0806 ? 0 : t == 0x0800 ? 1 : t == 0x86dd ? 2 : 3;
}

static void
count(int in, int out, int cls)
{
	extra_counters[(in * (N_PORT_IDX + 1) + out) * N_CLASS + cls]++;
}
static const uint8_t *cur_frame;
static size_t cur_len;

/* FUZZ_PIPELINE_VERBOSE: the drop counters before the current frame. */
static int verbose = -1;
static uint64_t drops_before[DROP_MAX];

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

/* One line about a frame: "vlan 100 arp 192.168.3.10 > 192.168.3.40",
 * "ipv4 10.0.1.11 > 10.0.1.21 proto 17", and for a tunnel the outer
 * addresses, the VSID and the inner frame. */
static void
describe(const uint8_t *f, size_t len, int depth)
{
	char a[IP_ADDR_STRLEN], b[IP_ADDR_STRLEN];
	struct pkt_info pi;
	int err = pkt_parse(f, len, &pi);

	if (err < 0) {
		printf("unparsable (%s)", pkt_err_name(err));
		return;
	}
	if (pi.has_vlan)
		printf("vlan %u ", pi.vlan_tci & 0x0fff);
	if (pi.ethertype == 0x0806) {
		printf("arp %s %s > %s", pi.arp_op == 1 ? "request" : "reply",
		       ip_fmt(&pi.arp_spa, a), ip_fmt(&pi.arp_tpa, b));
		return;
	}
	if (!pi.is_ip) {
		printf("ethertype 0x%04x", pi.ethertype);
		return;
	}
	printf("%s %s > %s proto %u", pi.is_ipv6 ? "ipv6" : "ipv4",
	       ip_fmt(&pi.ip_src, a), ip_fmt(&pi.ip_dst, b), pi.l4_proto);
	if (pi.l4_ofs && (pi.l4_proto == 1 || pi.l4_proto == 58))
		printf(" type %u", pi.icmp_type);
	if (depth == 0 && pi.l4_ofs && pi.l4_proto == 47 && pi.gre_has_key) {
		printf(" nvgre vsid %u: ", pi.gre_key >> 8);
		describe(f + pi.inner_ofs, pi.ip_end - pi.inner_ofs, 1);
	} else if (depth == 0 && pi.l4_ofs && pi.l4_proto == 17 &&
	           pi.dport == 4789 && pi.l4_ofs + 16u <= pi.ip_end) {
		const uint8_t *v = f + pi.l4_ofs + 8;

		printf(" vxlan vni %u: ", v[4] << 16 | v[5] << 8 | v[6]);
		describe(v + 8, pi.ip_end - pi.l4_ofs - 16u, 1);
	}
}

static void
show_output(int port, const uint8_t *f, size_t len)
{
	printf("  -> %s, %zu bytes: ", port_name(port), len);
	describe(f, len, 0);
	printf("\n");
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

/*
 * The decision cache (pipeline/fast.c) changes no outcome: each input
 * runs on a fresh pipeline with the cache, then on a fresh one without
 * it, and both must send the same frames, in the same order, to the
 * same ports, and count the same drops and events (but the cache's
 * own).  Outputs of the run are kept here.
 */
struct sent {
	int port;
	size_t len;
	uint8_t *f;
};
static struct sent *sent;
static size_t n_sent, cap_sent;

static void
keep(int port, const uint8_t *f, size_t len)
{
	if (n_sent == cap_sent) {
		cap_sent = cap_sent ? cap_sent * 2 : 64;
		sent = realloc(sent, cap_sent * sizeof(*sent));
		if (!sent)
			abort();
	}
	sent[n_sent].port = port;
	sent[n_sent].len = len;
	sent[n_sent].f = malloc(len ? len : 1);
	if (!sent[n_sent].f)
		abort();
	memcpy(sent[n_sent].f, f, len);
	n_sent++;
}

static void
forget_sent(void)
{
	for (size_t i = 0; i < n_sent; i++)
		free(sent[i].f);
	n_sent = 0;
}

static void
check(struct world *w, int port, const uint8_t *f, size_t len, void *aux)
{
	const char *why = oracle_check(w, &cur, port, f, len);

	(void)aux;
	keep(port, f, len);
	if (verbose > 0 && (cur_frame || cur.kind == ORACLE_TICK))
		show_output(port, f, len);
	if (cur_frame || cur.kind == ORACLE_TICK)
		count(cur.kind == ORACLE_TICK ? port_idx(WORLD_TICK)
		                              : port_idx(cur_port),
		      port_idx(port), frame_class(f, len));
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

/* FUZZ_PIPELINE_VERBOSE: the drops since the last call. */
static void
show_drops(const struct world *w)
{
	const uint64_t *d = pipeline_drops(w->pl);

	for (int i = 0; i < DROP_MAX; i++)
		if (d[i] > drops_before[i])
			printf("  drop %s x%llu\n",
			       drop_name((enum drop_reason)i),
			       (unsigned long long)(d[i] - drops_before[i]));
	memcpy(drops_before, d, sizeof(drops_before));
}

static void
input(struct world *w, int index, int port, const uint8_t *f, size_t len,
      void *aux)
{
	(void)aux;
	if (verbose && port != WORLD_SETUP) {
		if (index == 0 && port != WORLD_TICK)
			memcpy(drops_before, pipeline_drops(w->pl),
			       sizeof(drops_before));
		show_drops(w);
		if (port == WORLD_TICK)
			printf("tick\n");
		else
			printf("frame #%d on %s, %zu bytes\n", index,
			       port_name(port), len);
	}
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
	count(port_idx(port), N_PORT_IDX, frame_class(f, len));
	oracle_input(w, port, f, len, &cur);
}

/* FUZZ_PIPELINE_SAME=0: no run without the cache (and no fresh pipeline
 * for every input: several times faster). */
static int compare = -1;
static size_t n_again;
static bool again_differs;

static void
again_input(struct world *w, int index, int port, const uint8_t *f, size_t len,
            void *aux)
{
	(void)w, (void)index, (void)port, (void)f, (void)len, (void)aux;
}

static void
again_output(struct world *w, int port, const uint8_t *f, size_t len, void *aux)
{
	(void)w, (void)aux;
	if (n_again >= n_sent || sent[n_again].port != port ||
	    sent[n_again].len != len || memcmp(sent[n_again].f, f, len)) {
		if (!again_differs) {
			fprintf(stderr,
			        "fuzz-pipeline: without the decision cache, "
			        "output #%zu differs: on %s\n",
			        n_again, port_name(port));
			hexdump("without", f, len);
			if (n_again < n_sent)
				hexdump("with", sent[n_again].f,
				        sent[n_again].len);
		}
		again_differs = true;
	}
	n_again++;
}

static void
same_without_cache(const uint8_t *data, size_t size)
{
	static const struct world_hooks again = {again_input, again_output};
	uint64_t drops[DROP_MAX], events[PLEV_MAX];

	memcpy(drops, pipeline_drops(world->pl), sizeof(drops));
	memcpy(events, pipeline_events(world->pl), sizeof(events));
	events[PLEV_FAST_HIT] = events[PLEV_FAST_INSTALLED] = 0;
	world->dirty = true;
	world->no_fast_path = true;
	n_again = 0;
	again_differs = false;
	world_run(world, data, size, &again, NULL);
	world->no_fast_path = false;
	world->dirty = true;
	if (n_again != n_sent && !again_differs)
		fprintf(stderr,
		        "fuzz-pipeline: %zu frames out with the decision "
		        "cache, %zu without\n",
		        n_sent, n_again);
	for (int i = 0; i < DROP_MAX; i++)
		if (drops[i] != pipeline_drops(world->pl)[i]) {
			fprintf(
			    stderr,
			    "fuzz-pipeline: drop %s: %llu with the "
			    "decision cache, %llu without\n",
			    drop_name((enum drop_reason)i),
			    (unsigned long long)drops[i],
			    (unsigned long long)pipeline_drops(world->pl)[i]);
			again_differs = true;
		}
	for (int i = 0; i < PLEV_MAX; i++)
		if (events[i] != pipeline_events(world->pl)[i]) {
			fprintf(
			    stderr,
			    "fuzz-pipeline: event %s: %llu with the "
			    "decision cache, %llu without\n",
			    event_name((enum pl_event)i),
			    (unsigned long long)events[i],
			    (unsigned long long)pipeline_events(world->pl)[i]);
			again_differs = true;
		}
	if (again_differs || n_again != n_sent)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct world_hooks hooks = {input, check};

	if (verbose < 0) {
		const char *v = getenv("FUZZ_PIPELINE_VERBOSE");

		verbose = v && strcmp(v, "0") != 0;
	}
	if (compare < 0) {
		const char *v = getenv("FUZZ_PIPELINE_SAME");

		compare = !v || strcmp(v, "0") != 0;
	}
	if (!world)
		world = world_create();
	forget_sent();
	if (compare)
		world->dirty = true; /* fresh, as the run without the cache */
	world_run(world, data, size, &hooks, NULL);
	if (verbose) {
		show_drops(world);
		fflush(stdout);
	}
	if (compare)
		same_without_cache(data, size);
	return 0;
}
