#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static void oom(void) {
    aura_log(AURA_LOG_ERR, "out of memory, aborting");
    abort();
}

void *aura_malloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *aura_calloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *aura_realloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom();
    return q;
}

char *aura_strdup(const char *s) {
    return aura_strndup(s, strlen(s));
}

char *aura_strndup(const char *s, size_t n) {
    char *p = aura_malloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void aura_buf_init(struct aura_buf *b) {
    b->data = NULL;
    b->len = b->cap = 0;
}

void aura_buf_free(struct aura_buf *b) {
    free(b->data);
    aura_buf_init(b);
}

void aura_buf_grow(struct aura_buf *b, size_t extra) {
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    b->data = aura_realloc(b->data, cap);
    b->cap = cap;
}

void aura_buf_puts(struct aura_buf *b, const char *s) {
    aura_buf_append(b, s, strlen(s));
}

void aura_buf_printf(struct aura_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        va_end(ap2);
        return;
    }
    aura_buf_reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    b->len += (size_t)n;
}

char *aura_buf_steal(struct aura_buf *b) {
    char *p = b->data ? b->data : aura_strdup("");
    aura_buf_init(b);
    return p;
}
