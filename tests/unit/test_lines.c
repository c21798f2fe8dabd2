/* test_lines - the non-blocking line reader (lib/lines.c) omauralog and
 * aura-feed read stdin with: lines split across reads, a last line without
 * newline at EOF, over-long lines cut and their rest skipped, and a line the
 * consumer refuses (backpressure) handed over again, in order, nothing lost.
 * Table-driven, through a pipe. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "lines.h"
#include "loop.h"
#include "tap.h"

struct test_case {
    const char *name;
    size_t max_line;
    const char *chunks[6]; /* written one after the other, each then read and processed */
    int eof;               /* close the pipe after the chunks */
    int refuse;            /* the consumer refuses this many times first, then takes lines again */
    const char *want;      /* lines joined by '|', a cut one ends in '!' */
    int done;              /* aura_lines_done at the end */
};

static const struct test_case cases[] = {
    {"whole lines", 64, {"a\nbb\n", "ccc\n"}, 0, 0, "a|bb|ccc", 0},
    {"a line split across reads", 64, {"hel", "lo wo", "rld\nnext\n"}, 0, 0, "hello world|next", 0},
    {"an empty line is a line", 64, {"\n\nx\n"}, 0, 0, "||x", 0},
    {"a partial line waits for its newline", 64, {"one\ntw"}, 0, 0, "one", 0},
    {"at EOF the last line without newline", 64, {"one\ntwo"}, 1, 0, "one|two", 1},
    {"EOF after a newline adds no empty line", 64, {"one\n"}, 1, 0, "one", 1},
    {"'\\r' is left to the front end", 64, {"crlf\r\n"}, 1, 0, "crlf\r", 1},
    {"an over-long line is cut, its rest skipped", 8, {"0123456789abcdef", "ghij\nok\n"}, 1, 0, "01234567!|ok", 1},
    {"an over-long line across reads", 8, {"01234", "56789", "ab\nok\n"}, 1, 0, "01234567!|ok", 1},
    {"a line of exactly max_line bytes is whole", 8, {"01234567\nz\n"}, 1, 0, "01234567|z", 1},
    {"refused lines come again in order", 64, {"a\nb\nc\n"}, 1, 3, "a|b|c", 1},
    {"refused at EOF: the last line still comes", 64, {"a\nlast"}, 1, 2, "a|last", 1},
    {"refused cut line: cut once, counted once", 8, {"0123456789", "\nok\n"}, 1, 1, "01234567!|ok", 1},
};

struct consumer {
    struct aura_buf got;
    int refuse;
};

static int on_line(void *userdata, const char *line, size_t len, bool cut) {
    struct consumer *c = userdata;
    if (c->refuse > 0) {
        c->refuse--;
        return -EAGAIN;
    }
    if (c->got.len || c->got.data)
        aura_buf_putc(&c->got, '|');
    aura_buf_append(&c->got, line, len);
    if (cut)
        aura_buf_putc(&c->got, '!');
    return 0;
}

static void run(const struct test_case *tc) {
    int fds[2];
    if (pipe(fds) < 0) {
        perror("pipe");
        exit(1);
    }
    struct consumer c = {AURA_BUF_INIT, tc->refuse};
    aura_buf_init(&c.got);
    c.got.data = NULL;
    struct aura_lines lr;
    struct aura_lines_ops ops = {.userdata = &c, .line = on_line};
    CHECK_INT(aura_lines_start(&lr, NULL, fds[0], tc->max_line, &ops), 0, "%s: start", tc->name);
    CHECK(fcntl(fds[0], F_GETFL) & O_NONBLOCK, "%s: the descriptor is non-blocking", tc->name);
    for (size_t i = 0; i < sizeof(tc->chunks) / sizeof(tc->chunks[0]) && tc->chunks[i]; i++) {
        size_t n = strlen(tc->chunks[i]);
        if (write(fds[1], tc->chunks[i], n) != (ssize_t)n)
            exit(1);
        aura_lines_read(&lr);
        /* a front end reads no more while a line waits for room (backpressure) */
        for (int k = 0; k < 10 && !aura_lines_process(&lr); k++)
            continue;
    }
    if (tc->eof) {
        close(fds[1]);
        fds[1] = -1;
        CHECK_INT(aura_lines_read(&lr), 1, "%s: the end of input is seen", tc->name);
    }
    /* the consumer takes lines again: what waited comes now, in order */
    for (int i = 0; i < 10 && !aura_lines_process(&lr); i++)
        continue;
    CHECK_STR(c.got.data ? c.got.data : "", tc->want, "%s: lines handed over", tc->name);
    CHECK_INT(aura_lines_done(&lr), tc->done, "%s: %s", tc->name, tc->done ? "done" : "not done");
    aura_lines_free(&lr);
    aura_buf_free(&c.got);
    close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
}

