#include "content.h"

#include <json-c/json.h>
#include <stddef.h>
#include <string.h>

#include "entry.h"
#include "level.h"
#include "settings.h"

#define OFF(member) offsetof(struct aura_content_settings, member)

static const struct aura_setting rows[] = {
    AURA_SETTING_ROW("content", "levels", AURA_SETTING_BOOL, OFF(levels), "true"),
    AURA_SETTING_ROW("content", "structured", AURA_SETTING_BOOL, OFF(structured), "true"),
    AURA_SETTING_ROW("content", "stack_traces", AURA_SETTING_BOOL, OFF(stack_traces), "true"),
    AURA_SETTING_ROW("content", "multiline_timeout", AURA_SETTING_SECONDS, OFF(multiline_timeout), "1.0"),
    AURA_SETTING_ROW("content", "max_stack_lines", AURA_SETTING_SIZE, OFF(max_stack_lines), "1000", .min = 1),
};

const struct aura_settings_table aura_content_settings_table = {rows, sizeof(rows) / sizeof(rows[0]),
                                                                sizeof(struct aura_content_settings), NULL};

const struct aura_content_settings *aura_content_settings_of(const struct aura_settings *cfg) {
    static const struct aura_content_settings defaults = {true, true, true, 1.0, 1000};
    const struct aura_content_settings *cs = cfg ? aura_settings_values(cfg, &aura_content_settings_table) : NULL;
    return cs ? cs : &defaults;
}

const char *aura_level_from_name(enum aura_level_from from) {
    switch (from) {
    case AURA_FROM_JSON:
        return "json";
    case AURA_FROM_LOGFMT:
        return "logfmt";
    case AURA_FROM_KLOG:
        return "klog";
    case AURA_FROM_PREFIX:
        return "prefix";
    case AURA_FROM_STACK_TRACE:
        return "stack_trace";
    case AURA_FROM_NONE:
        break;
    }
    return NULL;
}

void aura_content_init(struct aura_content *c) {
    memset(c, 0, sizeof(*c));
    c->levels = true;
    c->structured = true;
}

void aura_content_free(struct aura_content *c) {
    if (!c)
        return;
    if (c->root)
        json_object_put(c->root);
    if (c->tok)
        json_tokener_free(c->tok);
    aura_buf_free(&c->arena);
    memset(c, 0, sizeof(*c));
}

