/* test_queue.c - the forwarder's live list, FIFOs and watermark. */
#include "queue.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

/* Items carved out of slabs: many of them, both lanes, done in lane order
 * while more are pushed, a large one on its own; every item keeps its bytes
 * until it is done, and clear frees what is left (valgrind/ASan see leaks). */
static void test_many(void) {
    struct aura_queue q;
    enum { N = 5000 };
    static struct aura_item *it[N];
    char buf[3000];
    size_t next_done[2] = {0, 0};
    aura_queue_init(&q);
    bool ok = true;
    for (size_t i = 0; i < N; i++) {
        bool urgent = i % 37 == 0;
        size_t len = i == 4000 ? sizeof buf - 1 : 200 + (i * 131) % 900;
        memset(buf, 'a' + (int)(i % 26), len);
        buf[len] = '\0';
        it[i] = aura_queue_push(&q, buf, len, urgent);
        if (((uintptr_t)it[i] & 7) != 0)
            ok = false;
        /* a lane completes in order, a few hundred behind */
        if (i >= 300 && i % 3 == 0) {
            for (int lane = 0; lane < 2; lane++) {
                size_t k = next_done[lane];
                while (k < i - 300 && (it[k] == NULL || (it[k]->urgent != (lane == 1))))
                    k++;
                if (k < i - 300) {
                    struct aura_item *x = it[k];
                    (void)aura_fifo_pop(lane ? &q.urgent : &q.normal);
                    size_t xl = x->len;
                    for (size_t b = 0; b < xl; b++)
                        if (x->json[b] != (char)('a' + (int)(k % 26)))
                            ok = false;
                    if (x->json[xl] != '\0' || x->sep != ',')
                        ok = false;
                    aura_queue_done(&q, x);
                    it[k] = NULL;
                    next_done[lane] = k + 1;
                }
            }
        }
    }
    CHECK(ok, "slab items: aligned, each keeps its bytes until done");
    size_t live = 0;
    for (size_t i = 0; i < N; i++)
        if (it[i]) {
            live++;
            if (it[i]->json[0] != (char)('a' + (int)(i % 26)))
                ok = false;
        }
    CHECK(ok && live == q.n_live, "what is live is intact (%zu items)", live);
    aura_queue_clear(&q);
    CHECK_INT(q.n_live, 0, "clear: nothing live");
}

/* The FIFO's ring against a plain array as the model: pushes at both ends,
 * pops, growth while the ring wraps around, a backlog of 20,000 drained to
 * nothing (the ring is given back) and used again; order, count and bytes
 * must match the model after every step. */
static void test_fifo_ring(void) {
    enum { N = 20000 };
    static struct aura_item *items[N];
    enum { M = 1 << 19 }; /* more than the steps: the model never runs out of room */
    static struct aura_item *model[2 * M];
    size_t lo = M, hi = M; /* model[lo..hi) is the FIFO, head first */
    struct aura_fifo f;
    memset(&f, 0, sizeof f);
    for (size_t i = 0; i < N; i++) {
        items[i] = calloc(1, sizeof(struct aura_item) + 1);
        items[i]->len = (uint32_t)(1 + i % 97);
    }
    bool ok = true;
    size_t next = 0, bytes = 0, freed_rings = 0;
    uint32_t rnd = 12345;
    for (int step = 0; step < 200000 && ok; step++) {
        rnd = rnd * 1103515245u + 12345u;
        unsigned r = (rnd >> 16) % 100;
        /* first phase: mostly pushes (a backlog builds), then mostly pops */
        bool building = step < 60000 || (step >= 120000 && step < 140000);
        if (hi - lo < N && (building ? r < 75 : r < 30)) {
            struct aura_item *it = items[next++ % N]; /* N apart: never in the FIFO twice */
            if (r % 10 == 0) {
                aura_fifo_push_front(&f, it);
                model[--lo] = it;
            } else {
                aura_fifo_push(&f, it);
                model[hi++] = it;
            }
            bytes += it->len;
        } else if (hi > lo) {
            const struct aura_fifo_slot *s = aura_fifo_peek(&f);
            struct aura_item *x = aura_fifo_pop(&f);
            if (!s || x != model[lo] || aura_fifo_head(&f) != (hi - lo > 1 ? model[lo + 1] : NULL))
                ok = false;
            bytes -= model[lo]->len;
            lo++;
            if (hi == lo) {
                if (f.ring == NULL)
                    freed_rings++;
                lo = hi = M; /* the model starts over in the middle too */
            }
        } else if (aura_fifo_pop(&f) != NULL || aura_fifo_peek(&f) != NULL) {
            ok = false;
        }
        if (f.n != hi - lo || f.bytes != bytes)
            ok = false;
    }
    CHECK(ok, "FIFO ring: order, count and bytes match the model (%zu pushed)", next);
    CHECK(freed_rings >= 2, "a drained large ring is given back, and the FIFO works on after (%zu times)",
          freed_rings);
    while (aura_fifo_pop(&f))
        ;
    free(f.ring);
    for (size_t i = 0; i < N; i++)
        free(items[i]);
}

