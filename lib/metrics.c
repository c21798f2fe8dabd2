#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"

#define PREFIX "auralog_"

struct aura_metric {
    enum aura_metric_type type;
    char *name; /* with the prefix */
    char *help;
    char *label; /* NULL: no label */
    double *bounds;
    size_t n_bounds;
    struct aura_series *series, **series_tail;
    struct aura_metric *next;
};

struct collect_hook {
    void (*cb)(void *userdata);
    void *userdata;
};

struct aura_metrics {
    struct aura_metric *families, **families_tail;
    struct collect_hook *hooks;
    size_t n_hooks;
};

struct aura_metrics *aura_metrics_new(void) {
    struct aura_metrics *m = aura_calloc(1, sizeof *m);
    m->families_tail = &m->families;
    return m;
}

void aura_metrics_free(struct aura_metrics *m) {
    if (!m)
        return;
    struct aura_metric *f = m->families;
    while (f) {
        struct aura_metric *fn = f->next;
        struct aura_series *s = f->series;
        while (s) {
            struct aura_series *sn = s->next;
            free(s->buckets);
            free(s->label_value);
            free(s);
            s = sn;
        }
        free(f->name);
        free(f->help);
        free(f->label);
        free(f->bounds);
        free(f);
        f = fn;
    }
    free(m->hooks);
    free(m);
}

struct aura_metric *aura_metrics_add(struct aura_metrics *m, enum aura_metric_type type, const char *name,
                                     const char *help, const char *label) {
    struct aura_metric *f = aura_calloc(1, sizeof *f);
    struct aura_buf b = AURA_BUF_INIT;
    aura_buf_printf(&b, PREFIX "%s", name);
    f->name = aura_buf_steal(&b);
    f->type = type;
    f->help = aura_strdup(help);
    f->label = label ? aura_strdup(label) : NULL;
    f->series_tail = &f->series;
    *m->families_tail = f;
    m->families_tail = &f->next;
    return f;
}

struct aura_metric *aura_metrics_add_histogram(struct aura_metrics *m, const char *name, const char *help,
                                               const char *label, const double *bounds, size_t n_bounds) {
    struct aura_metric *f = aura_metrics_add(m, AURA_METRIC_HISTOGRAM, name, help, label);
    f->bounds = aura_calloc(n_bounds ? n_bounds : 1, sizeof *f->bounds);
    memcpy(f->bounds, bounds, n_bounds * sizeof *bounds);
    f->n_bounds = n_bounds;
    return f;
}

struct aura_series *aura_metric_series(struct aura_metric *f, const char *label_value) {
    for (struct aura_series *s = f->series; s; s = s->next)
        if ((!s->label_value && !label_value) ||
            (s->label_value && label_value && strcmp(s->label_value, label_value) == 0))
            return s;
    struct aura_series *s = aura_calloc(1, sizeof *s);
    s->family = f;
    s->label_value = label_value ? aura_strdup(label_value) : NULL;
    if (f->type == AURA_METRIC_HISTOGRAM)
        s->buckets = aura_calloc(f->n_bounds + 1, sizeof *s->buckets);
    *f->series_tail = s;
    f->series_tail = &s->next;
    return s;
}

void aura_series_observe(struct aura_series *s, double v) {
    const struct aura_metric *f = s->family;
    if (!s->buckets)
        return;
    size_t i = 0;
    while (i < f->n_bounds && v > f->bounds[i])
        i++;
    s->buckets[i]++;
    s->count++;
    s->sum += v;
}

void aura_metrics_on_collect(struct aura_metrics *m, void (*collect)(void *userdata), void *userdata) {
    m->hooks = aura_realloc(m->hooks, (m->n_hooks + 1) * sizeof *m->hooks);
    m->hooks[m->n_hooks++] = (struct collect_hook){collect, userdata};
}

/* Text format 0.0.4: HELP escapes '\' and newline; label values also '"'. */
static void put_escaped(struct aura_buf *out, const char *s, int quote) {
    for (; *s; s++) {
        if (*s == '\\')
            aura_buf_puts(out, "\\\\");
        else if (*s == '\n')
            aura_buf_puts(out, "\\n");
        else if (quote && *s == '"')
            aura_buf_puts(out, "\\\"");
        else
            aura_buf_putc(out, *s);
    }
}

static void put_value(struct aura_buf *out, double v) {
    if (isnan(v))
        aura_buf_puts(out, "NaN");
    else if (isinf(v))
        aura_buf_puts(out, v > 0 ? "+Inf" : "-Inf");
    else if (v == (double)(int64_t)v && fabs(v) < 9007199254740992.0)
        aura_buf_printf(out, "%lld", (long long)v);
    else {
        /* the shortest of %.15g / %.17g that reads back exactly: 0.005, not 0.0050000000000000001 */
        char text[40];
        snprintf(text, sizeof text, "%.15g", v);
        if (strtod(text, NULL) != v)
            snprintf(text, sizeof text, "%.17g", v);
        aura_buf_puts(out, text);
    }
}

