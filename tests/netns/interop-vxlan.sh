#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# interop-vxlan.sh: OpenHNV's second encapsulation (hnv-agent --encap
# vxlan) against an independent VXLAN implementation, the Linux kernel's
# vxlan device (RFC 7348, UDP 4789, VNI = VSID).  HostK plays a second
# host with nothing but the kernel: its PA is an ordinary kernel address,
# its "virtual switch" a bridge joining a vxlan device and a veth to the
# VM namespace VmK.  Run over IPv4 PAs and over IPv6 PAs.
#
#                       segment: bridge br0 in ${P}sw
#      +------------------- s-a ---------------- s-k -------------------+
#      |                                                                 |
#  HostA eth0 PA 192.168.0.22 | fd99::22             HostK eth0 192.168.0.33 | fd99::33
#  hnv-agent --encap vxlan                            (a kernel address: no agent)
#   VmA1 10.0.1.101 VSID 6000                          vx0: vxlan id 6000 dstport 4789
#   (a TAP the agent made, MTU 1450 | 1430)                 remote = HostA's PA
#                                                      br0: vx0 + vk0
#                                                            |  veth
#                                                      VmK eth0 10.0.1.103/24
#                                                      60:00:60:00:02:03
#
# Asserts, per PA family: the agent made VmA1's adapter with the VXLAN
# MTU (uplink - 50, or - 70 over IPv6); pings both ways (ARP crosses the
# tunnel from the kernel's side, as a plain vxlan device floods it); a
# full-MTU DF packet both ways; a 10 MB TCP transfer each way with equal
# sha256; the vxlan device's counters grew; tshark sees UDP 4789 with VNI
# 6000 both ways and source ports in 49152..65535 from HostA; HostA
# counted no bad_vxlan, src_pa_mismatch or spoofed_inner_mac drop.

TEST_TAG=hx
. "$(dirname "$0")/lib.sh"

require_root
require_bins
require_tools nc jq sha256sum tshark

RD="{12345678-1000-2000-3000-123456780001}"
VSID=6000
A1=10.0.1.101
K1=10.0.1.103
MAC_A1=60:00:60:00:01:01
MAC_K1=60:00:60:00:02:03
XFER_MB=10

if ! ip link add hxprobe$$ type vxlan id 1 dstport 4789 2>"$TMPD/probe.err"; then
	info "this kernel cannot make a vxlan device: $(cat "$TMPD/probe.err")"
	skip "interop with the kernel's vxlan"
	finish
fi
ip link del hxprobe$$

kx() { ip netns exec "$HK" "$@"; }
kvx() { ip netns exec "$KVMNS" "$@"; }
vx0_stat() { kx cat "/sys/class/net/vx0/statistics/${1}_packets"; }

# hostk_up PAF: HostK's kernel configuration.
hostk_up() {
	local paf=$1 guest_mtu=$2
	host_create k
	HK=${HOST_NS[k]}
	KVMNS=${P}vmk
	ns_add "$KVMNS"
	if [ "$paf" = 6 ]; then
		kx sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0
		kx sysctl -qw net.ipv6.conf.eth0.accept_dad=0
		kx ip -6 addr add "$PA_K/64" dev eth0 nodad
	else
		kx ip addr add "$PA_K/24" dev eth0
	fi
	# A physical NIC segments before the wire: no 64 KB super-frames.
	kx ethtool -K eth0 tso off gso off gro off tx-udp_tnl-segmentation off \
		tx-udp_tnl-csum-segmentation off >/dev/null 2>&1 || true
	kx ip link add vx0 type vxlan id "$VSID" dstport 4789 \
		local "$PA_K" remote "$PA_A" ||
		die "cannot make the vxlan device"
	kx ip link add br0 type bridge mcast_snooping 0
	kx ip link set vx0 master br0
	kx ip link set vx0 up
	kx ip link set br0 up
	kx ip link add vk0 mtu "$guest_mtu" type veth peer name eth0 netns "$KVMNS"
	kx ip link set vk0 master br0
	kx ip link set vk0 up
	kvx ip link set lo up
	kvx sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	kvx ip link set eth0 address "$MAC_K1" mtu "$guest_mtu" up
	kvx ip addr add "$K1/24" dev eth0
}

hosta_up() {
	host_create a
	if [ "$1" = 6 ]; then
		ip netns exec "${HOST_NS[a]}" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0
	fi
	start_agent a --encap vxlan || die "HostA's agent did not start"
	pol_reset
	pol_switch a HNVSwitch eth0
	pol_vm a VmA1 eth0 HNVSwitch "$MAC_A1" "$VSID"
	pol_pa a "$PA_A" "$PA_PLEN" 02:44:55:66:77:88
	pol_cr a "$RD" "$VSID" 10.0.1.0/24 0.0.0.0
	pol_lr a 10.0.1.1 "$VSID" 60:00:60:00:01:00 "$PA_A"
	pol_lr a "$A1" "$VSID" "$MAC_A1" "$PA_A"
	pol_lr a "$K1" "$VSID" "$MAC_K1" "$PA_K"
	pol_native a || die "HostA's policy was refused"
	vm_wait VmA1 eth0 || die "VmA1 has no interface"
	vm_ip4 VmA1 eth0 "$A1/24" 10.0.1.1 || die "VmA1's guest setup failed"
}

