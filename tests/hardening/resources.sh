#!/bin/bash
# Resource exhaustion:
#   1. an endpoint that trickles its answer one byte a second, timeout = 2:
#      the request times out after ~2 s, is retried, nothing is lost
#   2. a low file-descriptor limit (ulimit -n 16, then 6): works, or fails at
#      once with a clear error - never a crash, a hang or a silent loss
#   3. disk full while writing the state file (8 KiB tmpfs): a state file
#      written while there was room keeps moving (its spare already holds its
#      room: state.h); with no room at all auralog-journald says so, leaves
#      no partial file, keeps forwarding, and writes the state once there is
#      room
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
test_init hardening_resources
. "$top_srcdir/tests/hardening/lib-hardening.sh"
[ -x "$AURA_FEED" ] || bail_out "$AURA_FEED not built (make tests/aura-feed)"

elapsed_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# ---- 1. trickle ----------------------------------------------------------------
start_ingest --script '{"steps":[{"trickle":1,"match":{"path":"/v1/logs"}},
                                 {"trickle":1,"match":{"path":"/v1/logs/single"}}],"default":{"status":200}}' ||
    bail_out "fake ingest does not start"
write_config "$T/tr.conf" delivery.timeout=2 auralog.flush_interval=0.1 delivery.retry_initial=0.2
{ seq_lines 50 "info trickle "; echo "error trickle urgent"; } >"$T/tr.in"
t0=$EPOCHREALTIME
timeout 30 "$AURA_FEED" --config "$T/tr.conf" <"$T/tr.in" >/dev/null 2>"$T/tr.err"
rc=$?
el=$(elapsed_since "$t0")
is "trickling endpoint: aura-feed exits 0" "$rc" 0
ok "trickling endpoint: done in ${el}s (timeout 2 s + retry, not the minutes the trickle takes)" \
    awk -v e="$el" 'BEGIN { exit !(e >= 1.8 && e < 10) }'
is "trickling endpoint: every entry delivered" "$(missing_ns 51 | head -n 5)" ""
ok "trickling endpoint: both lanes retried (>= 4 requests)" test "$(ingest_request_count)" -ge 4
ok "trickling endpoint: the timeout is logged" grep -qi "time" "$T/tr.err"
diag "$(grep -i "time" "$T/tr.err" | head -n 1)"
ingest_reset
ingest_script '{"default":{"status":200}}'

