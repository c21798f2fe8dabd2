/* settings.h - the INI configuration shared by both programs (SPEC §6).
 *
 * Parsed with libinih.  Unknown sections or keys, bad values and missing
 * required keys are errors naming file, line and key:
 *     /etc/auralog/auralog.conf:12: flush_interval: must be a number > 0, got "soon"
 * The API key is resolved at load time (api_key, api_key_file or
 * api_key_env: exactly one) and kept only in cfg->api_key; nothing here ever
 * prints it.
 *
 * One table of rows drives parsing, defaults, --check output and the
 * file:line:key errors (as fluent-bit's config maps do).  The core's table
 * holds [auralog], [global_metadata] and [delivery]; a front end registers
 * its own table for the sections it owns (see "Front-end sections" below).
 * A new key is a new row (and a member of the struct the row points into);
 * a new section is rows naming it. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define AURA_DEFAULT_CONFIG SYSCONFDIR "/auralog/auralog.conf"

enum aura_compression { AURA_COMPRESSION_NONE, AURA_COMPRESSION_GZIP };

enum aura_key_source { AURA_KEY_NONE, AURA_KEY_INLINE, AURA_KEY_FILE, AURA_KEY_ENV };

struct aura_kv {
    char *key;
    char *value;
};

/* The core's sections: [auralog], [global_metadata], [delivery].  A front
 * end's own sections live in its own struct, see "Front-end sections". */
struct aura_settings {
    char *path; /* file it was read from, NULL for built-in defaults */

    /* [auralog] */
    char *api_key; /* the secret; NULL when none (allowed with AURA_SETTINGS_KEY_OPTIONAL) */
    enum aura_key_source key_source;
    char *api_key_file; /* where it came from, for --check (never the key itself) */
    char *api_key_env;
    char *environment;       /* "production" */
    char *endpoint;          /* "https://ingest.auralog.ai", trailing '/' stripped */
    bool allow_insecure_endpoint; /* false */
    double flush_interval;   /* 5.0 s, > 0 */
    bool capture_errors;     /* true */
    bool host_metadata;      /* true */
    char *state_directory;   /* "/var/lib/auralog": the programs' own records (crash record) */

    /* [global_metadata] in file order */
    struct aura_kv *global;
    size_t n_global;

    /* [delivery] */
    size_t max_batch_entries; /* 1000 */
    size_t max_batch_bytes;   /* 1048576 */
    size_t max_message_bytes; /* 65536 */
    size_t max_queue_entries; /* 100000 */
    double timeout;           /* 30 s */
    double retry_initial;     /* 1 s */
    double retry_max;         /* 60 s */
    char *ca_file;            /* NULL when empty */
    double connect_timeout;   /* 10 s (SPEC §13) */
    char *proxy;              /* http(s)://host:port; NULL: direct, the environment ignored */
    char *client_cert;        /* PEM; NULL when empty */
    char *client_key;         /* PEM; NULL when empty */
    char *pinned_public_key;  /* sha256//BASE64[;...]; NULL when empty */
    int compression;          /* enum aura_compression */

    /* [metrics] (SPEC §12) */
    char *metrics_listen;     /* "127.0.0.1:9101"; NULL: off */
    char *metrics_file;       /* NULL: off; "%p" is the PID */
    double unhealthy_after;   /* 300 s */

    /* the registered front-end sections' values (settings.c) */
    struct aura_settings_block *blocks;
    size_t n_blocks;
};

enum {
    AURA_SETTINGS_KEY_OPTIONAL = 1 << 0, /* --stdout: no API key needed */
    AURA_SETTINGS_MISSING_OK = 1 << 1,   /* a missing file at path gives the built-in defaults */
};

/* Built-in defaults, no file. */
struct aura_settings *aura_settings_new_defaults(void);

/* Load path.  On error returns -errno (-EINVAL for content errors), *ret
 * untouched, and err holds one line: "FILE:LINE: KEY: what is wrong". */
int aura_settings_load(const char *path, unsigned flags, struct aura_settings **ret, char *err, size_t errlen);

/* Checks that need the whole config (endpoint scheme vs
 * allow_insecure_endpoint, retry_initial <= retry_max, exactly one key
 * source...).  Called by aura_settings_load; exposed for CLI overrides. */
int aura_settings_validate(const struct aura_settings *cfg, unsigned flags, char *err, size_t errlen);

void aura_settings_free(struct aura_settings *cfg);

/* Print the effective configuration as INI, every key, the API key shown
 * only as its source ("; api_key = (set in the file, redacted)" as a comment,
 * so the output loads back without turning that text into a key, or
 * "api_key_file = PATH"). */
void aura_settings_print(const struct aura_settings *cfg, FILE *f);

