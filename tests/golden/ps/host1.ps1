# Host 1 of the book's "Hyper-V Network Virtualization: Simple setup",
# laid out as printed (each parameter on a line of its own, blank lines in
# between), with the printing errors corrected: Install-WindowsFeature,
# Contoso1, and the $iface lines replaced by Get-NetAdapter.

Install-WindowsFeature

-Name Hyper-V

-ComputerName localhost

-IncludeManagementTools

-Restart

New-VMSwitch "HNVSwitch"

-NetAdapterName "Ethernet"

-AllowManagementOS 1

New-VM

-Name "Contoso1"

-VHDPath "Location of VHD"

-SwitchName "HNVSwitch"

-Generation 2

New-VM

-Name "Contoso2"

-VHDPath "Location of VHD"

-SwitchName "HNVSwitch"

-Generation 2

Set-VMNetworkAdapter

-VMName "Contoso1"

-StaticMacAddress 600060000101

Set-VMNetworkAdapter

-VMName "Contoso2"

-StaticMacAddress 600060000102

$NIC = Get-NetAdapter Ethernet

New-NetVirtualizationProviderAddress

-ProviderAddress 192.168.0.22

-MacAddress 334455667788

-InterfaceIndex $NIC.InterfaceIndex

-PrefixLength 24

Set-VMNetworkAdapter

-VMName "Contoso1"

-VirtualSubnetId 6000

Set-VMNetworkAdapter

-VMName "Contoso2"

-VirtualSubnetId 6000

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

-CustomerAddress 10.0.1.1

-VirtualSubnetID 6000

-MACAddress 600060000100

-ProviderAddress 192.168.0.22

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

# Validation: the book's four commands.

Get-VMNetworkAdapter * | fl VMName,MacAddress,VirtualSubnetId,SwitchName

Get-NetVirtualizationCustomerRoute

Get-NetVirtualizationLookupRecord

Get-NetVirtualizationProviderAddress
