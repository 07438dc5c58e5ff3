# Write-Host, Write-Output (echo), variables on their own, and "$x" and
# "$($x.Prop)" expanded in double-quoted strings (not in single quotes).
New-VMSwitch "HNVSwitch" -NetAdapterName "Ethernet"
$NIC = Get-NetAdapter -Name "Ethernet"
$vsid = 6000
$name = "Contoso1"

Write-Host "Provider interface:" $NIC.Name "index" $NIC.InterfaceIndex
Write-Host "Provider interface: $($NIC.Name) (index $($NIC.ifIndex), MAC $($NIC.MacAddress))"
Write-Host 'single quotes keep $name' "and a backtick keeps `$name"
Write-Host "$name.Name is $name followed by .Name, as in PowerShell"
Write-Host "${name}: braces end a name"
Write-Host -Object "no newline, " -NoNewline
Write-Host "then the rest" -ForegroundColor Green
Write-Host 1 2 3 -Separator " + "
Write-Output "Setting up $name in VSID $vsid"
echo $vsid
write "two", "values"
$vsid
$NIC.Name
"$NIC"

# Expanded strings as parameter values, and in Where-Object.
New-VM -Name "$name" -SwitchName HNVSwitch
Set-VMNetworkAdapter -VMName $name -StaticMacAddress "60006000$vsid" -VirtualSubnetId $vsid
Get-VMNetworkAdapter -All | where { $_.VMName -eq "$name" } | ft VMName, MacAddress, VirtualSubnetId
Get-VMNetworkAdapter -VMName $name | Write-Output | fl Name, VMName
Get-VM | Write-Host
