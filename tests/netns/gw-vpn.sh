#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# gw-vpn.sh: the VPN of gateway compartments (gw/vpn.c, doc/gateway.md
# "VPN") through build/tests/gw-vpn-tool: two tenants whose inside
# networks overlap, each with its own charon, site-to-site tunnels to two
# on-premises sites (plain strongSwan peers), point-to-site with
# EAP-MSCHAPv2, re-apply, removal, hostile IKE packets, stop.
#
#              "internet": bridge br0 in ${P}inet (198.51.100.1/24)
#    +-------- p-ta ------- p-tb -------- p-sa ------- p-sb ------ p-cl -----+
#    |                       |             |             |            |
#  ta ext0 .10           tb ext0 .11    sa wan .20    sb wan .21   cl wan .30
#  (compartment A)       (compartment B) (site A)     (site B)     (p2s client)
#  int0 10.0.1.1         int0 10.0.1.1  lan 192.168.50.1 lan 192.168.60.1
#   vma 10.0.1.10         vmb 10.0.1.10  ha 192.168.50.10  hb 192.168.60.10
#
# The compartments get their VPN from gw_vpn_apply; the sites and the
# client run charon (kernel-libipsec, like the compartments here) set up
# by this script with swanctl.

TEST_TAG=gv
. "$(dirname "$0")/lib.sh"

TOOL=${HNV_GW_VPN_TOOL:-$HNV_TOP/build/tests/gw-vpn-tool}
CHARON=/usr/lib/ipsec/charon

require_root
[ -x "$TOOL" ] || die "$TOOL missing: run 'make all' first"
require_tools jq tshark pki swanctl scapy
[ -x "$CHARON" ] || die "$CHARON missing (strongswan-charon)"
[ -c /dev/net/tun ] || die "/dev/net/tun missing"

INET="${P}inet"
GWDIR_A="$TMPD/gw-a"
GWDIR_B="$TMPD/gw-b"

# The compartments' charons, by the pid files in their directories (the
# peers' are BG_PIDS; and the namespaces' deletion in lib.sh's cleanup
# would kill anything left in them).
vpn_cleanup() {
	local f pid
	for f in "$GWDIR_A/run/charon.pid" "$GWDIR_B/run/charon.pid"; do
		[ -f "$f" ] || continue
		pid=$(cat "$f" 2>/dev/null)
		[ -n "$pid" ] && pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null
	done
	return 0
}
trap 'rc_=$?; vpn_cleanup; (exit $rc_); on_exit' EXIT

# ---------------------------------------------------------------------------
# Topology

# link_to_inet NS ADDR: NS's wan/ext interface on the internet bridge.
link_to_inet() {
	local ns=$1 ifc=$2 addr=$3 port=$4
	ip -n "$INET" link add "$port" type veth peer name "$ifc" netns "$ns" ||
		die "cannot link $ns"
	ip -n "$INET" link set "$port" master br0 up
	ip -n "$ns" addr add "$addr/24" dev "$ifc"
	ip -n "$ns" link set "$ifc" up
}

# inside NS IFC ADDR/LEN HOSTNS HOSTADDR/LEN GW: a host behind NS.
inside() {
	local ns=$1 ifc=$2 addr=$3 hns=$4 haddr=$5
	ns_add "$hns"
	ip netns exec "$hns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip -n "$ns" link add "$ifc" type veth peer name eth0 netns "$hns"
	ip -n "$ns" addr add "$addr" dev "$ifc"
	ip -n "$ns" link set "$ifc" up
	ip -n "$hns" addr add "$haddr" dev eth0
	ip -n "$hns" link set eth0 up
	ip -n "$hns" route add default via "${addr%/*}"
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
}

ns_add "$INET"
ip netns exec "$INET" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	net.ipv6.conf.default.disable_ipv6=1
ip -n "$INET" link add br0 type bridge mcast_snooping 0 || die "no bridge"
ip -n "$INET" addr add 198.51.100.1/24 dev br0
ip -n "$INET" link set br0 up
for n in ta tb sa sb cl; do
	ns_add "${P}$n"
	ip netns exec "${P}$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
