#!/usr/bin/env python3
"""Fake Auralog ingest endpoint for the integration tests (standard library only).

Server:
    fake_ingest.py --dir DIR [--port-file FILE] [--port N] [--bind ::1] [--tls CERT KEY] [--no-request-bodies]

Listens on 127.0.0.1 (or --bind: an IPv6 address listens v6) (port 0 = kernel-chosen unless --port), then writes the
actual port to --port-file (default DIR/port; written atomically, so once it
exists the server accepts connections).  Threaded: a hanging or slow request
never blocks the others.  Stops on SIGTERM/SIGINT.

Records (each line written with one write() as soon as it is known):
  DIR/requests.jsonl  one JSON object per request to anything but /_control/*:
      {"t": arrival unix time, "path", "method", "headers": {lowercased names},
       "body": parsed JSON or the raw string when unparsable,
       "status": status answered, or null for reset/hang,
       "conn": connection number (same number = reused keep-alive connection),
       "step": index of the script step used, or null (default / reject / malformed)}
  DIR/entries.jsonl   every accepted entry (2xx answer), in arrival order: each
      of body["logs"] for /v1/logs, body["log"] for /v1/logs/single.
  Both are written just BEFORE the answer is sent (after any "delay"), so when
  a client has its 2xx the records are there.  Like a real server that commits
  first: a client that gives up during a delay/trickle of a 2xx still had its
  entries accepted (a retry then gives a duplicate).  Reset and hang requests
  are recorded on arrival, with status null.

Content-Encoding: gzip bodies are decoded first (the record gets "wire_bytes",
the compressed size); script "refuse_encoding": true answers 415 to any request
with a Content-Encoding instead, and a body that does not gunzip gets 400.

Checks done before the script, in this order (none of them consumes a step):
  1. body not a JSON object, or /v1/logs without a "logs" array, or
     /v1/logs/single without a "log" object            -> 400 (malformed)
  2. script "api_key" set and body "projectApiKey" differs -> 401
  3. raw body contains script "reject_marker"           -> "reject_status" (400)
     So a poisoned entry never shifts the scripted faults of the other requests.
Only paths starting with /v1/logs are ingest paths; other paths get 404.

Fault script: POST /_control/script with a JSON body, or DIR/script.json
read at start.  Posting a script replaces the previous one entirely.
  {"steps": [STEP, ...], "default": STEP, "reject_marker": "POISON",
   "reject_status": 400, "api_key": "..."}
STEP is an object, every key optional:
  "status": N          answer status (default 200)
  "retry_after": "2"   Retry-After header, sent as given (seconds or an HTTP-date string)
  "retry_after_date": S  Retry-After as the HTTP-date S seconds after the answer
  "location": URL      Location header (for 3xx)
  "delay": S           wait S seconds before answering
  "reset": true        close with RST (SO_LINGER 0), no response
  "hang": true         never answer; keep the connection until the client closes it
  "hang": S            never answer; close the connection (no response) after S seconds
                       or when the client closes it, whichever comes first
  "trickle": BPS       send the whole response at BPS bytes per second
  "close": true        answer with "Connection: close" and close afterwards
  "body": "text"       response body (default {"ok":true} / {"error":...})
  "count": N           this step serves N requests (default 1)
  "match": {"path": "/v1/logs/single", "body_contains": "xyz"}
                       the step only serves requests whose path equals "path"
                       and/or whose raw body contains "body_contains".
Step selection: a request to /v1/* takes the FIRST step in the list that has
requests left and whose "match" (if any) matches it; steps that do not match
stay for later requests.  When no step is left for it, "random" (if set) may
pick a fault, else "default" applies (built-in default: {"status": 200}).

Random faults (chaos tests):
  "random": {"seed": N, "rate": 0.2, "faults": [STEP, ...]}
  each request that no step serves draws from a random.Random(seed) (set with
  the script): with probability "rate" it gets one of "faults" (uniformly),
  else "default".  The draws are a fixed sequence: the n-th such request gets
  the same answer in every run (which request is n-th depends on timing).
  The answer's "step" in requests.jsonl is "r<index in faults>" for a fault.

Control endpoints (never recorded):
  POST /_control/script     set the script (400 on bad JSON)
  GET  /_control/script     current script with remaining counts
  GET  /_control/requests   DIR/requests.jsonl content
  GET  /_control/entries    DIR/entries.jsonl content
  POST /_control/reset      clear the records (not the script)
  GET  /_control/health     "ok"

Client (used by tests/lib.sh, avoids needing curl):
  fake_ingest.py --client METHOD URL [--cafile CA] [--data STRING]
  prints the response body, exit 0 on 2xx, 1 otherwise.
"""

