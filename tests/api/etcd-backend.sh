#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# tests/api/etcd-backend.sh: the controller's API tests, written for its
# SQLite store (tests/api/controller.py: the low-level API, validation,
# the change feeds, restarts; gateway.py: gateways, virtual gateways,
# heartbeats and failover), run again with every controller on a real
# 3-member etcd cluster (tests/etcd-lib.sh) through tests/tools/
# etcd-controller: what users rely on must not depend on the store.
# Skips when etcd is not installed.  Closes with "N passed, N failed".
set -u
export LC_ALL=C
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/etcd-lib.sh"
PY=/usr/bin/python3
PASS=0
FAIL=0
TMPD=$(mktemp -d /tmp/hnv-etcd-api.XXXXXX)

cleanup() {
	etcd_cleanup
	rm -rf "$TMPD"
	echo "$PASS passed, $FAIL failed"
	((FAIL == 0))
	exit
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if ! etcd_available; then
	echo "skip: etcd is not installed (scripts/deps installs etcd-server etcd-client)"
	exit 0
fi
if ! etcd_cluster_start "$TMPD/etcd" 3; then
	echo "FAIL cannot start a 3-member etcd cluster"
	FAIL=1
	exit 1
fi
export HNV_ETCD_URLS
HNV_ETCD_URLS=$(etcd_cluster_urls "$TMPD/etcd")
echo "# etcd: $HNV_ETCD_URLS"

for t in api/controller.py api/gateway.py tools/etcd-follow.py; do
	log=$TMPD/${t##*/}.log
	HNV_CONTROLLER_BIN=$TOP/tests/tools/etcd-controller \
	    "$PY" "$TOP/tests/$t" >"$log" 2>&1
	rc=$?
	read -r p f < <(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$log" |
	    tail -n 1 | sed -E 's/^([0-9]+) passed, ([0-9]+) failed.*/\1 \2/')
	p=${p:-0}
	f=${f:-0}
	((rc != 0 && f == 0)) && f=1
	PASS=$((PASS + p))
	FAIL=$((FAIL + f))
	if ((f)); then
		echo "FAIL $t on etcd: $p passed, $f failed; its output ends:"
		grep -a -E '^(FAIL|not ok)' "$log" | head -n 20
		tail -n 15 "$log"
	else
		echo "ok   $t on etcd: $p passed"
	fi
done
