#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# wire.sh: the NVGRE wire format (DESIGN.md section 2, RFC 7637) as seen
# on the physical segment, captured on HostA's switch port and decoded
# twice: by tshark (GRE, protocol 0x6558, 32-bit key) and by reading the
# raw bytes.
#
#                     segment: bridge br0 in ${P}sw
#        +------------- s-a [capture] ------- s-b -------------+
#        |                                                      |
#   HostA eth0 PA 192.168.0.22                         HostB eth0 PA 192.168.0.33
#   33:44:55:66:77:88  (VLAN 100 in round 3)           44:55:66:77:88:99
#     VmA1 10.0.1.101 VSID 6000  ---- ping, TCP ---->    VmB1 10.0.1.201 VSID 6000
#     (plus the rest of the standard topology, lib.sh)
#
# tshark decodes each capture a third time with OpenHNV's NVGRE dissector
# (contrib/wireshark/nvgre.lua, loaded with -X lua_script): nvgre.vsid is
# the lookup record's VSID, nvgre.flowid is there on every frame, both
# agree with the key and the raw bytes, and the inner frame (CA addresses)
# is decoded under them.  Round 0 runs the dissector on crafted frames:
# NVGRE over IPv4 and IPv6, nested NVGRE, a reserved VSID (expert
# warning), and GRE that is not NVGRE (no key, a sequence number, an IPv4
# payload), which it leaves alone.  As root, tshark runs Lua scripts only
# where its init.lua allows it (Debian's does); elsewhere the decoding
# runs as nobody (setpriv), reading the captures on stdin.
#
# Round 1 (--flowid hash, the default): GRE flags/version 0x2000, protocol
# 0x6558, key >> 8 = VSID 6000, outer IPv4 PA -> PA with DF set, outer MACs
# the PA MACs, the inner frame untagged (inner EtherType 0x0800 right
# after the 8-byte GRE header), 42 bytes of overhead (a 1458-byte guest
# packet makes a 1500-byte outer packet), one FlowID per flow and
# different FlowIDs for different flows.
# Round 2 (--flowid zero): every FlowID is 0.
# Round 3 (PAs on VLAN 100): the outer frames are 802.1Q-tagged with VLAN
# 100, the inner frames are not, and traffic flows.

TEST_TAG=hw
. "$(dirname "$0")/lib.sh"

# A unicast PA MAC for HostA (flows.sh uses the book's multicast one).
PA_MAC_A=02:44:55:66:77:88

require_root
require_bins
require_tools tshark nc jq scapy setpriv

# ---------------------------------------------------------------------------
# The NVGRE dissector.  WS_AS is the command prefix tshark runs under: none
# (root) or setpriv to nobody where tshark refuses Lua scripts to root
# (started_with_special_privs() and init.lua's
# run_user_scripts_when_superuser = false).

NVGRE_LUA=$HNV_TOP/contrib/wireshark/nvgre.lua
WS_AS=()

ws_has_nvgre() {
	"${WS_AS[@]}" tshark -G protocols -X "lua_script:$NVGRE_LUA" 2>/dev/null |
		grep -q $'\tnvgre$'
}

ws_setup() {
	[ -r "$NVGRE_LUA" ] || die "$NVGRE_LUA missing"
	if ws_has_nvgre; then
		ok "tshark loads the NVGRE dissector as $(id -un)"
		return
	fi
	WS_AS=(setpriv --reuid=65534 --regid=65534 --clear-groups
		env HOME=/nonexistent XDG_CONFIG_HOME=/nonexistent)
	if ! "${WS_AS[@]}" test -r "$NVGRE_LUA"; then
		# A checkout nobody cannot read: a copy it can.
		chmod 711 "$TMPD"
		mkdir -m 755 "$TMPD/ws"
		install -m 644 "$NVGRE_LUA" "$TMPD/ws/nvgre.lua"
		NVGRE_LUA=$TMPD/ws/nvgre.lua
	fi
	if ws_has_nvgre; then
		ok "tshark loads the NVGRE dissector as nobody (it runs no Lua script as $(id -un) here: /usr/share/wireshark/init.lua, run_user_scripts_when_superuser)"
		return
	fi
	die "tshark does not load $NVGRE_LUA, as $(id -un) or as nobody: is Lua off in /usr/share/wireshark/init.lua (enable_lua)?"
}

