<# Pipelines, variables and the rest of the subset hnvctl ps supports
   beyond the seeds' scripts. #>
new-vmswitch HNVSwitch -NetAdapterName Ethernet
New-VM Web1 -SwitchName HNVSwitch; New-VM Web2 -SwitchName HNVSwitch
Add-VMNetworkAdapter -VMName Web1 -Name eth1 -SwitchName HNVSwitch `
    -StaticMacAddress 60-00-60-00-09-01
Add-VMNetworkAdapter Web2 -SwitchName HNVSwitch  # named eth1: eth0 is taken
Get-VMNetworkAdapter -VMName web1

# Simplified Where-Object syntax, wildcards, a leading-pipe continuation.
Get-VMNetworkAdapter Web* | Where-Object Name -eq eth0
  | Set-VMNetworkAdapter -VirtualSubnetId 6000
Get-VMNetworkAdapter -All |
    ? { $_.VirtualSubnetId -ne 0 -and $_.VMName -like "web*" } |
    ft VMName, Name, VirtualSubnetId
Get-VMNetworkAdapter -All | where { $_.VirtualSubnetId -gt 0 -or $_.Name -ceq "ETH1" } | ft -AutoSize

# Records: an L2Only record, then a migration by pipeline.
New-NetVirtualizationLookupRecord –CustomerAddress 10.0.1.5 –VirtualSubnetID 6000 –MACAddress 60:00:60:00:01:05 –ProviderAddress 192.168.0.22 –Rule “TranslationMethodEncap”
New-NetVirtualizationLookupRecord -CustomerAddress 0.0.0.0 -VirtualSubnetID 6000 -MACAddress 600060000106 -ProviderAddress 192.168.0.33 -Rule TranslationMethodEncap -Type L2Only
New-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.7 -VirtualSubnetID 6000 -MACAddress 600060000107 -ProviderAddress 192.168.0.22 -VMName 'Web 7' -CustomerID {12345678-AAAA-2000-3000-123456780001} -UseVmMACAddress $true
Get-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.5 | Set-NetVirtualizationLookupRecord -ProviderAddress 192.168.0.33
Set-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.7 -VirtualSubnetID 6000 -Context "moved"
Get-NetVirtualizationLookupRecord -VirtualSubnetID 6000 | fl CustomerAddress, ProviderAddress, Type
Get-NetVirtualizationLookupRecord | ft
Get-NetVirtualizationLookupRecord -VMName "web 7" | Format-List -Property *
$rec = Get-NetVirtualizationLookupRecord -Type L2Only
$rec.MACAddress
$rec | fl MAC*, Type
Remove-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.5 -VirtualSubnetID 6000 -Confirm:$false
Get-NetVirtualizationLookupRecord | Remove-NetVirtualizationLookupRecord
Get-NetVirtualizationLookupRecord

# Provider routes, and Set- on one.
New-NetVirtualizationProviderRoute -InterfaceIndex 12 -DestinationPrefix 192.168.2.0/24 -NextHop 192.168.1.1
Set-NetVirtualizationProviderRoute -DestinationPrefix 192.168.2.0/24 -NextHop 192.168.1.1 -Metric 10
Get-NetVirtualizationProviderRoute | fl *

# Values and variables.
$n = 6000
Get-NetAdapter -Name Ethernet | fl Name, ifIndex, MacAddress
"a string", 42
Get-VMSwitch | Format-Table Name, NetAdapter*
New-NetVirtualizationCustomerRoute -RoutingDomainID "{12345678-1000-2000-3000-123456780001}" -VirtualSubnetID $n -DestinationPrefix 2001:db8:1::/64 -PassThru
Remove-VMNetworkAdapter -VMName Web2 -Name eth1
Get-VMNetworkAdapter -VMName Web2 | Out-Null
Import-Module NetWNV
Set-NetVirtualizationCustomerRoute -Metric 7
Get-NetVirtualizationCustomerRoute | ft DestinationPrefix, Metric
