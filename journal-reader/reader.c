#include "reader.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>

#include "buf.h"
#include "entry_id.h"
#include "log.h"
#include "sigbus.h"

/* The seqnum is read from the cursor (sd_journal_get_cursor formats it with
 * asprintf: ~5k instructions, an eighth of an entry's cost when done for
 * every entry).  So it is sampled: every SAMPLE_EVERY entries, at the first
 * entry of another boot, and at the end of what is there.  When the seqnums
 * of a window's two ends are as far apart as the entries read between them,
 * nothing is missing; otherwise the window is walked again entry by entry
 * (rare: a gap, or another seqnum ID) and the gaps are found exactly. */
#define SAMPLE_EVERY 64
#define GAPS_MAX 8

struct jr_reader {
    sd_journal *j;
    char *what;         /* "the system journal", "namespace NS", "directory DIR", "N files" */
    bool unread;        /* the current entry was reached by seeking and is not yet delivered */
    bool seen_entry;    /* a current entry exists */
    bool want_boot;     /* start = boot: skip entries until one of this boot */
    sd_id128_t boot;
    char last_boot[33]; /* boot ID of the last entry read */
    bool filtered;      /* matches were added: seqnum gaps are expected */
    unsigned n_skipped; /* unreadable journal files left out at open */
    /* Seqnum gap detection, sampled (see sample()): prev_* describe the
     * window's first entry (or the saved cursor), prev_cursor its cursor;
     * n_since entries were read after it. */
    bool have_prev;
    sd_id128_t prev_id;
    uint64_t prev_seq, prev_rt;
    char *prev_cursor;
    uint64_t n_since;
    bool sample_now;    /* the current entry starts another boot: close the window at it */
    struct jr_gap gaps[GAPS_MAX]; /* found, not yet taken by jr_reader_gap() */
    size_t n_gaps;
    struct aura_ratelimit rl_data, rl_next, rl_sigbus, rl_files;
};

static int add_matches(sd_journal *j, const char *field, char *const *values, bool *added) {
    char buf[1024];
    for (; values && *values; values++) {
        int n = snprintf(buf, sizeof(buf), "%s=%s", field, *values);
        if (n < 0 || (size_t)n >= sizeof(buf))
            return -ENAMETOOLONG;
        int r = sd_journal_add_match(j, buf, (size_t)n);
        if (r < 0)
            return r;
        *added = true;
    }
    return 0;
}

/* (units OR identifiers) AND priority: sd-journal ORs matches on the same
 * field, ANDs different fields, and lets disjunction/conjunction group them. */
static int set_filter(sd_journal *j, const struct jr_filter *f) {
    bool units = false, idents = false, prio = false;
    int r;

    r = add_matches(j, "_SYSTEMD_UNIT", f->units, &units);
    if (r == 0 && units && f->identifiers && f->identifiers[0])
        r = sd_journal_add_disjunction(j);
    if (r == 0)
        r = add_matches(j, "SYSLOG_IDENTIFIER", f->identifiers, &idents);
    if (r == 0 && f->min_priority >= 0 && f->min_priority < 7) {
        if (units || idents)
            r = sd_journal_add_conjunction(j);
        for (int p = 0; r == 0 && p <= f->min_priority; p++) {
            char m[16];
            int n = snprintf(m, sizeof(m), "PRIORITY=%d", p);
            r = sd_journal_add_match(j, m, (size_t)n);
            prio = true;
        }
    }
    (void)prio;
    return r;
}

/* Can sd-journal open this one file?  0 or negative errno. */
static int probe_file(const char *path) {
    const char *paths[] = {path, NULL};
    sd_journal *j = NULL;
    int r = sd_journal_open_files(&j, paths, 0);
    if (r >= 0)
        sd_journal_close(j);
    return r;
}

static bool is_journal_name(const char *name) {
    size_t n = strlen(name);
    return (n > 8 && strcmp(name + n - 8, ".journal") == 0) || (n > 9 && strcmp(name + n - 9, ".journal~") == 0);
}

/* sd-journal skips files it cannot open without a word: say which ones. */
static unsigned report_unreadable_in(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *de;
    unsigned n = 0;
    if (!d)
        return 0;
    while ((de = readdir(d))) {
        char path[4096];
        int r;
        if (!is_journal_name(de->d_name))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        r = probe_file(path);
        if (r < 0) {
            aura_log(AURA_LOG_WARNING, "skipping journal file %s: %s", path, strerror(-r));
            n++;
        }
    }
    closedir(d);
    return n;
}

