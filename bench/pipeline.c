/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipeline: the data plane alone (pipeline/ over policy/ and pkt/), with
 * no kernel, no syscalls and no frame copies on the measured path: how
 * many nanoseconds and instructions a packet costs on one core.
 *
 *   bench port "vm" --rx--> pipeline_poll() --tx--> bench port "uplink"
 *   (frames to random          VM ingress, L2,       (counts; checks
 *    lookup records)           encap NVGRE           them while warming)
 *
 * Cases:
 *  - encap: a frame a VM sends to the CA and MAC of a lookup record on
 *    another host, in its own VSID (flow F3): ingress checks, the lookup
 *    of the destination record by MAC, the local PA, the next hop
 *    (neighbour table), the flow hash, the NVGRE header, out the uplink;
 *  - decap: NVGRE from the PA of a random record's host, for the local
 *    VM: outer parse, the local PA, inner parse, the VSID ACL, the
 *    lookup of the source record by CA (does the outer source PA own
 *    the inner source?), out the VM port.
 * World: one VSID (5001, 10.0.0.0/12 on-link) holding the local VM
 * (10.15.255.254, its own record) and N lookup records of remote VMs
 * (10.0.0.2 + i, MAC 02:b0:00 + i), spread over min(N, 1000) remote
 * hosts (PAs 172.16.1.0 + h, on-link of the local PA 172.16.0.1/16, all
 * resolved before measuring).  One VSID so that one VM reaches all N by
 * switching; the lookups are hashes keyed by (VSID, CA) and (VSID, MAC),
 * whose cost depends on how many records they hold, not on how they
 * are spread over VSIDs.  Every packet goes to (or comes from) a record
 * drawn uniformly at random (xorshift, fixed seed): at 1M records the
 * records touched are not in any cache.
 *
 * Frame sizes: the VM's Ethernet frame without FCS, 64 or 1500 bytes
 * (decap input is 42 bytes more); the uplink MTU is 9000 so that none is
 * fragmented.
 *
 * The bench port (not io/mem.c) hands out frames without a syscall and
 * without copying them: rx writes only the headers (42 bytes for encap,
 * 84 for decap: what the pipeline reads; the payload is whatever the pool
 * buffer held, which nothing reads) of a frame to a random record, and
 * tx counts.  That is the cost of a zero-copy backend; its own share is
 * measured alone ("port alone") and is included in the figures.  The
 * io/mem.c column runs the same frames through the in-memory backend,
 * which copies each frame in and out (and reads an eventfd once per
 * batch): timed over pipeline_poll() only, injection and draining
 * outside the clock.
 *
 * Timing: pipeline_poll(port, 256) as the agent calls it, repeated for
 * --packets packets after a warm-up, --runs times; the median of the
 * thread's CPU time (CLOCK_THREAD_CPUTIME_ID: on a shared machine, time
 * spent waiting for a CPU does not count; caches others spoil do).
 * Every run must end with no drop and every packet out, else the
 * program fails (it would be measuring drops).
 * --callgrind runs each records count again under valgrind's callgrind
 * (one child process each, instrumented only from the warm-up on,
 * collecting only inside the measured loops) and prints instructions
 * per packet: repeatable where wall time is not.  --callgrind-dir keeps
 * the dumps, one file per case, for callgrind_annotate.
 *
 * Where the time at scale goes, per records count: the lookup alone
 * (the record each packet needs, by MAC for encap and by CA for decap,
 * prefetched a batch at a time as pipeline.c does, nothing else) and the
 * memory floor (one 64-byte line per packet drawn uniformly from a
 * buffer as big as the heap the records took, a batch's lines prefetched
 * before any is read: what any index that reads one line of the record
 * costs at least).  Same clock, median of --runs.
 *
 * Output: a table, the lookup and floor table, then one "metric NAME
 * VALUE" line per figure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io/io.h"
#include "lib/util.h"
#include "pipeline/pipeline.h"
#include "pkt/build.h"
#include "pkt/csum.h"
#include "pkt/parse.h"
#include "policy/policy.h"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#endif
#endif
#ifndef HAVE_CALLGRIND
#define HAVE_CALLGRIND 0
#define RUNNING_ON_VALGRIND 0
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_TOGGLE_COLLECT
#define CALLGRIND_DUMP_STATS_AT(s) ((void)(s))
#endif

extern char **environ;

#define BUDGET 256 /* frames per pipeline_poll(), as the agent */
#define VSID 5001
#define RDID "{b0b0b0b0-0000-0000-0000-000000005001}"
#define HOSTS_MAX 1000
#define VM_CA 0x0a0ffffeu   /* 10.15.255.254 */
#define REC_CA0 0x0a000002u /* 10.0.0.2: record 0 */
#define LOCAL_PA 0xac100001u
#define HOST_PA0 0xac100100u /* 172.16.1.0: host 0 */
#define OUTER_LEN 42         /* NVGRE over IPv4, untagged */
#define HDR_LEN 42           /* Ethernet + IPv4 + UDP */
#define MAX_FRAME 9000
#define MAX_RECORDS 1000000u /* the CAs fit in the /12 */

enum dir { DIR_ENCAP, DIR_DECAP, DIR_MAX };
static const char *const dir_names[DIR_MAX] = {"encap", "decap"};

static const struct eth_addr vm_mac = {{0x02, 0xa0, 0, 0, 0, 0x01}};
static const struct eth_addr pa_mac = {{0x02, 0, 0, 0, 0, 0x01}};
static const struct eth_addr uplink_mac = {{0x02, 0, 0, 0, 0, 0x02}};

static struct eth_addr
rec_mac(uint32_t i)
{
	return (struct eth_addr){
	    {0x02, 0xb0, 0, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i}};
}

static struct eth_addr
host_mac(uint32_t h)
{
	return (struct eth_addr){
	    {0x02, 0xc0, 0, 0, (uint8_t)(h >> 8), (uint8_t)h}};
}

static struct in6_addr
v4(uint32_t host_order)
{
	struct in6_addr a;

	ip_set_v4(&a, htonl(host_order));
	return a;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* Frames to or from random records.  The template holds every header
 * byte that does not depend on the record; frame() patches the rest. */
#define RING 4096 /* records drawn, for tx to check (>= BUDGET) */
struct gen {
	enum dir dir;
	uint32_t n_recs, n_hosts;
	uint32_t size; /* the VM's frame */
	uint32_t len;  /* what rx hands out: size, or size + 42 */
	uint32_t hdr;  /* header bytes written per frame */
	uint8_t tmpl[OUTER_LEN + HDR_LEN];
	uint32_t sum_outer, sum_inner; /* IPv4 header sums without the
	                                  per-record address */
	uint64_t rng;
	bool record; /* note each record drawn in ring[] */
	uint32_t ring[RING];
	uint64_t rx_seq, tx_seq;
	uint64_t bad; /* frames tx found wrong */
};

static uint64_t
xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* Ethernet + IPv4 (DF, TTL 64, no checksum yet) of 'ip_len' bytes. */
static void
tmpl_eth_ip(uint8_t *p, const struct eth_addr *dst, const struct eth_addr *src,
            uint32_t ip_len, uint8_t proto, uint32_t saddr, uint32_t daddr)
{
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	put16(p + 12, 0x0800);
	p += 14;
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)ip_len);
	put16(p + 6, 0x4000);
	p[8] = 64;
	p[9] = proto;
	put32(p + 12, saddr);
	put32(p + 16, daddr);
}

