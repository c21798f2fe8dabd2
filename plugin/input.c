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
}

/* exactly n digits */
static int digits(const char *s, size_t n, int *out) {
    uint64_t v;
    if (aura_parse_digits(s, n, n, &v) < 0)
        return -EINVAL;
    *out = (int)v;
    return 0;
}

int omp_input_parse_time(const char *s, size_t len, int64_t *ret) {
    int year, mon, day, hour, min, sec, off = 0;
    int64_t frac_us = 0;
    size_t i;

    /* 2026-11-25T12:00:00 is 19 characters */
    if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' ||
        s[16] != ':')
        return -EINVAL;
    if (digits(s, 4, &year) < 0 || digits(s + 5, 2, &mon) < 0 || digits(s + 8, 2, &day) < 0 ||
        digits(s + 11, 2, &hour) < 0 || digits(s + 14, 2, &min) < 0 || digits(s + 17, 2, &sec) < 0)
        return -EINVAL;
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
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

    struct tm tm = {.tm_year = year - 1900, .tm_mon = mon - 1, .tm_mday = day, .tm_hour = hour, .tm_min = min,
                    .tm_sec = sec};
    time_t t = timegm(&tm);
    *ret = ((int64_t)t - off) * 1000000 + frac_us;
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

/* A string member that carries a value: present, a string, not "" or "-". */
static const char *member_str(struct json_object *root, const char *key, size_t *len) {
    struct json_object *v;
    if (!json_object_object_get_ex(root, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    *len = (size_t)json_object_get_string_len(v);
    const char *s = json_object_get_string(v);
    if (*len == 0 || (*len == 1 && s[0] == '-'))
        return NULL;
    return s;
}

/* severity / facility given as a number or a keyword; -1 when absent or invalid */
static int member_code(struct json_object *root, const char *key, int (*from_name)(const char *)) {
    struct json_object *v;
    if (!json_object_object_get_ex(root, key, &v))
        return -1;
    if (json_object_is_type(v, json_type_int))
        return (int)json_object_get_int64(v);
    if (!json_object_is_type(v, json_type_string))
        return -1;
    return from_name(json_object_get_string(v));
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

static void add_severity(struct aura_entry *e, int sev) {
    const char *name = aura_severity_name(sev);
    e->level = aura_level_from_severity(sev);
    if (name)
        aura_entry_add_cstr(e, "severity", name);
}

static void add_facility(struct aura_entry *e, int fac) {
    const char *name = aura_facility_name(fac);
    if (name)
        aura_entry_add_cstr(e, "facility", name);
}

static void parse_object(struct omp_input *in, struct json_object *root, int64_t now_us, struct aura_entry *e) {
    const char *s;
    size_t len;
    struct json_object *v;

    e->time_us = now_us;
    if ((s = member_str(root, "time", &len)))
        (void)omp_input_parse_time(s, len, &e->time_us);

    if (json_object_object_get_ex(root, "msg", &v) && json_object_is_type(v, json_type_string)) {
        e->message = json_object_get_string(v);
        e->message_len = (size_t)json_object_get_string_len(v);
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

    if ((s = member_str(root, "fromhost_ip", &len)))
        e->relayed = omp_input_is_remote_ip(s, len);

    if ((s = member_str(root, "host", &len)))
        aura_entry_add_str(e, "host", s, len);
    if ((s = member_str(root, "app", &len)))
        aura_entry_add_str(e, "program", s, len);
    if (json_object_object_get_ex(root, "procid", &v)) {
        if (json_object_is_type(v, json_type_int)) {
            aura_entry_add_int(e, "pid", json_object_get_int64(v));
        } else if ((s = member_str(root, "procid", &len))) {
            uint64_t pid;
            if (aura_parse_digits(s, len, 18, &pid) == 0)
                aura_entry_add_int(e, "pid", (int64_t)pid);
        }
    }
    add_facility(e, member_code(root, "facility", aura_facility_from_name));
    add_severity(e, member_code(root, "severity", aura_severity_from_name));
    if ((s = member_str(root, "msgid", &len)))
        aura_entry_add_str(e, "msgid", s, len);
    if ((s = member_str(root, "sd", &len))) {
        if (omp_sd_parse(s, len, &in->sd) == 0 && in->sd) {
            aura_entry_add_json(e, "structured_data", in->sd);
            e->trace_id = omp_sd_trace_id(in->sd, &e->trace_id_len);
        } else {
            aura_entry_add_str(e, "structured_data_raw", s, len);
        }
    }
    aura_entry_add_cstr(e, "source", "rsyslog");

    if (json_object_object_get_ex(root, "fields", &v) && json_object_is_type(v, json_type_object)) {
        json_object_object_foreach(v, key, val) {
            /* mmjsonparse stores a message that is not JSON as $!msg: not news */
            if (strcmp(key, "msg") == 0 && json_object_is_type(val, json_type_string) && is_message(e, val))
                continue;
            add_json_value(e, key, val);
        }
    }
}

static void parse_raw(const char *line, size_t len, int64_t now_us, struct aura_entry *e) {
    e->time_us = now_us;
    e->level = AURA_LEVEL_INFO;
    if (len >= 3 && line[0] == '<') {
        const char *end = memchr(line + 1, '>', len - 1 < 4 ? len - 1 : 4); /* "<PRI>", PRI 1-3 digits */
        size_t i = end ? (size_t)(end - line) : 0;
        uint64_t pri;
        if (end && aura_parse_digits(line + 1, i - 1, 3, &pri) == 0 && pri <= 191) {
            add_facility(e, (int)(pri >> 3));
            add_severity(e, (int)(pri & 7));
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
    if (len > 0 && line[len - 1] == '\n')
        len--;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i < len && (line[i] == '{' || line[i] == '[')) {
        struct json_object *root = NULL;
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
        parse_raw(line, len, now_us, e);
        return OMP_INPUT_BAD_JSON;
    }
    parse_raw(line, len, now_us, e);
    return OMP_INPUT_RAW;
}
