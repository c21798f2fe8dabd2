#!/usr/bin/env python3
"""Hostile clients for a TCP port (the metrics server's), for the tests.

    hostile.py HOST PORT idle N        open N connections, send nothing, hold them
    hostile.py HOST PORT slowloris N   N connections that send a request header one
                                       byte every second and never finish it
    hostile.py HOST PORT garbage       connect, send junk, repeat, as fast as it goes

Runs until SIGTERM.  Connections the server closes are opened again (idle,
slowloris).  Prints "ready N" on stdout once N connections were attempted.
"""
import errno
import os
import random
import resource
import selectors
import signal
import socket
import sys
import time

stop = False


def on_term(signum, frame):
    global stop
    stop = True


def connect_nb(host, port):
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect((host, port))
    except BlockingIOError:
        pass
    except OSError:
        s.close()
        return None
    return s


def hold(host, port, n, slow):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n + 64
    if soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard) if hard > 0 else want, hard))
        except (ValueError, OSError):
            pass
    header = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100000
    conns = {}
    for _ in range(n):
        s = connect_nb(host, port)
        if s:
            conns[s] = 0
    print("ready %d" % len(conns), flush=True)
    while not stop:
        time.sleep(1)
        for s in list(conns):
            if not slow:
                continue
            pos = conns[s]
            try:
                s.send(header[pos:pos + 1])
                conns[s] = pos + 1
            except BlockingIOError:
                pass
            except OSError:
                s.close()
                del conns[s]
                t = connect_nb(host, port)
                if t:
                    conns[t] = 0
    for s in conns:
        s.close()


def garbage(host, port):
    junk = [b"\x00\xff" * 512, b"GET /" + b"A" * 20000 + b" HTTP/1.1\r\n\r\n", b"POST /metrics HTTP/1.1\r\nContent-Length: 99999999\r\n\r\nxx",
            b"GET /metrics HTTP/9.9\r\n\r\n", b"\r\n\r\n\r\n", b"GET /healthz HTTP/1.1\r\nHost: \xff\xfe\r\n\r\n",
            b"GARBAGE GARBAGE\r\n\r\n", b"GET /metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"]
    print("ready 1", flush=True)
    while not stop:
        try:
            s = socket.create_connection((host, port), timeout=2)
            s.sendall(random.choice(junk))
            s.settimeout(0.5)
            try:
                s.recv(4096)
            except OSError:
                pass
            s.close()
        except OSError:
            time.sleep(0.05)


def main():
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if mode == "garbage":
        garbage(host, port)
    else:
        hold(host, port, int(sys.argv[4]), mode == "slowloris")
    return 0


if __name__ == "__main__":
    sys.exit(main())
