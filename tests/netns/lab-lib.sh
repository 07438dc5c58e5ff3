# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
#
# tests/netns/lab-lib.sh: the harness of the tests that build whole labs
# with lab/hnv-lab (lab-book.sh, lab-bluered.sh, lab-book-wildcard.sh).
# A test sets LAB_TAG (two letters) and sources this file; it then gets:
#  - NAME, a lab name of its own (TAG + pid), so its namespaces never
#    clash with the demo lab or another run; TOP, HNV_LAB, PY;
#  - ok/fail counting and, on exit (also Ctrl-C/TERM), `hnv-lab down` and
#    the closing line "N passed, N failed";
#  - lab ARGS: hnv-lab for this lab; lab_namespaces: the namespaces
#    named like it (none is left after `down`); step WHAT CMD: runs CMD,
#    counts it, shows the tail of its output when it fails; step_not:
#    CMD must fail.
set -u -o pipefail
export LC_ALL=C

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HNV_LAB=$TOP/lab/hnv-lab
PY=/usr/bin/python3	# the system python, not a pyenv one
NAME=${LAB_TAG:-tl}$$
PASS=0
FAIL=0

ok() {
	PASS=$((PASS + 1))
	echo "ok   $*"
}
fail() {
	FAIL=$((FAIL + 1))
	echo "FAIL $*"
}
lab() { "$HNV_LAB" --lab "$NAME" "$@"; }
# lab_namespaces: the namespaces named like this lab's (NAME-*).
lab_namespaces() {
	ip netns list 2>/dev/null | awk '{print $1}' | grep "^$NAME-" || true
}

finish() {
	trap - EXIT
	lab down >/dev/null 2>&1 || true
	echo "$PASS passed, $FAIL failed"
	((FAIL == 0))
	exit
}
trap finish EXIT
trap 'exit 143' TERM INT HUP

# step WHAT CMD...: runs CMD, counts it, shows its output when it fails.
step() {
	local what=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	if ((rc == 0)); then
		ok "$what"
	else
		fail "$what (exit $rc)"
		printf '%s\n' "$out" | tail -n 40 | sed 's/^/    /'
	fi
	return $rc
}

# step_not WHAT CMD...: ok if CMD fails.
step_not() {
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then
		fail "$what (unexpectedly succeeded)"
	else
		ok "$what"
	fi
}

# lab_require: root, and the binaries hnv-lab will run.
lab_require() {
	local b
	if ((EUID != 0)); then
		echo "skip: needs root (network namespaces)"
		echo "0 passed, 0 failed"
		trap - EXIT
		exit 0
	fi
	for b in "${HNV_AGENT_BIN:-$TOP/build/bin/hnv-agent}" \
	    "${HNVCTL_BIN:-$TOP/build/bin/hnvctl}"; do
		if [[ ! -x $b ]]; then
			fail "$b is missing (make all)"
			exit 1
		fi
	done
}