static int reader_open(const struct jr_source *src, const struct jr_filter *filter, bool quiet,
                       struct jr_reader **ret) {
    struct jr_reader *rd = aura_calloc(1, sizeof(*rd));
    struct aura_buf what = AURA_BUF_INIT;
    int r;

    rd->rl_data = (struct aura_ratelimit)AURA_RATELIMIT(60);
    rd->rl_next = (struct aura_ratelimit)AURA_RATELIMIT(60);
    rd->rl_sigbus = (struct aura_ratelimit)AURA_RATELIMIT(60);
    rd->rl_files = (struct aura_ratelimit)AURA_RATELIMIT(60);

    if (src->files && src->files[0]) {
        /* One unreadable file makes sd_journal_open_files() fail for all: leave it out, say so. */
        size_t n = 0, good = 0;
        const char **ok;
        while (src->files[n])
            n++;
        ok = aura_calloc(n + 1, sizeof(char *));
        for (size_t i = 0; i < n; i++) {
            int k = probe_file(src->files[i]);
            if (k < 0) {
                if (!quiet)
                    aura_log(AURA_LOG_WARNING, "skipping journal file %s: %s", src->files[i], strerror(-k));
                rd->n_skipped++;
            }
            else
                ok[good++] = src->files[i];
        }
        r = good ? sd_journal_open_files(&rd->j, ok, 0) : -ENOENT;
        if (good == 1)
            aura_buf_printf(&what, "journal file %s", ok[0]);
        else
            aura_buf_printf(&what, "%zu journal files", good);
        free(ok);
    } else if (src->directory) {
        if (!quiet)
            rd->n_skipped += report_unreadable_in(src->directory);
        r = sd_journal_open_directory(&rd->j, src->directory, 0);
        aura_buf_printf(&what, "journal directory %s", src->directory);
    } else if (src->journal_namespace) {
        r = sd_journal_open_namespace(&rd->j, src->journal_namespace, SD_JOURNAL_LOCAL_ONLY);
        aura_buf_printf(&what, "journal namespace %s", src->journal_namespace);
    } else {
        r = sd_journal_open(&rd->j, SD_JOURNAL_LOCAL_ONLY);
        aura_buf_puts(&what, "the system journal");
    }
    rd->what = aura_buf_steal(&what);
    if (r < 0) {
        if (!quiet)
            aura_log(AURA_LOG_ERR, "cannot open %s: %s", rd->what, strerror(-r));
        jr_reader_free(rd);
        return r;
    }
    /* Whole fields: a long message must be cut (and its length reported) by the core, not here. */
    sd_journal_set_data_threshold(rd->j, 0);
    r = set_filter(rd->j, filter);
    rd->filtered = (filter->units && filter->units[0]) || (filter->identifiers && filter->identifiers[0]) ||
                   (filter->min_priority >= 0 && filter->min_priority < 7);
    if (r < 0) {
        if (!quiet)
            aura_log(AURA_LOG_ERR, "cannot set the journal filters: %s", strerror(-r));
        jr_reader_free(rd);
        return r;
    }
    *ret = rd;
    return 0;
}

int jr_reader_open(const struct jr_source *src, const struct jr_filter *filter, struct jr_reader **ret) {
    return reader_open(src, filter, false, ret);
}

int jr_reader_open_quiet(const struct jr_source *src, const struct jr_filter *filter, struct jr_reader **ret) {
    return reader_open(src, filter, true, ret);
}

void jr_reader_free(struct jr_reader *r) {
    if (!r)
        return;
    if (r->j)
        sd_journal_close(r->j);
    free(r->prev_cursor);
    free(r->what);
    free(r);
}

static void forget_prev(struct jr_reader *r);

static void check_sigbus(struct jr_reader *r) {
    void *addr;
    size_t n = jr_sigbus_pop(&addr);
    if (n > 0)
        aura_log_limited(&r->rl_sigbus, AURA_LOG_WARNING,
                         "a journal file of %s shrank while being read (%zu SIGBUS fault(s), first at %p); "
                         "its unreadable part is skipped",
                         r->what, n, addr);
}

