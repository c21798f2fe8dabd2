/* test_json - the streaming JSON writer: UTF-8 repair, escapes, json-c
 * values, the UTF-8 cut and RFC 3339 time.  Every string output is parsed
 * back with json-c in strict mode. */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "json.h"
#include "tap.h"

#define FFFD "\xef\xbf\xbd"

/* Parse text strictly (and with UTF-8 validation); NULL when json-c refuses it. */
static struct json_object *parse_strict(const char *text, size_t len) {
    struct json_tokener *tok = json_tokener_new();
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    struct json_object *o = json_tokener_parse_ex(tok, text, (int)len);
    if (o && tok->char_offset != (int)len) { /* trailing garbage */
        json_object_put(o);
        o = NULL;
    }
    if (!o && json_tokener_get_error(tok) == json_tokener_continue)
        o = NULL;
    json_tokener_free(tok);
    return o;
}

/* An independent, plain decoder: true when s[0..len) is well-formed UTF-8
 * (no overlongs, surrogates or code points above U+10FFFF). */
static bool utf8_valid(const unsigned char *s, size_t len) {
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i], n, cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0)
            n = 1, cp = c & 0x1f, min = 0x80;
        else if ((c & 0xf0) == 0xe0)
            n = 2, cp = c & 0x0f, min = 0x800;
        else if ((c & 0xf8) == 0xf0)
            n = 3, cp = c & 0x07, min = 0x10000;
        else
            return false;
        if (i + n >= len)
            return false;
        for (unsigned k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n + 1;
    }
    return true;
}

/* ---- aura_json_string table -------------------------------------------- */

struct str_case {
    const char *name;
    const char *in;
    size_t in_len;
    const char *json;  /* exact output */
    const char *value; /* what json-c must read back */
    size_t value_len;
};

#define C(name, in, json, value) {name, in, sizeof(in) - 1, json, value, sizeof(value) - 1}

