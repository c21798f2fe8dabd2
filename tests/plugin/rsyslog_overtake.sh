#!/bin/bash
# Errors overtake a backlog (SPEC section 11) on the rsyslog path: the shipped
# snippet gives severities 0-3 their own action, queue and omauralog process.
# A real rsyslogd runs the shipped snippet; the fake endpoint answers every
# request after a delay, so 100,000 info messages pile up in the main action's
# queue (impstats "auralog queue" enqueued reaches 100,000).  Then one
# severity-3 message with a unique marker is sent.  Asserted on what the
# endpoint recorded when the marker arrived (entries.jsonl is in arrival
# order), not on timings: fewer than half of the backlog had been delivered
# before it.  Then everything drains: the marker exactly once, all 100,000
# backlog messages exactly once.  The marker's latency is a diagnostic only.
# OVERTAKE_DELAY: the endpoint's delay per request (s).
. "$top_srcdir/tests/plugin/lib-rsyslog.sh"
test_init plugin_rsyslog_overtake
need_cmd "$RSYSLOGD" "rsyslogd not installed"

N=${OVERTAKE_N:-100000}
DELAY=${OVERTAKE_DELAY:-0.25}

start_ingest --script "{\"default\":{\"delay\":$DELAY}}" || bail_out "fake ingest did not start"
write_config "$T/auralog.conf"
shipped_conf >"$T/auralog-action.conf" || bail_out "cannot adapt the shipped snippet"
# only the test's imtcp messages go to the actions: rsyslog's own messages
# (some of them severity 3: "action suspended") would be errors of their own
rsyslog_conf "$T/rsyslog.conf" "module(load=\"impstats\" interval=\"1\" log.syslog=\"off\" log.file=\"$T/stats.log\")
if \$inputname != \"imtcp\" then { action(type=\"omfile\" file=\"$T/rsyslog-internal.log\") stop }
$(cat "$T/auralog-action.conf")"
ok "shipped snippet with its urgent action validates (rsyslogd -N1)" "$RSYSLOGD" -N1 -f "$T/rsyslog.conf"
rsyslog_start "$T/rsyslog.conf" || bail_out "rsyslogd did not start"

# impstats' cumulative counter of a queue, the highest value written so far
stat_of() { sed -n "s/.*: $1: .* $2=\([0-9]*\).*/\1/p" "$T/stats.log" 2>/dev/null | sort -n | tail -1; }
main_enqueued_ge() { [ "$(stat_of 'auralog queue' enqueued)" -ge "$1" ] 2>/dev/null; }

"$PYTHON3" - "$RSYSLOG_PORT" "$N" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"".join(b"<14>Dec  2 12:00:00 bhost backlog[1]: backlog %06d\n" % i for i in range(int(sys.argv[2]))))
s.close()
PY
ok "the $N-message backlog is in the main action's queue (impstats auralog queue enqueued)" \
    wait_until 60 main_enqueued_ge "$N"

# the backlog is being delivered (slowly) when the error comes
backlog_count() { grep -c '"backlog [0-9]\{6\}"' "$INGEST_DIR/entries.jsonl"; }
backlog_count_ge() { [ "$(backlog_count)" -ge "$1" ]; }
ok "the backlog is being delivered" wait_until 60 backlog_count_ge 1000
at_send=$(backlog_count)
marker="urgent-marker-$$-$RANDOM$RANDOM"
t_sent=$EPOCHREALTIME
rsyslog_send_tcp "<11>Dec  2 12:00:01 bhost urgentapp[2]: database gone $marker"
has_marker() { grep -q "$marker" "$INGEST_DIR/entries.jsonl"; }
ok "the severity-3 message reaches the endpoint" wait_until 60 has_marker
# backlog entries the endpoint had accepted before the marker's
before=$(awk -v m="$marker" 'index($0, m) { print n + 0; exit } /"backlog [0-9]+"/ { n++ }' "$INGEST_DIR/entries.jsonl")
diag "$at_send of the backlog delivered when the error was sent, $before when it arrived"
ok "it overtook the backlog: $before of $N delivered before it (< 50%)" test "${before:-$N}" -lt $((N / 2))
diag "$("$PYTHON3" - "$INGEST_DIR/requests.jsonl" "$t_sent" "$marker" <<'PY'
import json, sys
t0, m = float(sys.argv[2]), sys.argv[3]
for line in open(sys.argv[1]):
    if m in line:
        print("marker at the endpoint %.2f s after it was sent (request arrival; answer after the delay)" % (json.loads(line)["t"] - t0))
        break
PY
)"

backlog_uniq() { grep -o '"backlog [0-9]\{6\}"' "$INGEST_DIR/entries.jsonl" | sort -u | wc -l; }
backlog_ge() { [ "$(backlog_uniq)" -ge "$1" ]; }
ok "the backlog drains: all $N delivered" wait_until 120 backlog_ge "$N"
is "each backlog message exactly once" "$(backlog_count)" "$N"
is "exactly one copy of the marker" "$(grep -c "$marker" "$INGEST_DIR/entries.jsonl")" 1
e=$(grep "$marker" "$INGEST_DIR/entries.jsonl")
is "the marker's level" "$(jlines 'o["level"]' <<<"$e")" error
urgent_processed() { stat_of 'auralog_urgent' processed; }
diag "impstats: auralog_urgent processed $(urgent_processed), auralog processed $(stat_of 'auralog' processed)"
is "only the marker went through the urgent action (impstats auralog_urgent processed)" "$(urgent_processed)" 1
rsyslog_stop
is "no queue file left" "$(find "$T/work" -maxdepth 1 -name 'auralog*' -printf '%f ')" ""
done_testing
