# tests/lib.sh - shared helpers for the integration tests (bash, TAP output).
#
# Source it first thing, then call test_init:
#     . "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
#     test_init my_test
#
# API (see /work/notes/COMMON.md; keep it stable, others code against it):
#   test_init NAME                   start of every test script
#   register_pid PID                 stopped at exit (TERM, then KILL after 5 s)
#   on_exit 'SHELL CODE'             extra cleanup run at exit (before PIDs are stopped)
#   ok "desc" CMD [ARGS...]          pass when CMD succeeds; "ok "desc" ! CMD..." passes when it fails
#   fails "desc" CMD [ARGS...]       pass when CMD fails
#   is "desc" GOT WANT               string compare
#   like "desc" GOT REGEX            bash regex match (=~)
#   pass "desc" / fail "desc"        record a result directly
#   diag "text"                      prints "# text"
#   skip "desc" "reason"             an "ok N - desc # SKIP reason" line
#   skip_all "reason"                "1..0 # SKIP reason", exit 0 (call before any test)
#   bail_out "reason"                "Bail out! reason", exit 1
#   done_testing                     prints the plan, exits 1 if anything failed
#   wait_until SECONDS CMD [ARGS...] poll every 0.1 s (CMD output discarded); 1 on timeout
#   start_ingest [--tls] [--port N] [--script JSON] [--no-request-bodies]
#                                    fake Auralog endpoint: sets INGEST_PID INGEST_PORT INGEST_URL
#                                    (http://127.0.0.1:PORT or https://localhost:PORT) INGEST_DIR,
#                                    INGEST_TLS (0/1); with --tls also INGEST_CA (see gen_cert).
#                                    --script: fault script active from the first request;
#                                    --no-request-bodies: requests.jsonl gets {"bytes":N} as body
#                                    (benchmarks; entries.jsonl is still complete)
#   stop_ingest                      TERM the current fake endpoint and wait for it
#   restart_ingest [DELAY]           stop, sleep DELAY (default 0), start again on the same port
#                                    and dir (records kept) - for "endpoint down" tests
#   ingest_script JSON               set the fault script (see tests/fake_ingest.py docstring)
#   ingest_reset                     forget recorded requests and entries (script kept)
#   ingest_requests                  recorded requests, one JSON object per line
#   ingest_entries                   accepted entries, one JSON object per line, arrival order
#   ingest_count                     number of accepted entries
#   ingest_request_count             number of recorded requests
#   ingest_wait_count N [SECONDS]    wait until at least N entries were accepted (default 10 s)
#   jlines 'EXPR'                    stdin JSON lines -> EXPR (python, object is `o`) per line;
#                                    str printed raw, others as JSON, None skipped.
#                                    e.g. ingest_entries | jlines 'o["level"]'
#   write_config FILE [section.key=value ...]
#                                    config for the fake endpoint; "-section.key" deletes a key.
#                                    Writes $T/api_key (0600, key $TEST_API_KEY) and sets
#                                    delivery.ca_file when the endpoint runs with --tls
#   gen_cert DIR                     DIR/ca.pem DIR/ca.key DIR/server.pem DIR/server.key for
#                                    localhost + 127.0.0.1; exports INGEST_CA=DIR/ca.pem
#                                    (start_ingest --tls uses $T/tls; write_config always takes
#                                    the running endpoint's CA, so a second gen_cert is harmless)
#   free_port                        prints a free TCP port on 127.0.0.1
#   rss_kb PID                       resident set size in KiB
#   start_bg NAME CMD [ARGS...]      CMD in the background, output in $T/NAME.log, PID registered,
#                                    sets BG_PID
#   need_cmd CMD [reason]            skip_all when CMD is not available
#   Never use a bare `wait` in a test: it waits for the fake endpoint too (forever).
#   Wait for your own PIDs: `wait "$pid"`.
#   $T                               private temp dir (kept when KEEP_TMP=1)
#   $AURALOG_JOURNALD $OMAURALOG $PYTHON3 $FAKE_INGEST $top_srcdir $top_builddir

set -u

if [ -z "${top_srcdir:-}" ]; then
    top_srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fi
top_builddir=${top_builddir:-$top_srcdir}
PYTHON3=${PYTHON3:-$(PATH=/usr/bin:$PATH command -v python3)}
AURALOG_JOURNALD=$top_builddir/auralog-journald
OMAURALOG=$top_builddir/omauralog
FAKE_INGEST=$top_srcdir/tests/fake_ingest.py
TEST_API_KEY=test-key-SECRET
export top_srcdir top_builddir PYTHON3 AURALOG_JOURNALD OMAURALOG

