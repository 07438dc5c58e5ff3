# The Hyper-V VM cmdlets: VMs are network namespaces, always running.
New-VMSwitch "HNVSwitch" -NetAdapterName "Ethernet"
New-VM -Name Contoso1 -SwitchName HNVSwitch
New-VM -Name Contoso2 -SwitchName HNVSwitch
New-VM -Name Fabrikam1
Add-VMNetworkAdapter -VMName Web1 -SwitchName HNVSwitch

Get-VM
Get-VM -Name contoso*
Get-VM Contoso1 | fl *
Get-VM Contoso1 | Get-VMNetworkAdapter
Get-VM Fabrikam1 | Add-VMNetworkAdapter -SwitchName HNVSwitch -Name eth3
Get-VM -Name Fabrikam1 | Get-VMNetworkAdapter -Name eth* | ft VMName, Name
Get-VM | select Name, State | sort Name -Descending
$vms = Get-VM | measure
"$($vms.Count) VMs"

Start-VM -Name Contoso1
Stop-VM -Name Contoso1 -Force -TurnOff
Restart-VM Contoso2 -Force -PassThru
Get-VM Contoso* | Stop-VM -PassThru | ft Name, State
Remove-VM -Name Contoso2 -Force
Get-VM | where { $_.Name -ne "Contoso1" } | Remove-VM -Force
Get-VM
Get-VMNetworkAdapter -All
