#!/usr/bin/env python3
"""Send entries to a journald native socket (the sd_journal_send protocol).

    jsend.py SOCKET < entries.jsonl
    jsend.py SOCKET --count N [--message FMT] [--field K=V ...]

Each input line is a JSON object {FIELD: value}; a value is a string (sent
as UTF-8), or {"hex": "..."} for arbitrary bytes, or {"repeat": "x", "n": N}
for a long value.  With --count, N entries are generated: MESSAGE is FMT with
%d replaced by the index (0..N-1), plus the --field pairs.  Fields with a
newline or binary data use the length-prefixed form.  Entries too large for
one datagram are passed as a sealed memfd (as libsystemd does)."""
import array
import fcntl
import json
import os
import socket
import struct
import sys

F_ADD_SEALS = 1033
SEALS = 1 | 2 | 4 | 8  # SEAL, SHRINK, GROW, WRITE


def encode(fields):
    out = bytearray()
    for k, v in fields:
        if isinstance(v, str):
            v = v.encode()
        k = k.encode()
        if b"\n" in v or any(c < 32 and c not in (9,) for c in v) or any(c > 127 for c in v):
            out += k + b"\n" + struct.pack("<Q", len(v)) + v + b"\n"
        else:
            out += k + b"=" + v + b"\n"
    return bytes(out)


def value(v):
    if isinstance(v, dict):
        if "hex" in v:
            return bytes.fromhex(v["hex"])
        if "repeat" in v:
            return (v["repeat"] * v["n"]).encode()
    return v


def send(sock, path, data):
    try:
        if len(data) < 180000:
            sock.sendto(data, path)
            return
    except OSError:
        pass
    fd = os.memfd_create("jsend", os.MFD_ALLOW_SEALING)
    os.write(fd, data)
    fcntl.fcntl(fd, F_ADD_SEALS, SEALS)
    sock.sendmsg([], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))], 0, path)
    os.close(fd)


def main():
    path = sys.argv[1]
    args = sys.argv[2:]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
    if args and args[0] == "--count":
        n = int(args[1])
        fmt = "entry %d"
        extra = []
        i = 2
        while i < len(args):
            if args[i] == "--message":
                fmt = args[i + 1]
            elif args[i] == "--field":
                k, _, v = args[i + 1].partition("=")
                extra.append((k, v))
            i += 2
        for j in range(n):
            send(sock, path, encode([("MESSAGE", fmt.replace("%d", str(j)))] + extra))
        return
    for line in sys.stdin:
        line = line.strip()
        if line:
            o = json.loads(line)
            send(sock, path, encode([(k, value(v)) for k, v in o.items()]))


main()
