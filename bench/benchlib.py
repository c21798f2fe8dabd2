#!/usr/bin/env python3
"""Helpers for bench/run (standard library only).

  benchlib.py gen-export N SEED [JSONPCT]  export-format journal entries on stdout: a realistic
                                           field set, MESSAGE of 40-300 bytes, ~1% err/crit;
                                           JSONPCT: that percentage of the entries (stdout
                                           services) carry a JSON log line instead (zap, logrus,
                                           slog objects; ~2% of them level error)
  benchlib.py measure JSON [--stdout F] [--stderr F] -- CMD ARGS...
                                           run CMD (exec'd directly: the measured PID is CMD
                                           itself), sample RssAnon of that PID every 10 ms, then
                                           write {"wall","user","sys","rss_anon_peak_kb",
                                           "hwm_kb","rc"} to JSON; CPU from wait4() (the process
                                           and the children it reaped)
  benchlib.py sample PID OUTJSON           sample RssAnon of a running PID every 20 ms until
                                           OUTJSON.stop exists or PID ends; then write
                                           {"rss_anon_peak_kb","user","sys"} (CPU from
                                           /proc/PID/stat at the last sample)
  benchlib.py sink PORT DIR                HTTP sink on 127.0.0.1:PORT answering 200 to
                                           everything; counts entries per request, records the
                                           arrival time of every "URG-<n>" token in DIR/arrivals
                                           ("n t path"), and the running entry count in DIR/count
  benchlib.py flood SOCKET RATE SECONDS OUTFILE
                                           journald native-protocol writer: info entries at RATE/s
                                           and error entries "URG-<n>" at 10/s, the write time of
                                           each error in OUTFILE ("n t"); prints achieved rates
  benchlib.py latency WRITES ARRIVALS      p50/p99/max (ms) write -> arrival, as JSON
  benchlib.py tcpgen PORT N SEED           N RFC 3164 lines over one TCP connection, fast
  benchlib.py waitlines FILE N TIMEOUT     wait until FILE has N lines; prints the unix time
                                           the N-th line was seen
  benchlib.py median FILE.json...          medians of the numeric keys over the JSON files
  benchlib.py omwatch RSPID EXE DIR N OUTJSON
                                           watch the omprog programs (children of RSPID running
                                           EXE) until their stats report N messages done, or no
                                           progress for 60 s, or no program left; each writes its
                                           SIGUSR1 stats to DIR/plugin.PID.err (bench/run's exec
                                           wrapper), so a program that exits (a disk-assisted
                                           queue's worker) keeps its count; CPU and RssAnon per
                                           PID, kept after the PID is gone
  benchlib.py omprog-drive OUTJSON N BATCH -- CMD ARGS...
                                           speak rsyslog's omprog protocol with confirmMessages and
                                           useTransactions to CMD, as omprog does: N messages of
                                           the shipped template's JSON shape in transactions of
                                           BATCH, each line only after the previous one's answer;
                                           a transaction answered ERROR at its commit is sent again;
                                           then close stdin and write {"wall","user","sys","rc",
                                           "n"} (CPU: wait4 rusage of CMD) to OUTJSON
  benchlib.py perfsplit PERFDATA           where a `perf record -g` profile's samples are, as JSON
                                           shares: "user <dso>" (a libc system-call wrapper counts
                                           as its call), "kernel sys <call>" (by the user frame
                                           that entered the kernel), "kernel page faults",
                                           "kernel other"
"""
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import http.server

CLK_TCK = os.sysconf("SC_CLK_TCK")

WORDS = ("connection from accepted publickey for user session opened closed port ssh2: failed to start unit "
         "timeout after retrying in ms GET /api/v1/orders 200 status=0/SUCCESS request completed id=7f3a "
         "worker pool queue depth latency upstream backend cache miss hit reload config deprecated "
         "disk usage 83% mounted /var/lib/postgresql checkpoint starting complete wrote buffers "
         "\"quoted\" caf\u00e9 na\u00efve \u20ac42").split()

