/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mem: the in-memory backend for tests.  Two fixed rings of copied frames,
 * allocated whole at creation (MEM_DEPTH slots of PBUF_FRAME_MAX bytes
 * each way; the pages are only touched as slots are used):
 *
 *   io_mem_inject() -> rxq -> rx()      tx() -> txq -> io_mem_take()
 *
 * 'fd' is an eventfd that is readable while rxq holds frames, so a port
 * can sit in the agent's event loop like a real one.  Full queues and
 * frames that do not fit are refused and counted (tx) or reported (inject);
 * nothing is allocated after creation.
 */
#include "io/io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "lib/util.h"

#define MEM_DEPTH 1024

struct mem_queue {
	uint8_t *frames; /* MEM_DEPTH * PBUF_FRAME_MAX bytes */
	uint32_t len[MEM_DEPTH];
	unsigned int head; /* oldest */
	unsigned int count;
};

struct mem_port {
	struct io_port up; /* first: io_port <-> mem_port */
	struct mem_queue rxq, txq;
};

static const struct io_class mem_class;

static struct mem_port *
mem_port_cast(struct io_port *p)
{
	return p && p->cls == &mem_class ? (struct mem_port *)p : NULL;
}

static uint8_t *
mem_slot(struct mem_queue *q, unsigned int i)
{
	return q->frames + (size_t)(i % MEM_DEPTH) * PBUF_FRAME_MAX;
}

/* Appends a frame; false if the queue is full. */
static bool
mem_queue_put(struct mem_queue *q, const void *frame, size_t len)
{
	unsigned int tail = (q->head + q->count) % MEM_DEPTH;

	if (q->count == MEM_DEPTH)
		return false;
	memcpy(mem_slot(q, tail), frame, len);
	q->len[tail] = (uint32_t)len;
	q->count++;
	return true;
}

static void
mem_queue_drop_head(struct mem_queue *q)
{
	q->head = (q->head + 1) % MEM_DEPTH;
	q->count--;
}

/* The eventfd counts nothing in particular: non-zero means "rxq has
 * frames".  Writes and reads on it cannot block (EFD_NONBLOCK). */
static void
mem_signal(struct mem_port *m, bool readable)
{
	uint64_t v = 1;
	ssize_t r;

	if (m->up.fd < 0)
		return;
	if (readable)
		r = write(m->up.fd, &v, sizeof(v));
	else
		r = read(m->up.fd, &v, sizeof(v));
	(void)r;
}

static int
mem_rx(struct io_port *p, struct pbuf **bufs, int n)
{
	struct mem_port *m = (struct mem_port *)p;
	struct mem_queue *q = &m->rxq;
	int got = 0;

	while (got < n && q->count) {
		struct pbuf *b = bufs[got];
		uint32_t len = q->len[q->head];

		/* Only a buffer that was not pbuf_reset() can be too small:
		 * inject() refuses frames over PBUF_FRAME_MAX. */
		if (len > pbuf_tailroom(b)) {
			p->stats.rx_oversize++;
			mem_queue_drop_head(q);
			continue;
		}
		memcpy(b->data, mem_slot(q, q->head), len);
		b->len = len;
		mem_queue_drop_head(q);
		p->stats.rx_packets++;
		p->stats.rx_bytes += len;
		got++;
	}
	if (!q->count)
		mem_signal(m, false);
	return got;
}

static int
mem_tx(struct io_port *p, struct pbuf **bufs, int n)
{
	struct mem_port *m = (struct mem_port *)p;
	int sent = 0;

	for (int i = 0; i < n; i++) {
		const struct pbuf *b = bufs[i];

		if (b->len == 0 || b->len > PBUF_FRAME_MAX) {
			p->stats.tx_errors++;
		} else if (!mem_queue_put(&m->txq, b->data, b->len)) {
			p->stats.tx_dropped++;
		} else {
			p->stats.tx_packets++;
			p->stats.tx_bytes += b->len;
			sent++;
		}
	}
	return sent;
}

static void
mem_destroy(struct io_port *p)
{
	struct mem_port *m = (struct mem_port *)p;

	if (p->fd >= 0)
		close(p->fd);
	free(m->rxq.frames);
	free(m->txq.frames);
	free(m);
}

static const struct io_class mem_class = {
    .name = "mem",
    .rx = mem_rx,
    .tx = mem_tx,
    .flush = NULL,
    .destroy = mem_destroy,
};

struct io_port *
io_mem_create(const char *name)
{
	struct mem_port *m = xcalloc(1, sizeof(*m));

	m->up.cls = &mem_class;
	strlcpy_(m->up.name, name ? name : "mem", sizeof(m->up.name));
	m->up.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	m->rxq.frames = xcalloc(MEM_DEPTH, PBUF_FRAME_MAX);
	m->txq.frames = xcalloc(MEM_DEPTH, PBUF_FRAME_MAX);
	return &m->up;
}

/* 0; -EINVAL if 'p' is not a mem port or the frame is empty; -EMSGSIZE if
 * it is longer than PBUF_FRAME_MAX; -ENOBUFS if rxq is full. */
int
io_mem_inject(struct io_port *p, const void *frame, size_t len)
{
	struct mem_port *m = mem_port_cast(p);

	if (!m || !frame || len == 0)
		return -EINVAL;
	if (len > PBUF_FRAME_MAX)
		return -EMSGSIZE;
	if (!mem_queue_put(&m->rxq, frame, len))
		return -ENOBUFS;
	if (m->rxq.count == 1)
		mem_signal(m, true);
	return 0;
}

int
io_mem_take(struct io_port *p, void *buf, size_t cap)
{
	struct mem_port *m = mem_port_cast(p);
	struct mem_queue *q;
	uint32_t len;

	if (!m)
		return -EINVAL;
	q = &m->txq;
	if (!q->count)
		return 0;
	len = q->len[q->head];
	if (len > cap)
		return -ENOSPC;
	memcpy(buf, mem_slot(q, q->head), len);
	mem_queue_drop_head(q);
	return (int)len;
}
