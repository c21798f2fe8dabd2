#!/bin/bash
# Signals under load: no crash, no loss (every entry delivered at least once,
# compared as sets), no deadlock (exit within a bound after EOF / SIGTERM).
#   1. aura-feed forwarding 20000 entries with SIGHUP every 100 ms (the config
#      alternates between batch sizes, with an invalid one now and then)
#   2. a SIGUSR1 storm while forwarding
#   3. SIGTERM in the middle of a retry: prompt exit 0
#   4. auralog-journald --directory: SIGHUP every 100 ms while it forwards a
#      journal, then SIGTERM in the middle of a retry, then a restart from the
#      state file delivers the rest: nothing of the journal is lost
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
test_init hardening_signals
. "$top_srcdir/tests/hardening/lib-hardening.sh"
[ -x "$AURA_FEED" ] || bail_out "$AURA_FEED not built (make tests/aura-feed)"

start_ingest --no-request-bodies || bail_out "fake ingest does not start"
N=20000

# ---- 1. SIGHUP every 100 ms while forwarding 20000 entries ----------------------
# the endpoint takes 20 ms per request, so forwarding lasts several seconds
ingest_script '{"default":{"status":200,"delay":0.02}}'
write_config "$T/a.conf" auralog.flush_interval=0.05 delivery.max_batch_entries=100
cp "$T/a.conf" "$T/hup-a.conf"
write_config "$T/hup-b.conf" auralog.flush_interval=0.1 delivery.max_batch_entries=50 global_metadata.gen=b
printf '[auralog]\nflush_interval = soon\n' >"$T/hup-bad.conf"
seq_lines "$N" "info hup " >"$T/hup.in"
t0=$SECONDS
"$AURA_FEED" --config "$T/a.conf" <"$T/hup.in" >/dev/null 2>"$T/hup.err" &
pid=$!
register_pid "$pid"
wait_until 10 signals_ready "$pid" || diag "aura-feed does not block SIGHUP after 10 s"
hups=0
while _pid_alive "$pid" && [ $((SECONDS - t0)) -lt 90 ]; do
    case $((hups % 7)) in
        3) cp "$T/hup-bad.conf" "$T/a.conf" ;;
        0|2|4) cp "$T/hup-b.conf" "$T/a.conf" ;;
        *) cp "$T/hup-a.conf" "$T/a.conf" ;;
    esac
    kill -HUP "$pid" 2>/dev/null && hups=$((hups + 1))
    sleep 0.1
done
wait_pid "$pid" 30
diag "$hups SIGHUPs in $((SECONDS - t0)) s"
is "SIGHUP storm: aura-feed exits 0 after EOF" "$WAIT_RC" 0
ok "SIGHUP storm: more than 10 reloads happened while forwarding" test "$hups" -gt 10
miss=$(missing_ns "$N" | head -n 5)
is "SIGHUP storm: every one of the $N entries delivered" "$miss" ""
diag "duplicates: $(( $(delivered_ns | wc -l) - N ))"
ok "SIGHUP storm: entries after a reload carry the new global metadata" \
    grep -q '"gen": *"b"' "$INGEST_DIR/entries.jsonl"
ok "SIGHUP storm: failed reloads reported as entries (capture_errors)" \
    grep -q 'reload' "$INGEST_DIR/entries.jsonl"
ok "SIGHUP storm: no crash or abort message" ! grep -qi "abort\|assert\|sanitizer" "$T/hup.err"
ok "SIGHUP storm: invalid configs were refused and logged" grep -q "soon" "$T/hup.err"
ingest_reset
ingest_script '{"default":{"status":200}}'