PROGRAMS = [  # (comm, identifier, unit, exe, transport, facility)
    ("sshd", "sshd", "ssh.service", "/usr/sbin/sshd", "syslog", 10),
    ("systemd", "systemd", "init.scope", "/usr/lib/systemd/systemd", "journal", 3),
    ("nginx", "nginx", "nginx.service", "/usr/sbin/nginx", "stdout", 3),
    ("postgres", "postgres", "postgresql@15-main.service", "/usr/lib/postgresql/15/bin/postgres", "stdout", 3),
    ("cron", "CRON", "cron.service", "/usr/sbin/cron", "syslog", 9),
    ("checkout-api", "checkout-api", "checkout-api.service", "/opt/checkout/bin/checkout-api", "journal", 3),
    ("kworker/u4:2", "kernel", None, None, "kernel", 0),
    ("dockerd", "dockerd", "docker.service", "/usr/bin/dockerd", "stdout", 3),
]
# PRIORITY distribution: mostly info, some notice/warning/debug, ~1% err, a few crit
PRIOS = [6] * 70 + [5] * 10 + [4] * 10 + [7] * 9 + [3] * 1


def rand_message(rng, lo=40, hi=300):
    target = rng.randint(lo, hi)
    parts = []
    n = 0
    while n < target:
        w = rng.choice(WORDS)
        parts.append(w)
        n += len(w.encode()) + 1
    return " ".join(parts).encode()[:target].decode("utf-8", "ignore")


JSON_PATHS = ("/api/v1/orders", "/api/v1/cart", "/healthz", "/api/v2/users/42", "/metrics")


def json_line(rng, i, t):
    """A structured log line as Go/Python services write them to stdout."""
    r = rng.random()
    lvl = "error" if r < 0.02 else "warn" if r < 0.1 else "debug" if r < 0.2 else "info"
    msg = rand_message(rng, 20, 80)
    style = rng.randrange(3)
    if style == 0:  # zap production encoder
        o = {"level": lvl, "ts": t / 1e6, "caller": "server/handler.go:%d" % rng.randint(20, 400), "msg": msg,
             "method": rng.choice(("GET", "POST")), "path": rng.choice(JSON_PATHS),
             "status": 500 if lvl == "error" else 200, "latency_ms": round(rng.random() * 80, 3),
             "trace_id": "%032x" % rng.getrandbits(128)}
        if lvl == "error":
            o["error"] = "upstream connect error: connection refused"
    elif style == 1:  # logrus JSONFormatter
        o = {"level": "warning" if lvl == "warn" else lvl, "msg": msg,
             "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t // 1000000)),
             "component": "worker", "job_id": i, "queue": "default"}
    else:  # log/slog JSONHandler
        o = {"time": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t // 1000000)), "level": lvl.upper(),
             "msg": msg, "user_id": rng.randint(1, 99999), "request_id": "%016x" % rng.getrandbits(64)}
    return json.dumps(o, separators=(",", ":"), ensure_ascii=False).encode()


