New-NetVirtualizationCustomerRoute -RoutingDomainID "{12345678-1000-2000-3000-123456780001}" -VirtualSubnetID 6000 -DestinationPrefix 10.0.1.0/24 -NextHop 0.0.0.0
Set-NetVirtualizationCustomerRoute -RoutingDomainID "{12345678-1000-2000-3000-123456780001}" -DestinationPrefix 10.0.1.0/24 -Metric 5
Get-NetVirtualizationCustomerRoute | ft
Remove-NetVirtualizationCustomerRoute -DestinationPrefix 10.0.9.0/24