static void
tmpl_udp(uint8_t *p, uint32_t udp_len)
{
	put16(p, 40000);
	put16(p + 2, 5001);
	put16(p + 4, (uint16_t)udp_len);
	put16(p + 6, 0);
}

/* The 16-bit one's complement sum of an IPv4 header (checksum zero). */
static uint32_t
ip_sum(const uint8_t *ip)
{
	uint32_t s = 0;

	for (int i = 0; i < 20; i += 2)
		s += (uint32_t)ip[i] << 8 | ip[i + 1];
	return s;
}

static uint16_t
fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void
gen_init(struct gen *g, enum dir dir, uint32_t n_recs, uint32_t n_hosts,
         uint32_t size, uint64_t seed)
{
	uint8_t *in;

	memset(g, 0, sizeof(*g));
	g->dir = dir;
	g->n_recs = n_recs;
	g->n_hosts = n_hosts;
	g->size = size;
	g->rng = seed | 1;
	if (dir == DIR_ENCAP) {
		/* VM -> record: destination MAC and CA vary. */
		g->len = size;
		g->hdr = HDR_LEN;
		in = g->tmpl;
		tmpl_eth_ip(in, &(struct eth_addr){{0}}, &vm_mac, size - 14, 17,
		            VM_CA, 0);
		tmpl_udp(in + 34, size - 34);
		g->sum_inner = ip_sum(in + 14);
		return;
	}
	/* record -> VM through its host's PA: outer source MAC and PA,
	 * FlowID, inner source MAC and CA vary. */
	g->len = size + OUTER_LEN;
	g->hdr = OUTER_LEN + HDR_LEN;
	tmpl_eth_ip(g->tmpl, &pa_mac, &(struct eth_addr){{0}}, 20 + 8 + size,
	            47, 0, LOCAL_PA);
	put16(g->tmpl + 34, 0x2000);
	put16(g->tmpl + 36, 0x6558);
	put32(g->tmpl + 38, (uint32_t)VSID << 8);
	g->sum_outer = ip_sum(g->tmpl + 14);
	in = g->tmpl + OUTER_LEN;
	tmpl_eth_ip(in, &vm_mac, &(struct eth_addr){{0}}, size - 14, 17, 0,
	            VM_CA);
	tmpl_udp(in + 34, size - 34);
	g->sum_inner = ip_sum(in + 14);
}

/* Writes the headers of a frame to (or from) record 'i' into 'b'. */
static inline void
gen_frame_for(struct gen *g, struct pbuf *b, uint32_t i)
{
	uint32_t ca = REC_CA0 + i, h = i % g->n_hosts;
	struct eth_addr m = rec_mac(i);
	uint8_t *p = b->data, *in;

	memcpy(p, g->tmpl, g->hdr);
	b->len = g->len;
	if (g->record)
		g->ring[g->rx_seq++ % RING] = i;
	if (g->dir == DIR_ENCAP) {
		memcpy(p, &m, 6);
		put32(p + 30, ca);
		put16(p + 24, fold(g->sum_inner + (ca >> 16) + (ca & 0xffff)));
		return;
	}
	{
		struct eth_addr hm = host_mac(h);
		uint32_t pa = HOST_PA0 + h;

		memcpy(p + 6, &hm, 6);
		put32(p + 26, pa);
		put16(p + 24, fold(g->sum_outer + (pa >> 16) + (pa & 0xffff)));
		p[41] = (uint8_t)i; /* FlowID */
	}
	in = p + OUTER_LEN;
	memcpy(in + 6, &m, 6);
	put32(in + 26, ca);
	put16(in + 24, fold(g->sum_inner + (ca >> 16) + (ca & 0xffff)));
}

/* The next frame, to (or from) a record drawn at random. */
static inline void
gen_frame(struct gen *g, struct pbuf *b)
{
	gen_frame_for(g, b,
	              (uint32_t)((xorshift(&g->rng) >> 32) * g->n_recs >> 32));
}

static bool
mac_is(const struct eth_addr *a, struct eth_addr b)
{
	return eth_equal(a, &b);
}

static bool
ip_is(const struct in6_addr *a, uint32_t host_order)
{
	return ip_is_v4(a) && ip_get_v4(a) == htonl(host_order);
}

/* Is the frame tx got the one the pipeline should make of the next frame
 * rx handed out? */
static bool
gen_check(struct gen *g, const uint8_t *f, uint32_t len)
{
	uint32_t i = g->ring[g->tx_seq++ % RING], h = i % g->n_hosts;
	struct pkt_info o, in;

	if (g->dir == DIR_DECAP)
		return len == g->size && pkt_parse(f, len, &in) == 0 &&
		       mac_is(&in.eth_dst, vm_mac) &&
		       mac_is(&in.eth_src, rec_mac(i)) &&
		       ip_is(&in.ip_src, REC_CA0 + i) &&
		       ip_is(&in.ip_dst, VM_CA);
	return len == g->size + OUTER_LEN && pkt_parse(f, len, &o) == 0 &&
	       o.l4_proto == 47 && o.gre_key >> 8 == VSID &&
	       mac_is(&o.eth_dst, host_mac(h)) && ip_is(&o.ip_src, LOCAL_PA) &&
	       ip_is(&o.ip_dst, HOST_PA0 + h) &&
	       pkt_parse(f + o.inner_ofs, len - o.inner_ofs, &in) == 0 &&
	       mac_is(&in.eth_dst, rec_mac(i)) &&
	       ip_is(&in.ip_dst, REC_CA0 + i) && in.ttl == 64;
}

/*
 * The bench port: an io_class of its own (io/io.h), so that nothing on
 * the measured path copies a frame or makes a syscall.  rx hands out
 * the setup frames queued with bport_queue() (copied: ARP replies and
 * the like, before measuring), then generated ones; tx counts, and
 * checks each frame while 'check' is set.
 */
#define SETUP_MAX 256
#define SETUP_LEN 128
struct bport {
	struct io_port up; /* first */
	uint8_t setup[SETUP_MAX][SETUP_LEN];
	uint32_t setup_len[SETUP_MAX];
	int setup_head, setup_n;
	struct gen *gen;
	struct gen *check;
};

