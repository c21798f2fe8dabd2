#!/bin/bash
# Journal entry -> Auralog entry, end to end: a journal file built by
# systemd-journal-remote from tests/fixtures/journal/mapping.export, read with
# --file --once, delivered to the fake endpoint; every SPEC §3-§5 mapping
# case checked on what the endpoint received.
. "${top_srcdir:?}/tests/journal/lib-journal.sh"
test_init journal-mapping

FIX=$top_srcdir/tests/fixtures/journal/mapping.export
make_journal "$T/fixture.journal" "$FIX" || bail_out "systemd-journal-remote failed on $FIX"
start_ingest || bail_out "fake ingest did not start"
write_config "$T/a.conf" "journal.fields=_SYSTEMD_SLICE CODE_LINE"

ok "--once over the fixture exits 0" timeout 30 "$AURALOG_JOURNALD" --config "$T/a.conf" --file "$T/fixture.journal" \
    --once --start head
is "all 34 fixture entries arrived" "$(ingest_count)" 34

# field of the entry whose message is MSG: entry MSG 'python expression on o'
entry() {
    ingest_entries | MSG=$1 jlines "o if o['message'] == __import__('os').environ['MSG'] else None" | jlines "$2"
}

full='full entry'
is "level from PRIORITY=3" "$(entry "$full" 'o["level"]')" error
is "timestamp from _SOURCE_REALTIME_TIMESTAMP" "$(entry "$full" 'o["timestamp"]')" 2023-11-14T22:13:20.123456Z
is "traceId from TRACE_ID" "$(entry "$full" 'o["traceId"]')" trace-abc
is "environment" "$(entry "$full" 'o["environment"]')" production
is "metadata host = _HOSTNAME" "$(entry "$full" 'o["metadata"]["host"]')" fixture-host
is "metadata program = SYSLOG_IDENTIFIER" "$(entry "$full" 'o["metadata"]["program"]')" fixt
is "metadata pid = _PID, as a number" "$(entry "$full" 'json.dumps(o["metadata"]["pid"])')" 4242
is "metadata facility keyword" "$(entry "$full" 'o["metadata"]["facility"]')" authpriv
is "metadata severity keyword" "$(entry "$full" 'o["metadata"]["severity"]')" err
is "metadata unit" "$(entry "$full" 'o["metadata"]["unit"]')" fixt.service
is "metadata user_unit" "$(entry "$full" 'o["metadata"]["user_unit"]')" app.service
is "metadata boot_id" "$(entry "$full" 'o["metadata"]["boot_id"]')" 5a1e5a1e5a1e4a1e8a1e5a1e5a1e5a1e
is "metadata msgid = MESSAGE_ID" "$(entry "$full" 'o["metadata"]["msgid"]')" 0123456789abcdef0123456789abcdef
is "metadata source" "$(entry "$full" 'o["metadata"]["source"]')" journald
is "extra field _SYSTEMD_SLICE as systemd_slice" "$(entry "$full" 'o["metadata"]["systemd_slice"]')" system.slice
is "extra field CODE_LINE as code_line" "$(entry "$full" 'o["metadata"]["code_line"]')" 7
is "fields not asked for are left out" "$(entry "$full" '"comm" in o["metadata"] or "trace_id" in o["metadata"]')" false
is "global host metadata merged under the entry's" "$(entry "$full" '"machine_id" in o["metadata"]')" true

levels=(fatal fatal fatal error warn info info debug)
names=(emerg alert crit err warning notice info debug)
for s in 0 1 2 3 4 5 6 7; do
    is "PRIORITY=$s -> level ${levels[$s]}, severity ${names[$s]}" \
        "$(entry "sev $s" 'o["level"] + " " + o["metadata"]["severity"]')" "${levels[$s]} ${names[$s]}"
