/* app.c - the frame both programs run in: command line, configuration,
 * loop, forwarder, signals, capture_errors. */
#include "settings.h"

#include "app.h"
#include "content.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "entry.h"
#include "global.h"
#include "host.h"
#include "level.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "monitor.h"

#define SHUTDOWN_GRACE_US (5u * 1000000u)

enum {
    OPT_CONFIG = 'c',
    OPT_HELP = 'h',
    OPT_VERBOSE = 'v',
    OPT_VERSION = 'V',
    OPT_CHECK = 1000,
    OPT_STDOUT,
};

static const struct option common_options[] = {
    {"config", required_argument, NULL, OPT_CONFIG}, {"check", no_argument, NULL, OPT_CHECK},
    {"stdout", no_argument, NULL, OPT_STDOUT},       {"verbose", no_argument, NULL, OPT_VERBOSE},
    {"version", no_argument, NULL, OPT_VERSION},     {"help", no_argument, NULL, OPT_HELP},
};

struct app_state {
    struct aura_app app;
    struct aura_timer grace_timer;
    struct aura_timer defer_timer; /* a deferred stop (fe->defer_stop) */
    bool draining, wait_forever, stop_deferred;
    bool explicit_config; /* --config given: a missing file is an error even with --stdout */
    char crash_path[4096];
};

static struct app_state *crash_state; /* for the fatal-signal handler */

static void print_help(const struct aura_frontend *fe) {
    printf("Usage: %s %s\n\n", fe->program, fe->synopsis ? fe->synopsis : "[OPTIONS]");
    printf("Options:\n"
           "  -c, --config FILE   configuration file (default %s)\n"
           "      --check         validate the configuration, print it (API key redacted), exit\n"
           "      --stdout        print the requests that would be sent, one JSON line each,\n"
           "                      instead of sending them (no API key needed)\n"
           "  -v, --verbose       log debug details to stderr\n"
           "  -V, --version       print the version and exit\n"
           "  -h, --help          print this help and exit\n",
           AURA_DEFAULT_CONFIG);
    if (fe->help)
        fputs(fe->help, stdout);
    printf("\nSignals: SIGTERM/SIGINT flush and stop, SIGHUP reloads the configuration,\n"
           "SIGUSR1 logs one statistics line.  Exit status: 0 ok, 1 runtime failure,\n"
           "2 usage or configuration error.\n");
}

static int usage_error(const struct aura_frontend *fe, const char *what) {
    fprintf(stderr, "%s: error: %s (see %s --help)\n", fe->program, what, fe->program);
    return 2;
}

/* ---- capture_errors: a crash is written down now and reported next start -- */

static void crash_handler(int signo) {
    if (crash_state && crash_state->crash_path[0]) {
        int fd = open(crash_state->crash_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd >= 0) {
            char buf[96];
            /* async-signal-safe formatting of the signal number and time */
            char num[32];
            int n = 0;
            unsigned v = (unsigned)signo;
            do {
                num[n++] = (char)('0' + v % 10);
                v /= 10;
            } while (v);
            size_t len = 0;
            const char *pre = "signal ";
            for (const char *p = pre; *p; p++)
                buf[len++] = *p;
            while (n)
                buf[len++] = num[--n];
            buf[len++] = ' ';
            unsigned long long t = (unsigned long long)time(NULL);
            n = 0;
            do {
                num[n++] = (char)('0' + t % 10);
                t /= 10;
            } while (t);
            while (n)
                buf[len++] = num[--n];
            buf[len++] = '\n';
            if (write(fd, buf, len) < 0) {
                /* nothing more can be done from here */
            }
            close(fd);
        }
    }
    signal(signo, SIG_DFL);
    raise(signo);
}

static void crash_setup(struct app_state *s) {
    const struct aura_settings *cfg = s->app.cfg;
    s->crash_path[0] = '\0';
    if (!cfg->capture_errors || !cfg->state_directory || s->app.use_stdout)
        return;
    snprintf(s->crash_path, sizeof s->crash_path, "%s/%s.crash", cfg->state_directory, s->app.fe->program);
    crash_state = s;
    struct sigaction sa = {0};
    sa.sa_handler = crash_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    int sigs[] = {SIGSEGV, SIGABRT, SIGFPE, SIGILL};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
}