static inline char lower(char ch) {
    return (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
}

static inline bool is_alpha(char ch) {
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

static inline bool is_digit(char ch) {
    return ch >= '0' && ch <= '9';
}

/* SPEC §11's words, any case */
/* The lengths (bit n: n bytes) of the level words below that begin with c
 * (lower case): most first words of a message are none of them, told by
 * one jump instead of a pass over the table.  Keep in step with words[]
 * (test_content's test_words looks up every word). */
static unsigned word_lengths(char c) {
    switch (c) {
    case 'a': return 1u << 5; /* alert */
    case 'c': return 1u << 4 | 1u << 8; /* crit, critical */
    case 'd': return 1u << 5; /* debug */
    case 'e': return 1u << 3 | 1u << 5; /* err, error, emerg */
    case 'f': return 1u << 5; /* fatal */
    case 'i': return 1u << 4 | 1u << 11; /* info, information */
    case 'n': return 1u << 6; /* notice */
    case 'p': return 1u << 5; /* panic */
    case 't': return 1u << 5; /* trace */
    case 'w': return 1u << 4 | 1u << 7; /* warn, warning */
    }
    return 0;
}

int aura_content_level_word(const char *s, size_t len) {
#define W(word, level) {word, sizeof(word) - 1, level}
    static const struct {
        const char *word;
        size_t len;
        enum aura_level level;
    } words[] = {
        W("trace", AURA_LEVEL_DEBUG),   W("debug", AURA_LEVEL_DEBUG),    W("info", AURA_LEVEL_INFO),
        W("information", AURA_LEVEL_INFO), W("notice", AURA_LEVEL_INFO), W("warn", AURA_LEVEL_WARN),
        W("warning", AURA_LEVEL_WARN),  W("err", AURA_LEVEL_ERROR),      W("error", AURA_LEVEL_ERROR),
        W("crit", AURA_LEVEL_FATAL),    W("critical", AURA_LEVEL_FATAL), W("fatal", AURA_LEVEL_FATAL),
        W("panic", AURA_LEVEL_FATAL),   W("alert", AURA_LEVEL_FATAL),    W("emerg", AURA_LEVEL_FATAL),
    };
#undef W
    char w[12];
    if (len < 3 || len > sizeof(w))
        return -1;
    /* runs on the first word of most messages: length and first letter
     * before anything else */
    char c = lower(s[0]);
    if (!(word_lengths(c) & (1u << len)))
        return -1;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (words[i].len == len && words[i].word[0] == c) {
            for (size_t j = 0; j < len; j++)
                w[j] = lower(s[j]);
            for (; i < sizeof(words) / sizeof(words[0]); i++)
                if (words[i].len == len && memcmp(words[i].word, w, len) == 0)
                    return (int)words[i].level;
            return -1;
        }
    return -1;
}

/* pino/bunyan: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal */
static int level_number(int64_t n) {
    switch (n) {
    case 10:
    case 20:
        return AURA_LEVEL_DEBUG;
    case 30:
        return AURA_LEVEL_INFO;
    case 40:
        return AURA_LEVEL_WARN;
    case 50:
        return AURA_LEVEL_ERROR;
    case 60:
        return AURA_LEVEL_FATAL;
    }
    return -1;
}

/* missing, invalid, notice or info: what a stream gets by default */
static bool level_open(int severity) {
    return severity < 0 || severity > 7 || severity == 5 || severity == 6;
}

/* Which role a JSON/logfmt key plays; the rank orders keys of one role
 * (lower wins when a message carries several). */
enum role { ROLE_NONE, ROLE_LEVEL, ROLE_MESSAGE, ROLE_TRACE, ROLE_STACK };

static enum role key_role(const char *k, size_t len, int *rank) {
    static const struct {
        const char *key;
        enum role role;
        int rank;
    } keys[] = {
        {"level", ROLE_LEVEL, 0},      {"lvl", ROLE_LEVEL, 1},          {"severity", ROLE_LEVEL, 2},
        {"levelname", ROLE_LEVEL, 3},  {"log.level", ROLE_LEVEL, 4},    {"@l", ROLE_LEVEL, 5},
        {"msg", ROLE_MESSAGE, 0},      {"message", ROLE_MESSAGE, 1},    {"@m", ROLE_MESSAGE, 2},
        {"trace_id", ROLE_TRACE, 0},   {"traceId", ROLE_TRACE, 1},      {"trace.id", ROLE_TRACE, 2},
        {"stack", ROLE_STACK, 0},      {"stacktrace", ROLE_STACK, 1},   {"stack_trace", ROLE_STACK, 2},
        {"exception", ROLE_STACK, 3},  {"error.stack_trace", ROLE_STACK, 4}, {"@x", ROLE_STACK, 5},
    };
    /* cheap reject: every role key starts with one of these */
    switch (k[0]) {
    case 'l':
    case 's':
    case 'm':
    case 't':
    case 'e':
    case '@':
        break;
    default:
        return ROLE_NONE;
    }
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strlen(keys[i].key) == len && memcmp(keys[i].key, k, len) == 0) {
            *rank = keys[i].rank;
            return keys[i].role;
        }
    return ROLE_NONE;
}

static void set_level(struct aura_entry *e, int level, int severity, enum aura_level_from from,
                      enum aura_level_from *ret) {
    if (level < 0 || !level_open(severity))
        return;
    e->level = (enum aura_level)level;
    *ret = from;
}

/* --- 1. JSON -------------------------------------------------------------- */

static int json_level(struct json_object *v) {
    if (json_object_is_type(v, json_type_string))
        return aura_content_level_word(json_object_get_string(v), (size_t)json_object_get_string_len(v));
    if (json_object_is_type(v, json_type_int))
        return level_number(json_object_get_int64(v));
    return -1;
}

/* nested form of an ECS key ("log":{"level":..}) */
static struct json_object *nested(struct json_object *root, const char *parent, const char *child) {
    struct json_object *p, *v;
    if (!json_object_object_get_ex(root, parent, &p) || !json_object_is_type(p, json_type_object))
        return NULL;
    if (!json_object_object_get_ex(p, child, &v))
        return NULL;
    return v;
}

static bool try_json(struct aura_content *c, struct aura_entry *e, int severity, enum aura_level_from *from) {
    const char *s = e->message;
    size_t len = e->message_len;
    while (len && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len < 2 || s[0] != '{' || s[len - 1] != '}' || len > 0x7fffffff)
        return false;
    if (!c->tok) {
        c->tok = json_tokener_new();
        if (!c->tok)
            return false;
    }
    if (c->root) {
        json_object_put(c->root);
        c->root = NULL;
    }
    json_tokener_reset(c->tok);
    struct json_object *root = json_tokener_parse_ex(c->tok, s, (int)len);
    if (!root || json_tokener_get_error(c->tok) != json_tokener_success ||
        json_tokener_get_parse_end(c->tok) != len || !json_object_is_type(root, json_type_object)) {
        if (root)
            json_object_put(root);
        return false;
    }
    c->root = root;

    /* the winning key of each role (lowest rank) */
    struct json_object *best[5] = {0};
    const char *best_key[5] = {0};
    int best_rank[5] = {99, 99, 99, 99, 99};
    json_object_object_foreach(root, k, v) {
        int rank;
        enum role role = key_role(k, strlen(k), &rank);
        if (role == ROLE_NONE || rank >= best_rank[role])
            continue;
        if (role == ROLE_LEVEL && json_level(v) < 0)
            continue; /* "severity":"high": not a level, stays metadata */
        if (role != ROLE_LEVEL && !json_object_is_type(v, json_type_string))
            continue; /* only strings become message/traceId/stackTrace */
        best[role] = v;
        best_key[role] = k;
        best_rank[role] = rank;
    }
    if (!best[ROLE_LEVEL]) {
        struct json_object *nv = nested(root, "log", "level");
        if (nv && json_level(nv) >= 0)
            best[ROLE_LEVEL] = nv;
    }
    if (!best[ROLE_TRACE]) {
        struct json_object *nv = nested(root, "trace", "id");
        if (nv && json_object_is_type(nv, json_type_string))
            best[ROLE_TRACE] = nv;
    }
    if (!best[ROLE_STACK]) {
        struct json_object *nv = nested(root, "error", "stack_trace");
        if (nv && json_object_is_type(nv, json_type_string))
            best[ROLE_STACK] = nv;
    }

    if (best[ROLE_LEVEL] && c->levels)
        set_level(e, json_level(best[ROLE_LEVEL]), severity, AURA_FROM_JSON, from);
    if (*from != AURA_FROM_NONE)
        aura_entry_add_cstr(e, "level_from", aura_level_from_name(*from));
    if (!c->structured)
        return true;
    if (best[ROLE_MESSAGE]) {
        e->message = json_object_get_string(best[ROLE_MESSAGE]);
        e->message_len = (size_t)json_object_get_string_len(best[ROLE_MESSAGE]);
    }
    if (best[ROLE_TRACE] && json_object_get_string_len(best[ROLE_TRACE]) > 0) {
        e->trace_id = json_object_get_string(best[ROLE_TRACE]);
        e->trace_id_len = (size_t)json_object_get_string_len(best[ROLE_TRACE]);
    }
    if (best[ROLE_STACK] && json_object_get_string_len(best[ROLE_STACK]) > 0) {
        e->stack_trace = json_object_get_string(best[ROLE_STACK]);
        e->stack_trace_len = (size_t)json_object_get_string_len(best[ROLE_STACK]);
    }
    json_object_object_foreach(root, k2, v2) {
        bool used = false;
        for (int r = ROLE_LEVEL; r <= ROLE_STACK; r++)
            if (best_key[r] == k2 && (r != ROLE_LEVEL || c->levels))
                used = true;
        if (!used)
            aura_entry_add_json(e, k2, v2);
    }
    return true;
}

/* --- 2. logfmt ------------------------------------------------------------ */

#define LOGFMT_MAX_PAIRS 64

struct pair {
    size_t k, klen;  /* in the message */
    size_t v, vlen;  /* in the message; for quoted values without the quotes */
    bool quoted;
};

static inline bool is_key_char(char ch) {
    return (unsigned char)ch > ' ' && ch != '=' && ch != '"' && ch != 0x7f;
}

/* Split s into key=value pairs; false unless the whole line is pairs. */
static bool logfmt_split(const char *s, size_t len, struct pair *p, size_t *n) {
    size_t i = 0;
    *n = 0;
    for (;;) {
        while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
            i++;
        if (i == len)
            return *n > 0;
        if (*n == LOGFMT_MAX_PAIRS)
            return false;
        size_t k = i;
        while (i < len && is_key_char(s[i]))
            i++;
        if (i == k || i == len || s[i] != '=')
            return false; /* a bare word: prose, not logfmt */
        struct pair *q = &p[(*n)++];
        q->k = k;
        q->klen = i - k;
        i++; /* '=' */
        if (i < len && s[i] == '"') {
            q->quoted = true;
            q->v = ++i;
            while (i < len && s[i] != '"') {
                if (s[i] == '\\' && i + 1 < len)
                    i++;
                i++;
            }
            if (i == len)
                return false;
            q->vlen = i - q->v;
            i++; /* closing quote */
            if (i < len && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
                return false;
        } else {
            q->quoted = false;
            q->v = i;
            while (i < len && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') {
                if (s[i] == '"')
                    return false;
                i++;
            }
            q->vlen = i - q->v;
        }
    }
}

/* copy (and unescape) into the arena, which was reserved big enough: returns the offset */
static size_t arena_put(struct aura_buf *a, const char *s, size_t len, bool unescape) {
    size_t off = a->len;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (unescape && ch == '\\' && i + 1 < len) {
            ch = s[++i];
            if (ch == 'n')
                ch = '\n';
            else if (ch == 't')
                ch = '\t';
            else if (ch == 'r')
                ch = '\r';
        }
        a->data[a->len++] = ch;
    }
    a->data[a->len++] = '\0';
    return off;
}

static bool try_logfmt(struct aura_content *c, struct aura_entry *e, int severity, enum aura_level_from *from) {
    const char *s = e->message;
    size_t len = e->message_len;
    struct pair p[LOGFMT_MAX_PAIRS];
    size_t n;
    if (!memchr(s, '=', len) || !is_key_char(s[0]))
        return false;
    if (!logfmt_split(s, len, p, &n))
        return false;
    int best[5] = {-1, -1, -1, -1, -1};
    int best_rank[5] = {99, 99, 99, 99, 99};
    bool has_level_key = false;
    for (size_t i = 0; i < n; i++) {
        int rank;
        enum role role = key_role(s + p[i].k, p[i].klen, &rank);
        if (role == ROLE_LEVEL && rank <= 1)
            has_level_key = true;
        if (role == ROLE_NONE || rank >= best_rank[role])
            continue;
        if (role == ROLE_LEVEL && aura_content_level_word(s + p[i].v, p[i].vlen) < 0)
            continue;
        best[role] = (int)i;
        best_rank[role] = rank;
    }
    if (!has_level_key)
        return false; /* SPEC §11: logfmt is key=value pairs with a level/lvl key */

    aura_buf_reset(&c->arena);
    aura_buf_reserve(&c->arena, len + 2 * n + 16); /* no reallocation below: pointers stay valid */
    const char *base = c->arena.data;
    if (best[ROLE_LEVEL] >= 0 && c->levels) {
        const struct pair *q = &p[best[ROLE_LEVEL]];
        set_level(e, aura_content_level_word(s + q->v, q->vlen), severity, AURA_FROM_LOGFMT, from);
    }
    if (*from != AURA_FROM_NONE)
        aura_entry_add_cstr(e, "level_from", aura_level_from_name(*from));
    if (!c->structured)
        return true;
    const char *msg = NULL;
    size_t msg_len = 0;
    for (size_t i = 0; i < n; i++) {
        const struct pair *q = &p[i];
        size_t voff = arena_put(&c->arena, s + q->v, q->vlen, q->quoted);
        size_t vlen = c->arena.len - 1 - voff;
        if ((int)i == best[ROLE_MESSAGE]) {
            msg = base + voff;
            msg_len = vlen;
        } else if ((int)i == best[ROLE_TRACE] && vlen) {
            e->trace_id = base + voff;
            e->trace_id_len = vlen;
        } else if ((int)i == best[ROLE_STACK] && vlen) {
            e->stack_trace = base + voff;
            e->stack_trace_len = vlen;
        } else if ((int)i == best[ROLE_LEVEL] && c->levels) {
            /* consumed */
        } else {
            size_t koff = arena_put(&c->arena, s + q->k, q->klen, false);
            aura_entry_add_str(e, base + koff, base + voff, vlen);
        }
    }
    if (msg) {
        e->message = msg;
        e->message_len = msg_len;
    }
    return true;
}

/* --- 3. klog -------------------------------------------------------------- */

/* E1201 07:00:00.123456    1234 file.go:120] text */
static bool try_klog(struct aura_entry *e, int severity, enum aura_level_from *from) {
    const char *s = e->message;
    size_t len = e->message_len;
    int level;
    switch (s[0]) {
    case 'I':
        level = AURA_LEVEL_INFO;
        break;
    case 'W':
        level = AURA_LEVEL_WARN;
        break;
    case 'E':
        level = AURA_LEVEL_ERROR;
        break;
    case 'F':
        level = AURA_LEVEL_FATAL;
        break;
    default:
        return false;
    }
    if (len < 22 || !is_digit(s[1]) || !is_digit(s[2]) || !is_digit(s[3]) || !is_digit(s[4]) || s[5] != ' ' ||
        !is_digit(s[6]) || !is_digit(s[7]) || s[8] != ':' || !is_digit(s[9]) || !is_digit(s[10]) || s[11] != ':' ||
        !is_digit(s[12]) || !is_digit(s[13]))
        return false;
    size_t i = 14;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && is_digit(s[i]))
            i++;
    }
    if (i == len || s[i] != ' ')
        return false;
    while (i < len && s[i] == ' ')
        i++;
    size_t t = i;
    while (i < len && is_digit(s[i]))
        i++;
    if (i == t || i == len || s[i] != ' ')
        return false;
    i++;
    /* file:line] */
    size_t f = i;
    while (i < len && s[i] != ']' && s[i] != ' ')
        i++;
    if (i == f || i + 1 >= len || s[i] != ']' || s[i + 1] != ' ' || !memchr(s + f, ':', i - f))
        return false;
    i += 2;
    set_level(e, level, severity, AURA_FROM_KLOG, from);
    if (*from != AURA_FROM_NONE)
        aura_entry_add_cstr(e, "level_from", aura_level_from_name(*from));
    e->message = s + i;
    e->message_len = len - i;
    return true;
}

