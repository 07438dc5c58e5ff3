#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# gw-nat.sh: hnv-gateway's compartments for real (doc/gateway.md), with
# its configuration from a file (--config, the JSON the controller
# serves): two tenants with the same addresses each reaching an Internet
# server through NAT with their own external address, a 1:1 mapping, a
# load-balanced VIP per tenant with HTTP health probes (a dead backend
# out within 3 s, back when it recovers), hostile traffic from outside
# (spoofed tenant sources, a SYN scan, routing into the tenant) dropped
# and counted, standby (the external addresses leave) and active again.
#
# The compartments' inside NIC int0 is what hnv-agent makes in a real
# gateway host (a TAP in the gateway VSID); here it is a veth to a
# namespace that plays the tenant's VM network (its .1 router and VMs):
#
#   ${P}inet 203.0.113.1 (server "inet") --veth-- Ethernet2 [${P}gwh: hnvgw0]
#        |                                          gx..a / gx..b (veths)
#   ${P}gw-a: ext0 203.0.113.10 (.11 1:1, .12 VIP)  ${P}gw-b: ext0 .20 (.22 VIP)
#        int0 10.0.2.2 -- ${P}ta: r0 10.0.2.1,      int0 10.0.2.2 -- ${P}tb
#                          VMs 10.0.1.101/.102 (lo)                 (the same)

TEST_TAG=gn
. "$(dirname "$0")/lib.sh"

GW=${HNV_GATEWAY_BIN:-$HNV_TOP/build/bin/hnv-gateway}
require_root
[ -x "$GW" ] || die "$GW missing: run 'make all' first"
require_tools jq curl scapy nft

INET="${P}inet"
GWH="${P}gwh"
CFG="$TMPD/config.json"
SD="$TMPD/state"

nx() { ip netns exec "$@"; }	# not for background jobs: $! is then a subshell

# srv NS NAME ADDR PORT: an HTTP server answering "NAME PEER-ADDRESS".
declare -A SRV
srv() {
	ip netns exec "$1" "$PY" "$HNV_TOP/lab/tools/http-echo" "$2" "$3" "$4" >/dev/null 2>&1 &
	SRV[$2]=$!
	BG_PIDS+=("$!")
}

get() { # get NS URL [curl args]: the body, one line
	local ns=$1 url=$2
	shift 2
	nx "$ns" curl -s -m 2 "$@" "$url" | tr -d '\r'
}

# ---- the network ----
for ns in "$INET" "$GWH" "${P}gw-a" "${P}gw-b" "${P}ta" "${P}tb"; do
	ip netns add "$ns" || die "cannot make namespace $ns"
done
ip link add Ethernet2 netns "$GWH" type veth peer name toGw netns "$INET"
nx "$INET" ip addr add 203.0.113.1/24 dev toGw
nx "$INET" ip link set toGw up
nx "$INET" ip link set lo up
for t in a b; do
	ip link add int0 netns "${P}gw-$t" type veth peer name r0 netns "${P}t$t"
	nx "${P}t$t" ip link set lo up
	nx "${P}t$t" ip addr add 10.0.2.1/24 dev r0
	nx "${P}t$t" ip link set r0 up
	nx "${P}t$t" ip addr add 10.0.1.101/32 dev lo
	nx "${P}t$t" ip addr add 10.0.1.102/32 dev lo
	nx "${P}t$t" ip route add default via 10.0.2.2
done
srv "$INET" inet 203.0.113.1 80
srv "${P}ta" a101 10.0.1.101 80
srv "${P}ta" a102 10.0.1.102 80
srv "${P}ta" a-web 10.0.1.101 8000
srv "${P}tb" b101 10.0.1.101 80
srv "${P}tb" b102 10.0.1.102 80

