#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# etcd-cluster.sh: tests/etcd-lib.sh, the harness that runs real etcd
# clusters for the controller's tests, benchmarks and the lab.
#  1. three members on loopback start and are healthy, on ports of their
#     own; the flags the controller needs are in force (a 2,000-operation
#     transaction, a 2 MiB value, the v3 JSON gateway);
#  2. the leader SIGKILLed: a new one within 5 s, a put through the
#     survivors succeeds, every key put before is still there;
#  3. the killed member restarted on its data dir rejoins and serves every
#     key, the one written while it was down included;
#  4. stopped: no member process, no directory, no port claim left;
#  5. (root) three members inside a network namespace, each on its own
#     address, started with both prefixes (`ip netns exec`, nsenter):
#     reachable there and not from the root namespace; a member killed and
#     restarted comes back in the namespace;
#  6. members die with the shell that started them (SIGKILLed, no trap),
#     unless started detached (for the lab): those another shell stops;
#     a start that fails says why (the members' log tails) and leaves
#     nothing behind after etcd_cleanup; a non-empty directory is refused.
# Skipped when etcd is not installed (apt-get install etcd-server
# etcd-client).  Never touches a system etcd.
#
#   loopback:  m1 127.0.0.1:P1  m2 127.0.0.1:P3  m3 127.0.0.1:P5  (peers P+1)
#   namespace ${P}etcd, lo:  m1 10.99.0.1   m2 10.99.0.2   m3 10.99.0.3

# shellcheck disable=SC2034	# read by lib.sh
TEST_TAG=ec
. "$(dirname "$0")/lib.sh"
. "$HNV_TOP/tests/etcd-lib.sh"

# The clusters go before lib.sh's cleanup deletes the namespaces.
eval "lib_$(declare -f cleanup)"
cleanup() {
	etcd_cleanup
	etcd_cleanup "$TMPD/etcd-detached"	# started by another shell
	lib_cleanup
}

if ! etcd_available; then
	echo "skip: $ETCDLIB_ETCD or $ETCDLIB_ETCDCTL missing" \
	    "(apt-get install etcd-server etcd-client)"
	finish
fi
require_tools jq curl base64

b64() { printf '%s' "$1" | base64 -w0; }

# gateway_get URL KEY [CURL-PREFIX...]: the value of KEY, through etcd's
# v3 JSON gateway (what the controller speaks).
gateway_get() {
	local url=$1 key=$2
	shift 2
	"$@" curl -sf --max-time 3 -X POST \
	    -d "{\"key\": \"$(b64 "$key")\"}" "$url/v3/kv/range" |
	    jq -er '.kvs[0].value' | base64 -d
}

# count_keys DIR NAME PREFIX: the keys under PREFIX that member NAME has
# itself (a serializable read: its own copy, not the leader's).
count_keys() {
	etcd_ctl -m "$2" "$1" get --consistency=s --prefix "$3" --keys-only |
	    grep -c .
}

value_on() {
	etcd_ctl -m "$2" "$1" get --consistency=s --print-value-only "$3"
}

# has_value DIR NAME KEY VALUE: member NAME has KEY = VALUE.
has_value() {
	[ "$(value_on "$1" "$2" "$3")" = "$4" ]
}

# no_process_in DIR: no process has DIR in its command line.
no_process_in() {
	! pgrep -f -- "$1/" >/dev/null
}

no_claim_of() {
	! grep -rqxF -- "$1" "$ETCDLIB_PORTS" 2>/dev/null
}

same_netns() {
	[ "$(readlink "/proc/$1/ns/net")" = "$2" ]
}

# ---------------------------------------------------------------------------
info "1. three members on loopback"
D=$TMPD/etcd3
t0=$(now_ms)
if etcd_cluster_start "$D" 3 2>"$TMPD/start.err"; then
	ok "3 members start and are healthy ($(($(now_ms) - t0)) ms)"
