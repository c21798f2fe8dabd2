#!/bin/bash
# omauralog driven on stdin/stdout exactly as rsyslog's omprog drives it
# (confirmMessages + useTransactions), against the fake ingest endpoint.
. "$top_srcdir/tests/plugin/lib-rsyslog.sh"
test_init plugin_transcript

start_ingest || bail_out "fake ingest did not start"
write_config "$T/auralog.conf" auralog.flush_interval=30 auralog.host_metadata=true

j() { # j MSG [SEVERITY] [EXTRA-JSON-MEMBERS]: one template line
    printf '{"time":"2026-11-25T12:00:00.000001+00:00","host":"h1","fromhost_ip":"127.0.0.1","severity":"%s","facility":"daemon","app":"app","procid":"42","msgid":"-","sd":"-","msg":"%s"%s}' \
        "${2:-6}" "$1" "${3:-}"
}

# --- startup, one transaction, commit only after the endpoint acknowledged ---
plugin_start --config "$T/auralog.conf" --confirm --commit-timeout 4
is "startup: OK once ready" "$(preply 10)" "OK"
psend "BEGIN TRANSACTION"
is "BEGIN answered OK" "$(preply)" "OK"
psend "$(j one)" "$(j two 4)" "$(j three)"
is "message 1: DEFER_COMMIT" "$(preply)" "DEFER_COMMIT"
is "message 2: DEFER_COMMIT" "$(preply)" "DEFER_COMMIT"
is "message 3: DEFER_COMMIT" "$(preply)" "DEFER_COMMIT"
is "nothing sent before the commit (flush_interval 30 s)" "$(ingest_count)" 0
# the first commit of a new process is refused at once, so that rsyslog
# resends the whole batch (a predecessor killed inside the transaction took
# the lines it had answered DEFER_COMMIT: rsyslog issue #2420) ...
psend "COMMIT TRANSACTION"
like "first COMMIT of a new process: refused at once" "$(preply 2)" '^ERROR resend: first transaction'
# ... message by message, as rsyslog 8.2302 does after a failed commit: the
# lines are queued already, each commit waits for the endpoint
t0=$EPOCHREALTIME
for m in one "two 4" three; do
    psend "BEGIN TRANSACTION" "$(j $m)" "COMMIT TRANSACTION"
    r="$(preply)/$(preply)/$(preply 10)"
    is "resent alone: committed (${m% *})" "$r" "OK/DEFER_COMMIT/OK"
done
is "the endpoint had all three when the commits were answered" "$(ingest_count)" 3
ok "commits flushed at once, not after flush_interval (30 s): the three took < 15 s" awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { exit !(b - a < 15) }'
is "messages in order" "$(ingest_entries | jlines 'o["message"]' | tr '\n' ' ')" "one two three "
is "levels" "$(ingest_entries | jlines 'o["level"]' | tr '\n' ' ')" "info warn info "
is "timestamp from the template" "$(ingest_entries | head -1 | jlines 'o["timestamp"]')" "2026-11-25T12:00:00.000001Z"
is "metadata" "$(ingest_entries | head -1 | jlines 'list(map(o["metadata"].get, ("host","program","pid","facility","severity","source")))')" \
    '["h1", "app", 42, "daemon", "info", "rsyslog"]'

# --- the commit waits for a retried request --------------------------------
ingest_script '{"steps":[{"status":503},{"status":500}],"default":{"status":200}}'
psend "BEGIN TRANSACTION" "$(j four)" "COMMIT TRANSACTION"
is "BEGIN OK" "$(preply)" "OK"
is "DEFER_COMMIT" "$(preply)" "DEFER_COMMIT"
r=$(preply_keepalive 15)
is "commit OK after two failed attempts" "${r#* }" "OK"
is "three requests were made before the commit was answered" "$(ingest_request_count)" 4
is "entry delivered once" "$(ingest_entries | jlines 'o["message"]' | grep -c '^four$')" 1

# --- endpoint down: keep-alive dots, then one error line at the commit -----
stop_ingest
psend "BEGIN TRANSACTION" "$(j five)" "$(j six)" "COMMIT TRANSACTION"
is "BEGIN OK (outage)" "$(preply)" "OK"
is "DEFER_COMMIT (outage) 1" "$(preply)" "DEFER_COMMIT"
is "DEFER_COMMIT (outage) 2" "$(preply)" "DEFER_COMMIT"
t0=$SECONDS
r=$(preply_keepalive 20)
dots=${r%% *}
like "commit answered with an error line" "${r#* }" '^ERROR '
ok "keep-alive dots came first ($dots)" test "${dots:-0}" -ge 2
ok "error only after the commit timeout (>= 4 s, took $((SECONDS - t0)) s)" test $((SECONDS - t0)) -ge 3
restart_ingest
# rsyslog resends the batch
psend "BEGIN TRANSACTION" "$(j five)" "$(j six)" "COMMIT TRANSACTION"
is "resend: BEGIN OK" "$(preply)" "OK"
preply >/dev/null
preply >/dev/null
r=$(preply_keepalive 15)
is "resend commits once the endpoint is back" "${r#* }" "OK"
ok "five and six delivered (duplicates allowed)" bash -c "$(declare -f ingest_entries jlines); INGEST_DIR=$INGEST_DIR PYTHON3=$PYTHON3; ingest_entries | jlines 'o[\"message\"]' | grep -q '^five$' && ingest_entries | jlines 'o[\"message\"]' | grep -q '^six$'"

