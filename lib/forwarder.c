/* forwarder.c - batching, the urgent lane, retries, splitting, acknowledgements.
 *
 * Two lanes, each one connection carrying one request at a time:
 *  - normal: batches of non-error entries to /v1/logs, in submit order; a
 *    batch in retry holds the lane (order is kept, nothing overtakes it);
 *  - urgent: error/fatal entries, sent at once to /v1/logs/single, or as one
 *    /v1/logs batch when several are pending (an error storm); never behind
 *    the normal lane.
 * A request keeps its items until the outcome is known:
 *   2xx        -> items done (acknowledged)
 *   retryable  -> same items again after backoff (Retry-After honoured)
 *   401/403/3xx-> same items again every retry_max, cause logged once a minute
 *   other 4xx  -> split in halves until the rejected entry is alone; drop it. */
#include "forwarder.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "entry.h"
#include "level.h"
#include "log.h"
#include "loop.h"
#include "queue.h"
#include "settings.h"
#include "gzip.h"
#include "metrics.h"
#include "transport.h"
#include "wire.h"

struct lane {
    struct aura_forwarder *f;
    bool urgent;
    struct aura_transport *transport; /* HTTP or the --stdout sink */
    struct aura_fifo *fifo;
    /* the batch taken off the FIFO; a rejected batch is split into ranges
     * of it, sent one by one (the top of the stack is the request being
     * sent or waiting to be retried) until the rejected entry is alone */
    struct aura_fifo_slot *items;
    size_t n_items, cap_items;
    struct range {
        size_t start, end;
    } *ranges;
    size_t n_ranges, cap_ranges;
    const char *path;
    struct aura_buf body;  /* the joined body (the --stdout sink) */
    struct aura_buf frame; /* the body's fixed text when it goes in pieces */
    struct aura_segment *segs; /* the pieces: frame's prefix, the entries in place, frame's suffix */
    size_t cap_segs;
    size_t body_len;      /* of the request's (uncompressed) body */
    struct aura_buf wire; /* body gzipped (compression = gzip): what goes out */
    unsigned attempt;
    struct aura_timer retry_timer;
    uint64_t sent_at_us; /* when the request in flight started (request_duration_seconds) */
    uint64_t failing_since_us;
    bool recovery_logged; /* still failing, but the other lane already logged the recovery */
    bool fault_reported;
    struct aura_ratelimit rl_fail;
};

struct aura_forwarder {
    struct aura_loop *loop;
    const struct aura_settings *cfg; /* shared, immutable; borrowed until the next reconfigure */
    const struct aura_global *global;
    enum aura_full_policy policy;
    FILE *out;
    struct aura_forwarder_hooks hooks;
    struct aura_queue q;
    struct lane normal, urgent;
    struct aura_timer flush_timer;
    bool flush_requested;
    bool was_full;
    uint64_t reported_watermark;
    struct aura_buf enc;
    struct aura_stats st;
    struct aura_ratelimit rl_drop, rl_overflow, rl_config;
    struct aura_metric_set *m; /* NULL: no metrics */
    struct aura_gzip *gz;      /* one deflate stream, reused; the lanes use it in turn */
    char last_error[320];      /* the last delivery failure, for /healthz */
};

static void lane_kick(struct lane *l);
static void lane_transport_done(void *userdata, const struct aura_response *resp);

static uint64_t sec_to_us(double s) {
    return s <= 0 ? 0 : (uint64_t)(s * 1e6);
}

/* Tell the front end what is newly done, and whether there is room again. */
static void notify(struct aura_forwarder *f) {
    uint64_t wm = aura_queue_watermark(&f->q);
    f->st.backlog = f->q.n_live;
    if (wm != f->reported_watermark) {
        f->reported_watermark = wm;
        if (f->hooks.acked)
            f->hooks.acked(f->hooks.userdata, wm);
    }
    if (f->was_full && f->q.n_live < f->cfg->max_queue_entries) {
        f->was_full = false;
        if (f->hooks.writable)
            f->hooks.writable(f->hooks.userdata);
    }
}

