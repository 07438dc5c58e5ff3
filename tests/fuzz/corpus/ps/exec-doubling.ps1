New-VMSwitch S -NetAdapterName Ethernet
$a = Get-VMSwitch
$a = $a, $a
$a = $a, $a
$a = $a, $a
$a = $a, $a
$a = $a, $a
$a = $a, $a
$a = $a, $a
$a = $a, $a
$a = $a, $a
$a = $a, $a
$a = $a, $a
$a = $a, $a
$a = $a, $a
$a = $a, $a
$a = $a, $a
$a = $a, $a
$a = $a, $a
$a = $a, $a
$a = $a, $a
$a = $a, $a
$a | Out-Null
