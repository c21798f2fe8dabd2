#!/bin/bash
# Running as a service: sd_notify READY/STATUS/WATCHDOG/STOPPING, command-line
# errors, an unusable state directory, SIGHUP, and the shipped unit file.
. "${top_srcdir:?}/tests/journal/lib-journal.sh"
test_init journal-service

FIX=$top_srcdir/tests/fixtures/journal/mapping.export
mkdir -p "$T/d"
make_journal "$T/d/fixture.journal" "$FIX" || bail_out "systemd-journal-remote failed on $FIX"
start_ingest || bail_out "fake ingest did not start"
notify_listen
write_config "$T/a.conf"

rc=0; "$AURALOG_JOURNALD" --config "$T/a.conf" --directory "$T/d" --namespace foo --once 2>"$T/err" || rc=$?
is "--directory with --namespace: usage error (exit 2)" "$rc" 2
like "and says why" "$(cat "$T/err")" "mutually exclusive"
rc=0; "$AURALOG_JOURNALD" --config "$T/a.conf" --start sometime --once 2>"$T/err" || rc=$?
is "--start with a bad mode: exit 2" "$rc" 2
rc=0; "$AURALOG_JOURNALD" --config "$T/a.conf" --directory "$T/d" --state-file "$T/nodir/state" --once 2>"$T/err" || rc=$?
is "state file in a missing directory: exit 1" "$rc" 1
like "and names it" "$(cat "$T/err")" "$T/nodir/state"
ok "--check validates with front-end options" "$AURALOG_JOURNALD" --config "$T/a.conf" --directory "$T/d" --check

WATCHDOG_USEC=300000 run_reader --config "$T/a.conf" --directory "$T/d" --start head
ok "READY=1" wait_ready 1
ok "everything of the directory arrives" ingest_wait_count 34 10
ok "WATCHDOG=1 pings with WATCHDOG_USEC set" wait_until 3 grep -q 'WATCHDOG=1' "$T/notify.log"
write_config "$T/a.conf" journal.fields=CODE_LINE
kill -HUP "$READER_PID"
ok "SIGHUP: configuration reloaded" wait_until 5 grep -q "configuration reloaded" "$T/reader.err"
gen_export 5 0feedf00d0feedf00d0feedf00d0feed 1800000000000000 SYSLOG_IDENTIFIER=afterhup CODE_LINE=%d >"$T/hup.export"
make_journal "$T/hup.journal" "$T/hup.export" && mv "$T/hup.journal" "$T/d/hup.journal"
ok "entries after the reload arrive" ingest_wait_count 39 10
is "with the reloaded [journal] fields" \
    "$(ingest_entries | jlines 'o["metadata"].get("code_line") if o["metadata"].get("program") == "afterhup" else None' | xargs)" \
    "0 1 2 3 4"
ok "SIGTERM: exits 0" eval "kill -TERM $READER_PID; wait $READER_PID"
like "state saved after the reload: at the last entry" "$(state_cursor)" ';i=5;'
ok "no errors logged" ! grep -E "error|warning" "$T/reader.err"
ok "STOPPING=1 sent" grep -q 'STOPPING=1' "$T/notify.log"
is "no duplicates" "$(ingest_entries | jlines 'o["message"]' | sort | uniq -d | head -n 3)" ""

unit=$top_srcdir/conf/auralog-journald.service
for want in '^Type=notify$' '^WatchdogSec=' '^Restart=on-failure$' '^StateDirectory=auralog$' \
    '^SupplementaryGroups=systemd-journal$' '^NoNewPrivileges=yes$' '^ProtectSystem=strict$' '^ProtectHome=yes$' \
    '^PrivateTmp=yes$' '^RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6$'; do
    ok "unit file: $want" grep -q "$want" "$unit"
done
if command -v systemd-analyze >/dev/null; then
    systemd-analyze verify "$unit" >"$T/verify" 2>&1
    is "systemd-analyze verify: no complaints but the uninstalled binary" \
        "$(grep -v 'auralog-journald is not executable' "$T/verify")" ""
fi

done_testing
