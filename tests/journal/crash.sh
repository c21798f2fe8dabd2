#!/bin/bash
# At-least-once under failure: kill -9 in the middle of a 200k-entry backlog,
# restart, compare with the journal (nothing missing; duplicates no more than
# what was in flight: the cursor is saved after every acknowledgement); the
# endpoint down for 20 s while following (everything arrives once it is back).
. "${top_srcdir:?}/tests/journal/lib-journal.sh"
test_init journal-crash

N=${CRASH_ENTRIES:-200000}
BATCH=1000
# What a kill -9 may re-send: the one request in flight on the normal lane (the
# backlog holds no error entries for the urgent lane), whose answer the reader
# never saw, plus the acknowledged entries after the newest saved cursor
# (a cursor is kept every 100 entries, journal-reader/main.c CHECKPOINT_EVERY).
IN_FLIGHT=$((BATCH * 1 + 100))
start_journald
start_ingest || bail_out "fake ingest did not start"
write_config "$T/a.conf" delivery.max_queue_entries=20000 delivery.max_batch_entries=$BATCH auralog.flush_interval=0.5

t=$EPOCHREALTIME
jsend --count "$N" --message "bk %d" --field SYSLOG_IDENTIFIER=backlog
jsync 120 || bail_out "journald did not take the backlog"
diag "wrote $N entries in $(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
is "the journal holds the backlog" "$(jcount -t backlog)" "$N"

t=$EPOCHREALTIME
run_reader --config "$T/a.conf" --namespace "$JNS" --start head
ok "reader gets into the backlog" ingest_wait_count $((N * 2 / 5)) 120
kill -KILL "$READER_PID"
wait "$READER_PID" 2>/dev/null
sleep 1 # requests the endpoint answered just before the kill are still being recorded
at_kill=$(ingest_count)
saved=$(state_cursor)
diag "killed at $at_kill entries received; saved cursor: $saved"
ok "a cursor was saved before the kill" test -n "$saved"
# index K of the backlog entry the saved cursor names
K=$(jctl -o json --cursor "$saved" -n 1 2>/dev/null | jlines 'o["MESSAGE"]' | sed -n 's/^bk //p')
[ -n "$K" ] || K=-1
diag "saved cursor is entry bk $K"

run_reader --config "$T/a.conf" --namespace "$JNS" --start head
ok "after the restart, everything arrives" wait_until 180 _all_backlog
diag "reader RssAnon after the backlog: $(awk '/^RssAnon:/ { print $2 " " $3 }' "/proc/$READER_PID/status")"
diag "backlog of $N delivered in $(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s (incl. the crash)"
ingest_entries | jlines 'o["message"] if o["message"].startswith("bk ") else None' | sort >"$T/received"
uniq "$T/received" >"$T/unique"
is "no backlog entry missing (unique entries received)" "$(wc -l <"$T/unique")" "$N"
dups=$(($(wc -l <"$T/received") - $(wc -l <"$T/unique")))
unsaved=$((at_kill - K - 1))
diag "duplicates: $dups; received but not yet saved as acknowledged at the kill: $unsaved"
ok "duplicates ($dups) no more than what was received after the saved cursor ($unsaved)" test "$dups" -le "$unsaved"
ok "duplicates ($dups) no more than what can be in flight ($IN_FLIGHT: one batch of $BATCH + the cursor spacing)" \
    test "$dups" -le "$IN_FLIGHT"
is "every duplicate comes after the saved cursor" \
    "$(uniq -d "$T/received" | sed 's/^bk //' | awk -v k="$K" '$1 <= k' | head -n 3)" ""
kill -TERM "$READER_PID"; wait "$READER_PID"

# Endpoint down for 20 s while following
ingest_reset
run_reader --config "$T/a.conf" --namespace "$JNS" --start head
jlog down "before the outage"
ok "following" wait_grep 10 '^before the outage$' 1
stop_ingest
jsend --count 2000 --message "down %d" --field SYSLOG_IDENTIFIER=down
printf '%s\n' '{"MESSAGE":"error while down","SYSLOG_IDENTIFIER":"down","PRIORITY":"3"}' | jsend
sleep 20
ok "reader survives 20 s without an endpoint" kill -0 "$READER_PID"
restart_ingest
ok "after the endpoint is back, everything written meanwhile arrives" wait_grep 30 '^down [0-9]+$' 2000
ok "the error entry too" wait_grep 10 '^error while down$' 1
kill -TERM "$READER_PID"; wait "$READER_PID"

done_testing
