#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# flows6.sh: the packet flows of DESIGN.md section 3 (F1, F2, F3, F5, F7,
# F8, a 10 MB TCP transfer) with every address-family combination that
# involves IPv6: IPv6 CAs over IPv4 PAs, IPv4 CAs over IPv6 PAs (the agent
# answers and sends ND for its PAs), IPv6 CAs over IPv6 PAs.
#
#                       segment: bridge br0 in ${P}sw
#      +------------------- s-a ---------------- s-b -------------------+
#      |                                                                 |
#  HostA eth0 PA 192.168.0.22 | fd99::22/64         HostB eth0 PA 192.168.0.33 | fd99::33/64
#   VmA1 fd00:1::101 | 10.0.1.101  VSID 6000 Blue    VmB1 fd00:1::201 | 10.0.1.201 VSID 6000
#   VmA2 fd00:1::102 | 10.0.1.102  VSID 6000 Blue    VmB2 fd00:2::202 | 10.0.2.202 VSID 6001
#   VmA3 fd00:2::103 | 10.0.2.103  VSID 6001 Blue    RedB fd00:1::201 | 10.0.1.201 VSID 7000
#   RedA fd00:1::101 | 10.0.1.101  VSID 7000 Red
#
#  Blue: 6000 fd00:1::/64 (gateway fd00:1::1), 6001 fd00:2::/64
#  Red:  7000 fd00:1::/64 (same prefix and CAs as Blue)
#
# Guest MTU: 1500 - 42 over IPv4 PAs, 1500 - 62 over IPv6 PAs.  Guest
# addresses are added with nodad (no DAD delay).

TEST_TAG=h6
. "$(dirname "$0")/lib.sh"

# A unicast PA MAC for HostA (flows.sh uses the book's multicast one).
PA_MAC_A=02:44:55:66:77:88

require_root
require_bins
require_tools tshark nc jq scapy

for round in "6 4 native" "4 6 native" "6 6 ps"; do
	set -- $round
	label="[ca$1/pa$2]"
	info "round: IPv$1 CAs over IPv$2 PAs, policy via $3"
	topo_std "$1" "$2"
	if topo_up "$3"; then
		flows_run "$label"
	else
		fail "$label topology not up; flows skipped"
	fi
	topo_down
done

finish
