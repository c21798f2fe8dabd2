/* settings.c - the INI configuration (SPEC §6), parsed with libinih.
 *
 * Tables of rows (struct aura_setting) drive parsing, defaults and --check
 * output, as fluent-bit's config maps do: a section, a key, its type, its
 * default as text and where it lands in a struct.  The core's own table
 * points into struct aura_settings; a front end registers a table pointing
 * into a struct of its own (settings.h).  Defaults go through the same
 * parser as the file, so the two can never disagree.
 *
 * inih's handler on Debian has no line number, so lines are counted in the
 * reader that feeds inih; the same reader checks [section] headers, which
 * inih never reports for a section without keys.  Values are never echoed
 * for keys that may hold the API key (api_key, and any unknown key: a
 * misspelt "api_kye = SECRET" must not print the secret). */
#include "settings.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "listen.h"
#include "number.h"

#define LINE_MAX_BYTES 8192   /* longest accepted line */
#define KEY_FILE_MAX 4096     /* a key file larger than this is not a key file */
#define SECONDS_MAX 86400.0   /* durations: at most a day */
#define SIZE_VALUE_MAX (1UL << 30)
#define MAX_TABLES 8          /* front-end tables */

#define OFF(member) offsetof(struct aura_settings, member)

/* ---- SPEC §12/§13 values checked as they are read ------------------------ */
static const struct aura_setting_name compression_names[] = {
    {"none", AURA_COMPRESSION_NONE}, {"gzip", AURA_COMPRESSION_GZIP}, {NULL, 0}};

static void print_string(FILE *f, const char *key, const void *slot) {
    const char *v = *(char *const *)slot;
    fprintf(f, "%s =%s%s\n", key, v ? " " : "", v ? v : "");
}

static void release_string(void *slot) {
    free(*(char **)slot);
    *(char **)slot = NULL;
}

static void set_string(void *slot, const char *value) {
    release_string(slot);
    *(char **)slot = *value ? aura_strdup(value) : NULL;
}

/* http://host:port or https://host:port (libcurl speaks both to a proxy). */
static int parse_proxy(const char *value, void *slot, char *why, size_t whylen) {
    const char *host = strncmp(value, "http://", 7) == 0 ? value + 7 : strncmp(value, "https://", 8) == 0 ? value + 8 : NULL;
    if (*value && (!host || !*host || *host == '/' || *host == ':' || strpbrk(value, " \t"))) {
        snprintf(why, whylen, "must be http://host:port (or https://), or empty for a direct connection");
        return -EINVAL;
    }
    set_string(slot, value);
    return 0;
}

