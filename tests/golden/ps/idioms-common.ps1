# The common parameters: -WhatIf (nothing is sent), -Confirm, -Verbose,
# -ErrorAction, -WarningAction, -OutVariable, -ErrorVariable.
New-VMSwitch "HNVSwitch" -NetAdapterName "Ethernet" -Verbose
New-VM -Name Contoso1 -SwitchName HNVSwitch -Confirm:$false
New-VM -Name Contoso2 -SwitchName HNVSwitch -WhatIf
New-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.101 -VirtualSubnetID 6000 -MACAddress 600060000101 -ProviderAddress 192.168.0.22 -OutVariable rec -Debug
New-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.102 -VirtualSubnetID 6000 -MACAddress 600060000102 -ProviderAddress 192.168.0.22 -WhatIf
Set-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.101 -VirtualSubnetID 6000 -ProviderAddress 192.168.0.33 -WhatIf
Get-NetVirtualizationLookupRecord | Remove-NetVirtualizationLookupRecord -WhatIf
Remove-VMSwitch HNVSwitch -WhatIf
Get-VM | Stop-VM -WhatIf
$rec | fl CustomerAddress, ProviderAddress

# A duplicate: -ErrorAction SilentlyContinue hides it, Continue prints it;
# the script goes on either way.
New-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.101 -VirtualSubnetID 6000 -MACAddress 600060000101 -ProviderAddress 192.168.0.22 -ErrorAction SilentlyContinue -ErrorVariable dup
Write-Host "hidden error: $dup"
New-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.101 -VirtualSubnetID 6000 -MACAddress 600060000101 -ProviderAddress 192.168.0.22 -ErrorAction Continue
$vm = Get-VM -Name Contoso9 -ErrorAction Ignore
"Contoso9: [$vm]"
Get-VM -Name Contoso9 -ea SilentlyContinue | Remove-VM -Force
Get-VMNetworkAdapter -VMName Contoso1 -WarningAction SilentlyContinue -OutVariable nics | Out-Null
$nics | ft VMName, Name
Get-VM -OutVariable vms | Out-Null
Get-VM -OutVariable +vms | Out-Null
"VMs: $($vms.Name)"
$ErrorActionPreference = "Continue"
Remove-VM -Name Contoso9
Write-Output "done"