# ws_fields FILE DISPLAY-FILTER FIELD...: cap_fields with the dissector,
# the capture read on stdin (nobody may not open it).
ws_fields() {
	local file=$1 filter=$2 a=() f
	shift 2
	for f in "$@"; do a+=(-e "$f"); done
	"${WS_AS[@]}" tshark -n -X "lua_script:$NVGRE_LUA" -r - -Y "$filter" \
		-T fields -E separator='|' -E occurrence=a -E aggregator=, \
		"${a[@]}" <"$file" 2>/dev/null
}

# nv_fields CAP DISPLAY-FILTER FIELD...
nv_fields() {
	local cap=$1
	shift
	ws_fields "${CAP_FILE[$cap]}" "$@"
}

# uniq_list: the distinct lines of stdin, space separated.
uniq_list() {
	sort -u | sed '/^$/d' | tr '\n' ' ' | sed 's/ $//'
}

# nv_split_ok: every line "vsid|flowid|key" has vsid = key >> 8 and
# flowid = key & 0xff (per occurrence, comma separated); prints the
# first line that does not.
nv_split_ok() {
	local v f k i
	local -a V FL K
	while IFS='|' read -r v f k; do
		IFS=, read -ra V <<<"$v"
		IFS=, read -ra FL <<<"$f"
		IFS=, read -ra K <<<"$k"
		if [ "${#K[@]}" = 0 ] || [ "${#V[@]}" != "${#K[@]}" ] ||
			[ "${#FL[@]}" != "${#K[@]}" ]; then
			echo "$v|$f|$k"
			return 1
		fi
		for i in "${!K[@]}"; do
			if [ "${V[$i]}" != $((K[i] >> 8)) ] ||
				[ "${FL[$i]}" != $((K[i] & 255)) ]; then
				echo "$v|$f|$k"
				return 1
			fi
		done
	done
	return 0
}

# nv_check T CAP: the dissector's view of a capture of VmA1 <-> VmB1.
nv_check() {
	local t=$1 cap=$2 n all F bad
	all=$(jf "$cap" .gre)
	n=$(nv_fields "$cap" "nvgre" frame.number | grep -c .)
	check_eq "$t nvgre: every NVGRE frame decodes as nvgre ($all)" "$all" "$n"
	check_eq "$t nvgre: nvgre.vsid is VmB1's lookup record's VSID" "$VSID_B1" \
		"$(nv_fields "$cap" "nvgre" nvgre.vsid | uniq_list)"
	check_eq "$t nvgre: the filter nvgre.vsid == $VSID_B1 matches them all" "$all" \
		"$(nv_fields "$cap" "nvgre.vsid == $VSID_B1" frame.number | grep -c .)"
	check_eq "$t nvgre: nvgre.flowid on every frame" "$all" \
		"$(nv_fields "$cap" "nvgre.flowid" frame.number | grep -c .)"
	bad=$(nv_fields "$cap" "nvgre" nvgre.vsid nvgre.flowid gre.key | nv_split_ok)
	check_eq "$t nvgre: vsid = key >> 8, flowid = key & 0xff" "" "$bad"
	check_eq "$t nvgre: FlowIDs as the raw bytes say" \
		"$(jq -r '[.flows[][]] | unique | .[]' "$TMPD/$cap.json" | uniq_list)" \
		"$(nv_fields "$cap" "nvgre" nvgre.flowid | uniq_list)"
	F=$(nv_fields "$cap" "nvgre && icmp.type == 8 && ip.src == $A1" ip.src ip.dst frame.protocols)
	check_gt "$t nvgre: echo requests VmA1 -> VmB1 under nvgre" \
		"$(echo "$F" | grep -c .)" 0
	check_eq "$t nvgre: inner (CA) addresses under the PAs" \
		"$PA_A,$A1|$PA_B,$B1" "$(echo "$F" | cut -d'|' -f1,2 | uniq_list)"
	check_eq "$t nvgre: layers" "${NV_LAYERS}gre:nvgre:eth:ethertype:ip:icmp:data" \
		"$(echo "$F" | cut -d'|' -f3 | uniq_list)"
}

# The raw-byte decoder: a JSON summary of the NVGRE frames of a capture.
cat >"$TMPD/nvgre.py" <<'PYEOF'
import json, socket, struct, sys
from scapy.utils import RawPcapReader

