#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# interop-ovs.sh: OpenHNV against Open vSwitch, the virtual switch most
# Linux clouds run, whose `gre` ports with a key speak NVGRE (RFC 7637:
# GRE with a key, protocol 0x6558).  HostA is an OVS host (Debian's
# openvswitch-switch, ovsdb-server and ovs-vswitchd started by this test
# with their own database, run, log and configuration directories under
# $TMPD); HostB runs hnv-agent.
#
#                        segment: bridge br0 in ${P}sw
#        +----------------- s-a [capture] ---------- s-b ---------------+
#        |                                                               |
#   HostA eth0 (no address)                          HostB eth0 PA 192.168.0.33
#   ovs-vswitchd, userspace datapath                 hnv-agent --flowid zero
#   (datapath_type=netdev: no kernel module)          VmB1 10.0.1.201 VSID 6000
#                                                     (a TAP the agent made)
#   br-phy: eth0 + LOCAL port br-phy 192.168.0.22/24
#           (the underlay: OVS "userspace tunneling")
#   br-int: vm0 + gre0 (type gre, remote_ip .33, key 6000 << 8 = 1536000)
#            |  veth
#   VmA1 eth0 10.0.1.101/24 60:00:60:00:01:01, MTU 1458
#
#  HostB's policy: VmB1's adapter, PA 192.168.0.33, the customer route
#  10.0.1.0/24 (VSID 6000), the lookup records of VmB1 and of 10.0.1.101
#  (vsid 6000 mac 600060000101 pa 192.168.0.22).
#
# Userspace tunneling (OVS documentation, "Userspace Tunneling"): the
# tunnel's outer header is routed by OVS's own route table (it copies the
# kernel's routes of the namespace ovs-vswitchd runs in: 192.168.0.0/24
# dev br-phy) and addressed with OVS's own neighbour cache, which it fills
# by snooping ARP replies on br-phy: OVS sends the ARP request for the
# remote PA itself and HostB's agent answers it.  A GRE packet for
# 192.168.0.22 arriving on eth0 is popped by br-phy (tnl_pop) and
# handed to gre0 when its key matches.
#
# Asserts, with `--flowid zero` (an OVS `gre` port with a fixed key
# matches all 32 bits of the GRE key, so the FlowID must be 0): OVS learnt
# HostB's PA MAC by ARP, pings both ways, a 1458-byte DF packet both ways
# (1500 on the wire), a 10 MB TCP transfer each way with equal sha256, on
# the wire every GRE packet carries flags 0x2000, protocol 0x6558 and key
# 1536000 = VSID << 8 both ways between the two PAs, HostB counted no
# bad_nvgre and no src_pa_mismatch drop, and gre0's counters grew.  Then,
# with HostB's agent restarted with the default `--flowid hash`, OVS drops
# what HostB sends (key mismatch): why the setting exists.  At the end,
# ovs-vswitchd and ovsdb-server exit, and nothing of theirs is left in the
# system's OVS directories (/var/run, /var/log, /var/lib, /etc).

TEST_TAG=ho
. "$(dirname "$0")/lib.sh"

require_root
require_bins
require_tools nc jq sha256sum tshark ethtool ovsdb-tool ovsdb-server \
	ovs-vswitchd ovs-vsctl ovs-appctl ovs-ofctl

RD="{12345678-1000-2000-3000-123456780001}"
VSID=6000
KEY=$((VSID << 8))
PA_A=192.168.0.22
PA_B=192.168.0.33
PA_MAC_B=02:44:55:66:77:99
A1=10.0.1.101
B1=10.0.1.201
MAC_A1=60:00:60:00:01:01
MAC_B1=60:00:60:00:02:01
GUEST_MTU=1458
XFER_MB=10

# The vswitch schema Debian ships (ovsdb-tool's default, spelled out).
OVS_SCHEMA=${OVS_SCHEMA:-/usr/share/openvswitch/vswitch.ovsschema}
[ -r "$OVS_SCHEMA" ] || die "$OVS_SCHEMA missing (apt-get install openvswitch-common)"

# Open vSwitch's own directories, all under $TMPD: the variables are the
# defaults of every OVS program (ovs-vsctl, ovs-appctl find the sockets
# there); the daemons also get explicit paths.
OVSD=$TMPD/ovs
export OVS_RUNDIR=$OVSD/run OVS_LOGDIR=$OVSD/log OVS_DBDIR=$OVSD/db
export OVS_SYSCONFDIR=$OVSD/etc
mkdir -p "$OVS_RUNDIR" "$OVS_LOGDIR" "$OVS_DBDIR" "$OVS_SYSCONFDIR"
OVS_DB=unix:$OVS_RUNDIR/db.sock
OVS_SYSDIRS="/var/run/openvswitch /run/openvswitch /var/log/openvswitch
	/var/lib/openvswitch /etc/openvswitch"

