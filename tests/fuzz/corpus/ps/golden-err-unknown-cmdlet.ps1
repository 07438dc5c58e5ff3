# The book's Host 1 steps as printed (OCR typos included): every error is
# reported before anything runs, with its line.
Instal1-WindowsFeature

-Name Hyper-V

-ComputerName localhost

New-VMSwitch "HNVSwitch"

-NetAdapterName "Ethernet"

Siface =

((Get-VMSwitch -name "HNVSwitch").NetAdapterInterfaceDescription)).ifIndex)

New-NetVirtualizationProviderAddress

-ProviderAddress 192.168.0.22

-MacAddress 334455667788

-InterfaceIndex ((get-netadapter -InterfaceDescription $iface))

-PrefixLength 24

Set-NetFirewal1Ruie

-DisplayName "File and Printer Sharing (Echo Request - ICMPv4-In)"

-enabled True

ping 10.0.1.1
Set-VMNetworkAdapterlsolation -VMName MT-GW
Get-VMNetworkAdaptor * | fl
