/* host.c - host metadata (SPEC §4), read once and cached.
 *
 * Each source that cannot be read leaves its key NULL and warns once per
 * process (a reload does not repeat the warning); nothing here fails. */
#include "host.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"

enum { WARN_HOSTNAME, WARN_MACHINE_ID, WARN_BOOT_ID, WARN_OS, WARN_KERNEL, WARN_MAX };
static bool warned[WARN_MAX];

__attribute__((format(printf, 2, 3))) static void warn_once(int which, const char *fmt, ...) {
    if (warned[which])
        return;
    warned[which] = true;
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    aura_log(AURA_LOG_WARNING, "host metadata: %s", text);
}

static char *path_join(const char *root, const char *path) {
    struct aura_buf b = AURA_BUF_INIT;
    aura_buf_printf(&b, "%s%s", root ? root : "", path);
    return aura_buf_steal(&b);
}

/* First line of a small file, trailing whitespace removed; NULL and errno set on failure. */
static char *read_first_line(const char *path) {
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    char *line = NULL;
    size_t cap = 0;
    errno = 0;
    ssize_t n = getline(&line, &cap, f);
    int e = errno;
    fclose(f);
    if (n < 0) {
        free(line);
        errno = e ? e : ENODATA; /* empty file */
        return NULL;
    }
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
        line[--n] = '\0';
    return line;
}

static bool is_hex_id(const char *s) {
    return strlen(s) == 32 && strspn(s, "0123456789abcdef") == 32;
}

static char *read_machine_id(const char *root) {
    char *path = path_join(root, "/etc/machine-id");
    char *id = read_first_line(path);
    if (!id)
        warn_once(WARN_MACHINE_ID, "cannot read %s: %s; machine_id left out", path, strerror(errno));
    else if (!is_hex_id(id)) {
        warn_once(WARN_MACHINE_ID, "%s does not hold a machine ID; machine_id left out", path);
        free(id);
        id = NULL;
    }
    free(path);
    return id;
}

/* The kernel prints the boot ID as a UUID; journald's _BOOT_ID is the same 128 bits without dashes. */
static char *read_boot_id(const char *root) {
    char *path = path_join(root, "/proc/sys/kernel/random/boot_id");
    char *id = read_first_line(path);
    if (!id) {
        warn_once(WARN_BOOT_ID, "cannot read %s: %s; boot_id left out", path, strerror(errno));
        free(path);
        return NULL;
    }
    size_t j = 0;
    for (size_t i = 0; id[i]; i++)
        if (id[i] != '-')
            id[j++] = id[i];
    id[j] = '\0';
    if (!is_hex_id(id)) {
        warn_once(WARN_BOOT_ID, "%s does not hold a boot ID; boot_id left out", path);
        free(id);
        id = NULL;
    }
    free(path);
    return id;
}

/* Value of an os-release assignment: shell-like quoting, "..." with
 * backslash escapes or '...' literal, as os-release(5) describes. */
static char *unquote(const char *v) {
    struct aura_buf b = AURA_BUF_INIT;
    aura_buf_reserve(&b, strlen(v));
    char quote = 0;
    for (const char *s = v; *s; s++) {
        if (!quote && (*s == '"' || *s == '\'')) {
            quote = *s;
        } else if (quote && *s == quote) {
            quote = 0;
        } else if (quote != '\'' && *s == '\\' && s[1]) {
            aura_buf_putc(&b, *++s);
        } else {
            aura_buf_putc(&b, *s);
        }
    }
    return aura_buf_steal(&b);
}

static char *os_release_pretty_name(const char *path, bool *found_file) {
    FILE *f = fopen(path, "re");
    *found_file = f != NULL;
    if (!f)
        return NULL;
    char *line = NULL, *pretty = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
            line[--n] = '\0';
        const char *s = line + strspn(line, " \t");
        if (strncmp(s, "PRETTY_NAME=", 12) == 0) {
            free(pretty);
            pretty = unquote(s + 12);
        }
    }
    free(line);
    fclose(f);
    if (pretty && !*pretty) {
        free(pretty);
        pretty = NULL;
    }
    /* os-release(5): PRETTY_NAME defaults to "Linux". */
    return pretty ? pretty : aura_strdup("Linux");
}

static char *read_os(const char *root) {
    static const char *const files[] = {"/etc/os-release", "/usr/lib/os-release"};
    for (size_t i = 0; i < 2; i++) {
        char *path = path_join(root, files[i]);
        bool found;
        char *os = os_release_pretty_name(path, &found);
        free(path);
        if (found)
            return os;
    }
    char *path = path_join(root, files[0]);
    warn_once(WARN_OS, "cannot read %s or %s%s; os left out", path, root ? root : "", files[1]);
    free(path);
    return NULL;
}

static char *read_hostname(void) {
    struct utsname u;
    if (uname(&u) < 0 || !u.nodename[0]) {
        warn_once(WARN_HOSTNAME, "cannot read the hostname; host left out");
        return NULL;
    }
    return aura_strdup(u.nodename);
}

static char *read_kernel(void) {
    struct utsname u;
    if (uname(&u) < 0 || !u.release[0]) {
        warn_once(WARN_KERNEL, "cannot read the kernel release; kernel left out");
        return NULL;
    }
    return aura_strdup(u.release);
}

struct aura_host *aura_host_new(const char *root) {
    struct aura_host *h = aura_calloc(1, sizeof(*h));
    if (root && !*root)
        root = NULL;
    h->hostname = read_hostname();
    h->machine_id = read_machine_id(root);
    h->boot_id = read_boot_id(root);
    h->os = read_os(root);
    h->kernel = read_kernel();
    return h;
}

void aura_host_free(struct aura_host *h) {
    if (!h)
        return;
    free(h->hostname);
    free(h->machine_id);
    free(h->boot_id);
    free(h->os);
    free(h->kernel);
    free(h);
}

bool aura_host_refresh(struct aura_host *h) {
    struct utsname u;
    if (uname(&u) < 0 || !u.nodename[0])
        return false;
    if (h->hostname && strcmp(h->hostname, u.nodename) == 0)
        return false;
    free(h->hostname);
    h->hostname = aura_strdup(u.nodename);
    return true;
}
