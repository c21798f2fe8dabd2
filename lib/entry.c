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

static struct aura_field *add_field(struct aura_entry *e, const char *key, enum aura_field_type type) {
    if (e->n_fields == e->cap_fields) {
        e->cap_fields = e->cap_fields ? e->cap_fields * 2 : 16;
        e->fields = aura_realloc(e->fields, e->cap_fields * sizeof(*e->fields));
    }
    struct aura_field *f = &e->fields[e->n_fields++];
    f->key = key;
    f->type = type;
    f->str = NULL;
    f->len = 0;
    f->num = 0;
    f->json = NULL;
    return f;
}

void aura_entry_add_str(struct aura_entry *e, const char *key, const char *s, size_t len) {
    struct aura_field *f = add_field(e, key, AURA_FIELD_STR);
    f->str = s;
    f->len = len;
}

void aura_entry_add_cstr(struct aura_entry *e, const char *key, const char *s) {
    aura_entry_add_str(e, key, s, s ? strlen(s) : 0);
}

void aura_entry_add_int(struct aura_entry *e, const char *key, int64_t v) {
    add_field(e, key, AURA_FIELD_INT)->num = v;
}

void aura_entry_add_bool(struct aura_entry *e, const char *key, bool v) {
    add_field(e, key, AURA_FIELD_BOOL)->num = v;
}

void aura_entry_add_json(struct aura_entry *e, const char *key, struct json_object *v) {
    add_field(e, key, AURA_FIELD_JSON)->json = v;
}

const struct aura_field *aura_entry_find(const struct aura_entry *e, size_t n, const char *key) {
    for (size_t i = 0; i < n; i++) {
        const char *k = e->fields[i].key;
        if (k[0] == key[0] && strcmp(k, key) == 0)
            return &e->fields[i];
    }
    return NULL;
}

bool aura_entry_has(const struct aura_entry *e, const char *key) {
    return aura_entry_find(e, e->n_fields, key) != NULL;
}
