# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
#
# tests/netns/lib.sh: shared helpers for the network-namespace integration
# tests (after WireGuard's tests/netns.sh).  A test sets TEST_TAG (two
# letters) and sources this file; it then gets:
#
#  - a unique prefix P ("hf1234-") for every namespace it creates, and
#    VMP ("hf1234-vm-") that the agents get as --netns-prefix, so VM
#    namespaces never clash with a demo lab (contoso1 ...) or another run;
#  - a per-run temporary directory TMPD (sockets, state files, captures);
#  - cleanup on EXIT (also on Ctrl-C/TERM): kills the helpers and agents
#    it started (by pid), deletes every namespace named $P* and with them
#    every link (the tests create nothing in the root namespace), checks
#    that none is left, then prints the closing line "N passed, N failed"
#    and exits non-zero if anything failed;
#  - wait_for [-t SECS] CMD...: polls CMD every 0.1 s until it succeeds or
#    the timeout (default WAIT_TIMEOUT=10 s) expires;
#  - ok/fail/skip/check*: counting;
#  - the physical segment: a bridge br0 in namespace ${P}sw; hosts are
#    namespaces ${P}<host> whose eth0 is a veth into the bridge (switch side
#    "s-<host>", where captures of a host's traffic are taken);
#  - start_agent HOST [ARGS]: hnv-agent in the host's namespace with its
#    socket, state file, pid file and log in $TMPD/agent-HOST, ready when
#    `hnvctl status` answers; hc HOST ARGS: hnvctl against that agent;
#  - a small policy description (pol_* lines) rendered either as native
#    hnvctl commands or as a PowerShell script for `hnvctl ps`;
#  - VM helpers: vm_ns, vx (exec in a VM), guest address setup, pings;
#  - captures (a small AF_PACKET capture program) read with tshark.
#
# Environment: HNV_AGENT_BIN, HNVCTL (binaries), WAIT_TIMEOUT, KEEP_TMP=1
# (keep $TMPD for post-mortem), VERBOSE=1 (trace commands).

export LC_ALL=C
set -u
set -o pipefail

HNV_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HNV_AGENT_BIN=${HNV_AGENT_BIN:-$HNV_TOP/build/bin/hnv-agent}
HNVCTL=${HNVCTL:-$HNV_TOP/build/bin/hnvctl}
PY=/usr/bin/python3	# the system python with scapy, not a pyenv one
WAIT_TIMEOUT=${WAIT_TIMEOUT:-10}
TEST_NAME=$(basename "$0" .sh)

: "${TEST_TAG:=hn}"
P="${TEST_TAG}$$-"
while ip netns list 2>/dev/null | grep -q "^$P"; do
	P="${TEST_TAG}$$x$RANDOM-"
done
VMP="${P}vm-"
TMPD=$(mktemp -d "/tmp/hnv-$TEST_NAME.XXXXXX")

PASS=0
FAIL=0
SKIP=0
FINISHED=0
BG_PIDS=()
AGENT_PIDS=()
declare -A HOST_NS SOCK STATE AGENT_PID AGENT_LOG CAP_PID CAP_FILE

[ "${VERBOSE:-0}" = 1 ] && set -x

# ---------------------------------------------------------------------------
# Counting and output

# A line that comes 10 s or more after the one before says how long it
# took ("[64 s]"): a step that waited out a timeout shows in a CI log,
# which has no clock of its own.  Sets TOOK; no subshell (SECONDS).
LINE_AT=$SECONDS
line_took() {
	local d=$((SECONDS - LINE_AT))

	LINE_AT=$SECONDS
	TOOK=""
	if ((d >= 10)); then
		TOOK=" [$d s]"
	fi
}

ok() {
	PASS=$((PASS + 1))
	line_took
	printf 'ok   %s%s\n' "$*" "$TOOK"
}

fail() {
	FAIL=$((FAIL + 1))
	line_took
	printf 'FAIL %s%s\n' "$*" "$TOOK"
}

skip() {
	SKIP=$((SKIP + 1))
	line_took
	printf 'skip %s%s\n' "$*" "$TOOK"
}

info() {
	line_took
	printf '# %s%s\n' "$*" "$TOOK"
}

# Indents a file's last lines under a failure.
show_tail() {
	[ -s "$1" ] && tail -n "${2:-8}" "$1" | sed 's/^/#   /'
	return 0
}

# check MSG CMD...: ok if CMD succeeds.
check() {
	local msg=$1
	shift
	if "$@" >"$TMPD/check.out" 2>&1; then
		ok "$msg"
	else
		fail "$msg (command: $*)"
		show_tail "$TMPD/check.out"
	fi
}

# check_not MSG CMD...: ok if CMD fails.
check_not() {
	local msg=$1
	shift
	if "$@" >"$TMPD/check.out" 2>&1; then
		fail "$msg (command unexpectedly succeeded: $*)"
		show_tail "$TMPD/check.out"
	else
		ok "$msg"
	fi
}

# check_eq MSG EXPECTED GOT
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		fail "$1: expected '$2', got '$3'"
	fi
}

# check_gt MSG GOT MIN: ok if GOT > MIN (integers).
check_gt() {
	if [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -gt "$3" ]; then
		ok "$1"
	else
		fail "$1: expected > $3, got '$2'"
	fi
}

# check_wait MSG [-t SECS] CMD...: ok if CMD succeeds within the timeout.
check_wait() {
	local msg=$1
	shift
	if wait_for "$@"; then
		ok "$msg"
	else
		[ "$1" = -t ] && shift 2
		fail "$msg (timed out: $*)"
		"$@" >"$TMPD/check.out" 2>&1
		show_tail "$TMPD/check.out"
	fi
}

# ---------------------------------------------------------------------------
# Polling

now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}

# wait_for [-t SECS] CMD...: 0 as soon as CMD succeeds, 1 after SECS.
wait_for() {
	local t=$WAIT_TIMEOUT end
	if [ "$1" = -t ]; then
		t=$2
		shift 2
	fi
	end=$(($(now_ms) + t * 1000))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(now_ms)" -ge "$end" ] && return 1
		sleep 0.1
	done
}

# True while PID runs (a zombie child counts as gone).
pid_alive() {
	local s
	s=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	[ -n "$s" ] && [ "${s:0:1}" != Z ]
}

pid_gone() {
	! pid_alive "$1"
}

# stop_pid PID [SIG] [SECS]: signal, wait for it to go, then SIGKILL.
# Returns the exit status.  (stderr off: no "Killed" job notices.)
stop_pid() {
	{ stop_pid_ "$@"; } 2>/dev/null
}

stop_pid_() {
	local pid=$1 sig=${2:-TERM} t=${3:-5}
	kill -"$sig" "$pid"
	if ! wait_for -t "$t" pid_gone "$pid"; then
		kill -KILL "$pid"
		wait_for -t 5 pid_gone "$pid"
	fi
	wait "$pid"
}