import argparse
import email.utils
import gzip
import http.server
import io
import json
import os
import random
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import zlib

LOCK = threading.Lock()
STATE = {
    "dir": ".",
    "script": {},
    "remaining": [],  # per step: requests it can still serve
    "conn_seq": 0,
    "stopping": False,
    "no_bodies": False,
    "rng": None,
}


def set_script(script):
    if not isinstance(script, dict):
        raise ValueError("script must be a JSON object")
    steps = script.get("steps", [])
    if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
        raise ValueError("steps must be a list of objects")
    if "default" in script and not isinstance(script["default"], dict):
        raise ValueError("default must be an object")
    rnd = script.get("random")
    if rnd is not None:
        if (not isinstance(rnd, dict) or not isinstance(rnd.get("faults"), list) or not rnd["faults"]
                or not all(isinstance(f, dict) for f in rnd["faults"])):
            raise ValueError("random must be an object with a non-empty list of objects \"faults\"")
        float(rnd.get("rate", 0.2))
    with LOCK:
        STATE["script"] = script
        STATE["remaining"] = [int(s.get("count", 1)) for s in steps]
        STATE["rng"] = random.Random(rnd.get("seed", 0)) if rnd is not None else None


def step_matches(step, path, raw):
    match = step.get("match")
    if not match:
        return True
    if "path" in match and match["path"] != path:
        return False
    if "body_contains" in match and match["body_contains"].encode() not in raw:
        return False
    return True


def pick_step(path, raw):
    """Returns (index or None, step)."""
    with LOCK:
        script = STATE["script"]
        for i, step in enumerate(script.get("steps", [])):
            if STATE["remaining"][i] > 0 and step_matches(step, path, raw):
                STATE["remaining"][i] -= 1
                return i, step
        rnd = script.get("random")
        if rnd is not None:
            rng = STATE["rng"]
            draw, pick = rng.random(), rng.randrange(len(rnd["faults"]))
            if draw < float(rnd.get("rate", 0.2)):
                return "r%d" % pick, rnd["faults"][pick]
        return None, script.get("default", {"status": 200})


FDS = {}


def open_records():
    for name in ("requests.jsonl", "entries.jsonl"):
        FDS[name] = os.open(os.path.join(STATE["dir"], name), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)


def append_lines(name, objs):
    data = b"".join((json.dumps(o, separators=(",", ":")) + "\n").encode() for o in objs)
    view = memoryview(data)
    with LOCK:
        while view:
            n = os.write(FDS[name], view)
            view = view[n:]


def append_line(name, obj):
    append_lines(name, [obj])


def read_file(name):
    try:
        with open(os.path.join(STATE["dir"], name), "rb") as f:
            return f.read()
    except FileNotFoundError:
        return b""


def truncate_records():
    with LOCK:
        for name in ("requests.jsonl", "entries.jsonl"):
            os.ftruncate(FDS[name], 0)


