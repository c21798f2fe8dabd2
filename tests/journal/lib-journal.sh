# tests/journal/lib-journal.sh - a private journald for the journal tests.
#
#   . "$top_srcdir/tests/journal/lib-journal.sh"   (sources tests/lib.sh)
#   start_journald                 start systemd-journald as namespace instance $JNS
#                                  (skip_all when it cannot start); sets JNS JD_PID
#                                  JSOCK (native socket) JDEVLOG (syslog socket) JDIR (its files)
#   stop_journald                  stop it (its files stay until exit)
#   jsend [ARGS]                   tests/journal/jsend.py on $JSOCK (JSON lines on stdin, or --count N ...)
#   jlog TAG MESSAGE               logger(1) into the namespace via its syslog socket
#   jctl [ARGS]                    journalctl --namespace $JNS
#   jcount [MATCHES]               number of entries in the namespace journal
#   jsync                          wait until everything sent so far is in the journal files
#   make_journal OUT.journal EXPORT  systemd-journal-remote --output=OUT EXPORT
#   run_reader [ARGS]              auralog-journald in the background: sets READER_PID, stderr in $T/reader.err
#   cpu_ticks PID                  utime+stime of PID in clock ticks
#   state_cursor                   the cursor in $T/state
. "${top_srcdir:?}/tests/lib.sh"

JOURNALD=${JOURNALD:-/lib/systemd/systemd-journald}
JOURNAL_REMOTE=${JOURNAL_REMOTE:-/lib/systemd/systemd-journal-remote}
JSEND=$top_srcdir/tests/journal/jsend.py

start_journald() {
    local machine_id
    [ "$(id -u)" = 0 ] || skip_all "needs root to run a journald namespace instance"
    [ -x "$JOURNALD" ] || skip_all "$JOURNALD not installed"
    machine_id=$(cat /etc/machine-id 2>/dev/null) || skip_all "no /etc/machine-id"
    [ -n "$machine_id" ] || skip_all "empty /etc/machine-id"
    JNS=auratest-$$-${RANDOM}
    JSOCK=/run/systemd/journal.$JNS/socket
    JDEVLOG=/run/systemd/journal.$JNS/dev-log
    JDIR=/var/log/journal/$machine_id.$JNS
    JCONF=/etc/systemd/journald@$JNS.conf
    export JNS JSOCK JDEVLOG JDIR
    # journald writes a last entry when it stops: stop it before removing its files
    on_exit "_stop_pids \$JD_PID; rm -rf '/run/systemd/journal.$JNS' '$JDIR' '/run/log/journal/$machine_id.$JNS' '$JCONF'"
    # Our own settings for this namespace only: keep everything, forward nothing to the host.
    mkdir -p /etc/systemd
    cat >"$JCONF" <<CONF || skip_all "cannot write $JCONF"
[Journal]
Storage=persistent
RateLimitBurst=0
ForwardToSyslog=no
ForwardToKMsg=no
ForwardToConsole=no
ForwardToWall=no
SystemMaxFileSize=${JOURNALD_MAX_FILE_SIZE:-128M}
CONF
    "$JOURNALD" "$JNS" >"$T/journald.log" 2>&1 &
    JD_PID=$!
    register_pid "$JD_PID"
    if ! wait_until 30 test -S "$JSOCK"; then
        diag "systemd-journald $JNS did not create $JSOCK:"
        _diag_file "$T/journald.log"
        skip_all "systemd-journald cannot start as a namespace instance here"
    fi
    wait_until 30 jctl_has_files || skip_all "systemd-journald $JNS wrote no journal file"
    # A namespace instance exits after some idle time without clients: hold a
    # stdout stream open (a sleeping process) so it stays up for the whole test.
    "$PYTHON3" "$top_srcdir/tests/journal/jhelp.py" cat "/run/systemd/journal.$JNS/stdout" jkeepalive \
        sleep 100000 &
    register_pid $!
}

jctl_has_files() {
    ls "$JDIR"/*.journal >/dev/null 2>&1
}

stop_journald() {
    _stop_pids "$JD_PID"
}

jsend() {
    "$PYTHON3" "$JSEND" "$JSOCK" "$@"
}

jlog() {
    logger -u "$JDEVLOG" -t "$1" -- "$2"
}

jctl() {
    journalctl --namespace "$JNS" --no-pager "$@"
}

jcount() {
    jctl -o export "$@" 2>/dev/null | grep -c '^__CURSOR='
}

# journald processes datagrams in order: a marker entry visible means everything before it is written.
jsync() {
    local m=sync-$RANDOM$RANDOM
    printf '{"MESSAGE":"%s","SYSLOG_IDENTIFIER":"jsync"}\n' "$m" | jsend
    wait_until "${1:-30}" _jsync_seen "$m"
}

_jsync_seen() {
    jctl -o cat -t jsync 2>/dev/null | grep -qx "$1"
}

make_journal() {
    [ -x "$JOURNAL_REMOTE" ] || skip_all "$JOURNAL_REMOTE not installed (Debian package systemd-journal-remote)"
    rm -f "$1"
    "$JOURNAL_REMOTE" --output="$1" "$2" >"$T/journal-remote.log" 2>&1 || {
        _diag_file "$T/journal-remote.log"
        return 1
    }
}

run_reader() {
    "$AURALOG_JOURNALD" "$@" 2>>"$T/reader.err" &
    READER_PID=$!
    register_pid "$READER_PID"
}

cpu_ticks() {
    # fields 14 and 15 of /proc/PID/stat, counted after the ")" that ends the command name
    sed -e 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

state_cursor() {
    sed -n 's/^LAST_CURSOR=//p' "$T/state" 2>/dev/null
}

JHELP=$top_srcdir/tests/journal/jhelp.py

# A NOTIFY_SOCKET for the reader: messages land in $T/notify.log, one per line.
notify_listen() {
    NOTIFY_SOCKET=$T/notify.sock
    "$PYTHON3" "$JHELP" notify "$NOTIFY_SOCKET" "$T/notify.log" &
    register_pid $!
    wait_until 5 test -S "$NOTIFY_SOCKET"
    export NOTIFY_SOCKET
}

# wait for the n-th READY=1 (default: the first)
wait_ready() {
    wait_until "${2:-10}" _ready_count_ge "${1:-1}"
}

_ready_count_ge() {
    [ "$(grep -c 'READY=1' "$T/notify.log" 2>/dev/null)" -ge "$1" ]
}

# export-format entries: gen_export N BOOT_ID T0 [FIELD=VALUE...] (%d = index)
gen_export() {
    "$PYTHON3" "$JHELP" export "$@"
}

current_boot_id() {
    tr -d '-' </proc/sys/kernel/random/boot_id
}

# entries received whose message matches the python regex $1
ingest_grep_count() {
    ingest_entries | PAT=$1 jlines '1 if __import__("re").search(__import__("os").environ["PAT"], o["message"]) else None' | wc -l
}

# wait until exactly N received entries match the regex: wait_grep SECONDS REGEX N
wait_grep() {
    wait_until "$1" _grep_count_is "$2" "$3"
}

_grep_count_is() {
    [ "$(ingest_grep_count "$1")" = "$2" ]
}

_all_backlog() { # every "bk N" of the backlog received at least once
    [ "$(ingest_entries | jlines 'o["message"] if o["message"].startswith("bk ") else None' | sort -u | wc -l)" -ge "$N" ]
}

_newfile_arrived() {
    [ "$(ingest_entries | jlines 'o["metadata"].get("program") if o["metadata"].get("program") == "newfile" else None' | wc -l)" -ge 10 ]
}
