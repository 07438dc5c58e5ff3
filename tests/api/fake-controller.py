#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A tiny stand-in for hnv-controller's REST API (doc/controller.md), for
testing hnvctl --controller without the real controller: loopback only,
no root, one thread, everything in memory.

It keeps the low-level collections with ids and revisions, filters GETs
on any field, pages them (--page-size, with "next"), and answers the
API's way: 201/200 on POST (200 + the object when an identical one
exists, 409 when the key exists with other values), PATCH that may not
change key fields, DELETE coll?filter -> {"removed": N} or 404, DELETE
coll/ID, /v1/hosts, /v1/batch (all or nothing), /v1/health, bearer
tokens (401), and errors as {"error": {"status", "message", "field"}}.
Values are normalised only as far as the tests need (MACs, numbers,
rule and type names).  Warnings: a lookup record whose PA no host owns.

For the error tests: host "crash" answers 500 (JSON), host "proxy" 502
with an HTML body.  Every request is appended to --log as a JSON line
{"method", "path", "body"}.

usage: fake-controller.py --port-file F --token-file T [--page-size N]
                          [--log FILE]
"""
import argparse
import copy
import json
import re
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

FIELDS = {
    "lookup-records": ["customerAddress", "virtualSubnetId", "macAddress",
                       "providerAddress", "rule", "type", "customerId",
                       "vmName", "context", "useVmMacAddress"],
    "customer-routes": ["routingDomainId", "virtualSubnetId",
                        "destinationPrefix", "nextHop", "metric"],
    "provider-addresses": ["providerAddress", "prefixLength", "vlanId",
                           "macAddress", "interfaceIndex"],
    "provider-routes": ["destinationPrefix", "nextHop", "interfaceIndex",
                        "metric"],
    "switches": ["name", "netAdapterName"],
    "vms": ["vmName"],
    "vm-adapters": ["vmName", "name", "switchName", "macAddress",
                    "virtualSubnetId"],
}
HUMAN = {
    "lookup-records": "lookup record", "customer-routes": "customer route",
    "provider-addresses": "provider address",
    "provider-routes": "provider route", "switches": "switch", "vms": "VM",
    "vm-adapters": "VM network adapter",
}
REQUIRED = {
    "lookup-records": ["virtualSubnetId", "macAddress", "providerAddress"],
    "customer-routes": ["routingDomainId", "virtualSubnetId",
                        "destinationPrefix"],
    "provider-addresses": ["providerAddress", "prefixLength"],
    "provider-routes": ["destinationPrefix", "nextHop"],
    "switches": ["name", "netAdapterName"],
    "vms": ["vmName"],
    "vm-adapters": ["vmName", "name", "switchName"],
}
DEFAULTS = {
    "lookup-records": {"rule": "encap", "type": "static"},
    "customer-routes": {"nextHop": "0.0.0.0", "metric": 0},
    "provider-addresses": {"vlanId": 0},
    "provider-routes": {"metric": 0},
}
NUMBERS = {"virtualSubnetId", "metric", "prefixLength", "vlanId",
           "interfaceIndex"}
HOST_SCOPED = {"provider-addresses", "provider-routes", "switches", "vms",
               "vm-adapters"}


class ApiError(Exception):
    def __init__(self, status, message, field=None):
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


def norm(coll, field, v):
    """A field's value in its stored form; ApiError if it is bad."""
    human = HUMAN[coll]
    if field in NUMBERS:
        if isinstance(v, bool) or not isinstance(v, (int, str)):
            raise ApiError(400, f"{human}: field '{field}': {v!r} is not "
                           "a number", field)
        try:
            n = int(v)
        except ValueError:
            raise ApiError(400, f"{human}: field '{field}': '{v}' is not "
                           "a number", field)
        if field == "virtualSubnetId" and not 4096 <= n <= 16777214 and \
                not (coll == "vm-adapters" and n == 0):
            raise ApiError(400, f"{human}: field 'virtualSubnetId': {n} "
                           "is outside 4096..16777214", field)
        return n
    if field == "useVmMacAddress":
        if isinstance(v, bool):
            return v
        return str(v).lower() == "true"
    if not isinstance(v, str):
        raise ApiError(400, f"{human}: field '{field}': expected a string",
                       field)
    if field == "macAddress":
        h = re.sub(r"[-:]", "", v).lower()
        if not re.fullmatch(r"[0-9a-f]{12}", h):
            raise ApiError(400, f"{human}: field 'macAddress': '{v}' is "
                           "not a MAC address", field)
        return ":".join(h[i:i + 2] for i in range(0, 12, 2))
    if field == "rule":
        return {"translationmethodencap": "encap",
                "translationmethodnat": "nat",
                "translationmethodnone": "none"}.get(v.lower(), v.lower())
    if field == "type":
        return v.lower()
    if field in ("routingDomainId", "customerId"):
        return "{" + v.strip("{}").lower() + "}"
    return v


