/* state.h - the cursor state file: the journal position up to which every
 * entry is acknowledged (SPEC §8).
 *
 * Format: one line "LAST_CURSOR=<cursor>\n", as systemd-journal-upload
 * writes its state.  Written atomically: a temp file in the same directory,
 * fsync, rename over the old file, fsync of the directory, so a crash leaves
 * either the old or the new cursor, never a torn one.  The temp file
 * ("FILE.tmp.PID") is kept as a spare and exchanged with the state file
 * (aura_file_replace_spare): removed by jr_state_close(), and a killed
 * process's by jr_state_check_dir() at the next start. */
#pragma once
#include <stddef.h>

/* Read the cursor into a newly allocated string (*ret, caller frees).
 * -ENOENT when there is no state file, -EINVAL when its content is not a
 * cursor line, other negative errno on I/O errors. */
int jr_state_read(const char *path, char **ret);

/* Replace the state with cursor, atomically and durably. */
int jr_state_write(const char *path, const char *cursor);
/* The same without the fsyncs: write + rename is atomic and survives the
 * process being killed (the page cache keeps it), not a power loss. */
int jr_state_write_fast(const char *path, const char *cursor);
/* Make what jr_state_write_fast() left durable: fsync the file and its
 * directory. */
int jr_state_sync(const char *path);

/* Can a state file be created at path (its directory exists and is writable)?
 * 0 or negative errno. */
int jr_state_check_dir(const char *path);
/* Remove this process's spare temp file (at exit). */
void jr_state_close(const char *path);
