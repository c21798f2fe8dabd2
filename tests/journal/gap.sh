#!/bin/bash
# Entries vacuumed before they were read (SPEC §12): the bridge is stopped,
# entries are written, the journal is rotated and vacuumed, the bridge starts
# again.  The number it reports lost equals what really went (seqnums present
# before the vacuum, after the saved cursor, absent after it), it is logged,
# and self-reported exactly once (capture_errors).
. "${top_srcdir:?}/tests/journal/lib-journal.sh"
test_init journal-gap

start_journald
start_ingest || bail_out "fake ingest did not start"
MPORT=$(free_port)
write_config "$T/a.conf" auralog.flush_interval=0.05 "journal.state_file=$T/state" "metrics.listen=127.0.0.1:$MPORT"

# seqnums of every entry in the namespace journal, one per line (from the
# cursors: journalctl of systemd 252 has no __SEQNUM field yet)
seqnums() {
    jctl -o export 2>/dev/null | sed -n 's/^__CURSOR=.*;i=\([0-9a-f]*\);.*/\1/p' |
        while read -r h; do printf '%d\n' "0x$h"; done | sort -n
}
cursor_seq() {
    state_cursor | tr ';' '\n' | sed -n 's/^i=//p' | { read -r h && printf '%d\n' "0x$h"; }
}

jsend --count 50 --message "a %d" --field SYSLOG_IDENTIFIER=gap
jsync || bail_out "journald does not take entries"
run_reader --config "$T/a.conf" --namespace "$JNS" --start head
ok "first run delivers what is there" wait_grep 30 '^a [0-9]+$' 50
ok "SIGTERM: exits 0" eval "kill -TERM $READER_PID; wait $READER_PID"
saved=$(cursor_seq)
ok "a cursor was saved" test -n "$saved"

# while the bridge is down: entries in a file that gets vacuumed, then more in a new one
jsend --count 200 --message "b %d" --field SYSLOG_IDENTIFIER=gap
jsync
ok "rotate" jctl --rotate
seqnums >"$T/before"
ok "vacuum: only the new active file is left" jctl --vacuum-files=1
jsend --count 30 --message "c %d" --field SYSLOG_IDENTIFIER=gap
jsync
seqnums >"$T/after"
# really lost: in the journal before the vacuum, after the saved cursor, gone after it
gone() { awk 'NR == FNR { left[$1]; next } !($1 in left)' "$T/after" "$T/before"; }
lost=$(gone | awk -v s="$saved" '$1 > s' | wc -l)
diag "cursor at seqnum $saved; the vacuum removed $(gone | wc -l) entries, $lost of them unread"
ok "the vacuum lost unread entries" test "$lost" -gt 0
first_left=$(awk -v s="$saved" '$1 > s' "$T/after" | head -n 1)
is "what is left follows the lost range without a hole" "$first_left" "$((saved + lost + 1))"

notify_listen
run_reader --config "$T/a.conf" --namespace "$JNS"
ok "what was left is delivered" wait_grep 30 '^c [0-9]+$' 30
_self_report() {
    ingest_entries | jlines 'o["message"] if o.get("metadata", {}).get("source") == "auralog-bridge" and "vacuumed" in o["message"] else None'
}
ok "a self-report arrives" wait_until 10 eval '[ -n "$(_self_report)" ]'
is "exactly one self-report" "$(_self_report | wc -l)" 1
like "it counts exactly what was lost" "$(_self_report)" "^journal: $lost entries were vacuumed or rotated away before they were read \(between [0-9T:-]+Z and [0-9T:-]+Z, seqnum $((saved + 1))\.\.$((saved + lost))\)"
is "its level is error" "$(ingest_entries | jlines 'o["level"] if o.get("metadata", {}).get("source") == "auralog-bridge" else None')" "error"
ok "logged" grep -q "auralog-journald: warning: journal: $lost entries were vacuumed" "$T/reader.err"
_lost_stat() {
    kill -USR1 "$READER_PID"
    wait_until 5 grep -q "journal_lost=" "$T/reader.err" && grep -o "journal_lost=[0-9]*" "$T/reader.err" | tail -n 1
}
is "the stats line counts it" "$(_lost_stat)" "journal_lost=$lost"
metric() {
    "$PYTHON3" "$FAKE_INGEST" --client GET "http://127.0.0.1:$MPORT/metrics" | awk -v k="$1" '$1 == k { print $2 }'
}
is "journal_lost_entries_total" "$(metric auralog_journal_lost_entries_total)" "$lost"
is "journal_behind_seconds is 0 at the end of the journal" "$(metric auralog_journal_behind_seconds)" 0
is "journal_skipped_files_total" "$(metric auralog_journal_skipped_files_total)" 0
ok "STATUS= shows backlog, lag and the last success" \
    wait_until 10 grep -Eq 'STATUS=.*; backlog [0-9]+, lag [0-9.]+ s, last success [0-9]{4}-' "$T/notify.log"
