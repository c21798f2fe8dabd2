#!/usr/bin/env bash
# Set up and run the main job on a fresh Debian 12 machine: install what
# building needs, build auralog-journald in _build/, then run
# `auralog-journald --once --stdout` over this machine's journal -- or, where
# the machine has none, over a sample journal built from conf/sample.export --
# printing the Auralog requests it would send, one JSON line per request.
# Nothing is sent anywhere; no API key needed.
#
# One line per step on stderr; the output of apt-get, configure and make goes
# to log files in _build/, named when a step fails.  Changes nothing outside
# the build dependencies (scripts/install-deps.sh build: no service is started
# or enabled) and the build folder (and autogen's files in the source tree).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=$top/_build
mkdir -p "$build"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

say() { printf 'quickstart: %s\n' "$*" >&2; }
# fail LOG WHAT: the step failed; show the end of its log and name it
fail() {
    say "$2 failed; the last lines of $1:"
    tail -n 25 "$1" | sed 's/^/    /' >&2
    say "full output: $1"
    exit 1
}

have_journal=
if command -v journalctl >/dev/null && [ -n "$(journalctl -q -n 1 --no-pager 2>/dev/null)" ]; then
    have_journal=1
fi

log=$build/install-deps.log
: >"$log"
if [ -n "$have_journal" ]; then
    say "1/4 build dependencies (apt-get when missing; log: ${log#"$top"/})"
    LOG=$log sh scripts/install-deps.sh build || fail "$log" "installing the build dependencies"
else
    say "1/4 build dependencies + systemd-journal-remote for the sample journal (apt-get when missing; log: ${log#"$top"/})"
    LOG=$log sh scripts/install-deps.sh build systemd-journal-remote ||
        fail "$log" "installing the build dependencies"
fi
if grep -q "^install-deps: installing" "$log"; then
    say "    $(sed -n "s/^install-deps: installing */installed: /p" "$log")"
else
    say "    all installed already"
fi

log=$build/configure.log
if [ ! -f "$build/Makefile" ]; then
    say "2/4 configure (log: ${log#"$top"/})"
    ./autogen.sh >"$log" 2>&1 || fail "$log" "autogen.sh"
    (cd "$build" && ../configure) >>"$log" 2>&1 || fail "$log" "configure"
else
    say "2/4 configure: already done in ${build#"$top"/}"
fi

log=$build/make.log
# the objects make will compile, for a progress count
total=$(make -C "$build" -n auralog-journald 2>/dev/null | grep -c -- ' -c -o ' || true)
say "3/4 build auralog-journald ($total files to compile; log: ${log#"$top"/})"
n=0
set +o pipefail
make -C "$build" -j"$(nproc)" auralog-journald 2>&1 | tee "$log" | while IFS= read -r line; do
    case $line in
    "  CC "*)
        n=$((n + 1))
        if [ -t 2 ]; then printf '\r    compiled %d/%d %-50s' "$n" "$total" "${line##* }" >&2; fi
        ;;
    esac
done
rc=${PIPESTATUS[0]}
set -o pipefail
if [ -t 2 ] && [ "$total" -gt 0 ]; then printf '\n' >&2; fi
[ "$rc" -eq 0 ] || fail "$log" "the build"

cd "$build"
if [ -n "$have_journal" ]; then
    say "4/4 forwarding this boot's journal to stdout (--once --stdout: nothing is sent)"
    ./auralog-journald --once --stdout --start boot --state-file "$work/cursor"
else
    say "4/4 this machine has no journal: forwarding a sample journal built from conf/sample.export to stdout (nothing is sent)"
    /lib/systemd/systemd-journal-remote --output="$work/sample.journal" ../conf/sample.export 2>"$work/remote.log" ||
        fail "$work/remote.log" "building the sample journal"
    ./auralog-journald --once --stdout --start head --directory "$work" --state-file "$work/cursor"
fi
