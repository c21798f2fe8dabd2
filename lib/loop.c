#include "loop.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"

struct loop_fd {
    int fd;
    short events;
    aura_fd_cb cb;
    void *userdata;
};

struct aura_loop {
    CURLM *multi;
    struct loop_fd *fds;
    size_t n_fds, cap_fds;
    struct aura_timer **timers;
    size_t n_timers, cap_timers;
    struct curl_waitfd *waitfds;
    size_t cap_waitfds;
    struct pollfd *pollfds;
    size_t cap_pollfds;
    int sigfd;
    aura_signal_cb sig_cb;
    void *sig_userdata;
    bool quit;
    bool wakeup;

    /* aura_loop_set_direct_fd(): wait in the fd's own blocking read while
     * nothing else can need the loop, with a periodic tick (a signal to
     * this thread) bounding the wait */
    int direct_fd;
    unsigned direct_polled; /* wake-ups for direct_fd through poll since the tick was disarmed */
    bool direct_busy;       /* anything handled since the last tick */
    bool tick_made, tick_armed;
    timer_t tick;
    int curl_running; /* transfers, as of the last curl_multi_perform() */
};

/* The tick: a read interrupted by it returns EINTR (its handler is installed
 * without SA_RESTART).  While it is armed the loop comes back at least this
 * often to check signals, timers and idleness; it is disarmed after a tick
 * without anything to do, so an idle process has no wake-ups. */
#define TICK_MS 50
#define DIRECT_AFTER_POLLS 16 /* poll wake-ups for direct_fd before the tick is armed */
static volatile sig_atomic_t tick_fired;

static void on_tick(int signo) {
    (void)signo;
    tick_fired = 1;
}

int aura_loop_new(struct aura_loop **ret) {
    struct aura_loop *l = aura_calloc(1, sizeof *l);
    l->sigfd = -1;
    l->direct_fd = -1;
    l->multi = curl_multi_init();
    if (!l->multi) {
        free(l);
        return -ENOMEM;
    }
    *ret = l;
    return 0;
}

void aura_loop_free(struct aura_loop *l) {
    if (!l)
        return;
    if (l->multi)
        curl_multi_cleanup(l->multi);
    if (l->sigfd >= 0)
        close(l->sigfd);
    if (l->tick_made)
        timer_delete(l->tick);
    free(l->fds);
    free(l->timers);
    free(l->waitfds);
    free(l->pollfds);
    free(l);
}

CURLM *aura_loop_multi(struct aura_loop *l) {
    return l->multi;
}

static struct loop_fd *find_fd(struct aura_loop *l, int fd) {
    for (size_t i = 0; i < l->n_fds; i++)
        if (l->fds[i].fd == fd)
            return &l->fds[i];
    return NULL;
}

int aura_loop_add_fd(struct aura_loop *l, int fd, short events, aura_fd_cb cb, void *userdata) {
    if (fd < 0 || !cb)
        return -EINVAL;
    if (find_fd(l, fd))
        return -EEXIST;
    if (l->n_fds == l->cap_fds) {
        l->cap_fds = l->cap_fds ? l->cap_fds * 2 : 4;
        l->fds = aura_realloc(l->fds, l->cap_fds * sizeof *l->fds);
    }
    l->fds[l->n_fds++] = (struct loop_fd){fd, events, cb, userdata};
    return 0;
}

int aura_loop_set_fd_events(struct aura_loop *l, int fd, short events) {
    struct loop_fd *f = find_fd(l, fd);
    if (!f)
        return -ENOENT;
    f->events = events;
    return 0;
}

void aura_loop_remove_fd(struct aura_loop *l, int fd) {
    for (size_t i = 0; i < l->n_fds; i++)
        if (l->fds[i].fd == fd) {
            memmove(&l->fds[i], &l->fds[i + 1], (l->n_fds - i - 1) * sizeof *l->fds);
            l->n_fds--;
            if (fd == l->direct_fd)
                l->direct_fd = -1;
            return;
        }
}

void aura_timer_init(struct aura_timer *t, aura_timer_cb cb, void *userdata) {
    memset(t, 0, sizeof *t);
    t->cb = cb;
    t->userdata = userdata;
}

void aura_loop_timer_arm(struct aura_loop *l, struct aura_timer *t, uint64_t when_us) {
    t->when_us = when_us;
    if (t->armed)
        return;
    if (l->n_timers == l->cap_timers) {
        l->cap_timers = l->cap_timers ? l->cap_timers * 2 : 8;
        l->timers = aura_realloc(l->timers, l->cap_timers * sizeof *l->timers);
    }
    l->timers[l->n_timers++] = t;
    t->armed = true;
}

