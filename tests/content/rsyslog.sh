#!/bin/bash
# [content] through rsyslog (SPEC §11): the same service output as
# tests/content/journal.sh, sent to a real rsyslogd (imtcp) running the
# shipped snippet: two services' stack traces interleaved line by line (a
# live Python traceback, a real Java one whose tabs rsyslog escapes as
# "#011") each arrive as one entry with stackTrace; negative cases stay info,
# one entry each; a max_stack_lines cut.
. "${top_srcdir:?}/tests/plugin/lib-rsyslog.sh"
. "$top_srcdir/tests/content/lib-content.sh"
test_init content-rsyslog
need_cmd "$RSYSLOGD" "rsyslogd not installed"

start_ingest || bail_out "fake ingest did not start"
write_config "$T/auralog.conf"
shipped_conf >"$T/auralog-action.conf" || bail_out "cannot adapt the shipped snippet"
rsyslog_conf "$T/rsyslog.conf" "$(cat "$T/auralog-action.conf")"
ok "shipped snippet validates (rsyslogd -N1)" "$RSYSLOGD" -N1 -f "$T/rsyslog.conf"
rsyslog_start "$T/rsyslog.conf" || bail_out "rsyslogd did not start"

svc_count() { ingest_entries | jlines '1 if o["metadata"].get("program", "").startswith("svc-") else None' | wc -l; }

# a new omauralog process refuses its first transaction and rsyslog resends
# that batch message by message (plugin/protocol.c, rsyslog issue #2420): a
# trace in it goes out line by line (README).  One line first, so that the
# scenario below is an ordinary batch.
printf 'warmup\twarm up\n' | "$PYTHON3" "$FEED" tcp 127.0.0.1 "$RSYSLOG_PORT"
ok "a first line arrives (the plugin's first transaction is behind it)" wait_msg "warm up"
content_script1 "$T/script1" || bail_out "cannot build the first scenario"
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
