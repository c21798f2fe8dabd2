#!/bin/bash
# Errors overtake a backlog (SPEC §11): 200,000 entries of backlog behind an
# endpoint that answers every request slowly; an error (PRIORITY 3) logged
# then reaches the endpoint while most of the backlog is still undelivered;
# once the backlog has drained, exactly one copy of it has arrived and every
# backlog entry arrived exactly once.  What the reader would not forward
# (filtered out, its own diagnostics) is not sent ahead either, and a stack
# trace whose lines are PRIORITY 3 is left to the main reader, folded whole.
. "${top_srcdir:?}/tests/journal/lib-journal.sh"
test_init journal-ahead

N=${AHEAD_ENTRIES:-200000}
start_journald
# every request waits 0.3 s: 1000 entries per 0.3 s, the backlog would take a minute
start_ingest --script '{"default": {"delay": 0.3}}' || bail_out "fake ingest did not start"
write_config "$T/a.conf" delivery.max_batch_entries=1000 auralog.flush_interval=0.5 \
    "journal.identifiers=backlog ahead auralog-journald"

jsend --count "$N" --message "bk %d" --field SYSLOG_IDENTIFIER=backlog --field PRIORITY=6
jsync 120 || bail_out "journald did not take the backlog"
is "the journal holds the backlog" "$(jcount -t backlog)" "$N"

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
ok "the error arrives while the backlog is being delivered" wait_grep 60 "^$marker\$" 1
# entries.jsonl is in the order the endpoint accepted them: what came before the error
before=$(ingest_entries | jlines 'o["message"]' | awk -v m="$marker" '$0 == m { exit } /^bk / { n++ } END { print n + 0 }')
diag "backlog entries delivered before the error: $before of $N"
ok "most of the backlog was still undelivered when the error arrived ($before of $N delivered)" \
    test "$before" -lt $((N / 2))

# lift the delay, let the backlog drain; an entry after everything says the reader passed the error
ingest_script '{}' || bail_out "cannot change the endpoint script"
printf '{"MESSAGE":"after-%s","SYSLOG_IDENTIFIER":"ahead","PRIORITY":"6"}\n' "$marker" | jsend
ok "the backlog drains" wait_grep 150 "^after-$marker\$" 1
ingest_entries | jlines 'o["message"] if o["message"].startswith("bk ") else None' | sort >"$T/received"
is "every backlog entry arrived" "$(sort -u "$T/received" | wc -l)" "$N"
is "no backlog entry twice" "$(wc -l <"$T/received")" "$N"
is "exactly one copy of the error" "$(ingest_grep_count "^$marker\$")" 1
is "an error the filters leave out is not sent ahead" "$(ingest_grep_count "^filtered-$marker\$")" 0
is "our own diagnostics are not sent ahead" "$(ingest_grep_count "^own-$marker\$")" 0
is "the stack trace arrives as one entry" \
    "$(ingest_entries | jlines 'str(o["metadata"].get("stack_lines")) + " " + o["level"] if o["message"].endswith("trace-'"$marker"'") else None')" \
    "4 error"
is "none of its lines arrives alone" "$(ingest_grep_count '^(Traceback|  File|    main)')" 0

kill -USR1 "$READER_PID"
ok "stats line says one error went ahead and was skipped in order" \
    wait_until 10 grep -q 'errors_ahead=1 ahead_skipped=1' "$T/reader.err"
rss=$(awk '/^RssAnon:/ { print $2 }' "/proc/$READER_PID/status")
diag "reader RssAnon after the backlog: $rss kB"
ok "RssAnon under 16 MB ($rss kB)" test "$rss" -lt 16384
ok "SIGTERM: exits 0" eval "kill -TERM $READER_PID; wait $READER_PID"
done_testing
