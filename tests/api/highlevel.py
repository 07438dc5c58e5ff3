#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""tests/api/highlevel.py: hnv-controller's high-level API (MS-NCNBI
resources, doc/controller.md "High-level API (as VMM does it)"), on a
controller of its own (loopback, a free port, a temporary database; no
root).

  1. the book's datacenter (DESIGN.md section 7) built through the
     high-level API only: a logical network with a pool, a MAC pool,
     servers Host1, Host2, GWHost, one virtual network with two subnets,
     interfaces for Contoso1..3 and MT-GW; then the derived low-level
     objects (customer routes, lookup records and their PAs, adapters and
     their hosts and VSIDs, default-gateway records per server and
     subnet) and each host's change feed
  2. allocation: VSIDs, CAs, MACs, PAs unique; exhausted pools are 409s
     naming them (a second controller with small pools)
  3. updates: a re-PUT of the same (or of what GET gave) writes nothing;
     changing one subnet's prefix changes only its route
  4. errors: JSON paths, unknown fields, If-Match, dryRun, references
  5. the low-level API refuses to change or remove derived objects (409
     naming the owner), by id, by filter, in a batch, a host, a VM move
  6. moving an interface; deleting resources removes what they derived
  7. a restart keeps the documents and the owners; a schema 1 database
     is upgraded
"""
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ctrllib import Controller, check, finish, tmpdir  # noqa: E402

RDID = "{12345678-1000-2000-3000-123456780001}"
LS = "/logicalNetworks/PhysNet/subnets/phys"

C = Controller("hl", args=["--vsid-range", "6001-6010"]).start()


def req(method, path, body=None, **kw):
    return C.req(method, path, body, **kw)


def rev():
    return C.revision()


def items(path):
    r = req("GET", path + ("&" if "?" in path else "?") + "limit=10000")
    return r.json["items"] if r.status == 200 else None


def server(name, address=None):
    pa = {"logicalSubnet": {"resourceRef": LS}}
    if address:
        pa["address"] = address
    return {"properties": {"providerAddresses": [pa]}}


def nic(host, subnet, ip=None, mac=None, vn="Contoso", vm=None):
    ipc = {"resourceId": "ipconfig1", "properties": {
        "subnet": {"resourceRef": "/virtualNetworks/%s/subnets/%s"
                   % (vn, subnet)}}}
    if ip:
        ipc["properties"]["privateIPAddress"] = ip
    p = {"server": {"resourceRef": "/servers/" + host},
         "ipConfigurations": [ipc]}
    if mac:
        p["privateMacAddress"] = mac
    if vm:
        p["vmName"] = vm
    return {"properties": p}


def feed(host, after=0):
    """Every change of a host's feed after 'after' (following pages)."""
    out = []
    r = req("GET", "/v1/hosts/%s/changes?after=%d" % (host, after))
    while True:
        if r.status != 200:
            return None
        out += r.json["changes"]
        if not r.json["more"]:
            return out, r.json
        r = req("GET", "/v1/hosts/%s/changes?after=%d" % (
            host, r.json["revision"]))


def keys(changes, op="put"):
    s = set()
    for c in changes:
        if c["op"] != op:
            continue
        o = c["obj"]
        k = c["kind"]
        if k == "lookup-record":
            s.add(("lr", o["ca"], o["vsid"], o["mac"], o["pa"]))
        elif k == "customer-route":
            s.add(("cr", o["vsid"], o["prefix"]))
        elif k == "vm-adapter":
            s.add(("vma", o["vm"], o["vsid"]))
        elif k == "vm":
            s.add(("vm", o["vm"]))
        elif k == "provider-address":
            s.add(("pa", o["pa"], o["prefix_len"]))
        elif k == "provider-route":
            s.add(("pr", o["prefix"], o["nexthop"]))
        elif k == "switch":
            s.add(("sw", o["name"], o["netadapter"]))
    return s


# ---------------------------------------------------------------------------
# 1. the book's datacenter

r0 = rev()
r = req("PUT", "/v1/logicalNetworks/PhysNet", {"properties": {"subnets": [
    {"resourceId": "phys", "properties": {
        "addressPrefix": "192.168.0.0/24", "vlanID": 0,
        "defaultGateways": ["192.168.0.1"],
        "ipPools": [{"resourceId": "pool1", "properties": {
            "startIpAddress": "192.168.0.11",
            "endIpAddress": "192.168.0.40"}}]}}]}})
check(r.status == 201 and r.header("Location") ==
      "/v1/logicalNetworks/PhysNet" and r.json["resourceRef"] ==
      "/logicalNetworks/PhysNet" and r.json["etag"] == str(r0 + 1)
      and r.json["properties"]["provisioningState"] == "Succeeded",
      "PUT logicalNetworks/PhysNet: 201, Location, resourceRef, etag", r)
check(rev() == r0 + 1 and items("/v1/lookup-records") == []
      and items("/v1/hosts") == [],
      "a logical network derives nothing")
r = req("PUT", "/v1/macPools/mp1", {"properties": {
    "startMacAddress": "60-00-60-00-00-00",
    "endMacAddress": "600060000fff"}})
check(r.status == 201 and r.json["properties"]["startMacAddress"] ==
      "60:00:60:00:00:00", "PUT macPools/mp1 (MACs normalised)", r)
for h, a in (("Host1", "192.168.0.22"), ("Host2", "192.168.0.33"),
             ("GWHost", None)):
    r = req("PUT", "/v1/servers/" + h, server(h, a))
    check(r.status == 201, "PUT servers/" + h, r)
