/* omauralog - rsyslog omprog action forwarding to Auralog (SPEC §9).
 *
 * Reads one message per line on stdin (non-blocking, from the event loop),
 * turns each into an entry (input.c) and hands it to the core; with
 * --confirm speaks omprog's confirmMessages/useTransactions protocol
 * (protocol.c) on stdout.  Diagnostics go to stderr (omprog's output=). */
#include "settings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "buf.h"
#include "content.h"
#include "entry.h"
#include "file.h"
#include "forwarder.h"
#include "input.h"
#include "lines.h"
#include "level.h"
#include "log.h"
#include "loop.h"
#include "monitor.h"
#include "multiline.h"
#include "number.h"
#include "protocol.h"

/* Longest input line handled as one piece.  Longer lines are cut here (the
 * rest up to the newline is skipped), forwarded as they are and reported;
 * they still get exactly one reply.  The message itself is cut to
 * max_message_bytes when the entry is encoded. */
#define MAX_LINE_BYTES (16u << 20)
#define DEFAULT_COMMIT_TIMEOUT 10.0
#define MAX_COMMIT_TIMEOUT 1800.0 /* one dot a second: the reply line stays under omprog's 4 KiB */
/* At end of input, keep delivering what was accepted for this long while the
 * endpoint fails: rsyslog may have given up on the batch in flight when it
 * shut down (it cannot always save it), so this process finishes the job. */
#define DEFAULT_EOF_DRAIN 60.0
/* With --confirm, a stop signal does not stop the input: rsyslog decides
 * what is committed and closes our stdin when it is done with us (then the
 * EOF drain above).  systemd's `systemctl stop/restart rsyslog` sends SIGTERM
 * to every process of the unit at once (KillMode=control-group) and SIGKILL
 * after TimeoutStopSec (90 s by default): stop on our own well before. */
#define CONFIRM_STOP_WAIT_S 75u

enum { OPT_CONFIRM = 256, OPT_COMMIT_TIMEOUT, OPT_EOF_DRAIN };

struct plugin {
    struct aura_app *app;
    bool confirm;
    double commit_timeout;
    double eof_drain;

    struct omp_proto *proto;
    struct omp_input input;
    struct aura_entry entry;

    struct aura_lines lines; /* stdin */
    bool draining;
    bool in_pump, repump; /* the core may call back (acked) while a line is being submitted */
    struct aura_timer timer;
    struct aura_timer eof_timer;

    /* [content] (SPEC §11): levels from the message, stack traces folded per
     * host+program+procid.  Under --confirm a commit is answered only once
     * no line of its transaction is held: at COMMIT every open trace is
     * finished (no further line can come before the answer). */
    struct aura_content content;
    struct aura_multiline *ml; /* NULL: stack_traces = false */
    bool holding;              /* what the protocol was told (omp_proto_set_holding) */
    struct aura_timer ml_timer;
    uint64_t n_fed;

    uint64_t bad_json, long_lines;
    struct omp_proto_stats seen; /* protocol counters already reported */
    struct aura_ratelimit rl_bad, rl_long, rl_write, rl_refused;
};

static struct plugin plugin = {
    .commit_timeout = DEFAULT_COMMIT_TIMEOUT,
    .eof_drain = DEFAULT_EOF_DRAIN,
    .rl_bad = AURA_RATELIMIT(60),
    .rl_long = AURA_RATELIMIT(60),
    .rl_write = AURA_RATELIMIT(60),
    .rl_refused = AURA_RATELIMIT(60),
};

static void pump(struct plugin *p);

/* ---- core callbacks used by the protocol ---------------------------------- */

/* Tell the protocol whether folded entries wait outside the core (only a
 * change: this runs for every line, the clock only when it matters). */
static void set_holding(struct plugin *p, bool holding) {
    if (holding == p->holding)
        return;
    p->holding = holding;
    omp_proto_set_holding(p->proto, holding, aura_now_us());
}

