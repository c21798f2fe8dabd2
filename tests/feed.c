/* feed.c - aura-feed, a minimal front end for the delivery tests.
 *
 * Reads lines "LEVEL MESSAGE" from stdin (LEVEL: debug info warn error
 * fatal; anything else is info and the whole line is the message), submits
 * each as an entry with metadata {"source":"feed","n":<line number>}, and
 * on EOF waits until every entry is acknowledged, then exits 0.  With
 * --acks FILE it appends "acked W" whenever the watermark moves, so a test
 * can see acknowledgements.  Under backpressure it stops reading stdin
 * (lib/lines.c, the reader omauralog uses too). */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "buf.h"
#include "entry.h"
#include "forwarder.h"
#include "lines.h"
#include "log.h"
#include "loop.h"

struct feed {
    struct aura_app *app;
    struct aura_lines lines; /* stdin */
    uint64_t line_no;
    FILE *acks;
    struct aura_entry e;
};

static struct feed feed_state;

enum { OPT_ACKS = 256 };
static const struct option feed_options[] = {{"acks", required_argument, NULL, OPT_ACKS}, {0}};

static int feed_parse_option(struct aura_app *app, int opt, const char *arg) {
    struct feed *fd = app->userdata;
    if (opt != OPT_ACKS)
        return -EINVAL;
    fd->acks = fopen(arg, "we");
    return fd->acks ? 0 : -errno;
}

static enum aura_level parse_level(const char **p, size_t *len) {
    static const struct {
        const char *word;
        enum aura_level level;
    } words[] = {{"debug ", AURA_LEVEL_DEBUG}, {"info ", AURA_LEVEL_INFO}, {"warn ", AURA_LEVEL_WARN},
                 {"error ", AURA_LEVEL_ERROR}, {"fatal ", AURA_LEVEL_FATAL}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t n = strlen(words[i].word);
        if (*len >= n && memcmp(*p, words[i].word, n) == 0) {
            *p += n;
            *len -= n;
            return words[i].level;
        }
    }
    return AURA_LEVEL_INFO;
}

/* One line: submitted, or -EAGAIN while the forwarder is full. */
static int feed_line(void *userdata, const char *line, size_t len, bool cut) {
    struct feed *fd = userdata;
    const char *msg = line;
    size_t mlen = len;
    (void)cut;
    aura_entry_reset(&fd->e);
    fd->e.level = parse_level(&msg, &mlen);
    fd->e.time_us = aura_realtime_us();
    fd->e.message = msg;
    fd->e.message_len = mlen;
    aura_entry_add_cstr(&fd->e, "source", "feed");
    aura_entry_add_int(&fd->e, "n", (int64_t)fd->line_no + 1);
    uint64_t seq;
    if (aura_forwarder_submit(fd->app->fwd, &fd->e, &seq) == -EAGAIN)
        return -EAGAIN;
    fd->line_no++;
    return 0;
}

/* Submit what was read; stop reading while the forwarder is full; at EOF, finish. */
static void feed_pump(void *userdata) {
    struct feed *fd = userdata;
    bool all = aura_lines_process(&fd->lines);
    aura_lines_want_input(&fd->lines, all);
    if (all && aura_lines_done(&fd->lines))
        aura_app_drain_and_exit(fd->app, true);
}

static int feed_start(struct aura_app *app) {
    struct feed *fd = app->userdata;
    struct aura_lines_ops ops = {.userdata = fd, .line = feed_line, .readable = feed_pump};
    fd->app = app;
    return aura_lines_start(&fd->lines, app->loop, STDIN_FILENO, SIZE_MAX, &ops);
}

static void feed_writable(struct aura_app *app) {
    feed_pump(app->userdata);
}

static void feed_acked(struct aura_app *app, uint64_t watermark) {
    struct feed *fd = app->userdata;
    if (fd->acks) {
        fprintf(fd->acks, "acked %llu\n", (unsigned long long)watermark);
        fflush(fd->acks);
    }
}

static void feed_stop(struct aura_app *app) {
    struct feed *fd = app->userdata;
    aura_lines_end(&fd->lines);
}

static const struct aura_frontend feed_frontend = {
    .program = "aura-feed",
    .synopsis = "[--config FILE] [--stdout] [--acks FILE] < lines",
    .help = "      --acks FILE     append \"acked W\" to FILE when the watermark moves\n",
    .options = feed_options,
    .full_policy = AURA_FULL_BLOCK,
    .userdata = &feed_state,
    .parse_option = feed_parse_option,
    .start = feed_start,
    .acked = feed_acked,
    .writable = feed_writable,
    .stop = feed_stop,
};

int main(int argc, char **argv) {
    aura_entry_init(&feed_state.e);
    int rc = aura_app_main(&feed_frontend, argc, argv);
    aura_entry_free(&feed_state.e);
    aura_lines_free(&feed_state.lines);
    if (feed_state.acks)
        fclose(feed_state.acks);
    return rc;
}