def ip4(b):
    return socket.inet_ntop(socket.AF_INET, b)

def ip6(b):
    return socket.inet_ntop(socket.AF_INET6, b)

r = {"gre": 0, "outer_vlans": [], "untagged_outer": 0, "flags": [],
     "protos": [], "pairs": [], "df_clear": 0, "ttls": [], "vsids": [],
     "inner_types": [], "inner_tagged": 0, "outer_macs": [],
     "max_outer_ip_len": 0, "flows": {}}
for data, meta in RawPcapReader(sys.argv[1]):
    et = struct.unpack("!H", data[12:14])[0]
    off, vlan = 14, None
    if et == 0x8100:
        vlan = struct.unpack("!H", data[14:16])[0] & 0xfff
        et = struct.unpack("!H", data[16:18])[0]
        off = 18
    if et == 0x0800:
        ihl = (data[off] & 15) * 4
        if data[off + 9] != 47:
            continue
        frag = struct.unpack("!H", data[off + 6:off + 8])[0]
        if not frag & 0x4000:
            r["df_clear"] += 1
        r["ttls"].append(data[off + 8])
        iplen = struct.unpack("!H", data[off + 2:off + 4])[0]
        src, dst = ip4(data[off + 12:off + 16]), ip4(data[off + 16:off + 20])
    elif et == 0x86dd:
        if data[off + 6] != 47:
            continue
        ihl = 40
        iplen = 40 + struct.unpack("!H", data[off + 4:off + 6])[0]
        src, dst = ip6(data[off + 8:off + 24]), ip6(data[off + 24:off + 40])
    else:
        continue
    r["gre"] += 1
    if vlan is None:
        r["untagged_outer"] += 1
    else:
        r["outer_vlans"].append(vlan)
    r["max_outer_ip_len"] = max(r["max_outer_ip_len"], iplen)
    r["outer_macs"].append(":".join("%02x" % x for x in data[6:12]) + ">" +
                           ":".join("%02x" % x for x in data[0:6]))
    g = off + ihl
    fv, proto, key = struct.unpack("!HHI", data[g:g + 8])
    r["flags"].append("0x%04x" % fv)
    r["protos"].append("0x%04x" % proto)
    r["pairs"].append(src + ">" + dst)
    r["vsids"].append(key >> 8)
    i = g + 8
    it = struct.unpack("!H", data[i + 12:i + 14])[0]
    r["inner_types"].append("0x%04x" % it)
    if it in (0x8100, 0x88a8):
        r["inner_tagged"] += 1
        continue
    flow = src + ">" + dst + " "
    l3 = i + 14
    if it == 0x0800:
        p = data[l3 + 9]
        l4 = l3 + (data[l3] & 15) * 4
        flow += "%s>%s p%d" % (ip4(data[l3 + 12:l3 + 16]), ip4(data[l3 + 16:l3 + 20]), p)
        if p in (6, 17):
            flow += " %d>%d" % struct.unpack("!HH", data[l4:l4 + 4])
    else:
        flow += "type 0x%04x" % it
    r["flows"].setdefault(flow, [])
    if (key & 0xff) not in r["flows"][flow]:
        r["flows"][flow].append(key & 0xff)
for k in ("outer_vlans", "flags", "protos", "pairs", "ttls", "vsids",
          "inner_types", "outer_macs"):
    r[k] = sorted(set(r[k]))
print(json.dumps(r))
PYEOF

# traffic: pings (one full-size), TCP SYNs to four ports (four flows).
traffic() {
	local port
	check_ping "$1 VmA1 -> VmB1" VmA1 "$B1"
	vx VmA1 ping -n -c 3 -i 0.2 -W 1 "$B1" >/dev/null 2>&1
	check "$1 a 1458-byte packet with DF crosses (1500 - 42)" \
		vx VmA1 ping -n -c 1 -W 2 -M "do" -s $((1458 - 28)) "$B1"
	check_not "$1 a 1459-byte packet does not fit the guest MTU" \
		vx VmA1 ping -n -c 1 -W 1 -M "do" -s $((1459 - 28)) "$B1"
	for port in 7001 7002 7003 7004 7005; do
		vx VmA1 nc -z -w 1 "$B1" "$port" >/dev/null 2>&1
	done
}

