/* SPDX-License-Identifier: Apache-2.0 */
/*
 * build: writers of the frames the data plane originates or rewrites.
 * Each returns the number of bytes written, or 0 if 'cap' is too small.
 * Output frames are untagged unless a VLAN is given (vlan 0 = untagged);
 * all checksums are filled in.
 */
#ifndef PKT_BUILD_H
#define PKT_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

/* Ethernet (+802.1Q if vlan != 0) + ARP.  op 1 request, 2 reply.
 * spa/tpa are IPv4-mapped. */
size_t build_arp(uint8_t *buf, size_t cap, const struct eth_addr *eth_dst,
                 const struct eth_addr *eth_src, uint16_t vlan, uint16_t op,
                 const struct eth_addr *sha, const struct in6_addr *spa,
                 const struct eth_addr *tha, const struct in6_addr *tpa);

/* Ethernet (+802.1Q) + IPv6 (hop limit 255) + ICMPv6 neighbour
 * advertisement for 'target' with a target link-layer option 'tll';
 * flags: ND_NA_FLAG_ROUTER/SOLICITED/OVERRIDE (network order, as in
 * <netinet/icmp6.h>). */
size_t build_nd_na(uint8_t *buf, size_t cap, const struct eth_addr *eth_dst,
                   const struct eth_addr *eth_src, uint16_t vlan,
                   const struct in6_addr *ip_src, const struct in6_addr *ip_dst,
                   const struct in6_addr *target, const struct eth_addr *tll,
                   uint32_t flags);

/* Neighbour solicitation for 'target' from ip_src with source link-layer
 * option 'sll', sent to the solicited-node multicast address (Ethernet
 * 33:33:ff:xx:xx:xx). */
size_t build_nd_ns(uint8_t *buf, size_t cap, const struct eth_addr *eth_src,
                   uint16_t vlan, const struct in6_addr *ip_src,
                   const struct in6_addr *target, const struct eth_addr *sll);

/* Turns an ICMP echo request (IPv4) or ICMPv6 echo request frame, parsed
 * into 'pi', into the matching reply in place: swaps MACs and IPs,
 * sets type, resets TTL/hop limit to 64, fixes checksums.  Returns 0 or
 * -EINVAL if the frame is not an echo request. */
struct pkt_info;
int build_echo_reply_inplace(uint8_t *frame, size_t len,
                             const struct pkt_info *pi);

/* ICMP time exceeded / destination unreachable (IPv4) or the ICMPv6
 * equivalents, quoting as much of the offending datagram as fits in the
 * minimum MTU (576 / 1280).  'orig' is the offending frame as parsed in
 * 'pi'.  Source IP 'from', MACs as given.  'info' fills the 4 bytes after
 * the checksum (network order): the next-hop MTU of an ICMPv4
 * "fragmentation needed" (RFC 1191: its low 16 bits) or of an ICMPv6
 * "packet too big" (RFC 4443 3.2); 0 for the others. */
size_t build_icmp_error(uint8_t *buf, size_t cap, const struct eth_addr *dst,
                        const struct eth_addr *src, const struct in6_addr *from,
                        uint8_t type, uint8_t code, uint32_t info,
                        const uint8_t *orig, const struct pkt_info *pi);

/* Computes the TCP or UDP checksum of the unfragmented IP packet in
 * 'frame' (parsed in 'pi') in full, whatever the field holds (a partial
 * checksum left by a sender with offload, or garbage).  0, or -EINVAL
 * for anything else (nothing changed). */
int build_l4_csum(uint8_t *frame, const struct pkt_info *pi);

/* Replaces the source and destination addresses of the IP packet in
 * 'frame' (parsed in 'pi'; the new ones of its family) and updates every
 * checksum that covers them, incrementally (RFC 1624): the IPv4 header's,
 * and the TCP, UDP (unless zero over IPv4) or ICMPv6 checksum of a packet
 * that carries the transport header (not a later fragment).  0, or
 * -EINVAL if it is not IP or a family differs (nothing changed). */
int build_rewrite_addrs(uint8_t *frame, const struct pkt_info *pi,
                        const struct in6_addr *src, const struct in6_addr *dst);

/* Decrements the TTL/hop limit of the IP packet in 'frame' (fixing the
 * IPv4 header checksum incrementally).  Caller checks ttl > 1 first. */
void build_dec_ttl(uint8_t *frame, const struct pkt_info *pi);

#endif
