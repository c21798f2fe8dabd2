/* multiline.h - stack traces folded into one entry (SPEC §11, "Stack traces").
 *
 * A runtime that dies writes its stack trace to stderr one line at a time;
 * journald and rsyslog make each line an entry.  The front end feeds every
 * entry of every stream (journald: _SYSTEMD_INVOCATION_ID, else _PID+_COMM;
 * rsyslog: host+program+procid) to aura_multiline_feed().  Lines that start
 * or continue a trace of Python (chained exceptions included),
 * Java/Kotlin/Scala, Go (panics, goroutine dumps), Node.js, .NET, Ruby or
 * Rust are held and come out later as ONE entry: level error (fatal for a
 * Go panic, a .NET unhandled exception, a Rust panic), message = the
 * exception line (Python: the last line; the others: the first), stackTrace
 * = every line joined by '\n', time and metadata of the first line, plus
 * metadata stack_lines and level_from "stack_trace".  A trace ends at the
 * first line of its stream that does not continue it, after timeout without
 * a line from its stream, at max_lines or max_bytes (then truncated:true and
 * the rest of the trace is dropped).  Blank lines inside a trace or right
 * after it (where Python may chain another exception) belong to the trace.
 * A line that only may start a trace ("java.lang.X: boom", "Error: boom") is
 * held until the next line of its stream says whether it does; if not it
 * comes out unchanged.  rsyslog's escaped tab "#011" counts as a tab.
 *
 * At-least-once: every line fed carries a token (strictly increasing, the
 * front end's own numbering).  aura_multiline_low_held() is the lowest token
 * of a line the engine still holds (open traces, and finished entries not
 * yet taken with aura_multiline_pop()); the journal cursor must not pass it,
 * and omauralog must not answer a commit for a transaction with a line at or
 * above it.
 *
 * Memory: only streams inside (or maybe inside) a trace have state; all held
 * bytes are bounded by max_held_bytes and the number of such streams by
 * max_streams: beyond, the oldest trace is finished early. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aura_entry;
struct aura_multiline;

struct aura_multiline_opts {
    uint64_t timeout_us;   /* [content] multiline_timeout */
    size_t max_lines;      /* [content] max_stack_lines */
    size_t max_bytes;      /* [delivery] max_message_bytes: of one stackTrace */
    size_t max_held_bytes; /* all streams together; 0: 64 MiB */
    size_t max_streams;    /* streams with state at once; 0: 16384 */
};

enum aura_ml_result {
    AURA_ML_PASS, /* not part of a trace: the caller sends e itself (after the ready entries) */
    AURA_ML_HELD, /* kept by the engine: comes out of aura_multiline_peek() later */
    AURA_ML_DROP, /* a line past max_lines/max_bytes of a trace already sent: nothing to send */
};

struct aura_multiline_stats {
    uint64_t folded;  /* entries made of traces */
    uint64_t lines;   /* lines folded into them */
    uint64_t dropped; /* lines dropped after a cut */
    uint64_t evicted; /* traces finished early for the memory bound */
    size_t streams;   /* streams with state now */
    size_t held_bytes;
};

int aura_multiline_new(const struct aura_multiline_opts *opts, struct aura_multiline **ret);
void aura_multiline_free(struct aura_multiline *m);
/* New limits (SIGHUP); open traces keep going. */
void aura_multiline_set_opts(struct aura_multiline *m, const struct aura_multiline_opts *opts);

/* One entry of stream key[0..key_len).  severity: its syslog severity (-1
 * missing): an explicit severity other than notice/info keeps the first
 * line's level for the folded entry.  single: the content parser found a
 * JSON/logfmt/klog line (a whole entry: never part of a trace).  e is
 * copied where it is kept.  now_us: monotonic clock.  Entries this line
 * finished (an earlier trace of this stream, an evicted one) are queued
 * for aura_multiline_peek() before it returns: send those first. */
enum aura_ml_result aura_multiline_feed(struct aura_multiline *m, const char *key, size_t key_len,
                                        const struct aura_entry *e, int severity, bool single, uint64_t token,
                                        uint64_t now_us);

/* Whether aura_multiline_feed() could do anything but pass e: false for
 * most lines, so a front end can skip building the stream key. */
bool aura_multiline_wants(const struct aura_multiline *m, const struct aura_entry *e, bool single);

/* The oldest finished entry, or NULL.  It stays valid until
 * aura_multiline_pop(); calling peek again returns the same entry. */
const struct aura_entry *aura_multiline_peek(struct aura_multiline *m);
void aura_multiline_pop(struct aura_multiline *m);

/* Monotonic µs when the next open trace times out; UINT64_MAX when none. */
uint64_t aura_multiline_deadline(const struct aura_multiline *m);
/* Finish every trace whose stream has been quiet for timeout_us. */
void aura_multiline_expire(struct aura_multiline *m, uint64_t now_us);
/* Finish everything open (shutdown, end of --once input). */
void aura_multiline_finish_all(struct aura_multiline *m);
/* Forget every line held, open or finished and not popped, without an entry
 * for them: their source hands them over again (omauralog: rsyslog resends a
 * refused transaction). */
void aura_multiline_discard_all(struct aura_multiline *m);

/* Lowest token still held (open or finished and not popped); UINT64_MAX when none. */
uint64_t aura_multiline_low_held(const struct aura_multiline *m);
void aura_multiline_get_stats(const struct aura_multiline *m, struct aura_multiline_stats *st);