# ---- 2. file-descriptor limit ------------------------------------------------------
fd_case() { # NAME LIMIT CMD...: run under ulimit -n LIMIT with 200 lines on stdin
    local name=$1 limit=$2 p
    shift 2
    ingest_reset
    seq_lines 200 "fd " >"$T/fd.in"
    (ulimit -n "$limit" && exec "$@") <"$T/fd.in" >/dev/null 2>"$T/fd-$name-$limit.err" &
    p=$!
    register_pid "$p"
    if ! wait_pid "$p" 20; then
        # still running: it must at least say why nothing gets through, and stop on SIGTERM
        kill -TERM "$p" 2>/dev/null
        wait_pid "$p" 10
        if grep -qi "too many open files\|file descriptor\|EMFILE" "$T/fd-$name-$limit.err"; then
            pass "ulimit -n $limit ($name): keeps retrying and says the fd limit is the cause"
        else
            fail "ulimit -n $limit ($name): says the fd limit is the cause"
            _diag_file "$T/fd-$name-$limit.err" 5
        fi
        is "ulimit -n $limit ($name): exits on SIGTERM" "$WAIT_RC" 0
        return
    fi
    if [ "$WAIT_RC" = 0 ]; then
        is "ulimit -n $limit ($name): works, every entry delivered" "$(missing_msgs 200 "fd " | head -n 3)" ""
    elif [ "$WAIT_RC" -ge 128 ]; then
        fail "ulimit -n $limit ($name): crashed (exit $WAIT_RC)"
        _diag_file "$T/fd-$name-$limit.err" 5
    else
        ok "ulimit -n $limit ($name): fails with a clear error (exit $WAIT_RC)" \
            grep -qi "too many open files\|file descriptor\|EMFILE" "$T/fd-$name-$limit.err"
        diag "$(head -n 2 "$T/fd-$name-$limit.err")"
    fi
}
write_config "$T/fd.conf" auralog.flush_interval=0.1
fd_case feed 16 "$AURA_FEED" --config "$T/fd.conf"
fd_case feed 6 "$AURA_FEED" --config "$T/fd.conf"
[ -x "$OMAURALOG" ] && fd_case omauralog 16 "$OMAURALOG" --config "$T/fd.conf"
# several connections at once (urgent lane + batch lane + retries) under a low limit
ingest_script '{"steps":[{"status":503,"count":3}],"default":{"status":200}}'
ingest_reset
{ for i in $(seq 1 100); do if [ $((i % 10)) = 0 ]; then echo "error fd $i"; else echo "info fd $i"; fi; done; } >"$T/fdm.in"
(ulimit -n 16 && exec "$AURA_FEED" --config "$T/fd.conf") <"$T/fdm.in" >/dev/null 2>"$T/fd-mixed.err" &
p=$!
register_pid "$p"
wait_pid "$p" 30
is "ulimit -n 16, both lanes and retries: exit 0" "$WAIT_RC" 0
is "ulimit -n 16, both lanes and retries: every entry delivered" "$(missing_ns 100 | head -n 3)" ""
ingest_script '{"default":{"status":200}}'
if [ -x "$AURALOG_JOURNALD" ] && [ -x "$JOURNAL_REMOTE" ]; then
    make_export 300 "fdj " >"$T/fdj.export"
    if build_journal "$T/fdj" "$T/fdj.export"; then
        ingest_reset
        write_config "$T/fdj.conf" journal.start=head journal.state_file="$T/fdj.state"
        (ulimit -n 16 && exec "$AURALOG_JOURNALD" --config "$T/fdj.conf" --directory "$T/fdj" --once) \
            2>"$T/fd-journald.err" &
        p=$!
        register_pid "$p"
        wait_pid "$p" 30 || kill -TERM "$p"
        rc=$WAIT_RC
        if [ "$rc" = 0 ]; then
            is "ulimit -n 16 (auralog-journald --once): every entry delivered" "$(missing_msgs 300 "fdj " | head -n 3)" ""
        else
            ok "ulimit -n 16 (auralog-journald): fails with a clear error (exit $rc)" test "$rc" -lt 124
            diag "$(head -n 2 "$T/fd-journald.err")"
        fi
    fi
fi

# ---- 3. disk full while writing the state file ----------------------------------
if [ ! -x "$AURALOG_JOURNALD" ] || [ ! -x "$JOURNAL_REMOTE" ]; then
    skip "disk full while writing the state" "auralog-journald or systemd-journal-remote missing"
    done_testing
fi
mkdir -p "$T/full"
if ! mount -t tmpfs -o size=8k,mode=0700 tmpfs "$T/full" 2>"$T/mount.err"; then
    skip "disk full while writing the state" "cannot mount a tmpfs: $(head -n 1 "$T/mount.err")"
    done_testing
fi
on_exit "umount '$T/full'"
JN=3000
make_export "$JN" "full " >"$T/full.export"
build_journal "$T/fullj" "$T/full.export" || bail_out "systemd-journal-remote failed"
# 2 requests accepted, then failures while the disk fills up
ingest_reset
ingest_script '{"steps":[{"status":200,"count":2}],"default":{"status":503}}'
write_config "$T/full.conf" journal.start=head journal.state_file="$T/full/state" delivery.max_batch_entries=100 \
    auralog.flush_interval=0.05 delivery.retry_initial=0.1 delivery.retry_max=0.2
