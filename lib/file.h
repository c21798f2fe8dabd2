/* file.h - whole writes to a file descriptor, and the atomic replacement of
 * a small file (journal cursor, metrics_file). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

/* Write all n bytes of p to fd, retrying short writes and EINTR.
 * 0, or -errno of the failed write. */
int aura_write_all(int fd, const char *p, size_t n);

/* Replace path with the n bytes of data: written to "path.tmp.PID" (never a
 * name a reader of path picks up, never through a symlink), then renamed over
 * path, so a reader sees the old or the new content, never part of it.  With
 * sync, the file and its directory are fsync'ed (power loss); without, the
 * rename alone survives a crash of the process.  0 or -errno; on failure the
 * temp file is removed and path is left as it was. */
int aura_file_replace(const char *path, const char *data, size_t n, bool sync);

/* fsync path and the directory that holds it. 0 or -errno. */
int aura_file_sync(const char *path);