else
	fail "3 members start"
	show_tail "$TMPD/start.err" 30
	finish
fi
check_eq "members m1 m2 m3" "m1 m2 m3" "$(etcd_members "$D" | tr '\n' ' ' | sed 's/ $//')"
URLS=$(etcd_cluster_urls "$D")
info "client URLs $URLS"
IFS=, read -ra url_list <<<"$URLS"
check_eq "3 client URLs" 3 "${#url_list[@]}"
member_ports=$(for n in m1 m2 m3; do
	sed 's/.*://' "$D/$n/client" "$D/$n/peer"
done | sort -u)
check_eq "6 distinct ports, none of a system etcd's (2379, 2380)" 6 \
    "$(grep -cvxE '2379|2380' <<<"$member_ports")"
for n in m1 m2 m3; do
	pid=$(etcd_member_pid "$D" "$n")
	check "$n runs (pid $pid), logs in its directory" test -s "$D/$n/log"
	check "$n's data dir is its own" test -d "$D/$n/data/member"
	check_eq "$n's client URL is in the list" "${url_list[${n#m} - 1]}" \
	    "$(etcd_member_url "$D" "$n")"
done
check "$D/m1's command line has the controller's flags" \
    grep -qzxF -- 67108864 "/proc/$(etcd_member_pid "$D" m1)/cmdline"

for i in 0 1 2 3 4 5 6 7 8 9; do
	etcd_ctl "$D" put "k$i" "v$i" >/dev/null || fail "put k$i"
done
{
	echo
	for i in $(seq 2000); do echo "put t/$i $i"; done
	echo
	echo
} >"$TMPD/txn"
check "a transaction of 2,000 puts (--max-txn-ops)" \
    etcd_ctl "$D" txn <"$TMPD/txn"
# 3 MiB: over etcd's default limit (1.5 MiB) and over etcdctl's own (2
# MiB): through the gateway, as the controller writes.
printf '{"key": "%s", "value": "' "$(b64 big)" >"$TMPD/big.json"
head -c 3145728 /dev/zero | tr '\0' x | base64 -w0 >>"$TMPD/big.json"
echo '"}' >>"$TMPD/big.json"
check "a 3 MiB value through the gateway (--max-request-bytes)" \
    curl -sf --max-time 10 -X POST --data-binary "@$TMPD/big.json" \
    "${url_list[0]}/v3/kv/put"
check_eq "k3 through the v3 JSON gateway" v3 \
    "$(gateway_get "${url_list[1]}" k3)"

# ---------------------------------------------------------------------------
info "2. the leader killed"
if ! leader=$(etcd_wait_leader "$D" 5 2>"$TMPD/leader.err"); then
	fail "a leader"
	show_tail "$TMPD/leader.err"
	finish
fi
read -r lname lpid lurl <<<"$leader"
info "leader $leader"
check_eq "the leader's pid is its member's" "$(etcd_member_pid "$D" "$lname")" "$lpid"
check_eq "the leader's URL is its member's" "$(etcd_member_url "$D" "$lname")" "$lurl"
check "SIGKILL the leader $lname" etcd_member_kill "$D" "$lname"
check "$lname's process is gone" pid_gone "$lpid"
check_not "$lname has no pid any more" etcd_member_pid "$D" "$lname"
t0=$(now_ms)
if new=$(etcd_wait_leader "$D" 5 "$lname" 2>"$TMPD/leader.err"); then
	ok "a new leader ${new%% *} within 5 s ($(($(now_ms) - t0)) ms)"
else
	fail "a new leader within 5 s"
	show_tail "$TMPD/leader.err"
fi
survivors=()
for n in m1 m2 m3; do
	[ "$n" = "$lname" ] || survivors+=("$n")
done
check_eq "live URLs are the survivors'" \
    "$(etcd_member_url "$D" "${survivors[0]}"),$(etcd_member_url "$D" "${survivors[1]}")" \
    "$(etcd_live_urls "$D")"
