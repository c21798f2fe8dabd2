/* settings.h - the INI configuration shared by both programs (SPEC §6).
 *
 * Parsed with libinih.  Unknown sections or keys, bad values and missing
 * required keys are errors naming file, line and key:
 *     /etc/auralog/auralog.conf:12: flush_interval: must be a number > 0, got "soon"
 * The API key is resolved at load time (api_key, api_key_file or
 * api_key_env: exactly one) and kept only in cfg->api_key; nothing here ever
 * prints it. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define AURA_DEFAULT_CONFIG SYSCONFDIR "/auralog/auralog.conf"

enum aura_start { AURA_START_TAIL, AURA_START_HEAD, AURA_START_BOOT };

enum aura_key_source { AURA_KEY_NONE, AURA_KEY_INLINE, AURA_KEY_FILE, AURA_KEY_ENV };

struct aura_kv {
    char *key;
    char *value;
};

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

    /* [journal] */
    char *state_file;         /* "/var/lib/auralog/journal.cursor" */
    enum aura_start start;    /* tail */
    char *journal_namespace;  /* NULL when empty */
    char *directory;          /* NULL when empty */
    char **units;             /* NULL-terminated, NULL when empty */
    char **identifiers;       /* NULL-terminated, NULL when empty */
    int min_priority;         /* 7 = debug: everything */
    char **fields;            /* NULL-terminated extra fields, as written (e.g. "_SYSTEMD_SLICE") */
    bool all_fields;          /* fields = * */
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
