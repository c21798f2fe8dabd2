/* log.h - the bridge's own diagnostics: whole lines on stderr,
 * "program: level: text".  Library-style core code logs at debug only and
 * returns 0 / -errno; program code decides what to say.
 *
 * The API key must never reach these functions. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

enum aura_log_level { AURA_LOG_ERR = 3, AURA_LOG_WARNING = 4, AURA_LOG_NOTICE = 5, AURA_LOG_INFO = 6, AURA_LOG_DEBUG = 7 };

void aura_log_init(const char *program, bool verbose);
const char *aura_log_program(void);
bool aura_log_verbose(void);
void aura_log(enum aura_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Log and return a negative errno in one statement: return aura_log_errno(-r, ...). */
int aura_log_errno(int err, enum aura_log_level level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Rate-limited warning: logs at most burst lines per interval_s per limiter;
 * the number of suppressed repeats is appended to the next line that gets out. */
struct aura_ratelimit {
    uint64_t last_us;    /* start of the current interval */
    uint64_t suppressed;
    unsigned interval_s;
    unsigned burst;      /* lines allowed per interval */
    unsigned count;      /* lines logged in the current interval */
};
#define AURA_RATELIMIT(sec) {0, 0, (sec), 1, 0}
#define AURA_RATELIMIT_BURST(sec, n) {0, 0, (sec), (n), 0}
void aura_log_limited(struct aura_ratelimit *rl, enum aura_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Optional hook: every line logged at warning or worse is also passed here
 * (the fuzz targets use it to check that no secret is ever logged; the
 * programs set none: capture_errors reports through aura_app_self_report).
 * NULL disables. */
typedef void (*aura_log_hook)(enum aura_log_level level, const char *line, void *userdata);
void aura_log_set_hook(aura_log_hook hook, void *userdata);

/* Monotonic and realtime clocks in microseconds. */
uint64_t aura_now_us(void);
int64_t aura_realtime_us(void);
