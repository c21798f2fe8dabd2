/* settings.c - the INI configuration (SPEC §6), parsed with libinih.
 *
 * One table (struct option) drives parsing, defaults and --check output, as
 * fluent-bit's config maps do: a key, its type, its default as text and
 * where it lands in struct aura_settings.  Defaults go through the same
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
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "level.h"
#include "log.h"

#define LINE_MAX_BYTES 8192   /* longest accepted line */
#define KEY_FILE_MAX 4096     /* a key file larger than this is not a key file */
#define SECONDS_MAX 86400.0   /* durations: at most a day */
#define SIZE_VALUE_MAX (1UL << 30)

enum opt_type {
    OPT_KEY,      /* api_key: the secret itself */
    OPT_KEY_FILE, /* api_key_file */
    OPT_KEY_ENV,  /* api_key_env */
    OPT_STRING,   /* non-empty string */
    OPT_STRING_OPT, /* string, empty -> NULL */
    OPT_ENDPOINT,
    OPT_BOOL,
    OPT_SECONDS,  /* double > 0, <= SECONDS_MAX */
    OPT_SIZE,     /* size_t >= min, <= SIZE_VALUE_MAX */
    OPT_CA_FILE,  /* readable file, empty -> NULL */
    OPT_START,
    OPT_PRIORITY,
    OPT_LIST,     /* space-separated, empty -> NULL */
    OPT_FIELDS,   /* list of journal field names, or "*" */
};

struct option {
    const char *section;
    const char *key;
    enum opt_type type;
    size_t offset;
    const char *def; /* as it would be written in the file */
    size_t min;      /* OPT_SIZE only */
};

#define OFF(member) offsetof(struct aura_settings, member)

static const struct option options[] = {
    {"auralog", "api_key", OPT_KEY, OFF(api_key), NULL, 0},
    {"auralog", "api_key_file", OPT_KEY_FILE, OFF(api_key_file), NULL, 0},
    {"auralog", "api_key_env", OPT_KEY_ENV, OFF(api_key_env), NULL, 0},
    {"auralog", "environment", OPT_STRING, OFF(environment), "production", 0},
    {"auralog", "endpoint", OPT_ENDPOINT, OFF(endpoint), "https://ingest.auralog.ai", 0},
    {"auralog", "allow_insecure_endpoint", OPT_BOOL, OFF(allow_insecure_endpoint), "false", 0},
    {"auralog", "flush_interval", OPT_SECONDS, OFF(flush_interval), "5.0", 0},
    {"auralog", "capture_errors", OPT_BOOL, OFF(capture_errors), "true", 0},
    {"auralog", "host_metadata", OPT_BOOL, OFF(host_metadata), "true", 0},
    {"delivery", "max_batch_entries", OPT_SIZE, OFF(max_batch_entries), "1000", 1},
    {"delivery", "max_batch_bytes", OPT_SIZE, OFF(max_batch_bytes), "1048576", 1024},
    {"delivery", "max_message_bytes", OPT_SIZE, OFF(max_message_bytes), "65536", 64},
    {"delivery", "max_queue_entries", OPT_SIZE, OFF(max_queue_entries), "100000", 1},
    {"delivery", "timeout", OPT_SECONDS, OFF(timeout), "30", 0},
    {"delivery", "retry_initial", OPT_SECONDS, OFF(retry_initial), "1", 0},
    {"delivery", "retry_max", OPT_SECONDS, OFF(retry_max), "60", 0},
    {"delivery", "ca_file", OPT_CA_FILE, OFF(ca_file), "", 0},
    {"journal", "state_file", OPT_STRING, OFF(state_file), "/var/lib/auralog/journal.cursor", 0},
    {"journal", "start", OPT_START, OFF(start), "tail", 0},
    {"journal", "namespace", OPT_STRING_OPT, OFF(journal_namespace), "", 0},
    {"journal", "directory", OPT_STRING_OPT, OFF(directory), "", 0},
    {"journal", "units", OPT_LIST, OFF(units), "", 0},
    {"journal", "identifiers", OPT_LIST, OFF(identifiers), "", 0},
    {"journal", "min_priority", OPT_PRIORITY, OFF(min_priority), "debug", 0},
    {"journal", "fields", OPT_FIELDS, OFF(fields), "", 0},
};
#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

static const char *const sections[] = {"auralog", "global_metadata", "delivery", "journal"};