# ---- the configuration ----
comp() { # comp ID ROLE EXT VIP [natRules JSON]
	cat <<EOF
{"resourceId": "$1", "role": "$2", "vmName": "gw-$1", "adapterName": "int0",
 "macAddress": "60:01:60:01:03:0$([ "$1" = a ] && echo 1 || echo 2)",
 "virtualSubnetId": 6001, "routingDomainId": "{12345678-1000-2000-3000-12345678000$([ "$1" = a ] && echo 1 || echo 2)}",
 "gatewayAddress": "10.0.2.2", "gatewaySubnet": "10.0.2.0/24",
 "subnetGateway": "10.0.2.1", "addressPrefixes": ["10.0.0.0/16"],
 "mode": "nat", "externalAddress": "$3",
 "externalMacAddress": "02:00:00:00:00:0$([ "$1" = a ] && echo a || echo b)",
 "natRules": ${5:-[]},
 "loadBalancers": [{"resourceId": "www", "frontendAddress": "$4",
   "protocol": "tcp", "frontendPort": 80, "backendPort": 80,
   "backendAddresses": ["10.0.1.101", "10.0.1.102"],
   "probe": {"protocol": "http", "port": 80, "path": "/",
             "intervalMs": 1000, "timeoutMs": 800,
             "unhealthyThreshold": 2, "healthyThreshold": 2}}],
 "vpn": {}}
EOF
}
write_cfg() { # write_cfg REVISION ROLE_A
	cat >"$CFG" <<EOF
{"revision": $1,
 "gateway": {"resourceId": "gw1", "server": "GWHost",
             "externalInterface": "Ethernet2",
             "externalPrefix": "203.0.113.0/24",
             "externalGateway": "203.0.113.1"},
 "compartments": [
$(comp a "$2" 203.0.113.10 203.0.113.12 '[{"resourceId": "web", "externalAddress": "203.0.113.11", "internalAddress": "10.0.1.101"}]'),
$(comp b active 203.0.113.20 203.0.113.22)
 ]}
EOF
}
write_cfg 1 active

"$GW" status --state-dir "$SD" >/dev/null 2>&1 &&
	fail "status with no gateway running" || ok "status without a running gateway fails"
check "hnv-gateway --help" "$GW" --help
check_not "hnv-gateway without --controller or --config" "$GW" -d

ip netns exec "$GWH" "$GW" -d --config "$CFG" --state-dir "$SD" --netns-prefix "$P" \
	>"$TMPD/gw.log" 2>&1 &
GWPID=$!
BG_PIDS+=("$GWPID")

st() { "$GW" status --state-dir "$SD" --json 2>/dev/null; }
ready() { [ "$(st | jq -r '[.compartments[] | select(.state == "ready")] | length')" = 2 ]; }
check_wait "both compartments ready" -t 15 ready
if ! ready; then
	show_tail "$TMPD/gw.log" 20
	st
	die "the gateway did not come up"
fi
check "status table" bash -c "'$GW' status --state-dir '$SD' | grep -q '^a .*active.*ready'"

# ---- NAT: overlapping tenants, each its own external address ----
check_eq "tenant A reaches the Internet as 203.0.113.10" "inet 203.0.113.10" \
	"$(get "${P}ta" http://203.0.113.1/ --interface 10.0.1.102)"
check_eq "tenant B (same addresses) as 203.0.113.20" "inet 203.0.113.20" \
	"$(get "${P}tb" http://203.0.113.1/ --interface 10.0.1.101)"
check "tenant A pings the Internet (ICMP through NAT)" \
	nx "${P}ta" ping -c 1 -W 2 -I 10.0.1.102 203.0.113.1
