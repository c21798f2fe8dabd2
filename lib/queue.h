/* queue.h - the entries the forwarder holds until they are done.
 *
 * Every item is on the "live" list (seq order) from submit until it is done
 * (delivered or dropped); the watermark is "everything below the first live
 * item".  An item not yet in a request is also on one of two FIFOs:
 * normal (batched) or urgent (error/fatal).  Items in a request sit in the
 * request's own array.  An item holds its encoded JSON; items are carved one
 * after the other out of 64 KiB slabs, one series for each lane (a lane
 * completes in order, so a slab is freed soon after its last item), instead
 * of one malloc + free each: a batch lies in memory as it is sent, and the
 * allocator's per-entry work is gone.  A slab whose items are all done is
 * reused; items too large for a slab get their own allocation. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aura_slab; /* private */

struct aura_item {
    uint64_t seq;
    struct aura_slab *slab; /* NULL: allocated on its own */
    struct aura_item *live_prev, *live_next;
    uint64_t t_us; /* monotonic time it was queued */
    bool urgent;
    uint32_t len;
    char sep;    /* AURA_WIRE_BATCH_SEP, just before json: "sep + entry" is one piece of a body */
    char json[]; /* encoded entry object, NUL-terminated */
};

/* A FIFO is a ring of (item, length) slots, not a list through the items:
 * taking a batch reads the slots one after the other and never touches the
 * items themselves, queued long before and cold in the cache by then (the
 * walk along a list of them was 3% of the journal path's CPU). */
struct aura_fifo_slot {
    struct aura_item *it;
    size_t len; /* it->len */
};
struct aura_fifo {
    struct aura_fifo_slot *ring;
    size_t cap;   /* slots in ring: 0 or a power of two */
    size_t first; /* the head's slot */
    size_t n;
    size_t bytes;
};

struct aura_queue {
    struct aura_item *live_head, *live_tail;
    size_t n_live;
    uint64_t last_seq;
    struct aura_fifo normal, urgent;
    struct aura_slab *cur[2]; /* where the next normal [0] / urgent [1] item goes */
    struct aura_slab *spare;  /* one empty slab kept for the next */
};

void aura_queue_init(struct aura_queue *q);
/* Frees every live item and the slabs. */
void aura_queue_clear(struct aura_queue *q);

/* New live item with the next seq, a copy of json, on the fitting FIFO. */
struct aura_item *aura_queue_push(struct aura_queue *q, const char *json, size_t len, bool urgent);
/* The item is done: off the live list and freed.  It must be off the FIFOs. */
void aura_queue_done(struct aura_queue *q, struct aura_item *it);
/* Every seq <= watermark is done. */
uint64_t aura_queue_watermark(const struct aura_queue *q);

void aura_fifo_push(struct aura_fifo *f, struct aura_item *it);
void aura_fifo_push_front(struct aura_fifo *f, struct aura_item *it);
/* The head's slot, or NULL when the FIFO is empty. */
static inline const struct aura_fifo_slot *aura_fifo_peek(const struct aura_fifo *f) {
    return f->n ? &f->ring[f->first] : NULL;
}
static inline struct aura_item *aura_fifo_head(const struct aura_fifo *f) {
    return f->n ? f->ring[f->first].it : NULL;
}
struct aura_item *aura_fifo_pop(struct aura_fifo *f);
