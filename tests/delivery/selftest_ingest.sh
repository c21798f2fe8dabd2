#!/bin/bash
# Self-test of tests/fake_ingest.py and tests/lib.sh: the server every delivery
# test relies on must record, count, fault and speak TLS as documented.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
test_init selftest_ingest
need_cmd curl "curl not installed"

# curl_post PATH BODY [curl args...]: prints "STATUS" (or nothing), exit = curl's exit code
curl_post() {
    local path=$1 body=$2
    shift 2
    curl -sS -o "$T/curl.body" -D "$T/curl.headers" -w '%{http_code}' --max-time 10 \
        -H 'Content-Type: application/json' --data-binary "$body" "$@" "$INGEST_URL$path"
}

batch() { # batch MSG... -> /v1/logs body
    local out='{"projectApiKey":"k","logs":[' sep='' m
    for m in "$@"; do
        out+="$sep{\"level\":\"info\",\"message\":\"$m\"}"
        sep=,
    done
    printf '%s]}' "$out"
}

start_ingest || bail_out "fake ingest does not start"
like "INGEST_URL is http on loopback" "$INGEST_URL" '^http://127\.0\.0\.1:[0-9]+$'
ok "server process is alive" kill -0 "$INGEST_PID"

# --- recording and counting ---------------------------------------------------
is "batch answered 200" "$(curl_post /v1/logs "$(batch a b c)")" 200
is "single answered 200" "$(curl_post /v1/logs/single '{"projectApiKey":"k","log":{"level":"error","message":"d"}}')" 200
is "4 entries accepted" "$(ingest_count)" 4
is "entries in arrival order" "$(ingest_entries | jlines 'o["message"]' | tr -d '\n')" abcd
is "2 requests recorded" "$(ingest_request_count)" 2
is "request paths" "$(ingest_requests | jlines 'o["path"]' | tr '\n' ' ')" "/v1/logs /v1/logs/single "
is "headers recorded lowercased" "$(ingest_requests | jlines 'o["headers"]["content-type"]' | head -1)" application/json
is "body recorded parsed" "$(ingest_requests | jlines 'o["body"]["projectApiKey"]' | head -1)" k
is "status recorded" "$(ingest_requests | jlines 'o["status"]' | tr '\n' ' ')" "200 200 "
ok "ingest_wait_count sees 4" ingest_wait_count 4 1
fails "ingest_wait_count times out for 5" ingest_wait_count 5 0.3

# --- garbage never crashes it; it is recorded raw -------------------------------
is "garbage body answered 400" "$(curl_post /v1/logs 'not json {')" 400
is "garbage recorded as raw string" "$(ingest_requests | tail -1 | jlines 'o["body"]')" "not json {"
is "wrong shape answered 400" "$(curl_post /v1/logs '{"projectApiKey":"k","log":{}}')" 400
is "unknown path answered 404" "$(curl_post /v2/x '{}')" 404
ok "still alive after garbage" kill -0 "$INGEST_PID"
ok "ingest_reset" ingest_reset
is "reset clears requests" "$(ingest_request_count)" 0
is "reset clears entries" "$(ingest_count)" 0

# --- scripted faults ------------------------------------------------------------
ok "script: 500, then 503 with Retry-After" \
    ingest_script '{"steps":[{"status":500},{"status":503,"retry_after":"2"}],"default":{"status":200}}'
is "first request gets 500" "$(curl_post /v1/logs "$(batch e1)")" 500
is "second request gets 503" "$(curl_post /v1/logs "$(batch e2)")" 503
ok "503 carries Retry-After: 2" grep -qi '^Retry-After: 2' "$T/curl.headers"
is "then default 200" "$(curl_post /v1/logs "$(batch e3)")" 200
ingest_script '{"steps":[{"status":429,"retry_after_date":30}]}'
is "429 answered" "$(curl_post /v1/logs "$(batch e0)")" 429
like "429 carries an HTTP-date Retry-After" "$(grep -i '^Retry-After:' "$T/curl.headers")" \
    '^Retry-After: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT'
is "step index recorded" "$(ingest_requests | jlines 'str(o["step"])' | tr '\n' ' ')" "0 1 None 0 "
is "only the 2xx entry is accepted" "$(ingest_entries | jlines 'o["message"]')" e3
is "faulted requests are recorded with their status" "$(ingest_requests | jlines 'o["status"]' | tr '\n' ' ')" "500 503 200 429 "

