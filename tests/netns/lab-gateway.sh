#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# tests/netns/lab-gateway.sh: the gateway lab (lab/topologies/gateway.topo)
# built by hnv-lab under a lab name of its own: two tenants, Contoso and
# Fabrikam, with the same addresses on two hosts, two gateway hosts (each
# tenant active on one, standby on the other), the Internet, an
# on-premises site per tenant (the same 192.168.50.0/24 at both) behind a
# site-to-site tunnel, a remote user per tenant (point-to-site).  `check`
# must pass: each tenant reaches its own VMs and site and never the
# other's, reaches the Internet from its own external address, publishes
# its web servers on its own VIP, its remote user reaches its VMs from
# its pool.  Then GW1 dies (`hnv-lab kill`): the tenant active there
# moves to GW2, the outage seen by a VM pinging the Internet is printed
# (a metric, not asserted), and `check` passes again, the remote user
# having dialled the new active gateway by itself.
LAB_TAG=tw
. "$(dirname "$0")/lab-lib.sh"
lab_require
for b in hnv-controller hnv-gateway; do
	[[ -x $TOP/build/bin/$b ]] || {
		fail "$TOP/build/bin/$b is missing (make all)"
		exit 1
	}
done
for t in jq curl pki swanctl; do
	command -v "$t" >/dev/null || {
		fail "$t is missing (scripts/deps)"
		exit 1
	}
done
RUN=/run/hnv-lab/$NAME

# check_json: every expectation passed, the isolation pairs were really
# tested, and every kind of gateway check ran.
check_json() {
	lab check --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
assert d["failed"] == 0, [p for p in d["pairs"] if p["pass"] is False] + \
    [c for c in d["checks"] if not c["pass"]]
pairs = {(p["from"], p["to"]): p for p in d["pairs"]}
p = pairs[("Contoso-Web1", "Fabrikam-Web2")]
assert p["expect"] == "isolated" and p["received_by"] == ["Contoso-Web2"], p
p = pairs[("FabrikamPC", "Fabrikam-Web1")]
assert p["reachable"] and p["received_by"] == ["Fabrikam-Web1"], p
p = pairs[("Contoso-Web2", "ContosoPC")]
assert p["reachable"] and p["received_by"] == ["ContosoPC"], p
http = [c for c in d["checks"] if c["check"] == "http"]
assert len(http) == 9 and all(c["pass"] for c in http), http
'
}

# gw_roles HOST: "tenant role state,..." of HOST's gateway.
gw_roles() {
	"$TOP/build/bin/hnv-gateway" status --state-dir "$RUN/$1.gw" --json |
	    jq -r '[.compartments[] | "\(.resourceId) \(.role) \(.state)"] |
	        join(",")'
}

# wait_until SECS CMD...
wait_until() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

step "up: the gateway lab (two tenants, two gateways, sites, remote users)" \
    lab up gateway || exit 1
step "check: NAT, VIPs, 1:1, site-to-site, point-to-site, isolation" \
    check_json
step "each gateway host active for one tenant, standby for the other" \
    test "$(gw_roles gw1) $(gw_roles gw2)" = \
    "contoso active ready,fabrikam standby ready contoso standby ready,fabrikam active ready"
step "status shows the gateways" \
    bash -c "'$HNV_LAB' --lab '$NAME' status | grep -q 'gateway GW1 pid [0-9]*: contoso active ready'"

# GW1 dies while Contoso-Web1 pings the Internet every 50 ms.
# exec all the way down (hnv-lab and ip netns exec exec too), so $PING
# is ping itself: a background subshell would ignore the SIGINT below.
# -w bounds it should anything go wrong.
(exec "$HNV_LAB" --lab "$NAME" exec Contoso-Web1 \
    ping -D -n -i 0.05 -W 1 -w 90 203.0.113.1 >"$RUN/ping.txt" 2>&1) &
PING=$!
sleep 1
step "kill GW1" lab kill GW1
if wait_until 20 bash -c "[ \"\$(\"$TOP/build/bin/hnv-gateway\" status --state-dir '$RUN/gw2.gw' --json | jq -r '[.compartments[] | select(.role == \"active\" and .state == \"ready\")] | length')\" = 2 ]"; then
	ok "GW2 active and ready for both tenants"
else
	fail "GW2 did not take Contoso over: $(gw_roles gw2)"
fi
if wait_until 20 bash -c "[ \"\$('$HNV_LAB' --lab '$NAME' exec Contoso-Web1 curl -s -m 1 http://203.0.113.1/)\" = 'internet 203.0.113.10' ]"; then
	ok "Contoso reaches the Internet again, from its own address"
else
	fail "Contoso does not reach the Internet after the failover"
fi
sleep 1
kill -INT "$PING" 2>/dev/null
wait_until 5 bash -c "! kill -0 $PING" || kill -KILL "$PING" 2>/dev/null
wait "$PING" 2>/dev/null
gap=$(awk '/bytes from/ { gsub(/[\[\]]/, "", $1); t = $1 * 1000; if (p && t - p > g) g = t - p; p = t } END { printf "%d", g }' "$RUN/ping.txt")
echo "# failover of Contoso from GW1 to GW2: longest gap between replies ${gap} ms (ping every 50 ms)"
echo "metric lab_gateway_failover_outage_ms $gap"
# The remote user notices the dead gateway (DPD) and dials again.
if wait_until 30 bash -c "'$HNV_LAB' --lab '$NAME' exec Alice curl -s -m 1 http://10.0.1.101/ | grep -q '^contoso-web1 172\.16\.100\.'"; then
	ok "Alice dials the new active gateway by herself and reaches Contoso-Web1"
else
	fail "Alice does not reach Contoso after the failover"
fi
step "check after the failover: everything, through GW2 alone" check_json
