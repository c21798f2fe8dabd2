/* test_entry - encoding of one entry and of request bodies (SPEC §2, §4, §5).
 * Every encoded entry is parsed back with json-c and checked field by field. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <zlib.h>

#include "settings.h"
#include "entry.h"
#include "wire.h"
#include "global.h"
#include "host.h"
#include "json.h"
#include "gzip.h"
#include "queue.h"
#include "transport.h"
#include "tap.h"

#define FFFD "\xef\xbf\xbd"
#define T_US INT64_C(1798761599999999)
#define T_STR "2026-12-31T23:59:59.999999Z"

static struct json_object *parse_strict(const char *text, size_t len) {
    struct json_tokener *tok = json_tokener_new();
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    struct json_object *o = json_tokener_parse_ex(tok, text, (int)len);
    if (o && tok->char_offset != (int)len) {
        json_object_put(o);
        o = NULL;
    }
    json_tokener_free(tok);
    return o;
}

static const char *get_str(struct json_object *o, const char *key) {
    struct json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static struct json_object *get(struct json_object *o, const char *key) {
    struct json_object *v;
    return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static size_t count(const char *hay, const char *needle) {
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

/* encode e, check it parses, return the parsed object (caller puts it) */
static struct json_object *encode(struct aura_buf *b, const struct aura_entry *e, const struct aura_global *g,
                                  size_t max) {
    aura_buf_reset(b);
    aura_wire_entry(e, g, "production", max, b);
    struct json_object *o = parse_strict(b->data, b->len);
    if (!CHECK(o && json_object_is_type(o, json_type_object), "entry parses as a strict JSON object"))
        printf("#   %s\n", b->data);
    return o;
}

static void test_full_entry(void) {
    struct aura_buf b = AURA_BUF_INIT;
    struct aura_entry e;
    aura_entry_init(&e);
    e.level = AURA_LEVEL_ERROR;
    e.time_us = T_US;
    e.message = "disk full on /var\n";
    e.message_len = strlen(e.message);
    e.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    e.trace_id_len = strlen(e.trace_id);
    struct json_object *sd = json_tokener_parse("{\"origin\":{\"ip\":\"10.0.0.1\"}}");
    aura_entry_add_cstr(&e, "program", "sshd");
    aura_entry_add_int(&e, "pid", 1234);
    aura_entry_add_bool(&e, "core_dumped", false);
    aura_entry_add_json(&e, "structured_data", sd);
    aura_entry_add_str(&e, "unit", "ssh.service-and-more", 11);

    struct json_object *o = encode(&b, &e, NULL, 65536);
    CHECK_STR(b.data,
              "{\"level\":\"error\",\"message\":\"disk full on /var\",\"environment\":\"production\","
              "\"timestamp\":\"" T_STR "\",\"metadata\":{\"program\":\"sshd\",\"pid\":1234,\"core_dumped\":false,"
              "\"structured_data\":{\"origin\":{\"ip\":\"10.0.0.1\"}},\"unit\":\"ssh.service\"},"
              "\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\"}",
              "full entry: exact text, keys in documented order");
    CHECK_STR(get_str(o, "level"), "error", "level");
    CHECK_STR(get_str(o, "message"), "disk full on /var", "message, trailing newline stripped");
    CHECK_STR(get_str(o, "environment"), "production", "environment");
    CHECK_STR(get_str(o, "timestamp"), T_STR, "timestamp");
    CHECK_STR(get_str(o, "traceId"), "4bf92f3577b34da6a3ce929d0e0e4736", "traceId");
    struct json_object *m = get(o, "metadata");
    CHECK(m && json_object_is_type(m, json_type_object) && json_object_object_length(m) == 5, "metadata: 5 keys");
    CHECK_STR(get_str(m, "program"), "sshd", "metadata str");
    CHECK(json_object_is_type(get(m, "pid"), json_type_int) && json_object_get_int64(get(m, "pid")) == 1234,
          "metadata int is a JSON number");
    CHECK(json_object_is_type(get(m, "core_dumped"), json_type_boolean) &&
              !json_object_get_boolean(get(m, "core_dumped")),
          "metadata bool is a JSON boolean");
    CHECK(json_object_equal(get(m, "structured_data"), sd), "metadata json value kept");
    CHECK_STR(get_str(m, "unit"), "ssh.service", "metadata str uses len, not NUL");
    json_object_put(o);
    json_object_put(sd);
    aura_entry_free(&e);
    aura_buf_free(&b);
}

