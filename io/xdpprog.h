/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xdpprog: the uplink's XDP program (io/bpf/xdp-uplink.bpf.c), embedded
 * in the binary and loaded with libbpf: which frames an AF_XDP uplink
 * takes from the kernel (doc/io.md, "AF_XDP").  Loading needs CAP_BPF
 * and CAP_NET_ADMIN (root); nothing here attaches it to an interface.
 */
#ifndef HNV_IO_XDPPROG_H
#define HNV_IO_XDPPROG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/xdpprog-abi.h"

struct xdp_uplink;

/* Loads the program and its maps (verified by the kernel): NULL with a
 * message in 'err' if the kernel refuses (no BPF, no privilege). */
struct xdp_uplink *xdp_uplink_load(char *err, size_t errlen);
void xdp_uplink_close(struct xdp_uplink *); /* accepts NULL */

int xdp_uplink_prog_fd(const struct xdp_uplink *);
int xdp_uplink_xsks_fd(const struct xdp_uplink *); /* queue -> socket */

/* This host's provider addresses: 4 or 16 bytes.  0 or -errno. */
int xdp_uplink_pa_add(struct xdp_uplink *, const void *addr, size_t len);
int xdp_uplink_pa_del(struct xdp_uplink *, const void *addr, size_t len);
int xdp_uplink_pa_clear(struct xdp_uplink *);
/* Deletes every PA for which 'keep' (given it as an IPv6 address, IPv4
 * mapped) is false; all of them if 'keep' is NULL.  0 or -errno. */
int xdp_uplink_pa_retain(struct xdp_uplink *,
                         bool (*keep)(const struct in6_addr *, void *),
                         void *aux);

/* Runs the program on one frame (BPF_PROG_TEST_RUN, no interface):
 * its verdict (XDP_PASS, XDP_REDIRECT, ...) or -errno. */
int xdp_uplink_run(struct xdp_uplink *, const void *frame, size_t len);

/* The counters, summed over CPUs.  0 or -errno. */
int xdp_uplink_counts(struct xdp_uplink *, uint64_t out[XDP_UPLINK_N_COUNTS]);

#endif
