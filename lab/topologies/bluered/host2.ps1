# SPDX-License-Identifier: Apache-2.0
#
# Host 2 of the Blue/Red example (two tenants, same CAs, two physical
# subnets), in the one-line style of the walk-through it comes from; the
# Red network and the VM creation are the steps the walk-through leaves to
# the reader.  Run by `hnv-lab up bluered` as `hnvctl ps host2.ps1`.

# 1. Enable the Windows Network Virtualization binding on the physical NIC
#    (nothing to do on Linux).
Enable-NetAdapterBinding Ethernet -ComponentID ms_netwnv

# The virtual switch and this host's VMs, with static MACs.
New-VMSwitch "HNVSwitch" -NetAdapterName "Ethernet" -AllowManagementOS 1
New-VM -Name BlueVM2 -SwitchName HNVSwitch
Set-VMNetworkAdapter -VMName BlueVM2 -StaticMacAddress 101010101107
New-VM -Name RedVM2 -SwitchName HNVSwitch
Set-VMNetworkAdapter -VMName RedVM2 -StaticMacAddress 101010101207

# 2. Blue subnet lookup records and route (same on both hosts).
New-NetVirtualizationLookupRecord -CustomerAddress "10.1.1.11" -ProviderAddress "192.168.1.10" -VirtualSubnetID "6001" -MACAddress "101010101105" -Rule "TranslationMethodEncap"
New-NetVirtualizationLookupRecord -CustomerAddress "10.1.1.12" -ProviderAddress "192.168.2.20" -VirtualSubnetID "6001" -MACAddress "101010101107" -Rule "TranslationMethodEncap"
New-NetVirtualizationCustomerRoute -RoutingDomainID "{11111111-2222-3333-4444-000000000000}" -VirtualSubnetID "6001" -DestinationPrefix "10.1.1.0/24" -NextHop "0.0.0.0" -Metric 255

# 2b. Red: the same addresses in its own VSID and routing domain.
New-NetVirtualizationLookupRecord -CustomerAddress "10.1.1.11" -ProviderAddress "192.168.1.10" -VirtualSubnetID "5001" -MACAddress "101010101205" -Rule "TranslationMethodEncap"
New-NetVirtualizationLookupRecord -CustomerAddress "10.1.1.12" -ProviderAddress "192.168.2.20" -VirtualSubnetID "5001" -MACAddress "101010101207" -Rule "TranslationMethodEncap"
New-NetVirtualizationCustomerRoute -RoutingDomainID "{11111111-2222-3333-4444-000000000001}" -VirtualSubnetID "5001" -DestinationPrefix "10.1.1.0/24" -NextHop "0.0.0.0" -Metric 255

# 3. This host's provider address, and the route to the other subnet.
$NIC = Get-NetAdapter Ethernet
New-NetVirtualizationProviderAddress -InterfaceIndex $NIC.InterfaceIndex -ProviderAddress "192.168.2.20" -PrefixLength 24
New-NetVirtualizationProviderRoute -InterfaceIndex $NIC.InterfaceIndex -DestinationPrefix "0.0.0.0/0" -NextHop "192.168.2.1"

# 5. The VSID on each VM's switch port.
Get-VMNetworkAdapter -VMName BlueVM2 | where {$_.MacAddress -eq "101010101107"} | Set-VMNetworkAdapter -VirtualSubnetID 6001
Get-VMNetworkAdapter -VMName RedVM2 | where {$_.MacAddress -eq "101010101207"} | Set-VMNetworkAdapter -VirtualSubnetID 5001
