#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# mtu.sh: path MTU discovery through the overlay.  The guests raise their
# MTU to 1500 on a 1500-byte uplink (as a real VM whose MTU the agent does
# not control would), so their full-size packets cannot be encapsulated;
# the host must answer as a router of MTU 1458 would (pipeline/encap.c
# rule 4), and the guests' own stacks must then get through.  Run for IPv4
# CAs and IPv6 CAs, both over IPv4 PAs.
#
#                       segment: bridge br0 in ${P}sw (MTU 1500)
#      +------------------- s-a ---------------- s-b -------------------+
#      |                                                                 |
#  HostA eth0 PA 192.168.0.22                          HostB eth0 PA 192.168.0.33
#   VmA1 .101 / ::101  VSID 6000 (MTU 1500)             VmB1 .201 / ::201 6000 (MTU 1500)
#   VmA3 .103 / ::103  VSID 6001 (MTU 1500)             VmB2 .202 / ::202 6001 (MTU 1500)
#
# Asserts, per family: `ping -M do -s <MTU-28>` reports MTU 1458 from the
# router address (switched and routed); a 10 MB TCP transfer each way
# arrives intact (PMTUD works); the drops are counted as too_big and the
# ICMP errors as events; IPv4 without DF gets through fragmented.

TEST_TAG=hm
. "$(dirname "$0")/lib.sh"

require_root
require_bins
require_tools nc jq

# raise_mtu VM...: the guest's own MTU, as a VM whose MTU we do not set.
raise_mtu() {
	local vm
	for vm in "$@"; do
		ip -n "$(vm_ns "$vm")" link set eth0 mtu 1500
	done
}

# pmtu_seen VM DST SIZE EXPECT: ping with DF reports the path MTU.
pmtu_ping() {
	local vm=$1 dst=$2 size=$3
	vx "$vm" ping -n -c 2 -i 0.3 -W 1 -M do -s "$size" "$dst" 2>&1
}

for caf in 4 6; do
	info "round: IPv${caf} CAs over IPv4 PAs, guests at MTU 1500"
	topo_std "$caf" 4
	if ! topo_up native; then
		fail "[v$caf] topology not up"
		topo_down
		continue
	fi
	raise_mtu VmA1 VmA3 VmB1 VmB2
	check_ping "[v$caf] small packets VmA1 -> VmB1" VmA1 "$B1"
	if [ "$caf" = 4 ]; then
		big=1472 fits=1430 gw1=$GW1 gw2=$GW2
	else
		big=1452 fits=1410 gw1=$GW1 gw2=$GW2
	fi
	tb0=$(drop_count a too_big)

	out=$(pmtu_ping VmA1 "$B1" "$big")
	if grep -Eq 'mtu ?= ?1458' <<<"$out"; then
		ok "[v$caf] ping -M do -s $big VmA1 -> VmB1 reports mtu 1458"
	else
		fail "[v$caf] ping -M do -s $big VmA1 -> VmB1: no mtu 1458 in: $(tr '\n' ' ' <<<"$out")"
	fi
	if grep -q "From $gw1 " <<<"$out" || grep -q 'message too long' <<<"$out"; then
		ok "[v$caf] the error came from the router address $gw1 (or the route cache)"
	else
		fail "[v$caf] no error from $gw1 in: $(tr '\n' ' ' <<<"$out")"
	fi
	check_ping "[v$caf] ping -M do -s $fits VmA1 -> VmB1 (fits 1458)" VmA1 "$B1"
	check "[v$caf] DF ping of $fits bytes gets through" \
		vx VmA1 ping -n -c 1 -W 2 -M do -s "$fits" "$B1"

	out=$(pmtu_ping VmA3 "$B1" "$big")
	if grep -Eq 'mtu ?= ?1458' <<<"$out"; then
		ok "[v$caf] routed: VmA3 -> VmB1 reports mtu 1458"
	else
		fail "[v$caf] routed: VmA3 -> VmB1: no mtu 1458 in: $(tr '\n' ' ' <<<"$out")"
	fi
	check_gt "[v$caf] drops.too_big counted" "$(drop_count a too_big)" "$tb0"
	sent=$(hc a --json stats | jq '.events.icmp_error_sent // 0')
	check_gt "[v$caf] events.icmp_error_sent counted" "$sent" 0

	tcp_transfer "[v$caf] 10 MB TCP VmA1 -> VmB1 at guest MTU 1500 (PMTUD)" \
		VmA1 VmB1 "$B1" 10
	rm -f "$TMPD/xfer.src"
	tcp_transfer "[v$caf] 10 MB TCP VmB2 -> VmA3 at guest MTU 1500 (PMTUD, routed)" \
		VmB2 VmA3 "$A3" 10
	rm -f "$TMPD/xfer.src"

	if [ "$caf" = 4 ]; then
		# No DF: the host fragments (the guest sends 1500-byte
		# fragments of its own for 3000 bytes; each is split again).
		# To VmB2, for which VmA1 has learnt no path MTU yet.
		fr0=$(hc a --json stats | jq '.events.fragmented // 0')
		check "[v4] ping -M dont -s 3000 VmA1 -> VmB2 (fragmented by the host)" \
			vx VmA1 ping -n -c 2 -i 0.3 -W 2 -M dont -s 3000 "$B2"
		fr1=$(hc a --json stats | jq '.events.fragmented // 0')
		check_gt "[v4] events.fragmented grew" "$fr1" "$fr0"
	fi
	topo_down
done

finish
