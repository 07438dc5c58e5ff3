#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# gw-e2e.sh: the gateway end to end (doc/gateway.md), every piece real:
# hnv-controller with the high-level model (servers, a virtual network,
# a VM's interface, two gateways, a virtual gateway), an hnv-agent on a
# host and on two gateway hosts (NVGRE on one physical segment),
# hnv-gateway on both gateway hosts, an "Internet" namespace on an
# external segment.  The VM reaches the Internet through NAT via the
# active gateway, the Internet reaches the VM through a 1:1 mapping; then
# the active gateway host dies (its daemons killed, its links down): the
# controller fails the tenant over to the standby on its heartbeat, the
# compartment's VM moves, the standby takes the external addresses, and
# traffic resumes; the outage is measured and printed (not asserted
# against a number: machines are noisy; it must end within 15 s).
#
#   ${P}sw: br0 (physical 192.168.0.0/24)  ext (203.0.113.0/24)  mgmt (172.31.9.0/24)
#             |      |       |              |       |     |         controller .1
#           host1   gw1     gw2            gw1     gw2   ${P}inet 203.0.113.1
#           (VM web1 10.0.1.101)       Ethernet2 of gw1/gw2

TEST_TAG=ge
. "$(dirname "$0")/lib.sh"

CTRL=${HNV_CONTROLLER_BIN:-$HNV_TOP/build/bin/hnv-controller}
GW=${HNV_GATEWAY_BIN:-$HNV_TOP/build/bin/hnv-gateway}
require_root
require_bins
[ -x "$CTRL" ] && [ -x "$GW" ] || die "run 'make all' first"
require_tools jq curl

INET="${P}inet"
PORT=8470
URL="http://172.31.9.1:$PORT"
TOKF="$TMPD/ctrl.db.token"

segment_create
ip -n "$SW" link add ext type bridge && ip -n "$SW" link set ext up
ip -n "$SW" link add mgmt type bridge && ip -n "$SW" link set mgmt up
ip -n "$SW" addr add 172.31.9.1/24 dev mgmt
n=10
for h in host1 gw1 gw2; do
	host_create "$h"
	ip -n "$SW" link add "m-$h" type veth peer name mgmt netns "${P}$h"
	ip -n "$SW" link set "m-$h" master mgmt up
	ip -n "${P}$h" addr add "172.31.9.$n/24" dev mgmt
	ip -n "${P}$h" link set mgmt up
	n=$((n + 1))
done
for h in gw1 gw2; do
	ip -n "$SW" link add "x-$h" type veth peer name Ethernet2 netns "${P}$h"
	ip -n "$SW" link set "x-$h" master ext up
done
ns_add "$INET"
ip -n "$SW" link add x-inet type veth peer name eth0 netns "$INET"
ip -n "$SW" link set x-inet master ext up
ip -n "$INET" addr add 203.0.113.1/24 dev eth0
ip -n "$INET" link set eth0 up

ip netns exec "$INET" "$PY" "$HNV_TOP/lab/tools/http-echo" inet 203.0.113.1 80 >/dev/null 2>&1 &
BG_PIDS+=("$!")

# ---- the controller ----
ip netns exec "$SW" "$CTRL" -d --listen "172.31.9.1:$PORT" --db "$TMPD/ctrl.db" \
	--vsid-range 6000-6100 --gateway-dead-after 2 >"$TMPD/ctrl.log" 2>&1 &
BG_PIDS+=("$!")
wait_for ip netns exec "$SW" curl -sf "$URL/v1/health" || die "the controller did not start"
api() { # api METHOD PATH [JSON]: the body; fails on a 4xx/5xx
	ip netns exec "$SW" curl -sf -X "$1" -H "Authorization: Bearer $(cat "$TOKF")" \
		-H 'Content-Type: application/json' ${3:+--data-binary "$3"} "$URL$2"
}
LS=/logicalNetworks/PhysNet/subnets/phys
api PUT /v1/logicalNetworks/PhysNet '{"properties": {"subnets": [{"resourceId": "phys", "properties": {"addressPrefix": "192.168.0.0/24", "ipPools": [{"resourceId": "p", "properties": {"startIpAddress": "192.168.0.21", "endIpAddress": "192.168.0.40"}}]}}]}}' >/dev/null ||
	die "logical network"
api PUT /v1/macPools/mp '{"properties": {"startMacAddress": "60:00:60:00:00:00", "endMacAddress": "60:00:60:00:0f:ff"}}' >/dev/null || die "mac pool"
for h in host1 gw1 gw2; do
	api PUT "/v1/servers/$h" '{"properties": {"netAdapterName": "eth0", "providerAddresses": [{"logicalSubnet": {"resourceRef": "'$LS'"}}]}}' >/dev/null ||
		die "server $h"
done
api PUT /v1/virtualNetworks/contoso '{"properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "subnets": [{"resourceId": "web", "properties": {"addressPrefix": "10.0.1.0/24"}}, {"resourceId": "gw", "properties": {"addressPrefix": "10.0.2.0/24"}}]}}' >/dev/null ||
	die "virtual network"
