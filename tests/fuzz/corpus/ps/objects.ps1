Get-VM | select *, Name -ExpandProperty
Get-VM | sort -desc -CaseSensitive -Unique
Get-VMNetworkAdapter * | measure -Property V* -Average -Maximum
$x = 1, 2, 3
$x | measure -Sum -Average | fl
"a $x b"
