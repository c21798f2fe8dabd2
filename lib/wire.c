/* wire.c - the Auralog wire format (wire.h). */
#include "wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "json.h"
#include "level.h"

#define KEY_RELAY "relay"

bool aura_wire_reserved_key(const char *key) {
    return strcmp(key, AURA_WIRE_KEY_TRUNCATED) == 0 || strcmp(key, AURA_WIRE_KEY_MESSAGE_BYTES) == 0;
}

static void write_pair(struct aura_buf *out, const char *key, const char *value, bool *first) {
    if (!*first)
        aura_buf_putc(out, ',');
    *first = false;
    aura_json_cstring(out, key);
    aura_buf_putc(out, ':');
    aura_json_cstring(out, value);
}

char *aura_wire_pair(const char *key, const char *value, size_t *len) {
    struct aura_buf b = AURA_BUF_INIT;
    bool first = true;
    write_pair(&b, key, value, &first);
    *len = b.len;
    return aura_buf_steal(&b);
}

/* The merge pair by pair, for a global without joined blocks (one built by
 * hand); aura_wire_global_join writes the same members into its blocks. */
static void merge_pairs(struct aura_buf *out, const struct aura_entry *e, const struct aura_global *g, bool *first) {
    bool relay = e->relayed && g->relay;
    for (size_t i = 0; i < g->n_pairs; i++) {
        const struct aura_global_pair *p = &g->pairs[i];
        if (e->relayed && p->host_key)
            continue; /* describes the bridge, not the host the message came from */
        if (relay && strcmp(p->key, KEY_RELAY) == 0)
            continue; /* the bridge's own "relay" below */
        uint32_t fp = p->key_fp ? p->key_fp : aura_key_fp(p->key, strlen(p->key));
        if (aura_entry_lookup(e, e->n_fields, p->key, fp))
            continue; /* per-entry wins */
        if (p->enc) {
            if (!*first)
                aura_buf_putc(out, ',');
            *first = false;
            aura_buf_append(out, p->enc, p->enc_len);
        } else {
            write_pair(out, p->key, p->value, first);
        }
    }
    if (relay && !aura_entry_has(e, KEY_RELAY))
        write_pair(out, KEY_RELAY, g->relay, first);
}

/* The entry has a field of the member's key (hit: the entry's key bits that
 * are also members' bits): the per-entry value wins. */
static inline bool carries(const struct aura_entry *e, uint64_t hit, const struct aura_global_member *m) {
    return (hit & m->bit) && aura_entry_find_fp(e, e->n_fields, m->key, m->key_fp);
}

void aura_wire_global_merged(struct aura_buf *out, const struct aura_entry *e, const struct aura_global *g,
                              bool *first) {
    if (!g)
        return;
    int k = e->relayed ? 1 : 0;
    if (!g->joined[k]) {
        merge_pairs(out, e, g, first);
        return;
    }
    uint64_t hit = e->key_bloom & g->joined_bloom[k];
    const struct aura_global_member *m = g->members[k];
    size_t n = g->n_members[k];
    /* runs of members the entry does not carry, each copied in one piece */
    for (size_t i = 0; i < n;) {
        if (carries(e, hit, &m[i])) {
            i++; /* per-entry wins */
            continue;
        }
        size_t j = i + 1;
        while (j < n && !carries(e, hit, &m[j]))
            j++;
        if (!*first)
            aura_buf_putc(out, ',');
        *first = false;
        aura_buf_append(out, g->joined[k] + m[i].start, m[j - 1].end - m[i].start);
        i = j + 1; /* j, if any, is carried by the entry */
    }
}

/* Append one member to a block being joined. */
static void join_member(struct aura_buf *b, struct aura_global *g, int k, const char *key, const char *enc,
                        size_t enc_len) {
    if (b->len)
        aura_buf_putc(b, ',');
    struct aura_global_member *m = &g->members[k][g->n_members[k]++];
    m->key = key;
    m->key_fp = aura_key_fp(key, strlen(key));
    m->bit = aura_key_bit(m->key_fp);
    m->start = b->len;
    aura_buf_append(b, enc, enc_len);
    m->end = b->len;
    g->joined_bloom[k] |= m->bit;
}

