/* ahead.c - errors overtake a backlog (ahead.h). */
#include "ahead.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "content.h"
#include "entry.h"
#include "entry_id.h"
#include "forwarder.h"
#include "log.h"
#include "loop.h"
#include "map.h"
#include "multiline.h"

#define AHEAD_BURST 512     /* entries per loop turn */
#define AHEAD_PRIORITY 3    /* err: PRIORITY 0..3 overtake */
#define TRACE_STREAMS 16    /* streams recently inside a stack trace */
#define TRACE_KEY_MAX 128
#define TRACE_QUIET_US 1000000 /* fallback for multiline_timeout */

struct trace_stream {
    char key[TRACE_KEY_MAX];
    size_t len;
    int64_t until_us; /* entry time until which the stream's lines are left to the main reader */
};

struct jr_ahead {
    struct aura_loop *loop;
    struct aura_forwarder *fwd;
    struct jr_reader *main_reader;
    pid_t self;
    /* the source and filters, copied: the second handle is opened at every arm */
    char *journal_namespace, *directory;
    char **files;
    char **units, **identifiers;
    int min_priority;

    struct jr_reader *rd; /* NULL: not armed */
    int fd;
    short events;
    bool blocked; /* forwarder full or the ids full: fd not watched */
    bool pending; /* map.entry read and checked, not yet accepted by the forwarder */
    struct jr_entry_id pending_id;
    struct aura_timer timer;

    struct jr_map map;
    struct aura_content content;
    struct aura_multiline *ml; /* never fed: only asks whether a line may start a trace */
    uint64_t quiet_us;
    struct trace_stream traces[TRACE_STREAMS];
    size_t next_trace;

    struct jr_entry_id *ids; /* sent ahead, not yet met by the main reader: a ring, oldest first */
    size_t head, n;

    struct jr_ahead_stats st;
    struct aura_ratelimit rl_open, rl_submit;
};

static char **strv_copy(char *const *v) {
    size_t n = 0;
    char **out;
    if (!v || !v[0])
        return NULL;
    while (v[n])
        n++;
    out = aura_calloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        out[i] = aura_strdup(v[i]);
    return out;
}

