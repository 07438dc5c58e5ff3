#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# tests/api/tls.sh: hnv-controller over HTTPS (--tls-cert, --tls-key) with
# a certificate made here (openssl, self-signed for 127.0.0.1), on
# loopback, no root.  hnvctl trusts it with --ca-file (or HNV_CA_FILE)
# and refuses it without; plain HTTP to the HTTPS port gets no API; the
# token is still required.  Closes with "N passed, N failed".
set -u
export LC_ALL=C
TOP=$(cd "$(dirname "$0")/../.." && pwd)
HNVCTL=$TOP/build/bin/hnvctl
CTRL=$TOP/build/bin/hnv-controller
TMPD=$(mktemp -d /tmp/hnv-tls.XXXXXX)
PASS=0
FAIL=0
PID=

cleanup() {
	if [[ -n $PID ]]; then
		kill "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
	rm -rf "$TMPD"
	echo "$PASS passed, $FAIL failed"
	((FAIL == 0))
	exit
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ok() {
	PASS=$((PASS + 1))
	echo "ok   $*"
}
fail() {
	FAIL=$((FAIL + 1))
	echo "FAIL $*"
}

if ! command -v openssl >/dev/null; then
	echo "skip: no openssl (scripts/deps installs it)"
	exit 0
fi
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$TMPD/key.pem" \
	-out "$TMPD/cert.pem" >/dev/null 2>&1 || {
	fail "openssl could not make a certificate"
	exit 1
}
# a free port below the ephemeral range (32768 and up), a few tries: a
# port another test just used may still be taken
for ((try = 0; try < 5; try++)); do
	PORT=$((20000 + RANDOM % 12000))
	"$CTRL" -d --listen "127.0.0.1:$PORT" --db "$TMPD/c.db" \
		--tls-cert "$TMPD/cert.pem" --tls-key "$TMPD/key.pem" \
		>"$TMPD/log" 2>&1 &
	PID=$!
	URL=https://127.0.0.1:$PORT
	# up to 60 s: a loaded machine's fsyncs are slow (the database's
	# first)
	for ((i = 0; i < 600; i++)); do
		curl -sf --cacert "$TMPD/cert.pem" "$URL/v1/health" \
			>/dev/null && break 2
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	kill "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
	PID=
done
if curl -sf --cacert "$TMPD/cert.pem" "$URL/v1/health" | grep -q '"ok"'; then
	ok "GET /v1/health over HTTPS"
else
	fail "no HTTPS health: $(cat "$TMPD/log")"
	exit 1
fi
if out=$(curl -s -m 5 "http://127.0.0.1:$PORT/v1/health" 2>&1) &&
    grep -q '"status"' <<<"$out"; then
	fail "plain HTTP to the HTTPS port got the API: $out"
else
	ok "plain HTTP to the HTTPS port gets no API"
fi
H=("$HNVCTL" --controller "$URL" --token-file "$TMPD/c.db.token")
if "${H[@]}" --ca-file "$TMPD/cert.pem" host add Host1 >/dev/null 2>&1 &&
    "${H[@]}" --ca-file "$TMPD/cert.pem" host list | grep -q Host1; then
	ok "hnvctl --ca-file: host add and list over HTTPS"
else
	fail "hnvctl --ca-file over HTTPS: $("${H[@]}" --ca-file "$TMPD/cert.pem" host list 2>&1)"
fi
if HNV_CA_FILE=$TMPD/cert.pem "${H[@]}" host list | grep -q Host1; then
	ok "HNV_CA_FILE does the same"
else
	fail "HNV_CA_FILE"
fi
if err=$("${H[@]}" host list 2>&1); then
	fail "hnvctl trusted a self-signed certificate without --ca-file"
else
	if grep -qi 'certificate\|SSL' <<<"$err"; then
		ok "without --ca-file hnvctl refuses the certificate ($err)"
	else
		fail "without --ca-file: $err"
	fi
fi
if "$HNVCTL" --controller "$URL" --ca-file "$TMPD/cert.pem" host list \
    >/dev/null 2>&1; then
	fail "no token, yet an answer"
else
	ok "the token is still required over HTTPS"
fi