/* Submit what the folding engine finished: 0, or -EAGAIN (the protocol then
 * answers nothing until they went out). */
static int submit_folded(struct plugin *p) {
    const struct aura_entry *e;
    if (!p->ml)
        return 0;
    while ((e = aura_multiline_peek(p->ml))) {
        uint64_t seq = 0;
        int r = aura_forwarder_submit(p->app->fwd, e, &seq);
        if (r == -EAGAIN) {
            set_holding(p, true);
            return r;
        }
        if (r == 0)
            omp_proto_extra_seq(p->proto, seq);
        aura_monitor_count_folded(p->app->monitor, e);
        aura_multiline_pop(p->ml);
    }
    set_holding(p, false);
    return 0;
}

static const char *field_str(const struct aura_entry *e, const char *key, size_t *len) {
    for (size_t i = 0; i < e->n_fields; i++)
        if (e->fields[i].type == AURA_FIELD_STR && e->fields[i].str && strcmp(e->fields[i].key, key) == 0) {
            *len = e->fields[i].len;
            return e->fields[i].str;
        }
    *len = 0;
    return "";
}

/* Levels and fields from the message, then the folding engine: true when
 * the entry is to be submitted, false when the engine keeps it. */
static bool examine(struct plugin *p, struct aura_entry *e) {
    size_t len = 0;
    int severity = p->input.severity; /* the line's own severity: its "severity" field, parsed */
    const char *sev = severity < 0 ? field_str(e, "severity", &len) : "";
    char word[16];
    if (len && len < sizeof(word)) {
        memcpy(word, sev, len);
        word[len] = '\0';
        severity = aura_severity_from_name(word);
    }
    enum aura_level_from from = aura_content_apply(&p->content, e, severity);
    aura_monitor_count_content(p->app->monitor, from);
    bool single = from == AURA_FROM_JSON || from == AURA_FROM_LOGFMT || from == AURA_FROM_KLOG;
    if (!p->ml || !aura_multiline_wants(p->ml, e, single))
        return true;
    /* the stream: host, program, procid */
    char key[256];
    size_t n = 0, l;
    const char *k[] = {"host", "program"};
    for (size_t i = 0; i < 2; i++) {
        const char *v = field_str(e, k[i], &l);
        if (l > 100)
            l = 100;
        memcpy(key + n, v, l);
        n += l;
        key[n++] = '\n';
    }
    for (size_t i = 0; i < e->n_fields; i++)
        if (e->fields[i].type == AURA_FIELD_INT && strcmp(e->fields[i].key, "pid") == 0)
            n += (size_t)snprintf(key + n, sizeof(key) - n, "%lld", (long long)e->fields[i].num);
    return aura_multiline_feed(p->ml, key, n, e, severity, single, ++p->n_fed, aura_now_us()) == AURA_ML_PASS;
}

static int op_submit(void *userdata, const char *line, size_t len, uint64_t *seq) {
    struct plugin *p = userdata;
    /* The first transaction of a new process is refused at its commit and
     * resent (plugin/protocol.c): a trace finished inside it stays in the
     * folding engine, which forgets it at the refusal (op_discard); its lines
     * come back in rsyslog's final transaction and are folded there. */
    bool fresh = omp_proto_fresh(p->proto);
    /* finished traces first (a refused submit asks the core for writable()) */
    if (p->ml && !fresh && submit_folded(p) < 0)
        return -EAGAIN;
    enum omp_input_kind kind = omp_input_parse(&p->input, line, len, aura_realtime_us(), &p->entry);
    if (!examine(p, &p->entry)) {
        aura_entry_reset(&p->entry);
        *seq = 0; /* held: its folded entry reports its seq (omp_proto_extra_seq) */
        return 0;
    }
    if (p->ml && !fresh && submit_folded(p) < 0) {
        /* feeding this line again later passes it again (its stream has no state now) */
        aura_entry_reset(&p->entry);
        return -EAGAIN;
    }
    /* -EAGAIN: the protocol hands this line over again later; it passes again */
    int r = aura_forwarder_submit(p->app->fwd, &p->entry, seq);
    aura_entry_reset(&p->entry);
    if (r == 0 && kind == OMP_INPUT_BAD_JSON) {
        p->bad_json++;
        aura_log_limited(&p->rl_bad, AURA_LOG_WARNING,
                         "input line is not a JSON object (%zu bytes), forwarded as raw text; "
                         "check the template of the omprog action",
                         len);
    }
    return r;
}