int main(void) {
    test_many();
    test_fifo_ring();
    struct aura_queue q;
    aura_queue_init(&q);
    CHECK_INT(aura_queue_watermark(&q), 0, "empty queue: watermark 0");

    struct aura_item *it[6];
    static const struct {
        const char *json;
        int urgent;
    } in[6] = {{"{\"a\":1}", 0}, {"{\"b\":2}", 1}, {"{\"c\":3}", 0}, {"{}", 0}, {"{\"e\":5}", 1}, {"{\"f\":6}", 0}};
    for (int i = 0; i < 6; i++) {
        it[i] = aura_queue_push(&q, in[i].json, strlen(in[i].json), in[i].urgent);
        CHECK_INT(it[i]->seq, i + 1, "push %d gets seq %d", i, i + 1);
        CHECK_STR(it[i]->json, in[i].json, "push %d keeps a copy of its JSON", i);
    }
    CHECK_INT(q.n_live, 6, "six live items");
    CHECK_INT(q.normal.n, 4, "four on the normal FIFO");
    CHECK_INT(q.urgent.n, 2, "two on the urgent FIFO");
    CHECK_INT(q.normal.bytes, 7 + 7 + 2 + 7, "normal FIFO counts its bytes");

    /* FIFO order */
    struct aura_item *a = aura_fifo_pop(&q.normal), *c = aura_fifo_pop(&q.normal);
    CHECK(a == it[0] && c == it[2], "normal FIFO pops in submit order");
    aura_fifo_push_front(&q.normal, c);
    CHECK(aura_fifo_head(&q.normal) == it[2], "push_front puts an item back first");
    CHECK_INT(q.normal.n, 3, "push_front counts it again");

    /* out-of-order completion: the watermark waits for the oldest */
    struct aura_item *b = aura_fifo_pop(&q.urgent);
    aura_queue_done(&q, b);
    CHECK_INT(aura_queue_watermark(&q), 0, "seq 2 done before seq 1: watermark stays 0");
    aura_queue_done(&q, a);
    CHECK_INT(aura_queue_watermark(&q), 2, "seq 1 done too: watermark 2");
    struct aura_item *x = aura_fifo_pop(&q.normal);
    CHECK(x == it[2], "pop after push_front returns the returned item");
    aura_queue_done(&q, x);
    CHECK_INT(aura_queue_watermark(&q), 3, "seq 3 done: watermark 3");

    /* drain everything */
    struct aura_item *y;
    while ((y = aura_fifo_pop(&q.normal)))
        aura_queue_done(&q, y);
    CHECK_INT(aura_queue_watermark(&q), 4, "seq 5 (urgent) still live: watermark 4");
    while ((y = aura_fifo_pop(&q.urgent)))
        aura_queue_done(&q, y);
    CHECK_INT(aura_queue_watermark(&q), 6, "all done: watermark = last seq");
    CHECK_INT(q.n_live, 0, "nothing live");
    CHECK(q.normal.bytes == 0 && q.urgent.bytes == 0, "FIFO byte counts back to 0");

    /* clear frees live items and keeps the sequence going */
    aura_queue_push(&q, "{}", 2, 0);
    aura_queue_clear(&q);
    struct aura_item *z = aura_queue_push(&q, "{}", 2, 0);
    CHECK_INT(z->seq, 8, "sequence numbers continue after clear");
    aura_queue_clear(&q);
    return tap_done();
}
