# An unterminated string: the commands before it are checked, nothing runs.
New-VMSwitch "HNVSwitch" -NetAdapterName "Ethernet"
New-VM -Name Contoso1 -SwitchName HNVSwitch
New-VM -Name "Contoso2 -SwitchName HNVSwitch
Get-VMNetworkAdapter *