T=$(mktemp -d "${TMPDIR:-/tmp}/auralog-test.XXXXXX") || { echo "Bail out! mktemp failed"; exit 1; }
export T

_tap_n=0
_tap_failed=0
_tap_name=${0##*/}
_lib_pids=()
_lib_exit_cmds=()
_ingest_n=0

test_init() {
    _tap_name=$1
    diag "test $1 (T=$T)"
}

diag() {
    local line
    while IFS= read -r line; do
        printf '# %s\n' "$line"
    done <<<"$*"
}

_diag_file() { # prints a file indented as diagnostics
    [ -s "$1" ] || return 0
    sed -e 's/^/#   /' "$1" | head -n "${2:-60}"
}

register_pid() {
    _lib_pids+=("$1")
}

on_exit() {
    _lib_exit_cmds+=("$1")
}

_pid_alive() { # running and not a zombie
    local st
    [ -r "/proc/$1/stat" ] || return 1
    st=$(sed -e 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) || return 1
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

_stop_pids() { # PIDS...: TERM, wait up to 5 s, KILL, reap
    local p deadline left
    for p in "$@"; do kill -TERM "$p" 2>/dev/null; done
    deadline=$(( ${EPOCHREALTIME/./} + 5000000 ))
    while :; do
        left=0
        for p in "$@"; do _pid_alive "$p" && left=1; done
        [ $left = 0 ] && break
        if [ "${EPOCHREALTIME/./}" -ge "$deadline" ]; then
            for p in "$@"; do
                if _pid_alive "$p"; then
                    printf '# pid %s (%s) ignored SIGTERM for 5 s: SIGKILL\n' "$p" "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -c1-80)"
                    kill -KILL "$p" 2>/dev/null
                fi
            done
            break
        fi
        sleep 0.05
    done
    for p in "$@"; do wait "$p" 2>/dev/null; done
    return 0
}

_lib_cleanup() {
    local rc=$? c
    trap - EXIT
    for c in "${_lib_exit_cmds[@]}"; do eval "$c" >/dev/null 2>&1; done
    [ ${#_lib_pids[@]} -gt 0 ] && _stop_pids "${_lib_pids[@]}"
    if [ "${KEEP_TMP:-0}" = 1 ]; then
        printf '# kept %s\n' "$T"
    else
        rm -rf "$T"
    fi
    exit $rc
}
trap _lib_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- TAP -------------------------------------------------------------------
pass() {
    _tap_n=$((_tap_n + 1))
    printf 'ok %d - %s\n' "$_tap_n" "$1"
}

fail() {
    _tap_n=$((_tap_n + 1))
    _tap_failed=$((_tap_failed + 1))
    printf 'not ok %d - %s\n' "$_tap_n" "$1"
}

ok() {
    local desc=$1 invert=0 rc out
    shift
    if [ "${1:-}" = "!" ]; then invert=1; shift; fi
    out=$T/.ok.out
    "$@" >"$out" 2>&1
    rc=$?
    if { [ $invert = 0 ] && [ $rc = 0 ]; } || { [ $invert = 1 ] && [ $rc != 0 ]; }; then
        pass "$desc"
        return 0
    fi
    fail "$desc"
    if [ $invert = 1 ]; then
        printf '#   command succeeded but should have failed: %s\n' "$*"
    else
        printf '#   command failed (exit %d): %s\n' "$rc" "$*"
    fi
    _diag_file "$out"
    return 1
}

fails() {
    local desc=$1
    shift
    ok "$desc" ! "$@"
}

is() {
    if [ "$2" = "$3" ]; then
        pass "$1"
        return 0
    fi
    fail "$1"
    diag "  got:  '$2'"
    diag "  want: '$3'"
    return 1
}

like() {
    if [[ $2 =~ $3 ]]; then
        pass "$1"
        return 0
    fi
    fail "$1"
    diag "  got:  '$2'"
    diag "  want match of: $3"
    return 1
}

skip() {
    _tap_n=$((_tap_n + 1))
    printf 'ok %d - %s # SKIP %s\n' "$_tap_n" "$1" "${2:-}"
}

skip_all() {
    printf '1..0 # SKIP %s\n' "$1"
    exit 0
}

bail_out() {
    printf 'Bail out! %s\n' "$1"
    exit 1
}

done_testing() {
    printf '1..%d\n' "$_tap_n"
    if [ "$_tap_failed" -gt 0 ]; then
        diag "$_tap_name: $_tap_failed of $_tap_n failed"
        exit 1
    fi
    exit 0
}

start_bg() { # start_bg NAME CMD [ARGS...]: run CMD in the background, stdout+stderr to $T/NAME.log,
             # registered for the exit trap; sets BG_PID
    local name=$1
    shift
    "$@" >"$T/$name.log" 2>&1 &
    BG_PID=$!
    register_pid "$BG_PID"
}

need_cmd() {
    command -v "$1" >/dev/null 2>&1 || skip_all "${2:-$1 not available}"
}

# ---- waiting ---------------------------------------------------------------
wait_until() {
    local secs=$1 deadline
    shift
    # microseconds, fractional SECONDS allowed
    deadline=$(awk -v n="${EPOCHREALTIME/./}" -v s="$secs" 'BEGIN { printf "%.0f", n + s * 1000000 }')
    while :; do
        "$@" >/dev/null 2>&1 && return 0
        [ "${EPOCHREALTIME/./}" -ge "$deadline" ] && return 1
        sleep 0.1
    done
}

# ---- misc ------------------------------------------------------------------
free_port() {
    "$PYTHON3" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

rss_kb() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

jlines() {
    "$PYTHON3" -c '
import json, signal, sys
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
expr = compile(sys.argv[1], "jlines", "eval")
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    o = json.loads(line)
    v = eval(expr, {"json": json}, {"o": o})
    if v is None:
        continue
    print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))
' "$1"
}

gen_cert() {
    local d=$1
    mkdir -p "$d" || return 1
    if [ ! -s "$d/server.pem" ]; then
        (
            cd "$d" || exit 1
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
                -keyout ca.key -out ca.pem -days 2 -subj "/CN=auralog test CA $$" \
                -addext "basicConstraints=critical,CA:TRUE" \
                -addext "keyUsage=critical,keyCertSign,cRLSign" &&
            openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
                -keyout server.key -out server.csr -subj "/CN=localhost" &&
            printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=CA:FALSE" \
                "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" >server.ext &&
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
                -out server.pem -days 2 -extfile server.ext
        ) >"$d/openssl.log" 2>&1 || { _diag_file "$d/openssl.log"; return 1; }
    fi
    INGEST_CA=$d/ca.pem
    export INGEST_CA
}

# ---- the fake ingest endpoint ----------------------------------------------
_ingest_launch() { # uses INGEST_DIR INGEST_TLS INGEST_EXTRA_ARGS, optional port
    local port=${1:-0} args=()
    rm -f "$INGEST_DIR/port"
    args=(--dir "$INGEST_DIR" --port-file "$INGEST_DIR/port" --port "$port")
    [ -n "${INGEST_EXTRA_ARGS:-}" ] && args+=("$INGEST_EXTRA_ARGS")
    [ "$INGEST_TLS" = 1 ] && args+=(--tls "$INGEST_CERT_DIR/server.pem" "$INGEST_CERT_DIR/server.key")
    "$PYTHON3" "$FAKE_INGEST" "${args[@]}" >>"$INGEST_DIR/server.log" 2>&1 &
    INGEST_PID=$!
    register_pid "$INGEST_PID"
    if ! wait_until 30 test -s "$INGEST_DIR/port"; then
        diag "fake ingest did not start:"
        _diag_file "$INGEST_DIR/server.log"
        return 1
    fi
    INGEST_PORT=$(cat "$INGEST_DIR/port")
    if [ "$INGEST_TLS" = 1 ]; then
        INGEST_URL=https://localhost:$INGEST_PORT
    else
        INGEST_URL=http://127.0.0.1:$INGEST_PORT
    fi
    export INGEST_PID INGEST_PORT INGEST_URL INGEST_DIR INGEST_TLS
    if ! wait_until 30 _ingest_ctl GET /_control/health; then
        diag "fake ingest at $INGEST_URL does not answer:"
        _diag_file "$INGEST_DIR/server.log"
        return 1
    fi
}

start_ingest() {
    local port=0 script=
    INGEST_TLS=0
    INGEST_EXTRA_ARGS=
    while [ $# -gt 0 ]; do
        case $1 in
            --tls) INGEST_TLS=1 ;;
            --no-request-bodies) INGEST_EXTRA_ARGS=--no-request-bodies ;;
            --port) port=$2; shift ;;
            --script) script=$2; shift ;;
            *) diag "start_ingest: unknown option $1"; return 2 ;;
        esac
        shift
    done
    _ingest_n=$((_ingest_n + 1))
    INGEST_DIR=$T/ingest$([ $_ingest_n -gt 1 ] && echo $_ingest_n)
    mkdir -p "$INGEST_DIR"
    [ -n "$script" ] && printf '%s\n' "$script" >"$INGEST_DIR/script.json"
    if [ "$INGEST_TLS" = 1 ]; then
        INGEST_CERT_DIR=$T/tls
        gen_cert "$INGEST_CERT_DIR" || return 1
    fi
    _ingest_launch "$port"
}

