#include "queue.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "wire.h"

_Static_assert(offsetof(struct aura_item, json) == offsetof(struct aura_item, sep) + 1,
               "the separator byte lies just before the entry");

void aura_queue_init(struct aura_queue *q) {
    memset(q, 0, sizeof *q);
}

void aura_queue_clear(struct aura_queue *q) {
    struct aura_item *it = q->live_head;
    while (it) {
        struct aura_item *next = it->live_next;
        free(it);
        it = next;
    }
    uint64_t last = q->last_seq;
    aura_queue_init(q);
    q->last_seq = last;
}

struct aura_item *aura_queue_push(struct aura_queue *q, const char *json, size_t len, bool urgent) {
    struct aura_item *it = aura_malloc(sizeof *it + len + 1);
    it->seq = ++q->last_seq;
    it->urgent = urgent;
    it->t_us = aura_now_us();
    it->len = (uint32_t)len;
    it->sep = AURA_WIRE_BATCH_SEP;
    memcpy(it->json, json, len);
    it->json[len] = '\0';
    it->fifo_next = NULL;
    it->live_next = NULL;
    it->live_prev = q->live_tail;
    if (q->live_tail)
        q->live_tail->live_next = it;
    else
        q->live_head = it;
    q->live_tail = it;
    q->n_live++;
    aura_fifo_push(urgent ? &q->urgent : &q->normal, it);
    return it;
}

void aura_queue_done(struct aura_queue *q, struct aura_item *it) {
    if (it->live_prev)
        it->live_prev->live_next = it->live_next;
    else
        q->live_head = it->live_next;
    if (it->live_next)
        it->live_next->live_prev = it->live_prev;
    else
        q->live_tail = it->live_prev;
    q->n_live--;
    free(it);
}

uint64_t aura_queue_watermark(const struct aura_queue *q) {
    return q->live_head ? q->live_head->seq - 1 : q->last_seq;
}

void aura_fifo_push(struct aura_fifo *f, struct aura_item *it) {
    it->fifo_next = NULL;
    if (f->tail)
        f->tail->fifo_next = it;
    else
        f->head = it;
    f->tail = it;
    f->n++;
    f->bytes += it->len;
}

void aura_fifo_push_front(struct aura_fifo *f, struct aura_item *it) {
    it->fifo_next = f->head;
    f->head = it;
    if (!f->tail)
        f->tail = it;
    f->n++;
    f->bytes += it->len;
}

struct aura_item *aura_fifo_pop(struct aura_fifo *f) {
    struct aura_item *it = f->head;
    if (!it)
        return NULL;
    f->head = it->fifo_next;
    if (!f->head)
        f->tail = NULL;
    it->fifo_next = NULL;
    f->n--;
    f->bytes -= it->len;
    return it;
}
