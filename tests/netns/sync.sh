#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# sync.sh: hnv-agent following a controller (doc/controller.md, "Agent
# sync"), against fake-controller.py, a scripted stand-in that serves the
# replies the test queues and logs every request it gets.  In order:
# registration and the first poll (after=0, the token); a reset snapshot
# over two pages (it removes a record the agent held from before, makes a
# VM namespace with its TAP, and the VM pings its gateway); changes (put,
# replace, del); an empty long poll; a bad change counted while the rest
# applies; local writes refused, reads answered; a restart that resumes
# with after= the stored revision (no resync) and forwards at once; the
# fake killed (the agent keeps its policy and forwarding, says
# unreachable) and back (the agent reconnects and applies what follows);
# a new epoch with a smaller snapshot (objects not in it go: records, the
# adapter, the VM's namespace); a wrong token ("rejected").
#
#   HostA namespace ${P}a
#   +-----------------------------------------------------------+
#   | fake-controller.py 127.0.0.1:8470  <-- HTTP -- hnv-agent   |
#   |                                      --controller ...      |
#   |   eth0 (PA 192.168.0.22) --- segment br0 in ${P}sw         |
#   +-----------------------------------------------------------+
#        Contoso1 (namespace ${VMP}contoso1): TAP eth0 10.0.1.101/24,
#        VSID 6000, gateway 10.0.1.1 (answered by HostA's router)

TEST_TAG=hy
. "$(dirname "$0")/lib.sh"

require_root
require_bins
require_tools jq curl

FAKE="$(dirname "$0")/fake-controller.py"
PORT=8470
URL="http://127.0.0.1:$PORT"
TOKEN=t0k-$RANDOM$RANDOM
RD="{12345678-1000-2000-3000-123456780001}"
FLOG=$TMPD/fake.log
FAKE_PID=

segment_create
host_create a
echo "  $TOKEN  " >"$TMPD/token"

# fake_start [ARGS]: the fake in HostA's namespace, ready when it answers.
fake_start() {
	# Not through hx (a function: '&' would fork a shell around it, and
	# its pid is not the fake's).
	ip netns exec "${HOST_NS[a]}" "$PY" "$FAKE" --port "$PORT" --log "$FLOG" \
		--token "$TOKEN" "$@" >>"$TMPD/fake.out" 2>&1 &
	FAKE_PID=$!
	BG_PIDS+=("$FAKE_PID")
	wait_for fake_call status '{"status": 0}' ||
		die "the fake controller did not start"
}

# fake_call WHAT JSON: the fake's test API (/test/push, /test/status).
fake_call() {
	hx a curl -sf -XPOST --data-binary "$2" "$URL/test/$1" >/dev/null
}

push() {
	fake_call push "$1" || fail "cannot queue a reply at the fake"
}

# gets: the 'after' of every changes request so far, one a line.
gets() {
	jq -r 'select(.method == "GET") | "\(.query.after) \(.query.epoch // "-")"' "$FLOG"
}

ctl() {
	hcj a ".controller.$1" status
}

ctl_is() {
	[ "$(ctl "$1")" = "$2" ]
}

cas() {
	hcj a '[.[].ca] | sort | join(" ")' lookup-record get
}

cas_are() {
	[ "$(cas)" = "$1" ]
}

AGENT_ARGS=(--controller "$URL" --host HostA --token-file "$TMPD/token")

lr() { # CA MAC PA [VSID]
	printf '{"op":"put","kind":"lookup-record","obj":{"ca":"%s","vsid":%s,"mac":"%s","pa":"%s"}}' \
		"$1" "${4:-6000}" "$2" "$3"
}
lr_del() {
	printf '{"op":"del","kind":"lookup-record","obj":{"ca":"%s","vsid":6000}}' "$1"
}
BASE='{"op":"put","kind":"switch","obj":{"name":"HNVSwitch","netadapter":"eth0"}},
{"op":"put","kind":"provider-address","obj":{"pa":"192.168.0.22","prefix_len":24}},
{"op":"put","kind":"customer-route","obj":{"rdid":"'$RD'","vsid":6000,"prefix":"10.0.1.0/24"}}'

# --- 1. a host with policy of its own, then under the controller ------
start_agent a || die "agent did not start"
hc a switch add name HNVSwitch netadapter eth0 >/dev/null &&
	hc a customer-route add rdid "$RD" vsid 6000 prefix 10.0.1.0/24 >/dev/null &&
	hc a lookup-record add ca 10.0.1.250 vsid 6000 mac 60:00:60:00:01:50 pa 192.168.0.33 >/dev/null ||
	die "local policy before the controller"
stop_agent a