static int seek_start(struct jr_reader *r, enum jr_start start) {
    int k;
    switch (start) {
    case JR_START_HEAD:
        aura_log(AURA_LOG_NOTICE, "no saved position: reading %s from its first entry (start = head)", r->what);
        return sd_journal_seek_head(r->j);
    case JR_START_BOOT: {
        sd_id128_t boot;
        k = sd_id128_get_boot(&boot);
        if (k < 0)
            return k;
        aura_log(AURA_LOG_NOTICE, "no saved position: reading %s from the start of the current boot (start = boot)",
                 r->what);
        /* Files without this boot would be read from their start: skip what is not of this boot. */
        r->want_boot = true;
        r->boot = boot;
        return sd_journal_seek_monotonic_usec(r->j, boot, 0);
    }
    case JR_START_TAIL:
    default:
        aura_log(AURA_LOG_NOTICE, "no saved position: reading %s from its end, new entries only (start = tail)",
                 r->what);
        return jr_reader_seek_end(r);
    }
}

int jr_reader_seek_end(struct jr_reader *r) {
    int k = sd_journal_seek_tail(r->j);
    if (k < 0)
        return k;
    /* Stand on the last entry, so that next() returns what comes after it. */
    k = sd_journal_previous(r->j);
    if (k > 0)
        r->seen_entry = true;
    else if (k == 0)
        /* Empty: everything that comes is new.  Staying "at the tail" would
         * make sd-journal skip files that appear later. */
        k = sd_journal_seek_head(r->j);
    return k < 0 ? k : 0;
}

/* The seqnum ID, seqnum and realtime (0 when absent) of a cursor (entry_id.h);
 * when it does not parse, gap detection just restarts at the next entry. */
static bool parse_cursor(const char *cursor, sd_id128_t *id, uint64_t *seq, uint64_t *rt) {
    struct jr_entry_id e;
    unsigned have = jr_entry_id_parse_fields(cursor, &e);
    *id = e.seqnum_id;
    *seq = e.seqnum;
    *rt = e.realtime;
    return (have & (JR_ENTRY_ID_SEQNUM_ID | JR_ENTRY_ID_SEQNUM)) == (JR_ENTRY_ID_SEQNUM_ID | JR_ENTRY_ID_SEQNUM);
}

static void prev_from_cursor(struct jr_reader *r, const char *cursor) {
    r->have_prev = parse_cursor(cursor, &r->prev_id, &r->prev_seq, &r->prev_rt);
    free(r->prev_cursor);
    r->prev_cursor = r->have_prev ? aura_strdup(cursor) : NULL;
    r->n_since = 0;
}

int jr_reader_seek(struct jr_reader *r, const char *cursor, enum jr_start start) {
    int k;

    forget_prev(r);
    if (!cursor)
        return seek_start(r, start);
    prev_from_cursor(r, cursor);

    k = sd_journal_seek_cursor(r->j, cursor);
    if (k < 0) {
        aura_log(AURA_LOG_WARNING, "saved cursor is not a valid journal cursor (%s); starting as start = %s says",
                 strerror(-k), jr_start_name(start));
        return seek_start(r, start);
    }
    k = sd_journal_next(r->j);
    check_sigbus(r);
    if (k < 0)
        return k;
    if (k == 0) {
        aura_log(AURA_LOG_WARNING,
                 "saved cursor is not in %s and nothing follows its position (vacuumed, or another journal); "
                 "waiting for new entries",
                 r->what);
        return 0;
    }
    r->seen_entry = true;
    if (sd_journal_test_cursor(r->j, cursor) > 0) {
        aura_log(AURA_LOG_INFO, "resuming %s after the saved cursor", r->what);
        return 0;
    }
    uint64_t t = 0;
    sd_journal_get_realtime_usec(r->j, &t);
    aura_log(AURA_LOG_WARNING,
             "saved cursor is no longer in %s (vacuumed, or from another journal); continuing from the nearest entry "
             "after its position (realtime %" PRIu64 ")",
             r->what, t);
    r->unread = true;
    return 0;
}

static void push_gap(struct jr_reader *r, const struct jr_gap *g) {
    if (r->n_gaps == GAPS_MAX) { /* more than GAPS_MAX in one window: the last one takes the rest */
        struct jr_gap *last = &r->gaps[GAPS_MAX - 1];
        last->lost += g->lost;
        last->last_seq = g->last_seq;
        last->after_us = g->after_us;
        return;
    }
    r->gaps[r->n_gaps++] = *g;
}