done
link_to_inet "${P}ta" ext0 198.51.100.10 p-ta
link_to_inet "${P}tb" ext0 198.51.100.11 p-tb
link_to_inet "${P}sa" wan0 198.51.100.20 p-sa
link_to_inet "${P}sb" wan0 198.51.100.21 p-sb
link_to_inet "${P}cl" wan0 198.51.100.30 p-cl
# The same inside network in both compartments (overlapping CAs).
inside "${P}ta" int0 10.0.1.1/24 "${P}vma" 10.0.1.10/24
inside "${P}tb" int0 10.0.1.1/24 "${P}vmb" 10.0.1.10/24
inside "${P}sa" lan0 192.168.50.1/24 "${P}ha" 192.168.50.10/24
inside "${P}sb" lan0 192.168.60.1/24 "${P}hb" 192.168.60.10/24

# ---------------------------------------------------------------------------
# Certificates: a CA and the compartment A's server certificate (SAN: its
# external address), made with pki.

CERTS="$TMPD/certs"
mkdir -p "$CERTS"
(
	cd "$CERTS" &&
	pki --gen --type ecdsa --size 256 --outform pem >ca.key &&
	pki --self --ca --lifetime 30 --in ca.key --dn "CN=hnv test CA" \
		--outform pem >ca.pem &&
	pki --gen --type ecdsa --size 256 --outform pem >srv.key &&
	pki --pub --in srv.key |
		pki --issue --lifetime 30 --cacert ca.pem --cakey ca.key \
			--dn "CN=198.51.100.10" --san 198.51.100.10 \
			--flag serverAuth --outform pem >srv.pem
) >"$TMPD/pki.log" 2>&1 || { show_tail "$TMPD/pki.log"; die "pki failed"; }

# ---------------------------------------------------------------------------
# The peers: charon (kernel-libipsec) in NS with DIR/run over /run.

peer_start() {
	local ns=$1 dir=$2
	mkdir -p "$dir/run" "$dir/x509ca"
	cat >"$dir/run/strongswan.conf" <<EOF
charon {
	load_modular = no
	load = random nonce openssl gcrypt aes sha1 sha2 hmac kdf gcm curve25519 pem pkcs1 pkcs8 x509 pubkey revocation constraints eap-identity eap-mschapv2 socket-default vici kernel-libipsec kernel-netlink
	plugins {
		vici {
			socket = unix:///run/charon.vici
		}
	}
	filelog {
		charon {
			path = /run/charon.log
			default = 1
		}
	}
	syslog {
		daemon {
			default = -1
		}
	}
}
EOF
	ip netns exec "$ns" unshare -m sh -c "mount --make-rslave / &&
		mount --bind '$dir/run' /run &&
		STRONGSWAN_CONF=/run/strongswan.conf exec $CHARON" \
		</dev/null >"$dir/charon.out" 2>&1 &
	BG_PIDS+=("$!")
	wait_for -t 5 test -S "$dir/run/charon.vici" || {
		show_tail "$dir/charon.out"
		die "charon of $ns did not start"
	}
}

# sw DIR COMMAND [ARGS]: swanctl against the charon of DIR.
sw() {
	local dir=$1 cmd=$2
	shift 2
	SWANCTL_DIR=$dir swanctl "$cmd" --uri "unix://$dir/run/charon.vici" "$@"
}

# site_conf DIR WAN GW LAN PSK (PSK as swanctl.conf must carry it)
site_conf() {
	cat >"$1/swanctl.conf" <<EOF
connections {
	gw {
		version = 2
		local_addrs = $2
		remote_addrs = $3
		encap = yes
		mobike = no
		local {
			auth = psk
			id = $2
		}
		remote {
			auth = psk
			id = $3
		}
		children {
			gw {
				local_ts = $4
				remote_ts = 10.0.1.0/24
			}
		}
	}
}
secrets {
	ike-gw {
		id = $3
		secret = $5
	}
}
EOF
	sw "$1" --load-all --noprompt >"$1/load.log" 2>&1 ||
		{ show_tail "$1/load.log"; die "loading $1 failed"; }
}

SA_DIR="$TMPD/site-a"
SB_DIR="$TMPD/site-b"
CL_DIR="$TMPD/client"
peer_start "${P}sa" "$SA_DIR"
peer_start "${P}sb" "$SB_DIR"
peer_start "${P}cl" "$CL_DIR"
site_conf "$SA_DIR" 198.51.100.20 198.51.100.10 192.168.50.0/24 '"psk of \"A\" {x}"'
site_conf "$SB_DIR" 198.51.100.21 198.51.100.11 192.168.60.0/24 psk-of-b

# The hostile EAP user name, as swanctl.conf must carry it.
ODD='bob "x" {y} \z'
ODD_Q='"bob \"x\" {y} \\z"'

