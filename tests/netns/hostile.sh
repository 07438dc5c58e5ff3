#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# hostile.sh: malformed, spoofed and misdirected frames at a VM adapter
# (from inside VmA1, scapy on its eth0) and at HostA's PA (from a rogue
# namespace on the physical segment, scapy), then a flood of 10,000
# garbage frames from each.  Every case must be dropped and counted under
# its named reason (pipeline/drop.h); afterwards the agents still run,
# answer `hnvctl status`, and good traffic still flows.
#
#                       segment: bridge br0 in ${P}sw
#      +------------- s-a -------------- s-b ------------ s-rogue ------+
#      |                                  |                   |
#  HostA eth0 PA 192.168.0.22       HostB eth0 PA 192.168.0.33   rogue eth0 (scapy:
#   VmA1 10.0.1.101 6000 (scapy: bad frames up its eth0)          forged NVGRE, junk)
#   VmA2 10.0.1.102 6000              VmB1 10.0.1.201 6000
#   VmA3 10.0.2.103 6001              VmB2 10.0.2.202 6001
#   RedA 10.0.1.101 7000              RedB 10.0.1.201 7000
#
# Each case: read `hnvctl --json stats` drops, send, poll until the
# expected counter grows (3 s), report before/after.  A positive control
# (a well-formed forged NVGRE frame from PA_B's address, delivered to
# VmA1) shows the forged frames are otherwise right.

TEST_TAG=hh
. "$(dirname "$0")/lib.sh"

# A unicast PA MAC for HostA (flows.sh uses the book's multicast one).
PA_MAC_A=02:44:55:66:77:88

require_root
require_bins
require_tools jq scapy

topo_std 4 4
topo_net
host_create rogue
topo_start native || die "topology not up"
check_ping "baseline VmA1 -> VmB1" VmA1 "$B1"
check_ping "baseline VmA1 -> VmA2" VmA1 "$A2"
PID_A=${AGENT_PID[a]}
PID_B=${AGENT_PID[b]}

# The case runner, shared by both senders: CASES is a list of
# (name, reason, [frames]); prints "name|reason|before|after".
cat >"$TMPD/cases.py" <<'PYEOF'
import json, subprocess, sys, time, random
from scapy.all import *
conf.verb = 0
HNVCTL, SOCK, IFACE = sys.argv[1], sys.argv[2], sys.argv[3]
def drops():
    try:
        out = subprocess.run([HNVCTL, "--agent", SOCK, "--json", "stats"],
                             capture_output=True, text=True, timeout=5).stdout
        return json.loads(out).get("drops", {})
    except Exception:
        return None
sock = conf.L2socket(iface=IFACE)
def send(frames):
    for f in frames:
        sock.send(f if isinstance(f, Packet) else Raw(f))
def run(name, reason, frames):
    b = drops()
    send(frames)
    a = b
    end = time.time() + 3
    while time.time() < end:
        a = drops()
        if a is not None and b is not None and a.get(reason, 0) > b.get(reason, 0):
            break
        time.sleep(0.05)
    nb = -1 if b is None else b.get(reason, 0)
    na = -1 if a is None else a.get(reason, 0)
    print("%s|%s|%d|%d" % (name, reason, nb, na), flush=True)
PYEOF

# report FILE WHO: one check per line of a case runner's output.
report() {
	local name reason b a
	while IFS='|' read -r name reason b a; do
		if [ "$a" -gt "$b" ] 2>/dev/null; then
			ok "$2: $name -> drops.$reason ($b -> $a)"
		else
			fail "$2: $name: drops.$reason did not grow (before $b, after $a)"
		fi
	done <"$1"
}

# ------------------------------------------------------------ VM adapter
MAC1=${VM_MAC[VmA1]}
cat >"$TMPD/vm.py" <<PYEOF
exec(open("$TMPD/cases.py").read())
src, dst, mac, dmac = "$A1", "$B1", "$MAC1", "${VM_MAC[VmB1]}"
e = Ether(src=mac, dst=dmac)
run("14-byte frame, IPv4 EtherType, no IP header", "trunc_ip",
    [bytes.fromhex(dmac.replace(":", "") + mac.replace(":", "") + "0800")] * 3)
run("IPv4 with a bad header checksum", "bad_ip_csum",
    [e/IP(src=src, dst=dst, chksum=0xdead)/ICMP()] * 3)
run("IPv4 with IHL 4", "bad_ip_hlen", [e/IP(src=src, dst=dst, ihl=4)/ICMP()] * 3)
run("IPv4 total length beyond the frame", "bad_ip_len",
    [e/IP(src=src, dst=dst, len=1000)/ICMP()] * 3)