static int
bport_rx(struct io_port *p, struct pbuf **bufs, int n)
{
	struct bport *bp = (struct bport *)p;
	int got = 0;

	while (got < n && bp->setup_head < bp->setup_n) {
		struct pbuf *b = bufs[got++];

		b->len = bp->setup_len[bp->setup_head];
		memcpy(b->data, bp->setup[bp->setup_head++], b->len);
	}
	if (bp->setup_head == bp->setup_n)
		bp->setup_head = bp->setup_n = 0;
	if (bp->gen)
		for (; got < n; got++)
			gen_frame(bp->gen, bufs[got]);
	p->stats.rx_packets += (uint64_t)got;
	return got;
}

static int
bport_tx(struct io_port *p, struct pbuf **bufs, int n)
{
	struct bport *bp = (struct bport *)p;

	if (bp->check)
		for (int i = 0; i < n; i++)
			if (!gen_check(bp->check, bufs[i]->data, bufs[i]->len))
				bp->check->bad++;
	p->stats.tx_packets += (uint64_t)n;
	return n;
}

static void
bport_destroy(struct io_port *p)
{
	free(p);
}

static const struct io_class bport_class = {
    .name = "bench",
    .rx = bport_rx,
    .tx = bport_tx,
    .flush = NULL,
    .destroy = bport_destroy,
};

static struct bport *
bport_create(const char *name)
{
	struct bport *bp = xcalloc(1, sizeof(*bp));

	bp->up.cls = &bport_class;
	bp->up.fd = -1;
	strlcpy_(bp->up.name, name, sizeof(bp->up.name));
	return bp;
}

static void
bport_queue(struct bport *bp, const uint8_t *f, size_t len)
{
	if (bp->setup_n == SETUP_MAX || len > SETUP_LEN) {
		fprintf(stderr, "pipeline: setup queue overflow\n");
		exit(1);
	}
	memcpy(bp->setup[bp->setup_n], f, len);
	bp->setup_len[bp->setup_n++] = (uint32_t)len;
}

/* The host: policy, pipeline, ports. */
struct world {
	uint32_t n_recs, n_hosts;
	size_t rec_bytes; /* the heap the records and their index took */
	struct policy *pol;
	struct pipeline *pl;
	struct bport *up, *vm;
	struct vm_adapter *vma;
	int vm_port;
};

static void
check_ok(int err, const struct pmsg *msg, const char *what)
{
	if (err) {
		fprintf(stderr, "pipeline: %s: %s (%s)\n", what, msg->err,
		        strerror(-err));
		exit(1);
	}
}

static void
add_record(struct policy *pol, uint32_t ca, const struct eth_addr *mac,
           uint32_t pa)
{
	struct lookup_record r = {0};
	struct pmsg msg = {0};

	r.ca = v4(ca);
	r.vsid = VSID;
	r.mac = *mac;
	r.pa = v4(pa);
	r.rule = LR_RULE_ENCAP;
	r.type = LR_TYPE_STATIC;
	check_ok(policy_lr_add(pol, &r, &msg), &msg, "lookup record");
}

static void
count_resolved(const struct neigh_info *ni, void *aux)
{
	if (ni->resolved)
		(*(uint32_t *)aux)++;
}

static uint64_t
drops_total(const struct pipeline *pl)
{
	const uint64_t *d = pipeline_drops(pl);
	uint64_t n = 0;

	for (int r = 0; r < DROP_MAX; r++)
		n += d[r];
	return n;
}

static void
print_drops(const struct pipeline *pl)
{
	const uint64_t *d = pipeline_drops(pl);

	for (int r = 0; r < DROP_MAX; r++)
		if (d[r])
			fprintf(stderr, "  drop %s: %" PRIu64 "\n",
			        drop_name((enum drop_reason)r), d[r]);
}

/* Resolves every remote host's PA: a frame to a record of each host
 * makes the pipeline ARP for it, and the host's reply comes back on the
 * uplink; 128 hosts at a time, so that the packets waiting for their
 * next hop never drain the buffer pool. */
static void
world_resolve(struct world *w)
{
	struct in6_addr local = v4(LOCAL_PA);
	uint32_t resolved = 0;
	struct gen g;
	struct pbuf *b = xcalloc(1, sizeof(*b));
	uint8_t f[128];

	gen_init(&g, DIR_ENCAP, w->n_recs, w->n_hosts, 64, 1);
	for (uint32_t h0 = 0; h0 < w->n_hosts; h0 += 128) {
		uint32_t h1 = MIN(h0 + 128, w->n_hosts);

		for (uint32_t h = h0; h < h1; h++) {
			pbuf_reset(b);
			gen_frame_for(&g, b, h); /* record h is on host h */
			bport_queue(w->vm, b->data, b->len);
		}
		pipeline_poll(w->pl, w->vm_port, SETUP_MAX);
		for (uint32_t h = h0; h < h1; h++) {
			struct eth_addr hm = host_mac(h);
			struct in6_addr pa = v4(HOST_PA0 + h);
			size_t n = build_arp(f, sizeof(f), &pa_mac, &hm, 0, 2,
			                     &hm, &pa, &pa_mac, &local);

			bport_queue(w->up, f, n);
		}
		pipeline_poll(w->pl, PIPELINE_UPLINK, SETUP_MAX);
	}
	free(b);
	pipeline_neigh_foreach(w->pl, count_resolved, &resolved);
	if (resolved != w->n_hosts) {
		fprintf(stderr, "pipeline: %u of %u next hops resolved\n",
		        resolved, w->n_hosts);
		exit(1);
	}
	pipeline_clear_stats(w->pl);
}

/* Bytes in use on the heap, the big blocks malloc maps included. */
static size_t
heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static struct world *
world_create(uint32_t n_recs, bool no_fast_path)
{
	struct world *w = xcalloc(1, sizeof(*w));
	struct pipeline_config cfg = {.encap = PIPELINE_ENCAP_NVGRE,
	                              .uplink_mac = uplink_mac,
	                              .uplink_mtu = MAX_FRAME,
	                              .no_fast_path = no_fast_path};
	struct provider_address pa = {0};
	struct customer_route cr = {0};
	struct vm_adapter v = {0};
	struct vswitch sw = {0};
	struct pmsg msg = {0};
	size_t heap0;

	w->n_recs = n_recs;
	w->n_hosts = MIN(n_recs, HOSTS_MAX);
	w->pol = policy_create();
	w->pl = pipeline_create(w->pol, &cfg);
	pa.pa = v4(LOCAL_PA);
	pa.plen = 16;
	pa.mac = pa_mac;
	check_ok(policy_pa_add(w->pol, &pa, &msg), &msg, "provider address");
	strcpy(sw.name, "sw");
	strcpy(sw.netadapter, "eth0");
	check_ok(policy_sw_add(w->pol, &sw, &msg), &msg, "switch");
	guid_parse(RDID, &cr.rdid);
	cr.vsid = VSID;
	cr.prefix = v4(0x0a000000);
	cr.plen = 12;
	cr.nexthop = v4(0);
	check_ok(policy_cr_add(w->pol, &cr, &msg), &msg, "customer route");
	heap0 = heap_bytes();
	policy_lr_reserve(w->pol, (size_t)n_recs + 1);
	add_record(w->pol, VM_CA, &vm_mac, LOCAL_PA);
	for (uint32_t i = 0; i < n_recs; i++) {
		struct eth_addr m = rec_mac(i);

		add_record(w->pol, REC_CA0 + i, &m, HOST_PA0 + i % w->n_hosts);
	}
	w->rec_bytes = heap_bytes() - heap0;
	strcpy(v.vm, "vm");
	strcpy(v.name, "eth0");
	strcpy(v.sw, "sw");
	v.mac = vm_mac;
	v.vsid = VSID;
	check_ok(policy_vma_add(w->pol, &v, &msg), &msg, "VM adapter");
	w->vma = policy_vma_find(w->pol, "vm", "eth0");
	w->up = bport_create("uplink");
	w->vm = bport_create("vm");
	pipeline_set_uplink(w->pl, &w->up->up);
	w->vm_port = pipeline_add_port(w->pl, &w->vm->up, w->vma);
	w->vma->port = w->vm_port;
	world_resolve(w);
	return w;
}