# --- messages outside a transaction: sent at once, OK when acknowledged ----
n0=$(ingest_count)
psend "$(j single)"
is "single message: OK" "$(preply 10)" "OK"
is "single message delivered before its OK" "$(ingest_count)" $((n0 + 1))

# --- relay attribution -----------------------------------------------------
psend "BEGIN TRANSACTION" "$(j relayed 6 | sed 's/"fromhost_ip":"127.0.0.1"/"fromhost_ip":"10.9.8.7"/; s/"host":"h1"/"host":"remote-web"/')" "COMMIT TRANSACTION"
preply >/dev/null; preply >/dev/null
is "relayed commit OK" "$(preply 10)" "OK"
e=$(ingest_entries | grep '"relayed"')
is "relayed: host is the remote host" "$(jlines 'o["metadata"]["host"]' <<<"$e")" "remote-web"
is "relayed: relay is the bridge's hostname" "$(jlines 'o["metadata"].get("relay")' <<<"$e")" "$(hostname)"
is "relayed: the bridge's host keys left out" "$(jlines 'sorted(set(("machine_id","boot_id","os","kernel")) & set(o["metadata"]))' <<<"$e")" "[]"
e=$(ingest_entries | grep '"one"')
ok "local message: carries the bridge's machine_id" test -n "$(jlines 'o["metadata"].get("machine_id")' <<<"$e")"

# --- EOF: pending entries are flushed, exit 0 -------------------------------
psend "BEGIN TRANSACTION" "$(j last)"
preply >/dev/null; preply >/dev/null
pclose
pwait_exit 10
is "exit status 0 on EOF" "$OM_RC" 0
ok "entry of the unfinished transaction still delivered at EOF" bash -c "grep -q '\"last\"' $INGEST_DIR/entries.jsonl"
ok "one reply per line: no reply line holds two answers" bash -c "! grep -q 'OKOK\|COMMITDEFER' $T/plugin.err"

# --- SIGTERM (systemd signals every process of rsyslog's unit): keep answering until EOF ---
plugin_start --config "$T/auralog.conf" --confirm --commit-timeout 4
is "SIGTERM case: startup OK" "$(preply 10)" OK
ok "SIGTERM case: first commit refused, resent and committed" pwarm_up
kill -TERM "$OM_PID"
psend "BEGIN TRANSACTION" "$(j after-term)" "COMMIT TRANSACTION"
is "after SIGTERM: a transaction is still answered and committed" "$(preply)/$(preply)/$(preply 10)" "OK/DEFER_COMMIT/OK"
ok "after SIGTERM: its entry was delivered" grep -q '"after-term"' "$INGEST_DIR/entries.jsonl"
ok "after SIGTERM: still running until rsyslog closes the input" kill -0 "$OM_PID"
pclose
pwait_exit 10
is "after SIGTERM and EOF: exit 0" "$OM_RC" 0

# --- backpressure: a full core (max_queue_entries=5) during an outage -------
write_config "$T/small.conf" delivery.max_queue_entries=5 delivery.max_batch_entries=5
plugin_start --config "$T/small.conf" --confirm --commit-timeout 30
is "small queue: startup OK" "$(preply 10)" OK
ok "small queue: first commit refused, resent and committed" pwarm_up
ingest_reset
stop_ingest
psend "BEGIN TRANSACTION"
preply >/dev/null
for i in $(seq -w 1 20); do psend "$(j "bp$i")"; done
got=0
for i in $(seq 1 20); do [ "$(preply 5)" = DEFER_COMMIT ] && got=$((got + 1)); done
is "20 messages beyond the 5-entry queue: 20 DEFER_COMMIT, no error, no stall" "$got" 20
psend "COMMIT TRANSACTION"
sleep 2
restart_ingest
r=$(preply_keepalive 30)
is "commit OK once the endpoint is back and the held lines went through" "${r#* }" OK
ok "keep-alive dots while waiting (${r%% *})" test "${r%% *}" -ge 1
is "all 20 delivered, each once" "$(ingest_entries | jlines 'o["message"]' | grep -c '^bp[0-9][0-9]$')/$(ingest_entries | jlines 'o["message"]' | grep '^bp' | sort -u | wc -l)" 20/20
pclose
pwait_exit 10
is "small queue: exit 0" "$OM_RC" 0

# --- fire and forget: no replies, batching, EOF flush ----------------------
write_config "$T/ff.conf" auralog.flush_interval=60
ingest_reset
exec {FF}> >(exec "$OMAURALOG" --config "$T/ff.conf" >"$T/ff.out" 2>"$T/ff.err")
ffpid=$!
for i in 1 2 3 4 5; do printf '%s\n' "$(j "ff$i")" >&"$FF"; done
sleep 0.5
is "fire-and-forget: batched, nothing sent before flush_interval" "$(ingest_count)" 0
exec {FF}>&-
ok "fire-and-forget: EOF flushes all five" ingest_wait_count 5 5
is "fire-and-forget: nothing written on stdout" "$(wc -c <"$T/ff.out")" 0
wait_until 5 bash -c "! kill -0 $ffpid 2>/dev/null"
ok "fire-and-forget: exited" bash -c "! kill -0 $ffpid 2>/dev/null"

done_testing
