# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
#
# tests/etcd-lib.sh: real etcd clusters (Debian's etcd-server 3.4) for the
# tests, the benchmarks and the lab, each member a process of its own with
# its own ports, data directory and log.  Sourced; it sets no shell option
# and works under `set -euo pipefail`.  It never touches a system etcd: no
# systemctl, no default port (2379/2380), no /var/lib/etcd, and it signals
# only the processes whose command line names one of its own data
# directories.
#
# A cluster lives in a directory DIR the caller gives (it must not exist or
# be empty; stopping the cluster removes it).  Everything about the cluster
# is kept there, so another process (a later `hnv-lab` command) can use the
# same functions on the same DIR:
#
#   DIR/.members  member names m1..mN, one a line
#   DIR/mI/       one member: data/ (its data dir), log (its stderr, zap
#                 JSON lines), pid (while it runs), client and peer (its
#                 URLs), exec (the command prefix it runs under)
#
# Functions (DIR is always the cluster's directory, NAME a member: m1..mN):
#
#   etcd_available
#       true if etcd, etcdctl and setpriv are installed.
#   etcd_cluster_start [-a ADDR]... [-n NETNS]... [-x PREFIX]... [-t SECS]
#                      [-D] DIR N [-- ETCD-ARG...]
#       starts N members and waits (-t, default 30 s) until `etcdctl
#       endpoint health` says every one is healthy; 1 and the tails of the
#       members' logs on stderr otherwise (the members it started are then
#       stopped; DIR stays for the post-mortem until etcd_cleanup).
#       -a ADDR   the address members listen on (default 127.0.0.1; IPv6
#                 without brackets); once for all, or once per member.
#       -n NETNS  run in the named network namespace (`ip netns exec
#                 NETNS`); -x PREFIX: run under any command prefix, split
#                 on blanks (e.g. "nsenter --net=/run/netns/NS").  Once for
#                 all, or once per member (-n and -x count together).
#       -D        detach: the members outlive the caller (setsid, for the
#                 lab).  Without it they get SIGKILL when the calling
#                 shell dies, however it dies (prctl PR_SET_PDEATHSIG via
#                 setpriv): start and restart members from the shell
#                 that owns the cluster, not from a subshell ( $(...), a
#                 pipeline ), whose end would kill them.
#       ETCD-ARGs are added to every member's command line (also on
#       restart).  Ports: two per member, free in the member's namespace,
#       below the kernel's ephemeral range, claimed under a lock in
#       $HNV_ETCD_PORTS_DIR (default /tmp/hnv-etcd-ports) until the cluster
#       stops, so concurrent tests never pick the same ones and a killed
#       member's ports stay its own; a port taken by someone else anyway
#       (bind fails) makes it try again with others (3 times).
#   etcd_wait_healthy DIR [SECS] [NAME...]
#       waits (default 30 s) until the members (default: every member) are
#       healthy; 1 and the log tails on stderr otherwise.
#   etcd_cluster_urls DIR      every member's client URL, comma-separated
#                              (what a client is given: it fails over).
#   etcd_live_urls DIR         the client URLs of the running members.
#   etcd_members DIR           the member names, one a line.
#   etcd_member_url DIR NAME   its client URL.
#   etcd_member_pid DIR NAME   its pid; 1 (and nothing) if not running.
#   etcd_member_log DIR NAME   the path of its log.
#   etcd_leader DIR            "NAME PID URL" of the leader, from `etcdctl
#                              endpoint status` of every running member; 1
#                              (and nothing) unless exactly one says it
#                              leads.
#   etcd_wait_leader DIR [SECS] [NOT-NAME]
#                              waits (default 10 s) for a leader (other
#                              than NOT-NAME) and prints etcd_leader's line.
#   etcd_member_kill DIR NAME [SIGNAL]
#                              kills it (default SIGKILL), waits until it is
#                              gone and reaps it; its data dir stays.
#   etcd_member_restart DIR NAME [SECS]
#                              starts a stopped member again on its data dir
#                              and ports (--initial-cluster-state existing)
#                              and waits until it is healthy (rejoined).
#   etcd_ctl [-m NAME] DIR ETCDCTL-ARG...
#                              etcdctl (API 3) against the running members
#                              (or NAME only), run under the command prefix
#                              of the first of them (its namespace).
#   etcd_cluster_stop DIR      stops every member (TERM, KILL after 5 s),
#                              releases the ports, removes DIR; 1 and a
#                              message if a member survived.
#   etcd_cleanup [DIR...]      the same, quiet, for an EXIT trap: safe at
#                              any point (nothing started, half started,
#                              already stopped); without DIR, every cluster
#                              this shell started and has not stopped.
#                              Returns 0.
#
# Every member runs with the flags hnv-controller needs (doc/controller.md,
# "Running etcd for the controller") and with etcd's default election
# timing written out (heartbeat 100 ms, election timeout 1 s: a killed
# leader is replaced in about 1.5 s on loopback).  Exported ETCD_* / ETCDCTL_* variables
# are removed from the environment of etcd and etcdctl (etcd 3.4 refuses a
# flag that an ETCD_ variable also sets).
#
# Environment: HNV_ETCD_BIN, HNV_ETCDCTL_BIN (default /usr/bin/etcd,
# /usr/bin/etcdctl), HNV_ETCD_PORTS_DIR.

