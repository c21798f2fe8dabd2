#include "sigbus.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Async-signal-safe bookkeeping: a counter and the first address. */
static atomic_size_t faults;
static _Atomic(uintptr_t) first_fault;
static long page_size;
static struct sigaction old_action;
static int installed;

static void on_sigbus(int sig, siginfo_t *si, void *ctx) {
    uintptr_t addr, page;
    void *p;

    if (si->si_code != BUS_ADRERR || !si->si_addr) {
        /* Not a mapping that shrank: behave as if we were not here. */
        sigaction(SIGBUS, &old_action, NULL);
        raise(sig);
        (void)ctx;
        return;
    }
    addr = (uintptr_t)si->si_addr;
    page = addr & ~((uintptr_t)page_size - 1);
    p = mmap((void *)page, (size_t)page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (p == MAP_FAILED) {
        sigaction(SIGBUS, &old_action, NULL);
        raise(sig);
        return;
    }
    uintptr_t expected = 0;
    atomic_compare_exchange_strong(&first_fault, &expected, addr);
    atomic_fetch_add(&faults, 1);
}

int jr_sigbus_install(void) {
    struct sigaction sa;

    if (installed)
        return 0;
    page_size = sysconf(_SC_PAGESIZE);
    if (page_size <= 0)
        page_size = 4096;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGBUS, &sa, &old_action) < 0)
        return -errno;
    installed = 1;
    return 0;
}

size_t jr_sigbus_pop(void **first) {
    size_t n = atomic_exchange(&faults, 0);
    uintptr_t a = atomic_exchange(&first_fault, 0);
    if (first)
        *first = (void *)a;
    return n;
}
