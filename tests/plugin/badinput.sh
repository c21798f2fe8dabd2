#!/bin/bash
# Bad input on omauralog's stdin: non-JSON, truncated JSON, a JSON array, a
# 10 MiB line, a line beyond the 16 MiB cap, NUL bytes, invalid UTF-8, CR LF,
# empty lines.  Each one is forwarded (or reported), gets exactly one
# single-line reply, and never crashes the plugin.
. "$top_srcdir/tests/plugin/lib-rsyslog.sh"
test_init plugin_badinput

start_ingest || bail_out "fake ingest did not start"
write_config "$T/auralog.conf" delivery.max_message_bytes=65536
plugin_start --config "$T/auralog.conf" --confirm
is "startup OK" "$(preply 10)" OK
ok "first commit refused, resent and committed (one entry)" pwarm_up

"$PYTHON3" - "$T" <<'PY'
import json, sys
t = sys.argv[1]
with open(t + "/big.line", "wb") as f:           # a 10 MiB message in the template
    f.write(json.dumps({"msg": "B" * (10 << 20), "severity": "6", "app": "big"}).encode() + b"\n")
with open(t + "/huge.line", "wb") as f:          # 20 MiB of raw text: beyond the line cap
    f.write(b"H" * (20 << 20) + b"\n")
PY

psend "BEGIN TRANSACTION"
is "BEGIN OK" "$(preply)" OK
n=0
line() { # line DESC: the previous write must get exactly one DEFER_COMMIT
    local r
    r=$(preply 20)
    is "$1: one DEFER_COMMIT" "$r" DEFER_COMMIT
    n=$((n + 1))
}
psend 'this is not json at all'; line "plain text"
psend '{"msg":"truncated json'; line "truncated JSON"
psend '["a","json","array"]'; line "JSON array"
psend '{"msg":"x"} trailing'; line "JSON with trailing garbage"
psend_raw 'nul\0byte\0inside\n'; line "NUL bytes in a raw line"
psend_raw '{"msg":"nul \\u0000 escaped","app":"nul"}\n'; line "escaped NUL in JSON"
psend_raw 'bad utf8 \xff\xfe\xc3( end\n'; line "invalid UTF-8 raw"
psend_raw '{"msg":"bad utf8 in json \xc0\xaf end","app":"u8"}\n'; line "invalid UTF-8 inside JSON"
psend_raw 'crlf line\r\n'; line "CR LF"
psend ''; line "empty line"
psend '{"msg":"deep","fields":'"$(printf '{"a":%.0s' {1..100})1$(printf '}%.0s' {1..100})"'}'; line "JSON nested 100 deep"
cat "$T/big.line" >&"$PIN"; line "10 MiB line"
cat "$T/huge.line" >&"$PIN"; line "20 MiB line (beyond the cap)"
psend '{"msg":"after the big ones","app":"after"}'; line "normal line after the big ones"
psend "COMMIT TRANSACTION"
is "COMMIT OK: everything acknowledged" "$(preply 30)" OK
ok "omauralog still running" kill -0 "$OM_PID"
ok "all $n entries delivered (and the warm-up)" ingest_wait_count "$((n + 1))" 10

msgs=$(ingest_entries | jlines 'o["message"][:40].replace("\0", "<NUL>")')
ok "plain text forwarded" grep -qx 'this is not json at all' <<<"$msgs"
ok "truncated JSON forwarded as text" grep -qxF '{"msg":"truncated json' <<<"$msgs"
ok "JSON array forwarded as text" grep -qxF '["a","json","array"]' <<<"$msgs"
is "NUL bytes escaped" "$(ingest_entries | grep -F 'nul\u0000byte' | jlines 'repr(o["message"])')" "'nul\\x00byte\\x00inside'"
is "invalid UTF-8 raw -> U+FFFD" "$(grep '"bad utf8 [^i]' "$INGEST_DIR/entries.jsonl" | jlines 'o["message"].count("\ufffd") >= 2')" true
is "invalid UTF-8 inside JSON -> U+FFFD" "$(grep '"u8"' "$INGEST_DIR/entries.jsonl" | jlines '"\ufffd" in o["message"]')" true
is "CR LF: CR dropped" "$(grep -c '"crlf line"' "$INGEST_DIR/entries.jsonl")" 1
e=$(ingest_entries | grep '"big"')
is "10 MiB message cut to max_message_bytes" "$(jlines 'len(o["message"])' <<<"$e")" 65536
is "10 MiB message: truncated flag" "$(jlines 'o["metadata"]["truncated"]' <<<"$e")" true
is "10 MiB message: original length" "$(jlines 'o["metadata"]["message_bytes"]' <<<"$e")" 10485760
e=$(ingest_entries | grep '"HHHH' | head -1)
is "20 MiB line forwarded, cut" "$(jlines 'len(o["message"])' <<<"$e")" 65536
is "20 MiB line: forwarded length is the 16 MiB cap" "$(jlines 'o["metadata"]["message_bytes"]' <<<"$e")" 16777216
ok "the line after it is intact" grep -qx 'after the big ones' <<<"$msgs"
ok "over-long line reported on stderr" grep -q 'longer than' "$T/plugin.err"
ok "non-JSON-object JSON reported on stderr" grep -q 'not a JSON object' "$T/plugin.err"

# --- many bad lines outside transactions: one reply each, then EOF ------------------
replies=0
for i in 1 2 3; do
    psend_raw '{{{{\x01\x02\n'
    r=$(preply 10) && replies=$((replies + 1))
    is "single bad line $i: OK" "$r" OK
done
psend_raw 'last line without newline'
pclose
pwait_exit 10
is "exit 0 at EOF" "$OM_RC" 0
ok "the unterminated last line was delivered" bash -c "grep -q 'last line without newline' '$INGEST_DIR/entries.jsonl'"
ok "no crash file or signal" bash -c "! grep -qi 'crash\|signal' '$T/plugin.err'"
done_testing
