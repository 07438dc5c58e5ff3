#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# tests/netns/lab-book-wildcard.sh: the book's gateway reached through a
# GatewayWildcard lookup record instead of the wildcard customer route.
# The book's simple setup (lab/topologies/book.topo, as lab-book.sh draws
# it) comes up with the book's scripts, through the lab's controller;
# then, with the book's cmdlets through `hnvctl ps` (the routing domain's
# routes and records are the controller's: one removal reaches every
# host; the record is created from every host's script, identical):
#
#   Remove-NetVirtualizationCustomerRoute -DestinationPrefix 0.0.0.0/0
#   New-NetVirtualizationLookupRecord -CustomerAddress 0.0.0.0
#       -VirtualSubnetID 6001 -MACAddress 600160010301
#       -ProviderAddress 192.168.0.11 -Rule TranslationMethodEncap
#       -Type GatewayWildcard
#
# Asserts: without the route and before the record, Contoso1 cannot reach
# ContosoPhys (no_route counted); with the record, `hnv-lab check` passes
# again (every pair, ContosoPhys included, reaches through MT-GW), the
# trace of Contoso1 -> 10.1.3.100 names the GatewayWildcard record, and an
# address no record owns is refused from a VM that is not the gateway.
LAB_TAG=tw
. "$(dirname "$0")/lab-lib.sh"

drops() { lab ctl "$1" --json stats | jq ".drops.$2 // 0"; }

lab_require

step "up book --policy ps" lab up "$TOP/lab/topologies/book.topo" --policy ps ||
	exit 1
step "check with the book's 0.0.0.0/0 route" lab check

step "Remove-NetVirtualizationCustomerRoute 0.0.0.0/0 (through Host1)" \
	sh -c "echo 'Remove-NetVirtualizationCustomerRoute -DestinationPrefix 0.0.0.0/0' | $HNV_LAB --lab $NAME ctl Host1 ps -"
step "every agent has applied it" lab synced
for h in host1 host2 gwhost; do
	if "$TOP/build/bin/hnvctl" --agent "/run/hnv-lab/$NAME/$h.sock" \
	    customer-route get | grep -q '0\.0\.0\.0/0'; then
		fail "$h: its agent still has the route 0.0.0.0/0"
	else
		ok "$h: its agent no longer has the route 0.0.0.0/0"
	fi
done
n0=$(drops Host1 no_route)
step_not "without the route: Contoso1 cannot reach ContosoPhys" \
	lab exec Contoso1 ping -n -c 1 -W 1 10.1.3.100
n1=$(drops Host1 no_route)
if [ "$n1" -gt "$n0" ]; then
	ok "Host1 counted no_route ($n0 -> $n1)"
else
	fail "Host1 did not count no_route ($n0 -> $n1)"
fi

for h in Host1 Host2 GWHost; do
	step "$h: New-NetVirtualizationLookupRecord -Type GatewayWildcard" \
		sh -c "printf '%s\n' 'New-NetVirtualizationLookupRecord -CustomerAddress 0.0.0.0 -VirtualSubnetID 6001 -MACAddress 600160010301 -ProviderAddress 192.168.0.11 -Rule TranslationMethodEncap -Type GatewayWildcard' | $HNV_LAB --lab $NAME ctl $h ps -"
done
step "every agent has applied it" lab synced
out=$(echo 'Get-NetVirtualizationLookupRecord -CustomerAddress 0.0.0.0 | fl Type,ProviderAddress' |
	lab ctl Host1 ps - 2>&1)
if grep -q GatewayWildcard <<<"$out" && grep -q 192.168.0.11 <<<"$out"; then
	ok "Get-NetVirtualizationLookupRecord shows the GatewayWildcard record"
else
	fail "Get-NetVirtualizationLookupRecord: $out"
fi
step "with the GatewayWildcard record: check (every pair, ContosoPhys too)" \
	lab check
step "Contoso3 (Host2) -> ContosoPhys" \
	lab exec Contoso3 ping -n -c 2 -W 2 10.1.3.100
trace=$(lab ctl Host1 trace in Contoso1 ip_dst 10.1.3.100 2>&1)
if grep -q GatewayWildcard <<<"$trace" && grep -q 'PA 192.168.0.11' <<<"$trace"; then
	ok "trace Contoso1 -> 10.1.3.100 names the GatewayWildcard record"
else
	fail "trace does not name the wildcard: $(tr '\n' ' ' <<<"$trace")"
fi
# Only the gateway owns what lies beyond: Contoso2 may not pose as it.
s0=$(drops Host1 spoofed_src_ip)
lab exec Contoso2 ip addr add 10.1.3.77/32 dev eth0 >/dev/null 2>&1
step_not "Contoso2 cannot send from 10.1.3.77 (the gateway's, not its own)" \
	lab exec Contoso2 ping -n -c 1 -W 1 -I 10.1.3.77 10.0.1.103
s1=$(drops Host1 spoofed_src_ip)
if [ "$s1" -gt "$s0" ]; then
	ok "Host1 counted spoofed_src_ip ($s0 -> $s1)"
else
	fail "Host1 did not count spoofed_src_ip ($s0 -> $s1)"
fi