static void lane_release(struct lane *l) {
    l->n_items = 0;
    l->n_ranges = 0;
    l->attempt = 0;
    aura_buf_reset(&l->body);
}

static void push_range(struct lane *l, size_t start, size_t end) {
    if (l->n_ranges == l->cap_ranges) {
        l->cap_ranges = l->cap_ranges ? l->cap_ranges * 2 : 16;
        l->ranges = aura_realloc(l->ranges, l->cap_ranges * sizeof *l->ranges);
    }
    l->ranges[l->n_ranges++] = (struct range){start, end};
}

/* The lane holds a request (being sent, or waiting to be retried) while a
 * range of its batch is left; an HTTP transfer runs while http.busy. */
static bool lane_active(const struct lane *l) {
    return l->n_ranges > 0;
}

static struct range *cur_range(struct lane *l) {
    return &l->ranges[l->n_ranges - 1];
}

/* The current request is finished (sent or dropped): the next range of a
 * split batch is next, else the lane is free.  true when a range is left. */
static bool lane_next_range(struct lane *l) {
    l->n_ranges--;
    l->attempt = 0;
    if (l->n_ranges)
        return true;
    lane_release(l);
    return false;
}

static void lane_succeeded(struct lane *l) {
    struct aura_forwarder *f = l->f;
    struct range *r = cur_range(l);
    for (size_t i = r->start; i < r->end; i++)
        aura_queue_done(&f->q, l->items[i].it);
    f->st.sent += r->end - r->start;
    f->st.acked += r->end - r->start;
    f->st.bytes += l->body_len;
    if (f->m) {
        aura_series_add(l->urgent ? f->m->sent_urgent : f->m->sent_batch, (double)(r->end - r->start));
        aura_series_add(f->m->bytes_sent, (double)l->body_len);
        aura_series_set(f->m->last_success, (double)aura_realtime_us() / 1e6);
    }
    if (l->failing_since_us) {
        /* one line per outage: when the other lane fails too, the first lane
         * to recover says it for both and the other one stays quiet */
        struct lane *other = l == &f->normal ? &f->urgent : &f->normal;
        if (l->recovery_logged) {
            l->recovery_logged = false;
        } else {
            uint64_t since = l->failing_since_us;
            if (other->failing_since_us && other->failing_since_us < since)
                since = other->failing_since_us;
            aura_log(AURA_LOG_NOTICE, "delivery to %s recovered after %.1f s", f->cfg->endpoint,
                     (double)(aura_now_us() - since) / 1e6);
            other->recovery_logged = other->failing_since_us != 0;
        }
    }
    l->failing_since_us = 0;
    l->fault_reported = false;
}

/* Build the request body for the lane's items with the current key. */
static void lane_build_body(struct lane *l) {
    struct aura_forwarder *f = l->f;
    const char *key = l->transport->redact_key ? AURA_WIRE_STDOUT_KEY : (f->cfg->api_key ? f->cfg->api_key : "");
    struct range *r = cur_range(l);
    aura_buf_reset(&l->body);
    if (r->end - r->start == 1 && l->urgent) {
        l->path = AURA_WIRE_PATH_SINGLE;
        aura_wire_single(&l->body, key, l->items[r->start].it->json, l->items[r->start].len);
    } else {
        l->path = AURA_WIRE_PATH_BATCH;
        aura_wire_batch_begin(&l->body, key);
        for (size_t i = r->start; i < r->end; i++)
            aura_wire_batch_add(&l->body, l->items[i].it->json, l->items[i].len, i == r->start);
        aura_wire_batch_end(&l->body);
    }
    l->body_len = l->body.len;
}

