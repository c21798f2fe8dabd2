/* protocol.h - rsyslog omprog's confirmMessages / useTransactions protocol
 * as a state machine without I/O (SPEC §9).  main.c feeds it input lines,
 * acknowledgements and time; it submits through ops and produces the reply
 * bytes to write to stdout.
 *
 * With confirm (omprog confirmMessages="on"):
 *   start                  -> "OK"
 *   "BEGIN TRANSACTION"    -> "OK"   (an open, uncommitted transaction is abandoned)
 *   message in transaction -> "DEFER_COMMIT" at once (never an error)
 *   "COMMIT TRANSACTION"   -> "OK" once every entry of the transaction is
 *                             acknowledged by the core; an error line once
 *                             delivery has failed for commit_timeout (or the
 *                             wait lasted twice that), so rsyslog keeps the
 *                             batch and sends it again
 *   message outside one    -> submitted and flushed at once, "OK" when
 *                             acknowledged, an error line after the same bound
 * While a reply is owed, a '.' is written every keepalive_us: omprog strips
 * leading dots from a reply, and every byte restarts its confirmTimeout.
 * Every reply is one line.
 *
 * Lines the core has no room for (submit -EAGAIN) are held in a backlog and
 * submitted when ops signal room (omp_proto_writable); a transaction whose
 * backlog outgrows its bound drops further lines and fails its commit at once
 * (rsyslog resends it): memory stays bounded, nothing is lost.  A failed or
 * abandoned transaction forgets its backlog; entries it already submitted
 * still get delivered.  When rsyslog resends the batch, each resent line that
 * is byte-identical to a line of the failed attempt(s) is matched (as a
 * multiset: one earlier entry per resent line) to the entry the core already
 * has, queued or delivered, instead of being queued again: retries during a
 * long outage do not pile up duplicates.  The failed attempts' lines are kept
 * until two commits in a row reused none of them (rsyslog retries a failed
 * batch message by message).  Only a crash of the process (state lost)
 * duplicates what was in flight.
 *
 * With resend_first, a new process answers its first non-empty commit with an
 * error at once, and then refuses each single-line transaction of a line it
 * has not seen before, until a commit succeeds: rsyslog 8.2302 resends the
 * whole batch only when a commit fails (message by message, then the
 * refused ones together); a predecessor that died inside a transaction took
 * the lines it had answered DEFER_COMMIT with it (rsyslog issue #2420).
 *
 * Without confirm: every message is submitted, transaction marks are
 * ignored, nothing is written. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OMP_PROTO_BEGIN "BEGIN TRANSACTION"
#define OMP_PROTO_COMMIT "COMMIT TRANSACTION"

struct omp_proto_ops {
    void *userdata;
    /* Parse and submit one message line: 0 and *seq, or -EAGAIN when the
     * core is full (nothing queued). */
    int (*submit)(void *userdata, const char *line, size_t len, uint64_t *seq);
    /* Send what the core has buffered now (a commit or single message waits). */
    void (*flush)(void *userdata);
    /* The open transaction is refused or abandoned: rsyslog sends its lines
     * again, so lines submitted but still held (an unfinished stack trace)
     * are dropped, not sent.  May be NULL. */
    void (*discard)(void *userdata);
};

struct omp_proto_settings {
    bool confirm;
    uint64_t commit_timeout_us;  /* give up on a commit after delivery failed this long */
    uint64_t keepalive_us;       /* dot interval while a reply is owed */
    size_t max_backlog_lines;    /* held lines of one transaction */
    size_t max_backlog_bytes;
    /* Refuse the first non-empty commit of this process at once, and while
     * rsyslog then resends that batch message by message, refuse each single
     * line not seen before, until a commit succeeds (see protocol.c:
     * recovery after a predecessor died inside a transaction). */
    bool resend_first;
};

struct omp_proto_stats {
    uint64_t lines, transactions, commits, commit_errors, single_errors, backlog_overflows;
    uint64_t resent_reused; /* resent lines matched to an entry the core already had */
    uint64_t recovery_refusals; /* commits refused at once by resend_first */
};

struct omp_proto;

struct omp_proto *omp_proto_new(const struct omp_proto_settings *s, const struct omp_proto_ops *ops);
void omp_proto_free(struct omp_proto *p);

/* Ready to consume: "OK" under confirm. */
void omp_proto_start(struct omp_proto *p, uint64_t now_us);
/* One input line without its newline.  Only call while !omp_proto_busy(). */
void omp_proto_line(struct omp_proto *p, const char *line, size_t len, uint64_t now_us);
/* The core acknowledged every seq <= watermark. */
void omp_proto_acked(struct omp_proto *p, uint64_t watermark, uint64_t now_us);
/* The core has room again: submit held lines. */
void omp_proto_writable(struct omp_proto *p, uint64_t now_us);
/* Timer: keep-alives and giving up.  failing_us as aura_forwarder_failing_us(). */
void omp_proto_tick(struct omp_proto *p, uint64_t now_us, uint64_t failing_us);
/* Monotonic time of the next tick needed, 0 for none. */
uint64_t omp_proto_next_tick(const struct omp_proto *p);

/* An entry made outside submit (a folded stack trace, SPEC §11) that holds
 * lines of the open transaction or single message: its reply also waits for
 * seq to be acknowledged. */
void omp_proto_extra_seq(struct omp_proto *p, uint64_t seq);
/* While holding, no commit or single message is answered "OK": lines of it
 * are still held outside the core (folded entries not yet submitted). */
void omp_proto_set_holding(struct omp_proto *p, bool holding, uint64_t now_us);

/* A reply is owed (or a line waits for room): feed no further lines. */
bool omp_proto_busy(const struct omp_proto *p);
/* The open transaction is the first of a new process (--confirm with
 * resend_first): it is refused at its commit and sent again. */
bool omp_proto_fresh(const struct omp_proto *p);
/* Lines held for lack of room. */
size_t omp_proto_backlog(const struct omp_proto *p);

/* Reply bytes produced so far; the caller writes them and then consumes. */
const char *omp_proto_output(const struct omp_proto *p, size_t *len);
void omp_proto_output_consumed(struct omp_proto *p, size_t n);

void omp_proto_get_stats(const struct omp_proto *p, struct omp_proto_stats *st);
