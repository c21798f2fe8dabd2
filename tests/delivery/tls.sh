#!/bin/bash
# Transport security (SPEC §6, issue 3): TLS verification is always on, an
# untrusted certificate delivers nothing, ca_file adds a CA; http:// is a
# configuration error unless allow_insecure_endpoint = true.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
test_init tls
. "$top_srcdir/tests/delivery/common.bash"
need_cmd openssl

# --- http:// refused unless allow_insecure_endpoint ------------------------------------
start_ingest || bail_out "fake ingest does not start"
for how in "-auralog.allow_insecure_endpoint" "auralog.allow_insecure_endpoint=false"; do
    write_config "$T/insecure.conf" "$how"
    echo "info x" | timeout -k 3 10 "$FEED" --config "$T/insecure.conf" >/dev/null 2>"$T/insecure.err"
    rc=$?
    is "http:// without allow_insecure_endpoint ($how): exit 2" "$rc" 2
    ok "the error names the key" grep -q "allow_insecure_endpoint" "$T/insecure.err"
    ok "the error names the file" grep -q "insecure.conf" "$T/insecure.err"
done
diag "$(cat "$T/insecure.err")"
is "nothing was sent" "$(ingest_request_count)" 0
write_config "$T/insecure.conf" auralog.allow_insecure_endpoint=true
echo "info plain http" | timeout -k 3 10 "$FEED" --config "$T/insecure.conf" >/dev/null 2>"$T/insecure.err"
is "http:// with allow_insecure_endpoint = true: exit 0" "$?" 0
is "and delivered" "$(ingest_entries | jlines 'o["message"]')" "plain http"
stop_ingest

# --- HTTPS -------------------------------------------------------------------------------
start_ingest --tls || skip_all "the TLS fake endpoint does not start"
like "endpoint is https" "$INGEST_URL" '^https://'
# untrusted: no ca_file (the test CA is not in the system store), and https needs no opt-in
write_config "$T/untrusted.conf" -delivery.ca_file -auralog.allow_insecure_endpoint
feed_start "$T/untrusted.conf"
feed_write "info secret 1" "error secret 2"
_cert_err() { grep -qi "certificate" "$FEED_ERR"; }
ok "untrusted certificate: the failure names the certificate problem" wait_until 10 _cert_err
diag "$(grep -i certificate "$FEED_ERR" | head -2)"
sleep 1
is "untrusted certificate: nothing accepted" "$(ingest_count)" 0
is "untrusted certificate: no request got through" "$(ingest_request_count)" 0
ok "feed keeps retrying (alive)" feed_alive
kill -TERM "$FEED_PID"
feed_close
feed_wait_exit 10
is "SIGTERM: exit 0" "$FEED_RC" 0
ok "SIGTERM: says 2 entries were not acknowledged" grep -q "stopping with 2 entries not acknowledged" "$FEED_ERR"

# a CA that is not the server's is not enough either
mkdir -p "$T/other"
(cd "$T/other" && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout k.pem \
    -out ca.pem -days 1 -subj "/CN=other CA" >/dev/null 2>&1)
write_config "$T/other.conf" "delivery.ca_file=$T/other/ca.pem"
feed_start "$T/other.conf"
feed_write "info wrong ca"
ok "a wrong ca_file: certificate problem" wait_until 10 _cert_err
is "a wrong ca_file: nothing accepted" "$(ingest_count)" 0
kill -TERM "$FEED_PID"
sleep 0.2
kill -TERM "$FEED_PID" # a second stop signal exits at once
feed_close
feed_wait_exit 3
is "second SIGTERM: exit 0 at once" "$FEED_RC" 0

# trusted through ca_file
write_config "$T/trusted.conf" -auralog.allow_insecure_endpoint
ok "config has ca_file" grep -q "ca_file = $INGEST_CA" "$T/trusted.conf"
printf 'info tls 1\nerror tls 2\ninfo tls 3\n' | timeout -k 3 10 "$FEED" --config "$T/trusted.conf" >/dev/null 2>"$T/trusted.err"
is "with ca_file: exit 0" "$?" 0
is "with ca_file: every entry delivered" "$(n_sorted)" "1 2 3"
is "with ca_file: nothing else" "$(ingest_count)" 3
done_testing