static void test_levels_and_minimal(void) {
    struct aura_buf b = AURA_BUF_INIT;
    struct aura_entry e;
    static const char *const names[] = {"debug", "info", "warn", "error", "fatal"};
    for (int l = AURA_LEVEL_DEBUG; l <= AURA_LEVEL_FATAL; l++) {
        aura_entry_init(&e);
        e.level = (enum aura_level)l;
        e.message = "m";
        e.message_len = 1;
        e.time_us = T_US;
        struct json_object *o = encode(&b, &e, NULL, 0);
        CHECK_STR(get_str(o, "level"), names[l], "level %d", l);
        CHECK(get(o, "metadata") == NULL && strstr(b.data, "metadata") == NULL, "%s: empty metadata omitted",
              names[l]);
        CHECK(get(o, "traceId") == NULL, "%s: no traceId when the source has none", names[l]);
        CHECK_INT(json_object_object_length(o), 4, "%s: level, message, environment, timestamp only", names[l]);
        json_object_put(o);
        aura_entry_free(&e);
    }

    aura_entry_init(&e);
    e.trace_id = "";
    e.trace_id_len = 0;
    struct json_object *o = encode(&b, &e, NULL, 100);
    CHECK_STR(get_str(o, "message"), "", "NULL message -> empty string");
    CHECK_STR(get_str(o, "level"), "info", "initialised entry is info");
    CHECK(get(o, "traceId") == NULL, "empty trace id omitted");
    json_object_put(o);
    aura_buf_free(&b);
}

static void test_message_content(void) {
    static const struct {
        const char *name;
        const char *in;
        size_t len;
        const char *want;
    } t[] = {
        {"trailing LF", "line\n", 5, "line"},
        {"only one LF", "line\n\n", 6, "line\n"},
        {"CRLF", "line\r\n", 6, "line"},
        {"lone CR kept", "line\r", 5, "line\r"},
        {"just LF", "\n", 1, ""},
        {"inner LF kept", "a\nb", 3, "a\nb"},
        {"invalid UTF-8", "a\xff\xc3(b", 5, "a" FFFD FFFD "(b"},
        {"NUL and controls", "a\0b\x1b[0m", 7, "a\0b\x1b[0m"},
    };
    struct aura_buf b = AURA_BUF_INIT;
    struct aura_entry e;
    aura_entry_init(&e);
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        e.message = t[i].in;
        e.message_len = t[i].len;
        struct json_object *o = encode(&b, &e, NULL, 1000);
        struct json_object *m = get(o, "message");
        size_t wl = strcmp(t[i].name, "NUL and controls") == 0 ? 7 : strlen(t[i].want); /* want holds a NUL */
        CHECK(m && (size_t)json_object_get_string_len(m) == wl && memcmp(json_object_get_string(m), t[i].want, wl) == 0,
              "message %s", t[i].name);
        json_object_put(o);
    }
    aura_entry_free(&e);
    aura_buf_free(&b);
}

