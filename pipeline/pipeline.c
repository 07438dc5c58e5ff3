/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipeline: ports, the buffer pool, batching and output queues.  The
 * stages themselves live in vm.c, router.c and uplink.c.
 *
 * A poll receives a batch from one port, runs each packet through the
 * stages (which queue output per port, or drop and count), then flushes
 * every output queue.  Buffers return to the pool after transmission.
 */
#include "pipeline/internal.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cursor.h"
#include "lib/log.h"
#include "pkt/eth.h"

struct pipeline *
pipeline_create(struct policy *pol, const struct pipeline_config *cfg)
{
	struct pipeline *pl = xcalloc(1, sizeof(*pl));

	pl->pol = pol;
	pl->cfg = *cfg;
	if (pl->cfg.uplink_mtu <= 0)
		pl->cfg.uplink_mtu = 1500;
	pl->n_ports = 16;
	pl->ports = xcalloc((size_t)pl->n_ports, sizeof(*pl->ports));
	pl->pool = xcalloc(PL_POOL_SIZE, sizeof(*pl->pool));
	pl->free_bufs = xcalloc(PL_POOL_SIZE, sizeof(*pl->free_bufs));
	for (int i = 0; i < PL_POOL_SIZE; i++)
		pl->free_bufs[pl->n_free++] = &pl->pool[i];
	neigh_init(pl);
	fast_init(pl);
	return pl;
}

void
pipeline_destroy(struct pipeline *pl)
{
	if (!pl)
		return;
	neigh_uninit(pl);
	fast_uninit(pl);
	free(pl->ports);
	free(pl->pool);
	free(pl->free_bufs);
	free(pl);
}

void
pipeline_set_uplink(struct pipeline *pl, struct io_port *io)
{
	struct pl_port *p = &pl->ports[PIPELINE_UPLINK];

	/* Nothing is queued between polls; should it be, it goes back. */
	for (int i = 0; i < p->n_out; i++)
		pl_free(pl, p->out[i]);
	p->n_out = 0;
	fast_flush(pl);
	pl->ports[PIPELINE_UPLINK].used = io != NULL;
	pl->ports[PIPELINE_UPLINK].io = io;
	pl->ports[PIPELINE_UPLINK].vma = NULL;
}

void
pipeline_set_uplink_link(struct pipeline *pl, const struct eth_addr *mac,
                         int mtu)
{
	pl->cfg.uplink_mac = *mac;
	pl->cfg.uplink_mtu = mtu > 0 ? mtu : 1500;
	fast_flush(pl);
}

int
pipeline_add_port(struct pipeline *pl, struct io_port *io,
                  struct vm_adapter *vma)
{
	int i;

	fast_flush(pl);
	for (i = 1; i < pl->n_ports; i++)
		if (!pl->ports[i].used)
			break;
	if (i == pl->n_ports) {
		int n = pl->n_ports * 2;

		pl->ports = xrealloc(pl->ports, (size_t)n * sizeof(*pl->ports));
		memset(pl->ports + pl->n_ports, 0,
		       (size_t)(n - pl->n_ports) * sizeof(*pl->ports));
		pl->n_ports = n;
	}
	memset(&pl->ports[i], 0, sizeof(pl->ports[i]));
	pl->ports[i].used = true;
	pl->ports[i].io = io;
	pl->ports[i].vma = vma;
	return i;
}

void
pipeline_remove_port(struct pipeline *pl, int port)
{
	struct pl_port *p;

	if (port <= 0 || port >= pl->n_ports)
		return;
	fast_flush(pl);
	p = &pl->ports[port];
	for (int i = 0; i < p->n_out; i++)
		pl_free(pl, p->out[i]);
	memset(p, 0, sizeof(*p));
}

struct io_port *
pipeline_port_io(const struct pipeline *pl, int port)
{
	if (port < 0 || port >= pl->n_ports || !pl->ports[port].used)
		return NULL;
	return pl->ports[port].io;
}

