#!/bin/bash
# Faults through a real rsyslogd with the shipped snippet: omauralog killed
# with -9 mid-stream, the endpoint down for 20 s, rsyslog restarted during an
# outage (disk-assisted queue), HUP reload.  Nothing may be lost.
. "$top_srcdir/tests/plugin/lib-rsyslog.sh"
test_init plugin_rsyslog_faults
need_cmd "$RSYSLOGD" "rsyslogd not installed"

start_ingest || bail_out "fake ingest did not start"
write_config "$T/auralog.conf" global_metadata.release=v1
PLUGIN_EXTRA_ARGS=" --commit-timeout 5" # give up on commits quickly: rsyslog must keep and resend
shipped_conf >"$T/auralog-action.conf" || bail_out "cannot adapt the shipped snippet"
rsyslog_conf "$T/rsyslog.conf" "$(cat "$T/auralog-action.conf")"
rsyslog_start "$T/rsyslog.conf" || bail_out "rsyslogd did not start"

# send COUNT messages "TAG NNNN" at RATE per second (in the background: sets SEND_PID)
send_stream() {
    "$PYTHON3" - "$RSYSLOG_PORT" "$1" "$2" "$3" <<'PY' &
import socket, sys, time
port, tag, count, rate = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
s = socket.create_connection(("127.0.0.1", port))
for i in range(count):
    s.sendall(b"<14>Nov 25 12:00:00 fhost stream[1]: %s %04d\n" % (tag.encode(), i))
    time.sleep(1 / rate)
s.close()
PY
    SEND_PID=$!
    register_pid "$SEND_PID"
}
uniq_count() { ingest_entries | grep -o "\"$1 [0-9]\{4\}\"" | sort -u | wc -l; }
uniq_ge() { [ "$(uniq_count "$1")" -ge "$2" ]; }

ok "plugin started by rsyslogd" wait_until 10 bash -c "pgrep -P $RSYSLOG_PID -f '$OMAURALOG' >/dev/null"

# --- kill -9 mid-stream -----------------------------------------------------------
pid1=$(plugin_pids)
send_stream kill 300 150
sleep 1
kill -9 $pid1
wait "$SEND_PID"
ok "rsyslogd restarted omauralog" wait_until 20 bash -c "p=\$(pgrep -P $RSYSLOG_PID -f '$OMAURALOG'); [ -n \"\$p\" ] && [ \"\$p\" != $pid1 ]"
ok "all 300 messages delivered despite kill -9" wait_until 40 uniq_ge kill 300
dups=$(($(ingest_entries | grep -c '"kill [0-9]\{4\}"') - 300))
diag "duplicates after kill -9: $dups (at-least-once: bounded by the batch in flight)"
ok "duplicates bounded by one batch (500)" test "$dups" -le 500

# --- endpoint down for 20 s -------------------------------------------------------
stop_ingest
send_stream down 50 25
wait "$SEND_PID"
sleep 18
restart_ingest
ok "all 50 messages sent during a 20 s outage arrive afterwards" wait_until 40 uniq_ge down 50
sleep 1
is "no duplicates from rsyslog's resends (resent lines reuse queued entries)" \
    "$(ingest_entries | grep -c '"down [0-9]\{4\}"')" 50
ok "the plugin refused at least one commit during the outage (rsyslog kept the batch)" \
    grep -q 'commit refused' "$T/plugin.err"
ok "rsyslog reported the refusal (reportFailures, forwarded as an internal message)" \
    grep -q 'returned: ERROR delivery failing' "$INGEST_DIR/entries.jsonl"

# --- rsyslog restarted during an outage --------------------------------------------
# The disk-assisted queue keeps what is queued; the batch in flight is finished
# by the old omauralog after its stdin closed (--eof-drain), since rsyslog
# cannot always save it (rsyslog issue #5364).
stop_ingest
send_stream restart 1200 600
wait "$SEND_PID"
sleep 2
old_pid=$(plugin_pids)
rsyslog_stop
ok "rsyslogd stopped during the outage" test -z "$RSYSLOG_PID"
ok "the old omauralog keeps delivering after rsyslogd exited" kill -0 "$old_pid"
register_pid "$old_pid"
ls "$T/work" | grep -q auralog && pass "rsyslog spooled its queue to disk" || fail "rsyslog spooled its queue to disk"
restart_ingest
rsyslog_start "$T/rsyslog.conf" || bail_out "rsyslogd did not restart"
ok "all 1200 messages delivered after rsyslog restarted" wait_until 60 uniq_ge restart 1200
diag "restart: $(uniq_count restart) distinct of 1200, $(ingest_entries | grep -c '"restart [0-9]\{4\}"') received"
ok "the old omauralog exited once its entries were delivered" wait_until 10 bash -c "! kill -0 $old_pid 2>/dev/null"

# --- HUP: omprog forwards it, omauralog reloads its config --------------------------
rsyslog_send_tcp "<14>Nov 25 12:00:00 fhost hup[1]: before hup"
ok "message before HUP" wait_until 20 bash -c "grep -q 'before hup' '$INGEST_DIR/entries.jsonl'"
# taken only now: after the restart the disk part's omauralog may have drained
# the queue and gone with its worker, and the memory part's starts with a message
pid=$(plugin_pids)
write_config "$T/auralog.conf" global_metadata.release=v2
kill -HUP "$RSYSLOG_PID"
ok "omauralog logged the reload" wait_until 10 bash -c "grep -qi 'reload' '$T/plugin.err'"
rsyslog_send_tcp "<14>Nov 25 12:00:00 fhost hup[1]: after hup"
ok "message after HUP" wait_until 20 bash -c "grep -q 'after hup' '$INGEST_DIR/entries.jsonl'"
is "before HUP: old global metadata" "$(ingest_entries | grep 'before hup' | head -1 | jlines 'o["metadata"]["release"]')" v1
is "after HUP: new global metadata" "$(ingest_entries | grep 'after hup' | head -1 | jlines 'o["metadata"]["release"]')" v2
ok "same omauralog process (reloaded, not restarted)" bash -c "[ -n '$pid' ] && for p in $pid; do kill -0 \$p || exit 1; done"

rsyslog_stop
done_testing