xfer() {
	local msg=$1 from=$2 to=$3 ip=$4 pid a b r="$TMPD/recv.bin"
	rm -f "$r"
	ip netns exec "$to" nc -l "$ip" 5001 >"$r" </dev/null 2>/dev/null &
	pid=$!
	BG_PIDS+=("$pid")
	if ! wait_for ip netns exec "$to" sh -c "ss -Hltn 'sport = :5001' | grep -q ."; then
		fail "$msg: nc did not listen"
		return
	fi
	timeout 60 ip netns exec "$from" nc -N -w 10 "$ip" 5001 <"$TMPD/xfer.src" 2>"$TMPD/nc.err" ||
		{ fail "$msg: the sending nc failed"; show_tail "$TMPD/nc.err"; }
	wait_for -t 20 pid_gone "$pid" || kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	a=$(sha256sum <"$TMPD/xfer.src" | cut -d' ' -f1)
	b=$(sha256sum <"$r" | cut -d' ' -f1)
	check_eq "$msg ($XFER_MB MB, sha256 ${a:0:12}...)" "$a" "$b"
}

head -c "${XFER_MB}M" /dev/urandom >"$TMPD/xfer.src"
for paf in 4 6; do
	t="[vxlan over IPv$paf]"
	if [ "$paf" = 4 ]; then
		PA_A=192.168.0.22 PA_K=192.168.0.33 PA_PLEN=24 OVER=50
	else
		PA_A=fd99::22 PA_K=fd99::33 PA_PLEN=64 OVER=70
	fi
	GUEST_MTU=$((1500 - OVER))
	segment_create
	hostk_up "$paf" "$GUEST_MTU"
	hosta_up "$paf"
	check_eq "$t VmA1's adapter MTU is the uplink's minus $OVER" \
		"$GUEST_MTU" "$(vx VmA1 cat /sys/class/net/eth0/mtu)"
	check_eq "$t hnvctl status says vxlan" vxlan "$(hcj a .encap status)"
	cap_start k "$SW" s-k
	rx0=$(vx0_stat rx)
	tx0=$(vx0_stat tx)

	check_ping "$t VmA1 -> VmK $K1" VmA1 "$K1" 15
	check_wait "$t VmK -> VmA1 $A1" -t 15 kvx ping -n -c 1 -W 1 "$A1"
	check "$t VmA1 -> VmK 5 echoes, none lost" \
		vx VmA1 ping -n -q -c 5 -i 0.1 -W 2 "$K1"
	check "$t VmA1 -> VmK: a $GUEST_MTU-byte DF packet (1500 bytes on the wire)" \
		vx VmA1 ping -n -c 1 -W 2 -M do -s $((GUEST_MTU - 28)) "$K1"
	check "$t VmK -> VmA1: a $GUEST_MTU-byte DF packet" \
		kvx ping -n -c 1 -W 2 -M do -s $((GUEST_MTU - 28)) "$A1"
	xfer "$t TCP VmA1 -> VmK" "$(vm_ns VmA1)" "$KVMNS" "$K1"
	xfer "$t TCP VmK -> VmA1" "$KVMNS" "$(vm_ns VmA1)" "$A1"
	rx1=$(vx0_stat rx)
	tx1=$(vx0_stat tx)
	check_gt "$t the kernel's vx0 received from HostA ($rx0 -> $rx1)" \
		$((rx1 - rx0)) 100
	check_gt "$t the kernel's vx0 sent to HostA ($tx0 -> $tx1)" \
		$((tx1 - tx0)) 100
	cap_stop k
	# The outer fields (the first occurrence): VNI, source PA, port.
	srcf=ip.src
	[ "$paf" = 6 ] && srcf=ipv6.src
	tshark -n -r "${CAP_FILE[k]}" -Y "udp.dstport == 4789" -T fields \
		-E separator=' ' -E occurrence=f -e vxlan.vni -e "$srcf" \
		-e udp.srcport 2>/dev/null >"$TMPD/vx.txt"
	from_a=$(awk -v a="$PA_A" '$2 == a' "$TMPD/vx.txt" | wc -l)
	from_k=$(awk -v k="$PA_K" '$2 == k' "$TMPD/vx.txt" | wc -l)
	check_gt "$t tshark: VXLAN from HostA on the wire" "$from_a" 10
	check_gt "$t tshark: VXLAN from HostK on the wire" "$from_k" 10
	check_eq "$t tshark: every VNI is $VSID" "" \
		"$(awk -v v="$VSID" '$1 != v' "$TMPD/vx.txt" | head -n 3)"
	check_eq "$t tshark: HostA's source ports are in 49152..65535" "" \
		"$(awk -v a="$PA_A" '$2 == a && ($3 < 49152 || $3 > 65535)' "$TMPD/vx.txt" | head -n 3)"
	for r in bad_vxlan src_pa_mismatch spoofed_inner_mac too_big; do
		check_eq "$t HostA counted no $r drop" 0 "$(drop_count a $r)"
	done
	info "$t HostA's non-zero drop counters: $(hc a --json stats |
		jq -c '.drops | with_entries(select(.value != 0))')"
	topo_down
done

finish
