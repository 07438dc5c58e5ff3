#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# flows.sh: the packet flows of DESIGN.md section 3 (F1, F2, F3, F5, F6,
# F7, F8) with IPv4 CAs over IPv4 PAs, run twice: policy configured with
# native hnvctl commands, then with `hnvctl ps` scripts (the book's
# cmdlets).
#
#                       segment: bridge br0 in ${P}sw
#      +------------------- s-a ---------------- s-b -------------------+
#      |                                                                 |
#  HostA eth0 PA 192.168.0.22                          HostB eth0 PA 192.168.0.33
#  (hnv-agent)                                         (hnv-agent)
#   VmA1 10.0.1.101  VSID 6000  Blue                    VmB1 10.0.1.201 VSID 6000 Blue
#   VmA2 10.0.1.102  VSID 6000  Blue                    VmB2 10.0.2.202 VSID 6001 Blue
#   VmA3 10.0.2.103  VSID 6001  Blue                    Gw   10.0.2.2   VSID 6001 eth0
#   RedA 10.0.1.101  VSID 7000  Red                          10.1.3.2   eth1 (ExternalSwitch)
#                                                       RedB 10.0.1.201 VSID 7000 Red
#                                                       ext0 ---- Phys 10.1.3.100/24
#
#  Blue {...0001}: 6000 10.0.1.0/24, 6001 10.0.2.0/24, 6001 0.0.0.0/0 via 10.0.2.2
#  Red  {...0002}: 7000 10.0.1.0/24 (same prefix, same CAs as Blue)
#
# Asserts, per round: F1 ping and nothing on the wire; F2 routed locally
# with TTL 63; F3 ARP answered by the host (no CA ARP on the wire), NVGRE
# with VSID 6000; F5 routed then encapsulated with the destination's VSID;
# F6 VmA1 <-> physical server through the gateway; F7 every VM pings its
# .1 and sees its host's router MAC; F8 Red <-> Red works, Blue cannot
# reach Red, spoofed source MAC/IP dropped and counted; a 10 MB TCP
# transfer arrives intact.

TEST_TAG=hf
. "$(dirname "$0")/lib.sh"

require_root
require_bins
require_tools tshark nc jq scapy

TOPO_GW=1
for mode in native ps; do
	info "round: IPv4 CAs over IPv4 PAs, policy via $mode"
	topo_std 4 4
	if topo_up "$mode"; then
		flows_run "[$mode]"
	else
		fail "[$mode] topology not up; flows skipped"
	fi
	topo_down
done

finish