/* sha256//BASE64 (a SHA-256 is 44 base64 characters), several joined by ';'. */
static int parse_pins(const char *value, void *slot, char *why, size_t whylen) {
    for (const char *p = value; *p;) {
        const char *end = strchr(p, ';');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        bool ok = n == 8 + 44 && strncmp(p, "sha256//", 8) == 0;
        for (size_t i = 8; ok && i < n; i++)
            ok = (p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') ||
                 p[i] == '+' || p[i] == '/' || (p[i] == '=' && i == n - 1);
        if (!ok) {
            snprintf(why, whylen, "must be sha256//BASE64 (44 characters), several joined by ';', got \"%.*s\"",
                     (int)n, p);
            return -EINVAL;
        }
        p = end ? end + 1 : p + n;
    }
    set_string(slot, value);
    return 0;
}

static int parse_listen(const char *value, void *slot, char *why, size_t whylen) {
    struct sockaddr_storage ss;
    socklen_t len;
    char err[200];
    if (*value && aura_listen_parse(value, &ss, &len, err, sizeof err) < 0) {
        snprintf(why, whylen, "%s", err);
        return -EINVAL;
    }
    set_string(slot, value);
    return 0;
}

/* The core's sections, in the order --check prints them. */
static const struct aura_setting core_rows[] = {
    AURA_SETTING_ROW("auralog", "api_key", AURA_SETTING_API_KEY, OFF(api_key), NULL),
    AURA_SETTING_ROW("auralog", "api_key_file", AURA_SETTING_API_KEY_FILE, OFF(api_key_file), NULL),
    AURA_SETTING_ROW("auralog", "api_key_env", AURA_SETTING_API_KEY_ENV, OFF(api_key_env), NULL),
    AURA_SETTING_ROW("auralog", "environment", AURA_SETTING_STRING, OFF(environment), "production"),
    AURA_SETTING_ROW("auralog", "endpoint", AURA_SETTING_ENDPOINT, OFF(endpoint), "https://ingest.auralog.ai"),
    AURA_SETTING_ROW("auralog", "allow_insecure_endpoint", AURA_SETTING_BOOL, OFF(allow_insecure_endpoint), "false"),
    AURA_SETTING_ROW("auralog", "flush_interval", AURA_SETTING_SECONDS, OFF(flush_interval), "5.0"),
    AURA_SETTING_ROW("auralog", "capture_errors", AURA_SETTING_BOOL, OFF(capture_errors), "true"),
    AURA_SETTING_ROW("auralog", "host_metadata", AURA_SETTING_BOOL, OFF(host_metadata), "true"),
    AURA_SETTING_ROW("auralog", "state_directory", AURA_SETTING_STRING, OFF(state_directory), "/var/lib/auralog"),
    AURA_SETTING_ROW("global_metadata", NULL, AURA_SETTING_PAIRS, OFF(global), NULL),
    AURA_SETTING_ROW("delivery", "max_batch_entries", AURA_SETTING_SIZE, OFF(max_batch_entries), "1000", .min = 1),
    AURA_SETTING_ROW("delivery", "max_batch_bytes", AURA_SETTING_SIZE, OFF(max_batch_bytes), "1048576", .min = 1024),
    AURA_SETTING_ROW("delivery", "max_message_bytes", AURA_SETTING_SIZE, OFF(max_message_bytes), "65536", .min = 64),
    AURA_SETTING_ROW("delivery", "max_queue_entries", AURA_SETTING_SIZE, OFF(max_queue_entries), "100000", .min = 1),
    AURA_SETTING_ROW("delivery", "timeout", AURA_SETTING_SECONDS, OFF(timeout), "30"),
    AURA_SETTING_ROW("delivery", "retry_initial", AURA_SETTING_SECONDS, OFF(retry_initial), "1"),
    AURA_SETTING_ROW("delivery", "retry_max", AURA_SETTING_SECONDS, OFF(retry_max), "60"),
    AURA_SETTING_ROW("delivery", "ca_file", AURA_SETTING_FILE, OFF(ca_file), ""),
    AURA_SETTING_ROW("delivery", "connect_timeout", AURA_SETTING_SECONDS, OFF(connect_timeout), "10"),
    AURA_SETTING_ROW("delivery", "proxy", AURA_SETTING_CUSTOM, OFF(proxy), "", .parse = parse_proxy,
                     .print = print_string, .release = release_string),
    AURA_SETTING_ROW("delivery", "client_cert", AURA_SETTING_FILE, OFF(client_cert), ""),
    AURA_SETTING_ROW("delivery", "client_key", AURA_SETTING_FILE, OFF(client_key), ""),
    AURA_SETTING_ROW("delivery", "pinned_public_key", AURA_SETTING_CUSTOM, OFF(pinned_public_key), "",
                     .parse = parse_pins, .print = print_string, .release = release_string),
    AURA_SETTING_ROW("delivery", "compression", AURA_SETTING_ENUM, OFF(compression), "none",
                     .names = compression_names),
    AURA_SETTING_ROW("metrics", "listen", AURA_SETTING_CUSTOM, OFF(metrics_listen), "", .parse = parse_listen,
                     .print = print_string, .release = release_string),
    AURA_SETTING_ROW("metrics", "metrics_file", AURA_SETTING_STRING_OPT, OFF(metrics_file), ""),
    AURA_SETTING_ROW("metrics", "unhealthy_after", AURA_SETTING_SECONDS, OFF(unhealthy_after), "300"),
};

static int check_core(const void *values, struct aura_settings_check *chk);

static const struct aura_settings_table core_table = {
    core_rows, sizeof(core_rows) / sizeof(core_rows[0]), sizeof(struct aura_settings), check_core,
};

/* Sections of the shared file that a front end owns (SPEC §6).  A program
 * that has not registered the front end's table skips them whole. */
static const char *const frontend_sections[] = {"journal"};

/* The registered front-end tables, in registration order. */
static const struct aura_settings_table *registered[MAX_TABLES];
static size_t n_registered;

/* One table's values in one configuration. */
struct aura_settings_block {
    const struct aura_settings_table *table;
    void *values;
};

/* A table with its values and, while a file is read, the line of each row. */
struct tab {
    const struct aura_settings_table *t;
    void *base;
    int *lines; /* per row, 0 = not set in the file; NULL: no file */
};

/* The state of one load or validation: the file and, when known, the line
 * of each key (aura_settings_fail reports through it). */
struct aura_settings_check {
    struct aura_settings *cfg;
    const char *path;
    unsigned flags;
    FILE *f;
    int line;            /* line being parsed, 1-based */
    bool at_line_start;
    size_t line_len;
    struct tab tabs[1 + MAX_TABLES]; /* the core's first */
    size_t n_tabs;
    int key_line;        /* line of the key source that was set */
    int r;               /* first error, 0 = none */
    char *err;
    size_t errlen;
};

void aura_settings_register(const struct aura_settings_table *table) {
    for (size_t i = 0; i < n_registered; i++)
        if (registered[i] == table)
            return;
    if (n_registered == MAX_TABLES) {
        aura_log(AURA_LOG_ERR, "more than %d configuration tables registered, aborting", MAX_TABLES);
        abort();
    }
    registered[n_registered++] = table;
}

void *aura_settings_values(const struct aura_settings *cfg, const struct aura_settings_table *table) {
    for (size_t i = 0; cfg && i < cfg->n_blocks; i++)
        if (cfg->blocks[i].table == table)
            return cfg->blocks[i].values;
    return NULL;
}

int aura_setting_enum_value(const struct aura_setting_name *names, const char *name) {
    for (size_t i = 0; names[i].name; i++)
        if (strcmp(names[i].name, name) == 0)
            return names[i].value;
    return -1;
}

const char *aura_setting_enum_name(const struct aura_setting_name *names, int value) {
    for (size_t i = 0; names[i].name; i++)
        if (names[i].value == value)
            return names[i].name;
    return NULL;
}

/* The tables of cfg (the core's, then each block), for one load or check. */
static void init_check(struct aura_settings_check *p, struct aura_settings *cfg, bool with_lines) {
    p->cfg = cfg;
    p->tabs[0] = (struct tab){&core_table, cfg, NULL};
    p->n_tabs = 1;
    for (size_t i = 0; i < cfg->n_blocks; i++)
        p->tabs[p->n_tabs++] = (struct tab){cfg->blocks[i].table, cfg->blocks[i].values, NULL};
    if (with_lines)
        for (size_t i = 0; i < p->n_tabs; i++)
            p->tabs[i].lines = aura_calloc(p->tabs[i].t->n_rows + 1, sizeof(int));
}

static void done_check(struct aura_settings_check *p) {
    for (size_t i = 0; i < p->n_tabs; i++) {
        free(p->tabs[i].lines);
        p->tabs[i].lines = NULL;
    }
}

/* "FILE:LINE: KEY: text", "FILE: KEY: text" (line 0), "KEY: text" (no file). */
__attribute__((format(printf, 5, 6))) static int fail(struct aura_settings_check *p, int line, const char *key, int r,
                                                      const char *fmt, ...) {
    if (p->r)
        return p->r; /* keep the first */
    struct aura_buf b = AURA_BUF_INIT;
    if (p->path && line > 0)
        aura_buf_printf(&b, "%s:%d: ", p->path, line);
    else if (p->path)
        aura_buf_printf(&b, "%s: ", p->path);
    if (key)
        aura_buf_printf(&b, "%s: ", key);
    va_list ap;
    va_start(ap, fmt);
    char text[1024];
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    aura_buf_puts(&b, text);
    if (p->err && p->errlen) {
        snprintf(p->err, p->errlen, "%s", b.data);
    }
    aura_buf_free(&b);
    p->r = r;
    return r;
}

static void *slot_of(const struct tab *t, const struct aura_setting *o) {
    return (char *)t->base + o->offset;
}

/* The row of section/key (key NULL: the row of a section of pairs). */
static const struct aura_setting *find_row(const struct aura_settings_check *p, const char *section, const char *key,
                                           const struct tab **tab) {
    for (size_t i = 0; i < p->n_tabs; i++) {
        const struct aura_settings_table *t = p->tabs[i].t;
        for (size_t j = 0; j < t->n_rows; j++) {
            const struct aura_setting *o = &t->rows[j];
            if (strcmp(o->section, section) != 0)
                continue;
            if (key ? o->key && strcmp(o->key, key) == 0 : o->type == AURA_SETTING_PAIRS) {
                *tab = &p->tabs[i];
                return o;
            }
        }
    }
    return NULL;
}

/* Levenshtein distance of two short keys, capped at 9 (longer keys are not compared). */
static unsigned key_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    unsigned prev[65], cur[65];
    if (la > 64 || lb > 64)
        return 9;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = (unsigned)j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (unsigned)i;
        for (size_t j = 1; j <= lb; j++) {
            unsigned sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            unsigned del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof(unsigned));
    }
    return prev[lb] > 9 ? 9 : prev[lb];
}