fake_start --epoch E1
start_agent a "${AGENT_ARGS[@]}" || die "agent did not start under the controller"
check_eq "forwarding state held before the controller answers" "10.0.1.250" "$(cas)"
check_wait "registered: PUT /v1/hosts/HostA/agent with the bearer token" \
	jq -s -e 'any(.[]; .method == "PUT" and .path == "/v1/hosts/HostA/agent"
		and .auth == "Bearer '"$TOKEN"'"
		and (.body | fromjson | .encap == "nvgre" and (.version | length > 0)))' "$FLOG"
check_wait "first poll: after=0 wait=30 limit=10000" \
	jq -s -e 'any(.[]; .method == "GET" and .path == "/v1/hosts/HostA/changes"
		and .query.after == "0" and .query.wait == "30" and .query.limit == "10000")' "$FLOG"
check_wait "status: controller state connected" ctl_is state connected
check_eq "status: controller url" "$URL" "$(ctl url)"

# --- 2. a reset snapshot over two pages ---------------------------------
push '{"epoch":"E1","revision":10,"reset":true,"more":true,"changes":['"$BASE"',
'"$(lr 10.0.1.1 60:00:60:00:01:00 192.168.0.22)"','"$(lr 10.0.1.101 60:00:60:00:01:01 192.168.0.22)"']}'
push '{"epoch":"E1","revision":10,"reset":true,"more":false,"changes":[
{"op":"put","kind":"vm","obj":{"vm":"Contoso1"}},
{"op":"put","kind":"vm-adapter","obj":{"vm":"Contoso1","name":"eth0","switch":"HNVSwitch","mac":"60:00:60:00:01:01","vsid":6000}},
'"$(lr 10.0.1.102 60:00:60:00:01:02 192.168.0.33)"','"$(lr 10.0.1.103 60:00:60:00:01:03 192.168.0.33)"']}'
check_wait "snapshot applied: revision 10" ctl_is revision 10
check_eq "snapshot: the records named, the local one gone" \
	"10.0.1.1 10.0.1.101 10.0.1.102 10.0.1.103" "$(cas)"
check_eq "snapshot: the adapter" "Contoso1/eth0/6000" \
	"$(hcj a '.[] | "\(.vm)/\(.name)/\(.vsid)"' vm-adapter get)"
vm_wait Contoso1 eth0 && ok "snapshot: Contoso1's namespace has its TAP eth0"
check_eq "TAP MAC is the adapter's" 60:00:60:00:01:01 "$(link_mac "$(vm_ns Contoso1)" eth0)"
vm_ip4 Contoso1 eth0 10.0.1.101/24 10.0.1.1 || fail "guest setup"
check_ping "Contoso1 pings its gateway 10.0.1.1" Contoso1 10.0.1.1
check_eq "snapshot: the next poll asks after=10 epoch=E1" "10 E1" "$(gets | tail -n 1)"

# --- 3. changes ---------------------------------------------------------
push '{"epoch":"E1","revision":11,"changes":['"$(lr 10.0.1.104 60:00:60:00:01:04 192.168.0.33)"',
'"$(lr_del 10.0.1.102)"','"$(lr 10.0.1.103 60:00:60:00:01:03 192.168.0.44)"']}'
check_wait "changes applied: revision 11" ctl_is revision 11
check_eq "changes: put and del" "10.0.1.1 10.0.1.101 10.0.1.103 10.0.1.104" "$(cas)"
check_eq "changes: 10.0.1.103 replaced (new PA)" 192.168.0.44 \
	"$(hcj a '.[0].pa' lookup-record get ca 10.0.1.103 vsid 6000)"

# --- 4. an empty long poll ----------------------------------------------
n=$(gets | grep -c '^11 E1$')
check_wait "empty long poll answered; asked again after=11" \
	-t 10 bash -c "[ \$(jq -r 'select(.method == \"GET\") | .query.after' '$FLOG' | grep -c '^11\$') -ge $((n + 2)) ]"
check_eq "nothing changed by the empty poll" "10.0.1.1 10.0.1.101 10.0.1.103 10.0.1.104" "$(cas)"

# --- 5. a bad change is counted, the rest applies ------------------------
push '{"epoch":"E1","revision":12,"changes":['"$(lr 10.0.1.9 60:00:60:00:01:09 192.168.0.33 70)"',
'"$(lr 10.0.1.105 60:00:60:00:01:05 192.168.0.33)"']}'
check_wait "reply with a bad change applied: revision 12" ctl_is revision 12
check_eq "the good change of it applied" "10.0.1.1 10.0.1.101 10.0.1.103 10.0.1.104 10.0.1.105" "$(cas)"
check_eq "the bad one counted (status)" 1 "$(ctl failed)"
check_eq "the bad one counted (stats sync)" 1 "$(hcj a .sync.failed stats)"
check "the bad one logged with its error" grep -q "controller change not applied.*vsid 70" "${AGENT_LOG[a]}"