static void test_truncation(void) {
    static const struct {
        const char *in;
        size_t max;
        const char *want;
        int64_t bytes; /* 0: not truncated */
    } t[] = {
        {"aaaa\xe2\x82\xac" "bbb", 5, "aaaa", 10},
        {"aaaa\xe2\x82\xac" "bbb", 6, "aaaa", 10},
        {"aaaa\xe2\x82\xac" "bbb", 7, "aaaa\xe2\x82\xac", 10},
        {"aaaa\xe2\x82\xac" "bbb", 10, "aaaa\xe2\x82\xac" "bbb", 0},
        {"aaaa\xe2\x82\xac" "bbb\n", 10, "aaaa\xe2\x82\xac" "bbb", 0}, /* the newline does not count */
        {"\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 7, "\xf0\x9f\x98\x80", 8},
        {"\xf0\x9f\x98\x80", 3, "", 4},
        {"0123456789", 0, "0123456789", 0}, /* 0: no limit */
    };
    struct aura_buf b = AURA_BUF_INIT;
    struct aura_entry e;
    aura_entry_init(&e);
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        aura_entry_reset(&e);
        e.message = t[i].in;
        e.message_len = strlen(t[i].in);
        aura_entry_add_bool(&e, "truncated", false); /* loses to the encoder's own */
        aura_entry_add_int(&e, "message_bytes", -1);
        struct json_object *o = encode(&b, &e, NULL, t[i].max);
        CHECK_STR(get_str(o, "message"), t[i].want, "truncation %zu: message cut at a UTF-8 boundary", i);
        struct json_object *m = get(o, "metadata");
        if (t[i].bytes) {
            CHECK(json_object_is_type(get(m, "truncated"), json_type_boolean) &&
                      json_object_get_boolean(get(m, "truncated")),
                  "truncation %zu: truncated: true", i);
            CHECK_INT(json_object_get_int64(get(m, "message_bytes")), t[i].bytes, "truncation %zu: message_bytes", i);
            CHECK(count(b.data, "\"truncated\"") == 1 && count(b.data, "\"message_bytes\"") == 1,
                  "truncation %zu: keys written once, per-entry ones dropped", i);
        } else {
            CHECK(!json_object_get_boolean(get(m, "truncated")) && json_object_get_int64(get(m, "message_bytes")) == -1,
                  "truncation %zu: not truncated, per-entry keys kept", i);
        }
        json_object_put(o);
    }
    aura_entry_free(&e);
    aura_buf_free(&b);
}

static void test_duplicates_and_reuse(void) {
    struct aura_buf b = AURA_BUF_INIT;
    struct aura_entry e;
    aura_entry_init(&e);
    aura_entry_add_cstr(&e, "program", "first");
    aura_entry_add_int(&e, "pid", 1);
    aura_entry_add_cstr(&e, "program", "second");
    aura_entry_add_int(&e, "pid", 2);
    aura_entry_add_cstr(&e, "other", "x");
    struct json_object *o = encode(&b, &e, NULL, 100);
    struct json_object *m = get(o, "metadata");
    CHECK_STR(get_str(m, "program"), "first", "duplicate key: first wins");
    CHECK_INT(json_object_get_int64(get(m, "pid")), 1, "duplicate int key: first wins");
    CHECK_INT(count(b.data, "\"program\""), 1, "duplicate key written once");
    CHECK_INT(json_object_object_length(m), 3, "three distinct keys");
    CHECK(aura_entry_has(&e, "other") && !aura_entry_has(&e, "othe") && !aura_entry_has(&e, "others"),
          "aura_entry_has matches whole keys");
    json_object_put(o);

    /* the field array is kept across reset and grows without limit */
    static char keys[200][8];
    for (int i = 0; i < 200; i++) {
        snprintf(keys[i], sizeof(keys[i]), "k%d", i);
        aura_entry_add_int(&e, keys[i], i);
    }
    CHECK_INT(e.n_fields, 205, "200 more fields");
    o = encode(&b, &e, NULL, 100);
    CHECK_INT(json_object_object_length(get(o, "metadata")), 203, "all distinct keys present");
    CHECK_INT(json_object_get_int64(get(get(o, "metadata"), "k199")), 199, "last field");
    json_object_put(o);
    struct aura_field *fields = e.fields;
    size_t cap = e.cap_fields;
    aura_entry_reset(&e);
    CHECK(e.n_fields == 0 && e.fields == fields && e.cap_fields == cap && e.message == NULL, "reset keeps the array");
    for (int i = 0; i < 100; i++)
        aura_entry_add_int(&e, keys[i], i);
    CHECK(e.fields == fields, "refilling after reset does not reallocate");
    aura_entry_free(&e);
    CHECK(e.fields == NULL && e.n_fields == 0, "free releases the array");
    aura_buf_free(&b);
}

