/* ahead.h - errors overtake a backlog (SPEC §11, "Errors overtake a backlog").
 *
 * While the main reader is behind the end of the journal (an outage, a
 * first start with start = head, a slow endpoint), a second journal handle
 * on the same source, with the same filters plus PRIORITY=0..3, follows the
 * end of the journal and submits what it reads at once; the forwarder sends
 * error/fatal entries on its urgent lane.  The ids of what it sent (seqnum
 * ID, seqnum and boot ID, from the cursor) are kept in order, and the main
 * reader, when it reaches such an entry, skips it: no duplicate in normal
 * operation.
 *
 * At-least-once: an entry sent ahead is skipped by the main reader whether
 * or not it is acknowledged yet.  Nothing is lost by that: the ahead entry
 * got its forwarder seq when it was submitted, before the main reader
 * passed it, so every checkpoint the main reader records after passing it
 * carries a seq at or above it, and the forwarder's watermark (every seq <=
 * W done) reaches that checkpoint only once the ahead entry is done.  The
 * saved cursor therefore never passes an entry sent ahead and not yet
 * acknowledged; after a crash such an entry is read again by the main
 * reader and sent again (a duplicate, never a loss).
 *
 * The ahead reader only sends an entry the main reader has not reached yet
 * (it compares with the main reader's position before each submit), so the
 * main reader meets every entry it skips in order.  Ids it passed without
 * meeting (vacuumed, another order) are dropped from the front: at worst a
 * duplicate.
 *
 * Bounded: at most JR_AHEAD_MAX ids; when that many are waiting for the
 * main reader, the ahead reader stops reading until half are consumed.
 *
 * Left to the main reader, in order: entries that are our own diagnostics,
 * and, with [content] stack_traces, lines that may start or continue a stack
 * trace (so a trace is never split); levels found in the content (an info
 * line that says ERROR) come in order too: only PRIORITY 0..3 is seen ahead.
 *
 * Program code: logs what it does, once. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "reader.h"

#define JR_AHEAD_MAX 4096

struct aura_loop;
struct aura_forwarder;
struct jr_ahead;

struct jr_ahead_opts {
    struct aura_loop *loop;
    struct aura_forwarder *fwd;
    const struct jr_source *src;    /* copied */
    const struct jr_filter *filter; /* copied; PRIORITY is narrowed to 0..3 */
    struct jr_reader *main_reader;  /* the main reader: where it is */
    pid_t self;                     /* our PID: entries with it are not sent */
    const char *own_machine_id;     /* as the main reader's map has it */
    char *const *fields;            /* [journal] fields */
    bool all_fields;
};

int jr_ahead_new(const struct jr_ahead_opts *o, struct jr_ahead **ret);
void jr_ahead_free(struct jr_ahead *a);

/* [content] and [journal] fields as the main reader has them (start, reload). */
/* timeout: [content] multiline_timeout, seconds */
void jr_ahead_set_content(struct jr_ahead *a, bool levels, bool structured, bool stack_traces, double timeout);
void jr_ahead_set_fields(struct jr_ahead *a, char *const *fields, bool all);

/* The main reader is behind: follow the end of the journal from now (opens
 * the second handle, at the tail).  Nothing when armed already. */
void jr_ahead_arm(struct jr_ahead *a);
/* The main reader reached the end: stop following (closes the handle; no
 * fd, no wake-ups).  Ids already sent stay until the main reader meets them. */
void jr_ahead_disarm(struct jr_ahead *a);
bool jr_ahead_armed(const struct jr_ahead *a);

/* Whether any id waits for the main reader: when not, the main reader need
 * not look (a plain entry costs nothing). */
bool jr_ahead_waiting(const struct jr_ahead *a);
/* The main reader's current entry has PRIORITY 0..3: true when it was sent
 * ahead (the main reader skips it). */
bool jr_ahead_skip(struct jr_ahead *a);

/* The forwarder has room again (after a submit returned -EAGAIN). */
void jr_ahead_writable(struct jr_ahead *a);

struct jr_ahead_stats {
    uint64_t sent;    /* entries sent ahead */
    uint64_t skipped; /* of them, met and skipped by the main reader */
    uint64_t arms;    /* times the ahead reader started following */
};
void jr_ahead_get_stats(const struct jr_ahead *a, struct jr_ahead_stats *st);
