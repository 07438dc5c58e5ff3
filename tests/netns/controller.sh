#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# tests/netns/controller.sh: the book's datacenter (lab/topologies/
# book.topo, as lab-book.sh draws it) run through hnv-controller, as
# `make demo` runs it, and what users rely on when the controller fails
# or a VM moves:
#  1. up through the controller: every agent is current, `check` passes;
#  2. the controller killed (SIGKILL): traffic keeps flowing on the
#     agents' persisted policy, and the agents say the controller is
#     unreachable; a policy write is refused meanwhile (nobody listens);
#  3. the controller started again on its database: nothing lost (the
#     revision and every object are back), the agents reconnect and
#     resume from their revisions (no full resync), and a new record
#     written now reaches them;
#  4. an agent killed and started again resumes from its stored revision;
#  5. `hnv-lab migrate contoso3 gwhost` while Contoso1 pings every 10 ms:
#     Contoso3's adapter moves to GWHost's agent, its record's PA to
#     GWHost's, the blackout is printed and under a second, `check`
#     passes; and back to Host2.
LAB_TAG=tc
. "$(dirname "$0")/lab-lib.sh"

RUN=/run/hnv-lab/$NAME
CTL=$TOP/build/bin/hnvctl

agent_status() { "$CTL" --agent "$RUN/$1.sock" --json status; }
# agent_field HOST JQ: a field of the agent's status.
agent_field() { agent_status "$1" | jq -r "$2"; }
ctrl_health() {
	nsenter --net="/run/netns/$NAME-switch" curl -sf --max-time 2 \
	    "$(cat "$RUN/controller.url")/v1/health"
}
# wait_for SECS CMD...: until CMD succeeds.
wait_for() {
	local n=$(($1 * 10))
	shift
	while ((n-- > 0)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
agents_state_is() {
	local h
	for h in host1 host2 gwhost; do
		[[ $(agent_field "$h" .controller.state) == "$1" ]] || return 1
	done
}

lab_require

step "up book through the controller" \
	lab up "$TOP/lab/topologies/book.topo" --policy ps || exit 1
step "check" lab check
step "synced" lab synced
rev0=$(ctrl_health | jq .revision)
resets0=$(for h in host1 host2 gwhost; do agent_field $h .controller.resets; done)
objs0=$(lab cctl --json lookup-record get | jq -c 'sort_by(.vsid, .ca, .pa)')

# 2. The controller dies.
step "kill -9 the controller" lab controller kill
if wait_for 40 agents_state_is unreachable; then
	ok "every agent says the controller is unreachable"
else
	fail "agents' controller state: $(for h in host1 host2 gwhost; do agent_field $h .controller.state; done | xargs)"
fi
step "without the controller: check (traffic keeps flowing)" lab check
step_not "without the controller: a policy write fails" \
	lab cctl lookup-record add ca 10.0.1.77 vsid 6000 mac 600060000177 \
	pa 192.168.0.22

# 3. Back on its database.
step "start the controller again" lab controller start
rev1=$(ctrl_health | jq .revision)
if [[ $rev1 == "$rev0" ]]; then
	ok "the revision is back ($rev1)"
else
	fail "revision $rev0 before, $rev1 after the restart"
fi
objs1=$(lab cctl --json lookup-record get | jq -c 'sort_by(.vsid, .ca, .pa)')
if [[ $objs1 == "$objs0" && -n $objs0 ]]; then
	ok "every lookup record is back ($(jq length <<<"$objs1"))"
else
	fail "lookup records differ after the restart"
fi
if wait_for 60 agents_state_is connected; then
	ok "every agent is connected again"
else
	fail "agents' controller state after the restart: $(for h in host1 host2 gwhost; do agent_field $h .controller.state; done | xargs)"
fi
resets1=$(for h in host1 host2 gwhost; do agent_field $h .controller.resets; done)
if [[ $resets1 == "$resets0" ]]; then
	ok "the agents resumed from their revisions (no full resync)"
else
	fail "resyncs before $(echo $resets0), after $(echo $resets1)"
fi
step "a new record through the controller" \
	lab cctl lookup-record add ca 10.0.1.77 vsid 6000 mac 600060000177 \
	pa 192.168.0.22
step "synced after the new record" lab synced
for h in host1 host2 gwhost; do
	if "$CTL" --agent "$RUN/$h.sock" lookup-record get vsid 6000 |
	    grep -q '10\.0\.1\.77'; then
		ok "$h: its agent has the new record"
	else
		fail "$h: its agent lacks the new record"
	fi
done

# 4. An agent killed and started again.
resets=$(agent_field host2 .controller.resets)
pid=$(cat "$RUN/host2.pid")
mapfile -d '' -t argv <"/proc/$pid/cmdline"
kill -9 "$pid"
wait_for 5 sh -c "! kill -0 $pid"
setsid nsenter --net="/run/netns/$NAME-host2" "${argv[@]}" \
	</dev/null >>"$RUN/host2.log" 2>&1 &
if wait_for 20 sh -c "[ \"\$($CTL --agent $RUN/host2.sock --json status |
    jq -r .controller.state)\" = connected ]"; then
	ok "host2's agent is connected again"
else
	fail "host2's agent did not reconnect"
fi
step "synced after the agent's restart" lab synced
if [[ $(agent_field host2 .controller.resets) == "0" ]]; then
	ok "host2's agent resumed from its stored revision (no resync)"
else
	fail "host2's agent resynced ($(agent_field host2 .controller.resets) resets; it had $resets)"
fi
step "check after the agent's restart" lab check

# 5. Migration.
out=$(lab migrate contoso3 gwhost 2>&1)
ms=$(sed -n 's/^blackout_ms \([0-9]*\)$/\1/p' <<<"$out")
if [[ -n $ms ]] && ((ms < 1000)); then
	ok "migrate contoso3 gwhost: blackout_ms $ms (< 1000)"
else
	fail "migrate contoso3 gwhost: $out"
fi
if "$CTL" --agent "$RUN/gwhost.sock" --json status |
    jq -e '[.ports[] | select(.vm == "Contoso3" and .attached)] | length == 1' \
    >/dev/null; then
	ok "Contoso3's adapter is GWHost's agent's"
else
	fail "GWHost's agent does not hold Contoso3's adapter"
fi
if "$CTL" --agent "$RUN/host1.sock" lookup-record get vsid 6000 ca 10.0.1.103 |
    grep -q 192.168.0.11; then
	ok "Host1's agent sends 10.0.1.103 to GWHost's PA"
else
	fail "Host1's record of 10.0.1.103: $("$CTL" --agent "$RUN/host1.sock" lookup-record get vsid 6000 ca 10.0.1.103)"
fi
step "check after the migration" lab check
out=$(lab migrate contoso3 host2 2>&1)
ms=$(sed -n 's/^blackout_ms \([0-9]*\)$/\1/p' <<<"$out")
if [[ -n $ms ]] && ((ms < 1000)); then
	ok "migrate contoso3 host2 (back): blackout_ms $ms"
else
	fail "migrate contoso3 host2: $out"
fi
step "check after moving back" lab check
