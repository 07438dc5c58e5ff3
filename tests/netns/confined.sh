#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# confined.sh: the agent works inside the confinement of its systemd unit
# (dist/systemd/hnv-agent@.service.in), and keeps no more capabilities
# than it needs.  Without systemd as PID 1 the unit cannot run here, so
# the test builds what matters of it around each agent:
#
#   - the capability bounding set read from the unit's
#     CapabilityBoundingSet= (setpriv; as root, the agent starts with
#     exactly that set), no inheritable caps, NoNewPrivileges=;
#   - a mount namespace of its own whose mounts are slaves of ours
#     (what ProtectSystem=, PrivateTmp= and friends make), with / read-
#     only (ProtectSystem=strict) except /run/netns (ReadWritePaths=) and
#     the agent's directory (standing in for StateDirectory= and
#     RuntimeDirectory=).
#
# Then: the agent drops what it does not need (/proc/PID/status); the VM
# namespaces it makes are visible outside its mount namespace (`ip netns
# exec` from here works), and VMs ping across hosts; a VM added and
# removed at run time comes and goes outside too; a VM namespace deleted
# and added again out here is seen by the agent, which attaches the VM's
# adapter again.
#
#   segment: bridge br0 in ${P}sw --- s-a --- s-b ---
#   HostA eth0 (confined agent)           HostB eth0 (confined agent)
#   VmA1 VmA2 VmA3 RedA                   VmB1 VmB2 RedB

TEST_TAG=hc
. "$(dirname "$0")/lib.sh"

UNIT=$HNV_TOP/dist/systemd/hnv-agent@.service.in

require_root
require_bins
require_tools jq setpriv unshare sqlite3
[ -f "$UNIT" ] || die "$UNIT missing"

# cap_mask NAME...: the /proc/PID/status mask (16 hex digits) of the
# capabilities (cap_net_admin or CAP_NET_ADMIN).
cap_mask() {
	local m=0 c
	for c in "$@"; do
		m=$((m | (1 << $(cap_num "${c,,}"))))
	done
	printf '%016x\n' "$m"
}

# cap_num NAME: the number of a capability (linux/capability.h).
cap_num() {
	case ${1#cap_} in
	net_admin) echo 12 ;;
	net_raw) echo 13 ;;
	sys_chroot) echo 18 ;;
	sys_ptrace) echo 19 ;;
	sys_admin) echo 21 ;;
	*) echo "cap_num: unknown $1" >&2; echo 63 ;;
	esac
}

UNIT_CAPS=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")
[ -n "$UNIT_CAPS" ] || die "no CapabilityBoundingSet= in $UNIT"
grep -qx 'NoNewPrivileges=yes' "$UNIT" || fail "unit: NoNewPrivileges=yes"
grep -qx 'ProtectSystem=strict' "$UNIT" || fail "unit: ProtectSystem=strict"
grep -qx 'ReadWritePaths=/run/netns' "$UNIT" || fail "unit: ReadWritePaths=/run/netns"
BSET=-all
for c in $UNIT_CAPS; do
	c=${c,,}
	BSET+=",+${c#cap_}"
done
info "unit bounding set: $UNIT_CAPS"

# The wrapper the agents run as (HNV_AGENT_BIN): ip netns exec runs it
# in the host's namespace; every step execs, so the agent keeps its pid
# and its parent is this script, in our mount namespace (as systemd is
# in PID 1's for a service).
cat >"$TMPD/confined-agent" <<EOF
#!/bin/sh
exec unshare --mount --propagation slave -- sh -c '
	set -e
	mount --bind /run/netns /run/netns
	mount --bind "\$0" "\$0"
	mount -o remount,bind,ro /
	exec setpriv --bounding-set=$BSET --inh-caps=-all --no-new-privs \\
		"$HNV_AGENT_BIN" "\$@"' "$TMPD" "\$@"
EOF
chmod +x "$TMPD/confined-agent"
HNV_AGENT_BIN=$TMPD/confined-agent