srv = req("GET", "/v1/servers/GWHost").json
check(srv["properties"]["providerAddresses"][0]["address"] ==
      "192.168.0.11" and srv["properties"]["switchName"] == "HNVSwitch"
      and srv["properties"]["netAdapterName"] == "Ethernet",
      "GWHost's PA allocated from the pool (the lowest: 192.168.0.11), "
      "defaults filled in", srv)
check(sorted(h["name"] for h in items("/v1/hosts")) ==
      ["GWHost", "Host1", "Host2"], "servers derive hosts")
pas = items("/v1/hosts/Host1/provider-addresses")
prs = items("/v1/hosts/Host1/provider-routes")
sws = items("/v1/hosts/Host1/switches")
check(len(pas) == 1 and pas[0]["providerAddress"] == "192.168.0.22"
      and pas[0]["prefixLength"] == 24 and pas[0]["vlanId"] == 0,
      "Host1's provider address (prefix length of the logical subnet)",
      pas)
check(len(prs) == 1 and prs[0]["destinationPrefix"] == "0.0.0.0/0"
      and prs[0]["nextHop"] == "192.168.0.1",
      "Host1's provider route via the subnet's default gateway", prs)
check(len(sws) == 1 and sws[0]["name"] == "HNVSwitch"
      and sws[0]["netAdapterName"] == "Ethernet", "Host1's switch", sws)

r = req("PUT", "/v1/virtualNetworks/Contoso", {"properties": {
    "routingDomainId": RDID,
    "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
    "subnets": [
        {"resourceId": "s1", "properties": {"addressPrefix": "10.0.1.0/24",
                                            "virtualSubnetId": 6000}},
        {"resourceId": "s2", "properties": {"addressPrefix": "10.0.2.0/24"}},
    ]}})
check(r.status == 201 and [s["properties"]["virtualSubnetId"] for s in
                           r.json["properties"]["subnets"]] == [6000, 6001]
      and r.json["properties"]["subnets"][1]["resourceRef"] ==
      "/virtualNetworks/Contoso/subnets/s2",
      "PUT virtualNetworks/Contoso: s2's VSID allocated from --vsid-range "
      "(6001)", r)
crs = items("/v1/customer-routes")
check(sorted((c["virtualSubnetId"], c["destinationPrefix"],
              c["routingDomainId"], c["nextHop"]) for c in crs) ==
      [(6000, "10.0.1.0/24", RDID, "0.0.0.0"),
       (6001, "10.0.2.0/24", RDID, "0.0.0.0")],
      "one on-link customer route per subnet", crs)

for name, host, sub, ip, mac in (
        ("Contoso1", "Host1", "s1", "10.0.1.101", "60:00:60:00:01:01"),
        ("Contoso2", "Host1", "s1", None, None),
        ("Contoso3", "Host2", "s1", "10.0.1.103", None),
        ("MT-GW", "GWHost", "s2", "10.0.2.2", "60:01:60:01:03:01")):
    r0 = rev()
    r = req("PUT", "/v1/networkInterfaces/" + name, nic(host, sub, ip, mac))
    check(r.status == 201 and rev() == r0 + 1
          and r.json["etag"] == str(r0 + 1),
          "PUT networkInterfaces/%s: one revision" % name, r)
c2 = req("GET", "/v1/networkInterfaces/Contoso2").json["properties"]
c2ip = c2["ipConfigurations"][0]["properties"]["privateIPAddress"]
check(c2ip == "10.0.1.2" and c2["vmName"] == "Contoso2"
      and c2["adapterName"] == "eth0"
      and c2["privateMacAddress"].startswith("60:00:60:00:0"),
      "Contoso2: CA allocated (the lowest after .1), MAC from mp1, VM "
      "name and adapter name defaulted", c2)
c3mac = req("GET", "/v1/networkInterfaces/Contoso3").json[
    "properties"]["privateMacAddress"]

lrs = items("/v1/lookup-records")
vm_lrs = {(x["customerAddress"], x["virtualSubnetId"], x["providerAddress"],
           x["vmName"]) for x in lrs if "host" not in x}
check(vm_lrs == {("10.0.1.101", 6000, "192.168.0.22", "Contoso1"),
                 (c2ip, 6000, "192.168.0.22", "Contoso2"),
                 ("10.0.1.103", 6000, "192.168.0.33", "Contoso3"),
                 ("10.0.2.2", 6001, "192.168.0.11", "MT-GW")},
      "a lookup record per interface, with its server's PA", lrs)
gws = {(x["customerAddress"], x["virtualSubnetId"], x["providerAddress"],
        x["host"]) for x in lrs if "host" in x}
check(gws == {("10.0.1.1", 6000, "192.168.0.22", "Host1"),
              ("10.0.1.1", 6000, "192.168.0.33", "Host2"),
              ("10.0.2.1", 6001, "192.168.0.11", "GWHost")},
      "a default-gateway record per server and subnet", gws)
macs = [x["macAddress"] for x in lrs]
check(len(set(macs)) == len(macs), "every record has its own MAC", macs)
ads = {}
for h in ("Host1", "Host2", "GWHost"):
    ads[h] = sorted((a["vmName"], a["name"], a["virtualSubnetId"],
                     a["switchName"])
                    for a in items("/v1/hosts/%s/vm-adapters" % h))