int
pipeline_max_port(const struct pipeline *pl)
{
	return pl->n_ports - 1;
}

struct pbuf *
pl_alloc(struct pipeline *pl)
{
	struct pbuf *b;

	if (!pl->n_free) {
		pl->drops[DROP_NO_BUFFER]++;
		return NULL;
	}
	b = pl->free_bufs[--pl->n_free];
	pbuf_reset(b);
	return b;
}

void
pl_free(struct pipeline *pl, struct pbuf *b)
{
	pl->free_bufs[pl->n_free++] = b;
}

void
pl_drop(struct pipeline *pl, struct pbuf *b, enum drop_reason r)
{
	pl->drops[r]++;
	if (b->in_port < (uint32_t)pl->n_ports)
		pl->ports[b->in_port].drops++;
	if (pl->tr) {
		trace_step(pl->tr, "drop", "%s: %s", drop_name(r),
		           drop_desc(r));
		trace_verdict(pl->tr, "dropped: %s (%s)", drop_name(r),
		              drop_desc(r));
	}
	pl_free(pl, b);
}

const char *
pl_port_name(const struct pipeline *pl, int port, char *buf, size_t len)
{
	const struct pl_port *p;

	if (port < 0 || port >= pl->n_ports || !pl->ports[port].used) {
		snprintf(buf, len, "port%d", port);
	} else if (port == PIPELINE_UPLINK) {
		snprintf(buf, len, "uplink %s",
		         pl->ports[port].io ? pl->ports[port].io->name : "");
	} else {
		p = &pl->ports[port];
		snprintf(buf, len, "%s/%s", p->vma->vm, p->vma->name);
	}
	return buf;
}

static void
flush_port(struct pipeline *pl, int port)
{
	struct pl_port *p = &pl->ports[port];
	int sent = 0;

	if (!p->n_out)
		return;
	if (p->io)
		sent = io_tx(p->io, p->out, p->n_out);
	if (sent < 0)
		sent = 0;
	for (int i = 0; i < p->n_out; i++) {
		if (i >= sent)
			pl->drops[DROP_TX_FAILED]++;
		pl_free(pl, p->out[i]);
	}
	p->n_out = 0;
	if (p->io)
		io_flush(p->io);
}

void
pl_emit(struct pipeline *pl, int port, struct pbuf *b)
{
	struct pl_port *p;
	char name[96];

	if (port < 0 || port >= pl->n_ports || !pl->ports[port].used) {
		pl_drop(pl, b, DROP_TX_FAILED);
		return;
	}
	if (pl->tr) {
		pl_port_name(pl, port, name, sizeof(name));
		trace_step(pl->tr, "tx", "output to %s (%u bytes)", name,
		           b->len);
		trace_output(pl->tr, name, b->data, b->len, "");
		if (!pl->tr->verdict[0])
			trace_verdict(pl->tr, "output to %s", name);
		pl_free(pl, b);
		return;
	}
	p = &pl->ports[port];
	if (p->n_out == PL_OUT_MAX)
		flush_port(pl, port);
	p->out[p->n_out++] = b;
}

static void
flush_all(struct pipeline *pl)
{
	for (int i = 0; i < pl->n_ports; i++)
		if (pl->ports[i].used)
			flush_port(pl, i);
}

/*
 * Prefetching a batch (at a million lookup records each lookup is a
 * cache miss on the bucket, then on the node, each a few hundred ns on a
 * virtual machine): before the batch is processed, the record each frame
 * will be looked up by is prefetched, all buckets first, then all first
 * nodes, then all second nodes of the chains, so that the misses of the
 * batch overlap.
 *  1. a VM's frame: by its destination MAC in the adapter's VSID (vm.c
 *     rule 13), unless multicast;
 *  2. a frame from the uplink: by the inner source CA (uplink.c rule 4e),
 *     for the common shape only: untagged IPv4 without options, NVGRE or
 *     VXLAN, inner IPv4; anything else is not prefetched;
 *  3. only when the policy holds PL_PREFETCH_MIN records or more: smaller
 *     tables stay in the caches, where a prefetch is only work.
 * These are hints: what the stages do is the same with or without them.
 */
