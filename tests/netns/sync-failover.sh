#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# sync-failover.sh: hnv-agent --controller A,B: two controllers of one
# cluster (the same epoch, the same revisions), played by two
# fake-controller.py, each logging every request it gets
# (doc/controller.md, "Agent sync": the failover rule).  In order:
# lists with a bad URL are refused, naming it; the agent registers with
# A and follows it alone; A is killed and a change appears only on B:
# the agent registers with B, asks after= its last revision with the
# same epoch (no after=0, no reset) and applies it within a few
# seconds, logs the switch once and says it follows B; B answers 503:
# back to A (restarted) at once, the same way; both down: it backs off
# (no tight loop), says unreachable once, and comes back when B does;
# B answers 404: it stays with B.
#
#   HostA namespace ${P}a
#   +--------------------------------------------------------------+
#   | fake A 127.0.0.1:8471  <-- HTTP --+                           |
#   | fake B 127.0.0.1:8472  <-- HTTP --+-- hnv-agent               |
#   |                                      --controller A,B          |
#   |   eth0 (PA 192.168.0.22) --- segment br0 in ${P}sw             |
#   +--------------------------------------------------------------+

TEST_TAG=hk
. "$(dirname "$0")/lib.sh"

GW=${HNV_GATEWAY_BIN:-$HNV_TOP/build/bin/hnv-gateway}
require_root
require_bins
require_tools jq curl

FAKE="$(dirname "$0")/fake-controller.py"
declare -A FPORT=([A]=8471 [B]=8472) FPID FLOG
URL_A="http://127.0.0.1:${FPORT[A]}"
URL_B="http://127.0.0.1:${FPORT[B]}"
TOKEN=t0k-$RANDOM$RANDOM
RD="{12345678-1000-2000-3000-123456780001}"
FLOG[A]=$TMPD/fake-A.log
FLOG[B]=$TMPD/fake-B.log

segment_create
host_create a
echo "$TOKEN" >"$TMPD/token"

# fake_start A|B [ARGS]: that fake in HostA's namespace, ready when it
# answers.  Both log to their own file.
fake_start() {
	local f=$1
	shift
	ip netns exec "${HOST_NS[a]}" "$PY" "$FAKE" --port "${FPORT[$f]}" \
		--log "${FLOG[$f]}" --token "$TOKEN" "$@" >>"$TMPD/fake-$f.out" 2>&1 &
	FPID[$f]=$!
	BG_PIDS+=("$!")
	wait_for fake_call "$f" status '{"status": 0}' ||
		die "the fake controller $f did not start"
}

# fake_call A|B WHAT JSON: the fake's test API (/test/push, /test/status).
fake_call() {
	hx a curl -sf -XPOST --data-binary "$3" \
		"http://127.0.0.1:${FPORT[$1]}/test/$2" >/dev/null
}

push() { # A|B REPLY
	fake_call "$1" push "$2" || fail "cannot queue a reply at fake $1"
}

# nreq A|B: how many requests that fake has logged.
nreq() {
	[ -f "${FLOG[$1]}" ] || { echo 0; return; }
	wc -l <"${FLOG[$1]}"
}