run("truncated TCP header (8 of 20 bytes)", "trunc_l4",
    [e/IP(src=src, dst=dst, proto=6)/Raw(b"\x00" * 8)] * 3)
run("IPv6 hop-by-hop header longer than the packet", "bad_ip6_ext",
    [e/IPv6(src="fd00:1::101", dst="fd00:1::201", nh=0, plen=8)/Raw(b"\x3a\x05" + b"\x00" * 6)] * 3)
run("802.1Q-tagged frame from the VM", "tagged_from_vm",
    [e/Dot1Q(vlan=5)/IP(src=src, dst=dst)/ICMP()] * 3)
run("spoofed source MAC", "spoofed_src_mac",
    [Ether(src="02:de:ad:00:00:01", dst=dmac)/IP(src=src, dst=dst)/ICMP()] * 3)
run("spoofed source IP (VmA2's CA)", "spoofed_src_ip",
    [e/IP(src="$A2", dst=dst)/ICMP()] * 3)
run("spoofed source IP in ARP (claims VmB1's CA)", "spoofed_src_ip",
    [Ether(src=mac, dst="ff:ff:ff:ff:ff:ff")/ARP(op=1, hwsrc=mac, psrc=dst, pdst="$A2")] * 3)
run("unicast to a MAC unknown in VSID 6000 (RedB's)", "unknown_dst",
    [Ether(src=mac, dst="${VM_MAC[RedB]}")/IP(src=src, dst=dst)/ICMP()] * 3)
run("TTL 1 through the router (to VmB2)", "ttl_exceeded",
    [Ether(src=mac, dst="${GW_MAC[a:6000]}")/IP(src=src, dst="$B2", ttl=1)/ICMP()] * 3)
run("no lookup record for 10.0.2.77 (in VSID 6001's prefix)", "no_lookup_record",
    [Ether(src=mac, dst="${GW_MAC[a:6000]}")/IP(src=src, dst="10.0.2.77")/ICMP()] * 3)
run("no customer route to 192.0.2.1", "no_route",
    [Ether(src=mac, dst="${GW_MAC[a:6000]}")/IP(src=src, dst="192.0.2.1")/ICMP()] * 3)
PYEOF
vx VmA1 "$PY" "$TMPD/vm.py" "$HNVCTL" "${SOCK[a]}" eth0 >"$TMPD/vm.out" 2>"$TMPD/vm.err" ||
	{ fail "VM case runner failed"; show_tail "$TMPD/vm.err"; }
report "$TMPD/vm.out" "VmA1"

# Oversize: the guest raises its MTU above the adapter's (1458) and sends
# a 1600-byte frame with DF to VmB1; it cannot be encapsulated.
n=$(drop_count a too_big)
ip -n "$(vm_ns VmA1)" link set eth0 mtu 1600
vx VmA1 "$PY" - <<PYEOF 2>"$TMPD/big.err"
from scapy.all import *
conf.verb = 0
sendp(Ether(src="$MAC1", dst="${VM_MAC[VmB1]}")/IP(src="$A1", dst="$B1", flags="DF")/ICMP()/Raw(b"x" * (1600 - 14 - 28)), iface="eth0", count=3)
PYEOF
ip -n "$(vm_ns VmA1)" link set eth0 mtu $((1500 - 42))
too_big_grew() { [ "$(drop_count a too_big)" -gt "$n" ]; }
wait_for -t 3 too_big_grew
check_drop "VmA1: 1600-byte frame (guest MTU raised to 1600)" a too_big "$n"

# ------------------------------------------------------------ the uplink
# Forged from the rogue on the segment to HostA's PA MAC and address.
cat >"$TMPD/rogue.py" <<PYEOF
exec(open("$TMPD/cases.py").read())
pa, pb, rogue = "$PA_A", "$PA_B", "192.168.0.99"
o = Ether(src="02:66:66:66:66:66", dst="$WMAC_PA_A")
def nv(src_pa, vsid, inner, flags=0x2000, proto=0x6558):
    # GRE by hand: flags/version word, protocol, key = VSID << 8 | FlowID.
    return o/IP(src=src_pa, dst=pa, proto=47, flags="DF")/Raw(
        struct.pack("!HHI", flags, proto, vsid << 8 | 0x42) + bytes(inner))
