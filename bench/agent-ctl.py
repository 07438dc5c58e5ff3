#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""bench/agent-ctl.py: bench/agent's client of the agent's control socket.

  agent-ctl.py ops FIRST COUNT FILE     write a batch request for records
                                        FIRST..FIRST+COUNT-1 (one line)
  agent-ctl.py routes SOCK NVSIDS       customer routes for the VSIDs of
                                        the records (10 VSIDs per RDID)
  agent-ctl.py send SOCK FILE           send a request line, wait for the
                                        reply; prints seconds and the
                                        agent's apply/durable times
  agent-ctl.py changes SOCK N COUNT     COUNT single changes (set a PA) to
                                        records among the first N; prints
                                        apply, durable (the agent's own
                                        clocks) and round-trip times

Record i: VSID 10000 + i // 1000 (1000 records per VSID, a /22), VSIDs
grouped ten to a routing domain; CA 10.S.H.L with S the VSID's place in
its domain; MAC 02:xx:xx:xx:xx:xx from i; PA one of 100 on the segment.
Prints "metric NAME VALUE UNIT" lines (bench/agent's format).
"""
import json
import socket
import statistics
import sys
import time

PER_VSID = 1000


def rec(i, pa_shift=0):
    v = i // PER_VSID
    host = i % PER_VSID + 2
    return {"ca": "10.%d.%d.%d" % (v % 10, host >> 8, host & 255),
            "vsid": 10000 + v,
            "mac": "02:%02x:%02x:%02x:%02x:%02x" % (
                i >> 32 & 255, i >> 24 & 255, i >> 16 & 255, i >> 8 & 255,
                i & 255),
            "pa": "192.168.0.%d" % (40 + (i + pa_shift) % 100)}


def rdid(v):
    return "{12345678-1000-2000-3000-%012x}" % (v // 10 + 1)


class Agent:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.f = self.s.makefile("rb")

    def raw(self, line):
        self.s.sendall(line if line.endswith(b"\n") else line + b"\n")
        return json.loads(self.f.readline())

    def call(self, cmd, args=None):
        r = self.raw(json.dumps({"cmd": cmd, "args": args or {}}).encode())
        if not r.get("ok"):
            sys.exit("agent-ctl: %s: %s" % (cmd, r.get("error")))
        return r.get("result")


def metric(name, value, unit):
    print("metric %s %s %s" % (name, value, unit))
    sys.stdout.flush()


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0
    cmd = argv[1]
    if cmd == "ops":
        first, count, path = int(argv[2]), int(argv[3]), argv[4]
        ops = [{"cmd": "lookup-record.add", "args": rec(i)}
               for i in range(first, first + count)]
        with open(path, "w") as f:
            json.dump({"cmd": "batch", "args": {"ops": ops}}, f,
                      separators=(",", ":"))
            f.write("\n")
        return 0
    a = Agent(argv[2])
    if cmd == "routes":
        for v in range(int(argv[3])):
            a.call("customer-route.add", {
                "rdid": rdid(v), "vsid": 10000 + v,
                "prefix": "10.%d.0.0/22" % (v % 10), "nexthop": "0.0.0.0"})
        return 0
    if cmd == "send":
        with open(argv[3], "rb") as f:
            line = f.read()
        t0 = time.monotonic()
        r = a.raw(line)
        dt = time.monotonic() - t0
        if not r.get("ok"):
            sys.exit("agent-ctl: %s" % r.get("error"))
        st = a.call("stats")["control"]
        print("%.3f %d %d %d %d" % (dt, st["last_apply_us"],
                                    st["last_durable_us"],
                                    st["max_slice_us"], st["max_loop_us"]))
        return 0
    if cmd == "changes":
        n, count = int(argv[3]), int(argv[4])
        apply_us, durable_us, rtt_us = [], [], []
        for k in range(count):
            i = (k * 7919) % n
            r = rec(i, pa_shift=k + 1)
            t0 = time.monotonic()
            a.call("lookup-record.set", {"vsid": r["vsid"], "ca": r["ca"],
                                         "pa": r["pa"]})
            rtt_us.append((time.monotonic() - t0) * 1e6)
            st = a.call("stats")["control"]
            apply_us.append(st["last_apply_us"])
            durable_us.append(st["last_durable_us"])
        for name, xs in (("change_apply", apply_us),
                         ("change_durable", durable_us),
                         ("change_reply", rtt_us)):
            metric(name + "_median", "%.0f" % statistics.median(xs), "us")
            metric(name + "_p99", "%.0f" % pct(xs, 99), "us")
            metric(name + "_max", "%.0f" % max(xs), "us")
        return 0
    sys.exit("agent-ctl: unknown command %r (try --help)" % cmd)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
