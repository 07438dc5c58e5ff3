#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# tests/api/ctl-fake.sh: hnvctl --controller end to end against a fake
# hnv-controller (tests/api/fake-controller.py: the REST API of
# doc/controller.md in memory, on loopback; no root).
#
#   hnvctl --controller http://127.0.0.1:PORT ----HTTP----> fake-controller.py
#          (--token-file, --host)                           (pages of 2 items,
#                                                            request log)
#
# Checks add/get/set/remove, pages (the fake answers with "next"), batch,
# hosts, status, the controller's errors (400, 401 without and with a
# wrong token, 404, 500 JSON, 502 HTML), a refused connection, warnings,
# host scoping (--host, HNV_HOST, -ComputerName), and the book's
# host1.ps1 run by hnvctl ps.  Closes with "N passed, N failed".

set -u
export LC_ALL=C
TOP=$(cd "$(dirname "$0")/../.." && pwd)
HNVCTL=${HNVCTL:-$TOP/build/bin/hnvctl}
PY=/usr/bin/python3
TMPD=$(mktemp -d "/tmp/hnv-ctl-fake.XXXXXX")
PASS=0
FAIL=0
FAKE_PID=

cleanup() {
	if [[ -n $FAKE_PID ]]; then
		kill "$FAKE_PID" 2>/dev/null
		wait "$FAKE_PID" 2>/dev/null
	fi
	[[ ${KEEP_TMP:-0} == 1 ]] || rm -rf "$TMPD"
	echo "$PASS passed, $FAIL failed"
	((FAIL == 0))
	exit
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() {
	PASS=$((PASS + 1))
	printf 'ok   %s\n' "$*"
}

fail() {
	FAIL=$((FAIL + 1))
	printf 'FAIL %s\n' "$*"
}

# run CMD...: runs it, keeping stdout in $OUT, stderr in $ERR, status in $RC.
run() {
	"$@" >"$TMPD/out" 2>"$TMPD/err"
	RC=$?
	OUT=$(cat "$TMPD/out")
	ERR=$(cat "$TMPD/err")
}

# expect NAME RC [PATTERN_OUT [PATTERN_ERR]]: the last run's status, and
# grep -E patterns its stdout and stderr must match.
expect() {
	local name=$1 rc=$2 pout=${3:-} perr=${4:-}
	if [[ $RC != "$rc" ]]; then
		fail "$name: exit status $RC, expected $rc"
	elif [[ -n $pout ]] && ! grep -Eq -- "$pout" <<<"$OUT"; then
		fail "$name: stdout does not match /$pout/"
	elif [[ -n $perr ]] && ! grep -Eq -- "$perr" <<<"$ERR"; then
		fail "$name: stderr does not match /$perr/"
	else
		ok "$name"
		return 0
	fi
	sed 's/^/    out: /' <<<"$OUT"
	sed 's/^/    err: /' <<<"$ERR"
	return 1
}

# logged PATTERN: the fake's request log has a line matching PATTERN.
logged() {
	grep -Eq -- "$1" "$TMPD/log"
}

wait_for() {
	local i
	for ((i = 0; i < 100; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

echo "s3cret-token" >"$TMPD/token"
echo "wrong" >"$TMPD/badtoken"
"$PY" "$TOP/tests/api/fake-controller.py" --port-file "$TMPD/port" \
	--token-file "$TMPD/token" --page-size 2 --log "$TMPD/log" \
	2>"$TMPD/fake.err" &
FAKE_PID=$!
if ! wait_for test -s "$TMPD/port"; then
	fail "the fake controller did not start: $(cat "$TMPD/fake.err")"
	exit 1
fi
URL=http://127.0.0.1:$(cat "$TMPD/port")
C=("$HNVCTL" --controller "$URL" --token-file "$TMPD/token")

# ---- hosts and status
run "${C[@]}" host add Host1
expect "host add" 0
run "${C[@]}" host add Host2
run "${C[@]}" host list
expect "host list: a table" 0 '^NAME +CONNECTED +CURRENT +REVISION$' &&
	expect "host list: both hosts" 0 '^Host2 +no +no +0$'
run "${C[@]}" --json host list
expect "host list --json: the controller's objects" 0 '"connected": false'
run "${C[@]}" status
expect "status: the controller's health and hosts" 0 \
	"^controller: +$URL" && expect "status: hosts" 0 '^hosts:$' &&
	expect "status: a host row" 0 'Host1'
run "${C[@]}" host
expect "host without a verb: usage" 64 '' 'usage: hnvctl --controller URL'
run "$HNVCTL" --agent "$TMPD/none.sock" host list
expect "host list without a controller" 64 '' \
	'host list needs a controller: give --controller URL'

# ---- lookup records: add, get (pages), set, remove
run "${C[@]}" lr add ca 10.0.7.101 vsid 7000 mac 700070000101 pa 192.168.0.22
expect "lookup-record add" 0 && logged '"POST", "path": "/v1/lookup-records", "body": \{"customerAddress": "10.0.7.101", "virtualSubnetId": 7000' &&
	ok "add: POST with the API's names"
for i in 2 3 4 5; do
	"${C[@]}" lr add ca 10.0.7.10$i vsid 7000 mac 60-00-60-00-01-0$i \
		pa 192.168.0.22 2>/dev/null
done
run "${C[@]}" lr get
expect "get: a table" 0 '^CA +VSID +MAC +PA +RULE +TYPE$'
[[ $(grep -c '^10\.0\.7\.10' <<<"$OUT") == 5 ]] &&
	ok "get: all 5 records over 3 pages" || fail "get: $(grep -c '^10' <<<"$OUT") records"
logged '"GET", "path": "/v1/lookup-records\?limit=2&after=[0-9]+"' &&
	ok "get: followed next" || fail "get: no page request in the log"
run "${C[@]}" --json lr get vsid 7000 ca 10.0.7.103
expect "get --json: short keys, no id or revision" 0 '"ca": "10.0.7.103"' &&
	if grep -Eq '"id"|"revision"|customerAddress' <<<"$OUT"; then
		fail "get --json: API fields leaked: $OUT"
	else ok "get --json: only the agent's keys"; fi
logged 'lookup-records\?virtualSubnetId=7000&customerAddress=10.0.7.103' &&
	ok "get: the filter as query parameters" || fail "get: filter not in the query"
run "${C[@]}" lr set ca 10.0.7.101 vsid 7000 pa 192.168.0.33
expect "set" 0 '' 'warning: .*192.168.0.33|^$'
logged '"PATCH", "path": "/v1/lookup-records/[0-9]+", "body": \{"customerAddress": "10.0.7.101", "virtualSubnetId": 7000, "providerAddress": "192.168.0.33"\}' &&
	ok "set: PATCH of the object found" || fail "set: no PATCH in the log"
run "${C[@]}" lr get ca 10.0.7.101 vsid 7000
expect "set: the new PA is stored" 0 '192\.168\.0\.33'
run "${C[@]}" lr set ca 10.0.7.199 vsid 7000 pa 192.168.0.33
expect "set of nothing: the agent's error" 1 '' \
	'^hnvctl: lookup record: no such object$'
run "${C[@]}" lr remove vsid 7000 ca 10.0.7.105
expect "remove" 0
run "${C[@]}" --json lr remove vsid 7000 ca 10.0.7.104
expect "remove --json: the count" 0 '"removed": 1'
run "${C[@]}" lr remove vsid 7000 ca 10.0.7.105
expect "remove of nothing: the agent's error" 1 '' \
	'^hnvctl: no lookup record matches \{"vsid":7000,"ca":"10.0.7.105"\}$'

# ---- the controller's errors
run "${C[@]}" lr add ca 10.0.7.9 vsid 70 mac 700070000109 pa 192.168.0.22
expect "400: the controller's message" 1 '' \
	"^hnvctl: lookup record: field 'virtualSubnetId': 70 is outside 4096..16777214$"
run "${C[@]}" lr add ca 10.0.7.102 vsid 7000 mac 700070000199 pa 192.168.0.22
expect "409: the controller's message" 1 '' '^hnvctl: lookup record: already exists'
run "$HNVCTL" --controller "$URL" lr get
expect "401 without a token: how to give one" 1 '' \
	'wants a token .*--token-file PATH \(or set HNV_TOKEN_FILE\)'
run "$HNVCTL" --controller "$URL" --token-file "$TMPD/badtoken" lr get
expect "401 with a wrong token" 1 '' 'refused the token'
run "$HNVCTL" --controller "$URL" --token-file "$TMPD/nosuch" lr get
expect "an unreadable token file" 1 '' "token-file .*nosuch: No such file"
run "${C[@]}" --host crash pa get
expect "500: the controller failed" 1 '' \
	'^hnvctl: the controller failed \(HTTP 500\): database is locked'
run "${C[@]}" --host proxy switch get
expect "502 with an HTML body: status and body" 1 '' \
	'HTTP 502: <html><body>502 Bad Gateway</body></html>'
run "${C[@]}" --host Nowhere switch get
expect "404: no such host" 1 '' "no host named 'Nowhere'"
CLOSED=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run "$HNVCTL" --controller "http://127.0.0.1:$CLOSED" lr get
expect "connection refused: which URL and why, exit 2" 2 '' \
	"^hnvctl: cannot reach the controller: GET http://127.0.0.1:$CLOSED/v1/lookup-records: .*(onnect|refused)"
run "$HNVCTL" --controller "127.0.0.1:$CLOSED" lr get
expect "a URL without a scheme: usage" 64 '' 'expected http://HOST:PORT'

# ---- host scoping, agent-only requests, warnings
run "${C[@]}" pa add pa 192.168.0.22 prefix-len 24
expect "a host's object without --host" 1 '' \
	'^hnvctl: provider-address: this object belongs to a host: give --host NAME \(or -ComputerName in hnvctl ps\)$'
run "${C[@]}" --host Host1 pa add pa 192.168.0.22 prefix-len 24 ifindex 0 mac 334455667788
expect "pa add --host" 0 && logged '"POST", "path": "/v1/hosts/Host1/provider-addresses"' &&
	ok "pa add: the host's collection"
run env HNV_CONTROLLER="$URL" HNV_TOKEN_FILE="$TMPD/token" HNV_HOST=Host1 "$HNVCTL" pa get
expect "HNV_CONTROLLER, HNV_TOKEN_FILE, HNV_HOST" 0 '^192\.168\.0\.22 +24 +0 +33:44:55:66:77:88 +0$'
run "${C[@]}" lr add ca 10.0.7.120 vsid 7000 mac 700070000120 pa 192.168.0.99
expect "a write's warnings" 0 '' '^warning: lookup record 10.0.7.120: PA 192.168.0.99 is not a provider address'
run "${C[@]}" stats
expect "stats: needs an agent" 1 '' \
	'^hnvctl: stats: needs an agent \(--agent PATH\): the controller does not'
run "${C[@]}" --agent "$TMPD/none.sock" stats
expect "stats with --agent: goes to the agent" 2 '' \
	"cannot connect to agent at $TMPD/none.sock"
run "${C[@]}" --host Host1 vm add vm Web1
expect "vm add" 0
run "${C[@]}" --host Host1 vm get
expect "vm get" 0 '^Web1$|^VM' && logged '"POST", "path": "/v1/hosts/Host1/vms", "body": \{"vmName": "Web1"\}' &&
	ok "vm add: the host's vms"
run "${C[@]}" --host Host1 vm remove vm Web1
expect "vm remove" 0

# ---- batch
cat >"$TMPD/batch.json" <<'EOF'
{"cmd": "lookup-record.add", "args": {"ca": "10.0.7.130", "vsid": 7000, "mac": "700070000130", "pa": "192.168.0.22"}}
{"cmd": "lookup-record.set", "args": {"ca": "10.0.7.102", "vsid": 7000, "pa": "192.168.0.33"}}
{"cmd": "lookup-record.remove", "args": {"ca": "10.0.7.103", "vsid": 7000}}
EOF
run "${C[@]}" --json batch "$TMPD/batch.json"
expect "batch: the counts" 0 '"added": 1' && expect "batch: set" 0 '"set": 1' &&
	expect "batch: removed" 0 '"removed": 1'
logged '"POST", "path": "/v1/batch", "body": \{"ops": \[\{"method": "POST", "path": "/v1/lookup-records".*\{"method": "PATCH", "path": "/v1/lookup-records/[0-9]+".*\{"method": "DELETE", "path": "/v1/lookup-records\?customerAddress=10.0.7.103&virtualSubnetId=7000"\}' &&
	ok "batch: one POST /v1/batch with the ops converted" || fail "batch: not in the log"
echo '{"cmd": "lookup-record.set", "args": {"ca": "10.0.7.222", "vsid": 7000, "pa": "192.168.0.33"}}' >"$TMPD/bad.json"
run "${C[@]}" batch "$TMPD/bad.json"
expect "batch: an op's error names it" 1 '' \
	'^hnvctl: ops\[0\] \(lookup-record.set\): lookup record: no such object$'

# ---- hnvctl ps: the book's host1.ps1, -ComputerName
run "${C[@]}" --host Host1 ps "$TOP/lab/topologies/book/host1.ps1"
expect "ps host1.ps1 with --host" 0
run "${C[@]}" --host Host1 ps - <<'EOF'
Get-VMNetworkAdapter -VMName Contoso* | Format-Table VMName, VirtualSubnetId, MacAddress
Get-NetVirtualizationProviderAddress | Format-List ProviderAddress, InterfaceIndex
(Get-NetAdapter Ethernet).InterfaceIndex
EOF
expect "ps: the adapters host1.ps1 made, in their VSID" 0 \
	'^Contoso2 +6000 +600060000102$' &&
	expect "ps: the PA on the uplink (interface index 0)" 0 '^InterfaceIndex +: 0$'
run "${C[@]}" --host Host1 ps - <<'EOF'
New-VMSwitch "HNVSwitch" -NetAdapterName "Ethernet" -ComputerName Host2
Get-VMSwitch -CimSession Host2 | Format-List Name
Get-VMSwitch -ComputerName localhost | Format-List Name
EOF
expect "ps -ComputerName: the named host" 0 '^Name : HNVSwitch$' &&
	logged '"POST", "path": "/v1/hosts/Host2/switches"' &&
	logged '"GET", "path": "/v1/hosts/Host2/switches"' &&
	ok "ps -ComputerName and -CimSession reach Host2"
run "${C[@]}" ps - <<'EOF'
Get-VMSwitch
EOF
expect "ps: a host's object without --host" 1 '' \
	'Get-VMSwitch: switch: this object belongs to a host: give --host NAME'

# ---- removing a host
run "${C[@]}" host remove Host2
expect "host remove" 0
run "${C[@]}" host list
if grep -q Host2 <<<"$OUT"; then fail "host remove: Host2 still listed"; else ok "host remove: gone"; fi
run "${C[@]}" host remove Host2
expect "host remove of an unknown host" 1 '' "no host named 'Host2'"
