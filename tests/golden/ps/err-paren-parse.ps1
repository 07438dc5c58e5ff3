# ( ) mistakes found before anything runs.
New-VM -Name Blue1
$i = (Get-NetAdapter Ethernet).IfIndx
New-NetVirtualizationProviderAddress -ProviderAddress 192.168.0.22 -InterfaceIndex (Get-NetAdapter Ethernet -PrefixLength 24
Write-Host "still checked"
$c = (Get-VM -Nmae Blue1).Count
$d = (Get-VM).Name.Length
(New-VM -Name Blue2))
Get-VM | Set-VMNetworkAdapter -VirtualSubnetId (Get-VM).Name
