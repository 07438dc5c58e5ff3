#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# tests/netns/lab-book.sh: the book's simple setup (DESIGN.md section 7,
# lab/topologies/book.topo) built by hnv-lab under a lab name of its own,
# once with the book's PowerShell scripts (hnvctl ps) and once with the
# native hnvctl command files, both through the lab's controller, then
# with the scripts straight to each agent (--no-controller); each time
# `hnv-lab check` must pass (all
# five machines ping each other, every VM pings its ".1").  Then `down`
# must leave no namespace and no run directory behind.
#
#     Contoso1 Contoso2         Contoso3               MT-GW
#   10.0.1.101 10.0.1.102      10.0.1.103    IntNIC 10.0.2.2 ExtNIC 10.1.3.2
#        eth0|  |eth0              |eth0           |           |
#      +------------+       +------------+   +------------+    |
#      |   Host1    |       |   Host2    |   |  GWHost    |    |
#      | PA .0.22   |       | PA .0.33   |   | PA .0.11   |    |
#      +-----+------+       +-----+------+   +--+------+--+    |
#            |Ethernet            |Ethernet     |Ethernet |Ethernet2
#   =========+====================+=============+====     |
#           segment phys: 192.168.0.0/24 (NVGRE)          |
#                                                  =======+=========+=====
#                                                  segment ext: 10.1.3.0/24
#                                                                   |
#                                                      ContosoPhys 10.1.3.100
#
# Namespaces: tb<pid>-switch, -host1, -host2, -gwhost, -contoso1..3,
# -mt-gw, -contosophys (never the demo's contoso1 ...).
LAB_TAG=tb
. "$(dirname "$0")/lab-lib.sh"

# check_json: `check --json` reports passes and no failures.
check_json() {
	lab check --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
bad = [p for p in d["pairs"] if p["pass"] is False]
bad += [c for c in d["checks"] if not c["pass"]]
assert d["failed"] == 0 and not bad, bad
assert d["passed"] >= 24, d["passed"]   # 20 pairs + 4 gateway pings
assert sorted(d["nodes"]) == sorted(["Contoso1", "Contoso2", "Contoso3",
    "MT-GW", "ContosoPhys"]), d["nodes"]
'
}

vm_namespaces_exist() {
	local n
	for n in contoso1 contoso2 contoso3 mt-gw contosophys host1 host2 \
	    gwhost switch; do
		ip netns list | awk '{print $1}' | grep -qx "$NAME-$n" || {
			echo "no namespace $NAME-$n"
			return 1
		}
	done
}

lab_require

for policy in ps native; do
	step "up book --policy $policy" \
	    lab up "$TOP/lab/topologies/book.topo" --policy "$policy" ||
	    continue
	step "$policy: namespaces $NAME-contoso1 ... exist" vm_namespaces_exist
	step "$policy: check (all pairs reach, gateways answer)" lab check
	step "$policy: check --json" check_json
	step "$policy: exec contoso1 ping 10.0.1.103" \
	    lab exec Contoso1 ping -c 1 -W 2 10.0.1.103
done

# Without a controller: each host's script straight to its agent.
if step "up book --policy ps --no-controller" \
    lab up "$TOP/lab/topologies/book.topo" --policy ps --no-controller; then
	if [[ ! -e /run/hnv-lab/$NAME/controller.url ]]; then
		ok "no controller in this lab"
	else
		fail "a controller was started although --no-controller"
	fi
	step "no controller: check (all pairs reach, gateways answer)" \
	    lab check
	step "no controller: check --json" check_json
fi

step "down" lab down
left=$(lab_namespaces)
if [[ -z $left ]]; then
	ok "no namespace of lab $NAME is left"
else
	fail "namespaces left after down: $left"
fi
if [[ ! -e /run/hnv-lab/$NAME ]]; then
	ok "run dir removed"
else
	fail "/run/hnv-lab/$NAME is still there"
fi
step "down again (idempotent)" lab down
