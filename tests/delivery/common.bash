# tests/delivery/common.bash - helpers shared by the delivery engine tests.
# Source after tests/lib.sh.  Drives tests/aura-feed through a fifo so a test
# can write lines over time and see what the fake endpoint recorded meanwhile.
#
#   feed_start CONF [ARGS...]   start aura-feed (stdin from a fifo held open by
#                               this shell), wait until it handles signals;
#                               sets FEED_PID, FEED_ERR, FEED_OUT
#                               (fresh files for every start)
#   feed_write LINE...          write lines ("LEVEL MESSAGE") to its stdin
#   feed_close                  close its stdin (EOF: it drains and exits)
#   feed_wait_exit SECONDS      wait for it to exit; sets FEED_RC (124 on timeout)
#   feed_alive                  true while it runs
#   n_list                      "n" of every accepted entry, space separated, arrival order
#   n_sorted                    the same, sorted numerically and unique
#   seq_list A B                "A A+1 ... B" space separated
#   req_count_path PATH         recorded requests to PATH
#   req_count_status STATUS     recorded requests answered with STATUS

FEED=$top_builddir/tests/aura-feed
[ -x "$FEED" ] || bail_out "$FEED not built (make tests/aura-feed)"

feed_start() {
    local conf=$1
    shift
    _feed_n=$((${_feed_n:-0} + 1))
    FEED_IN=$T/feed.in.$_feed_n
    FEED_ERR=$T/feed.err.$_feed_n
    FEED_OUT=$T/feed.out.$_feed_n
    rm -f "$FEED_IN"
    mkfifo "$FEED_IN" || return 1
    "$FEED" --config "$conf" "$@" <"$FEED_IN" >"$FEED_OUT" 2>"$FEED_ERR" &
    FEED_PID=$!
    register_pid "$FEED_PID"
    exec {FEED_FD}>"$FEED_IN"
    FEED_RC=
    # signals are taken through a signalfd once the loop is set up: before
    # that, SIGUSR1/SIGHUP would kill it
    wait_until 10 _feed_signals_ready || diag "aura-feed did not set up its signals"
}

_feed_signals_ready() { # SIGHUP (1), SIGUSR1 (10) and SIGTERM (15) blocked
    local blk
    blk=$(awk '/^SigBlk:/ { print $2 }' "/proc/$FEED_PID/status" 2>/dev/null) || return 1
    [ -n "$blk" ] || return 1
    (( (0x$blk & 0x4201) == 0x4201 ))
}

feed_write() {
    printf '%s\n' "$@" >&"$FEED_FD"
}

feed_close() {
    if [ -n "${FEED_FD:-}" ]; then
        exec {FEED_FD}>&-
        FEED_FD=
    fi
}

feed_alive() {
    _pid_alive "$FEED_PID"
}

feed_gone() {
    ! _pid_alive "$FEED_PID"
}

feed_wait_exit() {
    if wait_until "$1" feed_gone; then
        wait "$FEED_PID"
        FEED_RC=$?
    else
        FEED_RC=124
    fi
    return 0
}

n_list() {
    ingest_entries | jlines 'o.get("metadata", {}).get("n")' | tr '\n' ' ' | sed 's/ $//'
}

n_sorted() {
    ingest_entries | jlines 'o.get("metadata", {}).get("n")' | sort -n | uniq | tr '\n' ' ' | sed 's/ $//'
}

seq_list() {
    seq "$1" "$2" | tr '\n' ' ' | sed 's/ $//'
}

req_count_path() {
    ingest_requests | jlines "o['path'] if o['path'] == '$1' else None" | wc -l
}

req_count_status() {
    ingest_requests | jlines "o['path'] if o['status'] == $1 else None" | wc -l
}

_ge() { [ "$("$2")" -ge "$1" ]; } # _ge N FUNC

# recorded requests sorted by arrival time "t" (requests.jsonl is in answer order:
# a delayed answer is recorded after later requests)
requests_by_t() {
    ingest_requests | "$PYTHON3" -c '
import json, sys
rs = [json.loads(l) for l in sys.stdin if l.strip()]
for r in sorted(rs, key=lambda r: r["t"]):
    print(json.dumps(r))'
}

# stats_line: send the feed SIGUSR1 and print the stats line it logs
stats_line() {
    local before
    before=$(grep -c "stats " "$FEED_ERR")
    kill -USR1 "$FEED_PID"
    wait_until 5 _stats_after "$before"
    grep "stats " "$FEED_ERR" | tail -1
}
_stats_after() { [ "$(grep -c "stats " "$FEED_ERR")" -gt "$1" ]; }