/* The key of section closest to a misspelt one (at most 2 edits, and fewer
 * than a third of its length), or NULL.  Names only: an unknown key's value
 * may be the API key and is never echoed. */
static const char *suggest_key(const struct aura_settings_check *p, const char *section, const char *key) {
    const char *best = NULL;
    unsigned best_d = 3;
    for (size_t i = 0; i < p->n_tabs; i++) {
        const struct aura_settings_table *t = p->tabs[i].t;
        for (size_t j = 0; j < t->n_rows; j++) {
            const struct aura_setting *o = &t->rows[j];
            if (!o->key || strcmp(o->section, section) != 0)
                continue;
            unsigned d = key_distance(key, o->key);
            if (d < best_d && d * 3 < strlen(o->key)) {
                best_d = d;
                best = o->key;
            }
        }
    }
    return best;
}

enum section_kind { SECTION_UNKNOWN, SECTION_OWNED, SECTION_SKIPPED };

static enum section_kind section_kind(const struct aura_settings_check *p, const char *name) {
    for (size_t i = 0; i < p->n_tabs; i++)
        for (size_t j = 0; j < p->tabs[i].t->n_rows; j++)
            if (strcmp(p->tabs[i].t->rows[j].section, name) == 0)
                return SECTION_OWNED;
    for (size_t i = 0; i < sizeof(frontend_sections) / sizeof(frontend_sections[0]); i++)
        if (strcmp(frontend_sections[i], name) == 0)
            return SECTION_SKIPPED;
    return SECTION_UNKNOWN;
}

static int line_of(const struct aura_settings_check *p, const char *section, const char *key) {
    const struct tab *t;
    const struct aura_setting *o = find_row(p, section, key, &t);
    return o && t->lines ? t->lines[o - t->t->rows] : 0;
}

int aura_settings_fail(struct aura_settings_check *p, const char *section, const char *key, const char *fmt, ...) {
    va_list ap;
    char text[1024];
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    return fail(p, line_of(p, section, key), key, -EINVAL, "%s", text);
}

static void free_list(char **l) {
    if (!l)
        return;
    for (char **s = l; *s; s++)
        free(*s);
    free(l);
}

