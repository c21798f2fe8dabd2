/* test_host - host metadata read from fixture roots under
 * tests/fixtures/host/: values, boot_id without dashes, os-release quoting,
 * the /usr/lib fallback, NULL plus one warning per missing source. */
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "host.h"
#include "tap.h"

#define ROOTS "tests/fixtures/host/"

struct host_case {
    const char *root;
    const char *machine_id;
    const char *boot_id;
    const char *os;
    const char *warns; /* the one warning this root adds (each gap warns once per process) */
};

static const struct host_case cases[] = {
    {ROOTS "full", "0123456789abcdef0123456789abcdef", "8f1c2a3b4d5e6f708192a3b4c5d6e7f8",
     "Debian GNU/Linux 12 (bookworm) \"test\"", NULL},
    {ROOTS "usrlib", "fedcba9876543210fedcba9876543210", NULL, "Fedora Linux 40 (Server Edition)",
     "boot_id left out"},
    /* "uninitialized", not a UUID (already warned about), no PRETTY_NAME */
    {ROOTS "bad", NULL, NULL, "Linux", "does not hold a machine ID; machine_id left out"},
    {ROOTS "empty", NULL, NULL, NULL, "os left out"},
};

/* Run aura_host_new(root) with stderr going to a temp file; returns what was logged. */
static char *new_host_logged(const char *root, struct aura_host **out) {
    FILE *tmp = tmpfile();
    fflush(stderr);
    int saved = dup(2);
    dup2(fileno(tmp), 2);
    *out = aura_host_new(root);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    long n = ftell(tmp);
    rewind(tmp);
    char *s = calloc(1, (size_t)n + 1);
    if (fread(s, 1, (size_t)n, tmp) != (size_t)n)
        s[0] = '\0';
    fclose(tmp);
    return s;
}

static size_t count(const char *s, const char *needle) {
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

int main(void) {
    const char *top = getenv("top_srcdir");
    if (chdir(top && *top ? top : ".") < 0) {
        perror("chdir top_srcdir");
        return 1;
    }
    struct utsname u;
    uname(&u);

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct host_case *c = &cases[i];
        struct aura_host *h;
        char *log = new_host_logged(c->root, &h);
        CHECK_STR(h->machine_id, c->machine_id, "%s: machine_id", c->root);
        CHECK_STR(h->boot_id, c->boot_id, "%s: boot_id", c->root);
        CHECK_STR(h->os, c->os, "%s: os", c->root);
        CHECK_STR(h->hostname, u.nodename, "%s: hostname from uname", c->root);
        CHECK_STR(h->kernel, u.release, "%s: kernel release", c->root);
        if (c->warns) {
            CHECK(strstr(log, c->warns) != NULL, "%s: warns \"%s\"", c->root, c->warns);
            CHECK_INT(count(log, "\n"), 1, "%s: one warning line", c->root);
        } else {
            CHECK_STR(log, "", "%s: nothing to warn about", c->root);
        }
        printf("# %s logged: %s", c->root, *log ? log : "(nothing)\n");
        free(log);
        aura_host_free(h);
    }

    /* The warnings above came once each; the same gaps again are silent. */
    struct aura_host *h;
    char *log = new_host_logged(ROOTS "empty", &h);
    CHECK(h->machine_id == NULL && h->boot_id == NULL && h->os == NULL, "empty root again: NULLs");
    CHECK_STR(log, "", "empty root again: no repeated warning");
    CHECK_INT(count(log, "\n"), 0, "no warning lines");
    free(log);

    /* refresh: nothing changed -> false; a stale hostname -> true and fixed. */
    CHECK(!aura_host_refresh(h), "refresh: hostname unchanged");
    free(h->hostname);
    h->hostname = strdup("stale-name");
    CHECK(aura_host_refresh(h), "refresh: hostname changed");
    CHECK_STR(h->hostname, u.nodename, "refresh: hostname re-read");
    aura_host_free(h);
    aura_host_free(NULL);

    /* The real root: on Linux boot_id always exists, in journald's form. */
    log = new_host_logged(NULL, &h);
    CHECK(h->boot_id && strlen(h->boot_id) == 32 && !strchr(h->boot_id, '-'), "real root: 32-hex boot_id");
    CHECK(h->kernel != NULL, "real root: kernel");
    free(log);
    aura_host_free(h);
    h = aura_host_new("");
    CHECK(h->boot_id && strlen(h->boot_id) == 32, "\"\" root is the real root");
    aura_host_free(h);

    return tap_done();
}
