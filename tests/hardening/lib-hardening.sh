# tests/hardening/lib-hardening.sh - helpers of the hardening tests, on top
# of tests/lib.sh (source that first).
#
#   new_key                  sets TEST_API_KEY to a fresh random key (so a
#                            grep for it cannot match anything else)
#   AURA_FEED                path of tests/aura-feed
#   seq_lines N [PREFIX]     prints "PREFIX1" .. "PREFIXN", one per line
#   delivered_ns             the metadata "n" of every accepted entry, sorted -n
#   missing_ns N             numbers 1..N never accepted (empty: none lost)

AURA_FEED=$top_builddir/tests/aura-feed

new_key() {
    TEST_API_KEY=key-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')-END
}

seq_lines() {
    local n=$1 prefix=${2:-line }
    awk -v n="$n" -v p="$prefix" 'BEGIN { for (i = 1; i <= n; i++) print p i }'
}

delivered_ns() {
    ingest_entries | jlines 'o.get("metadata", {}).get("n")' | sort -n
}

missing_ns() {
    delivered_ns | sort -u | awk -v n="$1" '{ seen[$1] = 1 } END { for (i = 1; i <= n; i++) if (!(i in seen)) print i }'
}

# ---- valgrind ----------------------------------------------------------------
#   VG=(valgrind ...)        memcheck command prefix; a leak (definite) or an
#                            invalid access exits 99
#   vg_prefix NAME           sets VG to log into $T/vg-NAME.log
#   vg_clean NAME            true when $T/vg-NAME.log* report no error (diag otherwise)
vg_prefix() {
    VG=(valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
        --show-leak-kinds=definite --track-fds=no --num-callers=30 --log-file="$T/vg-$1.log.%p")
    [ -f "$top_srcdir/tests/hardening/valgrind.supp" ] && VG+=(--suppressions="$top_srcdir/tests/hardening/valgrind.supp")
    return 0
}

vg_clean() {
    local f bad=0
    for f in "$T/vg-$1.log".*; do
        [ -f "$f" ] || continue
        if ! grep -q 'ERROR SUMMARY: 0 errors' "$f"; then
            bad=1
            sed -e 's/^==[0-9]*== /#   /' "$f" | grep -v '^#   $' | head -n 60
        fi
    done
    [ $bad = 0 ]
}

# ---- a front end as omprog runs it: a coprocess on stdin/stdout --------------
#   co_start CMD [ARGS...]   start CMD as a coprocess; sets CO_PID CO_IN CO_OUT,
#                            stderr to $T/co.err
#   co_send LINE...          one line each
#   co_reply [SECONDS]       next reply line (default 10 s), 1 on timeout
#   co_reply_skip_dots [SECONDS]  next reply line with leading keep-alive dots removed
#   co_close                 close its stdin (EOF)
#   co_wait_exit [SECONDS]   wait for it; sets CO_RC ("timeout" when still running)
co_start() {
    coproc COPROC { exec "$@" 2>>"$T/co.err"; }
    CO_PID=$COPROC_PID
    register_pid "$CO_PID"
    exec {CO_IN}>&"${COPROC[1]}" {CO_OUT}<&"${COPROC[0]}"
    eval "exec ${COPROC[1]}>&- ${COPROC[0]}<&-"
}

co_send() {
    local l
    for l in "$@"; do printf '%s\n' "$l" >&"$CO_IN" || return 1; done
}

co_reply() {
    local line
    IFS= read -r -t "${1:-10}" line <&"$CO_OUT" || return 1
    printf '%s\n' "$line"
}

co_reply_skip_dots() {
    local line
    IFS= read -r -t "${1:-10}" line <&"$CO_OUT" || return 1
    while [ "${line#.}" != "$line" ]; do line=${line#.}; done
    printf '%s\n' "$line"
}

co_close() {
    exec {CO_IN}>&-
}

co_wait_exit() {
    local i
    for ((i = 0; i < ${1:-10} * 10; i++)); do
        if ! _pid_alive "$CO_PID"; then
            wait "$CO_PID" 2>/dev/null
            CO_RC=$?
            return 0
        fi
        sleep 0.1
    done
    CO_RC=timeout
    return 1
}

# wait for PID (a child of this shell) at most SECONDS; sets WAIT_RC (124 on timeout)
wait_pid() {
    local pid=$1 secs=$2 i
    for ((i = 0; i < secs * 10; i++)); do
        if ! _pid_alive "$pid"; then
            wait "$pid" 2>/dev/null
            WAIT_RC=$?
            return 0
        fi
        sleep 0.1
    done
    WAIT_RC=124
    return 1
}

# ---- journals ----------------------------------------------------------------
#   make_export N PREFIX > FILE   N journal export entries "PREFIX1".."PREFIXN" (one boot, 1 ms apart)
#   build_journal DIR EXPORT      systemd-journal-remote --output=DIR/x.journal EXPORT (1 on failure)
#   missing_msgs N PREFIX         numbers 1..N for which no accepted entry has message PREFIXn
JOURNAL_REMOTE=${JOURNAL_REMOTE:-/lib/systemd/systemd-journal-remote}

make_export() {
    "$PYTHON3" -c '
import sys
n, prefix = int(sys.argv[1]), sys.argv[2]
t0 = 1795600000000000
out = sys.stdout
for i in range(1, n + 1):
    out.write("__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n_BOOT_ID=5e1f0a2b3c4d4e5f8a9b0c1d2e3f4a5b\n"
              "_HOSTNAME=hard\nPRIORITY=6\nSYSLOG_IDENTIFIER=hardening\n_PID=4242\nMESSAGE=%s%d\n\n"
              % (t0 + i * 1000, 1000000 + i * 1000, prefix, i))
' "$1" "$2"
}

build_journal() {
    mkdir -p "$1"
    "$JOURNAL_REMOTE" --output="$1/x.journal" "$2" >"$T/journal-remote.log" 2>&1 || {
        _diag_file "$T/journal-remote.log"
        return 1
    }
}

missing_msgs() {
    ingest_entries | jlines 'o["message"]' | awk -v n="$1" -v p="$2" '
        index($0, p) == 1 { seen[substr($0, length(p) + 1)] = 1 }
        END { for (i = 1; i <= n; i++) if (!((i "") in seen)) print i }'
}

# signals_ready PID: PID blocks SIGHUP (its event loop takes signals through a
# signalfd): from then on SIGHUP/SIGUSR1/SIGTERM are handled, not fatal
signals_ready() {
    local blk
    blk=$(awk '/^SigBlk:/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 1
    [ -n "$blk" ] && [ $((16#$blk & 1)) = 1 ]
}
