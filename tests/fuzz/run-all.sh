#!/bin/bash
# tests/fuzz/run-all.sh - build and run every libFuzzer target, print TAP.
#
#   tests/fuzz/run-all.sh SECONDS_PER_TARGET [BUILD_DIR]
#
# BUILD_DIR (default: $top_builddir, else ./fuzz-build) is a configured
# autotools build dir whose auraconf.h is used when present; the fuzz
# binaries, work corpora and artifacts go to BUILD_DIR/fuzz.  Per target:
#   1. every input in tests/fuzz/regressions/TARGET/ is replayed (one TAP
#      line each); inputs listed in tests/fuzz/KNOWN_CRASHES are reported
#      "# TODO" while they still crash, so a known bug in code under repair
#      does not fail CI;
#   2. the target fuzzes for SECONDS_PER_TARGET starting from the checked-in
#      seed corpus (tests/fuzz/corpus/TARGET) plus the regressions that replay
#      clean.  A crash, leak, timeout or OOM fails the line and its input is
#      copied to
#      tests/fuzz/regressions/TARGET/ so that every later run replays it
#      (commit it together with the fix).  While a target has a known crash
#      open, a crash found by fuzzing it is reported "# TODO" as well.
# FUZZ_SEED=N fixes libFuzzer's seed, so CI explores the same sequence on
# every run (a landing never depends on luck); leave it unset to explore.
# SECONDS_PER_TARGET = 0 only replays.  Targets fuzz in parallel
# (FUZZ_JOBS, default: number of CPUs).  FUZZ_TARGETS limits the targets.
# Exit status 1 when a line is "not ok" without TODO.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
secs=${1:?usage: run-all.sh SECONDS_PER_TARGET [BUILD_DIR]}
builddir=${2:-${top_builddir:-$PWD/fuzz-build}}
out=$builddir/fuzz
targets=${FUZZ_TARGETS:-fuzz_json fuzz_entry fuzz_settings fuzz_input fuzz_sd fuzz_journal_map fuzz_content}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
known=$here/KNOWN_CRASHES

n=0
failed=0
tap() { # STATUS DESC [DIRECTIVE]
    n=$((n + 1))
    printf '%s %d - %s%s\n' "$1" "$n" "$2" "${3:+ # $3}"
    [ "$1" = "not ok" ] && [ -z "${3:-}" ] && failed=$((failed + 1))
    return 0
}
diag_file() { grep -av '^ *#[0-9]* 0x.* in fuzzer::\|^INFO\|^\*\*\*' "$1" | sed -e 's/^/#   /' | head -n "${2:-25}"; }

if ! command -v "${CC_FUZZ:-clang}" >/dev/null 2>&1; then
    echo "1..0 # SKIP clang not installed (apt-get install clang libclang-rt-14-dev)"
    exit 0
fi
mkdir -p "$out"
if ! "$here/build.sh" "$out" "$builddir" >"$out/build.log" 2>&1; then
    if grep -q 'libclang_rt.fuzzer\|cannot find.*fuzzer' "$out/build.log"; then
        echo "1..0 # SKIP libFuzzer runtime missing (apt-get install libclang-rt-14-dev)"
        exit 0
    fi
    echo "not ok 1 - build the fuzz targets"
    diag_file "$out/build.log" 40
    echo "1..1"
    exit 1
fi

# "TARGET/FILE reason" of a known crash, or nothing
known_reason() {
    [ -f "$known" ] || return 1
    awk -v k="$1" '$1 == k { $1 = ""; sub(/^ +/, ""); print; found = 1; exit } END { exit !found }' "$known"
}
target_has_known() {
    [ -f "$known" ] && grep -q "^$1/" "$known"
}

# ---- 1. replay the regressions ------------------------------------------
clean_regressions=() # TARGET/FILE of those that replay clean: they seed the fuzzing
for t in $targets; do
    dir=$here/regressions/$t
    [ -d "$dir" ] || continue
    for f in "$dir"/*; do
        [ -f "$f" ] || continue
        name=$t/${f##*/}
        log=$out/replay-$t-${f##*/}.log
        if "$out/$t" -runs=1 "$f" </dev/null >"$log" 2>&1; then
            clean_regressions+=("$t/${f##*/}")
            if reason=$(known_reason "$name"); then
                tap ok "$name: regression replays clean (known crash fixed: remove it from KNOWN_CRASHES)"
            else
                tap ok "$name: regression replays clean"
            fi
        elif reason=$(known_reason "$name"); then
            tap "not ok" "$name: regression still crashes" "TODO known bug: $reason"
        else
            tap "not ok" "$name: regression crashes"
            diag_file "$log" 40
        fi
    done
done

if [ "$secs" = 0 ]; then
    printf '1..%d\n' "$n"
    [ "$failed" = 0 ]
    exit
fi

# ---- 2. fuzz ---------------------------------------------------------------
fuzz_one() { # TARGET: runs in the background, leaves $out/run-TARGET.{log,rc}
    local t=$1 work=$out/work/$t art=$out/artifacts/$t
    rm -rf "$work" "$art"
    mkdir -p "$work" "$art"
    cp "$here/corpus/$t"/* "$work/" 2>/dev/null
    local r
    for r in "${clean_regressions[@]}"; do # a crashing input would stop the run at once
        [ "${r%%/*}" = "$t" ] && cp "$here/regressions/$r" "$work/"
    done
    "$out/$t" ${FUZZ_SEED:+-seed="$FUZZ_SEED"} -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
        -print_final_stats=1 -artifact_prefix="$art/" "$work" </dev/null >"$out/run-$t.log" 2>&1
    echo $? >"$out/run-$t.rc"
}

running=()
for t in $targets; do
    while [ "${#running[@]}" -ge "$jobs" ]; do
        wait "${running[0]}"
        running=("${running[@]:1}")
    done
    fuzz_one "$t" &
    running+=($!)
done
for p in "${running[@]}"; do wait "$p"; done

for t in $targets; do
    rc=$(cat "$out/run-$t.rc" 2>/dev/null || echo 99)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/run-$t.log" | tail -n1)
    desc="$t: fuzzed ${secs}s (${execs:-?} runs)"
    found=()
    for a in "$out/artifacts/$t"/crash-* "$out/artifacts/$t"/leak-* "$out/artifacts/$t"/timeout-* "$out/artifacts/$t"/oom-*; do
        [ -f "$a" ] || continue
        mkdir -p "$here/regressions/$t"
        cp "$a" "$here/regressions/$t/"
        found+=("tests/fuzz/regressions/$t/${a##*/}")
    done
    if [ "$rc" = 0 ] && [ ${#found[@]} = 0 ]; then
        tap ok "$desc"
        continue
    fi
    if target_has_known "$t"; then
        tap "not ok" "$desc: found ${found[*]:-a failure (exit $rc)}" "TODO $t has a known crash open (tests/fuzz/KNOWN_CRASHES)"
    else
        tap "not ok" "$desc: found ${found[*]:-a failure (exit $rc)}"
    fi
    grep -a 'FUZZ CHECK FAILED\|ERROR: \|SUMMARY\|^    #[0-9]* ' "$out/run-$t.log" |
        grep -av 'fuzzer::\|libc\.so\|__sanitizer\|pthread_kill\|raise\.c\|abort\.c\|libc_start\| in _start\| in main ' |
        head -n 20 | sed -e 's/^/#   /'
done

printf '1..%d\n' "$n"
[ "$failed" = 0 ]