REASONS = http.server.BaseHTTPRequestHandler.responses


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-auralog-ingest/1"

    def setup(self):
        super().setup()
        with LOCK:
            STATE["conn_seq"] += 1
            self.conn_id = STATE["conn_seq"]

    def log_message(self, fmt, *args):
        sys.stderr.write("fake_ingest: %s\n" % (fmt % args))

    # ---- helpers -------------------------------------------------------
    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            while True:
                line = self.rfile.readline(1024)
                if not line:
                    break
                try:
                    size = int(line.split(b";")[0].strip() or b"0", 16)
                except ValueError:
                    self.close_connection = True
                    break
                if size == 0:
                    while True:  # trailers
                        t = self.rfile.readline(65536)
                        if not t or t in (b"\r\n", b"\n"):
                            break
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(16)
            return b"".join(chunks)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            return b""
        return self.rfile.read(length) if length > 0 else b""

    def build_response(self, status, body, extra_headers=(), close=False):
        if isinstance(body, str):
            body = body.encode()
        reason = REASONS.get(status, ("Unknown",))[0]
        lines = ["HTTP/1.1 %d %s" % (status, reason),
                 "Server: " + self.server_version,
                 "Date: " + email.utils.formatdate(usegmt=True),
                 "Content-Type: application/json",
                 "Content-Length: %d" % len(body)]
        lines += ["%s: %s" % h for h in extra_headers]
        if close:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    def send_raw(self, data, trickle=None):
        """Returns True when everything was written."""
        try:
            if trickle:
                bps = max(float(trickle), 0.001)
                chunk = max(1, int(bps / 10))
                for i in range(0, len(data), chunk):
                    self.wfile.write(data[i:i + chunk])
                    self.wfile.flush()
                    time.sleep(len(data[i:i + chunk]) / bps)
            else:
                self.wfile.write(data)
                self.wfile.flush()
            return True
        except (OSError, ValueError):
            self.close_connection = True
            return False

    def reset_connection(self):
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        # the socket closes only when its file objects are closed too
        for f in (self.rfile, self.wfile):
            try:
                f.close()
            except (OSError, ValueError):
                pass
        try:
            self.connection.close()
        except OSError:
            pass
        # the base class flushes wfile after the handler returns
        self.rfile, self.wfile = io.BytesIO(), io.BytesIO()
        self.close_connection = True

    def hang(self, limit=None):
        """Keep the connection open, reading and discarding, until the client
        closes it (or for at most `limit` seconds, then close without an answer)."""
        sock = self.connection
        sock.settimeout(0.2)
        end = None if limit is None else time.monotonic() + limit
        while not STATE["stopping"] and (end is None or time.monotonic() < end):
            try:
                data = sock.recv(4096)
                if not data:
                    break
            except (socket.timeout, ssl.SSLWantReadError):
                continue
            except (OSError, ValueError):
                break
        self.close_connection = True

    # ---- dispatch ------------------------------------------------------
    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def dispatch(self):
        t = time.time()
        raw = self.read_body()
        path = self.path
        if path.startswith("/_control/"):
            return self.control(path, raw)
        headers = {k.lower(): v for k, v in self.headers.items()}
        encoding = headers.get("content-encoding", "").strip().lower()
        wire_bytes = len(raw)
        if encoding and path.startswith("/v1/"):
            if STATE["script"].get("refuse_encoding") or encoding != "gzip":
                record = {"t": t, "path": path, "method": self.command, "headers": headers, "body": None,
                          "status": None, "conn": self.conn_id, "step": None, "wire_bytes": wire_bytes}
                return self.answer(record, {"status": 415, "body": '{"error":"unsupported encoding"}'}, [])
            try:
                raw = gzip.decompress(raw)
            except (OSError, EOFError, zlib.error):
                record = {"t": t, "path": path, "method": self.command, "headers": headers, "body": None,
                          "status": None, "conn": self.conn_id, "step": None, "wire_bytes": wire_bytes}
                return self.answer(record, {"status": 400, "body": '{"error":"bad gzip"}'}, [])
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            body = raw.decode("utf-8", errors="replace")
        record = {"t": t, "path": path, "method": self.command, "headers": headers, "body": body,
                  "status": None, "conn": self.conn_id, "step": None}
        if encoding:
            record["wire_bytes"] = wire_bytes
        if STATE["no_bodies"]:
            record["body"] = {"bytes": len(raw)}
        ingest_path = path.split("?")[0]
        if ingest_path not in ("/v1/logs", "/v1/logs/single"):
            return self.answer(record, {"status": 404, "body": '{"error":"not found"}'}, [])
        entries = []
        if isinstance(body, dict):
            if ingest_path == "/v1/logs" and isinstance(body.get("logs"), list):
                entries = body["logs"]
            elif ingest_path == "/v1/logs/single" and isinstance(body.get("log"), dict):
                entries = [body["log"]]
            else:
                entries = None
        else:
            entries = None
        script = STATE["script"]
        if entries is None or self.command != "POST":
            return self.answer(record, {"status": 400, "body": '{"error":"malformed request"}'}, [])
        if "api_key" in script and body.get("projectApiKey") != script["api_key"]:
            return self.answer(record, {"status": 401, "body": '{"error":"invalid api key"}'}, [])
        marker = script.get("reject_marker")
        if marker and marker.encode() in raw:
            return self.answer(record, {"status": int(script.get("reject_status", 400)),
                                        "body": '{"error":"rejected"}'}, [])
        idx, step = pick_step(ingest_path, raw)
        record["step"] = idx
        self.answer(record, step, entries)

    def answer(self, record, step, entries):
        if step.get("reset"):
            append_line("requests.jsonl", record)
            self.reset_connection()
            return
        if step.get("hang"):
            append_line("requests.jsonl", record)
            h = step["hang"]
            self.hang(None if h is True else float(h))
            return
        status = int(step.get("status", 200))
        record["status"] = status
        if "delay" in step:
            time.sleep(float(step["delay"]))
        extra = []
        if "retry_after" in step:
            extra.append(("Retry-After", str(step["retry_after"])))
        elif "retry_after_date" in step:
            when = time.time() + float(step["retry_after_date"])
            extra.append(("Retry-After", email.utils.formatdate(when, usegmt=True)))
        if "location" in step:
            extra.append(("Location", str(step["location"])))
        default_body = '{"ok":true}' if 200 <= status < 300 else '{"error":"status %d"}' % status
        close = bool(step.get("close")) or self.close_connection
        data = self.build_response(status, step.get("body", default_body), extra, close)
        # Recorded before the answer goes out, so a client that has its 2xx
        # finds its entries already recorded (as a real server commits first).
        append_line("requests.jsonl", record)
        if 200 <= status < 300:
            append_lines("entries.jsonl", entries)
        self.send_raw(data, step.get("trickle"))
        if close:
            self.close_connection = True

    def control(self, path, raw):
        status, out = 200, b'{"ok":true}'
        if path == "/_control/script" and self.command == "POST":
            try:
                set_script(json.loads(raw.decode("utf-8")))
            except (UnicodeDecodeError, ValueError, TypeError) as e:
                status, out = 400, json.dumps({"error": str(e)}).encode()
        elif path == "/_control/script":
            with LOCK:
                out = json.dumps({"script": STATE["script"], "remaining": STATE["remaining"]}).encode()
        elif path == "/_control/requests":
            out = read_file("requests.jsonl")
        elif path == "/_control/entries":
            out = read_file("entries.jsonl")
        elif path == "/_control/reset" and self.command == "POST":
            truncate_records()
        elif path == "/_control/health":
            out = b"ok"
        else:
            status, out = 404, b'{"error":"unknown control path"}'
        self.send_raw(self.build_response(status, out, close=self.close_connection))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    ssl_context = None

    def get_request(self):
        sock, addr = super().get_request()
        if self.ssl_context is not None:
            # handshake happens in the handler thread, on first read
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        e = sys.exc_info()[1]
        sys.stderr.write("fake_ingest: connection from %s: %s: %s\n" % (client_address, type(e).__name__, e))