/* --- 4. a level word at the very start ------------------------------------ */

static bool try_prefix(struct aura_entry *e, int severity, enum aura_level_from *from) {
    const char *s = e->message;
    size_t len = e->message_len;
    size_t i = 0, w;
    bool bracket = s[0] == '[';
    if (bracket)
        i++;
    w = i;
    while (i < len && i - w <= 11 && is_alpha(s[i]))
        i++;
    if (i - w < 3)
        return false;
    if (bracket) {
        if (i == len || s[i] != ']')
            return false;
    } else if (i < len && s[i] != ':' && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
        return false;
    int level = aura_content_level_word(s + w, i - w);
    if (level < 0)
        return false;
    set_level(e, level, severity, AURA_FROM_PREFIX, from);
    if (*from != AURA_FROM_NONE)
        aura_entry_add_cstr(e, "level_from", aura_level_from_name(*from));
    return true;
}

enum aura_level_from aura_content_apply(struct aura_content *c, struct aura_entry *e, int severity) {
    enum aura_level_from from = AURA_FROM_NONE;
    if (!e->message || e->message_len == 0 || (!c->levels && !c->structured))
        return AURA_FROM_NONE;
    char first = e->message[0];
    if (first == '{') {
        if (try_json(c, e, severity, &from))
            return from;
    } else if (c->structured || c->levels) {
        if (try_logfmt(c, e, severity, &from))
            return from;
    }
    if (!c->levels || !level_open(severity))
        return AURA_FROM_NONE;
    if ((first == 'I' || first == 'W' || first == 'E' || first == 'F') && try_klog(e, severity, &from))
        return from;
    if ((is_alpha(first) || first == '[') && try_prefix(e, severity, &from))
        return from;
    return AURA_FROM_NONE;
}