static void strv_free(char **v) {
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

/* --- ids ------------------------------------------------------------------- */

static bool reader_id(struct jr_reader *r, struct jr_entry_id *id) {
    char *c = jr_reader_cursor(r);
    bool ok = c && jr_entry_id_parse(c, id);
    free(c);
    return ok;
}

static void ids_push(struct jr_ahead *a, const struct jr_entry_id *id) {
    a->ids[(a->head + a->n) % JR_AHEAD_MAX] = *id;
    a->n++;
}

static void ids_pop(struct jr_ahead *a) {
    a->head = (a->head + 1) % JR_AHEAD_MAX;
    a->n--;
}

/* --- reading ahead ------------------------------------------------------------ */

static void watch(struct jr_ahead *a, bool on) {
    if (a->fd >= 0)
        aura_loop_set_fd_events(a->loop, a->fd, on ? a->events : 0);
}

static void block(struct jr_ahead *a) {
    if (a->blocked)
        return;
    a->blocked = true;
    watch(a, false);
}

static void unblock(struct jr_ahead *a) {
    if (!a->blocked || !a->rd)
        return;
    a->blocked = false;
    watch(a, true);
    aura_loop_timer_arm(a->loop, &a->timer, aura_now_us());
}

/* With stack traces folded, a line that may start or continue a trace is
 * the main reader's: sent alone it would be missing from its trace.  Such
 * lines are: what starts a trace, an indented line (frames), and any line
 * of a stream that had one of those within multiline_timeout. */
static bool trace_line(struct jr_ahead *a, const struct aura_entry *e, bool single) {
    char key[TRACE_KEY_MAX];
    size_t klen;
    bool starts;
    int64_t t = e->time_us;
    if (!a->ml || single)
        return false;
    klen = jr_map_stream_key(&a->map, key, sizeof key);
    for (size_t i = 0; i < TRACE_STREAMS; i++) {
        struct trace_stream *s = &a->traces[i];
        if (s->len == klen && memcmp(s->key, key, klen) == 0 && t <= s->until_us) {
            s->until_us = t + (int64_t)a->quiet_us;
            return true;
        }
    }
    const char *m = e->message ? e->message : "";
    size_t len = e->message ? e->message_len : 0;
    starts = aura_multiline_wants(a->ml, e, false) || (len > 0 && (m[0] == ' ' || m[0] == '\t')) ||
             (len >= 4 && memcmp(m, "#011", 4) == 0);
    if (!starts)
        return false;
    struct trace_stream *s = &a->traces[a->next_trace];
    a->next_trace = (a->next_trace + 1) % TRACE_STREAMS;
    memcpy(s->key, key, klen);
    s->len = klen;
    s->until_us = t + (int64_t)a->quiet_us;
    return true;
}

/* Read the next entry worth sending ahead into map.entry: 1, or 0 when
 * there is none (yet). */
static int read_one(struct jr_ahead *a) {
    for (;;) {
        int r = jr_reader_next(a->rd);
        if (r <= 0)
            return 0;
        jr_reader_map(a->rd, &a->map);
        if (a->map.pid == (int64_t)a->self || a->map.own_identifier)
            continue; /* our own diagnostics: never forwarded */
        if (a->map.severity < 0 || a->map.severity > AHEAD_PRIORITY)
            continue; /* cannot be: the handle matches PRIORITY=0..3 */
        if (!reader_id(a->rd, &a->pending_id))
            continue; /* cannot tell the main reader which: it sends it in order */
        enum aura_level_from from = aura_content_apply(&a->content, &a->map.entry, a->map.severity);
        bool single = from == AURA_FROM_JSON || from == AURA_FROM_LOGFMT || from == AURA_FROM_KLOG;
        if (trace_line(a, &a->map.entry, single))
            continue;
        return 1;
    }
}

/* Whether the main reader is at or past id already (it sends that entry itself). */
static bool main_has(struct jr_ahead *a, const struct jr_entry_id *id) {
    struct jr_entry_id pos;
    if (!reader_id(a->main_reader, &pos))
        return false; /* nothing read yet: it is before everything */
    return jr_entry_id_compare(&pos, id) >= 0;
}

static void read_ahead(struct jr_ahead *a) {
    if (!a->rd)
        return;
    for (int n = 0; n < AHEAD_BURST; n++) {
        if (a->n == JR_AHEAD_MAX) {
            block(a); /* the main reader consumes ids: jr_ahead_skip() unblocks */
            return;
        }
        if (!a->pending) {
            if (!read_one(a))
                return;
            a->pending = true;
        }
        if (main_has(a, &a->pending_id)) {
            /* the main reader got here first: it is near the end, nothing to overtake */
            a->pending = false;
            continue;
        }
        int r = aura_forwarder_submit(a->fwd, &a->map.entry, NULL);
        if (r == -EAGAIN) {
            block(a); /* jr_ahead_writable() goes on */
            return;
        }
        a->pending = false;
        if (r < 0) {
            aura_log_limited(&a->rl_submit, AURA_LOG_ERR, "an error entry could not be queued ahead (%s); "
                             "it is sent in order", strerror(-r));
            continue;
        }
        ids_push(a, &a->pending_id);
        a->st.sent++;
    }
    aura_loop_timer_arm(a->loop, &a->timer, aura_now_us()); /* more: next loop turn */
}

static void on_fd(struct aura_loop *loop, int fd, short revents, void *userdata) {
    struct jr_ahead *a = userdata;
    (void)loop;
    (void)fd;
    (void)revents;
    if (!a->rd)
        return;
    if (jr_reader_process(a->rd) < 0)
        aura_log(AURA_LOG_DEBUG, "ahead: sd_journal_process failed");
    if (!a->blocked)
        read_ahead(a);
}

static void on_timer(struct aura_loop *loop, void *userdata) {
    struct jr_ahead *a = userdata;
    (void)loop;
    if (!a->blocked)
        read_ahead(a);
}

/* --- life cycle ------------------------------------------------------------ */

int jr_ahead_new(const struct jr_ahead_opts *o, struct jr_ahead **ret) {
    struct jr_ahead *a = aura_calloc(1, sizeof *a);
    a->loop = o->loop;
    a->fwd = o->fwd;
    a->main_reader = o->main_reader;
    a->self = o->self;
    a->journal_namespace = o->src->journal_namespace ? aura_strdup(o->src->journal_namespace) : NULL;
    a->directory = o->src->directory ? aura_strdup(o->src->directory) : NULL;
    a->files = strv_copy(o->src->files);
    a->units = strv_copy(o->filter->units);
    a->identifiers = strv_copy(o->filter->identifiers);
    a->min_priority = o->filter->min_priority >= 0 && o->filter->min_priority < AHEAD_PRIORITY
                          ? o->filter->min_priority
                          : AHEAD_PRIORITY;
    a->fd = -1;
    a->ids = aura_calloc(JR_AHEAD_MAX, sizeof *a->ids);
    a->quiet_us = TRACE_QUIET_US;
    a->rl_open = (struct aura_ratelimit)AURA_RATELIMIT(300);
    a->rl_submit = (struct aura_ratelimit)AURA_RATELIMIT(60);
    aura_timer_init(&a->timer, on_timer, a);
    jr_map_init(&a->map);
    jr_map_set_fields(&a->map, o->fields, o->all_fields);
    if (o->own_machine_id)
        snprintf(a->map.own_machine_id, sizeof a->map.own_machine_id, "%s", o->own_machine_id);
    aura_content_init(&a->content);
    *ret = a;
    return 0;
}

void jr_ahead_free(struct jr_ahead *a) {
    if (!a)
        return;
    jr_ahead_disarm(a);
    jr_map_free(&a->map);
    aura_content_free(&a->content);
    aura_multiline_free(a->ml);
    free(a->ids);
    free(a->journal_namespace);
    free(a->directory);
    strv_free(a->files);
    strv_free(a->units);
    strv_free(a->identifiers);
    free(a);
}

void jr_ahead_set_content(struct jr_ahead *a, bool levels, bool structured, bool stack_traces, double timeout) {
    a->content.levels = levels;
    a->content.structured = structured;
    a->quiet_us = timeout > 0 ? (uint64_t)(timeout * 1e6) : TRACE_QUIET_US;
    if (stack_traces && !a->ml) {
        struct aura_multiline_opts mo = {0};
        aura_multiline_new(&mo, &a->ml);
    } else if (!stack_traces && a->ml) {
        aura_multiline_free(a->ml);
        a->ml = NULL;
    }
}

void jr_ahead_set_fields(struct jr_ahead *a, char *const *fields, bool all) {
    jr_map_set_fields(&a->map, fields, all);
}

bool jr_ahead_armed(const struct jr_ahead *a) {
    return a->rd != NULL;
}

void jr_ahead_arm(struct jr_ahead *a) {
    struct jr_source src = {a->journal_namespace, a->directory, a->files};
    struct jr_filter filter = {a->units, a->identifiers, a->min_priority};
    int r, fd;
    if (a->rd)
        return;
    r = jr_reader_open_quiet(&src, &filter, &a->rd);
    if (r >= 0) {
        fd = jr_reader_fd(a->rd, &a->events);
        r = fd;
        if (fd >= 0)
            r = jr_reader_seek_end(a->rd);
        if (r >= 0)
            r = aura_loop_add_fd(a->loop, fd, a->events, on_fd, a);
        if (r >= 0)
            a->fd = fd;
    }
    if (r < 0) {
        aura_log_limited(&a->rl_open, AURA_LOG_WARNING,
                         "cannot follow the end of the journal for errors (%s); errors are sent in order",
                         strerror(-r));
        jr_reader_free(a->rd);
        a->rd = NULL;
        return;
    }
    a->st.arms++;
    a->blocked = false;
    a->pending = false;
    memset(a->traces, 0, sizeof a->traces);
    aura_log(AURA_LOG_DEBUG, "behind the end of the journal: errors (PRIORITY 0..%d) are sent ahead", a->min_priority);
    if (a->n == JR_AHEAD_MAX)
        block(a);
}

void jr_ahead_disarm(struct jr_ahead *a) {
    if (!a->rd)
        return;
    aura_loop_timer_disarm(a->loop, &a->timer);
    if (a->fd >= 0)
        aura_loop_remove_fd(a->loop, a->fd);
    a->fd = -1;
    jr_reader_free(a->rd);
    a->rd = NULL;
    a->pending = false;
    a->blocked = false;
    aura_log(AURA_LOG_DEBUG, "at the end of the journal: errors are read in order again");
}

bool jr_ahead_waiting(const struct jr_ahead *a) {
    return a->n > 0;
}

bool jr_ahead_skip(struct jr_ahead *a) {
    struct jr_entry_id cur;
    bool skip = false;
    if (a->n == 0 || !reader_id(a->main_reader, &cur))
        return false;
    while (a->n > 0) {
        const struct jr_entry_id *front = &a->ids[a->head];
        if (jr_entry_id_same(front, &cur)) {
            ids_pop(a);
            a->st.skipped++;
            skip = true;
            break;
        }
        if (jr_entry_id_compare(front, &cur) > 0)
            break; /* not sent ahead */
        ids_pop(a); /* passed without meeting it (vacuumed): forget it */
    }
    if (a->blocked && !a->pending && a->n <= JR_AHEAD_MAX / 2)
        unblock(a);
    return skip;
}

void jr_ahead_writable(struct jr_ahead *a) {
    if (a->n < JR_AHEAD_MAX)
        unblock(a);
}

void jr_ahead_get_stats(const struct jr_ahead *a, struct jr_ahead_stats *st) {
    *st = a->st;
}
