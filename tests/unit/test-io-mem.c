/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-io-mem: the in-memory backend that the pipeline and agent tests
 * run on: inject -> rx and tx -> take order and contents, the eventfd,
 * queue limits, oversize and malformed frames, and the counters.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"
#include "tests/unit/harness.h"

#define NBUFS 8

static struct pbuf bufs_mem[NBUFS];
static struct pbuf *bufs[NBUFS];

static void
reset_bufs(void)
{
	for (int i = 0; i < NBUFS; i++) {
		pbuf_reset(&bufs_mem[i]);
		bufs[i] = &bufs_mem[i];
	}
}

static void
fill(uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static bool
readable(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}

static void
test_create_destroy(void)
{
	struct io_port *p = io_mem_create("vm1");

	CHECK(p != NULL);
	CHECK_STR(p->name, "vm1");
	CHECK_STR(p->cls->name, "mem");
	CHECK(p->fd >= 0);
	CHECK(!readable(p->fd));
	io_flush(p); /* no flush method: a no-op */
	io_destroy(p);
	io_destroy(NULL);
}

static void
test_inject_rx(void)
{
	struct io_port *p = io_mem_create("m");
	uint8_t f[3][100];

	reset_bufs();
	CHECK_EQ(io_rx(p, bufs, NBUFS), 0);
	for (int i = 0; i < 3; i++) {
		fill(f[i], sizeof(f[i]), (uint8_t)i);
		CHECK_EQ(io_mem_inject(p, f[i], 60 + (size_t)i), 0);
	}
	CHECK(readable(p->fd));
	CHECK_EQ(io_rx(p, bufs, 2), 2);
	CHECK_EQ(bufs[0]->len, 60);
	CHECK_EQ(bufs[1]->len, 61);
	CHECK(!memcmp(bufs[0]->data, f[0], 60));
	CHECK(!memcmp(bufs[1]->data, f[1], 61));
	CHECK(readable(p->fd)); /* one left */
	reset_bufs();
	CHECK_EQ(io_rx(p, bufs, NBUFS), 1);
	CHECK_EQ(bufs[0]->len, 62);
	CHECK(!memcmp(bufs[0]->data, f[2], 62));
	CHECK(!readable(p->fd));
	CHECK_EQ(io_rx(p, bufs, NBUFS), 0);
	CHECK_EQ(p->stats.rx_packets, 3);
	CHECK_EQ(p->stats.rx_bytes, 60 + 61 + 62);
	/* Readable again on the next inject. */
	CHECK_EQ(io_mem_inject(p, f[0], 14), 0);
	CHECK(readable(p->fd));
	io_destroy(p);
}

static void
test_tx_take(void)
{
	struct io_port *p = io_mem_create("m");
	uint8_t out[200], small[10];
	uint8_t *data0;

	reset_bufs();
	CHECK_EQ(io_mem_take(p, out, sizeof(out)), 0);
	for (int i = 0; i < 3; i++) {
		bufs[i]->len = 64 + (uint32_t)i;
		fill(bufs[i]->data, bufs[i]->len, (uint8_t)(10 + i));
	}
	data0 = bufs[0]->data;
	CHECK_EQ(io_tx(p, bufs, 3), 3);
	/* The caller keeps its buffers as they were. */
	CHECK(bufs[0]->data == data0);
	CHECK_EQ(bufs[0]->len, 64);
	CHECK_EQ(p->stats.tx_packets, 3);
	CHECK_EQ(p->stats.tx_bytes, 64 + 65 + 66);
	/* Too small a buffer: -ENOSPC and the frame stays first. */
	CHECK_EQ(io_mem_take(p, small, sizeof(small)), -ENOSPC);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(io_mem_take(p, out, sizeof(out)), 64 + i);
		CHECK(!memcmp(out, bufs[i]->data, 64 + (size_t)i));
	}
	CHECK_EQ(io_mem_take(p, out, sizeof(out)), 0);
	/* tx does not loop back into rx. */
	CHECK_EQ(io_rx(p, bufs, NBUFS), 0);
	io_destroy(p);
}

