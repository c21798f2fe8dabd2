/* app.h - what both programs share around their front end: command line
 * (--config --check --stdout --verbose --version --help), configuration
 * load and reload, host metadata, the event loop, the forwarder, signals
 * (SIGTERM/SIGINT graceful stop, SIGHUP reload, SIGUSR1 stats line) and
 * capture_errors self-reports.
 *
 * A front end's main() is: return aura_app_main(&my_frontend, argc, argv); */
#pragma once
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "settings.h"
#include "forwarder.h"

struct aura_loop;
struct aura_host;
struct aura_global;
struct aura_app;
struct aura_monitor;

struct aura_frontend {
    const char *program;            /* "auralog-journald" */
    const char *synopsis;           /* usage line after the program name */
    const char *help;               /* front-end specific option help, lines of "  --opt  text\n" */
    const struct option *options;   /* extra long options (val >= 256), terminated by {0}; may be NULL */
    /* the front end's own sections of the configuration file, registered
     * before it is loaded (lib/settings.h); may be NULL */
    const struct aura_settings_table *settings;
    enum aura_full_policy full_policy;
    /* [metrics] listen is ignored (with a warning): a program that may run
     * several times at once (omauralog under rsyslog) uses metrics_file. */
    bool no_metrics_listen;
    void *userdata;

    /* A front-end option from options[]: 0, or -EINVAL after printing nothing;
     * the app prints one usage error: app->opt_error when the front end wrote
     * why there, else "invalid value for option".  May record into userdata. */
    int (*parse_option)(struct aura_app *app, int opt, const char *arg);
    /* After a configuration is loaded (at start, also for --check, and on
     * SIGHUP before reload()): apply command-line overrides into cfg, which
     * is not app->cfg yet; on error write one line into err and return
     * -EINVAL (exit 2, or the reload is refused). */
    int (*apply)(struct aura_app *app, struct aura_settings *cfg, char *err, size_t errlen);
    /* Start reading: register fds / timers with app->loop.  Negative errno
     * exits 1 (the front end logs why). */
    int (*start)(struct aura_app *app);
    void (*acked)(struct aura_app *app, uint64_t watermark);
    void (*writable)(struct aura_app *app);
    /* SIGTERM/SIGINT: stop reading input now (the app then flushes). */
    void (*stop)(struct aura_app *app);
    /* SIGTERM/SIGINT, asked first (may be NULL): seconds to let the front end
     * end the run on its own (it calls aura_app_drain_and_exit when its input
     * ends), 0 to stop now.  When they pass, stop and the flush follow. */
    unsigned (*defer_stop)(struct aura_app *app);
    /* After the loop ended, before exit: persist state (cursor). */
    void (*finish)(struct aura_app *app);
    /* SIGHUP with a valid new config: adopt what the front end uses of it.
     * 0, or negative errno to refuse (the old config stays). */
    int (*reload)(struct aura_app *app, const struct aura_settings *newcfg);
    /* Append front-end fields to the SIGUSR1 stats line (may be NULL). */
    void (*stats)(struct aura_app *app, char *out, size_t size);
};

struct aura_app {
    const struct aura_frontend *fe;
    void *userdata;           /* fe->userdata */
    const char *config_path;
    bool check, use_stdout, verbose;
    enum aura_full_policy full_policy; /* starts as fe->full_policy; parse_option may change it */
    struct aura_settings *cfg;
    struct aura_host *host;
    struct aura_global *global;
    struct aura_loop *loop;
    struct aura_forwarder *fwd;
    struct aura_monitor *monitor; /* metrics, health, STATUS= (SPEC §12) */
    bool stopping;            /* a stop was requested */
    int exit_code;
    char opt_error[256];      /* parse_option: why its value is invalid (one line, no program name) */
};

int aura_app_main(const struct aura_frontend *fe, int argc, char **argv);

/* Input is finished (EOF, or --once reached the end): flush everything,
 * wait for every acknowledgement (EOF: at most the shutdown grace), then
 * leave the loop and exit 0. */
void aura_app_drain_and_exit(struct aura_app *app, bool wait_forever);

/* Report one of the bridge's own faults as an Auralog entry (capture_errors):
 * level error or fatal, metadata source "auralog-bridge".  No-op when
 * capture_errors = false. */
void aura_app_self_report(struct aura_app *app, int level, const char *message);
