# Helpers shared by tests/content/journal.sh and tests/content/rsyslog.sh,
# sourced after the path's own library (tests/lib.sh functions are in scope).
#   count_msg MSG [PROGRAM]   entries whose message is exactly MSG (and program)
#   entry_of MSG              the first entry with message MSG, as JSON
#   field EXPR                EXPR (of o) from the JSON on stdin
#   wait_msg MSG [SECONDS]    until an entry with message MSG arrived
#   content_script1 FILE      the first scenario as "service<TAB>line" lines:
#                             a live Python traceback and a real Java one
#                             interleaved line by line with a plain service,
#                             the negative cases, a prefixed and a JSON error
FEED=$top_srcdir/tests/content/feed.py
FX=$top_srcdir/tests/fixtures/stacktraces
# messages that must stay info, one entry each
negatives=("0 errors found" "[1, 2, 3]" "Errors: in normal text" "Server started at 10:00" "    at the end of the day")

count_msg() {
    ingest_entries | M=$1 P=${2:-} jlines '1 if o["message"] == __import__("os").environ["M"] and (not __import__("os").environ["P"] or o["metadata"].get("program") == __import__("os").environ["P"]) else None' | wc -l
}
entry_of() {
    ingest_entries | M=$1 jlines 'o if o["message"] == __import__("os").environ["M"] else None' | head -n 1
}
field() { jlines "$1"; }
_has_msg() { [ "$(count_msg "$1")" -ge 1 ]; }
wait_msg() { wait_until "${2:-30}" _has_msg "$1"; }

content_script1() {
    "$PYTHON3" "$FEED" pytrace >"$T/py.txt" || return 1
    {
        awk 'NR == FNR { a[++n] = $0; next } { b[++m] = $0 }
             END { for (i = 1; i <= (n > m ? n : m); i++) {
                       if (i <= n) print "svc-py\t" a[i]; if (i <= m) print "svc-java\t" b[i]; print "svc-plain\tplain " i } }' \
            "$T/py.txt" "$FX/java.txt"
        for n in "${negatives[@]}"; do printf 'svc-plain\t%s\n' "$n"; done
        printf 'svc-plain\tERROR:root:prefixed boom\n'
        printf 'svc-plain\t{"level":"error","msg":"json boom","trace_id":"t-1","order":7}\n'
        printf 'svc-py\tpy done\nsvc-java\tjava done\n'
    } >"$1"
}