# ---------------------------------------------------------------------------
# Cleanup and the closing line

# ns_del_all: deletes every namespace of this run: ours and the VMs the
# agents made.  Anything still running inside one was started by this run.
ns_del_all() {
	local ns pid
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$P"); do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

cleanup() {
	local pid
	for pid in "${BG_PIDS[@]}"; do
		pid_alive "$pid" && kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${AGENT_PIDS[@]}"; do
		pid_alive "$pid" && kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${BG_PIDS[@]}" "${AGENT_PIDS[@]}"; do
		if ! wait_for -t 3 pid_gone "$pid"; then
			kill -KILL "$pid" 2>/dev/null
			wait_for -t 3 pid_gone "$pid"
		fi
		wait "$pid" 2>/dev/null
	done
	ns_del_all
}

on_exit() {
	local rc=$? ns left
	trap - EXIT
	trap '' INT TERM HUP PIPE
	set +x +e
	[ "$rc" = 141 ] && exec >/dev/null 2>&1	# nobody is listening
	if [ "$FINISHED" != 1 ]; then
		fail "$TEST_NAME did not finish (exit status $rc)"
	fi
	if [ "$FAIL" -gt 0 ]; then
		for ns in "${!AGENT_LOG[@]}"; do
			info "last lines of the agent log of $ns (${AGENT_LOG[$ns]}):"
			show_tail "${AGENT_LOG[$ns]}" 15
		done
	fi
	cleanup >/dev/null 2>&1
	left=$(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$P")
	if [ -n "$left" ]; then
		fail "namespaces left after cleanup: ${left//$'\n'/ }"
	fi
	if [ "${KEEP_TMP:-0}" = 1 ]; then
		info "kept $TMPD"
	else
		rm -rf "$TMPD"
	fi
	[ "$SKIP" -gt 0 ] && info "$SKIP skipped"
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ] && exit 0
	exit 1
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
trap 'exit 141' PIPE	# output closed (| head): still clean up

# Ends the test normally: the EXIT trap cleans up and prints the line.
finish() {
	FINISHED=1
	exit 0
}

# Gives up on the rest of the test (counted as a failure).
die() {
	fail "$*"
	FINISHED=1
	exit 1
}

# ---------------------------------------------------------------------------
# Prerequisites

require_root() {
	[ "$(id -u)" = 0 ] || die "must run as root"
}

require_bins() {
	local b
	for b in "$HNV_AGENT_BIN" "$HNVCTL"; do
		[ -x "$b" ] || die "$b missing: run 'make all' first"
	done
}

# require_tools TOOL...: dies if one is missing (scapy included).
require_tools() {
	local t
	for t in "$@"; do
		case $t in
		scapy)
			"$PY" -c 'import scapy.all' 2>/dev/null ||
				die "$PY has no scapy (apt-get install python3-scapy)"
			;;
		*)
			command -v "$t" >/dev/null || die "$t missing"
			;;
		esac
	done
}

# ---------------------------------------------------------------------------
# Namespaces, the segment and hosts

# ns_add NAME: a namespace (full name, must start with $P), lo up.
ns_add() {
	case $1 in
	"$P"*) ;;
	*) die "ns_add: $1 does not start with $P" ;;
	esac
	ip netns add "$1" || die "ip netns add $1 failed"
	ip -n "$1" link set lo up
}

SW="${P}sw"

# segment_create: the physical L2 segment, a bridge br0 in namespace $SW.
segment_create() {
	ns_add "$SW"
	ip netns exec "$SW" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	# A plain switch: with br_netfilter loaded the bridge would validate
	# (and drop) malformed IP headers before they reach the hosts.
	ip netns exec "$SW" sh -c 'for f in /proc/sys/net/bridge/bridge-nf-call-*; do
		[ -e "$f" ] && echo 0 >"$f"; done; true'
	ip -n "$SW" link add br0 type bridge mcast_snooping 0 ||
		die "cannot create bridge"
	ip -n "$SW" link set br0 up
}

# host_create HOST [MTU]: namespace ${P}HOST with eth0 on the segment (the
# switch port is s-HOST).  The host's kernel has no address on eth0 (the
# agent owns its PAs) and no IPv6 on it, so the wire carries only what the
# agent sends.
host_create() {
	local h=$1 mtu=${2:-1500} ns="${P}$1"
	ns_add "$ns"
	HOST_NS[$h]=$ns
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	ip -n "$SW" link add "s-$h" mtu "$mtu" type veth peer name eth0 \
		mtu "$mtu" netns "$ns" || die "cannot create the link of $h"
	ip -n "$SW" link set "s-$h" master br0 up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
	ip -n "$ns" link set eth0 up
}

# hx HOST CMD...: runs CMD in the host's namespace.
hx() {
	local h=$1
	shift
	ip netns exec "${HOST_NS[$h]}" "$@"
}

# ifindex NS IFACE
ifindex() {
	ip netns exec "$1" cat "/sys/class/net/$2/ifindex"
}

# link_mac NS IFACE
link_mac() {
	ip netns exec "$1" cat "/sys/class/net/$2/address"
}

# ---------------------------------------------------------------------------
# The agent

# hc HOST ARGS...: hnvctl against HOST's agent, run in the host namespace
# (as on a real host: Get-NetAdapter names the host's interfaces).
hc() {
	local h=$1
	shift
	ip netns exec "${HOST_NS[$h]}" "$HNVCTL" --agent "${SOCK[$h]}" "$@"
}

agent_ready() {
	pid_alive "${AGENT_PID[$1]}" && hc "$1" status
}

# start_agent HOST [AGENT ARGS...]: starts (or restarts, same socket and
# state file) the agent of HOST on its eth0; fails the test if it is not
# ready within 10 s.
start_agent() {
	local h=$1 d
	shift
	d="$TMPD/agent-$h"
	mkdir -p "$d"
	SOCK[$h]=$d/ctl.sock
	STATE[$h]=$d/state.json
	AGENT_LOG[$h]=$d/agent.log
	echo "=== start $(date +%T.%N) $*" >>"$d/agent.log"
	ip netns exec "${HOST_NS[$h]}" "$HNV_AGENT_BIN" --uplink "${UPLINK:-eth0}" \
		--control "$d/ctl.sock" --state "$d/state.json" \
		--netns-prefix "$VMP" --pidfile "$d/agent.pid" -d -v "$@" \
		>>"$d/agent.log" 2>&1 </dev/null &
	AGENT_PID[$h]=$!
	AGENT_PIDS+=("$!")
	if ! wait_for -t 10 agent_ready "$h"; then
		fail "agent of $h not ready within 10 s"
		show_tail "$d/agent.log" 15
		return 1
	fi
	return 0
}

