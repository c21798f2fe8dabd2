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

int main(void) {
    test_many();
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
    CHECK(q.normal.head == it[2], "push_front puts an item back first");
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
