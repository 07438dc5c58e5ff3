Get-VMNetworkAdapter * | ? { $_.VirtualSubnetId -ge 4096 -and $_.Name -like "e*" -or $_.MacAddress -ne "x" } | ft VMName, Name
$a = Get-VMNetworkAdapter -All
$a | Set-VMNetworkAdapter -VirtualSubnetId 6666
