#include "input.h"

#include <errno.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "entry.h"
#include "level.h"
#include "log.h"
#include "number.h"
#include "plainrun.h"
#include "sd.h"

void omp_input_init(struct omp_input *in) {
    memset(in, 0, sizeof(*in));
    in->tok = json_tokener_new();
    if (!in->tok) { /* json-c only fails on OOM: same policy as aura_malloc */
        aura_log(AURA_LOG_ERR, "out of memory, aborting");
        abort();
    }
}

static void input_release(struct omp_input *in) {
    json_object_put(in->root);
    json_object_put(in->sd);
    in->root = NULL;
    in->sd = NULL;
}

void omp_input_free(struct omp_input *in) {
    input_release(in);
    if (in->tok)
        json_tokener_free(in->tok);
    in->tok = NULL;
    free(in->flat);
    in->flat = NULL;
    in->flat_cap = 0;
}

/* exactly n digits (n <= 4: the time's fields) */
static inline int digits(const char *s, size_t n, int *out) {
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d > 9)
            return -EINVAL;
        v = v * 10 + (int)d;
    }
    *out = v;
    return 0;
}

int omp_input_parse_time(const char *s, size_t len, int64_t *ret) {
    /* the date changes once a day: the last one's day number is kept */
    static __thread bool have_date;
    static __thread char last_date[10];
    static __thread int64_t last_days;
    int hour, min, sec, off = 0;
    int64_t days, frac_us = 0;
    size_t i;

    /* 2026-11-25T12:00:00 is 19 characters */
    if (len < 20 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
        return -EINVAL;
    if (have_date && memcmp(s, last_date, 10) == 0) {
        days = last_days;
    } else {
        int year, mon, day;
        if (s[4] != '-' || s[7] != '-' || digits(s, 4, &year) < 0 || digits(s + 5, 2, &mon) < 0 ||
            digits(s + 8, 2, &day) < 0 || mon < 1 || mon > 12 || day < 1 || day > 31)
            return -EINVAL;
        /* days since 1970-01-01 of the proleptic Gregorian date (H.
         * Hinnant's days_from_civil): timegm's result, without its per-call
         * cost (every message has a time).  The time below is linear in
         * day, hour, minute and second, so a leap second or a day past the
         * month's end carries over as with timegm. */
        int64_t y = year - (mon <= 2);
        int64_t era = (y >= 0 ? y : y - 399) / 400;
        int64_t yoe = y - era * 400;
        int64_t doy = (153 * (mon + (mon > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
        memcpy(last_date, s, 10);
        last_days = days;
        have_date = true;
    }
    if (digits(s + 11, 2, &hour) < 0 || digits(s + 14, 2, &min) < 0 || digits(s + 17, 2, &sec) < 0 || hour > 23 ||
        min > 59 || sec > 60)
        return -EINVAL;
    i = 19;
    if (s[i] == '.') {
        int64_t scale = 100000;
        i++;
        if (i >= len || s[i] < '0' || s[i] > '9')
            return -EINVAL;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            frac_us += (s[i] - '0') * scale;
            scale /= 10;
        }
    }
    if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i + 6 == len && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
        int oh, om;
        if (digits(s + i + 1, 2, &oh) < 0 || digits(s + i + 4, 2, &om) < 0 || oh > 23 || om > 59)
            return -EINVAL;
        off = (oh * 60 + om) * 60 * (s[i] == '-' ? -1 : 1);
        i += 6;
    } else {
        return -EINVAL;
    }
    if (i != len)
        return -EINVAL;

    int64_t t = ((days * 24 + hour) * 60 + min) * 60 + sec;
    *ret = (t - off) * 1000000 + frac_us;
    return 0;
}

bool omp_input_is_remote_ip(const char *ip, size_t len) {
    if (len == 0)
        return false;
    if (len >= 4 && memcmp(ip, "127.", 4) == 0)
        return false;
    if (len == 3 && memcmp(ip, "::1", 3) == 0)
        return false;
    if (len >= 11 && strncasecmp(ip, "::ffff:127.", 11) == 0)
        return false;
    return true;
}

static void add_json_value(struct aura_entry *e, const char *key, struct json_object *v) {
    switch (json_object_get_type(v)) {
    case json_type_string:
        aura_entry_add_str(e, key, json_object_get_string(v), (size_t)json_object_get_string_len(v));
        break;
    case json_type_int:
        aura_entry_add_int(e, key, json_object_get_int64(v));
        break;
    case json_type_boolean:
        aura_entry_add_bool(e, key, json_object_get_boolean(v));
        break;
    default:
        aura_entry_add_json(e, key, v);
        break;
    }
}

/* s is the entry's message (the leading space rsyslog keeps optional) */
static bool is_message(const struct aura_entry *e, struct json_object *s) {
    const char *p = json_object_get_string(s);
    size_t n = (size_t)json_object_get_string_len(s);
    if (n > 0 && p[0] == ' ') {
        p++;
        n--;
    }
    return n == e->message_len && memcmp(p, e->message, n) == 0;
}

static void add_severity(struct omp_input *in, struct aura_entry *e, int sev) {
    const char *name = aura_severity_name(sev);
    e->level = aura_level_from_severity(sev);
    if (name) {
        aura_entry_add_cstr(e, "severity", name);
        in->severity = sev;
    }
}

static void add_facility(struct aura_entry *e, int fac) {
    const char *name = aura_facility_name(fac);
    if (name)
        aura_entry_add_cstr(e, "facility", name);
}

/* The template's members, as strings (NULL: absent); the json-c path may
 * also give procid, severity and facility as numbers. */
struct members {
    const char *time, *msg, *fromhost_ip, *host, *app, *procid, *msgid, *sd, *severity, *facility;
    size_t time_len, msg_len, fromhost_ip_len, host_len, app_len, procid_len, msgid_len, sd_len, severity_len,
        facility_len;
    bool msg_set;
    int64_t procid_num; /* -1: none */
    int severity_code, facility_code; /* -2: take the string */
};

/* A value that carries something: not "" or "-". */
static const char *valued(const char *s, size_t *len) {
    if (!s || *len == 0 || (*len == 1 && s[0] == '-'))
        return NULL;
    return s;
}

/* aura_severity_from_name(s) (len = strlen(s)): the template's "0".."7" at once */
static int severity_from_name(const char *s, size_t len) {
    if (len == 1 && s[0] >= '0' && s[0] <= '7')
        return s[0] - '0';
    return aura_severity_from_name(s);
}

/* aura_facility_from_name(s) (len = strlen(s)), remembered for the last
 * keywords seen: a lookup compares the keyword with up to nine names. */
static int facility_from_name(struct omp_input *in, const char *s, size_t len) {
    if (len == 0 || len > sizeof(in->facility_memo[0].text))
        return aura_facility_from_name(s);
    const unsigned char *u = (const unsigned char *)s;
    struct omp_code_memo *c = &in->facility_memo[(len * 7 + u[0] * 3u + u[len - 1]) % OMP_CODE_MEMO];
    if (c->len == len && memcmp(c->text, s, len) == 0)
        return c->code;
    c->code = aura_facility_from_name(s);
    memcpy(c->text, s, len);
    c->len = (unsigned char)len;
    return c->code;
}

static void fill_entry(struct omp_input *in, const struct members *m, int64_t now_us, struct aura_entry *e) {
    const char *s;
    size_t len;

    e->time_us = now_us;
    len = m->time_len;
    if ((s = valued(m->time, &len)))
        (void)omp_input_parse_time(s, len, &e->time_us);

    if (m->msg_set) {
        e->message = m->msg;
        e->message_len = m->msg_len;
        /* rsyslog's msg property of an RFC 3164 message keeps the space after
         * the tag; an RFC 5424 MSG may start with a BOM */
        if (e->message_len > 0 && e->message[0] == ' ') {
            e->message++;
            e->message_len--;
        }
        if (e->message_len >= 3 && memcmp(e->message, "\xEF\xBB\xBF", 3) == 0) {
            e->message += 3;
            e->message_len -= 3;
        }
    } else {
        e->message = "";
        e->message_len = 0;
    }

    len = m->fromhost_ip_len;
    if ((s = valued(m->fromhost_ip, &len)))
        e->relayed = omp_input_is_remote_ip(s, len);

    len = m->host_len;
    if ((s = valued(m->host, &len)))
        aura_entry_add_str(e, "host", s, len);
    len = m->app_len;
    if ((s = valued(m->app, &len)))
        aura_entry_add_str(e, "program", s, len);
    len = m->procid_len;
    if (m->procid_num >= 0) {
        aura_entry_add_int(e, "pid", m->procid_num);
    } else if ((s = valued(m->procid, &len))) {
        uint64_t pid;
        if (aura_parse_digits(s, len, 18, &pid) == 0)
            aura_entry_add_int(e, "pid", (int64_t)pid);
    }
    add_facility(e, m->facility_code != -2 ? m->facility_code
                    : m->facility           ? facility_from_name(in, m->facility, m->facility_len)
                                            : -1);
    add_severity(in, e, m->severity_code != -2 ? m->severity_code
                    : m->severity           ? severity_from_name(m->severity, m->severity_len)
                                            : -1);
    len = m->msgid_len;
    if ((s = valued(m->msgid, &len)))
        aura_entry_add_str(e, "msgid", s, len);
    len = m->sd_len;
    if ((s = valued(m->sd, &len))) {
        if (omp_sd_parse(s, len, &in->sd) == 0 && in->sd) {
            aura_entry_add_json(e, "structured_data", in->sd);
            e->trace_id = omp_sd_trace_id(in->sd, &e->trace_id_len);
        } else {
            aura_entry_add_str(e, "structured_data_raw", s, len);
        }
    }
    aura_entry_add_cstr(e, "source", "rsyslog");
}

static const char *string_member(struct json_object *root, const char *key, size_t *len) {
    struct json_object *v;
    if (!json_object_object_get_ex(root, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    *len = (size_t)json_object_get_string_len(v);
    return json_object_get_string(v);
}

/* severity / facility given as a number (the code) or a keyword (-2: the string) */
static int code_member(struct json_object *root, const char *key, const char **str) {
    struct json_object *v;
    *str = NULL;
    if (!json_object_object_get_ex(root, key, &v))
        return -1;
    if (json_object_is_type(v, json_type_int))
        return (int)json_object_get_int64(v);
    if (!json_object_is_type(v, json_type_string))
        return -1;
    *str = json_object_get_string(v);
    return -2;
}

static void parse_object(struct omp_input *in, struct json_object *root, int64_t now_us, struct aura_entry *e) {
    struct members m = {.procid_num = -1};
    struct json_object *v;

    m.time = string_member(root, "time", &m.time_len);
    m.msg = string_member(root, "msg", &m.msg_len);
    m.msg_set = m.msg != NULL;
    m.fromhost_ip = string_member(root, "fromhost_ip", &m.fromhost_ip_len);
    m.host = string_member(root, "host", &m.host_len);
    m.app = string_member(root, "app", &m.app_len);
    if (json_object_object_get_ex(root, "procid", &v) && json_object_is_type(v, json_type_int))
        m.procid_num = json_object_get_int64(v);
    else
        m.procid = string_member(root, "procid", &m.procid_len);
    m.facility_code = code_member(root, "facility", &m.facility);
    m.severity_code = code_member(root, "severity", &m.severity);
    m.facility_len = m.facility ? strlen(m.facility) : 0;
    m.severity_len = m.severity ? strlen(m.severity) : 0;
    m.msgid = string_member(root, "msgid", &m.msgid_len);
    m.sd = string_member(root, "sd", &m.sd_len);
    fill_entry(in, &m, now_us, e);

    if (json_object_object_get_ex(root, "fields", &v) && json_object_is_type(v, json_type_object)) {
        json_object_object_foreach(v, key, val) {
            /* mmjsonparse stores a message that is not JSON as $!msg: not news */
            if (strcmp(key, "msg") == 0 && json_object_is_type(val, json_type_string) && is_message(e, val))
                continue;
            add_json_value(e, key, val);
        }
    }
}

/* ---- the template's flat object, without json-c ---------------------------- */

static inline const char *skip_ws(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* The next byte after any whitespace, *pp moved past it; -1 at the end.
 * The template writes no whitespace: one compare then. */
static inline int next_byte(const char **pp, const char *end) {
    const char *p = *pp;
    if (p >= end || (unsigned char)*p <= ' ') {
        p = skip_ws(p, end);
        if (p >= end) {
            *pp = p;
            return -1;
        }
    }
    *pp = p + 1;
    return (unsigned char)*p;
}

static int hex4(const char *p) {
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    return v;
}

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
/* The bytes of w that are < 0x20, '"' or '\\' have their high bit set in the
 * result ("has a zero byte" / "has a byte less than n", n <= 128): exact
 * for the first such byte in memory order, later ones may be false
 * positives.  Bytes >= 0x80 (UTF-8) never match. */
static inline uint64_t word_special(uint64_t w) {
    /* the "has a byte less than n" tests of the three share their ~w: a
     * byte's high bit is the same in w, w ^ '"' and w ^ '\\' */
    uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');
    return ((w - ONES * 0x20) | (q - ONES) | (b - ONES)) & ~w & HIGHS;
}

/* The JSON string at *pp (after its opening quote), unescaped into *op,
 * NUL-terminated.  Returns its length, or -1 for anything json-c should
 * judge instead (a raw control character, a bad or surrogate \u escape,
 * no closing quote).  *op has room for the rest of the input from *pp on
 * (unescaping never grows a string, and its terminator takes the place of
 * the closing quote). */
static inline __attribute__((always_inline)) ptrdiff_t flat_string(const char **pp, const char *end, char **op) {
    const char *p = *pp;
    char *o = *op, *start = o;
    for (;;) {
        /* sixteen bytes at a time (lib/plainrun.h; o trails p: the stores
         * stay within the room for the input's rest); UTF-8 passes */
        if (aura_plain_run16(&p, end, &o, false))
            goto special;
        /* eight bytes at a time, the same way, up to the first special
         * byte: the lowest flagged byte of word_special() is exact, so p is
         * at it; then one at a time (the last < 8 bytes, or big-endian).
         * Inlined: 21 strings a line, most of them short. */
        while (end - p >= 8) {
            uint64_t w, m;
            memcpy(&w, p, 8);
            memcpy(o, &w, 8);
            if ((m = word_special(w))) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                size_t k = (size_t)__builtin_ctzll(m) >> 3;
                p += k;
                o += k;
                goto special;
#else
                break;
#endif
            }
            p += 8;
            o += 8;
        }
        while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
            *o++ = *p++;
    special:
        if (p >= end || (unsigned char)*p < 0x20)
            return -1;
        if (*p == '"')
            break;
        if (++p >= end)
            return -1;
        switch (*p++) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            int c = end - p >= 4 ? hex4(p) : -1;
            if (c < 0 || (c >= 0xD800 && c <= 0xDFFF))
                return -1; /* surrogates: json-c's business */
            p += 4;
            if (c < 0x80) {
                *o++ = (char)c;
            } else if (c < 0x800) {
                *o++ = (char)(0xC0 | (c >> 6));
                *o++ = (char)(0x80 | (c & 0x3F));
            } else {
                *o++ = (char)(0xE0 | (c >> 12));
                *o++ = (char)(0x80 | ((c >> 6) & 0x3F));
                *o++ = (char)(0x80 | (c & 0x3F));
            }
            break;
        }
        default:
            return -1;
        }
    }
    *o++ = '\0';
    *pp = p + 1;
    *op = o;
    return o - start - 1;
}

/* An object whose members all have string values, but "fields", which may
 * only be {} (rsyslog's $!all-json without properties): the template's
 * lines.  Fills e and returns true; false: not such an object (e untouched
 * apart from a reset), json-c decides. */
static bool parse_flat(struct omp_input *in, const char *line, size_t len, int64_t now_us, struct aura_entry *e) {
    const char *p = line, *end = line + len;
    struct members m = {.procid_num = -1, .severity_code = -2, .facility_code = -2};
    char *o;

    if (in->no_flat)
        return false;
    /* unescaped values are never longer than the line: room for all of them */
    if (in->flat_cap < len + 1) {
        free(in->flat);
        in->flat_cap = len + 1 > 4096 ? len + 1 : 4096;
        in->flat = aura_malloc(in->flat_cap);
    }
    o = in->flat;
    p = skip_ws(p, end);
    if (p >= end || *p++ != '{')
        return false;
    p = skip_ws(p, end);
    if (p < end && *p == '}') {
        p++;
    } else {
        for (;;) {
            const char *key, *val;
            ptrdiff_t klen, vlen;
            int c;
            if (next_byte(&p, end) != '"')
                return false;
            key = o;
            if ((klen = flat_string(&p, end, &o)) < 0)
                return false;
            if (next_byte(&p, end) != ':')
                return false;
            c = next_byte(&p, end);
            if (c == '{' && klen == 6 && memcmp(key, "fields", 6) == 0) {
                if (next_byte(&p, end) != '}')
                    return false; /* properties: json-c builds them */
            } else {
                if (c != '"')
                    return false;
                val = o;
                if ((vlen = flat_string(&p, end, &o)) < 0)
                    return false;
                /* the last of duplicate members wins, as with json-c */
#define MEMBER(name)                                                                                                   \
    if (klen == (ptrdiff_t)sizeof(#name) - 1 && memcmp(key, #name, sizeof(#name) - 1) == 0) {                          \
        m.name = val;                                                                                                  \
        m.name##_len = (size_t)vlen;                                                                                   \
    } else
                MEMBER(time)
                MEMBER(msg)
                MEMBER(fromhost_ip)
                MEMBER(host)
                MEMBER(app)
                MEMBER(procid)
                MEMBER(msgid)
                MEMBER(sd)
                MEMBER(severity)
                MEMBER(facility)
#undef MEMBER
                if (klen == 6 && memcmp(key, "fields", 6) == 0)
                    return false; /* not an object: json-c's path ignores it, let it */
            }
            c = next_byte(&p, end);
            if (c == ',')
                continue;
            if (c != '}')
                return false;
            break;
        }
    }
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
        p++;
    if (p != end)
        return false;
    m.msg_set = m.msg != NULL;
    if (!m.severity)
        m.severity_code = -1;
    if (!m.facility)
        m.facility_code = -1;
    fill_entry(in, &m, now_us, e);
    return true;
}

static void parse_raw(struct omp_input *in, const char *line, size_t len, int64_t now_us, struct aura_entry *e) {
    e->time_us = now_us;
    e->level = AURA_LEVEL_INFO;
    if (len >= 3 && line[0] == '<') {
        const char *end = memchr(line + 1, '>', len - 1 < 4 ? len - 1 : 4); /* "<PRI>", PRI 1-3 digits */
        size_t i = end ? (size_t)(end - line) : 0;
        uint64_t pri;
        if (end && aura_parse_digits(line + 1, i - 1, 3, &pri) == 0 && pri <= 191) {
            add_facility(e, (int)(pri >> 3));
            add_severity(in, e, (int)(pri & 7));
            line += i + 1;
            len -= i + 1;
        }
    }
    e->message = line;
    e->message_len = len;
    aura_entry_add_cstr(e, "source", "rsyslog");
}

static size_t parse_end(struct json_tokener *tok) {
#if defined(JSON_C_VERSION_NUM) && JSON_C_VERSION_NUM >= ((0 << 16) | (15 << 8))
    return json_tokener_get_parse_end(tok);
#else
    return (size_t)tok->char_offset;
#endif
}

enum omp_input_kind omp_input_parse(struct omp_input *in, const char *line, size_t len, int64_t now_us,
                                      struct aura_entry *e) {
    size_t i = 0;

    input_release(in);
    aura_entry_reset(e);
    in->severity = -1;
    if (len > 0 && line[len - 1] == '\n')
        len--;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i < len && line[i] == '{' && parse_flat(in, line + i, len - i, now_us, e))
        return OMP_INPUT_JSON;
    if (i < len && (line[i] == '{' || line[i] == '[')) {
        struct json_object *root = NULL;
        aura_entry_reset(e); /* parse_flat may have given up half-way */
        in->severity = -1;
        json_tokener_reset(in->tok);
        if (len - i <= (size_t)INT32_MAX)
            root = json_tokener_parse_ex(in->tok, line + i, (int)(len - i));
        if (root && json_tokener_get_error(in->tok) == json_tokener_success) {
            size_t end = i + parse_end(in->tok);
            while (end < len && (line[end] == ' ' || line[end] == '\t' || line[end] == '\r'))
                end++;
            if (end == len && json_object_is_type(root, json_type_object)) {
                in->root = root;
                parse_object(in, root, now_us, e);
                return OMP_INPUT_JSON;
            }
        }
        json_object_put(root);
        parse_raw(in, line, len, now_us, e);
        return OMP_INPUT_BAD_JSON;
    }
    parse_raw(in, line, len, now_us, e);
    return OMP_INPUT_RAW;
}
