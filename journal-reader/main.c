/* auralog-journald: follow the systemd journal and forward it to Auralog,
 * at least once (SPEC §8).
 *
 * Reading happens in bursts from the event loop: a burst reads, maps and
 * submits up to BURST entries, then records a checkpoint (the forwarder's
 * last seq, the journal cursor of the last entry read).  When the forwarder
 * acknowledges up to a watermark, the newest checkpoint at or below it
 * becomes the cursor to save: the state file is rewritten (write + rename)
 * after every acknowledgement that moves it, so a kill -9 re-sends at most
 * what was in flight plus one checkpoint interval; it is fsynced at most once
 * a second (power loss), and on shutdown.  Entries skipped by filters count as read, so
 * the cursor moves past them too.  At the end of the journal the reader
 * sleeps on sd-journal's inotify fd; while the forwarder is full it stops
 * watching that fd until the forwarder says there is room. */
#include "settings.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "ahead.h"
#include "app.h"
#include "checkpoint.h"
#include "host.h"
#include "journal_settings.h"
#include "buf.h"
#include "content.h"
#include "multiline.h"
#include "log.h"
#include "loop.h"
#include "map.h"
#include "metrics.h"
#include "monitor.h"
#include "reader.h"
#include "sigbus.h"
#include "state.h"

#define BURST 512                      /* entries per loop turn */
#define CHECKPOINT_EVERY 100           /* entries between two cursors kept for the state file */
#define SYNC_INTERVAL_US 1000000ULL    /* at most one fsync of the state file per second */
/* The journal is the buffer: read ahead of delivery only enough to keep
 * batches full (a few batches), however large max_queue_entries is.  Keeps
 * memory small on a big backlog and bounds duplicates after a crash. */
#define WINDOW_BATCHES 4
#define WINDOW_MIN 1000
#define STREAM_KEY_MAX 128

struct jr {
    struct jr_cli cli;

    struct aura_app *app;
    struct jr_reader *reader;
    struct jr_map map;
    char *state_file;       /* owned; NULL: no state (--stdout without --state-file) */
    pid_t self;

    struct jr_checkpoints checkpoints; /* which cursor may be saved, and when */
    size_t since_checkpoint;  /* entries handled since the last checkpoint */
    uint64_t last_sync_us;    /* when the state file was last made durable */
    uint64_t retry_us;        /* a write failed: the next attempt not before */
    bool unsynced;            /* the state file was replaced without fsync since */

    struct aura_timer burst_timer, state_timer, watchdog_timer, journal_timer, once_timer;
    uint64_t watchdog_us;
    int fd;
    short fd_events;
    bool pending;  /* map.entry is read but not yet accepted by the forwarder */
    bool paused;   /* forwarder full (waiting for writable) or read-ahead window full (waiting for acks) */
    uint64_t window; /* at most this many entries submitted and not yet acknowledged */
    bool at_end;
    bool stopped;
    bool draining;  /* --once reached the end of the journal */
    bool timed_out; /* --once --timeout expired */

    /* [content] (SPEC §11): levels from the message, stack traces folded.
     * Every entry read gets token n_read; a checkpoint whose cursor is at or
     * past a line the folding engine still holds waits (jr_checkpoints_add_held)
     * until that line was submitted in its folded entry. */
    struct aura_content content;
    struct aura_multiline *ml; /* NULL: stack_traces = false */
    struct aura_timer ml_timer;

    /* Errors overtake a backlog (SPEC §11, ahead.h): NULL with
     * errors_ahead = false and with --once. */
    struct jr_ahead *ahead;
    unsigned behind_bursts; /* bursts in a row that ended before the end of the journal */

    uint64_t n_read, n_self, n_state_writes;
    uint64_t n_lost;             /* journal entries vacuumed before they were read */
    uint64_t last_read_rt;       /* realtime µs of the last entry read */
    struct aura_ratelimit rl_state, rl_submit;
};

static struct jr jr_global = {.cli = JR_CLI_INIT, .fd = -1};

static int jr_parse_option(struct aura_app *app, int opt, const char *arg) {
    struct jr *jr = app->userdata;
    return jr_cli_parse(&jr->cli, opt, arg, app->opt_error, sizeof app->opt_error);
}

