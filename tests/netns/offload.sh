#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# offload.sh: TSO and receive coalescing on the VMs' TAPs (io/offload.h)
# on the standard topology (lib.sh), IPv4 and IPv6 CAs over IPv4 PAs.
#
#                    segment: bridge br0 in ${P}sw [capture on s-a]
#        +----------------- s-a ---------- s-b -----------------+
#   HostA eth0 192.168.0.22                          HostB eth0 192.168.0.33
#    VmA1 VmA2 (6000) VmA3 (6001)                     VmB1 (6000) VmB2 (6001)
#
# Asserts, per family: the guests' interfaces offer TSO; 20 MB TCP
# transfers arrive intact across hosts (both ways), routed between VSIDs
# and between two VMs of one host; the agents cut super-frames (rx_super)
# and merged segments (tx_super); nothing longer than the 1500-byte MTU
# crossed the wire and every inner TCP checksum on it verifies (tshark).
# With IPv4 CAs, both agents replay most frames from their decision
# caches (pipeline/fast.c, events.fast_hit), the checks above holding.
# Steady traffic put HostB's ports in polling mode (out of the epoll
# set); idle, they are back in it and a ping still crosses.  Then HostB's
# agent restarted with --tap-offload off --fast-path off --poll-mode off:
# transfers still intact, HostB merges, replays and polls nothing and its
# guests offer no TSO.  Last, a guest
# (root in its VM) writes hostile super-frames with its own virtio-net
# headers (AF_PACKET, PACKET_VNET_HDR): an MSS of 1, a TCP type on a UDP
# datagram, a header length beyond the frame.  None crashes the agent,
# none reaches the wire, the adapter counts them as errors, and a
# transfer afterwards is intact.

TEST_TAG=ht
. "$(dirname "$0")/lib.sh"

require_root
require_bins
require_tools nc jq sha256sum tshark ethtool

XFER_MB=10

# port_stat HOST VM FIELD: an adapter's I/O counter.
port_stat() {
	hcj "$1" ".ports[\"$2/eth0\"].$3 // -1" stats
}

# tso_of VM: "on" or "off", the guest interface's TSO.
tso_of() {
	vx "$1" ethtool -k eth0 2>/dev/null |
		awk '/^tcp-segmentation-offload:/ { print $2 }'
}

# The hostile writer: frames with a virtio-net header of our choosing on
# the guest's own eth0 (the TAP): the guest's kernel passes header and
# frame to the agent as they are, as far as it accepts them.
hostile_prog() {
	cat >"$TMPD/gso.py" <<'PYEOF'
import socket, struct, sys
from scapy.all import Ether, IP, IPv6, TCP, UDP, Raw, raw
ifc, smac, dmac, src, dst, v6 = sys.argv[1:7]
v6 = v6 == "6"
SOL_PACKET, PACKET_VNET_HDR = 263, 15
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
s.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
s.bind((ifc, 0))
L3 = IPv6(src=src, dst=dst) if v6 else IP(src=src, dst=dst, flags="DF")
tcpgso = 4 if v6 else 1
hl = 14 + (40 if v6 else 20) + 20
tcp = raw(Ether(src=smac, dst=dmac)/L3/TCP(sport=40000, dport=9, flags="A", seq=1)/Raw(b"x" * 4000))
udp = raw(Ether(src=smac, dst=dmac)/L3/UDP(sport=40000, dport=9)/Raw(b"y" * 4000))
cases = [
    ("mss 1", tcp, tcpgso, hl, 1),
    ("mss 47", tcp, tcpgso, hl, 47),
    ("tcp gso on udp", udp, tcpgso, hl, 1000),
    ("hdr_len past the end", tcp, tcpgso, 9000, 1000),
    ("unknown gso type", tcp, 0x33, hl, 1000),
]
sent = 0
for name, f, gtype, hdr_len, gsz in cases:
    # flags 0 (no partial checksum), gso_type, hdr_len, gso_size,
    # csum_start, csum_offset: native byte order (legacy virtio)
    vh = struct.pack("=BBHHHH", 0, gtype, hdr_len, gsz, 0, 0)
    try:
        s.send(vh + f)
        sent += 1
        print("sent:", name)
    except OSError as e:
        print("refused by the guest's kernel:", name, e)
print("SENT", sent)
PYEOF
}

# none_polled: no port of either agent is out of its epoll set.
none_polled() {
	[ "$(hcj a '.control.ports_polled' stats)" = 0 ] &&
		[ "$(hcj b '.control.ports_polled' stats)" = 0 ]
}

