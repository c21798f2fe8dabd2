/* monitor.h - what an operator sees of a running bridge (SPEC §12): the
 * metric set, /metrics and /healthz ([metrics] listen), metrics_file, the
 * health verdict (unhealthy_after), and the systemd STATUS= line.
 *
 * One per process, created after the forwarder and kept across SIGHUP (so
 * counters only grow); aura_monitor_configure() applies [metrics] at start
 * and again on every reload. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

struct aura_loop;
struct aura_forwarder;
struct aura_metric_set;
struct aura_monitor;
struct aura_entry;

struct aura_monitor_settings {
    const char *listen;       /* NULL/"": no HTTP server */
    const char *metrics_file; /* NULL/"": none; "%p" becomes the PID */
    double unhealthy_after;   /* seconds */
};

/* journal: register the journal-only metrics too. */
struct aura_monitor *aura_monitor_new(struct aura_loop *loop, struct aura_forwarder *fwd, bool journal);
void aura_monitor_free(struct aura_monitor *m);
/* Start, restart or stop the server and the file writer to match s.
 * 0, or negative errno when the listen address cannot be used (err says
 * why; the previous server, if any, keeps running). */
int aura_monitor_configure(struct aura_monitor *m, const struct aura_monitor_settings *s, char *err, size_t errlen);
struct aura_metric_set *aura_monitor_metrics(struct aura_monitor *m);

/* Health: false with a one-line reason when delivery has been failing, or
 * the oldest undelivered entry has waited, longer than unhealthy_after. */
bool aura_monitor_healthy(struct aura_monitor *m, char *reason, size_t size);

/* systemd STATUS=: "STATE; backlog N, lag X s, last success T".  state is
 * kept and the line refreshed every few seconds while NOTIFY_SOCKET is set. */
void aura_monitor_status(struct aura_monitor *m, const char *state);
/* [content] counters (content_levels_total{from}, stack_traces_total):
 * a level found in a line (from: an enum aura_level_from, AURA_FROM_NONE
 * counts nothing), and an entry the folding engine hands back (counted
 * only when it is a folded trace).  m may be NULL. */
void aura_monitor_count_content(struct aura_monitor *m, int from);
void aura_monitor_count_folded(struct aura_monitor *m, const struct aura_entry *e);
/* Write metrics_file one last time (at exit). */
void aura_monitor_flush(struct aura_monitor *m);
