# tests/fleet/lib-fleet.sh - two tiers of real rsyslogd for the fleet tests, on
# top of tests/lib.sh.
#
# The relay rule (SPEC §4: a message whose fromhost-ip is not loopback describes
# its origin, and gets "relay") cannot be exercised over 127.0.0.1, so the client
# rsyslogd runs in a private network namespace joined to this one by a veth pair
# (10.213.N.2 <-> 10.213.N.1); the aggregators listen on 10.213.N.1 and see the
# client as 10.213.N.2.  Nothing else leaves the machine; the namespace and the
# veth pair are deleted at exit.
#
#   fleet_net_setup            creates FLEET_NS, FLEET_HOST_IP (aggregator side), FLEET_NS_IP
#   agg_conf NAME PORT         writes $T/NAME.conf: the shipped template + conf/fleet/aggregator.conf
#                              (imtcp on FLEET_HOST_IP:PORT, imrelp on PORT+1), omauralog with $T/NAME-auralog.conf
#                              whose [global_metadata] aggregator = NAME
#   client_conf PORT1 PORT2    writes $T/client.conf from conf/fleet/client.conf (FLEET_PROTO=tcp)
#                              or client-relp.conf (FLEET_PROTO=relp, default), input imtcp on
#                              127.0.0.1:$CLIENT_PORT inside the namespace
#   rs_start NAME [NS]         rsyslogd -n -f $T/NAME.conf -i $T/NAME.pid (in namespace NS);
#                              sets RS_PID[NAME]
#   rs_stop NAME               TERM by PID, wait
#   client_send LINE...        lines to the client's imtcp, from inside the namespace
. "$top_srcdir/tests/lib.sh"

RSYSLOGD=${RSYSLOGD:-$(command -v rsyslogd || echo /usr/sbin/rsyslogd)}
# relp (client-relp.conf, the default when rsyslog-relp is installed) or tcp (client.conf)
FLEET_PROTO=${FLEET_PROTO:-relp}
declare -A RS_PID=()

fleet_net_setup() {
    local n=$(( ($$ % 200) + 20 ))
    FLEET_NS=auralog-fleet-$$
    FLEET_VETH=auf$$
    FLEET_HOST_IP=10.213.$n.1
    FLEET_NS_IP=10.213.$n.2
    ip netns add "$FLEET_NS" || return 1
    on_exit "ip netns del $FLEET_NS"
    ip link add "${FLEET_VETH}a" type veth peer name "${FLEET_VETH}b" || return 1
    on_exit "ip link del ${FLEET_VETH}a"
    ip link set "${FLEET_VETH}b" netns "$FLEET_NS" &&
    ip addr add "$FLEET_HOST_IP/30" dev "${FLEET_VETH}a" &&
    ip link set "${FLEET_VETH}a" up &&
    ip netns exec "$FLEET_NS" ip addr add "$FLEET_NS_IP/30" dev "${FLEET_VETH}b" &&
    ip netns exec "$FLEET_NS" ip link set "${FLEET_VETH}b" up &&
    ip netns exec "$FLEET_NS" ip link set lo up
}