cp "$CERTS/ca.pem" "$CL_DIR/x509ca/ca.pem"
client_conn() {
	cat <<EOF
	$1 {
		version = 2
		remote_addrs = 198.51.100.10
		vips = 0.0.0.0
		encap = yes
		local {
			auth = eap-mschapv2
			eap_id = $2
		}
		remote {
			auth = pubkey
			id = 198.51.100.10
		}
		children {
			$1 {
				remote_ts = 10.0.1.0/24
			}
		}
	}
EOF
}
{
	echo "connections {"
	client_conn alice alice
	client_conn carol carol
	client_conn odd "$ODD_Q"
	echo "}"
	cat <<EOF
secrets {
	eap-a {
		id = alice
		secret = "alice pw"
	}
	eap-c {
		id = carol
		secret = "not carol's"
	}
	eap-o {
		id = $ODD_Q
		secret = odd-pw
	}
}
EOF
} >"$CL_DIR/swanctl.conf"
sw "$CL_DIR" --load-all --noprompt >"$CL_DIR/load.log" 2>&1 ||
	{ show_tail "$CL_DIR/load.log"; die "loading the client failed"; }

# ---------------------------------------------------------------------------
# The compartments' VPN

VPN_A="$TMPD/vpn-a.json"
VPN_B="$TMPD/vpn-b.json"
jq -n --rawfile cert "$CERTS/srv.pem" --rawfile key "$CERTS/srv.key" \
	--arg odd "$ODD" '{
	siteToSite: [{resourceId: "hq", peerAddress: "198.51.100.20",
		remotePrefixes: ["192.168.50.0/24"],
		localPrefixes: ["10.0.1.0/24"], psk: "psk of \"A\" {x}"}],
	pointToSite: {addressPool: "172.16.200.0/24",
		localPrefixes: ["10.0.1.0/24"],
		users: [{name: "alice", password: "alice pw"},
			{name: "carol", password: "carol pw"},
			{name: $odd, password: "odd-pw"}],
		serverCertificate: $cert, serverKey: $key}}' >"$VPN_A"
jq -n '{siteToSite: [{resourceId: "branch", peerAddress: "198.51.100.21",
	remotePrefixes: ["192.168.60.0/24"], localPrefixes: ["10.0.1.0/24"],
	psk: "psk-of-b"}]}' >"$VPN_B"

apply() {
	"$TOOL" apply "$1" "$2" "$3" "$4"
}
st() {
	"$TOOL" status "$1"
}
# s2s FIELD DIR NAME: a field of connection NAME's status.
s2s() {
	st "$2" | jq -r --arg n "$3" ".connections[] | select(.name == \$n) | $1"
}
established() {
	[ "$(s2s .state "$1" "$2")" = ESTABLISHED ] &&
		[ "$(s2s '.childSas | length' "$1" "$2")" -ge 1 ]
}
ping_from() {
	ip netns exec "$1" ping -n -c 1 -W 1 "$2"
}
charon_of() {
	cat "$1/run/charon.pid" 2>/dev/null
}

check "apply tenant A (site-to-site hq, point-to-site)" \
	apply "${P}ta" "$GWDIR_A" 198.51.100.10 "$VPN_A"
check "apply tenant B (site-to-site branch)" \
	apply "${P}tb" "$GWDIR_B" 198.51.100.11 "$VPN_B"
PID_A=$(charon_of "$GWDIR_A")
PID_B=$(charon_of "$GWDIR_B")
check "two charons run, one per compartment" \
	test -n "$PID_A" -a -n "$PID_B" -a "$PID_A" != "$PID_B"
ESP=$(st "$GWDIR_A" | jq -r .esp)
case $ESP in
kernel-libipsec)
	check_wait "ESP in user space (the probe found no kernel ESP): ipsec0 in A" \
		ip -n "${P}ta" link show ipsec0 ;;
xfrm) ok "ESP in the kernel (the probe found it): xfrm" ;;
*) fail "status .esp: '$ESP'" ;;
esac
check "secrets are private (swanctl.conf mode 600, dir 700)" \
	test "$(stat -c %a "$GWDIR_A/swanctl.conf") $(stat -c %a "$GWDIR_A")" = "600 700"

check_wait "tunnel A (hq) ESTABLISHED" -t 15 established "$GWDIR_A" hq
check_wait "tunnel B (branch) ESTABLISHED" -t 15 established "$GWDIR_B" branch
if ip -n "${P}ta" link show ipsec0 >/dev/null 2>&1; then
	check "compartment A: libipsec routes remote prefix via ipsec0 in table 220" \
		sh -c "ip -n '${P}ta' route show table 220 | grep -q '^192.168.50.0/24 dev ipsec0'"
