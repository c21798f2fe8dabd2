/* transport.h - how a request reaches the ingest API, behind one interface.
 *
 * The forwarder (policy: batching, retries, splitting) hands a transport a
 * request {path, body, length, content encoding} and gets an outcome back;
 * it never knows whether that was HTTP.  Two implementations:
 *  - HTTP through libcurl (http.c: aura_transport_http_new), one connection
 *    carrying one request at a time, the outcome later through done();
 *  - the --stdout sink (transport.c: aura_transport_stdout_new), which
 *    writes each request as one line and accepts it at once.
 * Both read the shared, immutable configuration they are given per request
 * (endpoint, TLS, timeouts), so a reload needs nothing from them. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct aura_loop;
struct aura_settings;

/* What an answer means for delivery. */
enum aura_outcome {
    AURA_OUTCOME_OK,       /* 2xx */
    AURA_OUTCOME_RETRY,    /* network error, timeout, 408, 429, 5xx */
    AURA_OUTCOME_CONFIG,   /* 401, 403, 415, 3xx: never drop, retry at retry_max, warn */
    AURA_OUTCOME_REJECTED, /* 400, 413, 422, other 4xx: split, drop what is rejected alone */
};

/* A piece of a request body. */
struct aura_segment {
    const char *data;
    size_t len;
};

struct aura_request {
    const char *path;             /* AURA_WIRE_PATH_BATCH or _SINGLE */
    const char *body;             /* must stay valid until the outcome is known */
    size_t len;                   /* of the whole body */
    const char *content_encoding; /* "gzip" (body already encoded so) or NULL */
    /* When n_segs > 0 the body is these pieces one after the other (body is
     * NULL): the queued entries are sent where they lie, not first joined
     * into one buffer.  The pieces and the array must stay valid until the
     * outcome is known. */
    const struct aura_segment *segs;
    size_t n_segs;
};

struct aura_response {
    enum aura_outcome outcome;
    long status;            /* HTTP status, 0 when there was no answer */
    int64_t retry_after_us; /* Retry-After as a delay, -1 when absent */
    char why[320];          /* one line: "HTTP 503" or the network error */
};

struct aura_transport;

struct aura_transport_ops {
    /* Start rq under cfg.  0: under way, the outcome comes through done();
     * 1: finished at once, *resp holds the outcome (done() is not called);
     * negative errno: could not even start. */
    int (*send)(struct aura_transport *t, const struct aura_settings *cfg, const struct aura_request *rq,
                struct aura_response *resp);
    bool (*busy)(const struct aura_transport *t); /* a request is under way */
    void (*free)(struct aura_transport *t);
};

struct aura_transport {
    const struct aura_transport_ops *ops;
    /* the outcome of a request send() left under way */
    void (*done)(void *userdata, const struct aura_response *resp);
    void *userdata;
    bool redact_key; /* shows requests to people: bodies carry AURA_WIRE_STDOUT_KEY, not the key */
};

/* HTTP through libcurl, on loop (http.c). */
int aura_transport_http_new(struct aura_loop *loop, void (*done)(void *, const struct aura_response *),
                            void *userdata, struct aura_transport **ret);
/* --stdout: every request as one JSON line on out (wire.h), accepted at once. */
struct aura_transport *aura_transport_stdout_new(FILE *out);

static inline int aura_transport_send(struct aura_transport *t, const struct aura_settings *cfg,
                                      const struct aura_request *rq, struct aura_response *resp) {
    return t->ops->send(t, cfg, rq, resp);
}

static inline bool aura_transport_busy(const struct aura_transport *t) {
    return t->ops->busy(t);
}

/* t may be NULL */
static inline void aura_transport_free(struct aura_transport *t) {
    if (t)
        t->ops->free(t);
}