ETCDLIB_ETCD=${HNV_ETCD_BIN:-/usr/bin/etcd}
ETCDLIB_ETCDCTL=${HNV_ETCDCTL_BIN:-/usr/bin/etcdctl}
ETCDLIB_PORTS=${HNV_ETCD_PORTS_DIR:-/tmp/hnv-etcd-ports}
ETCDLIB_FLAGS=(
	--max-txn-ops 1000000
	--max-request-bytes 67108864
	--quota-backend-bytes 8589934592
	--auto-compaction-mode revision
	--auto-compaction-retention 100000
	--heartbeat-interval 100
	--election-timeout 1000
	--logger zap --log-outputs stderr
)
# The clusters this shell started and has not stopped (for etcd_cleanup).
ETCDLIB_DIRS=()

etcd_available() {
	[[ -x $ETCDLIB_ETCD && -x $ETCDLIB_ETCDCTL ]] &&
	    command -v setpriv >/dev/null 2>&1
}

# etcdlib_abs PATH: PATH made absolute and canonical, as the members'
# command lines have it (so that etcdlib_pid_of recognises them).
etcdlib_abs() {
	[[ -n $1 ]] && realpath -m -- "$1"
}

etcdlib_err() {
	printf 'etcd-lib: %s\n' "$*" >&2
}

etcdlib_now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}

# etcdlib_is_cluster DIR: true if DIR is a cluster directory of ours.
etcdlib_is_cluster() {
	[[ -d $1 && -f $1/.members ]]
}

etcd_members() {
	set -- "$(etcdlib_abs "${1:-}")" "${@:2}"
	etcdlib_is_cluster "$1" || {
		etcdlib_err "$1: no cluster there"
		return 1
	}
	cat "$1/.members"
}

etcd_member_url() {
	set -- "$(etcdlib_abs "${1:-}")" "${@:2}"
	cat "$1/$2/client" 2>/dev/null
}

etcd_member_log() {
	set -- "$(etcdlib_abs "${1:-}")" "${@:2}"
	echo "$1/$2/log"
}

# etcdlib_pid_of DIR NAME: the pid of the member if that process runs and
# is the member (its command line names the member's data dir: a pid
# reused by another program is not ours).  A zombie has no command line.
etcdlib_pid_of() {
	local m=$1/$2 pid
	pid=$(cat "$m/pid" 2>/dev/null) || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	[[ -r /proc/$pid/cmdline ]] || return 1
	tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null |
	    grep -qxF -- "$m/data" || return 1
	echo "$pid"
}

etcd_member_pid() {
	set -- "$(etcdlib_abs "${1:-}")" "${@:2}"
	etcdlib_pid_of "$1" "$2"
}

# etcdlib_live DIR: the names of the running members.
etcdlib_live() {
	local n
	while IFS= read -r n; do
		if etcdlib_pid_of "$1" "$n" >/dev/null; then
			echo "$n"
		fi
	done <"$1/.members"
	return 0
}

# etcdlib_join NAME...: their client URLs, comma-separated.
etcdlib_urls_of() {
	local dir=$1 n out=""
	shift
	for n in "$@"; do
		out+="${out:+,}$(cat "$dir/$n/client")"
	done
	echo "$out"
}