/* ---- Front-end sections ----------------------------------------------------
 *
 * A front end describes its sections as rows pointing into a struct of its
 * own and registers the table before the configuration is loaded (struct
 * aura_frontend.settings does it for aura_app_main):
 *
 *     struct tail_settings { char *path; double poll; };
 *     static const struct aura_setting rows[] = {
 *         AURA_SETTING_ROW("tail", "path", AURA_SETTING_STRING, offsetof(struct tail_settings, path),
 *                          "/var/log/app.log"),
 *         AURA_SETTING_ROW("tail", "poll", AURA_SETTING_SECONDS, offsetof(struct tail_settings, poll), "1"),
 *     };
 *     const struct aura_settings_table tail_table = {rows, 2, sizeof(struct tail_settings), check};
 *     aura_settings_register(&tail_table);
 *     ...
 *     const struct tail_settings *ts = aura_settings_values(cfg, &tail_table);
 *
 * (journal-reader/journal_settings.c is the real one: [journal].)
 *
 * Each load allocates the struct zeroed, sets every default through the same
 * parser as the file, and frees it with the configuration.  The rows get the
 * core's error messages ("FILE:LINE: KEY: must be ...") and --check printing.
 *
 * The file is shared by all programs (SPEC §6): a section that a program does
 * not register but another front end owns (frontend_sections in
 * settings.c) is skipped whole by that program; any other unknown section or
 * key is an error. */

enum aura_setting_type {
    AURA_SETTING_STRING,     /* char *: not empty */
    AURA_SETTING_STRING_OPT, /* char *: empty -> NULL */
    AURA_SETTING_BOOL,       /* bool: true/false, yes/no, on/off, 1/0 */
    AURA_SETTING_SECONDS,    /* double: > 0, at most a day */
    AURA_SETTING_SIZE,       /* size_t: an integer >= min, at most 2^30 */
    AURA_SETTING_FILE,       /* char *: a readable file; empty -> NULL */
    AURA_SETTING_LIST,       /* char **: blank-separated words, NULL-terminated; empty -> NULL */
    AURA_SETTING_ENUM,       /* int: the value of one of names[] */
    AURA_SETTING_CUSTOM,     /* parse/print/release below */
    /* the core's [auralog] and [global_metadata] only */
    AURA_SETTING_API_KEY, AURA_SETTING_API_KEY_FILE, AURA_SETTING_API_KEY_ENV, AURA_SETTING_ENDPOINT,
    AURA_SETTING_PAIRS,
};

struct aura_setting_name {
    const char *name; /* as written in the file; NULL ends the list */
    int value;
};

struct aura_setting {
    const char *section; /* "delivery" */
    const char *key;     /* "timeout" */
    enum aura_setting_type type;
    size_t offset;       /* of the value in the table's struct */
    const char *def;     /* the default as it would be written in the file; NULL: none */
    size_t min;          /* AURA_SETTING_SIZE: the smallest value allowed */
    const struct aura_setting_name *names; /* AURA_SETTING_ENUM: the values, in the order errors list them */
    /* AURA_SETTING_CUSTOM: parse value into slot (0, or -EINVAL with why =
     * "must be ..., got \"value\""); print "key = value\n"; release what
     * parse allocated (may be NULL). */
    int (*parse)(const char *value, void *slot, char *why, size_t whylen);
    void (*print)(FILE *f, const char *key, const void *slot);
    void (*release)(void *slot);
};

/* One row: AURA_SETTING_ROW("delivery", "timeout", AURA_SETTING_SECONDS, offsetof(...), "30"), and
 * after the default the fields a type needs: .min = 1, .names = NAMES, .parse = ..., .print = ... */
#define AURA_SETTING_ROW(sec, k, t, off, d, ...) \
    { .section = (sec), .key = (k), .type = (t), .offset = (off), .def = (d), __VA_ARGS__ }

struct aura_settings_check;

struct aura_settings_table {
    const struct aura_setting *rows;
    size_t n_rows;
    size_t size; /* of the struct the rows point into */
    /* Checks across keys, after the file was read (and by
     * aura_settings_validate): 0, or return aura_settings_fail(). May be NULL. */
    int (*check)(const void *values, struct aura_settings_check *chk);
};

/* Add a table (idempotent; at most 8).  Configurations loaded afterwards
 * parse, default, check and print its sections. */
void aura_settings_register(const struct aura_settings_table *table);

/* The values of a registered table in cfg; NULL when cfg was made before it
 * was registered.  Mutable only until the configuration is in use (apply). */
void *aura_settings_values(const struct aura_settings *cfg, const struct aura_settings_table *table);

/* From a table's check: the error "FILE:LINE: KEY: text", with the line where
 * section/key was set in the file (none when it was not); returns -EINVAL. */
int aura_settings_fail(struct aura_settings_check *chk, const char *section, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Look an AURA_SETTING_ENUM value up by name (-1 when unknown), or a name up
 * by value (NULL when unknown): for command-line options taking the same
 * words as the file. */
int aura_setting_enum_value(const struct aura_setting_name *names, const char *name);
const char *aura_setting_enum_name(const struct aura_setting_name *names, int value);

/* "key = a b c\n" as --check writes a list (loads back as the same list). */
void aura_settings_print_list(FILE *f, const char *key, char *const *list);
