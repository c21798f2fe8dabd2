/* lines.c - the non-blocking line reader (lines.h). */
#include "lines.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"

#define READ_CHUNK (64u << 10)

static void on_readable(struct aura_loop *loop, int fd, short revents, void *userdata) {
    struct aura_lines *lr = userdata;
    (void)loop;
    (void)fd;
    (void)revents;
    aura_lines_read(lr);
    if (lr->ops.readable)
        lr->ops.readable(lr->ops.userdata);
}

int aura_lines_start(struct aura_lines *lr, struct aura_loop *loop, int fd, size_t max_line,
                     const struct aura_lines_ops *ops) {
    memset(lr, 0, sizeof *lr);
    lr->fd = fd;
    lr->max_line = max_line;
    lr->ops = *ops;
    aura_buf_init(&lr->in);
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return -errno;
    if (!loop)
        return 0;
    int r = aura_loop_add_fd(loop, fd, POLLIN, on_readable, lr);
    if (r < 0)
        return r;
    lr->loop = loop;
    return 0;
}

void aura_lines_free(struct aura_lines *lr) {
    aura_buf_free(&lr->in);
}

static void at_eof(struct aura_lines *lr) {
    lr->eof = true;
    if (lr->loop)
        aura_loop_remove_fd(lr->loop, lr->fd);
}

int aura_lines_direct(struct aura_lines *lr) {
    int flags = fcntl(lr->fd, F_GETFL);
    if (flags < 0 || fcntl(lr->fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
        return -errno;
    lr->blocking = true;
    int r = lr->loop ? aura_loop_set_direct_fd(lr->loop, lr->fd) : 0;
    if (r < 0) {
        fcntl(lr->fd, F_SETFL, flags);
        lr->blocking = false;
    }
    return r;
}

int aura_lines_read(struct aura_lines *lr) {
    /* read while no complete line waits: it is handled before reading more
     * (a blocking fd: one read, which may wait) */
    while (!lr->eof) {
        aura_buf_reserve(&lr->in, READ_CHUNK);
        ssize_t n = read(lr->fd, lr->in.data + lr->in.len, READ_CHUNK);
        if (n < 0) {
            if (errno == EINTR) {
                if (lr->blocking)
                    break; /* the loop's tick: back to the loop */
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            aura_log(AURA_LOG_ERR, "reading input: %s; treating it as end of input", strerror(errno));
            n = 0;
        }
        if (n == 0) {
            at_eof(lr);
            break;
        }
        lr->in.len += (size_t)n;
        lr->in.data[lr->in.len] = '\0';
        if (lr->blocking || memchr(lr->in.data + lr->scanned, '\n', lr->in.len - lr->scanned) ||
            lr->in.len >= lr->max_line)
            break;
        lr->scanned = lr->in.len;
    }
    return lr->eof ? 1 : 0;
}

/* Drop the first n bytes of the buffer (once per round of lines, not per
 * line: a per-line memmove made a 64 KiB read cost O(lines x bytes)). */
static void consume(struct aura_lines *lr, size_t n) {
    memmove(lr->in.data, lr->in.data + n, lr->in.len - n);
    lr->in.len -= n;
    lr->in.data[lr->in.len] = '\0';
}

bool aura_lines_process(struct aura_lines *lr) {
    size_t off = 0; /* start of the first line not handed over yet */
    bool refused = false;
    while (!lr->stopped && off < lr->in.len) {
        const char *base = lr->in.data + off;
        size_t avail = lr->in.len - off;
        const char *nl = memchr(base + lr->scanned, '\n', avail - lr->scanned);
        if (nl) {
            size_t n = (size_t)(nl - base);
            if (!lr->skipping && lr->ops.line(lr->ops.userdata, base, n, false) < 0) {
                refused = true;
                break;
            }
            lr->skipping = false; /* the tail of an over-long line: already handed over */
            off += n + 1;
            lr->scanned = 0;
        } else if (lr->skipping) {
            off = lr->in.len;
            lr->scanned = 0;
        } else if (avail >= lr->max_line) {
            if (lr->ops.line(lr->ops.userdata, base, lr->max_line, true) < 0) {
                refused = true;
                break;
            }
            off += lr->max_line;
            lr->scanned = 0;
            lr->skipping = true;
        } else if (lr->eof) {
            if (lr->ops.line(lr->ops.userdata, base, avail, false) < 0) { /* a last line without newline */
                refused = true;
                break;
            }
            off = lr->in.len;
            lr->scanned = 0;
        } else {
            lr->scanned = avail;
            break;
        }
    }
    if (off)
        consume(lr, off); /* lr->scanned is relative to the new start already */
    return !refused;
}

void aura_lines_want_input(struct aura_lines *lr, bool want) {
    if (lr->loop && !lr->eof && !lr->stopped)
        aura_loop_set_fd_events(lr->loop, lr->fd, want ? POLLIN : 0);
}

void aura_lines_stop(struct aura_lines *lr) {
    lr->stopped = true;
    if (lr->loop && !lr->eof)
        aura_loop_set_fd_events(lr->loop, lr->fd, 0);
}

void aura_lines_end(struct aura_lines *lr) {
    if (!lr->eof)
        at_eof(lr);
}
