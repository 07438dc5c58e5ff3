#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# trace.sh: `hnvctl trace` explains the pipeline's decisions for a packet
# it injects (and does not transmit).
#
#                       segment: bridge br0 in ${P}sw
#        +---------------- s-a ------------- s-b ----------------+
#        |                                                       |
#  HostA eth0 PA 192.168.0.22                      HostB eth0 PA 192.168.0.33
#   VmA1 10.0.1.101 6000  == trace in VmA1 ==>       VmB1 10.0.1.201 6000
#   VmA2 10.0.1.102 6000                             VmB2 10.0.2.202 6001
#   VmA3 10.0.2.103 6001                             RedB 10.0.1.201 7000
#   RedA 10.0.1.101 7000  <== trace in uplink, VSID 6000 (Blue), to RedA's MAC
#
# Asserts: VmA1 -> VmB1 is encapsulated to HostB's PA with VSID 6000 (the
# JSON steps mention both); the text form ends with "verdict: ..."; local,
# routed and unroutable cases; an uplink frame with the Blue VSID
# addressed to a Red VM's MAC is dropped as a VSID mismatch; an unknown
# VSID is dropped as such; a traced packet is not transmitted.

TEST_TAG=ht
. "$(dirname "$0")/lib.sh"

# A unicast PA MAC for HostA (flows.sh uses the book's multicast one).
PA_MAC_A=02:44:55:66:77:88

require_root
require_bins
require_tools jq

topo_std 4 4
topo_up native || die "topology not up"
check_ping "VmA1 -> VmB1 works (the trace describes a working path)" VmA1 "$B1"

# tr NAME ARGS...: hnvctl --json trace ARGS into $TMPD/NAME.json, and the
# verdict and all the steps as text into $TMPD/NAME.txt.
tr() {
	local name=$1
	shift
	if ! hc a --json trace "$@" >"$TMPD/$name.json" 2>"$TMPD/$name.err" ||
		! jq -e .verdict "$TMPD/$name.json" >/dev/null 2>&1; then
		fail "trace $*: no JSON verdict"
		show_tail "$TMPD/$name.err"
		show_tail "$TMPD/$name.json"
		echo '{"verdict":"","steps":[],"output":[]}' >"$TMPD/$name.json"
	fi
	jq -r '.verdict, (.steps[] | .stage + ": " + .msg), (.output[] | .port + " " + .summary)' \
		"$TMPD/$name.json" >"$TMPD/$name.txt"
}

verdict() { jq -r .verdict "$TMPD/$1.json"; }

# has NAME REGEX: the verdict, steps or outputs match (grep -E -i).
has() { grep -Eiq -- "$2" "$TMPD/$1.txt"; }

check_has() {
	if has "$2" "$3"; then
		ok "$1"
	else
		fail "$1: /$3/ not in the trace"
		sed 's/^/#   /' "$TMPD/$2.txt" | head -n 30
	fi
}

check_hasnt() {
	if has "$2" "$3"; then
		fail "$1: /$3/ in the trace"
		sed 's/^/#   /' "$TMPD/$2.txt" | head -n 30
	else
		ok "$1"
	fi
}

# --- F3: VmA1 -> VmB1 is encapsulated to HostB's PA with VSID 6000.
before=$(icmp_in VmB1)
tr f3 in VmA1 ip_dst "$B1"
check_hasnt "F3 trace: not a drop" f3 '^drop|verdict: drop'
check_has "F3 trace mentions HostB's PA $PA_B" f3 "${PA_B//./\\.}"
check_has "F3 trace mentions VSID 6000" f3 '6000'
check_has "F3 trace mentions the encapsulation" f3 'encap|nvgre|gre'
check_gt "F3 trace has several steps" "$(jq '.steps | length' "$TMPD/f3.json")" 1
check_gt "F3 trace shows the uplink output" "$(jq '.output | length' "$TMPD/f3.json")" 0
out=$(jq -r '.output[0].frame // ""' "$TMPD/f3.json")
# outer frame: dst MAC, src MAC, 0800, IPv4 ... proto 47; GRE at byte 34.
check_eq "F3 trace output: GRE 0x2000 0x6558 key VSID 6000" "20006558001770" \
	"${out:68:14}"
check_eq "F3 trace output: outer destination IPv4 is PA_B" \
	"$(printf '%02x' ${PA_B//./ })" "${out:60:8}"
