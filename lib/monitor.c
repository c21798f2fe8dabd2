#include "monitor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "content.h"
#include "entry.h"
#include "forwarder.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "metrics_server.h"

#define STATUS_INTERVAL_US (5 * 1000000ULL)        /* while entries wait: the lag moves */
#define STATUS_IDLE_INTERVAL_US (60 * 1000000ULL)  /* nothing waiting: no need to wake often */
#define METRICS_FILE_INTERVAL_S 15.0

struct aura_monitor {
    struct aura_loop *loop;
    struct aura_forwarder *fwd;
    struct aura_metric_set set;
    struct aura_metrics_server *server;
    char *listen;
    struct aura_metrics_file *file;
    char *file_path; /* expanded */
    double unhealthy_after;
    char state[128];
    bool notify; /* NOTIFY_SOCKET is set */
    struct aura_timer status_timer;
};

static bool health_cb(void *userdata, char *reason, size_t size) {
    return aura_monitor_healthy(userdata, reason, size);
}

static void status_tick(struct aura_loop *loop, void *userdata) {
    struct aura_monitor *m = userdata;
    aura_monitor_status(m, NULL);
}

struct aura_monitor *aura_monitor_new(struct aura_loop *loop, struct aura_forwarder *fwd, bool journal) {
    struct aura_monitor *m = aura_calloc(1, sizeof *m);
    m->loop = loop;
    m->fwd = fwd;
    m->unhealthy_after = 300;
    aura_metric_set_init(&m->set, journal);
    aura_forwarder_set_metrics(fwd, &m->set);
    aura_metrics_on_collect(m->set.reg, aura_forwarder_collect, fwd);
    snprintf(m->state, sizeof m->state, "Forwarding");
    const char *ns = getenv("NOTIFY_SOCKET");
    m->notify = ns && *ns;
    aura_timer_init(&m->status_timer, status_tick, m);
    return m;
}

void aura_monitor_free(struct aura_monitor *m) {
    if (!m)
        return;
    aura_loop_timer_disarm(m->loop, &m->status_timer);
    aura_metrics_server_free(m->server);
    aura_metrics_file_free(m->file);
    aura_forwarder_set_metrics(m->fwd, NULL);
    aura_metric_set_done(&m->set);
    free(m->listen);
    free(m->file_path);
    free(m);
}

struct aura_metric_set *aura_monitor_metrics(struct aura_monitor *m) {
    return &m->set;
}

static bool str_eq(const char *a, const char *b) {
    return strcmp(a ? a : "", b ? b : "") == 0;
}

int aura_monitor_configure(struct aura_monitor *m, const struct aura_monitor_settings *s, char *err,
                           size_t errlen) {
    m->unhealthy_after = s->unhealthy_after > 0 ? s->unhealthy_after : 300;
    const char *listen = s->listen && *s->listen ? s->listen : NULL;
    if (!str_eq(listen, m->listen)) {
        struct aura_metrics_server *srv = NULL;
        if (listen) {
            int r = aura_metrics_server_new(m->loop, listen, m->set.reg, health_cb, m, &srv);
            if (r < 0) {
                char why[200];
                struct sockaddr_storage ss;
                socklen_t len;
                if (aura_listen_parse(listen, &ss, &len, why, sizeof why) == 0)
                    snprintf(why, sizeof why, "%s", strerror(-r));
                snprintf(err, errlen, "[metrics] listen = %s: %s", listen, why);
                return r;
            }
        }
        aura_metrics_server_free(m->server);
        m->server = srv;
        free(m->listen);
        m->listen = listen ? aura_strdup(listen) : NULL;
        if (srv)
            aura_log(AURA_LOG_INFO, "serving /metrics and /healthz on %s", listen);
    }
    char *path = s->metrics_file && *s->metrics_file ? aura_metrics_expand_path(s->metrics_file, getpid()) : NULL;
    if (!str_eq(path, m->file_path)) {
        aura_metrics_file_free(m->file);
        m->file = NULL;
        if (path)
            aura_metrics_file_new(m->loop, path, m->set.reg, METRICS_FILE_INTERVAL_S, &m->file);
        free(m->file_path);
        m->file_path = path;
    } else {
        free(path);
    }
    return 0;
}

bool aura_monitor_healthy(struct aura_monitor *m, char *reason, size_t size) {
    uint64_t limit_us = (uint64_t)(m->unhealthy_after * 1e6);
    uint64_t failing = aura_forwarder_failing_us(m->fwd);
    uint64_t lag = aura_forwarder_lag_us(m->fwd);
    if (failing > limit_us) {
        snprintf(reason, size, "delivery failing for %llu s (unhealthy_after = %g): %s",
                 (unsigned long long)(failing / 1000000u), m->unhealthy_after, aura_forwarder_last_error(m->fwd));
        return false;
    }
    if (lag > limit_us) {
        snprintf(reason, size, "oldest undelivered entry waiting for %llu s (unhealthy_after = %g)",
                 (unsigned long long)(lag / 1000000u), m->unhealthy_after);
        return false;
    }
    return true;
}

void aura_monitor_status(struct aura_monitor *m, const char *state) {
    if (!m)
        return;
    if (state)
        snprintf(m->state, sizeof m->state, "%s", state);
    if (!m->notify)
        return;
    struct aura_stats st;
    aura_forwarder_get_stats(m->fwd, &st);
    char last[40] = "none yet";
    double t = m->set.last_success->value;
    if (t > 0) {
        time_t tt = (time_t)t;
        struct tm tm;
        if (gmtime_r(&tt, &tm))
            strftime(last, sizeof last, "%Y-%m-%d %H:%M:%S UTC", &tm);
    }
    char line[400];
    snprintf(line, sizeof line, "STATUS=%s; backlog %zu, lag %.1f s, last success %s", m->state, st.backlog,
             (double)aura_forwarder_lag_us(m->fwd) / 1e6, last);
    sd_notify(0, line);
    aura_loop_timer_arm(m->loop, &m->status_timer,
                        aura_now_us() + (st.backlog ? STATUS_INTERVAL_US : STATUS_IDLE_INTERVAL_US));
}

void aura_monitor_flush(struct aura_monitor *m) {
    if (m)
        aura_metrics_file_flush(m->file);
}

void aura_monitor_count_content(struct aura_monitor *m, int from) {
    const char *name = aura_level_from_name((enum aura_level_from)from);
    if (m && name)
        aura_series_add(aura_metric_series(m->set.content_levels, name), 1);
}

void aura_monitor_count_folded(struct aura_monitor *m, const struct aura_entry *e) {
    bool folded = false, level = false;
    if (!m)
        return;
    /* the engine also hands back held lines that started no trace: only an
     * entry with stack_lines is a fold; level_from is there unless the first
     * line had its own severity */
    for (size_t i = 0; i < e->n_fields; i++) {
        folded |= strcmp(e->fields[i].key, "stack_lines") == 0;
        level |= strcmp(e->fields[i].key, "level_from") == 0;
    }
    if (!folded)
        return;
    aura_series_add(m->set.stack_traces, 1);
    if (level)
        aura_monitor_count_content(m, AURA_FROM_STACK_TRACE);
}
