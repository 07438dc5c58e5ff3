New-NetFirewallRule –DisplayName “Allow ICMPv4-In” –Protocol ICMPv4