#define PL_PREFETCH_MIN 32768

struct pl_pkey {
	uint32_t vsid;
	bool by_mac;
	struct eth_addr mac;
	struct in6_addr ca;
};

static bool
prefetch_key(const struct pipeline *pl, int port, const struct pbuf *b,
             struct pl_pkey *k)
{
	struct cursor c;
	const uint8_t *p;
	size_t in;
	uint32_t be;

	cursor_init(&c, b->data, b->len);
	if (port != PIPELINE_UPLINK) {
		p = cursor_peek(&c, ETH_HDR_LEN);
		if (!p || p[0] & 1 || !pl->ports[port].vma)
			return false;
		k->vsid = pl->ports[port].vma->vsid;
		k->by_mac = true;
		memcpy(&k->mac, p, sizeof(k->mac));
		return true;
	}
	/* outer Ethernet 14, IPv4 20, GRE 8 (or UDP 8 + VXLAN 8), inner
	 * Ethernet 14 and IPv4 20 */
	p = cursor_peek(&c, 42 + 34);
	if (!p || p[12] != 0x08 || p[13] != 0x00 || p[14] != 0x45)
		return false;
	if (p[23] == IPPROTO_GRE && p[34] == 0x20 && p[35] == 0x00 &&
	    p[36] == 0x65 && p[37] == 0x58) {
		k->vsid = (uint32_t)p[38] << 16 | (uint32_t)p[39] << 8 | p[40];
		in = 42;
	} else if (p[23] == IPPROTO_UDP && p[36] == 0x12 && p[37] == 0xb5 &&
	           cursor_peek(&c, 50 + 34)) {
		k->vsid = (uint32_t)p[46] << 16 | (uint32_t)p[47] << 8 | p[48];
		in = 50;
	} else {
		return false;
	}
	if (p[in + 12] != 0x08 || p[in + 13] != 0x00)
		return false;
	memcpy(&be, p + in + 26, 4);
	ip_set_v4(&k->ca, be);
	k->by_mac = false;
	return true;
}

static void
prefetch_batch(const struct pipeline *pl, int port, struct pbuf **bufs, int n)
{
	struct pl_pkey keys[PIPELINE_BATCH];
	bool ok[PIPELINE_BATCH];

	for (int step = 0; step < 3; step++)
		for (int i = 0; i < n; i++) {
			struct pl_pkey *k = &keys[i];

			if (step == 0)
				ok[i] = prefetch_key(pl, port, bufs[i], k);
			if (!ok[i])
				continue;
			if (k->by_mac)
				policy_lr_prefetch_mac(pl->pol, k->vsid,
				                       &k->mac, step);
			else
				policy_lr_prefetch_ca(pl->pol, k->vsid, &k->ca,
				                      step);
		}
}

static void
process(struct pipeline *pl, int port, struct pbuf *b)
{
	b->in_port = (uint32_t)port;
	if (port == PIPELINE_UPLINK)
		uplink_input(pl, b);
	else
		vm_input(pl, port, b);
}

/* A batch: the decision cache's slots of the whole batch prefetched
 * (fast.c), the policy's records too for a big table; then each frame
 * replayed from the cache, or through the stages (which may remember
 * their decision: fast.c rule 2). */