api PUT /v1/networkInterfaces/web1 '{"properties": {"server": {"resourceRef": "/servers/host1"}, "ipConfigurations": [{"resourceId": "ip", "properties": {"privateIPAddress": "10.0.1.101", "subnet": {"resourceRef": "/virtualNetworks/contoso/subnets/web"}}}]}}' >/dev/null ||
	die "network interface"
for g in gw1 gw2; do
	api PUT "/v1/gateways/$g" '{"properties": {"server": {"resourceRef": "/servers/'$g'"}, "externalPrefix": "203.0.113.0/24", "externalGateway": "203.0.113.1"}}' >/dev/null ||
		die "gateway $g"
done
api PUT /v1/virtualGateways/contoso '{"properties": {"virtualNetwork": {"resourceRef": "/virtualNetworks/contoso"}, "gatewaySubnet": {"resourceRef": "/virtualNetworks/contoso/subnets/gw"}, "gateways": [{"resourceRef": "/gateways/gw1"}, {"resourceRef": "/gateways/gw2"}], "externalAddress": "203.0.113.10", "natRules": [{"resourceId": "web", "properties": {"externalAddress": "203.0.113.11", "internalAddress": "10.0.1.101"}}]}}' >/dev/null ||
	die "virtual gateway"
ok "the model through the API"

# ---- agents and gateways ----
for h in host1 gw1 gw2; do
	start_agent "$h" --controller "$URL" --host "$h" --token-file "$TOKF" \
		--netns-prefix "${P}$h-" || die "agent $h"
done
declare -A GWPID
start_gw() {
	ip netns exec "${P}$1" "$GW" -d --controller "$URL" --gateway "$1" \
		--token-file "$TOKF" --state-dir "$TMPD/gw-$1" --netns-prefix "${P}$1-" \
		>>"$TMPD/gw-$1.log" 2>&1 </dev/null &
	GWPID[$1]=$!
	BG_PIDS+=("$!")
}
start_gw gw1
start_gw gw2
gst() { "$GW" status --state-dir "$TMPD/gw-$1" --json 2>/dev/null | jq -r "$2"; }
role_ready() { [ "$(gst "$1" '.compartments[0] | "\(.role) \(.state)"')" = "$2 ready" ]; }
check_wait "gw1: compartment active and ready" -t 20 role_ready gw1 active
check_wait "gw2: compartment standby and ready" -t 20 role_ready gw2 standby
VM="${P}host1-web1"
wait_for -t 10 ip -n "$VM" link show eth0 || die "the VM's interface"
ip -n "$VM" link set lo up
ip -n "$VM" link set eth0 up
ip -n "$VM" addr add 10.0.1.101/24 dev eth0
ip -n "$VM" route add default via 10.0.1.1

get() { ip netns exec "$1" curl -s -m 2 "$2" | tr -d '\r'; }
check_wait "the VM reaches the Internet through NVGRE, gw1 and NAT (1:1 address)" -t 15 \
	bash -c "[ \"\$(ip netns exec '$VM' curl -s -m 2 http://203.0.113.1/)\" = 'inet 203.0.113.11' ]"
check "the VM pings the Internet" ip netns exec "$VM" ping -c 1 -W 2 203.0.113.1
check_eq "the Internet reaches the VM at its 1:1 address" "0" \
	"$(ip netns exec "$INET" ping -c 1 -W 2 203.0.113.11 >/dev/null; echo $?)"
check "the controller sees both gateways alive" \
	bash -c "[ \"\$(ip netns exec '$SW' curl -sf -H 'Authorization: Bearer $(cat "$TOKF")' $URL/v1/gateways/gw2 | jq -r .properties.heartbeat.alive)\" = true ]"

# ---- gw1 dies ----
ip netns exec "$VM" ping -D -n -i 0.05 -W 1 203.0.113.1 >"$TMPD/ping.txt" 2>&1 &
PINGPID=$!
BG_PIDS+=("$PINGPID")
sleep 1
t0=$(now_ms)
kill -KILL "${GWPID[gw1]}"
stop_agent gw1 KILL
ip -n "$SW" link set s-gw1 down
ip -n "$SW" link set x-gw1 down
check_wait "the controller fails the tenant over: gw2 active and ready" -t 15 role_ready gw2 active
check_wait "traffic resumes through gw2" -t 15 \
	bash -c "[ \"\$(ip netns exec '$VM' curl -s -m 1 http://203.0.113.1/)\" = 'inet 203.0.113.11' ]"
t1=$(now_ms)
sleep 1
kill -INT "$PINGPID" 2>/dev/null
wait "$PINGPID" 2>/dev/null
# the longest gap between two replies, in ms
gap=$(awk '/bytes from/ { gsub(/[\[\]]/, "", $1); t = $1 * 1000; if (p && t - p > g) g = t - p; p = t } END { printf "%d", g }' "$TMPD/ping.txt")
info "failover: outage ${gap} ms (ping every 50 ms), resumed $((t1 - t0)) ms after the kill"
echo "metric gateway_failover_outage_ms $gap"
check_gt "pings were answered after the failover" "$(grep -c 'bytes from' "$TMPD/ping.txt")" 10
check "the Internet reaches the VM again at its 1:1 address" \
	ip netns exec "$INET" ping -c 1 -W 2 203.0.113.11
check "gw2's status names the compartment active" role_ready gw2 active

finish
