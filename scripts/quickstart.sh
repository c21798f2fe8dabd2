#!/usr/bin/env bash
# Set up and run the main job on a fresh Debian 12 machine: install the build
# dependencies, build, then run `auralog-journald --once --stdout` over this
# machine's journal -- or, where the machine has none, over a sample journal
# built from conf/sample.export -- printing the Auralog requests it would
# send, one JSON line per request.  Nothing is sent anywhere; no API key needed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh scripts/install-deps.sh >&2
./autogen.sh >/dev/null 2>&1
mkdir -p _build
cd _build
[ -f Makefile ] || ../configure >/dev/null
make -j"$(nproc)" auralog-journald >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -n "$(journalctl -q -n 1 --no-pager 2>/dev/null)" ]; then
    echo "quickstart: forwarding this boot's journal (to stdout)" >&2
    ./auralog-journald --once --stdout --start boot --state-file "$work/cursor"
else
    echo "quickstart: this machine has no journal; using a sample journal built from conf/sample.export" >&2
    /lib/systemd/systemd-journal-remote --output="$work/sample.journal" ../conf/sample.export 2>/dev/null
    ./auralog-journald --once --stdout --start head --directory "$work" --state-file "$work/cursor"
fi