check "tenant B pings the Internet" nx "${P}tb" ping -c 1 -W 2 -I 10.0.1.102 203.0.113.1
check "UDP through NAT (DNS-like query answered by the Internet side)" \
	bash -c "nx() { ip netns exec \"\$@\"; }; \
	nx '$INET' timeout 3 $PY -c 'import socket;s=socket.socket(2,2);s.bind((\"203.0.113.1\",5353));d,a=s.recvfrom(99);s.sendto(a[0].encode(),a)' & sleep 0.3; \
	r=\$(nx '${P}ta' $PY -c 'import socket;s=socket.socket(2,2);s.bind((\"10.0.1.102\",0));s.settimeout(2);s.sendto(b\"q\",(\"203.0.113.1\",5353));print(s.recv(99).decode())'); wait; [ \"\$r\" = 203.0.113.10 ]"

# ---- 1:1 ----
check_eq "1:1: the Internet reaches tenant A's 10.0.1.101:8000 at 203.0.113.11" \
	"a-web 203.0.113.1" "$(get "$INET" http://203.0.113.11:8000/)"
check_eq "1:1: 10.0.1.101 goes out as 203.0.113.11" "inet 203.0.113.11" \
	"$(get "${P}ta" http://203.0.113.1/ --interface 10.0.1.101)"
check_not "no 1:1 for tenant B's 10.0.1.101" \
	nx "$INET" curl -s -m 1 -o /dev/null http://203.0.113.21:8000/

# ---- VIPs ----
spread() { # spread VIP N: the backends' names seen, sorted, unique
	local i
	for i in $(seq 1 "$2"); do
		get "$INET" "http://$1/" --local-port $((20000 + i + RANDOM % 20000)) | awk '{print $1}'
	done | sort -u | tr '\n' ' '
}
check_eq "tenant A's VIP spreads over both of its backends" "a101 a102 " "$(spread 203.0.113.12 24)"
check_eq "tenant B's VIP: only tenant B's backends" "b101 b102 " "$(spread 203.0.113.22 24)"
check_not "a VIP port that is not balanced is closed" \
	nx "$INET" curl -s -m 1 -o /dev/null http://203.0.113.12:81/

# a dead backend goes out within 3 s, and comes back
healthy() { # healthy COMP ADDR
	[ "$(st | jq -r --arg c "$1" --arg a "$2" '.compartments[] | select(.resourceId == $c) | .loadBalancers[0].backends[] | select(.address == $a) | .healthy')" = true ]
}
check "a102 healthy before" healthy a 10.0.1.102
kill "${SRV[a102]}"
t0=$(now_ms)
wait_for -t 6 bash -c "! { $(declare -f st healthy); GW='$GW' SD='$SD' healthy a 10.0.1.102; }"
t1=$(now_ms)
info "dead backend taken out after $((t1 - t0)) ms"
check "the dead backend is out (status)" bash -c "! { $(declare -f st healthy); GW='$GW' SD='$SD' healthy a 10.0.1.102; }"
[ $((t1 - t0)) -le 3500 ] && ok "taken out within 3 s (+ status refresh)" ||
	fail "taken out after $((t1 - t0)) ms"
check_eq "the VIP now answers from a101 only" "a101 " "$(spread 203.0.113.12 12)"
check_eq "tenant B's VIP unaffected" "b101 b102 " "$(spread 203.0.113.22 16)"
srv "${P}ta" a102 10.0.1.102 80
check_wait "the backend is back when it recovers" -t 6 healthy a 10.0.1.102
check_eq "and gets flows again" "a101 a102 " "$(spread 203.0.113.12 24)"

# ---- hostile outside ----
cnt() { st | jq -r --arg c "$1" --arg n "$2" '.compartments[] | select(.resourceId == $c) | .drops[$n] // 0'; }
sleep 1.2
s0=$(cnt a spoofed_outside)
nx "$INET" ip addr add 10.0.1.50/32 dev lo
nx "$INET" curl -s -m 1 --interface 10.0.1.50 -o /dev/null http://203.0.113.12/ 2>/dev/null
nx "$INET" ip addr del 10.0.1.50/32 dev lo
check_wait "a tenant source from outside is dropped as spoofed_outside" -t 3 \
	bash -c "$(declare -f st cnt); GW='$GW' SD='$SD'; [ \"\$(cnt a spoofed_outside)\" -gt $s0 ]"
