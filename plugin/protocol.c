#include "protocol.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

enum wait_kind {
    WAIT_NONE,
    WAIT_COMMIT, /* "COMMIT TRANSACTION" owes OK / error */
    WAIT_SINGLE, /* a message outside a transaction owes OK / error */
    WAIT_ROOM,   /* without confirm: a line waits for room, nothing owed */
};

struct held_line {
    char *data;
    size_t len;
};

/* A line handed to the core in a transaction not yet committed: if rsyslog
 * resends it (after an error or an abandoned transaction), the entry that is
 * already queued or delivered stands for it instead of a second copy.  Its
 * bytes are kept (a copy costs less than hashing every line, and a resent
 * line is matched by its bytes, not only its hash); the hash is worked out
 * only when an attempt fails and its lines may come again. */
struct sent_line {
    uint64_t hash; /* of the line (line_hash); in cur: not worked out yet */
    uint64_t seq;  /* 0 once matched by a resent line; SENT_HELD: held by the folding engine */
    size_t off, len; /* the line's bytes in the set's bytes */
};
/* a line the folding engine held (an unfinished stack trace): no entry of its
 * own to reuse, but rsyslog resending it is still a resend */
#define SENT_HELD UINT64_MAX

struct sent_set {
    struct sent_line *v;
    size_t n, cap;
    struct aura_buf bytes; /* the lines, one after the other */
};

/* Past this, a set's bytes are released when it empties rather than kept for
 * the next transaction (one of rsyslog's batches of long lines). */
#define SENT_BYTES_KEEP (1u << 20)

struct omp_proto {
    struct omp_proto_settings set;
    struct omp_proto_ops ops;
    struct aura_buf out;

    bool in_txn;
    bool fresh;            /* resend_first: no non-empty commit seen yet */
    bool recovering;       /* resend_first: first commit refused, no commit succeeded since */
    uint64_t txn_lines;    /* lines of the open transaction */
    bool txn_incomplete;   /* lines of this transaction were dropped: its commit fails */
    uint64_t txn_last_seq; /* highest seq submitted for the open transaction */
    uint64_t watermark;
    bool holding; /* omp_proto_set_holding */

    enum wait_kind wait;
    uint64_t wait_seq;      /* WAIT_SINGLE: the message's seq (0 while it is held) */
    uint64_t wait_start_us;
    uint64_t next_dot_us;
    uint64_t failing_us;

    struct held_line *held; /* FIFO of lines not yet accepted by the core */
    size_t n_held, first_held, cap_held, held_bytes;

    struct sent_set cur;  /* submitted for the open transaction / single message */
    struct sent_set prev; /* submitted for attempts that failed, sorted by hash */
    uint64_t matched;     /* resent lines reused in the current attempt */
    uint64_t seen_again;  /* resent lines of the current attempt with nothing to reuse (held ones) */
    unsigned quiet;       /* commits in a row without a reused line */

    struct omp_proto_stats st;
};

struct omp_proto *omp_proto_new(const struct omp_proto_settings *s, const struct omp_proto_ops *ops) {
    struct omp_proto *p = aura_calloc(1, sizeof(*p));
    p->set = *s;
    p->ops = *ops;
    if (p->set.keepalive_us == 0)
        p->set.keepalive_us = 1000000;
    if (p->set.max_backlog_lines == 0)
        p->set.max_backlog_lines = 1;
    p->fresh = p->set.confirm && p->set.resend_first;
    aura_buf_init(&p->out);
    aura_buf_init(&p->cur.bytes);
    aura_buf_init(&p->prev.bytes);
    return p;
}

static void held_clear(struct omp_proto *p) {
    for (size_t i = p->first_held; i < p->first_held + p->n_held; i++)
        free(p->held[i].data);
    p->n_held = p->first_held = p->held_bytes = 0;
}

/* The hash of a line, tests may make every line collide (test_protocol_collide):
 * a resent line is matched by its bytes all the same. */
#ifndef OMP_PROTO_HASH_MASK
#define OMP_PROTO_HASH_MASK UINT64_MAX
#endif

/* 64-bit hash of a line, eight bytes per step:
 * a multiply-rotate over the words, the tail and the length, then
 * MurmurHash3's finaliser. */
