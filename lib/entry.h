/* entry.h - one log entry as a front end hands it to the core (its
 * encoding into the Auralog wire format is wire.h).
 *
 * An entry only borrows: every pointer in it (message, keys, values) must
 * stay valid until aura_forwarder_submit()/aura_wire_entry() returns.  The
 * field array is owned by the entry and reused across aura_entry_reset(), so
 * building entries in a loop allocates nothing once warmed up. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
};

void aura_entry_init(struct aura_entry *e);
void aura_entry_reset(struct aura_entry *e); /* forget contents, keep the field array */
void aura_entry_free(struct aura_entry *e);  /* release the field array */

void aura_entry_add_str(struct aura_entry *e, const char *key, const char *s, size_t len);
void aura_entry_add_cstr(struct aura_entry *e, const char *key, const char *s);
void aura_entry_add_int(struct aura_entry *e, const char *key, int64_t v);
void aura_entry_add_bool(struct aura_entry *e, const char *key, bool v);
void aura_entry_add_json(struct aura_entry *e, const char *key, struct json_object *v);
/* true when the entry already carries a field with this key */
bool aura_entry_has(const struct aura_entry *e, const char *key);

/* First field of e with this key among its first n fields, or NULL. */
const struct aura_field *aura_entry_find(const struct aura_entry *e, size_t n, const char *key);
