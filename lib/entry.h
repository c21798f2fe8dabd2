/* entry.h - one log entry as a front end hands it to the core (its
 * encoding into the Auralog wire format is wire.h).
 *
 * An entry only borrows: every pointer in it (message, keys, values) must
 * stay valid until aura_forwarder_submit()/aura_wire_entry() returns.  The
 * field array is owned by the entry and reused across aura_entry_reset(), so
 * building entries in a loop allocates nothing once warmed up.  Fields are
 * added only through aura_entry_push() and the add functions built on it:
 * they keep each key's fingerprint and the entry's key_bloom, by which the
 * encoder finds duplicate keys and merges global metadata without a strcmp
 * per pair of keys. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "level.h"

struct json_object;

enum aura_field_type {
    AURA_FIELD_STR,  /* str/len: arbitrary bytes, repaired on encode */
    AURA_FIELD_INT,  /* num */
    AURA_FIELD_BOOL, /* num != 0 */
    AURA_FIELD_JSON, /* json: a json-c value (object, array, ...), re-encoded safely */
};

struct aura_field {
    const char *key; /* NUL-terminated */
    enum aura_field_type type;
    uint32_t key_fp; /* aura_key_fp() of key: set by aura_entry_push() */
    const char *str;
    size_t len;
    int64_t num;
    struct json_object *json;
};

struct aura_entry {
    enum aura_level level;
    int64_t time_us;           /* when the event was logged: realtime µs since the epoch */
    const char *message;
    size_t message_len;
    const char *trace_id;      /* NULL when the source carries none */
    size_t trace_id_len;
    const char *stack_trace;   /* "stackTrace": NULL when there is none */
    size_t stack_trace_len;
    bool relayed;              /* came from another host: see aura_global */
    struct aura_field *fields; /* per-entry metadata, in order; on a duplicate key the first wins */
    size_t n_fields;
    size_t cap_fields;
    uint64_t key_bloom; /* OR of aura_key_bit() of the fields' keys */
    bool key_dup;       /* two keys share a bit of key_bloom: there may be a duplicate key */
};

void aura_entry_init(struct aura_entry *e);
void aura_entry_reset(struct aura_entry *e); /* forget contents, keep the field array */
void aura_entry_free(struct aura_entry *e);  /* release the field array */

/* Fingerprint of a key of len bytes: its length (up to 255) and its first,
 * middle and last bytes; 0 only for "".  Equal keys have equal fingerprints,
 * so comparing them first skips nearly every strcmp.  Inlined with a string
 * literal, the compiler works it out at compile time. */
static inline uint32_t aura_key_fp(const char *key, size_t len) {
    const unsigned char *k = (const unsigned char *)key;
    if (len == 0)
        return 0;
    return (uint32_t)(len < 255 ? len : 255) | (uint32_t)k[0] << 8 | (uint32_t)k[len / 2] << 16 |
           (uint32_t)k[len - 1] << 24;
}

/* The bit of a fingerprint in aura_entry.key_bloom (Fibonacci hashing). */
static inline uint64_t aura_key_bit(uint32_t fp) {
    return UINT64_C(1) << ((fp * UINT32_C(0x9E3779B1)) >> 26);
}

void aura_entry_grow(struct aura_entry *e); /* room for one more field */

/* Append a field of this type (its value members zeroed) and return it for
 * the caller to fill: the add functions below, or a front end that knows
 * key_len (= strlen(key)) already. */
static inline struct aura_field *aura_entry_push(struct aura_entry *e, const char *key, size_t key_len,
                                                 enum aura_field_type type) {
    if (e->n_fields == e->cap_fields)
        aura_entry_grow(e);
    struct aura_field *f = &e->fields[e->n_fields++];
    uint32_t fp = aura_key_fp(key, key_len);
    uint64_t bit = aura_key_bit(fp);
    if (e->key_bloom & bit)
        e->key_dup = true;
    e->key_bloom |= bit;
    f->key = key;
    f->type = type;
    f->key_fp = fp;
    f->str = NULL;
    f->len = 0;
    f->num = 0;
    f->json = NULL;
    return f;
}

static inline void aura_entry_add_str(struct aura_entry *e, const char *key, const char *s, size_t len) {
    struct aura_field *f = aura_entry_push(e, key, strlen(key), AURA_FIELD_STR);
    f->str = s;
    f->len = len;
}

static inline void aura_entry_add_cstr(struct aura_entry *e, const char *key, const char *s) {
    aura_entry_add_str(e, key, s, s ? strlen(s) : 0);
}

static inline void aura_entry_add_int(struct aura_entry *e, const char *key, int64_t v) {
    aura_entry_push(e, key, strlen(key), AURA_FIELD_INT)->num = v;
}

static inline void aura_entry_add_bool(struct aura_entry *e, const char *key, bool v) {
    aura_entry_push(e, key, strlen(key), AURA_FIELD_BOOL)->num = v;
}

static inline void aura_entry_add_json(struct aura_entry *e, const char *key, struct json_object *v) {
    aura_entry_push(e, key, strlen(key), AURA_FIELD_JSON)->json = v;
}

/* First field of e with this key (fingerprint fp = aura_key_fp(key, ..))
 * among its first n fields, or NULL. */
const struct aura_field *aura_entry_find_fp(const struct aura_entry *e, size_t n, const char *key, uint32_t fp);

/* The same, looked up only when the key's bit is in the entry's key_bloom
 * (a key not there is in no field: no call, no scan). */
static inline const struct aura_field *aura_entry_lookup(const struct aura_entry *e, size_t n, const char *key,
                                                         uint32_t fp) {
    if (!(e->key_bloom & aura_key_bit(fp)))
        return NULL;
    return aura_entry_find_fp(e, n, key, fp);
}

/* First field of e with this key among its first n fields, or NULL. */
static inline const struct aura_field *aura_entry_find(const struct aura_entry *e, size_t n, const char *key) {
    return aura_entry_lookup(e, n, key, aura_key_fp(key, strlen(key)));
}

/* true when the entry already carries a field with this key */
static inline bool aura_entry_has(const struct aura_entry *e, const char *key) {
    return aura_entry_find(e, e->n_fields, key) != NULL;
}