static int jr_apply(struct aura_app *app, struct aura_settings *cfg, char *err, size_t errlen) {
    struct jr *jr = app->userdata;
    return jr_cli_apply(&jr->cli, cfg, err, errlen);
}

/* --- cursor commit -------------------------------------------------------- */

/* Write the committable cursor at once (write + exchange, state.h); fsync too when
 * durable or when the last fsync is a second old, else the state timer
 * fsyncs within the second. */
static void write_state(struct jr *jr, bool durable) {
    const char *cursor = jr_checkpoints_committable(&jr->checkpoints);
    uint64_t now;
    int r;
    if (!jr->state_file || !cursor)
        return;
    now = aura_now_us();
    durable = durable || jr->last_sync_us == 0 || now >= jr->last_sync_us + SYNC_INTERVAL_US;
    r = durable ? jr_state_write(jr->state_file, cursor) : jr_state_write_fast(jr->state_file, cursor);
    jr_checkpoints_written(&jr->checkpoints, r, now);
    if (r < 0) {
        aura_log_limited(&jr->rl_state, AURA_LOG_ERR, "cannot write state file %s: %s; will retry",
                         jr->state_file, strerror(-r));
        jr->retry_us = now + SYNC_INTERVAL_US;
        aura_loop_timer_arm(jr->app->loop, &jr->state_timer, jr->retry_us);
        return;
    }
    jr->retry_us = 0;
    jr->n_state_writes++;
    if (durable) {
        jr->last_sync_us = now;
        jr->unsynced = false;
    } else {
        jr->unsynced = true;
        if (!jr->state_timer.armed)
            aura_loop_timer_arm(jr->app->loop, &jr->state_timer, jr->last_sync_us + SYNC_INTERVAL_US);
    }
}

static void schedule_write(struct jr *jr) {
    uint64_t now, when;
    if (!jr->state_file)
        return;
    now = aura_now_us();
    if (!jr_checkpoints_due(&jr->checkpoints, now, &when))
        return;
    if (jr->retry_us > now)
        return; /* the state timer tries again */
    write_state(jr, false);
}

/* A write failed (try again), or the file was replaced without fsync. */
static void on_state_timer(struct aura_loop *loop, void *userdata) {
    struct jr *jr = userdata;
    (void)loop;
    if (jr_checkpoints_committable(&jr->checkpoints)) {
        jr->retry_us = 0;
        write_state(jr, true);
    } else if (jr->unsynced && jr->state_file) {
        int r = jr_state_sync(jr->state_file);
        jr->last_sync_us = aura_now_us();
        if (r < 0)
            aura_log_limited(&jr->rl_state, AURA_LOG_ERR, "cannot fsync state file %s: %s", jr->state_file,
                             strerror(-r));
        else
            jr->unsynced = false;
    }
}

/* Every checkpoint at or below the watermark is acknowledged: the newest becomes committable. */
static void advance(struct jr *jr, uint64_t watermark) {
    if (jr_checkpoints_advance(&jr->checkpoints, watermark))
        schedule_write(jr);
}

static void checkpoint(struct jr *jr) {
    char *cursor;
    if (jr->since_checkpoint == 0)
        return;
    cursor = jr_reader_cursor(jr->reader);
    if (!cursor)
        return;
    jr->since_checkpoint = 0;
    uint64_t low = jr->ml ? aura_multiline_low_held(jr->ml) : UINT64_MAX;
    jr_checkpoints_release(&jr->checkpoints, low, aura_forwarder_last_seq(jr->app->fwd));
    if (jr->checkpoints.n_held || low <= jr->n_read) /* cursors are committed in order */
        jr_checkpoints_add_held(&jr->checkpoints, jr->n_read, cursor);
    else
        jr_checkpoints_add(&jr->checkpoints, aura_forwarder_last_seq(jr->app->fwd), cursor);
    advance(jr, aura_forwarder_watermark(jr->app->fwd));
}

/* Levels and fields from the message, then the folding engine: true when
 * the caller submits map.entry itself. */