static void
world_destroy(struct world *w)
{
	pipeline_destroy(w->pl);
	io_destroy(&w->up->up);
	io_destroy(&w->vm->up);
	policy_destroy(w->pol);
	free(w);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* This thread's CPU time: what the figures are taken in, so that time
 * spent waiting for a CPU of a shared machine does not count. */
static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The measured loops; not inlined, so that callgrind can be told where
 * they are, and a profile shows them. */
static __attribute__((noinline)) uint64_t
measure_pipeline(struct pipeline *pl, int port, uint64_t packets)
{
	uint64_t done = 0;

	while (done < packets) {
		int got = pipeline_poll(pl, port, BUDGET);

		if (got <= 0)
			break;
		done += (uint64_t)got;
	}
	return done;
}

/* The port alone: what measure_pipeline() spends outside the pipeline
 * (rx generating, tx counting, and the pool's pbuf_reset). */
static __attribute__((noinline)) uint64_t
measure_port(struct bport *in, struct bport *out, struct pbuf **bufs,
             uint64_t packets)
{
	uint64_t done = 0;

	while (done < packets) {
		for (int i = 0; i < PIPELINE_BATCH; i++)
			pbuf_reset(bufs[i]);
		done += (uint64_t)io_rx(&in->up, bufs, PIPELINE_BATCH);
		io_tx(&out->up, bufs, PIPELINE_BATCH);
	}
	return done;
}

/* The lookup alone: the record each packet needs, drawn as the frames'
 * are, looked up as the pipeline does at scale (pipeline.c
 * prefetch_batch: a batch's buckets, then their nodes, then the next
 * ones, then the lookups), by MAC for encap and by CA for decap.
 * Returns the number of records not found (0, or the bench is wrong). */
static __attribute__((noinline)) uint64_t
measure_lookup(const struct policy *pol, enum dir d, uint32_t n_recs,
               uint64_t packets, uint64_t *rng)
{
	struct eth_addr mac[PIPELINE_BATCH];
	struct in6_addr ca[PIPELINE_BATCH];
	uint64_t missed = 0;

	for (uint64_t done = 0; done < packets; done += PIPELINE_BATCH) {
		for (int i = 0; i < PIPELINE_BATCH; i++) {
			uint32_t r = (uint32_t)(xorshift(rng) % n_recs);

			mac[i] = rec_mac(r);
			ca[i] = v4(REC_CA0 + r);
		}
		for (int step = 0; step < 3; step++)
			for (int i = 0; i < PIPELINE_BATCH; i++) {
				if (d == DIR_ENCAP)
					policy_lr_prefetch_mac(pol, VSID,
					                       &mac[i], step);
				else
					policy_lr_prefetch_ca(pol, VSID, &ca[i],
					                      step);
			}
		for (int i = 0; i < PIPELINE_BATCH; i++)
			missed +=
			    (d == DIR_ENCAP
			         ? policy_lr_by_mac(pol, VSID, &mac[i])
			         : policy_lr_by_ca(pol, VSID, &ca[i])) == NULL;
	}
	return missed;
}

/* The memory floor: one 64-byte line per packet, drawn uniformly from
 * 'lines' of them, a batch's lines prefetched before any is read.  Any
 * lookup that reads at least one line of the record a packet needs costs
 * at least this much, whatever its index looks like. */
static __attribute__((noinline)) uint64_t
measure_floor(const uint8_t *buf, size_t lines, uint64_t packets, uint64_t *rng)
{
	size_t at[PIPELINE_BATCH];
	uint64_t sum = 0;

	for (uint64_t done = 0; done < packets; done += PIPELINE_BATCH) {
		for (int i = 0; i < PIPELINE_BATCH; i++) {
			at[i] = (size_t)(xorshift(rng) % lines) * 64;
			__builtin_prefetch(buf + at[i]);
		}
		for (int i = 0; i < PIPELINE_BATCH; i++)
			sum += buf[at[i]];
	}
	return sum;
}

struct opts {
	uint32_t records[8];
	int n_records;
	uint32_t sizes[4];
	int n_sizes;
	bool dirs[DIR_MAX];
	uint64_t packets;
	int runs;
	bool mem;
	bool callgrind;
	uint64_t cg_packets;
	const char *cg_dir;
	bool cg_child;
	bool markdown;
	bool no_fast_path;
};

/* Figures per case: [records][dir][size] */
struct fig {
	double ns, ns_min, ns_max, mem_ns, instr;
	bool have_instr;
};
static struct fig figs[8][DIR_MAX][4];
/* per records count: the lookup alone (per case), the memory floor */
static double lookup_ns[8][DIR_MAX], floor_ns[8], rec_mb[8];
static double port_ns[DIR_MAX][4], port_instr[DIR_MAX][4];
static bool have_port_instr[DIR_MAX][4];

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
fail_case(const struct world *w, const char *what, const char *dir,
          uint32_t size)
{
	fprintf(stderr, "pipeline: %s %u records %u bytes: %s\n", dir,
	        w->n_recs, size, what);
	print_drops(w->pl);
	exit(1);
}

/* Runs the generator through the pipeline: 'check' checks every frame
 * out; fails unless all went out and none was dropped. */
static void
run_checked(struct world *w, struct gen *g, uint64_t packets, bool check)
{
	int port = g->dir == DIR_ENCAP ? w->vm_port : PIPELINE_UPLINK;
	struct bport *in = g->dir == DIR_ENCAP ? w->vm : w->up;
	struct bport *out = g->dir == DIR_ENCAP ? w->up : w->vm;
	uint64_t tx0 = out->up.stats.tx_packets, done;

	in->gen = g;
	g->record = check;
	g->rx_seq = g->tx_seq = 0;
	out->check = check ? g : NULL;
	done = measure_pipeline(w->pl, port, packets);
	in->gen = NULL;
	out->check = NULL;
	g->record = false;
	if (done != packets || out->up.stats.tx_packets - tx0 != done ||
	    drops_total(w->pl))
		fail_case(w, "not every packet went out", dir_names[g->dir],
		          g->size);
	if (g->bad)
		fail_case(w, "frames out were not what they should be",
		          dir_names[g->dir], g->size);
}

/* The same frames through io/mem.c ports, timed over pipeline_poll()
 * only: ns per packet. */
static double
run_mem(struct world *w, struct gen *g, uint64_t packets)
{
	struct io_port *m_up = io_mem_create("uplink"),
	               *m_vm = io_mem_create("vm");
	struct io_port *in, *out;
	struct pbuf *b = xcalloc(1, sizeof(*b));
	uint8_t *sink = xmalloc(PBUF_FRAME_MAX);
	double t = 0;
	uint64_t done = 0, warm = 4 * BUDGET;
	int port, n;

	pipeline_set_uplink(w->pl, m_up);
	pipeline_remove_port(w->pl, w->vm_port);
	port = pipeline_add_port(w->pl, m_vm, w->vma);
	if (port != w->vm_port)
		fail_case(w, "VM port index changed", "mem", g->size);
	in = g->dir == DIR_ENCAP ? m_vm : m_up;
	out = g->dir == DIR_ENCAP ? m_up : m_vm;
	port = g->dir == DIR_ENCAP ? w->vm_port : PIPELINE_UPLINK;
	while (done < packets + warm) {
		double t0;

		for (int i = 0; i < BUDGET; i++) {
			pbuf_reset(b);
			gen_frame(g, b);
			if (io_mem_inject(in, b->data, b->len))
				fail_case(w, "io_mem_inject", "mem", g->size);
		}
		t0 = cpu_s();
		n = pipeline_poll(w->pl, port, BUDGET);
		if (done >= warm)
			t += cpu_s() - t0;
		if (n != BUDGET)
			fail_case(w, "short poll", "mem", g->size);
		for (int i = 0; i < BUDGET; i++)
			if (io_mem_take(out, sink, PBUF_FRAME_MAX) <= 0)
				fail_case(w, "a frame did not come out", "mem",
				          g->size);
		done += BUDGET;
	}
	if (drops_total(w->pl))
		fail_case(w, "drops", "mem", g->size);
	pipeline_set_uplink(w->pl, &w->up->up);
	pipeline_remove_port(w->pl, w->vm_port);
	pipeline_add_port(w->pl, &w->vm->up, w->vma);
	io_destroy(m_up);
	io_destroy(m_vm);
	free(b);
	free(sink);
	return t * 1e9 / (double)packets;
}

static uint64_t
seed_of(uint32_t n, enum dir d, uint32_t size)
{
	return 0x9e3779b97f4a7c15ull ^ (uint64_t)n << 20 ^ (uint64_t)d << 16 ^
	       size;
}

static void
case_name(char *buf, size_t len, const char *what, enum dir d, uint32_t size)
{
	snprintf(buf, len, "%s-%s-%u", what, dir_names[d], size);
}

/* Wall time for every case of 'w' (records index 'ri'). */
static void
time_world(struct world *w, const struct opts *o, int ri)
{
	struct pbuf **bufs = xcalloc(PIPELINE_BATCH, sizeof(*bufs));

	for (int i = 0; i < PIPELINE_BATCH; i++)
		bufs[i] = xcalloc(1, sizeof(struct pbuf));
	for (int d = 0; d < DIR_MAX; d++) {
		if (!o->dirs[d])
			continue;
		for (int si = 0; si < o->n_sizes; si++) {
			struct fig *f = &figs[ri][d][si];
			double ns[64];
			struct gen g;
			struct bport *in = d == DIR_ENCAP ? w->vm : w->up;
			struct bport *out = d == DIR_ENCAP ? w->up : w->vm;
			int port =
			    d == DIR_ENCAP ? w->vm_port : PIPELINE_UPLINK;

			gen_init(&g, (enum dir)d, w->n_recs, w->n_hosts,
			         o->sizes[si], seed_of(w->n_recs, d, 0));
			/* every frame checked, then a warm-up */
			run_checked(w, &g, 64 * BUDGET, true);
			run_checked(w, &g, o->packets / 4 / BUDGET * BUDGET,
			            false);
			for (int r = 0; r < o->runs; r++) {
				double t0;
				uint64_t done;

				in->gen = &g;
				t0 = cpu_s();
				done =
				    measure_pipeline(w->pl, port, o->packets);
				ns[r] = (cpu_s() - t0) * 1e9 / (double)done;
				in->gen = NULL;
			}
			if (drops_total(w->pl))
				fail_case(w, "drops", dir_names[d],
				          o->sizes[si]);
			qsort(ns, (size_t)o->runs, sizeof(ns[0]), cmp_double);
			f->ns = ns[o->runs / 2];
			f->ns_min = ns[0];
			f->ns_max = ns[o->runs - 1];
			if (o->mem)
				f->mem_ns = run_mem(
				    w, &g, o->packets / 8 / BUDGET * BUDGET);
			if (ri == 0) {
				double t0;

				in->gen = &g;
				t0 = cpu_s();
				measure_port(in, out, bufs, o->packets);
				port_ns[d][si] =
				    (cpu_s() - t0) * 1e9 / (double)o->packets;
				in->gen = NULL;
			}
			fprintf(stderr,
			        "  %s %u records %u bytes: %.1f ns (decision "
			        "cache: %" PRIu64 " hits, %" PRIu64
			        " made, so far)\n",
			        dir_names[d], w->n_recs, o->sizes[si], f->ns,
			        pipeline_events(w->pl)[PLEV_FAST_HIT],
			        pipeline_events(w->pl)[PLEV_FAST_INSTALLED]);
		}
	}
	for (int i = 0; i < PIPELINE_BATCH; i++)
		free(bufs[i]);
	free(bufs);
}

static double
median_of(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	return v[n / 2];
}

/* The lookup alone and the memory floor of one world (the records
 * count 'ri'): where the pipeline's time at scale goes. */
static void
time_parts(struct world *w, const struct opts *o, int ri)
{
	size_t bytes = MAX(w->rec_bytes, (size_t)64 * PIPELINE_BATCH);
	size_t lines = bytes / 64;
	uint8_t *buf;
	double ns[64];

	for (int d = 0; d < DIR_MAX; d++) {
		uint64_t rng = seed_of(w->n_recs, (enum dir)d, 1);

		if (!o->dirs[d])
			continue;
		if (measure_lookup(w->pol, (enum dir)d, w->n_recs,
		                   o->packets / 4, &rng)) {
			fprintf(stderr,
			        "pipeline: %s lookup alone, %u records: "
			        "records not found\n",
			        dir_names[d], w->n_recs);
			exit(1);
		}
		for (int r = 0; r < o->runs; r++) {
			double t0 = cpu_s();

			measure_lookup(w->pol, (enum dir)d, w->n_recs,
			               o->packets, &rng);
			ns[r] = (cpu_s() - t0) * 1e9 / (double)o->packets;
		}
		lookup_ns[ri][d] = median_of(ns, o->runs);
		fprintf(stderr, "  %s lookup alone: %.1f ns\n", dir_names[d],
		        lookup_ns[ri][d]);
	}
	buf = xmalloc(lines * 64);
	memset(buf, 1, lines * 64); /* every page there before timing */
	{
		uint64_t rng = seed_of(w->n_recs, DIR_ENCAP, 2), sum;

		sum = measure_floor(buf, lines, o->packets / 4, &rng);
		for (int r = 0; r < o->runs; r++) {
			double t0 = cpu_s();

			sum += measure_floor(buf, lines, o->packets, &rng);
			ns[r] = (cpu_s() - t0) * 1e9 / (double)o->packets;
		}
		if (sum == 0) { /* every byte is 1; the test keeps the reads */
			fprintf(stderr,
			        "pipeline: memory floor read nothing\n");
			exit(1);
		}
	}
	free(buf);
	floor_ns[ri] = median_of(ns, o->runs);
	rec_mb[ri] = (double)w->rec_bytes / 1e6;
	fprintf(stderr, "  memory floor (%.1f MB): %.1f ns\n", rec_mb[ri],
	        floor_ns[ri]);
}

/* Under callgrind (the child): every case of one world, each measured
 * loop dumped on its own ("pipeline-encap-64", "port-encap-64"). */
static int
callgrind_child(const struct opts *o)
{
	struct pbuf **bufs;
	struct world *w;

	if (!HAVE_CALLGRIND || !RUNNING_ON_VALGRIND) {
		fprintf(stderr, "pipeline: --callgrind-child runs under "
		                "valgrind --tool=callgrind only\n");
		return 1;
	}
	w = world_create(o->records[0], o->no_fast_path);
	bufs = xcalloc(PIPELINE_BATCH, sizeof(*bufs));
	for (int i = 0; i < PIPELINE_BATCH; i++)
		bufs[i] = xcalloc(1, sizeof(struct pbuf));
	CALLGRIND_START_INSTRUMENTATION;
	for (int d = 0; d < DIR_MAX; d++) {
		if (!o->dirs[d])
			continue;
		for (int si = 0; si < o->n_sizes; si++) {
			struct bport *in = d == DIR_ENCAP ? w->vm : w->up;
			struct bport *out = d == DIR_ENCAP ? w->up : w->vm;
			int port =
			    d == DIR_ENCAP ? w->vm_port : PIPELINE_UPLINK;
			char name[64];
			struct gen g;
			uint64_t done;

			gen_init(&g, (enum dir)d, w->n_recs, w->n_hosts,
			         o->sizes[si], seed_of(w->n_recs, d, 0));
			/* the decision cache warm (pipeline/fast.c): each
			 * record drawn a few times, so that the count does
			 * not depend on which case ran first */
			run_checked(w, &g,
			            (16 + 4 * MIN(w->n_recs, 32768u) / BUDGET) *
			                BUDGET,
			            true);
			in->gen = &g;
			CALLGRIND_ZERO_STATS;
			CALLGRIND_TOGGLE_COLLECT;
			done = measure_pipeline(w->pl, port, o->cg_packets);
			CALLGRIND_TOGGLE_COLLECT;
			case_name(name, sizeof(name), "pipeline", (enum dir)d,
			          o->sizes[si]);
			CALLGRIND_DUMP_STATS_AT(name);
			CALLGRIND_TOGGLE_COLLECT;
			measure_port(in, out, bufs, o->cg_packets);
			CALLGRIND_TOGGLE_COLLECT;
			case_name(name, sizeof(name), "port", (enum dir)d,
			          o->sizes[si]);
			CALLGRIND_DUMP_STATS_AT(name);
			in->gen = NULL;
			if (done != o->cg_packets || drops_total(w->pl))
				fail_case(w, "drops under callgrind",
				          dir_names[d], o->sizes[si]);
		}
	}
	CALLGRIND_STOP_INSTRUMENTATION;
	for (int i = 0; i < PIPELINE_BATCH; i++)
		free(bufs[i]);
	free(bufs);
	world_destroy(w);
	return 0;
}

/* Reads the dumps 'base'.1, .2, ... of one child into figs[ri]. */
static int
read_dumps(const char *base, const struct opts *o, int ri)
{
	int found = 0;

	for (int k = 1;; k++) {
		char path[PATH_MAX], line[512], name[128] = "";
		double total = -1;
		FILE *f;

		if (snprintf(path, sizeof(path), "%s.%d", base, k) >=
		    (int)sizeof(path))
			break;
		f = fopen(path, "r");
		if (!f)
			break;
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "desc: Trigger: Client Request: %127s",
			           name) == 1)
				continue;
			if (!strncmp(line, "totals:", 7))
				total = strtod(line + 7, NULL);
		}
		fclose(f);
		for (int d = 0; d < DIR_MAX; d++)
			for (int si = 0; si < o->n_sizes; si++) {
				char want[64];

				case_name(want, sizeof(want), "pipeline",
				          (enum dir)d, o->sizes[si]);
				if (!strcmp(name, want) && total >= 0) {
					figs[ri][d][si].instr =
					    total / (double)o->cg_packets;
					figs[ri][d][si].have_instr = true;
					found++;
				}
				case_name(want, sizeof(want), "port",
				          (enum dir)d, o->sizes[si]);
				if (!strcmp(name, want) && total >= 0) {
					port_instr[d][si] =
					    total / (double)o->cg_packets;
					have_port_instr[d][si] = true;
				}
			}
		if (!o->cg_dir)
			unlink(path);
	}
	return found;
}

