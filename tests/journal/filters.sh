#!/bin/bash
# Filters, start modes and saved cursors, over journal files built with
# systemd-journal-remote and read with --directory --once.
. "${top_srcdir:?}/tests/journal/lib-journal.sh"
test_init journal-filters

start_ingest || bail_out "fake ingest did not start"
T0=1700000000000000
mkdir -p "$T/f" "$T/boot"

# 0 web info, 1 db err, 2 other crit, 3..5002 noise (debug), 5003 web warn, 5004..5006 our own (err)
"$PYTHON3" - "$T/f.export" "$T0" <<'PY'
import sys
t0 = int(sys.argv[2])
rows = [("web.service", "web", 6, "web info 0"), (None, "db", 3, "db err"), (None, "other", 2, "other crit")]
rows += [("noise.service", "noise", 7, "noise %d" % i) for i in range(5000)]
rows += [("web.service", "web", 4, "web warn")]
rows += [(None, "auralog-journald", 3, "self %d" % i) for i in range(3)]
with open(sys.argv[1], "w") as f:
    for i, (unit, ident, prio, msg) in enumerate(rows):
        f.write("__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n_BOOT_ID=0badb0070badb0070badb0070badb007\n"
                "_HOSTNAME=gen\nMESSAGE=%s\nSYSLOG_IDENTIFIER=%s\nPRIORITY=%d\n" % (t0 + i, 1000 + i, msg, ident, prio))
        if unit:
            f.write("_SYSTEMD_UNIT=%s\n" % unit)
        f.write("\n")
PY
make_journal "$T/f/a.journal" "$T/f.export" || bail_out "systemd-journal-remote failed"

# run CONF-OVERRIDES... -- READER-ARGS...: one --once run, after an ingest reset; prints the messages received, sorted
run_once() {
    local -a kv=() args=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do kv+=("$1"); shift; done
    shift
    args=("$@")
    ingest_reset
    write_config "$T/run.conf" "${kv[@]}"
    timeout 60 "$AURALOG_JOURNALD" --config "$T/run.conf" "${args[@]}" --once 2>>"$T/reader.err" || echo "EXIT $?"
    ingest_entries | jlines 'o["message"]' | grep -v '^noise ' | sort
}

cursor_seq() { # the i= (seqnum) of the cursor in a state file, decimal
    printf '%d' "0x$(sed -n 's/^LAST_CURSOR=.*;i=\([0-9a-f]*\);.*/\1/p' "$1")"
}

got=$(run_once journal.units=web.service "journal.state_file=$T/s-units" -- --directory "$T/f" --start head)
is "units: only the unit's entries" "$(echo $got)" "web info 0 web warn"
is "units: the cursor moved past 5000 filtered-out entries to the last match" "$(cursor_seq "$T/s-units")" 5004

got=$(run_once "journal.identifiers=db other" "journal.state_file=$T/s-ids" -- --directory "$T/f" --start head)
is "identifiers: only those identifiers" "$(echo $got)" "db err other crit"

got=$(run_once journal.min_priority=err "journal.state_file=$T/s-prio" -- --directory "$T/f" --start head)
is "min_priority = err: severities 0-3 only (our own entries never)" "$(echo $got)" "db err other crit"
is "min_priority: cursor moved past the skipped own entries at the end" "$(cursor_seq "$T/s-prio")" 5007

got=$(run_once journal.units=web.service journal.identifiers=db journal.min_priority=warning \
    "journal.state_file=$T/s-all" -- --directory "$T/f" --start head)
is "units OR identifiers, AND min_priority" "$(echo $got)" "db err web warn"

got=$(run_once "journal.state_file=$T/s-none" -- --directory "$T/f" --start head)
is "no filter: everything but our own entries" "$(ingest_count)" 5004
is "no filter: cursor at the last entry" "$(cursor_seq "$T/s-none")" 5007

