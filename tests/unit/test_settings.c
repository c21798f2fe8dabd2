/* test_settings - the INI configuration: every class of bad input gives an
 * error naming file, line and key; defaults; every key parsed; the API key
 * never appears in an error, in --check output or in a warning.
 *
 * Fixtures live in tests/fixtures/config/; the test runs from $top_srcdir
 * (set by make check, "." otherwise) so error messages carry a stable
 * relative path.  Key files are written to a private temp dir at run time,
 * because git does not keep file modes.  The [journal] section is
 * auralog-journald's table (journal-reader/journal_settings.c), registered
 * as that program does. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal_settings.h"
#include "content.h"
#include "settings.h"
#include "tap.h"

#define FIX "tests/fixtures/config/"
#define ENV_KEY "env-key-SECRET-42"
#define INLINE_KEY "SECRET-inline-value"
#define FILE_KEY "file-key-SECRET-77"

static char tmpdir[] = "/tmp/test_settings.XXXXXX";

/* Every secret a fixture may hold; none may ever be printed. */
static int has_secret(const char *s) {
    return s && (strstr(s, ENV_KEY) || strstr(s, INLINE_KEY) || strstr(s, FILE_KEY) || strstr(s, "SECRET"));
}

struct bad_case {
    const char *file;
    unsigned flags;
    int r;
    const char *err; /* exact message */
};

