/* test_checkpoint - at-least-once bookkeeping of auralog-journald
 * (journal-reader/checkpoint.c): which cursor becomes committable for a
 * watermark, when it is due to be written, and what a failed write does.
 * Table-driven: each case is a list of steps with what each must give. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "checkpoint.h"
#include "tap.h"

#define SEC 1000000ULL /* the interval of every case */

enum op {
    END,
    ADD,     /* checkpoint (a = seq, s = cursor) */
    ADD_N,   /* a checkpoints: seq 1..a, cursors "c1".."cA" */
    ACK,     /* watermark a: want moved = b, committable = want */
    DUE,     /* at now = a: want due = b and, when due, when = when */
    WRITTEN, /* write result r at now = a: want committable = want, saved = saved */
    HELD,    /* checkpoint past a held line (a = token, s = cursor) */
    RELEASE, /* lines below token a went out, at seq <= b */
};

struct step {
    enum op op;
    unsigned long long a;
    const char *s;
    int r;
    int b;
    unsigned long long when;
    const char *want;  /* committable after the step (ACK, WRITTEN) */
    const char *saved; /* saved after the step (WRITTEN) */
};

struct test_case {
    const char *name;
    const char *saved; /* what the state file holds at start */
    struct step steps[12];
};

static const struct test_case cases[] = {
    {"the newest checkpoint at or below the watermark becomes committable", NULL,
     {{ADD, .a = 10, .s = "c10"},
      {ADD, .a = 20, .s = "c20"},
      {ADD, .a = 30, .s = "c30"},
      {ACK, 9, .b = 0, .want = NULL},
      {ACK, 25, .b = 1, .want = "c20"},
      {ACK, 25, .b = 0, .want = "c20"},
      {ACK, 30, .b = 1, .want = "c30"},
      {.op = END}}},
    {"the first write is due at once, then at most once an interval", NULL,
     {{ADD, .a = 10, .s = "c10"},
      {ACK, 10, .b = 1, .want = "c10"},
      {DUE, 5000, .b = 1, .when = 5000},
      {WRITTEN, 5000, .r = 0, .want = NULL, .saved = "c10"},
      {DUE, 6000, .b = 0},
      {ADD, .a = 20, .s = "c20"},
      {ACK, 20, .b = 1, .want = "c20"},
      {DUE, 5500, .b = 1, .when = 5000 + SEC},
      {DUE, 5000 + SEC, .b = 1, .when = 5000 + SEC},
      {WRITTEN, 5000 + SEC, .r = 0, .want = NULL, .saved = "c20"},
      {.op = END}}},
    {"nothing is written when the state file holds the cursor already", "c10",
     {{ADD, .a = 10, .s = "c10"},
      {ACK, 10, .b = 1, .want = "c10"},
      {DUE, 100, .b = 0},
      {ACK, 10, .b = 0, .want = NULL},
      {.op = END}}},
    {"a failed write keeps the cursor and is due again an interval later", NULL,
     {{ADD, .a = 7, .s = "c7"},
      {ACK, 8, .b = 1, .want = "c7"},
      {DUE, 100, .b = 1, .when = 100},
      {WRITTEN, 100, .r = -EIO, .want = "c7", .saved = NULL},
      {DUE, 200, .b = 1, .when = 100 + SEC},
      {WRITTEN, 100 + SEC, .r = 0, .want = NULL, .saved = "c7"},
      {.op = END}}},
    {"a newer acknowledgement replaces a cursor not yet written", NULL,
     {{ADD, .a = 1, .s = "c1"},
      {ADD, .a = 2, .s = "c2"},
      {ACK, 1, .b = 1, .want = "c1"},
      {DUE, 50, .b = 1, .when = 50},
      {WRITTEN, 50, .r = 0, .want = NULL, .saved = "c1"},
      {ACK, 2, .b = 1, .want = "c2"},
      {DUE, 60, .b = 1, .when = 50 + SEC},
      {ADD, .a = 3, .s = "c3"},
      {ACK, 3, .b = 1, .want = "c3"},
      {WRITTEN, 50 + SEC, .r = 0, .want = NULL, .saved = "c3"},
      {.op = END}}},
    {"the ring grows past its first 64 checkpoints and keeps their order", NULL,
     {{ADD_N, .a = 200},
      {ACK, 63, .b = 1, .want = "c63"},
      {ACK, 64, .b = 1, .want = "c64"},
      {ACK, 199, .b = 1, .want = "c199"},
      {ACK, 1000, .b = 1, .want = "c200"},
      {ACK, 1000, .b = 0, .want = "c200"},
      {.op = END}}},
    {"a cursor past a held line waits until that line went out, then needs its seq", NULL,
     {{ADD, .a = 10, .s = "c10"},
      {HELD, .a = 5, .s = "c-t5"},
      {ACK, 50, .b = 1, .want = "c10"},
      {RELEASE, 5, .b = 60},
      {ACK, 50, .b = 0, .want = "c10"},
      {RELEASE, 6, .b = 60},
      {ACK, 59, .b = 0, .want = "c10"},
      {ACK, 60, .b = 1, .want = "c-t5"},
      {.op = END}}},
    {"held cursors keep their order; beyond 64 the newest is replaced", NULL,
     {{HELD, .a = 1, .s = "h1"},
      {HELD, .a = 2, .s = "h2"},
      {RELEASE, 2, .b = 5},
      {ACK, 5, .b = 1, .want = "h1"},
      {RELEASE, 100, .b = 6},
      {ACK, 6, .b = 1, .want = "h2"},
      {.op = END}}},
    {"nothing due before anything is acknowledged", NULL,
     {{DUE, 10, .b = 0}, {ADD, .a = 5, .s = "c5"}, {DUE, 10, .b = 0}, {ACK, 4, .b = 0, .want = NULL}, {.op = END}}},
};

