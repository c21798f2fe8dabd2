#!/bin/bash
# Urgent lane (SPEC §2, §7, issue 3): error/fatal go to /v1/logs/single at
# once, never after flush_interval and never behind a batch being retried.
# The issue's "an error arrives within 100 ms while a batch is being retried"
# is measured as the fake endpoint's own arrival time of the /v1/logs/single
# request minus the time the error line was written to the feed's stdin; best
# of up to 3 measurements, printed as a diagnostic only (a shared machine's
# scheduling is not ours to assert; bench/run measures latency).  What is
# asserted is the outcome: the batch lane never succeeds while the error is
# sent, so an error that arrives at all has overtaken it.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
test_init urgent
. "$top_srcdir/tests/delivery/common.bash"

BOUND_MS=100
# the batch lane is stuck: every /v1/logs gets a slow 503 (so a batch request
# is often in flight), singles are accepted
start_ingest --script '{"steps":[{"match":{"path":"/v1/logs"},"status":503,"delay":0.5,"count":100000}]}' ||
    bail_out "fake ingest does not start"
write_config "$T/c.conf" auralog.flush_interval=10 delivery.max_batch_entries=5 \
    delivery.retry_initial=0.2 delivery.retry_max=0.5
feed_start "$T/c.conf"
feed_write "info b1" "info b2" "info b3" "info b4" "info b5"
_n503() { req_count_status 503; }
ok "the batch is being retried (2 x 503)" wait_until 10 _ge 2 _n503

_single_t() { # message -> arrival time of its /v1/logs/single request
    ingest_requests | jlines "repr(o['t']) if o['path'] == '/v1/logs/single' and o['body']['log']['message'] == '$1' else None"
}
_has_single() { [ -n "$(_single_t "$1")" ]; }
best=
for try in 1 2 3; do
    t0=$EPOCHREALTIME
    feed_write "error boom$try"
    if ! wait_until 5 _has_single "boom$try"; then
        diag "error boom$try never arrived"
        continue
    fi
    t1=$(_single_t "boom$try")
    ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }')
    diag "try $try: error arrived $ms ms after it was written (batch lane in retry)"
    if [ -z "$best" ] || awk -v m="$ms" -v b="$best" 'BEGIN { exit !(m < b) }'; then best=$ms; fi
    awk -v m="$best" -v b="$BOUND_MS" 'BEGIN { exit !(m <= b) }' && break
    sleep 0.3
done
diag "best latency: ${best:-none} ms (bound $BOUND_MS ms)"
ok "an error arrives while the batch lane is still failing" test -n "$best"
is "no batch entry accepted meanwhile" "$(ingest_entries | jlines 'o["level"]' | grep -c info)" 0
is "the error went to /v1/logs/single with its content" \
    "$(ingest_requests | jlines "[o['body']['log']['level'], o['body']['log']['metadata']['n']] if o['path'] == '/v1/logs/single' else None" | head -1)" \
    '["error", 6]'

# a fatal while the lane is still stuck, then the endpoint recovers: everything arrives once
feed_write "fatal doom"
ok "fatal arrives at once too" wait_until 5 _has_single doom
ingest_script '{}'
feed_close
feed_wait_exit 15
is "feed exits 0 once all is delivered" "$FEED_RC" 0
nerr=$(ingest_entries | jlines 'o["level"]' | grep -c -E 'error|fatal')
is "every entry once" "$(n_sorted)" "$(seq_list 1 $((5 + nerr)))"
is "batch entries in order after the errors" "$(ingest_entries | jlines 'o["message"] if o["level"] == "info" else None' | tr '\n' ' ')" \
    "b1 b2 b3 b4 b5 "

# an error storm: pending urgent entries go out at once (some as one /v1/logs batch), none waits flush_interval
ingest_reset
ingest_script '{"default":{"status":200,"delay":0.3}}'
write_config "$T/storm.conf" auralog.flush_interval=30
feed_start "$T/storm.conf"
t0=$EPOCHREALTIME
for i in $(seq 1 50); do printf 'error storm %d\n' "$i"; done >&"$FEED_FD"
ok "50 errors arrive well before flush_interval (30 s)" ingest_wait_count 50 15
diag "storm delivered in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }') s, requests: $(ingest_requests | jlines 'o["path"]' | sort | uniq -c | tr -s ' \n' ' ')"
ok "fewer requests than errors (storm batched)" test "$(ingest_request_count)" -lt 50
is "every error once" "$(n_sorted)" "$(seq_list 1 50)"
feed_close
feed_wait_exit 10
is "feed exits 0" "$FEED_RC" 0
done_testing
