#!/bin/bash
# Following a live journal: a private systemd-journald namespace instance,
# written to over its native and syslog sockets, read with --namespace.
# start = tail, follow latency, 1 MiB message, binary message, own
# diagnostics never read back (by identifier and by PID), idle CPU, state on
# shutdown and resume after restart, start = head.
. "${top_srcdir:?}/tests/journal/lib-journal.sh"
test_init journal-follow

start_journald
start_ingest || bail_out "fake ingest did not start"
notify_listen
write_config "$T/a.conf"

jsend --count 5 --message "pre %d" --field SYSLOG_IDENTIFIER=ftest
jsync || bail_out "journald does not take entries"

run_reader --config "$T/a.conf" --namespace "$JNS" --start tail
ok "READY=1 sent to the notify socket" wait_ready 1
like "STATUS= sent" "$(cat "$T/notify.log")" 'STATUS='

# follow latency: from the entry's own timestamp (when it was logged) to the endpoint's receipt
jlog ftest "live one"
ok "a new entry arrives while following" ingest_wait_count 1 5
t0=$(date -d "$(ingest_entries | jlines 'o["timestamp"]' | sed -n 1p)" +%s.%N)
t1=$(ingest_requests | jlines 'o["t"]' | sed -n 1p)
lat=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
diag "follow latency: $lat s"
ok "follow latency under a second ($lat s)" awk -v l="$lat" 'BEGIN { exit !(l < 1.0) }'
is "start = tail: entries from before the start are not sent" "$(ingest_grep_count '^pre ')" 0

# own diagnostics by identifier, a 1 MiB message, a binary message
printf '%s\n' '{"MESSAGE":"self by identifier","SYSLOG_IDENTIFIER":"auralog-journald"}' \
    '{"MESSAGE":{"repeat":"x","n":1048576},"SYSLOG_IDENTIFIER":"big","PRIORITY":"6"}' \
    '{"MESSAGE":{"hex":"6c6976650062696eff"},"SYSLOG_IDENTIFIER":"livebin"}' \
    '{"MESSAGE":"marker one","SYSLOG_IDENTIFIER":"ftest"}' | jsend
ok "entries after it arrive" wait_grep 10 '^marker one$' 1
is "entries with SYSLOG_IDENTIFIER=auralog-journald are not forwarded" "$(ingest_grep_count '^self by identifier')" 0
big=$(ingest_entries | jlines 'str(len(o["message"])) + " " + json.dumps(o["metadata"].get("truncated")) + " " + json.dumps(o["metadata"].get("message_bytes")) if o["metadata"].get("program") == "big" else None')
is "1 MiB message: cut to max_message_bytes, truncated, original length" "$big" "65536 true 1048576"
is "binary message over the native protocol" \
    "$(ingest_entries | jlines 'json.dumps(o["message"]) if o["metadata"].get("program") == "livebin" else None')" \
    '"live\u0000bin\ufffd"'

# idle: no busy loop, no timer wake-ups
sleep 1
c0=$(cpu_ticks "$READER_PID")
sleep 10
c1=$(cpu_ticks "$READER_PID")
diag "CPU of the idle follower over 10 s: $((c1 - c0)) ticks of 1/$(getconf CLK_TCK) s"
ok "idle follower uses ~0 CPU over 10 s (< 0.05 s)" test $(((c1 - c0) * 100 / $(getconf CLK_TCK))) -lt 5

# SIGTERM: exit 0, state = the last entry read
ok "SIGTERM: reader exits 0" eval "kill -TERM $READER_PID; wait $READER_PID"
last=$(jctl -o export -n 1 | sed -n 's/^__CURSOR=//p')
is "state file holds the cursor of the last entry" "$(state_cursor)" "$last"

# restart: resume after the saved cursor, no duplicates
jsend --count 3 --message "while down %d" --field SYSLOG_IDENTIFIER=ftest
run_reader --config "$T/a.conf" --namespace "$JNS" --start head
ok "restarted reader is READY" wait_ready 2
ok "entries written while it was down arrive" wait_grep 10 '^while down ' 3
jlog ftest "after restart"
ok "and it follows again" wait_grep 5 '^after restart$' 1
is "no duplicates across the restart" \
    "$(ingest_entries | jlines 'o["message"][:200]' | sort | uniq -d | head -n 3)" ""
is "the saved cursor wins over start = head" "$(ingest_grep_count '^pre ')" 0
kill -TERM "$READER_PID"; wait "$READER_PID"

# own diagnostics by PID: the reader's stderr goes into the same journal under
# another identifier (as under systemd); it must not read itself back.
ingest_reset
"$PYTHON3" "$JHELP" cat "/run/systemd/journal.$JNS/stdout" selfcheck \
    "$AURALOG_JOURNALD" --config "$T/a.conf" --namespace "$JNS" --state-file "$T/state-self" --start tail --verbose &
READER_PID=$!
register_pid "$READER_PID"
ok "self-logging reader is READY" wait_ready 3
jlog ftest "marker two"
ok "it forwards others' entries" wait_grep 10 '^marker two$' 1
kill -USR1 "$READER_PID"
sleep 0.5
jlog ftest "marker three"
ok "and later ones" wait_grep 10 '^marker three$' 1
ok "its own diagnostics did reach the journal (the test means something)" test "$(jcount -t selfcheck)" -gt 0
is "its own diagnostics (same PID, other identifier) are not forwarded" \
    "$(ingest_entries | jlines 'o["message"] if o["metadata"].get("program") == "selfcheck" else None' | head -n 3)" ""
kill -TERM "$READER_PID"; wait "$READER_PID"

# start = head
ingest_reset
ok "start = head --once exits 0" timeout 30 "$AURALOG_JOURNALD" --config "$T/a.conf" --namespace "$JNS" \
    --state-file "$T/state-head" --start head --once
is "start = head: the first entries are sent" "$(ingest_grep_count '^pre [0-4]$')" 5
is "start = head: everything in the journal is sent (less our own)" "$(ingest_count)" \
    "$(($(jcount) - $(jcount SYSLOG_IDENTIFIER=auralog-journald)))"

done_testing