# ---- 1b. signals at startup, before the event loop exists -----------------------
# rsyslog's omprog (hup.signal) or a service manager may signal a process that
# has just been started: HUP/USR1 must never kill it
write_config "$T/s.conf" auralog.flush_interval=0.05
died=0
feed_exe=$(readlink -f "$AURA_FEED")
for i in 1 2 3 4 5 6 7 8 9 10; do
    mkfifo "$T/s.in.$i"
    exec {sfd}<>"$T/s.in.$i" # read-write: opening never blocks
    "$AURA_FEED" --config "$T/s.conf" <"$T/s.in.$i" >/dev/null 2>"$T/s.err.$i" {sfd}>&- &
    p=$!
    register_pid "$p"
    # signal as soon as main() has blocked the signals it handles (before the
    # signalfd and the loop exist); the dynamic loader's window before main()
    # cannot be closed by the program itself
    for ((k = 0; k < 5000; k++)); do
        [ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$feed_exe" ] && signals_ready "$p" && break
    done
    kill -HUP "$p" 2>/dev/null
    kill -USR1 "$p" 2>/dev/null
    echo "info startup $i" >&"$sfd"
    exec {sfd}>&-
    wait_pid "$p" 15
    [ "$WAIT_RC" = 0 ] || { died=$((died + 1)); diag "start $i: exit $WAIT_RC"; }
done
is "SIGHUP/SIGUSR1 during start-up: every one of 10 starts exits 0" "$died" 0
ingest_reset
ingest_script '{"default":{"status":200}}'

# ---- 2. SIGUSR1 storm -------------------------------------------------------------
write_config "$T/u.conf" auralog.flush_interval=0.05 delivery.max_batch_entries=100
mkfifo "$T/u.in"
"$AURA_FEED" --config "$T/u.conf" <"$T/u.in" >/dev/null 2>"$T/u.err" &
pid=$!
register_pid "$pid"
exec {fd}>"$T/u.in"
wait_until 10 signals_ready "$pid" || diag "aura-feed does not block SIGUSR1 after 10 s"
(seq_lines 5000 "info usr1 " >&"$fd") &
writer=$!
for i in $(seq 1 2000); do kill -USR1 "$pid" 2>/dev/null || break; done
wait "$writer"
for i in $(seq 1 500); do kill -USR1 "$pid" 2>/dev/null || break; done
exec {fd}>&-
wait_pid "$pid" 60
is "SIGUSR1 storm: aura-feed exits 0 after EOF" "$WAIT_RC" 0
is "SIGUSR1 storm: every entry delivered" "$(missing_ns 5000 | head -n 5)" ""
nstats=$(grep -c "stats " "$T/u.err")
ok "SIGUSR1 storm: stats lines written ($nstats), each whole" test "$nstats" -ge 1
is "SIGUSR1 storm: every stats line well-formed" "$(grep "stats " "$T/u.err" | grep -cv 'read=[0-9]* .*backlog=[0-9]*')" 0
ingest_reset

# ---- 3. SIGTERM in the middle of a retry -------------------------------------------
ingest_script '{"default":{"status":503}}'
write_config "$T/t.conf" auralog.flush_interval=0.05 delivery.retry_initial=0.2 delivery.retry_max=0.5
mkfifo "$T/t.in"
"$AURA_FEED" --config "$T/t.conf" <"$T/t.in" >/dev/null 2>"$T/t.err" &
pid=$!
register_pid "$pid"
exec {fd}>"$T/t.in"
seq_lines 100 "info term " >&"$fd"
echo "error term urgent" >&"$fd"
_retrying() { [ "$(ingest_request_count)" -ge 4 ]; }
ok "the endpoint fails: requests are retried" wait_until 15 _retrying
t0=$EPOCHREALTIME
kill -TERM "$pid"
wait_pid "$pid" 15
el=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
is "SIGTERM during retries: exit 0" "$WAIT_RC" 0
ok "SIGTERM during retries: exits within the grace period (took ${el}s, limit 7 s)" \
    awk -v e="$el" 'BEGIN { exit !(e < 7) }'
exec {fd}>&-
# mid-request: the endpoint hangs, SIGTERM while a request is in flight
ingest_reset
ingest_script '{"default":{"hang":true}}'
write_config "$T/t2.conf" auralog.flush_interval=0.05 delivery.timeout=60
"$AURA_FEED" --config "$T/t2.conf" < <(echo "info in flight"; sleep 30) >/dev/null 2>"$T/t2.err" &
pid=$!
register_pid "$pid"
_inflight() { [ "$(ingest_request_count)" -ge 1 ]; }
wait_until 10 _inflight
t0=$EPOCHREALTIME
kill -TERM "$pid"
wait_pid "$pid" 15
el=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
is "SIGTERM with a request hanging: exit 0" "$WAIT_RC" 0
ok "SIGTERM with a request hanging: exits within the grace period (took ${el}s, limit 7 s)" \
    awk -v e="$el" 'BEGIN { exit !(e < 7) }'
ingest_script '{"default":{"status":200}}'
ingest_reset

# ---- 4. auralog-journald --directory: SIGHUP storm, SIGTERM mid-retry, resume ----
if [ ! -x "$JOURNAL_REMOTE" ] || [ ! -x "$AURALOG_JOURNALD" ]; then
    skip "auralog-journald under signals" "systemd-journal-remote or auralog-journald missing"
    done_testing
fi
JN=5000
make_export "$JN" "jsig " >"$T/j.export"
build_journal "$T/journal" "$T/j.export" || bail_out "systemd-journal-remote failed"
# 4a. the endpoint accepts 15 requests of 50, then fails: the reader is in retry
ingest_script '{"steps":[{"status":200,"count":15}],"default":{"status":503}}'
write_config "$T/j.conf" journal.start=head journal.state_file="$T/j.state" auralog.flush_interval=0.05 \
    delivery.max_batch_entries=50 delivery.retry_initial=0.2 delivery.retry_max=0.5
cp "$T/j.conf" "$T/j-a.conf"
write_config "$T/j-b.conf" journal.start=head journal.state_file="$T/j.state" auralog.flush_interval=0.1 \
    delivery.max_batch_entries=20 delivery.retry_initial=0.2 delivery.retry_max=0.5
"$AURALOG_JOURNALD" --config "$T/j.conf" --directory "$T/journal" 2>"$T/j.err" &
jpid=$!
register_pid "$jpid"
wait_until 10 signals_ready "$jpid" || diag "auralog-journald does not block SIGHUP after 10 s"
_j_retrying() { [ "$(ingest_request_count)" -ge 19 ]; }
for i in $(seq 1 20); do # SIGHUP every 100 ms while it forwards and then retries
    if [ $((i % 2)) = 0 ]; then cp "$T/j-b.conf" "$T/j.conf"; else cp "$T/j-a.conf" "$T/j.conf"; fi
    kill -HUP "$jpid" 2>/dev/null
    sleep 0.1
done
ok "auralog-journald: the endpoint fails after 15 requests, the reader retries" wait_until 20 _j_retrying
ok "auralog-journald: alive after 20 SIGHUPs" _pid_alive "$jpid"
got_before=$(ingest_count)
t0=$EPOCHREALTIME
kill -TERM "$jpid"
wait_pid "$jpid" 15
el=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
is "auralog-journald: SIGTERM during retries exits 0" "$WAIT_RC" 0
ok "auralog-journald: exits within the grace period (took ${el}s, limit 7 s)" awk -v e="$el" 'BEGIN { exit !(e < 7) }'
ok "auralog-journald: state file written" test -s "$T/j.state"
diag "$got_before of $JN delivered before SIGTERM"
# 4b. the endpoint recovers: a restart from the state delivers the rest
ingest_script '{"default":{"status":200}}'
timeout 60 "$AURALOG_JOURNALD" --config "$T/j-a.conf" --directory "$T/journal" --once 2>>"$T/j.err"
is "auralog-journald --once after the restart exits 0" "$?" 0
is "auralog-journald: every journal entry delivered at least once" "$(missing_msgs "$JN" "jsig " | head -n 5)" ""
total=$(ingest_count)
diag "delivered $total for $JN journal entries (duplicates: $((total - JN)))"
# the cursor advances by checkpoints taken once per read burst (512 entries):
# what was acknowledged after the last checkpoint is sent again
ok "auralog-journald: duplicates bounded by one read burst (<= 512)" test $((total - JN)) -le 512
ok "auralog-journald: no crash message" ! grep -qi "abort\|assert\|sanitizer\|crashed" "$T/j.err"

done_testing