# stop_agent HOST [SIG]: TERM (default) or KILL the agent and reap it.
stop_agent() {
	stop_pid "${AGENT_PID[$1]}" "${2:-TERM}"
}

agent_alive() {
	pid_alive "${AGENT_PID[$1]}"
}

# cpu_ticks PID: utime + stime (clock ticks) of PID.
cpu_ticks() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	# shellcheck disable=SC2086
	set -- $s
	# fields 14 and 15 of stat are the 12th and 13th after "(comm) "
	echo $((${12} + ${13}))
}

# cpu_pct PID SECS: the CPU the process used over SECS seconds, in percent
# of one core with one decimal ("0.3").
cpu_pct() {
	local pid=$1 secs=$2 t0 t1 c0 c1 hz
	hz=$(getconf CLK_TCK)
	c0=$(cpu_ticks "$pid") || return 1
	t0=$(now_ms)
	sleep "$secs"
	c1=$(cpu_ticks "$pid") || return 1
	t1=$(now_ms)
	# ticks * 1000 / hz = ms of CPU; * 1000 / elapsed ms = tenths of %
	echo $(((c1 - c0) * 1000 * 1000 / hz / (t1 - t0))) |
		sed -E 's/^([0-9]*)([0-9])$/\1.\2/; s/^\./0./'
}

# jq helper: hcj HOST JQ-FILTER ARGS...: hnvctl --json ARGS | jq -r FILTER
hcj() {
	local h=$1 f=$2
	shift 2
	hc "$h" --json "$@" | jq -r "$f"
}

# drop_count HOST REASON: the drop counter (0 if absent).
drop_count() {
	local n
	n=$(hcj "$1" ".drops.$2 // 0" stats 2>/dev/null)
	[[ "$n" =~ ^[0-9]+$ ]] || n=-1
	echo "$n"
}

# check_drop MSG HOST REASON BEFORE: ok if the counter grew.
check_drop() {
	local n
	n=$(drop_count "$2" "$3")
	if [ "$n" -gt "$4" ]; then
		ok "$1 (drops.$3 $4 -> $n)"
	else
		fail "$1: drops.$3 did not grow (before $4, now $n)"
		hc "$2" --json stats 2>&1 | jq -c .drops 2>/dev/null |
			sed 's/^/#   drops: /'
	fi
}

# ---------------------------------------------------------------------------
# Policy description.  A test fills one list per host with pol_* calls,
# then applies it natively or as a PowerShell script:
#   pol_switch H NAME NETADAPTER
#   pol_vm     H VM ADAPTER SWITCH MAC [VSID]   (first adapter of a VM:
#                                               New-VM; others Add-VMNetworkAdapter)
#   pol_pa     H PA PLEN MAC [VLAN]
#   pol_cr     H RDID VSID PREFIX NEXTHOP
#   pol_lr     H CA VSID MAC PA
#   pol_pr     H PREFIX NEXTHOP
declare -A POL

pol_add() {
	local h=$1
	shift
	POL[$h]+="$*"$'\n'
}
pol_switch() { pol_add "$1" switch "${@:2}"; }
pol_vm() { pol_add "$1" vm "${@:2}"; }
pol_pa() { pol_add "$1" pa "${@:2}"; }
pol_cr() { pol_add "$1" cr "${@:2}"; }
pol_lr() { pol_add "$1" lr "${@:2}"; }
pol_pr() { pol_add "$1" pr "${@:2}"; }

pol_reset() {
	POL=()
}

# pol_native HOST: applies HOST's list with native hnvctl commands; 1 and a
# failure on the first error.
pol_native() {
	local h=$1 kind a b c d e f idx
	idx=$(ifindex "${HOST_NS[$h]}" "${UPLINK:-eth0}")
	while read -r kind a b c d e f; do
		[ -z "$kind" ] && continue
		local cmd=()
		case $kind in
		switch) cmd=(switch add name "$a" netadapter "$b") ;;
		vm)
			cmd=(vm-adapter add vm "$a" name "$b" switch "$c" mac "$d")
			[ -n "$e" ] && cmd+=(vsid "$e")
			;;
		pa)
			cmd=(provider-address add pa "$a" prefix_len "$b" mac "$c"
				ifindex "$idx")
			[ -n "$d" ] && cmd+=(vlan "$d")
			;;
		cr) cmd=(customer-route add rdid "$a" vsid "$b" prefix "$c"
			nexthop "$d") ;;
		lr) cmd=(lookup-record add ca "$a" vsid "$b" mac "$c" pa "$d") ;;
		pr) cmd=(provider-route add prefix "$a" nexthop "$b"
			ifindex "$idx") ;;
		esac
		if ! hc "$h" "${cmd[@]}" >"$TMPD/pol.out" 2>&1; then
			fail "policy on $h: hnvctl ${cmd[*]}"
			show_tail "$TMPD/pol.out"
			return 1
		fi
	done <<<"${POL[$h]}"
	return 0
}

# ps_mac 60:00:60:00:01:01 -> 600060000101
ps_mac() {
	echo "${1//:/}"
}

# pol_ps_script HOST FILE: writes HOST's list as the book's cmdlets, in
# the book's order (switches, VMs, MACs, PA, VSIDs, routes, records).
pol_ps_script() {
	local h=$1 out=$2 kind a b c d e f
	local -A seen
	local -A nad
	local sw="" vms="" macs="" pas="" vsids="" crs="" lrs="" prs="" sel
	while read -r kind a b c d e f; do
		[ "$kind" = vm ] && nad[$a]=$((${nad[$a]:-0} + 1))
	done <<<"${POL[$h]}"
	while read -r kind a b c d e f; do
		case $kind in
		switch)
			sw+="New-VMSwitch \"$a\" -NetAdapterName \"$b\""$'\n'
			;;
		vm)
			if [ -z "${seen[$a]:-}" ]; then
				seen[$a]=1
				vms+="New-VM -Name \"$a\" -SwitchName \"$c\" -Generation 2"$'\n'
			else
				vms+="Add-VMNetworkAdapter -VMName \"$a\" -Name \"$b\" -SwitchName \"$c\""$'\n'
			fi
			# The book's form for a VM with one adapter.
			sel="-VMName \"$a\""
			[ "${nad[$a]}" -gt 1 ] && sel+=" -Name \"$b\""
			macs+="Set-VMNetworkAdapter $sel -StaticMacAddress $(ps_mac "$d")"$'\n'
			[ -n "$e" ] &&
				vsids+="Set-VMNetworkAdapter $sel -VirtualSubnetId $e"$'\n'
			;;
		pa)
			pas+="New-NetVirtualizationProviderAddress -ProviderAddress $a -InterfaceIndex \$NIC.InterfaceIndex -PrefixLength $b -MACAddress $(ps_mac "$c")"
			[ -n "$d" ] && pas+=" -VlanID $d"
			pas+=$'\n'
			;;
		cr)
			crs+="New-NetVirtualizationCustomerRoute -RoutingDomainID \"$a\" -VirtualSubnetID $b -DestinationPrefix $c -NextHop $d"$'\n'
			;;
		lr)
			lrs+="New-NetVirtualizationLookupRecord -CustomerAddress $a -VirtualSubnetID $b -MACAddress $(ps_mac "$c") -ProviderAddress $d -Rule TranslationMethodEncap -Type Static"$'\n'
			;;
		pr)
			prs+="New-NetVirtualizationProviderRoute -InterfaceIndex \$NIC.InterfaceIndex -DestinationPrefix $a -NextHop $b"$'\n'
			;;
		esac
	done <<<"${POL[$h]}"
	{
		echo "# generated by $TEST_NAME for host $h"
		printf '%s' "$sw" "$vms" "$macs"
		echo "\$NIC = Get-NetAdapter ${UPLINK:-eth0}"
		printf '%s' "$pas" "$vsids" "$crs" "$lrs" "$prs"
	} >"$out"
}

