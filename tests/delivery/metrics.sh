#!/bin/bash
# Metrics and health (SPEC §12, issue 13): /metrics scraped with a real
# Prometheus text parser (python3-prometheus-client) through a run with
# retries, a dropped entry, reloads (good and bad) and an outage: every counter
# matches what the fake endpoint recorded, counters only grow across SIGHUP,
# /healthz turns 503 during an outage longer than unhealthy_after and 200
# after; metrics_file holds the same, with %p expanded.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
test_init metrics
. "$top_srcdir/tests/delivery/common.bash"

PROMPY=
for py in "$PYTHON3" /usr/bin/python3; do
    if "$py" -c 'import prometheus_client.parser' 2>/dev/null; then PROMPY=$py; break; fi
done
[ -n "$PROMPY" ] || skip_all "python3-prometheus-client is not installed (scripts/install-deps.sh test)"
PROMPARSE=$top_srcdir/tests/promparse.py

start_ingest || bail_out "fake ingest does not start"
MPORT=$(free_port)
M=http://127.0.0.1:$MPORT
conf() { # conf FILE [overrides]
    local f=$1
    shift
    write_config "$f" auralog.flush_interval=0.05 delivery.max_batch_entries=10 "metrics.listen=127.0.0.1:$MPORT" \
        "metrics.metrics_file=$T/bridge-%p.prom" metrics.unhealthy_after=2 "$@"
}
conf "$T/a.conf"

scrape() { "$PROMPY" "$PROMPARSE" "$M/metrics"; }
# value of one sample (exact name with sorted labels), 0 when absent
val() { scrape | awk -v k="$1" '$1 == k { print $2; found = 1 } END { if (!found) print 0 }'; }
health() { "$PROMPY" "$PROMPARSE" --get "$M/healthz" 2>"$T/health.status"; }
health_status() { health >/dev/null; sed -n 's/^status //p' "$T/health.status"; }

# 3 x 503 (retries), a poisoned entry (rejected alone: dropped), the rest accepted
ingest_script '{"steps":[{"status":503,"count":3}],"reject_marker":"POISON"}'
feed_start "$T/a.conf"
ok "/metrics answers" wait_until 10 eval 'scrape >/dev/null'
ok "it parses with the Prometheus text parser" eval 'scrape >"$T/first.txt"'
is "build_info" "$(grep -c '^auralog_build_info{version="[^"]*"} 1$' "$T/first.txt")" 1
for m in entries_read_total 'entries_sent_total{lane="batch"}' 'entries_dropped_total{reason="rejected"}' \
    'requests_total{code="network"}' retries_total backlog_entries queue_capacity_entries bytes_sent_total \
    last_success_timestamp_seconds delivery_lag_seconds request_duration_seconds_count \
    'request_duration_seconds_bucket{le="+Inf"}' 'config_reloads_total{result="success"}'; do
    ok "has auralog_$m" grep -q "^auralog_$m " "$T/first.txt"
done
ok "no journal metrics in a program without a journal" ! grep -q "^auralog_journal_" "$T/first.txt"
ok "listens on 127.0.0.1 only" eval "ss -ltnH 'sport = :$MPORT' | awk '{ print \$4 }' | grep -qx '127.0.0.1:$MPORT'"

for i in $(seq 1 30); do feed_write "info m $i"; done
feed_write "info POISON 31" "error m 32"
ok "delivered (with 3 retries and one rejected)" ingest_wait_count 31 20
is "health while all is well" "$(health_status)" 200

