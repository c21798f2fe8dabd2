#!/bin/bash
# Rotation and vacuuming while the reader is busy reading (a slow endpoint
# keeps it behind): rotation loses and repeats nothing; vacuuming files it has
# not read yet is survived, said, and what comes after arrives.
. "${top_srcdir:?}/tests/journal/lib-journal.sh"
test_init journal-rotate

start_journald
start_ingest --script '{"default":{"status":200,"delay":0.05}}' || bail_out "fake ingest did not start"
write_config "$T/a.conf" delivery.max_batch_entries=100 delivery.max_queue_entries=500 auralog.flush_interval=0.05 \
    delivery.retry_max=2

jsend --count 3000 --message "r1 %d" --field SYSLOG_IDENTIFIER=rot
jsync || bail_out "journald does not take entries"
run_reader --config "$T/a.conf" --namespace "$JNS" --start head
ok "reading" ingest_wait_count 300 30
ok "journalctl --rotate while reading" jctl --rotate
jsend --count 3000 --message "r2 %d" --field SYSLOG_IDENTIFIER=rot
ok "rotate again" jctl --rotate
jsend --count 1000 --message "r3 %d" --field SYSLOG_IDENTIFIER=rot
jsync
diag "at the second rotation $(ingest_count) entries had arrived; journal files: $(ls "$JDIR" | wc -l)"
ok "everything arrives across the rotations" wait_grep 60 '^r[123] [0-9]+$' 7000
is "no duplicates" "$(ingest_entries | jlines 'o["message"] if o["metadata"].get("program") == "rot" else None' | sort | uniq -d | head -n 3)" ""
ok "reader still running" kill -0 "$READER_PID"

# vacuum while behind: files not yet read are deleted under the reader.  The
# endpoint answers 503 meanwhile, so the reader holds at most max_queue_entries
# unacknowledged entries and is behind whatever the machine's speed.
ingest_script '{"default":{"status":503}}'
jsend --count 3000 --message "v1 %d" --field SYSLOG_IDENTIFIER=rot
ok "rotate" jctl --rotate
jsend --count 3000 --message "v2 %d" --field SYSLOG_IDENTIFIER=rot
ok "rotate" jctl --rotate
jsync
ok "reader is behind" test "$(ingest_grep_count '^v2 ')" -lt 3000
ok "journalctl --vacuum-files=1 while the reader is behind" jctl --vacuum-files=1
ingest_script '{"default":{"status":200}}'
jsend --count 500 --message "after vacuum %d" --field SYSLOG_IDENTIFIER=rot
ok "entries written after the vacuum arrive" wait_grep 60 '^after vacuum [0-9]+$' 500
ok "reader survived the vacuum" kill -0 "$READER_PID"
is "no duplicates" "$(ingest_entries | jlines 'o["message"] if o["metadata"].get("program") == "rot" else None' | sort | uniq -d | head -n 3)" ""
diag "of the 6000 entries in vacuumed files, $(ingest_grep_count '^v[12] ') were read before they went"
like "rotation / vacuuming is logged" "$(cat "$T/reader.err")" "added or removed"
ok "SIGTERM: exits 0" eval "kill -TERM $READER_PID; wait $READER_PID"

done_testing
