#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# tests/netns/lab-etcd.sh: the control plane on a cluster (issue 9), for
# real: the book's datacenter (lab/topologies/book.topo) built by
# `hnv-lab up book --etcd`, three etcd members and two hnv-controllers
# sharing them, every agent given both controllers' URLs; then the
# faults that a cluster is for:
#  a. up: `check` passes, every agent is current and lists both
#     controllers, both controllers serve the same revision and epoch,
#     `etcd status` shows one leader and three healthy members;
#  b. the etcd leader SIGKILLed in the middle of a stream of API writes (a
#     writer sends lookup-record creations one at a time, alternating
#     between the two controllers, and records which were acknowledged
#     and when): the writes resume (the longest gap between acknowledged
#     writes is printed as a metric and must be under 15 s), every
#     acknowledged write is then on both controllers (and, after c, on
#     the killed controller started again: it loads from etcd); the
#     killed member, started again, rejoins with every key;
#  c. the controller that Host1's agent follows SIGKILLed while Contoso1
#     (Host1) pings Contoso3 (Host2) every 10 ms: the agents that followed
#     it move to the other (their status' controller.url), none resyncs
#     (controller.resets unchanged), those on the other one stay, the
#     pings go on (the longest gap between replies is printed and must be
#     under 1 s), and a new lookup record written through the survivor
#     (`hnv-lab cctl`, which takes the first controller that answers)
#     reaches every agent; the dead controller started again has every
#     acknowledged write, the other's revision and epoch;
#  d. `down` leaves no etcd, controller or agent process, no namespace,
#     no run directory and no etcd port claim; on any failure the trap
#     takes the lab down too.
# Skipped without etcd (apt-get install etcd-server etcd-client).
#
#     Contoso1 Contoso2      Contoso3            MT-GW         ContosoPhys
#          \    /               |                 |   \____ ext ___/
#        +--------+        +--------+        +--------+
#        | Host1  |        | Host2  |        | GWHost |
#        +--------+        +--------+        +--------+
#       phys |  | mgmt    phys |  | mgmt    phys |  | mgmt
#   =========+==|==============+==|==============+  |
#               |                 |                 |
#   ============+=== mgmt (switch namespace) =======+===========
#        controller 1 172.31.255.1:8470   controller 2 .2:8470
#                 \                         /
#            etcd m1 127.0.0.1   m2 127.0.0.2   m3 127.0.0.3
#                (all in te<pid>-switch, data in the run dir)
# shellcheck disable=SC2034	# read by lab-lib.sh
LAB_TAG=te
. "$(dirname "$0")/lab-lib.sh"
. "$TOP/tests/etcd-lib.sh"

RUN=/run/hnv-lab/$NAME
CTL=$TOP/build/bin/hnvctl
SW=/run/netns/$NAME-switch
TMPD=$(mktemp -d /tmp/lab-etcd.XXXXXX)
BG=()

# The background writer and pinger go first, then lab-lib's finish
# (`hnv-lab down`, the closing line).
eval "lib_$(declare -f finish)"
finish() {
	local p
	for p in "${BG[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$TMPD"
	lib_finish
}

if ! etcd_available; then
	echo "skip: $ETCDLIB_ETCD, $ETCDLIB_ETCDCTL or setpriv missing" \
	    "(apt-get install etcd-server etcd-client)"
	trap - EXIT
	rm -rf "$TMPD"
	echo "0 passed, 0 failed"
	exit 0
fi
lab_require
[[ -x $TOP/build/bin/hnv-controller ]] || {
	fail "$TOP/build/bin/hnv-controller is missing (make all)"
	exit 1
}
for t in jq curl; do
	command -v "$t" >/dev/null || {
		fail "$t is missing (scripts/deps)"
		exit 1
	}
done

HOSTS=(host1 host2 gwhost)

# wait_for SECS CMD...: until CMD succeeds (polls every 0.1 s).
wait_for() {
	local n=$(($1 * 10))
	shift
	while ((n-- > 0)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	"$@" >/dev/null 2>&1
}

agent_field() {
	"$CTL" --agent "$RUN/$1.sock" --json status | jq -r "$2"
}
now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}
token() { cat "$RUN/controller.token"; }
# curl_sw ARGS...: curl in the switch namespace, where the controllers are.
curl_sw() { nsenter --net="$SW" curl "$@"; }
health() { curl_sw -sf --max-time 2 "$1/v1/health"; }
# records_at URL: the customer addresses of VSID 7000's records there.
records_at() {
	curl_sw -sf --max-time 10 -H "Authorization: Bearer $(token)" \
	    "$1/v1/lookup-records?virtualSubnetId=7000&limit=10000" |
	    jq -r '.items[].customerAddress' | sort
}
# same_revision: both controllers at one revision, with one epoch.
same_revision() {
	local a b
	a=$(health "$C1" | jq -c '[.revision, .epoch]') || return 1
	b=$(health "$C2" | jq -c '[.revision, .epoch]') || return 1
	[[ $a == "$b" ]]
}

