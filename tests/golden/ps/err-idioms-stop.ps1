# Stop is the default -ErrorAction: an unknown VM stops the script.
New-VM -Name Contoso1
Get-VM -Name Contoso2 -ErrorAction Continue
Start-VM -Name Contoso2 -ErrorAction Stop
Write-Host "not reached"