static void op_discard(void *userdata) {
    struct plugin *p = userdata;
    if (p->ml) {
        aura_multiline_discard_all(p->ml);
        omp_proto_set_holding(p->proto, false, aura_now_us());
    }
}

static void op_flush(void *userdata) {
    struct plugin *p = userdata;
    if (p->ml && p->confirm) {
        /* a commit (or single message) waits for its answer: no further line
         * comes before it, so every open trace ends here */
        aura_multiline_finish_all(p->ml);
        submit_folded(p);
    }
    aura_forwarder_flush(p->app->fwd);
}

/* ---- output ------------------------------------------------------------- */

/* The replies of one round in one write.  After what the --stdout sink
 * buffered in stdio, so both stay in order; not through stdio itself: a
 * write interrupted by the loop's tick (EINTR) would lose stdio's buffer. */
static void write_replies(struct plugin *p) {
    size_t len;
    const char *out = omp_proto_output(p->proto, &len);
    if (len == 0)
        return;
    int r = fflush(stdout) == 0 ? aura_write_all(STDOUT_FILENO, out, len) : -errno;
    if (r < 0)
        aura_log_limited(&p->rl_write, AURA_LOG_WARNING, "cannot write replies to stdout: %s", strerror(-r));
    omp_proto_output_consumed(p->proto, len);
}

static void arm_timer(struct plugin *p) {
    uint64_t when = omp_proto_next_tick(p->proto);
    if (when)
        aura_loop_timer_arm(p->app->loop, &p->timer, when);
    else
        aura_loop_timer_disarm(p->app->loop, &p->timer);
}

/* Say when rsyslog was told to keep and resend (rate-limited). */
static void report_refusals(struct plugin *p) {
    struct omp_proto_stats st;
    omp_proto_get_stats(p->proto, &st);
    if (st.commit_errors > p->seen.commit_errors || st.single_errors > p->seen.single_errors)
        aura_log_limited(&p->rl_refused, AURA_LOG_WARNING,
                         "delivery failing for %.0f s: commit refused, rsyslog keeps the batch and resends it",
                         (double)aura_forwarder_failing_us(p->app->fwd) / 1e6);
    if (st.recovery_refusals > p->seen.recovery_refusals && p->seen.recovery_refusals == 0)
        aura_log(AURA_LOG_INFO, "first commit refused: rsyslog resends that batch in full, in case a previous "
                                "omauralog process died inside the transaction (rsyslog issue #2420)");
    if (st.backlog_overflows > p->seen.backlog_overflows)
        aura_log_limited(&p->rl_refused, AURA_LOG_WARNING,
                         "a transaction outgrew the room held for it while the forwarder is full: "
                         "its commit is refused, rsyslog resends it");
    p->seen = st;
}

/* ---- input -------------------------------------------------------------- */

/* One line of stdin for the protocol, while it takes lines. */
static int on_line(void *userdata, const char *line, size_t len, bool cut) {
    struct plugin *p = userdata;
    if (omp_proto_busy(p->proto))
        return -EAGAIN;
    if (cut) {
        p->long_lines++;
        aura_log_limited(&p->rl_long, AURA_LOG_WARNING,
                         "input line longer than %u bytes: forwarding its first %u bytes, skipping the rest",
                         MAX_LINE_BYTES, MAX_LINE_BYTES);
    }
    if (len > 0 && line[len - 1] == '\r')
        len--;
    omp_proto_line(p->proto, line, len, aura_now_us());
    return 0;
}

