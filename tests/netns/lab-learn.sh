#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# tests/netns/lab-learn.sh: flow F4, address learning with L2Only records
# (lab/topologies/learn.topo), through the lab's controller.  Alice
# (Host1) and Carol (Host3) have static records; Bob (Host2) only an
# L2Only one: his MAC and host are known, his address is not.
#  1. before anything is learnt, the controller has no record of
#     10.0.1.20;
#  2. Alice pings Bob: her host sends the ARP to Host2's PA (one flood),
#     Bob answers, Host1 and Host2 learn 10.0.1.20 -> Bob's MAC behind
#     Host2's PA as a Dynamic record, report it, and the controller
#     pushes it to Host3;
#  3. Carol pings Bob: Host3 answers her ARP from the pushed record, it
#     floods nothing;
#  4. duplicate address: Bob claims Alice's 10.0.1.10: his frames are
#     dropped (spoofed_src_ip) and nothing new is learnt; the controller
#     still gives 10.0.1.10 to Alice.
#
#    Alice 10.0.1.10     Bob 10.0.1.20 (L2Only)   Carol 10.0.1.30
#         |                    |                        |
#      Host1 .0.22          Host2 .0.33             Host3 .0.44
#   ======+====================+========================+====== phys
LAB_TAG=tf
. "$(dirname "$0")/lab-lib.sh"

RUN=/run/hnv-lab/$NAME
CTL=$TOP/build/bin/hnvctl

stat_of() { "$CTL" --agent "$RUN/$1.sock" --json stats | jq "$2"; }
ctrl_lr() { lab cctl --json lookup-record get vsid 6000 ca "$1"; }
agent_has() {
	"$CTL" --agent "$RUN/$1.sock" --json lookup-record get vsid 6000 \
	    ca "$2" | jq -e --arg t "$3" 'length == 1 and .[0].type == $t and
	    .[0].mac == "60:00:60:00:02:20" and .[0].pa == "192.168.0.33"' \
	    >/dev/null
}
wait_for() {
	local n=$(($1 * 10))
	shift
	while ((n-- > 0)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

lab_require

step "up learn (native) through the controller" \
	lab up "$TOP/lab/topologies/learn.topo" --policy native || exit 1
if [[ $(ctrl_lr 10.0.1.20 | jq length) == 0 ]]; then
	ok "nothing is known of 10.0.1.20 yet"
else
	fail "the controller knows 10.0.1.20 before any ARP: $(ctrl_lr 10.0.1.20)"
fi

step "Alice pings Bob" lab exec Alice ping -n -c 2 -W 2 10.0.1.20
if [[ $(stat_of host1 .events.arp_flooded) -ge 1 ]]; then
	ok "Host1 sent Alice's ARP to the L2Only PA"
else
	fail "Host1 flooded nothing"
fi
for h in host1 host2; do
	if agent_has $h 10.0.1.20 dynamic; then
		ok "$h learnt 10.0.1.20 (Dynamic, Bob's MAC, Host2's PA)"
	else
		fail "$h did not learn 10.0.1.20: $("$CTL" --agent "$RUN/$h.sock" lookup-record get vsid 6000)"
	fi
done
if wait_for 10 sh -c "$HNV_LAB --lab $NAME cctl --json lookup-record get vsid 6000 ca 10.0.1.20 | jq -e 'length == 1 and .[0].type == \"dynamic\"'"; then
	ok "the controller has the learnt record"
else
	fail "the controller has no Dynamic record of 10.0.1.20"
fi
step "synced" lab synced
if agent_has host3 10.0.1.20 dynamic; then
	ok "the controller pushed it to Host3"
else
	fail "Host3 does not have 10.0.1.20"
fi

f3=$(stat_of host3 .events.arp_flooded)
step "Carol pings Bob" lab exec Carol ping -n -c 2 -W 2 10.0.1.20
if [[ $(stat_of host3 .events.arp_flooded) == "$f3" ]]; then
	ok "Host3 answered Carol's ARP itself (no flood)"
else
	fail "Host3 flooded Carol's ARP although it has the record"
fi
step "check (all three reach each other)" lab check

# Duplicate address: Bob takes Alice's address.
d0=$(stat_of host2 .drops.spoofed_src_ip)
lab exec Bob ip addr add 10.0.1.10/24 dev eth0 2>/dev/null
lab exec Bob arping -c 2 -w 2 -s 10.0.1.10 -I eth0 10.0.1.30 >/dev/null 2>&1 ||
	lab exec Bob ping -n -c 2 -W 1 -I 10.0.1.10 10.0.1.30 >/dev/null 2>&1
d1=$(stat_of host2 .drops.spoofed_src_ip)
if ((d1 > d0)); then
	ok "Bob's frames from Alice's address are dropped ($d0 -> $d1)"
else
	fail "Host2 dropped nothing from Bob as 10.0.1.10"
fi
owner=$(ctrl_lr 10.0.1.10 | jq -r '.[0].mac')
if [[ $owner == 60:00:60:00:01:10 ]]; then
	ok "the controller still gives 10.0.1.10 to Alice"
else
	fail "the controller's 10.0.1.10 is at $owner"
fi
if [[ $(stat_of host2 .learn.learnt) == 1 ]]; then
	ok "Host2 learnt nothing more"
else
	fail "Host2 learnt $(stat_of host2 .learn.learnt) addresses"
fi

# A guest may not claim addresses without end: Bob sends ARPs from 80
# more addresses; a MAC has one address in a routing domain (DESIGN.md
# section 1), so none is learnt (each refused and counted), and the
# controller still has one record of Bob's MAC.
lab exec Bob ip addr del 10.0.1.10/24 dev eth0 2>/dev/null
c0=$(stat_of host2 .learn.conflicts)
lab exec Bob "$PY" -c '
from scapy.all import Ether, ARP, sendp
m = "60:00:60:00:02:20"
sendp([Ether(src=m, dst="ff:ff:ff:ff:ff:ff") /
       ARP(op=1, hwsrc=m, psrc="10.0.1.%d" % i, pdst="10.0.1.10")
       for i in range(100, 180)], iface="eth0", verbose=0)
' >/dev/null 2>&1
sleep 1
learnt=$(stat_of host2 .learn.learnt)
c1=$(stat_of host2 .learn.conflicts)
if [[ $learnt == 1 ]] && ((c1 - c0 >= 80)); then
	ok "Bob's 80 other addresses are refused ($((c1 - c0)) conflicts), none learnt"
else
	fail "Host2 learnt $learnt, refused $((c1 - c0)) of Bob's 80 addresses"
fi
n=$(lab cctl --json lookup-record get vsid 6000 mac 600060000220 |
	jq '[.[] | select(.type == "dynamic")] | length')
if [[ $n == 1 ]]; then
	ok "the controller has one Dynamic record of Bob's MAC"
else
	fail "the controller has $n Dynamic records of Bob's MAC"
fi
