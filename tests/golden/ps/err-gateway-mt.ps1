# Steps 12 and 13 of the book's gateway host: the multi-tenant gateway
# cmdlets are not supported yet, and say so when they run.
New-VMSwitch "HNVSwitch" -NetAdapterName "Ethernet"
New-VM -Name "MT-GW"
Add-VMNetworkAdapter -VMName MT-GW -Name IntNIC -SwitchName "HNVSwitch"

Set-VMNetworkAdapterIsolation

-VMName MT-GW

-VMNetworkAdapterName IntNic

-MultiTenantStack on

-IsolationModeNativeVirtualSubnet

Add-VmNetworkAdapterRoutingDomainMapping

-VMName MT-GW

-VMNetworkAdapterName IntNic

-RoutingDomainID "{00000000-0000-0000-0000-000000000000}"

-RoutingDomainName "ContosoTenant"

-IsolationId 6001

-IsolationName "ContosoGWSubnet"
