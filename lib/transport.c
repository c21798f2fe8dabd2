/* transport.c - the --stdout sink (transport.h); the HTTP transport is http.c. */
#include "transport.h"

#include <stdlib.h>

#include "buf.h"
#include "wire.h"

struct stdout_sink {
    struct aura_transport base; /* must stay first */
    FILE *out;
    struct aura_buf line;
    struct aura_buf joined; /* a body given in pieces */
};

static int sink_send(struct aura_transport *t, const struct aura_settings *cfg, const struct aura_request *rq,
                     struct aura_response *resp) {
    struct stdout_sink *s = (struct stdout_sink *)t;
    const char *body = rq->body;
    (void)cfg;
    if (rq->n_segs > 0) {
        aura_buf_reset(&s->joined);
        for (size_t i = 0; i < rq->n_segs; i++)
            aura_buf_append(&s->joined, rq->segs[i].data, rq->segs[i].len);
        body = s->joined.data;
    }
    aura_buf_reset(&s->line);
    aura_wire_stdout_line(&s->line, rq->path, body, rq->len);
    fwrite(s->line.data, 1, s->line.len, s->out);
    fflush(s->out);
    *resp = (struct aura_response){.outcome = AURA_OUTCOME_OK, .retry_after_us = -1};
    return 1;
}

static bool sink_busy(const struct aura_transport *t) {
    (void)t;
    return false;
}

static void sink_free(struct aura_transport *t) {
    struct stdout_sink *s = (struct stdout_sink *)t;
    aura_buf_free(&s->line);
    aura_buf_free(&s->joined);
    free(s);
}

static const struct aura_transport_ops sink_ops = {sink_send, sink_busy, sink_free};

struct aura_transport *aura_transport_stdout_new(FILE *out) {
    struct stdout_sink *s = aura_calloc(1, sizeof *s);
    s->base.ops = &sink_ops;
    s->base.redact_key = true;
    s->out = out;
    aura_buf_init(&s->line);
    aura_buf_init(&s->joined);
    return &s->base;
}
