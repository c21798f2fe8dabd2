#!/bin/bash
# tests/fuzz/build.sh - build the libFuzzer targets with clang, straight from
# the sources (separate from the autotools build).
#
#   tests/fuzz/build.sh OUT_DIR [CONFIGURED_BUILD_DIR]
#
# OUT_DIR gets one binary per target (fuzz_json fuzz_entry fuzz_settings
# fuzz_input fuzz_sd fuzz_journal_map fuzz_content).  The generated auraconf.h is taken
# from CONFIGURED_BUILD_DIR when given (or $top_builddir), else a minimal
# one is written.  Needs clang and libclang-rt-14-dev (libFuzzer, ASan,
# UBSan runtimes).  CC and FUZZ_SANITIZERS override the compiler and the
# sanitizers (default address,undefined).
set -eu

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
out=${1:?usage: build.sh OUT_DIR [CONFIGURED_BUILD_DIR]}
confdir=${2:-${top_builddir:-}}
CC=${CC_FUZZ:-clang}
sanitizers=${FUZZ_SANITIZERS:-address,undefined}

TARGETS="fuzz_json fuzz_entry fuzz_settings fuzz_input fuzz_sd fuzz_journal_map fuzz_content"
# Sources the targets need: the core minus the parts that need curl and the
# event loop, plus the parsers of the two front ends.
LIB_SOURCES="lib/buf.c lib/file.c lib/log.c lib/level.c lib/json.c lib/entry.c lib/global.c lib/number.c lib/settings.c lib/listen.c lib/wire.c
             lib/content.c lib/multiline.c plugin/input.c plugin/sd.c journal-reader/map.c journal-reader/journal_settings.c"

command -v "$CC" >/dev/null || { echo "build.sh: $CC not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }

mkdir -p "$out/obj"
out=$(cd "$out" && pwd)

if [ -n "$confdir" ] && [ -f "$confdir/auraconf.h" ]; then
    cp "$confdir/auraconf.h" "$out/auraconf.h.new"
else
    version=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$src/configure.ac" 2>/dev/null | head -n1)
    cat >"$out/auraconf.h.new" <<EOH
/* minimal auraconf.h for the fuzz build (no configured build dir given) */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1
#endif
#define PACKAGE "auralog-bridge"
#define PACKAGE_NAME "auralog-bridge"
#define PACKAGE_VERSION "${version:-0.0.0}"
#define VERSION PACKAGE_VERSION
EOH
fi
# keep the old file (and its timestamp) when nothing changed
if cmp -s "$out/auraconf.h.new" "$out/auraconf.h"; then rm -f "$out/auraconf.h.new"; else mv "$out/auraconf.h.new" "$out/auraconf.h"; fi

deps_cflags=$(pkg-config --cflags json-c inih)
deps_libs=$(pkg-config --libs json-c inih)
CFLAGS_COMMON="-g -O1 -std=gnu11 -fno-omit-frame-pointer -fno-sanitize-recover=all
    -Wall -Wextra -Wno-unused-parameter
    -include $out/auraconf.h -I$src/lib -I$src/plugin -I$src/journal-reader
    -DSYSCONFDIR=\"/etc\" -DLOCALSTATEDIR=\"/var\" $deps_cflags"

# compile only what changed (sources, headers, flags)
stamp_of() { cat "$@" "$out/auraconf.h" 2>/dev/null | cksum | cut -d' ' -f1; }
flags_sum=$(printf '%s %s %s' "$CC" "$sanitizers" "$CFLAGS_COMMON" | cksum | cut -d' ' -f1)
hdr_sum=$(stamp_of "$src"/lib/*.h "$src"/plugin/*.h "$src"/journal-reader/*.h "$here"/fuzz.h)

objs=()
for s in $LIB_SOURCES; do
    o=$out/obj/$(echo "$s" | tr / _ | sed 's/\.c$/.o/')
    sum=$flags_sum-$hdr_sum-$(stamp_of "$src/$s")
    if [ ! -f "$o" ] || [ "$(cat "$o.sum" 2>/dev/null)" != "$sum" ]; then
        # shellcheck disable=SC2086
        $CC $CFLAGS_COMMON -fsanitize=fuzzer-no-link,$sanitizers -c "$src/$s" -o "$o"
        echo "$sum" >"$o.sum"
    fi
    objs+=("$o")
done

for t in $TARGETS; do
    bin=$out/$t
    sum=$flags_sum-$hdr_sum-$(stamp_of "$here/$t.c" "${objs[@]}")
    if [ ! -x "$bin" ] || [ "$(cat "$bin.sum" 2>/dev/null)" != "$sum" ]; then
        # shellcheck disable=SC2086
        $CC $CFLAGS_COMMON -Werror -fsanitize=fuzzer,$sanitizers "$here/$t.c" "${objs[@]}" $deps_libs -lm -o "$bin"
        echo "$sum" >"$bin.sum"
    fi
done
echo "built in $out: $TARGETS"