/* Runs this program under callgrind for records index 'ri'. */
static int
run_callgrind(const char *self, const struct opts *o, int ri, const char *dir)
{
	char out[PATH_MAX], outarg[PATH_MAX + 32], rec[16], pk[32], sizes[64];
	char cases[32];
	char *argv[32];
	int argc = 0, status;
	pid_t pid;

	if (snprintf(out, sizeof(out), "%s/callgrind.%u", dir,
	             o->records[ri]) >= (int)sizeof(out)) {
		fprintf(stderr, "pipeline: %s: name too long\n", dir);
		return -1;
	}
	snprintf(outarg, sizeof(outarg), "--callgrind-out-file=%s", out);
	snprintf(rec, sizeof(rec), "%u", o->records[ri]);
	snprintf(pk, sizeof(pk), "%" PRIu64, o->cg_packets);
	sizes[0] = '\0';
	for (int si = 0; si < o->n_sizes; si++)
		snprintf(sizes + strlen(sizes), sizeof(sizes) - strlen(sizes),
		         "%s%u", si ? "," : "", o->sizes[si]);
	snprintf(cases, sizeof(cases), "%s%s%s",
	         o->dirs[DIR_ENCAP] ? "encap" : "",
	         o->dirs[DIR_ENCAP] && o->dirs[DIR_DECAP] ? "," : "",
	         o->dirs[DIR_DECAP] ? "decap" : "");
	argv[argc++] = "valgrind";
	argv[argc++] = "--tool=callgrind";
	argv[argc++] = "--quiet";
	argv[argc++] = "--instr-atstart=no";
	argv[argc++] = "--collect-atstart=no";
	argv[argc++] = outarg;
	argv[argc++] = (char *)self;
	argv[argc++] = "--callgrind-child";
	argv[argc++] = "--records";
	argv[argc++] = rec;
	argv[argc++] = "--sizes";
	argv[argc++] = sizes;
	argv[argc++] = "--cases";
	argv[argc++] = cases;
	argv[argc++] = "--cg-packets";
	argv[argc++] = pk;
	if (o->no_fast_path)
		argv[argc++] = "--no-fast-path";
	argv[argc] = NULL;
	fprintf(stderr, "callgrind: %u records...\n", o->records[ri]);
	if (posix_spawnp(&pid, "valgrind", NULL, NULL, argv, environ)) {
		fprintf(stderr, "pipeline: cannot run valgrind\n");
		return -1;
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr, "pipeline: the callgrind run failed\n");
		return -1;
	}
	if (!read_dumps(out, o, ri)) {
		fprintf(stderr, "pipeline: no callgrind dumps in %s\n", dir);
		return -1;
	}
	if (!o->cg_dir)
		unlink(out); /* the dump at exit: nothing collected */
	return 0;
}