fi

cap_start wire-a "$INET" p-ta || die "no capture"
BYTES0=$(s2s '.childSas[0].bytesOut' "$GWDIR_A" hq)
check_wait "VM A -> site A's LAN host 192.168.50.10" ping_from "${P}vma" 192.168.50.10
check "VM A -> site A again (5 echoes)" \
	ip netns exec "${P}vma" ping -n -c 5 -i 0.2 -W 1 192.168.50.10
check_not "VM A cannot reach site B's 192.168.60.10" \
	ip netns exec "${P}vma" ping -n -c 2 -i 0.3 -W 1 192.168.60.10
check_wait "VM B -> site B's LAN host 192.168.60.10" ping_from "${P}vmb" 192.168.60.10
check_not "VM B cannot reach site A's 192.168.50.10" \
	ip netns exec "${P}vmb" ping -n -c 2 -i 0.3 -W 1 192.168.50.10
check_wait "site A's host -> VM A 10.0.1.10 (tenant A's, not B's)" \
	ping_from "${P}ha" 10.0.1.10
cap_stop wire-a || fail "capture lost"
check_gt "tunnel A byte counters grow (bytesOut)" \
	"$(s2s '.childSas[0].bytesOut' "$GWDIR_A" hq)" "${BYTES0:-0}"
check_gt "tunnel A counts packets in" \
	"$(s2s '.childSas[0].packetsIn' "$GWDIR_A" hq)" 0
check_gt "wire (compartment A <-> internet): ESP-in-UDP 4500 frames" \
	"$(cap_count wire-a 'udp.port == 4500 && esp && ip.addr == 198.51.100.20')" 5
check_eq "wire: no ICMP in clear" 0 "$(cap_count wire-a icmp)"
check_eq "wire: no tenant/site address in clear" 0 \
	"$(cap_count wire-a 'ip.addr == 10.0.1.0/24 || ip.addr == 192.168.50.0/24')"
check_eq "wire: ESP left with source = the external address" 0 \
	"$(cap_count wire-a 'esp && ip.dst == 198.51.100.20 && ip.src != 198.51.100.10')"

# Point-to-site.
check "p2s: alice connects (EAP-MSCHAPv2, server cert by the test CA)" \
	sw "$CL_DIR" --initiate --child alice --timeout 15
VIP=$(st "$GWDIR_A" | jq -r '.pointToSite.users[] | select(.name == "alice") | .virtualIps[0]')
case $VIP in
172.16.200.*) ok "p2s: alice's virtual IP $VIP is from the pool" ;;
*) fail "p2s: alice's virtual IP '$VIP' not from 172.16.200.0/24" ;;
esac
check "p2s: the client holds the virtual IP" \
	sh -c "ip -n '${P}cl' -4 addr | grep -q 'inet $VIP/'"
check_wait "p2s: the client pings VM A 10.0.1.10" ping_from "${P}cl" 10.0.1.10
check "p2s: VM A pings the client's virtual IP" ping_from "${P}vma" "$VIP"
sw "$CL_DIR" --terminate --ike alice --timeout 5 >/dev/null 2>&1
check_not "p2s: carol with a wrong password is refused" \
	sw "$CL_DIR" --initiate --child carol --timeout 10
check "p2s: the user named '$ODD' connects (quoting survives)" \
	sw "$CL_DIR" --initiate --child odd --timeout 15
check_eq "p2s: status names the user" "$ODD" \
	"$(st "$GWDIR_A" | jq -r '.pointToSite.users[0].name')"
sw "$CL_DIR" --terminate --ike odd --timeout 5 >/dev/null 2>&1

# Re-apply: nothing moves.
UID_A=$(s2s .uniqueId "$GWDIR_A" hq)
SPI_A=$(s2s '.childSas[0].spiIn' "$GWDIR_A" hq)
check "re-apply tenant A, same config" \
	apply "${P}ta" "$GWDIR_A" 198.51.100.10 "$VPN_A"
check_eq "re-apply: same charon" "$PID_A" "$(charon_of "$GWDIR_A")"
check_eq "re-apply: same IKE_SA (unique id)" "$UID_A" "$(s2s .uniqueId "$GWDIR_A" hq)"
check_eq "re-apply: same CHILD_SA (SPI)" "$SPI_A" "$(s2s '.childSas[0].spiIn' "$GWDIR_A" hq)"

