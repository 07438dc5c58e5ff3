#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# scale.sh: what a controller pushing many lookup records relies on.
#  1. a batch of N records (SCALE_N, 20000 by default) applies in one
#     request, is in the state database when the reply comes, and reads
#     back whole through paged gets (hnvctl follows the pages; a raw
#     client sees pages of 'limit' with a 'next' cursor);
#  2. a batch with a bad op is refused whole, naming the op's index, and
#     changes nothing; a mixed batch (set, remove, add) applies whole;
#  3. the records survive SIGKILL and a restart, identical;
#  4. a control client that sends many requests and never reads the
#     replies stalls only itself: the agent stops reading it (its memory
#     stays bounded), forwarding goes on, other clients are served;
#  5. a JSON state file of the previous version is imported at start
#     (kept as .v1.json) and the network comes back from it.
#
#                       segment: bridge br0 in ${P}sw
#        +---------------- s-a ------------- s-b ----------------+
#        |                                                       |
#  HostA eth0 PA 192.168.0.22                      HostB eth0 PA 192.168.0.33
#  hnv-agent (batches, slow client, restarts)      hnv-agent
#   VmA1 10.0.1.101 6000  <------ ping ------>       VmB1 10.0.1.201 6000
#   + N records in VSIDs 8000.. (no VMs behind them)

TEST_TAG=hs
. "$(dirname "$0")/lib.sh"

require_root
require_bins
require_tools jq sqlite3

N=${SCALE_N:-20000}
PER_VSID=200

topo_std 4 4
topo_up native || die "topology not up"
check_ping "VmA1 -> VmB1 before" VmA1 "$B1"

count() { hcj a length lookup-record get; }
db_count() { sqlite3 "${STATE[a]}" "select count(*) from lookup_record"; }

# gen_ops FIRST COUNT CMD: ops for records FIRST.., VSID 8000 + i/200.
gen_ops() {
	"$PY" - "$1" "$2" "$3" <<'EOF'
import json, sys
first, n, cmd = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
for i in range(first, first + n):
    v, k = 8000 + i // 200, i % 200
    args = {"ca": "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, (i & 255)),
            "vsid": v}
    if cmd != "lookup-record.remove":
        args["mac"] = "02:00:%02x:%02x:%02x:%02x" % (
            i >> 24 & 255, i >> 16 & 255, i >> 8 & 255, i & 255)
        args["pa"] = "192.168.0.33" if cmd.endswith("add") else "192.168.0.22"
    print(json.dumps({"cmd": cmd, "args": args}))
EOF
}

# ---------------------------------------------------------------- 1. batch
base=$(count)
gen_ops 0 "$N" lookup-record.add >"$TMPD/add.json"
check "[batch] $N adds in one request" hc a batch "$TMPD/add.json"
check_eq "[batch] every record is there (paged get)" $((base + N)) "$(count)"
check_eq "[batch] ... and in the state database at the reply" \
	$((base + N)) "$(db_count)"
check_eq "[batch] a VSID's records by filter" $PER_VSID \
	"$(hcj a length lookup-record get vsid 8003)"
check_eq "[batch] one record by (vsid, ca)" "02:00:00:00:02:9a" \
	"$(hcj a '.[0].mac' lookup-record get vsid 8003 ca 10.0.2.154)"

# The protocol: pages of 'limit', a cursor in 'next', no record twice.
"$PY" - "${SOCK[a]}" >"$TMPD/pages.out" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
f = s.makefile("rwb")
args, seen, pages, sizes = {"limit": 997}, set(), 0, set()
while True:
    f.write((json.dumps({"cmd": "lookup-record.get", "args": args}) + "\n").encode())
    f.flush()
    r = json.loads(f.readline())
    assert r["ok"], r
    pages += 1
    for o in r["result"]:
        seen.add((o["vsid"], o["ca"], o["mac"]))
    if "next" not in r:
        break
    sizes.add(len(r["result"]))
    args = dict(args, **r["next"])
print(pages, len(seen), " ".join(map(str, sorted(sizes))))
EOF
read -r pages distinct sizes <"$TMPD/pages.out"
check_eq "[pages] a raw client pages through every record once" \
	$((base + N)) "${distinct:-0}"
check_eq "[pages] full pages hold 'limit' records" 997 "${sizes:-none}"
check_gt "[pages] ... in many pages" "${pages:-0}" $(((base + N) / 997 - 1))
# raw HOST JSON: one request on the control socket, the reply line.
raw() {
	"$PY" - "${SOCK[$1]}" "$2" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
print(s.makefile("rb").readline().decode(), end="")
EOF
}
check_eq "[pages] a bad cursor is refused naming the field" 1 \
	"$(raw a '{"cmd":"lookup-record.get","args":{"after":"x/1"}}' |
		grep -c "field 'after'")"
check_eq "[pages] so is a bad limit" 1 \
	"$(raw a '{"cmd":"lookup-record.get","args":{"limit":0}}' |
		grep -c "field 'limit'")"

# ------------------------------------------------- 2. all or nothing
gen_ops "$N" 7 lookup-record.add >"$TMPD/bad.json"
gen_ops 5 1 lookup-record.add >>"$TMPD/bad.json" # ops[7]: exists already
gen_ops $((N + 7)) 5 lookup-record.add >>"$TMPD/bad.json"
hc a batch "$TMPD/bad.json" >"$TMPD/bad.out" 2>&1
rc=$?
check_gt "[atomic] a batch with a duplicate fails" "$rc" 0
check_eq "[atomic] the error names ops[7]" 1 \
	"$(grep -c 'ops\[7\] (lookup-record.add).*already exists' "$TMPD/bad.out")"
check_eq "[atomic] ... and nothing of it was applied" $((base + N)) \
	"$(count)"
