#include "listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int aura_listen_parse(const char *text, struct sockaddr_storage *ss, socklen_t *len, char *err, size_t errlen) {
    char host[INET6_ADDRSTRLEN + 2];
    const char *port;
    bool v6 = false;
    memset(ss, 0, sizeof *ss);
    if (!text || !*text) {
        snprintf(err, errlen, "empty address");
        return -EINVAL;
    }
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':' || (size_t)(close - text - 1) >= sizeof host) {
            snprintf(err, errlen, "expected [IPv6]:PORT, got \"%s\"", text);
            return -EINVAL;
        }
        memcpy(host, text + 1, (size_t)(close - text - 1));
        host[close - text - 1] = '\0';
        port = close + 2;
        v6 = true;
    } else {
        const char *colon = strrchr(text, ':');
        if (!colon || colon == text || strchr(text, ':') != colon || (size_t)(colon - text) >= sizeof host) {
            snprintf(err, errlen, "expected ADDRESS:PORT or [IPv6]:PORT, got \"%s\"", text);
            return -EINVAL;
        }
        memcpy(host, text, (size_t)(colon - text));
        host[colon - text] = '\0';
        port = colon + 1;
    }
    char *end;
    errno = 0;
    unsigned long p = strtoul(port, &end, 10);
    if (!*port || *end || errno || p > 65535 || *port == '-' || *port == '+') {
        snprintf(err, errlen, "port must be 0..65535, got \"%s\"", port);
        return -EINVAL;
    }
    if (v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1) {
            snprintf(err, errlen, "not an IPv6 address: \"%s\"", host);
            return -EINVAL;
        }
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)p);
        *len = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)ss;
        if (inet_pton(AF_INET, host, &a->sin_addr) != 1) {
            snprintf(err, errlen, "not an IPv4 address (write IPv6 as [ADDR]:PORT): \"%s\"", host);
            return -EINVAL;
        }
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)p);
        *len = sizeof *a;
    }
    return 0;
}