agg_conf() {
    local name=$1 port=$2
    mkdir -p "$T/$name"
    write_config "$T/$name-auralog.conf" "global_metadata.aggregator=$name" || return 1
    {
        printf 'global(workDirectory="%s" processInternalMessages="on" maxMessageSize="64k")\n' "$T/$name"
        printf 'module(load="omprog")\n'
        # the aggregator's own messages, for the diagnostics of a failure
        printf 'action(type="omfile" file="%s")\n' "$T/$name-internal.log"
        sed -n '/^template(name="auralog_json"/,/^}/p' "$top_srcdir/conf/rsyslog.d/60-auralog.conf"
        sed -e "s|input(type=\"imtcp\" port=\"514\"|input(type=\"imtcp\" address=\"$FLEET_HOST_IP\" port=\"$port\"|" \
            -e "s|^#module(load=\"imrelp\")|module(load=\"imrelp\")|" \
            -e "s|^#input(type=\"imrelp\" port=\"2514\"|input(type=\"imrelp\" address=\"$FLEET_HOST_IP\" port=\"$((port + 1))\"|" \
            -e "s|binary=\"/usr/bin/omauralog --confirm\"|binary=\"$OMAURALOG --config $T/$name-auralog.conf --confirm\"|" \
            -e "s|/var/log/auralog/omauralog-fleet.log|$T/$name-plugin.err|" \
            -e "/^        queue.size=\"200000\") {\$/a\\    action(type=\"omfile\" file=\"$T/$name-received.log\")  # test: what this aggregator received" \
            "$top_srcdir/conf/fleet/aggregator.conf"
    } >"$T/$name.conf"
}

client_conf() {
    mkdir -p "$T/client"
    CLIENT_PORT=${CLIENT_PORT:-$(free_port)}
    {
        printf 'global(workDirectory="%s" processInternalMessages="on" maxMessageSize="64k")\n' "$T/client"
        printf 'module(load="imtcp")\ninput(type="imtcp" address="127.0.0.1" port="%s")\n' "$CLIENT_PORT"
        # shorter probe intervals than the shipped 5 s keep the test short
        sed -e "s|target=\"agg1.example.net\" port=\"514\"|target=\"$FLEET_HOST_IP\" port=\"$1\"|" \
            -e "s|target=\"agg2.example.net\" port=\"514\"|target=\"$FLEET_HOST_IP\" port=\"$2\"|" \
            -e "s|target=\"agg1.example.net\" port=\"2514\"|target=\"$FLEET_HOST_IP\" port=\"$(($1 + 1))\"|" \
            -e "s|target=\"agg2.example.net\" port=\"2514\"|target=\"$FLEET_HOST_IP\" port=\"$(($2 + 1))\"|" \
            -e "s|action.resumeInterval=\"5\"|action.resumeInterval=\"${FLEET_RESUME:-2}\"|" \
            "$top_srcdir/conf/fleet/${FLEET_CLIENT_CONF:-client$([ "$FLEET_PROTO" = relp ] && echo -relp)}.conf"
    } >"$T/client.conf"
}

rs_start() {
    local name=$1 ns=${2:-}
    if [ -n "$ns" ]; then
        ip netns exec "$ns" "$RSYSLOGD" -n -f "$T/$name.conf" -i "$T/$name.pid" >>"$T/$name.out" 2>&1 &
    else
        "$RSYSLOGD" -n -f "$T/$name.conf" -i "$T/$name.pid" >>"$T/$name.out" 2>&1 &
    fi
    RS_PID[$name]=$!
    register_pid "${RS_PID[$name]}"
    wait_until 30 test -s "$T/$name.pid" || { diag "rsyslogd $name did not start"; _diag_file "$T/$name.out"; return 1; }
}

rs_stop() {
    local pid=${RS_PID[$1]:-}
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null
    wait_until 30 bash -c "! kill -0 $pid 2>/dev/null"
    wait "$pid" 2>/dev/null
    RS_PID[$1]=
    return 0
}

client_send() {
    ip netns exec "$FLEET_NS" "$PYTHON3" - "$CLIENT_PORT" "$@" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
for line in sys.argv[2:]:
    s.sendall(line.encode() + b"\n")
s.close()
PY
}

# entries whose message starts with PREFIX, as "aggregator seq" lines
fleet_seen() {
    ingest_entries | jlines "o['message'].split()[1] + ' ' + o['metadata'].get('aggregator','-') if o['message'].startswith('$1 ') else None"
}
fleet_count() {
    fleet_seen "$1" | awk '{print $1}' | sort -u | wc -l
}
_fleet_count_ge() { [ "$(fleet_count "$1")" -ge "$2" ]; }
