$a = "x"; $b = Get-VM; $c = Get-VM | select Name
"$a$a" "${a}" "$($a)" "$( $b.Name )" "$c" "`$a" "$a." "$a.Name" "$"
Write-Host Web$a ${a}b "$($c.Name)" -Separator '|' -NoNewline
Write-Host "$($b.Nmae)" "$(Get-Date)" "$env:X" "$a:" "${}" "$?" "${a"
echo $a, $b $c | sort | select -First 1 -Last 1 -Skip 1 -Unique | measure -Sum
Get-VM -ea SilentlyContinue -ev +e -wa Stop -wv w -ov +o -WhatIf:$true | Remove-VM -WhatIf