# --- 6. local writes refused, reads work --------------------------------
if hc a lookup-record add ca 10.0.1.7 vsid 6000 mac 60:00:60:00:01:07 pa 192.168.0.33 >"$TMPD/out" 2>&1; then
	fail "a local lookup record add was accepted under the controller"
else
	check "local add refused: managed by the controller at $URL" \
		grep -q "managed by the controller at $URL" "$TMPD/out"
fi
check_not "local vm.add refused" hc a vm add vm Other
check_not "local customer-route remove refused" hc a customer-route remove rdid "$RD" prefix 10.0.1.0/24
check_not "local policy clear refused" hc a policy clear
check "policy get still answers" hc a --json policy show
check "trace still answers" hc a trace in Contoso1 ip_dst 10.0.1.1
check_eq "status prints the controller" connected \
	"$(hc a status | awk '$1 == "state:" {print $2}')"

# --- 7. restart: resume from the stored revision ------------------------
stop_agent a
before=$(gets | wc -l)
start_agent a "${AGENT_ARGS[@]}" || die "agent did not restart"
check_eq "after the restart the policy is there at once" \
	"10.0.1.1 10.0.1.101 10.0.1.103 10.0.1.104 10.0.1.105" "$(cas)"
check_wait "after the restart it polls again" bash -c "[ \$(jq -c 'select(.method == \"GET\")' '$FLOG' | wc -l) -gt $before ]"
check_eq "the first poll after the restart: after=12 epoch=E1 (no resync)" \
	"12 E1" "$(gets | sed -n "$((before + 1))p")"
check_ping "Contoso1 still pings its gateway after the restart" Contoso1 10.0.1.1

# --- 8. the controller goes away and comes back -------------------------
stop_pid "$FAKE_PID"
check "the fake is gone" pid_gone "$FAKE_PID"
check_wait "fake gone: state unreachable" ctl_is state unreachable
check "the loss is logged once" bash -c "[ \$(grep -c 'controller $URL: connection lost' '${AGENT_LOG[a]}') = 1 ]"
check_eq "policy kept while unreachable" "10.0.1.1 10.0.1.101 10.0.1.103 10.0.1.104 10.0.1.105" "$(cas)"
check_ping "Contoso1 pings its gateway while the controller is away" Contoso1 10.0.1.1
sleep 2
check "no log line per retry" bash -c "[ \$(grep -c 'controller $URL: \(connection lost\|unreachable\)' '${AGENT_LOG[a]}') = 1 ]"
fake_start --epoch E1 --revision 12
push '{"epoch":"E1","revision":13,"changes":['"$(lr 10.0.1.106 60:00:60:00:01:06 192.168.0.33)"']}'
check_wait "reconnected: state connected" -t 40 ctl_is state connected
check_wait "and applied what followed: revision 13" -t 10 ctl_is revision 13
check_eq "10.0.1.106 there" "10.0.1.1 10.0.1.101 10.0.1.103 10.0.1.104 10.0.1.105 10.0.1.106" "$(cas)"

# --- 9. a new epoch: a smaller snapshot ---------------------------------
push '{"epoch":"E2","revision":2,"reset":true,"more":false,"changes":['"$BASE"',
'"$(lr 10.0.1.1 60:00:60:00:01:00 192.168.0.22)"','"$(lr 10.0.1.101 60:00:60:00:01:01 192.168.0.22)"']}'
check_wait "new epoch applied" ctl_is epoch E2
check_eq "new epoch: revision 2" 2 "$(ctl revision)"
check_eq "new epoch: records not in the snapshot gone" "10.0.1.1 10.0.1.101" "$(cas)"
check_eq "new epoch: the adapter gone" "" "$(hcj a '.[].name' vm-adapter get)"
check_eq "new epoch: the VM gone" "" "$(hcj a '.[].vm' vm get)"
check_wait "new epoch: the VM's namespace gone" bash -c "! ip netns list | grep -q '^$(vm_ns Contoso1)\\b'"
check_eq "new epoch: the switch kept" HNVSwitch "$(hcj a '.[].name' switch get)"
check_eq "the reset counted (since the restart)" 1 "$(ctl resets)"
check_wait "then it polls after=2 epoch=E2" bash -c "jq -r 'select(.method == \"GET\") | \"\(.query.after) \(.query.epoch)\"' '$FLOG' | grep -q '^2 E2\$'"

# --- 10. a wrong token --------------------------------------------------
stop_pid "$FAKE_PID"
TOKEN=another-token
fake_start --epoch E2 --revision 2
check_wait "wrong token: state rejected" -t 40 ctl_is state rejected
check "wrong token: logged as rejected" grep -q "token rejected" "${AGENT_LOG[a]}"
check_eq "wrong token: policy kept" "10.0.1.1 10.0.1.101" "$(cas)"
check "agent still running" agent_alive a

finish
