#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# nd-guard.sh: a hostile IPv6 tenant against real guest stacks.  VmA1
# (scapy on its eth0) tries to hijack addresses of its own VSID with
# neighbour discovery, and to become its neighbours' router; an adapter
# with no lookup record tries to use an address nobody owns.  The
# victims are real Linux stacks whose neighbour and route tables are read
# afterwards.
#
#                       segment: bridge br0 in ${P}sw
#      +------------------- s-a ---------------- s-b -------------------+
#      |                                                                 |
#  HostA eth0 PA 192.168.0.22                          HostB eth0 PA 192.168.0.33
#   VmA1 fd00:1::101 VSID 6000 (attacker)               VmB1 fd00:1::201 VSID 6000
#   VmA2 fd00:1::102 VSID 6000 (victim, accept_ra=1)    VmB2 fd00:2::202 VSID 6001
#   VmA3 fd00:2::103 VSID 6001
#   Stray (no lookup record) VSID 6000 fd00:1::150
#
# Asserts: after an unsolicited override NA claiming VmB1's CA (and one
# claiming VmA2's router fd00:1::1) with VmA1's MAC, VmA2's neighbour
# entries still hold VmB1's MAC and the router MAC, traffic VmA2 -> VmB1
# still arrives, and drops.spoofed_nd grew; a router advertisement from
# VmA1 installs no route in VmA2 (drops.nd_ignored); the stray adapter
# reaches nobody (drops.spoofed_src_ip).

TEST_TAG=hd
. "$(dirname "$0")/lib.sh"

require_root
require_bins
require_tools jq scapy

topo_std 6 4
topo_up native || die "topology not up"
MAC_A1=${VM_MAC[VmA1]}
MAC_B1=${VM_MAC[VmB1]}

# VmA2 accepts router advertisements (as a default Linux guest does).
vx VmA2 sysctl -qw net.ipv6.conf.eth0.accept_ra=1
vx VmA2 sysctl -qw net.ipv6.conf.eth0.forwarding=0
check_ping "baseline VmA2 -> VmB1" VmA2 "$B1"
check_ping "baseline VmA2 -> VmB2 (routed, via $GW1)" VmA2 "$B2"

# neigh_lladdr VM IP: the MAC of VM's neighbour entry for IP.
neigh_lladdr() {
	vx "$1" ip -6 neigh show "$2" dev eth0 | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}'
}
check_eq "VmA2's entry for VmB1 is VmB1's MAC before" "$MAC_B1" "$(neigh_lladdr VmA2 "$B1")"
gw_mac=$(neigh_lladdr VmA2 "$GW1")
check_eq "VmA2's entry for the router is HostA's router MAC before" \
	"${GW_MAC[a:6000]}" "$gw_mac"

nd0=$(drop_count a spoofed_nd)
ig0=$(drop_count a nd_ignored)
vx VmA1 "$PY" - <<PYEOF 2>"$TMPD/spoof.err" || fail "scapy in VmA1 failed: $(tail -1 "$TMPD/spoof.err")"
from scapy.all import *
conf.verb = 0
me = "$MAC_A1"
lla = "fe80::6200:60ff:fe00:101"
for tgt in ("$B1", "$GW1", "$A2"):
    for dst, dmac in (("ff02::1", "33:33:00:00:00:01"), ("$A2", "${VM_MAC[VmA2]}")):
        sendp(Ether(src=me, dst=dmac)/IPv6(src="$A1", dst=dst, hlim=255)/
              ICMPv6ND_NA(tgt=tgt, R=0, S=0, O=1)/ICMPv6NDOptDstLLAddr(lladdr=me),
              iface="eth0", count=2)
# A router advertisement: "I am your default router, here is a prefix".
sendp(Ether(src=me, dst="33:33:00:00:00:01")/IPv6(src=lla, dst="ff02::1", hlim=255)/
      ICMPv6ND_RA(routerlifetime=1800)/ICMPv6NDOptSrcLLAddr(lladdr=me)/
      ICMPv6NDOptPrefixInfo(prefix="fd66::", prefixlen=64, L=1, A=1),
      iface="eth0", count=2)
PYEOF
grew() { [ "$(drop_count a "$1")" -gt "$2" ]; }
check_wait "drops.spoofed_nd grew on HostA" -t 3 grew spoofed_nd "$nd0"
check_wait "drops.nd_ignored grew on HostA (the RA)" -t 3 grew nd_ignored "$ig0"
sleep 0.5
check_eq "VmA2's entry for VmB1 is still VmB1's MAC" "$MAC_B1" "$(neigh_lladdr VmA2 "$B1")"
check_eq "VmA2's entry for the router is still the router MAC" \
	"${GW_MAC[a:6000]}" "$(neigh_lladdr VmA2 "$GW1")"
check_not "VmA2 has no route learnt from VmA1's advertisement" \
	sh -c "ip -n '$(vm_ns VmA2)' -6 route | grep -E 'proto ra|fd66::'"
check_ping "VmA2 -> VmB1 still works" VmA2 "$B1"
check_ping "VmA2 -> VmB2 (routed) still works" VmA2 "$B2"
# The honest NA of VmA1's own address passes.
n1=$(drop_count a spoofed_nd)
vx VmA1 "$PY" - <<PYEOF 2>/dev/null
from scapy.all import *
conf.verb = 0
sendp(Ether(src="$MAC_A1", dst="33:33:00:00:00:01")/IPv6(src="$A1", dst="ff02::1", hlim=255)/
      ICMPv6ND_NA(tgt="$A1", R=0, S=0, O=1)/ICMPv6NDOptDstLLAddr(lladdr="$MAC_A1"),
      iface="eth0", count=2)
PYEOF
sleep 0.5
check_eq "VmA1's honest advertisement of its own CA is not a drop" "$n1" "$(drop_count a spoofed_nd)"

# An adapter with no lookup record: it may not invent an address.
hc a vm-adapter add vm Stray name eth0 switch HNVSwitch mac 60:00:60:00:01:50 vsid 6000 >/dev/null ||
	fail "cannot add the Stray adapter"
vm_wait Stray eth0 || fail "Stray's interface did not appear"
vm_ip6 Stray eth0 fd00:1::150/64 "$GW1" || fail "Stray guest setup"
s0=$(drop_count a spoofed_src_ip)
check_not "Stray (no lookup record) cannot reach VmA2" \
	vx Stray ping -n -c 2 -i 0.3 -W 1 "$A2"
check_not "Stray cannot reach VmB1" vx Stray ping -n -c 1 -W 1 "$B1"
check_gt "drops.spoofed_src_ip grew on HostA" "$(drop_count a spoofed_src_ip)" "$s0"
check_ping "VmA2 -> VmB1 unaffected" VmA2 "$B1"
info "HostA drops: $(hc a --json stats | jq -c '.drops | with_entries(select(.value > 0))')"

finish
