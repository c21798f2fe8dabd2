#!/usr/bin/env python3
"""Small helpers for the journal tests.

  jhelp.py notify SOCKET LOG     listen on an AF_UNIX datagram socket (a NOTIFY_SOCKET)
                                 and append every message received to LOG
  jhelp.py cat STDOUT_SOCKET IDENT CMD...
                                 connect stderr to journald's stdout stream socket as
                                 IDENT, then exec CMD: the journal sees CMD's own PID
                                 (as systemd-cat does, which has no --namespace)
  jhelp.py export N BOOT_ID T0 [FIELD=VALUE ...]
                                 print N export-format entries (MESSAGE "gen I") with
                                 realtime T0+I, fields with %d replaced by I
"""
import os
import socket
import sys


def notify(path, log):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    s.bind(path)
    with open(log, "ab", buffering=0) as f:
        while True:
            data = s.recv(65536)
            f.write(data.replace(b"\n", b" ") + b"\n")


def cat(path, ident, cmd):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(("%s\n\n6\n0\n0\n0\n0\n" % ident).encode())
    os.dup2(s.fileno(), 2)
    s.close()
    os.execvp(cmd[0], cmd)


def export(n, boot, t0, fields):
    out = sys.stdout.buffer
    for i in range(n):
        out.write(b"__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n_BOOT_ID=%s\n_HOSTNAME=gen\nMESSAGE=gen %d\n"
                  % (t0 + i, 1000000 + i, boot.encode(), i))
        for f in fields:
            out.write(f.replace("%d", str(i)).encode() + b"\n")
        out.write(b"\n")


if sys.argv[1] == "notify":
    notify(sys.argv[2], sys.argv[3])
elif sys.argv[1] == "cat":
    cat(sys.argv[2], sys.argv[3], sys.argv[4:])
elif sys.argv[1] == "export":
    export(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5:])
