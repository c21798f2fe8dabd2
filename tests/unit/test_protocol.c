/* test_protocol - omprog confirmMessages/transaction state machine
 * (plugin/protocol.c), driven with a fake core. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugin/protocol.h"
#include "tap.h"

#define S 1000000ULL

struct fake_core {
    uint64_t next_seq;
    size_t room;    /* entries accepted before -EAGAIN */
    int flushes;
    char last[64];
};

static int fake_submit(void *ud, const char *line, size_t len, uint64_t *seq) {
    struct fake_core *c = ud;
    if (c->room == 0)
        return -EAGAIN;
    c->room--;
    if (strncmp(line, "held", 4) == 0 && len >= 4) {
        *seq = 0; /* as a line the folding engine keeps: no entry (yet) */
        return 0;
    }
    *seq = ++c->next_seq;
    snprintf(c->last, sizeof(c->last), "%.*s", (int)len, line);
    return 0;
}

static void fake_flush(void *ud) {
    ((struct fake_core *)ud)->flushes++;
}

static struct omp_proto *mk_set(struct fake_core *c, bool confirm, bool resend_first) {
    struct omp_proto_settings s = {.confirm = confirm, .commit_timeout_us = 10 * S, .keepalive_us = 1 * S,
                                    .max_backlog_lines = 3, .max_backlog_bytes = 1 << 20,
                                    .resend_first = resend_first};
    struct omp_proto_ops ops = {.userdata = c, .submit = fake_submit, .flush = fake_flush};
    memset(c, 0, sizeof(*c));
    c->room = 1000;
    return omp_proto_new(&s, &ops);
}

static struct omp_proto *mk(struct fake_core *c, bool confirm) {
    return mk_set(c, confirm, false);
}

/* take the output produced so far as a C string (static buffer) */
static const char *take(struct omp_proto *p) {
    static char buf[4096];
    size_t len;
    const char *o = omp_proto_output(p, &len);
    snprintf(buf, sizeof(buf), "%.*s", (int)len, o);
    omp_proto_output_consumed(p, len);
    return buf;
}

static void line(struct omp_proto *p, const char *l, uint64_t now) {
    omp_proto_line(p, l, strlen(l), now);
}

/* one transaction of the given lines (NULL-terminated), replies taken */
static const char *txn(struct omp_proto *p, const char *const *lines) {
    line(p, "BEGIN TRANSACTION", 0);
    for (; *lines; lines++)
        line(p, *lines, 0);
    line(p, "COMMIT TRANSACTION", 0);
    return take(p);
}

#define REFUSED_FIRST "ERROR resend: first transaction of a new omauralog process\n"
#define REFUSED_RECOVERY "ERROR resend: recovering the batch of a previous omauralog process\n"

/* resend_first: what rsyslog 8.2302 does after a predecessor died inside a
 * transaction (rsyslog issue #2420), as in the rows: each row is one
 * transaction the new process sees, with the replies it must give and the
 * entries the core holds after it. */