/* A reader on a pipe holding input, read once; then how it ends (stop or end). */
static void after_read(const char *input, void (*then)(struct aura_lines *), const char *want, bool done,
                       const char *what) {
    int fds[2];
    if (pipe(fds) < 0)
        exit(1);
    struct consumer c = {AURA_BUF_INIT, 0};
    struct aura_lines lr;
    struct aura_lines_ops ops = {.userdata = &c, .line = on_line};
    aura_lines_start(&lr, NULL, fds[0], 64, &ops);
    if (write(fds[1], input, strlen(input)) != (ssize_t)strlen(input))
        exit(1);
    aura_lines_read(&lr);
    then(&lr);
    aura_lines_process(&lr);
    CHECK_STR(c.got.data, want, "%s: lines handed over", what);
    CHECK_INT(aura_lines_done(&lr), done, "%s: %s", what, done ? "done" : "not done");
    aura_lines_free(&lr);
    aura_buf_free(&c.got);
    close(fds[0]);
    close(fds[1]);
}

/* ---- the direct wait (aura_lines_direct) through the loop ------------------ */

#define DIRECT_LINES 100

struct direct_state {
    struct aura_lines lr;
    int lines;
    int usr2_seen, usr1_seen;
};

static int direct_line(void *userdata, const char *line, size_t len, bool cut) {
    struct direct_state *d = userdata;
    (void)line;
    (void)len;
    (void)cut;
    d->lines++;
    return 0;
}

static void direct_readable(void *userdata) {
    struct direct_state *d = userdata;
    aura_lines_process(&d->lr);
}

static void direct_signal(struct aura_loop *loop, int signo, void *userdata) {
    struct direct_state *d = userdata;
    if (signo == SIGUSR2)
        d->usr2_seen++;
    if (signo == SIGUSR1) {
        d->usr1_seen++;
        aura_loop_quit(loop);
    }
}

/* A writer sends lines one by one, as omprog does, signals in the middle
 * (SIGUSR2) and after the last line (SIGUSR1), then keeps the pipe open:
 * once busy the loop waits in the blocking read, so only the tick can bring
 * it back to the signals.  A hang is a failure (alarm). */
static void direct(void) {
    int fds[2];
    if (pipe(fds) < 0)
        exit(1);
    pid_t parent = getpid(), child = fork();
    if (child < 0)
        exit(1);
    if (child == 0) {
        close(fds[0]);
        for (int i = 0; i < DIRECT_LINES; i++) {
            char b[16];
            int n = snprintf(b, sizeof(b), "%d\n", i);
            if (write(fds[1], b, (size_t)n) != n)
                _exit(1);
            if (i == DIRECT_LINES / 2)
                kill(parent, SIGUSR2);
            usleep(2000);
        }
        usleep(300000); /* idle: the reader sits in its read */
        kill(parent, SIGUSR1);
        for (;;)
            pause(); /* the pipe stays open: no end of input to wake the reader */
    }
    close(fds[1]);
    struct direct_state d = {.lines = 0};
    struct aura_loop *loop;
    CHECK_INT(aura_loop_new(&loop), 0, "direct: loop");
    static const int sigs[] = {SIGUSR1, SIGUSR2};
    CHECK_INT(aura_loop_set_signals(loop, sigs, 2, direct_signal, &d), 0, "direct: signals");
    struct aura_lines_ops ops = {.userdata = &d, .line = direct_line, .readable = direct_readable};
    CHECK_INT(aura_lines_start(&d.lr, loop, fds[0], 64, &ops), 0, "direct: start");
    CHECK_INT(aura_lines_direct(&d.lr), 0, "direct: direct wait set up");
    CHECK(!(fcntl(fds[0], F_GETFL) & O_NONBLOCK), "direct: the descriptor is blocking");
    alarm(60);
    aura_loop_run(loop);
    alarm(0);
    CHECK_INT(d.usr2_seen, 1, "direct: a signal while lines arrive is handled");
    CHECK_INT(d.usr1_seen, 1, "direct: a signal while blocked in the read is handled (no further input)");
    CHECK_INT(d.lines, DIRECT_LINES, "direct: every line was read");
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    aura_lines_free(&d.lr);
    aura_loop_free(loop);
    close(fds[0]);
}

int main(void) {
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        run(&cases[i]);
    /* stopped: nothing more is handed over, even what was read */
    after_read("a\nb\n", aura_lines_stop, NULL, false, "stop");
    /* ended: no more reading, but what was read still comes, the partial line as the last */
    after_read("a\npart", aura_lines_end, "a|part", true, "end");
    direct();
    return tap_done();
}
