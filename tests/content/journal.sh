#!/bin/bash
# [content] through the journal (SPEC §11): services' stderr into a journald
# namespace instance through its stdout stream socket, as systemd connects a
# unit's output.  Two services' stack traces interleaved line by line (a live
# Python traceback, a real Java one) each arrive as one entry with
# stackTrace, urgently; negative cases stay info, one entry each; kill -9
# mid-trace then restart: the whole trace arrives once; max_stack_lines cuts;
# multiline_timeout ends a trace nothing follows.
. "${top_srcdir:?}/tests/journal/lib-journal.sh"
. "$top_srcdir/tests/content/lib-content.sh"
test_init content-journal

start_journald
start_ingest || bail_out "fake ingest did not start"
OUT=/run/systemd/journal.$JNS/stdout
MPORT=$(free_port)
write_config "$T/a.conf" content.multiline_timeout=30 "metrics.listen=127.0.0.1:$MPORT"
run_reader --config "$T/a.conf" --namespace "$JNS" --start head

# ---- 1. two services' traces interleaved, negatives in between --------------
content_script1 "$T/script1" || bail_out "cannot build the first scenario"
"$PYTHON3" "$FEED" journal "$OUT" <"$T/script1"
n_plain=$(grep -c '^svc-plain	plain ' "$T/script1")
expect=$((2 + n_plain + ${#negatives[@]} + 2 + 2))
ok "the lines after both traces arrive" wait_msg "java done"
ok "py done arrives" wait_msg "py done"
svc_count() { ingest_entries | jlines '1 if o["metadata"].get("program", "").startswith("svc-") else None' | wc -l; }
is "exactly $expect entries from the services (a trace is one entry)" "$(svc_count)" "$expect"
# what /metrics says of them: two folded traces, levels from a prefix and a JSON line
metric() { curl -s "http://127.0.0.1:$MPORT/metrics" | awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }'; }
is "stack_traces_total counts the two traces" "$(metric auralog_stack_traces_total)" "2"
is "content_levels_total{from=stack_trace}" "$(metric 'auralog_content_levels_total{from="stack_trace"}')" "2"
is "content_levels_total{from=prefix}" "$(metric 'auralog_content_levels_total{from="prefix"}')" "1"
is "content_levels_total{from=json}" "$(metric 'auralog_content_levels_total{from="json"}')" "1"
# journald stores no empty line of a stdout stream: the traces as the journal has them
grep -v '^$' "$T/py.txt" >"$T/py.journal"
grep -v '^$' "$FX/go.txt" >"$T/go.journal"

py_msg=$(tail -n 1 "$T/py.txt")
py=$(entry_of "$py_msg")
is "Python: message is the last line" "$(echo "$py" | field 'o["message"]')" "$py_msg"
is "Python: level error" "$(echo "$py" | field 'o["level"]')" "error"
is "Python: stackTrace is the traceback as written" "$(echo "$py" | field 'o["stackTrace"]')" "$(cat "$T/py.journal")"
is "Python: stack_lines" "$(echo "$py" | field 'o["metadata"]["stack_lines"]')" "$(wc -l <"$T/py.journal")"
is "Python: level_from stack_trace" "$(echo "$py" | field 'o["metadata"]["level_from"]')" "stack_trace"
is "Python: program of the service" "$(echo "$py" | field 'o["metadata"]["program"]')" "svc-py"
is "Python: severity keeps the journal's keyword" "$(echo "$py" | field 'o["metadata"]["severity"]')" "info"
java=$(entry_of "$(head -n 1 "$FX/java.txt")")
is "Java: one entry, message is the first line" "$(count_msg "$(head -n 1 "$FX/java.txt")")" 1
is "Java: stackTrace is the trace as written" "$(echo "$java" | field 'o["stackTrace"]')" "$(cat "$FX/java.txt")"
is "Java: level error" "$(echo "$java" | field 'o["level"]')" "error"
is "no line of a trace arrived on its own" \
    "$(ingest_entries | jlines '1 if o["metadata"].get("program") in ("svc-py", "svc-java") and o["message"].lstrip().startswith(("at ", "File ", "Caused by", "...")) else None' | wc -l)" 0
# the urgent lane: /v1/logs/single, or a batch of errors only (SPEC §2, under a burst of errors)
is "both traces went out on the urgent lane" \
    "$(ingest_requests | jlines '[e["metadata"]["program"] for e in ([o["body"]["log"]] if o["path"].endswith("single") else o["body"]["logs"]) if "stackTrace" in e] if all(e["level"] in ("error", "fatal") for e in ([o["body"]["log"]] if o["path"].endswith("single") else o["body"]["logs"])) else None' | tr -d '[]"' | tr ',' '\n' | grep -c 'svc-')" 2
for n in "${negatives[@]}"; do
    is "negative \"$n\": one entry" "$(count_msg "$n" svc-plain)" 1
    is "negative \"$n\": info" "$(entry_of "$n" | field 'o["level"]')" "info"
done
p=$(entry_of "ERROR:root:prefixed boom")
is "ERROR:root: prefix: level error" "$(echo "$p" | field 'o["level"]')" "error"
is "ERROR:root: prefix: level_from prefix" "$(echo "$p" | field 'o["metadata"]["level_from"]')" "prefix"
j=$(entry_of "json boom")
is "JSON line: message from msg" "$(echo "$j" | field 'o["message"]')" "json boom"
is "JSON line: level error" "$(echo "$j" | field 'o["level"]')" "error"
is "JSON line: traceId" "$(echo "$j" | field 'o["traceId"]')" "t-1"
is "JSON line: other keys in metadata" "$(echo "$j" | field 'o["metadata"]["order"]')" "7"
is "JSON line: level_from json" "$(echo "$j" | field 'o["metadata"]["level_from"]')" "json"

# ---- 2. kill -9 in the middle of a trace, restart ---------------------------
mkfifo "$T/go.fifo"
"$PYTHON3" "$JHELP" cat "$OUT" svc-go "$PYTHON3" -u -c '
import sys
for line in sys.stdin:
    sys.stderr.write(line); sys.stderr.flush()' <"$T/go.fifo" &
GO_PID=$!
register_pid "$GO_PID"
exec 7>"$T/go.fifo"
head -n 4 "$FX/go.txt" >&7
printf 'svc-mark\tmark one\n' | "$PYTHON3" "$FEED" journal "$OUT"
ok "a line written after half the trace arrives" wait_msg "mark one"
ok "auralog-journald killed with SIGKILL" kill -KILL "$READER_PID"
wait "$READER_PID" 2>/dev/null
tail -n +5 "$FX/go.txt" >&7
echo "go done" >&7
exec 7>&-
wait "$GO_PID"
run_reader --config "$T/a.conf" --namespace "$JNS" --start head
ok "after the restart the line after the trace arrives" wait_msg "go done"
go_msg=$(head -n 1 "$FX/go.txt")
is "the Go panic arrives once" "$(count_msg "$go_msg")" 1
g=$(entry_of "$go_msg")
is "whole: every line in stackTrace" "$(echo "$g" | field 'o["stackTrace"]')" "$(cat "$T/go.journal")"
is "Go panic: level fatal" "$(echo "$g" | field 'o["level"]')" "fatal"
is "no part of the trace arrived alone" "$(count_msg "main.main()")" 0

# ---- 3. max_stack_lines, multiline_timeout (after a reload) -----------------
write_config "$T/a.conf" content.multiline_timeout=1.0 content.max_stack_lines=5
kill -HUP "$READER_PID"
ok "SIGHUP: configuration reloaded" wait_until 10 grep -q "configuration reloaded" "$T/reader.err"
{
    sed 's/^/svc-cut\t/' "$FX/java.txt"
    printf 'svc-cut\tcut done\n'
} | "$PYTHON3" "$FEED" journal "$OUT"
ok "the line after the cut trace arrives" wait_msg "cut done"
c=$(entry_of "$(head -n 1 "$FX/java.txt")" | tail -n 1)
cut_entries=$(ingest_entries | jlines '1 if o["metadata"].get("program") == "svc-cut" else None' | wc -l)
is "max_stack_lines: the trace and the next line, nothing else" "$cut_entries" 2
is "max_stack_lines: 5 lines kept" \
    "$(ingest_entries | jlines 'o["metadata"]["stack_lines"] if o["metadata"].get("program") == "svc-cut" and "stackTrace" in o else None')" 5
is "max_stack_lines: truncated" \
    "$(ingest_entries | jlines 'o["metadata"].get("truncated") if o["metadata"].get("program") == "svc-cut" and "stackTrace" in o else None')" true
write_config "$T/a.conf" content.multiline_timeout=1.0
kill -HUP "$READER_PID"
_reloaded_twice() { [ "$(grep -c "configuration reloaded" "$T/reader.err")" -ge 2 ]; }
ok "SIGHUP: max_stack_lines back to its default" wait_until 10 _reloaded_twice
sed 's/^/svc-quiet\t/' "$T/py.txt" | "$PYTHON3" "$FEED" journal "$OUT"
_quiet_arrived() { [ "$(ingest_entries | jlines '1 if o["metadata"].get("program") == "svc-quiet" else None' | wc -l)" -ge 1 ]; }
ok "multiline_timeout: a trace nothing follows arrives" wait_until 20 _quiet_arrived
is "multiline_timeout: as one whole entry" \
    "$(ingest_entries | jlines 'o["metadata"].get("stack_lines") if o["metadata"].get("program") == "svc-quiet" else None')" \
    "$(wc -l <"$T/py.journal")"

ok "SIGTERM: exits 0" eval "kill -TERM $READER_PID; wait $READER_PID"
ok "no errors logged" ! grep -E "^auralog-journald: (error|warning)" "$T/reader.err"
done_testing
