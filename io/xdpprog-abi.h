/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What io/bpf/xdp-uplink.bpf.c and io/xdpprog.c share: its maps' sizes
 * and keys, and the meaning of its counters.
 */
#ifndef HNV_IO_XDPPROG_ABI_H
#define HNV_IO_XDPPROG_ABI_H

#include <linux/types.h>

#define XDP_UPLINK_QUEUES 64 /* xsks: one socket per receive queue */
#define XDP_UPLINK_PAS 4096  /* pas: provider addresses of this host */
#define XDP_UPLINK_VXLAN_PORT 4789

/* A provider address: IPv6, or IPv4 mapped (::ffff:a.b.c.d). */
struct xdp_uplink_pa {
	__u8 a[16];
};

/* counts: frames by what the program did with them. */
enum xdp_uplink_count {
	XDP_UPLINK_TUNNEL,   /* NVGRE or VXLAN to a PA: to the socket */
	XDP_UPLINK_NOT_OURS, /* a tunnel to another address: the stack */
	XDP_UPLINK_OTHER,    /* not a tunnel (ARP, ND, ...): the stack */
	XDP_UPLINK_SHORT,    /* shorter than its headers: the stack */
	XDP_UPLINK_N_COUNTS
};

#endif
