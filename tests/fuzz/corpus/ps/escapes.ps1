New-VM -Name "a""b" -VHDPath "a`tb`"c" `
 -SwitchName 'x''y'
<# c #> $x = 1,2 ; $x | fl *