diag "$(grep 'STATUS=' "$T/notify.log" | tail -n 1)"
ok "no b entry arrived (they were vacuumed)" test "$(ingest_grep_count '^b [0-9]+$')" = 0

# new entries while running: consecutive, no further report
jsend --count 20 --message "d %d" --field SYSLOG_IDENTIFIER=gap
ok "later entries arrive" wait_grep 30 '^d [0-9]+$' 20
is "still one self-report" "$(_self_report | wc -l)" 1
ok "SIGTERM: exits 0" eval "kill -TERM $READER_PID; wait $READER_PID"

# A gap in the middle of what is read, far from the saved cursor and the
# end (the seqnums are sampled every few dozen entries: a window holding the
# gap is read again entry by entry): entries e, then f in a file of their
# own that goes away while the bridge is down, then g.
saved=$(cursor_seq)
jsend --count 150 --message "e %d" --field SYSLOG_IDENTIFIER=gap
jsync
ok "rotate after e" jctl --rotate
jsend --count 150 --message "f %d" --field SYSLOG_IDENTIFIER=gap
jsync
ok "rotate after f" jctl --rotate
jsend --count 150 --message "g %d" --field SYSLOG_IDENTIFIER=gap
jsync
seqnums >"$T/before2"
# the archived file with the highest first seqnum (system@ID-FIRSTSEQ-TIME.journal) holds f
ffile=$(ls "$JDIR" | grep '^system@.*\.journal$' | sort -t- -k2 | tail -n 1)
ok "the file holding f is removed" rm "$JDIR/$ffile"
seqnums >"$T/after2"
gone2() { awk 'NR == FNR { left[$1]; next } !($1 in left)' "$T/after2" "$T/before2"; }
lost2=$(gone2 | awk -v s="$saved" '$1 > s' | wc -l)
first2=$(gone2 | awk -v s="$saved" '$1 > s' | head -n 1)
last2=$(gone2 | awk -v s="$saved" '$1 > s' | tail -n 1)
diag "cursor at seqnum $saved; removed $lost2 unread entries, seqnum $first2..$last2"
ok "the removed file held unread entries" test "$lost2" -gt 0
is "the removed range has no hole" "$((last2 - first2 + 1))" "$lost2"
: >"$T/reader.err" # _lost_stat reads the last stats line of this run
run_reader --config "$T/a.conf" --namespace "$JNS"
ok "what was left is delivered" wait_grep 30 '^g [0-9]+$' 150
ok "two self-reports" wait_until 10 eval '[ "$(_self_report | wc -l)" = 2 ]'
like "the second counts exactly what was lost, where" "$(_self_report | tail -n 1)" "^journal: $lost2 entries were vacuumed or rotated away before they were read \(between [0-9T:-]+Z and [0-9T:-]+Z, seqnum $first2\.\.$last2\)"
is "e arrived whole" "$(ingest_grep_count '^e [0-9]+$')" 150
is "no f entry arrived" "$(ingest_grep_count '^f [0-9]+$')" 0
is "the stats line counts it" "$(_lost_stat)" "journal_lost=$lost2"
ok "SIGTERM: exits 0" eval "kill -TERM $READER_PID; wait $READER_PID"
done_testing