ingest_reset
ok "script: reset step" ingest_script '{"steps":[{"reset":true}]}'
curl_post /v1/logs "$(batch r1)" >/dev/null 2>"$T/curl.err"
rc=$?
# 56 = "Connection reset by peer": a real RST, not an orderly close (that would be 52)
is "reset: connection reset without a response (curl exit 56)" "$rc" 56
is "reset: recorded with status null" "$(ingest_requests | jlines 'str(o["status"])')" None
is "reset: entry not accepted" "$(ingest_count)" 0

ingest_reset
ok "script: reject marker" ingest_script '{"steps":[{"status":503}],"reject_marker":"POISON"}'
is "poisoned batch answered 400" "$(curl_post /v1/logs "$(batch ok1 POISON ok2)")" 400
is "reject does not consume a step" "$(curl_post /v1/logs "$(batch x)")" 503
is "clean batch accepted" "$(curl_post /v1/logs "$(batch ok1 ok2)")" 200
is "poisoned entries not accepted" "$(ingest_entries | jlines 'o["message"]' | tr '\n' ' ')" "ok1 ok2 "

ingest_reset
ok "script: match on path, count" \
    ingest_script '{"steps":[{"status":500,"count":2,"match":{"path":"/v1/logs/single"}}]}'
is "batch path not matched: 200" "$(curl_post /v1/logs "$(batch m1)")" 200
is "single matched: 500" "$(curl_post /v1/logs/single '{"projectApiKey":"k","log":{"message":"s"}}')" 500
is "single matched again (count 2): 500" "$(curl_post /v1/logs/single '{"projectApiKey":"k","log":{"message":"s"}}')" 500
is "count used up: 200" "$(curl_post /v1/logs/single '{"projectApiKey":"k","log":{"message":"s"}}')" 200

ok "script: delay 0.5 s" ingest_script '{"steps":[{"delay":0.5}]}'
t0=${EPOCHREALTIME/./}
curl_post /v1/logs "$(batch d1)" >/dev/null
dt=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
ok "delayed answer took >= 500 ms ($dt ms)" test "$dt" -ge 480

ok "script: hang" ingest_script '{"steps":[{"hang":true}]}'
curl_post /v1/logs "$(batch h1)" --max-time 0.7 >/dev/null 2>&1
is "hang: curl times out (28)" "$?" 28
is "server still answers others during a hang" "$(curl_post /v1/logs "$(batch h2)")" 200

ok "script: hang for 0.3 s" ingest_script '{"steps":[{"hang":0.3}]}'
curl_post /v1/logs "$(batch h3)" --max-time 5 >/dev/null 2>&1
is "timed hang: closed without an answer (curl 52: empty reply)" "$?" 52

# seeded random faults: the n-th request without a step gets the same answer in every run
rand_statuses() { # SEED: statuses of 12 requests
    local i out=
    ingest_script "{\"random\":{\"seed\":$1,\"rate\":0.5,\"faults\":[{\"status\":503},{\"status\":500}]}}" || return 1
    for i in $(seq 12); do out+="$(curl_post /v1/logs "$(batch rnd)") "; done
    printf '%s\n' "$out"
}
r1=$(rand_statuses 7)
r2=$(rand_statuses 7)
is "random faults: same seed, same answers" "$r1" "$r2"
like "random faults: a mix of 200 and the faults ($r1)" "$r1" '200 .*(503|500)|(503|500) .*200'
ok "random faults: 'random' without faults refused" ! ingest_script '{"random":{"seed":1}}'

ok "script: 3xx with Location" ingest_script '{"steps":[{"status":307,"location":"http://127.0.0.1:1/"}]}'
is "redirect answered 307" "$(curl_post /v1/logs "$(batch l1)")" 307
ok "Location header sent" grep -qi '^Location: http://127.0.0.1:1/' "$T/curl.headers"

ok "script: trickle 40 B/s" ingest_script '{"steps":[{"trickle":40}]}'
curl_post /v1/logs "$(batch tr)" --max-time 0.5 >/dev/null 2>&1
is "trickled answer too slow for a 0.5 s client (28)" "$?" 28

ok "script: api_key required" ingest_script '{"api_key":"k2"}'
is "wrong key answered 401" "$(curl_post /v1/logs "$(batch w)")" 401
is "right key answered 200" "$(curl_post /v1/logs '{"projectApiKey":"k2","logs":[]}')" 200
ok "bad script JSON refused" ! ingest_script '{"steps":'