# More journal after a long filtered-out run: the restart sends only what is new.
gen_export 3000 0badb0070badb0070badb0070badb007 $((T0 + 10000)) SYSLOG_IDENTIFIER=noise PRIORITY=7 >"$T/g.export"
printf '__REALTIME_TIMESTAMP=%s\n__MONOTONIC_TIMESTAMP=99999999\n_BOOT_ID=0badb0070badb0070badb0070badb007\nMESSAGE=web late\nSYSLOG_IDENTIFIER=web\nPRIORITY=6\n_SYSTEMD_UNIT=web.service\n\n' \
    $((T0 + 20000)) >>"$T/g.export"
make_journal "$T/f/b.journal" "$T/g.export" || bail_out "systemd-journal-remote failed"
got=$(run_once journal.units=web.service "journal.state_file=$T/s-units" -- --directory "$T/f" --start head)
is "units, restarted from its state: only the new match" "$(echo $got)" "web late"

# start modes
gen_export 5 0123456789abcdef0123456789abcdef $T0 SYSLOG_IDENTIFIER=oldboot >"$T/old.export"
gen_export 3 "$(current_boot_id)" $((T0 + 1000)) SYSLOG_IDENTIFIER=thisboot >"$T/cur.export"
make_journal "$T/boot/old.journal" "$T/old.export" && make_journal "$T/boot/cur.journal" "$T/cur.export" ||
    bail_out "systemd-journal-remote failed"
run_once "journal.state_file=$T/s-boot" -- --directory "$T/boot" --start boot >/dev/null
is "start = boot: only the current boot's entries" \
    "$(ingest_entries | jlines 'o["metadata"]["program"]' | sort | uniq -c | awk '{ print $2 "=" $1 }' | xargs)" "thisboot=3"
run_once "journal.state_file=$T/s-head" -- --directory "$T/boot" --start head >/dev/null
is "start = head: every entry" "$(ingest_count)" 8
like "a boot ID change is logged" "$(cat "$T/reader.err")" "boot ID changed from 0123456789abcdef0123456789abcdef to $(current_boot_id)"
run_once "journal.state_file=$T/s-tail" -- --directory "$T/boot" --start tail >/dev/null
is "start = tail --once: nothing" "$(ingest_count)" 0
like "start = tail: a state is saved anyway, at the last entry" "$(cat "$T/s-tail" 2>/dev/null)" '^LAST_CURSOR=s='
run_once "journal.state_file=$T/s-tail" -- --directory "$T/boot" --start head >/dev/null
is "with that state, start = head is not used" "$(ingest_count)" 0

# start = tail on an empty journal: whatever appears later is new
ingest_reset
mkdir -p "$T/empty"
write_config "$T/tail.conf" "journal.state_file=$T/s-empty"
run_reader --config "$T/tail.conf" --directory "$T/empty" --start tail
sleep 0.5
cp "$T/boot/cur.journal" "$T/empty/"
ok "start = tail on an empty journal: entries of a file that appears later arrive" ingest_wait_count 3 10
kill -TERM "$READER_PID"; wait "$READER_PID"

# saved cursors that are no good
echo "LAST_CURSOR=garbage" >"$T/s-bad"
: >"$T/reader.err"
run_once "journal.state_file=$T/s-bad" -- --directory "$T/boot" --start head >/dev/null
is "unparsable cursor: falls back to the start mode (head)" "$(ingest_count)" 8
like "unparsable cursor: says so" "$(cat "$T/reader.err")" "not a valid journal cursor"
like "unparsable cursor: then a good state is saved" "$(cat "$T/s-bad")" '^LAST_CURSOR=s='

# a cursor of another journal file (vacuumed): continue at the nearest position by time
printf 'LAST_CURSOR=s=00112233445566778899aabbccddeeff;i=64;b=ffeeddccbbaa99887766554433221100;m=1;t=%x;x=1\n' \
    $((T0 + 100)) >"$T/s-gone"
: >"$T/reader.err"
run_once "journal.state_file=$T/s-gone" -- --directory "$T/f" --start head >/dev/null
is "vanished cursor: continues from the nearest entry after its time" \
    "$(ingest_entries | jlines 'o["message"]' | sed -n 1p)" "noise 97"
like "vanished cursor: says so" "$(cat "$T/reader.err")" "no longer in"

done_testing