/* Split on blanks; NULL for an empty list. */
static char **split_list(const char *v) {
    size_t n = 0;
    char **l = NULL;
    const char *s = v;
    for (;;) {
        s += strspn(s, " \t");
        if (!*s)
            break;
        size_t len = strcspn(s, " \t");
        l = aura_realloc(l, (n + 2) * sizeof(*l));
        l[n++] = aura_strndup(s, len);
        l[n] = NULL;
        s += len;
    }
    return l;
}

static int parse_bool(const char *v, bool *out) {
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -EINVAL;
}

static bool has_scheme(const char *v, const char *scheme) {
    return strncasecmp(v, scheme, strlen(scheme)) == 0;
}

/* "must be a, b or c, got \"v\"" for an enum. */
static int fail_enum(struct aura_settings_check *p, int line, const struct aura_setting *o, const char *v) {
    struct aura_buf b = AURA_BUF_INIT;
    for (size_t i = 0; o->names[i].name; i++)
        aura_buf_printf(&b, "%s%s", i == 0 ? "" : o->names[i + 1].name ? ", " : " or ", o->names[i].name);
    int r = fail(p, line, o->key, -EINVAL, "must be %s, got \"%s\"", b.data ? b.data : "", v);
    aura_buf_free(&b);
    return r;
}

/* Release what a row's slot holds. */
static void release_slot(const struct aura_setting *o, void *dst) {
    switch (o->type) {
    case AURA_SETTING_STRING:
    case AURA_SETTING_STRING_OPT:
    case AURA_SETTING_FILE:
    case AURA_SETTING_API_KEY_FILE:
    case AURA_SETTING_API_KEY_ENV:
    case AURA_SETTING_ENDPOINT:
        free(*(char **)dst);
        *(char **)dst = NULL;
        break;
    case AURA_SETTING_LIST:
        free_list(*(char ***)dst);
        *(char ***)dst = NULL;
        break;
    case AURA_SETTING_CUSTOM:
        if (o->release)
            o->release(dst);
        break;
    default:
        break;
    }
}