static void crash_report_previous(struct app_state *s) {
    if (!s->crash_path[0])
        return;
    FILE *fp = fopen(s->crash_path, "re");
    if (!fp)
        return;
    int signo = 0;
    long long when = 0;
    if (fscanf(fp, "signal %d %lld", &signo, &when) != 2)
        signo = 0;
    fclose(fp);
    unlink(s->crash_path);
    char msg[256];
    time_t t = (time_t)when;
    struct tm tm;
    char date[64] = "an unknown time";
    if (when > 0 && gmtime_r(&t, &tm))
        strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(msg, sizeof msg, "the previous run of %s crashed with signal %d (%s) at %s", s->app.fe->program, signo,
             signo > 0 ? strsignal(signo) : "unknown", date);
    aura_log(AURA_LOG_WARNING, "%s", msg);
    aura_app_self_report(&s->app, AURA_LEVEL_FATAL, msg);
}

void aura_app_self_report(struct aura_app *app, int level, const char *message) {
    if (!app->cfg || !app->cfg->capture_errors || !app->fwd)
        return;
    struct aura_entry e;
    aura_entry_init(&e);
    e.level = (enum aura_level)level;
    e.time_us = aura_realtime_us();
    e.message = message;
    e.message_len = strlen(message);
    aura_entry_add_cstr(&e, "source", "auralog-bridge");
    aura_entry_add_cstr(&e, "program", app->fe->program);
    aura_entry_add_int(&e, "pid", (int64_t)getpid());
    aura_entry_add_cstr(&e, "severity", level == AURA_LEVEL_FATAL ? "crit" : "err");
    uint64_t seq;
    if (aura_forwarder_submit(app->fwd, &e, &seq) < 0)
        aura_log(AURA_LOG_DEBUG, "self-report not queued (queue full): %s", message);
    aura_entry_free(&e);
}

/* ---- forwarder hooks ------------------------------------------------------ */

static void maybe_finish_drain(struct app_state *s) {
    struct aura_app *app = &s->app;
    if (!s->draining || !app->fwd)
        return;
    if (aura_forwarder_watermark(app->fwd) >= aura_forwarder_last_seq(app->fwd))
        aura_loop_quit(app->loop);
}

static void hook_acked(void *userdata, uint64_t watermark) {
    struct app_state *s = userdata;
    if (s->app.fe->acked)
        s->app.fe->acked(&s->app, watermark);
    maybe_finish_drain(s);
}

static void hook_writable(void *userdata) {
    struct app_state *s = userdata;
    if (s->app.fe->writable && !s->app.stopping)
        s->app.fe->writable(&s->app);
}

static void hook_fault(void *userdata, int level, const char *message) {
    struct app_state *s = userdata;
    aura_app_self_report(&s->app, level, message);
}

static void grace_expired(struct aura_loop *loop, void *userdata) {
    struct app_state *s = userdata;
    struct aura_stats st;
    aura_forwarder_get_stats(s->app.fwd, &st);
    if (st.backlog)
        aura_log(AURA_LOG_WARNING, "stopping with %zu %s not acknowledged by the endpoint", st.backlog,
                 st.backlog == 1 ? "entry" : "entries");
    aura_loop_quit(loop);
}

static void defer_expired(struct aura_loop *loop, void *userdata) {
    struct app_state *s = userdata;
    struct aura_app *app = &s->app;
    (void)loop;
    aura_log(AURA_LOG_WARNING, "the input did not end in time after the stop signal: stopping, flushing for up to %u s",
             SHUTDOWN_GRACE_US / 1000000u);
    app->stopping = true;
    if (app->fe->stop)
        app->fe->stop(app);
    aura_app_drain_and_exit(app, false);
}

void aura_app_drain_and_exit(struct aura_app *app, bool wait_forever) {
    struct app_state *s = (struct app_state *)app;
    if (s->draining) {
        /* already draining (EOF, --once) and now told to stop: bound the wait */
        if (s->wait_forever && !wait_forever) {
            s->wait_forever = false;
            aura_loop_timer_arm(app->loop, &s->grace_timer, aura_now_us() + SHUTDOWN_GRACE_US);
        }
        maybe_finish_drain(s);
        return;
    }
    s->draining = true;
    s->wait_forever = wait_forever;
    aura_forwarder_flush(app->fwd);
    if (!wait_forever)
        aura_loop_timer_arm(app->loop, &s->grace_timer, aura_now_us() + SHUTDOWN_GRACE_US);
    maybe_finish_drain(s);
}

