#!/bin/bash
# Chaos on the journal path (issue 16): faults that happen together, against
# a live journald namespace instance.
#
#   - 20,000 entries written at about 2,000/s, each with a unique sequence
#     number, while auralog-journald reads (from the head of the namespace);
#   - the endpoint fails about 20% of the requests at random with a fixed seed:
#     503, 500, connection reset, or a 3-s hang (timeout = 2,
#     retry_initial = 0.2, retry_max = 2);
#   - journalctl --rotate at 2 s and 7 s; SIGHUP (reload) at 3 s; kill -9 and
#     restart at 4 s and 9 s; SIGTERM (a graceful stop) and restart at 6 s.
#
# Asserted: every sequence number arrives at least once (the acknowledged
# cursor survives kill -9); duplicates are allowed and printed.  Timings are
# not asserted.  CHAOS_SEED, CHAOS_COUNT, CHAOS_RATE override the defaults.
. "${top_srcdir:?}/tests/journal/lib-journal.sh"
test_init journal-chaos

SEED=${CHAOS_SEED:-1603}
COUNT=${CHAOS_COUNT:-20000}
RATE=${CHAOS_RATE:-2000}

start_journald
start_ingest --script "{\"random\": {\"seed\": $SEED, \"rate\": 0.2, \"faults\": [
    {\"status\": 503}, {\"status\": 500}, {\"reset\": true}, {\"hang\": 3}]}}" ||
    bail_out "fake ingest did not start"
write_config "$T/a.conf" delivery.timeout=2 delivery.retry_initial=0.2 delivery.retry_max=2 \
    auralog.flush_interval=0.2 || bail_out "cannot write the config"

# the writer: COUNT entries "jc NNNNN" at RATE/s in chunks of 10 ms
"$PYTHON3" - "$COUNT" "$RATE" <<'PY' | jsend >"$T/writer.log" 2>&1 &
import json, sys, time
count, rate = int(sys.argv[1]), float(sys.argv[2])
chunk, t0 = max(1, int(rate / 100)), time.monotonic()
for i in range(0, count, chunk):
    for j in range(i, min(count, i + chunk)):
        sys.stdout.write(json.dumps({"MESSAGE": "jc %05d" % j, "SYSLOG_IDENTIFIER": "chaos"}) + "\n")
    sys.stdout.flush()
    ahead = t0 + (i + chunk) / rate - time.monotonic()
    if ahead > 0:
        time.sleep(ahead)
PY
WRITER_PID=$!
register_pid "$WRITER_PID"
t_start=${EPOCHREALTIME/./}
at() { # wait until SECONDS after the start of the stream
    local left=$((t_start + ${1}000000 - ${EPOCHREALTIME/./}))
    [ $left -gt 0 ] && sleep "$(awk -v u=$left 'BEGIN { printf "%.3f", u / 1e6 }')"
    return 0
}
elapsed() { awk -v u=$((${EPOCHREALTIME/./} - t_start)) 'BEGIN { printf "%.1f", u / 1e6 }'; }
reader() { run_reader --config "$T/a.conf" --namespace "$JNS" --start head; }

reader
at 2
ok "journalctl --rotate while reading" jctl --rotate
at 3
diag "$(elapsed) s: SIGHUP"
kill -HUP "$READER_PID"
at 4
diag "$(elapsed) s: kill -9 and restart"
kill -KILL "$READER_PID"
wait "$READER_PID" 2>/dev/null
reader
at 6
diag "$(elapsed) s: SIGTERM and restart"
kill -TERM "$READER_PID"
wait "$READER_PID"
is "SIGTERM: exit 0" "$?" 0
reader
at 7
ok "journalctl --rotate again" jctl --rotate
at 9
diag "$(elapsed) s: kill -9 and restart"
kill -KILL "$READER_PID"
wait "$READER_PID" 2>/dev/null
reader
wait "$WRITER_PID"
diag "$(elapsed) s: writer done"

seqs() { grep -o '"message":"jc [0-9]\{5\}"' "$INGEST_DIR/entries.jsonl" | cut -c15-19; }
uniq_ge() { [ "$(seqs | sort -u | wc -l)" -ge "$1" ]; }
wait_until 90 uniq_ge "$COUNT"
distinct=$(seqs | sort -u | wc -l)
received=$(seqs | wc -l)
is "all $COUNT sequence numbers arrived (0 lost)" "$distinct" "$COUNT" ||
    diag "missing: $(seqs | sort -u | awk -v n="$COUNT" '{ s[$1 + 0] = 1 } END { for (i = 0; i < n; i++) if (!(i in s)) { printf "%d ", i; if (++c > 20) break } }')"
diag "journal seed $SEED: $received received, $distinct distinct, duplicates: $((received - distinct))"
diag "requests: $(ingest_request_count), faults answered: $(grep -c '"step":"r' "$INGEST_DIR/requests.jsonl"), journal files: $(ls "$JDIR" | wc -l)"
ok "reader still running" kill -0 "$READER_PID"
ok "SIGTERM: exits 0" eval "kill -TERM $READER_PID; wait $READER_PID"
done_testing
