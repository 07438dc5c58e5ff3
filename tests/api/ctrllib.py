# SPDX-License-Identifier: Apache-2.0
"""tests/api/ctrllib.py: what the hnv-controller API tests share.

  - Controller: an hnv-controller of its own (build/bin/hnv-controller or
    $HNV_CONTROLLER_BIN) on a free loopback port, with its database, token
    and log in a temporary directory; start(), kill() (SIGKILL),
    restart() on the same database, req() for one HTTP request.
  - cleanup on any exit (normal, exception, SIGTERM/SIGINT/SIGHUP): the
    controllers started are killed by pid and the temporary directories
    removed; a controller also dies with the test (PR_SET_PDEATHSIG), so a
    SIGKILLed test leaves no process behind.
  - counting: ok(), fail(), check(), and finish(), which prints the closing
    line "N passed, N failed" and exits non-zero if anything failed.

Environment: HNV_CONTROLLER_BIN, KEEP_TMP=1 (keep the temporary directory
for a post-mortem), VERBOSE=1 (print every request).
"""
import atexit
import ctypes
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BIN = os.environ.get("HNV_CONTROLLER_BIN",
                     os.path.join(TOP, "build", "bin", "hnv-controller"))
VERBOSE = os.environ.get("VERBOSE") == "1"

PASS = 0
FAIL = 0
_controllers = []
_tmpdirs = []


def ok(what):
    global PASS
    PASS += 1
    print("ok   " + what, flush=True)


def fail(what):
    global FAIL
    FAIL += 1
    print("FAIL " + what, flush=True)


def check(cond, what, detail=None):
    if cond:
        ok(what)
    else:
        fail(what + ("" if detail is None else ": %s" % (detail,)))
    return bool(cond)


def _cleanup():
    for c in _controllers:
        c.stop()
    if os.environ.get("KEEP_TMP") == "1":
        for d in _tmpdirs:
            print("kept " + d)
        return
    for d in _tmpdirs:
        shutil.rmtree(d, ignore_errors=True)


def _on_signal(sig, frame):
    sys.exit(128 + sig)  # atexit runs _cleanup


atexit.register(_cleanup)
for _s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_s, _on_signal)


def finish():
    print("%d passed, %d failed" % (PASS, FAIL), flush=True)
    sys.exit(1 if FAIL else 0)


def tmpdir(name):
    d = tempfile.mkdtemp(prefix="hnv-%s." % name)
    _tmpdirs.append(d)
    return d


def _die_with_parent():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.raw = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def err(self):
        """The error object of an error reply ({} if there is none)."""
        if isinstance(self.json, dict) and isinstance(
                self.json.get("error"), dict):
            return self.json["error"]
        return {}

    def __repr__(self):
        return "%d %s" % (self.status, self.raw[:300])


class Controller:
    def __init__(self, name="ctrl", args=()):
        self.dir = tmpdir(name)
        self.db = os.path.join(self.dir, "controller.db")
        self.log = os.path.join(self.dir, "controller.log")
        self.args = list(args)
        self.proc = None
        self.port = None
        self.token = None
        _controllers.append(self)

    def start(self, port=None):
        """Starts it (on 'port', or a free one) and waits for /v1/health."""
        for attempt in range(5):
            self.port = port or free_port()
            logf = open(self.log, "ab")
            self.proc = subprocess.Popen(
                [BIN, "-d", "--listen", "127.0.0.1:%d" % self.port,
                 "--db", self.db] + self.args,
                stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                preexec_fn=_die_with_parent)
            logf.close()
            deadline = time.time() + 10
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    if self.req("GET", "/v1/health", auth=False,
                                timeout=2).status == 200:
                        with open(self.db + ".token") as f:
                            self.token = f.read().strip()
                        return self
                except OSError:
                    pass
                time.sleep(0.05)
            self.stop()
            if port:
                break
        with open(self.log) as f:
            sys.stderr.write(f.read()[-3000:])
        raise RuntimeError("hnv-controller did not start (log above)")

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        """SIGKILL, and reap it."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self):
        """SIGTERM (SIGKILL after 5 s); the exit status, or None."""
        if not self.proc:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode
        self.proc = None
        return rc

    def restart(self):
        self.kill()
        self.proc = None
        return self.start(port=None)

    def conn(self, timeout=10):
        return http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=timeout)

    def req(self, method, path, body=None, auth=True, headers=None,
            timeout=10, raw=None, token=None):
        """One request on a new connection: a Reply.  'body' is sent as
        JSON, 'raw' (bytes) as it is."""
        h = {}
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
        if data is not None:
            h["Content-Type"] = "application/json"
        if auth:
            h["Authorization"] = "Bearer " + (token or self.token or "")
        h.update(headers or {})
        c = self.conn(timeout)
        try:
            c.request(method, path, body=data, headers=h)
            r = c.getresponse()
            rep = Reply(r.status, r.getheaders(),
                        r.read().decode("utf-8", "replace"))
        finally:
            c.close()
        if VERBOSE:
            print("  %s %s -> %r" % (method, path, rep))
        return rep

    def revision(self):
        return self.req("GET", "/v1/health", auth=False).json["revision"]
