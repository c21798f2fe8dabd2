#!/bin/bash
# kill -9 of omauralog in the middle of a stack trace (SPEC section 11,
# "Stack traces": at-least-once still holds), through a real rsyslogd running
# the shipped snippet.  A live Python traceback (tests/content/feed.py
# pytrace) is sent in two halves from one stream (same host, program, procid).
# The endpoint hangs on the first request that carries the first half, so
# omauralog has read those lines and its commit stays unanswered, the batch
# unconfirmed in rsyslog's queue: a state that lasts until the kill, no
# timing window.  Then omauralog is killed with SIGKILL, rsyslog starts a new
# one (omprog), which refuses its first commit (plugin/protocol.c, recovery
# for rsyslog issue #2420: rsyslog resends the batch in full); only then is
# the second half sent.  Asserted: every line of the traceback arrives (in a
# message or a stackTrace) at least once, nothing of it is lost; the new
# process went through the refusal.  What the trace looks like at the
# endpoint is a diagnostic: omauralog ends every open trace at a commit and
# the halves come in different transactions, so it arrives as two or more
# entries (SPEC: nothing lost; one entry only within one transaction).
. "$top_srcdir/tests/plugin/lib-rsyslog.sh"
test_init plugin_rsyslog_kill_trace
need_cmd "$RSYSLOGD" "rsyslogd not installed"

FEED=$top_srcdir/tests/content/feed.py
STREAM=svc-kill$$
# the first request carrying the stream's lines is never answered
start_ingest --script "{\"steps\":[{\"hang\":true,\"match\":{\"body_contains\":\"$STREAM\"}}]}" ||
    bail_out "fake ingest did not start"
write_config "$T/auralog.conf"
shipped_conf >"$T/auralog-action.conf" || bail_out "cannot adapt the shipped snippet"
# rsyslog's own messages (omprog's report of a refused commit among them) to a file
rsyslog_conf "$T/rsyslog.conf" "if \$inputname != \"imtcp\" then { action(type=\"omfile\" file=\"$T/internal.log\") stop }
$(cat "$T/auralog-action.conf")"
ok "config validates (rsyslogd -N1)" "$RSYSLOGD" -N1 -f "$T/rsyslog.conf"
rsyslog_start "$T/rsyslog.conf" || bail_out "rsyslogd did not start"

# a first message, so that the omauralog of the main action has made its
# first (refused, then resent) commit before the trace comes
printf 'warmup\tready\n' | "$PYTHON3" "$FEED" tcp 127.0.0.1 "$RSYSLOG_PORT"
ok "a first message arrives" wait_until 30 grep -q '"ready"' "$INGEST_DIR/entries.jsonl"
pids=$(plugin_pids)
is "one omauralog runs (the main action's)" "$(wc -w <<<"$pids")" 1
old=${pids//[^0-9]/}

# LINES of stdin as RFC 5424 messages of $STREAM (procid 1000, as feed.py
# tcp), in one write, so that rsyslog takes them as one batch if it can
send_lines() {
    "$PYTHON3" -c '
import socket, sys, time
port, stream = int(sys.argv[1]), sys.argv[2].encode()
out = b""
for line in sys.stdin.buffer.read().split(b"\n")[:-1]:
    ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()).encode()
    msg = b"<14>1 %s %s %s 1000 - - %s" % (ts, socket.gethostname().encode(), stream, line)
    out += b"%d %s" % (len(msg), msg)
s = socket.create_connection(("127.0.0.1", port))
s.sendall(out)
s.close()
' "$RSYSLOG_PORT" "$STREAM"
}
"$PYTHON3" "$FEED" pytrace >"$T/trace.txt"
HALF=4 # Traceback, File, load(key), File: inside the first exception
head -n "$HALF" "$T/trace.txt" | send_lines
hung() { grep "$STREAM" "$INGEST_DIR/requests.jsonl" | grep -q '"status":null'; }
ok "omauralog read the first half and sent it (the endpoint holds the request)" wait_until 30 hung
ok "its commit is unanswered: nothing of the trace accepted yet" bash -c "! grep -q '$STREAM' '$INGEST_DIR/entries.jsonl'"

diag "$(grep "$STREAM" "$INGEST_DIR/requests.jsonl" | head -n 1 |
    jlines '"the killed omauralog had read %s of the %s lines of the first half (stack_lines of the held request)" % ((o["body"].get("log") or {}).get("metadata", {}).get("stack_lines", "?"), '"$HALF"')')"
kill -KILL "$old"
new_pid() { local p; p=$(plugin_pids); [ -n "$p" ] && [ "${p//[^0-9]/}" != "$old" ]; }
ok "rsyslog started a new omauralog" wait_until 30 new_pid
diag "omauralog pid $old killed, new pid $(plugin_pids | tr "\n" " ")"
# omprog's report of the refusal does not name the pid: one after the kill
refused() { sed -n '/terminated by signal 9/,$p' "$T/internal.log" | grep -q 'ERROR resend: first transaction'; }
ok "the new omauralog refused its first commit (rsyslog resends the batch in full)" wait_until 30 refused

tail -n +$((HALF + 1)) "$T/trace.txt" | send_lines
last=$(tail -n 1 "$T/trace.txt")
ok "the end of the trace arrives" wait_until 60 grep -qF "$last" "$INGEST_DIR/entries.jsonl"
sleep 2 # no check inside a window: late duplicates only add to the diagnostics below

# every line of the traceback, in a message or in a stackTrace, at least once
missing=$("$PYTHON3" - "$INGEST_DIR/entries.jsonl" "$T/trace.txt" "$STREAM" <<'PY'
import json, sys
stream = sys.argv[3]
got = []
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("metadata", {}).get("program") != stream:
        continue
    got.append(o.get("message", ""))
    got.extend(o.get("stackTrace", "").split("\n"))
got = {g.strip() for g in got}
for line in open(sys.argv[2]).read().split("\n"):
    if line.strip() and line.strip() not in got:
        print(repr(line))
PY
)
is "every line of the traceback arrived (none missing)" "$missing" ""
diag "$("$PYTHON3" - "$INGEST_DIR/entries.jsonl" "$STREAM" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("metadata", {}).get("program") != sys.argv[2]:
        continue
    n += 1
    st = o.get("stackTrace")
    print("entry %d: level %s, %s, message %r" % (n, o.get("level"),
          "stackTrace of %d lines" % len(st.split("\n")) if st else "no stackTrace", o.get("message")))
print("the traceback arrived as %d entries" % n)
PY
)"
rsyslog_stop
done_testing