# pol_ps HOST: generates $TMPD/HOST.ps1 and runs it with `hnvctl ps`.
pol_ps() {
	local h=$1 f="$TMPD/$1.ps1"
	pol_ps_script "$h" "$f"
	if ! hc "$h" ps "$f" >"$TMPD/pol.out" 2>&1; then
		fail "policy on $h: hnvctl ps $f"
		show_tail "$TMPD/pol.out"
		sed 's/^/#   ps1: /' "$f"
		return 1
	fi
	return 0
}

# pol_apply MODE HOST: MODE native or ps.
pol_apply() {
	case $1 in
	native) pol_native "$2" ;;
	ps) pol_ps "$2" ;;
	esac
}

# ---------------------------------------------------------------------------
# VMs (namespaces the agent creates: $VMP + lower-case VM name)

vm_ns() {
	echo "${VMP}${1,,}"
}

# vx VM CMD...: runs CMD inside the VM.
vx() {
	local vm=$1
	shift
	ip netns exec "$(vm_ns "$vm")" "$@"
}

vm_has_if() {
	ip -n "$(vm_ns "$1")" link show "$2"
}

# vm_wait VM [IFACE]: waits for the agent to create the VM's interface.
vm_wait() {
	local ifc=${2:-eth0}
	if ! wait_for vm_has_if "$1" "$ifc"; then
		fail "interface $ifc of VM $1 not created in $(vm_ns "$1")"
		return 1
	fi
	return 0
}

# vm_ip4 VM IFACE ADDR/PLEN [GW]: guest IPv4 configuration (IPv6 off so
# the guest sends nothing the test did not ask for).
vm_ip4() {
	local ns
	ns=$(vm_ns "$1")
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
	ip -n "$ns" link set "$2" up
	ip -n "$ns" addr add "$3" dev "$2" || return 1
	[ -n "${4:-}" ] && { ip -n "$ns" route add default via "$4" || return 1; }
	return 0
}

# vm_ip6 VM IFACE ADDR/PLEN [GW]: guest IPv6 (no DAD delay).
vm_ip6() {
	local ns
	ns=$(vm_ns "$1")
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=0"
	ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$2.accept_dad=0"
	ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$2.accept_ra=0"
	ip -n "$ns" link set "$2" up
	ip -n "$ns" -6 addr add "$3" dev "$2" nodad || return 1
	[ -n "${4:-}" ] && { ip -n "$ns" -6 route add default via "$4" dev "$2" || return 1; }
	return 0
}

# ping1 VM DST: one echo, 1 s.
ping1() {
	vx "$1" ping -n -c 1 -W 1 "$2"
}

# check_ping MSG VM DST [SECS]: the VM reaches DST within SECS (default 10).
check_ping() {
	check_wait "$1" -t "${4:-10}" ping1 "$2" "$3"
}

# check_noping MSG VM DST: three echoes, none answered.
check_noping() {
	check_not "$1" vx "$2" ping -n -c 3 -i 0.3 -W 1 "$3"
}

# ping_ttl VM DST: the TTL of the reply (empty if none).
ping_ttl() {
	vx "$1" ping -n -c 1 -W 2 "$2" 2>/dev/null |
		sed -n 's/.*ttl=\([0-9]*\).*/\1/p' | head -n 1
}

# neigh_mac VM IP: the VM's neighbour entry's MAC for IP.
neigh_mac() {
	ip -n "$(vm_ns "$1")" neigh show "$2" | sed -n 's/.*lladdr \([0-9a-f:]*\).*/\1/p' | head -n 1
}

# icmp_in VM [6]: echo requests received by the VM's stack so far.
icmp_in() {
	if [ "${2:-}" = 6 ]; then
		vx "$1" cat /proc/net/snmp6 | awk '$1 == "Icmp6InEchos" {print $2}'
	else
		vx "$1" cat /proc/net/snmp | awk '/^Icmp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 } else print $c["InEchos"] }'
	fi
}

