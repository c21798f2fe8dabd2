#include "metrics_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"

#define CONNECTION_LIMIT 32
#define CONNECTION_TIMEOUT_S 10
#define CONNECTION_MEMORY 8192

struct aura_metrics_server {
    struct aura_loop *loop;
    struct MHD_Daemon *daemon;
    int epoll_fd;
    struct aura_timer timer;
    struct aura_metrics *reg;
    aura_health_cb health;
    void *userdata;
    struct aura_buf text; /* reused for every scrape */
    unsigned port;
    bool had_connections; /* at the previous rearm() */
};

static void mhd_log(void *cls, const char *fmt, va_list ap) {
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    aura_log(AURA_LOG_DEBUG, "metrics server: %s", line);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type, const char *body,
                             size_t len) {
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    if (type)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_data_size,
                              void **req_cls) {
    struct aura_metrics_server *s = cls;
    (void)version;
    (void)upload_data;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "only GET\n", 9);
    if (*upload_data_size) /* a GET with a body: ignore the body */
        *upload_data_size = 0;
    if (!*req_cls) { /* first call: headers only; answer on the next */
        *req_cls = s;
        return MHD_YES;
    }
    if (strcmp(url, "/metrics") == 0) {
        aura_buf_reset(&s->text);
        aura_metrics_render(s->reg, &s->text);
        return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", s->text.data ? s->text.data : "",
                     s->text.len);
    }
    if (strcmp(url, "/healthz") == 0) {
        char reason[256] = "";
        bool ok = s->health ? s->health(s->userdata, reason, sizeof reason) : true;
        aura_buf_reset(&s->text);
        aura_buf_printf(&s->text, "%s\n", ok ? "ok" : (reason[0] ? reason : "unhealthy"));
        return reply(c, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8", s->text.data,
                     s->text.len);
    }
    return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", "not found: try /metrics or /healthz\n", 36);
}

/* After every MHD_run: wake again when MHD's next connection timeout is due
 * (0 when it has buffered work), or never when it has none.
 *
 * libmicrohttpd 0.9.75 in external-epoll mode takes its listen socket out of
 * its epoll set at the connection limit and puts it back only in a later
 * MHD_run(); with the kernel's backlog full no new event ever comes to call
 * it, and the port stays deaf (seen under a flood of idle connections).  So
 * while there are connections, and once more after the last one went, MHD
 * runs at least every RECHECK_US. */
#define RECHECK_US 500000u

static void rearm(struct aura_metrics_server *s) {
    MHD_UNSIGNED_LONG_LONG ms;
    uint64_t when = UINT64_MAX, now = aura_now_us();
    const union MHD_DaemonInfo *ci = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    bool conns = ci && ci->num_connections > 0;
    if (MHD_get_timeout(s->daemon, &ms) == MHD_YES)
        when = now + (uint64_t)ms * 1000;
    if ((conns || s->had_connections) && when > now + RECHECK_US)
        when = now + RECHECK_US;
    s->had_connections = conns;
    if (when != UINT64_MAX)
        aura_loop_timer_arm(s->loop, &s->timer, when);
    else
        aura_loop_timer_disarm(s->loop, &s->timer);
}

static void on_epoll(struct aura_loop *loop, int fd, short revents, void *userdata) {
    struct aura_metrics_server *s = userdata;
    MHD_run(s->daemon);
    rearm(s);
}

static void on_timer(struct aura_loop *loop, void *userdata) {
    struct aura_metrics_server *s = userdata;
    MHD_run(s->daemon);
    rearm(s);
}

int aura_metrics_server_new(struct aura_loop *loop, const char *listen, struct aura_metrics *reg,
                            aura_health_cb health, void *userdata, struct aura_metrics_server **ret) {
    struct sockaddr_storage ss;
    socklen_t sslen;
    char err[256];
    int r = aura_listen_parse(listen, &ss, &sslen, err, sizeof err);
    if (r < 0) {
        aura_log(AURA_LOG_DEBUG, "metrics listen: %s", err);
        return r;
    }
    struct aura_metrics_server *s = aura_calloc(1, sizeof *s);
    s->loop = loop;
    s->reg = reg;
    s->health = health;
    s->userdata = userdata;
    s->epoll_fd = -1;
    aura_timer_init(&s->timer, on_timer, s);
    unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_USE_SUPPRESS_DATE_NO_CLOCK;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    errno = 0;
    s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, handle, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                                 MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTION_LIMIT,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
                                 MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
                                 MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)64, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
                                 NULL, MHD_OPTION_END);
    if (!s->daemon) {
        r = errno ? -errno : -EADDRNOTAVAIL;
        free(s);
        return r;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    const union MHD_DaemonInfo *pinfo = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    if (!info || info->epoll_fd < 0) {
        aura_metrics_server_free(s);
        return -EIO;
    }
    s->port = pinfo ? pinfo->port : 0;
    s->epoll_fd = info->epoll_fd;
    r = aura_loop_add_fd(loop, s->epoll_fd, POLLIN, on_epoll, s);
    if (r < 0) {
        s->epoll_fd = -1;
        aura_metrics_server_free(s);
        return r;
    }
    rearm(s);
    *ret = s;
    return 0;
}

void aura_metrics_server_free(struct aura_metrics_server *s) {
    if (!s)
        return;
    if (s->epoll_fd >= 0)
        aura_loop_remove_fd(s->loop, s->epoll_fd);
    aura_loop_timer_disarm(s->loop, &s->timer);
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    aura_buf_free(&s->text);
    free(s);
}

unsigned aura_metrics_server_port(const struct aura_metrics_server *s) {
    return s->port;
}

struct aura_metrics_file {
    struct aura_loop *loop;
    struct aura_metrics *reg;
    char *path;
    uint64_t interval_us;
    struct aura_timer timer;
    struct aura_ratelimit rl;
};

static void file_tick(struct aura_loop *loop, void *userdata) {
    struct aura_metrics_file *mf = userdata;
    aura_metrics_file_flush(mf);
    aura_loop_timer_arm(loop, &mf->timer, aura_now_us() + mf->interval_us);
}

int aura_metrics_file_new(struct aura_loop *loop, const char *path, struct aura_metrics *reg, double interval_s,
                          struct aura_metrics_file **ret) {
    if (!path || !*path || interval_s <= 0)
        return -EINVAL;
    struct aura_metrics_file *mf = aura_calloc(1, sizeof *mf);
    mf->loop = loop;
    mf->reg = reg;
    mf->path = aura_strdup(path);
    mf->interval_us = (uint64_t)(interval_s * 1e6);
    mf->rl = (struct aura_ratelimit)AURA_RATELIMIT(60);
    aura_timer_init(&mf->timer, file_tick, mf);
    aura_loop_timer_arm(loop, &mf->timer, aura_now_us()); /* the first file at once */
    *ret = mf;
    return 0;
}

void aura_metrics_file_flush(struct aura_metrics_file *mf) {
    if (!mf)
        return;
    int r = aura_metrics_write_file(mf->reg, mf->path);
    if (r < 0)
        aura_log_limited(&mf->rl, AURA_LOG_WARNING, "metrics_file %s: cannot write: %s", mf->path, strerror(-r));
}

void aura_metrics_file_free(struct aura_metrics_file *mf) {
    if (!mf)
        return;
    aura_loop_timer_disarm(mf->loop, &mf->timer);
    free(mf->path);
    free(mf);
}
