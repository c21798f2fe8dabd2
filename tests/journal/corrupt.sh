#!/bin/bash
# Broken journal files: garbage, truncated, scribbled-over and empty files in
# --directory are skipped (what can be read is read, exit 0); a file truncated
# while the reader has it mapped (SIGBUS) does not kill the reader.
. "${top_srcdir:?}/tests/journal/lib-journal.sh"
test_init journal-corrupt

start_ingest || bail_out "fake ingest did not start"
FIX=$top_srcdir/tests/fixtures/journal/mapping.export
mkdir -p "$T/d" "$T/sb"
make_journal "$T/d/good.journal" "$FIX" || bail_out "systemd-journal-remote failed on $FIX"
gen_export 4000 0badb0070badb0070badb0070badb007 1600000000000000 SYSLOG_IDENTIFIER=trunc >"$T/t.export"
make_journal "$T/t.journal" "$T/t.export" || bail_out "systemd-journal-remote failed"
size=$(stat -c %s "$T/t.journal")
head -c $((size / 2)) "$T/t.journal" >"$T/d/truncated.journal"
head -c 65536 /dev/urandom >"$T/d/garbage.journal"
: >"$T/d/empty.journal"
cp "$T/t.journal" "$T/d/scribbled.journal"
# overwrite a stretch in the middle (entry and data objects) with random bytes
dd if=/dev/urandom of="$T/d/scribbled.journal" bs=1 seek=$((size / 3)) count=4096 conv=notrunc status=none
write_config "$T/a.conf"

once_err() { timeout 60 "$AURALOG_JOURNALD" "$@" 2>"$T/once.err"; }
ok "--directory with broken files: --once exits 0" once_err --config "$T/a.conf" --directory "$T/d" --once --start head
like "files that cannot be opened are named" "$(cat "$T/once.err")" "skipping journal file $T/d/garbage.journal"
like "the empty one too" "$(cat "$T/once.err")" "skipping journal file $T/d/empty.journal"
got=$(ingest_entries | jlines 'o["metadata"].get("program") if o["metadata"].get("host") == "fixture-host" else None' | wc -l)
is "every entry of the good file arrived" "$got" 33
diag "entries from the truncated and scribbled copies: $(ingest_grep_count '^gen ')"
ok "readable entries of the damaged files arrived too" test "$(ingest_grep_count '^gen ')" -gt 0

ingest_reset
ok "--file with a garbage file among good ones: exits 0" once_err --config "$T/a.conf" --state-file "$T/state-f" \
    --file "$T/d/garbage.journal" --file "$T/d/good.journal" --once --start head
is "the good file's entries arrive" "$(ingest_count)" 34
like "the garbage file is named" "$(cat "$T/once.err")" "skipping journal file $T/d/garbage.journal"

# SIGBUS: truncate the file the follower is in the middle of
ingest_reset
ingest_script '{"default":{"status":200,"delay":0.1}}'
gen_export 30000 0badb0070badb0070badb0070badb007 1600000000000000 SYSLOG_IDENTIFIER=big >"$T/big.export"
make_journal "$T/sb/big.journal" "$T/big.export" || bail_out "systemd-journal-remote failed"
write_config "$T/b.conf" "journal.state_file=$T/state-b" delivery.max_batch_entries=100 delivery.max_queue_entries=200 \
    auralog.flush_interval=0.05
run_reader --config "$T/b.conf" --directory "$T/sb" --start head
ok "follower is reading the big file" ingest_wait_count 300 10
truncate -s $(($(stat -c %s "$T/sb/big.journal") / 8)) "$T/sb/big.journal"
ingest_script '{"default":{"status":200}}'
sleep 2
ok "the follower survives its file shrinking under it" kill -0 "$READER_PID"
gen_export 10 0feedf00d0feedf00d0feedf00d0feed 1700000000000000 SYSLOG_IDENTIFIER=newfile >"$T/new.export"
make_journal "$T/new.journal" "$T/new.export" && mv "$T/new.journal" "$T/sb/new.journal"
ok "and goes on with a new file" wait_until 20 _newfile_arrived
like "the SIGBUS is logged" "$(cat "$T/reader.err")" "shrank while being read"
ok "SIGTERM: exits 0" eval "kill -TERM $READER_PID; wait $READER_PID"

done_testing