/* ---- configuration ---------------------------------------------------- */

static unsigned config_flags(const struct aura_app *app, bool explicit_path) {
    unsigned flags = 0;
    if (app->use_stdout)
        flags |= AURA_SETTINGS_KEY_OPTIONAL;
    if (app->use_stdout && !explicit_path)
        flags |= AURA_SETTINGS_MISSING_OK;
    return flags;
}

static int load_config(struct aura_app *app, bool explicit_path, struct aura_settings **ret, char *err, size_t errlen) {
    struct aura_settings *cfg = NULL;
    int r = aura_settings_load(app->config_path, config_flags(app, explicit_path), &cfg, err, errlen);
    if (r < 0)
        return r;
    if (app->fe->apply) {
        r = app->fe->apply(app, cfg, err, errlen);
        if (r < 0) {
            aura_settings_free(cfg);
            return r;
        }
    }
    *ret = cfg;
    return 0;
}

/* [metrics] of cfg into the monitor: 0, or -errno with err set. */
static int configure_monitor(struct aura_app *app, const struct aura_settings *cfg, char *err, size_t errlen) {
    struct aura_monitor_settings ms = {
        .listen = cfg->metrics_listen, .metrics_file = cfg->metrics_file, .unhealthy_after = cfg->unhealthy_after};
    if (app->fe->no_metrics_listen && ms.listen) {
        aura_log(AURA_LOG_WARNING,
                 "[metrics] listen = %s is not served by %s (rsyslog may run it several times): use metrics_file "
                 "with %%p instead",
                 ms.listen, app->fe->program);
        ms.listen = NULL;
    }
    return aura_monitor_configure(app->monitor, &ms, err, errlen);
}

static void count_reload(struct aura_app *app, bool ok) {
    struct aura_metric_set *m = app->monitor ? aura_monitor_metrics(app->monitor) : NULL;
    if (m)
        aura_series_add(ok ? m->reloads_ok : m->reloads_failed, 1);
}

static void reload(struct app_state *s) {
    struct aura_app *app = &s->app;
    char err[1024] = "";
    struct aura_settings *cfg = NULL;
    int r = load_config(app, s->explicit_config, &cfg, err, sizeof err);
    if (r < 0) {
        char msg[1200];
        snprintf(msg, sizeof msg, "reload failed, keeping the previous configuration: %s", err);
        aura_log(AURA_LOG_ERR, "%s", msg);
        aura_app_self_report(app, AURA_LEVEL_ERROR, msg);
        count_reload(app, false);
        return;
    }
    if (app->fe->reload && (r = app->fe->reload(app, cfg)) < 0) {
        aura_log(AURA_LOG_ERR, "reload refused by %s (%s), keeping the previous configuration", app->fe->program,
                 strerror(-r));
        aura_settings_free(cfg);
        count_reload(app, false);
        return;
    }
    struct aura_host *host = NULL;
    if (cfg->host_metadata)
        host = aura_host_new(NULL);
    struct aura_global *global = aura_global_new(cfg, host);
    aura_forwarder_reconfigure(app->fwd, cfg, global);
    aura_global_free(app->global);
    aura_host_free(app->host);
    aura_settings_free(app->cfg);
    app->cfg = cfg;
    app->host = host;
    app->global = global;
    if (configure_monitor(app, cfg, err, sizeof err) < 0)
        aura_log(AURA_LOG_ERR, "reload: %s; the metrics server stays as it was", err);
    count_reload(app, true);
    aura_log(AURA_LOG_NOTICE, "configuration reloaded from %s", cfg->path ? cfg->path : "(built-in defaults)");
}

/* The counters on one line (SIGUSR1, and at exit: a process rsyslog starts
 * and stops leaves its totals behind). */
static void log_stats(struct aura_app *app, const char *what) {
    struct aura_stats st;
    char line[512], extra[256] = "";
    aura_forwarder_get_stats(app->fwd, &st);
    aura_stats_format(&st, line, sizeof line);
    if (app->fe->stats)
        app->fe->stats(app, extra, sizeof extra);
    aura_log(AURA_LOG_NOTICE, "%s %s%s%s", what, line, extra[0] ? " " : "", extra);
}

