#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# restart.sh: the agent's state survives it.  Policy is applied once (with
# `hnvctl ps`); then HostA's agent is SIGKILLed and restarted with the
# same --state, then stopped with SIGTERM and restarted: each time the
# guest interfaces stay untouched (same ifindex, MAC, addresses), traffic
# resumes without re-applying policy, and the policy reads back the same.
# Last, removing an adapter removes its interface from the VM, for good.
#
#                       segment: bridge br0 in ${P}sw
#        +---------------- s-a ------------- s-b ----------------+
#        |                                                       |
#  HostA eth0 PA 192.168.0.22                      HostB eth0 PA 192.168.0.33
#  hnv-agent --state $TMPD/agent-a/state.json      hnv-agent
#   [kill -9, restart; kill -TERM, restart]
#   VmA1 10.0.1.101 6000  <---- ping ---->           VmB1 10.0.1.201 6000
#   VmA2 10.0.1.102 6000  (adapter removed last)     VmB2 10.0.2.202 6001
#   VmA3 10.0.2.103 6001                             RedB 10.0.1.201 7000
#   RedA 10.0.1.101 7000

TEST_TAG=hr
. "$(dirname "$0")/lib.sh"

# A unicast PA MAC for HostA (flows.sh uses the book's multicast one).
PA_MAC_A=02:44:55:66:77:88

require_root
require_bins
require_tools jq sqlite3

OBJS="lookup-record customer-route provider-address switch vm-adapter"

# snapshot NAME: what must not change, into $TMPD/NAME.*
snapshot() {
	local o vm
	for o in $OBJS; do
		hc a --json "$o" get >"$TMPD/$1.$o.json" 2>&1
	done
	: >"$TMPD/$1.links"
	for vm in VmA1 VmA2 VmA3 RedA; do
		ip -n "$(vm_ns "$vm")" -j addr show dev eth0 2>/dev/null |
			jq -c '.[] | {ifindex, ifname, address, mtu,
				flags: [.flags[] | select(. != "NO-CARRIER" and . != "LOWER_UP")],
				addrs: [.addr_info[] | select(.scope == "global") | {local, prefixlen}]}' \
				>>"$TMPD/$1.links"
	done
}

# same_policy A B: every object family reads back identically.
same_policy() {
	local o msg=$3
	for o in $OBJS; do
		if jq -S . "$TMPD/$1.$o.json" >"$TMPD/x1" 2>/dev/null &&
			jq -S . "$TMPD/$2.$o.json" >"$TMPD/x2" 2>/dev/null &&
			[ -s "$TMPD/x1" ] && cmp -s "$TMPD/x1" "$TMPD/x2"; then
			ok "$msg: $o get --json unchanged"
		else
			fail "$msg: $o get --json differs"
			diff -u "$TMPD/x1" "$TMPD/x2" | head -n 20 | sed 's/^/#   /'
		fi
	done
}

same_links() {
	if [ -s "$TMPD/$1.links" ] && cmp -s "$TMPD/$1.links" "$TMPD/$2.links"; then
		ok "$3: guest interfaces untouched (ifindex, MAC, MTU, UP, addresses)"
	else
		fail "$3: guest interfaces changed"
		diff -u "$TMPD/$1.links" "$TMPD/$2.links" | head -n 20 | sed 's/^/#   /'
	fi
}

# carrier VM: the TAP has carrier (an agent holds it open).
carrier() {
	ip -n "$(vm_ns "$1")" -j link show eth0 | jq -e '.[0].flags | index("LOWER_UP")'
}

all_attached() {
	[ "$(hcj a '[.ports[] | select(.attached != true)] | length' status)" = 0 ] &&
		[ "$(hcj a '.ports | length' status)" -ge 4 ]
}

traffic() {
	check_ping "$1 VmA1 -> VmB1" VmA1 "$B1" 15
	check_ping "$1 VmB1 -> VmA1" VmB1 "$A1" 5
	check_ping "$1 VmA1 -> VmA2 (local)" VmA1 "$A2" 5
	check_ping "$1 VmA1 -> VmA3 (routed locally)" VmA1 "$A3" 5
	check_ping "$1 RedA -> RedB" RedA "$B1" 5
}

topo_std 4 4
topo_up ps || die "topology not up"
traffic "[start]"
check_eq "[start] the state database holds every lookup record" \
	"$(hcj a length lookup-record get)" \
	"$(sqlite3 "${STATE[a]}" "select count(*) from lookup_record")"
snapshot s0

# ---------------------------------------------------------------- SIGKILL
pid=${AGENT_PID[a]}
stop_agent a KILL
check "[kill] agent $pid is gone" pid_gone "$pid"
snapshot s1k 2>/dev/null
same_links s0 s1k "[kill] agent down"
check_noping "[kill] nothing forwards while the agent is down" VmA1 "$B1"
start_agent a || die "agent did not restart after SIGKILL"
check_wait "[kill] restarted agent re-attached every port" all_attached
check_wait "[kill] VmA1's interface has carrier again" carrier VmA1
traffic "[kill] restarted, no policy re-applied:"
snapshot s1
same_links s0 s1 "[kill] after restart"
same_policy s0 s1 "[kill] after restart"

# ---------------------------------------------------------------- SIGTERM
pid=${AGENT_PID[a]}
t0=$(now_ms)
stop_pid "$pid" TERM 5
rc=$?
check_gt "[term] agent exits within 5 s of SIGTERM" $((5000 - ($(now_ms) - t0))) 0
check_eq "[term] exit status 0 on SIGTERM" 0 "$rc"
snapshot s2d 2>/dev/null
same_links s0 s2d "[term] agent stopped"
start_agent a || die "agent did not restart after SIGTERM"
check_wait "[term] restarted agent re-attached every port" all_attached
check_wait "[term] VmA1's interface has carrier again" carrier VmA1
traffic "[term] restarted:"
snapshot s2
same_links s0 s2 "[term] after restart"
same_policy s0 s2 "[term] after restart"

# ---------------------------------------------------------------- removal
check "[remove] vm-adapter remove vm VmA2 name eth0" \
	hc a vm-adapter remove vm VmA2 name eth0
vm_gone() { ! vm_has_if VmA2 eth0; }
check_wait "[remove] VmA2's eth0 is gone from its namespace" vm_gone
check_eq "[remove] adapter no longer listed" 0 \
	"$(hcj a 'length' vm-adapter get vm VmA2)"
check_noping "[remove] VmA1 no longer reaches VmA2's address" VmA1 "$A2"
check_ping "[remove] VmA1 -> VmB1 unaffected" VmA1 "$B1" 5
stop_agent a TERM
start_agent a || die "agent did not restart after the removal"
check "[remove] after a restart VmA2's eth0 is still gone" vm_gone
check_eq "[remove] and the adapter still not listed" 0 \
	"$(hcj a 'length' vm-adapter get vm VmA2)"
check_ping "[remove] VmA1 -> VmB1 after the restart" VmA1 "$B1" 15

finish