static const char *const start_names[] = {
    [AURA_START_TAIL] = "tail",
    [AURA_START_HEAD] = "head",
    [AURA_START_BOOT] = "boot",
};

/* Where messages come from: the file and, when known, the line of each key. */
struct parse {
    struct aura_settings *cfg;
    const char *path;
    unsigned flags;
    FILE *f;
    int line;            /* line being parsed, 1-based */
    bool at_line_start;
    size_t line_len;
    int opt_line[N_OPTIONS]; /* 0 = not set in the file */
    int key_line;        /* line of the key source that was set */
    int r;               /* first error, 0 = none */
    char *err;
    size_t errlen;
};

/* "FILE:LINE: KEY: text", "FILE: KEY: text" (line 0), "KEY: text" (no file). */
__attribute__((format(printf, 5, 6))) static int fail(struct parse *p, int line, const char *key, int r,
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

static void *field(struct aura_settings *cfg, const struct option *o) {
    return (char *)cfg + o->offset;
}

static const struct option *find_option(const char *section, const char *key) {
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strcmp(options[i].section, section) == 0 && strcmp(options[i].key, key) == 0)
            return &options[i];
    return NULL;
}

static bool known_section(const char *name) {
    for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
        if (strcmp(sections[i], name) == 0)
            return true;
    return false;
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

/* A plain decimal number: no hex, no inf/nan, nothing after it. */
static int parse_number(const char *v, double *out) {
    if (!*v || strspn(v, "0123456789.eE+-") != strlen(v))
        return -EINVAL;
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || *end || end == v || !isfinite(d))
        return -EINVAL;
    *out = d;
    return 0;
}

static int parse_size(const char *v, size_t *out) {
    if (!*v || strspn(v, "0123456789") != strlen(v) || strlen(v) > 18)
        return -EINVAL;
    *out = (size_t)strtoull(v, NULL, 10);
    return 0;
}

/* A journal field name as journald accepts it: A-Z, 0-9, _, not starting with a digit. */
static bool valid_field_name(const char *s) {
    if (!*s || (*s >= '0' && *s <= '9') || strlen(s) > 64)
        return false;
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == strlen(s);
}

static bool has_scheme(const char *v, const char *scheme) {
    return strncasecmp(v, scheme, strlen(scheme)) == 0;
}

