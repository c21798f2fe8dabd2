#!/bin/bash
# A burst larger than the memory part of the shipped snippet's disk-assisted
# action queue: rsyslog spills it to disk, and with no traffic after the
# burst every message must still arrive exactly once.  queue.size is lowered
# (on a copy) so that a few thousand messages spill.  Then rsyslogd is
# restarted: a drained queue must not resend anything.
. "$top_srcdir/tests/plugin/lib-rsyslog.sh"
test_init plugin_rsyslog_burst
need_cmd "$RSYSLOGD" "rsyslogd not installed"

BURST=${BURST:-6000}
QSIZE=${QSIZE:-1000} # high watermark 90%: about 900 in memory, the rest goes to disk

start_ingest || bail_out "fake ingest did not start"
write_config "$T/auralog.conf"
shipped_conf >"$T/shipped.conf" || bail_out "cannot adapt the shipped snippet"
grep -q '^[[:space:]]*queue\.size="[0-9]*"' "$T/shipped.conf" || bail_out "queue.size not found in the snippet"
sed -e "s|^\([[:space:]]*queue\.size=\)\"[0-9]*\"|\1\"$QSIZE\"|" ${BURST_SED:+-e "$BURST_SED"} \
    "$T/shipped.conf" >"$T/auralog-action.conf"
rsyslog_conf "$T/rsyslog.conf" "$(cat "$T/auralog-action.conf")"
ok "snippet with queue.size=$QSIZE validates (rsyslogd -N1)" "$RSYSLOGD" -N1 -f "$T/rsyslog.conf"
rsyslog_start "$T/rsyslog.conf" || bail_out "rsyslogd did not start"

burst_count() { ingest_entries | grep -c '"burst [0-9]\{5\}"'; }
burst_uniq() { ingest_entries | grep -o '"burst [0-9]\{5\}"' | sort -u | wc -l; }
burst_ge() { [ "$(burst_uniq)" -ge "$1" ]; }

t0=$SECONDS
"$PYTHON3" - "$RSYSLOG_PORT" "$BURST" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"".join(b"<14>Nov 25 12:00:00 bhost burst[1]: burst %05d\n" % i for i in range(int(sys.argv[2]))))
s.close()
PY
ok "the burst spilled to the queue's disk part" wait_until 10 bash -c "ls '$T/work' | grep -q '^auralog\.[0-9]'"
# nothing is sent after the burst: the spilled part must drain on its own
ok "all $BURST messages delivered without further traffic" wait_until 45 burst_ge "$BURST"
diag "drained in $((SECONDS - t0)) s; $(burst_uniq) distinct, $(burst_count) received"
is "each message exactly once" "$(burst_count)" "$BURST"
ok "omauralog reported no failed commit" bash -c "! grep -q 'commit refused' '$T/plugin.err'"

# a restart after the drain: nothing left in the queue, nothing sent again
t1=$SECONDS
rsyslog_stop
ok "rsyslogd stopped" test -z "$RSYSLOG_PID"
diag "rsyslogd took $((SECONDS - t1)) s to stop"
rsyslog_start "$T/rsyslog.conf" || bail_out "rsyslogd did not restart"
rsyslog_send_tcp "<14>Nov 25 12:00:00 bhost burst[1]: after restart"
ok "a message after the restart arrives" wait_until 20 bash -c "grep -q 'after restart' '$INGEST_DIR/entries.jsonl'"
sleep 2
is "no message of the burst sent again after the restart" "$(burst_count)" "$BURST"
rsyslog_stop
done_testing