check_eq "etcd_cluster_urls still lists all 3" "$URLS" "$(etcd_cluster_urls "$D")"
check "a put through the survivors" etcd_ctl "$D" put while-down yes
for n in "${survivors[@]}"; do
	check_eq "$n has the 10 keys k*" 10 "$(count_keys "$D" "$n" k)"
	check_eq "$n has the 2,000 keys t/*" 2000 "$(count_keys "$D" "$n" t/)"
	check_eq "$n has the 3 MiB value" 3145729 "$(value_on "$D" "$n" big | wc -c)"
	check_wait "$n has while-down" has_value "$D" "$n" while-down yes
done

# ---------------------------------------------------------------------------
info "3. $lname restarted"
if etcd_member_restart "$D" "$lname" 20 2>"$TMPD/restart.err"; then
	ok "$lname restarts on its data dir and is healthy"
else
	fail "$lname restarts"
	show_tail "$TMPD/restart.err" 20
fi
check "$lname rejoined: every member healthy" etcd_wait_healthy "$D" 10
check_wait "$lname has while-down, written while it was down" \
    has_value "$D" "$lname" while-down yes
check_eq "$lname has the 2,000 keys t/*" 2000 "$(count_keys "$D" "$lname" t/)"
check_eq "$lname has k9" v9 "$(value_on "$D" "$lname" k9)"
check_eq "$lname answers through the gateway" yes \
    "$(gateway_get "$(etcd_member_url "$D" "$lname")" while-down)"
check_eq "the cluster still has 3 members" 3 \
    "$(etcd_ctl "$D" member list | grep -c ', started, ')"
check "kill and restart a follower too (SIGTERM)" \
    etcd_member_kill "$D" "${survivors[0]}" TERM
check "... it restarts" etcd_member_restart "$D" "${survivors[0]}" 20

# ---------------------------------------------------------------------------
info "4. stop"
pids=$(for n in m1 m2 m3; do etcd_member_pid "$D" "$n"; done)
check "etcd_cluster_stop" etcd_cluster_stop "$D"
for pid in $pids; do
	check "member pid $pid is gone" pid_gone "$pid"
done
check "no process has $D in its command line" no_process_in "$D"
check_not "$D is removed" test -e "$D"
check "no port claim names $D" no_claim_of "$D"
check "etcd_cleanup after stop is harmless" etcd_cleanup "$D"

# ---------------------------------------------------------------------------
if [ "$(id -u)" = 0 ]; then
	info "5. three members in namespace ${P}etcd"
	NS=${P}etcd
	ns_add "$NS"
	for i in 1 2 3; do
		ip -n "$NS" addr add "10.99.0.$i/32" dev lo
	done
	NSID=$(ip netns exec "$NS" readlink /proc/self/ns/net)
	DN=$TMPD/etcdns
	if etcd_cluster_start -a 10.99.0.1 -a 10.99.0.2 -a 10.99.0.3 \
	    -n "$NS" -x "nsenter --net=/run/netns/$NS" -n "$NS" \
	    "$DN" 3 2>"$TMPD/start.err"; then
		ok "3 members in $NS start and are healthy"
		NURLS=$(etcd_cluster_urls "$DN")
		info "client URLs $NURLS"
		check_eq "each on its own address" "10.99.0.1 10.99.0.2 10.99.0.3" \
		    "$(tr , '\n' <<<"$NURLS" | sed 's|http://||; s|:.*||' | tr '\n' ' ' | sed 's/ $//')"
		for n in m1 m2 m3; do
			check "$n runs in $NS" same_netns "$(etcd_member_pid "$DN" "$n")" "$NSID"
		done
		check "put in $NS" etcd_ctl "$DN" put nskey nsval
		check_eq "the gateway answers in $NS" nsval \
		    "$(gateway_get "$(etcd_member_url "$DN" m2)" nskey ip netns exec "$NS")"
		check_not "... and not from the root namespace" \
		    gateway_get "$(etcd_member_url "$DN" m2)" nskey
		pid=$(etcd_member_pid "$DN" m2)
		check "SIGKILL m2 (started with nsenter)" etcd_member_kill "$DN" m2
		check "m2's process is gone" pid_gone "$pid"
		# m2 may have led: the others elect one first (about 1.5 s,
		# longer on a loaded machine)
		check "a leader other than m2" etcd_wait_leader "$DN" 30 m2
		check "put while m2 is down" etcd_ctl "$DN" put nskey2 nsval2
		check "m2 restarts" etcd_member_restart "$DN" m2 20
		check "m2 runs in $NS again" same_netns "$(etcd_member_pid "$DN" m2)" "$NSID"
		check_wait "m2 has nskey2" has_value "$DN" m2 nskey2 nsval2
		check "etcd_cluster_stop" etcd_cluster_stop "$DN"
		check "no process has $DN in its command line" no_process_in "$DN"
		check_not "$DN is removed" test -e "$DN"
	else
		fail "3 members in $NS start"
		show_tail "$TMPD/start.err" 30
	fi