# --- keep-alive: connection numbers --------------------------------------------
ingest_reset
ingest_script '{}'
curl -sS -o /dev/null -o /dev/null -H 'Content-Type: application/json' \
    --data-binary "$(batch k1)" "$INGEST_URL/v1/logs" --next \
    -H 'Content-Type: application/json' --data-binary "$(batch k2)" "$INGEST_URL/v1/logs" >/dev/null 2>&1
is "keep-alive: two requests on one connection" "$(ingest_requests | jlines 'o["conn"]' | sort -u | wc -l)" 1

# --- restart on the same port, records kept -----------------------------------
port=$INGEST_PORT
ok "restart_ingest" restart_ingest 0.2
is "same port after restart" "$INGEST_PORT" "$port"
is "records kept across restart" "$(ingest_count)" 2
is "answers after restart" "$(curl_post /v1/logs "$(batch after)")" 200
ok "stop_ingest" stop_ingest
fails "connection refused once stopped" curl -sS --max-time 2 "$INGEST_URL/v1/logs"

ok "start_ingest --script --no-request-bodies" start_ingest --script '{"steps":[{"status":503}]}' --no-request-bodies
is "script from start applies to the first request" "$(curl_post /v1/logs "$(batch s1)")" 503
is "then 200" "$(curl_post /v1/logs "$(batch s2)")" 200
is "no request bodies recorded, only sizes" "$(ingest_requests | jlines 'sorted(o["body"])' | head -1)" '["bytes"]'
is "entries still recorded" "$(ingest_entries | jlines 'o["message"]')" s2

stop_ingest

# --- TLS ----------------------------------------------------------------------
ok "start_ingest --tls" start_ingest --tls
like "INGEST_URL is https://localhost" "$INGEST_URL" '^https://localhost:[0-9]+$'
ok "INGEST_CA exists" test -s "$INGEST_CA"
is "TLS with the generated CA: 200" "$(curl_post /v1/logs "$(batch tls1)" --cacert "$INGEST_CA")" 200
is "TLS request recorded" "$(ingest_entries | jlines 'o["message"]')" tls1
curl_post /v1/logs "$(batch tls2)" --capath /nonexistent --cacert /etc/ssl/certs/ca-certificates.crt >/dev/null 2>&1
is "TLS without the CA fails verification (60)" "$?" 60
gen_cert "$T/other" >/dev/null
curl_post /v1/logs "$(batch tls3)" --cacert "$T/other/ca.pem" >/dev/null 2>&1
is "TLS with a different CA fails (60)" "$?" 60
is "TLS via 127.0.0.1 (IP SAN): 200" \
    "$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$T/tls/ca.pem" -H 'Content-Type: application/json' \
        --data-binary "$(batch ip)" "https://127.0.0.1:$INGEST_PORT/v1/logs")" 200
ok "script over TLS control endpoint" ingest_script '{"steps":[{"status":502}]}'
is "scripted 502 over TLS" "$(curl_post /v1/logs "$(batch tls4)" --cacert "$T/tls/ca.pem")" 502
ok "server survived failed handshakes" kill -0 "$INGEST_PID"

# --- lib.sh helpers ----------------------------------------------------------
write_config "$T/c.conf" delivery.max_batch_entries=10 global_metadata.app=x -journal.state_file auralog.flush_interval=1
ok "write_config: override replaces" grep -qx 'flush_interval = 1' "$T/c.conf"
ok "write_config: new key in existing section" grep -qx 'max_batch_entries = 10' "$T/c.conf"
ok "write_config: new section" grep -qx '\[global_metadata\]' "$T/c.conf"
fails "write_config: deleted key" grep -q state_file "$T/c.conf"
ok "write_config: TLS adds ca_file" grep -qx "ca_file = $T/tls/ca.pem" "$T/c.conf"
is "api key file mode 0600" "$(stat -c %a "$T/api_key")" 600
fails "api key not in the config" grep -q test-key-SECRET "$T/c.conf"
like "free_port" "$(free_port)" '^[0-9]+$'
like "rss_kb" "$(rss_kb "$INGEST_PID")" '^[0-9]+$'
start_bg sleeper sleep 30
ok "start_bg sets BG_PID" kill -0 "$BG_PID"
ok "wait_until succeeds" wait_until 1 true
fails "wait_until times out" wait_until 0.3 false

done_testing
