# The blog post's "Blue" network on Hyper-V Host 1 (seed 000), its
# commands unchanged: one line each, quoted numbers, $NIC.InterfaceIndex,
# and the Get | where | Set pipeline.  The blog assumes the VMs exist;
# the first block creates them.

New-VMSwitch "HNVSwitch" -NetAdapterName "Ethernet" -AllowManagementOS $true
New-VM -Name BlueVM1 -SwitchName HNVSwitch
Set-VMNetworkAdapter -VMName BlueVM1 -StaticMacAddress 101010101105
New-VM -Name RedVM1 -SwitchName HNVSwitch
Set-VMNetworkAdapter -VMName RedVM1 -StaticMacAddress 101010101106

  # 1. Enable the Windows Network Virtualization binding on the physical NIC
    Enable-NetAdapterBinding Ethernet -ComponentID ms_netwnv

  # 2. Configure Blue Subnet Locator and Route records on each Hyper-V Host
    New-NetVirtualizationLookupRecord -CustomerAddress "10.1.1.11" -ProviderAddress "192.168.1.10" -VirtualSubnetID "6001" -MACAddress "101010101105" -Rule "TranslationMethodEncap"

    New-NetVirtualizationLookupRecord -CustomerAddress "10.1.1.12" -ProviderAddress "192.168.2.20" -VirtualSubnetID "6001" -MACAddress "101010101107" -Rule "TranslationMethodEncap"

    New-NetVirtualizationCustomerRoute -RoutingDomainID "{11111111-2222-3333-4444-000000000000}" -VirtualSubnetID "6001" -DestinationPrefix "10.1.1.0/24" -NextHop "0.0.0.0" -Metric 255 

  # 3. Configure the Provider Address and Route records on Hyper-V Host 1
    $NIC = Get-NetAdapter Ethernet

    New-NetVirtualizationProviderAddress -InterfaceIndex $NIC.InterfaceIndex -ProviderAddress "192.168.1.10" -PrefixLength 24

    New-NetVirtualizationProviderRoute -InterfaceIndex $NIC.InterfaceIndex -DestinationPrefix "0.0.0.0/0" -NextHop "192.168.1.1"

  # 5. Configure the Virtual Subnet ID on the switch port of BlueVM1
    Get-VMNetworkAdapter -VMName BlueVM1 | where {$_.MacAddress -eq "101010101105"} | Set-VMNetworkAdapter -VirtualSubnetID 6001

# Check
Get-VMNetworkAdapter -All
Get-VMNetworkAdapter -All | fl VMName, MacAddress, VirtualSubnetId
Get-NetVirtualizationProviderRoute
Get-NetVirtualizationCustomerRoute | Format-Table
$NIC