done
facs=(kern user mail daemon auth syslog lpr news uucp cron authpriv ftp - - - - local0 local1 local2 local3 local4 local5 local6 local7)
for f in 0 1 2 3 4 5 6 7 8 9 10 11 16 17 18 19 20 21 22 23; do
    is "SYSLOG_FACILITY=$f -> ${facs[$f]}" "$(entry "fac $f" 'o["metadata"]["facility"]')" "${facs[$f]}"
done

got=$(ingest_entries | jlines 'json.dumps(o["message"]) if o["metadata"].get("program") == "fixt-binary" else None')
is "binary MESSAGE: NUL escaped, invalid byte replaced" "$got" '"bin\u0000ary\ufffd"'
got=$(ingest_entries | jlines 'json.dumps(o["message"]) if o["metadata"].get("program") == "fixt-utf8" else None')
is "invalid UTF-8 becomes U+FFFD" "$got" '"caf\ufffd \ufffd( ok"'
got=$(ingest_entries | jlines 'json.dumps(o["message"]) if o["metadata"].get("program") == "fixt-multiline" else None')
is "multi-line message kept, one trailing newline stripped" "$got" '"line1\nline2\n\tline3"'
got=$(ingest_entries | jlines 'json.dumps(o["message"]) if o["metadata"].get("program") == "fixt-ctl" else None')
is "control characters escaped" "$got" '"control \u001b[31mred\u001b[0m \u0007bell"'

bare='bare entry'
is "no PRIORITY: level info" "$(entry "$bare" 'o["level"]')" info
is "no PRIORITY: no severity key" "$(entry "$bare" '"severity" in o["metadata"]')" false
is "no SYSLOG_IDENTIFIER: program = _COMM" "$(entry "$bare" 'o["metadata"]["program"]')" barecomm
is "no _PID: pid = SYSLOG_PID" "$(entry "$bare" 'json.dumps(o["metadata"]["pid"])')" 99
is "no _HOSTNAME: host is the bridge's (global metadata)" "$(entry "$bare" 'o["metadata"].get("host")')" "$(hostname)"
is "no _SOURCE_REALTIME_TIMESTAMP: the entry's realtime" "$(entry "$bare" 'o["timestamp"]')" 2023-11-14T22:13:52.000000Z
is "no traceId without TRACE_ID" "$(entry "$bare" '"traceId" in o')" false

like "state file holds the last entry's cursor" "$(state_cursor)" '^s=[0-9a-f]+;i=22;'
ok "second run with the state: exits 0" timeout 30 "$AURALOG_JOURNALD" --config "$T/a.conf" --file "$T/fixture.journal" --once
is "second run sends nothing again" "$(ingest_count)" 34

# fields = * adds every field (lowercased, without leading underscores)
ingest_reset
write_config "$T/b.conf" "journal.fields=*" "journal.state_file=$T/state-b"
ok "fields = * run exits 0" timeout 30 "$AURALOG_JOURNALD" --config "$T/b.conf" --file "$T/fixture.journal" --once --start head
is "fields = *: comm, trace_id, systemd_slice, source_realtime_timestamp" \
    "$(entry "$full" 'o["metadata"].get("comm") + " " + o["metadata"].get("trace_id") + " " + o["metadata"].get("systemd_slice") + " " + o["metadata"].get("source_realtime_timestamp")')" \
    "fixtd trace-abc system.slice 1700000000123456"
is "fields = *: the standard pid stays a number" "$(entry "$full" 'json.dumps(o["metadata"]["pid"])')" 4242

# --stdout: no config file, no endpoint, no state
out=$(cd "$T" && timeout 30 "$AURALOG_JOURNALD" --stdout --file "$T/fixture.journal" --once --start head 2>"$T/stdout.err")
is "--stdout prints every entry" "$(printf '%s\n' "$out" | jlines 'len(o["body"].get("logs", [0]))' | awk '{ n += $1 } END { print n }')" 34
ok "--stdout never shows the API key" ! grep -q "$TEST_API_KEY" <<<"$out"

done_testing
