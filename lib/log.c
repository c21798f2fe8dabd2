#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "file.h"

static const char *log_program = "auralog";
static bool log_verbose;
static aura_log_hook log_hook;
static void *log_hook_data;
static bool in_hook;

void aura_log_init(const char *program, bool verbose) {
    log_program = program;
    log_verbose = verbose;
}

const char *aura_log_program(void) {
    return log_program;
}

bool aura_log_verbose(void) {
    return log_verbose;
}

void aura_log_set_hook(aura_log_hook hook, void *userdata) {
    log_hook = hook;
    log_hook_data = userdata;
}

static const char *level_word(enum aura_log_level level) {
    switch (level) {
    case AURA_LOG_ERR: return "error";
    case AURA_LOG_WARNING: return "warning";
    case AURA_LOG_NOTICE: return "notice";
    case AURA_LOG_INFO: return "info";
    case AURA_LOG_DEBUG: return "debug";
    }
    return "info";
}

static void log_va(enum aura_log_level level, const char *suffix, const char *fmt, va_list ap) {
    if ((level == AURA_LOG_DEBUG || level == AURA_LOG_INFO) && !log_verbose)
        return;
    char line[2048];
    vsnprintf(line, sizeof line, fmt, ap);
    /* one line, always: fold any newline a caller let through */
    for (char *p = line; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    /* one write per line, retried on EINTR: omauralog's reading thread
     * takes a tick signal without SA_RESTART (loop.c), and a write to a
     * full stderr pipe interrupted by it lost the line under stdio */
    char out[sizeof line + 256];
    int n = snprintf(out, sizeof out, "%s: %s: %s%s\n", log_program, level_word(level), line, suffix ? suffix : "");
    if (n >= (int)sizeof out) {
        n = (int)sizeof out - 1;
        out[n - 1] = '\n';
    }
    if (n > 0)
        (void)aura_write_all(STDERR_FILENO, out, (size_t)n);
    if (log_hook && !in_hook && level <= AURA_LOG_WARNING) {
        in_hook = true;
        log_hook(level, line, log_hook_data);
        in_hook = false;
    }
}

void aura_log(enum aura_log_level level, const char *fmt, ...) {
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    log_va(level, NULL, fmt, ap);
    va_end(ap);
    errno = saved;
}

int aura_log_errno(int err, enum aura_log_level level, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    log_va(level, NULL, fmt, ap);
    va_end(ap);
    return err > 0 ? -err : err;
}

void aura_log_limited(struct aura_ratelimit *rl, enum aura_log_level level, const char *fmt, ...) {
    uint64_t now = aura_now_us();
    unsigned burst = rl->burst ? rl->burst : 1;
    if (!rl->last_us || now - rl->last_us >= (uint64_t)rl->interval_s * 1000000u) {
        rl->last_us = now; /* a new interval */
        rl->count = 0;
    }
    if (rl->count >= burst) {
        rl->suppressed++;
        return;
    }
    rl->count++;
    char suffix[64] = "";
    if (rl->suppressed)
        snprintf(suffix, sizeof suffix, " (%llu similar messages suppressed)", (unsigned long long)rl->suppressed);
    rl->suppressed = 0;
    va_list ap;
    va_start(ap, fmt);
    log_va(level, suffix, fmt, ap);
    va_end(ap);
}

uint64_t aura_now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int64_t aura_realtime_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