static void set_prev(struct jr_reader *r, sd_id128_t id, uint64_t seq, uint64_t rt) {
    r->have_prev = true;
    r->prev_id = id;
    r->prev_seq = seq;
    r->prev_rt = rt;
}

static void forget_prev(struct jr_reader *r) {
    r->have_prev = false;
    free(r->prev_cursor);
    r->prev_cursor = NULL;
    r->n_since = 0;
}

/* The per-entry rule: an entry follows the previous one of its seqnum ID. */
static void step(struct jr_reader *r, sd_id128_t id, uint64_t seq, uint64_t rt) {
    if (r->have_prev && sd_id128_equal(id, r->prev_id) && seq > r->prev_seq + 1)
        push_gap(r, &(struct jr_gap){.lost = seq - r->prev_seq - 1,
                                     .first_seq = r->prev_seq + 1,
                                     .last_seq = seq - 1,
                                     .before_us = r->prev_rt,
                                     .after_us = rt});
    set_prev(r, id, seq, rt);
}

/* Read the window again from its first entry to the current one (cursor
 * to), applying the per-entry rule; true when it arrived at to (and stands
 * on it again). */
static bool rewalk(struct jr_reader *r, const char *to) {
    uint64_t limit = r->n_since + SAMPLE_EVERY;
    int k = sd_journal_seek_cursor(r->j, r->prev_cursor);
    if (k >= 0)
        k = sd_journal_next(r->j);
    /* the window's first entry itself, when it is still there, was compared already */
    if (k > 0 && sd_journal_test_cursor(r->j, r->prev_cursor) > 0)
        k = sd_journal_next(r->j);
    for (uint64_t i = 0; k > 0 && i < limit; i++) {
        char *c = NULL;
        sd_id128_t id;
        uint64_t seq, rt;
        if (sd_journal_get_cursor(r->j, &c) < 0)
            break;
        bool there = strcmp(c, to) == 0;
        if (parse_cursor(c, &id, &seq, &rt))
            step(r, id, seq, rt);
        else
            r->have_prev = false;
        free(c);
        if (there) {
            check_sigbus(r);
            return true;
        }
        k = sd_journal_next(r->j);
    }
    check_sigbus(r);
    return false;
}

/* Close the window at the current entry (already read): see SAMPLE_EVERY. */
static void sample(struct jr_reader *r) {
    char *c = NULL;
    sd_id128_t id;
    uint64_t seq, rt;
    r->sample_now = false;
    if (r->filtered)
        return; /* gaps are never claimed: skip the cursor's cost */
    if (sd_journal_get_cursor(r->j, &c) < 0 || !parse_cursor(c, &id, &seq, &rt)) {
        free(c); /* unknown: start again at the next entry */
        forget_prev(r);
        return;
    }
    bool whole = r->have_prev && sd_id128_equal(id, r->prev_id) && seq >= r->prev_seq &&
                 seq - r->prev_seq == r->n_since;
    if (r->have_prev && r->n_since > 0 && !whole && r->prev_cursor) {
        uint64_t prev_seq = r->prev_seq, prev_rt = r->prev_rt;
        sd_id128_t prev_id = r->prev_id;
        if (!rewalk(r, c)) {
            /* the window cannot be read again (the journal changed under
             * us): count what its two ends say, and stand on this entry again */
            if (sd_id128_equal(id, prev_id) && seq > prev_seq + r->n_since)
                push_gap(r, &(struct jr_gap){.lost = seq - prev_seq - r->n_since,
                                             .first_seq = prev_seq + 1,
                                             .last_seq = seq - 1,
                                             .before_us = prev_rt,
                                             .after_us = rt});
            int k = sd_journal_seek_cursor(r->j, c);
            if (k >= 0)
                k = sd_journal_next(r->j);
            if (k > 0 && sd_journal_test_cursor(r->j, c) <= 0)
                r->unread = true; /* it went: what stands in its place is not read yet */
            check_sigbus(r);
        }
    }
    set_prev(r, id, seq, rt);
    free(r->prev_cursor);
    r->prev_cursor = c;
    r->n_since = 0;
}

