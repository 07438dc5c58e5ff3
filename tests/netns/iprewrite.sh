#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# iprewrite.sh: flow F10, IP Rewrite (lookup records with the rule
# TranslationMethodNat), across two hosts, with real guest stacks: each
# CA has a PA of its own; the sending host rewrites the CAs into PAs, the
# packet crosses the physical network as plain IP (no tunnel, no VSID on
# the wire), and the receiving host rewrites back and finds the VSID from
# the PA.  Run with IPv4 CAs over IPv4 PAs (policy by hnvctl), then IPv6
# over IPv6 (policy by the book's cmdlets through hnvctl ps).
#
#                       segment: bridge br0 in ${P}sw
#      +------------------- s-a ---------------- s-b -------------------+
#      |                                                                 |
#  HostA eth0 PA .22, per-CA PAs .101 .103            HostB eth0 PA .33, per-CA PA .201 .202
#   VmA1 10.0.1.101 VSID 6000  (PA 192.168.0.101)      VmB1 10.0.1.201 VSID 6000 (PA .201)
#   VmA3 10.0.2.103 VSID 6001  (PA 192.168.0.103)      VmB2 10.0.2.202 VSID 6001 (PA .202)
#   (IPv6: fd00:1::101 ... over fd99::101 ...)
#
# Asserts per round: pings switched (VmA1 <-> VmB1) and routed (VmA1 ->
# VmB2, TTL decremented once); a 10 MB TCP transfer each way arrives
# intact (checksums rewritten right); tshark on the segment sees the
# guests' packets as plain IP between the per-CA PAs, never a CA, never
# GRE; a forged packet from a PA that is no record of the routing domain
# is dropped (nat_unknown_source) and reaches no guest.

TEST_TAG=hr
. "$(dirname "$0")/lib.sh"

require_root
require_bins
require_tools nc jq tshark scapy

RD="{12345678-1000-2000-3000-123456780001}"