i0=$(cnt a input_denied)
nx "$INET" "$PY" -c "
from scapy.all import IP, TCP, UDP, Raw, send, conf
conf.verb = 0
send([IP(src='203.0.113.1', dst='203.0.113.10')/TCP(sport=40000, dport=p, flags='S') for p in range(1, 301)])
send([IP(src='203.0.113.1', dst='203.0.113.12', proto=6)/Raw(b'\xff' * n) for n in range(0, 40)])
send([IP(src='203.0.113.1', dst='203.0.113.10', ihl=15, options=[])/UDP(dport=53)])
" 2>/dev/null
check_wait "a SYN scan of the external address: every probe dropped and counted" -t 3 \
	bash -c "$(declare -f st cnt); GW='$GW' SD='$SD'; [ \"\$(cnt a input_denied)\" -ge $((i0 + 300)) ]"
f0=$(cnt a forward_denied)
nx "$INET" ip route add 10.0.0.0/16 via 203.0.113.10
check_not "routing into tenant A's addresses from outside fails (NAT mode)" \
	nx "$INET" curl -s -m 1 -o /dev/null http://10.0.1.101:8000/
nx "$INET" ip route del 10.0.0.0/16
check "and is counted as forward_denied" \
	bash -c "$(declare -f st cnt); GW='$GW' SD='$SD'; [ \"\$(cnt a forward_denied)\" -gt $f0 ]"
check_eq "the tenants still work after all that" "inet 203.0.113.10" \
	"$(get "${P}ta" http://203.0.113.1/ --interface 10.0.1.102)"
check "the gateway is still running" pid_alive "$GWPID"

# ---- a bad configuration keeps the good one ----
cp "$CFG" "$TMPD/good.json"
echo '{"revision": 2, "gateway": {"resourceId": "gw1", "externalPrefix": "203.0.113.0/24"}, "compartments": [{"resourceId": "a;flush ruleset"}]}' >"$CFG"
kill -HUP "$GWPID"
check_wait "a broken configuration is refused, naming the field" -t 3 \
	grep -q "compartments\[0\].resourceId" "$TMPD/gw.log"
check_eq "and the compartments keep working" "inet 203.0.113.20" \
	"$(get "${P}tb" http://203.0.113.1/ --interface 10.0.1.101)"

# ---- standby and active again ----
write_cfg 3 standby
kill -HUP "$GWPID"
check_wait "compartment a on standby" -t 5 bash -c \
	"$(declare -f st); GW='$GW' SD='$SD'; [ \"\$(st | jq -r '.compartments[] | select(.resourceId == \"a\") | .role')\" = standby ]"
check_wait "its external addresses leave" -t 5 bash -c \
	"! ip netns exec '${P}gw-a' ip -4 addr show dev ext0 | grep -q 203.0.113"
check_not "the Internet no longer reaches tenant A's VIP" \
	nx "$INET" curl -s -m 1 -o /dev/null http://203.0.113.12/
check_eq "tenant B unaffected" "inet 203.0.113.20" \
	"$(get "${P}tb" http://203.0.113.1/ --interface 10.0.1.101)"
write_cfg 4 active
kill -HUP "$GWPID"
check_wait "active again: the VIP answers" -t 5 \
	nx "$INET" curl -s -m 1 -o /dev/null http://203.0.113.12/
check_eq "NAT again" "inet 203.0.113.10" \
	"$(get "${P}ta" http://203.0.113.1/ --interface 10.0.1.102)"

# ---- SIGTERM: the daemon goes, the compartments stay ----
stop_pid "$GWPID" TERM 5
check_eq "after SIGTERM, NAT still works (kernel state kept)" "inet 203.0.113.20" \
	"$(get "${P}tb" http://203.0.113.1/ --interface 10.0.1.101)"
check "the last configuration was saved" test -s "$SD/config.json"

finish
