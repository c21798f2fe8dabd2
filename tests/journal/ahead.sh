#!/bin/bash
# Errors overtake a backlog (SPEC §11): 200,000 entries of backlog behind an
# endpoint that answers every request slowly; an error (PRIORITY 3) logged
# then reaches the endpoint while most of the backlog is still undelivered;
# once the backlog has drained, exactly one copy of it has arrived and every
# backlog entry arrived exactly once.  An error sent ahead and not yet
# acknowledged is never passed by the saved cursor (kill -9, restart: it
# arrives).  What the reader would not forward
# (filtered out, its own diagnostics) is not sent ahead either, and a stack
# trace whose lines are PRIORITY 3 is left to the main reader, folded whole.
. "${top_srcdir:?}/tests/journal/lib-journal.sh"
test_init journal-ahead

N=${AHEAD_ENTRIES:-200000}
# Waiting greps the raw records for a unique marker (parsing 200,000 JSON
# lines at every poll would cost more than the test); counts are taken once.
_received() { grep -qF -- "\"$1\"" "$INGEST_DIR/entries.jsonl" 2>/dev/null; }
_refused() { # requests carrying $1 answered 503, at least $2
    [ "$(grep -F -- "$1" "$INGEST_DIR/requests.jsonl" | grep -c '"status":503')" -ge "$2" ]
}
# what the endpoint accepted, in order: message TAB stack_lines level
_messages() {
    ingest_entries | jlines 'o["message"].replace("\n", " ") + "\t" + str(o["metadata"].get("stack_lines")) + " " + o["level"]' >"$T/messages"
    cut -f1 "$T/messages" >"$T/received"
}
_count() { grep -cx -- "$1" "$T/received"; }

start_journald
# every request waits 0.3 s: 1000 entries per 0.3 s, the backlog would take a minute
start_ingest --script '{"default": {"delay": 0.3}}' || bail_out "fake ingest did not start"
write_config "$T/a.conf" delivery.max_batch_entries=1000 auralog.flush_interval=0.5 \
    "journal.identifiers=backlog ahead auralog-journald"

jsend --count "$N" --message "bk %d" --field SYSLOG_IDENTIFIER=backlog --field PRIORITY=6
jsync 120 || bail_out "journald did not take the backlog"

run_reader --config "$T/a.conf" --namespace "$JNS" --start head
ok "the reader is into the backlog" ingest_wait_count 1000 60

marker=urgent-$RANDOM$RANDOM
printf '{"MESSAGE":"%s","SYSLOG_IDENTIFIER":"ahead","PRIORITY":"3"}\n' "$marker" | jsend
# one stream (one sender process): an error another filter leaves out, our
# own diagnostic, then a stack trace logged at PRIORITY 3 line by line
{
    printf '{"MESSAGE":"filtered-%s","SYSLOG_IDENTIFIER":"other","PRIORITY":"3"}\n' "$marker"
    printf '{"MESSAGE":"own-%s","SYSLOG_IDENTIFIER":"auralog-journald","PRIORITY":"3"}\n' "$marker"
    printf '{"MESSAGE":"%s","SYSLOG_IDENTIFIER":"ahead","PRIORITY":"3"}\n' \
        'Traceback (most recent call last):' \
        '  File \"/srv/app.py\", line 3, in <module>' \
        '    main()' \
        "ValueError: trace-$marker"
} | jsend
ok "the error arrives while the backlog is being delivered" wait_until 60 _received "$marker"

# lift the delay, let the backlog drain; an entry after everything says the reader passed the error
ingest_script '{}' || bail_out "cannot change the endpoint script"
printf '{"MESSAGE":"after-%s","SYSLOG_IDENTIFIER":"ahead","PRIORITY":"6"}\n' "$marker" | jsend
ok "the backlog drains" wait_until 150 _received "after-$marker"
_messages
# the records are in the order the endpoint accepted them: what came before the error
before=$(awk -v m="$marker" '$0 == m { exit } /^bk / { n++ } END { print n + 0 }' "$T/received")
diag "backlog entries delivered before the error: $before of $N"
ok "most of the backlog was still undelivered when the error arrived ($before of $N delivered)" \
    test "$before" -lt $((N / 2))