/* The same body as pieces: the entries stay where the queue holds them
 * (each ~700 bytes would otherwise be copied once more, into a body of up to
 * max_batch_bytes, before libcurl copies it again). */
static void lane_build_segments(struct lane *l) {
    struct aura_forwarder *f = l->f;
    const char *key = f->cfg->api_key ? f->cfg->api_key : "";
    struct range *r = cur_range(l);
    size_t prefix, n = r->end - r->start + 2;
    if (n > l->cap_segs) {
        l->cap_segs = n * 2;
        l->segs = aura_realloc(l->segs, l->cap_segs * sizeof *l->segs);
    }
    aura_buf_reset(&l->frame);
    if (r->end - r->start == 1 && l->urgent) {
        l->path = AURA_WIRE_PATH_SINGLE;
        aura_wire_single_frame(&l->frame, key, &prefix);
    } else {
        l->path = AURA_WIRE_PATH_BATCH;
        aura_wire_batch_frame(&l->frame, key, &prefix);
    }
    size_t k = 0, total = l->frame.len;
    l->segs[k++] = (struct aura_segment){l->frame.data, prefix};
    for (size_t i = r->start; i < r->end; i++) {
        /* only the item's address: its header is not read (cold by now) */
        struct aura_item *it = l->items[i].it;
        if (i == r->start) /* the first entry without the separator */
            l->segs[k++] = (struct aura_segment){it->json, l->items[i].len};
        else
            l->segs[k++] = (struct aura_segment){&it->sep, l->items[i].len + 1};
        total += l->segs[k - 1].len;
    }
    l->segs[k++] = (struct aura_segment){l->frame.data + prefix, l->frame.len - prefix};
    l->body_len = total;
}

static void lane_complete(struct lane *l, const struct aura_response *resp);

static void lane_send(struct lane *l) {
    struct aura_forwarder *f = l->f;
    /* people read the --stdout sink's requests: it gets the joined body, with the key redacted */
    bool pieces = !l->transport->redact_key;
    if (pieces)
        lane_build_segments(l);
    else
        lane_build_body(l);
    f->st.requests++;
    if (l->attempt > 0)
        f->st.retried++;
    if (f->m && l->attempt > 0)
        aura_series_add(f->m->retries, 1);
    struct aura_request rq = {.path = l->path, .body = l->body.data, .len = l->body_len};
    if (pieces) {
        rq.body = NULL;
        rq.segs = l->segs;
        rq.n_segs = cur_range(l)->end - cur_range(l)->start + 2;
    }
    /* batch limits counted the uncompressed body; only the wire changes */
    if (f->cfg->compression == AURA_COMPRESSION_GZIP && pieces &&
        aura_gzip_compress_segments(f->gz, rq.segs, rq.n_segs, &l->wire) == 0) {
        rq.body = l->wire.data;
        rq.len = l->wire.len;
        rq.segs = NULL;
        rq.n_segs = 0;
        rq.content_encoding = "gzip";
    }
    l->sent_at_us = aura_now_us();
    struct aura_response resp;
    int r = aura_transport_send(l->transport, f->cfg, &rq, &resp);
    if (r < 0) {
        /* could not even start: treat as a network failure and retry */
        aura_log_limited(&l->rl_fail, AURA_LOG_WARNING, "cannot start request to %s%s: %s", f->cfg->endpoint,
                         l->path, strerror(-r));
        l->attempt++;
        aura_loop_timer_arm(f->loop, &l->retry_timer, aura_now_us() + sec_to_us(f->cfg->retry_max));
        return;
    }
    if (r > 0)
        lane_complete(l, &resp); /* the sink: accepted at once */
}

