#!/bin/bash
# scripts/test.sh's per-script lines and closing counts (scripts/tap-summary.sh),
# over automake's real TAP driver: a script that fails one point and so exits 1
# (automake: FAIL + ERROR) counts one failure, a bail out one, skips as skips.
. "$top_srcdir/tests/lib.sh"
test_init harness_summary
driver=$top_srcdir/build-aux/tap-driver.sh
[ -f "$driver" ] || skip_all "build-aux/tap-driver.sh not present (run autogen.sh)"

mk() { # mk NAME BODY: a TAP-producing script
    printf '#!/bin/sh\n%s\n' "$2" >"$T/t/$1"
    chmod +x "$T/t/$1"
}
mkdir -p "$T/t" "$T/out"
mk pass.sh 'echo 1..3; echo ok 1 - a; echo ok 2 - b; echo "ok 3 - c # SKIP no d"'
mk failone.sh 'echo 1..3; echo ok 1 - a; echo "not ok 2 - the burst arrived"; echo ok 3 - c; exit 1'
mk bail.sh 'echo 1..4; echo ok 1 - a; echo "Bail out! fake ingest did not start"; exit 1'
mk skipall.sh 'echo "1..0 # SKIP rsyslogd not installed"'
mk todo.sh 'echo 1..2; echo ok 1 - a; echo "not ok 2 - known # TODO later"'

exec 5>"$T/summary"
for s in pass failone bail skipall todo; do
    AURA_SUMMARY_FD=5 AM_TAP_AWK=${AWK:-awk} sh "$top_srcdir/scripts/tap-summary.sh" "$driver" \
        --test-name "tests/$s.sh" --log-file "$T/out/$s.log" --trs-file "$T/out/$s.trs" \
        --color-tests no --expect-failure no --enable-hard-errors yes -- "$T/t/$s.sh" >>"$T/driver.out"
done
exec 5>&-
diag "$(cat "$T/summary")"
is "automake reported FAIL and ERROR for the one failed point" \
    "$(grep -c '^:test-result: \(FAIL\|ERROR\)$' "$T/out/failone.trs")" 2
is "one line per script" "$(grep -c '^[A-Z]*: tests/' "$T/summary")" 5
like "passing script" "$(grep 'tests/pass.sh' "$T/summary")" '^PASS: tests/pass\.sh \(2 passed, 1 skipped, [0-9]+ s\)$'
like "failing script: one of three" "$(grep 'tests/failone.sh' "$T/summary")" '^FAIL: tests/failone\.sh \(1 of 3 failed, '
ok "failing script: its failed point is shown" grep -qx '    not ok 2 - the burst arrived' "$T/summary"
like "bail out" "$(grep 'tests/bail.sh' "$T/summary")" '^FAIL: tests/bail\.sh \(error: Bail out! fake ingest did not start, '
like "skipped script with its reason" "$(grep 'tests/skipall.sh' "$T/summary")" '^SKIP: tests/skipall\.sh \(rsyslogd not installed, '
like "a TODO failure passes" "$(grep 'tests/todo.sh' "$T/summary")" '^PASS: tests/todo\.sh \(2 passed, '
# passed: pass 2, failone 2, bail 1, todo 2 (one XFAIL); failed: failone 1 + bail 1;
# skipped: pass 1 + skipall 1
is "each point counted once" "$(sh "$top_srcdir/scripts/tap-summary.sh" --count "$T/out")" "7 2 2"
done_testing