# sysdirs_list: what the system's OVS directories hold (names, sizes,
# times), to compare before and after.
sysdirs_list() {
	local d
	for d in $OVS_SYSDIRS; do
		[ -e "$d" ] && find "$d" -printf '%p %s %T@\n' 2>/dev/null
	done | sort
	return 0
}

vsctl() {
	ovs-vsctl --db="$OVS_DB" --timeout=10 "$@"
}

appctl() {
	ovs-appctl --timeout=10 -t "$OVS_RUNDIR/ovs-vswitchd.ctl" "$@"
}

dbctl() {
	ovs-appctl --timeout=10 -t "$OVS_RUNDIR/ovsdb-server.ctl" "$@"
}

# ovs_start: ovsdb-server (a fresh database) and ovs-vswitchd in HostA's
# namespace, in the foreground of a background job each (their pids in
# BG_PIDS: lib.sh's cleanup kills them even when the test dies).
ovs_start() {
	local ns=${HOST_NS[a]}
	ovsdb-tool create "$OVS_DBDIR/conf.db" "$OVS_SCHEMA" ||
		die "ovsdb-tool create failed"
	ip netns exec "$ns" ovsdb-server "$OVS_DBDIR/conf.db" \
		--remote="punix:$OVS_RUNDIR/db.sock" \
		--unixctl="$OVS_RUNDIR/ovsdb-server.ctl" \
		--pidfile="$OVS_RUNDIR/ovsdb-server.pid" \
		--log-file="$OVS_LOGDIR/ovsdb-server.log" --no-chdir \
		</dev/null >>"$OVS_LOGDIR/ovsdb-server.out" 2>&1 &
	OVSDB_PID=$!
	BG_PIDS+=("$OVSDB_PID")
	if ! wait_for vsctl --no-wait init; then
		show_tail "$OVS_LOGDIR/ovsdb-server.out"
		die "ovsdb-server did not answer within 10 s"
	fi
	ip netns exec "$ns" ovs-vswitchd "$OVS_DB" \
		--unixctl="$OVS_RUNDIR/ovs-vswitchd.ctl" \
		--pidfile="$OVS_RUNDIR/ovs-vswitchd.pid" \
		--log-file="$OVS_LOGDIR/ovs-vswitchd.log" --no-chdir \
		</dev/null >>"$OVS_LOGDIR/ovs-vswitchd.out" 2>&1 &
	VSWITCHD_PID=$!
	BG_PIDS+=("$VSWITCHD_PID")
	if ! wait_for appctl version; then
		show_tail "$OVS_LOGDIR/ovs-vswitchd.log"
		die "ovs-vswitchd did not answer within 10 s"
	fi
	ok "Open vSwitch up: $(appctl version | head -n 1), in $ns"
}

# ovs_stop: asks both daemons to exit (vswitchd removing its datapath and
# ports), then checks they did.
ovs_stop() {
	appctl exit --cleanup >/dev/null 2>&1
	dbctl exit >/dev/null 2>&1
	check "ovs-vswitchd exited" wait_for -t 10 pid_gone "$VSWITCHD_PID"
	check "ovsdb-server exited" wait_for -t 10 pid_gone "$OVSDB_PID"
	wait "$VSWITCHD_PID" "$OVSDB_PID" 2>/dev/null
}

# port_stat PORT rx|tx: packets through a port of br-int, as OpenFlow
# reports them (live; the database's copy lags by seconds).
port_stat() {
	local n
	n=$(ovs-ofctl dump-ports br-int "$1" 2>/dev/null |
		sed -n "s/.*$2 pkts=\([0-9]*\).*/\1/p" | head -n 1)
	[[ "$n" =~ ^[0-9]+$ ]] || n=-1
	echo "$n"
}

# tnl_neigh_mac IP: the MAC OVS's tunnel neighbour cache has for IP.
tnl_neigh_mac() {
	appctl tnl/neigh/show | awk -v ip="$1" '$1 == ip { print $2 }'
}

