#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "log.h"
#include "settings.h"

enum aura_outcome aura_http_classify(long status) {
    if (status >= 200 && status < 300)
        return AURA_OUTCOME_OK;
    if (status == 0 || status == 408 || status == 429 || status >= 500)
        return AURA_OUTCOME_RETRY;
    /* 415: the gateway refuses our Content-Encoding: configuration, like a bad key */
    if (status == 401 || status == 403 || status == 415 || (status >= 300 && status < 400))
        return AURA_OUTCOME_CONFIG;
    if (status >= 400 && status < 500)
        return AURA_OUTCOME_REJECTED;
    return AURA_OUTCOME_RETRY; /* 1xx or nonsense: try again */
}

int64_t aura_http_parse_retry_after(const char *value, int64_t now_s) {
    if (!value)
        return -1;
    while (isspace((unsigned char)*value))
        value++;
    if (!*value)
        return -1;
    if (isdigit((unsigned char)*value)) {
        char *end;
        errno = 0;
        unsigned long long s = strtoull(value, &end, 10);
        while (isspace((unsigned char)*end))
            end++;
        if (errno || *end)
            return -1;
        if (s > 86400ULL * 365)
            s = 86400ULL * 365;
        return (int64_t)s * 1000000;
    }
    time_t t = curl_getdate(value, NULL);
    if (t == (time_t)-1)
        return -1;
    if ((int64_t)t <= now_s)
        return 0;
    return ((int64_t)t - now_s) * 1000000;
}

static size_t discard_body(char *ptr, size_t size, size_t nmemb, void *userdata) {
    (void)ptr;
    (void)userdata;
    return size * nmemb;
}

/* CURLOPT_READFUNCTION for a body in pieces */
static size_t read_segments(char *buf, size_t size, size_t nitems, void *userdata) {
    struct aura_http *h = userdata;
    size_t room = size * nitems, n = 0;
    while (n < room && h->seg_i < h->n_segs) {
        const struct aura_segment *sg = &h->segs[h->seg_i];
        size_t take = sg->len - h->seg_off;
        if (take > room - n)
            take = room - n;
        memcpy(buf + n, sg->data + h->seg_off, take);
        n += take;
        h->seg_off += take;
        if (h->seg_off == sg->len) {
            h->seg_i++;
            h->seg_off = 0;
        }
    }
    return n;
}

/* CURLOPT_SEEKFUNCTION: libcurl rewinds the body to send it again (a reused
 * connection that turned out closed) */
static int seek_segments(void *userdata, curl_off_t offset, int origin) {
    struct aura_http *h = userdata;
    if (origin != SEEK_SET || offset < 0)
        return CURL_SEEKFUNC_CANTSEEK;
    size_t left = (size_t)offset;
    h->seg_i = 0;
    h->seg_off = 0;
    while (h->seg_i < h->n_segs && left >= h->segs[h->seg_i].len) {
        left -= h->segs[h->seg_i].len;
        h->seg_i++;
    }
    if (h->seg_i == h->n_segs && left > 0)
        return CURL_SEEKFUNC_FAIL;
    h->seg_off = left;
    return CURL_SEEKFUNC_OK;
}

static size_t read_header(char *buffer, size_t size, size_t nitems, void *userdata) {
    struct aura_http *h = userdata;
    size_t n = size * nitems;
    static const char name[] = "retry-after:";
    if (n > sizeof name - 1 && strncasecmp(buffer, name, sizeof name - 1) == 0) {
        char value[128];
        size_t vlen = n - (sizeof name - 1);
        if (vlen >= sizeof value)
            vlen = sizeof value - 1;
        memcpy(value, buffer + sizeof name - 1, vlen);
        value[vlen] = '\0';
        char *e = value + strlen(value);
        while (e > value && isspace((unsigned char)e[-1]))
            *--e = '\0';
        h->retry_after_us = aura_http_parse_retry_after(value, (int64_t)time(NULL));
    } else if (n >= 5 && strncmp(buffer, "HTTP/", 5) == 0) {
        h->retry_after_us = -1; /* a new response (e.g. after 100 Continue) */
    }
    return n;
}

static void transfer_done(struct aura_transfer *t, int result) {
    struct aura_http *h = (struct aura_http *)t;
    h->busy = false;
    h->curl_result = result;
    h->status = 0;
    if (result == CURLE_OK)
        curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &h->status);
    if (h->done)
        h->done(h, h->userdata);
}

int aura_http_init(struct aura_http *h, struct aura_loop *loop, void (*done)(struct aura_http *, void *),
                   void *userdata) {
    memset(h, 0, sizeof *h);
    h->transfer.done = transfer_done;
    h->loop = loop;
    h->done = done;
    h->userdata = userdata;
    h->retry_after_us = -1;
    h->easy = curl_easy_init();
    if (!h->easy)
        return -ENOMEM;
    h->headers = curl_slist_append(NULL, "Content-Type: application/json");
    h->headers = curl_slist_append(h->headers, "Expect:"); /* no 100-continue round trip */
    if (!h->headers)
        return -ENOMEM;
    h->headers_gzip = curl_slist_append(NULL, "Content-Type: application/json");
    h->headers_gzip = curl_slist_append(h->headers_gzip, "Expect:");
    h->headers_gzip = curl_slist_append(h->headers_gzip, "Content-Encoding: gzip");
    if (!h->headers_gzip)
        return -ENOMEM;
    return 0;
}