/* Run after every event: lines, replies, timer, whether to read, EOF.  Not
 * re-entered: an acknowledgement arriving while a line is submitted only
 * asks the running pump for another round. */
static void pump(struct plugin *p) {
    if (p->in_pump) {
        p->repump = true;
        return;
    }
    p->in_pump = true;
    do {
        p->repump = false;
        aura_lines_process(&p->lines);
        write_replies(p);
    } while (p->repump);
    report_refusals(p);
    p->in_pump = false;
    arm_timer(p);
    if (p->ml) {
        uint64_t t = aura_multiline_deadline(p->ml);
        if (t != UINT64_MAX)
            aura_loop_timer_arm(p->app->loop, &p->ml_timer, t);
        else if (p->ml_timer.armed)
            aura_loop_timer_disarm(p->app->loop, &p->ml_timer);
    }
    if (p->lines.stopped || p->draining)
        return;
    aura_lines_want_input(&p->lines, !omp_proto_busy(p->proto));
    if (aura_lines_done(&p->lines) && !omp_proto_busy(p->proto) && p->ml) {
        aura_multiline_finish_all(p->ml); /* the end of the input ends every trace */
        if (submit_folded(p) < 0)
            return; /* writable() comes back here */
    }
    if (aura_lines_done(&p->lines) && !omp_proto_busy(p->proto)) {
        /* rsyslog closed our stdin: deliver what we have and leave */
        p->draining = true;
        aura_log(AURA_LOG_DEBUG, "end of input, flushing (at most %.0f s)", p->eof_drain);
        aura_loop_timer_arm(p->app->loop, &p->eof_timer, aura_now_us() + (uint64_t)(p->eof_drain * 1e6));
        aura_app_drain_and_exit(p->app, true);
    }
}

static void on_stdin(void *userdata) {
    pump(userdata);
}

static void on_eof_timer(struct aura_loop *loop, void *userdata) {
    struct plugin *p = userdata;
    struct aura_stats st;
    aura_forwarder_get_stats(p->app->fwd, &st);
    aura_log(AURA_LOG_WARNING, "end of input %.0f s ago, giving up on %zu entries the endpoint did not acknowledge",
             p->eof_drain, st.backlog);
    aura_loop_quit(loop);
}

/* A stream paused inside a stack trace for multiline_timeout: send it. */
static void on_ml_timer(struct aura_loop *loop, void *userdata) {
    struct plugin *p = userdata;
    (void)loop;
    aura_multiline_expire(p->ml, aura_now_us());
    submit_folded(p);
    pump(p);
}

static void on_timer(struct aura_loop *loop, void *userdata) {
    struct plugin *p = userdata;
    (void)loop;
    omp_proto_tick(p->proto, aura_now_us(), aura_forwarder_failing_us(p->app->fwd));
    pump(p);
}

/* ---- front-end hooks ------------------------------------------------------ */

static int fe_parse_option(struct aura_app *app, int opt, const char *arg) {
    struct plugin *p = app->userdata;
    switch (opt) {
    case OPT_CONFIRM:
        p->confirm = true;
        app->full_policy = AURA_FULL_BLOCK; /* nothing may be dropped once rsyslog waits for us */
        return 0;
    case OPT_COMMIT_TIMEOUT:
        if (aura_parse_decimal(arg, &p->commit_timeout) < 0 || !(p->commit_timeout > 0) ||
            p->commit_timeout > MAX_COMMIT_TIMEOUT)
            return -EINVAL;
        return 0;
    case OPT_EOF_DRAIN:
        if (aura_parse_decimal(arg, &p->eof_drain) < 0 || !(p->eof_drain >= 0) || p->eof_drain > 86400)
            return -EINVAL;
        return 0;
    default:
        return -EINVAL;
    }
}

