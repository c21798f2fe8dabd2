#!/bin/bash
# [content] through rsyslog (SPEC §11): the same service output as
# tests/content/journal.sh, sent to a real rsyslogd (imtcp) running the
# shipped snippet: two services' stack traces interleaved line by line (a
# live Python traceback, a real Java one whose tabs rsyslog escapes as
# "#011") each arrive as one entry with stackTrace; negative cases stay info,
# one entry each; a max_stack_lines cut.
. "${top_srcdir:?}/tests/plugin/lib-rsyslog.sh"
test_init content-rsyslog
need_cmd "$RSYSLOGD" "rsyslogd not installed"

FX=$top_srcdir/tests/fixtures/stacktraces
FEED=$top_srcdir/tests/content/feed.py
start_ingest || bail_out "fake ingest did not start"
write_config "$T/auralog.conf"
shipped_conf >"$T/auralog-action.conf" || bail_out "cannot adapt the shipped snippet"
rsyslog_conf "$T/rsyslog.conf" "$(cat "$T/auralog-action.conf")"
ok "shipped snippet validates (rsyslogd -N1)" "$RSYSLOGD" -N1 -f "$T/rsyslog.conf"
rsyslog_start "$T/rsyslog.conf" || bail_out "rsyslogd did not start"

count_msg() {
    ingest_entries | M=$1 jlines '1 if o["message"] == __import__("os").environ["M"] else None' | wc -l
}
entry_of() {
    ingest_entries | M=$1 jlines 'o if o["message"] == __import__("os").environ["M"] else None' | head -n 1
}
field() { jlines "$1"; }
_has_msg() { [ "$(count_msg "$1")" -ge 1 ]; }
wait_msg() { wait_until "${2:-30}" _has_msg "$1"; }
svc_count() { ingest_entries | jlines '1 if o["metadata"].get("program", "").startswith("svc-") else None' | wc -l; }

"$PYTHON3" "$FEED" pytrace >"$T/py.txt"
negatives=("0 errors found" "[1, 2, 3]" "Errors: in normal text" "Server started at 10:00" "    at the end of the day")
{
    awk 'NR == FNR { a[++n] = $0; next } { b[++m] = $0 }
         END { for (i = 1; i <= (n > m ? n : m); i++) {
                   if (i <= n) print "svc-py\t" a[i]; if (i <= m) print "svc-java\t" b[i]; print "svc-plain\tplain " i } }' \
        "$T/py.txt" "$FX/java.txt"
    for n in "${negatives[@]}"; do printf 'svc-plain\t%s\n' "$n"; done
    printf 'svc-plain\tERROR:root:prefixed boom\n'
    printf 'svc-plain\t{"level":"error","msg":"json boom","trace_id":"t-1","order":7}\n'
    printf 'svc-py\tpy done\nsvc-java\tjava done\n'
} >"$T/script1"
"$PYTHON3" "$FEED" tcp 127.0.0.1 "$RSYSLOG_PORT" <"$T/script1"
n_plain=$(grep -c '^svc-plain	plain ' "$T/script1")
expect=$((2 + n_plain + ${#negatives[@]} + 2 + 2))
ok "the lines after both traces arrive" wait_msg "java done"
ok "py done arrives" wait_msg "py done"
is "exactly $expect entries (a trace is one entry)" "$(svc_count)" "$expect"

py_msg=$(tail -n 1 "$T/py.txt")
py=$(entry_of "$py_msg")
is "Python: one entry, message is the last line" "$(count_msg "$py_msg")" 1
is "Python: level error" "$(echo "$py" | field 'o["level"]')" "error"
# omauralog drops the one space rsyslog's msg property puts before an RFC 3164 text (plugin/input.c)
is "Python: stackTrace is the traceback as written" "$(echo "$py" | field 'o["stackTrace"]')" "$(sed 's/^ //' "$T/py.txt")"
is "Python: level_from stack_trace" "$(echo "$py" | field 'o["metadata"]["level_from"]')" "stack_trace"
is "Python: program of the service" "$(echo "$py" | field 'o["metadata"]["program"]')" "svc-py"
java_msg=$(head -n 1 "$FX/java.txt")
java=$(entry_of "$java_msg")
is "Java: one entry, message is the first line" "$(count_msg "$java_msg")" 1
is "Java: stackTrace is the trace as written (#011 back to tabs)" "$(echo "$java" | field 'o["stackTrace"]')" "$(cat "$FX/java.txt")"
is "Java: stack_lines" "$(echo "$java" | field 'o["metadata"]["stack_lines"]')" "$(wc -l <"$FX/java.txt")"
is "no line of a trace arrived on its own" \
    "$(ingest_entries | jlines '1 if o["metadata"].get("program") in ("svc-py", "svc-java") and "stackTrace" not in o and not o["message"].endswith("done") else None' | wc -l)" 0
for n in "${negatives[@]}"; do
    n=${n# }
    is "negative \"$n\": one entry" "$(count_msg "$n")" 1
    is "negative \"$n\": info" "$(entry_of "$n" | field 'o["level"]')" "info"
done
p=$(entry_of "ERROR:root:prefixed boom")
is "ERROR:root: prefix: level error" "$(echo "$p" | field 'o["level"]')" "error"
j=$(entry_of "json boom")
is "JSON line: level error" "$(echo "$j" | field 'o["level"]')" "error"
is "JSON line: traceId" "$(echo "$j" | field 'o["traceId"]')" "t-1"

# max_stack_lines: the shipped snippet's omauralog reads the config on HUP
write_config "$T/auralog.conf" content.max_stack_lines=5
kill -HUP "$RSYSLOG_PID"
ok "omauralog reloaded" wait_until 20 grep -q "configuration reloaded" "$T/plugin.err"
{
    sed 's/^/svc-cut\t/' "$FX/java.txt"
    printf 'svc-cut\tcut done\n'
} | "$PYTHON3" "$FEED" tcp 127.0.0.1 "$RSYSLOG_PORT"
ok "the line after the cut trace arrives" wait_msg "cut done"
is "max_stack_lines: the trace and the next line, nothing else" \
    "$(ingest_entries | jlines '1 if o["metadata"].get("program") == "svc-cut" else None' | wc -l)" 2
is "max_stack_lines: 5 lines kept, truncated" \
    "$(ingest_entries | jlines '[o["metadata"]["stack_lines"], o["metadata"]["truncated"]] if o["metadata"].get("program") == "svc-cut" and "stackTrace" in o else None')" "[5, true]"

rsyslog_stop
ok "omauralog logged no error" ! grep -E "^omauralog: (error|warning)" "$T/plugin.err"
done_testing
