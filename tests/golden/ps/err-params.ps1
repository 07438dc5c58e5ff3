# Parameter errors, all found before anything runs.
New-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.101 -VirtualSubnetID 6000 -MACAddress 600060000101 -ProviderAdress 192.168.0.22
New-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.101 -VirtualSubnetID abc -MACAddress 600060000101 -ProviderAddress 192.168.0.22
New-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.101 -VirtualSubnetID 70 -MACAddress 600060000101 -ProviderAddress 192.168.0.22
New-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.101 -VirtualSubnetID 6000 -MACAddress 60-00-zz -ProviderAddress 192.168.0.22
New-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.101 -VirtualSubnetID 6000 -MACAddress 600060000101 -ProviderAddress 192.168.0.22 -Rule Encapsulate
New-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.300 -VirtualSubnetID 6000 -MACAddress 600060000101 -ProviderAddress 192.168.0.22
New-NetVirtualizationLookupRecord -VirtualSubnetID 6000 -MACAddress 600060000101 -ProviderAddress 192.168.0.22
New-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.101 -VirtualSubnetID 6000 -MACAddress 600060000101
New-NetVirtualizationCustomerRoute -RoutingDomainID "{12345678-1000-2000-3000-12345678}" -VirtualSubnetID 6000 -DestinationPrefix 10.0.1.0/24
New-NetVirtualizationCustomerRoute -RoutingDomainID "{12345678-1000-2000-3000-123456780001}" -VirtualSubnetID 6000 -DestinationPrefix 10.0.1.1/24
New-NetVirtualizationProviderAddress -ProviderAddress 192.168.0.22 -PrefixLength 24 -P 334455667788 -InterfaceIndex 2
New-NetVirtualizationProviderAddress -ProviderAddress 192.168.0.22 -PrefixLength 24 -InterfaceIndex $NIC.InterfaceIndex
New-VMSwitch -NetAdapterName Ethernet
New-VMSwitch HNVSwitch -NetAdapterName "a very long interface name"
New-VMSwitch HNVSwitch -NetAdapterName Ethernet -AllowManagementOS maybe
Add-VMNetworkAdapter -VMName MT-GW -Name "Network Adapter" -SwitchName HNVSwitch
Set-VMNetworkAdapter -VMName Contoso1 -VirtualSubnetId 6000 -VirtualSubnetId 6001
Set-VMNetworkAdapter -StaticMacAddress 600060000101
Get-VMNetworkAdapter Contoso1 Contoso2
Get-VMNetworkAdapter -VMName
Get-NetVirtualizationLookupRecord | Set-VMNetworkAdapter -VirtualSubnetId 6000
Get-NetVirtualizationLookupRecord | New-NetVirtualizationLookupRecord
Get-VMNetworkAdapter * | fl VMName,MacAdress
Get-VMNetworkAdapter * | where {$_.MacAdress -eq "101010101105"}
Get-VMNetworkAdapter * | where {$_.MacAddress -match "1010"}
Get-VMNetworkAdapter * | where {$_.MacAddress -eq 101010101105 -xor $true}
Get-VMNetworkAdapter * | where {$_.MacAddress -eq BlueVM1}
$NIC = Get-NetAdapter Ethernet
New-NetVirtualizationProviderRoute -InterfaceIndex $NIC.ifIndx -DestinationPrefix 0.0.0.0/0 -NextHop 192.168.1.1
New-VM -Name "Contoso$(Get-Random)"