static uint64_t line_hash(const char *line, size_t len) {
    const uint64_t k1 = 0x87c37b91114253d5ULL, k2 = 0x4cf5ad432745937fULL;
    uint64_t h = 0xcbf29ce484222325ULL ^ len, w;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        memcpy(&w, line + i, 8);
        w *= k1;
        w = (w << 31) | (w >> 33);
        h ^= w * k2;
        h = ((h << 27) | (h >> 37)) * 5 + 0x52dce729;
    }
    w = 0;
    memcpy(&w, line + i, len - i);
    w *= k1;
    w = (w << 31) | (w >> 33);
    h ^= w * k2;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h & OMP_PROTO_HASH_MASK;
}

/* Add a line (its bytes copied) to a set. */
static void sent_add(struct sent_set *set, uint64_t hash, uint64_t seq, const char *line, size_t len) {
    if (set->n == set->cap) {
        set->cap = set->cap ? set->cap * 2 : 64;
        set->v = aura_realloc(set->v, set->cap * sizeof(*set->v));
    }
    set->v[set->n++] = (struct sent_line){hash, seq, set->bytes.len, len};
    aura_buf_append(&set->bytes, line, len);
}

/* The bytes of a set's line i (never NULL: the set's buffer is while only
 * empty lines were added). */
static const char *sent_bytes(const struct sent_set *set, size_t i) {
    return set->bytes.data ? set->bytes.data + set->v[i].off : "";
}

static void sent_clear(struct sent_set *set) {
    set->n = 0;
    if (set->bytes.cap > SENT_BYTES_KEEP)
        aura_buf_free(&set->bytes);
    else
        aura_buf_reset(&set->bytes);
}

static int sent_cmp(const void *a, const void *b) {
    const struct sent_line *x = a, *y = b;
    return x->hash < y->hash ? -1 : x->hash > y->hash ? 1 : 0;
}

/* The attempt failed or was abandoned: what it submitted may come again.
 * prev is rebuilt from its unmatched lines and the attempt's, now hashed. */
static void sent_carry_over(struct omp_proto *p) {
    struct sent_set old = p->prev;
    p->prev.v = NULL;
    p->prev.n = p->prev.cap = 0;
    aura_buf_init(&p->prev.bytes);
    for (size_t i = 0; i < old.n; i++)
        if (old.v[i].seq)
            sent_add(&p->prev, old.v[i].hash, old.v[i].seq, sent_bytes(&old, i), old.v[i].len);
    free(old.v);
    aura_buf_free(&old.bytes);
    for (size_t i = 0; i < p->cur.n; i++) {
        const char *line = sent_bytes(&p->cur, i);
        sent_add(&p->prev, line_hash(line, p->cur.v[i].len), p->cur.v[i].seq, line, p->cur.v[i].len);
    }
    sent_clear(&p->cur);
    p->matched = 0;
    p->seen_again = 0;
    if (p->prev.n > 1)
        qsort(p->prev.v, p->prev.n, sizeof(*p->prev.v), sent_cmp);
}

/* Committed.  rsyslog may resend a failed batch split up (after a failed
 * commit it retries message by message), so the failed attempts' lines are
 * kept until two commits in a row carried none of them. */
static void sent_committed(struct omp_proto *p) {
    sent_clear(&p->cur);
    if (p->matched > 0 || p->seen_again > 0)
        p->quiet = 0;
    else if (p->prev.n > 0 && ++p->quiet >= 2)
        sent_clear(&p->prev);
    p->matched = 0;
    p->seen_again = 0;
}

/* seq of an unmatched earlier submission of the same line (and mark it
 * matched), or 0 */
static uint64_t sent_match(struct omp_proto *p, const char *line, size_t len) {
    uint64_t hash = line_hash(line, len);
    size_t lo = 0, hi = p->prev.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->prev.v[mid].hash < hash)
            lo = mid + 1;
        else
            hi = mid;
    }
    bool seen = false;
    for (; lo < p->prev.n && p->prev.v[lo].hash == hash; lo++) {
        const struct sent_line *s = &p->prev.v[lo];
        if (s->len != len || memcmp(sent_bytes(&p->prev, lo), line, len) != 0)
            continue; /* another line with the same hash */
        uint64_t seq = s->seq;
        if (seq && seq != SENT_HELD) {
            p->prev.v[lo].seq = 0;
            return seq;
        }
        seen = true;
    }
    if (seen)
        p->seen_again++;
    return 0;
}