static void on_signal(struct aura_loop *loop, int signo, void *userdata) {
    struct app_state *s = userdata;
    struct aura_app *app = &s->app;
    switch (signo) {
    case SIGTERM:
    case SIGINT:
        if (!app->stopping && !s->stop_deferred && app->fe->defer_stop) {
            unsigned wait_s = app->fe->defer_stop(app);
            if (wait_s > 0) {
                s->stop_deferred = true;
                aura_log(AURA_LOG_INFO, "%s: finishing when the input ends, stopping in at most %u s",
                         strsignal(signo), wait_s);
                aura_loop_timer_arm(loop, &s->defer_timer, aura_now_us() + (uint64_t)wait_s * 1000000u);
                return;
            }
        }
        if (app->stopping || s->stop_deferred) {
            aura_log(AURA_LOG_NOTICE, "second stop signal: exiting now");
            aura_loop_quit(loop);
            return;
        }
        aura_log(AURA_LOG_INFO, "%s: stopping, flushing for up to %u s", strsignal(signo),
                 SHUTDOWN_GRACE_US / 1000000u);
        app->stopping = true;
        if (app->fe->stop)
            app->fe->stop(app);
        aura_app_drain_and_exit(app, false);
        break;
    case SIGHUP:
        reload(s);
        break;
    case SIGUSR1:
        log_stats(app, "stats");
        break;
    }
}

/* Journal files, inotify, two connections and curl's own wake-up pair all
 * need descriptors: take the soft limit up to the hard one, and say plainly
 * when that is still too few, since curl reports EMFILE only as "Couldn't
 * connect to server". */
static void raise_fd_limit(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return;
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
        if (want > rl.rlim_cur) {
            rl.rlim_cur = want;
            if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                getrlimit(RLIMIT_NOFILE, &rl);
        }
    }
    if (rl.rlim_cur < 64)
        aura_log(AURA_LOG_WARNING,
                 "the file descriptor limit is %llu: too low, connections and journal files may fail with "
                 "\"Too many open files\" (EMFILE); raise it (LimitNOFILE= in the unit, ulimit -n)",
                 (unsigned long long)rl.rlim_cur);
}

/* ---- main ----------------------------------------------------------------- */

