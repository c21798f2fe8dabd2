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

# Flatten what the endpoint received once (python starts are slow on a busy
# machine): lines KEY<TAB>PATH<TAB>VALUE, KEY the message or "prog:PROGRAM",
# PATH level, timestamp, traceId, environment, metadata.NAME or json:message.
flatten() {
    "$PYTHON3" -c '
import json, sys
def show(v):
    if isinstance(v, str) and "\t" not in v and "\n" not in v:
        return v
    return json.dumps(v)
with open(sys.argv[2], "w") as out:
    for line in open(sys.argv[1]):
        o = json.loads(line)
        md = o.get("metadata", {})
        rows = [(k, show(o[k])) for k in ("level", "timestamp", "traceId", "environment") if k in o]
        rows += [("metadata." + k, show(v)) for k, v in md.items()]
        rows.append(("json:message", json.dumps(o["message"])))
        for key in (show(o["message"]), "prog:" + str(md.get("program"))):
            for path, v in rows:
                out.write("%s\t%s\t%s\n" % (key, path, v))
' "$INGEST_DIR/entries.jsonl" "$T/flat"
}

# entry KEY PATH: the value, "-" when absent
entry() {
    awk -F '\t' -v k="$1" -v p="$2" '$1 == k && $2 == p { print $3; f = 1; exit } END { if (!f) print "-" }' "$T/flat"
}

flatten
full='full entry'
is "level from PRIORITY=3" "$(entry "$full" level)" error
is "timestamp from _SOURCE_REALTIME_TIMESTAMP" "$(entry "$full" timestamp)" 2023-11-14T22:13:20.123456Z
is "traceId from TRACE_ID" "$(entry "$full" traceId)" trace-abc
is "environment" "$(entry "$full" environment)" production
is "metadata host = _HOSTNAME" "$(entry "$full" metadata.host)" fixture-host
is "metadata program = SYSLOG_IDENTIFIER" "$(entry "$full" metadata.program)" fixt
is "metadata pid = _PID, as a number" "$(entry "$full" metadata.pid)" 4242
is "metadata facility keyword" "$(entry "$full" metadata.facility)" authpriv
is "metadata severity keyword" "$(entry "$full" metadata.severity)" err
is "metadata unit" "$(entry "$full" metadata.unit)" fixt.service
is "metadata user_unit" "$(entry "$full" metadata.user_unit)" app.service
is "metadata boot_id" "$(entry "$full" metadata.boot_id)" 5a1e5a1e5a1e4a1e8a1e5a1e5a1e5a1e
is "metadata msgid = MESSAGE_ID" "$(entry "$full" metadata.msgid)" 0123456789abcdef0123456789abcdef
is "metadata source" "$(entry "$full" metadata.source)" journald
is "extra field _SYSTEMD_SLICE as systemd_slice" "$(entry "$full" metadata.systemd_slice)" system.slice
is "extra field CODE_LINE as code_line" "$(entry "$full" metadata.code_line)" 7
is "fields not asked for are left out" "$(entry "$full" metadata.comm) $(entry "$full" metadata.trace_id)" "- -"
is "global host metadata merged under the entry's" "$(entry "$full" metadata.machine_id)" "$(cat /etc/machine-id)"

levels=(fatal fatal fatal error warn info info debug)
names=(emerg alert crit err warning notice info debug)
for s in 0 1 2 3 4 5 6 7; do
    is "PRIORITY=$s -> level ${levels[$s]}, severity ${names[$s]}" \
        "$(entry "sev $s" level) $(entry "sev $s" metadata.severity)" "${levels[$s]} ${names[$s]}"
done
facs=(kern user mail daemon auth syslog lpr news uucp cron authpriv ftp - - - - local0 local1 local2 local3 local4 local5 local6 local7)
for f in 0 1 2 3 4 5 6 7 8 9 10 11 16 17 18 19 20 21 22 23; do
    is "SYSLOG_FACILITY=$f -> ${facs[$f]}" "$(entry "fac $f" metadata.facility)" "${facs[$f]}"
done

is "binary MESSAGE: NUL escaped, invalid byte replaced" "$(entry prog:fixt-binary json:message)" '"bin\u0000ary\ufffd"'
is "invalid UTF-8 becomes U+FFFD" "$(entry prog:fixt-utf8 json:message)" '"caf\ufffd \ufffd( ok"'
is "multi-line message kept, one trailing newline stripped" "$(entry prog:fixt-multiline json:message)" \
    '"line1\nline2\n\tline3"'
is "control characters escaped" "$(entry prog:fixt-ctl json:message)" '"control \u001b[31mred\u001b[0m \u0007bell"'

bare='bare entry'
is "no PRIORITY: level info" "$(entry "$bare" level)" info
is "no PRIORITY: no severity key" "$(entry "$bare" metadata.severity)" -
is "no SYSLOG_IDENTIFIER: program = _COMM" "$(entry "$bare" metadata.program)" barecomm
is "no _PID: pid = SYSLOG_PID" "$(entry "$bare" metadata.pid)" 99
is "no _HOSTNAME: host is the bridge's (global metadata)" "$(entry "$bare" metadata.host)" "$(hostname)"
is "no _SOURCE_REALTIME_TIMESTAMP: the entry's realtime" "$(entry "$bare" timestamp)" 2023-11-14T22:13:52.000000Z
is "no traceId without TRACE_ID" "$(entry "$bare" traceId)" -

like "state file holds the last entry's cursor" "$(state_cursor)" '^s=[0-9a-f]+;i=22;'
ok "second run with the state: exits 0" timeout 30 "$AURALOG_JOURNALD" --config "$T/a.conf" --file "$T/fixture.journal" --once
is "second run sends nothing again" "$(ingest_count)" 34

# fields = * adds every field (lowercased, without leading underscores)
ingest_reset
write_config "$T/b.conf" "journal.fields=*" "journal.state_file=$T/state-b"
ok "fields = * run exits 0" timeout 30 "$AURALOG_JOURNALD" --config "$T/b.conf" --file "$T/fixture.journal" --once --start head
flatten
is "fields = *: comm, trace_id, systemd_slice, source_realtime_timestamp" \
    "$(entry "$full" metadata.comm) $(entry "$full" metadata.trace_id) $(entry "$full" metadata.systemd_slice) $(entry "$full" metadata.source_realtime_timestamp)" \
    "fixtd trace-abc system.slice 1700000000123456"
is "fields = *: the standard pid stays a number" "$(entry "$full" metadata.pid)" 4242
is "fields = *: the message is not repeated as a field" "$(entry "$full" metadata.message)" -

# --stdout: no config file, no endpoint, no state
out=$(cd "$T" && timeout 30 "$AURALOG_JOURNALD" --stdout --file "$T/fixture.journal" --once --start head 2>"$T/stdout.err")
is "--stdout prints every entry" "$(printf '%s\n' "$out" | jlines 'len(o["body"].get("logs", [0]))' | awk '{ n += $1 } END { print n }')" 34
ok "--stdout never shows the API key" ! grep -q "$TEST_API_KEY" <<<"$out"

done_testing
