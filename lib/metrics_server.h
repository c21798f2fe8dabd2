/* metrics_server.h - /metrics and /healthz over HTTP (SPEC §12), served by
 * libmicrohttpd from the program's event loop.
 *
 * Why the event loop and not a thread of its own: the metrics are plain
 * doubles bumped on the hot path; rendering them in the same thread needs no
 * atomics and no lock, and a scrape sees one consistent moment.  MHD runs in
 * its external-epoll mode: its one epoll fd sits in our loop, MHD_run() is
 * called when that fd is readable or MHD's own timeout (MHD_get_timeout)
 * expires, and MHD never blocks in either.  Hostile clients cannot stall
 * forwarding: at most 32 connections at once (more wait in the kernel's
 * backlog), each closed after 10 s idle, 8 KiB of memory each, only GET/HEAD
 * of two paths; a request is answered from memory in microseconds. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "listen.h"

struct aura_loop;
struct aura_metrics;
struct aura_metrics_server;

/* Health for /healthz: return true when healthy; otherwise fill reason
 * (one line) for the 503 body. */
typedef bool (*aura_health_cb)(void *userdata, char *reason, size_t size);

/* Listen on text (see aura_listen_parse) and serve reg.  0 / -errno. */
int aura_metrics_server_new(struct aura_loop *loop, const char *listen, struct aura_metrics *reg,
                            aura_health_cb health, void *userdata, struct aura_metrics_server **ret);
void aura_metrics_server_free(struct aura_metrics_server *s);
/* The port actually bound (useful with port 0 in tests). */
unsigned aura_metrics_server_port(const struct aura_metrics_server *s);

/* metrics_file: write reg to path every interval_s seconds (and once at
 * start), atomically.  Failures are logged rate-limited by the writer. */
struct aura_metrics_file;
int aura_metrics_file_new(struct aura_loop *loop, const char *path, struct aura_metrics *reg, double interval_s,
                          struct aura_metrics_file **ret);
/* Write once more now (at exit, so the file shows the final counts). */
void aura_metrics_file_flush(struct aura_metrics_file *mf);
void aura_metrics_file_free(struct aura_metrics_file *mf);