static bool examine(struct jr *jr) {
    struct aura_entry *e = &jr->map.entry;
    enum aura_level_from from = aura_content_apply(&jr->content, e, jr->map.severity);
    aura_monitor_count_content(jr->app->monitor, from);
    bool single = from == AURA_FROM_JSON || from == AURA_FROM_LOGFMT || from == AURA_FROM_KLOG;
    if (!jr->ml || !aura_multiline_wants(jr->ml, e, single))
        return true;
    char key[STREAM_KEY_MAX];
    size_t klen = jr_map_stream_key(&jr->map, key, sizeof(key));
    return aura_multiline_feed(jr->ml, key, klen, e, jr->map.severity, single, jr->n_read, aura_now_us()) ==
           AURA_ML_PASS;
}

/* Submit what the folding engine finished: 0, or -EAGAIN when full. */
static int submit_folded(struct jr *jr) {
    const struct aura_entry *e;
    bool any = false;
    if (!jr->ml)
        return 0;
    while ((e = aura_multiline_peek(jr->ml))) {
        uint64_t seq;
        int r = aura_forwarder_submit(jr->app->fwd, e, &seq);
        if (r == -EAGAIN)
            return r;
        if (r < 0)
            aura_log_limited(&jr->rl_submit, AURA_LOG_ERR, "a folded stack trace could not be queued (%s); skipped",
                             strerror(-r));
        aura_monitor_count_folded(jr->app->monitor, e);
        aura_multiline_pop(jr->ml);
        any = true;
    }
    if (any) {
        jr_checkpoints_release(&jr->checkpoints, aura_multiline_low_held(jr->ml),
                               aura_forwarder_last_seq(jr->app->fwd));
        advance(jr, aura_forwarder_watermark(jr->app->fwd));
    }
    return 0;
}

static void on_ml_timer(struct aura_loop *loop, void *userdata);

static void arm_ml_timer(struct jr *jr) {
    uint64_t t;
    if (!jr->ml)
        return;
    t = aura_multiline_deadline(jr->ml);
    if (t != UINT64_MAX)
        aura_loop_timer_arm(jr->app->loop, &jr->ml_timer, t);
    else if (jr->ml_timer.armed)
        aura_loop_timer_disarm(jr->app->loop, &jr->ml_timer);
}

static void pause_reading(struct jr *jr);
static void resume_reading(struct jr *jr);

static void jr_acked(struct aura_app *app, uint64_t watermark) {
    struct jr *jr = app->userdata;
    advance(jr, watermark);
    /* Paused on the window (not on a full queue, which writable() ends): go on at half. */
    if (jr->paused && !jr->pending && aura_forwarder_last_seq(app->fwd) - watermark <= jr->window / 2)
        resume_reading(jr);
}

/* --- reading -------------------------------------------------------------- */

/* STATUS= through the monitor, which adds backlog, lag and the last success. */
static struct aura_monitor *status_monitor;

static void notify_status(const char *status) {
    aura_monitor_status(status_monitor, status);
}

/* The journal's own metrics, set just before every render. */
static void jr_collect(void *userdata) {
    struct jr *jr = userdata;
    struct aura_metric_set *m = aura_monitor_metrics(jr->app->monitor);
    double behind = 0;
    int64_t now = aura_realtime_us();
    if (!jr->at_end && jr->last_read_rt && now > (int64_t)jr->last_read_rt)
        behind = (double)(now - (int64_t)jr->last_read_rt) / 1e6;
    aura_series_set(m->journal_behind, behind);
    aura_series_set(m->journal_lost, (double)jr->n_lost);
    if (jr->reader)
        aura_series_set(m->journal_skipped_files, (double)jr_reader_skipped_files(jr->reader));
    if (jr->ahead) {
        struct jr_ahead_stats as;
        jr_ahead_get_stats(jr->ahead, &as);
        aura_series_set(m->journal_errors_ahead, (double)as.sent);
    }
}

static void pause_reading(struct jr *jr) {
    if (jr->paused)
        return;
    jr->paused = true;
    if (jr->fd >= 0)
        aura_loop_set_fd_events(jr->app->loop, jr->fd, 0);
    notify_status("Waiting for acknowledgements before reading on");
}

static void resume_reading(struct jr *jr) {
    if (!jr->paused || jr->stopped)
        return;
    jr->paused = false;
    if (jr->fd >= 0)
        aura_loop_set_fd_events(jr->app->loop, jr->fd, jr->fd_events);
    notify_status("Forwarding journal entries");
    aura_loop_timer_arm(jr->app->loop, &jr->burst_timer, aura_now_us());
}