void aura_loop_timer_disarm(struct aura_loop *l, struct aura_timer *t) {
    if (!t->armed)
        return;
    for (size_t i = 0; i < l->n_timers; i++)
        if (l->timers[i] == t) {
            l->timers[i] = l->timers[--l->n_timers];
            break;
        }
    t->armed = false;
}

int aura_loop_set_signals(struct aura_loop *l, const int *signals, int n, aura_signal_cb cb, void *userdata) {
    sigset_t mask;
    sigemptyset(&mask);
    for (int i = 0; i < n; i++)
        sigaddset(&mask, signals[i]);
    if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
        return -errno;
    int fd = signalfd(l->sigfd, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0)
        return -errno;
    l->sigfd = fd;
    l->sig_cb = cb;
    l->sig_userdata = userdata;
    return 0;
}

static int next_timeout_ms(struct aura_loop *l);

int aura_loop_set_direct_fd(struct aura_loop *l, int fd) {
    if (!find_fd(l, fd))
        return -ENOENT;
    if (!l->tick_made) {
        struct sigaction sa = {.sa_handler = on_tick}; /* no SA_RESTART: the blocked read returns */
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGRTMIN, &sa, NULL) < 0)
            return -errno;
        struct sigevent sev = {.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGRTMIN};
        sev._sigev_un._tid = gettid(); /* this thread: the one that reads */
        if (timer_create(CLOCK_MONOTONIC, &sev, &l->tick) < 0)
            return -errno;
        l->tick_made = true;
    }
    l->direct_fd = fd;
    return 0;
}

static void tick_set(struct aura_loop *l, bool on) {
    struct itimerspec its = {0};
    if (on) {
        its.it_value.tv_nsec = its.it_interval.tv_nsec = TICK_MS * 1000000L;
        tick_fired = 0;
    }
    if (timer_settime(l->tick, 0, &its, NULL) == 0)
        l->tick_armed = on;
    l->direct_busy = false;
    l->direct_polled = 0;
}

/* Nothing but direct_fd can need the loop before the next tick: no other fd
 * watched, no transfer running or due, no timer due, no wake-up asked. */
static bool direct_wait_ok(struct aura_loop *l) {
    if (l->direct_fd < 0 || !l->tick_armed || l->wakeup || l->curl_running > 0)
        return false;
    for (size_t i = 0; i < l->n_fds; i++)
        if (l->fds[i].events && (l->fds[i].fd != l->direct_fd || l->fds[i].events != POLLIN))
            return false;
    long curl_ms = -1;
    if (curl_multi_timeout(l->multi, &curl_ms) != CURLM_OK || curl_ms >= 0)
        return false;
    return next_timeout_ms(l) > TICK_MS;
}

void aura_loop_quit(struct aura_loop *l) {
    l->quit = true;
    l->wakeup = true;
}

void aura_loop_wakeup(struct aura_loop *l) {
    l->wakeup = true;
}

static int next_timeout_ms(struct aura_loop *l) {
    if (l->wakeup)
        return 0;
    if (l->n_timers == 0)
        return INT_MAX;
    uint64_t now = aura_now_us(), first = UINT64_MAX;
    for (size_t i = 0; i < l->n_timers; i++)
        if (l->timers[i]->when_us < first)
            first = l->timers[i]->when_us;
    if (first <= now)
        return 0;
    uint64_t ms = (first - now + 999) / 1000;
    return ms > INT_MAX ? INT_MAX : (int)ms;
}

static void run_timers(struct aura_loop *l) {
    uint64_t now = aura_now_us();
    /* A callback may arm or disarm timers: restart the scan after each one. */
    for (bool again = true; again;) {
        again = false;
        for (size_t i = 0; i < l->n_timers; i++) {
            struct aura_timer *t = l->timers[i];
            if (t->when_us <= now) {
                aura_loop_timer_disarm(l, t);
                t->cb(l, t->userdata);
                again = true;
                break;
            }
        }
    }
}

static void read_signals(struct aura_loop *l) {
    struct signalfd_siginfo si;
    while (read(l->sigfd, &si, sizeof si) == (ssize_t)sizeof si)
        if (l->sig_cb)
            l->sig_cb(l, (int)si.ssi_signo, l->sig_userdata);
}

/* A tick: the signals the direct wait did not see; after a tick interval
 * with nothing handled, back to waiting in poll (no tick while idle). */
static void handle_tick(struct aura_loop *l) {
    tick_fired = 0;
    if (l->sigfd >= 0)
        read_signals(l);
    if (!l->direct_busy)
        tick_set(l, false);
    l->direct_busy = false;
}

/* One wait in direct_fd's callback, which reads it blocking: returns when it
 * read something, at its end, or at the tick. */
static void direct_wait(struct aura_loop *l) {
    struct loop_fd *f = find_fd(l, l->direct_fd);
    f->cb(l, f->fd, POLLIN, f->userdata);
    if (!tick_fired)
        l->direct_busy = true;
}

