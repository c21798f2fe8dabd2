/* buf.h - growable byte buffer, reused on the hot path.
 *
 * A buffer owns its storage.  Appending never fails: on out-of-memory the
 * process logs and aborts (a forwarder that cannot allocate a few KiB cannot
 * do anything useful; systemd-journal-upload behaves the same way).
 * Contents are always NUL-terminated past len, so data can be passed as a C
 * string when it holds no NUL bytes. */
#pragma once
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct aura_buf {
    char *data;
    size_t len;
    size_t cap;
};

#define AURA_BUF_INIT {NULL, 0, 0}

void aura_buf_init(struct aura_buf *b);
void aura_buf_free(struct aura_buf *b);            /* releases storage; b may be reused */
void aura_buf_grow(struct aura_buf *b, size_t extra); /* aura_buf_reserve()'s slow path */
void aura_buf_puts(struct aura_buf *b, const char *s);
void aura_buf_printf(struct aura_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *aura_buf_steal(struct aura_buf *b);          /* caller owns the returned string; b is emptied */

static inline void aura_buf_reset(struct aura_buf *b) {
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Room for extra more bytes + NUL.  Inline, as aura_buf_append(): both run
 * for every field of every entry, and the room is nearly always there. */
static inline void aura_buf_reserve(struct aura_buf *b, size_t extra) {
    if (b->len + extra + 1 > b->cap)
        aura_buf_grow(b, extra);
}

/* memcpy(dst, src, n), but up to 16 bytes as two overlapping words (8, 4,
 * or the first, middle and last byte) without a libc call: the pieces of an
 * entry (journal values, keys, numbers) are mostly that short.  Reads only
 * src[0, n). */
static inline void aura_copy_small(char *dst, const char *src, size_t n) {
    if (n >= 8 && n <= 16) {
        uint64_t a, z;
        memcpy(&a, src, 8);
        memcpy(&z, src + n - 8, 8);
        memcpy(dst, &a, 8);
        memcpy(dst + n - 8, &z, 8);
    } else if (n > 16) {
        memcpy(dst, src, n);
    } else if (n >= 4) {
        uint32_t a, z;
        memcpy(&a, src, 4);
        memcpy(&z, src + n - 4, 4);
        memcpy(dst, &a, 4);
        memcpy(dst + n - 4, &z, 4);
    } else if (n) {
        char a = src[0], m = src[n / 2], z = src[n - 1];
        dst[0] = a;
        dst[n / 2] = m;
        dst[n - 1] = z;
    }
}

static inline void aura_buf_append(struct aura_buf *b, const void *p, size_t n) {
    aura_buf_reserve(b, n);
    aura_copy_small(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static inline void aura_buf_putc(struct aura_buf *b, char c) {
    if (b->len + 2 > b->cap)
        aura_buf_grow(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

/* Allocation helpers that abort on OOM. */
void *aura_malloc(size_t n);
void *aura_calloc(size_t n, size_t size);
void *aura_realloc(void *p, size_t n);
char *aura_strdup(const char *s);
char *aura_strndup(const char *s, size_t n);
