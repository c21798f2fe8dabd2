/* checkpoint.h - at-least-once bookkeeping of auralog-journald (SPEC §8):
 * which journal cursor may be saved, and when.
 *
 * After a burst of reading, the reader records a checkpoint: the forwarder's
 * last sequence number and the cursor of the last entry read.  When the
 * forwarder acknowledges every seq <= W, the newest checkpoint at or below W
 * becomes committable: everything up to its cursor was delivered.  The
 * committable cursor is written to the state file at most once per
 * interval (and when the program ends), never when the file already holds
 * it; a failed write is tried again an interval later.  auralog-journald
 * uses interval 0: a write after every acknowledgement that moves the
 * cursor (write + rename; it fsyncs at most once a second itself).
 *
 * No I/O here: the reader asks when to write, writes, and reports back. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jr_checkpoint {
    uint64_t seq;
    char *cursor;
};

struct jr_checkpoints {
    struct jr_checkpoint *ring; /* not yet acknowledged, oldest first */
    size_t head, len, cap;
    char *committable;      /* newest fully acknowledged cursor, not yet saved */
    char *saved;            /* what the state file holds */
    uint64_t interval_us;   /* at most one write per interval */
    uint64_t last_write_us; /* monotonic; 0: never written */
    /* checkpoints read past a line still held outside the forwarder (a
     * stack trace being folded, SPEC §11): seq holds the reader's token of
     * the cursor's entry, oldest first, at most JR_CHECKPOINTS_HELD_MAX */
    struct jr_checkpoint *held;
    size_t n_held;
};

#define JR_CHECKPOINTS_HELD_MAX 64

/* saved: what the state file holds at start (copied), or NULL. */
void jr_checkpoints_init(struct jr_checkpoints *c, uint64_t interval_us, const char *saved);
void jr_checkpoints_free(struct jr_checkpoints *c);

/* Entries up to seq were read, the last of them at cursor (taken over). */
void jr_checkpoints_add(struct jr_checkpoints *c, uint64_t seq, char *cursor);

/* Entries up to token were read, the last of them at cursor (taken over),
 * but a line at or before it is still held: the cursor waits until
 * jr_checkpoints_release() says that line went to the forwarder.  Beyond
 * JR_CHECKPOINTS_HELD_MAX waiting, the newest is replaced (fewer commit
 * points, never a wrong one). */
void jr_checkpoints_add_held(struct jr_checkpoints *c, uint64_t token, char *cursor);
/* Every line with a token below low_held went to the forwarder, at seq <=
 * last_seq: the waiting cursors below low_held become checkpoints at last_seq. */
void jr_checkpoints_release(struct jr_checkpoints *c, uint64_t low_held, uint64_t last_seq);

/* Every seq <= watermark is acknowledged: true when a newer cursor became committable. */
bool jr_checkpoints_advance(struct jr_checkpoints *c, uint64_t watermark);

/* Whether the committable cursor should be written and when: false when there
 * is nothing new to write; else *when (<= now: write now). */
bool jr_checkpoints_due(struct jr_checkpoints *c, uint64_t now_us, uint64_t *when);

/* The cursor to write (NULL: nothing). */
static inline const char *jr_checkpoints_committable(const struct jr_checkpoints *c) {
    return c->committable;
}

/* The committable cursor was written at now_us (r == 0: it is what the file
 * holds now) or not (r < 0: kept, to be written again an interval later). */
void jr_checkpoints_written(struct jr_checkpoints *c, int r, uint64_t now_us);
