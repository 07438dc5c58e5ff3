/* SPDX-License-Identifier: Apache-2.0 */
/*
 * l4: UDP (RFC 768) and TCP (RFC 9293) wire headers; the parser reads
 * ports only.  Fields are network order.
 */
#ifndef PKT_L4_H
#define PKT_L4_H

#include <stdint.h>

#include "lib/util.h"

#define UDP_HDR_LEN 8
#define TCP_HDR_LEN 20 /* without options */

struct udp_hdr {
	uint16_t sport; /* network order */
	uint16_t dport;
	uint16_t len; /* header + payload */
	uint16_t csum;
} PACKED;
BUILD_ASSERT(sizeof(struct udp_hdr) == UDP_HDR_LEN, "udp_hdr size");

struct tcp_hdr {
	uint16_t sport; /* network order */
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t doff;  /* data offset in 32-bit words << 4 */
	uint8_t flags; /* CWR ECE URG ACK PSH RST SYN FIN */
	uint16_t win;
	uint16_t csum;
	uint16_t urg;
} PACKED;
BUILD_ASSERT(sizeof(struct tcp_hdr) == TCP_HDR_LEN, "tcp_hdr size");

#endif
