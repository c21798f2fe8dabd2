#!/usr/bin/env bash
# Fleet relay tier (SPEC §10, issue 6): a client rsyslogd forwards to two aggregator
# rsyslogds (conf/fleet/aggregator.conf + the shipped template) that run omauralog
# against the fake ingest endpoint.
#   - messages from another host keep host = origin, get relay = aggregator host
#   - failover client (client-relp.conf; client.conf with FLEET_PROTO=tcp): agg1 down,
#     agg2 takes over; only the message whose send found agg1 gone may be lost,
#     one on each path (errors have their own: tests/fleet/overtake.sh)
#   - lossless client (client-relp-single.conf): the aggregators stopped for 20 s
#     mid-stream and restarted: the client's queue held, every message arrives
# Over TCP (FLEET_PROTO=tcp, not guaranteed) the loss checks are TAP TODO.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/fleet/lib-fleet.sh"
test_init fleet_relay
diag "client -> aggregators over $FLEET_PROTO"

[ "$(id -u)" = 0 ] || skip_all "needs root for a network namespace (the relay rule needs a non-loopback peer)"
[ -x "$RSYSLOGD" ] || skip_all "rsyslogd not installed"
need_cmd ip "iproute2 not installed"
if [ "$FLEET_PROTO" = relp ] && ! ls /usr/lib/*/rsyslog/omrelp.so >/dev/null 2>&1; then
    skip_all "rsyslog-relp not installed (apt-get install rsyslog-relp), or run with FLEET_PROTO=tcp"
fi
[ -x "$OMAURALOG" ] || skip_all "omauralog not built"
fleet_net_setup || skip_all "cannot create a network namespace with a veth pair"

start_ingest || bail_out "fake ingest did not start"
P1=$(free_port)
P2=$(free_port)
agg_conf agg1 "$P1" && agg_conf agg2 "$P2" && client_conf "$P1" "$P2" || bail_out "writing configs failed"
ok "aggregator 1 starts" rs_start agg1
ok "aggregator 2 starts" rs_start agg2
ok "client starts in its namespace" rs_start client "$FLEET_NS"
wait_until 10 ip netns exec "$FLEET_NS" bash -c "exec 3<>/dev/tcp/127.0.0.1/$CLIENT_PORT"
relay_host=$(hostname)

# Over RELP the checks are strict.  Plain TCP loses what was written into the
# socket of an aggregator that goes away (no application-level acknowledgement):
# there the checks are TAP TODO unless FLEET_STRICT=1; the missing numbers are printed.
missing_of() { # PREFIX N
    fleet_seen "$1" | awk -v n="$2" '{ seen[$1] = 1 } END { for (i = 1; i <= n; i++) if (!(i in seen)) printf "%d ", i }'
}
must_arrive() { # DESC PREFIX N SECONDS [ALLOWED_MISSING: numbers that may be missing]
    local missing allowed
    allowed=$(wc -w <<<"${5:-}")
    # wait for all but the allowed ones, then briefly for the allowed ones too
    wait_until "$4" _fleet_count_ge "$2" $(($3 - allowed)) && [ "$allowed" -gt 0 ] &&
        wait_until 3 _fleet_count_ge "$2" "$3"
    missing=$(missing_of "$2" "$3")
    if [ -z "$(comm -23 <(tr ' ' '\n' <<<"$missing" | grep . | sort) <(tr ' ' '\n' <<<"${5:-}" | grep . | sort))" ]; then
        pass "$1"
        [ -n "$missing" ] && diag "  missing (allowed): $2 $missing"
        return 0
    fi
    if [ "$FLEET_PROTO" = relp ] || [ "${FLEET_STRICT:-0}" = 1 ]; then
        fail "$1"
    else
        _tap_n=$((_tap_n + 1))
        printf 'not ok %d - %s # TODO plain TCP loses messages in flight to an aggregator that goes away\n' "$_tap_n" "$1"
    fi
    diag "  missing: $2 $missing"
    return 1
}

line() { # PREFIX SEQ
    printf '<%d>1 2026-11-25T12:00:00.%06dZ web-07 checkout 2210 ID%d [trace@1 traceId="abc%d"] %s %d' \
        $(( (16 + 3) * 8 + ($2 % 7 == 0 ? 3 : 6) )) "$2" "$2" "$2" "$1" "$2"
}
send_range() { # PREFIX FROM TO [DELAY]
    local i
    for ((i = $2; i <= $3; i++)); do
        client_send "$(line "$1" "$i")" || return 1
        [ -n "${4:-}" ] && sleep "$4"
    done
    return 0
}

# --- 1: relayed entries describe their origin --------------------------------
send_range A 1 20
ok "20 messages arrive through the relay tier" wait_until 30 _fleet_count_ge A 20
e=$(ingest_entries | jlines 'o if o["message"] == "A 7" else None' | head -1)
is "host = origin" "$(jlines 'o["metadata"]["host"]' <<<"$e")" web-07
is "relay = the aggregator's hostname" "$(jlines 'o["metadata"].get("relay")' <<<"$e")" "$relay_host"
is "the bridge's own host keys are left out" \
    "$(jlines '",".join(sorted(set(o["metadata"]) & {"machine_id", "os", "kernel"})) or "none"' <<<"$e")" none
is "program and pid of the origin" "$(jlines '"%s %s" % (o["metadata"]["program"], o["metadata"]["pid"])' <<<"$e")" "checkout 2210"
is "level from the origin's severity (7 -> err -> error)" "$(jlines 'o["level"]' <<<"$e")" error
is "traceId from structured data" "$(jlines 'o.get("traceId")' <<<"$e")" abc7
is "the preferred aggregator carried them" "$(fleet_seen A | awk '{print $2}' | sort -u | tr '\n' ' ')" "agg1 "

# --- 2: failover -------------------------------------------------------------
# rsyslog 8.2302 decides before sending a message whether the backup action gets
# it (omrelp and omfwd are transactional: they send in the commit phase).  The
# one message whose send finds agg1 gone is dropped by the primary (it must give
# up to fail over); that is the documented price of failover (README, Fleets).
# Errors (B 7, 14, ...: severity 3) take the client's own urgent chain, which
# loses its own such message: B 7, or one of the client's own error messages
# about agg1 that went before it.
rs_stop agg1
send_range B 1 40 0.05
must_arrive "aggregator 1 down: all 40 messages arrive but the one per path that found it gone" B 40 30 "1 7 "
like "aggregator 2 took over" "$(fleet_seen B | awk '{print $2}' | sort -u | tr '\n' ' ')" "agg2"
ok "aggregator 1 restarts" rs_start agg1

# --- 3: both down for 20 s mid-stream, lossless client -----------------------
# the lossless layout has no failover: one aggregator, retried forever
if [ "$FLEET_PROTO" = relp ]; then
    ok "the client stops" rs_stop client
    FLEET_CLIENT_CONF=client-relp-single client_conf "$P1" "$P2" || bail_out "writing the client config failed"
    ok "the client restarts with client-relp-single.conf" rs_start client "$FLEET_NS"
    wait_until 10 ip netns exec "$FLEET_NS" bash -c "exec 3<>/dev/tcp/127.0.0.1/$CLIENT_PORT"
fi
send_range C 1 20 0.05
ok "before the outage: 20 messages arrive" wait_until 60 _fleet_count_ge C 20
send_range C 21 60 0.05 &
sender=$!
sleep 0.5
rs_stop agg1
rs_stop agg2
t0=$SECONDS
wait "$sender"
send_range C 61 100 0.1
sleep $((20 - (SECONDS - t0) > 0 ? 20 - (SECONDS - t0) : 0))
before=$(fleet_count C)
diag "after 20 s outage: $before of 100 delivered"
ok "while both are down, nothing new arrives (queue held)" test "$before" -lt 100
ok "aggregator 1 restarts after 20 s" rs_start agg1
must_arrive "every message sent during the outage arrives" C 100 60
total=$(fleet_seen C | wc -l)
diag "phase C: $total entries for 100 messages (duplicates allowed: at-least-once)"
ok "the client's queue is empty again" wait_until 10 bash -c "! ls $T/client/auralog_forward* >/dev/null 2>&1"

# in order, each while what it sends to is up: stopped all at once, the client's
# omrelp and the aggregators' omauralog spend the 5 s stop budget on a peer
# that is gone
rs_stop client
rs_stop agg2
rs_stop agg1

done_testing