/* Store one value; on a bad value fail() with the line and return < 0. */
static int set_option(struct parse *p, const struct option *o, const char *v, int line) {
    struct aura_settings *cfg = p->cfg;
    void *dst = field(cfg, o);
    const char *k = o->key;

    switch (o->type) {
    case OPT_KEY:
    case OPT_KEY_FILE:
    case OPT_KEY_ENV: {
        enum aura_key_source src = o->type == OPT_KEY ? AURA_KEY_INLINE
                                   : o->type == OPT_KEY_FILE ? AURA_KEY_FILE
                                                             : AURA_KEY_ENV;
        if (cfg->key_source != AURA_KEY_NONE && cfg->key_source != src)
            return fail(p, line, k, -EINVAL,
                        "only one of api_key, api_key_file and api_key_env may be set (another was set on line %d)",
                        p->key_line);
        if (!*v)
            return fail(p, line, k, -EINVAL, "must not be empty");
        if (o->type == OPT_KEY) {
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
    case OPT_STRING:
        if (!*v)
            return fail(p, line, k, -EINVAL, "must not be empty");
        /* fall through */
    case OPT_STRING_OPT:
        free(*(char **)dst);
        *(char **)dst = *v ? aura_strdup(v) : NULL;
        return 0;
    case OPT_ENDPOINT: {
        const char *host = has_scheme(v, "https://") ? v + 8 : has_scheme(v, "http://") ? v + 7 : NULL;
        if (!host || !*host || *host == '/' || strpbrk(v, " \t"))
            return fail(p, line, k, -EINVAL, "must be an https:// (or http://) URL, got \"%s\"", v);
        char *s = aura_strdup(v);
        size_t n = strlen(s);
        while (n > 0 && s[n - 1] == '/')
            s[--n] = '\0';
        free(cfg->endpoint);
        cfg->endpoint = s;
        return 0;
    }
    case OPT_BOOL:
        if (parse_bool(v, dst) < 0)
            return fail(p, line, k, -EINVAL, "must be true or false (also yes/no, on/off, 1/0), got \"%s\"", v);
        return 0;
    case OPT_SECONDS: {
        double d;
        if (parse_number(v, &d) < 0 || d <= 0)
            return fail(p, line, k, -EINVAL, "must be a number > 0, got \"%s\"", v);
        if (d > SECONDS_MAX)
            return fail(p, line, k, -EINVAL, "must be at most %g seconds, got \"%s\"", SECONDS_MAX, v);
        *(double *)dst = d;
        return 0;
    }
    case OPT_SIZE: {
        size_t n;
        if (parse_size(v, &n) < 0 || n < o->min)
            return fail(p, line, k, -EINVAL, "must be an integer >= %zu, got \"%s\"", o->min, v);
        if (n > SIZE_VALUE_MAX)
            return fail(p, line, k, -EINVAL, "must be at most %lu, got \"%s\"", SIZE_VALUE_MAX, v);
        *(size_t *)dst = n;
        return 0;
    }
    case OPT_CA_FILE:
        if (*v) {
            int fd = open(v, O_RDONLY | O_CLOEXEC | O_NOCTTY);
            struct stat st;
            int e = fd < 0 ? errno : fstat(fd, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
            if (fd >= 0)
                close(fd);
            if (e)
                return fail(p, line, k, -EINVAL, "cannot read \"%s\": %s", v, strerror(e));
        }
        free(cfg->ca_file);
        cfg->ca_file = *v ? aura_strdup(v) : NULL;
        return 0;
    case OPT_START:
        for (int i = 0; i < 3; i++)
            if (strcmp(v, start_names[i]) == 0) {
                cfg->start = (enum aura_start)i;
                return 0;
            }
        return fail(p, line, k, -EINVAL, "must be head, tail or boot, got \"%s\"", v);
    case OPT_PRIORITY: {
        int prio = aura_severity_from_name(v);
        if (prio < 0 || prio > 7)
            return fail(p, line, k, -EINVAL, "must be a syslog severity (emerg ... debug) or 0-7, got \"%s\"", v);
        cfg->min_priority = prio;
        return 0;
    }
    case OPT_LIST:
        free_list(*(char ***)dst);
        *(char ***)dst = split_list(v);
        return 0;
    case OPT_FIELDS: {
        char **l = split_list(v);
        bool all = false;
        for (size_t i = 0; l && l[i]; i++) {
            if (strcmp(l[i], "*") == 0 && !l[1]) {
                all = true;
                continue;
            }
            if (!valid_field_name(l[i])) {
                int r = strcmp(l[i], "*") == 0
                            ? fail(p, line, k, -EINVAL, "\"*\" must stand alone, got \"%s\"", v)
                            : fail(p, line, k, -EINVAL,
                                   "\"%s\" is not a journal field name (A-Z, 0-9 and _), got \"%s\"", l[i], v);
                free_list(l);
                return r;
            }
        }
        free_list(cfg->fields);
        cfg->fields = all ? NULL : l;
        if (all)
            free_list(l);
        cfg->all_fields = all;
        return 0;
    }
    }
    return fail(p, line, k, -EINVAL, "internal error: unhandled type");
}

/* inih handler: one "key = value" of the file. */
static int handle_pair(void *user, const char *section, const char *key, const char *value) {
    struct parse *p = user;
    struct aura_settings *cfg = p->cfg;
    int line = p->line;

    if (p->r)
        return 0;
    if (!*section)
        return fail(p, line, key, -EINVAL, "key outside of any section"), 0;
    if (!known_section(section))
        return fail(p, line, NULL, -EINVAL, "[%s]: unknown section", section), 0;

    if (strcmp(section, "global_metadata") == 0) {
        if (!*key)
            return fail(p, line, "[global_metadata]", -EINVAL, "empty key"), 0;
        for (size_t i = 0; i < cfg->n_global; i++)
            if (strcmp(cfg->global[i].key, key) == 0)
                return fail(p, line, key, -EINVAL, "duplicate key in [global_metadata]"), 0;
        cfg->global = aura_realloc(cfg->global, (cfg->n_global + 1) * sizeof(*cfg->global));
        cfg->global[cfg->n_global].key = aura_strdup(key);
        cfg->global[cfg->n_global].value = aura_strdup(value);
        cfg->n_global++;
        return 1;
    }

    const struct option *o = find_option(section, key);
    if (!o)
        return fail(p, line, key, -EINVAL, "unknown key in [%s]", section), 0;
    size_t i = (size_t)(o - options);
    if (p->opt_line[i])
        return fail(p, line, key, -EINVAL, "duplicate key, already set on line %d", p->opt_line[i]), 0;
    p->opt_line[i] = line;
    return set_option(p, o, value, line) < 0 ? 0 : 1;
}

/* A "[name]" line: inih only tells the handler about sections that hold
 * keys, so an empty unknown section is caught here. */
static void check_section_line(struct parse *p, const char *s) {
    if (p->line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3;
    s += strspn(s, " \t");
    if (*s != '[')
        return;
    const char *end = strchr(s + 1, ']');
    if (!end)
        return; /* inih reports the syntax error */
    char *name = aura_strndup(s + 1, (size_t)(end - s - 1));
    if (!known_section(name))
        fail(p, p->line, NULL, -EINVAL, "[%s]: unknown section", name);
    free(name);
}

/* fgets-style reader for inih that counts lines.  inih reads a long line
 * in several calls; a new line starts after a chunk that ended in '\n'. */
static char *read_line(char *str, int num, void *stream) {
    struct parse *p = stream;
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

static void set_defaults(struct aura_settings *cfg) {
    struct parse p = {.cfg = cfg};
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (options[i].def)
            set_option(&p, &options[i], options[i].def, 0);
    if (p.r) {
        aura_log(AURA_LOG_ERR, "built-in configuration default is invalid, aborting");
        abort();
    }
}

struct aura_settings *aura_settings_new_defaults(void) {
    struct aura_settings *cfg = aura_calloc(1, sizeof(*cfg));
    set_defaults(cfg);
    return cfg;
}

static bool is_blank(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Read the key from api_key_file.  Warns when group or others may read it. */
static int read_key_file(struct parse *p) {
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

static int resolve_key(struct parse *p) {
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

static int line_of(const struct parse *p, const char *key) {
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strcmp(options[i].key, key) == 0)
            return p->opt_line[i];
    return 0;
}

/* Checks across keys.  p carries the file and the line of each key. */
static int check_whole(struct parse *p) {
    const struct aura_settings *cfg = p->cfg;

    if (cfg->key_source == AURA_KEY_NONE && !(p->flags & AURA_SETTINGS_KEY_OPTIONAL))
        return fail(p, 0, "api_key", -EINVAL, "missing, set one of api_key, api_key_file or api_key_env in [auralog]");
    if (cfg->key_source != AURA_KEY_NONE && (!cfg->api_key || !*cfg->api_key))
        return fail(p, 0, "api_key", -EINVAL, "no key was read");
    if (!cfg->endpoint || !cfg->environment)
        return fail(p, 0, cfg->endpoint ? "environment" : "endpoint", -EINVAL, "missing");
    if (has_scheme(cfg->endpoint, "http://") && !cfg->allow_insecure_endpoint)
        return fail(p, line_of(p, "endpoint"), "endpoint", -EINVAL,
                    "http:// is refused unless allow_insecure_endpoint = true, got \"%s\"", cfg->endpoint);
    if (cfg->retry_max < cfg->retry_initial) {
        const char *k = line_of(p, "retry_max") ? "retry_max" : "retry_initial";
        char got[64];
        snprintf(got, sizeof(got), "%g", k[6] == 'm' ? cfg->retry_max : cfg->retry_initial);
        if (k[6] == 'm')
            return fail(p, line_of(p, k), k, -EINVAL, "must be >= retry_initial (%g), got \"%s\"", cfg->retry_initial,
                        got);
        return fail(p, line_of(p, k), k, -EINVAL, "must be <= retry_max (%g), got \"%s\"", cfg->retry_max, got);
    }
    if (cfg->max_queue_entries < cfg->max_batch_entries) {
        const char *k = line_of(p, "max_queue_entries") ? "max_queue_entries" : "max_batch_entries";
        if (k[4] == 'q')
            return fail(p, line_of(p, k), k, -EINVAL, "must be >= max_batch_entries (%zu), got \"%zu\"",
                        cfg->max_batch_entries, cfg->max_queue_entries);
        return fail(p, line_of(p, k), k, -EINVAL, "must be <= max_queue_entries (%zu), got \"%zu\"",
                    cfg->max_queue_entries, cfg->max_batch_entries);
    }
    if (!cfg->state_file)
        return fail(p, 0, "state_file", -EINVAL, "missing");
    return 0;
}

int aura_settings_validate(const struct aura_settings *cfg, unsigned flags, char *err, size_t errlen) {
    struct parse p = {.cfg = (struct aura_settings *)cfg, .path = cfg->path, .flags = flags, .err = err,
                      .errlen = errlen};
    return check_whole(&p);
}

/* Warn when the file holds the key itself and others may read it. */
static void check_inline_key_mode(struct parse *p) {
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
    struct parse p = {.cfg = cfg, .path = path, .flags = flags, .at_line_start = true, .err = err, .errlen = errlen};
    int r;

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
    if (r < 0) {
        aura_settings_free(cfg);
        return r;
    }
    *ret = cfg;
    return 0;
}

void aura_settings_free(struct aura_settings *cfg) {
    if (!cfg)
        return;
    if (cfg->api_key) {
        explicit_bzero(cfg->api_key, strlen(cfg->api_key));
        free(cfg->api_key);
    }
    free(cfg->path);
    free(cfg->api_key_file);
    free(cfg->api_key_env);
    free(cfg->environment);
    free(cfg->endpoint);
    for (size_t i = 0; i < cfg->n_global; i++) {
        free(cfg->global[i].key);
        free(cfg->global[i].value);
    }
    free(cfg->global);
    free(cfg->ca_file);
    free(cfg->state_file);
    free(cfg->journal_namespace);
    free(cfg->directory);
    free_list(cfg->units);
    free_list(cfg->identifiers);
    free_list(cfg->fields);
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

static void print_list(FILE *f, const char *key, char **l) {
    fprintf(f, "%s =", key);
    for (size_t i = 0; l && l[i]; i++)
        fprintf(f, "%s%s", i == 0 ? value_sep(l[i]) : " ", l[i]);
    fputc('\n', f);
}

static void print_option(const struct aura_settings *cfg, const struct option *o, FILE *f) {
    void *v = field((struct aura_settings *)cfg, o);
    switch (o->type) {
    case OPT_KEY:
        if (cfg->key_source == AURA_KEY_INLINE)
            fprintf(f, "; api_key = (set in the file, redacted)\n");
        else if (cfg->key_source == AURA_KEY_NONE)
            fprintf(f, "; api_key, api_key_file, api_key_env: none set\n");
        return;
    case OPT_KEY_FILE:
    case OPT_KEY_ENV:
        if (*(char **)v)
            fprintf(f, "%s = %s\n", o->key, *(char **)v);
        return;
    case OPT_STRING:
    case OPT_STRING_OPT:
    case OPT_ENDPOINT:
    case OPT_CA_FILE: {
        const char *s = *(char **)v;
        fprintf(f, "%s =%s%s\n", o->key, value_sep(s), s ? s : "");
        return;
    }
    case OPT_BOOL:
        fprintf(f, "%s = %s\n", o->key, *(bool *)v ? "true" : "false");
        return;
    case OPT_SECONDS:
        print_double(f, o->key, *(double *)v);
        return;
    case OPT_SIZE:
        fprintf(f, "%s = %zu\n", o->key, *(size_t *)v);
        return;
    case OPT_START:
        fprintf(f, "%s = %s\n", o->key, start_names[cfg->start]);
        return;
    case OPT_PRIORITY: {
        const char *name = aura_severity_name(cfg->min_priority);
        fprintf(f, "%s = %s\n", o->key, name ? name : "debug");
        return;
    }
    case OPT_LIST:
        print_list(f, o->key, *(char ***)v);
        return;
    case OPT_FIELDS:
        if (cfg->all_fields)
            fprintf(f, "%s = *\n", o->key);
        else
            print_list(f, o->key, cfg->fields);
        return;
    }
}

void aura_settings_print(const struct aura_settings *cfg, FILE *f) {
    fprintf(f, "; effective configuration%s%s\n", cfg->path ? " of " : " (built-in defaults)",
            cfg->path ? cfg->path : "");
    for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]); s++) {
        fprintf(f, "%s[%s]\n", s ? "\n" : "", sections[s]);
        if (strcmp(sections[s], "global_metadata") == 0) {
            for (size_t i = 0; i < cfg->n_global; i++)
                fprintf(f, "%s =%s%s\n", cfg->global[i].key, value_sep(cfg->global[i].value), cfg->global[i].value);
            continue;
        }
        for (size_t i = 0; i < N_OPTIONS; i++)
            if (strcmp(options[i].section, sections[s]) == 0)
                print_option(cfg, &options[i], f);
    }
}