vmb1_got() { [ "$(icmp_in VmB1)" != "$before" ]; }
check_not "F3 trace did not transmit (VmB1 received nothing in 1 s)" \
	wait_for -t 1 vmb1_got

# The text form.
hc a trace in VmA1 ip_dst "$B1" >"$TMPD/f3.plain" 2>&1
check "text trace ends with a 'verdict: ...' line" \
	grep -Eq '^verdict: .+' <(tail -n 1 "$TMPD/f3.plain")

# --- F1: local delivery to VmA2, no encapsulation.
tr f1 in VmA1 ip_dst "$A2"
check_hasnt "F1 trace: not a drop" f1 '^drop'
check_has "F1 trace delivers to VmA2" f1 'VmA2'
check_hasnt "F1 trace: no encapsulation to a PA" f1 "${PA_B//./\\.}"

# --- F2: routed to VmA3 (VSID 6001), TTL decremented.
tr f2 in VmA1 ip_dst "$A3"
check_hasnt "F2 trace: not a drop" f2 '^drop'
check_has "F2 trace delivers to VmA3" f2 'VmA3'
check_has "F2 trace mentions the destination VSID 6001" f2 '6001'
check_has "F2 trace mentions the TTL" f2 'ttl|hop limit'

# --- F5: routed and encapsulated with the destination's VSID.
tr f5 in VmA1 ip_dst "$B2"
check_has "F5 trace mentions HostB's PA" f5 "${PA_B//./\\.}"
check_has "F5 trace mentions VSID 6001" f5 '6001'
out=$(jq -r '.output[0].frame // ""' "$TMPD/f5.json")
check_eq "F5 trace output key is VSID 6001" "001771" "${out:76:6}"

# --- drops with their reasons.
tr noroute in VmA1 ip_dst 192.0.2.1
check_has "no route: verdict is a drop" noroute '^drop|drop'
check_has "no route: reason no_route" noroute 'no_route|no customer route'
tr red in RedA ip_dst "$A3"
check_has "Red -> Blue-only CA: drop, no_route" red 'no_route|no customer route'
tr ttl in VmA1 ip_dst "$B2" ttl 1
check_has "TTL 1 through the router: ttl_exceeded" ttl 'ttl_exceeded|ttl or hop limit exceeded'

# --- uplink: Blue VSID addressed to a Red VM's MAC.
tr mism in uplink vsid 6000 pa_src "$PA_B" eth_src "${VM_MAC[VmB1]}" \
	ip_src "$B1" eth_dst "${VM_MAC[RedA]}" ip_dst "$A1"
check_has "uplink Blue VSID -> Red MAC: verdict is a drop" mism '^drop'
if grep -Eiq 'vsid_mismatch|vsid mismatch|another VSID' <<<"$(verdict mism)"; then
	ok "uplink Blue VSID -> Red MAC: verdict names the VSID mismatch ($(verdict mism))"
else
	fail "uplink Blue VSID -> Red MAC: verdict '$(verdict mism)' does not name the VSID mismatch"
fi
check_eq "uplink Blue VSID -> Red MAC: no output" 0 "$(jq '.output | length' "$TMPD/mism.json")"

# ... and correctly addressed, it is delivered to VmA1.
tr good in uplink vsid 6000 pa_src "$PA_B" eth_src "${VM_MAC[VmB1]}" \
	ip_src "$B1" eth_dst "${VM_MAC[VmA1]}" ip_dst "$A1"
check_hasnt "uplink VSID 6000 -> VmA1: not a drop" good '^drop'
check_has "uplink VSID 6000 -> VmA1: delivered to VmA1" good 'VmA1'

tr unk in uplink vsid 9999 pa_src "$PA_B" eth_src "${VM_MAC[VmB1]}" \
	ip_src "$B1" eth_dst "${VM_MAC[VmA1]}" ip_dst "$A1"
check_has "uplink VSID 9999: drop, unknown_vsid" unk 'unknown_vsid|VSID has no adapter'

tr spoof in uplink vsid 6000 pa_src 192.168.0.99 eth_src "${VM_MAC[VmB1]}" \
	ip_src "$B1" eth_dst "${VM_MAC[VmA1]}" ip_dst "$A1"
check_has "uplink from a PA not owning the inner source: src_pa_mismatch" spoof \
	'src_pa_mismatch|does not own'

check_not "trace with an unknown field is refused" hc a trace in VmA1 ip_dst "$B1" bogus 1
check_not "trace from an unknown VM is refused" hc a trace in NoSuchVm ip_dst "$B1"

finish
