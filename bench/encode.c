/* bench/encode - micro-benchmark of entry encoding.
 *
 * Encodes N journal-like entries (about ten metadata fields, 40-200 byte
 * messages, some non-ASCII, plus host and static global metadata) with
 * aura_wire_entry, then builds the same entries as json-c objects and
 * serialises them with json_object_to_json_string_ext, and prints both and
 * their ratio.  Also measures aura_json_string alone on plain ASCII.
 *
 *   bench/encode [N [aura]]   (default 1000000; "aura" skips json-c, for profiling)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "settings.h"
#include "entry.h"
#include "wire.h"
#include "global.h"
#include "host.h"
#include "json.h"

#define POOL 1024

struct sample {
    char message[256];
    size_t message_len;
    char program[32];
    char unit[48];
    char msgid[40];
    int64_t pid, uid;
    const char *facility, *severity;
    enum aura_level level;
    const char *trace_id;
};

static struct sample pool[POOL];

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void make_pool(void) {
    static const char *const words[] = {
        "connection", "from", "accepted", "publickey", "for", "user", "session", "opened", "closed", "port",
        "ssh2:", "failed", "to", "start", "unit", "timeout", "after", "retrying", "in", "ms", "GET", "/api/v1/orders",
        "200", "status=0/SUCCESS", "\"quoted\"", "path=C:\\tmp", "\tindented",
    };
    static const char *const intl[] = {"caf\xc3\xa9", "\xe2\x82\xac" "42", "\xe6\x97\xa5\xe6\x9c\xac",
                                       "\xf0\x9f\x9a\x80", "na\xc3\xafve", "stra\xc3\x9f" "e"};
    static const char *const programs[] = {"sshd", "systemd", "kernel", "nginx", "postgres", "cron", "checkout-api"};
    static const char *const facilities[] = {"auth", "daemon", "kern", "user", "cron", "local0"};
    static const char *const severities[] = {"info", "notice", "warning", "err", "debug"};
    static const enum aura_level levels[] = {AURA_LEVEL_INFO, AURA_LEVEL_INFO, AURA_LEVEL_WARN, AURA_LEVEL_ERROR,
                                             AURA_LEVEL_DEBUG};
    unsigned seed = 12345;
    for (int i = 0; i < POOL; i++) {
        struct sample *s = &pool[i];
        size_t target = 40 + (size_t)(rand_r(&seed) % 161), len = 0;
        bool non_ascii = rand_r(&seed) % 10 == 0;
        while (len < target) {
            const char *w = non_ascii && rand_r(&seed) % 4 == 0 ? intl[rand_r(&seed) % 6]
                                                                : words[rand_r(&seed) % (sizeof(words) / sizeof(*words))];
            size_t wl = strlen(w);
            if (len + wl + 1 >= sizeof(s->message) - 1)
                break;
            if (len)
                s->message[len++] = ' ';
            memcpy(s->message + len, w, wl);
            len += wl;
        }
        s->message_len = len;
        int p = rand_r(&seed) % 7;
        snprintf(s->program, sizeof(s->program), "%s", programs[p]);
        snprintf(s->unit, sizeof(s->unit), "%s.service", programs[p]);
        snprintf(s->msgid, sizeof(s->msgid), "%08x%08x", (unsigned)rand_r(&seed), (unsigned)rand_r(&seed));
        s->pid = 1 + rand_r(&seed) % 4000000;
        s->uid = rand_r(&seed) % 2 ? 0 : 1000;
        s->facility = facilities[rand_r(&seed) % 6];
        int sv = rand_r(&seed) % 5;
        s->severity = severities[sv];
        s->level = levels[sv];
        s->trace_id = rand_r(&seed) % 5 == 0 ? "4bf92f3577b34da6a3ce929d0e0e4736" : NULL;
    }
}

static const char boot_id[] = "0d3b1c5e6f7a48c9a1b2c3d4e5f60718";

static void fill(struct aura_entry *e, const struct sample *s, int64_t t) {
    e->level = s->level;
    e->time_us = t;
    e->message = s->message;
    e->message_len = s->message_len;
    e->trace_id = s->trace_id;
    e->trace_id_len = s->trace_id ? 32 : 0;
    aura_entry_add_cstr(e, "host", "web-1");
    aura_entry_add_cstr(e, "program", s->program);
    aura_entry_add_int(e, "pid", s->pid);
    aura_entry_add_cstr(e, "facility", s->facility);
    aura_entry_add_cstr(e, "severity", s->severity);
    aura_entry_add_cstr(e, "unit", s->unit);
    aura_entry_add_cstr(e, "boot_id", boot_id);
    aura_entry_add_cstr(e, "msgid", s->msgid);
    aura_entry_add_int(e, "uid", s->uid);
    aura_entry_add_cstr(e, "source", "journald");
}

static void add_str(struct json_object *o, const char *k, const char *v, size_t len) {
    json_object_object_add(o, k, json_object_new_string_len(v, (int)len));
}

/* The same entry as json-c would build it (the global pairs merged by hand). */
static size_t jsonc_encode(const struct aura_entry *e, const struct aura_global *g, struct aura_buf *out) {
    struct json_object *o = json_object_new_object();
    add_str(o, "level", aura_level_name(e->level), strlen(aura_level_name(e->level)));
    size_t ml = e->message_len;
    if (ml && e->message[ml - 1] == '\n')
        ml--;
    add_str(o, "message", e->message, ml);
    add_str(o, "environment", "production", 10);
    char ts[28];
    aura_json_format_time(ts, e->time_us);
    add_str(o, "timestamp", ts, 27);
    struct json_object *m = json_object_new_object();
    for (size_t i = 0; i < e->n_fields; i++) {
        const struct aura_field *f = &e->fields[i];
        if (json_object_object_get_ex(m, f->key, NULL))
            continue;
        if (f->type == AURA_FIELD_INT)
            json_object_object_add(m, f->key, json_object_new_int64(f->num));
        else
            add_str(m, f->key, f->str, f->len);
    }
    for (size_t i = 0; i < g->n_pairs; i++)
        if (!json_object_object_get_ex(m, g->pairs[i].key, NULL))
            json_object_object_add(m, g->pairs[i].key, json_object_new_string(g->pairs[i].value));
    json_object_object_add(o, "metadata", m);
    if (e->trace_id)
        add_str(o, "traceId", e->trace_id, e->trace_id_len);
    size_t len;
    const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    aura_buf_reset(out);
    aura_buf_append(out, s, len);
    json_object_put(o);
    return len;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
    if (n <= 0)
        n = 1000000;
    bool aura_only = argc > 2 && strcmp(argv[2], "aura") == 0;
    make_pool();

    struct aura_kv kv[] = {{(char *)"app", (char *)"checkout-service"}};
    struct aura_settings cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.global = kv;
    cfg.n_global = 1;
    struct aura_host host = {(char *)"web-1", (char *)"9a8b7c6d5e4f30211203948576abcdef", (char *)boot_id,
                             (char *)"Debian GNU/Linux 12 (bookworm)", (char *)"6.1.0-18-amd64"};
    struct aura_global *g = aura_global_new(&cfg, &host);

    struct aura_entry e;
    aura_entry_init(&e);
    struct aura_buf out = AURA_BUF_INIT;
    const int64_t t0 = INT64_C(1764072000000000);
    uint64_t check = 0;

    /* warm up both paths */
    for (int i = 0; i < POOL; i++) {
        aura_entry_reset(&e);
        fill(&e, &pool[i], t0);
        aura_buf_reset(&out);
        aura_wire_entry(&e, g, "production", 65536, &out);
        jsonc_encode(&e, g, &out);
    }

    double a = now();
    uint64_t aura_bytes = 0;
    for (long i = 0; i < n; i++) {
        aura_entry_reset(&e);
        fill(&e, &pool[i % POOL], t0 + i * 1000);
        aura_buf_reset(&out);
        aura_wire_entry(&e, g, "production", 65536, &out);
        aura_bytes += out.len;
        check += (unsigned char)out.data[out.len / 2];
    }
    double aura_s = now() - a;

    a = now();
    uint64_t jsonc_bytes = 0;
    for (long i = 0; i < (aura_only ? 0 : n); i++) {
        aura_entry_reset(&e);
        fill(&e, &pool[i % POOL], t0 + i * 1000);
        jsonc_bytes += jsonc_encode(&e, g, &out);
        check += (unsigned char)out.data[out.len / 2];
    }
    double jsonc_s = now() - a;

    /* aura_json_string alone on plain ASCII messages */
    static char plain[POOL][160];
    for (int i = 0; i < POOL; i++)
        for (int k = 0; k < 160; k++)
            plain[i][k] = (char)('a' + (i + k) % 26);
    a = now();
    for (long i = 0; i < n; i++) {
        aura_buf_reset(&out);
        aura_json_string(&out, plain[i % POOL], 160);
        check += (unsigned char)out.data[80];
    }
    double str_s = now() - a;

    printf("entries: %ld, average encoded size %.0f bytes (checksum %" PRIu64 ")\n", n, (double)aura_bytes / n, check);
    printf("aura_wire_entry:   %7.1f ns/entry  %7.1f MB/s out\n", aura_s * 1e9 / n, aura_bytes / aura_s / 1e6);
    if (!aura_only)
        printf("json-c objects:    %7.1f ns/entry  %7.1f MB/s out\n", jsonc_s * 1e9 / n, jsonc_bytes / jsonc_s / 1e6);
    if (!aura_only)
        printf("ratio json-c / aura: %.2fx\n", jsonc_s / aura_s);
    printf("aura_json_string (160 B plain ASCII): %.1f ns/string  %.0f MB/s in\n", str_s * 1e9 / n,
           160.0 * n / str_s / 1e6);

    aura_buf_free(&out);
    aura_entry_free(&e);
    aura_global_free(g);
    return 0;
}