else
	skip "5. the namespace part needs root"
fi

# ---------------------------------------------------------------------------
info "6. failures and the caller's death"
DK=$TMPD/etcd-orphan
# (stderr off: no "Killed" notice.)
{
	bash -c '. "$1"; etcd_cluster_start "$2" 1 || exit 1
		etcd_member_pid "$2" m1 >"$2.pid"; kill -KILL $$' \
	    sh "$HNV_TOP/tests/etcd-lib.sh" "$DK" >"$TMPD/orphan.out" 2>&1
} 2>/dev/null
opid=$(cat "$DK.pid" 2>/dev/null)
if [ -n "$opid" ]; then
	check_wait "a member dies with its SIGKILLed shell (pid $opid)" -t 5 \
	    pid_gone "$opid"
else
	fail "the 1-member cluster of a child shell did not start"
	show_tail "$TMPD/orphan.out" 20
fi
check "etcd_cleanup of what that shell left" etcd_cleanup "$DK"
check_not "$DK is removed" test -e "$DK"
check "no port claim names $DK" no_claim_of "$DK"

DT=$TMPD/etcd-detached
bash -c '. "$1"; etcd_cluster_start -D "$2" 1' sh \
    "$HNV_TOP/tests/etcd-lib.sh" "$DT" >"$TMPD/detached.out" 2>&1
check "a detached (-D) member outlives the shell that started it" \
    etcd_member_pid "$DT" m1
check "... another shell reads its state (put)" etcd_ctl "$DT" put d 1
check "... and stops it" etcd_cluster_stop "$DT"
check "... nothing of it left" no_process_in "$DT"
check_not "... $DT is removed" test -e "$DT"

DB=$TMPD/etcd-bad
check_not "a member on an address that is not ours fails" \
    etcd_cluster_start -t 5 -a 192.0.2.1 "$DB" 2
cp "$TMPD/check.out" "$TMPD/bad.out"
check "... the error says so" grep -q 'did not start' "$TMPD/bad.out"
check "... with the member's log tail" \
    grep -q 'cannot assign requested address' "$TMPD/bad.out"
check "... and no member of it runs" no_process_in "$DB"
check "etcd_cleanup after the failed start" etcd_cleanup "$DB"
check_not "$DB is removed" test -e "$DB"
check "no port claim names $DB" no_claim_of "$DB"

mkdir -p "$TMPD/full"
touch "$TMPD/full/precious"
check_not "a non-empty directory is refused" etcd_cluster_start "$TMPD/full" 1
check "... and left alone" test -f "$TMPD/full/precious"
check "etcd_cleanup of a directory that holds no cluster leaves it" \
    etcd_cleanup "$TMPD/full"
check "... alone" test -f "$TMPD/full/precious"

finish
