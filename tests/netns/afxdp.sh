#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# afxdp.sh: the uplink through AF_XDP (hnv-agent --uplink-io afxdp,
# io/afxdp.c; doc/io.md "AF_XDP").  The standard topology (lib.sh
# topo_std: two hosts on a bridged segment, VMs in two VSIDs), both agents
# with AF_XDP uplinks, per PA family (IPv4, then IPv6 PAs).
#
# Asserts: the XDP program is on each host's uplink while its agent runs
# and gone after it stops (and back after a restart); VMs reach each other
# across hosts and 10 MB TCP transfers arrive intact both ways; the
# tunnel frames came through the AF_XDP socket (stats uplink.xdp.tunnel),
# while ARP/ND went on to the stack and the agents still resolved each
# other's PAs (other > 0); the wire carries NVGRE.  An agent killed with
# SIGKILL leaves its program on the uplink; the next one replaces it and
# forwards.  The uplink set down and up: the agent idles meanwhile (no
# spin on the sockets' pending errors) and forwards through AF_XDP again
# after.  An agent never replaces somebody else's program: it says why
# its uplink is not up, and forwards once that program is gone.  An
# uplink with two receive queues gets a socket on each, and frames on
# either come through that queue's.  A jumbo uplink (MTU 9000) is refused
# with a message; the agent lives on.

TEST_TAG=ha
. "$(dirname "$0")/lib.sh"

require_root
require_bins
require_tools nc jq sha256sum tshark clang ethtool

XFER_MB=10

# xdp_on HOST: the host's uplink has an XDP program.
xdp_on() {
	ip -d -n "${HOST_NS[$1]}" link show dev "${UPLINK:-eth0}" |
		grep -q 'prog/xdp'
}

# xdp_prog_id HOST: the id of the XDP program on the host's uplink.
xdp_prog_id() {
	ip -d -n "${HOST_NS[$1]}" link show dev "${UPLINK:-eth0}" |
		sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p' | head -n 1
}

# uplink_is HOST STATE: the agent's uplink state (status) is STATE.
uplink_is() {
	[ "$(hcj "$1" .uplink_state status)" = "$2" ]
}

# ping_ok VM IP: one echo reply within a second.
ping_ok() {
	vx "$1" ping -c 1 -W 1 "$2"
}

# A program of somebody else's: passes everything.
mk_foreign() {
	printf '%s\n' '__attribute__((section("xdp"), used)) int pass(void *c) { return 2; }' \
		'char lic[] __attribute__((section("license"), used)) = "GPL";' |
		clang -O2 -target bpf -c -x c - -o "$TMPD/pass.o"
}

# queue_rx HOST Q: frames the agent's AF_XDP socket on queue Q gave.
queue_rx() {
	hcj "$1" ".uplink.xdp.socket_rx_queues[$2] // 0" stats
}

# two_queues: HostB's uplink with two receive queues (and the switch's
# port two transmit queues, which it picks by the flow hash of the outer
# headers, NVGRE's FlowID included): the agent opens a socket on each
# queue, and short TCP connections (a new source port, so a new FlowID,
# each) reach VmB1 through both.
two_queues() {
	local i
	info "[pa4] two receive queues on HostB's uplink: a socket on each"
	stop_agent b
	if ! hx b ethtool -L eth0 rx 2 tx 2 >/dev/null 2>&1 ||
		! ip netns exec "$SW" ethtool -L s-b rx 2 tx 2 >/dev/null 2>&1; then
		info "skip: this kernel's veth cannot have two queues (ethtool -L)"
		start_agent b --uplink-io afxdp
		return 0
	fi
	start_agent b --uplink-io afxdp || return 0
	check_eq "[pa4] HostB's agent has a socket on each queue" 2 \
		"$(hcj b '.uplink.xdp.socket_rx_queues | length' stats)"
	for ((i = 0; i < 24; i++)); do
		vx VmB1 timeout 10 nc -l "$B1" 5002 >/dev/null </dev/null &
		BG_PIDS+=("$!")
		wait_for vx VmB1 sh -c "ss -Hltn 'sport = :5002' | grep -q ." ||
			break
		head -c 100000 /dev/zero |
			vx VmA1 timeout 10 nc -N -w 5 "$B1" 5002 >/dev/null
		wait "$!" 2>/dev/null
		[ "$(queue_rx b 0)" -gt 0 ] && [ "$(queue_rx b 1)" -gt 0 ] &&
			break
	done
	check_gt "[pa4] queue 0's socket gave tunnel frames" "$(queue_rx b 0)" 0
	check_gt "[pa4] queue 1's socket gave tunnel frames" "$(queue_rx b 1)" 0
	check_eq "[pa4] ... and the two all of them (none the packet socket's way)" \
		"$(hcj b '.uplink.xdp.tunnel' stats)" \
		"$(hcj b '.uplink.xdp.socket_rx' stats)"
}

