/* global.h - building the global metadata (struct aura_global, wire.h):
 * the static [global_metadata] pairs, then the host's metadata (SPEC §4).
 * How it is merged into entries is wire.c's. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "wire.h"

struct aura_settings;
struct aura_host;

/* host may be NULL (host_metadata = false); static pairs come from cfg. */
struct aura_global *aura_global_new(const struct aura_settings *cfg, const struct aura_host *host);
void aura_global_free(struct aura_global *g);