void omp_proto_free(struct omp_proto *p) {
    if (!p)
        return;
    held_clear(p);
    free(p->held);
    free(p->cur.v);
    free(p->prev.v);
    aura_buf_free(&p->cur.bytes);
    aura_buf_free(&p->prev.bytes);
    aura_buf_free(&p->out);
    free(p);
}

static void held_push(struct omp_proto *p, const char *line, size_t len) {
    if (p->first_held + p->n_held == p->cap_held) {
        if (p->first_held > 0) {
            memmove(p->held, p->held + p->first_held, p->n_held * sizeof(*p->held));
            p->first_held = 0;
        } else {
            p->cap_held = p->cap_held ? p->cap_held * 2 : 16;
            p->held = aura_realloc(p->held, p->cap_held * sizeof(*p->held));
        }
    }
    struct held_line *h = &p->held[p->first_held + p->n_held++];
    h->data = aura_malloc(len + 1);
    memcpy(h->data, line, len);
    h->data[len] = '\0';
    h->len = len;
    p->held_bytes += len;
}

static void reply(struct omp_proto *p, const char *text) {
    if (!p->set.confirm)
        return;
    aura_buf_puts(&p->out, text);
    aura_buf_putc(&p->out, '\n');
}

static void begin_wait(struct omp_proto *p, enum wait_kind kind, uint64_t now_us) {
    p->wait = kind;
    p->wait_start_us = now_us;
    p->next_dot_us = now_us + p->set.keepalive_us;
}

static void track(struct omp_proto *p, const char *line, size_t len, uint64_t seq) {
    if (!p->set.confirm)
        return;
    sent_add(&p->cur, 0, seq ? seq : SENT_HELD, line, len);
    if (p->in_txn) {
        if (seq > p->txn_last_seq)
            p->txn_last_seq = seq;
    } else if (p->wait == WAIT_SINGLE) {
        p->wait_seq = seq;
    }
}

/* Submit one line; the seq goes to the transaction or the single message.
 * A line resent by rsyslog after a failed attempt reuses the entry the core
 * already has (queued, or delivered) instead of queueing a duplicate. */
static int submit(struct omp_proto *p, const char *line, size_t len) {
    uint64_t seq = 0;
    int r;
    if (p->set.confirm && p->prev.n > 0 && (seq = sent_match(p, line, len)) != 0) {
        p->st.resent_reused++;
        p->matched++;
        track(p, line, len, seq);
        return 0;
    }
    r = p->ops.submit(p->ops.userdata, line, len, &seq);
    if (r < 0)
        return r;
    track(p, line, len, seq);
    return 0;
}

/* Submit held lines in order while the core takes them. */
static void drain_held(struct omp_proto *p) {
    while (p->n_held > 0) {
        struct held_line *h = &p->held[p->first_held];
        if (submit(p, h->data, h->len) < 0)
            return;
        p->held_bytes -= h->len;
        free(h->data);
        p->first_held++;
        p->n_held--;
    }
    p->first_held = 0;
    if (p->wait == WAIT_ROOM)
        p->wait = WAIT_NONE;
}

static void finish_wait(struct omp_proto *p, const char *text) {
    reply(p, text);
    p->wait = WAIT_NONE;
    p->wait_seq = 0;
}

/* Is the owed reply due? */
static void check_wait(struct omp_proto *p, uint64_t now_us) {
    switch (p->wait) {
    case WAIT_COMMIT:
        if (p->txn_incomplete) {
            held_clear(p);
            sent_carry_over(p);
            p->in_txn = false;
            p->st.commit_errors++;
            finish_wait(p, "ERROR transaction too large for the forwarder's free room; resend");
        } else if (p->n_held == 0 && !p->holding && p->watermark >= p->txn_last_seq) {
            p->in_txn = false;
            p->recovering = false;
            p->st.commits++;
            sent_committed(p);
            finish_wait(p, "OK");
        }
        break;
    case WAIT_SINGLE:
        if (p->n_held == 0 && !p->holding && p->wait_seq > 0 && p->watermark >= p->wait_seq) {
            sent_committed(p);
            finish_wait(p, "OK");
        }
        break;
    case WAIT_ROOM:
        if (p->n_held == 0)
            p->wait = WAIT_NONE;
        break;
    case WAIT_NONE:
        break;
    }
    (void)now_us;
}

