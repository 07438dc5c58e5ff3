# Select-Object, Sort-Object and Measure-Object over the book's records:
# objects with up to 4 selected properties print as a table, with 5 or
# more as a list, as PowerShell prints them.
$ProviderAddressHost1 = "192.168.0.22"
$ProviderAddressHost2 = "192.168.0.33"
New-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.101 -VirtualSubnetID 6000 -MACAddress 600060000101 -ProviderAddress $ProviderAddressHost1 -VMName Contoso1
New-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.102 -VirtualSubnetID 6000 -MACAddress 600060000102 -ProviderAddress $ProviderAddressHost1 -VMName Contoso2
New-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.103 -VirtualSubnetID 6000 -MACAddress 600060000103 -ProviderAddress $ProviderAddressHost2 -VMName Contoso3
New-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.104 -VirtualSubnetID 6000 -MACAddress 600060000104 -ProviderAddress $ProviderAddressHost2 -VMName Contoso4
New-NetVirtualizationLookupRecord -CustomerAddress 10.0.2.101 -VirtualSubnetID 6001 -MACAddress 600060000201 -ProviderAddress $ProviderAddressHost1 -VMName Fabrikam1

# A positional property list (a table), -Property with five (a list).
Get-NetVirtualizationLookupRecord | select CustomerAddress, MACAddress
Get-NetVirtualizationLookupRecord -VirtualSubnetID 6001 | Select-Object -Property CustomerAddress, VirtualSubnetID, MACAddress, ProviderAddress, VMName

# *, wildcards, -First, -Last, -Skip.
Get-NetVirtualizationLookupRecord | select * -First 1
Get-NetVirtualizationLookupRecord | select VMName, *Address -Last 2
Get-NetVirtualizationLookupRecord | select VMName -Skip 3

# -ExpandProperty emits the values; -Unique drops repeats.
Get-NetVirtualizationLookupRecord | select -ExpandProperty VMName -First 2
Get-NetVirtualizationLookupRecord | select -exp ProviderAddress -Unique
Get-NetVirtualizationLookupRecord | select VirtualSubnetID -Unique

# Selected objects in variables, Where-Object and Format-*.
$ca = Get-NetVirtualizationLookupRecord | select VMName, CustomerAddress
$ca | where { $_.VMName -like "Contoso*" } | ft VMName
$ca | select -Last 1 | fl
$ca.CustomerAddress

# Sort-Object: one or more properties, -Descending, -Unique.
Get-NetVirtualizationLookupRecord | sort ProviderAddress, CustomerAddress -Descending | ft CustomerAddress, ProviderAddress
Get-NetVirtualizationLookupRecord | Sort-Object -Property VMName | select -exp VMName
Get-NetVirtualizationLookupRecord | sort VirtualSubnetID -Unique | ft VirtualSubnetID
104, 3, 25 | sort -Descending

# Measure-Object: Count, and the statistics asked for.
Get-NetVirtualizationLookupRecord | measure
Get-NetVirtualizationLookupRecord | Measure-Object -Property VirtualSubnetID -Sum -Average -Maximum -Minimum
$n = Get-NetVirtualizationLookupRecord -VirtualSubnetID 6000 | measure
"VSID 6000 has $($n.Count) records"