static uint64_t unacked(const struct jr *jr) {
    return aura_forwarder_last_seq(jr->app->fwd) - aura_forwarder_watermark(jr->app->fwd);
}

static void arm_journal_timer(struct jr *jr) {
    uint64_t t;
    if (jr->cli.once || jr->fd < 0)
        return;
    t = jr_reader_timeout(jr->reader);
    if (t != UINT64_MAX)
        aura_loop_timer_arm(jr->app->loop, &jr->journal_timer, t);
    else if (jr->journal_timer.armed)
        aura_loop_timer_disarm(jr->app->loop, &jr->journal_timer);
}

static bool is_own(struct jr *jr) {
    return jr->map.pid == (int64_t)jr->self || jr->map.own_identifier;
}

static void format_time(char out[40], uint64_t realtime_us) {
    time_t t = (time_t)(realtime_us / 1000000u);
    struct tm tm;
    if (realtime_us == 0 || !gmtime_r(&t, &tm) || strftime(out, 40, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, 40, "an unknown time");
}

/* Entries were vacuumed or rotated away before we read them: count them
 * exactly, say so, and self-report it once (capture_errors). */
static void report_gap(struct jr *jr, const struct jr_gap *gap) {
    char from[40], to[40], msg[400];
    jr->n_lost += gap->lost;
    format_time(from, gap->before_us);
    format_time(to, gap->after_us);
    snprintf(msg, sizeof msg,
             "journal: %" PRIu64 " entries were vacuumed or rotated away before they were read "
             "(between %s and %s, seqnum %" PRIu64 "..%" PRIu64 "); they are lost",
             gap->lost, from, to, gap->first_seq, gap->last_seq);
    aura_log(AURA_LOG_WARNING, "%s", msg);
    aura_app_self_report(jr->app, AURA_LEVEL_ERROR, msg);
}

/* Behind the end (paused on delivery, or two full bursts in a row): errors
 * are read ahead; at the end: the ahead handle is closed (no wake-ups). */
static void follow_ahead(struct jr *jr) {
    if (!jr->ahead)
        return;
    if (jr->at_end) {
        jr->behind_bursts = 0;
        jr_ahead_disarm(jr->ahead);
    } else if (jr->paused || ++jr->behind_bursts >= 2) {
        jr_ahead_arm(jr->ahead);
    }
}

static void burst(struct jr *jr) {
    struct aura_app *app = jr->app;
    bool was_at_end = jr->at_end;
    int n;

    if (jr->stopped || jr->paused || jr->draining)
        return;
    jr->at_end = false;
    for (n = 0; n < BURST; n++) {
        uint64_t seq;
        int r;
        /* what the folding engine finished goes first, in order */
        if (submit_folded(jr) == -EAGAIN) {
            pause_reading(jr);
            break;
        }
        if (!jr->pending) {
            /* About to block on a full queue: remember how far we got first, as the
             * entry read next stays pending (and uncommitted) until there is room. */
            if (aura_forwarder_full(app->fwd))
                checkpoint(jr);
            if (unacked(jr) >= jr->window) {
                checkpoint(jr);
                pause_reading(jr);
                break;
            }
            r = jr_reader_next(jr->reader);
            /* the seqnums are sampled: a gap is found when a window closes (SAMPLE_EVERY in reader.c) */
            struct jr_gap gap;
            while (jr_reader_gap(jr->reader, &gap))
                report_gap(jr, &gap);
            if (r <= 0) {
                jr->at_end = true;
                break;
            }
            jr_reader_map(jr->reader, &jr->map);
            jr->n_read++;
            jr->last_read_rt = (uint64_t)jr->map.entry.time_us;
            if (is_own(jr)) {
                /* Our own diagnostics, back through the journal: never forward them. */
                jr->n_self++;
                jr->since_checkpoint++;
                continue;
            }
            if (jr->ahead && jr->map.severity >= 0 && jr->map.severity <= 3 && jr_ahead_waiting(jr->ahead) &&
                jr_ahead_skip(jr->ahead)) {
                /* sent ahead while we were behind: read, not sent again (its
                 * seq is below every later checkpoint, so the cursor passes
                 * it only once it is acknowledged) */
                jr->since_checkpoint++;
                continue;
            }
            if (!examine(jr)) { /* held (or dropped) by the folding engine */
                jr->since_checkpoint++;
                continue;
            }
            jr->pending = true;
            if (jr->ml && aura_multiline_peek(jr->ml))
                continue; /* the trace this line ended goes out before it */
        }
        r = aura_forwarder_submit(app->fwd, &jr->map.entry, &seq);
        if (r == -EAGAIN) {
            pause_reading(jr);
            break;
        }
        if (r < 0)
            aura_log_limited(&jr->rl_submit, AURA_LOG_ERR, "a journal entry could not be queued (%s); skipped",
                             strerror(-r));
        jr->pending = false;
        /* a cursor every CHECKPOINT_EVERY entries: how far the saved one may
         * trail the acknowledgements (the duplicates of a crash) */
        if (++jr->since_checkpoint >= CHECKPOINT_EVERY)
            checkpoint(jr);
    }
    if (!jr->pending)
        checkpoint(jr);
    follow_ahead(jr);

    arm_ml_timer(jr);
    if (jr->at_end) {
        if (jr->cli.once && jr->ml && aura_multiline_low_held(jr->ml) != UINT64_MAX) {
            /* the end of the input ends every trace */
            aura_multiline_finish_all(jr->ml);
            if (submit_folded(jr) == -EAGAIN) {
                pause_reading(jr);
                return;
            }
            checkpoint(jr);
        }
        if (jr->cli.once) {
            jr->draining = true;
            notify_status("Reached the end of the journal: waiting for acknowledgements");
            aura_app_drain_and_exit(app, true);
            return;
        }
        if (!was_at_end)
            notify_status("Following the journal");
        arm_journal_timer(jr);
    } else if (!jr->paused) {
        aura_loop_timer_arm(app->loop, &jr->burst_timer, aura_now_us());
    }
}

static void on_burst(struct aura_loop *loop, void *userdata) {
    (void)loop;
    burst(userdata);
}

/* A stream paused inside a stack trace for multiline_timeout: send it. */
static void on_ml_timer(struct aura_loop *loop, void *userdata) {
    struct jr *jr = userdata;
    (void)loop;
    if (jr->stopped)
        return;
    aura_multiline_expire(jr->ml, aura_now_us());
    if (submit_folded(jr) == 0 && !jr->pending)
        checkpoint(jr);
    if (jr->at_end || jr->paused)
        arm_ml_timer(jr);
    if (!jr->paused)
        burst(jr);
}

static void on_journal_fd(struct aura_loop *loop, int fd, short revents, void *userdata) {
    struct jr *jr = userdata;
    (void)loop;
    (void)fd;
    (void)revents;
    if (jr_reader_process(jr->reader) < 0)
        aura_log(AURA_LOG_DEBUG, "sd_journal_process failed");
    if (jr->at_end)
        burst(jr);
    else
        arm_journal_timer(jr);
}

static void on_journal_timer(struct aura_loop *loop, void *userdata) {
    on_journal_fd(loop, -1, 0, userdata);
}

static void jr_writable(struct aura_app *app) {
    struct jr *jr = app->userdata;
    resume_reading(jr);
    if (jr->ahead && !jr->stopped)
        jr_ahead_writable(jr->ahead);
}

static void on_watchdog(struct aura_loop *loop, void *userdata) {
    struct jr *jr = userdata;
    sd_notify(0, "WATCHDOG=1");
    aura_loop_timer_arm(loop, &jr->watchdog_timer, aura_now_us() + jr->watchdog_us / 2);
}

/* --- life cycle ----------------------------------------------------------- */

static void jr_stop(struct aura_app *app);

/* --once --timeout: stop now; jr_finish saves what was acknowledged and sets
 * the exit status. */
static void on_once_timeout(struct aura_loop *loop, void *userdata) {
    struct jr *jr = userdata;
    jr->timed_out = true;
    aura_log(AURA_LOG_WARNING, "--timeout: %g s passed%s; stopping", jr->cli.timeout,
             jr->draining ? " waiting for acknowledgements" : " before the end of the journal was read");
    jr->app->stopping = true;
    jr_stop(jr->app);
    aura_loop_quit(loop);
}

static void apply_content(struct jr *jr, const struct aura_settings *cfg) {
    const struct aura_content_settings *cs = aura_content_settings_of(cfg);
    struct aura_multiline_opts o = {.timeout_us = (uint64_t)(cs->multiline_timeout * 1e6),
                                    .max_lines = cs->max_stack_lines,
                                    .max_bytes = cfg->max_message_bytes};
    if (!jr->content.tok && !jr->content.root && !jr->content.arena.data)
        aura_content_init(&jr->content);
    jr->content.levels = cs->levels;
    jr->content.structured = cs->structured;
    if (cs->stack_traces && !jr->ml)
        aura_multiline_new(&o, &jr->ml);
    else if (jr->ml)
        aura_multiline_set_opts(jr->ml, &o); /* stack_traces = false takes effect at restart */
    if (jr->ahead) /* it leaves to us what we would fold */
        jr_ahead_set_content(jr->ahead, cs->levels, cs->structured, jr->ml != NULL, cs->multiline_timeout);
}

static int jr_start(struct aura_app *app) {
    struct jr *jr = app->userdata;
    const struct aura_settings *cfg = app->cfg;
    const struct jr_settings *js = jr_settings_of(cfg);
    struct jr_source src = {js->journal_namespace, js->directory, jr->cli.files};
    struct jr_filter filter = {js->units, js->identifiers, js->min_priority};
    char *cursor = NULL;
    int r;

    jr->app = app;
    jr->self = getpid();
    jr->rl_state = (struct aura_ratelimit)AURA_RATELIMIT(60);
    jr->rl_submit = (struct aura_ratelimit)AURA_RATELIMIT(60);
    aura_timer_init(&jr->burst_timer, on_burst, jr);
    aura_timer_init(&jr->state_timer, on_state_timer, jr);
    aura_timer_init(&jr->watchdog_timer, on_watchdog, jr);
    aura_timer_init(&jr->journal_timer, on_journal_timer, jr);
    aura_timer_init(&jr->once_timer, on_once_timeout, jr);
    jr_map_init(&jr->map);
    jr_map_set_fields(&jr->map, js->fields.names, js->fields.all);
    {
        struct aura_host *own = app->host ? NULL : aura_host_new(NULL);
        const struct aura_host *h = app->host ? app->host : own;
        if (h && h->machine_id)
            snprintf(jr->map.own_machine_id, sizeof jr->map.own_machine_id, "%s", h->machine_id);
        aura_host_free(own);
    }
    aura_timer_init(&jr->ml_timer, on_ml_timer, jr);
    apply_content(jr, cfg);
    jr->window = (uint64_t)cfg->max_batch_entries * WINDOW_BATCHES;
    if (jr->window < WINDOW_MIN)
        jr->window = WINDOW_MIN;
    if (jr->window > cfg->max_queue_entries)
        jr->window = cfg->max_queue_entries;
    if (jr->window == 0)
        jr->window = 1;

    r = jr_sigbus_install();
    if (r < 0)
        aura_log(AURA_LOG_WARNING, "cannot install the SIGBUS handler: %s", strerror(-r));

    /* --stdout is for trying things out: it keeps its hands off the service's state unless told. */
    if (js->state_file && *js->state_file && !(app->use_stdout && !jr->cli.state_file))
        jr->state_file = aura_strdup(js->state_file); /* our own copy: a reload frees the config */
    if (jr->state_file) {
        r = jr_state_check_dir(jr->state_file);
        if (r < 0)
            return aura_log_errno(r, AURA_LOG_ERR, "state file %s cannot be written there: %s", jr->state_file,
                                  strerror(-r));
        r = jr_state_read(jr->state_file, &cursor);
        if (r == -EINVAL)
            aura_log(AURA_LOG_WARNING, "state file %s does not hold a journal cursor; starting as start = %s says",
                     jr->state_file, jr_start_name(js->start));
        else if (r < 0 && r != -ENOENT)
            return aura_log_errno(r, AURA_LOG_ERR, "cannot read state file %s: %s", jr->state_file, strerror(-r));
    }
    /* interval 0: the cursor is written after every acknowledgement that moves it */
    jr_checkpoints_init(&jr->checkpoints, 0, cursor);

    r = jr_reader_open(&src, &filter, &jr->reader);
    if (r < 0) {
        free(cursor);
        return r;
    }
    aura_metric_set_add_journal(aura_monitor_metrics(app->monitor));
    aura_metrics_on_collect(aura_monitor_metrics(app->monitor)->reg, jr_collect, jr);
    r = jr_reader_seek(jr->reader, cursor, js->start);
    free(cursor);
    if (r < 0)
        return aura_log_errno(r, AURA_LOG_ERR, "cannot position the journal reader: %s", strerror(-r));
    /* Save where we start (e.g. the tail) even before the first entry, so a
     * restart goes on from here instead of applying the start mode again. */
    jr->since_checkpoint = 1;

    if (!jr->cli.once && js->errors_ahead) {
        struct jr_ahead_opts ao = {.loop = app->loop,
                                   .fwd = app->fwd,
                                   .src = &src,
                                   .filter = &filter,
                                   .main_reader = jr->reader,
                                   .self = jr->self,
                                   .own_machine_id = jr->map.own_machine_id,
                                   .fields = js->fields.names,
                                   .all_fields = js->fields.all};
        r = jr_ahead_new(&ao, &jr->ahead);
        if (r < 0)
            return aura_log_errno(r, AURA_LOG_ERR, "cannot set up reading errors ahead: %s", strerror(-r));
        apply_content(jr, cfg);
    }
    if (!jr->cli.once) {
        int fd = jr_reader_fd(jr->reader, &jr->fd_events);
        if (fd < 0)
            return aura_log_errno(fd, AURA_LOG_ERR, "cannot watch the journal for changes: %s", strerror(-fd));
        r = aura_loop_add_fd(app->loop, fd, jr->fd_events, on_journal_fd, jr);
        if (r < 0)
            return aura_log_errno(r, AURA_LOG_ERR, "cannot watch the journal fd: %s", strerror(-r));
        jr->fd = fd;
    }
    if (sd_watchdog_enabled(0, &jr->watchdog_us) > 0 && jr->watchdog_us > 0)
        aura_loop_timer_arm(app->loop, &jr->watchdog_timer, aura_now_us() + jr->watchdog_us / 2);

    if (jr->cli.once && jr->cli.timeout > 0)
        aura_loop_timer_arm(app->loop, &jr->once_timer, aura_now_us() + (uint64_t)(jr->cli.timeout * 1e6));
    aura_loop_timer_arm(app->loop, &jr->burst_timer, aura_now_us());
    sd_notify(0, "READY=1");
    status_monitor = app->monitor;
    notify_status("Forwarding journal entries");
    return 0;
}

static void jr_stop(struct aura_app *app) {
    struct jr *jr = app->userdata;
    if (jr->stopped)
        return;
    jr->stopped = true;
    sd_notify(0, "STOPPING=1\nSTATUS=Stopping: flushing what was read");
    if (!jr->app)
        return;
    if (jr->fd >= 0)
        aura_loop_set_fd_events(app->loop, jr->fd, 0);
    aura_loop_timer_disarm(app->loop, &jr->burst_timer);
    aura_loop_timer_disarm(app->loop, &jr->journal_timer);
    aura_loop_timer_disarm(app->loop, &jr->ml_timer);
    if (jr->ahead)
        jr_ahead_disarm(jr->ahead);
}

static void jr_finish(struct aura_app *app) {
    struct jr *jr = app->userdata;
    if (!jr->app)
        return;
    if (app->fwd)
        advance(jr, aura_forwarder_watermark(app->fwd));
    if (jr_checkpoints_committable(&jr->checkpoints))
        write_state(jr, true);
    else if (jr->unsynced && jr->state_file)
        (void)jr_state_sync(jr->state_file);
    /* SPEC §8: --once exits 0 only when everything it read was acknowledged;
     * stopped (signal, --timeout) before that, or before the end, it exits 1 */
    if (jr->cli.once && app->fwd) {
        uint64_t left = unacked(jr) + (jr->pending ? 1 : 0);
        if (left > 0 || !jr->draining) {
            if (left > 0)
                aura_log(AURA_LOG_ERR, "--once: stopped with %" PRIu64 " %s not acknowledged%s", left,
                         left == 1 ? "entry" : "entries", jr->state_file ? " (the state file keeps the last acknowledged position)" : "");
            else
                aura_log(AURA_LOG_ERR, "--once: stopped before the end of the journal was read");
            app->exit_code = 1;
        }
    }
    aura_loop_timer_disarm(app->loop, &jr->once_timer);
    if (jr->fd >= 0)
        aura_loop_remove_fd(app->loop, jr->fd);
    jr->fd = -1;
    aura_loop_timer_disarm(app->loop, &jr->state_timer);
    aura_loop_timer_disarm(app->loop, &jr->watchdog_timer);
    aura_loop_timer_disarm(app->loop, &jr->burst_timer);
    aura_loop_timer_disarm(app->loop, &jr->journal_timer);
    jr_ahead_free(jr->ahead); /* it asks the main reader where it is: first */
    jr->ahead = NULL;
    jr_reader_free(jr->reader);
    jr->reader = NULL;
    jr_map_free(&jr->map);
    aura_loop_timer_disarm(app->loop, &jr->ml_timer);
    aura_multiline_free(jr->ml);
    jr->ml = NULL;
    aura_content_free(&jr->content);
    jr_checkpoints_free(&jr->checkpoints);
    if (jr->state_file)
        jr_state_close(jr->state_file);
    free(jr->state_file);
    jr->state_file = NULL;
}

static bool strv_equal(char *const *a, char *const *b) {
    for (; a && *a && b && *b; a++, b++)
        if (strcmp(*a, *b) != 0)
            return false;
    return !(a && *a) && !(b && *b);
}

static bool str_equal(const char *a, const char *b) {
    return a == b || (a && b && strcmp(a, b) == 0);
}

static int jr_reload(struct aura_app *app, const struct aura_settings *newcfg) {
    struct jr *jr = app->userdata;
    const struct jr_settings *old = jr_settings_of(app->cfg), *new = jr_settings_of(newcfg);
    jr_map_set_fields(&jr->map, new->fields.names, new->fields.all);
    if (jr->ahead)
        jr_ahead_set_fields(jr->ahead, new->fields.names, new->fields.all);
    apply_content(jr, newcfg);
    if (!strv_equal(old->units, new->units) || !strv_equal(old->identifiers, new->identifiers) ||
        old->min_priority != new->min_priority || old->errors_ahead != new->errors_ahead)
        aura_log(AURA_LOG_WARNING,
                 "reload: [journal] units, identifiers, min_priority and errors_ahead take effect at restart");
    if (!str_equal(old->journal_namespace, new->journal_namespace) || !str_equal(old->directory, new->directory) ||
        !str_equal(old->state_file, new->state_file))
        aura_log(AURA_LOG_WARNING, "reload: [journal] namespace, directory and state_file take effect at restart");
    return 0;
}

static void jr_stats(struct aura_app *app, char *out, size_t size) {
    struct jr *jr = app->userdata;
    struct aura_multiline_stats ms = {0};
    struct jr_ahead_stats as = {0};
    if (jr->ml)
        aura_multiline_get_stats(jr->ml, &ms);
    if (jr->ahead)
        jr_ahead_get_stats(jr->ahead, &as);
    snprintf(out, size,
             " journal_read=%" PRIu64 " own_skipped=%" PRIu64 " journal_lost=%" PRIu64 " state_writes=%" PRIu64
             " paused=%d traces_folded=%" PRIu64 " trace_lines=%" PRIu64 " trace_lines_dropped=%" PRIu64
             " traces_open=%zu ahead_sent=%" PRIu64 " ahead_skipped=%" PRIu64,
             jr->n_read, jr->n_self, jr->n_lost, jr->n_state_writes, jr->paused, ms.folded, ms.lines, ms.dropped,
             ms.streams, as.sent, as.skipped);
}

static const struct aura_frontend journald_frontend = {
    .program = "auralog-journald",
    .synopsis = "[--config FILE] [--check] [--once] [--stdout] [--directory DIR | --file FILE... | --namespace NS] "
                "[--state-file FILE] [--start head|tail|boot] [--timeout SECONDS] [--verbose]",
    .help = jr_cli_help,
    .options = jr_cli_options,
    .settings = &jr_settings_table,
    .full_policy = AURA_FULL_BLOCK,
    .userdata = &jr_global,
    .parse_option = jr_parse_option,
    .apply = jr_apply,
    .start = jr_start,
    .acked = jr_acked,
    .writable = jr_writable,
    .stop = jr_stop,
    .finish = jr_finish,
    .reload = jr_reload,
    .stats = jr_stats,
};

int main(int argc, char **argv) {
    int rc = aura_app_main(&journald_frontend, argc, argv);
    jr_cli_free(&jr_global.cli);
    return rc;
}
