# ForEach-Object and the foreach statement.
New-VMSwitch -Name "HNVSwitch" -NetAdapterName "Ethernet"
New-VM -Name BlueVM1 -SwitchName HNVSwitch
New-VM -Name BlueVM2 -SwitchName HNVSwitch
New-VM -Name RedVM1 -SwitchName HNVSwitch
Get-VMNetworkAdapter -VMName Blue* | ForEach-Object { Set-VMNetworkAdapter -VMName $_.VMName -Name $_.Name -VirtualSubnetId 6001 }
Get-VMNetworkAdapter -VMName Red* | foreach {
    Set-VMNetworkAdapter -VMName $_.VMName -VirtualSubnetId 5001
    Write-Host "moved $($_.VMName) to 5001"
}
Get-VMNetworkAdapter * | fl VMName, VirtualSubnetId
Get-VM | % { $_.Name }
Get-VM | % Name
Get-VM | ForEach-Object -MemberName VMName
Get-VM | % -Process { Get-VMNetworkAdapter -VMName $_.Name } | ft VMName, Name
foreach ($vm in Get-VM) { Write-Host $vm.Name "has" (Get-VMNetworkAdapter -VMName $vm.Name).Count "adapter(s)" }
$names = foreach ($vm in (Get-VM | Where-Object { $_.Name -like "Blue*" })) { $vm.Name }
$names
foreach ($a in Get-VMNetworkAdapter *)
{
    $m = $a.VMName
    Write-Host "$m/$($a.Name)"
}
Get-VM | % { }
(Get-VM | % { $_.Name }).Count