static void
process_batch(struct pipeline *pl, int port, struct pbuf **bufs, int n)
{
	struct fast_pkt fk[PIPELINE_BATCH];
	bool ok[PIPELINE_BATCH];
	uint64_t pgen = policy_generation(pl->pol);

	for (int i = 0; i < n; i++) {
		ok[i] = !pl->cfg.no_fast_path && fast_sampled(pl) &&
		        fast_key(pl, port, bufs[i], &fk[i]);
		if (ok[i])
			fast_prefetch(pl, &fk[i]);
	}
	if (n > 1 && policy_lr_count(pl->pol) >= PL_PREFETCH_MIN)
		prefetch_batch(pl, port, bufs, n);
	for (int i = 0; i < n; i++) {
		bufs[i]->in_port = (uint32_t)port;
		if (ok[i]) {
			if (fast_try(pl, bufs[i], &fk[i], pgen))
				continue;
			pl->fast_cand = bufs[i];
			pl->fast_pkt = &fk[i];
			pl->fast_armed = false;
		}
		process(pl, port, bufs[i]);
		pl->fast_cand = NULL;
	}
}

int
pipeline_poll(struct pipeline *pl, int port, int budget)
{
	struct pbuf *bufs[PIPELINE_BATCH];
	struct pl_port *p;
	int total = 0;

	if (port < 0 || port >= pl->n_ports || !pl->ports[port].used ||
	    !pl->ports[port].io)
		return 0;
	p = &pl->ports[port];
	while (total < budget) {
		int want = MIN(PIPELINE_BATCH, budget - total), n, got;

		/* Leave room in the pool for replies and broadcast copies. */
		if (pl->n_free < want + PL_POOL_SIZE / 4)
			flush_all(pl);
		for (n = 0; n < want && pl->n_free > PL_POOL_SIZE / 8; n++)
			bufs[n] = pl_alloc(pl);
		got = n ? io_rx(p->io, bufs, n) : 0;
		if (got < 0)
			got = 0;
		for (int i = got; i < n; i++)
			pl_free(pl, bufs[i]);
		process_batch(pl, port, bufs, got);
		total += got;
		if (got < want)
			break;
	}
	flush_all(pl);
	return total;
}

void
pipeline_tick(struct pipeline *pl)
{
	neigh_tick(pl);
	flush_all(pl);
}

void
pipeline_trace(struct pipeline *pl, int port, const uint8_t *frame, size_t len,
               struct trace *t)
{
	struct pbuf *b;
	char name[96];

	flush_all(pl);
	b = pl_alloc(pl);
	if (!b) {
		trace_verdict(t, "no buffer available");
		return;
	}
	if (len > PBUF_FRAME_MAX)
		len = PBUF_FRAME_MAX;
	memcpy(b->data, frame, len);
	b->len = (uint32_t)len;
	pl->tr = t;
	TR(pl, "rx", "%u-byte frame injected on %s", b->len,
	   pl_port_name(pl, port, name, sizeof(name)));
	if (port < 0 || port >= pl->n_ports || !pl->ports[port].used) {
		trace_verdict(t, "no such port");
		pl_free(pl, b);
	} else {
		process(pl, port, b);
	}
	pl->tr = NULL;
	flush_all(pl);
	if (!t->verdict[0])
		trace_verdict(t, "consumed");
}

const uint64_t *
pipeline_drops(const struct pipeline *pl)
{
	return pl->drops;
}

const uint64_t *
pipeline_events(const struct pipeline *pl)
{
	return pl->events;
}

uint64_t
pipeline_port_drops(const struct pipeline *pl, int port)
{
	if (port < 0 || port >= pl->n_ports)
		return 0;
	return pl->ports[port].drops;
}

void
pipeline_clear_stats(struct pipeline *pl)
{
	memset(pl->drops, 0, sizeof(pl->drops));
	memset(pl->events, 0, sizeof(pl->events));
	for (int i = 0; i < pl->n_ports; i++) {
		pl->ports[i].drops = 0;
		if (pl->ports[i].io)
			memset(&pl->ports[i].io->stats, 0,
			       sizeof(pl->ports[i].io->stats));
	}
}

const struct lookup_record *
pipeline_ca_owner(const struct pipeline *pl, uint32_t vsid,
                  const struct in6_addr *ip)
{
	return vm_ca_owner(pl, vsid, ip);
}