static void reap_transfers(struct aura_loop *l) {
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(l->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *easy = msg->easy_handle;
        CURLcode result = msg->data.result;
        struct aura_transfer *t = NULL;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
        curl_multi_remove_handle(l->multi, easy);
        if (t && t->done)
            t->done(t, (int)result);
    }
}

int aura_loop_run(struct aura_loop *l) {
    l->quit = false;
    while (!l->quit) {
        if (direct_wait_ok(l)) {
            direct_wait(l);
            /* No timer was due within a tick when the read began, and a
             * read that lasted a tick was ended by it: timers only after a
             * tick (one armed by the callback is seen by the next turn) */
            if (tick_fired) {
                handle_tick(l);
                run_timers(l);
            }
            continue;
        }
        size_t n = 0;
        size_t need = l->n_fds + 1;
        if (need > l->cap_waitfds) {
            l->cap_waitfds = need * 2;
            l->waitfds = aura_realloc(l->waitfds, l->cap_waitfds * sizeof *l->waitfds);
        }
        if (l->sigfd >= 0)
            l->waitfds[n++] = (struct curl_waitfd){.fd = l->sigfd, .events = CURL_WAIT_POLLIN};
        size_t first_fd = n;
        for (size_t i = 0; i < l->n_fds; i++) {
            if (!l->fds[i].events)
                continue;
            short ev = 0;
            if (l->fds[i].events & POLLIN)
                ev |= CURL_WAIT_POLLIN;
            if (l->fds[i].events & POLLPRI)
                ev |= CURL_WAIT_POLLPRI;
            if (l->fds[i].events & POLLOUT)
                ev |= CURL_WAIT_POLLOUT;
            l->waitfds[n++] = (struct curl_waitfd){.fd = l->fds[i].fd, .events = ev};
        }
        int timeout = next_timeout_ms(l);
        int numfds = 0;
        l->wakeup = false;
        for (size_t i = 0; i < n; i++)
            l->waitfds[i].revents = 0;
        CURLMcode mc = curl_multi_poll(l->multi, l->waitfds, (unsigned)n, timeout, &numfds);
        if (mc != CURLM_OK) {
            aura_log(AURA_LOG_ERR, "event loop: curl_multi_poll: %s", curl_multi_strerror(mc));
            return -EIO;
        }
        if (n > l->cap_pollfds) {
            l->cap_pollfds = l->cap_waitfds;
            l->pollfds = aura_realloc(l->pollfds, l->cap_pollfds * sizeof *l->pollfds);
        }
        /* curl reports POLLIN/POLLOUT/POLLPRI of extra fds in revents; that
         * is enough to dispatch (no second syscall per wake-up: omauralog
         * wakes once per message).  It drops POLLHUP/POLLERR, though (a
         * closed stdin pipe would spin): when poll() saw something and curl
         * reported nothing for our fds, ask the kernel again, without
         * waiting, for the true events. */
        bool reported = false;
        for (size_t i = 0; i < n; i++) {
            short rev = 0;
            if (l->waitfds[i].revents & CURL_WAIT_POLLIN)
                rev |= POLLIN;
            if (l->waitfds[i].revents & CURL_WAIT_POLLPRI)
                rev |= POLLPRI;
            if (l->waitfds[i].revents & CURL_WAIT_POLLOUT)
                rev |= POLLOUT;
            l->pollfds[i] = (struct pollfd){.fd = l->waitfds[i].fd, .events = POLLIN | POLLPRI, .revents = rev};
            reported |= rev != 0;
        }
        for (size_t i = first_fd; i < n; i++) {
            struct loop_fd *f = find_fd(l, l->waitfds[i].fd);
            l->pollfds[i].events = f ? f->events : 0;
        }
        bool ready = reported;
        if (!reported && numfds > 0 && n)
            ready = poll(l->pollfds, n, 0) > 0;
        if (ready) {
            if (l->sigfd >= 0 && l->pollfds[0].revents)
                read_signals(l);
            for (size_t i = first_fd; i < n; i++) {
                short rev = l->pollfds[i].revents;
                if (!rev)
                    continue;
                int fd = l->pollfds[i].fd;
                struct loop_fd *f = find_fd(l, fd); /* may have been removed by an earlier callback */
                if (fd == l->direct_fd && !l->tick_armed && ++l->direct_polled >= DIRECT_AFTER_POLLS)
                    tick_set(l, true); /* busy on it: wait in its read from now on */
                if (f && f->events)
                    f->cb(l, fd, rev, f->userdata);
            }
        }
        if (tick_fired)
            handle_tick(l);
        else if (numfds > 0)
            l->direct_busy = true;
        curl_multi_perform(l->multi, &l->curl_running);
        reap_transfers(l);
        run_timers(l);
    }
    return 0;
}
