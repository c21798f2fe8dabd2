/* listen.h - a listening address as written in the configuration
 * ([metrics] listen), parsed without any server behind it, so the settings
 * table can check it wherever it is linked. */
#pragma once
#include <stddef.h>
#include <sys/socket.h>

/* "127.0.0.1:9101", "[::1]:9101", "0.0.0.0:9101", "[::]:9101": a numeric
 * address and a port, nothing implied (a bare port would mean every
 * interface, which must be written out).  0 / -EINVAL; err says why. */
int aura_listen_parse(const char *text, struct sockaddr_storage *ss, socklen_t *len, char *err, size_t errlen);