static void test_with_global(void) {
    struct aura_kv kv[] = {{(char *)"app", (char *)"checkout"}, {(char *)"program", (char *)"global-prog"}};
    struct aura_settings cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.global = kv;
    cfg.n_global = 2;
    struct aura_host host = {(char *)"web-1", (char *)"0123abcd", (char *)"b00d", (char *)"Debian 12", (char *)"6.1"};
    struct aura_global *g = aura_global_new(&cfg, &host);

    struct aura_buf b = AURA_BUF_INIT;
    struct aura_entry e;
    aura_entry_init(&e);
    e.message = "hi";
    e.message_len = 2;
    aura_entry_add_cstr(&e, "program", "sshd");
    struct json_object *o = encode(&b, &e, g, 100);
    struct json_object *m = get(o, "metadata");
    CHECK_STR(get_str(m, "program"), "sshd", "per-entry wins over global");
    CHECK_STR(get_str(m, "app"), "checkout", "global pair added");
    CHECK_STR(get_str(m, "host"), "web-1", "host metadata added");
    CHECK_INT(json_object_object_length(m), 7, "program app host machine_id boot_id os kernel");
    CHECK_INT(count(b.data, "\"program\""), 1, "program once");
    json_object_put(o);

    aura_entry_reset(&e);
    o = encode(&b, &e, g, 100);
    CHECK(get(o, "metadata") != NULL && json_object_object_length(get(o, "metadata")) == 7,
          "entry without metadata still gets the global metadata");
    json_object_put(o);
    aura_entry_free(&e);
    aura_global_free(g);
    aura_buf_free(&b);
}

/* Keys are told apart by fingerprint first (length, first, middle and last
 * byte) and a bloom mask of the entry's keys: keys sharing both still
 * compare whole; keys that need escaping are escaped. */
static void test_key_fingerprints(void) {
    struct aura_buf b = AURA_BUF_INIT;
    struct aura_entry e;
    aura_entry_init(&e);
    e.message = "hi";
    e.message_len = 2;
    CHECK(aura_key_fp("k109", 4) == aura_key_fp("k209", 4), "k109 and k209 share a fingerprint");
    aura_entry_add_int(&e, "k109", 1);
    aura_entry_add_int(&e, "k209", 2);
    aura_entry_add_int(&e, "k109", 3);
    CHECK(e.key_dup, "a repeated key marks the entry");
    static char long_key[300], long_key2[300];
    memset(long_key, 'l', sizeof(long_key) - 1);
    memcpy(long_key2, long_key, sizeof(long_key));
    long_key2[100] = 'm';
    aura_entry_add_int(&e, long_key, 4);
    aura_entry_add_int(&e, long_key2, 5);
    aura_entry_add_int(&e, long_key, 6);
    aura_entry_add_int(&e, "we\"ird", 7);
    aura_entry_add_int(&e, "back\\slash", 8);
    aura_entry_add_int(&e, "ctl\x01", 9);
    aura_entry_add_int(&e, "na\xc3\xafve", 10);
    aura_entry_add_int(&e, "bad\xff", 11);
    aura_entry_add_int(&e, "", 12);
    aura_entry_add_int(&e, "", 13);
    struct json_object *o = encode(&b, &e, NULL, 100);
    struct json_object *m = get(o, "metadata");
    CHECK_INT(json_object_object_length(m), 10, "ten distinct keys");
    CHECK_INT(json_object_get_int64(get(m, "k109")), 1, "same fingerprint, duplicate: first wins");
    CHECK_INT(json_object_get_int64(get(m, "k209")), 2, "same fingerprint, other key: kept");
    CHECK_INT(json_object_get_int64(get(m, long_key)), 4, "key of 299 bytes: first wins");
    CHECK_INT(json_object_get_int64(get(m, long_key2)), 5, "another key of 299 bytes: kept");
    CHECK_INT(json_object_get_int64(get(m, "we\"ird")), 7, "quote in a key escaped");
    CHECK_INT(json_object_get_int64(get(m, "back\\slash")), 8, "backslash in a key escaped");
    CHECK_INT(json_object_get_int64(get(m, "ctl\x01")), 9, "control character in a key escaped");
    CHECK_INT(json_object_get_int64(get(m, "na\xc3\xafve")), 10, "UTF-8 key kept");
    CHECK_INT(json_object_get_int64(get(m, "bad" FFFD)), 11, "invalid UTF-8 in a key replaced");
    CHECK_INT(json_object_get_int64(get(m, "")), 12, "empty key, first wins");
    CHECK(aura_entry_has(&e, "k209") && !aura_entry_has(&e, "k309") && aura_entry_has(&e, long_key2),
          "aura_entry_has by fingerprint and whole key");
    json_object_put(o);

    /* global pairs: one with the fingerprint of an entry key but another
     * key, one equal to an entry key; built by hand (key_fp 0: worked out) */
    aura_entry_reset(&e);
    CHECK(!e.key_dup && e.key_bloom == 0, "reset forgets the keys");
    aura_entry_add_int(&e, "k109", 1);
    aura_entry_add_cstr(&e, "host", "entry-host");
    struct aura_global_pair pairs[] = {
        {(char *)"k209", (char *)"global", false, NULL, 0, 0},
        {(char *)"host", (char *)"global-host", false, NULL, 0, 0},
        {(char *)"k109", (char *)"global", false, NULL, 0, aura_key_fp("k109", 4)},
    };
    struct aura_global g = {.pairs = pairs, .n_pairs = 3}; /* no joined blocks: merged pair by pair */
    o = encode(&b, &e, &g, 100);
    m = get(o, "metadata");
    CHECK_INT(json_object_object_length(m), 3, "k109 host k209");
    CHECK_STR(get_str(m, "k209"), "global", "global key sharing a fingerprint with an entry key: added");
    CHECK_STR(get_str(m, "host"), "entry-host", "per-entry wins (fingerprint worked out)");
    CHECK_INT(json_object_get_int64(get(m, "k109")), 1, "per-entry wins (fingerprint given)");
    json_object_put(o);
    aura_entry_free(&e);
    aura_buf_free(&b);
}