def key_of(coll, o):
    if coll == "lookup-records":
        ca = o.get("customerAddress")
        if not ca:
            return (o.get("virtualSubnetId"), o.get("macAddress"))
        if ca.endswith(".1"):  # a default gateway's record: one per PA
            return (o.get("virtualSubnetId"), ca, o.get("providerAddress"))
        return (o.get("virtualSubnetId"), ca)
    if coll == "customer-routes":
        return (o.get("routingDomainId"), o.get("destinationPrefix"))
    if coll == "provider-addresses":
        return (o.get("providerAddress"),)
    if coll == "provider-routes":
        return (o.get("destinationPrefix"), o.get("nextHop"))
    if coll == "switches":
        return (o.get("name", "").lower(),)
    if coll == "vms":
        return (o.get("vmName", "").lower(),)
    return (o.get("vmName", "").lower(), o.get("name"))


KEY_FIELDS = {
    "lookup-records": {"customerAddress", "virtualSubnetId"},
    "customer-routes": {"routingDomainId", "destinationPrefix"},
    "provider-addresses": {"providerAddress"},
    "provider-routes": {"destinationPrefix", "nextHop"},
    "switches": {"name"}, "vms": {"vmName"},
    "vm-adapters": {"vmName", "name"},
}


class Store:
    def __init__(self):
        self.revision = 0
        self.next_id = 1
        self.hosts = {}  # lower name -> {"name", "revision"}
        self.colls = {}  # path -> [objects]

    def coll_list(self, path):
        return self.colls.setdefault(path, [])

    def pa_owned(self, pa):
        return any(o.get("providerAddress") == pa
                   for p, objs in self.colls.items()
                   if p.endswith("/provider-addresses") for o in objs)