ok_inner = Ether(src="${VM_MAC[VmB1]}", dst="$MAC1")/IP(src="$B1", dst="$A1")/ICMP()/Raw(b"hostile")
run("14-byte frame to the PA MAC, IPv4 EtherType", "trunc_ip",
    [bytes.fromhex("${WMAC_PA_A//:/}" + "026666666666" + "0800")] * 3)
run("outer IPv4 with a bad checksum", "bad_ip_csum",
    [o/IP(src=pb, dst=pa, proto=47, chksum=0xbad)/Raw(b"\x20\x00\x65\x58" + b"\x00" * 20)] * 3)
run("outer IPv4 with IHL 4", "bad_ip_hlen", [o/IP(src=pb, dst=pa, proto=47, ihl=4)/Raw(b"\x00" * 30)] * 3)
run("outer IPv4 total length beyond the frame", "bad_ip_len",
    [o/IP(src=pb, dst=pa, proto=47, len=1400)/Raw(b"\x20\x00\x65\x58\x00\x17\x70\x00")] * 3)
run("truncated GRE (2 bytes)", "trunc_gre", [o/IP(src=pb, dst=pa, proto=47)/Raw(b"\x20\x00")] * 3)
run("GRE version 1", "bad_gre", [nv(pb, 6000, ok_inner, flags=0x2001)] * 3)
run("GRE protocol 0x0800 instead of 0x6558", "bad_nvgre", [nv(pb, 6000, ok_inner, proto=0x0800)] * 3)
run("GRE without the key bit", "bad_nvgre",
    [o/IP(src=pb, dst=pa, proto=47)/Raw(struct.pack("!HH", 0, 0x6558) + bytes(ok_inner))] * 3)
run("UDP to the PA (not a tunnel)", "not_nvgre", [o/IP(src=pb, dst=pa)/UDP(sport=1, dport=4788)/Raw(b"x" * 16)] * 3)
run("UDP to port 4789 without the VXLAN I flag", "bad_vxlan", [o/IP(src=pb, dst=pa)/UDP(sport=1, dport=4789)/Raw(b"\x00" * 16)] * 3)
run("UDP to port 4789, 4 bytes", "bad_vxlan", [o/IP(src=pb, dst=pa)/UDP(sport=1, dport=4789)/Raw(b"\x08\x00\x00\x00")] * 3)
run("VSID 9999 (not on this host)", "unknown_vsid", [nv(pb, 9999, ok_inner)] * 3)
run("VSID 6000 to VmA3's MAC (a port of VSID 6001)", "vsid_mismatch",
    [nv(pb, 6000, Ether(src="${VM_MAC[VmB1]}", dst="${VM_MAC[VmA3]}")/IP(src="$B1", dst="$A3")/ICMP())] * 3)
run("Blue VSID 6000 to Red RedA's MAC", "vsid_mismatch",
    [nv(pb, 6000, Ether(src="${VM_MAC[VmB1]}", dst="${VM_MAC[RedA]}")/IP(src="$B1", dst="$A1")/ICMP())] * 3)
run("inner source VmA2 (PA_A's) sent from PA_B", "src_pa_mismatch",
    [nv(pb, 6000, Ether(src="${VM_MAC[VmA2]}", dst="$MAC1")/IP(src="$A2", dst="$A1")/ICMP())] * 3)
run("inner source VmB1 sent from a rogue PA", "src_pa_mismatch", [nv(rogue, 6000, ok_inner)] * 3)
run("VmB1's CA from PA_B but a foreign inner source MAC", "spoofed_inner_mac",
    [nv(pb, 6000, Ether(src="02:de:ad:00:00:02", dst="$MAC1")/IP(src="$B1", dst="$A1")/ICMP())] * 3)
run("VmB1's CA from PA_B with VmA2's MAC (a VM of the VSID)", "spoofed_inner_mac",
    [nv(pb, 6000, Ether(src="${VM_MAC[VmA2]}", dst="$MAC1")/IP(src="$B1", dst="$A1")/ICMP())] * 3)
run("802.1Q-tagged inner frame", "tagged_inner",
    [nv(pb, 6000, Ether(src="${VM_MAC[VmB1]}", dst="$MAC1")/Dot1Q(vlan=6)/IP(src="$B1", dst="$A1")/ICMP())] * 3)
PYEOF
hx rogue "$PY" "$TMPD/rogue.py" "$HNVCTL" "${SOCK[a]}" eth0 >"$TMPD/rogue.out" 2>"$TMPD/rogue.err" ||
	{ fail "rogue case runner failed"; show_tail "$TMPD/rogue.err"; }
