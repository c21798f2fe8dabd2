/* reader.h - the journal through the sd-journal API: which journal, which
 * entries (filters as journal matches), where to start (cursor or start
 * mode), reading entry by entry, and the inotify fd for following.
 *
 * Program code: logs what it does about journal mishaps (invalid or
 * vanished cursor, rotation and vacuuming, unreadable data), each once. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "journal_settings.h"
#include "map.h"

struct jr_reader;

struct jr_source {
    const char *journal_namespace; /* NULL: the system journal (local machine) */
    const char *directory;         /* read the journal files in this directory */
    char *const *files;            /* NULL-terminated list of journal files */
};

struct jr_filter {
    char *const *units;       /* _SYSTEMD_UNIT=, NULL-terminated or NULL */
    char *const *identifiers; /* SYSLOG_IDENTIFIER= */
    int min_priority;         /* PRIORITY=0..min_priority when < 7 */
};

int jr_reader_open(const struct jr_source *src, const struct jr_filter *filter, struct jr_reader **ret);
/* The same without a word: the caller says what failed (a second handle). */
int jr_reader_open_quiet(const struct jr_source *src, const struct jr_filter *filter, struct jr_reader **ret);
void jr_reader_free(struct jr_reader *r);

/* Position the reader: after cursor (the last entry already delivered) when
 * cursor is non-NULL, else per start.  Logs where it starts and why. */
int jr_reader_seek(struct jr_reader *r, const char *cursor, enum jr_start start);

/* Stand on the last entry (next() returns what comes after it), silently. */
int jr_reader_seek_end(struct jr_reader *r);

/* Move to the next entry: 1 when there is one, 0 at the end, negative errno. */
int jr_reader_next(struct jr_reader *r);
/* Map the current entry with m; returns &m->entry. */
struct aura_entry *jr_reader_map(struct jr_reader *r, struct jr_map *m);
/* Cursor of the current entry, newly allocated (caller frees); NULL when
 * there is no current entry. */
char *jr_reader_cursor(struct jr_reader *r);

/* Entries vacuumed or rotated away before they were read: the current
 * entry's seqnum follows the previous entry read (or the saved cursor's) in
 * the same seqnum ID.  Checked on samples (every few dozen entries, at a boot
 * change and at the end of what is there); a window whose ends disagree is
 * read again entry by entry, so the gaps found are exact.  Only without
 * filters: with matches, skipped seqnums are mostly entries that did not
 * match, so no gap is claimed.  After every jr_reader_next(), take the gaps
 * found: 1 and *gap filled while there is one, then 0.  Times are realtime µs
 * of the entries around the gap (0 when unknown). */
struct jr_gap {
    uint64_t lost;              /* exact number of missing seqnums */
    uint64_t first_seq, last_seq; /* the missing range */
    uint64_t before_us, after_us; /* realtime of the entries around it */
};
int jr_reader_gap(struct jr_reader *r, struct jr_gap *gap);
/* Unreadable journal files left out when the reader was opened. */
unsigned jr_reader_skipped_files(const struct jr_reader *r);
/* Realtime µs of the current entry, 0 when none. */
uint64_t jr_reader_realtime(struct jr_reader *r);

/* For following: the fd to poll and its events (sets up inotify). */
int jr_reader_fd(struct jr_reader *r, short *events);
/* After the fd woke us: let sd-journal process the change.  Logs rotation
 * and vacuuming.  0 or negative errno. */
int jr_reader_process(struct jr_reader *r);
/* When sd-journal needs a wake-up without fd activity (network file
 * systems): monotonic µs, or UINT64_MAX for never. */
uint64_t jr_reader_timeout(struct jr_reader *r);