/* "1rec", "10k", "1m" */
static const char *
rec_label(uint32_t n, char *buf, size_t len)
{
	if (n >= 1000000 && n % 1000000 == 0)
		snprintf(buf, len, "%um", n / 1000000);
	else if (n >= 1000 && n % 1000 == 0)
		snprintf(buf, len, "%uk", n / 1000);
	else
		snprintf(buf, len, "%urec", n);
	return buf;
}

/* Where the time at scale goes: the lookup alone, the memory floor. */
static void
print_parts(const struct opts *o)
{
	printf("\nthe lookup alone (by MAC for encap, by CA for decap, "
	       "prefetched as the\npipeline does) and the memory floor (one "
	       "random 64-byte line per packet\nin as many bytes as the "
	       "records took, prefetched), ns/packet:\n");
	if (o->markdown)
		printf("\n| records | heap MB | encap lookup | decap lookup | "
		       "memory floor |\n|---:|---:|---:|---:|---:|\n");
	else
		printf("  %8s  %8s  %12s  %12s  %12s\n", "records", "heap MB",
		       "encap lookup", "decap lookup", "memory floor");
	for (int ri = 0; ri < o->n_records; ri++) {
		char e[16] = "-", dd[16] = "-";

		if (o->dirs[DIR_ENCAP])
			snprintf(e, sizeof(e), "%.1f",
			         lookup_ns[ri][DIR_ENCAP]);
		if (o->dirs[DIR_DECAP])
			snprintf(dd, sizeof(dd), "%.1f",
			         lookup_ns[ri][DIR_DECAP]);
		printf(o->markdown ? "| %u | %.1f | %s | %s | %.1f |\n"
		                   : "  %8u  %8.1f  %12s  %12s  %12.1f\n",
		       o->records[ri], rec_mb[ri], e, dd, floor_ns[ri]);
	}
}

