# A ( ) that yields several values where one is needed.
New-VMSwitch -Name "HNVSwitch" -NetAdapterName "Ethernet"
New-NetVirtualizationProviderAddress -ProviderAddress 192.168.0.22 -InterfaceIndex (Get-NetAdapter Eth*).ifIndex -PrefixLength 24
