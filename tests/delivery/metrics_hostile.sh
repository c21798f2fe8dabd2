#!/bin/bash
# Hostile clients on the metrics port (issue 13): thousands of idle
# connections, slowloris, garbage requests.  Forwarding goes on undisturbed:
# every entry written during the attack arrives, and the port answers
# normally once the attack ends.  The port is on the configured address only.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
test_init metrics_hostile
. "$top_srcdir/tests/delivery/common.bash"

start_ingest || bail_out "fake ingest does not start"
MPORT=$(free_port)
write_config "$T/a.conf" auralog.flush_interval=0.05 "metrics.listen=127.0.0.1:$MPORT"
feed_start "$T/a.conf"
get() { "$PYTHON3" "$FAKE_INGEST" --client GET "http://127.0.0.1:$MPORT$1"; }
ok "/metrics answers before" wait_until 10 eval 'get /metrics >/dev/null'
ok "bound to 127.0.0.1 only, not 0.0.0.0" eval "ss -ltnH 'sport = :$MPORT' | awk '{ print \$4 }' | grep -qx '127.0.0.1:$MPORT'"

HOSTILE=$top_srcdir/tests/hostile.py
attack() { # NAME ARGS...: start one attacker, wait until it is under way
    local name=$1
    shift
    start_bg "$name" "$PYTHON3" "$HOSTILE" 127.0.0.1 "$MPORT" "$@"
    wait_until 60 grep -q '^ready' "$T/$name.log"
    diag "$name: $(head -n 1 "$T/$name.log")"
    ATTACKERS+=("$BG_PID")
}
ATTACKERS=()
attack idle idle 2000
attack slowloris slowloris 50
attack garbage garbage
attack garbage2 garbage

n=0
for round in 1 2 3 4 5; do
    for i in $(seq 1 40); do
        n=$((n + 1))
        feed_write "info under attack $n"
    done
    feed_write "error urgent under attack $round"
    sleep 1
done
ok "every entry written during the attack arrives" ingest_wait_count $((n + 5)) 60
ok "the bridge is alive" feed_alive
is "nothing lost, nothing doubled" "$(n_sorted | wc -w)" "$((n + 5))"

for pid in "${ATTACKERS[@]}"; do _stop_pids "$pid"; done
ok "/metrics answers again after the attack" wait_until 30 eval 'get /metrics >"$T/after.txt"' ||
    diag "sockets on the port: $(ss -tnH state all "sport = :$MPORT" | awk '{ print $1 }' | sort | uniq -c | tr '\n' ' ')"
ok "with the counts" grep -q "^auralog_entries_read_total $((n + 5))\$" "$T/after.txt"
fds=$(ls "/proc/$FEED_PID/fd" | wc -l)
ok "connections are released (fds: $fds)" wait_until 30 eval '[ "$(ls /proc/$FEED_PID/fd | wc -l)" -lt 64 ]'

feed_close
feed_wait_exit 15
is "exit 0" "$FEED_RC" 0
done_testing
