/* plainrun.h - the sixteen-bytes-at-a-time loop shared by the JSON encoder
 * (lib/json.c, aura_json_string) and the omprog template reader
 * (plugin/input.c, flat_string): copy a string's run of bytes that need no
 * work, stopping at the first one that does. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Copy whole sixteen-byte blocks from *sp (up to end) to *op while a block
 * holds no '"', no '\\', no control character (< 0x20) and, with high, no
 * byte >= 0x80 (the encoder checks UTF-8; the reader passes it through).
 * Each block is stored whole: the caller has room at *op for the rest of
 * the input.  true: *sp and *op are at the first such byte; false: fewer
 * than sixteen bytes are left (always, without SSE2), *sp and *op moved
 * past the blocks copied. */
static inline __attribute__((always_inline)) bool aura_plain_run16(const char **sp, const char *end, char **op,
                                                                   bool high) {
#if defined(__SSE2__)
    const char *s = *sp;
    char *o = *op;
    while (end - s >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
        _mm_storeu_si128((__m128i *)(void *)o, v);
        /* high: a signed compare with 0x20 flags the control characters
         * and every byte >= 0x80 at once; else min_epu8 (unsigned) flags
         * the control characters only */
        __m128i ctl = high ? _mm_cmplt_epi8(v, _mm_set1_epi8(0x20))
                           : _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
        __m128i w = _mm_or_si128(ctl, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                                   _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
        unsigned m = (unsigned)_mm_movemask_epi8(w);
        if (m) {
            unsigned k = (unsigned)__builtin_ctz(m);
            *sp = s + k;
            *op = o + k;
            return true;
        }
        s += 16;
        o += 16;
    }
    *sp = s;
    *op = o;
#else
    (void)sp, (void)end, (void)op, (void)high;
#endif
    return false;
}