static const struct bad_case bad_cases[] = {
    {FIX "unknown-section.conf", 0, -EINVAL, FIX "unknown-section.conf:4: [colour]: unknown section"},
    {FIX "outside-section.conf", 0, -EINVAL, FIX "outside-section.conf:2: environment: key outside of any section"},
    {FIX "unknown-key.conf", 0, -EINVAL, FIX "unknown-key.conf:3: api_kye: unknown key in [auralog]; did you mean api_key?"},
    {FIX "misspelt-key.conf", 0, -EINVAL,
     FIX "misspelt-key.conf:3: flush_intervall: unknown key in [auralog]; did you mean flush_interval?"},
    {FIX "unknown-key-delivery.conf", 0, -EINVAL,
     FIX "unknown-key-delivery.conf:4: flush_interval: unknown key in [delivery]"},
    {FIX "bad-bool.conf", 0, -EINVAL,
     FIX "bad-bool.conf:3: capture_errors: must be true or false (also yes/no, on/off, 1/0), got \"maybe\""},
    {FIX "bad-number.conf", 0, -EINVAL, FIX "bad-number.conf:3: flush_interval: must be a number > 0, got \"soon\""},
    {FIX "zero.conf", 0, -EINVAL, FIX "zero.conf:3: flush_interval: must be a number > 0, got \"0\""},
    {FIX "negative.conf", 0, -EINVAL, FIX "negative.conf:4: timeout: must be a number > 0, got \"-1\""},
    {FIX "negative-size.conf", 0, -EINVAL,
     FIX "negative-size.conf:4: max_batch_entries: must be an integer >= 1, got \"-5\""},
    {FIX "small-batch-bytes.conf", 0, -EINVAL,
     FIX "small-batch-bytes.conf:4: max_batch_bytes: must be an integer >= 1024, got \"1023\""},
    {FIX "huge-interval.conf", 0, -EINVAL,
     FIX "huge-interval.conf:3: flush_interval: must be at most 86400 seconds, got \"1e9\""},
    {FIX "two-sources.conf", 0, -EINVAL,
     FIX "two-sources.conf:4: api_key_env: only one of api_key, api_key_file and api_key_env may be set "
         "(another was set on line 2)"},
    {FIX "two-sources.conf", AURA_SETTINGS_KEY_OPTIONAL, -EINVAL,
     FIX "two-sources.conf:4: api_key_env: only one of api_key, api_key_file and api_key_env may be set "
         "(another was set on line 2)"},
    {FIX "no-source.conf", 0, -EINVAL,
     FIX "no-source.conf: api_key: missing, set one of api_key, api_key_file or api_key_env in [auralog]"},
    {FIX "missing-key-file.conf", 0, -ENOENT,
     FIX "missing-key-file.conf:3: api_key_file: cannot read \"/nonexistent/auralog-test/api_key\": "
         "No such file or directory"},
    {FIX "empty-key-file.conf", 0, -EINVAL,
     FIX "empty-key-file.conf:2: api_key_file: \"tests/fixtures/config/empty.key\" is empty"},
    {FIX "unset-env.conf", 0, -EINVAL,
     FIX "unset-env.conf:2: api_key_env: environment variable AURA_TEST_UNSET_VARIABLE is unset or empty"},
    {FIX "http.conf", 0, -EINVAL,
     FIX "http.conf:3: endpoint: http:// is refused unless allow_insecure_endpoint = true, got "
         "\"http://127.0.0.1:8080\""},
    {FIX "bad-endpoint.conf", 0, -EINVAL,
     FIX "bad-endpoint.conf:3: endpoint: must be an https:// (or http://) URL, got \"ftp://ingest.example.com\""},
    {FIX "space-endpoint.conf", 0, -EINVAL,
     FIX "space-endpoint.conf:3: endpoint: a URL has no spaces or control characters"},
    {FIX "bad-start.conf", 0, -EINVAL, FIX "bad-start.conf:4: start: must be head, tail or boot, got \"middle\""},
    {FIX "bad-priority.conf", 0, -EINVAL,
     FIX "bad-priority.conf:4: min_priority: must be a syslog severity (emerg ... debug) or 0-7, got \"loud\""},
    {FIX "bad-priority-number.conf", 0, -EINVAL,
     FIX "bad-priority-number.conf:4: min_priority: must be a syslog severity (emerg ... debug) or 0-7, got \"8\""},
    {FIX "duplicate-key.conf", 0, -EINVAL,
     FIX "duplicate-key.conf:5: environment: duplicate key, already set on line 3"},
    {FIX "duplicate-api-key.conf", 0, -EINVAL,
     FIX "duplicate-api-key.conf:3: api_key: duplicate key, already set on line 2"},
    {FIX "duplicate-global.conf", 0, -EINVAL, FIX "duplicate-global.conf:6: app: duplicate key in [global_metadata]"},
    {FIX "retry.conf", 0, -EINVAL, FIX "retry.conf:5: retry_max: must be >= retry_initial (10), got \"5\""},
    {FIX "retry-initial.conf", 0, -EINVAL,
     FIX "retry-initial.conf:4: retry_initial: must be <= retry_max (60), got \"120\""},
    {FIX "queue.conf", 0, -EINVAL,
     FIX "queue.conf:4: max_queue_entries: must be >= max_batch_entries (1000), got \"100\""},
    {FIX "syntax.conf", 0, -EINVAL,
     FIX "syntax.conf:3: syntax error, expected \"key = value\", \"[section]\" or a comment"},
    {FIX "bad-fields.conf", 0, -EINVAL,
     FIX "bad-fields.conf:4: fields: \"code_file\" is not a journal field name (A-Z, 0-9 and _), got "
         "\"_SYSTEMD_SLICE code_file\""},
    {FIX "missing-ca.conf", 0, -EINVAL,
     FIX "missing-ca.conf:4: ca_file: cannot read \"/nonexistent/auralog-test/ca.pem\": No such file or directory"},
    {FIX "empty-environment.conf", 0, -EINVAL, FIX "empty-environment.conf:3: environment: must not be empty"},
    {FIX "empty-api-key.conf", 0, -EINVAL, FIX "empty-api-key.conf:2: api_key: must not be empty"},
    {FIX "long-line.conf", 0, -EINVAL, FIX "long-line.conf:7: start: must be head, tail or boot, got \"sideways\""},
    {FIX "does-not-exist.conf", 0, -ENOENT, FIX "does-not-exist.conf: cannot open: No such file or directory"},
    {FIX "does-not-exist.conf", AURA_SETTINGS_MISSING_OK, -EINVAL,
     FIX "does-not-exist.conf: api_key: missing, set one of api_key, api_key_file or api_key_env in [auralog]"},
    {"tests/fixtures/config", 0, -EISDIR, "tests/fixtures/config: cannot open: Is a directory"},
};

static void test_bad_inputs(void) {
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *c = &bad_cases[i];
        struct aura_settings *cfg = (struct aura_settings *)0x1;
        char err[512] = "";
        int r = aura_settings_load(c->file, c->flags, &cfg, err, sizeof(err));
        CHECK_INT(r, c->r, "%s: load fails with %d", c->file, c->r);
        CHECK_STR(err, c->err, "%s: error message", c->file);
        CHECK(!has_secret(err), "%s: no key in the error", c->file);
        CHECK(cfg == (struct aura_settings *)0x1, "%s: *ret untouched", c->file);
    }
}