/* name{label="value",le="bound"} */
static void put_name(struct aura_buf *out, const struct aura_metric *f, const struct aura_series *s,
                     const char *suffix, const char *le) {
    aura_buf_puts(out, f->name);
    aura_buf_puts(out, suffix);
    if (!s->label_value && !le)
        return;
    aura_buf_putc(out, '{');
    if (s->label_value) {
        aura_buf_printf(out, "%s=\"", f->label);
        put_escaped(out, s->label_value, 1);
        aura_buf_putc(out, '"');
    }
    if (le)
        aura_buf_printf(out, "%sle=\"%s\"", s->label_value ? "," : "", le);
    aura_buf_putc(out, '}');
}

static const char *type_name(enum aura_metric_type t) {
    switch (t) {
    case AURA_METRIC_COUNTER:
        return "counter";
    case AURA_METRIC_GAUGE:
        return "gauge";
    case AURA_METRIC_HISTOGRAM:
        return "histogram";
    }
    return "untyped";
}

static void render_histogram(struct aura_buf *out, const struct aura_metric *f, const struct aura_series *s) {
    uint64_t cumulative = 0;
    char le[64];
    for (size_t i = 0; i <= f->n_bounds; i++) {
        cumulative += s->buckets[i];
        if (i < f->n_bounds) {
            struct aura_buf b = AURA_BUF_INIT;
            put_value(&b, f->bounds[i]);
            snprintf(le, sizeof le, "%s", b.data);
            aura_buf_free(&b);
        } else {
            snprintf(le, sizeof le, "+Inf");
        }
        put_name(out, f, s, "_bucket", le);
        aura_buf_printf(out, " %llu\n", (unsigned long long)cumulative);
    }
    put_name(out, f, s, "_sum", NULL);
    aura_buf_putc(out, ' ');
    put_value(out, s->sum);
    aura_buf_putc(out, '\n');
    put_name(out, f, s, "_count", NULL);
    aura_buf_printf(out, " %llu\n", (unsigned long long)s->count);
}

void aura_metrics_render(struct aura_metrics *m, struct aura_buf *out) {
    for (size_t i = 0; i < m->n_hooks; i++)
        m->hooks[i].cb(m->hooks[i].userdata);
    for (const struct aura_metric *f = m->families; f; f = f->next) {
        aura_buf_printf(out, "# HELP %s ", f->name);
        put_escaped(out, f->help, 0);
        aura_buf_printf(out, "\n# TYPE %s %s\n", f->name, type_name(f->type));
        for (const struct aura_series *s = f->series; s; s = s->next) {
            if (f->type == AURA_METRIC_HISTOGRAM) {
                render_histogram(out, f, s);
                continue;
            }
            put_name(out, f, s, "", NULL);
            aura_buf_putc(out, ' ');
            put_value(out, s->value);
            aura_buf_putc(out, '\n');
        }
    }
}

int aura_metrics_write_file(struct aura_metrics *m, const char *path) {
    struct aura_buf text = AURA_BUF_INIT;
    aura_metrics_render(m, &text);
    /* the temp file is PATH.tmp.PID, not *.prom: the node_exporter textfile
     * collector never picks it up */
    int r = aura_file_replace(path, text.data ? text.data : "", text.len, false);
    aura_buf_free(&text);
    return r;
}

char *aura_metrics_expand_path(const char *tmpl, pid_t pid) {
    struct aura_buf b = AURA_BUF_INIT;
    for (const char *p = tmpl; *p; p++) {
        if (p[0] == '%' && p[1] == 'p') {
            aura_buf_printf(&b, "%ld", (long)pid);
            p++;
        } else if (p[0] == '%' && p[1] == '%') {
            aura_buf_putc(&b, '%');
            p++;
        } else {
            aura_buf_putc(&b, *p);
        }
    }
    if (!b.data)
        aura_buf_puts(&b, "");
    return aura_buf_steal(&b);
}

enum aura_metric_code aura_metric_code_of(long status) {
    if (status >= 200 && status < 300)
        return AURA_CODE_2XX;
    if (status >= 300 && status < 400)
        return AURA_CODE_3XX;
    if (status >= 400 && status < 500)
        return AURA_CODE_4XX;
    if (status >= 500 && status < 600)
        return AURA_CODE_5XX;
    return AURA_CODE_NETWORK;
}

