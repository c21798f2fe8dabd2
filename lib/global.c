/* global.c - the global metadata of every entry: [global_metadata] and the
 * host (global.h); wire.c merges it into entries. */
#include "global.h"

#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "host.h"
#include "settings.h"
#include "wire.h"

static bool has_pair(const struct aura_global *g, const char *key) {
    for (size_t i = 0; i < g->n_pairs; i++)
        if (strcmp(g->pairs[i].key, key) == 0)
            return true;
    return false;
}

static void add_pair(struct aura_global *g, size_t cap, const char *key, const char *value, bool host_key) {
    if (!key || !value || !*key || aura_wire_reserved_key(key) || has_pair(g, key) || g->n_pairs >= cap)
        return;
    if (host_key && !*value) /* a host source read as empty tells nothing */
        return;
    struct aura_global_pair *p = &g->pairs[g->n_pairs++];
    p->key = aura_strdup(key);
    p->value = aura_strdup(value);
    p->host_key = host_key;
    p->key_fp = aura_key_fp(key, strlen(key));
    /* the same bytes go into every entry: encode them once */
    p->enc = aura_wire_pair(key, value, &p->enc_len);
}

struct aura_global *aura_global_new(const struct aura_settings *cfg, const struct aura_host *host) {
    struct aura_global *g = aura_calloc(1, sizeof(*g));
    size_t n_static = cfg ? cfg->n_global : 0;
    size_t cap = n_static + 5;
    g->pairs = aura_calloc(cap, sizeof(*g->pairs));

    /* Static pairs first: a key the operator set explicitly (even "host")
     * wins over the detected value. */
    for (size_t i = 0; i < n_static; i++)
        add_pair(g, cap, cfg->global[i].key, cfg->global[i].value, false);
    if (host) {
        add_pair(g, cap, "host", host->hostname, true);
        add_pair(g, cap, "machine_id", host->machine_id, true);
        add_pair(g, cap, "boot_id", host->boot_id, true);
        add_pair(g, cap, "os", host->os, true);
        add_pair(g, cap, "kernel", host->kernel, true);
        if (host->hostname && *host->hostname)
            g->relay = aura_strdup(host->hostname);
    }
    aura_wire_global_join(g);
    return g;
}

void aura_global_free(struct aura_global *g) {
    if (!g)
        return;
    for (size_t i = 0; i < g->n_pairs; i++) {
        free(g->pairs[i].key);
        free(g->pairs[i].value);
        free(g->pairs[i].enc);
    }
    free(g->pairs);
    free(g->relay);
    free(g->joined[0]);
    free(g->joined[1]);
    free(g->members[0]);
    free(g->members[1]);
    free(g);
}