/* Store one value; on a bad value fail() with the line and return < 0. */
static int set_option(struct aura_settings_check *p, const struct tab *t, const struct aura_setting *o, const char *v,
                      int line) {
    struct aura_settings *cfg = p->cfg;
    void *dst = slot_of(t, o);
    const char *k = o->key;

    switch (o->type) {
    case AURA_SETTING_API_KEY:
    case AURA_SETTING_API_KEY_FILE:
    case AURA_SETTING_API_KEY_ENV: {
        enum aura_key_source src = o->type == AURA_SETTING_API_KEY        ? AURA_KEY_INLINE
                                   : o->type == AURA_SETTING_API_KEY_FILE ? AURA_KEY_FILE
                                                                          : AURA_KEY_ENV;
        if (cfg->key_source != AURA_KEY_NONE && cfg->key_source != src)
            return fail(p, line, k, -EINVAL,
                        "only one of api_key, api_key_file and api_key_env may be set (another was set on line %d)",
                        p->key_line);
        if (!*v)
            return fail(p, line, k, -EINVAL, "must not be empty");
        if (o->type == AURA_SETTING_API_KEY) {
            for (const unsigned char *c = (const unsigned char *)v; *c; c++)
                if (*c < 0x20 || *c == 0x7f)
                    return fail(p, line, k, -EINVAL, "contains control characters");
            free(cfg->api_key);
            cfg->api_key = aura_strdup(v);
        } else {
            free(*(char **)dst);
            *(char **)dst = aura_strdup(v);
        }
        cfg->key_source = src;
        p->key_line = line;
        return 0;
    }
    case AURA_SETTING_STRING:
        if (!*v)
            return fail(p, line, k, -EINVAL, "must not be empty");
        /* fall through */
    case AURA_SETTING_STRING_OPT:
        free(*(char **)dst);
        *(char **)dst = *v ? aura_strdup(v) : NULL;
        return 0;
    case AURA_SETTING_ENDPOINT: {
        const char *host = has_scheme(v, "https://") ? v + 8 : has_scheme(v, "http://") ? v + 7 : NULL;
        bool ctl = false; /* a URL has no spaces or control characters (and one that ended in
                           * one once its '/'s are cut would not load back from --check) */
        for (const unsigned char *c = (const unsigned char *)v; *c; c++)
            ctl = ctl || *c <= 0x20 || *c == 0x7f;
        if (!host || !*host || *host == '/')
            return fail(p, line, k, -EINVAL, "must be an https:// (or http://) URL, got \"%s\"", v);
        if (ctl)
            return fail(p, line, k, -EINVAL, "a URL has no spaces or control characters");
        char *s = aura_strdup(v);
        size_t n = strlen(s);
        while (n > 0 && s[n - 1] == '/')
            s[--n] = '\0';
        free(*(char **)dst);
        *(char **)dst = s;
        return 0;
    }
    case AURA_SETTING_BOOL:
        if (parse_bool(v, dst) < 0)
            return fail(p, line, k, -EINVAL, "must be true or false (also yes/no, on/off, 1/0), got \"%s\"", v);
        return 0;
    case AURA_SETTING_SECONDS: {
        double d;
        if (aura_parse_decimal(v, &d) < 0 || d <= 0)
            return fail(p, line, k, -EINVAL, "must be a number > 0, got \"%s\"", v);
        if (d > SECONDS_MAX)
            return fail(p, line, k, -EINVAL, "must be at most %g seconds, got \"%s\"", SECONDS_MAX, v);
        *(double *)dst = d;
        return 0;
    }
    case AURA_SETTING_SIZE: {
        uint64_t n;
        if (aura_parse_digits(v, strlen(v), 18, &n) < 0 || n < o->min)
            return fail(p, line, k, -EINVAL, "must be an integer >= %zu, got \"%s\"", o->min, v);
        if (n > SIZE_VALUE_MAX)
            return fail(p, line, k, -EINVAL, "must be at most %lu, got \"%s\"", SIZE_VALUE_MAX, v);
        *(size_t *)dst = (size_t)n;
        return 0;
    }
    case AURA_SETTING_FILE:
        if (*v) {
            int fd = open(v, O_RDONLY | O_CLOEXEC | O_NOCTTY);
            struct stat st;
            int e = fd < 0 ? errno : fstat(fd, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
            if (fd >= 0)
                close(fd);
            if (e)
                return fail(p, line, k, -EINVAL, "cannot read \"%s\": %s", v, strerror(e));
        }
        free(*(char **)dst);
        *(char **)dst = *v ? aura_strdup(v) : NULL;
        return 0;
    case AURA_SETTING_LIST:
        free_list(*(char ***)dst);
        *(char ***)dst = split_list(v);
        return 0;
    case AURA_SETTING_ENUM: {
        for (size_t i = 0; o->names[i].name; i++)
            if (strcmp(v, o->names[i].name) == 0) {
                *(int *)dst = o->names[i].value;
                return 0;
            }
        return fail_enum(p, line, o, v);
    }
    case AURA_SETTING_CUSTOM: {
        char why[512] = "";
        if (o->parse(v, dst, why, sizeof(why)) < 0)
            return fail(p, line, k, -EINVAL, "%s", why);
        return 0;
    }
    case AURA_SETTING_PAIRS:
        break;
    }
    return fail(p, line, k, -EINVAL, "internal error: unhandled type");
}

/* [global_metadata]: "key = value" pairs in file order. */
static int add_pair(struct aura_settings_check *p, int line, const char *key, const char *value) {
    struct aura_settings *cfg = p->cfg;
    if (!*key)
        return fail(p, line, "[global_metadata]", -EINVAL, "empty key");
    for (size_t i = 0; i < cfg->n_global; i++)
        if (strcmp(cfg->global[i].key, key) == 0)
            return fail(p, line, key, -EINVAL, "duplicate key in [global_metadata]");
    cfg->global = aura_realloc(cfg->global, (cfg->n_global + 1) * sizeof(*cfg->global));
    cfg->global[cfg->n_global].key = aura_strdup(key);
    cfg->global[cfg->n_global].value = aura_strdup(value);
    cfg->n_global++;
    return 0;
}

/* inih handler: one "key = value" of the file. */
static int handle_pair(void *user, const char *section, const char *key, const char *value) {
    struct aura_settings_check *p = user;
    int line = p->line;
    const struct tab *t;

    if (p->r)
        return 0;
    if (!*section)
        return fail(p, line, key, -EINVAL, "key outside of any section"), 0;
    switch (section_kind(p, section)) {
    case SECTION_UNKNOWN:
        return fail(p, line, NULL, -EINVAL, "[%s]: unknown section", section), 0;
    case SECTION_SKIPPED:
        return 1; /* another program's section */
    case SECTION_OWNED:
        break;
    }
    if (find_row(p, section, NULL, &t))
        return add_pair(p, line, key, value) < 0 ? 0 : 1;

    const struct aura_setting *o = find_row(p, section, key, &t);
    if (!o) {
        const char *near = suggest_key(p, section, key);
        if (near)
            return fail(p, line, key, -EINVAL, "unknown key in [%s]; did you mean %s?", section, near), 0;
        return fail(p, line, key, -EINVAL, "unknown key in [%s]", section), 0;
    }
    int *seen = &t->lines[o - t->t->rows];
    if (*seen)
        return fail(p, line, key, -EINVAL, "duplicate key, already set on line %d", *seen), 0;
    *seen = line;
    return set_option(p, t, o, value, line) < 0 ? 0 : 1;
}

/* A "[name]" line: inih only tells the handler about sections that hold
 * keys, so an empty unknown section is caught here. */
static void check_section_line(struct aura_settings_check *p, const char *s) {
    if (p->line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3;
    s += strspn(s, " \t");
    if (*s != '[')
        return;
    const char *end = strchr(s + 1, ']');
    if (!end)
        return; /* inih reports the syntax error */
    char *name = aura_strndup(s + 1, (size_t)(end - s - 1));
    if (section_kind(p, name) == SECTION_UNKNOWN)
        fail(p, p->line, NULL, -EINVAL, "[%s]: unknown section", name);
    free(name);
}

/* fgets-style reader for inih that counts lines.  inih reads a long line
 * in several calls; a new line starts after a chunk that ended in '\n'. */
static char *read_line(char *str, int num, void *stream) {
    struct aura_settings_check *p = stream;
    if (p->r)
        return NULL;
    char *s = fgets(str, num, p->f);
    if (!s)
        return NULL;
    size_t n = strlen(s);
    if (p->at_line_start) {
        p->line++;
        p->line_len = 0;
        check_section_line(p, s);
    }
    p->line_len += n;
    p->at_line_start = n > 0 && s[n - 1] == '\n';
    if (p->line_len > LINE_MAX_BYTES)
        fail(p, p->line, NULL, -EINVAL, "line too long (more than %d bytes)", LINE_MAX_BYTES);
    return p->r ? NULL : s;
}


static void set_defaults(struct aura_settings_check *p) {
    for (size_t i = 0; i < p->n_tabs; i++)
        for (size_t j = 0; j < p->tabs[i].t->n_rows; j++) {
            const struct aura_setting *o = &p->tabs[i].t->rows[j];
            if (o->def)
                set_option(p, &p->tabs[i], o, o->def, 0);
        }
    if (p->r) {
        aura_log(AURA_LOG_ERR, "built-in configuration default is invalid, aborting");
        abort();
    }
}

struct aura_settings *aura_settings_new_defaults(void) {
    struct aura_settings *cfg = aura_calloc(1, sizeof(*cfg));
    cfg->n_blocks = n_registered;
    cfg->blocks = aura_calloc(n_registered + 1, sizeof(*cfg->blocks));
    for (size_t i = 0; i < n_registered; i++)
        cfg->blocks[i] = (struct aura_settings_block){registered[i], aura_calloc(1, registered[i]->size)};
    struct aura_settings_check p = {0};
    init_check(&p, cfg, false);
    set_defaults(&p);
    return cfg;
}

static bool is_blank(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Read the key from api_key_file.  Warns when group or others may read it. */
static int read_key_file(struct aura_settings_check *p) {
    struct aura_settings *cfg = p->cfg;
    const char *path = cfg->api_key_file;
    int line = p->key_line;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        int e = errno;
        return fail(p, line, "api_key_file", -e, "cannot read \"%s\": %s", path, strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
        int e = S_ISDIR(st.st_mode) ? EISDIR : errno;
        close(fd);
        return fail(p, line, "api_key_file", -e, "cannot read \"%s\": %s", path, strerror(e));
    }
    char buf[KEY_FILE_MAX + 1];
    size_t len = 0;
    int e = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, KEY_FILE_MAX + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            e = errno;
            break;
        }
        if (n == 0 || (len += (size_t)n) > KEY_FILE_MAX)
            break;
    }
    close(fd);
    int r = 0;
    if (e)
        r = fail(p, line, "api_key_file", -e, "cannot read \"%s\": %s", path, strerror(e));
    else if (len > KEY_FILE_MAX)
        r = fail(p, line, "api_key_file", -EINVAL, "\"%s\" is too large for a key (more than %d bytes)", path,
                 KEY_FILE_MAX);
    if (r < 0) {
        explicit_bzero(buf, sizeof(buf));
        return r;
    }
    size_t start = 0;
    while (len > 0 && is_blank((unsigned char)buf[len - 1]))
        len--;
    while (start < len && is_blank((unsigned char)buf[start]))
        start++;
    for (size_t i = start; i < len && !r; i++)
        if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
            r = fail(p, line, "api_key_file", -EINVAL, "\"%s\" must hold the key on one line", path);
    if (!r && start == len)
        r = fail(p, line, "api_key_file", -EINVAL, "\"%s\" is empty", path);
    if (!r) {
        free(cfg->api_key);
        cfg->api_key = aura_strndup(buf + start, len - start);
        if (st.st_mode & (S_IRGRP | S_IROTH))
            aura_log(AURA_LOG_WARNING, "%s: api_key_file \"%s\" is readable by group or others (mode %04o), "
                     "restrict it with chmod 600", p->path ? p->path : "config", path,
                     (unsigned)(st.st_mode & 07777));
    }
    explicit_bzero(buf, sizeof(buf));
    return r;
}

static int resolve_key(struct aura_settings_check *p) {
    struct aura_settings *cfg = p->cfg;
    switch (cfg->key_source) {
    case AURA_KEY_NONE:
    case AURA_KEY_INLINE:
        return 0;
    case AURA_KEY_FILE:
        return read_key_file(p);
    case AURA_KEY_ENV: {
        const char *v = getenv(cfg->api_key_env);
        if (!v || !*v)
            return fail(p, p->key_line, "api_key_env", -EINVAL, "environment variable %s is unset or empty",
                        cfg->api_key_env);
        free(cfg->api_key);
        cfg->api_key = aura_strdup(v);
        return 0;
    }
    }
    return 0;
}


/* lo <= hi must hold for two keys of one section: the error names hi when
 * the file set it, else lo, with the other's value. */
static int check_order(struct aura_settings_check *p, const char *section, const char *lo, const char *lo_text,
                       const char *hi, const char *hi_text) {
    if (line_of(p, section, hi))
        return aura_settings_fail(p, section, hi, "must be >= %s (%s), got \"%s\"", lo, lo_text, hi_text);
    return aura_settings_fail(p, section, lo, "must be <= %s (%s), got \"%s\"", hi, hi_text, lo_text);
}

/* Checks across the core's keys. */
static int check_core(const void *values, struct aura_settings_check *p) {
    const struct aura_settings *cfg = values;
    struct stat kst;

    if (cfg->client_key && !cfg->client_cert)
        return aura_settings_fail(p, "delivery", "client_key", "needs client_cert too");
    /* like the API key file: others reading the private key is worth a word */
    if (p->f && cfg->client_key && stat(cfg->client_key, &kst) == 0 && (kst.st_mode & (S_IRGRP | S_IROTH)))
        aura_log(AURA_LOG_WARNING,
                 "%s: client_key \"%s\" is readable by group or others (mode %04o), restrict it with chmod 600",
                 cfg->path ? cfg->path : "(defaults)", cfg->client_key, (unsigned)(kst.st_mode & 07777));

    if (cfg->key_source == AURA_KEY_NONE && !(p->flags & AURA_SETTINGS_KEY_OPTIONAL))
        return fail(p, 0, "api_key", -EINVAL, "missing, set one of api_key, api_key_file or api_key_env in [auralog]");
    if (cfg->key_source != AURA_KEY_NONE && (!cfg->api_key || !*cfg->api_key))
        return fail(p, 0, "api_key", -EINVAL, "no key was read");
    if (!cfg->endpoint || !cfg->environment)
        return fail(p, 0, cfg->endpoint ? "environment" : "endpoint", -EINVAL, "missing");
    if (has_scheme(cfg->endpoint, "http://") && !cfg->allow_insecure_endpoint)
        return aura_settings_fail(p, "auralog", "endpoint",
                                  "http:// is refused unless allow_insecure_endpoint = true, got \"%s\"",
                                  cfg->endpoint);
    if (cfg->retry_max < cfg->retry_initial) {
        char lo[32], hi[32];
        snprintf(lo, sizeof(lo), "%g", cfg->retry_initial);
        snprintf(hi, sizeof(hi), "%g", cfg->retry_max);
        return check_order(p, "delivery", "retry_initial", lo, "retry_max", hi);
    }
    if (cfg->max_queue_entries < cfg->max_batch_entries) {
        char lo[32], hi[32];
        snprintf(lo, sizeof(lo), "%zu", cfg->max_batch_entries);
        snprintf(hi, sizeof(hi), "%zu", cfg->max_queue_entries);
        return check_order(p, "delivery", "max_batch_entries", lo, "max_queue_entries", hi);
    }
    return 0;
}

/* The checks of every table, the core's first. */
static int check_whole(struct aura_settings_check *p) {
    for (size_t i = 0; i < p->n_tabs; i++)
        if (p->tabs[i].t->check) {
            int r = p->tabs[i].t->check(p->tabs[i].base, p);
            if (r < 0)
                return r;
        }
    return 0;
}

int aura_settings_validate(const struct aura_settings *cfg, unsigned flags, char *err, size_t errlen) {
    struct aura_settings_check p = {.path = cfg->path, .flags = flags, .err = err, .errlen = errlen};
    init_check(&p, (struct aura_settings *)cfg, false);
    return check_whole(&p);
}

/* Warn when the file holds the key itself and others may read it. */
static void check_inline_key_mode(struct aura_settings_check *p) {
    struct stat st;
    if (p->cfg->key_source == AURA_KEY_INLINE && fstat(fileno(p->f), &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)))
        aura_log(AURA_LOG_WARNING,
                 "%s: holds api_key and is readable by group or others (mode %04o), restrict it with chmod 600 "
                 "or use api_key_file",
                 p->path, (unsigned)(st.st_mode & 07777));
}

