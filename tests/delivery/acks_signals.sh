#!/bin/bash
# Acknowledgements and signals (SPEC §7): the watermark only covers what the
# endpoint accepted (or what was dropped alone) and never passes an entry held
# by an outage, even when later errors got through; SIGUSR1 logs one stats
# line; SIGTERM in the middle of retries exits 0 within the grace period and
# says how many entries were not acknowledged.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
test_init acks_signals
. "$top_srcdir/tests/delivery/common.bash"

start_ingest || bail_out "fake ingest does not start"
write_config "$T/c.conf" auralog.flush_interval=0.2 delivery.max_batch_entries=10 \
    delivery.retry_initial=0.1 delivery.retry_max=0.3
ACKS=$T/acks
feed_start "$T/c.conf" --acks "$ACKS"
last_ack() { tail -1 "$ACKS" 2>/dev/null | sed 's/^acked //'; }
_acked() { [ "$(last_ack)" = "$1" ]; }

# --- acknowledgements ------------------------------------------------------------------
for i in $(seq 1 10); do feed_write "info ok $i"; done
ok "watermark reaches 10 once the endpoint accepted 10" wait_until 10 _acked 10
is "accepted when acknowledged" "$(ingest_count)" 10
st=$(stats_line)
diag "$st"
like "SIGUSR1: one stats line with every counter" "$st" \
    'stats read=10 sent=10 acked=10 retried=0 dropped=0 overflow=0 bytes=[1-9][0-9]* requests=1 backlog=0'

# outage of the batch lane; an error still gets through on the urgent lane
ingest_script '{"steps":[{"match":{"path":"/v1/logs"},"status":503,"count":100000}]}'
for i in $(seq 11 15); do feed_write "info held $i"; done
feed_write "error urgent 16"
_n503() { req_count_status 503; }
ok "the batch lane is retrying" wait_until 10 _ge 3 _n503
ok "the error was accepted meanwhile" ingest_wait_count 11 5
sleep 0.5
is "during the outage the watermark stays at what was accepted in order (10)" "$(last_ack)" 10
ok "no acknowledgement ever passed 10 during the outage" awk '$2 > 10 { exit 1 }' "$ACKS"
st=$(stats_line)
diag "$st"
like "stats during the outage: 16 read, 11 acked, retries counted, backlog 5" "$st" \
    'read=16 sent=11 acked=11 retried=[1-9][0-9]* dropped=0 .*backlog=5$'

ingest_script '{}'
ok "after the outage the watermark reaches 16" wait_until 10 _acked 16
is "all 16 accepted once" "$(n_sorted)" "$(seq_list 1 16)"
is "no duplicates" "$(ingest_count)" 16
ok "acknowledgements are monotonic" awk '$2 < p { exit 1 } { p = $2 }' "$ACKS"
diag "acks: $(cut -d' ' -f2 "$ACKS" | tr '\n' ' ')"

# --- SIGTERM in the middle of retries ---------------------------------------------------
ingest_script '{"default":{"status":500}}'
for i in $(seq 17 23); do feed_write "info doomed $i"; done
_n500() { req_count_status 500; }
ok "retrying again" wait_until 10 _ge 2 _n500
t0=$EPOCHREALTIME
kill -TERM "$FEED_PID"
feed_wait_exit 10
took=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
diag "SIGTERM to exit: $took s (grace 5 s)"
is "SIGTERM during retries: exit 0" "$FEED_RC" 0
ok "within the grace period (<= 7 s)" awk -v t="$took" 'BEGIN { exit !(t <= 7) }'
ok "it flushed for a while first (>= 4 s)" awk -v t="$took" 'BEGIN { exit !(t >= 4) }'
ok "logs how many entries were not acknowledged" grep -q "stopping with 7 entries not acknowledged" "$FEED_ERR"
is "the watermark did not move past what was accepted" "$(last_ack)" 16
feed_close

# --- SIGTERM while draining after EOF ----------------------------------------------------
# stdin is at EOF and the feed waits for acknowledgements; a stop signal must
# still end it within the grace period.
write_config "$T/d.conf" delivery.retry_initial=0.1 delivery.retry_max=0.3
ingest_reset
feed_start "$T/d.conf"
feed_write "info never 1"
feed_close
ok "retrying after EOF" wait_until 10 _ge 4 _n500
kill -TERM "$FEED_PID"
feed_wait_exit 8
is "SIGTERM after EOF while retrying: exit 0 within the grace period" "$FEED_RC" 0
ok "and says 1 entry was not acknowledged" grep -q "stopping with 1 entry not acknowledged" "$FEED_ERR"
if [ "$FEED_RC" = 124 ]; then
    kill -TERM "$FEED_PID" 2>/dev/null # second stop signal: exits at once
    feed_wait_exit 3
fi
done_testing
