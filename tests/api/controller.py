#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""tests/api/controller.py: hnv-controller's REST API and change feed,
against doc/controller.md, on a controller of its own (loopback, a free
port, a temporary database; no root).

  1. every resource kind: create (201 + Location), an identical create
     (200, nothing written), list, get, patch, delete
  2. conflicts (409 naming the other object) and bad input (400 naming
     the field)
  3. filters, paging, dryRun, If-Match, DELETE on a collection, host
     delete, /v1/batch (all or nothing), revisions, the token
  4. the change feed of three hosts in two routing domains: snapshots
     (and their paging), changes after a revision, a long poll, an
     adapter moving into another routing domain and going away
"""
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ctrllib import Controller, check, fail, finish, ok  # noqa: E402

R1 = "{11111111-0000-0000-0000-000000000001}"
R2 = "{22222222-0000-0000-0000-000000000002}"

C = Controller("api").start()


def rev():
    return C.revision()


def post(path, body, **kw):
    return C.req("POST", path, body, **kw)


def get(path, **kw):
    return C.req("GET", path, **kw)


def patch(path, body, **kw):
    return C.req("PATCH", path, body, **kw)


def delete(path, **kw):
    return C.req("DELETE", path, **kw)


def created(r, what):
    """Checks a 201 with a Location naming the object; its URL."""
    loc = r.header("Location")
    good = (r.status == 201 and loc and isinstance(r.json, dict)
            and "id" in r.json and (loc.endswith("/%s" % r.json["id"])
                                    or loc.endswith("/" + r.json.get(
                                        "name", "?"))))
    check(good, "create %s: 201 + Location" % what, r)
    return loc


def list_all(path, limit=None):
    """Every item of a collection, following 'next'; None if a page
    fails."""
    items = []
    url = path
    if limit:
        url += ("&" if "?" in path else "?") + "limit=%d" % limit
    pages = 0
    while url:
        r = get(url)
        if r.status != 200 or not isinstance(r.json, dict):
            return None
        items += r.json["items"]
        url = r.json["next"]
        pages += 1
        if pages > 10000:
            return None
    return items


# ---------------------------------------------------------------------------
# 1. every kind: create, identical create, list, get, patch, delete

def crud(coll, body, changes, what):
    r0 = rev()
    r = post(coll, body)
    loc = created(r, what)
    if not loc:
        return None
    obj = r.json
    check(rev() == r0 + 1 and obj["revision"] == r0 + 1,
          "create %s: one revision" % what, (r0, rev(), obj))
    for k, v in body.items():
        if k in obj and obj[k] != v and k not in (
                "macAddress", "customerId", "routingDomainId", "rule"):
            fail("create %s: field %s is %r, sent %r" % (what, k, obj[k], v))
    r = post(coll, body)
    check(r.status == 200 and r.json.get("id") == obj["id"]
          and rev() == r0 + 1,
          "create %s again: 200, the same object, nothing written" % what,
          r)
    r = get(coll)
    check(r.status == 200 and r.json["next"] is None
          and any(i["id"] == obj["id"] for i in r.json["items"]),
          "list %s" % what, r)
    r = get(loc)
    check(r.status == 200 and r.json == obj, "get %s" % what,
          (r, obj))
    if changes:
        r1 = rev()
        r = patch(loc, changes)
        good = r.status == 200 and all(r.json.get(k) == v
                                       for k, v in changes.items())
        check(good and r.json["revision"] == r1 + 1 and rev() == r1 + 1,
              "patch %s" % what, r)
        r = get(loc)
        check(r.status == 200 and all(r.json.get(k) == v
                                      for k, v in changes.items()),
              "patch %s: get shows the change" % what, r)
    return loc


post("/v1/hosts", {"name": "Host1"})
post("/v1/hosts", {"name": "Host2"})
post("/v1/hosts", {"name": "Host3"})
H1 = "/v1/hosts/Host1"
H2 = "/v1/hosts/Host2"
H3 = "/v1/hosts/Host3"

# a host of its own, for the host kind
r0 = rev()
r = post("/v1/hosts", {"name": "Tmp1"})
check(r.status == 201 and r.header("Location") == "/v1/hosts/Tmp1"
      and r.json["name"] == "Tmp1" and rev() == r0 + 1,
      "create host: 201 + Location /v1/hosts/Tmp1", r)
r = post("/v1/hosts", {"name": "Tmp1"})
check(r.status == 200 and rev() == r0 + 1,
      "create host again: 200, nothing written", r)
r = get("/v1/hosts/tmp1")
check(r.status == 200 and r.json["name"] == "Tmp1"
      and r.json["agent"]["connected"] is False,
      "get host (case-insensitive name)", r)
r = get("/v1/hosts")
check(r.status == 200 and sorted(i["name"] for i in r.json["items"]) ==
      ["Host1", "Host2", "Host3", "Tmp1"], "list hosts", r)
r = patch("/v1/hosts/Tmp1", {"name": "Tmp2"})
check(r.status == 400 and r.err().get("field") == "name",
      "patch host: its name is its key (400)", r)
r = delete("/v1/hosts/Tmp1")
check(r.status == 204 and get("/v1/hosts/Tmp1").status == 404
      and rev() == r0 + 2, "delete host", r)

crud(H1 + "/provider-addresses",
     {"providerAddress": "192.168.1.1", "prefixLength": 24},
     {"vlanId": 0, "macAddress": "02:00:00:00:01:01"}, "provider address")
crud(H2 + "/provider-addresses",
     {"providerAddress": "192.168.1.2", "prefixLength": 24}, None,
     "provider address (Host2)")
crud(H3 + "/provider-addresses",
     {"providerAddress": "192.168.1.3", "prefixLength": 24}, None,
     "provider address (Host3)")
crud(H1 + "/provider-routes",
     {"destinationPrefix": "0.0.0.0/0", "nextHop": "192.168.1.254"},
     {"metric": 10}, "provider route")
for h in (H1, H2, H3):
    crud(h + "/switches", {"name": "sw", "netAdapterName": "eth0"},
         {"netAdapterName": "eth1"}, "switch " + h)
crud(H1 + "/vms", {"vmName": "Blue1"}, None, "VM")
r = patch(H1 + "/vms/%d" % get(H1 + "/vms").json["items"][0]["id"],
          {"vmName": "Blue9"})
check(r.status == 400 and r.err().get("field") == "vmName",
      "patch VM: its name is its key (400)", r)
post(H2 + "/vms", {"vmName": "Blue2"})
post(H3 + "/vms", {"vmName": "Red3"})

crud("/v1/customer-routes",
     {"routingDomainId": R1, "virtualSubnetId": 6000,
      "destinationPrefix": "10.60.0.0/24"}, {"metric": 5},
     "customer route")
post("/v1/customer-routes", {"routingDomainId": R1, "virtualSubnetId": 6001,
                             "destinationPrefix": "10.61.0.0/24"})
post("/v1/customer-routes", {"routingDomainId": R2, "virtualSubnetId": 7000,
                             "destinationPrefix": "10.70.0.0/24"})
A1 = crud(H1 + "/vm-adapters",
          {"vmName": "Blue1", "name": "eth0", "switchName": "sw",
           "macAddress": "02:60:00:00:00:05", "virtualSubnetId": 6000},
          {"macAddress": "02:60:00:00:00:05"}, "VM network adapter")
post(H2 + "/vm-adapters",
     {"vmName": "Blue2", "name": "eth0", "switchName": "sw",
      "macAddress": "02:61:00:00:00:05", "virtualSubnetId": 6001})
r = post(H3 + "/vm-adapters",
         {"vmName": "Red3", "name": "eth0", "switchName": "sw",
          "macAddress": "02:70:00:00:00:05", "virtualSubnetId": 7000})
A3 = r.header("Location")
LR1 = crud("/v1/lookup-records",
           {"customerAddress": "10.60.0.5", "virtualSubnetId": 6000,
            "macAddress": "02-60-00-00-00-05", "providerAddress":
            "192.168.1.1", "rule": "TranslationMethodEncap"},
           {"providerAddress": "192.168.1.2"}, "lookup record")
r = get(LR1)
check(r.status == 200 and r.json["macAddress"] == "02:60:00:00:00:05"
      and r.json["rule"] == "encap" and r.json["type"] == "static",
      "lookup record: values come back normalised", r)
patch(LR1, {"providerAddress": "192.168.1.1"})
post("/v1/lookup-records",
     {"customerAddress": "10.61.0.5", "virtualSubnetId": 6001,
      "macAddress": "026100000005", "providerAddress": "192.168.1.2"})
post("/v1/lookup-records",
     {"customerAddress": "10.70.0.5", "virtualSubnetId": 7000,
      "macAddress": "02:70:00:00:00:05", "providerAddress": "192.168.1.3"})
# default-gateway records: one per PA, each for its own host
GW = {}
for ca, vsid, mac, pa in (
        ("10.60.0.1", 6000, "02:60:00:00:01:01", "192.168.1.1"),
        ("10.60.0.1", 6000, "02:60:00:00:01:02", "192.168.1.2"),
        ("10.61.0.1", 6001, "02:61:00:00:01:02", "192.168.1.2"),
        ("10.70.0.1", 7000, "02:70:00:00:01:03", "192.168.1.3")):
    r = post("/v1/lookup-records", {"customerAddress": ca,
                                    "virtualSubnetId": vsid,
                                    "macAddress": mac,
                                    "providerAddress": pa})
    check(r.status == 201, "default-gateway record %s %s" % (ca, pa), r)
    GW[(ca, pa)] = r.json
r = post("/v1/lookup-records", {"customerAddress": "10.70.0.1",
                                "virtualSubnetId": 7000,
                                "macAddress": "02:70:00:00:01:09",
                                "providerAddress": "192.168.1.99"})
check(r.status == 409 and r.err().get("field") == "providerAddress",
      "default-gateway record whose PA no host owns: 409", r)

# delete of each kind (on objects made for it)
for coll, body in (
        ("/v1/lookup-records", {"customerAddress": "10.60.0.77",
                                "virtualSubnetId": 6000,
                                "macAddress": "02:60:00:00:00:77",
                                "providerAddress": "192.168.1.1"}),
        ("/v1/customer-routes", {"routingDomainId": R1,
                                 "virtualSubnetId": 6000,
                                 "destinationPrefix": "10.99.0.0/16"}),
        (H1 + "/provider-addresses", {"providerAddress": "192.168.9.1",
                                      "prefixLength": 24}),
        (H1 + "/provider-routes", {"destinationPrefix": "10.1.0.0/16",
                                   "nextHop": "192.168.1.254"}),
        (H1 + "/switches", {"name": "sw9", "netAdapterName": "eth9"}),
        (H1 + "/vms", {"vmName": "Gone"}),
        (H1 + "/vm-adapters", {"vmName": "Blue1", "name": "eth9",
                               "switchName": "sw",
                               "macAddress": "02:00:00:00:09:09"})):
    r = post(coll, body)
    loc = r.header("Location")
    if not check(r.status == 201 and loc, "create for delete " + coll, r):
        continue
    r0 = rev()
    r = delete(loc)
    check(r.status == 204 and get(loc).status == 404 and rev() == r0 + 1,
          "delete " + loc, r)
    r = delete(loc)
    check(r.status == 404, "delete " + loc + " again: 404", r)
# the switch and the adapter above: adapter first
r = get(H1 + "/switches?name=sw9")
for i in r.json["items"]:
    delete(H1 + "/switches/%d" % i["id"])

# ---------------------------------------------------------------------------
# 2. conflicts and bad input


def conflict(r, what, names):
    e = r.err()
    msg = e.get("message", "").lower()
    good = r.status == 409 and all(n.lower() in msg for n in names)
    check(good, "409 %s, naming %s" % (what, ", ".join(names)), r)


r = post("/v1/lookup-records",
         {"customerAddress": "10.60.0.5", "virtualSubnetId": 6000,
          "macAddress": "02:60:00:00:00:99", "providerAddress":
          "192.168.1.1"})
conflict(r, "same CA in a VSID", [LR1])
r = post("/v1/lookup-records",
         {"customerAddress": "10.61.0.99", "virtualSubnetId": 6001,
          "macAddress": "02:61:00:00:00:05", "providerAddress":
          "192.168.1.2"})
conflict(r, "same MAC in a routing domain", ["10.61.0.5"])
r = post("/v1/lookup-records",
         {"customerAddress": "10.60.0.99", "virtualSubnetId": 6000,
          "macAddress": "02:61:00:00:00:05", "providerAddress":
          "192.168.1.2"})
conflict(r, "same MAC in another VSID of the routing domain",
         ["10.61.0.5"])
r = post("/v1/customer-routes",
         {"routingDomainId": R2, "virtualSubnetId": 6000,
          "destinationPrefix": "10.62.0.0/24"})
conflict(r, "a VSID in two routing domains", ["6000", R1])
r = post(H2 + "/provider-addresses",
         {"providerAddress": "192.168.1.1", "prefixLength": 24})
conflict(r, "a PA on two hosts", ["192.168.1.1", "Host1"])
r = post(H2 + "/vms", {"vmName": "Blue1"})
conflict(r, "a VM on two hosts", ["Blue1", "Host1"])
r = post(H2 + "/vm-adapters",
         {"vmName": "Blue1", "name": "eth1", "switchName": "sw",
          "macAddress": "02:00:00:00:00:42"})
conflict(r, "an adapter of a VM on another host", ["Blue1", "Host1"])


def bad(r, what, field):
    e = r.err()
    check(r.status == 400 and e.get("field") == field
          and field in e.get("message", "") and e.get("status") == 400,
          "400 %s, naming field %s" % (what, field), r)


LRB = {"customerAddress": "10.60.0.50", "virtualSubnetId": 6000,
       "macAddress": "02:60:00:00:00:50", "providerAddress": "192.168.1.1"}
r0 = rev()
bad(post("/v1/lookup-records", dict(LRB, macAddress="02:60:zz")),
    "bad MAC", "macAddress")
bad(post("/v1/lookup-records", dict(LRB, virtualSubnetId=70)),
    "VSID 70", "virtualSubnetId")
r = post("/v1/lookup-records", dict(LRB, virtualSubnetId=70))
check("4096" in r.err().get("message", ""), "VSID 70: says the range", r)
bad(post("/v1/lookup-records", dict(LRB, virtualSubnetID2=6000)),
    "unknown field", "virtualSubnetID2")
bad(post("/v1/lookup-records", dict(LRB, virtualSubnetId=[6000])),
    "wrong type (array)", "virtualSubnetId")
bad(post("/v1/lookup-records", dict(LRB, customerAddress=5)),
    "wrong type (number for an address)", "customerAddress")
bad(post(H1 + "/provider-addresses",
         {"providerAddress": "192.168.7.1", "prefixLength": "x"}),
    "wrong type (prefixLength)", "prefixLength")
bad(post(H1 + "/vm-adapters",
         {"vmName": "Blue1", "name": "eth7", "switchName": "sw",
          "virtualSubnetId": 70}), "adapter VSID 70", "virtualSubnetId")
bad(post("/v1/customer-routes",
         {"routingDomainId": "nope", "virtualSubnetId": 6000,
          "destinationPrefix": "10.60.0.0/24"}), "bad GUID",
    "routingDomainId")
bad(patch(LR1, {"macAddress": "zz"}), "patch with a bad MAC",
    "macAddress")
bad(post("/v1/hosts", {"name": "no spaces"}), "bad host name", "name")
bad(post("/v1/hosts", {"nmae": "x"}), "unknown host field", "nmae")
r = post("/v1/lookup-records", None, raw=b'{"customerAddress": ')
check(r.status == 400 and "JSON" in r.err().get("message", ""),
      "400 malformed JSON", r)
r = post("/v1/lookup-records", [1, 2])
check(r.status == 400, "400 a body that is not an object", r)
r = post("/v1/lookup-records", None, raw=b"ca=1",
         headers={"Content-Type": "text/plain"})
check(r.status == 415, "415 a body that is not JSON", r)
r = get(LR1.rsplit("/", 1)[0] + "/999999")
check(r.status == 404 and r.err().get("status") == 404,
      "404 no such object", r)
r = get("/v1/nothing-here")
check(r.status == 404, "404 no such path", r)
r = get("/v1/hosts/NoSuchHost/switches")
check(r.status == 404, "404 no such host", r)
r = C.req("PUT", "/v1/lookup-records", {})
check(r.status == 405, "405 PUT on a collection", r)
check(rev() == r0, "nothing written by the failed requests",
      (r0, rev()))

# ---------------------------------------------------------------------------
# 3. filters, paging, dryRun, If-Match, DELETE collection, batch, token

r = get("/v1/lookup-records?virtualSubnetId=6000")
vs = {i["virtualSubnetId"] for i in r.json["items"]}
check(r.status == 200 and vs == {6000} and len(r.json["items"]) == 3,
      "filter ?virtualSubnetId=6000", r)
r = get("/v1/lookup-records?customerAddress=10.60.0.1")
check(r.status == 200 and len(r.json["items"]) == 2 and
      {i["providerAddress"] for i in r.json["items"]} ==
      {"192.168.1.1", "192.168.1.2"},
      "filter ?customerAddress=10.60.0.1 (both default-gateway records)",
      r)
r = get("/v1/lookup-records?customerAddress=10.60.0.5&virtualSubnetId=6000")
check(r.status == 200 and len(r.json["items"]) == 1, "two filters", r)
r = get("/v1/lookup-records?macAddress=026000000005")
check(r.status == 200 and len(r.json["items"]) == 1,
      "filter by MAC in another form", r)
r = get("/v1/lookup-records?virtualSubnetId=x")
check(r.status == 400 and r.err().get("field") == "virtualSubnetId",
      "400 a bad filter value, naming the field", r)
r = get("/v1/lookup-records?colour=blue")
check(r.status == 400 and r.err().get("field") == "colour",
      "400 a filter that is no field", r)
r = get("/v1/lookup-records?limit=0")
check(r.status == 400 and r.err().get("field") == "limit", "400 limit=0",
      r)
r = get("/v1/lookup-records?limit=10001")
check(r.status == 400, "400 limit over 10000", r)

# paging: 57 records in VSID 6100, pages of 10 (and of 7 with a filter)
post("/v1/customer-routes", {"routingDomainId": R1, "virtualSubnetId": 6100,
                             "destinationPrefix": "10.100.0.0/24"})
ops = [{"method": "POST", "path": "/v1/lookup-records",
        "body": {"customerAddress": "10.100.0.%d" % (i + 10),
                 "virtualSubnetId": 6100,
                 "macAddress": "02:64:00:00:00:%02x" % i,
                 "providerAddress": "192.168.1.%d" % (i % 3 + 1)}}
       for i in range(57)]
r0 = rev()
r = post("/v1/batch", {"ops": ops})
check(r.status == 200 and r.json["created"] == 57 and rev() == r0 + 1
      and r.json["revision"] == r0 + 1, "batch of 57 creates: one revision",
      r)
want = {i["id"] for i in get("/v1/lookup-records?limit=10000").json["items"]}
got = list_all("/v1/lookup-records", limit=10)
check(got is not None and len(got) == len(want)
      and {i["id"] for i in got} == want,
      "paging limit=10: every object exactly once (%d)" % len(want),
      None if got is None else len(got))
got = list_all("/v1/lookup-records?virtualSubnetId=6100", limit=7)
check(got is not None and len(got) == 57
      and len({i["id"] for i in got}) == 57
      and all(i["virtualSubnetId"] == 6100 for i in got),
      "paging limit=7 with a filter: all 57 once", got and len(got))
r = get("/v1/lookup-records?virtualSubnetId=6100&limit=57")
check(r.status == 200 and len(r.json["items"]) == 57
      and r.json["next"] is None, "limit = the count: next is null", r)

# dryRun
r0 = rev()
body = {"customerAddress": "10.100.0.200", "virtualSubnetId": 6100,
        "macAddress": "02:64:00:00:00:c8", "providerAddress": "192.168.1.1"}
r = post("/v1/lookup-records?dryRun=true", body)
check(r.status == 201 and r.json["customerAddress"] == "10.100.0.200",
      "dryRun create: answered as if done", r)
check(rev() == r0 and len(get(
    "/v1/lookup-records?customerAddress=10.100.0.200").json["items"]) == 0,
    "dryRun create: nothing written, revision unchanged")
r = post("/v1/lookup-records?dryRun=true", dict(body, macAddress="zz"))
check(r.status == 400, "dryRun create: still validates", r)
r = post("/v1/lookup-records?dryRun=true",
         dict(body, macAddress="02:60:00:00:00:05"))
check(r.status == 409, "dryRun create: still finds conflicts", r)
r = patch(LR1 + "?dryRun=true", {"providerAddress": "192.168.1.3"})
check(r.status == 200 and r.json["providerAddress"] == "192.168.1.3"
      and get(LR1).json["providerAddress"] == "192.168.1.1"
      and rev() == r0, "dryRun patch: nothing written", r)
r = delete(LR1 + "?dryRun=true")
check(r.status == 204 and get(LR1).status == 200 and rev() == r0,
      "dryRun delete: nothing written", r)
r = delete("/v1/lookup-records?virtualSubnetId=6100&dryRun=true")
check(r.status == 200 and r.json["removed"] == 57 and rev() == r0 and len(
    get("/v1/lookup-records?virtualSubnetId=6100&limit=100").json[
        "items"]) == 57, "dryRun DELETE collection: nothing removed", r)
r = post("/v1/batch?dryRun=true", {"ops": [
    {"method": "POST", "path": "/v1/lookup-records", "body": body}]})
check(r.status == 200 and rev() == r0 and len(get(
    "/v1/lookup-records?customerAddress=10.100.0.200").json["items"]) == 0,
    "dryRun batch: nothing written", r)

# If-Match
lr = get(LR1).json
r = patch(LR1, {"providerAddress": "192.168.1.1"},
          headers={"If-Match": str(lr["revision"] + 1)})
check(r.status == 412, "If-Match an old revision: 412", r)
r = delete(LR1, headers={"If-Match": "1"})
check(r.status == 412 and get(LR1).status == 200,
      "DELETE If-Match an old revision: 412, nothing removed", r)
r = patch(LR1, {"providerAddress": "192.168.1.1"},
          headers={"If-Match": str(lr["revision"])})
check(r.status == 200, "If-Match the current revision: 200", r)

# DELETE on a collection
r0 = rev()
r = delete("/v1/lookup-records")
check(r.status == 400 and rev() == r0, "DELETE collection without filter: "
      "400", r)
r = delete("/v1/lookup-records?virtualSubnetId=6100")
check(r.status == 200 and r.json["removed"] == 57 and rev() == r0 + 1
      and get("/v1/lookup-records?virtualSubnetId=6100").json["items"] ==
      [] and get(LR1).status == 200,
      "DELETE collection with a filter: the 57, one revision", r)
r = delete("/v1/lookup-records?virtualSubnetId=6100")
check(r.status == 404, "DELETE collection, none matches: 404", r)
delete("/v1/customer-routes?virtualSubnetId=6100")

# batch: all or nothing
r0 = rev()
n0 = len(get("/v1/lookup-records").json["items"])
ops = [{"method": "POST", "path": "/v1/lookup-records",
        "body": dict(LRB, customerAddress="10.60.0.%d" % (60 + i),
                     macAddress="02:60:00:00:00:%02x" % (60 + i))}
       for i in range(5)]
ops[3]["body"]["virtualSubnetId"] = 70
r = post("/v1/batch", {"ops": ops})
check(r.status == 400 and "ops[3]" in r.err().get("message", "")
      and "virtualSubnetId" in r.err().get("message", ""),
      "batch with a bad op 3: 400 naming ops[3]", r)
check(rev() == r0 and len(get("/v1/lookup-records").json["items"]) == n0,
      "batch with a bad op 3: nothing written")
ops[3]["body"]["virtualSubnetId"] = 6000
ops[3]["body"]["macAddress"] = ops[0]["body"]["macAddress"]
r = post("/v1/batch", {"ops": ops})
check(r.status == 409 and "ops[3]" in r.err().get("message", "")
      and rev() == r0, "batch conflicting with itself at op 3: 409, "
      "nothing written", r)
ops[3]["body"]["macAddress"] = "02:60:00:00:00:63"
ops.append({"method": "DELETE", "path": LR1})
ops.append({"method": "PATCH", "path": A1, "body": {"virtualSubnetId": 6000}})
ops.append({"method": "POST", "path": "/v1/lookup-records",
            "body": get(LR1).json | {"id": None}})
del ops[-1]["body"]["id"]
r = post("/v1/batch", {"ops": ops})
check(r.status == 200 and r.json["ops"] == 8 and r.json["created"] == 6
      and r.json["removed"] == 1
      and r.json["changed"] == 1 and r.json["unchanged"] == 0
      and rev() == r0 + 1,
      "batch of creates, a delete, a patch: one revision", r)
r = post("/v1/lookup-records", get("/v1/lookup-records?customerAddress="
                                   "10.60.0.60").json["items"][0])
check(r.status == 200, "create with the object as the API gave it "
      "(id, revision, host ignored)", r)
LR1 = post("/v1/lookup-records",
           {"customerAddress": "10.60.0.5", "virtualSubnetId": 6000,
            "macAddress": "02:60:00:00:00:05",
            "providerAddress": "192.168.1.1"}).header("Location")
r = post("/v1/batch", {"ops": [{"method": "GET", "path": LR1}]})
check(r.status == 400 and "ops[0]" in r.err().get("message", ""),
      "batch: GET is no write", r)
r = post("/v1/batch", {"ops": [{"method": "POST", "path": "/v1/nothing",
                                "body": {}}]})
check(r.status == 400 and "ops[0]" in r.err().get("message", ""),
      "batch: an unknown path", r)
r = post("/v1/batch", {"ops": "x"})
check(r.status == 400 and r.err().get("field") == "ops",
      "batch: ops not a list", r)
delete("/v1/lookup-records?customerAddress=10.60.0.60")
for i in range(61, 65):
    delete("/v1/lookup-records?customerAddress=10.60.0.%d" % i)

# host delete removes its scoped objects (and its default-gateway records)
post("/v1/hosts", {"name": "Tmp3"})
post("/v1/hosts/Tmp3/provider-addresses",
     {"providerAddress": "192.168.3.3", "prefixLength": 24})
post("/v1/hosts/Tmp3/switches", {"name": "sw", "netAdapterName": "eth0"})
post("/v1/hosts/Tmp3/vms", {"vmName": "Tmp3vm"})
post("/v1/hosts/Tmp3/vm-adapters",
     {"vmName": "Tmp3vm", "name": "a", "switchName": "sw",
      "macAddress": "02:00:00:00:33:33", "virtualSubnetId": 7000})
post("/v1/hosts/Tmp3/provider-routes",
     {"destinationPrefix": "10.3.0.0/16", "nextHop": "192.168.3.254"})
r = post("/v1/lookup-records", {"customerAddress": "10.70.0.1",
                                "virtualSubnetId": 7000,
                                "macAddress": "02:70:00:00:03:03",
                                "providerAddress": "192.168.3.3"})
check(r.status == 201 and r.json.get("host") == "Tmp3",
      "default-gateway record on Tmp3's PA", r)
r0 = rev()
r = delete("/v1/hosts/Tmp3")
check(r.status == 204 and rev() == r0 + 1, "delete host Tmp3: one revision",
      r)
left = [i for i in get("/v1/lookup-records?limit=10000").json["items"]
        if i["providerAddress"] == "192.168.3.3"]
check(get("/v1/hosts/Tmp3").status == 404 and not left
      and post("/v1/hosts/Tmp3/vms", {"vmName": "x"}).status == 404,
      "host delete: the host and everything scoped to it are gone", left)
r = post("/v1/hosts", {"name": "Tmp3"})
post("/v1/hosts/Tmp3/vms", {"vmName": "Tmp3vm"})
check(r.status == 201 and get("/v1/hosts/Tmp3/vms").json["items"] and
      get("/v1/hosts/Tmp3/provider-addresses").json["items"] == [],
      "a new host of the same name starts empty", r)
delete("/v1/hosts/Tmp3")

# hosts by filter: ?name= selects one; DELETE with it removes that host
# and what is scoped to it
r = get("/v1/hosts?name=host2")
check(r.status == 200 and [i["name"] for i in r.json["items"]] == ["Host2"],
      "GET /v1/hosts?name=host2: that host only", r)
post("/v1/hosts", {"name": "Tmp4"})
post("/v1/hosts", {"name": "Tmp5"})
post("/v1/hosts/Tmp4/switches", {"name": "sw", "netAdapterName": "eth0"})
post("/v1/hosts/Tmp4/vm-adapters",
     {"vmName": "Tmp4vm", "name": "a", "switchName": "sw",
      "macAddress": "02:00:00:00:44:44", "virtualSubnetId": 7000})
n_hosts = len(get("/v1/hosts").json["items"])
r0 = rev()
r = delete("/v1/hosts?name=Tmp4")
check(r.status == 200 and r.json["removed"] == 1 and rev() == r0 + 1
      and len(get("/v1/hosts").json["items"]) == n_hosts - 1
      and get("/v1/hosts/Tmp5").status == 200,
      "DELETE /v1/hosts?name=Tmp4: that host only", r)
r = post("/v1/hosts/Tmp5/vm-adapters",
         {"vmName": "Tmp4vm", "name": "a", "switchName": "sw",
          "macAddress": "02:00:00:00:44:44"})
check(r.status in (400, 201) and r.status != 409,
      "... and its adapters went with it (no VM Tmp4vm left elsewhere)", r)
s5 = get("/v1/hosts/Tmp5/changes?after=0")
check(s5.status == 200 and s5.json["reset"],
      "the feed still answers after a host delete", s5)
delete("/v1/hosts/Tmp5")

# the token
r = C.req("GET", "/v1/lookup-records", auth=False)
check(r.status == 401 and r.header("WWW-Authenticate"),
      "401 without a token", r)
r = C.req("GET", "/v1/lookup-records", token="0" * 48)
check(r.status == 401, "401 with a wrong token", r)
r = C.req("GET", "/v1/lookup-records", token=C.token[:-1])
check(r.status == 401, "401 with a token one character short", r)
r = C.req("POST", "/v1/hosts", {"name": "Evil"}, auth=False)
check(r.status == 401 and get("/v1/hosts/Evil").status == 404,
      "401 on a write without a token, nothing written", r)
r = C.req("GET", "/v1/health", auth=False)
check(r.status == 200 and r.json["status"] == "ok"
      and isinstance(r.json["revision"], int), "/v1/health without a token",
      r)
r = C.req("GET", "/openapi.json", auth=False)
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                       "..", "doc", "openapi.json")) as f:
    spec = json.load(f)
check(r.status == 200 and r.json == spec,
      "/openapi.json without a token: doc/openapi.json", r.status)
# every described operation is routed: no 404 "no such path", no 405
sub = {"{host}": "Host1", "{id}": "999999", "{vmName}": "Nobody",
       "{resourceId}": "Nobody", "{subnetId}": "Nothing"}
for p, item in sorted(spec["paths"].items()):
    for meth in ("get", "post", "put", "patch", "delete"):
        if meth not in item or p == "/openapi.json":
            continue
        url = p
        for k, v in sub.items():
            url = url.replace(k, v)
        r = C.req(meth.upper(), url + "?dryRun=true&wait=0&after=1",
                  {} if meth in ("post", "put", "patch") else None)
        check(r.status != 405 and "no such path" not in
              r.err().get("message", "") and str(r.status) in
              item[meth]["responses"],
              "%s %s is routed, and its answer (%d) is described"
              % (meth.upper(), p, r.status), r)

# ---------------------------------------------------------------------------
# 4. the change feed


def feed(host, after, limit=None, wait=0, epoch=None, timeout=10):
    url = "/v1/hosts/%s/changes?after=%d&wait=%d" % (host, after, wait)
    if limit:
        url += "&limit=%d" % limit
    if epoch:
        url += "&epoch=" + epoch
    return get(url, timeout=timeout)


def snapshot(host, limit=None):
    """Pages of a snapshot: (changes, the last reply, pages) or None."""
    r = feed(host, 0, limit)
    if r.status != 200 or not r.json["reset"]:
        return None
    out = list(r.json["changes"])
    pages = [r.json]
    while r.json["more"]:
        if r.json["revision"] != 0:
            return None
        r = feed(host, 0, limit)
        if r.status != 200 or r.json["reset"]:
            return None
        out += r.json["changes"]
        pages.append(r.json)
        if len(pages) > 1000:
            return None
    return out, r.json, pages


def keyset(changes, kind=None, op="put"):
    s = set()
    for c in changes:
        if c["op"] != op or (kind and c["kind"] != kind):
            continue
        o = c["obj"]
        if c["kind"] == "lookup-record":
            s.add(("lr", o["ca"], o["vsid"], o["pa"]))
        elif c["kind"] == "customer-route":
            s.add(("cr", o["vsid"], o["prefix"]))
        else:
            s.add((c["kind"], json.dumps(o, sort_keys=True)))
    return s


r0 = rev()
snap = snapshot("Host1")
check(snap and snap[1]["revision"] == r0 and not snap[1]["more"],
      "Host1 snapshot: reset, one page, at the current revision",
      snap and snap[1])
ch = snap[0] if snap else []
crs = keyset(ch, "customer-route")
lrs = keyset(ch, "lookup-record")
check(crs == {("cr", 6000, "10.60.0.0/24"), ("cr", 6001, "10.61.0.0/24")},
      "Host1 gets R1's customer routes only", crs)
check(("lr", "10.60.0.5", 6000, "192.168.1.1") in lrs
      and ("lr", "10.61.0.5", 6001, "192.168.1.2") in lrs,
      "Host1 gets the records of both VSIDs of R1", lrs)
check(not any(k[2] == 7000 for k in lrs), "Host1 gets nothing of R2", lrs)
check(("lr", "10.60.0.1", 6000, "192.168.1.1") in lrs
      and ("lr", "10.60.0.1", 6000, "192.168.1.2") not in lrs
      and ("lr", "10.61.0.1", 6001, "192.168.1.2") not in lrs,
      "Host1 gets its own default-gateway record, not Host2's", lrs)
kinds = [c["kind"] for c in ch]
check({"provider-address", "provider-route", "switch", "vm",
       "vm-adapter"} <= set(kinds)
      and kinds.index("switch") < kinds.index("vm-adapter"),
      "Host1 gets its own host objects, the switch before the adapter",
      kinds)
check(all(c["obj"].get("pa") != "192.168.1.2" for c in ch
          if c["kind"] == "provider-address"),
      "Host1 gets no other host's provider address")
snap2 = snapshot("Host2")
lrs2 = keyset(snap2[0] if snap2 else [], "lookup-record")
check(("lr", "10.60.0.1", 6000, "192.168.1.2") in lrs2
      and ("lr", "10.61.0.1", 6001, "192.168.1.2") in lrs2
      and ("lr", "10.60.0.1", 6000, "192.168.1.1") not in lrs2,
      "Host2 gets its default-gateway records, not Host1's", lrs2)
snap3 = snapshot("Host3")
ch3 = snap3[0] if snap3 else []
check(snap3 and keyset(ch3, "customer-route") == {("cr", 7000,
                                                   "10.70.0.0/24")}
      and not any(k[2] in (6000, 6001)
                  for k in keyset(ch3, "lookup-record")),
      "Host3 (no adapter in R1) gets none of R1's routes and records",
      sorted(keyset(ch3)))

# A default-gateway record of Host1's PA in R2, where Host1 has no adapter:
# Host1 does not get it (nor anything else of R2), nor does Host3 (not its
# PA).
r = post("/v1/lookup-records", {"customerAddress": "10.70.0.1",
                                 "virtualSubnetId": 7000,
                                 "macAddress": "02:70:00:00:01:99",
                                 "providerAddress": "192.168.1.1"})
check(r.status == 201 and any("no adapter in vsid 7000" in w
                              for w in r.json.get("warnings", [])),
      "default-gateway record of Host1's PA in R2: accepted, with a "
      "warning (Host1 has no adapter there: the book's typo)", r)
gw_r2 = r.json.get("id") if r.status == 201 else None
s1 = snapshot("Host1")
s3 = snapshot("Host3")
check(s1 and not any(k[2] == 7000 for k in keyset(s1[0], "lookup-record")),
      "Host1 (no adapter in R2) does not get its own PA's record there",
      s1 and sorted(keyset(s1[0], "lookup-record")))
check(s3 and ("lr", "10.70.0.1", 7000, "192.168.1.1")
      not in keyset(s3[0], "lookup-record"),
      "Host3 does not get Host1's default-gateway record",
      s3 and sorted(keyset(s3[0], "lookup-record")))
if gw_r2:
    r = delete("/v1/lookup-records/%d" % gw_r2)
    check(r.status == 204, "... removed again", r)
r0 = rev()

# paging of a snapshot
full = keyset(ch) | keyset(ch, op="del")
paged = snapshot("Host1", limit=2)
check(paged and len(paged[2]) > 2
      and all(p["revision"] == 0 and p["more"] for p in paged[2][:-1])
      and paged[1]["revision"] == r0 and not paged[1]["more"]
      and paged[2][0]["reset"]
      and keyset(paged[0]) == keyset(ch) and len(paged[0]) == len(ch),
      "snapshot in pages of 2: revision 0 + more until the last, the same "
      "objects", paged and [(p["revision"], p["more"], len(p["changes"]))
                            for p in paged[2]])
check(paged and all(len(p["changes"]) <= 2 for p in paged[2][1:]),
      "snapshot pages hold at most 'limit' changes",
      paged and [len(p["changes"]) for p in paged[2]])
epoch = get("/v1/health").json["epoch"]
r = feed("Host1", r0, epoch=epoch)
check(r.status == 200 and not r.json["reset"] and r.json["changes"] == []
      and r.json["revision"] == r0, "after = the current revision: nothing",
      r)
r = feed("Host1", r0, epoch="0" * 32)
check(r.status == 200 and r.json["reset"], "another epoch: a reset", r)
r = feed("Host1", r0 + 100)
check(r.status == 200 and r.json["reset"], "after in the future: a reset",
      r)
snapshot("Host1")

# changes after a revision
post("/v1/lookup-records", {"customerAddress": "10.61.0.6",
                            "virtualSubnetId": 6001,
                            "macAddress": "02:61:00:00:00:06",
                            "providerAddress": "192.168.1.2"})
post("/v1/lookup-records", {"customerAddress": "10.70.0.6",
                            "virtualSubnetId": 7000,
                            "macAddress": "02:70:00:00:00:06",
                            "providerAddress": "192.168.1.3"})
r = feed("Host1", r0, epoch=epoch)
k = keyset(r.json["changes"])
check(r.status == 200 and not r.json["reset"] and r.json["revision"] ==
      r0 + 2 and k == {("lr", "10.61.0.6", 6001, "192.168.1.2")},
      "Host1 after R: only the later change it needs", r)
r = feed("Host3", r0, epoch=epoch)
check(r.status == 200 and keyset(r.json["changes"]) ==
      {("lr", "10.70.0.6", 7000, "192.168.1.3")},
      "Host3 after R: only its change", r)
delete("/v1/lookup-records?customerAddress=10.61.0.6")
r = feed("Host1", r0 + 2, epoch=epoch)
check(r.status == 200 and keyset(r.json["changes"], op="del") ==
      {("lr", "10.61.0.6", 6001, "192.168.1.2")},
      "Host1: a delete comes as a del", r)

# a long poll returns as soon as a relevant write happens
r1 = rev()
res = {}


def poll(host, after, wait, key):
    t0 = time.time()
    res[key] = (feed(host, after, wait=wait, epoch=epoch, timeout=wait + 10),
                time.time() - t0)


th = threading.Thread(target=poll, args=("Host1", r1, 5, "a"))
th.start()
time.sleep(0.5)
post("/v1/lookup-records", {"customerAddress": "10.70.0.7",
                            "virtualSubnetId": 7000,
                            "macAddress": "02:70:00:00:00:07",
                            "providerAddress": "192.168.1.3"})
time.sleep(0.5)
check(th.is_alive(), "long poll: a write Host1 does not need wakes it not")
t0 = time.time()
post("/v1/lookup-records", {"customerAddress": "10.60.0.7",
                            "virtualSubnetId": 6000,
                            "macAddress": "02:60:00:00:00:07",
                            "providerAddress": "192.168.1.1"})
th.join(10)
rep, took = res.get("a", (None, 99))
check(rep and rep.status == 200 and keyset(rep.json["changes"]) ==
      {("lr", "10.60.0.7", 6000, "192.168.1.1")} and time.time() - t0 < 1.5
      and took < 3, "long poll (wait=5) answers at the write "
      "(%.2f s after it)" % (time.time() - t0), rep)
r2 = rev()
th = threading.Thread(target=poll, args=("Host1", r2, 1, "b"))
th.start()
th.join(10)
rep, took = res.get("b", (None, 99))
check(rep and rep.status == 200 and rep.json["changes"] == []
      and rep.json["revision"] == r2 and 0.8 < took < 3,
      "long poll (wait=1), nothing new: empty after about 1 s (%.2f s)"
      % took, rep)

# writes that change what hosts need (adapters, customer routes) reach
# the hosts they concern: a route puts a new VSID into Host1's VM network
r5 = rev()
th = threading.Thread(target=poll, args=("Host1", r5, 5, "c"))
th.start()
time.sleep(0.5)
r = post(H3 + "/vm-adapters",
         {"vmName": "Red4", "name": "eth0", "switchName": "sw",
          "macAddress": "02:62:00:00:00:09", "virtualSubnetId": 6002})
A4 = r.header("Location")
time.sleep(0.5)
check(r.status == 201 and th.is_alive(),
      "long poll: an adapter on Host3 in a VSID of no VM network yet "
      "does not answer Host1's", r)
t0 = time.time()
r = post("/v1/customer-routes", {"routingDomainId": R1,
                                 "virtualSubnetId": 6002,
                                 "destinationPrefix": "10.62.0.0/24"})
CR6002 = r.header("Location")
th.join(10)
rep, took = res.get("c", (None, 99))
check(r.status == 201 and rep and rep.status == 200
      and ("cr", 6002, "10.62.0.0/24") in keyset(rep.json["changes"])
      and time.time() - t0 < 1.5,
      "long poll: a new VSID in Host1's VM network answers it with the "
      "route (%.2f s after it)" % (time.time() - t0), rep)
r = feed("Host3", r5, epoch=epoch)
puts = keyset(r.json["changes"]) if r.status == 200 else set()
check({("cr", 6000, "10.60.0.0/24"), ("cr", 6002, "10.62.0.0/24"),
       ("lr", "10.60.0.5", 6000, "192.168.1.1")} <= puts,
      "Host3, whose adapter's VSID the route put into R1, gets all of R1",
      sorted(puts))
r7 = rev()
r = delete(CR6002)
rep = feed("Host1", r7, epoch=epoch)
check(r.status == 204 and rep.status == 200 and keyset(
      rep.json["changes"], "customer-route", op="del") ==
      {("cr", 6002, "10.62.0.0/24")},
      "the route deleted: Host1 gets its delete", rep)
rep = feed("Host3", r7, epoch=epoch)
check(rep.status == 200 and ("cr", 6000, "10.60.0.0/24") in keyset(
      rep.json["changes"], op="del"),
      "... and Host3, out of R1 again, deletes R1's routes", rep)
check(delete(A4).status == 204, "delete Host3's second adapter")

# an adapter moves Host3 from R2 into R1, then goes away
r3 = rev()
r = patch(A3, {"virtualSubnetId": 6000})
check(r.status == 200, "move Host3's adapter to VSID 6000", r)
r = feed("Host3", r3, epoch=epoch)
ch = r.json["changes"] if r.status == 200 else []
puts = keyset(ch)
dels = keyset(ch, op="del")
check({("cr", 6000, "10.60.0.0/24"), ("cr", 6001, "10.61.0.0/24"),
       ("lr", "10.60.0.5", 6000, "192.168.1.1"),
       ("lr", "10.61.0.5", 6001, "192.168.1.2"),
       ("lr", "10.60.0.7", 6000, "192.168.1.1")} <= puts,
      "Host3 in R1: the next reply puts all of R1's routes and records",
      sorted(puts))
check(not any(k[0] == "lr" and k[1] in ("10.60.0.1", "10.61.0.1")
              for k in puts), "... but not other hosts' default-gateway "
      "records", sorted(puts))
check({("cr", 7000, "10.70.0.0/24"),
       ("lr", "10.70.0.5", 7000, "192.168.1.3")} <= dels,
      "... and deletes R2's, which it left", sorted(dels))
check(r.json["revision"] == rev(), "... at the current revision", r)
r4 = rev()
r = delete(A3)
check(r.status == 204, "delete Host3's adapter", r)
r = feed("Host3", r4, epoch=epoch)
dels = keyset(r.json["changes"], op="del")
check({("cr", 6000, "10.60.0.0/24"), ("cr", 6001, "10.61.0.0/24"),
       ("lr", "10.60.0.5", 6000, "192.168.1.1"),
       ("lr", "10.61.0.5", 6001, "192.168.1.2")} <= dels
      and not keyset(r.json["changes"], "customer-route"),
      "adapter removed: the next reply deletes R1's routes and records",
      r)
snap3 = snapshot("Host3")
check(snap3 and not keyset(snap3[0], "customer-route")
      and not keyset(snap3[0], "lookup-record")
      - {("lr", "10.70.0.1", 7000, "192.168.1.3")},
      "Host3's snapshot now: no customer routes, no records but its "
      "default-gateway record", snap3 and sorted(keyset(snap3[0])))

# the agent registers: the host shows it
r = C.req("PUT", "/v1/hosts/Host4/agent", {"version": "t", "encap": "nvgre"})
check(r.status == 200 and r.json["name"] == "Host4",
      "agent registration creates the host", r)
feed("Host4", 0)
r = get("/v1/hosts/Host4")
check(r.status == 200 and r.json["agent"]["connected"]
      and r.json["agent"]["version"] == "t", "the host shows its agent", r)

# moving a VM: its adapters and VM object, and its records' PAs, in one
# revision
r0 = rev()
r = post("/v1/vms/Blue1/move", {"server": "Host2"})
lr = get("/v1/lookup-records?customerAddress=10.60.0.5").json["items"]
check(r.status == 200 and r.json["from"] == "Host1"
      and r.json["server"] == "Host2" and rev() == r0 + 1
      and [i["vmName"] for i in get(H2 + "/vm-adapters").json["items"]]
      == ["Blue2", "Blue1"] and get(H1 + "/vm-adapters").json["items"] == []
      and get(H2 + "/vms?vmName=Blue1").json["items"]
      and lr and lr[0]["providerAddress"] == "192.168.1.2",
      "move VM Blue1 to Host2: adapters, VM and record, one revision", r)
r = post("/v1/vms/Blue1/move", {"server": "Host9"})
check(r.status == 404 and rev() == r0 + 1, "move to no such host: 404", r)
r = post("/v1/vms/Nobody/move", {"server": "Host1"})
check(r.status == 404, "move of no such VM: 404", r)
r = post("/v1/vms/Blue1/move", {"server": "Host1"})
check(r.status == 200 and get(H1 + "/vm-adapters").json["items"]
      and rev() == r0 + 2, "move it back", r)

# restart: the same objects, revision and epoch
before = get("/v1/lookup-records?limit=10000").json["items"]
rb = rev()
C.stop()
C.start()
check(get("/v1/lookup-records?limit=10000").json["items"] == before
      and rev() == rb and get("/v1/health").json["epoch"] == epoch,
      "restart: the same objects, revision and epoch")
r = feed("Host1", rb, epoch=epoch)
check(r.status == 200 and not r.json["reset"] and r.json["changes"] == [],
      "restart: an agent resumes at its revision without a reset", r)
check(C.stop() == 0, "SIGTERM: a clean exit")
finish()