round() {
	local fam=$1 mode=$2 t="[IPv$1, $2]"
	local pfx pa_a pa_b plen sub1 sub2 onlink gw1 gw2
	if [ "$fam" = 4 ]; then
		pfx=192.168.0. plen=24 sub1=10.0.1.0/24 sub2=10.0.2.0/24
		onlink=0.0.0.0 gw1=10.0.1.1 gw2=10.0.2.1 cpl=24
		A1=10.0.1.101 A3=10.0.2.103 B1=10.0.1.201 B2=10.0.2.202
	else
		pfx=fd99:: plen=64 sub1=fd00:1::/64 sub2=fd00:2::/64
		onlink=:: gw1=fd00:1::1 gw2=fd00:2::1 cpl=64
		A1=fd00:1::101 A3=fd00:2::103 B1=fd00:1::201 B2=fd00:2::202
	fi
	declare -gA CA PA VSIDOF MACOF HOSTOF
	CA=([VmA1]=$A1 [VmA3]=$A3 [VmB1]=$B1 [VmB2]=$B2)
	PA=([VmA1]=${pfx}101 [VmA3]=${pfx}103 [VmB1]=${pfx}201 [VmB2]=${pfx}202)
	VSIDOF=([VmA1]=6000 [VmA3]=6001 [VmB1]=6000 [VmB2]=6001)
	MACOF=([VmA1]=60:00:60:00:01:01 [VmA3]=60:01:60:01:01:03
		[VmB1]=60:00:60:00:02:01 [VmB2]=60:01:60:01:02:02)
	HOSTOF=([VmA1]=a [VmA3]=a [VmB1]=b [VmB2]=b)
	segment_create
	host_create a
	host_create b
	start_agent a || return 1
	start_agent b || return 1
	local h vm script gwn
	for h in a b; do
		gwn=1
		[ "$h" = b ] && gwn=2
		script="$TMPD/pol-$h.ps1"
		{
			echo "New-VMSwitch -Name HNVSwitch -NetAdapterName eth0"
			echo "\$NIC = Get-NetAdapter eth0"
			echo "New-NetVirtualizationProviderAddress -InterfaceIndex \$NIC.InterfaceIndex -ProviderAddress ${pfx}$([ $h = a ] && echo 22 || echo 33) -PrefixLength $plen"
			for vm in VmA1 VmA3 VmB1 VmB2; do
				[ "${HOSTOF[$vm]}" = "$h" ] || continue
				echo "New-NetVirtualizationProviderAddress -InterfaceIndex \$NIC.InterfaceIndex -ProviderAddress ${PA[$vm]} -PrefixLength $plen"
				echo "New-VM -Name $vm"
				echo "Add-VMNetworkAdapter -VMName $vm -Name eth0 -SwitchName HNVSwitch -StaticMacAddress ${MACOF[$vm]//:/}"
				echo "Set-VMNetworkAdapter -VMName $vm -VirtualSubnetId ${VSIDOF[$vm]}"
			done
			echo "New-NetVirtualizationCustomerRoute -RoutingDomainID \"$RD\" -VirtualSubnetID 6000 -DestinationPrefix $sub1 -NextHop $onlink -Metric 255"
			echo "New-NetVirtualizationCustomerRoute -RoutingDomainID \"$RD\" -VirtualSubnetID 6001 -DestinationPrefix $sub2 -NextHop $onlink -Metric 255"
			echo "New-NetVirtualizationLookupRecord -CustomerAddress $gw1 -VirtualSubnetID 6000 -MACAddress 600060000${gwn}00 -ProviderAddress ${pfx}$([ $h = a ] && echo 22 || echo 33) -Rule TranslationMethodEncap"
			for vm in VmA1 VmA3 VmB1 VmB2; do
				echo "New-NetVirtualizationLookupRecord -CustomerAddress ${CA[$vm]} -VirtualSubnetID ${VSIDOF[$vm]} -MACAddress ${MACOF[$vm]//:/} -ProviderAddress ${PA[$vm]} -Rule TranslationMethodNat"
			done
		} >"$script"
		if [ "$mode" = ps ]; then
			hc "$h" ps "$script" >"$TMPD/ps-$h.out" 2>&1 ||
				{ fail "$t policy on $h (hnvctl ps)"; show_tail "$TMPD/ps-$h.out"; return 1; }
		else
			hc "$h" switch add name HNVSwitch netadapter eth0 >/dev/null || return 1
			hc "$h" provider-address add pa "${pfx}$([ $h = a ] && echo 22 || echo 33)" \
				prefix_len "$plen" ifindex "$(ifindex "${HOST_NS[$h]}" eth0)" >/dev/null || return 1
			for vm in VmA1 VmA3 VmB1 VmB2; do
				if [ "${HOSTOF[$vm]}" = "$h" ]; then
					hc "$h" provider-address add pa "${PA[$vm]}" prefix_len "$plen" \
						ifindex "$(ifindex "${HOST_NS[$h]}" eth0)" >/dev/null || return 1
					hc "$h" vm-adapter add vm "$vm" name eth0 switch HNVSwitch \
						mac "${MACOF[$vm]}" vsid "${VSIDOF[$vm]}" >/dev/null || return 1
				fi
				hc "$h" lookup-record add ca "${CA[$vm]}" vsid "${VSIDOF[$vm]}" \
					mac "${MACOF[$vm]}" pa "${PA[$vm]}" rule nat >"$TMPD/lr.out" 2>&1 ||
					{ fail "$t lookup-record add rule nat"; show_tail "$TMPD/lr.out"; return 1; }
			done
			hc "$h" customer-route add rdid "$RD" vsid 6000 prefix "$sub1" nexthop "$onlink" >/dev/null || return 1
			hc "$h" customer-route add rdid "$RD" vsid 6001 prefix "$sub2" nexthop "$onlink" >/dev/null || return 1
			hc "$h" lookup-record add ca "$gw1" vsid 6000 mac "60:00:60:00:0$gwn:00" \
				pa "${pfx}$([ $h = a ] && echo 22 || echo 33)" >/dev/null || return 1
		fi
	done
	ok "$t policy applied (lookup records with TranslationMethodNat, no warning)"
	check_eq "$t no 'not supported' warning" "" \
		"$(grep -il 'not supported' "$TMPD"/ps-*.out "$TMPD/lr.out" 2>/dev/null)"
	for vm in VmA1 VmA3 VmB1 VmB2; do
		vm_wait "$vm" eth0 || return 1
		if [ "$fam" = 4 ]; then
			vm_ip4 "$vm" eth0 "${CA[$vm]}/$cpl" "$([ "${VSIDOF[$vm]}" = 6000 ] && echo $gw1 || echo $gw2)" || return 1
		else
			vm_ip6 "$vm" eth0 "${CA[$vm]}/$cpl" "$([ "${VSIDOF[$vm]}" = 6000 ] && echo $gw1 || echo $gw2)" || return 1
		fi
	done
	cap_start seg "$SW" s-a
	check_ping "$t VmA1 -> VmB1 (switched)" VmA1 "$B1" 15
	check_ping "$t VmB1 -> VmA1" VmB1 "$A1"
	check_ping "$t VmA1 -> VmB2 (routed)" VmA1 "$B2" 15
	ttl=$(vx VmA1 ping -n -c 1 -W 2 "$B2" | sed -n 's/.*ttl=\([0-9]*\).*/\1/p')
	check_eq "$t VmA1 sees VmB2's reply with TTL 63 (routed once, on HostB)" 63 "$ttl"
	check_ping "$t VmA3 -> VmB1 (routed the other way)" VmA3 "$B1" 15
	tcp_transfer "$t 1 MB TCP VmA1 -> VmB1 (captured)" VmA1 VmB1 "$B1" 1
	rm -f "$TMPD/xfer.src"
	cap_stop seg
	# The big transfers without the (Python) capture in the way.
	tcp_transfer "$t 10 MB TCP VmA1 -> VmB1" VmA1 VmB1 "$B1" 10
	rm -f "$TMPD/xfer.src"
	tcp_transfer "$t 10 MB TCP VmB2 -> VmA1 (routed)" VmB2 VmA1 "$A1" 10
	rm -f "$TMPD/xfer.src"
	local ipf=ip
	[ "$fam" = 6 ] && ipf=ipv6
	n_pa=$(tshark -n -r "${CAP_FILE[seg]}" -Y "$ipf.src == ${PA[VmA1]} && $ipf.dst == ${PA[VmB1]} && tcp" 2>/dev/null | wc -l)
	check_gt "$t tshark: TCP from PA ${PA[VmA1]} to PA ${PA[VmB1]} on the wire" "$n_pa" 50
	check_eq "$t tshark: no CA on the wire" 0 \
		"$(tshark -n -r "${CAP_FILE[seg]}" -Y "$ipf.addr == $A1 || $ipf.addr == $B1 || $ipf.addr == $B2" 2>/dev/null | wc -l)"
	check_eq "$t tshark: no GRE, no VXLAN on the wire" 0 \
		"$(tshark -n -r "${CAP_FILE[seg]}" -Y "gre || udp.port == 4789" 2>/dev/null | wc -l)"
	for r in nat_address nat_no_source nat_unknown_source spoofed_src_ip; do
		check_eq "$t HostA counted no $r drop" 0 "$(drop_count a $r)"
		check_eq "$t HostB counted no $r drop" 0 "$(drop_count b $r)"
	done
	# A forged packet from a PA that is no IP Rewrite record.
	local u0 icmp0
	u0=$(drop_count a nat_unknown_source)
	host_create rogue
	amac=$(link_mac "${HOST_NS[a]}" eth0)
	hx rogue "$PY" - <<PYEOF 2>"$TMPD/forge.err"
from scapy.all import *
conf.verb = 0
ipl = IP if "$fam" == "4" else IPv6
dmac = "$amac"
s = conf.L2socket(iface="eth0")
for i in range(3):
    s.send(Ether(dst=dmac, src="02:66:66:66:66:66")/ipl(src="${pfx}66", dst="${PA[VmA1]}")/UDP(sport=7, dport=7)/Raw(b"forged"))
PYEOF

	grew() { [ "$(drop_count a nat_unknown_source)" -gt "$u0" ]; }
	check_wait "$t forged packet from ${pfx}66 dropped (nat_unknown_source)" -t 3 grew || show_tail "$TMPD/forge.err"
	info "$t HostA drops: $(hc a --json stats | jq -c '.drops | with_entries(select(.value > 0))') events: $(hc a --json stats | jq -c '.events | with_entries(select(.value > 0))')"
	topo_down
}

round 4 native
round 6 ps

finish