grep '^bk ' "$T/received" | sort >"$T/backlog"
is "every backlog entry arrived" "$(sort -u "$T/backlog" | wc -l)" "$N"
is "no backlog entry twice" "$(wc -l <"$T/backlog")" "$N"
is "exactly one copy of the error" "$(_count "$marker")" 1
is "an error the filters leave out is not sent ahead" "$(_count "filtered-$marker")" 0
is "our own diagnostics are not sent ahead" "$(_count "own-$marker")" 0
is "the stack trace arrives as one entry" "$(grep -F "trace-$marker" "$T/messages" | cut -f2)" "4 error"
is "none of its lines arrives alone" "$(grep -cE '^(Traceback|  File|    main)' "$T/received")" 0

kill -USR1 "$READER_PID"
ok "stats line says one error went ahead and was skipped in order" \
    wait_until 10 grep -q 'ahead_sent=1 ahead_skipped=1' "$T/reader.err"
rss=$(awk '/^RssAnon:/ { print $2 }' "/proc/$READER_PID/status")
diag "reader RssAnon after the backlog: $rss kB"
if [ "${AURA_SANITIZERS:-0}" = 1 ]; then
    # ASan's shadow memory and quarantine: RSS says nothing about the reader here
    skip "RssAnon under 16 MB ($rss kB)" "sanitizer build"
else
    ok "RssAnon under 16 MB ($rss kB)" test "$rss" -lt 16384
fi
ok "SIGTERM: exits 0" eval "kill -TERM $READER_PID; wait $READER_PID"

# At-least-once: an error sent ahead whose send is not acknowledged (the
# urgent lane gets 503s) must not be passed by the saved cursor.  kill -9
# while it fails; after the restart it arrives (read again in order).
N2=20000
jsend --count "$N2" --message "bk2 %d" --field SYSLOG_IDENTIFIER=backlog --field PRIORITY=6
jsync 60 || bail_out "journald did not take the second backlog"
ingest_reset
ingest_script '{"steps": [{"match": {"path": "/v1/logs/single"}, "status": 503, "count": 100000}],
                "default": {"delay": 0.3}}' || bail_out "cannot change the endpoint script"
run_reader --config "$T/a.conf" --namespace "$JNS" --start head
ok "the restarted reader is into the second backlog" ingest_wait_count 1000 60
marker2=unacked-$RANDOM$RANDOM
printf '{"MESSAGE":"%s","SYSLOG_IDENTIFIER":"ahead","PRIORITY":"3"}\n' "$marker2" | jsend
ok "the error is sent ahead and refused (503) again and again" wait_until 60 _refused "$marker2" 2
kill -KILL "$READER_PID"
wait "$READER_PID" 2>/dev/null
saved=$(state_cursor)
marker2_cursor=$(jctl -o export -t ahead -p 3 | awk -v m="MESSAGE=$marker2" '/^__CURSOR=/ { c = substr($0, 10) } $0 == m { print c }')
diag "saved: $saved; error at: $marker2_cursor"
# one journald, one seqnum ID: the saved cursor's seqnum is below the error's
seq_of() { sed -n 's/^.*;i=\([0-9a-f]*\);.*$/\1/p' <<<"$1"; }
sid_of() { sed -n 's/^s=\([0-9a-f]*\);.*$/\1/p' <<<"$1"; }
is "the saved cursor and the error are in one seqnum ID" "$(sid_of "$saved")" "$(sid_of "$marker2_cursor")"
ok "the saved cursor is before the unacknowledged error" \
    test "$((16#$(seq_of "$saved")))" -lt "$((16#$(seq_of "$marker2_cursor")))"
ingest_script '{}' || bail_out "cannot change the endpoint script"
run_reader --config "$T/a.conf" --namespace "$JNS" --start head
printf '{"MESSAGE":"after-%s","SYSLOG_IDENTIFIER":"ahead","PRIORITY":"6"}\n' "$marker2" | jsend
ok "after the restart everything drains" wait_until 120 _received "after-$marker2"
_messages
is "the error arrives after the restart, once" "$(_count "$marker2")" 1
is "every entry of the second backlog arrived" "$(grep '^bk2 ' "$T/received" | sort -u | wc -l)" "$N2"
ok "SIGTERM: exits 0" eval "kill -TERM $READER_PID; wait $READER_PID"
done_testing
