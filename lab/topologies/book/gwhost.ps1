# SPDX-License-Identifier: Apache-2.0
#
# The gateway host of the book's "Hyper-V Network Virtualization: Simple
# setup" (MT-GW, VSID 6001, PA 192.168.0.11), as printed, with its typos
# corrected: Instal1 -> Install, ExternalSwich -> ExternalSwitch,
# "MT-Gw" -> "MT-GW", the broken "$iface = ((Get-VMSwitch ...).ifIndex)"
# line replaced by Get-NetAdapter (and -PrefixLength 24 moved out of it),
# and the 10.0.2.1 record's PA 192.168.0.33 -> 192.168.0.11 (this host's
# own PA, as step 7 says).  Each of MT-GW's adapters gets its own MAC
# (-Name), and the VSID goes on IntNIC only: ExtNIC is on the external,
# non-virtualized switch.
# Run by `hnv-lab up book` as `hnvctl ps gwhost.ps1`.  The steps inside
# MT-GW (addresses, the route to 10.0.1.0/24, forwarding) are the
# topology's guest line.

# Gateway VM setup

# 2. Install the Hyper-V role (nothing to do on Linux).
Install-WindowsFeature
-Name Hyper-V
-ComputerName localhost
-IncludeManagementTools
-Restart

# 3. Create a virtual switch for the HNV network.
New-VMSwitch "HNVSwitch"
-NetAdapterName "Ethernet"
-AllowManagementOS 1

# 4. Create a virtual switch for the external network that connects to the
#    physical server.
New-VMSwitch "ExternalSwitch"
-NetAdapterName "Ethernet2"
-AllowManagementOS 1

# 5. Create the VM for MT-GW (no adapter yet).
New-VM
-Name "MT-GW"
-VHDPath "Location of VHD"
-Generation 2

# 6. Create a VM network adapter on the HNV switch in the MT-GW VM.
Add-VMNetworkAdapter
-VMName MT-GW
-Name IntNIC
-SwitchName "HNVSwitch"

# 7. Set the MAC address of the adapter on the HNV network.
Set-VMNetworkAdapter
-VMName "MT-GW"
-Name IntNIC
-StaticMacAddress 600160010301

# 8. Create a VM network adapter on the external switch in the MT-GW VM.
Add-VMNetworkAdapter
-VMName MT-GW
-Name ExtNIC
-SwitchName "ExternalSwitch"

# 9. Set the MAC address of the adapter on the external network.
Set-VMNetworkAdapter
-VMName "MT-GW"
-Name ExtNIC
-StaticMacAddress 600160010302

# Gateway host HNV policy configuration

# 2. Configure the PA on the host.
$NIC = Get-NetAdapter Ethernet

New-NetVirtualizationProviderAddress
-ProviderAddress 192.168.0.11
-MacAddress 223344556677
-InterfaceIndex $NIC.InterfaceIndex
-PrefixLength 24

# 3. Set the VSID on the gateway's HNV adapter.
Set-VMNetworkAdapter
-VMName "MT-GW"
-Name IntNIC
-VirtualSubnetId 6001

# 4. Customer route for the 10.0.1.0/24 subnet (VSID 6000).
New-NetVirtualizationCustomerRoute
-RoutingDomainID "{12345678-1000-2000-3000-123456780001}"
-VirtualSubnetID 6000
-DestinationPrefix 10.0.1.0/24
-NextHop 0.0.0.0

# 5. Customer route for the gateway's 10.0.2.0/24 subnet (VSID 6001).
New-NetVirtualizationCustomerRoute
-RoutingDomainID "{12345678-1000-2000-3000-123456780001}"
-VirtualSubnetID 6001
-DestinationPrefix 10.0.2.0/24
-NextHop 0.0.0.0

# 6. Wildcard route of the routing domain, through the gateway MT-GW.
New-NetVirtualizationCustomerRoute
-RoutingDomainID "{12345678-1000-2000-3000-123456780001}"
-VirtualSubnetID 6001
-DestinationPrefix 0.0.0.0/0
-NextHop 10.0.2.2

# 7. Lookup record for the default gateway 10.0.2.1 of VSID 6001 on this
#    host.
New-NetVirtualizationLookupRecord
-CustomerAddress 10.0.2.1
-VirtualSubnetID 6001
-MACAddress 600160010300
-ProviderAddress 192.168.0.11
-Type Static
-Rule TranslationMethodEncap

# 8. Contoso1, on Host 1.
New-NetVirtualizationLookupRecord
-CustomerAddress 10.0.1.101
-VirtualSubnetID 6000
-MACAddress 600060000101
-ProviderAddress 192.168.0.22
-Rule TranslationMethodEncap

# 9. Contoso2, on Host 1.
New-NetVirtualizationLookupRecord
-CustomerAddress 10.0.1.102
-VirtualSubnetID 6000
-MACAddress 600060000102
-ProviderAddress 192.168.0.22
-Rule TranslationMethodEncap

# 10. Contoso3, on Host 2.
New-NetVirtualizationLookupRecord
-CustomerAddress 10.0.1.103
-VirtualSubnetID 6000
-MACAddress 600060000203
-ProviderAddress 192.168.0.33
-Rule TranslationMethodEncap

# 11. The gateway MT-GW, on the gateway host.
New-NetVirtualizationLookupRecord
-CustomerAddress 10.0.2.2
-VirtualSubnetID 6001
-MACAddress 600160010301
-ProviderAddress 192.168.0.11
-Rule TranslationMethodEncap

# 12-13. The book's Set-VMNetworkAdapterIsolation (-MultiTenantStack on)
# and Add-VmNetworkAdapterRoutingDomainMapping turn MT-GW into a
# multi-tenant gateway with a compartment per routing domain.  Not
# supported yet (that is hnv-gateway's job); MT-GW here is a plain Linux
# router with forwarding on, which is all the single-tenant lab needs.
