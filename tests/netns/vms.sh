#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# vms.sh: VMs as the agent keeps them.  New-VM without a switch makes a
# VM with no adapter; Get-VM lists it; after a "reboot" (the agent killed
# and every VM namespace gone) the restarted agent makes the namespaces
# again, with the adapters' TAPs; Remove-VM removes adapters and namespace.
#
#   segment: bridge br0 in ${P}sw --- s-a --- HostA eth0 (hnv-agent)
#                                              |- VmA  (eth0 on HNVSwitch)
#                                              '- Lone (no adapter)

TEST_TAG=hv
. "$(dirname "$0")/lib.sh"

require_root
require_bins
require_tools jq

segment_create
host_create a
start_agent a || finish

ns_exists() { [ -e "/run/netns/$1" ] && ip netns exec "$1" true; }

hc a switch add name HNVSwitch netadapter eth0 >/dev/null
printf '%s\n' 'New-VM -Name "Lone"' \
	'New-VM -Name "VmA" -SwitchName "HNVSwitch"' \
	'Set-VMNetworkAdapter -VMName VmA -StaticMacAddress 020000000a01' \
	>"$TMPD/vms.ps1"
check "ps: New-VM with and without a switch" hc a ps "$TMPD/vms.ps1"
check "Lone's namespace exists" ns_exists "$(vm_ns Lone)"
vm_wait VmA
check_eq "vm get lists both, in order" "Lone VmA" \
	"$(hcj a '[.[].vm] | join(" ")' vm get)"
check_eq "VmA has one adapter" 1 \
	"$(hcj a '.[] | select(.vm=="VmA") | .adapters' vm get)"

# A reboot: the agent dies and the namespaces (and the TAP in one) go.
stop_agent a KILL
ip netns del "$(vm_ns Lone)"
ip netns del "$(vm_ns VmA)"
check_not "namespaces gone" ns_exists "$(vm_ns Lone)"
start_agent a || finish
check "Lone's namespace is back after restart" ns_exists "$(vm_ns Lone)"
check "VmA's eth0 is back after restart" wait_for vm_has_if VmA eth0
check_eq "VmA's eth0 keeps its MAC" 02:00:00:00:0a:01 \
	"$(link_mac "$(vm_ns VmA)" eth0)"
check_eq "vm get after restart" "Lone VmA" \
	"$(hcj a '[.[].vm] | join(" ")' vm get)"

check "vm remove VmA" hc a vm remove vm vma
check_not "VmA's namespace is gone" ns_exists "$(vm_ns VmA)"
check_eq "VmA's adapter is gone from policy" 0 \
	"$(hcj a 'length' vm-adapter get vm VmA)"
check_not "removing an unknown VM fails" hc a vm remove vm nope
check_eq "only Lone remains" "Lone" "$(hcj a '[.[].vm] | join(" ")' vm get)"
check_not "an adapter for an impossible VM name fails" \
	hc a vm-adapter add vm "X/Y" name eth0 switch HNVSwitch
check_eq "... and leaves no VM behind" "Lone" \
	"$(hcj a '[.[].vm] | join(" ")' vm get)"

finish
