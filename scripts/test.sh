#!/usr/bin/env bash
# Set up and run the whole test suite (what CI's .ci/run calls):
#   1. install dependencies (apt-get), build with -Werror, run every unit and
#      integration test (make check), then make distcheck;
#   2. build again with ASan + UBSan and run the whole suite there (any
#      sanitizer report fails its test);
#   3. libFuzzer targets for a bounded time each, replaying the regressions;
#   4. build the Debian package, install it, check it, purge it.
# Each test script's result is shown as it finishes; the last line is
# "N passed, N failed, N skipped" (test points, each counted once, summed over
# every stage).  One test: make -C _build check TESTS=tests/journal/follow.sh
#   STAGES="build asan fuzz package"   stages to run (default: all)
#   FUZZ_SECONDS=N                     seconds per fuzz target (default 20)
#   SUITE_TESTS="tests/a.sh ..."       run only these tests in the build/asan stages
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
stages=${STAGES:-build asan fuzz package}
jobs=$(nproc)
passed=0 failed=0 skipped=0
started=$(date +%s)

stage() { echo "== $1 ($(($(date +%s) - started)) s)"; }
finish() {
    echo "total time: $(($(date +%s) - started)) s"
    echo "$passed passed, $failed failed, $skipped skipped"
    [ "$failed" -eq 0 ]
    exit
}
has_stage() { case " $stages " in *" $1 "*) return 0 ;; esac; return 1; }

count_trs() { # add the test points of the automake .trs files under a build dir
    local p f s
    read -r p f s < <(sh "$top/scripts/tap-summary.sh" --count "$1")
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}
count_tap() { # add the counts of TAP output in a file
    local f=$1 p fl s
    p=$(grep -cE '^ok [0-9]+' "$f"); s=$(grep -cE '^ok [0-9]+.*# *SKIP' "$f")
    fl=$(grep -E '^not ok [0-9]+' "$f" | grep -cvE '# *TODO')
    p=$((p - s + $(grep -E '^not ok [0-9]+' "$f" | grep -cE '# *TODO')))
    passed=$((passed + p)) skipped=$((skipped + s)) failed=$((failed + fl))
    if grep -q '^Bail out!' "$f"; then failed=$((failed + 1)); fi
}
show_failures() { # the logs of failed tests in a build dir, and make's own error
    local dir=$1 out=$2 f
    for f in $(find "$dir" -name '*.log' ! -name test-suite.log ! -name config.log); do
        if grep -E "^not ok" "$f" | grep -qvE "# *TODO" || grep -q "^Bail out" "$f"; then
            echo "==== $f"; tail -40 "$f"
        fi
    done
    grep -E "^(FAIL|ERROR|XPASS):" "$out" || tail -30 "$out"
}
# run_suite DIR CONFIGURE-ARGS...: configure, build and make check in DIR
run_suite() {
    local dir=$1 before=$failed
    shift
    rm -rf "$dir"; mkdir -p "$dir"
    if ! (cd "$dir" && "$top/configure" "$@" >configure.out 2>&1); then
        cat "$dir/configure.out"; failed=$((failed + 1)); return 1
    fi
    if ! make -C "$dir" -j"$jobs" >"$dir/make.out" 2>&1; then
        grep -E "error|Error" "$dir/make.out" | head -40; failed=$((failed + 1)); return 1
    fi
    local status=0 only=()
    if [ -n "${SUITE_TESTS:-}" ]; then
        only=(TESTS="$SUITE_TESTS")
    elif [ -n "${SUITE_EXCLUDE:-}" ]; then
        only=(TESTS="$(make -s -C "$dir" print-tests | tr ' ' '\n' | grep -vE "$SUITE_EXCLUDE" | tr '\n' ' ')")
    fi
    # one line per test script as it finishes (scripts/tap-summary.sh, on fd 5);
    # make's own output, with every test point, goes to check.out
    AURA_SUMMARY_FD=5 make -C "$dir" -j"$jobs" check "${only[@]}" \
        LOG_DRIVER="env AM_TAP_AWK='\$(AWK)' \$(SHELL) $top/scripts/tap-summary.sh \$(top_srcdir)/build-aux/tap-driver.sh" \
        5>&1 >"$dir/check.out" 2>&1 || status=1
    count_trs "$dir"
    if [ "$status" -ne 0 ]; then
        show_failures "$dir" "$dir/check.out"
        [ "$failed" -gt "$before" ] || failed=$((failed + 1))
    fi
    return $status
}

stage "dependencies (build + test lab; apt-get output in install-deps.log)"
: >"$top/install-deps.log"
if ! LOG="$top/install-deps.log" sh scripts/install-deps.sh test; then
    echo "dependency installation failed:"; tail -25 "$top/install-deps.log"; failed=1; finish
fi
grep '^install-deps:' "$top/install-deps.log" || true
rm -f "$top/install-deps.log"
if ! ./autogen.sh >autogen.out 2>&1; then
    cat autogen.out; failed=1; finish
fi
rm -f autogen.out

if has_stage build; then
    stage "build with -Werror, make check"
    run_suite "$top/_build" --enable-werror
    # distcheck: the tarball builds, installs and uninstalls (DESTDIR-clean)
    # and passes the unit tests.
    stage "distcheck"
    units=$(cd "$top" && sed -n 's/^\t\(tests\/unit\/test_[a-z_]*\).*/\1/p' Makefile.am | tr '\n' ' ')
    if make -C "$top/_build" distcheck TESTS="$units" >"$top/_build/distcheck.out" 2>&1; then
        echo "ok - distcheck"; passed=$((passed + 1))
    else
        echo "not ok - distcheck"; tail -40 "$top/_build/distcheck.out"; failed=$((failed + 1))
    fi
fi

if has_stage asan; then
    stage "ASan + UBSan build, make check"
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    # the valgrind twins cannot run under ASan: they skip themselves there.
    # The fleet group tests rsyslog's forwarding configs, not our memory
    # handling (omauralog runs under ASan in the plugin group), and
    # selftest_ingest tests the fake endpoint (Python): left out here.
    SUITE_EXCLUDE='^tests/fleet/|^tests/delivery/selftest_ingest\.sh$' run_suite "$top/_build-asan" --enable-werror --enable-sanitizers
    unset ASAN_OPTIONS UBSAN_OPTIONS
fi

if has_stage fuzz; then
    stage "fuzzing, ${FUZZ_SECONDS:-20} s per target"
    if [ -x tests/fuzz/run-all.sh ] || [ -f tests/fuzz/run-all.sh ]; then
        fuzzdir="$top/_build-fuzz"
        mkdir -p "$fuzzdir"
        [ -f "$top/_build/auraconf.h" ] && cp "$top/_build/auraconf.h" "$fuzzdir/"
        # a fixed seed: CI replays the same mutations every run, so what it finds
        # was found here first; unset FUZZ_SEED (or pick another) to explore
        FUZZ_SEED=${FUZZ_SEED-1} bash tests/fuzz/run-all.sh "${FUZZ_SECONDS:-20}" "$fuzzdir" \
            >"$fuzzdir/fuzz.out" 2>&1
        grep -E "^(not ok|Bail out)" "$fuzzdir/fuzz.out" || true
        count_tap "$fuzzdir/fuzz.out"
    fi
fi

if has_stage package; then
    stage "Debian package"
    DEB_BUILD_OPTIONS=nocheck bash scripts/package-test.sh >"$top/package.out" 2>&1
    grep -E "^(not ok|Bail out|1\.\.0)" "$top/package.out" || true
    count_tap "$top/package.out"
    rm -f "$top/package.out"
fi
finish