def run_client(args):
    import urllib.error
    import urllib.request
    method, url = args.client
    ctx = None
    if url.startswith("https:"):
        ctx = ssl.create_default_context(cafile=args.cafile)
    data = args.data.encode() if args.data is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            sys.stdout.buffer.write(r.read())
            return 0
    except urllib.error.HTTPError as e:
        sys.stdout.buffer.write(e.read())
        return 1
    except (urllib.error.URLError, OSError) as e:
        sys.stderr.write("fake_ingest client: %s\n" % e)
        return 2


def main():
    ap = argparse.ArgumentParser(description="fake Auralog ingest endpoint")
    ap.add_argument("--dir", help="directory for records and script.json")
    ap.add_argument("--port-file")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--bind", default="127.0.0.1", help="address to listen on (IPv6 allowed)")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--no-request-bodies", action="store_true",
                    help='record {"bytes": N} instead of request bodies (benchmarks)')
    ap.add_argument("--client", nargs=2, metavar=("METHOD", "URL"))
    ap.add_argument("--cafile")
    ap.add_argument("--data")
    args = ap.parse_args()
    if args.client:
        return run_client(args)
    if not args.dir:
        ap.error("--dir is required")

    os.makedirs(args.dir, exist_ok=True)
    STATE["dir"] = args.dir
    STATE["no_bodies"] = args.no_request_bodies
    open_records()
    script_file = os.path.join(args.dir, "script.json")
    set_script({})
    if os.path.exists(script_file):
        with open(script_file) as f:
            set_script(json.load(f))

    if ":" in args.bind:
        Server.address_family = socket.AF_INET6
    server = Server((args.bind, args.port), Handler)
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        server.ssl_context = ctx

    def on_signal(signum, frame):
        STATE["stopping"] = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    port_file = args.port_file or os.path.join(args.dir, "port")
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, port_file)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    server.server_close()
    sys.stderr.flush()
    os._exit(0)  # daemon handler threads (hangs) must not delay the exit


if __name__ == "__main__":
    sys.exit(main())
