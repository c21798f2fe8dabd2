/* map.h - one journal entry to one struct aura_entry (SPEC §3-§5).
 *
 * The mapper is fed the entry's fields one by one, as the FIELD=value byte
 * strings sd_journal_enumerate_data() returns (or a test's list), then
 * finishes the entry.  It copies what it keeps into buffers it owns and
 * reuses, so the journal's data pointers need not stay valid and mapping
 * allocates nothing per entry once warmed up.  Every pointer in the entry
 * stays valid until the next jr_map_begin() or jr_map_free().
 *
 * Metadata, in this order: host (_HOSTNAME), program (SYSLOG_IDENTIFIER,
 * else _COMM), pid (number: _PID, else SYSLOG_PID), facility
 * (SYSLOG_FACILITY keyword), severity (PRIORITY keyword), unit
 * (_SYSTEMD_UNIT), user_unit (_SYSTEMD_USER_UNIT), boot_id (_BOOT_ID), msgid
 * (MESSAGE_ID), source "journald", then the extra fields of [journal] fields
 * in journal order under their metadata name (lowercased, leading
 * underscores removed; on a clash the standard key wins).  traceId from
 * TRACE_ID; time from _SOURCE_REALTIME_TIMESTAMP, else the entry's realtime. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "entry.h"

struct jr_map_field; /* private */

struct jr_map {
    /* configuration */
    char **extra;     /* metadata names of the wanted extra fields, NULL-terminated, or NULL */
    bool all_fields;  /* fields = * */
    /* per entry, reused */
    struct aura_buf arena;        /* copies of the kept values and extra keys */
    struct jr_map_field *kept;    /* what was kept, as offsets into arena */
    size_t n_kept, cap_kept;
    uint32_t first_of[16];        /* per standard field: 1 + its index in kept, 0 when absent */
    struct aura_entry entry;
    /* facts about the last entry, for the reader */
    int64_t pid;                  /* _PID, -1 when absent */
    bool own_identifier;          /* SYSLOG_IDENTIFIER is self_identifier */
    const char *self_identifier;  /* "auralog-journald"; entries carrying it are our own diagnostics */
    char boot_id[33];             /* _BOOT_ID, "" when absent */
    char own_machine_id[33];      /* this machine's; an entry with another _MACHINE_ID is relayed */
    int severity;                 /* PRIORITY 0-7, -1 when absent or invalid */
};

void jr_map_init(struct jr_map *m);
void jr_map_free(struct jr_map *m);

/* fields as written in the config ("_SYSTEMD_SLICE", "systemd_slice" ...),
 * NULL-terminated or NULL; all: fields = *.  Copies what it needs. */
void jr_map_set_fields(struct jr_map *m, char *const *fields, bool all);

/* The metadata name of a journal field: lowercased, leading underscores
 * removed.  Writes at most size-1 bytes + NUL into out; returns the length. */
size_t jr_map_field_name(const char *field, size_t len, char *out, size_t size);

void jr_map_begin(struct jr_map *m);
/* One "FIELD=value" (value may hold any bytes).  Data without '=' is ignored. */
void jr_map_add(struct jr_map *m, const void *data, size_t len);
/* Fill m->entry from the fields added; realtime_us is the entry's
 * __REALTIME_TIMESTAMP.  Returns &m->entry. */
struct aura_entry *jr_map_end(struct jr_map *m, int64_t realtime_us);
/* The stream the entry belongs to, for stack-trace folding (SPEC §11):
 * _SYSTEMD_INVOCATION_ID, else "_PID/_COMM".  Writes at most size bytes
 * (not NUL-terminated); returns the length. */
size_t jr_map_stream_key(const struct jr_map *m, char *out, size_t size);