/* Take the next request's items off the lane's FIFO. */
static void lane_take(struct lane *l) {
    struct aura_forwarder *f = l->f;
    size_t bytes = 64;
    l->n_items = 0;
    const struct aura_fifo_slot *s;
    while ((s = aura_fifo_peek(l->fifo)) && l->n_items < f->cfg->max_batch_entries) {
        if (l->n_items > 0 && bytes + s->len + 1 > f->cfg->max_batch_bytes)
            break;
        if (l->n_items == l->cap_items) {
            l->cap_items = l->cap_items ? l->cap_items * 2 : 64;
            l->items = aura_realloc(l->items, l->cap_items * sizeof *l->items);
        }
        l->items[l->n_items++] = *s;
        bytes += s->len + 1;
        aura_fifo_pop(l->fifo);
    }
    l->attempt = 0;
    l->n_ranges = 0;
    if (l->n_items)
        push_range(l, 0, l->n_items);
}

static bool normal_ready(struct aura_forwarder *f, uint64_t now) {
    struct aura_fifo *q = &f->q.normal;
    if (!q->n)
        return false;
    if (f->flush_requested || q->n >= f->cfg->max_batch_entries || q->bytes + 64 >= f->cfg->max_batch_bytes)
        return true;
    return aura_fifo_head(q)->t_us + sec_to_us(f->cfg->flush_interval) <= now;
}

static void lane_kick(struct lane *l) {
    struct aura_forwarder *f = l->f;
    while (!lane_active(l)) {
        if (l->urgent) {
            if (!l->fifo->n)
                return;
        } else {
            uint64_t now = aura_now_us();
            if (!normal_ready(f, now)) {
                if (f->q.normal.n)
                    aura_loop_timer_arm(f->loop, &f->flush_timer,
                                        aura_fifo_head(&f->q.normal)->t_us + sec_to_us(f->cfg->flush_interval));
                else
                    f->flush_requested = false;
                return;
            }
        }
        lane_take(l);
        lane_send(l);
    }
}

static void flush_timer_cb(struct aura_loop *loop, void *userdata) {
    struct aura_forwarder *f = userdata;
    lane_kick(&f->normal);
}

static void retry_timer_cb(struct aura_loop *loop, void *userdata) {
    struct lane *l = userdata;
    if (lane_active(l) && !aura_transport_busy(l->transport))
        lane_send(l);
}

static uint64_t backoff_us(struct lane *l) {
    struct aura_forwarder *f = l->f;
    double base = f->cfg->retry_initial * pow(2.0, (double)(l->attempt > 30 ? 30 : l->attempt - 1));
    if (base > f->cfg->retry_max)
        base = f->cfg->retry_max;
    /* jitter: between half and all of the step, so a fleet does not retry in lockstep */
    double d = base * (0.5 + 0.5 * ((double)random() / (double)RAND_MAX));
    return sec_to_us(d);
}

static void lane_failed(struct lane *l, const struct aura_response *resp) {
    struct aura_forwarder *f = l->f;
    const char *why = resp->why;
    snprintf(f->last_error, sizeof f->last_error, "%s", why);
    uint64_t now = aura_now_us();
    if (!l->failing_since_us)
        l->failing_since_us = now;
    l->attempt++;
    uint64_t delay;
    if (resp->outcome == AURA_OUTCOME_CONFIG) {
        delay = sec_to_us(f->cfg->retry_max);
        const char *hint =
            (resp->status == 401 || resp->status == 403)
                ? (f->cfg->client_cert ? "the endpoint refused the API key or the client certificate; fix them and "
                                         "reload (SIGHUP)"
                                       : "the endpoint refused the API key (or wants a client certificate: "
                                         "client_cert); fix it and reload (SIGHUP)")
            : resp->status == 415
                ? "the endpoint does not accept the request's Content-Encoding; set compression = none and reload"
                : "the endpoint answered with a redirect, which is never followed; fix endpoint";
        aura_log_limited(&f->rl_config, AURA_LOG_ERR, "%s%s: %s: %s; holding %zu entries, retrying every %g s",
                         f->cfg->endpoint, l->path, why, hint, f->q.n_live, f->cfg->retry_max);
    } else {
        delay = backoff_us(l);
        aura_log_limited(&l->rl_fail, AURA_LOG_WARNING,
                         "%s%s: %s; retrying %zu %s in %.1f s (attempt %u, %zu %s held)", f->cfg->endpoint,
                         l->path, why, cur_range(l)->end - cur_range(l)->start,
                         cur_range(l)->end - cur_range(l)->start == 1 ? "entry" : "entries", (double)delay / 1e6,
                         l->attempt, f->q.n_live, f->q.n_live == 1 ? "entry" : "entries");
    }
    if (resp->retry_after_us >= 0 && (uint64_t)resp->retry_after_us > delay)
        delay = (uint64_t)resp->retry_after_us;
    if (!l->fault_reported && now - l->failing_since_us > 60u * 1000000u) {
        l->fault_reported = true;
        if (f->hooks.fault) {
            char msg[512];
            snprintf(msg, sizeof msg, "delivery to %s has been failing for over a minute: %s", f->cfg->endpoint,
                     why);
            f->hooks.fault(f->hooks.userdata, AURA_LEVEL_ERROR, msg);
        }
    }
    aura_loop_timer_arm(f->loop, &l->retry_timer, now + delay);
}

