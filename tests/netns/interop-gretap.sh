#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# interop-gretap.sh: OpenHNV against an independent NVGRE implementation,
# the Linux kernel's gretap (RFC 7637 section 4 over GRE with a key, and
# protocol 0x6558).  HostK plays a second HNV host with nothing but the
# kernel: its PA is an ordinary kernel address, its "virtual switch" a
# bridge joining a gretap device and a veth to the VM namespace VmK.
#
#                       segment: bridge br0 in ${P}sw
#      +------------------- s-a ---------------- s-k -------------------+
#      |                                                                 |
#  HostA eth0 PA 192.168.0.22                     HostK eth0 192.168.0.33/24
#  hnv-agent --flowid zero                        (a kernel address: no agent)
#   VmA1 10.0.1.101 VSID 6000                      nv0: gretap local .33 remote .22
#   (a TAP the agent made)                              key 6000 << 8 = 1536000
#                                                  br0: nv0 + vk0
#                                                        |  veth
#                                                  VmK eth0 10.0.1.103/24
#                                                  60:00:60:00:02:03, MTU 1458
#
#  HostA's policy: VmA1's adapter, PA 192.168.0.22, the customer route
#  10.0.1.0/24 (VSID 6000) and the lookup records of VmA1 and of
#  10.0.1.103 (vsid 6000 mac 600060000203 pa 192.168.0.33).
#
# Asserts, with `--flowid zero` (a gretap device with a key matches all 32
# bits of the GRE key, so the FlowID must be 0): pings both ways, a
# 1458-byte DF packet both ways (1500 on the wire), a 4 MB TCP transfer
# each way with equal sha256, the gretap device's rx and tx counters grew,
# and HostA counted no bad_nvgre and no src_pa_mismatch drop.  Then, with
# the agent restarted with the default `--flowid hash`, the kernel drops
# what HostA sends (key mismatch: no echo reply comes back, nv0's rx
# counter stays put, and the kernel answers ICMP port unreachable, as it
# does for a GRE packet no tunnel accepts): why the setting exists.
#
# Which kernel: the host's, when it can make a gretap device.  A kernel
# built without CONFIG_NET_IPGRE (some VM kernels have no modules at all)
# cannot; then HostK's kernel is a user-mode Linux (Debian package
# user-mode-linux: the same kernel code, run as a process) attached to
# HostK's eth0 with a raw socket, configured by the same script and
# driven through files in $TMPD/k (hostfs).  Neither: the test is
# skipped.  GRETAP_KERNEL=host|uml forces one.

TEST_TAG=hg
. "$(dirname "$0")/lib.sh"

require_root
require_bins
require_tools nc jq sha256sum

RD="{12345678-1000-2000-3000-123456780001}"
VSID=6000
KEY=$((VSID << 8))
PA_A=192.168.0.22
PA_K=192.168.0.33
A1=10.0.1.101
K1=10.0.1.103
MAC_A1=60:00:60:00:01:01
MAC_K1=60:00:60:00:02:03
GUEST_MTU=1458
XFER_MB=4

# ---------------------------------------------------------------------------
# HostK: the same configuration script runs in HostK's namespace (host
# kernel) or as part of user-mode Linux's init.  KVMNS is VmK's namespace
# in HostK's kernel; KD the exchange directory (the same path in both).

KD=$TMPD/k
mkdir -p "$KD"

cat >"$KD/hostk.sh" <<EOF
# HostK: a second HNV host made of kernel parts only.
set -e
for c in all default; do
	sysctl -qw net.ipv6.conf.\$c.disable_ipv6=1
done
ip link set lo up
ip link set eth0 up
ip addr add $PA_K/24 dev eth0
# A physical NIC segments before the wire: no 64 KB GRE super-frames.
ethtool -K eth0 tx-gre-segmentation off tx-gre-csum-segmentation off \
	>/dev/null 2>&1 || true
ip link add nv0 type gretap local $PA_K remote $PA_A key $KEY
# No multicast snooping: the bridge would itself send IGMP reports (from
# 0.0.0.0 and its own MAC, which no lookup record owns) through nv0.
ip link add br0 type bridge mcast_snooping 0
ip link set nv0 master br0
ip link set nv0 up
ip link set br0 up
# (The host-kernel variant makes VmK's namespace beforehand: one made
# under 'ip netns exec' is mounted in that command's mount namespace only.)
ip netns exec \$KVMNS true 2>/dev/null || ip netns add \$KVMNS
ip link add vk0 mtu $GUEST_MTU type veth peer name eth0 netns \$KVMNS
ip link set vk0 master br0
ip link set vk0 up
ip -n \$KVMNS link set lo up
ip netns exec \$KVMNS sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip -n \$KVMNS link set eth0 address $MAC_K1 mtu $GUEST_MTU up
ip -n \$KVMNS addr add $K1/24 dev eth0
EOF

