/* test_queue.c - the forwarder's live list, FIFOs and watermark. */
#include "queue.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"

int main(void) {
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