check(ads == {"Host1": [("Contoso1", "eth0", 6000, "HNVSwitch"),
                        ("Contoso2", "eth0", 6000, "HNVSwitch")],
              "Host2": [("Contoso3", "eth0", 6000, "HNVSwitch")],
              "GWHost": [("MT-GW", "eth0", 6001, "HNVSwitch")]},
      "adapters on the right hosts with the right VSIDs", ads)
check(sorted(v["vmName"] for v in items("/v1/hosts/Host1/vms")) ==
      ["Contoso1", "Contoso2"], "VM objects on Host1")

# each host's feed: only what it needs
F = {}
for h in ("Host1", "Host2", "GWHost"):
    f = feed(h)
    F[h] = keys(f[0]) if f else set()
gw1 = [x for x in lrs if x.get("host") == "Host1"][0]["macAddress"]
gw2 = [x for x in lrs if x.get("host") == "Host2"][0]["macAddress"]
gw3 = [x for x in lrs if x.get("host") == "GWHost"][0]["macAddress"]
c2mac = c2["privateMacAddress"]
common = {("cr", 6000, "10.0.1.0/24"), ("cr", 6001, "10.0.2.0/24"),
          ("lr", "10.0.1.101", 6000, "60:00:60:00:01:01", "192.168.0.22"),
          ("lr", c2ip, 6000, c2mac, "192.168.0.22"),
          ("lr", "10.0.1.103", 6000, c3mac, "192.168.0.33"),
          ("lr", "10.0.2.2", 6001, "60:01:60:01:03:01", "192.168.0.11")}
exp = {
    "Host1": common | {
        ("lr", "10.0.1.1", 6000, gw1, "192.168.0.22"),
        ("sw", "HNVSwitch", "Ethernet"), ("pa", "192.168.0.22", 24),
        ("pr", "0.0.0.0/0", "192.168.0.1"), ("vm", "Contoso1"),
        ("vm", "Contoso2"), ("vma", "Contoso1", 6000),
        ("vma", "Contoso2", 6000)},
    "Host2": common | {
        ("lr", "10.0.1.1", 6000, gw2, "192.168.0.33"),
        ("sw", "HNVSwitch", "Ethernet"), ("pa", "192.168.0.33", 24),
        ("pr", "0.0.0.0/0", "192.168.0.1"), ("vm", "Contoso3"),
        ("vma", "Contoso3", 6000)},
    "GWHost": common | {
        ("lr", "10.0.2.1", 6001, gw3, "192.168.0.11"),
        ("sw", "HNVSwitch", "Ethernet"), ("pa", "192.168.0.11", 24),
        ("pr", "0.0.0.0/0", "192.168.0.1"), ("vm", "MT-GW"),
        ("vma", "MT-GW", 6001)},
}
for h in ("Host1", "Host2", "GWHost"):
    check(F[h] == exp[h], "%s's feed: exactly what it needs" % h,
          (sorted(F[h] - exp[h]), sorted(exp[h] - F[h])))

# reads
r = req("GET", "/v1/networkInterfaces")
check(r.status == 200 and r.json["next"] is None
      and [i["resourceId"] for i in r.json["items"]] ==
      ["Contoso1", "Contoso2", "Contoso3", "MT-GW"], "GET networkInterfaces",
      r)
r = req("GET", "/v1/networkInterfaces?limit=3")
check(r.status == 200 and len(r.json["items"]) == 3 and r.json["next"]
      and len(req("GET", r.json["next"]).json["items"]) == 1,
      "GET networkInterfaces in pages", r)
r = req("GET", "/v1/virtualNetworks/Contoso/subnets/s2")
check(r.status == 200 and r.json["resourceRef"] ==
      "/virtualNetworks/Contoso/subnets/s2"
      and r.json["properties"]["virtualSubnetId"] == 6001,
      "GET a subnet", r)
r = req("GET", "/v1/virtualNetworks/Contoso/subnets")
check(r.status == 200 and [s["resourceId"] for s in r.json["items"]] ==
      ["s1", "s2"], "GET the subnets", r)
r = req("GET", "/v1/servers/Nobody")
check(r.status == 404, "GET of no such server: 404", r)

# ---------------------------------------------------------------------------
# 3. updates

r0 = rev()
vn = req("GET", "/v1/virtualNetworks/Contoso").json
body = {"properties": {
    "routingDomainId": RDID,
    "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
    "subnets": [
        {"resourceId": "s1", "properties": {"addressPrefix": "10.0.1.0/24",
                                            "virtualSubnetId": 6000}},
        {"resourceId": "s2", "properties": {"addressPrefix": "10.0.2.0/24"}},
    ]}}
r = req("PUT", "/v1/virtualNetworks/Contoso", body)
check(r.status == 200 and rev() == r0 and r.json["etag"] == vn["etag"],
      "re-PUT of the same virtual network: 200, nothing written (etag and "
      "revision unchanged)", r)
r = req("PUT", "/v1/virtualNetworks/Contoso", vn)
check(r.status == 200 and rev() == r0, "re-PUT of what GET gave: nothing "
      "written", r)
for name in ("Contoso2", "Contoso3"):
    got = req("GET", "/v1/networkInterfaces/" + name).json
    r = req("PUT", "/v1/networkInterfaces/" + name,
            nic("Host1" if name == "Contoso2" else "Host2", "s1",
                None if name == "Contoso2" else "10.0.1.103"))
    check(r.status == 200 and rev() == r0 and r.json == got,
          "re-PUT of %s without its allocated CA and MAC: it keeps them, "
          "nothing written" % name, r)