void aura_http_cleanup(struct aura_http *h) {
    if (h->easy) {
        if (h->busy)
            curl_multi_remove_handle(aura_loop_multi(h->loop), h->easy);
        curl_easy_cleanup(h->easy);
    }
    curl_slist_free_all(h->headers);
    curl_slist_free_all(h->headers_gzip);
    memset(h, 0, sizeof *h);
}

#define SETOPT(h, opt, val)                                                                                  \
    do {                                                                                                     \
        CURLcode c_ = curl_easy_setopt((h)->easy, opt, val);                                                 \
        if (c_ != CURLE_OK) {                                                                                \
            aura_log(AURA_LOG_DEBUG, "curl_easy_setopt(%s): %s", #opt, curl_easy_strerror(c_));             \
            return -EINVAL;                                                                                  \
        }                                                                                                    \
    } while (0)

/* SPEC §13: proxy, mutual TLS, pinning, connect timeout.  Every option is
 * set on every request (to NULL when unset) because the handle is reused
 * across SIGHUP and a removed key must not linger. */
static int set_network_options(struct aura_http *h, const struct aura_http_settings *s) {
    /* "" rather than NULL: libcurl then ignores http_proxy, https_proxy,
     * all_proxy and no_proxy, so the environment never decides silently. */
    SETOPT(h, CURLOPT_PROXY, s->proxy ? s->proxy : "");
    SETOPT(h, CURLOPT_HTTPPROXYTUNNEL, s->proxy ? 1L : 0L); /* CONNECT, also for http:// */
    SETOPT(h, CURLOPT_SSLCERT, s->client_cert);
    SETOPT(h, CURLOPT_SSLCERTTYPE, s->client_cert ? "PEM" : NULL);
    SETOPT(h, CURLOPT_SSLKEY, s->client_key);
    SETOPT(h, CURLOPT_SSLKEYTYPE, s->client_key ? "PEM" : NULL);
    SETOPT(h, CURLOPT_PINNEDPUBLICKEY, s->pinned_public_key);
    double ct = s->connect_timeout > 0 && s->connect_timeout < s->timeout ? s->connect_timeout : s->timeout;
    long ct_ms = (long)(ct * 1000.0);
    SETOPT(h, CURLOPT_CONNECTTIMEOUT_MS, ct_ms < 1 ? 1L : ct_ms);
    return 0;
}

int aura_http_post(struct aura_http *h, const struct aura_http_settings *s, const char *path, const char *body,
                   size_t len) {
    return aura_http_post_encoded(h, s, path, body, len, NULL);
}

static int post(struct aura_http *h, const struct aura_http_settings *s, const char *path, const char *body,
                const struct aura_segment *segs, size_t n_segs, size_t len, const char *content_encoding) {
    if (content_encoding && strcmp(content_encoding, "gzip") != 0)
        return -EINVAL;
    if (h->busy)
        return -EBUSY;
    int n = snprintf(h->url, sizeof h->url, "%s%s", s->endpoint, path);
    if (n < 0 || (size_t)n >= sizeof h->url)
        return -ENAMETOOLONG;
    h->error[0] = '\0';
    h->retry_after_us = -1;
    h->status = 0;
    long timeout_ms = (long)(s->timeout * 1000.0);
    if (timeout_ms < 1)
        timeout_ms = 1;
    SETOPT(h, CURLOPT_URL, h->url);
    SETOPT(h, CURLOPT_PROTOCOLS_STR, "http,https");
    SETOPT(h, CURLOPT_POST, 1L);
    h->segs = n_segs ? segs : NULL;
    h->n_segs = n_segs;
    h->seg_i = 0;
    h->seg_off = 0;
    if (n_segs) {
        /* no POSTFIELDS: libcurl reads the body through the callback */
        SETOPT(h, CURLOPT_POSTFIELDS, (char *)NULL);
        SETOPT(h, CURLOPT_READFUNCTION, read_segments);
        SETOPT(h, CURLOPT_READDATA, h);
        SETOPT(h, CURLOPT_SEEKFUNCTION, seek_segments);
        SETOPT(h, CURLOPT_SEEKDATA, h);
    } else {
        SETOPT(h, CURLOPT_POSTFIELDS, body);
    }
    SETOPT(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    SETOPT(h, CURLOPT_HTTPHEADER, content_encoding ? h->headers_gzip : h->headers);
    SETOPT(h, CURLOPT_USERAGENT, "auralog-bridge/" PACKAGE_VERSION);
    SETOPT(h, CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(h, CURLOPT_SSL_VERIFYPEER, 1L);
    SETOPT(h, CURLOPT_SSL_VERIFYHOST, 2L);
    /* CAINFO adds the extra bundle; Debian's libcurl keeps CAPATH
     * /etc/ssl/certs, so public CAs stay trusted too. */
    if (s->ca_file)
        SETOPT(h, CURLOPT_CAINFO, s->ca_file);
    SETOPT(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    int r = set_network_options(h, s);
    if (r < 0)
        return r;
    SETOPT(h, CURLOPT_NOSIGNAL, 1L);
    SETOPT(h, CURLOPT_TCP_KEEPALIVE, 1L);
    SETOPT(h, CURLOPT_WRITEFUNCTION, discard_body);
    SETOPT(h, CURLOPT_HEADERFUNCTION, read_header);
    SETOPT(h, CURLOPT_HEADERDATA, h);
    SETOPT(h, CURLOPT_ERRORBUFFER, h->error);
    SETOPT(h, CURLOPT_PRIVATE, (char *)&h->transfer);
    CURLMcode mc = curl_multi_add_handle(aura_loop_multi(h->loop), h->easy);
    if (mc != CURLM_OK) {
        aura_log(AURA_LOG_DEBUG, "curl_multi_add_handle: %s", curl_multi_strerror(mc));
        return -EIO;
    }
    h->busy = true;
    aura_loop_wakeup(h->loop);
    return 0;
}

int aura_http_post_encoded(struct aura_http *h, const struct aura_http_settings *s, const char *path,
                           const char *body, size_t len, const char *content_encoding) {
    return post(h, s, path, body, NULL, 0, len, content_encoding);
}

int aura_http_post_segments(struct aura_http *h, const struct aura_http_settings *s, const char *path,
                            const struct aura_segment *segs, size_t n_segs, size_t len,
                            const char *content_encoding) {
    if (n_segs == 0)
        return -EINVAL;
    return post(h, s, path, NULL, segs, n_segs, len, content_encoding);
}

const char *aura_http_describe(const struct aura_http *h, char *buf, size_t size) {
    if (h->curl_result != CURLE_OK)
        snprintf(buf, size, "%s", h->error[0] ? h->error : curl_easy_strerror((CURLcode)h->curl_result));
    else
        snprintf(buf, size, "HTTP %ld", h->status);
    return buf;
}

/* ---- the HTTP transport (transport.h) ------------------------------------- */

struct http_transport {
    struct aura_transport base; /* must stay first */
    struct aura_http http;
};

static void http_transport_done(struct aura_http *h, void *userdata) {
    struct http_transport *t = userdata;
    struct aura_response resp = {.retry_after_us = h->retry_after_us};
    resp.status = h->curl_result == CURLE_OK ? h->status : 0;
    resp.outcome = aura_http_classify(resp.status);
    aura_http_describe(h, resp.why, sizeof resp.why);
    t->base.done(t->base.userdata, &resp);
}

static int http_transport_send(struct aura_transport *base, const struct aura_settings *cfg,
                               const struct aura_request *rq, struct aura_response *resp) {
    struct http_transport *t = (struct http_transport *)base;
    (void)resp;
    struct aura_http_settings s = {.endpoint = cfg->endpoint,
                                   .ca_file = cfg->ca_file,
                                   .timeout = cfg->timeout,
                                   .proxy = cfg->proxy,
                                   .client_cert = cfg->client_cert,
                                   .client_key = cfg->client_key,
                                   .pinned_public_key = cfg->pinned_public_key,
                                   .connect_timeout = cfg->connect_timeout};
    int r = rq->n_segs ? aura_http_post_segments(&t->http, &s, rq->path, rq->segs, rq->n_segs, rq->len,
                                                  rq->content_encoding)
                       : aura_http_post_encoded(&t->http, &s, rq->path, rq->body, rq->len, rq->content_encoding);
    return r < 0 ? r : 0;
}

static bool http_transport_busy(const struct aura_transport *base) {
    return ((const struct http_transport *)base)->http.busy;
}

static void http_transport_free(struct aura_transport *base) {
    struct http_transport *t = (struct http_transport *)base;
    if (t->http.easy)
        aura_http_cleanup(&t->http);
    free(t);
}

static const struct aura_transport_ops http_ops = {http_transport_send, http_transport_busy, http_transport_free};

int aura_transport_http_new(struct aura_loop *loop, void (*done)(void *, const struct aura_response *),
                            void *userdata, struct aura_transport **ret) {
    struct http_transport *t = aura_calloc(1, sizeof *t);
    t->base.ops = &http_ops;
    t->base.done = done;
    t->base.userdata = userdata;
    int r = aura_http_init(&t->http, loop, http_transport_done, t);
    if (r < 0) {
        http_transport_free(&t->base);
        return r;
    }
    *ret = &t->base;
    return 0;
}
