/* metrics.h - the bridge's own metrics (SPEC §12) and their Prometheus text
 * exposition, format 0.0.4.
 *
 * A registry holds metric families (counter, gauge, histogram) with at most
 * one label each; a family holds series, one per label value.  Code on the
 * hot path keeps a pointer to its series and bumps a double: no lookup, no
 * lock (everything runs in the event loop's thread; the HTTP server renders
 * from there too, see metrics_server.h).
 *
 * The registry belongs to the program, not to the configuration: it lives
 * across SIGHUP, so counters only ever grow.  Gauges that are cheaper to read
 * than to keep current (backlog, lag) are set by collect hooks that run just
 * before every render. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct aura_buf;

enum aura_metric_type { AURA_METRIC_COUNTER, AURA_METRIC_GAUGE, AURA_METRIC_HISTOGRAM };

struct aura_metric; /* one family: name, help, type, label name */

/* One time series.  Counters and gauges use value; histograms use the rest. */
struct aura_series {
    double value;
    double sum;          /* histogram: sum of observations */
    uint64_t count;      /* histogram: number of observations */
    uint64_t *buckets;   /* histogram: per-bucket (not cumulative) counts, n_bounds + 1 */
    char *label_value;   /* NULL for a family without a label */
    const struct aura_metric *family;
    struct aura_series *next;
};

struct aura_metrics;

struct aura_metrics *aura_metrics_new(void);
void aura_metrics_free(struct aura_metrics *m);

/* Register a family.  name is without the "auralog_" prefix, which the
 * registry adds; label is the label's name or NULL.  Names and help are
 * copied.  Aborts on out-of-memory like the rest of the core's allocations. */
struct aura_metric *aura_metrics_add(struct aura_metrics *m, enum aura_metric_type type, const char *name,
                                     const char *help, const char *label);
/* A histogram with the given upper bounds (ascending; "+Inf" is implicit). */
struct aura_metric *aura_metrics_add_histogram(struct aura_metrics *m, const char *name, const char *help,
                                               const char *label, const double *bounds, size_t n_bounds);

/* The series for label_value (NULL when the family has no label), created
 * at 0 on first use: create every value you know up front so it renders as
 * 0 before it happens.  The pointer stays valid as long as the registry. */
struct aura_series *aura_metric_series(struct aura_metric *f, const char *label_value);

static inline void aura_series_add(struct aura_series *s, double v) {
    s->value += v;
}
static inline void aura_series_set(struct aura_series *s, double v) {
    s->value = v;
}
void aura_series_observe(struct aura_series *s, double v);

/* Called at the start of every render (to set gauges); several may be set. */
void aura_metrics_on_collect(struct aura_metrics *m, void (*collect)(void *userdata), void *userdata);

/* Append the whole exposition (HELP and TYPE for every family) to out. */
void aura_metrics_render(struct aura_metrics *m, struct aura_buf *out);

/* Render into PATH.tmp, then rename over PATH, so a reader
 * (node_exporter's textfile collector) never sees half a file.  0 / -errno. */
int aura_metrics_write_file(struct aura_metrics *m, const char *path);

/* metrics_file's path with "%p" replaced by pid and "%%" by "%" (omauralog
 * runs once per rsyslog action, each with its own file).  Caller frees. */
char *aura_metrics_expand_path(const char *tmpl, pid_t pid);

/* The metrics of SPEC §12, registered in one go; the program keeps this and
 * hands the series to the parts that count. */
#define AURA_METRICS_DURATION_BOUNDS {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}
enum aura_metric_code { AURA_CODE_2XX, AURA_CODE_3XX, AURA_CODE_4XX, AURA_CODE_5XX, AURA_CODE_NETWORK, AURA_CODE_N };

struct aura_metric_set {
    struct aura_metrics *reg;
    struct aura_series *entries_read;
    struct aura_series *sent_batch, *sent_urgent;      /* entries_sent_total{lane} */
    struct aura_metric *dropped;                       /* entries_dropped_total{reason} */
    struct aura_series *dropped_rejected, *dropped_overflow;
    struct aura_series *requests[AURA_CODE_N];         /* requests_total{code} */
    struct aura_series *request_duration;              /* histogram */
    struct aura_series *retries;
    struct aura_series *backlog, *queue_capacity;
    struct aura_series *bytes_sent;
    struct aura_series *last_success;
    struct aura_series *delivery_lag, *journal_behind;
    struct aura_series *journal_lost, *journal_skipped_files;
    struct aura_series *journal_errors_ahead;
    struct aura_metric *content_levels;                /* content_levels_total{from} */
    struct aura_series *stack_traces;
    struct aura_series *reloads_ok, *reloads_failed;   /* config_reloads_total{result} */
};

/* Register everything in a new registry.  Journal-only metrics are
 * registered only when journal is nonzero. */
void aura_metric_set_init(struct aura_metric_set *s, int journal);
/* The journal-only metrics, for a front end that reads the journal (once). */
void aura_metric_set_add_journal(struct aura_metric_set *s);
void aura_metric_set_done(struct aura_metric_set *s);
/* requests_total{code} bucket for an HTTP status (0: no response). */
enum aura_metric_code aura_metric_code_of(long status);
