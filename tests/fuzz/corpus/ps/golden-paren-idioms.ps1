# Parenthesised sub-expressions, as the book and the blogs write them.
New-VMSwitch -Name "HNVSwitch" -NetAdapterName "Ethernet" -AllowManagementOS $true
New-NetVirtualizationProviderAddress -ProviderAddress 192.168.0.22 -InterfaceIndex (Get-NetAdapter Ethernet).InterfaceIndex -PrefixLength 24
New-NetVirtualizationProviderAddress -ProviderAddress 192.168.0.23 -InterfaceIndex (Get-NetAdapter -Name "Ethernet2").ifIndex -PrefixLength 24
$iface = (Get-VMSwitch -Name "HNVSwitch").NetAdapterInterfaceDescription
$iface
New-NetVirtualizationProviderRoute -InterfaceIndex (Get-NetAdapter -InterfaceDescription $iface).ifIndex `
    -DestinationPrefix "0.0.0.0/0" -NextHop "192.168.0.1"
$desc = ((Get-VMSwitch -name "HNVSwitch").NetAdapterInterfaceDescription)
Write-Host "switch uplink: $desc"
New-VM -Name Blue1 -SwitchName HNVSwitch
New-VM -Name Blue2 -SwitchName HNVSwitch
(Get-VM).Count
(Get-VM).Name
(Get-NetVirtualizationProviderAddress).Count
(Get-NetVirtualizationLookupRecord).Count
$x = (Get-NetAdapter Ethernet)
$x.ifIndex
$r = Get-NetVirtualizationProviderAddress -ProviderAddress 192.168.0.23
($r).ProviderAddress
(Get-VM Blue1)
(Get-VM |
    Where-Object { $_.Name -like "Blue*" }).Count
Get-VM | Where-Object { $_.Name -eq (Get-VM Blue2).Name } | ft Name
Write-Host "adapters:" (Get-VMNetworkAdapter -VMName Blue*).Count
(Get-VM | Measure-Object).Count
$n = (Get-VM).Count
"$n VMs"
