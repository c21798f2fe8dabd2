/* loop.h - the single-threaded event loop every program runs in.
 *
 * Built on libcurl's multi interface: curl_multi_poll() waits on curl's
 * sockets, the front end's file descriptors (journal inotify fd, stdin) and a
 * signalfd at once, with a timeout from the nearest armed timer.  Nothing
 * wakes up while idle: no fd ready, no timer armed, no transfer running means
 * the process sleeps in poll.  No threads, no locks. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include <curl/curl.h>

struct aura_loop;

typedef void (*aura_fd_cb)(struct aura_loop *loop, int fd, short revents, void *userdata);
typedef void (*aura_timer_cb)(struct aura_loop *loop, void *userdata);
typedef void (*aura_signal_cb)(struct aura_loop *loop, int signo, void *userdata);

/* A timer is embedded in its owner's struct; the loop only links to it. */
struct aura_timer {
    uint64_t when_us; /* monotonic (aura_now_us) */
    bool armed;
    aura_timer_cb cb;
    void *userdata;
};

int aura_loop_new(struct aura_loop **ret);
void aura_loop_free(struct aura_loop *loop);

/* Watch fd for events (POLLIN ...).  events = 0 keeps it registered but
 * unwatched (backpressure).  One registration per fd. */
int aura_loop_add_fd(struct aura_loop *loop, int fd, short events, aura_fd_cb cb, void *userdata);
int aura_loop_set_fd_events(struct aura_loop *loop, int fd, short events);
void aura_loop_remove_fd(struct aura_loop *loop, int fd);

void aura_timer_init(struct aura_timer *t, aura_timer_cb cb, void *userdata);
void aura_loop_timer_arm(struct aura_loop *loop, struct aura_timer *t, uint64_t when_us);
void aura_loop_timer_disarm(struct aura_loop *loop, struct aura_timer *t);

/* fd (registered, read blocking by its callback) may be waited on in its
 * own read instead of in poll: once it is busy (woke the loop several times)
 * and while nothing else can need the loop (no other fd watched, no
 * transfer, no timer due within the tick), the loop calls fd's callback
 * directly, whose read blocks.  A tick signal (SIGRTMIN, every 50 ms, to
 * this thread only, while busy) interrupts that read with EINTR, so signals
 * and timers are handled at most a tick late; a tick with nothing to do
 * disarms it.  Saves the poll per message of a one-line request/response
 * peer (omprog's confirmations).  While the tick is armed a blocking
 * syscall of this thread may fail with EINTR. */
int aura_loop_set_direct_fd(struct aura_loop *loop, int fd);

/* Block these signals and deliver them through a signalfd to cb. */
int aura_loop_set_signals(struct aura_loop *loop, const int *signals, int n, aura_signal_cb cb, void *userdata);

/* The loop's curl multi handle.  Transfers whose CURLOPT_PRIVATE points at
 * a struct aura_transfer get its done() called when they complete. */
CURLM *aura_loop_multi(struct aura_loop *loop);
struct aura_transfer {
    void (*done)(struct aura_transfer *t, int curl_result);
};

/* Run until aura_loop_quit(); returns 0 or a negative errno. */
int aura_loop_run(struct aura_loop *loop);
void aura_loop_quit(struct aura_loop *loop);
/* Ask the loop to poll again without sleeping (work was queued from a callback). */
void aura_loop_wakeup(struct aura_loop *loop);
