# The gateway host of the book's "Simple setup", laid out as printed, with
# the printing errors corrected (Install-WindowsFeature, ExternalSwitch,
# the GWHost's ".1" record pointing at its own PA 192.168.0.11, the $iface
# lines replaced by Get-NetAdapter).  MT-GW has two adapters, so the
# Set-VMNetworkAdapter steps name the one they mean (-Name): as printed they
# would give both adapters the same MAC and VSID, in Hyper-V too.  Steps 12
# and 13 (the multi-tenant gateway) are in err-gateway-mt.ps1.  The VM is
# "MT-Gw" in one step and "MT-GW" in the others, as printed: VM names are
# case-insensitive.

Install-WindowsFeature

-Name Hyper-V

-ComputerName localhost

-IncludeManagementTools

-Restart

New-VMSwitch "HNVSwitch"

-NetAdapterName "Ethernet"

-AllowManagementOS 1

New-VMSwitch "ExternalSwitch"

-NetAdapterName "Ethernet2"

-AllowManagementOS 1

New-VM

-Name "MT-Gw"

-VHDPath "Location of VHD"

-Generation 2

Add-VMNetworkAdapter

-VMName MT-GW

-Name IntNIC

-SwitchName "HNVSwitch"

Set-VMNetworkAdapter

-VMName "MT-GW"

-Name IntNIC

-StaticMacAddress 600160010301

Add-VMNetworkAdapter

-VMName MT-GW

-Name ExtNIC

-SwitchName "ExternalSwitch"

Set-VMNetworkAdapter

-VMName "MT-GW"

-Name ExtNIC

-StaticMacAddress 600160010302

$NIC = Get-NetAdapter Ethernet

New-NetVirtualizationProviderAddress

-ProviderAddress 192.168.0.11

-MacAddress 223344556677

-InterfaceIndex $NIC.InterfaceIndex

-PrefixLength 24

Set-VMNetworkAdapter

-VMName "MT-GW"

-Name IntNIC

-VirtualSubnetId 6001

New-NetVirtualizationCustomerRoute

-RoutingDomainID "{12345678-1000-2000-3000-123456780001}"

-VirtualSubnetID 6000

-DestinationPrefix 10.0.1.0/24

-NextHop 0.0.0.0

New-NetVirtualizationCustomerRoute

-RoutingDomainID "{12345678-1000-2000-3000-123456780001}"

-VirtualSubnetID 6001

-DestinationPrefix 10.0.2.0/24

-NextHop 0.0.0.0

New-NetVirtualizationCustomerRoute

-RoutingDomainID "{12345678-1000-2000-3000-123456780001}"

-VirtualSubnetID 6001

-DestinationPrefix 0.0.0.0/0

-NextHop 10.0.2.2

New-NetVirtualizationLookupRecord

-CustomerAddress 10.0.2.1

-VirtualSubnetID 6001

-MACAddress 600160010300

-ProviderAddress 192.168.0.11

-Type Static

-Rule TranslationMethodEncap

New-NetVirtualizationLookupRecord

-CustomerAddress 10.0.1.101

-VirtualSubnetID 6000

-MACAddress 600060000101

-ProviderAddress 192.168.0.22

-Rule TranslationMethodEncap

New-NetVirtualizationLookupRecord

-CustomerAddress 10.0.1.102

-VirtualSubnetID 6000

-MACAddress 600060000102

-ProviderAddress 192.168.0.22

-Rule TranslationMethodEncap

New-NetVirtualizationLookupRecord

-CustomerAddress 10.0.1.103

-VirtualSubnetID 6000

-MACAddress 600060000203

-ProviderAddress 192.168.0.33

-Rule TranslationMethodEncap

New-NetVirtualizationLookupRecord

-CustomerAddress 10.0.2.2

-VirtualSubnetID 6001

-MACAddress 600160010301

-ProviderAddress 192.168.0.11

-Rule TranslationMethodEncap

Get-VMNetworkAdapter * | fl VMName,MacAddress,VirtualSubnetId,SwitchName

Get-NetVirtualizationCustomerRoute

Get-NetVirtualizationLookupRecord

Get-NetVirtualizationProviderAddress
