/* checkpoint.c - at-least-once bookkeeping of the journal reader (checkpoint.h). */
#include "checkpoint.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

void jr_checkpoints_init(struct jr_checkpoints *c, uint64_t interval_us, const char *saved) {
    memset(c, 0, sizeof *c);
    c->interval_us = interval_us;
    c->saved = saved ? aura_strdup(saved) : NULL;
}

void jr_checkpoints_free(struct jr_checkpoints *c) {
    for (size_t i = 0; i < c->len; i++)
        free(c->ring[(c->head + i) % c->cap].cursor);
    free(c->ring);
    for (size_t i = 0; i < c->n_held; i++)
        free(c->held[i].cursor);
    free(c->held);
    free(c->committable);
    free(c->saved);
    memset(c, 0, sizeof *c);
}

void jr_checkpoints_add(struct jr_checkpoints *c, uint64_t seq, char *cursor) {
    if (c->len == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        struct jr_checkpoint *ring = aura_calloc(cap, sizeof(*ring));
        for (size_t i = 0; i < c->len; i++)
            ring[i] = c->ring[(c->head + i) % c->cap];
        free(c->ring);
        c->ring = ring;
        c->cap = cap;
        c->head = 0;
    }
    c->ring[(c->head + c->len) % c->cap] = (struct jr_checkpoint){seq, cursor};
    c->len++;
}

void jr_checkpoints_add_held(struct jr_checkpoints *c, uint64_t token, char *cursor) {
    if (!c->held)
        c->held = aura_calloc(JR_CHECKPOINTS_HELD_MAX, sizeof(*c->held));
    if (c->n_held == JR_CHECKPOINTS_HELD_MAX)
        free(c->held[--c->n_held].cursor);
    c->held[c->n_held++] = (struct jr_checkpoint){token, cursor};
}

void jr_checkpoints_release(struct jr_checkpoints *c, uint64_t low_held, uint64_t last_seq) {
    size_t k = 0;
    while (k < c->n_held && c->held[k].seq < low_held) {
        jr_checkpoints_add(c, last_seq, c->held[k].cursor);
        k++;
    }
    if (k) {
        memmove(c->held, c->held + k, (c->n_held - k) * sizeof(*c->held));
        c->n_held -= k;
    }
}

bool jr_checkpoints_advance(struct jr_checkpoints *c, uint64_t watermark) {
    bool moved = false;
    while (c->len > 0 && c->ring[c->head].seq <= watermark) {
        struct jr_checkpoint *cp = &c->ring[c->head];
        free(c->committable);
        c->committable = cp->cursor;
        cp->cursor = NULL;
        c->head = (c->head + 1) % c->cap;
        c->len--;
        moved = true;
    }
    return moved;
}

bool jr_checkpoints_due(struct jr_checkpoints *c, uint64_t now_us, uint64_t *when) {
    if (!c->committable)
        return false;
    if (c->saved && strcmp(c->saved, c->committable) == 0) {
        free(c->committable); /* the file holds it already */
        c->committable = NULL;
        return false;
    }
    uint64_t due = c->last_write_us + c->interval_us;
    *when = c->last_write_us == 0 || now_us >= due ? now_us : due;
    return true;
}

void jr_checkpoints_written(struct jr_checkpoints *c, int r, uint64_t now_us) {
    c->last_write_us = now_us;
    if (r < 0)
        return;
    free(c->saved);
    c->saved = c->committable;
    c->committable = NULL;
}