void aura_wire_global_join(struct aura_global *g) {
    for (int k = 0; k < 2; k++) {
        free(g->joined[k]);
        free(g->members[k]);
        g->members[k] = aura_calloc(g->n_pairs + 1, sizeof(*g->members[k]));
        g->n_members[k] = 0;
        g->joined_bloom[k] = 0;
        /* the pairs merge_pairs writes for an entry without fields */
        bool relay = k == 1 && g->relay;
        struct aura_buf b = AURA_BUF_INIT, one = AURA_BUF_INIT;
        for (size_t i = 0; i < g->n_pairs; i++) {
            const struct aura_global_pair *p = &g->pairs[i];
            if ((k == 1 && p->host_key) || (relay && strcmp(p->key, KEY_RELAY) == 0))
                continue;
            aura_buf_reset(&one);
            bool first = true;
            write_pair(&one, p->key, p->value, &first);
            join_member(&b, g, k, p->key, one.data, one.len);
        }
        if (relay) {
            aura_buf_reset(&one);
            bool first = true;
            write_pair(&one, KEY_RELAY, g->relay, &first);
            join_member(&b, g, k, KEY_RELAY, one.data, one.len);
        }
        aura_buf_free(&one);
        g->joined_len[k] = b.len;
        g->joined[k] = aura_buf_steal(&b);
    }
}

static inline __attribute__((always_inline)) void write_key(struct aura_buf *out, const char *key, size_t len,
                                                            bool *first) {
    if (!*first)
        aura_buf_putc(out, ',');
    *first = false;
    aura_json_key(out, key, len);
}

/* strlen(f->key), from its fingerprint when the key is shorter than 255 */
static size_t key_len(const struct aura_field *f) {
    size_t n = f->key_fp & 0xff;
    return n < 255 ? n : strlen(f->key);
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

void aura_wire_entry(const struct aura_entry *e, const struct aura_global *global, const char *environment,
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
        write_key(out, AURA_WIRE_KEY_TRUNCATED, strlen(AURA_WIRE_KEY_TRUNCATED), &first);
        aura_json_bool(out, true);
        if (original > len) {
            write_key(out, AURA_WIRE_KEY_MESSAGE_BYTES, strlen(AURA_WIRE_KEY_MESSAGE_BYTES), &first);
            aura_json_int(out, (int64_t)original);
        }
    }
    for (size_t i = 0; i < e->n_fields; i++) {
        const struct aura_field *f = &e->fields[i];
        if (!f->key)
            continue;
        if (truncated && (strcmp(f->key, AURA_WIRE_KEY_TRUNCATED) == 0 ||
                          (original > len && strcmp(f->key, AURA_WIRE_KEY_MESSAGE_BYTES) == 0)))
            continue;
        /* a duplicate: the first one won (no two keys share a bloom bit: none) */
        if (e->key_dup && aura_entry_find_fp(e, i, f->key, f->key_fp))
            continue;
        write_key(out, f->key, key_len(f), &first);
        write_field(out, f);
    }
    if (global)
        aura_wire_global_merged(out, e, global, &first);
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

void aura_wire_batch_begin(struct aura_buf *out, const char *key) {
    aura_buf_append(out, "{\"projectApiKey\":", 17);
    aura_json_cstring(out, key ? key : "");
    aura_buf_append(out, ",\"logs\":[", 9);
}

void aura_wire_batch_frame(struct aura_buf *frame, const char *key, size_t *prefix_len) {
    aura_wire_batch_begin(frame, key);
    *prefix_len = frame->len;
    aura_wire_batch_end(frame);
}

void aura_wire_single_frame(struct aura_buf *frame, const char *key, size_t *prefix_len) {
    aura_buf_append(frame, "{\"projectApiKey\":", 17);
    aura_json_cstring(frame, key ? key : "");
    aura_buf_append(frame, ",\"log\":", 7);
    *prefix_len = frame->len;
    aura_buf_putc(frame, '}');
}

void aura_wire_batch_add(struct aura_buf *out, const char *entry, size_t len, bool first) {
    if (!first)
        aura_buf_putc(out, AURA_WIRE_BATCH_SEP);
    aura_buf_append(out, entry, len);
}

void aura_wire_batch_end(struct aura_buf *out) {
    aura_buf_append(out, "]}", 2);
}

void aura_wire_single(struct aura_buf *out, const char *key, const char *entry, size_t len) {
    aura_buf_append(out, "{\"projectApiKey\":", 17);
    aura_json_cstring(out, key ? key : "");
    aura_buf_append(out, ",\"log\":", 7);
    aura_buf_append(out, entry, len);
    aura_buf_putc(out, '}');
}

void aura_wire_stdout_line(struct aura_buf *out, const char *path, const char *body, size_t len) {
    aura_buf_append(out, "{\"path\":\"", 9);
    aura_buf_puts(out, path); /* one of the two paths: nothing to escape */
    aura_buf_append(out, "\",\"body\":", 9);
    aura_buf_append(out, body, len);
    aura_buf_append(out, "}\n", 2);
}