static const struct str_case str_cases[] = {
    C("empty", "", "\"\"", ""),
    C("ascii", "hello world", "\"hello world\"", "hello world"),
    C("quote and backslash", "a\"b\\c", "\"a\\\"b\\\\c\"", "a\"b\\c"),
    C("slash not escaped, DEL kept", "a/b\x7f", "\"a/b\x7f\"", "a/b\x7f"),
    C("named escapes", "\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"", "\b\f\n\r\t"),
    C("NUL", "a\0b", "\"a\\u0000b\"", "a\0b"),
    C("other controls", "\x01\x1b\x1f", "\"\\u0001\\u001b\\u001f\"", "\x01\x1b\x1f"),
    C("2-byte", "caf\xc3\xa9", "\"caf\xc3\xa9\"", "caf\xc3\xa9"),
    C("3-byte", "\xe2\x82\xac 5", "\"\xe2\x82\xac 5\"", "\xe2\x82\xac 5"),
    C("4-byte", "\xf0\x9f\x98\x80!", "\"\xf0\x9f\x98\x80!\"", "\xf0\x9f\x98\x80!"),
    C("U+0080", "\xc2\x80", "\"\xc2\x80\"", "\xc2\x80"),
    C("U+07FF", "\xdf\xbf", "\"\xdf\xbf\"", "\xdf\xbf"),
    C("U+0800", "\xe0\xa0\x80", "\"\xe0\xa0\x80\"", "\xe0\xa0\x80"),
    C("U+D7FF", "\xed\x9f\xbf", "\"\xed\x9f\xbf\"", "\xed\x9f\xbf"),
    C("U+E000", "\xee\x80\x80", "\"\xee\x80\x80\"", "\xee\x80\x80"),
    C("U+FFFF", "\xef\xbf\xbf", "\"\xef\xbf\xbf\"", "\xef\xbf\xbf"),
    C("U+10000", "\xf0\x90\x80\x80", "\"\xf0\x90\x80\x80\"", "\xf0\x90\x80\x80"),
    C("U+10FFFF", "\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"", "\xf4\x8f\xbf\xbf"),
    C("U+2028 kept", "\xe2\x80\xa8", "\"\xe2\x80\xa8\"", "\xe2\x80\xa8"),
    C("overlong C0 80", "\xc0\x80", "\"" FFFD FFFD "\"", FFFD FFFD),
    C("overlong C1 BF", "\xc1\xbf", "\"" FFFD FFFD "\"", FFFD FFFD),
    C("overlong E0 80 80", "\xe0\x80\x80", "\"" FFFD FFFD FFFD "\"", FFFD FFFD FFFD),
    C("overlong E0 9F BF", "\xe0\x9f\xbf", "\"" FFFD FFFD FFFD "\"", FFFD FFFD FFFD),
    C("overlong F0 80 80 80", "\xf0\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"", FFFD FFFD FFFD FFFD),
    C("overlong F0 8F BF BF", "\xf0\x8f\xbf\xbf", "\"" FFFD FFFD FFFD FFFD "\"", FFFD FFFD FFFD FFFD),
    C("surrogate ED A0 80", "\xed\xa0\x80", "\"" FFFD FFFD FFFD "\"", FFFD FFFD FFFD),
    C("surrogate ED BF BF", "\xed\xbf\xbf", "\"" FFFD FFFD FFFD "\"", FFFD FFFD FFFD),
    C("surrogate pair", "\xed\xa0\xbd\xed\xb8\x80", "\"" FFFD FFFD FFFD FFFD FFFD FFFD "\"",
      FFFD FFFD FFFD FFFD FFFD FFFD),
    C("above U+10FFFF F4 90 80 80", "\xf4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"", FFFD FFFD FFFD FFFD),
    C("F5 lead", "\xf5\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"", FFFD FFFD FFFD FFFD),
    C("truncated 2 at end", "ab\xc3", "\"ab" FFFD "\"", "ab" FFFD),
    C("truncated 3 at end", "ab\xe2\x82", "\"ab" FFFD "\"", "ab" FFFD),
    C("truncated 4 at end (3)", "ab\xf0\x9f\x98", "\"ab" FFFD "\"", "ab" FFFD),
    C("truncated 4 at end (1)", "ab\xf0", "\"ab" FFFD "\"", "ab" FFFD),
    C("truncated 2 mid", "\xc3z", "\"" FFFD "z\"", FFFD "z"),
    C("truncated 3 mid", "\xe2\x82z", "\"" FFFD "z\"", FFFD "z"),
    C("truncated 3 mid (1)", "\xe2z", "\"" FFFD "z\"", FFFD "z"),
    C("truncated 4 mid", "\xf0\x9f\x98z", "\"" FFFD "z\"", FFFD "z"),
    C("truncated before quote", "\xe2\x82\"", "\"" FFFD "\\\"\"", FFFD "\""),
    C("truncated then valid", "\xe2\x82\xc3\xa9", "\"" FFFD "\xc3\xa9\"", FFFD "\xc3\xa9"),
    C("maximal subparts (Unicode example)", "\xf1\x80\x80\xe1\x80\xc2\x61", "\"" FFFD FFFD FFFD "a\"",
      FFFD FFFD FFFD "a"),
    C("stray continuation", "\x80", "\"" FFFD "\"", FFFD),
    C("stray continuations mid", "a\x80\xbf" "b", "\"a" FFFD FFFD "b\"", "a" FFFD FFFD "b"),
    C("continuation after complete", "\xc3\xa9\xa9", "\"\xc3\xa9" FFFD "\"", "\xc3\xa9" FFFD),
    C("FF FE", "\xff\xfe", "\"" FFFD FFFD "\"", FFFD FFFD),
    C("long plain then escape", "0123456789abcdefghij\"klmnopqrstuvwxyz0123456789",
      "\"0123456789abcdefghij\\\"klmnopqrstuvwxyz0123456789\"", "0123456789abcdefghij\"klmnopqrstuvwxyz0123456789"),
    C("long plain then UTF-8", "0123456789abcdefghij\xc3\xa9klmnopqrstuvwxyz0123456789\xff",
      "\"0123456789abcdefghij\xc3\xa9klmnopqrstuvwxyz0123456789" FFFD "\"",
      "0123456789abcdefghij\xc3\xa9klmnopqrstuvwxyz0123456789" FFFD),
};

static void check_string_output(const char *what, const char *out, size_t out_len, const char *want_value,
                                size_t want_len) {
    struct json_object *o = parse_strict(out, out_len);
    bool ok = o && json_object_is_type(o, json_type_string) &&
              (size_t)json_object_get_string_len(o) == want_len &&
              memcmp(json_object_get_string(o), want_value, want_len) == 0;
    CHECK(ok, "%s: json-c reads back the value", what);
    json_object_put(o);
}

static void test_string_table(void) {
    struct aura_buf b = AURA_BUF_INIT;
    for (size_t i = 0; i < sizeof(str_cases) / sizeof(str_cases[0]); i++) {
        const struct str_case *c = &str_cases[i];
        aura_buf_reset(&b);
        aura_json_string(&b, c->in, c->in_len);
        CHECK(b.len == strlen(c->json) && memcmp(b.data, c->json, b.len) == 0 && b.data[b.len] == '\0',
              "%s: exact output", c->name);
        check_string_output(c->name, b.data, b.len, c->value, c->value_len);
        CHECK(utf8_valid((const unsigned char *)b.data, b.len), "%s: output is valid UTF-8", c->name);
    }
    aura_buf_free(&b);
}

/* Every ASCII byte at every position of a 20-byte plain string: exercises
 * the eight-at-a-time scan at each alignment. */
static void test_every_ascii_byte(void) {
    struct aura_buf b = AURA_BUF_INIT;
    int bad_output = 0, bad_parse = 0;
    for (int c = 0; c < 0x80; c++) {
        char want_esc[8];
        switch (c) {
        case '"': strcpy(want_esc, "\\\""); break;
        case '\\': strcpy(want_esc, "\\\\"); break;
        case '\b': strcpy(want_esc, "\\b"); break;
        case '\f': strcpy(want_esc, "\\f"); break;
        case '\n': strcpy(want_esc, "\\n"); break;
        case '\r': strcpy(want_esc, "\\r"); break;
        case '\t': strcpy(want_esc, "\\t"); break;
        default:
            if (c < 0x20)
                snprintf(want_esc, sizeof(want_esc), "\\u%04x", c);
            else
                snprintf(want_esc, sizeof(want_esc), "%c", c);
        }
        for (int pos = 0; pos < 20; pos++) {
            char in[20], want[64];
            memset(in, 'x', sizeof(in));
            in[pos] = (char)c;
            snprintf(want, sizeof(want), "\"%.*s%s%.*s\"", pos, "xxxxxxxxxxxxxxxxxxxx", want_esc, 19 - pos,
                     "xxxxxxxxxxxxxxxxxxxx");
            aura_buf_reset(&b);
            aura_json_string(&b, in, sizeof(in));
            if (strcmp(b.data, want) != 0) {
                if (!bad_output++)
                    printf("# byte 0x%02x at %d: got %s, want %s\n", c, pos, b.data, want);
            }
            struct json_object *o = parse_strict(b.data, b.len);
            if (!o || json_object_get_string_len(o) != 20 || memcmp(json_object_get_string(o), in, 20) != 0)
                bad_parse++;
            json_object_put(o);
        }
    }
    CHECK_INT(bad_output, 0, "every ASCII byte at every position: exact output");
    CHECK_INT(bad_parse, 0, "every ASCII byte at every position: json-c reads back the input");
    aura_buf_free(&b);
}

/* Fixed-seed random byte strings: the output is always strict, valid UTF-8
 * JSON, and encoding what json-c read back gives the same output again. */
/* Strings of up to 16 bytes are checked as two overlapping words (keys and
 * short values): a byte that needs work at every position of every short
 * length, through aura_json_string and aura_json_key. */
static void test_short_strings(void) {
    static const struct {
        unsigned char c;
        const char *esc;
    } bytes[] = {{0x00, "\\u0000"}, {0x01, "\\u0001"}, {0x1f, "\\u001f"}, {'\n', "\\n"}, {'"', "\\\""},
                 {'\\', "\\\\"}, {0x7f, "\x7f"}, {' ', " "}, {0x80, FFFD}, {0xc3, FFFD}, {0xff, FFFD}};
    struct aura_buf b = AURA_BUF_INIT;
    int bad = 0, bad_key = 0;
    for (size_t len = 1; len <= 18; len++)
        for (size_t pos = 0; pos < len; pos++)
            for (size_t k = 0; k < sizeof(bytes) / sizeof(bytes[0]); k++) {
                char in[32], want[96];
                memset(in, 'x', len);
                in[pos] = (char)bytes[k].c;
                snprintf(want, sizeof(want), "\"%.*s%s%.*s\"", (int)pos, "xxxxxxxxxxxxxxxxxx", bytes[k].esc,
                         (int)(len - pos - 1), "xxxxxxxxxxxxxxxxxx");
                aura_buf_reset(&b);
                aura_buf_puts(&b, "[");
                aura_json_string(&b, in, len);
                if (strcmp(b.data + 1, want) != 0 && !bad++)
                    printf("# length %zu, byte 0x%02x at %zu: got %s, want %s\n", len, bytes[k].c, pos, b.data + 1,
                           want);
                aura_buf_reset(&b);
                aura_buf_puts(&b, "{");
                aura_json_key(&b, in, len);
                if ((strncmp(b.data + 1, want, strlen(want)) != 0 || strcmp(b.data + 1 + strlen(want), ":") != 0 ||
                     b.len != strlen(want) + 2) &&
                    !bad_key++)
                    printf("# key of length %zu, byte 0x%02x at %zu: got %s\n", len, bytes[k].c, pos, b.data + 1);
            }
    CHECK_INT(bad, 0, "a byte that needs work at every position of strings of 1-18 bytes");
    CHECK_INT(bad_key, 0, "the same as keys (aura_json_key)");
    aura_buf_free(&b);
}

/* The inline short-string path (json.h) against the _full functions it
 * hands everything else to: the same bytes and length for every length
 * around its 4-16 window, plain or with a byte that needs work anywhere,
 * appended to buffers of every fill (growth at every point). */
static void test_inline_vs_full(void) {
    static const unsigned char specials[] = {'"', '\\', 0x01, 0x1f, 0x7f, 0x80, 0xc3, 0xff};
    int bad = 0, cases = 0;
    for (size_t len = 0; len <= 20; len++)
        for (size_t pos = 0; pos <= len; pos++) /* pos == len: plain */
            for (size_t k = 0; k < (pos < len ? sizeof specials : 1); k++)
                for (size_t fill = 0; fill < 40; fill++)
                    for (int key = 0; key < 2; key++) {
                        char in[32];
                        memset(in, 'a', sizeof in);
                        for (size_t i = 0; i < len; i++)
                            in[i] = (char)('a' + i);
                        if (pos < len)
                            in[pos] = (char)specials[k];
                        struct aura_buf x = AURA_BUF_INIT, y = AURA_BUF_INIT;
                        for (size_t i = 0; i < fill; i++) {
                            aura_buf_putc(&x, '.');
                            aura_buf_putc(&y, '.');
                        }
                        if (key) {
                            aura_json_key(&x, in, len);
                            aura_json_key_full(&y, in, len);
                        } else {
                            aura_json_string(&x, in, len);
                            aura_json_string_full(&y, in, len);
                        }
                        cases++;
                        if ((x.len != y.len || memcmp(x.data, y.data, x.len + 1) != 0) && !bad++)
                            printf("# %s of %zu bytes, 0x%02x at %zu, after %zu: %s, full: %s\n",
                                   key ? "key" : "string", len, pos < len ? specials[k] : 0, pos, fill, x.data + fill,
                                   y.data + fill);
                        aura_buf_free(&x);
                        aura_buf_free(&y);
                    }
    CHECK_INT(bad, 0, "inline strings and keys == the _full functions (%d cases)", cases);
}

static void test_random_bytes(void) {
    struct aura_buf b = AURA_BUF_INIT, b2 = AURA_BUF_INIT;
    unsigned seed = 20261125;
    int bad_parse = 0, bad_utf8 = 0, not_stable = 0, valid_changed = 0;
    const int n = 20000;
    for (int i = 0; i < n; i++) {
        unsigned char in[96];
        size_t len = (size_t)(rand_r(&seed) % sizeof(in));
        int mode = rand_r(&seed) % 3;
        for (size_t k = 0; k < len; k++) {
            unsigned r = (unsigned)rand_r(&seed);
            if (mode == 0) /* anything */
                in[k] = (unsigned char)r;
            else if (mode == 1) /* mostly lead and continuation bytes */
                in[k] = (unsigned char)(r % 4 ? 0x80 | (r >> 8) % 0x80 : r >> 8);
            else /* mostly text */
                in[k] = (unsigned char)(r % 8 ? ' ' + (r >> 8) % 95 : r >> 8);
        }
        aura_buf_reset(&b);
        aura_json_string(&b, (const char *)in, len);
        if (!utf8_valid((const unsigned char *)b.data, b.len))
            bad_utf8++;
        struct json_object *o = parse_strict(b.data, b.len);
        if (!o || !json_object_is_type(o, json_type_string)) {
            if (!bad_parse++)
                printf("# not parsed: %s\n", b.data);
            json_object_put(o);
            continue;
        }
        aura_buf_reset(&b2);
        aura_json_string(&b2, json_object_get_string(o), (size_t)json_object_get_string_len(o));
        if (b2.len != b.len || memcmp(b2.data, b.data, b.len) != 0)
            not_stable++;
        if (utf8_valid(in, len) && ((size_t)json_object_get_string_len(o) != len ||
                                    memcmp(json_object_get_string(o), in, len) != 0))
            valid_changed++;
        json_object_put(o);
    }
    CHECK_INT(bad_parse, 0, "%d random strings: all parse as strict JSON strings", n);
    CHECK_INT(bad_utf8, 0, "%d random strings: all outputs are valid UTF-8", n);
    CHECK_INT(not_stable, 0, "%d random strings: re-encoding the value read back is stable", n);
    CHECK_INT(valid_changed, 0, "%d random strings: valid UTF-8 input comes back unchanged", n);
    aura_buf_free(&b);
    aura_buf_free(&b2);
}

static void test_large_and_appending(void) {
    struct aura_buf b = AURA_BUF_INIT;
    aura_buf_puts(&b, "prefix:");
    /* 100 KiB of control bytes: six output bytes each, several regrowths */
    size_t n = 100 * 1024;
    char *in = malloc(n);
    for (size_t i = 0; i < n; i++)
        in[i] = (char)(i % 3 == 0 ? 0x01 : i % 3 == 1 ? 'a' : 0xff);
    aura_json_string(&b, in, n);
    CHECK(strncmp(b.data, "prefix:\"\\u0001a" FFFD "\\u0001", 22) == 0, "appends after existing content");
    size_t want = 7 + 2 + (n / 3 + 1) * 6 + (n / 3) * 1 + (n / 3) * 3;
    CHECK_INT(b.len, want, "large escaped string: length");
    CHECK_INT(strlen(b.data), b.len, "NUL-terminated, no NUL inside");
    struct json_object *o = parse_strict(b.data + 7, b.len - 7);
    CHECK(o != NULL, "large escaped string parses");
    json_object_put(o);
    free(in);

    aura_buf_reset(&b);
    aura_json_cstring(&b, "x\ty");
    aura_buf_putc(&b, ',');
    aura_json_cstring(&b, NULL);
    CHECK_STR(b.data, "\"x\\ty\",null", "cstring and NULL cstring");
    aura_buf_free(&b);
}

/* ---- numbers and json-c values ----------------------------------------- */

/* aura_json_int(v) is printf's "%" PRId64; the first mismatch is shown */
static void int_against_printf(struct aura_buf *b, int64_t v, int *bad) {
    char want[32];
    snprintf(want, sizeof(want), "%" PRId64, v);
    aura_buf_reset(b);
    aura_json_int(b, v);
    if ((strcmp(b->data, want) != 0 || b->len != strlen(want)) && !(*bad)++)
        printf("# %" PRId64 ": got %s\n", v, b->data);
}

static void test_numbers(void) {
    static const struct {
        int64_t v;
        const char *want;
    } t[] = {
        {0, "0"}, {7, "7"}, {-1, "-1"}, {1234567890123, "1234567890123"},
        {INT64_MAX, "9223372036854775807"}, {INT64_MIN, "-9223372036854775808"},
    };
    struct aura_buf b = AURA_BUF_INIT;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        aura_buf_reset(&b);
        aura_json_int(&b, t[i].v);
        CHECK_STR(b.data, t[i].want, "int %" PRId64, t[i].v);
    }
    /* against printf: every value up to 100,000 and its negation, and each
     * power of ten and its neighbours */
    int bad = 0;
    for (int64_t v = -100000; v <= 100000; v++)
        int_against_printf(&b, v, &bad);
    for (int64_t p10 = 1; p10 <= INT64_MAX / 10; p10 *= 10)
        for (int64_t d = -1; d <= 1; d++)
            for (int sign = -1; sign <= 1; sign += 2)
                int_against_printf(&b, sign * (p10 * 10 + d), &bad);
    CHECK_INT(bad, 0, "ints: the same text as printf");
    aura_buf_reset(&b);
    aura_json_bool(&b, true);
    aura_json_bool(&b, false);
    CHECK_STR(b.data, "truefalse", "bools");
    aura_buf_free(&b);
}

static void test_values(void) {
    static const struct {
        const char *in;   /* JSON text parsed by json-c */
        const char *want; /* exact output */
    } t[] = {
        {"null", "null"},
        {"true", "true"},
        {"false", "false"},
        {"42", "42"},
        {"-9223372036854775808", "-9223372036854775808"},
        {"18446744073709551615", "18446744073709551615"},
        {"1.5", "1.5"},
        {"0.1", "0.1"},
        {"1e300", "1e+300"},
        {"\"a\\u0000b\\n\"", "\"a\\u0000b\\n\""},
        {"[]", "[]"},
        {"{}", "{}"},
        {"[1,\"two\",[3],{\"four\":4}]", "[1,\"two\",[3],{\"four\":4}]"},
        {"{\"a\":{\"b\":[true,null]},\"c\":\"\\\"q\\\"\"}", "{\"a\":{\"b\":[true,null]},\"c\":\"\\\"q\\\"\"}"},
        {"{\"k\\u0001\":1}", "{\"k\\u0001\":1}"},
    };
    struct aura_buf b = AURA_BUF_INIT;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct json_object *o = json_tokener_parse(t[i].in);
        aura_buf_reset(&b);
        aura_json_value(&b, o);
        CHECK_STR(b.data, t[i].want, "value %s", t[i].in);
        /* in an array, so that json-c knows where a bare number ends and null is a value */
        char wrapped[256];
        int wn = snprintf(wrapped, sizeof(wrapped), "[%s]", b.data);
        struct json_object *back = parse_strict(wrapped, (size_t)wn);
        CHECK(back && json_object_array_length(back) == 1 && json_object_equal(o, json_object_array_get_idx(back, 0)),
              "value %s: json-c reads back an equal value", t[i].in);
        json_object_put(back);
        json_object_put(o);
    }

    /* what json-c builds but cannot write as JSON: non-finite doubles, invalid UTF-8 */
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "nan", json_object_new_double(NAN));
    json_object_object_add(o, "inf", json_object_new_double(-INFINITY));
    json_object_object_add(o, "one", json_object_new_double(1.0));
    json_object_object_add(o, "bad", json_object_new_string_len("\xff\xc3(\0", 4));
    json_object_object_add(o, "\xc0key", json_object_new_int(1));
    aura_buf_reset(&b);
    aura_json_value(&b, o);
    CHECK_STR(b.data,
              "{\"nan\":null,\"inf\":null,\"one\":1.0,\"bad\":\"" FFFD FFFD "(\\u0000\",\"" FFFD "key\":1}",
              "non-finite doubles -> null, strings and keys repaired");
    struct json_object *back = parse_strict(b.data, b.len);
    CHECK(back != NULL, "repaired value parses strictly");
    json_object_put(back);
    json_object_put(o);

    aura_buf_reset(&b);
    aura_json_value(&b, NULL);
    CHECK_STR(b.data, "null", "NULL -> null");

    /* a deeper nesting than anyone logs is cut with null, not a stack overflow */
    struct json_object *deep = json_object_new_array();
    for (int i = 0; i < 1000; i++) {
        struct json_object *outer = json_object_new_array();
        json_object_array_add(outer, deep);
        deep = outer;
    }
    aura_buf_reset(&b);
    aura_json_value(&b, deep);
    back = parse_strict(b.data, b.len);
    CHECK(b.len > 0 && strstr(b.data, "null") != NULL, "depth 1000: cut with null");
    CHECK(back != NULL, "depth 1000: the output parses with json-c's default depth");
    {
        size_t depth = 0, max_depth = 0;
        for (size_t i = 0; i < b.len; i++) {
            if (b.data[i] == '[' && ++depth > max_depth)
                max_depth = depth;
            else if (b.data[i] == ']')
                depth--;
        }
        CHECK(max_depth <= 21, "depth 1000: written at most 21 levels deep (got %zu), room for a request body",
              max_depth);
    }
    json_object_put(back);
    json_object_put(deep);
    aura_buf_free(&b);
}

/* ---- UTF-8 cut ---------------------------------------------------------- */

static void test_utf8_cut(void) {
    static const struct {
        const char *s;
        size_t max;
        size_t want;
    } t[] = {
        {"abc", 5, 3},
        {"abc", 3, 3},
        {"abcdef", 3, 3},
        {"abc", 0, 0},
        {"a\xc3\xa9", 1, 1},
        {"a\xc3\xa9", 2, 1},
        {"a\xc3\xa9", 3, 3},
        {"a\xe2\x82\xac" "b", 2, 1},
        {"a\xe2\x82\xac" "b", 3, 1},
        {"a\xe2\x82\xac" "b", 4, 4},
        {"\xf0\x9f\x98\x80", 1, 0},
        {"\xf0\x9f\x98\x80", 2, 0},
        {"\xf0\x9f\x98\x80", 3, 0},
        {"\xf0\x9f\x98\x80" "x", 4, 4},
        {"\x80\x80\x80\x80\x80", 2, 2}, /* stray continuations: nothing to keep whole */
        {"\xc3\xa9\xa9\xa9", 3, 3},     /* cut inside stray continuations after a complete é */
        {"\xe2\x82" "A", 2, 2},         /* ill-formed, already complete before the cut */
        {"\xe2\x82\x82", 1, 0},
        {"\xe2\x82\x82", 2, 0},
        {"\xff\x80\x80", 2, 2},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        CHECK_INT(aura_utf8_cut(t[i].s, strlen(t[i].s), t[i].max), t[i].want, "utf8_cut case %zu (max %zu)", i,
                  t[i].max);

    /* property: a valid string cut anywhere stays valid and loses less than one character */
    static const char text[] = "h\xc3\xa9llo \xe2\x82\xac w\xf0\x9f\x98\x80rld \xe4\xb8\xad\xe6\x96\x87 end";
    size_t len = sizeof(text) - 1;
    int bad = 0;
    for (size_t max = 0; max <= len + 1; max++) {
        size_t cut = aura_utf8_cut(text, len, max);
        if (cut > max || cut > len || max - cut > 3 * (max <= len) + (max > len ? max - len : 0) ||
            !utf8_valid((const unsigned char *)text, cut))
            bad++;
    }
    CHECK_INT(bad, 0, "cutting a valid string at every length keeps it valid");
}

/* ---- time --------------------------------------------------------------- */

static void test_time(void) {
    static const struct {
        int64_t us;
        const char *want;
    } t[] = {
        {0, "1970-01-01T00:00:00.000000Z"},
        {1, "1970-01-01T00:00:00.000001Z"},
        {999999, "1970-01-01T00:00:00.999999Z"},
        {1000000, "1970-01-01T00:00:01.000000Z"},
        {-1, "1970-01-01T00:00:00.000000Z"}, /* before the epoch: clamped */
        {INT64_MIN, "1970-01-01T00:00:00.000000Z"},
        {946684799999999, "1999-12-31T23:59:59.999999Z"},
        {951782400000000, "2000-02-29T00:00:00.000000Z"},
        {1709210096123456, "2024-02-29T12:34:56.123456Z"},
        {1798761599999999, "2026-12-31T23:59:59.999999Z"},
        {1798761600000000, "2027-01-01T00:00:00.000000Z"},
        {1798761599000001, "2026-12-31T23:59:59.000001Z"}, /* back to a second seen before */
        {4107542399000000, "2100-02-28T23:59:59.000000Z"},
        {4107542400000000, "2100-03-01T00:00:00.000000Z"}, /* 2100 is not a leap year */
        {2147483648000000, "2038-01-19T03:14:08.000000Z"},
        {253402300799999999, "9999-12-31T23:59:59.999999Z"},
        {INT64_MAX, "9999-12-31T23:59:59.999999Z"}, /* clamped */
    };
    char out[28];
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        aura_json_format_time(out, t[i].us);
        CHECK_STR(out, t[i].want, "time %" PRId64, t[i].us);
    }

    /* against gmtime_r, at random times, jumping around (defeats the cache) */
    unsigned seed = 42;
    int bad = 0;
    for (int i = 0; i < 20000; i++) {
        int64_t us = ((int64_t)rand_r(&seed) << 24 ^ rand_r(&seed)) % INT64_C(4102444800000000);
        if (us < 0)
            us = -us;
        if (i % 2)
            us = 1764072000000000 + (int64_t)(rand_r(&seed) % 5000000); /* around one second */
        time_t sec = (time_t)(us / 1000000);
        struct tm tm;
        gmtime_r(&sec, &tm);
        char want[96];
        snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(us % 1000000));
        aura_json_format_time(out, us);
        if (strcmp(out, want) != 0 && !bad++)
            printf("# %" PRId64 ": got %s, want %s\n", us, out, want);
    }
    CHECK_INT(bad, 0, "20000 random times agree with gmtime_r");
}

int main(void) {
    test_string_table();
    test_every_ascii_byte();
    test_short_strings();
    test_inline_vs_full();
    test_random_bytes();
    test_large_and_appending();
    test_numbers();
    test_values();
    test_utf8_cut();
    test_time();
    return tap_done();
}