static void lane_rejected(struct lane *l, const struct aura_response *resp) {
    struct aura_forwarder *f = l->f;
    const char *why = resp->why;
    struct range r = *cur_range(l);
    if (r.end - r.start == 1) {
        struct aura_item *it = l->items[r.start].it;
        aura_log_limited(&f->rl_drop, AURA_LOG_WARNING, "%s%s rejected an entry alone (%s); dropped it: %.160s",
                         f->cfg->endpoint, l->path, why, it->json);
        aura_queue_done(&f->q, it);
        f->st.dropped++;
        if (f->m)
            aura_series_add(f->m->dropped_rejected, 1);
        f->st.acked++;
        if (lane_next_range(l))
            lane_send(l);
        return;
    }
    /* send each half on its own, first half first, until the rejected
     * entries are alone; the rest of the batch is never mixed in again */
    size_t mid = r.start + (r.end - r.start) / 2;
    l->n_ranges--;
    push_range(l, mid, r.end);
    push_range(l, r.start, mid);
    l->attempt = 0;
    aura_log(AURA_LOG_DEBUG, "%s rejected a batch (%s); splitting to isolate the offending entry", l->path, why);
    lane_send(l);
}

/* What the outcome of the lane's request means: done, split, or again later. */
static void lane_complete(struct lane *l, const struct aura_response *resp) {
    struct aura_forwarder *f = l->f;
    if (f->m && !l->transport->redact_key) { /* requests_total counts what went to the endpoint */
        aura_series_add(f->m->requests[aura_metric_code_of(resp->status)], 1);
        aura_series_observe(f->m->request_duration, (double)(aura_now_us() - l->sent_at_us) / 1e6);
    }
    switch (resp->outcome) {
    case AURA_OUTCOME_OK:
        lane_succeeded(l);
        if (lane_next_range(l))
            lane_send(l);
        break;
    case AURA_OUTCOME_REJECTED:
        lane_rejected(l, resp);
        break;
    case AURA_OUTCOME_RETRY:
    case AURA_OUTCOME_CONFIG:
        lane_failed(l, resp);
        break;
    }
}

/* The outcome of a request the transport left under way. */
static void lane_transport_done(void *userdata, const struct aura_response *resp) {
    struct lane *l = userdata;
    lane_complete(l, resp);
    lane_kick(l);
    notify(l->f);
}