"$AURALOG_JOURNALD" --config "$T/full.conf" --directory "$T/fullj" 2>"$T/full.err" &
jpid=$!
register_pid "$jpid"
_requests_ge() { [ "$(ingest_request_count)" -ge "$1" ]; }
wait_until 15 _requests_ge 4
# the first checkpoint is one read burst (512 entries): let 600 through so a state is written
ingest_script '{"steps":[{"status":200,"count":4}],"default":{"status":503}}'
ok "a state file is written while there is room" wait_until 15 test -s "$T/full/state"
wait_until 5 _requests_ge 10
old_state=$(cat "$T/full/state")
diag "state before the disk filled: ${old_state:0:60}..."
dd if=/dev/zero of="$T/full/fill" bs=1k count=64 2>/dev/null # fills it: ENOSPC
ok "the tmpfs is full" test "$(df --output=avail -B1 "$T/full" | tail -n 1 | tr -d ' ')" -lt 512
ok "while running: at most one spare next to the state file" test "$(find "$T/full" -name 'state.tmp.*' | wc -l)" -le 1
# now everything is accepted: the cursor moves, and the state with it
ingest_script '{"default":{"status":200}}'
_all_delivered() { [ -z "$(missing_msgs "$JN" "full " | head -n 1)" ]; }
ok "disk full: forwarding goes on, every entry delivered" wait_until 30 _all_delivered
last_cursor=$(journalctl --directory "$T/fullj" -o export -n 1 | sed -n 's/^__CURSOR=//p')
_state_at_end() { [ "$(cat "$T/full/state" 2>/dev/null)" = "LAST_CURSOR=$last_cursor" ]; }
ok "disk full: the state file still moves to the last entry (written into the spare)" wait_until 15 _state_at_end
ok "disk full: still running" _pid_alive "$jpid"
kill -TERM "$jpid"
wait_pid "$jpid" 15
is "auralog-journald exits 0 after SIGTERM" "$WAIT_RC" 0
is "no temp files left in the state directory after the exit" "$(find "$T/full" -name '*.tmp*' | wc -l)" 0
# a restart from that state sends nothing again
n_before=$(ingest_count)
timeout 30 "$AURALOG_JOURNALD" --config "$T/full.conf" --directory "$T/fullj" --once 2>>"$T/full.err"
is "restart from the state written on the full disk: exit 0" "$?" 0
is "restart: nothing sent again" "$(ingest_count)" "$n_before"

# no room at all (no state file, no spare yet): the failed write is said, nothing partial is left
rm -f "$T/full/state" "$T/full/fill"
dd if=/dev/zero of="$T/full/fill" bs=1k count=64 2>/dev/null
ingest_reset
ingest_script '{"default":{"status":200}}'
"$AURALOG_JOURNALD" --config "$T/full.conf" --directory "$T/fullj" 2>"$T/full2.err" &
jpid=$!
register_pid "$jpid"
ok "no room: forwarding goes on, every entry delivered" wait_until 30 _all_delivered
_said_so() { grep -qi "state" "$T/full2.err" && grep -qi "no space\|ENOSPC" "$T/full2.err"; }
ok "no room: the failed state write is logged (names the state file and ENOSPC)" wait_until 10 _said_so
diag "$(grep -i "no space" "$T/full2.err" | head -n 1)"
is "no room: no state file, not a partial one" "$(find "$T/full" -name 'state*' -size +0 | wc -l)" 0
ok "no room: still running" _pid_alive "$jpid"
rm -f "$T/full/fill"
ok "room again: the state file is written with the last position" wait_until 15 _state_at_end
kill -TERM "$jpid"
wait_pid "$jpid" 15
is "auralog-journald exits 0 after SIGTERM" "$WAIT_RC" 0
is "no temp files left in the state directory" "$(find "$T/full" -name '*.tmp*' | wc -l)" 0

done_testing
