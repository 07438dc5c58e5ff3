#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""tests/api/hnvctl-gw.py: hnvctl's gateway and vgateway subcommands
(doc/gateway.md) against an hnv-controller of its own (no root): gateways
and a virtual gateway made with them, their tables and --json, failover,
the controller's errors passed on (exit 1), usage errors (exit 64).
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ctrllib import TOP, Controller, check, finish  # noqa: E402

HNVCTL = os.environ.get("HNVCTL_BIN",
                        os.path.join(TOP, "build", "bin", "hnvctl"))
C = Controller("hnvctl-gw", args=["--vsid-range", "6001-6010"]).start()
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


LS = "/logicalNetworks/PhysNet/subnets/phys"
C.req("PUT", "/v1/logicalNetworks/PhysNet", {"properties": {"subnets": [
    {"resourceId": "phys", "properties": {
        "addressPrefix": "192.168.0.0/24",
        "ipPools": [{"resourceId": "p", "properties": {
            "startIpAddress": "192.168.0.11",
            "endIpAddress": "192.168.0.40"}}]}}]}})
C.req("PUT", "/v1/macPools/mp", {"properties": {
    "startMacAddress": "60:00:60:00:00:00",
    "endMacAddress": "60:00:60:00:00:ff"}})
for h in ("GWHost", "GWHost2"):
    check(ctl("server", "add", h, "pa-subnet", LS)[0] == 0, "server add " + h)
check(ctl("vm-network", "add", "Contoso", "prefix", "10.0.0.0/16")[0] == 0
      and ctl("subnet", "add", "Contoso/web", "prefix", "10.0.1.0/24")[0] == 0
      and ctl("subnet", "add", "Contoso/gw", "prefix", "10.0.2.0/24")[0] == 0,
      "vm-network Contoso with subnets web and gw")

rc, out, err = ctl("gateway", "add", "gw1", "server", "GWHost",
                   "external-prefix", "203.0.113.0/24", "external-gateway",
                   "203.0.113.1")
check(rc == 0 and lines(out) == [
    ["NAME", "SERVER", "EXTERNAL-PREFIX", "EXTERNAL-GATEWAY", "INTERFACE",
     "ALIVE"],
    ["gw1", "GWHost", "203.0.113.0/24", "203.0.113.1", "Ethernet2", "no"]],
    "gateway add gw1: a table", (rc, out, err))
rc, out, err = ctl("gateway", "add", "gw2", "server", "GWHost2",
                   "external-prefix", "203.0.113.0/24", "external-interface",
                   "eth9", json_out=True)
check(rc == 0 and out["properties"]["externalInterface"] == "eth9",
      "gateway add gw2 --json", (rc, out, err))
C.req("PUT", "/v1/gateways/gw2/heartbeat", {})
rc, out, err = ctl("gateway", "get")
check(rc == 0 and [ln[0] + ":" + ln[5] for ln in lines(out)[1:]] ==
      ["gw1:no", "gw2:yes"], "gateway get: both, gw2 alive", (rc, out, err))
rc, out, err = ctl("gateway", "add", "gw3", "server", "Nope",
                   "external-prefix", "203.0.113.0/24")
check(rc == 1 and "no such server" in err,
      "gateway add with a missing server: the controller's 400 (exit 1)",
      (rc, out, err))
rc, out, err = ctl("gateway", "add", "gw3", "server", "GWHost")
check(rc == 64, "gateway add without external-prefix: usage (64)",
      (rc, out, err))

rc, out, err = ctl("vgateway", "add", "contoso", "vm-network", "Contoso",
                   "subnet", "Contoso/gw", "gateways", "gw1,gw2",
                   "external-address", "203.0.113.10")
check(rc == 0 and lines(out) == [
    ["NAME", "VM-NETWORK", "GATEWAYS", "ACTIVE", "MODE", "EXTERNAL-ADDRESS",
     "GATEWAY-ADDRESS", "VM"],
    ["contoso", "Contoso", "gw1,gw2", "gw1", "nat", "203.0.113.10",
     "10.0.2.2", "gw-contoso"]], "vgateway add contoso: a table",
    (rc, out, err))
vms = C.req("GET", "/v1/hosts/GWHost/vms").json["items"]
check([v["vmName"] for v in vms] == ["gw-contoso"],
      "its compartment VM on GWHost", vms)
rc, out, err = ctl("vgateway", "failover", "contoso", "to", "gw2",
                   json_out=True)
check(rc == 0 and out["properties"]["activeGateway"] ==
      {"resourceRef": "/gateways/gw2"}, "vgateway failover contoso to gw2",
      (rc, out, err))
vms = C.req("GET", "/v1/hosts/GWHost2/vms").json["items"]
check([v["vmName"] for v in vms] == ["gw-contoso"],
      "the compartment VM moved to GWHost2", vms)
rc, out, err = ctl("vgateway", "get", "contoso")
check(rc == 0 and lines(out)[1][3] == "gw2", "vgateway get: gw2 active",
      (rc, out, err))
rc, out, err = ctl("vgateway", "failover", "contoso", "to", "gw9")
check(rc == 1 and "not one of" in err, "failover to a stranger: exit 1",
      (rc, out, err))
rc, out, err = ctl("vgateway", "add", "x", "vm-network", "Contoso",
                   "subnet", "Other/gw", "gateways", "gw1",
                   "external-address", "203.0.113.20")
check(rc == 64, "a subnet of another vm-network: usage (64)", (rc, out, err))
rc, out, err = ctl("vgateway", "add", "x", "vm-network", "Contoso",
                   "subnet", "gw", "gateways", "gw1",
                   "external-address", "203.0.113.20")
check(rc == 1 and "one per virtual network" in err,
      "a second vgateway on Contoso: the controller's 409 (exit 1)",
      (rc, out, err))
rc, out, err = ctl("gateway", "remove", "gw1")
check(rc == 1 and "/virtualGateways/contoso" in err,
      "gateway remove gw1 (used): exit 1 naming the user", (rc, out, err))
check(ctl("vgateway", "remove", "contoso")[0] == 0 and
      ctl("gateway", "remove", "gw1")[0] == 0 and
      ctl("vgateway", "get")[1].strip() == "",
      "vgateway remove, then gateway remove")
rc, out, err = ctl("vgateway", "--help")
check(rc == 0 and "failover" in out, "vgateway --help", (rc, out, err))
finish()