# since A|B N: that fake's requests after the first N, as "METHOD PATH
# after epoch", one a line.
since() {
	tail -n +"$(($2 + 1))" "${FLOG[$1]}" |
		jq -r '"\(.method) \(.path) \(.query.after // "-") \(.query.epoch // "-")"'
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

has_ca() {
	cas | tr ' ' '\n' | grep -qx "$1"
}

lr() { # CA MAC
	printf '{"op":"put","kind":"lookup-record","obj":{"ca":"%s","vsid":6000,"mac":"%s","pa":"192.168.0.33"}}' \
		"$1" "$2"
}

# The switch to a fake: of its requests since the first N, the first
# changes request is after=REV with epoch E1, and the request just before
# it is the registration; none asks after=0.
check_resumed() { # A|B N REV
	local reqs
	reqs=$(since "$1" "$2")
	check_eq "$1: the first changes request resumes: after=$3 epoch=E1" \
		"GET /v1/hosts/HostA/changes $3 E1" \
		"$(grep -m1 '^GET ' <<<"$reqs")"
	check_eq "$1: re-registered just before it (PUT /v1/hosts/HostA/agent)" \
		"PUT /v1/hosts/HostA/agent - -" \
		"$(grep -B1 -m1 '^GET ' <<<"$reqs" | head -n 1)"
	check_eq "$1: no after=0 (no full resync) since the switch" "" \
		"$(awk '$1 == "GET" && $3 == "0"' <<<"$reqs")"
}

# --- 1. lists with a bad URL are refused ---------------------------------
# -n: were one accepted, the agent would only check and exit.
bad_list() { # EXPECTED-MESSAGE LIST
	local out rc
	out=$(hx a "$HNV_AGENT_BIN" -n -d --uplink eth0 --state "$TMPD/bad.db" \
		--control "$TMPD/bad.sock" --controller "$2" 2>&1)
	rc=$?
	check_eq "refused (exit 2): --controller '$2'" 2 "$rc"
	check_eq "the error names the bad URL: '$2'" \
		"hnv-agent: --controller: $1" "$out"
}
bad_list "'ftp://127.0.0.1:8472' is not an http:// or https:// URL" \
	"$URL_A,ftp://127.0.0.1:8472"
bad_list "'127.0.0.1:8472' is not an http:// or https:// URL" \
	"$URL_A,127.0.0.1:8472"
bad_list "URL 2 of '$URL_A,,$URL_B' is empty (URLs are separated by single commas)" \
	"$URL_A,,$URL_B"
bad_list "'$URL_A' is given twice" "$URL_A,$URL_B,$URL_A/"
many=$URL_A
for i in $(seq 2 17); do many="$many,http://10.0.0.$i:8470"; done
bad_list "more than 16 URLs: 'http://10.0.0.17:8470' is number 17" "$many"
if [ -x "$GW" ]; then
	out=$(hx a "$GW" -d --controller "$URL_A,https://" --gateway gw1 \
		--state-dir "$TMPD/gw-bad" 2>&1)
	rc=$?
	check_eq "hnv-gateway refuses a bad list too (exit 2)" 2 "$rc"
	check_eq "hnv-gateway names the bad URL" \
		"hnv-gateway: --controller: 'https://' names no host" "$out"
fi
check_eq "nothing left running after the refusals" "" \
	"$(ip netns pids "${HOST_NS[a]}")"

# --- 2. the agent follows A alone ---------------------------------------
fake_start A --epoch E1
fake_start B --epoch E1 --revision 11
start_agent a --controller "$URL_A,$URL_B" --host HostA \
	--token-file "$TMPD/token" || die "agent did not start"
check_wait "registered with A" jq -s -e \
	'any(.[]; .method == "PUT" and .path == "/v1/hosts/HostA/agent")' "${FLOG[A]}"
check_wait "first poll at A: after=0" jq -s -e \
	'any(.[]; .method == "GET" and .query.after == "0")' "${FLOG[A]}"
push A '{"epoch":"E1","revision":10,"reset":true,"more":false,"changes":[
{"op":"put","kind":"switch","obj":{"name":"HNVSwitch","netadapter":"eth0"}},
{"op":"put","kind":"provider-address","obj":{"pa":"192.168.0.22","prefix_len":24}},
{"op":"put","kind":"customer-route","obj":{"rdid":"'$RD'","vsid":6000,"prefix":"10.0.1.0/24"}},
'"$(lr 10.0.1.101 60:00:60:00:01:01)"']}'
push A '{"epoch":"E1","revision":11,"changes":['"$(lr 10.0.1.102 60:00:60:00:01:02)"']}'
check_wait "snapshot and a change from A applied: revision 11" ctl_is revision 11
check_eq "the records of A" "10.0.1.101 10.0.1.102" "$(cas)"
check_wait "then it polls A after=11 epoch=E1" bash -c \
	"jq -r 'select(.method == \"GET\") | \"\(.query.after) \(.query.epoch)\"' '${FLOG[A]}' | grep -qx '11 E1'"
check_eq "status: url is A" "$URL_A" "$(ctl url)"
check_eq "status: urls lists both" "$URL_A $URL_B" "$(hcj a '.controller.urls | join(" ")' status)"
check_eq "status: state connected" connected "$(ctl state)"
check_eq "B got nothing while A answers" 0 "$(nreq B)"
check_eq "one reset so far (the snapshot)" 1 "$(ctl resets)"

# --- 3. A dies; a change appears only on B -------------------------------
nb=$(nreq B)
push B '{"epoch":"E1","revision":12,"changes":['"$(lr 10.0.1.103 60:00:60:00:01:03)"']}'
t0=$(now_ms)
stop_pid "${FPID[A]}"
check "A is gone" pid_gone "${FPID[A]}"
check_wait "B's change applied within 5 s of A's death: revision 12" \
	-t 5 ctl_is revision 12
