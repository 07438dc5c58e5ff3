#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""tests/tools/etcd-follow.py: two hnv-controllers on one etcd key space
(run by tests/api/etcd-backend.sh, with tests/tools/etcd-controller as
HNV_CONTROLLER_BIN: the same --db path is the same key space).

Controller B, stopped (SIGSTOP) while A writes 1,200 revisions, follows
them all when it runs again, and a restarted B loads them into its change
log: both read the revision records in blocks of 1,000 revisions, so
this crosses a block's end.  A host's feed on B after the revision
before them carries every one of them, not a reset.
"""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "api"))
from ctrllib import Controller, check, finish  # noqa: E402

N = 1200
A = Controller("follow-a").start()
B = Controller("follow-b")
B.db = A.db  # the same key space, the same token
B.start()

r = A.req("POST", "/v1/customer-routes",
          {"routingDomainId": "{55555555-0000-0000-0000-000000000005}",
           "virtualSubnetId": 5000, "destinationPrefix": "10.5.0.0/16"})
check(r.status == 201, "a customer route", r)
A.req("PUT", "/v1/hosts/H1/agent", {"version": "t", "encap": "nvgre"})
A.req("POST", "/v1/hosts/H1/switches",
      {"name": "sw", "netAdapterName": "eth0"})
r = A.req("POST", "/v1/hosts/H1/vm-adapters",
          {"vmName": "V1", "name": "eth0", "switchName": "sw",
           "macAddress": "02:05:00:00:00:01", "virtualSubnetId": 5000})
check(r.status == 201, "H1 has an adapter in VSID 5000", r)
r0 = A.revision()
deadline = time.time() + 20
while B.revision() < r0 and time.time() < deadline:
    time.sleep(0.1)
check(B.revision() == r0, "B follows A's first writes")

os.kill(B.pid, signal.SIGSTOP)
bad = 0
for i in range(N):
    r = A.req("POST", "/v1/lookup-records",
              {"customerAddress": "10.5.%d.%d" % (i // 250, i % 250 + 2),
               "virtualSubnetId": 5000,
               "macAddress": "02:05:00:01:%02x:%02x" % (i >> 8, i & 255),
               "providerAddress": "192.168.5.%d" % (i % 200 + 1)})
    bad += r.status != 201
check(bad == 0 and A.revision() == r0 + N,
      "A writes %d records, one revision each" % N, (bad, A.revision()))
os.kill(B.pid, signal.SIGCONT)
deadline = time.time() + 30
while B.revision() < r0 + N and time.time() < deadline:
    time.sleep(0.1)
check(B.revision() == r0 + N,
      "B, running again, follows all %d revisions" % N, B.revision())


def feed_count(c):
    """H1's changes after r0 on controller c: (reset, lookup records)."""
    r = c.req("GET", "/v1/hosts/H1/changes?after=%d&limit=10000" % r0)
    if r.status != 200:
        return None, -1
    return r.json["reset"], sum(1 for ch in r.json["changes"]
                                if ch["kind"] == "lookup-record")


reset, n = feed_count(B)
check(reset is False and n == N,
      "B's feed of H1 after it: %d changes, no reset" % N, (reset, n))
r = B.req("GET", "/v1/lookup-records?virtualSubnetId=5000&limit=10000")
check(r.status == 200 and len(r.json["items"]) == N,
      "B lists the %d records" % N, r.status)

B.kill()
B.start()
check(B.revision() == r0 + N, "B restarted: at A's revision", B.revision())
reset, n = feed_count(B)
check(reset is False and n == N,
      "B restarted: its change log has all %d revisions (no reset)" % N,
      (reset, n))
check(A.stop() == 0 and B.stop() == 0, "both stop cleanly")
finish()
