#include "json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "plainrun.h"

/* ---- strings ------------------------------------------------------------
 *
 * The hot path.  Runs of bytes that need no work (printable ASCII other than
 * '"' and '\\') are found sixteen (SSE2: every x86-64) or eight at a time
 * and copied with one store; escapes
 * and multi-byte sequences are handled one at a time.  Invalid UTF-8 is
 * replaced as Unicode's "substitution of maximal subparts" recommends: each
 * maximal prefix of a well-formed sequence that cannot be completed, and
 * each byte that cannot start one, becomes one U+FFFD.  U+2028/U+2029 are
 * valid JSON and are left as they are (the output is read by an API, not
 * pasted into JavaScript source); DEL (0x7F) likewise. */

/* 1 for bytes copied as they are */
static const unsigned char plain[256] = {
#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
    R16(0), R16(0),                                                 /* 0x00-0x1f: escaped */
    1,      1,      0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,        /* 0x20-0x2f: '"' escaped */
    R16(1), R16(1),                                                 /* 0x30-0x4f */
    1,      1,      1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,        /* 0x50-0x5f: '\\' escaped */
    R16(1), R16(1),                                                 /* 0x60-0x7f */
    /* 0x80-0xff: zero, UTF-8 handled apart */
#undef R16
};

static const char hexdigits[] = "0123456789abcdef";

/* Copy s[0..len) (len <= 16) to o when every byte is plain: true; else
 * false, with o's bytes undefined.  Two overlapping words cover the whole
 * string (keys and short values: most strings of an entry), no loop. */
static inline bool copy_short_plain(char *o, const unsigned char *s, size_t len) {
    if (len >= 4)
        return aura_json_copy_plain_4_16(o, (const char *)s, len);
    for (size_t i = 0; i < len; i++) {
        if (!plain[s[i]])
            return false;
        o[i] = (char)s[i];
    }
    return true;
}

/* Length of the well-formed UTF-8 sequence at p[0..n) (p[0] >= 0x80), or the
 * negated length of its maximal ill-formed subpart (at least 1). */
static inline int utf8_sequence(const unsigned char *p, size_t n) {
    unsigned char c = p[0];
    int need;
    unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    if (c >= 0xc2 && c <= 0xdf)
        need = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        if (c == 0xe0)
            lo = 0xa0; /* overlong */
        else if (c == 0xed)
            hi = 0x9f; /* surrogates D800-DFFF */
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        if (c == 0xf0)
            lo = 0x90; /* overlong */
        else if (c == 0xf4)
            hi = 0x8f; /* above U+10FFFF */
    } else
        return -1; /* continuation byte, C0, C1, F5-FF */
    if (n < 2 || p[1] < lo || p[1] > hi)
        return -1;
    for (int i = 2; i < need; i++)
        if ((size_t)i >= n || (p[i] & 0xc0) != 0x80)
            return -i;
    return need;
}

