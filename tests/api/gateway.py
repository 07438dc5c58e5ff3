#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""tests/api/gateway.py: hnv-controller's gateway resources (doc/gateway.md,
"The controller's resources"), on a controller of its own (loopback, a free
port, a temporary database; no root).

  1. the book-like model (a logical network, a MAC pool, servers GWHost
     and GWHost2, virtual network Contoso with subnets 10.0.1.0/24 and
     gw 10.0.2.0/24), gateways gw1 and gw2, virtual gateway contoso with
     1:1 NAT, a load balancer, site-to-site and point-to-site VPNs: the
     completed document, the derived VM, adapter, record and customer
     routes (low-level API and GWHost's change feed)
  2. every validation rule rejects with its status and JSON path
  3. a second tenant with the same 10.0.0.0/16 gets its own gateway
  4. failover by hand: the compartment moves (GWHost gets the VM del
     with "moved": true, GWHost2 the VM), the record's PA follows, and
     /config shows the roles flip
  5. heartbeats: lastSeen/alive/status; with --gateway-dead-after 1 the
     standby's heartbeat fails a dead active gateway over; a second
     controller checks the grace after start for a never-seen gateway
  6. /config long poll: early on a write, after 'wait' otherwise
  7. deleting what is used is a 409 naming the user; a re-PUT of GET
     writes nothing; a restart keeps it all
"""
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ctrllib import Controller, check, finish  # noqa: E402

LS = "/logicalNetworks/PhysNet/subnets/phys"
CERT = ("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
KEY = ("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n")


def model(c, vsids=True):
    """The book-like model on controller c; returns nothing (checks)."""
    ok = True
    ok &= c.req("PUT", "/v1/logicalNetworks/PhysNet", {"properties": {
        "subnets": [{"resourceId": "phys", "properties": {
            "addressPrefix": "192.168.0.0/24",
            "defaultGateways": ["192.168.0.1"],
            "ipPools": [{"resourceId": "p", "properties": {
                "startIpAddress": "192.168.0.11",
                "endIpAddress": "192.168.0.40"}}]}}]}}).status == 201
    ok &= c.req("PUT", "/v1/macPools/mp", {"properties": {
        "startMacAddress": "60:00:60:00:00:00",
        "endMacAddress": "60:00:60:00:0f:ff"}}).status == 201
    for h in ("GWHost", "GWHost2"):
        ok &= c.req("PUT", "/v1/servers/" + h, {"properties": {
            "providerAddresses": [{"logicalSubnet": {
                "resourceRef": LS}}]}}).status == 201
    ok &= c.req("PUT", "/v1/virtualNetworks/Contoso", vnet()).status == 201
    for g, h in (("gw1", "GWHost"), ("gw2", "GWHost2")):
        ok &= c.req("PUT", "/v1/gateways/" + g, gateway(h)).status == 201
    return ok


def vnet():
    return {"properties": {
        "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
        "subnets": [
            {"resourceId": "web", "properties": {
                "addressPrefix": "10.0.1.0/24"}},
            {"resourceId": "gw", "properties": {
                "addressPrefix": "10.0.2.0/24"}}]}}


def gateway(server, gw="203.0.113.1"):
    p = {"server": {"resourceRef": "/servers/" + server},
         "externalPrefix": "203.0.113.0/24"}
    if gw:
        p["externalGateway"] = gw
    return {"properties": p}


def vgw(vn="Contoso", ext="203.0.113.10", gws=("gw1", "gw2"), full=True):
    p = {"virtualNetwork": {"resourceRef": "/virtualNetworks/" + vn},
         "gatewaySubnet": {"resourceRef":
                           "/virtualNetworks/%s/subnets/gw" % vn},
         "gateways": [{"resourceRef": "/gateways/" + g} for g in gws],
         "externalAddress": ext}
    if full:
        p["natRules"] = [{"resourceId": "web", "properties": {
            "externalAddress": "203.0.113.11",
            "internalAddress": "10.0.1.101"}}]
        p["loadBalancers"] = [{"resourceId": "www", "properties": {
            "frontendAddress": "203.0.113.12", "protocol": "tcp",
            "frontendPort": 80,
            "backendAddresses": ["10.0.1.101", "10.0.1.102"],
            "probe": {"protocol": "http"}}}]
        p["siteToSite"] = [{"resourceId": "hq", "properties": {
            "peerAddress": "198.51.100.2",
            "remotePrefixes": ["192.168.50.0/24"], "psk": "s3cret"}}]
        p["pointToSite"] = {"addressPool": "172.16.200.0/24",
                            "users": [{"name": "alice", "password": "pw"}],
                            "serverCertificate": CERT, "serverKey": KEY}
    return {"properties": p}


C = Controller("gw", args=["--vsid-range", "6001-6020",
                           "--gateway-dead-after", "1"]).start()


def req(method, path, body=None, **kw):
    return C.req(method, path, body, **kw)


def rev():
    return C.revision()


def items(path):
    r = req("GET", path + ("&" if "?" in path else "?") + "limit=10000")
    return r.json["items"] if r.status == 200 else None


def feed(host, after):
    r = req("GET", "/v1/hosts/%s/changes?after=%d&limit=10000" % (
        host, after))
    return r.json if r.status == 200 else None


def config(gw, q=""):
    return req("GET", "/v1/gateways/%s/config%s" % (gw, q))


# ---------------------------------------------------------------------------
# 1. the model, the gateways, a virtual gateway

check(model(C), "the model: logical network, MAC pool, GWHost, GWHost2, "
      "virtual network Contoso, gateways gw1 (GWHost), gw2 (GWHost2)")
g1 = req("GET", "/v1/gateways/gw1").json
check(g1["properties"]["externalInterface"] == "Ethernet2"
      and g1["properties"]["externalPrefix"] == "203.0.113.0/24"
      and g1["properties"]["server"] == {"resourceRef": "/servers/GWHost"}
      and g1["properties"]["heartbeat"] == {"lastSeen": None,
                                           "alive": False, "status": None},
      "gateway gw1: externalInterface defaulted, heartbeat never seen",
      g1)
vn = req("GET", "/v1/virtualNetworks/Contoso").json["properties"]
RD = vn["routingDomainId"]
VS_WEB, VS_GW = [s["properties"]["virtualSubnetId"] for s in vn["subnets"]]
gwpa = {h: req("GET", "/v1/servers/" + h).json["properties"][
    "providerAddresses"][0]["address"] for h in ("GWHost", "GWHost2")}

r0 = rev()
f0 = feed("GWHost", 0)["revision"]
r = req("PUT", "/v1/virtualGateways/contoso", vgw())
p = r.json["properties"] if r.status == 201 else {}
check(r.status == 201 and rev() == r0 + 1 and r.json["etag"] == str(r0 + 1)
      and r.header("Location") == "/v1/virtualGateways/contoso",
      "PUT virtualGateways/contoso: 201, one revision", r)
check(p.get("gatewayAddress") == "10.0.2.2"
      and p.get("macAddress", "").startswith("60:00:60:00:0")
      and p.get("vmName") == "gw-contoso"
      and p.get("activeGateway") == {"resourceRef": "/gateways/gw1"}
      and p.get("mode") == "nat" and p.get("routes") == ["0.0.0.0/0"],
      "defaults and allocations written in: gatewayAddress 10.0.2.2 (the "
      "lowest after .1), MAC from the pool, vmName gw-contoso, "
      "activeGateway the first, mode nat, routes 0.0.0.0/0", p)
lb = p["loadBalancers"][0]["properties"] if p else {}
check(lb.get("backendPort") == 80 and lb.get("probe") == {
    "protocol": "http", "port": 80, "path": "/", "intervalMs": 1000,
    "timeoutMs": 800, "unhealthyThreshold": 2, "healthyThreshold": 2},
    "load balancer defaults: backendPort = frontendPort, the probe's", lb)
check(p["siteToSite"][0]["properties"]["localPrefixes"] == ["10.0.0.0/16"],
      "siteToSite localPrefixes default: the address space", p)
MAC = p["macAddress"]

vms = items("/v1/hosts/GWHost/vms")
ads = items("/v1/hosts/GWHost/vm-adapters")
check([v["vmName"] for v in vms] == ["gw-contoso"]
      and [(a["vmName"], a["name"], a["switchName"], a["macAddress"],
            a["virtualSubnetId"]) for a in ads] ==
      [("gw-contoso", "int0", "HNVSwitch", MAC, VS_GW)],
      "derived on GWHost: VM gw-contoso, adapter int0 in the gw VSID",
      (vms, ads))
lrs = [x for x in items("/v1/lookup-records?virtualSubnetId=%d" % VS_GW)
       if "host" not in x]
check([(x["customerAddress"], x["macAddress"], x["providerAddress"])
       for x in lrs] == [("10.0.2.2", MAC, gwpa["GWHost"])],
      "the gateway CA's lookup record, with GWHost's PA", lrs)
crs = sorted((c["destinationPrefix"], c["virtualSubnetId"], c["nextHop"],
              c["routingDomainId"])
             for c in items("/v1/customer-routes") if c["nextHop"] !=
             "0.0.0.0")
check(crs == sorted((x, VS_GW, "10.0.2.2", RD) for x in (
    "0.0.0.0/0", "192.168.50.0/24", "172.16.200.0/24")),
    "customer routes to 10.0.2.2: the default, the site-to-site remote "
    "prefix, the point-to-site pool", crs)
dg = [x for x in items("/v1/lookup-records?customerAddress=10.0.2.1")]
check([x.get("host") for x in dg] == ["GWHost"],
      "the gw subnet's default-gateway record on GWHost", dg)
f = feed("GWHost", f0)
got = {(c["op"], c["kind"], c["obj"].get("vm") or c["obj"].get("ca")
        or c["obj"].get("prefix")) for c in f["changes"]} if f else set()
check({("put", "vm", "gw-contoso"), ("put", "vm-adapter", "gw-contoso"),
       ("put", "lookup-record", "10.0.2.2"),
       ("put", "lookup-record", "10.0.2.1"),
       ("put", "customer-route", "0.0.0.0/0")} <= got,
      "GWHost's feed: the VM, the adapter, the records, the routes", got)
check(items("/v1/hosts/GWHost2/vms") == [], "nothing on GWHost2 yet")

# a re-PUT of what GET gave writes nothing
g = req("GET", "/v1/virtualGateways/contoso").json
r0 = rev()
r = req("PUT", "/v1/virtualGateways/contoso", g)
check(r.status == 200 and rev() == r0 and r.json["etag"] == g["etag"],
      "a re-PUT of GET writes nothing (etag and revision kept)", r)
g1 = req("GET", "/v1/gateways/gw1").json
r = req("PUT", "/v1/gateways/gw1", g1)
check(r.status == 200 and rev() == r0, "a gateway's re-PUT of GET (with "
      "its read-only heartbeat) writes nothing", r)

# ---------------------------------------------------------------------------
# 2. validation

BAD = []


def bad(what, body, status, field, path="/v1/virtualGateways/v2"):
    r = req("PUT", path, body)
    e = r.err()
    good = r.status == status and e.get("field") == field
    BAD.append(good)
    check(good, "%s: %d at %s" % (what, status, field), r)


def v2(**kw):
    """A second virtual gateway on Contoso2, with changes."""
    b = vgw(vn="Contoso2", ext="203.0.113.30", full=False)
    b["properties"].update(kw)
    return b


check(req("PUT", "/v1/virtualNetworks/Contoso2", vnet()).status == 201,
      "virtual network Contoso2 (the same prefixes)")
r0 = rev()
P = "properties."
bad("gateway without server", {"properties": {
    "externalPrefix": "203.0.113.0/24"}}, 400, P + "server",
    "/v1/gateways/g3")
bad("gateway with a server that does not exist", gateway("Nope"), 400,
    P + "server.resourceRef", "/v1/gateways/g3")
bad("gateway externalPrefix with host bits", {"properties": {
    "server": {"resourceRef": "/servers/GWHost"},
    "externalPrefix": "203.0.113.5/24"}}, 400, P + "externalPrefix",
    "/v1/gateways/g3")
bad("gateway externalGateway outside the prefix",
    gateway("GWHost", "198.51.100.1"), 400, P + "externalGateway",
    "/v1/gateways/g3")
bad("gateway unknown field", {"properties": dict(
    gateway("GWHost")["properties"], foo=1)}, 400, P + "foo",
    "/v1/gateways/g3")
bad("externalAddress missing", v2(externalAddress=None), 400,
    P + "externalAddress")
bad("externalAddress not an IP", v2(externalAddress="x"), 400,
    P + "externalAddress")
bad("externalAddress outside the gateways' prefix",
    v2(externalAddress="198.51.100.9"), 400, P + "externalAddress")
bad("externalAddress = a gateway's externalGateway",
    v2(externalAddress="203.0.113.1"), 400, P + "externalAddress")
bad("externalAddress of another virtual gateway",
    v2(externalAddress="203.0.113.10"), 409, P + "externalAddress")
bad("a 1:1 rule's external address of another virtual gateway",
    v2(natRules=[{"properties": {"externalAddress": "203.0.113.12",
                                 "internalAddress": "10.0.1.5"}}]),
    409, P + "natRules[0].properties.externalAddress")
bad("a 1:1 rule on the gateway's own externalAddress",
    v2(natRules=[{"properties": {"externalAddress": "203.0.113.30",
                                 "internalAddress": "10.0.1.5"}}]),
    400, P + "natRules[0].properties.externalAddress")
bad("two 1:1 rules on one address", v2(natRules=[
    {"properties": {"externalAddress": "203.0.113.31",
                    "internalAddress": "10.0.1.5"}},
    {"properties": {"externalAddress": "203.0.113.31",
                    "internalAddress": "10.0.1.6"}}]),
    400, P + "natRules[1].properties.externalAddress")
bad("a 1:1 rule's internal address outside the address space",
    v2(natRules=[{"properties": {"externalAddress": "203.0.113.31",
                                 "internalAddress": "10.1.0.5"}}]),
    400, P + "natRules[0].properties.internalAddress")
LB = {"frontendAddress": "203.0.113.31", "protocol": "tcp",
      "frontendPort": 443, "backendAddresses": ["10.0.1.5"]}


def lbs(*changes):
    out = []
    for ch in changes:
        x = dict(LB)
        x.update(ch)
        out.append({"properties": {k: v for k, v in x.items()
                                   if v is not None}})
    return out


bad("a load balancer's (frontend, protocol, port) twice",
    v2(loadBalancers=lbs({}, {"backendAddresses": ["10.0.1.6"]})),
    400, P + "loadBalancers[1].properties.frontendPort")
check(req("PUT", "/v1/virtualGateways/v2", v2(loadBalancers=lbs(
    {}, {"protocol": "udp"}, {"frontendAddress": "203.0.113.30"})),
    headers=None).status == 201 and req(
    "DELETE", "/v1/virtualGateways/v2").status == 204,
    "the same frontend with another protocol, and a frontend on the "
    "gateway's own address, are fine")
bad("protocol neither tcp nor udp", v2(loadBalancers=lbs(
    {"protocol": "icmp"})), 400, P + "loadBalancers[0].properties.protocol")
bad("frontendPort 0", v2(loadBalancers=lbs({"frontendPort": 0})), 400,
    P + "loadBalancers[0].properties.frontendPort")
bad("frontendPort missing", v2(loadBalancers=lbs({"frontendPort": None})),
    400, P + "loadBalancers[0].properties.frontendPort")
bad("backendPort 65536", v2(loadBalancers=lbs({"backendPort": 65536})),
    400, P + "loadBalancers[0].properties.backendPort")
bad("a backend outside the address space", v2(loadBalancers=lbs(
    {"backendAddresses": ["10.0.1.5", "192.168.9.9"]})), 400,
    P + "loadBalancers[0].properties.backendAddresses[1]")
bad("no backend", v2(loadBalancers=lbs({"backendAddresses": []})), 400,
    P + "loadBalancers[0].properties.backendAddresses")
bad("probe protocol udp", v2(loadBalancers=lbs(
    {"probe": {"protocol": "udp"}})), 400,
    P + "loadBalancers[0].properties.probe.protocol")
bad("probe path with tcp", v2(loadBalancers=lbs(
    {"probe": {"protocol": "tcp", "path": "/x"}})), 400,
    P + "loadBalancers[0].properties.probe.path")
bad("probe timeoutMs over intervalMs", v2(loadBalancers=lbs(
    {"probe": {"intervalMs": 500, "timeoutMs": 600}})), 400,
    P + "loadBalancers[0].properties.probe.timeoutMs")
bad("a frontend outside the prefix", v2(loadBalancers=lbs(
    {"frontendAddress": "198.51.100.7"})), 400,
    P + "loadBalancers[0].properties.frontendAddress")
S2S = {"peerAddress": "198.51.100.2", "remotePrefixes": ["192.168.60.0/24"],
       "psk": "k"}


def s2s(*changes):
    out = []
    for ch in changes:
        x = dict(S2S)
        x.update(ch)
        out.append({"properties": {k: v for k, v in x.items()
                                   if v is not None}})
    return out


bad("peerAddress not an IP", v2(siteToSite=s2s({"peerAddress": "hq"})),
    400, P + "siteToSite[0].properties.peerAddress")
bad("psk empty", v2(siteToSite=s2s({"psk": ""})), 400,
    P + "siteToSite[0].properties.psk")
bad("psk missing", v2(siteToSite=s2s({"psk": None})), 400,
    P + "siteToSite[0].properties.psk")
bad("a remote prefix inside the address space", v2(siteToSite=s2s(
    {"remotePrefixes": ["10.0.128.0/17"]})), 400,
    P + "siteToSite[0].properties.remotePrefixes[0]")
bad("a remote prefix over the address space", v2(siteToSite=s2s(
    {"remotePrefixes": ["10.0.0.0/8"]})), 400,
    P + "siteToSite[0].properties.remotePrefixes[0]")
bad("remote prefixes overlapping each other", v2(siteToSite=s2s(
    {"remotePrefixes": ["192.168.60.0/24", "192.168.60.128/25"]})), 400,
    P + "siteToSite[0].properties.remotePrefixes[1]")
bad("remote prefixes of two sites overlapping", v2(siteToSite=s2s(
    {}, {"remotePrefixes": ["192.168.0.0/16"]})), 400,
    P + "siteToSite[1].properties.remotePrefixes[0]")
bad("no remote prefix", v2(siteToSite=s2s({"remotePrefixes": []})), 400,
    P + "siteToSite[0].properties.remotePrefixes")
P2S = {"addressPool": "172.16.201.0/24", "users": [],
       "serverCertificate": CERT, "serverKey": KEY}
bad("the point-to-site pool inside the address space",
    v2(pointToSite=dict(P2S, addressPool="10.0.9.0/24")), 400,
    P + "pointToSite.addressPool")
bad("the point-to-site pool overlapping a site's prefix",
    v2(siteToSite=s2s({}), pointToSite=dict(
        P2S, addressPool="192.168.60.0/23")), 400,
    P + "pointToSite.addressPool")
bad("a point-to-site local prefix outside the address space",
    v2(pointToSite=dict(P2S, localPrefixes=["10.0.0.0/8"])), 400,
    P + "pointToSite.localPrefixes[0]")
bad("a site-to-site local prefix outside the address space",
    v2(siteToSite=s2s({"localPrefixes": ["10.0.1.0/24", "10.9.0.0/16"]})),
    400, P + "siteToSite[0].properties.localPrefixes[1]")
bad("the point-to-site certificate not PEM",
    v2(pointToSite=dict(P2S, serverCertificate="MIIB")), 400,
    P + "pointToSite.serverCertificate")
bad("the point-to-site key not PEM",
    v2(pointToSite=dict(P2S, serverKey="x")), 400,
    P + "pointToSite.serverKey")
bad("a point-to-site user twice", v2(pointToSite=dict(P2S, users=[
    {"name": "a", "password": "1"}, {"name": "a", "password": "2"}])),
    400, P + "pointToSite.users[1]")
bad("mode neither nat nor forwarding", v2(mode="route"), 400, P + "mode")
bad("no gateways", v2(gateways=[]), 400, P + "gateways")
bad("three gateways", v2(gateways=[{"resourceRef": "/gateways/gw1"}] * 3),
    400, P + "gateways")
bad("a gateway twice", v2(gateways=[{"resourceRef": "/gateways/gw1"}] * 2),
    400, P + "gateways[1].resourceRef")
bad("a gateway that does not exist",
    v2(gateways=[{"resourceRef": "/gateways/nope"}]), 400,
    P + "gateways[0].resourceRef")
bad("activeGateway not one of gateways",
    v2(gateways=[{"resourceRef": "/gateways/gw1"}],
       activeGateway={"resourceRef": "/gateways/gw2"}), 400,
    P + "activeGateway.resourceRef")
bad("a second virtual gateway on Contoso",
    vgw(ext="203.0.113.40", full=False), 409, P + "virtualNetwork.resourceRef")
bad("virtualNetwork that does not exist", v2(virtualNetwork={
    "resourceRef": "/virtualNetworks/Nope"}), 400,
    P + "virtualNetwork.resourceRef")
bad("gatewaySubnet of another network", v2(gatewaySubnet={
    "resourceRef": "/virtualNetworks/Contoso/subnets/gw"}), 400,
    P + "gatewaySubnet.resourceRef")
bad("gatewayAddress outside the subnet", v2(gatewayAddress="10.0.1.9"),
    400, P + "gatewayAddress")
bad("gatewayAddress the subnet's .1", v2(gatewayAddress="10.0.2.1"), 400,
    P + "gatewayAddress")
bad("routes of the other family", v2(routes=["::/0"]), 400,
    P + "routes[0]")
bad("an unknown field", v2(colour="red"), 400, P + "colour")
bad("a load balancer's unknown field", v2(loadBalancers=lbs(
    {"weight": 1})), 400, P + "loadBalancers[0].properties.weight")
r0 += 2  # the virtual gateway accepted and deleted above
check(all(BAD) and rev() == r0 and req(
    "GET", "/v1/virtualGateways/v2").status == 404,
    "every refusal wrote nothing")
r = req("PUT", "/v1/virtualGateways/v2?dryRun=true", v2())
check(r.status == 201 and rev() == r0 and req(
    "GET", "/v1/virtualGateways/v2").status == 404,
    "dryRun: 201, nothing written", r)
r = req("PUT", "/v1/virtualGateways/contoso", g, headers={"If-Match": "1"})
check(r.status == 412, "If-Match with an old etag: 412", r)

# ---------------------------------------------------------------------------
# 3. a second tenant, the same addresses, its own gateway

r = req("PUT", "/v1/virtualGateways/v2", v2(gateways=[
    {"resourceRef": "/gateways/gw1"}]))
p2 = r.json["properties"] if r.status == 201 else {}
check(r.status == 201 and p2["gatewayAddress"] == "10.0.2.2"
      and p2["macAddress"] != MAC and p2["vmName"] == "gw-v2",
      "Contoso2's virtual gateway: the same CA 10.0.2.2 in its own "
      "routing domain, its own MAC and VM", r)
vn2 = req("GET", "/v1/virtualNetworks/Contoso2").json["properties"]
VS2 = vn2["subnets"][1]["properties"]["virtualSubnetId"]
c1 = config("gw1").json
comps = {x["resourceId"]: x for x in c1["compartments"]}
check(c1["revision"] == rev() and sorted(comps) == ["contoso", "v2"]
      and comps["v2"]["routingDomainId"] == vn2["routingDomainId"]
      and comps["contoso"]["routingDomainId"] == RD
      and comps["v2"]["virtualSubnetId"] == VS2
      and comps["v2"]["externalMacAddress"] !=
      comps["contoso"]["externalMacAddress"]
      and comps["v2"]["vpn"] == {} and comps["v2"]["natRules"] == [],
      "gw1's config: two compartments, each in its routing domain", c1)
check(sorted(v["vmName"] for v in items("/v1/hosts/GWHost/vms")) ==
      ["gw-contoso", "gw-v2"], "both compartments on GWHost")

# the /config reply, whole
CONFIG = config("gw1").json
print("config: " + json.dumps(CONFIG))
cc = comps["contoso"]
exp = {"resourceId": "contoso", "role": "active", "vmName": "gw-contoso",
       "adapterName": "int0", "macAddress": MAC, "virtualSubnetId": VS_GW,
       "routingDomainId": RD, "gatewayAddress": "10.0.2.2",
       "gatewaySubnet": "10.0.2.0/24", "subnetGateway": "10.0.2.1",
       "addressPrefixes": ["10.0.0.0/16"], "mode": "nat",
       "externalAddress": "203.0.113.10",
       "externalMacAddress": cc["externalMacAddress"],
       "natRules": [{"resourceId": "web", "externalAddress": "203.0.113.11",
                     "internalAddress": "10.0.1.101"}],
       "loadBalancers": [{
           "resourceId": "www", "frontendAddress": "203.0.113.12",
           "protocol": "tcp", "frontendPort": 80, "backendPort": 80,
           "backendAddresses": ["10.0.1.101", "10.0.1.102"],
           "probe": {"protocol": "http", "port": 80, "path": "/",
                     "intervalMs": 1000, "timeoutMs": 800,
                     "unhealthyThreshold": 2, "healthyThreshold": 2}}],
       "vpn": {"siteToSite": [{
           "resourceId": "hq", "peerAddress": "198.51.100.2",
           "remotePrefixes": ["192.168.50.0/24"],
           "localPrefixes": ["10.0.0.0/16"], "psk": "s3cret"}],
           "pointToSite": {"addressPool": "172.16.200.0/24",
                           "users": [{"name": "alice", "password": "pw"}],
                           "localPrefixes": ["10.0.0.0/16"],
                           "serverCertificate": CERT, "serverKey": KEY}}}
check(cc == exp, "gw1's compartment for contoso: every field of "
      "doc/gateway.md", cc)
em = cc["externalMacAddress"]
check(len(em) == 17 and em.startswith("02:")
      and config("gw2").json["compartments"][0]["externalMacAddress"] == em,
      "externalMacAddress: locally administered unicast, the same on "
      "both gateways", em)
check(CONFIG["gateway"] == {"resourceId": "gw1", "server": "GWHost",
                            "externalInterface": "Ethernet2",
                            "externalPrefix": "203.0.113.0/24",
                            "externalGateway": "203.0.113.1"},
      "the config's gateway", CONFIG["gateway"])
c2 = config("gw2").json
check([(x["resourceId"], x["role"]) for x in c2["compartments"]] ==
      [("contoso", "standby")], "gw2's config: contoso, standby", c2)

# ---------------------------------------------------------------------------
# 4. failover by hand

r0 = rev()
fa = feed("GWHost", r0)["revision"]
fb = feed("GWHost2", r0)["revision"]
r = req("POST", "/v1/virtualGateways/contoso/failover",
        {"activeGateway": {"resourceRef": "/gateways/nope"}})
check(r.status == 400 and r.err().get("field") ==
      "activeGateway.resourceRef" and rev() == r0,
      "failover to a gateway that is not one of its own: 400", r)
r = req("POST", "/v1/virtualGateways/v2/failover",
        {"activeGateway": {"resourceRef": "/gateways/gw2"}})
check(r.status == 400, "failover of v2 (gw1 only) to gw2: 400", r)
r = req("POST", "/v1/virtualGateways/contoso/failover",
        {"activeGateway": {"resourceRef": "/gateways/gw2"}})
check(r.status == 200 and rev() == r0 + 1 and r.json["etag"] == str(r0 + 1)
      and r.json["properties"]["activeGateway"] ==
      {"resourceRef": "/gateways/gw2"},
      "POST failover to gw2: 200, one write, the document", r)
fA = feed("GWHost", fa)
fB = feed("GWHost2", fb)
check(fA and {"op": "del", "kind": "vm", "obj": {
    "vm": "gw-contoso", "moved": True}} in fA["changes"],
    "GWHost gets the VM del with moved: true", fA)
kinds = {(c["op"], c["kind"]) for c in fB["changes"]} if fB else set()
check({("put", "vm"), ("put", "vm-adapter"), ("put", "lookup-record"),
       ("put", "customer-route")} <= kinds,
      "GWHost2 gets the VM, its adapter, the records and routes", kinds)
lrs = [x for x in items("/v1/lookup-records?virtualSubnetId=%d" % VS_GW)
       if "host" not in x]
check([(x["customerAddress"], x["providerAddress"]) for x in lrs] ==
      [("10.0.2.2", gwpa["GWHost2"])], "the record's PA is GWHost2's", lrs)
check([x.get("host") for x in items(
    "/v1/lookup-records?customerAddress=10.0.2.1&virtualSubnetId=%d"
    % VS_GW)] == ["GWHost2"],
    "the gw subnet's default-gateway record follows to GWHost2")
check([x["role"] for x in config("gw1").json["compartments"]
       if x["resourceId"] == "contoso"] == ["standby"] and
      [x["role"] for x in config("gw2").json["compartments"]] == ["active"],
      "/config: gw1 standby, gw2 active")
r0 = rev()
r = req("POST", "/v1/virtualGateways/contoso/failover",
        {"activeGateway": {"resourceRef": "/gateways/gw2"}})
check(r.status == 200 and rev() == r0,
      "failover to the active one: nothing written", r)

# ---------------------------------------------------------------------------
# 5. heartbeats (--gateway-dead-after 1): gw2 active now, gw1 standby

r = req("PUT", "/v1/gateways/gw2/heartbeat", {"status": {"ok": True}})
check(r.status == 200 and r.json["failedOver"] == [] and
      r.json["heartbeat"]["alive"], "gw2's heartbeat", r)
r = req("PUT", "/v1/gateways/gw1/heartbeat", {})
check(r.status == 200 and r.json["failedOver"] == [],
      "gw1's heartbeat: gw2 is alive, no failover", r)
hb = req("GET", "/v1/gateways/gw2").json["properties"]["heartbeat"]
check(hb["alive"] and hb["status"] == {"ok": True}
      and hb["lastSeen"].endswith("Z") and "T" in hb["lastSeen"],
      "GET gateways/gw2: heartbeat lastSeen (ISO), alive, status", hb)
r = req("PUT", "/v1/gateways/gw1/heartbeat", {"bogus": 1})
check(r.status == 400 and r.err().get("field") == "bogus",
      "a heartbeat with an unknown field: 400", r)
r0 = rev()
t_end = time.time() + 1.6
moved = []
while time.time() < t_end and not moved:
    r = req("PUT", "/v1/gateways/gw1/heartbeat")
    moved = r.json["failedOver"] if r.status == 200 else []
    time.sleep(0.2)
check(moved == ["contoso"] and rev() == r0 + 1,
      "gw2 silent for over 1 s: gw1's heartbeat fails contoso over to gw1 "
      "(one write)", (moved, rev(), r0))
hb = req("GET", "/v1/gateways/gw2").json["properties"]["heartbeat"]
check(not hb["alive"], "gw2 is not alive", hb)
check([x["role"] for x in config("gw1").json["compartments"]
       if x["resourceId"] == "contoso"] == ["active"] and
      [v["vmName"] for v in items("/v1/hosts/GWHost2/vms")] == [],
      "/config: gw1 active again; the compartment left GWHost2")
with open(C.log) as lf:
    check("failover to /gateways/gw1" in lf.read(), "the failover is logged")

# ---------------------------------------------------------------------------
# 6. /config long poll


def poll(q, out):
    t = time.time()
    out.append(config("gw1", q))
    out.append(time.time() - t)


R = rev()
out = []
th = threading.Thread(target=poll, args=("?after=%d&wait=10" % R, out))
th.start()
time.sleep(0.3)
check(th.is_alive(), "a poll after the current revision waits")
req("PUT", "/v1/gateways/gw2", gateway("GWHost2", "203.0.113.254"))
th.join(5)
check(out and out[0].status == 200 and out[0].json["revision"] == R + 1
      and out[1] < 3, "a write answers it early, with the new revision",
      out)
t = time.time()
r = config("gw1", "?after=%d&wait=1" % (R + 1))
dt = time.time() - t
check(r.status == 200 and r.json["revision"] == R + 1 and 0.8 < dt < 3,
      "nothing changed: the answer comes after wait (1 s), the same "
      "content", (r, dt))
t = time.time()
r = config("gw1", "?after=%d&wait=10" % R)
check(r.status == 200 and time.time() - t < 1,
      "after an older revision: at once", r)
r = config("gw1", "?after=x")
check(r.status == 400 and r.err().get("field") == "after", "after=x: 400", r)
r = config("gw1", "?wait=61")
check(r.status == 400 and r.err().get("field") == "wait", "wait=61: 400", r)
r = config("nope")
check(r.status == 404, "config of a gateway that does not exist: 404", r)

# ---------------------------------------------------------------------------
# 7. what is used cannot go; a gateway change re-derives; restart

r0 = rev()
r = req("DELETE", "/v1/gateways/gw2")
check(r.status == 409 and "/virtualGateways/contoso" in r.err().get(
    "message", ""), "DELETE gateways/gw2 (contoso uses it): 409 naming it", r)
r = req("DELETE", "/v1/servers/GWHost")
check(r.status == 409 and "/gateways/gw1" in r.err().get("message", ""),
      "DELETE servers/GWHost (gw1 is on it): 409 naming it", r)
r = req("DELETE", "/v1/virtualNetworks/Contoso2")
check(r.status == 409 and "/virtualGateways/v2" in r.err().get(
    "message", ""), "DELETE virtualNetworks/Contoso2: 409 naming v2", r)
r = req("DELETE", "/v1/virtualNetworks/Contoso2/subnets/gw")
check(r.status == 409, "DELETE the gateway subnet it is in: 409", r)
r = req("PUT", "/v1/gateways/gw1", {"properties": {
    "server": {"resourceRef": "/servers/GWHost"},
    "externalPrefix": "198.51.100.0/24"}})
check(r.status == 409 and rev() == r0,
      "changing gw1's externalPrefix away from its tenants' addresses: "
      "409", r)
r = req("PUT", "/v1/gateways/gw1", gateway("GWHost", "203.0.113.10"))
check(r.status == 409, "making a tenant's address gw1's externalGateway: "
      "409", r)
lr = [x for x in items("/v1/lookup-records?customerAddress=10.0.2.2")]
r = req("DELETE", "/v1/lookup-records/%s" % lr[0]["id"])
check(r.status == 409 and "/virtualGateways/" in r.err().get("message", ""),
      "the low-level API may not remove a derived record", r)

# re-derived when a gateway's server or the virtual network changes
r0 = rev()
r = req("PUT", "/v1/gateways/gw1", gateway("GWHost2"))
check(r.status == 200 and rev() == r0 + 1 and sorted(
    v["vmName"] for v in items("/v1/hosts/GWHost2/vms")) ==
    ["gw-contoso", "gw-v2"] and items("/v1/hosts/GWHost/vms") == [],
    "gw1 moved to GWHost2: its compartments follow, in one write", r)
check(req("PUT", "/v1/gateways/gw1", gateway("GWHost")).status == 200
      and len(items("/v1/hosts/GWHost/vms")) == 2, "and back")
NEWRD = "{12345678-1000-2000-3000-123456780009}"
b = req("GET", "/v1/virtualNetworks/Contoso").json
b["properties"]["routingDomainId"] = NEWRD
r = req("PUT", "/v1/virtualNetworks/Contoso", b)
check(r.status == 200 and sorted(
    c["destinationPrefix"] for c in items("/v1/customer-routes")
    if c["routingDomainId"] == NEWRD and c["nextHop"] == "10.0.2.2") ==
    ["0.0.0.0/0", "172.16.200.0/24", "192.168.50.0/24"]
    and config("gw1").json["compartments"][0]["routingDomainId"] == NEWRD,
    "a new routing domain for Contoso: the gateway's routes follow", r)
b["properties"]["routingDomainId"] = RD
check(req("PUT", "/v1/virtualNetworks/Contoso", b).status == 200, "and back")

before = req("GET", "/v1/virtualGateways/contoso").json
C.restart()
check(req("GET", "/v1/virtualGateways/contoso").json == before
      and config("gw1").json["compartments"] == CONFIG["compartments"]
      and [x["role"] for x in config("gw1").json["compartments"]] ==
      ["active", "active"],
      "a restart keeps the documents (the config is the same)")
r = req("DELETE", "/v1/virtualGateways/contoso")
check(r.status == 204 and [v["vmName"] for v in items(
    "/v1/hosts/GWHost/vms")] == ["gw-v2"] and not [
    c for c in items("/v1/customer-routes") if c["nextHop"] == "10.0.2.2"
    and c["routingDomainId"] == RD],
    "DELETE virtualGateways/contoso removes its VM, adapter, record, "
    "routes", r)
check(req("DELETE", "/v1/gateways/gw2").status == 204,
      "gw2, no longer used, can go")

# ---------------------------------------------------------------------------
# 5b. a never-seen active gateway: dead once the controller has run for
# --gateway-dead-after (here 2 s), not before

D = Controller("gw-dead", args=["--gateway-dead-after", "2"]).start()
t0 = time.time()
ok = model(D) and D.req("PUT", "/v1/virtualGateways/t", vgw(
    full=False)).status == 201
r = D.req("PUT", "/v1/gateways/gw2/heartbeat")
early = time.time() - t0
check(ok and r.status == 200 and (r.json["failedOver"] == []
                                  or early > 1.8),
      "just after the start, gw1 never seen: no failover yet "
      "(%.2f s after start)" % early, r)
time.sleep(max(0, 2.2 - (time.time() - t0)))
r = D.req("PUT", "/v1/gateways/gw2/heartbeat")
check(r.status == 200 and r.json["failedOver"] == ["t"],
      "2 s after the start, gw1 still never seen: gw2's heartbeat takes "
      "over", r)

# 5c. gateways made later get their own --gateway-dead-after to speak:
# of two gateways started together, the first heard does not take the
# other's tenants at once
ok = (D.req("PUT", "/v1/virtualNetworks/Fabrikam", vnet()).status == 201
      and D.req("PUT", "/v1/gateways/gw3", gateway("GWHost")).status == 201
      and D.req("PUT", "/v1/gateways/gw4", gateway("GWHost2")).status == 201
      and D.req("PUT", "/v1/virtualGateways/t2", vgw(
          vn="Fabrikam", ext="203.0.113.20", gws=("gw3", "gw4"),
          full=False)).status == 201)
t1 = time.time()
r = D.req("PUT", "/v1/gateways/gw4/heartbeat")
early = time.time() - t1
check(ok and r.status == 200 and (r.json["failedOver"] == []
                                  or early > 1.8),
      "gw3 made just now, never seen: gw4's heartbeat does not take t2 "
      "(%.2f s)" % early, r)
time.sleep(max(0, 2.2 - (time.time() - t1)))
r = D.req("PUT", "/v1/gateways/gw4/heartbeat")
check(r.status == 200 and r.json["failedOver"] == ["t2"],
      "2 s after it was made, gw3 still never seen: gw4 takes t2", r)
D.stop()

finish()
