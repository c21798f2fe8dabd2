#!/usr/bin/env python3
"""Write lines as services do, for the [content] tests (SPEC §11).

  feed.py journal STDOUT_SOCKET     stdin: "STREAM<TAB>LINE" per line
      every STREAM is its own process connected to journald's stdout stream
      socket with the stream protocol's header (identifier STREAM, priority
      6, as systemd does for a unit's stdout); the lines are written in the
      order given, each one written before the next is handed out, so lines
      of different streams interleave exactly as listed.
  feed.py tcp HOST PORT             stdin: the same; each line goes to
      rsyslog's imtcp as one RFC 5424 message (octet-counted framing) with
      APP-NAME STREAM and PROCID 1000+index of STREAM, severity info.
  feed.py pytrace                   print the traceback of a real chained
      Python exception (what an uncaught one writes to stderr)
"""
import os
import socket
import sys
import time


def pytrace():
    import traceback

    def load(key):
        return {}[key]

    def handle(key):
        try:
            load(key)
        except KeyError as e:
            raise RuntimeError("lookup of %s failed" % key) from e

    try:
        handle("user")
    except RuntimeError:
        sys.stdout.write(traceback.format_exc())


def read_script():
    out = []
    for raw in sys.stdin.buffer:
        raw = raw.rstrip(b"\n")
        stream, _, line = raw.partition(b"\t")
        out.append((stream.decode(), line))
    return out


def journal(path, script):
    children = {}
    for stream, _ in script:
        if stream in children:
            continue
        to_child_r, to_child_w = os.pipe()
        ack_r, ack_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(to_child_w)
            os.close(ack_r)
            for _, w, a in children.values():  # the other children's pipes: they must see EOF
                os.close(w)
                os.close(a)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            s.sendall(("%s\n\n6\n0\n0\n0\n0\n" % stream).encode())
            inp = os.fdopen(to_child_r, "rb")
            while True:
                line = inp.readline()  # not "for line in inp": that reads ahead
                if not line:
                    break
                s.sendall(line)
                os.write(ack_w, b".")
            s.close()
            os._exit(0)
        os.close(to_child_r)
        os.close(ack_w)
        children[stream] = (pid, to_child_w, ack_r)
    for stream, line in script:
        _, w, ack = children[stream]
        os.write(w, line + b"\n")
        os.read(ack, 1)
        time.sleep(0.002)  # let journald take it before the next stream's line
    for pid, w, ack in children.values():
        os.close(w)
        os.waitpid(pid, 0)


def tcp(host, port, script):
    names = []
    s = socket.create_connection((host, port))
    host_name = socket.gethostname()
    for stream, line in script:
        if stream not in names:
            names.append(stream)
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".%06dZ" % (time.time() % 1 * 1e6)
        msg = b"<14>1 %s %s %s %d - - " % (ts.encode(), host_name.encode(), stream.encode(), 1000 + names.index(stream)) + line
        s.sendall(b"%d %s" % (len(msg), msg))
    s.close()


if __name__ == "__main__":
    if sys.argv[1] == "pytrace":
        pytrace()
    elif sys.argv[1] == "journal":
        journal(sys.argv[2], read_script())
    elif sys.argv[1] == "tcp":
        tcp(sys.argv[2], int(sys.argv[3]), read_script())
