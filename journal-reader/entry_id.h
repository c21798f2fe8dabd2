/* entry_id.h - which journal entry a cursor names, and in which order
 * sd-journal reads two entries (errors overtake a backlog, ahead.h).
 *
 * A cursor is "s=SEQNUM_ID;i=SEQNUM;b=BOOT;m=MONO;t=REALTIME;x=XOR" (hex):
 * sd-journal calls it opaque, but the format has been stable since 2012,
 * and sd_journal_get_seqnum() only came with systemd 254 (Debian 12 has 252).
 * No I/O, no allocation. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-id128.h>

struct jr_entry_id {
    sd_id128_t seqnum_id, boot;
    uint64_t seqnum, mono, realtime;
};

/* Which fields of the cursor parsed, as JR_ENTRY_ID_* bits (other keys are
 * ignored); the fields that did not parse are 0. */
enum {
    JR_ENTRY_ID_SEQNUM_ID = 1u,
    JR_ENTRY_ID_SEQNUM = 2u,
    JR_ENTRY_ID_BOOT = 4u,
    JR_ENTRY_ID_MONO = 8u,
    JR_ENTRY_ID_REALTIME = 16u,
    JR_ENTRY_ID_ALL = 31u,
};
unsigned jr_entry_id_parse_fields(const char *cursor, struct jr_entry_id *id);

/* true when every one of s, i, b, m, t parsed. */
bool jr_entry_id_parse(const char *cursor, struct jr_entry_id *id);

/* sd-journal's order: seqnum within one seqnum ID, else monotonic time
 * within one boot, else realtime.  <0, 0, >0. */
int jr_entry_id_compare(const struct jr_entry_id *a, const struct jr_entry_id *b);

/* The same entry: seqnum ID, seqnum and boot ID equal. */
bool jr_entry_id_same(const struct jr_entry_id *a, const struct jr_entry_id *b);
