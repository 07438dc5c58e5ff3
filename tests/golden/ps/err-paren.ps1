# ( ) errors: found before anything runs, or when the inner command fails.
New-VMSwitch -Name "HNVSwitch" -NetAdapterName "Ethernet"
New-NetVirtualizationProviderAddress -ProviderAddress 192.168.0.22 -InterfaceIndex (Get-NetAdapter -InterfaceDescription Ethernet7).ifIndex -PrefixLength 24
