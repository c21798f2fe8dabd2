/* global.h - global metadata: host metadata + the static [global_metadata]
 * pairs, merged under every entry's own metadata (SPEC §4).
 *
 * Merge rule (as the SDK: per-call metadata wins): shallow; a global key is
 * written only when the entry does not carry it.  For an entry relayed from
 * another host (entry.relayed), the bridge's host keys (host, machine_id,
 * boot_id, os, kernel) are left out and "relay": <bridge hostname> is added. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct aura_settings;
struct aura_host;
struct aura_entry;

struct aura_global_pair {
    char *key;
    char *value;
    bool host_key; /* describes the bridge's host: dropped for relayed entries */
};

struct aura_global {
    struct aura_global_pair *pairs;
    size_t n_pairs;
    char *relay; /* bridge hostname for "relay", NULL when unknown */
};

/* host may be NULL (host_metadata = false); static pairs come from cfg. */
struct aura_global *aura_global_new(const struct aura_settings *cfg, const struct aura_host *host);
void aura_global_free(struct aura_global *g);

/* Write the merged metadata members of e (no braces), separated by commas,
 * beginning with a comma unless *first; updates *first.  Used by
 * aura_entry_encode. */
void aura_global_write_merged(struct aura_buf *out, const struct aura_entry *e, const struct aura_global *g,
                              bool *first);