def gen_export(n, seed, json_pct=0):
    rng = random.Random(seed)
    jrng = random.Random(seed + 1000)  # its own stream: the other fields stay those of the plain journal
    out = sys.stdout.buffer
    boot = "%032x" % rng.getrandbits(128)
    machine = "%032x" % rng.getrandbits(128)
    t0 = 1764072000000000
    pool = [rand_message(rng).encode() for _ in range(4096)]
    pids = {p[0]: rng.randint(300, 400000) for p in PROGRAMS}
    inv = {p[0]: "%032x" % rng.getrandbits(128) for p in PROGRAMS}
    buf = []
    for i in range(n):
        comm, ident, unit, exe, transport, fac = PROGRAMS[rng.randrange(len(PROGRAMS))]
        prio = PRIOS[rng.randrange(len(PRIOS))]
        if rng.random() < 0.001:
            prio = 2
        t = t0 + i * 1000 + rng.randrange(1000)
        # messages mostly unique, as in a real journal (the journal deduplicates equal field values)
        msg = pool[rng.randrange(4096)]
        if len(msg) > 60:
            msg = msg[:-14].decode("utf-8", "ignore").encode() + b" req=%08x" % rng.getrandbits(32)
        e = [b"__REALTIME_TIMESTAMP=%d" % t, b"__MONOTONIC_TIMESTAMP=%d" % (5000000 + i * 1000),
             b"_BOOT_ID=" + boot.encode(), b"_MACHINE_ID=" + machine.encode(), b"_HOSTNAME=web-01",
             b"_TRANSPORT=" + transport.encode(), b"PRIORITY=%d" % prio, b"SYSLOG_FACILITY=%d" % fac,
             b"SYSLOG_IDENTIFIER=" + ident.encode()]
        if transport != "kernel":
            e += [b"_PID=%d" % pids[comm], b"_UID=%d" % (0 if comm in ("sshd", "systemd", "cron") else 998),
                  b"_GID=%d" % (0 if comm in ("sshd", "systemd", "cron") else 998), b"_COMM=" + comm.encode(),
                  b"_EXE=" + exe.encode(), b"_CMDLINE=" + exe.encode() + b" --config /etc/" + comm.encode(),
                  b"_CAP_EFFECTIVE=0", b"_SELINUX_CONTEXT=unconfined",
                  b"_SYSTEMD_CGROUP=/system.slice/" + unit.encode(), b"_SYSTEMD_UNIT=" + unit.encode(),
                  b"_SYSTEMD_SLICE=system.slice", b"_SYSTEMD_INVOCATION_ID=" + inv[comm].encode(),
                  b"_SOURCE_REALTIME_TIMESTAMP=%d" % (t - 17)]
        else:
            e += [b"_KERNEL_SUBSYSTEM=pci", b"_KERNEL_DEVICE=+pci:0000:00:1f.2"]
        if transport == "journal":
            e += [b"CODE_FILE=src/server.c", b"CODE_LINE=%d" % rng.randint(10, 2000), b"CODE_FUNC=handle_request"]
            if rng.random() < 0.2:
                e.append(b"TRACE_ID=%032x" % rng.getrandbits(128))
            if rng.random() < 0.1:
                e.append(b"MESSAGE_ID=39f53479d3a045ac8e11786248231fbf")
        if transport == "stdout":
            e.append(b"_STREAM_ID=%032x" % (i // 5000))
        if json_pct and transport == "stdout" and jrng.random() * 100 < json_pct * len(PROGRAMS) / 3:
            msg = json_line(jrng, i, t)  # 3 of the 8 programs write to stdout: JSONPCT of all entries
        if rng.random() < 0.005:  # a multi-line message, binary-safe field form
            m = msg + b"\n  at frame one\n  at frame two"
            e.append(b"MESSAGE\n" + len(m).to_bytes(8, "little") + m)
        else:
            e.append(b"MESSAGE=" + msg)
        buf.append(b"\n".join(e) + b"\n\n")
        if len(buf) >= 2000:
            out.write(b"".join(buf))
            buf = []
    out.write(b"".join(buf))


def rss_anon_kb(pid):
    try:
        with open("/proc/%d/status" % pid, "rb") as f:
            for line in f:
                if line.startswith(b"RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def proc_status(pid, key):
    try:
        with open("/proc/%d/status" % pid, "rb") as f:
            for line in f:
                if line.startswith(key.encode() + b":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def cpu_of(pid):
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            s = f.read()
    except OSError:
        return None
    fields = s[s.rindex(b")") + 2:].split()
    return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK


def measure(args):
    outjson = args[0]
    stdout = stderr = None
    i = 1
    while args[i] != "--":
        if args[i] == "--stdout":
            stdout = args[i + 1]
        elif args[i] == "--stderr":
            stderr = args[i + 1]
        i += 2
    cmd = args[i + 1:]
    so = open(stdout or os.devnull, "wb")
    se = open(stderr, "ab") if stderr else None
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=so, stderr=se)
    peak = 0
    hwm = 0
    while True:
        r = rss_anon_kb(p.pid)
        if r is not None and r > peak:
            peak = r
        h = proc_status(p.pid, "VmHWM")
        if h:
            hwm = h
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.01)
    wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    res = {"wall": wall, "user": ru.ru_utime, "sys": ru.ru_stime, "rss_anon_peak_kb": peak,
           "hwm_kb": max(hwm, ru.ru_maxrss), "rc": p.returncode}
    with open(outjson, "w") as f:
        json.dump(res, f)
    return 0 if p.returncode == 0 else 1


def sample(pid, outjson):
    pid = int(pid)
    peak = 0
    cpu = cpu_of(pid) or (0.0, 0.0)
    while not os.path.exists(outjson + ".stop"):
        r = rss_anon_kb(pid)
        if r is None:
            break
        peak = max(peak, r)
        cpu = cpu_of(pid) or cpu
        time.sleep(0.02)
    with open(outjson, "w") as f:
        json.dump({"rss_anon_peak_kb": peak, "user": cpu[0], "sys": cpu[1]}, f)


ACKED = re.compile(rb"acked=(\d+)")


def children(ppid, exe):
    """PIDs whose parent is ppid and whose executable is exe (omprog forks from rsyslogd's threads)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
            if int(st.rsplit(")", 1)[1].split()[1]) != ppid:
                continue
            if os.path.realpath("/proc/%s/exe" % d) != exe:
                continue
        except (OSError, IndexError, ValueError):
            continue
        out.append(int(d))
    return out


def last_acked(path):
    try:
        with open(path, "rb") as f:
            f.seek(max(0, os.path.getsize(path) - 4096))
            m = ACKED.findall(f.read())
    except OSError:
        return 0
    return int(m[-1]) if m else 0


def omwatch(rspid, exe, d, n, outjson):
    rspid, n = int(rspid), int(n)
    exe = os.path.realpath(exe)
    cpu, peak, seen = {}, {}, set()
    acked, last, last_change, status = 0, -1, time.monotonic(), "ok"
    t_done = t_last = time.time()
    scan_t = 0.0
    pids = []
    while True:
        now = time.monotonic()
        if now - scan_t >= 1.0 or not pids:
            pids = children(rspid, exe)  # a second worker's program starts late
            seen.update(pids)
            scan_t = now
        for p in pids:
            try:
                os.kill(p, signal.SIGUSR1)
            except OSError:
                pass
            c = cpu_of(p)
            if c:
                cpu[p] = c
            r = rss_anon_kb(p)
            if r:
                peak[p] = max(peak.get(p, 0), r)
        time.sleep(0.1)
        acked = sum(last_acked(os.path.join(d, f)) for f in os.listdir(d) if f.startswith("plugin.") and f.endswith(".err"))
        if acked >= n:
            t_done = time.time()
            break
        if acked != last:
            last, last_change, t_last = acked, now, time.time()
        elif now - last_change >= 60:
            status, t_done = "stalled", t_last
            break
        if seen and not any(os.path.exists("/proc/%d" % p) for p in seen) and not children(rspid, exe):
            status, t_done = "died", t_last
            break
    for p in list(seen):
        c = cpu_of(p)
        if c:
            cpu[p] = c
    res = {"t1": t_done, "acked": acked, "status": status, "user": sum(c[0] for c in cpu.values()),
           "sys": sum(c[1] for c in cpu.values()), "rss_anon_peak_kb": max(peak.values()) if peak else 0,
           "programs": len(seen)}
    with open(outjson, "w") as f:
        json.dump(res, f)


URG = re.compile(rb"URG-(\d+)")


def sink(port, d):
    lock = threading.Lock()
    state = {"count": 0, "requests": 0}
    arr = open(os.path.join(d, "arrivals"), "a", buffering=1)

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, *a):
            pass

        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n)
            t = time.time()
            toks = URG.findall(body)
            c = body.count(b'"level":"')
            with lock:
                state["count"] += c
                state["requests"] += 1
                for tok in toks:
                    arr.write("%s %.6f %s\n" % (tok.decode(), t, self.path))
                tmp = os.path.join(d, "count.tmp")
                with open(tmp, "w") as f:
                    f.write("%d %d\n" % (state["count"], state["requests"]))
                os.rename(tmp, os.path.join(d, "count"))
            # one write for the whole answer (headers and body in separate segments would meet
            # Nagle + delayed ACK: 40 ms per request)
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")

    class S(http.server.ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 64

    srv = S(("127.0.0.1", int(port)), H)
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    with open(os.path.join(d, "port"), "w") as f:
        f.write(str(srv.server_address[1]))
    srv.serve_forever()


def native(fields):
    out = bytearray()
    for k, v in fields:
        out += k + b"=" + v + b"\n"
    return bytes(out)


def flood(path, rate, seconds, outfile):
    rate = float(rate)
    seconds = float(seconds)
    rng = random.Random(7)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
    infos = [native([(b"MESSAGE", rand_message(rng, 80, 200).encode()), (b"PRIORITY", b"6"),
                     (b"SYSLOG_IDENTIFIER", b"flood"), (b"SYSLOG_FACILITY", b"3")]) for _ in range(512)]
    out = open(outfile, "w", buffering=1)
    tick = 0.01
    per_tick = rate * tick
    start = time.monotonic()
    sent = 0.0
    n_info = 0
    n_err = 0
    next_err = start
    while True:
        now = time.monotonic()
        el = now - start
        if el >= seconds:
            break
        target = rate * el
        while sent < target:
            k = int(min(target - sent, per_tick * 4)) or 1
            for _ in range(k):
                s.sendto(infos[n_info & 511], path)
                n_info += 1
            sent += k
            if time.monotonic() >= next_err:
                break
        if time.monotonic() >= next_err:
            msg = b"payment provider timeout URG-%d while flooding" % n_err
            t = time.time()
            s.sendto(native([(b"MESSAGE", msg), (b"PRIORITY", b"3"), (b"SYSLOG_IDENTIFIER", b"urgent")]), path)
            out.write("%d %.6f\n" % (n_err, t))
            n_err += 1
            next_err += 0.1
        time.sleep(max(0.0, min(tick, next_err - time.monotonic())))
    el = time.monotonic() - start
    print(json.dumps({"info": n_info, "errors": n_err, "seconds": el, "info_rate": n_info / el}))


def latency(writes, arrivals):
    w = {}
    with open(writes) as f:
        for line in f:
            n, t = line.split()
            w[n] = float(t)
    a = {}
    with open(arrivals) as f:
        for line in f:
            n, t, _ = line.split()
            if n not in a:
                a[n] = float(t)
    lat = sorted((a[n] - w[n]) * 1000 for n in w if n in a)
    res = {"written": len(w), "arrived": len(lat)}
    if lat:
        res["p50_ms"] = lat[int(0.5 * (len(lat) - 1))]
        res["p99_ms"] = lat[min(len(lat) - 1, int(round(0.99 * (len(lat) - 1))))]
        res["max_ms"] = lat[-1]
    print(json.dumps(res))


def tcpgen(port, n, seed):
    rng = random.Random(int(seed))
    n = int(n)
    pool = [rand_message(rng).encode() for _ in range(4096)]
    progs = [(b"sshd", 4), (b"nginx", 3), (b"postgres", 3), (b"CRON", 9), (b"checkout-api", 16), (b"kernel", 0)]
    sev = [6] * 70 + [5] * 10 + [4] * 10 + [7] * 9 + [3] * 1
    lines = []
    for i in range(8192):
        p, fac = progs[rng.randrange(len(progs))]
        pri = fac * 8 + sev[rng.randrange(len(sev))]
        lines.append(b"<%d>Nov 25 12:%02d:%02d web-01 %s[%d]: %s\n" % (pri, i // 60 % 60, i % 60, p,
                                                                     rng.randint(300, 40000),
                                                                     pool[rng.randrange(4096)]))
    s = socket.create_connection(("127.0.0.1", int(port)))
    t0 = time.time()
    chunk = []
    for i in range(n):
        chunk.append(lines[i & 8191])
        if len(chunk) == 4096:
            s.sendall(b"".join(chunk))
            chunk = []
    s.sendall(b"".join(chunk))
    s.shutdown(socket.SHUT_WR)
    s.close()
    print("%.6f %.6f" % (t0, time.time()))


def waitlines(path, n, timeout):
    n = int(n)
    deadline = time.monotonic() + float(timeout)
    count = 0
    pos = 0
    while time.monotonic() < deadline:
        try:
            with open(path, "rb") as f:
                f.seek(pos)
                data = f.read()
        except FileNotFoundError:
            data = b""
        pos += len(data)
        count += data.count(b"\n")
        if count >= n:
            print("%.6f" % time.time())
            return 0
        time.sleep(0.02)
    print("timeout %d" % count)
    return 1


def median(files):
    rows = []
    for fn in files:
        with open(fn) as f:
            rows.append(json.load(f))
    out = {}
    for k in rows[0]:
        vals = [r[k] for r in rows if isinstance(r.get(k), (int, float))]
        if vals:
            out[k] = statistics.median(vals)
    out["runs"] = len(rows)
    print(json.dumps(out))


def paired(d, name, floor, n):
    """CPU per entry of NAME over FLOOR's, run k against run k (measured in one round, a
    minute apart at most: this machine's speed drifts by a third within minutes, which a
    ratio of medians taken from different rounds would carry): the median of those ratios
    and each of them, as JSON.  Nothing when the runs do not pair up."""
    def cpu_of_run(name, k):
        with open(os.path.join(d, "%s.%d.json" % (name, k))) as f:
            m = json.load(f)
        return (m["user"] + m["sys"]) * 1e6 / n
    ks = [k for k in range(1, 1000) if os.path.exists(os.path.join(d, "%s.%d.json" % (name, k)))]
    if not ks or not all(os.path.exists(os.path.join(d, "%s.%d.json" % (floor, k))) for k in ks):
        return
    ratios = [cpu_of_run(name, k) / cpu_of_run(floor, k) for k in ks]
    print(json.dumps({"ratio": statistics.median(ratios), "runs": ratios}))


# the shipped snippet's main action: errors (severity <= 3) go to the urgent action instead
OMPROG_PRIOS = [p for p in PRIOS if p > 3]


def omprog_line(i):
    apps = ("sshd", "nginx", "postgres", "CRON", "checkout-api", "kernel")
    sev = OMPROG_PRIOS[(i * 7919) % len(OMPROG_PRIOS)]
    return ('{"time":"2026-11-25T12:%02d:%02d.%06d+00:00","host":"web-%02d","fromhost_ip":"10.0.%d.%d",'
            '"severity":"%d","facility":"daemon","app":"%s","procid":"%d","msgid":"-","sd":"-",'
            '"msg":"request %d completed in %d ms path=/api/v1/orders/%d status=200 user=alice",'
            '"fields":{}}\n' % (i // 60 % 60, i % 60, (i * 37) % 1000000, i % 20, i % 7, i % 250, sev,
                                 apps[i % len(apps)], 300 + i % 4000, i, i % 300, i)).encode()


def omprog_drive(args):
    outjson, n, batch = args[0], int(args[1]), int(args[2])
    cmd = args[args.index("--") + 1:]
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    rd, wr = p.stdout, p.stdin

    def answer():
        line = rd.readline()
        if not line:
            raise SystemExit("omprog-drive: %s closed its stdout" % cmd[0])
        return line.strip()

    try:
        if answer() != b"OK":
            raise SystemExit("omprog-drive: %s did not start with OK" % cmd[0])
        i = 0
        while i < n:
            wr.write(b"BEGIN TRANSACTION\n")
            if answer() != b"OK":
                raise SystemExit("omprog-drive: BEGIN TRANSACTION not answered OK")
            first = i
            while i < n and i - first < batch:
                wr.write(omprog_line(i))
                r = answer()
                if r not in (b"OK", b"DEFER_COMMIT"):
                    raise SystemExit("omprog-drive: message %d answered %r" % (i, r))
                i += 1
            wr.write(b"COMMIT TRANSACTION\n")
            r = answer()
            if r.startswith(b"ERROR"):
                i = first  # omprog sends the transaction again
            elif r != b"OK":
                raise SystemExit("omprog-drive: commit answered %r" % r)
    except BaseException:
        p.kill()  # a failed run leaves no program behind, even one that stopped answering
        p.wait()
        raise
    wr.close()
    pid, status, ru = os.wait4(p.pid, 0)
    res = {"wall": time.monotonic() - t0, "user": ru.ru_utime, "sys": ru.ru_stime,
           "rc": os.waitstatus_to_exitcode(status), "n": n}
    with open(outjson, "w") as f:
        json.dump(res, f)
    return 0 if res["rc"] == 0 else 1


LIBC_CALLS = {"read": "read", "__GI___libc_read": "read", "__libc_read": "read", "write": "write",
              "__GI___libc_write": "write", "__libc_write": "write", "__poll": "poll", "poll": "poll",
              "__send": "sendto", "send": "sendto", "__libc_send": "sendto", "sendto": "sendto",
              "__libc_recv": "recvfrom", "recv": "recvfrom", "__recv": "recvfrom", "recvfrom": "recvfrom"}


def perfsplit(data):
    out = subprocess.run(["perf", "script", "-i", data, "-F", "ip,sym,dso"], capture_output=True,
                         text=True, check=True).stdout
    counts, n = {}, 0
    for block in out.split("\n\n"):
        frames = [l.split(None, 2) for l in block.strip().splitlines() if l.strip()]
        if not frames:
            continue
        n += 1
        addr, sym = frames[0][0], frames[0][1] if len(frames[0]) > 1 else "?"
        dso = frames[0][-1].strip("()").rsplit("/", 1)[-1] if len(frames[0]) > 2 else "?"
        if not addr.startswith("ffffffff"):
            call = LIBC_CALLS.get(sym.split("@")[0]) if dso.startswith("libc.so") else None
            key = "kernel sys " + call if call else "user " + dso
        else:
            key = "kernel other"
            for f in frames:
                fsym = f[1].split("@")[0] if len(f) > 1 else "?"
                if "exc_page_fault" in fsym:
                    key = "kernel page faults"
                    break
                if not f[0].startswith("ffffffff"):
                    # the user frame that entered the kernel: a system call's wrapper, or (an
                    # interrupt, a fault) any code; the kernel's own sys_ frame names the call
                    m = re.search(r"__(?:x64|do)_sys_(\w+)", block)
                    if fsym in LIBC_CALLS or m:
                        key = "kernel sys " + (LIBC_CALLS.get(fsym) or m.group(1))
                    break
        counts[key] = counts.get(key, 0) + 1
    print(json.dumps({k: v / n for k, v in sorted(counts.items(), key=lambda kv: -kv[1])}))


def main():
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "gen-export":
        gen_export(int(a[0]), int(a[1]), float(a[2]) if len(a) > 2 else 0)
    elif cmd == "measure":
        return measure(a)
    elif cmd == "sample":
        sample(a[0], a[1])
    elif cmd == "sink":
        sink(a[0], a[1])
    elif cmd == "flood":
        flood(*a)
    elif cmd == "latency":
        latency(*a)
    elif cmd == "tcpgen":
        tcpgen(*a)
    elif cmd == "waitlines":
        return waitlines(*a)
    elif cmd == "median":
        median(a)
    elif cmd == "paired":
        paired(a[0], a[1], a[2], int(a[3]))
    elif cmd == "omwatch":
        omwatch(*a)
    elif cmd == "omprog-drive":
        return omprog_drive(a)
    elif cmd == "perfsplit":
        perfsplit(a[0])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
