# tests/plugin/lib-rsyslog.sh - helpers for the omauralog tests, on top of tests/lib.sh.
#
#   plugin_start [ARGS...]      omauralog as a coprocess (like omprog runs it): sets OM_PID,
#                               PIN (its stdin) and POUT (its stdout); stderr in $T/plugin.err
#   psend LINE...               write each LINE + "\n" to the plugin
#   psend_raw PRINTF-FORMAT     write raw bytes (printf format: \xNN \0 ...) to the plugin
#   preply [SECONDS]            print the next reply line (default 10 s); 1 on timeout
#   preply_keepalive SECONDS    read the next reply byte by byte; prints "DOTS REPLY" where DOTS
#                               is how many leading '.' came first; 1 on timeout
#   pwarm_up                    the first commit of a new omauralog is refused at once
#                               (plugin/README.md, recovery): one transaction with the line
#                               {"msg":"warm-up"}, refused, then resent alone and committed, as
#                               rsyslog does; one entry "warm-up" reaches the endpoint.  1 when a
#                               reply differs
#   pclose                      close the plugin's stdin (EOF), as rsyslog does on shutdown
#   pwait_exit [SECONDS]        wait for the plugin to exit; its status in OM_RC (not in $(...))
#
#   rsyslog_start CONF          rsyslogd -n -f CONF -i $T/rsyslog.pid, own workdir; RSYSLOG_PID
#   rsyslog_conf FILE BODY      FILE = global()/imtcp header for port $RSYSLOG_PORT + BODY
#   rsyslog_send_tcp LINE...    raw lines to imtcp on $RSYSLOG_PORT (octet-stuffed by LF)
#   TEMPLATE_CONF               the template section of conf/rsyslog.d/60-auralog.conf
#   aggregator_conf FILE        FILE = conf/fleet/aggregator.conf with imtcp on 127.0.0.1:$RSYSLOG_PORT
#                               (set when empty), omauralog with $T/auralog.conf, the shipped template,
#                               rsyslog's own messages in $T/internal.log
. "$top_srcdir/tests/lib.sh"

RSYSLOGD=${RSYSLOGD:-$(command -v rsyslogd || echo /usr/sbin/rsyslogd)}

plugin_start() {
    coproc PLUGIN { exec "$OMAURALOG" "$@" 2>>"$T/plugin.err"; }
    OM_PID=$PLUGIN_PID # bash unsets PLUGIN_PID when the coprocess ends
    register_pid "$OM_PID"
    exec {PIN}>&"${PLUGIN[1]}" {POUT}<&"${PLUGIN[0]}"
    eval "exec ${PLUGIN[1]}>&- ${PLUGIN[0]}<&-" # only PIN/POUT stay: closing PIN is EOF
}

psend() {
    local l
    for l in "$@"; do
        printf '%s\n' "$l" >&"$PIN" || return 1
    done
}

psend_raw() {
    # shellcheck disable=SC2059
    printf "$1" >&"$PIN"
}

preply() {
    local line
    IFS= read -r -t "${1:-10}" line <&"$POUT" || return 1
    printf '%s\n' "$line"
}

preply_keepalive() {
    local c dots=0 rest= deadline=$((SECONDS + ${1:-10}))
    while [ $SECONDS -le $deadline ]; do
        IFS= read -r -N 1 -t 5 c <&"$POUT" || continue # > the 1 s dot interval: a timeout never races a dot
        if [ "$c" = $'\n' ]; then
            printf '%s %s\n' "$dots" "$rest"
            return 0
        fi
        if [ -z "$rest" ] && [ "$c" = . ]; then
            dots=$((dots + 1))
        else
            rest+=$c
        fi
    done
    return 1
}

pwarm_up() {
    local l='{"msg":"warm-up","app":"warm-up"}' r
    psend "BEGIN TRANSACTION" "$l" "COMMIT TRANSACTION" || return 1
    r="$(preply)/$(preply)/$(preply 10)"
    [[ $r == "OK/DEFER_COMMIT/ERROR resend: first transaction"* ]] || { diag "warm-up refusal: $r"; return 1; }
    psend "BEGIN TRANSACTION" "$l" "COMMIT TRANSACTION" || return 1
    r="$(preply)/$(preply)/$(preply_keepalive 30)"
    [ "$r" = "OK/DEFER_COMMIT/0 OK" ] || [[ $r == OK/DEFER_COMMIT/[0-9]*\ OK ]] || { diag "warm-up resend: $r"; return 1; }
}