for s in ("Host1", "GWHost"):
    r = req("PUT", "/v1/servers/" + s, server(s, "192.168.0.22"
                                              if s == "Host1" else None))
    check(r.status == 200 and rev() == r0,
          "re-PUT of server %s: nothing written" % s, r)

# a third subnet, then its prefix changes: only its route
body["properties"]["subnets"].append(
    {"resourceId": "s3", "properties": {"addressPrefix": "10.0.3.0/24"}})
r = req("PUT", "/v1/virtualNetworks/Contoso", body)
s3 = r.json["properties"]["subnets"][2]["properties"] if r.status == 200 \
    else {}
check(r.status == 200 and rev() == r0 + 1 and s3.get("virtualSubnetId")
      == 6002, "a third subnet: its VSID allocated (6002), one revision", r)
before = {c["destinationPrefix"]: c for c in items("/v1/customer-routes")}
r1 = rev()
body["properties"]["subnets"][2]["properties"]["addressPrefix"] = \
    "10.0.4.0/24"
r = req("PUT", "/v1/virtualNetworks/Contoso", body)
after = {c["destinationPrefix"]: c for c in items("/v1/customer-routes")}
check(r.status == 200 and rev() == r1 + 1
      and r.json["properties"]["subnets"][2]["properties"][
          "virtualSubnetId"] == 6002
      and sorted(after) == ["10.0.1.0/24", "10.0.2.0/24", "10.0.4.0/24"]
      and after["10.0.1.0/24"] == before["10.0.1.0/24"]
      and after["10.0.2.0/24"] == before["10.0.2.0/24"],
      "s3's prefix changes: only its route changes (the others keep their "
      "revisions), it keeps its VSID", (r, sorted(after)))
f = feed("Host1", r1)
ch = f[0] if f else []
check([(c["op"], c["kind"], c["obj"].get("prefix")) for c in ch] ==
      [("del", "customer-route", "10.0.3.0/24"),
       ("put", "customer-route", "10.0.4.0/24")],
      "Host1's feed: the old route deleted, the new one put, nothing else",
      ch)

# a subnet through /subnets
r1 = rev()
r = req("PUT", "/v1/virtualNetworks/Contoso/subnets/s3",
        {"properties": {"addressPrefix": "10.0.5.0/24"}})
check(r.status == 200 and r.json["properties"]["addressPrefix"] ==
      "10.0.5.0/24" and r.json["properties"]["virtualSubnetId"] == 6002
      and rev() == r1 + 1, "PUT a subnet through /subnets/s3", r)
r = req("PUT", "/v1/virtualNetworks/Contoso/subnets/s4",
        {"properties": {"addressPrefix": "10.0.6.0/24"}})
check(r.status == 201 and r.header("Location") ==
      "/v1/virtualNetworks/Contoso/subnets/s4"
      and r.json["properties"]["virtualSubnetId"] == 6003,
      "PUT a new subnet s4: 201, its VSID allocated", r)
r = req("DELETE", "/v1/virtualNetworks/Contoso/subnets/s4")
check(r.status == 204 and not any(
    c["destinationPrefix"] == "10.0.6.0/24"
    for c in items("/v1/customer-routes")),
    "DELETE subnet s4: its route goes", r)
r = req("DELETE", "/v1/virtualNetworks/Contoso/subnets/s1")
check(r.status == 409 and "/networkInterfaces/" in r.err().get(
    "message", ""), "DELETE subnet s1 with interfaces in it: 409", r)

# ---------------------------------------------------------------------------
# 4. errors

r0 = rev()
bad = json.loads(json.dumps(body))
bad["properties"]["subnets"][0]["properties"]["addressPrefix"] = \
    "10.0.1.1/24"
r = req("PUT", "/v1/virtualNetworks/Contoso", bad)
check(r.status == 400 and r.err().get("field") ==
      "properties.subnets[0].properties.addressPrefix" and rev() == r0,
      "a bad prefix: 400 naming properties.subnets[0].properties."
      "addressPrefix", r)
bad = json.loads(json.dumps(body))
bad["properties"]["subnets"][1]["properties"]["colour"] = "blue"
r = req("PUT", "/v1/virtualNetworks/Contoso", bad)
check(r.status == 400 and r.err().get("field") ==
      "properties.subnets[1].properties.colour",
      "an unknown field: 400 naming it", r)
r = req("PUT", "/v1/macPools/x", {"properties": {}, "tags": 1})
check(r.status == 400 and r.err().get("field") == "tags",
      "an unknown top-level field: 400", r)
r = req("PUT", "/v1/networkInterfaces/X1", nic("Host9", "s1"))
check(r.status == 400 and r.err().get("field") ==
      "properties.server.resourceRef", "no such server: 400 naming "
      "properties.server.resourceRef", r)
r = req("PUT", "/v1/networkInterfaces/X1", nic("Host1", "s9"))
check(r.status == 400 and r.err().get("field") ==
      "properties.ipConfigurations[0].properties.subnet.resourceRef",
      "no such subnet: 400 naming the reference", r)
r = req("PUT", "/v1/networkInterfaces/X1", nic("Host1", "s1", "10.0.2.5"))
check(r.status == 400 and r.err().get("field") ==
      "properties.ipConfigurations[0].properties.privateIPAddress",
      "a CA outside the subnet: 400", r)
r = req("PUT", "/v1/networkInterfaces/X1", nic("Host1", "s1", "10.0.1.1"))
check(r.status == 400, "the subnet's .1 as a CA: 400", r)
r = req("PUT", "/v1/networkInterfaces/X1", nic("Host1", "s1",
                                               "10.0.1.101"))
