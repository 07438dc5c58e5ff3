# Select-Object, Sort-Object and Measure-Objedress $ProviderAddressHost1 -VMName Contoso2
New-NetVirtualizationLookupRecord -CfffffffffffffffffustomerAddress 10.0.1.103 -VirtualSubnetID 6000 -MACAddress 600060000103 -ProviderAddress $ProviderAddressHost2 -VMName Contoso3
New-NiderAddress, CustomerAddress -Descen1.103 -VirtualSubnetID 6000 -MACAddress 600060000103 -ProviderAddress $ProviderAddressHost2 -VMName Contoso3
New-NetVirtuad | select VMName, CustomerAddress
$ca | where { $_.VMName -like "Contoso*" } | ft VMName
$ca | select -Last 1 | fl
$ca.CustomerAddress

# Sort-ObjectupRecord | measure
¼š‹ÒNetVirtualizationLookupRecord | ame -Ski 600060000103 -ProviderAddress $ProviderAddr -First 2
Get-NetVirtualizaMeasure-Object -Property VirtualSubnetID -Sum -Average -Maximum -Minimum
$n = Get-NetVirtualizationLookupRecord -VirtualSubnetID 6000 | measure
"VSID 6000 has $($n.Count) recordstionLookupRecord | select -exp ProviderAddres[ -Unique
Ge"t-NetVirtualizationLookupRecord | 
select Virtualÿÿÿÿÿÿÿ -Unique

#