# ForEach-Object mistakes found before anything runs.
Get-VM | ForEach-Object { Set-VMNetworkAdapter -VMName $_.VMNmae -VirtualSubnetId 6001 }
Get-VM | % { Write-Host $_.Name
Write-Host "inside the block"
}
Get-VM | % Nmae
foreach ($vm in Get-VM) { Set-VMNetworkAdapter -VMName $vm -VirtualSubnetId 70 }
foreach ($vm Get-VM) { }
Get-VM | ForEach-Object
Write-Host $_.Name