# scapy VM|host:NAME|ns:NAME: runs the python (scapy) program on stdin in
# that namespace.
scapy_in() {
	local where=$1 ns
	case $where in
	host:*) ns=${HOST_NS[${where#host:}]} ;;
	ns:*) ns=${where#ns:} ;;
	*) ns=$(vm_ns "$where") ;;
	esac
	ip netns exec "$ns" "$PY" - 2>"$TMPD/scapy.err"
	local rc=$?
	[ $rc -ne 0 ] && show_tail "$TMPD/scapy.err"
	return $rc
}

# tcp_transfer MSG SRC_VM DST_VM DST_IP [MB]: sends MB (10) megabytes of
# random data with nc and compares sha256 on both ends.
tcp_transfer() {
	local msg=$1 src=$2 dst=$3 ip=$4 mb=${5:-10} port=5001 pid a b
	local f="$TMPD/xfer.src" r="$TMPD/xfer.dst"
	[ -f "$f" ] || head -c "${mb}M" /dev/urandom >"$f"
	rm -f "$r"
	ip netns exec "$(vm_ns "$dst")" nc -l "$ip" "$port" >"$r" </dev/null &
	pid=$!
	BG_PIDS+=("$pid")
	if ! wait_for vx "$dst" sh -c "ss -Hltn 'sport = :$port' | grep -q ."; then
		fail "$msg: nc did not listen in $dst"
		return 1
	fi
	if ! timeout 60 ip netns exec "$(vm_ns "$src")" nc -N -w 10 "$ip" "$port" <"$f"; then
		fail "$msg: nc in $src failed"
	fi
	if ! wait_for -t 20 pid_gone "$pid"; then
		kill "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	a=$(vx "$src" sha256sum <"$f" | cut -d' ' -f1)
	b=$(vx "$dst" sha256sum <"$r" | cut -d' ' -f1)
	if [ -n "$a" ] && [ "$a" = "$b" ]; then
		ok "$msg ($(stat -c %s "$r") bytes, sha256 ${a:0:12}...)"
	else
		fail "$msg: sha256 differs (sent $(stat -c %s "$f") bytes $a, received $(stat -c %s "$r" 2>/dev/null) bytes $b)"
	fi
}

# ---------------------------------------------------------------------------
# Captures

# The capture program: AF_PACKET on one interface, every frame written to
# a pcap file at once (dumpcap loses the frames of its last ring block when
# stopped), VLAN tags the kernel moved to metadata put back in place.
# Ready when it prints "Capturing on"; SIGINT/SIGTERM drain and stop it.
cap_prog() {
	[ -f "$TMPD/cap.py" ] && return 0
	cat >"$TMPD/cap.py" <<'PYEOF'
import signal, socket, struct, sys, time
ifc, out = sys.argv[1], sys.argv[2]
SOL_PACKET, PACKET_AUXDATA = 263, 8
VLAN_VALID, VLAN_TPID_VALID = 1 << 4, 1 << 6
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
s.bind((ifc, 0))
f = open(out, "wb")
f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
f.flush()
stop = False
def on_sig(*a):
    global stop
    stop = True
signal.signal(signal.SIGINT, on_sig)
signal.signal(signal.SIGTERM, on_sig)
print("Capturing on", ifc, flush=True)
s.settimeout(0.05)
n = 0
while True:
    try:
        data, anc, fl, addr = s.recvmsg(262144, socket.CMSG_SPACE(32))
    except (socket.timeout, BlockingIOError):
        if stop:
            break
        continue
    except InterruptedError:
        continue
    for lvl, typ, d in anc:
        if lvl == SOL_PACKET and typ == PACKET_AUXDATA and len(d) >= 20:
            st, ln, sn, mac, net, tci, tpid = struct.unpack("IIIHHHH", d[:20])
            if st & VLAN_VALID:
                if not st & VLAN_TPID_VALID:
                    tpid = 0x8100
                data = data[:12] + struct.pack("!HH", tpid, tci) + data[12:]
    t = time.time()
    f.write(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(data), len(data)))
    f.write(data)
    f.flush()
    n += 1
    if stop:
        s.setblocking(False)
f.close()
print("Packets captured:", n, flush=True)
PYEOF
}

# cap_start NAME NS IFACE: background capture into $TMPD/NAME.pcap;
# returns once it is capturing.
cap_start() {
	local name=$1 ns=$2 ifc=$3 f="$TMPD/$1.pcap"
	cap_prog
	rm -f "$f"
	CAP_FILE[$name]=$f
	ip netns exec "$ns" "$PY" "$TMPD/cap.py" "$ifc" "$f" \
		>"$TMPD/$name.cap.log" 2>&1 &
	CAP_PID[$name]=$!
	BG_PIDS+=("$!")
	if ! wait_for grep -q "Capturing on" "$TMPD/$name.cap.log"; then
		fail "capture $name on $ns/$ifc did not start"
		show_tail "$TMPD/$name.cap.log"
		return 1
	fi
	return 0
}

# cap_stop NAME: stops the capture and waits for the file.
cap_stop() {
	stop_pid "${CAP_PID[$1]}" INT 5
	[ -f "${CAP_FILE[$1]}" ]
}

# cap_count NAME DISPLAY-FILTER: frames of the capture matching the filter.
cap_count() {
	tshark -n -r "${CAP_FILE[$1]}" -Y "$2" 2>/dev/null | wc -l
}

# cap_fields NAME DISPLAY-FILTER FIELD...: one line per frame, fields
# separated by '|', all occurrences comma separated.
cap_fields() {
	local name=$1 filter=$2 a=()
	shift 2
	for f in "$@"; do a+=(-e "$f"); done
	tshark -n -r "${CAP_FILE[$name]}" -Y "$filter" -T fields -E separator='|' \
		-E occurrence=a -E aggregator=, "${a[@]}" 2>/dev/null
}

# ---------------------------------------------------------------------------
# The standard topology: two HNV hosts on one segment (DESIGN.md section 7
# with a second VM network):
#
#                    segment: bridge br0 in ${P}sw
#        +----------------- s-a ---------- s-b -----------------+
#        |                                                      |
#   HostA eth0 (PA_A)                                  HostB eth0 (PA_B)
#    VmA1 A1  VSID 6000 \                               VmB1 B1  VSID 6000
#    VmA2 A2  VSID 6000  } Blue                Blue {   VmB2 B2  VSID 6001
#    VmA3 A3  VSID 6001 /                               Gw   GWIP VSID 6001 eth0
#    RedA A1  VSID 7000    Red (same CAs)       Red     RedB B1  VSID 7000  |
#                                           (TOPO_GW=1)  Gw eth1 ExternalSwitch
#                                                        ext0 --- Phys 10.1.3.100
#
#   Blue {12345678-1000-2000-3000-123456780001}: 6000 SUB1, 6001 SUB2,
#        and with TOPO_GW=1 0.0.0.0/0 in 6001 via the gateway Gw (F6);
#   Red  {12345678-1000-2000-3000-123456780002}: 7000 SUB1.
#   Every host has every lookup record and its own ".1" records (the book
#   gives each host its own default-gateway MAC: GW_MAC[host:vsid]).
#
# topo_std CAF PAF: addresses for CA family CAF and PA family PAF (4|6).
# TOPO_VLAN=N puts both PAs on VLAN N.  PA_MAC_A/PA_MAC_B override the PA
# MACs (default the book's 33:44:55:66:77:88, a multicast MAC the agent
# replaces with the uplink's on the wire, and 44:55:66:77:88:99).

RD_BLUE="{12345678-1000-2000-3000-123456780001}"
RD_RED="{12345678-1000-2000-3000-123456780002}"
PHYS_IP=10.1.3.100
GW_EXT_IP=10.1.3.2
GW_EXT_MAC=60:01:60:01:03:02
TOPO_GW=${TOPO_GW:-0}
TOPO_VLAN=${TOPO_VLAN:-}
VMS=()
declare -A VM_HOST VM_VSID VM_IP VM_MAC VM_GW GW_MAC PA_OF PAMAC_OF

vm_def() {
	VMS+=("$1")
	VM_HOST[$1]=$2
	VM_VSID[$1]=$3
	VM_IP[$1]=$4
	VM_MAC[$1]=$5
	VM_GW[$1]=$6
}