# Hostile: garbage to the IKE ports of both compartments.
UID_B=$(s2s .uniqueId "$GWDIR_B" branch)
scapy_in "ns:$INET" <<'PYEOF' || fail "scapy failed"
import os, random, struct
from scapy.all import IP, UDP, Raw, send, conf
conf.verb = 0
random.seed(7)
pkts = []
for dst in ("198.51.100.10", "198.51.100.11"):
    for i in range(400):
        sport = random.choice([500, 4500, random.randint(1024, 65535)])
        dport = random.choice([500, 4500])
        k = i % 4
        if k == 0:      # random bytes
            pay = os.urandom(random.randint(0, 1400))
        elif k == 1:    # an IKE header with random fields and lengths
            pay = os.urandom(8) + os.urandom(8) + bytes([random.randint(0, 255), 0x20, random.choice([34, 35, 36, 37, random.randint(0, 255)]), random.randint(0, 255)]) + os.urandom(4) + struct.pack("!I", random.randint(0, 1 << 32 - 1)) + os.urandom(random.randint(0, 600))
        elif k == 2:    # non-ESP marker + IKE garbage on 4500
            pay = b"\0\0\0\0" + os.urandom(random.randint(0, 800))
        else:           # ESP-looking: random SPI and sequence
            pay = os.urandom(random.randint(8, 400))
        pkts.append(IP(src="198.51.100.1", dst=dst)/UDP(sport=sport, dport=dport)/Raw(pay))
send(pkts, inter=0)
PYEOF
sleep 1
check_eq "hostile: charon A still the same process" "$PID_A" "$(charon_of "$GWDIR_A")"
check "hostile: charon A alive" pid_alive "$PID_A"
check "hostile: charon B alive" pid_alive "$PID_B"
check_eq "hostile: tunnel A still up, same IKE_SA" "$UID_A ESTABLISHED" \
	"$(s2s .uniqueId "$GWDIR_A" hq) $(s2s .state "$GWDIR_A" hq)"
check_eq "hostile: tunnel B still up, same IKE_SA" "$UID_B ESTABLISHED" \
	"$(s2s .uniqueId "$GWDIR_B" branch) $(s2s .state "$GWDIR_B" branch)"
check_wait "hostile: VM B still reaches site B" ping_from "${P}vmb" 192.168.60.10

# Bad input: refused, the running config untouched.
jq '.siteToSite[0].psk = null' "$VPN_A" >"$TMPD/bad.json"
if apply "${P}ta" "$GWDIR_A" 198.51.100.10 "$TMPD/bad.json" 2>"$TMPD/bad.err"; then
	fail "a siteToSite entry without psk is refused"
else
	check "a siteToSite entry without psk is refused, naming the field" \
		grep -q 'siteToSite\[0\].psk: missing' "$TMPD/bad.err"
fi
check_eq "... and the tunnel stays" ESTABLISHED "$(s2s .state "$GWDIR_A" hq)"

# Removing the siteToSite entry tears that tunnel down (p2s stays).
jq '.siteToSite = []' "$VPN_A" >"$TMPD/vpn-a2.json"
check "apply tenant A without siteToSite" \
	apply "${P}ta" "$GWDIR_A" 198.51.100.10 "$TMPD/vpn-a2.json"
check_eq "removal: status has no connection" 0 \
	"$(st "$GWDIR_A" | jq '.connections | length')"
check_wait "removal: site A has no IKE_SA left" -t 5 \
	sh -c "[ -z \"\$(SWANCTL_DIR='$SA_DIR' swanctl --list-sas --uri 'unix://$SA_DIR/run/charon.vici' 2>/dev/null | grep ESTABLISHED)\" ]"
check_not "removal: VM A no longer reaches site A" \
	ip netns exec "${P}vma" ping -n -c 2 -i 0.3 -W 1 192.168.50.10
check "removal: tenant B unaffected" ping_from "${P}vmb" 192.168.60.10

# Stop: no process, no file.
"$TOOL" stop "${P}ta" "$GWDIR_A"
"$TOOL" stop "${P}tb" "$GWDIR_B"
check "stop: charon A gone" pid_gone "$PID_A"
check "stop: charon B gone" pid_gone "$PID_B"
check "stop: compartment directories removed (secrets too)" \
	test ! -e "$GWDIR_A" -a ! -e "$GWDIR_B"
check_eq "stop: status says not running" false "$(st "$GWDIR_A" | jq .running)"
check "stop: nothing left in the compartments' namespaces" \
	test -z "$(ip netns pids "${P}ta")$(ip netns pids "${P}tb")"

finish