check(r.status == 409 and rev() == r0, "a CA in use: 409, nothing "
      "written", r)
r = req("PUT", "/v1/virtualNetworks/Other", {"properties": {"subnets": [
    {"resourceId": "a", "properties": {"addressPrefix": "10.9.0.0/24",
                                       "virtualSubnetId": 6000}}]}})
check(r.status == 409 and "/virtualNetworks/Contoso/subnets/s1" in
      r.err().get("message", ""), "a VSID of another network: 409 naming "
      "its subnet", r)
r = req("PUT", "/v1/servers/Bad%20Name", server("x"))
check(r.status == 400 and r.err().get("field") == "resourceId",
      "a server name that is no host name: 400", r)
vn = req("GET", "/v1/virtualNetworks/Contoso").json
r = req("PUT", "/v1/virtualNetworks/Contoso", vn,
        headers={"If-Match": "1"})
check(r.status == 412 and rev() == r0, "If-Match with an old etag: 412", r)
r = req("PUT", "/v1/virtualNetworks/Contoso", vn,
        headers={"If-Match": '"%s"' % vn["etag"]})
check(r.status == 200 and rev() == r0, "If-Match with the etag: 200", r)
r = req("DELETE", "/v1/macPools/mp1", headers={"If-Match": "1"})
check(r.status == 412, "DELETE with an old If-Match: 412", r)
r = req("PUT", "/v1/networkInterfaces/Dry?dryRun=true", nic("Host2", "s1"))
check(r.status == 201 and rev() == r0 and req(
    "GET", "/v1/networkInterfaces/Dry").status == 404 and not any(
    a["vmName"] == "Dry" for a in items("/v1/hosts/Host2/vm-adapters")),
    "dryRun: answered, nothing written", r)
r = req("POST", "/v1/macPools", {"properties": {
    "startMacAddress": "02:00:00:00:00:00",
    "endMacAddress": "02:00:00:00:00:0f"}})
loc = r.header("Location") or ""
check(r.status == 201 and loc.startswith("/v1/macPools/")
      and req("GET", loc).status == 200,
      "POST macPools: a generated resourceId, 201 + Location", r)
r = req("DELETE", loc)
check(r.status == 204 and req("GET", loc).status == 404,
      "DELETE that MAC pool", r)
r = req("POST", "/v1/macPools", {"resourceId": "mp1", "properties": {
    "startMacAddress": "02:00:00:00:00:00",
    "endMacAddress": "02:00:00:00:00:0f"}})
check(r.status == 409, "POST of an existing resourceId: 409", r)
r = req("DELETE", "/v1/servers/Host2")
check(r.status == 409 and "/networkInterfaces/Contoso3" in r.err().get(
    "message", ""), "DELETE a server with interfaces: 409 naming one", r)
r = req("DELETE", "/v1/logicalNetworks/PhysNet")
check(r.status == 409 and "/servers/" in r.err().get("message", ""),
      "DELETE a logical network with servers: 409", r)
r = req("PATCH", "/v1/servers/Host1", {})
check(r.status == 405, "PATCH on a high-level resource: 405", r)

# ---------------------------------------------------------------------------
# 5. the low-level API refuses derived objects

r0 = rev()
lr = [x for x in items("/v1/lookup-records?customerAddress=10.0.1.101")][0]
r = req("PATCH", "/v1/lookup-records/%d" % lr["id"],
        {"providerAddress": "192.168.0.33"})
check(r.status == 409 and "/networkInterfaces/Contoso1" in
      r.err().get("message", ""), "PATCH of a derived record: 409 naming "
      "/networkInterfaces/Contoso1", r)
r = req("DELETE", "/v1/lookup-records/%d" % lr["id"])
check(r.status == 409 and "/networkInterfaces/Contoso1" in
      r.err().get("message", ""), "DELETE of a derived record: 409", r)
r = req("DELETE", "/v1/lookup-records?virtualSubnetId=6000")
check(r.status == 409, "DELETE by filter matching derived records: 409", r)
r = req("POST", "/v1/batch", {"ops": [
    {"method": "DELETE", "path": "/v1/lookup-records/%d" % lr["id"]}]})
check(r.status == 409 and "/networkInterfaces/Contoso1" in
      r.err().get("message", ""), "a batch DELETE of it: 409", r)
r = req("POST", "/v1/batch", {"ops": [
    {"method": "PATCH", "path": "/v1/lookup-records/%d" % lr["id"],
     "body": {"providerAddress": "192.168.0.33"}}]})
check(r.status == 409, "a batch PATCH of it: 409", r)
cr = items("/v1/customer-routes")[0]
r = req("DELETE", "/v1/customer-routes/%d" % cr["id"])
check(r.status == 409 and "/virtualNetworks/Contoso" in
      r.err().get("message", ""), "DELETE of a derived route: 409 naming "
      "/virtualNetworks/Contoso", r)
r = req("DELETE", "/v1/hosts/Host1")
check(r.status == 409 and "/servers/Host1" in r.err().get("message", ""),
      "DELETE of a server's host: 409 naming /servers/Host1", r)
ad = items("/v1/hosts/Host1/vm-adapters")[0]
r = req("PATCH", "/v1/hosts/Host1/vm-adapters/%d" % ad["id"],
        {"virtualSubnetId": 6001})