static void test_recovery(void) {
    struct fake_core c;
    struct omp_proto *p;
    static const struct {
        const char *lines[4];
        uint64_t acked; /* watermark acknowledged after the commit (0: none) */
        const char *replies;
        uint64_t entries;
        const char *what;
    } rows[] = {
        /* the dead process had answered a, b with DEFER_COMMIT; rsyslog goes on with c, d */
        {{"c", "d"}, 0, "OK\nDEFER_COMMIT\nDEFER_COMMIT\n" REFUSED_FIRST, 2, "first commit refused at once"},
        /* then the whole batch, message by message */
        {{"a"}, 0, "OK\nDEFER_COMMIT\n" REFUSED_RECOVERY, 3, "unseen line a: queued, refused at once"},
        {{"b"}, 0, "OK\nDEFER_COMMIT\n" REFUSED_RECOVERY, 4, "unseen line b: queued, refused at once"},
        {{"c"}, 2, "OK\nDEFER_COMMIT\nOK\n", 4, "seen line c: reused, committed once acknowledged"},
        {{"d"}, 0, "OK\nDEFER_COMMIT\nOK\n", 4, "seen line d: already acknowledged"},
        /* then the refused ones together */
        {{"a", "b"}, 4, "OK\nDEFER_COMMIT\nDEFER_COMMIT\nOK\n", 4, "refused lines again: reused, committed"},
        /* recovery over: a new single line waits for its acknowledgement */
        {{"e"}, 5, "OK\nDEFER_COMMIT\nOK\n", 5, "after recovery: a single line is committed as usual"},
    };

    p = mk_set(&c, true, true);
    omp_proto_start(p, 0);
    CHECK_STR(take(p), "OK\n", "recovery: startup OK");
    line(p, "BEGIN TRANSACTION", 0);
    line(p, "COMMIT TRANSACTION", 0);
    CHECK_STR(take(p), "OK\nOK\n", "recovery: an empty transaction is committed, not refused");
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char r[512];
        snprintf(r, sizeof(r), "%s", txn(p, rows[i].lines));
        if (rows[i].acked) {
            omp_proto_acked(p, rows[i].acked, 0);
            size_t n = strlen(r);
            snprintf(r + n, sizeof(r) - n, "%.200s", take(p));
        }
        CHECK_STR(r, rows[i].replies, "recovery: %s", rows[i].what);
        CHECK_INT(c.next_seq, rows[i].entries, "recovery: entries after '%s'", rows[i].what);
        CHECK(!omp_proto_busy(p), "recovery: nothing owed after '%s'", rows[i].what);
    }
    struct omp_proto_stats st;
    omp_proto_get_stats(p, &st);
    CHECK_INT(st.recovery_refusals, 3, "recovery: three refusals counted");
    omp_proto_free(p);

    /* a batch of one: refused once, the resend commits */
    p = mk_set(&c, true, true);
    omp_proto_start(p, 0);
    take(p);
    CHECK_STR(txn(p, (const char *const[]){"x", NULL}), "OK\nDEFER_COMMIT\n" REFUSED_FIRST,
              "recovery: single-line first batch refused");
    txn(p, (const char *const[]){"x", NULL});
    omp_proto_acked(p, 1, 0);
    CHECK_STR(take(p), "OK\n", "recovery: its resend is committed, not refused again");
    CHECK_INT(c.next_seq, 1, "recovery: queued once");
    omp_proto_free(p);

    /* a first batch with lines the folding engine held (seq 0): resent one
     * by one, they count as resends, so the resend memory is kept and a plain
     * line resent after two of them is still reused, not queued twice */
    p = mk_set(&c, true, true);
    omp_proto_start(p, 0);
    take(p);
    CHECK_STR(txn(p, (const char *const[]){"held1", "p1", "held2", "held3", "p2", NULL}),
              "OK\nDEFER_COMMIT\nDEFER_COMMIT\nDEFER_COMMIT\nDEFER_COMMIT\nDEFER_COMMIT\n" REFUSED_FIRST,
              "held lines: first batch refused");
    CHECK_INT(c.next_seq, 2, "held lines: p1 and p2 queued");
    CHECK_STR(txn(p, (const char *const[]){"held1", NULL}), "OK\nDEFER_COMMIT\n" REFUSED_RECOVERY,
              "held lines: a held line alone is refused while recovering");
    txn(p, (const char *const[]){"p1", NULL});
    omp_proto_acked(p, 2, 0);
    CHECK_STR(take(p), "OK\n", "held lines: p1 reused and committed");
    CHECK_STR(txn(p, (const char *const[]){"held2", NULL}), "OK\nDEFER_COMMIT\nOK\n", "held lines: held2 committed");
    CHECK_STR(txn(p, (const char *const[]){"held3", NULL}), "OK\nDEFER_COMMIT\nOK\n", "held lines: held3 committed");
    CHECK_STR(txn(p, (const char *const[]){"p2", NULL}), "OK\nDEFER_COMMIT\nOK\n", "held lines: p2 committed");
    CHECK_INT(c.next_seq, 2, "held lines: p2 reused after two held resends, not queued again");
    omp_proto_free(p);
}