# ---------------------------------------------------------------------
# a. Up.

step "up book --etcd (3 members, 2 controllers)" \
    lab up "$TOP/lab/topologies/book.topo" --etcd || exit 1
mapfile -t CURLS <"$RUN/controller.urls"
C1=${CURLS[0]} C2=${CURLS[1]:-}
if ((${#CURLS[@]} == 2)); then
	ok "two controllers: $C1 $C2"
else
	fail "controllers: ${CURLS[*]}"
	exit 1
fi
step "check" lab check
step "synced: every agent is current" lab synced
for h in "${HOSTS[@]}"; do
	urls=$(agent_field "$h" '.controller.urls | sort | join(" ")')
	state=$(agent_field "$h" .controller.state)
	if [[ $urls == "$(printf '%s\n' "$C1" "$C2" | sort | xargs)" &&
	    $state == connected ]]; then
		ok "$h: connected, follows $(agent_field "$h" .controller.url) of both"
	else
		fail "$h: state $state, urls '$urls'"
	fi
done
if wait_for 5 same_revision; then
	ok "both controllers at revision $(health "$C1" | jq .revision), one epoch"
else
	fail "controllers: $(health "$C1") $(health "$C2")"
fi
out=$(lab etcd status 2>&1)
if [[ $(grep -c ', leader (term' <<<"$out") == 1 &&
    $(grep -c ', healthy$' <<<"$out") == 3 ]]; then
	ok "etcd status: one leader, three healthy members"
else
	fail "etcd status:"
	sed 's/^/    /' <<<"$out"
fi
out=$(lab status 2>&1)
if [[ $(grep -c '^(controller[12]) .*revision' <<<"$out") == 2 &&
    $(grep -c '^(etcd m[123]) .*healthy' <<<"$out") == 3 ]]; then
	ok "status shows the two controllers and the three members"
else
	fail "status:"
	sed 's/^/    /' <<<"$out"
fi

# ---------------------------------------------------------------------
# b. The etcd leader dies during a stream of writes.

# writer OUT STOP: creates lookup records in VSID 7000 (which no host
# has: only the controllers hold them), one at a time, alternating
# between the controllers, until the file STOP exists; a line per
# write: "I CA URL HTTP-CODE SENT-MS ANSWERED-MS".
writer() {
	local out=$1 stop=$2 i=0 ca mac url code t0 t1 tok
	tok=$(token)
	while [[ ! -e $stop ]] && ((i < 5000)); do
		i=$((i + 1))
		ca=10.70.$((i / 250)).$((i % 250 + 1))
		mac=$(printf '02:70:00:00:%02x:%02x' $((i / 256)) $((i % 256)))
		url=${CURLS[i % 2]}
		t0=$(now_ms)
		code=$(curl_sw -s -o /dev/null -w '%{http_code}' --max-time 30 \
		    -H "Authorization: Bearer $tok" \
		    -H 'Content-Type: application/json' \
		    -d "{\"customerAddress\": \"$ca\", \"virtualSubnetId\": 7000, \"macAddress\": \"$mac\", \"providerAddress\": \"192.168.0.22\", \"rule\": \"encap\", \"type\": \"static\"}" \
		    "$url/v1/lookup-records") || code=${code:-000}
		t1=$(now_ms)
		echo "$i $ca $url $code $t0 $t1" >>"$out"
	done
}
# acked_after MS: the writes acknowledged (2xx) after MS.
acked_after() {
	awk -v t="$1" '$4 ~ /^2/ && $6 > t { n++ } END { print n + 0 }' \
	    "$TMPD/writes"
}
# acked_at_least MS N: N writes or more acknowledged after MS.
acked_at_least() {
	(($(acked_after "$1") >= $2))
}

: >"$TMPD/writes"
writer "$TMPD/writes" "$TMPD/stop" &
BG+=($!)
if wait_for 30 acked_at_least 0 20; then
	ok "the writer: $(acked_after 0) writes acknowledged before the kill"
else
	fail "the writer: $(acked_after 0) writes acknowledged in 30 s"
fi
t_kill=$(now_ms)
out=$(lab etcd kill-leader 2>&1)
killed=$(sed -n 's/^killed the etcd leader \(m[0-9]*\) .*/\1/p' <<<"$out")
if [[ -n $killed ]]; then
	ok "etcd kill-leader: $(echo "$out" | xargs)"
else
	fail "etcd kill-leader: $out"
fi
if wait_for 30 acked_at_least "$t_kill" 30; then
	ok "writes go on after the kill ($(acked_after "$t_kill") acknowledged)"
else
	fail "only $(acked_after "$t_kill") writes acknowledged in 30 s after the kill"
fi
touch "$TMPD/stop"
wait "${BG[-1]}"
unset 'BG[-1]'

# The longest time without an acknowledgement, the kill's included.
gap=$(sort -n -k6 "$TMPD/writes" | awk '$4 ~ /^2/ {
    if (prev && $6 - prev > gap) gap = $6 - prev; prev = $6 }
    END { print gap + 0 }')
resume=$(awk -v t="$t_kill" '$4 ~ /^2/ && $6 > t { print $6 - t; exit }' \
    "$TMPD/writes")
total=$(wc -l <"$TMPD/writes")
nack=$(awk '$4 !~ /^2/' "$TMPD/writes" | wc -l)
echo "metric lab_etcd_leader_kill_write_gap_ms $gap"
echo "metric lab_etcd_leader_kill_first_ack_ms ${resume:-none}"
echo "metric lab_etcd_leader_kill_writes $total (not acknowledged: $nack)"
if ((gap < 15000)); then
	ok "the longest gap between acknowledged writes: $gap ms (< 15 s)"
else
	fail "the longest gap between acknowledged writes: $gap ms"
fi
if ((nack == 0)); then
	ok "every one of the $total writes was acknowledged (they waited for the new leader)"
else
	fail "$nack of $total writes not acknowledged:"
	awk '$4 !~ /^2/' "$TMPD/writes" | head -n 5 | sed 's/^/    /'
fi

awk '$4 ~ /^2/ { print $2 }' "$TMPD/writes" | sort >"$TMPD/acked"
awk '{ print $2 }' "$TMPD/writes" | sort >"$TMPD/sent"
# has_acked URL [WHO]: every acknowledged write is there, and nothing
# that was not sent.
has_acked() {
	local url=$1 who=${2:-$1} missing extra
	records_at "$url" >"$TMPD/there" || {
		fail "$who: cannot list the records"
		return 1
	}
	missing=$(comm -23 "$TMPD/acked" "$TMPD/there" | wc -l)
	extra=$(comm -13 "$TMPD/sent" "$TMPD/there" | wc -l)
	if ((missing == 0 && extra == 0)); then
		ok "$who: all $(wc -l <"$TMPD/acked") acknowledged writes are there"
	else
		fail "$who: $missing acknowledged writes missing, $extra records never sent: $(comm -23 "$TMPD/acked" "$TMPD/there" | head -n 5 | xargs)"
	fi
}
wait_for 10 same_revision || true
has_acked "$C1" "controller 1"
has_acked "$C2" "controller 2"
if same_revision; then
	ok "both controllers at revision $(health "$C1" | jq .revision) after the kill"
else
	fail "controllers differ: $(health "$C1") $(health "$C2")"
fi

if [[ -n $killed ]] &&
    step "etcd restart $killed (it rejoins)" lab etcd restart "$killed"; then
	# member_objects NAME: the object keys member NAME has itself (a
	# serializable read: its own copy).
	member_objects() {
		etcd_ctl -m "$1" "$RUN/etcd" --dial-timeout=1s \
		    --command-timeout=2s get --consistency=s --prefix \
		    /openhnv/o/ --keys-only 2>/dev/null | grep -c .
	}
	other=m1
	[[ $killed == m1 ]] && other=m2
	same_objects() {
		[[ $(member_objects "$killed") == "$(member_objects "$other")" ]]
	}
	if wait_for 10 same_objects; then
		ok "$killed has every object key again ($(member_objects "$killed"))"
	else
		fail "$killed has $(member_objects "$killed") object keys, $other $(member_objects "$other")"
	fi
	out=$(lab etcd status 2>&1)
	if [[ $(grep -c ', healthy$' <<<"$out") == 3 &&
	    $(grep -c ', leader (term' <<<"$out") == 1 ]]; then
		ok "etcd status: three healthy members, one leader"
	else
		fail "etcd status after the restart:"
		sed 's/^/    /' <<<"$out"
	fi
fi

# ---------------------------------------------------------------------
# c. A controller dies while a VM pings another across hosts.

step "synced before the controller's death" lab synced
victim_url=$(agent_field host1 .controller.url)
victim=1
[[ $victim_url == "$C2" ]] && victim=2
survivor=$C1
((victim == 1)) && survivor=$C2
declare -A URL0=() RESETS0=() SWITCHES0=()
for h in "${HOSTS[@]}"; do
	URL0[$h]=$(agent_field "$h" .controller.url)
	RESETS0[$h]=$(agent_field "$h" .controller.resets)
	SWITCHES0[$h]=$(agent_field "$h" .controller.switches)
done
echo "# before: $(for h in "${HOSTS[@]}"; do printf '%s on %s; ' "$h" "${URL0[$h]}"; done)"

ip netns exec "$NAME-contoso1" ping -D -n -i 0.01 -W 1 10.0.1.103 \
    >"$TMPD/ping" 2>&1 &
BG+=($!)
sleep 1
step "controller kill $victim (the one Host1 follows)" \
    lab controller kill "$victim"
moved_all() {
	local h
	for h in "${HOSTS[@]}"; do
		[[ $(agent_field "$h" .controller.url) == "$survivor" ]] ||
		    return 1
		[[ $(agent_field "$h" .controller.state) == connected ]] ||
		    return 1
	done
}
if wait_for 20 moved_all; then
	ok "every agent follows the survivor $survivor"
else
	fail "agents: $(for h in "${HOSTS[@]}"; do printf '%s %s %s; ' "$h" "$(agent_field "$h" .controller.url)" "$(agent_field "$h" .controller.state)"; done)"
fi
for h in "${HOSTS[@]}"; do
	sw=$(agent_field "$h" .controller.switches)
	resets=$(agent_field "$h" .controller.resets)
	if [[ ${URL0[$h]} == "$victim_url" ]]; then
		want="moved"
		[[ $sw -gt ${SWITCHES0[$h]} ]] || want="did not move"
	else
		want="stayed"
		[[ $sw == "${SWITCHES0[$h]}" ]] || want="switched ($sw)"
	fi
	if [[ $want == moved || $want == stayed ]] &&
	    [[ $resets == "${RESETS0[$h]}" ]]; then
		ok "$h: $want, no resync (resets $resets)"
	else
		fail "$h: $want; resets ${RESETS0[$h]} before, $resets after"
	fi
done

step "cctl (the survivor): a new lookup record" \
    lab cctl lookup-record add ca 10.0.1.79 vsid 6000 mac 600060000179 \
    pa 192.168.0.33
has_new() {
	[[ $("$CTL" --agent "$RUN/$1.sock" lookup-record get vsid 6000) == \
	    *10.0.1.79[!0-9]* ]]
}
for h in "${HOSTS[@]}"; do
	if wait_for 10 has_new "$h"; then
		ok "$h: its agent has the new record"
	else
		fail "$h: its agent lacks the new record"
	fi
done
step "synced with one controller dead" lab synced
sleep 1
kill -INT "${BG[-1]}"
wait "${BG[-1]}"
unset 'BG[-1]'
pgap=$(awk -F'[][]' '/bytes from/ { t = $2 + 0;
    if (prev && t - prev > gap) gap = t - prev; prev = t; n++ }
    END { if (!n) print "none"; else printf "%d\n", gap * 1000 }' \
    "$TMPD/ping")
sent=$(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' \
    "$TMPD/ping")
echo "metric lab_etcd_controller_kill_ping_gap_ms $pgap"
echo "metric lab_etcd_controller_kill_ping_sent_received $sent"
if [[ $pgap != none ]] && ((pgap < 1000)); then
	ok "Contoso1 -> Contoso3 never stopped: longest gap between replies $pgap ms (< 1 s; $sent sent/received)"
else
	fail "Contoso1 -> Contoso3: longest gap $pgap ms; $(tail -n 3 "$TMPD/ping" | xargs)"
fi
step "check with one controller dead" lab check

# The dead controller started again: it loads everything from etcd.
step_not "controller start $((3 - victim)) (running) is refused" \
    lab controller start $((3 - victim))
step "controller start (the one not running: $victim)" lab controller start
has_acked "${CURLS[victim - 1]}" "controller $victim, restarted"
if wait_for 10 same_revision; then
	ok "the restarted controller has the other's revision ($(health "$C1" | jq .revision)) and epoch"
else
	fail "after the restart: $(health "$C1") $(health "$C2")"
fi

# ---------------------------------------------------------------------
# d. Down: nothing left.

step "down" lab down
procs=$(pgrep -af -- "$RUN/" || true)
if [[ -z $procs ]]; then
	ok "no etcd, controller or agent process of the lab is left"
else
	fail "processes left: $procs"
fi
nss=$(lab_namespaces)
if [[ -z $nss ]]; then
	ok "no namespace of lab $NAME is left"
else
	fail "namespaces left: $nss"
fi
if [[ ! -e $RUN ]]; then
	ok "run dir removed"
else
	fail "$RUN is still there"
fi
if ! grep -qsF -- "$RUN/etcd" "${HNV_ETCD_PORTS_DIR:-/tmp/hnv-etcd-ports}"/[0-9]*; then
	ok "no etcd port claim left"
else
	fail "etcd port claims left: $(grep -lsF -- "$RUN/etcd" "${HNV_ETCD_PORTS_DIR:-/tmp/hnv-etcd-ports}"/[0-9]* | xargs)"
fi
