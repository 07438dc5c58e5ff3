#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""tests/api/hnvctl-hl.py: hnvctl's high-level subcommands (vm-network,
subnet, server, vm NAME) against an hnv-controller of its own (no root):
the book's datacenter built with them, their tables and --json, the
controller's errors passed on (exit 1), usage errors (exit 64), and the
low-level 'vm add vm NAME' still reaching the VM object.
"""
import json
import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ctrllib import TOP, Controller, check, finish  # noqa: E402

HNVCTL = os.environ.get("HNVCTL_BIN",
                        os.path.join(TOP, "build", "bin", "hnvctl"))
C = Controller("hnvctl-hl", args=["--vsid-range", "6001-6010"]).start()
BASE = [HNVCTL, "--controller", "http://127.0.0.1:%d" % C.port,
        "--token-file", C.db + ".token"]


def ctl(*args, json_out=False):
    cmd = BASE + (["--json"] if json_out else []) + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    out = p.stdout
    if json_out and p.returncode == 0:
        try:
            out = json.loads(p.stdout)
        except ValueError:
            out = None
    return p.returncode, out, p.stderr


def lines(out):
    return [ln.split() for ln in out.strip().splitlines()]


# the physical network and a MAC pool come through the API (hnvctl has
# no logical-network subcommand)
C.req("PUT", "/v1/logicalNetworks/PhysNet", {"properties": {"subnets": [
    {"resourceId": "phys", "properties": {
        "addressPrefix": "192.168.0.0/24", "defaultGateways": ["192.168.0.1"],
        "ipPools": [{"resourceId": "p", "properties": {
            "startIpAddress": "192.168.0.11",
            "endIpAddress": "192.168.0.40"}}]}}]}})
C.req("PUT", "/v1/macPools/mp", {"properties": {
    "startMacAddress": "60:00:60:00:00:00",
    "endMacAddress": "60:00:60:00:00:ff"}})
LS = "/logicalNetworks/PhysNet/subnets/phys"

rc, out, err = ctl("server", "add", "Host1", "pa-subnet", LS, "pa",
                   "192.168.0.22")
check(rc == 0 and lines(out) == [["NAME", "PROVIDER-ADDRESSES", "SWITCH"],
                                 ["Host1", "192.168.0.22", "HNVSwitch"]],
      "server add Host1 pa 192.168.0.22: a table", (rc, out, err))
rc, out, err = ctl("server", "add", "Host2", "pa-subnet", LS, "pa",
                   "192.168.0.33")
rc2, out2, err2 = ctl("server", "add", "GWHost", "pa-subnet", LS,
                      json_out=True)
check(rc == 0 and rc2 == 0 and out2["properties"]["providerAddresses"][0][
    "address"] == "192.168.0.11", "server add GWHost: PA allocated; --json "
    "gives the resource", (rc2, out2, err2))
rc, out, err = ctl("server", "get")
check(rc == 0 and [ln[0] for ln in lines(out)] ==
      ["NAME", "Host1", "Host2", "GWHost"], "server get: every server",
      (rc, out, err))

rc, out, err = ctl("vm-network", "add", "Contoso", "rdid",
                   "12345678-1000-2000-3000-123456780001", "prefix",
                   "10.0.0.0/16")
check(rc == 0 and lines(out)[1] ==
      ["Contoso", "{12345678-1000-2000-3000-123456780001}", "10.0.0.0/16",
       "-"], "vm-network add Contoso rdid ... prefix ...", (rc, out, err))
rc, out, err = ctl("vm-network", "add", "Contoso")
check(rc == 1 and "exists" in err, "vm-network add of an existing one: "
      "exit 1 with the controller's message", (rc, err))
rc, out, err = ctl("subnet", "add", "Contoso/s1", "prefix", "10.0.1.0/24",
                   "vsid", "6000")
check(rc == 0 and lines(out) == [["VM-NETWORK", "NAME", "PREFIX", "VSID"],
                                 ["Contoso", "s1", "10.0.1.0/24", "6000"]],
      "subnet add Contoso/s1 prefix ... vsid 6000", (rc, out, err))
rc, out, err = ctl("subnet", "add", "s2", "vm-network", "Contoso",
                   "prefix", "10.0.2.0/24")
check(rc == 0 and lines(out)[1] == ["Contoso", "s2", "10.0.2.0/24", "6001"],
      "subnet add s2 vm-network Contoso: VSID allocated (6001)",
      (rc, out, err))
rc, out, err = ctl("subnet", "get")
check(rc == 0 and len(lines(out)) == 3, "subnet get: every subnet",
      (rc, out))
rc, out, err = ctl("subnet", "get", "Contoso/s2", json_out=True)
check(rc == 0 and out["properties"]["virtualSubnetId"] == 6001,
      "subnet get Contoso/s2 --json", (rc, out, err))
rc, out, err = ctl("subnet", "add", "Contoso/s9", "prefix", "10.0.9.1/24")
check(rc == 1 and "addressPrefix" in err, "a bad prefix: exit 1 naming the "
      "field", (rc, err))

for args in (("Contoso1", "host", "Host1", "subnet", "Contoso/s1", "ip",
              "10.0.1.101", "mac", "60:00:60:00:01:01"),
             ("Contoso2", "host", "Host1", "subnet", "Contoso/s1"),
             ("Contoso3", "host", "Host2", "subnet", "Contoso/s1", "ip",
              "10.0.1.103"),
             ("MT-GW", "host", "GWHost", "subnet", "Contoso/s2", "ip",
              "10.0.2.2", "mac", "60-01-60-01-03-01")):
    rc, out, err = ctl("vm", "add", *args)
    check(rc == 0 and lines(out)[1][:4] == [args[0], args[0], args[2],
                                            args[4]],
          "vm add " + " ".join(args), (rc, out, err))
rc, out, err = ctl("vm", "get")
rows = lines(out)
check(rc == 0 and rows[0] == ["NAME", "VM", "HOST", "SUBNET", "IP", "MAC"]
      and rows[2][4] == "10.0.1.2" and rows[4] == [
          "MT-GW", "MT-GW", "GWHost", "Contoso/s2", "10.0.2.2",
          "60:01:60:01:03:01"],
      "vm get: the interfaces (Contoso2's IP allocated)", (rc, out, err))
lrs = C.req("GET", "/v1/lookup-records?limit=1000").json["items"]
check({(x["customerAddress"], x["providerAddress"]) for x in lrs
       if "host" not in x} ==
      {("10.0.1.101", "192.168.0.22"), ("10.0.1.2", "192.168.0.22"),
       ("10.0.1.103", "192.168.0.33"), ("10.0.2.2", "192.168.0.11")},
      "the controller derived the records", lrs)

rc, out, err = ctl("vm", "move", "Contoso1", "host", "Host2")
check(rc == 0 and lines(out)[1][2] == "Host2" and C.req(
    "GET", "/v1/lookup-records?customerAddress=10.0.1.101").json["items"][0][
    "providerAddress"] == "192.168.0.33", "vm move Contoso1 host Host2",
    (rc, out, err))
rc, out, err = ctl("vm", "move", "Contoso1", "host", "Nowhere")
check(rc == 1 and "Nowhere" in err, "vm move to no such host: exit 1",
      (rc, err))
rc, out, err = ctl("vm", "get", "Contoso1", json_out=True)
check(rc == 0 and out["properties"]["server"]["resourceRef"] ==
      "/servers/Host2", "vm get Contoso1 --json", (rc, out))

# errors the low-level way
rc, out, err = ctl("--host", "Host1", "lookup-record", "remove", "ca",
                   "10.0.1.2", "vsid", "6000")
check(rc == 1 and "/networkInterfaces/Contoso2" in err,
      "lookup-record remove of a derived record: exit 1 naming its owner",
      (rc, err))
# the low-level VM object is still 'vm add vm NAME'
rc, out, err = ctl("--host", "Host1", "vm", "add", "vm", "Plain1")
check(rc == 0 and C.req("GET", "/v1/hosts/Host1/vms?vmName=Plain1").json[
    "items"], "vm add vm Plain1 (--host): the low-level VM object",
    (rc, out, err))
rc, out, err = ctl("--host", "Host1", "vm", "remove", "vm", "Plain1")
check(rc == 0, "vm remove vm Plain1", (rc, err))

# usage errors
for args in (("vm", "add", "X"), ("vm", "add", "X", "host", "Host1"),
             ("subnet", "add", "s1", "prefix", "10.0.1.0/24"),
             ("vm-network", "add", "N", "colour", "blue"),
             ("server", "frobnicate")):
    rc, out, err = ctl(*args)
    check(rc == 64, "usage error: hnvctl %s (exit 64)" % " ".join(args),
          (rc, err))
p = subprocess.run([HNVCTL, "vm-network", "get"], capture_output=True,
                   text=True, env=dict(os.environ, HNV_CONTROLLER=""))
check(p.returncode == 64 and "controller" in p.stderr,
      "without --controller: exit 64 saying so", (p.returncode, p.stderr))

# several controllers (one etcd cluster's): one that refuses connections
# is passed over, for reads and writes; a bad URL in the list is a usage
# error naming it
sk = socket.socket()
sk.bind(("127.0.0.1", 0))
dead = sk.getsockname()[1]
sk.close()
MULTI = [HNVCTL, "--controller", "http://127.0.0.1:%d,http://127.0.0.1:%d"
         % (dead, C.port), "--token-file", C.db + ".token"]
p = subprocess.run(MULTI + ["--json", "vm-network", "get", "Contoso"],
                   capture_output=True, text=True, timeout=30)
check(p.returncode == 0 and "Contoso" in p.stdout,
      "--controller DEAD,LIVE: the read goes to the live one",
      (p.returncode, p.stderr))
p = subprocess.run(MULTI + ["server", "add", "Multi1"], capture_output=True,
                   text=True, timeout=30)
check(p.returncode == 0 and C.req("GET", "/v1/hosts/Multi1").status == 200,
      "--controller DEAD,LIVE: the write too, once",
      (p.returncode, p.stderr))
ctl("server", "remove", "Multi1")
p = subprocess.run([HNVCTL, "--controller", "http://127.0.0.1:%d,ftp://x"
                    % C.port, "vm-network", "get"], capture_output=True,
                   text=True, timeout=30)
check(p.returncode == 64 and "ftp://x" in p.stderr,
      "--controller with a bad URL in the list: exit 64 naming it",
      (p.returncode, p.stderr))
p = subprocess.run([HNVCTL, "--controller", "http://127.0.0.1:%d" % dead,
                    "--token-file", C.db + ".token", "vm-network", "get"],
                   capture_output=True, text=True, timeout=30)
check(p.returncode != 0 and "127.0.0.1:%d" % dead in p.stderr,
      "--controller DEAD alone: an error naming it",
      (p.returncode, p.stderr))

# removal
rc, out, err = ctl("vm", "remove", "Contoso3")
check(rc == 0 and out == "" and C.req(
    "GET", "/v1/networkInterfaces/Contoso3").status == 404,
    "vm remove Contoso3", (rc, out, err))
rc, out, err = ctl("subnet", "remove", "Contoso/s2")
check(rc == 1 and "MT-GW" in err, "subnet remove of a used subnet: exit 1",
      (rc, err))
for n in ("Contoso1", "Contoso2", "MT-GW"):
    ctl("vm", "remove", n)
rc, out, err = ctl("subnet", "remove", "Contoso/s2")
check(rc == 0, "subnet remove Contoso/s2", (rc, err))
rc, out, err = ctl("vm-network", "remove", "Contoso")
check(rc == 0 and not C.req("GET", "/v1/customer-routes").json["items"],
      "vm-network remove Contoso: its routes go", (rc, err))
rc, out, err = ctl("server", "remove", "GWHost")
check(rc == 0 and C.req("GET", "/v1/hosts/GWHost").status == 404,
      "server remove GWHost: its host goes", (rc, err))
rc, out, err = ctl("vm-network", "get", "Contoso")
check(rc == 1 and "no virtual network" in err, "get of a removed one: "
      "exit 1", (rc, err))
check(C.stop() == 0, "the controller stops cleanly")
finish()