int jr_reader_next(struct jr_reader *r) {
    int k;
    if ((r->sample_now || r->n_since >= SAMPLE_EVERY) && r->seen_entry && !r->unread)
        sample(r);
    if (r->unread) {
        r->unread = false;
        r->n_since++;
        return 1;
    }
    for (;;) {
        sd_id128_t boot;
        uint64_t mono;
        k = sd_journal_next(r->j);
        check_sigbus(r);
        if (k <= 0 || !r->want_boot)
            break;
        if (sd_journal_get_monotonic_usec(r->j, &mono, &boot) >= 0 && sd_id128_equal(boot, r->boot)) {
            r->want_boot = false;
            break;
        }
        r->seen_entry = true;
    }
    if (k < 0) {
        aura_log_limited(&r->rl_next, AURA_LOG_WARNING, "reading %s failed: %s; waiting for more data", r->what,
                         strerror(-k));
        return k;
    }
    if (k > 0) {
        r->seen_entry = true;
        r->n_since++;
        if (!r->have_prev)
            r->sample_now = true; /* the first entry read starts a window */
    } else if (k == 0 && r->n_since > 0 && r->seen_entry) {
        sample(r); /* the end of what is there closes the window */
        if (r->unread) { /* it could not stand on the entry again: what stands there is next */
            r->unread = false;
            r->n_since++;
            return 1;
        }
    }
    return k;
}

struct aura_entry *jr_reader_map(struct jr_reader *r, struct jr_map *m) {
    const void *d;
    size_t l;
    uint64_t rt = 0;
    int k;

    jr_map_begin(m);
    sd_journal_restart_data(r->j);
    while ((k = sd_journal_enumerate_available_data(r->j, &d, &l)) > 0)
        jr_map_add(m, d, l);
    if (k < 0)
        aura_log_limited(&r->rl_data, AURA_LOG_WARNING, "an entry of %s has unreadable fields (%s); sending the rest",
                         r->what, strerror(-k));
    sd_journal_get_realtime_usec(r->j, &rt);
    check_sigbus(r);
    if (m->boot_id[0] && strcmp(m->boot_id, r->last_boot) != 0) {
        if (r->last_boot[0])
            aura_log(AURA_LOG_NOTICE, "%s: boot ID changed from %s to %s (entries of a new boot follow)", r->what,
                     r->last_boot, m->boot_id);
        snprintf(r->last_boot, sizeof(r->last_boot), "%s", m->boot_id);
        r->sample_now = true; /* entries of two boots (or machines) take turns: sample each run */
    }
    return jr_map_end(m, (int64_t)rt);
}

int jr_reader_gap(struct jr_reader *r, struct jr_gap *gap) {
    if (r->n_gaps == 0)
        return 0;
    *gap = r->gaps[0];
    r->n_gaps--;
    memmove(r->gaps, r->gaps + 1, r->n_gaps * sizeof r->gaps[0]);
    return 1;
}

unsigned jr_reader_skipped_files(const struct jr_reader *r) {
    return r->n_skipped;
}

uint64_t jr_reader_realtime(struct jr_reader *r) {
    uint64_t rt = 0;
    if (!r->seen_entry || sd_journal_get_realtime_usec(r->j, &rt) < 0)
        return 0;
    return rt;
}

char *jr_reader_cursor(struct jr_reader *r) {
    char *c = NULL;
    if (!r->seen_entry || sd_journal_get_cursor(r->j, &c) < 0)
        return NULL;
    return c;
}

int jr_reader_fd(struct jr_reader *r, short *events) {
    int fd = sd_journal_get_fd(r->j);
    if (fd < 0)
        return fd;
    int ev = sd_journal_get_events(r->j);
    *events = (short)(ev > 0 ? ev : 1 /* POLLIN */);
    return fd;
}

int jr_reader_process(struct jr_reader *r) {
    int k = sd_journal_process(r->j);
    if (k == SD_JOURNAL_INVALIDATE)
        aura_log_limited(&r->rl_files, AURA_LOG_NOTICE,
                         "journal files of %s were added or removed (rotation or vacuuming); reading on from the "
                         "current position",
                         r->what);
    return k < 0 ? k : 0;
}

uint64_t jr_reader_timeout(struct jr_reader *r) {
    uint64_t t = UINT64_MAX;
    if (sd_journal_get_timeout(r->j, &t) < 0)
        return UINT64_MAX;
    return t;
}
