/* fuzz_settings - the INI configuration parser (lib/settings.c).
 *
 * The input is a config file.  The target adds one API key source of its
 * own holding a marker secret, under its own [auralog] header, at a line
 * the input chooses (first byte):
 * inline api_key, api_key_file, or api_key_env.  Whatever the file says:
 *  - aura_settings_load() never crashes or leaks;
 *  - its error line, every warning it logs and the --check output
 *    (aura_settings_print) never contain the secret;
 *  - when it loads, the --check output loads back to the same
 *    configuration (printing it again gives the same text).
 * The file is a memfd opened through /proc/self/fd, so nothing touches the
 * disk. */
#include <errno.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

#include "buf.h"
#include "journal_settings.h"
#include "log.h"
#include "settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define SECRET "fz-SECRET-5c0ffee-k3y"
#define KEY_ENV "AURA_FUZZ_KEY"

static bool secret_checks;

static void check_no_secret(const char *s, size_t len, const char *where) {
    if (secret_checks && s && memmem(s, len, SECRET, strlen(SECRET)))
        fuzz_fail("the API key appears in %s: %.*s", where, (int)(len > 2000 ? 2000 : len), s);
}

static void log_hook(enum aura_log_level level, const char *line, void *userdata) {
    (void)level;
    (void)userdata;
    check_no_secret(line, strlen(line), "a logged warning");
}

static int memfd_with(const char *name, const void *p, size_t n) {
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0)
        abort();
    for (size_t off = 0; off < n;) {
        ssize_t w = write(fd, (const char *)p + off, n - off);
        if (w <= 0)
            abort();
        off += (size_t)w;
    }
    return fd;
}

static int key_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    aura_log_init("fuzz_settings", false);
    aura_settings_register(&jr_settings_table); /* the whole shared file, as auralog-journald reads it */
    aura_log_set_hook(log_hook, NULL);
    setenv(KEY_ENV, SECRET, 1);
    key_fd = memfd_with("key", SECRET "\n", strlen(SECRET) + 1);
    fchmod(key_fd, 0600);
    return 0;
}

static char *print_config(const struct aura_settings *cfg, size_t *len) {
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    if (!f)
        abort();
    aura_settings_print(cfg, f);
    fclose(f);
    return text;
}

/* The text without its first line (it names the file) and without the
 * "; api_key ..." comment lines (an inline key cannot be printed back). */
static char *comparable(const char *text) {
    struct aura_buf b = AURA_BUF_INIT;
    const char *p = strchr(text, '\n');
    p = p ? p + 1 : text + strlen(text);
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);
        if (strncmp(p, "; api_key", 9) != 0)
            aura_buf_append(&b, p, n);
        p += n;
    }
    aura_buf_putc(&b, '\0');
    return aura_buf_steal(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > 64 * 1024)
        return 0;
    unsigned mode = data[0] % 3, at_line = data[0] / 3;
    data++;
    size--;
    secret_checks = !memmem(data, size, SECRET, strlen(SECRET));

    char keyline[128];
    if (mode == 0)
        snprintf(keyline, sizeof keyline, "[auralog]\napi_key = %s\n", SECRET);
    else if (mode == 1)
        snprintf(keyline, sizeof keyline, "[auralog]\napi_key_file = /proc/self/fd/%d\n", key_fd);
    else
        snprintf(keyline, sizeof keyline, "[auralog]\napi_key_env = %s\n", KEY_ENV);

    /* the input's lines, our key line inserted after line at_line */
    struct aura_buf text = AURA_BUF_INIT;
    const char *p = (const char *)data, *end = p + size;
    unsigned line = 0;
    bool inserted = false;
    while (p < end) {
        if (line == at_line && !inserted) {
            aura_buf_puts(&text, keyline);
            inserted = true;
        }
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p + 1) : (size_t)(end - p);
        aura_buf_append(&text, p, n);
        if (!nl)
            aura_buf_putc(&text, '\n');
        p += n;
        line++;
    }
    if (!inserted)
        aura_buf_puts(&text, keyline);

    int fd = memfd_with("auralog.conf", text.data, text.len);
    fchmod(fd, 0600); /* no "readable by others" warning on every run */
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    char err[512];
    memset(err, 'X', sizeof err);
    struct aura_settings *cfg = NULL;
    unsigned flags = (mode == 0 && (at_line & 1)) ? AURA_SETTINGS_KEY_OPTIONAL : 0;
    int r = aura_settings_load(path, flags, &cfg, err, sizeof err);
    close(fd);
    aura_buf_free(&text);

    if (r < 0) {
        if (cfg)
            fuzz_fail("aura_settings_load failed (%d) but set *ret", r);
        if (!memchr(err, '\0', sizeof err))
            fuzz_fail("aura_settings_load failed (%d) without a NUL-terminated error", r);
        if (!err[0])
            fuzz_fail("aura_settings_load failed (%d) with an empty error", r);
        check_no_secret(err, strlen(err), "the error message");
        return 0;
    }
    if (r != 0 || !cfg)
        fuzz_fail("aura_settings_load returned %d, cfg %p", r, (void *)cfg);
    if (!cfg->api_key || strcmp(cfg->api_key, SECRET) != 0)
        fuzz_fail("loaded, but the key is not the one from our key line");
    if (!(cfg->flush_interval > 0) || cfg->max_batch_entries < 1 || !cfg->endpoint || !cfg->environment ||
        !jr_settings_of(cfg)->state_file)
        fuzz_fail("loaded a configuration that breaks its invariants");

    size_t len1;
    char *out1 = print_config(cfg, &len1);
    check_no_secret(out1, len1, "the --check output");

    /* the --check output loads back to the same configuration */
    fd = memfd_with("printed.conf", out1, len1);
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    struct aura_settings *again = NULL;
    r = aura_settings_load(path, mode == 0 ? AURA_SETTINGS_KEY_OPTIONAL : flags, &again, err, sizeof err);
    close(fd);
    if (r < 0)
        fuzz_fail("the --check output does not load back: %s\n--- input:\n%.*s\n--- --check output:\n%s", err,
                  (int)size, (const char *)data, out1);
    size_t len2;
    char *out2 = print_config(again, &len2);
    char *c1 = comparable(out1), *c2 = comparable(out2);
    if (strcmp(c1, c2) != 0)
        fuzz_fail("the --check output loads back as a different configuration:\n--- first:\n%s\n--- reloaded:\n%s",
                  c1, c2);
    free(c1);
    free(c2);
    free(out1);
    free(out2);
    aura_settings_free(again);
    aura_settings_free(cfg);
    return 0;
}