static void
test_queue_limits(void)
{
	struct io_port *p = io_mem_create("m");
	static struct pbuf one;
	struct pbuf *many[1100];
	uint8_t f[64] = {0}, out[64];
	int i, n;

	for (i = 0; i < 1024; i++) {
		f[0] = (uint8_t)i;
		f[1] = (uint8_t)(i >> 8);
		if (io_mem_inject(p, f, sizeof(f)))
			break;
	}
	CHECK_EQ(i, 1024);
	CHECK_EQ(io_mem_inject(p, f, sizeof(f)), -ENOBUFS);
	/* Drain in order, across the ring's wrap. */
	n = 0;
	for (;;) {
		int got;

		reset_bufs();
		got = io_rx(p, bufs, NBUFS);
		if (got == 0)
			break;
		for (int k = 0; k < got; k++, n++) {
			CHECK_EQ(bufs[k]->data[0], (uint8_t)n);
			CHECK_EQ(bufs[k]->data[1], (uint8_t)(n >> 8));
		}
	}
	CHECK_EQ(n, 1024);
	CHECK_EQ(io_mem_inject(p, f, sizeof(f)), 0);

	pbuf_reset(&one);
	one.len = sizeof(f);
	memset(one.data, 0xab, one.len);
	for (i = 0; i < 1100; i++)
		many[i] = &one;
	CHECK_EQ(io_tx(p, many, 1100), 1024);
	CHECK_EQ(p->stats.tx_dropped, 1100 - 1024);
	CHECK_EQ(p->stats.tx_packets, 1024);
	CHECK_EQ(io_mem_take(p, out, sizeof(out)), sizeof(f));
	CHECK_EQ(io_tx(p, many, 2), 1);
	CHECK_EQ(p->stats.tx_dropped, 1100 - 1024 + 1);
	io_destroy(p);
}

static void
test_oversize(void)
{
	struct io_port *p = io_mem_create("m");
	uint8_t *big = calloc(1, PBUF_FRAME_MAX + 1);
	uint8_t *out = calloc(1, PBUF_FRAME_MAX + 1);

	reset_bufs();
	fill(big, PBUF_FRAME_MAX + 1, 3);
	CHECK_EQ(io_mem_inject(p, big, PBUF_FRAME_MAX + 1), -EMSGSIZE);
	CHECK_EQ(io_mem_inject(p, big, 0), -EINVAL);
	CHECK_EQ(io_mem_inject(p, NULL, 10), -EINVAL);
	CHECK_EQ(io_mem_inject(p, big, PBUF_FRAME_MAX), 0);
	CHECK_EQ(io_rx(p, bufs, NBUFS), 1);
	CHECK_EQ(bufs[0]->len, PBUF_FRAME_MAX);
	CHECK(!memcmp(bufs[0]->data, big, PBUF_FRAME_MAX));

	/* A full-size frame goes through tx too; an empty one is an error. */
	CHECK_EQ(io_tx(p, bufs, 1), 1);
	CHECK_EQ(io_mem_take(p, out, PBUF_FRAME_MAX - 1), -ENOSPC);
	CHECK_EQ(io_mem_take(p, out, PBUF_FRAME_MAX + 1), PBUF_FRAME_MAX);
	CHECK(!memcmp(out, big, PBUF_FRAME_MAX));
	bufs[1]->len = 0;
	CHECK_EQ(io_tx(p, bufs + 1, 1), 0);
	CHECK_EQ(p->stats.tx_errors, 1);

	/* A buffer someone did not reset (little tailroom) drops the frame
	 * rather than overflowing it. */
	CHECK_EQ(io_mem_inject(p, big, 200), 0);
	pbuf_reset(bufs[2]);
	bufs[2]->data = bufs[2]->mem + sizeof(bufs[2]->mem) - 100;
	CHECK_EQ(io_rx(p, bufs + 2, 1), 0);
	CHECK_EQ(p->stats.rx_oversize, 1);
	free(big);
	free(out);
	io_destroy(p);
}

static int
fake_rx(struct io_port *p, struct pbuf **b, int n)
{
	return 0;
}

static void
fake_destroy(struct io_port *p)
{
}

static void
test_not_a_mem_port(void)
{
	static const struct io_class fake_class = {
	    .name = "fake",
	    .rx = fake_rx,
	    .tx = fake_rx,
	    .destroy = fake_destroy,
	};
	struct io_port fake = {.cls = &fake_class, .fd = -1};
	uint8_t f[64] = {0};

	CHECK_EQ(io_mem_inject(&fake, f, sizeof(f)), -EINVAL);
	CHECK_EQ(io_mem_take(&fake, f, sizeof(f)), -EINVAL);
	CHECK_EQ(io_mem_inject(NULL, f, sizeof(f)), -EINVAL);
	io_destroy(&fake);
}

const struct test_case tests[] = {
    TEST(test_create_destroy),
    TEST(test_inject_rx),
    TEST(test_tx_take),
    TEST(test_queue_limits),
    TEST(test_oversize),
    TEST(test_not_a_mem_port),
    {0},
};