static void
print_results(const struct opts *o)
{
	const char *sep = o->markdown ? " | " : "  ";
	char lab[16];

	if (o->markdown)
		printf("| case | records | frame | ns/packet (min-max) | Mpps "
		       "| instructions/packet | with io/mem.c, ns/packet |\n"
		       "|---|---:|---:|---:|---:|---:|---:|\n");
	else
		printf("%-6s%s%8s%s%5s%s%-22s%s%6s%s%12s%s%s\n", "case", sep,
		       "records", sep, "frame", sep, "ns/packet (min-max)", sep,
		       "Mpps", sep, "instr/packet", sep,
		       "with io/mem.c ns/packet");
	for (int d = 0; d < DIR_MAX; d++) {
		if (!o->dirs[d])
			continue;
		for (int ri = 0; ri < o->n_records; ri++)
			for (int si = 0; si < o->n_sizes; si++) {
				const struct fig *f = &figs[ri][d][si];
				char ns[48], instr[24], mem[24];

				snprintf(ns, sizeof(ns), "%.1f (%.1f-%.1f)",
				         f->ns, f->ns_min, f->ns_max);
				snprintf(instr, sizeof(instr), "%.0f",
				         f->instr);
				snprintf(mem, sizeof(mem), "%.1f", f->mem_ns);
				printf("%s%-6s%s%8u%s%5u%s%-22s%s%6.2f%s%12s"
				       "%s%s%s\n",
				       o->markdown ? "| " : "", dir_names[d],
				       sep, o->records[ri], sep, o->sizes[si],
				       sep, ns, sep, 1e3 / f->ns, sep,
				       f->have_instr ? instr : "-", sep,
				       o->mem ? mem : "-",
				       o->markdown ? " |" : "");
			}
	}
	printf("\nport alone (generating the frames, counting them out; "
	       "included above):\n");
	for (int d = 0; d < DIR_MAX; d++)
		for (int si = 0; o->dirs[d] && si < o->n_sizes; si++) {
			printf("  %s %u bytes: %.1f ns/packet", dir_names[d],
			       o->sizes[si], port_ns[d][si]);
			if (have_port_instr[d][si])
				printf(", %.0f instructions/packet",
				       port_instr[d][si]);
			printf("\n");
		}
	print_parts(o);
	printf("\n");
	for (int ri = 0; ri < o->n_records; ri++) {
		rec_label(o->records[ri], lab, sizeof(lab));
		for (int d = 0; d < DIR_MAX; d++)
			if (o->dirs[d])
				printf("metric pipeline_%s_lookup_ns_%s %.1f\n",
				       dir_names[d], lab, lookup_ns[ri][d]);
		printf("metric pipeline_floor_ns_%s %.1f\n", lab, floor_ns[ri]);
		printf("metric pipeline_records_mb_%s %.1f\n", lab, rec_mb[ri]);
	}
	for (int d = 0; d < DIR_MAX; d++) {
		if (!o->dirs[d])
			continue;
		for (int ri = 0; ri < o->n_records; ri++)
			for (int si = 0; si < o->n_sizes; si++) {
				const struct fig *f = &figs[ri][d][si];
				const char *dn = dir_names[d];
				uint32_t sz = o->sizes[si];

				rec_label(o->records[ri], lab, sizeof(lab));
				printf("metric pipeline_%s_ns_%s_%ub %.1f\n",
				       dn, lab, sz, f->ns);
				printf("metric pipeline_%s_mpps_%s_%ub %.2f\n",
				       dn, lab, sz, 1e3 / f->ns);
				if (f->have_instr)
					printf(
					    "metric pipeline_%s_instr_%s_%ub "
					    "%.0f\n",
					    dn, lab, sz, f->instr);
				if (o->mem)
					printf("metric pipeline_%s_memio_ns_%s_"
					       "%ub %.1f\n",
					       dn, lab, sz, f->mem_ns);
			}
		for (int si = 0; si < o->n_sizes; si++) {
			printf("metric pipeline_%s_port_ns_%ub %.1f\n",
			       dir_names[d], o->sizes[si], port_ns[d][si]);
			if (have_port_instr[d][si])
				printf("metric pipeline_%s_port_instr_%ub "
				       "%.0f\n",
				       dir_names[d], o->sizes[si],
				       port_instr[d][si]);
		}
	}
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: pipeline [--records N,N..] [--sizes B,B..] "
	           "[--cases encap,decap]\n"
	           "                [--packets N] [--runs R] [--no-mem] "
	           "[--quick] [--markdown]\n"
	           "                [--no-fast-path] "
	           "(every frame through the stages)\n"
	           "                [--callgrind] [--cg-packets N] "
	           "[--callgrind-dir DIR]\n"
	           "The pipeline alone on one core, no kernel: ns and "
	           "instructions per packet;\n"
	           "then the lookup alone and the memory floor per "
	           "records count.\n"
	           "Defaults: --records 1,10000,1000000 --sizes 64,1500 "
	           "--packets 2097152\n"
	           "--runs 5 --cg-packets 65536.  --quick: records 1,10000, "
	           "fewer packets.\n");
}

