#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# gw-failover.sh: hnv-gateway --controller A,B: two controllers of one
# cluster (the same revisions), played by two fake-controller.py logging
# every request (doc/gateway.md, "The daemon"; doc/controller.md, "Agent
# sync": the failover rule).  The gateway long-polls A's
# /v1/gateways/gw1/config and sends A its heartbeats; A is killed and a
# configuration appears only on B: the gateway asks B with after= the
# revision it has (not 0), applies it within a few seconds, sends B the
# heartbeats, logs the switch once and says it follows B; B answers 503:
# back to A (restarted) the same way.  The configurations have no
# compartment: what is tested is whom the daemon talks to and from where.
#
#   namespace ${P}g
#   +-----------------------------------------------------------+
#   | fake A 127.0.0.1:8471  <-- HTTP --+                        |
#   | fake B 127.0.0.1:8472  <-- HTTP --+-- hnv-gateway           |
#   |                                      --controller A,B       |
#   +-----------------------------------------------------------+

TEST_TAG=gf
. "$(dirname "$0")/lib.sh"

GW=${HNV_GATEWAY_BIN:-$HNV_TOP/build/bin/hnv-gateway}
require_root
[ -x "$GW" ] || die "$GW missing: run 'make all' first"
require_tools jq curl

FAKE="$(dirname "$0")/fake-controller.py"
NS="${P}g"
declare -A FPORT=([A]=8471 [B]=8472) FPID FLOG
URL_A="http://127.0.0.1:${FPORT[A]}"
URL_B="http://127.0.0.1:${FPORT[B]}"
TOKEN=t0k-$RANDOM$RANDOM
FLOG[A]=$TMPD/fake-A.log
FLOG[B]=$TMPD/fake-B.log
SD=$TMPD/gw
GWLOG=$TMPD/gw.log

ns_add "$NS"
echo "$TOKEN" >"$TMPD/token"

fake_start() { # A|B [ARGS]
	local f=$1
	shift
	ip netns exec "$NS" "$PY" "$FAKE" --port "${FPORT[$f]}" \
		--log "${FLOG[$f]}" --token "$TOKEN" "$@" >>"$TMPD/fake-$f.out" 2>&1 &
	FPID[$f]=$!
	BG_PIDS+=("$!")
	wait_for fake_call "$f" status '{"status": 0}' ||
		die "the fake controller $f did not start"
}

fake_call() { # A|B WHAT JSON
	ip netns exec "$NS" curl -sf -XPOST --data-binary "$3" \
		"http://127.0.0.1:${FPORT[$1]}/test/$2" >/dev/null
}

# gwpush A|B REVISION: queues a configuration of that revision.
gwpush() {
	fake_call "$1" gwpush '{"revision": '"$2"', "gateway": {"resourceId": "gw1",
		"externalPrefix": "203.0.113.0/24"}, "compartments": []}' ||
		fail "cannot queue a configuration at fake $1"
}

nreq() {
	[ -f "${FLOG[$1]}" ] || { echo 0; return; }
	wc -l <"${FLOG[$1]}"
}

# since A|B N: the requests after the first N, "METHOD PATH after".
since() {
	tail -n +"$(($2 + 1))" "${FLOG[$1]}" |
		jq -r '"\(.method) \(.path) \(.query.after // "-")"'
}

gst() {
	"$GW" status --state-dir "$SD" --json 2>/dev/null | jq -r "$1"
}

gst_is() {
	[ "$(gst "$1")" = "$2" ]
}

# check_resumed A|B N REV: since the first N requests, the first config
# poll asks after=REV, none asks after=0, and heartbeats arrive.
check_resumed() {
	local reqs
	reqs=$(since "$1" "$2")
	check_eq "$1: the first config poll resumes: after=$3" \
		"GET /v1/gateways/gw1/config $3" "$(grep -m1 '^GET ' <<<"$reqs")"
	check_eq "$1: no after=0 since the switch" "" \
		"$(awk '$1 == "GET" && $3 == "0"' <<<"$reqs")"
	check_wait "$1: the heartbeats go there" bash -c \
		"tail -n +$(($2 + 1)) '${FLOG[$1]}' | jq -r '\"\(.method) \(.path)\"' |
		grep -qx 'PUT /v1/gateways/gw1/heartbeat'"
}

# --- 1. following A ------------------------------------------------------
fake_start A --revision 5
fake_start B --revision 5
ip netns exec "$NS" "$GW" -d --controller "$URL_A,$URL_B" --gateway gw1 \
	--token-file "$TMPD/token" --state-dir "$SD" -v >>"$GWLOG" 2>&1 </dev/null &
GW_PID=$!
BG_PIDS+=("$GW_PID")
check_wait "connected, configuration of revision 5 applied" \
	bash -c "[ \"\$('$GW' status --state-dir '$SD' --json | jq -r '\"\(.controller) \(.revision)\"')\" = 'connected 5' ]"
check_eq "status: controllerUrl is A" "$URL_A" "$(gst .controllerUrl)"
check "status (text) shows it" bash -c \
	"'$GW' status --state-dir '$SD' | grep -q 'controller connected at $URL_A '"
gwpush A 6
check_wait "A's configuration of revision 6 applied" gst_is .revision 6
check_wait "then it polls A after=6" bash -c \
	"jq -r 'select(.method == \"GET\") | .query.after' '${FLOG[A]}' | grep -qx 6"
check_wait "heartbeats to A" jq -s -e \
	'any(.[]; .method == "PUT" and .path == "/v1/gateways/gw1/heartbeat")' "${FLOG[A]}"
check_eq "B got nothing while A answers" 0 "$(nreq B)"

# --- 2. A dies; a configuration appears only on B ------------------------
nb=$(nreq B)
gwpush B 7
t0=$(now_ms)
stop_pid "${FPID[A]}"
check "A is gone" pid_gone "${FPID[A]}"
check_wait "B's configuration applied within 5 s: revision 7" -t 5 gst_is .revision 7
info "applied $(($(now_ms) - t0)) ms after A was killed"
check_resumed B "$nb" 6
check_eq "status: controllerUrl is B" "$URL_B" "$(gst .controllerUrl)"
check_wait "status: connected" gst_is .controller connected
check "the switch logged: controller A lost (why); following B" \
	grep -q "controller $URL_A \(lost\|unreachable\) (.*); following $URL_B\$" "$GWLOG"
check_eq "logged once (by one of the two threads)" 1 \
	"$(grep -c "controller $URL_A .*; following" "$GWLOG")"

# --- 3. B answers 503: back to A (restarted) -----------------------------
fake_start A --revision 7
na=$(nreq A)
gwpush A 8
fake_call B status '{"status": 503}' || fail "cannot make B answer 503"
check_wait "A's configuration applied after B's 503: revision 8" -t 5 gst_is .revision 8
check_resumed A "$na" 7
check_eq "status: controllerUrl is A again" "$URL_A" "$(gst .controllerUrl)"
check "the switch logged with the 503" \
	grep -q "controller $URL_B lost (.*HTTP 503.*); following $URL_A\$" "$GWLOG"
check "gateway still running" pid_alive "$GW_PID"

finish