static void test_bodies(void) {
    struct aura_buf entries[3], body = AURA_BUF_INIT;
    struct aura_entry e;
    aura_entry_init(&e);
    static const char *const msgs[] = {"one", "two \xff", "three \"q\""};
    for (int i = 0; i < 3; i++) {
        aura_buf_init(&entries[i]);
        e.message = msgs[i];
        e.message_len = strlen(msgs[i]);
        e.level = (enum aura_level)i;
        aura_wire_entry(&e, NULL, "staging", 100, &entries[i]);
    }
    aura_wire_batch_begin(&body, "key-with-\"quote\"");
    for (int i = 0; i < 3; i++)
        aura_wire_batch_add(&body, entries[i].data, entries[i].len, i == 0);
    aura_wire_batch_end(&body);
    struct json_object *o = parse_strict(body.data, body.len);
    CHECK(o != NULL, "batch body parses");
    CHECK_STR(get_str(o, "projectApiKey"), "key-with-\"quote\"", "batch: projectApiKey, escaped");
    struct json_object *logs = get(o, "logs");
    CHECK(logs && json_object_is_type(logs, json_type_array) && json_object_array_length(logs) == 3,
          "batch: logs array of 3");
    static const char *const want[] = {"one", "two " FFFD, "three \"q\""};
    for (size_t i = 0; i < 3; i++) {
        struct json_object *it = logs ? json_object_array_get_idx(logs, i) : NULL;
        CHECK_STR(get_str(it, "message"), want[i], "batch: entry %zu in order", i);
        CHECK_STR(get_str(it, "environment"), "staging", "batch: entry %zu environment", i);
    }
    CHECK(strncmp(body.data, "{\"projectApiKey\":", 17) == 0, "batch: key first");
    json_object_put(o);

    aura_buf_reset(&body);
    aura_wire_batch_begin(&body, "k");
    aura_wire_batch_end(&body);
    CHECK_STR(body.data, "{\"projectApiKey\":\"k\",\"logs\":[]}", "empty batch");

    aura_buf_reset(&body);
    aura_wire_single(&body, "k", entries[1].data, entries[1].len);
    o = parse_strict(body.data, body.len);
    CHECK(o != NULL, "single body parses");
    CHECK_STR(get_str(o, "projectApiKey"), "k", "single: projectApiKey");
    CHECK_STR(get_str(get(o, "log"), "message"), "two " FFFD, "single: log entry");
    CHECK_STR(get_str(get(o, "log"), "level"), "info", "single: level");
    CHECK(get(o, "logs") == NULL, "single: no logs array");
    json_object_put(o);

    for (int i = 0; i < 3; i++)
        aura_buf_free(&entries[i]);
    aura_buf_free(&body);
    aura_entry_free(&e);
}