static void apply_content(struct plugin *p, const struct aura_settings *cfg) {
    const struct aura_content_settings *cs = aura_content_settings_of(cfg);
    struct aura_multiline_opts o = {.timeout_us = (uint64_t)(cs->multiline_timeout * 1e6),
                                    .max_lines = cs->max_stack_lines,
                                    .max_bytes = cfg->max_message_bytes};
    if (!p->content.tok && !p->content.root && !p->content.arena.data)
        aura_content_init(&p->content);
    p->content.levels = cs->levels;
    p->content.structured = cs->structured;
    if (cs->stack_traces && !p->ml)
        aura_multiline_new(&o, &p->ml);
    else if (p->ml)
        aura_multiline_set_opts(p->ml, &o); /* stack_traces = false takes effect at restart */
}

static int fe_start(struct aura_app *app) {
    struct plugin *p = app->userdata;
    int r;

    p->app = app;
    struct omp_proto_settings set = {
        .confirm = p->confirm,
        .commit_timeout_us = (uint64_t)(p->commit_timeout * 1e6),
        .keepalive_us = 1000000,
        /* a transaction is one rsyslog batch (queue.dequeueBatchSize); hold
         * at most this much of it while the core is full (beyond: the commit
         * fails at once and rsyslog resends; the resend reuses what was
         * queued, so every attempt makes progress) */
        .max_backlog_lines = app->cfg->max_queue_entries > 10000 ? app->cfg->max_queue_entries : 10000,
        .max_backlog_bytes = 64u << 20,
        /* rsyslog 8.2302 loses what a predecessor killed inside a
         * transaction had accepted unless the next commit fails: see
         * protocol.c, recovery */
        .resend_first = p->confirm,
    };
    struct omp_proto_ops ops = {.userdata = p, .submit = op_submit, .flush = op_flush, .discard = op_discard};
    p->proto = omp_proto_new(&set, &ops);
    apply_content(p, app->cfg);
    aura_timer_init(&p->ml_timer, on_ml_timer, p);
    omp_input_init(&p->input);
    aura_entry_init(&p->entry);
    aura_timer_init(&p->timer, on_timer, p);
    aura_timer_init(&p->eof_timer, on_eof_timer, p);

    struct aura_lines_ops lines_ops = {.userdata = p, .line = on_line, .readable = on_stdin};
    r = aura_lines_start(&p->lines, app->loop, STDIN_FILENO, MAX_LINE_BYTES, &lines_ops);
    if (r < 0)
        return aura_log_errno(r, AURA_LOG_ERR, "cannot watch stdin: %s", strerror(-r));
    /* rsyslog sends the next line only after the answer to this one: wait
     * for it in a blocking read rather than poll + read */
    if (p->confirm && !app->use_stdout && (r = aura_lines_direct(&p->lines)) < 0)
        aura_log(AURA_LOG_DEBUG, "stdin read through poll only: %s", strerror(-r));

    aura_log(AURA_LOG_INFO, "ready (%s)",
             p->confirm ? "confirming messages to rsyslog" : "fire-and-forget, no confirmations");
    omp_proto_start(p->proto, aura_now_us());
    write_replies(p);
    return 0;
}

static void fe_acked(struct aura_app *app, uint64_t watermark) {
    struct plugin *p = app->userdata;
    omp_proto_acked(p->proto, watermark, aura_now_us());
    pump(p);
}

static void fe_writable(struct aura_app *app) {
    struct plugin *p = app->userdata;
    submit_folded(p);
    omp_proto_writable(p->proto, aura_now_us());
    pump(p);
}

static void fe_stop(struct aura_app *app) {
    struct plugin *p = app->userdata;
    aura_lines_stop(&p->lines);
}

static unsigned fe_defer_stop(struct aura_app *app) {
    struct plugin *p = app->userdata;
    /* Stopping to read now would leave rsyslog's batch in flight half
     * written: omprog then waits confirmTimeout, and a batch rsyslog cannot
     * finish while it shuts down is dropped from its queue. */
    return p->confirm ? CONFIRM_STOP_WAIT_S : 0;
}

