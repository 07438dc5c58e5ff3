# Set-VMNetworkAdapter for a VM that has no adapters names the VM.
New-VMSwitch "HNVSwitch" -NetAdapterName "Ethernet"
New-VM -Name Contoso1 -SwitchName HNVSwitch
Set-VMNetworkAdapter -VMName Contosol -StaticMacAddress 600060000101
Get-VMNetworkAdapter *