void aura_json_string_full(struct aura_buf *b, const char *str, size_t len) {
    const unsigned char *s = (const unsigned char *)str, *end = s + len;
    /* Invariant at the top of the loop: room for the rest of the input
     * copied as it is, plus 7 (one escape or sequence and the closing
     * quote).  Plain bytes then need no check; anything longer than its
     * input (an escape, a U+FFFD) re-establishes it. */
    aura_buf_reserve(b, len + 8);
    char *o = b->data + b->len;
    char *oend = b->data + b->cap - 1; /* keep one byte for the NUL */
    *o++ = '"';
    if (len <= 16 && copy_short_plain(o, s, len)) {
        o += len;
        s = end;
    }

    while (s < end) {
        {
            const char *cs = (const char *)s;
            bool hit = aura_plain_run16(&cs, (const char *)end, &o, true);
            s = (const unsigned char *)cs;
            if (hit)
                goto special;
        }
        /* run of plain bytes, eight at a time (stored whole: the invariant
         * leaves room), up to the first byte that needs work: the lowest
         * flagged byte of aura_json_word_needs_work() is exact (no borrow reaches it);
         * then one at a time (the last < 8 bytes, or big-endian) */
        while ((size_t)(end - s) >= 8) {
            uint64_t w, m;
            memcpy(&w, s, 8);
            memcpy(o, &w, 8);
            if ((m = aura_json_word_needs_work(w))) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                size_t k = (size_t)__builtin_ctzll(m) >> 3;
                o += k;
                s += k;
#endif
                break;
            }
            o += 8;
            s += 8;
        }
        while (s < end && plain[*s])
            *o++ = (char)*s++;
        if (s >= end)
            break;
    special:;
        unsigned char c = *s;
        if (c < 0x80) {
            *o++ = '\\';
            switch (c) {
            case '"': *o++ = '"'; break;
            case '\\': *o++ = '\\'; break;
            case '\b': *o++ = 'b'; break;
            case '\f': *o++ = 'f'; break;
            case '\n': *o++ = 'n'; break;
            case '\r': *o++ = 'r'; break;
            case '\t': *o++ = 't'; break;
            default:
                *o++ = 'u';
                *o++ = '0';
                *o++ = '0';
                *o++ = hexdigits[c >> 4];
                *o++ = hexdigits[c & 0xf];
            }
            s++;
        } else {
            int k = utf8_sequence(s, (size_t)(end - s));
            if (k > 0) {
                memcpy(o, s, (size_t)k);
                o += k;
                s += k;
                continue; /* as long as its input: the invariant holds */
            }
            *o++ = (char)0xef; /* U+FFFD */
            *o++ = (char)0xbf;
            *o++ = (char)0xbd;
            s += -k;
        }
        if ((size_t)(oend - o) < (size_t)(end - s) + 7) {
            size_t used = (size_t)(o - b->data);
            b->len = used;
            aura_buf_reserve(b, (size_t)(end - s) * 2 + 16);
            o = b->data + used;
            oend = b->data + b->cap - 1;
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
}

void aura_json_cstring(struct aura_buf *b, const char *s) {
    if (!s) {
        aura_buf_append(b, "null", 4);
        return;
    }
    aura_json_string(b, s, strlen(s));
}

void aura_json_key_full(struct aura_buf *b, const char *key, size_t len) {
    if (len <= 16) {
        aura_buf_reserve(b, len + 3);
        char *o = b->data + b->len;
        if (copy_short_plain(o + 1, (const unsigned char *)key, len)) {
            o[0] = '"';
            o[len + 1] = '"';
            o[len + 2] = ':';
            o[len + 3] = '\0';
            b->len += len + 3;
            return;
        }
    }
    aura_json_string(b, key, len); /* nothing was committed to b->len yet */
    aura_buf_putc(b, ':');
}

/* "00" "01" ... "99" */
static const char digit_pairs[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                     "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                     "8081828384858687888990919293949596979899";

void aura_json_int(struct aura_buf *b, int64_t v) {
    char tmp[24], *p = tmp + sizeof(tmp);
    uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
    /* two digits per division */
    while (u >= 100) {
        unsigned r = (unsigned)(u % 100);
        u /= 100;
        p -= 2;
        memcpy(p, digit_pairs + 2 * r, 2);
    }
    if (u >= 10) {
        p -= 2;
        memcpy(p, digit_pairs + 2 * u, 2);
    } else {
        *--p = (char)('0' + u);
    }
    if (v < 0)
        *--p = '-';
    aura_buf_append(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

void aura_json_bool(struct aura_buf *b, bool v) {
    if (v)
        aura_buf_append(b, "true", 4);
    else
        aura_buf_append(b, "false", 5);
}

static void json_double(struct aura_buf *b, double d) {
    if (!isfinite(d)) {
        aura_buf_append(b, "null", 4);
        return;
    }
    char tmp[40];
    /* shortest of %.15g and %.17g that reads back as the same value */
    snprintf(tmp, sizeof(tmp), "%.15g", d);
    if (strtod(tmp, NULL) != d)
        snprintf(tmp, sizeof(tmp), "%.17g", d);
    size_t n = strlen(tmp);
    bool has_frac = false;
    for (size_t i = 0; i < n; i++) {
        if (tmp[i] == ',') /* a locale's decimal comma */
            tmp[i] = '.';
        if (tmp[i] == '.' || tmp[i] == 'e')
            has_frac = true;
    }
    aura_buf_append(b, tmp, n);
    if (!has_frac) /* keep it a double for the reader: 1.0, not 1 */
        aura_buf_append(b, ".0", 2);
}

/* Deeper values are written as null.  A metadata value sits 4 levels deep in
 * a request body ({"logs":[{"metadata":{"k":...), so 20 keeps every request
 * within the 32 levels json-c (and many servers) parse by default. */
#define JSON_MAX_DEPTH 20

static void json_value(struct aura_buf *b, struct json_object *o, int depth) {
    if (!o || depth > JSON_MAX_DEPTH) {
        aura_buf_append(b, "null", 4);
        return;
    }
    switch (json_object_get_type(o)) {
    case json_type_null:
        aura_buf_append(b, "null", 4);
        break;
    case json_type_boolean:
        aura_json_bool(b, json_object_get_boolean(o));
        break;
    case json_type_int: {
        int64_t v = json_object_get_int64(o);
        if (v == INT64_MAX) { /* may be a larger unsigned value */
            char tmp[24];
            snprintf(tmp, sizeof(tmp), "%" PRIu64, json_object_get_uint64(o));
            aura_buf_puts(b, tmp);
        } else
            aura_json_int(b, v);
        break;
    }
    case json_type_double:
        json_double(b, json_object_get_double(o));
        break;
    case json_type_string:
        aura_json_string(b, json_object_get_string(o), (size_t)json_object_get_string_len(o));
        break;
    case json_type_array: {
        size_t n = json_object_array_length(o);
        aura_buf_putc(b, '[');
        for (size_t i = 0; i < n; i++) {
            if (i)
                aura_buf_putc(b, ',');
            json_value(b, json_object_array_get_idx(o, i), depth + 1);
        }
        aura_buf_putc(b, ']');
        break;
    }
    case json_type_object: {
        bool first = true;
        aura_buf_putc(b, '{');
        json_object_object_foreach(o, key, val) {
            if (!first)
                aura_buf_putc(b, ',');
            first = false;
            aura_json_cstring(b, key);
            aura_buf_putc(b, ':');
            json_value(b, val, depth + 1);
        }
        aura_buf_putc(b, '}');
        break;
    }
    default:
        aura_buf_append(b, "null", 4);
    }
}

void aura_json_value(struct aura_buf *b, struct json_object *o) {
    json_value(b, o, 0);
}

/* ---- UTF-8 cut ---------------------------------------------------------- */

size_t aura_utf8_cut(const char *str, size_t len, size_t max) {
    const unsigned char *s = (const unsigned char *)str;
    if (len <= max)
        return len;
    if ((s[max] & 0xc0) != 0x80)
        return max; /* s[max] starts a character: the cut is between two */
    /* s[max] continues something: find its lead byte, at most 3 back */
    for (size_t back = 1; back <= 3 && back <= max; back++) {
        size_t j = max - back;
        if ((s[j] & 0xc0) == 0x80)
            continue;
        int k = s[j] >= 0x80 ? utf8_sequence(s + j, len - j) : 1;
        if (k > 0 && j + (size_t)k > max)
            return j; /* a well-formed sequence straddles the cut: keep it whole */
        if (k < 0 && j + (size_t)(-k) > max)
            return j; /* so does an ill-formed one: it becomes one U+FFFD, cut before it */
        return max;
    }
    return max; /* stray continuation bytes: no sequence to split */
}

/* ---- time --------------------------------------------------------------- */

/* Civil date of a day count since 1970-01-01 (proleptic Gregorian), by
 * eras of 400 years as in Howard Hinnant's date algorithms. */
static void civil_from_days(int64_t z, int *year, unsigned *month, unsigned *day) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);                            /* [0, 146096] */
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;   /* [0, 399] */
    int64_t y = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                 /* [0, 365] */
    unsigned mp = (5 * doy + 2) / 153;                                      /* [0, 11] */
    *day = doy - (153 * mp + 2) / 5 + 1;
    *month = mp < 10 ? mp + 3 : mp - 9;
    *year = (int)(y + (*month <= 2));
}

static inline void put2(char *p, unsigned v) {
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

/* 9999-12-31T23:59:59.999999Z */
#define TIME_MAX_US INT64_C(253402300799999999)

void aura_json_format_time(char out[static 28], int64_t realtime_us) {
    /* The date changes once a day and the time of day once a second;
     * entries come in time order, so the last day's text (and mostly the
     * last second's) is what we need. */
    static __thread int64_t cached_sec = INT64_MIN, cached_day = INT64_MIN;
    static __thread char cached[20];

    /* Times before the epoch are not times a log was written: clamp them to
     * the epoch, and the far future to the last RFC 3339 instant. */
    if (realtime_us < 0)
        realtime_us = 0;
    if (realtime_us > TIME_MAX_US)
        realtime_us = TIME_MAX_US;
    int64_t sec = realtime_us / 1000000;
    unsigned us = (unsigned)(realtime_us % 1000000);

    if (sec != cached_sec) {
        int64_t day = sec / 86400;
        unsigned sod = (unsigned)(sec % 86400);
        if (day != cached_day) {
            int year;
            unsigned month, mday;
            civil_from_days(day, &year, &month, &mday);
            put2(cached, (unsigned)year / 100);
            put2(cached + 2, (unsigned)year % 100);
            cached[4] = '-';
            put2(cached + 5, month);
            cached[7] = '-';
            put2(cached + 8, mday);
            cached[10] = 'T';
            cached[13] = ':';
            cached[16] = ':';
            cached[19] = '.';
            cached_day = day;
        }
        put2(cached + 11, sod / 3600);
        put2(cached + 14, sod / 60 % 60);
        put2(cached + 17, sod % 60);
        cached_sec = sec;
    }
    memcpy(out, cached, 20);
    for (int i = 25; i >= 20; i--) {
        out[i] = (char)('0' + us % 10);
        us /= 10;
    }
    out[26] = 'Z';
    out[27] = '\0';
}