# reloads: one good, one bad (the old configuration stays)
scrape >"$T/before-reload.txt"
kill -HUP "$FEED_PID"
ok "a good reload is counted" wait_until 10 eval '[ "$(val '\''auralog_config_reloads_total{result="success"}'\'')" = 1 ]'
cp "$T/a.conf" "$T/good.conf"
printf "[auralog]\nflush_interval = soon\n" >>"$T/a.conf"
kill -HUP "$FEED_PID"
ok "a failed reload is counted" wait_until 10 eval '[ "$(val '\''auralog_config_reloads_total{result="failure"}'\'')" = 1 ]'
cp "$T/good.conf" "$T/a.conf"
scrape >"$T/after-reload.txt"
grows=$(awk 'NR == FNR { if ($1 ~ /_total|_count|_sum|_bucket/) before[$1] = $2; next }
             ($1 in before) && $2 + 0 < before[$1] + 0 { print $1 " went from " before[$1] " to " $2 }' \
    "$T/before-reload.txt" "$T/after-reload.txt")
is "no counter went down across SIGHUP" "$grows" ""

# an outage longer than unhealthy_after (2 s): 503 with the reason, 200 after
stop_ingest
feed_write "info outage 33" "info outage 34"
ok "/healthz turns 503 during the outage" wait_until 20 eval '[ "$(health_status)" = 503 ]'
reason=$(health)
like "the 503 says why in one line" "$reason" "^delivery failing for [0-9]+ s \(unhealthy_after = 2\): .+$"
is "one line" "$(health | wc -l)" 1
ok "lag is visible" eval '[ "$(val auralog_delivery_lag_seconds | cut -d. -f1)" -ge 2 ]'
ok "backlog is visible" eval '[ "$(val auralog_backlog_entries)" -ge 2 ]'
restart_ingest {FEED_FD}>&- # the new endpoint must not hold the feed's stdin open
ok "after the outage everything arrives" ingest_wait_count 34 30
ok "/healthz 200 again" wait_until 20 eval '[ "$(health_status)" = 200 ]'
is "health body" "$(health)" "ok"

# the final figures, with everything acknowledged
ok "backlog drains to 0" wait_until 10 eval '[ "$(val auralog_backlog_entries)" = 0 ]'
scrape >"$T/final.txt"
v() { awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' "$T/final.txt"; }
accepted=$(ingest_count)
is "entries_sent_total (both lanes) = entries the endpoint accepted" \
    "$(($(v 'auralog_entries_sent_total{lane="batch"}') + $(v 'auralog_entries_sent_total{lane="urgent"}')))" "$accepted"
is "entries_dropped_total{rejected} = the one poisoned entry" "$(v 'auralog_entries_dropped_total{reason="rejected"}')" 1
self=$(ingest_entries | jlines '1 if o.get("metadata", {}).get("source") == "auralog-bridge" else None' | wc -l)
is "entries_read_total = lines fed + self-reports" "$(v auralog_entries_read_total)" "$((34 + self))"
is "read = sent + dropped (nothing left)" "$(v auralog_entries_read_total)" "$((accepted + 1))"
for c in 2xx 4xx 5xx; do
    is "requests_total{code=\"$c\"} = what the endpoint answered" "$(v "auralog_requests_total{code=\"$c\"}")" \
        "$(ingest_requests | jlines "1 if o['status'] is not None and str(o['status'])[0] == '${c:0:1}' else None" | wc -l)"
done
net=$(v 'auralog_requests_total{code="network"}')
ok "requests_total{network} counts the outage ($net)" test "$net" -ge 1
is "retries_total = 5xx + network failures (each retried once it fails)" "$(v auralog_retries_total)" \
    "$(($(v 'auralog_requests_total{code="5xx"}') + net))"
total=0
for c in 2xx 3xx 4xx 5xx network; do total=$((total + $(v "auralog_requests_total{code=\"$c\"}"))); done
is "request_duration_seconds_count = requests" "$(v auralog_request_duration_seconds_count)" "$total"
is "histogram +Inf bucket = count" "$(v 'auralog_request_duration_seconds_bucket{le="+Inf"}')" "$total"
ok "bytes_sent_total > 0" test "$(v auralog_bytes_sent_total)" -gt 0
ok "last success is recent" eval '[ $(( $(date +%s) - $(v auralog_last_success_timestamp_seconds | cut -d. -f1) )) -lt 120 ]'
is "delivery_lag_seconds 0 when nothing waits" "$(v auralog_delivery_lag_seconds)" 0
is "queue_capacity_entries" "$(v auralog_queue_capacity_entries)" 100000

feed_close
feed_wait_exit 15
is "exit 0" "$FEED_RC" 0
mf=$T/bridge-$FEED_PID.prom
ok "metrics_file with %p = PID exists" test -s "$mf"
ok "metrics_file parses" eval '"$PROMPY" "$PROMPARSE" "$mf" >"$T/file.txt"'
is "metrics_file has the final counts" "$(awk '$1 == "auralog_entries_read_total" { print $2 }' "$T/file.txt")" "$(v auralog_entries_read_total)"
ok "no temp file left" eval '! ls "$T"/*.tmp* 2>/dev/null | grep -q .'
# omauralog: metrics_file with %p (rsyslog may run it several times); listen is not served
write_config "$T/om.conf" "metrics.metrics_file=$T/om-%p.prom" "metrics.listen=127.0.0.1:$MPORT"
ingest_reset
printf '%s\n' '{"msg":"om 1","severity":"6","app":"om"}' '{"msg":"om 2","severity":"3","app":"om"}' >"$T/om.in"
"$OMAURALOG" --config "$T/om.conf" <"$T/om.in" >/dev/null 2>"$T/om.err" &
om_pid=$!
register_pid "$om_pid"
ok "omauralog: exits at EOF" wait_until 20 eval '! _pid_alive $om_pid'
wait "$om_pid"
is "omauralog: exit 0" "$?" 0
ok "omauralog: listen is refused with a word about metrics_file" grep -q "metrics_file with %p" "$T/om.err"
ok "omauralog: metrics_file om-PID.prom" test -s "$T/om-$om_pid.prom"
ok "omauralog: it parses" eval '"$PROMPY" "$PROMPARSE" "$T/om-$om_pid.prom" >"$T/om.txt"'
is "omauralog: entries_read_total 2" "$(awk '$1 == "auralog_entries_read_total" { print $2 }' "$T/om.txt")" 2
is "omauralog: both sent" "$(ingest_count)" 2

if command -v "${PROMTOOL:-promtool}" >/dev/null 2>&1; then
    ok "promtool check metrics" eval '"${PROMTOOL:-promtool}" check metrics <"$mf"'
else
    skip "promtool check metrics" "promtool not installed"
fi
done_testing