static struct aura_settings *load_ok(const char *path, unsigned flags) {
    struct aura_settings *cfg = NULL;
    char err[512] = "";
    int r = aura_settings_load(path, flags, &cfg, err, sizeof(err));
    CHECK_INT(r, 0, "%s: loads", path);
    if (r < 0)
        printf("#   error: %s\n", err);
    return r < 0 ? NULL : cfg;
}

static void check_defaults(const struct aura_settings *cfg, const char *what) {
    const struct aura_content_settings *cs = aura_content_settings_of(cfg);
    CHECK(cs->levels && cs->structured && cs->stack_traces, "%s: [content] levels, structured, stack_traces true", what);
    CHECK(cs->multiline_timeout == 1.0 && cs->max_stack_lines == 1000, "%s: multiline_timeout 1.0, max_stack_lines 1000",
          what);
    CHECK_STR(cfg->environment, "production", "%s: environment", what);
    CHECK_STR(cfg->endpoint, "https://ingest.auralog.ai", "%s: endpoint", what);
    CHECK(!cfg->allow_insecure_endpoint, "%s: allow_insecure_endpoint false", what);
    CHECK(cfg->flush_interval == 5.0, "%s: flush_interval 5", what);
    CHECK(cfg->capture_errors && cfg->host_metadata, "%s: capture_errors, host_metadata true", what);
    CHECK_STR(cfg->state_directory, "/var/lib/auralog", "%s: state_directory", what);
    CHECK_INT(cfg->n_global, 0, "%s: no global metadata", what);
    CHECK_INT(cfg->max_batch_entries, 1000, "%s: max_batch_entries", what);
    CHECK_INT(cfg->max_batch_bytes, 1048576, "%s: max_batch_bytes", what);
    CHECK_INT(cfg->max_message_bytes, 65536, "%s: max_message_bytes", what);
    CHECK_INT(cfg->max_queue_entries, 100000, "%s: max_queue_entries", what);
    CHECK(cfg->timeout == 30 && cfg->retry_initial == 1 && cfg->retry_max == 60, "%s: timeout, retries", what);
    CHECK(cfg->ca_file == NULL, "%s: no ca_file", what);
    const struct jr_settings *js = jr_settings_of(cfg);
    CHECK_STR(js->state_file, "/var/lib/auralog/journal.cursor", "%s: state_file", what);
    CHECK_INT(js->start, JR_START_TAIL, "%s: start tail", what);
    CHECK(!js->journal_namespace && !js->directory, "%s: no namespace, directory", what);
    CHECK(!js->units && !js->identifiers && !js->fields.names && !js->fields.all, "%s: no lists", what);
    CHECK_INT(js->min_priority, 7, "%s: min_priority debug", what);
    CHECK(js->errors_ahead, "%s: errors_ahead true", what);
}

static void test_defaults(void) {
    struct aura_settings *cfg = aura_settings_new_defaults();
    check_defaults(cfg, "built-in");
    CHECK(cfg->path == NULL && cfg->api_key == NULL && cfg->key_source == AURA_KEY_NONE, "built-in: no path, no key");
    char err[256];
    CHECK_INT(aura_settings_validate(cfg, AURA_SETTINGS_KEY_OPTIONAL, err, sizeof(err)), 0, "defaults valid without key");
    CHECK_INT(aura_settings_validate(cfg, 0, err, sizeof(err)), -EINVAL, "defaults invalid when a key is needed");
    CHECK_STR(err, "api_key: missing, set one of api_key, api_key_file or api_key_env in [auralog]",
              "defaults: missing key message");
    aura_settings_free(cfg);

    cfg = load_ok(FIX "minimal.conf", 0);
    if (cfg) {
        check_defaults(cfg, "minimal.conf");
        CHECK_STR(cfg->api_key, ENV_KEY, "api_key_env: key read from the variable");
        CHECK_INT(cfg->key_source, AURA_KEY_ENV, "api_key_env: source");
        CHECK_STR(cfg->api_key_env, "AURA_TEST_API_KEY", "api_key_env: name kept");
        CHECK_STR(cfg->path, FIX "minimal.conf", "path kept");
    }
    aura_settings_free(cfg);

    /* An empty variable is as good as unset; the message names it, never a value. */
    setenv("AURA_TEST_UNSET_VARIABLE", "", 1);
    cfg = NULL;
    CHECK_INT(aura_settings_load(FIX "unset-env.conf", 0, &cfg, err, sizeof(err)), -EINVAL, "empty env var: error");
    CHECK_STR(err, FIX "unset-env.conf:2: api_key_env: environment variable AURA_TEST_UNSET_VARIABLE is unset or empty",
              "empty env var: message");
    unsetenv("AURA_TEST_UNSET_VARIABLE");

    cfg = load_ok(FIX "no-source.conf", AURA_SETTINGS_KEY_OPTIONAL);
    CHECK(cfg && cfg->api_key == NULL && cfg->key_source == AURA_KEY_NONE, "KEY_OPTIONAL: no key is fine");
    aura_settings_free(cfg);

    cfg = load_ok(FIX "does-not-exist.conf", AURA_SETTINGS_MISSING_OK | AURA_SETTINGS_KEY_OPTIONAL);
    if (cfg) {
        check_defaults(cfg, "missing file");
        CHECK(cfg->path == NULL, "missing file: path NULL (built-in defaults)");
    }
    aura_settings_free(cfg);
}