check(r.status == 409, "PATCH of a derived adapter: 409", r)
r = req("POST", "/v1/vms/Contoso1/move", {"server": "Host2"})
check(r.status == 409 and "/networkInterfaces/Contoso1" in
      r.err().get("message", ""), "low-level move of a derived VM: 409", r)
check(rev() == r0, "nothing was written")
# the low-level API still works next to it
r = req("POST", "/v1/lookup-records", {
    "customerAddress": "10.0.1.200", "virtualSubnetId": 6000,
    "macAddress": "02:00:00:00:02:00", "providerAddress": "192.168.0.33"})
check(r.status == 201, "a low-level record in a derived VSID", r)
r = req("DELETE", "/v1/lookup-records/%d" % r.json["id"])
check(r.status == 204, "... and its removal", r)

# ---------------------------------------------------------------------------
# 6. move, delete

r0 = rev()
r = req("POST", "/v1/networkInterfaces/Contoso1/move",
        {"server": {"resourceRef": "/servers/Host2"}})
lr = items("/v1/lookup-records?customerAddress=10.0.1.101")
check(r.status == 200 and rev() == r0 + 1
      and r.json["properties"]["server"]["resourceRef"] == "/servers/Host2"
      and lr and lr[0]["providerAddress"] == "192.168.0.33"
      and sorted(a["vmName"] for a in items(
          "/v1/hosts/Host2/vm-adapters")) == ["Contoso1", "Contoso3"]
      and [a["vmName"] for a in items("/v1/hosts/Host1/vm-adapters")] ==
      ["Contoso2"]
      and [v["vmName"] for v in items("/v1/hosts/Host2/vms?vmName="
                                      "Contoso1")] == ["Contoso1"],
      "move Contoso1 to Host2: adapter, VM and record, one revision", r)
f = feed("Host1", r0)
ch = f[0] if f else []
check(any(c["op"] == "del" and c["kind"] == "vm" and c["obj"].get("vm")
          == "Contoso1" and c["obj"].get("moved") for c in ch),
      "Host1 is told the VM moved (del with moved: true)", ch)
gws = {(x["customerAddress"], x["host"]) for x in items(
    "/v1/lookup-records") if "host" in x}
check(("10.0.1.1", "Host1") in gws and ("10.0.1.1", "Host2") in gws,
      "both hosts keep their default-gateway record of s1", gws)
r = req("POST", "/v1/networkInterfaces/Contoso1/move",
        {"server": {"resourceRef": "/servers/Nowhere"}})
check(r.status == 404, "move to no such server: 404", r)
r = req("POST", "/v1/networkInterfaces/Contoso1/move",
        {"server": {"resourceRef": "/servers/Host1"}})
check(r.status == 200 and items(
    "/v1/lookup-records?customerAddress=10.0.1.101")[0][
    "providerAddress"] == "192.168.0.22", "move it back", r)

# a VM with two interfaces moves whole
r = req("PUT", "/v1/networkInterfaces/Two-a",
        nic("GWHost", "s2", vm="Two"))
r2 = req("PUT", "/v1/networkInterfaces/Two-b",
         dict(properties=dict(nic("GWHost", "s3", vm="Two")["properties"],
                              adapterName="eth1")))
check(r.status == 201 and r2.status == 201, "VM Two with two interfaces on "
      "GWHost", (r, r2))
r0 = rev()
r = req("POST", "/v1/networkInterfaces/Two-a/move",
        {"server": {"resourceRef": "/servers/Host2"}})
check(r.status == 200 and rev() == r0 + 1 and sorted(
    (a["vmName"], a["name"]) for a in items("/v1/hosts/Host2/vm-adapters")
    if a["vmName"] == "Two") == [("Two", "eth0"), ("Two", "eth1")]
    and req("GET", "/v1/networkInterfaces/Two-b").json["properties"][
        "server"]["resourceRef"] == "/servers/Host2",
    "moving one interface moves its VM's other one too", r)
gws = {(x["customerAddress"], x["host"]) for x in items(
    "/v1/lookup-records") if "host" in x}
check(("10.0.5.1", "Host2") in gws and ("10.0.5.1", "GWHost") not in gws
      and ("10.0.2.1", "GWHost") in gws and ("10.0.2.1", "Host2") in gws,
      "default-gateway records follow (s3's to Host2, s2's too; GWHost "
      "keeps s2's for MT-GW)", gws)

r0 = rev()
r = req("DELETE", "/v1/networkInterfaces/Contoso3")
gws = {(x["customerAddress"], x["host"]) for x in items(
    "/v1/lookup-records") if "host" in x}
check(r.status == 204 and rev() == r0 + 1
      and not items("/v1/lookup-records?customerAddress=10.0.1.103")
      and not any(a["vmName"] == "Contoso3" for a in items(
          "/v1/hosts/Host2/vm-adapters"))
      and not items("/v1/hosts/Host2/vms?vmName=Contoso3")
      and ("10.0.1.1", "Host2") not in gws
      and ("10.0.2.1", "Host2") in gws,
      "DELETE Contoso3: its record, adapter and VM go, and Host2's "
      "gateway record of s1 (no interface left there in s1; Two-a keeps "
      "s2's)", (r, gws))
for n in ("Two-a", "Two-b"):
    req("DELETE", "/v1/networkInterfaces/" + n)
gws = {(x["customerAddress"], x["host"]) for x in items(
    "/v1/lookup-records") if "host" in x}
check(not any(h == "Host2" for _, h in gws),
      "no interface left on Host2: its default-gateway records go", gws)