info "applied $(($(now_ms) - t0)) ms after A was killed"
check_eq "the records: B's change added" "10.0.1.101 10.0.1.102 10.0.1.103" "$(cas)"
check_resumed B "$nb" 11
check_eq "no reset on the switch (same epoch)" 1 "$(ctl resets)"
check_eq "status: url is B now" "$URL_B" "$(ctl url)"
check_wait "status: connected (to B)" ctl_is state connected
check_eq "status: one switch" 1 "$(ctl switches)"
check_wait "B is asked after=12 next" bash -c \
	"jq -r 'select(.method == \"GET\") | .query.after' '${FLOG[B]}' | grep -qx 12"
check "the switch logged: controller A lost (why); following B" \
	grep -q "controller $URL_A lost (.*); following $URL_B\$" "${AGENT_LOG[a]}"
check_eq "logged once" 1 "$(grep -c "controller $URL_A lost" "${AGENT_LOG[a]}")"
check_eq "no back-off for a switch: not said unreachable" 0 \
	"$(grep -c 'controller.*unreachable' "${AGENT_LOG[a]}")"
check "connected to B logged" grep -q "controller $URL_B: connected (host HostA)" \
	"${AGENT_LOG[a]}"
check "hnvctl status (text) shows B" bash -c \
	"ip netns exec '${HOST_NS[a]}' '$HNVCTL' --agent '${SOCK[a]}' status | grep -q 'url: *$URL_B\$'"

# --- 4. B answers 503: back to A (restarted) at once --------------------
fake_start A --epoch E1 --revision 12
na=$(nreq A)
push A '{"epoch":"E1","revision":13,"changes":['"$(lr 10.0.1.104 60:00:60:00:01:04)"']}'
fake_call B status '{"status": 503}' || fail "cannot make B answer 503"
check_wait "A's change applied after B's 503: revision 13" -t 5 ctl_is revision 13
check_resumed A "$na" 12
check "the switch logged with the 503" \
	grep -q "controller $URL_B lost (HTTP 503: scripted failure); following $URL_A\$" \
	"${AGENT_LOG[a]}"
check_eq "status: url is A again" "$URL_A" "$(ctl url)"
check_eq "status: two switches" 2 "$(ctl switches)"
check_eq "still no reset" 1 "$(ctl resets)"

# --- 5. both down: back off, then B comes back --------------------------
stop_pid "${FPID[A]}"
check_wait "both down: state unreachable" -t 5 ctl_is state unreachable
check "said once that none answers" bash -c \
	"[ \$(grep -c 'none of the 2 controllers answers' '${AGENT_LOG[a]}') = 1 ]"
nb=$(nreq B)
sleep 5
# Back-off 1, 2, 4 s between rounds (a round: one try at B, one at A):
# at most 4 tries at B in 5 s; a tight loop would make hundreds.
n=$(($(nreq B) - nb))
if [ "$n" -le 4 ]; then
	ok "backs off once every controller failed ($n tries at B in 5 s)"
else
	fail "no back-off: $n tries at B in 5 s"
fi
check_eq "said only once while down" 1 \
	"$(grep -c 'none of the 2 controllers answers' "${AGENT_LOG[a]}")"
check_eq "policy kept while no controller answers" \
	"10.0.1.101 10.0.1.102 10.0.1.103 10.0.1.104" "$(cas)"
nb=$(nreq B)
push B '{"epoch":"E1","revision":14,"changes":['"$(lr 10.0.1.105 60:00:60:00:01:05)"']}'
fake_call B status '{"status": 0}' || fail "cannot make B answer again"
check_wait "B back: its change applied: revision 14" -t 20 ctl_is revision 14
check_resumed B "$nb" 13
check_eq "status: url is B" "$URL_B" "$(ctl url)"

# --- 6. a 4xx other than 401/403 does not move it ------------------------
# (every controller of a cluster would say the same)
fake_start A --epoch E1 --revision 14
na=$(nreq A)
fake_call B status '{"status": 404}' || fail "cannot make B answer 404"
check_wait "B answers 404: state unreachable" -t 5 ctl_is state unreachable
sleep 3
check_eq "still following B" "$URL_B" "$(ctl url)"
check_eq "A got nothing" "$na" "$(nreq A)"
check_eq "no switch logged for the 404" 0 \
	"$(grep -c "controller $URL_B lost (HTTP 404" "${AGENT_LOG[a]}")"
fake_call B status '{"status": 0}' || fail "cannot make B answer again"
check_wait "B answers again: connected" -t 10 ctl_is state connected
check_eq "no reset through it all" 1 "$(ctl resets)"
check "agent still running" agent_alive a

finish