static void test_every_key(void) {
    struct aura_settings *cfg = load_ok(FIX "full.conf", 0);
    if (!cfg)
        return;
    CHECK_STR(cfg->api_key, ENV_KEY, "full: api_key");
    CHECK_STR(cfg->environment, "staging", "full: environment");
    CHECK_STR(cfg->endpoint, "https://ingest.example.com/base", "full: endpoint, trailing slashes stripped");
    CHECK(cfg->allow_insecure_endpoint, "full: allow_insecure_endpoint = yes");
    CHECK(cfg->flush_interval == 0.25, "full: flush_interval");
    CHECK(!cfg->capture_errors, "full: capture_errors = off");
    CHECK(!cfg->host_metadata, "full: host_metadata = 0");
    CHECK_INT(cfg->n_global, 3, "full: 3 global pairs");
    if (cfg->n_global == 3) {
        CHECK_STR(cfg->global[0].key, "app", "full: global order 1");
        CHECK_STR(cfg->global[0].value, "checkout-service", "full: global value 1");
        CHECK_STR(cfg->global[1].key, "team", "full: global order 2");
        CHECK_STR(cfg->global[2].key, "region", "full: global order 3");
        CHECK_STR(cfg->global[2].value, "eu-west-1", "full: global value 3");
    }
    CHECK_INT(cfg->max_batch_entries, 10, "full: max_batch_entries");
    CHECK_INT(cfg->max_batch_bytes, 2048, "full: max_batch_bytes");
    CHECK_INT(cfg->max_message_bytes, 64, "full: max_message_bytes");
    CHECK_INT(cfg->max_queue_entries, 10, "full: max_queue_entries");
    CHECK(cfg->timeout == 2.5, "full: timeout");
    CHECK(cfg->retry_initial == 0.1 && cfg->retry_max == 0.1, "full: retry_initial == retry_max allowed");
    CHECK_STR(cfg->ca_file, FIX "ca.pem", "full: ca_file");
    const struct jr_settings *js = jr_settings_of(cfg);
    CHECK_STR(js->state_file, "/tmp/auralog-test/state", "full: state_file");
    CHECK_INT(js->start, JR_START_BOOT, "full: start");
    CHECK_STR(js->journal_namespace, "ns1", "full: namespace");
    CHECK_STR(js->directory, "/tmp/auralog-test/journal", "full: directory");
    CHECK(js->units && js->units[0] && js->units[1] && js->units[2] && !js->units[3], "full: 3 units");
    if (js->units && js->units[0] && js->units[1] && js->units[2]) {
        CHECK_STR(js->units[0], "ssh.service", "full: unit 1");
        CHECK_STR(js->units[1], "cron.service", "full: unit 2 (double space)");
        CHECK_STR(js->units[2], "nginx.service", "full: unit 3 (tab)");
    }
    CHECK(js->identifiers && js->identifiers[0] && js->identifiers[1] && !js->identifiers[2],
          "full: 2 identifiers");
    if (js->identifiers && js->identifiers[0])
        CHECK_STR(js->identifiers[1], "CRON", "full: identifier 2");
    CHECK_INT(js->min_priority, 4, "full: min_priority warning");
    CHECK(js->fields.names && js->fields.names[0] && js->fields.names[1] && !js->fields.names[2] && !js->fields.all,
          "full: 2 fields");
    if (js->fields.names && js->fields.names[0])
        CHECK_STR(js->fields.names[0], "_SYSTEMD_SLICE", "full: field as written");
    aura_settings_free(cfg);

    cfg = load_ok(FIX "fields-all.conf", 0);
    if (cfg) {
        js = jr_settings_of(cfg);
        CHECK(js->fields.all && !js->fields.names, "fields = * sets all_fields");
        CHECK_INT(js->min_priority, 3, "min_priority as a number");
        CHECK_INT(js->start, JR_START_HEAD, "start = head");
    }
    aura_settings_free(cfg);

    cfg = load_ok(FIX "http-allowed.conf", 0);
    if (cfg)
        CHECK_STR(cfg->endpoint, "http://127.0.0.1:8080", "http:// accepted with allow_insecure_endpoint");
    aura_settings_free(cfg);
}

