#!/bin/bash
# Network options (SPEC §13, issue 13) against real components: tinyproxy
# (HTTPS through CONNECT), nginx with ssl_verify_client on (mutual TLS),
# public key pinning, gzip (the fake endpoint gunzips and checks; a 415
# holds), an IPv6 endpoint, and the proxy environment variables ignored.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
test_init network
. "$top_srcdir/tests/delivery/common.bash"
need_cmd openssl

TINYPROXY=${TINYPROXY:-$(command -v tinyproxy || echo /usr/bin/tinyproxy)}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

run_feed() { # CONF LINES...: feed the lines, EOF, wait for the exit (entries acknowledged)
    local conf=$1
    shift
    printf '%s\n' "$@" | timeout -k 3 30 "$FEED" --config "$conf" >/dev/null 2>"$T/run.err"
}

start_ingest --tls || bail_out "the TLS fake endpoint does not start"

# --- proxy ---------------------------------------------------------------------
if [ -x "$TINYPROXY" ]; then
    PPORT=$(free_port)
    cat >"$T/tinyproxy.conf" <<CONF
Port $PPORT
Listen 127.0.0.1
Timeout 60
Allow 127.0.0.1
ConnectPort $INGEST_PORT
LogLevel Connect
LogFile "$T/tinyproxy.log"
PidFile "$T/tinyproxy.pid"
MaxClients 20
CONF
    start_bg tinyproxy "$TINYPROXY" -d -c "$T/tinyproxy.conf"
    ok "tinyproxy listens" wait_until 10 eval "ss -ltnH 'sport = :$PPORT' | grep -q ."
    write_config "$T/proxy.conf" "delivery.proxy=http://127.0.0.1:$PPORT"
    run_feed "$T/proxy.conf" "info via proxy 1" "error via proxy 2"
    is "through the proxy: exit 0" "$?" 0
    is "through the proxy: delivered" "$(n_sorted)" "1 2"
    ok "the proxy saw a CONNECT to the endpoint" grep -q "CONNECT.*localhost:$INGEST_PORT" "$T/tinyproxy.log"
    connects=$(grep -c "CONNECT" "$T/tinyproxy.log")

    ingest_reset
    DEAD=$(free_port)
    write_config "$T/direct.conf"
    printf '%s\n' "info env 1" "info env 2" | https_proxy=http://127.0.0.1:$DEAD HTTPS_PROXY=http://127.0.0.1:$DEAD \
        ALL_PROXY=http://127.0.0.1:$DEAD all_proxy=http://127.0.0.1:$DEAD \
        timeout -k 3 30 "$FEED" --config "$T/direct.conf" >/dev/null 2>"$T/env.err"
    is "https_proxy etc. in the environment (dead port) and no proxy key: exit 0" "$?" 0
    is "delivered directly" "$(n_sorted)" "1 2"
    is "the proxy saw nothing more" "$(grep -c "CONNECT" "$T/tinyproxy.log")" "$connects"
    ok "--check shows proxy" eval '"$FEED" --config "$T/proxy.conf" --check | grep -qx "proxy = http://127.0.0.1:$PPORT"'
else
    skip "proxy" "tinyproxy not installed (scripts/install-deps.sh test)"
fi

# --- pinning ------------------------------------------------------------------------
ingest_reset
pin=sha256//$(openssl x509 -in "$INGEST_CERT_DIR/server.pem" -pubkey -noout | openssl pkey -pubin -outform der |
    openssl dgst -sha256 -binary | base64)
