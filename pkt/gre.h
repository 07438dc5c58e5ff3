/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gre: the GRE header (RFC 2784 with the key and sequence number of
 * RFC 2890).  After the 4-byte base header come, in this order and only
 * when their flag is set: checksum + reserved (4), key (4), sequence (4).
 * Fields are network order.  NVGRE (pkt/nvgre.h) is GRE with K only.
 */
#ifndef PKT_GRE_H
#define PKT_GRE_H

#include <stdint.h>

#include "lib/util.h"

#define GRE_HDR_LEN 4
#define GRE_FLAG_CSUM 0x8000 /* host order, in 'flags' */
#define GRE_FLAG_ROUTING 0x4000
#define GRE_FLAG_KEY 0x2000
#define GRE_FLAG_SEQ 0x1000
#define GRE_VERSION_MASK 0x0007

struct gre_hdr {
	uint16_t flags; /* network order: C R K S ... version(3) */
	uint16_t proto; /* network order, an EtherType */
} PACKED;
BUILD_ASSERT(sizeof(struct gre_hdr) == GRE_HDR_LEN, "gre_hdr size");

/* GRE with the key field only, as NVGRE sends it. */
struct gre_key_hdr {
	uint16_t flags; /* network order */
	uint16_t proto; /* network order */
	uint32_t key;   /* network order */
} PACKED;
BUILD_ASSERT(sizeof(struct gre_key_hdr) == 8, "gre_key_hdr size");

#endif