static void test_comments(void) {
    struct aura_settings *cfg = load_ok(FIX "comments.conf", 0);
    if (!cfg)
        return;
    CHECK_STR(cfg->environment, "staging", "inline ' ; comment' stripped");
    CHECK(cfg->flush_interval == 2, "indented key with inline comment");
    CHECK_INT(cfg->n_global, 4, "comments: 4 global pairs");
    if (cfg->n_global == 4) {
        CHECK_STR(cfg->global[0].value, "a;b", "';' without a blank before it is data");
        CHECK_STR(cfg->global[1].value, "value # not a comment", "'#' inside a line is data");
        CHECK_STR(cfg->global[2].value, "two  words", "inner blanks kept");
        CHECK_STR(cfg->global[3].value, "", "empty value");
    }
    aura_settings_free(cfg);

    cfg = load_ok(FIX "multiline.conf", 0);
    if (cfg)
        CHECK(cfg->flush_interval == 3, "an indented line is a key, not a continuation");
    aura_settings_free(cfg);

    cfg = load_ok(FIX "long-value.conf", 0);
    CHECK(cfg && cfg->n_global == 2 && strlen(cfg->global[0].value) == 1000, "a 1000-byte value is kept whole");
    CHECK(cfg && cfg->n_global == 2 && strcmp(cfg->global[1].key, "short") == 0, "the line after it is its own key");
    aura_settings_free(cfg);
}

static char *slurp(FILE *f) {
    fflush(f);
    long n = ftell(f);
    rewind(f);
    char *s = calloc(1, (size_t)n + 1);
    if (fread(s, 1, (size_t)n, f) != (size_t)n)
        s[0] = '\0';
    return s;
}

static char *write_tmp(const char *name, const char *content, mode_t mode) {
    char *path = NULL;
    if (asprintf(&path, "%s/%s", tmpdir, name) < 0)
        abort();
    FILE *f = fopen(path, "w");
    fputs(content, f);
    fclose(f);
    chmod(path, mode);
    return path;
}

/* Run fn with stderr redirected to a temp file; returns what it wrote. */
static char *capture_stderr(void (*fn)(void *), void *arg) {
    FILE *tmp = tmpfile();
    fflush(stderr);
    int saved = dup(2);
    dup2(fileno(tmp), 2);
    fn(arg);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fseek(tmp, 0, SEEK_END);
    char *s = slurp(tmp);
    fclose(tmp);
    return s;
}

struct load_call {
    const char *path;
    int r;
    struct aura_settings *cfg;
    char err[512];
};

static void do_load(void *arg) {
    struct load_call *c = arg;
    c->cfg = NULL;
    c->err[0] = '\0';
    c->r = aura_settings_load(c->path, 0, &c->cfg, c->err, sizeof(c->err));
}