# hosta_up: HostA's OVS bridges and VmA1 (a namespace on a veth).
hosta_up() {
	local vns
	host_create a
	ovs_start
	vsctl add-br br-phy -- set bridge br-phy datapath_type=netdev \
		-- add-port br-phy eth0 ||
		die "cannot create br-phy"
	vsctl add-br br-int -- set bridge br-int datapath_type=netdev ||
		die "cannot create br-int"
	hx a ip addr add "$PA_A/24" dev br-phy ||
		die "cannot give br-phy the PA $PA_A"
	hx a ip link set br-phy up
	# OVS takes its routes from the kernel's of its namespace.
	if ! wait_for sh -c "ovs-appctl -t '$OVS_RUNDIR/ovs-vswitchd.ctl' ovs/route/show | grep -q '192.168.0.0/24 dev br-phy'"; then
		info "OVS did not copy the route to 192.168.0.0/24: adding it"
		appctl ovs/route/add 192.168.0.0/24 br-phy ||
			die "ovs/route/add failed"
	fi

	# VmA1: its namespace is named like an agent's VM (lib.sh's vx and
	# tcp_transfer work on it), but it is this test's own veth.
	vns=$(vm_ns VmA1)
	ns_add "$vns"
	hx a ip link add vm0 mtu "$GUEST_MTU" type veth peer name eth0 \
		mtu "$GUEST_MTU" netns "$vns" || die "cannot create VmA1's veth"
	hx a ip link set vm0 up
	vsctl add-port br-int vm0 \
		-- add-port br-int gre0 \
		-- set interface gre0 type=gre options:remote_ip="$PA_B" \
		options:key="$KEY" || die "cannot add vm0 and gre0 to br-int"
	ip -n "$vns" link set eth0 address "$MAC_A1"
	vm_ip4 VmA1 eth0 "$A1/24" || die "VmA1's guest setup failed"
	# The userspace datapath reads vm0 with a packet socket and does not
	# complete checksums left to offload (TCP fails: the inner checksums
	# are wrong on the wire) nor segment: the guest does both itself, as
	# with a virtio NIC without offloads.
	vx VmA1 ethtool -K eth0 tx off tso off gso off >/dev/null 2>&1 ||
		die "cannot turn VmA1's offloads off"
	ok "HostA: br-phy (eth0, $PA_A) and br-int (vm0, gre0 key $KEY), userspace datapath"
}

# hostb_up [AGENT ARGS...]: HostB's agent and policy.
hostb_up() {
	host_create b
	start_agent b "$@" || die "HostB's agent did not start"
	pol_reset
	pol_switch b HNVSwitch eth0
	pol_vm b VmB1 eth0 HNVSwitch "$MAC_B1" "$VSID"
	pol_pa b "$PA_B" 24 "$PA_MAC_B"
	pol_cr b "$RD" "$VSID" 10.0.1.0/24 0.0.0.0
	pol_lr b 10.0.1.1 "$VSID" 60:00:60:00:02:00 "$PA_B"
	pol_lr b "$B1" "$VSID" "$MAC_B1" "$PA_B"
	pol_lr b "$A1" "$VSID" "$MAC_A1" "$PA_A"
	pol_native b || die "HostB's policy was refused"
	vm_wait VmB1 eth0 || die "VmB1 has no interface"
	vm_ip4 VmB1 eth0 "$B1/24" 10.0.1.1 || die "VmB1's guest setup failed"
}

# ---------------------------------------------------------------------------

sys_before=$(sysdirs_list)
segment_create
hosta_up
hostb_up --flowid zero
cap_start ovs "$SW" s-a || die "no capture"

t="[flowid zero]"
rx0=$(port_stat gre0 rx)
tx0=$(port_stat gre0 tx)

check_ping "$t VmA1 (OVS) -> VmB1 $B1 (hnv-agent)" VmA1 "$B1" 15
check_eq "$t OVS learnt HostB's PA MAC by ARP (tnl/neigh)" "$PA_MAC_B" \
	"$(tnl_neigh_mac "$PA_B")"
check_eq "$t VmA1's neighbour entry for $B1 is VmB1's MAC" \
	"$MAC_B1" "$(neigh_mac VmA1 "$B1")"
check_ping "$t VmB1 -> VmA1 $A1" VmB1 "$A1" 15
check_eq "$t VmB1's neighbour entry for $A1 is VmA1's MAC (answered by HostB)" \
	"$MAC_A1" "$(neigh_mac VmB1 "$A1")"
check "$t VmA1 -> VmB1 5 echoes, none lost" \
	vx VmA1 ping -n -q -c 5 -i 0.1 -W 2 "$B1"
check "$t VmB1 -> VmA1 5 echoes, none lost" \
	vx VmB1 ping -n -q -c 5 -i 0.1 -W 2 "$A1"
check "$t VmA1 -> VmB1: a $GUEST_MTU-byte DF packet (1500 bytes on the wire)" \
	vx VmA1 ping -n -c 1 -W 2 -M "do" -s $((GUEST_MTU - 28)) "$B1"
check "$t VmB1 -> VmA1: a $GUEST_MTU-byte DF packet" \
	vx VmB1 ping -n -c 1 -W 2 -M "do" -s $((GUEST_MTU - 28)) "$A1"

tcp_transfer "$t TCP $XFER_MB MB VmA1 -> VmB1, sha256 equal" \
	VmA1 VmB1 "$B1" "$XFER_MB"
tcp_transfer "$t TCP $XFER_MB MB VmB1 -> VmA1, sha256 equal" \
	VmB1 VmA1 "$A1" "$XFER_MB"