static void fe_finish(struct aura_app *app) {
    struct plugin *p = app->userdata;
    if (!p->proto)
        return;
    write_replies(p);
    if (omp_proto_backlog(p->proto) > 0)
        aura_log(AURA_LOG_NOTICE, "%zu lines never reached the forwarder; rsyslog still holds them (uncommitted)",
                 omp_proto_backlog(p->proto));
    aura_loop_timer_disarm(app->loop, &p->timer);
    aura_loop_timer_disarm(app->loop, &p->eof_timer);
    aura_loop_timer_disarm(app->loop, &p->ml_timer);
    aura_multiline_free(p->ml);
    p->ml = NULL;
    aura_content_free(&p->content);
    omp_proto_free(p->proto);
    p->proto = NULL;
    omp_input_free(&p->input);
    aura_entry_free(&p->entry);
    aura_lines_free(&p->lines);
}

static int fe_reload(struct aura_app *app, const struct aura_settings *newcfg) {
    apply_content(app->userdata, newcfg);
    return 0; /* everything else the plugin uses of the config lives in the core */
}

static void fe_stats(struct aura_app *app, char *out, size_t size) {
    struct plugin *p = app->userdata;
    struct omp_proto_stats st;
    omp_proto_get_stats(p->proto, &st);
    snprintf(out, size,
             "lines=%llu transactions=%llu commits=%llu commit_errors=%llu single_errors=%llu "
             "backlog_overflows=%llu resent_reused=%llu recovery_refusals=%llu bad_json=%llu long_lines=%llu held=%zu",
             (unsigned long long)st.lines, (unsigned long long)st.transactions, (unsigned long long)st.commits,
             (unsigned long long)st.commit_errors, (unsigned long long)st.single_errors,
             (unsigned long long)st.backlog_overflows, (unsigned long long)st.resent_reused,
             (unsigned long long)st.recovery_refusals,
             (unsigned long long)p->bad_json,
             (unsigned long long)p->long_lines, omp_proto_backlog(p->proto));
}

static const struct option plugin_options[] = {
    {"confirm", no_argument, NULL, OPT_CONFIRM},
    {"commit-timeout", required_argument, NULL, OPT_COMMIT_TIMEOUT},
    {"eof-drain", required_argument, NULL, OPT_EOF_DRAIN},
    {NULL, 0, NULL, 0},
};

static const struct aura_frontend frontend = {
    .program = "omauralog",
    .no_metrics_listen = true,
    .synopsis = "[--config FILE] [--check] [--confirm] [--commit-timeout SEC] [--eof-drain SEC] [--stdout] [--verbose]",
    .help = "      --confirm       speak rsyslog omprog's confirmMessages protocol on stdout (with\n"
            "                      useTransactions: a commit is answered once the endpoint acknowledged it)\n"
            "      --commit-timeout SEC\n"
            "                      with --confirm: answer a commit with an error once delivery has failed\n"
            "                      for SEC seconds (2 x SEC when it is only slow), so rsyslog keeps the\n"
            "                      batch and resends it (default 10)\n"
            "      --eof-drain SEC at end of input, keep delivering what was accepted for up to SEC\n"
            "                      seconds while the endpoint fails (default 60)\n",
    .options = plugin_options,
    .full_policy = AURA_FULL_DROP_OLDEST, /* --confirm switches to AURA_FULL_BLOCK */
    .userdata = &plugin,
    .parse_option = fe_parse_option,
    .start = fe_start,
    .acked = fe_acked,
    .writable = fe_writable,
    .stop = fe_stop,
    .defer_stop = fe_defer_stop,
    .finish = fe_finish,
    .reload = fe_reload,
    .stats = fe_stats,
};

int main(int argc, char **argv) {
    return aura_app_main(&frontend, argc, argv);
}
