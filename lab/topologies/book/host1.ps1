# SPDX-License-Identifier: Apache-2.0
#
# Host 1 of the book's "Hyper-V Network Virtualization: Simple setup"
# (Contoso1 and Contoso2, VSID 6000, PA 192.168.0.22), as printed, with its
# typos corrected: Instal1 -> Install, Contosol -> Contoso1, and the
# broken "$iface = ((Get-VMSwitch ...).ifIndex)" line replaced by
# Get-NetAdapter.  Run by `hnv-lab up book` as `hnvctl ps host1.ps1`.
# The steps inside the VMs (static IP, gateway, firewall) are the
# topology's guest lines.

# Host 1 VM setup

# 2. Install the Hyper-V role (nothing to do on Linux).
Install-WindowsFeature
-Name Hyper-V
-ComputerName localhost
-IncludeManagementTools
-Restart

# 3. Create a virtual switch.
New-VMSwitch "HNVSwitch"
-NetAdapterName "Ethernet"
-AllowManagementOS 1

# 4. Create the VM for Contoso1.
New-VM
-Name "Contoso1"
-VHDPath "Location of VHD"
-SwitchName "HNVSwitch"
-Generation 2

# 5. Create the VM for Contoso2.
New-VM
-Name "Contoso2"
-VHDPath "Location of VHD"
-SwitchName "HNVSwitch"
-Generation 2

# 6. Set the MAC address for the VM network adapters to a static MAC.
Set-VMNetworkAdapter
-VMName "Contoso1"
-StaticMacAddress 600060000101

Set-VMNetworkAdapter
-VMName "Contoso2"
-StaticMacAddress 600060000102

# Host 1 HNV policy configuration

# 2. Configure the PA on the host.
$NIC = Get-NetAdapter Ethernet

New-NetVirtualizationProviderAddress
-ProviderAddress 192.168.0.22
-MacAddress 334455667788
-InterfaceIndex $NIC.InterfaceIndex
-PrefixLength 24

# 3. Set the VSID on the VM network adapters.
Set-VMNetworkAdapter
-VMName "Contoso1"
-VirtualSubnetId 6000

Set-VMNetworkAdapter
-VMName "Contoso2"
-VirtualSubnetId 6000

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

# 7. Lookup record for the default gateway 10.0.1.1 of VSID 6000 on this
#    host.
New-NetVirtualizationLookupRecord
-CustomerAddress 10.0.1.1
-VirtualSubnetID 6000
-MACAddress 600060000100
-ProviderAddress 192.168.0.22
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