# decode CAP: the raw summary as JSON in $TMPD/CAP.json.
decode() {
	"$PY" "$TMPD/nvgre.py" "${CAP_FILE[$1]}" >"$TMPD/$1.json" 2>"$TMPD/$1.err" ||
		show_tail "$TMPD/$1.err"
}

jf() {
	local n=$1
	shift
	jq -r "$@" "$TMPD/$n.json"
}

# ---------------------------------------------------------------- round 0
# The dissector on crafted frames (no topology).
t="[dissector]"
ws_setup
"$PY" - "$TMPD/crafted.pcap" <<'PYEOF' || die "$t scapy could not write the frames"
import sys
from scapy.all import Ether, IP, IPv6, GRE, ICMP, Raw, wrpcap
def inner(s="10.0.1.101", d="10.0.1.201"):
    return (Ether(src="60:00:60:00:01:01", dst="60:00:60:00:02:01") /
            IP(src=s, dst=d) / ICMP() / Raw(b"x" * 32))
def outer(l3=None):
    return Ether(src="02:44:55:66:77:88", dst="02:44:55:66:77:99") / (
        l3 or IP(src="192.168.0.22", dst="192.168.0.33"))
def nv(vsid, flowid):
    return GRE(key_present=1, proto=0x6558, key=vsid << 8 | flowid)
f = [
    outer() / nv(6000, 0x86) / inner(),                              # 1
    outer(IPv6(src="fd99::22", dst="fd99::33")) / nv(7000, 0) / inner(),  # 2
    outer() / GRE(proto=0x6558) / inner(),                            # 3 no key
    outer() / GRE(key_present=1, seqnum_present=1, proto=0x6558,
                  key=6000 << 8, sequence_number=5) / inner(),        # 4 seq
    outer() / GRE(key_present=1, proto=0x0800, key=6000 << 8) /
        IP(src="1.1.1.1", dst="2.2.2.2") / ICMP(),                    # 5 IPv4
    outer() / nv(100, 0) / inner(),                                   # 6 reserved
    outer() / nv(0xffffff, 7) / inner(),                              # 7 reserved
    outer() / nv(6001, 1) / Ether() / IP(src="10.9.9.1", dst="10.9.9.2") /
        nv(6002, 2) / inner(),                                        # 8 nested
    outer() / nv(4096, 255) / inner(),                                # 9 lowest
    outer() / nv(6000, 0) / Raw(b"\x01\x02\x03"),                   # 10 cut short
]
wrpcap(sys.argv[1], f)
PYEOF
C=$TMPD/crafted.pcap
check_eq "$t nvgre on the NVGRE frames only" "1 2 6 7 8 9 10" \
	"$(ws_fields "$C" nvgre frame.number | tr '\n' ' ' | sed 's/ $//')"
check_eq "$t vsid and flowid of each" \
	"1|6000|134 2|7000|0 6|100|0 7|16777215|7 8|6001,6002|1,2 9|4096|255 10|6000|0" \
	"$(ws_fields "$C" nvgre frame.number nvgre.vsid nvgre.flowid | tr '\n' ' ' | sed 's/ $//')"
check_eq "$t inner frames decoded under nvgre (IPv4 and IPv6 PAs)" \
	"192.168.0.22,10.0.1.101 fd99::22|10.0.1.101" \
	"$(ws_fields "$C" "frame.number <= 2" ipv6.src ip.src | sed 's/^|//' | tr '\n' ' ' | sed 's/ $//')"
check_eq "$t nested: both VSIDs, innermost CAs" "6001,6002|192.168.0.22,10.9.9.1,10.0.1.101" \
	"$(ws_fields "$C" "frame.number == 8" nvgre.vsid ip.src)"
check_eq "$t GRE that is not NVGRE keeps the stock decoding (frames 3 4 5)" \
	"3|0x0000|60:00:60:00:01:01 4|0x3000|60:00:60:00:01:01 5|0x2000|" \
	"$(ws_fields "$C" "gre && !nvgre" frame.number gre.flags_and_version eth.src |
		sed 's/|02:44:55:66:77:88,\{0,1\}/|/' | tr '\n' ' ' | sed 's/ $//')"