rx1=$(port_stat gre0 rx)
tx1=$(port_stat gre0 tx)
check_gt "$t OVS gre0 received from HostB (rx packets $rx0 -> $rx1)" \
	$((rx1 - rx0)) 100
check_gt "$t OVS gre0 sent to HostB (tx packets $tx0 -> $tx1)" \
	$((tx1 - tx0)) 100
check_eq "$t HostB counted no bad_nvgre drop" 0 "$(drop_count b bad_nvgre)"
check_eq "$t HostB counted no src_pa_mismatch drop" 0 \
	"$(drop_count b src_pa_mismatch)"
info "$t HostB's non-zero drop counters: $(hc b --json stats |
	jq -c '.drops | with_entries(select(.value != 0))')"
cap_stop ovs || fail "$t capture lost"

# The wire, both ways.
for dir in "$PA_A $PA_B" "$PA_B $PA_A"; do
	set -- $dir
	F=$(cap_fields ovs "gre && ip.src == $1 && ip.dst == $2" \
		gre.flags_and_version gre.proto gre.key)
	n=$(echo "$F" | grep -c .)
	check_gt "$t wire: GRE packets $1 -> $2" "$n" 100
	check_eq "$t wire: $1 -> $2 flags/version 0x2000 (only K)" 0x2000 \
		"$(echo "$F" | cut -d'|' -f1 | sort -u | tr '\n' ' ' | sed 's/ $//')"
	check_eq "$t wire: $1 -> $2 protocol 0x6558" 0x6558 \
		"$(echo "$F" | cut -d'|' -f2 | sort -u | tr '\n' ' ' | sed 's/ $//')"
	check_eq "$t wire: $1 -> $2 key $(printf 0x%08x $KEY) = VSID $VSID << 8, FlowID 0" \
		"$(printf 0x%08x $KEY)" \
		"$(echo "$F" | cut -d'|' -f3 | sort -u | tr '\n' ' ' | sed 's/ $//')"
done
check_eq "$t wire: GRE only between the two PAs" 0 \
	"$(cap_count ovs "gre && !(ip.addr == $PA_A && ip.addr == $PA_B)")"
check_eq "$t wire: no CA packet outside GRE" 0 \
	"$(cap_count ovs "!gre && ip.addr == 10.0.1.0/24")"

# The default FlowID (a hash of the flow): OVS's gre0 no longer matches
# what HostB sends.  The agent restarts from its state file; VmB1 keeps
# its TAP.
t="[flowid hash]"
stop_agent b
start_agent b || die "HostB's agent did not restart"
hc b --json trace in VmB1 ip_dst "$A1" proto icmp >"$TMPD/trace.json" 2>&1
flowid=$(jq -r '.steps[].msg' "$TMPD/trace.json" 2>/dev/null |
	sed -n 's/.*NVGRE vsid [0-9]* flowid \([0-9]*\).*/\1/p' | head -n 1)
if [ -z "$flowid" ]; then
	fail "$t no FlowID in the trace of VmB1 -> $A1"
	show_tail "$TMPD/trace.json"
elif [ "$flowid" = 0 ]; then
	info "$t the flow VmB1 <-> $A1 hashes to FlowID 0: OVS accepts it; nothing to show"
	skip "$t key mismatch"
else
	info "$t VmB1 <-> $A1 ICMP goes out with FlowID $flowid: key $(printf 0x%08x $((KEY | flowid))), gre0 expects $(printf 0x%08x $KEY)"
	rx0=$(port_stat gre0 rx)
	cap_start hash "$SW" s-a || die "no capture"
	check_not "$t VmB1 -> VmA1 fails: OVS drops key $((KEY | flowid))" \
		vx VmB1 ping -n -c 3 -i 0.2 -W 1 "$A1"
	check_not "$t VmA1 -> VmB1 fails: the replies are dropped" \
		vx VmA1 ping -n -c 3 -i 0.2 -W 1 "$B1"
	cap_stop hash || fail "$t capture lost"
	check_eq "$t OVS gre0 received nothing" "$rx0" "$(port_stat gre0 rx)"
	# HostB did send them (3 requests, 3 replies): OVS dropped them.
	check_gt "$t wire: HostB sent the echoes with key $(printf 0x%08x $((KEY | flowid)))" \
		"$(cap_count hash "ip.src == $PA_B && gre.key == $((KEY | flowid)) && icmp")" 3
	check_eq "$t wire: ... and OVS passed nothing to VmA1 (no echo reply from it)" 0 \
		"$(cap_count hash "ip.src == $PA_A && icmp.type == 0")"
fi
check "$t HostB's agent still running" agent_alive b

ovs_stop
check_eq "nothing left in the system's OVS directories" "$sys_before" \
	"$(sysdirs_list)"
finish
