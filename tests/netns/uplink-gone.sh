#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# uplink-gone.sh: the agent outlives its uplink and its VMs' interfaces.
# Each round takes something away under a running agent, then checks that
# the agent stays alive and idle (CPU over ~3 s from /proc/PID/stat, far
# from the 100% of a spin), says so exactly once in its log, still answers
# `hnvctl status` (which tells the uplink state), and that traffic
# resumes, without a restart, once the thing is back:
#
#   [gone]    the switch-side veth end s-a is deleted (which deletes HostA's
#             eth0 with it), then made again with the same name, on the
#             same bridge, with another MAC: the agent re-opens the uplink,
#             brings it up, and uses the new ifindex and MAC;
#   [carrier] s-a is set down (HostA's eth0 loses carrier), then up;
#   [admin]   HostA's eth0 is set down (`ip link set down`), then up;
#   [tap]     VmA2's TAP is deleted inside its namespace: the adapter is
#             detached and stays in policy; SIGHUP makes the TAP again;
#   [netns]   VmA3's namespace is deleted (`ip netns del`): the agent
#             lets go of the TAP; when the namespace is added again the
#             agent makes the TAP in it again by itself.
#
#                       segment: bridge br0 in ${P}sw
#        +---------------- s-a ------------- s-b ----------------+
#        |  (deleted, made again; set down/up)                   |
#  HostA eth0 PA 192.168.0.22                      HostB eth0 PA 192.168.0.33
#   VmA1 10.0.1.101 6000  <---- ping ---->           VmB1 10.0.1.201 6000
#   VmA2 10.0.1.102 6000  (TAP deleted)              VmB2 10.0.2.202 6001
#   VmA3 10.0.2.103 6001  (namespace deleted)        RedB 10.0.1.201 7000
#   RedA 10.0.1.101 7000

TEST_TAG=hu
. "$(dirname "$0")/lib.sh"

# A unicast PA MAC for HostB; HostA keeps the book's multicast one, so its
# PA goes on the wire with the uplink's MAC, which changes in [gone].
PA_MAC_B=02:44:55:66:77:99
NEW_MAC=02:aa:bb:cc:dd:01
# A spinning agent uses a whole core (~100%); an idle one well under 1%.
# The bound is generous so that a busy shared machine cannot fail it.
CPU_MAX=20

require_root
require_bins
require_tools jq

# check_idle LABEL: agent A is alive and far from spinning.
check_idle() {
	local pct
	check "$1 agent of HostA still running" agent_alive a
	pct=$(cpu_pct "${AGENT_PID[a]}" 3)
	info "$1 agent of HostA used ${pct:-?}% of a core over 3 s"
	if [ -n "$pct" ] && [ "${pct%.*}" -lt "$CPU_MAX" ]; then
		ok "$1 agent of HostA is idle (${pct}% < ${CPU_MAX}% of a core)"
	else
		fail "$1 agent of HostA is spinning (${pct:-?}% of a core over 3 s)"
	fi
}

# log_count PATTERN: lines of agent A's log matching the extended regexp.
log_count() {
	grep -cE "$1" "${AGENT_LOG[a]}"
}

log_has() {
	[ "$(log_count "$1")" -ge "${2:-1}" ]
}

# mark: counts the log lines of each kind so far (before an event), so
# that checks count what the event added (log_new KIND).
declare -A MARK
mark() {
	local k
	for k in GONE UP DOWN; do
		MARK[$k]=$(log_count "${!k}")
	done
}

# log_new KIND: lines of that kind since the last mark.
log_new() {
	echo $(($(log_count "${!1}") - MARK[$1]))
}

# log_grew KIND: at least one line of that kind since the mark.
log_grew() {
	[ "$(log_new "$1")" -ge 1 ]
}

uplink_state() {
	hcj a .uplink_state status 2>/dev/null
}

uplink_is() {
	[ "$(uplink_state)" = "$1" ]
}

