#!/bin/sh
# tap-summary.sh DRIVER DRIVER-ARGS...: run automake's TAP driver (DRIVER) for
# one test script, then write one line about the script to file descriptor
# $AURA_SUMMARY_FD (scripts/test.sh opens it on the terminal):
#   PASS: tests/journal/follow.sh (12 passed, 41 s)
#   FAIL: tests/plugin/rsyslog_burst.sh (1 of 7 failed, 38 s)
#       not ok 3 - each message exactly once
# scripts/test.sh runs `make check LOG_DRIVER=...` with it, so a long suite
# shows each script's result as it finishes; plain `make check` does not use it.
# tap-summary.sh --count DIR: print "PASSED FAILED SKIPPED", the test points of
# every .trs file under DIR, each point once: a script that failed points also
# gets an ERROR "exited with status 1" for them, so its ERRORs count only when
# no point failed (a crash, a bail out, a wrong plan: then as one failure).
if [ "${1:-}" = --count ]; then
    find "$2" -name '*.trs' -not -path '*/auralog-bridge-*/_build/*' | {
        passed=0 failed=0 skipped=0
        while IFS= read -r f; do
            p=$(grep -cE '^:test-result: (PASS|XFAIL)$' "$f")
            x=$(grep -cE '^:test-result: SKIP$' "$f")
            fl=$(grep -cE '^:test-result: (FAIL|XPASS)$' "$f")
            e=$(grep -cE '^:test-result: ERROR$' "$f")
            [ "$fl" -gt 0 ] || [ "$e" -eq 0 ] || fl=1
            passed=$((passed + p)) skipped=$((skipped + x)) failed=$((failed + fl))
        done
        echo "$passed $failed $skipped"
    }
    exit 0
fi
driver=$1
shift
name='' trs='' log='' prev=''
for a in "$@"; do
    case $prev in
    --test-name) name=$a ;;
    --trs-file) trs=$a ;;
    --log-file) log=$a ;;
    esac
    [ "$a" = -- ] && break
    prev=$a
done
start=$(date +%s)
/bin/sh "$driver" "$@"
rc=$?
fd=${AURA_SUMMARY_FD:-}
case $fd in '' | *[!0-9]*) exit $rc ;; esac
[ -f "$trs" ] || exit $rc
count() { grep -c "^:test-result: $1\$" "$trs"; }
pass=$(($(count PASS) + $(count XFAIL)))
skip=$(count SKIP)
fail=$(($(count FAIL) + $(count XPASS)))
err=$(count ERROR)
secs=$(($(date +%s) - start))
if [ "$fail" -gt 0 ] || [ "$err" -gt 0 ]; then
    if [ "$fail" -gt 0 ]; then
        what="$fail of $((pass + skip + fail)) failed"
    else
        what="error: $(grep '^ERROR:' "$log" 2>/dev/null | head -1 | sed 's/^ERROR: [^ ]* - //')"
    fi
    {
        echo "FAIL: $name ($what, $secs s)"
        grep -E '^not ok' "$log" 2>/dev/null | grep -vE '# *TODO' | head -5 | sed 's/^/    /'
    } >&"$fd"
elif [ "$pass" -eq 0 ] && [ "$skip" -gt 0 ]; then
    echo "SKIP: $name ($(grep -E '^1\.\.0|# *SKIP' "$log" 2>/dev/null | head -1 | sed 's/.*# *[Ss][Kk][Ii][Pp] *//'), $secs s)" >&"$fd"
else
    extra=
    [ "$skip" -eq 0 ] || extra=", $skip skipped"
    echo "PASS: $name ($pass passed$extra, $secs s)" >&"$fd"
fi
exit $rc
