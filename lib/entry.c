/* entry.c - building entries (entry.h); their encoding is wire.c. */
#include "entry.h"

#include <stdlib.h>
#include <string.h>


void aura_entry_init(struct aura_entry *e) {
    memset(e, 0, sizeof(*e));
    e->level = AURA_LEVEL_INFO;
}

void aura_entry_reset(struct aura_entry *e) {
    struct aura_field *fields = e->fields;
    size_t cap = e->cap_fields;
    aura_entry_init(e);
    e->fields = fields;
    e->cap_fields = cap;
}

void aura_entry_free(struct aura_entry *e) {
    if (!e)
        return;
    free(e->fields);
    aura_entry_init(e);
}

void aura_entry_grow(struct aura_entry *e) {
    if (e->n_fields < e->cap_fields)
        return;
    e->cap_fields = e->cap_fields ? e->cap_fields * 2 : 16;
    e->fields = aura_realloc(e->fields, e->cap_fields * sizeof(*e->fields));
}

const struct aura_field *aura_entry_find_fp(const struct aura_entry *e, size_t n, const char *key, uint32_t fp) {
    for (size_t i = 0; i < n; i++) {
        const struct aura_field *f = &e->fields[i];
        if (f->key_fp == fp && strcmp(f->key, key) == 0)
            return f;
    }
    return NULL;
}
