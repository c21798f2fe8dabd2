#include "queue.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "wire.h"

_Static_assert(offsetof(struct aura_item, json) == offsetof(struct aura_item, sep) + 1,
               "the separator byte lies just before the entry");

#define SLAB_BYTES (64 * 1024)

struct aura_slab {
    size_t used;   /* bytes of data handed out */
    size_t live;   /* items in it not yet done */
    bool retired;  /* no longer a lane's current slab: freed when its last item is done */
    _Alignas(16) char data[];
};

#define SLAB_DATA (SLAB_BYTES - offsetof(struct aura_slab, data))

void aura_queue_init(struct aura_queue *q) {
    memset(q, 0, sizeof *q);
}

/* A slab none of whose items is live any more. */
static void slab_empty(struct aura_queue *q, struct aura_slab *s) {
    if (!s->retired) { /* a lane's current slab: start it over */
        s->used = 0;
        return;
    }
    if (!q->spare) {
        s->used = 0;
        s->retired = false;
        q->spare = s;
    } else {
        free(s);
    }
}

static void item_free(struct aura_queue *q, struct aura_item *it) {
    struct aura_slab *s = it->slab;
    if (!s) {
        free(it);
        return;
    }
    if (--s->live == 0)
        slab_empty(q, s);
}

void aura_queue_clear(struct aura_queue *q) {
    free(q->normal.ring);
    free(q->urgent.ring);
    struct aura_item *it = q->live_head;
    while (it) {
        struct aura_item *next = it->live_next;
        item_free(q, it);
        it = next;
    }
    /* every item is gone, and with them every retired slab: the current
     * ones and the spare are left */
    free(q->cur[0]);
    free(q->cur[1]);
    free(q->spare);
    uint64_t last = q->last_seq;
    aura_queue_init(q);
    q->last_seq = last;
}

static struct aura_item *item_alloc(struct aura_queue *q, size_t len, bool urgent) {
    size_t need = (sizeof(struct aura_item) + len + 1 + 15) & ~(size_t)15;
    struct aura_item *it;
    if (need > SLAB_DATA / 4) {
        it = aura_malloc(sizeof *it + len + 1);
        it->slab = NULL;
        return it;
    }
    struct aura_slab **cur = &q->cur[urgent ? 1 : 0];
    if (!*cur || (*cur)->used + need > SLAB_DATA) {
        struct aura_slab *old = *cur;
        if (old) {
            old->retired = true;
            if (old->live == 0)
                slab_empty(q, old);
        }
        if (q->spare) {
            *cur = q->spare;
            q->spare = NULL;
        } else {
            *cur = aura_malloc(SLAB_BYTES);
            (*cur)->used = 0;
            (*cur)->live = 0;
            (*cur)->retired = false;
        }
    }
    struct aura_slab *s = *cur;
    it = (struct aura_item *)(void *)(s->data + s->used);
    s->used += need;
    s->live++;
    it->slab = s;
    return it;
}

struct aura_item *aura_queue_push(struct aura_queue *q, const char *json, size_t len, bool urgent) {
    struct aura_item *it = item_alloc(q, len, urgent);
    it->seq = ++q->last_seq;
    it->urgent = urgent;
    it->t_us = aura_now_us();
    it->len = (uint32_t)len;
    it->sep = AURA_WIRE_BATCH_SEP;
    memcpy(it->json, json, len);
    it->json[len] = '\0';
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
    item_free(q, it);
}

uint64_t aura_queue_watermark(const struct aura_queue *q) {
    return q->live_head ? q->live_head->seq - 1 : q->last_seq;
}

/* Room for one more slot: the ring doubles, its slots in order from 0. */
static void fifo_grow(struct aura_fifo *f) {
    if (f->n < f->cap)
        return;
    size_t cap = f->cap ? 2 * f->cap : 256;
    struct aura_fifo_slot *ring = aura_malloc(cap * sizeof *ring);
    for (size_t i = 0; i < f->n; i++)
        ring[i] = f->ring[(f->first + i) & (f->cap - 1)];
    free(f->ring);
    f->ring = ring;
    f->cap = cap;
    f->first = 0;
}

void aura_fifo_push(struct aura_fifo *f, struct aura_item *it) {
    fifo_grow(f);
    f->ring[(f->first + f->n) & (f->cap - 1)] = (struct aura_fifo_slot){it, it->len};
    f->n++;
    f->bytes += it->len;
}

void aura_fifo_push_front(struct aura_fifo *f, struct aura_item *it) {
    fifo_grow(f);
    f->first = (f->first - 1) & (f->cap - 1);
    f->ring[f->first] = (struct aura_fifo_slot){it, it->len};
    f->n++;
    f->bytes += it->len;
}

struct aura_item *aura_fifo_pop(struct aura_fifo *f) {
    if (!f->n)
        return NULL;
    struct aura_fifo_slot s = f->ring[f->first];
    f->first = (f->first + 1) & (f->cap - 1);
    f->n--;
    f->bytes -= s.len;
    if (!f->n && f->cap > 4096) {
        /* a backlog is over: give its ring back */
        free(f->ring);
        f->ring = NULL;
        f->cap = 0;
        f->first = 0;
    }
    return s.it;
}