pclose() {
    exec {PIN}>&-
}

pwait_exit() {
    local i
    for ((i = 0; i < ${1:-10} * 10; i++)); do
        if ! kill -0 "$OM_PID" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$OM_PID/stat" 2>/dev/null)" = Z ]; then
            wait "$OM_PID" 2>/dev/null
            OM_RC=$?
            return 0
        fi
        sleep 0.1
    done
    OM_RC=timeout
    return 1
}

# ---- rsyslog ------------------------------------------------------------------

# The template and action of the shipped snippet, with the binary path and
# queue files pointed into $T.  Extra action parameters in $1.
# SNIPPET: another snippet file instead (bench/backlog-rsyslog --before).
shipped_conf() {
    local f=${SNIPPET:-$top_srcdir/conf/rsyslog.d/60-auralog.conf}
    grep -q 'binary="/usr/bin/omauralog --confirm"' "$f" ||
        { diag "shipped_conf: binary line of $f not found"; return 1; }
    sed -e "s|binary=\"/usr/bin/omauralog --confirm\"|binary=\"$OMAURALOG --config $T/auralog.conf --confirm${PLUGIN_EXTRA_ARGS:-}\"|" \
        -e "s|/var/log/omauralog.log|$T/plugin.err|" \
        "$f"
}

rsyslog_conf() {
    local file=$1 body=$2
    mkdir -p "$T/work" "$T/spool"
    [ -n "${RSYSLOG_PORT:-}" ] || RSYSLOG_PORT=$(free_port)
    cat >"$file" <<CONF
global(workDirectory="$T/work" processInternalMessages="on" maxMessageSize="64k")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="$RSYSLOG_PORT")
$body
CONF
}

rsyslog_start() {
    "$RSYSLOGD" -n -f "$1" -i "$T/rsyslog.pid" >>"$T/rsyslog.out" 2>&1 &
    RSYSLOG_PID=$!
    register_pid "$RSYSLOG_PID"
    wait_until 30 bash -c "exec 3<>/dev/tcp/127.0.0.1/$RSYSLOG_PORT" || {
        diag "rsyslogd did not start listening on $RSYSLOG_PORT"
        _diag_file "$T/rsyslog.out"
        return 1
    }
}

rsyslog_stop() {
    [ -n "${RSYSLOG_PID:-}" ] || return 0
    kill -TERM "$RSYSLOG_PID" 2>/dev/null
    wait_until 15 bash -c "! kill -0 $RSYSLOG_PID 2>/dev/null"
    wait "$RSYSLOG_PID" 2>/dev/null
    RSYSLOG_PID=
}

rsyslog_send_tcp() {
    local port=${RSYSLOG_SEND_PORT:-$RSYSLOG_PORT}
    "$PYTHON3" - "$port" "$@" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
for line in sys.argv[2:]:
    s.sendall(line.encode("utf-8", "surrogateescape") + b"\n")
s.close()
PY
}

# the plugin processes omprog started (children of rsyslogd)
plugin_pids() {
    pgrep -P "$RSYSLOG_PID" -f "$OMAURALOG" || true
}

aggregator_conf() {
    [ -n "${RSYSLOG_PORT:-}" ] || RSYSLOG_PORT=$(free_port)
    mkdir -p "$T/work"
    {
        printf 'global(workDirectory="%s" processInternalMessages="on" maxMessageSize="64k")\n' "$T/work"
        printf 'module(load="omprog")\n'
        # rsyslog's own messages go to a file: only the fleet's messages reach the endpoint
        printf 'action(type="omfile" file="%s")\n' "$T/internal.log"
        sed -n '/^template(name="auralog_json"/,/^}/p' "$top_srcdir/conf/rsyslog.d/60-auralog.conf"
        sed -e "s|input(type=\"imtcp\" port=\"514\"|input(type=\"imtcp\" address=\"127.0.0.1\" port=\"$RSYSLOG_PORT\"|" \
            -e "s|binary=\"/usr/bin/omauralog --confirm\"|binary=\"$OMAURALOG --config $T/auralog.conf --confirm\"|" \
            -e "s|/var/log/auralog/omauralog-fleet.log|$T/plugin.err|" \
            "$top_srcdir/conf/fleet/aggregator.conf"
    } >"$1"
    grep -q "$OMAURALOG" "$1" && grep -q "port=\"$RSYSLOG_PORT\"" "$1" ||
        { diag "aggregator_conf: cannot adapt conf/fleet/aggregator.conf"; return 1; }
}
