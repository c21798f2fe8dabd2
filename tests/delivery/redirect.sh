#!/bin/bash
# Redirects (SPEC §2, §7): a 3xx is a configuration error - never followed,
# nothing dropped, the cause logged; the entries are held until the endpoint
# answers properly.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
test_init redirect
. "$top_srcdir/tests/delivery/common.bash"

# the redirect target: a second fake endpoint that must never see a request
start_ingest || bail_out "fake ingest (target) does not start"
TARGET_URL=$INGEST_URL
TARGET_DIR=$INGEST_DIR
start_ingest --script "{\"default\":{\"status\":307,\"location\":\"$TARGET_URL/v1/logs\"},
  \"steps\":[{\"status\":301,\"location\":\"$TARGET_URL/v1/logs\"},
             {\"match\":{\"path\":\"/v1/logs/single\"},\"status\":308,\"location\":\"$TARGET_URL/v1/logs/single\"}]}" ||
    bail_out "fake ingest does not start"
write_config "$T/c.conf" auralog.flush_interval=0.2 delivery.retry_initial=0.1 delivery.retry_max=0.3
feed_start "$T/c.conf" --acks "$T/acks"
feed_write "info r1" "warn r2" "error r3"
_n3xx() { ingest_requests | jlines 'o["path"] if 300 <= (o["status"] or 0) < 400 else None' | wc -l; }
ok "the endpoint keeps redirecting (retried)" wait_until 10 _ge 6 _n3xx
feed_write "info r4"
sleep 0.5
is "the redirect target got nothing" "$(wc -l <"$TARGET_DIR/requests.jsonl")" 0
is "nothing accepted" "$(ingest_count)" 0
ok "nothing acknowledged" test ! -s "$T/acks"
ok "feed keeps running" feed_alive
ok "the redirect is explained" grep -q "redirect, which is never followed" "$FEED_ERR"
is "explained once (rate-limited)" "$(grep -c "redirect" "$FEED_ERR")" 1
diag "$(grep redirect "$FEED_ERR")"
diag "statuses: $(ingest_requests | jlines 'str(o["status"])' | sort | uniq -c | tr -s ' \n' ' ')"

# the endpoint is fixed: everything held arrives, once
ingest_script '{}'
ok "held entries arrive" ingest_wait_count 4 10
feed_close
feed_wait_exit 10
is "feed exits 0" "$FEED_RC" 0
is "every entry once" "$(n_sorted)" "1 2 3 4"
is "no duplicates" "$(ingest_count)" 4
is "still nothing at the redirect target" "$(wc -l <"$TARGET_DIR/requests.jsonl")" 0
is "watermark reaches 4" "$(tail -1 "$T/acks")" "acked 4"
done_testing
