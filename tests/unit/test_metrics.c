/* test_metrics.c - Prometheus exposition, metrics_file, listen addresses,
 * gzip, and the libmicrohttpd server driven from the event loop (scraped by
 * a libcurl transfer running in the same loop). */
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "buf.h"
#include "gzip.h"
#include "loop.h"
#include "metrics_server.h"
#include "tap.h"

static void test_render(void) {
    struct aura_metrics *m = aura_metrics_new();
    struct aura_metric *c = aura_metrics_add(m, AURA_METRIC_COUNTER, "x_total", "Line one\nback\\slash", NULL);
    struct aura_metric *l = aura_metrics_add(m, AURA_METRIC_COUNTER, "y_total", "By code.", "code");
    struct aura_metric *g = aura_metrics_add(m, AURA_METRIC_GAUGE, "lag_seconds", "Lag.", NULL);
    static const double bounds[] = {0.1, 1, 2.5};
    struct aura_metric *h = aura_metrics_add_histogram(m, "d_seconds", "Duration.", NULL, bounds, 3);
    aura_series_add(aura_metric_series(c, NULL), 3);
    aura_series_add(aura_metric_series(l, "2xx"), 5);
    aura_metric_series(l, "a\"b\\c\nd");
    CHECK(aura_metric_series(l, "2xx") == aura_metric_series(l, "2xx"), "a label value has one series");
    aura_series_set(aura_metric_series(g, NULL), 0.25);
    struct aura_series *hs = aura_metric_series(h, NULL);
    aura_series_observe(hs, 0.05);
    aura_series_observe(hs, 0.1); /* le is inclusive */
    aura_series_observe(hs, 2);
    aura_series_observe(hs, 100);
    struct aura_buf out = AURA_BUF_INIT;
    aura_metrics_render(m, &out);
    CHECK_STR(out.data,
              "# HELP auralog_x_total Line one\\nback\\\\slash\n"
              "# TYPE auralog_x_total counter\n"
              "auralog_x_total 3\n"
              "# HELP auralog_y_total By code.\n"
              "# TYPE auralog_y_total counter\n"
              "auralog_y_total{code=\"2xx\"} 5\n"
              "auralog_y_total{code=\"a\\\"b\\\\c\\nd\"} 0\n"
              "# HELP auralog_lag_seconds Lag.\n"
              "# TYPE auralog_lag_seconds gauge\n"
              "auralog_lag_seconds 0.25\n"
              "# HELP auralog_d_seconds Duration.\n"
              "# TYPE auralog_d_seconds histogram\n"
              "auralog_d_seconds_bucket{le=\"0.1\"} 2\n"
              "auralog_d_seconds_bucket{le=\"1\"} 2\n"
              "auralog_d_seconds_bucket{le=\"2.5\"} 3\n"
              "auralog_d_seconds_bucket{le=\"+Inf\"} 4\n"
              "auralog_d_seconds_sum 102.15\n"
              "auralog_d_seconds_count 4\n",
              "exposition text, escaping and cumulative buckets");
    aura_buf_free(&out);
    aura_metrics_free(m);
}

static int collected;
static void collect(void *userdata) {
    aura_series_set(userdata, ++collected);
}

