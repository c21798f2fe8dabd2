#include "global.h"

#include <stdlib.h>
#include <string.h>

#include "settings.h"
#include "entry.h"
#include "host.h"
#include "json.h"

/* Keys aura_entry_encode writes itself for a truncated message: a static
 * pair of that name could only collide with them. */
static bool reserved_key(const char *key) {
    return strcmp(key, "truncated") == 0 || strcmp(key, "message_bytes") == 0;
}

static bool has_pair(const struct aura_global *g, const char *key) {
    for (size_t i = 0; i < g->n_pairs; i++)
        if (strcmp(g->pairs[i].key, key) == 0)
            return true;
    return false;
}

static void add_pair(struct aura_global *g, size_t cap, const char *key, const char *value, bool host_key) {
    if (!key || !value || !*key || reserved_key(key) || has_pair(g, key) || g->n_pairs >= cap)
        return;
    if (host_key && !*value) /* a host source read as empty tells nothing */
        return;
    struct aura_global_pair *p = &g->pairs[g->n_pairs++];
    p->key = aura_strdup(key);
    p->value = aura_strdup(value);
    p->host_key = host_key;
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
    return g;
}

void aura_global_free(struct aura_global *g) {
    if (!g)
        return;
    for (size_t i = 0; i < g->n_pairs; i++) {
        free(g->pairs[i].key);
        free(g->pairs[i].value);
    }
    free(g->pairs);
    free(g->relay);
    free(g);
}

static void write_pair(struct aura_buf *out, const char *key, const char *value, bool *first) {
    if (!*first)
        aura_buf_putc(out, ',');
    *first = false;
    aura_json_cstring(out, key);
    aura_buf_putc(out, ':');
    aura_json_cstring(out, value);
}

void aura_global_write_merged(struct aura_buf *out, const struct aura_entry *e, const struct aura_global *g,
                              bool *first) {
    if (!g)
        return;
    bool relay = e->relayed && g->relay;
    for (size_t i = 0; i < g->n_pairs; i++) {
        const struct aura_global_pair *p = &g->pairs[i];
        if (e->relayed && p->host_key)
            continue; /* describes the bridge, not the host the message came from */
        if (relay && strcmp(p->key, "relay") == 0)
            continue; /* the bridge's own "relay" below */
        if (aura_entry_has(e, p->key))
            continue; /* per-entry wins */
        write_pair(out, p->key, p->value, first);
    }
    if (relay && !aura_entry_has(e, "relay"))
        write_pair(out, "relay", g->relay, first);
}
