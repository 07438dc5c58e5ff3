Get-NetVirtualizationLookupRecord | Set-NetVirtualizationLookupRecord -ProviderAddress 1.2.3.4 -PassThru | fl
Get-NetVirtualizationLookupRecord -Type L2Only | Remove-NetVirtualizationLookupRecord
Remove-NetVirtualizationCustomerRoute -Metric 0
$n = Get-NetAdapter Ethernet
New-NetVirtualizationProviderRoute -InterfaceIndex $n.ifIndex -DestinationPrefix 0.0.0.0/0 -NextHop 1.1.1.1