report "$TMPD/rogue.out" "rogue"

# Positive control: the same forged NVGRE, well formed, is delivered.
before=$(icmp_in VmA1)
hx rogue "$PY" - <<PYEOF 2>"$TMPD/ctl.err"
from scapy.all import *
import struct
conf.verb = 0
inner = Ether(src="${VM_MAC[VmB1]}", dst="$MAC1")/IP(src="$B1", dst="$A1")/ICMP()/Raw(b"control")
sendp(Ether(src="02:66:66:66:66:66", dst="$WMAC_PA_A")/IP(src="$PA_B", dst="$PA_A", proto=47, flags="DF")/Raw(struct.pack("!HHI", 0x2000, 0x6558, 6000 << 8) + bytes(inner)), iface="eth0", count=3)
PYEOF
icmp_grew() { [ "$(icmp_in VmA1)" -ge $((before + 3)) ]; }
check_wait "control: well-formed NVGRE (PA_B, VSID 6000, VmB1 -> VmA1) delivered 3 times" -t 3 icmp_grew

# ------------------------------------------------------------ floods
# flood WHERE DST-MAC SRC-MAC PA: 10,000 frames, a quarter each: random
# bytes; to DST-MAC with a random EtherType; IPv4 with a random header;
# a valid IPv4 header (GRE to PA, else TCP) with a random payload.
# SRC-MAC empty: random source MACs.
flood() {
	local where=$1 mac=$2 smac=$3 pa=$4
	cat >"$TMPD/flood.py" <<PYEOF
import random, socket, struct
from scapy.all import *
conf.verb = 0
seed = random.randrange(1 << 30)
print("seed", seed, flush=True)
rnd = random.Random(seed)
def rb(n):
    return rnd.randbytes(n)
mac = bytes.fromhex("$mac".replace(":", ""))
smac = bytes.fromhex("$smac".replace(":", ""))
pa = socket.inet_aton("$pa") if "$pa" else b""
s = conf.L2socket(iface="eth0")
for i in range(10000):
    k = i % 4
    if k == 0:      # anything
        f = rb(rnd.randrange(14, 300))
    elif k == 1:    # to us, random EtherType and payload
        f = mac + (smac or rb(6)) + rb(rnd.randrange(2, 200))
    elif k == 2:    # to us, IPv4, random header and payload
        f = mac + (smac or rb(6)) + b"\x08\x00" + b"\x45" + rb(rnd.randrange(0, 200))
    else:           # to us, plausible IPv4 GRE (to the PA) or IP, random rest
        f = mac + (smac or rb(6)) + b"\x08\x00" + bytes(IP(src="192.168.0.33", dst="$pa" or "10.0.1.201", proto=47 if pa else 6) / Raw(rb(rnd.randrange(0, 120))))
    if len(f) < 14:
        f += b"\x00" * (14 - len(f))
    try:
        s.send(Raw(f))
    except OSError:
        pass
print("sent", 10000, flush=True)
PYEOF
	case $where in
	vm:*) vx "${where#vm:}" "$PY" "$TMPD/flood.py" ;;
	host:*) hx "${where#host:}" "$PY" "$TMPD/flood.py" ;;
	esac >"$TMPD/flood.out" 2>"$TMPD/flood.err"
	info "flood from $where: $(tr '\n' ' ' <"$TMPD/flood.out")"
}
flood vm:VmA1 "${VM_MAC[VmB1]}" "$MAC1" ""
check "agent of HostA alive after the VM flood" agent_alive a
flood host:rogue "$WMAC_PA_A" "" "$PA_A"
check "agent of HostA alive after the uplink flood" agent_alive a

# ------------------------------------------------------------ aftermath
check_eq "HostA agent is the same process" "$PID_A" "${AGENT_PID[a]}"
check "HostA agent pid $PID_A alive" pid_alive "$PID_A"
check "HostB agent pid $PID_B alive" pid_alive "$PID_B"
check_wait "HostA agent answers status" -t 5 hc a status
check_wait "HostB agent answers status" -t 5 hc b status
check_ping "good traffic: VmA1 -> VmB1" VmA1 "$B1"
check_ping "good traffic: VmB1 -> VmA1" VmB1 "$A1"
check_ping "good traffic: VmA1 -> VmA2" VmA1 "$A2"
check_ping "good traffic: VmA1 -> VmB2 (routed)" VmA1 "$B2"
check_ping "good traffic: RedA -> RedB" RedA "$B1"
info "HostA drops: $(hc a --json stats | jq -c .drops)"

finish