write_config "$T/pin.conf" "delivery.pinned_public_key=$pin"
run_feed "$T/pin.conf" "info pinned 1"
is "the right pin: exit 0" "$?" 0
is "the right pin: delivered" "$(n_sorted)" "1"
write_config "$T/pin2.conf" "delivery.pinned_public_key=sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=;$pin"
run_feed "$T/pin2.conf" "info pinned list 1"
is "a list with the right pin: delivered" "$(ingest_count)" 2
ingest_reset
write_config "$T/badpin.conf" "delivery.pinned_public_key=sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
feed_start "$T/badpin.conf"
feed_write "info wrong pin 1"
ok "a wrong pin: refused with a clear error" wait_until 10 grep -qi "pinned public key" "$FEED_ERR"
diag "$(grep -i "pinned" "$FEED_ERR" | head -n 1)"
is "a wrong pin: nothing accepted" "$(ingest_count)" 0
is "a wrong pin: no request reached the endpoint" "$(ingest_request_count)" 0
kill -TERM "$FEED_PID"
feed_close
feed_wait_exit 10

# --- gzip -----------------------------------------------------------------------------
ingest_reset
write_config "$T/gzip.conf" delivery.compression=gzip
lines=()
for i in $(seq 1 50); do lines+=("info compressible entry number $i with some repeated text repeated text"); done
run_feed "$T/gzip.conf" "${lines[@]}" "error gz urgent 51"
is "gzip: exit 0" "$?" 0
is "gzip: the endpoint decoded every entry" "$(n_sorted)" "$(seq_list 1 51)"
is "gzip: every request says Content-Encoding: gzip" \
    "$(ingest_requests | jlines 'o["headers"].get("content-encoding")' | sort -u)" "gzip"
ratio=$(ingest_requests | jlines 'o["wire_bytes"] * 100 // len(__import__("json").dumps(o["body"])) if o["path"] == "/v1/logs" else None' | head -n 1)
ok "gzip: smaller on the wire (${ratio}% of the JSON)" test "${ratio:-100}" -lt 50

# 415: held like 401, never dropped, said once a minute; compression = none and SIGHUP delivers
ingest_reset
ingest_script '{"refuse_encoding": true}'
write_config "$T/gz415.conf" delivery.compression=gzip
feed_start "$T/gz415.conf"
feed_write "info held 1" "error held 2"
ok "415: the cause is logged" wait_until 10 grep -q "415.*compression = none" "$FEED_ERR"
diag "$(grep "415" "$FEED_ERR" | head -n 1)"
sleep 1
is "415: nothing accepted" "$(ingest_count)" 0
ok "415: nothing dropped" ! grep -q "dropped" "$FEED_ERR"
is "415: logged once (rate limit)" "$(grep -c "HTTP 415" "$FEED_ERR")" 1
write_config "$T/gz415.conf" delivery.compression=none
kill -HUP "$FEED_PID"
ok "415: after compression = none and SIGHUP, everything arrives" ingest_wait_count 2 20
is "415: both entries" "$(n_sorted)" "1 2"
feed_close
feed_wait_exit 10
is "415: exit 0" "$FEED_RC" 0
ingest_script '{}'

# --- mutual TLS: nginx with ssl_verify_client on in front of a plain fake endpoint ------------
if [ -x "$NGINX" ]; then
    stop_ingest
    start_ingest || bail_out "fake ingest does not start"
    C=$T/tls
    (
        cd "$C" &&
            openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout client.key \
                -out client.csr -subj "/CN=auralog bridge test client" &&
            printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" \
                "extendedKeyUsage=clientAuth" >client.ext &&
            openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2 \
                -extfile client.ext
    ) >"$T/client-cert.log" 2>&1 || { _diag_file "$T/client-cert.log"; bail_out "cannot make a client certificate"; }
    chmod 600 "$C/client.key"
    NPORT=$(free_port)
    mkdir -p "$T/nginx"
    cat >"$T/nginx/nginx.conf" <<CONF