attached() {
	[ "$(hcj a ".ports[] | select(.vm == \"$1\") | .attached" status)" = true ]
}

detached() {
	[ "$(hcj a ".ports[] | select(.vm == \"$1\") | .attached" status)" = false ]
}

# check_status_text LABEL STATE: the text form of `hnvctl status` says it.
check_status_text() {
	if hc a status 2>&1 | grep -qE "^uplink_state: +$2\$"; then
		ok "$1 hnvctl status (text) says uplink_state: $2"
	else
		fail "$1 hnvctl status (text) does not say uplink_state: $2"
		hc a status 2>&1 | sed 's/^/#   /' | head -n 12
	fi
}

traffic() {
	check_ping "$1 VmA1 -> VmB1 (NVGRE)" VmA1 "$B1" "${2:-10}"
	check_ping "$1 VmB1 -> VmA1" VmB1 "$A1" 5
	check_ping "$1 RedA -> RedB" RedA "$B1" 5
}

# The uplink-down rounds share their checks.  uplink_lost LABEL STATE
# KIND: after the event (and a mark before it), the agent logged a line of
# KIND (GONE or DOWN) once, idles, answers status with STATE, keeps
# switching locally and forwards nothing remote.
uplink_lost() {
	local t=$1 state=$2 kind=$3 before
	check_wait "$t agent logs the loss" -t 10 log_grew "$kind"
	check_wait "$t hnvctl status --json: uplink_state $state" uplink_is "$state"
	check_idle "$t"
	check_eq "$t the log says so exactly once" 1 "$(log_new "$kind")"
	check_status_text "$t" "$state"
	check "$t hnvctl stats answers" hc a stats
	check_ping "$t VmA1 -> VmA2 (local) still switched" VmA1 "$A2" 5
	before=$(icmp_in VmB1)
	vx VmA1 ping -n -c 3 -i 0.2 -W 1 "$B1" >/dev/null 2>&1
	check_eq "$t nothing reaches VmB1 meanwhile" "$before" "$(icmp_in VmB1)"
}

topo_std 4 4
topo_up native || die "topology not up"
traffic "[start]"
check_eq "[start] hnvctl status: uplink_state up" up "$(uplink_state)"
check_status_text "[start]" up
check_idle "[start]"
pid0=${AGENT_PID[a]}
ns_a=${HOST_NS[a]}
GONE='uplink eth0: gone'
UP='uplink eth0: up'
DOWN='uplink eth0: down'

# ------------------------------------------------------------------ gone
old_idx=$(ifindex "$ns_a" eth0)
mark
ip -n "$SW" link del s-a || die "cannot delete s-a"
check_not "[gone] HostA's eth0 went with s-a" ip -n "$ns_a" link show eth0
uplink_lost "[gone]" gone GONE

mark
ip -n "$SW" link add s-a type veth peer name eth0 address "$NEW_MAC" \
	netns "$ns_a" || die "cannot make s-a again"
ip -n "$SW" link set s-a master br0 up
ip netns exec "$ns_a" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
# HostA's eth0 is left down: the agent brings a new uplink up itself.
check_wait "[gone] agent logs the return" -t 10 log_grew UP
check_wait "[gone] hnvctl status: uplink_state up again" uplink_is up
traffic "[gone] back, no restart:"
check_eq "[gone] same agent process" "$pid0" \
	"$(cat "$TMPD/agent-a/agent.pid")"
check "[gone] agent $pid0 still running" pid_alive "$pid0"
check_eq "[gone] status has the new uplink's MAC" "$NEW_MAC" \
	"$(hcj a .uplink_mac status)"
new_idx=$(ifindex "$ns_a" eth0)
check_eq "[gone] status has the new ifindex (was $old_idx)" "$new_idx" \
	"$(hcj a .uplink_ifindex status)"
check_eq "[gone] the return is logged exactly once" 1 "$(log_new UP)"
check_eq "[gone] no second loss in the log" 0 "$(log_new GONE)"

# --------------------------------------------------------------- carrier
mark
ip -n "$SW" link set s-a down
check_wait "[carrier] HostA's eth0 has no carrier" \
	sh -c "ip -n '$ns_a' link show eth0 | grep -q NO-CARRIER"
uplink_lost "[carrier]" down DOWN
check "[carrier] the log says why: no carrier" \
	grep -q "uplink eth0: down (no carrier)" "${AGENT_LOG[a]}"
check_eq "[carrier] status says why" "no carrier" \
	"$(hcj a .uplink_detail status)"
mark
ip -n "$SW" link set s-a up
check_wait "[carrier] agent logs the return" -t 10 log_grew UP
traffic "[carrier] back:"
check_eq "[carrier] the return is logged exactly once" 1 "$(log_new UP)"

# ----------------------------------------------------------------- admin
mark
ip -n "$ns_a" link set eth0 down
uplink_lost "[admin]" down DOWN
check_eq "[admin] status says why" "administratively down" \
	"$(hcj a .uplink_detail status)"
check "[admin] the agent leaves eth0 down (the operator's choice)" \
	sh -c "sleep 1.5; ! ip -n '$ns_a' link show eth0 | grep -q '[<,]UP[,>]'"
mark
ip -n "$ns_a" link set eth0 up
check_wait "[admin] agent logs the return" -t 10 log_grew UP
traffic "[admin] back:"
check_eq "[admin] the return is logged exactly once" 1 "$(log_new UP)"

# ------------------------------------------------------------------- tap
TAPGONE='vm adapter VmA2/eth0: .*gone'
ip -n "$(vm_ns VmA2)" link del eth0 || fail "[tap] cannot delete VmA2's eth0"
check_wait "[tap] agent logs it" -t 10 log_has "$TAPGONE"
check_wait "[tap] status shows VmA2 detached" detached VmA2
check_idle "[tap]"
check_eq "[tap] the log says so exactly once" 1 "$(log_count "$TAPGONE")"
check_eq "[tap] the adapter stays in policy" 1 \
	"$(hcj a 'length' vm-adapter get vm VmA2)"
check_ping "[tap] VmA1 -> VmB1 unaffected" VmA1 "$B1" 5
kill -HUP "${AGENT_PID[a]}"
check_wait "[tap] after SIGHUP the TAP is back" vm_has_if VmA2 eth0
check_wait "[tap] ... and attached" attached VmA2
vm_guest VmA2 || fail "[tap] guest setup of VmA2"
check_ping "[tap] VmA1 -> VmA2 again" VmA1 "$A2" 10
check_ping "[tap] VmA2 -> VmB1" VmA2 "$B1" 5

# ----------------------------------------------------------------- netns
NSGONE='vm adapter VmA3/eth0: .*namespace .*gone'
ip netns del "$(vm_ns VmA3)" || fail "[netns] cannot delete VmA3's namespace"
check_wait "[netns] agent logs it" -t 10 log_has "$NSGONE"
check_wait "[netns] status shows VmA3 detached" detached VmA3
check_idle "[netns]"
check_eq "[netns] the log says so exactly once" 1 "$(log_count "$NSGONE")"
check_eq "[netns] the adapter stays in policy" 1 \
	"$(hcj a 'length' vm-adapter get vm VmA3)"
ip netns add "$(vm_ns VmA3)" || fail "[netns] cannot add the namespace again"
check_wait "[netns] the agent makes the TAP in the new namespace" \
	vm_has_if VmA3 eth0
check_wait "[netns] ... and attaches it" attached VmA3
vm_guest VmA3 || fail "[netns] guest setup of VmA3"
check_ping "[netns] VmA1 -> VmA3 (routed locally)" VmA1 "$A3" 10
check_ping "[netns] VmA3 -> VmB1" VmA3 "$B1" 5

check "[end] agent $pid0 never restarted" pid_alive "$pid0"
traffic "[end]"

# ---------------------------------------------------------------- absent
# An agent started before its uplink exists waits for it (under systemd
# it may start before udev has named the NIC).
ns_add "${P}c"
HOST_NS[c]=${P}c
ip netns exec "${P}c" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
start_agent c || die "[absent] agent without an uplink did not start"
check_eq "[absent] status says uplink_state gone" gone \
	"$(hcj c .uplink_state status)"
check "[absent] the agent logged why" grep -q "uplink eth0: gone" \
	"${AGENT_LOG[c]}"
ip -n "$SW" link add s-c type veth peer name eth0 netns "${P}c" ||
	die "[absent] cannot make HostC's eth0"
ip -n "$SW" link set s-c master br0 up
c_up() { [ "$(hcj c .uplink_state status)" = up ]; }
check_wait "[absent] the agent takes the new uplink and sets it up" c_up
check_eq "[absent] status has its ifindex" "$(ifindex "${P}c" eth0)" \
	"$(hcj c .uplink_ifindex status)"
hc c provider-address add pa 192.168.0.44 prefix_len 24 \
	mac 02:44:00:00:00:44 ifindex "$(ifindex "${P}c" eth0)" >/dev/null ||
	fail "[absent] cannot add a PA on HostC"
ip -n "$SW" addr add 192.168.0.99/24 dev br0
check_wait "[absent] HostC's PA answers a ping on the segment" \
	ip netns exec "$SW" ping -n -c 1 -W 1 192.168.0.44
ip -n "$SW" addr del 192.168.0.99/24 dev br0
finish