/* A body sent in pieces (the frame's prefix, the queued entries where they
 * lie, each but the first with the separator byte before it, the frame's
 * suffix) is byte for byte the joined body; gzip over the pieces inflates
 * to it. */
static void join(const struct aura_segment *sg, size_t n, struct aura_buf *out) {
    aura_buf_reset(out);
    for (size_t i = 0; i < n; i++)
        aura_buf_append(out, sg[i].data, sg[i].len);
}

static void test_pieces(void) {
    struct aura_queue q;
    struct aura_buf enc = AURA_BUF_INIT, joined = AURA_BUF_INIT, pieces = AURA_BUF_INIT, frame = AURA_BUF_INIT,
                    gz = AURA_BUF_INIT;
    struct aura_item *it[3];
    struct aura_segment sg[5];
    struct aura_entry e;
    size_t prefix;
    aura_queue_init(&q);
    aura_entry_init(&e);
    static const char *const msgs[] = {"alpha", "beta \"b\"", "gamma"};
    for (int i = 0; i < 3; i++) {
        aura_buf_reset(&enc);
        e.message = msgs[i];
        e.message_len = strlen(msgs[i]);
        aura_wire_entry(&e, NULL, "prod", 100, &enc);
        it[i] = aura_queue_push(&q, enc.data, enc.len, false);
    }
    aura_wire_batch_begin(&joined, "k\"ey");
    for (int i = 0; i < 3; i++)
        aura_wire_batch_add(&joined, it[i]->json, it[i]->len, i == 0);
    aura_wire_batch_end(&joined);
    aura_wire_batch_frame(&frame, "k\"ey", &prefix);
    sg[0] = (struct aura_segment){frame.data, prefix};
    sg[1] = (struct aura_segment){it[0]->json, it[0]->len};
    sg[2] = (struct aura_segment){&it[1]->sep, it[1]->len + 1u};
    sg[3] = (struct aura_segment){&it[2]->sep, it[2]->len + 1u};
    sg[4] = (struct aura_segment){frame.data + prefix, frame.len - prefix};
    join(sg, 5, &pieces);
    CHECK(pieces.len == joined.len && memcmp(pieces.data, joined.data, joined.len) == 0,
          "batch in pieces = the joined batch body");

    struct aura_gzip *z = aura_gzip_new();
    CHECK(z && aura_gzip_compress_segments(z, sg, 5, &gz) == 0, "gzip over the pieces");
    unsigned char out[4096];
    z_stream zs = {0};
    inflateInit2(&zs, 15 + 16);
    zs.next_in = (Bytef *)gz.data;
    zs.avail_in = (uInt)gz.len;
    zs.next_out = out;
    zs.avail_out = sizeof out;
    int rc = inflate(&zs, Z_FINISH);
    CHECK(rc == Z_STREAM_END && zs.total_out == joined.len && memcmp(out, joined.data, joined.len) == 0,
          "it inflates to the joined body");
    inflateEnd(&zs);
    aura_gzip_free(z);

    aura_buf_reset(&joined);
    aura_wire_single(&joined, "k", it[1]->json, it[1]->len);
    aura_buf_reset(&frame);
    aura_wire_single_frame(&frame, "k", &prefix);
    sg[0] = (struct aura_segment){frame.data, prefix};
    sg[1] = (struct aura_segment){it[1]->json, it[1]->len};
    sg[2] = (struct aura_segment){frame.data + prefix, frame.len - prefix};
    join(sg, 3, &pieces);
    CHECK(pieces.len == joined.len && memcmp(pieces.data, joined.data, joined.len) == 0,
          "single in pieces = the joined single body");

    aura_queue_clear(&q);
    aura_entry_free(&e);
    aura_buf_free(&enc);
    aura_buf_free(&joined);
    aura_buf_free(&pieces);
    aura_buf_free(&frame);
    aura_buf_free(&gz);
}

int main(void) {
    test_full_entry();
    test_levels_and_minimal();
    test_message_content();
    test_truncation();
    test_duplicates_and_reuse();
    test_with_global();
    test_key_fingerprints();
    test_bodies();
    test_pieces();
    return tap_done();
}
