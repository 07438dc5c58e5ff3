New-VMSwitch "HNVSwitch" -NetAdapterName "Ethernet"
<# a block comment
   that never ends
Get-VMNetworkAdapter *