check_eq "[atomic] ... nor saved" $((base + N)) "$(db_count)"
{
	gen_ops $((N + 20)) 2 lookup-record.add
	echo '{"cmd": "lookup-record.frob", "args": {}}'
} >"$TMPD/bad2.json"
check_eq "[atomic] an unknown op is refused naming its index and cmd" 1 \
	"$(hc a batch "$TMPD/bad2.json" 2>&1 |
		grep -c "ops\[2\]: field 'cmd': 'lookup-record.frob'")"
check_eq "[atomic] ... and the ops before it are undone" $((base + N)) \
	"$(count)"

{
	gen_ops 0 100 lookup-record.set
	gen_ops 100 100 lookup-record.remove
	gen_ops "$N" 300 lookup-record.add
} >"$TMPD/mixed.json"
check "[mixed] set 100, remove 100, add 300 in one batch" \
	hc a batch "$TMPD/mixed.json"
N2=$((base + N + 200))
check_eq "[mixed] count" "$N2" "$(count)"
check_eq "[mixed] a set record has its new PA" 192.168.0.22 \
	"$(hcj a '.[0].pa' lookup-record get vsid 8000 ca 10.0.0.5)"
check_eq "[mixed] a removed record is gone" 0 \
	"$(hcj a length lookup-record get vsid 8000 ca 10.0.0.150)"
check_eq "[mixed] the database agrees" "$N2" "$(db_count)"

# ---------------------------------------------------------- 3. restart
hc a --json lookup-record get | jq -S -c . >"$TMPD/before.json"
stop_agent a KILL
start_agent a || die "agent did not restart after SIGKILL"
hc a --json lookup-record get | jq -S -c . >"$TMPD/after.json"
check "[restart] after SIGKILL every record is back, identical" \
	cmp -s "$TMPD/before.json" "$TMPD/after.json"
check_ping "[restart] VmA1 -> VmB1" VmA1 "$B1" 15
check "[restart] hnv-agent -n reads the database" \
	ip netns exec "${HOST_NS[a]}" "$HNV_AGENT_BIN" --uplink eth0 \
	--state "${STATE[a]}" -n

# ------------------------------------------------------- 4. slow client
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/${AGENT_PID[a]}/status"; }
rss0=$(rss_kb)
# Sends policy.get requests as fast as the agent takes them, never reads;
# reports the bytes sent so far in a file.
"$PY" - "${SOCK[a]}" "$TMPD/slow.sent" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
req = b'{"cmd":"policy.get","args":{"limit":10000}}\n' * 64
sent = 0
while True:
    s.sendall(req)
    sent += len(req)
    with open(sys.argv[2], "w") as f:
        f.write("%d\n" % sent)
EOF
SLOW_PID=$!
BG_PIDS+=("$SLOW_PID")
sent_now() { cat "$TMPD/slow.sent" 2>/dev/null || echo 0; }
stalled() {
	local a b
	a=$(sent_now)
	sleep 0.5
	b=$(sent_now)
	[ "$a" -gt 0 ] && [ "$a" = "$b" ]
}
check_wait "[slow] the agent stops reading a client that does not read" \
	-t 30 stalled
check_gt "[slow] ... which had sent many requests" "$(sent_now)" 100000
ping_out=$(vx VmA1 ping -n -c 40 -i 0.05 -W 2 "$B1" 2>&1)
check_eq "[slow] forwarding goes on: 40 pings, none lost" 0 \
	"$(echo "$ping_out" | sed -n 's/.* \([0-9]*\)% packet loss.*/\1/p')"
check "[slow] another client is served" timeout 5 "$HNVCTL" \
	--agent "${SOCK[a]}" status
gen_ops $((N + 1000)) 1 lookup-record.add >"$TMPD/one.json"
check "[slow] ... and its changes too" timeout 5 "$HNVCTL" \
	--agent "${SOCK[a]}" batch "$TMPD/one.json"
check_gt "[slow] the agent's memory stays bounded (RSS grew < 100 MB)" \
	$((100000 - ($(rss_kb) - rss0))) 0
kill "$SLOW_PID" 2>/dev/null
wait "$SLOW_PID" 2>/dev/null
check_ping "[slow] after the client is gone, VmA1 -> VmB1" VmA1 "$B1"
check "[slow] the agent is alive" agent_ready a

# --------------------------------------------------- 5. JSON import
# The previous version's state file: the policy object, the VMs, a
# version; made from what the agent holds now.
hc a --json policy show |
	jq -c --argjson vms "$(hcj a '[.[].vm] | tojson' vm get)" \
		'. + {version: 1, vms: $vms}' >"$TMPD/v1.json"
hc a --json lookup-record get | jq -S -c . >"$TMPD/before.json"
stop_agent a TERM
rm -f "${STATE[a]}" "${STATE[a]}-wal" "${STATE[a]}-shm"
cp "$TMPD/v1.json" "${STATE[a]}"
check "[import] hnv-agent -n reads a JSON state file" \
	sh -c "ip netns exec '${HOST_NS[a]}' '$HNV_AGENT_BIN' --uplink eth0 \
	--state '${STATE[a]}' -n | grep -q 'JSON of an older version'"
start_agent a || die "agent did not start from a JSON state file"
hc a --json lookup-record get | jq -S -c . >"$TMPD/after.json"
check "[import] every record came back from the JSON file" \
	cmp -s "$TMPD/before.json" "$TMPD/after.json"
check "[import] the JSON is kept as .v1.json" \
	cmp -s "$TMPD/v1.json" "${STATE[a]}.v1.json"
check_eq "[import] the state is a database now" "$(count)" "$(db_count)"
check_ping "[import] VmA1 -> VmB1 from the imported policy" VmA1 "$B1" 15

finish