topo_std() {
	CAF=$1
	PAF=$2
	VMS=()
	if [ "$PAF" = 4 ]; then
		PA_A=192.168.0.22 PA_B=192.168.0.33 PA_PLEN=24 PA_OVERHEAD=42
	else
		PA_A=fd99::22 PA_B=fd99::33 PA_PLEN=64 PA_OVERHEAD=62
	fi
	MAC_PA_A=${PA_MAC_A:-33:44:55:66:77:88}
	MAC_PA_B=${PA_MAC_B:-44:55:66:77:88:99}
	PA_OF=([a]=$PA_A [b]=$PA_B)
	PAMAC_OF=([a]=$MAC_PA_A [b]=$MAC_PA_B)
	if [ "$CAF" = 4 ]; then
		SUB1=10.0.1.0/24 SUB2=10.0.2.0/24 CA_PLEN=24
		ONLINK=0.0.0.0 DEFAULT=0.0.0.0/0
		GW1=10.0.1.1 GW2=10.0.2.1 GWIP=10.0.2.2
		A1=10.0.1.101 A2=10.0.1.102 A3=10.0.2.103
		B1=10.0.1.201 B2=10.0.2.202
		IPF=ip ICMPF=icmp CA_NET=10.0.0.0/8
	else
		SUB1=fd00:1::/64 SUB2=fd00:2::/64 CA_PLEN=64
		ONLINK=:: DEFAULT=::/0
		GW1=fd00:1::1 GW2=fd00:2::1 GWIP=fd00:2::2
		A1=fd00:1::101 A2=fd00:1::102 A3=fd00:2::103
		B1=fd00:1::201 B2=fd00:2::202
		IPF=ipv6 ICMPF=icmpv6 CA_NET=fd00::/16
	fi
	vm_def VmA1 a 6000 "$A1" 60:00:60:00:01:01 "$GW1"
	vm_def VmA2 a 6000 "$A2" 60:00:60:00:01:02 "$GW1"
	vm_def VmA3 a 6001 "$A3" 60:01:60:01:01:03 "$GW2"
	vm_def VmB1 b 6000 "$B1" 60:00:60:00:02:01 "$GW1"
	vm_def VmB2 b 6001 "$B2" 60:01:60:01:02:02 "$GW2"
	vm_def RedA a 7000 "$A1" 70:00:70:00:01:01 "$GW1"
	vm_def RedB b 7000 "$B1" 70:00:70:00:02:01 "$GW1"
	if [ "$TOPO_GW" = 1 ]; then
		[ "$CAF" = 4 ] || die "TOPO_GW=1 needs IPv4 CAs"
		vm_def Gw b 6001 "$GWIP" 60:01:60:01:03:01 "$GW2"
	fi
	GW_MAC=([a:6000]=60:00:60:00:01:00 [b:6000]=60:00:60:00:02:00
		[a:6001]=60:01:60:01:01:00 [b:6001]=60:01:60:01:02:00
		[a:7000]=70:00:70:00:01:00 [b:7000]=70:00:70:00:02:00)
}

# topo_policy: the policy lists of both hosts.
topo_policy() {
	local h vm
	pol_reset
	for h in a b; do
		pol_switch "$h" HNVSwitch eth0
		[ "$TOPO_GW" = 1 ] && [ "$h" = b ] &&
			pol_switch b ExternalSwitch ext0
		for vm in "${VMS[@]}"; do
			[ "${VM_HOST[$vm]}" = "$h" ] || continue
			pol_vm "$h" "$vm" eth0 HNVSwitch "${VM_MAC[$vm]}" "${VM_VSID[$vm]}"
		done
		[ "$TOPO_GW" = 1 ] && [ "$h" = b ] &&
			pol_vm b Gw eth1 ExternalSwitch "$GW_EXT_MAC"
		pol_pa "$h" "${PA_OF[$h]}" "$PA_PLEN" "${PAMAC_OF[$h]}" $TOPO_VLAN
		pol_cr "$h" "$RD_BLUE" 6000 "$SUB1" "$ONLINK"
		pol_cr "$h" "$RD_BLUE" 6001 "$SUB2" "$ONLINK"
		[ "$TOPO_GW" = 1 ] && pol_cr "$h" "$RD_BLUE" 6001 "$DEFAULT" "$GWIP"
		pol_cr "$h" "$RD_RED" 7000 "$SUB1" "$ONLINK"
		pol_lr "$h" "$GW1" 6000 "${GW_MAC[$h:6000]}" "${PA_OF[$h]}"
		pol_lr "$h" "$GW2" 6001 "${GW_MAC[$h:6001]}" "${PA_OF[$h]}"
		pol_lr "$h" "$GW1" 7000 "${GW_MAC[$h:7000]}" "${PA_OF[$h]}"
		for vm in "${VMS[@]}"; do
			pol_lr "$h" "${VM_IP[$vm]}" "${VM_VSID[$vm]}" "${VM_MAC[$vm]}" \
				"${PA_OF[${VM_HOST[$vm]}]}"
		done
	done
}

# vm_guest VM: the guest's own configuration (address, default route).
vm_guest() {
	local vm=$1
	if [ "$CAF" = 4 ]; then
		vm_ip4 "$vm" eth0 "${VM_IP[$vm]}/$CA_PLEN" "${VM_GW[$vm]}"
	else
		vm_ip6 "$vm" eth0 "${VM_IP[$vm]}/$CA_PLEN" "${VM_GW[$vm]}"
	fi
}

# topo_net: segment, hosts (and the physical server with TOPO_GW=1).
topo_net() {
	segment_create
	host_create a
	host_create b
	if [ "$TOPO_GW" = 1 ]; then
		PHYS="${P}phys"
		ns_add "$PHYS"
		ip -n "$PHYS" link add eth0 type veth peer name ext0 \
			netns "${HOST_NS[b]}" || die "cannot create ext0"
		ip -n "${HOST_NS[b]}" link set ext0 up
		ip netns exec "${HOST_NS[b]}" sysctl -qw net.ipv6.conf.ext0.disable_ipv6=1
		ip netns exec "$PHYS" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
		ip -n "$PHYS" link set eth0 up
		ip -n "$PHYS" addr add "$PHYS_IP/24" dev eth0
		ip -n "$PHYS" route add 10.0.0.0/16 via "$GW_EXT_IP"
	fi
}

# topo_vms: waits for every VM interface and configures the guests.
topo_vms() {
	local vm
	for vm in "${VMS[@]}"; do
		vm_wait "$vm" eth0 || return 1
		vm_guest "$vm" || { fail "guest setup of $vm"; return 1; }
	done
	if [ "$TOPO_GW" = 1 ]; then
		vm_wait Gw eth1 || return 1
		vx Gw sysctl -qw net.ipv6.conf.eth1.disable_ipv6=1
		ip -n "$(vm_ns Gw)" link set eth1 up
		ip -n "$(vm_ns Gw)" addr add "$GW_EXT_IP/24" dev eth1
		vx Gw sysctl -qw net.ipv4.ip_forward=1
	fi
	return 0
}

