#!/usr/bin/env bash
# Set up and run the whole test suite: install dependencies, build with
# -Werror, run every test (unit + integration), then `make distcheck`.
# Last line: "N passed, N failed" (test points, summed over the whole suite).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh scripts/install-deps.sh || { echo "dependency installation failed"; echo "0 passed, 1 failed"; exit 1; }
./autogen.sh >/dev/null 2>&1 || { ./autogen.sh; echo "0 passed, 1 failed"; exit 1; }

build="$top/_build"
rm -rf "$build"
mkdir -p "$build"
cd "$build"
passed=0 failed=0 skipped=0
count() { # add the counts of one test-suite.log
    local log=$1 n
    [ -f "$log" ] || return 0
    n=$(sed -n 's/^# PASS: *//p' "$log" | head -1); passed=$((passed + ${n:-0}))
    n=$(sed -n 's/^# XFAIL: *//p' "$log" | head -1); passed=$((passed + ${n:-0}))
    n=$(sed -n 's/^# SKIP: *//p' "$log" | head -1); skipped=$((skipped + ${n:-0}))
    for k in FAIL XPASS ERROR; do
        n=$(sed -n "s/^# $k: *//p" "$log" | head -1); failed=$((failed + ${n:-0}))
    done
}
status=0
if ! "$top/configure" --enable-werror >configure.out 2>&1; then
    cat configure.out; echo "0 passed, 1 failed"; exit 1
fi
if ! make -j"$(nproc)" >make.out 2>&1; then
    grep -E "error|Error" make.out | head -40; echo "0 passed, 1 failed"; exit 1
fi
make -j"$(nproc)" check >check.out 2>&1 || status=1
grep -E "^(PASS|FAIL|ERROR|SKIP|XPASS|XFAIL):" check.out | grep -v "^PASS" || true
count test-suite.log
if [ "$status" -ne 0 ]; then
    # show what failed, with its log
    for f in $(grep -lE "^(not ok|Bail out)" $(find . -name '*.log' ! -name test-suite.log ! -name config.log) 2>/dev/null); do
        echo "==== $f"; tail -40 "$f"
    done
    if [ "$failed" -eq 0 ]; then
        # make itself failed before or around the tests: show why
        tail -30 check.out
        failed=1
    fi
fi

# distcheck: the tarball builds, installs (DESTDIR-clean) and passes the unit tests.
units=$(cd "$top" && sed -n 's/^\t\(tests\/unit\/test_[a-z_]*\).*/\1/p' Makefile.am | tr '\n' ' ')
if make distcheck TESTS="$units" >distcheck.out 2>&1; then
    echo "distcheck: ok"
    passed=$((passed + 1))
else
    echo "distcheck: FAILED"; tail -40 distcheck.out
    failed=$((failed + 1))
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
