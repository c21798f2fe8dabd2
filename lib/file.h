/* file.h - whole writes to a file descriptor, shared by the files the
 * bridge writes atomically (journal cursor, metrics_file). */
#pragma once
#include <stddef.h>

/* Write all n bytes of p to fd, retrying short writes and EINTR.
 * 0, or -errno of the failed write. */
int aura_write_all(int fd, const char *p, size_t n);
