/* json.h - small streaming JSON writer for the hot path.
 *
 * Every string goes through aura_json_string(), which turns any byte
 * sequence into valid JSON: invalid UTF-8 (overlong forms, surrogates,
 * code points above U+10FFFF, truncated or stray continuation bytes) becomes
 * U+FFFD, control characters and NUL are escaped (\n \t \u0000 ...), '"' and
 * '\\' are escaped.  The output is always valid UTF-8 JSON, whatever came in. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct json_object;

/* Append a quoted JSON string built from len arbitrary bytes. */
void aura_json_string(struct aura_buf *b, const char *s, size_t len);
/* Append a quoted JSON string from a NUL-terminated C string. */
void aura_json_cstring(struct aura_buf *b, const char *s);
/* Append an object member's name and its colon, "key": (len = strlen(key)).
 * A key of printable ASCII other than '"' and '\\' (every key the front ends
 * set themselves) is copied as it is; anything else goes through
 * aura_json_string. */
void aura_json_key(struct aura_buf *b, const char *key, size_t len);
void aura_json_int(struct aura_buf *b, int64_t v);
void aura_json_bool(struct aura_buf *b, bool v);
/* Append a json-c value, re-encoding every string through aura_json_string
 * (json-c does not validate UTF-8).  NULL writes null, and so does anything
 * nested more than 20 levels below o (requests stay parseable with json-c's
 * default depth of 32). */
void aura_json_value(struct aura_buf *b, struct json_object *o);

/* Length of the longest prefix of s[0..len) that is at most max bytes and
 * does not end inside a UTF-8 sequence. */
size_t aura_utf8_cut(const char *s, size_t len, size_t max);

/* RFC 3339 UTC with microseconds and Z: "2026-11-25T12:00:00.123456Z".
 * Writes 27 characters + NUL into out (size >= 28). */
void aura_json_format_time(char out[static 28], int64_t realtime_us);
