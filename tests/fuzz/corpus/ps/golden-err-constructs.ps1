# Constructs outside the subset.
-VirtualSubnetID 6000
foreach ($vm in Get-VM) { Set-VMNetworkAdapter -VMName $vm.Name -VirtualSubnetId 6000 }
if ($true) { Get-NetAdapter Ethernet }
$wmi = Get-WmiObject win32_networkadapterconfiguration
-filter "ipenabled = 'true'"
$wmi.EnableStatic("10.0.1.101", "255.255.255.0")
Get-NetAdapter Ethernet > adapters.txt
Get-VMNetworkAdapter * | ForEach-Object { $_.Name }
$x = @(1, 2)
Get-NetAdapter Ethernet;
-Name Ethernet2
Get-NetAdapter Ethernet | "text"
$_.Name
New-VM -Name Contoso1 -SwitchName HNVSwitch & echo done
Get-NetAdapter Ethernet && Get-NetAdapter Ethernet2
[int]$y = 5
$env:PATH
