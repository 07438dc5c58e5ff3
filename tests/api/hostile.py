#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""tests/api/hostile.py: hnv-controller under a flood of hostile clients
(issue 6 item 9), with a valid writer beside them; then kill -9.

For FLOOD seconds (default 20; HNV_HOSTILE_SECONDS) threads send, over
and over: malformed JSON, deeply nested JSON, bodies over the 16 MB
limit (with a Content-Length and chunked), lying Content-Lengths, wrong
types, unknown fields, out-of-range VSIDs, bad batches, binary garbage
instead of HTTP, slowloris clients (headers byte by byte, then a stall),
clients that vanish in the middle of a body, and hundreds of idle
connections.  Meanwhile one writer creates lookup records and keeps each
one the controller acknowledged (2xx).

Checks: every hostile request that gets an answer gets a 4xx (never a
2xx, never a 5xx); the writer gets only 2xx and makes progress; the
controller keeps its pid (it never crashed) until it is SIGKILLed; then,
restarted on the same database, it has every acknowledged record and
still answers.
"""
import json
import os
import random
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ctrllib import Controller, check, finish  # noqa: E402

FLOOD = float(os.environ.get("HNV_HOSTILE_SECONDS", "20"))
RDID = "{55555555-0000-0000-0000-000000000005}"

C = Controller("hostile").start()
PID = C.pid
C.req("POST", "/v1/hosts", {"name": "Host1"})
C.req("POST", "/v1/customer-routes",
      {"routingDomainId": RDID, "virtualSubnetId": 5000,
       "destinationPrefix": "10.50.0.0/16"})

stop = threading.Event()
lock = threading.Lock()
# class -> {status or error name: count}
seen = {}
bad_answers = []  # (class, status, body)


def note(cls, what, body=b""):
    with lock:
        d = seen.setdefault(cls, {})
        d[what] = d.get(what, 0) + 1
        if isinstance(what, int) and not 400 <= what < 500:
            if len(bad_answers) < 20:
                bad_answers.append((cls, what, body[:200]))


def rawsock(timeout=5):
    s = socket.create_connection(("127.0.0.1", C.port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def status_of(s):
    """The status of the reply on 's' (reads it whole), or an error
    name."""
    buf = b""
    try:
        while b"\r\n\r\n" not in buf:
            d = s.recv(65536)
            if not d:
                break
            buf += d
        head, _, body = buf.partition(b"\r\n\r\n")
        line = head.split(b"\r\n", 1)[0].split()
        if len(line) < 2 or not line[1].isdigit():
            return ("closed" if not buf else "garbled"), b""
        n = 0
        for h in head.split(b"\r\n")[1:]:
            k, _, v = h.partition(b":")
            if k.strip().lower() == b"content-length":
                n = int(v.strip())
        while len(body) < n:
            d = s.recv(65536)
            if not d:
                break
            body += d
        return int(line[1]), body
    except (socket.timeout, ConnectionError) as e:
        return type(e).__name__, b""


def send(cls, method, path, body=b"", headers=None, auth=True, chunked=False,
         read=True):
    h = {"Host": "127.0.0.1", "Content-Type": "application/json"}
    if auth:
        h["Authorization"] = "Bearer " + C.token
    if chunked:
        h["Transfer-Encoding"] = "chunked"
    elif body is not None:
        h["Content-Length"] = str(len(body))
    h.update(headers or {})
    req = ("%s %s HTTP/1.1\r\n" % (method, path) + "".join(
        "%s: %s\r\n" % kv for kv in h.items()) + "\r\n").encode()
    try:
        s = rawsock(30)
    except OSError as e:
        note(cls, "connect " + type(e).__name__)
        return
    try:
        s.sendall(req)
        if chunked:
            for i in range(0, len(body), 1 << 20):
                part = body[i:i + (1 << 20)]
                s.sendall(b"%x\r\n" % len(part) + part + b"\r\n")
            s.sendall(b"0\r\n\r\n")
        elif body:
            s.sendall(body)
    except OSError:
        # the server may answer a body it refuses before reading it all,
        # and close: the answer is still there to read
        pass
    try:
        if read:
            st, rb = status_of(s)
            note(cls, st, rb)
    finally:
        s.close()


BIG = b"[" + b"1," * ((16 << 20) // 2 + 1000) + b"1]"  # > 16 MB, valid JSON
LR = {"customerAddress": "10.50.200.1", "virtualSubnetId": 5000,
      "macAddress": "02:50:00:00:c8:01", "providerAddress": "192.168.50.1"}


def j(o):
    return json.dumps(o).encode()


def bodies():
    """Hostile JSON requests: (class, method, path, body)."""
    r = random.Random()
    while True:
        good = j(LR)
        yield ("malformed", "POST", "/v1/lookup-records",
               good[:r.randrange(1, len(good))])
        yield ("malformed", "POST", "/v1/batch", b'{"ops": [{"method": "PO')
        yield ("malformed", "POST", "/v1/lookup-records", b"\xff\xfe{}")
        yield ("malformed", "PATCH", "/v1/hosts/Host1", b"{,}")
        d = r.choice([3000, 20000, 200000])
        yield ("deep", "POST", "/v1/lookup-records", b"[" * d + b"]" * d)
        yield ("deep", "POST", "/v1/batch",
               b'{"ops":' + b'{"a":' * d + b"1" + b"}" * d + b"}")
        yield ("wrongtype", "POST", "/v1/lookup-records",
               j(dict(LR, virtualSubnetId={"x": 1})))
        yield ("wrongtype", "POST", "/v1/lookup-records",
               j(dict(LR, customerAddress=[1, 2, 3])))
        yield ("wrongtype", "POST", "/v1/hosts", j({"name": 12}))
        yield ("wrongtype", "POST", "/v1/hosts/Host1/vm-adapters",
               j({"vmName": None, "name": True, "switchName": 1.5}))
        yield ("unknown", "POST", "/v1/lookup-records",
               j(dict(LR, **{"x%d" % r.randrange(1000): 1})))
        yield ("unknown", "POST", "/v1/customer-routes",
               j({"routingDomainId": RDID, "colour": "red"}))
        yield ("range", "POST", "/v1/lookup-records",
               j(dict(LR, virtualSubnetId=r.choice(
                   [0, 70, 4095, 16777215, 2 ** 32, -1, 2 ** 63 - 1,
                    "99999999999999999999999"]))))
        yield ("range", "POST", "/v1/hosts/Host1/provider-addresses",
               j({"providerAddress": "192.168.9.9", "prefixLength": 129}))
        yield ("batch", "POST", "/v1/batch",
               j({"ops": [{"method": "POST", "path": "/v1/lookup-records",
                           "body": dict(LR, virtualSubnetId=70)}] * 50}))
        yield ("batch", "POST", "/v1/batch",
               j({"ops": [{"method": "DELETE", "path": "/v1/hosts/Host1"},
                          {"method": "POST", "path": "/v1/" + "x/" * 50,
                           "body": 1}, 5, None]}))
        yield ("batch", "POST", "/v1/batch", j({"ops": [], "more": 1}))
        yield ("strings", "POST", "/v1/lookup-records",
               j(dict(LR, vmName="\u0000" * 10, context="é" * 5000)))
        yield ("query", "GET", "/v1/lookup-records?limit=-1&after=x", None)
        yield ("query", "GET", "/v1/lookup-records?" + "&".join(
            "f%d=%d" % (i, i) for i in range(300)), None)
        yield ("query", "GET", "/v1/hosts/Host1/changes?wait=999", None)
        yield ("query", "DELETE", "/v1/lookup-records?virtualSubnetId=70",
               None)
        yield ("path", "GET", "/v1/" + "a/" * 300, None)
        yield ("path", "GET", "/v1/hosts/" + "H" * 5000, None)
        yield ("path", "POST", "/v1/hosts/%00/switches", j({}))
        yield ("method", "BREW", "/v1/lookup-records", b"{}")


def json_flood():
    g = bodies()
    while not stop.is_set():
        cls, m, p, b = next(g)
        send(cls, m, p, b)


def big_flood():
    n = 0
    while not stop.is_set():
        n += 1
        kind = n % 4
        if kind == 0:
            send("huge", "POST", "/v1/lookup-records", BIG)
        elif kind == 1:
            send("huge-chunked", "POST", "/v1/lookup-records", BIG,
                 chunked=True)
        elif kind == 2:
            # a Content-Length far over the limit, then a little, then gone
            send("huge-lie", "POST", "/v1/lookup-records", b"{" * 1000,
                 headers={"Content-Length": str(1 << 40)}, read=False)
        else:
            send("huge-lie", "POST", "/v1/batch", b"{}",
                 headers={"Content-Length": "18446744073709551615"})
        time.sleep(0.2)


def noauth_flood():
    while not stop.is_set():
        send("noauth", "POST", "/v1/hosts", j({"name": "Evil"}), auth=False)
        send("noauth", "DELETE", "/v1/hosts/Host1", None,
             headers={"Authorization": "Bearer " + "0" * 48}, auth=False)
        send("nojson", "POST", "/v1/lookup-records", b"ca=1",
             headers={"Content-Type": "text/plain"})


def garbage_flood():
    r = random.Random()
    while not stop.is_set():
        try:
            s = rawsock(5)
        except OSError:
            continue
        try:
            s.sendall(bytes(r.getrandbits(8) for _ in range(
                r.choice([1, 100, 5000]))))
            if r.random() < 0.5:
                s.sendall(b"\r\n\r\n")
            s.settimeout(1)
            try:
                s.recv(4096)
            except OSError:
                pass
        except OSError:
            pass
        finally:
            s.close()
        # HTTP-shaped garbage
        send("badhttp", "POST", "/v1/lookup-records", b"{}",
             headers={"Content-Length": "-5"})
        send("badhttp", "GET", "/v1/health\x01\x02", None)


def vanish_flood():
    r = random.Random()
    while not stop.is_set():
        try:
            s = rawsock(5)
            s.sendall(("POST /v1/lookup-records HTTP/1.1\r\nHost: x\r\n"
                       "Authorization: Bearer %s\r\nContent-Type: "
                       "application/json\r\nContent-Length: %d\r\n\r\n"
                       % (C.token, r.choice([100, 100000, 10 << 20])))
                      .encode())
            s.sendall(j(LR)[:r.randrange(1, 60)])
            if r.random() < 0.5:
                # RST instead of FIN
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.close()
        except OSError:
            pass
        time.sleep(0.01)


slow_socks = []


def slowloris(i):
    """Headers byte by byte, then a stall until the end."""
    req = ("POST /v1/lookup-records HTTP/1.1\r\nHost: x\r\nAuthorization: "
           "Bearer %s\r\nContent-Length: 500\r\nX-Slow-%d: " % (C.token, i)
           ).encode()
    try:
        s = rawsock(5)
    except OSError:
        return
    slow_socks.append(s)
    try:
        for b in req:
            if stop.is_set():
                return
            s.sendall(bytes([b]))
            time.sleep(0.05)
        while not stop.is_set():
            s.sendall(b"a")
            stop.wait(1)
    except OSError:
        pass


idle_socks = []


def idle_conns(n):
    for _ in range(n):
        try:
            idle_socks.append(rawsock(5))
        except OSError:
            note("idle", "connect failed")


acked = []  # (ca, mac, revision)
writer_log = {}


writing = threading.Event()  # the writer goes on after 'stop'


def writer():
    i = 0
    while not stop.is_set() or writing.is_set():
        i += 1
        ca = "10.50.%d.%d" % (i // 250, i % 250 + 2)
        body = {"customerAddress": ca, "virtualSubnetId": 5000,
                "macAddress": "02:50:00:00:%02x:%02x" % (i >> 8, i & 255),
                "providerAddress": "192.168.50.%d" % (i % 200 + 1)}
        t0 = time.time()
        try:
            r = C.req("POST", "/v1/lookup-records", body, timeout=15)
            k = r.status
            if 200 <= r.status < 300:
                acked.append((ca, body["macAddress"], r.json["revision"]))
        except OSError as e:
            k = type(e).__name__
            if stop.is_set():
                break  # killed
        dt = time.time() - t0
        writer_log[k] = writer_log.get(k, 0) + 1
        writer_log["max_s"] = max(writer_log.get("max_s", 0), dt)


threads = [threading.Thread(target=f, daemon=True) for f in (
    writer, json_flood, json_flood, big_flood, noauth_flood, garbage_flood,
    vanish_flood)]
threads += [threading.Thread(target=slowloris, args=(i,), daemon=True)
            for i in range(40)]
idle_conns(400)
t_start = time.time()
for t in threads:
    t.start()
pid_ok = True
while time.time() - t_start < FLOOD:
    time.sleep(0.5)
    if not C.alive() or C.pid != PID:
        pid_ok = False
        break
health = None
try:
    health = C.req("GET", "/v1/health", auth=False, timeout=10).status
except OSError as e:
    health = type(e).__name__
writing.set()  # the writer goes on until the kill
stop.set()
for t in threads[1:]:
    t.join(20)
for s in idle_socks + slow_socks:
    s.close()

print("hostile requests answered:")
for cls in sorted(seen):
    print("  %-14s %s" % (cls, seen[cls]))
wlog = dict(writer_log)
print("writer: %s" % wlog)

check(pid_ok and C.alive() and C.pid == PID,
      "the controller never crashed during the flood (pid %d)" % PID)
check(health == 200, "it answers /v1/health at the end of the flood",
      health)
check(not bad_answers, "every answer to a hostile request is a 4xx",
      bad_answers)
for cls in ("malformed", "deep", "wrongtype", "unknown", "range", "batch",
            "huge", "huge-chunked", "noauth", "nojson", "query", "path"):
    n = sum(v for k, v in seen.get(cls, {}).items() if isinstance(k, int))
    check(n > 0, "hostile class '%s' was answered (%d)" % (cls, n))
for cls in ("huge", "huge-chunked", "huge-lie"):
    check(seen.get(cls) and all(k == 413 for k in seen[cls]),
          "%s: a body over the limit is 413" % cls, seen.get(cls))
check(all(k == 401 for k in seen.get("noauth", {}) if isinstance(k, int)),
      "no or a wrong token is 401", seen.get("noauth"))
others = {k: v for k, v in wlog.items()
          if k != "max_s" and not (isinstance(k, int) and 200 <= k < 300)}
check(not others, "the valid writer got only 2xx", others)
check(len(acked) >= 20, "the valid writer made progress (%d acknowledged "
      "writes, slowest %.2f s)" % (len(acked), wlog.get("max_s", 0)))
r = C.req("GET", "/v1/hosts/Evil", timeout=10)
check(r.status == 404, "no unauthenticated write got through", r)

# kill -9 with the writer still writing
n0 = len(acked)
while len(acked) < n0 + 20 and threads[0].is_alive():
    time.sleep(0.01)
C.kill()
check(not C.alive(), "SIGKILL in the middle of writes")
writing.clear()
threads[0].join(20)
C.restart()
check(C.alive() and C.pid != PID, "restarted on the same database")
items = []
url = "/v1/lookup-records?virtualSubnetId=5000&limit=10000"
while url:
    r = C.req("GET", url)
    if r.status != 200:
        break
    items += r.json["items"]
    url = r.json["next"]
have = {(i["customerAddress"], i["macAddress"]) for i in items}
missing = [(ca, mac) for ca, mac, _ in acked if (ca, mac) not in have]
check(not missing, "every acknowledged write (%d) survived kill -9"
      % len(acked), missing[:10])
last = max((rv for _, _, rv in acked), default=0)
check(C.revision() >= last, "the revision is at least the last "
      "acknowledged one (%d)" % last, C.revision())
check(C.req("GET", "/v1/hosts/Evil").status == 404
      and C.req("GET", "/v1/hosts/Host1").status == 200,
      "the hosts are as they were")
r = C.req("POST", "/v1/lookup-records", dict(LR, customerAddress="10.50.250.1",
                                             macAddress="02:50:00:fa:00:01"))
check(r.status == 201, "it still takes writes", r)
r = C.req("GET", "/v1/hosts/Host1/changes?after=0")
check(r.status == 200 and r.json["reset"], "and serves the feed", r)
finish()
