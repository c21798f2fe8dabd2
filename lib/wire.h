/* wire.h - the Auralog wire format, all of it in one place (SPEC §2, §4, §5):
 * the entry object, the batch and single request bodies, the two paths, the
 * metadata keys the encoder owns, the merge of global metadata under an
 * entry's own, and the --stdout envelope.
 *
 *   POST /v1/logs         {"projectApiKey":"..","logs":[ENTRY,...]}
 *   POST /v1/logs/single  {"projectApiKey":"..","log":ENTRY}
 *   ENTRY                 {"level":..,"message":..,"environment":..,"timestamp":..,
 *                          "metadata":{..},"traceId":..,"stackTrace":..}
 *   --stdout, one line    {"path":"/v1/logs","body":BODY}  (key shown as "(redacted)")
 *
 * entry.h builds entries, global.c builds the global metadata below; only
 * this module writes them. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct aura_entry;

#define AURA_WIRE_PATH_BATCH "/v1/logs"
#define AURA_WIRE_PATH_SINGLE "/v1/logs/single"
/* what --stdout shows instead of the API key */
#define AURA_WIRE_STDOUT_KEY "(redacted)"
/* metadata keys the encoder owns: a cut message or stackTrace */
#define AURA_WIRE_KEY_TRUNCATED "truncated"
#define AURA_WIRE_KEY_MESSAGE_BYTES "message_bytes"

/* Global metadata: host metadata + the static [global_metadata] pairs, merged
 * under every entry's own metadata (SPEC §4).  Built by aura_global_new()
 * (global.h).
 *
 * Merge rule (as the SDK: per-call metadata wins): shallow; a global key is
 * written only when the entry does not carry it.  For an entry relayed from
 * another host (entry.relayed), the bridge's host keys (host, machine_id,
 * boot_id, os, kernel) are left out and "relay": <bridge hostname> is added. */
struct aura_global_pair {
    char *key;
    char *value;
    bool host_key; /* describes the bridge's host: dropped for relayed entries */
    char *enc;     /* "key":"value" (aura_wire_pair), written as is; NULL: encoded each time */
    size_t enc_len;
    uint32_t key_fp; /* aura_key_fp() of key (entry.h); 0: worked out each time */
};

/* One "key":"value" of a joined block (struct aura_global). */
struct aura_global_member {
    const char *key;
    uint32_t key_fp;
    uint64_t bit;      /* aura_key_bit(key_fp) */
    size_t start, end; /* its bytes in the block, without a separator */
};

struct aura_global {
    struct aura_global_pair *pairs;
    size_t n_pairs;
    char *relay; /* bridge hostname for "relay", NULL when unknown */
    /* What the merge writes for an entry that carries none of its keys,
     * joined once (aura_wire_global_join): [0] for a local entry, [1] for a
     * relayed one.  An entry whose key_bloom has none of joined_bloom[k]
     * gets the block as it is; one that may carry some of its keys gets the
     * runs of members between those it carries.  NULL: merged pair by pair. */
    char *joined[2];
    size_t joined_len[2];
    uint64_t joined_bloom[2];                      /* aura_key_bit()s of the members' keys */
    struct aura_global_member *members[2];         /* the members of joined[k], in order */
    size_t n_members[2];
};

/* true for a metadata key the encoder writes itself (AURA_WIRE_KEY_*):
 * global metadata may not use it. */
bool aura_wire_reserved_key(const char *key);

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
void aura_wire_entry(const struct aura_entry *e, const struct aura_global *global, const char *environment,
                     size_t max_message_bytes, struct aura_buf *out);

/* "key":"value" as a metadata member, newly allocated (*len: its length):
 * global pairs are encoded once, not per entry. */
char *aura_wire_pair(const char *key, const char *value, size_t *len);

/* Build g's joined blocks from its pairs and relay (aura_global_new does;
 * again after changing them). */
void aura_wire_global_join(struct aura_global *g);

/* Write the merged global metadata members of e (no braces), separated by
 * commas, beginning with a comma unless *first; updates *first. */
void aura_wire_global_merged(struct aura_buf *out, const struct aura_entry *e, const struct aura_global *g,
                             bool *first);

/* Request bodies.  key is the project API key; entries are already-encoded
 * entry objects (from aura_wire_entry). */
void aura_wire_batch_begin(struct aura_buf *out, const char *key); /* {"projectApiKey":"..","logs":[ */
void aura_wire_batch_add(struct aura_buf *out, const char *entry, size_t len, bool first);
void aura_wire_batch_end(struct aura_buf *out); /* ]} */
/* {"projectApiKey":"..","log":..} */
void aura_wire_single(struct aura_buf *out, const char *key, const char *entry, size_t len);

/* The same bodies in pieces, the entries sent where they lie (transport.h):
 * frame gets the body's fixed text, *prefix_len bytes of it before the
 * entries, the rest after them.  In a batch, every entry but the first is
 * preceded by AURA_WIRE_BATCH_SEP (the queue keeps that byte just before
 * each entry, so an entry and its separator are one piece). */
#define AURA_WIRE_BATCH_SEP ','
void aura_wire_batch_frame(struct aura_buf *frame, const char *key, size_t *prefix_len);
void aura_wire_single_frame(struct aura_buf *frame, const char *key, size_t *prefix_len);

/* The --stdout line of one request: {"path":PATH,"body":BODY}\n */
void aura_wire_stdout_line(struct aura_buf *out, const char *path, const char *body, size_t len);