int aura_app_main(const struct aura_frontend *fe, int argc, char **argv) {
    /* Block the signals the loop handles right away: one arriving before
     * the signalfd exists (a logrotate HUP during start-up) would otherwise
     * kill the process.  They wait, pending, until the loop reads them. */
    sigset_t handled;
    sigemptyset(&handled);
    sigaddset(&handled, SIGTERM);
    sigaddset(&handled, SIGINT);
    sigaddset(&handled, SIGHUP);
    sigaddset(&handled, SIGUSR1);
    sigprocmask(SIG_BLOCK, &handled, NULL);

    struct app_state *s = aura_calloc(1, sizeof *s);
    struct aura_app *app = &s->app;
    app->fe = fe;
    app->userdata = fe->userdata;
    app->config_path = AURA_DEFAULT_CONFIG;
    app->full_policy = fe->full_policy;
    aura_log_init(fe->program, false);
    aura_timer_init(&s->grace_timer, grace_expired, s);
    aura_timer_init(&s->defer_timer, defer_expired, s);
    aura_settings_register(&aura_content_settings_table); /* [content]: both programs */
    if (fe->settings)
        aura_settings_register(fe->settings);

    /* long options: the common ones, then the front end's */
    size_t n_common = sizeof common_options / sizeof common_options[0], n_fe = 0;
    while (fe->options && fe->options[n_fe].name)
        n_fe++;
    struct option *opts = aura_calloc(n_common + n_fe + 1, sizeof *opts);
    memcpy(opts, common_options, sizeof common_options);
    if (n_fe)
        memcpy(opts + n_common, fe->options, n_fe * sizeof *opts);

    int rc = 0, opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":c:hvV", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_CONFIG:
            app->config_path = optarg;
            s->explicit_config = true;
            break;
        case OPT_CHECK:
            app->check = true;
            break;
        case OPT_STDOUT:
            app->use_stdout = true;
            break;
        case OPT_VERBOSE:
            app->verbose = true;
            break;
        case OPT_VERSION:
            printf("%s (auralog-bridge) %s\n", fe->program, PACKAGE_VERSION);
            rc = 0;
            goto out_opts;
        case OPT_HELP:
            print_help(fe);
            rc = 0;
            goto out_opts;
        case ':': {
            char what[256];
            snprintf(what, sizeof what, "option '%s' needs a value", argv[optind - 1]);
            rc = usage_error(fe, what);
            goto out_opts;
        }
        case '?': {
            char what[256];
            snprintf(what, sizeof what, "unknown option '%s'", argv[optind - 1]);
            rc = usage_error(fe, what);
            goto out_opts;
        }
        default:
            app->opt_error[0] = '\0';
            if (!fe->parse_option || fe->parse_option(app, opt, optarg) < 0) {
                char what[256];
                if (app->opt_error[0])
                    snprintf(what, sizeof what, "%s", app->opt_error);
                else
                    snprintf(what, sizeof what, "invalid value for option '%s'", argv[optind - 1]);
                rc = usage_error(fe, what);
                goto out_opts;
            }
        }
    }
    if (optind < argc) {
        char what[256];
        snprintf(what, sizeof what, "unexpected argument '%s'", argv[optind]);
        rc = usage_error(fe, what);
        goto out_opts;
    }
    free(opts);
    opts = NULL;
    aura_log_init(fe->program, app->verbose);

    char err[1024] = "";
    int r = load_config(app, s->explicit_config, &app->cfg, err, sizeof err);
    if (r < 0) {
        fprintf(stderr, "%s: error: %s\n", fe->program, err);
        rc = 2;
        goto out;
    }
    if (app->check) {
        aura_settings_print(app->cfg, stdout);
        fprintf(stderr, "%s: configuration OK\n", fe->program);
        rc = 0;
        goto out;
    }

    /* The key lives in this process's memory (config, request bodies): keep
     * it out of core dumps and away from ptrace by other users. */
    if (app->cfg->api_key && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        aura_log(AURA_LOG_DEBUG, "prctl(PR_SET_DUMPABLE): %s", strerror(errno));
    raise_fd_limit();
    signal(SIGPIPE, SIG_IGN);
    CURLcode cc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (cc != CURLE_OK) {
        aura_log(AURA_LOG_ERR, "curl_global_init: %s", curl_easy_strerror(cc));
        rc = 1;
        goto out;
    }
    if (app->cfg->host_metadata)
        app->host = aura_host_new(NULL);
    app->global = aura_global_new(app->cfg, app->host);
    r = aura_loop_new(&app->loop);
    if (r < 0) {
        aura_log(AURA_LOG_ERR, "cannot create the event loop: %s", strerror(-r));
        rc = 1;
        goto out;
    }
    static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1};
    r = aura_loop_set_signals(app->loop, sigs, 4, on_signal, s);
    if (r < 0) {
        aura_log(AURA_LOG_ERR, "cannot set up signal handling: %s", strerror(-r));
        rc = 1;
        goto out;
    }
    struct aura_forwarder_hooks hooks = {
        .userdata = s, .acked = hook_acked, .writable = hook_writable, .fault = hook_fault};
    r = aura_forwarder_new(app->loop, app->cfg, app->global, app->full_policy, app->use_stdout ? stdout : NULL,
                           &hooks, &app->fwd);
    if (r < 0) {
        aura_log(AURA_LOG_ERR, "cannot set up delivery: %s", strerror(-r));
        rc = 1;
        goto out;
    }
    app->monitor = aura_monitor_new(app->loop, app->fwd, false);
    {
        char why[512] = "";
        if (configure_monitor(app, app->cfg, why, sizeof why) < 0) {
            aura_log(AURA_LOG_ERR, "%s", why);
            rc = 1;
            goto out;
        }
    }
    crash_setup(s);
    crash_report_previous(s);
    if (fe->start && (r = fe->start(app)) < 0) {
        rc = 1;
        goto out;
    }
    r = aura_loop_run(app->loop);
    log_stats(app, "stats at exit");
    if (fe->finish)
        fe->finish(app);
    rc = r < 0 ? 1 : app->exit_code;

out:
    crash_state = NULL;
    aura_monitor_flush(app->monitor); /* metrics_file with the final counts */
    aura_monitor_free(app->monitor);
    aura_forwarder_free(app->fwd);
    aura_loop_free(app->loop);
    aura_global_free(app->global);
    aura_host_free(app->host);
    aura_settings_free(app->cfg);
    curl_global_cleanup();
out_opts:
    free(opts);
    free(s);
    return rc;
}
