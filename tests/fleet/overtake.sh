#!/usr/bin/env bash
# Errors overtake a client's backlog (SPEC §10, §11): the fleet client configs
# send severities 0-3 through their own ruleset, queue and RELP/TCP session
# (auralog_forward_urgent), every other message through auralog_forward.
#   - every shipped client config validates (rsyslogd -N1)
#   - lossless client (client-relp-single.conf) started while its aggregator
#     is down: OVERTAKE_N info messages, then one severity-3 marker, pile up in
#     the client's queues; the aggregator starts and the backlog drains
#   - asserted on order, not timings, as in tests/plugin/rsyslog_overtake.sh:
#     fewer than half of the backlog was ahead of the marker where it was
#     recorded in arrival order, at the aggregator (its received log: what the
#     client sent, the tier tested here) and at the endpoint (entries.jsonl;
#     there the aggregator's own errors-first path helps too).  "Before the
#     last of the backlog" would not do: without the urgent path the marker
#     still came 149 before the end at the aggregator (rsyslog hands batches
#     on slightly out of order), and 0 at the endpoint; with it, about 13% of
#     the backlog at the aggregator.
#   - the client's urgent queue took only the marker, its main queue only the
#     backlog (impstats); everything arrives exactly once
# The client's own messages (rsyslog's "suspended" errors) are kept out of the
# forwarding here, as in tests/plugin/rsyslog_overtake.sh: they would be
# errors of their own.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/fleet/lib-fleet.sh"
test_init fleet_overtake

[ "$(id -u)" = 0 ] || skip_all "needs root for a network namespace"
[ -x "$RSYSLOGD" ] || skip_all "rsyslogd not installed"
need_cmd ip "iproute2 not installed"
ls /usr/lib/*/rsyslog/omrelp.so >/dev/null 2>&1 || skip_all "rsyslog-relp not installed (apt-get install rsyslog-relp)"
[ -x "$OMAURALOG" ] || skip_all "omauralog not built"
fleet_net_setup || skip_all "cannot create a network namespace with a veth pair"

# big enough that the client needs several seconds to drain it: both of its
# sessions are retried every FLEET_RESUME s, whichever reconnects first
N=${OVERTAKE_N:-100000}
export FLEET_RESUME=${FLEET_RESUME:-1}

start_ingest || bail_out "fake ingest did not start"
P1=$(free_port)
P2=$(free_port)
agg_conf agg1 "$P1" || bail_out "writing the aggregator config failed"

# --- every client config validates --------------------------------------------
for c in client client-relp client-relp-single; do
    FLEET_CLIENT_CONF=$c client_conf "$P1" "$P2" || bail_out "writing $c failed"
    ok "$c.conf has an urgent ruleset" grep -q '^ruleset(name="auralog_forward_urgent"' "$T/client.conf"
    ok "$c.conf validates (rsyslogd -N1)" "$RSYSLOGD" -N1 -f "$T/client.conf"
done

# --- the lossless client with a backlog -----------------------------------------
FLEET_CLIENT_CONF=client-relp-single client_conf "$P1" "$P2" || bail_out "writing the client config failed"
# impstats for the queue counters; only the test's messages are forwarded
sed -i "/^input(type=\"imtcp\"/a\\
module(load=\"impstats\" interval=\"1\" log.syslog=\"off\" log.file=\"$T/client-stats.log\")\\
if \$inputname != \"imtcp\" then { action(type=\"omfile\" file=\"$T/client-internal.log\") stop }" "$T/client.conf"
ok "the client starts while its aggregator is down" rs_start client "$FLEET_NS"
wait_until 10 ip netns exec "$FLEET_NS" bash -c "exec 3<>/dev/tcp/127.0.0.1/$CLIENT_PORT"

# impstats' cumulative counter of a queue, the highest value written so far
stat_of() { sed -n "s/.*: $1: .* $2=\([0-9]*\).*/\1/p" "$T/client-stats.log" 2>/dev/null | sort -n | tail -1; }
stat_ge() { [ "$(stat_of "$1" "$2")" -ge "$3" ] 2>/dev/null; }

# backlog and marker on one connection: imtcp hands them to the main queue in
# order, so the marker is behind the whole backlog when the client sorts them
marker="urgent-marker-$$-$RANDOM$RANDOM"
ip netns exec "$FLEET_NS" "$PYTHON3" - "$CLIENT_PORT" "$N" "$marker" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"".join(b"<14>1 2026-11-25T12:00:00Z web-07 backlog 2210 - - backlog %06d\n" % i
                   for i in range(int(sys.argv[2]))))
s.sendall(b"<11>1 2026-11-25T12:00:01Z web-07 urgentapp 2211 - - database gone %s\n" % sys.argv[3].encode())
s.close()
PY
ok "the backlog is in the client's main queue (impstats auralog_forward enqueued)" \
    wait_until 60 stat_ge auralog_forward enqueued "$N"
ok "the marker is in the client's urgent queue (impstats auralog_forward_urgent enqueued)" \
    wait_until 60 stat_ge auralog_forward_urgent enqueued 1

ok "the aggregator starts" rs_start agg1
backlog_count() { grep -c '"backlog [0-9]\{6\}"' "$INGEST_DIR/entries.jsonl"; }
backlog_uniq() { grep -o '"backlog [0-9]\{6\}"' "$INGEST_DIR/entries.jsonl" | sort -u | wc -l; }
backlog_ge() { [ "$(backlog_uniq)" -ge "$1" ]; }
has_marker() { grep -q "$marker" "$INGEST_DIR/entries.jsonl"; }
ok "the marker reaches the endpoint" wait_until 120 has_marker
ok "the backlog drains: all $N delivered" wait_until 300 backlog_ge "$N"

# backlog lines ahead of the marker in a file kept in arrival order
ahead_of_marker() { # FILE
    awk -v m="$marker" 'index($0, m) { print n + 0; found = 1; exit } / backlog [0-9]+/ { n++ } END { if (!found) print "none" }' "$1"
}
at_agg=$(ahead_of_marker "$T/agg1-received.log")
at_end=$(ahead_of_marker "$INGEST_DIR/entries.jsonl")
diag "backlog messages before the marker: $at_agg at the aggregator, $at_end at the endpoint (of $N)"
ok "the marker overtook the client's backlog: $at_agg of $N received by the aggregator before it (< 50%)" \
    test "${at_agg/none/$N}" -lt $((N / 2))
ok "the endpoint recorded it ahead of the backlog: $at_end of $N before it (< 50%)" \
    test "${at_end/none/$N}" -lt $((N / 2))

is "each backlog message exactly once at the endpoint" "$(backlog_count)" "$N"
is "exactly one copy of the marker at the endpoint" "$(grep -c "$marker" "$INGEST_DIR/entries.jsonl")" 1
is "the marker's level" "$(grep "$marker" "$INGEST_DIR/entries.jsonl" | jlines 'o["level"]')" error
is "only the marker went through the client's urgent queue" "$(stat_of auralog_forward_urgent enqueued)" 1
is "only the backlog went through the client's main queue" "$(stat_of auralog_forward enqueued)" "$N"

# the client first, while its aggregator is up (see relay.sh)
rs_stop client
rs_stop agg1
is "no client queue file left" "$(find "$T/client" -maxdepth 1 -name 'auralog_forward*' -printf '%f ')" ""
done_testing