static size_t count_lines(const char *s) {
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_key_file(void) {
    char conf[1024];

    char *key = write_tmp("api_key", "  " FILE_KEY " \n\n", 0600);
    snprintf(conf, sizeof(conf), "[auralog]\napi_key_file = %s\n", key);
    char *path = write_tmp("keyfile.conf", conf, 0644);
    struct load_call c = {.path = path};
    char *out = capture_stderr(do_load, &c);
    CHECK_INT(c.r, 0, "key file 0600: loads");
    if (c.cfg) {
        CHECK_STR(c.cfg->api_key, FILE_KEY, "key file: surrounding blanks and newlines stripped");
        CHECK_INT(c.cfg->key_source, AURA_KEY_FILE, "key file: source");
        CHECK_STR(c.cfg->api_key_file, key, "key file: path kept");
    }
    CHECK_STR(out, "", "key file 0600: no warning");
    free(out);
    aura_settings_free(c.cfg);

    chmod(key, 0640);
    out = capture_stderr(do_load, &c);
    CHECK_INT(c.r, 0, "key file 0640: loads");
    CHECK(strstr(out, "readable by group or others") && strstr(out, key) && strstr(out, "0640"),
          "key file 0640: warning names the file and mode");
    CHECK_INT(count_lines(out), 1, "key file 0640: warned once");
    CHECK(!has_secret(out), "key file 0640: warning does not hold the key");
    printf("# warning: %s", out);
    free(out);
    aura_settings_free(c.cfg);

    char *two = write_tmp("two_lines", "first-SECRET\nsecond\n", 0600);
    snprintf(conf, sizeof(conf), "[auralog]\n\napi_key_file = %s\n", two);
    free(path);
    path = write_tmp("two.conf", conf, 0600);
    c.path = path;
    do_load(&c);
    char want[1024];
    snprintf(want, sizeof(want), "%s:3: api_key_file: \"%s\" must hold the key on one line", path, two);
    CHECK_STR(c.err, want, "key file with two lines: error");
    CHECK(!has_secret(c.err), "key file with two lines: no key in error");

    snprintf(conf, sizeof(conf), "[auralog]\napi_key_file = %s\n", tmpdir);
    free(path);
    path = write_tmp("dir.conf", conf, 0600);
    c.path = path;
    do_load(&c);
    snprintf(want, sizeof(want), "%s:2: api_key_file: cannot read \"%s\": Is a directory", path, tmpdir);
    CHECK_STR(c.err, want, "key file is a directory: error");

    /* An inline key in a file others can read draws the same kind of warning. */
    free(path);
    path = write_tmp("inline.conf", "[auralog]\napi_key = " INLINE_KEY "\n", 0644);
    c.path = path;
    out = capture_stderr(do_load, &c);
    CHECK_INT(c.r, 0, "inline key: loads");
    CHECK(strstr(out, "holds api_key and is readable by group or others") != NULL, "inline key, 0644: warning");
    CHECK(!has_secret(out), "inline key: warning does not hold the key");
    if (c.cfg)
        CHECK_STR(c.cfg->api_key, INLINE_KEY, "inline key: value");
    aura_settings_free(c.cfg);
    free(out);

    /* A line longer than 8 KiB is refused rather than cut. */
    char *big = malloc(10000);
    memset(big, 'x', 9999);
    big[9999] = '\0';
    char *bigconf = NULL;
    if (asprintf(&bigconf, "[auralog]\napi_key_env = AURA_TEST_API_KEY\n[global_metadata]\nbig = %s\n", big) < 0)
        abort();
    free(path);
    path = write_tmp("big.conf", bigconf, 0600);
    c.path = path;
    do_load(&c);
    snprintf(want, sizeof(want), "%s:4: line too long (more than 8192 bytes)", path);
    CHECK_STR(c.err, want, "line too long: error");
    free(big);
    free(bigconf);

    free(path);
    free(key);
    free(two);
}

static void test_print(void) {
    char conf[1024];
    char *key = write_tmp("print_key", FILE_KEY "\n", 0600);

    /* Every key of the table shows up, effective values, no secret. */
    struct aura_settings *cfg = load_ok(FIX "full.conf", 0);
    if (!cfg)
        return;
    FILE *f = tmpfile();
    aura_settings_print(cfg, f);
    char *out = slurp(f);
    fclose(f);
    static const char *const keys[] = {
        "[auralog]\n", "api_key_env = AURA_TEST_API_KEY\n", "environment = staging\n",
        "endpoint = https://ingest.example.com/base\n", "allow_insecure_endpoint = true\n", "flush_interval = 0.25\n",
        "capture_errors = false\n", "host_metadata = false\n", "[global_metadata]\napp = checkout-service\n"
        "team = payments\nregion = eu-west-1\n", "[delivery]\n", "max_batch_entries = 10\n",
        "max_batch_bytes = 2048\n", "max_message_bytes = 64\n", "max_queue_entries = 10\n", "timeout = 2.5\n",
        "retry_initial = 0.1\n", "retry_max = 0.1\n", "ca_file = " FIX "ca.pem\n", "[journal]\n",
        "state_file = /tmp/auralog-test/state\n", "start = boot\n", "namespace = ns1\n",
        "directory = /tmp/auralog-test/journal\n", "units = ssh.service cron.service nginx.service\n",
        "identifiers = sshd CRON\n", "min_priority = warning\n", "fields = _SYSTEMD_SLICE CODE_FILE\n",
    };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        CHECK(strstr(out, keys[i]) != NULL, "print shows %.*s", (int)strcspn(keys[i], "\n"), keys[i]);
    CHECK(!has_secret(out), "print (env key): no key");

    /* The printed form loads back to the same configuration. */
    char *again = write_tmp("printed.conf", out, 0600);
    struct aura_settings *cfg2 = load_ok(again, 0);
    if (cfg2) {
        f = tmpfile();
        aura_settings_print(cfg2, f);
        char *out2 = slurp(f);
        fclose(f);
        const char *body1 = strchr(out, '\n'), *body2 = strchr(out2, '\n');
        CHECK_STR(body2, body1, "printed config loads back to the same values");
        free(out2);
    }
    aura_settings_free(cfg2);
    free(again);
    free(out);
    aura_settings_free(cfg);

    /* Inline key: redacted; key file: its path. */
    char *path = write_tmp("print_inline.conf", "[auralog]\napi_key = " INLINE_KEY "\n", 0600);
    cfg = load_ok(path, 0);
    if (cfg) {
        f = tmpfile();
        aura_settings_print(cfg, f);
        out = slurp(f);
        fclose(f);
        CHECK(strstr(out, "\n; api_key = (set in the file, redacted)\n") != NULL, "print (inline key): redacted, as a comment so the output loads back");
        CHECK(!has_secret(out), "print (inline key): no key");
        free(out);
    }
    aura_settings_free(cfg);
    free(path);

    snprintf(conf, sizeof(conf), "[auralog]\napi_key_file = %s\n", key);
    path = write_tmp("print_file.conf", conf, 0600);
    cfg = load_ok(path, 0);
    if (cfg) {
        f = tmpfile();
        aura_settings_print(cfg, f);
        out = slurp(f);
        fclose(f);
        char want[512];
        snprintf(want, sizeof(want), "\napi_key_file = %s\n", key);
        CHECK(strstr(out, want) != NULL, "print (key file): path shown");
        CHECK(!has_secret(out), "print (key file): no key");
        CHECK(strstr(out, "api_key =") == NULL, "print (key file): no api_key line");
        free(out);
    }
    aura_settings_free(cfg);
    free(path);
    free(key);
}

/* conf/auralog.conf: loads once its key file exists, and every default it
 * documents (commented "#key = value" lines) is the built-in one. */
static void test_shipped_conf(void) {
    FILE *f = fopen("conf/auralog.conf", "r");
    CHECK(f != NULL, "conf/auralog.conf readable");
    if (!f)
        return;
    char *key = write_tmp("shipped_key", FILE_KEY "\n", 0600);
    char *line = NULL;
    size_t cap = 0;
    size_t n_default = 0;
    FILE *as_is = tmpfile(), *uncommented = tmpfile();
    while (getline(&line, &cap, f) >= 0) {
        char *l = line;
        char *at = strstr(l, "/etc/auralog/api_key\n");
        if (at && strncmp(l, "api_key_file", 12) == 0) {
            fprintf(as_is, "api_key_file = %s\n", key);
            fprintf(uncommented, "api_key_file = %s\n", key);
            continue;
        }
        fputs(l, as_is);
        /* "#key = value" (no blank after '#') is a documented default */
        if (l[0] == '#' && l[1] != ' ' && l[1] != '\n' && strchr(l, '=') && strncmp(l, "#api_key", 8) != 0 &&
            strncmp(l, "#app", 4) != 0 && strncmp(l, "#team", 5) != 0) {
            l++;
            n_default++;
        }
        fputs(l, uncommented);
    }
    free(line);
    fclose(f);
    CHECK_INT(n_default, 38, "shipped conf documents 38 defaults");

    FILE *files[] = {as_is, uncommented};
    const char *names[] = {"shipped_as_is.conf", "shipped_defaults.conf"};
    for (int i = 0; i < 2; i++) {
        char *text = slurp(files[i]); /* written up to here: the position is the end */
        fclose(files[i]);
        char *path = write_tmp(names[i], text, 0600);
        struct aura_settings *cfg = load_ok(path, 0);
        if (cfg) {
            check_defaults(cfg, names[i]);
            CHECK_STR(cfg->api_key, FILE_KEY, "%s: key from api_key_file", names[i]);
        }
        aura_settings_free(cfg);
        free(path);
        free(text);
    }
    free(key);
}

static void rm_tmpdir(void) {
    static const char *const names[] = {"api_key", "keyfile.conf", "two_lines", "two.conf", "dir.conf",
                                        "inline.conf", "big.conf", "print_key", "printed.conf",
                                        "print_inline.conf", "print_file.conf", "shipped_key", "shipped_as_is.conf",
                                        "shipped_defaults.conf"};
    char path[512];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
        unlink(path);
    }
    rmdir(tmpdir);
}

