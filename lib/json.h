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
#include <string.h>

#include "buf.h"

struct json_object;

/* Append a quoted JSON string built from len arbitrary bytes. */
static inline void aura_json_string(struct aura_buf *b, const char *s, size_t len);
/* Append a quoted JSON string from a NUL-terminated C string. */
void aura_json_cstring(struct aura_buf *b, const char *s);
/* Append an object member's name and its colon, "key": (len = strlen(key)).
 * A key of printable ASCII other than '"' and '\\' (every key the front ends
 * set themselves) is copied as it is; anything else goes through
 * aura_json_string. */
static inline void aura_json_key(struct aura_buf *b, const char *key, size_t len);
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

/* ---- the common case inline ----------------------------------------------
 * Most keys and values of an entry are 4 to 16 bytes of printable ASCII: two
 * overlapping words checked and stored, no call.  Anything else, and any
 * such string with a byte that needs work, goes to the _full functions
 * (json.c), which write the same bytes for it. */

void aura_json_string_full(struct aura_buf *b, const char *s, size_t len);
void aura_json_key_full(struct aura_buf *b, const char *key, size_t len);

#define AURA_JSON_ONES UINT64_C(0x0101010101010101)
#define AURA_JSON_HIGHS UINT64_C(0x8080808080808080)

/* Non-zero when one of the 8 bytes of w is < 0x20, '"', '\\' or >= 0x80. */
static inline uint64_t aura_json_word_needs_work(uint64_t w) {
    uint64_t quote = w ^ (AURA_JSON_ONES * '"');
    uint64_t bslash = w ^ (AURA_JSON_ONES * '\\');
    uint64_t t = (w - AURA_JSON_ONES * 0x20) | (quote - AURA_JSON_ONES) | (bslash - AURA_JSON_ONES);
    t &= ~w; /* a byte with its high bit set is caught by the last term below */
    return (t & AURA_JSON_HIGHS) | (w & AURA_JSON_HIGHS);
}

/* Non-zero when one of the 4 bytes of w needs work (as aura_json_word_needs_work). */
static inline uint32_t aura_json_word32_needs_work(uint32_t w) {
    const uint32_t ones = 0x01010101u, highs = 0x80808080u;
    uint32_t t = (w - ones * 0x20) | ((w ^ (ones * '"')) - ones) | ((w ^ (ones * '\\')) - ones);
    return (t & ~w & highs) | (w & highs);
}

/* Copy s[0..len) (4 <= len <= 16) to o when every byte is plain: true; else
 * false, with o's bytes undefined.  Two overlapping words cover it. */
static inline bool aura_json_copy_plain_4_16(char *o, const char *s, size_t len) {
    if (len >= 8) {
        uint64_t a, z;
        memcpy(&a, s, 8);
        memcpy(&z, s + len - 8, 8);
        if (aura_json_word_needs_work(a) | aura_json_word_needs_work(z))
            return false;
        memcpy(o, &a, 8);
        memcpy(o + len - 8, &z, 8);
        return true;
    }
    uint32_t a, z;
    memcpy(&a, s, 4);
    memcpy(&z, s + len - 4, 4);
    if (aura_json_word32_needs_work(a) | aura_json_word32_needs_work(z))
        return false;
    memcpy(o, &a, 4);
    memcpy(o + len - 4, &z, 4);
    return true;
}

/* "s" (and a ':' after it when colon) written at once when s is 4 to 16
 * plain bytes: true; false with b unchanged otherwise. */
static inline __attribute__((always_inline)) bool aura_json_quote_short(struct aura_buf *b, const char *s, size_t len,
                                                                       bool colon) {
    if (len - 4 > 12) /* not 4 <= len <= 16 */
        return false;
    aura_buf_reserve(b, len + 3);
    char *o = b->data + b->len; /* nothing committed to b->len until it fits */
    if (!aura_json_copy_plain_4_16(o + 1, s, len))
        return false;
    o[0] = '"';
    o[len + 1] = '"';
    o[len + 2] = ':'; /* overwritten by the terminator when no colon */
    o[len + 2 + colon] = '\0';
    b->len += len + 2 + colon;
    return true;
}

static inline __attribute__((always_inline)) void aura_json_string(struct aura_buf *b, const char *s, size_t len) {
    if (!aura_json_quote_short(b, s, len, false))
        aura_json_string_full(b, s, len);
}

static inline __attribute__((always_inline)) void aura_json_key(struct aura_buf *b, const char *key, size_t len) {
    if (!aura_json_quote_short(b, key, len, true))
        aura_json_key_full(b, key, len);
}
