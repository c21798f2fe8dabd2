/* http.h - one HTTP request to the ingest API through libcurl, and what its
 * outcome means for delivery (SPEC §7).  The HTTP transport (transport.h),
 * not the policy: forwarder.c decides what to do with each outcome. */
#pragma once
#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "transport.h"

/* status 0 = no HTTP response (curl error). */
enum aura_outcome aura_http_classify(long status);

/* Retry-After: delta-seconds or an HTTP-date, relative to now (unix seconds).
 * Returns the delay in microseconds, or -1 when absent/unparsable. */
int64_t aura_http_parse_retry_after(const char *value, int64_t now_s);

struct aura_http_settings {
    const char *endpoint; /* no trailing '/' */
    const char *ca_file;  /* NULL: system trust store only */
    double timeout;       /* seconds */
    /* SPEC §13; NULL or 0 = unset */
    const char *proxy;             /* http://host:port; NULL: direct, whatever the environment says */
    const char *client_cert;       /* PEM, mutual TLS */
    const char *client_key;        /* PEM */
    const char *pinned_public_key; /* sha256//BASE64[;sha256//...] */
    double connect_timeout;        /* seconds; 0: same as timeout */
};

/* One connection (reused easy handle) carrying one request at a time. */
struct aura_http {
    struct aura_transfer transfer; /* must stay first */
    CURL *easy;
    struct curl_slist *headers;
    struct curl_slist *headers_gzip; /* the same plus Content-Encoding: gzip */
    struct aura_loop *loop;
    bool busy;
    long status;                   /* of the last completed request */
    int curl_result;
    int64_t retry_after_us;        /* -1 when the response had none */
    char error[CURL_ERROR_SIZE];
    char url[1024];
    /* a body in pieces (aura_http_post_segments), read by libcurl from where it lies */
    const struct aura_segment *segs;
    size_t n_segs, seg_i, seg_off;
    void (*done)(struct aura_http *h, void *userdata);
    void *userdata;
};

int aura_http_init(struct aura_http *h, struct aura_loop *loop, void (*done)(struct aura_http *, void *),
                   void *userdata);
void aura_http_cleanup(struct aura_http *h);
/* Start POST {endpoint}{path} with body (must stay valid until done). */
int aura_http_post(struct aura_http *h, const struct aura_http_settings *s, const char *path, const char *body,
                   size_t len);
/* The same with a Content-Encoding header ("gzip", or NULL for none): body
 * is already encoded so. */
int aura_http_post_encoded(struct aura_http *h, const struct aura_http_settings *s, const char *path,
                           const char *body, size_t len, const char *content_encoding);
/* The same with the body in pieces (transport.h): libcurl reads them through
 * a read callback into its upload buffer, so they are never joined first.
 * segs and what they point to must stay valid until done. */
int aura_http_post_segments(struct aura_http *h, const struct aura_http_settings *s, const char *path,
                            const struct aura_segment *segs, size_t n_segs, size_t len,
                            const char *content_encoding);
/* One line describing the last failure: "HTTP 503" or curl's error text. */
const char *aura_http_describe(const struct aura_http *h, char *buf, size_t size);
