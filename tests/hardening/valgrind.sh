#!/bin/bash
# valgrind memcheck twins of the key integration paths: a definite leak or an
# invalid access (read/write/free, uninitialised jump) fails the test.
#   1. aura-feed --stdout (batching, urgent lane, long and invalid UTF-8 lines)
#   2. aura-feed to the fake endpoint: 503/500/429 retries, a rejected entry
#      isolated and dropped, a timeout, SIGHUP reload, SIGUSR1 stats
#   3. auralog-journald --once --stdout over a journal file from conf/sample.export
#   4. auralog-journald --once to the fake endpoint with a state file, twice (resume)
#   5. omauralog --confirm with transactions (and a retried commit), then EOF
#   6. omauralog fire-and-forget and raw syslog lines
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
test_init hardening_valgrind
. "$top_srcdir/tests/hardening/lib-hardening.sh"
need_cmd valgrind "valgrind not installed (Debian package valgrind)"
# a sanitizer build (--enable-sanitizers) already checks memory, and ASan's
# runtime does not run under valgrind
if grep -q "__asan_init\|__ubsan_handle" "$AURA_FEED" 2>/dev/null; then
    skip_all "sanitizer build: ASan/UBSan check memory here, valgrind runs on the plain build"
fi
[ -x "$AURA_FEED" ] || bail_out "$AURA_FEED not built (make tests/aura-feed)"

JOURNAL_REMOTE=${JOURNAL_REMOTE:-/lib/systemd/systemd-journal-remote}

# ---- 1. aura-feed --stdout ------------------------------------------------------
write_config "$T/stdout.conf" auralog.flush_interval=0.1 delivery.max_batch_entries=7 delivery.max_message_bytes=100
{
    seq_lines 30 "info line "
    echo "error urgent one"
    printf 'warn bad utf8 \xc3\x28 \xff \xed\xa0\x80 end\n'
    printf 'info %0300d\n' 7
    echo "fatal last"
} >"$T/in1"
vg_prefix stdout
timeout 120 "${VG[@]}" "$AURA_FEED" --config "$T/stdout.conf" --stdout <"$T/in1" >"$T/out1" 2>"$T/err1"
is "aura-feed --stdout under valgrind exits 0" "$?" 0
ok "aura-feed --stdout: no memcheck error or definite leak" vg_clean stdout
is "aura-feed --stdout: all 34 entries written" \
    "$(jlines 'len(o["body"]["logs"]) if "logs" in o["body"] else 1' <"$T/out1" | awk '{ s += $1 } END { print s }')" 34

# ---- 2. aura-feed to the endpoint: retries, a rejected entry, reload, stats -----
start_ingest --script '{"steps":[{"status":503},{"status":500},{"status":429,"retry_after":"0"},{"hang":true}],
                        "default":{"status":200},"reject_marker":"POISON"}' || bail_out "fake ingest does not start"
write_config "$T/http.conf" auralog.flush_interval=0.1 delivery.max_batch_entries=10 delivery.timeout=1
vg_prefix http
mkfifo "$T/in2"
"${VG[@]}" "$AURA_FEED" --config "$T/http.conf" <"$T/in2" >/dev/null 2>"$T/err2" &
pid=$!
register_pid "$pid"
exec {fd}>"$T/in2"
seq_lines 20 "info entry " >&"$fd"
echo "info entry 21 POISON" >&"$fd"
echo "error entry 22 urgent" >&"$fd"
seq_lines 8 "warn more " >&"$fd"
wait_until 60 _ingest_count_ge 29 || diag "only $(ingest_count) entries after 60 s"
write_config "$T/http.conf" auralog.flush_interval=0.2 delivery.max_batch_entries=5 global_metadata.reloaded=yes
kill -HUP "$pid"
sleep 1
echo "info after reload" >&"$fd"
kill -USR1 "$pid"
wait_until 30 _ingest_count_ge 30
exec {fd}>&-
wait_pid "$pid" 120
is "aura-feed to the endpoint under valgrind exits 0" "$WAIT_RC" 0
ok "aura-feed to the endpoint: no memcheck error or definite leak" vg_clean http
is "every entry but the rejected one arrived" "$(ingest_entries | jlines 'o["message"]' | sort -u | wc -l)" 30
ok "the rejected entry was dropped and logged" grep -q "dropped" "$T/err2"
ok "retries happened (503, 500, 429, a hung request)" test "$(ingest_request_count)" -ge 8
ok "stats line written" grep -q "stats " "$T/err2"
is "the reloaded config applies to later entries" \
    "$(ingest_entries | jlines 'o["metadata"].get("reloaded") if o["message"] == "after reload" else None')" yes
stop_ingest

