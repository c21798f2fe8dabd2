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

/* The same result as aura_file_replace(), cheaper when called again and
 * again for one path (the journal cursor after every acknowledgement): the
 * temp file "path.tmp.PID" is kept as a spare.  The new content is written
 * into it in place (no new inode, no truncation to zero) and exchanged with
 * path (renameat2 RENAME_EXCHANGE), so the spare then holds the old content
 * for the next call.  Why: on ext4 a rename over an existing file whose new
 * content is not allocated yet starts its writeback at once (auto_da_alloc),
 * ~110 us of CPU per replacement here against ~15.  A plain rename where
 * path does not exist yet or the file system has no exchange.  aura_file_spare_remove() unlinks this process's spare (at
 * exit); aura_file_spare_sweep() the spares of processes that are gone. */
int aura_file_replace_spare(const char *path, const char *data, size_t n, bool sync);
void aura_file_spare_remove(const char *path);
void aura_file_spare_sweep(const char *path);

/* The directory part of path ("." when it has none, "/" for one in the root)
 * into dir. 0, or -ENAMETOOLONG when it does not fit. */
int aura_file_dir_of(const char *path, char *dir, size_t size);

/* fsync path and the directory that holds it. 0 or -errno. */
int aura_file_sync(const char *path);
