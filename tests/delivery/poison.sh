#!/bin/bash
# A poisoned entry (SPEC §7): 400/413/422 split the batch until the offending
# entry is alone; only it is dropped, counted and logged, its neighbours arrive.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
test_init poison
. "$top_srcdir/tests/delivery/common.bash"

start_ingest --script '{"reject_marker":"POISON"}' || bail_out "fake ingest does not start"
write_config "$T/c.conf" auralog.flush_interval=0.2

N=40
for i in $(seq 1 $N); do
    if [ "$i" = 13 ]; then echo "info entry $i POISON"; else echo "info entry $i"; fi
done >"$T/in"
timeout -k 3 20 "$FEED" --config "$T/c.conf" <"$T/in" >/dev/null 2>"$T/err"
is "feed exits 0 (the drop is acknowledged)" "$?" 0
is "every entry but the poisoned one, each once, in order" "$(n_list)" "$(seq 1 $N | grep -vx 13 | tr '\n' ' ' | sed 's/ $//')"
nreq=$(ingest_request_count)
diag "$nreq requests, statuses: $(ingest_requests | jlines 'str(o["status"])' | tr '\n' ' ')"
# a plain bisection needs about 2*log2(N) requests; the engine re-merges the
# half it gave back with the rest of the queue, so allow (log2(N)+1)^2
ok "isolated by splitting (<= 44 requests for N = 40)" test "$nreq" -le 44
is "rejected alone exactly once" "$(ingest_requests | jlines \
    'str(o["status"]) if o["status"] == 400 and len(o["body"]["logs"]) == 1 else None' | wc -l)" 1
ok "the drop is logged" grep -q "dropped" "$T/err"
drop_line=$(grep dropped "$T/err")
like "the log names the dropped entry" "$drop_line" 'POISON'
like "the log gives the reason (HTTP 400)" "$drop_line" 'HTTP 400'
like "the log says the entry was rejected alone" "$drop_line" 'rejected an entry alone'

diag "$(grep dropped "$T/err")"

# 413 and 422 split too; two poisoned entries among errors and infos, batch limit 8
ingest_reset
ingest_script '{"reject_marker":"BAD","reject_status":422}'
write_config "$T/c2.conf" auralog.flush_interval=0.2 delivery.max_batch_entries=8
{ for i in $(seq 1 30); do
    case $i in 5|6) echo "info entry $i BAD" ;; 20) echo "error entry $i BAD" ;; *) echo "warn entry $i" ;; esac
done; } >"$T/in2"
feed_start "$T/c2.conf" --acks "$T/acks2"
cat "$T/in2" >&"$FEED_FD"
ok "watermark reaches 30 (drops are acknowledged)" wait_until 15 grep -qx "acked 30" "$T/acks2"
kill -USR1 "$FEED_PID"
_stats_logged() { grep -q "stats " "$FEED_ERR"; }
wait_until 5 _stats_logged
stats=$(grep "stats " "$FEED_ERR")
diag "$stats"
like "stats count the three drops" "$stats" ' dropped=3 '
like "stats: all acknowledged" "$stats" ' acked=30 .*backlog=0'
feed_close
feed_wait_exit 10
is "feed exits 0" "$FEED_RC" 0
is "all but the three rejected entries arrive" "$(n_sorted)" "$(seq 1 30 | grep -vx '5\|6\|20' | tr '\n' ' ' | sed 's/ $//')"
is "no duplicates" "$(ingest_count)" 27
ok "drops logged (rate-limited)" grep -q "dropped it" "$FEED_ERR"

ingest_reset
ingest_script '{"reject_marker":"HUGE","reject_status":413}'
printf 'info a\ninfo HUGE\ninfo c\n' | timeout -k 3 20 "$FEED" --config "$T/c.conf" >/dev/null 2>"$T/err3"
is "413: feed exits 0" "$?" 0
is "413: neighbours delivered" "$(n_list)" "1 3"
done_testing
