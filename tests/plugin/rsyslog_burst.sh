#!/bin/bash
# A burst larger than the memory part of the shipped snippet's disk-assisted
# action queue spills to disk; with no traffic after the burst every message
# must still arrive exactly once, and no queue file is left once rsyslogd
# stopped.  queue.size is lowered (on a copy) and the endpoint answers the
# first burst request after 3 s, so that the burst spills (a fast action may
# otherwise keep up with it); impstats' cumulative "enqueued" of "auralog
# queue[DA]" shows afterwards that the disk part was used (no look at the
# queue directory inside a window), and its "discarded.full" that rsyslog
# dropped nothing for a full memory part (see queue.timeoutEnqueue in the
# snippet: without it 2 to 5 messages were lost here, each after a 2-s stall).  Only the imtcp messages go to
# the action, so rsyslogd's own "exiting" message does not stay queued at a
# stop.  Then rsyslogd is restarted: a drained queue must not resend anything.
# Timing, as diagnostics only: when the first and the last burst request
# reached the endpoint after the burst was sent, the longest pause between two.
. "$top_srcdir/tests/plugin/lib-rsyslog.sh"
test_init plugin_rsyslog_burst
need_cmd "$RSYSLOGD" "rsyslogd not installed"

BURST=${BURST:-6000}
QSIZE=${QSIZE:-1000} # high watermark 90%: about 900 in memory, the rest goes to disk

start_ingest --script '{"steps":[{"delay":3,"match":{"body_contains":"burst 0"}}]}' ||
    bail_out "fake ingest did not start"
write_config "$T/auralog.conf"
shipped_conf >"$T/shipped.conf" || bail_out "cannot adapt the shipped snippet"
grep -q '^[[:space:]]*queue\.size="[0-9]*"' "$T/shipped.conf" || bail_out "queue.size not found in the snippet"
sed -e "s|^\([[:space:]]*queue\.size=\)\"[0-9]*\"|\1\"$QSIZE\"|" ${BURST_SED:+-e "$BURST_SED"} \
    "$T/shipped.conf" >"$T/auralog-action.conf"
rsyslog_conf "$T/rsyslog.conf" "module(load=\"impstats\" interval=\"1\" log.syslog=\"off\" log.file=\"$T/stats.log\")
if \$inputname != \"imtcp\" then { action(type=\"omfile\" file=\"$T/rsyslog-internal.log\") stop }
$(cat "$T/auralog-action.conf")"
ok "snippet with queue.size=$QSIZE validates (rsyslogd -N1)" "$RSYSLOGD" -N1 -f "$T/rsyslog.conf"
rsyslog_start "$T/rsyslog.conf" || bail_out "rsyslogd did not start"

burst_count() { ingest_entries | grep -c '"burst [0-9]\{5\}"'; }
burst_uniq() { ingest_entries | grep -o '"burst [0-9]\{5\}"' | sort -u | wc -l; }
burst_ge() { [ "$(burst_uniq)" -ge "$1" ]; }

sent=$("$PYTHON3" - "$RSYSLOG_PORT" "$BURST" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
t = time.time()
s.sendall(b"".join(b"<14>Nov 25 12:00:00 bhost burst[1]: burst %05d\n" % i for i in range(int(sys.argv[2]))))
s.close()
print(t)
PY
)
# nothing is sent after the burst: the spilled part must drain on its own
ok "all $BURST messages delivered without further traffic" wait_until 60 burst_ge "$BURST"
is "each message exactly once" "$(burst_count)" "$BURST"
da_enqueued() { sed -n 's/.*auralog queue\[DA\]: .* enqueued=\([0-9]*\) .*/\1/p' "$T/stats.log" 2>/dev/null | sort -n | tail -1; }
da_used() { [ "$(da_enqueued)" -gt 0 ] 2>/dev/null; }
# whether rsyslog started the disk part is rsyslog's timing: a run where it
# did not is reported as a skip of this point, not a failure
if wait_until 10 da_used; then
    pass "the burst went through the queue's disk part ($(da_enqueued) messages; impstats auralog queue[DA])"
else
    skip "the burst went through the queue's disk part" "rsyslog kept it in memory this time (impstats auralog queue[DA] enqueued 0)"
fi
queue_files() { find "$T/work" -maxdepth 1 -name 'auralog.*' -printf '%f '; }
full_discarded() { sed -n 's/.*auralog queue: .* discarded\.full=\([0-9]*\) .*/\1/p' "$T/stats.log" | sort -n | tail -1; }
is "rsyslog discarded nothing for a full queue (impstats discarded.full)" "$(full_discarded)" 0
ok "omauralog reported no failed commit" bash -c "! grep -qs 'commit refused' '$T/plugin.err'"
diag "$("$PYTHON3" - "$INGEST_DIR/requests.jsonl" "$sent" <<'PY'
import json, sys
t0 = float(sys.argv[2])
ts = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    b = r.get("body")
    if isinstance(b, dict) and any("burst " in e.get("message", "") for e in b.get("logs", [])):
        ts.append(r["t"])
ts.sort()
gap = max((b - a for a, b in zip(ts, ts[1:])), default=0)
print("burst requests: %d, first %.2f s and last %.2f s after sending, longest pause %.2f s"
      % (len(ts), ts[0] - t0, ts[-1] - t0, gap) if ts else "no burst request")
PY
)"

# a restart after the drain: nothing left in the queue, nothing sent again
t1=$SECONDS
rsyslog_stop
ok "rsyslogd stopped" test -z "$RSYSLOG_PID"
is "no queue file left after the drain and a stop" "$(queue_files)" ""
diag "rsyslogd took $((SECONDS - t1)) s to stop"
rsyslog_start "$T/rsyslog.conf" || bail_out "rsyslogd did not restart"
rsyslog_send_tcp "<14>Nov 25 12:00:00 bhost burst[1]: after restart"
ok "a message after the restart arrives" wait_until 20 bash -c "grep -q 'after restart' '$INGEST_DIR/entries.jsonl'"
sleep 2
is "no message of the burst sent again after the restart" "$(burst_count)" "$BURST"
rsyslog_stop
is "no queue file left at the end" "$(queue_files)" ""
done_testing
