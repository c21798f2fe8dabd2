/* feed.c - aura-feed, a minimal front end for the delivery tests.
 *
 * Reads lines "LEVEL MESSAGE" from stdin (LEVEL: debug info warn error
 * fatal; anything else is info and the whole line is the message), submits
 * each as an entry with metadata {"source":"feed","n":<line number>}, and
 * on EOF waits until every entry is acknowledged, then exits 0.  With
 * --acks FILE it appends "acked W" whenever the watermark moves, so a test
 * can see acknowledgements.  Under backpressure it stops reading stdin. */
#include "settings.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "buf.h"
#include "entry.h"
#include "log.h"
#include "loop.h"

struct feed {
    struct aura_buf in;   /* bytes read, not yet submitted */
    size_t consumed;      /* of in */
    uint64_t line_no;
    FILE *acks;
    bool eof, paused;
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

/* Submit complete lines; false when the forwarder is full. */
static bool feed_drain(struct aura_app *app) {
    struct feed *fd = app->userdata;
    for (;;) {
        const char *start = fd->in.data + fd->consumed;
        size_t avail = fd->in.len - fd->consumed;
        const char *nl = memchr(start, '\n', avail);
        size_t len;
        if (nl)
            len = (size_t)(nl - start);
        else if (fd->eof && avail)
            len = avail;
        else
            break;
        const char *msg = start;
        size_t mlen = len;
        aura_entry_reset(&fd->e);
        fd->e.level = parse_level(&msg, &mlen);
        fd->e.time_us = aura_realtime_us();
        fd->e.message = msg;
        fd->e.message_len = mlen;
        aura_entry_add_cstr(&fd->e, "source", "feed");
        aura_entry_add_int(&fd->e, "n", (int64_t)fd->line_no + 1);
        uint64_t seq;
        if (aura_forwarder_submit(app->fwd, &fd->e, &seq) == -EAGAIN)
            return false;
        fd->line_no++;
        fd->consumed += nl ? len + 1 : len;
    }
    /* keep the partial line */
    if (fd->consumed) {
        memmove(fd->in.data, fd->in.data + fd->consumed, fd->in.len - fd->consumed);
        fd->in.len -= fd->consumed;
        fd->consumed = 0;
    }
    return true;
}

static void feed_pause(struct aura_app *app, bool pause) {
    struct feed *fd = app->userdata;
    if (fd->eof || fd->paused == pause)
        return;
    fd->paused = pause;
    aura_loop_set_fd_events(app->loop, STDIN_FILENO, pause ? 0 : POLLIN);
}

static void feed_readable(struct aura_loop *loop, int fdno, short revents, void *userdata) {
    struct aura_app *app = userdata;
    struct feed *fd = app->userdata;
    aura_buf_reserve(&fd->in, 65536);
    ssize_t n = read(fdno, fd->in.data + fd->in.len, 65536);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        fd->eof = true;
        aura_loop_remove_fd(loop, fdno);
    } else {
        fd->in.len += (size_t)n;
    }
    if (!feed_drain(app)) {
        feed_pause(app, true);
        return;
    }
    if (fd->eof)
        aura_app_drain_and_exit(app, true);
}

static int feed_start(struct aura_app *app) {
    int fl = fcntl(STDIN_FILENO, F_GETFL);
    if (fl >= 0)
        fcntl(STDIN_FILENO, F_SETFL, fl | O_NONBLOCK);
    return aura_loop_add_fd(app->loop, STDIN_FILENO, POLLIN, feed_readable, app);
}

static void feed_writable(struct aura_app *app) {
    struct feed *fd = app->userdata;
    if (!feed_drain(app))
        return;
    feed_pause(app, false);
    if (fd->eof)
        aura_app_drain_and_exit(app, true);
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
    if (!fd->eof)
        aura_loop_remove_fd(app->loop, STDIN_FILENO);
    fd->eof = true;
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
    aura_buf_init(&feed_state.in);
    aura_entry_init(&feed_state.e);
    int rc = aura_app_main(&feed_frontend, argc, argv);
    aura_entry_free(&feed_state.e);
    aura_buf_free(&feed_state.in);
    if (feed_state.acks)
        fclose(feed_state.acks);
    return rc;
}