etcd_cluster_urls() {
	set -- "$(etcdlib_abs "${1:-}")" "${@:2}"
	local names=()
	etcdlib_is_cluster "$1" || return 1
	mapfile -t names <"$1/.members"
	etcdlib_urls_of "$1" "${names[@]}"
}

etcd_live_urls() {
	set -- "$(etcdlib_abs "${1:-}")" "${@:2}"
	local names=()
	etcdlib_is_cluster "$1" || return 1
	mapfile -t names < <(etcdlib_live "$1")
	etcdlib_urls_of "$1" "${names[@]}"
}

# etcdlib_env: sets ETCDLIB_ENV to `env -u VAR...` for every exported
# ETCD*/ETCDCTL* variable.
etcdlib_env() {
	local v
	ETCDLIB_ENV=(env)
	for v in $(compgen -e); do
		if [[ $v == ETCD* ]]; then
			ETCDLIB_ENV+=(-u "$v")
		fi
	done
}

# etcdlib_ctl_at DIR NAME URLS ARGS...: etcdctl under NAME's prefix.
etcdlib_ctl_at() {
	local dir=$1 name=$2 urls=$3 pfx=()
	shift 3
	mapfile -t pfx <"$dir/$name/exec"
	etcdlib_env
	"${pfx[@]}" "${ETCDLIB_ENV[@]}" ETCDCTL_API=3 "$ETCDLIB_ETCDCTL" \
	    --endpoints="$urls" "$@"
}