static int lane_init(struct lane *l, struct aura_forwarder *f, bool urgent) {
    memset(l, 0, sizeof *l);
    l->f = f;
    l->urgent = urgent;
    l->fifo = urgent ? &f->q.urgent : &f->q.normal;
    l->rl_fail = (struct aura_ratelimit)AURA_RATELIMIT(10);
    aura_timer_init(&l->retry_timer, retry_timer_cb, l);
    aura_buf_init(&l->body);
    aura_buf_init(&l->frame);
    if (f->out) {
        l->transport = aura_transport_stdout_new(f->out);
        return 0;
    }
    return aura_transport_http_new(f->loop, lane_transport_done, l, &l->transport);
}

static void lane_cleanup(struct lane *l) {
    if (l->f && l->f->loop)
        aura_loop_timer_disarm(l->f->loop, &l->retry_timer);
    aura_transport_free(l->transport);
    free(l->items);
    free(l->ranges);
    aura_buf_free(&l->body);
    aura_buf_free(&l->frame);
    free(l->segs);
    aura_buf_free(&l->wire);
}

int aura_forwarder_new(struct aura_loop *loop, const struct aura_settings *cfg, const struct aura_global *global,
                       enum aura_full_policy policy, FILE *out, const struct aura_forwarder_hooks *hooks,
                       struct aura_forwarder **ret) {
    struct aura_forwarder *f = aura_calloc(1, sizeof *f);
    f->loop = loop;
    f->global = global;
    f->policy = policy;
    f->out = out;
    if (hooks)
        f->hooks = *hooks;
    f->cfg = cfg;
    aura_queue_init(&f->q);
    aura_buf_init(&f->enc);
    f->gz = aura_gzip_new();
    if (!f->gz) {
        free(f);
        return -ENOMEM;
    }
    aura_timer_init(&f->flush_timer, flush_timer_cb, f);
    f->rl_drop = (struct aura_ratelimit)AURA_RATELIMIT_BURST(60, 20);
    f->rl_overflow = (struct aura_ratelimit)AURA_RATELIMIT(60);
    f->rl_config = (struct aura_ratelimit)AURA_RATELIMIT(60);
    int r = lane_init(&f->normal, f, false);
    if (r >= 0)
        r = lane_init(&f->urgent, f, true);
    if (r < 0) {
        aura_forwarder_free(f);
        return r;
    }
    srandom((unsigned)(aura_now_us() ^ (uint64_t)getpid()));
    *ret = f;
    return 0;
}

void aura_forwarder_free(struct aura_forwarder *f) {
    if (!f)
        return;
    aura_loop_timer_disarm(f->loop, &f->flush_timer);
    lane_cleanup(&f->normal);
    lane_cleanup(&f->urgent);
    aura_queue_clear(&f->q);
    aura_buf_free(&f->enc);
    aura_gzip_free(f->gz);
    free(f);
}

/* Make room under AURA_FULL_DROP_OLDEST: the oldest queued entry not yet in a
 * request, non-error first. */
static bool drop_oldest(struct aura_forwarder *f) {
    struct aura_item *it = aura_fifo_pop(&f->q.normal);
    if (!it)
        it = aura_fifo_pop(&f->q.urgent);
    if (!it)
        return false;
    aura_queue_done(&f->q, it);
    f->st.overflow++;
    f->st.acked++;
    if (f->m)
        aura_series_add(f->m->dropped_overflow, 1);
    aura_log_limited(&f->rl_overflow, AURA_LOG_WARNING,
                     "queue full (%zu entries, max_queue_entries): dropping the oldest entries (%llu so far)",
                     f->cfg->max_queue_entries, (unsigned long long)f->st.overflow);
    return true;
}

int aura_forwarder_submit(struct aura_forwarder *f, const struct aura_entry *e, uint64_t *seq) {
    if (f->q.n_live >= f->cfg->max_queue_entries) {
        if (f->policy == AURA_FULL_BLOCK || !drop_oldest(f)) {
            f->was_full = true;
            return -EAGAIN;
        }
    }
    aura_buf_reset(&f->enc);
    aura_wire_entry(e, f->global, f->cfg->environment, f->cfg->max_message_bytes, &f->enc);
    bool urgent = aura_level_is_urgent(e->level);
    struct aura_item *it = aura_queue_push(&f->q, f->enc.data, f->enc.len, urgent);
    f->st.read++;
    f->st.backlog = f->q.n_live;
    if (f->m)
        aura_series_add(f->m->entries_read, 1);
    if (seq)
        *seq = it->seq;
    lane_kick(urgent ? &f->urgent : &f->normal);
    notify(f);
    return 0;
}

