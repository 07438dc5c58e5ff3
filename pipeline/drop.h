/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drop: every reason the data path drops a packet.  One X-macro list feeds
 * the counter array, the names (`hnvctl stats`, JSON keys) and the
 * descriptions (`hnvctl trace`).  The parse errors of pkt/parse.h come
 * first, with the same names, so a parse failure maps to a drop reason by
 * arithmetic (drop_from_pkt_err).
 */
#ifndef PIPELINE_DROP_H
#define PIPELINE_DROP_H

#include "pkt/parse.h"

#define DROP_REASONS                                                           \
	/* VM adapter ingress */                                               \
	X(PORT_NO_VSID, "adapter has no virtual subnet ID (not virtualized)")  \
	X(TAGGED_FROM_VM, "802.1Q-tagged frame from a VM")                     \
	X(SPOOFED_SRC_MAC, "source MAC is not the sending adapter's")          \
	X(SPOOFED_SRC_IP, "source IP is not the sending adapter's CA")         \
	X(SPOOFED_ND, "ND claims an address or link-layer address the "        \
	              "sender does not own")                                   \
	X(UNSUPPORTED_ETHERTYPE, "EtherType is not IPv4, IPv6 or ARP")         \
	X(UNKNOWN_DST, "no adapter or lookup record for the destination MAC")  \
	X(NOT_ROUTABLE, "link-local or unspecified source cannot be routed")   \
	X(ND_IGNORED, "router solicitation or ND message not for the host")    \
	X(ARP_IGNORED, "ARP neither a request nor a reply we handle")          \
	/* distributed router */                                               \
	X(TO_ROUTER, "packet for the router address is not an echo request")   \
	X(TTL_EXCEEDED, "TTL or hop limit exceeded")                           \
	X(NO_RDID, "virtual subnet has no routing domain (no customer route)") \
	X(NO_ROUTE, "no customer route to the destination")                    \
	X(NO_LOOKUP_RECORD, "no lookup record for the destination CA")         \
	X(RULE_NONE, "lookup record rule is TranslationMethodNone")            \
	X(NO_LOCAL_PORT, "lookup record points here but no such adapter")      \
	/* IP Rewrite */                                                       \
	X(NAT_NOT_IP, "IP Rewrite carries IP packets only")                    \
	X(NAT_ADDRESS, "IP Rewrite: the addresses are not the records' CAs "   \
	               "(a gateway's forwarded traffic cannot be rewritten)")  \
	X(NAT_NO_SOURCE, "IP Rewrite: the source CA has no IP Rewrite record " \
	                 "with a PA of this host")                             \
	X(NAT_UNKNOWN_SOURCE, "IP Rewrite: the source PA is no IP Rewrite "    \
	                      "record of the destination's routing domain")    \
	/* encapsulation and the uplink */                                     \
	X(NO_LOCAL_PA, "no provider address of the destination PA's family")   \
	X(NO_PROVIDER_ROUTE, "destination PA is neither on-link nor routed")   \
	X(PA_UNRESOLVED, "next hop of the destination PA not resolved yet")    \
	X(TOO_BIG, "frame too big for the uplink after encapsulation")         \
	X(NOT_FOR_US, "uplink frame not addressed to a local PA")              \
	X(WRONG_VLAN, "uplink frame on a VLAN none of our PAs uses")           \
	X(NOT_NVGRE, "IP packet to a PA is neither NVGRE nor VXLAN")           \
	X(BAD_NVGRE, "GRE header is not NVGRE (flags 0x2000, type 0x6558)")    \
	X(BAD_VXLAN, "UDP to port 4789 is not VXLAN (I flag, length)")         \
	X(UNKNOWN_VSID, "VSID has no adapter on this host")                    \
	X(VSID_MISMATCH, "destination adapter belongs to another VSID")        \
	X(SRC_PA_MISMATCH, "outer source PA does not own the inner source")    \
	X(SPOOFED_INNER_MAC, "inner source MAC is neither the source CA's "    \
	                     "record MAC nor a router MAC of the VSID")        \
	X(TAGGED_INNER, "802.1Q-tagged inner frame")                           \
	X(TX_FAILED, "output port refused the frame")                          \
	X(NO_BUFFER, "buffer pool exhausted")

enum drop_reason {
#define X(n, d) DROP_##n,
	PKT_ERRORS DROP_REASONS
#undef X
	    DROP_MAX
};

static inline enum drop_reason
drop_from_pkt_err(int err)
{
	/* PKT_ERR_x is 1-based; DROP_x for parse errors is 0-based. */
	return (enum drop_reason)((err < 0 ? -err : err) - 1);
}

const char *drop_name(enum drop_reason); /* "spoofed_src_mac" */
const char *drop_desc(enum drop_reason);

/* Events: what the data path did with a frame that is not a drop and not
 * a plain forward (a healthy host counts these, not drops). */
#define PL_EVENTS                                                              \
	X(NEIGH_LEARNT, "ARP reply or neighbour advertisement resolved or "    \
	                "refreshed a next hop")                                \
	X(PA_ANSWERED, "ARP, neighbour solicitation or echo request for a "    \
	               "local PA answered")                                    \
	X(SEGMENT_OTHER, "ARP or ND on the physical segment for another "      \
	                 "host, or a frame to another host's MAC (ignored)")   \
	X(ICMP_ERROR_SENT, "ICMP error sent to a VM (time exceeded, "          \
	                   "fragmentation needed, packet too big)")            \
	X(ICMP_ERROR_LIMITED, "ICMP error not sent: rate limit")               \
	X(FRAGMENTED, "IPv4 packet without DF fragmented to fit the uplink")   \
	X(FRAGMENTS_SENT, "fragments made of them")                            \
	X(ARP_FLOODED, "ARP request for a CA no record names sent to the PAs " \
	               "of the VSID's L2Only records (F4)")                    \
	X(ARP_FLOOD_LIMITED, "ARP request not sent to the L2Only PAs: rate "   \
	                     "limit")                                          \
	X(CA_LEARNT, "CA learnt from the ARP of an L2Only MAC (F4), queued "   \
	             "for a Dynamic record")                                   \
	X(LEARN_QUEUE_FULL, "CA not learnt: the agent has not taken the "      \
	                    "queue")                                           \
	X(MOVED_FORWARDED, "frame for a VM that moved away sent on to its "    \
	                   "new PA (F9, a sender with the old record)")        \
	X(MOVED_ACCEPTED, "frame for a VM that moved here accepted from its "  \
	                  "old host, which forwarded it (F9)")                 \
	X(FAST_HIT, "frame sent by the decision cache (pipeline/fast.c)")      \
	X(FAST_INSTALLED, "decision remembered in the decision cache")

enum pl_event {
#define X(n, d) PLEV_##n,
	PL_EVENTS
#undef X
	    PLEV_MAX
};

const char *event_name(enum pl_event); /* "neigh_learnt" */
const char *event_desc(enum pl_event);

#endif