# topo_up MODE [AGENT ARGS...]: the whole standard topology, policy applied
# natively (MODE native) or with `hnvctl ps` (MODE ps).  1 on failure.
topo_up() {
	topo_net
	topo_start "$@"
}

# pa_wire_mac HOST: the MAC HOST's PA uses on the wire: its configured MAC,
# or the uplink's when that one is zero or multicast (the book's
# 33:44:55:66:77:88 is multicast; doc/agent.md).
pa_wire_mac() {
	local m=${PAMAC_OF[$1]}
	if [ "$m" = 00:00:00:00:00:00 ] || (( 0x${m:0:2} & 1 )); then
		link_mac "${HOST_NS[$1]}" "${UPLINK:-eth0}"
	else
		echo "$m"
	fi
}

# topo_start MODE [AGENT ARGS...]: topo_up after topo_net (e.g. to start
# a capture before the agents send anything).  Sets WMAC_PA_A/B, the PA
# MACs on the wire.
topo_start() {
	local mode=$1
	shift
	WMAC_PA_A=$(pa_wire_mac a)
	WMAC_PA_B=$(pa_wire_mac b)
	start_agent a "$@" || return 1
	start_agent b "$@" || return 1
	topo_policy
	pol_apply "$mode" a || return 1
	pol_apply "$mode" b || return 1
	topo_vms
}

# topo_down: stops the agents and deletes every namespace.
topo_down() {
	local h
	for h in "${!AGENT_PID[@]}"; do
		stop_agent "$h"
	done
	AGENT_PID=()
	ns_del_all
	HOST_NS=()
	rm -f "$TMPD"/agent-*/state.json
}

# ---------------------------------------------------------------------------
# The packet flows of DESIGN.md section 3 on the standard topology.
# flows_run LABEL: F1, F2, F3, F5, F7, F8 (and F6 with TOPO_GW=1), a wire
# capture on HostA's switch port to check what did and did not cross the
# wire, a 10 MB TCP transfer, and the anti-spoofing drops.

# ca_pair_filter X Y: display filter for IP packets between CAs X and Y.
ca_pair_filter() {
	echo "($IPF.src == $1 && $IPF.dst == $2) || ($IPF.src == $2 && $IPF.dst == $1)"
}

# gre_vsids CAP FILTER: the distinct VSIDs (key >> 8) of the GRE frames
# matching FILTER, space separated ("" if none).
gre_vsids() {
	local k out=""
	for k in $(cap_fields "$1" "gre && ($2)" gre.key | sort -u); do
		out+="$((k >> 8)) "
	done
	echo "$out" | tr ' ' '\n' | sed '/^$/d' | sort -u | tr '\n' ' ' | sed 's/ $//'
}

