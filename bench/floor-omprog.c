/* floor-omprog - the floor of rsyslog omprog's interface, for bench/run.
 *
 *   floor-omprog            answer confirmMessages + useTransactions: "OK" at
 *                           start, "OK" to BEGIN/COMMIT TRANSACTION,
 *                           "DEFER_COMMIT" to a message in a transaction,
 *                           "OK" to a message outside one
 *   floor-omprog --discard  fire-and-forget: read lines, write nothing
 *
 * Nothing else: no parsing, no delivery.  What is left is the cost of the
 * protocol itself (one pipe round trip per message under confirm) and of
 * rsyslog.  Replies to all the complete lines of one read go out in one
 * write.  SIGUSR1 prints "stats acked=N lines=N" to stderr (acked: messages
 * of committed transactions, or every message read with --discard), the
 * format bench/run reads from omauralog. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BEGIN "BEGIN TRANSACTION"
#define COMMIT "COMMIT TRANSACTION"

static volatile sig_atomic_t want_stats;

static void on_usr1(int sig) {
    (void)sig;
    want_stats = 1;
}

static bool is(const char *line, size_t len, const char *mark) {
    size_t n = strlen(mark);
    return len == n && memcmp(line, mark, n) == 0;
}

static void put(char *out, size_t *olen, const char *s) {
    size_t n = strlen(s);
    memcpy(out + *olen, s, n);
    out[*olen + n] = '\n';
    *olen += n + 1;
}

static int write_all(const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(STDOUT_FILENO, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int main(int argc, char **argv) {
    bool discard = argc > 1 && strcmp(argv[1], "--discard") == 0;
    static char in[1 << 16], out[(1 << 16) * 13 + 16]; /* an empty line gets 13 bytes of reply */
    size_t have = 0, olen = 0;
    unsigned long long acked = 0, lines = 0, in_txn = 0;
    bool txn = false;
    struct sigaction sa = {.sa_handler = on_usr1}; /* no SA_RESTART: a blocked read returns EINTR */

    sigaction(SIGUSR1, &sa, NULL);
    if (!discard && write_all("OK\n", 3) < 0)
        return 1;
    for (;;) {
        if (want_stats) {
            want_stats = 0;
            fprintf(stderr, "stats acked=%llu lines=%llu\n", acked, lines);
        }
        if (have == sizeof(in))
            have = 0; /* a line longer than the buffer: not from the bench's template */
        ssize_t n = read(STDIN_FILENO, in + have, sizeof(in) - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        size_t end = have + (size_t)n, start = 0;
        char *nl;
        while ((nl = memchr(in + start, '\n', end - start))) {
            const char *line = in + start;
            size_t len = (size_t)(nl - line);
            start += len + 1;
            if (is(line, len, BEGIN)) {
                txn = true;
                in_txn = 0;
                if (!discard)
                    put(out, &olen, "OK");
            } else if (is(line, len, COMMIT)) {
                acked += in_txn;
                in_txn = 0;
                txn = false;
                if (!discard)
                    put(out, &olen, "OK");
            } else {
                lines++;
                if (discard) {
                    acked++;
                } else if (txn) {
                    in_txn++;
                    put(out, &olen, "DEFER_COMMIT");
                } else {
                    acked++;
                    put(out, &olen, "OK");
                }
            }
        }
        memmove(in, in + start, end - start);
        have = end - start;
        if (olen && write_all(out, olen) < 0)
            return 1;
        olen = 0;
    }
    fprintf(stderr, "stats acked=%llu lines=%llu\n", acked, lines);
    return 0;
}
