# The idioms' mistakes, all found before anything runs.
Get-VM | select Nmae, State
Get-VM | select Name | ft State
Get-VM | select -ExpandProperty Name, State
Get-VM | select Name -ExpandProperty Name
Get-VM | sort -Property Stat
Get-VM | Measure-Object -Line
Get-VM | measure | Remove-VM
Write-Host "Today: $(Get-Date)"
Write-Host "Path: $env:PATH"
Write-Host "$vm: started"
Write-Host "$nosuch"
Get-VM -ErrorAction Inquire
Get-VM -ErrorAction Sometimes
Get-VM -OutVariable $vms
Set-NetVirtualizationGlobal -ProviderAddressTracing Enabled
Stop-VM -Name Contoso1 -Save
Remove-VM
Get-VMSwitch | Get-VMNetworkAdapter
Get-VM | Get-VMNetworkAdapter -VMName Contoso1
Get-NetVirtualizationGlobal
foreach ($vm in Get-VM) { Write-Host $vm.Name }
Get-VM | ForEach-Object { $_.Name }