stop_ingest() {
    local i
    [ -n "${INGEST_PID:-}" ] || return 0
    _stop_pids "$INGEST_PID"
    for i in "${!_lib_pids[@]}"; do
        [ "${_lib_pids[$i]}" = "$INGEST_PID" ] && unset "_lib_pids[$i]"
    done
    INGEST_PID=
}

restart_ingest() {
    stop_ingest
    sleep "${1:-0}"
    _ingest_launch "$INGEST_PORT"
}

_ingest_ctl() { # METHOD PATH [DATA]
    local args=(--client "$1" "$INGEST_URL$2")
    [ $# -ge 3 ] && args+=(--data "$3")
    [ "$INGEST_TLS" = 1 ] && args+=(--cafile "$INGEST_CERT_DIR/ca.pem")
    "$PYTHON3" "$FAKE_INGEST" "${args[@]}"
}

ingest_script() {
    local out
    if ! out=$(_ingest_ctl POST /_control/script "$1" 2>&1); then
        diag "ingest_script failed: $out"
        return 1
    fi
}

ingest_reset() {
    _ingest_ctl POST /_control/reset >/dev/null
}

ingest_requests() {
    cat "$INGEST_DIR/requests.jsonl"
}

ingest_entries() {
    cat "$INGEST_DIR/entries.jsonl"
}

ingest_count() {
    local n
    n=$(wc -l <"$INGEST_DIR/entries.jsonl" 2>/dev/null) || n=0
    echo $((n))
}

ingest_request_count() {
    local n
    n=$(wc -l <"$INGEST_DIR/requests.jsonl" 2>/dev/null) || n=0
    echo $((n))
}

_ingest_count_ge() {
    [ "$(ingest_count)" -ge "$1" ]
}

ingest_wait_count() {
    wait_until "${2:-10}" _ingest_count_ge "$1"
}

# ---- configuration ---------------------------------------------------------
write_config() {
    local file=$1 kv sec key val i found
    shift
    local -a secs keys vals
    secs=(auralog auralog auralog auralog auralog delivery delivery journal)
    keys=(api_key_file endpoint allow_insecure_endpoint flush_interval state_directory retry_initial retry_max state_file)
    vals=("$T/api_key" "${INGEST_URL:-http://127.0.0.1:9}" true 0.2 "$T" 0.1 1 "$T/state")
    if [ "${INGEST_TLS:-0}" = 1 ]; then # the CA of the running fake endpoint, whatever INGEST_CA says
        secs+=(delivery); keys+=(ca_file); vals+=("$INGEST_CERT_DIR/ca.pem")
    fi
    for kv in "$@"; do
        if [ "${kv#-}" != "$kv" ]; then # -section.key: delete
            sec=${kv#-}; key=${sec#*.}; sec=${sec%%.*}
            for i in "${!keys[@]}"; do
                [ "${secs[$i]}" = "$sec" ] && [ "${keys[$i]}" = "$key" ] && unset "secs[$i]" "keys[$i]" "vals[$i]"
            done
            continue
        fi
        case $kv in
            *.*=*) ;;
            *) diag "write_config: bad override '$kv' (want section.key=value)"; return 2 ;;
        esac
        sec=${kv%%.*}; key=${kv#*.}; val=${key#*=}; key=${key%%=*}
        found=0
        for i in "${!keys[@]}"; do
            if [ "${secs[$i]}" = "$sec" ] && [ "${keys[$i]}" = "$key" ]; then
                vals[$i]=$val; found=1
            fi
        done
        [ $found = 0 ] && { secs+=("$sec"); keys+=("$key"); vals+=("$val"); }
    done
    (umask 077 && printf '%s\n' "$TEST_API_KEY" >"$T/api_key") && chmod 0600 "$T/api_key" || return 1
    {
        local -a order=()
        local s seen
        for i in "${!secs[@]}"; do
            seen=0
            for s in "${order[@]}"; do [ "$s" = "${secs[$i]}" ] && seen=1; done
            [ $seen = 0 ] && order+=("${secs[$i]}")
        done
        for s in "${order[@]}"; do
            printf '[%s]\n' "$s"
            for i in "${!secs[@]}"; do
                [ "${secs[$i]}" = "$s" ] && printf '%s = %s\n' "${keys[$i]}" "${vals[$i]}"
            done
            printf '\n'
        done
    } >"$file"
}
