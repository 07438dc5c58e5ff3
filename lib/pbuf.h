/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pbuf: a packet buffer with headroom, so encapsulation prepends in place
 * and the TAP backend can put its virtio-net header in front.  Buffers are
 * preallocated (pipeline pool); nothing on the data path allocates.
 *
 *   mem[0 .. PBUF_HEADROOM)  headroom (>= NVGRE_MAX_OUTER + vnet header)
 *   data .. data+len         the Ethernet frame, without FCS
 */
#ifndef LIB_PBUF_H
#define LIB_PBUF_H

#include <stddef.h>
#include <stdint.h>

#define PBUF_HEADROOM 128
#define PBUF_FRAME_MAX (9216 + 64) /* jumbo uplinks; GSO off on TAPs */

struct pbuf {
	uint8_t *data;
	uint32_t len;
	uint32_t in_port; /* pipeline port index it arrived on */
	uint32_t vsid;    /* out-of-band VSID (the Hyper-V OOB data) */
	uint32_t flags;   /* PBUF_F_* */
	uint8_t mem[PBUF_HEADROOM + PBUF_FRAME_MAX];
};

/* The frame came from a local sender with its (inner) transport checksum
 * left to be completed (AF_PACKET's TP_STATUS_CSUMNOTREADY: a veth peer
 * with checksum offload; a real NIC computes it before the wire). */
#define PBUF_F_CSUM_PARTIAL 0x1

static inline void
pbuf_reset(struct pbuf *b)
{
	b->data = b->mem + PBUF_HEADROOM;
	b->len = 0;
	b->in_port = 0;
	b->vsid = 0;
	b->flags = 0;
}

static inline size_t
pbuf_headroom(const struct pbuf *b)
{
	return (size_t)(b->data - b->mem);
}

static inline size_t
pbuf_tailroom(const struct pbuf *b)
{
	return sizeof(b->mem) - pbuf_headroom(b) - b->len;
}

/* Prepends 'n' bytes; returns the new start or NULL without headroom. */
static inline uint8_t *
pbuf_push(struct pbuf *b, size_t n)
{
	if (pbuf_headroom(b) < n)
		return NULL;
	b->data -= n;
	b->len += (uint32_t)n;
	return b->data;
}

/* Removes 'n' bytes from the front; returns the new start or NULL. */
static inline uint8_t *
pbuf_pull(struct pbuf *b, size_t n)
{
	if (b->len < n)
		return NULL;
	b->data += n;
	b->len -= (uint32_t)n;
	return b->data;
}

#endif