ns_visible() { ip netns exec "$1" true; }
attached() {
	[ "$(hcj a ".ports[] | select(.vm == \"$1\") | .attached" status)" = true ]
}
detached() {
	[ "$(hcj a ".ports[] | select(.vm == \"$1\") | .attached" status)" = false ]
}

topo_std 4 4
topo_up native || die "topology not up under the unit's confinement"

# ---------------------------------------------------------------- caps
pid=${AGENT_PID[a]}
st() { sed -n "s/^$1:[[:space:]]*//p" "/proc/$pid/status"; }
want=$(cap_mask cap_net_admin cap_net_raw cap_sys_admin cap_sys_chroot)
check_eq "agent runs in a mount namespace of its own" 1 \
	"$([ "$(readlink "/proc/$pid/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] && echo 1)"
check_eq "effective: net_admin net_raw sys_admin sys_chroot only" "$want" "$(st CapEff)"
check_eq "permitted: the same" "$want" "$(st CapPrm)"
check_eq "inheritable: none" 0000000000000000 "$(st CapInh)"
check_eq "ambient: none" 0000000000000000 "$(st CapAmb)"
check_eq "no_new_privs set" 1 "$(st NoNewPrivs)"
check "log says which capabilities it kept" grep -q \
	"capabilities: kept cap_net_admin cap_net_raw cap_sys_admin cap_sys_chroot" \
	"${AGENT_LOG[a]}"
check_eq "cannot write outside its directories (/ is read-only to it)" 1 \
	"$(awk '$5 == "/" { print ($6 ~ /(^|,)ro(,|$)/) }' "/proc/$pid/mountinfo" | head -n 1)"

# -------------------------------------------------------------- traffic
check "VmA1's namespace, made by the agent, is visible here" \
	ns_visible "$(vm_ns VmA1)"
check_ping "VmA1 -> VmB1 (NVGRE)" VmA1 "$B1" 10
check_ping "VmB1 -> VmA1" VmB1 "$A1" 5
check_ping "VmA1 -> VmA3 (routed locally)" VmA1 "$A3" 5
check_ping "RedA -> RedB" RedA "$B1" 5
check_eq "state database written (every lookup record)" \
	"$(hcj a length lookup-record get)" \
	"$(sqlite3 "${STATE[a]}" "select count(*) from lookup_record")"

# The agent's other threads (the state writer; the request parser, made
# on first use) start after the drop and have no more than the loop.
# A batch line over 64 KB makes the parser.
hc a --json lookup-record get | jq -c '[.[] | {cmd: "lookup-record.set",
	args: {vsid, ca, mac, pa}}] | . as $o | [range(300)] | map($o) | add' \
	>"$TMPD/big.json" 2>/dev/null
check "a large batch (parsed by the parser thread)" hc a batch "$TMPD/big.json"
thread_caps_ok() {
	local f n=0
	for f in /proc/"${AGENT_PID[a]}"/task/*/status; do
		[ "$(sed -n 's/^CapEff:[[:space:]]*//p' "$f")" = "$want" ] &&
			[ "$(sed -n 's/^CapPrm:[[:space:]]*//p' "$f")" = "$want" ] ||
			return 1
		n=$((n + 1))
	done
	[ "$n" -ge 3 ]
}
check "every thread of the agent (loop, writer, parser) has only those" \
	thread_caps_ok

# ----------------------------------------------------- VMs at run time
check "vm-adapter add: a new VM Extra" \
	hc a vm-adapter add vm Extra name eth0 switch HNVSwitch \
	mac 02:00:00:00:0e:01 vsid 6000
check "Extra's namespace is visible here" ns_visible "$(vm_ns Extra)"
check_wait "Extra's TAP is there" vm_has_if Extra eth0
check "vm remove Extra" hc a vm remove vm Extra
check_not "Extra's namespace is gone here too" \
	test -e "/run/netns/$(vm_ns Extra)"

# ------------------------------------- a namespace deleted and back here
ip netns del "$(vm_ns VmA2)" || fail "cannot delete VmA2's namespace"
check_wait "the agent saw VmA2's namespace go" detached VmA2
ip netns add "$(vm_ns VmA2)" || fail "cannot add VmA2's namespace"
check_wait "the agent attached VmA2 in the new namespace" attached VmA2
check_wait "VmA2's TAP is in the new namespace" vm_has_if VmA2 eth0
vm_guest VmA2 || fail "guest setup of VmA2"
check_ping "VmA1 -> VmA2 again" VmA1 "$A2" 10
check "agent still running" agent_alive a
finish
