#!/bin/bash
# Batching (SPEC §7): a batch leaves when flush_interval has passed since its
# first entry or when max_batch_entries / max_batch_bytes is reached, in order.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
test_init batching
. "$top_srcdir/tests/delivery/common.bash"

start_ingest || bail_out "fake ingest does not start"

# --- by size: max_batch_entries -------------------------------------------------
write_config "$T/size.conf" auralog.flush_interval=30 delivery.max_batch_entries=10
seq 1 95 | sed 's/^/info entry /' >"$T/95.in"
timeout -k 3 20 "$FEED" --config "$T/size.conf" <"$T/95.in" >/dev/null 2>"$T/size.err"
is "feed of 95 entries exits 0" "$?" 0
is "95 entries in 10 requests" "$(ingest_request_count)" 10
is "9 requests of 10 then one of 5" "$(ingest_requests | jlines 'len(o["body"]["logs"])' | tr '\n' ' ')" \
    "10 10 10 10 10 10 10 10 10 5 "
is "every entry once, in order" "$(n_list)" "$(seq_list 1 95)"
is "messages kept" "$(ingest_entries | jlines 'o["message"]' | sed -n '1p;95p' | tr '\n' '|')" \
    "entry 1|entry 95|"
is "all to /v1/logs" "$(req_count_path /v1/logs)" 10

# --- by size: max_batch_bytes -----------------------------------------------------
ingest_reset
write_config "$T/bytes.conf" auralog.flush_interval=30 delivery.max_batch_bytes=2048
seq 1 60 | sed 's/^/info a message of some length to fill the batch quickly, number /' >"$T/60.in"
timeout -k 3 20 "$FEED" --config "$T/bytes.conf" <"$T/60.in" >/dev/null 2>"$T/bytes.err"
is "feed of 60 entries exits 0" "$?" 0
is "every entry once, in order" "$(n_list)" "$(seq_list 1 60)"
nreq=$(ingest_request_count)
ok "split into several requests ($nreq)" test "$nreq" -ge 10
maxlen=$(ingest_requests | jlines 'int(o["headers"]["content-length"])' | sort -n | tail -1)
diag "largest body: $maxlen bytes (max_batch_bytes = 2048)"
ok "every request body within max_batch_bytes" test "$maxlen" -le 2048
ok "batches are not single entries" test "$nreq" -lt 60

# --- by time: flush_interval --------------------------------------------------------
ingest_reset
write_config "$T/time.conf" auralog.flush_interval=1
feed_start "$T/time.conf"
t0=$EPOCHREALTIME
feed_write "info g1 a" "info g1 b" "info g1 c"
# nothing reaches the batch limit: only the time can send these
ok "first group sent by time, before EOF" ingest_wait_count 3 10
is "first group is one request" "$(ingest_request_count)" 1
t1=$(ingest_requests | jlines 'repr(o["t"])' | head -1)
waited=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
diag "first request $waited s after the first line (flush_interval = 1)"
ok "not sent before flush_interval" awk -v w="$waited" 'BEGIN { exit !(w >= 0.95) }'
# trickle: 12 lines 0.15 s apart = 1.8 s > flush_interval: a few batches, not one per entry
for i in $(seq 1 12); do
    feed_write "info t$i"
    sleep 0.15
done
ok "trickled entries arrive" ingest_wait_count 15 10
feed_close
feed_wait_exit 10
is "feed exits 0 on EOF" "$FEED_RC" 0
groups=$(ingest_requests | jlines 'len(o["body"]["logs"])' | tail -n +2 | tr '\n' ' ')
diag "trickled 12 entries arrived in batches of: $groups"
nreq=$(ingest_request_count)
ok "trickled entries grouped (2..6 requests, got $((nreq - 1)))" test $((nreq - 1)) -ge 2 -a $((nreq - 1)) -le 6
is "order kept" "$(n_list)" "$(seq_list 1 15)"
gaps=$(ingest_requests | jlines 'repr(o["t"])' | awk 'NR > 1 && p { printf "%.2f ", $1 - p } { p = $1 }')
diag "gaps between requests: $gaps"
ok "requests ~flush_interval apart (no gap < 0.9 s before the EOF flush)" \
    awk -v g="$gaps" 'BEGIN { n = split(g, a, " "); for (i = 1; i < n; i++) if (a[i] < 0.9) exit 1 }'

done_testing
