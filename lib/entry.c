#include "entry.h"

#include <stdlib.h>
#include <string.h>

#include "global.h"
#include "json.h"

void aura_entry_init(struct aura_entry *e) {
    memset(e, 0, sizeof(*e));
    e->level = AURA_LEVEL_INFO;
}

void aura_entry_reset(struct aura_entry *e) {
    struct aura_field *fields = e->fields;
    size_t cap = e->cap_fields;
    aura_entry_init(e);
    e->fields = fields;
    e->cap_fields = cap;
}

void aura_entry_free(struct aura_entry *e) {
    if (!e)
        return;
    free(e->fields);
    aura_entry_init(e);
}

static struct aura_field *add_field(struct aura_entry *e, const char *key, enum aura_field_type type) {
    if (e->n_fields == e->cap_fields) {
        e->cap_fields = e->cap_fields ? e->cap_fields * 2 : 16;
        e->fields = aura_realloc(e->fields, e->cap_fields * sizeof(*e->fields));
    }
    struct aura_field *f = &e->fields[e->n_fields++];
    f->key = key;
    f->type = type;
    f->str = NULL;
    f->len = 0;
    f->num = 0;
    f->json = NULL;
    return f;
}

void aura_entry_add_str(struct aura_entry *e, const char *key, const char *s, size_t len) {
    struct aura_field *f = add_field(e, key, AURA_FIELD_STR);
    f->str = s;
    f->len = len;
}

void aura_entry_add_cstr(struct aura_entry *e, const char *key, const char *s) {
    aura_entry_add_str(e, key, s, s ? strlen(s) : 0);
}

void aura_entry_add_int(struct aura_entry *e, const char *key, int64_t v) {
    add_field(e, key, AURA_FIELD_INT)->num = v;
}

void aura_entry_add_bool(struct aura_entry *e, const char *key, bool v) {
    add_field(e, key, AURA_FIELD_BOOL)->num = v;
}

void aura_entry_add_json(struct aura_entry *e, const char *key, struct json_object *v) {
    add_field(e, key, AURA_FIELD_JSON)->json = v;
}

/* first field of e with this key among the first n, or NULL */
static const struct aura_field *find_field(const struct aura_entry *e, size_t n, const char *key) {
    for (size_t i = 0; i < n; i++) {
        const char *k = e->fields[i].key;
        if (k[0] == key[0] && strcmp(k, key) == 0)
            return &e->fields[i];
    }
    return NULL;
}

bool aura_entry_has(const struct aura_entry *e, const char *key) {
    return find_field(e, e->n_fields, key) != NULL;
}

static void write_key(struct aura_buf *out, const char *key, bool *first) {
    if (!*first)
        aura_buf_putc(out, ',');
    *first = false;
    aura_json_cstring(out, key);
    aura_buf_putc(out, ':');
}

static void write_field(struct aura_buf *out, const struct aura_field *f) {
    switch (f->type) {
    case AURA_FIELD_STR:
        if (f->str)
            aura_json_string(out, f->str, f->len);
        else
            aura_buf_append(out, "null", 4);
        break;
    case AURA_FIELD_INT:
        aura_json_int(out, f->num);
        break;
    case AURA_FIELD_BOOL:
        aura_json_bool(out, f->num != 0);
        break;
    case AURA_FIELD_JSON:
        aura_json_value(out, f->json);
        break;
    }
}

void aura_entry_encode(const struct aura_entry *e, const struct aura_global *global, const char *environment,
                       size_t max_message_bytes, struct aura_buf *out) {
    const char *msg = e->message ? e->message : "";
    size_t len = e->message ? e->message_len : 0;

    /* One trailing line ending: "\n", or "\r\n" as a CRLF sender ends a line. */
    if (len && msg[len - 1] == '\n') {
        len--;
        if (len && msg[len - 1] == '\r')
            len--;
    }
    size_t original = len;
    bool truncated = false;
    if (max_message_bytes && len > max_message_bytes) {
        len = aura_utf8_cut(msg, len, max_message_bytes);
        truncated = true;
    }

    const char *stack = e->stack_trace;
    size_t stack_len = stack ? e->stack_trace_len : 0;
    if (max_message_bytes && stack_len > max_message_bytes) {
        stack_len = aura_utf8_cut(stack, stack_len, max_message_bytes);
        truncated = true;
    }

    aura_buf_reserve(out, len + stack_len + 128);
    aura_buf_append(out, "{\"level\":\"", 10);
    aura_buf_puts(out, aura_level_name(e->level));
    aura_buf_append(out, "\",\"message\":", 12);
    aura_json_string(out, msg, len);
    aura_buf_append(out, ",\"environment\":", 15);
    aura_json_cstring(out, environment ? environment : "");
    char ts[28];
    aura_json_format_time(ts, e->time_us);
    aura_buf_append(out, ",\"timestamp\":\"", 14);
    aura_buf_append(out, ts, 27);
    aura_buf_putc(out, '"');

    /* metadata: written into place, then taken back out when it stayed empty */
    size_t mark = out->len;
    bool first = true;
    aura_buf_append(out, ",\"metadata\":{", 13);
    if (truncated) {
        write_key(out, "truncated", &first);
        aura_json_bool(out, true);
        if (original > len) {
            write_key(out, "message_bytes", &first);
            aura_json_int(out, (int64_t)original);
        }
    }
    for (size_t i = 0; i < e->n_fields; i++) {
        const struct aura_field *f = &e->fields[i];
        if (!f->key)
            continue;
        if (truncated && (strcmp(f->key, "truncated") == 0 || (original > len && strcmp(f->key, "message_bytes") == 0)))
            continue;
        if (find_field(e, i, f->key)) /* duplicate: the first one won */
            continue;
        write_key(out, f->key, &first);
        write_field(out, f);
    }
    if (global)
        aura_global_write_merged(out, e, global, &first);
    if (first) {
        out->len = mark;
        out->data[mark] = '\0';
    } else
        aura_buf_putc(out, '}');

    if (e->trace_id && e->trace_id_len) {
        aura_buf_append(out, ",\"traceId\":", 11);
        aura_json_string(out, e->trace_id, e->trace_id_len);
    }
    if (stack_len) {
        aura_buf_append(out, ",\"stackTrace\":", 14);
        aura_json_string(out, stack, stack_len);
    }
    aura_buf_putc(out, '}');
}

void aura_body_batch_begin(struct aura_buf *out, const char *key) {
    aura_buf_append(out, "{\"projectApiKey\":", 17);
    aura_json_cstring(out, key ? key : "");
    aura_buf_append(out, ",\"logs\":[", 9);
}

void aura_body_batch_add(struct aura_buf *out, const char *entry, size_t len, bool first) {
    if (!first)
        aura_buf_putc(out, ',');
    aura_buf_append(out, entry, len);
}

void aura_body_batch_end(struct aura_buf *out) {
    aura_buf_append(out, "]}", 2);
}

void aura_body_single(struct aura_buf *out, const char *key, const char *entry, size_t len) {
    aura_buf_append(out, "{\"projectApiKey\":", 17);
    aura_json_cstring(out, key ? key : "");
    aura_buf_append(out, ",\"log\":", 7);
    aura_buf_append(out, entry, len);
    aura_buf_putc(out, '}');
}
