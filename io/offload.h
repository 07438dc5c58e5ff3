/* SPDX-License-Identifier: Apache-2.0 */
/*
 * offload: TCP and UDP segmentation and receive coalescing in software,
 * for the TAP backend (io/tap.c), which lets guests hand over super-frames
 * (virtio-net GSO, up to 64 KB) and gives them the same in return.
 *
 *  - tso: a guest's super-frame (VIRTIO_NET_HDR_GSO_TCPV4/TCPV6, or
 *    GSO_UDP_L4: a UDP_SEGMENT send) cut into wire-sized segments, each a
 *    complete frame with its own IP length (and IPv4 ID and header
 *    checksum), TCP sequence number or UDP length, and checksum, as a NIC
 *    with TSO/USO would put them on the wire.  FIN and PSH stay on the
 *    last TCP segment only, CWR on the first only.
 *  - coalesce: a run of consecutive segments of one TCP flow, or
 *    datagrams of one UDP flow (as they come off the wire, one frame
 *    each), merged into one super-frame for the guest, as Linux's GRO
 *    would: same Ethernet, IP and TCP/UDP headers but for lengths, IDs,
 *    checksums and sequence numbers; contiguous TCP sequence; equal
 *    payload sizes but for a shorter last one; ACK-only TCP flags (PSH
 *    allowed on the last); every frame's checksum verified first, so a
 *    corrupted or forged one is never vouched for: it goes to the guest
 *    alone, as it came, and the guest drops it.  The guest's stack splits
 *    a UDP super-frame into its datagrams again (udp_rcv_segment()) unless
 *    the socket asked for UDP_GRO.
 *
 * Frames are untagged Ethernet; IPv4 without options for coalescing (any
 * IHL for segmentation); IPv6 with TCP or UDP as the first next header.
 * Nothing here allocates or makes system calls.
 */
#ifndef IO_OFFLOAD_H
#define IO_OFFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/pbuf.h"

/* Linux 6.2's UDP segmentation offload; older headers lack it. */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

/* The smallest MSS a super-frame may ask for (Linux never sends less:
 * net.ipv4.tcp_min_snd_mss defaults to 48).  Smaller gets the frame
 * dropped: one read would otherwise become thousands of segments. */
#define TSO_MIN_MSS 48

struct tso {
	const uint8_t *frame;
	uint32_t len;    /* frame length as the IP header says */
	uint16_t l3, l4; /* offsets of the IP and TCP headers */
	uint16_t hlen;   /* all headers: l4 + TCP header length */
	uint16_t mss;    /* payload bytes per segment */
	bool v6;
	bool udp;         /* GSO_UDP_L4 */
	uint32_t seq0;    /* the super-frame's sequence number */
	uint16_t id0;     /* its IPv4 ID */
	uint32_t payload; /* payload bytes in all */
	uint32_t done;    /* payload bytes already segmented */
	uint32_t seg;     /* segments made */
};

/* Checks the super-frame 'frame' ('len' bytes, gso_type as in
 * virtio_net.h: VIRTIO_NET_HDR_GSO_TCPV4 or _TCPV6, possibly with
 * VIRTIO_NET_HDR_GSO_ECN, or _UDP_L4; 'gso_size' the payload of a
 * segment) and sets up 't'.  'cap' is
 * the room of an output buffer: a segment must fit.  Returns 0, or
 * -EINVAL for a frame that is not a well-formed TCP super-frame of that
 * type, or -EMSGSIZE when a segment would not fit in 'cap'.  't' keeps a
 * pointer to 'frame'. */
int tso_init(struct tso *t, const uint8_t *frame, size_t len, uint8_t gso_type,
             uint16_t gso_size, size_t cap);

static inline bool
tso_more(const struct tso *t)
{
	return t->done < t->payload;
}

/* Writes the next segment to 'out' (room checked by tso_init());
 * returns its length. */
size_t tso_next(struct tso *t, uint8_t *out);

/* What a run of coalesced frames becomes. */
struct coalesce {
	int count;     /* frames in the run (1: nothing to merge) */
	uint32_t len;  /* the super-frame's length */
	uint16_t l4;   /* offset of the TCP header */
	uint16_t hlen; /* all headers */
	uint16_t mss;  /* payload of the first frame */
	bool v6;
	bool udp; /* UDP datagrams (else TCP segments) */
};

/* How many frames from bufs[0] on (at most n) merge into one of at most
 * 'max_len' bytes; UDP datagrams only if 'udp' (the guest takes UDP
 * super-frames).  count 1 means bufs[0] goes alone. */
void coalesce_scan(struct pbuf *const *bufs, int n, size_t max_len, bool udp,
                   struct coalesce *c);

/* Rewrites bufs[0]'s headers to describe the whole run found by
 * coalesce_scan() (count > 1): IP length (and IPv4 header checksum),
 * the last frame's PSH (TCP) or the UDP length, and the checksum field
 * set to the pseudo-header sum, the virtio-net partial checksum
 * convention.  The
 * frames after bufs[0] are not touched: their payload follows at
 * bufs[i]->data + c->hlen. */
void coalesce_head(struct pbuf *const *bufs, const struct coalesce *c);

#endif
