/* entry.h - one log entry as a front end hands it to the core, and its
 * encoding into the Auralog wire format (SPEC §2, §4, §5).
 *
 * An entry only borrows: every pointer in it (message, keys, values) must
 * stay valid until aura_forwarder_submit()/aura_entry_encode() returns.  The
 * field array is owned by the entry and reused across aura_entry_reset(), so
 * building entries in a loop allocates nothing once warmed up. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "level.h"

struct json_object;
struct aura_global;

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

/* Append the JSON object of one entry to out:
 *   {"level":..,"message":..,"environment":..,"timestamp":..,"metadata":{..},"traceId":..,
 *    "stackTrace":..}
 * metadata = per-entry fields, then the global pairs whose keys the entry
 * does not carry (per-entry wins), omitted when empty.  A message longer than
 * max_message_bytes is cut at a UTF-8 boundary and metadata gets
 * truncated:true and message_bytes:<original length> (these two win over
 * per-entry keys of the same name).  A stack trace longer than
 * max_message_bytes is cut the same way (truncated:true).  One trailing
 * newline of the message is stripped.  global may be NULL. */
void aura_entry_encode(const struct aura_entry *e, const struct aura_global *global, const char *environment,
                       size_t max_message_bytes, struct aura_buf *out);

/* Request bodies.  key is the project API key; entries are already-encoded
 * entry objects (from aura_entry_encode). */
void aura_body_batch_begin(struct aura_buf *out, const char *key);           /* {"projectApiKey":"..","logs":[ */
void aura_body_batch_add(struct aura_buf *out, const char *entry, size_t len, bool first);
void aura_body_batch_end(struct aura_buf *out);                              /* ]} */
void aura_body_single(struct aura_buf *out, const char *key, const char *entry, size_t len); /* {"projectApiKey":"..","log":..} */
