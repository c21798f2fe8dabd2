/* lines.h - a non-blocking line reader with backpressure, for front ends
 * that take one message per line on a descriptor (omauralog's stdin, the
 * aura-feed test front end).
 *
 * It reads from the event loop while the front end wants input, and hands
 * complete lines to line() in order while line() takes them: a line it
 * refuses (-EAGAIN: no room now) stays buffered and comes again at the next
 * aura_lines_process().  A line that reaches max_line bytes before its
 * newline was read is handed over as its first max_line bytes (cut = true)
 * and the rest up to its newline is skipped (a newline already read within
 * the same read of at most 64 KiB keeps the line whole).  At the end of input a last line without a newline is handed
 * over too.  What to do with a line (and its "\r") is the front end's. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct aura_loop;

struct aura_lines_ops {
    void *userdata;
    /* One line (without its '\n'): 0 when taken, -EAGAIN to have it again later. */
    int (*line)(void *userdata, const char *line, size_t len, bool cut);
    /* Input was read (or the end of input seen): process it now (may be NULL). */
    void (*readable)(void *userdata);
};

struct aura_lines {
    struct aura_loop *loop; /* NULL: read only through aura_lines_read() (unit tests) */
    int fd;
    size_t max_line;
    struct aura_lines_ops ops;
    struct aura_buf in; /* bytes read and not yet handed over */
    size_t scanned;     /* bytes of in known to hold no newline */
    bool skipping;      /* dropping the rest of an over-long line */
    bool eof, stopped;
    bool blocking; /* aura_lines_direct() */
};

/* Set fd non-blocking and, when loop is non-NULL, watch it for input. */
int aura_lines_start(struct aura_lines *lr, struct aura_loop *loop, int fd, size_t max_line,
                     const struct aura_lines_ops *ops);
void aura_lines_free(struct aura_lines *lr);

/* Read fd blocking, one read per aura_lines_read(), and let the loop wait in
 * that read instead of in poll while the input is busy
 * (aura_loop_set_direct_fd): one syscall fewer per wake-up.  For a peer that
 * writes a line and waits for the answer (omprog with confirmations).  0 or
 * -errno (then it stays non-blocking). */
int aura_lines_direct(struct aura_lines *lr);

/* Read what fd has now, up to a complete line or max_line bytes: 0, or 1
 * once the end of input was seen (a read error counts as the end, logged). */
int aura_lines_read(struct aura_lines *lr);

/* Hand complete lines to line() while it takes them; true when none is left
 * waiting for room (false: a refused line waits). */
bool aura_lines_process(struct aura_lines *lr);

/* Whether the front end wants more input now (its backpressure). */
void aura_lines_want_input(struct aura_lines *lr, bool want);

/* No more reading, no more lines handed over (SIGTERM). */
void aura_lines_stop(struct aura_lines *lr);
/* No more reading, but what was read is still handed over, a last line
 * without newline too: the input ends here. */
void aura_lines_end(struct aura_lines *lr);

/* Input ended and every line was handed over. */
static inline bool aura_lines_done(const struct aura_lines *lr) {
    return lr->eof && lr->in.len == 0;
}
