/* sigbus.h - survive journal files truncated under the reader.
 *
 * sd-journal reads journal files through mmap.  When a file shrinks while
 * mapped (a truncation, a broken disk, a full file system), touching the
 * lost pages raises SIGBUS, which would kill the process.  As journalctl
 * does, the handler maps anonymous zero pages over the faulting page and
 * remembers the address; the library then reads zeros, which fail its
 * object checks, so it treats the file as corrupt and moves on.  The program
 * pops the remembered faults after each read and says what happened. */
#pragma once
#include <stddef.h>

/* Install the SIGBUS handler (once).  0 or negative errno. */
int jr_sigbus_install(void);
/* Number of faults since the last call; *first gets the first address. */
size_t jr_sigbus_pop(void **first);