static void test_set_and_file(void) {
    struct aura_metric_set s;
    aura_metric_set_init(&s, 1);
    aura_metrics_on_collect(s.reg, collect, s.backlog);
    aura_series_add(s.requests[aura_metric_code_of(503)], 1);
    aura_series_add(s.requests[aura_metric_code_of(0)], 1);
    char dir[] = "/tmp/test_metrics.XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "temp dir");
    char path[128];
    snprintf(path, sizeof path, "%s/bridge.prom", dir);
    CHECK_INT(aura_metrics_write_file(s.reg, path), 0, "metrics_file written");
    CHECK_INT(collected, 1, "collect hook ran before the render");
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    CHECK(access(tmp, F_OK) != 0, "no temp file left behind");
    FILE *f = fopen(path, "r");
    char text[16384];
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    text[n] = '\0';
    if (f)
        fclose(f);
    static const char *const want[] = {
        "# TYPE auralog_entries_read_total counter\n",
        "auralog_requests_total{code=\"5xx\"} 1\n",
        "auralog_requests_total{code=\"network\"} 1\n",
        "auralog_requests_total{code=\"2xx\"} 0\n",
        "auralog_backlog_entries 1\n",
        "auralog_build_info{version=\"" PACKAGE_VERSION "\"} 1\n",
        "# TYPE auralog_request_duration_seconds histogram\n",
        "auralog_request_duration_seconds_bucket{le=\"0.005\"} 0\n",
        "auralog_journal_lost_entries_total 0\n",
        "auralog_config_reloads_total{result=\"failure\"} 0\n",
        "auralog_entries_dropped_total{reason=\"overflow\"} 0\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        CHECK(strstr(text, want[i]) != NULL, "metrics_file has %.*s", (int)strcspn(want[i], "\n"), want[i]);
    /* a directory in the way: the error comes back, nothing is left */
    char bad[160];
    snprintf(bad, sizeof bad, "%s/missing/x.prom", dir);
    CHECK_INT(aura_metrics_write_file(s.reg, bad), -ENOENT, "unwritable metrics_file: -ENOENT");
    unlink(path);
    rmdir(dir);
    aura_metric_set_done(&s);

    aura_metric_set_init(&s, 0);
    struct aura_buf out = AURA_BUF_INIT;
    aura_metrics_render(s.reg, &out);
    CHECK(strstr(out.data, "journal_") == NULL, "omauralog's set has no journal metrics");
    aura_buf_free(&out);
    aura_metric_set_done(&s);
}

static void test_expand(void) {
    static const struct {
        const char *tmpl, *want;
    } t[] = {
        {"/run/a-%p.prom", "/run/a-4242.prom"},
        {"%p%p", "42424242"},
        {"100%%-%p", "100%-4242"},
        {"plain", "plain"},
        {"trailing%", "trailing%"},
        {"%x", "%x"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        char *got = aura_metrics_expand_path(t[i].tmpl, 4242);
        CHECK_STR(got, t[i].want, "expand \"%s\"", t[i].tmpl);
        free(got);
    }
}

static void test_listen(void) {
    static const struct {
        const char *text;
        int ok;
        int family;
        const char *addr;
        unsigned port;
    } t[] = {
        {"127.0.0.1:9101", 1, AF_INET, "127.0.0.1", 9101},
        {"0.0.0.0:9101", 1, AF_INET, "0.0.0.0", 9101},
        {"[::1]:9101", 1, AF_INET6, "::1", 9101},
        {"[::]:0", 1, AF_INET6, "::", 0},
        {"[fe80::1]:65535", 1, AF_INET6, "fe80::1", 65535},
        {"9101", 0, 0, NULL, 0},
        {":9101", 0, 0, NULL, 0},
        {"localhost:9101", 0, 0, NULL, 0},
        {"127.0.0.1", 0, 0, NULL, 0},
        {"127.0.0.1:", 0, 0, NULL, 0},
        {"127.0.0.1:65536", 0, 0, NULL, 0},
        {"127.0.0.1:-1", 0, 0, NULL, 0},
        {"127.0.0.1:80x", 0, 0, NULL, 0},
        {"::1:9101", 0, 0, NULL, 0},
        {"[::1]9101", 0, 0, NULL, 0},
        {"[::1", 0, 0, NULL, 0},
        {"[127.0.0.1]:1", 0, 0, NULL, 0},
        {"", 0, 0, NULL, 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        struct sockaddr_storage ss;
        socklen_t len;
        char err[200] = "";
        int r = aura_listen_parse(t[i].text, &ss, &len, err, sizeof err);
        if (!t[i].ok) {
            CHECK(r == -EINVAL && err[0], "listen \"%s\" refused (%s)", t[i].text, err);
            continue;
        }
        char addr[INET6_ADDRSTRLEN] = "";
        unsigned port = 0;
        if (ss.ss_family == AF_INET) {
            inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, addr, sizeof addr);
            port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        } else {
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, addr, sizeof addr);
            port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        }
        CHECK(r == 0 && ss.ss_family == t[i].family && strcmp(addr, t[i].addr) == 0 && port == t[i].port,
              "listen \"%s\" -> %s port %u", t[i].text, addr, port);
    }
}

static void test_gzip(void) {
    struct aura_gzip *z = aura_gzip_new();
    struct aura_buf in = AURA_BUF_INIT, out = AURA_BUF_INIT;
    for (int i = 0; i < 5000; i++)
        aura_buf_printf(&in, "{\"level\":\"info\",\"message\":\"entry %d\"},", i);
    for (int round = 0; round < 2; round++) { /* the stream is reused */
        CHECK_INT(aura_gzip_compress(z, in.data, in.len, &out), 0, "gzip round %d", round);
        CHECK((unsigned char)out.data[0] == 0x1f && (unsigned char)out.data[1] == 0x8b, "gzip magic");
        CHECK(out.len < in.len / 4, "JSON compresses (%zu -> %zu)", in.len, out.len);
        z_stream zs;
        memset(&zs, 0, sizeof zs);
        inflateInit2(&zs, 15 + 16);
        char *back = malloc(in.len + 1);
        zs.next_in = (Bytef *)out.data;
        zs.avail_in = (uInt)out.len;
        zs.next_out = (Bytef *)back;
        zs.avail_out = (uInt)in.len + 1;
        int rc = inflate(&zs, Z_FINISH);
        CHECK(rc == Z_STREAM_END && zs.total_out == in.len && memcmp(back, in.data, in.len) == 0,
              "gunzip gives the body back");
        inflateEnd(&zs);
        free(back);
    }
    CHECK_INT(aura_gzip_compress(z, "", 0, &out), 0, "empty body");
    CHECK(out.len >= 18, "empty body is a whole gzip member");
    aura_buf_free(&in);
    aura_buf_free(&out);
    aura_gzip_free(z);
}

/* --- the server, scraped from the same loop -------------------------------- */
struct scrape {
    struct aura_transfer transfer; /* first */
    struct aura_loop *loop;
    CURL *easy;
    struct aura_buf body;
    long status;
};

static size_t collect_body(char *p, size_t size, size_t n, void *userdata) {
    aura_buf_append(userdata, p, size * n);
    return size * n;
}

static void scrape_done(struct aura_transfer *t, int result) {
    struct scrape *sc = (struct scrape *)t;
    sc->status = -1;
    if (result == CURLE_OK)
        curl_easy_getinfo(sc->easy, CURLINFO_RESPONSE_CODE, &sc->status);
    curl_multi_remove_handle(aura_loop_multi(sc->loop), sc->easy);
    aura_loop_quit(sc->loop);
}

static long get(struct aura_loop *loop, unsigned port, const char *path, const char *method, struct aura_buf *body) {
    struct scrape sc = {.transfer.done = scrape_done, .loop = loop};
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", port, path);
    sc.easy = curl_easy_init();
    curl_easy_setopt(sc.easy, CURLOPT_URL, url);
    curl_easy_setopt(sc.easy, CURLOPT_PROXY, "");
    if (method)
        curl_easy_setopt(sc.easy, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(sc.easy, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(sc.easy, CURLOPT_WRITEDATA, &sc.body);
    curl_easy_setopt(sc.easy, CURLOPT_PRIVATE, (char *)&sc.transfer);
    curl_easy_setopt(sc.easy, CURLOPT_TIMEOUT, 20L);
    curl_multi_add_handle(aura_loop_multi(loop), sc.easy);
    aura_loop_run(loop);
    curl_easy_cleanup(sc.easy);
    aura_buf_reset(body);
    if (sc.body.data)
        aura_buf_puts(body, sc.body.data);
    aura_buf_free(&sc.body);
    return sc.status;
}

static bool healthy;
static bool health(void *userdata, char *reason, size_t size) {
    if (!healthy)
        snprintf(reason, size, "delivery failing for 301 s: HTTP 503");
    return healthy;
}

static void test_server(void) {
    struct aura_loop *loop;
    struct aura_metrics_server *srv = NULL;
    struct aura_buf body = AURA_BUF_INIT;
    CHECK_INT(aura_loop_new(&loop), 0, "loop");
    struct aura_metric_set s;
    aura_metric_set_init(&s, 0);
    aura_series_add(s.entries_read, 7);
    CHECK_INT(aura_metrics_server_new(loop, "127.0.0.1:0", s.reg, health, NULL, &srv), 0, "server listens");
    unsigned port = srv ? aura_metrics_server_port(srv) : 0;
    CHECK(port > 0, "bound port %u", port);
    if (!srv) {
        aura_metric_set_done(&s);
        aura_loop_free(loop);
        return;
    }
    CHECK_INT(get(loop, port, "/metrics", NULL, &body), 200, "/metrics 200");
    CHECK(body.data && strstr(body.data, "\nauralog_entries_read_total 7\n"), "/metrics has the counter");
    aura_series_add(s.entries_read, 1);
    CHECK_INT(get(loop, port, "/metrics", NULL, &body), 200, "/metrics again");
    CHECK(body.data && strstr(body.data, "\nauralog_entries_read_total 8\n"), "/metrics is live");
    healthy = true;
    CHECK_INT(get(loop, port, "/healthz", NULL, &body), 200, "/healthz 200 when healthy");
    CHECK_STR(body.data, "ok\n", "/healthz body");
    healthy = false;
    CHECK_INT(get(loop, port, "/healthz", NULL, &body), 503, "/healthz 503 when not");
    CHECK_STR(body.data, "delivery failing for 301 s: HTTP 503\n", "/healthz gives the reason in one line");
    CHECK_INT(get(loop, port, "/other", NULL, &body), 404, "other paths 404");
    CHECK_INT(get(loop, port, "/metrics", "POST", &body), 405, "POST 405");
    struct aura_metrics_server *again = NULL;
    char listen[64];
    snprintf(listen, sizeof listen, "127.0.0.1:%u", port);
    CHECK(aura_metrics_server_new(loop, listen, s.reg, NULL, NULL, &again) < 0, "a port in use is an error");
    CHECK(aura_metrics_server_new(loop, "localhost:1", s.reg, NULL, NULL, &again) == -EINVAL, "bad listen -EINVAL");
    aura_metrics_server_free(srv);
    aura_buf_free(&body);
    aura_metric_set_done(&s);
    aura_loop_free(loop);
}

int main(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    test_render();
    test_set_and_file();
    test_expand();
    test_listen();
    test_gzip();
    test_server();
    curl_global_cleanup();
    return tap_done();
}