run_round() {
	local paf=$1 n pct foreign
	info "round: IPv$paf PAs, both uplinks through AF_XDP"
	topo_std 4 "$paf"
	topo_net
	cap_start wire "${P}sw" s-a || return 1
	if ! topo_start native --uplink-io afxdp; then
		fail "[pa$paf] topology not up"
		return 1
	fi
	check "[pa$paf] HostA's uplink has the XDP program" xdp_on a
	check "[pa$paf] HostB's uplink has the XDP program" xdp_on b
	check_ping "[pa$paf] VmA1 reaches VmB1" VmA1 "$B1"
	check_ping "[pa$paf] VmB1 reaches VmA1" VmB1 "$A1"
	tcp_transfer "[pa$paf] $XFER_MB MB VmA1 -> VmB1" VmA1 VmB1 "$B1" $XFER_MB
	tcp_transfer "[pa$paf] $XFER_MB MB VmB1 -> VmA1" VmB1 VmA1 "$A1" $XFER_MB
	check_gt "[pa$paf] HostA's XDP program sent tunnel frames to its socket" \
		"$(hcj a '.uplink.xdp.tunnel // 0' stats)" 1000
	check_gt "[pa$paf] HostA read them from the AF_XDP socket" \
		"$(hcj a '.uplink.xdp.socket_rx // 0' stats)" 1000
	check_gt "[pa$paf] HostB read tunnel frames from the AF_XDP socket" \
		"$(hcj b '.uplink.xdp.socket_rx // 0' stats)" 1000
	check_gt "[pa$paf] HostB passed other frames (ARP/ND) to the stack" \
		"$(hcj b '.uplink.xdp.other // 0' stats)" 0
	check "[pa$paf] hnvctl stats prints the XDP program's counters" \
		sh -c "ip netns exec ${HOST_NS[b]} $HNVCTL --agent ${SOCK[b]} stats |
			grep -E '^uplink XDP program: .*socket_rx [1-9]'"
	cap_stop wire
	n=$(cap_count wire "gre")
	check_gt "[pa$paf] the wire carries NVGRE" "$n" 1000

	info "[pa$paf] HostB's agent stopped, then started again"
	stop_agent b
	check "[pa$paf] HostB's uplink has no XDP program once its agent stopped" \
		sh -c "! ip -d -n ${HOST_NS[b]} link show dev ${UPLINK:-eth0} | grep -q prog/xdp"
	if start_agent b --uplink-io afxdp; then
		check "[pa$paf] HostB's uplink has the XDP program again" xdp_on b
		check_ping "[pa$paf] VmA1 reaches VmB1 after the restart" VmA1 "$B1"
	fi
	info "[pa$paf] HostB's agent killed (SIGKILL): its program stays; a new agent replaces it"
	stop_agent b KILL
	check "[pa$paf] the killed agent's XDP program is still on HostB's uplink" xdp_on b
	if start_agent b --uplink-io afxdp; then
		check_ping "[pa$paf] VmA1 reaches VmB1 after the new agent replaced it" VmA1 "$B1"
		check_gt "[pa$paf] HostB's new agent reads tunnel frames from its AF_XDP socket" \
			"$(hcj b '.uplink.xdp.socket_rx // 0' stats)" 0
	fi
	info "[pa$paf] HostB's uplink set down, then up"
	ip -n "${HOST_NS[b]}" link set dev "${UPLINK:-eth0}" down
	check_wait "[pa$paf] HostB's agent sees its uplink down" uplink_is b down
	pct=$(cpu_pct "${AGENT_PID[b]}" 2)
	check "[pa$paf] HostB's agent is idle meanwhile (${pct}% of a core, not a spin)" \
		awk -v p="$pct" 'BEGIN { exit !(p < 20) }'
	ip -n "${HOST_NS[b]}" link set dev "${UPLINK:-eth0}" up
	check_wait "[pa$paf] uplink up again: VmA1 reaches VmB1" ping_ok VmA1 "$B1"
	check "[pa$paf] ... with the XDP program on it again" xdp_on b

	info "[pa$paf] somebody else's XDP program on HostB's uplink"
	stop_agent b
	ip -n "${HOST_NS[b]}" link set dev "${UPLINK:-eth0}" xdpdrv \
		obj "$TMPD/pass.o" sec xdp
	check "[pa$paf] the foreign program is on HostB's uplink" xdp_on b
	foreign=$(xdp_prog_id b)
	if start_agent b --uplink-io afxdp; then
		check_wait "[pa$paf] HostB's agent says why its uplink is not up" \
			grep -q "the interface has an XDP program already" "${AGENT_LOG[b]}"
		check_eq "[pa$paf] HostB's agent left the foreign program in place" \
			"$foreign" "$(xdp_prog_id b)"
		ip -n "${HOST_NS[b]}" link set dev "${UPLINK:-eth0}" xdpdrv off
		check_wait "[pa$paf] once it is gone, VmA1 reaches VmB1 again" \
			ping_ok VmA1 "$B1"
		# The first echo may have come in while the agent was still
		# setting up (its packet socket opens before the program goes
		# on, so nothing is lost then): the next ones come after.
		check "[pa$paf] ... and again, three echoes" \
			vx VmA1 ping -n -c 3 -i 0.2 -W 1 "$B1"
		check_gt "[pa$paf] ... through HostB's AF_XDP socket" \
			"$(hcj b '.uplink.xdp.socket_rx // 0' stats)" 0
	fi
	if [ "$paf" = 4 ]; then
		two_queues
		info "[pa$paf] a jumbo uplink (MTU 9000): AF_XDP refused, the agent lives"
		stop_agent b
		ip -n "${HOST_NS[b]}" link set dev "${UPLINK:-eth0}" mtu 9000
		if start_agent b --uplink-io afxdp; then
			check_wait "[pa$paf] HostB's agent says the MTU is too large" \
				grep -q "MTU 9000 is above 3500" "${AGENT_LOG[b]}"
			check "[pa$paf] HostB's agent is alive" agent_alive b
		fi
	fi
	rm -f "$TMPD/xfer.src"
	topo_down
}

mk_foreign || { fail "cannot build a test XDP program (clang -target bpf)"; finish; }
run_round 4
run_round 6
finish