etcd_ctl() {
	local one="" dir names=()
	if [[ ${1:-} == -m ]]; then
		one=$2
		shift 2
	fi
	dir=$(etcdlib_abs "${1:-}")
	shift
	etcdlib_is_cluster "$dir" || {
		etcdlib_err "$dir: no cluster there"
		return 1
	}
	if [[ -n $one ]]; then
		names=("$one")
	else
		mapfile -t names < <(etcdlib_live "$dir")
	fi
	if ((${#names[@]} == 0)); then
		etcdlib_err "$dir: no member is running"
		return 1
	fi
	etcdlib_ctl_at "$dir" "${names[0]}" \
	    "$(etcdlib_urls_of "$dir" "${names[@]}")" "$@"
}

# etcdlib_tails DIR [NAME...]: the end of each member's log, on stderr.
etcdlib_tails() {
	local dir=$1 n pid state names=()
	shift
	if (($# == 0)); then
		mapfile -t names <"$dir/.members"
		set -- "${names[@]}"
	fi
	for n in "$@"; do
		if pid=$(etcdlib_pid_of "$dir" "$n"); then
			state="running, pid $pid"
		else
			state="not running"
		fi
		etcdlib_err "member $n ($state, $(cat "$dir/$n/client" \
		    2>/dev/null)): $dir/$n/log ends:"
		tail -n 6 "$dir/$n/log" 2>/dev/null | cut -c1-400 |
		    sed 's/^/    /' >&2
	done
	return 0
}

# ---------------------------------------------------------------------------
# Ports

# etcdlib_claim_live OWNER: true while the cluster directory OWNER (the
# content of a claim file) still needs its ports: it exists, and the shell
# that made it or one of its members still runs.
etcdlib_claim_live() {
	local o=$1 pid n
	etcdlib_is_cluster "$o" || [[ -f $o/.owner ]] || return 1
	pid=$(cat "$o/.owner" 2>/dev/null)
	if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
		return 0
	fi
	[[ -f $o/.members ]] || return 1
	while IFS= read -r n; do
		etcdlib_pid_of "$o" "$n" >/dev/null && return 0
	done <"$o/.members"
	return 1
}

# etcdlib_used_ports PREFIX-FILE...: the local TCP ports in use in the
# root namespace and under each prefix, one a line.
etcdlib_used_ports() {
	local f pfx=()
	{
		ss -Htan 2>/dev/null
		for f in "$@"; do
			mapfile -t pfx <"$f"
			((${#pfx[@]})) && "${pfx[@]}" ss -Htan 2>/dev/null
		done
	} | awk '{ n = split($4, a, ":"); print a[n] }' | sort -un
}

# etcdlib_claim_ports DIR COUNT: claims COUNT free ports for the cluster
# in DIR and prints them, one a line.  The search starts at a point that
# depends on the pid, in [20000, ephemeral range start), so concurrent
# runs seldom even look at the same ports; the claim files, written under
# a lock, make sure they never get the same ones.
etcdlib_claim_ports() {
	local dir=$1 count=$2 lo=20000 hi eph_lo eph_hi span start i p f
	local fd got=()
	local -A used=()
	read -r eph_lo eph_hi </proc/sys/net/ipv4/ip_local_port_range
	hi=$((eph_lo - 1))
	if ((hi - lo < 1000)); then
		# An unusual ephemeral range: use what lies above it.
		lo=$((eph_hi + 1))
		hi=65535
		((hi - lo >= 1000)) || { lo=10000; hi=19999; }
	fi
	span=$((hi - lo + 1))
	# Shared by every user, like /tmp (root's tests and others' may
	# run side by side); flock needs only a read-only descriptor.
	if ! [[ -d $ETCDLIB_PORTS ]]; then
		mkdir -p "$ETCDLIB_PORTS" || return 1
		chmod 1777 "$ETCDLIB_PORTS" 2>/dev/null || true
	fi
	if ! [[ -e $ETCDLIB_PORTS/.lock ]]; then
		: >>"$ETCDLIB_PORTS/.lock" || return 1
		chmod 0644 "$ETCDLIB_PORTS/.lock" 2>/dev/null || true
	fi
	exec {fd}<"$ETCDLIB_PORTS/.lock" || return 1
	if ! flock -w 30 "$fd"; then
		exec {fd}>&-
		etcdlib_err "cannot lock $ETCDLIB_PORTS/.lock"
		return 1
	fi
	for p in $(etcdlib_used_ports "$dir"/*/exec); do
		used[$p]=1
	done
	for f in "$ETCDLIB_PORTS"/[0-9]*; do
		[[ -f $f ]] || continue
		if etcdlib_claim_live "$(cat "$f" 2>/dev/null)"; then
			used[${f##*/}]=1
		else
			# (Another user's stale claim stays: the port with it.)
			rm -f "$f" 2>/dev/null || used[${f##*/}]=1
		fi
	done
	start=$(((($$ * 16) + RANDOM % 8) % span))
	for ((i = 0; i < span && ${#got[@]} < count; i++)); do
		p=$((lo + (start + i) % span))
		[[ -n ${used[$p]:-} ]] && continue
		if echo "$dir" 2>/dev/null >"$ETCDLIB_PORTS/$p"; then
			got+=("$p")
		fi
	done
	exec {fd}>&-
	if ((${#got[@]} < count)); then
		etcdlib_err "no $count free ports in $lo-$hi"
		return 1
	fi
	printf '%s\n' "${got[@]}"
}

# etcdlib_release_ports DIR: drops the claims of the cluster in DIR.
etcdlib_release_ports() {
	local f
	for f in "$ETCDLIB_PORTS"/[0-9]*; do
		[[ -f $f ]] || continue
		if [[ $(cat "$f" 2>/dev/null) == "$1" ]]; then
			rm -f "$f"
		fi
	done
	return 0
}

# ---------------------------------------------------------------------------
# Members

# etcdlib_launch DIR NAME new|existing: starts the member in the
# background and waits for its pid file.
etcdlib_launch() {
	local dir=$1 name=$2 state=$3 m=$1/$2 pfx=() extra=() cmd=() i
	mapfile -t pfx <"$m/exec"
	mapfile -t extra <"$dir/.extra"
	etcdlib_env
	if [[ $(cat "$dir/.detach") == 1 ]]; then
		cmd=(setsid "${pfx[@]}")
	else
		cmd=("${pfx[@]}" setpriv --pdeathsig KILL)
	fi
	# The shell writes the pid etcd will have (it execs it): the pid
	# of `ip netns exec`, nsenter or setsid would not be etcd's if
	# one of them forked.
	# shellcheck disable=SC2016	# for the inner shell
	cmd+=(sh -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"'
	    "$m/pid" "${ETCDLIB_ENV[@]}" "$ETCDLIB_ETCD"
	    --name "$name" --data-dir "$m/data"
	    --listen-client-urls "$(cat "$m/client")"
	    --advertise-client-urls "$(cat "$m/client")"
	    --listen-peer-urls "$(cat "$m/peer")"
	    --initial-advertise-peer-urls "$(cat "$m/peer")"
	    --initial-cluster "$(cat "$dir/.initial")"
	    --initial-cluster-state "$state"
	    --initial-cluster-token "$(cat "$dir/.token")"
	    "${ETCDLIB_FLAGS[@]}" "${extra[@]}")
	rm -f "$m/pid"
	printf '=== %s: start (%s)\n' "$(date '+%F %T.%N')" "$state" >>"$m/log"
	"${cmd[@]}" >>"$m/log" 2>&1 </dev/null &
	for ((i = 0; i < 100; i++)); do
		[[ -s $m/pid ]] && return 0
		sleep 0.05
	done
	etcdlib_err "member $name did not start: ${cmd[*]}"
	return 1
}

# etcdlib_gone PID DIR NAME: true once the member's process is gone.
etcdlib_gone() {
	[[ $(etcdlib_pid_of "$2" "$3") != "$1" ]]
}

# etcdlib_stop_member DIR NAME SIGNAL SECS: signals the member, waits up
# to SECS for it to go, then SIGKILL; reaps it if it is our child.  1 if
# it was not running.
etcdlib_stop_member() {
	local dir=$1 name=$2 sig=$3 secs=$4 pid end
	pid=$(etcdlib_pid_of "$dir" "$name") || return 1
	{
		kill -s "$sig" "$pid" || true
		end=$(($(etcdlib_now_ms) + secs * 1000))
		while ! etcdlib_gone "$pid" "$dir" "$name"; do
			if (($(etcdlib_now_ms) >= end)); then
				kill -s KILL "$pid" || true
				end=$(($(etcdlib_now_ms) + 5000))
				sig=KILL
			fi
			sleep 0.05
		done
		# Reaps it (no "Killed" notice later); a member started by
		# another process is not our child: wait fails at once.
		wait "$pid" || true
	} 2>/dev/null
	rm -f "$dir/$name/pid"
	return 0
}

etcd_member_kill() {
	set -- "$(etcdlib_abs "${1:-}")" "${@:2}"
	local dir=$1 name=$2 sig=${3:-KILL}
	if ! etcdlib_stop_member "$dir" "$name" "$sig" 5; then
		etcdlib_err "member $name of $dir is not running"
		return 1
	fi
}

etcd_wait_healthy() {
	set -- "$(etcdlib_abs "${1:-}")" "${@:2}"
	local dir=$1 secs=${2:-30} names=() n end out="" ok
	shift
	(($#)) && shift
	if (($#)); then
		names=("$@")
	else
		mapfile -t names <"$dir/.members"
	fi
	end=$(($(etcdlib_now_ms) + secs * 1000))
	while :; do
		ok=1
		for n in "${names[@]}"; do
			if ! etcdlib_pid_of "$dir" "$n" >/dev/null; then
				etcdlib_err "member $n of $dir exited"
				etcdlib_tails "$dir" "${names[@]}"
				return 1
			fi
		done
		out=$(etcdlib_ctl_at "$dir" "${names[0]}" \
		    "$(etcdlib_urls_of "$dir" "${names[@]}")" \
		    --dial-timeout=1s --command-timeout=2s endpoint health \
		    2>&1) || ok=0
		((ok)) && return 0
		if (($(etcdlib_now_ms) >= end)); then
			etcdlib_err "members ${names[*]} of $dir not healthy" \
			    "after $secs s; etcdctl endpoint health says:"
			printf '%s\n' "$out" | grep -v '"level"' |
			    sed 's/^/    /' >&2
			etcdlib_tails "$dir" "${names[@]}"
			return 1
		fi
		sleep 0.2
	done
}

etcd_member_restart() {
	set -- "$(etcdlib_abs "${1:-}")" "${@:2}"
	local dir=$1 name=$2 secs=${3:-30}
	if ! [[ -d $dir/$name/data ]]; then
		etcdlib_err "$dir has no member $name"
		return 1
	fi
	if etcdlib_pid_of "$dir" "$name" >/dev/null; then
		etcdlib_err "member $name of $dir is running"
		return 1
	fi
	etcdlib_launch "$dir" "$name" existing || return 1
	etcd_wait_healthy "$dir" "$secs" "$name"
}

etcd_leader() {
	set -- "$(etcdlib_abs "${1:-}")" "${@:2}"
	local dir=$1 n out id lead found=""
	etcdlib_is_cluster "$dir" || return 1
	for n in $(etcdlib_live "$dir"); do
		out=$(etcdlib_ctl_at "$dir" "$n" "$(cat "$dir/$n/client")" \
		    --dial-timeout=1s --command-timeout=1s -w fields \
		    endpoint status 2>/dev/null) || continue
		id=$(awk '$1 == "\"MemberID\"" { print $3 }' <<<"$out")
		lead=$(awk '$1 == "\"Leader\"" { print $3 }' <<<"$out")
		if [[ -n $id && $id != 0 && $id == "$lead" ]]; then
			[[ -n $found ]] && return 1	# two say they lead
			found=$n
		fi
	done
	[[ -n $found ]] || return 1
	echo "$found $(etcdlib_pid_of "$dir" "$found") $(cat "$dir/$found/client")"
}

etcd_wait_leader() {
	set -- "$(etcdlib_abs "${1:-}")" "${@:2}"
	local dir=$1 secs=${2:-10} not=${3:-} end line
	end=$(($(etcdlib_now_ms) + secs * 1000))
	while :; do
		if line=$(etcd_leader "$dir") && [[ ${line%% *} != "$not" ]]; then
			echo "$line"
			return 0
		fi
		if (($(etcdlib_now_ms) >= end)); then
			etcdlib_err "no leader${not:+ other than $not} in $dir" \
			    "after $secs s"
			return 1
		fi
		sleep 0.1
	done
}

# ---------------------------------------------------------------------------
# Clusters

# etcdlib_forget DIR: removes DIR from ETCDLIB_DIRS.
etcdlib_forget() {
	local d keep=()
	for d in "${ETCDLIB_DIRS[@]}"; do
		[[ $d == "$1" ]] || keep+=("$d")
	done
	ETCDLIB_DIRS=("${keep[@]}")
}

# etcdlib_stop_all DIR: stops every member; 1 if one survived.
etcdlib_stop_all() {
	local dir=$1 n left=()
	[[ -f $dir/.members ]] || return 0
	for n in $(etcdlib_live "$dir"); do
		kill -s TERM "$(etcdlib_pid_of "$dir" "$n")" 2>/dev/null || true
	done
	while IFS= read -r n; do
		etcdlib_stop_member "$dir" "$n" TERM 5 || true
		etcdlib_pid_of "$dir" "$n" >/dev/null && left+=("$n")
	done <"$dir/.members"
	if ((${#left[@]})); then
		etcdlib_err "members ${left[*]} of $dir survived SIGKILL"
		return 1
	fi
	return 0
}

etcd_cluster_stop() {
	set -- "$(etcdlib_abs "${1:-}")" "${@:2}"
	local dir=$1
	if ! etcdlib_is_cluster "$dir" && ! [[ -f $dir/.owner ]]; then
		etcdlib_err "$dir: no cluster there"
		return 1
	fi
	etcdlib_stop_all "$dir" || return 1
	etcdlib_release_ports "$dir"
	etcdlib_forget "$dir"
	rm -rf "$dir"
}

etcd_cleanup() {
	local d
	if (($# == 0)); then
		set -- "${ETCDLIB_DIRS[@]}"
	fi
	for d in "$@"; do
		d=$(etcdlib_abs "$d") || continue
		if etcdlib_is_cluster "$d" || [[ -f $d/.owner ]]; then
			etcd_cluster_stop "$d" >/dev/null 2>&1 || true
		else
			etcdlib_release_ports "$d"
			etcdlib_forget "$d"
		fi
	done
	return 0
}

# etcdlib_write_words FILE STRING: STRING's words, one a line.
etcdlib_write_words() {
	local w=()
	read -ra w <<<"$2"
	printf '%s\n' "${w[@]}" >"$1"
}

# etcdlib_url ADDR PORT
etcdlib_url() {
	if [[ $1 == *:* ]]; then
		echo "http://[$1]:$2"
	else
		echo "http://$1:$2"
	fi
}

etcd_cluster_start() {
	local addrs=() pfxs=() secs=30 detach=0 dir n i m try ports=() init
	local extra=() bindfail
	while (($#)); do
		case $1 in
		-a) addrs+=("$2"); shift 2 ;;
		-n) pfxs+=("ip netns exec $2"); shift 2 ;;
		-x) pfxs+=("$2"); shift 2 ;;
		-t) secs=$2; shift 2 ;;
		-D) detach=1; shift ;;
		--) shift; break ;;
		-*) etcdlib_err "etcd_cluster_start: unknown option $1"; return 1 ;;
		*) break ;;
		esac
	done
	if (($# < 2)) || ! [[ $2 =~ ^[1-9][0-9]*$ ]]; then
		etcdlib_err "usage: etcd_cluster_start [-a ADDR]... [-n NETNS]..." \
		    "[-x PREFIX]... [-t SECS] [-D] DIR N [-- ETCD-ARG...]"
		return 1
	fi
	dir=$1
	n=$2
	shift 2
	[[ ${1:-} == -- ]] && shift
	extra=("$@")
	if ((${#addrs[@]} > 1 && ${#addrs[@]} != n)); then
		etcdlib_err "etcd_cluster_start: ${#addrs[@]} addresses (-a)" \
		    "for $n members: give one or $n"
		return 1
	fi
	if ((${#pfxs[@]} > 1 && ${#pfxs[@]} != n)); then
		etcdlib_err "etcd_cluster_start: ${#pfxs[@]} prefixes (-n/-x)" \
		    "for $n members: give one or $n"
		return 1
	fi
	if ! etcd_available; then
		etcdlib_err "$ETCDLIB_ETCD, $ETCDLIB_ETCDCTL or setpriv missing" \
		    "(apt-get install etcd-server etcd-client)"
		return 1
	fi
	if [[ -e $dir ]] && [[ -n $(ls -A "$dir" 2>/dev/null) ]]; then
		etcdlib_err "$dir exists and is not empty (a cluster there?" \
		    "etcd_cluster_stop it first)"
		return 1
	fi
	mkdir -p "$dir" || return 1
	dir=$(etcdlib_abs "$dir") || return 1
	ETCDLIB_DIRS+=("$dir")
	echo "$$" >"$dir/.owner"
	echo "$detach" >"$dir/.detach"
	echo "hnv-$$-$RANDOM$RANDOM" >"$dir/.token"
	printf '%s\n' "${extra[@]}" >"$dir/.extra"
	[[ ${#extra[@]} == 0 ]] && : >"$dir/.extra"
	for ((i = 1; i <= n; i++)); do
		m=$dir/m$i
		mkdir -p "$m"
		if ((${#addrs[@]} > 1)); then
			echo "${addrs[i - 1]}" >"$m/addr"
		else
			echo "${addrs[0]:-127.0.0.1}" >"$m/addr"
		fi
		: >"$m/exec"
		if ((${#pfxs[@]} > 1)); then
			etcdlib_write_words "$m/exec" "${pfxs[i - 1]}"
		elif ((${#pfxs[@]} == 1)); then
			etcdlib_write_words "$m/exec" "${pfxs[0]}"
		fi
	done
	for ((try = 1; try <= 3; try++)); do
		mapfile -t ports < <(etcdlib_claim_ports "$dir" $((2 * n)))
		if ((${#ports[@]} != 2 * n)); then
			etcdlib_release_ports "$dir"
			return 1
		fi
		init=""
		for ((i = 1; i <= n; i++)); do
			m=$dir/m$i
			etcdlib_url "$(cat "$m/addr")" "${ports[2 * i - 2]}" \
			    >"$m/client"
			etcdlib_url "$(cat "$m/addr")" "${ports[2 * i - 1]}" \
			    >"$m/peer"
			init+="${init:+,}m$i=$(cat "$m/peer")"
			rm -rf "$m/data"
			: >"$m/log"
		done
		echo "$init" >"$dir/.initial"
		for ((i = 1; i <= n; i++)); do
			echo "m$i"
		done >"$dir/.members"
		for ((i = 1; i <= n; i++)); do
			etcdlib_launch "$dir" "m$i" new || break
		done
		if ((i > n)) && etcd_wait_healthy "$dir" "$secs" 2>"$dir/.err"; then
			rm -f "$dir/.err"
			return 0
		fi
		etcdlib_stop_all "$dir" || true
		etcdlib_release_ports "$dir"
		bindfail=0
		grep -qs 'address already in use' "$dir"/m*/log && bindfail=1
		if ((!bindfail || try == 3)); then
			cat "$dir/.err" >&2 2>/dev/null || true
			etcdlib_err "cluster of $n in $dir did not start" \
			    "(logs in $dir/m*/log)"
			return 1
		fi
		etcdlib_err "a port was taken meanwhile; trying others"
	done
	return 1
}
