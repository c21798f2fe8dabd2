#!/bin/bash
# Chaos on the rsyslog path (issue 16): faults that happen together in real
# life, through a real rsyslogd with the shipped snippet.
#
#   - 20,000 messages over TCP (imtcp on loopback) at about 2,000/s, each with
#     a unique sequence number;
#   - the endpoint fails about 20% of the requests at random with a fixed seed:
#     503, 500, connection reset, or a 3-s hang (bridge: timeout = 2,
#     retry_initial = 0.2, retry_max = 2);
#   - omauralog killed with SIGKILL at 3 s and at 9 s (rsyslog starts it again);
#   - rsyslogd stopped with SIGTERM at 6 s and started again (same config, same
#     queue directory): a `systemctl restart rsyslog`.  Like systemd
#     (KillMode=control-group, the default of Debian's rsyslog.service), the
#     SIGTERM goes to every process of the "unit" at once: rsyslogd and each
#     omauralog it started (CHAOS_STOP=rsyslogd: to rsyslogd alone).
#
# Asserted: every sequence number arrives at least once.  Duplicates are
# allowed (at-least-once) and printed.  Timings are not asserted.
#
# The sender pauses around the restart: it closes its connection and the test
# waits until rsyslogd has read everything (no connection left on the port)
# before SIGTERM, so a message lost in the kernel's socket buffer of a dying
# imtcp (plain TCP syslog has no acknowledgements) is not counted against the
# bridge.
#
# CHAOS_MODE=fleet runs the same scenario against conf/fleet/aggregator.conf
# (a ruleset queue in front of omauralog) instead of 60-auralog.conf; see
# tests/fleet/chaos.sh.  CHAOS_SEED, CHAOS_COUNT, CHAOS_RATE override the
# defaults; CHAOS_DEBUG=1 runs rsyslogd with its debug log in $T/rsyslog.debug
# (use KEEP_TMP=1).
. "$top_srcdir/tests/plugin/lib-rsyslog.sh"
CHAOS_MODE=${CHAOS_MODE:-snippet}
test_init "rsyslog_chaos_$CHAOS_MODE"
need_cmd "$RSYSLOGD" "rsyslogd not installed"

SEED=${CHAOS_SEED:-1603}
COUNT=${CHAOS_COUNT:-20000}
RATE=${CHAOS_RATE:-2000}
TAG=chaos

