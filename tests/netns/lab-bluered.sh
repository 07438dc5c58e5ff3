#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# tests/netns/lab-bluered.sh: two tenants with the same addresses on two
# hosts in different physical subnets joined by a router
# (lab/topologies/bluered.topo), built by hnv-lab under a lab name of its
# own, with the PowerShell scripts and with the native files.  `check`
# must pass: Blue reaches Blue, Red reaches Red, each ping is received by
# the VM of the sender's own tenant and not by the other tenant's VM with
# the same address, and ARP answers carry the own tenant's MACs.  Then the
# test breaks isolation on purpose (Blue's record for 10.1.1.12 pointed at
# RedVM2, RedVM2's port moved into Blue's VSID) and `check` must fail:
# the check is only worth something if it can see a leak.
#
#      BlueVM1 10.1.1.11  RedVM1 10.1.1.11    BlueVM2 10.1.1.12  RedVM2 10.1.1.12
#              |eth0        |eth0                     |eth0        |eth0
#           +------------------+                   +------------------+
#           | Host1            |                   | Host2            |
#           | PA 192.168.1.10  |                   | PA 192.168.2.20  |
#           +--------+---------+                   +---------+--------+
#                    |Ethernet                               |Ethernet
#    ================+========  phys1          phys2  =======+============
#        192.168.1.0/24    |                           |   192.168.2.0/24
#                     .1   +-------------- R1 ---------+ .1
#
# Blue: VSID 6001, {11111111-2222-3333-4444-000000000000};
# Red:  VSID 5001, {11111111-2222-3333-4444-000000000001}.
LAB_TAG=tr
. "$(dirname "$0")/lab-lib.sh"

# check_json: every expectation passed, and the isolation pairs were
# really tested (BlueVM1's ping to 10.1.1.12 was received by BlueVM2 only).
check_json() {
	lab check --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
assert d["failed"] == 0, [p for p in d["pairs"] if p["pass"] is False] + \
    [c for c in d["checks"] if not c["pass"]]
pairs = {(p["from"], p["to"]): p for p in d["pairs"]}
p = pairs[("BlueVM1", "BlueVM2")]
assert p["reachable"] and p["received_by"] == ["BlueVM2"], p
p = pairs[("BlueVM1", "RedVM2")]
assert p["expect"] == "isolated" and p["received_by"] == ["BlueVM2"], p
p = pairs[("RedVM2", "RedVM1")]
assert p["reachable"] and p["received_by"] == ["RedVM1"], p
assert len([c for c in d["checks"] if c["check"] == "mac"]) == 4
'
}

# The leak must show: BlueVM1 -> RedVM2 fails its isolation expectation.
check_sees_leak() {
	local out
	if out=$(lab check --json); then
		echo "check passed although BlueVM1's pings go to RedVM2"
		return 1
	fi
	printf '%s\n' "$out" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
pairs = {(p["from"], p["to"]): p for p in d["pairs"]}
p = pairs[("BlueVM1", "RedVM2")]
assert p["pass"] is False and "RedVM2" in p["received_by"], p
p = pairs[("BlueVM1", "BlueVM2")]
assert p["pass"] is False, p
'
}

lab_require

for policy in ps native; do
	step "up bluered --policy $policy" \
	    lab up "$TOP/lab/topologies/bluered.topo" --policy "$policy" ||
	    continue
	step "$policy: check (Blue and Red each connected, isolated)" lab check
	step "$policy: check --json" check_json
done

# Break isolation (on the native lab still up): Blue's lookup record for
# 10.1.1.12 now names RedVM2's MAC, and RedVM2's port is in VSID 6001.
if lab status >/dev/null 2>&1; then
	step "break isolation: Blue record 10.1.1.12 -> RedVM2's MAC" \
	    lab ctl Host1 lookup-record set ca 10.1.1.12 vsid 6001 \
	    mac 101010101207 pa 192.168.2.20 rule encap &&
	    step "break isolation: same on Host2" \
		lab ctl Host2 lookup-record set ca 10.1.1.12 vsid 6001 \
		mac 101010101207 pa 192.168.2.20 rule encap &&
	    step "break isolation: RedVM2's port into VSID 6001" \
		lab ctl Host2 vm-adapter set vm RedVM2 name eth0 vsid 6001 &&
	    step "every agent has applied it" lab synced &&
	    lab exec BlueVM1 ip neigh flush all &&
	    step "check sees the leak" check_sees_leak
fi

step "down" lab down
left=$(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$NAME-" || true)
if [[ -z $left ]]; then
	ok "no namespace of lab $NAME is left"
else
	fail "namespaces left after down: $left"
fi
step "down again (idempotent)" lab down
