/* fuzz.h - helpers shared by the libFuzzer targets of tests/fuzz.
 *
 * Every check that fails calls fuzz_fail(), which prints what was wrong and
 * aborts: libFuzzer then saves the input as a crash. */
#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

__attribute__((noreturn, format(printf, 1, 2))) static inline void fuzz_fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("FUZZ CHECK FAILED: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* Parse s[0..len) as one complete JSON document the strict way (RFC 8259
 * syntax, UTF-8 validated, nothing after it).  Aborts when it does not
 * parse; returns the tree (caller puts it). */
static inline struct json_object *fuzz_parse_strict(const char *s, size_t len, const char *what) {
    if (len > (size_t)INT32_MAX)
        fuzz_fail("%s: output too large (%zu bytes)", what, len);
    /* json-c accepts raw control characters inside strings even in strict
     * mode; RFC 8259 does not, and the writer never emits whitespace */
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20)
            fuzz_fail("%s: raw control character 0x%02x at offset %zu of the output", what, (unsigned char)s[i], i);
    struct json_tokener *tok = json_tokener_new();
    if (!tok)
        abort();
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    struct json_object *o = json_tokener_parse_ex(tok, s, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    if (jerr == json_tokener_continue) { /* a number at the very end needs the end of input */
        used = len;
        o = json_tokener_parse_ex(tok, "", 1);
        jerr = json_tokener_get_error(tok);
    }
    json_tokener_free(tok);
    if (!o && jerr != json_tokener_success)
        fuzz_fail("%s: json-c (strict, UTF-8 validated) refused the output: %s\n--- output (%zu bytes):\n%.*s",
                  what, json_tokener_error_desc(jerr), len, (int)(len > 4096 ? 4096 : len), s);
    if (used < len)
        fuzz_fail("%s: %zu trailing bytes after the JSON value", what, len - used);
    return o;
}

/* Independent UTF-8 validity check (well-formed per Unicode table 3-7). */
static inline bool fuzz_utf8_valid(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t need;
        unsigned lo = 0x80, hi = 0xbf;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf)
            need = 1;
        else if (c == 0xe0)
            need = 2, lo = 0xa0;
        else if (c == 0xed)
            need = 2, hi = 0x9f;
        else if (c >= 0xe1 && c <= 0xef)
            need = 2;
        else if (c == 0xf0)
            need = 3, lo = 0x90;
        else if (c >= 0xf1 && c <= 0xf3)
            need = 3;
        else if (c == 0xf4)
            need = 3, hi = 0x8f;
        else
            return false;
        if (i + need >= n)
            return false;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t k = 2; k <= need; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
        i += need + 1;
    }
    return true;
}

/* Take the next byte / a length-prefixed chunk from the fuzz input. */
struct fuzz_in {
    const uint8_t *p;
    size_t n;
};

static inline uint8_t fuzz_byte(struct fuzz_in *in) {
    if (!in->n)
        return 0;
    in->n--;
    return *in->p++;
}

/* A chunk up to the next 0xff separator byte (or the end). */
static inline const char *fuzz_chunk(struct fuzz_in *in, size_t *len) {
    const uint8_t *start = in->p;
    const uint8_t *sep = memchr(in->p, 0xff, in->n);
    size_t l = sep ? (size_t)(sep - in->p) : in->n;
    in->p += l;
    in->n -= l;
    if (sep) {
        in->p++;
        in->n--;
    }
    *len = l;
    return (const char *)start;
}