run_round() {
	local caf=$1 a0 b0 n bad big
	info "round: IPv$caf CAs, offloads on both hosts"
	topo_std "$caf" 4
	topo_net
	cap_start wire "${P}sw" s-a || return 1
	if ! topo_start native; then
		fail "[v$caf] topology not up"
		return 1
	fi
	check_ping "[v$caf] VmA1 reaches VmB1" VmA1 "$B1"
	check_eq "[v$caf] VmA1's interface offers TSO" on "$(tso_of VmA1)"
	check_eq "[v$caf] VmB1's interface offers TSO" on "$(tso_of VmB1)"

	tcp_transfer "[v$caf] $XFER_MB MB VmA1 -> VmB1 (across hosts)" VmA1 VmB1 "$B1" $XFER_MB
	tcp_transfer "[v$caf] $XFER_MB MB VmB1 -> VmA1" VmB1 VmA1 "$A1" $XFER_MB
	tcp_transfer "[v$caf] $XFER_MB MB VmA3 -> VmB1 (routed, VSID 6001 -> 6000)" VmA3 VmB1 "$B1" $XFER_MB
	tcp_transfer "[v$caf] $XFER_MB MB VmA1 -> VmA2 (one host)" VmA1 VmA2 "$A2" $XFER_MB

	check_gt "[v$caf] HostA cut VmA1's super-frames (rx_super)" \
		"$(port_stat a VmA1 rx_super)" 0
	check_gt "[v$caf] HostB merged segments for VmB1 (tx_super)" \
		"$(port_stat b VmB1 tx_super)" 0
	check_gt "[v$caf] HostA merged segments for VmA2 (local, tx_super)" \
		"$(port_stat a VmA2 tx_super)" 0
	check_eq "[v$caf] VmA1's adapter counted no rx errors" 0 \
		"$(port_stat a VmA1 rx_errors)"
	if [ "$caf" = 4 ]; then
		# pipeline/fast.c: IPv4 TCP switched across hosts, both ways
		check_gt "[v4] HostA sent from its decision cache (fast_hit)" \
			"$(hcj a '.events.fast_hit // 0' stats)" 1000
		check_gt "[v4] HostB delivered from its decision cache (fast_hit)" \
			"$(hcj b '.events.fast_hit // 0' stats)" 1000
	fi

	# agent/portwatch.c: steady traffic takes a port out of the epoll
	# set (read on every turn); once idle it is back in and wakes the
	# agent again.
	check_gt "[v$caf] HostB read a port in polling mode (poll_mode_entries)" \
		"$(hcj b '.control.poll_mode_entries // 0' stats)" 0
	check_wait "[v$caf] idle: every port of HostA and HostB back in the epoll set" \
		none_polled
	check_ping "[v$caf] VmA1 reaches VmB1 after the idle time" VmA1 "$B1"

	cap_stop wire
	# One pass of tshark over the capture (tens of MB) for the three
	# checks: frame length, GRE, inner TCP checksum status (0: bad).
	tshark -n -o tcp.check_checksum:TRUE -r "${CAP_FILE[wire]}" -T fields \
		-E separator=, -e frame.len -e gre.proto -e tcp.checksum.status \
		2>/dev/null >"$TMPD/wire.fields"
	n=$(awk -F, '$2 != "" && $3 != ""' "$TMPD/wire.fields" | wc -l)
	check_gt "[v$caf] the wire capture holds NVGRE TCP segments" "$n" 1000
	big=$(awk -F, '$1 > 1514' "$TMPD/wire.fields" | wc -l)
	check_eq "[v$caf] no frame on the wire longer than 1514 bytes" 0 "$big"
	bad=$(awk -F, '$2 != "" && $3 == "0"' "$TMPD/wire.fields" | wc -l)
	check_eq "[v$caf] every inner TCP checksum on the wire verifies" 0 "$bad"

	info "[v$caf] HostB's agent restarted with --tap-offload off --fast-path off --poll-mode off"
	stop_agent b
	if start_agent b --tap-offload off --fast-path off --poll-mode off; then
		check_wait "[v$caf] VmB1's interface offers no TSO" \
			sh -c "[ \"\$(ip netns exec $(vm_ns VmB1) ethtool -k eth0 | awk '/^tcp-segmentation-offload:/ { print \$2 }')\" = off ]"
		check_ping "[v$caf] VmA1 reaches VmB1 again" VmA1 "$B1"
		tcp_transfer "[v$caf] $XFER_MB MB VmA1 -> VmB1 (B without offloads)" VmA1 VmB1 "$B1" $XFER_MB
		tcp_transfer "[v$caf] $XFER_MB MB VmB1 -> VmA1 (B without offloads)" VmB1 VmA1 "$A1" $XFER_MB
		check_eq "[v$caf] HostB merged nothing" 0 "$(port_stat b VmB1 tx_super)"
		check_eq "[v$caf] HostB cut nothing" 0 "$(port_stat b VmB1 rx_super)"
		check_eq "[v$caf] HostB replayed nothing (--fast-path off)" 0 \
			"$(hcj b '.events.fast_hit // 0' stats)"
		check_eq "[v$caf] HostB polled no port (--poll-mode off)" 0 \
			"$(hcj b '.control.poll_mode_entries // 0' stats)"
	fi

	info "[v$caf] hostile super-frames from VmA1"
	hostile_prog
	a0=$(( $(port_stat a VmA1 rx_errors) ))
	b0=$(port_stat a VmA1 rx_super)
	cap_start wire2 "${P}sw" s-a || return 1
	out=$(vx VmA1 "$PY" "$TMPD/gso.py" eth0 "${VM_MAC[VmA1]}" \
		"${GW_MAC[a:6000]}" "$A1" "$B1" "$caf" 2>&1)
	echo "$out" | sed 's/^/    /'
	sleep 0.5
	cap_stop wire2
	check "[v$caf] HostA's agent is alive" agent_alive a
	n=$(sed -n 's/^SENT //p' <<<"$out")
	if [ "${n:-0}" -gt 0 ]; then
		check_gt "[v$caf] VmA1's adapter counted the hostile frames as errors" \
			"$(port_stat a VmA1 rx_errors)" "$a0"
	else
		skip "[v$caf] the guest's kernel refused every hostile frame"
	fi
	check_eq "[v$caf] no hostile frame reached the wire (port 9)" 0 \
		"$(cap_count wire2 "tcp.port == 9 || udp.port == 9")"
	check_eq "[v$caf] no hostile frame was cut" "$b0" "$(port_stat a VmA1 rx_super)"
	tcp_transfer "[v$caf] $XFER_MB MB VmA1 -> VmB1 after the hostile frames" VmA1 VmB1 "$B1" $XFER_MB
	rm -f "$TMPD/xfer.src"
	topo_down
}

run_round 4
run_round 6
finish
