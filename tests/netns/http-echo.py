#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""http-echo.py NAME ADDR PORT: an HTTP/1.0 server that answers every
request with "NAME PEER-ADDRESS" (which backend answered, and where the
client seemed to come from: what the gateway tests check NAT and load
balancing with; a 200 also passes the gateway's HTTP health probe)."""
import socket
import sys

name, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(64)
while True:
    c, a = s.accept()
    try:
        c.settimeout(2)
        c.recv(4096)
        c.sendall(("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n"
                   "%s %s\n" % (name, a[0])).encode())
    except Exception:
        pass
    c.close()
