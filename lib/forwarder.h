/* forwarder.h - the delivery engine front ends hand entries to (SPEC §7).
 *
 * Entries are encoded at submit time, queued with a sequence number (1, 2,
 * 3 ... in submit order), batched (flush_interval, max_batch_entries,
 * max_batch_bytes), sent with retries, and acknowledged: the front end is
 * told a watermark W meaning "every entry with seq <= W is done" (delivered
 * with a 2xx, or dropped after the server rejected it alone).  Error/fatal
 * entries go out at once on their own connection (urgent lane) and are never
 * queued behind a batch in retry.
 *
 * Memory is bounded by max_queue_entries unacknowledged entries:
 *  - AURA_FULL_BLOCK (journal reader, omauralog --confirm): submit refuses
 *    with -EAGAIN when full; hooks.writable() is called when there is room.
 *  - AURA_FULL_DROP_OLDEST (omauralog without --confirm): the oldest queued
 *    non-error entry not yet in flight is dropped and counted. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct aura_loop;
struct aura_settings;
struct aura_global;
struct aura_entry;
struct aura_forwarder;

enum aura_full_policy { AURA_FULL_BLOCK, AURA_FULL_DROP_OLDEST };

struct aura_forwarder_hooks {
    void *userdata;
    void (*acked)(void *userdata, uint64_t watermark); /* may be NULL */
    /* Called once there is room again after a submit returned -EAGAIN (only
     * then: a front end that pauses on aura_forwarder_full() alone must
     * resume by itself).  May be NULL. */
    void (*writable)(void *userdata);
    /* A fault worth a capture_errors self-report (delivery failing for more
     * than a minute): level is AURA_LEVEL_ERROR or _FATAL.  May be NULL. */
    void (*fault)(void *userdata, int level, const char *message);
};

struct aura_stats {
    uint64_t read;      /* submitted by the front end */
    uint64_t sent;      /* entries in requests that got a 2xx */
    uint64_t acked;     /* entries done (sent or dropped) */
    uint64_t retried;   /* requests sent again */
    uint64_t dropped;   /* rejected alone by the server (4xx) */
    uint64_t overflow;  /* dropped by AURA_FULL_DROP_OLDEST */
    uint64_t bytes;     /* request body bytes acknowledged by the server */
    uint64_t requests;  /* HTTP requests made */
    size_t backlog;     /* entries not yet done */
};

/* cfg is shared, not copied: it must stay unchanged and alive until
 * aura_forwarder_reconfigure() replaces it or the forwarder is freed.
 * Requests go through a transport (transport.h): HTTP, or when out is
 * non-NULL the --stdout sink, which writes every request to out as one JSON
 * line {"path":"/v1/logs","body":{...}} instead of sending it, with the same
 * batching, and acknowledges it at once.  No API key needed then. */
int aura_forwarder_new(struct aura_loop *loop, const struct aura_settings *cfg, const struct aura_global *global,
                       enum aura_full_policy policy, FILE *out, const struct aura_forwarder_hooks *hooks,
                       struct aura_forwarder **ret);
void aura_forwarder_free(struct aura_forwarder *f);

/* Encode e and queue it; *seq gets its sequence number.  -EAGAIN when full
 * under AURA_FULL_BLOCK (nothing queued). */
int aura_forwarder_submit(struct aura_forwarder *f, const struct aura_entry *e, uint64_t *seq);
bool aura_forwarder_full(const struct aura_forwarder *f);
/* Every entry with seq <= the returned value is done. */
uint64_t aura_forwarder_watermark(const struct aura_forwarder *f);
/* Highest seq handed out so far (0 before the first submit). */
uint64_t aura_forwarder_last_seq(const struct aura_forwarder *f);
/* Send what is buffered now instead of waiting for flush_interval. */
void aura_forwarder_flush(struct aura_forwarder *f);
/* Microseconds the oldest unacknowledged entry has been failing to deliver
 * (0 when nothing is failing): omauralog uses it to give up on a commit. */
uint64_t aura_forwarder_failing_us(const struct aura_forwarder *f);

/* SIGHUP: flush what was buffered under the old configuration, then use
 * cfg/global for everything queued from now on.  The forwarder does not own
 * cfg/global; once this returns it no longer uses the old ones (queued
 * entries are already encoded, requests under way hold their own copies),
 * so the caller may free them. */
int aura_forwarder_reconfigure(struct aura_forwarder *f, const struct aura_settings *cfg,
                               const struct aura_global *global);

/* Count into m (SPEC §12) from now on; NULL stops.  The set outlives the
 * forwarder's configuration: the program owns it. */
struct aura_metric_set;
void aura_forwarder_set_metrics(struct aura_forwarder *f, struct aura_metric_set *m);
/* Set the gauges (backlog, capacity, lag) in f's metric set: a collect hook. */
void aura_forwarder_collect(void *forwarder);
/* Microseconds the oldest undelivered entry has waited (0 when none). */
uint64_t aura_forwarder_lag_us(const struct aura_forwarder *f);
/* The last delivery failure, one line ("HTTP 503", curl's error), "" before any. */
const char *aura_forwarder_last_error(const struct aura_forwarder *f);

void aura_forwarder_get_stats(const struct aura_forwarder *f, struct aura_stats *st);
/* "read=.. sent=.. acked=.. retried=.. dropped=.. overflow=.. bytes=.. backlog=.." */
void aura_stats_format(const struct aura_stats *st, char *out, size_t size);
