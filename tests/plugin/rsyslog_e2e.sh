#!/bin/bash
# End to end through a real rsyslogd running the shipped snippet
# (conf/rsyslog.d/60-auralog.conf): logger over TCP -> imtcp -> template ->
# omprog (confirmations + transactions) -> omauralog -> fake endpoint.
. "$top_srcdir/tests/plugin/lib-rsyslog.sh"
test_init plugin_rsyslog_e2e
need_cmd "$RSYSLOGD" "rsyslogd not installed"
need_cmd logger

start_ingest || bail_out "fake ingest did not start"
write_config "$T/auralog.conf"

shipped_conf >"$T/auralog-action.conf" || bail_out "cannot adapt the shipped snippet"
rsyslog_conf "$T/rsyslog.conf" "module(load=\"mmjsonparse\")
action(type=\"mmjsonparse\")
$(cat "$T/auralog-action.conf")"
ok "shipped snippet validates (rsyslogd -N1)" "$RSYSLOGD" -N1 -f "$T/rsyslog.conf"
rsyslog_start "$T/rsyslog.conf" || bail_out "rsyslogd did not start"

lg() { logger --tcp --server 127.0.0.1 --port "$RSYSLOG_PORT" "$@"; }
entry() { ingest_entries | grep -F "\"message\": \"$1\"" | head -1; }
entry_c() { ingest_entries | grep -F "$1" | head -1; } # compact or spaced JSON
md() { jlines "o[\"metadata\"].get(\"$1\")" <<<"$2"; }

# --- every severity, RFC 3164 ---------------------------------------------------
sevs=(emerg alert crit err warning notice info debug)
levels=(fatal fatal fatal error warn info info debug)
for s in "${sevs[@]}"; do lg --rfc3164 -p "user.$s" -t e2esev "severity $s"; done
ok "eight severities arrive" ingest_wait_count 8 20
for i in "${!sevs[@]}"; do
    e=$(ingest_entries | grep "severity ${sevs[$i]}\"" | head -1)
    is "${sevs[$i]}: level ${levels[$i]}" "$(jlines 'o["level"]' <<<"$e")" "${levels[$i]}"
    is "${sevs[$i]}: metadata severity" "$(md severity "$e")" "${sevs[$i]}"
done
e=$(ingest_entries | grep 'severity info"' | head -1)
is "program from the tag" "$(md program "$e")" e2esev
is "facility keyword" "$(md facility "$e")" user
is "source" "$(md source "$e")" rsyslog
is "host is the message's hostname" "$(md host "$e")" "$(hostname)"
is "message without the leading space of rsyslog's msg" "$(jlines 'o["message"]' <<<"$e")" "severity info"
like "timestamp is RFC 3339 UTC with microseconds" "$(jlines 'o["timestamp"]' <<<"$e")" '^20[0-9-]{8}T[0-9:]{8}\.[0-9]{6}Z$'

# --- RFC 5424 with structured data, msgid, pid ----------------------------------
n=$(ingest_count)
lg --rfc5424 -i --msgid ID47 --sd-id 'meta@32473' --sd-param 'traceId="trace-abc-123"' \
    --sd-param 'user="u\"1"' -p daemon.warning -t sdtest "with structured data"
ok "RFC 5424 message arrives" ingest_wait_count $((n + 1)) 20
e=$(ingest_entries | grep 'with structured data' | head -1)
is "SD parsed" "$(jlines 'o["metadata"]["structured_data"]["meta@32473"]' <<<"$e")" '{"traceId": "trace-abc-123", "user": "u\"1"}'
is "traceId from the SD param" "$(jlines 'o.get("traceId")' <<<"$e")" trace-abc-123
is "msgid" "$(md msgid "$e")" ID47
like "pid is a number" "$(md pid "$e")" '^[0-9]+$'
is "facility daemon" "$(md facility "$e")" daemon
is "level warn" "$(jlines 'o["level"]' <<<"$e")" warn

# --- $! fields from mmjsonparse --------------------------------------------------
n=$(ingest_count)
lg --rfc3164 -t jsonapp '@cee: {"user":"bob","attempt":3,"ok":true,"ctx":{"region":"eu"}}'
ok "mmjsonparse message arrives" ingest_wait_count $((n + 1)) 20
e=$(ingest_entries | grep '"jsonapp"' | head -1)
is "fields: string" "$(md user "$e")" bob
is "fields: number" "$(md attempt "$e")" 3
is "fields: bool" "$(md ok "$e")" true
is "fields: object" "$(md ctx "$e")" '{"region": "eu"}'
e=$(ingest_entries | grep 'with structured data' | head -1)
is "no \$! fields: nothing merged" "$(jlines 'sorted(set(o["metadata"]) - {"host","program","pid","facility","severity","msgid","structured_data","source","machine_id","boot_id","os","kernel"})' <<<"$e")" "[]"

# --- raw line with <PRI> over TCP, multi-line safe -------------------------------
n=$(ingest_count)
rsyslog_send_tcp "<11>$(date '+%b %e %H:%M:%S') myhost rawapp[77]: raw line via tcp"
ok "raw TCP line arrives" ingest_wait_count $((n + 1)) 20
e=$(ingest_entries | grep 'raw line via tcp' | head -1)
is "raw: level from <11>" "$(jlines 'o["level"]' <<<"$e")" error
is "raw: host from the header" "$(md host "$e")" myhost
is "raw: pid" "$(md pid "$e")" 77

# --- a burst: batching into transactions, nothing lost ---------------------------
n=$(ingest_count)
"$PYTHON3" - "$RSYSLOG_PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"".join(b"<14>Nov 25 12:00:00 burst burst[1]: burst %04d\n" % i for i in range(2000)))
s.close()
PY
ok "2000-message burst all delivered" ingest_wait_count $((n + 2000)) 60
is "no duplicate in the burst" "$(ingest_entries | grep -o 'burst [0-9]\{4\}' | sort -u | wc -l)" 2000
reqs=$(ingest_requests | jlines 'len(o["body"].get("logs", []))' | sort -n | tail -1)
ok "sent in batches (largest request: $reqs entries)" test "${reqs:-0}" -ge 50

# --- rsyslog shutdown: omauralog sees EOF and exits cleanly ----------------------
pids=$(plugin_pids | tr "\n" " ") # the main and the urgent action each run one
ok "omauralog runs under rsyslogd" test -n "$pids"
rsyslog_stop
ok "omauralog exited with rsyslogd" bash -c "for p in $pids; do ! kill -0 \$p 2>/dev/null || exit 1; done"
ok "no API key in omauralog's output file" bash -c "! grep -q '$TEST_API_KEY' '$T/plugin.err'"
ok "no crash reported" bash -c "! grep -qi 'signal\|crash' '$T/plugin.err' '$T/rsyslog.out'"
done_testing