check_eq "$t ... and its inner packet (frame 5: 1.1.1.1 in GRE)" "192.168.0.22,1.1.1.1" \
	"$(ws_fields "$C" "frame.number == 5" ip.src)"
check_eq "$t reserved VSIDs 100 and 0xFFFFFF flagged (nvgre.vsid.reserved)" "6 7" \
	"$(ws_fields "$C" nvgre.vsid.reserved frame.number | uniq_list)"
check_eq "$t an inner frame cut short is [Malformed Packet], as without the dissector" "10" \
	"$(ws_fields "$C" _ws.malformed frame.number | uniq_list)"
check_eq "$t no Lua error on any frame" "" \
	"$(ws_fields "$C" '_ws.expert.message contains "Lua"' frame.number | uniq_list)"

# ---------------------------------------------------------------- round 1
t="[hash]"
topo_std 4 4
topo_up native || die "$t topology not up"
# VmB1's record (Red's RedB has the same CA in VSID 7000: the MAC tells).
VSID_B1=$(hcj a ".[] | select(.ca == \"$B1\" and
	(.mac | ascii_downcase | gsub(\"[^0-9a-f]\"; \"\")) == \"$(ps_mac "${VM_MAC[VmB1]}")\") |
	.vsid" lookup-record get)
check_eq "$t HostA's lookup record for VmB1 has VSID ${VM_VSID[VmB1]}" \
	"${VM_VSID[VmB1]}" "$VSID_B1"
cap_start r1 "$SW" s-a || die "no capture"
traffic "$t"
cap_stop r1
decode r1
NV_LAYERS=eth:ethertype:ip:
nv_check "$t" r1

# tshark's view
F=$(cap_fields r1 "gre && ip.src == $PA_A && eth.dst == ${VM_MAC[VmB1]} && icmp" \
	gre.flags_and_version gre.proto gre.key ip.src ip.dst eth.type ip.flags.df eth.src)
check_gt "$t tshark: GRE echo requests from PA_A to VmB1 captured" "$(echo "$F" | grep -c .)" 0
check_eq "$t tshark: flags/version 0x2000" 0x2000 "$(echo "$F" | cut -d'|' -f1 | sort -u)"
check_eq "$t tshark: protocol 0x6558 (Transparent Ethernet Bridging)" 0x6558 \
	"$(echo "$F" | cut -d'|' -f2 | sort -u)"
keys=$(echo "$F" | cut -d'|' -f3 | sort -u)
vs=$(for k in $keys; do echo $((k >> 8)); done | sort -u | tr '\n' ' ')
check_eq "$t tshark: key >> 8 is VSID 6000" "6000 " "$vs"
check_eq "$t tshark: outer + inner IPv4 src" "$PA_A,$A1" "$(echo "$F" | cut -d'|' -f4 | sort -u)"
check_eq "$t tshark: outer + inner IPv4 dst" "$PA_B,$B1" "$(echo "$F" | cut -d'|' -f5 | sort -u)"
check_eq "$t tshark: EtherTypes outer, inner (inner untagged)" 0x0800,0x0800 \
	"$(echo "$F" | cut -d'|' -f6 | sort -u)"
check_eq "$t tshark: outer DF set" 1 "$(echo "$F" | cut -d'|' -f7 | cut -d, -f1 | sort -u)"
check_eq "$t tshark: outer source MAC is HostA's PA MAC on the wire" "$WMAC_PA_A" \
	"$(echo "$F" | cut -d'|' -f8 | cut -d, -f1 | sort -u)"

# the raw bytes
check_gt "$t raw: NVGRE frames" "$(jf r1 .gre)" 0
check_eq "$t raw: every GRE word is 0x2000" '["0x2000"]' "$(jf r1 -c .flags)"
check_eq "$t raw: every protocol is 0x6558" '["0x6558"]' "$(jf r1 -c .protos)"
check_eq "$t raw: outer addresses are the two PAs" \
	"$(printf '%s\n' "$PA_A>$PA_B" "$PA_B>$PA_A" | sort | jq -R . | jq -sc .)" \
	"$(jf r1 -c .pairs)"
check_eq "$t raw: outer MACs are the PA MACs" \
	"$(printf '%s\n' "$WMAC_PA_A>$WMAC_PA_B" "$WMAC_PA_B>$WMAC_PA_A" | sort | jq -R . | jq -sc .)" \
	"$(jf r1 -c .outer_macs)"
check_eq "$t raw: DF set on every outer IPv4 header" 0 "$(jf r1 .df_clear)"
check_eq "$t raw: VSID 6000 in every key" '[6000]' "$(jf r1 -c .vsids)"
check_eq "$t raw: inner EtherType right after the 8-byte GRE header" \
	'["0x0800"]' "$(jf r1 -c .inner_types)"
check_eq "$t raw: no tagged inner frame" 0 "$(jf r1 .inner_tagged)"
check_eq "$t raw: outer frames untagged (no PA VLAN)" "$(jf r1 .gre)" "$(jf r1 .untagged_outer)"
check_eq "$t raw: largest outer IPv4 packet is 1458 + 42 - 14 = 1500 bytes" 1500 \
	"$(jf r1 .max_outer_ip_len)"
n=$(jq "[.flows | to_entries[] | select(.key | startswith(\"$PA_A>\"))] | length" "$TMPD/r1.json")
check_gt "$t raw: several inner flows from PA_A (ICMP + 5 TCP)" "$n" 5
check_eq "$t raw: one FlowID per flow" 0 \
	"$(jq '[.flows[] | select(length != 1)] | length' "$TMPD/r1.json")"
n=$(jq "[.flows | to_entries[] | select(.key | startswith(\"$PA_A>\")) | .value[]] | unique | length" "$TMPD/r1.json")
check_gt "$t raw: different flows get different FlowIDs (hash)" "$n" 1
info "flows and FlowIDs: $(jq -c .flows "$TMPD/r1.json")"
topo_down

# ---------------------------------------------------------------- round 2
t="[zero]"
topo_std 4 4
topo_up native --flowid zero || die "$t topology not up"
cap_start r2 "$SW" s-a || die "no capture"
traffic "$t"
cap_stop r2
decode r2
check_gt "$t raw: NVGRE frames" "$(jf r2 .gre)" 0
check_eq "$t raw: every FlowID is 0 with --flowid zero" '[0]' \
	"$(jq -c '[.flows[][]] | unique' "$TMPD/r2.json")"
check_eq "$t tshark: every key is VSID 6000 << 8 | 0" 0x00177000 \
	"$(cap_fields r2 "gre" gre.key | sort -u | tr '\n' ' ' | sed 's/ $//')"
check_eq "$t nvgre: every nvgre.flowid is 0" 0 \
	"$(nv_fields r2 "nvgre" nvgre.flowid | uniq_list)"
check_eq "$t nvgre: every nvgre.vsid is $VSID_B1" "$VSID_B1" \
	"$(nv_fields r2 "nvgre" nvgre.vsid | uniq_list)"
topo_down

# ---------------------------------------------------------------- round 3
t="[vlan100]"
TOPO_VLAN=100
topo_std 4 4
topo_net
cap_start r3 "$SW" s-a || die "no capture"
topo_start native || die "$t topology not up"
check_eq "$t provider address shows vlan 100" 100 \
	"$(hcj a '.[0].vlan' provider-address get pa "$PA_A")"
traffic "$t"
cap_stop r3
decode r3
check_gt "$t raw: NVGRE frames" "$(jf r3 .gre)" 0
check_eq "$t raw: every outer frame tagged" 0 "$(jf r3 .untagged_outer)"
check_eq "$t raw: with VLAN 100" '[100]' "$(jf r3 -c .outer_vlans)"
check_eq "$t raw: inner frames untagged" '["0x0800"]' "$(jf r3 -c .inner_types)"
check_eq "$t raw: 1500-byte outer IPv4 packets still (the tag is not in the MTU)" 1500 \
	"$(jf r3 .max_outer_ip_len)"
check_eq "$t tshark: vlan.id of the GRE frames" 100 \
	"$(cap_fields r3 "gre" vlan.id | sort -u)"
check_eq "$t tshark: ARP for the PAs is tagged too" 0 \
	"$(cap_count r3 "arp && !vlan")"
check_gt "$t tshark: tagged ARP for the PAs seen" "$(cap_count r3 "arp && vlan.id == 100")" 0
NV_LAYERS=eth:ethertype:vlan:ethertype:ip:
nv_check "$t" r3
topo_down

finish