bool aura_forwarder_full(const struct aura_forwarder *f) {
    return f->q.n_live >= f->cfg->max_queue_entries;
}

uint64_t aura_forwarder_watermark(const struct aura_forwarder *f) {
    return aura_queue_watermark(&f->q);
}

uint64_t aura_forwarder_last_seq(const struct aura_forwarder *f) {
    return f->q.last_seq;
}

void aura_forwarder_flush(struct aura_forwarder *f) {
    if (f->q.normal.n)
        f->flush_requested = true;
    lane_kick(&f->normal);
    lane_kick(&f->urgent);
    notify(f); /* what a transport accepted at once (the sink) */
}

uint64_t aura_forwarder_failing_us(const struct aura_forwarder *f) {
    uint64_t since = 0;
    if (f->normal.failing_since_us)
        since = f->normal.failing_since_us;
    if (f->urgent.failing_since_us && (!since || f->urgent.failing_since_us < since))
        since = f->urgent.failing_since_us;
    return since ? aura_now_us() - since : 0;
}

static void lane_retry_now(struct lane *l) {
    if (lane_active(l) && !aura_transport_busy(l->transport)) {
        aura_loop_timer_disarm(l->f->loop, &l->retry_timer);
        l->attempt = 0;
        lane_send(l);
    }
}

int aura_forwarder_reconfigure(struct aura_forwarder *f, const struct aura_settings *cfg,
                               const struct aura_global *global) {
    /* What is queued was encoded under the old configuration and goes out as
     * it is; the new key, endpoint and limits apply to every request from now
     * on, including retries of requests held by the old ones. */
    f->cfg = cfg;
    f->global = global;
    lane_retry_now(&f->normal);
    lane_retry_now(&f->urgent);
    aura_forwarder_flush(f);
    return 0;
}

void aura_forwarder_set_metrics(struct aura_forwarder *f, struct aura_metric_set *m) {
    f->m = m;
}

uint64_t aura_forwarder_lag_us(const struct aura_forwarder *f) {
    const struct aura_item *oldest = f->q.live_head;
    uint64_t now = aura_now_us();
    return oldest && now > oldest->t_us ? now - oldest->t_us : 0;
}

const char *aura_forwarder_last_error(const struct aura_forwarder *f) {
    return f->last_error;
}

void aura_forwarder_collect(void *forwarder) {
    struct aura_forwarder *f = forwarder;
    if (!f || !f->m)
        return;
    aura_series_set(f->m->backlog, (double)f->q.n_live);
    aura_series_set(f->m->queue_capacity, (double)f->cfg->max_queue_entries);
    aura_series_set(f->m->delivery_lag, (double)aura_forwarder_lag_us(f) / 1e6);
}

void aura_forwarder_get_stats(const struct aura_forwarder *f, struct aura_stats *st) {
    *st = f->st;
    st->backlog = f->q.n_live;
}

void aura_stats_format(const struct aura_stats *st, char *out, size_t size) {
    snprintf(out, size,
             "read=%llu sent=%llu acked=%llu retried=%llu dropped=%llu overflow=%llu bytes=%llu requests=%llu "
             "backlog=%zu",
             (unsigned long long)st->read, (unsigned long long)st->sent, (unsigned long long)st->acked,
             (unsigned long long)st->retried, (unsigned long long)st->dropped, (unsigned long long)st->overflow,
             (unsigned long long)st->bytes, (unsigned long long)st->requests, st->backlog);
}
