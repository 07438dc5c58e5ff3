# A failure inside ForEach-Object stops the script after the objects before it.
New-VMSwitch -Name "HNVSwitch" -NetAdapterName "Ethernet"
New-VM -Name BlueVM1 -SwitchName HNVSwitch
New-VM -Name BlueVM2 -SwitchName HNVSwitch
Get-VM | ForEach-Object {
    Write-Host "adding to $($_.Name)"
    Add-VMNetworkAdapter -VMName $_.Name -Name eth0 -SwitchName HNVSwitch
}
Write-Host "not reached"