# ~20% of the requests fail, one of four faults at random (fixed seed)
start_ingest --script "{\"random\": {\"seed\": $SEED, \"rate\": 0.2, \"faults\": [
    {\"status\": 503}, {\"status\": 500}, {\"reset\": true}, {\"hang\": 3}]}}" ||
    bail_out "fake ingest did not start"

# ---- configuration --------------------------------------------------------------
if [ "$CHAOS_MODE" = fleet ]; then
    # the aggregator config, as tests/fleet/lib-fleet.sh builds it, on loopback
    write_config "$T/auralog.conf" delivery.timeout=2 delivery.retry_initial=0.2 delivery.retry_max=2 \
        global_metadata.aggregator=agg || bail_out "cannot write the bridge config"
    aggregator_conf "$T/rsyslog.conf" || bail_out "cannot adapt conf/fleet/aggregator.conf"
else
    write_config "$T/auralog.conf" delivery.timeout=2 delivery.retry_initial=0.2 delivery.retry_max=2 ||
        bail_out "cannot write the bridge config"
    shipped_conf >"$T/auralog-action.conf" || bail_out "cannot adapt the shipped snippet"
    rsyslog_conf "$T/rsyslog.conf" "$(cat "$T/auralog-action.conf")"
fi
ok "config validates (rsyslogd -N1)" "$RSYSLOGD" -N1 -f "$T/rsyslog.conf"

if [ "${CHAOS_DEBUG:-0}" = 1 ]; then
    export RSYSLOG_DEBUG="NoStdOut" RSYSLOG_DEBUGLOG="$T/rsyslog.debug"
    RSYSLOGD_ARGS=-d
fi
start_rsyslogd() {
    "$RSYSLOGD" ${RSYSLOGD_ARGS:-} -n -f "$T/rsyslog.conf" -i "$T/rsyslog.pid" >>"$T/rsyslog.out" 2>&1 &
    RSYSLOG_PID=$!
    register_pid "$RSYSLOG_PID"
    wait_until 20 bash -c "exec 3<>/dev/tcp/127.0.0.1/$RSYSLOG_PORT"
}
plugins_of() { pgrep -P "$1" -f "$OMAURALOG" || true; }

start_rsyslogd || bail_out "rsyslogd did not start"
# (the aggregator's omauralog starts with the first message: rsyslog's own go to a file)
[ "$CHAOS_MODE" = fleet ] ||
    ok "omauralog started by rsyslogd" wait_until 10 bash -c "pgrep -P $RSYSLOG_PID -f '$OMAURALOG' >/dev/null"

# ---- the sender -------------------------------------------------------------------
# COUNT messages "chaos NNNNN" at RATE/s in chunks of 10 ms.  SIGUSR1: finish
# the chunk, close the connection, write $T/sender.paused.  SIGUSR2: resume
# (reconnecting).  Writes $T/sender.ready once its handlers are in place (a
# signal before that would kill it) and $T/sender.done at the end.
"$PYTHON3" - "$RSYSLOG_PORT" "$TAG" "$COUNT" "$RATE" "$T" <<'PY' >"$T/sender.log" 2>&1 &
import os, signal, socket, sys, time
port, tag, count, rate, tdir = int(sys.argv[1]), sys.argv[2].encode(), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
state = {"pause": False}
signal.signal(signal.SIGUSR1, lambda s, f: state.update(pause=True))
signal.signal(signal.SIGUSR2, lambda s, f: state.update(pause=False))
def mark(name, text):
    with open(os.path.join(tdir, name + ".tmp"), "w") as f:
        f.write(text + "\n")
    os.rename(os.path.join(tdir, name + ".tmp"), os.path.join(tdir, name))
mark("sender.ready", "")
chunk = max(1, int(rate / 100))
sock, i, t0 = None, 0, time.monotonic()
while i < count:
    if state["pause"]:
        if sock is not None:
            sock.close()
            sock = None
            mark("sender.paused", str(i))
            paused_at = time.monotonic()
        time.sleep(0.01)
        continue
    if os.path.exists(os.path.join(tdir, "sender.paused")):
        os.unlink(os.path.join(tdir, "sender.paused"))
        t0 += time.monotonic() - paused_at  # keep the rate after the pause
    if sock is None:
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            time.sleep(0.05)
            continue
    n = min(chunk, count - i)
    sock.sendall(b"".join(b"<14>Nov 25 12:00:00 chost chaos[1]: %s %05d\n" % (tag, j) for j in range(i, i + n)))
    i += n
    ahead = t0 + i / rate - time.monotonic()
    if ahead > 0:
        time.sleep(ahead)
if sock is not None:
    sock.close()
print("sent %d in %.1f s" % (count, time.monotonic() - t0))
mark("sender.done", str(count))
PY
SEND_PID=$!
register_pid "$SEND_PID"
# the schedule of faults starts with the stream (Python may take seconds to start on a loaded machine)
wait_until 60 test -e "$T/sender.ready" || bail_out "the sender did not start"
t_start=${EPOCHREALTIME/./}
at() { # wait until SECONDS after the start of the stream
    local left=$(( t_start + ${1}000000 - ${EPOCHREALTIME/./} ))
    [ $left -gt 0 ] && sleep "$(awk -v u=$left 'BEGIN { printf "%.3f", u / 1e6 }')"
    return 0
}
elapsed() { awk -v u=$(( ${EPOCHREALTIME/./} - t_start )) 'BEGIN { printf "%.1f", u / 1e6 }'; }

kill_plugin() { # SIGKILL every omauralog of the running rsyslogd
    local pids
    wait_until 20 bash -c "pgrep -P $RSYSLOG_PID -f '$OMAURALOG' >/dev/null"
    pids=$(plugins_of "$RSYSLOG_PID")
    diag "$(elapsed) s: kill -9 omauralog $(echo $pids)"
    [ -n "$pids" ] && kill -KILL $pids
}

# ---- the faults -----------------------------------------------------------------------
at 3
kill_plugin
at 6
kill -USR1 "$SEND_PID"
wait_until 10 test -e "$T/sender.paused" || diag "the sender did not pause"
# rsyslogd has read everything once it closed its end of the sender's connection
imtcp_conns() { ss -Htn state connected exclude time-wait "( sport = :$RSYSLOG_PORT or dport = :$RSYSLOG_PORT )"; }
no_imtcp_conns() { [ -z "$(imtcp_conns)" ]; }
wait_until 10 no_imtcp_conns || diag "connection to imtcp still open: $(imtcp_conns)"
old_plugins=$(plugins_of "$RSYSLOG_PID")
for p in $old_plugins; do register_pid "$p"; done # they may outlive rsyslogd (--eof-drain)
t_stop=${EPOCHREALTIME/./}
unit_pids=$RSYSLOG_PID
[ "${CHAOS_STOP:-systemd}" = systemd ] && unit_pids+=" $(pgrep -f -- "$OMAURALOG --config $T/" | tr '\n' ' ')"
diag "$(elapsed) s: SIGTERM $unit_pids (rsyslogd first; sender paused after $(cat "$T/sender.paused") messages)"
kill -TERM $unit_pids
wait_until 60 bash -c "! kill -0 $RSYSLOG_PID 2>/dev/null"
wait "$RSYSLOG_PID" 2>/dev/null
diag "$(elapsed) s: rsyslogd stopped after $(awk -v u=$(( ${EPOCHREALTIME/./} - t_stop )) 'BEGIN { printf "%.1f", u / 1e6 }') s"
start_rsyslogd || bail_out "rsyslogd did not restart"
kill -USR2 "$SEND_PID"
diag "$(elapsed) s: rsyslogd started again, sender resumed"
at 9
kill_plugin

ok "the sender sent all $COUNT messages" wait_until 60 test -e "$T/sender.done"
wait "$SEND_PID"

# ---- outcome ----------------------------------------------------------------------
seqs() { grep -o "\"$TAG [0-9]\{5\}\"" "$INGEST_DIR/entries.jsonl" | cut -c8-12; }
uniq_ge() { [ "$(seqs | sort -u | wc -l)" -ge "$1" ]; }
wait_until 90 uniq_ge "$COUNT"
distinct=$(seqs | sort -u | wc -l)
received=$(seqs | wc -l)
missing=$(seqs | sort -u | awk -v n="$COUNT" '{ seen[$1 + 0] = 1 }
    END { for (i = 0; i < n; i++) if (!(i in seen)) { if (start == "") start = i; last = i; c++ }
          else if (start != "") { printf "%d-%d ", start, last; start = "" }
          if (start != "") printf "%d-%d", start, last }')
is "all $COUNT sequence numbers arrived (0 lost)" "$distinct" "$COUNT" || diag "missing: $missing"
diag "$CHAOS_MODE seed $SEED: $received received, $distinct distinct, duplicates: $((received - distinct))"
diag "requests: $(ingest_request_count), faults answered: $(grep -c '"step":"r' "$INGEST_DIR/requests.jsonl")"
diag "rsyslog: $(grep -ohE 'cooperative cancellation|hard cancellation|queue holds [0-9]+ messages after shutdown of workers|forcing termination of output capture thread' \
    "$T/rsyslog.out" "$INGEST_DIR/entries.jsonl" "$T/internal.log" 2>/dev/null | sort | uniq -c | tr -s ' \n' ' ')"

kill -TERM "$RSYSLOG_PID"
wait_until 60 bash -c "! kill -0 $RSYSLOG_PID 2>/dev/null"
wait "$RSYSLOG_PID" 2>/dev/null
done_testing
