/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xdp-uplink: the XDP program of the AF_XDP uplink (doc/io.md, "AF_XDP").
 * Built with clang -target bpf and embedded in the agent (io/xdpprog.c
 * loads it).  A tunnel frame for one of this host's provider addresses,
 * NVGRE (IP protocol 47) or VXLAN (UDP port 4789) over IPv4 or IPv6 with
 * no extension header, goes to the AF_XDP socket bound to the queue it
 * arrived on; everything else (ARP, ND, the host's own traffic, tunnels
 * for other addresses, VLAN-tagged frames) goes on to the kernel's stack,
 * as does a tunnel frame on a queue with no socket.
 *
 * pas: the provider addresses (IPv4 as ::ffff:a.b.c.d), kept by the
 * agent.  counts: per CPU, frames by what the program did with them
 * (enum xdp_uplink_count in io/xdpprog.h).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "io/xdpprog-abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, XDP_UPLINK_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XDP_UPLINK_PAS);
	__type(key, struct xdp_uplink_pa);
	__type(value, __u8);
} pas SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDP_UPLINK_N_COUNTS);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline void
count(__u32 what)
{
	__u64 *n = bpf_map_lookup_elem(&counts, &what);

	if (n)
		*n += 1;
}

/* Whether the IP payload at 'l4' (protocol 'proto') is a tunnel. */
static __always_inline int
is_tunnel(void *l4, void *end, __u8 proto)
{
	struct udphdr *udp = l4;

	if (proto == IPPROTO_GRE)
		return 1;
	if (proto != IPPROTO_UDP || (void *)(udp + 1) > end)
		return 0;
	return udp->dest == bpf_htons(XDP_UPLINK_VXLAN_PORT);
}

SEC("xdp")
int
xdp_uplink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct xdp_uplink_pa pa = {0};
	void *l4;
	__u8 proto;

	if ((void *)(eth + 1) > end) {
		count(XDP_UPLINK_SHORT);
		return XDP_PASS;
	}
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end || ip->ihl < 5) {
			count(XDP_UPLINK_SHORT);
			return XDP_PASS;
		}
		l4 = (__u8 *)ip + ip->ihl * 4;
		proto = ip->protocol;
		pa.a[10] = 0xff;
		pa.a[11] = 0xff;
		__builtin_memcpy(&pa.a[12], &ip->daddr, 4);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end) {
			count(XDP_UPLINK_SHORT);
			return XDP_PASS;
		}
		l4 = ip6 + 1;
		proto = ip6->nexthdr;
		__builtin_memcpy(pa.a, &ip6->daddr, 16);
	} else {
		count(XDP_UPLINK_OTHER);
		return XDP_PASS;
	}
	if (!is_tunnel(l4, end, proto)) {
		count(XDP_UPLINK_OTHER);
		return XDP_PASS;
	}
	if (!bpf_map_lookup_elem(&pas, &pa)) {
		count(XDP_UPLINK_NOT_OURS);
		return XDP_PASS;
	}
	count(XDP_UPLINK_TUNNEL);
	return bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
}

char LICENSE[] SEC("license") = "Apache-2.0";