static void run(const struct test_case *tc) {
    struct jr_checkpoints c;
    jr_checkpoints_init(&c, SEC, tc->saved);
    for (size_t i = 0; tc->steps[i].op != END; i++) {
        const struct step *st = &tc->steps[i];
        switch (st->op) {
        case END:
            break;
        case ADD:
            jr_checkpoints_add(&c, st->a, aura_strdup(st->s));
            break;
        case ADD_N:
            for (unsigned long long n = 1; n <= st->a; n++) {
                char cursor[32];
                snprintf(cursor, sizeof cursor, "c%llu", n);
                jr_checkpoints_add(&c, n, aura_strdup(cursor));
            }
            break;
        case ACK:
            CHECK_INT(jr_checkpoints_advance(&c, st->a), st->b, "%s: step %zu: watermark %llu %s", tc->name, i + 1,
                      st->a, st->b ? "moves" : "moves nothing");
            CHECK_STR(jr_checkpoints_committable(&c), st->want, "%s: step %zu: committable", tc->name, i + 1);
            break;
        case DUE: {
            unsigned long long when = 0;
            uint64_t w = 0;
            bool due = jr_checkpoints_due(&c, st->a, &w);
            when = w;
            CHECK_INT(due, st->b, "%s: step %zu: at %llu %s", tc->name, i + 1, st->a, st->b ? "due" : "not due");
            if (due && st->b)
                CHECK_INT(when, st->when, "%s: step %zu: due at %llu", tc->name, i + 1, st->when);
            break;
        }
        case HELD:
            jr_checkpoints_add_held(&c, st->a, aura_strdup(st->s));
            break;
        case RELEASE:
            jr_checkpoints_release(&c, st->a, (uint64_t)st->b);
            break;
        case WRITTEN:
            jr_checkpoints_written(&c, st->r, st->a);
            CHECK_STR(jr_checkpoints_committable(&c), st->want, "%s: step %zu: committable after the write", tc->name,
                      i + 1);
            CHECK_STR(c.saved, st->saved, "%s: step %zu: saved after the write", tc->name, i + 1);
            break;
        }
    }
    jr_checkpoints_free(&c);
}

int main(void) {
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        run(&cases[i]);
    return tap_done();
}