/* SPEC §12/§13 keys: bad values name file:line:key; good ones are kept. */
static void test_network_keys(void) {
    static const struct {
        const char *lines, *err; /* err: NULL = loads */
    } t[] = {
        {"[delivery]\nproxy = http://proxy.example:3128\n", NULL},
        {"[delivery]\nproxy = socks5://p:1080\n", "proxy: must be http://host:port (or https://), or empty for a direct connection"},
        {"[delivery]\nproxy = http://\n", "proxy: must be http://host:port"},
        {"[delivery]\npinned_public_key = sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", NULL},
        {"[delivery]\npinned_public_key = sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=;"
         "sha256//BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=\n", NULL},
        {"[delivery]\npinned_public_key = md5//abc\n", "pinned_public_key: must be sha256//BASE64"},
        {"[delivery]\npinned_public_key = sha256//short\n", "pinned_public_key: must be sha256//BASE64"},
        {"[delivery]\ncompression = gzip\n", NULL},
        {"[delivery]\ncompression = zstd\n", "compression: must be none or gzip, got \"zstd\""},
        {"[delivery]\nconnect_timeout = 0\n", "connect_timeout: must be a number > 0"},
        {"[delivery]\nclient_key = /etc/hostname\n", "client_key: needs client_cert too"},
        {"[metrics]\nlisten = 127.0.0.1:9101\nunhealthy_after = 30\nmetrics_file = /run/a-%p.prom\n", NULL},
        {"[metrics]\nlisten = [::1]:9101\n", NULL},
        {"[metrics]\nlisten = 9101\n", "listen: expected ADDRESS:PORT or [IPv6]:PORT"},
        {"[metrics]\nlisten = localhost:9101\n", "listen: not an IPv4 address"},
        {"[metrics]\nunhealthy_after = never\n", "unhealthy_after: must be a number > 0"},
    };
    char *key = write_tmp("net_key", FILE_KEY "\n", 0600);
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        char conf[1024];
        snprintf(conf, sizeof conf, "[auralog]\napi_key_file = %s\n%s", key, t[i].lines);
        char *path = write_tmp("net.conf", conf, 0600);
        struct aura_settings *cfg = NULL;
        char err[512] = "";
        int r = aura_settings_load(path, 0, &cfg, err, sizeof err);
        if (!t[i].err) {
            CHECK_INT(r, 0, "network key case %zu loads", i);
            if (r < 0)
                printf("#   error: %s\n", err);
        } else {
            char want[300];
            snprintf(want, sizeof want, "%s:4: %s", path, t[i].err);
            CHECK(r == -EINVAL && strncmp(err, want, strlen(want)) == 0, "network key case %zu refused (%s)", i, t[i].err);
            if (r != -EINVAL || strncmp(err, want, strlen(want)) != 0)
                printf("#   got \"%s\"\n#   want \"%s...\"\n", err, want);
        }
        if (i == 0 && cfg)
            CHECK_STR(cfg->proxy, "http://proxy.example:3128", "proxy kept");
        if (i == 7 && cfg)
            CHECK_INT(cfg->compression, AURA_COMPRESSION_GZIP, "compression = gzip");
        if (i == 11 && cfg) {
            CHECK_STR(cfg->metrics_listen, "127.0.0.1:9101", "listen kept");
            CHECK(cfg->unhealthy_after == 30, "unhealthy_after kept");
            CHECK_STR(cfg->metrics_file, "/run/a-%p.prom", "metrics_file kept, %%p unexpanded");
        }
        aura_settings_free(cfg);
        free(path);
    }
    struct aura_settings *d = aura_settings_new_defaults();
    CHECK(d->proxy == NULL && d->compression == AURA_COMPRESSION_NONE && d->connect_timeout == 10 &&
              d->metrics_listen == NULL && d->unhealthy_after == 300,
          "defaults: direct, no compression, connect_timeout 10, no metrics, unhealthy_after 300");
    aura_settings_free(d);
    free(key);
}

int main(void) {
    const char *top = getenv("top_srcdir");
    if (chdir(top && *top ? top : ".") < 0) {
        perror("chdir top_srcdir");
        return 1;
    }
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    aura_settings_register(&jr_settings_table);
    aura_settings_register(&aura_content_settings_table);
    setenv("AURA_TEST_API_KEY", ENV_KEY, 1);
    unsetenv("AURA_TEST_UNSET_VARIABLE");

    test_bad_inputs();
    test_defaults();
    test_every_key();
    test_comments();
    test_key_file();
    test_print();
    test_shipped_conf();
    test_network_keys();

    rm_tmpdir();
    return tap_done();
}