# user-mode Linux's init: mounts, gretap and bridge modules, HostK's
# configuration, then a loop that runs each request file req.N (shell)
# and leaves its output in out.N and its exit status in rc.N.
uml_init() {
	cat >"$KD/init.sh" <<EOF
#!/bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs run /run
mount -t hostfs -o $KD none $KD
for m in $UML_MODS; do
	insmod $UML_MODDIR/\$m.ko || echo "insmod \$m failed"
done
ip link set vec0 name eth0
export KVMNS=vmk
if sh -x $KD/hostk.sh >$KD/hostk.log 2>&1; then touch $KD/ready; else touch $KD/failed; fi
sync
cd $KD
n=1
while [ ! -e halt ]; do
	if [ -e req.\$n ]; then
		sh req.\$n >out.\$n 2>&1 </dev/null
		echo \$? >rc.\$n.tmp
		sync
		mv rc.\$n.tmp rc.\$n
		n=\$((n + 1))
	else
		sleep 0.05
	fi
done
sync
halt -f -p
EOF
	chmod +x "$KD/init.sh"
}

# kx 'SHELL' [SECS]: runs the shell text in HostK's kernel (its root
# namespace); prints its output, returns its status (124: no answer).
# User-mode Linux takes requests in order: their number is kept in a file,
# since kx often runs in a $(...) subshell.
kx() {
	local n t=${2:-30}
	if [ "$KMODE" = host ]; then
		KVMNS=$KVMNS timeout "$t" ip netns exec "$HK" sh -c "$1"
		return
	fi
	n=$(($(cat "$KD/seq" 2>/dev/null || echo 0) + 1))
	echo "$n" >"$KD/seq"
	printf '%s\n' "$1" >"$KD/req.$n.tmp"
	mv "$KD/req.$n.tmp" "$KD/req.$n"
	if ! wait_for -t "$t" test -e "$KD/rc.$n"; then
		echo "kx: HostK's kernel did not answer within $t s: $1" >&2
		return 124
	fi
	cat "$KD/out.$n"
	return "$(cat "$KD/rc.$n")"
}

# kvx 'SHELL' [SECS]: the same in VmK.
kvx() {
	kx "ip netns exec $KVMNS sh -c '$1'" "${2:-30}"
}

kping1() {
	kvx "ping -n -c 1 -W 1 $1"
}

# nv0_stat rx|tx: packets through the gretap device.
nv0_stat() {
	kx "ip -j -s link show nv0" | jq -r ".[0].stats64.$1.packets // -1"
}

# k_icmp_unreach: ICMP destination unreachable messages HostK sent.
k_icmp_unreach() {
	kx "cat /proc/net/snmp" | awk '/^Icmp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 } else print $c["OutDestUnreachs"] }'
}

