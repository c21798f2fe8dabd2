#!/bin/bash
# 401 (SPEC §6, §7): a refused API key holds everything - nothing dropped,
# the cause logged at most once a minute - until SIGHUP re-reads the
# configuration with a good key; then all of it arrives.  A bad new
# configuration keeps the old one and says why.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
test_init auth
. "$top_srcdir/tests/delivery/common.bash"

GOOD_KEY=rotated-key-GOOD
start_ingest --script "{\"api_key\":\"$GOOD_KEY\"}" || bail_out "fake ingest does not start"
write_config "$T/c.conf" auralog.flush_interval=0.2 delivery.retry_initial=0.1 delivery.retry_max=0.5
feed_start "$T/c.conf" --acks "$T/acks"
feed_write "info before 1" "warn before 2" "error before 3" "info before 4"
_n401() { req_count_status 401; }
ok "the endpoint refuses the key (several 401s)" wait_until 10 _ge 6 _n401
sleep 1
feed_write "info during 5"
ok "held entries are retried (more 401s)" wait_until 10 _ge 10 _n401
is "nothing accepted" "$(ingest_count)" 0
ok "feed keeps running" feed_alive
ok "no acknowledgement while refused" test ! -s "$T/acks"
ok "stderr explains the key problem" grep -q "refused the API key" "$FEED_ERR"
is "explained at most once a minute (1 line for $(_n401) refusals)" "$(grep -c "refused the API key" "$FEED_ERR")" 1
ok "the hint says how to fix it (reload)" grep -q "SIGHUP" "$FEED_ERR"
diag "$(grep "API key" "$FEED_ERR")"

# a broken configuration on SIGHUP is refused, the old one stays
cp "$T/c.conf" "$T/c.conf.good"
printf '[auralog]\nflush_interval = soon\n' >>"$T/c.conf"
kill -HUP "$FEED_PID"
_reload_failed() { grep -q "reload failed" "$FEED_ERR"; }
ok "a bad configuration on SIGHUP is refused and logged" wait_until 5 _reload_failed
ok "feed keeps running after a bad reload" feed_alive
is "still nothing accepted" "$(ingest_count)" 0
cp "$T/c.conf.good" "$T/c.conf"

# rotate the key and reload
(umask 077 && printf '%s\n' "$GOOD_KEY" >"$T/api_key")
kill -HUP "$FEED_PID"
ok "after SIGHUP with a good key everything held arrives" ingest_wait_count 5 10
feed_write "info after 6" "fatal after 7"
ok "entries after the reload arrive" ingest_wait_count 7 10
feed_close
feed_wait_exit 10
is "feed exits 0" "$FEED_RC" 0
is "every entry once" "$(n_sorted)" "$(seq_list 1 7)"
is "no duplicates" "$(ingest_entries | jlines 'o["metadata"]["source"]' | grep -c feed)" 7
is "the failed reload was self-reported (capture_errors)" \
    "$(ingest_entries | jlines 'o["level"] if o["metadata"]["source"] == "auralog-bridge" and "reload failed" in o["message"] else None')" \
    error
is "accepted requests carry the new key" \
    "$(ingest_requests | jlines 'o["body"]["projectApiKey"] == "'"$GOOD_KEY"'" if o["status"] == 200 else None' | sort -u)" true
is "watermark reaches 8 (7 lines + the self-report)" "$(tail -1 "$T/acks")" "acked 8"
ok "the reload is logged" grep -q "configuration reloaded" "$FEED_ERR"
ok "neither key appears in the log" ! grep -q -e "$TEST_API_KEY" -e "$GOOD_KEY" "$FEED_ERR"

# 403 is held the same way
ingest_reset
ingest_script '{"steps":[{"status":403,"count":3}]}'
echo "info forbidden" | timeout -k 3 20 "$FEED" --config "$T/c.conf" >/dev/null 2>"$T/err403"
is "403 held, then delivered when accepted" "$?:$(ingest_count)" "0:1"
done_testing