r = req("DELETE", "/v1/networkInterfaces/Contoso3")
check(r.status == 404, "DELETE again: 404", r)

# ---------------------------------------------------------------------------
# 2. allocation: unique values; exhausted pools (a second controller)

lrs = items("/v1/lookup-records")
cas = [(x["virtualSubnetId"], x["customerAddress"]) for x in lrs
       if "host" not in x]
check(len(cas) == len(set(cas)), "CAs unique", cas)
macs = [x["macAddress"] for x in lrs]
check(len(macs) == len(set(macs)), "MACs unique", macs)
vsids = [s["properties"]["virtualSubnetId"] for s in req(
    "GET", "/v1/virtualNetworks/Contoso").json["properties"]["subnets"]]
check(len(vsids) == len(set(vsids)), "VSIDs unique", vsids)

D = Controller("hl-small", args=["--vsid-range", "5000-5001"]).start()


def dreq(method, path, body=None):
    return D.req(method, path, body)


dreq("PUT", "/v1/logicalNetworks/PhysNet", {"properties": {"subnets": [
    {"resourceId": "phys", "properties": {
        "addressPrefix": "192.168.0.0/24",
        "ipPools": [{"resourceId": "tiny", "properties": {
            "startIpAddress": "192.168.0.50",
            "endIpAddress": "192.168.0.51"}}]}}]}})
pa_list = []
for h in ("A", "B"):
    r = dreq("PUT", "/v1/servers/" + h, server(h))
    pa_list.append(r.json["properties"]["providerAddresses"][0]["address"]
                   if r.status == 201 else None)
check(pa_list == ["192.168.0.50", "192.168.0.51"], "PAs allocated, "
      "unique", pa_list)
r = dreq("PUT", "/v1/servers/C", server("C"))
check(r.status == 409 and "/logicalNetworks/PhysNet/subnets/phys/ipPools/"
      "tiny" in r.err().get("message", "") and r.err().get("field") ==
      "properties.providerAddresses[0].address",
      "an exhausted ipPool: 409 naming it", r)
r = dreq("PUT", "/v1/virtualNetworks/V", {"properties": {"subnets": [
    {"resourceId": "a", "properties": {"addressPrefix": "10.1.0.0/30"}},
    {"resourceId": "b", "properties": {"addressPrefix": "10.2.0.0/24"}}]}})
check(r.status == 201 and [s["properties"]["virtualSubnetId"] for s in
                           r.json["properties"]["subnets"]] == [5000, 5001],
      "VSIDs allocated from --vsid-range 5000-5001", r)
r = dreq("PUT", "/v1/virtualNetworks/W", {"properties": {"subnets": [
    {"resourceId": "a", "properties": {"addressPrefix": "10.3.0.0/24"}}]}})
check(r.status == 409 and "--vsid-range 5000-5001" in r.err().get(
    "message", "") and r.err().get("field") ==
    "properties.subnets[0].properties.virtualSubnetId",
    "an exhausted VSID range: 409 naming it", r)
r = dreq("PUT", "/v1/networkInterfaces/n1", nic("A", "a", vn="V"))
check(r.status == 409 and "no macPool" in r.err().get("message", ""),
      "no MAC pool: 409", r)
dreq("PUT", "/v1/macPools/small", {"properties": {
    "startMacAddress": "02:00:00:00:00:01",
    "endMacAddress": "02:00:00:00:00:04"}})
r = dreq("PUT", "/v1/networkInterfaces/n1", nic("A", "a", vn="V"))
check(r.status == 201 and r.json["properties"]["ipConfigurations"][0][
    "properties"]["privateIPAddress"] == "10.1.0.2",
    "the /30's only free CA (10.1.0.2)", r)
r = dreq("PUT", "/v1/networkInterfaces/n2", nic("B", "a", vn="V"))
check(r.status == 409 and "/virtualNetworks/V/subnets/a" in r.err().get(
    "message", "") and r.err().get("field") ==
    "properties.ipConfigurations[0].properties.privateIPAddress",
    "an exhausted subnet: 409 naming it", r)
r = dreq("PUT", "/v1/networkInterfaces/n2", nic("A", "b", vn="V"))
r2 = dreq("PUT", "/v1/networkInterfaces/n3", nic("A", "b", vn="V"))
check(r.status == 201 and r2.status == 409 and "/macPools/small" in
      r2.err().get("message", ""),
      "an exhausted macPool: 409 naming it (4 MACs: two interfaces, two "
      "gateway records)", (r, r2))
macs = [x["macAddress"] for x in D.req("GET", "/v1/lookup-records").json[
    "items"]]
check(len(macs) == 4 and len(set(macs)) == 4, "the pool's MACs, each once",
      macs)
n2mac = D.req("GET", "/v1/networkInterfaces/n2").json["properties"][
    "privateMacAddress"]
check(dreq("DELETE", "/v1/networkInterfaces/n2").status == 204,
      "delete n2: its MAC goes back to the pool")
r = dreq("PUT", "/v1/networkInterfaces/n3", nic("A", "b", vn="V"))
check(r.status == 201 and r.json["properties"]["privateMacAddress"] ==
      n2mac, "n3 is given n2's MAC (%s)" % n2mac, r)
macs = [x["macAddress"] for x in D.req("GET", "/v1/lookup-records").json[
    "items"]]
check(len(macs) == len(set(macs)), "MACs still each once", macs)

