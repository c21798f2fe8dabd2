/* tap.h - minimal TAP producer for the unit tests (one binary per core
 * module, table-driven).  Every CHECK is one TAP test point, so the suite
 * counts cases, not binaries.
 *
 *   CHECK(cond, "what, %d", i);
 *   CHECK_STR(got, want, "what");
 *   return tap_done();
 */
#pragma once
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

__attribute__((format(printf, 2, 3))) static inline int tap_check(int ok, const char *fmt, ...) {
    va_list ap;
    tap_n++;
    if (!ok)
        tap_failed++;
    printf("%s %d - ", ok ? "ok" : "not ok", tap_n);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    return ok;
}

#define CHECK(cond, ...)                                                                                     \
    (tap_check(!!(cond), __VA_ARGS__) ? 1 : (printf("#   %s:%d: failed: %s\n", __FILE__, __LINE__, #cond), 0))

#define CHECK_STR(got, want, ...)                                                                            \
    do {                                                                                                     \
        const char *g_ = (got), *w_ = (want);                                                               \
        int ok_ = (g_ == NULL && w_ == NULL) || (g_ && w_ && strcmp(g_, w_) == 0);                           \
        if (!tap_check(ok_, __VA_ARGS__))                                                                    \
            printf("#   %s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__, g_ ? g_ : "(null)",             \
                   w_ ? w_ : "(null)");                                                                      \
    } while (0)

#define CHECK_INT(got, want, ...)                                                                            \
    do {                                                                                                     \
        long long g_ = (long long)(got), w_ = (long long)(want);                                            \
        if (!tap_check(g_ == w_, __VA_ARGS__))                                                              \
            printf("#   %s:%d: got %lld, want %lld\n", __FILE__, __LINE__, g_, w_);                          \
    } while (0)

static inline int tap_done(void) {
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}
