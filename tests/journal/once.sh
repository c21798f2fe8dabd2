#!/bin/bash
# --once as a cron job uses it (SPEC §8): exit 0 only when everything read was
# acknowledged; an endpoint that is down ends --timeout SECONDS with exit 1
# and the state file at the last acknowledged entry, so the next run delivers
# everything; a SIGINT with entries unacknowledged exits 1 too.  Usage errors
# of its options are one line each, exit 2.
. "${top_srcdir:?}/tests/journal/lib-journal.sh"
test_init journal-once

FIX=$top_srcdir/tests/fixtures/journal/mapping.export
make_journal "$T/fixture.journal" "$FIX" || bail_out "systemd-journal-remote failed on $FIX"
N=34 # entries in the fixture

# 1. the endpoint is down (nothing listens on the port): --timeout ends the run
down=$(free_port)
write_config "$T/down.conf" "auralog.endpoint=http://127.0.0.1:$down"
rc=0
timeout 60 "$AURALOG_JOURNALD" --config "$T/down.conf" --file "$T/fixture.journal" --once --start head \
    --timeout 3 2>"$T/down.err" || rc=$?
is "endpoint down: --once --timeout 3 exits 1" "$rc" 1
ok "it says entries were not acknowledged" grep -q -- "--once: stopped with $N entries not acknowledged" "$T/down.err"
_diag_file "$T/down.err"

# 2. the endpoint is back: the next run starts where delivery stopped and delivers all
start_ingest || bail_out "fake ingest did not start"
write_config "$T/up.conf"
rc=0
timeout 60 "$AURALOG_JOURNALD" --config "$T/up.conf" --file "$T/fixture.journal" --once --start head \
    --timeout 30 2>"$T/up.err" || rc=$?
is "endpoint up: --once --timeout 30 exits 0" "$rc" 0
is "every entry arrived after the failed run" "$(ingest_count)" "$N"

# 2b. both lanes (batches, and errors at once) fail for a while, then recover:
# one "recovered" line for the outage, counts in the singular where they are 1
ingest_reset
ingest_script '{"steps": [{"status": 503, "count": 6}]}'
rm -f "$T/state"
rc=0
timeout 60 "$AURALOG_JOURNALD" --config "$T/up.conf" --file "$T/fixture.journal" --once --start head \
    --timeout 30 2>"$T/flaky.err" || rc=$?
is "503s then 200: exits 0" "$rc" 0
is "every entry arrived" "$(ingest_count)" "$N"
is "one 'recovered' line for the outage" "$(grep -c 'recovered after' "$T/flaky.err")" 1
ok "no '1 entries'" bash -c "! grep -q ' 1 entries' '$T/flaky.err'"
_diag_file "$T/flaky.err"

# 3. SIGINT while the endpoint fails: exit 1, not 0
ingest_reset
ingest_script '{"default": {"status": 503}}'
rm -f "$T/state"
run_reader --config "$T/up.conf" --file "$T/fixture.journal" --once --start head
ok "the reader tried to send" wait_until 20 bash -c "[ \$(wc -l <'$INGEST_DIR/requests.jsonl') -gt 0 ]"
kill -INT "$READER_PID"
rc=0
wait "$READER_PID" || rc=$?
is "SIGINT with entries unacknowledged exits 1" "$rc" 1
ok "it says how many were not acknowledged" grep -q -- "--once: stopped with [0-9]* entries\? not acknowledged" "$T/reader.err"

# 4. usage errors: one line each, exit 2
usage() { # usage ARGS...: "RC|STDERR" of a run that must not start
    local out rc=0
    out=$("$AURALOG_JOURNALD" --config "$T/up.conf" "$@" 2>&1 >/dev/null) || rc=$?
    printf '%s|%s' "$rc" "$out"
}
is "--start middle: one error line, exit 2" "$(usage --once --start middle)" \
    '2|auralog-journald: error: --start: must be head, tail or boot, got "middle" (see auralog-journald --help)'
is "--timeout without --once: exit 2" "$(usage --timeout 5)" \
    '2|auralog-journald: error: --timeout only applies to --once'
is "--timeout 0: exit 2" "$(usage --once --timeout 0)" \
    '2|auralog-journald: error: --timeout: must be a number of seconds > 0, got "0" (see auralog-journald --help)'
done_testing