# ---- 3./4. auralog-journald -------------------------------------------------------
if [ -x "$JOURNAL_REMOTE" ] && [ -x "$AURALOG_JOURNALD" ]; then
    mkdir -p "$T/journal"
    if "$JOURNAL_REMOTE" --output="$T/journal/sample.journal" "$top_srcdir/conf/sample.export" >"$T/jr.log" 2>&1; then
        nsample=$(grep -c '^__REALTIME_TIMESTAMP=' "$top_srcdir/conf/sample.export")
        write_config "$T/j.conf" journal.start=head
        vg_prefix journald-stdout
        (cd "$T" && timeout 120 "${VG[@]}" "$AURALOG_JOURNALD" --config "$T/j.conf" --once --stdout \
            --file "$T/journal/sample.journal" --state-file "$T/j-stdout.state" >"$T/out3" 2>"$T/err3")
        is "auralog-journald --once --stdout under valgrind exits 0" "$?" 0
        ok "auralog-journald --stdout: no memcheck error or definite leak" vg_clean journald-stdout
        is "auralog-journald --stdout: every sample entry printed" \
            "$(jlines 'len(o["body"]["logs"]) if "logs" in o["body"] else 1' <"$T/out3" | awk '{ s += $1 } END { print s }')" \
            "$nsample"

        start_ingest --script '{"steps":[{"status":503}],"default":{"status":200}}' || bail_out "fake ingest does not start"
        write_config "$T/j2.conf" journal.start=head journal.fields=* delivery.max_batch_entries=3
        vg_prefix journald-http
        timeout 120 "${VG[@]}" "$AURALOG_JOURNALD" --config "$T/j2.conf" --once --directory "$T/journal" \
            --state-file "$T/j.state" 2>"$T/err4"
        is "auralog-journald --once to the endpoint under valgrind exits 0" "$?" 0
        is "every sample entry delivered" "$(ingest_count)" "$nsample"
        ok "a state file was written" test -s "$T/j.state"
        timeout 120 "${VG[@]}" "$AURALOG_JOURNALD" --config "$T/j2.conf" --once --directory "$T/journal" \
            --state-file "$T/j.state" 2>>"$T/err4"
        is "second run (resume from the state) exits 0" "$?" 0
        is "nothing delivered twice" "$(ingest_count)" "$nsample"
        ok "auralog-journald to the endpoint: no memcheck error or definite leak" vg_clean journald-http
        stop_ingest
    else
        _diag_file "$T/jr.log"
        fail "systemd-journal-remote builds a journal from conf/sample.export"
    fi
else
    skip "auralog-journald under valgrind" "systemd-journal-remote or auralog-journald missing"
fi

# ---- 5. omauralog --confirm with transactions ------------------------------------
j() { # one line of the shipped template
    printf '{"time":"2026-11-25T12:00:00.000001+00:00","host":"h1","fromhost_ip":"%s","severity":"%s","facility":"daemon","app":"app","procid":"42","msgid":"ID1","sd":"[meta traceId=\\"t%s\\" a=\\"1\\"][m2 x=\\"\\\\]\\"]","msg":"%s"%s}' \
        "${3:-127.0.0.1}" "${2:-6}" "$1" "$1" "${4:-}"
}
if [ -x "$OMAURALOG" ]; then
    start_ingest || bail_out "fake ingest does not start"
    write_config "$T/om.conf" auralog.flush_interval=5
    vg_prefix omauralog-confirm
    co_start "${VG[@]}" "$OMAURALOG" --config "$T/om.conf" --confirm --commit-timeout 20
    is "omauralog --confirm: OK once ready" "$(co_reply 60)" OK
    co_send "BEGIN TRANSACTION"
    is "BEGIN answered OK" "$(co_reply 30)" OK
    co_send "$(j one)" "$(j two 3 10.1.2.3)" "$(j three 4 127.0.0.1 ',"fields":{"user":"bob","n":[1,2,{"x":null}]}')"
    r=$(co_reply 30)$(co_reply 30)$(co_reply 30)
    is "three DEFER_COMMIT" "$r" DEFER_COMMITDEFER_COMMITDEFER_COMMIT
    ingest_script '{"steps":[{"status":503},{"status":500}],"default":{"status":200}}'
    co_send "COMMIT TRANSACTION"
    like "first COMMIT of a new process refused at once (rsyslog resends)" "$(co_reply 30)" '^ERROR resend: first'
    co_send "BEGIN TRANSACTION"
    co_reply 30 >/dev/null
    co_send "$(j one)" "$(j two 3 10.1.2.3)" "$(j three 4 127.0.0.1 ',"fields":{"user":"bob","n":[1,2,{"x":null}]}')"
    co_reply 30 >/dev/null; co_reply 30 >/dev/null; co_reply 30 >/dev/null
    co_send "COMMIT TRANSACTION"
    is "resent COMMIT answered OK after retries" "$(co_reply_skip_dots 60)" OK
    co_send "BEGIN TRANSACTION"
    co_reply 30 >/dev/null
    co_send "$(j four)" "not json at all" '<11>raw with pri'
    co_reply 30 >/dev/null; co_reply 30 >/dev/null; co_reply 30 >/dev/null
    co_send "COMMIT TRANSACTION"
    is "second COMMIT answered OK" "$(co_reply_skip_dots 60)" OK
    co_close
    co_wait_exit 60
    is "omauralog --confirm exits 0 on EOF" "$CO_RC" 0
    is "six entries delivered" "$(ingest_count)" 6
    ok "omauralog --confirm: no memcheck error or definite leak" vg_clean omauralog-confirm

    # ---- 6. fire-and-forget, raw lines, bad input --------------------------------
    ingest_reset
    vg_prefix omauralog-ff
    {
        j ff1; echo
        echo '<13>1 2026-11-25T12:00:00Z host app 1 ID [a b="c"] rfc5424 line'
        echo '<999>bad pri'
        printf '{"msg":"bad \xff utf8","severity":"warning"}\n'
        echo '[1,2,3]'
        echo '{"msg":'
        j ff2 2; echo
    } >"$T/in6"
    timeout 120 "${VG[@]}" "$OMAURALOG" --config "$T/om.conf" <"$T/in6" >"$T/out6" 2>"$T/err6"
    is "omauralog fire-and-forget under valgrind exits 0" "$?" 0
    is "every line delivered" "$(ingest_count)" 7
    ok "omauralog fire-and-forget: no memcheck error or definite leak" vg_clean omauralog-ff
    stop_ingest
else
    skip "omauralog under valgrind" "omauralog not built"
fi

done_testing