void omp_proto_start(struct omp_proto *p, uint64_t now_us) {
    (void)now_us;
    reply(p, "OK");
}

/* Recovery (resend_first).  rsyslog 8.2302 (action.c doTransaction) keeps
 * going with the next process when omprog's child dies inside a transaction:
 * it re-sends only the message that failed, in a new transaction, and the
 * lines the dead process had answered DEFER_COMMIT are committed with the
 * rest of the batch without ever being delivered (rsyslog issue #2420).
 * rsyslog resends the whole batch only when a commit fails: then
 * (actionTryRemoveHardErrorsFromBatch) each message of the batch as a
 * transaction of its own, and at last those refused, together.  So a new
 * process refuses its first commit at once; it cannot tell a fresh batch
 * from the rest of a broken one.  While rsyslog resends message by message,
 * a line it has not seen before (the part the dead process took) is queued
 * and refused at once, so that the final transaction carries those lines
 * again (matched to the queued entries) instead of one endpoint round trip
 * per line; a line seen before is committed as usual (its entry is queued
 * already).  The first successful commit ends the recovery. */
static bool recovery_refuses(const struct omp_proto *p) {
    if (p->txn_lines == 0)
        return false;
    if (p->fresh)
        return true;
    return p->recovering && p->txn_lines == 1 && p->matched == 0;
}

static void discard(struct omp_proto *p) {
    if (p->ops.discard)
        p->ops.discard(p->ops.userdata);
}

static bool line_is(const char *line, size_t len, const char *mark) {
    size_t n = strlen(mark);
    if (len > 0 && line[len - 1] == '\r')
        len--;
    return len == n && memcmp(line, mark, n) == 0;
}

void omp_proto_line(struct omp_proto *p, const char *line, size_t len, uint64_t now_us) {
    bool is_begin = line_is(line, len, OMP_PROTO_BEGIN), is_commit = line_is(line, len, OMP_PROTO_COMMIT);

    if (!p->set.confirm) {
        if (is_begin || is_commit)
            return;
        p->st.lines++;
        if (p->n_held == 0 && submit(p, line, len) == 0)
            return;
        held_push(p, line, len);
        p->wait = WAIT_ROOM;
        return;
    }

    if (is_begin) {
        /* an open transaction was abandoned by rsyslog: it resends it */
        held_clear(p);
        if (p->in_txn) {
            if (p->fresh)
                discard(p);
            sent_carry_over(p);
        }
        p->in_txn = true;
        p->txn_lines = 0;
        p->txn_incomplete = false;
        p->txn_last_seq = 0;
        p->st.transactions++;
        reply(p, "OK");
        return;
    }
    if (is_commit) {
        if (!p->in_txn) {
            reply(p, "OK"); /* nothing open: nothing to commit */
            return;
        }
        bool fresh = p->fresh;
        /* The first transaction of a new process is refused before anything
         * of it goes out: what the folding engine holds of it is dropped (its
         * lines come again).  Any other refusal hands its lines over first:
         * rsyslog may not send them again. */
        if (!(fresh && recovery_refuses(p)))
            p->ops.flush(p->ops.userdata);
        if (recovery_refuses(p)) {
            held_clear(p);
            if (fresh) {
                discard(p);
            } else {
                /* a line the folding engine held went out at the flush, as
                 * an entry of its own: the resent line is matched to it */
                for (size_t i = 0; i < p->cur.n && p->txn_last_seq; i++)
                    if (p->cur.v[i].seq == SENT_HELD)
                        p->cur.v[i].seq = p->txn_last_seq;
            }
            sent_carry_over(p);
            p->in_txn = false;
            p->st.recovery_refusals++;
            reply(p, p->recovering ? "ERROR resend: recovering the batch of a previous omauralog process"
                                   : "ERROR resend: first transaction of a new omauralog process");
            p->recovering = true;
            p->fresh = false;
            return;
        }
        begin_wait(p, WAIT_COMMIT, now_us);
        check_wait(p, now_us);
        return;
    }

    p->st.lines++;
    if (p->in_txn) {
        p->txn_lines++;
        if (p->txn_incomplete) {
            /* already failing: rsyslog resends the whole batch */
        } else if (p->n_held == 0 && submit(p, line, len) == 0) {
            /* queued */
        } else if (p->n_held < p->set.max_backlog_lines && p->held_bytes + len <= p->set.max_backlog_bytes) {
            held_push(p, line, len);
        } else {
            p->txn_incomplete = true;
            p->st.backlog_overflows++;
            held_clear(p);
        }
        reply(p, "DEFER_COMMIT");
        return;
    }

    /* a message on its own: send it now, answer when it is acknowledged */
    begin_wait(p, WAIT_SINGLE, now_us);
    p->wait_seq = 0;
    if (submit(p, line, len) < 0)
        held_push(p, line, len);
    p->ops.flush(p->ops.userdata);
    check_wait(p, now_us);
}

