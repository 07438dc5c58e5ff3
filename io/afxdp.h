/* SPDX-License-Identifier: Apache-2.0 */
/*
 * afxdp: the uplink with an AF_XDP socket for tunnel frames (io/afxdp.c,
 * doc/io.md "AF_XDP").  Needs root (BPF, an XDP program on the
 * interface) and libxdp; the interface must have no XDP program of
 * somebody else's.
 */
#ifndef HNV_IO_AFXDP_H
#define HNV_IO_AFXDP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "io/io.h"
#include "io/xdpprog-abi.h"

/* 'ifname' in the current network namespace: an afpacket port for what
 * the XDP program passes, and an AF_XDP socket per receive queue.
 * 'fill' (if not NULL) is called with the new port before its program
 * goes on the interface, to give it the PAs (io_afxdp_pa_add()): from
 * its first frame on, the program knows which tunnel frames are this
 * host's. */
struct io_port *io_afxdp_open(const char *ifname,
                              int (*fill)(struct io_port *, void *aux),
                              void *aux, int *err);
bool io_is_afxdp(const struct io_port *);

/* The provider addresses whose tunnel frames the socket takes (4 or 16
 * bytes, IPv4 also as ::ffff:a.b.c.d). */
int io_afxdp_pa_add(struct io_port *, const void *addr, size_t len);
int io_afxdp_pa_retain(struct io_port *,
                       bool (*keep)(const struct in6_addr *, void *),
                       void *aux);
/* The XDP program's counters (enum xdp_uplink_count). */
int io_afxdp_counts(struct io_port *, uint64_t out[XDP_UPLINK_N_COUNTS]);
/* Frames the AF_XDP socket gave (the rest came from the packet socket). */
uint64_t io_afxdp_socket_rx(const struct io_port *);
/* The number of AF_XDP sockets (queues 0 .. n - 1); the frames each gave
 * into rx[0 .. min(n, max) - 1]. */
uint32_t io_afxdp_queues(const struct io_port *, uint64_t *rx, uint32_t max);

#endif
