/* SPDX-License-Identifier: Apache-2.0 */
/*
 * probe: builds a complete test packet (Ethernet + IPv4/IPv6 + ICMP echo
 * request, UDP datagram or TCP SYN, with a 16-byte payload and correct
 * checksums).  Used by `hnvctl trace` to inject what the user describes,
 * and by the pipeline tests.
 */
#ifndef PKT_PROBE_H
#define PKT_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

#define PROBE_MAX_LEN 128

/* proto: 1 (ICMP, or ICMPv6 when the addresses are IPv6), 6, 17.
 * 'f' must hold PROBE_MAX_LEN bytes.  Returns the frame length. */
size_t build_probe(uint8_t *f, const struct eth_addr *src,
                   const struct eth_addr *dst, const struct in6_addr *ip_src,
                   const struct in6_addr *ip_dst, int proto, int sport,
                   int dport, int ttl);

#endif
