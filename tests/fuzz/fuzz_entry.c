/* fuzz_entry - one entry to the wire format (lib/entry.c, lib/global.c).
 *
 * The input is cut into chunks at 0xff bytes: a control chunk (level,
 * relayed, max_message_bytes, time), the message, the trace id, then
 * key/value pairs of metadata (strings, ints, bools, json-c trees parsed
 * leniently from the value).  The encoded entry, and the batch and single
 * request bodies around it, must parse back strictly with json-c as an
 * object carrying level, message, environment and timestamp. */
#include "fuzz.h"

#include "buf.h"
#include "entry.h"
#include "wire.h"
#include "global.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FIELDS 64

static struct aura_buf out = AURA_BUF_INIT;
static struct aura_buf body = AURA_BUF_INIT;

static void require_key(struct json_object *o, const char *key, enum json_type type) {
    struct json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
        fuzz_fail("entry: \"%s\" missing or of the wrong type", key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 1 << 18)
        return 0;
    struct fuzz_in in = {data, size};
    struct aura_entry e;
    aura_entry_init(&e);

    /* control bytes */
    uint8_t c0 = fuzz_byte(&in), c1 = fuzz_byte(&in), c2 = fuzz_byte(&in);
    e.level = (enum aura_level)(c0 % 5);
    e.relayed = c0 & 0x80;
    size_t max_message = (c0 & 0x40) ? 0 : (size_t)c1 * 4 + (c2 & 3);
    int64_t t = 0;
    for (int i = 0; i < 8; i++)
        t = (int64_t)((uint64_t)t << 8 | fuzz_byte(&in));
    e.time_us = t;

    size_t len;
    const char *s = fuzz_chunk(&in, &len);
    e.message = len || (c2 & 4) ? s : NULL;
    e.message_len = len;
    s = fuzz_chunk(&in, &len);
    if (len) {
        e.trace_id = s;
        e.trace_id_len = len;
    }

    /* metadata: keys must be NUL-terminated, so copy them */
    char *keys[MAX_FIELDS];
    struct json_object *trees[MAX_FIELDS];
    size_t n_keys = 0, n_trees = 0;
    while (in.n && n_keys < MAX_FIELDS) {
        size_t klen, vlen;
        const char *k = fuzz_chunk(&in, &klen);
        const char *v = fuzz_chunk(&in, &vlen);
        char *key = strndup(k, klen); /* stops at an embedded NUL: still a valid C string */
        if (!key)
            abort();
        keys[n_keys++] = key;
        switch (klen % 4) {
        case 0:
            aura_entry_add_str(&e, key, v, vlen);
            break;
        case 1: {
            int64_t num = 0;
            for (size_t i = 0; i < vlen && i < 8; i++)
                num = (int64_t)((uint64_t)num << 8 | (uint8_t)v[i]);
            if (vlen & 1)
                aura_entry_add_bool(&e, key, num & 1);
            else
                aura_entry_add_int(&e, key, num);
            break;
        }
        case 2: {
            struct json_tokener *tok = json_tokener_new();
            struct json_object *o = json_tokener_parse_ex(tok, v, (int)vlen);
            if (!o && json_tokener_get_error(tok) == json_tokener_continue)
                o = json_tokener_parse_ex(tok, "", 1);
            json_tokener_free(tok);
            if (o)
                trees[n_trees++] = o;
            aura_entry_add_json(&e, key, o); /* NULL writes null */
            break;
        }
        default:
            aura_entry_add_str(&e, key, vlen ? v : NULL, vlen);
        }
    }

    /* global metadata: host keys and a static pair, some colliding with the entry's keys */
    struct aura_global_pair pairs[] = {
        {(char *)"host", (char *)"bridge-host", true, NULL, 0, 0},
        {(char *)"machine_id", (char *)"0123456789abcdef", true, NULL, 0, 0},
        {(char *)"app", (char *)"fuzz \xff app", false, NULL, 0, 0},
        {(char *)"n", (char *)"global n", false, NULL, 0, 0},
    };
    struct aura_global g = {.pairs = pairs, .n_pairs = sizeof pairs / sizeof pairs[0], .relay = (char *)"bridge-host"};

    aura_buf_reset(&out);
    aura_wire_entry(&e, (c1 & 1) ? &g : NULL, (c1 & 2) ? "prod\xc3\x28uction" : NULL, max_message, &out);
    struct json_object *o = fuzz_parse_strict(out.data, out.len, "aura_wire_entry");
    if (!json_object_is_type(o, json_type_object))
        fuzz_fail("entry: not a JSON object");
    require_key(o, "level", json_type_string);
    require_key(o, "message", json_type_string);
    require_key(o, "environment", json_type_string);
    require_key(o, "timestamp", json_type_string);
    struct json_object *msg, *md;
    json_object_object_get_ex(o, "message", &msg);
    if (max_message && (size_t)json_object_get_string_len(msg) > max_message * 3 + 3)
        fuzz_fail("entry: message of %d bytes despite max_message_bytes %zu", json_object_get_string_len(msg),
                  max_message);
    if (json_object_object_get_ex(o, "metadata", &md) &&
        (!json_object_is_type(md, json_type_object) || json_object_object_length(md) == 0))
        fuzz_fail("entry: metadata present but not a non-empty object");
    if (strlen(json_object_get_string(json_object_object_get(o, "timestamp"))) != 27)
        fuzz_fail("entry: timestamp is not 27 characters");
    json_object_put(o);

    /* request bodies around it */
    aura_buf_reset(&body);
    aura_wire_batch_begin(&body, "key\"\\\n");
    aura_wire_batch_add(&body, out.data, out.len, true);
    aura_wire_batch_add(&body, out.data, out.len, false);
    aura_wire_batch_end(&body);
    json_object_put(fuzz_parse_strict(body.data, body.len, "aura_wire_batch"));
    aura_buf_reset(&body);
    aura_wire_single(&body, NULL, out.data, out.len);
    json_object_put(fuzz_parse_strict(body.data, body.len, "aura_wire_single"));

    for (size_t i = 0; i < n_trees; i++)
        json_object_put(trees[i]);
    for (size_t i = 0; i < n_keys; i++)
        free(keys[i]);
    aura_entry_free(&e);
    return 0;
}