# a subnet's VSID stays taken while its virtual network has it: after an
# update, a delete, a restart (the controller indexes them)
def vsid_put(name, vsid):
    return dreq("PUT", "/v1/virtualNetworks/" + name, {"properties": {
        "subnets": [{"resourceId": "s", "properties": {
            "addressPrefix": "10.9.0.0/24", "virtualSubnetId": vsid}}]}})


r = vsid_put("X", 5000)
check(r.status == 409 and "/virtualNetworks/V/subnets/a" in r.err().get(
    "message", ""), "a VSID another virtual network has: 409 naming it", r)
check(vsid_put("Y", 7000).status == 201, "Y takes VSID 7000")
check(vsid_put("X", 7000).status == 409, "... which X cannot have")
r = vsid_put("Y", 7001)
check(r.status in (200, 201) and vsid_put("X", 7001).status == 409,
      "Y's subnet moves to 7001: X cannot have that", r)
r = vsid_put("X", 7000)
check(r.status == 201, "... and 7000 is free again", r)
check(dreq("DELETE", "/v1/virtualNetworks/Y").status == 204,
      "delete Y")
r = vsid_put("Z", 7001)
check(r.status == 201, "Y deleted: its VSID 7001 is free", r)
D.kill()
D.start()
r = vsid_put("W", 7001)
check(r.status == 409 and "/virtualNetworks/Z/subnets/s" in r.err().get(
    "message", ""), "after a restart: Z's VSID still taken", r)
D.stop()

# allocation sees VSIDs freed by an update and by a delete
E = Controller("hl-vsid", args=["--vsid-range", "8000-8001"]).start()


def eput(name, vsid=None):
    p = {"addressPrefix": "10.8.0.0/24"}
    if vsid:
        p["virtualSubnetId"] = vsid
    r = E.req("PUT", "/v1/virtualNetworks/" + name, {"properties": {
        "subnets": [{"resourceId": "s", "properties": p}]}})
    return r, (r.json["properties"]["subnets"][0]["properties"]
               ["virtualSubnetId"] if r.status in (200, 201) else None)


eput("A", 8000)
eput("A", 8001)
r, v = eput("B")
check(v == 8000, "A moved from VSID 8000 to 8001: B is given 8000", r)
E.req("DELETE", "/v1/virtualNetworks/A")
r, v = eput("C")
check(v == 8001, "A deleted: C is given its 8001", r)
r, v = eput("D")
check(r.status == 409, "then the range is exhausted", r)
E.stop()

# ---------------------------------------------------------------------------
# 7. restart

docs = {p: items("/v1/" + p) for p in (
    "logicalNetworks", "macPools", "servers", "virtualNetworks",
    "networkInterfaces")}
low = {p: items("/v1/" + p) for p in ("lookup-records", "customer-routes")}
rb = rev()
C.stop()
C.start()
check(all(items("/v1/" + p) == v for p, v in docs.items()),
      "restart: the same high-level documents")
check(all(items("/v1/" + p) == v for p, v in low.items()) and rev() == rb,
      "restart: the same derived objects, the same revision")
lr = items("/v1/lookup-records?customerAddress=10.0.1.101")[0]
r = req("DELETE", "/v1/lookup-records/%d" % lr["id"])
check(r.status == 409 and "/networkInterfaces/Contoso1" in r.err().get(
    "message", ""), "restart: derived objects keep their owner", r)
r = req("PUT", "/v1/virtualNetworks/Contoso", docs["virtualNetworks"][0])
check(r.status == 200 and rev() == rb, "restart: a re-PUT writes nothing",
      r)
r = req("DELETE", "/v1/networkInterfaces/Contoso2")
check(r.status == 204 and not items(
    "/v1/lookup-records?vmName=Contoso2"), "restart: a delete still removes "
    "what it derived", r)
check(C.stop() == 0, "SIGTERM: a clean exit")

# a schema 1 database (before objects.owner) is upgraded
d = tmpdir("hl-schema1")
db = os.path.join(d, "controller.db")
con = sqlite3.connect(db)
con.executescript(
    "CREATE TABLE meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);"
    "CREATE TABLE objects(id INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
    " host TEXT, rev INTEGER NOT NULL, obj TEXT NOT NULL);"
    "CREATE TABLE changes(seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " rev INTEGER NOT NULL, kind TEXT NOT NULL, del INTEGER NOT NULL,"
    " scope TEXT NOT NULL, obj TEXT NOT NULL);"
    "INSERT INTO meta VALUES('epoch', '0123456789abcdef0123456789abcdef');"
    "INSERT INTO meta VALUES('schema', '1');"
    "INSERT INTO meta VALUES('revision', '1');"
    "INSERT INTO meta VALUES('next_id', '1');"
    "INSERT INTO objects VALUES(1, 'host', NULL, 1, '{\"name\":\"Old1\"}');")
con.commit()
con.close()
E = Controller("hl-schema1-ctrl")
E.db = db
E.start()
r = E.req("GET", "/v1/hosts/Old1")
check(r.status == 200, "a schema 1 database opens (its objects kept)", r)
r = E.req("PUT", "/v1/servers/Old1", {"properties": {}})
check(r.status == 201 and E.req("DELETE", "/v1/hosts/Old1").status == 409,
      "... is upgraded (a server adopts its host, owned)", r)
E.stop()
con = sqlite3.connect(db)
schema = con.execute("SELECT v FROM meta WHERE k = 'schema'").fetchone()[0]
owner = con.execute("SELECT owner FROM objects WHERE id = 1").fetchone()[0]
con.close()
check(schema == "2" and owner, "schema 2, the host's owner stored",
      (schema, owner))
finish()