class Api:
    def __init__(self, page_size):
        self.store = Store()
        self.page_size = page_size

    # -- paths --
    def resolve(self, path):
        """(collection path, kind, id or None) or ApiError."""
        m = re.fullmatch(r"/v1/(lookup-records|customer-routes)(?:/([^/]+))?",
                         path)
        if m:
            return f"/v1/{m.group(1)}", m.group(1), m.group(2)
        m = re.fullmatch(r"/v1/hosts/([^/]+)/([a-z-]+)(?:/([^/]+))?", path)
        if m and m.group(2) in HOST_SCOPED:
            host = urllib.parse.unquote(m.group(1))
            if host.lower() == "crash":
                raise ApiError(500, "database is locked (the test's 500)")
            if host.lower() == "proxy":
                raise ApiError(502, None)
            if host.lower() not in self.store.hosts:
                raise ApiError(404, f"no host named '{host}'")
            return (f"/v1/hosts/{host.lower()}/{m.group(2)}", m.group(2),
                    m.group(3))
        raise ApiError(404, f"no such path '{path}'")

    def parse_obj(self, kind, body, partial=False):
        if not isinstance(body, dict):
            raise ApiError(400, f"{HUMAN[kind]}: the body must be a JSON "
                           "object")
        out = {}
        for k, v in body.items():
            if k not in FIELDS[kind]:
                raise ApiError(400, f"{HUMAN[kind]}: field '{k}' is "
                               "unknown", k)
            out[k] = norm(kind, k, v)
        if not partial:
            for k in REQUIRED[kind]:
                if k not in out and not (
                        kind == "lookup-records" and k == "customerAddress"):
                    raise ApiError(400, f"{HUMAN[kind]}: field '{k}' is "
                                   "missing", k)
            for k, v in DEFAULTS.get(kind, {}).items():
                out.setdefault(k, v)
        return out

    def matches(self, kind, o, query):
        for k, v in query.items():
            if k not in FIELDS[kind]:
                raise ApiError(400, f"{HUMAN[kind]}: field '{k}' is "
                               "unknown", k)
            want = norm(kind, k, v)
            have = o.get(k)
            if isinstance(want, str) and isinstance(have, str) and \
                    k in ("name", "vmName", "switchName"):
                if want.lower() != have.lower():
                    return False
            elif have != want:
                return False
        return True

    # -- calls: (status, body or None, warnings) --
    def call(self, method, path, query, body):
        if path == "/v1/batch" and method == "POST":
            return self.batch(body)
        if path == "/v1/hosts":
            return self.hosts(method, query, body)
        m = re.fullmatch(r"/v1/hosts/([^/]+)", path)
        if m:
            return self.host(method, urllib.parse.unquote(m.group(1)))
        coll, kind, oid = self.resolve(path)
        objs = self.store.coll_list(coll)
        if oid is None:
            if method == "POST":
                return self.create(coll, kind, objs, body)
            if method == "GET":
                return self.list(kind, objs, query, path)
            if method == "DELETE":
                return self.delete_matching(kind, objs, query)
            raise ApiError(405, f"{method} is not allowed on {path}")
        found = [o for o in objs if o["id"] == oid]
        if not found:
            raise ApiError(404, f"no {HUMAN[kind]} with id '{oid}'")
        o = found[0]
        if method == "GET":
            return 200, o, []
        if method == "DELETE":
            objs.remove(o)
            self.store.revision += 1
            return 204, None, []
        if method == "PATCH":
            change = self.parse_obj(kind, body, partial=True)
            for k in KEY_FIELDS[kind]:
                if k in change and change[k] != o.get(k):
                    raise ApiError(400, f"{HUMAN[kind]}: field '{k}' is "
                                   "a key and may not change", k)
            self.store.revision += 1
            o.update(change)
            o["revision"] = self.store.revision
            return 200, o, []
        raise ApiError(405, f"{method} is not allowed on {path}")

    def create(self, coll, kind, objs, body):
        o = self.parse_obj(kind, body)
        for have in objs:
            if key_of(kind, have) == key_of(kind, o):
                same = {k: v for k, v in have.items()
                        if k not in ("id", "revision")}
                if same == o:
                    return 200, have, []
                raise ApiError(409, f"{HUMAN[kind]}: already exists with "
                               "other values")
        warnings = []
        if kind == "lookup-records" and \
                not self.store.pa_owned(o["providerAddress"]):
            warnings.append(f"lookup record {o.get('customerAddress')}: "
                            f"PA {o['providerAddress']} is not a provider "
                            "address of any host yet")
        self.store.revision += 1
        o["id"] = str(self.store.next_id)
        self.store.next_id += 1
        o["revision"] = self.store.revision
        objs.append(o)
        return 201, o, warnings

    def list(self, kind, objs, query, path):
        query = dict(query)
        limit = int(query.pop("limit", self.page_size))
        after = query.pop("after", None)
        sel = [o for o in objs if self.matches(kind, o, query)]
        if after is not None:
            ids = [o["id"] for o in sel]
            sel = sel[ids.index(after) + 1:] if after in ids else []
        page, more = sel[:limit], len(sel) > limit
        nxt = None
        if more:
            q = dict(query, limit=limit, after=page[-1]["id"])
            nxt = path + "?" + urllib.parse.urlencode(q)
        return 200, {"items": page, "next": nxt}, []

    def delete_matching(self, kind, objs, query):
        if not query:
            raise ApiError(400, f"{HUMAN[kind]}: DELETE needs a filter")
        gone = [o for o in objs if self.matches(kind, o, query)]
        if not gone:
            raise ApiError(404, f"no {HUMAN[kind]} matches")
        for o in gone:
            objs.remove(o)
        self.store.revision += 1
        return 200, {"removed": len(gone)}, []

    def hosts(self, method, query, body):
        if method == "GET":
            items = [{"name": h["name"], "id": h["name"],
                      "revision": h["revision"],
                      "agent": {"connected": False, "current": False, "revision": 0,
                                "lastSeen": None}}
                     for h in self.store.hosts.values()
                     if "name" not in query or
                     query["name"].lower() == h["name"].lower()]
            return 200, {"items": items, "next": None}, []
        if method == "POST":
            name = body.get("name") if isinstance(body, dict) else None
            if not isinstance(name, str) or not name:
                raise ApiError(400, "host: field 'name' is missing", "name")
            if name.lower() in self.store.hosts:
                return 200, self.store.hosts[name.lower()], []
            self.store.revision += 1
            h = {"name": name, "id": name, "revision": self.store.revision}
            self.store.hosts[name.lower()] = h
            return 201, h, []
        raise ApiError(405, f"{method} is not allowed on /v1/hosts")

    def host(self, method, name):
        if name.lower() not in self.store.hosts:
            raise ApiError(404, f"no host named '{name}'")
        if method == "GET":
            return 200, self.store.hosts[name.lower()], []
        if method == "DELETE":
            del self.store.hosts[name.lower()]
            prefix = f"/v1/hosts/{name.lower()}/"
            for p in [p for p in self.store.colls if p.startswith(prefix)]:
                del self.store.colls[p]
            self.store.revision += 1
            return 204, None, []
        raise ApiError(405, f"{method} is not allowed on a host")

    def batch(self, body):
        ops = body.get("ops") if isinstance(body, dict) else None
        if not isinstance(ops, list):
            raise ApiError(400, "batch: field 'ops' must be an array", "ops")
        saved = copy.deepcopy(self.store)
        rev = self.store.revision
        removed = 0
        try:
            for i, op in enumerate(ops):
                try:
                    u = urllib.parse.urlsplit(op["path"])
                    q = dict(urllib.parse.parse_qsl(u.query))
                    st, res, _ = self.call(op["method"], u.path, q,
                                           op.get("body"))
                    if op["method"] == "DELETE" and res:
                        removed += res.get("removed", 0)
                except ApiError as e:
                    raise ApiError(e.status, f"ops[{i}]: {e.message}",
                                   e.field)
        except ApiError:
            self.store = saved
            raise
        # One revision for the whole batch.
        self.store.revision = rev + 1
        return 200, {"revision": self.store.revision, "ops": len(ops),
                     "removed": removed}, []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    api = None
    token = None
    log = None

    def log_message(self, fmt, *args):
        pass

    def send(self, status, obj, warnings=(), raw=None):
        if raw is not None:
            data, ctype = raw, "text/html"
        elif obj is None:
            data, ctype = b"", None
        else:
            if warnings and isinstance(obj, dict):
                obj = dict(obj, warnings=list(warnings))
            data = json.dumps(obj).encode()
            ctype = "application/json"
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        u = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(u.query))
        body = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode(errors="replace")
        if self.log:
            with open(self.log, "a") as f:
                f.write(json.dumps({"method": self.command,
                                    "path": self.path, "body": body}) + "\n")
        if u.path == "/v1/health":
            return self.send(200, {"status": "ok",
                                   "revision": self.api.store.revision})
        if self.headers.get("Authorization") != f"Bearer {self.token}":
            return self.send(401, {"error": {
                "status": 401, "message": "no or wrong token"}})
        if isinstance(body, str):
            return self.send(400, {"error": {"status": 400,
                                             "message": "malformed JSON"}})
        try:
            status, res, warnings = self.api.call(self.command, u.path,
                                                  query, body)
        except ApiError as e:
            if e.message is None:
                return self.send(e.status, None,
                                 raw=b"<html><body>502 Bad Gateway</body>"
                                     b"</html>\n")
            err = {"status": e.status, "message": e.message}
            if e.field:
                err["field"] = e.field
            return self.send(e.status, {"error": err})
        self.send(status, res, warnings)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = handle_any


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--token-file", required=True)
    ap.add_argument("--page-size", type=int, default=1000)
    ap.add_argument("--log")
    a = ap.parse_args()
    Handler.api = Api(a.page_size)
    with open(a.token_file) as f:
        Handler.token = f.read().strip()
    Handler.log = a.log
    srv = HTTPServer(("127.0.0.1", 0), Handler)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(a.port_file + ".tmp", a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