static int
parse_list(const char *s, uint32_t *out, int max, uint32_t lo, uint32_t hi)
{
	int n = 0;

	while (*s) {
		char *end;
		unsigned long v = strtoul(s, &end, 10);

		if (end == s || v < lo || v > hi || n == max)
			return -1;
		out[n++] = (uint32_t)v;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -1;
	}
	return n ? n : -1;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->records[0] = 1;
	o->records[1] = 10000;
	o->records[2] = MAX_RECORDS;
	o->n_records = 3;
	o->sizes[0] = 64;
	o->sizes[1] = 1500;
	o->n_sizes = 2;
	o->dirs[DIR_ENCAP] = o->dirs[DIR_DECAP] = true;
	o->packets = 8192 * BUDGET;
	o->runs = 5;
	o->mem = true;
	o->cg_packets = 256 * BUDGET;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--records") && v) {
			o->n_records =
			    parse_list(v, o->records, 8, 1, MAX_RECORDS);
			if (o->n_records < 0)
				return -1;
			i++;
		} else if (!strcmp(a, "--sizes") && v) {
			o->n_sizes = parse_list(v, o->sizes, 4, 60, 8000);
			if (o->n_sizes < 0)
				return -1;
			i++;
		} else if (!strcmp(a, "--cases") && v) {
			o->dirs[DIR_ENCAP] = strstr(v, "encap") != NULL;
			o->dirs[DIR_DECAP] = strstr(v, "decap") != NULL;
			if (!o->dirs[DIR_ENCAP] && !o->dirs[DIR_DECAP])
				return -1;
			i++;
		} else if (!strcmp(a, "--packets") && v) {
			o->packets = strtoull(v, NULL, 10) / BUDGET * BUDGET;
			if (!o->packets)
				return -1;
			i++;
		} else if (!strcmp(a, "--runs") && v) {
			o->runs = atoi(v);
			if (o->runs < 1 || o->runs > 64)
				return -1;
			i++;
		} else if (!strcmp(a, "--cg-packets") && v) {
			o->cg_packets = strtoull(v, NULL, 10) / BUDGET * BUDGET;
			if (!o->cg_packets)
				return -1;
			i++;
		} else if (!strcmp(a, "--callgrind-dir") && v) {
			o->cg_dir = v;
			o->callgrind = true;
			i++;
		} else if (!strcmp(a, "--no-mem")) {
			o->mem = false;
		} else if (!strcmp(a, "--callgrind")) {
			o->callgrind = true;
		} else if (!strcmp(a, "--callgrind-child")) {
			o->cg_child = true;
		} else if (!strcmp(a, "--no-fast-path")) {
			o->no_fast_path = true;
		} else if (!strcmp(a, "--markdown")) {
			o->markdown = true;
		} else if (!strcmp(a, "--quick")) {
			o->records[0] = 1;
			o->records[1] = 10000;
			o->n_records = 2;
			o->packets = 1024 * BUDGET;
			o->runs = 3;
			o->cg_packets = 64 * BUDGET;
		} else {
			return -1;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	char self[PATH_MAX], dir[PATH_MAX];
	struct opts o;
	ssize_t n;

	if (argc > 1 &&
	    (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (parse_args(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	if (o.cg_child)
		return callgrind_child(&o);
	for (int ri = 0; ri < o.n_records; ri++) {
		struct world *w;
		double t0 = now_s();

		fprintf(stderr, "%u lookup records...\n", o.records[ri]);
		w = world_create(o.records[ri], o.no_fast_path);
		fprintf(stderr, "  set up in %.1f s\n", now_s() - t0);
		time_world(w, &o, ri);
		time_parts(w, &o, ri);
		world_destroy(w);
	}
	if (o.callgrind) {
		if (!HAVE_CALLGRIND) {
			fprintf(stderr,
			        "pipeline: built without "
			        "valgrind/callgrind.h: no --callgrind\n");
			return 1;
		}
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n <= 0) {
			fprintf(stderr, "pipeline: /proc/self/exe: %s\n",
			        strerror(errno));
			return 1;
		}
		self[n] = '\0';
		if (o.cg_dir) {
			snprintf(dir, sizeof(dir), "%s", o.cg_dir);
			if (mkdir(dir, 0755) && errno != EEXIST) {
				fprintf(stderr, "pipeline: %s: %s\n", dir,
				        strerror(errno));
				return 1;
			}
		} else {
			snprintf(dir, sizeof(dir), "/tmp/hnv-bench-pl.XXXXXX");
			if (!mkdtemp(dir)) {
				fprintf(stderr, "pipeline: mkdtemp: %s\n",
				        strerror(errno));
				return 1;
			}
		}
		for (int ri = 0; ri < o.n_records; ri++)
			if (run_callgrind(self, &o, ri, dir))
				return 1;
		if (!o.cg_dir)
			rmdir(dir);
	}
	print_results(&o);
	return 0;
}
