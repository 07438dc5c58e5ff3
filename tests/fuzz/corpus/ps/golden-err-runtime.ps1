# The agent refuses the fourth command (a duplicate record): the three
# before it have run, the rest do not.
New-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.101 -VirtualSubnetID 6000 -MACAddress 600060000101 -ProviderAddress 192.168.0.22
New-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.102 -VirtualSubnetID 6000 -MACAddress 600060000102 -ProviderAddress 192.168.0.22
Get-NetVirtualizationLookupRecord | ft
New-NetVirtualizationLookupRecord

-CustomerAddress 10.0.1.101

-VirtualSubnetID 6000

-MACAddress 600060000109

-ProviderAddress 192.168.0.33

New-NetVirtualizationLookupRecord -CustomerAddress 10.0.1.103 -VirtualSubnetID 6000 -MACAddress 600060000203 -ProviderAddress 192.168.0.33
Get-NetVirtualizationLookupRecord
