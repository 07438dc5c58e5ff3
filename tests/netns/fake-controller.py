#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A scripted stand-in for hnv-controller's agent sync API, for
tests/netns/sync.sh, sync-failover.sh and gw-failover.sh
(doc/controller.md, "Agent sync"; doc/gateway.md).

It serves, on 127.0.0.1:PORT (inside the test's host namespace):

  PUT  /v1/hosts/NAME/agent       registration: 200 {"name": NAME}
  GET  /v1/hosts/NAME/changes     the next reply the test queued, else,
                                  after --hold seconds (a long poll cut
                                  short), {"epoch", "revision", "reset":
                                  false, "more": false, "changes": []}
                                  with the current epoch and revision
  GET  /v1/gateways/ID/config     the next gateway configuration the test
                                  queued, else, after --hold seconds, the
                                  last one served (at first: revision
                                  --revision, no compartments)
  PUT  /v1/gateways/ID/heartbeat  200 {}

and, for the test (no token needed):

  POST /test/push                 queues a reply (a JSON object, or an
                                  array of them); its "epoch" and
                                  "revision" become the current ones
                                  once it is served
  POST /test/gwpush               queues a gateway configuration
  POST /test/status               {"status": N}: answer every agent call
                                  with that status (0: normally again)

Every request is appended to --log as one JSON line: method, path, the
query's parameters, the Authorization header, the body.  A request
without "Authorization: Bearer TOKEN" (--token) gets 401.  It stops on
SIGTERM.
"""

import argparse
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

lock = threading.Condition()
queue = []
gwqueue = []
state = {"epoch": "", "revision": 0, "status": 0, "gwconfig": None}
args = None


def log_request(entry):
    with open(args.log, "a") as f:
        f.write(json.dumps(entry) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def reply(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n).decode() if n else ""

    def do_POST(self):
        url = urlsplit(self.path)
        data = json.loads(self.body() or "null")
        if url.path == "/test/push":
            with lock:
                queue.extend(data if isinstance(data, list) else [data])
                lock.notify_all()
            return self.reply(200, {"queued": len(queue)})
        if url.path == "/test/gwpush":
            with lock:
                gwqueue.append(data)
                lock.notify_all()
            return self.reply(200, {"queued": len(gwqueue)})
        if url.path == "/test/status":
            with lock:
                state["status"] = int(data["status"])
            return self.reply(200, {})
        return self.reply(404, {"error": {"status": 404, "message": "no such path"}})

    def agent_call(self, method):
        url = urlsplit(self.path)
        body = self.body()
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        log_request({"method": method, "path": url.path, "query": q,
                     "auth": self.headers.get("Authorization"),
                     "body": body, "time": time.time()})
        if self.headers.get("Authorization") != "Bearer " + args.token:
            return self.reply(401, {"error": {"status": 401, "message": "bad token"}})
        with lock:
            status = state["status"]
        if status:
            return self.reply(status, {"error": {"status": status, "message": "scripted failure"}})
        parts = url.path.strip("/").split("/")
        if len(parts) == 4 and parts[:2] == ["v1", "gateways"]:
            return self.gateway_call(method, parts[2], parts[3], q)
        if len(parts) != 4 or parts[:2] != ["v1", "hosts"]:
            return self.reply(404, {"error": {"status": 404, "message": "no such path"}})
        if method == "PUT" and parts[3] == "agent":
            return self.reply(200, {"name": parts[2]})
        if method == "GET" and parts[3] == "changes":
            deadline = time.time() + min(args.hold, float(q.get("wait", "0")))
            with lock:
                while not queue and time.time() < deadline:
                    lock.wait(deadline - time.time())
                if queue:
                    r = queue.pop(0)
                    state["epoch"] = r.get("epoch", state["epoch"])
                    state["revision"] = r.get("revision", state["revision"])
                else:
                    r = {"epoch": state["epoch"], "revision": state["revision"],
                         "reset": False, "more": False, "changes": []}
            return self.reply(200, r)
        return self.reply(405, {"error": {"status": 405, "message": "method"}})

    def gateway_call(self, method, gw, what, q):
        if method == "PUT" and what == "heartbeat":
            return self.reply(200, {})
        if method == "GET" and what == "config":
            deadline = time.time() + min(args.hold, float(q.get("wait", "0")))
            with lock:
                while not gwqueue and time.time() < deadline:
                    lock.wait(deadline - time.time())
                if gwqueue:
                    state["gwconfig"] = gwqueue.pop(0)
                elif state["gwconfig"] is None:
                    state["gwconfig"] = {
                        "revision": args.revision,
                        "gateway": {"resourceId": gw,
                                    "externalPrefix": "203.0.113.0/24"},
                        "compartments": []}
                r = state["gwconfig"]
            return self.reply(200, r)
        return self.reply(405, {"error": {"status": 405, "message": "method"}})

    def do_GET(self):
        self.agent_call("GET")

    def do_PUT(self):
        self.agent_call("PUT")


def main():
    global args
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--epoch", default="")
    p.add_argument("--revision", type=int, default=0)
    p.add_argument("--hold", type=float, default=1.0,
                   help="seconds an empty long poll is held (at most 'wait')")
    args = p.parse_args()
    state["epoch"] = args.epoch
    state["revision"] = args.revision
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    try:
        srv.serve_forever()
    finally:
        srv.server_close()


if __name__ == "__main__":
    main()