void omp_proto_extra_seq(struct omp_proto *p, uint64_t seq) {
    if (!p->set.confirm)
        return;
    if (p->in_txn) {
        if (seq > p->txn_last_seq)
            p->txn_last_seq = seq;
    } else if (p->wait == WAIT_SINGLE && seq > p->wait_seq) {
        p->wait_seq = seq;
    }
}

void omp_proto_set_holding(struct omp_proto *p, bool holding, uint64_t now_us) {
    bool was = p->holding;
    p->holding = holding;
    if (was && !holding)
        check_wait(p, now_us);
}

void omp_proto_acked(struct omp_proto *p, uint64_t watermark, uint64_t now_us) {
    if (watermark > p->watermark)
        p->watermark = watermark;
    check_wait(p, now_us);
}

void omp_proto_writable(struct omp_proto *p, uint64_t now_us) {
    bool had = p->n_held > 0;
    drain_held(p);
    if (had && p->wait != WAIT_NONE)
        p->ops.flush(p->ops.userdata);
    check_wait(p, now_us);
}

void omp_proto_tick(struct omp_proto *p, uint64_t now_us, uint64_t failing_us) {
    p->failing_us = failing_us;
    if (p->wait != WAIT_COMMIT && p->wait != WAIT_SINGLE)
        return;
    check_wait(p, now_us);
    if (p->wait == WAIT_NONE)
        return;
    uint64_t waited = now_us - p->wait_start_us;
    if ((waited >= p->set.commit_timeout_us && failing_us > 0) || waited >= 2 * p->set.commit_timeout_us) {
        /* rsyslog keeps the messages and resends them; what was submitted is
         * still delivered when the endpoint recovers (duplicates, no loss) */
        held_clear(p);
        sent_carry_over(p);
        if (p->wait == WAIT_COMMIT) {
            p->in_txn = false;
            p->st.commit_errors++;
            finish_wait(p, "ERROR delivery failing, commit refused; rsyslog keeps the batch");
        } else {
            p->st.single_errors++;
            finish_wait(p, "ERROR delivery failing; rsyslog keeps the message");
        }
        return;
    }
    if (now_us >= p->next_dot_us) {
        aura_buf_putc(&p->out, '.');
        p->next_dot_us = now_us + p->set.keepalive_us;
    }
}

uint64_t omp_proto_next_tick(const struct omp_proto *p) {
    if (!p->set.confirm || (p->wait != WAIT_COMMIT && p->wait != WAIT_SINGLE))
        return 0;
    uint64_t give_up = p->wait_start_us + p->set.commit_timeout_us;
    if (give_up <= p->next_dot_us && p->failing_us > 0)
        return give_up;
    return p->next_dot_us;
}

bool omp_proto_fresh(const struct omp_proto *p) {
    return p->fresh && p->in_txn;
}

bool omp_proto_busy(const struct omp_proto *p) {
    return p->wait != WAIT_NONE;
}

size_t omp_proto_backlog(const struct omp_proto *p) {
    return p->n_held;
}

const char *omp_proto_output(const struct omp_proto *p, size_t *len) {
    *len = p->out.len;
    return p->out.data ? p->out.data : "";
}

void omp_proto_output_consumed(struct omp_proto *p, size_t n) {
    if (n >= p->out.len) {
        aura_buf_reset(&p->out);
        return;
    }
    memmove(p->out.data, p->out.data + n, p->out.len - n);
    p->out.len -= n;
    p->out.data[p->out.len] = '\0';
}

void omp_proto_get_stats(const struct omp_proto *p, struct omp_proto_stats *st) {
    *st = p->st;
}