int main(void) {
    struct fake_core c;
    struct omp_proto *p;

    /* --- a transaction acknowledged after the commit ------------------- */
    p = mk(&c, true);
    omp_proto_start(p, 0);
    CHECK_STR(take(p), "OK\n", "startup says OK");
    line(p, "BEGIN TRANSACTION", 0);
    CHECK_STR(take(p), "OK\n", "BEGIN answered OK");
    line(p, "{\"msg\":\"a\"}", 0);
    line(p, "{\"msg\":\"b\"}", 0);
    CHECK_STR(take(p), "DEFER_COMMIT\nDEFER_COMMIT\n", "messages answered DEFER_COMMIT");
    CHECK(!omp_proto_busy(p), "not busy inside a transaction");
    CHECK_STR(c.last, "{\"msg\":\"b\"}", "lines submitted as they are");
    line(p, "COMMIT TRANSACTION", 0);
    CHECK_STR(take(p), "", "commit not answered before the acknowledgement");
    CHECK(omp_proto_busy(p), "busy while the commit waits");
    CHECK_INT(c.flushes, 1, "commit flushes the core");
    omp_proto_acked(p, 1, 100);
    CHECK_STR(take(p), "", "partial acknowledgement does not commit");
    omp_proto_tick(p, 1 * S, 0);
    CHECK_STR(take(p), ".", "keep-alive dot after 1 s");
    omp_proto_tick(p, 1 * S + 10, 0);
    CHECK_STR(take(p), "", "no second dot within the interval");
    omp_proto_acked(p, 2, 1500000);
    CHECK_STR(take(p), "OK\n", "commit OK once all are acknowledged (dot + OK form one line)");
    CHECK(!omp_proto_busy(p), "not busy after the commit");

    /* an empty transaction commits at once */
    line(p, "BEGIN TRANSACTION", 2 * S);
    line(p, "COMMIT TRANSACTION", 2 * S);
    CHECK_STR(take(p), "OK\nOK\n", "empty transaction commits at once");
    /* already acknowledged entries commit at once */
    line(p, "BEGIN TRANSACTION", 2 * S);
    line(p, "x", 2 * S);
    omp_proto_acked(p, 3, 2 * S);
    line(p, "COMMIT TRANSACTION", 2 * S);
    CHECK_STR(take(p), "OK\nDEFER_COMMIT\nOK\n", "acknowledged before the commit: OK at once");
    /* COMMIT without BEGIN */
    line(p, "COMMIT TRANSACTION", 2 * S);
    CHECK_STR(take(p), "OK\n", "stray COMMIT answered OK");
    omp_proto_free(p);

    /* --- outage: dots, then one error line at commit ------------------- */
    p = mk(&c, true);
    omp_proto_start(p, 0);
    take(p);
    line(p, "BEGIN TRANSACTION", 0);
    line(p, "m1", 0);
    line(p, "COMMIT TRANSACTION", 0);
    CHECK_STR(take(p), "OK\nDEFER_COMMIT\n", "before the outage");
    CHECK_INT(omp_proto_next_tick(p), 1 * S, "next tick is the first dot");
    for (uint64_t t = 1; t <= 9; t++)
        omp_proto_tick(p, t * S, t * S);
    CHECK_STR(take(p), ".........", "nine dots in nine seconds of failure");
    omp_proto_tick(p, 10 * S, 10 * S);
    CHECK_STR(take(p), "ERROR delivery failing, commit refused; rsyslog keeps the batch\n",
              "error line at the commit after commit_timeout");
    CHECK(!omp_proto_busy(p), "not busy after the error");
    struct omp_proto_stats st;
    omp_proto_get_stats(p, &st);
    CHECK_INT(st.commit_errors, 1, "commit error counted");
    /* rsyslog resends the batch */
    line(p, "BEGIN TRANSACTION", 11 * S);
    line(p, "m1", 11 * S);
    line(p, "COMMIT TRANSACTION", 11 * S);
    omp_proto_acked(p, 2, 12 * S);
    CHECK_STR(take(p), "OK\nDEFER_COMMIT\nOK\n", "resent batch commits after recovery");
    omp_proto_free(p);

    /* --- a resent batch reuses what the failed attempt queued ----------- */
    p = mk(&c, true);
    line(p, "BEGIN TRANSACTION", 0);
    line(p, "r1", 0);
    line(p, "r2", 0);
    line(p, "COMMIT TRANSACTION", 0);
    omp_proto_tick(p, 10 * S, 10 * S);
    CHECK(strstr(take(p), "ERROR") != NULL, "attempt 1 fails");
    CHECK_INT(c.next_seq, 2, "two entries queued");
    line(p, "BEGIN TRANSACTION", 11 * S);
    line(p, "r2", 11 * S);
    line(p, "r1", 11 * S);
    line(p, "r1", 11 * S);
    line(p, "COMMIT TRANSACTION", 11 * S);
    CHECK_INT(c.next_seq, 3, "resend: r1 and r2 reused, the second r1 is new");
    CHECK_STR(take(p), "OK\nDEFER_COMMIT\nDEFER_COMMIT\nDEFER_COMMIT\n", "resend answered as usual");
    omp_proto_acked(p, 2, 12 * S);
    CHECK_STR(take(p), "", "commit waits for the new entry too");
    omp_proto_acked(p, 3, 12 * S);
    CHECK_STR(take(p), "OK\n", "commit after all, reused included");
    omp_proto_get_stats(p, &st);
    CHECK_INT(st.resent_reused, 2, "two resent lines reused");
    line(p, "BEGIN TRANSACTION", 13 * S);
    line(p, "r1", 13 * S);
    CHECK_INT(c.next_seq, 4, "after a commit, the same text is a new message");
    /* abandoned transaction (BEGIN without COMMIT): its lines are reused too */
    line(p, "BEGIN TRANSACTION", 13 * S);
    line(p, "r1", 13 * S);
    CHECK_INT(c.next_seq, 4, "abandoned transaction's line reused on resend");
    omp_proto_free(p);

    /* an empty line, resent: reused like any other */
    p = mk(&c, true);
    line(p, "BEGIN TRANSACTION", 0);
    line(p, "", 0);
    line(p, "COMMIT TRANSACTION", 0);
    omp_proto_tick(p, 10 * S, 10 * S);
    CHECK(strstr(take(p), "ERROR") != NULL, "empty line: attempt 1 fails");
    line(p, "BEGIN TRANSACTION", 11 * S);
    line(p, "", 11 * S);
    line(p, "e", 11 * S);
    CHECK_INT(c.next_seq, 2, "empty line: reused, a new line queued");
    omp_proto_free(p);

    /* a resent line is reused only for a line of the same bytes: a new line
     * (or one of the same length, or a prefix) is queued, whatever its hash
     * (test_protocol_collide: every hash the same) */
    p = mk(&c, true);
    line(p, "BEGIN TRANSACTION", 0);
    line(p, "same-length-1", 0);
    line(p, "prefix-line", 0);
    line(p, "COMMIT TRANSACTION", 0);
    omp_proto_tick(p, 10 * S, 10 * S);
    CHECK(strstr(take(p), "ERROR") != NULL, "bytes: attempt 1 fails");
    line(p, "BEGIN TRANSACTION", 11 * S);
    line(p, "same-length-2", 11 * S);
    CHECK_INT(c.next_seq, 3, "bytes: a line of the same length is new");
    line(p, "prefix", 11 * S);
    CHECK_INT(c.next_seq, 4, "bytes: a prefix of a sent line is new");
    line(p, "prefix-line", 11 * S);
    line(p, "same-length-1", 11 * S);
    CHECK_INT(c.next_seq, 4, "bytes: the sent lines are reused");
    line(p, "COMMIT TRANSACTION", 11 * S);
    omp_proto_acked(p, 4, 12 * S);
    CHECK_STR(take(p), "OK\nDEFER_COMMIT\nDEFER_COMMIT\nDEFER_COMMIT\nDEFER_COMMIT\nOK\n", "bytes: committed");
    omp_proto_get_stats(p, &st);
    CHECK_INT(st.resent_reused, 2, "bytes: two lines reused");
    omp_proto_free(p);

    /* a failed batch resent message by message (what rsyslog does after a
     * failed commit): every part reuses its entry */
    p = mk(&c, true);
    line(p, "BEGIN TRANSACTION", 0);
    line(p, "a", 0);
    line(p, "b", 0);
    line(p, "c", 0);
    line(p, "COMMIT TRANSACTION", 0);
    omp_proto_tick(p, 10 * S, 10 * S);
    take(p);
    omp_proto_acked(p, 3, 11 * S);
    static const char *parts[] = {"a", "b", "c"};
    for (int i = 0; i < 3; i++) {
        line(p, "BEGIN TRANSACTION", 11 * S);
        line(p, parts[i], 11 * S);
        line(p, "COMMIT TRANSACTION", 11 * S);
        CHECK_STR(take(p), "OK\nDEFER_COMMIT\nOK\n", "split resend part %s committed", parts[i]);
    }
    CHECK_INT(c.next_seq, 3, "split resend queued nothing new");
    for (int i = 0; i < 2; i++) {
        line(p, "BEGIN TRANSACTION", 12 * S);
        line(p, "new", 12 * S);
        line(p, "COMMIT TRANSACTION", 12 * S);
        omp_proto_acked(p, c.next_seq, 12 * S);
    }
    CHECK_INT(c.next_seq, 5, "new lines are new");
    line(p, "BEGIN TRANSACTION", 13 * S);
    line(p, "a", 13 * S);
    CHECK_INT(c.next_seq, 6, "two commits without a resend: the failed attempt is forgotten");
    omp_proto_free(p);

    /* waiting without failure (slow endpoint) gives up only at twice the bound */
    p = mk(&c, true);
    line(p, "BEGIN TRANSACTION", 0);
    line(p, "m", 0);
    line(p, "COMMIT TRANSACTION", 0);
    take(p);
    omp_proto_tick(p, 15 * S, 0);
    CHECK(omp_proto_busy(p), "not failing: still waiting after 1.5x the bound");
    omp_proto_tick(p, 20 * S, 0);
    CHECK(!omp_proto_busy(p), "gives up at twice the bound");
    CHECK(strstr(take(p), "ERROR") != NULL, "with an error line");
    omp_proto_free(p);

    /* --- backpressure inside a transaction ----------------------------- */
    p = mk(&c, true);
    c.room = 1;
    line(p, "BEGIN TRANSACTION", 0);
    line(p, "a", 0);
    line(p, "b", 0);
    line(p, "c", 0);
    CHECK_STR(take(p), "OK\nDEFER_COMMIT\nDEFER_COMMIT\nDEFER_COMMIT\n", "full core: still DEFER_COMMIT");
    CHECK_INT(omp_proto_backlog(p), 2, "two lines held");
    line(p, "COMMIT TRANSACTION", 0);
    omp_proto_acked(p, 1, 0);
    CHECK_STR(take(p), "", "commit waits for the held lines");
    c.room = 10;
    omp_proto_writable(p, 0);
    CHECK_INT(omp_proto_backlog(p), 0, "held lines submitted on writable");
    CHECK_STR(c.last, "c", "in order");
    CHECK_STR(take(p), "", "not yet acknowledged");
    omp_proto_acked(p, 3, 0);
    CHECK_STR(take(p), "OK\n", "commit after the held lines are acknowledged");
    omp_proto_free(p);

    /* backlog bound exceeded: the transaction fails at commit, no error per message */
    p = mk(&c, true);
    c.room = 0;
    line(p, "BEGIN TRANSACTION", 0);
    for (int i = 0; i < 5; i++)
        line(p, "x", 0);
    CHECK_STR(take(p), "OK\nDEFER_COMMIT\nDEFER_COMMIT\nDEFER_COMMIT\nDEFER_COMMIT\nDEFER_COMMIT\n",
              "never an error for a message of a transaction");
    line(p, "COMMIT TRANSACTION", 0);
    CHECK(strncmp(take(p), "ERROR", 5) == 0, "overflowed transaction fails its commit at once");
    CHECK_INT(omp_proto_backlog(p), 0, "and forgets its backlog");
    omp_proto_free(p);

    /* a new BEGIN abandons an uncommitted transaction and its backlog */
    p = mk(&c, true);
    c.room = 0;
    line(p, "BEGIN TRANSACTION", 0);
    line(p, "x", 0);
    CHECK_INT(omp_proto_backlog(p), 1, "held");
    line(p, "BEGIN TRANSACTION", 0);
    CHECK_INT(omp_proto_backlog(p), 0, "new BEGIN discards the uncommitted backlog");
    CHECK_STR(take(p), "OK\nDEFER_COMMIT\nOK\n", "replies");
    omp_proto_free(p);

    /* --- single messages (no transactions) ----------------------------- */
    p = mk(&c, true);
    omp_proto_start(p, 0);
    line(p, "one", 0);
    CHECK_INT(c.flushes, 1, "single message flushed at once");
    CHECK(omp_proto_busy(p), "busy until acknowledged");
    CHECK_STR(take(p), "OK\n", "only the startup OK so far");
    omp_proto_acked(p, 1, 0);
    CHECK_STR(take(p), "OK\n", "OK when acknowledged");
    c.room = 0;
    line(p, "two", 0);
    CHECK_INT(omp_proto_backlog(p), 1, "single message held when full");
    c.room = 1;
    omp_proto_writable(p, 0);
    omp_proto_acked(p, 2, 0);
    CHECK_STR(take(p), "OK\n", "held single message answered after room and acknowledgement");
    line(p, "three", 0);
    omp_proto_tick(p, 10 * S, 10 * S);
    CHECK_STR(take(p), "ERROR delivery failing; rsyslog keeps the message\n", "single message error after the bound");
    omp_proto_free(p);

    /* --- fire and forget ----------------------------------------------- */
    p = mk(&c, false);
    omp_proto_start(p, 0);
    line(p, "BEGIN TRANSACTION", 0);
    line(p, "a", 0);
    line(p, "COMMIT TRANSACTION", 0);
    CHECK_STR(take(p), "", "nothing written without confirm");
    CHECK_INT(c.next_seq, 1, "marks are not submitted");
    CHECK(!omp_proto_busy(p), "never waits for acknowledgements");
    c.room = 0;
    line(p, "b", 0);
    CHECK(omp_proto_busy(p), "waits for room when the core refuses");
    c.room = 1;
    omp_proto_writable(p, 0);
    CHECK(!omp_proto_busy(p), "room: continues");
    CHECK_INT(omp_proto_next_tick(p), 0, "no timer needed");
    omp_proto_free(p);

    test_recovery();
    return tap_done();
}