# The user-mode Linux kernel and its modules (ip_gre and its dependencies,
# bridge, veth), or return 1.
uml_find() {
	local d
	UML_BIN=$(command -v linux.uml) || return 1
	for d in /usr/lib/uml/modules/*/kernel; do
		[ -f "$d/net/ipv4/ip_gre.ko" ] && UML_MODDIR=$d
	done
	[ -n "${UML_MODDIR:-}" ] || return 1
	UML_MODS="lib/crc-ccitt net/ipv6/ipv6 net/ipv4/ip_tunnel net/ipv4/gre
		net/ipv4/ip_gre net/llc/llc net/802/stp net/bridge/bridge
		drivers/net/veth"
	UML_MODS=$(echo $UML_MODS)
	for d in $UML_MODS; do
		[ -f "$UML_MODDIR/$d.ko" ] || return 1
	done
}

hostk_kernel_ready() {
	[ -e "$KD/ready" ] || [ -e "$KD/failed" ]
}

# hostk_up: HostK with the host kernel or user-mode Linux.
hostk_up() {
	local want=${GRETAP_KERNEL:-auto}
	host_create k
	HK=${HOST_NS[k]}
	KMODE=
	if [ "$want" != uml ] &&
		ip -n "$HK" link add nvprobe type gretap key 1 2>"$TMPD/probe.err"; then
		ip -n "$HK" link del nvprobe
		KMODE=host
	elif [ "$want" = host ]; then
		die "GRETAP_KERNEL=host, but this kernel cannot make a gretap device: $(cat "$TMPD/probe.err")"
	elif uml_find; then
		KMODE=uml
	else
		info "this kernel cannot make a gretap device ($(cat "$TMPD/probe.err")), and user-mode-linux (linux.uml with ip_gre.ko) is not installed"
		skip "interop with the kernel's gretap"
		finish
	fi
	if [ "$KMODE" = host ]; then
		info "HostK: this machine's kernel $(uname -r)"
		KVMNS=${P}vmk
		ns_add "$KVMNS"
		KVMNS=$KVMNS ip netns exec "$HK" sh -x "$KD/hostk.sh" \
			>"$KD/hostk.log" 2>&1 && touch "$KD/ready"
	else
		info "HostK: user-mode Linux $("$UML_BIN" --version 2>/dev/null | head -n 1) ($UML_BIN; this kernel, $(uname -r), has no gretap)"
		KVMNS=vmk
		uml_init
		mkdir -p "$TMPD/uml"
		TMPDIR=$TMPD/uml ip netns exec "$HK" "$UML_BIN" mem=256M \
			umid=hostk uml_dir="$TMPD/uml" root=/dev/root \
			rootfstype=hostfs rootflags=/ ro init="$KD/init.sh" \
			con=null con0=fd:0,fd:1 quiet \
			vec0:transport=raw,ifname=eth0 \
			</dev/null >"$TMPD/uml.log" 2>&1 &
		UML_PID=$!
		BG_PIDS+=("$UML_PID")
		if ! wait_for -t 60 hostk_kernel_ready; then
			show_tail "$TMPD/uml.log" 20
			die "user-mode Linux did not come up within 60 s"
		fi
	fi
	if [ ! -e "$KD/ready" ]; then
		show_tail "$KD/hostk.log" 20
		die "HostK's configuration failed ($KMODE kernel)"
	fi
	ok "HostK up: gretap nv0 key $KEY ($KMODE kernel)"
}

hostk_down() {
	[ "$KMODE" = uml ] || return 0
	touch "$KD/halt"
	if wait_for -t 20 pid_gone "$UML_PID"; then
		wait "$UML_PID" 2>/dev/null
		ok "user-mode Linux halted"
	else
		fail "user-mode Linux did not halt within 20 s"
	fi
}

# ---------------------------------------------------------------------------
# HostA

hosta_up() {
	host_create a
	start_agent a "$@" || die "HostA's agent did not start"
	pol_reset
	pol_switch a HNVSwitch eth0
	pol_vm a VmA1 eth0 HNVSwitch "$MAC_A1" "$VSID"
	pol_pa a "$PA_A" 24 02:44:55:66:77:88
	pol_cr a "$RD" "$VSID" 10.0.1.0/24 0.0.0.0
	pol_lr a 10.0.1.1 "$VSID" 60:00:60:00:01:00 "$PA_A"
	pol_lr a "$A1" "$VSID" "$MAC_A1" "$PA_A"
	pol_lr a "$K1" "$VSID" "$MAC_K1" "$PA_K"
	pol_native a || die "HostA's policy was refused"
	vm_wait VmA1 eth0 || die "VmA1 has no interface"
	vm_ip4 VmA1 eth0 "$A1/24" 10.0.1.1 || die "VmA1's guest setup failed"
}

# xfer_a_to_k MSG: XFER_MB from VmA1 to VmK (nc), sha256 on both ends.
xfer_a_to_k() {
	local a b
	rm -f "$KD/recv.bin" "$KD/recv.done"
	kvx "(nc -l $K1 5001 >$KD/recv.bin </dev/null 2>/dev/null; touch $KD/recv.done) &" >/dev/null
	if ! wait_for kvx "ss -Hltn sport = :5001 | grep -q ."; then
		fail "$1: nc did not listen in VmK"
		return
	fi
	timeout 60 ip netns exec "$(vm_ns VmA1)" nc -N -w 10 "$K1" 5001 \
		<"$TMPD/xfer.src" || fail "$1: nc in VmA1 failed"
	wait_for -t 20 kx "test -e $KD/recv.done" ||
		fail "$1: nc in VmK did not finish"
	a=$(sha256sum <"$TMPD/xfer.src" | cut -d' ' -f1)
	b=$(kx "sha256sum <$KD/recv.bin" | cut -d' ' -f1)
	check_eq "$1 ($XFER_MB MB, sha256 ${a:0:12}...)" "$a" "$b"
}

# xfer_k_to_a MSG: XFER_MB from VmK to VmA1.
xfer_k_to_a() {
	local a b pid r="$TMPD/recv.bin"
	cp "$TMPD/xfer.src" "$KD/xfer.src"
	rm -f "$r"
	vx VmA1 nc -l "$A1" 5002 >"$r" </dev/null 2>/dev/null &
	pid=$!
	BG_PIDS+=("$pid")
	if ! wait_for vx VmA1 sh -c "ss -Hltn 'sport = :5002' | grep -q ."; then
		fail "$1: nc did not listen in VmA1"
		return
	fi
	kvx "nc -N -w 10 $A1 5002 <$KD/xfer.src" 60 >/dev/null ||
		fail "$1: nc in VmK failed"
	wait_for -t 20 pid_gone "$pid" || kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	a=$(sha256sum <"$TMPD/xfer.src" | cut -d' ' -f1)
	b=$(sha256sum <"$r" | cut -d' ' -f1)
	check_eq "$1 ($XFER_MB MB, sha256 ${a:0:12}...)" "$a" "$b"
}

# ---------------------------------------------------------------------------

segment_create
hostk_up
hosta_up --flowid zero
head -c "${XFER_MB}M" /dev/urandom >"$TMPD/xfer.src"

t="[flowid zero]"
rx0=$(nv0_stat rx)
tx0=$(nv0_stat tx)

check_ping "$t VmA1 -> VmK $K1 (gretap)" VmA1 "$K1" 15
check_eq "$t VmA1's neighbour entry for $K1 is VmK's MAC (answered by HostA)" \
	"$MAC_K1" "$(neigh_mac VmA1 "$K1")"
check_wait "$t VmK -> VmA1 $A1" -t 15 kping1 "$A1"
check "$t VmA1 -> VmK 5 echoes, none lost" \
	vx VmA1 ping -n -q -c 5 -i 0.1 -W 2 "$K1"
check "$t VmK -> VmA1 5 echoes, none lost" \
	kvx "ping -n -q -c 5 -i 0.1 -W 2 $A1"
check "$t VmA1 -> VmK: a $GUEST_MTU-byte DF packet (1500 bytes on the wire)" \
	vx VmA1 ping -n -c 1 -W 2 -M "do" -s $((GUEST_MTU - 28)) "$K1"
check "$t VmK -> VmA1: a $GUEST_MTU-byte DF packet" \
	kvx "ping -n -c 1 -W 2 -M do -s $((GUEST_MTU - 28)) $A1"

xfer_a_to_k "$t TCP VmA1 -> VmK, sha256 equal"
xfer_k_to_a "$t TCP VmK -> VmA1, sha256 equal"

rx1=$(nv0_stat rx)
tx1=$(nv0_stat tx)
check_gt "$t gretap nv0 received from HostA (rx packets $rx0 -> $rx1)" \
	$((rx1 - rx0)) 100
check_gt "$t gretap nv0 sent to HostA (tx packets $tx0 -> $tx1)" \
	$((tx1 - tx0)) 100
check_eq "$t HostA counted no bad_nvgre drop" 0 "$(drop_count a bad_nvgre)"
check_eq "$t HostA counted no src_pa_mismatch drop" 0 \
	"$(drop_count a src_pa_mismatch)"
info "$t HostA's non-zero drop counters: $(hc a --json stats |
	jq -c '.drops | with_entries(select(.value != 0))')"

# The default FlowID (a hash of the flow): the kernel's key no longer
# matches.  The agent restarts from its state file; VmA1 keeps its TAP.
t="[flowid hash]"
stop_agent a
start_agent a || die "HostA's agent did not restart"
hc a --json trace in VmA1 ip_dst "$K1" proto icmp >"$TMPD/trace.json" 2>&1
flowid=$(jq -r '.steps[].msg' "$TMPD/trace.json" 2>/dev/null |
	sed -n 's/.*NVGRE vsid [0-9]* flowid \([0-9]*\).*/\1/p' | head -n 1)
if [ -z "$flowid" ]; then
	fail "$t no FlowID in the trace of VmA1 -> $K1"
	show_tail "$TMPD/trace.json"
elif [ "$flowid" = 0 ]; then
	info "$t the flow VmA1 <-> $K1 hashes to FlowID 0: the kernel accepts it; nothing to show"
	skip "$t key mismatch"
else
	info "$t VmA1 <-> $K1 ICMP goes out with FlowID $flowid: key $(printf 0x%08x $((KEY | flowid))), nv0 expects $(printf 0x%08x $KEY)"
	rx0=$(nv0_stat rx)
	un0=$(k_icmp_unreach)
	check_not "$t VmA1 -> VmK fails: the kernel drops key $((KEY | flowid))" \
		vx VmA1 ping -n -c 5 -i 0.2 -W 1 "$K1"
	check_not "$t VmK -> VmA1 fails: the replies are dropped" \
		kvx "ping -n -c 3 -i 0.2 -W 1 $A1"
	check_eq "$t gretap nv0 received nothing" "$rx0" "$(nv0_stat rx)"
	check_gt "$t HostK answered ICMP port unreachable (GRE no tunnel accepts)" \
		"$(k_icmp_unreach)" "$un0"
fi
check "$t HostA's agent still running" agent_alive a

hostk_down
finish