void aura_metric_set_init(struct aura_metric_set *s, int journal) {
    static const double bounds[] = AURA_METRICS_DURATION_BOUNDS;
    static const char *const codes[AURA_CODE_N] = {"2xx", "3xx", "4xx", "5xx", "network"};
    struct aura_metrics *m = aura_metrics_new();
    struct aura_metric *f;
    memset(s, 0, sizeof *s);
    s->reg = m;

    f = aura_metrics_add(m, AURA_METRIC_GAUGE, "build_info", "Build of the running bridge; always 1.", "version");
    aura_series_set(aura_metric_series(f, PACKAGE_VERSION), 1);
    f = aura_metrics_add(m, AURA_METRIC_COUNTER, "entries_read_total", "Entries handed to the forwarder by the front end.",
                         NULL);
    s->entries_read = aura_metric_series(f, NULL);
    f = aura_metrics_add(m, AURA_METRIC_COUNTER, "entries_sent_total",
                         "Entries in requests the ingest API accepted (2xx), by lane.", "lane");
    s->sent_batch = aura_metric_series(f, "batch");
    s->sent_urgent = aura_metric_series(f, "urgent");
    s->dropped = aura_metrics_add(m, AURA_METRIC_COUNTER, "entries_dropped_total",
                                  "Entries given up on, by reason (rejected: the server refused the entry alone; "
                                  "overflow: the queue was full).",
                                  "reason");
    s->dropped_rejected = aura_metric_series(s->dropped, "rejected");
    s->dropped_overflow = aura_metric_series(s->dropped, "overflow");
    f = aura_metrics_add(m, AURA_METRIC_COUNTER, "requests_total",
                         "HTTP requests to the ingest API by outcome class (network: no HTTP answer).", "code");
    for (int i = 0; i < AURA_CODE_N; i++)
        s->requests[i] = aura_metric_series(f, codes[i]);
    f = aura_metrics_add_histogram(m, "request_duration_seconds", "Time from sending a request to its outcome.",
                                   NULL, bounds, sizeof bounds / sizeof *bounds);
    s->request_duration = aura_metric_series(f, NULL);
    f = aura_metrics_add(m, AURA_METRIC_COUNTER, "retries_total", "Requests sent again after a failure.", NULL);
    s->retries = aura_metric_series(f, NULL);
    f = aura_metrics_add(m, AURA_METRIC_GAUGE, "backlog_entries", "Entries accepted but not yet delivered or dropped.",
                         NULL);
    s->backlog = aura_metric_series(f, NULL);
    f = aura_metrics_add(m, AURA_METRIC_GAUGE, "queue_capacity_entries", "max_queue_entries: the backlog's bound.",
                         NULL);
    s->queue_capacity = aura_metric_series(f, NULL);
    f = aura_metrics_add(m, AURA_METRIC_COUNTER, "bytes_sent_total",
                         "Request body bytes (uncompressed) the ingest API accepted.", NULL);
    s->bytes_sent = aura_metric_series(f, NULL);
    f = aura_metrics_add(m, AURA_METRIC_GAUGE, "last_success_timestamp_seconds",
                         "Unix time of the last accepted request; 0 before the first.", NULL);
    s->last_success = aura_metric_series(f, NULL);
    f = aura_metrics_add(m, AURA_METRIC_GAUGE, "delivery_lag_seconds",
                         "Age of the oldest undelivered entry; 0 when none.", NULL);
    s->delivery_lag = aura_metric_series(f, NULL);
    s->content_levels = aura_metrics_add(m, AURA_METRIC_COUNTER, "content_levels_total",
                                         "Entries whose level came from their content, by source.", "from");
    f = aura_metrics_add(m, AURA_METRIC_COUNTER, "stack_traces_total", "Multi-line stack traces joined into one entry.",
                         NULL);
    s->stack_traces = aura_metric_series(f, NULL);
    f = aura_metrics_add(m, AURA_METRIC_COUNTER, "config_reloads_total", "SIGHUP reloads by result.", "result");
    s->reloads_ok = aura_metric_series(f, "success");
    s->reloads_failed = aura_metric_series(f, "failure");
    if (journal)
        aura_metric_set_add_journal(s);
}

void aura_metric_set_add_journal(struct aura_metric_set *s) {
    struct aura_metrics *m = s->reg;
    struct aura_metric *f;
    if (s->journal_lost)
        return;
    f = aura_metrics_add(m, AURA_METRIC_GAUGE, "journal_behind_seconds",
                         "Journal end minus the last entry read (0 when reading is at the end).", NULL);
    s->journal_behind = aura_metric_series(f, NULL);
    f = aura_metrics_add(m, AURA_METRIC_COUNTER, "journal_lost_entries_total",
                         "Entries vacuumed or rotated away before they were read (seqnum gaps).", NULL);
    s->journal_lost = aura_metric_series(f, NULL);
    f = aura_metrics_add(m, AURA_METRIC_COUNTER, "journal_skipped_files_total",
                         "Journal files skipped as unreadable or corrupt.", NULL);
    s->journal_skipped_files = aura_metric_series(f, NULL);
    f = aura_metrics_add(m, AURA_METRIC_COUNTER, "journal_errors_ahead_total",
                         "Errors (PRIORITY 0-3) sent ahead of a journal backlog (errors_ahead).", NULL);
    s->journal_errors_ahead = aura_metric_series(f, NULL);
}

void aura_metric_set_done(struct aura_metric_set *s) {
    aura_metrics_free(s->reg);
    memset(s, 0, sizeof *s);
}