static void configure_inih(void) {
    /* Debian's libinih takes its options at run time. */
    ini_allow_multiline = false;      /* an indented line is a key, not a continuation */
    ini_allow_inline_comments = true; /* "key = value ; comment" */
    ini_stop_on_first_error = true;
    ini_allow_no_value = false;
    ini_use_stack = false; /* heap line buffer that grows for long lines */
    ini_allow_realloc = true;
    ini_max_line = 2 * LINE_MAX_BYTES;
}


int aura_settings_load(const char *path, unsigned flags, struct aura_settings **ret, char *err, size_t errlen) {
    struct aura_settings *cfg = aura_settings_new_defaults();
    struct aura_settings_check p = {.path = path, .flags = flags, .at_line_start = true, .err = err, .errlen = errlen};
    int r;

    init_check(&p, cfg, true);
    if (err && errlen)
        err[0] = '\0';
    p.f = fopen(path, "re");
    struct stat st;
    if (p.f && fstat(fileno(p.f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(p.f);
        p.f = NULL;
        errno = EISDIR;
    }
    if (!p.f) {
        int e = errno;
        if (e == ENOENT && (flags & AURA_SETTINGS_MISSING_OK)) {
            r = check_whole(&p);
            goto done;
        }
        r = fail(&p, 0, NULL, -e, "cannot open: %s", strerror(e));
        goto done;
    }
    cfg->path = aura_strdup(path);

    configure_inih();
    int line = ini_parse_stream(read_line, &p, handle_pair, &p);
    if (!p.r && ferror(p.f))
        fail(&p, 0, NULL, -EIO, "read error: %s", strerror(errno));
    if (!p.r && line > 0)
        fail(&p, line, NULL, -EINVAL, "syntax error, expected \"key = value\", \"[section]\" or a comment");
    if (!p.r && line < 0)
        fail(&p, 0, NULL, -ENOMEM, "out of memory");
    if (!p.r)
        check_inline_key_mode(&p);
    fclose(p.f);
    r = p.r;
    if (!r)
        r = resolve_key(&p);
    if (!r)
        r = check_whole(&p);
done:
    done_check(&p);
    if (r < 0) {
        aura_settings_free(cfg);
        return r;
    }
    *ret = cfg;
    return 0;
}

static void free_table(const struct aura_settings_table *t, void *base) {
    for (size_t i = 0; i < t->n_rows; i++)
        release_slot(&t->rows[i], (char *)base + t->rows[i].offset);
}

void aura_settings_free(struct aura_settings *cfg) {
    if (!cfg)
        return;
    if (cfg->api_key) {
        explicit_bzero(cfg->api_key, strlen(cfg->api_key));
        free(cfg->api_key);
    }
    free(cfg->path);
    for (size_t i = 0; i < cfg->n_global; i++) {
        free(cfg->global[i].key);
        free(cfg->global[i].value);
    }
    free(cfg->global);
    for (size_t i = 0; i < cfg->n_blocks; i++) {
        free_table(cfg->blocks[i].table, cfg->blocks[i].values);
        free(cfg->blocks[i].values);
    }
    free(cfg->blocks);
    free_table(&core_table, cfg);
    free(cfg);
}

/* Shortest %g form that reads back as the same double (0.1, not 0.10000000000000001). */
static void print_double(FILE *f, const char *key, double d) {
    char text[64];
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(text, sizeof(text), "%.*g", prec, d);
        if (strtod(text, NULL) == d)
            break;
    }
    fprintf(f, "%s = %s\n", key, text);
}



/* The separator after "key =": a value that starts with a comment character
 * is written right after the '=', where inih does not take it for an inline
 * comment, so --check output loads back the same. */
static const char *value_sep(const char *value) {
    if (!value)
        return "";
    return value[0] == ';' || value[0] == '#' ? "" : " ";
}

void aura_settings_print_list(FILE *f, const char *key, char *const *l) {
    fprintf(f, "%s =", key);
    for (size_t i = 0; l && l[i]; i++)
        fprintf(f, "%s%s", i == 0 ? value_sep(l[i]) : " ", l[i]);
    fputc('\n', f);
}

static void print_option(const struct aura_settings *cfg, const struct tab *t, const struct aura_setting *o, FILE *f) {
    const void *v = slot_of(t, o);
    switch (o->type) {
    case AURA_SETTING_API_KEY:
        if (cfg->key_source == AURA_KEY_INLINE)
            fprintf(f, "; api_key = (set in the file, redacted)\n");
        else if (cfg->key_source == AURA_KEY_NONE)
            fprintf(f, "; api_key, api_key_file, api_key_env: none set\n");
        return;
    case AURA_SETTING_API_KEY_FILE:
    case AURA_SETTING_API_KEY_ENV:
        if (*(char *const *)v)
            fprintf(f, "%s = %s\n", o->key, *(char *const *)v);
        return;
    case AURA_SETTING_STRING:
    case AURA_SETTING_STRING_OPT:
    case AURA_SETTING_ENDPOINT:
    case AURA_SETTING_FILE: {
        const char *s = *(char *const *)v;
        fprintf(f, "%s =%s%s\n", o->key, value_sep(s), s ? s : "");
        return;
    }
    case AURA_SETTING_BOOL:
        fprintf(f, "%s = %s\n", o->key, *(const bool *)v ? "true" : "false");
        return;
    case AURA_SETTING_SECONDS:
        print_double(f, o->key, *(const double *)v);
        return;
    case AURA_SETTING_SIZE:
        fprintf(f, "%s = %zu\n", o->key, *(const size_t *)v);
        return;
    case AURA_SETTING_LIST:
        aura_settings_print_list(f, o->key, *(char **const *)v);
        return;
    case AURA_SETTING_ENUM: {
        const char *name = aura_setting_enum_name(o->names, *(const int *)v);
        fprintf(f, "%s = %s\n", o->key, name ? name : "");
        return;
    }
    case AURA_SETTING_CUSTOM:
        o->print(f, o->key, v);
        return;
    case AURA_SETTING_PAIRS:
        for (size_t i = 0; i < cfg->n_global; i++)
            fprintf(f, "%s =%s%s\n", cfg->global[i].key, value_sep(cfg->global[i].value), cfg->global[i].value);
        return;
    }
}

void aura_settings_print(const struct aura_settings *cfg, FILE *f) {
    struct aura_settings_check p = {0};
    init_check(&p, (struct aura_settings *)cfg, false);
    fprintf(f, "; effective configuration%s%s\n", cfg->path ? " of " : " (built-in defaults)",
            cfg->path ? cfg->path : "");
    /* sections in the order their first rows come, the core's first */
    const char *done[64];
    size_t n_done = 0;
    for (size_t i = 0; i < p.n_tabs; i++)
        for (size_t j = 0; j < p.tabs[i].t->n_rows; j++) {
            const char *section = p.tabs[i].t->rows[j].section;
            bool seen = false;
            for (size_t k = 0; k < n_done && !seen; k++)
                seen = strcmp(done[k], section) == 0;
            if (seen || n_done == sizeof(done) / sizeof(done[0]))
                continue;
            done[n_done] = section;
            fprintf(f, "%s[%s]\n", n_done++ ? "\n" : "", section);
            for (size_t a = i; a < p.n_tabs; a++)
                for (size_t b = 0; b < p.tabs[a].t->n_rows; b++)
                    if (strcmp(p.tabs[a].t->rows[b].section, section) == 0)
                        print_option(cfg, &p.tabs[a], &p.tabs[a].t->rows[b], f);
        }
}
