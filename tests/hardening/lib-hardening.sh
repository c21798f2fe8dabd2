# tests/hardening/lib-hardening.sh - helpers of the hardening tests, on top
# of tests/lib.sh (source that first).
#
#   new_key                  sets TEST_API_KEY to a fresh random key (so a
#                            grep for it cannot match anything else)
#   AURA_FEED                path of tests/aura-feed
#   seq_lines N [PREFIX]     prints "PREFIX1" .. "PREFIXN", one per line
#   delivered_ns             the metadata "n" of every accepted entry, sorted -n
#   missing_ns N             numbers 1..N never accepted (empty: none lost)

AURA_FEED=$top_builddir/tests/aura-feed

new_key() {
    TEST_API_KEY=key-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')-END
}

seq_lines() {
    local n=$1 prefix=${2:-line }
    awk -v n="$n" -v p="$prefix" 'BEGIN { for (i = 1; i <= n; i++) print p i }'
}

delivered_ns() {
    ingest_entries | jlines 'o.get("metadata", {}).get("n")' | sort -n
}

missing_ns() {
    delivered_ns | sort -u | awk -v n="$1" '{ seen[$1] = 1 } END { for (i = 1; i <= n; i++) if (!(i in seen)) print i }'
}