flows_run() {
	local t=$1 cap vm h n before after mtu
	cap=flows-$(echo "$1" | tr -c "a-zA-Z0-9\n" -)
	local expect_mtu=$((1500 - PA_OVERHEAD))

	for vm in VmA1 VmB1; do
		mtu=$(ip -n "$(vm_ns "$vm")" -j link show eth0 | jq -r '.[0].mtu')
		check_eq "$t guest MTU of $vm is uplink MTU - $PA_OVERHEAD" "$expect_mtu" "$mtu"
		check_eq "$t guest MAC of $vm is the adapter's" "${VM_MAC[$vm]}" \
			"$(link_mac "$(vm_ns "$vm")" eth0)"
	done

	cap_start "$cap" "$SW" s-a || return 1

	# F1: same VSID, same host: answered by the other VM, switched locally.
	check_ping "$t F1 VmA1 -> VmA2 (VSID 6000, same host)" VmA1 "$A2"
	check_eq "$t F1 VmA1's neighbour entry for VmA2 is VmA2's MAC" \
		"${VM_MAC[VmA2]}" "$(neigh_mac VmA1 "$A2")"
	check_eq "$t F1 TTL 64 (switched, not routed)" 64 "$(ping_ttl VmA1 "$A2")"
	check_ping "$t F1 VmA2 -> VmA1" VmA2 "$A1" 3

	# F2: different VSIDs, same host: the distributed router.
	check_ping "$t F2 VmA1 -> VmA3 (6000 -> 6001, same host)" VmA1 "$A3"
	check_eq "$t F2 TTL decremented by the router" 63 "$(ping_ttl VmA1 "$A3")"
	check_eq "$t F2 VmA1's gateway resolves to HostA's .1 record MAC" \
		"${GW_MAC[a:6000]}" "$(neigh_mac VmA1 "$GW1")"
	check_ping "$t F2 VmA3 -> VmA1" VmA3 "$A1" 3

	# F3: same VSID, other host: ARP answered by HostA, NVGRE.
	check_ping "$t F3 VmA1 -> VmB1 (VSID 6000, other host)" VmA1 "$B1"
	check_eq "$t F3 VmA1's neighbour entry for VmB1 is VmB1's MAC" \
		"${VM_MAC[VmB1]}" "$(neigh_mac VmA1 "$B1")"
	check_eq "$t F3 TTL 64 (not routed)" 64 "$(ping_ttl VmA1 "$B1")"
	check_ping "$t F3 VmB1 -> VmA1" VmB1 "$A1" 3

	# F5: different VSIDs, other host.
	check_ping "$t F5 VmA1 -> VmB2 (6000 -> 6001, other host)" VmA1 "$B2"
	check_eq "$t F5 TTL decremented once" 63 "$(ping_ttl VmA1 "$B2")"
	check_ping "$t F5 VmB2 -> VmA1" VmB2 "$A1" 3

	# F7: every VM pings its ".1" and sees its host's router MAC.
	for vm in "${VMS[@]}"; do
		h=${VM_HOST[$vm]}
		check_ping "$t F7 $vm pings its gateway ${VM_GW[$vm]}" "$vm" "${VM_GW[$vm]}" 5
		check_eq "$t F7 $vm's gateway MAC is the .1 record of its host" \
			"${GW_MAC[$h:${VM_VSID[$vm]}]}" "$(neigh_mac "$vm" "${VM_GW[$vm]}")"
	done

	# F8: Red has the same CAs as Blue and stays separate.
	check_ping "$t F8 RedA -> RedB (Red, same CAs as VmA1/VmB1)" RedA "$B1"
	check_eq "$t F8 RedA's neighbour entry for $B1 is RedB's MAC (not VmB1's)" \
		"${VM_MAC[RedB]}" "$(neigh_mac RedA "$B1")"
	check_ping "$t F8 RedB -> RedA" RedB "$A1" 3
	before=$(icmp_in RedB "$CAF")
	n=$(icmp_in VmB1 "$CAF")
	vx VmA1 ping -n -c 3 -i 0.2 -W 1 "$B1" >/dev/null 2>&1
	check_eq "$t F8 VmA1's pings to $B1 reach VmB1 (3 echo requests)" \
		$((n + 3)) "$(icmp_in VmB1 "$CAF")"
	# Crafted: VmA1 addresses RedB's MAC directly.
	n=$(drop_count a unknown_dst)
	scapy_in VmA1 <<PYEOF
from scapy.all import *
conf.verb = 0
l3 = IP(src="$A1", dst="$B1")/ICMP() if "$CAF" == "4" else IPv6(src="$A1", dst="$B1")/ICMPv6EchoRequest()
sendp(Ether(src="${VM_MAC[VmA1]}", dst="${VM_MAC[RedB]}")/l3/Raw(b"x" * 32), iface="eth0", count=5, inter=0.02)
PYEOF
	check_drop "$t F8 frames from Blue VmA1 to Red RedB's MAC dropped" a unknown_dst "$n"
	check_eq "$t F8 RedB received no echo request from Blue" \
		"$before" "$(icmp_in RedB "$CAF")"
	n=$(drop_count a no_route)
	check_noping "$t F8 RedA cannot reach Blue-only $A3" RedA "$A3"
	check_drop "$t F8 Red -> Blue-only address counted" a no_route "$n"

	# F6: VM -> physical server through the forwarding gateway.
	if [ "$TOPO_GW" = 1 ]; then
		check_ping "$t F6 Gw reaches the physical server" Gw "$PHYS_IP" 5
		check_ping "$t F6 VmA1 -> Phys $PHYS_IP via the gateway" VmA1 "$PHYS_IP"
		check_eq "$t F6 reply TTL (gateway and router each decrement)" \
			62 "$(ping_ttl VmA1 "$PHYS_IP")"
		check_wait "$t F6 Phys -> VmA1" ip netns exec "$PHYS" ping -n -c 1 -W 1 "$A1"
		check_ping "$t F6 VmB1 -> Phys (gateway on the same host)" VmB1 "$PHYS_IP"
	fi

	cap_stop "$cap" || { fail "$t capture lost"; return 1; }

	# What crossed the wire (HostA's switch port).
	check_eq "$t F1 nothing on the wire between VmA1 and VmA2" 0 \
		"$(cap_count "$cap" "$(ca_pair_filter "$A1" "$A2")")"
	check_eq "$t F2 nothing on the wire between VmA1 and VmA3" 0 \
		"$(cap_count "$cap" "$(ca_pair_filter "$A1" "$A3")")"
	if [ "$CAF" = 4 ]; then
		n=$(cap_count "$cap" "arp.src.proto_ipv4 == $CA_NET || arp.dst.proto_ipv4 == $CA_NET")
	else
		n=$(cap_count "$cap" "icmpv6.type >= 133 && icmpv6.type <= 137 && (ipv6.addr == $CA_NET || icmpv6.nd.ns.target_address == $CA_NET || icmpv6.nd.na.target_address == $CA_NET)")
	fi
	check_eq "$t F3 no ARP/ND for CAs on the wire (answered by the host)" 0 "$n"
	check_eq "$t F3 no CA packet on the wire outside NVGRE" 0 \
		"$(cap_count "$cap" "!gre && $IPF.addr == $CA_NET")"
	check_gt "$t F3 VmA1 <-> VmB1 echoes crossed the wire in GRE" \
		"$(cap_count "$cap" "gre && $ICMPF && eth.addr == ${VM_MAC[VmB1]}")" 0
	check_eq "$t F3 frames to/from VmB1 carry VSID 6000" 6000 \
		"$(gre_vsids "$cap" "eth.addr == ${VM_MAC[VmB1]}")"
	check_eq "$t F5 frames to VmB2 carry the destination's VSID 6001" 6001 \
		"$(gre_vsids "$cap" "eth.dst == ${VM_MAC[VmB2]}")"
	check_eq "$t F5/F3 frames to VmA1 carry its VSID 6000" 6000 \
		"$(gre_vsids "$cap" "eth.dst == ${VM_MAC[VmA1]}")"
	check_eq "$t F8 frames to/from RedB carry Red's VSID 7000" 7000 \
		"$(gre_vsids "$cap" "eth.addr == ${VM_MAC[RedB]}")"
	if [ "$TOPO_GW" = 1 ]; then
		check_eq "$t F6 frames to the physical server go to the gateway's VSID 6001" 6001 \
			"$(gre_vsids "$cap" "ip.dst == $PHYS_IP")"
		check_eq "$t F6 ... addressed to the gateway's MAC" "${VM_MAC[Gw]}" \
			"$(cap_fields "$cap" "gre && ip.dst == $PHYS_IP && icmp" eth.dst | cut -d, -f2 | sort -u | tr '\n' ' ' | sed 's/ $//')"
	fi

	# A 10 MB TCP transfer across the hosts.
	tcp_transfer "$t TCP 10 MB VmA1 -> VmB1, sha256 equal" VmA1 VmB1 "$B1" 10

	# F8: anti-spoofing at the VM port.
	n=$(drop_count a spoofed_src_mac)
	before=$(icmp_in VmA2 "$CAF")
	scapy_in VmA1 <<PYEOF
from scapy.all import *
conf.verb = 0
l3 = IP(src="$A1", dst="$A2")/ICMP() if "$CAF" == "4" else IPv6(src="$A1", dst="$A2")/ICMPv6EchoRequest()
sendp(Ether(src="02:de:ad:be:ef:01", dst="${VM_MAC[VmA2]}")/l3/Raw(b"spoofmac"), iface="eth0", count=5, inter=0.02)
PYEOF
	check_drop "$t F8 spoofed source MAC from VmA1 dropped" a spoofed_src_mac "$n"
	n=$(drop_count a spoofed_src_ip)
	scapy_in VmA1 <<PYEOF
from scapy.all import *
conf.verb = 0
l3 = IP(src="$B1", dst="$A2")/ICMP() if "$CAF" == "4" else IPv6(src="$B1", dst="$A2")/ICMPv6EchoRequest()
sendp(Ether(src="${VM_MAC[VmA1]}", dst="${VM_MAC[VmA2]}")/l3/Raw(b"spoofip"), iface="eth0", count=5, inter=0.02)
PYEOF
	check_drop "$t F8 spoofed source IP ($B1) from VmA1 dropped" a spoofed_src_ip "$n"
	check_eq "$t F8 VmA2 received none of the spoofed echo requests" \
		"$before" "$(icmp_in VmA2 "$CAF")"
	check_ping "$t VmA1 -> VmA2 still works after the spoofing" VmA1 "$A2" 3
	check "$t agents still running" agent_alive a
	check "$t agent b still running" agent_alive b
}
