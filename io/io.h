/* SPDX-License-Identifier: Apache-2.0 */
/*
 * io: packet I/O backends behind one vtable (after Open vSwitch's
 * netdev-provider.h).  A port is a backend instance; the pipeline calls
 * rx/tx with batches of preallocated pbufs and never sees file descriptors
 * except 'fd', which the event loop polls for readability.
 *
 * Backends:
 *  - tap: a VM adapter.  A persistent TAP (IFF_TAP|IFF_NO_PI|IFF_VNET_HDR,
 *    TUNSETPERSIST) created *inside* a VM's network namespace, so the
 *    guest's interface survives the agent: io_tap_open() on an existing
 *    TAP re-attaches to it.  With offloads (the default) the guest's TCP
 *    super-frames are cut into segments on rx and runs of segments merged
 *    on tx (io/offload.h); either way rx gives frames of at most MTU + 14
 *    bytes with complete checksums.
 *  - afpacket: the uplink.  AF_PACKET SOCK_RAW, promiscuous, PACKET_MMAP
 *    rings (TPACKET_V2 rx and tx rings), ignores frames we sent
 *    (PACKET_OUTGOING), PACKET_AUXDATA to restore a VLAN tag the kernel
 *    stripped.
 *  - mem: in-memory queues for tests (no root, no kernel).
 *
 * rx: fills up to 'n' buffers (already pbuf_reset() by the caller) and
 * returns how many, 0 when nothing is pending; never blocks.  Frames too
 * big for a pbuf are dropped and counted in stats.rx_oversize.
 * tx: sends the 'n' frames (data/len); returns how many were accepted;
 * the caller keeps ownership of the buffers.  May modify the headroom.
 * Threading: a port is used by one thread.
 */
#ifndef IO_IO_H
#define IO_IO_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/pbuf.h"

struct io_port;

struct io_stats {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t rx_errors, tx_errors, rx_oversize, tx_dropped;
	/* TAP with offloads: super-frames received (each cut into several
	 * rx_packets) and written (each merging several tx_packets). */
	uint64_t rx_super, tx_super;
};

struct io_class {
	const char *name;
	int (*rx)(struct io_port *, struct pbuf **bufs, int n);
	int (*tx)(struct io_port *, struct pbuf **bufs, int n);
	/* Flush any batched tx (tx ring); may be NULL. */
	void (*flush)(struct io_port *);
	void (*destroy)(struct io_port *);
};

struct io_port {
	const struct io_class *cls;
	int fd; /* pollable for input, or -1 */
	/* rx holds frames back that 'fd' no longer signals (the rest of a
	 * super-frame): call rx again before waiting on 'fd'. */
	bool rx_pending;
	char name[32];
	struct io_stats stats;
};

static inline int
io_rx(struct io_port *p, struct pbuf **bufs, int n)
{
	return p->cls->rx(p, bufs, n);
}

static inline int
io_tx(struct io_port *p, struct pbuf **bufs, int n)
{
	return p->cls->tx(p, bufs, n);
}

static inline void
io_flush(struct io_port *p)
{
	if (p->cls->flush)
		p->cls->flush(p);
}

void io_destroy(struct io_port *); /* accepts NULL; a TAP persists */

/* TAPs opened from now on: offloads on (the default: TCP super-frames
 * both ways, partial checksums, io/offload.h) or off (frames at most
 * MTU + 14 bytes with complete checksums, one read or write each). */
void io_tap_set_offload(bool on);

/* TAP in network namespace 'netns' (a name under /run/netns, or NULL for
 * the current one).  Creates it if missing (persistent, owner root), else
 * attaches.  Sets MAC (unless NULL), MTU (unless 0) and brings it up.
 * Returns NULL and sets *err (negative errno) on failure, logging why. */
struct io_port *io_tap_open(const char *netns, const char *ifname,
                            const struct eth_addr *mac, int mtu, int *err);
/* Deletes the persistent TAP (after io_destroy of any open port). */
int io_tap_delete(const char *netns, const char *ifname);
/* The same, with an owner: a TAP carries its owner's name as its alias
 * (the agent's host name), so that two agents sharing a VM namespace (a
 * VM moving between hosts on one machine: the lab) never take or delete
 * each other's TAP.  io_tap_open_owned() on a TAP of another owner fails
 * with -EBUSY (try again once it is gone) and marks one it creates or
 * adopts (no alias: an agent of an earlier version made it);
 * io_tap_delete_owned() leaves another owner's TAP alone (0).  'owner'
 * NULL: no checks. */
struct io_port *io_tap_open_owned(const char *netns, const char *ifname,
                                  const struct eth_addr *mac, int mtu,
                                  const char *owner, int *err);
int io_tap_delete_owned(const char *netns, const char *ifname,
                        const char *owner);
/* Lets another agent adopt the TAP (a VM moving away keeps its interface,
 * addresses and neighbours): clears its alias if 'owner' has it. */
int io_tap_release(const char *netns, const char *ifname, const char *owner);

/* The uplink.  'ifname' in the current network namespace. */
struct io_port *io_afpacket_open(const char *ifname, int *err);

/* In-memory port: frames given to io_mem_inject() come out of rx; frames
 * sent with tx are queued for io_mem_take().  Queue depth 1024 each way. */
struct io_port *io_mem_create(const char *name);
int io_mem_inject(struct io_port *, const void *frame, size_t len);
/* Copies the oldest transmitted frame into buf; returns its length, 0 if
 * none, or -ENOSPC if cap is too small (the frame is kept). */
int io_mem_take(struct io_port *, void *buf, size_t cap);

#endif