user root;
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log info;
events { worker_connections 64; }
http {
    access_log $T/nginx/access.log;
    client_body_temp_path $T/nginx/body;
    proxy_temp_path $T/nginx/proxy;
    fastcgi_temp_path $T/nginx/fastcgi;
    uwsgi_temp_path $T/nginx/uwsgi;
    scgi_temp_path $T/nginx/scgi;
    server {
        listen 127.0.0.1:$NPORT ssl;
        server_name localhost;
        ssl_certificate $C/server.pem;
        ssl_certificate_key $C/server.key;
        ssl_client_certificate $C/ca.pem;
        ssl_verify_client on;
        # a gateway that wants a certificate says so with 403 (nginx's own
        # default for a missing certificate is a 400)
        error_page 495 496 =403 /client-certificate-required;
        location = /client-certificate-required { return 403 '{"error":"client certificate required"}'; }
        location / { proxy_pass http://127.0.0.1:$INGEST_PORT; }
    }
}
CONF
    start_bg nginx "$NGINX" -c "$T/nginx/nginx.conf" -p "$T/nginx" -g "daemon off;"
    ok "nginx listens" wait_until 10 eval "ss -ltnH 'sport = :$NPORT' | grep -q ."
    write_config "$T/mtls.conf" "auralog.endpoint=https://localhost:$NPORT" "delivery.ca_file=$C/ca.pem" \
        "delivery.client_cert=$C/client.pem" "delivery.client_key=$C/client.key"
    run_feed "$T/mtls.conf" "info mtls 1" "error mtls 2"
    is "mTLS with the client certificate: exit 0" "$?" 0
    is "mTLS with the client certificate: delivered" "$(n_sorted)" "1 2"
    ok "no key-mode warning for a 0600 key" ! grep -q "client_key" "$T/run.err"

    ingest_reset
    write_config "$T/nocert.conf" "auralog.endpoint=https://localhost:$NPORT" "delivery.ca_file=$C/ca.pem"
    feed_start "$T/nocert.conf"
    feed_write "info no cert 1" "error no cert 2"
    ok "without the certificate: held and said" wait_until 10 grep -q "HTTP 403" "$FEED_ERR"
    diag "$(grep "HTTP 403" "$FEED_ERR" | head -n 1)"
    is "without the certificate: nothing delivered" "$(ingest_count)" 0
    ok "without the certificate: nothing dropped" ! grep -q "dropped" "$FEED_ERR"
    write_config "$T/nocert.conf" "auralog.endpoint=https://localhost:$NPORT" "delivery.ca_file=$C/ca.pem" \
        "delivery.client_cert=$C/client.pem" "delivery.client_key=$C/client.key"
    kill -HUP "$FEED_PID"
    ok "with the certificate added by SIGHUP: delivered" ingest_wait_count 2 20
    feed_close
    feed_wait_exit 10
    is "exit 0" "$FEED_RC" 0

    chmod 644 "$C/client.key"
    "$FEED" --config "$T/mtls.conf" --check >/dev/null 2>"$T/mode.err"
    ok "a client_key readable by others draws a warning" grep -q "client_key.*readable" "$T/mode.err"
    diag "$(head -n 1 "$T/mode.err")"
    chmod 600 "$C/client.key"
else
    skip "mutual TLS" "nginx not installed (scripts/install-deps.sh test: nginx-light)"
fi

# --- IPv6 endpoint --------------------------------------------------------------------------
if "$PYTHON3" -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
    mkdir -p "$T/v6"
    start_bg ingest6 "$PYTHON3" "$FAKE_INGEST" --dir "$T/v6" --bind ::1
    wait_until 10 test -s "$T/v6/port"
    write_config "$T/v6.conf" "auralog.endpoint=http://[::1]:$(cat "$T/v6/port")"
    run_feed "$T/v6.conf" "info over ipv6 1"
    is "IPv6 endpoint: exit 0" "$?" 0
    is "IPv6 endpoint: delivered" "$(jlines 'o["message"]' <"$T/v6/entries.jsonl")" "over ipv6 1"
else
    skip "IPv6 endpoint" "no IPv6 loopback here"
fi

ok "--check shows the network keys" eval '"$FEED" --config "$T/gzip.conf" --check >"$T/check.txt"'
for k in proxy client_cert client_key pinned_public_key compression connect_timeout; do
    ok "--check: $k" grep -q "^$k =" "$T/check.txt"
done
done_testing
